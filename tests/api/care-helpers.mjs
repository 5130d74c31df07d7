// Helpers of the care tests (care*.test.mjs, notify.test.mjs, authz-matrix.test.mjs): the places
// and people the scenarios need (fresh households and persons, accounts with grants), the
// requests of the care routes, an alarm's timeline read back and waited on, and SQL on the
// server's own database (sqlite3 or psql, as the other suites do).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

import { ENGINE, check, psql, waitFor } from './harness.mjs'

const run = promisify(execFile)

/** Runs one SQL statement on the server's own database; resolves its output. */
export async function careSql(srv, statement) {
  if (ENGINE === 'sqlite')
    return (await run('sqlite3', ['-cmd', '.timeout 10000', srv.db.url.replace(/^sqlite:/, ''), statement], { timeout: 30000 })).stdout
  return psql(srv.db.url, statement)
}

/** The last segment of a path as a number (a node id of an account's scope). */
export const lastId = (path) => Number(path.split('/').pop())

/** The care routes, for one server. */
export class Care {
  constructor(srv, admin) {
    this.srv = srv
    this.admin = admin
    this.seq = 0
  }

  /** A name no other request of the file uses. */
  fresh(base) {
    return `${base}${++this.seq}`
  }

  // -------------------------------------------------------------------------------------
  // The territory, the registry and accounts (as the admin)

  async asAdmin(path) {
    return check(await this.srv.get(path, { token: this.admin.token }), 200)
  }

  /** The demo places: { street, community, compound, building } of the steward's 1号楼. */
  async demoPlaces() {
    const building = await this.asAdmin(`/api/nodes/${lastId(this.srv.account('steward').scope)}`)
    const compound = await this.asAdmin(`/api/nodes/${building.parent_id}`)
    const community = await this.asAdmin(`/api/nodes/${lastId(this.srv.account('community').scope)}`)
    const street = await this.asAdmin(`/api/nodes/${community.parent_id}`)
    assert.equal(building.kind, 'building')
    assert.equal(community.name, '康城社区')
    assert.equal(street.kind, 'street')
    assert.ok(building.path.startsWith(`${community.path}/`), `${building.path} is not under ${community.path}`)
    return { street, community, compound, building }
  }

  /** A new territory node under `parent`. */
  async node(parent, kind, name = this.fresh(`养老${kind}`)) {
    return check(await this.srv.post('/api/nodes', { parent_id: parent.id, kind, name }, { token: this.admin.token }), 201)
  }

  /** A new person in a new household of `building` (`more`: phone, …). */
  async person(building, more = {}) {
    const h = check(await this.srv.post('/api/households', { building_id: building.id, unit: '7', floor: 7, room: this.fresh('7') },
      { token: this.admin.token }), 201)
    const json = { name: this.fresh('养老居民'), gender: 'F', relation: 'head', ...more }
    return check(await this.srv.post(`/api/households/${h.id}/persons`, json, { token: this.admin.token }), 201)
  }

  /** The demo elder 刘桂兰's person (in the steward's building). */
  async elderPerson(building) {
    const homes = (await this.asAdmin(`/api/households?node=${building.id}&limit=200`)).items
    for (const h of homes) {
      const p = (await this.asAdmin(`/api/households/${h.id}`)).persons.find((x) => x.name === '刘桂兰')
      if (p) return p
    }
    assert.fail('the demo has no 刘桂兰 in 1号楼')
  }

  /** A new account holding `roles`, logged in: the login response ({ token, account, … }). */
  async account(roles, base = 'care.user') {
    const username = this.fresh(base)
    const json = { username, display_name: username, password: 'a-good-password', roles }
    check(await this.srv.post('/api/accounts', json, { token: this.admin.token }), 201)
    return this.srv.login(username, 'a-good-password')
  }

  /** Links `person` to the account of a login response. */
  async link(person, who) {
    return check(await this.srv.request('PUT', `/api/persons/${person.id}/account`, { token: this.admin.token, json: { account_id: who.account.id } }), 200)
  }

  // -------------------------------------------------------------------------------------
  // Requests (`who` a login response, or undefined for no session)

  /** POST /api/care/alarms: `json` undefined sends no body at all. */
  raise(who, json, opts = {}) {
    return this.srv.request('POST', '/api/care/alarms', { token: who?.token, json, ...opts })
  }
  alarm(id, who, query = '') {
    return this.srv.get(`/api/care/alarms/${id}${query}`, { token: who?.token })
  }
  alarms(query, who) {
    return this.srv.get(`/api/care/alarms${query}`, { token: who?.token })
  }
  /** POST /api/care/alarms/{id}/<verb> (acknowledge, arrive, close). */
  act(id, verb, who, json) {
    return this.srv.request('POST', `/api/care/alarms/${id}/${verb}`, { token: who?.token, json })
  }
  assign(buildingId, json, who) {
    return this.srv.request('PUT', `/api/care/stewards/${buildingId}`, { token: who?.token, json })
  }
  stewards(query, who) {
    return this.srv.get(`/api/care/stewards${query}`, { token: who?.token })
  }
  duty(json, who) {
    return this.srv.post('/api/care/duty', json, { token: who?.token })
  }
  duties(query, who) {
    return this.srv.get(`/api/care/duty${query}`, { token: who?.token })
  }
  removeDuty(id, who) {
    return this.srv.request('DELETE', `/api/care/duty/${id}`, { token: who?.token })
  }
  putProfile(personId, json, who) {
    return this.srv.request('PUT', `/api/care/elders/${personId}`, { token: who?.token, json })
  }
  profile(personId, who, query = '') {
    return this.srv.get(`/api/care/elders/${personId}${query}`, { token: who?.token })
  }
  addDevice(json, who) {
    return this.srv.post('/api/care/devices', json, { token: who?.token })
  }
  devices(query, who) {
    return this.srv.get(`/api/care/devices${query}`, { token: who?.token })
  }
  revokeDevice(id, who) {
    return this.srv.post(`/api/care/devices/${id}/revoke`, undefined, { token: who?.token })
  }

  // -------------------------------------------------------------------------------------
  // Visits (care-visits.test.mjs)

  /** The household's active door code (issued by the admin if it has none yet); asserts 200 or 201. */
  async doorCode(householdId) {
    const r = await this.srv.post('/api/codes', { kind: 'household', target_id: householdId }, { token: this.admin.token })
    return check(r, r.status === 200 ? 200 : 201, 'Code')
  }
  /** POST /api/care/visits. */
  visit(json, who) {
    return this.srv.post('/api/care/visits', json, { token: who?.token })
  }
  visits(query, who) {
    return this.srv.get(`/api/care/visits${query}`, { token: who?.token })
  }
  visitsDue(query, who) {
    return this.srv.get(`/api/care/visits/due${query}`, { token: who?.token })
  }
  /** A new person in the household `householdId` (`more`: relation, …), as the admin. */
  async housemate(householdId, more = {}) {
    const json = { name: this.fresh('养老同住'), gender: 'M', relation: 'spouse', ...more }
    return check(await this.srv.post(`/api/households/${householdId}/persons`, json, { token: this.admin.token }), 201)
  }

  // -------------------------------------------------------------------------------------
  // The station's rooms (care-rooms.test.mjs)

  addRoom(json, who) {
    return this.srv.post('/api/care/rooms', json, { token: who?.token })
  }
  changeRoom(id, json, who) {
    return this.srv.request('PUT', `/api/care/rooms/${id}`, { token: who?.token, json })
  }
  rooms(query, who) {
    return this.srv.get(`/api/care/rooms${query}`, { token: who?.token })
  }
  /** GET /api/care/rooms/{id}/slots?date=… (`date` undefined leaves the parameter out). */
  slots(id, date, who) {
    return this.srv.get(`/api/care/rooms/${id}/slots${date === undefined ? '' : `?date=${encodeURIComponent(date)}`}`, { token: who?.token })
  }
  book(json, who) {
    return this.srv.post('/api/care/bookings', json, { token: who?.token })
  }
  bookings(query, who) {
    return this.srv.get(`/api/care/bookings${query}`, { token: who?.token })
  }
  checkIn(json, who) {
    return this.srv.post('/api/care/bookings/check-in', json, { token: who?.token })
  }
  cancelBooking(id, who) {
    return this.srv.post(`/api/care/bookings/${id}/cancel`, undefined, { token: who?.token })
  }

  /** A room of `community` added by `who` (default the admin; `more`: the other fields); asserts 201. */
  async room(community, more = {}, who = this.admin) {
    return check(await this.addRoom({ community_id: community.id, name: this.fresh('测试功能室'), ...more }, who), 201, 'CareRoom')
  }

  /** A new place of `kind` on `node` and its active code, as the admin: { place, code }. */
  async placeCode(node, kind = 'function_room') {
    const place = check(await this.srv.post('/api/places', { node_id: node.id, kind, name: this.fresh('测试场所') }, { token: this.admin.token }), 201, 'Place')
    const r = await this.srv.post('/api/codes', { kind, target_id: place.id }, { token: this.admin.token })
    return { place, code: check(r, r.status === 200 ? 200 : 201, 'Code') }
  }

  /** A new person of `building` and an account linked to them (a resident grant there): { person, who }. */
  async resident(building) {
    const person = await this.person(building)
    const who = await this.account([{ role: 'resident', scope: building.path }], 'care.resident')
    await this.link(person, who)
    return { person, who }
  }

  // -------------------------------------------------------------------------------------
  // Meals (care-meals.test.mjs)

  addMenu(json, who) {
    return this.srv.post('/api/care/menus', json, { token: who?.token })
  }
  changeMenu(id, json, who) {
    return this.srv.request('PUT', `/api/care/menus/${id}`, { token: who?.token, json })
  }
  menus(query, who) {
    return this.srv.get(`/api/care/menus${query}`, { token: who?.token })
  }
  menu(id, who) {
    return this.srv.get(`/api/care/menus/${id}`, { token: who?.token })
  }
  kitchen(id, who) {
    return this.srv.get(`/api/care/menus/${id}/kitchen`, { token: who?.token })
  }
  /** POST /api/care/meals. */
  order(json, who) {
    return this.srv.post('/api/care/meals', json, { token: who?.token })
  }
  meals(query, who) {
    return this.srv.get(`/api/care/meals${query}`, { token: who?.token })
  }
  cancelMeal(id, who, json = {}) {
    return this.srv.post(`/api/care/meals/${id}/cancel`, json, { token: who?.token })
  }
  serveMeal(id, who, json = {}) {
    return this.srv.post(`/api/care/meals/${id}/serve`, json, { token: who?.token })
  }
  /** A menu of `community` on `date` published by `who` (default the admin): three dishes unless `more.items`; asserts 201. */
  async menuOf(community, date, more = {}, who = this.admin) {
    const items = [{ name: '番茄炒蛋套餐', price_fen: 1200, portions: 60 }, { name: '清蒸鱼套餐', price_fen: 1800, portions: 40 },
      { name: '小米粥', price_fen: 300, portions: 80 }]
    return check(await this.addMenu({ community_id: community.id, date, pickup: true, delivery: true, items, ...more }, who), 201, 'CareMenu')
  }

  // -------------------------------------------------------------------------------------
  // Consultations and home services (care-consult.test.mjs)

  consult(json, who) {
    return this.srv.post('/api/care/consultations', json, { token: who?.token })
  }
  consultations(query, who) {
    return this.srv.get(`/api/care/consultations${query}`, { token: who?.token })
  }
  consultation(id, who, query = '') {
    return this.srv.get(`/api/care/consultations/${id}${query}`, { token: who?.token })
  }
  /** POST /api/care/consultations/{id}/<verb> (schedule, complete, cancel). */
  actConsultation(id, verb, json, who) {
    return this.srv.post(`/api/care/consultations/${id}/${verb}`, json, { token: who?.token })
  }
  homeService(json, who) {
    return this.srv.post('/api/care/home-services', json, { token: who?.token })
  }
  homeServices(query, who) {
    return this.srv.get(`/api/care/home-services${query}`, { token: who?.token })
  }

  // -------------------------------------------------------------------------------------
  // Read back

  /** The alarm's view as the admin (staff over everything). */
  async view(id) {
    return check(await this.alarm(id, this.admin), 200, 'CareAlarmView')
  }

  /** Polls the alarm's view until `pred(view)` holds; returns the view. */
  async waitView(id, pred, { ms = 15000, what = 'the alarm' } = {}) {
    let last
    try {
      return await waitFor(async () => {
        last = await this.view(id)
        return pred(last) ? last : null
      }, { ms, every: 100, what })
    } catch (e) {
      assert.fail(`${e.message}; the timeline: ${JSON.stringify(last?.timeline?.map((s) => [s.kind, s.level, s.account_id, s.note]))}`)
    }
  }

  /** Closes an alarm as the admin (an alarm closed already is left alone). */
  async closeQuietly(id) {
    const r = await this.act(id, 'close', this.admin, { outcome: 'other', note: '测试收尾' })
    assert.ok(r.status === 200 || r.status === 409, `closing alarm ${id}: ${r}`)
  }

  /** Names a building's steward (and backup) as `who` (default the admin); asserts 200. */
  async stewardsOf(building, steward, backup, who = this.admin) {
    const json = { steward_id: steward.account.id, backup_id: backup ? backup.account.id : null }
    return check(await this.assign(building.id, json, who), 200, 'CareAssignment')
  }

  /** Puts `account` on duty at `node` from a minute ago for `hours`; asserts 201. */
  async onDuty(node, account, who = this.admin, hours = 2) {
    const now = Date.now()
    const json = { node_id: node.id, account_id: account.account.id, starts_at: now - 60000, ends_at: now + hours * 3600000 }
    return check(await this.duty(json, who), 201, 'CareDuty')
  }
}

// The UTC+8 clock the rooms' opening hours and booking windows are kept on.
export const MINUTE = 60000
export const DAY = 86400000
const SHIFT = 8 * 3600000
/** The start (UTC ms) of the UTC+8 day holding `t`. */
export const localDay = (t) => Math.floor((t + SHIFT) / DAY) * DAY - SHIFT
/** `t`'s day on the UTC+8 clock as YYYY-MM-DD. */
export const localDate = (t) => new Date(localDay(t) + SHIFT).toISOString().slice(0, 10)
/** `t`'s ISO weekday on the UTC+8 clock (1 Monday … 7 Sunday). */
export const isoWeekday = (t) => ((Math.floor((t + SHIFT) / DAY) + 3) % 7) + 1
/** The UTC ms of minute `minute` of the UTC+8 day `days` after today (negative: before). */
export const dayAt = (days, minute) => localDay(Date.now()) + days * DAY + minute * MINUTE

/** The timeline's steps of a kind as [level, account_id] pairs. */
export const stepsOf = (view, kind) => view.timeline.filter((s) => s.kind === kind).map((s) => [s.level, s.account_id])
