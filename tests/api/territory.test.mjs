// The territory tree: the demo district, paging, creating and renaming nodes, who sees and
// who may shape which part of the tree, and the territory events on the live stream.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { assertSchema, check, checkError, delay, endsCleanly, startServer } from './harness.mjs'

const srv = await startServer()
const admin = await srv.loginAs('admin')
const resident = await srv.loginAs('resident')

const STREETS = ['滨河街道', '青春山街道', '哈巴格希街道', '康新街道']
const SOME_COMMUNITIES = ['康城社区', '宁馨社区', '神华康城社区', '格德热格社区']

const get = (path, token = admin.token) => srv.get(path, { token })
const create = (body, token = admin.token) => srv.post('/api/nodes', body, { token })
const rename = (id, body, token = admin.token) => srv.request('PATCH', `/api/nodes/${id}`, { token, json: body })

let seq = 0
/** A name no other test uses. */
const fresh = (base) => `${base}${++seq}`

/** Every child of `parentId` the caller sees, over all pages (checked against NodeList). */
async function children(parentId, token = admin.token, limit = 200) {
  const out = []
  let after = 0
  for (let pages = 0; pages < 100; pages++) {
    const p = check(await get(`/api/nodes?parent=${parentId}&limit=${limit}&after=${after}`, token), 200, 'NodeList')
    out.push(...p.items)
    if (p.next_after === null) return out
    after = p.next_after
  }
  assert.fail(`more than 100 pages of children under ${parentId}`)
}

/** Creates a node as admin (201) and returns it. */
async function node(parent, kind, name = fresh(kind)) {
  return check(await create({ parent_id: parent.id, kind, name }), 201, 'Node')
}

/** Creates an account with these grants and signs it in; returns the LoginResponse. */
async function staff(roles) {
  const username = fresh('terr.user')
  const password = 'a-good-password'
  check(await srv.post('/api/accounts', { username, display_name: username, password, roles }, { token: admin.token }), 201, 'Account')
  return srv.login(username, password)
}

const open = []
after(() => open.forEach((s) => s.close()))

/** Opens a live stream that must answer 200. */
async function subscribe(token) {
  const s = await srv.events({ token })
  assert.equal(s.reply.status, 200, `stream refused: ${s.reply}`)
  check(s.reply, 200)
  open.push(s)
  return s
}

/** Checks one received frame against Event; returns its data. */
function checkFrame(item) {
  assert.ok(item.data, `data is not JSON: ${item.raw}`)
  assertSchema(item.data, 'Event', `event ${item.raw}`)
  assert.equal(item.id, String(item.data.id), 'the id: line differs from data.id')
  assert.equal(item.event, item.data.type, 'the event: line differs from data.type')
  return item.data
}

// The demo tree as the admin sees it at the start (read once; the tests below check it).
const top = check(await get('/api/nodes'), 200, 'NodeList')
const root = top.items[0]
assert.ok(root, `no top node for the admin: ${JSON.stringify(top)}`)
const streets = await children(root.id)
const byName = (list, name) => {
  const n = list.find((x) => x.name === name)
  assert.ok(n, `${name} is not among ${list.map((x) => x.name)}`)
  return n
}
const streetA = byName(streets, '滨河街道') // 康城社区, 宁馨社区, 神华康城社区 are here
const streetB = byName(streets, '青春山街道') // 格德热格社区 is here
const communitiesA = await children(streetA.id)
const communitiesB = await children(streetB.id)
const kangcheng = byName(communitiesA, '康城社区')
const ningxin = byName(communitiesA, '宁馨社区')
const gederege = byName(communitiesB, '格德热格社区')

describe('the demo tree', () => {
  test('the admin at / sees one top node: the root district 康巴什区 at /', () => {
    assert.equal(top.items.length, 1, JSON.stringify(top))
    assert.equal(top.next_after, null)
    assert.equal(root.kind, 'district')
    assert.equal(root.name, '康巴什区')
    assert.equal(root.parent_id, null)
    assert.equal(root.path, '/')
  })

  test('the root has the four streets, ordered by id, at /<id>', () => {
    assert.deepEqual(streets.map((s) => s.name).sort(), [...STREETS].sort())
    const ids = streets.map((s) => s.id)
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'not ordered by id')
    for (const s of streets) {
      assert.equal(s.kind, 'street')
      assert.equal(s.parent_id, root.id)
      assert.equal(s.path, `/${s.id}`)
    }
  })

  test('nineteen communities under the streets, at /<street>/<id>', async () => {
    const all = []
    for (const s of streets) {
      const cs = await children(s.id)
      const ids = cs.map((c) => c.id)
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), `children of ${s.name} not ordered by id`)
      for (const c of cs) {
        assert.equal(c.kind, 'community', JSON.stringify(c))
        assert.equal(c.parent_id, s.id)
        assert.equal(c.path, `/${s.id}/${c.id}`)
      }
      all.push(...cs)
    }
    assert.equal(all.length, 19, all.map((c) => c.name).join(' '))
    assert.equal(new Set(all.map((c) => c.id)).size, 19, 'a community listed twice')
    for (const name of SOME_COMMUNITIES) byName(all, name)
  })

  test('GET /api/nodes/{id} answers the same node as the listing', async () => {
    for (const n of [root, ...streets, kangcheng, gederege]) {
      const got = check(await get(`/api/nodes/${n.id}`), 200, 'Node')
      assert.deepEqual(got, n)
      assert.ok(got.updated_at >= got.created_at, JSON.stringify(got))
    }
  })
})

describe('list and paging', () => {
  test('limit=2 over the streets: two full pages chained by next_after, the last one null', async () => {
    const p1 = check(await get(`/api/nodes?parent=${root.id}&limit=2`), 200, 'NodeList')
    assert.equal(p1.items.length, 2)
    assert.equal(p1.next_after, p1.items[1].id, 'next_after is not the last id of the page')
    const p2 = check(await get(`/api/nodes?parent=${root.id}&limit=2&after=${p1.next_after}`), 200, 'NodeList')
    assert.equal(p2.items.length, 2)
    assert.equal(p2.next_after, null, 'the page with the last street is the last page')
    assert.deepEqual([...p1.items, ...p2.items], streets)
  })

  test('limit=3 over the streets: 3, then 1 with next_after null', async () => {
    const p1 = check(await get(`/api/nodes?parent=${root.id}&limit=3`), 200, 'NodeList')
    assert.equal(p1.items.length, 3)
    assert.equal(p1.next_after, p1.items[2].id)
    const p2 = check(await get(`/api/nodes?parent=${root.id}&limit=3&after=${p1.next_after}`), 200, 'NodeList')
    assert.deepEqual(p2, { items: [streets[3]], next_after: null })
  })

  test('after the last id: an empty page and next_after null', async () => {
    const p = check(await get(`/api/nodes?parent=${root.id}&after=${streets[3].id}`), 200, 'NodeList')
    assert.deepEqual(p, { items: [], next_after: null })
  })

  test('the default page holds 50', async () => {
    const grid = await node(kangcheng, 'grid', fresh('分页网格'))
    const names = Array.from({ length: 51 }, (_, i) => `小区${String(i).padStart(2, '0')}`)
    for (let i = 0; i < names.length; i += 8)
      await Promise.all(names.slice(i, i + 8).map((name) => node(grid, 'compound', name)))
    const p1 = check(await get(`/api/nodes?parent=${grid.id}`), 200, 'NodeList')
    assert.equal(p1.items.length, 50)
    assert.equal(p1.next_after, p1.items[49].id)
    const p2 = check(await get(`/api/nodes?parent=${grid.id}&after=${p1.next_after}`), 200, 'NodeList')
    assert.equal(p2.items.length, 1)
    assert.equal(p2.next_after, null)
    const all = [...p1.items, ...p2.items]
    assert.deepEqual(all.map((n) => n.name).sort(), names)
    const ids = all.map((n) => n.id)
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'not ordered by id')
    // and paging by 7 covers the same nodes once each
    assert.deepEqual(await children(grid.id, admin.token, 7), all)
  })

  for (const [q, field] of [
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=many', 'limit'],
    ['after=-5', 'after'],
    ['after=x', 'after'],
    ['parent=abc', 'parent'],
    ['parent=0', 'parent'],
    ['parent=-1', 'parent'],
    ['parent=1.5', 'parent'],
  ]) {
    test(`${q} answers 422 naming ${field}`, async () => {
      checkError(await get(`/api/nodes?${q}`), 422, 'invalid_input', { field })
    })
  }

  test('a parent that does not exist answers 404', async () => {
    checkError(await get('/api/nodes?parent=999999'), 404, 'not_found', { ref: 'NotFound' })
  })

  test('a malformed query string answers 400', async () => {
    checkError(await get('/api/nodes?parent=%zz'), 400, 'bad_request')
  })
})

describe('read', () => {
  test('an unknown or malformed id answers 404', async () => {
    for (const id of ['999999', '0', '-1', 'abc', '1.5'])
      checkError(await get(`/api/nodes/${id}`), 404, 'not_found', { ref: 'NotFound' })
  })
})

describe('create', () => {
  test('a grid under a community: 201, then in the parent\'s children and at /api/nodes/{id}', async () => {
    const t0 = Date.now()
    const res = await create({ parent_id: kangcheng.id, kind: 'grid', name: '第一网格' })
    const g = check(res, 201, 'Node')
    assert.equal(g.parent_id, kangcheng.id)
    assert.equal(g.kind, 'grid')
    assert.equal(g.name, '第一网格')
    assert.equal(g.path, `${kangcheng.path}/${g.id}`)
    assert.ok(g.created_at >= t0 - 5000 && g.created_at <= Date.now() + 5000, `created_at ${g.created_at} is not now`)
    assert.ok(g.updated_at >= g.created_at)
    if (res.header('location')) assert.equal(res.header('location'), `/api/nodes/${g.id}`)
    assert.deepEqual(check(await get(`/api/nodes/${g.id}`), 200, 'Node'), g)
    const kids = await children(kangcheng.id)
    assert.deepEqual(kids.filter((k) => k.id === g.id), [g])
    // the grid's own children: none yet
    assert.deepEqual(check(await get(`/api/nodes?parent=${g.id}`), 200, 'NodeList'), { items: [], next_after: null })
  })

  test('every level down to a building', async () => {
    const g = await node(ningxin, 'grid')
    const c = await node(g, 'compound')
    const b = await node(c, 'building')
    assert.equal(b.path, `/${streetA.id}/${ningxin.id}/${g.id}/${c.id}/${b.id}`)
    // nothing goes below a building
    for (const kind of ['building', 'compound', 'district'])
      checkError(await create({ parent_id: b.id, kind, name: fresh('x') }), 422, 'invalid_input', { field: 'kind' })
  })

  for (const [what, parent, kind] of [
    ['a community under the district', () => root, 'community'],
    ['a district under the district', () => root, 'district'],
    ['a street under a street', () => streetA, 'street'],
    ['a grid under a street', () => streetA, 'grid'],
    ['a compound under a community (skipping grid)', () => kangcheng, 'compound'],
    ['a street under a community', () => kangcheng, 'street'],
    ['an unknown kind', () => kangcheng, 'village'],
    ['kind in upper case', () => kangcheng, 'GRID'],
  ]) {
    test(`${what} answers 422 naming kind`, async () => {
      checkError(await create({ parent_id: parent().id, kind, name: fresh('错层') }), 422, 'invalid_input', { field: 'kind' })
    })
  }

  test('kind missing or not a string answers 422 naming kind', async () => {
    checkError(await create({ parent_id: kangcheng.id, name: fresh('n') }), 422, 'invalid_input', { field: 'kind' })
    checkError(await create({ parent_id: kangcheng.id, kind: 3, name: fresh('n') }), 422, 'invalid_input', { field: 'kind' })
    checkError(await create({ parent_id: kangcheng.id, kind: null, name: fresh('n') }), 422, 'invalid_input', { field: 'kind' })
  })

  test('a sibling of the same name answers 409; the same name under another parent is fine', async () => {
    const name = fresh('重名网格')
    const first = await node(kangcheng, 'grid', name)
    checkError(await create({ parent_id: kangcheng.id, kind: 'grid', name }), 409, 'conflict', { ref: 'Conflict' })
    const other = await node(ningxin, 'grid', name)
    assert.notEqual(other.id, first.id)
    // a demo name too
    checkError(await create({ parent_id: root.id, kind: 'street', name: '滨河街道' }), 409, 'conflict')
    checkError(await create({ parent_id: streetA.id, kind: 'community', name: '康城社区' }), 409, 'conflict')
  })

  test('racing creates of one name under one parent: exactly one wins, the others answer 409', async () => {
    const body = { parent_id: ningxin.id, kind: 'grid', name: fresh('竞争网格') }
    const replies = await Promise.all(Array.from({ length: 8 }, () => create(body)))
    const statuses = replies.map((r) => r.status).sort()
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409], `statuses ${statuses}`)
    for (const r of replies) check(r, r.status)
    assert.equal((await children(ningxin.id)).filter((n) => n.name === body.name).length, 1)
  })

  const badNames = [
    ['missing', undefined],
    ['empty', ''],
    ['65 bytes of UTF-8', '长'.repeat(21) + 'ab'],
    ['with a control character', 'a\u0001b'],
    ['with a line feed', '第一\n网格'],
    ['with a tab', '第一\t网格'],
    ['with DEL', 'del\u007f'],
    ['a number', 42],
    ['null', null],
  ]
  for (const [what, name] of badNames) {
    test(`a name ${what} answers 422 naming name`, async () => {
      const body = { parent_id: kangcheng.id, kind: 'grid' }
      if (what !== 'missing') body.name = name
      checkError(await create(body), 422, 'invalid_input', { field: 'name' })
    })
  }

  test('a name of exactly 64 bytes is accepted', async () => {
    const name = '长'.repeat(21) + 'a'
    const g = await node(kangcheng, 'grid', name)
    assert.equal(g.name, name)
  })

  for (const [what, value] of [
    ['missing', undefined],
    ['a string', 'abc'],
    ['a numeric string', String(kangcheng.id)],
    ['a fraction', kangcheng.id + 0.5],
    ['null', null],
    ['a boolean', true],
    ['an object', { id: kangcheng.id }],
  ]) {
    test(`parent_id ${what} answers 422 naming parent_id`, async () => {
      const body = { kind: 'grid', name: fresh('n') }
      if (what !== 'missing') body.parent_id = value
      checkError(await create(body), 422, 'invalid_input', { field: 'parent_id' })
    })
  }

  test('a parent that does not exist answers 404', async () => {
    checkError(await create({ parent_id: 999999, kind: 'grid', name: fresh('n') }), 404, 'not_found', { ref: 'NotFound' })
  })

  test('invalid input creates nothing', async () => {
    const name = fresh('未建网格')
    checkError(await create({ parent_id: kangcheng.id, kind: 'compound', name }), 422, 'invalid_input')
    assert.equal((await children(kangcheng.id)).filter((n) => n.name === name).length, 0)
    await node(kangcheng, 'grid', name) // still free
  })
})

describe('rename', () => {
  test('answers 200 with the new name; updated_at moves, nothing else changes', async () => {
    const g = await node(kangcheng, 'grid', fresh('旧名'))
    await delay(20)
    const name = fresh('新名')
    const r = check(await rename(g.id, { name }), 200, 'Node')
    assert.equal(r.name, name)
    assert.deepEqual({ ...r, name: g.name, updated_at: g.updated_at }, g, 'only name and updated_at change')
    assert.ok(r.updated_at >= r.created_at, JSON.stringify(r))
    assert.ok(r.updated_at > g.updated_at, `updated_at did not change: ${g.updated_at} → ${r.updated_at}`)
    assert.deepEqual(check(await get(`/api/nodes/${g.id}`), 200, 'Node'), r)
    assert.deepEqual((await children(kangcheng.id)).find((n) => n.id === g.id), r)
  })

  test("a sibling's name answers 409 and leaves the name as it was", async () => {
    const a = await node(kangcheng, 'grid')
    const b = await node(kangcheng, 'grid')
    checkError(await rename(b.id, { name: a.name }), 409, 'conflict', { ref: 'Conflict' })
    assert.equal(check(await get(`/api/nodes/${b.id}`), 200, 'Node').name, b.name)
    // a demo street to another street's name
    checkError(await rename(streetB.id, { name: streetA.name }), 409, 'conflict')
  })

  test("the name of a node under another parent is fine", async () => {
    const a = await node(kangcheng, 'grid')
    const b = await node(ningxin, 'grid')
    assert.equal(check(await rename(b.id, { name: a.name }), 200, 'Node').name, a.name)
  })

  for (const [what, name] of [
    ['empty', ''],
    ['65 bytes', '长'.repeat(21) + 'ab'],
    ['with a control character', 'x\u0002y'],
    ['a number', 7],
  ]) {
    test(`a name ${what} answers 422 naming name`, async () => {
      checkError(await rename(kangcheng.id, { name }), 422, 'invalid_input', { field: 'name' })
    })
  }

  test('no name answers 422 naming name', async () => {
    checkError(await rename(kangcheng.id, {}), 422, 'invalid_input', { field: 'name' })
  })

  test('an unknown or malformed id answers 404', async () => {
    for (const id of ['999999', '0', 'abc'])
      checkError(await rename(id, { name: fresh('n') }), 404, 'not_found', { ref: 'NotFound' })
  })

  test('the district admin renames the root, and back', async () => {
    const r = check(await rename(root.id, { name: '康巴什区（测试）' }), 200, 'Node')
    assert.equal(r.name, '康巴什区（测试）')
    assert.equal(r.parent_id, null)
    assert.equal(r.path, '/')
    assert.equal(check(await rename(root.id, { name: '康巴什区' }), 200, 'Node').name, '康巴什区')
  })
})

describe('visibility and management by scope', () => {
  let sA // street_staff of street A
  before(async () => {
    sA = await staff([{ role: 'street_staff', scope: streetA.path }])
  })

  test("a street_staff sees its street's subtree and the root, not another street", async () => {
    const t = sA.token
    assert.deepEqual(check(await get(`/api/nodes/${streetA.id}`, t), 200, 'Node'), streetA)
    assert.deepEqual(check(await get(`/api/nodes/${kangcheng.id}`, t), 200, 'Node'), kangcheng)
    const g = await node(kangcheng, 'grid')
    assert.deepEqual(check(await get(`/api/nodes/${g.id}`, t), 200, 'Node'), g)
    // the root, as an ancestor of its grant
    const r = check(await get(`/api/nodes/${root.id}`, t), 200, 'Node')
    assert.equal(r.name, '康巴什区')
    // not street B nor anything under it
    checkError(await get(`/api/nodes/${streetB.id}`, t), 404, 'not_found')
    checkError(await get(`/api/nodes/${gederege.id}`, t), 404, 'not_found')
    checkError(await get(`/api/nodes?parent=${streetB.id}`, t), 404, 'not_found')
    checkError(await get(`/api/nodes?parent=${gederege.id}`, t), 404, 'not_found')
  })

  test("a street_staff lists its street's communities, and only its own street under the root", async () => {
    const t = sA.token
    assert.deepEqual(await children(streetA.id, t), await children(streetA.id))
    const underRoot = await children(root.id, t)
    assert.deepEqual(underRoot.map((n) => n.id), [streetA.id], JSON.stringify(underRoot))
  })

  test('the top nodes page like children: by id, no duplicates, chained by next_after', async () => {
    // the admin: one top node
    const one = check(await get('/api/nodes?limit=1'), 200, 'NodeList')
    assert.deepEqual([one.items.map((n) => n.id), one.next_after], [[root.id], null])
    assert.deepEqual(check(await get(`/api/nodes?after=${root.id}`), 200, 'NodeList'), { items: [], next_after: null })
    // an account with several grants, two of them at one scope
    const many = await staff([
      { role: 'street_staff', scope: streetA.path },
      { role: 'resident', scope: streetA.path },
      { role: 'community_staff', scope: gederege.path },
    ])
    const all = check(await get('/api/nodes?limit=200', many.token), 200, 'NodeList')
    assert.equal(all.next_after, null)
    const ids = all.items.map((n) => n.id)
    assert.ok(ids.length > 0, 'empty view')
    assert.equal(new Set(ids).size, ids.length, `duplicates: ${ids}`)
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'not ordered by id')
    const paged = []
    let after = 0
    for (let pages = 0; pages < 20; pages++) {
      const p = check(await get(`/api/nodes?limit=1&after=${after}`, many.token), 200, 'NodeList')
      paged.push(...p.items)
      if (p.next_after === null) break
      assert.equal(p.items.length, 1)
      assert.equal(p.next_after, p.items[0].id)
      after = p.next_after
    }
    assert.deepEqual(paged, all.items)
  })

  test("a street_staff's top nodes are all in its view", async () => {
    const p = check(await get('/api/nodes', sA.token), 200, 'NodeList')
    assert.ok(p.items.length > 0, 'the view of a street_staff is empty')
    for (const n of p.items)
      assert.ok(n.path === '/' || n.path === streetA.path || n.path.startsWith(`${streetA.path}/`), JSON.stringify(n))
  })

  test('a street_staff creates a community in its street but not a street (403) nor in another street (404)', async () => {
    const t = sA.token
    const c = check(await create({ parent_id: streetA.id, kind: 'community', name: fresh('街道新社区') }, t), 201, 'Node')
    assert.equal(c.path, `${streetA.path}/${c.id}`)
    const g = check(await create({ parent_id: c.id, kind: 'grid', name: fresh('网格') }, t), 201, 'Node')
    check(await create({ parent_id: g.id, kind: 'compound', name: fresh('小区') }, t), 201, 'Node')
    checkError(await create({ parent_id: root.id, kind: 'street', name: fresh('越权街道') }, t), 403, 'forbidden', { ref: 'Forbidden' })
    checkError(await create({ parent_id: streetB.id, kind: 'community', name: fresh('越界社区') }, t), 404, 'not_found')
    checkError(await create({ parent_id: gederege.id, kind: 'grid', name: fresh('越界网格') }, t), 404, 'not_found')
  })

  test('a street_staff renames a community of its street, but not its street (403), the root (403) or elsewhere (404)', async () => {
    const t = sA.token
    const c = await node(streetA, 'community')
    check(await rename(c.id, { name: fresh('改名社区') }, t), 200, 'Node')
    checkError(await rename(streetA.id, { name: fresh('改名街道') }, t), 403, 'forbidden')
    checkError(await rename(root.id, { name: fresh('改名区') }, t), 403, 'forbidden')
    checkError(await rename(streetB.id, { name: fresh('改名街道') }, t), 404, 'not_found')
    checkError(await rename(gederege.id, { name: fresh('改名社区') }, t), 404, 'not_found')
    assert.equal(check(await get(`/api/nodes/${streetA.id}`), 200, 'Node').name, streetA.name)
  })

  test('a community_staff creates a grid in its community but not a community (403)', async () => {
    const cs = await staff([{ role: 'community_staff', scope: ningxin.path }])
    const t = cs.token
    const g = check(await create({ parent_id: ningxin.id, kind: 'grid', name: fresh('社区网格') }, t), 201, 'Node')
    check(await create({ parent_id: g.id, kind: 'compound', name: fresh('社区小区') }, t), 201, 'Node')
    check(await rename(g.id, { name: fresh('社区网格改') }, t), 200, 'Node')
    checkError(await create({ parent_id: streetA.id, kind: 'community', name: fresh('社区越权') }, t), 403, 'forbidden')
    // renaming its own community is a change under the street: not allowed
    checkError(await rename(ningxin.id, { name: fresh('社区改名') }, t), 403, 'forbidden')
    // a sibling community is outside its view
    checkError(await get(`/api/nodes/${kangcheng.id}`, t), 404, 'not_found')
    checkError(await create({ parent_id: kangcheng.id, kind: 'grid', name: fresh('邻社区网格') }, t), 404, 'not_found')
  })

  test('a grid_worker sees its grid and the way up, but may not add a compound (403)', async () => {
    const g = await node(kangcheng, 'grid')
    const gw = await staff([{ role: 'grid_worker', scope: g.path }])
    const t = gw.token
    assert.deepEqual(check(await get(`/api/nodes/${g.id}`, t), 200, 'Node'), g)
    for (const up of [kangcheng, streetA, root]) check(await get(`/api/nodes/${up.id}`, t), 200, 'Node')
    checkError(await get(`/api/nodes/${ningxin.id}`, t), 404, 'not_found')
    checkError(await create({ parent_id: g.id, kind: 'compound', name: fresh('网格员小区') }, t), 403, 'forbidden')
    checkError(await rename(g.id, { name: fresh('网格员改名') }, t), 403, 'forbidden')
  })

  test('a resident at / sees everything but may not create or rename (403)', async () => {
    const t = resident.token
    assert.deepEqual(check(await get('/api/nodes', t), 200, 'NodeList').items.map((n) => n.id), [root.id])
    assert.deepEqual((await children(root.id, t)).map((n) => n.id), (await children(root.id)).map((n) => n.id))
    assert.equal(check(await get(`/api/nodes/${gederege.id}`, t), 200, 'Node').path, gederege.path)
    checkError(await create({ parent_id: kangcheng.id, kind: 'grid', name: fresh('居民网格') }, t), 403, 'forbidden')
    checkError(await create({ parent_id: root.id, kind: 'street', name: fresh('居民街道') }, t), 403, 'forbidden')
    checkError(await rename(kangcheng.id, { name: fresh('居民改名') }, t), 403, 'forbidden')
    checkError(await create({ parent_id: 999999, kind: 'grid', name: fresh('n') }, t), 404, 'not_found')
  })

  test('an account without grants sees no node', async () => {
    const none = await staff([])
    const t = none.token
    assert.deepEqual(check(await get('/api/nodes', t), 200, 'NodeList'), { items: [], next_after: null })
    checkError(await get(`/api/nodes/${root.id}`, t), 404, 'not_found')
    checkError(await get(`/api/nodes?parent=${root.id}`, t), 404, 'not_found')
    checkError(await create({ parent_id: root.id, kind: 'street', name: fresh('无权街道') }, t), 404, 'not_found')
  })
})

describe('events', () => {
  test('the admin stream receives territory.node_created and territory.node_renamed', async () => {
    const s = await subscribe(admin.token)
    const t0 = Date.now()
    const g = await node(kangcheng, 'grid', fresh('事件网格'))
    const c = checkFrame(await s.nextEvent('territory.node_created', (d) => d.payload?.node_id === g.id))
    assert.equal(c.subject, `node:${g.id}`)
    assert.equal(c.scope, g.path)
    assert.deepEqual(c.payload, { node_id: g.id, kind: 'grid', name: g.name })
    assert.ok(c.created_at >= t0 - 5000 && c.created_at <= Date.now() + 5000, `created_at ${c.created_at}`)
    const name = fresh('事件改名')
    check(await rename(g.id, { name }), 200, 'Node')
    const r = checkFrame(await s.nextEvent('territory.node_renamed', (d) => d.payload?.node_id === g.id))
    assert.equal(r.subject, `node:${g.id}`)
    assert.equal(r.scope, g.path)
    assert.deepEqual(r.payload, { node_id: g.id, kind: 'grid', name })
    assert.ok(r.id > c.id)
    s.close()
  })

  test('renaming the root is announced with scope /', async () => {
    const s = await subscribe(admin.token)
    check(await rename(root.id, { name: '康巴什区（事件）' }), 200, 'Node')
    const e = checkFrame(await s.nextEvent('territory.node_renamed', (d) => d.payload?.node_id === root.id))
    assert.equal(e.scope, '/')
    assert.equal(e.subject, `node:${root.id}`)
    assert.deepEqual(e.payload, { node_id: root.id, kind: 'district', name: '康巴什区（事件）' })
    check(await rename(root.id, { name: '康巴什区' }), 200, 'Node')
    s.close()
  })

  test("a street_staff's stream has its street's node events, not another street's", async () => {
    const sA = await staff([{ role: 'street_staff', scope: streetA.path }])
    const s = await subscribe(sA.token)
    const hiddenC = await node(streetB, 'community', fresh('别街社区'))
    check(await rename(gederege.id, { name: fresh('格德热格社区改') }), 200, 'Node')
    const seen = await node(streetA, 'community', fresh('本街社区'))
    const e = checkFrame(await s.nextEvent('territory.node_created', (d) => d.payload?.node_id === seen.id))
    assert.equal(e.scope, seen.path)
    assert.deepEqual(e.payload, { node_id: seen.id, kind: 'community', name: seen.name })
    // events are delivered in id order: those of street B would have come before
    const foreign = s.events
      .map(checkFrame)
      .filter((d) => d.type.startsWith('territory.') && d.scope !== streetA.path && !d.scope.startsWith(`${streetA.path}/`))
    assert.deepEqual(foreign, [], 'the street_staff saw events outside its street')
    assert.ok(!s.events.some((i) => i.data?.payload?.node_id === hiddenC.id))
    s.close()
  })
})

describe('scope boundaries', () => {
  test('a grant at /<a> does not cover /<a><digits> (a street whose id starts with the same digits)', async (t) => {
    // new streets get ids after the demo's; make them until one's id starts with the digits
    // of a demo street's id (with streets at 2, 8, 14, 20 that takes at most a few dozen)
    let extra = null
    let prefix = null
    for (let i = 0; i < 300 && !prefix; i++) {
      extra = await node(root, 'street', fresh('边界街道'))
      prefix = streets.find((s) => String(extra.id).startsWith(String(s.id)))
    }
    // Skipped, not failed, when the ids in reach share no prefix with a demo street (ids are
    // global, so an earlier test file may have moved them past such a range); the same rule is
    // covered without ids by the unit test Scope.CoversItsSubtreeOnly ("/1/2" vs "/1/23").
    if (!prefix) return t.skip(`no new street id starts with a demo street id (${streets.map((s) => s.id)}; last ${extra.id})`)
    const st = await staff([{ role: 'street_staff', scope: prefix.path }])
    assert.ok(extra.path.startsWith(prefix.path), `${extra.path} vs ${prefix.path}`)
    check(await get(`/api/nodes/${prefix.id}`, st.token), 200, 'Node')
    checkError(await get(`/api/nodes/${extra.id}`, st.token), 404, 'not_found')
    checkError(await get(`/api/nodes?parent=${extra.id}`, st.token), 404, 'not_found')
    checkError(await create({ parent_id: extra.id, kind: 'community', name: fresh('边界社区') }, st.token), 404, 'not_found')
    checkError(await rename(extra.id, { name: fresh('边界改名') }, st.token), 404, 'not_found')
    // and its top nodes and the root's children do not include that street
    assert.deepEqual((await children(root.id, st.token)).map((n) => n.id), [prefix.id])
  })
})

describe('sessions and request format', () => {
  test('without a session: 401 on every territory route', async () => {
    checkError(await srv.get('/api/nodes'), 401, 'unauthenticated')
    checkError(await srv.get(`/api/nodes?parent=${root.id}`), 401, 'unauthenticated')
    checkError(await srv.get(`/api/nodes/${root.id}`), 401, 'unauthenticated')
    checkError(await srv.post('/api/nodes', { parent_id: kangcheng.id, kind: 'grid', name: fresh('n') }), 401, 'unauthenticated')
    checkError(await srv.request('PATCH', `/api/nodes/${kangcheng.id}`, { json: { name: fresh('n') } }), 401, 'unauthenticated')
    checkError(await srv.get('/api/nodes', { token: 'forged-token-forged-token-forged-token' }), 401, 'unauthenticated')
  })

  test('a cookie session needs X-CSRF-Token on POST and PATCH (403 without), not on GET', async () => {
    const cookie = admin.token
    check(await srv.get(`/api/nodes/${root.id}`, { cookie }), 200, 'Node')
    const name = fresh('饼干网格')
    checkError(await srv.post('/api/nodes', { parent_id: kangcheng.id, kind: 'grid', name }, { cookie }), 403, 'forbidden')
    assert.equal((await children(kangcheng.id)).filter((n) => n.name === name).length, 0, 'the refused POST created the node')
    const g = check(await srv.post('/api/nodes', { parent_id: kangcheng.id, kind: 'grid', name }, { cookie, csrf: admin.csrf_token }), 201, 'Node')
    checkError(await srv.request('PATCH', `/api/nodes/${g.id}`, { cookie, json: { name: fresh('n') } }), 403, 'forbidden')
    checkError(
      await srv.request('PATCH', `/api/nodes/${g.id}`, { cookie, csrf: 'not-the-token-not-the-token', json: { name: fresh('n') } }),
      403,
      'forbidden',
    )
    check(await srv.request('PATCH', `/api/nodes/${g.id}`, { cookie, csrf: admin.csrf_token, json: { name: fresh('n') } }), 200, 'Node')
  })

  test('a body that is not application/json answers 415', async () => {
    const body = JSON.stringify({ parent_id: kangcheng.id, kind: 'grid', name: fresh('n') })
    const headers = { 'Content-Type': 'text/plain' }
    checkError(await srv.request('POST', '/api/nodes', { token: admin.token, body, headers }), 415, 'unsupported_media_type')
    checkError(
      await srv.request('PATCH', `/api/nodes/${kangcheng.id}`, { token: admin.token, body: JSON.stringify({ name: 'x' }), headers }),
      415,
      'unsupported_media_type',
    )
  })

  test('JSON that does not parse answers 400', async () => {
    const headers = { 'Content-Type': 'application/json' }
    checkError(await srv.request('POST', '/api/nodes', { token: admin.token, body: '{"parent_id": ', headers }), 400, 'bad_request')
    checkError(await srv.request('PATCH', `/api/nodes/${kangcheng.id}`, { token: admin.token, body: '{name}', headers }), 400, 'bad_request')
  })
})

endsCleanly(srv)
