// People: the person search of the registry (name prefix, ID number and phone by blind
// index, tags; within the caller's view; audited without the value), adding and revoking
// role grants (who may, the audit log, the live event to the account, its sessions seeing the
// change at once, the last district administrator), the caller's own household, and linking
// registry persons to accounts. No raw ID number or phone number may appear in any answer,
// event, log line or table.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'

import { ENGINE, assertSchema, check, checkError, endsCleanly, psql, startServer } from './harness.mjs'

const srv = await startServer()

// Every answer is kept, to look for personal data in them at the end.
const replies = []
{
  const request = srv.request.bind(srv)
  srv.request = async (...args) => {
    const r = await request(...args)
    replies.push(r)
    return r
  }
}
const frames = [] // raw data of the event frames received

const admin = await srv.loginAs('admin')

let seq = 0
/** A name no other test uses. */
const fresh = (base) => `${base}${++seq}`

// ---------------------------------------------------------------------------------------
// ID numbers (GB 11643) and phone numbers; every one made here is a secret.

const secrets = new Set()
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const checkChar = (d17) => '10X98765432'[[...d17].reduce((s, c, i) => s + Number(c) * WEIGHTS[i], 0) % 11]
let idSeq = 300
/** A valid ID number born on `birth` (YYYYMMDD) of gender `g`, unique in this file. */
function idNumber(birth = '19800101', g = 'M') {
  idSeq += 1
  if ((idSeq % 2 === 1) !== (g === 'M')) idSeq += 1
  const d17 = `152701${birth}${String(idSeq).padStart(3, '0')}`
  const v = d17 + checkChar(d17)
  secrets.add(v)
  return v
}
let phoneSeq = 0
/** A mainland mobile number unique in this file. */
function phoneNumber() {
  const v = `139${String(61000000 + ++phoneSeq).padStart(8, '0')}`
  secrets.add(v)
  return v
}
const maskId = (v) => `${v.slice(0, 6)}********${v.slice(14)}`
const maskPhone = (v) => `${v.slice(0, 3)}****${v.slice(7)}`

// ---------------------------------------------------------------------------------------
// The demo tree, found through the demo accounts' scopes

const lastId = (path) => Number(path.split('/').pop())
const getNode = async (id) => check(await srv.get(`/api/nodes/${id}`, { token: admin.token }), 200, 'Node')
const root = check(await srv.get('/api/nodes', { token: admin.token }), 200, 'NodeList').items[0]
const building = await getNode(lastId(srv.account('steward').scope))
const grid = await getNode(lastId(srv.account('grid').scope))
const kangcheng = await getNode(lastId(srv.account('community').scope))
const streetA = await getNode(lastId(srv.account('street').scope))
const compound = await getNode(building.parent_id)
assert.equal(building.name, '1号楼')
assert.equal(kangcheng.name, '康城社区')
assert.equal(streetA.name, '滨河街道')
const streets = check(await srv.get(`/api/nodes?parent=${root.id}&limit=200`, { token: admin.token }), 200, 'NodeList').items
const streetB = streets.find((s) => s.name === '青春山街道')
assert.ok(streetB)
const ningxin = check(await srv.get(`/api/nodes?parent=${streetA.id}&limit=200`, { token: admin.token }), 200, 'NodeList').items.find(
  (c) => c.name === '宁馨社区',
)
assert.ok(ningxin)

// ---------------------------------------------------------------------------------------
// Helpers

const search = (query, token = admin.token) => srv.get(`/api/persons?${query}`, { token })
const enc = encodeURIComponent

/** A new account with these grants (made by the admin), signed in: { account, token, ... }. */
async function account(roles = [], extra = {}) {
  const username = fresh('ppl.user')
  const password = 'a-good-password'
  check(await srv.post('/api/accounts', { username, display_name: username, password, roles, ...extra }, { token: admin.token }), 201, 'Account')
  return srv.login(username, password)
}

let roomSeq = 100
async function household(b, token = admin.token) {
  return check(await srv.post('/api/households', { building_id: b.id, unit: '1', floor: 1, room: String(++roomSeq) }, { token }), 201, 'Household')
}
async function person(h, body = {}, token = admin.token) {
  return check(await srv.post(`/api/households/${h.id}/persons`, { name: fresh('某人'), gender: 'M', relation: 'other', ...body }, { token }), 201, 'Person')
}
async function newBuilding(parent = compound) {
  return check(await srv.post('/api/nodes', { parent_id: parent.id, kind: 'building', name: fresh('人楼') }, { token: admin.token }), 201, 'Node')
}

/** The newest audit records (newest first) about a target, optionally of one action. */
async function audit(target, action) {
  const page = check(await srv.get(`/api/audit?target=${enc(target)}&limit=200`, { token: admin.token }), 200, 'AuditPage')
  return action ? page.items.filter((r) => r.action === action) : page.items
}

const open = []
after(() => open.forEach((s) => s.close()))

async function subscribe(token, opts = {}) {
  const s = await srv.events({ token, ...opts })
  assert.equal(s.reply.status, 200, `stream refused: ${s.reply}`)
  check(s.reply, 200)
  open.push(s)
  return s
}

function checkFrame(item) {
  assert.ok(item.data, `data is not JSON: ${item.raw}`)
  assertSchema(item.data, 'Event', `event ${item.raw}`)
  assert.equal(item.id, String(item.data.id))
  assert.equal(item.event, item.data.type)
  return item.data
}

const grantsOf = (a) => a.roles.map((g) => `${g.role}@${g.scope}`).sort()
const addGrant = (id, g, token = admin.token) => srv.post(`/api/accounts/${id}/grants`, g, { token })
const revokeGrant = (id, role, scope, token = admin.token) =>
  srv.request('DELETE', `/api/accounts/${id}/grants?role=${enc(role)}&scope=${enc(scope)}`, { token })
const link = (pid, json, token = admin.token) => srv.request('PUT', `/api/persons/${pid}/account`, { token, json })
const unlink = (pid, token = admin.token) => srv.request('DELETE', `/api/persons/${pid}/account`, { token })

// ---------------------------------------------------------------------------------------

describe('person search', () => {
  // A building of its own in 康城社区 (1号楼's compound) with persons of known names.
  let b, h1, h2, jia1, jia1Id, jia2, yi, pct, pctOther, und, undOther, xId, xPerson, phonePerson, ph
  before(async () => {
    b = await newBuilding()
    h1 = await household(b)
    h2 = await household(b)
    ph = phoneNumber()
    jia1Id = idNumber('19500101', 'M')
    jia1 = await person(h1, { name: '搜索甲一', id_number: jia1Id, phone: phoneNumber(), relation: 'head', tags: ['veteran', 'elder'] })
    jia2 = await person(h1, { name: '搜索甲二', gender: 'F', id_number: idNumber('19520202', 'F'), relation: 'spouse', tags: ['elder'] })
    yi = await person(h2, { name: '搜索乙', relation: 'head', tags: ['veteran'] })
    pct = await person(h2, { name: '百%分' })
    pctOther = await person(h2, { name: '百X分' })
    und = await person(h2, { name: '下_划' })
    undOther = await person(h2, { name: '下A划' })
    for (let i = 0; i < 300 && !xId; i++) {
      const v = idNumber('19660606', 'M')
      if (v.endsWith('X')) xId = v
    }
    assert.ok(xId, 'no ID number ending in X found')
    xPerson = await person(h2, { name: '叉号人', id_number: xId })
    phonePerson = await person(h2, { name: '电话人', phone: ph })
  })

  test('by a name prefix: the persons whose name starts with it, ordered by id, with address, masked', async () => {
    const r = check(await search(`q=${enc('搜索甲')}`), 200, 'PersonSearchPage')
    assert.equal(r.matched_by, 'name')
    assert.equal(r.next_after, null)
    assert.deepEqual(r.items.map((p) => p.id), [jia1.id, jia2.id])
    const addr = `${b.name}-1单元-${h1.room}室`
    assert.deepEqual(r.items[0], { ...jia1, address: addr })
    assert.deepEqual(r.items[1], { ...jia2, address: addr })
    assert.equal(r.items[0].address, h1.address)
    assert.match(r.items[0].id_number, /^152701\*{8}[0-9]{3}[0-9X]$/)
    assert.match(r.items[0].phone, /^139\*{4}[0-9]{4}$/)
    const all = check(await search(`q=${enc('搜索')}&node=${b.id}`), 200, 'PersonSearchPage')
    assert.deepEqual(all.items.map((p) => p.id), [jia1.id, jia2.id, yi.id])
    // a prefix, not a substring
    assert.deepEqual(check(await search(`q=${enc('甲一')}&node=${b.id}`), 200, 'PersonSearchPage').items, [])
  })

  test('% and _ in a name prefix match themselves only', async () => {
    const r1 = check(await search(`q=${enc('百%')}&node=${b.id}`), 200, 'PersonSearchPage')
    assert.deepEqual(r1.items.map((p) => p.id), [pct.id])
    const r2 = check(await search(`q=${enc('下_')}&node=${b.id}`), 200, 'PersonSearchPage')
    assert.deepEqual(r2.items.map((p) => p.id), [und.id])
    assert.ok(![pctOther.id, undOther.id].some((id) => [...r1.items, ...r2.items].some((p) => p.id === id)))
    assert.deepEqual(check(await search(`q=${enc('%')}&node=${b.id}`), 200, 'PersonSearchPage').items, [])
  })

  test('by a full ID number: exactly that person, audited as {by:"id_number",found:1} without the value', async () => {
    const before = (await audit('persons', 'registry.person_searched')).length
    const id = jia1Id
    const r = check(await search(`q=${id}`), 200, 'PersonSearchPage')
    assert.equal(r.matched_by, 'id_number')
    assert.deepEqual(r.items, [{ ...jia1, address: h1.address }])
    assert.equal(r.items[0].id_number, maskId(id))
    const recs = await audit('persons', 'registry.person_searched')
    assert.equal(recs.length, before + 1)
    assert.equal(recs[0].actor_id, admin.account.id)
    assert.deepEqual(recs[0].details, { by: 'id_number', found: 1 })
    const raw = JSON.stringify(recs[0])
    assert.ok(!raw.includes(id) && !raw.includes(id.slice(6, 14)), `the audit record shows the value: ${raw}`)
  })

  test('an ID number ending in X is found given with a lower-case x too', async () => {
    for (const q of [xId, xId.toLowerCase()]) {
      const r = check(await search(`q=${q}`), 200, 'PersonSearchPage')
      assert.equal(r.matched_by, 'id_number')
      assert.deepEqual(r.items.map((p) => p.id), [xPerson.id], q)
    }
  })

  test('by a phone number (also written with +86, spaces and dashes): exactly that person, audited as {by:"phone"}', async () => {
    for (const q of [ph, `+86 ${ph.slice(0, 3)}-${ph.slice(3, 7)}-${ph.slice(7)}`]) {
      const r = check(await search(`q=${enc(q)}`), 200, 'PersonSearchPage')
      assert.equal(r.matched_by, 'phone')
      assert.deepEqual(r.items, [{ ...phonePerson, address: h2.address }])
      assert.equal(r.items[0].phone, maskPhone(ph))
      const [rec] = await audit('persons', 'registry.person_searched')
      assert.deepEqual(rec.details, { by: 'phone', found: 1 })
      assert.ok(!JSON.stringify(rec).includes(ph.slice(3)), JSON.stringify(rec))
    }
  })

  test('an ID number or phone nobody has: no items, audited with found 0; a name search is not audited', async () => {
    const nobody = idNumber('19770707', 'F')
    const r = check(await search(`q=${nobody}`), 200, 'PersonSearchPage')
    assert.deepEqual(r, { items: [], next_after: null, matched_by: 'id_number' })
    assert.deepEqual((await audit('persons', 'registry.person_searched'))[0].details, { by: 'id_number', found: 0 })
    const r2 = check(await search(`q=${phoneNumber()}`), 200, 'PersonSearchPage')
    assert.deepEqual(r2, { items: [], next_after: null, matched_by: 'phone' })
    assert.deepEqual((await audit('persons', 'registry.person_searched'))[0].details, { by: 'phone', found: 0 })
    const count = (await audit('persons')).length
    check(await search(`q=${enc('搜索甲')}`), 200, 'PersonSearchPage')
    check(await search('tag=veteran'), 200, 'PersonSearchPage')
    assert.equal((await audit('persons')).length, count, 'a name or tag search left an audit record')
  })

  test('by tag, and by a name prefix and a tag together', async () => {
    const r = check(await search(`tag=veteran&node=${b.id}`), 200, 'PersonSearchPage')
    assert.equal(r.matched_by, 'tag')
    assert.deepEqual(r.items.map((p) => p.id), [jia1.id, yi.id])
    for (const p of r.items) assert.ok(p.tags.includes('veteran'))
    const r2 = check(await search(`q=${enc('搜索甲')}&tag=veteran`), 200, 'PersonSearchPage')
    assert.equal(r2.matched_by, 'name')
    assert.deepEqual(r2.items.map((p) => p.id), [jia1.id])
    assert.deepEqual(check(await search(`tag=disability&node=${b.id}`), 200, 'PersonSearchPage').items, [])
    // across the district: every item has the tag
    const e = check(await search('tag=elder&limit=200'), 200, 'PersonSearchPage')
    assert.ok(e.items.length > 3)
    for (const p of e.items) assert.ok(p.tags.includes('elder'), JSON.stringify(p))
  })

  test('paging: pages of `limit` chained by next_after cover every match once, ordered by id', async () => {
    const whole = check(await search(`q=${enc('搜索')}&node=${b.id}`), 200, 'PersonSearchPage').items
    for (const limit of [1, 2]) {
      const got = []
      let afterId = 0
      for (let pages = 0; pages < 10; pages++) {
        const p = check(await search(`q=${enc('搜索')}&node=${b.id}&limit=${limit}&after=${afterId}`), 200, 'PersonSearchPage')
        got.push(...p.items)
        if (p.next_after === null) break
        assert.equal(p.items.length, limit)
        assert.equal(p.next_after, p.items.at(-1).id)
        afterId = p.next_after
      }
      assert.deepEqual(got, whole, `limit ${limit}`)
    }
    // the default page holds 50: the district's elders
    const p = check(await search('tag=elder'), 200, 'PersonSearchPage')
    assert.ok(p.items.length <= 50)
    if (p.next_after !== null) assert.equal(p.items.length, 50)
    assert.deepEqual(check(await search(`q=${enc('搜索')}&after=${yi.id}&node=${b.id}`), 200, 'PersonSearchPage').items, [])
  })

  test('within the view: grid workers, stewards and staff of their own area; other areas empty, a node outside 404 (audited)', async () => {
    const grid = await srv.loginAs('grid')
    assert.deepEqual(check(await search(`q=${enc('搜索甲')}`, grid.token), 200, 'PersonSearchPage').items.map((p) => p.id), [jia1.id, jia2.id])
    const steward = await srv.loginAs('steward') // 1号楼 only
    assert.deepEqual(check(await search(`q=${enc('搜索甲')}`, steward.token), 200, 'PersonSearchPage').items, [])
    const elders = check(await search(`q=${enc('刘桂兰')}`, steward.token), 200, 'PersonSearchPage').items
    assert.ok(elders.some((p) => p.address === '1号楼-1单元-101室'), JSON.stringify(elders))
    for (const p of check(await search('tag=elder&limit=200', steward.token), 200, 'PersonSearchPage').items)
      assert.ok(p.address.startsWith('1号楼-'), JSON.stringify(p))
    checkError(await search(`q=x&node=${b.id}`, steward.token), 404, 'not_found')

    const other = await account([{ role: 'community_staff', scope: ningxin.path }])
    assert.deepEqual(check(await search(`q=${enc('搜索')}`, other.token), 200, 'PersonSearchPage').items, [])
    assert.deepEqual(check(await search(`q=${jia1Id}`, other.token), 200, 'PersonSearchPage').items, [], 'found by ID number out of scope')
    assert.deepEqual(check(await search(`q=${ph}`, other.token), 200, 'PersonSearchPage').items, [], 'found by phone out of scope')
    const before = (await audit(`node:${b.id}`, 'registry.access_refused')).length
    checkError(await search(`q=${enc('搜索')}&node=${b.id}`, other.token), 404, 'not_found', { ref: 'NotFound' })
    checkError(await search(`tag=veteran&node=${kangcheng.id}`, other.token), 404, 'not_found')
    const refused = await audit(`node:${b.id}`, 'registry.access_refused')
    assert.equal(refused.length, before + 1)
    assert.equal(refused[0].actor_id, other.account.id)
    assert.deepEqual(refused[0].details, { status: 404 })
    const streetOther = await account([{ role: 'street_staff', scope: streetB.path }])
    assert.deepEqual(check(await search(`q=${enc('搜索')}`, streetOther.token), 200, 'PersonSearchPage').items, [])
    const street = await srv.loginAs('street')
    assert.equal(check(await search(`q=${enc('搜索')}&node=${kangcheng.id}`, street.token), 200, 'PersonSearchPage').items.length, 3)
  })

  for (const login of ['resident', 'elder', 'doctor', 'inspector', 'mediator', 'volunteer']) {
    test(`the demo ${login} account answers 403`, async () => {
      const { token } = await srv.loginAs(login)
      checkError(await search(`q=${enc('搜索')}`, token), 403, 'forbidden', { ref: 'Forbidden' })
      checkError(await search(`tag=elder&node=${building.id}`, token), 403, 'forbidden')
    })
  }

  for (const [q, field] of [
    ['', 'q'],
    ['limit=10', 'q'],
    ['q=', 'q'],
    ['tag=rich', 'tag'],
    ['q=x&tag=ELDER', 'tag'],
    [`q=${'a'.repeat(65)}`, 'q'],
    ['q=a%01b', 'q'],
    ['q=x&limit=0', 'limit'],
    ['q=x&limit=201', 'limit'],
    ['q=x&limit=many', 'limit'],
    ['q=x&after=-1', 'after'],
    ['q=x&node=abc', 'node'],
  ]) {
    test(`GET /api/persons?${q} answers 422 naming ${field}`, async () => {
      checkError(await search(q), 422, 'invalid_input', { field })
    })
  }

  test('node=0 answers 422 naming node, as for GET /api/households', async () => {
    checkError(await search('q=x&node=0'), 422, 'invalid_input', { field: 'node' })
    checkError(await search('q=x&node=-1'), 422, 'invalid_input', { field: 'node' })
  })

  test('a node that does not exist answers 404; without a session 401', async () => {
    checkError(await search('q=x&node=999999'), 404, 'not_found')
    checkError(await srv.get('/api/persons?q=x'), 401, 'unauthenticated')
  })
})

describe('grants', () => {
  test('the admin adds a grant: 201 with every grant, audited, and the account reads it back', async () => {
    const a = await account()
    const t0 = Date.now()
    const r = check(await addGrant(a.account.id, { role: 'grid_worker', scope: grid.path }), 201, 'Account')
    assert.deepEqual(grantsOf(r), [`grid_worker@${grid.path}`])
    assert.deepEqual(check(await srv.get(`/api/accounts/${a.account.id}`, { token: admin.token }), 200, 'Account'), r)
    const [rec] = await audit(`account:${a.account.id}`, 'account.grant_added')
    assert.equal(rec.actor_id, admin.account.id)
    assert.deepEqual(rec.details, { role: 'grid_worker', scope: grid.path })
    assert.ok(rec.at >= t0 - 5000)
    const r2 = check(await addGrant(a.account.id, { role: 'resident', scope: '/' }), 201, 'Account')
    assert.deepEqual(grantsOf(r2), [`grid_worker@${grid.path}`, 'resident@/'])
  })

  test('the same grant twice answers 409; the account is unchanged', async () => {
    const a = await account([{ role: 'volunteer', scope: kangcheng.path }])
    checkError(await addGrant(a.account.id, { role: 'volunteer', scope: kangcheng.path }), 409, 'conflict', { ref: 'Conflict' })
    assert.deepEqual(grantsOf(check(await srv.get(`/api/accounts/${a.account.id}`, { token: admin.token }), 200, 'Account')), [`volunteer@${kangcheng.path}`])
  })

  test('revoking: 200 with the remaining grants, audited; a grant not held answers 404', async () => {
    const a = await account([{ role: 'volunteer', scope: kangcheng.path }, { role: 'resident', scope: building.path }])
    const r = check(await revokeGrant(a.account.id, 'volunteer', kangcheng.path), 200, 'Account')
    assert.deepEqual(grantsOf(r), [`resident@${building.path}`])
    const [rec] = await audit(`account:${a.account.id}`, 'account.grant_revoked')
    assert.deepEqual(rec.details, { role: 'volunteer', scope: kangcheng.path })
    assert.equal(rec.actor_id, admin.account.id)
    checkError(await revokeGrant(a.account.id, 'volunteer', kangcheng.path), 404, 'not_found', { ref: 'NotFound' })
    checkError(await revokeGrant(a.account.id, 'resident', '/'), 404, 'not_found')
    assert.equal((await audit(`account:${a.account.id}`, 'account.grant_revoked')).length, 1, 'a refused revoke was audited as done')
  })

  test('an unknown account answers 404', async () => {
    for (const id of ['999999', 'abc', '0']) {
      checkError(await addGrant(id, { role: 'resident', scope: '/' }), 404, 'not_found', { ref: 'NotFound' })
      checkError(await revokeGrant(id, 'resident', '/'), 404, 'not_found')
    }
  })

  test('a scope naming no node answers 422 naming scope', async () => {
    const a = await account()
    for (const scope of ['/999999', `${kangcheng.path}/999999`])
      checkError(await addGrant(a.account.id, { role: 'resident', scope }), 422, 'invalid_input', { field: 'scope' })
  })

  for (const [what, body, field] of [
    ['role missing', { scope: '/' }, 'role'],
    ['role not a string', { role: 1, scope: '/' }, 'role'],
    ['scope missing', { role: 'resident' }, 'scope'],
    ['scope not a string', { role: 'resident', scope: 2 }, 'scope'],
  ]) {
    test(`${what} answers 422 naming ${field}`, async () => {
      const a = await account()
      checkError(await addGrant(a.account.id, body), 422, 'invalid_input', { field })
    })
  }

  test('an unknown role or a scope that is no path answers 422 (nothing granted)', async () => {
    const a = await account()
    checkError(await addGrant(a.account.id, { role: 'emperor', scope: '/' }), 422, 'invalid_input')
    checkError(await addGrant(a.account.id, { role: 'resident', scope: 'everywhere' }), 422, 'invalid_input')
    checkError(await revokeGrant(a.account.id, 'emperor', '/'), 422, 'invalid_input')
    assert.deepEqual(check(await srv.get(`/api/accounts/${a.account.id}`, { token: admin.token }), 200, 'Account').roles, [])
  })

  test('the field of an unknown role is `role`, of a scope that is no path `scope` (not `roles`)', async () => {
    const a = await account()
    checkError(await addGrant(a.account.id, { role: 'emperor', scope: '/' }), 422, 'invalid_input', { field: 'role' })
    checkError(await addGrant(a.account.id, { role: 'resident', scope: 'everywhere' }), 422, 'invalid_input', { field: 'scope' })
    checkError(await revokeGrant(a.account.id, 'emperor', '/'), 422, 'invalid_input', { field: 'role' })
  })

  test('DELETE without role or scope answers 422 naming it', async () => {
    const a = await account([{ role: 'resident', scope: '/' }])
    checkError(await srv.request('DELETE', `/api/accounts/${a.account.id}/grants?scope=%2F`, { token: admin.token }), 422, 'invalid_input', { field: 'role' })
    checkError(await srv.request('DELETE', `/api/accounts/${a.account.id}/grants?role=resident`, { token: admin.token }), 422, 'invalid_input', { field: 'scope' })
    checkError(await srv.request('DELETE', `/api/accounts/${a.account.id}/grants?role=&scope=`, { token: admin.token }), 422, 'invalid_input')
  })

  test('street staff grant and revoke community staff, mediators and community roles within their street; not street staff or elsewhere', async () => {
    const street = await srv.loginAs('street')
    const a = await account([{ role: 'resident', scope: building.path }])
    const id = a.account.id
    check(await addGrant(id, { role: 'community_staff', scope: kangcheng.path }, street.token), 201, 'Account')
    check(await addGrant(id, { role: 'mediator', scope: streetA.path }, street.token), 201, 'Account')
    check(await addGrant(id, { role: 'grid_worker', scope: grid.path }, street.token), 201, 'Account')
    checkError(await addGrant(id, { role: 'street_staff', scope: streetA.path }, street.token), 403, 'forbidden', { ref: 'Forbidden' })
    checkError(await addGrant(id, { role: 'district_admin', scope: streetA.path }, street.token), 403, 'forbidden')
    checkError(await addGrant(id, { role: 'resident', scope: streetB.path }, street.token), 403, 'forbidden')
    checkError(await addGrant(id, { role: 'resident', scope: '/' }, street.token), 403, 'forbidden')
    const r = check(await revokeGrant(id, 'mediator', streetA.path, street.token), 200, 'Account')
    assert.deepEqual(grantsOf(r), [`community_staff@${kangcheng.path}`, `grid_worker@${grid.path}`, `resident@${building.path}`].sort())
    const [rec] = await audit(`account:${id}`, 'account.grant_revoked')
    assert.equal(rec.actor_id, street.account.id)
    // a grant held but not the street's to give: 403 on revoking too
    check(await addGrant(id, { role: 'street_staff', scope: streetA.path }), 201, 'Account')
    checkError(await revokeGrant(id, 'street_staff', streetA.path, street.token), 403, 'forbidden')
    // an account with grants only in another street is not the street's to see: 404
    const b = await account([{ role: 'resident', scope: streetB.path }])
    checkError(await addGrant(b.account.id, { role: 'resident', scope: kangcheng.path }, street.token), 404, 'not_found')
    checkError(await revokeGrant(b.account.id, 'resident', streetB.path, street.token), 404, 'not_found')
  })

  test('community staff grant the community roles within their community only', async () => {
    const community = await srv.loginAs('community')
    const a = await account([{ role: 'resident', scope: building.path }])
    const id = a.account.id
    for (const role of ['grid_worker', 'steward', 'committee_member', 'volunteer', 'vendor', 'teacher', 'doctor'])
      check(await addGrant(id, { role, scope: kangcheng.path }, community.token), 201, 'Account')
    for (const role of ['community_staff', 'mediator', 'inspector', 'street_staff', 'district_admin'])
      checkError(await addGrant(id, { role, scope: kangcheng.path }, community.token), 403, 'forbidden')
    checkError(await addGrant(id, { role: 'resident', scope: ningxin.path }, community.token), 403, 'forbidden')
    checkError(await addGrant(id, { role: 'resident', scope: streetA.path }, community.token), 403, 'forbidden')
    check(await revokeGrant(id, 'doctor', kangcheng.path, community.token), 200, 'Account')
    // the admin's account is not the community's to see
    checkError(await addGrant(admin.account.id, { role: 'volunteer', scope: kangcheng.path }, community.token), 404, 'not_found')
  })

  test('other roles: 403 on their own account, 404 on others', async () => {
    for (const login of ['grid', 'steward', 'resident', 'mediator', 'inspector']) {
      const s = await srv.loginAs(login)
      checkError(await addGrant(s.account.id, { role: 'volunteer', scope: srv.account(login).scope }, s.token), 403, 'forbidden', { ref: 'Forbidden' })
      const a = await account([{ role: 'resident', scope: building.path }])
      checkError(await addGrant(a.account.id, { role: 'volunteer', scope: building.path }, s.token), 404, 'not_found')
      checkError(await revokeGrant(a.account.id, 'resident', building.path, s.token), 404, 'not_found')
    }
  })

  test("the account's sessions see the change at once: GET /api/me and what the grant allows", async () => {
    const a = await account()
    const me = async () => check(await srv.get('/api/me', { token: a.token }), 200, 'Me')
    assert.deepEqual((await me()).roles, [])
    checkError(await srv.get('/api/households', { token: a.token }), 403, 'forbidden')
    check(await addGrant(a.account.id, { role: 'grid_worker', scope: grid.path }), 201, 'Account')
    assert.deepEqual(grantsOf(await me()), [`grid_worker@${grid.path}`])
    check(await srv.get('/api/households', { token: a.token }), 200, 'HouseholdList')
    check(await revokeGrant(a.account.id, 'grid_worker', grid.path), 200, 'Account')
    assert.deepEqual((await me()).roles, [])
    checkError(await srv.get('/api/households', { token: a.token }), 403, 'forbidden')
    // a second session of the account, signed in before: the same
    const again = await srv.login(a.account.username, 'a-good-password')
    check(await addGrant(a.account.id, { role: 'steward', scope: building.path }), 201, 'Account')
    assert.deepEqual(grantsOf(check(await srv.get('/api/me', { token: again.token }), 200, 'Me')), [`steward@${building.path}`])
    assert.deepEqual(grantsOf(await me()), [`steward@${building.path}`])
  })

  test('account.grants_changed: to the account (its open stream ends; it reads the event on returning) and admins, nobody else', async () => {
    const a = await account()
    const b = await account()
    const sa = await subscribe(a.token)
    const sb = await subscribe(b.token)
    const sAdmin = await subscribe(admin.token)
    await new Promise((r) => setTimeout(r, 200))
    check(await addGrant(a.account.id, { role: 'volunteer', scope: kangcheng.path }), 201, 'Account')
    const e = checkFrame(await sAdmin.nextEvent('account.grants_changed', (d) => d.payload?.account_id === a.account.id))
    assert.equal(e.subject, `account:${a.account.id}`)
    assert.equal(e.scope, '/')
    assert.deepEqual(e.payload, { account_id: a.account.id })
    assert.ok(await sa.waitEnd(3000), "the account's open stream did not end when its grants changed")
    // the account, subscribing again from before the change, reads it
    const lastSeen = sa.events.length ? Number(sa.events.at(-1).id) : e.id - 1
    const sa2 = await subscribe(a.token, { lastEventId: Math.min(lastSeen, e.id - 1) })
    assert.equal(checkFrame(await sa2.nextEvent('account.grants_changed', (d) => d.payload?.account_id === a.account.id)).id, e.id)
    // b's stream stays open and gets its own login, published after, but not a's change
    await srv.login(b.account.username, 'a-good-password', { headers: { 'User-Agent': 'people-test b' } })
    await sb.nextEvent('session.created', (d) => d.payload?.user_agent === 'people-test b')
    assert.deepEqual(sb.events.filter((i) => i.event === 'account.grants_changed').map((i) => i.raw), [], "another account received a's grants_changed")
    assert.equal(sb.ended, false)
    // revoking: the same
    check(await revokeGrant(a.account.id, 'volunteer', kangcheng.path), 200, 'Account')
    checkFrame(await sAdmin.nextEvent('account.grants_changed', (d) => d.payload?.account_id === a.account.id && d.id > e.id))
    assert.ok(await sa2.waitEnd(3000), 'the renewed stream did not end on the revoke')
    // a refused change publishes nothing and ends nothing
    const sa3 = await subscribe(a.token)
    checkError(await revokeGrant(a.account.id, 'volunteer', kangcheng.path), 404, 'not_found')
    assert.equal(await sa3.waitEnd(1500), false, 'a refused revoke ended the stream')
    for (const s of [sa, sb, sAdmin, sa2, sa3]) frames.push(...s.events.map((i) => i.raw))
    for (const s of [sb, sAdmin, sa3]) s.close()
  })

  test('the last district administrator cannot be revoked (409); with a second one, one can', async () => {
    checkError(await revokeGrant(admin.account.id, 'district_admin', '/'), 409, 'conflict', { ref: 'Conflict' })
    check(await srv.get('/api/audit?limit=1', { token: admin.token }), 200, 'AuditPage') // still an admin
    const second = await account([{ role: 'district_admin', scope: '/' }])
    check(await srv.get('/api/audit?limit=1', { token: second.token }), 200, 'AuditPage')
    const r = check(await revokeGrant(second.account.id, 'district_admin', '/'), 200, 'Account')
    assert.deepEqual(r.roles, [])
    checkError(await srv.get('/api/audit?limit=1', { token: second.token }), 403, 'forbidden')
    checkError(await revokeGrant(admin.account.id, 'district_admin', '/'), 409, 'conflict')
    // another district_admin grant (not at "/") is no last admin
    const third = await account([{ role: 'district_admin', scope: streetA.path }])
    check(await revokeGrant(third.account.id, 'district_admin', streetA.path), 200, 'Account')
  })

  test('without a session 401; a cookie session needs X-CSRF-Token', async () => {
    const a = await account()
    checkError(await srv.post(`/api/accounts/${a.account.id}/grants`, { role: 'resident', scope: '/' }), 401, 'unauthenticated')
    checkError(await srv.request('DELETE', `/api/accounts/${a.account.id}/grants?role=resident&scope=%2F`), 401, 'unauthenticated')
    checkError(await srv.post(`/api/accounts/${a.account.id}/grants`, { role: 'resident', scope: '/' }, { cookie: admin.token }), 403, 'forbidden')
    check(await srv.post(`/api/accounts/${a.account.id}/grants`, { role: 'resident', scope: '/' }, { cookie: admin.token, csrf: admin.csrf_token }), 201, 'Account')
    checkError(await srv.request('DELETE', `/api/accounts/${a.account.id}/grants?role=resident&scope=%2F`, { cookie: admin.token }), 403, 'forbidden')
    check(await srv.request('DELETE', `/api/accounts/${a.account.id}/grants?role=resident&scope=%2F`, { cookie: admin.token, csrf: admin.csrf_token }), 200, 'Account')
  })
})

describe('my household', () => {
  test('the demo elder: 刘桂兰 in 1号楼 1单元101室, masked', async () => {
    const { token } = await srv.loginAs('elder')
    const h = check(await srv.get('/api/me/household', { token }), 200, 'HouseholdDetail')
    assert.equal(h.address, '1号楼-1单元-101室')
    assert.equal(h.path, building.path)
    assert.ok(h.persons.some((p) => p.name === '刘桂兰'), JSON.stringify(h.persons))
    for (const p of h.persons) {
      if (p.id_number !== null) assert.match(p.id_number, /^[0-9]{6}\*{8}[0-9]{3}[0-9X]$/)
      if (p.phone !== null) assert.match(p.phone, /^[0-9]{3}\*{4}[0-9]{4}$/)
    }
    // the same as the registry staff read it
    assert.deepEqual(check(await srv.get(`/api/households/${h.id}`, { token: admin.token }), 200, 'HouseholdDetail'), h)
  })

  test('the demo resident: 王芳 with 张军 and 张子涵 in 2号楼 3单元2001室', async () => {
    const { token } = await srv.loginAs('resident')
    const h = check(await srv.get('/api/me/household', { token }), 200, 'HouseholdDetail')
    assert.equal(h.address, '2号楼-3单元-2001室')
    assert.equal(h.unit, '3')
    assert.equal(h.room, '2001')
    const names = h.persons.map((p) => p.name)
    for (const n of ['王芳', '张军', '张子涵']) assert.ok(names.includes(n), JSON.stringify(names))
    assert.equal(h.persons.find((p) => p.name === '王芳').relation, 'head')
    assert.deepEqual(check(await srv.get(`/api/households/${h.id}`, { token: admin.token }), 200, 'HouseholdDetail'), h)
  })

  test('an account linked to nobody answers 404 saying so; without a session 401', async () => {
    for (const login of ['admin', 'grid', 'steward', 'doctor', 'volunteer']) {
      const { token } = await srv.loginAs(login)
      const e = checkError(await srv.get('/api/me/household', { token }), 404, 'not_found', { ref: 'NotFound' })
      assert.match(e.message, /link/i, e.message)
    }
    checkError(await srv.get('/api/me/household'), 401, 'unauthenticated')
  })
})

describe('linking persons to accounts', () => {
  let b, h
  before(async () => {
    b = await newBuilding()
    h = await household(b)
  })

  test('link: 200 with the person, audited; the account then reads its household; unlink: 204, audited, 404 again', async () => {
    const p = await person(h, { name: '关联人', id_number: idNumber('19810808', 'M'), phone: phoneNumber(), relation: 'head' })
    const mate = await person(h, { name: '关联配偶', gender: 'F', relation: 'spouse' })
    const a = await account([{ role: 'resident', scope: b.path }])
    checkError(await srv.get('/api/me/household', { token: a.token }), 404, 'not_found')
    const r = check(await link(p.id, { account_id: a.account.id }), 200, 'Person')
    assert.deepEqual(r, p)
    const [rec] = await audit(`person:${p.id}`, 'registry.account_linked')
    assert.equal(rec.actor_id, admin.account.id)
    assert.deepEqual(rec.details, { account_id: a.account.id })
    const mine = check(await srv.get('/api/me/household', { token: a.token }), 200, 'HouseholdDetail')
    assert.deepEqual(mine, { ...h, persons: [p, mate] })
    check(await unlink(p.id), 204)
    assert.equal((await audit(`person:${p.id}`, 'registry.account_unlinked')).length, 1)
    checkError(await srv.get('/api/me/household', { token: a.token }), 404, 'not_found')
    checkError(await unlink(p.id), 404, 'not_found', { ref: 'NotFound' })
    assert.equal((await audit(`person:${p.id}`, 'registry.account_unlinked')).length, 1)
    // linked again, to the same account
    check(await link(p.id, { account_id: a.account.id }), 200, 'Person')
    assert.equal(check(await srv.get('/api/me/household', { token: a.token }), 200, 'HouseholdDetail').id, h.id)
  })

  test('a person linked already, or an account linked to another person, answers 409', async () => {
    const p = await person(h)
    const q = await person(h)
    const a = await account()
    const c = await account()
    check(await link(p.id, { account_id: a.account.id }), 200, 'Person')
    checkError(await link(p.id, { account_id: c.account.id }), 409, 'conflict', { ref: 'Conflict' })
    checkError(await link(p.id, { account_id: a.account.id }), 409, 'conflict')
    checkError(await link(q.id, { account_id: a.account.id }), 409, 'conflict', { field: 'account_id' })
    assert.equal((await audit(`person:${q.id}`, 'registry.account_linked')).length, 0)
    check(await link(q.id, { account_id: c.account.id }), 200, 'Person')
  })

  for (const [what, body] of [
    ['an unknown account', { account_id: 999999 }],
    ['account_id 0', { account_id: 0 }],
    ['account_id a string', { account_id: '5' }],
    ['account_id missing', {}],
    ['account_id null', { account_id: null }],
  ]) {
    test(`${what} answers 422 naming account_id`, async () => {
      const p = await person(h)
      checkError(await link(p.id, body), 422, 'invalid_input', { field: 'account_id' })
    })
  }

  test('an unknown person answers 404', async () => {
    const a = await account()
    for (const id of ['999999', 'abc']) {
      checkError(await link(id, { account_id: a.account.id }), 404, 'not_found', { ref: 'NotFound' })
      checkError(await unlink(id), 404, 'not_found')
    }
  })

  test('registry writers within their scope link and unlink; the steward 403; other areas 404; other roles 403', async () => {
    const inBuilding = await household(building)
    for (const login of ['street', 'community', 'grid']) {
      const s = await srv.loginAs(login)
      const p = await person(inBuilding)
      const a = await account()
      check(await link(p.id, { account_id: a.account.id }, s.token), 200, 'Person')
      assert.equal((await audit(`person:${p.id}`, 'registry.account_linked'))[0].actor_id, s.account.id)
      check(await unlink(p.id, s.token), 204)
    }
    const p = await person(inBuilding)
    const a = await account()
    const steward = await srv.loginAs('steward')
    checkError(await link(p.id, { account_id: a.account.id }, steward.token), 403, 'forbidden', { ref: 'Forbidden' })
    check(await link(p.id, { account_id: a.account.id }), 200, 'Person')
    checkError(await unlink(p.id, steward.token), 403, 'forbidden')
    const other = await account([{ role: 'community_staff', scope: ningxin.path }])
    checkError(await unlink(p.id, other.token), 404, 'not_found')
    const q = await person(inBuilding)
    checkError(await link(q.id, { account_id: (await account()).account.id }, other.token), 404, 'not_found')
    for (const login of ['resident', 'elder', 'doctor', 'inspector']) {
      const s = await srv.loginAs(login)
      checkError(await link(q.id, { account_id: a.account.id }, s.token), 403, 'forbidden')
      checkError(await unlink(p.id, s.token), 403, 'forbidden')
    }
    // still linked after all the refusals
    checkError(await link(p.id, { account_id: (await account()).account.id }), 409, 'conflict')
  })

  test('without a session 401; a cookie session needs X-CSRF-Token; a body not JSON 415', async () => {
    const p = await person(h)
    const a = await account()
    checkError(await srv.request('PUT', `/api/persons/${p.id}/account`, { json: { account_id: a.account.id } }), 401, 'unauthenticated')
    checkError(await srv.request('DELETE', `/api/persons/${p.id}/account`), 401, 'unauthenticated')
    checkError(await srv.request('PUT', `/api/persons/${p.id}/account`, { cookie: admin.token, json: { account_id: a.account.id } }), 403, 'forbidden')
    checkError(
      await srv.request('PUT', `/api/persons/${p.id}/account`, { token: admin.token, body: JSON.stringify({ account_id: a.account.id }), headers: { 'Content-Type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    )
    check(await srv.request('PUT', `/api/persons/${p.id}/account`, { cookie: admin.token, csrf: admin.csrf_token, json: { account_id: a.account.id } }), 200, 'Person')
    checkError(await srv.request('DELETE', `/api/persons/${p.id}/account`, { cookie: admin.token }), 403, 'forbidden')
    check(await srv.request('DELETE', `/api/persons/${p.id}/account`, { cookie: admin.token, csrf: admin.csrf_token }), 204)
  })
})

// Last before the scans: if both revokes pass, the demo admin is no administrator any more.
describe('the last district administrator, racing', () => {
  test('the only two district administrators revoking each other at once: one of them remains', async () => {
    const x = await account([{ role: 'district_admin', scope: '/' }])
    const [ra, rx] = await Promise.all([
      revokeGrant(x.account.id, 'district_admin', '/', admin.token),
      revokeGrant(admin.account.id, 'district_admin', '/', x.token),
    ])
    for (const r of [ra, rx]) check(r, r.status)
    // one passes; the other is refused: 409 (the last one) or 404 (its caller no longer sees the account)
    const passed = [ra, rx].filter((r) => r.status === 200)
    assert.equal(passed.length, 1, `statuses ${ra.status} and ${rx.status}: ${passed.length === 2 ? 'no district administrator is left' : 'none passed'}`)
    assert.ok([404, 409].includes((ra.status === 200 ? rx : ra).status))
    const left = [ra.status === 200 ? admin : x]
    check(await srv.get('/api/audit?limit=1', { token: left[0].token }), 200, 'AuditPage')
  })
})

describe('personal data', () => {
  test('no answer, event or audit record shows an ID number or a phone number in clear', async () => {
    assert.ok(secrets.size >= 8, `only ${secrets.size} values made`)
    const leaks = []
    for (const r of replies) for (const v of secrets) if (r.text.includes(v)) leaks.push(`${r.method} ${r.path} → ${r.status} shows ${v}: ${r.text.slice(0, 300)}`)
    for (const raw of frames) for (const v of secrets) if (raw.includes(v)) leaks.push(`event ${raw} shows ${v}`)
    assert.deepEqual(leaks, [])
    assert.ok(replies.length > 150, `only ${replies.length} answers were looked at`)
  })

  test('no log line shows one either, not even the searched values (access log and server log)', () => {
    const leaks = []
    for (const name of ['access.log', 'server.log']) {
      const text = readFileSync(join(srv.dir, name), 'utf8')
      for (const v of secrets) if (text.includes(v) || text.includes(v.toLowerCase())) leaks.push(`${name} shows ${v}`)
    }
    assert.deepEqual(leaks, [])
  })

  test('the database holds them only sealed', async () => {
    const leaks = []
    for (const t of ['persons', 'person_accounts', 'events', 'audit']) {
      const dump = ENGINE === 'sqlite'
        ? (await promisify(execFile)('sqlite3', [srv.db.url.replace(/^sqlite:/, ''), `SELECT * FROM ${t}`], { maxBuffer: 64 << 20 })).stdout
        : await psql(srv.db.url, `SELECT * FROM ${t}`)
      for (const v of secrets) if (dump.includes(v)) leaks.push(`${t} holds ${v}`)
    }
    assert.deepEqual(leaks, [])
  })
})

endsCleanly(srv)
