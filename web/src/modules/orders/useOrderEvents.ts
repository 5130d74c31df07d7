// Live `order.<step>` and `report.*` events for a page: registers their types with the stream
// and hands the page each batch of new ones (oldest first), from the moment it was opened.
import { onBeforeUnmount, ref, watch, type Ref } from 'vue'
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

/**
 * One record of a detail page kept live: fetched for `id` (only the latest fetch lands), and
 * fetched again shortly after the order's events arrive, which wait in `pending` meanwhile so
 * the timeline shows them at once. `orderId` says which order the record follows.
 */
export function useLiveDetail<T>(
  id: Ref<number>,
  fetch: (id: number) => Promise<T>,
  orderId: (detail: T | null) => number | null | undefined,
) {
  const detail = ref<T | null>(null) as Ref<T | null>
  const failed = ref(false)
  const pending = ref<OrderEventInfo[]>([])
  let generation = 0
  async function load() {
    const mine = ++generation
    try {
      const d = await fetch(id.value)
      if (mine !== generation) return
      detail.value = d
      pending.value = []
      failed.value = false
    } catch {
      if (mine === generation) failed.value = true
    }
  }
  watch(id, load, { immediate: true })
  const reload = debounce(load)
  onBeforeUnmount(reload.cancel)
  useOrderEvents((events) => {
    const followed = orderId(detail.value)
    const ours = events.filter((e) => e.orderId === followed)
    if (!ours.length) return
    pending.value = [...pending.value, ...ours]
    reload()
  })
  return { detail, failed, pending, load, reload }
}
