// The codes capability's logic without the screens (docs/reference/codes.md): what a scanned
// text or a typed number means, the body of a check-in, where a landing page's actions lead,
// and following a print job.
import type { LiveEvent } from '@/api/types'
import { followJob, type Progress, type Timers } from '@/utils/follow-job'
import type { CheckinRequest, CodePrint, CodeResolution } from './types'

/** An action of a landing page (`{name, href}`). */
export interface ActionLike {
  name: string
  href: string
}

/** A token: 24 URL-safe base64 characters (18 bytes, no padding). */
export const TOKEN_RE = /^[A-Za-z0-9_-]{24}$/

/** Reasons for revoking and rotating, in characters as the server counts them. */
export const REASON_MIN = 4
export const REASON_MAX = 200

/** Accuracy the server accepts with a position (metres). */
export const ACCURACY_MAX_M = 10000

/** The landing page of a token (the path a code's URL has, on any host). */
export function landingPath(token: string): string {
  return `/c/${token}`
}

/**
 * The token of a scanned code: the text is a URL (of any host) whose path is `/c/{token}`.
 * A scheme-less `host/c/{token}` counts too; anything else is null.
 */
export function parseScannedCode(text: string): string | null {
  const s = text.trim()
  if (!s) return null
  let url: URL | null = null
  for (const candidate of [s, `https://${s}`]) {
    try {
      url = new URL(candidate)
      break
    } catch {
      /* try the next reading */
    }
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return null
  const m = /^\/c\/([^/]+)\/?$/.exec(url.pathname)
  if (!m) return null
  const token = m[1]
  return TOKEN_RE.test(token) ? token : null
}

/** Crockford base32 symbols, and the five extra check symbols of mod-37. */
const SYMBOLS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const CHECK_EXTRA = '*~$=U'

/**
 * A printed number as typed by a person, made canonical (`XXXX-XXX`), or null when it cannot
 * be one: lower case is upper case, `-` and spaces are ignored, and the letters that never
 * appear are read as the digits they look like (O → 0, I and L → 1). `numberChecks` tells
 * whether its check symbol fits.
 */
export function normaliseNumber(input: string): string | null {
  const s = input
    .toUpperCase()
    .replace(/[\s\-‐-―－_]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
  if (s.length !== 7) return null
  for (let i = 0; i < 6; i++) if (!SYMBOLS.includes(s[i])) return null
  if (!SYMBOLS.includes(s[6]) && !CHECK_EXTRA.includes(s[6])) return null
  return `${s.slice(0, 4)}-${s.slice(4)}`
}

/** Whether a canonical number's check symbol is its id (the 6 symbols) mod 37. */
export function numberChecks(number: string): boolean {
  const s = number.replace('-', '')
  if (s.length !== 7) return false
  let id = 0
  for (let i = 0; i < 6; i++) {
    const v = SYMBOLS.indexOf(s[i])
    if (v < 0) return false
    id = id * 32 + v
  }
  return (SYMBOLS + CHECK_EXTRA)[id % 37] === s[6]
}

/** A position from the browser as the check-in body carries it; null when there is none or
 *  the browser is too unsure of it for the server to take (above ACCURACY_MAX_M). */
export function positionOf(
  coords: { latitude: number; longitude: number; accuracy: number } | null | undefined,
): { lat: number; lon: number; accuracy_m: number } | null {
  if (!coords) return null
  const { latitude: lat, longitude: lon, accuracy } = coords
  if (![lat, lon, accuracy].every(Number.isFinite)) return null
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180 || accuracy < 0) return null
  const accuracy_m = Math.ceil(accuracy)
  if (accuracy_m > ACCURACY_MAX_M) return null
  return { lat, lon, accuracy_m }
}

export type CheckinPurpose = Extract<CheckinRequest['purpose'], 'visit' | 'check_in'>

/** The check-in a landing page offers: a visit where `record_visit` is offered (households),
 *  else a plain check-in where `check_in` is; null when neither is. */
export function checkinPurpose(actions: readonly Pick<ActionLike, 'name'>[]): CheckinPurpose | null {
  if (actions.some((a) => a.name === 'record_visit')) return 'visit'
  if (actions.some((a) => a.name === 'check_in')) return 'check_in'
  return null
}

/** The body of POST /api/codes/{token}/checkins. */
export function checkinBody(purpose: CheckinPurpose, position: ReturnType<typeof positionOf>): CheckinRequest {
  return position ? { purpose, ...position } : { purpose }
}

/** A path inside this app (not `//host`, not an absolute URL). */
export function isAppPath(href: string | null | undefined): href is string {
  return typeof href === 'string' && href.startsWith('/') && !href.startsWith('//')
}

/**
 * Where an action of the landing page leads in this app, or null when the app has no page
 * for it yet. `exists` says whether the app has a page at a path. The server's `href` is
 * followed when the app has that page; household links fall back to the app's own pages (a
 * member's household is "my household"; staff open the household by id).
 */
export function actionTarget(
  action: ActionLike,
  res: { view: CodeResolution['view']; household?: { id: number } },
  exists: (path: string) => boolean,
): string | null {
  if (isAppPath(action.href) && exists(action.href)) return action.href
  if (action.name === 'my_household') return '/m/my-household'
  if (action.name === 'open_household') {
    if (res.view === 'member') return '/m/my-household'
    if (res.household) return `/m/households/${res.household.id}`
  }
  return null
}

/** The value shown for a name that may come as a string or as an object with a name. */
export function nameOf(x: unknown): string {
  if (typeof x === 'string') return x
  if (x && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string') {
    return (x as { name: string }).name
  }
  return ''
}

/** Limits of a place's texts, in bytes of UTF-8 as the server counts them (a Chinese
 *  character is 3). */
export const PLACE_NAME_MAX_BYTES = 128
export const PLACE_OPERATOR_MAX_BYTES = 64

export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length
}

/** The length of a reason as the server counts it (code points, trimmed). */
export function reasonLength(reason: string): number {
  return [...reason.trim()].length
}

export function reasonOk(reason: string): boolean {
  const n = reasonLength(reason)
  return n >= REASON_MIN && n <= REASON_MAX
}

export function printFinished(status: CodePrint['status']): boolean {
  return status === 'done' || status === 'failed' || status === 'cancelled'
}

/** The print job a live event is about (its payload's `job_id`, `print_id` or `id`). */
export function printIdOf(ev: LiveEvent): number | null {
  const p = ev.payload as { job_id?: unknown; print_id?: unknown; id?: unknown } | undefined
  if (!p) return null
  const id = p.job_id ?? p.print_id ?? p.id
  return typeof id === 'number' ? id : null
}

/** Follows print job `id` by `code.print_progress` / `code.print_finished`, polling when quiet. */
export function followPrint(opts: {
  id: number
  poll: () => Promise<CodePrint>
  onProgress: (p: Progress) => void
  onFinished: (job: CodePrint) => void
  timers?: Timers
}) {
  return followJob<CodePrint>({
    poll: opts.poll,
    signal: (ev) => {
      if (printIdOf(ev) !== opts.id) return null
      const p = ev.payload as { done?: unknown; total?: unknown }
      if (ev.type === 'code.print_progress' && typeof p.done === 'number' && typeof p.total === 'number') {
        return { progress: { done: p.done, total: p.total } }
      }
      return ev.type === 'code.print_finished' ? 'finished' : null
    },
    progressOf: (j) => ({ done: j.done, total: j.total }),
    isFinished: (j) => printFinished(j.status),
    onProgress: opts.onProgress,
    onFinished: opts.onFinished,
    timers: opts.timers,
  })
}

/** `days` (1–90) days of scans as bars: each day's share of the busiest day, in percent. */
export function barHeights(counts: readonly number[]): number[] {
  const max = Math.max(0, ...counts)
  return counts.map((n) => (max > 0 ? Math.round((n * 100) / max) : 0))
}

/** Scans per kind as rows, most first, whether the server sends `[{kind, scans}]`,
 *  `[[kind, scans]]` or `{kind: scans}`. */
export function kindRows(byKind: unknown): { kind: string; scans: number }[] {
  let rows: { kind: string; scans: number }[] = []
  if (Array.isArray(byKind)) {
    for (const r of byKind) {
      if (Array.isArray(r) && typeof r[0] === 'string' && typeof r[1] === 'number') rows.push({ kind: r[0], scans: r[1] })
      else if (r && typeof r === 'object' && typeof r.kind === 'string' && typeof r.scans === 'number') {
        rows.push({ kind: r.kind, scans: r.scans })
      }
    }
  } else if (byKind && typeof byKind === 'object') {
    rows = Object.entries(byKind as Record<string, unknown>)
      .filter((e): e is [string, number] => typeof e[1] === 'number')
      .map(([kind, scans]) => ({ kind, scans }))
  }
  return rows.sort((a, b) => b.scans - a.scans || a.kind.localeCompare(b.kind))
}
