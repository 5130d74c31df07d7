import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

const shown: string[] = []
vi.mock('./notify', () => ({ notify: (m: string) => shown.push(m) }))

const { ApiError, apiFetch, buildUrl, describeError, setUnauthorizedHandler } = await import('./fetch')
const { useSessionStore } = await import('@/stores/session')

type Call = { url: string; init: RequestInit }
let calls: Call[] = []

function answer(status: number, body?: unknown, headers: Record<string, string> = {}) {
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init })
    const text = body === undefined ? null : JSON.stringify(body)
    return new Response(text, {
      status,
      headers: { ...(text ? { 'Content-Type': 'application/json' } : {}), ...headers },
    })
  })
}

const header = (c: Call, name: string) => (c.init.headers as Record<string, string>)[name]

beforeEach(() => {
  setActivePinia(createPinia())
  calls = []
  shown.length = 0
})

describe('apiFetch', () => {
  it('sends the CSRF token on mutations only, with the cookie and JSON', async () => {
    useSessionStore().csrfToken = 'tok'
    answer(200, { ok: true })
    await apiFetch('/api/x')
    await apiFetch('/api/x', { method: 'POST', body: { a: 1 } })
    await apiFetch('/api/x', { method: 'DELETE' })
    expect(header(calls[0], 'X-CSRF-Token')).toBeUndefined()
    expect(header(calls[1], 'X-CSRF-Token')).toBe('tok')
    expect(header(calls[1], 'Content-Type')).toBe('application/json')
    expect(calls[1].init.body).toBe('{"a":1}')
    expect(header(calls[2], 'X-CSRF-Token')).toBe('tok')
    expect(header(calls[2], 'Content-Type')).toBeUndefined()
    expect(calls.every((c) => c.init.credentials === 'same-origin')).toBe(true)
  })

  it('returns undefined for 204', async () => {
    answer(204)
    expect(await apiFetch('/api/auth/logout', { method: 'POST' })).toBeUndefined()
  })

  it('turns the error body into an ApiError and shows it', async () => {
    answer(422, { error: { code: 'invalid_input', message: 'bad', field: 'password' } }, { 'X-Request-Id': 'r1' })
    const err = await apiFetch('/api/accounts', { method: 'POST', body: {} }).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 422, code: 'invalid_input', field: 'password', requestId: 'r1' })
    expect(shown).toEqual(['输入有误 (password)'])
  })

  it('reads Retry-After on 429', async () => {
    answer(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '60' })
    const err = (await apiFetch('/api/auth/login', { method: 'POST', body: {}, notify: false }).catch(
      (e: unknown) => e,
    )) as InstanceType<typeof ApiError>
    expect(err.retryAfter).toBe(60)
    expect(describeError(err)).toBe('尝试次数过多，请 60 秒后再试')
    expect(shown).toEqual([])
  })

  it('hands a 401 to the unauthorized handler instead of showing it', async () => {
    const handler = vi.fn()
    setUnauthorizedHandler(handler)
    answer(401, { error: { code: 'unauthenticated', message: 'no session' } })
    await expect(apiFetch('/api/me')).rejects.toMatchObject({ status: 401 })
    expect(handler).toHaveBeenCalledOnce()
    await expect(apiFetch('/api/me', { redirectOn401: false })).rejects.toBeInstanceOf(ApiError)
    expect(handler).toHaveBeenCalledOnce()
  })

  it('reports a body that is not the error shape as a generic error', async () => {
    answer(502, 'upstream')
    const err = await apiFetch('/api/x', { notify: false }).catch((e) => e)
    expect(err).toMatchObject({ status: 502, code: 'internal' })
  })

  it('sends a raw body with its own Content-Type, and returns bytes when asked', async () => {
    useSessionStore().csrfToken = 'tok'
    answer(201, { id: 1 })
    await apiFetch('/api/roster/imports', { method: 'POST', rawBody: 'a,b\n', contentType: 'text/csv' })
    expect(header(calls[0], 'Content-Type')).toBe('text/csv')
    expect(header(calls[0], 'X-CSRF-Token')).toBe('tok')
    expect(calls[0].init.body).toBe('a,b\n')
    const blob = await apiFetch<Blob>('/api/roster/export.xlsx', { responseAs: 'blob' })
    expect(blob).toBeInstanceOf(Blob)
    expect(await blob.text()).toBe('{"id":1}')
  })

  it('keeps the whole error body (a report beside the error)', async () => {
    answer(422, { error: { code: 'invalid_input', message: 'bad', field: 'features' }, problems: [{ feature: 0 }] })
    const err = (await apiFetch('/api/grids/geojson', { method: 'POST', body: {}, notify: false }).catch(
      (e: unknown) => e,
    )) as InstanceType<typeof ApiError>
    expect(err.body).toMatchObject({ problems: [{ feature: 0 }] })
  })

  it('builds query strings without empty values', () => {
    expect(buildUrl('/api/accounts', { limit: 50, after: undefined, q: null })).toBe('/api/accounts?limit=50')
    expect(buildUrl('/api/accounts', { after: 7 })).toBe('/api/accounts?after=7')
  })
})
