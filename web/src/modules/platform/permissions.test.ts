import { describe, expect, it } from 'vitest'
import {
  canChangeOrganisation,
  canGrant,
  canImportRoster,
  canListCodes,
  canManageChildren,
  canManageCodes,
  canReadAudit,
  canRename,
  canScan,
  canShapeGrids,
  canShapePlaces,
  grantableRoles,
  kindAtPath,
  parentPath,
  scopeCovers,
} from './permissions'

const admin = [{ role: 'district_admin', scope: '/' }]
const street = [{ role: 'street_staff', scope: '/2' }]
const community = [{ role: 'community_staff', scope: '/2/7' }]
const grid = [{ role: 'grid_worker', scope: '/2/7/30' }]
const resident = [{ role: 'resident', scope: '/2/7/30/40/41' }]

describe('console permissions (the server rules, read from grants)', () => {
  it('scopes cover themselves and what lies below, by whole segments', () => {
    expect(scopeCovers('/', '/5')).toBe(true)
    expect(scopeCovers('/1/2', '/1/2')).toBe(true)
    expect(scopeCovers('/1/2', '/1/2/5')).toBe(true)
    expect(scopeCovers('/1/2', '/1/23')).toBe(false)
    expect(scopeCovers('/1/2/5', '/1/2')).toBe(false)
    expect(parentPath('/1/2')).toBe('/1')
    expect(parentPath('/1')).toBe('/')
    expect(parentPath('/')).toBeNull()
  })

  it('adds children by level: admins anywhere, street staff from the street down, community staff from the community down', () => {
    const district = { kind: 'district', path: '/' }
    const s = { kind: 'street', path: '/2' }
    const c = { kind: 'community', path: '/2/7' }
    const b = { kind: 'building', path: '/2/7/30/40/41' }
    expect(canManageChildren(admin, district)).toBe(true)
    expect(canManageChildren(admin, b)).toBe(false)
    expect(canManageChildren(street, district)).toBe(false)
    expect(canManageChildren(street, s)).toBe(true)
    expect(canManageChildren(street, { kind: 'street', path: '/3' })).toBe(false)
    expect(canManageChildren(community, s)).toBe(false)
    expect(canManageChildren(community, c)).toBe(true)
    expect(canManageChildren(grid, { kind: 'grid', path: '/2/7/30' })).toBe(false)
  })

  it('renames a node when its parent may be managed; the district only as an admin at /', () => {
    expect(canRename(admin, { kind: 'district', path: '/' })).toBe(true)
    expect(canRename(street, { kind: 'street', path: '/2' })).toBe(false)
    expect(canRename(street, { kind: 'community', path: '/2/7' })).toBe(true)
    expect(canRename(community, { kind: 'community', path: '/2/7' })).toBe(false)
    expect(canRename(community, { kind: 'grid', path: '/2/7/30' })).toBe(true)
  })

  it('grants community roles as community staff, street roles too as street staff, everything as admin', () => {
    expect(canGrant(admin, 'district_admin', '/')).toBe(true)
    expect(canGrant(community, 'grid_worker', '/2/7/30')).toBe(true)
    expect(canGrant(community, 'grid_worker', '/2/8')).toBe(false)
    expect(canGrant(community, 'community_staff', '/2/7')).toBe(false)
    expect(canGrant(street, 'community_staff', '/2/7')).toBe(true)
    expect(canGrant(street, 'street_staff', '/2')).toBe(false)
    expect(grantableRoles(community, ['resident', 'mediator', 'grid_worker'])).toEqual(['resident', 'grid_worker'])
    expect(grantableRoles(street, ['resident', 'mediator', 'district_admin'])).toEqual(['resident', 'mediator'])
    expect(grantableRoles(resident, ['resident'])).toEqual([])
  })

  it('gates grid imports, roster imports and the audit log', () => {
    expect([admin, street, community, grid, resident].map(canShapeGrids)).toEqual([true, true, true, false, false])
    expect([admin, street, community, grid, resident].map(canImportRoster)).toEqual([true, true, true, true, false])
    expect(canReadAudit(admin)).toBe(true)
    expect(canReadAudit([{ role: 'district_admin', scope: '/2' }])).toBe(false)
    expect(canReadAudit(street)).toBe(false)
  })

  it('lets code managers issue and print in scope, stewards list, places follow the organisations\' rule', () => {
    const steward = [{ role: 'steward', scope: '/2/7/30/40/41' }]
    const b = '/2/7/30/40/41'
    expect([admin, street, community, grid, steward, resident].map((g) => canManageCodes(g, b))).toEqual([
      true, true, true, true, false, false,
    ])
    expect([admin, street, community, grid, steward, resident].map((g) => canListCodes(g, b))).toEqual([
      true, true, true, true, true, false,
    ])
    expect(canManageCodes(grid, '/2/7/31')).toBe(false)
    expect(canListCodes(steward, '/2/7/30/40/42')).toBe(false)
    expect(canManageCodes(grid, null)).toBe(true)
    expect(canListCodes(resident, null)).toBe(false)
    // A building has no children, but its compound's shapers may place things on it.
    expect(canShapePlaces(community, { kind: 'building', path: b })).toBe(true)
    expect(canShapePlaces(street, { kind: 'street', path: '/2' })).toBe(true)
    expect(canShapePlaces(community, { kind: 'street', path: '/2' })).toBe(false)
    expect(canShapePlaces(grid, { kind: 'grid', path: '/2/7/30' })).toBe(false)
    expect([kindAtPath('/'), kindAtPath('/2'), kindAtPath('/2/7/30/40/41'), kindAtPath('/1/2/3/4/5/6')]).toEqual([
      'district', 'street', 'building', null,
    ])
    expect(canScan(resident)).toBe(true)
    expect(canScan([])).toBe(false)
  })

  it('lets whoever may shape an organisation\'s node (or its parent) change its members', () => {
    const compound = { path: '/2/7/30/40' }
    const onStreet = { path: '/2' }
    expect([admin, street, community, grid, resident].map((g) => canChangeOrganisation(g, compound))).toEqual([
      true, true, true, false, false,
    ])
    expect(canChangeOrganisation(community, { path: '/2/8/31' })).toBe(false)
    expect(canChangeOrganisation(street, onStreet)).toBe(true)
    expect(canChangeOrganisation(community, onStreet)).toBe(false)
    // A building's organisation: its compound's shapers.
    expect(canChangeOrganisation(community, { path: '/2/7/30/40/41' })).toBe(true)
    expect(canChangeOrganisation(admin, { path: '/' })).toBe(true)
    expect(canChangeOrganisation(street, { path: '/' })).toBe(false)
    expect(canChangeOrganisation(admin, { path: '/1/2/3/4/5/6' })).toBe(false)
  })
})
