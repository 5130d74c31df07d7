// The import wizard's logic without the screen: file kinds, client-side paging of the
// problems, and following an applying import by live events with polling as the fallback.
import type { LiveEvent, RosterImport } from '@/api/types'

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
/** Without a live event for this long, the status is asked for instead (and again as often). */
export const POLL_MS = 2000

/** The Content-Type to send a roster file with, by its name (then its type); null if neither says. */
export function rosterContentType(file: { name: string; type?: string }): string | null {
  const name = file.name.toLowerCase()
  if (name.endsWith('.csv')) return 'text/csv'
  if (name.endsWith('.xlsx')) return XLSX_TYPE
  if (file.type === 'text/csv' || file.type === XLSX_TYPE) return file.type
  return null
}

/** Page `page` (from 1) of `size` items. */
export function pageOf<T>(items: readonly T[], page: number, size: number): T[] {
  const start = (Math.max(1, page) - 1) * size
  return items.slice(start, start + size)
}

/** Whole percent of done/total, 0 while the total is unknown. */
export function percent(done: number, total: number): number {
  if (!(total > 0)) return 0
  return Math.min(100, Math.max(0, Math.floor((done * 100) / total)))
}

export function isFinished(status: RosterImport['status']): boolean {
  return status === 'done' || status === 'failed'
}

export interface Progress {
  done: number
  total: number
  /** Set once the import has finished (from the event or a poll). */
  finished?: { ok: boolean }
}

interface Timers {
  set: (fn: () => void, ms: number) => unknown
  clear: (handle: unknown) => void
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
}

/**
 * Follows import `id`: `event()` takes each live event (others are ignored); while none has
 * arrived for POLL_MS, `poll()` asks the server every POLL_MS. `onProgress` hears both;
 * `onFinished` is called once, with the import as the server has it at the end.
 */
export function followImport(opts: {
  id: number
  poll: () => Promise<RosterImport>
  onProgress: (p: Progress) => void
  onFinished: (im: RosterImport) => void
  timers?: Timers
}) {
  const timers = opts.timers ?? realTimers
  let timer: unknown = null
  let stopped = false

  function arm() {
    if (timer !== null) timers.clear(timer)
    timer = stopped ? null : timers.set(tick, POLL_MS)
  }

  async function finish() {
    if (stopped) return
    stopped = true
    if (timer !== null) timers.clear(timer)
    timer = null
    try {
      opts.onFinished(await opts.poll())
    } catch {
      /* shown by the notifier */
    }
  }

  async function tick() {
    timer = null
    if (stopped) return
    try {
      const im = await opts.poll()
      if (stopped) return
      opts.onProgress({ done: im.done, total: im.total })
      if (isFinished(im.status)) {
        stopped = true
        opts.onFinished(im)
        return
      }
    } catch {
      /* a failed poll is retried */
    }
    arm()
  }

  function event(ev: LiveEvent) {
    const p = ev.payload as { import_id?: unknown; done?: unknown; total?: unknown; ok?: unknown } | undefined
    if (stopped || !p || p.import_id !== opts.id) return
    if (ev.type === 'roster.import_progress' && typeof p.done === 'number' && typeof p.total === 'number') {
      opts.onProgress({ done: p.done, total: p.total })
      arm()
    } else if (ev.type === 'roster.import_finished') {
      void finish()
    }
  }

  function stop() {
    stopped = true
    if (timer !== null) timers.clear(timer)
    timer = null
  }

  arm()
  return { event, stop }
}
