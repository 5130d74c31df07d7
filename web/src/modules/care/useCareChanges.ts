// Live `care.visit_recorded`, `care.booking_changed`, `care.meal_changed`,
// `care.consultation_changed` and `care.consultation_request` events for a page: hands the page
// each batch of new ones of the types it asks for (oldest first), from the moment it was opened,
// so a due list, a room's bookings, a kitchen count or a doctor's list are fetched again. The
// types are registered with the stream by src/api/live.ts (and again here, for a page loaded
// before it knew them).
import { watch } from 'vue'
import { registerLiveEventType } from '@/api/live'
import type { LiveEvent } from '@/api/types'
import { useLiveStore } from '@/stores/live'
import { CARE_BOOKING_EVENT, CARE_CONSULTATION_EVENT, CARE_CONSULTATION_REQUEST, CARE_MEAL_EVENT, CARE_VISIT_EVENT } from './types'

for (const t of [CARE_VISIT_EVENT, CARE_BOOKING_EVENT, CARE_MEAL_EVENT, CARE_CONSULTATION_EVENT, CARE_CONSULTATION_REQUEST]) registerLiveEventType(t)

export function useCareChanges(types: readonly string[], onEvents: (events: LiveEvent[]) => void) {
  const live = useLiveStore()
  let seen = live.lastEventId ?? 0
  watch(
    () => live.events,
    (list) => {
      const fresh = list.filter((e) => e.id > seen)
      if (!fresh.length) return
      seen = Math.max(seen, ...fresh.map((e) => e.id))
      const mine = [...fresh].reverse().filter((e) => types.includes(e.type))
      if (mine.length) onEvents(mine)
    },
  )
}
