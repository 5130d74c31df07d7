// The staff's list of orders (GET /api/orders) under the chosen filters, paged by "load more"
// and kept live by the `order.<step>` events.
import { onBeforeUnmount, ref, type Ref } from 'vue'
import { PAGE, listOrders } from './api'
import { applyListEvents, filtersQuery, reloadLimit, replaceOrder, type OrderFilters } from './staff'
import type { Order } from './types'
import { debounce, useOrderEvents } from './useOrderEvents'

export function useStaffOrders(filters: Ref<OrderFilters>) {
  const items = ref<Order[]>([])
  const next = ref<number | null>(null)
  const loading = ref(false)
  const loaded = ref(false)

  let generation = 0
  /** The first page (or, `keep`, as many as are loaded), or `more`: the next one. */
  async function load(opts: { more?: boolean; keep?: boolean } = {}) {
    const mine = ++generation
    loading.value = true
    try {
      const q = filtersQuery(filters.value)
      const page = opts.more
        ? await listOrders(q, next.value ?? 0)
        : await listOrders(q, 0, opts.keep ? reloadLimit(items.value.length, PAGE) : PAGE)
      if (mine !== generation) return
      items.value = opts.more ? [...items.value, ...page.items.filter((o) => !items.value.some((x) => x.id === o.id))] : page.items
      next.value = page.next_after
      loaded.value = true
    } catch {
      /* shown by the notifier */
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  const reload = debounce(() => void load({ keep: true }), 600)
  onBeforeUnmount(reload.cancel)
  useOrderEvents((events) => {
    if (!loaded.value) return
    const r = applyListEvents(items.value, events, filters.value, next.value !== null)
    items.value = r.items
    if (r.refetch) reload()
  })

  /** An order this page changed: its new state now, the server's word shortly. */
  function changed(o: Order) {
    items.value = replaceOrder(items.value, o, filters.value)
    reload()
  }

  return { items, next, loading, loaded, load, changed }
}
