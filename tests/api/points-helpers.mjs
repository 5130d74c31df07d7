// Helpers of the points tests (points.test.mjs): the places and people the scenarios need
// (fresh households and persons, accounts with grants, accounts linked to persons), the
// requests of the points routes, balances and statements read back, and the ledger's audit
// (`mashang points audit`) run against the test server's own database.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

import { BIN, ENGINE, ROOT, check, psql } from './harness.mjs'

const run = promisify(execFile)

/**
 * `mashang points audit --db <the server's database>`: resolves { code, stdout, stderr }
 * (code 0 = no discrepancy).
 */
export function pointsAudit(srv) {
  return run(BIN, ['points', 'audit', '--db', srv.db.url], { cwd: ROOT, timeout: 60000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )
}

/** Asserts the ledger's audit passes (exit 0, "0 discrepancies"). */
export async function assertAudited(srv) {
  const r = await pointsAudit(srv)
  assert.equal(r.code, 0, `mashang points audit failed: ${JSON.stringify(r)}`)
  assert.match(r.stdout, /points ledger: \d+ accounts, \d+ postings, \d+ transfers checked in \d+ ms; 0 discrepancies/)
  return r.stdout
}

/**
 * Runs one SQL statement on the server's own database (sqlite3 or psql, as the other suites
 * do); resolves its output (one row a line, `|` between columns). What the tests that move a
 * posting or a rejection back in time use: the server's clock is real.
 */
export async function pointsSql(srv, statement) {
  if (ENGINE === 'sqlite')
    return (await run('sqlite3', ['-cmd', '.timeout 10000', srv.db.url.replace(/^sqlite:/, ''), statement], { timeout: 30000 })).stdout
  return psql(srv.db.url, statement)
}

/** The points routes, for one server. */
export class Points {
  constructor(srv, admin) {
    this.srv = srv
    this.admin = admin
    this.seq = 0
  }

  /** A name or key no other request of the file uses. */
  fresh(base) {
    return `${base}${++this.seq}`
  }

  // -------------------------------------------------------------------------------------
  // The registry and accounts

  /** A new household in `building` (made by the admin). */
  async household(building) {
    const h = { building_id: building.id, unit: '9', floor: 9, room: this.fresh('9') }
    return check(await this.srv.post('/api/households', h, { token: this.admin.token }), 201)
  }

  /** A new person in a new household of `building` (made by the admin). */
  async person(building, name = this.fresh('积分居民')) {
    const h = await this.household(building)
    const json = { name, gender: 'F', relation: 'head' }
    return check(await this.srv.post(`/api/households/${h.id}/persons`, json, { token: this.admin.token }), 201)
  }

  /** A new account holding `roles`, logged in: the login response ({ token, account, … }). */
  async account(roles, base = 'points.user') {
    const username = this.fresh(base)
    const json = { username, display_name: username, password: 'a-good-password', roles }
    check(await this.srv.post('/api/accounts', json, { token: this.admin.token }), 201)
    return this.srv.login(username, 'a-good-password')
  }

  /** Links `person` to the account of a login response (as the admin). */
  async link(person, who) {
    const res = await this.srv.request('PUT', `/api/persons/${person.id}/account`, { token: this.admin.token, json: { account_id: who.account.id } })
    return check(res, 200)
  }

  /** A new person of `building` and a resident account there linked to them: { person, who }. */
  async resident(building, scope) {
    const person = await this.person(building)
    const who = await this.account([{ role: 'resident', scope }], 'points.resident')
    await this.link(person, who)
    return { person, who }
  }

  /** A new territory node under `parent` (as the admin). */
  async node(parent, kind, name = this.fresh(`积分${kind}`)) {
    return check(await this.srv.post('/api/nodes', { parent_id: parent.id, kind, name }, { token: this.admin.token }), 201)
  }

  // -------------------------------------------------------------------------------------
  // Requests

  catalog(opts = {}) {
    return this.srv.get(`/api/points/catalog${opts.all ? '?all=true' : ''}`, { token: opts.token })
  }
  putItem(code, json, who = this.admin) {
    return this.srv.request('PUT', `/api/points/catalog/${code}`, { token: who?.token, json })
  }
  grant(json, who = this.admin) {
    return this.srv.post('/api/points/budgets', json, { token: who?.token })
  }
  propose(json, who) {
    return this.srv.post('/api/points/proposals', json, { token: who?.token })
  }
  vote(id, json, who) {
    return this.srv.post(`/api/points/proposals/${id}/votes`, json, { token: who?.token })
  }
  correct(json, who) {
    return this.srv.post('/api/points/corrections', json, { token: who?.token })
  }
  statement(query, who) {
    return this.srv.get(`/api/points/statement?${new URLSearchParams(query)}`, { token: who?.token })
  }

  // The points shop, the tiers and the bulk routes
  tiers(who) {
    return this.srv.get('/api/points/tiers', { token: who?.token })
  }
  goods(who, communityId) {
    return this.srv.get(`/api/points/goods${communityId === undefined ? '' : `?community_id=${communityId}`}`, { token: who?.token })
  }
  addGoods(json, who) {
    return this.srv.post('/api/points/goods', json, { token: who?.token })
  }
  changeGoods(id, json, who) {
    return this.srv.request('PATCH', `/api/points/goods/${id}`, { token: who?.token, json })
  }
  redeem(json, who) {
    return this.srv.post('/api/points/redemptions', json, { token: who?.token })
  }
  redemptions(query, who) {
    return this.srv.get(`/api/points/redemptions?${new URLSearchParams(query)}`, { token: who?.token })
  }
  byCode(code, who) {
    return this.srv.get(`/api/points/redemptions/by-code/${encodeURIComponent(code)}`, { token: who?.token })
  }
  handover(code, who) {
    return this.srv.post('/api/points/redemptions/handover', { code }, { token: who?.token })
  }
  cancel(id, who) {
    return this.srv.request('POST', `/api/points/redemptions/${id}/cancel`, { token: who?.token })
  }
  proposeBulk(json, who) {
    return this.srv.post('/api/points/proposals/bulk', json, { token: who?.token })
  }
  voteBulk(json, who) {
    return this.srv.post('/api/points/proposals/votes', json, { token: who?.token })
  }

  // Appeals
  appeal(json, who) {
    return this.srv.post('/api/points/appeals', json, { token: who?.token })
  }
  appeals(query, who) {
    return this.srv.get(`/api/points/appeals?${new URLSearchParams(query)}`, { token: who?.token })
  }
  appealOf(id, who) {
    return this.srv.get(`/api/points/appeals/${id}`, { token: who?.token })
  }
  decideAppeal(id, json, who) {
    return this.srv.post(`/api/points/appeals/${id}/decision`, json, { token: who?.token })
  }

  /** A new pending appeal (201, Location its URL); the appeal. `json` without a key gets a fresh one. */
  async appealed(json, who) {
    const body = { key: this.fresh('appeal-'), reason: '积分测试申诉', evidence: ['photo:appeal'], ...json }
    const res = await this.appeal(body, who)
    const a = check(res, 201, 'PointsAppeal')
    assert.equal(res.header('location'), `/api/points/appeals/${a.id}`)
    assert.deepEqual([a.status, a.decided_by, a.decision_reason, a.result_posting_id, a.decided_at], ['pending', null, null, null, null])
    return a
  }

  /** `decision` (uphold | overturn) of an appeal by `who` (200); the appeal after it. */
  async decided(id, decision, who, reason = '积分测试复核') {
    const a = check(await this.decideAppeal(id, { decision, reason }, who), 200, 'PointsAppeal')
    assert.equal(a.status, decision === 'overturn' ? 'overturned' : 'upheld', `not decided: ${JSON.stringify(a)}`)
    return a
  }

  /** Proposes and has `committee` reject it: the rejected proposal. */
  async rejected(json, proposer, committee, reason = '积分测试驳回') {
    const p = await this.proposed(json, proposer)
    const after = check(await this.vote(p.id, { decision: 'reject', reason }, committee), 200, 'PointsProposal')
    assert.equal(after.status, 'rejected', `not rejected: ${JSON.stringify(after)}`)
    return after
  }

  /** New goods (201); the goods. `json` without a name gets a fresh one. */
  async addedGoods(json, who = this.admin) {
    const res = await this.addGoods({ name: this.fresh('积分商品'), price: 10, stock: 10, ...json }, who)
    const g = check(res, 201, 'PointsGoods')
    assert.equal(res.header('location'), undefined)  // no GET of one goods: nothing to point at
    return g
  }

  /** A held redemption (201); the redemption. `json` without a key gets a fresh one. */
  async redeemed(json, who) {
    const res = await this.redeem({ key: this.fresh('redeem-'), ...json }, who)
    const r = check(res, 201, 'PointsRedemption')
    assert.equal(r.status, 'held')
    return r
  }

  /**
   * A bonus item of `points` points for persons that `community_staff` propose, without cap
   * or evidence (made once per amount, by the admin): its code. What the shop tests give
   * residents their points with.
   */
  async fundItem(points) {
    this.funds ??= new Map()
    if (!this.funds.has(points)) {
      const code = this.fresh(`bonus.points_fund_${points}_`)
      const item = { name_zh: `积分测试发放${points}`, name_en: `Test fund ${points}`, points, subject: 'person', cap_period: 'ever',
        evidence_required: false, proposers: ['community_staff'] }
      check(await this.putItem(code, item), 201, 'PointsItem')
      this.funds.set(points, code)
    }
    return this.funds.get(points)
  }

  /** Awards `points` virtue and spendable points to a person: proposed by `staff`, approved by `committee`. */
  async fund(personId, points, staff, committee) {
    return this.posted({ item: await this.fundItem(points), person_id: personId, evidence: [] }, staff, committee)
  }

  /** Grants `amount` to a community's budget (as the admin); the posting. */
  async granted(communityId, amount, reason = '积分测试预算') {
    return check(await this.grant({ key: this.fresh('grant-'), community_id: communityId, amount, reason }), 201, 'PointsPosting')
  }

  /** A new pending proposal (201); the proposal. `json` without a key gets a fresh one. */
  async proposed(json, who) {
    const body = { key: this.fresh('proposal-'), reason: '积分测试申报', evidence: ['photo:points-test'], ...json }
    const res = await this.propose(body, who)
    const p = check(res, 201, 'PointsProposal')
    assert.equal(res.header('location'), `/api/points/proposals/${p.id}`)
    assert.equal(p.status, 'pending')
    return p
  }

  /** Proposes and has `committee` approve it: the posted proposal. */
  async posted(json, proposer, committee) {
    const p = await this.proposed(json, proposer)
    const after = check(await this.vote(p.id, { decision: 'approve' }, committee), 200, 'PointsProposal')
    assert.equal(after.status, 'posted', `not posted: ${JSON.stringify(after)}`)
    return after
  }

  /** A person's balances as { virtue, spendable } (GET /api/points/persons/{id} as `who`). */
  async balances(personId, who = this.admin) {
    const body = check(await this.srv.get(`/api/points/persons/${personId}`, { token: who.token }), 200, 'PointsAccounts')
    return accountsOf(body, personId)
  }

  /** The caller's own balances as { virtue, spendable } (GET /api/points/me). */
  async mine(who) {
    const body = check(await this.srv.get('/api/points/me', { token: who.token }), 200, 'PointsAccounts')
    return accountsOf(body, body.person_id)
  }

  /** An account's balance, read from its statement. */
  async balance(account, ownerId, who = this.admin) {
    return check(await this.statement({ account, owner_id: ownerId }, who), 200, 'PointsStatement').account.balance
  }

  /** Every line of an account's statement, page by page (`limit` a page). */
  async allLines(account, ownerId, who = this.admin, limit = 2) {
    const lines = []
    let before = 0
    for (let pages = 0; pages < 1000; pages++) {
      const s = check(await this.statement({ account, owner_id: ownerId, limit, ...(before ? { before } : {}) }, who), 200, 'PointsStatement')
      assert.ok(s.lines.length <= limit, `a page of ${s.lines.length} lines for limit ${limit}`)
      lines.push(...s.lines)
      if (s.next_before === null) return lines
      assert.equal(s.lines.length, limit, 'a page that is not full names a next page')
      assert.equal(s.next_before, s.lines.at(-1).transfer_id, 'next_before is not the last line of the page')
      before = s.next_before
    }
    assert.fail('the statement does not end')
  }
}

/** { virtue, spendable } of a PointsAccounts body, checked for its shape. */
function accountsOf(body, personId) {
  assert.equal(body.person_id, personId)
  assert.deepEqual(body.accounts.map((a) => a.kind), ['virtue', 'spendable'])
  for (const a of body.accounts) {
    assert.equal(a.owner_id, personId)
    assert.equal(a.balance, a.credits - a.debits, `balance ≠ credits − debits: ${JSON.stringify(a)}`)
  }
  return { virtue: body.accounts[0].balance, spendable: body.accounts[1].balance }
}
