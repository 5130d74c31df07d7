// The logic of the station's rooms (功能室, docs/reference/care.md "The station's rooms"), kept
// apart from the components so it is tested alone. The server keeps a room's hours as minutes
// of the day on the UTC+8 clock (480 = 08:00) and its open days as ISO weekdays in order
// ("12345"); slots are asked for by a UTC+8 date ("YYYY-MM-DD"), whatever the device's zone.
import type { CareBooking, CareSlot } from './types'

export const MINUTE_MS = 60_000
export const DAY_MS = 86_400_000
/** The station's clock: UTC+8 (China has one zone and no summer time). */
export const SHIFT_MS = 8 * 3_600_000

// Hours -----------------------------------------------------------------------------------------

/** Minutes of the day as "HH:MM" (1440 is "24:00", the end of the day). */
export function minutesToClock(m: number): string {
  if (!Number.isFinite(m)) return ''
  const v = Math.max(0, Math.min(1440, Math.round(m)))
  return `${String(Math.floor(v / 60)).padStart(2, '0')}:${String(v % 60).padStart(2, '0')}`
}

/** "HH:MM" (or "H:MM") as minutes of the day; "24:00" is 1440; null for anything else. */
export function clockToMinutes(s: string): number | null {
  const m = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(s)
  if (!m) return null
  const h = Number(m[1])
  const min = Number(m[2])
  if (min > 59) return null
  if (h === 24 && min === 0) return 1440
  if (h > 23) return null
  return h * 60 + min
}

/** The slots opening hours hold: each start, in minutes of the day. */
export function slotStarts(opens: number, closes: number, slotMinutes: number): number[] {
  const out: number[] = []
  if (slotMinutes <= 0) return out
  for (let m = opens; m + slotMinutes <= closes; m += slotMinutes) out.push(m)
  return out
}

/** What is wrong with a room's hours (an i18n key under `care.rooms.errors`), or null. */
export function hoursProblem(opens: number | null, closes: number | null, slotMinutes: number): string | null {
  if (opens === null || closes === null) return 'clock'
  if (slotMinutes < 15 || slotMinutes > 480) return 'slotMinutes'
  if (closes <= opens) return 'order'
  if (opens + slotMinutes > closes) return 'noSlot'
  return null
}

// Weekdays --------------------------------------------------------------------------------------

/** ISO weekdays: 1 = Monday … 7 = Sunday. */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const

/** "135" → [1, 3, 5] (anything but 1–7 ignored, each once, in order). */
export function daysToList(days: string): number[] {
  return WEEKDAYS.filter((d) => days.includes(String(d)))
}

/** [5, 1, 3, 3] → "135": the server's form, in order, each once. */
export function listToDays(list: readonly number[]): string {
  return WEEKDAYS.filter((d) => list.includes(d)).join('')
}

/** The open days in short: `every` (all seven), `weekdays` (1–5), `weekend` (6, 7), a run
 *  `{from, to}` (three or more days in a row), or the days one by one. */
export type DaysShape =
  | { kind: 'every' }
  | { kind: 'weekdays' }
  | { kind: 'weekend' }
  | { kind: 'none' }
  | { kind: 'range'; from: number; to: number }
  | { kind: 'list'; days: number[] }

export function daysShape(days: string): DaysShape {
  const l = daysToList(days)
  if (l.length === 0) return { kind: 'none' }
  if (l.length === 7) return { kind: 'every' }
  const s = l.join('')
  if (s === '12345') return { kind: 'weekdays' }
  if (s === '67') return { kind: 'weekend' }
  const run = l.every((d, i) => i === 0 || d === l[i - 1] + 1)
  if (run && l.length >= 3) return { kind: 'range', from: l[0], to: l[l.length - 1] }
  return { kind: 'list', days: l }
}

// The UTC+8 calendar ----------------------------------------------------------------------------

/** The UTC+8 date of a moment, "YYYY-MM-DD". */
export function localDate(ms: number): string {
  return new Date(ms + SHIFT_MS).toISOString().slice(0, 10)
}

/** The moment (UTC ms) a UTC+8 date begins; null for a malformed date. */
export function dayStart(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!m) return null
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return null
  return ms - SHIFT_MS
}

/** The ISO weekday (1 = Monday) of a UTC+8 date. */
export function weekdayOf(date: string): number | null {
  const start = dayStart(date)
  if (start === null) return null
  const d = new Date(start + SHIFT_MS).getUTCDay()
  return d === 0 ? 7 : d
}

/** A UTC+8 date `n` days after another. */
export function addDays(date: string, n: number): string {
  const start = dayStart(date)
  return start === null ? date : localDate(start + n * DAY_MS)
}

/** Today (UTC+8) and the `count - 1` days after it. */
export function nextDates(now: number, count: number): string[] {
  const today = localDate(now)
  return Array.from({ length: Math.max(0, count) }, (_, i) => addDays(today, i))
}

/** Whole days from today (UTC+8) to `date`: 0 today, 1 tomorrow, -1 yesterday. */
export function daysFromToday(date: string, now: number): number | null {
  const a = dayStart(localDate(now))
  const b = dayStart(date)
  return a === null || b === null ? null : Math.round((b - a) / DAY_MS)
}

/** A moment's time of day on the UTC+8 clock, "HH:MM". */
export function localClock(ms: number): string {
  return new Date(ms + SHIFT_MS).toISOString().slice(11, 16)
}

/** "MM-DD" of a UTC+8 date. */
export const monthDay = (date: string) => date.slice(5)

/** The room is open on a UTC+8 date. */
export function openOn(days: string, date: string): boolean {
  const w = weekdayOf(date)
  return w !== null && days.includes(String(w))
}

// Slots and bookings ----------------------------------------------------------------------------

/** Places left in a slot (never below zero). */
export const placesLeft = (s: Pick<CareSlot, 'capacity' | 'booked'>) => Math.max(0, s.capacity - s.booked)

/** Why a slot cannot be booked, as an i18n key under `care.rooms.why` (null when it can). */
export function whyNotKey(s: { bookable: boolean; why_not?: string | null }): string | null {
  if (s.bookable) return null
  return s.why_not === 'past' || s.why_not === 'full' || s.why_not === 'window' ? s.why_not : 'other'
}

/** The caller's booking of the slot that starts at `startsAt` in `roomId`, still standing. */
export function bookingAt<T extends Pick<CareBooking, 'room_id' | 'starts_at' | 'status'>>(
  bookings: readonly T[],
  roomId: number,
  startsAt: number,
): T | null {
  return bookings.find((b) => b.room_id === roomId && b.starts_at === startsAt && b.status !== 'cancelled') ?? null
}

/** A booking may be cancelled: still booked, and its slot has not begun. */
export const mayCancel = (b: Pick<CareBooking, 'status' | 'starts_at'>, now: number) => b.status === 'booked' && b.starts_at > now

/** A booking may be checked in now: booked, from 15 minutes before its slot until it ends. */
export const CHECK_IN_EARLY_MS = 15 * MINUTE_MS
export const mayCheckIn = (b: Pick<CareBooking, 'status' | 'starts_at' | 'ends_at'>, now: number) =>
  b.status === 'booked' && b.starts_at - CHECK_IN_EARLY_MS <= now && now < b.ends_at

/** A booking's state for people: its status, or `missed` for one booked whose slot has ended,
 *  `ongoing` for one whose slot is on now. An i18n key under `care.rooms.status`. */
export function bookingState(b: { status: string; starts_at: number; ends_at: number }, now: number): string {
  if (b.status !== 'booked') return b.status
  if (now >= b.ends_at) return 'missed'
  if (now >= b.starts_at) return 'ongoing'
  return 'booked'
}

/** My bookings: those to come (the soonest first), then the past and cancelled (newest first). */
export function sortBookings<T extends Pick<CareBooking, 'id' | 'status' | 'starts_at' | 'ends_at'>>(items: readonly T[], now: number): T[] {
  const coming = (b: T) => b.status !== 'cancelled' && b.ends_at > now
  return [...items].sort((a, b) => {
    const ca = coming(a)
    const cb = coming(b)
    if (ca !== cb) return Number(cb) - Number(ca)
    return ca ? a.starts_at - b.starts_at || a.id - b.id : b.starts_at - a.starts_at || b.id - a.id
  })
}
