// The logic of doctor consultations (问诊) and home services (居家服务), docs/reference/care.md,
// kept apart from the components so it is tested alone: what may be done to a consultation and
// by whom, the form's checks, the doctor's places, lists merged, and the UTC+8 wall clock that
// the date-time fields type ("YYYY-MM-DDTHH:MM", whatever the device's zone).
import { kindAtPath, type GrantLike } from '@/modules/platform/permissions'
import { byteLength, nodeIdOfPath } from './care'
import { MINUTE_MS, SHIFT_MS } from './rooms'

export const CONSULT_MODES = ['online', 'clinic', 'home'] as const
export type ConsultMode = (typeof CONSULT_MODES)[number]
export const CONSULT_STATUSES = ['requested', 'scheduled', 'done', 'cancelled'] as const
export const TOPIC_MAX_BYTES = 1000
export const NOTES_MAX_BYTES = 4000
/** How far in the past a preferred or scheduled time may be. */
export const PAST_SLACK_MS = 5 * MINUTE_MS
/** Consultations an elder may have open at once. */
export const OPEN_CONSULTS_MAX = 5

export const HOME_SERVICE_KINDS = ['repair', 'utility_check'] as const
export type HomeServiceKind = (typeof HOME_SERVICE_KINDS)[number]
export const DESCRIPTION_MAX_CHARS = 1000

interface ConsultLike {
  id: number
  status: string
  doctor_id?: number | null
  requested_by?: number
  person_id?: number
  created_at: number
}

/** Requested or scheduled: not done, not cancelled. */
export const isOpenConsult = (c: Pick<ConsultLike, 'status'>) => c.status === 'requested' || c.status === 'scheduled'

/** A doctor may take it (or take it over) and set a time while it is open. */
export const mayScheduleConsult = (c: Pick<ConsultLike, 'status'>) => isOpenConsult(c)

/** A doctor may write the notes: the one it is scheduled with, or any while it is requested (an
 *  online question answered at once). */
export function mayCompleteConsult(c: Pick<ConsultLike, 'status' | 'doctor_id'>, me: number | null | undefined): boolean {
  if (c.status === 'requested') return true
  return c.status === 'scheduled' && me !== null && me !== undefined && c.doctor_id === me
}

/** Cancellable while not done (by the elder, whoever asked, or a doctor over the elder). */
export const mayCancelConsult = (c: Pick<ConsultLike, 'status'>) => isOpenConsult(c)

/** What is wrong with a topic (an i18n key under `care.consult.errors`), or null. */
export function topicProblem(topic: string): string | null {
  if (!topic.trim()) return 'topicEmpty'
  if (byteLength(topic) > TOPIC_MAX_BYTES) return 'topicLong'
  return null
}

/** What is wrong with a doctor's notes, or null. */
export function notesProblem(notes: string): string | null {
  if (!notes.trim()) return 'notesEmpty'
  if (byteLength(notes) > NOTES_MAX_BYTES) return 'notesLong'
  return null
}

/** What is wrong with a time asked for or set (`null`: none given, fine for a preferred time). */
export function whenProblem(at: number | null, now: number, required = false): string | null {
  if (at === null) return required ? 'whenEmpty' : null
  if (at < now - PAST_SLACK_MS) return 'whenPast'
  return null
}

/** Lists of consultations as one: each once, the newest first. */
export function mergeConsults<T extends Pick<ConsultLike, 'id' | 'created_at'>>(...lists: readonly (readonly T[])[]): T[] {
  const byId = new Map<number, T>()
  for (const l of lists) for (const c of l) if (!byId.has(c.id)) byId.set(c.id, c)
  return [...byId.values()].sort((a, b) => b.created_at - a.created_at || b.id - a.id)
}

/** A doctor's list: the open ones first (those requested before those scheduled, the scheduled
 *  by their time), then the closed, the newest first. */
export function sortForDoctor<T extends ConsultLike & { scheduled_at?: number | null }>(items: readonly T[]): T[] {
  const rank = (c: T) => (c.status === 'requested' ? 0 : c.status === 'scheduled' ? 1 : 2)
  return [...items].sort((a, b) => {
    const ra = rank(a)
    const rb = rank(b)
    if (ra !== rb) return ra - rb
    if (ra === 1) return (a.scheduled_at ?? 0) - (b.scheduled_at ?? 0) || a.id - b.id
    if (ra === 0) return a.created_at - b.created_at || a.id - b.id
    return b.created_at - a.created_at || b.id - a.id
  })
}

/** The places a doctor's consultations are listed by: the nodes of the doctor grants (a street,
 *  a community, a grid, a compound or a building), once each, a place inside another left out. */
export function doctorNodesOf(grants: readonly GrantLike[]): { id: number; path: string }[] {
  const scopes: string[] = []
  for (const g of grants) {
    if (g.role !== 'doctor') continue
    const scope = g.scope ?? '/'
    const kind = kindAtPath(scope)
    if (kind === null || kind === 'district') continue
    if (!scopes.includes(scope)) scopes.push(scope)
  }
  scopes.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))
  const out: { id: number; path: string }[] = []
  for (const s of scopes) {
    if (out.some((o) => s === o.path || s.startsWith(`${o.path}/`))) continue
    const id = nodeIdOfPath(s)
    if (id !== null) out.push({ id, path: s })
  }
  return out
}

/** The community a node's path lies in ("/2/3/4/5/6" → 3), or null above one. */
export function communityOfPath(path: string): number | null {
  const parts = path.split('/').filter(Boolean)
  if (parts.length < 2) return null
  const id = Number(parts[1])
  return Number.isInteger(id) && id > 0 ? id : null
}

/** A live event's scope lies at or under a place's path. */
export function scopeUnder(scope: unknown, path: string | null | undefined): boolean {
  if (typeof scope !== 'string' || !path) return false
  return path === '/' || scope === path || scope.startsWith(`${path}/`)
}

/** A live consultation event is about one of these. */
export function consultEventFor(payload: unknown, ids: readonly number[]): boolean {
  const id = typeof payload === 'object' && payload !== null ? (payload as { consultation_id?: unknown }).consultation_id : undefined
  return typeof id === 'number' && ids.includes(id)
}

/** The consultation a message is about (`care_consultation:<id>`), or null. */
export function consultOfSubject(subject: string): number | null {
  const m = /^care_consultation:(\d+)$/.exec(subject)
  return m ? Number(m[1]) : null
}

// The station's wall clock for date-time fields --------------------------------------------------

/** A moment as "YYYY-MM-DDTHH:MM" on the UTC+8 clock (what a datetime-local field shows). */
export function toWallClock(ms: number): string {
  return new Date(ms + SHIFT_MS).toISOString().slice(0, 16)
}

/** "YYYY-MM-DDTHH:MM" on the UTC+8 clock as a moment; null for anything else. */
export function fromWallClock(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(s.trim())
  if (!m) return null
  const [y, mo, d, h, mi] = m.slice(1).map(Number)
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null
  const ms = Date.UTC(y, mo - 1, d, h, mi)
  if (new Date(ms).getUTCDate() !== d) return null
  return ms - SHIFT_MS
}

/** A moment for lists, on the UTC+8 clock: "12-05 14:30". */
export const wallText = (ms: number) => toWallClock(ms).slice(5).replace('T', ' ')

/** A description for a home service: one to 1,000 characters. */
export function descriptionProblem(d: string): string | null {
  if (!d.trim()) return 'descriptionEmpty'
  if ([...d].length > DESCRIPTION_MAX_CHARS) return 'descriptionLong'
  return null
}
