// Visits 探访 (docs/reference/care.md, issue 7): a visit proven by scanning the household's
// door code (一户一码) — the checks in their order (the body, the readings, the caller, the code,
// the household, the elder), the elder inferred from the household's one care profile, the flags of readings
// out of range and checks not working, the scan logged by the codes module, the live event;
// an elder's visits (staff over them, the elder); the visits due under a place (overdue once a
// visit's time is moved back in the database: the server's clock is real) and the steward told
// once per due date, by the minute's run that a second instance on the same database does as
// soon as it starts.
//
// The demo: 滨河街道 → 康城社区 (`community` staff) → 第一网格 (`grid` worker) → 康城小区 → 1号楼
// (the `steward`; the elder 刘桂兰 lives there, linked to her account, with a care profile).
// The doctor's grant is in another street; a doctor of 康城社区 is made here (care staff).
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'

import { assertSchema, check, checkError, delay, startServer, waitFor } from './harness.mjs'
import { Care, careSql } from './care-helpers.mjs'
import { randomToken } from './codes-helpers.mjs'

const DAY = 86400000
const LOGINS = ['admin', 'street', 'community', 'grid', 'steward', 'elder', 'resident', 'committee', 'doctor', 'volunteer', 'vendor']

const srv = await startServer()
let second = null // another instance on srv's database (the overdue run at its start)
let third = null
const streams = []
after(async () => {
  streams.forEach((s) => s.close())
  for (const s of [third, second, srv].filter(Boolean)) await s.kill()
})

const who = await Promise.all(LOGINS.map((l) => srv.loginAs(l)))
const U = Object.fromEntries(LOGINS.map((l, i) => [l, who[i]]))
const { admin, street, community, grid, steward, elder, resident, committee, doctor, volunteer, vendor } = U
const C = new Care(srv, admin)
const { street: streetA, community: kangcheng, compound, building } = await C.demoPlaces()
const elderP = await C.elderPerson(building)
const name = (login) => srv.account(login).display_name

// 宁馨社区 (the same street, another community) and a grid worker there; a doctor of 康城社区.
const ningxin = (await C.asAdmin(`/api/nodes?parent=${streetA.id}&limit=200`)).items.find((n) => n.name === '宁馨社区')
assert.ok(ningxin, 'the demo has no 宁馨社区')
const ningxinGrid = (await C.asAdmin(`/api/nodes?parent=${ningxin.id}&limit=200`)).items.find((n) => n.kind === 'grid')
const ningxinWorker = await C.account([{ role: 'grid_worker', scope: ningxinGrid.path }], 'visit.ningxin')
const kDoctor = await C.account([{ role: 'doctor', scope: kangcheng.path }], 'visit.kdoctor')
const gridNode = await C.asAdmin(`/api/nodes/${Number(srv.account('grid').scope.split('/').pop())}`)

// The elder's door: 刘桂兰 is the one person of her household with a care profile.
const elderDoor = await C.doorCode(elderP.household_id)
assert.equal(elderDoor.kind, 'household')
const ids = (l) => l.items.map((x) => x.id)

/** A fresh household of `b` with one person (a care profile every `days` days unless null): { person, profile, code }. */
async function freshHome(b = building, days = 7) {
  const person = await C.person(b)
  const profile = days === null ? null : check(await C.putProfile(person.id, { visit_every_days: days }, admin), 200, 'CareProfile')
  return { person, profile, code: await C.doorCode(person.household_id) }
}

/** The visit's answer, checked: 201, the schema, the place and the visitor, the time the server's. */
async function recorded(json, by, person, t0 = Date.now()) {
  const v = check(await C.visit(json, by), 201, 'CareVisit')
  assert.equal(v.person_id, person.id)
  assert.equal(v.household_id, person.household_id)
  assert.equal(v.visited_by, by.account.id)
  assert.ok(v.at >= t0 - 1000 && v.at <= Date.now() + 1000, `at ${v.at} is not the server's now`)
  return v
}

/** Subscribes to the live stream as `w`. */
async function subscribe(w) {
  const st = await srv.events({ token: w.token })
  check(st.reply, 200)
  streams.push(st)
  return st
}

// ---------------------------------------------------------------------------------------

describe('recording a visit', () => {
  test('the steward scans the elder\'s door: 201, the elder inferred; readings, checks and flags; nulls when left out', async () => {
    const t0 = Date.now()
    const json = { token: elderDoor.token, note: '精神不错，血压偏高，已提醒按时服药', systolic: 150, diastolic: 88, pulse: 76, water_ok: true, power_ok: true }
    const v = await recorded(json, steward, elderP, t0)
    assert.deepEqual(v, {
      id: v.id, person_id: elderP.id, household_id: elderP.household_id, path: building.path, visited_by: steward.account.id,
      visitor_name: name('steward'), note: json.note, systolic: 150, diastolic: 88, pulse: 76, water_ok: true, power_ok: true,
      gas_ok: null, flags: ['bp_high'], at: v.at,
    })
    // The token alone: nothing measured, nothing checked, no note.
    const bare = await recorded({ token: elderDoor.token }, steward, elderP)
    assert.ok(bare.id > v.id)
    assert.deepEqual([bare.note, bare.systolic, bare.diastolic, bare.pulse, bare.water_ok, bare.power_ok, bare.gas_ok, bare.flags],
      ['', null, null, null, null, null, null, []])
    // `null` is the same as left out; naming the elder herself works too.
    const nulls = await recorded({ token: elderDoor.token, person_id: elderP.id, note: null, systolic: null, diastolic: null, pulse: null, water_ok: null, power_ok: null, gas_ok: null }, steward, elderP)
    assert.deepEqual([nulls.note, nulls.systolic, nulls.water_ok, nulls.flags], ['', null, null, []])
    // Listed newest first.
    const list = check(await C.visits(`?person_id=${elderP.id}&limit=3`, steward), 200, 'CareVisitList')
    assert.deepEqual(ids(list), [nulls.id, bare.id, v.id])
    assert.deepEqual(list.items[2], v)
  })

  test('every care role over the building records (steward, grid worker, community and street staff, district admin, a doctor of the community)', async () => {
    const { person, code } = await freshHome()
    for (const w of [steward, grid, community, street, admin, kDoctor]) {
      const v = await recorded({ token: code.token, pulse: 70 }, w, person)
      assert.deepEqual([v.visitor_name, v.path, v.flags], [w.account.display_name, building.path, []])
    }
  })

  test('flags: blood pressure high (≥ 140 / ≥ 90) and low (≤ 90 / ≤ 60), pulse over 100 and under 50, water, power and gas not working', async () => {
    const { person, code } = await freshHome()
    const cases = [
      [{ systolic: 139, diastolic: 89 }, []],
      [{ systolic: 140, diastolic: 80 }, ['bp_high']],
      [{ systolic: 120, diastolic: 90 }, ['bp_high']],
      [{ systolic: 91, diastolic: 61 }, []],
      [{ systolic: 90, diastolic: 70 }, ['bp_low']],
      [{ systolic: 120, diastolic: 60 }, ['bp_low']],
      [{ systolic: 150, diastolic: 55 }, ['bp_high', 'bp_low']],
      [{ systolic: 260, diastolic: 180 }, ['bp_high']],
      [{ systolic: 50, diastolic: 30 }, ['bp_low']],
      [{ pulse: 100 }, []],
      [{ pulse: 101 }, ['pulse_high']],
      [{ pulse: 250 }, ['pulse_high']],
      [{ pulse: 50 }, []],
      [{ pulse: 49 }, ['pulse_low']],
      [{ pulse: 20 }, ['pulse_low']],
      [{ water_ok: true, power_ok: true, gas_ok: true }, []],
      [{ water_ok: false }, ['water']],
      [{ power_ok: false }, ['power']],
      [{ gas_ok: false }, ['gas']],
      [{ systolic: 180, diastolic: 100, pulse: 120, water_ok: false, power_ok: false, gas_ok: false }, ['bp_high', 'pulse_high', 'water', 'power', 'gas']],
    ]
    for (const [readings, flags] of cases) {
      const v = await recorded({ token: code.token, ...readings }, grid, person)
      assert.deepEqual(v.flags, flags, JSON.stringify(readings))
      for (const [k, x] of Object.entries(readings)) assert.equal(v[k], x, `${k} of ${JSON.stringify(readings)}`)
    }
    // Read back the same.
    const back = check(await C.visits(`?person_id=${person.id}&limit=200`, grid), 200, 'CareVisitList').items.reverse()
    assert.deepEqual(back.map((v) => v.flags), cases.map(([, f]) => f))
  })

  test('the checks in order: token, note, readings, blood pressure as a pair, the caller (403), the code (404, 410, 422), the household (404), the elder (422)', async () => {
    const unknown = randomToken()
    const bad = (json, w = resident) => C.visit(json, w)
    // The token: missing, empty, not a string, too long — before anything else (any caller).
    for (const json of [{}, { token: '' }, { token: null }, { token: 5 }, { token: 'x'.repeat(257) }, { token: '', note: 'x'.repeat(1001), systolic: 1 }])
      checkError(await bad(json), 422, 'invalid_input', { field: 'token' })
    // The note: over 1,000 bytes (334 × 3 bytes), before the readings and the code.
    for (const json of [{ token: unknown, note: 'x'.repeat(1001) }, { token: unknown, note: '很'.repeat(334) }, { token: unknown, note: 5 },
      { token: unknown, note: 'x'.repeat(1001), systolic: 1, pulse: 1 }])
      checkError(await bad(json), 422, 'invalid_input', { field: 'note' })
    // The readings: each out of its range names itself, in the order systolic, diastolic, pulse.
    const ranges = [
      [{ systolic: 49, diastolic: 40 }, 'systolic'], [{ systolic: 261, diastolic: 100 }, 'systolic'],
      [{ systolic: 120, diastolic: 29 }, 'diastolic'], [{ systolic: 200, diastolic: 181 }, 'diastolic'],
      [{ pulse: 19 }, 'pulse'], [{ pulse: 251 }, 'pulse'],
      [{ systolic: 300, diastolic: 300, pulse: 300 }, 'systolic'], [{ diastolic: 300, pulse: 300 }, 'diastolic'],
      [{ systolic: 300 }, 'systolic'], [{ systolic: 'x' }, 'systolic'], [{ pulse: 7.5 }, 'pulse'],
      // Blood pressure is both numbers, systolic above diastolic.
      [{ systolic: 120 }, 'diastolic'], [{ diastolic: 80 }, 'diastolic'], [{ systolic: 100, diastolic: 100 }, 'diastolic'],
      [{ systolic: 90, diastolic: 100 }, 'diastolic'], [{ systolic: 120, diastolic: 80, pulse: 10 }, 'pulse'],
      // The checks are booleans; person_id an integer.
      [{ water_ok: 'yes' }, 'water_ok'], [{ power_ok: 1 }, 'power_ok'], [{ gas_ok: 'false' }, 'gas_ok'], [{ person_id: 'x' }, 'person_id'],
    ]
    for (const [readings, field] of ranges) checkError(await bad({ token: unknown, ...readings }), 422, 'invalid_input', { field })

    // The caller, before the code: an account holding no care role at all is refused 403
    // whatever the token names (unknown, malformed, retired, not a door, a door it cannot see,
    // its own door) — it learns nothing of a token here. The elder at her own door too.
    const revoked = await freshHome()
    check(await srv.post(`/api/codes/${revoked.code.token}/revoke`, { reason: '探访测试撤码' }, { token: admin.token }), 200, 'Code')
    const rotated = await freshHome()
    const next = check(await srv.post(`/api/codes/${rotated.code.token}/rotate`, { reason: '探访测试换码' }, { token: admin.token }), 201, 'Code')
    const issue = async (kind, target_id) => {
      const r = await srv.post('/api/codes', { kind, target_id }, { token: admin.token })
      return check(r, r.status === 200 ? 200 : 201, 'Code')
    }
    const stall = check(await srv.post('/api/places', { node_id: compound.id, kind: 'stall', name: C.fresh('探访测试摊位') }, { token: admin.token }), 201, 'Place')
    const [buildingCode, compoundCode, stallCode] = [await issue('building', building.id), await issue('compound', compound.id), await issue('stall', stall.id)]
    const anyToken = [unknown, 'not-a-token', revoked.code.token, rotated.code.token, buildingCode.token, stallCode.token, elderDoor.token]
    for (const w of [resident, committee, volunteer, vendor, elder])
      for (const token of anyToken) {
        const e = checkError(await bad({ token }, w), 403, 'forbidden')
        assert.equal(e.field, undefined, `${w.account.username} ${token}: ${JSON.stringify(e)}`)
      }
    checkError(await bad({ token: elderDoor.token, person_id: 99999999 }, resident), 403, 'forbidden')

    // The code, for care staff (over the household or not): unknown 404, retired 410, not a
    // household's door 422 — all before whether the household is theirs.
    for (const w of [steward, doctor, ningxinWorker]) {
      for (const token of [unknown, 'not-a-token']) checkError(await bad({ token }, w), 404, 'not_found', { field: 'token' })
      checkError(await bad({ token: revoked.code.token }, w), 410, 'gone', { ref: 'Gone', field: 'token' })
      checkError(await bad({ token: rotated.code.token }, w), 410, 'gone', { field: 'token' })
    }
    await recorded({ token: next.token }, steward, rotated.person) // the new plate works
    for (const code of [buildingCode, compoundCode, stallCode])
      for (const w of [steward, admin, doctor, ningxinWorker]) checkError(await bad({ token: code.token }, w), 422, 'invalid_input', { field: 'token' })

    // Then the household: care staff whose places do not cover it 404 (field token) — the
    // doctor of another street, another community's grid worker, and 1号楼's steward at a door
    // of another building of the compound.
    const nb = await C.node(compound, 'building')
    const there = await freshHome(nb)
    for (const [w, token] of [[doctor, elderDoor.token], [ningxinWorker, elderDoor.token], [steward, there.code.token], [doctor, there.code.token]]) {
      const e = checkError(await bad({ token }, w), 404, 'not_found', { field: 'token' })
      assert.equal(e.message, 'no such household among yours')
    }
    await recorded({ token: there.code.token }, grid, there.person)

    // The elder: person_id of another household, or of nobody, 422.
    const other = await freshHome()
    for (const person_id of [other.person.id, there.person.id, 99999999])
      checkError(await bad({ token: elderDoor.token, person_id }, steward), 422, 'invalid_input', { field: 'person_id' })
    checkError(await bad({ token: other.code.token, person_id: elderP.id }, steward), 422, 'invalid_input', { field: 'person_id' })
    checkError(await C.visit({ token: elderDoor.token }), 401, 'unauthenticated')
  })

  test('the elder inferred: the one person of the household with a care profile; none or several → 422 person_id (name them)', async () => {
    // Nobody with a profile: 422; naming a person of the household works (a profile is not needed).
    const none = await freshHome(building, null)
    checkError(await C.visit({ token: none.code.token }, steward), 422, 'invalid_input', { field: 'person_id' })
    await recorded({ token: none.code.token, person_id: none.person.id }, steward, none.person)
    // A housemate without a profile does not count; with one, the household has two elders.
    const two = await freshHome()
    const mate = await C.housemate(two.person.household_id)
    assert.equal((await recorded({ token: two.code.token }, steward, two.person)).person_id, two.person.id)
    await recorded({ token: two.code.token, person_id: mate.id }, steward, mate)
    check(await C.putProfile(mate.id, { visit_every_days: 14 }, steward), 200, 'CareProfile')
    checkError(await C.visit({ token: two.code.token }, steward), 422, 'invalid_input', { field: 'person_id' })
    for (const p of [two.person, mate]) await recorded({ token: two.code.token, person_id: p.id }, steward, p)
  })

  test('bodies: 415 for another media type, 400 for broken JSON, 422 for a body that is not an object; the cookie needs the CSRF token', async () => {
    const raw = (body, ct) => srv.request('POST', '/api/care/visits', { token: steward.token, body, headers: ct ? { 'Content-Type': ct } : {} })
    checkError(await raw(`token=${elderDoor.token}`, 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type')
    checkError(await raw('{', 'application/json'), 400, 'bad_request')
    checkError(await raw('[]', 'application/json'), 422, 'invalid_input')
    // Through the cookie the CSRF token is needed.
    checkError(await srv.request('POST', '/api/care/visits', { cookie: steward.token, json: { token: elderDoor.token } }), 403, 'forbidden')
    check(await srv.request('POST', '/api/care/visits', { cookie: steward.token, csrf: steward.csrf_token, json: { token: elderDoor.token } }), 201, 'CareVisit')
  })

  test('the scan is logged by the codes module, under the visitor', async () => {
    const { person, code } = await freshHome()
    const codeId = Number((await careSql(srv, `SELECT id FROM codes WHERE token = '${code.token}'`)).trim())
    assert.ok(codeId > 0)
    const scans = async () => Number((await careSql(srv, `SELECT COALESCE(SUM(scans), 0) FROM code_scans WHERE code_id = ${codeId} AND account_id = ${community.account.id}`)).trim())
    assert.equal(await scans(), 0)
    await recorded({ token: code.token }, community, person)
    await recorded({ token: code.token }, community, person)
    await waitFor(async () => (await scans()) === 2, { ms: 10000, every: 200, what: 'the two scans in code_scans' })
  })

  test('live: care.visit_recorded reaches the care roles over the building — that a visit happened, not what it found', async () => {
    const s = await subscribe(steward)
    const c = await subscribe(community)
    // Care's scoped events reach the care roles over the place only: the volunteer of 康城社区
    // does not see it. It carries no readings and no flags all the same.
    const vol = await subscribe(volunteer)
    const outside = await subscribe(ningxinWorker)
    const v = await recorded({ token: elderDoor.token, systolic: 85, diastolic: 55, gas_ok: false }, grid, elderP)
    assert.deepEqual(v.flags, ['bp_low', 'gas'])
    const mine = (d) => d.payload?.visit_id === v.id
    for (const st of [s, c]) {
      const ev = (await st.nextEvent('care.visit_recorded', mine, { ms: 5000 })).data
      assertSchema(ev, 'Event', 'care.visit_recorded')
      assertSchema(ev, 'CareVisitEvent', 'care.visit_recorded')
      assert.deepEqual([ev.type, ev.subject, ev.scope, ev.payload], ['care.visit_recorded', `care_visit:${v.id}`, building.path,
        { visit_id: v.id, person_id: elderP.id }])
    }
    // The readings are read through the visits route, which checks who asks.
    assert.deepEqual(check(await C.visits(`?person_id=${elderP.id}&limit=1`, community), 200, 'CareVisitList').items[0].flags, ['bp_low', 'gas'])
    checkError(await C.visits(`?person_id=${elderP.id}`, volunteer), 404, 'not_found', { field: 'person_id' })
    await delay(300)
    assert.ok(!outside.events.some((i) => i.event === 'care.visit_recorded' && mine(i.data || {})), 'another community\'s grid worker saw the visit')
    assert.ok(!vol.events.some((i) => i.event === 'care.visit_recorded' && mine(i.data || {})), 'the volunteer saw the visit')
    for (const st of [s, c, vol, outside]) st.close()
  })
})

describe('an elder\'s visits', () => {
  test('for staff over the elder and the elder herself; 404 for the rest; paging; 422 for bad queries', async () => {
    const v = await recorded({ token: elderDoor.token, pulse: 66 }, steward, elderP)
    for (const w of [steward, grid, community, street, admin, kDoctor, elder]) {
      const l = check(await C.visits(`?person_id=${elderP.id}`, w), 200, 'CareVisitList')
      assert.equal(l.items[0].id, v.id, `${w.account.username}: not the newest first`)
      assert.deepEqual(l.items[0], v)
    }
    for (const w of [resident, committee, volunteer, doctor, ningxinWorker])
      checkError(await C.visits(`?person_id=${elderP.id}`, w), 404, 'not_found', { field: 'person_id' })
    checkError(await C.visits('?person_id=99999999', admin), 404, 'not_found', { field: 'person_id' })
    checkError(await C.visits('', steward), 422, 'invalid_input', { field: 'person_id' })
    checkError(await C.visits('?person_id=x', steward), 422, 'invalid_input', { field: 'person_id' })
    checkError(await C.visits(`?person_id=${elderP.id}&before=x`, steward), 422, 'invalid_input', { field: 'before' })
    for (const limit of [0, 201, 'x']) checkError(await C.visits(`?person_id=${elderP.id}&limit=${limit}`, steward), 422, 'invalid_input', { field: 'limit' })
    checkError(await C.visits(`?person_id=${elderP.id}`), 401, 'unauthenticated')

    // A person with no visits: an empty page. Paging through three.
    const { person, code } = await freshHome()
    assert.deepEqual(check(await C.visits(`?person_id=${person.id}`, grid), 200, 'CareVisitList'), { items: [], next_before: null })
    const made = []
    for (const note of ['一', '二', '三']) made.push(await recorded({ token: code.token, note }, grid, person))
    const p1 = check(await C.visits(`?person_id=${person.id}&limit=2`, grid), 200, 'CareVisitList')
    assert.deepEqual(p1.items.map((x) => x.note), ['三', '二'])
    assert.equal(p1.next_before, made[1].id)
    const p2 = check(await C.visits(`?person_id=${person.id}&limit=2&before=${p1.next_before}`, grid), 200, 'CareVisitList')
    assert.deepEqual([p2.items.map((x) => x.id), p2.next_before], [[made[0].id], null])
    assert.deepEqual(ids(check(await C.visits(`?person_id=${person.id}&before=0`, grid), 200, 'CareVisitList')), made.map((x) => x.id).reverse())
    // Only this person's.
    assert.ok(!ids(check(await C.visits(`?person_id=${elderP.id}&limit=200`, grid), 200, 'CareVisitList')).some((id) => made.some((m) => m.id === id)))
  })
})

describe('visits due', () => {
  // A building of its own (in 康城小区, so inside 第一网格 and 康城社区) with its own steward.
  const ctx = {}
  test('the elders with a profile under a node, by due date: the profile\'s time plus the plan, then the last visit\'s', async () => {
    ctx.nb = await C.node(compound, 'building')
    ctx.nbSteward = await C.account([{ role: 'steward', scope: ctx.nb.path }], 'visit.nbsteward')
    await C.stewardsOf(ctx.nb, ctx.nbSteward, undefined, community)
    const a = (ctx.a = await freshHome(ctx.nb, 3))
    const b = (ctx.b = await freshHome(ctx.nb, 7))
    const c = await freshHome(ctx.nb, null) // no profile: not listed
    const due = async (q, w = community) => check(await C.visitsDue(q, w), 200, 'CareVisitDueList').items
    const at = await due(`?node_id=${ctx.nb.id}`)
    assert.deepEqual(at, [a, b].map(({ person, profile }) => ({
      person_id: person.id, name: person.name, address: at.find((x) => x.person_id === person.id)?.address, path: ctx.nb.path,
      visit_every_days: profile.visit_every_days, last_visit_at: null, due_at: profile.updated_at + profile.visit_every_days * DAY, overdue: false,
    })))
    const homeA = await C.asAdmin(`/api/households/${a.person.household_id}`)
    assert.equal(at[0].address, homeA.address)
    assert.ok(!at.some((x) => x.person_id === c.person.id))

    // A visit moves the due date: the last visit plus the plan (a is still due first: 3 days
    // from its profile, b 7 days from the visit).
    const vb = await recorded({ token: b.code.token }, ctx.nbSteward, b.person)
    const after1 = await due(`?node_id=${ctx.nb.id}`)
    assert.deepEqual(after1.map((x) => [x.person_id, x.last_visit_at, x.due_at, x.overdue]), [
      [a.person.id, null, a.profile.updated_at + 3 * DAY, false],
      [b.person.id, vb.at, vb.at + 7 * DAY, false],
    ])
    // The last visit counts (the newest), not the first.
    const vb2 = await recorded({ token: b.code.token }, grid, b.person)
    assert.equal((await due(`?node_id=${ctx.nb.id}`)).find((x) => x.person_id === b.person.id).last_visit_at, vb2.at)

    // Nobody is overdue yet: overdue=true lists none of them; no message has been sent.
    assert.deepEqual((await due(`?node_id=${ctx.nb.id}&overdue=true`)).map((x) => x.person_id), [])
    assert.equal((await due(`?node_id=${ctx.nb.id}&overdue=0`)).length, 2)
    const inbox = check(await srv.get('/api/notifications?limit=200', { token: ctx.nbSteward.token }), 200, 'NotificationInbox')
    assert.ok(!inbox.items.some((m) => m.kind === 'care.visit_due'), JSON.stringify(inbox.items))

    // The visit to a moved 4 days back: due a day ago, overdue, first.
    const va = await recorded({ token: a.code.token }, ctx.nbSteward, a.person)
    await careSql(srv, `UPDATE care_visits SET at = at - ${4 * DAY} WHERE id = ${va.id}`)
    const moved = await due(`?node_id=${ctx.nb.id}`)
    assert.deepEqual(moved.map((x) => [x.person_id, x.last_visit_at, x.due_at, x.overdue]), [
      [a.person.id, va.at - 4 * DAY, va.at - DAY, true],
      [b.person.id, vb2.at, vb2.at + 7 * DAY, false],
    ])
    ctx.dueA = va.at - DAY
    assert.deepEqual((await due(`?node_id=${ctx.nb.id}&overdue=true`)).map((x) => x.person_id), [a.person.id])
    assert.deepEqual((await due(`?node_id=${ctx.nb.id}&overdue=1`, ctx.nbSteward)).map((x) => x.person_id), [a.person.id])
    assert.equal((await due(`?node_id=${ctx.nb.id}&overdue=false`)).length, 2)
    // A profile never visited, written long ago: overdue from the profile's time.
    const d = (ctx.d = await freshHome(ctx.nb, 1))
    await careSql(srv, `UPDATE care_elders SET updated_at = updated_at - ${3 * DAY} WHERE person_id = ${d.person.id}`)
    const withD = await due(`?node_id=${ctx.nb.id}&overdue=true`)
    assert.deepEqual(withD.map((x) => [x.person_id, x.last_visit_at, x.due_at]), [
      [d.person.id, null, d.profile.updated_at - 2 * DAY],
      [a.person.id, va.at - 4 * DAY, va.at - DAY],
    ])
    ctx.dueD = d.profile.updated_at - 2 * DAY

    // Above the building: the community and the street list them too, among the others.
    for (const [node, w] of [[kangcheng, community], [streetA, street], [kangcheng, kDoctor]]) {
      const l = await due(`?node_id=${node.id}&overdue=true`, w)
      assert.ok(l.some((x) => x.person_id === a.person.id) && !l.some((x) => x.person_id === b.person.id), `${node.name}: ${JSON.stringify(l)}`)
      assert.deepEqual(l.map((x) => x.due_at), l.map((x) => x.due_at).sort((x, y) => x - y), 'not by due date')
      assert.ok(l.every((x) => x.overdue))
    }
    const all = await due(`?node_id=${kangcheng.id}`)
    assert.ok(all.some((x) => x.person_id === elderP.id), 'the demo elder is not listed under 康城社区')
    assert.deepEqual(all.map((x) => x.due_at), all.map((x) => x.due_at).sort((x, y) => x - y), 'not by due date')
    // 1号楼 lists its own elders only.
    const b1 = await due(`?node_id=${building.id}`, steward)
    assert.ok(b1.some((x) => x.person_id === elderP.id) && b1.every((x) => x.path === building.path))
    assert.ok(all.length > b1.length)
  })

  test('who may: care staff over the node (a street, community, grid, compound or building); 404 for the rest and for other nodes; 422 queries', async () => {
    const nb = ctx.nb
    for (const w of [ctx.nbSteward, grid, community, street, admin, kDoctor])
      check(await C.visitsDue(`?node_id=${nb.id}`, w), 200, 'CareVisitDueList')
    for (const w of [steward, resident, committee, volunteer, doctor, ningxinWorker, elder])
      checkError(await C.visitsDue(`?node_id=${nb.id}`, w), 404, 'not_found', { field: 'node_id' })
    // The steward and the grid worker are not over the community.
    for (const w of [steward, grid, ctx.nbSteward]) checkError(await C.visitsDue(`?node_id=${kangcheng.id}`, w), 404, 'not_found', { field: 'node_id' })
    // A grid and a compound list the elders under them too (第一网格 → 康城小区 → the new
    // building), for care staff over them: the grid worker over both, 1号楼's steward over neither.
    for (const node of [gridNode, compound]) {
      assert.ok(nb.path.startsWith(`${node.path}/`), `${nb.path} is not under ${node.path}`)
      for (const w of [grid, community, street, admin, kDoctor]) {
        const l = check(await C.visitsDue(`?node_id=${node.id}`, w), 200, 'CareVisitDueList').items
        assert.ok(l.some((x) => x.person_id === ctx.a.person.id) && l.some((x) => x.person_id === elderP.id), `${node.name}: ${JSON.stringify(l)}`)
        assert.ok(l.every((x) => x.path.startsWith(`${node.path}/`)), `${node.name}: an elder from elsewhere`)
        assert.deepEqual(l.map((x) => x.due_at), l.map((x) => x.due_at).sort((x, y) => x - y), 'not by due date')
      }
      for (const w of [steward, ctx.nbSteward, ningxinWorker, doctor, resident, volunteer])
        checkError(await C.visitsDue(`?node_id=${node.id}`, w), 404, 'not_found', { field: 'node_id' })
    }
    // The district's root is none of these kinds.
    const root = (await C.asAdmin('/api/nodes')).items[0]
    assert.equal(root.kind, 'district')
    checkError(await C.visitsDue(`?node_id=${root.id}`, admin), 404, 'not_found', { field: 'node_id' })
    checkError(await C.visitsDue('?node_id=99999999', admin), 404, 'not_found', { field: 'node_id' })
    // Without node_id: the buildings where the caller is steward or backup (care-consult.test.mjs); none for the community staff.
    assert.deepEqual(check(await C.visitsDue('', community), 200, 'CareVisitDueList'), { items: [] })
    checkError(await C.visitsDue('?node_id=x', community), 422, 'invalid_input', { field: 'node_id' })
    checkError(await C.visitsDue(`?node_id=${nb.id}&overdue=maybe`, community), 422, 'invalid_input', { field: 'overdue' })
    checkError(await C.visitsDue(`?node_id=${nb.id}`), 401, 'unauthenticated')
  })

  test('overdue: the building\'s steward is told once per due date (care.visit_due in the inbox); a visit ends it', async () => {
    const { nb, nbSteward, a, b, d } = ctx
    const dueOf = async (w) =>
      check(await srv.get('/api/notifications?limit=200', { token: w.token }), 200, 'NotificationInbox').items.filter((m) => m.kind === 'care.visit_due')
    // Another instance on the same database runs the overdue check as it starts.
    second = await startServer({ sharing: srv })
    const told = await waitFor(async () => {
      const l = await dueOf(nbSteward)
      return l.length >= 2 ? l : null
    }, { ms: 15000, every: 200, what: 'the two care.visit_due messages in the steward\'s inbox' })
    const byPerson = Object.fromEntries(told.map((m) => [m.payload.person_id, m]))
    assert.deepEqual(Object.keys(byPerson).map(Number).sort((x, y) => x - y), [a.person.id, d.person.id].sort((x, y) => x - y))
    assert.deepEqual([byPerson[a.person.id].subject, byPerson[a.person.id].payload], [`person:${a.person.id}`, { person_id: a.person.id, due_at: ctx.dueA }])
    assert.deepEqual(byPerson[d.person.id].payload, { person_id: d.person.id, due_at: ctx.dueD })
    assert.ok(byPerson[a.person.id].title.includes(a.person.name), byPerson[a.person.id].title)
    assert.ok(!told.some((m) => m.payload.person_id === b.person.id), 'b is not overdue')
    // Nobody else's inbox: the steward of 1号楼 and the community staff are not this building's steward.
    for (const w of [steward, community]) assert.ok(!(await dueOf(w)).some((m) => [a.person.id, d.person.id].includes(m.payload.person_id)))

    // A third instance runs it again: the same due dates, no new message.
    third = await startServer({ sharing: srv })
    await delay(2000)
    assert.equal((await dueOf(nbSteward)).length, 2, 'told twice for the same due date')

    // Visited: not overdue any more.
    await recorded({ token: a.code.token }, nbSteward, a.person)
    const l = check(await C.visitsDue(`?node_id=${nb.id}&overdue=true`, nbSteward), 200, 'CareVisitDueList').items
    assert.deepEqual(l.map((x) => x.person_id), [d.person.id])
  })
})

test('servers exit 0 on SIGTERM within the shutdown grace time', async () => {
  for (const s of [third, second, srv].filter(Boolean)) {
    const r = await s.stop()
    assert.equal(r.code, 0, `exit ${JSON.stringify(r)}; server log:\n${s.log()}`)
  }
})
