import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { backoffMs, parseLiveEvent } from './live'
import { LIVE_EVENTS_MAX, useLiveStore } from '@/stores/live'
import { layoutForRoles } from '@/router/layouts'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'

beforeEach(() => setActivePinia(createPinia()))

describe('live events', () => {
  it('parses the data line of an SSE event', () => {
    const data = '{"id":42,"type":"session.created","subject":"account:1","scope":"/","created_at":1764300000000,"payload":{"account_id":1}}'
    expect(parseLiveEvent('session.created', data, '42')).toMatchObject({ id: 42, type: 'session.created', created_at: 1764300000000 })
    expect(parseLiveEvent('x', 'not json', '1')).toBeNull()
    expect(parseLiveEvent('account.created', '{"payload":{}}', '7')).toMatchObject({ id: 7, type: 'account.created' })
  })

  it('keeps the newest events, without duplicates, and the highest id', () => {
    const live = useLiveStore()
    for (let id = 1; id <= LIVE_EVENTS_MAX + 20; id++) live.push({ id, type: 't', created_at: 0 })
    live.push({ id: 50, type: 't', created_at: 0 })
    live.push({ id: LIVE_EVENTS_MAX + 20, type: 't', created_at: 0 })
    expect(live.events).toHaveLength(LIVE_EVENTS_MAX)
    expect(live.events[0].id).toBe(LIVE_EVENTS_MAX + 20)
    expect(live.events.at(-1)?.id).toBe(21)
    expect(live.lastEventId).toBe(LIVE_EVENTS_MAX + 20)
  })

  it('backs off exponentially up to 30 s', () => {
    const full = () => 1
    expect([1, 2, 3, 4, 5, 6, 7, 10].map((n) => backoffMs(n, full))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ])
    expect(backoffMs(1, () => 0)).toBe(500)
  })

  it('labels the points events in both languages', () => {
    for (const type of ['points.proposed', 'points.voted', 'points.rejected', 'points.posted', 'points.catalog_changed',
      'points.goods_changed', 'points.redeemed', 'points.redemption_closed', 'points.appealed', 'points.appeal_decided']) {
      const key = type.replace(/\./g, '_')
      expect(en.live.types).toHaveProperty(key)
      expect(zhCN.live.types).toHaveProperty(key)
    }
  })
})

describe('layout by role', () => {
  it('sends staff to the desktop and everyone else to the phone', () => {
    expect(layoutForRoles(['district_admin'])).toBe('desktop')
    expect(layoutForRoles(['resident', 'mediator'])).toBe('desktop')
    expect(layoutForRoles(['resident'])).toBe('phone')
    expect(layoutForRoles(['grid_worker', 'volunteer'])).toBe('phone')
    expect(layoutForRoles([])).toBe('phone')
  })
})
