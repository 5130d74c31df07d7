// The staff's side of work orders without the screens (docs/reference/orders.md, "The staff's
// list and export"): who may list and transfer, the list's filters (as the API, the export and
// the address carry them), how live events change the list, and a transfer's body.
import { hasRole, type GrantLike } from '@/modules/platform/permissions'
import { applyStatusEvents, noteOk, type OrderEventInfo } from './orders'
import { ORDER_STATUSES, type Order, type OrderStatus, type OrderTransfer } from './types'

/** Roles that dispatch orders: they list every order at their places, export and transfer. */
export const DISPATCH_ROLES = ['district_admin', 'street_staff', 'community_staff', 'grid_worker'] as const

export function mayListOrders(roles: readonly string[]): boolean {
  return roles.some((r) => (DISPATCH_ROLES as readonly string[]).includes(r))
}

/** Statuses an order may still be transferred in. */
export const TRANSFERABLE: readonly OrderStatus[] = ['open', 'claimed', 'on_hold']

/** The staff over the order's place, or its claimer, may transfer an unfinished order. */
export function mayTransfer(
  o: Pick<Order, 'status' | 'path' | 'claimed_by'>,
  grants: readonly GrantLike[],
  me: number | null | undefined,
): boolean {
  if (!TRANSFERABLE.includes(o.status)) return false
  if (me != null && o.claimed_by === me) return true
  return DISPATCH_ROLES.some((r) => hasRole(grants, r, o.path))
}

/** The console's views of orders: every order at the caller's places, the pool, one's own. */
export type OrdersView = 'all' | 'pool' | 'mine'
export const ORDERS_VIEWS: readonly OrdersView[] = ['all', 'pool', 'mine']

// Filters --------------------------------------------------------------------------------------

export interface OrderFilters {
  /** A territory node (its subtree); null: every place where the caller dispatches. */
  node: number | null
  status: OrderStatus | ''
  category: string
  overdue: boolean
  escalated: boolean
}

export const NO_FILTERS: Readonly<OrderFilters> = { node: null, status: '', category: '', overdue: false, escalated: false }

/** The query of GET /api/orders and of its export: only the filters that are set. */
export function filtersQuery(f: OrderFilters): Record<string, string | number | boolean | undefined> {
  return {
    node: f.node ?? undefined,
    status: f.status || undefined,
    category: f.category || undefined,
    overdue: f.overdue || undefined,
    escalated: f.escalated || undefined,
  }
}

const one = (v: unknown): string => {
  const x = Array.isArray(v) ? v[0] : v
  return typeof x === 'string' ? x : ''
}
const flag = (v: unknown) => ['1', 'true'].includes(one(v))

/** The filters an address carries (?node=&status=&category=&overdue=1&escalated=1); anything
 *  malformed is left out. */
export function filtersFromRoute(q: Readonly<Record<string, unknown>>): OrderFilters {
  const node = Number(one(q.node))
  const status = one(q.status)
  const category = one(q.category)
  return {
    node: Number.isInteger(node) && node > 0 ? node : null,
    status: (ORDER_STATUSES as readonly string[]).includes(status) ? (status as OrderStatus) : '',
    category: /^[a-z][a-z0-9_.]{0,63}$/.test(category) ? category : '',
    overdue: flag(q.overdue),
    escalated: flag(q.escalated),
  }
}

/** The filters as the address keeps them (unset ones undefined, so they leave the address). */
export function filtersToRoute(f: OrderFilters): Record<string, string | undefined> {
  return {
    node: f.node ? String(f.node) : undefined,
    status: f.status || undefined,
    category: f.category || undefined,
    overdue: f.overdue ? '1' : undefined,
    escalated: f.escalated ? '1' : undefined,
  }
}

/** The file name of an export made at `now` (local date): orders-20250601-2130.xlsx. */
export function exportFilename(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `orders-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}.xlsx`
}

/** The server's largest page. */
export const LIST_MAX = 200

/** The page size that reloads what is loaded (at least `page`, at most the server's largest). */
export function reloadLimit(loaded: number, page = 50): number {
  return Math.min(LIST_MAX, Math.max(page, loaded))
}

/** Statuses of unfinished orders: only these are ever overdue. */
const UNFINISHED: readonly OrderStatus[] = ['open', 'claimed', 'on_hold']

/** Whether an order in this status could be listed under these filters. */
function statusFits(status: OrderStatus, f: OrderFilters): boolean {
  if (f.status && status !== f.status) return false
  if (f.overdue && !UNFINISHED.includes(status)) return false
  return true
}

/**
 * The staff's list after some `order.<step>` events: listed orders take the status and level
 * the events tell and leave the list when their new status no longer fits the filters.
 * `refetch` says the list should be asked again (deadlines, places and categories change with
 * the steps and only the server knows whether an order is at the chosen place): for any event
 * about a listed order, and for one about an order not listed that may belong at the top or
 * within the loaded pages — not when the event rules it out (another category or status, or
 * no missed deadline while only escalated or overdue ones are listed), nor for an older order past the loaded
 * pages when there are more (it is listed once they are loaded).
 */
export function applyListEvents(
  items: readonly Order[],
  events: readonly OrderEventInfo[],
  f: OrderFilters,
  hasMore: boolean,
): { items: Order[]; refetch: boolean } {
  const updated = applyStatusEvents(items, events)
  const out = updated.filter((o) => statusFits(o.status, f))
  const oldest = items.reduce((m, o) => Math.min(m, o.id), Infinity)
  let refetch = false
  for (const e of events) {
    if (items.some((o) => o.id === e.orderId)) {
      refetch = true
      continue
    }
    if (hasMore && e.orderId < oldest) continue
    if (f.category && e.category && e.category !== f.category && e.step !== 'transferred') continue
    if (e.status && !statusFits(e.status, f)) continue
    // Only a missed deadline makes an order escalated or overdue (or a transfer brings one in).
    if ((f.escalated || f.overdue) && e.step !== 'escalated' && e.step !== 'transferred') continue
    refetch = true
  }
  return { items: out, refetch }
}

/** The list with an order this page changed (claimed, verified, transferred) as it is now. */
export function replaceOrder(items: readonly Order[], o: Order, f: OrderFilters): Order[] {
  return items.flatMap((x) => (x.id !== o.id ? [x] : statusFits(o.status, f) ? [o] : []))
}

// Transfer -------------------------------------------------------------------------------------

export interface TransferInput {
  /** The target node, or null to stay at the place. */
  node: number | null
  /** The target category (the order's own when unchanged). */
  category: string
  reason: string
}

export type TransferError = { field: 'node_id' | 'reason'; key: 'nothing' | 'reason' }

/** The body of POST /api/orders/{id}/transfer, or what is wrong: nothing would change, or the
 *  reason is not 2–500 characters. An unchanged category is not sent. */
export function transferBody(
  o: Pick<Order, 'category'>,
  input: TransferInput,
): { body: OrderTransfer } | { error: TransferError } {
  const category = input.category && input.category !== o.category ? input.category : null
  if (input.node === null && category === null) return { error: { field: 'node_id', key: 'nothing' } }
  if (!noteOk(input.reason)) return { error: { field: 'reason', key: 'reason' } }
  const body: OrderTransfer = { reason: input.reason.trim() }
  if (input.node !== null) body.node_id = input.node
  if (category !== null) body.category = category
  return { body }
}
