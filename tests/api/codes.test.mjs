// Codes (一户一码, 二维码+), docs/reference/codes.md: issuing (idempotent; token, url, number),
// what each caller sees when scanning a code of every kind (member, staff, public — and that
// a public answer never carries a person), tampered and unknown tokens, revoking and rotating
// (410 forever), check-ins, the PNG and SVG images (decoded with zbarimg; size, quiet zone and
// error correction level read from the pixels), places, scan statistics and the guessing limit.
//
// Failed resolutions are limited per client address (30, one more every 6 s), so the tests
// that earn 404s and 410s on purpose send them from addresses of their own (127.0.0.x), and
// the guessing-limit test uses two more.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { assertSchema, check, checkError, delay, endsCleanly, startServer, waitFor } from './harness.mjs'
import {
  NUMBER_RE,
  TOKEN_RE,
  allPages,
  flip,
  idOfNumber,
  numberOfId,
  randomToken,
  readQr,
  zbarBuffer,
} from './codes-helpers.mjs'

// A 26-byte base, so every code URL is 50 bytes: the size codes.md computes the symbol for.
const BASE = 'https://ma.example.test'
assert.equal(`${BASE}/c/${'x'.repeat(24)}`.length, 50)
const srv = await startServer({ config: { server: { public_base_url: BASE } } })

// Every answer is kept: the last test looks for raw personal data in all of them.
const replies = []
{
  const request = srv.request.bind(srv)
  srv.request = async (...args) => {
    const r = await request(...args)
    replies.push(r)
    return r
  }
}
const frames = []

/** Requests from a loopback address of their own (a guessing bucket of their own). */
const from = (n) => ({ localAddress: `127.0.0.${n}` })

const [admin, community, grid, steward, resident, elder] = await Promise.all(
  ['admin', 'community', 'grid', 'steward', 'resident', 'elder'].map((l) => srv.loginAs(l)),
)

let seq = 0
/** A name no other request of this file uses. */
const fresh = (base) => `${base}${++seq}`

const lastId = (path) => Number(path.split('/').pop())
const asAdmin = async (path, name) => check(await srv.get(path, { token: admin.token }), 200, name)
const made = async (path, json, token = admin.token) => check(await srv.post(path, json, { token }), 201)

// ---------------------------------------------------------------------------------------
// The demo: 康城社区 → 第一网格 → 康城小区 → 1号楼 (the elder) and 2号楼 (王芳's family, 3单元2001室)

const kangcheng = await asAdmin(`/api/nodes/${lastId(srv.account('community').scope)}`, 'Node')
const gridNode = await asAdmin(`/api/nodes/${lastId(srv.account('grid').scope)}`, 'Node')
const building1 = await asAdmin(`/api/nodes/${lastId(srv.account('steward').scope)}`, 'Node')
const compound = await asAdmin(`/api/nodes/${building1.parent_id}`, 'Node')
const building2 = (await asAdmin(`/api/nodes?parent=${compound.id}&limit=200`)).items.find((n) => n.name === '2号楼')
const streetA = await asAdmin(`/api/nodes/${lastId(srv.account('street').scope)}`, 'Node')
const ningxin = (await asAdmin(`/api/nodes?parent=${streetA.id}&limit=200`)).items.find((n) => n.name === '宁馨社区')
assert.equal(kangcheng.name, '康城社区')
assert.equal(compound.name, '康城小区')
assert.ok(building2 && ningxin, 'the demo has no 2号楼 in 康城小区 or no 宁馨社区')

const mine = check(await srv.get('/api/me/household', { token: resident.token }), 200, 'HouseholdDetail')
const home = await asAdmin(`/api/households/${mine.id}`, 'HouseholdDetail')
const elderHome = await asAdmin(`/api/households/${check(await srv.get('/api/me/household', { token: elder.token }), 200).id}`)
assert.equal(home.building_id, building2.id)
assert.equal(home.room, '2001')
assert.deepEqual(home.persons.map((p) => p.name).sort(), ['张子涵', '张军', '王芳'].sort())

// The raw ID numbers and phones of the demo family and the elder (demo.cpp): no answer may show them.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const withCheck = (d17) => d17 + '10X98765432'[[...d17].reduce((s, c, i) => s + Number(c) * WEIGHTS[i], 0) % 11]
const RAW = [withCheck('15060319880415062'), withCheck('15060319860921071'), withCheck('15060320160608122'),
  '13800138000', '13800138001', '13900000006']

// Another community's grid worker (a grant in 宁馨社区), and a member of 王芳's household
// with no grant at all (an account linked to 张军).
const newAccount = async (roles) => {
  const username = fresh('codes.user')
  await made('/api/accounts', { username, display_name: username, password: 'a-good-password', ...(roles ? { roles } : {}) })
  return srv.login(username, 'a-good-password')
}
const outside = await newAccount([{ role: 'grid_worker', scope: ningxin.path }])
const member = await newAccount(null)
check(await srv.request('PUT', `/api/persons/${home.persons.find((p) => p.name === '张军').id}/account`,
  { token: admin.token, json: { account_id: member.account.id } }), 200)

// Places on 康城小区, one of each kind (made by the community staff).
const PLACE_KINDS = ['stall', 'facility', 'function_room', 'checkpoint']
const places = {}
for (const [kind, name, operator] of [['stall', '康城夜市1号摊位', '老王烧烤'], ['facility', '康城小区充电桩', '康城物业'],
  ['function_room', '康城社区活动室', ''], ['checkpoint', '康城小区东门巡更点', '康城小区保安队']])
  places[kind] = check(await srv.post('/api/places', { node_id: compound.id, kind, name, operator }, { token: community.token }), 201, 'Place')

/** The target of each kind, with the label and path its code must carry. */
const TARGETS = {
  household: { id: home.id, label: home.address, path: home.path },
  building: { id: building2.id, label: building2.name, path: building2.path },
  compound: { id: compound.id, label: compound.name, path: compound.path },
  ...Object.fromEntries(PLACE_KINDS.map((k) => [k, { id: places[k].id, label: places[k].name, path: places[k].path }])),
}
const KINDS = Object.keys(TARGETS)

const issue = (kind, target_id, token = grid.token) => srv.post('/api/codes', { kind, target_id }, { token })
const codes = {} // kind → Code, issued in the first test
const resolve = (token, opts = {}) => srv.get(`/api/codes/${token}`, opts)

/** A fresh place on a node (admin) and its code (issued by the grid worker unless told). */
async function freshCode(kind = 'facility', node = compound, by = grid.token) {
  const p = await made('/api/places', { node_id: node.id, kind, name: fresh('测试设施') })
  return { place: p, code: check(await issue(kind, p.id, by), 201, 'Code') }
}

// ---------------------------------------------------------------------------------------

describe('issuing', () => {
  test('a target has one active code: 201 on the first issue, 200 with the same code after', async () => {
    // A fresh household: no code yet.
    const h = await made('/api/households', { building_id: building2.id, unit: '9', floor: 9, room: fresh('9') })
    const first = check(await issue('household', h.id), 201, 'Code')
    assert.deepEqual(check(await issue('household', h.id), 200, 'Code'), first)
    assert.deepEqual(check(await issue('household', h.id, community.token), 200, 'Code'), first)
    assert.equal(first.label, h.address)
    // The targets of every kind (王芳's door may have been given its code by the demo already).
    for (const kind of KINDS) {
      const t = TARGETS[kind]
      const res = await issue(kind, t.id)
      const code = check(res, kind === 'household' && res.status === 200 ? 200 : 201, 'Code')
      const again = check(await issue(kind, t.id), 200, 'Code')
      assert.deepEqual(again, code, `${kind}: issuing again answers the active code`)
      assert.match(code.token, TOKEN_RE)
      assert.equal(code.url, `${BASE}/c/${code.token}`)
      assert.match(code.number, NUMBER_RE)
      assert.ok(idOfNumber(code.number), `${kind}: ${code.number} does not carry its own mod-37 check symbol`)
      assert.equal(numberOfId(idOfNumber(code.number)), code.number)
      assert.deepEqual([code.kind, code.target_id, code.label, code.path, code.status, code.retired_at],
        [kind, t.id, t.label, t.path, 'active', null], `${kind}: ${JSON.stringify(code)}`)
      // A community manager asking for the same target gets the same code too.
      assert.equal(check(await issue(kind, t.id, community.token), 200, 'Code').token, code.token)
      codes[kind] = code
    }
    const all = [first, ...Object.values(codes)]
    assert.equal(new Set(all.map((c) => c.token)).size, all.length)
    assert.equal(new Set(all.map((c) => c.number)).size, all.length)
    // One target's code: kind and target.
    const one = check(await srv.get(`/api/codes?kind=household&target=${h.id}`, { token: grid.token }), 200, 'CodeList')
    assert.deepEqual(one.items, [first])
  })

  test('a code is found by its printed number, in lower case and without the dash too', async () => {
    for (const c of [codes.household, codes.stall]) {
      for (const n of [c.number, c.number.toLowerCase(), c.number.replace('-', ''), c.number.toLowerCase().replace('-', '')]) {
        const page = check(await srv.get(`/api/codes?number=${encodeURIComponent(n)}`, { token: grid.token }), 200, 'CodeList')
        assert.deepEqual(page.items.map((x) => x.token), [c.token], `number ${n}`)
        assert.deepEqual(page.items[0], c)
      }
    }
    // A number whose check symbol is wrong names no code.
    const n = codes.household.number
    const wrong = n.slice(0, 7) + (n[7] === '0' ? '1' : '0')
    const r = await srv.get(`/api/codes?number=${encodeURIComponent(wrong)}`, { token: grid.token })
    if (r.status === 200) assert.deepEqual(check(r, 200, 'CodeList').items, [])
    else checkError(r, 422, 'invalid_input', { field: 'number' })
  })

  test('the list: active codes under a node, by kind, in order of id', async () => {
    const under = await allPages(srv, `/api/codes?node=${compound.id}`, grid.token, (r) => check(r, 200, 'CodeList'))
    for (const c of Object.values(codes)) assert.ok(under.some((x) => x.token === c.token), `${c.kind} code not listed under 康城小区`)
    assert.ok(under.every((x) => x.status === 'active' && (x.path === compound.path || x.path.startsWith(`${compound.path}/`))))
    const ids = under.map((x) => idOfNumber(x.number))
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'not ordered by id')
    const households = await allPages(srv, `/api/codes?node=${compound.id}&kind=household`, grid.token, (r) => check(r, 200, 'CodeList'))
    assert.ok(households.length >= 1 && households.every((x) => x.kind === 'household'))
    // Paging: one at a time gives the same list.
    const one = check(await srv.get(`/api/codes?node=${compound.id}&limit=1`, { token: grid.token }), 200, 'CodeList')
    assert.equal(one.items.length, 1)
    assert.equal(one.items[0].token, under[0].token)
    assert.notEqual(one.next_after, null)
    const two = check(await srv.get(`/api/codes?node=${compound.id}&limit=1&after=${one.next_after}`, { token: grid.token }), 200, 'CodeList')
    assert.equal(two.items[0].token, under[1].token)
    // The steward of 1号楼 lists there; bad input names the field.
    check(await srv.get(`/api/codes?node=${building1.id}`, { token: steward.token }), 200, 'CodeList')
    checkError(await srv.get('/api/codes?kind=castle', { token: grid.token }), 422, 'invalid_input', { field: 'kind' })
    checkError(await srv.get('/api/codes?node=x', { token: grid.token }), 422, 'invalid_input', { field: 'node' })
    checkError(await srv.get('/api/codes?limit=0', { token: grid.token }), 422, 'invalid_input', { field: 'limit' })
    checkError(await srv.get(`/api/codes?node=${compound.id}`, { token: outside.token }), 404, 'not_found')
    checkError(await srv.get('/api/codes'), 401, 'unauthenticated')
  })

  test('refused: an unknown target or one outside the caller\'s view 404; a reader who is no manager 403; bad kind 422', async () => {
    checkError(await issue('household', 99999999), 404, 'not_found')
    checkError(await issue('building', compound.id), 404, 'not_found') // a compound is no building
    checkError(await issue('stall', places.facility.id), 404, 'not_found') // a facility is no stall
    checkError(await issue('household', home.id, outside.token), 404, 'not_found')
    checkError(await issue('compound', compound.id, outside.token), 404, 'not_found')
    checkError(await issue('castle', home.id), 422, 'invalid_input', { field: 'kind' })
    checkError(await srv.post('/api/codes', { kind: 'household' }, { token: grid.token }), 422, 'invalid_input', { field: 'target_id' })
    // The steward reads 1号楼's registry but manages no codes: a new door there gets no code from it.
    const h = await made('/api/households', { building_id: building1.id, unit: '9', floor: 9, room: fresh('9') })
    checkError(await issue('household', h.id, steward.token), 403, 'forbidden')
    checkError(await srv.post('/api/codes', { kind: 'household', target_id: home.id }), 401, 'unauthenticated')
  })

  test('issuing is audited and published as code.issued (scope the code\'s path; no token in the event)', async () => {
    const stream = await srv.events({ token: community.token })
    try {
      const t0 = Date.now()
      const { place, code } = await freshCode('checkpoint')
      const ev = await stream.nextEvent('code.issued', (d) => d.payload?.number === code.number)
      frames.push(ev.raw)
      assertSchema(ev.data, 'Event', 'code.issued')
      assert.deepEqual(ev.data.payload, { number: code.number, kind: 'checkpoint', target_id: place.id, path: place.path })
      assert.equal(ev.data.scope, place.path)
      assert.ok(!ev.raw.includes(code.token), 'the event carries the token')
      const audit = check(await srv.get(`/api/audit?actor=${grid.account.id}&since=${t0}&limit=200`, { token: admin.token }), 200, 'AuditPage')
      assert.ok(audit.items.some((r) => /issu/.test(r.action) && JSON.stringify(r).includes(code.number)),
        `no audit record of issuing ${code.number}: ${JSON.stringify(audit.items.map((r) => r.action))}`)
    } finally {
      stream.close()
    }
  })
})

// ---------------------------------------------------------------------------------------

/** Strings a public answer about 王芳's door must never contain. */
const PRIVATE = [...home.persons.flatMap((p) => [p.name, p.id_number, p.phone].filter(Boolean)), ...RAW, home.room, home.address]

function publicCard(body, kind, ctx) {
  const text = JSON.stringify(body)
  assert.equal(body.view, 'public', ctx)
  // No person, no room: for the kinds that are not places (a function room may be called 活动室)
  // not even the words room (室) and unit (单元).
  for (const s of [...PRIVATE, ...(PLACE_KINDS.includes(kind) ? [] : ['室', '单元'])])
    assert.ok(!text.includes(s), `${ctx}: a public answer contains ${JSON.stringify(s)}: ${text}`)
  for (const key of ['household', 'node', 'persons']) assert.ok(!(key in body), `${ctx}: a public answer carries ${key}`)
  assert.deepEqual(body.actions.map((a) => a.name), ['report_problem'], ctx)
  assert.equal(body.label, kind === 'household' ? building2.name : TARGETS[kind].label, ctx)
  if (PLACE_KINDS.includes(kind)) {
    const p = places[kind]
    assert.deepEqual(body.place, { id: p.id, kind: p.kind, name: p.name, operator: p.operator }, `${ctx}: the public place card`)
  } else assert.ok(!('place' in body), ctx)
}

function commonCard(body, kind, ctx) {
  const c = codes[kind]
  assert.deepEqual([body.token, body.kind, body.number], [c.token, kind, c.number], ctx)
  assert.deepEqual(body.community, { id: kangcheng.id, name: kangcheng.name }, ctx)
  assert.deepEqual(body.grid, { id: gridNode.id, name: gridNode.name }, ctx)
  for (const a of body.actions) assert.ok(typeof a.href === 'string' && a.href.length > 0, `${ctx}: action ${a.name} without href`)
}

describe('resolution: what each caller sees', () => {
  // kind × caller → view (codes.md, "Resolution")
  const CALLERS = {
    'the grid worker (in scope)': () => grid.token,
    'the household member (demo resident 王芳)': () => resident.token,
    'a household member without any grant': () => member.token,
    'a grid worker of another community': () => outside.token,
    anonymous: () => undefined,
  }
  const expected = (kind, caller) => {
    if (caller.startsWith('the grid worker')) return 'staff'
    if (kind === 'household' && caller.includes('member')) return 'member'
    return 'public'
  }

  for (const kind of ['household', 'building', 'compound', ...PLACE_KINDS])
    test(`a ${kind} code`, async () => {
      for (const [caller, token] of Object.entries(CALLERS)) {
        // The demo resident holds a resident grant at "/": a grant covering every target, so
        // for the kinds other than households it is "in scope" (codes.md: any grant). Only the
        // household row is about her being a member.
        if (caller.startsWith('the household member') && kind !== 'household') continue
        const ctx = `${kind} code scanned by ${caller}`
        const body = check(await resolve(codes[kind].token, { token: token() }), 200, 'CodeResolution')
        const view = expected(kind, caller)
        assert.equal(body.view, view, `${ctx}: ${JSON.stringify(body)}`)
        commonCard(body, kind, ctx)
        const names = body.actions.map((a) => a.name)
        if (view === 'public') publicCard(body, kind, ctx)
        else if (view === 'member') {
          assert.equal(body.label, home.address, ctx)
          assert.deepEqual(body.household, { id: home.id, address: home.address }, ctx)
          assert.deepEqual(names.sort(), ['my_household', 'open_household', 'report_problem'], ctx)
          assert.ok(!('persons' in body.household) && !('node' in body) && !('place' in body), ctx)
        } else {
          assert.equal(body.label, TARGETS[kind].label, ctx)
          assert.ok(names.includes('report_problem') && names.includes('check_in'), `${ctx}: ${names}`)
          assert.ok(!names.includes('my_household'), ctx)
          if (kind === 'household') {
            assert.deepEqual(names.sort(), ['check_in', 'open_household', 'record_visit', 'report_problem'], ctx)
            assert.equal(body.household.id, home.id)
            assert.equal(body.household.address, home.address)
            assert.deepEqual(body.household.persons.map((p) => p.id).sort(), home.persons.map((p) => p.id).sort(), ctx)
            for (const p of body.household.persons) {
              const q = home.persons.find((x) => x.id === p.id)
              assert.deepEqual([p.name, p.gender, p.relation, p.tags, p.id_masked, p.phone_masked],
                [q.name, q.gender, q.relation, q.tags, q.id_number, q.phone], `${ctx}: person ${q.name} is not masked as everywhere`)
            }
            const text = JSON.stringify(body)
            for (const raw of RAW) assert.ok(!text.includes(raw), `${ctx}: a raw ID number or phone`)
          } else if (kind === 'building' || kind === 'compound') {
            assert.deepEqual(names.sort(), ['check_in', 'report_problem'], ctx)
            const n = kind === 'building' ? building2 : compound
            const count = (await allPages(srv, `/api/households?node=${n.id}`, admin.token, (r) => check(r, 200))).length
            assert.deepEqual(body.node, { id: n.id, kind, name: n.name, households: count }, ctx)
            assert.ok(!('household' in body) && !('place' in body), ctx)
          } else {
            assert.deepEqual(names.sort(), ['check_in', 'report_problem'], ctx)
            assert.deepEqual(body.place, await asAdmin(`/api/places/${places[kind].id}`, 'Place'), ctx)
            assert.ok(!('household' in body) && !('node' in body), ctx)
          }
        }
      }
    })

  test('the elder\'s door: the elder is a member, its steward staff; 王芳 (a resident, no registry reader) public', async () => {
    const res = await issue('household', elderHome.id) // the demo may have issued it
    const code = check(res, res.status === 200 ? 200 : 201, 'Code')
    const as = async (s) => check(await resolve(code.token, { token: s?.token }), 200, 'CodeResolution')
    assert.equal((await as(elder)).view, 'member')
    const staff = await as(steward)
    assert.equal(staff.view, 'staff')
    assert.ok(staff.household.persons.some((p) => p.name === '刘桂兰'))
    const pub = await as(resident)
    assert.equal(pub.view, 'public')
    const text = JSON.stringify(pub)
    for (const s of ['刘桂兰', '101', '室', ...elderHome.persons.flatMap((p) => [p.id_number, p.phone].filter(Boolean))])
      assert.ok(!text.includes(s), `a public answer shows ${s}: ${text}`)
    assert.equal(pub.label, building1.name)
  })

  test('a session that is not valid is anonymous, not 401; the answer is not cached by the browser', async () => {
    const res = await resolve(codes.household.token, { token: 'not-a-session-token-at-all-0123456789' })
    const body = check(res, 200, 'CodeResolution')
    assert.equal(body.view, 'public')
    assert.match(res.header('cache-control') || '', /no-store/)
  })
})

// ---------------------------------------------------------------------------------------

describe('tampered, unknown and malformed tokens', () => {
  test('one changed character, a random token, a short or long one: the same 404 "no such code"', async () => {
    const ip = from(11)
    const unknown = checkError(await resolve(randomToken(), ip), 404, 'not_found', { ref: 'NotFound' })
    const t = codes.household.token
    for (const i of [0, 5, 11, 12, 17, 23]) {
      const e = checkError(await resolve(flip(t, i), ip), 404, 'not_found', { ref: 'NotFound' })
      assert.deepEqual(e, unknown, `position ${i}: not the answer of an unknown token`)
    }
    for (const bad of [t.slice(0, 23), `${t}A`, `${t}${t}`, `${t.slice(0, 23)}.`, `${t.slice(0, 23)}~`, `${t.slice(0, 22)}%3D%3D`]) {
      const e = checkError(await resolve(bad, ip), 404, 'not_found', { ref: 'NotFound' })
      assert.deepEqual(e, unknown, `${bad}: not the answer of an unknown token`)
    }
    // The real one still answers.
    check(await resolve(t, ip), 200, 'CodeResolution')
  })

  test('GET /c/{token}: the app page with 200 for an active code, 404 for any other token', async () => {
    const ip = from(12)
    const ok = await srv.get(`/c/${codes.building.token}`, ip)
    check(ok, 200)
    assert.match(ok.header('content-type'), /^text\/html/)
    assert.match(ok.text, /<html/i)
    for (const t of [randomToken(), flip(codes.building.token, 7), codes.building.token.slice(1)]) {
      const res = await srv.get(`/c/${t}`, ip)
      check(res, 404)
      assert.match(res.header('content-type'), /^text\/html/)
      assert.equal(res.text, ok.text, 'the same page whatever the status')
    }
  })
})

// ---------------------------------------------------------------------------------------

describe('revoking and rotating', () => {
  test('reasons are 4 to 200 characters (422 field reason); the code stays active', async () => {
    const { code } = await freshCode()
    for (const path of ['revoke', 'rotate'])
      for (const body of [{}, { reason: 'abc' }, { reason: 'x'.repeat(201) }, { reason: 12345 }])
        checkError(await srv.post(`/api/codes/${code.token}/${path}`, body, { token: grid.token }), 422, 'invalid_input', { field: 'reason' })
    assert.equal(check(await resolve(code.token, { token: grid.token }), 200, 'CodeResolution').token, code.token)
  })

  test('a revoked code answers 410 everywhere, forever; the target can be issued a new code', async () => {
    const ip = from(13)
    const { place, code } = await freshCode('stall')
    const stream = await srv.events({ token: community.token })
    const t0 = Date.now()
    const reason = fresh('摊位撤销核实')
    try {
      const revoked = check(await srv.post(`/api/codes/${code.token}/revoke`, { reason }, { token: grid.token }), 200, 'Code')
      assert.deepEqual({ ...revoked, status: 'active', retired_at: null }, code, 'revoking changes only status and retired_at')
      assert.equal(revoked.status, 'revoked')
      assert.ok(revoked.retired_at >= code.created_at)
      const ev = await stream.nextEvent('code.revoked', (d) => d.payload?.number === code.number)
      frames.push(ev.raw)
      assertSchema(ev.data, 'Event', 'code.revoked')
      assert.equal(ev.data.scope, place.path)
    } finally {
      stream.close()
    }
    const gone = checkError(await resolve(code.token, ip), 410, 'gone', { ref: 'Gone' })
    assert.ok(!JSON.stringify(gone).includes(place.name), 'a retired code says what it pointed to')
    checkError(await resolve(code.token, { ...ip, token: admin.token }), 410, 'gone')
    checkError(await srv.get(`/api/codes/${code.token}/png`, { token: grid.token }), 410, 'gone')
    checkError(await srv.get(`/api/codes/${code.token}/svg`, { token: grid.token }), 410, 'gone')
    checkError(await srv.post(`/api/codes/${code.token}/checkins`, { purpose: 'patrol' }, { token: grid.token }), 410, 'gone')
    checkError(await srv.post(`/api/codes/${code.token}/revoke`, { reason }, { token: grid.token }), 410, 'gone')
    checkError(await srv.post(`/api/codes/${code.token}/rotate`, { reason }, { token: grid.token }), 410, 'gone')
    const page = await srv.get(`/c/${code.token}`, ip)
    check(page, 410)
    assert.match(page.header('content-type'), /^text\/html/)
    // Not listed any more, not by number either.
    const listed = await allPages(srv, `/api/codes?node=${compound.id}&kind=stall`, grid.token, (r) => check(r, 200, 'CodeList'))
    assert.ok(!listed.some((x) => x.token === code.token), 'a revoked code is listed')
    assert.deepEqual(check(await srv.get(`/api/codes?number=${code.number}`, { token: grid.token }), 200, 'CodeList').items, [])
    // Issuing again makes a new code; the old token still answers 410.
    const next = check(await issue('stall', place.id), 201, 'Code')
    assert.notEqual(next.token, code.token)
    assert.notEqual(next.number, code.number)
    checkError(await resolve(code.token, ip), 410, 'gone')
    // The reason is in the audit log.
    const audit = check(await srv.get(`/api/audit?actor=${grid.account.id}&since=${t0}&limit=200`, { token: admin.token }), 200, 'AuditPage')
    assert.ok(audit.items.some((r) => /revok/.test(r.action) && r.reason === reason), `no audit record with the reason: ${JSON.stringify(audit.items)}`)
  })

  test('rotating retires the code (410) and answers a new one for the same target (201)', async () => {
    const ip = from(14)
    const { place, code } = await freshCode('function_room')
    const t0 = Date.now()
    const reason = fresh('门牌被复制换码')
    const stream = await srv.events({ token: community.token })
    let next
    try {
      next = check(await srv.post(`/api/codes/${code.token}/rotate`, { reason }, { token: grid.token }), 201, 'Code')
      const ev = await stream.nextEvent('code.rotated', (d) => d.payload?.number === code.number)
      frames.push(ev.raw)
      assertSchema(ev.data, 'Event', 'code.rotated')
    } finally {
      stream.close()
    }
    assert.notEqual(next.token, code.token)
    assert.notEqual(next.number, code.number)
    assert.deepEqual([next.kind, next.target_id, next.status, next.retired_at, next.label, next.path],
      ['function_room', place.id, 'active', null, place.name, place.path])
    assert.equal(next.url, `${BASE}/c/${next.token}`)
    checkError(await resolve(code.token, ip), 410, 'gone')
    const now = check(await resolve(next.token, { token: grid.token }), 200, 'CodeResolution')
    assert.equal(now.view, 'staff')
    assert.equal(now.place.id, place.id)
    const listed = await allPages(srv, `/api/codes?node=${compound.id}&kind=function_room`, grid.token, (r) => check(r, 200, 'CodeList'))
    assert.deepEqual(listed.filter((x) => x.target_id === place.id).map((x) => x.token), [next.token], 'one active code per target')
    assert.equal(check(await issue('function_room', place.id), 200, 'Code').token, next.token)
    const audit = check(await srv.get(`/api/audit?actor=${grid.account.id}&since=${t0}&limit=200`, { token: admin.token }), 200, 'AuditPage')
    assert.ok(audit.items.some((r) => /rotat/.test(r.action) && r.reason === reason), `no audit record with the reason: ${JSON.stringify(audit.items)}`)
  })

  test('who may retire: code managers in scope; a steward 403; another community\'s worker 404', async () => {
    const { code } = await freshCode('facility', building1)
    checkError(await srv.post(`/api/codes/${code.token}/revoke`, { reason: '管家无权撤销' }, { token: steward.token }), 403, 'forbidden')
    checkError(await srv.post(`/api/codes/${code.token}/rotate`, { reason: '外社区无权换码' }, { token: outside.token }), 404, 'not_found')
    checkError(await srv.post(`/api/codes/${randomToken()}/revoke`, { reason: '没有这个码' }, { token: grid.token }), 404, 'not_found')
    checkError(await srv.post(`/api/codes/${code.token}/revoke`, { reason: '未登录' }), 401, 'unauthenticated')
    check(await srv.post(`/api/codes/${code.token}/revoke`, { reason: '社区干部撤销' }, { token: community.token }), 200, 'Code')
  })
})

// ---------------------------------------------------------------------------------------

describe('check-ins', () => {
  const at = (token) => `/api/codes/${token}/checkins`
  const checkIn = (body, token, code = codes.household) => srv.post(at(code.token), body, { token })

  test('201, the same within 5 minutes 200 duplicate with the first one; another purpose is another check-in', async () => {
    const stream = await srv.events({ token: grid.token })
    try {
      const first = check(await checkIn({ purpose: 'visit' }, grid.token), 201, 'CheckinResult')
      assert.equal(first.duplicate, false)
      const c = first.checkin
      assert.deepEqual([c.kind, c.account_id, c.purpose, c.lat, c.lon, c.accuracy_m], ['household', grid.account.id, 'visit', null, null, null])
      assert.ok(Math.abs(c.at - Date.now()) < 60000)
      const again = check(await checkIn({ purpose: 'visit' }, grid.token), 200, 'CheckinResult')
      assert.equal(again.duplicate, true)
      assert.deepEqual(again.checkin, c)
      const ev = await stream.nextEvent('code.checked_in', (d) => d.payload?.account_id === grid.account.id && d.payload?.purpose === 'visit')
      frames.push(ev.raw)
      assertSchema(ev.data, 'Event', 'code.checked_in')
      assert.deepEqual(ev.data.payload, { number: codes.household.number, kind: 'household', target_id: home.id, purpose: 'visit', account_id: grid.account.id })
      assert.equal(ev.data.scope, home.path)
      assert.ok(!ev.raw.includes(codes.household.token))
    } finally {
      stream.close()
    }
    const patrol = check(await checkIn({ purpose: 'patrol' }, grid.token), 201, 'CheckinResult')
    assert.equal(patrol.duplicate, false)
    const positioned = check(await checkIn({ purpose: 'inspection', lat: 39.6052, lon: 109.7813, accuracy_m: 12.5 }, grid.token), 201, 'CheckinResult')
    assert.deepEqual([positioned.checkin.lat, positioned.checkin.lon, positioned.checkin.accuracy_m], [39.6052, 109.7813, 12.5])
    // No purpose: check_in.
    const plain = check(await checkIn({}, admin.token), 201, 'CheckinResult')
    assert.equal(plain.checkin.purpose, 'check_in')
  })

  test('bad input names the field', async () => {
    const bad = async (body, field) => checkError(await checkIn(body, grid.token), 422, 'invalid_input', { field })
    await bad({ purpose: 'dance' }, 'purpose')
    await bad({ lat: 39.6, lon: 109.78 }, 'accuracy_m')
    await bad({ lat: 91, lon: 109.78, accuracy_m: 5 }, 'lat')
    await bad({ lat: -90.5, lon: 109.78, accuracy_m: 5 }, 'lat')
    await bad({ lat: 39.6, lon: 181, accuracy_m: 5 }, 'lon')
    await bad({ lat: 39.6, lon: 109.78, accuracy_m: 10001 }, 'accuracy_m')
    await bad({ lat: 39.6, lon: 109.78, accuracy_m: -1 }, 'accuracy_m')
    await bad({ lat: 'north', lon: 109.78, accuracy_m: 5 }, 'lat')
    const alone = checkError(await checkIn({ lat: 39.6, accuracy_m: 5 }, grid.token), 422, 'invalid_input')
    assert.ok(['lon', 'lat'].includes(alone.field), `lat without lon names ${alone.field}`)
  })

  test('who may: a grant covering the code, or a member of the household; others 403; no session 401', async () => {
    check(await checkIn({ purpose: 'visit' }, resident.token), 201, 'CheckinResult') // a member (and a grant at "/")
    check(await checkIn({ purpose: 'visit' }, member.token), 201, 'CheckinResult') // a member with no grant at all
    check(await checkIn({ purpose: 'visit' }, community.token), 201, 'CheckinResult')
    checkError(await checkIn({ purpose: 'visit' }, outside.token), 403, 'forbidden')
    checkError(await checkIn({ purpose: 'visit' }, steward.token), 403, 'forbidden') // 1号楼's steward, 2号楼's door
    checkError(await checkIn({ purpose: 'visit' }, elder.token), 403, 'forbidden') // a resident of 1号楼, not of this household
    checkError(await checkIn({ purpose: 'visit' }, undefined), 401, 'unauthenticated')
    // A place: any grant covering it; the member without grants is nobody there.
    check(await checkIn({ purpose: 'patrol' }, grid.token, codes.checkpoint), 201, 'CheckinResult')
    checkError(await checkIn({ purpose: 'patrol' }, member.token, codes.checkpoint), 403, 'forbidden')
    checkError(await checkIn({ purpose: 'patrol' }, outside.token, codes.checkpoint), 403, 'forbidden')
    checkError(await srv.post(at(randomToken()), { purpose: 'patrol' }, { token: grid.token }), 404, 'not_found')
  })

  test('the list: newest first, paged; registry readers and code managers over the code', async () => {
    const all = await allPages(srv, at(codes.household.token), grid.token, (r) => check(r, 200, 'CheckinList'))
    assert.ok(all.length >= 6, `${all.length} check-ins listed`)
    const ids = all.map((c) => c.id)
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'not newest first')
    assert.ok(all.every((c) => c.kind === 'household'))
    const one = check(await srv.get(`${at(codes.household.token)}?limit=1`, { token: grid.token }), 200, 'CheckinList')
    assert.equal(one.items[0].id, ids[0])
    const two = check(await srv.get(`${at(codes.household.token)}?limit=1&after=${one.next_after}`, { token: grid.token }), 200, 'CheckinList')
    assert.equal(two.items[0].id, ids[1])
    check(await srv.get(at(codes.household.token), { token: community.token }), 200, 'CheckinList')
    checkError(await srv.get(at(codes.household.token), { token: resident.token }), 403, 'forbidden')
    checkError(await srv.get(at(codes.household.token), { token: outside.token }), 404, 'not_found')
    checkError(await srv.get(at(codes.household.token)), 401, 'unauthenticated')
    checkError(await srv.get(`${at(codes.household.token)}?limit=500`, { token: grid.token }), 422, 'invalid_input', { field: 'limit' })
  })
})

// ---------------------------------------------------------------------------------------

describe('images', () => {
  test('PNG: decodes to the code\'s url; level Q, a version 4–5 symbol, a 4-module quiet zone, px pixels per module', async () => {
    for (const [kind, px] of [['household', 8], ['stall', 4], ['compound', 12]]) {
      const code = codes[kind]
      const res = await srv.get(`/api/codes/${code.token}/png${px === 8 ? '' : `?px=${px}`}`, { token: grid.token })
      check(res, 200)
      assert.equal(res.header('content-type'), 'image/png')
      const qr = readQr(res.buf, px)
      assert.equal(qr.level, 'Q', `${kind}: error correction ${qr.level}`)
      assert.ok([33, 37].includes(qr.modules), `${kind}: a 50-byte URL in ${qr.modules} modules (version ${qr.version})`)
      assert.deepEqual(await zbarBuffer(res.buf), [code.url], `${kind}: zbarimg`)
    }
    // 1 and 32 are allowed.
    const tiny = await srv.get(`/api/codes/${codes.building.token}/png?px=1`, { token: grid.token })
    check(tiny, 200)
    const big = await srv.get(`/api/codes/${codes.building.token}/png?px=32`, { token: grid.token })
    check(big, 200)
    assert.equal(readQr(big.buf, 32).modules, readQr(tiny.buf, 1).modules)
  })

  test('px must be 1 to 32 (422 field px)', async () => {
    for (const px of ['0', '33', 'x', '-1', '1.5'])
      checkError(await srv.get(`/api/codes/${codes.household.token}/png?px=${px}`, { token: grid.token }), 422, 'invalid_input', { field: 'px' })
  })

  test('SVG', async () => {
    const res = await srv.get(`/api/codes/${codes.household.token}/svg`, { token: grid.token })
    check(res, 200)
    assert.equal(res.header('content-type'), 'image/svg+xml')
    assert.match(res.text, /<svg[\s>]/)
    assert.ok(!res.text.includes('<script'), 'an SVG with a script')
  })

  test('who may render: code managers and stewards over the code; no session 401; unknown 404', async () => {
    const code = check(await issue('household', elderHome.id), 200, 'Code') // issued by the resolution test
    for (const s of [steward, grid, community]) {
      check(await srv.get(`/api/codes/${code.token}/png`, { token: s.token }), 200)
      check(await srv.get(`/api/codes/${code.token}/svg`, { token: s.token }), 200)
    }
    checkError(await srv.get(`/api/codes/${code.token}/png`), 401, 'unauthenticated')
    checkError(await srv.get(`/api/codes/${code.token}/png`, { token: outside.token }), 404, 'not_found')
    checkError(await srv.get(`/api/codes/${randomToken()}/svg`, { token: grid.token }), 404, 'not_found')
  })
})

// ---------------------------------------------------------------------------------------

describe('places', () => {
  test('create, list, read and change; Location; audited and published', async () => {
    const stream = await srv.events({ token: community.token })
    let p
    try {
      const res = await srv.post('/api/places', { node_id: building2.id, kind: 'facility', name: fresh('2号楼快递柜'), operator: '丰巢' }, { token: community.token })
      p = check(res, 201, 'Place')
      assert.equal(res.header('location'), `/api/places/${p.id}`)
      assert.deepEqual([p.node_id, p.kind, p.operator, p.path], [building2.id, 'facility', '丰巢', building2.path])
      const ev = await stream.nextEvent('place.created', (d) => d.payload?.place_id === p.id)
      frames.push(ev.raw)
      assertSchema(ev.data, 'Event', 'place.created')
      assert.deepEqual(ev.data.payload, { place_id: p.id, node_id: building2.id, name: p.name })
      const changed = check(await srv.request('PATCH', `/api/places/${p.id}`, { token: community.token, json: { operator: '中国邮政' } }), 200, 'Place')
      assert.deepEqual({ ...changed, operator: '丰巢', updated_at: p.updated_at }, p)
      assert.ok(changed.updated_at >= p.updated_at)
      const ev2 = await stream.nextEvent('place.updated', (d) => d.payload?.place_id === p.id)
      assertSchema(ev2.data, 'Event', 'place.updated')
      const renamed = check(await srv.request('PATCH', `/api/places/${p.id}`, { token: admin.token, json: { name: `${p.name}A` } }), 200, 'Place')
      assert.deepEqual([renamed.name, renamed.operator], [`${p.name}A`, '中国邮政'])
      p = renamed
    } finally {
      stream.close()
    }
    assert.deepEqual(check(await srv.get(`/api/places/${p.id}`, { token: grid.token }), 200, 'Place'), p)
    const listed = await allPages(srv, `/api/places?node=${building2.id}`, grid.token, (r) => check(r, 200, 'PlaceList'))
    assert.ok(listed.some((x) => x.id === p.id))
    const stalls = await allPages(srv, `/api/places?node=${compound.id}&kind=stall`, grid.token, (r) => check(r, 200, 'PlaceList'))
    assert.ok(stalls.length >= 1 && stalls.every((x) => x.kind === 'stall'))
    assert.ok(stalls.some((x) => x.id === places.stall.id))
    const everywhere = await allPages(srv, '/api/places', grid.token, (r) => check(r, 200, 'PlaceList'))
    assert.ok(everywhere.every((x) => x.path.startsWith(gridNode.path)), 'a grid worker sees only places under its grid')
    const ids = everywhere.map((x) => x.id)
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b))
    const audit = check(await srv.get(`/api/audit?target=place:${p.id}`, { token: admin.token }), 200, 'AuditPage')
    assert.deepEqual(audit.items.map((r) => r.action).sort(), ['place.created', 'place.updated', 'place.updated'])
  })

  test('bad input names the field; the same name twice on a node 409', async () => {
    const post = (body) => srv.post('/api/places', { node_id: compound.id, kind: 'stall', name: fresh('摊位'), ...body }, { token: community.token })
    checkError(await post({ kind: 'castle' }), 422, 'invalid_input', { field: 'kind' })
    checkError(await post({ name: '' }), 422, 'invalid_input', { field: 'name' })
    checkError(await post({ name: 'a\u0001b' }), 422, 'invalid_input', { field: 'name' })
    checkError(await post({ name: '摊'.repeat(43) }), 422, 'invalid_input', { field: 'name' }) // 129 bytes
    check(await post({ name: `${'摊'.repeat(42)}ok` }), 201, 'Place') // 128 bytes
    checkError(await post({ operator: '王'.repeat(21) + 'ab' }), 422, 'invalid_input', { field: 'operator' }) // 65 bytes
    check(await post({ operator: '王'.repeat(21) + 'a' }), 201, 'Place') // 64 bytes
    checkError(await post({ node_id: 'x' }), 422, 'invalid_input', { field: 'node_id' })
    checkError(await post({ node_id: 99999999 }), 404, 'not_found')
    checkError(await post({ name: places.stall.name }), 409, 'conflict')
    checkError(await srv.request('PATCH', `/api/places/${places.stall.id}`, { token: community.token, json: { name: places.facility.name } }), 409, 'conflict')
    checkError(await srv.request('PATCH', `/api/places/${places.stall.id}`, { token: community.token, json: { operator: 'x'.repeat(65) } }), 422, 'invalid_input', { field: 'operator' })
    checkError(await srv.get('/api/places?kind=castle', { token: grid.token }), 422, 'invalid_input', { field: 'kind' })
    checkError(await srv.get('/api/places?limit=0', { token: grid.token }), 422, 'invalid_input', { field: 'limit' })
    checkError(await srv.get('/api/places/x', { token: grid.token }), 404, 'not_found')
    checkError(await srv.get('/api/places'), 401, 'unauthenticated')
  })

  test('who shapes places: whoever may add nodes there; a grid worker 403, a resident 403, another community 404', async () => {
    const body = () => ({ node_id: compound.id, kind: 'stall', name: fresh('权限摊位') })
    checkError(await srv.post('/api/places', body(), { token: grid.token }), 403, 'forbidden')
    checkError(await srv.post('/api/places', body(), { token: resident.token }), 403, 'forbidden')
    checkError(await srv.post('/api/places', body(), { token: steward.token }), 403, 'forbidden') // sees 康城小区 (an ancestor of its grant)
    checkError(await srv.post('/api/places', body(), { token: outside.token }), 404, 'not_found')
    checkError(await srv.request('PATCH', `/api/places/${places.stall.id}`, { token: grid.token, json: { operator: '网格员改' } }), 403, 'forbidden')
    checkError(await srv.request('PATCH', `/api/places/${places.stall.id}`, { token: outside.token, json: { operator: '外社区改' } }), 404, 'not_found')
    checkError(await srv.get(`/api/places/${places.stall.id}`, { token: outside.token }), 404, 'not_found')
    checkError(await srv.get(`/api/places?node=${compound.id}`, { token: outside.token }), 404, 'not_found')
    check(await srv.post('/api/places', body(), { token: admin.token }), 201, 'Place')
  })
})

// ---------------------------------------------------------------------------------------

describe('scan statistics', () => {
  test('scans per day and view, per kind, and the most scanned, under a node (the log is written about once a second)', async () => {
    const b = await made('/api/nodes', { parent_id: compound.id, kind: 'building', name: fresh('统计楼') })
    const code = check(await issue('building', b.id), 201, 'Code')
    for (let i = 0; i < 3; i++) assert.equal(check(await resolve(code.token), 200, 'CodeResolution').view, 'public')
    for (let i = 0; i < 2; i++) assert.equal(check(await resolve(code.token, { token: grid.token }), 200, 'CodeResolution').view, 'staff')
    const cst = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10)
    const stats = await waitFor(
      async () => {
        const s = check(await srv.get(`/api/code-stats?node=${b.id}&days=1`, { token: community.token }), 200, 'CodeStats')
        return s.top[0]?.scans === 5 ? s : null
      },
      { ms: 3500, every: 100, what: '5 scans in the statistics' },
    )
    assert.equal(stats.node_id, b.id)
    assert.equal(stats.days, 1)
    assert.deepEqual(stats.by_day, [{ day: cst, public: 3, member: 0, staff: 2 }])
    assert.deepEqual(stats.by_kind, [{ kind: 'building', scans: 5 }])
    assert.deepEqual(stats.top, [{ token: code.token, number: code.number, kind: 'building', label: b.name, scans: 5 }])
    // Default: 14 days, oldest first, ending today.
    const two = check(await srv.get(`/api/code-stats?node=${b.id}`, { token: grid.token }), 200, 'CodeStats')
    assert.equal(two.days, 14)
    assert.equal(two.by_day.length, 14)
    assert.equal(two.by_day.at(-1).day, cst)
    assert.deepEqual(two.by_day.map((d) => d.day), [...two.by_day.map((d) => d.day)].sort())
    // Under the compound: at least these, and the resolutions of the other tests.
    const wide = check(await srv.get(`/api/code-stats?node=${compound.id}&days=1`, { token: grid.token }), 200, 'CodeStats')
    const sum = (s) => s.by_day.reduce((n, d) => n + d.public + d.member + d.staff, 0)
    assert.ok(sum(wide) >= 5 + 5, `${sum(wide)} scans under 康城小区`)
    assert.ok(wide.by_day[0].member >= 1, 'the members\' scans are not counted')
    check(await srv.get(`/api/code-stats?node=${building1.id}`, { token: steward.token }), 200, 'CodeStats')
  })

  test('days 1 to 90 (422 field days); a node outside the caller\'s view 404; callers who may not list codes 403', async () => {
    for (const d of ['0', '91', 'x'])
      checkError(await srv.get(`/api/code-stats?days=${d}`, { token: grid.token }), 422, 'invalid_input', { field: 'days' })
    checkError(await srv.get(`/api/code-stats?node=${compound.id}`, { token: outside.token }), 404, 'not_found')
    checkError(await srv.get(`/api/code-stats?node=${compound.id}`, { token: resident.token }), 403, 'forbidden')
    checkError(await srv.get('/api/code-stats'), 401, 'unauthenticated')
  })
})

// ---------------------------------------------------------------------------------------

describe('the guessing limit (last: it empties two addresses\' buckets)', () => {
  const metric = (text, outcome) => {
    const m = new RegExp(`^mashang_code_resolutions_total\\{outcome="${outcome}"\\} ([0-9.e+]+)$`, 'm').exec(text)
    assert.ok(m, `no mashang_code_resolutions_total{outcome="${outcome}"} in /metrics`)
    return Number(m[1])
  }

  test('30 failed resolutions from one address, then 429 with Retry-After for every token from there', async () => {
    const ip = from(50)
    const before = check(await srv.get('/metrics'), 200)
    let failures = 0
    let limited = null
    for (let i = 0; i < 45 && !limited; i++) {
      const res = await resolve(randomToken(), ip)
      if (res.status === 404) failures++
      else limited = res
    }
    assert.ok(limited, `no 429 after ${failures} unknown tokens`)
    checkError(limited, 429, 'rate_limited', { ref: 'RateLimited' })
    assert.ok(failures >= 30 && failures <= 31, `the bucket held ${failures} failures, codes.md says 30`)
    assert.ok(Number(limited.header('retry-after')) >= 1)
    // Now even a good token answers 429 from there (signed in or not) ...
    checkError(await resolve(codes.building.token, ip), 429, 'rate_limited')
    checkError(await resolve(codes.building.token, { ...ip, token: grid.token }), 429, 'rate_limited')
    // ... and from another address it answers as before.
    assert.equal(check(await resolve(codes.building.token, from(51)), 200, 'CodeResolution').view, 'public')
    // Retired codes count as failures too.
    const { code } = await freshCode('stall')
    check(await srv.post(`/api/codes/${code.token}/revoke`, { reason: '测试猜码限制' }, { token: grid.token }), 200, 'Code')
    let gone = 0
    let limited2 = null
    for (let i = 0; i < 45 && !limited2; i++) {
      const res = await resolve(code.token, from(52))
      if (res.status === 410) gone++
      else limited2 = res
    }
    assert.ok(limited2 && gone >= 30 && gone <= 31, `${gone} answers 410 before ${limited2?.status}`)
    checkError(limited2, 429, 'rate_limited')

    const after = check(await srv.get('/metrics'), 200)
    for (const [outcome, atLeast] of [['limited', 4], ['not_found', failures], ['gone', gone], ['ok', 1]])
      assert.ok(metric(after, outcome) - metric(before, outcome) >= atLeast,
        `mashang_code_resolutions_total{outcome="${outcome}"} grew by ${metric(after, outcome) - metric(before, outcome)}, expected ≥ ${atLeast}`)
  })
})

// ---------------------------------------------------------------------------------------

test('no answer and no event of this file carries a raw ID number or phone number', async () => {
  await delay(10)
  const found = []
  for (const r of replies) for (const s of RAW) if (r.buf.includes(s)) found.push(`${r.method} ${r.path}: ${s}`)
  for (const f of frames) for (const s of RAW) if (f.includes(s)) found.push(`event: ${s}`)
  assert.deepEqual(found, [])
})

endsCleanly(srv)
