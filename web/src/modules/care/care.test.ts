import { describe, expect, it } from 'vitest'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import { i18n } from '@/i18n'
import { CONSOLE_SCREENS, screensFor } from '@/router/console-nav'
import type { LiveEvent } from '@/api/types'
import {
  alarmNodesOf,
  alertedOf,
  alertKey,
  applyCareEvent,
  applyCareEvents,
  careEventOf,
  currentOwnAlarm,
  elderStage,
  eventUnder,
  formatCountdown,
  isAlertedTo,
  isMobile,
  levelKey,
  mayRaise,
  mayRespond,
  mergeAlarms,
  msLeft,
  myAlertLevel,
  nodeIdOfPath,
  ownedBy,
  ownerName,
  ringsFor,
  sortAlarms,
} from './care'
import { CARE_EVENT_TYPES, type CareAlarm, type CareAlarmStep, type CareAlarmView } from './types'
import { alarmOfSubject } from '@/modules/platform/inbox'
import { alertedNames, levelLine, levelName, outcomeName, stageText, stepName, stepNote } from './words'

function alarm(over: Partial<CareAlarm> = {}): CareAlarm {
  return {
    id: 7,
    person_id: 12,
    household_id: 5,
    building_id: 6,
    community_id: 3,
    path: '/2/3/4/5/6',
    source: 'button',
    device_id: null,
    drill: false,
    status: 'open',
    level: 0,
    round: 0,
    due_at: 1_000_060_000,
    presses: 1,
    acknowledged_by: null,
    acknowledged_at: null,
    arrived_at: null,
    outcome: null,
    note: '',
    closed_by: null,
    closed_at: null,
    created_at: 1_000_000_000,
    joined: false,
    ...over,
  }
}

let stepId = 0
function step(kind: CareAlarmStep['kind'], level: number, account_id: number | null, account_name = ''): CareAlarmStep {
  return { id: ++stepId, at: 1_000_000_000 + stepId, kind, level, account_id, account_name, note: '' }
}

function view(a: Partial<CareAlarm>, timeline: CareAlarmStep[]): CareAlarmView {
  return { alarm: alarm(a), elder: { name: '刘桂兰', address: '1号楼-1单元-101室', floor: 1, phone: '139****0006' }, profile: null, timeline }
}

function event(type: string, payload: Record<string, unknown>, id = 1, scope = '/2/3/4/5/6'): LiveEvent {
  return { id, type, subject: `care_alarm:${payload.alarm_id}`, scope, created_at: 0, payload }
}

const payload = (over: Record<string, unknown> = {}) => ({
  alarm_id: 7,
  status: 'open',
  level: 0,
  round: 0,
  drill: false,
  community_id: 3,
  building_id: 6,
  due_at: 1_000_060_000,
  ...over,
})

describe('who sees what', () => {
  it('offers the console screen to community and street staff and district admins', () => {
    expect(CONSOLE_SCREENS.some((s) => s.name === 'c-care' && s.path === 'care')).toBe(true)
    for (const r of ['community_staff', 'street_staff', 'district_admin']) expect(screensFor([r]).map((s) => s.name)).toContain('c-care')
    for (const r of ['resident', 'steward', 'grid_worker', 'committee_member']) expect(screensFor([r]).map((s) => s.name)).not.toContain('c-care')
  })

  it('lets residents raise and staff respond', () => {
    expect(mayRaise([{ role: 'resident', scope: '/2/3/4/5/6' }])).toBe(true)
    expect(mayRaise([{ role: 'steward', scope: '/2/3/4/5/6' }])).toBe(false)
    expect(mayRespond([{ role: 'steward', scope: '/2/3/4/5/6' }])).toBe(true)
    expect(mayRespond([{ role: 'grid_worker', scope: '/2/3/4' }])).toBe(true)
    expect(mayRespond([{ role: 'resident', scope: '/2/3/4/5/6' }])).toBe(false)
  })

  it('lists a responder’s places the alarm list takes: streets, communities, buildings', () => {
    expect(nodeIdOfPath('/2/3/4')).toBe(4)
    expect(nodeIdOfPath('/')).toBeNull()
    expect(
      alarmNodesOf([
        { role: 'steward', scope: '/2/3/4/5/6' },
        { role: 'grid_worker', scope: '/2/3/4' },
        { role: 'community_staff', scope: '/2/3' },
        { role: 'street_staff', scope: '/2' },
        { role: 'resident', scope: '/2/3/4/5/9' },
        { role: 'district_admin', scope: '/' },
        { role: 'steward', scope: '/2/3/4/5/6' },
      ]),
    ).toEqual([6, 3, 2])
  })
})

describe('levels and countdowns', () => {
  it('names each level', () => {
    expect([0, 1, 2, 3, 4].map(levelKey)).toEqual(['steward', 'backup', 'community', 'street', 'street'])
    i18n.global.locale.value = 'zh-CN'
    expect(levelName(0)).toBe('楼栋管家')
    expect(levelName(2)).toBe('社区值班员')
    expect(levelLine(1)).toBe('第 2 级 · 备岗管家')
    expect(outcomeName('false_alarm')).toBe('误报')
    expect(outcomeName(null)).toBe('')
    expect(stepName({ kind: 'alerted', level: 3 })).toBe('通知街道值班人员')
    expect(stepNote({ kind: 'closed', level: 0, note: 'hospital：已送区医院' })).toBe('已送医：已送区医院')
    expect(stepNote({ kind: 'closed', level: 0, note: 'false_alarm' })).toBe('误报')
    expect(stepNote({ kind: 'skipped', level: 1, note: '无人可通知：备岗管家' })).toBe('无人可通知：备岗管家')
    expect(stepNote({ kind: 'escalated', level: 1, note: 'late_ms=3' })).toBe('')
  })

  it('formats countdowns, rounding seconds up', () => {
    expect(formatCountdown(60_000)).toBe('1:00')
    expect(formatCountdown(59_001)).toBe('1:00')
    expect(formatCountdown(59_000)).toBe('0:59')
    expect(formatCountdown(5_000)).toBe('0:05')
    expect(formatCountdown(1)).toBe('0:01')
    expect(formatCountdown(0)).toBe('0:00')
    expect(formatCountdown(-3000)).toBe('0:00')
    expect(formatCountdown(null)).toBe('0:00')
    expect(formatCountdown(3_723_000)).toBe('1:02:03')
    expect(formatCountdown(12 * 60_000 + 5_000)).toBe('12:05')
  })

  it('tells the time left until the deadline', () => {
    expect(msLeft(alarm({ due_at: 1000 }), 400)).toBe(600)
    expect(msLeft(alarm({ due_at: null }), 400)).toBeNull()
  })
})

describe('which alarms are mine', () => {
  const timeline = [step('raised', 0, 9, '刘桂兰'), step('alerted', 0, 6, '张敏'), step('skipped', 1, null), step('escalated', 1, null), step('alerted', 2, 4, '社区干部')]

  it('knows who was alerted', () => {
    const v = view({ level: 2 }, timeline)
    expect(isAlertedTo(v, 6)).toBe(true)
    expect(isAlertedTo(v, 4)).toBe(true)
    expect(isAlertedTo(v, 9)).toBe(false)
    expect(isAlertedTo(v, null)).toBe(false)
    expect(alertedOf(v.timeline)).toEqual([
      { account_id: 6, name: '张敏', level: 0 },
      { account_id: 4, name: '社区干部', level: 2 },
    ])
    expect(alertedNames(v)).toBe('张敏、社区干部')
  })

  it('rings only for an open alarm whose current level alerted me', () => {
    expect(ringsFor(view({ level: 2 }, timeline), 4)).toBe(true)
    // The steward was alerted at level 0; the alarm has moved on to level 2.
    expect(ringsFor(view({ level: 2 }, timeline), 6)).toBe(false)
    expect(ringsFor(view({ level: 0 }, timeline.slice(0, 2)), 6)).toBe(true)
    expect(ringsFor(view({ level: 0, status: 'acknowledged', due_at: null, acknowledged_by: 5 }, timeline.slice(0, 2)), 6)).toBe(false)
    expect(ringsFor(view({ level: 0 }, timeline.slice(0, 2)), null)).toBe(false)
  })

  it('tells the level I was alerted at', () => {
    const v = view({ level: 2 }, timeline)
    expect(myAlertLevel(v, 6)).toBe(0)
    expect(myAlertLevel(v, 4)).toBe(2)
    expect(myAlertLevel(v, 9)).toBeNull()
    expect(myAlertLevel(v, null)).toBeNull()
  })

  it('keys an alert by alarm, level and round', () => {
    expect(alertKey(alarm({ id: 3, level: 3, round: 2 }))).toBe('3:3:2')
    expect(alertKey(alarm({ id: 3, level: 3, round: 2 }))).not.toBe(alertKey(alarm({ id: 3, level: 3, round: 3 })))
  })

  it('names the owner', () => {
    const acked = view({ status: 'acknowledged', acknowledged_by: 6, due_at: null }, [...timeline.slice(0, 2), step('acknowledged', 0, 6, '楼栋管家张敏')])
    expect(ownerName(acked)).toBe('楼栋管家张敏')
    expect(ownedBy(acked.alarm, 6)).toBe(true)
    expect(ownedBy(acked.alarm, 4)).toBe(false)
    expect(ownedBy(acked.alarm, null)).toBe(false)
    // Closed unacknowledged: the closer owns it; their name comes from their step.
    const closed = view({ status: 'closed', acknowledged_by: 4, due_at: null }, [...timeline, step('closed', 2, 4, '社区干部')])
    expect(ownerName(closed)).toBe('社区干部')
    expect(ownerName(view({}, timeline))).toBeNull()
  })

  it('sorts and merges lists: active first, newest first, each once', () => {
    const a = alarm({ id: 1 })
    const b = alarm({ id: 2, status: 'closed' })
    const c = alarm({ id: 3 })
    expect(sortAlarms([a, b, c]).map((x) => x.id)).toEqual([3, 1, 2])
    const merged = mergeAlarms([a, c], [alarm({ id: 1, status: 'acknowledged' }), b])
    expect(merged.map((x) => x.id)).toEqual([3, 1, 2])
    expect(merged.find((x) => x.id === 1)?.status).toBe('acknowledged')
  })

  it('picks the elder’s alarm to show: a real one before a drill', () => {
    const items = [alarm({ id: 1, drill: true }), alarm({ id: 2 }), alarm({ id: 3, status: 'closed' })]
    expect(currentOwnAlarm(items)?.id).toBe(2)
    expect(currentOwnAlarm([alarm({ id: 1, drill: true }), alarm({ id: 4, drill: true })])?.id).toBe(4)
    expect(currentOwnAlarm([alarm({ id: 3, status: 'closed' })])).toBeNull()
    expect(currentOwnAlarm([alarm({ id: 5, person_id: 99 })], 12)).toBeNull()
  })
})

describe('what the elder is told', () => {
  it('moves from calling to escalating to someone coming, arrived and done', () => {
    i18n.global.locale.value = 'zh-CN'
    const base = [step('raised', 0, 9), step('alerted', 0, 6, '楼栋管家张敏')]
    expect(elderStage(view({}, base)).key).toBe('calling')
    expect(stageText(view({}, base))).toBe('已呼叫 · 正在通知楼栋管家')
    expect(stageText(view({ level: 1 }, base))).toBe('正在通知备岗管家')
    expect(stageText(view({ level: 3, round: 1 }, base))).toBe('正在通知街道值班人员（第 2 轮）')
    const acked = [...base, step('acknowledged', 0, 6, '楼栋管家张敏')]
    expect(stageText(view({ status: 'acknowledged', acknowledged_by: 6, due_at: null }, acked))).toBe('已有人响应：楼栋管家张敏，正在赶来')
    expect(stageText(view({ status: 'acknowledged', acknowledged_by: 6, due_at: null }, base.slice(0, 1)))).toBe('已有人响应，正在赶来')
    expect(stageText(view({ status: 'arrived', acknowledged_by: 6, due_at: null }, acked))).toBe('楼栋管家张敏 已到达')
    expect(stageText(view({ status: 'closed', outcome: 'resolved', due_at: null }, acked))).toBe('已结束')
    i18n.global.locale.value = 'en'
    expect(stageText(view({ level: 2 }, base))).toBe('Alerting the community duty officers')
    i18n.global.locale.value = 'zh-CN'
  })
})

describe('live events', () => {
  it('reads a care event', () => {
    const e = careEventOf(event('care.alarm_escalated', payload({ level: 1, due_at: 5 }), 40))
    expect(e).toMatchObject({ eventId: 40, type: 'care.alarm_escalated', alarmId: 7, status: 'open', level: 1, round: 0, drill: false, communityId: 3, buildingId: 6, dueAt: 5, scope: '/2/3/4/5/6' })
    expect(careEventOf(event('care.alarm_acknowledged', payload({ status: 'acknowledged', due_at: null })))?.dueAt).toBeNull()
    expect(careEventOf(event('points.posted', payload()))).toBeNull()
    expect(careEventOf(event('care.alarm_raised', { status: 'open' }))).toBeNull()
    expect(careEventOf(event('care.alarm_raised', payload({ status: 'weird' })))?.status).toBeNull()
  })

  it('moves an alarm along, never back', () => {
    const a = alarm()
    const up = applyCareEvent(a, careEventOf(event('care.alarm_escalated', payload({ level: 1, due_at: 9 })))!)
    expect(up).toMatchObject({ level: 1, due_at: 9, status: 'open' })
    // An older event (level 0) after the copy at level 1 changes nothing.
    const stale = careEventOf(event('care.alarm_raised', payload({ level: 0 })))!
    expect(applyCareEvent(up, stale)).toBe(up)
    const acked = applyCareEvent(up, careEventOf(event('care.alarm_acknowledged', payload({ status: 'acknowledged', level: 1, due_at: null })))!)
    expect(acked).toMatchObject({ status: 'acknowledged', due_at: null })
    // An escalation that raced the acknowledgement does not reopen it.
    expect(applyCareEvent(acked, careEventOf(event('care.alarm_escalated', payload({ level: 2, due_at: 10 })))!)).toBe(acked)
    // Another alarm's event leaves it alone.
    expect(applyCareEvent(a, careEventOf(event('care.alarm_closed', payload({ alarm_id: 8, status: 'closed' })))!)).toBe(a)
    // The top level's next round moves it on.
    const top = alarm({ level: 3, round: 0 })
    expect(applyCareEvent(top, careEventOf(event('care.alarm_escalated', payload({ level: 3, round: 1, due_at: 20 })))!)).toMatchObject({ round: 1, due_at: 20 })
  })

  it('moves a list, asks to refetch for alarms it does not hold, drops closed ones from an active list', () => {
    const list = [alarm({ id: 7 }), alarm({ id: 8 })]
    const events = [
      careEventOf(event('care.alarm_acknowledged', payload({ alarm_id: 7, status: 'acknowledged', due_at: null }), 1))!,
      careEventOf(event('care.alarm_raised', payload({ alarm_id: 9 }), 2))!,
      careEventOf(event('care.alarm_closed', payload({ alarm_id: 8, status: 'closed', due_at: null }), 3))!,
    ]
    const r = applyCareEvents(list, events, true)
    expect(r.items.map((a) => [a.id, a.status])).toEqual([[7, 'acknowledged']])
    expect(r.refetch).toBe(true)
    expect(r.changed).toEqual([7, 8])
    const kept = applyCareEvents(list, [events[2]], false)
    expect(kept.items.map((a) => a.status)).toEqual(['open', 'closed'])
    expect(kept.refetch).toBe(false)
    // A closed alarm the active list never held needs no refetch.
    expect(applyCareEvents([], [events[2]], true).refetch).toBe(false)
  })

  it('tells whether an event is under a place', () => {
    const e = careEventOf(event('care.alarm_raised', payload()))!
    expect(eventUnder(e, '/2/3')).toBe(true)
    expect(eventUnder(e, '/2/3/4/5/6')).toBe(true)
    expect(eventUnder(e, '/2/33')).toBe(false)
    expect(eventUnder(e, '/')).toBe(true)
    expect(eventUnder(e, null)).toBe(false)
  })

  it('labels the care events in both languages', () => {
    for (const type of CARE_EVENT_TYPES) {
      const key = type.replace(/\./g, '_')
      expect(en.live.types).toHaveProperty(key)
      expect(zhCN.live.types).toHaveProperty(key)
    }
  })
})

describe('the inbox', () => {
  it('tells the alarm a message is about', () => {
    expect(alarmOfSubject('care_alarm:12')).toBe(12)
    expect(alarmOfSubject('order:12')).toBeNull()
    expect(alarmOfSubject('care_alarm:x')).toBeNull()
  })
})

describe('forms', () => {
  it('accepts mainland mobiles as the server does', () => {
    expect(isMobile('13900000016')).toBe(true)
    expect(isMobile('+86 139-0000-0016')).toBe(true)
    expect(isMobile('8613900000016')).toBe(true)
    expect(isMobile('139****0016')).toBe(false)
    expect(isMobile('0571-8888888')).toBe(false)
  })
})
