// Types for the platform API, derived from the generated OpenAPI types (schema.d.ts,
// `npm run gen:api`). They are looked up by path and status, which the HTTP contract
// (docs/reference/platform.md) fixes, so they do not depend on how the OpenAPI document
// names its components.
import type { paths } from './schema'

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never
type GeoJson<T> = T extends { content: { 'application/geo+json': infer B } } ? B : never

/** The JSON body of a successful response to `method path` with `status`. */
export type ResponseOf<
  P extends keyof paths,
  M extends keyof paths[P],
  S extends number = 200,
> = paths[P][M] extends { responses: infer R } ? (S extends keyof R ? Json<R[S]> : never) : never

/** The GeoJSON body (`application/geo+json`) of a successful response. */
export type GeoResponseOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer R
}
  ? 200 extends keyof R
    ? GeoJson<R[200]>
    : never
  : never

/** The JSON request body of `method path`. */
export type RequestOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: infer B
}
  ? Json<NonNullable<B>>
  : never

export type Account = ResponseOf<'/api/accounts/{id}', 'get'>
export type Me = ResponseOf<'/api/me', 'get'>
export type LoginRequest = RequestOf<'/api/auth/login', 'post'>
export type LoginResponse = ResponseOf<'/api/auth/login', 'post'>
export type AccountPage = ResponseOf<'/api/accounts', 'get'>
export type RoleGrant = Account['roles'][number]
export type HouseholdPage = ResponseOf<'/api/households', 'get'>
export type HouseholdDetail = ResponseOf<'/api/households/{id}', 'get'>
export type Person = HouseholdDetail['persons'][number]
export type PersonRevealed = ResponseOf<'/api/persons/{id}/reveal', 'post'>
export type TerritoryNode = ResponseOf<'/api/nodes/{id}', 'get'>
export type NodePage = ResponseOf<'/api/nodes', 'get'>
export type NodeKind = TerritoryNode['kind']
export type GridCollection = GeoResponseOf<'/api/grids/geojson', 'get'>
export type GridFeature = GridCollection['features'][number]
export type GridImportReport = ResponseOf<'/api/grids/geojson', 'post'>
export type RosterImport = ResponseOf<'/api/roster/imports/{id}', 'get'>
export type RosterProblem = RosterImport['problems'][number]
export type AuditPage = ResponseOf<'/api/audit', 'get'>
export type AuditRecord = AuditPage['items'][number]
/** An organisation the signed-in account works for (GET /api/me `departments`). */
export type AccountDepartment = Me['departments'][number]
export type Organisation = ResponseOf<'/api/organisations/{id}', 'get'>
export type OrganisationPage = ResponseOf<'/api/organisations', 'get'>
export type OrganisationMembers = ResponseOf<'/api/organisations/{id}/members', 'get'>
export type OrganisationMember = OrganisationMembers['items'][number]
export type OrganisationMemberRequest = RequestOf<'/api/organisations/{id}/members', 'post'>

/** GET /api/persons: one found person with the household's address (until
 *  docs/openapi.yaml documents it). */
export type PersonFound = Person & { address: string }
/** GET /api/persons (until docs/openapi.yaml documents it). */
export interface PersonSearchPage {
  items: PersonFound[]
  next_after: number | null
  /** How `q` was matched: by name prefix, ID-card number or phone. */
  matched_by: string
}
/** The body of POST /api/accounts/{id}/grants (until docs/openapi.yaml documents it). */
export interface GrantRequest {
  role: RoleGrant['role']
  scope: string
}

/** Roles that may read the population registry (see docs/reference/platform.md). */
export const REGISTRY_READERS = ['district_admin', 'street_staff', 'community_staff', 'grid_worker', 'steward']

/** The body of POST /api/accounts as docs/openapi.yaml (CreateAccount) describes it. */
interface CreateAccountShape {
  username?: string
  phone?: string
  display_name: string
  password: string
  roles?: { role: RoleGrant['role']; scope?: string }[]
}
type CreateAccountGenerated = RequestOf<'/api/accounts', 'post'>
/** openapi-typescript turns the schema's "username or phone" rule (`anyOf` of two
 *  `required` lists) into `unknown`; when it does, the shape above stands in. */
export type CreateAccountRequest = unknown extends CreateAccountGenerated
  ? CreateAccountShape
  : CreateAccountGenerated

/** The error body every failing route returns. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string }
}

/** One event of the live stream (`GET /api/events`). */
export interface LiveEvent {
  id: number
  type: string
  subject?: string
  scope?: string
  created_at: number
  payload?: Record<string, unknown>
}

/** Roles (snake_case) as the server names them. */
export const ROLES = [
  'resident',
  'grid_worker',
  'steward',
  'community_staff',
  'street_staff',
  'district_admin',
  'committee_member',
  'mediator',
  'inspector',
  'vendor',
  'volunteer',
  'doctor',
  'teacher',
] as const
export type Role = (typeof ROLES)[number]

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
/** Fails to compile when ROLES and the OpenAPI `Role` enum disagree. */
export const ROLES_MATCH_OPENAPI: Same<Role, RoleGrant['role']> = true
