// The views (elder, profile, timeline) of the alarms a list shows, fetched once each (masked)
// and again when an event moves the alarm: `views[id]`, `refresh(ids)`, `ensure(alarms)`.
import { ref } from 'vue'
import { getAlarm } from './api'
import type { CareAlarm, CareAlarmView } from './types'

/** Lists fetch at most this many views at a time. */
const PARALLEL = 6

export function useAlarmViews() {
  const views = ref<Record<number, CareAlarmView>>({})
  const pending = new Set<number>()

  async function fetchAll(ids: number[]) {
    const todo = ids.filter((id) => !pending.has(id))
    for (const id of todo) pending.add(id)
    for (let i = 0; i < todo.length; i += PARALLEL) {
      const batch = todo.slice(i, i + PARALLEL)
      const got = await Promise.all(batch.map((id) => getAlarm(id).catch(() => null)))
      const next = { ...views.value }
      for (const v of got) if (v) next[v.alarm.id] = v
      views.value = next
      for (const id of batch) pending.delete(id)
    }
  }

  /** Fetches the views of the alarms not fetched yet. */
  const ensure = (alarms: readonly Pick<CareAlarm, 'id'>[]) => fetchAll(alarms.map((a) => a.id).filter((id) => !views.value[id]))
  /** Fetches these again (an event moved them). */
  const refresh = (ids: readonly number[]) => fetchAll([...ids])

  return { views, ensure, refresh }
}
