// The one HTTP wrapper of the web app: JSON in and out, the session cookie, the CSRF
// header on mutations, the error body turned into a typed ApiError (and shown), and the
// way back to /login when the session is gone.
import { useSessionStore } from '@/stores/session'
import { i18n } from '@/i18n'
import { notify } from './notify'
import type { ErrorBody } from './types'

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
type QueryValue = string | number | boolean | null | undefined

export interface ApiOptions {
  method?: Method
  /** Sent as JSON. Omitted (no Content-Type) when undefined. */
  body?: unknown
  /** Sent as is (a file upload) with `contentType`, instead of `body`. */
  rawBody?: Blob | ArrayBuffer | string
  contentType?: string
  /** `blob`: return the answer's bytes (a download) instead of JSON or text. */
  responseAs?: 'blob'
  /** Appended as a query string; null/undefined values are left out. */
  query?: Record<string, QueryValue>
  /** Show the error to the user (toast / message). Default true. */
  notify?: boolean
  /** On 401, forget the session and go to /login. Default true. */
  redirectOn401?: boolean
  signal?: AbortSignal
}

/** A failed request: the server's error body, or `network` when no answer came. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Seconds, from `Retry-After` (429). */
    readonly retryAfter?: number,
    readonly requestId?: string,
    /** The whole error body (some routes add a report beside `error`). */
    readonly body?: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

const MUTATING: ReadonlySet<Method> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

let onUnauthorized: (() => void) | null = null

/** main.ts installs what a 401 does (clear the session, stop live events, go to /login). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler
}

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  if (!query) return path
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== null && v !== undefined) qs.append(k, String(v))
  }
  const s = qs.toString()
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path
}

function isErrorBody(x: unknown): x is ErrorBody {
  if (typeof x !== 'object' || x === null) return false
  const e = (x as { error?: unknown }).error
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
}

async function toApiError(res: Response): Promise<ApiError> {
  const retry = res.headers.get('Retry-After')
  const retryAfter = retry !== null && /^\d+$/.test(retry.trim()) ? Number(retry) : undefined
  const requestId = res.headers.get('X-Request-Id') ?? undefined
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    /* not JSON: fall through to a generic error */
  }
  if (isErrorBody(body)) {
    const { code, message, field } = body.error
    return new ApiError(res.status, code, message ?? code, field, retryAfter, requestId, body)
  }
  const code = res.status >= 500 ? 'internal' : 'bad_response'
  return new ApiError(res.status, code, res.statusText || code, undefined, retryAfter, requestId)
}

/** A message for the user, in the current language. */
export function describeError(err: unknown): string {
  const { t, te } = i18n.global
  if (!(err instanceof ApiError)) return t('errors.unknown')
  if (err.code === 'rate_limited' && err.retryAfter !== undefined) {
    return t('errors.rate_limited_retry', { seconds: err.retryAfter })
  }
  const key = `errors.${err.code}`
  const base = te(key) ? t(key) : err.message
  return err.field ? `${base} (${err.field})` : base
}

export async function apiFetch<T = unknown>(path: string, opts: ApiOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET'
  const headers: Record<string, string> = { Accept: 'application/json' }
  let body: BodyInit | undefined
  if (opts.rawBody !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/octet-stream'
    body = opts.rawBody
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  if (MUTATING.has(method)) {
    const csrf = useSessionStore().csrfToken
    if (csrf) headers['X-CSRF-Token'] = csrf
  }

  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    })
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    const err = new ApiError(0, 'network', String(cause))
    if (opts.notify !== false) notify(describeError(err))
    throw err
  }

  if (res.ok) {
    if (opts.responseAs === 'blob') return (await res.blob()) as T
    if (res.status === 204 || res.headers.get('Content-Length') === '0') return undefined as T
    const type = res.headers.get('Content-Type') ?? ''
    return (type.includes('json') ? await res.json() : await res.text()) as T
  }

  const err = await toApiError(res)
  if (err.status === 401 && opts.redirectOn401 !== false) {
    onUnauthorized?.()
  } else if (opts.notify !== false) {
    notify(describeError(err))
  }
  throw err
}
