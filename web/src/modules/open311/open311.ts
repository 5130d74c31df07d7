// The Open311 clients screen without the screen: the issue form's checks (the server's rules:
// a name of 2–100 characters, a contact of at most 200), its body, and the list's order.
import type { Open311Client, Open311ClientInput } from './api'

export const CLIENT_NAME_MIN = 2
export const CLIENT_NAME_MAX = 100
export const CLIENT_CONTACT_MAX = 200

const chars = (s: string) => [...s.trim()].length

/** What is wrong with the form, by field; empty when it may be sent. */
export function clientErrors(input: { name: string; contact: string }): Partial<Record<'name' | 'contact', 'name' | 'contact'>> {
  const e: Partial<Record<'name' | 'contact', 'name' | 'contact'>> = {}
  const n = chars(input.name)
  if (n < CLIENT_NAME_MIN || n > CLIENT_NAME_MAX) e.name = 'name'
  if (chars(input.contact) > CLIENT_CONTACT_MAX) e.contact = 'contact'
  return e
}

/** The body of POST /api/open311/clients: trimmed, no empty contact. */
export function clientBody(input: { name: string; contact: string }): Open311ClientInput {
  const contact = input.contact.trim()
  return contact ? { name: input.name.trim(), contact } : { name: input.name.trim() }
}

/** Working keys first (newest first), then the revoked ones (most recently revoked first). */
export function sortClients(list: readonly Open311Client[]): Open311Client[] {
  return [...list].sort((a, b) => {
    if ((a.revoked_at === null) !== (b.revoked_at === null)) return a.revoked_at === null ? -1 : 1
    if (a.revoked_at !== null && b.revoked_at !== null && a.revoked_at !== b.revoked_at) return b.revoked_at - a.revoked_at
    return b.created_at - a.created_at || b.id - a.id
  })
}

/** The list with one client as it is now (added when new). */
export function upsertClient(list: readonly Open311Client[], c: Open311Client): Open311Client[] {
  return list.some((x) => x.id === c.id) ? list.map((x) => (x.id === c.id ? c : x)) : [...list, c]
}
