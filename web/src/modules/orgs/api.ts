// The organisations routes (docs/openapi.yaml, tag organisations) through the one HTTP wrapper.
import { ApiError, apiFetch } from '@/api/fetch'
import type {
  Account,
  OrganisationMember,
  OrganisationMemberRequest,
  OrganisationMembers,
  OrganisationPage,
} from '@/api/types'

/** Page size asked for in lists (the server's largest is 200). */
export const PAGE = 50

/** The organisations on a node's subtree, one page. */
export function listOrganisations(node: number, after?: number): Promise<OrganisationPage> {
  return apiFetch<OrganisationPage>('/api/organisations', { query: { node, after, limit: PAGE } })
}

/** An organisation's members. Errors are the caller's to show. */
export async function listMembers(id: number): Promise<OrganisationMember[]> {
  const r = await apiFetch<OrganisationMembers>(`/api/organisations/${id}/members`, { notify: false })
  return r.items
}

/** Adds a member; the members after the change. Errors are the caller's to show. */
export async function addMember(id: number, accountId: number): Promise<OrganisationMember[]> {
  const body: OrganisationMemberRequest = { account_id: accountId }
  const r = await apiFetch<OrganisationMembers>(`/api/organisations/${id}/members`, {
    method: 'POST',
    body,
    notify: false,
  })
  return r.items
}

/** Removes a member; the members after the change. Errors are the caller's to show. */
export async function removeMember(id: number, accountId: number): Promise<OrganisationMember[]> {
  const r = await apiFetch<OrganisationMembers>(`/api/organisations/${id}/members/${accountId}`, {
    method: 'DELETE',
    notify: false,
  })
  return r.items
}

/** An account's display name; null when the caller may not see it (or it does not exist). */
export async function accountName(id: number): Promise<string | null> {
  try {
    return (await apiFetch<Account>(`/api/accounts/${id}`, { notify: false })).display_name
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) return null
    throw e
  }
}
