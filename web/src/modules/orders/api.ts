// The work-order routes (docs/reference/orders.md) through the one HTTP wrapper; photo uploads
// go through XMLHttpRequest, the one browser API that reports upload progress.
import { download } from '@/api/download'
import { apiFetch, ApiError } from '@/api/fetch'
import { useSessionStore } from '@/stores/session'
import type {
  Category,
  CategoryInput,
  CategoryList,
  CompleteRequest,
  Nearby,
  NewReport,
  Order,
  OrderDetail,
  OrderList,
  OrderStatus,
  OrderTransfer,
  PhotoUpload,
  RateRequest,
  Report,
  ReportDetail,
  ReportList,
  ReportStatus,
  VerifyRequest,
} from './types'

/** Page size asked for in lists (the server's largest is 200). */
export const PAGE = 50

let categories: Promise<Category[]> | null = null

/** The active categories (anonymous allowed), asked once per page load. */
export function loadCategories(): Promise<Category[]> {
  categories ??= apiFetch<CategoryList>('/api/categories', { redirectOn401: false })
    .then((l) => l.items)
    .catch((e: unknown) => {
      categories = null
      throw e
    })
  return categories
}

/** Forgets the categories asked for (the catalogue was edited). */
export function forgetCategories(): void {
  categories = null
}

/** The catalogue; with `all` (district admins only) the inactive categories too. */
export function listCategories(all: boolean): Promise<Category[]> {
  if (!all) return loadCategories()
  return apiFetch<CategoryList>('/api/categories', { query: { all: true } }).then((l) => l.items)
}

/** Writes a whole category (district admins): 201 new, 200 replaced. Errors are the form's. */
export async function putCategory(code: string, body: CategoryInput): Promise<Category> {
  const c = await apiFetch<Category>(`/api/categories/${encodeURIComponent(code)}`, { method: 'PUT', body, notify: false })
  forgetCategories()
  return c
}

// Orders ---------------------------------------------------------------------------------

export const getOrder = (id: number, notify = true) => apiFetch<OrderDetail>(`/api/orders/${id}`, { notify })

export function listPool(after = 0, limit = PAGE) {
  return apiFetch<OrderList>('/api/orders/pool', { query: { after: after || undefined, limit } })
}

export function listMine(q: { status?: OrderStatus; after?: number; limit?: number } = {}) {
  return apiFetch<OrderList>('/api/orders/mine', { query: { limit: PAGE, ...q, after: q.after || undefined } })
}

type Query = Record<string, string | number | boolean | undefined>

/** The staff's list: every order at a place, newest first (filters from staff.ts). */
export function listOrders(filters: Query, after = 0, limit = PAGE) {
  return apiFetch<OrderList>('/api/orders', { query: { ...filters, after: after || undefined, limit } })
}

/** The same orders as an .xlsx workbook, saved by the browser. */
export function exportOrders(filters: Query, filename: string): Promise<void> {
  const q: Record<string, string | number | undefined> = {}
  for (const [k, v] of Object.entries(filters)) q[k] = typeof v === 'boolean' ? String(v) : v
  return download('/api/orders/export.xlsx', filename, q)
}

/** Errors are the dialog's to show. */
export const transferOrder = (id: number, body: OrderTransfer) =>
  apiFetch<Order>(`/api/orders/${id}/transfer`, { method: 'POST', body, notify: false })

type Step = 'claim' | 'return' | 'hold' | 'resume'

/** A claimer's step; errors are the caller's to show (a claim lost is a 409). */
export function orderStep(id: number, step: Step, reason?: string): Promise<Order> {
  const body = step === 'return' || step === 'hold' ? { reason } : undefined
  return apiFetch<Order>(`/api/orders/${id}/${step}`, { method: 'POST', body, notify: false })
}

export const completeOrder = (id: number, body: CompleteRequest) =>
  apiFetch<Order>(`/api/orders/${id}/complete`, { method: 'POST', body, notify: false })

export const verifyOrder = (id: number, body: VerifyRequest) =>
  apiFetch<Order>(`/api/orders/${id}/verify`, { method: 'POST', body, notify: false })

export const rateOrder = (id: number, body: RateRequest) =>
  apiFetch<Order>(`/api/orders/${id}/rate`, { method: 'POST', body, notify: false })

export const reopenOrder = (id: number, reason: string) =>
  apiFetch<Order>(`/api/orders/${id}/reopen`, { method: 'POST', body: { reason }, notify: false })

// Reports --------------------------------------------------------------------------------

/** Anonymous allowed; errors are the form's to show. */
export const createReport = (body: NewReport) =>
  apiFetch<Report>('/api/reports', { method: 'POST', body, notify: false, redirectOn401: false })

export const getReport = (id: number) => apiFetch<ReportDetail>(`/api/reports/${id}`)

export function myReports(after = 0) {
  return apiFetch<ReportList>('/api/reports/mine', { query: { after: after || undefined, limit: PAGE } })
}

export function listReports(q: { status?: ReportStatus; node?: number; after?: number }) {
  return apiFetch<ReportList>('/api/reports', { query: { limit: PAGE, ...q, after: q.after || undefined } })
}

/** Open orders of the category within 150 m (anonymous allowed; failures only mean "none"). */
export async function nearbyOrders(category: string, lat: number, lon: number): Promise<Nearby[]> {
  const r = await apiFetch<{ items: Nearby[] }>('/api/reports/nearby', {
    query: { category, lat, lon },
    notify: false,
    redirectOn401: false,
  })
  return r.items
}

export const acceptReport = (id: number, category?: string) =>
  apiFetch<Report>(`/api/reports/${id}/accept`, { method: 'POST', body: category ? { category } : {}, notify: false })

export const rejectReport = (id: number, reason: string) =>
  apiFetch<Report>(`/api/reports/${id}/reject`, { method: 'POST', body: { reason }, notify: false })

export const mergeReport = (id: number, orderId: number) =>
  apiFetch<Report>(`/api/reports/${id}/merge`, { method: 'POST', body: { order_id: orderId }, notify: false })

// Photos ---------------------------------------------------------------------------------

/** The ApiError of a failed upload, from its status and error body (as apiFetch makes them). */
export function uploadError(status: number, text: string, retryAfter: string | null): ApiError {
  let body: unknown = null
  try {
    body = JSON.parse(text)
  } catch {
    /* not JSON */
  }
  const e = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | null)?.error
  const retry = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined
  if (status === 0) return new ApiError(0, 'network', 'network')
  if (e && typeof e.code === 'string') {
    const message = typeof e.message === 'string' ? e.message : e.code
    return new ApiError(status, e.code, message, typeof e.field === 'string' ? e.field : undefined, retry, undefined, body)
  }
  return new ApiError(status, status >= 500 ? 'internal' : 'bad_response', String(status), undefined, retry)
}

/**
 * Uploads one photo as the raw body of POST /api/photos with its own Content-Type;
 * `onProgress` hears the share sent (0–1). Rejects with an ApiError (shown by the caller).
 */
export function uploadPhoto(file: Blob, onProgress: (share: number) => void, signal?: AbortSignal): Promise<PhotoUpload> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/photos')
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream')
    const csrf = useSessionStore().csrfToken
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf)
    xhr.withCredentials = true
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      if (xhr.status === 201 || xhr.status === 200) {
        try {
          resolve(JSON.parse(xhr.responseText) as PhotoUpload)
        } catch {
          reject(uploadError(xhr.status, '', null))
        }
      } else reject(uploadError(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After')))
    }
    xhr.onerror = () => reject(uploadError(0, '', null))
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'))
    signal?.addEventListener('abort', () => xhr.abort(), { once: true })
    xhr.send(file)
  })
}
