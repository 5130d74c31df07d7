// The care routes' refusals in words: the server's message states the reason (a slot full, a
// booking window, a reading out of range, a door with several elders…), which the pages say in
// the user's language; a reason not mapped here is shown as the server gave it, and anything
// that is no refusal (no answer, a server error, too many tries) as every page says errors.
import { ApiError, describeError } from '@/api/fetch'
import { i18n } from '@/i18n'

/** A refusal's i18n key (under `care.errors`) and its parameters, or null when unmapped. */
export function careReason(message: string): { key: string; params?: Record<string, string | number> } | null {
  const m = message ?? ''
  let x: RegExpExecArray | null
  // Bookings.
  if (/^the slot is full/.test(m)) return { key: 'full' }
  if ((x = /^you may book up to (\d+) days? ahead/.exec(m))) return { key: 'window', params: { n: Number(x[1]) } }
  if (/^the slot has begun: it can no longer be cancelled/.test(m)) return { key: 'tooLateCancel' }
  if (/^the slot has begun/.test(m)) return { key: 'begun' }
  if (/^the room is closed that day/.test(m)) return { key: 'closedDay' }
  if ((x = /^not the start of a slot: the room is open (\d\d:\d\d)–(\d\d:\d\d) in slots of (\d+) minutes/.exec(m)))
    return { key: 'notSlot', params: { opens: x[1], closes: x[2], n: Number(x[3]) } }
  if (/^you have booked this slot already/.test(m)) return { key: 'already' }
  if (/^no such room in your community/.test(m)) return { key: 'noRoom' }
  if (/linked to no person/.test(m)) return { key: 'unlinked' }
  if ((x = /^the booking is (\w+) already/.exec(m))) return { key: x[1] === 'cancelled' ? 'bookingCancelled' : 'bookingCheckedIn' }
  if (/^the booking changed meanwhile/.test(m)) return { key: 'changed' }
  if (/^no such booking/.test(m)) return { key: 'noBooking' }
  if (/^you have no booking for this room now/.test(m)) return { key: 'noBookingNow' }
  if (/^this code is on no bookable room/.test(m)) return { key: 'notBookableRoom' }
  if (/^this is not a function room's code/.test(m)) return { key: 'notRoomCode' }
  if (/^scan the room's code/.test(m)) return { key: 'scanRoom' }
  // Visits.
  if (/^scan the household's door code/.test(m)) return { key: 'scanDoor' }
  if (/^this is not a household's door code/.test(m)) return { key: 'notDoor' }
  if (/^note must be at most/.test(m)) return { key: 'noteTooLong' }
  if ((x = /^(systolic|diastolic|pulse) must be (\d+) to (\d+)/.exec(m)))
    return { key: 'readingRange', params: { what: i18n.global.t(`care.visits.${x[1]}`), lo: Number(x[2]), hi: Number(x[3]) } }
  if (/^blood pressure is systolic and diastolic together/.test(m)) return { key: 'bpBoth' }
  if (/^systolic must be above diastolic/.test(m)) return { key: 'bpOrder' }
  if (/record visits$/.test(m)) return { key: 'notCareStaff' }
  if (/^no such household among yours/.test(m)) return { key: 'notYourHousehold' }
  if (/^the person does not live behind this door/.test(m)) return { key: 'notBehindDoor' }
  if (/^nobody behind this door has a care profile/.test(m)) return { key: 'noElder' }
  if (/^several elders live here/.test(m)) return { key: 'severalElders' }
  // Codes.
  if (/^no such code/.test(m)) return { key: 'noCode' }
  if (/^this code is no longer in use/.test(m)) return { key: 'codeGone' }
  // Rooms kept by staff.
  if (/^name must be one line/.test(m)) return { key: 'roomName' }
  if (/^capacity must be 1 to 500/.test(m)) return { key: 'capacity' }
  if (/^slot_minutes must be 15 to 480/.test(m)) return { key: 'slotMinutes' }
  if (/^closes must be after opens/.test(m)) return { key: 'hoursOrder' }
  if (/^opens must be minute/.test(m)) return { key: 'hoursOrder' }
  if (/^the opening hours hold no whole slot/.test(m)) return { key: 'noWholeSlot' }
  if (/^days must list ISO weekdays/.test(m)) return { key: 'days' }
  if (/^another room has this place's code/.test(m)) return { key: 'placeTaken' }
  if (/keep the rooms$/.test(m)) return { key: 'keepRooms' }
  if (/^no such community/.test(m)) return { key: 'noCommunity' }
  if (/^no such (place|person|room)$/.test(m)) return { key: 'notFound' }
  return null
}

/** Statuses whose message is a reason worth showing as given when it is not mapped. */
const REFUSALS = new Set([403, 404, 409, 410, 422])

/** A care request's error for people. A 401 is left to the wrapper (it goes to login): ''. */
export function careErrorText(err: unknown): string {
  if (!(err instanceof ApiError)) return describeError(err)
  if (err.status === 401) return ''
  const r = careReason(err.message)
  if (r) return i18n.global.t(`care.errors.${r.key}`, r.params ?? {})
  if (REFUSALS.has(err.status) && err.message && err.message !== err.code) return err.message
  return describeError(err)
}
