// The logic of the care pages (docs/reference/care.md), kept apart from the components so it is
// tested alone: who may open which page, the escalation levels in words, countdowns, which
// alarms ring for me, what the elder is told, and how live `care.alarm_*` events move a list.
import type { LiveEvent } from '@/api/types'
import { hasAnyRole, kindAtPath, type GrantLike } from '@/modules/platform/permissions'
import {
  CARE_EVENT_TYPES,
  CARE_STATUSES,
  type CareAlarm,
  type CareAlarmStatus,
  type CareAlarmView,
  type CareAlarmStep,
} from './types'

// Who sees what -------------------------------------------------------------------------------

/** The console's care screen (alarm board, stewards, duty, elders). */
export const CARE_CONSOLE_ROLES = ['district_admin', 'street_staff', 'community_staff']
/** Those who answer alarms from a phone (/m/care/alarms): stewards, backups, duty officers. */
export const CARE_RESPONDER_ROLES = ['steward', 'grid_worker', 'community_staff', 'street_staff', 'district_admin', 'doctor']
/** Those the phone home offers the alarm list to. */
export const CARE_PHONE_RESPONDER_ROLES = ['steward', 'grid_worker', 'community_staff', 'street_staff']
/** Name stewards, keep the duty roster (community and street staff, district admins). */
export const CARE_ROSTER_ROLES = CARE_CONSOLE_ROLES

export const mayRespond = (grants: readonly GrantLike[]) => hasAnyRole(grants, CARE_RESPONDER_ROLES)
/** The phone home shows the one-key alarm to residents (an elder's account is a resident's). */
export const mayRaise = (grants: readonly GrantLike[]) => hasAnyRole(grants, ['resident'])

/** The id a territory path ends with ("/2/3/4" → 4; null for "/"). */
export function nodeIdOfPath(path: string): number | null {
  const last = path.split('/').pop() ?? ''
  const id = Number(last)
  return last !== '' && Number.isInteger(id) && id > 0 ? id : null
}

/**
 * The places whose alarms a responder's phone lists beside those alerted to them: the nodes
 * of their staff grants that the alarm list takes (a street, a community or a building),
 * once each. A grid worker's grid is none of those: their alerts still come by name.
 */
export function alarmNodesOf(grants: readonly GrantLike[]): number[] {
  const out: number[] = []
  for (const g of grants) {
    if (g.role === 'resident' || !CARE_RESPONDER_ROLES.includes(g.role)) continue
    const scope = g.scope ?? '/'
    const kind = kindAtPath(scope)
    if (kind !== 'street' && kind !== 'community' && kind !== 'building') continue
    const id = nodeIdOfPath(scope)
    if (id !== null && !out.includes(id)) out.push(id)
  }
  return out
}

// Levels, statuses, countdowns ----------------------------------------------------------------

/** The highest level: everyone on duty in the street, alerted again every step. */
export const TOP_LEVEL = 3

/** The i18n key (under `care.levels`) of who level `level` alerts. */
export function levelKey(level: number): string {
  if (level <= 0) return 'steward'
  if (level === 1) return 'backup'
  if (level === 2) return 'community'
  return 'street'
}

const STATUS_RANK: Record<CareAlarmStatus, number> = { open: 0, acknowledged: 1, arrived: 2, closed: 3 }

export const isActive = (a: Pick<CareAlarm, 'status'>) => a.status !== 'closed'

/**
 * A countdown for people: "0:45", "12:05", "1:02:03"; a deadline passed (or none) "0:00".
 * Seconds are rounded up, so "0:00" means the deadline has come.
 */
export function formatCountdown(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return '0:00'
  const total = Math.ceil(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/** Milliseconds left until the alarm's deadline (null when it has none: acknowledged or closed). */
export function msLeft(a: Pick<CareAlarm, 'due_at'>, now: number): number | null {
  return a.due_at === null || a.due_at === undefined ? null : a.due_at - now
}

// Whose alarm -----------------------------------------------------------------------------------

/** Every account the alarm alerted, with the level and their name, first alert first. */
export function alertedOf(timeline: readonly CareAlarmStep[]): { account_id: number; name: string; level: number }[] {
  const out: { account_id: number; name: string; level: number }[] = []
  for (const s of timeline) {
    if (s.kind !== 'alerted' || s.account_id === null) continue
    if (out.some((x) => x.account_id === s.account_id && x.level === s.level)) continue
    out.push({ account_id: s.account_id, name: s.account_name, level: s.level })
  }
  return out
}

/** The alarm alerted `accountId` (at some level): they answer it. */
export function isAlertedTo(view: Pick<CareAlarmView, 'timeline'>, accountId: number | null | undefined): boolean {
  if (accountId === null || accountId === undefined) return false
  return view.timeline.some((s) => s.kind === 'alerted' && s.account_id === accountId)
}

/**
 * The alarm rings on `accountId`'s screen: it is still open (nobody acknowledged it), and its
 * current level alerted them. A replayed alert of a level passed already, or of an alarm that
 * someone took, does not ring.
 */
export function ringsFor(view: Pick<CareAlarmView, 'alarm' | 'timeline'>, accountId: number | null | undefined): boolean {
  if (accountId === null || accountId === undefined || view.alarm.status !== 'open') return false
  return view.timeline.some((s) => s.kind === 'alerted' && s.account_id === accountId && s.level === view.alarm.level)
}

/** The highest level at which the alarm alerted `accountId` (null when it never did): what
 *  they were asked as ("您是楼栋管家"), whatever level the alarm has reached since. */
export function myAlertLevel(view: Pick<CareAlarmView, 'timeline'>, accountId: number | null | undefined): number | null {
  let out: number | null = null
  for (const s of view.timeline)
    if (s.kind === 'alerted' && s.account_id === accountId && accountId !== null && accountId !== undefined) out = out === null ? s.level : Math.max(out, s.level)
  return out
}

/** The same alert again (the top level repeats every round): an alert dismissed stays quiet
 *  until the alarm moves on. */
export const alertKey = (a: Pick<CareAlarm, 'id' | 'level' | 'round'>) => `${a.id}:${a.level}:${a.round}`

/** The name of whoever owns the alarm (acknowledged it, or closed it unacknowledged). */
export function ownerName(view: Pick<CareAlarmView, 'alarm' | 'timeline'>): string | null {
  const id = view.alarm.acknowledged_by
  const ack = view.timeline.find((s) => s.kind === 'acknowledged')
  if (ack && ack.account_name) return ack.account_name
  if (id === null) return null
  const any = view.timeline.find((s) => s.account_id === id && s.account_name)
  return any ? any.account_name : null
}

/** The alarm is owned by `accountId`: they see the elder's details in full and act on it. */
export const ownedBy = (a: Pick<CareAlarm, 'acknowledged_by'>, accountId: number | null | undefined) =>
  accountId !== null && accountId !== undefined && a.acknowledged_by === accountId

/** A list of alarms: active first, then newest first (by id). */
export function sortAlarms<T extends Pick<CareAlarm, 'id' | 'status'>>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => Number(isActive(b)) - Number(isActive(a)) || b.id - a.id)
}

/** Several pages of alarms as one list, each alarm once (the newest copy wins). */
export function mergeAlarms<T extends Pick<CareAlarm, 'id' | 'status'>>(...lists: readonly (readonly T[])[]): T[] {
  const byId = new Map<number, T>()
  for (const l of lists) for (const a of l) byId.set(a.id, a)
  return sortAlarms([...byId.values()])
}

// What the elder is told --------------------------------------------------------------------

export interface ElderStage {
  /** i18n key under `care.elder.stage`. */
  key: 'calling' | 'escalating' | 'coming' | 'arrived' | 'closed'
  /** Named parameters of the key: `who` (a level's people), `name`, `round`. */
  level: number
  name: string | null
  round: number
}

/**
 * The elder's screen in words: calling the steward (level 0), calling a further level, someone
 * coming (their name), someone at the door, and done.
 */
export function elderStage(view: Pick<CareAlarmView, 'alarm' | 'timeline'>): ElderStage {
  const a = view.alarm
  const name = ownerName(view)
  const base = { level: a.level, name, round: a.round }
  if (a.status === 'closed') return { key: 'closed', ...base }
  if (a.status === 'arrived') return { key: 'arrived', ...base }
  if (a.status === 'acknowledged') return { key: 'coming', ...base }
  return { key: a.level === 0 ? 'calling' : 'escalating', ...base }
}

/** The elder's alarm to show: the newest active real one, else the newest active drill. */
export function currentOwnAlarm<T extends Pick<CareAlarm, 'id' | 'status' | 'drill' | 'person_id'>>(
  items: readonly T[],
  personId?: number | null,
): T | null {
  const mine = items.filter((a) => isActive(a) && (personId === null || personId === undefined || a.person_id === personId))
  const newest = (l: T[]) => l.reduce<T | null>((best, a) => (best === null || a.id > best.id ? a : best), null)
  return newest(mine.filter((a) => !a.drill)) ?? newest(mine.filter((a) => a.drill))
}

// Live events ---------------------------------------------------------------------------------

/** What a `care.alarm_*` event says. */
export interface CareEventInfo {
  eventId: number
  type: string
  alarmId: number
  status: CareAlarmStatus | null
  level: number | null
  round: number | null
  drill: boolean
  communityId: number | null
  buildingId: number | null
  dueAt: number | null
  /** The building's path. */
  scope: string | null
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** The care event, or null for any other event (or one without an alarm id). */
export function careEventOf(ev: LiveEvent): CareEventInfo | null {
  if (!(CARE_EVENT_TYPES as readonly string[]).includes(ev.type)) return null
  const p = (ev.payload ?? {}) as Record<string, unknown>
  const alarmId = num(p.alarm_id)
  if (alarmId === null) return null
  const status = typeof p.status === 'string' && (CARE_STATUSES as readonly string[]).includes(p.status) ? (p.status as CareAlarmStatus) : null
  return {
    eventId: ev.id,
    type: ev.type,
    alarmId,
    status,
    level: num(p.level),
    round: num(p.round),
    drill: p.drill === true,
    communityId: num(p.community_id),
    buildingId: num(p.building_id),
    dueAt: num(p.due_at),
    scope: typeof ev.scope === 'string' ? ev.scope : null,
  }
}

/**
 * An alarm after an event about it: its status, level, round and deadline as the event tells,
 * unless the alarm is further along already (an event older than the copy the page fetched:
 * a status never goes back, nor a level or round within one status).
 */
export function applyCareEvent<T extends Pick<CareAlarm, 'id' | 'status' | 'level' | 'round' | 'due_at'>>(a: T, e: CareEventInfo): T {
  if (e.alarmId !== a.id || e.status === null) return a
  const was = STATUS_RANK[a.status]
  const now = STATUS_RANK[e.status]
  if (now < was) return a
  const level = e.level ?? a.level
  const round = e.round ?? a.round
  if (now === was && (level < a.level || (level === a.level && round < a.round))) return a
  if (now === was && level === a.level && round === a.round && e.dueAt === a.due_at) return a
  return { ...a, status: e.status, level, round, due_at: e.dueAt }
}

/**
 * A list of alarms after a batch of events: the alarms they name are moved along; `refetch`
 * when one names an alarm the list does not hold (a new one raised, or one the list has not
 * loaded), `changed` the ids of those moved. A list of active alarms drops the closed ones
 * when `dropClosed`.
 */
export function applyCareEvents<T extends Pick<CareAlarm, 'id' | 'status' | 'level' | 'round' | 'due_at'>>(
  items: readonly T[],
  events: readonly CareEventInfo[],
  dropClosed = false,
): { items: T[]; refetch: boolean; changed: number[] } {
  let list = [...items]
  let refetch = false
  const changed: number[] = []
  for (const e of events) {
    const at = list.findIndex((a) => a.id === e.alarmId)
    if (at < 0) {
      if (!(dropClosed && e.status === 'closed')) refetch = true
      continue
    }
    const next = applyCareEvent(list[at], e)
    if (next !== list[at]) {
      list[at] = next
      if (!changed.includes(e.alarmId)) changed.push(e.alarmId)
    }
  }
  if (dropClosed) list = list.filter(isActive)
  return { items: list, refetch, changed }
}

/** The event concerns a place at or under `path` (the alarm board of a street or community). */
export function eventUnder(e: CareEventInfo, path: string | null): boolean {
  if (path === null || e.scope === null) return false
  if (path === '/') return true
  return e.scope === path || e.scope.startsWith(`${path}/`)
}

// Forms ---------------------------------------------------------------------------------------

/** A mainland mobile number as the server takes it (spaces, dashes and +86 allowed). */
export function isMobile(phone: string): boolean {
  const digits = phone.replace(/[\s-]/g, '').replace(/^\+?86/, '')
  return /^1\d{10}$/.test(digits)
}

/** UTF-8 bytes of a text (the server's limits are in bytes). */
export const byteLength = (s: string) => new TextEncoder().encode(s).length

export const HEALTH_NOTES_MAX_BYTES = 2000
export const CONTACTS_MAX = 5
export const CLOSE_NOTE_MAX_BYTES = 2000
/** The longest duty the roster takes. */
export const DUTY_MAX_MS = 31 * 86_400_000
