// Live events: one EventSource on /api/events while someone is logged in.
//
// The server names each event (`event: session.created`), and EventSource hands a named
// event only to listeners registered for that name, so every type the app shows must be
// registered (registerLiveEventType); unnamed events arrive through onmessage.
// On an error the stream is closed and reopened with exponential backoff; the new one asks
// for `?last_event_id=N` so the server replays what was missed.
import { useLiveStore } from '@/stores/live'
import { apiFetch } from './fetch'
import type { LiveEvent } from './types'

const knownTypes = new Set<string>([
  'session.created',
  'session.ended',
  'account.created',
  'territory.node_created',
  'territory.node_renamed',
  'registry.household_created',
  'registry.person_added',
  'registry.batch_written',
  'territory.grid_shaped',
  'roster.import_progress',
  'roster.import_finished',
  'account.grants_changed',
  'organisation.created',
  'organisation.updated',
  'organisation.removed',
  'code.issued',
  'code.revoked',
  'code.rotated',
  'code.checked_in',
  'code.print_progress',
  'code.print_finished',
  'place.created',
  'place.updated',
  'order.created',
  'order.claimed',
  'order.escalated',
  'order.returned',
  'order.held',
  'order.resumed',
  'order.completed',
  'order.joined',
  'order.sent_back',
  'order.transferred',
  'order.verified',
  'order.rated',
  'order.reopened',
  'order.commented',
  'report.created',
  'report.accepted',
  'report.rejected',
  'points.proposed',
  'points.voted',
  'points.rejected',
  'points.posted',
  'points.catalog_changed',
  'points.goods_changed',
  'points.redeemed',
  'points.redemption_closed',
  'points.appealed',
  'points.appeal_decided',
  'care.alarm_raised',
  'care.alarm_pressed',
  'care.alarm_alert',
  'care.alarm_escalated',
  'care.alarm_acknowledged',
  'care.alarm_arrived',
  'care.alarm_closed',
  'care.visit_recorded',
  'care.booking_changed',
  'care.meal_changed',
  'care.consultation_changed',
  'care.consultation_request',
])

const BACKOFF_MIN_MS = 1000
const BACKOFF_MAX_MS = 30000
/** After this many failures in a row, ask /api/me whether the session is still valid. */
const PROBE_AFTER_FAILURES = 3

let source: EventSource | null = null
let retryTimer: ReturnType<typeof setTimeout> | null = null
let failures = 0
let wanted = false

/** Let a module receive another event type. */
export function registerLiveEventType(type: string): void {
  if (knownTypes.has(type)) return
  knownTypes.add(type)
  source?.addEventListener(type, onEvent as EventListener)
}

export function backoffMs(failureCount: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, failureCount - 1))
  return Math.round(base * (0.5 + random() / 2))
}

/** Turn an SSE message into a LiveEvent, or null when it is not one. */
export function parseLiveEvent(type: string, data: string, lastEventId: string): LiveEvent | null {
  let body: unknown
  try {
    body = JSON.parse(data)
  } catch {
    return null
  }
  if (typeof body !== 'object' || body === null) return null
  const b = body as Partial<LiveEvent>
  const id = typeof b.id === 'number' ? b.id : Number(lastEventId)
  if (!Number.isFinite(id)) return null
  return {
    ...b,
    id,
    type: typeof b.type === 'string' ? b.type : type,
    created_at: typeof b.created_at === 'number' ? b.created_at : Date.now(),
  }
}

function onEvent(e: MessageEvent<string>) {
  const ev = parseLiveEvent(e.type, e.data, e.lastEventId)
  if (ev) useLiveStore().push(ev)
}

function connect() {
  const store = useLiveStore()
  store.setStatus('connecting')
  const url =
    store.lastEventId !== null ? `/api/events?last_event_id=${store.lastEventId}` : '/api/events'
  const es = new EventSource(url)
  source = es
  es.onopen = () => {
    if (source !== es) return
    failures = 0
    store.setStatus('online')
  }
  es.onmessage = onEvent
  for (const t of knownTypes) es.addEventListener(t, onEvent as EventListener)
  es.onerror = () => {
    if (source !== es) return
    es.close()
    source = null
    store.setStatus('offline')
    scheduleReconnect()
  }
}

function scheduleReconnect() {
  if (!wanted || retryTimer !== null) return
  failures += 1
  const delay = backoffMs(failures)
  retryTimer = setTimeout(async () => {
    retryTimer = null
    if (!wanted) return
    if (failures % PROBE_AFTER_FAILURES === 0) {
      // A stream that keeps failing may mean the session is gone: a 401 here sends the
      // user to /login (and stopLive runs); any other failure just retries later.
      try {
        await apiFetch('/api/me', { notify: false })
      } catch {
        if (wanted) scheduleReconnect()
        return
      }
    }
    if (wanted) connect()
  }, delay)
}

function reconnectNow() {
  if (!wanted || source !== null) return
  if (retryTimer !== null) clearTimeout(retryTimer)
  retryTimer = null
  connect()
}

/** Open the stream (after login). Calling it again while open does nothing. */
export function startLive(): void {
  if (wanted) return
  wanted = true
  failures = 0
  window.addEventListener('online', reconnectNow)
  connect()
}

/** Close the stream and forget the events (on logout or when the session ends). */
export function stopLive(): void {
  wanted = false
  window.removeEventListener('online', reconnectNow)
  if (retryTimer !== null) clearTimeout(retryTimer)
  retryTimer = null
  source?.close()
  source = null
  useLiveStore().reset()
}
