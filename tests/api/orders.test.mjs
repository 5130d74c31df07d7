// Work orders (网格下单、全员抢单), issue 5: the category catalogue; making orders (who may, and
// where a point lands: its grid, or the district queue); the pool (who sees which open
// orders, and how the level widens it); claiming, with the race of 64 clients over the same
// 200 orders that must end with exactly one winner each; the claimer's return, hold, resume
// and completion; and the live events of every step.
//
// Escalation is not tested here: deadlines are minutes long and the server's clock is real.
// The unit tests drive it with an injected clock (including a restart in between). (The
// staff's list at the end checks its `overdue` and `escalated` filters on deadlines moved
// into the past in the database: see holdingEscalator.)
//
// The demo: 滨河街道 → 康城社区 → 康城社区第一网格 (the `grid` worker) → 康城小区 → 1号楼 (the
// steward). Other grid workers are made here: a second one in the same grid, one in another
// grid of 康城社区, one in 宁馨社区 (the same street) and one in 安泰社区第六网格, the grid of
// the demo's known point 39.6034 N 109.7812 E (another street).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { describe, test } from 'node:test'
import { inflateRawSync } from 'node:zlib'

import { ENGINE, assertSchema, check, checkError, delay, endsCleanly, startServer, waitFor } from './harness.mjs'
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
  test('the default catalogue of a Chinese district: 22 categories (two of them 居家养老, for home services), readable without a session', async () => {
    assert.equal(catalogue.length, 22)
    assert.equal(new Set(catalogue.map((c) => c.code)).size, 22, 'codes repeat')
    const groups = new Set(catalogue.map((c) => c.group))
    for (const g of ['市容环境', '道路设施', '绿化', '物业', '噪音', '消防通道', '占道经营', '违章停车', '居家养老'])
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

// ---------------------------------------------------------------------------------------
// Editing the catalogue (PUT /api/categories/{code}), the staff's list of orders
// (GET /api/orders) and its export (GET /api/orders/export.xlsx).
//
// Categories made here have codes of their own (`test.*`), so the catalogue tests above keep
// their 20. The list's filters are checked on orders of such a category, so that the orders
// the tests above made do not get in the way.

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const putCategory = (code, json, who = admin) => srv.request('PUT', `/api/categories/${code}`, { token: who?.token, json })
let catSeq = 0
/** A code no other category of this file has. */
const newCode = (base = 'test.cat') => `${base}${++catSeq}`
/** A whole category body: a bike-parking problem with one required single-choice question. */
const categoryBody = (over = {}) => ({
  name_zh: '共享单车乱停放',
  name_en: 'Shared bikes parked badly',
  group: '违章停车',
  claim_minutes: 30,
  finish_minutes: 240,
  claim_roles: ['grid_worker', 'community_staff'],
  questions: [
    {
      code: 'where',
      label_zh: '停放位置',
      label_en: 'Where they are parked',
      datatype: 'singlevaluelist',
      required: true,
      values: [{ key: 'sidewalk', name: '人行道' }, { key: 'blind_path', name: '盲道' }],
    },
  ],
  ...over,
})
/** A category made by the admin (201): its code and the stored category. */
const newCategory = async (over = {}, base) => {
  const code = newCode(base)
  const c = check(await putCategory(code, categoryBody(over)), 201, 'Category')
  return { code, c }
}
const listed = async (query = '', who = admin) => check(await srv.get(`/api/categories${query}`, { token: who?.token }), 200, 'CategoryList').items
/** The staff's list (one page) as `who`. */
const list = async (query, who = admin) => check(await srv.get(`/api/orders?${query}`, { token: who.token }), 200, 'OrderList')
const listIds = async (query, who = admin) => (await list(`${query}&limit=200`, who)).items.map((o) => o.id)
const newestFirst = (...orders) => orders.map((o) => o.id).sort((a, b) => b - a)
/** An order of category `code` (by the community staff at the demo point unless told). */
const orderIn = (code, place = P, who = community) => made({ category: code, description: `列表测试（${++seq}）`, ...place }, who)

/**
 * The parts of a zip held in memory ({ name: Buffer }), read through its central directory;
 * entries stored or deflated.
 */
function unzip(buf) {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  assert.ok(eocd >= 0, 'no end of central directory: not a zip')
  const parts = {}
  let at = buf.readUInt32LE(eocd + 16)
  for (let n = buf.readUInt16LE(eocd + 10); n > 0; n--) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, `no central directory entry at ${at}`)
    const method = buf.readUInt16LE(at + 10)
    const size = buf.readUInt32LE(at + 20)
    const [nameLen, extraLen, commentLen] = [28, 30, 32].map((o) => buf.readUInt16LE(at + o))
    const local = buf.readUInt32LE(at + 42)
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen)
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
    const raw = buf.subarray(start, start + size)
    assert.ok(method === 0 || method === 8, `${name}: compression method ${method}`)
    parts[name] = method === 0 ? raw : inflateRawSync(raw)
    at += 46 + nameLen + extraLen + commentLen
  }
  return parts
}

const unescapeXml = (s) =>
  s.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g, (_, e, d, h) =>
    d ? String.fromCodePoint(Number(d)) : h ? String.fromCodePoint(parseInt(h, 16)) : { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }[e])
/** The text of every <t> in an XML fragment (a rich string has several). */
const texts = (xml) => [...xml.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)].map((m) => unescapeXml(m[1])).join('')
/** Column index of a cell reference ("B7" → 1). */
const column = (ref) => [...ref.replace(/\d+$/, '')].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1

/** The first sheet of an .xlsx as rows of strings (inline or shared strings; empty cells ''). */
function sheetRows(buf, width) {
  const parts = unzip(buf)
  const sheet = parts['xl/worksheets/sheet1.xml']
  assert.ok(sheet, `no xl/worksheets/sheet1.xml among ${Object.keys(parts)}`)
  const sst = parts['xl/sharedStrings.xml']
  const shared = sst ? [...sst.toString('utf8').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) => texts(m[1])) : []
  const rows = []
  for (const r of sheet.toString('utf8').matchAll(/<row\b[^>]*?(?:\/>|>([\s\S]*?)<\/row>)/g)) {
    const row = Array(width).fill('')
    for (const c of (r[1] || '').matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = c[1]
      const inner = c[2] || ''
      const type = /\bt="(\w+)"/.exec(attrs)?.[1]
      const v = /<v>([\s\S]*?)<\/v>/.exec(inner)?.[1]
      row[column(/\br="([A-Z]+\d+)"/.exec(attrs)[1])] = type === 'inlineStr' ? texts(inner) : type === 's' ? shared[Number(v)] : unescapeXml(v ?? '')
    }
    rows.push(row)
  }
  return rows
}

/**
 * Runs `fn` while another connection to the server's database holds the escalator back. The
 * shortest deadline is a minute and the server's clock is real, so deadlines are moved into
 * the past in the database (`sql`, committed first); the escalator, which looks once a
 * second, would move such an order up a level (and re-arm its deadline) at once, so the
 * orders `ids` stay locked until `fn` has run — SQLite: the write lock (BEGIN IMMEDIATE);
 * PostgreSQL: their rows (SELECT … FOR UPDATE). The server reads on meanwhile (WAL, MVCC);
 * its writes wait, so `fn` only reads.
 */
async function holdingEscalator(ids, sql, fn) {
  const sqlite = ENGINE === 'sqlite'
  const child = sqlite
    ? spawn('sqlite3', [srv.db.url.replace(/^sqlite:/, '')])
    : spawn('psql', [srv.db.url, '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1'])
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise((res) => child.on('exit', (code) => res(code)))
  const lock = sqlite ? 'BEGIN IMMEDIATE;' : `BEGIN;\nSELECT id FROM orders WHERE id IN (${ids.join(', ')}) FOR UPDATE;`
  child.stdin.write(`${sqlite ? '.timeout 5000\n' : ''}${sql};\n${lock}\nSELECT 'locked';\n`)
  try {
    await waitFor(() => /^locked$/m.test(out), { ms: 10000, what: 'the lock on the database' })
    return await fn()
  } finally {
    child.stdin.end('COMMIT;\n')
    assert.equal(await exited, 0, `the ${sqlite ? 'sqlite3' : 'psql'} session failed: ${out}`)
  }
}

describe('editing the catalogue', () => {
  test('a district admin adds a category (201) with a list question; it is listed, for anyone, with the defaults filled in', async () => {
    const before = await listed()
    const code = newCode('test.bikes')
    const res = await putCategory(code, categoryBody())
    const c = check(res, 201, 'Category')
    assert.deepEqual(c, {
      code,
      ...categoryBody(),
      departments: [],
      photos_required: false,
      triage: false,
      active: true,
    })
    const after = await listed('', null)
    assert.equal(after.length, before.length + 1)
    assert.deepEqual(after.at(-1), c, 'the new category is not listed last (by id) as answered')
    assert.deepEqual(await listed('', resident), after)
    // Every field given: departments, photos, triage, an optional multi-choice and a number.
    const full = {
      ...categoryBody({ name_zh: '占用消防通道（测试）', name_en: 'Fire lane (test)', group: '消防通道' }),
      claim_minutes: 1,
      finish_minutes: 525600,
      claim_roles: ['inspector', 'grid_worker', 'steward'],
      departments: ['property_company', 'company'],
      photos_required: true,
      triage: true,
      active: true,
      questions: [
        { code: 'what', label_zh: '占用物', label_en: 'What blocks it', datatype: 'multivaluelist', required: false,
          values: [{ key: 'car', name: '车辆' }, { key: 'goods', name: '杂物' }] },
        { code: 'count', label_zh: '数量', label_en: 'How many', datatype: 'number', required: true, values: [] },
        { code: 'since', label_zh: '开始时间', label_en: 'Since', datatype: 'datetime', required: false, values: [] },
      ],
    }
    const code2 = newCode('test.lane')
    assert.deepEqual(check(await putCategory(code2, full), 201, 'Category'), { code: code2, ...full })
    assert.deepEqual((await listed()).find((x) => x.code === code2), { code: code2, ...full })
  })

  test('a known code is replaced whole (200): names, deadlines, roles, and its questions', async () => {
    const { code } = await newCategory()
    const n = (await listed()).length
    const body = categoryBody({
      name_zh: '共享单车堆放',
      name_en: 'Shared bikes piled up',
      claim_minutes: 45,
      finish_minutes: 600,
      claim_roles: ['inspector'],
      departments: ['company'],
      questions: [{ code: 'brand', label_zh: '品牌', label_en: 'Brand', datatype: 'string', required: false, values: [] }],
    })
    const r = check(await putCategory(code, body), 200, 'Category')
    assert.deepEqual(r, { code, ...body, photos_required: false, triage: false, active: true })
    const all = await listed()
    assert.equal(all.length, n, 'a replacement added a category')
    assert.deepEqual(all.find((x) => x.code === code), r)
    // Without `questions`, none are left.
    const bare = categoryBody()
    delete bare.questions
    assert.deepEqual(check(await putCategory(code, bare), 200, 'Category').questions, [])
    assert.deepEqual((await listed()).find((x) => x.code === code).questions, [])
  })

  test('residents report in a new category; its question is enforced; the order gets its deadline', async () => {
    const { code, c } = await newCategory({ claim_minutes: 7 })
    const report = (json) => srv.post('/api/reports', { category: code, description: `单车堆在盲道上（${++seq}）`, ...P, ...json }, { token: resident.token })
    checkError(await report({}), 422, 'invalid_input', { field: 'answers.where' })
    checkError(await report({ answers: { where: 'roof' } }), 422, 'invalid_input', { field: 'answers.where' })
    checkError(await report({ answers: { where: 'sidewalk', colour: 'red' } }), 422, 'invalid_input', { field: 'answers.colour' })
    const r = check(await report({ answers: { where: 'blind_path' } }), 201, 'Report')
    assert.deepEqual([r.category, r.status, r.answers], [code, 'ordered', { where: 'blind_path' }])
    const d = await detail(r.order_id)
    assert.deepEqual([d.order.category, d.order.path, d.order.status], [code, gridNode.path, 'open'])
    assert.equal(d.order.due_at, d.order.created_at + c.claim_minutes * MIN)
    // Staff order in it too; its claim roles decide who may claim.
    const o = await orderIn(code)
    assert.ok((await poolIds(grid)).includes(o.id))
    assert.ok(!(await poolIds(inspector)).includes(o.id))
  })

  test('inactive: hidden from the catalogue, listed with all=true for district admins only; no reports or orders in it; active again', async () => {
    const { code } = await newCategory()
    const before = await orderIn(code)
    const off = check(await putCategory(code, categoryBody({ active: false })), 200, 'Category')
    assert.equal(off.active, false)
    for (const who of [null, resident, grid, admin]) assert.ok(!(await listed('', who)).some((x) => x.code === code), 'an inactive category is listed')
    for (const q of ['?all=true', '?all=1']) {
      const all = await listed(q)
      assert.deepEqual(all.find((x) => x.code === code), off)
      assert.deepEqual(all.filter((x) => x.active), await listed(), 'all=true is not the active ones and the inactive ones')
    }
    assert.deepEqual(await listed('?all=false'), await listed())
    for (const who of [street, community, grid, steward, resident, inspector])
      checkError(await srv.get('/api/categories?all=true', { token: who.token }), 403, 'forbidden')
    checkError(await srv.get('/api/categories?all=true'), 403, 'forbidden')
    checkError(await srv.get('/api/categories?all=maybe', { token: admin.token }), 422, 'invalid_input', { field: 'all' })
    // No new report or order; transfers into it neither. The orders it has go on.
    const report = { category: code, description: '单车乱停', ...P, answers: { where: 'sidewalk' } }
    checkError(await srv.post('/api/reports', report, { token: resident.token }), 422, 'invalid_input', { field: 'category' })
    checkError(await create({ category: code, description: '单车乱停', ...P }, community), 422, 'invalid_input', { field: 'category' })
    const other = await order()
    checkError(await act(other.id, 'transfer', { category: code, reason: '转到单车类' }, community), 422, 'invalid_input', { field: 'category' })
    assert.equal((await detail(before.id)).order.category, code)
    check(await claim(before.id, grid), 200, 'Order')
    // Active again: reports are taken again.
    check(await putCategory(code, categoryBody()), 200, 'Category')
    assert.ok((await listed()).some((x) => x.code === code))
    check(await srv.post('/api/reports', report, { token: resident.token }), 201, 'Report')
  })

  test('bad input answers 422 naming the field; nothing is written', async () => {
    const q = (over = {}) => ({ ...categoryBody().questions[0], ...over })
    const str = (i) => ({ code: `q${i}`, label_zh: `问题${i}`, label_en: `Question ${i}`, datatype: 'string' })
    const wrong = []
    const codes = []
    const bad = async (code, body, field) => {
      codes.push(code)
      const res = await putCategory(code, body)
      if (res.status !== 422) return wrong.push(`${code} ${JSON.stringify(body).slice(0, 80)}: ${res.status} ${res.text.slice(0, 120)}`)
      const e = checkError(res, 422, 'invalid_input')
      if (e.field !== field) wrong.push(`${code} ${JSON.stringify(body).slice(0, 80)}: field ${e.field}, expected ${field}`)
    }
    // The code in the URL.
    for (const code of [encodeURIComponent('Bad Code'), 'Bad.code', '9lives', '_x', 'a-b', 'a'.repeat(65), encodeURIComponent('路灯')])
      await bad(code, categoryBody(), 'code')
    const code = newCode('test.bad')
    const without = (field) => {
      const b = categoryBody()
      delete b[field]
      return b
    }
    for (const f of ['name_zh', 'name_en', 'group', 'claim_minutes', 'finish_minutes', 'claim_roles']) await bad(code, without(f), f)
    for (const [over, field] of [
      [{ name_zh: '' }, 'name_zh'],
      [{ name_zh: '长'.repeat(101) }, 'name_zh'],
      [{ name_en: 'Two\nlines' }, 'name_en'],
      [{ group: 7 }, 'group'],
      [{ claim_minutes: 0 }, 'claim_minutes'],
      [{ claim_minutes: -5 }, 'claim_minutes'],
      [{ claim_minutes: '30' }, 'claim_minutes'],
      [{ finish_minutes: 0 }, 'finish_minutes'],
      [{ finish_minutes: 525601 }, 'finish_minutes'],
      [{ claim_roles: [] }, 'claim_roles'],
      [{ claim_roles: ['wizard'] }, 'claim_roles'],
      [{ claim_roles: ['resident'] }, 'claim_roles'],
      [{ claim_roles: ['grid_worker', 'resident'] }, 'claim_roles'],
      [{ claim_roles: ['grid_worker', 'grid_worker'] }, 'claim_roles'],
      [{ claim_roles: 'grid_worker' }, 'claim_roles'],
      [{ claim_roles: [7] }, 'claim_roles'],
      [{ departments: ['spaceport'] }, 'departments'],
      [{ departments: ['school', 'school'] }, 'departments'],
      [{ departments: 'school' }, 'departments'],
      [{ photos_required: 'yes' }, 'photos_required'],
      [{ triage: 1 }, 'triage'],
      [{ active: 'false' }, 'active'],
      [{ questions: 'where' }, 'questions'],
      [{ questions: Array.from({ length: 21 }, (_, i) => str(i)) }, 'questions'],
      [{ questions: ['where'] }, 'questions[0]'],
      [{ questions: [q({ values: [] })] }, 'questions[0].values'],
      [{ questions: [q({ values: undefined })] }, 'questions[0].values'],
      [{ questions: [q({ datatype: 'multivaluelist', values: [] })] }, 'questions[0].values'],
      [{ questions: [q({ datatype: 'string' })] }, 'questions[0].values'],
      [{ questions: [q({ datatype: 'number', values: [{ key: 'one', name: '一' }] })] }, 'questions[0].values'],
      [{ questions: [q({ values: [{ key: 'a', name: '甲' }, { key: 'a', name: '乙' }] })] }, 'questions[0].values'],
      [{ questions: [q({ values: [{ key: 'A', name: '甲' }] })] }, 'questions[0].values'],
      [{ questions: [q({ values: [{ key: 'a', name: '' }] })] }, 'questions[0].values'],
      [{ questions: [q({ values: [{ key: 'a' }] })] }, 'questions[0].values'],
      [{ questions: [q({ values: Array.from({ length: 51 }, (_, i) => ({ key: `v${i}`, name: `值${i}` })) })] }, 'questions[0].values'],
      [{ questions: [q(), q()] }, 'questions[1].code'],
      [{ questions: [str(1), q({ code: 'Where' })] }, 'questions[1].code'],
      [{ questions: [q({ code: 'x'.repeat(41) })] }, 'questions[0].code'],
      [{ questions: [q({ code: undefined })] }, 'questions[0].code'],
      [{ questions: [q({ label_en: undefined })] }, 'questions[0].label_en'],
      [{ questions: [q({ label_zh: '标'.repeat(201) })] }, 'questions[0].label_zh'],
      [{ questions: [q({ datatype: 'boolean' })] }, 'questions[0].datatype'],
    ])
      await bad(code, categoryBody(over), field)
    assert.deepEqual(wrong, [], `${wrong.length} refusals are not the 422 expected`)
    // Nothing was written, under any of the codes.
    const all = await listed('?all=true')
    assert.deepEqual(all.filter((c) => codes.includes(c.code)).map((c) => c.code), [])
    // The limits themselves are fine: 20 questions, 50 values, a year, 100 characters.
    const edge = categoryBody({
      name_zh: '长'.repeat(100),
      claim_minutes: 1,
      finish_minutes: 525600,
      questions: [q({ values: Array.from({ length: 50 }, (_, i) => ({ key: `v${i}`, name: `值${i}` })) }), ...Array.from({ length: 19 }, (_, i) => str(i))],
    })
    const made20 = check(await putCategory(code, edge), 201, 'Category')
    assert.deepEqual([made20.questions.length, made20.questions[0].values.length, made20.name_zh], [20, 50, '长'.repeat(100)])
    // Not JSON: 415; broken JSON: 400.
    checkError(await srv.request('PUT', `/api/categories/${code}`, { token: admin.token, body: 'name_zh=x', headers: { 'Content-Type': 'text/plain' } }),
      415, 'unsupported_media_type')
    checkError(await srv.request('PUT', `/api/categories/${code}`, { token: admin.token, body: '{"name_zh":', headers: { 'Content-Type': 'application/json' } }),
      400, 'bad_request')
  })

  // Names, groups, labels and value names are lines people type, as every other name of the
  // platform (text::plain_line): no control characters, not only spaces. (A NUL is worse
  // than odd: PostgreSQL cuts the value there, silently; SQLite keeps it whole.) And a
  // question's `required` is true or false like every other flag of the body.
  test('names and labels are plain lines: control characters or only spaces 422; a question\'s required is true or false', async () => {
    const q = (over = {}) => ({ ...categoryBody().questions[0], ...over })
    const wrong = []
    for (const [over, field] of [
      [{ name_zh: '   ' }, 'name_zh'],
      [{ name_en: 'Bikes\u0001' }, 'name_en'],
      [{ name_en: '\u001b[31mRed\u001b[0m' }, 'name_en'],
      [{ group: '违章\u0000停车' }, 'group'],
      [{ name_zh: '单车\u007f' }, 'name_zh'],
      [{ questions: [q({ label_zh: '位置\u0000' })] }, 'questions[0].label_zh'],
      [{ questions: [q({ label_en: ' ' })] }, 'questions[0].label_en'],
      [{ questions: [q({ values: [{ key: 'a', name: '人行道\u0007' }] })] }, 'questions[0].values'],
      [{ questions: [q({ required: 'yes' })] }, 'questions[0].required'],
      [{ questions: [q({ required: 1 })] }, 'questions[0].required'],
    ]) {
      const code = newCode('test.lines')
      const res = await putCategory(code, categoryBody(over))
      if (res.status !== 422) wrong.push(`${JSON.stringify(over)}: ${res.status} ${res.text.slice(0, 160)}`)
      else if (checkError(res, 422, 'invalid_input').field !== field) wrong.push(`${JSON.stringify(over)}: field ${res.json().error.field}, expected ${field}`)
      // A category taken anyway is made inactive, so that it leaves the catalogue.
      if (res.status === 201) check(await putCategory(code, categoryBody({ active: false })), 200, 'Category')
    }
    assert.deepEqual(wrong, [], `${wrong.length} of 10 refusals are not the 422 expected`)
  })

  test('only district admins: 403 for every other role, 401 without a session; the catalogue is unchanged', async () => {
    const code = newCode('test.denied')
    const { code: known, c } = await newCategory()
    for (const who of [street, community, grid, steward, resident, inspector, vendor, doctor, elder]) {
      checkError(await putCategory(code, categoryBody(), who), 403, 'forbidden')
      checkError(await putCategory(known, categoryBody({ name_zh: '被改了', active: false }), who), 403, 'forbidden')
    }
    checkError(await putCategory(code, categoryBody(), null), 401, 'unauthenticated')
    const all = await listed('?all=true')
    assert.ok(!all.some((x) => x.code === code))
    assert.deepEqual(all.find((x) => x.code === known), c)
  })

  test('audited: category.created, then category.changed, by the admin, with the code and whether it is active', async () => {
    const t0 = Date.now()
    const { code } = await newCategory()
    check(await putCategory(code, categoryBody({ active: false })), 200, 'Category')
    const audit = check(await srv.get(`/api/audit?actor=${admin.account.id}&since=${t0 - 1000}&limit=200`, { token: admin.token }), 200, 'AuditPage')
    const mine = audit.items.filter((r) => r.details?.code === code)
    assert.deepEqual(mine.map((r) => [r.action, r.details]), [
      ['category.changed', { code, active: false }],
      ['category.created', { code, active: true }],
    ])
    assert.match(mine[0].target, /^category:[0-9]+$/)
    assert.equal(mine[1].target, mine[0].target)
    for (const r of mine) assert.deepEqual([r.actor_id, r.ip], [admin.account.id, '127.0.0.1'])
    const byTarget = check(await srv.get(`/api/audit?target=${mine[0].target}`, { token: admin.token }), 200, 'AuditPage')
    assert.deepEqual(byTarget.items.map((r) => r.action), ['category.changed', 'category.created'])
  })

  test('the same new code written by 8 requests at once: added once (one 201), the others replace it (200) or 409', async () => {
    const code = newCode('test.race')
    const t0 = Date.now()
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => putCategory(code, categoryBody({ name_en: `Race ${i}` }))))
    const statuses = answers.map((r) => r.status)
    assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses ${statuses}`)
    for (const r of answers) {
      if (r.status === 409) checkError(r, 409, 'conflict')
      else check(r, r.status === 201 ? 201 : 200, 'Category')
    }
    assert.equal((await listed()).filter((x) => x.code === code).length, 1)
    const audit = check(await srv.get(`/api/audit?actor=${admin.account.id}&since=${t0 - 1000}&limit=200`, { token: admin.token }), 200, 'AuditPage')
    const mine = audit.items.filter((r) => r.details?.code === code)
    assert.equal(mine.filter((r) => r.action === 'category.created').length, 1)
    assert.equal(mine.filter((r) => r.action === 'category.changed').length, statuses.filter((s) => s === 200).length)
  })
})

// ---------------------------------------------------------------------------------------

describe('the staff\'s list of orders', () => {
  test('the staff over a node see its orders, newest first; without node, their own scopes; paging by next_after', async () => {
    const { code } = await newCategory({}, 'test.list')
    const [a, b, c] = [await orderIn(code), await orderIn(code), await orderIn(code)]
    const atCommunity = await made({ category: code, description: '社区级列表测试', node_id: kangcheng.id }, community)
    const atSibling = await made({ category: code, description: '相邻网格列表测试', node_id: sibling.id }, admin)
    const inGrid = newestFirst(a, b, c)
    const inCommunity = newestFirst(a, b, c, atCommunity, atSibling)
    for (const who of [admin, street, community, grid]) {
      const got = await list(`node=${gridNode.id}&category=${code}`, who)
      assert.deepEqual([got.items.map((o) => o.id), got.next_after], [inGrid, null], `${who.account.username}'s list of the grid`)
      assert.deepEqual(got.items.find((o) => o.id === a.id), (await detail(a.id)).order)
    }
    for (const who of [admin, street, community]) assert.deepEqual(await listIds(`node=${kangcheng.id}&category=${code}`, who), inCommunity)
    // Without node: every scope where the caller dispatches.
    assert.deepEqual(await listIds(`category=${code}`, grid), inGrid)
    assert.deepEqual(await listIds(`category=${code}`, siblingWorker), [atSibling.id])
    assert.deepEqual(await listIds(`category=${code}`, ningxinWorker), [])
    for (const who of [admin, street, community]) assert.deepEqual(await listIds(`category=${code}`, who), inCommunity)
    // Newest first over every category too.
    const everything = await listIds('node=' + gridNode.id, grid)
    assert.deepEqual(everything, [...everything].sort((x, y) => y - x))
    assert.equal(everything[0], inGrid[0])
    // Pages: limit, next_after, after.
    const p1 = await list(`category=${code}&limit=2`, community)
    assert.deepEqual([p1.items.map((o) => o.id), p1.next_after], [inCommunity.slice(0, 2), inCommunity[1]])
    const p2 = await list(`category=${code}&limit=2&after=${p1.next_after}`, community)
    assert.deepEqual([p2.items.map((o) => o.id), p2.next_after], [inCommunity.slice(2, 4), inCommunity[3]])
    const p3 = await list(`category=${code}&limit=2&after=${p2.next_after}`, community)
    assert.deepEqual([p3.items.map((o) => o.id), p3.next_after], [inCommunity.slice(4), null])
    // A page that holds exactly the rest has no next page.
    assert.equal((await list(`category=${code}&limit=5`, community)).next_after, null)
    const all = await allPages(srv, `/api/orders?category=${code}`, community.token, (r) => check(r, 200, 'OrderList'))
    assert.deepEqual(all.map((o) => o.id), inCommunity)
  })

  test('filters: status and category', async () => {
    const { code } = await newCategory({}, 'test.status')
    const [open, claimedOne, held, done] = [await orderIn(code), await orderIn(code), await orderIn(code), await orderIn(code)]
    for (const o of [claimedOne, held, done]) check(await claim(o.id, grid), 200, 'Order')
    check(await act(held.id, 'hold', { reason: '等待配合' }, grid), 200, 'Order')
    check(await act(done.id, 'complete', { note: '已挪走单车' }, grid), 200, 'Order')
    const q = `node=${gridNode.id}&category=${code}`
    for (const [status, want] of [['open', [open]], ['claimed', [claimedOne]], ['on_hold', [held]], ['completed', [done]], ['verified', []], ['closed', []]])
      assert.deepEqual(await listIds(`${q}&status=${status}`, community), newestFirst(...want), `status=${status}`)
    assert.deepEqual(await listIds(q, community), newestFirst(open, claimedOne, held, done))
    // Another category's orders are not this one's; a code nobody uses lists nothing.
    const light = await order('road.streetlight')
    assert.ok(!(await listIds(q, community)).includes(light.id))
    assert.ok((await listIds(`node=${gridNode.id}&category=road.streetlight`, community)).includes(light.id))
    assert.deepEqual(await listIds(`node=${gridNode.id}&category=no.such.code`, community), [])
    const openIds = await listIds(`node=${gridNode.id}&status=open`, community)
    assert.ok(openIds.includes(open.id) && openIds.includes(light.id) && !openIds.includes(claimedOne.id))
  })

  test('overdue: unfinished and past a deadline, now or before; escalated: missed one at least once (deadlines moved into the past)', async () => {
    const { code } = await newCategory({ claim_minutes: 1, finish_minutes: 2 }, 'test.late')
    const [late, lateClaimed, onTime, held, done] = [await orderIn(code), await orderIn(code), await orderIn(code), await orderIn(code), await orderIn(code)]
    assert.equal(late.due_at, late.created_at + MIN)
    for (const o of [lateClaimed, held, done]) check(await claim(o.id, grid), 200, 'Order')
    check(await act(held.id, 'hold', { reason: '等待配合' }, grid), 200, 'Order')
    check(await act(done.id, 'complete', { note: '已处理' }, grid), 200, 'Order')
    const q = `category=${code}`
    assert.deepEqual(await listIds(`${q}&overdue=true`), [])
    assert.deepEqual(await listIds(`${q}&escalated=true`), [])
    const moved = [late, lateClaimed, held, done].map((o) => o.id)
    const past = Date.now() - 5000
    const seen = await holdingEscalator(moved, `UPDATE orders SET due_at = ${past} WHERE id IN (${moved.join(', ')}) AND due_at IS NOT NULL`, async () => {
      const got = {}
      for (const who of [admin, street, community, grid]) got[who.account.username] = await listIds(`${q}&overdue=true&node=${gridNode.id}`, who)
      got.withStatus = await listIds(`${q}&overdue=true&status=claimed`)
      got.overdue1 = await listIds(`${q}&overdue=1&escalated=false`)
      got.escalated = await listIds(`${q}&escalated=true`)
      return got
    })
    const overdue = newestFirst(late, lateClaimed)
    for (const who of [admin, street, community, grid]) assert.deepEqual(seen[who.account.username], overdue, `${who.account.username}'s overdue orders`)
    assert.deepEqual([seen.withStatus, seen.overdue1, seen.escalated], [[lateClaimed.id], overdue, []])
    // Released, the escalator moves both up to the community, once, and re-arms their deadlines.
    await waitFor(async () => (await detail(late.id)).order.escalations === 1 && (await detail(lateClaimed.id)).order.escalations === 1,
      { ms: 10000, every: 100, what: 'the escalator to move the overdue orders' })
    for (const [o, missed] of [[late, 'claim'], [lateClaimed, 'finish']]) {
      const d = await detail(o.id)
      assert.deepEqual([d.order.path, d.order.level, d.order.escalations], [kangcheng.path, 'community', 1])
      assert.ok(d.order.due_at > Date.now(), 'the deadline was not re-armed')
      const step = d.steps.at(-1)
      assert.deepEqual([step.step, step.account_id, step.details.from, step.details.to, step.details.missed], ['escalated', null, 'grid', 'community', missed])
    }
    assert.deepEqual(await listIds(`${q}&escalated=true`), overdue)
    assert.deepEqual(await listIds(`${q}&escalated=true&node=${kangcheng.id}`, community), overdue)
    assert.deepEqual(await listIds(`${q}&escalated=true&status=open`, street), [late.id])
    assert.deepEqual(await listIds(`${q}&escalated=false`), newestFirst(late, lateClaimed, onTime, held, done))
    // They are the community's now: no longer under the grid, nor in the grid worker's list.
    assert.deepEqual(await listIds(`${q}&escalated=true&node=${gridNode.id}`), [])
    assert.deepEqual(await listIds(q, grid), newestFirst(onTime, held, done))
    // Their deadlines are re-armed, but they are still late: overdue means unfinished and past a
    // deadline, now or before (the escalation set the next one at once).
    assert.deepEqual(await listIds(`${q}&overdue=true`), overdue)
    check(await act(lateClaimed.id, 'complete', { note: '已处理' }, grid), 200, 'Order')
    assert.deepEqual(await listIds(`${q}&overdue=true`), [late.id], 'a finished order is not overdue')
  })

  test('who may not: residents, stewards and other roles 403; a node outside the caller\'s view 404; bad filters 422; no session 401', async () => {
    for (const who of [resident, steward, elder, vendor, inspector, doctor]) {
      checkError(await srv.get('/api/orders', { token: who.token }), 403, 'forbidden')
      checkError(await srv.get('/api/orders/export.xlsx', { token: who.token }), 403, 'forbidden')
    }
    checkError(await srv.get(`/api/orders?node=${gridNode.id}`, { token: resident.token }), 403, 'forbidden')
    checkError(await srv.get(`/api/orders?node=${building1.id}`, { token: steward.token }), 403, 'forbidden')
    // A grid worker does not dispatch in its community: 403 (it sees the node).
    checkError(await srv.get(`/api/orders?node=${kangcheng.id}`, { token: grid.token }), 403, 'forbidden')
    for (const [who, node] of [[grid, sibling], [community, knownGrid], [street, knownGrid], [steward, knownGrid], [admin, { id: 99999999 }]]) {
      checkError(await srv.get(`/api/orders?node=${node.id}`, { token: who.token }), 404, 'not_found', { field: 'node' })
      checkError(await srv.get(`/api/orders/export.xlsx?node=${node.id}`, { token: who.token }), 404, 'not_found', { field: 'node' })
    }
    for (const query of ['status=lost', 'status=OPEN', 'limit=0', 'limit=201', 'limit=x', 'after=-1', 'after=x', 'node=abc', 'overdue=maybe', 'escalated=2']) {
      const field = query.split('=')[0]
      checkError(await srv.get(`/api/orders?${query}`, { token: community.token }), 422, 'invalid_input', { field })
      if (!['limit', 'after'].includes(field))
        checkError(await srv.get(`/api/orders/export.xlsx?${query}`, { token: community.token }), 422, 'invalid_input', { field })
    }
    checkError(await srv.get('/api/orders'), 401, 'unauthenticated')
    checkError(await srv.get('/api/orders/export.xlsx'), 401, 'unauthenticated')
  })
})

// ---------------------------------------------------------------------------------------

describe('the export of the list', () => {
  const HEAD = ['工单号', '类别', '描述', '状态', '层级', '发生地', '当前位置', '创建时间',
    '抢单人', '抢单时间', '截止时间', '完成时间', '升级次数', '重开次数', '评分', '评价']
  const STATUS_ZH = { open: '待抢单', claimed: '处理中', on_hold: '挂起', completed: '已完成', verified: '已核实', closed: '已评价' }
  const LEVEL_ZH = { grid: '网格', community: '社区', street: '街道', district: '区' }
  /** "2026-11-29 19:40" in the district's time (UTC+8), as the export writes times. */
  const local = (ms) => (ms == null ? '' : new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' '))
  const exported = async (query, who = community) => {
    const res = await srv.get(`/api/orders/export.xlsx?${query}`, { token: who.token })
    check(res, 200)
    assert.equal(res.header('content-type'), XLSX_TYPE)
    assert.match(res.header('content-disposition'), /attachment; filename="orders\.xlsx"/)
    assert.equal(res.buf.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'not a zip')
    const rows = sheetRows(res.buf, HEAD.length)
    assert.deepEqual(rows[0], HEAD)
    assert.ok(!/<f[ >]/.test(unzip(res.buf)['xl/worksheets/sheet1.xml'].toString('utf8')), 'the sheet has a formula')
    return rows.slice(1)
  }

  test('an .xlsx of the same orders as the list, newest first, every column', async () => {
    const { code, c } = await newCategory({ name_zh: '导出测试类别' }, 'test.export')
    const tricky = await made({ category: code, description: '=HYPERLINK("http://x","<b>单车 & 电动车</b>")\n第二行', ...P }, community)
    const a = await orderIn(code)
    const b = await orderIn(code)
    const atCommunity = await made({ category: code, description: '社区级导出测试', node_id: kangcheng.id }, community)
    check(await claim(a.id, grid), 200, 'Order')
    check(await act(a.id, 'complete', { note: '已挪走' }, grid), 200, 'Order')
    check(await claim(b.id, community), 200, 'Order')
    const query = `node=${kangcheng.id}&category=${code}`
    const items = (await list(`${query}&limit=200`, community)).items
    assert.deepEqual(items.map((o) => o.id), newestFirst(tricky, a, b, atCommunity))
    const rows = await exported(query)
    assert.deepEqual(rows.map((r) => Number(r[0])), items.map((o) => o.id), 'the export holds other orders than the list')
    for (const [i, o] of items.entries()) {
      const want = [String(o.id), c.name_zh, o.description, STATUS_ZH[o.status], LEVEL_ZH[o.level], o.origin_path, o.path, local(o.created_at),
        o.claimed_by == null ? '' : String(o.claimed_by), local(o.claimed_at), local(o.due_at), local(o.completed_at),
        String(o.escalations), String(o.reopens), o.rating == null ? '' : String(o.rating), o.rating_comment ?? '']
      assert.deepEqual(rows[i], want, `order ${o.id}`)
    }
    // The same filters as the list: status, and the node's subtree.
    const claimedRows = await exported(`${query}&status=claimed`)
    assert.deepEqual(claimedRows.map((r) => Number(r[0])), [b.id])
    assert.deepEqual((await exported(`node=${gridNode.id}&category=${code}`, grid)).map((r) => Number(r[0])), newestFirst(tricky, a, b))
    assert.deepEqual((await exported(`category=${code}`, grid)).map((r) => Number(r[0])), newestFirst(tricky, a, b))
    assert.deepEqual(await exported('category=no.such.code', admin), [])
  })

  test('the export is not paged: more orders than a page of the list', async () => {
    const { code } = await newCategory({}, 'test.many')
    const orders = await inParallel(Array.from({ length: 205 }, () => () => orderIn(code)), 16)
    const list1 = await list(`category=${code}&limit=200`, community)
    assert.equal(list1.items.length, 200)
    assert.notEqual(list1.next_after, null)
    const rows = await exported(`category=${code}`)
    assert.deepEqual(rows.map((r) => Number(r[0])), newestFirst(...orders))
  })
})

// ---------------------------------------------------------------------------------------

describe('departments: members of organisations claim', () => {
  test('a property company\'s member claims city.litter in its grid, not road.manhole; no more once removed', async () => {
    const compound = await asAdmin(`/api/nodes/${building1.parent_id}`, 'Node')
    assert.equal(compound.kind, 'compound')
    const org = check(await srv.post('/api/organisations', { node_id: compound.id, kind: 'property_company', name: `部门测试物业${Date.now()}` }, { token: admin.token }), 201, 'Organisation')
    assert.ok(cat('city.litter').departments.includes('property_company'), 'city.litter names no property company')
    assert.deepEqual(cat('road.manhole').departments, [])
    // A fresh account, only a resident there: by its grant it claims nothing.
    const username = `orders.dept${Date.now()}`
    const acct = check(await srv.post('/api/accounts', { username, display_name: '物业员工', password: 'a-good-password', roles: [{ role: 'resident', scope: compound.path }] }, { token: admin.token }), 201)
    const members = check(await srv.post(`/api/organisations/${org.id}/members`, { account_id: acct.id }, { token: admin.token }), 200, 'OrganisationMemberList')
    assert.deepEqual(members.items.map((m) => m.account_id), [acct.id])
    // A new login: a new session, whose principal has the department.
    const member = await srv.login(username, 'a-good-password')
    const me = check(await srv.get('/api/me', { token: member.token }), 200, 'Me')
    assert.deepEqual(me.departments, [{ organisation_id: org.id, kind: 'property_company', path: compound.path }])

    // Its orders' live events reach it.
    const stream = await srv.events({ token: member.token })
    let litter
    try {
      litter = await order('city.litter')
      await stream.nextEvent('order.created', (d) => d.payload?.order_id === litter.id)
    } finally {
      stream.close()
    }
    const manhole = await order('road.manhole')
    const elsewhere = await made({ category: 'city.litter', description: '别的网格的垃圾', node_id: sibling.id }, community)
    const pool = new Set(await poolIds(member))
    assert.ok(pool.has(litter.id), 'the city.litter order of its grid is not in the member\'s pool')
    assert.ok(!pool.has(manhole.id), 'a road.manhole order (no departments) is in the member\'s pool')
    assert.ok(!pool.has(elsewhere.id), 'an order of another grid is in the member\'s pool')
    assert.equal((await detail(litter.id, member)).order.id, litter.id)
    for (const o of [manhole, elsewhere]) {
      checkError(await srv.get(`/api/orders/${o.id}`, { token: member.token }), 404, 'not_found')
      const r = await claim(o.id, member)
      assert.ok([403, 404].includes(r.status), `claiming ${o.category} ${o.id}: ${r}`)
      checkError(r, r.status, r.status === 404 ? 'not_found' : 'forbidden')
    }
    const won = check(await claim(litter.id, member), 200, 'Order')
    assert.deepEqual([won.status, won.claimed_by], ['claimed', acct.id])
    assert.deepEqual((await mine(member)).map((o) => o.id), [litter.id])

    // No longer a member: a new login claims no city.litter (it still sees the order it claimed).
    const left = check(await srv.request('DELETE', `/api/organisations/${org.id}/members/${acct.id}`, { token: admin.token }), 200, 'OrganisationMemberList')
    assert.deepEqual(left.items, [])
    const former = await srv.login(username, 'a-good-password')
    assert.deepEqual(check(await srv.get('/api/me', { token: former.token }), 200, 'Me').departments, [])
    const next = await order('city.litter')
    assert.ok(!(await poolIds(former)).includes(next.id), 'a former member still has city.litter in its pool')
    checkError(await claim(next.id, former), 404, 'not_found')
    assert.equal(check(await claim(next.id, grid), 200, 'Order').status, 'claimed', 'the grid worker could not claim it')
    assert.equal((await detail(litter.id, former)).order.claimed_by, acct.id)
  })
})

endsCleanly(srv)
