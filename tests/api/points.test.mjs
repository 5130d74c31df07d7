// Points (积分), issue 6, from outside (docs/reference/points.md): the catalogue and its
// versions; committees' budgets; proposals, checked in the documented order of precedence;
// the committee's votes, the balances they move (virtue, spendable, budget, civility) and the
// caps; statements and their paging; corrections by reversing postings; idempotency keys
// (replays answer the original, other content 409); the live events. After every scenario
// `mashang points audit` recomputes the ledger from its transfers on the server's database
// and must find nothing wrong.
//
// The demo: 滨河街道 → 康城社区 (the `community` staff, the `committee` member) → 第一网格 (the
// `grid` worker) → 康城小区 → 1号楼 (the `steward`; the `elder` 刘桂兰 lives there, linked to her
// account). The persons the scenarios award are made here, each new, in households of 1号楼,
// so that caps and balances start from zero; 宁馨社区 (the same street) is "another community",
// and a community made here under 滨河街道 is one whose committee has no budget.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { assertSchema, check, checkError, endsCleanly, startServer } from './harness.mjs'
import { Points, assertAudited } from './points-helpers.mjs'

const srv = await startServer()

const [admin, street, community, grid, steward, elder, resident, committee, inspector, doctor] = await Promise.all(
  ['admin', 'street', 'community', 'grid', 'steward', 'elder', 'resident', 'committee', 'inspector', 'doctor'].map((l) =>
    srv.loginAs(l),
  ),
)
const P = new Points(srv, admin)

const lastId = (path) => Number(path.split('/').pop())
const asAdmin = async (path) => check(await srv.get(path, { token: admin.token }), 200)
const children = async (node) => (await asAdmin(`/api/nodes?parent=${node.id}&limit=200`)).items

// ---------------------------------------------------------------------------------------
// The territory and the callers

const kangcheng = await asAdmin(`/api/nodes/${lastId(srv.account('community').scope)}`)
const gridNode = await asAdmin(`/api/nodes/${lastId(srv.account('grid').scope)}`)
const building1 = await asAdmin(`/api/nodes/${lastId(srv.account('steward').scope)}`)
const compound = await asAdmin(`/api/nodes/${building1.parent_id}`)
const streetA = await asAdmin(`/api/nodes/${kangcheng.parent_id}`)
assert.deepEqual([kangcheng.name, compound.name, compound.kind, kangcheng.kind], ['康城社区', '康城小区', 'compound', 'community'])
assert.equal(srv.account('committee').scope, kangcheng.path, 'the demo committee member is not of 康城社区')
const ningxin = (await children(streetA)).find((n) => n.name === '宁馨社区')
assert.ok(ningxin, 'the demo has no 宁馨社区')
const ningxinGrid = (await children(ningxin)).find((n) => n.kind === 'grid')
assert.ok(ningxinGrid, '宁馨社区 has no grid')

// 宁馨社区: a grid worker there, and a person there (outside the 康城社区 staff's view).
const outsider = await P.account([{ role: 'grid_worker', scope: ningxinGrid.path }], 'points.outsider')
const outCompound = await P.node(ningxinGrid, 'compound')
const outBuilding = await P.node(outCompound, 'building')
const outPerson = await P.person(outBuilding)

// The elder's person (linked to the `elder` account).
const elderPerson = check(await srv.get('/api/points/me', { token: elder.token }), 200, 'PointsAccounts').person_id

// A second and a third committee member of 康城社区; the third is linked to a person of 1号楼.
const committee2 = await P.account([{ role: 'committee_member', scope: kangcheng.path }], 'points.committee')
const committee3 = await P.account([{ role: 'committee_member', scope: kangcheng.path }], 'points.committee')
const committee3Person = await P.person(building1)
await P.link(committee3Person, committee3)

// A community without budget under 滨河街道: its staff, its committee member, a building.
const zero = await P.node(streetA, 'community')
const zeroGrid = await P.node(zero, 'grid')
const zeroCompound = await P.node(zeroGrid, 'compound')
const zeroBuilding = await P.node(zeroCompound, 'building')
const zeroStaff = await P.account([{ role: 'community_staff', scope: zero.path }], 'points.zerostaff')
const zeroCommittee = await P.account([{ role: 'committee_member', scope: zero.path }], 'points.zerocommittee')

// 康城社区's committee gets a budget to award from.
await P.granted(kangcheng.id, 100000)

/** A test that ends with the ledger's audit (exit 0, no discrepancy). */
const scenario = (name, fn, opts = {}) =>
  test(name, opts, async (t) => {
    await fn(t)
    await assertAudited(srv)
  })

/** An evidence-required award that 康城社区's staff and committee may propose. */
const HEROIC = 'bonus.heroic_act'
const heroic = (personId, more = {}) => ({ item: HEROIC, person_id: personId, reason: '跳水救起落水儿童', evidence: ['photo:heroic'], ...more })

// ---------------------------------------------------------------------------------------

describe('the catalogue', () => {
  scenario('anyone reads it: 84 items, 51 bonus and 33 deduction, signed points, the kind follows the sign', async () => {
    const { items } = check(await P.catalog(), 200, 'PointsItemList')
    assert.equal(items.length, 84)
    assert.equal(new Set(items.map((i) => i.code)).size, 84, 'codes repeat')
    const bonus = items.filter((i) => i.points > 0)
    const deductions = items.filter((i) => i.points < 0)
    assert.equal(bonus.length, 51)
    assert.equal(deductions.length, 33)
    for (const i of items) {
      assert.ok(Number.isInteger(i.points) && i.points !== 0, `${i.code}: points ${i.points}`)
      assert.equal(i.kind, i.points > 0 ? 'bonus' : 'deduction', `${i.code}: kind ${i.kind} for ${i.points} points`)
      assert.ok(i.code.startsWith(i.points > 0 ? 'bonus.' : 'deduct.'), `${i.code}: ${i.points} points`)
      assert.equal(i.version, 1, `${i.code}: version ${i.version} on a fresh database`)
      assert.ok(i.active, `${i.code} is listed but inactive`)
      assert.ok(/\p{Script=Han}/u.test(i.name_zh) && /[A-Za-z]/.test(i.name_en), `${i.code}: names ${i.name_zh} / ${i.name_en}`)
      assert.ok(!i.proposers.includes('resident'), `${i.code}: resident proposes it`)
      if (i.proposers.includes('self')) assert.ok(i.points > 0 && i.subject === 'person', `${i.code}: self on a deduction or a compound item`)
    }
    // Bonus items first, then deductions; persons before compounds within each.
    assert.deepEqual(items.map((i) => i.kind), [...Array(51).fill('bonus'), ...Array(33).fill('deduction')])
    assert.equal(bonus.filter((i) => i.subject === 'compound').length, 9)
    assert.equal(deductions.filter((i) => i.subject === 'compound').length, 6)
    // Awarded by confirmed reports, never proposed.
    const auto = items.find((i) => i.code === 'bonus.report_confirmed')
    assert.deepEqual([auto.automatic, auto.proposers], [true, []])
    // With a session, the same list.
    assert.deepEqual(check(await P.catalog({ token: elder.token }), 200, 'PointsItemList').items, items)
  })

  scenario('?all=true: district admins only (403 for everyone else, anonymous too)', async () => {
    const all = check(await P.catalog({ all: true, token: admin.token }), 200, 'PointsItemList')
    assert.ok(all.items.length >= 84)
    for (const who of [resident, elder, community, committee, street, inspector, undefined])
      checkError(await P.catalog({ all: true, token: who?.token }), 403, 'forbidden')
  })

  scenario('district admins add an item (201, version 1) and change it (200, version 2); the past keeps its version', async () => {
    const code = P.fresh('bonus.points_versioned_')
    const v1 = { name_zh: '积分版本测试', name_en: 'Versioned item', points: 4, subject: 'person', cap_period: 'year',
      evidence_required: false, proposers: ['community_staff', 'committee_member'] }
    const created = check(await P.putItem(code, v1), 201, 'PointsItem')
    assert.deepEqual(created, { code, version: 1, ...v1, kind: 'bonus', cap_count: 0, automatic: false, active: true })
    assert.deepEqual(check(await P.catalog(), 200).items.find((i) => i.code === code), created)

    // A proposal made and posted under version 1.
    const person = await P.person(building1)
    const posted = await P.posted({ item: code, person_id: person.id, evidence: [] }, community, committee)
    assert.deepEqual([posted.item.version, posted.points, posted.item.name_zh], [1, 4, '积分版本测试'])
    assert.deepEqual(posted.evidence, [])

    // Version 2: other points and names.
    const v2 = { ...v1, name_zh: '积分版本测试二', name_en: 'Versioned item, second', points: 6, cap_count: 3 }
    const changed = check(await P.putItem(code, v2), 200, 'PointsItem')
    assert.deepEqual(changed, { code, version: 2, ...v2, kind: 'bonus', automatic: false, active: true })
    assert.deepEqual(check(await P.catalog(), 200).items.find((i) => i.code === code), changed)

    // The posted proposal still shows version 1 and its points; its statement line the names of version 1.
    const again = check(await srv.get(`/api/points/proposals/${posted.id}`, { token: committee.token }), 200, 'PointsProposal')
    assert.deepEqual([again.item.version, again.item.name_zh, again.item.name_en, again.points], [1, '积分版本测试', 'Versioned item', 4])
    const line = check(await P.statement({ account: 'virtue', owner_id: person.id }, community), 200, 'PointsStatement').lines[0]
    assert.deepEqual([line.posting_id, line.amount, line.item], [posted.posting_id, 4, { code, name_zh: '积分版本测试', name_en: 'Versioned item' }])
    assert.deepEqual(await P.balances(person.id), { virtue: 4, spendable: 4 })
    // A new proposal is made under version 2.
    const next = await P.proposed({ item: code, person_id: person.id }, community)
    assert.deepEqual([next.item.version, next.points, next.item.name_zh], [2, 6, '积分版本测试二'])

    // Audited, newest first.
    const log = check(await srv.get(`/api/audit?target=${encodeURIComponent(`points_item:${code}`)}`, { token: admin.token }), 200, 'AuditPage')
    assert.deepEqual(log.items.map((r) => r.action), ['points.item_changed', 'points.item_created'])
    assert.deepEqual(log.items.map((r) => r.details), [{ code, version: 2, points: 6 }, { code, version: 1, points: 4 }])
    assert.ok(log.items.every((r) => r.actor_id === admin.account.id))

    // A deduction item: negative points, kind deduction.
    const dcode = P.fresh('deduct.points_test_')
    const d = check(await P.putItem(dcode, { ...v1, points: -3, proposers: ['grid_worker', 'inspector'] }), 201, 'PointsItem')
    assert.deepEqual([d.kind, d.points, d.version, d.evidence_required], ['deduction', -3, 1, false])
  })

  scenario('an inactive item is listed with all=true only and takes no new proposal', async () => {
    const code = P.fresh('bonus.points_retired_')
    const body = { name_zh: '停用测试', name_en: 'Retired item', points: 2, subject: 'person', cap_period: 'month', proposers: ['community_staff'] }
    check(await P.putItem(code, body), 201, 'PointsItem')
    const off = check(await P.putItem(code, { ...body, active: false }), 200, 'PointsItem')
    assert.deepEqual([off.version, off.active], [2, false])
    assert.ok(!check(await P.catalog(), 200).items.some((i) => i.code === code))
    assert.deepEqual(check(await P.catalog({ all: true, token: admin.token }), 200).items.find((i) => i.code === code), off)
    const person = await P.person(building1)
    checkError(await P.propose({ key: P.fresh('retired-'), item: code, person_id: person.id, reason: '停用项目申报', evidence: ['x'] }, community),
      422, 'invalid_input', { field: 'item' })
  })

  scenario('writing an item: 422 naming the field at fault', async () => {
    const ok = { name_zh: '校验测试', name_en: 'Validation', points: 2, subject: 'person', cap_period: 'month', cap_count: 1, proposers: ['self', 'grid_worker'] }
    const bad = async (code, json, field) => checkError(await P.putItem(code, json), 422, 'invalid_input', { field })
    const code = P.fresh('bonus.points_checked_')
    await bad('bonus.', ok, 'code')
    await bad('other.item', ok, 'code')
    await bad('bonus.Upper_case', ok, 'code')
    await bad(`bonus.${'x'.repeat(51)}`, ok, 'code')
    await bad(code, { ...ok, name_zh: undefined }, 'name_zh')
    await bad(code, { ...ok, name_zh: '' }, 'name_zh')
    await bad(code, { ...ok, name_zh: '两行\n名称' }, 'name_zh')
    await bad(code, { ...ok, name_zh: '长'.repeat(43) }, 'name_zh')
    await bad(code, { ...ok, name_en: undefined }, 'name_en')
    await bad(code, { ...ok, points: undefined }, 'points')
    await bad(code, { ...ok, points: 0 }, 'points')
    await bad(code, { ...ok, points: -2 }, 'points')
    await bad(code, { ...ok, points: 1000001 }, 'points')
    await bad(code, { ...ok, points: '2' }, 'points')
    await bad(code, { ...ok, points: 2.5 }, 'points')
    await bad(P.fresh('deduct.points_checked_'), { ...ok, points: 2, proposers: ['grid_worker'] }, 'points')
    await bad(code, { ...ok, subject: 'household' }, 'subject')
    await bad(code, { ...ok, subject: undefined }, 'subject')
    await bad(code, { ...ok, cap_count: -1 }, 'cap_count')
    await bad(code, { ...ok, cap_count: 1001 }, 'cap_count')
    await bad(code, { ...ok, cap_count: 'one' }, 'cap_count')
    await bad(code, { ...ok, cap_period: 'decade' }, 'cap_period')
    await bad(code, { ...ok, cap_period: undefined }, 'cap_period')
    await bad(code, { ...ok, proposers: ['resident'] }, 'proposers')
    await bad(code, { ...ok, proposers: ['nobody'] }, 'proposers')
    await bad(code, { ...ok, proposers: 'grid_worker' }, 'proposers')
    await bad(code, { ...ok, proposers: [7] }, 'proposers')
    await bad(code, { ...ok, subject: 'compound' }, 'proposers') // self on a compound item
    await bad(P.fresh('deduct.points_checked_'), { ...ok, points: -2 }, 'proposers') // self on a deduction
    await bad(P.fresh('deduct.points_checked_'), { ...ok, points: -2, proposers: ['grid_worker'], automatic: true }, 'automatic')
    await bad(code, { ...ok, evidence_required: 'yes' }, 'evidence_required')
    await bad(code, { ...ok, active: 1 }, 'active')
    // Nothing was written; the same code is still new.
    assert.equal(check(await P.putItem(code, ok), 201, 'PointsItem').version, 1)
    checkError(await srv.request('PUT', `/api/points/catalog/${code}`, { token: admin.token, body: '{"name_zh":', headers: { 'Content-Type': 'application/json' } }),
      400, 'bad_request')
    checkError(await srv.request('PUT', `/api/points/catalog/${code}`, { token: admin.token, body: 'name_zh=x', headers: { 'Content-Type': 'text/plain' } }),
      415, 'unsupported_media_type')
  })

  scenario('only district admins write the catalogue (403); no session 401', async () => {
    const body = { name_zh: '权限测试', name_en: 'Who may', points: 2, subject: 'person', cap_period: 'month', proposers: ['grid_worker'] }
    for (const who of [street, community, committee, grid, steward, elder, resident, inspector, doctor])
      checkError(await P.putItem(P.fresh('bonus.points_denied_'), body, who), 403, 'forbidden')
    checkError(await P.putItem('bonus.volunteer_service', { ...body, points: 99 }, community), 403, 'forbidden')
    checkError(await P.putItem(P.fresh('bonus.points_denied_'), body, null), 401, 'unauthenticated')
    // The item is unchanged.
    const item = check(await P.catalog(), 200).items.find((i) => i.code === 'bonus.volunteer_service')
    assert.deepEqual([item.version, item.points], [1, 2])
  })
})

// ---------------------------------------------------------------------------------------

describe('budgets', () => {
  scenario('a district admin grants a budget (201); the same key with other content 409; others 403; no such community 422', async () => {
    const before = await P.balance('budget', kangcheng.id, committee)
    const json = { key: P.fresh('budget-'), community_id: kangcheng.id, amount: 500, reason: '2026年度积分预算' }
    const g = check(await P.grant(json), 201, 'PointsPosting')
    assert.deepEqual(
      [g.key, g.kind, g.subject, g.subject_id, g.community_id, g.points, g.reverses, g.proposal_id, g.reason],
      [json.key, 'grant', 'community', kangcheng.id, kangcheng.id, 500, null, null, '2026年度积分预算'],
    )
    assert.equal(await P.balance('budget', kangcheng.id, committee), before + 500)
    // The same key with other content — another amount, another community, another reason — 409.
    for (const other of [{ amount: 501 }, { community_id: zero.id }, { reason: '另一个理由' }])
      checkError(await P.grant({ ...json, ...other }), 409, 'conflict', { field: 'key' })
    // The same key and content from another district admin: 409 too.
    const admin2 = await P.account([{ role: 'district_admin', scope: '/' }], 'points.admin')
    checkError(await P.grant(json, admin2), 409, 'conflict', { field: 'key' })
    // Nothing more was granted.
    assert.equal(await P.balance('budget', kangcheng.id, committee), before + 500)
    // Audited.
    const log = check(await srv.get(`/api/audit?target=points_posting:${g.id}`, { token: admin.token }), 200, 'AuditPage')
    assert.deepEqual(log.items.map((r) => [r.action, r.details]), [['points.budget_granted', { community_id: kangcheng.id, amount: 500 }]])

    for (const who of [street, community, committee, grid, elder, resident, inspector])
      checkError(await P.grant({ ...json, key: P.fresh('budget-') }, who), 403, 'forbidden')
    checkError(await P.grant({ ...json, key: P.fresh('budget-') }, null), 401, 'unauthenticated')
    for (const id of [99999999, gridNode.id, compound.id, streetA.id])
      checkError(await P.grant({ ...json, key: P.fresh('budget-'), community_id: id }), 422, 'invalid_input', { field: 'community_id' })
  })

  scenario('a grant replayed with the same key and content answers the original (200, the same posting), nothing granted twice',
    async () => {
      const before = await P.balance('budget', kangcheng.id, committee)
      const json = { key: P.fresh('budget-replay-'), community_id: kangcheng.id, amount: 70, reason: '重放测试预算' }
      const g = check(await P.grant(json), 201, 'PointsPosting')
      const again = check(await P.grant(json), 200, 'PointsPosting')
      assert.deepEqual(again, g)
      assert.equal(await P.balance('budget', kangcheng.id, committee), before + 70)
    })

  scenario('granting: 422 naming the field at fault', async () => {
    const ok = { key: P.fresh('budget-'), community_id: kangcheng.id, amount: 10, reason: '预算校验' }
    const bad = async (json, field) => checkError(await P.grant(json), 422, 'invalid_input', { field })
    await bad({ ...ok, key: undefined }, 'key')
    await bad({ ...ok, key: 'has space' }, 'key')
    await bad({ ...ok, key: 'k'.repeat(65) }, 'key')
    await bad({ ...ok, community_id: undefined }, 'community_id')
    await bad({ ...ok, community_id: 'x' }, 'community_id')
    await bad({ ...ok, amount: 0 }, 'amount')
    await bad({ ...ok, amount: -5 }, 'amount')
    await bad({ ...ok, amount: 1000001 }, 'amount')
    await bad({ ...ok, amount: undefined }, 'amount')
    await bad({ ...ok, reason: 'x' }, 'reason')
    await bad({ ...ok, reason: undefined }, 'reason')
    await bad({ ...ok, reason: '长'.repeat(501) }, 'reason')
    // The key was not used by any of them.
    check(await P.grant(ok), 201, 'PointsPosting')
  })
})

// ---------------------------------------------------------------------------------------

describe('proposing: the order of precedence', () => {
  // Each request fails the step named and, where it can, every later one too.
  const TEN = Array.from({ length: 10 }, (_, i) => `photo:${i}`)

  scenario('1. no session: 401, whatever the body', async () => {
    checkError(await P.propose({}, null), 401, 'unauthenticated')
    checkError(await srv.request('POST', '/api/points/proposals', { body: '{"key":', headers: { 'Content-Type': 'application/json' } }), 401, 'unauthenticated')
  })

  scenario('2. the body is not a JSON object, or key is missing (422, field key)', async () => {
    const person = await P.person(building1)
    checkError(await srv.request('POST', '/api/points/proposals', { token: community.token, body: '{"key":', headers: { 'Content-Type': 'application/json' } }),
      400, 'bad_request')
    checkError(await P.propose([], community), 422, 'invalid_input')
    const laterBroken = { person_id: person.id, compound_id: compound.id, evidence: TEN }
    checkError(await P.propose(laterBroken, community), 422, 'invalid_input', { field: 'key' })
    checkError(await P.propose({ ...laterBroken, key: '' }, community), 422, 'invalid_input', { field: 'key' })
    checkError(await P.propose({ ...laterBroken, key: 7 }, community), 422, 'invalid_input', { field: 'key' })
    checkError(await P.propose({ ...laterBroken, key: 'k'.repeat(300) }, community), 422, 'invalid_input', { field: 'key' })
    // A malformed key with everything else right.
    for (const key of ['has space', 'k'.repeat(65), 'ключ', 'a/b'])
      checkError(await P.propose({ ...heroic(person.id), key }, community), 422, 'invalid_input', { field: 'key' })
    // 64 characters of every allowed kind are a key.
    const key = `Aa0-_.:${'k'.repeat(57)}`
    assert.equal(key.length, 64)
    assert.equal((await P.proposed({ ...heroic(person.id), key }, community)).key, key)
  })

  scenario('2. a malformed key comes before every later check (422, field key)', async () => {
    const person = await P.person(building1)
    const laterBroken = { person_id: person.id, compound_id: compound.id, evidence: TEN }
    for (const key of ['has space', 'k'.repeat(65)])
      checkError(await P.propose({ ...laterBroken, key }, community), 422, 'invalid_input', { field: 'key' })
  })

  scenario('3. item missing (422, field item)', async () => {
    const person = await P.person(building1)
    const laterBroken = { key: P.fresh('p-'), person_id: person.id, compound_id: compound.id, evidence: TEN }
    checkError(await P.propose(laterBroken, community), 422, 'invalid_input', { field: 'item' })
    checkError(await P.propose({ ...laterBroken, item: '' }, community), 422, 'invalid_input', { field: 'item' })
    checkError(await P.propose({ ...laterBroken, item: 7 }, community), 422, 'invalid_input', { field: 'item' })
  })

  scenario('4. both person_id and compound_id (422, field person_id)', async () => {
    const person = await P.person(building1)
    const laterBroken = { key: P.fresh('p-'), item: 'bonus.no_such_item', person_id: person.id, compound_id: compound.id, evidence: TEN }
    checkError(await P.propose(laterBroken, community), 422, 'invalid_input', { field: 'person_id' })
    checkError(await P.propose({ ...laterBroken, person_id: 'x' }, community), 422, 'invalid_input', { field: 'person_id' })
  })

  scenario('5. reason missing or not 2 to 500 characters (422, field reason)', async () => {
    const person = await P.person(building1)
    const laterBroken = { key: P.fresh('p-'), item: 'bonus.no_such_item', person_id: 99999999, evidence: TEN }
    for (const reason of [undefined, '', 'x'.repeat(4097), 7])
      checkError(await P.propose({ ...laterBroken, reason }, community), 422, 'invalid_input', { field: 'reason' })
    // Too short or too long with every later check but the evidence's failing (see the next test).
    for (const reason of ['x', '长'.repeat(501)])
      checkError(await P.propose({ ...laterBroken, evidence: [''], reason }, community), 422, 'invalid_input', { field: 'reason' })
    // 2 and 500 characters are fine (500 Chinese characters are 1,500 bytes).
    await P.proposed({ ...heroic(person.id), reason: '救人' }, community)
    await P.proposed({ ...heroic(person.id), reason: '长'.repeat(500) }, community)
  })

  scenario('5. a reason of the wrong length comes before any check of the evidence (422, field reason)', async () => {
    const laterBroken = { key: P.fresh('p-'), item: 'bonus.no_such_item', person_id: 99999999 }
    for (const evidence of [TEN, 'photo:1', [7]])
      for (const reason of ['x', '长'.repeat(501)])
        checkError(await P.propose({ ...laterBroken, evidence, reason }, community), 422, 'invalid_input', { field: 'reason' })
  })

  scenario('6. evidence not a list of at most 9 one-line references of 1 to 200 bytes (422, field evidence)', async () => {
    const person = await P.person(building1)
    const laterBroken = { key: P.fresh('p-'), item: 'bonus.no_such_item', person_id: 99999999, reason: '证据校验' }
    for (const evidence of [TEN, 'photo:1', [7], [''], ['two\nlines'], ['x'.repeat(201)], ['长'.repeat(67)], [' ']])
      checkError(await P.propose({ ...laterBroken, evidence }, community), 422, 'invalid_input', { field: 'evidence' })
    // 9 references of 200 bytes are fine.
    const p = await P.proposed({ ...heroic(person.id), evidence: Array.from({ length: 9 }, (_, i) => `${i}`.padEnd(200, 'x')) }, community)
    assert.equal(p.evidence.length, 9)
  })

  scenario('7. replay: the same key and content answers the original (200); other content, or another caller, 409 (field key)', async () => {
    const person = await P.person(building1)
    const json = { ...heroic(person.id), key: P.fresh('replay-') }
    const res = await P.propose(json, community)
    const first = check(res, 201, 'PointsProposal')
    const again = await P.propose(json, community)
    assert.deepEqual(check(again, 200, 'PointsProposal'), first)
    assert.equal(again.header('location'), `/api/points/proposals/${first.id}`)
    // Other content: the reason, the evidence, the subject, the item — even an item that does not exist (a later check).
    for (const other of [{ reason: '另一个理由' }, { evidence: ['photo:other'] }, { person_id: elderPerson }, { item: 'bonus.elder_assistance' },
      { item: 'bonus.no_such_item' }, { person_id: undefined }])
      checkError(await P.propose({ ...json, ...other }, community), 409, 'conflict', { field: 'key' })
    // The same content from another caller who may propose it.
    checkError(await P.propose(json, grid), 409, 'conflict', { field: 'key' })
    // Decided since: the replay answers the proposal as it is now.
    check(await P.vote(first.id, { decision: 'approve' }, committee), 200)
    const later = check(await P.propose(json, community), 200, 'PointsProposal')
    assert.deepEqual([later.id, later.key, later.status, later.created_at], [first.id, first.key, 'posted', first.created_at])
    assert.deepEqual(await P.balances(person.id), { virtue: 50, spendable: 50 }, 'the replay posted again')

    // Even when the item was retired since.
    const code = P.fresh('bonus.points_replayed_')
    const item = { name_zh: '重放测试', name_en: 'Replayed', points: 1, subject: 'person', cap_period: 'year', cap_count: 1, proposers: ['community_staff'] }
    check(await P.putItem(code, item), 201)
    const r = { key: P.fresh('replay-'), item: code, person_id: person.id, reason: '重放测试', evidence: ['photo:r'] }
    const made = check(await P.propose(r, community), 201, 'PointsProposal')
    check(await P.putItem(code, { ...item, active: false }), 200)
    assert.deepEqual(check(await P.propose(r, community), 200, 'PointsProposal'), made)
  })

  scenario('8. no such item, an inactive one, or one awarded automatically (422, field item)', async () => {
    const laterBroken = { key: P.fresh('p-'), person_id: outPerson.id, reason: '项目校验' } // a person the caller does not see, no evidence
    checkError(await P.propose({ ...laterBroken, item: 'bonus.no_such_item' }, community), 422, 'invalid_input', { field: 'item' })
    checkError(await P.propose({ ...laterBroken, item: 'bonus.report_confirmed' }, community), 422, 'invalid_input', { field: 'item' })
    checkError(await P.propose({ ...laterBroken, item: 'bonus.report_confirmed', person_id: undefined }, elder), 422, 'invalid_input', { field: 'item' })
    const code = P.fresh('bonus.points_inactive_')
    check(await P.putItem(code, { name_zh: '停用', name_en: 'Inactive', points: 1, subject: 'person', cap_period: 'day', proposers: ['community_staff'], active: false }), 201)
    checkError(await P.propose({ ...laterBroken, item: code }, community), 422, 'invalid_input', { field: 'item' })
  })

  scenario('9. the subject: the wrong kind or none (422), no such person or compound, or out of view (404)', async () => {
    const person = await P.person(building1)
    const noEvidence = { reason: '主体校验' }
    // A person's item with a compound (by a caller who may not propose it, without evidence).
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: HEROIC, compound_id: compound.id }, steward), 422, 'invalid_input', { field: 'person_id' })
    // No subject, and the caller is linked to no person.
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'bonus.volunteer_service' }, community), 422, 'invalid_input', { field: 'person_id' })
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'deduct.littering' }, grid), 422, 'invalid_input', { field: 'person_id' })
    // A compound's item without a compound.
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'bonus.compound_tidy_environment', person_id: person.id }, grid),
      422, 'invalid_input', { field: 'compound_id' })
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'bonus.compound_tidy_environment' }, elder), 422, 'invalid_input', { field: 'compound_id' })
    // No such person or compound.
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: HEROIC, person_id: 99999999 }, community), 404, 'not_found')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'bonus.compound_tidy_environment', compound_id: 99999999 }, community), 404, 'not_found')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'bonus.compound_tidy_environment', compound_id: building1.id }, community), 404, 'not_found')
    // Out of the caller's view: another community's person for 康城社区's staff, 康城社区's for 宁馨社区's grid worker, the doctor, a resident.
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: HEROIC, person_id: outPerson.id }, community), 404, 'not_found')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: HEROIC, person_id: person.id }, outsider), 404, 'not_found')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'deduct.littering', person_id: person.id }, doctor), 404, 'not_found')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'bonus.volunteer_service', person_id: person.id }, elder), 404, 'not_found')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'deduct.compound_dirty_environment', compound_id: outCompound.id }, community), 404, 'not_found')
  })

  scenario('10. the caller may not propose the item there (403)', async () => {
    const person = await P.person(building1)
    const noEvidence = { reason: '权限校验' } // step 11 would fail as well
    // Staff over the person without a role the item names.
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'deduct.littering', person_id: person.id }, steward), 403, 'forbidden')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'deduct.littering', person_id: person.id }, committee), 403, 'forbidden')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'bonus.compound_tidy_environment', compound_id: compound.id }, grid), 403, 'forbidden')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'bonus.civilized_family', person_id: person.id }, grid), 403, 'forbidden')
    // For oneself: never a deduction, and only items that name `self`.
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'deduct.littering' }, elder), 403, 'forbidden')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'deduct.littering', person_id: elderPerson }, elder), 403, 'forbidden')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: HEROIC }, elder), 403, 'forbidden')
    checkError(await P.propose({ ...noEvidence, key: P.fresh('p-'), item: 'bonus.civilized_family' }, resident), 403, 'forbidden')
  })

  scenario('11. the item needs evidence and none was given (422, field evidence) — before the cap', async () => {
    const person = await P.person(building1)
    const item = 'bonus.sorting_model_household' // 1 a year, evidence required
    await P.posted({ item, person_id: person.id }, community, committee)
    for (const evidence of [undefined, [], null])
      checkError(await P.propose({ key: P.fresh('p-'), item, person_id: person.id, reason: '再次申报', evidence }, community), 422, 'invalid_input', { field: 'evidence' })
    // 12. With evidence: the cap.
    checkError(await P.propose({ key: P.fresh('p-'), item, person_id: person.id, reason: '再次申报', evidence: ['photo:2'] }, community), 409, 'conflict')
  })

  scenario('an item without evidence_required takes none; a resident proposes a self item for themselves', async () => {
    const person = await P.person(building1)
    const p = await P.proposed({ item: 'bonus.council_participation', person_id: person.id, evidence: [] }, grid)
    assert.deepEqual([p.evidence, p.by_self, p.proposed_by, p.subject, p.subject_id, p.community_id],
      [[], false, grid.account.id, 'person', person.id, kangcheng.id])
    // The elder, for herself: without person_id, and with her own.
    const self = await P.proposed({ item: 'bonus.volunteer_service', reason: '社区义诊志愿服务' }, elder)
    assert.deepEqual([self.by_self, self.subject_id, self.proposed_by, self.points, self.item.code],
      [true, elderPerson, elder.account.id, 2, 'bonus.volunteer_service'])
    const own = await P.proposed({ item: 'bonus.volunteer_service', person_id: elderPerson }, elder)
    assert.equal(own.by_self, true)
    // A compound's item for 康城小区, by the community staff.
    const c = await P.proposed({ item: 'bonus.compound_tidy_environment', compound_id: compound.id }, community)
    assert.deepEqual([c.subject, c.subject_id, c.community_id, c.points], ['compound', compound.id, kangcheng.id, 20])
    // The inspector (a grant at "/") proposes deductions anywhere.
    const d = await P.proposed({ item: 'deduct.littering', person_id: outPerson.id }, inspector)
    assert.deepEqual([d.points, d.community_id], [-2, ningxin.id])
  })
})

// ---------------------------------------------------------------------------------------

describe('the committee', () => {
  scenario('a committee member approves: posted; virtue +N, spendable +N, budget −N; the linked resident sees them', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    assert.deepEqual(await P.mine(who), { virtue: 0, spendable: 0 })
    const budget = await P.balance('budget', kangcheng.id, committee)
    const p = await P.proposed(heroic(person.id), community)
    const t0 = Date.now()
    const after = check(await P.vote(p.id, { decision: 'approve', reason: '事迹属实' }, committee), 200, 'PointsProposal')
    assert.deepEqual([after.id, after.status, after.approvals, after.rejections, after.points], [p.id, 'posted', 1, 0, 50])
    assert.ok(after.posting_id > 0)
    assert.ok(after.decided_at >= t0 - 5000 && after.decided_at <= Date.now() + 5000, `decided_at ${after.decided_at}`)
    assert.deepEqual(await P.balances(person.id, committee), { virtue: 50, spendable: 50 })
    assert.deepEqual(await P.balances(person.id, who), { virtue: 50, spendable: 50 })
    assert.deepEqual(await P.mine(who), { virtue: 50, spendable: 50 })
    assert.equal(await P.balance('budget', kangcheng.id, committee), budget - 50)
    // The proposal as its proposer, the person and the committee see it.
    for (const w of [community, who, committee])
      assert.deepEqual(check(await srv.get(`/api/points/proposals/${p.id}`, { token: w.token }), 200, 'PointsProposal'), after)
    // A second vote: 409, whoever casts it.
    checkError(await P.vote(p.id, { decision: 'approve' }, committee), 409, 'conflict')
    checkError(await P.vote(p.id, { decision: 'reject', reason: '改变主意' }, committee2), 409, 'conflict')
    assert.deepEqual(await P.balances(person.id), { virtue: 50, spendable: 50 })
  })

  scenario('votes: the order of precedence', async () => {
    const person = await P.person(building1)
    const pending = await P.proposed(heroic(person.id), community)
    // 2. before 3: a wrong decision or a rejection without reason on a proposal that does not exist.
    checkError(await P.vote(99999999, { decision: 'maybe' }, committee), 422, 'invalid_input', { field: 'decision' })
    checkError(await P.vote(99999999, { decision: 'reject' }, committee), 422, 'invalid_input', { field: 'reason' })
    // The body before the id: an id that names nothing (not even a number) answers the body's fault first.
    checkError(await P.vote('abc', { decision: 'maybe' }, committee), 422, 'invalid_input', { field: 'decision' })
    checkError(await P.vote('abc', { decision: 'reject', reason: 'x' }, committee), 422, 'invalid_input', { field: 'reason' })
    checkError(await P.vote('abc', { decision: 'approve' }, committee), 404, 'not_found')
    checkError(await P.vote(pending.id, {}, committee), 422, 'invalid_input', { field: 'decision' })
    checkError(await P.vote(pending.id, { decision: 'APPROVE' }, committee), 422, 'invalid_input', { field: 'decision' })
    for (const reason of [undefined, '', 'x', '长'.repeat(501)])
      checkError(await P.vote(pending.id, { decision: 'reject', reason }, committee), 422, 'invalid_input', { field: 'reason' })
    checkError(await P.vote(pending.id, { decision: 'approve', reason: 'x' }, committee), 422, 'invalid_input', { field: 'reason' })
    // 3. no such proposal, or not visible: 404.
    checkError(await P.vote(99999999, { decision: 'approve' }, committee), 404, 'not_found')
    checkError(await P.vote(pending.id, { decision: 'approve' }, elder), 404, 'not_found')
    checkError(await P.vote(pending.id, { decision: 'approve' }, doctor), 404, 'not_found')
    checkError(await P.vote(pending.id, { decision: 'approve' }, outsider), 404, 'not_found')
    checkError(await P.vote(pending.id, { decision: 'approve' }, zeroCommittee), 404, 'not_found')
    // 4. not a committee member over the community: 403 (staff who see it, the proposer too).
    for (const who of [community, grid, steward, street, admin])
      checkError(await P.vote(pending.id, { decision: 'approve' }, who), 403, 'forbidden')
    checkError(await P.vote(pending.id, { decision: 'approve' }, null), 401, 'unauthenticated')
    assert.equal(check(await srv.get(`/api/points/proposals/${pending.id}`, { token: admin.token }), 200).status, 'pending')

    // 6. the proposer (a committee member), and a member it is about: 403.
    const byMember = await P.proposed(heroic(person.id), committee)
    checkError(await P.vote(byMember.id, { decision: 'approve' }, committee), 403, 'forbidden')
    const aboutMember = await P.proposed(heroic(committee3Person.id), community)
    checkError(await P.vote(aboutMember.id, { decision: 'approve' }, committee3), 403, 'forbidden')
    checkError(await P.vote(aboutMember.id, { decision: 'reject', reason: '回避' }, committee3), 403, 'forbidden')
    // Another member decides them.
    assert.equal(check(await P.vote(byMember.id, { decision: 'approve' }, committee2), 200).status, 'posted')
    assert.equal(check(await P.vote(aboutMember.id, { decision: 'approve' }, committee), 200).status, 'posted')
    // 5. before 6: decided already is 409 for the proposer too; 4. before 5: a non-member 403.
    checkError(await P.vote(byMember.id, { decision: 'approve' }, committee), 409, 'conflict')
    checkError(await P.vote(aboutMember.id, { decision: 'approve' }, committee3), 409, 'conflict')
    checkError(await P.vote(byMember.id, { decision: 'approve' }, community), 403, 'forbidden')
  })

  scenario('rejecting needs a reason; a rejected proposal posts nothing', async () => {
    const person = await P.person(building1)
    const p = await P.proposed(heroic(person.id), grid)
    checkError(await P.vote(p.id, { decision: 'reject' }, committee), 422, 'invalid_input', { field: 'reason' })
    const r = check(await P.vote(p.id, { decision: 'reject', reason: '证明材料不足' }, committee), 200, 'PointsProposal')
    assert.deepEqual([r.status, r.approvals, r.rejections, r.posting_id], ['rejected', 0, 1, null])
    assert.ok(r.decided_at > 0)
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
    checkError(await P.vote(p.id, { decision: 'approve' }, committee2), 409, 'conflict')
  })

  scenario('with no budget an award is refused (409) and stays pending; a deduction needs none; after a grant it posts', async () => {
    const person = await P.person(zeroBuilding)
    assert.equal(await P.balance('budget', zero.id, zeroCommittee), 0)
    const award = await P.proposed(heroic(person.id), zeroStaff)
    assert.equal(award.community_id, zero.id)
    checkError(await P.vote(award.id, { decision: 'approve' }, zeroCommittee), 409, 'conflict')
    const still = check(await srv.get(`/api/points/proposals/${award.id}`, { token: zeroCommittee.token }), 200, 'PointsProposal')
    assert.deepEqual([still.status, still.approvals, still.rejections, still.posting_id, still.decided_at], ['pending', 0, 0, null, null])
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
    assert.equal(await P.balance('budget', zero.id, zeroCommittee), 0)
    // A deduction: virtue below zero, no budget needed, spendable untouched.
    const d = await P.posted({ item: 'deduct.littering', person_id: person.id }, zeroStaff, zeroCommittee)
    assert.equal(d.points, -2)
    assert.deepEqual(await P.balances(person.id), { virtue: -2, spendable: 0 })
    // Budget granted: the same vote goes through.
    await P.granted(zero.id, 50)
    assert.equal(check(await P.vote(award.id, { decision: 'approve' }, zeroCommittee), 200, 'PointsProposal').status, 'posted')
    assert.deepEqual(await P.balances(person.id), { virtue: 48, spendable: 50 })
    assert.equal(await P.balance('budget', zero.id, zeroCommittee), 0)
  })

  scenario('a deduction lowers virtue (below zero too) and leaves spendable points alone', async () => {
    const person = await P.person(building1)
    await P.posted(heroic(person.id), community, committee)
    assert.deepEqual(await P.balances(person.id), { virtue: 50, spendable: 50 })
    const budget = await P.balance('budget', kangcheng.id)
    for (const item of ['deduct.domestic_violence', 'deduct.throwing_from_height']) // −50, −20
      await P.posted({ item, person_id: person.id }, grid, committee)
    assert.deepEqual(await P.balances(person.id), { virtue: -20, spendable: 50 })
    assert.equal(await P.balance('budget', kangcheng.id), budget, 'a deduction moved the budget')
    const lines = check(await P.statement({ account: 'virtue', owner_id: person.id }, community), 200, 'PointsStatement').lines
    assert.deepEqual(lines.map((l) => [l.kind, l.amount, l.balance_after]), [['deduction', -20, -20], ['deduction', -50, 0], ['award', 50, 50]])
  })

  scenario('a compound\'s item posts civility points (statement account=civility, owner_id the compound), no budget', async () => {
    const c = await P.node(gridNode, 'compound')
    const budget = await P.balance('budget', kangcheng.id)
    const award = await P.posted({ item: 'bonus.compound_tidy_environment', compound_id: c.id }, community, committee)
    assert.deepEqual([award.subject, award.subject_id, award.points], ['compound', c.id, 20])
    await P.posted({ item: 'deduct.compound_dirty_environment', compound_id: c.id }, street, committee)
    const s = check(await P.statement({ account: 'civility', owner_id: c.id }, committee), 200, 'PointsStatement')
    assert.deepEqual([s.account.kind, s.account.owner_id, s.account.balance, s.account.credits, s.account.debits], ['civility', c.id, 0, 20, 20])
    assert.deepEqual(s.lines.map((l) => [l.kind, l.amount, l.balance_after, l.item.code]),
      [['deduction', -20, 0, 'deduct.compound_dirty_environment'], ['award', 20, 20, 'bonus.compound_tidy_environment']])
    assert.equal(await P.balance('budget', kangcheng.id), budget)
    // A civility account is read by staff over the compound only.
    for (const who of [elder, resident, doctor, outsider])
      checkError(await P.statement({ account: 'civility', owner_id: c.id }, who), 404, 'not_found')
    checkError(await P.statement({ account: 'civility', owner_id: building1.id }, admin), 404, 'not_found')
  })

  scenario('rankings: compounds of a community and of its street by the month\'s civility points; month malformed 422, a building 404', async () => {
    const [a, b] = [await P.node(gridNode, 'compound'), await P.node(gridNode, 'compound')]
    await P.posted({ item: 'bonus.compound_tidy_environment', compound_id: a.id }, community, committee)
    await P.posted({ item: 'bonus.compound_civilized_compound', compound_id: b.id }, community, committee)
    for (const node of [kangcheng, streetA]) {
      const r = check(await srv.get(`/api/points/rankings?node_id=${node.id}`, { token: resident.token }), 200, 'PointsRanking')
      const mine = r.items.filter((x) => x.compound_id === a.id || x.compound_id === b.id)
      assert.deepEqual(mine.map((x) => [x.compound_id, x.month_points]), [[b.id, 50], [a.id, 20]])
      assert.ok(mine[0].rank < mine[1].rank)
      assert.deepEqual(r.items.map((x) => x.rank), [...r.items.map((x) => x.rank)].sort((x, y) => x - y))
    }
    const old = check(await srv.get(`/api/points/rankings?node_id=${kangcheng.id}&month=2001-01`, { token: resident.token }), 200)
    assert.ok(old.items.every((x) => x.month_points === 0))
    checkError(await srv.get(`/api/points/rankings?node_id=${kangcheng.id}&month=2026-13`, { token: resident.token }), 422, 'invalid_input', { field: 'month' })
    checkError(await srv.get('/api/points/rankings', { token: resident.token }), 422, 'invalid_input', { field: 'node_id' })
    checkError(await srv.get(`/api/points/rankings?node_id=${building1.id}`, { token: resident.token }), 404, 'not_found')
  })

  scenario('the statement as .xlsx: a workbook for who may read the statement, 404 for others', async () => {
    const person = await P.person(building1)
    await P.posted(heroic(person.id), community, committee)
    const res = await srv.get(`/api/points/statement.xlsx?account=virtue&owner_id=${person.id}`, { token: community.token })
    assert.equal(res.status, 200)
    assert.equal(res.header('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    assert.match(res.header('content-disposition'), /attachment; filename="points-virtue-\d+\.xlsx"/)
    checkError(await srv.get(`/api/points/statement.xlsx?account=virtue&owner_id=${person.id}`, { token: resident.token }), 404, 'not_found')
    checkError(await srv.get('/api/points/statement.xlsx?account=bogus', { token: community.token }), 422, 'invalid_input', { field: 'account' })
  })

  scenario('a client\'s key like the server\'s own (proposal:<id>) does not block the approval; the server\'s keys start with # (no client\'s can)', async () => {
    const person = await P.person(building1)
    const p = await P.proposed(heroic(person.id), community)
    check(await P.grant({ key: `proposal:${p.id}`, community_id: kangcheng.id, amount: 1, reason: '键名冲突' }), 201)
    const posted = check(await P.vote(p.id, { decision: 'approve' }, committee), 200, 'PointsProposal')
    assert.equal(posted.status, 'posted')
    // The posting's key is the server's own; a client cannot send one like it.
    const line = check(await P.statement({ account: 'virtue', owner_id: person.id }, community), 200, 'PointsStatement').lines[0]
    assert.equal(line.posting_id, posted.posting_id)
    for (const key of [`#proposal:${p.id}`, `#grant:${p.id}`])
      checkError(await P.grant({ key, community_id: kangcheng.id, amount: 1, reason: '服务器键' }), 422, 'invalid_input', { field: 'key' })
  })
})

// ---------------------------------------------------------------------------------------

describe('caps', () => {
  scenario('cap 1 a year: once posted, another proposal is 409; a second pending one cannot be approved (409, stays pending)', async () => {
    const item = 'bonus.sorting_model_household'
    const person = await P.person(building1)
    const first = await P.proposed({ item, person_id: person.id }, community)
    const second = await P.proposed({ item, person_id: person.id }, grid) // both pending: nothing posted yet
    assert.equal(check(await P.vote(first.id, { decision: 'approve' }, committee), 200).status, 'posted')
    checkError(await P.propose({ key: P.fresh('cap-'), item, person_id: person.id, reason: '再次申报', evidence: ['photo:3'] }, community), 409, 'conflict')
    checkError(await P.vote(second.id, { decision: 'approve' }, committee), 409, 'conflict')
    const still = check(await srv.get(`/api/points/proposals/${second.id}`, { token: committee.token }), 200, 'PointsProposal')
    assert.deepEqual([still.status, still.approvals], ['pending', 0])
    assert.equal(check(await P.vote(second.id, { decision: 'reject', reason: '本年度已评定' }, committee), 200).status, 'rejected')
    assert.deepEqual(await P.balances(person.id), { virtue: 10, spendable: 10 })
    // Another person is not capped by it.
    const other = await P.person(building1)
    await P.posted({ item, person_id: other.id }, community, committee)
  })
})

// ---------------------------------------------------------------------------------------

describe('statements and balances', () => {
  scenario('lines newest first, signed, each with the balance it left; paged with before / next_before', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    await P.posted(heroic(person.id), community, committee) // +50
    await P.posted({ item: 'deduct.littering', person_id: person.id }, grid, committee) // −2
    await P.posted({ item: 'bonus.elder_assistance', person_id: person.id }, community, committee) // +3
    await P.posted({ item: 'deduct.night_noise', person_id: person.id }, community, committee) // −3
    await P.posted({ item: 'bonus.volunteer_service', person_id: person.id }, grid, committee) // +2
    const s = check(await P.statement({ account: 'virtue', owner_id: person.id }, community), 200, 'PointsStatement')
    assert.deepEqual(s.account, { kind: 'virtue', owner_id: person.id, balance: 50, debits: 5, credits: 55 })
    assert.deepEqual(s.lines.map((l) => l.amount), [2, -3, 3, -2, 50])
    assert.deepEqual(s.lines.map((l) => l.item.code), ['bonus.volunteer_service', 'deduct.night_noise', 'bonus.elder_assistance', 'deduct.littering', HEROIC])
    assert.deepEqual(s.lines.map((l) => l.kind), ['award', 'deduction', 'award', 'deduction', 'award'])
    assert.equal(s.next_before, null)
    assert.equal(s.lines[0].balance_after, s.account.balance)
    for (let i = 0; i < s.lines.length; i++) {
      const below = i + 1 < s.lines.length ? s.lines[i + 1].balance_after : 0
      assert.equal(s.lines[i].balance_after - s.lines[i].amount, below, `line ${i}: ${JSON.stringify(s.lines[i])}`)
      if (i > 0) assert.ok(s.lines[i].transfer_id < s.lines[i - 1].transfer_id, 'not newest first')
      assert.equal(s.lines[i].reverses, null)
    }
    // Paged: the same lines, whatever the page size.
    for (const limit of [1, 2, 5]) assert.deepEqual(await P.allLines('virtue', person.id, community, limit), s.lines)
    const page = check(await P.statement({ account: 'virtue', owner_id: person.id, limit: 2 }, community), 200, 'PointsStatement')
    assert.deepEqual([page.lines.length, page.next_before], [2, page.lines[1].transfer_id])
    const rest = check(await P.statement({ account: 'virtue', owner_id: person.id, limit: 2, before: page.next_before }, community), 200)
    assert.deepEqual(rest.lines, s.lines.slice(2, 4))
    // The spendable account: only the awards.
    const sp = check(await P.statement({ account: 'spendable' }, who), 200, 'PointsStatement')
    assert.deepEqual(sp.lines.map((l) => [l.amount, l.balance_after]), [[2, 55], [3, 53], [50, 50]])
    // Without owner_id: the caller's own person.
    assert.deepEqual(check(await P.statement({}, who), 200, 'PointsStatement'), s)
    assert.deepEqual(await P.mine(who), { virtue: 50, spendable: 55 })
  })

  scenario('who reads what: a person and staff over them; a resident cannot read another person\'s (404)', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    await P.posted({ item: 'bonus.volunteer_service', person_id: person.id }, community, committee)
    for (const w of [who, admin, street, community, grid, steward, committee])
      check(await P.statement({ account: 'spendable', owner_id: person.id }, w), 200, 'PointsStatement')
    for (const w of [elder, resident, doctor, outsider, inspector, zeroStaff]) {
      checkError(await P.statement({ account: 'virtue', owner_id: person.id }, w), 404, 'not_found')
      checkError(await srv.get(`/api/points/persons/${person.id}`, { token: w.token }), 404, 'not_found')
    }
    // The elder reads her own; GET /api/points/me is 404 for an account linked to no person.
    check(await P.statement({ account: 'virtue', owner_id: elderPerson }, elder), 200, 'PointsStatement')
    for (const w of [community, committee, admin, inspector])
      checkError(await srv.get('/api/points/me', { token: w.token }), 404, 'not_found')
    checkError(await P.statement({ account: 'virtue' }, community), 404, 'not_found')
    checkError(await srv.get('/api/points/me'), 401, 'unauthenticated')
    checkError(await P.statement({ account: 'virtue' }, null), 401, 'unauthenticated')
    checkError(await srv.get('/api/points/persons/99999999', { token: admin.token }), 404, 'not_found')
    checkError(await srv.get('/api/points/persons/abc', { token: admin.token }), 404, 'not_found')
    checkError(await P.statement({ account: 'virtue', owner_id: 99999999 }, admin), 404, 'not_found')
    // A community's budget: staff over the community (not the grid worker, whose grant lies below it).
    for (const w of [admin, street, community, committee])
      check(await P.statement({ account: 'budget', owner_id: kangcheng.id }, w), 200, 'PointsStatement')
    for (const w of [grid, steward, elder, zeroCommittee])
      checkError(await P.statement({ account: 'budget', owner_id: kangcheng.id }, w), 404, 'not_found')
    // An account never used: zeros, no lines.
    const fresh = await P.person(building1)
    const empty = check(await P.statement({ account: 'spendable', owner_id: fresh.id }, community), 200, 'PointsStatement')
    assert.deepEqual(empty, { account: { kind: 'spendable', owner_id: fresh.id, balance: 0, debits: 0, credits: 0 }, lines: [], next_before: null })
  })

  scenario('statement queries: 422 naming the parameter', async () => {
    const bad = async (query, field) => checkError(await P.statement(query, admin), 422, 'invalid_input', { field })
    await bad({ account: 'mint', owner_id: 1 }, 'account')
    await bad({ account: 'bogus', owner_id: elderPerson }, 'account')
    await bad({ account: 'bogus', owner_id: 'x' }, 'account') // account before owner_id
    await bad({ account: 'escrow', owner_id: kangcheng.id }, 'account')
    await bad({ account: 'shop', owner_id: kangcheng.id }, 'account')
    await bad({ account: 'civility' }, 'owner_id')
    await bad({ account: 'budget' }, 'owner_id')
    await bad({ account: 'virtue', owner_id: 'x' }, 'owner_id')
    await bad({ account: 'virtue', owner_id: elderPerson, limit: 0 }, 'limit')
    await bad({ account: 'virtue', owner_id: elderPerson, limit: 201 }, 'limit')
    await bad({ account: 'virtue', owner_id: elderPerson, before: 'x' }, 'before')
  })
})

// ---------------------------------------------------------------------------------------

describe('the proposals list', () => {
  scenario('what each caller sees, newest first, by status and community, paged', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const a = await P.proposed(heroic(person.id), community)
    const b = await P.proposed({ item: 'deduct.littering', person_id: person.id }, grid)
    const c = await P.proposed({ item: 'bonus.volunteer_service' }, who)
    check(await P.vote(b.id, { decision: 'reject', reason: '查无实据' }, committee), 200)
    const list = async (w, query = '') => check(await srv.get(`/api/points/proposals?limit=200${query}`, { token: w.token }), 200, 'PointsProposalList')
    const ids = (l) => l.items.map((p) => p.id)
    // The person sees the three about them, newest first.
    const own = await list(who)
    assert.deepEqual(ids(own), [c.id, b.id, a.id])
    assert.equal(own.next_before, null)
    // Staff over them and the committee see them among others; the elder and other residents do not.
    for (const w of [committee, community, grid, steward, admin]) {
      const seen = ids(await list(w))
      for (const p of [a, b, c]) assert.ok(seen.includes(p.id), `proposal ${p.id} is not listed`)
      assert.deepEqual(seen, [...seen].sort((x, y) => y - x), 'not newest first')
    }
    for (const w of [elder, resident, doctor, outsider]) {
      const seen = ids(await list(w))
      for (const p of [a, b, c]) assert.ok(!seen.includes(p.id), `proposal ${p.id} is listed for another caller`)
    }
    // The proposer sees what they proposed.
    assert.ok(ids(await list(grid)).includes(b.id))
    // By status and by community.
    const pending = ids(await list(committee, `&status=pending&community_id=${kangcheng.id}`))
    assert.ok(pending.includes(a.id) && pending.includes(c.id) && !pending.includes(b.id))
    assert.ok((await list(committee, '&status=rejected')).items.every((p) => p.status === 'rejected'))
    checkError(await srv.get(`/api/points/proposals?community_id=${kangcheng.id}`, { token: grid.token }), 404, 'not_found', { field: 'community_id' })
    checkError(await srv.get(`/api/points/proposals?community_id=${kangcheng.id}`, { token: who.token }), 404, 'not_found', { field: 'community_id' })
    checkError(await srv.get('/api/points/proposals?community_id=99999999', { token: admin.token }), 404, 'not_found', { field: 'community_id' })
    checkError(await srv.get('/api/points/proposals?status=open', { token: admin.token }), 422, 'invalid_input', { field: 'status' })
    checkError(await srv.get('/api/points/proposals?limit=0', { token: admin.token }), 422, 'invalid_input', { field: 'limit' })
    checkError(await srv.get('/api/points/proposals?limit=201', { token: admin.token }), 422, 'invalid_input', { field: 'limit' })
    checkError(await srv.get('/api/points/proposals?before=x', { token: admin.token }), 422, 'invalid_input', { field: 'before' })
    checkError(await srv.get('/api/points/proposals'), 401, 'unauthenticated')
    // Paged one at a time: the same three.
    const paged = []
    let before = 0
    for (;;) {
      const page = check(await srv.get(`/api/points/proposals?limit=1${before ? `&before=${before}` : ''}`, { token: who.token }), 200, 'PointsProposalList')
      paged.push(...ids(page))
      if (page.next_before === null || page.items.length === 0) break
      assert.equal(page.next_before, page.items[0].id)
      before = page.next_before
    }
    assert.deepEqual(paged, [c.id, b.id, a.id])
    // One proposal: the person, the proposer, staff over it; 404 for the rest.
    for (const w of [who, grid, committee, steward])
      check(await srv.get(`/api/points/proposals/${b.id}`, { token: w.token }), 200, 'PointsProposal')
    for (const w of [elder, resident, doctor, outsider, zeroCommittee])
      checkError(await srv.get(`/api/points/proposals/${b.id}`, { token: w.token }), 404, 'not_found')
    checkError(await srv.get('/api/points/proposals/99999999', { token: admin.token }), 404, 'not_found')
    checkError(await srv.get('/api/points/proposals/abc', { token: admin.token }), 404, 'not_found')
  })
})

// ---------------------------------------------------------------------------------------

describe('corrections', () => {
  scenario('a correction reverses an award (virtue, spendable and budget back), once; replay 200; other content 409', async () => {
    const person = await P.person(building1)
    const budget = await P.balance('budget', kangcheng.id)
    const award = await P.posted(heroic(person.id), community, committee)
    assert.deepEqual(await P.balances(person.id), { virtue: 50, spendable: 50 })
    const json = { key: P.fresh('correction-'), posting_id: award.posting_id, reason: '重复记分，予以更正' }
    const c = check(await P.correct(json, community), 201, 'PointsPosting')
    assert.deepEqual(
      [c.key, c.kind, c.subject, c.subject_id, c.community_id, c.points, c.reverses, c.proposal_id, c.reason],
      [json.key, 'correction', 'person', person.id, kangcheng.id, -50, award.posting_id, null, json.reason],
    )
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
    assert.equal(await P.balance('budget', kangcheng.id), budget)
    // The statement shows both, the correction naming what it reverses.
    const lines = check(await P.statement({ account: 'spendable', owner_id: person.id }, community), 200).lines
    assert.deepEqual(lines.map((l) => [l.kind, l.amount, l.balance_after, l.reverses, l.posting_id]),
      [['correction', -50, 0, award.posting_id, c.id], ['award', 50, 50, null, award.posting_id]])
    // Replayed: the same correction.
    assert.deepEqual(check(await P.correct(json, community), 200, 'PointsPosting'), c)
    // The same key, other content; another caller.
    checkError(await P.correct({ ...json, reason: '另一个理由' }, community), 409, 'conflict', { field: 'key' })
    checkError(await P.correct(json, admin), 409, 'conflict', { field: 'key' })
    // Corrected once only; a correction is not corrected.
    checkError(await P.correct({ ...json, key: P.fresh('correction-') }, admin), 409, 'conflict')
    checkError(await P.correct({ ...json, key: P.fresh('correction-'), posting_id: c.id }, admin), 409, 'conflict')
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
    // Audited under the corrected posting.
    const log = check(await srv.get(`/api/audit?target=points_posting:${award.posting_id}`, { token: admin.token }), 200, 'AuditPage')
    assert.deepEqual(log.items.map((r) => [r.action, r.details, r.actor_id]), [['points.corrected', { correction: c.id }, community.account.id]])
  })

  scenario('a corrected deduction gives virtue back; a corrected posting no longer counts against the cap', async () => {
    const person = await P.person(building1)
    const d = await P.posted({ item: 'deduct.littering', person_id: person.id }, grid, committee)
    checkError(await P.propose({ key: P.fresh('p-'), item: 'deduct.littering', person_id: person.id, reason: '又乱扔', evidence: ['x'] }, grid), 409, 'conflict')
    const c = check(await P.correct({ key: P.fresh('correction-'), posting_id: d.posting_id, reason: '认定有误' }, street), 201, 'PointsPosting')
    assert.deepEqual([c.points, c.reverses], [2, d.posting_id])
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
    await P.proposed({ item: 'deduct.littering', person_id: person.id }, grid)
  })

  scenario('a grant is corrected while its budget is unspent; once awarded, 409', async () => {
    const community2 = await P.node(streetA, 'community')
    const grid2 = await P.node(community2, 'grid')
    const building2 = await P.node(await P.node(grid2, 'compound'), 'building')
    const staff2 = await P.account([{ role: 'community_staff', scope: community2.path }], 'points.staff')
    const committee4 = await P.account([{ role: 'committee_member', scope: community2.path }], 'points.committee')
    const g1 = await P.granted(community2.id, 30)
    const c1 = check(await P.correct({ key: P.fresh('correction-'), posting_id: g1.id, reason: '预算发错社区' }, admin), 201, 'PointsPosting')
    assert.deepEqual([c1.kind, c1.subject, c1.points], ['correction', 'community', -30])
    assert.equal(await P.balance('budget', community2.id), 0)
    const g2 = await P.granted(community2.id, 50)
    await P.posted(heroic((await P.person(building2)).id), staff2, committee4)
    checkError(await P.correct({ key: P.fresh('correction-'), posting_id: g2.id, reason: '预算撤回' }, admin), 409, 'conflict')
    assert.equal(await P.balance('budget', community2.id), 0)
  })

  scenario('who corrects: district admins, community and street staff over the posting (403 for other staff over its subject, 404 for the rest)', async () => {
    const person = await P.person(building1)
    const award = await P.posted({ item: 'bonus.volunteer_service', person_id: person.id }, community, committee)
    const json = () => ({ key: P.fresh('correction-'), posting_id: award.posting_id, reason: '权限校验' })
    for (const who of [committee, grid, steward])
      checkError(await P.correct(json(), who), 403, 'forbidden')
    for (const who of [elder, resident, doctor, inspector, outsider, zeroStaff])
      checkError(await P.correct(json(), who), 404, 'not_found')
    checkError(await P.correct(json(), null), 401, 'unauthenticated')
    checkError(await P.correct({ ...json(), posting_id: 99999999 }, admin), 404, 'not_found')
    // Validation before anything else.
    const bad = async (body, field) => checkError(await P.correct(body, community), 422, 'invalid_input', { field })
    await bad({ ...json(), key: undefined }, 'key')
    await bad({ ...json(), key: 'has space' }, 'key')
    await bad({ ...json(), posting_id: undefined }, 'posting_id')
    await bad({ ...json(), posting_id: 'x' }, 'posting_id')
    await bad({ ...json(), reason: 'x' }, 'reason')
    await bad({ ...json(), reason: undefined }, 'reason')
    assert.deepEqual(await P.balances(person.id), { virtue: 2, spendable: 2 })
    // The admin may.
    check(await P.correct(json(), admin), 201, 'PointsPosting')
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
  })
})

// ---------------------------------------------------------------------------------------

describe('live events', () => {
  /** Checks one frame: data matches Event, the id and event lines agree with it. */
  const frame = (item) => {
    assert.ok(item.data, `data is not JSON: ${item.raw}`)
    assertSchema(item.data, 'Event', `event ${item.raw}`)
    assert.equal(item.id, String(item.data.id))
    assert.equal(item.event, item.data.type)
    return item.data
  }

  scenario('the committee receives points.proposed, points.voted and points.posted; the person a copy of points.posted', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const streams = await Promise.all([committee, who, community].map((w) => srv.events({ token: w.token })))
    const [cs, ps, staff] = streams
    try {
      for (const s of streams) assert.equal(s.reply.status, 200, `${s.reply}`)
      const p = await P.proposed(heroic(person.id), community)
      const proposed = frame(await cs.nextEvent('points.proposed', (d) => d.payload?.proposal_id === p.id))
      assert.deepEqual([proposed.subject, proposed.scope, proposed.payload],
        [`points_proposal:${p.id}`, kangcheng.path, { proposal_id: p.id, item: HEROIC, points: 50, community_id: kangcheng.id }])
      const after = check(await P.vote(p.id, { decision: 'approve' }, committee), 200)
      const posted = frame(await cs.nextEvent('points.posted', (d) => d.payload?.posting_id === after.posting_id))
      assert.deepEqual([posted.subject, posted.scope, posted.payload],
        [`points_posting:${after.posting_id}`, kangcheng.path, { posting_id: after.posting_id, kind: 'award', subject: 'person', subject_id: person.id, points: 50 }])
      const voted = frame(await cs.nextEvent('points.voted', (d) => d.payload?.proposal_id === p.id))
      assert.deepEqual(voted.payload, { proposal_id: p.id, status: 'posted' })
      // The person's copy, addressed to their account (a resident sees no scoped event).
      const mine = frame(await ps.nextEvent('points.posted', (d) => d.payload?.posting_id === after.posting_id))
      assert.deepEqual(mine.payload, posted.payload)
      assert.ok(!ps.events.some((e) => e.event === 'points.proposed'), 'a resident received a scoped event')
      // A rejection reaches its proposer.
      const r = await P.proposed(heroic(person.id), community)
      check(await P.vote(r.id, { decision: 'reject', reason: '材料不全' }, committee), 200)
      const rejected = frame(await staff.nextEvent('points.rejected', (d) => d.payload?.proposal_id === r.id))
      assert.deepEqual([rejected.subject, rejected.payload], [`points_proposal:${r.id}`, { proposal_id: r.id, status: 'rejected' }])
      // A correction is posted too, with negated points.
      const c = check(await P.correct({ key: P.fresh('correction-'), posting_id: after.posting_id, reason: '更正' }, community), 201)
      const corrected = frame(await ps.nextEvent('points.posted', (d) => d.payload?.posting_id === c.id))
      assert.deepEqual(corrected.payload, { posting_id: c.id, kind: 'correction', subject: 'person', subject_id: person.id, points: -50 })
    } finally {
      for (const s of streams) s.close?.()
    }
  })

  scenario('a district admin receives points.catalog_changed and the budget\'s points.posted', async () => {
    const s = await srv.events({ token: admin.token })
    try {
      assert.equal(s.reply.status, 200)
      const code = P.fresh('bonus.points_evented_')
      check(await P.putItem(code, { name_zh: '事件测试', name_en: 'Evented', points: 5, subject: 'person', cap_period: 'day', proposers: ['grid_worker'] }), 201)
      const e = frame(await s.nextEvent('points.catalog_changed', (d) => d.payload?.code === code))
      assert.deepEqual([e.subject, e.scope, e.payload], [`points_item:${code}`, '/', { code, version: 1, points: 5 }])
      const g = await P.granted(kangcheng.id, 5)
      const posted = frame(await s.nextEvent('points.posted', (d) => d.payload?.posting_id === g.id))
      assert.deepEqual([posted.scope, posted.payload], [kangcheng.path, { posting_id: g.id, kind: 'grant', subject: 'community', subject_id: kangcheng.id, points: 5 }])
    } finally {
      s.close?.()
    }
  })
})

// ---------------------------------------------------------------------------------------
// A committee of two: points.quorum = 2 on a server of its own.

const srv2 = await startServer({ config: { points: { quorum: 2 } } })
const admin2 = await srv2.loginAs('admin')
const Q = new Points(srv2, admin2)

describe('a quorum of two', () => {
  test('two approvals post, two rejections reject; a member votes once (409)', async () => {
    const [staff, m1] = await Promise.all(['community', 'committee'].map((l) => srv2.loginAs(l)))
    const kc = lastId(srv2.account('community').scope)
    const b1 = check(await srv2.get(`/api/nodes/${lastId(srv2.account('steward').scope)}`, { token: admin2.token }), 200)
    const m2 = await Q.account([{ role: 'committee_member', scope: srv2.account('committee').scope }], 'points.q')
    await Q.granted(kc, 1000)
    const person = await Q.person(b1)
    const p = await Q.proposed(heroic(person.id), staff)
    const one = check(await Q.vote(p.id, { decision: 'approve' }, m1), 200, 'PointsProposal')
    assert.deepEqual([one.status, one.approvals, one.posting_id], ['pending', 1, null])
    // 7. voted already: 409, approving or rejecting.
    checkError(await Q.vote(p.id, { decision: 'approve' }, m1), 409, 'conflict')
    checkError(await Q.vote(p.id, { decision: 'reject', reason: '改主意' }, m1), 409, 'conflict')
    assert.deepEqual(await Q.balances(person.id), { virtue: 0, spendable: 0 })
    const two = check(await Q.vote(p.id, { decision: 'approve' }, m2), 200, 'PointsProposal')
    assert.deepEqual([two.status, two.approvals], ['posted', 2])
    assert.deepEqual(await Q.balances(person.id), { virtue: 50, spendable: 50 })
    // One approval and one rejection decide nothing; a second rejection rejects.
    const r = await Q.proposed(heroic(person.id), staff)
    check(await Q.vote(r.id, { decision: 'approve' }, m1), 200)
    const split = check(await Q.vote(r.id, { decision: 'reject', reason: '事迹存疑' }, m2), 200, 'PointsProposal')
    assert.deepEqual([split.status, split.approvals, split.rejections], ['pending', 1, 1])
    const m3 = await Q.account([{ role: 'committee_member', scope: srv2.account('committee').scope }], 'points.q')
    const rejected = check(await Q.vote(r.id, { decision: 'reject', reason: '事迹存疑' }, m3), 200, 'PointsProposal')
    assert.deepEqual([rejected.status, rejected.rejections], ['rejected', 2])
    await assertAudited(srv2)
  })
})

endsCleanly(srv, srv2)
