// Doctor consultations 问诊, home services 居家服务 and the steward's "my elders"
// (docs/reference/care.md, issue 7), from outside:
// - my elders: GET /api/care/visits/due without node_id — the elders with a profile in the
//   buildings where the caller is steward or backup; [] for anyone else;
// - consultations: the elder (or care staff for an elder) asks — every check in its order, at
//   most 5 open; every doctor over the elder's building told at once (the inbox, the outbox, the
//   live stream), nobody else; a doctor schedules (the elder told), another takes it over,
//   completes it with notes; the topic and notes sealed and masked, revealed to the elder freely
//   and to a doctor audited, other staff 403; cancelling; the lists; `care.consultation_changed`;
// - home services: a repair or utility check filed as a report whose work order goes to the
//   order pool (the grid worker's and the steward's), read back by the elder, by person, and by
//   order for whoever claimed it (the address).
//
// The demo: 滨河街道 → 康城社区 (`community` staff; `doctor2`, 康城社区医生) → 第一网格 (`grid`
// worker) → 康城小区 → 1号楼 (the `steward`; the elder 刘桂兰 lives there, linked to her account).
// The demo `doctor` works in another street. Here: a doctor of the street (over 1号楼 too), a
// doctor of 宁馨社区 (not over it), 1号楼's steward and backup (the grid worker) named.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'

import { assertSchema, check, checkError, delay, startServer, waitFor } from './harness.mjs'
import { Care, DAY, MINUTE, careSql } from './care-helpers.mjs'
import { allPages } from './codes-helpers.mjs'

const LOGINS = ['admin', 'street', 'community', 'grid', 'steward', 'elder', 'resident', 'committee', 'doctor', 'doctor2', 'volunteer']

const srv = await startServer()
const streams = []
after(async () => {
  streams.forEach((s) => s.close())
  await srv.kill()
})

const who = await Promise.all(LOGINS.map((l) => srv.loginAs(l)))
const U = Object.fromEntries(LOGINS.map((l, i) => [l, who[i]]))
const { admin, street, community, grid, steward, elder, resident, committee, doctor, doctor2, volunteer } = U
const C = new Care(srv, admin)
const { street: streetA, community: kangcheng, compound, building } = await C.demoPlaces()
const elderP = await C.elderPerson(building)
const name = (login) => srv.account(login).display_name

// 宁馨社区 (the same street, another community): a doctor, a grid worker and a building there.
const ningxin = (await C.asAdmin(`/api/nodes?parent=${streetA.id}&limit=200`)).items.find((n) => n.name === '宁馨社区')
assert.ok(ningxin, 'the demo has no 宁馨社区')
const ningxinGrid = (await C.asAdmin(`/api/nodes?parent=${ningxin.id}&limit=200`)).items.find((n) => n.kind === 'grid')
const nxDoctor = await C.account([{ role: 'doctor', scope: ningxin.path }], 'consult.nxdoctor')
const nxWorker = await C.account([{ role: 'grid_worker', scope: ningxinGrid.path }], 'consult.nxworker')
const nxBuilding = await C.node(await C.node(await C.node(ningxin, 'grid'), 'compound'), 'building')
// Doctors over 1号楼: the demo's doctor2 (康城社区), one of the street.
const stDoctor = await C.account([{ role: 'doctor', scope: streetA.path }], 'consult.stdoctor')
const DOCTORS_OVER = [doctor2, stDoctor]
// 1号楼's steward and backup.
await C.stewardsOf(building, steward, grid, community)

const ids = (body) => body.items.map((x) => x.id)
/** The caller's inbox (up to 200 messages). */
const inbox = async (w) => check(await srv.get('/api/notifications?limit=200', { token: w.token }), 200, 'NotificationInbox').items
/** The audit records about a target, newest first (as the admin). */
const auditOf = async (target) => check(await srv.get(`/api/audit?target=${target}&limit=200`, { token: admin.token }), 200, 'AuditPage').items

/** Subscribes to the live stream as `w`. */
async function subscribe(w) {
  const st = await srv.events({ token: w.token })
  check(st.reply, 200)
  streams.push(st)
  return st
}

/** A fresh person of `b` with a care profile: the person. */
async function elderOf(b = building, days = 7) {
  const p = await C.person(b)
  check(await C.putProfile(p.id, { visit_every_days: days }, admin), 200, 'CareProfile')
  return p
}

/** The consultation's answer, checked: 201, requested, masked, the elder and who asked. */
async function asked(json, by, person, building_ = building) {
  const t0 = Date.now()
  const c = check(await C.consult(json, by), 201, 'CareConsultation')
  assert.deepEqual(c, {
    id: c.id, person_id: person.id, person_name: person.name, path: building_.path, mode: json.mode, status: 'requested', topic: null, notes: null,
    revealed: false, requested_by: by.account.id, requested_by_name: by.account.display_name, preferred_at: json.preferred_at ?? null, doctor_id: null,
    doctor_name: null, scheduled_at: null, cancel_reason: '', created_at: c.created_at, updated_at: c.created_at, closed_at: null,
  })
  assert.ok(c.created_at >= t0 - 1000 && c.created_at <= Date.now() + 1000, `created_at ${c.created_at} is not the server's now`)
  return c
}
/** A consultation of a fresh elder of 1号楼, asked by the community staff. */
const freshConsult = async (mode = 'clinic') => {
  const p = await elderOf()
  return asked({ mode, topic: '测试问诊', person_id: p.id }, community, p, building)
}
const step = (id, verb, json, w) => C.actConsultation(id, verb, json, w)

// ---------------------------------------------------------------------------------------

describe('my elders', () => {
  test('without node_id: the elders with a profile where the caller is steward or backup; [] for everyone else', async () => {
    const due = async (w, q = '') => check(await C.visitsDue(q, w), 200, 'CareVisitDueList').items
    // 1号楼: the steward and the backup (the grid worker) get its elders — 刘桂兰 among them — and no one else's.
    for (const w of [steward, grid]) {
      const l = await due(w)
      assert.ok(l.some((x) => x.person_id === elderP.id), `${w.account.username}: ${JSON.stringify(l)}`)
      assert.ok(l.every((x) => x.path === building.path), `${w.account.username}: an elder of another building`)
      assert.deepEqual(l.map((x) => x.due_at), l.map((x) => x.due_at).sort((x, y) => x - y), 'not by due date')
    }
    // The same rows as the building's list.
    assert.deepEqual(await due(steward), await due(steward, `?node_id=${building.id}`))
    // A steward or backup of nowhere: [] — staff over everything too.
    for (const w of [resident, elder, community, street, admin, committee, volunteer, doctor, doctor2])
      assert.deepEqual(check(await C.visitsDue('', w), 200, 'CareVisitDueList'), { items: [] }, w.account.username)
    // A new building and its steward: only its own elders; 1号楼's steward does not get them.
    const nb = await C.node(compound, 'building')
    const nbSteward = await C.account([{ role: 'steward', scope: nb.path }], 'consult.nbsteward')
    assert.deepEqual(await due(nbSteward), [])
    await C.stewardsOf(nb, nbSteward, undefined, community)
    const a = await elderOf(nb, 3)
    const b = await elderOf(nb, 1)
    await C.person(nb) // no profile: not listed
    const l = await due(nbSteward)
    assert.deepEqual(l.map((x) => x.person_id), [b.id, a.id], 'by due date: every 1 day before every 3 days')
    assert.deepEqual(l.map((x) => [x.name, x.path, x.last_visit_at, x.overdue]), [[b.name, nb.path, null, false], [a.name, nb.path, null, false]])
    assert.ok(!(await due(steward)).some((x) => [a.id, b.id].includes(x.person_id)))
    // overdue=true: b's profile moved two days back.
    await careSql(srv, `UPDATE care_elders SET updated_at = updated_at - ${2 * DAY} WHERE person_id = ${b.id}`)
    assert.deepEqual((await due(nbSteward, '?overdue=true')).map((x) => [x.person_id, x.overdue]), [[b.id, true]])
    assert.deepEqual((await due(nbSteward, '?overdue=false')).map((x) => x.person_id), [b.id, a.id])
    // The steward as backup of another building gets both buildings' elders.
    await C.stewardsOf(building, steward, nbSteward, community)
    const both = await due(nbSteward)
    assert.ok(both.some((x) => x.person_id === elderP.id) && both.some((x) => x.person_id === a.id), JSON.stringify(both))
    assert.ok(!(await due(grid)).some((x) => x.person_id === elderP.id), 'the old backup still gets 1号楼')
    await C.stewardsOf(building, steward, grid, community)
    checkError(await C.visitsDue('?overdue=maybe', steward), 422, 'invalid_input', { field: 'overdue' })
    checkError(await C.visitsDue('?node_id=x', steward), 422, 'invalid_input', { field: 'node_id' })
    checkError(await C.visitsDue(''), 401, 'unauthenticated')
  })
})

describe('consultations', () => {
  test('the elder asks online: 201 requested (topic masked); every doctor over the building told at once — inbox, outbox, live — and nobody else', async () => {
    const d2 = await subscribe(doctor2)
    const st = await subscribe(stDoctor)
    const nx = await subscribe(nxDoctor)
    const staff = await subscribe(community)
    const vol = await subscribe(volunteer) // a grant over 康城社区, not a care role
    const c = await asked({ mode: 'online', topic: '最近血压偏高，头晕，想咨询用药' }, elder, elderP)
    // The live stream: the request addressed to each doctor over 1号楼; the change scoped to the building.
    for (const s of [d2, st]) {
      const ev = (await s.nextEvent('care.consultation_request', (d) => d.payload?.consultation_id === c.id, { ms: 5000 })).data
      assertSchema(ev, 'Event', 'care.consultation_request')
      assertSchema(ev, 'CareConsultationRequestEvent', 'care.consultation_request')
      assert.deepEqual([ev.subject, ev.payload], [`care_consultation:${c.id}`, { consultation_id: c.id, mode: 'online' }])
      assert.ok(!ev.raw?.includes('血压'))
    }
    const changed = (await staff.nextEvent('care.consultation_changed', (d) => d.payload?.consultation_id === c.id, { ms: 5000 })).data
    assertSchema(changed, 'CareConsultationEvent', 'care.consultation_changed')
    assert.deepEqual([changed.subject, changed.scope, changed.payload], [`care_consultation:${c.id}`, building.path, { consultation_id: c.id, status: 'requested' }])
    // The inbox: a message of kind care.consultation_requested for each doctor over the building, none for others.
    for (const w of DOCTORS_OVER) {
      const m = (await inbox(w)).filter((x) => x.kind === 'care.consultation_requested' && x.payload?.consultation_id === c.id)
      assert.equal(m.length, 1, `${w.account.username}'s inbox: ${JSON.stringify(m)}`)
      assert.ok(m[0].title.includes('刘桂兰'), m[0].title)
      assert.ok(!JSON.stringify(m[0]).includes('血压'), 'the topic leaked into the message')
    }
    for (const w of [nxDoctor, doctor, community, steward, grid, elder])
      assert.ok(!(await inbox(w)).some((x) => x.kind === 'care.consultation_requested' && x.payload?.consultation_id === c.id), w.account.username)
    // The outbox: one message per doctor told, keyed care_consultation:<id>:requested:<account>.
    const keys = (await careSql(srv, `SELECT dedupe_key FROM notify_messages WHERE kind = 'care.consultation_requested' AND account_id IN (${DOCTORS_OVER.map((w) => w.account.id).join(',')}) ORDER BY account_id`))
      .split('\n').filter((k) => k.includes(`:${c.id}:`))
    await delay(300)
    assert.ok(!nx.events.some((i) => (i.event === 'care.consultation_request' || i.event === 'care.consultation_changed') && i.data?.payload?.consultation_id === c.id),
      'a doctor of another community heard of it')
    assert.ok(!staff.events.some((i) => i.event === 'care.consultation_request'), 'the community staff got a doctor\'s request')
    assert.ok(!vol.events.some((i) => i.event.startsWith('care.consultation')), 'the volunteer heard of a consultation')
    // The topic is sealed at rest.
    const row = await careSql(srv, `SELECT topic_sealed FROM care_consultations WHERE id = ${c.id}`)
    assert.ok(row.trim().length > 0 && !row.includes('血压'), 'the topic is stored in the clear')
    for (const s of [d2, st, nx, staff, vol]) s.close()
    assert.deepEqual(keys, DOCTORS_OVER.map((w) => w.account.id).sort((x, y) => x - y).map((a) => `care_consultation:${c.id}:requested:${a}`))
  })

  test('the checks in order: mode, topic, preferred_at; 403 no person; 404 a person outside the caller\'s places', async () => {
    const body = (more) => ({ mode: 'clinic', topic: '膝盖疼', ...more })
    const p = await elderOf()
    const now = Date.now()
    for (const [json, field] of [
      [body({ mode: undefined }), 'mode'], [body({ mode: 'phone' }), 'mode'], [body({ mode: '' }), 'mode'], [body({ mode: 1 }), 'mode'],
      [body({ topic: undefined }), 'topic'], [body({ topic: '' }), 'topic'], [body({ topic: 'x'.repeat(1001) }), 'topic'], [body({ topic: '疼'.repeat(334) }), 'topic'],
      [body({ preferred_at: now - 6 * MINUTE }), 'preferred_at'], [body({ preferred_at: 1 }), 'preferred_at'], [body({ preferred_at: 'tomorrow' }), 'preferred_at'],
      [body({ person_id: 'x' }), 'person_id'], [body({ topic: '', preferred_at: 1 }), 'topic'], [body({ mode: 'x', preferred_at: 1 }), 'mode'],
    ])
      checkError(await C.consult({ ...json, person_id: json.person_id ?? p.id }, community), 422, 'invalid_input', { field })
    // The bounds: 1,000 bytes; a time four minutes ago.
    const c = await asked(body({ topic: 'x'.repeat(1000), preferred_at: now - 4 * MINUTE, person_id: p.id }), community, p)
    assert.equal(c.preferred_at, now - 4 * MINUTE)
    await asked(body({ mode: 'home', preferred_at: now + DAY, person_id: p.id }), community, p)
    // 403: linked to no person, without person_id — after the body.
    for (const w of [community, admin, committee, volunteer, doctor2]) {
      const e = checkError(await C.consult(body(), w), 403, 'forbidden')
      assert.equal(e.message, 'your account is linked to no person')
    }
    checkError(await C.consult(body({ topic: '' }), volunteer), 422, 'invalid_input', { field: 'topic' })
    // 404: a person outside the caller's places (or none).
    const nxp = await C.person(nxBuilding)
    for (const [w, pid] of [[community, nxp.id], [steward, nxp.id], [resident, elderP.id], [elder, p.id], [volunteer, p.id], [doctor, p.id], [nxDoctor, p.id], [admin, 99999999]])
      checkError(await C.consult(body({ person_id: pid }), w), 404, 'not_found', { field: 'person_id' })
    checkError(await C.consult(body()), 401, 'unauthenticated')
    const raw = (b, ct) => srv.request('POST', '/api/care/consultations', { token: elder.token, body: b, headers: { 'Content-Type': ct } })
    checkError(await raw('{', 'application/json'), 400, 'bad_request')
    checkError(await raw('mode=online', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type')
    checkError(await srv.request('POST', '/api/care/consultations', { cookie: elder.token, json: body() }), 403, 'forbidden')
    // The order of the docs: `mode` before `topic` (an empty topic with a bad mode names the mode).
    checkError(await C.consult(body({ mode: 'x', topic: '', person_id: p.id }), community), 422, 'invalid_input', { field: 'mode' })
  })

  test('care staff over an elder ask for them: requested_by the staff; the elder\'s own list has it', async () => {
    for (const w of [steward, grid, community, street, admin, doctor2]) {
      const p = await elderOf()
      const c = await asked({ mode: 'home', topic: '行动不便，请上门', person_id: p.id }, w, p)
      assert.equal(c.requested_by, w.account.id)
    }
    const c = await asked({ mode: 'clinic', topic: '复诊', person_id: elderP.id }, steward, elderP)
    assert.ok(ids(check(await C.consultations('', elder), 200, 'CareConsultationList')).includes(c.id))
    assert.ok(ids(check(await C.consultations('', steward), 200, 'CareConsultationList')).includes(c.id))
    check(await step(c.id, 'cancel', {}, steward), 200, 'CareConsultation')
  })

  test('at most 5 open (requested or scheduled) per elder: the sixth 409; closed ones do not count', async () => {
    const p = await elderOf()
    const body = { mode: 'online', topic: '咨询', person_id: p.id }
    const five = []
    for (let i = 0; i < 5; i++) five.push(await asked(body, community, p))
    check(await step(five[0].id, 'schedule', { scheduled_at: Date.now() + DAY }, doctor2), 200, 'CareConsultation')
    checkError(await C.consult(body, community), 409, 'conflict')
    checkError(await C.consult(body, steward), 409, 'conflict')
    // One cancelled, one done: two more may be asked.
    check(await step(five[1].id, 'cancel', { reason: '不需要了' }, community), 200, 'CareConsultation')
    check(await step(five[2].id, 'complete', { notes: '已在线答复' }, doctor2), 200, 'CareConsultation')
    await asked(body, community, p)
    await asked(body, steward, p)
    checkError(await C.consult(body, community), 409, 'conflict')
    // Another elder is counted apart.
    const q = await elderOf()
    await asked({ ...body, person_id: q.id }, community, q)
  })

  test('schedule: a doctor over the elder takes it and sets when (another may take it over); the elder told; non-doctor staff 403; others 404; done or cancelled 409', async () => {
    const c = await asked({ mode: 'clinic', topic: '腰痛两周' }, elder, elderP)
    const staff = await subscribe(community)
    const self = await subscribe(elder)
    const at = Date.now() + 3 * 3600000
    const t0 = Date.now()
    const s = check(await step(c.id, 'schedule', { scheduled_at: at }, stDoctor), 200, 'CareConsultation')
    assert.deepEqual(s, { ...c, status: 'scheduled', doctor_id: stDoctor.account.id, doctor_name: stDoctor.account.display_name, scheduled_at: at,
      requested_by_name: name('elder'), updated_at: s.updated_at })
    assert.ok(s.updated_at >= t0 - 1000)
    for (const st of [staff, self]) {
      const ev = (await st.nextEvent('care.consultation_changed', (d) => d.payload?.consultation_id === c.id && d.payload?.status === 'scheduled', { ms: 5000 })).data
      assertSchema(ev, 'CareConsultationEvent', 'care.consultation_changed')
    }
    // The elder is told (the inbox): care.consultation_scheduled.
    const told = await waitFor(async () => (await inbox(elder)).find((m) => m.kind === 'care.consultation_scheduled' && m.payload?.consultation_id === c.id),
      { ms: 5000, what: 'the elder\'s care.consultation_scheduled message' })
    assert.ok(!JSON.stringify(told).includes('腰痛'), 'the topic leaked into the message')
    // Another doctor over the elder takes it over, at a time up to 5 minutes past.
    const late = Date.now() - 4 * MINUTE
    const s2 = check(await step(c.id, 'schedule', { scheduled_at: late }, doctor2), 200, 'CareConsultation')
    assert.deepEqual([s2.status, s2.doctor_id, s2.doctor_name, s2.scheduled_at], ['scheduled', doctor2.account.id, name('doctor2'), late])
    // The time: missing, more than 5 minutes past, not a number — 422 before anything else.
    for (const json of [{}, { scheduled_at: Date.now() - 6 * MINUTE }, { scheduled_at: 'soon' }, { scheduled_at: null }])
      checkError(await step(c.id, 'schedule', json, doctor2), 422, 'invalid_input', { field: 'scheduled_at' })
    checkError(await step(99999999, 'schedule', { scheduled_at: 1 }, doctor2), 422, 'invalid_input', { field: 'scheduled_at' })
    // Care staff who are not doctors: 403 (the steward who names the building, the community staff, the admin).
    for (const w of [steward, grid, community, street, admin]) checkError(await step(c.id, 'schedule', { scheduled_at: at }, w), 403, 'forbidden')
    // The elder herself is no doctor: 403; the rest 404.
    checkError(await step(c.id, 'schedule', { scheduled_at: at }, elder), 403, 'forbidden')
    for (const w of [nxDoctor, doctor, resident, volunteer, committee]) checkError(await step(c.id, 'schedule', { scheduled_at: at }, w), 404, 'not_found')
    for (const id of [99999999, 'x']) checkError(await step(id, 'schedule', { scheduled_at: at }, doctor2), 404, 'not_found')
    checkError(await step(c.id, 'schedule', { scheduled_at: at }), 401, 'unauthenticated')
    assert.equal(check(await C.consultation(c.id, admin), 200, 'CareConsultation').doctor_id, doctor2.account.id)
    // Done or cancelled: 409.
    check(await step(c.id, 'complete', { notes: '腰肌劳损，热敷休息' }, doctor2), 200, 'CareConsultation')
    checkError(await step(c.id, 'schedule', { scheduled_at: at }, doctor2), 409, 'conflict')
    const x = await freshConsult()
    check(await step(x.id, 'cancel', {}, community), 200, 'CareConsultation')
    checkError(await step(x.id, 'schedule', { scheduled_at: at }, doctor2), 409, 'conflict')
    staff.close()
    self.close()
  })

  test('complete: the doctor it is scheduled with (or any doctor over the elder while requested) writes the notes — done; twice or cancelled 409', async () => {
    const c = await asked({ mode: 'online', topic: '夜里咳嗽' }, elder, elderP)
    check(await step(c.id, 'schedule', { scheduled_at: Date.now() + 3600000 }, doctor2), 200, 'CareConsultation')
    // Another doctor, while it is scheduled with doctor2: refused.
    const other = await step(c.id, 'complete', { notes: '抢答' }, stDoctor)
    assert.equal(other.status, 403, `${other}`)
    // The notes: 1 to 4,000 bytes, before anything else.
    for (const json of [{}, { notes: '' }, { notes: 'x'.repeat(4001) }, { notes: '咳'.repeat(1334) }, { notes: 5 }])
      checkError(await step(c.id, 'complete', json, doctor2), 422, 'invalid_input', { field: 'notes' })
    for (const w of [steward, community, admin, elder]) checkError(await step(c.id, 'complete', { notes: '备注' }, w), 403, 'forbidden')
    for (const w of [nxDoctor, doctor, resident, volunteer]) checkError(await step(c.id, 'complete', { notes: '备注' }, w), 404, 'not_found')
    const t0 = Date.now()
    const d = check(await step(c.id, 'complete', { notes: 'x'.repeat(4000) }, doctor2), 200, 'CareConsultation')
    assert.deepEqual([d.status, d.doctor_id, d.notes, d.topic, d.revealed], ['done', doctor2.account.id, null, null, false])
    assert.ok(d.closed_at >= t0 - 1000 && d.closed_at <= Date.now() + 1000 && d.updated_at === d.closed_at)
    checkError(await step(c.id, 'complete', { notes: '再写' }, doctor2), 409, 'conflict')
    checkError(await step(c.id, 'cancel', {}, elder), 409, 'conflict')
    // Still requested: any doctor over the elder answers at once (an online question).
    const q = await freshConsult('online')
    const a = check(await step(q.id, 'complete', { notes: '多喝水，注意休息' }, stDoctor), 200, 'CareConsultation')
    assert.deepEqual([a.status, a.doctor_id, a.doctor_name, a.closed_at !== null], ['done', stDoctor.account.id, stDoctor.account.display_name, true])
    // Cancelled: 409.
    const r = await freshConsult()
    check(await step(r.id, 'cancel', {}, community), 200, 'CareConsultation')
    checkError(await step(r.id, 'complete', { notes: '晚了' }, doctor2), 409, 'conflict')
  })

  test('masked by default; ?reveal=true: the elder freely, a doctor over the elder audited (care.consultation_revealed); other staff 403', async () => {
    const c = await asked({ mode: 'clinic', topic: '糖尿病复查，想调药' }, elder, elderP)
    check(await step(c.id, 'complete', { notes: '空腹血糖7.2，二甲双胍加量' }, doctor2), 200, 'CareConsultation')
    // Plain reads: masked for everyone who may read it.
    for (const w of [elder, doctor2, stDoctor, steward, grid, community, street, admin]) {
      const v = check(await C.consultation(c.id, w), 200, 'CareConsultation')
      assert.deepEqual([v.topic, v.notes, v.revealed, v.status], [null, null, false, 'done'], w.account.username)
    }
    const before = (await auditOf(`person:${elderP.id}`)).length
    // The elder: in full, without an audit record.
    const own = check(await C.consultation(c.id, elder, '?reveal=true'), 200, 'CareConsultation')
    assert.deepEqual([own.topic, own.notes, own.revealed], ['糖尿病复查，想调药', '空腹血糖7.2，二甲双胍加量', true])
    assert.equal((await auditOf(`person:${elderP.id}`)).length, before, 'the elder reading her own was audited')
    // A doctor over the elder: in full, audited with the reason "consultation N".
    for (const [w, n] of [[doctor2, 1], [stDoctor, 2]]) {
      const full = check(await C.consultation(c.id, w, '?reveal=1'), 200, 'CareConsultation')
      assert.deepEqual([full.topic, full.notes, full.revealed], ['糖尿病复查，想调药', '空腹血糖7.2，二甲双胍加量', true])
      const records = await auditOf(`person:${elderP.id}`)
      assert.equal(records.length, before + n)
      assert.deepEqual([records[0].action, records[0].actor_id, records[0].reason, records[0].target], ['care.consultation_revealed', w.account.id, `consultation ${c.id}`, `person:${elderP.id}`])
      assert.ok(!JSON.stringify(records[0]).includes('糖尿病'), 'the topic leaked into the audit record')
    }
    // Other care staff over the elder (the steward, the backup, the community, the admin): 403, nothing audited.
    for (const w of [steward, grid, community, street, admin]) checkError(await C.consultation(c.id, w, '?reveal=true'), 403, 'forbidden')
    assert.equal((await auditOf(`person:${elderP.id}`)).length, before + 2)
    // Whoever asked for an elder, being no doctor, reads it masked, not revealed.
    const p = await elderOf()
    const s = await asked({ mode: 'home', topic: '上门换药', person_id: p.id }, steward, p)
    assert.equal(check(await C.consultation(s.id, steward), 200, 'CareConsultation').topic, null)
    checkError(await C.consultation(s.id, steward, '?reveal=true'), 403, 'forbidden')
    assert.equal(check(await C.consultation(s.id, doctor2, '?reveal=true'), 200, 'CareConsultation').topic, '上门换药')
    // Anyone else: 404, revealed or not.
    for (const w of [nxDoctor, doctor, resident, volunteer, committee, nxWorker])
      for (const q of ['', '?reveal=true']) checkError(await C.consultation(c.id, w, q), 404, 'not_found')
    for (const id of [99999999, 'x']) checkError(await C.consultation(id, admin), 404, 'not_found')
    checkError(await C.consultation(c.id, elder, '?reveal=maybe'), 422, 'invalid_input', { field: 'reveal' })
    checkError(await C.consultation(c.id), 401, 'unauthenticated')
    // Lists never carry the topic or the notes.
    const l = check(await C.consultations('', elder), 200, 'CareConsultationList').items
    assert.ok(l.some((x) => x.id === c.id) && l.every((x) => x.topic === null && x.notes === null && x.revealed === false))
  })

  test('cancel: the elder, whoever asked, or a doctor over the elder, while not done — with a reason; twice or done 409; other staff 403; others 404', async () => {
    const mine = await asked({ mode: 'clinic', topic: '取消测试' }, elder, elderP)
    for (const w of [community, grid, admin]) checkError(await step(mine.id, 'cancel', {}, w), 403, 'forbidden')
    for (const w of [nxDoctor, doctor, resident, volunteer]) checkError(await step(mine.id, 'cancel', {}, w), 404, 'not_found')
    for (const id of [99999999, 'x']) checkError(await step(id, 'cancel', {}, admin), 404, 'not_found')
    for (const json of [{ reason: 'x'.repeat(201) }, { reason: '一\n二' }, { reason: 5 }])
      checkError(await step(mine.id, 'cancel', json, elder), 422, 'invalid_input', { field: 'reason' })
    const t0 = Date.now()
    const c = check(await step(mine.id, 'cancel', { reason: '已去医院就诊' }, elder), 200, 'CareConsultation')
    assert.deepEqual(c, { ...mine, status: 'cancelled', cancel_reason: '已去医院就诊', updated_at: c.updated_at, closed_at: c.updated_at })
    assert.ok(c.closed_at >= t0 - 1000)
    checkError(await step(mine.id, 'cancel', {}, elder), 409, 'conflict')
    // Whoever asked (the steward for a fresh elder), with no reason; a doctor over the elder, scheduled.
    const p = await elderOf()
    const s = await asked({ mode: 'home', topic: '上门', person_id: p.id }, steward, p)
    const sc = check(await step(s.id, 'cancel', {}, steward), 200, 'CareConsultation')
    assert.deepEqual([sc.status, sc.cancel_reason], ['cancelled', ''])
    const d = await asked({ mode: 'clinic', topic: '门诊', person_id: p.id }, steward, p)
    check(await step(d.id, 'schedule', { scheduled_at: Date.now() + DAY }, doctor2), 200, 'CareConsultation')
    assert.equal(check(await step(d.id, 'cancel', { reason: '医生出诊' }, stDoctor), 200, 'CareConsultation').cancel_reason, '医生出诊')
    // Done: 409 for everyone.
    const e = await asked({ mode: 'online', topic: '在线', person_id: p.id }, steward, p)
    check(await step(e.id, 'complete', { notes: '已答复' }, doctor2), 200, 'CareConsultation')
    for (const w of [steward, doctor2]) checkError(await step(e.id, 'cancel', {}, w), 409, 'conflict')
  })

  test('lists: under a place for care staff over it (state open/closed), newest first; without node_id one\'s own, asked for, or scheduled with; 404 and 422', async () => {
    const nb = await C.node(compound, 'building')
    const p = await elderOf(nb)
    const q = await elderOf(nb)
    const a = await asked({ mode: 'online', topic: '甲', person_id: p.id }, community, p, nb)
    const b = await asked({ mode: 'clinic', topic: '乙', person_id: q.id }, grid, q, nb)
    const c = await asked({ mode: 'home', topic: '丙', person_id: q.id }, community, q, nb)
    check(await step(b.id, 'schedule', { scheduled_at: Date.now() + DAY }, stDoctor), 200, 'CareConsultation')
    check(await step(c.id, 'cancel', {}, community), 200, 'CareConsultation')
    const list = async (query, w) => ids(check(await C.consultations(query, w), 200, 'CareConsultationList'))
    for (const w of [grid, community, street, admin, doctor2, stDoctor]) {
      assert.deepEqual(await list(`?node_id=${nb.id}`, w), [c.id, b.id, a.id], w.account.username)
      assert.deepEqual(await list(`?node_id=${nb.id}&state=open`, w), [b.id, a.id])
      assert.deepEqual(await list(`?node_id=${nb.id}&state=closed`, w), [c.id])
    }
    // Above the building: the compound, the community, the street list them too.
    for (const node of [compound, kangcheng, streetA]) {
      const l = await list(`?node_id=${node.id}`, street)
      assert.ok([a.id, b.id, c.id].every((id) => l.includes(id)), node.name)
      assert.deepEqual(l, [...l].sort((x, y) => y - x), 'not newest first')
    }
    const items = check(await C.consultations(`?node_id=${nb.id}`, community), 200, 'CareConsultationList').items
    assert.deepEqual(items.map((x) => [x.person_name, x.status, x.doctor_name, x.requested_by_name, x.topic]), [
      [q.name, 'cancelled', null, name('community'), null], [q.name, 'scheduled', stDoctor.account.display_name, name('grid'), null], [p.name, 'requested', null, name('community'), null],
    ])
    // Not over the place: 404 (node_id) — 1号楼's steward is not over the new building; others hold no care role there.
    for (const w of [steward, resident, elder, volunteer, committee, doctor, nxDoctor, nxWorker])
      checkError(await C.consultations(`?node_id=${nb.id}`, w), 404, 'not_found', { field: 'node_id' })
    const root = (await C.asAdmin('/api/nodes')).items[0]
    for (const id of [root.id, 99999999]) checkError(await C.consultations(`?node_id=${id}`, admin), 404, 'not_found', { field: 'node_id' })
    // Without node_id: asked for (community staff: a and c; the grid worker: b), scheduled with, and for a doctor
    // every one at the places of their doctor role (doctor2 at 康城社区, stDoctor at the street; not 宁馨社区's), one's own (the elder).
    const own = async (w, query = '') => (await list(query, w)).filter((id) => [a.id, b.id, c.id].includes(id))
    assert.deepEqual(await own(community), [c.id, a.id])
    assert.deepEqual(await own(community, '?state=open'), [a.id])
    assert.deepEqual(await own(grid), [b.id])
    for (const w of [doctor2, stDoctor]) {
      assert.deepEqual(await own(w), [c.id, b.id, a.id], w.account.username)
      assert.deepEqual(await own(w, '?state=closed'), [c.id])
    }
    for (const w of [volunteer, nxDoctor, doctor, steward]) assert.deepEqual(await own(w), [], w.account.username)
    const e = await asked({ mode: 'online', topic: '自己问' }, elder, elderP)
    const l = await list('', elder)
    assert.equal(l[0], e.id)
    assert.ok(!l.some((id) => [a.id, b.id, c.id].includes(id)))
    assert.deepEqual(await list('', resident), [])
    for (const [query, field] of [['?state=all', 'state'], ['?state=OPEN', 'state'], ['?node_id=x', 'node_id']])
      checkError(await C.consultations(query, community), 422, 'invalid_input', { field })
    checkError(await C.consultations(''), 401, 'unauthenticated')
    check(await step(e.id, 'cancel', {}, elder), 200, 'CareConsultation')
  })
})

describe('home services', () => {
  const catalogue = async () => check(await srv.get('/api/categories'), 200, 'CategoryList').items
  const poolIds = async (w) => (await allPages(srv, '/api/orders/pool', w.token, (r) => check(r, 200, 'OrderList'))).map((o) => o.id)
  const ctx = {}

  test('the catalogue: care.home_repair 居家维修 and care.utility_check 水电气检查, group 居家养老, claimed by grid workers, stewards, community staff and property companies', async () => {
    const cats = await catalogue()
    for (const [code, zh] of [['care.home_repair', '居家维修'], ['care.utility_check', '水电气检查']]) {
      const c = cats.find((x) => x.code === code)
      assert.ok(c, `no category ${code}`)
      assert.deepEqual([c.name_zh, c.group, c.active, c.triage, c.photos_required], [zh, '居家养老', true, false, false])
      for (const r of ['grid_worker', 'steward', 'community_staff']) assert.ok(c.claim_roles.includes(r), `${code}: ${c.claim_roles}`)
      assert.ok(c.departments.includes('property_company'), `${code}: ${c.departments}`)
    }
  })

  test('a home service stays out of the public Open311 feed: no such service, not in requests or their updates, and no client files one', async () => {
    const h = check(await C.homeService({ kind: 'utility_check', description: '燃气灶打不着火（不公开）' }, elder), 201, 'CareHomeService')
    // The order moves on: a step that servicerequestupdates would otherwise carry.
    check(await srv.post(`/api/orders/${h.order_id}/claim`, {}, { token: grid.token }), 200, 'Order')
    const services = check(await srv.get('/open311/v2/services.json'), 200)
    assert.ok(services.length > 0 && !services.some((x) => x.service_code.startsWith('care.')), JSON.stringify(services.map((x) => x.service_code)))
    assert.deepEqual(check(await srv.get('/open311/v2/requests.json?service_code=care.utility_check'), 200), [])
    assert.ok(!check(await srv.get('/open311/v2/requests.json'), 200).some((r) => String(r.service_request_id) === String(h.report_id)))
    assert.equal((await srv.get(`/open311/v2/requests/${h.report_id}.json`)).status, 404)
    assert.ok(!check(await srv.get('/open311/v2/servicerequestupdates.json'), 200).some((u) => String(u.service_request_id) === String(h.report_id)))
    assert.equal((await srv.get('/open311/v2/services/care.utility_check.json')).status, 404)
    const client = check(await srv.post('/api/open311/clients', { name: '居家服务测试', contact: 'ops@example.com' }, { token: admin.token }), 201)
    const res = await srv.request('POST', '/open311/v2/requests.json', {
      body: new URLSearchParams({ api_key: client.api_key, service_code: 'care.home_repair', description: '冒充', lat: '39.6', long: '109.78' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    assert.equal(res.status, 400)
    assert.match(JSON.stringify(res.json()), /service_code care\.home_repair not found/)
  })

  test('the elder asks for a repair: 201 with the report and its order, open in the pool of the grid worker and the steward, not of another grid\'s', async () => {
    const t0 = Date.now()
    const h = check(await C.homeService({ kind: 'repair', description: '厨房水龙头漏水' }, elder), 201, 'CareHomeService')
    const home = await C.asAdmin(`/api/households/${elderP.household_id}`)
    assert.deepEqual(h, {
      id: h.id, person_id: elderP.id, person_name: '刘桂兰', kind: 'repair', description: '厨房水龙头漏水', report_id: h.report_id, order_id: h.order_id,
      order_status: 'open', order_due_at: h.order_due_at, address: home.address, floor: home.floor, requested_by: elder.account.id, created_at: h.created_at,
    })
    assert.ok(Number.isInteger(h.order_id) && h.order_id > 0, `no order: ${JSON.stringify(h)}`)
    assert.ok(h.created_at >= t0 - 1000 && h.created_at <= Date.now() + 1000)
    const cat = (await catalogue()).find((x) => x.code === 'care.home_repair')
    // The order: of the category, from the report, at the elder's building (not the household), open, due by the category's claim time.
    const { order } = check(await srv.get(`/api/orders/${h.order_id}`, { token: admin.token }), 200, 'OrderDetail')
    assert.deepEqual([order.category, order.report_id, order.status], ['care.home_repair', h.report_id, 'open'])
    assert.ok(order.origin_path === building.path || building.path.startsWith(`${order.origin_path}/`), `the order is at ${order.origin_path}, not 1号楼 (${building.path})`)
    assert.equal(h.order_due_at, order.due_at)
    assert.ok(Math.abs(order.due_at - (order.created_at + cat.claim_minutes * MINUTE)) < 2000, `due ${order.due_at}, created ${order.created_at}, claim ${cat.claim_minutes} min`)
    // The report is the elder's (who rates it).
    const mine = check(await srv.get('/api/reports/mine?limit=200', { token: elder.token }), 200).items
    assert.ok(mine.some((r) => r.id === h.report_id), 'the report is not the elder\'s')
    // The pool: the grid worker and the steward of 1号楼, the community staff; not a worker of another community's grid.
    for (const w of [grid, steward, community]) assert.ok((await poolIds(w)).includes(h.order_id), `not in ${w.account.username}'s pool`)
    for (const w of [nxWorker, resident, elder, volunteer]) assert.ok(!(await poolIds(w)).includes(h.order_id), `in ${w.account.username}'s pool`)
    ctx.repair = h
  })

  test('care staff over an elder ask for them (a utility check): requested_by the staff; the order of care.utility_check', async () => {
    for (const w of [community, steward, grid, doctor2]) {
      const h = check(await C.homeService({ kind: 'utility_check', description: '燃气灶打不着火，检查管线', person_id: elderP.id }, w), 201, 'CareHomeService')
      assert.deepEqual([h.person_id, h.kind, h.requested_by, h.order_status], [elderP.id, 'utility_check', w.account.id, 'open'])
      const { order } = check(await srv.get(`/api/orders/${h.order_id}`, { token: admin.token }), 200, 'OrderDetail')
      assert.equal(order.category, 'care.utility_check')
    }
    // A fresh person of 1号楼 (no profile needed) by the steward.
    const p = await C.person(building)
    const h = check(await C.homeService({ kind: 'repair', description: '门锁坏了', person_id: p.id }, steward), 201, 'CareHomeService')
    assert.deepEqual([h.person_id, h.person_name], [p.id, p.name])
  })

  test('the checks in order: kind, description (1,000 characters); 403 no person; 404 a person outside the caller\'s places', async () => {
    const body = (more) => ({ kind: 'repair', description: '灯不亮', ...more })
    for (const [json, field] of [
      [body({ kind: undefined }), 'kind'], [body({ kind: 'cleaning' }), 'kind'], [body({ kind: '' }), 'kind'], [body({ kind: 3 }), 'kind'],
      [body({ description: undefined }), 'description'], [body({ description: '' }), 'description'], [body({ description: '修'.repeat(1001) }), 'description'],
      [body({ description: 7 }), 'description'], [body({ kind: 'x', description: '修'.repeat(1001) }), 'kind'], [body({ person_id: 'x' }), 'person_id'],
    ])
      checkError(await C.homeService(json, elder), 422, 'invalid_input', { field })
    // 1,000 characters (3,000 bytes) is fine.
    check(await C.homeService(body({ description: '修'.repeat(1000) }), elder), 201, 'CareHomeService')
    for (const w of [community, admin, committee, volunteer, grid]) {
      const e = checkError(await C.homeService(body(), w), 403, 'forbidden')
      assert.equal(e.message, 'your account is linked to no person')
    }
    checkError(await C.homeService(body({ kind: 'x' }), volunteer), 422, 'invalid_input', { field: 'kind' })
    const nxp = await C.person(nxBuilding)
    for (const [w, pid] of [[community, nxp.id], [steward, nxp.id], [resident, elderP.id], [volunteer, elderP.id], [doctor, elderP.id], [nxDoctor, elderP.id], [admin, 99999999]])
      checkError(await C.homeService(body({ person_id: pid }), w), 404, 'not_found', { field: 'person_id' })
    checkError(await C.homeService(body()), 401, 'unauthenticated')
    checkError(await srv.request('POST', '/api/care/home-services', { cookie: elder.token, json: body() }), 403, 'forbidden')
    // The order of the docs: `kind` before `description` (an empty description with a bad kind names the kind).
    checkError(await C.homeService(body({ kind: 'x', description: '' }), elder), 422, 'invalid_input', { field: 'kind' })
  })

  test('read back: by person (staff over the elder, the elder), by order (staff over its elder), one\'s own; the order\'s status now; 404 outside', async () => {
    const p = await C.person(building)
    const first = check(await C.homeService({ kind: 'repair', description: '窗户关不严', person_id: p.id }, steward), 201, 'CareHomeService')
    const second = check(await C.homeService({ kind: 'utility_check', description: '电闸跳闸', person_id: p.id }, community), 201, 'CareHomeService')
    const home = await C.asAdmin(`/api/households/${p.household_id}`)
    // By person: newest first, with the address and floor.
    for (const w of [steward, grid, community, street, admin, doctor2]) {
      const l = check(await C.homeServices(`?person_id=${p.id}`, w), 200, 'CareHomeServiceList').items
      assert.deepEqual(l, [second, first], w.account.username)
    }
    assert.deepEqual([first.address, first.floor], [home.address, home.floor])
    for (const w of [resident, elder, volunteer, committee, doctor, nxDoctor, nxWorker])
      checkError(await C.homeServices(`?person_id=${p.id}`, w), 404, 'not_found', { field: 'person_id' })
    checkError(await C.homeServices('?person_id=99999999', admin), 404, 'not_found', { field: 'person_id' })
    // The elder reads her own.
    const own = check(await C.homeServices(`?person_id=${elderP.id}`, elder), 200, 'CareHomeServiceList').items
    assert.ok(own.some((x) => x.id === ctx.repair?.id) && own.every((x) => x.person_id === elderP.id))
    // Without a person: one's own person's and those one asked for, newest first.
    const mine = check(await C.homeServices('', elder), 200, 'CareHomeServiceList').items
    assert.deepEqual(mine.map((x) => x.id), own.map((x) => x.id))
    const asked = ids(check(await C.homeServices('', steward), 200, 'CareHomeServiceList'))
    assert.ok(asked.includes(first.id) && !asked.includes(second.id), JSON.stringify(asked))
    assert.deepEqual(ids(check(await C.homeServices('', volunteer), 200, 'CareHomeServiceList')), [])
    // Claimed by the grid worker: the order's status now; the worker finds the door by the order.
    const claimed = check(await srv.post(`/api/orders/${first.order_id}/claim`, undefined, { token: grid.token }), 200, 'Order')
    assert.equal(claimed.status, 'claimed')
    const byOrder = check(await C.homeServices(`?order_id=${first.order_id}`, grid), 200, 'CareHomeServiceList').items
    assert.deepEqual(byOrder, [{ ...first, order_status: 'claimed', order_due_at: claimed.due_at }])
    assert.equal(byOrder[0].address, home.address)
    assert.equal(check(await C.homeServices(`?person_id=${p.id}`, steward), 200, 'CareHomeServiceList').items[1].order_status, 'claimed')
    for (const w of [steward, community, admin])
      assert.deepEqual(ids(check(await C.homeServices(`?order_id=${first.order_id}`, w), 200, 'CareHomeServiceList')), [first.id])
    // Not staff over its elder: nothing of it.
    for (const w of [resident, volunteer, nxWorker, nxDoctor]) {
      const r = await C.homeServices(`?order_id=${first.order_id}`, w)
      if (r.status === 404) checkError(r, 404, 'not_found')
      else assert.deepEqual(check(r, 200, 'CareHomeServiceList'), { items: [] }, w.account.username)
    }
    // An order that is no home service's: nothing.
    const plain = check(await srv.post('/api/orders', { category: 'road.streetlight', description: '路灯不亮（居家测试）', node_id: building.id }, { token: community.token }), 201)
    const r = await C.homeServices(`?order_id=${plain.id}`, admin)
    if (r.status === 404) checkError(r, 404, 'not_found')
    else assert.deepEqual(check(r, 200, 'CareHomeServiceList'), { items: [] })
    for (const [q, field] of [['?person_id=x', 'person_id'], ['?order_id=1.5', 'order_id']])
      checkError(await C.homeServices(q, admin), 422, 'invalid_input', { field })
    checkError(await C.homeServices(''), 401, 'unauthenticated')
  })
})

test('the server exits 0 on SIGTERM within the shutdown grace time', async () => {
  streams.forEach((s) => s.close())
  const r = await srv.stop()
  assert.equal(r.code, 0, `exit ${JSON.stringify(r)}; server log:\n${srv.log()}`)
})
