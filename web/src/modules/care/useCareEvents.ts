// Live `care.alarm_*` events for a page: hands the page each batch of new ones (oldest first),
// from the moment it was opened. The types are registered with the stream by src/api/live.ts
// (and again here, for a page loaded before it knew them).
import { watch } from 'vue'
import { registerLiveEventType } from '@/api/live'
import { useLiveStore } from '@/stores/live'
import { careEventOf, type CareEventInfo } from './care'
import { CARE_EVENT_TYPES } from './types'

for (const t of CARE_EVENT_TYPES) registerLiveEventType(t)

export function useCareEvents(onEvents: (events: CareEventInfo[]) => void) {
  const live = useLiveStore()
  let seen = live.lastEventId ?? 0
  watch(
    () => live.events,
    (list) => {
      const fresh = list.filter((e) => e.id > seen)
      if (!fresh.length) return
      seen = Math.max(seen, ...fresh.map((e) => e.id))
      const mine = [...fresh]
        .reverse()
        .map(careEventOf)
        .filter((e): e is CareEventInfo => e !== null)
      if (mine.length) onEvents(mine)
    },
  )
}
