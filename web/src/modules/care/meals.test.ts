import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/fetch'
import { i18n } from '@/i18n'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import { careErrorText, careReason } from './errors'
import {
  blankMenuForm,
  cartCount,
  cartLines,
  cartProblem,
  cartTotal,
  cutoffAt,
  defaultCutoff,
  defaultMode,
  fenOf,
  isOpen,
  kitchenSums,
  mayCancelMeal,
  mealEventFor,
  mealFor,
  mealLine,
  maxQty,
  menuBody,
  menuFormProblem,
  menuRange,
  menuToForm,
  sortMeals,
  yuan,
  type MenuForm,
} from './meals'
import { CARE_CONSULTATION_EVENT, CARE_CONSULTATION_REQUEST, CARE_MEAL_EVENT } from './types'
import { cutoffText, mealModeName, mealStatusName, priceText } from './words'

/** 2026-12-04 (a Friday) 00:00 in UTC+8 = 2026-12-03 16:00 UTC. */
const FRI = Date.UTC(2026, 11, 3, 16, 0)
const H = 3_600_000
const DAY = 24 * H

const menu = (over: Partial<{ cutoff_at: number; pickup: boolean; delivery: boolean }> = {}) => ({
  id: 4,
  date: '2026-12-04',
  cutoff_at: FRI + 9 * H,
  pickup: true,
  delivery: false,
  note: '',
  items: [
    { id: 10, name: '番茄炒蛋套餐', price_fen: 1200, portions: 60, ordered: 12, left: 48 },
    { id: 11, name: '清蒸鱼套餐', price_fen: 1800, portions: 40, ordered: 38, left: 2 },
    { id: 12, name: '小米粥', price_fen: 300, portions: 80, ordered: 80, left: 0 },
  ],
  ...over,
})

describe('prices', () => {
  it('shows fen as yuan, and reads typed yuan as fen', () => {
    expect(yuan(1200)).toBe('12')
    expect(yuan(1250)).toBe('12.50')
    expect(yuan(5)).toBe('0.05')
    expect(yuan(0)).toBe('0')
    expect(yuan(100_000)).toBe('1000')
    expect(fenOf('12')).toBe(1200)
    expect(fenOf('12.5')).toBe(1250)
    expect(fenOf(' 12.05 ')).toBe(1205)
    expect(fenOf('0')).toBe(0)
    expect(fenOf(3)).toBe(300)
    for (const bad of ['', '-1', '1.234', 'abc', '1,5', '.5']) expect(fenOf(bad)).toBeNull()
    for (const f of [0, 1, 99, 100, 1234, 100_000]) expect(fenOf(yuan(f))).toBe(f)
  })
})

describe('days and cut-offs', () => {
  it('asks for today and the six days after, on the UTC+8 calendar', () => {
    expect(menuRange(FRI)).toEqual({ from: '2026-12-04', to: '2026-12-10' })
    // 23:30 UTC on the 3rd is already the 4th in UTC+8.
    expect(menuRange(Date.UTC(2026, 11, 3, 23, 30), 2)).toEqual({ from: '2026-12-04', to: '2026-12-05' })
    // Across the end of a month and a year.
    expect(menuRange(Date.UTC(2026, 11, 29, 16), 7)).toEqual({ from: '2026-12-30', to: '2027-01-05' })
    expect(menuRange(FRI, 0)).toEqual({ from: '2026-12-04', to: '2026-12-04' })
  })

  it('puts the cut-off at 09:00 of the day by default, or as typed (the day before too)', () => {
    expect(defaultCutoff('2026-12-04')).toBe(FRI + 9 * H)
    expect(defaultCutoff('2026-02-30')).toBeNull()
    expect(cutoffAt('2026-12-04', '09:00')).toBe(FRI + 9 * H)
    expect(cutoffAt('2026-12-04', '18:30', true)).toBe(FRI - DAY + 18.5 * H)
    expect(cutoffAt('2026-12-04', '24:00')).toBeNull()
    expect(cutoffAt('2026-12-04', '9点')).toBeNull()
  })

  it('takes orders until the cut-off', () => {
    expect(isOpen(menu(), FRI + 9 * H - 1)).toBe(true)
    expect(isOpen(menu(), FRI + 9 * H)).toBe(false)
  })

  it('says the cut-off in words', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(cutoffText(menu(), FRI + 5 * H)).toBe('今天 09:00 前可以订')
    expect(cutoffText(menu(), FRI - 5 * H)).toBe('明天 09:00 前可以订')
    expect(cutoffText(menu({ cutoff_at: FRI + DAY + 9 * H }), FRI)).toBe('明天 09:00 前可以订')
    expect(cutoffText(menu(), FRI + 10 * H)).toBe('已截止订餐')
  })
})

describe('the order being put together', () => {
  it('never takes more than 5 of a dish, nor more than is left', () => {
    expect(maxQty({ left: 48 })).toBe(5)
    expect(maxQty({ left: 2 })).toBe(2)
    expect(maxQty({ left: 0 })).toBe(0)
    expect(maxQty({ left: -3 })).toBe(0)
  })

  it('sums the order and lists its dishes in the menu’s order', () => {
    const m = menu()
    const cart = { 11: 1, 10: 2, 12: 0 }
    expect(cartLines(m.items, cart)).toEqual([
      { item_id: 10, qty: 2 },
      { item_id: 11, qty: 1 },
    ])
    expect(cartTotal(m.items, cart)).toBe(2 * 1200 + 1800)
    expect(cartCount(cart)).toBe(3)
    expect(cartTotal(m.items, {})).toBe(0)
  })

  it('says what stops the order', () => {
    const now = FRI + 8 * H
    expect(cartProblem(menu(), { 10: 1 }, 'pickup', now)).toBeNull()
    expect(cartProblem(menu(), { 10: 1 }, 'pickup', FRI + 9 * H)).toBe('closed')
    expect(cartProblem(menu(), {}, 'pickup', now)).toBe('empty')
    expect(cartProblem(menu(), { 10: 0 }, 'pickup', now)).toBe('empty')
    expect(cartProblem(menu(), { 10: 6 }, 'pickup', now)).toBe('qty')
    expect(cartProblem(menu(), { 10: 1.5 }, 'pickup', now)).toBe('qty')
    expect(cartProblem(menu(), { 11: 3 }, 'pickup', now)).toBe('soldOut')
    expect(cartProblem(menu(), { 10: 1 }, null, now)).toBe('mode')
    expect(cartProblem(menu(), { 10: 1 }, 'delivery', now)).toBe('mode')
    expect(cartProblem(menu({ delivery: true }), { 10: 1 }, 'delivery', now)).toBeNull()
    const many = { ...menu(), items: Array.from({ length: 11 }, (_, i) => ({ id: i + 1, name: `d${i}`, price_fen: 100, left: 10 })) }
    expect(cartProblem(many, Object.fromEntries(many.items.map((i) => [i.id, 1])), 'pickup', now)).toBe('tooMany')
  })

  it('picks pick-up first when offered', () => {
    expect(defaultMode({ pickup: true, delivery: true })).toBe('pickup')
    expect(defaultMode({ pickup: false, delivery: true })).toBe('delivery')
    expect(defaultMode({ pickup: false, delivery: false })).toBeNull()
  })
})

describe('orders', () => {
  const meal = (id: number, date: string, status = 'ordered', menuId = 4, personId = 7) => ({
    id,
    menu_id: menuId,
    person_id: personId,
    status,
    date,
    created_at: id,
    items: [{ name: '番茄炒蛋套餐', qty: 2 }],
  })

  it('finds the order standing for a menu (a person’s, when given)', () => {
    const list = [meal(1, '2026-12-04', 'cancelled'), meal(2, '2026-12-04'), meal(3, '2026-12-04', 'ordered', 4, 8)]
    expect(mealFor(list, 4)?.id).toBe(2)
    expect(mealFor(list, 4, 8)?.id).toBe(3)
    expect(mealFor(list, 4, 9)).toBeNull()
    expect(mealFor(list, 5)).toBeNull()
  })

  it('may be cancelled while ordered and before the cut-off', () => {
    const cutoff = FRI + 9 * H
    expect(mayCancelMeal({ status: 'ordered' }, cutoff, cutoff - 1)).toBe(true)
    expect(mayCancelMeal({ status: 'ordered' }, cutoff, cutoff)).toBe(false)
    expect(mayCancelMeal({ status: 'served' }, cutoff, FRI)).toBe(false)
    expect(mayCancelMeal({ status: 'cancelled' }, cutoff, FRI)).toBe(false)
    // The menu's cut-off unknown: not offered.
    expect(mayCancelMeal({ status: 'ordered' }, null, FRI)).toBe(false)
  })

  it('lists the coming orders first, the soonest first, then the rest, the latest first', () => {
    const list = [
      meal(1, '2026-12-02', 'served'),
      meal(2, '2026-12-06'),
      meal(3, '2026-12-04', 'cancelled'),
      meal(4, '2026-12-05'),
      meal(5, '2026-12-03'),
    ]
    expect(sortMeals(list, FRI + H).map((m) => m.id)).toEqual([4, 2, 3, 5, 1])
  })

  it('says an order in words', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(mealLine([{ name: '番茄炒蛋套餐', qty: 2 }, { name: '小米粥', qty: 1 }])).toBe('番茄炒蛋套餐×2、小米粥×1')
    expect(priceText(1250)).toBe('12.50 元')
    expect(mealModeName('delivery')).toBe('送餐上门')
    expect(mealStatusName({ status: 'served', mode: 'delivery' })).toBe('已送达')
    expect(mealStatusName({ status: 'served', mode: 'pickup' })).toBe('已取餐')
    expect(mealStatusName({ status: 'ordered' })).toBe('已订餐')
    i18n.global.locale.value = 'en'
    expect(priceText(1200)).toBe('¥12')
    expect(mealModeName('pickup')).toBe('Pick up')
    i18n.global.locale.value = 'zh-CN'
  })
})

describe('the kitchen', () => {
  it('sums the dishes', () => {
    const k = {
      items: [
        { total: 3, pickup: 2, delivery: 1, portions: 60 },
        { total: 5, pickup: 0, delivery: 5, portions: 40 },
      ],
    }
    expect(kitchenSums(k)).toEqual({ total: 8, pickup: 2, delivery: 6 })
    expect(kitchenSums({ items: [] })).toEqual({ total: 0, pickup: 0, delivery: 0 })
  })

  it('knows a live event of its menu', () => {
    expect(mealEventFor({ menu_id: 4, meal_id: 9, status: 'ordered' }, 4)).toBe(true)
    expect(mealEventFor({ menu_id: 5 }, 4)).toBe(false)
    expect(mealEventFor({ menu_id: 4 }, null)).toBe(false)
    expect(mealEventFor(undefined, 4)).toBe(false)
  })
})

describe('the menu form', () => {
  const form = (over: Partial<MenuForm> = {}): MenuForm => ({
    cutoff: '09:00',
    cutoffDayBefore: false,
    pickup: true,
    delivery: true,
    note: '少油少盐',
    items: [
      { id: 10, name: '番茄炒蛋套餐', price: '12', portions: 60, ordered: 12 },
      { id: null, name: ' 小米粥 ', price: '3.5', portions: 80, ordered: 0 },
    ],
    ...over,
  })

  it('takes a good menu and makes its body', () => {
    expect(menuFormProblem('2026-12-04', form())).toBeNull()
    expect(menuBody('2026-12-04', form())).toEqual({
      cutoff_at: FRI + 9 * H,
      pickup: true,
      delivery: true,
      note: '少油少盐',
      items: [
        { id: 10, name: '番茄炒蛋套餐', price_fen: 1200, portions: 60 },
        { name: '小米粥', price_fen: 350, portions: 80 },
      ],
    })
  })

  it('says what is wrong, and on which row', () => {
    const d = '2026-12-04'
    expect(menuFormProblem(d, form({ cutoff: '9' }))).toEqual({ key: 'cutoff' })
    expect(menuFormProblem(d, form({ pickup: false, delivery: false }))).toEqual({ key: 'ways' })
    expect(menuFormProblem(d, form({ note: '字'.repeat(167) }))).toEqual({ key: 'note' })
    expect(menuFormProblem(d, form({ items: [] }))).toEqual({ key: 'noItems' })
    const many = Array.from({ length: 21 }, (_, i) => ({ name: `d${i}`, price: '1', portions: 1 }))
    expect(menuFormProblem(d, form({ items: many }))).toEqual({ key: 'tooManyItems' })
    const row = (over: object) => form({ items: [form().items[0], { ...form().items[1], ...over }] })
    expect(menuFormProblem(d, row({ name: '  ' }))).toEqual({ key: 'name', row: 1 })
    expect(menuFormProblem(d, row({ name: '粥'.repeat(61) }))).toEqual({ key: 'name', row: 1 })
    expect(menuFormProblem(d, row({ name: '粥'.repeat(60) }))).toBeNull()
    expect(menuFormProblem(d, row({ name: '番茄炒蛋套餐' }))).toEqual({ key: 'twice', row: 1 })
    expect(menuFormProblem(d, row({ price: '1000.01' }))).toEqual({ key: 'price', row: 1 })
    expect(menuFormProblem(d, row({ price: '1000' }))).toBeNull()
    expect(menuFormProblem(d, row({ price: 'x' }))).toEqual({ key: 'price', row: 1 })
    expect(menuFormProblem(d, row({ portions: 0 }))).toEqual({ key: 'portions', row: 1 })
    expect(menuFormProblem(d, row({ portions: 2001 }))).toEqual({ key: 'portions', row: 1 })
    expect(menuFormProblem(d, row({ portions: 5, ordered: 6 }))).toEqual({ key: 'belowOrdered', row: 1 })
  })

  it('fills the form from a menu, and a blank one for a new menu', () => {
    const f = menuToForm(menu({ cutoff_at: FRI - 6 * H }))
    expect(f.cutoff).toBe('18:00')
    expect(f.cutoffDayBefore).toBe(true)
    expect(f.items.map((i) => [i.id, i.price, i.ordered])).toEqual([
      [10, '12', 12],
      [11, '18', 38],
      [12, '3', 80],
    ])
    expect(menuBody('2026-12-04', f).cutoff_at).toBe(FRI - 6 * H)
    const b = blankMenuForm()
    expect(b.cutoff).toBe('09:00')
    expect(b.pickup && b.delivery).toBe(true)
    expect(b.items).toHaveLength(1)
  })
})

describe('refusals of meals and consultations', () => {
  it('says the server’s reasons in words', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(careReason('the cut-off has passed: orders are closed')).toEqual({ key: 'cutoffPassed' })
    expect(careReason('清蒸鱼套餐 is sold out (1 left)')).toEqual({ key: 'soldOut', params: { dish: '清蒸鱼套餐', n: 1 } })
    expect(careReason('ordered from this menu already: cancel that order first')?.key).toBe('orderedAlready')
    expect(careReason('no delivery that day')?.key).toBe('noDelivery')
    expect(careReason('the order is served already')?.key).toBe('mealServed')
    expect(careReason('番茄炒蛋套餐 has 12 portions ordered already')).toEqual({ key: 'portionsOrdered', params: { dish: '番茄炒蛋套餐', n: 12 } })
    expect(careReason('orders use delivery: it stays offered')?.key).toBe('deliveryUsed')
    expect(careReason('5 consultations are open already: wait for one or cancel one')?.key).toBe('tooManyOpen')
    expect(careReason('the consultation is done already')?.key).toBe('consultDone')
    expect(careReason('scheduled_at has passed')?.key).toBe('whenPast')
    expect(careErrorText(new ApiError(409, 'conflict', '清蒸鱼套餐 is sold out (0 left)', 'items'))).toBe('清蒸鱼套餐已售完（还剩 0 份）')
    expect(careErrorText(new ApiError(409, 'conflict', 'the cut-off has passed: orders are closed', 'menu_id'))).toBe('已过截止时间，这天不能再订了')
  })

  it('has every reason in both languages', () => {
    const keys = ['cutoffPassed', 'cutoffCooking', 'soldOut', 'orderedAlready', 'noPickup', 'noDelivery', 'notOnMenu', 'noMenu', 'noMeal',
      'mealServed', 'mealCancelled', 'menuExists', 'dayPassed', 'cutoffLate', 'ways', 'portionsOrdered', 'dishHasOrders', 'pickupUsed',
      'deliveryUsed', 'dishTwice', 'keepMenus', 'tooManyOpen', 'whenPast', 'topic', 'notes', 'consultDone', 'consultCancelled',
      'otherDoctor', 'doctorOnly', 'cancelWho', 'topicPrivate', 'noConsult', 'description', 'noOrders']
    for (const k of keys) {
      expect(en.care.errors).toHaveProperty(k)
      expect(zhCN.care.errors).toHaveProperty(k)
    }
  })
})

/** The keys under an object, as paths ("a.b.c"). */
function keysOf(o: unknown, prefix = ''): string[] {
  if (typeof o !== 'object' || o === null) return [prefix]
  return Object.entries(o).flatMap(([k, v]) => keysOf(v, prefix ? `${prefix}.${k}` : k))
}

describe('words', () => {
  it('has the same words for meals, consultations, home services and my elders in both languages', () => {
    for (const section of ['meals', 'consult', 'services', 'myElders'] as const) {
      expect(keysOf(en.care[section]).sort()).toEqual(keysOf(zhCN.care[section]).sort())
    }
  })

  it('labels the meal and consultation events and messages in both languages', () => {
    for (const type of [CARE_MEAL_EVENT, CARE_CONSULTATION_EVENT, CARE_CONSULTATION_REQUEST, 'care.consultation_requested', 'care.consultation_scheduled']) {
      const key = type.replace(/\./g, '_')
      expect(en.live.types).toHaveProperty(key)
      expect(zhCN.live.types).toHaveProperty(key)
    }
    expect(en.care.console.tabs).toHaveProperty('meals')
    expect(zhCN.care.console.tabs).toHaveProperty('consults')
  })
})
