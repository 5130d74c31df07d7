// Browser tests of the web shell (login, both layouts, live events, language) in real
// Chromium against a running server.
//
//   MASHANG_URL=http://127.0.0.1:18080 \
//   MASHANG_DEMO_JSON="$(mashang demo --db sqlite:/tmp/x.db --json)" \
//   node --test tests/e2e/
//
// Credentials: MASHANG_ADMIN_LOGIN / MASHANG_ADMIN_PASSWORD and MASHANG_RESIDENT_LOGIN /
// MASHANG_RESIDENT_PASSWORD, else the first district_admin / resident in MASHANG_DEMO_JSON
// (the output of `mashang demo --json`).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const WAIT_MS = 10_000
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
const BASE = (process.env.MASHANG_URL ?? '').replace(/\/+$/, '')
const CHROMIUM = process.env.MASHANG_CHROMIUM ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const DESKTOP = { width: 1280, height: 800 }
const PHONE = { width: 390, height: 844 }

/** playwright-core from tests/node_modules; falls back to require() so NODE_PATH works too. */
async function loadChromium() {
  try {
    return (await import('playwright-core')).chromium
  } catch {
    return createRequire(import.meta.url)('playwright-core').chromium
  }
}

/** {admin, resident}: each {login, password} or null. */
function credentials() {
  let demo = []
  if (process.env.MASHANG_DEMO_JSON) {
    const parsed = JSON.parse(process.env.MASHANG_DEMO_JSON)
    demo = Array.isArray(parsed) ? parsed : (parsed.accounts ?? [])
  }
  const rolesOf = (a) => [a.role, ...(a.roles ?? []).map((r) => (typeof r === 'string' ? r : r.role))]
  const pick = (prefix, role) => {
    const login = process.env[`MASHANG_${prefix}_LOGIN`]
    const password = process.env[`MASHANG_${prefix}_PASSWORD`]
    if (login && password) return { login, password }
    const a = demo.find((x) => rolesOf(x).includes(role))
    return a ? { login: a.login ?? a.username, password: a.password } : null
  }
  return {
    admin: pick('ADMIN', 'district_admin'),
    resident: pick('RESIDENT', 'resident'),
    grid: pick('GRID', 'grid_worker'),
  }
}

const creds = credentials()
let chromium
const profiles = []

before(async () => {
  chromium = await loadChromium()
  mkdirSync(ARTIFACTS, { recursive: true })
})

after(() => {
  for (const dir of profiles) rmSync(dir, { recursive: true, force: true })
})

/**
 * Run fn(page) in a fresh Chromium profile. Fails the test on an uncaught page error or a
 * Content-Security-Policy violation; screenshots the page when the test fails.
 */
async function withPage(name, viewport, fn) {
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
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    page.setDefaultTimeout(WAIT_MS)
    page.setDefaultNavigationTimeout(WAIT_MS)
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) {
        problems.push(`CSP: ${m.text()}`)
      }
    })
    try {
      await fn(page)
    } catch (e) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}-failure.png`) }).catch(() => {})
      throw e
    }
    assert.deepEqual(problems, [], 'no page errors or CSP violations')
  } finally {
    await context.close()
  }
}

async function logIn(page, who) {
  await page.goto(`${BASE}/login`)
  await page.getByTestId('login-account').fill(who.login)
  await page.getByTestId('login-password').fill(who.password)
  await page.getByTestId('login-submit').click()
}

const skipNoServer = BASE ? false : 'MASHANG_URL is not set (the server under test)'
const skipNoAdmin = skipNoServer || (creds.admin ? false : 'no admin credentials (MASHANG_ADMIN_* or MASHANG_DEMO_JSON)')
const skipNoResident =
  skipNoServer || (creds.resident ? false : 'no resident credentials (MASHANG_RESIDENT_* or MASHANG_DEMO_JSON)')

describe('web shell', () => {
  test('a wrong password shows an error and stays on /login', { skip: skipNoServer }, async () => {
    await withPage('wrong-password', DESKTOP, async (page) => {
      // A login nobody has: failed attempts count against the login (5 lock it for 15
      // minutes), so using the admin's would lock the admin out of the tests that follow.
      await logIn(page, { login: `nobody-${Date.now()}`, password: 'wrong-password' })
      const error = page.getByTestId('login-error')
      await error.waitFor({ state: 'visible' })
      assert.equal((await error.textContent()).trim(), '账号或密码错误')
      assert.equal(new URL(page.url()).pathname, '/login')
      assert.equal(await page.getByTestId('login-password').inputValue(), '', 'password cleared')
    })
  })

  test('the admin gets the desktop shell with live events online', { skip: skipNoAdmin }, async () => {
    await withPage('desktop-shell', DESKTOP, async (page) => {
      await logIn(page, creds.admin)
      await page.waitForURL((u) => u.pathname.startsWith('/console'))
      await page.getByTestId('layout-desktop').waitFor({ state: 'visible' })
      await page.getByTestId('side-menu').waitFor({ state: 'visible' })
      await page.getByTestId('live-status').filter({ hasText: /online|在线/ }).waitFor()
      await page.getByTestId('live-events').waitFor({ state: 'visible' })
      assert.ok((await page.getByTestId('user-name').textContent()).trim().length > 0, 'user name shown')
      await page.screenshot({ path: join(ARTIFACTS, 'desktop-shell.png'), animations: 'disabled' })

      // Accounts page (admins only): the table lists at least the admin.
      await page.getByTestId('menu-accounts').click()
      await page.waitForURL((u) => u.pathname === '/console/accounts')
      await page.locator('[data-testid="accounts-table"] .el-table__body tr').first().waitFor()
      await page.screenshot({ path: join(ARTIFACTS, 'desktop-accounts.png'), animations: 'disabled' })

      await page.getByTestId('logout').click()
      await page.waitForURL((u) => u.pathname === '/login')
      await page.getByTestId('login-submit').waitFor({ state: 'visible' })
    })
  })

  test('a login elsewhere arrives as a live session.created event', { skip: skipNoAdmin }, async () => {
    await withPage('live-event', DESKTOP, async (page) => {
      await logIn(page, creds.admin)
      await page.getByTestId('live-status').filter({ hasText: /online|在线/ }).waitFor()
      const sessionEvents = page.locator('[data-testid="live-event"][data-event-type="session.created"]')
      const before = await sessionEvents.count()

      const res = await fetch(`${BASE}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login: creds.admin.login, password: creds.admin.password }),
      })
      assert.equal(res.status, 200, 'login from Node')

      const fresh = sessionEvents.nth(before)
      await fresh.waitFor({ state: 'visible' })
      assert.match(await fresh.textContent(), /session\.created/)
      assert.match(await fresh.locator('time').textContent(), /\d{1,2}:\d{2}/)
      await page.screenshot({ path: join(ARTIFACTS, 'desktop-live-event.png'), animations: 'disabled' })
    })
  })

  test('a resident gets the phone layout with the tab bar', { skip: skipNoResident }, async () => {
    await withPage('phone-shell', PHONE, async (page) => {
      await logIn(page, creds.resident)
      await page.waitForURL((u) => u.pathname.startsWith('/m'))
      await page.getByTestId('layout-phone').waitFor({ state: 'visible' })
      const tabbar = page.locator('.van-tabbar')
      await tabbar.waitFor({ state: 'visible' })
      const tabs = (await tabbar.locator('.van-tabbar-item').allTextContents()).map((s) => s.trim())
      assert.deepEqual(tabs, ['首页', '消息', '我的'])
      await page.getByTestId('live-status').filter({ hasText: /online|在线/ }).waitFor()
      await page.getByTestId('live-events').waitFor({ state: 'visible' })
      await page.screenshot({ path: join(ARTIFACTS, 'phone-shell.png'), animations: 'disabled' })

      await page.getByTestId('tab-me').click()
      await page.waitForURL((u) => u.pathname === '/m/me')
      await page.getByTestId('logout').click()
      await page.waitForURL((u) => u.pathname === '/login')
    })
  })

  const skipNoGrid = skipNoServer || (creds.grid ? false : 'no grid worker (MASHANG_GRID_* or MASHANG_DEMO_JSON)')
  test('a grid worker lists the households of its grid, sees a person masked, and reveals with a reason', { skip: skipNoGrid }, async () => {
    await withPage('households', PHONE, async (page) => {
      await logIn(page, creds.grid)
      await page.waitForURL((u) => u.pathname === '/m')
      await page.getByTestId('go-households').click()
      await page.waitForURL((u) => u.pathname === '/m/households')
      const first = page.getByTestId('household').first()
      await first.waitFor({ state: 'visible' })
      assert.match(await first.textContent(), /号楼-.+单元-.+室/)
      await first.click()
      await page.waitForURL((u) => /^\/m\/households\/\d+$/.test(u.pathname))
      const person = page.getByTestId('person').first()
      await person.waitFor({ state: 'visible' })
      const masked = await person.textContent()
      assert.match(masked, /\d{6}\*{8}\d{3}[\dX]/, `no masked ID number in ${masked}`)
      await person.getByTestId('reveal').click()
      await page.getByTestId('reveal-reason').locator('input').fill('入户走访核对身份')
      await page.getByRole('button', { name: '确认' }).click()
      await page.waitForFunction(() => /\d{17}[\dX]/.test(document.querySelector('[data-testid=person]')?.textContent ?? ''))
      await page.screenshot({ path: join(ARTIFACTS, 'phone-households.png'), animations: 'disabled' })
    })
  })

  test('a resident opens "my household": the family as registered, numbers masked', { skip: skipNoResident }, async () => {
    await withPage('my-household', PHONE, async (page) => {
      await logIn(page, creds.resident)
      await page.waitForURL((u) => u.pathname === '/m')
      await page.getByTestId('go-my-household').click()
      await page.waitForURL((u) => u.pathname === '/m/my-household')
      await page.getByTestId('my-household').waitFor({ state: 'visible' })
      const text = await page.locator('.m-mine').textContent()  // the address is the group's title
      assert.match(text, /号楼-.+单元-.+室/)
      assert.ok((await page.getByTestId('person').count()) >= 1)
      assert.doesNotMatch(text, /1\d{10}/, 'an unmasked phone on the page')
      assert.doesNotMatch(text, /\d{17}[\dX]/, 'an unmasked ID number on the page')
      await page.screenshot({ path: join(ARTIFACTS, 'phone-my-household.png'), animations: 'disabled' })
    })
  })

  test('Chinese by default; English after the language switch, kept on reload', { skip: skipNoServer }, async () => {
    await withPage('language', DESKTOP, async (page) => {
      await page.goto(`${BASE}/login`)
      const submit = page.getByTestId('login-submit')
      await submit.waitFor({ state: 'visible' })
      assert.equal((await submit.textContent()).trim(), '登录')
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN')
      await page.screenshot({ path: join(ARTIFACTS, 'login-zh.png'), animations: 'disabled' })

      await page.getByTestId('lang-switch').click()
      await page.getByTestId('login-submit').filter({ hasText: 'Log in' }).waitFor()
      assert.equal(await page.locator('html').getAttribute('lang'), 'en')

      await page.reload()
      await page.getByTestId('login-submit').filter({ hasText: 'Log in' }).waitFor()
    })
  })
})
