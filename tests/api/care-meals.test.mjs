// Meals 助餐 (docs/reference/care.md, issue 7): a community's menu a day kept by its staff (every
// check in its order, a doctor of the community 403, everyone else 404; one menu a day); the
// menus listed for staff and for the community's residents; the menu changed — dishes merged by
// id, a dish with orders kept, portions never below what is ordered, a way orders use kept on;
// orders — every check in its order, the cut-off (the server's clock is real: a menu of today
// whose cut-off is a few seconds away, waited for), sold out under concurrency (twenty residents
// for five portions: exactly five), an order of several dishes all or nothing; cancelling frees
// the portions; serving; the staff's list with delivery addresses and one's own; the kitchen's
// count without cancelled orders; the live event `care.meal_changed`.
//
// The demo: 滨河街道 → 康城社区 (`community` staff; menus for tomorrow and the day after) →
// 第一网格 (`grid` worker) → 康城小区 → 1号楼 (the `steward`; the elder 刘桂兰 lives there,
// linked to her account); the demo `resident` 王芳 lives in 2号楼, linked. A doctor of 康城社区 is
// made here (care staff over it, who does not keep its menus); residents are made here: a person
// in a new household of 1号楼 with an account linked to them. Each menu of 康城社区 made here is
// on a day of its own (three days from now on); a menu of today is made in a new community.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'

import { assertSchema, check, checkError, delay, startServer } from './harness.mjs'
import { Care, DAY, MINUTE, dayAt, localDate, localDay } from './care-helpers.mjs'

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
const { street: streetA, community: kangcheng, building } = await C.demoPlaces()
const elderP = await C.elderPerson(building)

// 宁馨社区 (the same street, another community): its staff, a resident of a building there.
const ningxin = (await C.asAdmin(`/api/nodes?parent=${streetA.id}&limit=200`)).items.find((n) => n.name === '宁馨社区')
assert.ok(ningxin, 'the demo has no 宁馨社区')
const nxStaff = await C.account([{ role: 'community_staff', scope: ningxin.path }], 'meals.nxstaff')
const nxBuilding = await C.node(await C.node(await C.node(ningxin, 'grid'), 'compound'), 'building')
const nxResident = await C.resident(nxBuilding)
// A doctor of 康城社区: care staff over it, not a keeper of its menus.
const kDoctor = await C.account([{ role: 'doctor', scope: kangcheng.path }], 'meals.kdoctor')
// The demo resident's person (2号楼).
const residentPerson = check(await srv.get('/api/points/me', { token: resident.token }), 200).person_id

/** A day of 康城社区 no other menu of this file uses (from three days ahead on). */
let nextDay = 3
const freshDay = () => localDate(dayAt(nextDay++, 0))
/** A fresh resident of 1号楼 linked to their person: { person, who }. */
const newResident = () => C.resident(building)
const ids = (body) => body.items.map((x) => x.id)
/** The default dishes of C.menuOf. */
const DISHES = [['番茄炒蛋套餐', 1200, 60], ['清蒸鱼套餐', 1800, 40], ['小米粥', 300, 80]]

/** Subscribes to the live stream as `w`. */
async function subscribe(w) {
  const st = await srv.events({ token: w.token })
  check(st.reply, 200)
  streams.push(st)
  return st
}

/** Waits, when the UTC+8 day ends within `ms`, until the next one has begun (a menu of today needs some of today left). */
async function awayFromMidnight(ms = 30000) {
  const left = localDay(Date.now()) + DAY - Date.now()
  if (left < ms) await delay(left + 1000)
}

/** A new community of 滨河街道 with a building and a resident there: { node, building, resident }. */
async function newCommunity() {
  const node = await C.node(streetA, 'community')
  const b = await C.node(await C.node(await C.node(node, 'grid'), 'compound'), 'building')
  return { node, building: b, resident: await C.resident(b) }
}

/** The order's answer, checked: 201, the schema, the person, who placed it, the lines and the total. */
async function ordered(json, by, person, menu) {
  const t0 = Date.now()
  const m = check(await C.order(json, by), 201, 'CareMeal')
  const lines = json.items.map(({ item_id, qty }) => {
    const d = menu.items.find((x) => x.id === item_id)
    return { item_id, name: d.name, qty, price_fen: d.price_fen }
  })
  assert.deepEqual(m, {
    id: m.id, menu_id: menu.id, date: menu.date, person_id: person.id, person_name: person.name, placed_by: by.account.id, mode: json.mode,
    note: json.note ?? '', status: 'ordered', items: lines, total_fen: lines.reduce((n, l) => n + l.qty * l.price_fen, 0), address: null,
    floor: null, created_at: m.created_at, cancelled_at: null, served_at: null,
  })
  assert.ok(m.created_at >= t0 - 1000 && m.created_at <= Date.now() + 1000, `created_at ${m.created_at} is not the server's now`)
  return m
}

/** The menu as staff read it now. */
const menuNow = async (menu) => check(await C.menu(menu.id, admin), 200, 'CareMenu')
/** A dish's [ordered, left] as staff read it now. */
const countOf = async (menu, item) => {
  const d = (await menuNow(menu)).items.find((x) => x.id === item.id)
  return [d.ordered, d.left]
}

// ---------------------------------------------------------------------------------------

describe('menus', () => {
  test('the demo: 康城社区\'s menus for tomorrow and the day after, three dishes, pick-up and delivery, cut-off 09:00', async () => {
    const l = check(await C.menus(`?community_id=${kangcheng.id}&from=${localDate(dayAt(1, 0))}&to=${localDate(dayAt(2, 0))}`, community), 200, 'CareMenuList').items
    assert.deepEqual(l.map((m) => m.date), [localDate(dayAt(1, 0)), localDate(dayAt(2, 0))])
    for (const [i, m] of l.entries()) {
      assert.deepEqual([m.community_id, m.path, m.pickup, m.delivery, m.open, m.cutoff_at], [kangcheng.id, kangcheng.path, true, true, true, dayAt(i + 1, 9 * 60)])
      assert.deepEqual(m.items.map((d) => [d.name, d.price_fen, d.portions]), DISHES)
      for (const d of m.items) assert.equal(d.ordered + d.left, d.portions)
    }
  })

  test('community staff publish a menu: 201 with every field; left out, the defaults (pick-up only, cut-off 09:00 of the day)', async () => {
    const date = freshDay()
    const t0 = Date.now()
    const json = { community_id: kangcheng.id, date, cutoff_at: dayAt(nextDay - 1, 10 * 60 + 30), pickup: false, delivery: true, note: '少油少盐',
      items: [{ name: '番茄炒蛋套餐', price_fen: 1200, portions: 60 }, { name: '免费汤', price_fen: 0, portions: 1 }] }
    const m = check(await C.addMenu(json, community), 201, 'CareMenu')
    assert.deepEqual({ ...m, items: m.items.map(({ id, ...rest }) => rest) }, {
      id: m.id, community_id: kangcheng.id, path: kangcheng.path, date, cutoff_at: json.cutoff_at, pickup: false, delivery: true, note: '少油少盐',
      open: true, items: [{ name: '番茄炒蛋套餐', price_fen: 1200, portions: 60, ordered: 0, left: 60 }, { name: '免费汤', price_fen: 0, portions: 1, ordered: 0, left: 1 }],
      created_at: m.created_at, updated_at: m.created_at,
    })
    assert.ok(m.created_at >= t0 - 1000 && m.created_at <= Date.now() + 1000)
    assert.equal(new Set(m.items.map((d) => d.id)).size, 2)
    // Only the day and the dishes: pick-up only, no note, cut-off 09:00 of the day.
    const d2 = nextDay
    const d = check(await C.addMenu({ community_id: kangcheng.id, date: freshDay(), items: [{ name: '小米粥', price_fen: 300, portions: 80 }] }, street), 201, 'CareMenu')
    assert.deepEqual([d.pickup, d.delivery, d.note, d.cutoff_at, d.open], [true, false, '', dayAt(d2, 9 * 60), true])
    // `null` is the same as left out.
    const d3 = nextDay
    const n = check(await C.addMenu({ community_id: kangcheng.id, date: freshDay(), cutoff_at: null, pickup: null, delivery: null, note: null,
      items: [{ name: '小米粥', price_fen: 300, portions: 80 }] }, admin), 201, 'CareMenu')
    assert.deepEqual([n.pickup, n.delivery, n.note, n.cutoff_at], [true, false, '', dayAt(d3, 9 * 60)])
    // The bounds themselves: 20 dishes, a 60-character name, price 0 and 100,000, portions 1 and 2,000, a 500-byte note, the cut-off at the day's end.
    const d4 = nextDay
    const many = Array.from({ length: 20 }, (_, i) => ({ name: i === 0 ? '菜'.repeat(60) : `菜品${i}`, price_fen: i === 1 ? 100000 : 0, portions: i === 2 ? 2000 : 1 }))
    const big = check(await C.addMenu({ community_id: kangcheng.id, date: freshDay(), cutoff_at: dayAt(d4 + 1, 0), note: 'x'.repeat(500), items: many }, community), 201, 'CareMenu')
    assert.deepEqual(big.items.map((x) => [x.name, x.price_fen, x.portions]), many.map((x) => [x.name, x.price_fen, x.portions]), 'the dishes keep their order')
    assert.equal(big.cutoff_at, dayAt(d4 + 1, 0))
    // A cut-off already passed (only one after the end of the day is refused): closed at once.
    const closed = check(await C.addMenu({ community_id: kangcheng.id, date: freshDay(), cutoff_at: Date.now() - MINUTE, items: [{ name: '粥', price_fen: 1, portions: 1 }] }, community), 201, 'CareMenu')
    assert.equal(closed.open, false)
  })

  test('validation: each check names its field, in order (date, cutoff_at, the ways, note, items); the body before the caller; one menu a day 409', async () => {
    const day = nextDay
    const date = freshDay()
    const item = { name: '番茄炒蛋套餐', price_fen: 1200, portions: 60 }
    const base = { community_id: kangcheng.id, date, items: [item] }
    const endOfDay = dayAt(day + 1, 0)
    const cases = [
      [{ items: [item], date }, 'community_id'], [{ ...base, community_id: 'x' }, 'community_id'],
      [{ community_id: kangcheng.id, items: [item] }, 'date'], [{ ...base, date: '' }, 'date'], [{ ...base, date: 'tomorrow' }, 'date'],
      [{ ...base, date: '2026-13-01' }, 'date'], [{ ...base, date: '2026-02-30' }, 'date'], [{ ...base, date: '2026-1-01' }, 'date'],
      [{ ...base, date: localDate(dayAt(-1, 0)) }, 'date'], [{ ...base, date: localDate(dayAt(-30, 0)) }, 'date'], [{ ...base, date: 20261201 }, 'date'],
      [{ ...base, cutoff_at: endOfDay + 1 }, 'cutoff_at'], [{ ...base, cutoff_at: endOfDay + DAY }, 'cutoff_at'], [{ ...base, cutoff_at: 'x' }, 'cutoff_at'],
      [{ ...base, note: 'x'.repeat(501) }, 'note'], [{ ...base, note: '注'.repeat(167) }, 'note'],
      [{ ...base, items: [] }, 'items'], [{ community_id: kangcheng.id, date }, 'items'],
      [{ ...base, items: Array.from({ length: 21 }, (_, i) => ({ ...item, name: `菜${i}` })) }, 'items'],
      [{ ...base, items: [{ ...item, name: '' }] }, 'items'], [{ ...base, items: [{ ...item, name: '菜'.repeat(61) }] }, 'items'],
      [{ ...base, items: [item, { ...item, price_fen: 1 }] }, 'items'],
      [{ ...base, items: [{ ...item, price_fen: -1 }] }, 'items'], [{ ...base, items: [{ ...item, price_fen: 100001 }] }, 'items'],
      [{ ...base, items: [{ ...item, portions: 0 }] }, 'items'], [{ ...base, items: [{ ...item, portions: 2001 }] }, 'items'],
      // In order: the date before the cut-off, the cut-off before the ways, the ways before the note, the note before the dishes.
      [{ ...base, date: 'x', cutoff_at: endOfDay + DAY }, 'date'], [{ ...base, cutoff_at: endOfDay + 1, pickup: false, delivery: false }, 'cutoff_at'],
      [{ ...base, note: 'x'.repeat(501), items: [] }, 'note'],
    ]
    for (const [json, field] of cases) checkError(await C.addMenu(json, community), 422, 'invalid_input', { field })
    // Neither pick-up nor delivery (the field names one of the two), before the note.
    for (const json of [{ ...base, pickup: false }, { ...base, pickup: false, delivery: false, note: 'x'.repeat(501) }]) {
      const e = checkError(await C.addMenu(json, community), 422, 'invalid_input')
      assert.ok(['pickup', 'delivery'].includes(e.field), `field ${e.field}`)
    }
    // The body before the caller: a volunteer's broken body 422, its valid one 404.
    checkError(await C.addMenu({ ...base, items: [] }, volunteer), 422, 'invalid_input', { field: 'items' })
    checkError(await C.addMenu(base, volunteer), 404, 'not_found', { field: 'community_id' })
    // Once: 201; the same day again 409 (staff of the street too).
    check(await C.addMenu(base, community), 201, 'CareMenu')
    checkError(await C.addMenu({ ...base, items: [{ ...item, name: '别的菜' }] }, street), 409, 'conflict')
    // Bodies: 415 for another media type, 400 for broken JSON, 422 for one that is not an object.
    const raw = (body, ct) => srv.request('POST', '/api/care/menus', { token: community.token, body, headers: { 'Content-Type': ct } })
    checkError(await raw('date=x', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type')
    checkError(await raw('{', 'application/json'), 400, 'bad_request')
    checkError(await raw('[]', 'application/json'), 422, 'invalid_input')
    checkError(await C.addMenu(base), 401, 'unauthenticated')
  })

  test('who keeps menus: community and street staff over the community, district admins; a doctor of it 403; everyone else 404', async () => {
    const body = () => ({ community_id: kangcheng.id, date: freshDay(), items: [{ name: '小米粥', price_fen: 300, portions: 80 }] })
    for (const w of [community, street, admin]) check(await C.addMenu(body(), w), 201, 'CareMenu')
    checkError(await C.addMenu(body(), kDoctor), 403, 'forbidden')
    // The grid worker and the steward are below the community, not over it; the others hold no care role.
    for (const w of [grid, steward, resident, elder, committee, volunteer, doctor, nxStaff, nxResident.who])
      checkError(await C.addMenu(body(), w), 404, 'not_found', { field: 'community_id' })
    for (const id of [building.id, streetA.id, 99999999])
      checkError(await C.addMenu({ ...body(), community_id: id }, admin), 404, 'not_found', { field: 'community_id' })
    // Another community: its own staff, not 康城社区's.
    check(await C.addMenu({ ...body(), community_id: ningxin.id }, nxStaff), 201, 'CareMenu')
    checkError(await C.addMenu({ ...body(), community_id: ningxin.id }, community), 404, 'not_found', { field: 'community_id' })
    // Changing: the same.
    const m = await C.menuOf(kangcheng, freshDay())
    const change = { pickup: true, delivery: true, items: m.items.map(({ id, name, price_fen, portions }) => ({ id, name, price_fen, portions })) }
    for (const w of [community, street, admin]) check(await C.changeMenu(m.id, change, w), 200, 'CareMenu')
    checkError(await C.changeMenu(m.id, change, kDoctor), 403, 'forbidden')
    for (const w of [grid, steward, resident, elder, committee, volunteer, doctor, nxStaff])
      checkError(await C.changeMenu(m.id, change, w), 404, 'not_found')
    for (const id of [99999999, 'x', 0]) checkError(await C.changeMenu(id, change, admin), 404, 'not_found')
    checkError(await C.changeMenu(m.id, change), 401, 'unauthenticated')
    // The cookie needs the CSRF token.
    checkError(await srv.request('POST', '/api/care/menus', { cookie: community.token, json: body() }), 403, 'forbidden')
    check(await srv.request('POST', '/api/care/menus', { cookie: community.token, csrf: community.csrf_token, json: body() }), 201, 'CareMenu')
  })

  test('listing: from/to (default today and the 6 after, at most 31 days), by date; care staff over or inside the community; its residents; 404 otherwise', async () => {
    // Three menus on days of their own, and 宁馨社区's on one of them.
    const d = [nextDay, nextDay + 2, nextDay + 5]
    nextDay += 6
    const menus = []
    for (const k of [d[2], d[0], d[1]]) menus.push(await C.menuOf(kangcheng, localDate(dayAt(k, 0))))
    const nx = await C.menuOf(ningxin, localDate(dayAt(d[0], 0)))
    const [m2, m0, m1] = menus
    const from = localDate(dayAt(d[0], 0))
    const to = localDate(dayAt(d[2], 0))
    const list = async (q, w) => ids(check(await C.menus(q, w), 200, 'CareMenuList'))
    for (const w of [community, street, admin, kDoctor])
      assert.deepEqual(await list(`?community_id=${kangcheng.id}&from=${from}&to=${to}`, w), [m0.id, m1.id, m2.id], w.account.username)
    assert.deepEqual(await list(`?community_id=${kangcheng.id}&from=${from}&to=${from}`, community), [m0.id])
    assert.deepEqual(await list(`?community_id=${kangcheng.id}&from=${localDate(dayAt(d[0] + 1, 0))}&to=${to}`, community), [m1.id, m2.id])
    // The default: today and the six days after (the demo's two, none of this file's from day 7 on).
    const week = check(await C.menus(`?community_id=${kangcheng.id}`, community), 200, 'CareMenuList').items
    assert.ok(week.every((m) => m.date >= localDate(Date.now()) && m.date <= localDate(dayAt(6, 0))), JSON.stringify(week.map((m) => m.date)))
    assert.ok(week.some((m) => m.date === localDate(dayAt(1, 0))) && week.some((m) => m.date === localDate(dayAt(2, 0))))
    assert.deepEqual(week.map((m) => m.date), [...week.map((m) => m.date)].sort(), 'not by date')
    // From alone: seven days from it.
    assert.deepEqual(await list(`?community_id=${kangcheng.id}&from=${from}`, community), [m0.id, m1.id, m2.id].filter((_, i) => d[i] - d[0] <= 6))
    // 31 days at most: from + 30 is fine, from + 31 is not.
    check(await C.menus(`?community_id=${kangcheng.id}&from=${from}&to=${localDate(dayAt(d[0] + 30, 0))}`, community), 200, 'CareMenuList')
    checkError(await C.menus(`?community_id=${kangcheng.id}&from=${from}&to=${localDate(dayAt(d[0] + 31, 0))}`, community), 422, 'invalid_input', { field: 'to' })
    for (const [q, field] of [['from=x', 'from'], ['to=2026-13-01', 'to'], ['community_id=x', 'community_id']])
      checkError(await C.menus(`?${q}`, community), 422, 'invalid_input', { field })
    // Residents of 康城社区: with or without the community; its dishes with ordered and left.
    const fresh = await newResident()
    for (const w of [resident, elder, fresh.who])
      for (const q of [`?from=${from}&to=${to}`, `?community_id=${kangcheng.id}&from=${from}&to=${to}`])
        assert.deepEqual(check(await C.menus(q, w), 200, 'CareMenuList').items, [m0, m1, m2], `${w.account.username}${q}`)
    // A resident of 宁馨社区: their own; 康城社区's 404.
    assert.deepEqual(await list(`?from=${from}&to=${from}`, nxResident.who), [nx.id])
    checkError(await C.menus(`?community_id=${kangcheng.id}`, nxResident.who), 404, 'not_found', { field: 'community_id' })
    // Care staff at a place inside the community (the grid worker, the building's steward) read
    // its menus: they order for their elders.
    for (const w of [grid, steward])
      assert.deepEqual(await list(`?community_id=${kangcheng.id}&from=${from}&to=${to}`, w), [m0.id, m1.id, m2.id], w.account.username)
    // Linked to no person and no care role there: 404; without a community, only residents have one.
    for (const w of [committee, volunteer, doctor, nxStaff])
      checkError(await C.menus(`?community_id=${kangcheng.id}`, w), 404, 'not_found', { field: 'community_id' })
    for (const w of [grid, steward, committee, volunteer, doctor, nxStaff])
      checkError(await C.menus('', w), 404, 'not_found', { field: 'community_id' })
    checkError(await C.menus('', community), 404, 'not_found', { field: 'community_id' })
    checkError(await C.menus(`?community_id=${building.id}`, admin), 404, 'not_found', { field: 'community_id' })
    checkError(await C.menus(''), 401, 'unauthenticated')
    // One menu: the same readers.
    for (const w of [community, street, admin, kDoctor, grid, steward, resident, elder, fresh.who]) assert.deepEqual(check(await C.menu(m1.id, w), 200, 'CareMenu'), m1)
    for (const w of [committee, volunteer, doctor, nxStaff, nxResident.who]) checkError(await C.menu(m1.id, w), 404, 'not_found')
    for (const id of [99999999, 'x']) checkError(await C.menu(id, admin), 404, 'not_found')
    checkError(await C.menu(m1.id), 401, 'unauthenticated')
  })
})

describe('changing a menu', () => {
  test('dishes merge by id: kept (orders and all, name, price and portions changed), added, removed; the settings replaced', async () => {
    const m = await C.menuOf(kangcheng, freshDay())
    const [egg, fish, porridge] = m.items
    const { person, who: w } = await newResident()
    const o = await ordered({ menu_id: m.id, mode: 'pickup', items: [{ item_id: egg.id, qty: 2 }] }, w, person, m)
    const t0 = Date.now()
    const cutoff = dayAt(nextDay - 1, 11 * 60)
    const changed = check(await C.changeMenu(m.id, { cutoff_at: cutoff, pickup: true, delivery: false, note: '改了菜单',
      items: [{ name: '南瓜饼', price_fen: 500, portions: 30 }, { id: egg.id, name: '西红柿炒蛋', price_fen: 1300, portions: 2 }, { id: porridge.id, name: porridge.name, price_fen: 300, portions: 80 }] },
    community), 200, 'CareMenu')
    // The fish (no orders) is gone; the pumpkin cake is new; the egg keeps its two portions ordered (now all of them).
    assert.deepEqual(changed.items.map(({ id, ...rest }) => rest), [
      { name: '南瓜饼', price_fen: 500, portions: 30, ordered: 0, left: 30 },
      { name: '西红柿炒蛋', price_fen: 1300, portions: 2, ordered: 2, left: 0 },
      { name: porridge.name, price_fen: 300, portions: 80, ordered: 0, left: 80 },
    ])
    assert.deepEqual(changed.items.slice(1).map((x) => x.id), [egg.id, porridge.id])
    assert.ok(![egg.id, fish.id, porridge.id].includes(changed.items[0].id))
    assert.deepEqual([changed.id, changed.date, changed.community_id, changed.cutoff_at, changed.pickup, changed.delivery, changed.note, changed.created_at],
      [m.id, m.date, kangcheng.id, cutoff, true, false, '改了菜单', m.created_at])
    assert.ok(changed.updated_at >= t0 - 1000)
    assert.deepEqual(await menuNow(m), changed)
    // The order kept its dish (the new name; the price it was ordered at).
    const mine = check(await C.meals('', w), 200, 'CareMealList').items.find((x) => x.id === o.id)
    assert.deepEqual([mine.status, mine.items.map((l) => [l.item_id, l.qty])], ['ordered', [[egg.id, 2]]])
    // The egg is sold out now.
    const other = await newResident()
    const e = checkError(await C.order({ menu_id: m.id, mode: 'pickup', items: [{ item_id: egg.id, qty: 1 }] }, other.who), 409, 'conflict', { field: 'items' })
    assert.ok(e.message.includes('西红柿炒蛋'), e.message)
    // A removed dish is not on the menu any more: 422 items.
    checkError(await C.order({ menu_id: m.id, mode: 'pickup', items: [{ item_id: fish.id, qty: 1 }] }, other.who), 422, 'invalid_input', { field: 'items' })
  })

  test('409: portions below what is ordered, a dish with orders left out, a way that orders use turned off; cancelled orders count for none', async () => {
    const m = await C.menuOf(kangcheng, freshDay())
    const [egg, fish, porridge] = m.items
    const keep = (more = {}) => m.items.map(({ id, name, price_fen, portions }) => ({ id, name, price_fen, portions, ...(more[id] || {}) }))
    const a = await newResident()
    const b = await newResident()
    await ordered({ menu_id: m.id, mode: 'pickup', items: [{ item_id: egg.id, qty: 3 }] }, a.who, a.person, m)
    const del = await ordered({ menu_id: m.id, mode: 'delivery', items: [{ item_id: fish.id, qty: 1 }] }, b.who, b.person, m)
    const put = (json) => C.changeMenu(m.id, { pickup: true, delivery: true, ...json }, community)
    // Portions below what is ordered: 409 (3 is fine).
    checkError(await put({ items: keep({ [egg.id]: { portions: 2 } }) }), 409, 'conflict', { field: 'items' })
    assert.equal(check(await put({ items: keep({ [egg.id]: { portions: 3 } }) }), 200, 'CareMenu').items[0].left, 0)
    // A dish with orders left out: 409; one without orders may go.
    checkError(await put({ items: keep().filter((x) => x.id !== fish.id) }), 409, 'conflict', { field: 'items' })
    const noPorridge = check(await put({ items: keep({ [egg.id]: { portions: 3 } }).filter((x) => x.id !== porridge.id) }), 200, 'CareMenu')
    assert.deepEqual(noPorridge.items.map((x) => x.id), [egg.id, fish.id])
    // Turning off a way that orders use: delivery (b's order), pick-up (a's order): 409 each.
    const two = noPorridge.items.map(({ id, name, price_fen, portions }) => ({ id, name, price_fen, portions }))
    checkError(await C.changeMenu(m.id, { pickup: true, delivery: false, items: two }, community), 409, 'conflict')
    checkError(await C.changeMenu(m.id, { pickup: false, delivery: true, items: two }, community), 409, 'conflict')
    // Nothing changed on the way.
    assert.deepEqual([(await menuNow(m)).pickup, (await menuNow(m)).delivery], [true, true])
    // Cancelled, b's delivery counts for nothing: delivery may be turned off, the fish taken off the menu.
    check(await C.cancelMeal(del.id, b.who), 200, 'CareMeal')
    const off = check(await C.changeMenu(m.id, { pickup: true, delivery: false, items: two.filter((x) => x.id !== fish.id) }, community), 200, 'CareMenu')
    assert.deepEqual([off.delivery, off.items.map((x) => x.id)], [false, [egg.id]])
    // The same checks as publishing: the dishes and the ways, before anything else; a cut-off after the day's end 422.
    checkError(await C.changeMenu(m.id, { pickup: true, delivery: true, items: [] }, community), 422, 'invalid_input', { field: 'items' })
    checkError(await C.changeMenu(m.id, { pickup: true, delivery: true, note: 'x'.repeat(501), items: two }, community), 422, 'invalid_input', { field: 'note' })
    checkError(await C.changeMenu(m.id, { pickup: true, delivery: true, items: [two[0], { ...two[1], name: two[0].name }] }, community), 422, 'invalid_input', { field: 'items' })
    checkError(await C.changeMenu(m.id, { pickup: true, delivery: true, cutoff_at: dayAt(nextDay, 0) + 1, items: two }, community), 422, 'invalid_input', { field: 'cutoff_at' })
    const e = checkError(await C.changeMenu(m.id, { pickup: false, delivery: false, items: two }, community), 422, 'invalid_input')
    assert.ok(['pickup', 'delivery'].includes(e.field), `field ${e.field}`)
    // An id that is none of this menu's dishes (another menu's): 422 items.
    const other = await C.menuOf(kangcheng, freshDay())
    checkError(await C.changeMenu(m.id, { pickup: true, delivery: true, items: [{ ...two[0] }, { id: other.items[0].id, name: '别人的菜', price_fen: 1, portions: 1 }] }, community), 422, 'invalid_input', { field: 'items' })
  })
})

describe('ordering', () => {
  test('a resident orders for their person: 201; the dishes count it; listed; care.meal_changed to the staff over the community, not elsewhere', async () => {
    const m = await C.menuOf(kangcheng, freshDay())
    const [egg, fish, porridge] = m.items
    const { person, who: w } = await newResident()
    const s = await subscribe(community)
    const kd = await subscribe(kDoctor) // care staff over the community too
    const vol = await subscribe(volunteer) // a grant over the community, not a care role: care's events pass it by
    const outside = await subscribe(nxStaff)
    const o = await ordered({ menu_id: m.id, mode: 'delivery', items: [{ item_id: egg.id, qty: 2 }, { item_id: porridge.id, qty: 1 }], note: '米饭软一点' }, w, person, m)
    assert.equal(o.total_fen, 2 * 1200 + 300)
    assert.deepEqual(await countOf(m, egg), [2, 58])
    assert.deepEqual(await countOf(m, porridge), [1, 79])
    assert.deepEqual(await countOf(m, fish), [0, 40])
    assert.deepEqual(check(await C.meals('', w), 200, 'CareMealList').items, [o])
    const mine = (d) => d.payload?.meal_id === o.id
    for (const st of [s, kd]) {
      const ev = (await st.nextEvent('care.meal_changed', mine, { ms: 5000 })).data
      assertSchema(ev, 'Event', 'care.meal_changed')
      assertSchema(ev, 'CareMealEvent', 'care.meal_changed')
      assert.deepEqual([ev.type, ev.subject, ev.scope, ev.payload], ['care.meal_changed', `care_meal:${o.id}`, kangcheng.path, { menu_id: m.id, meal_id: o.id, status: 'ordered' }])
    }
    // Cancelled and served: the same event with the status.
    const b = await newResident()
    const o2 = await ordered({ menu_id: m.id, mode: 'pickup', items: [{ item_id: fish.id, qty: 1 }] }, b.who, b.person, m)
    check(await C.serveMeal(o2.id, community), 200, 'CareMeal')
    check(await C.cancelMeal(o.id, w), 200, 'CareMeal')
    for (const [id, status] of [[o2.id, 'served'], [o.id, 'cancelled']]) {
      const ev = (await s.nextEvent('care.meal_changed', (d) => d.payload?.meal_id === id && d.payload?.status === status, { ms: 5000 })).data
      assert.deepEqual([ev.subject, ev.scope, ev.payload], [`care_meal:${id}`, kangcheng.path, { menu_id: m.id, meal_id: id, status }])
    }
    // The demo resident (2号楼) and the elder order too: the same community.
    await ordered({ menu_id: m.id, mode: 'pickup', items: [{ item_id: fish.id, qty: 1 }] }, resident, { id: residentPerson, name: '王芳' }, m)
    await ordered({ menu_id: m.id, mode: 'pickup', items: [{ item_id: fish.id, qty: 5 }] }, elder, elderP, m)
    assert.deepEqual(await countOf(m, fish), [7, 33])
    // Through the cookie the CSRF token is needed.
    const c = await newResident()
    const body = { menu_id: m.id, mode: 'pickup', items: [{ item_id: egg.id, qty: 1 }] }
    checkError(await srv.request('POST', '/api/care/meals', { cookie: c.who.token, json: body }), 403, 'forbidden')
    check(await srv.request('POST', '/api/care/meals', { cookie: c.who.token, csrf: c.who.csrf_token, json: body }), 201, 'CareMeal')
    await delay(300)
    assert.ok(!outside.events.some((i) => i.event === 'care.meal_changed' && mine(i.data || {})), 'another community\'s staff saw the order')
    assert.ok(!vol.events.some((i) => i.event === 'care.meal_changed'), 'the volunteer saw an order')
    for (const st of [s, kd, vol, outside]) st.close()
  })

  test('care staff over an elder order for them (person_id): placed_by the staff; the elder\'s own list has it; outside their places 404', async () => {
    const m = await C.menuOf(kangcheng, freshDay())
    const [egg] = m.items
    const json = (more) => ({ menu_id: m.id, mode: 'delivery', items: [{ item_id: egg.id, qty: 1 }], ...more })
    // The steward of 1号楼 for 刘桂兰 (an elder without a phone).
    const o = await ordered(json({ person_id: elderP.id }), steward, elderP, m)
    assert.equal(o.placed_by, steward.account.id)
    assert.ok(check(await C.meals('', elder), 200, 'CareMealList').items.some((x) => x.id === o.id), 'not in the elder\'s own list')
    assert.ok(check(await C.meals('', steward), 200, 'CareMealList').items.some((x) => x.id === o.id), 'not in the list of the one who placed it')
    // Twice for the same person (whoever places it): 409.
    checkError(await C.order(json({ person_id: elderP.id }), grid), 409, 'conflict')
    checkError(await C.order(json(), elder), 409, 'conflict')
    // Community staff and a doctor of the community for other people of 1号楼.
    for (const w of [community, kDoctor, grid]) {
      const p = await C.person(building)
      assert.equal((await ordered(json({ person_id: p.id }), w, p, m)).placed_by, w.account.id)
    }
    // A resident naming their own person is the same as leaving it out.
    const r = await newResident()
    await ordered(json({ person_id: r.person.id }), r.who, r.person, m)
    // Outside the caller's places: a person of 宁馨社区 for 康城社区's staff; someone else's person for a resident; the elder of another building for a steward below.
    const nxp = await C.person(nxBuilding)
    for (const [w, pid] of [[community, nxp.id], [steward, nxp.id], [r.who, elderP.id], [resident, elderP.id], [volunteer, elderP.id], [doctor, elderP.id], [admin, 99999999]])
      checkError(await C.order(json({ person_id: pid }), w), 404, 'not_found', { field: 'person_id' })
    const otherBuilding = await C.node(await C.asAdmin(`/api/nodes/${building.parent_id}`), 'building')
    const op = await C.person(otherBuilding)
    checkError(await C.order(json({ person_id: op.id }), steward), 404, 'not_found', { field: 'person_id' })
  })

  test('the checks in order: the body, 403 no person, 404 the menu, 409 the cut-off, 422 the way, 422 the dish, 409 ordered already, 409 sold out', async () => {
    const m = await C.menuOf(kangcheng, freshDay(), { delivery: false, items: [{ name: '番茄炒蛋套餐', price_fen: 1200, portions: 60 }, { name: '限量鱼', price_fen: 1800, portions: 1 }] })
    const [egg, fish] = m.items
    const { person, who: w } = await newResident()
    const body = (more) => ({ menu_id: m.id, mode: 'pickup', items: [{ item_id: egg.id, qty: 1 }], ...more })
    // The body: mode, items (1–10, each dish once, qty 1–5), note (200 bytes); in this order.
    const eleven = Array.from({ length: 11 }, (_, i) => ({ item_id: egg.id + 1000 + i, qty: 1 }))
    for (const [json, field] of [
      [body({ mode: undefined }), 'mode'], [body({ mode: 'eat_in' }), 'mode'], [body({ mode: '' }), 'mode'], [body({ mode: 5 }), 'mode'],
      [body({ items: [] }), 'items'], [body({ items: undefined }), 'items'], [body({ items: eleven }), 'items'],
      [body({ items: [{ item_id: egg.id, qty: 1 }, { item_id: egg.id, qty: 2 }] }), 'items'],
      [body({ items: [{ item_id: egg.id, qty: 0 }] }), 'items'], [body({ items: [{ item_id: egg.id, qty: 6 }] }), 'items'],
      [body({ note: 'x'.repeat(201) }), 'note'], [body({ note: '注'.repeat(67) }), 'note'],
      [body({ menu_id: 'x' }), 'menu_id'],
      [body({ mode: 'x', items: [] }), 'mode'], [body({ items: [], note: 'x'.repeat(201) }), 'items'],
    ])
      checkError(await C.order(json, w), 422, 'invalid_input', { field })
    // The bounds: ten dishes of five each would be fine as a body (here: refused later as dishes not on the menu).
    checkError(await C.order(body({ items: eleven.slice(0, 10).map((x) => ({ ...x, qty: 5 })), note: 'x'.repeat(200) }), w), 422, 'invalid_input', { field: 'items' })
    // 403: an account linked to no person (without person_id), whatever it names — after the body.
    for (const x of [community, admin, committee, volunteer, grid, kDoctor]) {
      const e = checkError(await C.order(body(), x), 403, 'forbidden')
      assert.equal(e.message, 'your account is linked to no person')
    }
    checkError(await C.order(body({ menu_id: 99999999 }), volunteer), 403, 'forbidden')
    checkError(await C.order(body({ mode: 'x' }), volunteer), 422, 'invalid_input', { field: 'mode' })
    // 404 (menu_id): no such menu, another community's — before the cut-off, the way and the dishes.
    const nx = await C.menuOf(ningxin, freshDay(), { cutoff_at: Date.now() - MINUTE })
    for (const id of [99999999, nx.id])
      checkError(await C.order(body({ menu_id: id, mode: 'delivery', items: [{ item_id: 99999999, qty: 1 }] }), w), 404, 'not_found', { field: 'menu_id' })
    checkError(await C.order(body(), nxResident.who), 404, 'not_found', { field: 'menu_id' })
    // 409 the cut-off has passed (menu_id) — before the way and the dishes.
    const closed = await C.menuOf(kangcheng, freshDay(), { delivery: false, cutoff_at: Date.now() - MINUTE })
    for (const json of [{ menu_id: closed.id, mode: 'pickup', items: [{ item_id: closed.items[0].id, qty: 1 }] },
      { menu_id: closed.id, mode: 'delivery', items: [{ item_id: 99999999, qty: 1 }] }])
      checkError(await C.order(json, w), 409, 'conflict', { field: 'menu_id' })
    // 422 the way is not offered that day (mode) — before the dishes.
    for (const items of [[{ item_id: egg.id, qty: 1 }], [{ item_id: 99999999, qty: 1 }]])
      checkError(await C.order(body({ mode: 'delivery', items }), w), 422, 'invalid_input', { field: 'mode' })
    // 422 a dish not on this menu (items): none, another menu's.
    for (const id of [99999999, closed.items[0].id, nx.items[0].id])
      checkError(await C.order(body({ items: [{ item_id: egg.id, qty: 1 }, { item_id: id, qty: 1 }] }), w), 422, 'invalid_input', { field: 'items' })
    // Then 201.
    const o = await ordered(body({ items: [{ item_id: egg.id, qty: 5 }], note: 'x'.repeat(200) }), w, person, m)
    // 409 ordered already — after the dishes are checked, before whether they are sold out.
    checkError(await C.order(body({ items: [{ item_id: 99999999, qty: 1 }] }), w), 422, 'invalid_input', { field: 'items' })
    const other = await newResident()
    await ordered(body({ items: [{ item_id: fish.id, qty: 1 }] }), other.who, other.person, m)
    const again = checkError(await C.order(body({ items: [{ item_id: fish.id, qty: 1 }] }), w), 409, 'conflict')
    assert.ok(!again.message.includes('限量鱼'), `"ordered already" comes before "sold out": ${again.message}`)
    // Cancelled, the person may order again.
    check(await C.cancelMeal(o.id, w), 200, 'CareMeal')
    await ordered(body({ items: [{ item_id: egg.id, qty: 1 }] }), w, person, m)
    // 409 sold out (items), the message naming the dish.
    const third = await newResident()
    const e = checkError(await C.order(body({ items: [{ item_id: fish.id, qty: 1 }] }), third.who), 409, 'conflict', { field: 'items' })
    assert.ok(e.message.includes('限量鱼'), e.message)
    checkError(await C.order(body()), 401, 'unauthenticated')
    const raw = (b, ct) => srv.request('POST', '/api/care/meals', { token: w.token, body: b, headers: { 'Content-Type': ct } })
    checkError(await raw('{', 'application/json'), 400, 'bad_request')
    checkError(await raw('mode=pickup', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type')
  })

  test('an order of several dishes is all or nothing: one sold out, none of them is counted', async () => {
    const m = await C.menuOf(kangcheng, freshDay(), { items: [{ name: '番茄炒蛋套餐', price_fen: 1200, portions: 60 }, { name: '最后一份鱼', price_fen: 1800, portions: 2 }] })
    const [egg, fish] = m.items
    const a = await newResident()
    await ordered({ menu_id: m.id, mode: 'pickup', items: [{ item_id: fish.id, qty: 2 }] }, a.who, a.person, m)
    const b = await newResident()
    const e = checkError(await C.order({ menu_id: m.id, mode: 'pickup', items: [{ item_id: egg.id, qty: 3 }, { item_id: fish.id, qty: 1 }] }, b.who), 409, 'conflict', { field: 'items' })
    assert.ok(e.message.includes('最后一份鱼'), e.message)
    assert.deepEqual(await countOf(m, egg), [0, 60], 'the egg was counted for an order that failed')
    assert.deepEqual(check(await C.meals('', b.who), 200, 'CareMealList').items, [])
    // More than is left of a dish that is not sold out: 409 too.
    const c = await C.menuOf(kangcheng, freshDay(), { items: [{ name: '三份饺子', price_fen: 800, portions: 3 }] })
    await ordered({ menu_id: c.id, mode: 'pickup', items: [{ item_id: c.items[0].id, qty: 2 }] }, a.who, a.person, c)
    checkError(await C.order({ menu_id: c.id, mode: 'pickup', items: [{ item_id: c.items[0].id, qty: 2 }] }, b.who), 409, 'conflict', { field: 'items' })
    await ordered({ menu_id: c.id, mode: 'pickup', items: [{ item_id: c.items[0].id, qty: 1 }] }, b.who, b.person, c)
    assert.deepEqual(await countOf(c, c.items[0]), [3, 0])
  })

  test('sold out under concurrency: twenty residents for five portions at once — exactly five 201, fifteen 409; a cancellation frees one for exactly one more', async () => {
    const m = await C.menuOf(kangcheng, freshDay(), { items: [{ name: '限量红烧肉', price_fen: 2000, portions: 5 }, { name: '米饭', price_fen: 100, portions: 500 }] })
    const [pork] = m.items
    const residents = await Promise.all(Array.from({ length: 20 }, () => newResident()))
    const tally = async (group, qty = 1) => {
      const replies = await Promise.all(group.map(({ who: w }) => C.order({ menu_id: m.id, mode: 'pickup', items: [{ item_id: pork.id, qty }] }, w)))
      const won = replies.filter((x) => x.status === 201).map((x) => check(x, 201, 'CareMeal'))
      for (const x of replies.filter((y) => y.status !== 201)) {
        const e = checkError(x, 409, 'conflict', { field: 'items' })
        assert.ok(e.message.includes('限量红烧肉'), e.message)
      }
      return won
    }
    const won = await tally(residents)
    assert.equal(won.length, 5, `${won.length} orders for 5 portions`)
    assert.deepEqual(await countOf(m, pork), [5, 0])
    const listed = check(await C.meals(`?menu_id=${m.id}`, community), 200, 'CareMealList').items
    assert.deepEqual(listed.map((x) => x.id).sort((x, y) => x - y), won.map((x) => x.id).sort((x, y) => x - y))
    const kitchen = check(await C.kitchen(m.id, community), 200, 'CareKitchen')
    assert.deepEqual([kitchen.items[0].total, kitchen.orders], [5, 5])
    // One cancels: of the fifteen, once more all at once, exactly one gets the portion.
    const first = won[0]
    check(await C.cancelMeal(first.id, residents.find((x) => x.person.id === first.person_id).who), 200, 'CareMeal')
    assert.deepEqual(await countOf(m, pork), [4, 1])
    const losers = residents.filter((x) => !won.some((o) => o.person_id === x.person.id))
    assert.equal(losers.length, 15)
    assert.equal((await tally(losers)).length, 1)
    assert.deepEqual(await countOf(m, pork), [5, 0])
    // Two portions each, ten at once, for five portions: exactly two orders; the one portion left goes to a single.
    const m2 = await C.menuOf(kangcheng, freshDay(), { items: [{ name: '限量饺子', price_fen: 800, portions: 5 }] })
    const ten = residents.slice(0, 10)
    const replies = await Promise.all(ten.map(({ who: w }) => C.order({ menu_id: m2.id, mode: 'pickup', items: [{ item_id: m2.items[0].id, qty: 2 }] }, w)))
    assert.deepEqual([replies.filter((x) => x.status === 201).length, replies.filter((x) => x.status === 409).length], [2, 8])
    assert.deepEqual(await countOf(m2, m2.items[0]), [4, 1])
    // One person posting the same order five times at once: one order.
    const one = residents[15]
    const m3 = await C.menuOf(kangcheng, freshDay())
    const same = await Promise.all(Array.from({ length: 5 }, () => C.order({ menu_id: m3.id, mode: 'pickup', items: [{ item_id: m3.items[0].id, qty: 1 }] }, one.who)))
    assert.deepEqual([same.filter((x) => x.status === 201).length, same.filter((x) => x.status === 409).length], [1, 4])
    for (const x of same.filter((y) => y.status === 409)) checkError(x, 409, 'conflict')
    assert.deepEqual(await countOf(m3, m3.items[0]), [1, 59])
  })
})

describe('the cut-off', () => {
  test('a menu of today: orders until the cut-off (a few seconds away), then 409 for ordering and cancelling; serving goes on', async () => {
    await awayFromMidnight()
    const { node, building: b, resident: r1 } = await newCommunity()
    const r2 = await C.resident(b)
    const r3 = await C.resident(b)
    const cutoff = Date.now() + 4000
    const m = check(await C.addMenu({ community_id: node.id, date: localDate(Date.now()), cutoff_at: cutoff, items: [{ name: '今日午餐', price_fen: 1500, portions: 10 }] }, street), 201, 'CareMenu')
    assert.deepEqual([m.date, m.cutoff_at, m.open], [localDate(Date.now()), cutoff, true])
    const body = { menu_id: m.id, mode: 'pickup', items: [{ item_id: m.items[0].id, qty: 1 }] }
    const o1 = await ordered(body, r1.who, r1.person, m)
    const o3 = await ordered(body, r3.who, r3.person, m)
    // Before the cut-off, a cancellation is fine.
    check(await C.cancelMeal(o3.id, r3.who), 200, 'CareMeal')
    const listed = check(await C.menus('', r2.who), 200, 'CareMenuList').items
    assert.deepEqual(listed.map((x) => [x.id, x.open]), [[m.id, true]])
    // The cut-off passes.
    await delay(Math.max(0, cutoff - Date.now()) + 500)
    const e = checkError(await C.order(body, r2.who), 409, 'conflict', { field: 'menu_id' })
    assert.ok(e.message.length > 0)
    checkError(await C.order(body, r3.who), 409, 'conflict', { field: 'menu_id' })
    // Too late to cancel (the person, or staff): 409; the portion stays counted.
    checkError(await C.cancelMeal(o1.id, r1.who), 409, 'conflict')
    checkError(await C.cancelMeal(o1.id, street), 409, 'conflict')
    const after1 = check(await C.menu(m.id, street), 200, 'CareMenu')
    assert.deepEqual([after1.open, after1.items[0].ordered, after1.items[0].left], [false, 1, 9])
    assert.equal(check(await C.menus('', r1.who), 200, 'CareMenuList').items[0].open, false)
    // Served after the cut-off: the kitchen hands it over.
    const s = check(await C.serveMeal(o1.id, street), 200, 'CareMeal')
    assert.equal(s.status, 'served')
    // A menu of today whose cut-off passed before it was published: closed from the start.
    const day2 = await newCommunity()
    const late = check(await C.addMenu({ community_id: day2.node.id, date: localDate(Date.now()), cutoff_at: Date.now() - 1000, items: [{ name: '晚餐', price_fen: 1, portions: 1 }] }, admin), 201, 'CareMenu')
    assert.equal(late.open, false)
    checkError(await C.order({ menu_id: late.id, mode: 'pickup', items: [{ item_id: late.items[0].id, qty: 1 }] }, day2.resident.who), 409, 'conflict', { field: 'menu_id' })
    // Today's menu may not close after the end of today.
    const day3 = await newCommunity()
    checkError(await C.addMenu({ community_id: day3.node.id, date: localDate(Date.now()), cutoff_at: localDay(Date.now()) + DAY + 1, items: [{ name: '夜宵', price_fen: 1, portions: 1 }] }, admin),
      422, 'invalid_input', { field: 'cutoff_at' })
  })
})

describe('cancelling and serving', () => {
  test('cancel: the person, whoever placed it, or staff over the community — 200, the portions free again; twice 409; others 404', async () => {
    const m = await C.menuOf(kangcheng, freshDay())
    const [egg] = m.items
    const body = (more) => ({ menu_id: m.id, mode: 'pickup', items: [{ item_id: egg.id, qty: 3 }], ...more })
    const { person, who: w } = await newResident()
    const o = await ordered(body(), w, person, m)
    assert.deepEqual(await countOf(m, egg), [3, 57])
    // Not theirs: 404 (another resident, staff below or outside the community, other roles).
    const other = await newResident()
    for (const x of [other.who, grid, steward, volunteer, committee, doctor, nxStaff, resident])
      checkError(await C.cancelMeal(o.id, x), 404, 'not_found')
    for (const id of [99999999, 'x']) checkError(await C.cancelMeal(id, admin), 404, 'not_found')
    checkError(await C.cancelMeal(o.id), 401, 'unauthenticated')
    // The person.
    const t0 = Date.now()
    const c = check(await C.cancelMeal(o.id, w), 200, 'CareMeal')
    assert.deepEqual({ ...c, person_name: o.person_name }, { ...o, status: 'cancelled', cancelled_at: c.cancelled_at })
    assert.ok(c.cancelled_at >= t0 - 1000 && c.cancelled_at <= Date.now() + 1000)
    assert.deepEqual(await countOf(m, egg), [0, 60])
    // Twice: 409; the count stays.
    checkError(await C.cancelMeal(o.id, w), 409, 'conflict')
    checkError(await C.cancelMeal(o.id, community), 409, 'conflict')
    assert.deepEqual(await countOf(m, egg), [0, 60])
    // Whoever placed it (the steward for the elder), and the elder it is for.
    for (const x of [steward, elder]) {
      const e = await ordered(body({ person_id: elderP.id }), steward, elderP, m)
      assert.equal(check(await C.cancelMeal(e.id, x), 200, 'CareMeal').status, 'cancelled')
    }
    // Staff over the community: community and street staff, the admin, a doctor of the community.
    for (const x of [community, street, admin, kDoctor]) {
      const e = await ordered(body(), w, person, m)
      assert.equal(check(await C.cancelMeal(e.id, x), 200, 'CareMeal').status, 'cancelled')
    }
    assert.deepEqual(await countOf(m, egg), [0, 60])
    // A body is not needed.
    const e = await ordered(body(), w, person, m)
    assert.equal(check(await srv.post(`/api/care/meals/${e.id}/cancel`, undefined, { token: w.token }), 200, 'CareMeal').status, 'cancelled')
    // The answer is the order (its person's name too, as in the lists).
    assert.equal(c.person_name, person.name, 'the cancelled order answers without the person\'s name')
  })

  test('serve: staff over the community mark it collected or delivered — 200; twice or cancelled 409; a served order is not cancelled; others refused', async () => {
    const m = await C.menuOf(kangcheng, freshDay())
    const [egg] = m.items
    const { person, who: w } = await newResident()
    const o = await ordered({ menu_id: m.id, mode: 'delivery', items: [{ item_id: egg.id, qty: 1 }] }, w, person, m)
    for (const x of [grid, steward, volunteer, committee, doctor, nxStaff, resident]) checkError(await C.serveMeal(o.id, x), 404, 'not_found')
    // The person it is for does not serve it: refused, nothing changes.
    const own = await C.serveMeal(o.id, w)
    assert.ok(own.status === 403 || own.status === 404, `${own}`)
    checkError(own, own.status, own.status === 403 ? 'forbidden' : 'not_found')
    for (const id of [99999999, 'x']) checkError(await C.serveMeal(id, admin), 404, 'not_found')
    checkError(await C.serveMeal(o.id), 401, 'unauthenticated')
    const t0 = Date.now()
    const s = check(await C.serveMeal(o.id, community), 200, 'CareMeal')
    assert.deepEqual({ ...s, person_name: o.person_name }, { ...o, status: 'served', served_at: s.served_at })
    assert.ok(s.served_at >= t0 - 1000 && s.served_at <= Date.now() + 1000)
    checkError(await C.serveMeal(o.id, community), 409, 'conflict')
    checkError(await C.cancelMeal(o.id, w), 409, 'conflict')
    assert.deepEqual(await countOf(m, egg), [1, 59], 'a served order still counts')
    // Cancelled: 409.
    const b = await newResident()
    const c = await ordered({ menu_id: m.id, mode: 'pickup', items: [{ item_id: egg.id, qty: 1 }] }, b.who, b.person, m)
    check(await C.cancelMeal(c.id, b.who), 200, 'CareMeal')
    checkError(await C.serveMeal(c.id, community), 409, 'conflict')
    // Street staff, the admin and a doctor of the community serve too.
    for (const x of [street, admin, kDoctor]) {
      const r = await newResident()
      const e = await ordered({ menu_id: m.id, mode: 'pickup', items: [{ item_id: egg.id, qty: 1 }] }, r.who, r.person, m)
      assert.equal(check(await C.serveMeal(e.id, x, undefined), 200, 'CareMeal').status, 'served')
    }
    // The answer is the order (its person's name too, as in the lists).
    assert.equal(s.person_name, person.name, 'the served order answers without the person\'s name')
  })
})

describe('lists and the kitchen', () => {
  test('a menu\'s orders for staff (oldest first, names, a delivery\'s address and floor); one\'s own newest first; 404 for the rest', async () => {
    const m = await C.menuOf(kangcheng, freshDay())
    const m2 = await C.menuOf(kangcheng, freshDay())
    const [egg, fish] = m.items
    const a = await newResident()
    const b = await newResident()
    const oa = await ordered({ menu_id: m.id, mode: 'delivery', items: [{ item_id: egg.id, qty: 1 }] }, a.who, a.person, m)
    const ob = await ordered({ menu_id: m.id, mode: 'pickup', items: [{ item_id: fish.id, qty: 2 }] }, b.who, b.person, m)
    const oa2 = await ordered({ menu_id: m2.id, mode: 'pickup', items: [{ item_id: m2.items[2].id, qty: 1 }] }, a.who, a.person, m2)
    const cb = { ...ob, status: 'cancelled', cancelled_at: check(await C.cancelMeal(ob.id, b.who), 200, 'CareMeal').cancelled_at }
    const home = await C.asAdmin(`/api/households/${a.person.household_id}`)
    for (const x of [community, street, admin, kDoctor]) {
      const l = check(await C.meals(`?menu_id=${m.id}`, x), 200, 'CareMealList').items
      assert.deepEqual(l, [{ ...oa, address: home.address, floor: home.floor }, cb], x.account.username)
    }
    assert.equal(home.floor, 7)
    // One's own: newest first, across menus, cancelled too, no address.
    assert.deepEqual(check(await C.meals('', a.who), 200, 'CareMealList').items, [oa2, oa])
    assert.deepEqual(check(await C.meals('', b.who), 200, 'CareMealList').items, [cb])
    assert.deepEqual(check(await C.meals('', volunteer), 200, 'CareMealList').items, [])
    // Not staff over the community: a menu's orders 404 (menu_id).
    for (const x of [a.who, resident, elder, grid, steward, volunteer, committee, doctor, nxStaff])
      checkError(await C.meals(`?menu_id=${m.id}`, x), 404, 'not_found', { field: 'menu_id' })
    checkError(await C.meals('?menu_id=99999999', admin), 404, 'not_found', { field: 'menu_id' })
    checkError(await C.meals('?menu_id=x', community), 422, 'invalid_input', { field: 'menu_id' })
    checkError(await C.meals(''), 401, 'unauthenticated')
  })

  test('the kitchen: each dish\'s portions to cook, for pick-up and delivery; the day\'s orders, pick-up, delivery, served; cancelled count nowhere', async () => {
    const m = await C.menuOf(kangcheng, freshDay())
    const [egg, fish, porridge] = m.items
    const empty = check(await C.kitchen(m.id, community), 200, 'CareKitchen')
    assert.deepEqual(empty, {
      menu_id: m.id, date: m.date, orders: 0, pickup: 0, delivery: 0, served: 0,
      items: m.items.map((d) => ({ item_id: d.id, name: d.name, portions: d.portions, total: 0, pickup: 0, delivery: 0 })),
    })
    const [a, b, c, d] = await Promise.all(Array.from({ length: 4 }, () => newResident()))
    const oa = await ordered({ menu_id: m.id, mode: 'pickup', items: [{ item_id: egg.id, qty: 2 }, { item_id: fish.id, qty: 1 }] }, a.who, a.person, m)
    await ordered({ menu_id: m.id, mode: 'delivery', items: [{ item_id: egg.id, qty: 1 }] }, b.who, b.person, m)
    const oc = await ordered({ menu_id: m.id, mode: 'pickup', items: [{ item_id: fish.id, qty: 3 }, { item_id: porridge.id, qty: 4 }] }, c.who, c.person, m)
    await ordered({ menu_id: m.id, mode: 'delivery', items: [{ item_id: porridge.id, qty: 2 }] }, d.who, d.person, m)
    check(await C.cancelMeal(oc.id, c.who), 200, 'CareMeal')
    check(await C.serveMeal(oa.id, community), 200, 'CareMeal')
    const want = {
      menu_id: m.id, date: m.date, orders: 3, pickup: 1, delivery: 2, served: 1,
      items: [
        { item_id: egg.id, name: egg.name, portions: 60, total: 3, pickup: 2, delivery: 1 },
        { item_id: fish.id, name: fish.name, portions: 40, total: 1, pickup: 1, delivery: 0 },
        { item_id: porridge.id, name: porridge.name, portions: 80, total: 2, pickup: 0, delivery: 2 },
      ],
    }
    for (const x of [community, street, admin, kDoctor]) assert.deepEqual(check(await C.kitchen(m.id, x), 200, 'CareKitchen'), want, x.account.username)
    // The menu's counts agree (cancelled not counted).
    assert.deepEqual((await menuNow(m)).items.map((x) => x.ordered), [3, 1, 2])
    for (const x of [a.who, resident, elder, grid, steward, volunteer, committee, doctor, nxStaff]) checkError(await C.kitchen(m.id, x), 404, 'not_found')
    for (const id of [99999999, 'x']) checkError(await C.kitchen(id, admin), 404, 'not_found')
    checkError(await C.kitchen(m.id), 401, 'unauthenticated')
  })
})

test('the server exits 0 on SIGTERM within the shutdown grace time', async () => {
  streams.forEach((s) => s.close())
  const r = await srv.stop()
  assert.equal(r.code, 0, `exit ${JSON.stringify(r)}; server log:\n${srv.log()}`)
})
