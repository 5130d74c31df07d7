// Following a background job (a roster import, a print job) to its end: progress from live
// events while they come, polling the job's status when none has arrived for a while, and
// one call with the job as the server has it at the end.
import type { LiveEvent } from '@/api/types'

/** Without a live event for this long, the status is asked for instead (and again as often). */
export const POLL_MS = 2000

export interface Progress {
  done: number
  total: number
}

/** Whole percent of done/total, 0 while the total is unknown. */
export function percent(done: number, total: number): number {
  if (!(total > 0)) return 0
  return Math.min(100, Math.max(0, Math.floor((done * 100) / total)))
}

/** What one live event says about the followed job. */
export type JobSignal = { progress: Progress } | 'finished' | null

export interface Timers {
  set: (fn: () => void, ms: number) => unknown
  clear: (handle: unknown) => void
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
}

export interface FollowJobOptions<J> {
  /** The job's current state from the server. */
  poll: () => Promise<J>
  /** What a live event means for this job (null: it is about something else). */
  signal: (ev: LiveEvent) => JobSignal
  progressOf: (job: J) => Progress
  isFinished: (job: J) => boolean
  onProgress: (p: Progress) => void
  /** Called once, with the job as the server has it at the end. */
  onFinished: (job: J) => void
  timers?: Timers
  pollMs?: number
}

/**
 * `event()` takes each live event (others are ignored); while none about the job has arrived
 * for `pollMs`, `poll()` asks the server every `pollMs`. `onProgress` hears both.
 */
export function followJob<J>(opts: FollowJobOptions<J>) {
  const timers = opts.timers ?? realTimers
  const every = opts.pollMs ?? POLL_MS
  let timer: unknown = null
  let stopped = false

  function arm() {
    if (timer !== null) timers.clear(timer)
    timer = stopped ? null : timers.set(tick, every)
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
      const job = await opts.poll()
      if (stopped) return
      opts.onProgress(opts.progressOf(job))
      if (opts.isFinished(job)) {
        stopped = true
        opts.onFinished(job)
        return
      }
    } catch {
      /* a failed poll is retried */
    }
    arm()
  }

  function event(ev: LiveEvent) {
    if (stopped) return
    const s = opts.signal(ev)
    if (s === 'finished') void finish()
    else if (s !== null) {
      opts.onProgress(s.progress)
      arm()
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
