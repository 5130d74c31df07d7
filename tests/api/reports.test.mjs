// Reports (随手拍) and the end of an order's life, issue 5 part 2 (docs/reference/orders.md
// "Reports (随手拍)" and "After completion: verify, rate, reopen"; docs/openapi.yaml
// createReport … transferOrder): a resident's report at a point, outside every grid or at a
// scanned code becomes an order at once (or waits for triage); photos, questions, anonymous
// reports with a masked phone and their limits; nearby orders and duplicates; the reporter's
// view of the timeline; evidence photos at completion; verify, send back, rate (多多评),
// reopen, transfer; and the live events a reporter receives.
//
// Photo uploads themselves are tested in photos.test.mjs.
//
// Assumed where orders.md and the contract are silent (docs/openapi.yaml says the same):
// - an upload id that is not the caller's (someone else's, unknown, attached already) is
//   invalid input: 422 with `field` `photos` (not 404);
// - a `code` that names no code answers 404, a retired one 410, as scanning it (`field` `code`);
// - `duplicate_of` naming no order 422 (`field` `duplicate_of`), a finished order 409; a merge
//   into no (visible) order 422 (`field` `order_id`); a transfer to a node out of view 422;
// - "the reporter" who verifies, rates and reopens is the account whose report made the
//   order (`report_id`); reporters see their order, so a reporter who may not act gets 403;
// - the staff's list of reports is newest first; a wrong answer names `answers.<code>`.
//
// Anonymous reports are limited per client address and per phone, so every anonymous request
// goes out from a loopback address of its own (127.0.2.x); uploads rotate over 127.0.4.x.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'

import { assertSchema, check, checkError, delay, endsCleanly, startServer } from './harness.mjs'
import { allPages, randomToken } from './codes-helpers.mjs'
import { ImageMaker, inParallel, newAccounts, pointIn } from './orders-helpers.mjs'

const srv = await startServer()
// A second server whose reporters may reopen for 0 hours: every reopen is too late.
const late = await startServer({ config: { orders: { reopen_hours: 0 } } })
const images = new ImageMaker()
after(() => images.cleanup())

const [admin, street, community, grid, resident, elder, inspector] = await Promise.all(
  ['admin', 'street', 'community', 'grid', 'resident', 'elder', 'inspector'].map((l) => srv.loginAs(l)),
)

const lastId = (path) => Number(path.split('/').pop())
const asAdmin = async (path, name) => check(await srv.get(path, { token: admin.token }), 200, name)
const children = async (node) => (await asAdmin(`/api/nodes?parent=${node.id}&limit=200`, 'NodeList')).items

// ---------------------------------------------------------------------------------------
// The territory (as orders.test.mjs) and the callers

const gridNode = await asAdmin(`/api/nodes/${lastId(srv.account('grid').scope)}`, 'Node')
const kangcheng = await asAdmin(`/api/nodes/${gridNode.parent_id}`, 'Node')
const streetA = await asAdmin(`/api/nodes/${kangcheng.parent_id}`, 'Node')
const building1 = await asAdmin(`/api/nodes/${lastId(srv.account('steward').scope)}`, 'Node')
const compound = await asAdmin(`/api/nodes/${building1.parent_id}`, 'Node')
const sibling = (await children(kangcheng)).find((n) => n.kind === 'grid' && n.id !== gridNode.id)
const ningxin = (await children(streetA)).find((n) => n.name === '宁馨社区')
const ningxinGrid = ningxin && (await children(ningxin)).find((n) => n.kind === 'grid')
assert.ok(sibling && ningxinGrid, 'the demo has no second grid in 康城社区 or no grid in 宁馨社区')

const P = await pointIn(srv, admin.token, gridNode) // in the demo grid
const P2 = await pointIn(srv, admin.token, sibling) // in the other grid of 康城社区
const FAR = { lat: 45.5, lon: 120.25 } // in no grid

const worker = async (scope, base) => (await newAccounts(srv, admin.token, 1, [{ role: 'grid_worker', scope }], base))[0]
const siblingWorker = await worker(sibling.path, 'reports.sibling')
const ningxinWorker = await worker(ningxinGrid.path, 'reports.ningxin')
// Residents of 1号楼 who report (fresh accounts: their lists are theirs alone).
const [alice, bob, carol, dave] = await newAccounts(srv, admin.token, 4, [{ role: 'resident', scope: building1.path }], 'reports.res')

const catalogue = check(await srv.get('/api/categories'), 200, 'CategoryList').items
const cat = (code) => {
  const c = catalogue.find((x) => x.code === code)
  assert.ok(c, `no category ${code}`)
  return c
}
/** Categories by what they need: none of photos, triage or questions; photos; triage; a required question. */
const PLAIN = 'road.streetlight'
const PHOTOS = 'city.litter'
const TRIAGE = 'other'
const NOISE = 'noise.night'
assert.deepEqual([cat(PLAIN).photos_required, cat(PLAIN).triage, cat(PLAIN).questions.length], [false, false, 0])
assert.deepEqual([cat(PHOTOS).photos_required, cat(PHOTOS).triage], [true, false])
assert.deepEqual([cat(TRIAGE).photos_required, cat(TRIAGE).triage], [false, true])
assert.ok(cat(NOISE).questions.some((q) => q.code === 'source' && q.required && q.datatype === 'singlevaluelist'))
for (const c of [PLAIN, PHOTOS, TRIAGE]) assert.ok(cat(c).claim_roles.includes('grid_worker'), `grid workers may not claim ${c}`)
const MIN = 60000

// ---------------------------------------------------------------------------------------
// Requests

let seq = 0
const text = (base = '随手拍') => `${base}（测试${++seq}）`
const close = (a, b) => Math.abs(a - b) < 1e-6

const report = (json, who, opts = {}) => srv.post('/api/reports', json, { token: who?.token, ...opts })
/** A report by `who` (a streetlight at P unless told), 201. */
const reported = async (json = {}, who = alice) =>
  check(await report({ category: PLAIN, description: text(), ...P, ...json }, who), 201, 'Report')
const reportOf = async (id, who = alice) => check(await srv.get(`/api/reports/${id}`, { token: who.token }), 200, 'ReportDetail')
const detail = async (id, who = admin) => check(await srv.get(`/api/orders/${id}`, { token: who.token }), 200, 'OrderDetail')
const act = (id, step, json, who) => srv.post(`/api/orders/${id}/${step}`, json, { token: who?.token })
const done = async (id, step, json, who) => check(await act(id, step, json, who), 200, 'Order')
const decide = (id, what, json, who) => srv.post(`/api/reports/${id}/${what}`, json, { token: who?.token })
const claim = (id, who = grid) => done(id, 'claim', undefined, who)
const poolIds = async (who) => (await allPages(srv, '/api/orders/pool', who.token, (r) => check(r, 200, 'OrderList'))).map((o) => o.id)
const steps = (d) => d.steps.map((s) => s.step)
/** A report by `who` whose order the grid worker claimed and completed. */
const completedReport = async (who = alice, json = {}) => {
  const r = await reported(json, who)
  await claim(r.order_id)
  await done(r.order_id, 'complete', { note: '已处理完毕' }, grid)
  return r
}

let uploadsSent = 0
/** `n` uploads of a small PNG by `who`: their ids. */
async function uploads(who, n = 1) {
  const png = await images.make(40, 30, 'png')
  const ids = []
  for (let i = 0; i < n; i++) {
    const localAddress = `127.0.4.${1 + (Math.floor(uploadsSent++ / 8) % 250)}`
    const res = await srv.request('POST', '/api/photos', { token: who?.token, body: png, headers: { 'Content-Type': 'image/png' }, localAddress })
    ids.push(check(res, 201, 'PhotoUpload').id)
  }
  return ids
}
const photoStatus = async (id, who) => (await srv.get(`/api/photos/${id}`, { token: who?.token })).status

// ---------------------------------------------------------------------------------------

describe('reporting (随手拍)', () => {
  test('a signed-in resident at a point inside a grid: ordered at once; the order is that grid\'s, in its pool, made from the report', async () => {
    const t0 = Date.now()
    const description = '康城小区东门路灯不亮，晚上很黑'
    const res = await report({ category: PLAIN, description, ...P }, alice)
    const r = check(res, 201, 'Report')
    assert.equal(res.header('location'), `/api/reports/${r.id}`)
    assert.deepEqual([r.category, r.description, r.path, r.status, r.order_status, r.photos, r.answers, r.anonymous, r.reject_reason],
      [PLAIN, description, gridNode.path, 'ordered', 'open', [], {}, false, ''])
    assert.ok(Number.isInteger(r.order_id), `order_id ${r.order_id}`)
    assert.ok(close(r.lat, P.lat) && close(r.lon, P.lon), `the point moved: ${r.lat}, ${r.lon}`)
    assert.ok(r.created_at >= t0 - 5000 && r.created_at <= Date.now() + 5000, `created_at ${r.created_at}`)

    const d = await detail(r.order_id, grid)
    const o = d.order
    assert.deepEqual([o.report_id, o.category, o.description, o.origin_path, o.path, o.level, o.status, o.claimed_by, o.reopens, o.rating, o.rating_comment],
      [r.id, PLAIN, description, gridNode.path, gridNode.path, 'grid', 'open', null, 0, null, ''])
    assert.equal(o.due_at, o.created_at + cat(PLAIN).claim_minutes * MIN)
    assert.deepEqual([steps(d), d.photos], [['created'], []])
    assert.ok((await poolIds(grid)).includes(o.id), 'the report\'s order is not in the grid worker\'s pool')
    assert.ok(!(await poolIds(siblingWorker)).includes(o.id), 'the report\'s order is in another grid\'s pool')

    // The report: its reporter and the staff over its place; to anyone else it does not exist.
    const own = await reportOf(r.id, alice)
    assert.deepEqual(own.report, r)
    assert.deepEqual(own.timeline.map((s) => [s.step, s.note]), [['created', '']])
    for (const who of [grid, community, street, admin]) assert.equal((await reportOf(r.id, who)).report.id, r.id)
    for (const who of [bob, elder, resident, inspector, siblingWorker, ningxinWorker])
      checkError(await srv.get(`/api/reports/${r.id}`, { token: who.token }), 404, 'not_found')
    checkError(await srv.get(`/api/reports/${r.id}`), 401, 'unauthenticated')
    for (const id of ['99999999', '0', '-1', 'abc']) checkError(await srv.get(`/api/reports/${id}`, { token: admin.token }), 404, 'not_found')
  })

  test('a point outside every grid goes to the district queue "/"', async () => {
    const r = await reported({ ...FAR }, alice)
    assert.deepEqual([r.path, r.status], ['/', 'ordered'])
    const d = await detail(r.order_id)
    assert.deepEqual([d.order.origin_path, d.order.path, d.order.level], ['/', '/', 'district'])
    checkError(await srv.get(`/api/reports/${r.id}`, { token: community.token }), 404, 'not_found')
  })

  test('at a scanned code: a household\'s code gives its building, a place\'s code its node; the code wins over a point; unknown 404, retired 410', async () => {
    const issue = async (kind, target_id) => {
      const res = await srv.post('/api/codes', { kind, target_id }, { token: admin.token })
      return check(res, res.status === 201 ? 201 : 200, 'Code')
    }
    const elderHome = check(await srv.get('/api/me/household', { token: elder.token }), 200, 'HouseholdDetail')
    const hCode = await issue('household', elderHome.id)
    assert.equal(hCode.path, building1.path)
    const stall = check(await srv.post('/api/places', { node_id: compound.id, kind: 'stall', name: text('康城夜市摊位') }, { token: admin.token }), 201, 'Place')
    const sCode = await issue('stall', stall.id)

    const atHome = await reported({ lat: undefined, lon: undefined, code: hCode.token }, alice)
    assert.deepEqual([atHome.path, atHome.lat, atHome.lon, atHome.status], [building1.path, null, null, 'ordered'])
    const d = await detail(atHome.order_id)
    assert.deepEqual([d.order.origin_path, d.order.path, d.order.level], [building1.path, building1.path, 'grid'])
    assert.ok((await poolIds(grid)).includes(atHome.order_id), 'an order at 1号楼 is not in its grid worker\'s pool')

    const atStall = await reported({ lat: undefined, lon: undefined, code: sCode.token }, bob)
    assert.equal(atStall.path, stall.path)
    // A code and a point: the code wins.
    const both = await reported({ ...FAR, code: hCode.token }, bob)
    assert.equal(both.path, building1.path)

    const plain = { category: PLAIN, description: '扫码上报' }
    checkError(await report({ ...plain, code: randomToken() }, bob), 404, 'not_found', { field: 'code' })
    const gone = await issue('stall', check(await srv.post('/api/places', { node_id: compound.id, kind: 'stall', name: text('撤销摊位') }, { token: admin.token }), 201).id)
    check(await srv.post(`/api/codes/${gone.token}/revoke`, { reason: '摊位已撤' }, { token: admin.token }), 200, 'Code')
    checkError(await report({ ...plain, code: gone.token }, bob), 410, 'gone', { field: 'code' })
  })

  test('bad input answers 422 naming the field; nothing is made', async () => {
    const who = (await newAccounts(srv, admin.token, 1, [{ role: 'resident', scope: building1.path }], 'reports.bad'))[0]
    const ok = { category: PLAIN, description: '路灯不亮', ...P }
    const wrong = []
    const bad = async (json, field) => {
      const e = checkError(await report(json, who), 422, 'invalid_input')
      if (e.field !== field) wrong.push(`${JSON.stringify(json).slice(0, 70)}: field ${e.field}, expected ${field}`)
    }
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
    await bad({ category: PLAIN, description: '路灯不亮' }, 'lat') // no place at all
    await bad({ ...ok, photos: 'abc' }, 'photos')
    await bad({ ...ok, photos: [5] }, 'photos')
    await bad({ ...ok, duplicate_of: 'x' }, 'duplicate_of')
    await bad({ ...ok, answers: 'x' }, 'answers')
    assert.deepEqual(wrong, [], 'refused reports name other fields')
    checkError(await srv.request('POST', '/api/reports', { token: who.token, body: 'category=x', headers: { 'Content-Type': 'text/plain' } }),
      415, 'unsupported_media_type')
    checkError(await srv.request('POST', '/api/reports', { token: who.token, body: '{"category":', headers: { 'Content-Type': 'application/json' } }),
      400, 'bad_request')
    assert.deepEqual(check(await srv.get('/api/reports/mine', { token: who.token }), 200, 'ReportList').items, [], 'a refused report was kept')
    // 4000 characters are fine, in Chinese too.
    assert.equal((await reported({ description: '长'.repeat(4000) }, who)).description, '长'.repeat(4000))
  })

  test('a description with markup is stored and answered as text', async () => {
    const description = '<script>alert("x")</script><img src=x onerror=alert(1)> & 路灯'
    const r = await reported({ description }, alice)
    assert.equal(r.description, description)
    assert.equal((await reportOf(r.id, alice)).report.description, description)
    assert.equal((await detail(r.order_id)).order.description, description)
  })

  test('photos: required by some categories; at most 9; only the caller\'s own uploads, each attached once', async () => {
    const base = { category: PHOTOS, description: text('垃圾乱堆'), ...P }
    const refused = async (json, who = alice) => checkError(await report({ ...base, ...json }, who), 422, 'invalid_input', { field: 'photos' })
    await refused({})
    await refused({ photos: [] })
    const ten = await uploads(alice, 10)
    await refused({ photos: ten })
    const [bobs] = await uploads(bob, 1)
    await refused({ photos: [bobs] }) // someone else's upload
    await refused({ photos: ['AAAAAAAAAAAAAAAAAAAAAA'] }) // an id never issued
    await refused({ photos: ['short'] })
    await refused({ photos: [ten[0], ten[0]] }) // the same one twice

    // Nine of one's own, in the order given (the refused reports attached none of them).
    const r = await reported({ ...base, photos: ten.slice(0, 9) }, alice)
    assert.deepEqual(r.photos.map((p) => p.id), ten.slice(0, 9))
    for (const p of r.photos) {
      assert.deepEqual([p.width, p.height, p.url, p.thumb_url], [40, 30, `/api/photos/${p.id}`, `/api/photos/${p.id}/thumb`])
      assertSchema(p, 'Photo')
    }
    // An upload is attached once; bob's own upload is still his to attach.
    await refused({ photos: [ten[0]] })
    assert.deepEqual((await reported({ ...base, photos: [ten[9]] }, alice)).photos.map((p) => p.id), [ten[9]])
    assert.deepEqual((await reported({ ...base, photos: [bobs] }, bob)).photos.map((p) => p.id), [bobs])

    // The order shows them as report photos.
    const d = await detail(r.order_id)
    assert.deepEqual(d.photos.map((p) => [p.id, p.kind]), ten.slice(0, 9).map((id) => [id, 'report']))
    // Attached: the reporter and the staff over the place read them; nobody else.
    for (const who of [alice, grid, community, admin]) assert.equal(await photoStatus(ten[0], who), 200, `${who.account.username} reads the photo`)
    for (const who of [bob, elder, siblingWorker, ningxinWorker, null])
      assert.equal(await photoStatus(ten[0], who), 404, `${who?.account.username ?? 'no session'} reads the photo`)
  })

  test('answers to the category\'s questions: required ones given, list answers among the values', async () => {
    const base = { category: NOISE, description: text('夜间噪音'), ...P }
    const wrong = []
    const bad = async (answers) => {
      const e = checkError(await report({ ...base, answers }, alice), 422, 'invalid_input')
      if (!(e.field === 'answers' || e.field?.startsWith('answers.'))) wrong.push(`${JSON.stringify(answers)}: field ${e.field}`)
    }
    for (const answers of [undefined, {}, { source: '' }, { source: 'aliens' }, { source: ['people'] }, { source: 'people', colour: 'red' }, 'people', ['people']])
      await bad(answers)
    assert.deepEqual(wrong, [], 'a refused answer names another field')
    const r = await reported({ ...base, answers: { source: 'construction' } }, alice)
    assert.deepEqual(r.answers, { source: 'construction' })
    assert.deepEqual((await reportOf(r.id, community)).report.answers, { source: 'construction' })
    // An optional free-text question may be left out or answered.
    const parking = cat('parking.illegal')
    assert.ok(parking.questions.some((q) => q.code === 'plate' && !q.required && q.datatype === 'string'))
    const [p1, p2] = await uploads(alice, 2)
    const without = await reported({ category: parking.code, photos: [p1] }, alice)
    assert.deepEqual(without.answers, {})
    const withPlate = await reported({ category: parking.code, photos: [p2], answers: { plate: '蒙K·A1234' } }, alice)
    assert.deepEqual(withPlate.answers, { plate: '蒙K·A1234' })
  })

  test('anonymous: a phone is required, stored masked; 3 in a burst per address and per phone, then 429', async () => {
    let addr = 0
    const from = () => ({ localAddress: `127.0.2.${++addr}` })
    const anon = (json, opts) => report({ category: PLAIN, description: text('匿名随手拍'), ...P, ...json }, null, opts)
    checkError(await anon({}, from()), 422, 'invalid_input', { field: 'phone' })
    checkError(await anon({ phone: '12345' }, from()), 422, 'invalid_input', { field: 'phone' })

    const phone = '13812345678'
    const res = await anon({ phone }, from())
    const r = check(res, 201, 'Report')
    assert.deepEqual([r.anonymous, r.phone_masked, r.status], [true, '138****5678', 'ordered'])
    assert.ok(!res.text.includes(phone), 'the phone is answered in full')
    const seen = await srv.get(`/api/reports/${r.id}`, { token: community.token })
    assert.equal(check(seen, 200, 'ReportDetail').report.phone_masked, '138****5678')
    assert.ok(!seen.text.includes(phone), 'the staff see the phone in full')
    const d = await detail(r.order_id, community)
    assert.deepEqual([d.order.report_id, d.order.created_by], [r.id, null])
    assert.ok(!JSON.stringify(d).includes(phone))

    // Per address: three, then 429 with Retry-After (whatever the phone).
    const one = from()
    for (let i = 0; i < 3; i++) check(await anon({ phone: `1391000000${i}` }, one), 201, 'Report')
    const limited = await anon({ phone: '13910000009' }, one)
    checkError(limited, 429, 'rate_limited')
    assert.ok(Number(limited.header('retry-after')) >= 1, `Retry-After ${limited.header('retry-after')}`)
    // Per phone: three from three addresses, the fourth from a fourth address 429.
    for (let i = 0; i < 3; i++) check(await anon({ phone: '13920000000' }, from()), 201, 'Report')
    checkError(await anon({ phone: '13920000000' }, from()), 429, 'rate_limited')
    // Another phone from another address goes on; signed-in reports from the limited address too.
    check(await anon({ phone: '13930000000' }, from()), 201, 'Report')
    for (let i = 0; i < 4; i++) check(await report({ category: PLAIN, description: text(), ...P }, dave, one), 201, 'Report')
  })

  test('my reports: newest first, paged, each with its order\'s status now', async () => {
    const who = (await newAccounts(srv, admin.token, 1, [{ role: 'resident', scope: building1.path }], 'reports.mine'))[0]
    assert.deepEqual(check(await srv.get('/api/reports/mine', { token: who.token }), 200, 'ReportList'), { items: [], next_after: null })
    const rs = []
    for (let i = 0; i < 3; i++) rs.push(await reported({}, who))
    const t = await reported({ category: TRIAGE }, who)
    const ids = [...rs, t].map((r) => r.id)
    const all = await allPages(srv, '/api/reports/mine', who.token, (r) => check(r, 200, 'ReportList'))
    assert.deepEqual(all.map((r) => r.id), [...ids].reverse())
    await claim(rs[0].order_id)
    const now = await allPages(srv, '/api/reports/mine', who.token, (r) => check(r, 200, 'ReportList'))
    assert.deepEqual(now.map((r) => [r.id, r.status, r.order_status]),
      [[t.id, 'triage', null], [rs[2].id, 'ordered', 'open'], [rs[1].id, 'ordered', 'open'], [rs[0].id, 'ordered', 'claimed']])
    const one = check(await srv.get('/api/reports/mine?limit=1', { token: who.token }), 200, 'ReportList')
    assert.deepEqual([one.items.map((r) => r.id), one.next_after], [[t.id], t.id])
    const two = check(await srv.get(`/api/reports/mine?limit=1&after=${one.next_after}`, { token: who.token }), 200, 'ReportList')
    assert.deepEqual(two.items.map((r) => r.id), [rs[2].id])
    for (const q of ['limit=0', 'limit=201', 'after=-1', 'after=x'])
      checkError(await srv.get(`/api/reports/mine?${q}`, { token: who.token }), 422, 'invalid_input', { field: q.split('=')[0] })
    checkError(await srv.get('/api/reports/mine'), 401, 'unauthenticated')
    // Nobody else's list has them.
    const bobs = await allPages(srv, '/api/reports/mine', bob.token, (r) => check(r, 200, 'ReportList'))
    assert.ok(!bobs.some((r) => ids.includes(r.id)))
  })

  test('the reporter follows the order: claim and completion appear in the timeline (when and what, not who)', async () => {
    const r = await reported({}, carol)
    await claim(r.order_id)
    const note = '已更换灯泡，路灯恢复正常'
    await done(r.order_id, 'complete', { note }, grid)
    const v = await reportOf(r.id, carol)
    assert.equal(v.report.order_status, 'completed')
    assert.deepEqual(v.timeline.map((s) => [s.step, s.note]), [['created', ''], ['claimed', ''], ['completed', note]])
    for (let i = 1; i < v.timeline.length; i++) assert.ok(v.timeline[i].at >= v.timeline[i - 1].at, 'the timeline is not oldest first')
    for (const s of v.timeline) {
      assert.deepEqual(Object.keys(s).sort(), ['at', 'details', 'note', 'step'])
      assert.doesNotMatch(JSON.stringify(s.details), /account/, 'a step\'s details never name an account')
    }
    checkError(await srv.get(`/api/reports/${r.id}`, { token: alice.token }), 404, 'not_found')
  })
})

// ---------------------------------------------------------------------------------------

describe('nearby orders', () => {
  test('the unfinished orders of the category within 150 m, nearest first, at most 10, without descriptions; anonymous allowed', async () => {
    const CAT = 'noise.construction' // used by no other test of this file
    assert.deepEqual([cat(CAT).photos_required, cat(CAT).triage, cat(CAT).questions.length], [false, false, 0])
    const north = (p, m) => ({ lat: Number((p.lat + m / 111320).toFixed(7)), lon: p.lon })
    const at = async (place, category = CAT) =>
      check(await srv.post('/api/orders', { category, description: text('工地夜间施工噪音扰民'), ...place }, { token: admin.token }), 201, 'Order')
    const here = await at(P2)
    const m50 = await at(north(P2, 50))
    const m100 = await at(north(P2, 100))
    const m140 = await at(north(P2, 140))
    const m165 = await at(north(P2, 165))
    const m300 = await at(north(P2, 300))
    const other = await at(P2, PLAIN)
    const finished = await at(P2)
    // The inspector (at "/") may claim construction noise anywhere.
    assert.ok(cat(CAT).claim_roles.includes('inspector'))
    await claim(m50.id, inspector)
    await claim(finished.id, inspector)
    await done(finished.id, 'complete', { note: '已停工' }, inspector)

    const nearby = async (q = P2, who = null) => {
      const res = await srv.get(`/api/reports/nearby?category=${CAT}&lat=${q.lat}&lon=${q.lon}`, { token: who?.token })
      const body = check(res, 200, 'NearbyOrderList')
      assert.ok(!res.text.includes('施工噪音扰民') && !res.text.includes('description'), `nearby answers descriptions: ${res.text.slice(0, 300)}`)
      return body.items
    }
    const items = await nearby()
    const ids = items.map((i) => i.order_id)
    assert.deepEqual(ids, [here.id, m50.id, m100.id, m140.id], `expected the orders at 0, 50, 100 and 140 m: ${JSON.stringify(items)}`)
    const byId = Object.fromEntries(items.map((i) => [i.order_id, i]))
    for (const [o, m] of [[here, 0], [m50, 50], [m100, 100], [m140, 140]])
      assert.ok(Math.abs(byId[o.id].distance_m - m) <= 3, `order at ${m} m answered ${byId[o.id].distance_m} m`)
    assert.deepEqual(items.map((i) => [i.category, i.status, i.created_at]),
      [[CAT, 'open', here.created_at], [CAT, 'claimed', m50.created_at], [CAT, 'open', m100.created_at], [CAT, 'open', m140.created_at]])
    for (const i of items) assert.deepEqual(Object.keys(i).sort(), ['category', 'created_at', 'distance_m', 'order_id', 'status'])
    for (const o of [m165, m300, other, finished]) assert.ok(!ids.includes(o.id), `order ${o.id} should not be nearby`)
    // The same with a session.
    assert.deepEqual((await nearby(P2, alice)).map((i) => i.order_id), ids)

    // Ten at most, nearest first.
    await inParallel(Array.from({ length: 10 }, () => () => at(north(P2, 20))), 5)
    const ten = await nearby()
    assert.equal(ten.length, 10)
    assert.equal(ten[0].order_id, here.id)
    for (let i = 1; i < ten.length; i++) assert.ok(ten[i].distance_m >= ten[i - 1].distance_m, 'not nearest first')

    for (const [q, field] of [
      [`lat=${P2.lat}&lon=${P2.lon}`, 'category'],
      [`category=no.such&lat=${P2.lat}&lon=${P2.lon}`, 'category'],
      [`category=${CAT}&lon=${P2.lon}`, 'lat'],
      [`category=${CAT}&lat=${P2.lat}`, 'lon'],
      [`category=${CAT}&lat=91&lon=${P2.lon}`, 'lat'],
      [`category=${CAT}&lat=${P2.lat}&lon=181`, 'lon'],
      [`category=${CAT}&lat=x&lon=${P2.lon}`, 'lat'],
    ])
      checkError(await srv.get(`/api/reports/nearby?${q}`), 422, 'invalid_input', { field })
  })
})

// ---------------------------------------------------------------------------------------

describe('duplicates and triage', () => {
  test('duplicate_of: the report joins the existing order (a joined step; its photos with the order\'s); no such order 422, a finished one 409', async () => {
    const first = await reported({}, alice)
    const [photo] = await uploads(bob, 1)
    const second = check(await report({ category: PLAIN, description: text('同一盏路灯'), ...P, duplicate_of: first.order_id, photos: [photo] }, bob), 201, 'Report')
    assert.deepEqual([second.status, second.order_id, second.order_status], ['ordered', first.order_id, 'open'])
    const d = await detail(first.order_id)
    assert.deepEqual(steps(d), ['created', 'joined'])
    assert.equal(d.steps[1].details.report_id, second.id)
    assert.equal(d.order.report_id, first.id, 'the order is no longer the first report\'s')
    assert.deepEqual(d.photos.map((p) => [p.id, p.kind]), [[photo, 'report']])
    // Both reporters follow the one order.
    assert.deepEqual((await reportOf(second.id, bob)).timeline.map((s) => s.step), ['created', 'joined'])
    assert.deepEqual((await reportOf(first.id, alice)).timeline.map((s) => s.step), ['created', 'joined'])
    // Anonymous reporters may join too.
    const anon = check(await report({ category: PLAIN, description: text(), ...P, duplicate_of: first.order_id, phone: '13700000001' }, null,
      { localAddress: '127.0.2.200' }), 201, 'Report')
    assert.equal(anon.order_id, first.order_id)

    checkError(await report({ category: PLAIN, description: text(), ...P, duplicate_of: 99999999 }, bob), 422, 'invalid_input', { field: 'duplicate_of' })
    const fin = await completedReport(alice)
    checkError(await report({ category: PLAIN, description: text(), ...P, duplicate_of: fin.order_id }, bob), 409, 'conflict')
  })

  test('triage: the report waits; the staff over its place accept it (optionally correcting the category); the reporter 403, others 404', async () => {
    const r = await reported({ category: TRIAGE, description: text('小区里有人私搭乱建') }, alice)
    assert.deepEqual([r.status, r.order_id, r.order_status, r.path], ['triage', null, null, gridNode.path])
    assert.deepEqual((await reportOf(r.id, alice)).timeline, [])
    for (const [what, body] of [['accept', {}], ['reject', { reason: '不予受理' }], ['merge', { order_id: 1 }]]) {
      checkError(await decide(r.id, what, body, alice), 403, 'forbidden')
      for (const who of [bob, elder, resident, inspector, siblingWorker, ningxinWorker]) checkError(await decide(r.id, what, body, who), 404, 'not_found')
      checkError(await decide(r.id, what, body, null), 401, 'unauthenticated')
      checkError(await decide('99999999', what, body, admin), 404, 'not_found')
    }
    checkError(await decide(r.id, 'accept', { category: 'no.such' }, community), 422, 'invalid_input', { field: 'category' })
    assert.equal((await reportOf(r.id, alice)).report.status, 'triage', 'a refused decision changed the report')

    const a = check(await decide(r.id, 'accept', { category: PLAIN }, community), 200, 'Report')
    assert.deepEqual([a.id, a.status, a.category, a.order_status], [r.id, 'ordered', PLAIN, 'open'])
    const d = await detail(a.order_id)
    assert.deepEqual([d.order.report_id, d.order.category, d.order.status, d.order.path, steps(d)], [r.id, PLAIN, 'open', gridNode.path, ['created']])
    assert.ok((await poolIds(grid)).includes(a.order_id))
    const seen = await reportOf(r.id, alice)
    assert.deepEqual([seen.report.status, seen.report.order_id, seen.timeline.map((s) => s.step)], ['ordered', a.order_id, ['created']])
    // Decided: no second decision.
    for (const [what, body] of [['accept', {}], ['reject', { reason: '不予受理' }], ['merge', { order_id: a.order_id }]])
      checkError(await decide(r.id, what, body, community), 409, 'conflict')
    // No body at all: accepted as it is, by the grid worker over it.
    const r2 = await reported({ category: TRIAGE }, alice)
    const a2 = check(await srv.post(`/api/reports/${r2.id}/accept`, undefined, { token: grid.token }), 200, 'Report')
    assert.deepEqual([a2.status, a2.category], ['ordered', TRIAGE])
  })

  test('reject with a reason the reporter sees; merge into an open order (joined); bad input 422, finished order 409', async () => {
    const r = await reported({ category: TRIAGE }, alice)
    for (const body of [{}, { reason: '' }, { reason: 'x' }, { reason: 'x'.repeat(501) }, { reason: 5 }])
      checkError(await decide(r.id, 'reject', body, community), 422, 'invalid_input', { field: 'reason' })
    const reason = '不属于本平台受理范围，请拨打12345'
    const j = check(await decide(r.id, 'reject', { reason }, community), 200, 'Report')
    assert.deepEqual([j.status, j.reject_reason, j.order_id, j.order_status], ['rejected', reason, null, null])
    const seen = await reportOf(r.id, alice)
    assert.deepEqual([seen.report.status, seen.report.reject_reason, seen.timeline], ['rejected', reason, []])

    const target = await reported({}, bob)
    const m = await reported({ category: TRIAGE }, alice)
    checkError(await decide(m.id, 'merge', {}, community), 422, 'invalid_input', { field: 'order_id' })
    checkError(await decide(m.id, 'merge', { order_id: 99999999 }, community), 422, 'invalid_input', { field: 'order_id' })
    const fin = await completedReport(bob)
    checkError(await decide(m.id, 'merge', { order_id: fin.order_id }, community), 409, 'conflict')
    const merged = check(await decide(m.id, 'merge', { order_id: target.order_id }, community), 200, 'Report')
    assert.deepEqual([merged.status, merged.order_id, merged.order_status], ['ordered', target.order_id, 'open'])
    const d = await detail(target.order_id)
    assert.deepEqual(steps(d), ['created', 'joined'])
    assert.equal(d.steps[1].details.report_id, m.id)
  })

  test('the staff list the reports over their part, newest first, by status and node; others 403; a node out of view 404', async () => {
    const mine = await reported({ category: TRIAGE }, alice) // in the demo grid
    const there = await reported({ category: TRIAGE, ...P2 }, alice) // in the other grid of 康城社区
    const ordered = await reported({}, alice)
    const list = async (who, q = '') => allPages(srv, `/api/reports?${q}`, who.token, (r) => check(r, 200, 'ReportList'))
    const ids = (items) => items.map((r) => r.id)
    const queue = await list(community, 'status=triage')
    assert.ok(ids(queue).includes(mine.id) && ids(queue).includes(there.id))
    assert.ok(queue.every((r) => r.status === 'triage'))
    assert.ok(!ids(queue).includes(ordered.id))
    assert.deepEqual(ids(queue), [...ids(queue)].sort((a, b) => b - a), 'not newest first')
    // A grid worker: its grid only.
    const gq = ids(await list(grid, 'status=triage'))
    assert.ok(gq.includes(mine.id) && !gq.includes(there.id))
    const sq = ids(await list(siblingWorker, 'status=triage'))
    assert.ok(sq.includes(there.id) && !sq.includes(mine.id))
    // By node; all statuses without one.
    const atGrid = ids(await list(community, `node=${gridNode.id}`))
    assert.ok(atGrid.includes(mine.id) && atGrid.includes(ordered.id) && !atGrid.includes(there.id))
    assert.ok(ids(await list(admin, 'status=ordered')).includes(ordered.id))
    // Paging.
    const one = check(await srv.get('/api/reports?status=triage&limit=1', { token: community.token }), 200, 'ReportList')
    assert.deepEqual([one.items.length, one.next_after], [1, one.items[0].id])
    const two = check(await srv.get(`/api/reports?status=triage&limit=1&after=${one.next_after}`, { token: community.token }), 200, 'ReportList')
    assert.ok(two.items[0].id < one.items[0].id)
    // Who may not.
    for (const who of [alice, resident, elder, inspector]) checkError(await srv.get('/api/reports', { token: who.token }), 403, 'forbidden')
    checkError(await srv.get('/api/reports'), 401, 'unauthenticated')
    checkError(await srv.get(`/api/reports?node=${kangcheng.id}`, { token: grid.token }), 403, 'forbidden') // sees the community, is not over it
    checkError(await srv.get(`/api/reports?node=${ningxinGrid.id}`, { token: community.token }), 404, 'not_found', { field: 'node' })
    checkError(await srv.get('/api/reports?node=99999999', { token: admin.token }), 404, 'not_found', { field: 'node' })
    checkError(await srv.get('/api/reports?status=lost', { token: community.token }), 422, 'invalid_input', { field: 'status' })
    checkError(await srv.get('/api/reports?limit=0', { token: community.token }), 422, 'invalid_input', { field: 'limit' })
  })
})

// ---------------------------------------------------------------------------------------

describe('after completion', () => {
  test('complete with evidence photos (the claimer\'s own, up to 9; required by photos_required categories); listed after the report\'s', async () => {
    const [rp] = await uploads(alice, 1)
    const r = await reported({ category: PHOTOS, photos: [rp] }, alice)
    await claim(r.order_id)
    const note = { note: '垃圾已清运完毕' }
    checkError(await act(r.order_id, 'complete', note, grid), 422, 'invalid_input', { field: 'photos' })
    checkError(await act(r.order_id, 'complete', { ...note, photos: [] }, grid), 422, 'invalid_input', { field: 'photos' })
    const [alices] = await uploads(alice, 1)
    checkError(await act(r.order_id, 'complete', { ...note, photos: [alices] }, grid), 422, 'invalid_input', { field: 'photos' })
    const ten = await uploads(grid, 10)
    checkError(await act(r.order_id, 'complete', { ...note, photos: ten }, grid), 422, 'invalid_input', { field: 'photos' })
    assert.equal((await detail(r.order_id)).order.status, 'claimed', 'a refused completion completed the order')

    const o = await done(r.order_id, 'complete', { ...note, photos: ten.slice(0, 2) }, grid)
    assert.equal(o.status, 'completed')
    const d = await detail(r.order_id)
    assert.deepEqual(d.photos.map((p) => [p.id, p.kind]), [[rp, 'report'], [ten[0], 'evidence'], [ten[1], 'evidence']])
    for (const p of d.photos) assertSchema(p, 'OrderPhoto')
    // The evidence is seen by the reporter (who verifies the work) and the staff; not by others.
    for (const who of [grid, alice, community]) assert.equal(await photoStatus(ten[0], who), 200)
    for (const who of [bob, siblingWorker, null]) assert.equal(await photoStatus(ten[0], who), 404)
    // A category without photos_required completes without photos.
    const plain = await reported({}, alice)
    await claim(plain.order_id)
    assert.equal((await done(plain.order_id, 'complete', { note: '已修复' }, grid)).status, 'completed')
  })

  test('verify: the reporter (or the staff) confirm a completed order, or send it back to its claimer with a note', async () => {
    const r = await completedReport(alice)
    const id = r.order_id
    for (const [body, field] of [[{}, 'ok'], [{ ok: 'yes' }, 'ok'], [{ ok: 1 }, 'ok'], [{ ok: false }, 'note'], [{ ok: false, note: 'x' }, 'note'],
      [{ ok: false, note: 'x'.repeat(501) }, 'note']])
      checkError(await act(id, 'verify', body, alice), 422, 'invalid_input', { field })
    for (const who of [bob, elder, siblingWorker, ningxinWorker]) checkError(await act(id, 'verify', { ok: true }, who), 404, 'not_found')
    checkError(await act(id, 'verify', { ok: true }, null), 401, 'unauthenticated')

    const note = '东门路灯还是不亮'
    const back = await done(id, 'verify', { ok: false, note }, alice)
    assert.deepEqual([back.status, back.claimed_by, back.completed_at], ['claimed', grid.account.id, null])
    assert.equal(back.due_at, back.updated_at + cat(PLAIN).finish_minutes * MIN)
    const d = await detail(id)
    assert.deepEqual([d.steps.at(-1).step, d.steps.at(-1).note], ['sent_back', note])
    checkError(await act(id, 'verify', { ok: true }, alice), 409, 'conflict') // claimed, not completed
    await done(id, 'complete', { note: '已更换镇流器' }, grid)
    const v = await done(id, 'verify', { ok: true }, alice)
    assert.equal(v.status, 'verified')
    assert.deepEqual((await reportOf(r.id, alice)).timeline.map((s) => s.step), ['created', 'claimed', 'completed', 'sent_back', 'completed', 'verified'])
    checkError(await act(id, 'verify', { ok: true }, alice), 409, 'conflict')
    // The staff over its place verify as well.
    const r2 = await completedReport(bob)
    assert.equal((await done(r2.order_id, 'verify', { ok: true, note: '现场核实已修复' }, community)).status, 'verified')
  })

  test('rate (多多评): the reporter, once, 1 to 5 stars and a comment; the order is closed', async () => {
    const r = await completedReport(alice)
    const id = r.order_id
    for (const stars of [0, 6, -1, 2.5, '5', null]) checkError(await act(id, 'rate', { stars }, alice), 422, 'invalid_input', { field: 'stars' })
    checkError(await act(id, 'rate', {}, alice), 422, 'invalid_input', { field: 'stars' })
    checkError(await act(id, 'rate', { stars: 5, comment: '好'.repeat(501) }, alice), 422, 'invalid_input', { field: 'comment' })
    for (const who of [community, grid, admin]) checkError(await act(id, 'rate', { stars: 5 }, who), 403, 'forbidden')
    for (const who of [bob, elder, siblingWorker]) checkError(await act(id, 'rate', { stars: 5 }, who), 404, 'not_found')
    checkError(await act(id, 'rate', { stars: 5 }, null), 401, 'unauthenticated')

    const comment = '<b>处理及时</b>，谢谢网格员'
    const o = await done(id, 'rate', { stars: 4, comment }, alice)
    assert.deepEqual([o.status, o.rating, o.rating_comment], ['closed', 4, comment])
    const last = (await detail(id)).steps.at(-1)
    assert.deepEqual([last.step, last.details.stars], ['rated', 4])
    checkError(await act(id, 'rate', { stars: 5 }, alice), 409, 'conflict')
    assert.equal((await reportOf(r.id, alice)).report.order_status, 'closed')
    // A verified order is rated too; an open one is not; 1 and 5 are fine.
    const r2 = await completedReport(alice)
    await done(r2.order_id, 'verify', { ok: true }, alice)
    assert.deepEqual((await done(r2.order_id, 'rate', { stars: 1 }, alice)).rating, 1)
    const r3 = await reported({}, alice)
    checkError(await act(r3.order_id, 'rate', { stars: 5 }, alice), 409, 'conflict')
    const r4 = await completedReport(alice)
    assert.deepEqual((await done(r4.order_id, 'rate', { stars: 5, comment: '' }, alice)).rating, 5)
    // A reporter whose report only joined the order does not rate it.
    const r5 = await reported({}, alice)
    check(await report({ category: PLAIN, description: text(), ...P, duplicate_of: r5.order_id }, bob), 201, 'Report')
    await claim(r5.order_id)
    await done(r5.order_id, 'complete', { note: '已处理' }, grid)
    checkError(await act(r5.order_id, 'rate', { stars: 5 }, bob), 403, 'forbidden')
  })

  test('reopen: the reporter, within the window, opens the order again where it happened; reopens counts; the rating is cleared', async () => {
    const r = await completedReport(alice)
    const id = r.order_id
    await done(id, 'rate', { stars: 2, comment: '没修好' }, alice)
    for (const body of [{}, { reason: 'x' }, { reason: 'x'.repeat(501) }])
      checkError(await act(id, 'reopen', body, alice), 422, 'invalid_input', { field: 'reason' })
    for (const who of [community, grid]) checkError(await act(id, 'reopen', { reason: '再看看' }, who), 403, 'forbidden')
    for (const who of [bob, siblingWorker]) checkError(await act(id, 'reopen', { reason: '再看看' }, who), 404, 'not_found')

    const reason = '路灯又不亮了'
    const o = await done(id, 'reopen', { reason }, alice)
    assert.deepEqual([o.status, o.reopens, o.rating, o.rating_comment, o.claimed_by, o.claimed_at, o.completed_at, o.path, o.level],
      ['open', 1, null, '', null, null, null, gridNode.path, 'grid'])
    assert.equal(o.due_at, o.updated_at + cat(PLAIN).claim_minutes * MIN)
    const d = await detail(id)
    assert.deepEqual([d.steps.at(-1).step, d.steps.at(-1).note], ['reopened', reason])
    assert.ok((await poolIds(grid)).includes(id), 'a reopened order is not back in the pool')
    checkError(await act(id, 'reopen', { reason }, alice), 409, 'conflict') // open already
    // Again: claimed, completed (not rated), reopened.
    await claim(id)
    await done(id, 'complete', { note: '更换了整套灯具' }, grid)
    assert.equal((await done(id, 'reopen', { reason: '第二天又坏了' }, alice)).reopens, 2)
  })

  test('transfer: the staff over its place (or its claimer) move an unfinished order to another place or category; open there', async () => {
    const r = await reported({}, alice)
    const id = r.order_id
    const reason = '位置属于第二网格'
    const wrong = []
    const bad = async (body, field) => {
      const e = checkError(await act(id, 'transfer', body, community), 422, 'invalid_input')
      if (e.field !== field) wrong.push(`${JSON.stringify(body)}: field ${e.field}, expected ${field}`)
    }
    await bad({ reason }, 'node_id')
    await bad({ node_id: sibling.id }, 'reason')
    await bad({ node_id: sibling.id, reason: 'x' }, 'reason')
    await bad({ category: 'no.such', reason }, 'category')
    await bad({ node_id: 99999999, reason }, 'node_id')
    await bad({ node_id: ningxinGrid.id, reason }, 'node_id') // out of the community staff's view
    assert.deepEqual(wrong, [], 'a refused transfer names another field')
    // Who may not (a change of category, so that no node's visibility comes into it).
    const recat = { category: 'green.overgrown', reason: '实为树木遮挡' }
    checkError(await act(id, 'transfer', recat, alice), 403, 'forbidden') // the reporter sees it
    for (const who of [bob, elder, siblingWorker, ningxinWorker]) checkError(await act(id, 'transfer', recat, who), 404, 'not_found')
    checkError(await act(id, 'transfer', recat, null), 401, 'unauthenticated')
    assert.equal((await detail(id)).order.category, PLAIN, 'a refused transfer changed the order')

    const t = await done(id, 'transfer', { node_id: sibling.id, reason }, community)
    assert.deepEqual([t.status, t.origin_path, t.path, t.level, t.claimed_by, t.category], ['open', sibling.path, sibling.path, 'grid', null, PLAIN])
    assert.equal(t.due_at, t.updated_at + cat(PLAIN).claim_minutes * MIN)
    const last = (await detail(id)).steps.at(-1)
    assert.deepEqual([last.step, last.note, last.details], ['transferred', reason, { from: gridNode.path, to: sibling.path, from_category: PLAIN, to_category: PLAIN }])
    assert.ok((await poolIds(siblingWorker)).includes(id), 'not in the pool of its new grid')
    assert.ok(!(await poolIds(grid)).includes(id), 'still in the pool of its old grid')
    checkError(await srv.get(`/api/orders/${id}`, { token: grid.token }), 404, 'not_found')
    assert.deepEqual((await reportOf(r.id, alice)).timeline.map((s) => s.step), ['created', 'transferred'])

    // The claimer files its order under another category: open again, for whoever may claim that.
    const r2 = await reported({}, alice)
    await claim(r2.order_id)
    const t2 = await done(r2.order_id, 'transfer', { category: 'green.overgrown', reason: '实为树木遮挡路灯' }, grid)
    assert.deepEqual([t2.status, t2.category, t2.claimed_by, t2.path], ['open', 'green.overgrown', null, gridNode.path])
    assert.deepEqual((await detail(r2.order_id)).steps.at(-1).details,
      { from: gridNode.path, to: gridNode.path, from_category: PLAIN, to_category: 'green.overgrown' })
    // A finished order is not transferred.
    const r3 = await completedReport(alice)
    checkError(await act(r3.order_id, 'transfer', { node_id: sibling.id, reason }, community), 409, 'conflict')
  })
})

// ---------------------------------------------------------------------------------------

describe('the reopen window', () => {
  test('past orders.reopen_hours (0 on this server) a reopen answers 409; rating still closes the order', async () => {
    const [lAdmin, lGrid] = await Promise.all(['admin', 'grid'].map((l) => late.loginAs(l)))
    const [who] = await newAccounts(late, lAdmin.token, 1, [{ role: 'resident', scope: late.account('steward').scope }], 'late.res')
    const gridId = lastId(late.account('grid').scope)
    const Q = await pointIn(late, lAdmin.token, check(await late.get(`/api/nodes/${gridId}`, { token: lAdmin.token }), 200, 'Node'))
    const r = check(await late.post('/api/reports', { category: PLAIN, description: '路灯不亮', ...Q }, { token: who.token }), 201, 'Report')
    check(await late.post(`/api/orders/${r.order_id}/claim`, undefined, { token: lGrid.token }), 200, 'Order')
    check(await late.post(`/api/orders/${r.order_id}/complete`, { note: '已修复' }, { token: lGrid.token }), 200, 'Order')
    await delay(20)
    checkError(await late.post(`/api/orders/${r.order_id}/reopen`, { reason: '又坏了' }, { token: who.token }), 409, 'conflict')
    const o = check(await late.post(`/api/orders/${r.order_id}/rate`, { stars: 3 }, { token: who.token }), 200, 'Order')
    assert.equal(o.status, 'closed')
    checkError(await late.post(`/api/orders/${r.order_id}/reopen`, { reason: '又坏了' }, { token: who.token }), 409, 'conflict')
  })
})

// ---------------------------------------------------------------------------------------

describe('live', () => {
  test('the reporters of an order receive its steps on their own stream (addressed to them); other residents nothing', async () => {
    const [sa, sb, sd] = await Promise.all([alice, bob, dave].map((w) => srv.events({ token: w.token })))
    for (const s of [sa, sb, sd]) assert.equal(s.reply.status, 200, `stream refused: ${s.reply}`)
    try {
      const description = text('路灯闪烁')
      const r = await reported({ description }, alice)
      check(await report({ category: PLAIN, description: text(), ...P, duplicate_of: r.order_id }, bob), 201, 'Report')
      await claim(r.order_id)
      for (const s of [sa, sb]) {
        const ev = await s.nextEvent('order.claimed', (d) => d.payload?.order_id === r.order_id)
        assertSchema(ev.data, 'Event', 'order.claimed')
        assert.deepEqual([ev.id, ev.data.subject], [String(ev.data.id), `order:${r.order_id}`])
        assert.deepEqual([ev.data.payload.step, ev.data.payload.status, ev.data.payload.level, ev.data.payload.category],
          ['claimed', 'claimed', 'grid', PLAIN])
        assert.ok(!ev.raw.includes(description), 'the event carries the description')
      }
      await done(r.order_id, 'complete', { note: '已修复' }, grid)
      const ev = await sa.nextEvent('order.completed', (d) => d.payload?.order_id === r.order_id)
      assertSchema(ev.data, 'Event', 'order.completed')
      assert.equal(ev.data.payload.status, 'completed')
      await done(r.order_id, 'verify', { ok: true }, alice)
      await sb.nextEvent('order.verified', (d) => d.payload?.order_id === r.order_id)
      await delay(300)
      assert.ok(!sd.events.some((e) => e.data?.payload?.order_id === r.order_id), 'another resident got the order\'s events')
      for (const s of [sa, sb]) for (const e of s.events) assertSchema(e.data, 'Event', `${e.event} on a reporter's stream`)
    } finally {
      for (const s of [sa, sb, sd]) s.close()
    }
  })
})

endsCleanly(srv, late)
