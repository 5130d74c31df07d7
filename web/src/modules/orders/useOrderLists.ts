// The console's order lists — the pool the caller may claim and the caller's own orders —
// kept live by the `order.<step>` events. Each is asked for when first shown.
import { onBeforeUnmount, ref } from 'vue'
import { listMine, listPool } from './api'
import { applyPoolEvents, applyStatusEvents } from './orders'
import type { Order } from './types'
import { debounce, useOrderEvents } from './useOrderEvents'

export type ListName = 'pool' | 'mine'

export function useOrderLists() {
  const lists = { pool: ref<Order[]>([]), mine: ref<Order[]>([]) }
  const next = { pool: ref<number | null>(null), mine: ref<number | null>(null) }
  const loading = ref(false)
  /** The lists asked for so far (only those follow the events). */
  const used = new Set<ListName>()

  async function load(which: ListName, more = false) {
    used.add(which)
    loading.value = true
    try {
      const after = more ? (next[which].value ?? 0) : 0
      const page = which === 'pool' ? await listPool(after) : await listMine({ after })
      lists[which].value = more ? [...lists[which].value, ...page.items] : page.items
      next[which].value = page.next_after
    } catch {
      /* shown by the notifier */
    } finally {
      loading.value = false
    }
  }

  /** Loads the list unless it was asked for already. */
  function ensure(which: ListName) {
    if (!used.has(which)) void load(which)
  }

  const refresh = () => Promise.all([...used].map((w) => load(w)))

  const reload = debounce(() => void refresh(), 600)
  onBeforeUnmount(reload.cancel)
  useOrderEvents((events) => {
    if (!used.size) return
    const p = applyPoolEvents(lists.pool.value, events)
    lists.pool.value = p.items
    lists.mine.value = applyStatusEvents(lists.mine.value, events)
    // An order claimed here becomes one of mine; one that came into the pool may be claimable.
    if (p.refetch || events.some((e) => e.step === 'claimed')) reload()
  })

  /** An order this page changed (claimed, verified): its new state in the lists. */
  function changed(o: Order) {
    lists.pool.value = lists.pool.value.filter((x) => x.id !== o.id || o.status === 'open')
    const i = lists.mine.value.findIndex((x) => x.id === o.id)
    if (i >= 0) lists.mine.value.splice(i, 1, o)
    else if (o.status !== 'open' && used.has('mine')) void load('mine')
  }

  return { pool: lists.pool, mine: lists.mine, next, loading, load, ensure, refresh, changed }
}
