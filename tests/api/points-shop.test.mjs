// Points (积分), issue 6, from outside (docs/reference/points.md), the second half: the service
// tiers by virtue points; the points shop (积分超市) — goods kept by community staff, redeemed
// by residents in the documented order of precedence (idempotency keys, replays), the code
// only its person sees, hand-over at the station, cancellation, a redemption closing exactly
// once, and redemptions at once through HTTP; proposals and committee votes in bulk; the
// shop's live events. After every scenario `mashang points audit` recomputes the ledger from
// its transfers on the server's database and must find nothing wrong.
//
// The demo (as in points.test.mjs): 滨河街道 → 康城社区 (the `community` staff, the
// `committee` member) → 第一网格 (the `grid` worker) → 康城小区 → 1号楼 (the `steward`; the
// `elder` and the `resident` are linked to persons there). The residents who shop are made
// here, each new, in households of 1号楼, and given spendable points by a posted award of a
// catalogue item made here for the amount. Where a scenario needs a shop of its own (exact
// lists, a budget of an exact size), it makes a community under 滨河街道 with a grid, a
// compound, a building, a community staff member, a committee member and a grid worker.
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
const building1 = await asAdmin(`/api/nodes/${lastId(srv.account('steward').scope)}`)
const streetA = await asAdmin(`/api/nodes/${kangcheng.parent_id}`)
assert.equal(kangcheng.name, '康城社区')
const ningxin = (await children(streetA)).find((n) => n.name === '宁馨社区')
assert.ok(ningxin, 'the demo has no 宁馨社区')
const ningxinGrid = (await children(ningxin)).find((n) => n.kind === 'grid')
assert.ok(ningxinGrid, '宁馨社区 has no grid')

// 宁馨社区: its grid worker, its community staff, a resident there with points, goods of its shop.
const outsider = await P.account([{ role: 'grid_worker', scope: ningxinGrid.path }], 'points.outsider')
const ningxinStaff = await P.account([{ role: 'community_staff', scope: ningxin.path }], 'points.ningxinstaff')
const ningxinCommittee = await P.account([{ role: 'committee_member', scope: ningxin.path }], 'points.ningxincommittee')
const outBuilding = await P.node(await P.node(ningxinGrid, 'compound'), 'building')

// The committees give: 康城社区 and 宁馨社区 get budgets.
await P.granted(kangcheng.id, 1000000)
await P.granted(ningxin.id, 100000)

const elderPerson = check(await srv.get('/api/points/me', { token: elder.token }), 200, 'PointsAccounts').person_id

/** A test that ends with the ledger's audit (exit 0, no discrepancy). */
const scenario = (name, fn, opts = {}) =>
  test(name, opts, async (t) => {
    await fn(t)
    await assertAudited(srv)
  })

/** A new resident of 1号楼 linked to a new person, with `points` spendable (and virtue) points: { person, who }. */
async function shopper(points = 0) {
  const r = await P.resident(building1, building1.path)
  if (points) await P.fund(r.person.id, points, community, committee)
  return r
}

/** New goods of 康城社区's shop, added by its community staff. */
const goodsIn = (json = {}) => P.addedGoods({ community_id: kangcheng.id, ...json }, community)

/** New goods of 宁馨社区's shop, added by its community staff. */
const goodsOut = (json = {}) => P.addedGoods({ community_id: ningxin.id, ...json }, ningxinStaff)

/**
 * A shop of its own: a new community under 滨河街道 with a grid, a compound and a building, its
 * community staff, committee member and grid worker, and a budget of `budget`; `shopper(points)`
 * makes a resident of its building with points.
 */
async function world(budget = 100000) {
  const c = await P.node(streetA, 'community')
  const g = await P.node(c, 'grid')
  const building = await P.node(await P.node(g, 'compound'), 'building')
  const staff = await P.account([{ role: 'community_staff', scope: c.path }], 'points.shopstaff')
  const members = await P.account([{ role: 'committee_member', scope: c.path }], 'points.shopcommittee')
  const gridWorker = await P.account([{ role: 'grid_worker', scope: g.path }], 'points.shopgrid')
  if (budget) await P.granted(c.id, budget)
  return {
    community: c,
    building,
    staff,
    committee: members,
    gridWorker,
    async shopper(points = 0) {
      const r = await P.resident(building, building.path)
      if (points) await P.fund(r.person.id, points, staff, members)
      return r
    },
  }
}

/** The goods as a staff member over their community lists them. */
async function goodsNow(g, who = admin) {
  const found = check(await P.goods(who, g.community_id), 200, 'PointsGoodsList').items.find((x) => x.id === g.id)
  assert.ok(found, `goods ${g.id} are not listed`)
  return found
}

/** A redemption as its person sees it in their own list. */
async function ownRedemption(id, who) {
  const found = check(await P.redemptions({ limit: 200 }, who), 200, 'PointsRedemptionList').items.find((r) => r.id === id)
  assert.ok(found, `redemption ${id} is not in its person's list`)
  return found
}

const spendable = async (personId) => (await P.balances(personId)).spendable

// ---------------------------------------------------------------------------------------

describe('service tiers', () => {
  const TIERS = [
    { code: 'standard', name_zh: '普通', name_en: 'Standard', min_virtue: null, booking_days_ahead: 3, enrolment_priority: 0 },
    { code: 'silver', name_zh: '银星', name_en: 'Silver star', min_virtue: 100, booking_days_ahead: 5, enrolment_priority: 1 },
    { code: 'gold', name_zh: '金星', name_en: 'Gold star', min_virtue: 300, booking_days_ahead: 7, enrolment_priority: 2 },
  ]

  scenario('anyone reads the three tiers, lowest first (no session needed)', async () => {
    assert.deepEqual(check(await P.tiers(), 200, 'PointsTierList'), { items: TIERS })
    for (const who of [elder, community, admin]) assert.deepEqual(check(await P.tiers(who), 200, 'PointsTierList'), { items: TIERS })
  })

  scenario('GET /api/points/me carries the tier: standard below 100 virtue points, silver from 100, gold from 300', async () => {
    const { person, who } = await shopper()
    const mine = async () => check(await srv.get('/api/points/me', { token: who.token }), 200, 'PointsAccounts')
    const person_ = async (w) => check(await srv.get(`/api/points/persons/${person.id}`, { token: w.token }), 200, 'PointsAccounts')
    assert.deepEqual((await mine()).tier, TIERS[0])
    await P.fund(person.id, 99, community, committee)
    assert.deepEqual([(await mine()).tier.code, (await P.mine(who)).virtue], ['standard', 99])
    await P.fund(person.id, 1, community, committee)
    assert.deepEqual((await mine()).tier, TIERS[1])
    assert.deepEqual((await person_(community)).tier, TIERS[1])
    await P.fund(person.id, 200, community, committee)
    assert.deepEqual((await mine()).tier, TIERS[2])
    assert.deepEqual((await person_(committee)).tier, TIERS[2])
    // A deduction lowers the virtue points and the tier with them.
    await P.posted({ item: 'deduct.littering', person_id: person.id }, grid, committee)
    assert.deepEqual([(await mine()).tier.code, (await P.mine(who)).virtue], ['silver', 298])
    // Spending spendable points in the shop does not: the tier follows virtue points.
    const g = await goodsIn({ price: 250, stock: 1 })
    await P.redeemed({ goods_id: g.id }, who)
    assert.deepEqual(await P.mine(who), { virtue: 298, spendable: 50 })
    assert.equal((await mine()).tier.code, 'silver')
  })
})

// ---------------------------------------------------------------------------------------

describe('goods', () => {
  scenario('community staff add goods (201), street staff and district admins too; no description and stock 0 by default', async () => {
    const w = await world(0)
    const t0 = Date.now()
    const json = { community_id: w.community.id, name: '洗衣液 2kg', description: '社区积分超市兑换\n每户限兑两件', price: 30, stock: 50 }
    const g = await P.addedGoods(json, w.staff)
    const { id, created_at, updated_at, ...rest } = g
    assert.deepEqual(rest, { ...json, active: true })
    assert.ok(id > 0 && created_at === updated_at && created_at >= t0 - 5000 && created_at <= Date.now() + 5000, JSON.stringify(g))
    const s = check(await P.addGoods({ community_id: w.community.id, name: '抽纸', price: 5 }, street), 201, 'PointsGoods')
    assert.deepEqual([s.description, s.stock, s.active, s.community_id], ['', 0, true, w.community.id])
    const a = await P.addedGoods({ community_id: w.community.id, name: '大米 5kg', price: 60, stock: 1000000 }, admin)
    // Staff over the community list all three, by id.
    for (const who of [w.staff, w.committee, street, admin])
      assert.deepEqual(check(await P.goods(who, w.community.id), 200, 'PointsGoodsList').items, [g, s, a])
  })

  scenario('changing goods: what is left out stays; restock adds, a negative one takes off; below zero 409 (field restock), nothing changed', async () => {
    const g = await goodsIn({ name: '香皂', price: 10, stock: 5 })
    const up = check(await P.changeGoods(g.id, { restock: 3 }, community), 200, 'PointsGoods')
    assert.deepEqual({ ...up, updated_at: 0 }, { ...g, stock: 8, updated_at: 0 })
    assert.ok(up.updated_at >= g.updated_at)
    assert.equal(check(await P.changeGoods(g.id, { restock: -8 }, community), 200, 'PointsGoods').stock, 0)
    // Below zero: 409, and the name sent with it is not written either.
    checkError(await P.changeGoods(g.id, { restock: -1, name: '不该写入' }, community), 409, 'conflict', { field: 'restock' })
    assert.deepEqual([(await goodsNow(g)).name, (await goodsNow(g)).stock], ['香皂', 0])
    // Name, description and price; the stock stays.
    const changed = check(await P.changeGoods(g.id, { name: '香皂（大）', description: '新包装', price: 12 }, street), 200, 'PointsGoods')
    assert.deepEqual([changed.name, changed.description, changed.price, changed.stock, changed.active], ['香皂（大）', '新包装', 12, 0, true])
    // Nothing to change: the goods as they are.
    assert.deepEqual({ ...check(await P.changeGoods(g.id, {}, admin), 200, 'PointsGoods'), updated_at: 0 }, { ...changed, updated_at: 0 })
    // A restock adds to what redemptions left: 5 in, 2 redeemed, 2 more → 5 (not 7).
    check(await P.changeGoods(g.id, { restock: 5 }, community), 200)
    const { who } = await shopper(100)
    await P.redeemed({ goods_id: g.id, quantity: 2 }, who)
    assert.equal((await goodsNow(g)).stock, 3)
    assert.equal(check(await P.changeGoods(g.id, { restock: 2 }, community), 200, 'PointsGoods').stock, 5)
  })

  scenario('active false takes goods off the residents\' list and refuses redemptions (422); true offers them again', async () => {
    const w = await world()
    const { who } = await w.shopper(100)
    const a = await P.addedGoods({ community_id: w.community.id, price: 10, stock: 5 }, w.staff)
    const b = await P.addedGoods({ community_id: w.community.id, price: 10, stock: 5 }, w.staff)
    assert.deepEqual(check(await P.goods(who), 200, 'PointsGoodsList').items, [a, b])
    const off = check(await P.changeGoods(b.id, { active: false }, w.staff), 200, 'PointsGoods')
    assert.equal(off.active, false)
    // Residents: without community_id, and with their own.
    assert.deepEqual(check(await P.goods(who), 200, 'PointsGoodsList').items, [a])
    assert.deepEqual(check(await P.goods(who, w.community.id), 200, 'PointsGoodsList').items, [a])
    // Staff over the community: both.
    assert.deepEqual(check(await P.goods(w.staff, w.community.id), 200, 'PointsGoodsList').items, [a, off])
    checkError(await P.redeem({ key: P.fresh('off-'), goods_id: b.id }, who), 422, 'invalid_input', { field: 'goods_id' })
    const on = check(await P.changeGoods(b.id, { active: true }, w.staff), 200, 'PointsGoods')
    assert.deepEqual(check(await P.goods(who), 200, 'PointsGoodsList').items, [a, on])
    await P.redeemed({ goods_id: b.id }, who)
  })

  scenario('who keeps a shop: community and street staff over it and district admins; other staff over it 403; the rest 404', async () => {
    const w = await world(0)
    const g = await P.addedGoods({ community_id: w.community.id, price: 10, stock: 5 }, w.staff)
    const json = () => ({ community_id: w.community.id, name: P.fresh('权限商品'), price: 1 })
    // The committee member is staff over the community but does not keep its shop.
    checkError(await P.addGoods(json(), w.committee), 403, 'forbidden')
    checkError(await P.changeGoods(g.id, { restock: 1 }, w.committee), 403, 'forbidden')
    // A grid worker over only a grid of it, staff of other communities, residents, other roles: 404.
    const { who } = await w.shopper()
    for (const x of [w.gridWorker, community, committee, grid, steward, outsider, ningxinStaff, elder, who, resident, inspector, doctor]) {
      checkError(await P.addGoods(json(), x), 404, 'not_found', { field: 'community_id' })
      checkError(await P.changeGoods(g.id, { restock: 1 }, x), 404, 'not_found')
    }
    checkError(await P.addGoods(json(), null), 401, 'unauthenticated')
    checkError(await P.changeGoods(g.id, { restock: 1 }, null), 401, 'unauthenticated')
    assert.deepEqual(await goodsNow(g), g)
    // What is no community's shop, or no goods: 404.
    for (const id of [99999999, building1.id, ningxinGrid.id, streetA.id])
      checkError(await P.addGoods({ ...json(), community_id: id }, admin), 404, 'not_found', { field: 'community_id' })
    for (const id of [99999999, 'abc', 0, -1]) checkError(await P.changeGoods(id, { restock: 1 }, admin), 404, 'not_found')
    // Those who may: the community staff, the street staff over it, a district admin.
    for (const x of [w.staff, street, admin]) {
      check(await P.addGoods(json(), x), 201, 'PointsGoods')
      check(await P.changeGoods(g.id, { restock: 1 }, x), 200, 'PointsGoods')
    }
    assert.equal((await goodsNow(g)).stock, 8)
  })

  scenario('goods: 422 naming the field at fault, before who may; a body that is not JSON 400, not JSON at all 415', async () => {
    const ok = { community_id: kangcheng.id, name: '校验商品', description: '说明', price: 10, stock: 3 }
    const bad = async (json, field, who = community) => checkError(await P.addGoods(json, who), 422, 'invalid_input', { field })
    await bad({ ...ok, community_id: undefined }, 'community_id')
    await bad({ ...ok, community_id: 'x' }, 'community_id')
    await bad({ ...ok, community_id: 1.5 }, 'community_id')
    for (const name of [undefined, '', '两行\n名称', 'x'.repeat(129), '长'.repeat(43), 7]) await bad({ ...ok, name }, 'name')
    for (const description of ['x'.repeat(2001), 7, 'a\u0000b']) await bad({ ...ok, description }, 'description')
    for (const price of [undefined, 0, -1, 1000001, '5', 1.5]) await bad({ ...ok, price }, 'price')
    for (const stock of [-1, 1000001, 'x', 2.5]) await bad({ ...ok, stock }, 'stock')
    // Before who may: the grid worker (404 otherwise) and the committee member (403 otherwise).
    await bad({ ...ok, name: '' }, 'name', grid)
    await bad({ ...ok, price: 0 }, 'price', committee)
    // The limits themselves are fine.
    const edge = check(await P.addGoods({ ...ok, name: 'x'.repeat(128), description: '说'.repeat(666), price: 1000000, stock: 1000000 }, community), 201, 'PointsGoods')
    check(await P.addGoods({ ...ok, name: '最便宜', description: undefined, price: 1, stock: 0 }, community), 201, 'PointsGoods')
    // Changes.
    const badChange = async (json, field, who = community) => checkError(await P.changeGoods(edge.id, json, who), 422, 'invalid_input', { field })
    for (const name of ['', 'a\nb', 'x'.repeat(129), 7]) await badChange({ name }, 'name')
    for (const description of ['x'.repeat(2001), 7]) await badChange({ description }, 'description')
    for (const price of [0, 1000001, 'x']) await badChange({ price }, 'price')
    for (const restock of [1000001, -1000001, 'x', 1.5]) await badChange({ restock }, 'restock')
    for (const active of ['yes', 1, 0]) await badChange({ active }, 'active')
    await badChange({ price: 0 }, 'price', grid)
    // The body is checked before the goods are looked up (an id that names none).
    checkError(await P.changeGoods(99999999, { price: 0 }, community), 422, 'invalid_input', { field: 'price' })
    assert.deepEqual(await goodsNow(edge), edge)
    // Not JSON.
    const raw = (method, path, body, type) => srv.request(method, path, { token: community.token, body, headers: { 'Content-Type': type } })
    checkError(await raw('POST', '/api/points/goods', '{"name":', 'application/json'), 400, 'bad_request')
    checkError(await raw('POST', '/api/points/goods', 'name=x', 'text/plain'), 415, 'unsupported_media_type')
    checkError(await raw('PATCH', `/api/points/goods/${edge.id}`, '{"name":', 'application/json'), 400, 'bad_request')
    checkError(await P.addGoods([], community), 422, 'invalid_input')
  })

  scenario('residents list their own community\'s active goods, community_id optional; another community 404; no person and no community_id 422', async () => {
    const w = await world(0)
    const { who } = await w.shopper()
    const a = await P.addedGoods({ community_id: w.community.id, price: 10, stock: 5 }, w.staff)
    const off = check(await P.changeGoods((await P.addedGoods({ community_id: w.community.id, price: 10 }, w.staff)).id, { active: false }, w.staff), 200)
    assert.deepEqual(check(await P.goods(who), 200, 'PointsGoodsList').items, [a])
    assert.deepEqual(check(await P.goods(who, w.community.id), 200, 'PointsGoodsList').items, [a])
    assert.deepEqual(check(await P.goods(w.staff, w.community.id), 200, 'PointsGoodsList').items, [a, off])
    // The elder's own community (康城社区) has goods of its own; not these.
    const elderSees = check(await P.goods(elder), 200, 'PointsGoodsList').items
    assert.ok(elderSees.every((g) => g.community_id === kangcheng.id && g.active), JSON.stringify(elderSees))
    // Another community: 404 (field community_id), for residents and for staff not over it.
    for (const [x, id] of [[who, kangcheng.id], [elder, w.community.id], [community, w.community.id], [grid, kangcheng.id], [w.gridWorker, w.community.id],
      [outsider, ningxin.id], [admin, 99999999], [admin, building1.id]])
      checkError(await P.goods(x, id), 404, 'not_found', { field: 'community_id' })
    // No community_id from an account linked to no person: 422.
    for (const x of [community, admin, w.staff]) checkError(await P.goods(x), 422, 'invalid_input', { field: 'community_id' })
    checkError(await srv.get('/api/points/goods?community_id=x', { token: admin.token }), 422, 'invalid_input', { field: 'community_id' })
    checkError(await P.goods(null), 401, 'unauthenticated')
  })
})

// ---------------------------------------------------------------------------------------

describe('redeeming: the order of precedence', () => {
  // Each request fails the step named and, where it can, every later one too.

  scenario('1. no session: 401, whatever the body', async () => {
    checkError(await P.redeem({}, null), 401, 'unauthenticated')
    checkError(await srv.request('POST', '/api/points/redemptions', { body: '{"key":', headers: { 'Content-Type': 'application/json' } }), 401, 'unauthenticated')
  })

  scenario('2. the body: not JSON 400; key missing or malformed, then goods_id, then quantity (422, naming the field)', async () => {
    const { person, who } = await shopper(100)
    const g = await goodsIn({ price: 10, stock: 5 })
    checkError(await srv.request('POST', '/api/points/redemptions', { token: who.token, body: '{"key":', headers: { 'Content-Type': 'application/json' } }),
      400, 'bad_request')
    checkError(await P.redeem([], who), 422, 'invalid_input')
    // key missing (or not a string) with goods_id and quantity broken too.
    for (const key of [undefined, '', 7, 'k'.repeat(300)])
      checkError(await P.redeem({ key, quantity: 0 }, who), 422, 'invalid_input', { field: 'key' })
    // A malformed key with everything else right.
    for (const key of ['has space', 'k'.repeat(65), 'ключ', 'a/b', '#proposal:1'])
      checkError(await P.redeem({ key, goods_id: g.id, quantity: 1 }, who), 422, 'invalid_input', { field: 'key' })
    // goods_id missing or not an integer, with quantity broken too.
    for (const goods_id of [undefined, 'x', 1.5, String(g.id)])
      checkError(await P.redeem({ key: P.fresh('r-'), goods_id, quantity: 0 }, who), 422, 'invalid_input', { field: 'goods_id' })
    // quantity not a whole number of 1 to 100.
    for (const quantity of [0, -1, 101, '2', 1.5])
      checkError(await P.redeem({ key: P.fresh('r-'), goods_id: g.id, quantity }, who), 422, 'invalid_input', { field: 'quantity' })
    // Nothing was redeemed.
    assert.equal((await goodsNow(g)).stock, 5)
    assert.equal(await spendable(person.id), 100)
    // 64 characters of every allowed kind are a key; quantity left out (or null) is 1.
    const key = `Aa0-_.:${'k'.repeat(57)}`
    const r = await P.redeemed({ key, goods_id: g.id }, who)
    assert.deepEqual([r.key, r.quantity], [key, 1])
    assert.equal((await P.redeemed({ goods_id: g.id, quantity: null }, who)).quantity, 1)
  })

  scenario('2. a malformed key comes before goods_id and quantity (422, field key)', async () => {
    const { who } = await shopper(100)
    for (const key of ['has space', 'k'.repeat(65), '#refund:1'])
      checkError(await P.redeem({ key, quantity: 0 }, who), 422, 'invalid_input', { field: 'key' })
  })

  scenario('3. replay: the same key and content answers the redemption as it is now (200); other content, or another caller, 409 (field key)', async () => {
    const { person, who } = await shopper(100)
    const g = await goodsIn({ price: 10, stock: 5 })
    const other = await goodsIn({ price: 10, stock: 10 })
    const json = { key: P.fresh('replay-'), goods_id: g.id, quantity: 2 }
    const res = await P.redeem(json, who)
    const first = check(res, 201, 'PointsRedemption')
    const again = await P.redeem(json, who)
    assert.deepEqual(check(again, 200, 'PointsRedemption'), first)
    assert.equal((await goodsNow(g)).stock, 3, 'the replay took the stock again')
    assert.equal(await spendable(person.id), 80, 'the replay took the points again')
    // Other content: another quantity (1, or left out), other goods, goods that do not exist (a later check).
    for (const more of [{ quantity: 1 }, { quantity: undefined }, { goods_id: other.id }, { goods_id: 99999999 }])
      checkError(await P.redeem({ ...json, ...more }, who), 409, 'conflict', { field: 'key' })
    // The same content from another caller: another resident, and staff linked to no person (403 otherwise).
    const { who: someoneElse } = await shopper(100)
    checkError(await P.redeem(json, someoneElse), 409, 'conflict', { field: 'key' })
    checkError(await P.redeem(json, community), 409, 'conflict', { field: 'key' })
    // A replay is answered before every later check: goods taken off, out of stock, no points left.
    check(await P.changeGoods(g.id, { active: false, restock: -3 }, community), 200)
    await P.redeemed({ goods_id: other.id, quantity: 8 }, who)
    assert.equal(await spendable(person.id), 0)
    assert.deepEqual(check(await P.redeem(json, who), 200, 'PointsRedemption'), first)
    // Handed over since: the replay answers it as it is now, with its code.
    const handed = check(await P.handover(first.code, community), 200, 'PointsRedemption')
    const later = check(await P.redeem(json, who), 200, 'PointsRedemption')
    assert.deepEqual(later, { ...handed, code: first.code })
    assert.equal(later.status, 'handed_over')
    // Nothing was taken twice.
    assert.deepEqual([(await goodsNow(g)).stock, await spendable(person.id)], [0, 0])
    assert.equal((await ownRedemption(first.id, who)).status, 'handed_over')
  })

  scenario('4. an account linked to no person: 403, before the goods are looked up', async () => {
    const g = await goodsIn({ price: 1, stock: 5 })
    for (const who of [community, committee, admin, inspector])
      for (const goods_id of [g.id, 99999999])
        checkError(await P.redeem({ key: P.fresh('r-'), goods_id }, who), 403, 'forbidden')
    assert.equal((await goodsNow(g)).stock, 5)
  })

  scenario('5. no such goods in the caller\'s community\'s shop: 404 (field goods_id), before whether they are offered, in stock or affordable', async () => {
    const { who } = await shopper(0)
    const there = await goodsOut({ price: 10, stock: 0 })
    check(await P.changeGoods(there.id, { active: false }, ningxinStaff), 200)
    for (const goods_id of [there.id, 99999999, -1])
      checkError(await P.redeem({ key: P.fresh('r-'), goods_id }, who), 404, 'not_found', { field: 'goods_id' })
    // A resident of 宁馨社区 redeems there, not in 康城社区's shop.
    const out = await P.resident(outBuilding, outBuilding.path)
    await P.fund(out.person.id, 50, ningxinStaff, ningxinCommittee)
    const here = await goodsIn({ price: 10, stock: 5 })
    checkError(await P.redeem({ key: P.fresh('r-'), goods_id: here.id }, out.who), 404, 'not_found', { field: 'goods_id' })
    const theirs = await goodsOut({ price: 10, stock: 5 })
    assert.equal((await P.redeemed({ goods_id: theirs.id }, out.who)).community_id, ningxin.id)
  })

  scenario('6. goods no longer offered: 422 (field goods_id), before the stock and the points', async () => {
    const { who } = await shopper(0)
    const g = await goodsIn({ price: 10, stock: 0 })
    check(await P.changeGoods(g.id, { active: false }, community), 200)
    checkError(await P.redeem({ key: P.fresh('r-'), goods_id: g.id, quantity: 5 }, who), 422, 'invalid_input', { field: 'goods_id' })
  })

  scenario('7. out of stock: 409, before the points; nothing taken', async () => {
    const { person, who } = await shopper(0)
    const g = await goodsIn({ price: 10, stock: 1 })
    const e = checkError(await P.redeem({ key: P.fresh('r-'), goods_id: g.id, quantity: 2 }, who), 409, 'conflict')
    assert.match(e.message, /stock/)
    // With points enough: the same.
    const rich = await shopper(100)
    assert.match(checkError(await P.redeem({ key: P.fresh('r-'), goods_id: g.id, quantity: 2 }, rich.who), 409, 'conflict').message, /stock/)
    assert.deepEqual([(await goodsNow(g)).stock, await spendable(person.id), await spendable(rich.person.id)], [1, 0, 100])
    // The last piece.
    await P.redeemed({ goods_id: g.id }, rich.who)
    assert.match(checkError(await P.redeem({ key: P.fresh('r-'), goods_id: g.id }, rich.who), 409, 'conflict').message, /stock/)
  })

  scenario('8. not enough spendable points: 409; nothing taken (stock, points); virtue points are not spent', async () => {
    const { person, who } = await shopper(25)
    const g = await goodsIn({ price: 10, stock: 5 })
    const e = checkError(await P.redeem({ key: P.fresh('r-'), goods_id: g.id, quantity: 3 }, who), 409, 'conflict')
    assert.match(e.message, /points/)
    assert.deepEqual([(await goodsNow(g)).stock, await spendable(person.id)], [5, 25])
    await P.redeemed({ goods_id: g.id, quantity: 2 }, who)
    assert.deepEqual(await P.balances(person.id), { virtue: 25, spendable: 5 })
    assert.equal((await goodsNow(g)).stock, 3)
    checkError(await P.redeem({ key: P.fresh('r-'), goods_id: g.id }, who), 409, 'conflict')
  })

  scenario('redeemed: 201; the stock taken and price × quantity spendable points held; the code for the person', async () => {
    const { person, who } = await shopper(100)
    const g = await goodsIn({ name: '保温杯', price: 15, stock: 10 })
    const t0 = Date.now()
    const key = P.fresh('redeem-')
    const r = await P.redeemed({ key, goods_id: g.id, quantity: 3 }, who)
    const { id, code, created_at, expires_at, ...rest } = r
    assert.deepEqual(rest, {
      key, goods: { id: g.id, name: '保温杯', price: 15 }, person_id: person.id, community_id: kangcheng.id, quantity: 3, points: 45,
      status: 'held', closed_at: null,
    })
    assert.match(code, /^[A-Za-z0-9_-]{16}$/)
    assert.ok(created_at >= t0 - 5000 && created_at <= Date.now() + 5000, `created_at ${created_at}`)
    assert.equal(expires_at, created_at + 72 * 3600 * 1000, 'the hold is not points.hold_hours (72) long')
    assert.equal((await goodsNow(g)).stock, 7)
    assert.deepEqual(await P.balances(person.id), { virtue: 100, spendable: 55 })
    // The spendable statement: the redemption's line.
    const [line] = check(await P.statement({ account: 'spendable' }, who), 200, 'PointsStatement').lines
    assert.deepEqual([line.kind, line.amount, line.balance_after, line.item], ['redeem', -45, 55, null])
    // Two redemptions never share a code.
    const r2 = await P.redeemed({ goods_id: g.id }, who)
    assert.notEqual(r2.code, r.code)
  })
})

// ---------------------------------------------------------------------------------------

describe('redemptions: the code, the station, cancelling', () => {
  scenario('the code: a string for its person (the answer, their own list); null in the community\'s list, by code and after a hand-over', async () => {
    const { who } = await shopper(100)
    const g = await goodsIn({ price: 10, stock: 5 })
    const r = await P.redeemed({ goods_id: g.id }, who)
    const own = check(await P.redemptions({}, who), 200, 'PointsRedemptionList')
    assert.deepEqual(own, { items: [r], next_before: null })
    for (const staff of [community, committee, street, admin]) {
      const list = check(await P.redemptions({ community_id: kangcheng.id, limit: 200 }, staff), 200, 'PointsRedemptionList')
      assert.deepEqual(list.items.find((x) => x.id === r.id), { ...r, code: null })
      assert.ok(list.items.every((x) => x.code === null), 'a community list shows codes')
      // The station looks the code up.
      assert.deepEqual(check(await P.byCode(r.code, staff), 200, 'PointsRedemption'), { ...r, code: null })
    }
    // Not for the person themselves, other residents, staff below the community or elsewhere.
    for (const x of [who, elder, resident, grid, steward, outsider, ningxinStaff, inspector, doctor])
      checkError(await P.byCode(r.code, x), 404, 'not_found')
    for (const code of ['nope', `${r.code}x`, r.code.slice(1), 'x'.repeat(65)])
      checkError(await P.byCode(code, admin), 404, 'not_found')
    checkError(await P.byCode(r.code, null), 401, 'unauthenticated')
  })

  scenario('hand-over by staff over the community: 200, handed_over; a second hand-over 409; no cancelling after it', async () => {
    const { person, who } = await shopper(100)
    const g = await goodsIn({ price: 10, stock: 5 })
    const r = await P.redeemed({ goods_id: g.id, quantity: 2 }, who)
    // Those who may not: 404, before anything else.
    for (const x of [who, elder, grid, steward, outsider, ningxinStaff, inspector])
      checkError(await P.handover(r.code, x), 404, 'not_found')
    checkError(await P.handover(r.code, null), 401, 'unauthenticated')
    const t0 = Date.now()
    const handed = check(await P.handover(r.code, community), 200, 'PointsRedemption')
    const { closed_at, ...rest } = handed
    const { closed_at: open, ...held } = r
    assert.equal(open, null)
    assert.deepEqual(rest, { ...held, code: null, status: 'handed_over' })
    assert.ok(closed_at >= t0 - 5000 && closed_at <= Date.now() + 5000, `closed_at ${closed_at}`)
    // Closed exactly once.
    checkError(await P.handover(r.code, community), 409, 'conflict')
    checkError(await P.handover(r.code, admin), 409, 'conflict')
    checkError(await P.cancel(r.id, who), 409, 'conflict')
    checkError(await P.cancel(r.id, community), 409, 'conflict')
    // The points stay spent, the stock taken; the station and the person see it handed over.
    assert.deepEqual([await spendable(person.id), (await goodsNow(g)).stock], [80, 3])
    assert.equal(check(await P.byCode(r.code, committee), 200, 'PointsRedemption').status, 'handed_over')
    assert.deepEqual(await ownRedemption(r.id, who), { ...handed, code: r.code })
    // The body: code missing or not a string of at most 64 characters 422; one that names nothing 404.
    for (const body of [{}, { code: 7 }, { code: '' }, { code: 'x'.repeat(65) }])
      checkError(await srv.post('/api/points/redemptions/handover', body, { token: community.token }), 422, 'invalid_input', { field: 'code' })
    checkError(await P.handover('no-such-code', community), 404, 'not_found')
  })

  scenario('cancelled by its person: 200; the points and the stock back; a second cancel 409; no hand-over after it', async () => {
    const { person, who } = await shopper(100)
    const g = await goodsIn({ price: 10, stock: 5 })
    const r = await P.redeemed({ goods_id: g.id, quantity: 3 }, who)
    assert.deepEqual([await spendable(person.id), (await goodsNow(g)).stock], [70, 2])
    const cancelled = check(await P.cancel(r.id, who), 200, 'PointsRedemption')
    assert.deepEqual([cancelled.id, cancelled.status, cancelled.code, cancelled.points, cancelled.quantity], [r.id, 'cancelled', null, 30, 3])
    assert.ok(cancelled.closed_at > 0)
    assert.deepEqual([await spendable(person.id), (await goodsNow(g)).stock], [100, 5])
    checkError(await P.cancel(r.id, who), 409, 'conflict')
    checkError(await P.cancel(r.id, community), 409, 'conflict')
    checkError(await P.handover(r.code, community), 409, 'conflict')
    assert.deepEqual([await spendable(person.id), (await goodsNow(g)).stock], [100, 5])
    // The spendable statement: the hold and the refund.
    const lines = check(await P.statement({ account: 'spendable' }, who), 200, 'PointsStatement').lines
    assert.deepEqual(lines.map((l) => [l.kind, l.amount, l.balance_after]), [['refund', 30, 100], ['redeem', -30, 70], ['award', 100, 100]])
    assert.equal((await ownRedemption(r.id, who)).status, 'cancelled')
  })

  scenario('staff over the community cancel too; a resident cannot cancel someone else\'s (404), nor staff elsewhere', async () => {
    const { person, who } = await shopper(100)
    const other = await shopper(100)
    const g = await goodsIn({ price: 10, stock: 5 })
    const r = await P.redeemed({ goods_id: g.id }, who)
    for (const x of [other.who, elder, resident, grid, steward, outsider, ningxinStaff, inspector, doctor])
      checkError(await P.cancel(r.id, x), 404, 'not_found')
    checkError(await P.cancel(r.id, null), 401, 'unauthenticated')
    assert.equal(await spendable(person.id), 90)
    const byStaff = check(await P.cancel(r.id, committee), 200, 'PointsRedemption')
    assert.equal(byStaff.status, 'cancelled')
    assert.equal(await spendable(person.id), 100)
    for (const id of [99999999, 'abc', 0]) checkError(await P.cancel(id, admin), 404, 'not_found')
    // A street staff member and a district admin cancel too.
    for (const x of [street, admin]) {
      const held = await P.redeemed({ goods_id: g.id }, who)
      assert.equal(check(await P.cancel(held.id, x), 200, 'PointsRedemption').status, 'cancelled')
    }
    assert.deepEqual([await spendable(person.id), (await goodsNow(g)).stock], [100, 5])
  })

  scenario('lists: newest first, by status, paged; a community\'s for staff over it', async () => {
    const { who } = await shopper(100)
    const g = await goodsIn({ price: 1, stock: 10 })
    const a = await P.redeemed({ goods_id: g.id }, who)
    const b = await P.redeemed({ goods_id: g.id }, who)
    const c = await P.redeemed({ goods_id: g.id }, who)
    check(await P.cancel(b.id, who), 200)
    check(await P.handover(c.code, community), 200)
    const ids = (body) => body.items.map((r) => r.id)
    const own = check(await P.redemptions({}, who), 200, 'PointsRedemptionList')
    assert.deepEqual([ids(own), own.items.map((r) => r.status)], [[c.id, b.id, a.id], ['handed_over', 'cancelled', 'held']])
    assert.ok(own.items.every((r) => typeof r.code === 'string'))
    for (const [status, want] of [['held', [a.id]], ['cancelled', [b.id]], ['handed_over', [c.id]], ['expired', []]])
      assert.deepEqual(ids(check(await P.redemptions({ status }, who), 200, 'PointsRedemptionList')), want)
    // Paged one at a time.
    const paged = []
    let before = 0
    for (;;) {
      const page = check(await P.redemptions({ limit: 1, ...(before ? { before } : {}) }, who), 200, 'PointsRedemptionList')
      paged.push(...ids(page))
      if (page.next_before === null) break
      assert.equal(page.next_before, page.items[0].id)
      before = page.next_before
    }
    assert.deepEqual(paged, [c.id, b.id, a.id])
    // The community's: all three among others, newest first; by status.
    const theirs = ids(check(await P.redemptions({ community_id: kangcheng.id, limit: 200 }, community), 200, 'PointsRedemptionList'))
    for (const r of [a, b, c]) assert.ok(theirs.includes(r.id), `redemption ${r.id} is not in the community's list`)
    assert.deepEqual(theirs, [...theirs].sort((x, y) => y - x), 'not newest first')
    const held = check(await P.redemptions({ community_id: kangcheng.id, status: 'held', limit: 200 }, committee), 200, 'PointsRedemptionList')
    assert.ok(held.items.every((r) => r.status === 'held') && ids(held).includes(a.id))
    // Wrong queries 422; a community the caller is not staff over 404; no person and no community_id 404.
    const bad = async (query, field, x = community) => checkError(await P.redemptions(query, x), 422, 'invalid_input', { field })
    await bad({ status: 'open' }, 'status')
    await bad({ limit: 0 }, 'limit')
    await bad({ limit: 201 }, 'limit')
    await bad({ before: 'x' }, 'before')
    await bad({ community_id: 'x' }, 'community_id')
    for (const [x, id] of [[who, kangcheng.id], [grid, kangcheng.id], [steward, kangcheng.id], [community, ningxin.id], [outsider, ningxin.id], [admin, 99999999]])
      checkError(await P.redemptions({ community_id: id }, x), 404, 'not_found', { field: 'community_id' })
    for (const x of [community, admin]) checkError(await P.redemptions({}, x), 404, 'not_found')
    checkError(await P.redemptions({}, null), 401, 'unauthenticated')
    // Another resident's list does not show them.
    assert.ok(!ids(check(await P.redemptions({ limit: 200 }, elder), 200)).some((id) => [a.id, b.id, c.id].includes(id)))
  })
})

// ---------------------------------------------------------------------------------------

describe('at once', () => {
  scenario('20 residents redeem the last 5 pieces at once: exactly 5 × 201, 15 × 409; stock 0; only the 5 pay', async () => {
    const w = await world()
    const shoppers = []
    for (let i = 0; i < 20; i++) shoppers.push(await w.shopper(10))
    const g = await P.addedGoods({ community_id: w.community.id, price: 10, stock: 5 }, w.staff)
    const answers = await Promise.all(shoppers.map(({ who }) => P.redeem({ key: P.fresh('rush-'), goods_id: g.id }, who)))
    const statuses = answers.map((r) => r.status)
    assert.equal(statuses.filter((s) => s === 201).length, 5, `statuses ${statuses}`)
    assert.equal(statuses.filter((s) => s === 409).length, 15, `statuses ${statuses}`)
    for (const r of answers) if (r.status === 201) check(r, 201, 'PointsRedemption')
      else assert.match(checkError(r, 409, 'conflict').message, /stock/)
    assert.equal((await goodsNow(g)).stock, 0)
    const balances = await Promise.all(shoppers.map(({ person }) => spendable(person.id)))
    assert.deepEqual(balances.map((b, i) => [statuses[i], b]).sort(), statuses.map((s) => [s, s === 201 ? 0 : 10]).sort())
    const codes = new Set(answers.filter((r) => r.status === 201).map((r) => r.json().code))
    assert.equal(codes.size, 5)
    assert.equal(check(await P.redemptions({ community_id: w.community.id, status: 'held' }, w.staff), 200).items.length, 5)
  })

  scenario('one resident redeems with all their points at once: never below zero', async () => {
    const { person, who } = await shopper(50)
    const g = await goodsIn({ price: 10, stock: 100 })
    const answers = await Promise.all(Array.from({ length: 12 }, () => P.redeem({ key: P.fresh('spree-'), goods_id: g.id }, who)))
    const statuses = answers.map((r) => r.status)
    assert.deepEqual([statuses.filter((s) => s === 201).length, statuses.filter((s) => s === 409).length], [5, 7], `statuses ${statuses}`)
    assert.deepEqual([await spendable(person.id), (await goodsNow(g)).stock], [0, 95])
  })

  scenario('a redemption closes exactly once: hand-over and cancellation at once, one 200 and one 409 each', async () => {
    const w = await world()
    const g = await P.addedGoods({ community_id: w.community.id, price: 10, stock: 10 }, w.staff)
    const shoppers = []
    for (let i = 0; i < 5; i++) shoppers.push(await w.shopper(10))
    const held = []
    for (const s of shoppers) held.push(await P.redeemed({ goods_id: g.id }, s.who))
    const answers = await Promise.all(held.flatMap((r, i) => [P.handover(r.code, w.staff), P.cancel(r.id, shoppers[i].who), P.cancel(r.id, w.staff)]))
    let handed = 0
    for (let i = 0; i < held.length; i++) {
      const trio = answers.slice(3 * i, 3 * i + 3).map((r) => r.status)
      assert.deepEqual([...trio].sort(), [200, 409, 409], `redemption ${held[i].id}: ${trio}`)
      if (trio[0] === 200) handed++
      const now = await ownRedemption(held[i].id, shoppers[i].who)
      assert.equal(now.status, trio[0] === 200 ? 'handed_over' : 'cancelled')
      assert.equal(await spendable(shoppers[i].person.id), trio[0] === 200 ? 0 : 10)
    }
    assert.equal((await goodsNow(g)).stock, 10 - handed, 'the cancelled ones\' stock is not back')
  })

  scenario('redeeming and cancelling the same goods at once: every answer 200, 201 or 409, never 5xx', async () => {
    const w = await world()
    const g = await P.addedGoods({ community_id: w.community.id, price: 1, stock: 1000 }, w.staff)
    const shoppers = []
    for (let i = 0; i < 8; i++) shoppers.push(await w.shopper(10))
    const held = []
    for (const s of shoppers) held.push(await P.redeemed({ goods_id: g.id }, s.who))
    const answers = await Promise.all(
      shoppers.flatMap((s, i) => [P.cancel(held[i].id, s.who), P.redeem({ key: P.fresh('mixed-'), goods_id: g.id }, s.who)]),
    )
    const statuses = answers.map((r) => r.status)
    const failed = answers.filter((r) => r.status !== 200 && r.status !== 201).map((r) => `${r.method} ${r.path} → ${r.status} ${r.text}`)
    assert.deepEqual(failed, [], `statuses ${statuses}`)
    assert.equal((await goodsNow(g)).stock, 1000 - 8)
  })
})

// ---------------------------------------------------------------------------------------

describe('proposals and votes in bulk', () => {
  const HEROIC = 'bonus.heroic_act'
  const TEN = Array.from({ length: 10 }, (_, i) => `photo:${i}`)

  scenario('one item for 3 persons: 201, a pending proposal each (key <key>/<person>); replay 200; other content or another caller 409', async () => {
    const persons = [await P.person(building1), await P.person(building1), await P.person(building1)]
    const pids = persons.map((p) => p.id)
    const json = { key: P.fresh('bulk-'), item: HEROIC, person_ids: pids, reason: '集体见义勇为', evidence: ['photo:bulk'] }
    const made = check(await P.proposeBulk(json, community), 201, 'PointsBulkProposalResult')
    assert.equal(made.count, 3)
    assert.deepEqual(made.items.map((x) => [x.person_id, x.status]), pids.map((id) => [id, 'pending']))
    assert.equal(new Set(made.items.map((x) => x.id)).size, 3)
    for (const x of made.items) {
      const p = check(await srv.get(`/api/points/proposals/${x.id}`, { token: committee.token }), 200, 'PointsProposal')
      assert.deepEqual([p.key, p.item.code, p.subject, p.subject_id, p.community_id, p.points, p.status, p.proposed_by, p.reason, p.evidence],
        [`${json.key}/${x.person_id}`, HEROIC, 'person', x.person_id, kangcheng.id, 50, 'pending', community.account.id, '集体见义勇为', ['photo:bulk']])
    }
    // Replayed: the same proposals (in the order asked), nothing made twice.
    assert.deepEqual(check(await P.proposeBulk(json, community), 200, 'PointsBulkProposalResult'), made)
    const reversed = check(await P.proposeBulk({ ...json, person_ids: [...pids].reverse() }, community), 200, 'PointsBulkProposalResult')
    assert.deepEqual(reversed.items, [...made.items].reverse())
    // Other content; the same content from another caller who may propose it.
    for (const other of [{ reason: '另一个理由' }, { evidence: ['photo:other'] }, { item: 'bonus.elder_assistance' }, { person_ids: pids.slice(0, 2) },
      { person_ids: [...pids, elderPerson] }])
      checkError(await P.proposeBulk({ ...json, ...other }, community), 409, 'conflict', { field: 'key' })
    checkError(await P.proposeBulk(json, grid), 409, 'conflict', { field: 'key' })
    // Decided since: the replay answers them as they are now.
    check(await P.vote(made.items[0].id, { decision: 'approve' }, committee), 200)
    assert.deepEqual(check(await P.proposeBulk(json, community), 200).items.map((x) => x.status), ['posted', 'pending', 'pending'])
  })

  scenario('all or none: a person who does not exist or is out of view fails the request (404, field person_ids); nothing made', async () => {
    const [a, b] = [await P.person(building1), await P.person(building1)]
    const outPerson = await P.person(outBuilding)
    const json = { key: P.fresh('bulk-'), item: HEROIC, person_ids: [a.id, 99999999, b.id], reason: '批量申报', evidence: ['photo:bulk'] }
    const e = checkError(await P.proposeBulk(json, community), 404, 'not_found', { field: 'person_ids' })
    assert.match(e.message, /person_ids\[1\]/)
    checkError(await P.proposeBulk({ ...json, person_ids: [a.id, b.id, outPerson.id] }, community), 404, 'not_found', { field: 'person_ids' })
    // One the caller may not propose the item for: 403, nothing made either.
    checkError(await P.proposeBulk({ ...json, item: 'deduct.littering', person_ids: [a.id, b.id] }, steward), 403, 'forbidden')
    const pendingAbout = async () => check(await P.srv.get(`/api/points/proposals?community_id=${kangcheng.id}&status=pending&limit=200`, { token: committee.token }), 200)
      .items.filter((p) => p.subject_id === a.id || p.subject_id === b.id)
    assert.deepEqual(await pendingAbout(), [])
    // The key is still free: the same key for the two who exist.
    const made = check(await P.proposeBulk({ ...json, person_ids: [a.id, b.id] }, community), 201, 'PointsBulkProposalResult')
    assert.equal(made.count, 2)
    assert.deepEqual((await pendingAbout()).map((p) => p.id).sort(), made.items.map((x) => x.id).sort())
  })

  scenario('bulk proposals: 422 naming the field, in the order key, item, person_ids, reason, evidence', async () => {
    const a = await P.person(building1)
    const bad = async (json, field) => checkError(await P.proposeBulk(json, community), 422, 'invalid_input', { field })
    const broken = { person_ids: [], reason: 'x', evidence: TEN }
    for (const key of [undefined, '', 'has space', 'k'.repeat(65)]) await bad({ ...broken, key }, 'key')
    for (const item of [undefined, '', 7]) await bad({ ...broken, key: P.fresh('b-'), item }, 'item')
    for (const person_ids of [undefined, [], 'x', [String(a.id)], [1.5], Array.from({ length: 10001 }, (_, i) => i + 1)])
      await bad({ ...broken, key: P.fresh('b-'), item: HEROIC, person_ids }, 'person_ids')
    // A person listed twice (checked after the reason and the list of evidence).
    await bad({ key: P.fresh('b-'), item: HEROIC, person_ids: [a.id, a.id], reason: '重复人员', evidence: [''] }, 'person_ids')
    for (const reason of [undefined, 'x', '长'.repeat(501)]) await bad({ ...broken, key: P.fresh('b-'), item: HEROIC, person_ids: [a.id], reason }, 'reason')
    for (const evidence of [TEN, [''], ['two\nlines'], 'photo:1'])
      await bad({ key: P.fresh('b-'), item: HEROIC, person_ids: [a.id], reason: '证据校验', evidence }, 'evidence')
    // The item's own checks, as for one proposal.
    const fine = { key: P.fresh('b-'), item: HEROIC, person_ids: [a.id], reason: '项目校验', evidence: ['photo:x'] }
    await bad({ ...fine, item: 'bonus.no_such_item' }, 'item')
    await bad({ ...fine, item: 'bonus.report_confirmed' }, 'item')
    await bad({ ...fine, evidence: [] }, 'evidence')
    await bad({ ...fine, item: 'bonus.compound_tidy_environment' }, 'compound_id')
    checkError(await P.proposeBulk(fine, null), 401, 'unauthenticated')
    check(await P.proposeBulk(fine, community), 201, 'PointsBulkProposalResult')
  })

  scenario('a bulk key used again for other persons: 409 (field key), from the same caller or another', async () => {
    const [a, b, c] = [await P.person(building1), await P.person(building1), await P.person(building1)]
    const json = { key: P.fresh('bulk-'), item: HEROIC, person_ids: [a.id], reason: '键重用', evidence: ['photo:k'] }
    check(await P.proposeBulk(json, community), 201)
    checkError(await P.proposeBulk({ ...json, person_ids: [b.id] }, community), 409, 'conflict', { field: 'key' })
    checkError(await P.proposeBulk({ ...json, person_ids: [c.id] }, grid), 409, 'conflict', { field: 'key' })
  })

  scenario('votes in bulk: approving 3 awards with a budget for 2 answers 200: 2 posted, 1 conflict (it stays pending)', async () => {
    const w = await world(80)
    const persons = [await P.person(w.building), await P.person(w.building), await P.person(w.building)]
    const item = await P.fundItem(40)
    const made = check(await P.proposeBulk({ key: P.fresh('bulk-'), item, person_ids: persons.map((p) => p.id), reason: '预算不足测试' }, w.staff), 201)
    const ids = made.items.map((x) => x.id)
    const res = check(await P.voteBulk({ ids, decision: 'approve' }, w.committee), 200, 'PointsBulkVoteResult')
    assert.deepEqual(res.items.map((x) => x.id), ids)
    assert.deepEqual(res.items.slice(0, 2), ids.slice(0, 2).map((id) => ({ id, status: 'posted', error: null })))
    const [third] = res.items.slice(2)
    assert.deepEqual([third.id, third.status, third.error.code, third.error.field], [ids[2], null, 'conflict', null])
    assert.ok(third.error.message.length > 0)
    const still = check(await srv.get(`/api/points/proposals/${ids[2]}`, { token: w.committee.token }), 200, 'PointsProposal')
    assert.deepEqual([still.status, still.approvals, still.rejections, still.posting_id], ['pending', 0, 0, null])
    assert.deepEqual(await Promise.all(persons.map((p) => P.balances(p.id))),
      [{ virtue: 40, spendable: 40 }, { virtue: 40, spendable: 40 }, { virtue: 0, spendable: 0 }])
    assert.equal(await P.balance('budget', w.community.id), 0)
    // Decided already: conflict; rejecting the third needs a reason, then it is rejected.
    const again = check(await P.voteBulk({ ids: [ids[0], ids[2]], decision: 'reject', reason: '预算已用完' }, w.committee), 200, 'PointsBulkVoteResult')
    assert.deepEqual(again.items.map((x) => [x.id, x.status, x.error?.code ?? null]), [[ids[0], null, 'conflict'], [ids[2], 'rejected', null]])
  })

  scenario('votes in bulk: each decided on its own (not found, forbidden, decided already); the body checked first (422)', async () => {
    const person = await P.person(building1)
    const pending = await P.proposed({ item: HEROIC, person_id: person.id, reason: '批量表决', evidence: ['photo:v'] }, community)
    const decided = await P.posted({ item: 'bonus.volunteer_service', person_id: person.id, reason: '批量表决', evidence: ['photo:v'] }, community, committee)
    const byMember = await P.proposed({ item: HEROIC, person_id: person.id, reason: '委员自荐', evidence: ['photo:v'] }, committee)
    const elsewhere = await P.proposed({ item: HEROIC, person_id: (await P.person(outBuilding)).id, reason: '别处', evidence: ['photo:v'] }, ningxinStaff)
    const ids = [pending.id, 99999999, decided.id, byMember.id, elsewhere.id]
    const res = check(await P.voteBulk({ ids, decision: 'approve' }, committee), 200, 'PointsBulkVoteResult')
    assert.deepEqual(res.items.map((x) => [x.id, x.status, x.error?.code ?? null]),
      [[pending.id, 'posted', null], [99999999, null, 'not_found'], [decided.id, null, 'conflict'], [byMember.id, null, 'forbidden'], [elsewhere.id, null, 'not_found']])
    // Staff who are not on the committee: 200, each forbidden; a resident: each not found.
    const other = await P.proposed({ item: HEROIC, person_id: person.id, reason: '批量表决', evidence: ['photo:v'] }, grid)
    assert.deepEqual(check(await P.voteBulk({ ids: [other.id], decision: 'approve' }, community), 200, 'PointsBulkVoteResult').items[0].error.code, 'forbidden')
    assert.deepEqual(check(await P.voteBulk({ ids: [other.id], decision: 'approve' }, elder), 200, 'PointsBulkVoteResult').items[0].error.code, 'not_found')
    assert.equal(check(await srv.get(`/api/points/proposals/${other.id}`, { token: admin.token }), 200).status, 'pending')
    // The body: ids, then decision, then reason.
    const bad = async (json, field) => checkError(await P.voteBulk(json, committee), 422, 'invalid_input', { field })
    for (const x of [undefined, [], 'x', ['1'], [1.5], Array.from({ length: 10001 }, (_, i) => i + 1)]) await bad({ ids: x, decision: 'maybe' }, 'ids')
    for (const decision of [undefined, 'maybe', 'APPROVE', 7]) await bad({ ids: [other.id], decision, reason: 'x' }, 'decision')
    for (const reason of [undefined, '', 'x', '长'.repeat(501)]) await bad({ ids: [other.id], decision: 'reject', reason }, 'reason')
    await bad({ ids: [other.id], decision: 'approve', reason: 'x' }, 'reason')
    checkError(await P.voteBulk({ ids: [other.id], decision: 'approve' }, null), 401, 'unauthenticated')
    assert.equal(check(await P.voteBulk({ ids: [other.id], decision: 'reject', reason: '材料不足' }, committee), 200).items[0].status, 'rejected')
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

  scenario('the resident receives points.redeemed and points.redemption_closed addressed to them; the staff those and points.goods_changed', async () => {
    const { who } = await shopper(100)
    const streams = await Promise.all([who, community].map((w) => srv.events({ token: w.token })))
    const [mine, staff] = streams
    try {
      for (const s of streams) assert.equal(s.reply.status, 200, `${s.reply}`)
      const g = await goodsIn({ price: 10, stock: 5 })
      const added = frame(await staff.nextEvent('points.goods_changed', (d) => d.payload?.goods_id === g.id))
      assert.deepEqual([added.subject, added.scope, added.payload], [`points_goods:${g.id}`, kangcheng.path, { goods_id: g.id, stock: 5 }])
      check(await P.changeGoods(g.id, { restock: 2 }, community), 200)
      frame(await staff.nextEvent('points.goods_changed', (d) => d.payload?.goods_id === g.id && d.payload.stock === 7))

      const r = await P.redeemed({ goods_id: g.id, quantity: 2 }, who)
      const payload = (status) => ({ redemption_id: r.id, status, goods_id: g.id, quantity: 2, points: 20 })
      const redeemed = frame(await mine.nextEvent('points.redeemed', (d) => d.payload?.redemption_id === r.id))
      assert.deepEqual([redeemed.subject, redeemed.scope, redeemed.payload], [`points_redemption:${r.id}`, kangcheng.path, payload('held')])
      assert.deepEqual(frame(await staff.nextEvent('points.redeemed', (d) => d.payload?.redemption_id === r.id)).payload, payload('held'))
      check(await P.cancel(r.id, who), 200)
      const closed = frame(await mine.nextEvent('points.redemption_closed', (d) => d.payload?.redemption_id === r.id))
      assert.deepEqual([closed.subject, closed.scope, closed.payload], [`points_redemption:${r.id}`, kangcheng.path, payload('cancelled')])
      assert.deepEqual(frame(await staff.nextEvent('points.redemption_closed', (d) => d.payload?.redemption_id === r.id)).payload, payload('cancelled'))

      const r2 = await P.redeemed({ goods_id: g.id }, who)
      frame(await mine.nextEvent('points.redeemed', (d) => d.payload?.redemption_id === r2.id))
      check(await P.handover(r2.code, community), 200)
      const handed = frame(await mine.nextEvent('points.redemption_closed', (d) => d.payload?.redemption_id === r2.id))
      assert.deepEqual(handed.payload, { redemption_id: r2.id, status: 'handed_over', goods_id: g.id, quantity: 1, points: 10 })
      // The resident (a grant at their building) receives no event of the community's scope.
      assert.ok(!mine.events.some((e) => e.event === 'points.goods_changed'), 'a resident received points.goods_changed')
      assert.ok(mine.events.filter((e) => e.event === 'points.redeemed').length === 2, 'the resident received a redemption twice (or not)')
    } finally {
      for (const s of streams) s.close?.()
    }
  })
})

endsCleanly(srv)
