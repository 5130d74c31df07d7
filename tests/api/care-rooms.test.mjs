// The station's rooms 功能室 (docs/reference/care.md, issue 7): rooms kept by the community's
// staff (every field validated; a doctor over the community 403, everyone else 404), listed for
// staff (all) and for the residents of the community (open ones); a day's slots on the UTC+8
// clock with what is left and why a slot is not bookable; booking — every check in its order,
// with its message, the booking window of the points tier, booked twice, full, and the
// capacity held under concurrency (ten residents at once for two places); cancelling before the
// slot (the place is free again); check-in by scanning the room's code (二维码+) from 15 minutes
// before the slot until it ends; the bookings listed (one's own, a room's for staff); the live
// event `care.booking_changed`.
//
// The server's clock is real: slots are computed from Date.now() on the UTC+8 clock; a booking
// is moved into the past or into its check-in time in the database where a test needs it.
//
// The demo: 滨河街道 → 康城社区 (`community` staff; its rooms 老年活动室 and 书画室 on its
// function_room places) → 第一网格 (`grid` worker) → 康城小区 → 1号楼 (the `steward`; the elder
// 刘桂兰 lives there, linked to her account); the demo `resident` 王芳 lives in 2号楼, linked.
// The doctor's grant is in another street; a doctor of 康城社区 is made here (care staff over
// it, who does not keep its rooms). Residents are made here: a person in a new household of
// 1号楼 with an account linked to them.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'

import { assertSchema, check, checkError, delay, startServer } from './harness.mjs'
import { Care, MINUTE, careSql, dayAt, isoWeekday, localDate, localDay } from './care-helpers.mjs'
import { Points } from './points-helpers.mjs'
import { randomToken } from './codes-helpers.mjs'

const LOGINS = ['admin', 'street', 'community', 'grid', 'steward', 'elder', 'resident', 'committee', 'doctor', 'volunteer']

const srv = await startServer()
const streams = []
after(async () => {
  streams.forEach((s) => s.close())
  await srv.kill()
})

const who = await Promise.all(LOGINS.map((l) => srv.loginAs(l)))
const U = Object.fromEntries(LOGINS.map((l, i) => [l, who[i]]))
const { admin, street, community, grid, steward, elder, resident, committee, doctor, volunteer } = U
const C = new Care(srv, admin)
const P = new Points(srv, admin)
const { street: streetA, community: kangcheng, building } = await C.demoPlaces()

// 宁馨社区 (the same street, another community): its staff, and a resident of a building there.
const ningxin = (await C.asAdmin(`/api/nodes?parent=${streetA.id}&limit=200`)).items.find((n) => n.name === '宁馨社区')
assert.ok(ningxin, 'the demo has no 宁馨社区')
const nxStaff = await C.account([{ role: 'community_staff', scope: ningxin.path }], 'rooms.nxstaff')
const nxBuilding = await C.node(await C.node(await C.node(ningxin, 'grid'), 'compound'), 'building')
const nxResident = await C.resident(nxBuilding)
// A doctor of 康城社区: care staff over it, not a keeper of its rooms.
const kDoctor = await C.account([{ role: 'doctor', scope: kangcheng.path }], 'rooms.kdoctor')

/** All day long in 15-minute slots: the next slot starts within 15 minutes (checked in at once). */
const ALL_DAY = { slot_minutes: 15, opens: 0, closes: 1440, days: '1234567' }
/** The start of the next 15-minute slot (after now). */
const nextQuarter = () => {
  const now = Date.now()
  return localDay(now) + Math.ceil((now - localDay(now) + 1) / (15 * MINUTE)) * 15 * MINUTE
}
const ids = (body) => body.items.map((x) => x.id)

/** A fresh resident of 1号楼 linked to their person: { person, who }. */
const newResident = () => C.resident(building)

/** Books and asserts 201 and the booking's fields. */
async function booked(room, startsAt, by, person) {
  const t0 = Date.now()
  const b = check(await C.book({ room_id: room.id, starts_at: startsAt }, by), 201, 'CareBooking')
  assert.deepEqual(b, {
    id: b.id, room_id: room.id, room_name: room.name, person_id: person.id, account_id: by.account.id, starts_at: startsAt,
    ends_at: startsAt + room.slot_minutes * MINUTE, status: 'booked', created_at: b.created_at, cancelled_at: null, checked_in_at: null,
  })
  assert.ok(b.created_at >= t0 - 1000 && b.created_at <= Date.now() + 1000, `created_at ${b.created_at} is not the server's now`)
  return b
}

/** The error of a booking refused with `status` (and `message` when given). */
async function refused(json, by, status, code, { field, message } = {}) {
  const e = checkError(await C.book(json, by), status, code, { field })
  if (message !== undefined) assert.equal(e.message, message, JSON.stringify(json))
  return e
}

/** The slot of a room starting at `startsAt`, as `w` sees it. */
async function slotAt(room, startsAt, w) {
  const l = check(await C.slots(room.id, localDate(startsAt), w), 200, 'CareSlotList').items
  const s = l.find((x) => x.starts_at === startsAt)
  assert.ok(s, `no slot at ${startsAt} in ${JSON.stringify(l.map((x) => x.starts_at))}`)
  return s
}

/** Subscribes to the live stream as `w`. */
async function subscribe(w) {
  const st = await srv.events({ token: w.token })
  check(st.reply, 200)
  streams.push(st)
  return st
}

// ---------------------------------------------------------------------------------------

describe('rooms', () => {
  test('the demo: 康城社区\'s 老年活动室 and 书画室 on their function_room places', async () => {
    const rooms = check(await C.rooms(`?community_id=${kangcheng.id}`, community), 200, 'CareRoomList').items
    const byName = Object.fromEntries(rooms.map((r) => [r.name, r]))
    for (const [name, fields] of [
      ['老年活动室', { capacity: 20, slot_minutes: 60, opens: 480, closes: 1260, days: '1234567', active: true }],
      ['书画室', { capacity: 8, slot_minutes: 90, opens: 510, closes: 1050, days: '12345', active: true }],
    ]) {
      const r = byName[name]
      assert.ok(r, `the demo has no room ${name}: ${JSON.stringify(rooms.map((x) => x.name))}`)
      assert.deepEqual({ ...r, id: 0, place_id: 0, created_at: 0, updated_at: 0 },
        { id: 0, community_id: kangcheng.id, path: kangcheng.path, name, place_id: 0, ...fields, created_at: 0, updated_at: 0 })
      const place = check(await srv.get(`/api/places/${r.place_id}`, { token: admin.token }), 200, 'Place')
      assert.deepEqual([place.kind, place.name], ['function_room', name])
      assert.ok(place.path === kangcheng.path || place.path.startsWith(`${kangcheng.path}/`), place.path)
    }
  })

  test('community staff add a room: 201 with every field; left out, the defaults', async () => {
    const { place } = await C.placeCode(kangcheng)
    const t0 = Date.now()
    const json = { community_id: kangcheng.id, name: C.fresh('棋牌室'), capacity: 12, slot_minutes: 45, opens: 540, closes: 1080, days: '135', place_id: place.id, active: true }
    const r = check(await C.addRoom(json, community), 201, 'CareRoom')
    assert.deepEqual(r, {
      id: r.id, community_id: kangcheng.id, path: kangcheng.path, name: json.name, place_id: place.id, capacity: 12, slot_minutes: 45,
      opens: 540, closes: 1080, days: '135', active: true, created_at: r.created_at, updated_at: r.created_at,
    })
    assert.ok(r.created_at >= t0 - 1000 && r.created_at <= Date.now() + 1000)
    // Only the name: capacity 1, 60-minute slots 08:00–21:00 every day, no place, open.
    const d = check(await C.addRoom({ community_id: kangcheng.id, name: C.fresh('阅览室') }, street), 201, 'CareRoom')
    assert.deepEqual([d.capacity, d.slot_minutes, d.opens, d.closes, d.days, d.place_id, d.active], [1, 60, 480, 1260, '1234567', null, true])
    // `null` is the same as left out.
    const n = check(await C.addRoom({ community_id: kangcheng.id, name: C.fresh('阅览室'), capacity: null, slot_minutes: null, opens: null,
      closes: null, days: null, place_id: null, active: null }, admin), 201, 'CareRoom')
    assert.deepEqual([n.capacity, n.slot_minutes, n.opens, n.closes, n.days, n.place_id, n.active], [1, 60, 480, 1260, '1234567', null, true])
    // The bounds themselves are valid.
    for (const more of [{ capacity: 500 }, { slot_minutes: 15 }, { slot_minutes: 480, opens: 0, closes: 480 }, { opens: 0, closes: 1440 },
      { opens: 1425, closes: 1440, slot_minutes: 15 }, { days: '7' }, { days: '1' },
      { name: '房'.repeat(21) }, { active: false }])
      await C.room(kangcheng, more, community)
  })

  test('validation: each field names itself (types first, then the ranges in order); the body before the caller', async () => {
    const base = { community_id: kangcheng.id, name: '测试房间' }
    const cases = [
      [{}, 'community_id'], [{ name: '房间' }, 'community_id'], [{ community_id: 'x', name: '房间' }, 'community_id'],
      [{ community_id: 1.5, name: '房间' }, 'community_id'],
      [{ community_id: kangcheng.id }, 'name'], [{ ...base, name: '' }, 'name'], [{ ...base, name: null }, 'name'], [{ ...base, name: 5 }, 'name'],
      [{ ...base, name: 'x'.repeat(65) }, 'name'], [{ ...base, name: '房'.repeat(22) }, 'name'], [{ ...base, name: 'x'.repeat(257) }, 'name'],
      [{ ...base, name: '一\n二' }, 'name'], [{ ...base, name: '   ' }, 'name'], [{ ...base, name: 'a\tb' }, 'name'],
      [{ ...base, capacity: 0 }, 'capacity'], [{ ...base, capacity: 501 }, 'capacity'], [{ ...base, capacity: -1 }, 'capacity'],
      [{ ...base, capacity: 'x' }, 'capacity'], [{ ...base, capacity: 2.5 }, 'capacity'],
      [{ ...base, slot_minutes: 14 }, 'slot_minutes'], [{ ...base, slot_minutes: 481 }, 'slot_minutes'], [{ ...base, slot_minutes: '60' }, 'slot_minutes'],
      [{ ...base, opens: -1 }, 'opens'], [{ ...base, opens: 1440, closes: 1440 }, 'opens'], [{ ...base, opens: 'x' }, 'opens'],
      [{ ...base, opens: 480, closes: 480 }, 'closes'], [{ ...base, opens: 600, closes: 540 }, 'closes'], [{ ...base, closes: 1441 }, 'closes'],
      [{ ...base, closes: 'x' }, 'closes'],
      // The hours hold no whole slot.
      [{ ...base, opens: 480, closes: 500, slot_minutes: 60 }, 'slot_minutes'], [{ ...base, opens: 0, closes: 479, slot_minutes: 480 }, 'slot_minutes'],
      [{ ...base, days: '' }, 'days'], [{ ...base, days: '0' }, 'days'], [{ ...base, days: '8' }, 'days'], [{ ...base, days: '21' }, 'days'],
      [{ ...base, days: '1123' }, 'days'], [{ ...base, days: '12a' }, 'days'], [{ ...base, days: '12345678' }, 'days'], [{ ...base, days: 12345 }, 'days'],
      [{ ...base, days: '1'.repeat(17) }, 'days'], [{ ...base, days: '1,2' }, 'days'],
      [{ ...base, place_id: 'x' }, 'place_id'], [{ ...base, place_id: 1.5 }, 'place_id'],
      [{ ...base, active: 'yes' }, 'active'], [{ ...base, active: 1 }, 'active'],
      // A value of the wrong type before any range; the ranges in order name, capacity, slot_minutes, opens, closes, days.
      [{ ...base, capacity: 0, active: 'x' }, 'active'], [{ ...base, name: 'x'.repeat(65), days: 5 }, 'days'],
      [{ ...base, name: 'x'.repeat(65), capacity: 0 }, 'name'], [{ ...base, capacity: 0, slot_minutes: 5 }, 'capacity'],
      [{ ...base, slot_minutes: 5, opens: -1 }, 'slot_minutes'], [{ ...base, opens: -1, closes: 0 }, 'opens'], [{ ...base, closes: 2000, days: '0' }, 'closes'],
    ]
    for (const [json, field] of cases) checkError(await C.addRoom(json, community), 422, 'invalid_input', { field })
    // The body is checked before who may: a volunteer's broken body 422, its valid one 404.
    checkError(await C.addRoom({ ...base, capacity: 0 }, volunteer), 422, 'invalid_input', { field: 'capacity' })
    checkError(await C.addRoom(base, volunteer), 404, 'not_found', { field: 'community_id' })
    // Changing: the same checks (community_id is not needed).
    const r = await C.room(kangcheng)
    for (const [json, field] of cases.filter(([j, f]) => f !== 'community_id' && j.community_id !== undefined))
      checkError(await C.changeRoom(r.id, json, community), 422, 'invalid_input', { field })
    checkError(await C.changeRoom(r.id, {}, community), 422, 'invalid_input', { field: 'name' })
    // Bodies: 415 for another media type, 400 for broken JSON, 422 for a body that is not an object.
    const raw = (body, ct) => srv.request('POST', '/api/care/rooms', { token: community.token, body, headers: { 'Content-Type': ct } })
    checkError(await raw('name=x', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type')
    checkError(await raw('{', 'application/json'), 400, 'bad_request')
    checkError(await raw('[]', 'application/json'), 422, 'invalid_input')
    checkError(await C.addRoom(base), 401, 'unauthenticated')
  })

  test('who keeps rooms: community and street staff over the community, district admins; a doctor of it 403; everyone else 404', async () => {
    for (const w of [community, street, admin]) {
      const r = check(await C.addRoom({ community_id: kangcheng.id, name: C.fresh('康乐室') }, w), 201, 'CareRoom')
      assert.equal(check(await C.changeRoom(r.id, { name: `${r.name}改` }, w), 200, 'CareRoom').name, `${r.name}改`)
    }
    const body = () => ({ community_id: kangcheng.id, name: C.fresh('康乐室') })
    checkError(await C.addRoom(body(), kDoctor), 403, 'forbidden')
    // The grid worker and the steward are below the community, not over it; the others hold no care role.
    for (const w of [grid, steward, resident, elder, committee, volunteer, doctor, nxStaff, nxResident.who])
      checkError(await C.addRoom(body(), w), 404, 'not_found', { field: 'community_id' })
    // A node that is not a community, or none.
    for (const id of [building.id, streetA.id, 99999999])
      checkError(await C.addRoom({ ...body(), community_id: id }, admin), 404, 'not_found', { field: 'community_id' })
    // Another community: its own staff, not 康城社区's.
    check(await C.addRoom({ ...body(), community_id: ningxin.id }, nxStaff), 201, 'CareRoom')
    checkError(await C.addRoom({ ...body(), community_id: ningxin.id }, community), 404, 'not_found', { field: 'community_id' })
    // Changing: the same.
    const r = await C.room(kangcheng)
    checkError(await C.changeRoom(r.id, { name: '医生改名' }, kDoctor), 403, 'forbidden')
    for (const w of [grid, steward, resident, committee, volunteer, doctor, nxStaff])
      checkError(await C.changeRoom(r.id, { name: '改名' }, w), 404, 'not_found')
    for (const id of [99999999, 'x', 0]) checkError(await C.changeRoom(id, { name: '改名' }, admin), 404, 'not_found')
    checkError(await C.changeRoom(r.id, { name: '改名' }), 401, 'unauthenticated')
    // The cookie needs the CSRF token.
    checkError(await srv.request('POST', '/api/care/rooms', { cookie: community.token, json: body() }), 403, 'forbidden')
    check(await srv.request('POST', '/api/care/rooms', { cookie: community.token, csrf: community.csrf_token, json: body() }), 201, 'CareRoom')
  })

  test('a place\'s code is on one room at most: 409 place_id', async () => {
    const { place } = await C.placeCode(kangcheng)
    const a = await C.room(kangcheng, { place_id: place.id })
    checkError(await C.addRoom({ community_id: kangcheng.id, name: C.fresh('重复'), place_id: place.id }, community), 409, 'conflict', { field: 'place_id' })
    const b = await C.room(kangcheng)
    checkError(await C.changeRoom(b.id, { name: b.name, place_id: place.id }, community), 409, 'conflict', { field: 'place_id' })
    // Freed by the first room, the place goes to the second.
    assert.equal(check(await C.changeRoom(a.id, { name: a.name }, community), 200, 'CareRoom').place_id, null)
    assert.equal(check(await C.changeRoom(b.id, { name: b.name, place_id: place.id }, community), 200, 'CareRoom').place_id, place.id)
  })

  test('changing a room replaces every field (left out: the default); bookings made stay as they were', async () => {
    const r = await C.room(kangcheng, { capacity: 3, slot_minutes: 60, opens: 480, closes: 1260, days: '1234567' })
    const { person, who: w } = await newResident()
    const at = dayAt(1, 600)
    const b = await booked(r, at, w, person)
    const t0 = Date.now()
    const changed = check(await C.changeRoom(r.id, { community_id: ningxin.id, name: `${r.name}新`, capacity: 1, slot_minutes: 90, opens: 540,
      closes: 1080, days: '67', active: false }, community), 200, 'CareRoom')
    assert.deepEqual(changed, { ...r, name: `${r.name}新`, capacity: 1, slot_minutes: 90, opens: 540, closes: 1080, days: '67', active: false,
      updated_at: changed.updated_at })
    assert.ok(changed.updated_at >= t0 - 1000 && changed.created_at === r.created_at)
    assert.equal(changed.community_id, kangcheng.id, 'a room stays in its community')
    // The booking is as it was (its slot, its end, its status).
    const listed = check(await C.bookings(`?room_id=${r.id}`, community), 200, 'CareBookingList').items
    assert.deepEqual(listed, [{ ...b, room_name: changed.name }])
    // Left out: the defaults again.
    const back = check(await C.changeRoom(r.id, { name: r.name }, community), 200, 'CareRoom')
    assert.deepEqual([back.capacity, back.slot_minutes, back.opens, back.closes, back.days, back.place_id, back.active], [1, 60, 480, 1260, '1234567', null, true])
  })

  test('listing: staff over the community see every room; residents their own community\'s open ones; 404 otherwise', async () => {
    const open = await C.room(kangcheng)
    const closed = await C.room(kangcheng, { active: false })
    const nxRoom = await C.room(ningxin)
    const list = async (q, w) => ids(check(await C.rooms(q, w), 200, 'CareRoomList'))
    for (const w of [community, street, admin, kDoctor]) {
      const l = await list(`?community_id=${kangcheng.id}`, w)
      assert.ok(l.includes(open.id) && l.includes(closed.id) && !l.includes(nxRoom.id), `${w.account.username}: ${l}`)
      assert.deepEqual(l, [...l].sort((x, y) => x - y), 'not by id')
    }
    // Residents of 康城社区 (the demo resident in 2号楼, the elder, a new one): with or without the community.
    const fresh = await newResident()
    for (const w of [resident, elder, fresh.who])
      for (const q of ['', `?community_id=${kangcheng.id}`]) {
        const l = check(await C.rooms(q, w), 200, 'CareRoomList').items
        assert.ok(l.some((x) => x.id === open.id) && !l.some((x) => x.id === closed.id) && !l.some((x) => x.id === nxRoom.id), `${w.account.username}${q}`)
        assert.ok(l.every((x) => x.active && x.community_id === kangcheng.id))
      }
    // A resident of 宁馨社区: their own rooms; 康城社区's 404.
    assert.ok((await list('', nxResident.who)).includes(nxRoom.id))
    checkError(await C.rooms(`?community_id=${kangcheng.id}`, nxResident.who), 404, 'not_found', { field: 'community_id' })
    // Linked to no person, and not staff over the community: 404 (the grid worker and the steward are below it).
    for (const w of [grid, steward, committee, volunteer, doctor, nxStaff]) {
      checkError(await C.rooms(`?community_id=${kangcheng.id}`, w), 404, 'not_found', { field: 'community_id' })
      checkError(await C.rooms('', w), 404, 'not_found', { field: 'community_id' })
    }
    // Staff without a community_id are not residents anywhere.
    checkError(await C.rooms('', community), 404, 'not_found', { field: 'community_id' })
    checkError(await C.rooms('?community_id=x', community), 422, 'invalid_input', { field: 'community_id' })
    checkError(await C.rooms(''), 401, 'unauthenticated')
    // Closed again to residents, open again.
    check(await C.changeRoom(open.id, { name: open.name, active: false }, community), 200, 'CareRoom')
    assert.ok(!(await list('', fresh.who)).includes(open.id))
    check(await C.changeRoom(open.id, { name: open.name }, community), 200, 'CareRoom')
    assert.ok((await list('', fresh.who)).includes(open.id))
  })
})

describe('slots', () => {
  test('a day\'s slots: from `opens` in steps of `slot_minutes` while a whole slot fits; counts; for staff linked to no person `window`', async () => {
    const r = await C.room(kangcheng, { capacity: 3, slot_minutes: 90, opens: 480, closes: 1000, days: '1234567' })
    const date = localDate(dayAt(1, 0))
    const dayStart = dayAt(1, 0)
    const want = (why) => [480, 570, 660, 750, 840].map((m) => ({
      starts_at: dayStart + m * MINUTE, ends_at: dayStart + (m + 90) * MINUTE, capacity: 3, booked: 0, bookable: why === null, why_not: why,
    }))
    const { person, who: w } = await newResident()
    assert.deepEqual(check(await C.slots(r.id, date, w), 200, 'CareSlotList'), { items: want(null) })
    // Staff see the room, but book nothing: beyond their window (no person).
    for (const s of [community, kDoctor, admin]) assert.deepEqual(check(await C.slots(r.id, date, s), 200, 'CareSlotList'), { items: want('window') })
    // A booking counts; cancelled, it does not.
    const b = await booked(r, dayStart + 570 * MINUTE, w, person)
    const other = await newResident()
    const after = check(await C.slots(r.id, date, other.who), 200, 'CareSlotList').items
    assert.deepEqual(after.map((s) => s.booked), [0, 1, 0, 0, 0])
    assert.ok(after.every((s) => s.bookable))
    check(await C.cancelBooking(b.id, w), 200, 'CareBooking')
    assert.deepEqual(check(await C.slots(r.id, date, other.who), 200, 'CareSlotList').items.map((s) => s.booked), [0, 0, 0, 0, 0])
    // Minute 1440 closes the day: the last slot may end at midnight.
    const late = await C.room(kangcheng, { slot_minutes: 120, opens: 1200, closes: 1440 })
    const l = check(await C.slots(late.id, date, w), 200, 'CareSlotList').items
    assert.deepEqual(l.map((s) => [s.starts_at, s.ends_at]), [[dayStart + 1200 * MINUTE, dayStart + 1320 * MINUTE], [dayStart + 1320 * MINUTE, dayStart + 1440 * MINUTE]])
  })

  test('why not: past (today\'s begun slots), full, window (beyond the booking window); a closed day has none', async () => {
    const r = await C.room(kangcheng, { capacity: 1, slot_minutes: 60, opens: 0, closes: 1440, days: '1234567' })
    const { person, who: w } = await newResident()
    const now = Date.now()
    const today = check(await C.slots(r.id, localDate(now), w), 200, 'CareSlotList').items
    assert.equal(today.length, 24)
    for (const s of today) {
      const past = s.starts_at <= Date.now() - 2000
      if (past || s.starts_at > Date.now() + 2000) assert.deepEqual([s.bookable, s.why_not], past ? [false, 'past'] : [true, null], JSON.stringify(s))
    }
    assert.equal(today[0].why_not, 'past', 'midnight has passed')
    // Today and three days after (a standard tier): bookable; the fourth day: the window.
    for (const [days, why] of [[1, null], [3, null], [4, 'window'], [10, 'window']]) {
      const l = check(await C.slots(r.id, localDate(dayAt(days, 0)), w), 200, 'CareSlotList').items
      assert.ok(l.every((s) => s.why_not === why && s.bookable === (why === null)), `day +${days}: ${JSON.stringify(l[0])}`)
    }
    // Full: the booker and everyone else see `full`; a past day stays `past`.
    const at = dayAt(2, 600)
    await booked(r, at, w, person)
    const other = await newResident()
    for (const x of [w, other.who, community]) {
      const s = await slotAt(r, at, x)
      assert.deepEqual([s.booked, s.bookable, s.why_not], [1, false, 'full'])
    }
    const yesterday = check(await C.slots(r.id, localDate(dayAt(-1, 0)), w), 200, 'CareSlotList').items
    assert.ok(yesterday.length === 24 && yesterday.every((s) => s.why_not === 'past'))
    // A day the room is closed: no slots at all.
    const tomorrow = dayAt(1, 600)
    const closedDays = '1234567'.replace(String(isoWeekday(tomorrow)), '')
    const c = await C.room(kangcheng, { days: closedDays })
    assert.deepEqual(check(await C.slots(c.id, localDate(tomorrow), w), 200, 'CareSlotList'), { items: [] })
    assert.equal(check(await C.slots(c.id, localDate(dayAt(2, 600)), w), 200, 'CareSlotList').items.length, 13)
  })

  test('who reads slots: staff over the community and its residents (open rooms); 404 otherwise; the date 422 first', async () => {
    const r = await C.room(kangcheng)
    const closed = await C.room(kangcheng, { active: false })
    const date = localDate(dayAt(1, 0))
    for (const w of [community, street, admin, kDoctor, resident, elder])
      assert.equal(check(await C.slots(r.id, date, w), 200, 'CareSlotList').items.length, 13)
    for (const w of [community, kDoctor]) check(await C.slots(closed.id, date, w), 200, 'CareSlotList')
    for (const w of [resident, elder]) checkError(await C.slots(closed.id, date, w), 404, 'not_found')
    for (const w of [grid, steward, committee, volunteer, doctor, nxStaff, nxResident.who]) checkError(await C.slots(r.id, date, w), 404, 'not_found')
    for (const id of [99999999, 'x']) checkError(await C.slots(id, date, admin), 404, 'not_found')
    // The date: missing or malformed 422, before the room is looked up.
    for (const bad of [undefined, '', 'tomorrow', '2025-13-01', '2025-00-10', '2025-01-32', '2025-1-01', '20250101', '2025/01/01', '1999-12-31', '2101-01-01'])
      checkError(await C.slots(r.id, bad, resident), 422, 'invalid_input', { field: 'date' })
    checkError(await C.slots(99999999, 'x', admin), 422, 'invalid_input', { field: 'date' })
    checkError(await C.slots(99999999, 'x', volunteer), 422, 'invalid_input', { field: 'date' })
    checkError(await C.slots(r.id, date), 401, 'unauthenticated')
  })
})

describe('booking', () => {
  test('a resident books a slot of their community\'s room: 201; the slot counts it; listed; care.booking_changed to the staff over the room', async () => {
    const r = await C.room(kangcheng, { capacity: 4, slot_minutes: 60, opens: 480, closes: 1260 })
    const { person, who: w } = await newResident()
    const s = await subscribe(community)
    const vol = await subscribe(volunteer) // a grant over the community, not a care role: care's events pass it by
    const outside = await subscribe(nxStaff)
    const at = dayAt(1, 600)
    const b = await booked(r, at, w, person)
    assert.deepEqual([(await slotAt(r, at, w)).booked, (await slotAt(r, at, community)).booked], [1, 1])
    assert.deepEqual(check(await C.bookings('', w), 200, 'CareBookingList').items, [b])
    const mine = (d) => d.payload?.booking_id === b.id
    for (const st of [s]) {
      const ev = (await st.nextEvent('care.booking_changed', mine, { ms: 5000 })).data
      assertSchema(ev, 'Event', 'care.booking_changed')
      assertSchema(ev, 'CareBookingEvent', 'care.booking_changed')
      assert.deepEqual([ev.type, ev.subject, ev.scope, ev.payload], ['care.booking_changed', `care_booking:${b.id}`, kangcheng.path,
        { booking_id: b.id, room_id: r.id, status: 'booked' }])
    }
    // The demo resident (2号楼) and the elder book too: the same community.
    const home = check(await srv.get('/api/points/me', { token: resident.token }), 200).person_id
    const elderPerson = await C.elderPerson(building)
    await booked(r, at, resident, { id: home })
    await booked(r, at, elder, elderPerson)
    assert.equal((await slotAt(r, at, community)).booked, 3)
    // Through the cookie the CSRF token is needed.
    const other = await newResident()
    checkError(await srv.request('POST', '/api/care/bookings', { cookie: other.who.token, json: { room_id: r.id, starts_at: at } }), 403, 'forbidden')
    check(await srv.request('POST', '/api/care/bookings', { cookie: other.who.token, csrf: other.who.csrf_token, json: { room_id: r.id, starts_at: at } }), 201, 'CareBooking')
    await delay(300)
    assert.ok(!outside.events.some((i) => i.event === 'care.booking_changed' && mine(i.data || {})), 'another community\'s staff saw the booking')
    assert.ok(!vol.events.some((i) => i.event === 'care.booking_changed' && mine(i.data || {})), 'the volunteer saw the booking')
    for (const st of [s, vol, outside]) st.close()
  })

  test('the checks in order: the body, 403 no person, 404 no such open room of theirs, 422 closed day / not a slot start / begun / beyond the window, 409 booked / full', async () => {
    // 08:00–21:00 in 60-minute slots, closed tomorrow (open every other day).
    const tomorrowWd = isoWeekday(dayAt(1, 600))
    const days = '1234567'.replace(String(tomorrowWd), '')
    const r = await C.room(kangcheng, { capacity: 5, slot_minutes: 60, opens: 480, closes: 1260, days })
    const { person, who: w } = await newResident()
    const json = (minute, day = 2) => ({ room_id: r.id, starts_at: dayAt(day, minute) })
    // The body: room_id and starts_at, integers.
    for (const [body, field] of [[{}, 'room_id'], [{ starts_at: dayAt(2, 600) }, 'room_id'], [{ room_id: 'x', starts_at: 1 }, 'room_id'],
      [{ room_id: r.id }, 'starts_at'], [{ room_id: r.id, starts_at: '10:00' }, 'starts_at'], [{ room_id: r.id, starts_at: 1.5 }, 'starts_at'],
      [{ room_id: r.id, starts_at: null }, 'starts_at']])
      await refused(body, w, 422, 'invalid_input', { field })
    // 403: an account linked to no person, whatever it names.
    for (const x of [community, admin, grid, volunteer, kDoctor])
      await refused(json(600), x, 403, 'forbidden', { message: 'your account is linked to no person' })
    await refused({ room_id: 99999999, starts_at: 5 }, volunteer, 403, 'forbidden')
    // 404 (room_id): no such room, another community's, a closed one — before the time is looked at.
    const nxRoom = await C.room(ningxin)
    const closedRoom = await C.room(kangcheng, { active: false })
    for (const id of [99999999, nxRoom.id, closedRoom.id])
      await refused({ room_id: id, starts_at: 12345 }, w, 404, 'not_found', { field: 'room_id', message: 'no such room in your community' })
    await refused({ room_id: r.id, starts_at: dayAt(2, 600) }, nxResident.who, 404, 'not_found', { field: 'room_id' })

    const closedDay = 'the room is closed that day'
    const notStart = 'not the start of a slot: the room is open 08:00–21:00 in slots of 60 minutes'
    const begun = 'the slot has begun already'
    const window = 'you may book up to 3 days ahead (your points tier)'
    const at = (field, message) => ({ field, message })
    // The room is closed that day (tomorrow), even at a slot's start, even misaligned.
    for (const m of [600, 630, 0]) await refused(json(m, 1), w, 422, 'invalid_input', at('starts_at', closedDay))
    // Not the start of a slot within the hours: between starts, before opening, at or after closing, off the minute.
    for (const starts of [dayAt(2, 630), dayAt(2, 601), dayAt(2, 420), dayAt(2, 479), dayAt(2, 1260), dayAt(2, 1320), dayAt(2, 600) + 30000, dayAt(2, 600) + 1])
      await refused({ room_id: r.id, starts_at: starts }, w, 422, 'invalid_input', at('starts_at', notStart))
    // The slot has begun: yesterday's, the day before (both open days); misaligned in the past is "not a start".
    await refused(json(600, -1), w, 422, 'invalid_input', at('starts_at', begun))
    await refused(json(480, -2), w, 422, 'invalid_input', at('starts_at', begun))
    await refused(json(630, -1), w, 422, 'invalid_input', at('starts_at', notStart))
    // Beyond the window: today and three days after (standard tier); the fourth day is out.
    await refused(json(600, 4), w, 422, 'invalid_input', at('starts_at', window))
    await refused(json(480, 11), w, 422, 'invalid_input', at('starts_at', window))
    await refused(json(630, 4), w, 422, 'invalid_input', at('starts_at', notStart))
    // Then: 201 on the last day of the window, at its first and last slots.
    await booked(r, dayAt(3, 480), w, person)
    await booked(r, dayAt(3, 1200), w, person)
    // 409 booked by them already — before whether the slot is full.
    const b = await booked(r, dayAt(2, 600), w, person)
    await refused(json(600), w, 409, 'conflict', { message: 'you have booked this slot already' })
    // Cancelled, it may be booked again.
    check(await C.cancelBooking(b.id, w), 200, 'CareBooking')
    await booked(r, dayAt(2, 600), w, person)
    // 409 the slot is full.
    const tiny = await C.room(kangcheng, { capacity: 1 })
    await booked(tiny, dayAt(2, 600), w, person)
    await refused({ room_id: tiny.id, starts_at: dayAt(2, 600) }, w, 409, 'conflict', { message: 'you have booked this slot already' })
    const other = await newResident()
    await refused({ room_id: tiny.id, starts_at: dayAt(2, 600) }, other.who, 409, 'conflict', { message: 'the slot is full' })
    checkError(await C.book(json(600)), 401, 'unauthenticated')
  })

  test('the booking window grows with the points tier: silver 5 days, gold 7', async () => {
    const r = await C.room(kangcheng, { capacity: 5, ...ALL_DAY })
    const { person, who: w } = await newResident()
    const window = (n) => `you may book up to ${n} days ahead (your points tier)`
    await refused({ room_id: r.id, starts_at: dayAt(4, 600) }, w, 422, 'invalid_input', { field: 'starts_at', message: window(3) })
    await P.fund(person.id, 100, community, committee) // silver
    await booked(r, dayAt(5, 600), w, person)
    await refused({ room_id: r.id, starts_at: dayAt(6, 0) }, w, 422, 'invalid_input', { field: 'starts_at', message: window(5) })
    assert.equal((await slotAt(r, dayAt(5, 1425), w)).why_not, null)
    assert.equal((await slotAt(r, dayAt(6, 0), w)).why_not, 'window')
    await P.fund(person.id, 200, community, committee) // gold
    await booked(r, dayAt(7, 1425), w, person)
    await refused({ room_id: r.id, starts_at: dayAt(8, 0) }, w, 422, 'invalid_input', { field: 'starts_at', message: window(7) })
    assert.equal((await slotAt(r, dayAt(8, 0), w)).why_not, 'window')
  })

  test('capacity under concurrency: ten residents book a slot of two places at once — exactly two 201, eight 409 "the slot is full"', async () => {
    const r = await C.room(kangcheng, { capacity: 2, slot_minutes: 60, opens: 480, closes: 1260 })
    const residents = await Promise.all(Array.from({ length: 10 }, () => newResident()))
    const at = dayAt(1, 600)
    const tally = async (group, startsAt) => {
      const replies = await Promise.all(group.map(({ who: w }) => C.book({ room_id: r.id, starts_at: startsAt }, w)))
      const won = replies.filter((x) => x.status === 201).map((x) => check(x, 201, 'CareBooking'))
      for (const x of replies.filter((y) => y.status !== 201)) {
        const e = checkError(x, 409, 'conflict')
        assert.equal(e.message, 'the slot is full')
      }
      return won
    }
    const won = await tally(residents, at)
    assert.equal(won.length, 2, `${won.length} bookings for 2 places`)
    assert.deepEqual((await slotAt(r, at, community)).booked, 2)
    const listed = check(await C.bookings(`?room_id=${r.id}`, community), 200, 'CareBookingList').items
    assert.deepEqual(listed.map((b) => b.id).sort((x, y) => x - y), won.map((b) => b.id).sort((x, y) => x - y))
    // A cancellation frees one place: of the eight, once more all at once, exactly one gets it.
    check(await C.cancelBooking(won[0].id, residents.find((x) => x.who.account.id === won[0].account_id).who), 200, 'CareBooking')
    assert.equal((await slotAt(r, at, community)).booked, 1)
    const losers = residents.filter((x) => !won.some((b) => b.account_id === x.who.account.id))
    assert.equal((await tally(losers, at)).length, 1)
    assert.equal((await slotAt(r, at, community)).booked, 2)
    // Another slot, a wider room: twenty at once for five places.
    const wide = await C.room(kangcheng, { capacity: 5, slot_minutes: 60, opens: 480, closes: 1260 })
    const more = [...residents, ...(await Promise.all(Array.from({ length: 10 }, () => newResident())))]
    const replies = await Promise.all(more.map(({ who: w }) => C.book({ room_id: wide.id, starts_at: at }, w)))
    assert.deepEqual([replies.filter((x) => x.status === 201).length, replies.filter((x) => x.status === 409).length], [5, 15])
    assert.equal((await slotAt(wide, at, community)).booked, 5)
    // One resident posting the same booking five times at once: one booking.
    const one = await newResident()
    const roomy = await C.room(kangcheng, { capacity: 10 })
    const same = await Promise.all(Array.from({ length: 5 }, () => C.book({ room_id: roomy.id, starts_at: at }, one.who)))
    assert.deepEqual([same.filter((x) => x.status === 201).length, same.filter((x) => x.status === 409).length], [1, 4])
    for (const x of same.filter((y) => y.status === 409)) checkError(x, 409, 'conflict')
    assert.equal((await slotAt(roomy, at, community)).booked, 1)
  })
})

describe('cancelling', () => {
  test('the booker or staff over the room, before the slot: 200, the place free again, care.booking_changed; twice 409; others 404', async () => {
    const r = await C.room(kangcheng, { capacity: 1, slot_minutes: 60, opens: 480, closes: 1260 })
    const { person, who: w } = await newResident()
    const s = await subscribe(community)
    const at = dayAt(1, 600)
    const b = await booked(r, at, w, person)
    const other = await newResident()
    await refused({ room_id: r.id, starts_at: at }, other.who, 409, 'conflict', { message: 'the slot is full' })
    // Not theirs: 404 (another resident, staff below or outside the community, other roles).
    for (const x of [other.who, grid, steward, volunteer, committee, doctor, nxStaff, resident])
      checkError(await C.cancelBooking(b.id, x), 404, 'not_found')
    for (const id of [99999999, 'x']) checkError(await C.cancelBooking(id, admin), 404, 'not_found')
    checkError(await C.cancelBooking(b.id), 401, 'unauthenticated')
    // The booker.
    const t0 = Date.now()
    const c = check(await C.cancelBooking(b.id, w), 200, 'CareBooking')
    assert.deepEqual(c, { ...b, status: 'cancelled', cancelled_at: c.cancelled_at })
    assert.ok(c.cancelled_at >= t0 - 1000 && c.cancelled_at <= Date.now() + 1000)
    const ev = (await s.nextEvent('care.booking_changed', (d) => d.payload?.booking_id === b.id && d.payload?.status === 'cancelled', { ms: 5000 })).data
    assertSchema(ev, 'CareBookingEvent', 'care.booking_changed')
    assert.deepEqual([ev.subject, ev.scope, ev.payload], [`care_booking:${b.id}`, kangcheng.path, { booking_id: b.id, room_id: r.id, status: 'cancelled' }])
    // Free again: the slot counts none; the other resident books it.
    assert.equal((await slotAt(r, at, community)).booked, 0)
    const b2 = await booked(r, at, other.who, other.person)
    // Twice: 409.
    const e = checkError(await C.cancelBooking(b.id, w), 409, 'conflict')
    assert.equal(e.message, 'the booking is cancelled already')
    // Staff over the room cancel anyone's: community and street staff, the admin, a doctor of the community.
    for (const x of [community, street, admin, kDoctor]) {
      const mine = x === community ? b2 : await booked(r, at, other.who, other.person)
      assert.equal(check(await C.cancelBooking(mine.id, x), 200, 'CareBooking').status, 'cancelled')
    }
    assert.equal((await slotAt(r, at, community)).booked, 0)
    s.close()
  })

  test('after the slot has begun, or once checked in: 409, and the place stays taken', async () => {
    const r = await C.room(kangcheng, { capacity: 2, ...ALL_DAY })
    const { person, who: w } = await newResident()
    const at = dayAt(1, 600)
    const b = await booked(r, at, w, person)
    // Its slot moved into the past (the server's clock is real).
    const now = Date.now()
    await careSql(srv, `UPDATE care_bookings SET starts_at = ${now - 5 * MINUTE}, ends_at = ${now + 10 * MINUTE} WHERE id = ${b.id}`)
    for (const x of [w, community]) {
      const e = checkError(await C.cancelBooking(b.id, x), 409, 'conflict')
      assert.equal(e.message, 'the slot has begun: it can no longer be cancelled')
    }
    assert.equal((await slotAt(r, at, community)).booked, 1)
    // Checked in: 409.
    const { code } = await C.placeCode(kangcheng)
    check(await C.changeRoom(r.id, { name: r.name, capacity: 2, ...ALL_DAY, place_id: code.target_id }, community), 200, 'CareRoom')
    assert.equal(check(await C.checkIn({ token: code.token }, w), 200, 'CareBooking').status, 'checked_in')
    const e = checkError(await C.cancelBooking(b.id, w), 409, 'conflict')
    assert.equal(e.message, 'the booking is checked_in already')
  })
})

describe('check-in', () => {
  // A room open all day in 15-minute slots, on a function_room place of its own with a code.
  const ctx = {}
  const room = async () => {
    if (!ctx.room) {
      const { place, code } = await C.placeCode(kangcheng)
      ctx.room = await C.room(kangcheng, { capacity: 50, ...ALL_DAY, place_id: place.id })
      ctx.code = code
    }
    return ctx
  }

  test('the booker scans the room\'s code within 15 minutes of the slot: 200 checked_in; again 409', async () => {
    const { room: r, code } = await room()
    assert.equal(code.kind, 'function_room')
    const { person, who: w } = await newResident()
    const at = nextQuarter()
    const b = await booked(r, at, w, person)
    const t0 = Date.now()
    const c = check(await C.checkIn({ token: code.token }, w), 200, 'CareBooking')
    assert.deepEqual(c, { ...b, status: 'checked_in', checked_in_at: c.checked_in_at })
    assert.ok(c.checked_in_at >= t0 - 1000 && c.checked_in_at <= Date.now() + 1000)
    assert.deepEqual(check(await C.bookings(`?room_id=${r.id}`, community), 200, 'CareBookingList').items.find((x) => x.id === b.id), c)
    // Again: nothing left to check in.
    const e = checkError(await C.checkIn({ token: code.token }, w), 409, 'conflict')
    assert.equal(e.message, 'you have no booking for this room now')
    // The checked-in place still counts.
    assert.equal((await slotAt(r, at, community)).booked, 1)
  })

  test('the check-in time: from 15 minutes before the slot until it ends; too early, over or cancelled 409', async () => {
    const { room: r, code } = await room()
    const { person, who: w } = await newResident()
    const no = async () => {
      const e = checkError(await C.checkIn({ token: code.token }, w), 409, 'conflict')
      assert.equal(e.message, 'you have no booking for this room now')
    }
    // Booked for tomorrow: too early.
    const b = await booked(r, dayAt(1, 600), w, person)
    await no()
    const move = async (startsAt, endsAt) => careSql(srv, `UPDATE care_bookings SET starts_at = ${startsAt}, ends_at = ${endsAt} WHERE id = ${b.id}`)
    // 16 minutes ahead: still too early; 14 minutes ahead: in.
    let now = Date.now()
    await move(now + 16 * MINUTE, now + 31 * MINUTE)
    await no()
    // Over (it ended a minute ago): 409.
    await move(now - 16 * MINUTE, now - MINUTE)
    await no()
    now = Date.now()
    await move(now + 14 * MINUTE, now + 29 * MINUTE)
    assert.equal(check(await C.checkIn({ token: code.token }, w), 200, 'CareBooking').status, 'checked_in')
    // Begun already (until it ends): in.
    const late = await booked(r, dayAt(1, 660), w, person)
    now = Date.now()
    await careSql(srv, `UPDATE care_bookings SET starts_at = ${now - 10 * MINUTE}, ends_at = ${now + 5 * MINUTE} WHERE id = ${late.id}`)
    assert.equal(check(await C.checkIn({ token: code.token }, w), 200, 'CareBooking').id, late.id)
    // Cancelled: nothing to check in.
    const c = await booked(r, nextQuarter(), w, person)
    check(await C.cancelBooking(c.id, w), 200, 'CareBooking')
    await no()
  })

  test('only the booker: others with the same code 409 (staff too); a booking of another room does not count', async () => {
    const { room: r, code } = await room()
    const { person, who: w } = await newResident()
    const at = nextQuarter()
    await booked(r, at, w, person)
    const other = await newResident()
    for (const x of [other.who, community, admin, steward, volunteer, resident]) {
      const e = checkError(await C.checkIn({ token: code.token }, x), 409, 'conflict')
      assert.equal(e.message, 'you have no booking for this room now')
    }
    // A booking now of another room, scanned at this one: 409.
    const { place: p2, code: code2 } = await C.placeCode(kangcheng)
    const r2 = await C.room(kangcheng, { capacity: 5, ...ALL_DAY, place_id: p2.id })
    await booked(r2, at, other.who, other.person)
    checkError(await C.checkIn({ token: code.token }, other.who), 409, 'conflict')
    assert.equal(check(await C.checkIn({ token: code2.token }, other.who), 200, 'CareBooking').room_id, r2.id)
    assert.equal(check(await C.checkIn({ token: code.token }, w), 200, 'CareBooking').room_id, r.id)
  })

  test('the code: missing 422, unknown 404, retired 410, not a function room\'s or on no room 422 (field token)', async () => {
    const { room: r } = await room()
    const { person, who: w } = await newResident()
    await booked(r, nextQuarter(), w, person)
    for (const body of [{}, { token: '' }, { token: null }, { token: 5 }, { token: 'x'.repeat(257) }])
      checkError(await C.checkIn(body, w), 422, 'invalid_input', { field: 'token' })
    for (const token of [randomToken(), 'not-a-token']) checkError(await C.checkIn({ token }, w), 404, 'not_found', { field: 'token' })
    // A room whose code was rotated: the old plate 410, the new one checks in.
    const { place, code } = await C.placeCode(kangcheng)
    const rr = await C.room(kangcheng, { capacity: 5, ...ALL_DAY, place_id: place.id })
    await booked(rr, nextQuarter(), w, person)
    const next = check(await srv.post(`/api/codes/${code.token}/rotate`, { reason: '功能室测试换码' }, { token: admin.token }), 201, 'Code')
    checkError(await C.checkIn({ token: code.token }, w), 410, 'gone', { field: 'token', ref: 'Gone' })
    assert.equal(check(await C.checkIn({ token: next.token }, w), 200, 'CareBooking').room_id, rr.id)
    // Not a function room's code: a household's door, a stall's.
    const door = await C.doorCode(person.household_id)
    const { code: stall } = await C.placeCode(kangcheng, 'stall')
    for (const token of [door.token, stall.token]) {
      const e = checkError(await C.checkIn({ token }, w), 422, 'invalid_input', { field: 'token' })
      assert.equal(e.message, 'this is not a function room\'s code')
    }
    // A function room's code on no room.
    const { code: bare } = await C.placeCode(kangcheng)
    const e = checkError(await C.checkIn({ token: bare.token }, w), 422, 'invalid_input', { field: 'token' })
    assert.equal(e.message, 'this code is on no bookable room')
    checkError(await C.checkIn({ token: door.token }), 401, 'unauthenticated')
    checkError(await srv.request('POST', '/api/care/bookings/check-in', { token: w.token, body: '{', headers: { 'Content-Type': 'application/json' } }), 400, 'bad_request')
  })

  test('the demo room 老年活动室: checked in by its place\'s code', async () => {
    const demo = check(await C.rooms('', resident), 200, 'CareRoomList').items.find((x) => x.name === '老年活动室')
    assert.ok(demo && demo.place_id)
    const r = await srv.post('/api/codes', { kind: 'function_room', target_id: demo.place_id }, { token: admin.token })
    const code = check(r, r.status === 200 ? 200 : 201, 'Code')
    const { person, who: w } = await newResident()
    const b = await booked(demo, dayAt(1, 600), w, person)
    // Its hours are 08:00–21:00: the booking is moved to now in the database.
    const now = Date.now()
    await careSql(srv, `UPDATE care_bookings SET starts_at = ${now - MINUTE}, ends_at = ${now + 59 * MINUTE} WHERE id = ${b.id}`)
    const c = check(await C.checkIn({ token: code.token }, w), 200, 'CareBooking')
    assert.deepEqual([c.id, c.room_id, c.room_name, c.status], [b.id, demo.id, '老年活动室', 'checked_in'])
  })
})

describe('bookings listed', () => {
  test('one\'s own (by start, cancelled and checked in too, from/to); a room\'s for staff over it; 404 for the rest; 422 queries', async () => {
    const r = await C.room(kangcheng, { capacity: 5, slot_minutes: 60, opens: 480, closes: 1260 })
    const r2 = await C.room(kangcheng, { capacity: 5, slot_minutes: 60, opens: 480, closes: 1260 })
    const { person, who: w } = await newResident()
    const other = await newResident()
    const b3 = await booked(r, dayAt(3, 600), w, person)
    const b1 = await booked(r2, dayAt(1, 600), w, person)
    const b2 = await booked(r, dayAt(2, 600), w, person)
    const o = await booked(r, dayAt(2, 600), other.who, other.person)
    const c2 = check(await C.cancelBooking(b2.id, w), 200, 'CareBooking')
    // Own: by start, the cancelled one too, nobody else's.
    assert.deepEqual(check(await C.bookings('', w), 200, 'CareBookingList').items, [b1, c2, b3])
    assert.deepEqual(ids(check(await C.bookings('', other.who), 200, 'CareBookingList')), [o.id])
    // [from, to) by the slot's start.
    assert.deepEqual(ids(check(await C.bookings(`?from=${b2.starts_at}`, w), 200, 'CareBookingList')), [b2.id, b3.id])
    assert.deepEqual(ids(check(await C.bookings(`?to=${b2.starts_at}`, w), 200, 'CareBookingList')), [b1.id])
    assert.deepEqual(ids(check(await C.bookings(`?from=${b2.starts_at}&to=${b3.starts_at}`, w), 200, 'CareBookingList')), [b2.id])
    assert.deepEqual(ids(check(await C.bookings(`?from=${b3.starts_at + 1}`, w), 200, 'CareBookingList')), [])
    // Staff with nothing booked: an empty list.
    assert.deepEqual(check(await C.bookings('', community), 200, 'CareBookingList'), { items: [] })
    // A room's: for staff over it, everyone's, by start then id.
    // (b2 and o share a slot: b2 was booked first.)
    for (const x of [community, street, admin, kDoctor])
      assert.deepEqual(check(await C.bookings(`?room_id=${r.id}`, x), 200, 'CareBookingList').items, [c2, o, b3])
    assert.deepEqual(ids(check(await C.bookings(`?room_id=${r.id}&from=${dayAt(3, 0)}`, community), 200, 'CareBookingList')), [b3.id])
    // The booker is no staff: a room's list 404 (field room_id); so for staff below or outside the community.
    for (const x of [w, resident, grid, steward, volunteer, doctor, nxStaff])
      checkError(await C.bookings(`?room_id=${r.id}`, x), 404, 'not_found', { field: 'room_id' })
    checkError(await C.bookings('?room_id=99999999', admin), 404, 'not_found', { field: 'room_id' })
    for (const q of ['?room_id=x', '?from=x', '?to=1.5'])
      checkError(await C.bookings(q, community), 422, 'invalid_input', { field: q.slice(1).split('=')[0] })
    checkError(await C.bookings(''), 401, 'unauthenticated')
  })
})

test('the server exits 0 on SIGTERM within the shutdown grace time', async () => {
  streams.forEach((s) => s.close())
  const r = await srv.stop()
  assert.equal(r.code, 0, `exit ${JSON.stringify(r)}; server log:\n${srv.log()}`)
})
