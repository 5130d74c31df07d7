// The logic of meals (助餐, docs/reference/care.md "Meals"), kept apart from the components so it
// is tested alone: prices in fen shown and typed as yuan, the days a menu list asks for, the
// order being put together (quantities, what it costs, what stops it), whether an order may
// still be cancelled (before its menu's cut-off), the kitchen's sums, and the menu form's checks
// (the server's, so a form says what is wrong before it is sent). Dates are days on the UTC+8
// clock ("YYYY-MM-DD"); a cut-off is a moment (ms).
import { byteLength } from './care'
import { addDays, dayStart, DAY_MS, localClock, localDate, clockToMinutes, MINUTE_MS } from './rooms'

/** The server's bounds (docs/reference/care.md "Meals"). */
export const MENU_ITEMS_MAX = 20
export const MENU_NAME_MAX_CHARS = 60
export const MENU_PRICE_MAX_FEN = 100_000
export const MENU_PORTIONS_MAX = 2000
export const MENU_NOTE_MAX_BYTES = 500
export const MEAL_LINES_MAX = 10
export const MEAL_QTY_MAX = 5
export const MEAL_NOTE_MAX_BYTES = 200
/** The cut-off when none is given: 09:00 of the day. */
export const DEFAULT_CUTOFF_MINUTES = 9 * 60
/** How many days the phone's menu list shows: today and the six after (the server's default). */
export const MENU_DAYS = 7

export type MealMode = 'pickup' | 'delivery'
export const MEAL_MODES: readonly MealMode[] = ['pickup', 'delivery']
export const MEAL_STATUSES = ['ordered', 'cancelled', 'served'] as const

// Prices ---------------------------------------------------------------------------------------

/** Fen as yuan for people: 1200 → "12", 1250 → "12.50", 5 → "0.05". */
export function yuan(fen: number): string {
  if (!Number.isFinite(fen)) return ''
  const f = Math.round(fen)
  const sign = f < 0 ? '-' : ''
  const a = Math.abs(f)
  const whole = Math.floor(a / 100)
  const cents = a % 100
  return cents === 0 ? `${sign}${whole}` : `${sign}${whole}.${String(cents).padStart(2, '0')}`
}

/** Yuan as typed ("12", "12.5", "12.50", "0.05") in fen; null for anything else. */
export function fenOf(typed: string | number): number | null {
  const s = String(typed).trim()
  const m = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(s)
  if (!m) return null
  return Number(m[1]) * 100 + (m[2] ? Number(m[2].padEnd(2, '0')) : 0)
}

// Days -----------------------------------------------------------------------------------------

/** The days a menu list asks for: from today (UTC+8) for `count` days. */
export function menuRange(now: number, count = MENU_DAYS): { from: string; to: string } {
  const from = localDate(now)
  return { from, to: addDays(from, Math.max(1, count) - 1) }
}

/** The default cut-off of a day's menu: 09:00 that day (UTC+8); null for a malformed day. */
export function defaultCutoff(date: string): number | null {
  const s = dayStart(date)
  return s === null ? null : s + DEFAULT_CUTOFF_MINUTES * MINUTE_MS
}

/** A cut-off as "HH:MM" for a form (the day is the menu's). */
export const cutoffClock = (cutoffAt: number) => localClock(cutoffAt)

/** A cut-off typed as "HH:MM" on a menu's day, as a moment; null when not a time. A cut-off
 *  may fall on an earlier day (the evening before): `dayBefore`. */
export function cutoffAt(date: string, clock: string, dayBefore = false): number | null {
  const s = dayStart(date)
  const m = clockToMinutes(clock)
  if (s === null || m === null || m >= 1440) return null
  return s + m * MINUTE_MS - (dayBefore ? DAY_MS : 0)
}

/** A menu still takes orders: before its cut-off. */
export const isOpen = (menu: { cutoff_at: number }, now: number) => now < menu.cutoff_at

// The order being put together ------------------------------------------------------------------

/** Quantities by dish (item id → qty); a dish at 0 is not ordered. */
export type Cart = Record<number, number>

interface MenuItemLike {
  id: number
  name: string
  price_fen: number
  left: number
}

/** The most of a dish one order may take: 5, and no more than is left. */
export const maxQty = (item: Pick<MenuItemLike, 'left'>) => Math.max(0, Math.min(MEAL_QTY_MAX, item.left))

/** The order's lines in the menu's order, those at 0 left out. */
export function cartLines(items: readonly Pick<MenuItemLike, 'id'>[], cart: Cart): { item_id: number; qty: number }[] {
  return items.filter((i) => (cart[i.id] ?? 0) > 0).map((i) => ({ item_id: i.id, qty: cart[i.id] }))
}

/** What the order costs, in fen. */
export function cartTotal(items: readonly Pick<MenuItemLike, 'id' | 'price_fen'>[], cart: Cart): number {
  return items.reduce((sum, i) => sum + i.price_fen * Math.max(0, cart[i.id] ?? 0), 0)
}

/** How many portions the order holds. */
export const cartCount = (cart: Cart) => Object.values(cart).reduce((n, q) => n + Math.max(0, q), 0)

/** What stops the order (an i18n key under `care.meals.problems`), or null: the menu is closed,
 *  nothing is picked, too many dishes, a quantity out of range or past what is left, or the way
 *  (pick-up or delivery) is not offered that day. */
export function cartProblem(
  menu: { cutoff_at: number; pickup: boolean; delivery: boolean; items: readonly MenuItemLike[] },
  cart: Cart,
  mode: MealMode | null,
  now: number,
): string | null {
  if (!isOpen(menu, now)) return 'closed'
  const lines = cartLines(menu.items, cart)
  if (!lines.length) return 'empty'
  if (lines.length > MEAL_LINES_MAX) return 'tooMany'
  for (const l of lines) {
    const item = menu.items.find((i) => i.id === l.item_id)
    if (!item || !Number.isInteger(l.qty) || l.qty < 1 || l.qty > MEAL_QTY_MAX) return 'qty'
    if (l.qty > item.left) return 'soldOut'
  }
  if (mode === null) return 'mode'
  if ((mode === 'pickup' && !menu.pickup) || (mode === 'delivery' && !menu.delivery)) return 'mode'
  return null
}

/** The way picked first for a menu: pick-up when offered, else delivery. */
export const defaultMode = (menu: { pickup: boolean; delivery: boolean }): MealMode | null =>
  menu.pickup ? 'pickup' : menu.delivery ? 'delivery' : null

// Orders ---------------------------------------------------------------------------------------

interface MealLike {
  id: number
  menu_id: number
  person_id: number
  status: string
  date: string
  created_at: number
}

/** The order standing for a menu (not cancelled), for a person when given. */
export function mealFor<T extends MealLike>(meals: readonly T[], menuId: number, personId?: number | null): T | null {
  return meals.find((m) => m.menu_id === menuId && m.status !== 'cancelled' && (personId == null || m.person_id === personId)) ?? null
}

/** An order may be cancelled: still ordered, and its menu's cut-off (when known) not passed. */
export function mayCancelMeal(meal: Pick<MealLike, 'status'>, cutoff: number | null | undefined, now: number): boolean {
  return meal.status === 'ordered' && cutoff !== null && cutoff !== undefined && now < cutoff
}

/** My meals: the coming ones still ordered first (the soonest day first), then the rest (the
 *  latest day first). */
export function sortMeals<T extends MealLike>(meals: readonly T[], now: number): T[] {
  const today = localDate(now)
  const coming = (m: T) => m.status === 'ordered' && m.date >= today
  return [...meals].sort((a, b) => {
    const ca = coming(a)
    const cb = coming(b)
    if (ca !== cb) return Number(cb) - Number(ca)
    if (a.date !== b.date) return ca ? (a.date < b.date ? -1 : 1) : a.date < b.date ? 1 : -1
    return b.created_at - a.created_at || b.id - a.id
  })
}

/** An order's dishes in one line: "番茄炒蛋套餐×2、小米粥×1". */
export function mealLine(items: readonly { name: string; qty: number }[], sep = '、'): string {
  return items.map((i) => `${i.name}×${i.qty}`).join(sep)
}

// The kitchen ----------------------------------------------------------------------------------

interface KitchenLike {
  items: readonly { total: number; pickup: number; delivery: number; portions: number }[]
}

/** The kitchen's sums over the dishes: portions to cook, of them to pick up and to deliver. */
export function kitchenSums(k: KitchenLike): { total: number; pickup: number; delivery: number } {
  return k.items.reduce((s, i) => ({ total: s.total + i.total, pickup: s.pickup + i.pickup, delivery: s.delivery + i.delivery }), {
    total: 0,
    pickup: 0,
    delivery: 0,
  })
}

/** A live `care.meal_changed` is about this menu. */
export function mealEventFor(payload: unknown, menuId: number | null | undefined): boolean {
  if (menuId === null || menuId === undefined) return false
  return typeof payload === 'object' && payload !== null && (payload as { menu_id?: unknown }).menu_id === menuId
}

// The menu form --------------------------------------------------------------------------------

export interface MenuFormItem {
  /** The item's id when it is on the menu already (it keeps its orders). */
  id?: number | null
  name: string
  /** As typed, in yuan. */
  price: string
  portions: number
  /** Portions ordered so far (0 for a new dish). */
  ordered?: number
}

export interface MenuForm {
  /** The cut-off's time of day, "HH:MM", on the menu's day (or the day before: `cutoffDayBefore`). */
  cutoff: string
  cutoffDayBefore: boolean
  pickup: boolean
  delivery: boolean
  note: string
  items: MenuFormItem[]
}

export const blankMenuForm = (): MenuForm => ({
  cutoff: '09:00',
  cutoffDayBefore: false,
  pickup: true,
  delivery: true,
  note: '',
  items: [{ id: null, name: '', price: '', portions: 50, ordered: 0 }],
})

/** A menu in the form (its cut-off on the menu's day or the day before). */
export function menuToForm(menu: {
  date: string
  cutoff_at: number
  pickup: boolean
  delivery: boolean
  note: string
  items: readonly { id: number; name: string; price_fen: number; portions: number; ordered: number }[]
}): MenuForm {
  const start = dayStart(menu.date)
  return {
    cutoff: localClock(menu.cutoff_at),
    cutoffDayBefore: start !== null && menu.cutoff_at < start,
    pickup: menu.pickup,
    delivery: menu.delivery,
    note: menu.note,
    items: menu.items.map((i) => ({ id: i.id, name: i.name, price: yuan(i.price_fen), portions: i.portions, ordered: i.ordered })),
  }
}

/** What is wrong with the form: an i18n key under `care.meals.form.errors` and the row (from 0)
 *  when a dish's; null when it may be sent. */
export function menuFormProblem(date: string, f: MenuForm): { key: string; row?: number } | null {
  if (cutoffAt(date, f.cutoff, f.cutoffDayBefore) === null) return { key: 'cutoff' }
  if (!f.pickup && !f.delivery) return { key: 'ways' }
  if (byteLength(f.note) > MENU_NOTE_MAX_BYTES) return { key: 'note' }
  if (!f.items.length) return { key: 'noItems' }
  if (f.items.length > MENU_ITEMS_MAX) return { key: 'tooManyItems' }
  const seen = new Set<string>()
  for (let row = 0; row < f.items.length; row++) {
    const i = f.items[row]
    const name = i.name.trim()
    if (!name || [...name].length > MENU_NAME_MAX_CHARS || /[\r\n]/.test(name)) return { key: 'name', row }
    if (seen.has(name)) return { key: 'twice', row }
    seen.add(name)
    const fen = fenOf(i.price)
    if (fen === null || fen > MENU_PRICE_MAX_FEN) return { key: 'price', row }
    if (!Number.isInteger(i.portions) || i.portions < 1 || i.portions > MENU_PORTIONS_MAX) return { key: 'portions', row }
    if (i.portions < (i.ordered ?? 0)) return { key: 'belowOrdered', row }
  }
  return null
}

/** The body of a PUT (and, with `community_id` and `date`, of a POST) from a valid form. */
export function menuBody(date: string, f: MenuForm) {
  return {
    cutoff_at: cutoffAt(date, f.cutoff, f.cutoffDayBefore) as number,
    pickup: f.pickup,
    delivery: f.delivery,
    note: f.note.trim(),
    items: f.items.map((i) => ({
      ...(i.id ? { id: i.id } : {}),
      name: i.name.trim(),
      price_fen: fenOf(i.price) as number,
      portions: i.portions,
    })),
  }
}
