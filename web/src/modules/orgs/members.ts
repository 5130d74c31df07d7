// Organisation members without the screens: reading a typed account id, naming a member,
// and which field a refused change belongs to. A member is an account that works for the
// organisation; it claims, as a department, the orders whose category names the kind.

/** The largest id a browser number holds exactly. */
const ID_MAX = Number.MAX_SAFE_INTEGER

/** An account id as typed ("17", " #17 "); null when it is not a positive whole number. */
export function parseAccountId(text: string): number | null {
  const s = text.trim().replace(/^#\s*/, '')
  if (!/^[1-9]\d{0,15}$/.test(s)) return null
  const n = Number(s)
  return n <= ID_MAX ? n : null
}

export interface MemberRow {
  account_id: number
  added_at: number
  /** The account's display name; null while unknown or when the caller may not see it. */
  name: string | null
}

/** The members (as the server ordered them) with the names known so far. */
export function memberRows(
  members: readonly { account_id: number; added_at: number }[],
  names: ReadonlyMap<number, string | null>,
): MemberRow[] {
  return members.map((m) => ({ account_id: m.account_id, added_at: m.added_at, name: names.get(m.account_id) ?? null }))
}

/** The account ids whose names are still to be asked for. */
export function unnamed(members: readonly { account_id: number }[], names: ReadonlyMap<number, unknown>): number[] {
  return [...new Set(members.map((m) => m.account_id))].filter((id) => !names.has(id))
}

/** Where a refused member change is shown: next to the account field (with a message of its
 *  own when the server named an unknown account or a non-member) or above the list. */
export function memberError(e: { status: number; field?: string }): {
  at: 'account' | 'list'
  key: 'unknownAccount' | 'notMember' | null
} {
  if (e.field === 'account_id' && e.status === 422) return { at: 'account', key: 'unknownAccount' }
  if (e.field === 'account_id' && e.status === 404) return { at: 'list', key: 'notMember' }
  return { at: e.field === 'account_id' ? 'account' : 'list', key: null }
}
