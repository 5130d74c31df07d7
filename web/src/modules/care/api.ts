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

/** An elder's profile, masked unless `reveal` (audited); 404 when there is none. */
export const getProfile = (personId: number, reveal = false) =>
  apiFetch<CareProfile>(`/api/care/elders/${personId}`, { query: { reveal: reveal ? 'true' : undefined }, notify: false })

export const putProfile = (personId: number, body: CareProfileChange) =>
  apiFetch<CareProfile>(`/api/care/elders/${personId}`, { method: 'PUT', body, notify: false })

export const listDevices = (personId: number) =>
  apiFetch<CareDeviceList>('/api/care/devices', { query: { person_id: personId }, notify: false }).then((l) => l.items)

/** The answer carries the device's token once. */
export const registerDevice = (body: CareNewDevice) =>
  apiFetch<CareDevice>('/api/care/devices', { method: 'POST', body, notify: false })

export const revokeDevice = (id: number) => apiFetch<CareDevice>(`/api/care/devices/${id}/revoke`, { method: 'POST', notify: false })
