// Live `order.<step>` and `report.*` events for a page: registers their types with the stream
// and hands the page each batch of new ones (oldest first), from the moment it was opened.
import { watch } from 'vue'
import { registerLiveEventType } from '@/api/live'
import type { LiveEvent } from '@/api/types'
import { useLiveStore } from '@/stores/live'
import {
  ORDER_EVENT_TYPES,
  REPORT_EVENT_TYPES,
  orderEventOf,
  reportEventOf,
  type OrderEventInfo,
  type ReportEventInfo,
} from './orders'

for (const t of [...ORDER_EVENT_TYPES, ...REPORT_EVENT_TYPES]) registerLiveEventType(t)

function useEventsOf<T>(parse: (ev: LiveEvent) => T | null, onEvents: (events: T[]) => void) {
  const live = useLiveStore()
  let seen = live.lastEventId ?? 0
  watch(
    () => live.events,
    (list) => {
      const fresh = list.filter((e) => e.id > seen)
      if (!fresh.length) return
      seen = Math.max(seen, ...fresh.map((e) => e.id))
      const mine = fresh
        .reverse()
        .map(parse)
        .filter((e): e is T => e !== null)
      if (mine.length) onEvents(mine)
    },
  )
}

export const useOrderEvents = (onEvents: (events: OrderEventInfo[]) => void) => useEventsOf(orderEventOf, onEvents)
export const useReportEvents = (onEvents: (events: ReportEventInfo[]) => void) => useEventsOf(reportEventOf, onEvents)

/** Calls `fn` once `ms` after the last of several quick calls (a burst of events, one reload);
 *  `cancel` forgets a pending call (when the page goes). */
export function debounce(fn: () => void, ms = 400): (() => void) & { cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null
  const cancel = () => {
    if (timer !== null) clearTimeout(timer)
    timer = null
  }
  const run = () => {
    cancel()
    timer = setTimeout(() => {
      timer = null
      fn()
    }, ms)
  }
  return Object.assign(run, { cancel })
}
