// Organisations on territory nodes: the demo's (a property company per compound, a school,
// a clinic and a shop per community), who sees and who shapes them, validation, the audit
// records and live events of every change.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { check, checkError, endsCleanly, startServer } from './harness.mjs'

const srv = await startServer()
const admin = await srv.loginAs('admin')
const community = await srv.loginAs('community')
const grid = await srv.loginAs('grid')
const resident = await srv.loginAs('resident')

let seq = 0
const fresh = (base) => `${base}${++seq}`
const get = (path, token = admin.token) => srv.get(path, { token })

async function all(path, token) {
  const out = []
  let after = 0
  for (let pages = 0; pages < 100; pages++) {
    const p = check(await get(`${path}${path.includes('?') ? '&' : '?'}limit=200&after=${after}`, token), 200, 'OrganisationList')
    out.push(...p.items)
    if (p.next_after === null) return out
    after = p.next_after
  }
  assert.fail('more than 100 pages')
}

const nodeNamed = async (parentId, name) =>
  check(await get(`/api/nodes?parent=${parentId}&limit=200`), 200).items.find((n) => n.name === name)
const root = check(await get('/api/nodes'), 200).items[0]
const street = await nodeNamed(root.id, '滨河街道')
const kangcheng = await nodeNamed(street.id, '康城社区')
const ningxin = await nodeNamed(street.id, '宁馨社区')
const firstGrid = await nodeNamed(kangcheng.id, '康城社区第一网格')
const compound = await nodeNamed(firstGrid.id, '康城小区')

describe('the demo', () => {
  test('every compound has its property company; every community a school, a clinic and a shop', async () => {
    const everything = await all('/api/organisations')
    const count = (k) => everything.filter((o) => o.kind === k).length
    assert.equal(count('school'), 19)
    assert.equal(count('clinic'), 19)
    assert.equal(count('shop'), 19)
    const compounds = check(await get(`/api/nodes?parent=${firstGrid.id}&limit=200`), 200).items
    const props = await all(`/api/organisations?node=${firstGrid.id}&kind=property_company`)
    assert.equal(props.length, compounds.length)
    for (const o of props) assert.match(o.phone, /^0477-8\d{6}$/)
    const kc = await all(`/api/organisations?node=${compound.id}`)
    assert.deepEqual(kc.map((o) => o.name), ['康城小区物业服务中心'])
  })
})

describe('who sees and who shapes', () => {
  test('community staff add, change and remove organisations in their community; answers and audit', async () => {
    const name = fresh('康城便民药店')
    const made = check(await srv.post('/api/organisations', { node_id: compound.id, kind: 'shop', name, contact: '李店长', phone: '0477-8123456' }, { token: community.token }), 201, 'Organisation')
    assert.equal(made.path, compound.path)
    assert.equal(check(await get(`/api/organisations/${made.id}`, grid.token), 200, 'Organisation').name, name)
    const changed = check(await srv.request('PATCH', `/api/organisations/${made.id}`, { token: community.token, json: { phone: '0477-8000000' } }), 200, 'Organisation')
    assert.equal(changed.phone, '0477-8000000')
    assert.equal(changed.name, name)
    checkError(await srv.request('DELETE', `/api/organisations/${made.id}`, { token: grid.token }), 403, 'forbidden')
    const gone = await srv.request('DELETE', `/api/organisations/${made.id}`, { token: community.token })
    assert.equal(gone.status, 204)
    checkError(await get(`/api/organisations/${made.id}`), 404, 'not_found')
    const audit = check(await get(`/api/audit?target=organisation:${made.id}`), 200)
    assert.deepEqual(audit.items.map((r) => r.action).sort(), ['organisation.created', 'organisation.removed', 'organisation.updated'])
  })

  test('outside their community: 404 for the node; other roles: 403; a grid worker reads its grid', async () => {
    checkError(await srv.post('/api/organisations', { node_id: ningxin.id, kind: 'school', name: fresh('校') }, { token: community.token }), 404, 'not_found')
    checkError(await srv.post('/api/organisations', { node_id: compound.id, kind: 'school', name: fresh('校') }, { token: grid.token }), 403, 'forbidden')
    const theirs = await all(`/api/organisations?node=${ningxin.id}`)
    assert.ok(theirs.length >= 3)
    checkError(await get(`/api/organisations/${theirs[0].id}`, community.token), 404, 'not_found')
    // The refusal is audited: who, what, the status.
    const refused = check(await get(`/api/audit?target=${encodeURIComponent('route:GET /api/organisations/{id}')}`), 200).items
    assert.ok(
      refused.some((r) => r.action === 'access_refused' && r.actor_id === community.account.id && (typeof r.details === "string" ? JSON.parse(r.details) : r.details).path === `/api/organisations/${theirs[0].id}`),
      `no audit record of the refusal: ${JSON.stringify(refused).slice(0, 300)}`,
    )
    checkError(await get(`/api/organisations?node=${ningxin.id}`, community.token), 404, 'not_found')
    const mine = await all('/api/organisations', grid.token)
    assert.ok(mine.length > 0 && mine.every((o) => o.path.startsWith(firstGrid.path)), 'a grid worker sees only its grid')
    assert.ok((await all('/api/organisations', resident.token)).length > 0, 'the demo resident (granted at /) sees them')
  })

  test('bad input names the field; a second organisation of the same name on a node is 409', async () => {
    const post = (body) => srv.post('/api/organisations', body, { token: admin.token })
    checkError(await post({ node_id: compound.id, kind: 'castle', name: 'x' }), 422, 'invalid_input', 'kind')
    checkError(await post({ node_id: compound.id, kind: 'shop', name: '' }), 422, 'invalid_input', 'name')
    checkError(await post({ node_id: compound.id, kind: 'shop', name: 'a\u0001b' }), 422, 'invalid_input', 'name')
    checkError(await post({ node_id: compound.id, kind: 'shop', name: fresh('店'), phone: 'call me' }), 422, 'invalid_input', 'phone')
    checkError(await post({ node_id: 'x', kind: 'shop', name: 'x' }), 422, 'invalid_input', 'node_id')
    checkError(await post({ node_id: 999999, kind: 'shop', name: 'x' }), 404, 'not_found')
    checkError(await post({ node_id: compound.id, kind: 'shop', name: '康城小区物业服务中心' }), 409, 'conflict')
    checkError(await get('/api/organisations?kind=castle'), 422, 'invalid_input', 'kind')
    checkError(await get('/api/organisations?limit=0'), 422, 'invalid_input', 'limit')
    checkError(await srv.get('/api/organisations'), 401, 'unauthenticated')
  })
})

endsCleanly(srv)
