// The care routes' refusals in words: the server's message states the reason (a slot full, a
// booking window, a reading out of range, a door with several elders, a cut-off passed, a dish
// sold out…), which the pages say in the user's language; a reason not mapped here is shown as
// the server gave it, and anything that is no refusal (no answer, a server error, too many
// tries) as every page says errors.
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
  // Meals.
  if (/^the cut-off has passed: orders are closed/.test(m)) return { key: 'cutoffPassed' }
  if (/^the cut-off has passed: the kitchen is cooking it/.test(m)) return { key: 'cutoffCooking' }
  if ((x = /^(.+) is sold out \((\d+) left\)/.exec(m))) return { key: 'soldOut', params: { dish: x[1], n: Number(x[2]) } }
  if (/^ordered from this menu already/.test(m)) return { key: 'orderedAlready' }
  if ((x = /^no (pickup|delivery) that day/.exec(m))) return { key: x[1] === 'pickup' ? 'noPickup' : 'noDelivery' }
  if (/^dish \d+ is not on this menu/.test(m)) return { key: 'notOnMenu' }
  if (/^no such menu/.test(m)) return { key: 'noMenu' }
  if (/^no such meal order/.test(m)) return { key: 'noMeal' }
  if ((x = /^the order is (\w+) already/.exec(m))) return { key: x[1] === 'served' ? 'mealServed' : 'mealCancelled' }
  if (/^the order changed meanwhile/.test(m)) return { key: 'changed' }
  if (/^the community has a menu that day already/.test(m)) return { key: 'menuExists' }
  if (/^the day has passed/.test(m)) return { key: 'dayPassed' }
  if (/^the cut-off must be before the end of the day/.test(m)) return { key: 'cutoffLate' }
  if (/^offer pick-up, delivery or both/.test(m)) return { key: 'ways' }
  if ((x = /^(.+) has (\d+) portions ordered already/.exec(m))) return { key: 'portionsOrdered', params: { dish: x[1], n: Number(x[2]) } }
  if ((x = /^(.+) has orders: it cannot be taken off the menu/.exec(m))) return { key: 'dishHasOrders', params: { dish: x[1] } }
  if ((x = /^orders use (pickup|delivery): it stays offered/.exec(m))) return { key: x[1] === 'pickup' ? 'pickupUsed' : 'deliveryUsed' }
  if ((x = /^the dish (.+) is on the menu twice/.exec(m))) return { key: 'dishTwice', params: { dish: x[1] } }
  if (/^community or street staff keep the menus/.test(m)) return { key: 'keepMenus' }
  // Consultations.
  if (/^5 consultations are open already/.test(m)) return { key: 'tooManyOpen' }
  if (/^(preferred_at|scheduled_at) has passed/.test(m)) return { key: 'whenPast' }
  if (/^topic must be/.test(m)) return { key: 'topic' }
  if (/^notes must be/.test(m)) return { key: 'notes' }
  if ((x = /^the consultation is (\w+) already/.exec(m))) return { key: x[1] === 'done' ? 'consultDone' : 'consultCancelled' }
  if (/^the consultation changed meanwhile/.test(m)) return { key: 'changed' }
  if (/^scheduled with another doctor/.test(m)) return { key: 'otherDoctor' }
  if (/^only a doctor over the elder does this/.test(m)) return { key: 'doctorOnly' }
  if (/^the elder, whoever asked, or a doctor cancels/.test(m)) return { key: 'cancelWho' }
  if (/^the topic and notes are for the elder and doctors/.test(m)) return { key: 'topicPrivate' }
  if (/^no such consultation/.test(m)) return { key: 'noConsult' }
  // Home services.
  if (/^description must be/.test(m)) return { key: 'description' }
  if (/^work orders are not wired/.test(m)) return { key: 'noOrders' }
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
