// The logic of visits (探访, docs/reference/care.md "Visits"), kept apart from the components so it
// is tested alone: the places whose due visits a steward's phone lists, the due list merged and
// ordered, days overdue, the visit form's checks and body, and what a visit's flags mean.
import { kindAtPath, type GrantLike } from '@/modules/platform/permissions'
import { byteLength, CARE_RESPONDER_ROLES, nodeIdOfPath } from './care'
import { CARE_VISIT_FLAGS, type CareNewVisit, type CareVisit, type CareVisitDue } from './types'

export const DAY_MS = 86_400_000

/** The places the due list takes: a street, a community, a grid, a compound or a building. */
const VISIT_NODE_KINDS = ['street', 'community', 'grid', 'compound', 'building']

/**
 * The places whose elders a staff phone lists as due: the nodes of the caller's care grants
 * (stewards' buildings, grid workers' grids, community and street staff's places), once each,
 * the widest first — a place inside another already listed is left out (its elders are there).
 */
export function visitNodesOf(grants: readonly GrantLike[]): { id: number; path: string }[] {
  const scopes: string[] = []
  for (const g of grants) {
    if (g.role === 'resident' || !CARE_RESPONDER_ROLES.includes(g.role)) continue
    const scope = g.scope ?? '/'
    const kind = kindAtPath(scope)
    if (kind === null || !VISIT_NODE_KINDS.includes(kind)) continue
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

/** Several places' due lists as one: each elder once, the overdue first, then by due date. */
export function mergeDue<T extends Pick<CareVisitDue, 'person_id' | 'due_at' | 'overdue'>>(...lists: readonly (readonly T[])[]): T[] {
  const byId = new Map<number, T>()
  for (const l of lists) for (const d of l) if (!byId.has(d.person_id)) byId.set(d.person_id, d)
  return [...byId.values()].sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.due_at - b.due_at || a.person_id - b.person_id)
}

/** Whole days a visit is overdue, a day begun counting as one (0 when not overdue). */
export function overdueDays(dueAt: number, now: number): number {
  return now <= dueAt ? 0 : Math.ceil((now - dueAt) / DAY_MS)
}

/** Whole days until a visit is due, a day begun counting as one (0 once due). */
export function daysUntilDue(dueAt: number, now: number): number {
  return dueAt <= now ? 0 : Math.ceil((dueAt - now) / DAY_MS)
}

/** Whole days since a time (0 the same 24 hours). */
export function daysSince(at: number, now: number): number {
  return now <= at ? 0 : Math.floor((now - at) / DAY_MS)
}

// The visit form --------------------------------------------------------------------------------

/** The readings' ranges the server takes. */
export const READING_RANGES = {
  systolic: [50, 260],
  diastolic: [30, 180],
  pulse: [20, 250],
} as const

export const VISIT_NOTE_MAX_BYTES = 1000

/** A check's answer on the form: working, not working, or not checked. */
export type CheckAnswer = 'ok' | 'bad' | null

export interface VisitForm {
  person_id: number | null
  /** As typed ('' for none). */
  systolic: string
  diastolic: string
  pulse: string
  water: CheckAnswer
  power: CheckAnswer
  gas: CheckAnswer
  note: string
}

export const emptyVisitForm = (): VisitForm => ({
  person_id: null,
  systolic: '',
  diastolic: '',
  pulse: '',
  water: null,
  power: null,
  gas: null,
  note: '',
})

/** What is wrong with the form: an i18n key under `care.visits.form.errors` and the field. */
export interface VisitFormError {
  key: 'number' | 'range' | 'bpBoth' | 'bpOrder' | 'noteTooLong'
  field: 'systolic' | 'diastolic' | 'pulse' | 'note'
  params?: Record<string, number>
}

function reading(text: string): number | null | 'bad' {
  const s = text.trim()
  if (s === '') return null
  if (!/^\d{1,3}$/.test(s)) return 'bad'
  return Number(s)
}

const checkValue = (a: CheckAnswer): boolean | undefined => (a === null ? undefined : a === 'ok')

/**
 * The request body of a visit scanned at `token`, or what is wrong with the form (the
 * server's own checks, in its order: the note, each reading's range, blood pressure as both
 * numbers with the systolic above).
 */
export function visitBody(token: string, f: VisitForm): { body: CareNewVisit } | { error: VisitFormError } {
  if (byteLength(f.note) > VISIT_NOTE_MAX_BYTES) return { error: { key: 'noteTooLong', field: 'note' } }
  const values: Record<'systolic' | 'diastolic' | 'pulse', number | null> = { systolic: null, diastolic: null, pulse: null }
  for (const field of ['systolic', 'diastolic', 'pulse'] as const) {
    const v = reading(f[field])
    if (v === 'bad') return { error: { key: 'number', field } }
    const [lo, hi] = READING_RANGES[field]
    if (v !== null && (v < lo || v > hi)) return { error: { key: 'range', field, params: { lo, hi } } }
    values[field] = v
  }
  if ((values.systolic === null) !== (values.diastolic === null))
    return { error: { key: 'bpBoth', field: values.systolic === null ? 'systolic' : 'diastolic' } }
  if (values.systolic !== null && values.diastolic !== null && values.systolic <= values.diastolic)
    return { error: { key: 'bpOrder', field: 'diastolic' } }
  const body: CareNewVisit = { token }
  if (f.person_id !== null) body.person_id = f.person_id
  const note = f.note.trim()
  if (note) body.note = note
  if (values.systolic !== null) body.systolic = values.systolic
  if (values.diastolic !== null) body.diastolic = values.diastolic
  if (values.pulse !== null) body.pulse = values.pulse
  const water = checkValue(f.water)
  const power = checkValue(f.power)
  const gas = checkValue(f.gas)
  if (water !== undefined) body.water_ok = water
  if (power !== undefined) body.power_ok = power
  if (gas !== undefined) body.gas_ok = gas
  return { body }
}

// Flags -----------------------------------------------------------------------------------------

/** The flags in the order people read them: health first, then the home. */
export const VISIT_FLAGS: readonly string[] = CARE_VISIT_FLAGS

/** A visit's flags in reading order (unknown ones last, as they came). */
export function orderedFlags(flags: readonly string[]): string[] {
  const known = VISIT_FLAGS.filter((f) => flags.includes(f))
  return [...known, ...flags.filter((f) => !known.includes(f))]
}

/** A check's state for people: `ok`, `bad`, or `none` (not checked). */
export function checkState(v: boolean | null | undefined): 'ok' | 'bad' | 'none' {
  return v === true ? 'ok' : v === false ? 'bad' : 'none'
}

/** A visit's blood pressure "150/88", or '' when not measured. */
export function bloodPressure(v: Pick<CareVisit, 'systolic' | 'diastolic'>): string {
  return v.systolic !== null && v.diastolic !== null ? `${v.systolic}/${v.diastolic}` : ''
}

/** The visit concerns a steward: something was out of range or not working. */
export const hasFlags = (v: Pick<CareVisit, 'flags'>) => v.flags.length > 0
