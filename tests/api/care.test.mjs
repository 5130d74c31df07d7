// Elderly care 养老服务 and the one-key alarm 一键呼叫 (issue 7), from outside
// (docs/reference/care.md): the press (an empty body, `{}`, a device's token), joining an open
// alarm, drills counted apart; the live events the steward and the elder receive; the
// escalation steward → backup → the community's duty officers → everyone on duty in the
// street, each on its deadline, stopped by an acknowledgement; a restart mid-chain; the
// responder's steps and their conflicts; the audited reveal; elder profiles (sealed, masked),
// devices, stewards and the duty roster with their permissions and validation.
//
// Three servers: `srv` with the default deadlines (60 s: nothing escalates while a test
// runs), `fast` started with MASHANG_CARE_ACK_SECONDS=1 and MASHANG_CARE_STEP_SECONDS=1 (the
// environment overrides), and `slow` (care.ack_seconds = 3 in its configuration), killed with
// an alarm at level 0 and started again on the same database past the deadline.
//
// The demo: 滨河街道 → 康城社区 (`community` staff) → 第一网格 (`grid` worker) → 康城小区 → 1号楼
// (the `steward`; the `elder` 刘桂兰 lives there, linked to her account). The doctor's grant is
// in another street. The tests name the steward of 1号楼 (backup: the grid worker) themselves.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'

import { assertSchema, check, checkError, delay, startServer } from './harness.mjs'
import { Care, careSql, stepsOf } from './care-helpers.mjs'

const LOGINS = ['admin', 'street', 'community', 'grid', 'steward', 'elder', 'resident', 'committee', 'doctor', 'volunteer']
const loginAll = async (s) => {
  const who = await Promise.all(LOGINS.map((l) => s.loginAs(l)))
  return Object.fromEntries(LOGINS.map((l, i) => [l, who[i]]))
}

const srv = await startServer()
// The environment overrides the configuration (docs/reference/care.md): set only while this
// one server (and its demo) starts.
process.env.MASHANG_CARE_ACK_SECONDS = '1'
process.env.MASHANG_CARE_STEP_SECONDS = '1'
let fast
try {
  fast = await startServer()
} finally {
  delete process.env.MASHANG_CARE_ACK_SECONDS
  delete process.env.MASHANG_CARE_STEP_SECONDS
}
const SLOW_CONFIG = { care: { ack_seconds: 3, step_seconds: 60 } }
const slow = await startServer({ config: SLOW_CONFIG })
let restarted = null // `slow` started again on its database

const streams = []
after(() => streams.forEach((s) => s.close()))

const U = await loginAll(srv)
const { admin, street, community, grid, steward, elder, resident, committee, doctor, volunteer } = U
const C = new Care(srv, admin)
const { street: streetA, community: kangcheng, compound, building } = await C.demoPlaces()
const elderP = await C.elderPerson(building)
const name = (login) => srv.account(login).display_name

// 宁馨社区 (the same street, another community) and a grid worker there.
const ningxin = (await C.asAdmin(`/api/nodes?parent=${streetA.id}&limit=200`)).items.find((n) => n.name === '宁馨社区')
assert.ok(ningxin, 'the demo has no 宁馨社区')
const ningxinGrid = (await C.asAdmin(`/api/nodes?parent=${ningxin.id}&limit=200`)).items.find((n) => n.kind === 'grid')
const ningxinWorker = await C.account([{ role: 'grid_worker', scope: ningxinGrid.path }], 'care.ningxin')
// Staff over 康城社区 who do not manage it (a doctor of the community).
const kDoctor = await C.account([{ role: 'doctor', scope: kangcheng.path }], 'care.kdoctor')

// 1号楼's steward and backup, named by the community's staff.
await C.stewardsOf(building, steward, grid, community)

/** Subscribes to the live stream as `who`. */
async function subscribe(s, who) {
  const st = await s.events({ token: who.token })
  check(st.reply, 200)
  streams.push(st)
  return st
}

/** A fresh person of 1号楼 with a drill started for them by `by` (default the community's staff). */
async function freshDrill(by = community) {
  const p = await C.person(building)
  const a = check(await C.raise(by, { drill: true, person_id: p.id }), 201, 'CareAlarm')
  assert.deepEqual([a.person_id, a.drill, a.source, a.status, a.joined], [p.id, true, 'staff', 'open', false])
  return a
}

/** The audit records about a target, newest first (as the admin). */
const auditOf = async (target) => check(await srv.get(`/api/audit?target=${target}&limit=200`, { token: admin.token }), 200, 'AuditPage').items

// ---------------------------------------------------------------------------------------

describe('the press', () => {
  test('the elder presses with `{}`, then with no body at all: 201 each time, the second joins the first', async () => {
    const r1 = await C.raise(elder, {})
    const a = check(r1, 201, 'CareAlarm')
    assert.equal(r1.header('location'), `/api/care/alarms/${a.id}`)
    assert.deepEqual(
      [a.person_id, a.building_id, a.community_id, a.path, a.source, a.device_id, a.drill, a.status, a.level, a.round, a.presses, a.joined],
      [elderP.id, building.id, kangcheng.id, building.path, 'button', null, false, 'open', 0, 0, 1, false],
    )
    assert.equal(a.due_at - a.created_at, 60000, 'care.ack_seconds defaults to 60')
    assert.deepEqual([a.acknowledged_by, a.arrived_at, a.outcome, a.closed_at, a.note], [null, null, null, null, ''])

    // No body at all (no Content-Type either): the same alarm, joined.
    const r2 = await C.raise(elder)
    const b = check(r2, 201, 'CareAlarm')
    assert.equal(r2.header('location'), `/api/care/alarms/${a.id}`)
    assert.deepEqual([b.id, b.joined, b.presses, b.status, b.due_at], [a.id, true, 2, 'open', a.due_at])

    // The cookie with its CSRF token works as well; without the token 403.
    const r3 = await srv.request('POST', '/api/care/alarms', { cookie: elder.token, csrf: elder.csrf_token, json: {} })
    assert.deepEqual((({ id, joined, presses }) => ({ id, joined, presses }))(check(r3, 201, 'CareAlarm')), { id: a.id, joined: true, presses: 3 })
    checkError(await srv.request('POST', '/api/care/alarms', { cookie: elder.token, json: {} }), 403, 'forbidden')

    // The timeline: raised, the steward alerted, then the two presses that joined.
    const v = await C.view(a.id)
    assert.deepEqual(v.timeline.map((s) => [s.kind, s.level, s.account_id]), [
      ['raised', 0, elder.account.id],
      ['alerted', 0, steward.account.id],
      ['pressed', 0, elder.account.id],
      ['pressed', 0, elder.account.id],
    ])
    assert.equal(v.timeline[1].account_name, name('steward'))
    assert.equal(v.alarm.presses, 3)

    // Closed, the next press raises a new alarm.
    assert.equal(check(await C.act(a.id, 'close', steward, { outcome: 'false_alarm' }), 200, 'CareAlarm').status, 'closed')
    const c = check(await C.raise(elder, {}), 201, 'CareAlarm')
    assert.notEqual(c.id, a.id)
    assert.deepEqual([c.joined, c.presses], [false, 1])
    await C.closeQuietly(c.id)
  })

  test('live: the steward receives care.alarm_alert and care.alarm_raised within seconds, the elder her own copy', async () => {
    const s = await subscribe(srv, steward)
    const e = await subscribe(srv, elder)
    const a = check(await C.raise(elder, {}), 201, 'CareAlarm')
    const mine = (d) => d.payload?.alarm_id === a.id
    const payload = { alarm_id: a.id, status: 'open', level: 0, round: 0, drill: false, community_id: kangcheng.id, building_id: building.id, due_at: a.due_at }
    for (const type of ['care.alarm_alert', 'care.alarm_raised']) {
      const ev = (await s.nextEvent(type, mine, { ms: 5000 })).data
      assertSchema(ev, 'Event', type)
      assert.ok(ev.type.includes('alarm'))
      assert.deepEqual([ev.subject, ev.scope, ev.payload], [`care_alarm:${a.id}`, building.path, payload], type)
    }
    assert.deepEqual((await e.nextEvent('care.alarm_raised', mine, { ms: 5000 })).data.payload, payload)

    // Someone is coming: the elder hears of each step.
    check(await C.act(a.id, 'acknowledge', steward), 200, 'CareAlarm')
    const ack = (await e.nextEvent('care.alarm_acknowledged', mine, { ms: 5000 })).data
    assertSchema(ack, 'Event', 'care.alarm_acknowledged')
    assert.deepEqual([ack.payload.status, ack.payload.due_at], ['acknowledged', null])
    await s.nextEvent('care.alarm_acknowledged', mine, { ms: 5000 })
    check(await C.act(a.id, 'arrive', steward), 200, 'CareAlarm')
    await e.nextEvent('care.alarm_arrived', mine, { ms: 5000 })
    check(await C.act(a.id, 'close', steward, { outcome: 'resolved' }), 200, 'CareAlarm')
    const closed = (await e.nextEvent('care.alarm_closed', mine, { ms: 5000 })).data
    assert.equal(closed.payload.status, 'closed')
    // A second press of an open alarm is published as care.alarm_pressed (and alerts nobody again).
    const b = check(await C.raise(elder, {}), 201, 'CareAlarm')
    check(await C.raise(elder, {}), 201, 'CareAlarm')
    const pressed = (await s.nextEvent('care.alarm_pressed', (d) => d.payload?.alarm_id === b.id, { ms: 5000 })).data
    assertSchema(pressed, 'Event', 'care.alarm_pressed')
    const alerts = () => s.events.filter((i) => i.event === 'care.alarm_alert' && i.data?.payload?.alarm_id === b.id)
    await delay(300)
    assert.equal(alerts().length, 1, 'the press that joined alerted the steward again')
    await C.closeQuietly(b.id)
    s.close()
    e.close()
  })

  test('bodies: 415 for another media type, 400 for broken JSON, 422 naming the field', async () => {
    const raw = (body, ct, token = elder.token) =>
      srv.request('POST', '/api/care/alarms', { token, body, headers: ct ? { 'Content-Type': ct } : {} })
    checkError(await raw('help', 'text/plain'), 415, 'unsupported_media_type')
    checkError(await raw('{', 'application/json'), 400, 'bad_request')
    checkError(await C.raise(elder, { drill: 'yes' }), 422, 'invalid_input', { field: 'drill' })
    checkError(await C.raise(elder, { person_id: 'x' }), 422, 'invalid_input', { field: 'person_id' })
    checkError(await C.raise(undefined, { device_token: 5 }), 422, 'invalid_input', { field: 'device_token' })
    checkError(await C.raise(undefined, { device_token: 'd'.repeat(129) }), 422, 'invalid_input', { field: 'device_token' })
    // Whitespace only is an empty body.
    const a = check(await raw(' \r\n', undefined), 201, 'CareAlarm')
    assert.equal(a.person_id, elderP.id)
    await C.closeQuietly(a.id)
  })

  test('who may press: 401 without a session or a token, 403 unlinked; staff start drills, never real alarms, for elders they look after', async () => {
    checkError(await C.raise(undefined, {}), 401, 'unauthenticated')
    checkError(await C.raise(undefined), 401, 'unauthenticated')
    checkError(await C.raise({ token: 'forged-token-forged-token-forged-token' }, {}), 401, 'unauthenticated')
    // Accounts linked to no person.
    for (const who of [steward, community, committee, admin]) checkError(await C.raise(who, {}), 403, 'forbidden')
    // A real alarm for somebody else: 403; a drill: 201, source staff.
    checkError(await C.raise(community, { person_id: elderP.id }), 403, 'forbidden')
    checkError(await C.raise(steward, { person_id: elderP.id, drill: false }), 403, 'forbidden')
    const d = check(await C.raise(steward, { person_id: elderP.id, drill: true }), 201, 'CareAlarm')
    assert.deepEqual([d.person_id, d.drill, d.source, d.joined, d.level], [elderP.id, true, 'staff', false, 0])
    // Outside the caller's places (the doctor is in another street; a resident, a committee
    // member and a volunteer are not staff who look after elders); no such person.
    for (const who of [doctor, resident, committee, volunteer, ningxinWorker])
      checkError(await C.raise(who, { person_id: elderP.id, drill: true }), 404, 'not_found')
    checkError(await C.raise(community, { person_id: 99999999, drill: true }), 404, 'not_found')
    // The elder's own drill joins the drill staff started; her real alarm is apart from it.
    const own = check(await C.raise(elder, { drill: true }), 201, 'CareAlarm')
    assert.deepEqual([own.id, own.joined, own.presses], [d.id, true, 2])
    const real = check(await C.raise(elder, { person_id: elderP.id }), 201, 'CareAlarm')
    assert.deepEqual([real.drill, real.joined, real.source], [false, false, 'button'])
    assert.notEqual(real.id, d.id)
    await C.closeQuietly(d.id)
    await C.closeQuietly(real.id)
  })
})

describe('answering', () => {
  test('acknowledge, arrive, close: in that order; the first acknowledgement owns the alarm; conflicts 409', async () => {
    const a = await freshDrill()
    checkError(await C.act(a.id, 'arrive', steward), 409, 'conflict')
    const ack = check(await C.act(a.id, 'acknowledge', steward), 200, 'CareAlarm')
    assert.deepEqual([ack.status, ack.acknowledged_by, ack.due_at, ack.level], ['acknowledged', steward.account.id, null, 0])
    assert.ok(ack.acknowledged_at >= a.created_at)
    // One's own again: 200, unchanged; another's: 409.
    const again = check(await C.act(a.id, 'acknowledge', steward), 200, 'CareAlarm')
    assert.deepEqual([again.status, again.acknowledged_by, again.acknowledged_at], ['acknowledged', steward.account.id, ack.acknowledged_at])
    checkError(await C.act(a.id, 'acknowledge', grid), 409, 'conflict')
    checkError(await C.act(a.id, 'acknowledge', community), 409, 'conflict')
    // Anyone who may answer records the arrival, once.
    const arr = check(await C.act(a.id, 'arrive', grid), 200, 'CareAlarm')
    assert.equal(arr.status, 'arrived')
    assert.ok(arr.arrived_at >= ack.acknowledged_at)
    checkError(await C.act(a.id, 'arrive', steward), 409, 'conflict')
    // Closing: the outcome is checked first.
    checkError(await C.act(a.id, 'close', steward, {}), 422, 'invalid_input', { field: 'outcome' })
    checkError(await C.act(a.id, 'close', steward, { outcome: 'fine' }), 422, 'invalid_input', { field: 'outcome' })
    checkError(await C.act(a.id, 'close', steward, { outcome: 'resolved', note: 'x'.repeat(2001) }), 422, 'invalid_input', { field: 'note' })
    const closed = check(await C.act(a.id, 'close', steward, { outcome: 'hospital', note: '送医' }), 200, 'CareAlarm')
    assert.deepEqual([closed.status, closed.outcome, closed.note, closed.closed_by, closed.acknowledged_by],
      ['closed', 'hospital', '送医', steward.account.id, steward.account.id])
    checkError(await C.act(a.id, 'close', community, { outcome: 'resolved' }), 409, 'conflict')
    checkError(await C.act(a.id, 'arrive', steward), 409, 'conflict')
    checkError(await C.act(a.id, 'acknowledge', grid), 409, 'conflict')
    const v = await C.view(a.id)
    assert.deepEqual(v.timeline.map((s) => [s.kind, s.account_id]), [
      ['raised', community.account.id],
      ['alerted', steward.account.id],
      ['acknowledged', steward.account.id],
      ['arrived', grid.account.id],
      ['closed', steward.account.id],
    ])
    assert.match(v.timeline.at(-1).note, /^hospital/)
  })

  test('the elder may not answer her own alarm (403); closing an alarm nobody acknowledged makes the closer its owner', async () => {
    const a = check(await C.raise(elder, {}), 201, 'CareAlarm')
    checkError(await C.act(a.id, 'acknowledge', elder), 403, 'forbidden')
    checkError(await C.act(a.id, 'arrive', elder), 403, 'forbidden')
    checkError(await C.act(a.id, 'close', elder, { outcome: 'false_alarm' }), 403, 'forbidden')
    // Neither alerted nor staff over the building: 404.
    for (const who of [doctor, resident, committee, volunteer, ningxinWorker]) {
      checkError(await C.act(a.id, 'acknowledge', who), 404, 'not_found')
      checkError(await C.act(a.id, 'close', who, { outcome: 'resolved' }), 404, 'not_found')
    }
    checkError(await C.act(99999999, 'acknowledge', steward), 404, 'not_found')
    checkError(await C.act('x', 'acknowledge', steward), 404, 'not_found')
    checkError(await C.act(a.id, 'acknowledge'), 401, 'unauthenticated')
    const closed = check(await C.act(a.id, 'close', community, { outcome: 'false_alarm', note: '误按' }), 200, 'CareAlarm')
    assert.deepEqual([closed.status, closed.due_at, closed.acknowledged_by, closed.closed_by, closed.outcome],
      ['closed', null, community.account.id, community.account.id, 'false_alarm'])
    assert.equal(closed.acknowledged_at, closed.closed_at)
    const v = await C.view(a.id)
    assert.deepEqual(v.timeline.slice(-2).map((s) => [s.kind, s.account_id]), [['acknowledged', community.account.id], ['closed', community.account.id]])
    assert.equal(v.timeline.at(-1).note, 'false_alarm：误按')
  })

  test('reading an alarm: the elder, those alerted and staff over the building; ?reveal=true for responders only, audited', async () => {
    const profile = { health_notes: '高血压，每日服药', contacts: [{ name: '王强', relation: '儿子', phone: '139-0000-0001' }], visit_every_days: 7 }
    check(await C.putProfile(elderP.id, profile, steward), 200, 'CareProfile')
    const a = check(await C.raise(elder, {}), 201, 'CareAlarm')
    // The elder reads her own, masked.
    const own = check(await C.alarm(a.id, elder), 200, 'CareAlarmView')
    assert.equal(own.alarm.id, a.id)
    assert.equal(own.elder.name, '刘桂兰')
    assert.ok(own.elder.address.length > 0, 'no address')
    assert.ok(own.elder.phone === null || own.elder.phone.includes('****'), `the phone is not masked: ${own.elder.phone}`)
    assert.deepEqual([own.profile.health_notes, own.profile.revealed, own.profile.contacts], [null, false, [{ name: '王强', relation: '儿子', phone: '139****0001' }]])
    assert.deepEqual(own.timeline.map((s) => [s.kind, s.account_name]), [['raised', name('elder')], ['alerted', name('steward')]])
    checkError(await C.alarm(a.id, elder, '?reveal=true'), 403, 'forbidden')

    // A responder reveals: in full, and an audit record names them.
    const before = (await auditOf(`person:${elderP.id}`)).length
    check(await C.alarm(a.id, steward), 200, 'CareAlarmView')
    assert.equal((await auditOf(`person:${elderP.id}`)).length, before, 'a plain read wrote an audit record')
    const full = check(await C.alarm(a.id, steward, '?reveal=true'), 200, 'CareAlarmView')
    assert.deepEqual([full.profile.health_notes, full.profile.revealed, full.profile.contacts[0].phone], ['高血压，每日服药', true, '13900000001'])
    assert.ok(full.elder.phone === null || /^1[3-9][0-9]{9}$/.test(full.elder.phone), `the phone is not in full: ${full.elder.phone}`)
    const records = await auditOf(`person:${elderP.id}`)
    assert.equal(records.length, before + 1)
    assert.deepEqual([records[0].action, records[0].actor_id, records[0].details], ['care.alarm_revealed', steward.account.id, { alarm_id: a.id }])
    // Staff over the building read it too (the grid worker, the street); the rest 404.
    for (const who of [grid, street, admin]) check(await C.alarm(a.id, who), 200, 'CareAlarmView')
    for (const who of [doctor, resident, committee, volunteer, ningxinWorker]) {
      checkError(await C.alarm(a.id, who), 404, 'not_found')
      checkError(await C.alarm(a.id, who, '?reveal=true'), 404, 'not_found')
    }
    checkError(await C.alarm(99999999, steward), 404, 'not_found')
    checkError(await C.alarm('x', steward), 404, 'not_found')
    checkError(await C.alarm(a.id, steward, '?reveal=maybe'), 422, 'invalid_input', { field: 'reveal' })
    checkError(await C.alarm(a.id), 401, 'unauthenticated')
    await C.closeQuietly(a.id)
  })
})

describe('lists', () => {
  test('a place\'s alarms for staff over it, the caller\'s own without node_id; drills counted apart; state; paging', async () => {
    const d = check(await C.raise(community, { person_id: elderP.id, drill: true }), 201, 'CareAlarm')
    const r = check(await C.raise(elder, {}), 201, 'CareAlarm')
    const list = async (q, who = community) => check(await C.alarms(q, who), 200, 'CareAlarmList')
    const ids = (l) => l.items.map((a) => a.id)

    const drills = await list(`?node_id=${kangcheng.id}&drill=true&limit=200`)
    assert.ok(drills.items.every((a) => a.drill), 'drill=true listed a real alarm')
    assert.ok(ids(drills).includes(d.id) && !ids(drills).includes(r.id))
    const reals = await list(`?node_id=${kangcheng.id}&drill=false&limit=200`)
    assert.ok(reals.items.every((a) => !a.drill), 'drill=false listed a drill')
    assert.ok(ids(reals).includes(r.id) && !ids(reals).includes(d.id))
    const all = await list(`?node_id=${kangcheng.id}&limit=200`)
    assert.equal(all.items.length, drills.items.length + reals.items.length, 'drills and real alarms do not add up')
    assert.deepEqual(ids(all), [...ids(all)].sort((x, y) => y - x), 'not newest first')

    const active = ids(await list(`?node_id=${kangcheng.id}&state=active&limit=200`))
    assert.ok(active.includes(d.id) && active.includes(r.id))
    assert.ok(!ids(await list(`?node_id=${kangcheng.id}&state=closed&limit=200`)).includes(r.id))

    // Street, community and building: staff over each.
    assert.ok(ids(await list(`?node_id=${streetA.id}&limit=200`, street)).includes(r.id))
    assert.ok(ids(await list(`?node_id=${building.id}&limit=200`, steward)).includes(r.id))
    assert.ok(ids(await list(`?node_id=${building.id}&limit=200`, grid)).includes(r.id))
    // Without node_id: the elder's own, and those the caller was alerted to.
    const elders = ids(await list('?limit=200', elder))
    assert.ok(elders.includes(d.id) && elders.includes(r.id), `the elder's own: ${elders}`)
    const alerted = ids(await list('?limit=200', steward))
    assert.ok(alerted.includes(d.id) && alerted.includes(r.id), `the steward was alerted to both: ${alerted}`)
    assert.ok(!ids(await list('?limit=200', doctor)).includes(r.id))

    // Paging.
    const p1 = await list(`?node_id=${kangcheng.id}&limit=1`)
    assert.equal(p1.items.length, 1)
    assert.equal(p1.next_before, p1.items[0].id)
    const p2 = await list(`?node_id=${kangcheng.id}&limit=1&before=${p1.next_before}`)
    assert.ok(p2.items[0].id < p1.items[0].id)
    assert.equal(all.next_before, null)

    // Not over the place: 404; bad queries: 422 naming them.
    checkError(await C.alarms(`?node_id=${kangcheng.id}`, steward), 404, 'not_found', { field: 'node_id' })
    checkError(await C.alarms(`?node_id=${kangcheng.id}`, doctor), 404, 'not_found', { field: 'node_id' })
    checkError(await C.alarms(`?node_id=${kangcheng.id}`, committee), 404, 'not_found', { field: 'node_id' })
    // A grid or a compound lists what lies under it too (a grid worker's place).
    assert.ok(check(await C.alarms(`?node_id=${compound.id}`, community), 200, 'CareAlarmList').items.every((x) => x.path.startsWith(`${compound.path}/`)))
    checkError(await C.alarms('?node_id=x', community), 422, 'invalid_input', { field: 'node_id' })
    checkError(await C.alarms('?state=bogus', community), 422, 'invalid_input', { field: 'state' })
    checkError(await C.alarms('?drill=maybe', community), 422, 'invalid_input', { field: 'drill' })
    checkError(await C.alarms('?limit=0', community), 422, 'invalid_input', { field: 'limit' })
    checkError(await C.alarms('?limit=201', community), 422, 'invalid_input', { field: 'limit' })
    checkError(await C.alarms(''), 401, 'unauthenticated')

    await C.closeQuietly(d.id)
    await C.closeQuietly(r.id)
    const closed = ids(await list(`?node_id=${kangcheng.id}&state=closed&limit=200`))
    assert.ok(closed.includes(d.id) && closed.includes(r.id))
    const stillActive = ids(await list(`?node_id=${kangcheng.id}&state=active&limit=200`))
    assert.ok(!stillActive.includes(d.id) && !stillActive.includes(r.id))
  })
})

describe('devices', () => {
  test('registered by staff, the token shown once; the device presses without a session; revoked 403, unknown 401', async () => {
    const res = await C.addDevice({ person_id: elderP.id, label: '床头呼叫器' }, grid)
    const dev = check(res, 201, 'CareDevice')
    assert.match(dev.token, /^dev_/)
    assert.deepEqual([dev.person_id, dev.label, dev.revoked_at], [elderP.id, '床头呼叫器', null])
    // Listed without the token, by staff and by the elder herself.
    for (const who of [grid, steward, community, elder]) {
      const l = check(await C.devices(`?person_id=${elderP.id}`, who), 200, 'CareDeviceList')
      const mine = l.items.find((x) => x.id === dev.id)
      assert.ok(mine, `${who.account.username}: the device is not listed`)
      assert.equal(mine.token, null)
    }
    // The device presses: no session, just its token.
    const a = check(await C.raise(undefined, { device_token: dev.token }), 201, 'CareAlarm')
    assert.deepEqual([a.person_id, a.source, a.device_id, a.drill, a.joined], [elderP.id, 'device', dev.id, false, false])
    const b = check(await C.raise(undefined, { device_token: dev.token }), 201, 'CareAlarm')
    assert.deepEqual([b.id, b.joined, b.presses], [a.id, true, 2])
    const v = await C.view(a.id)
    assert.deepEqual([v.timeline[0].kind, v.timeline[0].account_id, v.timeline[0].note], ['raised', null, 'device'])
    await C.closeQuietly(a.id)

    // Revoked: the token raises nothing (403); revoking twice 409.
    const rev = check(await C.revokeDevice(dev.id, steward), 200, 'CareDevice')
    assert.ok(rev.revoked_at > 0)
    assert.equal(rev.token, null)
    checkError(await C.revokeDevice(dev.id, steward), 409, 'conflict')
    checkError(await C.raise(undefined, { device_token: dev.token }), 403, 'forbidden')
    checkError(await C.raise(undefined, { device_token: 'dev_not-a-device-token-at-all' }), 401, 'unauthenticated')
    checkError(await C.raise(undefined, { device_token: '' }), 401, 'unauthenticated')
  })

  test('devices: staff over the elder only; validation', async () => {
    const p = await C.person(building)
    for (const who of [doctor, resident, committee, volunteer, ningxinWorker, elder])
      checkError(await C.addDevice({ person_id: p.id, label: '挂件' }, who), 404, 'not_found')
    checkError(await C.addDevice({ person_id: 99999999, label: '挂件' }, community), 404, 'not_found')
    checkError(await C.addDevice({ label: '挂件' }, community), 422, 'invalid_input', { field: 'person_id' })
    checkError(await C.addDevice({ person_id: p.id }, community), 422, 'invalid_input', { field: 'label' })
    checkError(await C.addDevice({ person_id: p.id, label: '' }, community), 422, 'invalid_input', { field: 'label' })
    checkError(await C.addDevice({ person_id: p.id, label: 'x'.repeat(65) }, community), 422, 'invalid_input', { field: 'label' })
    checkError(await C.addDevice({ person_id: p.id, label: '两行\n标签' }, community), 422, 'invalid_input', { field: 'label' })
    checkError(await C.addDevice({ person_id: p.id, label: '挂件' }), 401, 'unauthenticated')
    const dev = check(await C.addDevice({ person_id: p.id, label: '挂件' }, steward), 201, 'CareDevice')
    for (const who of [doctor, resident, committee, elder]) {
      checkError(await C.devices(`?person_id=${p.id}`, who), 404, 'not_found', { field: 'person_id' })
      checkError(await C.revokeDevice(dev.id, who), 404, 'not_found')
    }
    checkError(await C.devices('', community), 422, 'invalid_input', { field: 'person_id' })
    checkError(await C.devices('?person_id=x', community), 422, 'invalid_input', { field: 'person_id' })
    checkError(await C.revokeDevice(99999999, community), 404, 'not_found')
    checkError(await C.revokeDevice('x', community), 404, 'not_found')
    assert.equal(check(await C.revokeDevice(dev.id, community), 200, 'CareDevice').revoked_at > 0, true)
    const actions = (await auditOf(`person:${p.id}`)).map((r) => r.action)
    assert.ok(actions.includes('care.device_added') && actions.includes('care.device_revoked'), JSON.stringify(actions))
  })
})

describe('profiles', () => {
  test('written by staff over the elder, answered masked; ?reveal=true in full and audited (not for the elder\'s own)', async () => {
    const p = await C.person(building)
    const json = {
      health_notes: '糖尿病；对青霉素过敏',
      contacts: [{ name: '李娜', relation: '女儿', phone: '+86 138 0000 0002' }, { name: '李伟', relation: '儿子', phone: '13700000003' }],
      visit_every_days: 14,
    }
    const put = check(await C.putProfile(p.id, json, grid), 200, 'CareProfile')
    assert.deepEqual(put, {
      person_id: p.id,
      health_notes: null,
      contacts: [{ name: '李娜', relation: '女儿', phone: '138****0002' }, { name: '李伟', relation: '儿子', phone: '137****0003' }],
      visit_every_days: 14,
      revealed: false,
      updated_at: put.updated_at,
    })
    assert.deepEqual(check(await C.profile(p.id, steward), 200, 'CareProfile'), put)
    const before = (await auditOf(`person:${p.id}`)).length
    // A reveal needs a reason (4 to 200 characters), which the audit record keeps.
    for (const q of ['?reveal=true', '?reveal=true&reason=' + encodeURIComponent('看看'), '?reveal=true&reason=' + encodeURIComponent('行\n二')])
      checkError(await C.profile(p.id, community, q), 422, 'invalid_input', { field: 'reason' })
    assert.equal((await auditOf(`person:${p.id}`)).length, before)
    const full = check(await C.profile(p.id, community, '?reveal=true&reason=' + encodeURIComponent('上门探访前核对联系人')), 200, 'CareProfile')
    assert.deepEqual([full.health_notes, full.revealed, full.contacts.map((c) => c.phone)], ['糖尿病；对青霉素过敏', true, ['13800000002', '13700000003']])
    const records = await auditOf(`person:${p.id}`)
    assert.equal(records.length, before + 1)
    assert.deepEqual([records[0].action, records[0].actor_id, records[0].reason], ['care.profile_revealed', community.account.id, '上门探访前核对联系人'])
    assert.ok(records.some((r) => r.action === 'care.profile_written' && r.actor_id === grid.account.id), 'the write is not audited')
    // Nothing sealed leaks into the audit record.
    assert.ok(!JSON.stringify(records).includes('青霉素') && !JSON.stringify(records).includes('13800000002'))

    // The elder reads her own (masked, or in full without an audit record).
    const elderProfile = { health_notes: '高血压', contacts: [], visit_every_days: 3 }
    check(await C.putProfile(elderP.id, elderProfile, community), 200, 'CareProfile')
    const mineMasked = check(await C.profile(elderP.id, elder), 200, 'CareProfile')
    assert.deepEqual([mineMasked.health_notes, mineMasked.visit_every_days], [null, 3])
    const n = (await auditOf(`person:${elderP.id}`)).length
    assert.equal(check(await C.profile(elderP.id, elder, '?reveal=true'), 200, 'CareProfile').health_notes, '高血压')
    assert.equal((await auditOf(`person:${elderP.id}`)).length, n, 'the elder reading her own profile was audited')

    // Outsiders 404, writes too; a person without a profile 404.
    for (const who of [doctor, resident, committee, volunteer, ningxinWorker]) {
      checkError(await C.profile(p.id, who), 404, 'not_found')
      checkError(await C.putProfile(p.id, json, who), 404, 'not_found')
    }
    checkError(await C.putProfile(p.id, json, elder), 404, 'not_found')
    checkError(await C.profile((await C.person(building)).id, community), 404, 'not_found')
    checkError(await C.profile(99999999, community), 404, 'not_found')
    checkError(await C.profile('x', community), 404, 'not_found')
    checkError(await C.profile(p.id, community, '?reveal=maybe'), 422, 'invalid_input', { field: 'reveal' })
    checkError(await C.profile(p.id), 401, 'unauthenticated')
  })

  test('profile validation: contacts (mobile phones, at most 5), visit_every_days 1 to 90, health notes at most 2,000 bytes', async () => {
    const p = await C.person(building)
    const contact = (more = {}) => ({ name: '王强', relation: '儿子', phone: '13900000001', ...more })
    const bad = [
      [{ contacts: [contact({ phone: '12345' })] }, 'contacts'],
      [{ contacts: [contact({ phone: '010-12345678' })] }, 'contacts'],
      [{ contacts: [contact({ phone: 'abc' })] }, 'contacts'],
      [{ contacts: Array.from({ length: 6 }, () => contact()) }, 'contacts'],
      [{ contacts: [{ name: '王强', phone: '13900000001' }] }, 'contacts'],
      [{ contacts: [contact({ name: '' })] }, 'contacts'],
      [{ contacts: 'x' }, 'contacts'],
      [{ contacts: ['x'] }, 'contacts'],
      [{ visit_every_days: 0 }, 'visit_every_days'],
      [{ visit_every_days: 91 }, 'visit_every_days'],
      [{ visit_every_days: 'x' }, 'visit_every_days'],
      [{ health_notes: '很'.repeat(667) }, 'health_notes'], // 2,001 bytes
      [{ health_notes: 5 }, 'health_notes'],
    ]
    for (const [json, field] of bad) checkError(await C.putProfile(p.id, json, community), 422, 'invalid_input', { field })
    checkError(await C.profile(p.id, community), 404, 'not_found') // nothing was written
    // The limits themselves pass.
    const ok = check(await C.putProfile(p.id, { health_notes: '很'.repeat(666), contacts: Array.from({ length: 5 }, () => contact()), visit_every_days: 90 }, community), 200, 'CareProfile')
    assert.deepEqual([ok.contacts.length, ok.visit_every_days], [5, 90])
    assert.equal(check(await C.profile(p.id, community, '?reveal=true&reason=' + encodeURIComponent('核对健康信息')), 200, 'CareProfile').health_notes, '很'.repeat(666))
    // An empty body: an empty profile, visits every 7 days.
    const empty = check(await C.putProfile(p.id, {}, community), 200, 'CareProfile')
    assert.deepEqual([empty.contacts, empty.visit_every_days], [[], 7])
    checkError(await srv.request('PUT', `/api/care/elders/${p.id}`, { token: community.token, body: 'x', headers: { 'Content-Type': 'text/plain' } }), 415, 'unsupported_media_type')
  })
})

describe('who answers', () => {
  test('stewards: named by community and street staff and district admins; 403 for other staff over the building, 404 for the rest', async () => {
    const a = check(await C.assign(building.id, { steward_id: steward.account.id, backup_id: grid.account.id }, community), 200, 'CareAssignment')
    assert.deepEqual(a, {
      building_id: building.id, path: building.path, steward_id: steward.account.id, steward_name: name('steward'),
      backup_id: grid.account.id, backup_name: name('grid'), updated_at: a.updated_at,
    })
    const rec = (await auditOf(`node:${building.id}`))[0]
    assert.deepEqual([rec.action, rec.actor_id, rec.details], ['care.stewards_assigned', community.account.id, { steward_id: steward.account.id, backup_id: grid.account.id }])
    // Without a backup.
    const solo = check(await C.assign(building.id, { steward_id: steward.account.id }, street), 200, 'CareAssignment')
    assert.deepEqual([solo.backup_id, solo.backup_name], [null, null])
    // A neighbouring building's steward may be the backup.
    const nb = await C.node(compound, 'building')
    const nbSteward = await C.account([{ role: 'steward', scope: nb.path }], 'care.nbsteward')
    assert.equal(check(await C.assign(building.id, { steward_id: steward.account.id, backup_id: nbSteward.account.id }, admin), 200, 'CareAssignment').backup_id, nbSteward.account.id)

    const body = { steward_id: steward.account.id, backup_id: grid.account.id }
    for (const who of [grid, steward]) checkError(await C.assign(building.id, body, who), 403, 'forbidden')
    for (const who of [doctor, resident, committee, volunteer, elder, ningxinWorker])
      checkError(await C.assign(building.id, body, who), 404, 'not_found', { field: 'building_id' })
    checkError(await C.assign(99999999, body, community), 404, 'not_found')
    checkError(await C.assign(compound.id, body, community), 404, 'not_found', { field: 'building_id' })
    checkError(await C.assign('x', body, community), 404, 'not_found')
    checkError(await C.assign(building.id, body), 401, 'unauthenticated')

    // Who may be named: active accounts of a care role (steward, grid worker, community or street
    // staff, district admin, doctor) over the building or inside its community.
    const disabled = await C.account([{ role: 'steward', scope: building.path }], 'care.disabled')
    await careSql(srv, `UPDATE accounts SET status = 'disabled' WHERE id = ${disabled.account.id}`)
    const fields = [
      [{ backup_id: grid.account.id }, 'steward_id'],
      [{ steward_id: 'x' }, 'steward_id'],
      [{ steward_id: elder.account.id }, 'steward_id'],
      [{ steward_id: 99999999 }, 'steward_id'],
      [{ steward_id: ningxinWorker.account.id }, 'steward_id'],
      [{ steward_id: steward.account.id, backup_id: steward.account.id }, 'backup_id'],
      [{ steward_id: steward.account.id, backup_id: ningxinWorker.account.id }, 'backup_id'],
      [{ steward_id: steward.account.id, backup_id: disabled.account.id }, 'backup_id'],
      [{ steward_id: steward.account.id, backup_id: resident.account.id }, 'backup_id'],
      // Roles that do not look after elders (a volunteer, a committee member) are not named either.
      [{ steward_id: volunteer.account.id }, 'steward_id'],
      [{ steward_id: steward.account.id, backup_id: committee.account.id }, 'backup_id'],
      [{ steward_id: steward.account.id, backup_id: 'x' }, 'backup_id'],
    ]
    for (const [json, field] of fields) checkError(await C.assign(building.id, json, community), 422, 'invalid_input', { field })

    // Back to the steward and the grid worker; the lists.
    await C.stewardsOf(building, steward, grid, community)
    const has = (l) => l.items.some((x) => x.building_id === building.id && x.steward_id === steward.account.id && x.backup_id === grid.account.id)
    for (const who of [steward, grid]) assert.ok(has(check(await C.stewards('', who), 200, 'CareAssignmentList')), `${who.account.username}'s own list`)
    assert.deepEqual(check(await C.stewards('', volunteer), 200, 'CareAssignmentList').items, [])
    assert.ok(has(check(await C.stewards(`?node_id=${kangcheng.id}`, community), 200, 'CareAssignmentList')))
    assert.ok(has(check(await C.stewards(`?node_id=${streetA.id}`, street), 200, 'CareAssignmentList')))
    assert.ok(has(check(await C.stewards(`?node_id=${building.id}`, steward), 200, 'CareAssignmentList')))
    for (const who of [steward, doctor, committee, resident])
      checkError(await C.stewards(`?node_id=${kangcheng.id}`, who), 404, 'not_found', { field: 'node_id' })
    assert.ok(has(check(await C.stewards(`?node_id=${compound.id}`, community), 200, 'CareAssignmentList')))
    checkError(await C.stewards('?node_id=x', community), 422, 'invalid_input', { field: 'node_id' })
    checkError(await C.stewards(''), 401, 'unauthenticated')
  })

  test('duty: kept by community and street staff over the node; 403 for other staff, 404 for the rest; 422 fields', async () => {
    const now = Date.now()
    const H = 3600000
    const duty = (node, who, more = {}) => ({ node_id: node.id, account_id: who.account.id, starts_at: now, ends_at: now + 8 * H, ...more })
    const d1 = check(await C.duty(duty(kangcheng, grid), community), 201, 'CareDuty')
    assert.deepEqual(d1, {
      id: d1.id, node_id: kangcheng.id, path: kangcheng.path, account_id: grid.account.id, account_name: name('grid'),
      starts_at: now, ends_at: now + 8 * H, created_at: d1.created_at,
    })
    const d2 = check(await C.duty(duty(streetA, community), street), 201, 'CareDuty')
    assert.equal(d2.path, streetA.path)
    // Inside the street: a grid worker of another community may be on the street's duty, not on 康城社区's.
    check(await C.duty(duty(streetA, ningxinWorker), admin), 201, 'CareDuty')
    checkError(await C.duty(duty(kangcheng, ningxinWorker), community), 422, 'invalid_input', { field: 'account_id' })
    // 31 days at most; ends after it starts.
    check(await C.duty(duty(kangcheng, steward, { ends_at: now + 31 * 24 * H }), community), 201, 'CareDuty')
    const fields = [
      [duty(kangcheng, grid, { ends_at: now + 31 * 24 * H + 1 }), 'ends_at'],
      [duty(kangcheng, grid, { ends_at: now }), 'ends_at'],
      [duty(kangcheng, grid, { ends_at: now - 1 }), 'ends_at'],
      [duty(kangcheng, elder), 'account_id'],
      [duty(kangcheng, grid, { account_id: 99999999 }), 'account_id'],
      [{ account_id: grid.account.id, starts_at: now, ends_at: now + H }, 'node_id'],
      [{ node_id: kangcheng.id, starts_at: now, ends_at: now + H }, 'account_id'],
      [{ node_id: kangcheng.id, account_id: grid.account.id, ends_at: now + H }, 'starts_at'],
      [{ node_id: kangcheng.id, account_id: grid.account.id, starts_at: now }, 'ends_at'],
      [duty(kangcheng, grid, { starts_at: 'x' }), 'starts_at'],
    ]
    for (const [json, field] of fields) checkError(await C.duty(json, community), 422, 'invalid_input', { field })
    // Who may: a doctor of 康城社区 is staff over it but keeps no roster (403); staff below the
    // community (the grid worker, the steward) and the rest do not see it (404).
    checkError(await C.duty(duty(kangcheng, grid), kDoctor), 403, 'forbidden')
    for (const who of [grid, steward, doctor, resident, committee, volunteer, elder])
      checkError(await C.duty(duty(kangcheng, grid), who), 404, 'not_found', { field: 'node_id' })
    checkError(await C.duty(duty(streetA, community), community), 404, 'not_found', { field: 'node_id' })
    // Duty is kept at a community or a street.
    checkError(await C.duty(duty(building, grid), community), 404, 'not_found', { field: 'node_id' })
    checkError(await C.duty(duty(compound, grid), community), 404, 'not_found', { field: 'node_id' })
    checkError(await C.duty(duty(kangcheng, grid)), 401, 'unauthenticated')

    // Lists: the node and below it, overlapping [from, to).
    const ids = (l) => l.items.map((x) => x.id)
    const atStreet = ids(check(await C.duties(`?node_id=${streetA.id}`, street), 200, 'CareDutyList'))
    assert.ok(atStreet.includes(d1.id) && atStreet.includes(d2.id), JSON.stringify(atStreet))
    const atCommunity = ids(check(await C.duties(`?node_id=${kangcheng.id}`, community), 200, 'CareDutyList'))
    assert.ok(atCommunity.includes(d1.id) && !atCommunity.includes(d2.id), JSON.stringify(atCommunity))
    assert.ok(ids(check(await C.duties(`?node_id=${kangcheng.id}`, kDoctor), 200, 'CareDutyList')).includes(d1.id))
    assert.deepEqual(ids(check(await C.duties(`?node_id=${kangcheng.id}&from=${now + 40 * 24 * H}`, community), 200, 'CareDutyList')), [])
    assert.deepEqual(ids(check(await C.duties(`?node_id=${kangcheng.id}&to=${now - H}`, community), 200, 'CareDutyList')), [])
    assert.ok(ids(check(await C.duties(`?node_id=${kangcheng.id}&from=${now + H}&to=${now + 2 * H}`, community), 200, 'CareDutyList')).includes(d1.id))
    for (const who of [grid, steward, doctor, committee, resident])
      checkError(await C.duties(`?node_id=${kangcheng.id}`, who), 404, 'not_found', { field: 'node_id' })
    checkError(await C.duties(`?node_id=${building.id}`, community), 404, 'not_found', { field: 'node_id' })
    checkError(await C.duties('', community), 422, 'invalid_input', { field: 'node_id' })
    checkError(await C.duties(`?node_id=${kangcheng.id}&from=x`, community), 422, 'invalid_input', { field: 'from' })
    checkError(await C.duties(`?node_id=${kangcheng.id}`), 401, 'unauthenticated')

    // Removing: the same rule as adding.
    checkError(await C.removeDuty(d1.id, kDoctor), 403, 'forbidden')
    for (const who of [grid, doctor, resident]) checkError(await C.removeDuty(d1.id, who), 404, 'not_found')
    checkError(await C.removeDuty(d2.id, community), 404, 'not_found') // the street's duty, above the community
    check(await C.removeDuty(d1.id, community), 204)
    checkError(await C.removeDuty(d1.id, community), 404, 'not_found')
    checkError(await C.removeDuty('x', community), 404, 'not_found')
    assert.ok(!ids(check(await C.duties(`?node_id=${kangcheng.id}`, community), 200, 'CareDutyList')).includes(d1.id))
    check(await C.removeDuty(d2.id, street), 204)
  })
})

// ---------------------------------------------------------------------------------------
// Escalation, on the server whose deadlines are 1 second

describe('escalation (care.ack_seconds = care.step_seconds = 1)', async () => {
  const F = await loginAll(fast)
  const FC = new Care(fast, F.admin)
  const places = await FC.demoPlaces()
  const fElder = await FC.elderPerson(places.building)
  await FC.stewardsOf(places.building, F.steward, F.grid, F.community)
  await FC.onDuty(places.community, F.community, F.community)
  await FC.onDuty(places.street, F.street, F.street)
  const alertedAt = (v, level) => v.timeline.filter((s) => s.kind === 'alerted' && s.level === level).map((s) => s.account_id).sort((x, y) => x - y)

  test('steward → backup → community duty → street duty, each on its deadline; acknowledging stops it where it is', async () => {
    const a = check(await FC.raise(F.elder, {}), 201, 'CareAlarm')
    assert.equal(a.due_at - a.created_at, 1000, 'MASHANG_CARE_ACK_SECONDS=1 was not applied')
    const v = await FC.waitView(a.id, (x) => x.alarm.level === 3 && x.alarm.round >= 1, { ms: 30000, what: 'the alarm to reach the street and alert it again' })
    assert.deepEqual(alertedAt(v, 0), [F.steward.account.id])
    assert.deepEqual(alertedAt(v, 1), [F.grid.account.id])
    assert.deepEqual(alertedAt(v, 2), [F.community.account.id])
    // Level 3: everyone on duty in the street, its communities included; alerted again each round.
    const street3 = [F.community.account.id, F.street.account.id].sort((x, y) => x - y)
    const level3 = alertedAt(v, 3)
    assert.ok(level3.length >= 4, `level 3 alerted once: ${level3}`)
    assert.deepEqual([...new Set(level3)], street3)
    const escalated = v.timeline.filter((s) => s.kind === 'escalated')
    assert.deepEqual(escalated.slice(0, 3).map((s) => s.level), [1, 2, 3])
    for (const s of escalated) assert.match(s.note, /^late_ms=\d+( round=\d+)?$/)
    assert.ok(escalated.some((s) => / round=1$/.test(s.note)), 'no escalated step of round 1')
    // Each deadline fires after the one before it (generous bounds: a second each, at most 10).
    assert.ok(escalated[0].at >= a.due_at, 'the backup was alerted before the steward\'s deadline')
    for (let i = 1; i < escalated.length; i++) assert.ok(escalated[i].at - escalated[i - 1].at >= 1000, `steps ${i - 1} and ${i} less than a second apart`)
    assert.ok(escalated[0].at - a.created_at < 10000, 'the first deadline fired more than 10 s late')
    // The alerted see it among their own.
    for (const who of [F.grid, F.community, F.street])
      assert.ok(check(await FC.alarms('?limit=200', who), 200, 'CareAlarmList').items.some((x) => x.id === a.id), `${who.account.username} does not list it`)
    // Anyone alerted acknowledges it: the escalation stops at its level.
    const ack = check(await FC.act(a.id, 'acknowledge', F.street), 200, 'CareAlarm')
    assert.deepEqual([ack.status, ack.level, ack.due_at, ack.acknowledged_by], ['acknowledged', 3, null, F.street.account.id])
    const stopped = await FC.view(a.id)
    await delay(2500)
    const later = await FC.view(a.id)
    assert.deepEqual(later.timeline, stopped.timeline, 'the timeline moved after the acknowledgement')
    assert.deepEqual([later.alarm.level, later.alarm.round, later.alarm.status], [3, stopped.alarm.round, 'acknowledged'])
    check(await FC.act(a.id, 'close', F.street, { outcome: 'resolved' }), 200, 'CareAlarm')
    assert.ok(fElder.id > 0)
  })

  test('a level with nobody to alert is skipped at once', async () => {
    // A building with no steward named: levels 0 and 1 are skipped in the press itself.
    const nb = await FC.node(places.compound, 'building')
    const p = await FC.person(nb)
    const a = check(await FC.raise(F.community, { person_id: p.id, drill: true }), 201, 'CareAlarm')
    assert.deepEqual([a.level, a.due_at - a.created_at], [2, 1000])
    const v = await FC.view(a.id)
    assert.deepEqual(v.timeline.slice(0, 4).map((s) => [s.kind, s.level, s.account_id]), [
      ['raised', 0, F.community.account.id],
      ['skipped', 0, null],
      ['skipped', 1, null],
      ['alerted', 2, F.community.account.id],
    ])
    assert.ok(v.timeline.slice(0, 4).every((s) => s.at === a.created_at), 'the skips were not immediate')
    // Acknowledged by the duty officer alerted (who is staff over it as well).
    check(await FC.act(a.id, 'acknowledge', F.community), 200, 'CareAlarm')
    check(await FC.act(a.id, 'close', F.community, { outcome: 'other', note: '演练结束' }), 200, 'CareAlarm')
  })
})

// ---------------------------------------------------------------------------------------
// A restart mid-chain

describe('restart', async () => {
  const S = await loginAll(slow)
  const SC = new Care(slow, S.admin)
  const places = await SC.demoPlaces()
  await SC.stewardsOf(places.building, S.steward, S.grid, S.community)

  test('a server killed with an alarm at level 0 fires the deadline that fell due while it was down as soon as it is back, once', async () => {
    const a = check(await SC.raise(S.elder, {}), 201, 'CareAlarm')
    assert.equal(a.due_at - a.created_at, 3000, 'care.ack_seconds = 3 was not applied')
    slow.child.kill('SIGKILL')
    await slow.exited
    assert.ok(Date.now() < a.due_at, 'the server was not down before the deadline')
    await delay(a.due_at - Date.now() + 1000)
    const back = Date.now()
    restarted = await startServer({ sharing: slow, config: SLOW_CONFIG })
    const RC = new Care(restarted, S.admin)
    const v = await RC.waitView(a.id, (x) => x.alarm.level === 1, { ms: 15000, what: 'the restarted server to escalate the alarm' })
    const escalated = v.timeline.filter((s) => s.kind === 'escalated')
    assert.equal(escalated.length, 1, JSON.stringify(v.timeline))
    const late = Number(escalated[0].note.match(/^late_ms=(\d+)$/)?.[1])
    assert.ok(late > 0, `late_ms: ${escalated[0].note}`)
    assert.equal(escalated[0].at - a.due_at, late)
    assert.ok(escalated[0].at >= back, 'the deadline fired before the server was back')
    assert.deepEqual(stepsOf(v, 'alerted'), [[0, S.steward.account.id], [1, S.grid.account.id]])
    assert.equal(v.alarm.due_at, escalated[0].at + 60000, 'the next deadline does not count from when the step fired')
    assert.equal(v.alarm.status, 'open')
    // Still the same alarm for the elder, and answerable.
    check(await RC.act(a.id, 'acknowledge', S.grid), 200, 'CareAlarm')
    check(await RC.act(a.id, 'close', S.grid, { outcome: 'resolved' }), 200, 'CareAlarm')
  })
})

test('servers exit 0 on SIGTERM within the shutdown grace time', async () => {
  for (const s of [srv, fast, restarted].filter(Boolean)) {
    const r = await s.stop()
    assert.equal(r.code, 0, `exit ${JSON.stringify(r)}; server log:\n${s.log()}`)
  }
})
after(async () => {
  for (const s of [srv, fast, restarted, slow].filter(Boolean)) await s.kill()
})
