// The Open311 client applications (district admins, docs/reference/open311.md): list, issue a
// key (shown once), revoke.
import { apiFetch } from '@/api/fetch'
import type { RequestOf, ResponseOf } from '@/api/types'

export type Open311ClientList = ResponseOf<'/api/open311/clients', 'get'>
export type Open311Client = Open311ClientList['items'][number]
export type Open311ClientInput = RequestOf<'/api/open311/clients', 'post'>
export type NewOpen311Client = ResponseOf<'/api/open311/clients', 'post', 201>

export const listClients = () => apiFetch<Open311ClientList>('/api/open311/clients').then((l) => l.items)

/** Errors are the form's to show. */
export const issueClient = (body: Open311ClientInput) =>
  apiFetch<NewOpen311Client>('/api/open311/clients', { method: 'POST', body, notify: false })

export const revokeClient = (id: number) =>
  apiFetch<Open311Client>(`/api/open311/clients/${id}/revoke`, { method: 'POST' })
