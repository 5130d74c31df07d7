// Types of the work-order API (docs/reference/orders.md): categories, orders and their
// timelines, photos and reports, looked up by path in the generated OpenAPI types like those
// of src/api/types.ts.
import type { RequestOf, ResponseOf } from '@/api/types'

export type CategoryList = ResponseOf<'/api/categories', 'get'>
export type Category = CategoryList['items'][number]
export type CategoryQuestion = Category['questions'][number]
export type QuestionType = CategoryQuestion['datatype']

export type Order = ResponseOf<'/api/orders/{id}/claim', 'post'>
export type OrderList = ResponseOf<'/api/orders/pool', 'get'>
export type OrderDetail = ResponseOf<'/api/orders/{id}', 'get'>
export type OrderStep = OrderDetail['steps'][number]
export type OrderStatus = Order['status']
export type OrderLevel = Order['level']
export type OrderStepName = OrderStep['step']
/** A photo of an order: the report's, then the worker's evidence. */
export type OrderPhoto = OrderDetail['photos'][number]

export type PhotoUpload = ResponseOf<'/api/photos', 'post', 201>
export type Report = ResponseOf<'/api/reports', 'post', 201>
export type Photo = Report['photos'][number]
export type NewReport = RequestOf<'/api/reports', 'post'>
export type ReportStatus = Report['status']
export type ReportDetail = ResponseOf<'/api/reports/{id}', 'get'>
export type ReportList = ResponseOf<'/api/reports/mine', 'get'>
export type Nearby = ResponseOf<'/api/reports/nearby', 'get'>['items'][number]
export type Answers = NonNullable<NewReport['answers']>

export type VerifyRequest = RequestOf<'/api/orders/{id}/verify', 'post'>
export type RateRequest = RequestOf<'/api/orders/{id}/rate', 'post'>
export type CompleteRequest = RequestOf<'/api/orders/{id}/complete', 'post'>
export type OrderTransfer = RequestOf<'/api/orders/{id}/transfer', 'post'>
/** One step of a report's order as the reporter sees it (with its `details`). */
export type ReportStep = ReportDetail['timeline'][number]

/** The body of PUT /api/categories/{code} (district admins write a whole category; the code is
 *  the path's): every field of a category but its code. */
export type CategoryInput = RequestOf<'/api/categories/{code}', 'put'>
export type Department = Category['departments'][number]

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

export const ORDER_STATUSES = ['open', 'claimed', 'on_hold', 'completed', 'verified', 'closed'] as const
/** Fails to compile when ORDER_STATUSES and the OpenAPI `OrderStatus` enum disagree. */
export const ORDER_STATUSES_MATCH_OPENAPI: Same<(typeof ORDER_STATUSES)[number], OrderStatus> = true

export const ORDER_STEPS = [
  'created',
  'claimed',
  'escalated',
  'returned',
  'held',
  'resumed',
  'completed',
  'verified',
  'rated',
  'reopened',
  'joined',
  'sent_back',
  'transferred',
  'commented',
] as const
export const ORDER_STEPS_MATCH_OPENAPI: Same<(typeof ORDER_STEPS)[number], OrderStepName> = true

export const QUESTION_TYPES = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] as const
export const QUESTION_TYPES_MATCH_OPENAPI: Same<(typeof QUESTION_TYPES)[number], QuestionType> = true

export const DEPARTMENTS = ['property_company', 'school', 'shop', 'clinic', 'social_org', 'company', 'other'] as const
export const DEPARTMENTS_MATCH_OPENAPI: Same<(typeof DEPARTMENTS)[number], Department> = true

export const REPORT_STATUSES = ['triage', 'ordered', 'rejected'] as const
export const REPORT_STATUSES_MATCH_OPENAPI: Same<(typeof REPORT_STATUSES)[number], ReportStatus> = true
