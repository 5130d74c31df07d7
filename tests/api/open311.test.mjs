// Open311 GeoReport v2 at /open311/v2/ (docs/reference/open311.md; the spec's JSON Schemas in
// tests/fixtures/open311-georeport-v2/): discovery; the categories as services and their questions
// as service definitions, checked against the open311 project's JSON Schemas; service
// requests posted with a key issued in the console, which become reports (and orders) and
// are read back by id, by token and in lists with every filter of the spec; every error case
// in the spec's error list, in JSON and in XML; the servicerequestupdates extension following
// an order claimed, held, resumed and completed through /api/orders, and comments posted
// through it; and the console's client applications (district administrators only, the key
// shown once).
//
// Every XML answer is parsed and compared field by field with the JSON answer of the same
// call. The demo: 滨河街道 → 康城社区 → 康城社区第一网格 (the `grid` worker); requests are
// posted at a point inside that grid, found through the server's own point → grid lookup.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { check, checkError, endsCleanly, startServer } from './harness.mjs'
import { pointIn } from './orders-helpers.mjs'
import { assertDatetimes, assertReference, assertXmlAgrees, form, parseXml, w3c } from './open311-helpers.mjs'

const srv = await startServer()

const [admin, street, community, grid, resident] = await Promise.all(
  ['admin', 'street', 'community', 'grid', 'resident'].map((l) => srv.loginAs(l)),
)

const lastId = (path) => Number(path.split('/').pop())
const gridNode = check(await srv.get(`/api/nodes/${lastId(srv.account('grid').scope)}`, { token: admin.token }), 200, 'Node')
assert.equal(gridNode.kind, 'grid')
const P = await pointIn(srv, admin.token, gridNode)
const catalogue = check(await srv.get('/api/categories'), 200, 'CategoryList').items
const DAY = 24 * 3600 * 1000

// ---------------------------------------------------------------------------------------
// Calls

const get311 = (path) => srv.get(`/open311/v2/${path}`)
const post311 = (path, fields, headers = {}) =>
  srv.request('POST', `/open311/v2/${path}`, {
    body: form(fields),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  })
const q = (params) => new URLSearchParams(params).toString()

/** check() of an Open311 answer that succeeded, plus the CORS header every Open311 answer carries. */
function ok311(res, status = 200) {
  const body = check(res, status)
  assert.equal(res.header('access-control-allow-origin'), '*', `no CORS header: ${res}`)
  return body
}

/** The JSON answer and the XML answer of the same GET (both 200) agree; resolves the JSON. */
async function both(path, query = '') {
  const sep = query ? `?${query}` : ''
  const json = ok311(await get311(`${path}.json${sep}`))
  const xres = await get311(`${path}.xml${sep}`)
  const xml = ok311(xres)
  assert.match(xres.header('content-type'), /^text\/xml; charset=utf-8$/i)
  assertXmlAgrees(parseXml(xml), json)
  assertDatetimes(json, path)
  return json
}

const ERROR_RESPONSES = { 400: 'Open311BadRequest', 403: 'Open311Forbidden', 404: 'Open311NotFound' }

/**
 * An Open311 failure: the documented response, the spec's error list of one
 * {code, description} (JSON) or <errors><error><code/><description/></error></errors> (XML).
 * Resolves the description.
 */
function fails(res, status, fmt = 'json') {
  const body = check(res, status, ERROR_RESPONSES[status])
  assert.equal(res.header('access-control-allow-origin'), '*', `no CORS header: ${res}`)
  if (fmt === 'json') {
    assert.match(res.header('content-type'), /^application\/json/, `${res}`)
    assert.equal(body.length, 1, `${res}`)
    assert.equal(body[0].code, status)
    assert.ok(body[0].description.length > 0)
    return body[0].description
  }
  assert.match(res.header('content-type'), /^text\/xml/, `${res}`)
  const root = parseXml(body)
  assert.equal(root.name, 'errors', `${res}`)
  assert.deepEqual(root.children.map((c) => c.name), ['error'])
  const [code, description] = root.children[0].children
  assert.deepEqual([code?.name, description?.name, root.children[0].children.length], ['code', 'description', 2])
  assert.equal(code.text, String(status))
  assert.ok(description.text.length > 0)
  return description.text
}

/** A client application issued as the admin: 201, the key in the answer, a Location. */
async function issue(name, contact) {
  const res = await srv.post('/api/open311/clients', { name, contact }, { token: admin.token })
  const c = check(res, 201, 'NewOpen311Client')
  assert.equal(res.header('location'), `/api/open311/clients/${c.id}`)
  return c
}

const client = await issue('FixMyStreet 测试', 'ops@example.com')
const KEY = client.api_key

let seq = 0
/** A unique description. */
const text = (base = '路灯不亮') => `${base}（Open311 测试${++seq}）`

/** Posts a service request (a streetlight at P unless told); asserts 201; resolves the list item. */
async function post(fields = {}, fmt = 'json') {
  const res = await post311(`requests.${fmt}`, {
    api_key: KEY,
    service_code: 'road.streetlight',
    lat: P.lat,
    long: P.lon,
    description: text(),
    ...fields,
  })
  const body = ok311(res, 201)
  if (fmt === 'xml') {
    const root = parseXml(body)
    assert.equal(root.name, 'service_requests')
    const [item] = root.children
    assert.deepEqual(item.children.map((c) => c.name), ['service_request_id', 'token', 'service_notice', 'account_id'])
    const get = (n) => item.children.find((c) => c.name === n)
    return { service_request_id: get('service_request_id').text, token: get('token').text, service_notice: get('service_notice').text || null }
  }
  assert.equal(body.length, 1)
  assert.match(body[0].service_request_id, /^[1-9][0-9]*$/)
  assert.match(body[0].token, /^[A-Za-z0-9_-]{16}$/)
  assert.equal(body[0].account_id, null)
  return body[0]
}

/** The report behind a service request, as the admin sees it. */
const reportOf = async (id) => check(await srv.get(`/api/reports/${id}`, { token: admin.token }), 200, 'ReportDetail').report
/** The one service request of an id (JSON and XML agree); with the key unless told (null: no api_key at all). */
const one = async (id, key = KEY) => {
  const list = await both(`requests/${id}`, key === null ? '' : q({ api_key: key }))
  assert.equal(list.length, 1)
  assertReference(list, 'requests.json', `requests/${id}`)
  return list[0]
}
/** The ids of GET requests.json with these parameters. */
const ids = async (params) => ok311(await get311(`requests.json?${q(params)}`)).map((r) => r.service_request_id)

const act = (order, step, json, who = grid) => srv.post(`/api/orders/${order}/${step}`, json, { token: who.token })
/** A request whose order the grid worker claimed and completed; resolves { id, order, note }. */
async function completed(fields = {}) {
  const made = await post(fields)
  const order = (await reportOf(made.service_request_id)).order_id
  assert.ok(order, 'the request made no order')
  check(await act(order, 'claim'), 200, 'Order')
  const note = `已修复（${made.service_request_id}）`
  check(await act(order, 'complete', { note }), 200, 'Order')
  return { id: made.service_request_id, order, note }
}

// ---------------------------------------------------------------------------------------

describe('discovery and services', () => {
  test('discovery: one production endpoint at <base>/open311/v2 speaking XML and JSON, readable by anyone', async () => {
    const d = await both('discovery')
    assert.deepEqual(Object.keys(d), ['changeset', 'contact', 'key_service', 'endpoints'])
    assert.equal(d.endpoints.length, 1)
    const [e] = d.endpoints
    assert.equal(e.specification, 'http://wiki.open311.org/GeoReport_v2')
    assert.match(e.url, /\/open311\/v2$/)
    assert.equal(e.type, 'production')
    assert.deepEqual([...e.formats].sort(), ['application/json', 'text/xml'])
    assert.ok(d.contact.length > 0 && d.key_service.length > 0)
    // With a session, the same.
    assert.deepEqual(ok311(await srv.get('/open311/v2/discovery.json', { token: resident.token })), d)
  })

  test('services: every active category, valid against services.json; the XML carries the same', async () => {
    const services = await both('services')
    assertReference(services, 'services.json', 'services.json')
    // An elder's home services (care.*) are personal: not offered to Open311 clients.
    const open = catalogue.filter((c) => !c.code.startsWith('care.'))
    assert.equal(services.length, open.length)
    assert.deepEqual(services.map((s) => s.service_code).sort(), open.map((c) => c.code).sort())
    for (const s of services) {
      const c = catalogue.find((x) => x.code === s.service_code)
      assert.deepEqual(
        [s.service_name, s.description, s.metadata, s.type, s.group],
        [c.name_zh, c.name_en, c.questions.length > 0, 'realtime', c.group],
        s.service_code,
      )
      assert.equal(typeof s.keywords, 'string')
    }
    assert.ok(services.find((s) => s.service_code === 'noise.night').metadata)
    assert.ok(!services.find((s) => s.service_code === 'road.streetlight').metadata)
    // A key changes nothing.
    assert.deepEqual(ok311(await get311(`services.json?${q({ api_key: KEY })}`)), services)
  })

  test('service definitions: noise.night\'s question valid against service-definition.json, JSON and XML alike; every service with metadata has one, the others 404', async () => {
    const d = await both('services/noise.night')
    assertReference(d, 'service-definition.json', 'services/noise.night.json')
    assert.equal(d.service_code, 'noise.night')
    assert.equal(d.attributes.length, 1)
    const [a] = d.attributes
    const question = catalogue.find((c) => c.code === 'noise.night').questions[0]
    assert.deepEqual([a.variable, a.code, a.datatype, a.required, a.order], [true, 'source', 'singlevaluelist', true, 1])
    assert.ok(a.description.includes(question.label_zh) && a.description.includes(question.label_en), a.description)
    assert.deepEqual(a.values, question.values.map((v) => ({ key: v.key, name: v.name })))
    assert.deepEqual(a.values.map((v) => v.key), ['people', 'shop', 'vehicle', 'construction', 'other'])
    // Every category: metadata true ↔ a definition with its questions; false ↔ 404.
    for (const c of catalogue) {
      const res = await get311(`services/${c.code}.json`)
      if (c.questions.length) {
        const def = ok311(res)
        assertReference(def, 'service-definition.json', c.code)
        assert.deepEqual(def.attributes.map((x) => [x.code, x.datatype, x.required]), c.questions.map((x) => [x.code, x.datatype, x.required]))
      } else {
        fails(res, 404)
      }
    }
    // A string question has no values: fire.lane_blocked's number plate.
    const plate = ok311(await get311('services/fire.lane_blocked.json')).attributes[0]
    assert.deepEqual([plate.code, plate.datatype, plate.required, plate.values], ['plate', 'string', false, []])
    // Without questions, unknown, another format: 404 (in XML when asked in XML).
    fails(await get311('services/road.streetlight.xml'), 404, 'xml')
    fails(await get311('services/no.such.service.json'), 404)
    fails(await get311('services/no.such.service.xml'), 404, 'xml')
    fails(await get311('services/noise.night.txt'), 404)
    fails(await get311('services/noise.night'), 404)
  })
})

// ---------------------------------------------------------------------------------------

describe('posting service requests', () => {
  test('a key issued in the console posts a request: 201 with service_request_id and token; it reads back by id, by token and in the list', async () => {
    const t0 = Date.now()
    const description = text('康城小区东门路灯不亮')
    const made = await post({ description })
    assert.equal(made.service_notice, null)
    const id = made.service_request_id

    // By id: valid against requests.json, every field as the spec has it.
    const r = await one(id)
    assert.deepEqual(
      [r.service_request_id, r.status, r.status_notes, r.service_name, r.service_code, r.description, r.agency_responsible,
        r.service_notice, r.address, r.address_id, r.zipcode, r.media_url],
      [id, 'open', null, '路灯不亮', 'road.streetlight', description, gridNode.name, null, gridNode.name, gridNode.path, null, null],
    )
    assert.ok(Math.abs(r.lat - P.lat) < 1e-6 && Math.abs(r.long - P.lon) < 1e-6, `moved: ${r.lat}, ${r.long}`)
    const requested = Date.parse(r.requested_datetime)
    assert.ok(requested >= Math.floor(t0 / 1000) * 1000 - 5000 && requested <= Date.now() + 5000, r.requested_datetime)
    assert.equal(r.updated_datetime, r.requested_datetime)
    // Open: the order's claim deadline.
    const minutes = catalogue.find((c) => c.code === 'road.streetlight').claim_minutes
    assert.equal(Date.parse(r.expected_datetime), requested + minutes * 60000)

    // The report behind it: anonymous, an order at once in the point's grid.
    const rep = await reportOf(id)
    assert.deepEqual([rep.id, rep.category, rep.description, rep.path, rep.status, rep.anonymous],
      [Number(id), 'road.streetlight', description, gridNode.path, 'ordered', true])
    assert.ok(rep.order_id > 0)
    const order = check(await srv.get(`/api/orders/${rep.order_id}`, { token: grid.token }), 200, 'OrderDetail').order
    assert.deepEqual([order.status, order.path, order.report_id], ['open', gridNode.path, Number(id)])

    // By token.
    const tok = await both(`tokens/${made.token}`)
    assert.deepEqual(tok, [{ service_request_id: id, token: made.token }])

    // In the list (the default window: the last 90 days), valid against requests.json.
    const list = await both('requests', q({ api_key: KEY }))
    assertReference(list, 'requests.json', 'requests.json')
    assert.deepEqual(list.find((x) => x.service_request_id === id), r)
    // Newest first.
    const numbers = list.map((x) => Number(x.service_request_id))
    assert.deepEqual(numbers, [...numbers].sort((a, b) => b - a))

    // The XML form of a post answers the same fields in <service_requests><request>.
    const x = await post({}, 'xml')
    assert.match(x.service_request_id, /^[1-9][0-9]*$/)
    assert.equal((await one(x.service_request_id)).service_code, 'road.streetlight')
    assert.deepEqual(ok311(await get311(`tokens/${x.token}.json`)), [{ service_request_id: x.service_request_id, token: x.token }])
  })

  test('descriptions: null without a valid api_key, the text with one; markup, & and + survive the form and the XML', async () => {
    const description = `<b>广场舞</b> & "音响" 'a+b c' ${text('夜间噪音')}`
    const { service_request_id: id } = await post({ service_code: 'noise.night', 'attribute[source]': 'people', description })
    assert.equal((await one(id)).description, description)
    for (const key of [null, 'not-a-key', '']) {
      const r = await one(id, key)
      assert.equal(r.description, null, `a description with api_key=${key}`)
      assert.equal(r.service_code, 'noise.night')
    }
    const listed = async (key) => ok311(await get311(`requests.json?${q(key ? { api_key: key } : {})}`)).find((x) => x.service_request_id === id)
    assert.equal((await listed(null)).description, null)
    assert.equal((await listed('not-a-key')).description, null)
    assert.equal((await listed(KEY)).description, description)
    // Without a description: the category's name.
    const { service_request_id: bare } = await post({ description: undefined })
    assert.equal((await one(bare)).description, '路灯不亮')
  })

  test('attributes: noise.night needs attribute[source], one of its keys; a missing required attribute 400', async () => {
    const at = { service_code: 'noise.night', description: text('夜间噪音') }
    const made = await post({ ...at, 'attribute[source]': 'people' })
    assert.deepEqual((await reportOf(made.service_request_id)).answers, { source: 'people' })
    for (const extra of [
      {}, // missing
      { 'attribute[source]': '' }, // empty counts as absent
      { 'attribute[source]': 'dogs' }, // not one of the keys
      { 'attribute[source][]': 'people' }, // a list for a single value
      { 'attribute[source]': 'people', 'attribute[colour]': 'red' }, // no such question
    ]) {
      const res = await post311('requests.json', { api_key: KEY, lat: P.lat, long: P.lon, ...at, ...extra })
      fails(res, 400)
    }
    fails(await post311('requests.xml', { api_key: KEY, service_code: 'noise.night', lat: P.lat, long: P.lon }), 400, 'xml')
    // Another category's required question: property.elevator's `trapped`.
    fails(await post311('requests.json', { api_key: KEY, service_code: 'property.elevator', lat: P.lat, long: P.lon }), 400)
    await post({ service_code: 'property.elevator', 'attribute[trapped]': 'yes', description: text('电梯困人') })
    // A category whose app reports need photos takes an Open311 request without one: the
    // client keeps its photo at its own media_url (not fetched).
    await post({ service_code: 'city.litter', media_url: 'https://example.com/a.jpg', description: text('垃圾乱堆') })
  })

  test('a category that waits for triage: service_notice and status_notes say so; rejected, the request is closed with the reason', async () => {
    const made = await post({ service_code: 'other', description: text('井盖异响') })
    assert.ok(made.service_notice && made.service_notice.length > 0, 'no service_notice for a request waiting for triage')
    const id = made.service_request_id
    const r = await one(id)
    assert.deepEqual([r.status, r.expected_datetime, r.service_code], ['open', null, 'other'])
    assert.ok(r.status_notes && r.status_notes.length > 0, 'no status_notes while waiting for triage')
    assert.equal((await reportOf(id)).status, 'triage')
    const reason = '非本辖区问题，已转交供电公司'
    check(await srv.post(`/api/reports/${id}/reject`, { reason }, { token: admin.token }), 200, 'Report')
    const closed = await one(id)
    assert.deepEqual([closed.status, closed.status_notes, closed.expected_datetime], ['closed', reason, null])
    assert.ok(Date.parse(closed.updated_datetime) >= Date.parse(closed.requested_datetime))
    assert.ok((await ids({ status: 'closed' })).includes(id))
    assert.ok(!(await ids({ status: 'open' })).includes(id))
  })

  test('every error of a post is the spec\'s list: 403 for a missing, unknown or revoked key; 400 for the service and the place; 404 for another jurisdiction', async () => {
    const marker = text('不该保存')
    const ok = { api_key: KEY, service_code: 'road.streetlight', lat: P.lat, long: P.lon, description: marker }
    const refused = async (fields, status) => {
      fails(await post311('requests.json', fields), status)
      fails(await post311('requests.xml', fields), status, 'xml')
    }
    // The key.
    await refused({ ...ok, api_key: undefined }, 403)
    await refused({ ...ok, api_key: '' }, 403)
    await refused({ ...ok, api_key: 'not-a-key' }, 403)
    await refused({ ...ok, api_key: `${KEY}x` }, 403)
    // The service.
    await refused({ ...ok, service_code: undefined }, 400)
    await refused({ ...ok, service_code: '' }, 400)
    await refused({ ...ok, service_code: 'no.such.service' }, 400)
    // The place: lat and long, both, numbers, in range; addresses are not geocoded.
    await refused({ ...ok, lat: undefined, long: undefined }, 400)
    await refused({ ...ok, long: undefined }, 400)
    await refused({ ...ok, lat: undefined }, 400)
    await refused({ ...ok, lat: undefined, long: undefined, address_string: '康城小区东门' }, 400)
    await refused({ ...ok, lat: undefined, long: undefined, address_id: gridNode.path }, 400)
    await refused({ ...ok, lat: 'north' }, 400)
    await refused({ ...ok, long: '109.7x' }, 400)
    await refused({ ...ok, lat: 91 }, 400)
    await refused({ ...ok, long: -181 }, 400)
    // The description: at most 4000 characters.
    await refused({ ...ok, description: '长'.repeat(4001) }, 400)
    // Another jurisdiction.
    await refused({ ...ok, jurisdiction_id: 'other' }, 404)
    // None of them was stored.
    const stored = ok311(await get311(`requests.json?${q({ api_key: KEY })}`))
    assert.deepEqual(stored.filter((r) => r.description === marker || r.description === '长'.repeat(4001)), [])
    // The same post with its jurisdiction named, and 4000 characters, are fine.
    await post({ ...ok, jurisdiction_id: 'mashang', description: '长'.repeat(4000) })
  })

  test('outside every grid: the district queue, answered with the district\'s name; a phone is passed on, sealed', async () => {
    const district = check(await srv.get('/api/nodes', { token: admin.token }), 200, 'NodeList').items[0]
    const FAR = { lat: 45.5, long: 120.25 }
    const made = await post({ ...FAR, phone: '13800138000' })
    const r = await one(made.service_request_id)
    assert.deepEqual([r.address_id, r.agency_responsible, r.address, r.lat, r.long], ['/', district.name, district.name, FAR.lat, FAR.long])
    const rep = await reportOf(made.service_request_id)
    assert.deepEqual([rep.path, rep.anonymous, rep.phone_masked], ['/', true, '138****8000'])
    assert.ok(!JSON.stringify(r).includes('13800138000'), 'the phone number is in the service request')
    for (const phone of ['12345', '2380013800x'])
      fails(await post311('requests.json', { api_key: KEY, service_code: 'road.streetlight', ...FAR, phone }), 400)
  })

  test('lat and long are decimal numbers: a C hex float is not one (400)', async () => {
    const problems = []
    for (const [lat, long] of [['nan', P.lon], [P.lat, 'inf'], ['0x1A', P.lon], [P.lat, '0x6D.C8']]) {
      const res = await post311('requests.json', { api_key: KEY, service_code: 'road.streetlight', lat, long })
      if (res.status === 400) fails(res, 400)
      else problems.push(`lat=${lat}&long=${long} → ${res.status} ${res.text}`)
    }
    assert.deepEqual(problems, [])
  })

  test('an answer is valid UTF-8 even when a posted field is not (the error echoes the field)', async () => {
    const raw = (path, body) => srv.request('POST', `/open311/v2/${path}`, { body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
    const utf8 = new TextDecoder('utf-8', { fatal: true })
    const problems = []
    for (const [path, body, status] of [
      ['requests.json', `api_key=${KEY}&service_code=%FF%FE&lat=${P.lat}&long=${P.lon}`, 400],
      ['requests.xml', `api_key=${KEY}&service_code=%FF%FE&lat=${P.lat}&long=${P.lon}`, 400],
      // a form that is not UTF-8 is refused as a whole, before any field is looked at
      ['servicerequestupdates.json', `api_key=${KEY}&service_request_id=%C0%AF&description=x`, 400],
      ['servicerequestupdates.xml', `api_key=${KEY}&service_request_id=%C0%AF&description=x`, 400],
    ]) {
      const res = await raw(path, body)
      assert.equal(res.status, status, `${res}`)
      try {
        utf8.decode(res.buf)
      } catch {
        problems.push(`POST /open311/v2/${path} ${body.split('&')[1]} → ${res.status} with bytes that are not UTF-8: ${res.buf.toString('latin1').slice(-60)}`)
        continue
      }
      fails(res, status, path.endsWith('.xml') ? 'xml' : 'json')
    }
    assert.deepEqual(problems, [])
  })

  test('a revoked key stops working at once; what it posted stays', async () => {
    const c = await issue('热线测试工具', '')
    const made = await post({ api_key: c.api_key })
    const res = await srv.post(`/api/open311/clients/${c.id}/revoke`, undefined, { token: admin.token })
    const revoked = check(res, 200, 'Open311Client')
    assert.ok(revoked.revoked_at > 0)
    assert.equal(revoked.api_key, undefined)
    fails(await post311('requests.json', { api_key: c.api_key, service_code: 'road.streetlight', lat: P.lat, long: P.lon }), 403)
    fails(await post311('requests.xml', { api_key: c.api_key, service_code: 'road.streetlight', lat: P.lat, long: P.lon }), 403, 'xml')
    fails(await post311('servicerequestupdates.json', { api_key: c.api_key, service_request_id: made.service_request_id, description: '补充说明' }), 403)
    // It no longer shows descriptions either; the request is still there.
    assert.equal((await one(made.service_request_id, c.api_key)).description, null)
    // The first key still works.
    await post()
  })

  test('a body above 64 KiB answers 413 (the usual error body)', async () => {
    for (const path of ['requests.json', 'servicerequestupdates.xml']) {
      const res = await post311(path, { api_key: KEY, service_code: 'road.streetlight', description: 'x'.repeat(70000) })
      checkError(res, 413, 'too_large', { ref: 'TooLarge' })
    }
  })
})

// ---------------------------------------------------------------------------------------

describe('reading service requests', () => {
  test('service_request_id: a comma list, overriding the other filters; unknown ids left out; bad ones 400', async () => {
    const a = (await post()).service_request_id
    const b = (await post({ service_code: 'noise.night', 'attribute[source]': 'shop', description: text('夜间噪音') })).service_request_id
    const pair = await both('requests', q({ service_request_id: `${a},${b}` }))
    assertReference(pair, 'requests.json', 'service_request_id')
    assert.deepEqual(pair.map((r) => r.service_request_id), [b, a])
    assert.deepEqual(await ids({ service_request_id: `${b}, ${a}` }), [b, a])
    // The other filters are ignored.
    assert.deepEqual(await ids({ service_request_id: `${a},${b}`, service_code: 'city.litter', status: 'closed', end_date: w3c(Date.now() - 30 * DAY) }), [b, a])
    assert.deepEqual(await ids({ service_request_id: `${a},99999999` }), [a])
    assert.deepEqual(await ids({ service_request_id: '99999999' }), [])
    for (const bad of ['x', '0', '-1', `${a},x`, '1.5'])
      fails(await get311(`requests.json?${q({ service_request_id: bad })}`), 400)
    fails(await get311(`requests.json?${q({ service_request_id: Array.from({ length: 1001 }, (_, i) => i + 1).join(',') })}`), 400)
    fails(await get311(`requests.xml?${q({ service_request_id: 'x' })}`), 400, 'xml')
  })

  test('service_code: a comma list of services', async () => {
    const light = (await post()).service_request_id
    const lift = (await post({ service_code: 'property.elevator', 'attribute[trapped]': 'no', description: text('电梯故障') })).service_request_id
    const lifts = await ids({ service_code: 'property.elevator' })
    assert.ok(lifts.includes(lift) && !lifts.includes(light))
    const list = ok311(await get311(`requests.json?${q({ service_code: 'property.elevator,road.streetlight' })}`))
    assert.ok(list.every((r) => ['property.elevator', 'road.streetlight'].includes(r.service_code)))
    assert.ok(list.some((r) => r.service_request_id === lift) && list.some((r) => r.service_request_id === light))
    assert.deepEqual(await ids({ service_code: 'no.such.service' }), [])
  })

  test('start_date and end_date: W3C datetimes with a zone, at most 90 days apart; anything else 400', async () => {
    const id = (await post()).service_request_id
    const now = Date.now()
    assert.ok((await ids({ start_date: w3c(now - 3600000) })).includes(id))
    assert.ok((await ids({ start_date: w3c(now - 3600000), end_date: w3c(now + 3600000) })).includes(id))
    assert.ok(!(await ids({ end_date: w3c(now - 3600000) })).includes(id))
    assert.ok(!(await ids({ start_date: w3c(now - 30 * DAY), end_date: w3c(now - 29 * DAY) })).includes(id))
    // Z and other zones, and no seconds, are W3C datetimes too.
    assert.ok((await ids({ start_date: new Date(now - 3600000).toISOString().slice(0, 19) + 'Z' })).includes(id))
    assert.ok((await ids({ start_date: new Date(now - 3600000 - 5 * 3600000).toISOString().slice(0, 16) + '-05:00' })).includes(id))
    // Exactly 90 days apart is fine, more is not.
    ok311(await get311(`requests.json?${q({ start_date: w3c(now - 90 * DAY), end_date: w3c(now) })}`))
    fails(await get311(`requests.json?${q({ start_date: w3c(now - 91 * DAY), end_date: w3c(now) })}`), 400)
    fails(await get311(`requests.xml?${q({ start_date: w3c(now - 200 * DAY), end_date: w3c(now) })}`), 400, 'xml')
    // The start after the end.
    fails(await get311(`requests.json?${q({ start_date: w3c(now), end_date: w3c(now - DAY) })}`), 400)
    for (const bad of ['yesterday', '2026-11-29', '2026-11-29T10:00:00', '2026-02-30T10:00:00+08:00', '2026-13-01T10:00:00Z', '29/11/2026 10:00', '1764300000000'])
      for (const name of ['start_date', 'end_date']) fails(await get311(`requests.json?${q({ [name]: bad })}`), 400)
  })

  test('an order completed through /api/orders closes its request; status filters open, closed or both; another status 400', async () => {
    const open = (await post()).service_request_id
    const { id } = await completed()
    const r = await one(id)
    assert.deepEqual([r.status, r.expected_datetime, r.status_notes], ['closed', null, null])
    assert.ok(Date.parse(r.updated_datetime) >= Date.parse(r.requested_datetime))
    const closedIds = await ids({ status: 'closed' })
    const openIds = await ids({ status: 'open' })
    assert.ok(closedIds.includes(id) && !closedIds.includes(open))
    assert.ok(openIds.includes(open) && !openIds.includes(id))
    for (const s of ['open,closed', 'closed,open']) {
      const all = await ids({ status: s })
      assert.ok(all.includes(id) && all.includes(open), s)
    }
    ok311(await get311(`requests.json?${q({ status: 'closed' })}`)).forEach((x) => assert.equal(x.status, 'closed'))
    ok311(await get311(`requests.json?${q({ status: 'open' })}`)).forEach((x) => assert.equal(x.status, 'open'))
    assertReference(await both('requests', q({ status: 'closed' })), 'requests.json', 'status=closed')
    for (const bad of ['pending', 'open,lost', 'OPENED'])
      fails(await get311(`requests.json?${q({ status: bad })}`), 400)
    fails(await get311(`requests.xml?${q({ status: 'pending' })}`), 400, 'xml')
  })

  test('page and page_size: newest first, page by page; bad values 400', async () => {
    const made = []
    for (let i = 0; i < 3; i++) made.push((await post({ service_code: 'green.overgrown', description: text('树木遮挡') })).service_request_id)
    const all = await ids({ service_code: 'green.overgrown' })
    assert.deepEqual(all.slice(0, 3), [...made].reverse())
    const page = (n) => ids({ service_code: 'green.overgrown', page_size: 2, page: n })
    assert.deepEqual(await ids({ service_code: 'green.overgrown', page_size: 2 }), all.slice(0, 2))
    assert.deepEqual(await page(1), all.slice(0, 2))
    assert.deepEqual(await page(2), all.slice(2, 4))
    assert.deepEqual(await page(Math.ceil(all.length / 2) + 1), [])
    assert.deepEqual(await ids({ service_code: 'green.overgrown', page_size: 1000 }), all)
    for (const bad of [{ page_size: 0 }, { page_size: 1001 }, { page_size: 'x' }, { page: 0 }, { page: -1 }, { page: 'two' }])
      fails(await get311(`requests.json?${q({ service_code: 'green.overgrown', ...bad })}`), 400)
  })

  test('datetimes are W3C datetimes in +08:00 everywhere', async () => {
    const { id } = await completed()
    const list = await both('requests', q({ service_request_id: id }))
    assertDatetimes(list)
    assert.match(list[0].requested_datetime, /\+08:00$/)
    assert.match(list[0].updated_datetime, /\+08:00$/)
    const updates = await both('servicerequestupdates')
    assert.ok(updates.length > 0)
    for (const u of updates) assert.match(u.updated_datetime, /\+08:00$/)
    // The same instant as the report's own timestamps.
    const rep = await reportOf(id)
    assert.equal(Date.parse(list[0].requested_datetime), Math.floor(rep.created_at / 1000) * 1000)
  })

  test('unknown ids, tokens and formats 404, in the format asked (JSON when the format is unknown)', async () => {
    const made = await post()
    fails(await get311('requests/99999999.json'), 404)
    fails(await get311('requests/99999999.xml'), 404, 'xml')
    for (const bad of ['0', '-1', 'abc', '1x', ''])
      fails(await get311(`requests/${bad}.json`), 404)
    fails(await get311(`requests/${made.service_request_id}.txt`), 404)
    fails(await get311(`requests/${made.service_request_id}`), 404)
    fails(await get311('requests/1.txt'), 404)
    fails(await get311('tokens/AAAAAAAAAAAAAAAA.json'), 404)
    fails(await get311('tokens/AAAAAAAAAAAAAAAA.xml'), 404, 'xml')
    fails(await get311('tokens/short.json'), 404)
    fails(await get311(`tokens/${made.token}x.json`), 404)
    fails(await get311(`tokens/${made.token}.txt`), 404)
  })

  test('jurisdiction_id: mashang or absent; another one 404 on the request routes', async () => {
    const made = await post()
    const id = made.service_request_id
    for (const fmt of ['json', 'xml']) {
      fails(await get311(`requests.${fmt}?jurisdiction_id=other`), 404, fmt)
      fails(await get311(`requests/${id}.${fmt}?jurisdiction_id=other`), 404, fmt)
      fails(await get311(`servicerequestupdates.${fmt}?jurisdiction_id=other`), 404, fmt)
      fails(await post311(`servicerequestupdates.${fmt}`, { jurisdiction_id: 'other', api_key: KEY, service_request_id: id, description: '补充' }), 404, fmt)
    }
    assert.ok((await ids({ jurisdiction_id: 'mashang' })).includes(id))
    assert.equal(ok311(await get311(`requests/${id}.json?jurisdiction_id=mashang`))[0].service_request_id, id)
    // Empty counts as absent.
    assert.ok((await ids({ jurisdiction_id: '' })).includes(id))
  })

  test('jurisdiction_id: another one 404 on services, service definitions and tokens too (the spec: 404 for an unknown jurisdiction)', async () => {
    const made = await post()
    const problems = []
    for (const path of ['services.json', 'services.xml', 'services/noise.night.json', 'services/noise.night.xml',
      `tokens/${made.token}.json`, `tokens/${made.token}.xml`]) {
      const res = await get311(`${path}?jurisdiction_id=other`)
      if (res.status !== 404) problems.push(`GET /open311/v2/${path}?jurisdiction_id=other → ${res.status}`)
      else fails(res, 404, path.endsWith('.xml') ? 'xml' : 'json')
    }
    assert.deepEqual(problems, [], 'another jurisdiction is answered as if it were ours')
  })
})

// ---------------------------------------------------------------------------------------

describe('service request updates', () => {
  test('the steps of a request\'s order: OPEN, IN_PROGRESS, ACTION_SCHEDULED, IN_PROGRESS, FIXED; notes only with a key', async () => {
    const made = await post()
    const id = made.service_request_id
    const order = (await reportOf(id)).order_id
    check(await act(order, 'claim'), 200, 'Order')
    const reason = '等待配件到货'
    check(await act(order, 'hold', { reason }), 200, 'Order')
    check(await act(order, 'resume'), 200, 'Order')
    const note = '已更换灯泡，路灯恢复正常'
    check(await act(order, 'complete', { note }), 200, 'Order')
    const steps = check(await srv.get(`/api/orders/${order}`, { token: admin.token }), 200, 'OrderDetail').steps
    assert.deepEqual(steps.map((s) => s.step), ['created', 'claimed', 'held', 'resumed', 'completed'])

    const mine = (list) => list.filter((u) => u.service_request_id === id)
    const anonymous = mine(await both('servicerequestupdates'))
    assert.deepEqual(anonymous.map((u) => u.status), ['OPEN', 'IN_PROGRESS', 'ACTION_SCHEDULED', 'IN_PROGRESS', 'FIXED'])
    assert.deepEqual(anonymous.map((u) => u.update_id), steps.map((s) => `${s.id}-${id}`))
    assert.deepEqual(anonymous.map((u) => u.description), steps.map(() => null))
    assert.deepEqual(anonymous.map((u) => Date.parse(u.updated_datetime)), steps.map((s) => Math.floor(s.at / 1000) * 1000))
    assert.ok(anonymous.every((u) => u.media_url === null))
    const keyed = mine(await both('servicerequestupdates', q({ api_key: KEY })))
    assert.deepEqual(keyed.map((u) => u.description), ['', '', reason, '', note])
    // Oldest first.
    const all = ok311(await get311('servicerequestupdates.json'))
    const stepIds = all.map((u) => Number(u.update_id.split('-')[0]))
    assert.deepEqual(stepIds, [...stepIds].sort((a, b) => a - b))
    // The request itself is closed now.
    assert.equal((await one(id)).status, 'closed')
  })

  test('the window: start_date and end_date (default the last day), at most 90 days apart; bad ones 400', async () => {
    const { id } = await completed()
    const now = Date.now()
    const has = async (params) => ok311(await get311(`servicerequestupdates.json?${q(params)}`)).some((u) => u.service_request_id === id)
    assert.ok(await has({}))
    assert.ok(await has({ start_date: w3c(now - 3600000) }))
    assert.ok(await has({ start_date: w3c(now - 60 * DAY), end_date: w3c(now + 60000) }))
    assert.ok(!(await has({ end_date: w3c(now - 3600000) })))
    assert.ok(!(await has({ start_date: w3c(now + 3600000), end_date: w3c(now + 7200000) })))
    fails(await get311(`servicerequestupdates.json?${q({ start_date: w3c(now - 91 * DAY), end_date: w3c(now) })}`), 400)
    fails(await get311(`servicerequestupdates.json?${q({ start_date: w3c(now), end_date: w3c(now - DAY) })}`), 400)
    for (const bad of ['yesterday', '2026-11-29', '2026-11-29T10:00:00'])
      for (const fmt of ['json', 'xml']) fails(await get311(`servicerequestupdates.${fmt}?${q({ start_date: bad })}`), 400, fmt)
  })

  test('posting an update adds a commented step to the request\'s order, listed as OPEN with its text', async () => {
    const made = await post()
    const id = made.service_request_id
    const order = (await reportOf(id)).order_id
    const description = `居民补充：路灯白天也亮着 <&> ${text('补充')}`
    const res = await post311('servicerequestupdates.json', { api_key: KEY, service_request_id: id, description, updated_datetime: w3c(Date.now()) })
    const body = ok311(res)
    assert.equal(body.length, 1)
    const steps = check(await srv.get(`/api/orders/${order}`, { token: admin.token }), 200, 'OrderDetail').steps
    const last = steps.at(-1)
    assert.deepEqual([last.step, last.note, last.account_id], ['commented', description, null])
    assert.deepEqual(last.details, { source: `open311:${client.id}`, report_id: Number(id) })
    assert.equal(body[0].update_id, `${last.id}-${id}`)
    const listed = ok311(await get311(`servicerequestupdates.json?${q({ api_key: KEY })}`)).find((u) => u.update_id === body[0].update_id)
    assert.deepEqual([listed.status, listed.description, listed.service_request_id], ['OPEN', description, id])
    // In XML: <service_request_updates><request_update><update_id>.
    const x = ok311(await post311('servicerequestupdates.xml', { api_key: KEY, service_request_id: id, description: '再次补充说明' }))
    const root = parseXml(x)
    assert.equal(root.name, 'service_request_updates')
    assert.deepEqual(root.children.map((c) => c.name), ['request_update'])
    assert.deepEqual(root.children[0].children.map((c) => c.name), ['update_id'])
    assert.match(root.children[0].children[0].text, new RegExp(`^[0-9]+-${id}$`))
    assert.deepEqual(check(await srv.get(`/api/orders/${order}`, { token: admin.token }), 200, 'OrderDetail').steps.at(-1).note, '再次补充说明')
    // The request stays open.
    assert.equal((await one(id)).status, 'open')
  })

  test('every error of an update post is the spec\'s list', async () => {
    const made = await post()
    const id = made.service_request_id
    const waiting = (await post({ service_code: 'other', description: text('待分拨') })).service_request_id
    const ok = { api_key: KEY, service_request_id: id, description: '补充说明' }
    const refused = async (fields, status) => {
      fails(await post311('servicerequestupdates.json', fields), status)
      fails(await post311('servicerequestupdates.xml', fields), status, 'xml')
    }
    await refused({ ...ok, api_key: undefined }, 403)
    await refused({ ...ok, api_key: 'not-a-key' }, 403)
    await refused({ ...ok, service_request_id: undefined }, 400)
    await refused({ ...ok, service_request_id: '99999999' }, 404)
    await refused({ ...ok, service_request_id: 'abc' }, 404)
    await refused({ ...ok, description: undefined }, 400)
    await refused({ ...ok, description: '' }, 400)
    await refused({ ...ok, description: '长'.repeat(4001) }, 400)
    await refused({ ...ok, updated_datetime: 'now' }, 400)
    await refused({ ...ok, updated_datetime: '2026-11-29T10:00:00' }, 400)
    // A request still waiting for triage has no order to comment on.
    await refused({ ...ok, service_request_id: waiting }, 400)
    // Nothing was added.
    const order = (await reportOf(id)).order_id
    assert.deepEqual(check(await srv.get(`/api/orders/${order}`, { token: admin.token }), 200, 'OrderDetail').steps.map((s) => s.step), ['created'])
  })
})

// ---------------------------------------------------------------------------------------

describe('the console: client applications and their keys', () => {
  test('district administrators only; the key is shown once: the list has key_hint and no api_key', async () => {
    const c = await issue('第三方随手拍应用', '张工 13800000000')
    assert.match(c.api_key, /^[A-Za-z0-9_-]{32}$/)
    assert.deepEqual([c.name, c.contact, c.key_hint, c.created_by, c.revoked_at], ['第三方随手拍应用', '张工 13800000000', c.api_key.slice(0, 4), admin.account.id, null])
    const list = check(await srv.get('/api/open311/clients', { token: admin.token }), 200, 'Open311ClientList').items
    const listed = list.find((x) => x.id === c.id)
    assert.ok(listed, 'the new client is not listed')
    const { api_key: _, ...shown } = c
    assert.deepEqual(listed, shown)
    assert.ok(list.every((x) => !('api_key' in x)), 'the list shows keys')
    assert.ok(!JSON.stringify(list).includes(c.api_key) && !JSON.stringify(list).includes(KEY), 'a key appears in the list')
    assert.deepEqual(list.map((x) => x.id), [...list.map((x) => x.id)].sort((a, b) => a - b))
    // The key works for posting.
    await post({ api_key: c.api_key })
    // Audited.
    const audit = check(await srv.get(`/api/audit?${q({ target: `open311_client:${c.id}` })}`, { token: admin.token }), 200, 'AuditPage')
    assert.deepEqual(audit.items.map((a) => a.action), ['open311.client_issued'])
    assert.ok(!JSON.stringify(audit).includes(c.api_key), 'the key is in the audit log')

    // Everyone else: 403; no session 401.
    for (const who of [street, community, grid, resident]) {
      checkError(await srv.get('/api/open311/clients', { token: who.token }), 403, 'forbidden')
      checkError(await srv.post('/api/open311/clients', { name: '越权应用' }, { token: who.token }), 403, 'forbidden')
      checkError(await srv.post(`/api/open311/clients/${c.id}/revoke`, undefined, { token: who.token }), 403, 'forbidden')
    }
    checkError(await srv.get('/api/open311/clients'), 401, 'unauthenticated')
    checkError(await srv.post('/api/open311/clients', { name: '匿名应用' }), 401, 'unauthenticated')
    checkError(await srv.post(`/api/open311/clients/${c.id}/revoke`), 401, 'unauthenticated')
    assert.equal(check(await srv.get('/api/open311/clients', { token: admin.token }), 200, 'Open311ClientList').items.find((x) => x.id === c.id).revoked_at, null)
  })

  test('issuing: name 2 to 100 characters, contact at most 200, else 422 naming the field; a body that is not JSON 400 or 415', async () => {
    const bad = async (json, field) => checkError(await srv.post('/api/open311/clients', json, { token: admin.token }), 422, 'invalid_input', { field })
    await bad({}, 'name')
    await bad({ name: '' }, 'name')
    await bad({ name: 'x' }, 'name')
    await bad({ name: '应'.repeat(101) }, 'name')
    await bad({ name: 7 }, 'name')
    await bad({ name: '好应用', contact: 'c'.repeat(201) }, 'contact')
    await bad({ name: '好应用', contact: 5 }, 'contact')
    checkError(await srv.request('POST', '/api/open311/clients', { token: admin.token, body: '{"name":', headers: { 'Content-Type': 'application/json' } }), 400, 'bad_request')
    checkError(await srv.request('POST', '/api/open311/clients', { token: admin.token, body: 'name=app', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type')
    const edge = await issue('应'.repeat(100), 'c'.repeat(200))
    assert.equal(edge.name, '应'.repeat(100))
    assert.equal((await issue('ab')).contact, '')
  })

  test('revoking: 200 once with revoked_at, then 409; an unknown client 404', async () => {
    const c = await issue('待吊销应用', '')
    const r = check(await srv.post(`/api/open311/clients/${c.id}/revoke`, undefined, { token: admin.token }), 200, 'Open311Client')
    assert.ok(r.revoked_at >= c.created_at)
    checkError(await srv.post(`/api/open311/clients/${c.id}/revoke`, undefined, { token: admin.token }), 409, 'conflict')
    for (const id of ['99999999', '0', 'abc'])
      checkError(await srv.post(`/api/open311/clients/${id}/revoke`, undefined, { token: admin.token }), 404, 'not_found')
    const listed = check(await srv.get('/api/open311/clients', { token: admin.token }), 200, 'Open311ClientList').items.find((x) => x.id === c.id)
    assert.equal(listed.revoked_at, r.revoked_at)
    const audit = check(await srv.get(`/api/audit?${q({ target: `open311_client:${c.id}` })}`, { token: admin.token }), 200, 'AuditPage')
    assert.deepEqual(audit.items.map((a) => a.action).sort(), ['open311.client_issued', 'open311.client_revoked'])
    fails(await post311('requests.json', { api_key: c.api_key, service_code: 'road.streetlight', lat: P.lat, long: P.lon }), 403)
  })
})

endsCleanly(srv)
