// Roster imports and exports: a community office's spreadsheet (CSV in UTF-8, UTF-8 with a BOM
// or GBK, or .xlsx) uploaded as the request body, checked row by row before anything is
// written (every problem listed), applied in the background (live progress events for the
// uploader), matched on re-import by ID number; hostile files; who may import where; the
// masked .xlsx export. No raw ID number or phone number may leave the server.
//
// Everything imported here lands in the demo's 康城社区 → 康城社区第一网格 → 康城小区 (new
// buildings named by `fresh()`, or the demo's 1号楼 for the grid worker). ID numbers use the
// area code 150602, which the demo does not use, so none of them is already registered.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { promisify } from 'node:util'
import zlib from 'node:zlib'

import { ENGINE, assertSchema, check, checkError, delay, endsCleanly, psql, startServer } from './harness.mjs'

const run = promisify(execFile)
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

const [admin, community, grid, steward, resident, street] = await Promise.all(
  ['admin', 'community', 'grid', 'steward', 'resident', 'street'].map((l) => srv.loginAs(l)),
)

let seq = 0
/** A name no other test uses. */
const fresh = (base) => `${base}${++seq}`

// ---------------------------------------------------------------------------------------
// ID numbers and phones: every well-formed one is a secret no answer, log or table may show.

const secrets = new Set()
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const checkChar = (d17) => '10X98765432'[[...d17].reduce((s, c, i) => s + Number(c) * WEIGHTS[i], 0) % 11]
let idSeq = 100
/** A valid ID number born on `birth` (YYYYMMDD) of gender `g`, unique in this file. */
function idNumber(birth = '19800101', g = 'M') {
  idSeq += 1
  if ((idSeq % 2 === 1) !== (g === 'M')) idSeq += 1
  const d17 = `150602${birth}${String(idSeq).padStart(3, '0')}`
  const v = d17 + checkChar(d17)
  secrets.add(v)
  return v
}
const badCheck = (v) => v.slice(0, 17) + [...'0123456789X'].find((c) => c !== v[17])
let phoneSeq = 0
function phoneNumber() {
  const v = `1370952${String(1000 + ++phoneSeq)}`
  secrets.add(v)
  return v
}
const maskId = (v) => `${v.slice(0, 6)}********${v.slice(14)}`
const maskPhone = (v) => `${v.slice(0, 3)}****${v.slice(7)}`

// ---------------------------------------------------------------------------------------
// The demo tree

const T = { token: admin.token }
const lastId = (path) => Number(path.split('/').pop())
const node = async (id) => check(await srv.get(`/api/nodes/${id}`, T), 200, 'Node')
const building1 = await node(lastId(srv.account('steward').scope))
const compound = await node(building1.parent_id)
const gridNode = await node(lastId(srv.account('grid').scope))
const kangcheng = await node(lastId(srv.account('community').scope))
const root = check(await srv.get('/api/nodes', T), 200).items[0]
assert.equal(building1.name, '1号楼')
assert.equal(compound.parent_id, gridNode.id)
assert.equal(kangcheng.name, '康城社区')

async function children(id, token = admin.token) {
  const out = []
  for (let after = 0; ;) {
    const page = check(await srv.get(`/api/nodes?parent=${id}&limit=200&after=${after}`, { token }), 200)
    out.push(...page.items)
    if (page.next_after === null) return out
    after = page.next_after
  }
}
const streetB = (await children(root.id)).find((s) => s.name === '青春山街道')
assert.ok(streetB)

/** Every household under a node, as the admin sees them. */
async function households(nodeId) {
  const out = []
  for (let after = 0; ;) {
    const page = check(await srv.get(`/api/households?node=${nodeId}&limit=200&after=${after}`, T), 200, 'HouseholdList')
    out.push(...page.items)
    if (page.next_after === null) return out
    after = page.next_after
  }
}
const householdDetail = async (id, token = admin.token) => check(await srv.get(`/api/households/${id}`, { token }), 200, 'HouseholdDetail')

// ---------------------------------------------------------------------------------------
// Files

const HEADER = ['社区', '网格', '小区', '楼栋', '单元', '房号', '姓名', '性别', '出生日期', '身份证号', '手机号', '与户主关系', '标签']

/** One roster row (the cells of HEADER) living in 康城小区. */
function row(o) {
  const v = {
    community: kangcheng.name, grid: gridNode.name, compound: compound.name, unit: '1', gender: '男', birth: '',
    id: '', phone: '', relation: '户主', tags: '', ...o,
  }
  return [v.community, v.grid, v.compound, v.building, v.unit, v.room, v.name, v.gender, v.birth, v.id, v.phone, v.relation, v.tags]
}

const quote = (c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)
/** CSV text (CRLF) of a header and rows. */
const csvText = (rows, header = HEADER) => [header, ...rows].map((r) => r.map((c) => quote(String(c))).join(',')).join('\r\n') + '\r\n'
const utf8 = (text) => Buffer.from(text, 'utf8')
const withBom = (text) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])
/** GBK bytes, by iconv(1) (Node cannot encode GBK). */
async function gbk(text) {
  const dir = mkdtempSync(join(tmpdir(), 'roster-gbk-'))
  try {
    writeFileSync(join(dir, 'in.csv'), text)
    const { stdout } = await run('iconv', ['-f', 'UTF-8', '-t', 'GBK', join(dir, 'in.csv')], { encoding: 'buffer' })
    return stdout
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// A minimal .xlsx: a zip (deflated) of the five parts Excel needs, cells as inline strings;
// a cell given as { f: 'SUM(1,2)', v: '3' } is a formula with its cached result.
const crcOf = (b) => zlib.crc32(b) >>> 0
function zip(entries) {
  const locals = []
  const centrals = []
  let offset = 0
  for (const { name, data, store, mangle } of entries) {
    const nameBuf = Buffer.from(name, 'utf8')
    let body = store ? data : zlib.deflateRawSync(data)
    if (mangle) body = mangle(Buffer.from(body))
    const crc = crcOf(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6)
    local.writeUInt16LE(store ? 0 : 8, 8)
    local.writeUInt16LE(0, 10)
    local.writeUInt16LE(0x21, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBuf.length, 26)
    local.writeUInt16LE(0, 28)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(store ? 0 : 8, 10)
    central.writeUInt16LE(0, 12)
    central.writeUInt16LE(0x21, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBuf.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBuf, body)
    centrals.push(central, nameBuf)
    offset += local.length + nameBuf.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}
const xmlEsc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const colName = (i) => (i < 26 ? String.fromCharCode(65 + i) : colName(Math.floor(i / 26) - 1) + String.fromCharCode(65 + (i % 26)))
function sheetXml(rows) {
  const body = rows
    .map((r, i) => {
      const cells = r
        .map((c, j) => {
          const ref = `${colName(j)}${i + 1}`
          if (c && typeof c === 'object') return `<c r="${ref}" t="str"><f>${xmlEsc(c.f)}</f><v>${xmlEsc(c.v)}</v></c>`
          if (c === '' || c === undefined) return ''
          return `<c r="${ref}" t="inlineStr"><is><t>${xmlEsc(c)}</t></is></c>`
        })
        .join('')
      return `<row r="${i + 1}">${cells}</row>`
    })
    .join('')
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${body}</sheetData></worksheet>`
}
function xlsxParts(sheet, mangle) {
  const S = (s) => Buffer.from(s, 'utf8')
  return [
    { name: '[Content_Types].xml', data: S('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>') },
    { name: '_rels/.rels', data: S('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>') },
    { name: 'xl/workbook.xml', data: S('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>') },
    { name: 'xl/_rels/workbook.xml.rels', data: S('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>') },
    { name: 'xl/worksheets/sheet1.xml', data: Buffer.isBuffer(sheet) ? sheet : S(sheet), mangle },
  ]
}
const xlsx = (rows, header = HEADER) => zip(xlsxParts(sheetXml([header, ...rows])))

/** `unzip -p` of one part of an .xlsx held in memory. */
async function unzipPart(buf, part) {
  const dir = mkdtempSync(join(tmpdir(), 'roster-xlsx-'))
  try {
    writeFileSync(join(dir, 'f.xlsx'), buf)
    const { stdout } = await run('unzip', ['-p', join(dir, 'f.xlsx'), part], { maxBuffer: 64 << 20 })
    return stdout
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------
// Requests

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
/** POST /api/roster/imports with the bytes as the body. */
const post = (body, { token = community.token, type = 'text/csv' } = {}) =>
  srv.request('POST', '/api/roster/imports', { token, body, headers: type ? { 'Content-Type': type } : {} })

/** Uploads; expects 201 and the status; returns the import. */
async function upload(body, { status = 'checked', ...opts } = {}) {
  const res = await post(body, opts)
  const im = check(res, 201, 'RosterImport')
  assert.equal(res.header('location'), `/api/roster/imports/${im.id}`)
  assert.equal(im.status, status, `status: ${JSON.stringify(im).slice(0, 800)}`)
  assert.equal(im.problems.length, Math.min(im.problem_count, 1000))
  const rows = im.problems.map((p) => p.row)
  assert.deepEqual(rows, [...rows].sort((a, b) => a - b), 'problems are not ordered by row')
  return im
}
const getImport = async (id, token = community.token) => check(await srv.get(`/api/roster/imports/${id}`, { token }), 200, 'RosterImport')

/** Applies (202, queued) and polls until done or failed; returns the final import. */
async function applyImport(id, { token = community.token, want = 'done' } = {}) {
  const q = check(await srv.request('POST', `/api/roster/imports/${id}/apply`, { token }), 202, 'RosterImport')
  // the answer shows the import as it is just after queueing: a quick worker may be further along
  assert.ok(['queued', 'running', want].includes(q.status), `after apply: ${q.status}`)
  const until = Date.now() + 30000
  for (;;) {
    const im = await getImport(id, token)
    if (im.status === 'done' || im.status === 'failed') {
      assert.equal(im.status, want, `import ${id}: ${JSON.stringify(im).slice(0, 600)}`)
      return im
    }
    assert.ok(Date.now() < until, `import ${id} still ${im.status} after 30 s`)
    await delay(50)
  }
}

/** The newest audit record's id. */
const newestAudit = async () => (check(await srv.get('/api/audit?limit=1', T), 200).items[0]?.id ?? 0)
const auditSince = async (id) => check(await srv.get('/api/audit?limit=200', T), 200).items.filter((r) => r.id > id)

const open = []
after(() => open.forEach((s) => s.close()))
async function subscribe(token) {
  const s = await srv.events({ token })
  check(s.reply, 200)
  open.push(s)
  return s
}
function frame(item) {
  assert.ok(item.data, `data is not JSON: ${item.raw}`)
  assertSchema(item.data, 'Event', `event ${item.raw}`)
  assert.equal(item.id, String(item.data.id))
  assert.equal(item.event, item.data.type)
  return item.data
}

// A household's persons as the API shows them, keyed by name.
async function personsIn(buildingId) {
  const out = {}
  for (const h of await households(buildingId)) {
    const d = await householdDetail(h.id)
    for (const p of d.persons) out[p.name] = { ...p, household: d }
  }
  return out
}

// ---------------------------------------------------------------------------------------

/** Three persons in two households of a new building `b`: what each encoding test imports. */
function family(b) {
  const ids = [idNumber('19560312', 'M'), idNumber('19580707', 'F'), idNumber('19850101', 'M')]
  const phones = [phoneNumber(), phoneNumber()]
  const names = [fresh('王建国'), fresh('李秀英'), fresh('王小明')]
  return {
    ids, phones, names,
    rows: [
      row({ building: b, unit: '2单元', room: '301室', name: names[0], gender: '男', birth: '1956-03-12', id: ids[0], phone: phones[0], relation: '户主', tags: '空巢老人、低保' }),
      row({ building: b, unit: '2单元', room: '301室', name: names[1], gender: '女', birth: '1958/7/7', id: ids[1], phone: phones[1], relation: '配偶', tags: '空巢老人' }),
      row({ building: b, unit: '1', room: '102', name: names[2], gender: 'M', birth: '', id: ids[2], relation: '本人', tags: '' }),
    ],
  }
}

/** Checks what `family()` wrote in the building named `b` under 康城小区; returns the building. */
async function checkFamily(bname, f) {
  const b = (await children(compound.id)).find((n) => n.name === bname)
  assert.ok(b, `no building ${bname} under ${compound.name}`)
  assert.equal(b.kind, 'building')
  const hs = await households(b.id)
  assert.equal(hs.length, 2, JSON.stringify(hs))
  const h301 = hs.find((h) => h.room === '301')
  assert.ok(h301, JSON.stringify(hs))
  assert.equal(h301.unit, '2')
  assert.equal(h301.floor, 3)
  const h102 = hs.find((h) => h.room === '102')
  assert.equal(h102.floor, 1)
  const ps = await personsIn(b.id)
  assert.deepEqual(Object.keys(ps).sort(), [...f.names].sort())
  const head = ps[f.names[0]]
  assert.equal(head.household.id, h301.id)
  assert.equal(head.gender, 'M')
  assert.equal(head.birth_date, '1956-03-12')
  assert.equal(head.id_number, maskId(f.ids[0]))
  assert.equal(head.phone, maskPhone(f.phones[0]))
  assert.equal(head.relation, 'head')
  assert.deepEqual([...head.tags].sort(), ['empty_nest_elder', 'low_income'])
  const spouse = ps[f.names[1]]
  assert.equal(spouse.household.id, h301.id)
  assert.equal(spouse.gender, 'F')
  assert.equal(spouse.birth_date, '1958-07-07')
  assert.equal(spouse.relation, 'spouse')
  const third = ps[f.names[2]]
  assert.equal(third.household.id, h102.id)
  assert.equal(third.relation, 'head')
  assert.equal(third.birth_date, '1985-01-01', 'the birth date comes from the ID number')
  assert.equal(third.phone, null)
  return b
}

let firstFile = null // the UTF-8 import, re-imported later
let firstBuilding = null

describe('importing', () => {
  test('UTF-8 CSV as community staff: 201 checked with the report, applied in the background, households and persons written and masked', async () => {
    const bname = fresh('导入楼')
    const f = family(bname)
    const text = csvText(f.rows.map((r) => [...r, '备注文字']), [...HEADER, '备注'])
    const im = await upload(utf8(text))
    assert.deepEqual(
      { format: im.format, encoding: im.encoding, rows: im.rows, households: im.households, persons: im.persons },
      { format: 'csv', encoding: 'utf8', rows: 3, households: 2, persons: 3 },
    )
    assert.equal(im.new_buildings, 1)
    assert.equal(im.new_compounds, 0)
    assert.deepEqual(im.ignored_columns, ['备注'])
    assert.equal(im.account_id, community.account.id)
    assert.equal(im.counts, null)
    assert.equal(im.error, '')
    assert.equal((await children(compound.id)).some((n) => n.name === bname), false, 'the check created the building')
    const done = await applyImport(im.id)
    assert.deepEqual(done.counts, { households_created: 2, households_matched: 0, persons_created: 3, persons_updated: 0 })
    assert.equal(done.done, 2)
    assert.equal(done.total, 2)
    firstBuilding = await checkFamily(bname, f)
    firstFile = { text, f, bname }
  })

  test('GBK CSV: detected as gbk, written the same way', async () => {
    const bname = fresh('国标楼')
    const f = family(bname)
    const bytes = await gbk(csvText(f.rows))
    assert.notDeepEqual(bytes, utf8(csvText(f.rows)), 'iconv did not change the bytes')
    const im = await upload(bytes, { type: 'text/csv; charset=gbk' })
    assert.equal(im.encoding, 'gbk')
    assert.equal(im.persons, 3)
    await applyImport(im.id)
    await checkFamily(bname, f)
  })

  test('UTF-8 with a BOM (as Excel saves "CSV UTF-8"): detected, the first heading read without the BOM', async () => {
    const bname = fresh('签名楼')
    const f = family(bname)
    const im = await upload(withBom(csvText(f.rows)), { type: 'application/vnd.ms-excel' })
    assert.equal(im.encoding, 'utf8_bom')
    assert.deepEqual(im.ignored_columns, [])
    await applyImport(im.id)
    await checkFamily(bname, f)
  })

  test('.xlsx (inline strings, English headings, building "8" and unit "3单元"): written', async () => {
    const bname = `${200 + ++seq}`
    const f = family(`${bname}栋`)
    const english = ['community', 'grid', 'compound', 'Building', 'unit', 'room', 'name', 'gender', 'birth date', 'id number', 'phone', 'relation', 'tags']
    const im = await upload(xlsx(f.rows, english), { type: XLSX_TYPE })
    assert.equal(im.format, 'xlsx')
    assert.equal(im.encoding, 'none')
    assert.equal(im.persons, 3)
    await applyImport(im.id)
    await checkFamily(`${bname}号楼`, f)
  })

  test('re-importing the same file (one tag changed) updates the persons: no new household or person', async () => {
    assert.ok(firstFile, 'the UTF-8 import did not run')
    const before = await personsIn(firstBuilding.id)
    const text = firstFile.text.replace('空巢老人、低保', '残疾')
    const im = await upload(utf8(text))
    assert.equal(im.new_buildings, 0)
    const done = await applyImport(im.id)
    assert.deepEqual(done.counts, { households_created: 0, households_matched: 2, persons_created: 0, persons_updated: 3 })
    const now = await personsIn(firstBuilding.id)
    assert.deepEqual(Object.keys(now).sort(), Object.keys(before).sort())
    for (const name of Object.keys(before)) assert.equal(now[name].id, before[name].id, `${name} got a new id`)
    assert.deepEqual(now[firstFile.f.names[0]].tags, ['disability'])
    assert.equal((await households(firstBuilding.id)).length, 2)
  })

  test('applying twice: 409 while queued or done; a rejected import: 409', async () => {
    const bname = fresh('两次楼')
    const im = await upload(utf8(csvText([row({ building: bname, room: '101', name: fresh('两次'), id: idNumber('19700101', 'M') })])))
    const first = await srv.request('POST', `/api/roster/imports/${im.id}/apply`, { token: community.token })
    check(first, 202, 'RosterImport')
    const second = await srv.request('POST', `/api/roster/imports/${im.id}/apply`, { token: community.token })
    if (second.status !== 202) checkError(second, 409, 'conflict')
    else assert.fail('the second apply was queued as well')
    await waitDone(im.id)
    checkError(await srv.request('POST', `/api/roster/imports/${im.id}/apply`, { token: community.token }), 409, 'conflict')
    const bad = await upload(utf8(csvText([row({ building: bname, room: '102', name: fresh('坏'), gender: '?' })])), { status: 'rejected' })
    checkError(await srv.request('POST', `/api/roster/imports/${bad.id}/apply`, { token: community.token }), 409, 'conflict')
    checkError(await srv.request('POST', '/api/roster/imports/999999/apply', { token: community.token }), 404, 'not_found')
    checkError(await srv.get('/api/roster/imports/nope', { token: community.token }), 404, 'not_found')
  })
})

describe('a person registered in another area', () => {
  test('an ID number registered in another area: the check names the row and column, the import is rejected, nothing is written and the person stays', async () => {
    const made = async (path, json) => check(await srv.post(path, json, T), 201)
    const oc = await made('/api/nodes', { parent_id: streetB.id, kind: 'community', name: fresh('外街社区') })
    const og = await made('/api/nodes', { parent_id: oc.id, kind: 'grid', name: fresh('外街网格') })
    const ocp = await made('/api/nodes', { parent_id: og.id, kind: 'compound', name: fresh('外街小区') })
    const ob = await made('/api/nodes', { parent_id: ocp.id, kind: 'building', name: fresh('外街楼') })
    const oh = await made('/api/households', { building_id: ob.id, unit: '1', floor: 1, room: '101' })
    const theirs = idNumber('19620202', 'F')
    const them = await made(`/api/households/${oh.id}/persons`, { name: fresh('外街居民'), gender: 'F', id_number: theirs, relation: 'head' })
    const bname = fresh('冲突楼')
    const im = await upload(utf8(csvText([
      row({ building: bname, room: '101', name: fresh('清白'), id: idNumber('19700303', 'M') }),
      row({ building: bname, room: '102', name: fresh('冒名'), gender: '女', id: theirs }),
    ])), { status: 'rejected' })
    assert.equal(im.problem_count, 1)
    assert.equal(im.problems[0].row, 3)
    assert.equal(im.problems[0].column, '身份证号')
    assert.match(im.problems[0].message, /registered in another area/)
    assert.ok(!JSON.stringify(im).includes(theirs), 'the report quotes the ID number')
    checkError(await srv.request('POST', `/api/roster/imports/${im.id}/apply`, { token: community.token }), 409, 'conflict')
    assert.equal((await children(compound.id)).find((n) => n.name === bname), undefined, 'a building was created')
    const still = (await householdDetail(oh.id)).persons.map((p) => p.id)
    assert.ok(still.includes(them.id), 'the person was moved out of their household')
  })
})

async function waitDone(id, token = community.token) {
  for (const until = Date.now() + 30000; Date.now() < until; await delay(50)) {
    const im = await getImport(id, token)
    if (im.status === 'done' || im.status === 'failed') return im
  }
  assert.fail(`import ${id} did not finish`)
}

describe('problems', () => {
  test('a file with bad rows is rejected: every bad row listed with row, column and message; nothing written', async () => {
    const bname = fresh('问题楼')
    const ok = (o) => row({ building: bname, name: fresh('居民'), ...o })
    const dup = idNumber('19700101', 'M')
    const good = idNumber('19750505', 'F')
    const wrongDate = idNumber('19800101', 'M')
    const rows = [
      ok({ room: '101', id: good, gender: '女' }), // row 2: fine
      ok({ room: '102', name: "=cmd|' /C calc'!A0" }), // 3
      ok({ room: '103', name: '@SUM(A1:A2)' }), // 4
      ok({ room: '104', id: '1.52701E+17' }), // 5
      ok({ room: '105', id: badCheck(idNumber('19600101', 'M')) }), // 6
      ok({ room: '106', id: wrongDate, birth: '1980-02-01' }), // 7
      ok({ room: '107', id: dup }), // 8
      ok({ room: '108', id: dup }), // 9: the same ID number as row 8
      ok({ room: '109', relation: '户主' }), // 10
      ok({ room: '109', relation: '户主' }), // 11: a second head in 109
      ok({ room: '110', community: '没有这个社区' }), // 12
      ok({ room: '111', tags: '老年人、贫困户' }), // 13
      ok({ room: '' }), // 14
      ok({ room: '112', gender: '未知' }), // 15
      ok({ room: '113', phone: '+cmd|calc' }), // 16
      ok({ room: '114', grid: '没有这个网格' }), // 17
    ]
    const before = { audit: await newestAudit(), hs: (await households(compound.id)).length, kids: (await children(compound.id)).length }
    const im = await upload(utf8(csvText(rows)), { status: 'rejected' })
    const want = [
      [3, '姓名', /formula/],
      [4, '姓名', /formula/],
      [5, '身份证号', /stored as a number/],
      [6, '身份证号', /./],
      [7, null, /./],
      [9, '身份证号', /same ID number as row 8/],
      [11, '与户主关系', /second 户主.*row 10/],
      [12, null, /no community named 没有这个社区/],
      [13, '标签', /unknown tag \(known:/],
      [14, '房号', /is empty/],
      [15, '性别', /男 or 女/],
      [16, '手机号', /formula/],
      [17, null, /no grid named 没有这个网格/],
    ]
    const got = im.problems.map((p) => `${p.row} ${p.column}: ${p.message}`)
    assert.equal(im.problem_count, want.length, got.join('\n'))
    for (const [i, [r, col, msg]] of want.entries()) {
      const p = im.problems[i]
      assert.equal(p.row, r, got.join('\n'))
      if (col) assert.equal(p.column, col, got[i])
      else assert.ok(['社区', '网格', '楼栋', '身份证号', '出生日期'].includes(p.column), got[i]) // the column at fault, or the building's
      assert.match(p.message, msg, got[i])
    }
    assert.equal(im.rows, rows.length)
    // Nothing was written: no building, no household, and only the upload's audit record.
    assert.equal((await children(compound.id)).length, before.kids)
    assert.equal((await households(compound.id)).length, before.hs)
    const recs = await auditSince(before.audit)
    assert.deepEqual(recs.map((r) => r.action), ['roster.uploaded'])
    assert.deepEqual(recs[0].details, { import_id: im.id, rows: rows.length, problems: want.length })
    // The problems quote no ID number or phone.
    for (const p of im.problems) for (const v of secrets) assert.ok(!p.message.includes(v), `problem quotes ${v}`)
    assert.deepEqual(await getImport(im.id), im)
  })

  test('more than 1000 problems: 1000 listed, all counted', async () => {
    const rows = Array.from({ length: 1100 }, (_, i) => row({ building: '1号楼', room: String(5000 + i), name: fresh('多'), gender: '?' }))
    const im = await upload(utf8(csvText(rows)), { status: 'rejected' })
    assert.equal(im.problem_count, 1100)
    assert.equal(im.problems.length, 1000)
    assert.equal(im.problems.at(-1).row, 1001)
  })

  test('a header without the required columns, or with a column twice: 422 naming the file', async () => {
    const lacking = await post(utf8(csvText([['康城社区', '张三']], ['社区', '姓名'])))
    const e1 = checkError(lacking, 422, 'invalid_input', { field: 'file' })
    assert.match(e1.message, /网格/)
    assert.match(e1.message, /与户主关系/)
    const twice = await post(utf8(csvText([], [...HEADER, 'name'])))
    const e2 = checkError(twice, 422, 'invalid_input', { field: 'file' })
    assert.match(e2.message, /both/)
    const neither = await post(utf8(csvText([], HEADER.filter((h) => h !== '性别' && h !== '身份证号'))))
    assert.match(checkError(neither, 422, 'invalid_input', { field: 'file' }).message, /性别/)
  })
})

describe('hostile files', () => {
  test('wrong or missing Content-Type: 415; empty body: 422', async () => {
    const body = utf8(csvText([]))
    checkError(await post(body, { type: 'application/json' }), 415, 'unsupported_media_type')
    checkError(await post(body, { type: 'text/plain' }), 415, 'unsupported_media_type')
    checkError(await post(body, { type: null }), 415, 'unsupported_media_type')
    checkError(await post(Buffer.alloc(0)), 422, 'invalid_input', { field: 'file' })
  })

  test('without a session, a body above the default 1 MiB is refused before it is read: 401', async () => {
    const big = Buffer.alloc((1 << 20) + 4096, 0x41)
    // The server answers and closes without reading: a client still sending may see the
    // reset before the answer. Either way the body was refused unread.
    try {
      checkError(await post(big, { token: null }), 401, 'unauthenticated')
    } catch (e) {
      if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') throw e
    }
    checkError(await post(Buffer.from('a,b\n'), { token: null }), 401, 'unauthenticated')
  })

  test('a NUL byte, bytes that are neither UTF-8 nor GBK, an old .xls: 422', async () => {
    const text = csvText([row({ building: '1号楼', room: '901', name: '零字节' })])
    checkError(await post(Buffer.concat([utf8(text.slice(0, 40)), Buffer.from([0]), utf8(text.slice(40))])), 422, 'invalid_input')
    checkError(await post(Buffer.concat([utf8(text), Buffer.from([0xff, 0xfe, 0xff, 0x80, 0x80])])), 422, 'invalid_input')
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)])
    assert.match(checkError(await post(xls, { type: 'application/vnd.ms-excel' }), 422, 'invalid_input').message, /xls/)
  })

  test('a truncated .xlsx, one with corrupt deflate data, a zip that is no workbook: 422', async () => {
    const good = xlsx([row({ building: '1号楼', room: '902', name: '截断' })])
    for (const cut of [good.length - 30, Math.floor(good.length / 2), 10]) {
      const e = checkError(await post(good.subarray(0, cut), { type: XLSX_TYPE }), 422, 'invalid_input')
      assert.ok(e.message.length > 0)
    }
    // the sheet's deflate data overwritten in its middle (the CRC is that of the real sheet)
    const sheet = sheetXml([HEADER, row({ building: '1号楼', room: '902', name: '截断' })])
    const corrupt = zip(xlsxParts(sheet, (b) => b.fill(0xff, b.length >> 2, (b.length >> 2) + 24)))
    checkError(await post(corrupt, { type: XLSX_TYPE }), 422, 'invalid_input')
    const notBook = zip([{ name: 'hello.txt', data: utf8('hello') }])
    assert.match(checkError(await post(notBook, { type: XLSX_TYPE }), 422, 'invalid_input').message, /workbook/)
  })

  test('a zip bomb (a sheet that inflates past 256 MiB from a few hundred KB): refused as too large, promptly', async () => {
    const sheet = Buffer.alloc(300 << 20, 0x20)
    sheet.write('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>', 0)
    const tail = '</sheetData></worksheet>'
    sheet.write(tail, sheet.length - tail.length)
    const bomb = zip(xlsxParts(sheet))
    assert.ok(bomb.length < 2 << 20, `the bomb is ${bomb.length} bytes`)
    const t0 = Date.now()
    const res = await post(bomb, { type: XLSX_TYPE })
    // sheet::Limits: going over a limit is too_large (413), see docs/openapi.yaml uploadRoster
    checkError(res, 413, 'too_large')
    assert.match(res.json().error.message, /unpacks to more than/)
    assert.ok(Date.now() - t0 < 15000, `took ${Date.now() - t0} ms`)
  })

  test('a formula cell in an .xlsx is refused even when its cached value looks harmless', async () => {
    const r = row({ building: '1号楼', room: '903', name: fresh('公式') })
    r[6] = { f: 'CONCAT("张","三")', v: '张三' }
    const im = await upload(xlsx([r]), { type: XLSX_TYPE, status: 'rejected' })
    assert.equal(im.problems.length, 1)
    assert.deepEqual([im.problems[0].row, im.problems[0].column], [2, '姓名'])
    assert.match(im.problems[0].message, /formula/)
  })
})

describe('who may import', () => {
  test("a grid worker imports into an existing building of its grid; a new building is a problem", async () => {
    const before = (await households(building1.id)).length
    const name = fresh('网格员录入')
    const im = await upload(utf8(csvText([row({ building: '1号楼', unit: '1', room: '1801', name, id: idNumber('19900101', 'F'), gender: '女' })])), {
      token: grid.token,
    })
    assert.equal(im.new_buildings, 0)
    await applyImport(im.id, { token: grid.token })
    assert.equal((await households(building1.id)).length, before + 1)
    const bname = fresh('网格员新楼')
    const no = await upload(utf8(csvText([row({ building: bname, room: '101', name: fresh('新楼'), id: idNumber('19900102', 'M') })])), {
      token: grid.token,
      status: 'rejected',
    })
    assert.equal(no.problems.length, 1)
    assert.equal(no.problems[0].row, 2)
    assert.match(no.problems[0].message, /not in the registry and you may not add buildings/)
    assert.equal((await children(compound.id)).some((n) => n.name === bname), false)
  })

  test('a steward and a resident: 403; staff of another street: the community is not in its area', async () => {
    const body = utf8(csvText([row({ building: '1号楼', room: '1802', name: fresh('无权') })]))
    checkError(await post(body, { token: steward.token }), 403, 'forbidden')
    checkError(await post(body, { token: resident.token }), 403, 'forbidden')
    checkError(await post(body, { token: '' }), 401, 'unauthenticated')
    const username = fresh('roster.other')
    check(await srv.post('/api/accounts', { username, display_name: username, password: 'a-good-password', roles: [{ role: 'street_staff', scope: streetB.path }] }, T), 201)
    const other = await srv.login(username, 'a-good-password')
    const im = await upload(body, { token: other.token, status: 'rejected' })
    assert.match(im.problems[0].message, /no community named 康城社区/)
  })

  test("someone else's import: 404 to read and to apply; the district admin reads it", async () => {
    const im = await upload(utf8(csvText([row({ building: '1号楼', room: '1803', name: fresh('别人的'), id: idNumber('19910101', 'M') })])))
    for (const token of [grid.token, street.token, steward.token]) {
      checkError(await srv.get(`/api/roster/imports/${im.id}`, { token }), 404, 'not_found')
      checkError(await srv.request('POST', `/api/roster/imports/${im.id}/apply`, { token }), 404, 'not_found')
    }
    assert.equal((await getImport(im.id, admin.token)).id, im.id)
    assert.equal((await getImport(im.id)).status, 'checked', 'a refused apply changed the status')
  })
})

describe('live events', () => {
  test("the applier's stream gets roster.import_progress up to total and roster.import_finished ok; another account's does not", async () => {
    const mine = await subscribe(community.token)
    const others = await subscribe(grid.token)
    const bname = fresh('事件楼')
    const rows = []
    for (let i = 0; i < 12; i++) rows.push(row({ building: bname, unit: '1', room: String(101 + i), name: fresh('事件'), id: idNumber('19660606', i % 2 ? 'M' : 'F'), gender: i % 2 ? '男' : '女' }))
    const im = await upload(utf8(csvText(rows)))
    await applyImport(im.id)
    const fin = frame(await mine.nextEvent('roster.import_finished', (d) => d.payload?.import_id === im.id, { ms: 10000 }))
    assert.deepEqual(fin.payload, { import_id: im.id, ok: true })
    assert.equal(fin.subject, `import:${im.id}`)
    assert.equal(fin.scope, '/')
    const progress = mine.events.filter((e) => e.event === 'roster.import_progress').map(frame).filter((d) => d.payload.import_id === im.id)
    assert.ok(progress.length >= 1, 'no roster.import_progress')
    const dones = progress.map((d) => d.payload.done)
    assert.deepEqual(dones, [...dones].sort((a, b) => a - b), 'progress goes backwards')
    assert.deepEqual(progress.at(-1).payload, { import_id: im.id, done: 12, total: 12 })
    assert.ok(progress.every((d) => d.id < fin.id), 'progress after the end')
    // the grid worker's stream: its own login (published after) arrives, no roster event before it
    const ua = fresh('roster-suite-')
    await srv.loginAs('grid', { headers: { 'User-Agent': ua } })
    await others.nextEvent('session.created', (d) => d.payload?.user_agent === ua)
    assert.deepEqual(others.events.filter((e) => e.event.startsWith('roster.')).map((e) => e.raw), [])
    // replayed from 0: the applier gets them again, the grid worker still not
    const replay = await srv.events({ token: grid.token, lastEventId: 0 })
    open.push(replay)
    const ua2 = fresh('roster-replay-')
    await srv.loginAs('grid', { headers: { 'User-Agent': ua2 } })
    await replay.nextEvent('session.created', (d) => d.payload?.user_agent === ua2, { ms: 10000 })
    // (its own imports' events it does get)
    assert.deepEqual(replay.events.filter((e) => e.event.startsWith('roster.') && e.data?.payload?.import_id === im.id).map((e) => e.raw), [])
    assert.ok(replay.events.some((e) => e.event === 'roster.import_finished'), "the grid worker's own import is not replayed to it")
    frames.push(...mine.events.map((i) => i.raw), ...others.events.map((i) => i.raw), ...replay.events.map((i) => i.raw))
  })
})

describe('export', () => {
  test('.xlsx of a building: the content type, a zip, the columns, masked values only; audited', async () => {
    assert.ok(firstFile, 'the UTF-8 import did not run')
    const a0 = await newestAudit()
    const res = await srv.get(`/api/roster/export.xlsx?node=${firstBuilding.id}`, { token: community.token })
    check(res, 200)
    assert.equal(res.header('content-type'), XLSX_TYPE)
    assert.match(res.header('content-disposition'), /attachment; filename="roster\.xlsx"/)
    assert.equal(res.buf.subarray(0, 4).toString('latin1'), 'PK\x03\x04')
    const xml = (await unzipPart(res.buf, 'xl/worksheets/sheet1.xml')) + (await unzipPart(res.buf, 'xl/sharedStrings.xml').catch(() => ''))
    for (const h of ['社区', '网格', '小区', '楼栋', '单元', '楼层', '房号', '姓名', '性别', '出生日期', '身份证号', '手机号', '与户主关系', '标签'])
      assert.ok(xml.includes(`>${h}<`), `no heading ${h}`)
    const { f } = firstFile
    for (const n of f.names) assert.ok(xml.includes(n), `${n} is not exported`)
    assert.ok(xml.includes(maskId(f.ids[0])), 'the masked ID number is not exported')
    assert.ok(xml.includes(maskPhone(f.phones[0])), 'the masked phone is not exported')
    assert.ok(xml.includes(firstBuilding.name) && xml.includes('残疾'), 'building or tag missing')
    for (const v of secrets) assert.ok(!xml.includes(v) && !res.buf.includes(Buffer.from(v)), `the export shows ${v}`)
    const recs = await auditSince(a0)
    const rec = recs.find((r) => r.action === 'roster.exported')
    assert.ok(rec, JSON.stringify(recs))
    assert.equal(rec.target, `node:${firstBuilding.id}`)
    assert.equal(rec.actor_id, community.account.id)
    assert.equal(rec.details.persons, 3)
  })

  test('the whole view without node; a node outside the view 404; not a registry reader 403', async () => {
    const all = await srv.get('/api/roster/export.xlsx', { token: grid.token })
    check(all, 200)
    const other = (await children(streetB.id))[0]
    assert.ok(other)
    checkError(await srv.get(`/api/roster/export.xlsx?node=${other.id}`, { token: grid.token }), 404, 'not_found')
    checkError(await srv.get(`/api/roster/export.xlsx?node=${other.id}`, { token: community.token }), 404, 'not_found')
    checkError(await srv.get('/api/roster/export.xlsx?node=99999999', { token: community.token }), 404, 'not_found')
    checkError(await srv.get('/api/roster/export.xlsx', { token: resident.token }), 403, 'forbidden')
    checkError(await srv.get(`/api/roster/export.xlsx?node=${building1.id}`, { token: resident.token }), 403, 'forbidden')
    checkError(await srv.get('/api/roster/export.xlsx?node=abc', { token: community.token }), 422, 'invalid_input', { field: 'node' })
    check(await srv.get(`/api/roster/export.xlsx?node=${building1.id}`, { token: steward.token }), 200)
  })

  test('unmasked with reveal=true and a reason: raw values, the reveal of each person audited with the reason; readers who may not reveal 403', async () => {
    assert.ok(firstFile, 'the UTF-8 import did not run')
    const reason = '街道核对花名册'
    checkError(await srv.get(`/api/roster/export.xlsx?node=${firstBuilding.id}&reveal=true`, { token: community.token }), 422, 'invalid_input', { field: 'reason' })
    checkError(await srv.get(`/api/roster/export.xlsx?node=${building1.id}&reveal=true&reason=${encodeURIComponent(reason)}`, { token: steward.token }), 403, 'forbidden')
    checkError(await srv.get(`/api/roster/export.xlsx?node=${firstBuilding.id}&reveal=maybe&reason=x`, { token: community.token }), 422, 'invalid_input', { field: 'reveal' })
    const a0 = await newestAudit()
    const res = await srv.get(`/api/roster/export.xlsx?node=${firstBuilding.id}&reveal=true&reason=${encodeURIComponent(reason)}`, { token: community.token })
    check(res, 200)
    const xml = (await unzipPart(res.buf, 'xl/worksheets/sheet1.xml')) + (await unzipPart(res.buf, 'xl/sharedStrings.xml').catch(() => ''))
    const { f } = firstFile
    assert.ok(xml.includes(f.ids[0]), 'the raw ID number is not in the unmasked export')
    assert.ok(xml.includes(f.phones[0]), 'the raw phone is not in the unmasked export')
    const recs = await auditSince(a0)
    const reveals = recs.filter((r) => r.action === 'registry.person_revealed')
    assert.equal(reveals.length, 3, JSON.stringify(recs).slice(0, 500))
    for (const r of reveals) {
      assert.equal(r.reason, reason)
      assert.equal(r.actor_id, community.account.id)
    }
    const rec = recs.find((r) => r.action === 'roster.exported')
    assert.equal(rec.details.masked, false)
  })
})

describe('personal data', () => {
  test('no answer and no event shows an imported ID number or phone in clear', () => {
    assert.ok(secrets.size >= 20, `only ${secrets.size} values made`)
    const leaks = []
    for (const r of replies) {
      if (/[?&]reveal=true/.test(r.path) && r.status === 200) continue  // revealed on purpose, with a reason
      for (const v of secrets) if (r.buf.includes(Buffer.from(v))) leaks.push(`${r.method} ${r.path} → ${r.status} shows ${v}`)
    }
    for (const raw of frames) for (const v of secrets) if (raw.includes(v)) leaks.push(`event ${raw} shows ${v}`)
    assert.deepEqual(leaks, [])
  })

  test('no log line shows one either (access log and server log)', () => {
    const leaks = []
    for (const name of ['access.log', 'server.log']) {
      const text = readFileSync(join(srv.dir, name), 'utf8')
      for (const v of secrets) if (text.includes(v)) leaks.push(`${name} shows ${v}`)
    }
    assert.deepEqual(leaks, [])
  })

  test('the database holds them only sealed (persons, imports, problems, events, audit)', async () => {
    const leaks = []
    for (const t of ['persons', 'households', 'roster_imports', 'roster_import_problems', 'events', 'audit']) {
      const dump = ENGINE === 'sqlite'
        ? (await run('sqlite3', [srv.db.url.replace(/^sqlite:/, ''), `SELECT * FROM ${t}`], { maxBuffer: 256 << 20 })).stdout
        : await psql(srv.db.url, `SELECT * FROM ${t}`)
      for (const v of secrets) if (dump.includes(v)) leaks.push(`${t} holds ${v}`)
    }
    assert.deepEqual(leaks, [])
  })

  test('no upload is kept in clear in the data directory (sealed until applied, removed once done)', () => {
    const leaks = []
    const walk = (d) => {
      for (const n of readdirSync(d)) {
        const p = join(d, n)
        if (statSync(p).isDirectory()) walk(p)
        else if (p.includes('uploads')) {
          const b = readFileSync(p)
          for (const v of secrets) if (b.includes(Buffer.from(v))) leaks.push(`${p} holds ${v}`)
        }
      }
    }
    walk(srv.dir)
    assert.deepEqual(leaks.slice(0, 5), [], `${leaks.length} leaks`)
  })
})

endsCleanly(srv)
