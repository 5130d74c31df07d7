// Work orders (网格下单、全员抢单), issue 5: the category catalogue; making orders (who may, and
// where a point lands: its grid, or the district queue); the pool (who sees which open
// orders, and how the level widens it); claiming, with the race of 64 clients over the same
// 200 orders that must end with exactly one winner each; the claimer's return, hold, resume
// and completion; and the live events of every step.
//
// Escalation is not tested here: deadlines are minutes long and the server's clock is real.
// The unit tests drive it with an injected clock (including a restart in between).
//
// The demo: 滨河街道 → 康城社区 → 康城社区第一网格 (the `grid` worker) → 康城小区 → 1号楼 (the
// steward). Other grid workers are made here: a second one in the same grid, one in another
// grid of 康城社区, one in 宁馨社区 (the same street) and one in 安泰社区第六网格, the grid of
// the demo's known point 39.6034 N 109.7812 E (another street).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { assertSchema, check, checkError, delay, endsCleanly, startServer } from './harness.mjs'
import { allPages } from './codes-helpers.mjs'
import { inParallel, locate, newAccounts, pointIn, shuffle } from './orders-helpers.mjs'

const srv = await startServer()

const [admin, street, community, grid, steward, resident, inspector, vendor, doctor, elder] = await Promise.all(
  ['admin', 'street', 'community', 'grid', 'steward', 'resident', 'inspector', 'vendor', 'doctor', 'elder'].map((l) =>
    srv.loginAs(l),
  ),
)

const lastId = (path) => Number(path.split('/').pop())
const asAdmin = async (path, name) => check(await srv.get(path, { token: admin.token }), 200, name)
const children = async (node) => (await asAdmin(`/api/nodes?parent=${node.id}&limit=200`, 'NodeList')).items

// ---------------------------------------------------------------------------------------
// The territory and the callers

const gridNode = await asAdmin(`/api/nodes/${lastId(srv.account('grid').scope)}`, 'Node')
const kangcheng = await asAdmin(`/api/nodes/${gridNode.parent_id}`, 'Node')
const streetA = await asAdmin(`/api/nodes/${kangcheng.parent_id}`, 'Node')
const building1 = await asAdmin(`/api/nodes/${lastId(srv.account('steward').scope)}`, 'Node')
assert.deepEqual([kangcheng.name, streetA.name, gridNode.kind], ['康城社区', '滨河街道', 'grid'])
assert.equal(streetA.path, srv.account('street').scope)
assert.ok(building1.path.startsWith(`${gridNode.path}/`), '1号楼 is not in the demo grid')
const sibling = (await children(kangcheng)).find((n) => n.kind === 'grid' && n.id !== gridNode.id)
const ningxin = (await children(streetA)).find((n) => n.name === '宁馨社区')
assert.ok(sibling && ningxin, 'the demo has no second grid in 康城社区 or no 宁馨社区')
const ningxinGrid = (await children(ningxin)).find((n) => n.kind === 'grid')
assert.ok(ningxinGrid, '宁馨社区 has no grid')

// A point in the demo grid (found through the server's own lookup), the demo's known point
// (in another street's grid), and a point far away from every grid.
const P = await pointIn(srv, admin.token, gridNode)
const KNOWN = { lat: 39.6034, lon: 109.7812 }
const knownGrid = await locate(srv, admin.token, KNOWN)
assert.ok(knownGrid, `the demo's known point ${JSON.stringify(KNOWN)} is in no grid`)
assert.ok(!knownGrid.path.startsWith(`${streetA.path}/`), 'the known point was meant to be in another street')
const FAR = { lat: 45.5, lon: 120.25 }
assert.equal(await locate(srv, admin.token, FAR), null, 'the far point lies in a grid')

const worker = async (scope, base) => (await newAccounts(srv, admin.token, 1, [{ role: 'grid_worker', scope }], base))[0]
const gridmate = await worker(gridNode.path, 'orders.mate')
const siblingWorker = await worker(sibling.path, 'orders.sibling')
const ningxinWorker = await worker(ningxinGrid.path, 'orders.ningxin')
const farWorker = await worker(knownGrid.path, 'orders.far')

const catalogue = check(await srv.get('/api/categories'), 200, 'CategoryList').items
const cat = (code) => {
  const c = catalogue.find((x) => x.code === code)
  assert.ok(c, `no category ${code}`)
  return c
}
const MIN = 60000

// ---------------------------------------------------------------------------------------
// Requests

const create = (json, who = grid) => srv.post('/api/orders', json, { token: who.token })
const made = async (json, who = grid) => check(await create(json, who), 201, 'Order')
let seq = 0
/** A fresh order at the demo point (by the community staff unless told). */
const order = (category = 'road.streetlight', who = community, place = P) =>
  made({ category, description: `${cat(category).name_zh}（测试${++seq}）`, ...place }, who)
const claim = (id, who) => srv.post(`/api/orders/${id}/claim`, undefined, { token: who.token })
const act = (id, step, json, who) => srv.post(`/api/orders/${id}/${step}`, json, { token: who.token })
const detail = async (id, who = admin) => check(await srv.get(`/api/orders/${id}`, { token: who.token }), 200, 'OrderDetail')
const poolIds = async (who) => (await allPages(srv, '/api/orders/pool', who.token, (r) => check(r, 200, 'OrderList'))).map((o) => o.id)
const mine = async (who, status = '') =>
  allPages(srv, `/api/orders/mine${status ? `?status=${status}` : ''}`, who.token, (r) => check(r, 200, 'OrderList'))
const steps = (d) => d.steps.map((s) => s.step)
/** An order claimed by `who`. */
const claimed = async (who = grid, category = 'road.streetlight') => {
  const o = await order(category)
  return check(await claim(o.id, who), 200, 'Order')
}

// ---------------------------------------------------------------------------------------

describe('categories', () => {
  test('the default catalogue of a Chinese district: 20 categories, readable without a session', async () => {
    assert.equal(catalogue.length, 20)
    assert.equal(new Set(catalogue.map((c) => c.code)).size, 20, 'codes repeat')
    const groups = new Set(catalogue.map((c) => c.group))
    for (const g of ['市容环境', '道路设施', '绿化', '物业', '噪音', '消防通道', '占道经营', '违章停车'])
      assert.ok(groups.has(g), `no category in the group ${g}: ${[...groups]}`)
    for (const c of catalogue) {
      assert.ok(c.active, `${c.code} is listed but inactive`)
      assert.ok(c.claim_roles.length > 0, `nobody may claim ${c.code}`)
      assert.ok(/\p{Script=Han}/u.test(c.name_zh) && /[A-Za-z]/.test(c.name_en), `${c.code}: names ${c.name_zh} / ${c.name_en}`)
    }
    // The urgent ones are claimed sooner: a blocked fire lane before a pothole.
    assert.ok(cat('fire.lane_blocked').claim_minutes < cat('road.pothole').claim_minutes)
    // With a session, the same list.
    assert.deepEqual(check(await srv.get('/api/categories', { token: resident.token }), 200, 'CategoryList').items, catalogue)
    assert.deepEqual(check(await srv.get('/api/categories', { token: grid.token }), 200, 'CategoryList').items, catalogue)
  })

  test('noise.night asks where the noise comes from, with the choices', () => {
    const q = cat('noise.night').questions
    assert.equal(q.length, 1, JSON.stringify(q))
    assert.deepEqual([q[0].code, q[0].datatype, q[0].required, q[0].label_zh], ['source', 'singlevaluelist', true, '噪音来源'])
    assert.deepEqual(q[0].values.map((v) => v.key), ['people', 'shop', 'vehicle', 'construction', 'other'])
    assert.ok(q[0].values.every((v) => v.name.length > 0))
    // A category without questions has an empty list.
    assert.deepEqual(cat('road.streetlight').questions, [])
  })
})

// ---------------------------------------------------------------------------------------

describe('making an order', () => {
  test('bad input answers 422 naming the field', async () => {
    const ok = { category: 'road.streetlight', description: '路灯不亮', ...P }
    const bad = async (json, field) => checkError(await create(json), 422, 'invalid_input', field === undefined ? {} : { field })
    await bad({ ...ok, category: 'no.such.category' }, 'category')
    await bad({ ...ok, category: undefined }, 'category')
    await bad({ ...ok, category: 7 }, 'category')
    await bad({ ...ok, description: '' }, 'description')
    await bad({ ...ok, description: undefined }, 'description')
    await bad({ ...ok, description: 'x'.repeat(4001) }, 'description')
    await bad({ ...ok, description: '长'.repeat(4001) }, 'description')
    await bad({ ...ok, lon: undefined }, 'lon')
    await bad({ ...ok, lat: undefined }, 'lat')
    await bad({ ...ok, lat: 91 }, 'lat')
    await bad({ ...ok, lon: -180.5 }, 'lon')
    await bad({ ...ok, lat: '39.6' }, 'lat')
    await bad({ ...ok, node_id: 'x' }, 'node_id')
    // No place at all.
    const e = await bad({ category: 'road.streetlight', description: '路灯不亮' })
    assert.ok(['lat', 'lon', 'node_id'].includes(e.field), `no place: field ${e.field}`)
    checkError(await srv.request('POST', '/api/orders', { token: grid.token, body: 'category=x', headers: { 'Content-Type': 'text/plain' } }),
      415, 'unsupported_media_type')
    checkError(await srv.request('POST', '/api/orders', { token: grid.token, body: '{"category":', headers: { 'Content-Type': 'application/json' } }),
      400, 'bad_request')
    // 4000 characters are fine, in Chinese too (12,000 bytes).
    const long = await made({ ...ok, description: '长'.repeat(4000) })
    assert.equal(long.description, '长'.repeat(4000))
  })

  test('who may not: residents and other roles 403; a node outside the caller\'s view 404; no session 401', async () => {
    const at = { category: 'road.streetlight', description: '路灯不亮', ...P }
    for (const who of [resident, steward, elder, vendor, inspector, doctor])
      checkError(await create(at, who), 403, 'forbidden')
    checkError(await create({ ...at, lat: undefined, lon: undefined, node_id: building1.id }, steward), 403, 'forbidden')
    // Staff outside the place: the sibling grid's worker at the demo point, 宁馨社区's worker too.
    checkError(await create(at, siblingWorker), 403, 'forbidden')
    checkError(await create(at, ningxinWorker), 403, 'forbidden')
    // Nodes out of view: another street's grid for the community staff, the sibling grid for
    // the grid worker, a node that does not exist.
    const node = (id) => ({ category: 'road.streetlight', description: '路灯不亮', node_id: id })
    checkError(await create(node(knownGrid.id), community), 404, 'not_found', { field: 'node_id' })
    checkError(await create(node(sibling.id), grid), 404, 'not_found', { field: 'node_id' })
    checkError(await create(node(99999999), admin), 404, 'not_found', { field: 'node_id' })
    checkError(await srv.post('/api/orders', at), 401, 'unauthenticated')
  })

  test('a point inside a grid: the order is that grid\'s, open, to be claimed within the category\'s claim_minutes', async () => {
    const t0 = Date.now()
    const res = await create({ category: 'road.streetlight', description: '康城小区东门路灯不亮', ...P })
    const o = check(res, 201, 'Order')
    assert.equal(res.header('location'), `/api/orders/${o.id}`)
    assert.deepEqual(
      [o.category, o.description, o.origin_path, o.path, o.level, o.status, o.created_by, o.claimed_by, o.claimed_at, o.completed_at,
        o.escalations, o.hold_reason, o.version],
      ['road.streetlight', '康城小区东门路灯不亮', gridNode.path, gridNode.path, 'grid', 'open', grid.account.id, null, null, null, 0, '', 1],
    )
    assert.ok(Math.abs(o.lat - P.lat) < 1e-6 && Math.abs(o.lon - P.lon) < 1e-6, `the point moved: ${o.lat}, ${o.lon} for ${JSON.stringify(P)}`)
    assert.ok(o.created_at >= t0 - 5000 && o.created_at <= Date.now() + 5000, `created_at ${o.created_at}`)
    assert.equal(o.updated_at, o.created_at)
    assert.equal(o.due_at, o.created_at + cat('road.streetlight').claim_minutes * MIN)
    const d = await detail(o.id, grid)
    assert.deepEqual(d.order, o)
    assert.deepEqual(d.steps.map((s) => [s.step, s.account_id, s.note, s.details]), [['created', grid.account.id, '', {}]])
    assert.equal(d.steps[0].at, o.created_at)
    // Staff over the grid make orders there too: community, street, district.
    for (const who of [community, street, admin]) {
      const x = await made({ category: 'city.litter', description: '垃圾乱堆', ...P }, who)
      assert.deepEqual([x.path, x.level, x.created_by], [gridNode.path, 'grid', who.account.id])
    }
    // The demo's known point lies in 安泰社区第六网格: an order there carries that grid's path.
    const k = await made({ category: 'noise.night', description: '夜间广场舞噪音', ...KNOWN }, admin)
    assert.deepEqual([k.origin_path, k.path, k.level], [knownGrid.path, knownGrid.path, 'grid'])
    assert.equal((await made({ category: 'noise.night', description: '夜间噪音', ...KNOWN }, farWorker)).path, knownGrid.path)
  })

  test('a point outside every grid goes to the district queue, which only district-level staff may fill', async () => {
    const o = await made({ category: 'other', description: '开发区外围道路积水', ...FAR }, admin)
    assert.deepEqual([o.origin_path, o.path, o.level, o.status], ['/', '/', 'district', 'open'])
    for (const who of [grid, community, street]) checkError(await create({ category: 'other', description: '积水', ...FAR }, who), 403, 'forbidden')
  })

  test('a node as the place (a scanned code\'s place): its path, and the level of that path', async () => {
    const at = (node_id, who, category = 'road.streetlight') => made({ category, description: '扫码上报', node_id }, who)
    const b = await at(building1.id, community)
    assert.deepEqual([b.origin_path, b.path, b.level, b.lat, b.lon], [building1.path, building1.path, 'grid', null, null])
    const c = await at(kangcheng.id, community)
    assert.deepEqual([c.path, c.level], [kangcheng.path, 'community'])
    const s = await at(streetA.id, street)
    assert.deepEqual([s.path, s.level], [streetA.path, 'street'])
    // A grid worker's grant does not cover its community: 403 (it sees the node).
    checkError(await create({ category: 'road.streetlight', description: '扫码上报', node_id: kangcheng.id }, grid), 403, 'forbidden')
    // A node and a point: the node wins.
    const both = await made({ category: 'road.streetlight', description: '扫码上报', node_id: building1.id, ...FAR }, community)
    assert.equal(both.path, building1.path)
  })

  test('a description with markup is stored and answered as text', async () => {
    const text = '<script>alert("x")</script><img src=x onerror=alert(1)> & 路灯'
    const o = await made({ category: 'road.streetlight', description: text, ...P })
    assert.equal(o.description, text)
    assert.equal((await detail(o.id)).order.description, text)
  })

  test('published as order.created (scope the grid; no description in the event)', async () => {
    const stream = await srv.events({ token: community.token })
    try {
      const o = await order()
      const ev = await stream.nextEvent('order.created', (d) => d.payload?.order_id === o.id)
      assertSchema(ev.data, 'Event', 'order.created')
      assert.deepEqual([ev.data.type, ev.data.subject, ev.data.scope], ['order.created', `order:${o.id}`, gridNode.path])
      assert.deepEqual(ev.data.payload, { order_id: o.id, step: 'created', status: 'open', level: 'grid', category: 'road.streetlight', version: 1 })
      assert.ok(!ev.raw.includes(o.description), 'the event carries the description')
    } finally {
      stream.close()
    }
  })
})

// ---------------------------------------------------------------------------------------

describe('who sees which orders', () => {
  test('the pool: the open orders of the grid whose category lists the caller\'s role; another community\'s worker sees none', async () => {
    // One order of every category in the demo grid.
    const all = await inParallel(catalogue.map((c) => () => order(c.code)), 8)
    const has = async (who) => new Set(await poolIds(who))
    const [gridPool, matePool, communityPool, inspectorPool] = await Promise.all([grid, gridmate, community, inspector].map(has))
    for (const [i, c] of catalogue.entries()) {
      const id = all[i].id
      assert.equal(gridPool.has(id), c.claim_roles.includes('grid_worker'), `${c.code} in the grid worker's pool`)
      assert.equal(matePool.has(id), c.claim_roles.includes('grid_worker'), `${c.code} in the other grid worker's pool`)
      assert.equal(communityPool.has(id), c.claim_roles.includes('community_staff'), `${c.code} in the community staff's pool`)
      assert.equal(inspectorPool.has(id), c.claim_roles.includes('inspector'), `${c.code} in the inspector's pool (at /)`)
    }
    // Not in the pool of a grid worker of another grid of the same community, of another
    // community, of another street; nor of callers holding no claim role.
    for (const who of [siblingWorker, ningxinWorker, farWorker, resident, vendor, doctor, street, admin]) {
      const p = await has(who)
      const seen = all.filter((o) => p.has(o.id))
      assert.deepEqual(seen.map((o) => o.category), [], `${who.account.username}'s pool holds orders of the demo grid`)
    }
    // Conversely: an order in 宁馨社区's grid is its worker's, not the demo grid worker's.
    const there = await made({ category: 'road.streetlight', description: '宁馨社区路灯', node_id: ningxinGrid.id }, admin)
    assert.ok((await has(ningxinWorker)).has(there.id))
    assert.ok(!(await has(grid)).has(there.id))
    checkError(await srv.get(`/api/orders/${there.id}`, { token: grid.token }), 404, 'not_found')
    checkError(await claim(there.id, grid), 404, 'not_found')
  })

  test('the steward of 1号楼 (inside the grid) has the orders it may claim in its pool (物业 categories list steward)', async () => {
    const lift = await order('property.elevator')
    assert.ok(cat('property.elevator').claim_roles.includes('steward'))
    const listed = (await poolIds(steward)).includes(lift.id)
    // It may see it and claim it: its grant lies below the order's place.
    check(await srv.get(`/api/orders/${lift.id}`, { token: steward.token }), 200, 'OrderDetail')
    check(await claim(lift.id, steward), 200, 'Order')
    assert.ok(listed, 'the steward\'s pool lacks an open 电梯故障 order of its grid that it may (and did) claim')
  })

  test('the pool is oldest first, paged by after and next_after; only open orders; bad paging 422', async () => {
    const [a, b] = [await order(), await order()]
    const ids = await poolIds(grid)
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'not ordered by id')
    assert.ok(ids.indexOf(a.id) >= 0 && ids.indexOf(a.id) < ids.indexOf(b.id))
    const one = check(await srv.get('/api/orders/pool?limit=1', { token: grid.token }), 200, 'OrderList')
    assert.deepEqual([one.items.length, one.items[0].id, one.next_after], [1, ids[0], ids[0]])
    const two = check(await srv.get(`/api/orders/pool?limit=1&after=${one.next_after}`, { token: grid.token }), 200, 'OrderList')
    assert.equal(two.items[0].id, ids[1])
    const rest = check(await srv.get(`/api/orders/pool?limit=200&after=${ids.at(-2)}`, { token: grid.token }), 200, 'OrderList')
    assert.deepEqual([rest.items.map((o) => o.id), rest.next_after], [[ids.at(-1)], null])
    // A claimed order leaves the pool at once.
    check(await claim(a.id, grid), 200, 'Order')
    assert.ok(!(await poolIds(gridmate)).includes(a.id))
    for (const q of ['limit=0', 'limit=201', 'limit=x', 'after=-1', 'after=x'])
      checkError(await srv.get(`/api/orders/pool?${q}`, { token: grid.token }), 422, 'invalid_input', { field: q.split('=')[0] })
    checkError(await srv.get('/api/orders/pool'), 401, 'unauthenticated')
  })

  test('visibility widens with the level: a community\'s order is in the pool of the workers of every grid of it; a street\'s of every grid of the street', async () => {
    const c = await made({ category: 'road.streetlight', description: '社区级：主干道路灯成片不亮', node_id: kangcheng.id }, community)
    assert.equal(c.level, 'community')
    const s = await made({ category: 'road.streetlight', description: '街道级：路灯线路故障', node_id: streetA.id }, street)
    assert.equal(s.level, 'street')
    const d = await made({ category: 'road.streetlight', description: '区级：新区路灯', ...FAR }, admin)
    const pools = new Map()
    for (const who of [grid, gridmate, siblingWorker, ningxinWorker, farWorker]) pools.set(who, new Set(await poolIds(who)))
    const expect = [
      [c, [grid, gridmate, siblingWorker], [ningxinWorker, farWorker]],
      [s, [grid, gridmate, siblingWorker, ningxinWorker], [farWorker]],
      [d, [grid, gridmate, siblingWorker, ningxinWorker, farWorker], []],
    ]
    for (const [o, yes, no] of expect) {
      for (const who of yes) {
        assert.ok(pools.get(who).has(o.id), `${o.level} order not in ${who.account.username}'s pool`)
        check(await srv.get(`/api/orders/${o.id}`, { token: who.token }), 200, 'OrderDetail')
      }
      for (const who of no) {
        assert.ok(!pools.get(who).has(o.id), `${o.level} order in ${who.account.username}'s pool`)
        checkError(await srv.get(`/api/orders/${o.id}`, { token: who.token }), 404, 'not_found')
      }
    }
    // The worker of the other grid of 康城社区 may claim the community's order.
    const won = check(await claim(c.id, siblingWorker), 200, 'Order')
    assert.deepEqual([won.status, won.claimed_by, won.level], ['claimed', siblingWorker.account.id, 'community'])
    assert.ok(!(await poolIds(grid)).includes(c.id))
  })

  test('an order is seen by the staff over its place and whoever may claim it; residents and other roles get 404', async () => {
    const o = await order()
    for (const who of [admin, street, community, grid, gridmate]) assert.equal((await detail(o.id, who)).order.id, o.id)
    for (const who of [resident, elder, vendor, inspector, doctor, steward, siblingWorker, ningxinWorker])
      checkError(await srv.get(`/api/orders/${o.id}`, { token: who.token }), 404, 'not_found')
    for (const id of ['99999999', '0', '-1', 'abc', '1x'])
      checkError(await srv.get(`/api/orders/${id}`, { token: admin.token }), 404, 'not_found')
    checkError(await srv.get(`/api/orders/${o.id}`), 401, 'unauthenticated')
  })
})

// ---------------------------------------------------------------------------------------

describe('claiming', () => {
  test('the first claim wins (200); every later one 409; the deadline becomes the finish deadline', async () => {
    const o = await order()
    const c = check(await claim(o.id, grid), 200, 'Order')
    assert.deepEqual([c.id, c.status, c.claimed_by, c.version, c.escalations], [o.id, 'claimed', grid.account.id, 2, 0])
    assert.ok(c.claimed_at >= o.created_at)
    assert.equal(c.updated_at, c.claimed_at)
    assert.equal(c.due_at, c.claimed_at + cat('road.streetlight').finish_minutes * MIN)
    for (const who of [gridmate, grid, community]) {
      const e = checkError(await claim(o.id, who), 409, 'conflict')
      assert.ok(e.message.length > 0)
    }
    const d = await detail(o.id, gridmate)
    assert.deepEqual(d.order, c)
    assert.deepEqual(d.steps.map((s) => [s.step, s.account_id]), [['created', community.account.id], ['claimed', grid.account.id]])
    assert.ok((await mine(grid, 'claimed')).some((x) => x.id === o.id))
  })

  test('who may not claim: 403 for who sees the order but holds no claim role of its category, 404 for who does not see it', async () => {
    const o = await order('road.streetlight') // grid_worker, community_staff
    for (const who of [admin, street]) checkError(await claim(o.id, who), 403, 'forbidden')
    for (const who of [resident, elder, vendor, doctor, inspector, steward, siblingWorker, ningxinWorker])
      checkError(await claim(o.id, who), 404, 'not_found')
    for (const id of ['99999999', '0', 'abc']) checkError(await claim(id, grid), 404, 'not_found')
    checkError(await srv.post(`/api/orders/${o.id}/claim`), 401, 'unauthenticated')
    // Nothing happened to it.
    assert.deepEqual(steps(await detail(o.id)), ['created'])
    check(await claim(o.id, community), 200, 'Order')
  })

  test('live: the other screens get order.claimed (scope the grid), outsiders do not', async () => {
    const [mate, staff, outsider] = await Promise.all([gridmate, community, ningxinWorker].map((w) => srv.events({ token: w.token })))
    try {
      const o = await order()
      check(await claim(o.id, grid), 200, 'Order')
      for (const s of [mate, staff]) {
        const ev = await s.nextEvent('order.claimed', (d) => d.payload?.order_id === o.id)
        assertSchema(ev.data, 'Event', 'order.claimed')
        assert.deepEqual([ev.event, ev.id, ev.data.subject, ev.data.scope], ['order.claimed', String(ev.data.id), `order:${o.id}`, gridNode.path])
        assert.deepEqual(ev.data.payload, { order_id: o.id, step: 'claimed', status: 'claimed', level: 'grid', category: 'road.streetlight', version: 2 })
        assert.ok(!ev.raw.includes(o.description), 'the event carries the description')
      }
      await delay(300)
      assert.ok(!outsider.events.some((e) => e.data?.payload?.order_id === o.id), 'another community\'s worker got the order\'s events')
    } finally {
      for (const s of [mate, staff, outsider]) s.close()
    }
  })

  test('live: a community\'s order reaches the streams of the grid workers whose pool holds it (their screen updates when another claims it)', async () => {
    const o = await made({ category: 'road.streetlight', description: '社区级：路灯成片不亮', node_id: kangcheng.id }, community)
    assert.ok((await poolIds(grid)).includes(o.id), 'the community\'s order is not in the grid worker\'s pool')
    const s = await srv.events({ token: grid.token })
    try {
      check(await claim(o.id, siblingWorker), 200, 'Order')
      const ev = await s.nextEvent('order.claimed', (d) => d.payload?.order_id === o.id, { ms: 3000 })
      assert.equal(ev.data.scope, kangcheng.path)
    } finally {
      s.close()
    }
  })
})

// ---------------------------------------------------------------------------------------

describe('the claim race through HTTP', () => {
  test('64 clients of 64 accounts claim the same 200 orders in shuffled orders: exactly one 200 per order, every other answer 409', async (t) => {
    const ORDERS = 200
    const CLIENTS = 64
    const t0 = Date.now()
    const racers = await newAccounts(srv, admin.token, CLIENTS, [{ role: 'grid_worker', scope: gridNode.path }], 'race.worker')
    const codes = catalogue.filter((c) => c.claim_roles.includes('grid_worker')).map((c) => c.code)
    const orders = await inParallel(Array.from({ length: ORDERS }, (_, i) => () => order(codes[i % codes.length])), 16)
    const ids = orders.map((o) => o.id)
    const t1 = Date.now()
    // Every client walks its own shuffled order; all 64 start at once, one request each in flight.
    let inFlight = 0
    let maxInFlight = 0
    const answers = await Promise.all(
      racers.map(async (w) => {
        const got = []
        for (const id of shuffle(ids)) {
          maxInFlight = Math.max(maxInFlight, ++inFlight)
          const res = await claim(id, w).catch((e) => ({ error: e }))
          inFlight--
          got.push({ id, w, res })
        }
        return got
      }),
    )
    const ms = Date.now() - t1
    const flat = answers.flat()
    assert.equal(flat.length, ORDERS * CLIENTS)
    assert.equal(maxInFlight, CLIENTS)
    const winners = new Map(ids.map((id) => [id, []]))
    const problems = []
    for (const { id, w, res } of flat) {
      if (res.error) problems.push(`order ${id}, ${w.account.username}: no answer (${res.error.message})`)
      else if (res.status === 200) {
        const o = check(res, 200, 'Order')
        if (o.id !== id || o.claimed_by !== w.account.id || o.status !== 'claimed' || o.version !== 2)
          problems.push(`order ${id}: the winner's answer ${JSON.stringify(o)}`)
        winners.get(id).push(w)
      } else if (res.status === 409) checkError(res, 409, 'conflict')
      else problems.push(`order ${id}, ${w.account.username}: ${res}`)
    }
    for (const [id, ws] of winners) if (ws.length !== 1) problems.push(`order ${id}: ${ws.length} winners`)
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`)
    const perAccount = racers.map((w) => flat.filter((a) => a.w === w && a.res.status === 200).length)
    t.diagnostic(`${CLIENTS} accounts and ${ORDERS} orders made in ${t1 - t0} ms; ${flat.length} claims in ${ms} ms ` +
      `(${Math.round((flat.length * 1000) / ms)}/s); wins per account ${Math.min(...perAccount)}–${Math.max(...perAccount)}`)

    // Each account's claimed orders are exactly the ones it won: 200 in all, none twice.
    const lists = await inParallel(racers.map((w) => () => mine(w)), 16)
    let total = 0
    const seen = new Set()
    for (const [i, w] of racers.entries()) {
      const got = lists[i].map((o) => o.id)
      total += got.length
      for (const id of got) seen.add(id)
      assert.deepEqual(got.sort((a, b) => a - b), ids.filter((id) => winners.get(id)[0] === w).sort((a, b) => a - b),
        `${w.account.username}'s orders are not the ones it won`)
      assert.ok(lists[i].every((o) => o.claimed_by === w.account.id && o.status === 'claimed'))
    }
    assert.deepEqual([total, seen.size], [ORDERS, ORDERS])
    // Every order's timeline has exactly one claim, by its winner; none is left in the pool.
    const details = await inParallel(ids.map((id) => () => detail(id, community)), 16)
    for (const d of details) {
      const claims = d.steps.filter((s) => s.step === 'claimed')
      assert.equal(claims.length, 1, `order ${d.order.id}: ${claims.length} claimed steps`)
      assert.equal(claims[0].account_id, winners.get(d.order.id)[0].account.id)
    }
    const left = new Set(await poolIds(racers[0]))
    assert.deepEqual(ids.filter((id) => left.has(id)), [], 'claimed orders are still in the pool')
  })
})

// ---------------------------------------------------------------------------------------

describe('the claimer\'s steps', () => {
  test('hold with a reason pauses the deadline; resume starts the finish deadline again', async () => {
    const stream = await srv.events({ token: community.token })
    try {
      const c = await claimed()
      const reason = '等待配件到货，预计明天更换'
      const h = check(await act(c.id, 'hold', { reason }, grid), 200, 'Order')
      assert.deepEqual([h.status, h.hold_reason, h.due_at, h.claimed_by, h.version], ['on_hold', reason, null, grid.account.id, 3])
      assert.ok((await mine(grid, 'on_hold')).some((o) => o.id === c.id))
      const r = check(await act(c.id, 'resume', undefined, grid), 200, 'Order')
      assert.deepEqual([r.status, r.hold_reason, r.claimed_by, r.version], ['claimed', '', grid.account.id, 4])
      assert.equal(r.due_at, r.updated_at + cat('road.streetlight').finish_minutes * MIN)
      const d = await detail(c.id)
      assert.deepEqual(d.steps.map((s) => [s.step, s.account_id, s.note]),
        [['created', community.account.id, ''], ['claimed', grid.account.id, ''], ['held', grid.account.id, reason], ['resumed', grid.account.id, '']])
      for (const [type, status, version] of [['order.held', 'on_hold', 3], ['order.resumed', 'claimed', 4]]) {
        const ev = await stream.nextEvent(type, (x) => x.payload?.order_id === c.id)
        assertSchema(ev.data, 'Event', type)
        assert.deepEqual([ev.data.payload.status, ev.data.payload.version, ev.data.payload.step], [status, version, type.slice(6)])
        assert.ok(!ev.raw.includes(reason), 'the event carries the reason')
      }
    } finally {
      stream.close()
    }
  })

  test('complete with a note: completed, no deadline, listed under completed', async () => {
    const stream = await srv.events({ token: community.token })
    try {
      const c = await claimed()
      const note = '已更换灯泡，路灯恢复正常'
      const done = check(await act(c.id, 'complete', { note }, grid), 200, 'Order')
      assert.deepEqual([done.status, done.due_at, done.completed_at, done.claimed_by, done.version], ['completed', null, done.updated_at, grid.account.id, 3])
      assert.deepEqual((await detail(c.id)).steps.at(-1).step, 'completed')
      assert.equal((await detail(c.id)).steps.at(-1).note, note)
      assert.ok(!(await mine(grid, 'claimed')).some((o) => o.id === c.id))
      assert.ok((await mine(grid, 'completed')).some((o) => o.id === c.id))
      const ev = await stream.nextEvent('order.completed', (x) => x.payload?.order_id === c.id)
      assertSchema(ev.data, 'Event', 'order.completed')
      assert.deepEqual(ev.data.payload, { order_id: c.id, step: 'completed', status: 'completed', level: 'grid', category: 'road.streetlight', version: 3 })
    } finally {
      stream.close()
    }
  })

  test('return with a reason: open again with a new claim deadline, back in the pool, claimable by another worker', async () => {
    const stream = await srv.events({ token: gridmate.token })
    try {
      const c = await claimed()
      const reason = '不属于本网格职责，退回重新派单'
      const back = check(await act(c.id, 'return', { reason }, grid), 200, 'Order')
      assert.deepEqual([back.status, back.claimed_by, back.claimed_at, back.hold_reason, back.version], ['open', null, null, '', 3])
      assert.equal(back.due_at, back.updated_at + cat('road.streetlight').claim_minutes * MIN)
      assert.ok(!(await mine(grid)).some((o) => o.id === c.id), 'a returned order is still the worker\'s')
      assert.ok((await poolIds(gridmate)).includes(c.id), 'a returned order is not back in the pool')
      const ev = await stream.nextEvent('order.returned', (x) => x.payload?.order_id === c.id)
      assertSchema(ev.data, 'Event', 'order.returned')
      assert.deepEqual([ev.data.payload.status, ev.data.payload.version], ['open', 3])
      const again = check(await claim(c.id, gridmate), 200, 'Order')
      assert.deepEqual([again.claimed_by, again.version], [gridmate.account.id, 4])
      assert.deepEqual((await detail(c.id)).steps.map((s) => [s.step, s.account_id, s.note]), [
        ['created', community.account.id, ''], ['claimed', grid.account.id, ''], ['returned', grid.account.id, reason], ['claimed', gridmate.account.id, ''],
      ])
      // An order on hold may be returned as well; its hold reason goes with it.
      const h = await claimed()
      check(await act(h.id, 'hold', { reason: '居民不在家' }, grid), 200, 'Order')
      const open = check(await act(h.id, 'return', { reason: '无法入户，退回' }, grid), 200, 'Order')
      assert.deepEqual([open.status, open.hold_reason, open.claimed_by], ['open', '', null])
    } finally {
      stream.close()
    }
  })

  test('only the claimer acts on its order: 403 for others who see it, 404 for who does not; nothing changes', async () => {
    const c = await claimed()
    const reason = { reason: '换个人处理' }
    for (const [step, body] of [['return', reason], ['hold', reason], ['complete', { note: '我来办结' }]]) {
      for (const who of [gridmate, community, street, admin]) checkError(await act(c.id, step, body, who), 403, 'forbidden')
      for (const who of [siblingWorker, ningxinWorker, resident, vendor, steward])
        checkError(await act(c.id, step, body, who), 404, 'not_found')
    }
    check(await act(c.id, 'hold', { reason: '等待物业配合' }, grid), 200, 'Order')
    for (const who of [gridmate, community]) {
      checkError(await act(c.id, 'resume', undefined, who), 403, 'forbidden')
      checkError(await act(c.id, 'return', reason, who), 403, 'forbidden')
    }
    checkError(await act(c.id, 'resume', undefined, resident), 404, 'not_found')
    const d = await detail(c.id)
    assert.deepEqual([d.order.status, d.order.claimed_by, steps(d)], ['on_hold', grid.account.id, ['created', 'claimed', 'held']])
    for (const step of ['return', 'hold', 'resume', 'complete']) {
      checkError(await act('99999999', step, step === 'complete' ? { note: '办结' } : reason, grid), 404, 'not_found')
      checkError(await srv.post(`/api/orders/${c.id}/${step}`, step === 'complete' ? { note: '办结' } : reason), 401, 'unauthenticated')
    }
  })

  test('a step the order\'s status does not allow answers 409', async () => {
    const reason = { reason: '测试状态' }
    const note = { note: '测试办结' }
    // Open: nobody has it.
    const o = await order()
    for (const [step, body] of [['return', reason], ['hold', reason], ['resume', undefined], ['complete', note]])
      checkError(await act(o.id, step, body, grid), 409, 'conflict')
    // Claimed: not on hold.
    const c = await claimed()
    checkError(await act(c.id, 'resume', undefined, grid), 409, 'conflict')
    // On hold: no second hold, no completion before resuming, no claim.
    check(await act(c.id, 'hold', reason, grid), 200, 'Order')
    checkError(await act(c.id, 'hold', reason, grid), 409, 'conflict')
    checkError(await act(c.id, 'complete', note, grid), 409, 'conflict')
    checkError(await claim(c.id, gridmate), 409, 'conflict')
    check(await act(c.id, 'resume', undefined, grid), 200, 'Order')
    // Completed: nothing more.
    check(await act(c.id, 'complete', note, grid), 200, 'Order')
    for (const [step, body] of [['return', reason], ['hold', reason], ['resume', undefined], ['complete', note]])
      checkError(await act(c.id, step, body, grid), 409, 'conflict')
    checkError(await claim(c.id, gridmate), 409, 'conflict')
    assert.deepEqual(steps(await detail(c.id)), ['created', 'claimed', 'held', 'resumed', 'completed'])
  })

  test('reasons and notes: 2 to 500 characters, 422 naming the field', async () => {
    const c = await claimed()
    // Every answer is checked; wrong fields are collected and reported at the end.
    const wrongField = []
    const refused = async (step, body, field) => {
      const e = checkError(await act(c.id, step, body, grid), 422, 'invalid_input')
      if (e.field !== field) wrongField.push(`${step} ${JSON.stringify(body).slice(0, 40)}: field ${e.field}, expected ${field}`)
    }
    for (const step of ['return', 'hold'])
      for (const body of [{}, { reason: '' }, { reason: 'x' }, { reason: 'x'.repeat(501) }, { reason: '字'.repeat(501) }, { reason: 5 }, { note: '原因' }])
        await refused(step, body, 'reason')
    for (const body of [{}, { note: '' }, { note: 'x' }, { note: 'x'.repeat(501) }, { note: 7 }, { reason: '办结' }])
      await refused('complete', body, 'note')
    checkError(await srv.request('POST', `/api/orders/${c.id}/hold`, { token: grid.token, body: 'reason=x', headers: { 'Content-Type': 'text/plain' } }),
      415, 'unsupported_media_type')
    assert.deepEqual(steps(await detail(c.id)), ['created', 'claimed'], 'a refused step left a trace')
    // The bounds themselves are fine.
    const h = check(await act(c.id, 'hold', { reason: '字'.repeat(500) }, grid), 200, 'Order')
    assert.equal(h.hold_reason, '字'.repeat(500))
    check(await act(c.id, 'resume', undefined, grid), 200, 'Order')
    check(await act(c.id, 'complete', { note: '好了' }, grid), 200, 'Order')
    assert.deepEqual(wrongField, [], 'a refused reason or note names another field')
  })
})

// ---------------------------------------------------------------------------------------

describe('my orders', () => {
  test('the orders the caller claimed, newest first, all or by status; paging; bad status 422', async () => {
    const w = (await newAccounts(srv, admin.token, 1, [{ role: 'grid_worker', scope: gridNode.path }], 'orders.mine'))[0]
    assert.deepEqual(check(await srv.get('/api/orders/mine', { token: w.token }), 200, 'OrderList'), { items: [], next_after: null })
    const cs = []
    for (let i = 0; i < 3; i++) cs.push(check(await claim((await order()).id, w), 200, 'Order'))
    check(await act(cs[1].id, 'hold', { reason: '等待配件' }, w), 200, 'Order')
    check(await act(cs[2].id, 'complete', { note: '已处理完毕' }, w), 200, 'Order')
    const ids = cs.map((o) => o.id)
    assert.deepEqual((await mine(w)).map((o) => o.id), [...ids].reverse())
    assert.deepEqual((await mine(w, 'claimed')).map((o) => o.id), [ids[0]])
    assert.deepEqual((await mine(w, 'on_hold')).map((o) => o.id), [ids[1]])
    assert.deepEqual((await mine(w, 'completed')).map((o) => o.id), [ids[2]])
    assert.deepEqual(await mine(w, 'open'), [])
    const one = check(await srv.get('/api/orders/mine?limit=1', { token: w.token }), 200, 'OrderList')
    assert.deepEqual([one.items.map((o) => o.id), one.next_after], [[ids[2]], ids[2]])
    const two = check(await srv.get(`/api/orders/mine?limit=1&after=${one.next_after}`, { token: w.token }), 200, 'OrderList')
    assert.deepEqual(two.items.map((o) => o.id), [ids[1]])
    checkError(await srv.get('/api/orders/mine?status=lost', { token: w.token }), 422, 'invalid_input', { field: 'status' })
    checkError(await srv.get('/api/orders/mine?limit=0', { token: w.token }), 422, 'invalid_input', { field: 'limit' })
    checkError(await srv.get('/api/orders/mine'), 401, 'unauthenticated')
    // Residents have none.
    assert.deepEqual(check(await srv.get('/api/orders/mine', { token: resident.token }), 200, 'OrderList').items, [])
  })
})

endsCleanly(srv)
