// Browser tests of the registry console (territory map, person search and reveal, audit log)
// in real Chromium against a running demo server.
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

describe('registry console', () => {
  test('the admin sees the grid map, finds 刘桂兰, reveals her ID number with a reason, and finds the reveal in the audit log', { skip: skipNoAdmin }, async () => {
    await withPage('registry-console', DESKTOP, async (page) => {
      await logIn(page, creds.admin)
      await page.waitForURL((u) => u.pathname.startsWith('/console'))

      // Territory: the tree, and the map with one SVG path per grid polygon (the demo has 120).
      await page.getByTestId('menu-territory').click()
      await page.waitForURL((u) => u.pathname === '/console/territory')
      await page.locator('[data-testid="territory-tree"] .el-tree-node').first().waitFor()
      const polygons = page.locator('[data-testid="grid-map"] .leaflet-overlay-pane svg path')
      await page.waitForFunction(
        () => document.querySelectorAll('[data-testid="grid-map"] .leaflet-overlay-pane svg path').length >= 100,
      )
      const count = await polygons.count()
      assert.ok(count >= 100, `only ${count} grid polygons on the map`)
      // Clicking a polygon selects its grid.
      await polygons.nth(Math.floor(count / 2)).click({ force: true })
      const details = page.getByTestId('node-details')
      await details.filter({ hasText: '网格' }).waitFor()
      assert.match(await details.textContent(), /网格/)
      await page.screenshot({ path: join(ARTIFACTS, 'territory-map.png'), animations: 'disabled' })

      // Search by name; the row is masked; open her household.
      await page.getByTestId('menu-persons').click()
      await page.waitForURL((u) => u.pathname === '/console/persons')
      await page.getByTestId('persons-q').fill('刘桂兰')
      await page.getByTestId('persons-search').click()
      const row = page.locator('[data-testid="persons-table"] .el-table__body tr', { hasText: '刘桂兰' }).first()
      await row.waitFor()
      assert.doesNotMatch(await row.textContent(), /\d{17}[\dX]/, 'the search result shows a raw ID number')
      await row.getByTestId('open-household').click()
      await page.waitForURL((u) => /^\/console\/households\/\d+$/.test(u.pathname))

      // Reveal with a reason: the raw number replaces the masked one, and the record is noted.
      const person = page.locator('[data-testid="household-persons"] .el-table__body tr', { hasText: '刘桂兰' }).first()
      await person.waitFor()
      const idCell = person.getByTestId('person-id-number')
      assert.match((await idCell.textContent()).trim(), /^\d{6}\*{8}\d{3}[\dX]$/)
      const reveal = person.locator('[data-testid^="reveal-"]')
      const personId = (await reveal.getAttribute('data-testid')).replace('reveal-', '')
      await reveal.click()
      await page.getByTestId('reveal-reason').fill('入户走访核对身份信息')
      await page.getByTestId('reveal-submit').click()
      await page.waitForFunction(
        () => [...document.querySelectorAll('[data-testid="person-id-number"]')].some((e) => /^\d{17}[\dX]$/.test(e.textContent.trim())),
      )
      assert.match((await idCell.textContent()).trim(), /^\d{17}[\dX]$/)
      await page.getByTestId('reveal-recorded').waitFor({ state: 'visible' })
      await page.screenshot({ path: join(ARTIFACTS, 'household-revealed.png'), animations: 'disabled' })

      // The audit browser lists the reveal with its reason.
      await page.getByTestId('menu-audit').click()
      await page.waitForURL((u) => u.pathname === '/console/audit')
      await page.getByTestId('audit-target').fill(`person:${personId}`)
      await page.getByTestId('audit-search').click()
      const record = page
        .locator('[data-testid="audit-table"] .el-table__body tr', { hasText: 'registry.person_revealed' })
        .first()
      await record.waitFor()
      assert.match(await record.textContent(), /入户走访核对身份信息/)
      assert.match(await record.textContent(), new RegExp(`person:${personId}`))
      assert.doesNotMatch(await record.textContent(), /\d{17}[\dX]/, 'the audit record shows the raw number')
      await page.screenshot({ path: join(ARTIFACTS, 'audit-reveal.png'), animations: 'disabled' })
    })
  })
})
