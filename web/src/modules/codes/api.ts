// The codes routes (docs/reference/codes.md) through the one HTTP wrapper.
import { apiFetch, type ApiOptions } from '@/api/fetch'
import type {
  CheckinRequest,
  CheckinResult,
  Code,
  CodeKind,
  CodePage,
  CodePrint,
  CodePrintPage,
  CodeResolution,
  CodeStats,
  NewCodePrint,
  NewPlace,
  Place,
  PlaceChange,
  PlacePage,
} from './types'

const tok = (token: string) => encodeURIComponent(token)

/** Page size asked for in lists (the server's largest is 200). */
export const PAGE = 50

/** What this caller may see and do at a code (anonymous allowed). Errors are not shown:
 *  the landing page shows them as pages. */
export function resolveCode(token: string, opts: Pick<ApiOptions, 'signal'> = {}): Promise<CodeResolution> {
  return apiFetch<CodeResolution>(`/api/codes/${tok(token)}`, { notify: false, redirectOn401: false, ...opts })
}

/** `duplicate`: the same account, code and purpose within 5 minutes (the first is answered). */
export function checkIn(token: string, body: CheckinRequest): Promise<CheckinResult> {
  return apiFetch<CheckinResult>(`/api/codes/${tok(token)}/checkins`, { method: 'POST', body, notify: false })
}

export function listCodes(
  q: { node?: number; kind?: string; target?: number; number?: string; after?: number; limit?: number },
  notify = true,
) {
  return apiFetch<CodePage>('/api/codes', { query: { limit: PAGE, ...q }, notify })
}

export function issueCode(kind: CodeKind, targetId: number, notify = true): Promise<Code> {
  return apiFetch<Code>('/api/codes', { method: 'POST', body: { kind, target_id: targetId }, notify })
}

export function retireCode(token: string, how: 'revoke' | 'rotate', reason: string): Promise<Code> {
  return apiFetch<Code>(`/api/codes/${tok(token)}/${how}`, { method: 'POST', body: { reason }, notify: false })
}

export const svgUrl = (token: string) => `/api/codes/${tok(token)}/svg`
export const pngPath = (token: string) => `/api/codes/${tok(token)}/png`

export function listPlaces(q: { node?: number; kind?: string; after?: number; limit?: number }) {
  return apiFetch<PlacePage>('/api/places', { query: { limit: PAGE, ...q } })
}

export function createPlace(body: NewPlace) {
  return apiFetch<Place>('/api/places', { method: 'POST', body, notify: false })
}

export function updatePlace(id: number, body: PlaceChange) {
  return apiFetch<Place>(`/api/places/${id}`, { method: 'PATCH', body, notify: false })
}

export function startPrint(body: NewCodePrint) {
  return apiFetch<CodePrint>('/api/code-prints', { method: 'POST', body })
}

export const getPrint = (id: number) => apiFetch<CodePrint>(`/api/code-prints/${id}`, { notify: false })

export async function myPrints(): Promise<CodePrint[]> {
  return (await apiFetch<CodePrintPage>('/api/code-prints', { query: { limit: PAGE } })).items
}

export const cancelPrint = (id: number) => apiFetch<CodePrint>(`/api/code-prints/${id}/cancel`, { method: 'POST' })
export const printFilePath = (id: number) => `/api/code-prints/${id}/file`

export function codeStats(node: number | undefined, days: number) {
  return apiFetch<CodeStats>('/api/code-stats', { query: { node, days } })
}
