// Points appeals (申诉), from outside (docs/reference/points.md, Appeals): a person appeals a
// posting that took points from them (a deduction, or a correction that took an award back)
// or a rejected proposal about them; a committee member over the community upholds or
// overturns it. Appealing and deciding are checked in their documented order of precedence;
// overturning posts the remedy (a correction reversing the posting, key `#appeal:<id>`, or the
// rejected proposal posted) or, when it cannot be posted, records nothing; the window
// (`points.appeal_days`); the lists; the live events. After every scenario `mashang points
// audit` recomputes the ledger (overturned appeals included) and must find nothing wrong.
//
// The server's clock is real and appeal windows are days long, so the window tests move a
// posting's `created_at` or a proposal's `decided_at` back in the server's own database
// (sqlite3 / psql, as orders.test.mjs and audit.test.mjs do), on the default server (30 days)
// and on a second one with `points.appeal_days = 2`.
//
// The demo: 滨河街道 → 康城社区 (the `community` staff, the `committee` member; a second and a
// third committee member are made here: nobody decides an appeal against what they took part
// in) → 第一网格 (the `grid` worker) → 康城小区 → 1号楼 (the `steward`). The persons appealing
// are made here, each new, in households of 1号楼 and linked to resident accounts made here;
// 宁馨社区 (the same street) is "another community"; communities made here under 滨河街道
// have committees with no budget.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { assertSchema, check, checkError, endsCleanly, startServer } from './harness.mjs'
import { Points, assertAudited, pointsSql } from './points-helpers.mjs'

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
assert.deepEqual([kangcheng.name, kangcheng.kind, compound.kind], ['康城社区', 'community', 'compound'])
assert.equal(srv.account('committee').scope, kangcheng.path, 'the demo committee member is not of 康城社区')
const ningxin = (await children(streetA)).find((n) => n.name === '宁馨社区')
assert.ok(ningxin, 'the demo has no 宁馨社区')
const ningxinGrid = (await children(ningxin)).find((n) => n.kind === 'grid')
assert.ok(ningxinGrid, '宁馨社区 has no grid')

// 宁馨社区: a grid worker there, and a resident there linked to a person of theirs.
const outsider = await P.account([{ role: 'grid_worker', scope: ningxinGrid.path }], 'appeal.outsider')
const outBuilding = await P.node(await P.node(ningxinGrid, 'compound'), 'building')
const { who: outResident } = await P.resident(outBuilding, outBuilding.path)

// A second and a third committee member of 康城社区 (the demo `committee` approves the
// deductions and rejects the proposals below, so it may not decide their appeals).
const committee2 = await P.account([{ role: 'committee_member', scope: kangcheng.path }], 'appeal.committee')
const committee3 = await P.account([{ role: 'committee_member', scope: kangcheng.path }], 'appeal.committee')

// A community of 滨河街道 made here, its committee without budget: its staff, its committee member.
const zero = await P.node(streetA, 'community')
const zeroCommittee = await P.account([{ role: 'committee_member', scope: zero.path }], 'appeal.zerocommittee')

// 康城社区's committee gets a budget to award from.
await P.granted(kangcheng.id, 100000)

// The catalogue's names, as an appeal shows its item.
const catalogue = new Map(check(await P.catalog(), 200, 'PointsItemList').items.map((i) => [i.code, i]))
const itemOf = (code) => ({ code, name_zh: catalogue.get(code).name_zh, name_en: catalogue.get(code).name_en })

/** An evidence-required award that 康城社区's staff and committee may propose (50 points). */
const HEROIC = 'bonus.heroic_act'
const heroic = (personId, more = {}) => ({ item: HEROIC, person_id: personId, reason: '跳水救起落水儿童', evidence: ['photo:heroic'], ...more })

/** A deduction of 4 without cap or evidence, that grid workers, community staff and committee members propose. */
const DEDUCT = P.fresh('deduct.appeal_test_')
check(await P.putItem(DEDUCT, { name_zh: '申诉测试扣分', name_en: 'Appeal test deduction', points: -4, subject: 'person', cap_period: 'ever',
  evidence_required: false, proposers: ['grid_worker', 'community_staff', 'committee_member'] }), 201, 'PointsItem')

/** A deduction posted for a person (proposed by `by`, approved by the demo committee member): the posted proposal. */
const deducted = (personId, by = grid, item = DEDUCT) => P.posted({ item, person_id: personId, evidence: [] }, by, committee)

/** A correction of a posting by the community staff (201): the correction. */
const corrected = async (postingId) =>
  check(await P.correct({ key: P.fresh('correction-'), posting_id: postingId, reason: '认定有误，予以更正' }, community), 201, 'PointsPosting')

/** A new community under 滨河街道 with a building, its staff and two committee members; no budget. */
async function newCommunity() {
  const node = await P.node(streetA, 'community')
  const building = await P.node(await P.node(await P.node(node, 'grid'), 'compound'), 'building')
  const staff = await P.account([{ role: 'community_staff', scope: node.path }], 'appeal.staff')
  const m1 = await P.account([{ role: 'committee_member', scope: node.path }], 'appeal.member')
  const m2 = await P.account([{ role: 'committee_member', scope: node.path }], 'appeal.member')
  return { node, building, staff, m1, m2 }
}

const DAY = 86400000
/** Moves a row's time `days` back from now in the server's database (the window tests). */
const moveBack = (srvX, table, column, id, days) =>
  pointsSql(srvX, `UPDATE ${table} SET ${column} = ${Date.now() - Math.round(days * DAY)} WHERE id = ${id}`)
/** A posting's idempotency key, read from the database (no route answers it for a posting made by the server). */
const keyOf = async (postingId) => (await pointsSql(srv, `SELECT idem_key FROM points_postings WHERE id = ${postingId}`)).trim()

/** A test that ends with the ledger's audit (exit 0, no discrepancy). */
const scenario = (name, fn, opts = {}) =>
  test(name, opts, async (t) => {
    await fn(t)
    await assertAudited(srv)
  })

const TEN = Array.from({ length: 10 }, (_, i) => `photo:${i}`)
const OK_DECISION = { decision: 'uphold', reason: '复核维持' }

// ---------------------------------------------------------------------------------------

describe('appealing: the order of precedence', () => {
  // Each request fails the step named and, where it can, every later one too.

  scenario('1. no session: 401, whatever the body', async () => {
    checkError(await P.appeal({}, null), 401, 'unauthenticated')
    checkError(await P.appeal({ key: 'k', posting_id: 1, reason: '申诉' }, null), 401, 'unauthenticated')
    checkError(await srv.request('POST', '/api/points/appeals', { body: '{"key":', headers: { 'Content-Type': 'application/json' } }), 401, 'unauthenticated')
  })

  scenario('2. the body is not a JSON object (400/422), or key is missing or malformed (422, field key)', async () => {
    const { who } = await P.resident(building1, building1.path)
    checkError(await srv.request('POST', '/api/points/appeals', { token: who.token, body: '{"key":', headers: { 'Content-Type': 'application/json' } }),
      400, 'bad_request')
    checkError(await P.appeal([], who), 422, 'invalid_input')
    checkError(await P.appeal('key', who), 422, 'invalid_input')
    const laterBroken = { posting_id: 99999999, proposal_id: 99999999, reason: 'x', evidence: TEN }
    for (const key of [undefined, null, '', 7, 'k'.repeat(300), 'has space', 'k'.repeat(65), 'ключ', 'a/b', '#appeal:1'])
      checkError(await P.appeal({ ...laterBroken, key }, who), 422, 'invalid_input', { field: 'key' })
    // Also for a caller linked to no person (step 7).
    checkError(await P.appeal({ ...laterBroken, key: 'has space' }, community), 422, 'invalid_input', { field: 'key' })
  })

  scenario('3. not exactly one of posting_id and proposal_id, or one that is not a whole number (422, the field at fault)', async () => {
    const { who } = await P.resident(building1, building1.path)
    const laterBroken = { key: P.fresh('a-'), reason: 'x', evidence: TEN }
    checkError(await P.appeal(laterBroken, who), 422, 'invalid_input', { field: 'posting_id' })
    checkError(await P.appeal({ ...laterBroken, posting_id: null, proposal_id: null }, who), 422, 'invalid_input', { field: 'posting_id' })
    checkError(await P.appeal({ ...laterBroken, posting_id: 1, proposal_id: 2 }, who), 422, 'invalid_input', { field: 'posting_id' })
    checkError(await P.appeal({ ...laterBroken, posting_id: 1, proposal_id: 2 }, community), 422, 'invalid_input', { field: 'posting_id' })
    for (const v of ['1', 1.5, true, [1], { id: 1 }]) {
      checkError(await P.appeal({ ...laterBroken, posting_id: v }, who), 422, 'invalid_input', { field: 'posting_id' })
      checkError(await P.appeal({ ...laterBroken, proposal_id: v }, who), 422, 'invalid_input', { field: 'proposal_id' })
    }
  })

  scenario('4. reason missing or not 2 to 500 characters (422, field reason)', async () => {
    const { who } = await P.resident(building1, building1.path)
    const laterBroken = { key: P.fresh('a-'), posting_id: 99999999, evidence: TEN }
    for (const reason of [undefined, null, '', 'x'.repeat(4097), 7])
      checkError(await P.appeal({ ...laterBroken, reason }, who), 422, 'invalid_input', { field: 'reason' })
    // Too short or too long with every later check but the evidence's failing (see the next test).
    for (const reason of ['x', '长'.repeat(501)]) {
      checkError(await P.appeal({ ...laterBroken, evidence: [], reason }, who), 422, 'invalid_input', { field: 'reason' })
      checkError(await P.appeal({ ...laterBroken, evidence: [], reason }, community), 422, 'invalid_input', { field: 'reason' })
    }
  })

  scenario('4. a reason of the wrong length comes before any check of the evidence (422, field reason)', async () => {
    const { who } = await P.resident(building1, building1.path)
    const laterBroken = { key: P.fresh('a-'), posting_id: 99999999 }
    for (const evidence of [TEN, 'photo:1', [7], [''], ['two\nlines']])
      for (const reason of ['x', '长'.repeat(501)])
        checkError(await P.appeal({ ...laterBroken, evidence, reason }, who), 422, 'invalid_input', { field: 'reason' })
  })

  scenario('5. evidence not a list of at most 9 one-line references of 1 to 200 bytes (422, field evidence)', async () => {
    const { who } = await P.resident(building1, building1.path)
    const laterBroken = { key: P.fresh('a-'), posting_id: 99999999, reason: '证据校验' }
    for (const evidence of [TEN, 'photo:1', [7], [''], ['two\nlines'], ['x'.repeat(201)], ['长'.repeat(67)], [' ']]) {
      checkError(await P.appeal({ ...laterBroken, evidence }, who), 422, 'invalid_input', { field: 'evidence' })
      checkError(await P.appeal({ ...laterBroken, evidence }, community), 422, 'invalid_input', { field: 'evidence' })
    }
  })

  scenario('the limits: a 64-character key, a reason of 2 and of 500 characters, 9 references of 200 bytes; no evidence at all', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const key = `Aa0-_.:${'k'.repeat(57)}`
    assert.equal(key.length, 64)
    const a = await P.appealed({ key, posting_id: (await deducted(person.id)).posting_id, reason: '冤枉' }, who)
    assert.deepEqual([a.key, a.reason], [key, '冤枉'])
    const long = await P.appealed({ posting_id: (await deducted(person.id)).posting_id, reason: '长'.repeat(500) }, who)
    assert.equal(long.reason, '长'.repeat(500))
    const nine = Array.from({ length: 9 }, (_, i) => `${i}`.padEnd(200, 'x'))
    assert.deepEqual((await P.appealed({ posting_id: (await deducted(person.id)).posting_id, evidence: nine }, who)).evidence, nine)
    const none = { key: P.fresh('a-'), posting_id: (await deducted(person.id)).posting_id, reason: '无证据申诉' }
    assert.deepEqual(check(await P.appeal(none, who), 201, 'PointsAppeal').evidence, [])
    assert.deepEqual(check(await P.appeal({ ...none, key: P.fresh('a-'), posting_id: (await deducted(person.id)).posting_id, evidence: null }, who), 201,
      'PointsAppeal').evidence, [])
  })

  scenario('6. replay: the same key and content answers the original (200); other content, or another caller, 409 (field key)', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const other = await P.resident(building1, building1.path)
    const d = await deducted(person.id)
    const d2 = await deducted(person.id)
    const rejected = await P.rejected(heroic(person.id), community, committee)
    const json = { key: P.fresh('replay-'), posting_id: d.posting_id, reason: '不是我扔的', evidence: ['photo:r'] }
    const res = await P.appeal(json, who)
    const first = check(res, 201, 'PointsAppeal')
    assert.equal(res.header('location'), `/api/points/appeals/${first.id}`)
    const again = await P.appeal(json, who)
    assert.deepEqual(check(again, 200, 'PointsAppeal'), first)
    assert.equal(again.header('location'), `/api/points/appeals/${first.id}`)
    // Other content — even content a later step would refuse (no such posting, someone else's).
    for (const change of [{ reason: '另一个理由' }, { evidence: ['photo:other'] }, { evidence: [] }, { evidence: undefined }, { posting_id: d2.posting_id },
      { posting_id: undefined, proposal_id: rejected.id }, { posting_id: 99999999 }])
      checkError(await P.appeal({ ...json, ...change }, who), 409, 'conflict', { field: 'key' })
    // The same content from another caller: another person's resident, one linked to no person (before its 403).
    for (const w of [other.who, community, committee2])
      checkError(await P.appeal(json, w), 409, 'conflict', { field: 'key' })
    // The shape is checked before the replay.
    checkError(await P.appeal({ ...json, evidence: TEN }, who), 422, 'invalid_input', { field: 'evidence' })
    checkError(await P.appeal({ ...json, reason: 'x' }, who), 422, 'invalid_input', { field: 'reason' })
    // Decided since: the replay answers the appeal as it is now, and nothing is appealed twice.
    const done = await P.decided(first.id, 'overturn', committee2)
    const later = check(await P.appeal(json, who), 200, 'PointsAppeal')
    assert.deepEqual(later, done)
    assert.deepEqual([later.id, later.created_at, later.status], [first.id, first.created_at, 'overturned'])
    assert.deepEqual(await P.balances(person.id), { virtue: -4, spendable: 0 }, 'the replay appealed or reversed again')
    const own = check(await P.appeals({}, who), 200, 'PointsAppealList').items
    assert.deepEqual(own.map((a) => a.id), [first.id])
  })

  scenario('7. the caller\'s account is linked to no person (403) — before any look at the posting or proposal', async () => {
    const person = await P.person(building1)
    const d = await deducted(person.id)
    const rejected = await P.rejected(heroic(person.id), community, committee)
    for (const w of [community, committee, committee2, grid, steward, street, admin, inspector, doctor]) {
      checkError(await P.appeal({ key: P.fresh('a-'), posting_id: d.posting_id, reason: '代为申诉' }, w), 403, 'forbidden')
      checkError(await P.appeal({ key: P.fresh('a-'), proposal_id: rejected.id, reason: '代为申诉' }, w), 403, 'forbidden')
      checkError(await P.appeal({ key: P.fresh('a-'), posting_id: 99999999, reason: '代为申诉' }, w), 403, 'forbidden')
    }
    // Nothing was appealed.
    assert.deepEqual(check(await P.appeals({ community_id: kangcheng.id, limit: 200 }, admin), 200, 'PointsAppealList').items
      .filter((a) => a.person_id === person.id), [])
  })

  scenario('8. no such posting or proposal about the caller\'s person (404, field posting_id or proposal_id)', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const other = await P.person(building1)
    const bad = async (json, field, w = who) =>
      checkError(await P.appeal({ key: P.fresh('a-'), reason: '不存在', ...json }, w), 404, 'not_found', { field })
    await bad({ posting_id: 99999999 }, 'posting_id')
    await bad({ proposal_id: 99999999 }, 'proposal_id')
    // Another person's deduction, award (which would not be appealable either: 404 first), rejected and pending proposals.
    await bad({ posting_id: (await deducted(other.id)).posting_id }, 'posting_id')
    await bad({ posting_id: (await P.posted(heroic(other.id), community, committee)).posting_id }, 'posting_id')
    await bad({ proposal_id: (await P.rejected(heroic(other.id), community, committee)).id }, 'proposal_id')
    await bad({ proposal_id: (await P.proposed(heroic(other.id), community)).id }, 'proposal_id')
    // The caller's person's deduction is someone else's for another resident, here and in another community.
    const mine = await deducted(person.id)
    await bad({ posting_id: mine.posting_id }, 'posting_id', elder)
    await bad({ posting_id: mine.posting_id }, 'posting_id', outResident)
    // Postings about no person: a compound's deduction, a budget grant.
    const civ = await P.posted({ item: 'deduct.compound_dirty_environment', compound_id: (await P.node(gridNode, 'compound')).id }, street, committee)
    await bad({ posting_id: civ.posting_id }, 'posting_id')
    await bad({ posting_id: (await P.granted(kangcheng.id, 1)).id }, 'posting_id')
  })

  scenario('9. not appealable: an award, a correction that gave points, a pending or posted proposal (422, same field)', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const bad = async (json, field) => checkError(await P.appeal({ key: P.fresh('a-'), reason: '不可申诉', ...json }, who), 422, 'invalid_input', { field })
    const award = await P.posted(heroic(person.id), community, committee)
    await bad({ posting_id: award.posting_id }, 'posting_id')
    const d = await deducted(person.id)
    const c = await corrected(d.posting_id) // +4: gave the points back
    assert.equal(c.points, 4)
    await bad({ posting_id: c.id }, 'posting_id')
    await bad({ proposal_id: (await P.proposed(heroic(person.id), community)).id }, 'proposal_id')
    await bad({ proposal_id: award.id }, 'proposal_id') // posted (an award)
    await bad({ proposal_id: (await deducted(person.id)).id }, 'proposal_id') // posted (a deduction: its posting is appealed)
    // Even out of the window (step 11) and appealed already is not reached.
    const old = await P.posted(heroic(person.id), community, committee)
    await moveBack(srv, 'points_postings', 'created_at', old.posting_id, 40)
    await bad({ posting_id: old.posting_id }, 'posting_id')
  })

  scenario('10. appealed already: once per posting and per proposal, decided or not (409, same field)', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const d = await deducted(person.id)
    const first = await P.appealed({ posting_id: d.posting_id }, who)
    const again = (json) => P.appeal({ key: P.fresh('a-'), reason: '再次申诉', ...json }, who)
    let e = checkError(await again({ posting_id: d.posting_id }), 409, 'conflict', { field: 'posting_id' })
    assert.match(e.message, /appealed already/)
    const r = await P.rejected(heroic(person.id), community, committee)
    await P.appealed({ proposal_id: r.id }, who)
    e = checkError(await again({ proposal_id: r.id }), 409, 'conflict', { field: 'proposal_id' })
    assert.match(e.message, /appealed already/)
    // Upheld: still once.
    await P.decided(first.id, 'uphold', committee2)
    checkError(await again({ posting_id: d.posting_id }), 409, 'conflict', { field: 'posting_id' })
    // 10 before 11: out of the window since, it is "appealed already".
    await moveBack(srv, 'points_postings', 'created_at', d.posting_id, 40)
    e = checkError(await again({ posting_id: d.posting_id }), 409, 'conflict', { field: 'posting_id' })
    assert.match(e.message, /appealed already/)
    // Another person's resident: still 404 (step 8), not 409.
    checkError(await P.appeal({ key: P.fresh('a-'), posting_id: d.posting_id, reason: '再次申诉' }, elder), 404, 'not_found', { field: 'posting_id' })
  })

  scenario('11. the window: 30 days (points.appeal_days) after the posting, or after the rejection (409)', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const late = await deducted(person.id)
    await moveBack(srv, 'points_postings', 'created_at', late.posting_id, 31)
    const e = checkError(await P.appeal({ key: P.fresh('a-'), posting_id: late.posting_id, reason: '过期申诉' }, who), 409, 'conflict')
    assert.match(e.message, /appeals are made within 30 days/)
    const inTime = await deducted(person.id)
    await moveBack(srv, 'points_postings', 'created_at', inTime.posting_id, 29)
    await P.appealed({ posting_id: inTime.posting_id }, who)
    // A correction that took an award back: its own date counts, not the award's.
    const award = await P.posted(heroic(person.id), community, committee)
    await moveBack(srv, 'points_postings', 'created_at', award.posting_id, 60)
    const c = await corrected(award.posting_id)
    await P.appealed({ posting_id: c.id }, who)
    // A rejected proposal: from its rejection (decided_at), not from when it was proposed.
    const lateRejection = await P.rejected(heroic(person.id), community, committee)
    await moveBack(srv, 'points_proposals', 'decided_at', lateRejection.id, 31)
    checkError(await P.appeal({ key: P.fresh('a-'), proposal_id: lateRejection.id, reason: '过期申诉' }, who), 409, 'conflict')
    const oldProposal = await P.rejected(heroic(person.id), community, committee)
    await moveBack(srv, 'points_proposals', 'created_at', oldProposal.id, 60)
    await P.appealed({ proposal_id: oldProposal.id }, who)
    // 11 before 12: corrected already and out of the window, it is the window.
    const both = await deducted(person.id)
    await corrected(both.posting_id)
    await moveBack(srv, 'points_postings', 'created_at', both.posting_id, 31)
    assert.match(checkError(await P.appeal({ key: P.fresh('a-'), posting_id: both.posting_id, reason: '过期申诉' }, who), 409, 'conflict').message,
      /appeals are made within 30 days/)
  })

  scenario('12. the posting was corrected already: nothing is left to appeal (409, field posting_id)', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const d = await deducted(person.id)
    await corrected(d.posting_id)
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
    const e = checkError(await P.appeal({ key: P.fresh('a-'), posting_id: d.posting_id, reason: '已更正仍申诉' }, who), 409, 'conflict', { field: 'posting_id' })
    assert.match(e.message, /corrected already/)
    // Nothing was appealed.
    assert.deepEqual(check(await P.appeals({}, who), 200, 'PointsAppealList').items, [])
  })
})

// ---------------------------------------------------------------------------------------

describe('deciding', () => {
  scenario('overturning a deduction: a correction (key #appeal:<id>) reverses it, virtue is restored; decided once (409)', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const d = await P.posted({ item: 'deduct.littering', person_id: person.id }, grid, committee)
    assert.deepEqual(await P.balances(person.id), { virtue: -2, spendable: 0 })
    const t0 = Date.now()
    const json = { key: P.fresh('appeal-'), posting_id: d.posting_id, reason: '当天不在小区，照片中不是本人', evidence: ['photo:1', 'doc:2'] }
    const res = await P.appeal(json, who)
    const a = check(res, 201, 'PointsAppeal')
    assert.equal(res.header('location'), `/api/points/appeals/${a.id}`)
    const { id, created_at, ...rest } = a
    assert.deepEqual(rest, {
      key: json.key, person_id: person.id, community_id: kangcheng.id, posting_id: d.posting_id, proposal_id: null, points: -2,
      item: itemOf('deduct.littering'), reason: json.reason, evidence: json.evidence, status: 'pending', appealed_by: who.account.id,
      decided_by: null, decision_reason: null, result_posting_id: null, decided_at: null,
    })
    assert.ok(id > 0)
    assert.ok(created_at >= t0 - 5000 && created_at <= Date.now() + 5000, `created_at ${created_at}`)
    // The person and staff over the community read it.
    for (const w of [who, community, committee, committee2, street, admin])
      assert.deepEqual(check(await P.appealOf(a.id, w), 200, 'PointsAppeal'), a)
    // The committee member who approved the deduction may not decide it; another one does.
    checkError(await P.decideAppeal(a.id, { decision: 'overturn', reason: '复核撤销' }, committee), 403, 'forbidden')
    assert.equal(check(await P.appealOf(a.id, admin), 200).status, 'pending')
    const done = await P.decided(a.id, 'overturn', committee2, '经核实不是本人')
    assert.deepEqual([done.status, done.decided_by, done.decision_reason], ['overturned', committee2.account.id, '经核实不是本人'])
    assert.ok(done.result_posting_id > d.posting_id)
    assert.ok(done.decided_at >= created_at && done.decided_at <= Date.now() + 5000, `decided_at ${done.decided_at}`)
    assert.deepEqual({ ...done, status: 'pending', decided_by: null, decision_reason: null, result_posting_id: null, decided_at: null }, a)
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
    // The remedy: a correction of +2 reversing the deduction, the server's key #appeal:<id>.
    const lines = check(await P.statement({ account: 'virtue', owner_id: person.id }, community), 200, 'PointsStatement').lines
    assert.deepEqual(lines.map((l) => [l.kind, l.amount, l.balance_after, l.reverses, l.posting_id]),
      [['correction', 2, 0, d.posting_id, done.result_posting_id], ['deduction', -2, -2, null, d.posting_id]])
    assert.equal(await keyOf(done.result_posting_id), `#appeal:${a.id}`)
    // Decided once: a second decision 409, whoever makes it (a member who took part too); the deduction is reversed once.
    for (const [w, decision] of [[committee2, 'uphold'], [committee2, 'overturn'], [committee3, 'overturn'], [committee, 'uphold']])
      checkError(await P.decideAppeal(a.id, { decision, reason: '再次复核' }, w), 409, 'conflict')
    checkError(await P.correct({ key: P.fresh('correction-'), posting_id: d.posting_id, reason: '再次更正' }, community), 409, 'conflict')
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
    for (const w of [who, committee]) assert.deepEqual(check(await P.appealOf(a.id, w), 200, 'PointsAppeal'), done)
  })

  scenario('upholding leaves the balances and posts nothing', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const d = await deducted(person.id)
    const a = await P.appealed({ posting_id: d.posting_id }, who)
    const u = await P.decided(a.id, 'uphold', committee2, '证据确凿，维持扣分')
    assert.deepEqual([u.status, u.decided_by, u.decision_reason, u.result_posting_id], ['upheld', committee2.account.id, '证据确凿，维持扣分', null])
    assert.ok(u.decided_at > 0)
    assert.deepEqual(await P.balances(person.id), { virtue: -4, spendable: 0 })
    const lines = check(await P.statement({ account: 'virtue', owner_id: person.id }, community), 200, 'PointsStatement').lines
    assert.deepEqual(lines.map((l) => l.posting_id), [d.posting_id])
    checkError(await P.decideAppeal(a.id, { decision: 'overturn', reason: '改判' }, committee3), 409, 'conflict')
    assert.deepEqual(await P.balances(person.id), { virtue: -4, spendable: 0 })
  })

  scenario('overturning a correction that took an award back re-awards it: virtue and spendable back, the budget pays again', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const award = await P.posted(heroic(person.id), community, committee)
    const budget = await P.balance('budget', kangcheng.id)
    const c = await corrected(award.posting_id)
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
    assert.equal(await P.balance('budget', kangcheng.id), budget + 50)
    const a = await P.appealed({ posting_id: c.id }, who)
    assert.deepEqual([a.posting_id, a.proposal_id, a.points, a.item], [c.id, null, -50, itemOf(HEROIC)])
    // The award itself cannot be appealed.
    checkError(await P.appeal({ key: P.fresh('a-'), posting_id: award.posting_id, reason: '申诉奖励' }, who), 422, 'invalid_input', { field: 'posting_id' })
    // The corrector is no committee member (403); the member who approved the award took no part in the correction and decides it.
    checkError(await P.decideAppeal(a.id, { decision: 'overturn', reason: '更正有误' }, community), 403, 'forbidden')
    const done = await P.decided(a.id, 'overturn', committee, '更正有误，恢复奖励')
    assert.deepEqual(await P.balances(person.id), { virtue: 50, spendable: 50 })
    assert.equal(await P.balance('budget', kangcheng.id), budget)
    const top = check(await P.statement({ account: 'spendable', owner_id: person.id }, community), 200, 'PointsStatement').lines[0]
    assert.deepEqual([top.kind, top.amount, top.balance_after, top.reverses, top.posting_id], ['correction', 50, 50, c.id, done.result_posting_id])
    assert.equal(await keyOf(done.result_posting_id), `#appeal:${a.id}`)
  })

  scenario('overturning a rejected proposal posts it (posted, key #proposal:<id>): virtue and spendable up, the budget down', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    // Proposed by a committee member, rejected by another.
    const r = await P.rejected(heroic(person.id), committee3, committee, '材料不全')
    const budget = await P.balance('budget', kangcheng.id)
    const a = await P.appealed({ proposal_id: r.id, reason: '已补充材料', evidence: ['photo:more'] }, who)
    assert.deepEqual([a.posting_id, a.proposal_id, a.points, a.item, a.community_id, a.person_id], [null, r.id, 50, itemOf(HEROIC), kangcheng.id, person.id])
    // The proposer and the member who voted took part (403); a third member decides.
    for (const w of [committee3, committee])
      checkError(await P.decideAppeal(a.id, { decision: 'overturn', reason: '材料已补充' }, w), 403, 'forbidden')
    const done = await P.decided(a.id, 'overturn', committee2, '材料已补充，予以记分')
    const p = check(await srv.get(`/api/points/proposals/${r.id}`, { token: who.token }), 200, 'PointsProposal')
    assert.deepEqual([p.status, p.posting_id], ['posted', done.result_posting_id])
    assert.deepEqual(await P.balances(person.id), { virtue: 50, spendable: 50 })
    assert.equal(await P.balance('budget', kangcheng.id), budget - 50)
    const top = check(await P.statement({ account: 'virtue', owner_id: person.id }, community), 200, 'PointsStatement').lines[0]
    assert.deepEqual([top.kind, top.amount, top.posting_id, top.reverses, top.item.code], ['award', 50, done.result_posting_id, null, HEROIC])
    assert.equal(await keyOf(done.result_posting_id), `#proposal:${r.id}`)
    // Posted now: it cannot be voted on, nor appealed again.
    checkError(await P.vote(r.id, { decision: 'approve' }, committee2), 409, 'conflict')
    checkError(await P.appeal({ key: P.fresh('a-'), proposal_id: r.id, reason: '再次申诉' }, who), 422, 'invalid_input', { field: 'proposal_id' })
  })

  scenario('a rejected award the budget cannot cover: overturning 409, nothing recorded, pending; after a grant it posts', async () => {
    const z = await newCommunity()
    const { person, who } = await P.resident(z.building, z.building.path)
    const r = await P.rejected(heroic(person.id), z.staff, z.m1)
    const a = await P.appealed({ proposal_id: r.id }, who)
    assert.equal(a.community_id, z.node.id)
    checkError(await P.decideAppeal(a.id, { decision: 'overturn', reason: '应予记分' }, z.m2), 409, 'conflict')
    assert.deepEqual(check(await P.appealOf(a.id, z.m2), 200, 'PointsAppeal'), a)
    assert.equal(check(await srv.get(`/api/points/proposals/${r.id}`, { token: z.m2.token }), 200, 'PointsProposal').status, 'rejected')
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
    await assertAudited(srv)
    await P.granted(z.node.id, 50)
    const done = await P.decided(a.id, 'overturn', z.m2)
    assert.ok(done.result_posting_id > 0)
    assert.deepEqual(await P.balances(person.id), { virtue: 50, spendable: 50 })
    assert.equal(await P.balance('budget', z.node.id), 0)
  })

  scenario('a correction whose reversal the budget cannot cover: overturning 409, the appeal stays pending', async () => {
    const z = await newCommunity()
    await P.granted(z.node.id, 50)
    const { person, who } = await P.resident(z.building, z.building.path)
    const award = await P.posted(heroic(person.id), z.staff, z.m1)
    const c = check(await P.correct({ key: P.fresh('correction-'), posting_id: award.posting_id, reason: '重复记分' }, z.staff), 201, 'PointsPosting')
    await P.posted(heroic((await P.person(z.building)).id), z.staff, z.m1) // the budget is spent again
    assert.equal(await P.balance('budget', z.node.id), 0)
    const a = await P.appealed({ posting_id: c.id }, who)
    checkError(await P.decideAppeal(a.id, { decision: 'overturn', reason: '恢复奖励' }, z.m1), 409, 'conflict')
    assert.deepEqual(check(await P.appealOf(a.id, who), 200, 'PointsAppeal'), a)
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
  })

  scenario('a deduction corrected while its appeal was pending: overturning 409 (nothing recorded); upholding still decides it', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const d = await deducted(person.id)
    const a = await P.appealed({ posting_id: d.posting_id }, who)
    await corrected(d.posting_id)
    checkError(await P.decideAppeal(a.id, { decision: 'overturn', reason: '撤销扣分' }, committee2), 409, 'conflict')
    assert.deepEqual(check(await P.appealOf(a.id, committee2), 200, 'PointsAppeal'), a)
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
    await P.decided(a.id, 'uphold', committee2, '已由社区更正')
    assert.deepEqual(await P.balances(person.id), { virtue: 0, spendable: 0 })
  })

  scenario('deciding: the order of precedence', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const d = await deducted(person.id)
    const a = await P.appealed({ posting_id: d.posting_id }, who)
    // 1. no session.
    checkError(await P.decideAppeal(a.id, OK_DECISION, null), 401, 'unauthenticated')
    checkError(await P.decideAppeal(a.id, {}, null), 401, 'unauthenticated')
    // 2. decision — before the reason and before the appeal (an id that names nothing, not even a number).
    for (const id of [a.id, 99999999, 'abc'])
      for (const body of [{}, { decision: 'maybe', reason: '复核' }, { decision: 'UPHOLD', reason: '复核' }, { decision: 7 }, { decision: 'approve' }, { decision: '', reason: 'x' }])
        checkError(await P.decideAppeal(id, body, committee2), 422, 'invalid_input', { field: 'decision' })
    checkError(await P.decideAppeal(a.id, { decision: 'maybe' }, elder), 422, 'invalid_input', { field: 'decision' })
    // 3. reason — required either way, 2 to 500 characters.
    for (const id of [a.id, 99999999, 'abc'])
      for (const reason of [undefined, null, '', 'x', '长'.repeat(501), 7])
        for (const decision of ['uphold', 'overturn'])
          checkError(await P.decideAppeal(id, { decision, reason }, committee2), 422, 'invalid_input', { field: 'reason' })
    checkError(await P.decideAppeal(a.id, { decision: 'uphold' }, elder), 422, 'invalid_input', { field: 'reason' })
    // 4. no such appeal, or not visible: residents of other persons (here and elsewhere), staff below or outside the community.
    checkError(await P.decideAppeal(99999999, OK_DECISION, committee2), 404, 'not_found')
    checkError(await P.decideAppeal('abc', OK_DECISION, committee2), 404, 'not_found')
    for (const w of [elder, resident, outResident, grid, steward, doctor, inspector, outsider, zeroCommittee])
      checkError(await P.decideAppeal(a.id, OK_DECISION, w), 404, 'not_found')
    // 5. not a committee member over the community: staff over it, and the appellant themselves.
    for (const w of [community, street, admin, who])
      checkError(await P.decideAppeal(a.id, OK_DECISION, w), 403, 'forbidden')
    // 7. the member who approved the deduction.
    checkError(await P.decideAppeal(a.id, OK_DECISION, committee), 403, 'forbidden')
    // Still pending after all of these.
    assert.deepEqual(check(await P.appealOf(a.id, admin), 200, 'PointsAppeal'), a)
    // 7. a member who proposed the deduction (approved by another); a member appealing for their own person.
    const byMember = await deducted(person.id, committee3)
    const b = await P.appealed({ posting_id: byMember.posting_id }, who)
    checkError(await P.decideAppeal(b.id, OK_DECISION, committee3), 403, 'forbidden')
    checkError(await P.decideAppeal(b.id, OK_DECISION, committee), 403, 'forbidden')
    const member = await P.account([{ role: 'committee_member', scope: kangcheng.path }], 'appeal.member')
    const memberPerson = await P.person(building1)
    await P.link(memberPerson, member)
    const own = await P.appealed({ posting_id: (await deducted(memberPerson.id)).posting_id }, member)
    checkError(await P.decideAppeal(own.id, OK_DECISION, member), 403, 'forbidden')
    checkError(await P.decideAppeal(own.id, { decision: 'overturn', reason: '自己改判' }, member), 403, 'forbidden')
    // Others decide them.
    await P.decided(a.id, 'uphold', committee2)
    await P.decided(b.id, 'overturn', committee2)
    await P.decided(own.id, 'uphold', committee2)
    // 6 before 7: decided already is 409 for those who took part too; 5 before 6: a non-member 403; 4 before 5: 404.
    checkError(await P.decideAppeal(a.id, OK_DECISION, committee), 409, 'conflict')
    checkError(await P.decideAppeal(own.id, OK_DECISION, member), 409, 'conflict')
    checkError(await P.decideAppeal(b.id, OK_DECISION, committee3), 409, 'conflict')
    checkError(await P.decideAppeal(a.id, OK_DECISION, community), 403, 'forbidden')
    checkError(await P.decideAppeal(a.id, OK_DECISION, who), 403, 'forbidden')
    checkError(await P.decideAppeal(a.id, OK_DECISION, elder), 404, 'not_found')
    assert.deepEqual(await P.balances(person.id), { virtue: -4, spendable: 0 })
  })
})

// ---------------------------------------------------------------------------------------

describe('reading appeals', () => {
  scenario('one appeal: its person and staff over its community; 404 for the rest', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const a = await P.appealed({ posting_id: (await deducted(person.id)).posting_id }, who)
    for (const w of [who, community, committee, committee2, street, admin])
      assert.deepEqual(check(await P.appealOf(a.id, w), 200, 'PointsAppeal'), a)
    for (const w of [elder, resident, outResident, grid, steward, doctor, inspector, outsider, zeroCommittee])
      checkError(await P.appealOf(a.id, w), 404, 'not_found')
    checkError(await P.appealOf(99999999, admin), 404, 'not_found')
    checkError(await P.appealOf('abc', admin), 404, 'not_found')
    checkError(await P.appealOf(a.id, null), 401, 'unauthenticated')
  })

  scenario('the lists: one\'s own newest first; a community\'s queue for staff over it, by status; paged; 404 and 422', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const a1 = await P.appealed({ posting_id: (await deducted(person.id)).posting_id }, who)
    const a2 = await P.appealed({ posting_id: (await deducted(person.id)).posting_id }, who)
    const a3 = await P.appealed({ proposal_id: (await P.rejected(heroic(person.id), community, committee)).id }, who)
    const up = await P.decided(a2.id, 'uphold', committee2)
    const list = async (w, query = {}) => check(await P.appeals({ limit: 200, ...query }, w), 200, 'PointsAppealList')
    const ids = (l) => l.items.map((x) => x.id)
    const mine = [a3.id, a2.id, a1.id]
    // The person's own, newest first, as they are now.
    const own = await list(who)
    assert.deepEqual(own, { items: [a3, up, a1], next_before: null })
    assert.deepEqual(ids(check(await P.appeals({}, who), 200, 'PointsAppealList')), mine) // the default limit
    assert.deepEqual(ids(await list(who, { status: 'upheld' })), [a2.id])
    assert.deepEqual(ids(await list(who, { status: 'pending' })), [a3.id, a1.id])
    assert.deepEqual(ids(await list(who, { status: 'overturned' })), [])
    // Other residents see none of them; an account linked to no person gets an empty list.
    for (const w of [elder, resident, outResident]) {
      const seen = ids(await list(w))
      assert.ok(mine.every((id) => !seen.includes(id)), `listed for another person: ${seen}`)
    }
    for (const w of [community, committee, admin, inspector]) assert.deepEqual(await list(w), { items: [], next_before: null })
    // The community's queue: staff over 康城社区 itself.
    for (const w of [community, committee, committee2, street, admin]) {
      const q = await list(w, { community_id: kangcheng.id })
      for (const id of mine) assert.ok(ids(q).includes(id), `appeal ${id} is not in the queue`)
      assert.ok(q.items.every((x) => x.community_id === kangcheng.id))
      assert.deepEqual(ids(q), [...ids(q)].sort((x, y) => y - x), 'not newest first')
    }
    const pending = await list(committee, { community_id: kangcheng.id, status: 'pending' })
    assert.ok(pending.items.every((x) => x.status === 'pending'))
    assert.ok(ids(pending).includes(a1.id) && ids(pending).includes(a3.id) && !ids(pending).includes(a2.id))
    const upheld = await list(committee, { community_id: kangcheng.id, status: 'upheld' })
    assert.ok(upheld.items.every((x) => x.status === 'upheld') && ids(upheld).includes(a2.id))
    assert.ok((await list(committee, { community_id: kangcheng.id, status: 'overturned' })).items.every((x) => x.status === 'overturned'))
    // Not staff over the community (below it, elsewhere, residents), or no such community: 404 (field community_id).
    for (const w of [grid, steward, elder, resident, who, doctor, inspector, outsider, zeroCommittee])
      checkError(await P.appeals({ community_id: kangcheng.id }, w), 404, 'not_found', { field: 'community_id' })
    for (const id of [99999999, gridNode.id, compound.id, streetA.id])
      checkError(await P.appeals({ community_id: id }, admin), 404, 'not_found', { field: 'community_id' })
    check(await P.appeals({ community_id: zero.id }, zeroCommittee), 200, 'PointsAppealList')
    // 422 naming the parameter; 401 without a session.
    const bad = async (query, field, w = admin) => checkError(await P.appeals(query, w), 422, 'invalid_input', { field })
    await bad({ status: 'open' }, 'status')
    await bad({ status: 'open' }, 'status', who)
    await bad({ status: 'open', community_id: kangcheng.id }, 'status')
    await bad({ limit: 0 }, 'limit')
    await bad({ limit: 201 }, 'limit')
    await bad({ limit: 'x' }, 'limit')
    await bad({ before: 'x' }, 'before')
    await bad({ community_id: 'x' }, 'community_id')
    checkError(await P.appeals({}, null), 401, 'unauthenticated')
    check(await P.appeals({ limit: 1 }, who), 200)
    check(await P.appeals({ limit: 200 }, who), 200)
    // Paged one at a time: the same three.
    const paged = []
    let before = 0
    for (let pages = 0; pages < 10; pages++) {
      const page = check(await P.appeals({ limit: 1, ...(before ? { before } : {}) }, who), 200, 'PointsAppealList')
      paged.push(...ids(page))
      if (page.next_before === null) break
      assert.equal(page.next_before, page.items.at(-1).id)
      before = page.next_before
    }
    assert.deepEqual(paged, mine)
    const two = check(await P.appeals({ limit: 2 }, who), 200, 'PointsAppealList')
    assert.deepEqual([ids(two), two.next_before], [[a3.id, a2.id], a2.id])
    assert.deepEqual(ids(check(await P.appeals({ limit: 2, before: two.next_before }, who), 200)), [a1.id])
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

  scenario('points.appealed reaches the community\'s staff; points.appeal_decided them and the appellant; an overturn publishes points.posted', async () => {
    const { person, who } = await P.resident(building1, building1.path)
    const d = await deducted(person.id)
    const streams = await Promise.all([committee2, community, who, elder].map((w) => srv.events({ token: w.token })))
    const [cs, staff, ps, other] = streams
    try {
      for (const s of streams) assert.equal(s.reply.status, 200, `${s.reply}`)
      const a = await P.appealed({ posting_id: d.posting_id }, who)
      const pendingPayload = { appeal_id: a.id, community_id: kangcheng.id, status: 'pending', result_posting_id: null }
      for (const s of [cs, staff]) {
        const e = frame(await s.nextEvent('points.appealed', (x) => x.payload?.appeal_id === a.id))
        assert.deepEqual([e.subject, e.scope, e.payload], [`points_appeal:${a.id}`, kangcheng.path, pendingPayload])
      }
      const done = await P.decided(a.id, 'overturn', committee2)
      const decidedPayload = { appeal_id: a.id, community_id: kangcheng.id, status: 'overturned', result_posting_id: done.result_posting_id }
      for (const s of [cs, staff, ps]) {
        const e = frame(await s.nextEvent('points.appeal_decided', (x) => x.payload?.appeal_id === a.id))
        assert.deepEqual([e.subject, e.scope, e.payload], [`points_appeal:${a.id}`, kangcheng.path, decidedPayload])
      }
      // The remedy is posted as a correction is: to the community's path and to the person's account.
      for (const s of [cs, ps]) {
        const e = frame(await s.nextEvent('points.posted', (x) => x.payload?.posting_id === done.result_posting_id))
        assert.deepEqual(e.payload, { posting_id: done.result_posting_id, kind: 'correction', subject: 'person', subject_id: person.id, points: 4 })
      }
      // The appellant received only the copy addressed to them; another resident nothing of it.
      assert.ok(!ps.events.some((e) => e.event === 'points.appealed'), 'a resident received a scoped event')
      assert.equal(ps.events.filter((e) => e.event === 'points.appeal_decided').length, 1)
      assert.ok(!other.events.some((e) => e.event.startsWith('points.appeal')), 'another resident received an appeal\'s event')
      // An upheld appeal: points.appeal_decided without a posting.
      const u = await P.appealed({ posting_id: (await deducted(person.id)).posting_id }, who)
      await P.decided(u.id, 'uphold', committee2)
      const e = frame(await ps.nextEvent('points.appeal_decided', (x) => x.payload?.appeal_id === u.id))
      assert.deepEqual(e.payload, { appeal_id: u.id, community_id: kangcheng.id, status: 'upheld', result_posting_id: null })
    } finally {
      for (const s of streams) s.close?.()
    }
  })
})

// ---------------------------------------------------------------------------------------
// A window of two days: points.appeal_days = 2 on a server of its own.

const srv2 = await startServer({ config: { points: { appeal_days: 2 } } })

describe('points.appeal_days = 2', () => {
  test('a posting 1.5 days old is appealed, one 2.5 days old is not (409); a rejection likewise', async () => {
    const admin2 = await srv2.loginAs('admin')
    const [staff2, member2] = await Promise.all(['community', 'committee'].map((l) => srv2.loginAs(l)))
    const Q = new Points(srv2, admin2)
    const b1 = check(await srv2.get(`/api/nodes/${lastId(srv2.account('steward').scope)}`, { token: admin2.token }), 200)
    await Q.granted(lastId(srv2.account('community').scope), 1000)
    const { person, who } = await Q.resident(b1, b1.path)
    const inTime = await Q.posted({ item: 'deduct.littering', person_id: person.id }, staff2, member2)
    const late = await Q.posted({ item: 'deduct.night_noise', person_id: person.id }, staff2, member2)
    await moveBack(srv2, 'points_postings', 'created_at', inTime.posting_id, 1.5)
    await moveBack(srv2, 'points_postings', 'created_at', late.posting_id, 2.5)
    await Q.appealed({ posting_id: inTime.posting_id }, who)
    const e = checkError(await Q.appeal({ key: Q.fresh('a-'), posting_id: late.posting_id, reason: '过期申诉' }, who), 409, 'conflict')
    assert.match(e.message, /appeals are made within 2 days/)
    const r1 = await Q.rejected(heroic(person.id), staff2, member2)
    const r2 = await Q.rejected(heroic(person.id), staff2, member2)
    await moveBack(srv2, 'points_proposals', 'decided_at', r1.id, 1)
    await moveBack(srv2, 'points_proposals', 'decided_at', r2.id, 2.5)
    await Q.appealed({ proposal_id: r1.id }, who)
    assert.match(checkError(await Q.appeal({ key: Q.fresh('a-'), proposal_id: r2.id, reason: '过期申诉' }, who), 409, 'conflict').message,
      /appeals are made within 2 days/)
    await assertAudited(srv2)
  })
})

endsCleanly(srv, srv2)
