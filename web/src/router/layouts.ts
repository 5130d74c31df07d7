export type Layout = 'phone' | 'desktop'

/** Roles whose daily work is at a desk: they get the console (Element Plus). */
export const DESKTOP_ROLES: readonly string[] = [
  'district_admin',
  'street_staff',
  'community_staff',
  'committee_member',
  'mediator',
  'inspector',
]

/** Everyone else (resident, grid_worker, steward, volunteer, vendor, doctor, teacher, …)
 *  works from a phone: they get the Vant layout. */
export function layoutForRoles(roles: readonly string[]): Layout {
  return roles.some((r) => DESKTOP_ROLES.includes(r)) ? 'desktop' : 'phone'
}

export const LAYOUT_HOME: Record<Layout, string> = { phone: '/m', desktop: '/console' }

const prefKey = (accountId: number) => `mashang.layout.${accountId}`

/** A layout the user picked by hand, remembered on this device for that account. */
export function preferredLayout(accountId: number): Layout | null {
  try {
    const v = localStorage.getItem(prefKey(accountId))
    return v === 'phone' || v === 'desktop' ? v : null
  } catch {
    return null
  }
}

export function setPreferredLayout(accountId: number, layout: Layout | null) {
  try {
    if (layout) localStorage.setItem(prefKey(accountId), layout)
    else localStorage.removeItem(prefKey(accountId))
  } catch {
    /* storage unavailable: the choice lasts for this page only */
  }
}
