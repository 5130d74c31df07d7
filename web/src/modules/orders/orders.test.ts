import { afterEach, describe, expect, it, vi } from 'vitest'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import { uploadError } from './api'
import {
  CLIENT_NAME_MAX,
  clientBody,
  clientErrors,
  sortClients,
  upsertClient,
} from '@/modules/open311/open311'
import type { Open311Client } from '@/modules/open311/api'
import {
  CATEGORY_CODE,
  CLAIM_ROLE_CHOICES,
  categoryBody,
  draftOf,
  emptyDraft,
  emptyQuestion,
  fieldOfServer,
  validateCategory,
  type CategoryDraft,
} from './catalogue'
import {
  NO_FILTERS,
  applyListEvents,
  exportFilename,
  filtersFromRoute,
  filtersQuery,
  filtersToRoute,
  mayListOrders,
  mayTransfer,
  reloadLimit,
  replaceOrder,
  transferBody,
} from './staff'
import {
  GROUP_KEYS,
  answerRows,
  asksVerify,
  answersBody,
  applyPoolEvents,
  applyReportEvents,
  applyTriageEvents,
  applyStatusEvents,
  categoryName,
  descriptionOk,
  dueState,
  elTone,
  filterGroups,
  groupCategories,
  localToIso,
  located,
  mayWorkOrders,
  mergeTimeline,
  nameOfCategory,
  normalisePhone,
  noteOk,
  orderEventOf,
  reportEventOf,
  reportState,
  reporterActions,
  splitMinutes,
  standingRating,
  stepParams,
  takeFiles,
  uniqueById,
  validateAnswers,
  workDone,
  workerActions,
  type OrderEventInfo,
} from './orders'
import { ORDER_STATUSES, ORDER_STEPS, type Category, type CategoryQuestion, type Order } from './types'
import { debounce } from './useOrderEvents'

function cat(code: string, group: string, extra: Partial<Category> = {}): Category {
  return {
    code,
    name_zh: `${code}-zh`,
    name_en: `${code}-en`,
    group,
    claim_minutes: 30,
    finish_minutes: 240,
    claim_roles: ['grid_worker'],
    departments: [],
    photos_required: false,
    triage: false,
    active: true,
    questions: [],
    ...extra,
  }
}

function order(id: number, extra: Partial<Order> = {}): Order {
  return {
    id,
    category: 'road.pothole',
    description: 'x',
    lat: 39.5,
    lon: 109.7,
    origin_path: '/1/2/3',
    path: '/1/2/3',
    level: 'grid',
    status: 'open',
    created_by: 1,
    claimed_by: null,
    claimed_at: null,
    due_at: null,
    completed_at: null,
    escalations: 0,
    hold_reason: '',
    version: 1,
    created_at: 1000,
    updated_at: 1000,
    report_id: null,
    reopens: 0,
    rating: null,
    rating_comment: '',
    ...extra,
  }
}

function ev(orderId: number, step: OrderEventInfo['step'], status: OrderEventInfo['status'], version: number, at = 5000): OrderEventInfo {
  return { eventId: version * 10 + orderId, at, orderId, step, status, level: 'grid', category: 'road.pothole', version }
}

const Q: CategoryQuestion[] = [
  { code: 'source', label_zh: '噪音来源', label_en: 'Source', datatype: 'singlevaluelist', required: true, values: [{ key: 'people', name: '人员喧哗' }, { key: 'shop', name: '商铺' }] },
  { code: 'kinds', label_zh: '类型', label_en: 'Kinds', datatype: 'multivaluelist', required: false, values: [{ key: 'a', name: '甲' }, { key: 'b', name: '乙' }] },
  { code: 'count', label_zh: '数量', label_en: 'Count', datatype: 'number', required: false, values: [] },
  { code: 'when', label_zh: '时间', label_en: 'When', datatype: 'datetime', required: false, values: [] },
  { code: 'note', label_zh: '备注', label_en: 'Note', datatype: 'text', required: true, values: [] },
]

describe('categories', () => {
  const list = [cat('city.litter', '市容环境'), cat('road.pothole', '道路设施'), cat('city.graffiti', '市容环境', { name_en: 'Graffiti' })]

  it('groups by group, in the order the server lists them', () => {
    const g = groupCategories(list)
    expect(g.map((x) => x.group)).toEqual(['市容环境', '道路设施'])
    expect(g[0].items.map((c) => c.code)).toEqual(['city.litter', 'city.graffiti'])
    expect(groupCategories([])).toEqual([])
  })

  it('filters by a name in either language, a code or the group', () => {
    const g = groupCategories(list)
    expect(filterGroups(g, 'graffiti').flatMap((x) => x.items.map((c) => c.code))).toEqual(['city.graffiti'])
    expect(filterGroups(g, '道路').map((x) => x.group)).toEqual(['道路设施'])
    expect(filterGroups(g, '  ')).toHaveLength(2)
    expect(filterGroups(g, 'nothing like it')).toEqual([])
  })

  it('names them in the current language, by code while unknown', () => {
    expect(categoryName(list[2], 'en')).toBe('Graffiti')
    expect(categoryName(list[2], 'zh-CN')).toBe('city.graffiti-zh')
    expect(nameOfCategory(list, 'road.pothole', 'en')).toBe('road.pothole-en')
    expect(nameOfCategory(list, 'gone.away', 'en')).toBe('gone.away')
  })

  it('has both languages for every group of the default catalogue', () => {
    for (const key of Object.values(GROUP_KEYS)) {
      expect(zhCN.orders.groups).toHaveProperty(key)
      expect(en.orders.groups).toHaveProperty(key)
    }
  })

  it('splits deadlines into days, hours and minutes', () => {
    expect(splitMinutes(10)).toEqual({ d: 0, h: 0, m: 10 })
    expect(splitMinutes(90)).toEqual({ d: 0, h: 1, m: 30 })
    expect(splitMinutes(4320)).toEqual({ d: 3, h: 0, m: 0 })
  })
})

describe('answers', () => {
  it('asks for the required ones and checks each datatype', () => {
    expect(validateAnswers(Q, {})).toEqual({ source: 'required', note: 'required' })
    expect(validateAnswers(Q, { source: 'people', note: '  ' })).toEqual({ note: 'required' })
    expect(
      validateAnswers(Q, { source: 'dog', note: 'ok', kinds: ['a', 'z'], count: '3x', when: 'soon' }),
    ).toEqual({ source: 'choice', kinds: 'choice', count: 'number', when: 'datetime' })
    expect(validateAnswers(Q, { source: ['people'], note: 'ok', kinds: 'a' })).toEqual({ source: 'choice', kinds: 'choice' })
    expect(
      validateAnswers(Q, { source: 'shop', note: 'ok', kinds: ['a', 'b'], count: '-2.5', when: '2026-11-29T21:30' }),
    ).toEqual({})
    expect(validateAnswers(Q, { source: 'shop', note: 'ok', kinds: [] })).toEqual({})
  })

  it('sends only answered questions of the category, trimmed, times with their offset', () => {
    const body = answersBody(
      Q,
      { source: 'shop', kinds: [], count: ' 4 ', when: '2026-11-29T21:30', note: ' 太吵 ', stray: 'x' },
      () => 480,
    )
    expect(body).toEqual({ source: 'shop', count: '4', when: '2026-11-29T21:30:00+08:00', note: '太吵' })
  })

  it('writes local times in ISO 8601 with the offset east or west of UTC', () => {
    expect(localToIso('2026-11-29T21:30', 480)).toBe('2026-11-29T21:30:00+08:00')
    expect(localToIso('2026-11-29T21:30:15', -330)).toBe('2026-11-29T21:30:15-05:30')
    expect(localToIso('2026-11-29T21:30', 0)).toBe('2026-11-29T21:30:00+00:00')
    expect(localToIso('not a time', 480)).toBe('not a time')
  })

  it('shows answers with labels and the names of list keys', () => {
    expect(answerRows(Q, { kinds: ['a', 'b'], source: 'people', old: 'v' }, 'en')).toEqual([
      { label: 'Source', value: '人员喧哗' },
      { label: 'Kinds', value: '甲、乙' },
      { label: 'old', value: 'v' },
    ])
    expect(answerRows(Q, null, 'zh-CN')).toEqual([])
  })
})

describe('texts, phones, photos', () => {
  it('counts notes and descriptions in characters, trimmed', () => {
    expect(noteOk('好的')).toBe(true)
    expect(noteOk(' 好 ')).toBe(false)
    expect(noteOk('x'.repeat(500))).toBe(true)
    expect(noteOk('x'.repeat(501))).toBe(false)
    expect(descriptionOk('灯')).toBe(true)
    expect(descriptionOk('   ')).toBe(false)
    expect(descriptionOk('路'.repeat(4000))).toBe(true)
    expect(descriptionOk('路'.repeat(4001))).toBe(false)
  })

  it('takes mainland mobile numbers as typed', () => {
    expect(normalisePhone('138 1234 5678')).toBe('13812345678')
    expect(normalisePhone('+86 138-1234-5678')).toBe('13812345678')
    expect(normalisePhone('8613812345678')).toBe('13812345678')
    expect(normalisePhone('12812345678')).toBeNull()
    expect(normalisePhone('1381234567')).toBeNull()
    expect(normalisePhone('')).toBeNull()
  })

  it('takes at most nine photos', () => {
    expect(takeFiles(0, [1, 2, 3])).toEqual({ take: [1, 2, 3], dropped: 0 })
    expect(takeFiles(7, [1, 2, 3])).toEqual({ take: [1, 2], dropped: 1 })
    expect(takeFiles(9, [1])).toEqual({ take: [], dropped: 1 })
    expect(takeFiles(12, [])).toEqual({ take: [], dropped: 0 })
  })

  it('keeps the server\'s words of a refused upload', () => {
    const e = uploadError(415, '{"error":{"code":"unsupported_media_type","message":"not a JPEG, PNG or WebP"}}', null)
    expect([e.status, e.code, e.message]).toEqual([415, 'unsupported_media_type', 'not a JPEG, PNG or WebP'])
    const big = uploadError(413, '{"error":{"code":"too_large","message":"at most 15 MiB"}}', null)
    expect(big.message).toBe('at most 15 MiB')
    expect(uploadError(429, '{"error":{"code":"rate_limited","message":"slow down"}}', '30').retryAfter).toBe(30)
    expect(uploadError(502, '<html>', null).code).toBe('internal')
    expect(uploadError(0, '', null).code).toBe('network')
  })
})

describe('what each status allows', () => {
  it('lets anyone eligible claim an open order, and its worker take its steps', () => {
    expect(workerActions({ status: 'open', claimed_by: null }, 7)).toEqual(['claim'])
    expect(workerActions({ status: 'claimed', claimed_by: 7 }, 7)).toEqual(['complete', 'hold', 'return'])
    expect(workerActions({ status: 'on_hold', claimed_by: 7 }, 7)).toEqual(['resume', 'return'])
    expect(workerActions({ status: 'claimed', claimed_by: 8 }, 7)).toEqual([])
    expect(workerActions({ status: 'claimed', claimed_by: 7 }, null)).toEqual([])
    for (const s of ['completed', 'verified', 'closed'] as const) expect(workerActions({ status: s, claimed_by: 7 }, 7)).toEqual([])
  })

  it('lets the reporter verify, rate and reopen once the work is done', () => {
    expect(reporterActions('completed')).toEqual(['verify', 'rate', 'reopen'])
    expect(reporterActions('verified')).toEqual(['rate', 'reopen'])
    expect(reporterActions('closed')).toEqual(['reopen'])
    for (const s of ['open', 'claimed', 'on_hold', null, undefined] as const) expect(reporterActions(s)).toEqual([])
  })

  it('says where a report stands in one word', () => {
    expect(reportState({ status: 'triage', order_status: null })).toBe('triage')
    expect(reportState({ status: 'rejected', order_status: null })).toBe('rejected')
    expect(reportState({ status: 'ordered', order_status: 'on_hold' })).toBe('on_hold')
    expect(elTone('closed')).toBe('info')
    expect(elTone('completed')).toBe('success')
  })

  it('tells near and missed deadlines', () => {
    expect(dueState(null, 0)).toBeNull()
    expect(dueState(1000, 1000)).toBe('overdue')
    expect(dueState(1000 + 3_600_000, 1000)).toBe('soon')
    expect(dueState(1000 + 3_600_001, 1000)).toBe('ok')
  })

  it('offers the worker shortcuts to claiming roles only', () => {
    expect(mayWorkOrders(['resident'])).toBe(false)
    expect(mayWorkOrders(['resident', 'steward'])).toBe(true)
    expect(mayWorkOrders(['grid_worker'])).toBe(true)
  })

  it('offers them to whoever works for an organisation, whatever the roles', () => {
    const dept = { organisation_id: 12, kind: 'property_company', path: '/2/7/30/40' }
    expect(mayWorkOrders([], [dept])).toBe(true)
    expect(mayWorkOrders(['resident'], [dept])).toBe(true)
    expect(mayWorkOrders(['resident'], [])).toBe(false)
    expect(mayWorkOrders([])).toBe(false)
  })

  it('has every status and step in both languages', () => {
    for (const s of ORDER_STATUSES) {
      expect(zhCN.orders.states).toHaveProperty(s)
      expect(en.orders.states).toHaveProperty(s)
    }
    for (const s of ORDER_STEPS) {
      expect(zhCN.orders.steps).toHaveProperty(s)
      expect(en.live.types).toHaveProperty(`order_${s}`)
    }
  })
})

describe('live order events', () => {
  it('reads the order step of an event, and nothing else', () => {
    const payload = { order_id: 4, step: 'claimed', status: 'claimed', level: 'grid', category: 'noise.night', version: 2 }
    expect(orderEventOf({ id: 9, type: 'order.claimed', created_at: 77, payload })).toEqual({
      eventId: 9,
      at: 77,
      orderId: 4,
      step: 'claimed',
      status: 'claimed',
      level: 'grid',
      category: 'noise.night',
      version: 2,
    })
    expect(orderEventOf({ id: 9, type: 'code.issued', created_at: 0, payload })).toBeNull()
    expect(orderEventOf({ id: 9, type: 'order.claimed', created_at: 0, payload: {} })).toBeNull()
    expect(orderEventOf({ id: 9, type: 'order.exploded', created_at: 0, payload: { ...payload, step: undefined } })).toBeNull()
  })

  it('drops from the pool what someone else claimed, and asks to reload for new orders', () => {
    const pool = [order(1), order(2), order(3)]
    const r = applyPoolEvents(pool, [ev(2, 'claimed', 'claimed', 2)])
    expect(r.items.map((o) => o.id)).toEqual([1, 3])
    expect(r.refetch).toBe(false)
    expect(applyPoolEvents(pool, [ev(9, 'created', 'open', 1)]).refetch).toBe(true)
    expect(applyPoolEvents(pool, [ev(9, 'returned', 'open', 4)]).refetch).toBe(true)
    expect(applyPoolEvents(pool, [ev(9, 'completed', 'completed', 4)]).refetch).toBe(false)
    const up = applyPoolEvents(pool, [{ ...ev(1, 'escalated', 'open', 2), level: 'community' }])
    expect(up.items[0]).toMatchObject({ id: 1, level: 'community', version: 2 })
    // An event older than the listed order changes nothing.
    expect(applyPoolEvents([order(1, { version: 5 })], [ev(1, 'claimed', 'claimed', 3)]).items).toHaveLength(1)
  })

  it('updates the states of listed orders from newer events only', () => {
    const mine = [order(1, { status: 'claimed', version: 2 }), order(2, { status: 'claimed', version: 4 })]
    const out = applyStatusEvents(mine, [ev(1, 'held', 'on_hold', 3), ev(2, 'held', 'on_hold', 3), ev(1, 'resumed', 'claimed', 4)])
    expect(out.map((o) => [o.status, o.version])).toEqual([
      ['claimed', 4],
      ['claimed', 4],
    ])
    expect(applyStatusEvents(mine, [ev(1, 'completed', 'completed', 3)])[0].status).toBe('completed')
  })

  it('shows announced steps in the timeline until it is loaded again', () => {
    const steps = [
      { at: 1000, step: 'created' as const, note: '' },
      { at: 2000, step: 'claimed' as const, note: '' },
    ]
    const events = [ev(5, 'completed', 'completed', 3, 3000), ev(5, 'completed', 'completed', 3, 3000), ev(6, 'held', 'on_hold', 3, 3100)]
    const byVersion = mergeTimeline(steps, events, 5, 2)
    expect(byVersion.map((s) => s.step)).toEqual(['created', 'claimed', 'completed'])
    expect(byVersion[2].live).toBe(true)
    expect(mergeTimeline(steps, events, 5, 3)).toHaveLength(2)
    // Without the order's version (a reporter's view), by time.
    expect(mergeTimeline(steps, [ev(5, 'verified', 'verified', 4, 2500)], 5).map((s) => s.step)).toEqual([
      'created',
      'claimed',
      'verified',
    ])
    expect(mergeTimeline(steps, [ev(5, 'claimed', 'claimed', 2, 2000)], 5)).toHaveLength(2)
  })

  it('explains ratings, escalations and category changes', () => {
    expect(stepParams({ step: 'rated', details: { stars: 4 } })).toEqual({ stars: 4 })
    expect(stepParams({ step: 'escalated', details: { missed: 'claim', from: '/1', to: '/' } })).toEqual({ missed: 'claim' })
    expect(stepParams({ step: 'transferred', details: { from_category: 'a', to_category: 'b' } })).toEqual({ from: 'a', to: 'b' })
    expect(stepParams({ step: 'transferred', details: { from_category: 'a', to_category: 'a' } })).toBeNull()
    expect(stepParams({ step: 'claimed' })).toBeNull()
  })
})

describe('live report events', () => {
  const rev = (id: number, type: string, status: string, orderId: number | null) => ({
    id: 50 + id,
    type,
    created_at: 0,
    payload: { report_id: id, status, order_id: orderId, category: 'noise.night' },
  })

  it('reads the report an event is about', () => {
    expect(reportEventOf(rev(7, 'report.accepted', 'ordered', 12))).toEqual({
      eventId: 57,
      reportId: 7,
      kind: 'accepted',
      status: 'ordered',
      orderId: 12,
      category: 'noise.night',
    })
    expect(reportEventOf(rev(7, 'order.claimed', 'ordered', 12))).toBeNull()
    expect(reportEventOf({ id: 1, type: 'report.created', created_at: 0, payload: {} })).toBeNull()
  })

  it('drops decided reports from triage and reloads for new ones', () => {
    const list = [{ id: 1 }, { id: 2 }]
    const events = [reportEventOf(rev(1, 'report.rejected', 'rejected', null))!]
    expect(applyTriageEvents(list, events)).toEqual({ items: [{ id: 2 }], refetch: false })
    expect(applyTriageEvents(list, [reportEventOf(rev(3, 'report.created', 'triage', null))!]).refetch).toBe(true)
    expect(applyTriageEvents(list, [reportEventOf(rev(4, 'report.created', 'ordered', 9))!]).refetch).toBe(false)
  })

  it('follows one\'s reports through triage and their orders', () => {
    const mine = [
      { id: 1, status: 'triage' as const, order_id: null, order_status: null },
      { id: 2, status: 'ordered' as const, order_id: 5, order_status: 'claimed' as const },
    ]
    const accepted = applyReportEvents(mine, [reportEventOf(rev(1, 'report.accepted', 'ordered', 8))!], [])
    expect(accepted[0]).toEqual({ id: 1, status: 'ordered', order_id: 8, order_status: 'open' })
    const done = applyReportEvents(accepted, [], [ev(8, 'claimed', 'claimed', 2), ev(5, 'completed', 'completed', 4)])
    expect(done.map((r) => r.order_status)).toEqual(['claimed', 'completed'])
    expect(applyReportEvents(mine, [reportEventOf(rev(1, 'report.rejected', 'rejected', null))!], [])[0].status).toBe('rejected')
  })
})

describe('maps and lists', () => {
  it('puts on the map only orders with a valid place', () => {
    const l = located([order(1), order(2, { lat: null, lon: null }), order(3, { lat: 91 }), order(4, { lon: Number.NaN })])
    expect(l.map((p) => [p.item.id, p.lat, p.lon])).toEqual([[1, 39.5, 109.7]])
  })

  it('lists an order in the pool and among one\'s own once', () => {
    expect(uniqueById([order(1), order(2)], [order(2, { status: 'claimed' })]).map((o) => [o.id, o.status])).toEqual([
      [1, 'open'],
      [2, 'claimed'],
    ])
  })
})

describe('debounce', () => {
  afterEach(() => vi.useRealTimers())

  it('runs once after a burst, and not at all when cancelled', () => {
    vi.useFakeTimers()
    const fn = vi.fn()
    const d = debounce(fn, 100)
    d()
    d()
    vi.advanceTimersByTime(99)
    d()
    vi.advanceTimersByTime(100)
    expect(fn).toHaveBeenCalledTimes(1)
    d()
    d.cancel()
    vi.advanceTimersByTime(500)
    expect(fn).toHaveBeenCalledTimes(1)
  })
})

describe('the staff list', () => {
  it('lists for the roles that dispatch', () => {
    expect(mayListOrders(['grid_worker'])).toBe(true)
    expect(mayListOrders(['resident', 'district_admin'])).toBe(true)
    expect(mayListOrders(['inspector', 'steward'])).toBe(false)
    expect(mayListOrders([])).toBe(false)
  })

  it('sends only the filters that are set, to the list and the export alike', () => {
    expect(filtersQuery({ ...NO_FILTERS })).toEqual({})
    const q = filtersQuery({ node: 7, status: 'open', category: 'noise.night', overdue: true, escalated: false })
    expect(Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined))).toEqual({
      node: 7,
      status: 'open',
      category: 'noise.night',
      overdue: true,
    })
  })

  it('keeps the filters in the address and reads back only sound ones', () => {
    const f = { node: 12, status: 'claimed' as const, category: 'road.pothole', overdue: true, escalated: true }
    const route = filtersToRoute(f)
    expect(route).toEqual({ node: '12', status: 'claimed', category: 'road.pothole', overdue: '1', escalated: '1' })
    expect(filtersFromRoute(route)).toEqual(f)
    expect(filtersToRoute(NO_FILTERS)).toEqual({ node: undefined, status: undefined, category: undefined, overdue: undefined, escalated: undefined })
    expect(filtersFromRoute({ node: '-3', status: 'lost', category: 'Bad Code', overdue: 'no', escalated: ['true', '0'] })).toEqual({
      node: null,
      status: '',
      category: '',
      overdue: false,
      escalated: true,
    })
    expect(filtersFromRoute({})).toEqual(NO_FILTERS)
  })

  it('names the export by the local time', () => {
    expect(exportFilename(new Date(2025, 5, 1, 9, 5))).toBe('orders-20250601-0905.xlsx')
  })

  it('reloads as many as are loaded, within the server’s page', () => {
    expect(reloadLimit(0)).toBe(50)
    expect(reloadLimit(120)).toBe(120)
    expect(reloadLimit(900)).toBe(200)
  })

  it('follows the events of listed orders and asks the server again', () => {
    const items = [order(9), order(8, { status: 'claimed' }), order(7)]
    const r = applyListEvents(items, [ev(8, 'completed', 'completed', 2)], NO_FILTERS, false)
    expect(r.items.find((o) => o.id === 8)?.status).toBe('completed')
    expect(r.refetch).toBe(true)
    // Under a status filter an order whose status changed leaves the list at once.
    const open = applyListEvents([order(9), order(7)], [ev(9, 'claimed', 'claimed', 2)], { ...NO_FILTERS, status: 'open' }, false)
    expect(open.items.map((o) => o.id)).toEqual([7])
    // Overdue lists only unfinished orders (on hold too: late before it was held).
    const late = applyListEvents(items, [ev(8, 'held', 'on_hold', 2)], { ...NO_FILTERS, overdue: true }, false)
    expect(late.items.map((o) => o.id)).toEqual([9, 8, 7])
    const done = applyListEvents(items, [ev(8, 'completed', 'completed', 2)], { ...NO_FILTERS, overdue: true }, false)
    expect(done.items.map((o) => o.id)).toEqual([9, 7])
  })

  it('asks again for new orders that may belong, not for those the event rules out', () => {
    const items = [order(9), order(8)]
    expect(applyListEvents(items, [ev(10, 'created', 'open', 1)], NO_FILTERS, false).refetch).toBe(true)
    // Another category, another status, or not escalated while only escalated ones are listed.
    expect(applyListEvents(items, [ev(10, 'created', 'open', 1)], { ...NO_FILTERS, category: 'noise.night' }, false).refetch).toBe(false)
    expect(applyListEvents(items, [ev(10, 'created', 'open', 1)], { ...NO_FILTERS, status: 'closed' }, false).refetch).toBe(false)
    expect(applyListEvents(items, [ev(10, 'created', 'open', 1)], { ...NO_FILTERS, escalated: true }, false).refetch).toBe(false)
    expect(applyListEvents(items, [ev(10, 'escalated', 'open', 2)], { ...NO_FILTERS, escalated: true }, false).refetch).toBe(true)
    expect(applyListEvents(items, [ev(10, 'claimed', 'claimed', 2)], { ...NO_FILTERS, overdue: true }, false).refetch).toBe(false)
    expect(applyListEvents(items, [ev(10, 'escalated', 'open', 2)], { ...NO_FILTERS, overdue: true }, false).refetch).toBe(true)
    // A transfer may bring an order of another category into this one.
    expect(applyListEvents(items, [ev(10, 'transferred', 'open', 2)], { ...NO_FILTERS, category: 'noise.night' }, false).refetch).toBe(true)
    // An older order past the loaded pages is listed once they are loaded; without more pages it may belong.
    expect(applyListEvents(items, [ev(3, 'reopened', 'open', 5)], NO_FILTERS, true).refetch).toBe(false)
    expect(applyListEvents(items, [ev(3, 'reopened', 'open', 5)], NO_FILTERS, false).refetch).toBe(true)
  })

  it('replaces an order changed here, or drops it when it no longer fits', () => {
    const items = [order(2), order(1)]
    expect(replaceOrder(items, order(1, { status: 'claimed', version: 2 }), NO_FILTERS)[1]).toMatchObject({ status: 'claimed' })
    expect(replaceOrder(items, order(1, { status: 'claimed' }), { ...NO_FILTERS, status: 'open' }).map((o) => o.id)).toEqual([2])
  })
})

describe('transfer', () => {
  const grants = [{ role: 'community_staff', scope: '/1/2' }]

  it('is for the staff over the place and the claimer, while unfinished', () => {
    expect(mayTransfer(order(1, { path: '/1/2/3' }), grants, 5)).toBe(true)
    expect(mayTransfer(order(1, { path: '/1/4' }), grants, 5)).toBe(false)
    expect(mayTransfer(order(1, { path: '/1/4', status: 'claimed', claimed_by: 5 }), [], 5)).toBe(true)
    expect(mayTransfer(order(1, { path: '/1/2/3', status: 'completed' }), grants, 5)).toBe(false)
    expect(mayTransfer(order(1, { path: '/9' }), [{ role: 'district_admin', scope: '/' }], 1)).toBe(true)
    expect(mayTransfer(order(1, { path: '/1/2/3' }), [{ role: 'inspector', scope: '/' }], 1)).toBe(false)
  })

  it('sends a place and/or a changed category with the reason', () => {
    const o = order(1, { category: 'road.pothole' })
    expect(transferBody(o, { node: 9, category: 'road.pothole', reason: ' 位置属于第二网格 ' })).toEqual({
      body: { node_id: 9, reason: '位置属于第二网格' },
    })
    expect(transferBody(o, { node: null, category: 'noise.night', reason: '类别错了' })).toEqual({
      body: { category: 'noise.night', reason: '类别错了' },
    })
    expect(transferBody(o, { node: null, category: 'road.pothole', reason: '类别错了' })).toEqual({
      error: { field: 'node_id', key: 'nothing' },
    })
    expect(transferBody(o, { node: 9, category: '', reason: '短' })).toEqual({ error: { field: 'reason', key: 'reason' } })
    expect(transferBody(o, { node: 9, category: '', reason: 'x'.repeat(501) })).toEqual({ error: { field: 'reason', key: 'reason' } })
  })
})

describe('editing the catalogue', () => {
  const good = (): CategoryDraft => ({
    ...emptyDraft(),
    code: 'noise.night',
    name_zh: '夜间噪音',
    name_en: 'Noise at night',
    group: '噪音',
    questions: [
      { code: 'source', label_zh: '来源', label_en: 'Source', datatype: 'singlevaluelist', required: true, values: [{ key: 'people', name: '人员' }] },
    ],
  })

  it('checks codes as the server does', () => {
    for (const ok of ['a', 'noise.night', 'road_2.x', 'a'.repeat(64)]) expect(CATEGORY_CODE.test(ok)).toBe(true)
    for (const bad of ['', '1a', 'Noise', 'a-b', 'a b', 'a'.repeat(65), '.a', '_a']) expect(CATEGORY_CODE.test(bad)).toBe(false)
  })

  it('accepts a sound draft', () => {
    expect(validateCategory(good())).toEqual({})
    expect(CLAIM_ROLE_CHOICES).not.toContain('resident')
    expect(CLAIM_ROLE_CHOICES).toContain('grid_worker')
  })

  it('names what is wrong by the server’s field names', () => {
    const d = good()
    d.code = 'Bad'
    d.name_en = ' '
    d.group = '两\n行'
    d.claim_minutes = 0
    d.finish_minutes = 525_601
    d.claim_roles = []
    d.questions.push({ ...emptyQuestion(), code: 'source', label_zh: 'x', label_en: 'x' })
    d.questions.push({ ...emptyQuestion(), code: 'kinds', label_zh: 'x', label_en: 'x'.repeat(201), datatype: 'multivaluelist' })
    d.questions[0].values.push({ key: 'people', name: '' })
    expect(validateCategory(d)).toEqual({
      code: 'code',
      name_en: 'name',
      group: 'name',
      claim_minutes: 'minutes',
      finish_minutes: 'minutes',
      claim_roles: 'roles',
      'questions[0].values[1].key': 'duplicate',
      'questions[0].values[1].name': 'name',
      'questions[1].code': 'duplicate',
      'questions[2].label_en': 'label',
      'questions[2].values': 'noValues',
    })
    expect(validateCategory({ ...good(), claim_minutes: null }).claim_minutes).toBe('minutes')
    expect(validateCategory({ ...good(), claim_minutes: 1.5 }).claim_minutes).toBe('minutes')
    expect(validateCategory({ ...good(), claim_minutes: 525_600 })).toEqual({})
    expect(validateCategory({ ...good(), name_zh: '夜间\u0000噪音' }).name_zh).toBe('name')
    expect(validateCategory({ ...good(), name_en: 'Noise\tat night' }).name_en).toBe('name')
  })

  it('refuses a new code that is taken (saving would replace that category)', () => {
    expect(validateCategory(good(), ['noise.night']).code).toBe('taken')
    expect(validateCategory(good(), ['other'])).toEqual({})
  })

  it('counts questions and choices', () => {
    const d = good()
    d.questions = Array.from({ length: 21 }, (_, i) => ({ ...emptyQuestion(), code: `q${i}`, label_zh: 'x', label_en: 'x' }))
    expect(validateCategory(d).questions).toBe('questions')
  })

  it('edits a copy and sends every field, trimmed, values only for lists', () => {
    const c = cat('noise.night', '噪音', { questions: Q })
    const d = draftOf(c)
    d.questions[0].values[0].name = 'changed'
    expect(Q[0].values[0].name).toBe('人员喧哗')
    d.name_zh = ' 夜间噪音 '
    d.questions[2].values = [{ key: 'stale', name: 'left from a list' }]
    const body = categoryBody(d)
    expect(body).not.toHaveProperty('code')
    expect(body.name_zh).toBe('夜间噪音')
    expect(body.questions?.[2].values).toEqual([])
    expect(body.questions?.[0].values?.[0]).toEqual({ key: 'people', name: 'changed' })
    expect(Object.keys(body).sort()).toEqual(
      ['active', 'claim_minutes', 'claim_roles', 'departments', 'finish_minutes', 'group', 'name_en', 'name_zh', 'photos_required', 'questions', 'triage'],
    )
  })

  it('puts the server’s 422 field next to the field of the form', () => {
    const d = good()
    expect(fieldOfServer('claim_minutes', d)).toBe('claim_minutes')
    expect(fieldOfServer('questions[0].label_en', d)).toBe('questions[0].label_en')
    expect(fieldOfServer('questions[0].values', d)).toBe('questions[0].values')
    expect(fieldOfServer('questions[0]', d)).toBe('questions[0].code')
    expect(fieldOfServer('questions[0].datatype', d)).toBe('questions[0].datatype')
    expect(fieldOfServer('questions[5].code', d)).toBeNull()
    expect(fieldOfServer('something', d)).toBeNull()
    expect(fieldOfServer(undefined, d)).toBeNull()
  })
})

describe('the reporter’s page', () => {
  it('asks whether it is solved only while it may be confirmed', () => {
    expect(asksVerify('completed')).toBe(true)
    for (const s of ['open', 'claimed', 'verified', 'closed', null, undefined] as const) expect(asksVerify(s)).toBe(false)
  })

  it('shows the work’s photos once it is done', () => {
    expect(workDone('completed')).toBe(true)
    expect(workDone('closed')).toBe(true)
    expect(workDone('claimed')).toBe(false)
    expect(workDone(null)).toBe(false)
  })

  it('reads the standing rating from the steps’ details', () => {
    expect(standingRating([])).toBeNull()
    const rated = [
      { at: 1, step: 'completed' as const, note: 'done', details: {} },
      { at: 2, step: 'rated' as const, note: '很好', details: { stars: 4 } },
    ]
    expect(standingRating(rated)).toEqual({ stars: 4, comment: '很好' })
    expect(standingRating([...rated, { at: 3, step: 'reopened' as const, note: '又坏了', details: {} }])).toBeNull()
    expect(standingRating([{ at: 2, step: 'rated' as const, note: '', details: { stars: 9 } }])).toBeNull()
    expect(standingRating([{ at: 2, step: 'rated' as const, note: '' }])).toBeNull()
  })
})

describe('Open311 clients', () => {
  const client = (id: number, extra: Partial<Open311Client> = {}): Open311Client => ({
    id,
    name: `c${id}`,
    contact: '',
    key_hint: 'abcd',
    created_by: 1,
    created_at: id * 1000,
    revoked_at: null,
    ...extra,
  })

  it('checks the name and contact as the server does', () => {
    expect(clientErrors({ name: 'FixMyStreet', contact: '' })).toEqual({})
    expect(clientErrors({ name: ' a ', contact: '' })).toEqual({ name: 'name' })
    expect(clientErrors({ name: 'x'.repeat(CLIENT_NAME_MAX + 1), contact: 'y'.repeat(201) })).toEqual({ name: 'name', contact: 'contact' })
    expect(clientErrors({ name: '热线', contact: '' })).toEqual({})
  })

  it('sends the trimmed name, and the contact when given', () => {
    expect(clientBody({ name: ' 热线 ', contact: '  ' })).toEqual({ name: '热线' })
    expect(clientBody({ name: '热线', contact: ' 张三 ' })).toEqual({ name: '热线', contact: '张三' })
  })

  it('lists working keys first, newest first, then the revoked', () => {
    const list = [client(1), client(2, { revoked_at: 5000 }), client(3), client(4, { revoked_at: 9000 })]
    expect(sortClients(list).map((c) => c.id)).toEqual([3, 1, 4, 2])
    expect(upsertClient(list, client(1, { revoked_at: 10 })).find((c) => c.id === 1)?.revoked_at).toBe(10)
    expect(upsertClient(list, client(5)).map((c) => c.id)).toEqual([1, 2, 3, 4, 5])
  })
})
