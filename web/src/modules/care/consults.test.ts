import { describe, expect, it } from 'vitest'
import { i18n } from '@/i18n'
import {
  communityOfPath,
  consultEventFor,
  consultOfSubject,
  descriptionProblem,
  doctorNodesOf,
  fromWallClock,
  isOpenConsult,
  mayCancelConsult,
  mayCompleteConsult,
  mayScheduleConsult,
  mergeConsults,
  notesProblem,
  scopeUnder,
  sortForDoctor,
  toWallClock,
  topicProblem,
  wallText,
  whenProblem,
} from './consults'
import { consultModeName, consultStatusName, orderStatusName, serviceKindName, whenText } from './words'

/** 2026-12-04 (a Friday) 00:00 in UTC+8 = 2026-12-03 16:00 UTC. */
const FRI = Date.UTC(2026, 11, 3, 16, 0)
const H = 3_600_000
const MIN = 60_000

describe('what may be done to a consultation', () => {
  it('is open while requested or scheduled', () => {
    expect(['requested', 'scheduled', 'done', 'cancelled'].map((status) => isOpenConsult({ status }))).toEqual([true, true, false, false])
    expect(['requested', 'scheduled', 'done', 'cancelled'].map((status) => mayScheduleConsult({ status }))).toEqual([true, true, false, false])
    expect(['requested', 'scheduled', 'done', 'cancelled'].map((status) => mayCancelConsult({ status }))).toEqual([true, true, false, false])
  })

  it('is finished by any doctor while requested, else by the doctor it is scheduled with', () => {
    expect(mayCompleteConsult({ status: 'requested', doctor_id: null }, 15)).toBe(true)
    expect(mayCompleteConsult({ status: 'scheduled', doctor_id: 15 }, 15)).toBe(true)
    expect(mayCompleteConsult({ status: 'scheduled', doctor_id: 16 }, 15)).toBe(false)
    expect(mayCompleteConsult({ status: 'scheduled', doctor_id: 15 }, null)).toBe(false)
    expect(mayCompleteConsult({ status: 'done', doctor_id: 15 }, 15)).toBe(false)
  })
})

describe('the forms', () => {
  it('checks a topic, notes and a time as the server does', () => {
    expect(topicProblem('  ')).toBe('topicEmpty')
    expect(topicProblem('头晕')).toBeNull()
    expect(topicProblem('晕'.repeat(333))).toBeNull()
    expect(topicProblem('晕'.repeat(334))).toBe('topicLong')
    expect(notesProblem('')).toBe('notesEmpty')
    expect(notesProblem('a'.repeat(4000))).toBeNull()
    expect(notesProblem('a'.repeat(4001))).toBe('notesLong')
    expect(whenProblem(null, FRI)).toBeNull()
    expect(whenProblem(null, FRI, true)).toBe('whenEmpty')
    expect(whenProblem(FRI - 4 * MIN, FRI)).toBeNull()
    expect(whenProblem(FRI - 6 * MIN, FRI)).toBe('whenPast')
    expect(descriptionProblem('')).toBe('descriptionEmpty')
    expect(descriptionProblem('水'.repeat(1000))).toBeNull()
    expect(descriptionProblem('水'.repeat(1001))).toBe('descriptionLong')
  })

  it('types times on the station’s clock, whatever the device’s zone', () => {
    expect(toWallClock(FRI + 14.5 * H)).toBe('2026-12-04T14:30')
    expect(fromWallClock('2026-12-04T14:30')).toBe(FRI + 14.5 * H)
    expect(fromWallClock('2026-12-04T00:00')).toBe(FRI)
    for (const bad of ['', '2026-12-04', '2026-12-04 14:30', '2026-02-30T10:00', '2026-12-04T24:00', '2026-13-01T10:00'])
      expect(fromWallClock(bad)).toBeNull()
    expect(wallText(FRI + 9 * H)).toBe('12-04 09:00')
  })
})

describe('lists', () => {
  const c = (id: number, status: string, created_at: number, scheduled_at: number | null = null) => ({ id, status, created_at, scheduled_at })

  it('merges lists, each once, the newest first', () => {
    expect(mergeConsults([c(1, 'requested', 10), c(2, 'done', 30)], [c(2, 'done', 30), c(3, 'scheduled', 20)]).map((x) => x.id)).toEqual([2, 3, 1])
  })

  it('puts a doctor’s waiting ones first (oldest first), then the scheduled by time, then the closed', () => {
    const list = [c(1, 'done', 50), c(2, 'scheduled', 10, 900), c(3, 'requested', 40), c(4, 'scheduled', 20, 500), c(5, 'requested', 30), c(6, 'cancelled', 60)]
    expect(sortForDoctor(list).map((x) => x.id)).toEqual([5, 3, 4, 2, 6, 1])
  })

  it('finds a doctor’s places in the grants, the widest once', () => {
    const grants = [
      { role: 'doctor', scope: '/2/3' },
      { role: 'doctor', scope: '/2/3/4/8/9' },
      { role: 'resident', scope: '/2/5/6/7/8' },
      { role: 'steward', scope: '/2/5/6/7/8' },
      { role: 'doctor', scope: '/2/5' },
      { role: 'doctor', scope: '/' },
    ]
    expect(doctorNodesOf(grants)).toEqual([
      { id: 3, path: '/2/3' },
      { id: 5, path: '/2/5' },
    ])
    expect(doctorNodesOf([{ role: 'grid_worker', scope: '/2/3/4' }])).toEqual([])
  })

  it('reads a community from a path, an event’s scope and subject', () => {
    expect(communityOfPath('/2/3/4/8/9')).toBe(3)
    expect(communityOfPath('/2/3')).toBe(3)
    expect(communityOfPath('/2')).toBeNull()
    expect(scopeUnder('/2/3/4/8/9', '/2/3')).toBe(true)
    expect(scopeUnder('/2/3', '/2/3')).toBe(true)
    expect(scopeUnder('/2/33', '/2/3')).toBe(false)
    expect(scopeUnder('/2/3', '/')).toBe(true)
    expect(scopeUnder(undefined, '/2/3')).toBe(false)
    expect(consultEventFor({ consultation_id: 5, status: 'done' }, [4, 5])).toBe(true)
    expect(consultEventFor({ consultation_id: 6 }, [4, 5])).toBe(false)
    expect(consultEventFor(null, [4])).toBe(false)
    expect(consultOfSubject('care_consultation:12')).toBe(12)
    expect(consultOfSubject('care_alarm:12')).toBeNull()
  })
})

describe('words', () => {
  it('names the ways, statuses, kinds and work order states', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(consultModeName('online')).toBe('在线问诊')
    expect(consultStatusName('scheduled')).toBe('已约好时间')
    expect(consultStatusName('unknown')).toBe('unknown')
    expect(serviceKindName('utility_check')).toBe('水电气检查')
    expect(orderStatusName('open')).toBe('待抢单')
    expect(orderStatusName(null)).toBe('等待派单')
    expect(whenText(FRI + 14.5 * H, FRI)).toBe('今天 14:30')
    i18n.global.locale.value = 'en'
    expect(consultModeName('home')).toBe('Home visit')
    expect(serviceKindName('repair')).toBe('Home repair')
    i18n.global.locale.value = 'zh-CN'
  })
})
