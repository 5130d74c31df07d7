import { describe, expect, it } from 'vitest'
import { i18n } from '@/i18n'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import {
  addDays,
  bookingAt,
  bookingState,
  clockToMinutes,
  dayStart,
  daysFromToday,
  daysShape,
  daysToList,
  hoursProblem,
  listToDays,
  localClock,
  localDate,
  mayCancel,
  mayCheckIn,
  minutesToClock,
  nextDates,
  openOn,
  placesLeft,
  slotStarts,
  sortBookings,
  weekdayOf,
  whyNotKey,
} from './rooms'
import { careErrorText, careReason } from './errors'
import { ApiError } from '@/api/fetch'
import { CARE_BOOKING_EVENT, CARE_VISIT_EVENT } from './types'
import { bookingWhen, dayLabel, daysText, hoursText, slotTime, whyNotText } from './words'

/** 2026-12-04 (a Friday) 00:00 in UTC+8 = 2026-12-03 16:00 UTC. */
const FRI = Date.UTC(2026, 11, 3, 16, 0)
const H = 3_600_000

describe('hours', () => {
  it('turns minutes of the day into HH:MM and back', () => {
    expect(minutesToClock(0)).toBe('00:00')
    expect(minutesToClock(480)).toBe('08:00')
    expect(minutesToClock(510)).toBe('08:30')
    expect(minutesToClock(1260)).toBe('21:00')
    expect(minutesToClock(1440)).toBe('24:00')
    expect(clockToMinutes('08:00')).toBe(480)
    expect(clockToMinutes('8:30')).toBe(510)
    expect(clockToMinutes(' 21:00 ')).toBe(1260)
    expect(clockToMinutes('24:00')).toBe(1440)
    for (const bad of ['24:30', '25:00', '8', '08:60', '0800', 'ab:cd', '']) expect(clockToMinutes(bad)).toBeNull()
    for (const m of [0, 15, 480, 1050, 1439, 1440]) expect(clockToMinutes(minutesToClock(m))).toBe(m)
  })

  it('lays out slots and checks the hours as the server does', () => {
    expect(slotStarts(480, 1260, 60)).toHaveLength(13)
    expect(slotStarts(510, 1050, 90).map(minutesToClock)).toEqual(['08:30', '10:00', '11:30', '13:00', '14:30', '16:00'])
    expect(slotStarts(480, 500, 60)).toEqual([])
    expect(hoursProblem(480, 1260, 60)).toBeNull()
    expect(hoursProblem(null, 1260, 60)).toBe('clock')
    expect(hoursProblem(600, 480, 60)).toBe('order')
    expect(hoursProblem(480, 500, 60)).toBe('noSlot')
    expect(hoursProblem(480, 1260, 10)).toBe('slotMinutes')
  })
})

describe('weekdays', () => {
  it('reads and writes the server’s day strings', () => {
    expect(daysToList('12345')).toEqual([1, 2, 3, 4, 5])
    expect(daysToList('7153')).toEqual([1, 3, 5, 7])
    expect(daysToList('')).toEqual([])
    expect(listToDays([5, 1, 3, 3])).toBe('135')
    expect(listToDays([7, 6, 5, 4, 3, 2, 1])).toBe('1234567')
    expect(listToDays([0, 8, 2])).toBe('2')
  })

  it('says the open days in short', () => {
    expect(daysShape('1234567')).toEqual({ kind: 'every' })
    expect(daysShape('12345')).toEqual({ kind: 'weekdays' })
    expect(daysShape('67')).toEqual({ kind: 'weekend' })
    expect(daysShape('2345')).toEqual({ kind: 'range', from: 2, to: 5 })
    expect(daysShape('135')).toEqual({ kind: 'list', days: [1, 3, 5] })
    expect(daysShape('')).toEqual({ kind: 'none' })
    i18n.global.locale.value = 'zh-CN'
    expect(daysText('1234567')).toBe('每天')
    expect(daysText('12345')).toBe('周一至周五')
    expect(daysText('135')).toBe('周一、周三、周五')
    expect(daysText('2345')).toBe('周二至周五')
    expect(hoursText({ opens: 480, closes: 1260, slot_minutes: 60 })).toBe('08:00–21:00 · 每场 60 分钟')
    i18n.global.locale.value = 'en'
    expect(daysText('135')).toBe('Mon, Wed, Fri')
    i18n.global.locale.value = 'zh-CN'
  })
})

describe('the UTC+8 calendar', () => {
  it('tells the station’s date whatever the device’s zone', () => {
    expect(localDate(FRI)).toBe('2026-12-04')
    expect(localDate(FRI - 1)).toBe('2026-12-03')
    // 23:30 UTC is already the next morning in UTC+8.
    expect(localDate(Date.UTC(2026, 11, 3, 23, 30))).toBe('2026-12-04')
    expect(dayStart('2026-12-04')).toBe(FRI)
    expect(dayStart('2026-02-30')).toBeNull()
    expect(dayStart('2026-1-4')).toBeNull()
    expect(weekdayOf('2026-12-04')).toBe(5)
    expect(weekdayOf('2026-12-06')).toBe(7)
    expect(weekdayOf('2026-12-07')).toBe(1)
    expect(localClock(FRI + 8 * H)).toBe('08:00')
    expect(localClock(FRI + 21 * H + 30 * 60_000)).toBe('21:30')
  })

  it('offers today and the days after it, across months', () => {
    expect(nextDates(FRI + 20 * H, 4)).toEqual(['2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07'])
    expect(nextDates(Date.UTC(2026, 11, 31, 12), 2)).toEqual(['2026-12-31', '2027-01-01'])
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29')
    expect(daysFromToday('2026-12-05', FRI + 23 * H)).toBe(1)
    expect(daysFromToday('2026-12-04', FRI + 1)).toBe(0)
    expect(daysFromToday('2026-12-03', FRI + 1)).toBe(-1)
  })

  it('knows the days a room is open', () => {
    expect(openOn('12345', '2026-12-04')).toBe(true)
    expect(openOn('12345', '2026-12-05')).toBe(false)
    expect(openOn('1234567', '2026-12-06')).toBe(true)
  })

  it('names the days of the picker', () => {
    i18n.global.locale.value = 'zh-CN'
    const now = FRI + 10 * H
    expect(dayLabel('2026-12-04', now)).toBe('今天')
    expect(dayLabel('2026-12-05', now)).toBe('明天')
    expect(dayLabel('2026-12-06', now)).toBe('后天')
    expect(dayLabel('2026-12-07', now)).toBe('周一 12-07')
  })
})

describe('slots and bookings', () => {
  const slot = (over = {}) => ({ starts_at: FRI + 8 * H, ends_at: FRI + 9 * H, capacity: 20, booked: 3, bookable: true, why_not: null, ...over })

  it('says what is left and why a slot cannot be booked', () => {
    expect(placesLeft(slot())).toBe(17)
    expect(placesLeft(slot({ booked: 25 }))).toBe(0)
    expect(whyNotKey(slot())).toBeNull()
    expect(whyNotKey(slot({ bookable: false, why_not: 'full' }))).toBe('full')
    expect(whyNotKey(slot({ bookable: false, why_not: 'something' }))).toBe('other')
    i18n.global.locale.value = 'zh-CN'
    expect(whyNotText(slot({ bookable: false, why_not: 'past' }))).toBe('已过')
    expect(whyNotText(slot({ bookable: false, why_not: 'full' }))).toBe('已满')
    expect(whyNotText(slot({ bookable: false, why_not: 'window' }))).toBe('超出可预约天数')
    expect(whyNotText(slot())).toBe('')
    expect(slotTime(slot())).toBe('08:00–09:00')
    expect(bookingWhen(slot())).toBe('12-04 周五 08:00–09:00')
  })

  const booking = (id: number, startH: number, status: 'booked' | 'cancelled' | 'checked_in' = 'booked') => ({
    id,
    room_id: 1,
    starts_at: FRI + startH * H,
    ends_at: FRI + (startH + 1) * H,
    status,
  })

  it('finds my booking of a slot, and says what may be done with it', () => {
    const list = [booking(1, 8, 'cancelled'), booking(2, 9)]
    expect(bookingAt(list, 1, FRI + 8 * H)).toBeNull()
    expect(bookingAt(list, 1, FRI + 9 * H)?.id).toBe(2)
    expect(bookingAt(list, 2, FRI + 9 * H)).toBeNull()
    const b = booking(3, 10)
    expect(mayCancel(b, FRI + 9 * H)).toBe(true)
    expect(mayCancel(b, FRI + 10 * H)).toBe(false)
    expect(mayCancel(booking(4, 10, 'cancelled'), FRI)).toBe(false)
    expect(mayCheckIn(b, FRI + 9 * H + 44 * 60_000)).toBe(false)
    expect(mayCheckIn(b, FRI + 9 * H + 45 * 60_000)).toBe(true)
    expect(mayCheckIn(b, FRI + 11 * H)).toBe(false)
    expect(bookingState(b, FRI)).toBe('booked')
    expect(bookingState(b, FRI + 10.5 * H)).toBe('ongoing')
    expect(bookingState(b, FRI + 11 * H)).toBe('missed')
    expect(bookingState(booking(5, 10, 'checked_in'), FRI + 11 * H)).toBe('checked_in')
  })

  it('lists the bookings to come first, the soonest first', () => {
    const now = FRI + 12 * H
    const list = [booking(1, 8), booking(2, 15), booking(3, 13, 'cancelled'), booking(4, 14), booking(5, 10, 'checked_in')]
    expect(sortBookings(list, now).map((b) => b.id)).toEqual([4, 2, 3, 5, 1])
  })
})

describe('refusals', () => {
  it('says the server’s reasons in words', () => {
    i18n.global.locale.value = 'zh-CN'
    expect(careReason('the slot is full')).toEqual({ key: 'full' })
    expect(careReason('you may book up to 3 days ahead (your points tier)')).toEqual({ key: 'window', params: { n: 3 } })
    expect(careReason('the slot has begun: it can no longer be cancelled')?.key).toBe('tooLateCancel')
    expect(careReason('the slot has begun already')?.key).toBe('begun')
    expect(careReason('not the start of a slot: the room is open 08:00–21:00 in slots of 60 minutes')).toEqual({
      key: 'notSlot',
      params: { opens: '08:00', closes: '21:00', n: 60 },
    })
    expect(careReason('several elders live here: name the person')?.key).toBe('severalElders')
    expect(careReason('something new')).toBeNull()
    expect(careErrorText(new ApiError(409, 'conflict', 'the slot is full'))).toBe('该时段已约满')
    expect(careErrorText(new ApiError(422, 'invalid_input', 'you may book up to 5 days ahead (your points tier)', 'starts_at'))).toBe(
      '最多可预约今天及之后 5 天（按您的积分等级）',
    )
    expect(careErrorText(new ApiError(422, 'invalid_input', 'pulse must be 20 to 250', 'pulse'))).toBe('脉搏应在 20–250 之间')
    // Unmapped refusals as the server gave them; no answer as every page says it.
    expect(careErrorText(new ApiError(409, 'conflict', 'a brand new reason'))).toBe('a brand new reason')
    expect(careErrorText(new ApiError(0, 'network', 'TypeError'))).not.toBe('TypeError')
    expect(careErrorText(new ApiError(401, 'unauthenticated', 'sign in'))).toBe('')
  })

  it('has every reason in both languages', () => {
    const keys = ['full', 'window', 'tooLateCancel', 'begun', 'closedDay', 'notSlot', 'already', 'noRoom', 'unlinked', 'bookingCancelled',
      'bookingCheckedIn', 'changed', 'noBooking', 'noBookingNow', 'notBookableRoom', 'notRoomCode', 'scanRoom', 'scanDoor', 'notDoor',
      'noteTooLong', 'readingRange', 'bpBoth', 'bpOrder', 'notCareStaff', 'notYourHousehold', 'notBehindDoor', 'noElder', 'severalElders',
      'noCode', 'codeGone', 'roomName', 'capacity', 'slotMinutes', 'hoursOrder', 'noWholeSlot', 'days', 'placeTaken', 'keepRooms',
      'noCommunity', 'notFound']
    for (const k of keys) {
      expect(en.care.errors).toHaveProperty(k)
      expect(zhCN.care.errors).toHaveProperty(k)
    }
  })

  it('labels the visit and booking events in both languages', () => {
    for (const type of [CARE_VISIT_EVENT, CARE_BOOKING_EVENT]) {
      const key = type.replace(/\./g, '_')
      expect(en.live.types).toHaveProperty(key)
      expect(zhCN.live.types).toHaveProperty(key)
    }
  })
})
