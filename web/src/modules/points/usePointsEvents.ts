// Live `points.*` events for a page: hands the page each batch of new ones (oldest first), from
// the moment it was opened. The types are registered with the stream by src/api/live.ts.
import { watch } from 'vue'
import { registerLiveEventType } from '@/api/live'
import { useLiveStore } from '@/stores/live'
import { POINTS_EVENT_TYPES, pointsEventOf, type PointsEventInfo } from './points'

for (const t of POINTS_EVENT_TYPES) registerLiveEventType(t)

export function usePointsEvents(onEvents: (events: PointsEventInfo[]) => void) {
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
        .map(pointsEventOf)
        .filter((e): e is PointsEventInfo => e !== null)
      if (mine.length) onEvents(mine)
    },
  )
}
