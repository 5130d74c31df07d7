// Login, logout and "who am I": the session's life cycle on the front end.
import { apiFetch } from '@/api/fetch'
import { startLive, stopLive } from '@/api/live'
import type { Account, LoginRequest, LoginResponse, Me } from '@/api/types'
import { useSessionStore } from '@/stores/session'
import { LAYOUT_HOME, preferredLayout } from '@/router/layouts'

function accountOf(me: Me): Account {
  const { csrf_token: _csrf, departments: _departments, ...account } = me as Me & { csrf_token?: string }
  return account as Account
}

/** POST /api/auth/login. Errors are thrown (ApiError) and not shown: the page shows them. */
export async function login(body: LoginRequest): Promise<Account> {
  const res = await apiFetch<LoginResponse>('/api/auth/login', {
    method: 'POST',
    body,
    notify: false,
    redirectOn401: false,
  })
  const session = useSessionStore()
  session.set(res.account, res.csrf_token)
  // GET /api/me is the source of truth for the account and the CSRF token.
  await loadMe()
  startLive()
  return session.account as Account
}

/** GET /api/me into the session store; null when nobody is logged in. */
export async function loadMe(): Promise<Account | null> {
  const session = useSessionStore()
  try {
    const me = await apiFetch<Me>('/api/me', { notify: false, redirectOn401: false })
    session.set(accountOf(me), (me as { csrf_token?: string }).csrf_token ?? null, me.departments ?? [])
    return session.account
  } catch {
    session.clear()
    return null
  }
}

let pending: Promise<Account | null> | null = null

/** The logged-in account, asking the server once per page load; starts live events. */
export async function ensureSession(): Promise<Account | null> {
  const session = useSessionStore()
  if (session.account) return session.account
  pending ??= loadMe().finally(() => {
    pending = null
  })
  const account = await pending
  if (account) startLive()
  return account
}

/** POST /api/auth/logout, then forget everything local whatever the server said. */
export async function logout(): Promise<void> {
  try {
    await apiFetch('/api/auth/logout', { method: 'POST', redirectOn401: false })
  } finally {
    forgetSession()
  }
}

export function forgetSession(): void {
  stopLive()
  useSessionStore().clear()
}

/** Where an account lands after login: the layout it picked by hand, else its roles'. */
export function homePath(account: Account): string {
  const session = useSessionStore()
  return LAYOUT_HOME[preferredLayout(account.id) ?? session.homeLayout]
}
