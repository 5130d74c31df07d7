// The import wizard's logic without the screen: file kinds, client-side paging of the
// problems, and following an applying import by live events with polling as the fallback.
import type { LiveEvent, RosterImport } from '@/api/types'
import { followJob, type Progress, type Timers } from '@/utils/follow-job'

export { POLL_MS, percent } from '@/utils/follow-job'

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

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

export function isFinished(status: RosterImport['status']): boolean {
  return status === 'done' || status === 'failed'
}

export type { Progress } from '@/utils/follow-job'

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
  return followJob<RosterImport>({
    poll: opts.poll,
    signal: (ev: LiveEvent) => {
      const p = ev.payload as { import_id?: unknown; done?: unknown; total?: unknown } | undefined
      if (!p || p.import_id !== opts.id) return null
      if (ev.type === 'roster.import_progress' && typeof p.done === 'number' && typeof p.total === 'number') {
        return { progress: { done: p.done, total: p.total } }
      }
      return ev.type === 'roster.import_finished' ? 'finished' : null
    },
    progressOf: (im) => ({ done: im.done, total: im.total }),
    isFinished: (im) => isFinished(im.status),
    onProgress: opts.onProgress,
    onFinished: opts.onFinished,
    timers: opts.timers,
  })
}
