// The household registry: households in buildings, the persons living there (ID numbers and
// phone numbers masked), revealing them for a reason (audited), who may read, write and reveal
// in which scope, and the registry events on the live stream. No raw ID number or phone number
// may appear in any answer except a reveal's.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'

import { BIN, ENGINE, ROOT, assertSchema, check, checkError, endsCleanly, psql, startServer } from './harness.mjs'

const run = promisify(execFile)
const srv = await startServer()

// Every answer of the suite is kept, to look for personal data in them at the end.
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
// ID numbers (GB 11643) and phone numbers. Every well-formed one made here is a secret the
// answers must never show in clear (except a reveal's).

const secrets = new Set()
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const checkChar = (d17) => '10X98765432'[[...d17].reduce((s, c, i) => s + Number(c) * WEIGHTS[i], 0) % 11]
const withCheck = (d17) => d17 + checkChar(d17)
let idSeq = 100
/** A valid ID number born on `birth` (YYYYMMDD) of gender `g` (odd sequence M, even F), unique in the suite. */
function idNumber(birth = '19800101', g = 'M') {
  const v = unlistedId(birth, g)
  secrets.add(v)
  return v
}
/** The same, not kept as a secret: for making malformed ones from. */
function unlistedId(birth = '19800101', g = 'M') {
  idSeq += 1
  if ((idSeq % 2 === 1) !== (g === 'M')) idSeq += 1
  return withCheck(`152701${birth}${String(idSeq).padStart(3, '0')}`)
}
/** The same ID number with a wrong check character. */
const badCheck = (v) => v.slice(0, 17) + [...'0123456789X'].find((c) => c !== v[17])
let phoneSeq = 0
/** A mainland mobile number unique in the suite. */
function phoneNumber() {
  const v = `139${String(52000000 + ++phoneSeq).padStart(8, '0')}`
  secrets.add(v)
  return v
}
const maskId = (v) => `${v.slice(0, 6)}********${v.slice(14)}`
const maskPhone = (v) => `${v.slice(0, 3)}****${v.slice(7)}`

// ---------------------------------------------------------------------------------------
// The demo tree down to 1号楼, found through the demo accounts' scopes.

const lastId = (path) => Number(path.split('/').pop())
const getNode = async (id) => check(await srv.get(`/api/nodes/${id}`, { token: admin.token }), 200, 'Node')
const root = check(await srv.get('/api/nodes', { token: admin.token }), 200, 'NodeList').items[0]
const building = await getNode(lastId(srv.account('steward').scope))
const grid = await getNode(lastId(srv.account('grid').scope))
const kangcheng = await getNode(lastId(srv.account('community').scope))
const streetA = await getNode(lastId(srv.account('street').scope))
const compound = await getNode(building.parent_id)
assert.equal(building.kind, 'building', JSON.stringify(building))
assert.equal(building.name, '1号楼')
assert.equal(compound.kind, 'compound')
assert.equal(grid.kind, 'grid')
assert.equal(kangcheng.name, '康城社区')
assert.equal(streetA.name, '滨河街道')
assert.ok(building.path.startsWith(`${grid.path}/`), `${building.path} is not under the grid ${grid.path}`)
const streets = check(await srv.get(`/api/nodes?parent=${root.id}&limit=200`, { token: admin.token }), 200, 'NodeList').items
const streetB = streets.find((s) => s.name === '青春山街道')
assert.ok(streetB, JSON.stringify(streets))
const ningxin = check(await srv.get(`/api/nodes?parent=${streetA.id}&limit=200`, { token: admin.token }), 200, 'NodeList').items.find(
  (c) => c.name === '宁馨社区',
)
assert.ok(ningxin)

// ---------------------------------------------------------------------------------------
// Helpers

const list = (query = '', token = admin.token) => srv.get(`/api/households${query}`, { token })
const createHousehold = (body, token = admin.token) => srv.post('/api/households', body, { token })
const getHousehold = (id, token = admin.token) => srv.get(`/api/households/${id}`, { token })
const addPerson = (hid, body, token = admin.token) => srv.post(`/api/households/${hid}/persons`, body, { token })
const reveal = (pid, body, token = admin.token) => srv.post(`/api/persons/${pid}/reveal`, body, { token })

let roomSeq = 100
/** Registers a fresh household (201) in `b` as `token`; returns it. */
async function household(b = building, token = admin.token, extra = {}) {
  const body = { building_id: b.id, unit: '1', floor: 1, room: String(++roomSeq), ...extra }
  return check(await createHousehold(body, token), 201, 'Household')
}

/** Adds a person (201) and returns the answer. */
async function person(hid, body = {}, token = admin.token) {
  return check(await addPerson(hid, { name: fresh('居民'), gender: 'M', relation: 'other', ...body }, token), 201, 'Person')
}

/** Every household the caller lists for `query`, over all pages. */
async function all(query = '', token = admin.token, limit = 200) {
  const out = []
  let afterId = 0
  for (let pages = 0; pages < 100; pages++) {
    const p = check(await list(`?limit=${limit}&after=${afterId}${query}`, token), 200, 'HouseholdList')
    out.push(...p.items)
    if (p.next_after === null) return out
    afterId = p.next_after
  }
  assert.fail('more than 100 pages of households')
}

/** Creates an account with these grants and signs it in. */
async function staff(roles) {
  const username = fresh('reg.user')
  const password = 'a-good-password'
  check(await srv.post('/api/accounts', { username, display_name: username, password, roles }, { token: admin.token }), 201, 'Account')
  return srv.login(username, password)
}

async function auditCount() {
  const r = await run(BIN, ['audit', 'verify', '--db', srv.db.url], { cwd: ROOT, timeout: 60000 }).then(
    (x) => ({ code: 0, stdout: x.stdout }),
    (e) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )
  assert.equal(r.code, 0, `audit verify: ${JSON.stringify(r)}`)
  const m = r.stdout.match(/audit log intact: (\d+) records/)
  assert.ok(m, r.stdout)
  return Number(m[1])
}

const open = []
after(() => open.forEach((s) => s.close()))

async function subscribe(token) {
  const s = await srv.events({ token })
  assert.equal(s.reply.status, 200, `stream refused: ${s.reply}`)
  check(s.reply, 200)
  open.push(s)
  return s
}

function checkFrame(item) {
  assert.ok(item.data, `data is not JSON: ${item.raw}`)
  assertSchema(item.data, 'Event', `event ${item.raw}`)
  assert.equal(item.id, String(item.data.id), 'the id: line differs from data.id')
  assert.equal(item.event, item.data.type, 'the event: line differs from data.type')
  return item.data
}

// ---------------------------------------------------------------------------------------

describe('households', () => {
  test('the admin registers a household in 1号楼: 201, the address, the building path; listed and readable', async () => {
    const t0 = Date.now()
    const res = await createHousehold({ building_id: building.id, unit: '2', floor: 3, room: '301' })
    const h = check(res, 201, 'Household')
    assert.equal(h.building_id, building.id)
    assert.equal(h.unit, '2')
    assert.equal(h.floor, 3)
    assert.equal(h.room, '301')
    assert.equal(h.address, '1号楼-2单元-301室')
    assert.equal(h.path, building.path)
    assert.ok(h.created_at >= t0 - 5000 && h.created_at <= Date.now() + 5000, `created_at ${h.created_at} is not now`)
    assert.ok(h.updated_at >= h.created_at)
    if (res.header('location')) assert.equal(res.header('location'), `/api/households/${h.id}`)
    for (const q of ['', `&node=${building.id}`, `&node=${compound.id}`, `&node=${grid.id}`, `&node=${kangcheng.id}`, `&node=${root.id}`])
      assert.deepEqual((await all(q)).filter((x) => x.id === h.id), [h], `not listed with ${q}`)
    const d = check(await getHousehold(h.id), 200, 'HouseholdDetail')
    assert.deepEqual(d, { ...h, persons: [] })
  })

  test('a node without households lists nothing', async () => {
    assert.deepEqual(check(await list(`?node=${ningxin.id}`), 200, 'HouseholdList'), { items: [], next_after: null })
    assert.deepEqual(check(await list(`?node=${streetB.id}`), 200, 'HouseholdList'), { items: [], next_after: null })
  })

  test('paging by 2 over five households: 2, 2, 1 chained by next_after, ordered by id', async () => {
    const b = check(await srv.post('/api/nodes', { parent_id: compound.id, kind: 'building', name: fresh('分页楼') }, { token: admin.token }), 201, 'Node')
    const made = []
    for (let i = 1; i <= 5; i++) made.push(await household(b, admin.token, { unit: '9', room: `90${i}`, floor: 9 }))
    const p1 = check(await list(`?node=${b.id}&limit=2`), 200, 'HouseholdList')
    assert.equal(p1.items.length, 2)
    assert.equal(p1.next_after, p1.items[1].id)
    const p2 = check(await list(`?node=${b.id}&limit=2&after=${p1.next_after}`), 200, 'HouseholdList')
    assert.equal(p2.items.length, 2)
    assert.equal(p2.next_after, p2.items[1].id)
    const p3 = check(await list(`?node=${b.id}&limit=2&after=${p2.next_after}`), 200, 'HouseholdList')
    assert.deepEqual(p3, { items: [made[4]], next_after: null })
    assert.deepEqual([...p1.items, ...p2.items, ...p3.items], made)
    const ids = made.map((h) => h.id)
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'not ordered by id')
    // the page holding the last household is the last page
    assert.deepEqual(check(await list(`?node=${b.id}&limit=5`), 200, 'HouseholdList'), { items: made, next_after: null })
    assert.deepEqual(check(await list(`?node=${b.id}&after=${ids[4]}`), 200, 'HouseholdList'), { items: [], next_after: null })
    assert.deepEqual(made.map((h) => h.address), [1, 2, 3, 4, 5].map((i) => `${b.name}-9单元-90${i}室`))
  })

  test('the default page holds 50', async () => {
    const b = check(await srv.post('/api/nodes', { parent_id: compound.id, kind: 'building', name: fresh('五十楼') }, { token: admin.token }), 201, 'Node')
    const rooms = Array.from({ length: 51 }, (_, i) => String(1000 + i))
    for (let i = 0; i < rooms.length; i += 8)
      await Promise.all(rooms.slice(i, i + 8).map((room) => household(b, admin.token, { room })))
    const p1 = check(await list(`?node=${b.id}`), 200, 'HouseholdList')
    assert.equal(p1.items.length, 50)
    assert.equal(p1.next_after, p1.items[49].id)
    const p2 = check(await list(`?node=${b.id}&after=${p1.next_after}`), 200, 'HouseholdList')
    assert.equal(p2.items.length, 1)
    assert.equal(p2.next_after, null)
    assert.deepEqual([...p1.items, ...p2.items].map((h) => h.room).sort(), rooms)
    assert.deepEqual(await all(`&node=${b.id}`, admin.token, 7), [...p1.items, ...p2.items])
  })

  for (const [q, field] of [
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=many', 'limit'],
    ['after=-5', 'after'],
    ['after=x', 'after'],
    ['node=abc', 'node'],
    ['node=0', 'node'],
    ['node=-1', 'node'],
    ['node=1.5', 'node'],
  ]) {
    test(`GET /api/households?${q} answers 422 naming ${field}`, async () => {
      checkError(await list(`?${q}`), 422, 'invalid_input', { field })
    })
  }

  test('a node that does not exist answers 404', async () => {
    checkError(await list('?node=999999'), 404, 'not_found', { ref: 'NotFound' })
  })

  test('the same unit and room twice in a building answers 409; elsewhere they are free', async () => {
    const h = await household(building, admin.token, { unit: '3', room: '502', floor: 5 })
    checkError(await createHousehold({ building_id: building.id, unit: '3', floor: 5, room: '502' }), 409, 'conflict', { ref: 'Conflict' })
    checkError(await createHousehold({ building_id: building.id, unit: '3', floor: 6, room: '502' }), 409, 'conflict')
    const other = await household(building, admin.token, { unit: '4', room: '502', floor: 5 })
    assert.notEqual(other.id, h.id)
    const b = check(await srv.post('/api/nodes', { parent_id: compound.id, kind: 'building', name: fresh('邻楼') }, { token: admin.token }), 201, 'Node')
    const there = await household(b, admin.token, { unit: '3', room: '502', floor: 5 })
    assert.equal(there.address, `${b.name}-3单元-502室`)
    assert.equal(there.path, b.path)
  })

  for (const [what, id] of [
    ['a community', () => kangcheng.id],
    ['a street', () => streetA.id],
    ['a grid', () => grid.id],
    ['a compound', () => compound.id],
    ['the district', () => root.id],
  ]) {
    test(`building_id naming ${what} answers 422 naming building_id`, async () => {
      checkError(await createHousehold({ building_id: id(), unit: '1', floor: 1, room: '101' }), 422, 'invalid_input', { field: 'building_id' })
    })
  }

  for (const [what, value] of [
    ['missing', undefined],
    ['a string', 'abc'],
    ['a numeric string', () => String(building.id)],
    ['a fraction', 1.5],
    ['null', null],
    ['a boolean', true],
  ]) {
    test(`building_id ${what} answers 422 naming building_id`, async () => {
      const body = { unit: '1', floor: 1, room: '101' }
      if (what !== 'missing') body.building_id = typeof value === 'function' ? value() : value
      checkError(await createHousehold(body), 422, 'invalid_input', { field: 'building_id' })
    })
  }

  test('a building that does not exist answers 404', async () => {
    checkError(await createHousehold({ building_id: 999999, unit: '1', floor: 1, room: '101' }), 404, 'not_found', { ref: 'NotFound' })
  })

  for (const field of ['unit', 'room']) {
    for (const [what, value] of [
      ['missing', undefined],
      ['empty', ''],
      ['17 bytes', 'a'.repeat(17)],
      ['18 bytes of UTF-8', '一二三四五六'],
      ['with a control character', 'a\u0001'],
      ['with a line feed', '3\n01'],
      ['with DEL', '3\u007f'],
      ['a number', 3],
      ['null', null],
    ]) {
      test(`${field} ${what} answers 422 naming ${field}`, async () => {
        const body = { building_id: building.id, unit: '7', floor: 1, room: String(++roomSeq) }
        if (what === 'missing') delete body[field]
        else body[field] = value
        checkError(await createHousehold(body), 422, 'invalid_input', { field })
      })
    }
  }

  test('unit and room of exactly 16 bytes are accepted', async () => {
    const h = await household(building, admin.token, { unit: 'u'.repeat(16), room: '一二三四五a' })
    assert.equal(h.unit, 'u'.repeat(16))
    assert.equal(h.room, '一二三四五a')
    assert.equal(h.address, `1号楼-${'u'.repeat(16)}单元-一二三四五a室`)
  })

  for (const [what, value] of [
    ['missing', undefined],
    ['a string', '3'],
    ['a fraction', 3.5],
    ['-6', -6],
    ['201', 201],
    ['null', null],
  ]) {
    test(`floor ${what} answers 422 naming floor`, async () => {
      const body = { building_id: building.id, unit: '7', room: String(++roomSeq) }
      if (what !== 'missing') body.floor = value
      checkError(await createHousehold(body), 422, 'invalid_input', { field: 'floor' })
    })
  }

  test('floors -5 and 200 are accepted', async () => {
    assert.equal((await household(building, admin.token, { floor: -5 })).floor, -5)
    assert.equal((await household(building, admin.token, { floor: 200 })).floor, 200)
  })

  test('invalid input registers nothing', async () => {
    const room = String(++roomSeq)
    checkError(await createHousehold({ building_id: building.id, unit: '8', floor: 999, room }), 422, 'invalid_input')
    assert.equal((await all(`&node=${building.id}`)).filter((h) => h.unit === '8' && h.room === room).length, 0)
    await household(building, admin.token, { unit: '8', room }) // still free
  })

  test('an unknown or malformed household id answers 404', async () => {
    for (const id of ['999999', '0', '-1', 'abc', '1.5'])
      checkError(await getHousehold(id), 404, 'not_found', { ref: 'NotFound' })
  })
})

describe('persons', () => {
  let home
  before(async () => {
    home = await household()
  })

  test('with an ID number and a phone: 201, both masked, the birth date taken from the ID number', async () => {
    const id = idNumber('19800101', 'M')
    const phone = phoneNumber()
    const p = await person(home.id, { name: '王建国', gender: 'M', id_number: id, phone, relation: 'head', tags: ['veteran', 'elder'] })
    assert.equal(p.household_id, home.id)
    assert.equal(p.name, '王建国')
    assert.equal(p.gender, 'M')
    assert.equal(p.birth_date, '1980-01-01')
    assert.equal(p.id_number, maskId(id))
    assert.match(p.id_number, /^152701\*{8}[0-9]{3}[0-9X]$/)
    assert.equal(p.phone, maskPhone(phone))
    assert.equal(p.relation, 'head')
    assert.deepEqual([...p.tags].sort(), ['elder', 'veteran'])
    assert.ok(p.updated_at >= p.created_at)
  })

  test('a woman whose ID number agrees with her given birth date: 201', async () => {
    const id = idNumber('19920315', 'F')
    const p = await person(home.id, { name: '李秀英', gender: 'F', birth_date: '1992-03-15', id_number: id, relation: 'spouse' })
    assert.equal(p.gender, 'F')
    assert.equal(p.birth_date, '1992-03-15')
    assert.equal(p.id_number, maskId(id))
    assert.equal(p.phone, null)
    assert.deepEqual(p.tags, [])
  })

  test('an ID number ending in X is accepted', async () => {
    let id = null
    for (let i = 0; i < 200 && !id; i++) {
      const v = idNumber('19850607', 'F')
      if (v.endsWith('X')) id = v
    }
    assert.ok(id, 'no ID number with check character X found')
    const p = await person(home.id, { gender: 'F', id_number: id, relation: 'other' })
    assert.equal(p.id_number, maskId(id))
    assert.ok(p.id_number.endsWith('X'))
    assert.equal(p.birth_date, '1985-06-07')
  })

  test('without ID number or phone: nulls; without a birth date: null', async () => {
    const a = await person(home.id, { name: '王小明', gender: 'M', birth_date: '2015-09-01', relation: 'child', tags: ['child'] })
    assert.deepEqual([a.birth_date, a.id_number, a.phone], ['2015-09-01', null, null])
    const b = await person(home.id, { gender: 'F', relation: 'other' })
    assert.deepEqual([b.birth_date, b.id_number, b.phone], [null, null, null])
  })

  test('every relation and every tag is accepted', async () => {
    for (const relation of ['head', 'spouse', 'child', 'parent', 'grandchild', 'sibling', 'other'])
      assert.equal((await person(home.id, { relation })).relation, relation)
    const tags = ['empty_nest_elder', 'living_alone', 'disability', 'low_income', 'veteran', 'child', 'elder']
    assert.deepEqual([...(await person(home.id, { tags })).tags].sort(), [...tags].sort())
  })

  test('an ID number another person has answers 409 naming id_number, in another household or the same', async () => {
    const id = idNumber('19700505', 'M')
    await person(home.id, { id_number: id })
    const other = await household()
    checkError(await addPerson(other.id, { name: '冒名', gender: 'M', id_number: id, relation: 'head' }), 409, 'conflict', {
      field: 'id_number',
      ref: 'Conflict',
    })
    checkError(await addPerson(home.id, { name: '重复', gender: 'M', id_number: id, relation: 'other' }), 409, 'conflict', { field: 'id_number' })
    assert.deepEqual(check(await getHousehold(other.id), 200, 'HouseholdDetail').persons, [], 'the refused person was added')
  })

  const badIds = [
    ['17 characters', () => unlistedId().slice(0, 17)],
    ['19 characters', () => `${unlistedId()}1`],
    ['with letters', () => `15270A${unlistedId().slice(6)}`],
    ['with a wrong check character', () => badCheck(unlistedId())],
    ['born on 1980-02-30', () => withCheck('15270119800230123')],
    ['born in month 13', () => withCheck('15270119801301123')],
    ['born in the future', () => withCheck('15270120991231123')],
    ['a number', () => 152701198001011],
  ]
  for (const [what, make] of badIds) {
    test(`an ID number ${what} answers 422 naming id_number`, async () => {
      checkError(await addPerson(home.id, { name: fresh('错号'), gender: 'M', id_number: make(), relation: 'other' }), 422, 'invalid_input', {
        field: 'id_number',
      })
    })
  }

  test('an ID number of a man given gender F, or of another birth date, answers 422 naming id_number', async () => {
    checkError(await addPerson(home.id, { name: fresh('性别'), gender: 'F', id_number: idNumber('19800101', 'M'), relation: 'other' }), 422, 'invalid_input', {
      field: 'id_number',
    })
    checkError(await addPerson(home.id, { name: fresh('性别'), gender: 'M', id_number: idNumber('19800101', 'F'), relation: 'other' }), 422, 'invalid_input', {
      field: 'id_number',
    })
    checkError(
      await addPerson(home.id, { name: fresh('生日'), gender: 'M', birth_date: '1980-01-02', id_number: idNumber('19800101', 'M'), relation: 'other' }),
      422,
      'invalid_input',
      { field: 'id_number' },
    )
  })

  for (const [what, value] of [
    ['1980-02-30', '1980-02-30'],
    ['1980-1-1', '1980-1-1'],
    ['19800101', '19800101'],
    ['in the future', '2099-12-31'],
    ['a word', 'yesterday'],
    ['a number', 19800101],
  ]) {
    test(`birth_date ${what} answers 422 naming birth_date`, async () => {
      checkError(await addPerson(home.id, { name: fresh('日期'), gender: 'F', birth_date: value, relation: 'other' }), 422, 'invalid_input', {
        field: 'birth_date',
      })
    })
  }

  for (const value of ['12345', '23812345678', '1391234567', '139123456789', '12912345678', '+1 139 1234 5678', 'phone-number', 13912345678]) {
    test(`phone ${JSON.stringify(value)} answers 422 naming phone`, async () => {
      checkError(await addPerson(home.id, { name: fresh('电话'), gender: 'M', phone: value, relation: 'other' }), 422, 'invalid_input', {
        field: 'phone',
      })
    })
  }

  for (const [what, name] of [
    ['missing', undefined],
    ['empty', ''],
    ['65 bytes of UTF-8', '长'.repeat(21) + 'ab'],
    ['with a control character', 'a\u0001b'],
    ['a number', 42],
  ]) {
    test(`a name ${what} answers 422 naming name`, async () => {
      const body = { gender: 'M', relation: 'other' }
      if (what !== 'missing') body.name = name
      checkError(await addPerson(home.id, body), 422, 'invalid_input', { field: 'name' })
    })
  }

  for (const [what, gender] of [
    ['missing', undefined],
    ['X', 'X'],
    ['lower case m', 'm'],
    ['a word', 'male'],
    ['null', null],
  ]) {
    test(`gender ${what} answers 422 naming gender`, async () => {
      const body = { name: fresh('性别'), relation: 'other' }
      if (what !== 'missing') body.gender = gender
      checkError(await addPerson(home.id, body), 422, 'invalid_input', { field: 'gender' })
    })
  }

  for (const [what, relation] of [
    ['missing', undefined],
    ['unknown', 'friend'],
    ['upper case', 'HEAD'],
    ['a number', 1],
  ]) {
    test(`relation ${what} answers 422 naming relation`, async () => {
      const body = { name: fresh('关系'), gender: 'M' }
      if (what !== 'missing') body.relation = relation
      checkError(await addPerson(home.id, body), 422, 'invalid_input', { field: 'relation' })
    })
  }

  for (const [what, tags] of [
    ['an unknown tag', ['rich']],
    ['a known and an unknown tag', ['elder', 'vip']],
    ['a string', 'elder'],
    ['numbers', [1]],
  ]) {
    test(`tags with ${what} answer 422 naming tags`, async () => {
      checkError(await addPerson(home.id, { name: fresh('标签'), gender: 'M', relation: 'other', tags }), 422, 'invalid_input', { field: 'tags' })
    })
  }

  test('a household that does not exist answers 404', async () => {
    for (const id of ['999999', 'abc'])
      checkError(await addPerson(id, { name: '无户', gender: 'M', relation: 'head' }), 404, 'not_found', { ref: 'NotFound' })
  })

  test('GET /api/households/{id} shows the persons as added, masked, ordered by id', async () => {
    const h = await household()
    const id1 = idNumber('19600101', 'M')
    const id2 = idNumber('19650202', 'F')
    const ph1 = phoneNumber()
    const ph2 = phoneNumber()
    const a = await person(h.id, { name: '张大爷', gender: 'M', id_number: id1, phone: ph1, relation: 'head', tags: ['empty_nest_elder'] })
    const b = await person(h.id, { name: '张大妈', gender: 'F', id_number: id2, phone: ph2, relation: 'spouse' })
    const d = check(await getHousehold(h.id), 200, 'HouseholdDetail')
    const { persons, ...rest } = d
    assert.deepEqual(rest, h)
    assert.deepEqual(persons, [a, b])
    assert.deepEqual(persons.map((p) => [p.id_number, p.phone]), [
      [maskId(id1), maskPhone(ph1)],
      [maskId(id2), maskPhone(ph2)],
    ])
  })
})

describe('reveal', () => {
  let p, idn, ph
  before(async () => {
    const h = await household()
    idn = idNumber('19750808', 'F')
    ph = phoneNumber()
    p = await person(h.id, { name: '刘桂兰', gender: 'F', id_number: idn, phone: ph, relation: 'head', tags: ['low_income'] })
  })

  test('the admin reveals with a reason: 200 with the clear values, one more audit record, the log intact', async () => {
    const before = await auditCount()
    const r = check(await reveal(p.id, { reason: '核实低保申请材料' }), 200, 'PersonRevealed')
    assert.deepEqual(r, { id: p.id, id_number: idn, phone: ph })
    assert.equal(await auditCount(), before + 1)
  })

  test('a person without ID number or phone reveals nulls', async () => {
    const h = await household()
    const q = await person(h.id, { relation: 'head' })
    assert.deepEqual(check(await reveal(q.id, { reason: '核对户籍信息' }), 200, 'PersonRevealed'), { id: q.id, id_number: null, phone: null })
  })

  test('a reason of 4 characters is enough', async () => {
    assert.deepEqual(check(await reveal(p.id, { reason: 'abcd' }), 200, 'PersonRevealed'), { id: p.id, id_number: idn, phone: ph })
  })

  for (const [what, body] of [
    ['no body fields', {}],
    ['"ab"', { reason: 'ab' }],
    ['"abc"', { reason: 'abc' }],
    ['empty', { reason: '' }],
    ['a number', { reason: 1234 }],
    ['null', { reason: null }],
    ['201 characters', { reason: 'a'.repeat(201) }],
  ]) {
    test(`a reason ${what} answers 422 naming reason`, async () => {
      checkError(await reveal(p.id, body), 422, 'invalid_input', { field: 'reason' })
    })
  }

  test('a person that does not exist answers 404', async () => {
    for (const id of ['999999', 'abc'])
      checkError(await reveal(id, { reason: '核对户籍信息' }), 404, 'not_found', { ref: 'NotFound' })
  })
})

describe('who may read, write and reveal, in which scope', () => {
  let h, p
  before(async () => {
    h = await household(building, admin.token, { unit: '5', room: '501', floor: 5 })
    p = await person(h.id, { name: '赵四', gender: 'M', id_number: idNumber('19580303', 'M'), phone: phoneNumber(), relation: 'head' })
  })

  for (const login of ['street', 'community', 'grid']) {
    test(`the demo ${login} account lists and reads the household, registers, adds and reveals`, async () => {
      const { token } = await srv.loginAs(login)
      assert.deepEqual((await all('', token)).filter((x) => x.id === h.id), [h])
      assert.deepEqual((await all(`&node=${building.id}`, token)).filter((x) => x.id === h.id), [h])
      const d = check(await getHousehold(h.id, token), 200, 'HouseholdDetail')
      assert.deepEqual(d.persons.find((x) => x.id === p.id), p)
      const own = await household(building, token)
      assert.equal(own.path, building.path)
      const q = await person(own.id, { phone: phoneNumber() }, token)
      assert.equal(q.household_id, own.id)
      const r = check(await reveal(q.id, { reason: `${login} 上门核实` }, token), 200, 'PersonRevealed')
      assert.equal(r.id, q.id)
    })
  }

  test("the demo community account's list is its community's", async () => {
    const { token } = await srv.loginAs('community')
    for (const x of await all('', token)) assert.ok(x.path.startsWith(`${kangcheng.path}/`), JSON.stringify(x))
    checkError(await list(`?node=${ningxin.id}`, token), 404, 'not_found')
  })

  test('the steward of 1号楼 reads, but may not register, add or reveal (403)', async () => {
    const { token } = await srv.loginAs('steward')
    const mine = await all('', token)
    assert.ok(mine.some((x) => x.id === h.id))
    for (const x of mine) assert.equal(x.path, building.path)
    assert.deepEqual((await all(`&node=${building.id}`, token)).filter((x) => x.id === h.id), [h])
    const d = check(await getHousehold(h.id, token), 200, 'HouseholdDetail')
    assert.deepEqual(d.persons.find((x) => x.id === p.id), p)
    checkError(await createHousehold({ building_id: building.id, unit: '6', floor: 1, room: String(++roomSeq) }, token), 403, 'forbidden', {
      ref: 'Forbidden',
    })
    checkError(await addPerson(h.id, { name: '楼长加人', gender: 'M', relation: 'other' }, token), 403, 'forbidden')
    checkError(await reveal(p.id, { reason: '楼长想看看' }, token), 403, 'forbidden')
  })

  test('a street_staff of another street lists nothing, and 404 on the household, the building and the person', async () => {
    const other = await staff([{ role: 'street_staff', scope: streetB.path }])
    const t = other.token
    assert.deepEqual(check(await list('', t), 200, 'HouseholdList'), { items: [], next_after: null })
    assert.deepEqual(check(await list(`?node=${streetB.id}`, t), 200, 'HouseholdList'), { items: [], next_after: null })
    checkError(await list(`?node=${building.id}`, t), 404, 'not_found')
    checkError(await list(`?node=${kangcheng.id}`, t), 404, 'not_found')
    checkError(await getHousehold(h.id, t), 404, 'not_found')
    checkError(await reveal(p.id, { reason: '越界查看' }, t), 404, 'not_found')
    checkError(await addPerson(h.id, { name: '越界加人', gender: 'M', relation: 'other' }, t), 404, 'not_found')
    checkError(await createHousehold({ building_id: building.id, unit: '6', floor: 1, room: String(++roomSeq) }, t), 404, 'not_found')
  })

  test('a community_staff of another community: 404 on the household and the person', async () => {
    const other = await staff([{ role: 'community_staff', scope: ningxin.path }])
    const t = other.token
    assert.deepEqual(check(await list('', t), 200, 'HouseholdList'), { items: [], next_after: null })
    checkError(await getHousehold(h.id, t), 404, 'not_found')
    checkError(await reveal(p.id, { reason: '越界查看' }, t), 404, 'not_found')
  })

  for (const login of ['resident', 'elder', 'vendor', 'doctor', 'teacher', 'inspector', 'mediator', 'committee', 'volunteer']) {
    test(`the demo ${login} account answers 403 on every registry route`, async () => {
      const { token } = await srv.loginAs(login)
      checkError(await list('', token), 403, 'forbidden', { ref: 'Forbidden' })
      checkError(await list(`?node=${building.id}`, token), 403, 'forbidden')
      checkError(await getHousehold(h.id, token), 403, 'forbidden')
      checkError(await createHousehold({ building_id: building.id, unit: '6', floor: 1, room: String(++roomSeq) }, token), 403, 'forbidden')
      checkError(await addPerson(h.id, { name: fresh('无权'), gender: 'M', relation: 'other' }, token), 403, 'forbidden')
      checkError(await reveal(p.id, { reason: '无权查看' }, token), 403, 'forbidden')
    })
  }
})

describe('sessions and request format', () => {
  let h, p
  before(async () => {
    h = await household()
    p = await person(h.id, { relation: 'head' })
  })

  test('without a session: 401 on every registry route', async () => {
    checkError(await srv.get('/api/households'), 401, 'unauthenticated', { ref: 'Unauthenticated' })
    checkError(await srv.get(`/api/households/${h.id}`), 401, 'unauthenticated')
    checkError(await srv.post('/api/households', { building_id: building.id, unit: '1', floor: 1, room: '1' }), 401, 'unauthenticated')
    checkError(await srv.post(`/api/households/${h.id}/persons`, { name: 'x', gender: 'M', relation: 'other' }), 401, 'unauthenticated')
    checkError(await srv.post(`/api/persons/${p.id}/reveal`, { reason: 'no session' }), 401, 'unauthenticated')
    checkError(await srv.get('/api/households', { token: 'forged-token-forged-token-forged-token' }), 401, 'unauthenticated')
  })

  test('a cookie session needs X-CSRF-Token on POST (403 without), not on GET', async () => {
    const cookie = admin.token
    check(await srv.get('/api/households', { cookie }), 200, 'HouseholdList')
    check(await srv.get(`/api/households/${h.id}`, { cookie }), 200, 'HouseholdDetail')
    const room = String(++roomSeq)
    const body = { building_id: building.id, unit: '1', floor: 1, room }
    checkError(await srv.post('/api/households', body, { cookie }), 403, 'forbidden')
    checkError(await srv.post('/api/households', body, { cookie, csrf: 'not-the-token-not-the-token' }), 403, 'forbidden')
    assert.equal((await all(`&node=${building.id}`)).filter((x) => x.unit === '1' && x.room === room).length, 0, 'the refused POST registered it')
    check(await srv.post('/api/households', body, { cookie, csrf: admin.csrf_token }), 201, 'Household')
    const pb = { name: '饼干', gender: 'M', relation: 'other' }
    checkError(await srv.post(`/api/households/${h.id}/persons`, pb, { cookie }), 403, 'forbidden')
    assert.equal(check(await getHousehold(h.id), 200, 'HouseholdDetail').persons.length, 1, 'the refused POST added the person')
    check(await srv.post(`/api/households/${h.id}/persons`, pb, { cookie, csrf: admin.csrf_token }), 201, 'Person')
    checkError(await srv.post(`/api/persons/${p.id}/reveal`, { reason: '饼干会话' }, { cookie }), 403, 'forbidden')
    check(await srv.post(`/api/persons/${p.id}/reveal`, { reason: '饼干会话' }, { cookie, csrf: admin.csrf_token }), 200, 'PersonRevealed')
  })

  test('a body that is not application/json answers 415', async () => {
    const headers = { 'Content-Type': 'text/plain' }
    const send = (path, json) => srv.request('POST', path, { token: admin.token, body: JSON.stringify(json), headers })
    checkError(await send('/api/households', { building_id: building.id, unit: '1', floor: 1, room: String(++roomSeq) }), 415, 'unsupported_media_type')
    checkError(await send(`/api/households/${h.id}/persons`, { name: 'x', gender: 'M', relation: 'other' }), 415, 'unsupported_media_type')
    checkError(await send(`/api/persons/${p.id}/reveal`, { reason: 'wrong type' }), 415, 'unsupported_media_type')
  })

  test('JSON that does not parse answers 400', async () => {
    const headers = { 'Content-Type': 'application/json' }
    const send = (path, body) => srv.request('POST', path, { token: admin.token, body, headers })
    checkError(await send('/api/households', '{"building_id": '), 400, 'bad_request')
    checkError(await send(`/api/households/${h.id}/persons`, '{name}'), 400, 'bad_request')
    checkError(await send(`/api/persons/${p.id}/reveal`, '{"reason":'), 400, 'bad_request')
  })
})

describe('events', () => {
  test('the admin stream receives registry.household_created and registry.person_added, without personal data', async () => {
    const s = await subscribe(admin.token)
    const t0 = Date.now()
    const h = await household()
    const e1 = checkFrame(await s.nextEvent('registry.household_created', (d) => d.payload?.household_id === h.id))
    assert.equal(e1.subject, `household:${h.id}`)
    assert.equal(e1.scope, building.path)
    assert.deepEqual(e1.payload, { household_id: h.id })
    assert.ok(e1.created_at >= t0 - 5000 && e1.created_at <= Date.now() + 5000, `created_at ${e1.created_at}`)
    const name = fresh('事件居民')
    const idn = idNumber('19900909', 'M')
    const phone = phoneNumber()
    const p = await person(h.id, { name, gender: 'M', id_number: idn, phone, relation: 'head', tags: ['disability'] })
    const item = await s.nextEvent('registry.person_added', (d) => d.payload?.person_id === p.id)
    const e2 = checkFrame(item)
    assert.equal(e2.subject, `person:${p.id}`)
    assert.equal(e2.scope, building.path)
    assert.deepEqual(e2.payload, { person_id: p.id, household_id: h.id })
    assert.ok(e2.id > e1.id)
    for (const v of [name, idn, phone, maskId(idn), maskPhone(phone)]) assert.ok(!item.raw.includes(v), `the event carries ${v}: ${item.raw}`)
    frames.push(...s.events.map((i) => i.raw))
    s.close()
  })

  test("another street's staff does not receive the registry events of 1号楼", async () => {
    const other = await staff([{ role: 'street_staff', scope: streetB.path }])
    const s = await subscribe(other.token)
    const h = await household()
    await person(h.id, { relation: 'head' })
    // an event the stream does get, published after those: a node in its own street
    const n = check(await srv.post('/api/nodes', { parent_id: streetB.id, kind: 'community', name: fresh('别街社区') }, { token: admin.token }), 201, 'Node')
    await s.nextEvent('territory.node_created', (d) => d.payload?.node_id === n.id)
    const registry = s.events.filter((i) => i.event.startsWith('registry.'))
    assert.deepEqual(registry.map((i) => i.raw), [], 'registry events outside the scope were delivered')
    frames.push(...s.events.map((i) => i.raw))
    s.close()
  })
})

describe('personal data', () => {
  test('no answer but a reveal, and no event, shows an ID number or a phone number in clear', () => {
    assert.ok(secrets.size >= 10, `only ${secrets.size} values made`)
    const leaks = []
    for (const r of replies) {
      if (r.status === 200 && /^\/api\/persons\/[^/]+\/reveal$/.test(r.path.split('?')[0])) continue
      const text = r.text
      for (const v of secrets) if (text.includes(v)) leaks.push(`${r.method} ${r.path} → ${r.status} shows ${v}: ${text.slice(0, 300)}`)
    }
    for (const raw of frames) for (const v of secrets) if (raw.includes(v)) leaks.push(`event ${raw} shows ${v}`)
    assert.deepEqual(leaks, [])
    assert.ok(replies.length > 200, `only ${replies.length} answers were looked at`)
  })

  test('no log line shows one either (access log and server log)', () => {
    const leaks = []
    for (const name of ['access.log', 'server.log']) {
      const text = readFileSync(join(srv.dir, name), 'utf8')
      assert.ok(name !== 'access.log' || text.length > 10000, `the access log is nearly empty (${text.length} bytes)`)
      for (const v of secrets) if (text.includes(v)) leaks.push(`${name} shows ${v}`)
    }
    assert.deepEqual(leaks, [])
  })

  test('the database holds them only sealed (no clear ID number or phone in any column)', async () => {
    const tables = ['persons', 'households', 'events', 'audit']
    const leaks = []
    for (const t of tables) {
      const dump = ENGINE === 'sqlite'
        ? (await promisify(execFile)('sqlite3', [srv.db.url.replace(/^sqlite:/, ''), `SELECT * FROM ${t}`], { maxBuffer: 64 << 20 })).stdout
        : await psql(srv.db.url, `SELECT * FROM ${t}`)
      for (const v of secrets) if (dump.includes(v)) leaks.push(`${t} holds ${v}`)
    }
    assert.deepEqual(leaks, [])
  })
})

endsCleanly(srv)
