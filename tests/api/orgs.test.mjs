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
const streetStaff = await srv.loginAs('street')

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

describe('members', () => {
  /** A fresh account (a resident at the compound), for membership. */
  const newAccount = async (base) => {
    const username = fresh(base)
    const a = check(await srv.post('/api/accounts', { username, display_name: username, password: 'a-good-password', roles: [{ role: 'resident', scope: compound.path }] }, { token: admin.token }), 201)
    return { ...a, username }
  }
  const members = async (id, token = admin.token) => check(await get(`/api/organisations/${id}/members`, token), 200, 'OrganisationMemberList').items
  const addMember = (id, account_id, token = admin.token) => srv.post(`/api/organisations/${id}/members`, { account_id }, { token })
  const removeMember = (id, account_id, token = admin.token) => srv.request('DELETE', `/api/organisations/${id}/members/${account_id}`, { token })
  const details = (r) => (typeof r.details === 'string' ? JSON.parse(r.details) : r.details)
  const makeOrg = async (node = compound, kind = 'shop', token = community.token) =>
    check(await srv.post('/api/organisations', { node_id: node.id, kind, name: fresh('成员测试商店') }, { token }), 201, 'Organisation')

  test('whoever shapes the organisation adds and removes members; whoever sees it lists them; audited', async () => {
    const org = await makeOrg()
    const [a, b] = [await newAccount('org.member.a'), await newAccount('org.member.b')]
    assert.deepEqual(await members(org.id), [])
    const t0 = Date.now()
    const one = check(await addMember(org.id, a.id, community.token), 200, 'OrganisationMemberList').items
    assert.deepEqual(one.map((m) => m.account_id), [a.id])
    assert.ok(one[0].added_at >= t0 - 5000 && one[0].added_at <= Date.now() + 5000, `added_at ${one[0].added_at}`)
    // Adding twice changes nothing: the same list, the same time.
    assert.deepEqual(check(await addMember(org.id, a.id, community.token), 200, 'OrganisationMemberList').items, one)
    // The street staff shape it too; ordered by account id.
    const two = check(await addMember(org.id, b.id, streetStaff.token), 200, 'OrganisationMemberList').items
    assert.deepEqual(two.map((m) => m.account_id), [a.id, b.id].sort((x, y) => x - y))
    // Whoever sees the organisation lists them: the grid worker, the resident granted at /.
    for (const who of [admin, streetStaff, community, grid, resident]) assert.deepEqual(await members(org.id, who.token), two)
    // Seeing is not shaping: the grid worker gets 403 both ways (and the list stays).
    checkError(await addMember(org.id, a.id, grid.token), 403, 'forbidden')
    checkError(await removeMember(org.id, a.id, grid.token), 403, 'forbidden')
    checkError(await addMember(org.id, a.id, resident.token), 403, 'forbidden')
    assert.deepEqual(await members(org.id), two)

    const left = check(await removeMember(org.id, a.id, community.token), 200, 'OrganisationMemberList').items
    assert.deepEqual(left, two.filter((m) => m.account_id === b.id))
    // Not a member (any more): 404 naming account_id.
    checkError(await removeMember(org.id, a.id, community.token), 404, 'not_found', { field: 'account_id' })
    checkError(await removeMember(org.id, 99999999, admin.token), 404, 'not_found', { field: 'account_id' })
    checkError(await removeMember(org.id, 'abc', admin.token), 404, 'not_found', { field: 'account_id' })
    assert.deepEqual(await members(org.id, grid.token), left)

    const audit = check(await get(`/api/audit?target=organisation:${org.id}&limit=200`), 200, 'AuditPage').items
    const of = (action) => audit.filter((r) => r.action === action)
    assert.ok(of('organisation.member_added').length >= 2, `member_added: ${JSON.stringify(audit).slice(0, 400)}`)
    assert.ok(of('organisation.member_added').some((r) => r.actor_id === community.account.id && details(r).account_id === a.id))
    assert.ok(of('organisation.member_added').some((r) => r.actor_id === streetStaff.account.id && details(r).account_id === b.id))
    assert.equal(of('organisation.member_removed').length, 1, 'one removal, one record (refusals are no removals)')
    assert.deepEqual([of('organisation.member_removed')[0].actor_id, details(of('organisation.member_removed')[0]).account_id], [community.account.id, a.id])
  })

  test('who does not see the organisation gets 404; bad input names account_id; no session 401', async () => {
    const theirs = (await all(`/api/organisations?node=${ningxin.id}`))[0]
    assert.ok(theirs, 'no organisation in 宁馨社区')
    const a = await newAccount('org.member.c')
    for (const who of [community, grid]) {
      checkError(await get(`/api/organisations/${theirs.id}/members`, who.token), 404, 'not_found')
      checkError(await addMember(theirs.id, a.id, who.token), 404, 'not_found')
      checkError(await removeMember(theirs.id, a.id, who.token), 404, 'not_found')
    }
    for (const id of [99999999, 'abc', 0]) {
      checkError(await get(`/api/organisations/${id}/members`), 404, 'not_found')
      checkError(await addMember(id, a.id), 404, 'not_found')
      checkError(await removeMember(id, a.id), 404, 'not_found')
    }
    const org = await makeOrg()
    for (const account_id of [99999999, 0, -1])
      checkError(await addMember(org.id, account_id), 422, 'invalid_input', { field: 'account_id' })
    for (const body of [{ account_id: 'x' }, { account_id: 1.5 }, {}, { account_id: null }])
      checkError(await srv.post(`/api/organisations/${org.id}/members`, body, { token: admin.token }), 422, 'invalid_input', { field: 'account_id' })
    assert.deepEqual(await members(org.id), [])
    checkError(await srv.get(`/api/organisations/${org.id}/members`), 401, 'unauthenticated')
    checkError(await srv.post(`/api/organisations/${org.id}/members`, { account_id: a.id }), 401, 'unauthenticated')
    checkError(await srv.request('DELETE', `/api/organisations/${org.id}/members/${a.id}`), 401, 'unauthenticated')
    assert.deepEqual(await members(org.id), [])
  })

  test('a member works for the organisation as a department (GET /api/me); removing the organisation removes its members', async () => {
    const org = await makeOrg(compound, 'property_company', admin.token)
    const a = await newAccount('org.member.d')
    check(await addMember(org.id, a.id), 200, 'OrganisationMemberList')
    const me = async () => check(await get('/api/me', (await srv.login(a.username, 'a-good-password')).token), 200, 'Me')
    assert.deepEqual((await me()).departments.filter((d) => d.organisation_id === org.id), [{ organisation_id: org.id, kind: 'property_company', path: compound.path }])
    assert.deepEqual((await me()).departments.length, 1)
    // The demo accounts work for no organisation.
    assert.deepEqual(check(await get('/api/me', grid.token), 200, 'Me').departments, [])

    assert.equal((await srv.request('DELETE', `/api/organisations/${org.id}`, { token: admin.token })).status, 204)
    checkError(await get(`/api/organisations/${org.id}/members`), 404, 'not_found')
    checkError(await addMember(org.id, a.id), 404, 'not_found')
    assert.deepEqual((await me()).departments, [], 'the removed organisation is still a department')
    // A new organisation (on SQLite it may take the freed id) starts without members.
    const next = await makeOrg(compound, 'property_company', admin.token)
    assert.deepEqual(await members(next.id), [])
    assert.deepEqual((await me()).departments, [])
    const audit = check(await get(`/api/audit?target=organisation:${org.id}&limit=200`), 200, 'AuditPage').items
    assert.ok(audit.some((r) => r.action === 'organisation.member_added' && details(r).account_id === a.id))
  })
})

endsCleanly(srv)
