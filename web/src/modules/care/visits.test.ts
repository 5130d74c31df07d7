import { describe, expect, it } from 'vitest'
import { i18n } from '@/i18n'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import { CARE_VISIT_FLAGS, type CareVisit } from './types'
import {
  bloodPressure,
  checkState,
  DAY_MS,
  daysSince,
  daysUntilDue,
  emptyVisitForm,
  mergeDue,
  orderedFlags,
  overdueDays,
  visitBody,
  visitNodesOf,
} from './visits'
import { dueText, flagName, lastVisitText } from './words'

const NOW = 1_800_000_000_000

describe('the places a steward’s phone lists', () => {
  it('takes the care grants’ nodes, the widest only', () => {
    const grants = [
      { role: 'steward', scope: '/2/3/4/5/6' },
      { role: 'grid_worker', scope: '/2/3/4' },
      { role: 'steward', scope: '/2/3/4/5/7' },
      { role: 'steward', scope: '/2/9/10/11/12' },
      { role: 'resident', scope: '/2/3/4/5/6' },
      { role: 'volunteer', scope: '/2/3' },
      { role: 'district_admin', scope: '/' },
    ]
    expect(visitNodesOf(grants)).toEqual([
      { id: 4, path: '/2/3/4' },
      { id: 12, path: '/2/9/10/11/12' },
    ])
    expect(visitNodesOf([{ role: 'community_staff', scope: '/2/3' }, { role: 'steward', scope: '/2/3/4/5/6' }])).toEqual([{ id: 3, path: '/2/3' }])
    expect(visitNodesOf([{ role: 'resident', scope: '/2/3/4/5/6' }])).toEqual([])
  })
})

describe('the due list', () => {
  const due = (person_id: number, due_at: number, overdue: boolean) => ({ person_id, due_at, overdue })

  it('lists each elder once, the overdue first, then by due date', () => {
    const a = [due(1, NOW + DAY_MS, false), due(2, NOW - 3 * DAY_MS, true)]
    const b = [due(2, NOW - 3 * DAY_MS, true), due(3, NOW - DAY_MS, true), due(4, NOW + 2 * DAY_MS, false)]
    expect(mergeDue(a, b).map((d) => d.person_id)).toEqual([2, 3, 1, 4])
  })

  it('counts the days overdue and until due', () => {
    expect(overdueDays(NOW, NOW)).toBe(0)
    expect(overdueDays(NOW, NOW - 1)).toBe(0)
    expect(overdueDays(NOW - 1, NOW)).toBe(1)
    expect(overdueDays(NOW - DAY_MS, NOW)).toBe(1)
    expect(overdueDays(NOW - DAY_MS - 1, NOW)).toBe(2)
    expect(overdueDays(NOW - 3.5 * DAY_MS, NOW)).toBe(4)
    expect(daysUntilDue(NOW + 2.2 * DAY_MS, NOW)).toBe(3)
    expect(daysUntilDue(NOW - 1, NOW)).toBe(0)
    expect(daysSince(NOW - 2.9 * DAY_MS, NOW)).toBe(2)
    i18n.global.locale.value = 'zh-CN'
    expect(dueText({ due_at: NOW - 3.5 * DAY_MS, overdue: true }, NOW)).toBe('逾期 4 天')
    expect(dueText({ due_at: NOW - 1000, overdue: true }, NOW)).toBe('逾期 1 天')
    expect(dueText({ due_at: NOW + 2.2 * DAY_MS, overdue: false }, NOW)).toBe('3 天后到期')
    expect(dueText({ due_at: NOW + 3600_000, overdue: false }, NOW)).toBe('即将到期')
    expect(lastVisitText(null, NOW)).toBe('从未探访')
    expect(lastVisitText(NOW - 3600_000, NOW)).toBe('今天已探访')
    expect(lastVisitText(NOW - 5 * DAY_MS, NOW)).toBe('上次探访：5 天前')
  })
})

describe('the visit form', () => {
  it('sends what was filled in, and nothing else', () => {
    expect(visitBody('tok', emptyVisitForm())).toEqual({ body: { token: 'tok' } })
    const f = { ...emptyVisitForm(), person_id: 12, systolic: '150', diastolic: ' 88', pulse: '76', water: 'ok' as const, gas: 'bad' as const, note: '  精神不错 ' }
    expect(visitBody('tok', f)).toEqual({
      body: { token: 'tok', person_id: 12, systolic: 150, diastolic: 88, pulse: 76, water_ok: true, gas_ok: false, note: '精神不错' },
    })
  })

  it('checks the readings as the server does', () => {
    const err = (over: Partial<ReturnType<typeof emptyVisitForm>>) => {
      const r = visitBody('tok', { ...emptyVisitForm(), ...over })
      return 'error' in r ? r.error : null
    }
    expect(err({ pulse: '7x' })).toEqual({ key: 'number', field: 'pulse' })
    expect(err({ pulse: '19' })).toEqual({ key: 'range', field: 'pulse', params: { lo: 20, hi: 250 } })
    expect(err({ systolic: '261', diastolic: '80' })).toEqual({ key: 'range', field: 'systolic', params: { lo: 50, hi: 260 } })
    expect(err({ systolic: '120' })).toEqual({ key: 'bpBoth', field: 'diastolic' })
    expect(err({ diastolic: '80' })).toEqual({ key: 'bpBoth', field: 'systolic' })
    expect(err({ systolic: '80', diastolic: '80' })).toEqual({ key: 'bpOrder', field: 'diastolic' })
    expect(err({ note: '字'.repeat(334) })).toEqual({ key: 'noteTooLong', field: 'note' })
    expect(err({ systolic: '50', diastolic: '30', pulse: '250' })).toBeNull()
  })
})

describe('what a visit found', () => {
  const visit = (over: Partial<CareVisit> = {}): CareVisit => ({
    id: 3,
    person_id: 12,
    household_id: 5,
    path: '/2/3/4/5/6',
    visited_by: 6,
    visitor_name: '张敏',
    note: '',
    systolic: 150,
    diastolic: 55,
    pulse: 76,
    water_ok: true,
    power_ok: null,
    gas_ok: false,
    flags: ['gas', 'bp_low', 'bp_high'],
    at: NOW,
    ...over,
  })

  it('puts the flags in reading order and names them', () => {
    expect(orderedFlags(visit().flags)).toEqual(['bp_high', 'bp_low', 'gas'])
    expect(orderedFlags(['new_flag', 'power'])).toEqual(['power', 'new_flag'])
    i18n.global.locale.value = 'zh-CN'
    expect(orderedFlags(visit().flags).map(flagName)).toEqual(['血压偏高', '血压偏低', '燃气异常'])
    expect(flagName('unknown')).toBe('unknown')
    for (const f of CARE_VISIT_FLAGS) {
      expect(en.care.visits.flags).toHaveProperty(f)
      expect(zhCN.care.visits.flags).toHaveProperty(f)
    }
  })

  it('reads the checks and the blood pressure', () => {
    const v = visit()
    expect([checkState(v.water_ok), checkState(v.power_ok), checkState(v.gas_ok)]).toEqual(['ok', 'none', 'bad'])
    expect(bloodPressure(v)).toBe('150/55')
    expect(bloodPressure(visit({ systolic: null, diastolic: null }))).toBe('')
  })
})
