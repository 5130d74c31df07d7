// The console's screens beyond home: one list for the routes' role gates, the side menu
// and the shortcuts on the console home page.
import { REGISTRY_READERS } from '@/api/types'
import { CODE_READER_ROLES, REGISTRY_WRITER_ROLES, STAFF_ROLES } from '@/modules/platform/permissions'
import { CONSOLE_ORDER_ROLES } from '@/modules/orders/orders'
import { POINTS_CONSOLE_ROLES } from '@/modules/points/points'
import { CARE_CONSOLE_ROLES } from '@/modules/care/care'

export interface ConsoleScreen {
  /** Route name and path below /console. */
  name: string
  path: string
  /** i18n key of the title. */
  title: string
  /** Any one of these roles sees it. */
  roles: string[]
}

export const CONSOLE_SCREENS: readonly ConsoleScreen[] = [
  { name: 'c-territory', path: 'territory', title: 'nav.territory', roles: [...REGISTRY_READERS] },
  { name: 'c-orders', path: 'orders', title: 'nav.orders', roles: [...CONSOLE_ORDER_ROLES] },
  { name: 'c-points', path: 'points', title: 'nav.points', roles: [...POINTS_CONSOLE_ROLES] },
  { name: 'c-care', path: 'care', title: 'nav.care', roles: [...CARE_CONSOLE_ROLES] },
  { name: 'c-codes', path: 'codes', title: 'nav.codes', roles: [...CODE_READER_ROLES] },
  { name: 'c-persons', path: 'persons', title: 'nav.persons', roles: [...REGISTRY_READERS] },
  { name: 'c-roster', path: 'roster', title: 'nav.roster', roles: [...REGISTRY_WRITER_ROLES] },
  { name: 'c-grants', path: 'grants', title: 'nav.grants', roles: [...STAFF_ROLES] },
  { name: 'c-accounts', path: 'accounts', title: 'nav.accounts', roles: ['district_admin'] },
  { name: 'c-audit', path: 'audit', title: 'nav.audit', roles: ['district_admin'] },
  { name: 'c-open311', path: 'open311', title: 'nav.open311', roles: ['district_admin'] },
]

/** The screens a caller with these roles may open, in menu order. */
export function screensFor(roles: readonly string[]): ConsoleScreen[] {
  return CONSOLE_SCREENS.filter((s) => s.roles.some((r) => roles.includes(r)))
}
