// The care routes (docs/reference/care.md) through the one HTTP wrapper. Requests whose errors
// a page or a dialog explains itself are made with `notify: false`.
import { apiFetch } from '@/api/fetch'
import type {
  CareAlarm,
  CareAlarmList,
  CareAlarmView,
  CareAssign,
  CareAssignment,
  CareAssignmentList,
  CareClose,
  CareDevice,
  CareDeviceList,
  CareDuty,
  CareDutyList,
  CareNewDevice,
  CareNewDuty,
  CareProfile,
  CareProfileChange,
  CareBooking,
  CareBookingList,
  CareNewRoom,
  CareNewVisit,
  CareRoom,
  CareRoomChange,
  CareRoomList,
  CareSlotList,
  CareVisit,
  CareVisitDueList,
  CareVisitList,
  CareConsultation,
  CareConsultationList,
  CareHomeService,
  CareHomeServiceList,
  CareKitchen,
  CareMeal,
  CareMealList,
  CareMenu,
  CareMenuChange,
  CareMenuList,
  CareNewConsultation,
  CareNewHomeService,
  CareNewMeal,
  CareNewMenu,
} from './types'

/** Page size asked for in lists (the server's largest is 200). */
export const PAGE = 50

// Alarms --------------------------------------------------------------------------------------

/** The one-key alarm: the elder presses (`drill` for a practice alarm). Errors are the page's. */
export const raiseAlarm = (drill = false) =>
  apiFetch<CareAlarm>('/api/care/alarms', { method: 'POST', body: drill ? { drill: true } : {}, notify: false })

export interface AlarmQuery {
  /** A street, community or building (staff over it); left out: the caller's own and those
   *  they were alerted to. */
  node_id?: number | null
  state?: 'active' | 'closed' | null
  drill?: boolean | null
  before?: number | null
  limit?: number
}

export function listAlarms(q: AlarmQuery = {}, notify = true) {
  return apiFetch<CareAlarmList>('/api/care/alarms', {
    query: {
      node_id: q.node_id ?? undefined,
      state: q.state ?? undefined,
      drill: q.drill === null || q.drill === undefined ? undefined : String(q.drill),
      before: q.before ?? undefined,
      limit: q.limit ?? PAGE,
    },
    notify,
  })
}

/** One alarm with the elder, the profile and the timeline; `reveal` unmasks (audited). */
export const getAlarm = (id: number, reveal = false) =>
  apiFetch<CareAlarmView>(`/api/care/alarms/${id}`, { query: { reveal: reveal ? 'true' : undefined }, notify: false })

export const acknowledgeAlarm = (id: number) =>
  apiFetch<CareAlarm>(`/api/care/alarms/${id}/acknowledge`, { method: 'POST', notify: false })

export const arriveAlarm = (id: number) => apiFetch<CareAlarm>(`/api/care/alarms/${id}/arrive`, { method: 'POST', notify: false })

export const closeAlarm = (id: number, body: CareClose) =>
  apiFetch<CareAlarm>(`/api/care/alarms/${id}/close`, { method: 'POST', body, notify: false })

// Stewards and duty ---------------------------------------------------------------------------

export const listStewards = (nodeId?: number | null) =>
  apiFetch<CareAssignmentList>('/api/care/stewards', { query: { node_id: nodeId ?? undefined }, notify: false }).then((l) => l.items)

export const assignStewards = (buildingId: number, body: CareAssign) =>
  apiFetch<CareAssignment>(`/api/care/stewards/${buildingId}`, { method: 'PUT', body, notify: false })

export const listDuty = (nodeId: number, from: number, to: number) =>
  apiFetch<CareDutyList>('/api/care/duty', { query: { node_id: nodeId, from, to }, notify: false }).then((l) => l.items)

export const addDuty = (body: CareNewDuty) => apiFetch<CareDuty>('/api/care/duty', { method: 'POST', body, notify: false })

export const removeDuty = (id: number) => apiFetch<void>(`/api/care/duty/${id}`, { method: 'DELETE', notify: false })

// Elders' profiles and devices ----------------------------------------------------------------

/** An elder's profile, masked unless revealed with a `reason` (4–200 characters, audited; the
 *  elder reads their own with `''`); 404 when there is none. */
export const getProfile = (personId: number, reason: string | null = null) =>
  apiFetch<CareProfile>(`/api/care/elders/${personId}`, {
    query: { reveal: reason !== null ? 'true' : undefined, reason: reason ? reason : undefined },
    notify: false,
  })

export const putProfile = (personId: number, body: CareProfileChange) =>
  apiFetch<CareProfile>(`/api/care/elders/${personId}`, { method: 'PUT', body, notify: false })

export const listDevices = (personId: number) =>
  apiFetch<CareDeviceList>('/api/care/devices', { query: { person_id: personId }, notify: false }).then((l) => l.items)

/** The answer carries the device's token once. */
export const registerDevice = (body: CareNewDevice) =>
  apiFetch<CareDevice>('/api/care/devices', { method: 'POST', body, notify: false })

export const revokeDevice = (id: number) => apiFetch<CareDevice>(`/api/care/devices/${id}/revoke`, { method: 'POST', notify: false })

// Visits (探访) -------------------------------------------------------------------------------

/** A visit, proven by the household's door code (`token`). Errors are the form's. */
export const recordVisit = (body: CareNewVisit) => apiFetch<CareVisit>('/api/care/visits', { method: 'POST', body, notify: false })

/** An elder's visits, newest first (`before`: the previous page's `next_before`). */
export const listVisits = (personId: number, before?: number | null, limit = PAGE) =>
  apiFetch<CareVisitList>('/api/care/visits', { query: { person_id: personId, before: before ?? undefined, limit }, notify: false })

/** The elders with a profile at a place (a street, community, grid, compound or building), by
 *  when their next visit is due; `overdue` only those overdue. Without a place (`null`): the
 *  elders of the buildings where the caller is steward or backup ("my elders"). */
export const listVisitsDue = (nodeId: number | null, overdue = false) =>
  apiFetch<CareVisitDueList>('/api/care/visits/due', { query: { node_id: nodeId ?? undefined, overdue: overdue ? 'true' : undefined }, notify: false }).then(
    (l) => l.items,
  )

// The station's rooms (功能室) and bookings -------------------------------------------------

/** A community's rooms (staff over it: all); residents leave `communityId` out: their own
 *  community's open rooms. */
export const listRooms = (communityId?: number | null) =>
  apiFetch<CareRoomList>('/api/care/rooms', { query: { community_id: communityId ?? undefined }, notify: false }).then((l) => l.items)

export const addRoom = (body: CareNewRoom) => apiFetch<CareRoom>('/api/care/rooms', { method: 'POST', body, notify: false })

export const changeRoom = (id: number, body: CareRoomChange) =>
  apiFetch<CareRoom>(`/api/care/rooms/${id}`, { method: 'PUT', body, notify: false })

/** A room's slots on a UTC+8 date ("YYYY-MM-DD"), with places left and whether I may book. */
export const listSlots = (roomId: number, date: string) =>
  apiFetch<CareSlotList>(`/api/care/rooms/${roomId}/slots`, { query: { date }, notify: false }).then((l) => l.items)

export const book = (roomId: number, startsAt: number) =>
  apiFetch<CareBooking>('/api/care/bookings', { method: 'POST', body: { room_id: roomId, starts_at: startsAt }, notify: false })

export const cancelBooking = (id: number) => apiFetch<CareBooking>(`/api/care/bookings/${id}/cancel`, { method: 'POST', notify: false })

/** Checks in the caller's booking at the room whose code was scanned (`token`). */
export const checkInBooking = (token: string) =>
  apiFetch<CareBooking>('/api/care/bookings/check-in', { method: 'POST', body: { token }, notify: false })

/** The caller's own bookings (from `from` on). */
export const myBookings = (from?: number) =>
  apiFetch<CareBookingList>('/api/care/bookings', { query: { from }, notify: false }).then((l) => l.items)

/** A room's bookings in `[from, to)`, for staff over it. */
export const roomBookings = (roomId: number, from: number, to: number) =>
  apiFetch<CareBookingList>('/api/care/bookings', { query: { room_id: roomId, from, to }, notify: false }).then((l) => l.items)

// Meals (助餐) ----------------------------------------------------------------------------------

/** A community's menus from `from` to `to` (UTC+8 days); residents leave `communityId` out: their
 *  own community's. */
export const listMenus = (q: { communityId?: number | null; from?: string; to?: string } = {}) =>
  apiFetch<CareMenuList>('/api/care/menus', {
    query: { community_id: q.communityId ?? undefined, from: q.from, to: q.to },
    notify: false,
  }).then((l) => l.items)

export const getMenu = (id: number) => apiFetch<CareMenu>(`/api/care/menus/${id}`, { notify: false })

export const addMenu = (body: CareNewMenu) => apiFetch<CareMenu>('/api/care/menus', { method: 'POST', body, notify: false })

export const changeMenu = (id: number, body: CareMenuChange) =>
  apiFetch<CareMenu>(`/api/care/menus/${id}`, { method: 'PUT', body, notify: false })

/** What the kitchen cooks for a menu (staff over the community). */
export const getKitchen = (menuId: number) => apiFetch<CareKitchen>(`/api/care/menus/${menuId}/kitchen`, { notify: false })

/** Orders a meal (for the caller's own person, or `person_id` for an elder). Errors are the form's. */
export const orderMeal = (body: CareNewMeal) => apiFetch<CareMeal>('/api/care/meals', { method: 'POST', body, notify: false })

/** A menu's orders (staff), or without `menuId` the caller's own and those they placed. */
export const listMeals = (menuId?: number | null) =>
  apiFetch<CareMealList>('/api/care/meals', { query: { menu_id: menuId ?? undefined }, notify: false }).then((l) => l.items)

export const cancelMeal = (id: number) => apiFetch<CareMeal>(`/api/care/meals/${id}/cancel`, { method: 'POST', body: {}, notify: false })

export const serveMeal = (id: number) => apiFetch<CareMeal>(`/api/care/meals/${id}/serve`, { method: 'POST', body: {}, notify: false })

// Doctor consultations (问诊) ------------------------------------------------------------------

export const askDoctor = (body: CareNewConsultation) =>
  apiFetch<CareConsultation>('/api/care/consultations', { method: 'POST', body, notify: false })

/** Under a place (care staff over it), or without one the caller's own, asked for, or scheduled
 *  with them. Lists carry no topic or notes. */
export const listConsultations = (q: { nodeId?: number | null; state?: 'open' | 'closed' | null } = {}) =>
  apiFetch<CareConsultationList>('/api/care/consultations', {
    query: { node_id: q.nodeId ?? undefined, state: q.state ?? undefined },
    notify: false,
  }).then((l) => l.items)

/** One consultation; `reveal` opens the topic and notes (the elder's own; a doctor's is audited). */
export const getConsultation = (id: number, reveal = false) =>
  apiFetch<CareConsultation>(`/api/care/consultations/${id}`, { query: { reveal: reveal ? 'true' : undefined }, notify: false })

export const scheduleConsultation = (id: number, scheduledAt: number) =>
  apiFetch<CareConsultation>(`/api/care/consultations/${id}/schedule`, { method: 'POST', body: { scheduled_at: scheduledAt }, notify: false })

export const completeConsultation = (id: number, notes: string) =>
  apiFetch<CareConsultation>(`/api/care/consultations/${id}/complete`, { method: 'POST', body: { notes }, notify: false })

export const cancelConsultation = (id: number, reason = '') =>
  apiFetch<CareConsultation>(`/api/care/consultations/${id}/cancel`, { method: 'POST', body: reason ? { reason } : {}, notify: false })

// Home services (居家服务) ----------------------------------------------------------------------

export const requestHomeService = (body: CareNewHomeService) =>
  apiFetch<CareHomeService>('/api/care/home-services', { method: 'POST', body, notify: false })

/** An elder's home services (`personId`), or the caller's own and those they asked for. */
export const listHomeServices = (personId?: number | null) =>
  apiFetch<CareHomeServiceList>('/api/care/home-services', { query: { person_id: personId ?? undefined }, notify: false }).then(
    (l) => l.items,
  )
