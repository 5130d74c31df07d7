// Types of the codes API (docs/reference/codes.md), looked up by path in the generated
// OpenAPI types like those of src/api/types.ts.
import type { RequestOf, ResponseOf } from '@/api/types'

export type Code = ResponseOf<'/api/codes/{token}/revoke', 'post'>
export type CodePage = ResponseOf<'/api/codes', 'get'>
export type CodeKind = Code['kind']
export type CodeResolution = ResponseOf<'/api/codes/{token}', 'get'>
export type CodeAction = CodeResolution['actions'][number]
/** A person on a staff view (masked). */
export type CodePerson = NonNullable<Extract<CodeResolution, { view: 'staff' }>['household']>['persons'][number]
export type CheckinRequest = NonNullable<RequestOf<'/api/codes/{token}/checkins', 'post'>>
export type CheckinResult = ResponseOf<'/api/codes/{token}/checkins', 'post', 201>
export type CodeStats = ResponseOf<'/api/code-stats', 'get'>
export type Place = ResponseOf<'/api/places/{id}', 'get'>
export type PlacePage = ResponseOf<'/api/places', 'get'>
export type PlaceKind = Place['kind']
export type NewPlace = RequestOf<'/api/places', 'post'>
export type PlaceChange = RequestOf<'/api/places/{id}', 'patch'>
export type CodePrint = ResponseOf<'/api/code-prints/{id}', 'get'>
export type CodePrintPage = ResponseOf<'/api/code-prints', 'get'>
export type NewCodePrint = RequestOf<'/api/code-prints', 'post'>
export type PrintLayout = CodePrint['layout']

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

export const CODE_KINDS = [
  'household',
  'building',
  'compound',
  'stall',
  'facility',
  'function_room',
  'checkpoint',
] as const
/** Fails to compile when CODE_KINDS and the OpenAPI `CodeKind` enum disagree. */
export const CODE_KINDS_MATCH_OPENAPI: Same<(typeof CODE_KINDS)[number], CodeKind> = true

export const PLACE_KINDS = ['stall', 'facility', 'function_room', 'checkpoint'] as const
export const PLACE_KINDS_MATCH_OPENAPI: Same<(typeof PLACE_KINDS)[number], PlaceKind> = true

export const PRINT_LAYOUTS = ['door_plate', 'sticker'] as const
export const PRINT_LAYOUTS_MATCH_OPENAPI: Same<(typeof PRINT_LAYOUTS)[number], PrintLayout> = true
