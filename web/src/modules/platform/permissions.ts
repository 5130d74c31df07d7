// What the console offers to whom: the server's rules (src/modules/*/permissions.cpp), read
// from the caller's grants, so a button shows only when the server would allow its action.
// The server still decides; these only keep the screens from offering what it would refuse.

/** A role granted at a territory path (the scope). */
export interface GrantLike {
  role: string
  scope?: string | null
}

/** The levels of the territory tree, top down. */
export const NODE_KINDS = ['district', 'street', 'community', 'grid', 'compound', 'building'] as const
export type Kind = (typeof NODE_KINDS)[number]

/** The roles that write the registry (and reveal), and those that shape grids and hand out roles. */
export const REGISTRY_WRITER_ROLES = ['district_admin', 'street_staff', 'community_staff', 'grid_worker']
export const STAFF_ROLES = ['district_admin', 'street_staff', 'community_staff']
/** Roles community staff may grant within their community; street staff these and STREET_GRANTABLE. */
export const COMMUNITY_GRANTABLE = [
  'grid_worker',
  'steward',
  'resident',
  'committee_member',
  'volunteer',
  'vendor',
  'teacher',
  'doctor',
]
export const STREET_GRANTABLE = ['community_staff', 'mediator', 'inspector']

/** "/1/2" covers "/1/2" and "/1/2/5" but not "/1/23"; "/" covers everything. */
export function scopeCovers(scope: string, path: string): boolean {
  if (scope === '/') return true
  if (!path.startsWith(scope)) return false
  return path.length === scope.length || scope.endsWith('/') || path[scope.length] === '/'
}

/** Holds `role` with a scope that covers `path`. */
export function hasRole(grants: readonly GrantLike[], role: string, path: string): boolean {
  return grants.some((g) => g.role === role && scopeCovers(g.scope ?? '/', path))
}

export function hasAnyRole(grants: readonly GrantLike[], roles: readonly string[]): boolean {
  return grants.some((g) => roles.includes(g.role))
}

/** The path of a node's parent ("/" for a street, null for the root). */
export function parentPath(path: string): string | null {
  if (path === '/') return null
  const cut = path.lastIndexOf('/')
  return cut <= 0 ? '/' : path.slice(0, cut)
}

/** The kind one level below (null for a building). */
export function childKind(kind: string): Kind | null {
  const i = NODE_KINDS.indexOf(kind as Kind)
  return i >= 0 && i + 1 < NODE_KINDS.length ? NODE_KINDS[i + 1] : null
}

/** The kind one level above (null for the district). */
export function parentKind(kind: string): Kind | null {
  const i = NODE_KINDS.indexOf(kind as Kind)
  return i > 0 ? NODE_KINDS[i - 1] : null
}

/** May add children to this node (territory can_manage_children). */
export function canManageChildren(grants: readonly GrantLike[], node: { kind: string; path: string }): boolean {
  if (childKind(node.kind) === null) return false
  const k = node.kind
  if (hasRole(grants, 'district_admin', node.path)) return true
  if (['street', 'community', 'grid', 'compound'].includes(k) && hasRole(grants, 'street_staff', node.path)) return true
  return ['community', 'grid', 'compound'].includes(k) && hasRole(grants, 'community_staff', node.path)
}

/** May rename this node: whoever may manage its parent's children; the root, admins at "/". */
export function canRename(grants: readonly GrantLike[], node: { kind: string; path: string }): boolean {
  const pp = parentPath(node.path)
  const pk = parentKind(node.kind)
  if (pp === null || pk === null) return hasRole(grants, 'district_admin', '/')
  return canManageChildren(grants, { kind: pk, path: pp })
}

/** May import grid shapes (the server checks each feature's place). */
export function canShapeGrids(grants: readonly GrantLike[]): boolean {
  return hasAnyRole(grants, STAFF_ROLES)
}

/** May upload and apply a roster (some registry-writing role). */
export function canImportRoster(grants: readonly GrantLike[]): boolean {
  return hasAnyRole(grants, REGISTRY_WRITER_ROLES)
}

/** May grant (or revoke) `role` at `scope` (accounts can_grant). */
export function canGrant(grants: readonly GrantLike[], role: string, scope: string): boolean {
  if (hasRole(grants, 'district_admin', scope)) return true
  if (COMMUNITY_GRANTABLE.includes(role) && hasRole(grants, 'community_staff', scope)) return true
  return (
    (COMMUNITY_GRANTABLE.includes(role) || STREET_GRANTABLE.includes(role)) && hasRole(grants, 'street_staff', scope)
  )
}

/** The roles this caller may grant somewhere, in the order of `all`. */
export function grantableRoles(grants: readonly GrantLike[], all: readonly string[]): string[] {
  const roles = grants.map((g) => g.role)
  if (roles.includes('district_admin')) return [...all]
  return all.filter(
    (r) =>
      (COMMUNITY_GRANTABLE.includes(r) && (roles.includes('community_staff') || roles.includes('street_staff'))) ||
      (STREET_GRANTABLE.includes(r) && roles.includes('street_staff')),
  )
}

/** May browse the audit log: district admins at "/". */
export function canReadAudit(grants: readonly GrantLike[]): boolean {
  return hasRole(grants, 'district_admin', '/')
}

/** Code managers (docs/reference/codes.md): issue, revoke, rotate and print codes in scope. */
export const CODE_MANAGER_ROLES = ['district_admin', 'street_staff', 'community_staff', 'grid_worker']
/** Those who may list and render codes: the managers and stewards. */
export const CODE_READER_ROLES = [...CODE_MANAGER_ROLES, 'steward']

/** Holds one of `roles` with a scope covering `path` ("/" when no path: anywhere at all). */
function hasAnyRoleAt(grants: readonly GrantLike[], roles: readonly string[], path: string | null): boolean {
  return grants.some((g) => roles.includes(g.role) && (path === null || scopeCovers(g.scope ?? '/', path)))
}

/** May issue, revoke, rotate and print codes at `path` (null: somewhere). */
export function canManageCodes(grants: readonly GrantLike[], path: string | null): boolean {
  return hasAnyRoleAt(grants, CODE_MANAGER_ROLES, path)
}

/** May list and render codes (and see scan figures) at `path` (null: somewhere). */
export function canListCodes(grants: readonly GrantLike[], path: string | null): boolean {
  return hasAnyRoleAt(grants, CODE_READER_ROLES, path)
}

/** The level of the node at `path`: the tree's levels are fixed, so its depth tells
 *  ("/" the district, "/2" a street, …). Null past a building. */
export function kindAtPath(path: string): Kind | null {
  const depth = path === '/' ? 0 : path.split('/').length - 1
  return depth < NODE_KINDS.length ? NODE_KINDS[depth] : null
}

/** May create and change places on this node: whoever may add children to it or to its
 *  parent (the organisations' rule). */
export function canShapePlaces(grants: readonly GrantLike[], node: { kind: string; path: string }): boolean {
  if (canManageChildren(grants, node)) return true
  const pp = parentPath(node.path)
  const pk = parentKind(node.kind)
  return pp !== null && pk !== null && canManageChildren(grants, { kind: pk, path: pp })
}

/** May open the code scanner: a signed-in account with any grant. */
export function canScan(grants: readonly GrantLike[]): boolean {
  return grants.length > 0
}

/** May change an organisation, and so add and remove its members: the organisations' rule
 *  (see canShapePlaces) on the node it belongs to, whose level its path tells. */
export function canChangeOrganisation(grants: readonly GrantLike[], org: { path: string }): boolean {
  const kind = kindAtPath(org.path)
  return kind !== null && canShapePlaces(grants, { kind, path: org.path })
}
