// The work-order capability's logic without the screens (docs/reference/orders.md): category
// groups and names, the extra questions' answers, what each status lets whom do, the photos a
// form may take, and how live `order.<step>` events change lists and timelines.
import type { LiveEvent } from '@/api/types'
import { reasonLength } from '@/modules/codes/codes'
import {
  ORDER_STEPS,
  type Answers,
  type Category,
  type CategoryQuestion,
  type Order,
  type OrderLevel,
  type OrderStatus,
  type OrderStepName,
  type Report,
  type ReportStatus,
} from './types'

// Categories -------------------------------------------------------------------------------

type Locale = string
const isEn = (locale: Locale) => locale.toLowerCase().startsWith('en')

export function categoryName(c: Pick<Category, 'name_zh' | 'name_en'>, locale: Locale): string {
  return isEn(locale) ? c.name_en : c.name_zh
}

export function questionLabel(q: Pick<CategoryQuestion, 'label_zh' | 'label_en'>, locale: Locale): string {
  return isEn(locale) ? q.label_en : q.label_zh
}

/** The i18n key (under `orders.groups`) of each group of the default catalogue. */
export const GROUP_KEYS: Readonly<Record<string, string>> = {
  市容环境: 'city',
  道路设施: 'road',
  绿化: 'green',
  物业: 'property',
  噪音: 'noise',
  消防通道: 'fire',
  占道经营: 'vending',
  违章停车: 'parking',
  安全: 'safety',
  其他: 'other',
}

export interface CategoryGroup {
  group: string
  items: Category[]
}

/** Categories grouped by `group`, groups and members in the order the server lists them. */
export function groupCategories(list: readonly Category[]): CategoryGroup[] {
  const out: CategoryGroup[] = []
  for (const c of list) {
    let g = out.find((x) => x.group === c.group)
    if (!g) out.push((g = { group: c.group, items: [] }))
    g.items.push(c)
  }
  return out
}

/** Groups whose group or member names (either language) or code contain `q`. */
export function filterGroups(groups: readonly CategoryGroup[], q: string): CategoryGroup[] {
  const s = q.trim().toLowerCase()
  if (!s) return [...groups]
  return groups
    .map((g) => ({
      group: g.group,
      items: g.group.toLowerCase().includes(s)
        ? g.items
        : g.items.filter((c) => [c.name_zh, c.name_en, c.code].some((x) => x.toLowerCase().includes(s))),
    }))
    .filter((g) => g.items.length > 0)
}

/** The category's name, or its code while the catalogue is not loaded (or it was retired). */
export function nameOfCategory(list: readonly Category[], code: string, locale: Locale): string {
  const c = list.find((x) => x.code === code)
  return c ? categoryName(c, locale) : code
}

// Answers to the extra questions -------------------------------------------------------------

/** An answer as the form holds it: text for the one-value types, keys for a multi-value list. */
export type AnswerValue = string | string[]
export type AnswerError = 'required' | 'number' | 'datetime' | 'choice'

function isEmpty(v: AnswerValue | undefined): boolean {
  return v === undefined || (Array.isArray(v) ? v.length === 0 : v.trim() === '')
}

/** What is wrong with each answer (by question code); empty when the answers may be sent. */
export function validateAnswers(
  questions: readonly CategoryQuestion[],
  answers: Readonly<Record<string, AnswerValue | undefined>>,
): Record<string, AnswerError> {
  const errors: Record<string, AnswerError> = {}
  for (const q of questions) {
    const v = answers[q.code]
    if (isEmpty(v)) {
      if (q.required) errors[q.code] = 'required'
      continue
    }
    const keys = q.values.map((x) => x.key)
    if (q.datatype === 'multivaluelist') {
      if (!Array.isArray(v) || v.some((k) => !keys.includes(k))) errors[q.code] = 'choice'
    } else if (Array.isArray(v)) {
      errors[q.code] = 'choice'
    } else if (q.datatype === 'singlevaluelist') {
      if (!keys.includes(v as string)) errors[q.code] = 'choice'
    } else if (q.datatype === 'number') {
      if (!/^-?\d+(\.\d+)?$/.test((v as string).trim())) errors[q.code] = 'number'
    } else if (q.datatype === 'datetime') {
      if (Number.isNaN(Date.parse(v as string))) errors[q.code] = 'datetime'
    }
  }
  return errors
}

/**
 * A `datetime-local` value ("2025-06-01T21:30") as ISO 8601 with the offset of that local time
 * ("2025-06-01T21:30:00+08:00"); `offsetMinutes` east of UTC, as `-Date#getTimezoneOffset()`.
 */
export function localToIso(value: string, offsetMinutes: number): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(value)
  if (!m) return value
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  return `${m[1]}T${m[2]}${m[3] ?? ':00'}${sign}${hh}:${mm}`
}

function localOffset(value: string): number {
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? 0 : -d.getTimezoneOffset()
}

/** The `answers` of a report: only the questions of the category, empty ones left out, text
 *  trimmed, times in ISO 8601 with their offset. */
export function answersBody(
  questions: readonly CategoryQuestion[],
  answers: Readonly<Record<string, AnswerValue | undefined>>,
  offsetOf: (local: string) => number = localOffset,
): Answers {
  const out: Record<string, AnswerValue> = {}
  for (const q of questions) {
    const v = answers[q.code]
    if (v === undefined || isEmpty(v)) continue
    if (Array.isArray(v)) out[q.code] = [...v]
    else if (q.datatype === 'datetime') out[q.code] = localToIso(v.trim(), offsetOf(v.trim()))
    else out[q.code] = v.trim()
  }
  return out as Answers
}

/** A report's answers to show: each question's label and the answer (list keys as their
 *  names), in the category's order; answers to questions it no longer has by their code. */
export function answerRows(
  questions: readonly CategoryQuestion[],
  answers: Readonly<Record<string, unknown>> | null | undefined,
  locale: Locale,
): { label: string; value: string }[] {
  const a = answers ?? {}
  const show = (q: CategoryQuestion | undefined, v: unknown): string => {
    const list = Array.isArray(v) ? v.map(String) : [String(v)]
    return list.map((k) => q?.values.find((x) => x.key === k)?.name ?? k).join('、')
  }
  const rows = questions.filter((q) => q.code in a).map((q) => ({ label: questionLabel(q, locale), value: show(q, a[q.code]) }))
  for (const [code, v] of Object.entries(a)) {
    if (!questions.some((q) => q.code === code)) rows.push({ label: code, value: show(undefined, v) })
  }
  return rows
}

// Texts -------------------------------------------------------------------------------------

/** Reasons and notes of the order steps, in characters (trimmed). */
export const NOTE_MIN = 2
export const NOTE_MAX = 500
export const DESCRIPTION_MAX = 4000

export function noteOk(s: string, min = NOTE_MIN, max = NOTE_MAX): boolean {
  const n = reasonLength(s)
  return n >= min && n <= max
}

export function descriptionOk(s: string): boolean {
  return noteOk(s, 1, DESCRIPTION_MAX)
}

/** A mainland mobile number as typed (spaces, dashes, +86 allowed), as 11 digits; or null. */
export function normalisePhone(s: string): string | null {
  const d = s.replace(/[\s\-()]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '')
  return /^1[3-9]\d{9}$/.test(d) ? d : null
}

// Photos ------------------------------------------------------------------------------------

/** A report or a completion carries at most this many photos. */
export const MAX_PHOTOS = 9

/** The files a picker may still take when it holds `count`: the first ones up to the limit. */
export function takeFiles<F>(count: number, files: readonly F[], max = MAX_PHOTOS): { take: F[]; dropped: number } {
  const room = Math.max(0, max - count)
  return { take: files.slice(0, room), dropped: Math.max(0, files.length - room) }
}

// What each status lets whom do -------------------------------------------------------------

export type WorkerAction = 'claim' | 'complete' | 'hold' | 'resume' | 'return'

/** The steps the caller may take on an order as its worker (the server still decides). */
export function workerActions(o: Pick<Order, 'status' | 'claimed_by'>, me: number | null | undefined): WorkerAction[] {
  if (o.status === 'open') return ['claim']
  if (me == null || o.claimed_by !== me) return []
  if (o.status === 'claimed') return ['complete', 'hold', 'return']
  if (o.status === 'on_hold') return ['resume', 'return']
  return []
}

export type ReporterAction = 'verify' | 'rate' | 'reopen'

/** What a reporter may do once the order is done: confirm or send back a completed one, rate
 *  it (once: that closes it), reopen it within the server's window (it answers when past). */
export function reporterActions(orderStatus: OrderStatus | null | undefined): ReporterAction[] {
  if (orderStatus === 'completed') return ['verify', 'rate', 'reopen']
  if (orderStatus === 'verified') return ['rate', 'reopen']
  if (orderStatus === 'closed') return ['reopen']
  return []
}

/** Whether the reporter is asked "is the problem solved?": only while it may be confirmed. */
export function asksVerify(orderStatus: OrderStatus | null | undefined): boolean {
  return reporterActions(orderStatus).includes('verify')
}

/** The order's work is done: its evidence photos are shown to the reporter. */
export function workDone(orderStatus: OrderStatus | null | undefined): boolean {
  return orderStatus === 'completed' || orderStatus === 'verified' || orderStatus === 'closed'
}

/** Staff over the place confirm a completed order (or send it back). */
export function staffMayVerify(status: OrderStatus): boolean {
  return status === 'completed'
}

/** Where a report stands, in one word: waiting for triage, rejected, or its order's status. */
export function reportState(r: Pick<Report, 'status' | 'order_status'>): 'triage' | 'rejected' | OrderStatus {
  if (r.status === 'ordered' && r.order_status) return r.order_status
  return r.status === 'rejected' ? 'rejected' : r.status === 'triage' ? 'triage' : 'open'
}

export type Tone = 'primary' | 'success' | 'warning' | 'danger' | 'default'

/** The colour of a state's tag. */
export function stateTone(state: string): Tone {
  switch (state) {
    case 'open':
    case 'triage':
      return 'warning'
    case 'claimed':
      return 'primary'
    case 'on_hold':
    case 'rejected':
      return 'danger'
    case 'completed':
    case 'verified':
      return 'success'
    default:
      return 'default'
  }
}

/** The same colour as Element Plus names it. */
export function elTone(state: string): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  const tone = stateTone(state)
  return tone === 'default' ? 'info' : tone
}

/** A deadline in minutes as days, hours and minutes (for the catalogue table). */
export function splitMinutes(total: number): { d: number; h: number; m: number } {
  const n = Math.max(0, Math.round(total))
  return { d: Math.floor(n / 1440), h: Math.floor((n % 1440) / 60), m: n % 60 }
}

/** Roles whose phone home offers the pool and "my orders": those the default catalogue lets
 *  claim (a category may name others; their pool is still right, only the shortcut is absent). */
export const WORKER_ROLES = ['grid_worker', 'steward', 'inspector', 'community_staff']
/** Roles that see the console's orders screen (staff over places, and claimers at a desk). */
export const CONSOLE_ORDER_ROLES = ['district_admin', 'street_staff', 'community_staff', 'grid_worker', 'inspector']

/** Offer the pool and "my orders": to the claiming roles, and to whoever works for an
 *  organisation (GET /api/me `departments`), which claims as a department the orders whose
 *  category names its kind. The server filters the pool either way. */
export function mayWorkOrders(roles: readonly string[], departments: readonly unknown[] = []): boolean {
  return departments.length > 0 || roles.some((r) => WORKER_ROLES.includes(r))
}

/** How near a deadline is: passed, within the hour, or later; null when there is none. */
export function dueState(dueAt: number | null | undefined, now: number): 'overdue' | 'soon' | 'ok' | null {
  if (dueAt == null) return null
  if (dueAt <= now) return 'overdue'
  return dueAt - now <= 3_600_000 ? 'soon' : 'ok'
}

// Live events ---------------------------------------------------------------------------------

/** The live event types of order steps (`order.<step>`). */
export const ORDER_EVENT_TYPES: readonly string[] = ORDER_STEPS.map((s) => `order.${s}`)

/** What an `order.<step>` event says (its payload), with the event's id and time. */
export interface OrderEventInfo {
  eventId: number
  at: number
  orderId: number
  step: OrderStepName
  status: OrderStatus
  level: OrderLevel
  category: string
  version: number
}

/** The order step an event is about, or null for any other event. */
export function orderEventOf(ev: LiveEvent): OrderEventInfo | null {
  if (!ev.type.startsWith('order.')) return null
  const p = ev.payload as Partial<Record<string, unknown>> | undefined
  if (!p || typeof p.order_id !== 'number') return null
  const step = (typeof p.step === 'string' ? p.step : ev.type.slice(6)) as OrderStepName
  if (!(ORDER_STEPS as readonly string[]).includes(step)) return null
  return {
    eventId: ev.id,
    at: ev.created_at,
    orderId: p.order_id,
    step,
    status: p.status as OrderStatus,
    level: p.level as OrderLevel,
    category: typeof p.category === 'string' ? p.category : '',
    version: typeof p.version === 'number' ? p.version : 0,
  }
}

/** The live event types of reports (made, and decided in triage). */
export const REPORT_EVENT_TYPES: readonly string[] = ['report.created', 'report.accepted', 'report.rejected']

/** What a `report.*` event says (its payload), with the event's id. */
export interface ReportEventInfo {
  eventId: number
  reportId: number
  kind: 'created' | 'accepted' | 'rejected'
  status: ReportStatus
  orderId: number | null
  category: string
}

/** The report an event is about, or null for any other event. */
export function reportEventOf(ev: LiveEvent): ReportEventInfo | null {
  if (!REPORT_EVENT_TYPES.includes(ev.type)) return null
  const p = ev.payload as Partial<Record<string, unknown>> | undefined
  if (!p || typeof p.report_id !== 'number' || typeof p.status !== 'string') return null
  return {
    eventId: ev.id,
    reportId: p.report_id,
    kind: ev.type.slice(7) as ReportEventInfo['kind'],
    status: p.status as ReportStatus,
    orderId: typeof p.order_id === 'number' ? p.order_id : null,
    category: typeof p.category === 'string' ? p.category : '',
  }
}

/** The triage list after some report events: decided reports leave it; a new report waiting
 *  for triage (which the list may or may not cover: the area is the server's to say) asks for
 *  a reload. */
export function applyTriageEvents<T extends { id: number }>(
  items: readonly T[],
  events: readonly ReportEventInfo[],
): { items: T[]; refetch: boolean } {
  const decided = new Set(events.filter((e) => e.status !== 'triage').map((e) => e.reportId))
  const refetch = events.some((e) => e.status === 'triage' && !items.some((r) => r.id === e.reportId))
  return { items: items.filter((r) => !decided.has(r.id)), refetch }
}

/** A list of one's reports with the states the events tell (an accepted one has its order). */
export function applyReportEvents<T extends Pick<Report, 'id' | 'status' | 'order_id' | 'order_status'>>(
  items: readonly T[],
  reportEvents: readonly ReportEventInfo[],
  orderEvents: readonly OrderEventInfo[],
): T[] {
  return items.map((r) => {
    let cur = r
    for (const e of reportEvents) {
      if (e.reportId !== cur.id) continue
      cur = { ...cur, status: e.status, order_id: e.orderId ?? cur.order_id, order_status: e.orderId ? (cur.order_status ?? 'open') : cur.order_status }
    }
    const last = orderEvents.filter((e) => e.orderId === cur.order_id).at(-1)
    return last ? { ...cur, status: 'ordered', order_status: last.status } : cur
  })
}

/** Steps after which an order is (again) in someone's pool. */
const INTO_POOL: readonly OrderStepName[] = ['created', 'returned', 'reopened', 'escalated', 'transferred']

/**
 * The pool after some events: an order that is no longer open leaves it (claimed by someone
 * else, say); one that is still open takes the event's level. `refetch` says an order may have
 * come into the pool that the list does not have (whether this caller may claim it only the
 * server knows).
 */
export function applyPoolEvents(items: readonly Order[], events: readonly OrderEventInfo[]): { items: Order[]; refetch: boolean } {
  let out = [...items]
  let refetch = false
  for (const e of events) {
    const i = out.findIndex((o) => o.id === e.orderId)
    if (i < 0) {
      if (e.status === 'open' && INTO_POOL.includes(e.step)) refetch = true
      continue
    }
    if (e.version && e.version <= out[i].version) continue
    if (e.status !== 'open') out = out.filter((o) => o.id !== e.orderId)
    else out.splice(i, 1, { ...out[i], level: e.level, status: e.status, version: e.version || out[i].version })
  }
  return { items: out, refetch }
}

/** A list with each order's status and level as the newer events say. */
export function applyStatusEvents<T extends Pick<Order, 'id' | 'status' | 'level' | 'version'>>(
  items: readonly T[],
  events: readonly OrderEventInfo[],
): T[] {
  return items.map((o) => {
    let cur = o
    for (const e of events) {
      if (e.orderId !== cur.id || e.version <= cur.version) continue
      cur = { ...cur, status: e.status, level: e.level, version: e.version }
    }
    return cur
  })
}

/** One entry of a timeline as both the order and the report pages show it. */
export interface TimelineEntry {
  at: number
  step: OrderStepName
  note: string
  details?: Record<string, unknown>
  /** From a live event, until the page has the timeline from the server again. */
  live?: boolean
}

/**
 * The timeline with the steps that live events announced since it was loaded: those of
 * `orderId` newer than `version` (when the page knows the order's version) or than the last
 * step's time, once each, oldest first.
 */
export function mergeTimeline(
  steps: readonly TimelineEntry[],
  events: readonly OrderEventInfo[],
  orderId: number,
  version?: number,
): TimelineEntry[] {
  const lastAt = steps.reduce((m, s) => Math.max(m, s.at), -Infinity)
  const seen = new Set<number>()
  const extra: TimelineEntry[] = []
  for (const e of [...events].sort((a, b) => a.eventId - b.eventId)) {
    if (e.orderId !== orderId) continue
    const newer = version !== undefined ? e.version > version : e.at > lastAt
    if (!newer || seen.has(e.version)) continue
    seen.add(e.version)
    extra.push({ at: e.at, step: e.step, note: '', live: true })
  }
  return [...steps, ...extra].sort((a, b) => a.at - b.at)
}

/** The words a timeline entry's details add (stars of a rating, levels of an escalation). */
export function stepParams(s: Pick<TimelineEntry, 'step' | 'details'>): Record<string, string | number> | null {
  const d = s.details ?? {}
  if (s.step === 'rated' && typeof d.stars === 'number') return { stars: d.stars }
  if (s.step === 'escalated' && typeof d.missed === 'string') return { missed: d.missed }
  if (s.step === 'transferred') {
    const from = typeof d.from_category === 'string' ? d.from_category : ''
    const to = typeof d.to_category === 'string' ? d.to_category : ''
    return from && to && from !== to ? { from, to } : null
  }
  return null
}

/** The rating that stands: the stars (from its `details`) and comment (its note) of the last
 *  `rated` step, unless the order was reopened since (a reopen clears it). */
export function standingRating(steps: readonly Pick<TimelineEntry, 'at' | 'step' | 'note' | 'details'>[]): { stars: number; comment: string } | null {
  let out: { stars: number; comment: string } | null = null
  for (const s of steps) {
    if (s.step === 'reopened') out = null
    const stars = s.details?.stars
    if (s.step === 'rated' && typeof stars === 'number' && stars >= 1 && stars <= 5) out = { stars: Math.round(stars), comment: s.note }
  }
  return out
}

// Maps ----------------------------------------------------------------------------------------

/** A place in WGS84. */
export interface Point {
  lat: number
  lon: number
}

export interface Located<T> {
  item: T
  lat: number
  lon: number
}

/** The items that have a place on the map (WGS84 latitude and longitude). */
export function located<T extends { lat: number | null; lon: number | null }>(items: readonly T[]): Located<T>[] {
  const out: Located<T>[] = []
  for (const item of items) {
    const { lat, lon } = item
    if (lat === null || lon === null || !Number.isFinite(lat) || !Number.isFinite(lon)) continue
    if (lat < -90 || lat > 90 || lon < -180 || lon > 180) continue
    out.push({ item, lat, lon })
  }
  return out
}

/** Orders listed twice (in the pool and among one's own) once, by id; the later copy wins. */
export function uniqueById<T extends { id: number }>(...lists: readonly (readonly T[])[]): T[] {
  const byId = new Map<number, T>()
  for (const l of lists) for (const x of l) byId.set(x.id, x)
  return [...byId.values()]
}
