// What the Chromium tests share: the server's address, Chromium in a fresh profile per browser,
// demo credentials (or MASHANG_<WHO>_LOGIN / _PASSWORD), signing in, and calling the API with
// the page's own session.
import { after, before } from 'node:test'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const WAIT_MS = 10_000
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
export const BASE = (process.env.MASHANG_URL ?? '').replace(/\/+$/, '')
export const CHROMIUM = process.env.MASHANG_CHROMIUM ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
export const PHONE = { width: 390, height: 844 }
export const DESKTOP = { width: 1280, height: 800 }

/** playwright-core from tests/node_modules; falls back to require() so NODE_PATH works too. */
export async function loadChromium() {
  try {
    return (await import('playwright-core')).chromium
  } catch {
    return createRequire(import.meta.url)('playwright-core').chromium
  }
}

/** The accounts of MASHANG_DEMO_JSON (the output of `mashang demo --json`), or none. */
function demoAccounts() {
  if (!process.env.MASHANG_DEMO_JSON) return []
  const parsed = JSON.parse(process.env.MASHANG_DEMO_JSON)
  return Array.isArray(parsed) ? parsed : (parsed.accounts ?? [])
}

const rolesOf = (a) => [a.role, ...(a.roles ?? []).map((r) => (typeof r === 'string' ? r : r.role))]

/**
 * {login, password} from MASHANG_<prefix>_LOGIN / _PASSWORD, else the demo's account chosen by
 * `which`: `{login}` by name, or `{role, nth}` the nth account holding the role; null if none.
 */
export function account(prefix, which) {
  const login = process.env[`MASHANG_${prefix}_LOGIN`]
  const password = process.env[`MASHANG_${prefix}_PASSWORD`]
  if (login && password) return { login, password }
  const demo = demoAccounts()
  const a = which.login
    ? demo.find((x) => (x.login ?? x.username) === which.login)
    : demo.filter((x) => rolesOf(x).includes(which.role))[which.nth ?? 0]
  return a ? { login: a.login ?? a.username, password: a.password } : null
}

/**
 * Registers the file's hooks (Chromium loaded before the tests, the profiles removed after) and
 * answers openBrowser(viewport): a browser in a fresh Chromium profile, {page, context, problems,
 * close}; `problems` collects uncaught page errors and Content-Security-Policy violations.
 */
export function useBrowsers() {
  let chromium
  const profiles = []
  before(async () => {
    chromium = await loadChromium()
    mkdirSync(ARTIFACTS, { recursive: true })
  })
  after(() => {
    for (const dir of profiles) rmSync(dir, { recursive: true, force: true })
  })
  return async function openBrowser(viewport) {
    const profile = mkdtempSync(join(tmpdir(), 'mashang-e2e-'))
    profiles.push(profile)
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      locale: 'zh-CN',
    })
    const problems = []
    const page = context.pages()[0] ?? (await context.newPage())
    page.setDefaultTimeout(WAIT_MS)
    page.setDefaultNavigationTimeout(WAIT_MS)
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`)
    })
    return { page, context, problems, close: () => context.close() }
  }
}

export async function logIn(page, who) {
  await page.goto(`${BASE}/login`)
  await page.getByTestId('login-account').fill(who.login)
  await page.getByTestId('login-password').fill(who.password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

/** `method path` with the page's session (and its CSRF token): the answer's status and JSON. */
export async function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const headers = { Accept: 'application/json' }
      if (method !== 'GET') {
        const me = await (await fetch('/api/me', { headers })).json()
        headers['X-CSRF-Token'] = me.csrf_token
        if (body !== undefined) headers['Content-Type'] = 'application/json'
      }
      const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
      const text = await res.text()
      return { status: res.status, json: text ? JSON.parse(text) : null }
    },
    { method, path, body },
  )
}
