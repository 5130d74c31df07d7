// Types of the care API (docs/reference/care.md): alarms and their timeline, stewards, duty,
// elder profiles and devices, visits, the station's rooms and their bookings, meals,
// consultations and home services — the generated OpenAPI schemas.
import type { components } from '@/api/schema'
import type { CONSULT_MODES, CONSULT_STATUSES, HOME_SERVICE_KINDS } from './consults'
import type { MEAL_STATUSES, MealMode } from './meals'

type S = components['schemas']

export type CareAlarm = S['CareAlarm']
export type CareAlarmList = S['CareAlarmList']
export type CareAlarmView = S['CareAlarmView']
export type CareAlarmStep = S['CareAlarmStep']
export type CareStepKind = CareAlarmStep['kind']
export type CareAlarmStatus = S['CareAlarmStatus']
export type CareAlarmOutcome = S['CareAlarmOutcome']
export type CareClose = S['CareClose']
export type CareRaise = Partial<S['CareRaise']>
export type CareElder = CareAlarmView['elder']
export type CareAssignment = S['CareAssignment']
export type CareAssignmentList = S['CareAssignmentList']
export type CareAssign = S['CareAssign']
export type CareDuty = S['CareDuty']
export type CareDutyList = S['CareDutyList']
export type CareNewDuty = S['CareNewDuty']
export type CareContact = S['CareContact']
export type CareProfile = S['CareProfile']
export type CareProfileChange = S['CareProfileChange']
export type CareDevice = S['CareDevice']
export type CareDeviceList = S['CareDeviceList']
export type CareNewDevice = S['CareNewDevice']
export type CareAlarmEvent = S['CareAlarmEvent']
export type CareEventType = CareAlarmEvent['type']
export type CareVisit = S['CareVisit']
export type CareVisitList = S['CareVisitList']
export type CareNewVisit = S['CareNewVisit']
export type CareVisitFlag = S['CareVisitFlag']
export type CareVisitDue = S['CareVisitDue']
export type CareVisitDueList = S['CareVisitDueList']
export type CareVisitEvent = S['CareVisitEvent']
export type CareRoom = S['CareRoom']
export type CareRoomList = S['CareRoomList']
/** A room changed (every field replaced); with `community_id` when added. */
export type CareRoomChange = Omit<S['CareRoomChange'], 'community_id'>
export type CareNewRoom = CareRoomChange & { community_id: number }
export type CareSlot = S['CareSlot']
export type CareSlotList = S['CareSlotList']
export type CareBooking = S['CareBooking']
export type CareBookingList = S['CareBookingList']
export type CareBookingStatus = CareBooking['status']
export type CareBookingEvent = S['CareBookingEvent']

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

export const CARE_STATUSES = ['open', 'acknowledged', 'arrived', 'closed'] as const
/** Fails to compile when CARE_STATUSES and the OpenAPI enum disagree. */
export const CARE_STATUSES_MATCH_OPENAPI: Same<(typeof CARE_STATUSES)[number], CareAlarmStatus> = true

export const CARE_OUTCOMES = ['resolved', 'false_alarm', 'hospital', 'other'] as const
export const CARE_OUTCOMES_MATCH_OPENAPI: Same<(typeof CARE_OUTCOMES)[number], CareAlarmOutcome> = true

export const CARE_EVENT_TYPES = [
  'care.alarm_raised',
  'care.alarm_pressed',
  'care.alarm_alert',
  'care.alarm_escalated',
  'care.alarm_acknowledged',
  'care.alarm_arrived',
  'care.alarm_closed',
] as const
export const CARE_EVENT_TYPES_MATCH_OPENAPI: Same<(typeof CARE_EVENT_TYPES)[number], CareEventType> = true

/** The care events that are not an alarm's: a visit recorded, a booking made or changed. */
export const CARE_VISIT_EVENT = 'care.visit_recorded'
export const CARE_BOOKING_EVENT = 'care.booking_changed'
export const CARE_VISIT_EVENT_MATCHES_OPENAPI: Same<typeof CARE_VISIT_EVENT, CareVisitEvent['type']> = true
export const CARE_BOOKING_EVENT_MATCHES_OPENAPI: Same<typeof CARE_BOOKING_EVENT, CareBookingEvent['type']> = true

export const CARE_BOOKING_STATUSES = ['booked', 'cancelled', 'checked_in'] as const
export const CARE_BOOKING_STATUSES_MATCH_OPENAPI: Same<(typeof CARE_BOOKING_STATUSES)[number], CareBookingStatus> = true

export const CARE_SLOT_REASONS = ['past', 'full', 'window'] as const
export const CARE_SLOT_REASONS_MATCH_OPENAPI: Same<(typeof CARE_SLOT_REASONS)[number], NonNullable<CareSlot['why_not']>> = true

export const CARE_VISIT_FLAGS = ['bp_high', 'bp_low', 'pulse_high', 'pulse_low', 'water', 'power', 'gas'] as const
export const CARE_VISIT_FLAGS_MATCH_OPENAPI: Same<(typeof CARE_VISIT_FLAGS)[number], CareVisitFlag> = true

export const CARE_STEP_KINDS = ['raised', 'pressed', 'alerted', 'skipped', 'escalated', 'acknowledged', 'arrived', 'closed'] as const
export const CARE_STEP_KINDS_MATCH_OPENAPI: Same<(typeof CARE_STEP_KINDS)[number], CareStepKind> = true

export type CareMenu = S['CareMenu']
export type CareMenuItem = S['CareMenuItem']
export type CareMenuList = S['CareMenuList']
export type CareMenuChange = S['CareMenuChange']
export type CareNewMenu = S['CareNewMenu']
export type CareKitchen = S['CareKitchen']
export type CareMeal = S['CareMeal']
export type CareMealLine = S['CareMealLine']
export type CareMealList = S['CareMealList']
export type CareNewMeal = S['CareNewMeal']
export type CareMealStatus = CareMeal['status']
export type CareMealEvent = S['CareMealEvent']
export type CareConsultation = S['CareConsultation']
export type CareConsultationList = S['CareConsultationList']
export type CareConsultationStatus = CareConsultation['status']
export type CareConsultationMode = S['CareConsultationMode']
export type CareNewConsultation = S['CareNewConsultation']
export type CareConsultationEvent = S['CareConsultationEvent']
export type CareConsultationRequestEvent = S['CareConsultationRequestEvent']
export type CareHomeService = S['CareHomeService']
export type CareHomeServiceList = S['CareHomeServiceList']
export type CareHomeServiceKind = S['CareHomeServiceKind']
export type CareNewHomeService = S['CareNewHomeService']

/** The events of meals and consultations: an order changed, a consultation changed, a
 *  consultation asked of a doctor (addressed). */
export const CARE_MEAL_EVENT = 'care.meal_changed'
export const CARE_CONSULTATION_EVENT = 'care.consultation_changed'
export const CARE_CONSULTATION_REQUEST = 'care.consultation_request'
export const CARE_MEAL_EVENT_MATCHES_OPENAPI: Same<typeof CARE_MEAL_EVENT, CareMealEvent['type']> = true
export const CARE_CONSULTATION_EVENT_MATCHES_OPENAPI: Same<typeof CARE_CONSULTATION_EVENT, CareConsultationEvent['type']> = true
export const CARE_CONSULTATION_REQUEST_MATCHES_OPENAPI: Same<typeof CARE_CONSULTATION_REQUEST, CareConsultationRequestEvent['type']> = true

export const CARE_MEAL_STATUSES_MATCH_OPENAPI: Same<(typeof MEAL_STATUSES)[number], CareMealStatus> = true
export const CARE_MEAL_MODES_MATCH_OPENAPI: Same<MealMode, CareMeal['mode']> = true
export const CARE_CONSULT_MODES_MATCH_OPENAPI: Same<(typeof CONSULT_MODES)[number], CareConsultationMode> = true
export const CARE_CONSULT_STATUSES_MATCH_OPENAPI: Same<(typeof CONSULT_STATUSES)[number], CareConsultationStatus> = true
export const CARE_HOME_SERVICE_KINDS_MATCH_OPENAPI: Same<(typeof HOME_SERVICE_KINDS)[number], CareHomeServiceKind> = true
