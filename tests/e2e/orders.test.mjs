// Browser test of work orders end to end (issue 5): a resident reports a problem with a photo
// (随手拍), a grid worker sees it arrive in the pool live, claims it with one tap and completes
// it with a note and an evidence photo, and the resident — whose report page follows every
// step live — rates it (多多评). Two phones side by side in real Chromium against a running
// demo server; neither page is reloaded once the scenario starts.
//
//   MASHANG_URL=http://127.0.0.1:18080 \
//   MASHANG_DEMO_JSON="$(mashang demo --db sqlite:/tmp/x.db --json)" \
//   node --test tests/e2e/
//
// Credentials: MASHANG_RESIDENT_LOGIN / MASHANG_RESIDENT_PASSWORD and MASHANG_WORKER_LOGIN /
// MASHANG_WORKER_PASSWORD, else the first resident / grid_worker in MASHANG_DEMO_JSON (the
// output of `mashang demo --json`).
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
const PHONE = { width: 390, height: 844 }
/** A category grid workers may claim that needs photos (to report and to complete). */
const CATEGORY = 'city.litter'

/** playwright-core from tests/node_modules; falls back to require() so NODE_PATH works too. */
async function loadChromium() {
  try {
    return (await import('playwright-core')).chromium
  } catch {
    return createRequire(import.meta.url)('playwright-core').chromium
  }
}

/** {resident, worker}: each {login, password} or null. */
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
  return { resident: pick('RESIDENT', 'resident'), worker: pick('WORKER', 'grid_worker') }
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
 * A phone in a fresh Chromium profile: {page, close, problems}. `problems` collects uncaught
 * page errors and Content-Security-Policy violations.
 */
async function openPhone(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'mashang-e2e-'))
  profiles.push(profile)
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: PHONE,
    locale: 'zh-CN',
    ...options,
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

async function logIn(page, who) {
  await page.goto(`${BASE}/login`)
  await page.getByTestId('login-account').fill(who.login)
  await page.getByTestId('login-password').fill(who.password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

/** GET `path` with the page's session (the answer's JSON). */
async function api(page, path) {
  return page.evaluate(async (p) => {
    const res = await fetch(p, { headers: { Accept: 'application/json' } })
    if (!res.ok) throw new Error(`${p}: ${res.status}`)
    return res.json()
  }, path)
}

/** Marks the page's window: `stillSamePage` then tells that no navigation reloaded it. */
const markPage = (page) => page.evaluate(() => (window.__ordersE2E = true))
async function stillSamePage(page, who) {
  assert.equal(await page.evaluate(() => window.__ordersE2E === true), true, `the ${who}'s page was reloaded`)
}

/** The phone's live stream is open (events from now on reach the page). */
const online = (page) => page.locator('[data-testid="live-status"][data-status="online"]').waitFor()

/** A small JPEG (a coloured gradient with a label) drawn in the page: {name, mimeType, buffer}. */
async function jpeg(page, name, label, hue) {
  const bytes = await page.evaluate(
    async ([text, h]) => {
      const c = document.createElement('canvas')
      c.width = 480
      c.height = 360
      const g = c.getContext('2d')
      const fill = g.createLinearGradient(0, 0, c.width, c.height)
      fill.addColorStop(0, `hsl(${h}, 70%, 45%)`)
      fill.addColorStop(1, '#ffffff')
      g.fillStyle = fill
      g.fillRect(0, 0, c.width, c.height)
      g.fillStyle = '#000000'
      g.font = '32px sans-serif'
      g.fillText(text, 24, c.height / 2)
      const blob = await new Promise((resolve) => c.toBlob(resolve, 'image/jpeg', 0.85))
      return [...new Uint8Array(await blob.arrayBuffer())]
    },
    [label, hue],
  )
  const buffer = Buffer.from(bytes)
  assert.equal(buffer.readUInt16BE(0), 0xffd8, 'the canvas made a JPEG')
  return { name, mimeType: 'image/jpeg', buffer }
}

/** Picks `file` in the photo picker inside `scope` and waits until it is uploaded and its
 *  thumbnail (from the server) is shown. */
async function addPhoto(scope, file) {
  await scope.getByTestId('photo-album-input').setInputFiles(file)
  const tile = scope.locator('[data-testid="photo-item"][data-status="done"]')
  await tile.waitFor()
  await tile.locator('img[src*="/api/photos/"]').evaluate(
    (img) =>
      img.complete && img.naturalWidth > 0
        ? true
        : new Promise((resolve, reject) => {
            img.addEventListener('load', () => resolve(true), { once: true })
            img.addEventListener('error', () => reject(new Error(`thumbnail ${img.src} did not load`)), { once: true })
          }),
  )
}

/**
 * A point inside grid `gridId`, found like tests/api/orders-helpers.mjs pointIn: the grid's
 * shape from GET /api/grids/geojson, then points of a lattice over its bounding box until
 * GET /api/grids/locate answers that grid. Asked with the page's session.
 */
async function pointInGrid(page, gridId) {
  const p = await page.evaluate(async (id) => {
    const get = async (path) => {
      const res = await fetch(path, { headers: { Accept: 'application/json' } })
      if (!res.ok) throw new Error(`${path}: ${res.status}`)
      return res.json()
    }
    const fc = await get('/api/grids/geojson')
    const f = fc.features.find((x) => x.id === id)
    if (!f) return null
    const ps = []
    const walk = (c) => (typeof c[0] === 'number' ? ps.push(c) : c.forEach(walk))
    walk(f.geometry.coordinates)
    const lons = ps.map((x) => x[0])
    const lats = ps.map((x) => x[1])
    const [w, e, s, n] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)]
    for (const k of [2, 4, 8])
      for (let i = 1; i < k; i++)
        for (let j = 1; j < k; j++) {
          const q = { lat: Number((s + ((n - s) * j) / k).toFixed(6)), lon: Number((w + ((e - w) * i) / k).toFixed(6)) }
          const hit = await get(`/api/grids/locate?lon=${q.lon}&lat=${q.lat}`)
          if (hit.grid?.id === id) return q
        }
    return null
  }, gridId)
  assert.ok(p, `found no point inside grid ${gridId}`)
  return p
}

const skip = !BASE
  ? 'MASHANG_URL is not set (the server under test)'
  : !creds.resident || !creds.worker
    ? 'no resident or grid worker credentials (MASHANG_RESIDENT_*, MASHANG_WORKER_* or MASHANG_DEMO_JSON)'
    : false

describe('orders', () => {
  test('a resident reports with a photo; a grid worker claims it from the live pool and completes it; the resident follows live and rates it', { skip }, async () => {
    const worker = await openPhone()
    const resident = await openPhone({ permissions: ['geolocation'] }).catch(async (e) => {
      await worker.close()
      throw e
    })
    const w = worker.page
    const r = resident.page
    const tag = Math.random().toString(36).slice(2, 8)
    const description = `小区东门垃圾堆了三天 <b>x</b> e2e-${tag}`
    const note = `已清运，地面冲洗干净 <i>ok</i> ${tag}`
    const comment = `处理很快，谢谢 ${tag}`
    try {
      // The grid worker opens the pool and keeps it open.
      await logIn(w, creds.worker)
      const me = await api(w, '/api/me')
      const grant = (me.roles ?? []).find((g) => g.role === 'grid_worker')
      assert.ok(grant?.scope, `${creds.worker.login} holds no grid_worker grant`)
      const gridId = Number(grant.scope.split('/').pop())
      const here = await pointInGrid(w, gridId)
      // Home, then 抢单池: in the app, so that "back" returns home without loading a page.
      if (new URL(w.url()).pathname !== '/m') await w.goto(`${BASE}/m`)
      await w.getByTestId('go-pool').click()
      await w.waitForURL((u) => u.pathname === '/m/pool')
      await w.getByTestId('pool').waitFor()
      await w.locator('[data-testid="pool"] .van-list__finished-text').waitFor()
      await online(w)
      await markPage(w)

      // The resident reports: a photo, "my location" (inside the worker's grid), the category,
      // a description with markup in it.
      await resident.context.setGeolocation({ latitude: here.lat, longitude: here.lon, accuracy: 10 })
      await logIn(r, creds.resident)
      await r.goto(`${BASE}/m/report`)
      await r.getByTestId('report-page').waitFor()
      await online(r)
      await markPage(r)
      await addPhoto(r.getByTestId('photo-picker'), await jpeg(r, 'litter.jpg', `litter ${tag}`, 30))

      await r.getByTestId('location-mine').click()
      await r.getByTestId('location-coords').filter({ hasText: `${here.lat.toFixed(5)}, ${here.lon.toFixed(5)}` }).waitFor()

      await r.getByTestId('category-field').click()
      await r.locator(`[data-testid="category-option"][data-code="${CATEGORY}"]`).click()
      const categories = await api(r, '/api/categories')
      const category = categories.items.find((c) => c.code === CATEGORY)
      assert.ok(category?.photos_required, `${CATEGORY} requires photos`)
      await r.waitForFunction(
        (name) => document.querySelector('[data-testid="category-field"] input')?.value === name,
        category.name_zh,
      )
      await r.getByTestId('report-description').locator('textarea').fill(description)

      // Send; if open orders of the category are close by, it is a new problem all the same.
      const created = r.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === '/api/reports')
      await r.getByTestId('report-submit').click()
      const landed = r.waitForURL((u) => /^\/m\/reports\/\d+$/.test(u.pathname))
      const sheet = r.getByTestId('nearby-new')
      if ((await Promise.race([landed.then(() => 'landed'), sheet.waitFor().then(() => 'sheet')])) === 'sheet') {
        await sheet.click()
      }
      const sent = await created
      assert.equal(sent.status(), 201, `POST /api/reports: ${sent.status()} ${await sent.text()}`)
      const report = await sent.json()
      assert.equal(report.status, 'ordered', 'the report made an order at once (no triage)')
      const orderId = report.order_id
      assert.ok(orderId, 'the report has its order')
      await landed
      assert.equal(new URL(r.url()).pathname, `/m/reports/${report.id}`)
      await stillSamePage(r, 'resident') // the app navigated; the page was not loaded again

      // The report page: its description as text, its photo, the order open.
      const detail = r.getByTestId('report-detail')
      await detail.locator('[data-testid="state-tag"][data-state="open"]').waitFor()
      const shown = detail.getByTestId('report-description')
      assert.equal((await shown.textContent()).trim(), description)
      assert.equal(await shown.locator('b').count(), 0, 'the description was rendered as markup')
      await detail.locator('img[src*="/api/photos/"]').first().waitFor()
      await detail.locator('[data-testid="timeline-step"][data-step="created"]').waitFor()

      // The worker's pool shows the new order without a reload.
      const card = w.locator(`[data-testid="pool"] [data-testid="order-card"][data-order-id="${orderId}"]`)
      await card.waitFor()
      await stillSamePage(w, 'worker')
      assert.match(await card.textContent(), new RegExp(`${category.name_zh}.*#${orderId}`))
      assert.ok((await card.locator('.card__text').textContent()).includes('<b>x</b>'), 'the card shows the description as text')
      assert.equal(await card.locator('.card__text b').count(), 0)
      await w.screenshot({ path: join(ARTIFACTS, 'orders-pool.png'), animations: 'disabled' })

      // One tap claims it: it leaves the pool, and the worker is told where it went.
      const claimed = w.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === `/api/orders/${orderId}/claim`)
      const told = w.getByText(`抢单成功：工单 #${orderId}`).waitFor() // a toast, gone in 2 s
      told.catch(() => {}) // awaited below, unless the claim already failed
      await card.getByTestId('pool-claim').click()
      assert.equal((await claimed).status(), 200)
      await told
      await card.waitFor({ state: 'detached' })

      // The resident's page follows: claimed.
      await detail.locator('[data-testid="state-tag"][data-state="claimed"]').waitFor()
      await detail.locator('[data-testid="timeline-step"][data-step="claimed"]').waitFor()
      assert.match(await detail.getByTestId('state-tag').textContent(), /办理中/)

      // The worker opens it from 我的工单: back to the home page, then the list. (Back, not the
      // 首页 tab: the tab counts as active on every /m page and does nothing when tapped.)
      await w.goBack()
      await w.waitForURL((u) => u.pathname === '/m')
      await w.getByTestId('go-orders').click()
      await w.locator(`[data-testid="my-orders"] [data-testid="order-card"][data-order-id="${orderId}"]`).click()
      await w.waitForURL((u) => u.pathname === `/m/orders/${orderId}`)
      const order = w.getByTestId('order-detail')
      await order.locator('[data-testid="state-tag"][data-state="claimed"]').waitFor()
      assert.equal((await order.getByTestId('order-description').textContent()).trim(), description)
      assert.equal(await order.getByTestId('order-description').locator('b').count(), 0)

      // …and completes it with a note and an evidence photo.
      await order.getByTestId('order-complete').click()
      const dialog = w.locator('.van-dialog').filter({ has: w.getByTestId('photo-picker') })
      await dialog.waitFor()
      await addPhoto(dialog, await jpeg(w, 'done.jpg', `cleaned ${tag}`, 140))
      await dialog.getByTestId('text-dialog-input').locator('textarea').fill(note)
      const completed = w.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === `/api/orders/${orderId}/complete`)
      await dialog.locator('.van-dialog__confirm').click()
      const done = await completed
      assert.equal(done.status(), 200, `complete: ${await done.text()}`)
      await dialog.waitFor({ state: 'hidden' })
      await order.locator('[data-testid="state-tag"][data-state="completed"]').waitFor()
      await order.locator('[data-testid="timeline-step"][data-step="completed"]', { hasText: note }).waitFor()
      await order.getByText('办结照片').waitFor()
      assert.equal(await order.getByTestId('order-complete').count(), 0, 'a completed order offers no completion')
      await stillSamePage(w, 'worker')

      // The resident's page follows: completed, with the worker's note (as text); it asks
      // whether the problem is solved.
      await detail.locator('[data-testid="state-tag"][data-state="completed"]').waitFor()
      const step = detail.locator('[data-testid="timeline-step"][data-step="completed"]', { hasText: note })
      await step.waitFor()
      assert.equal(await step.locator('i').count(), 0, 'the note was rendered as markup')
      await detail.getByTestId('report-actions').getByText('问题解决了吗？').waitFor()
      await stillSamePage(r, 'resident')
      await r.screenshot({ path: join(ARTIFACTS, 'orders-report-completed.png'), animations: 'disabled' })

      // The resident rates it five stars with a comment: the order is closed.
      await detail.getByTestId('report-rate').click()
      const rating = r.locator('.van-dialog').filter({ has: r.getByTestId('rate-stars') })
      await rating.waitFor()
      const stars = rating.getByTestId('rate-stars').locator('[role="radio"]')
      assert.equal(await stars.count(), 5)
      await stars.nth(4).click()
      await rating.locator('[data-testid="rate-stars"] [role="radio"][aria-posinset="5"][aria-checked="true"]').waitFor()
      await rating.getByTestId('text-dialog-input').locator('textarea').fill(comment)
      const rated = r.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === `/api/orders/${orderId}/rate`)
      await rating.locator('.van-dialog__confirm').click()
      const ratedRes = await rated
      assert.equal(ratedRes.status(), 200, `rate: ${await ratedRes.text()}`)
      assert.deepEqual(ratedRes.request().postDataJSON(), { stars: 5, comment })
      await rating.waitFor({ state: 'hidden' })
      await detail.locator('[data-testid="state-tag"][data-state="closed"]').waitFor()
      assert.match(await detail.getByTestId('state-tag').textContent(), /已关闭/)
      await detail.locator('[data-testid="timeline-step"][data-step="rated"]', { hasText: comment }).waitFor()
      await detail.getByTestId('report-rate').waitFor({ state: 'detached' })
      await detail.getByTestId('report-reopen').waitFor() // a closed order may still be reopened
      await stillSamePage(r, 'resident')
      await r.screenshot({ path: join(ARTIFACTS, 'orders-report-rated.png'), animations: 'disabled' })

      // The worker's page, still open, shows it closed with its rating.
      await order.locator('[data-testid="state-tag"][data-state="closed"]').waitFor()
      await order.locator('.van-rate').waitFor()
      await stillSamePage(w, 'worker')

      // The server agrees.
      const final = await api(w, `/api/orders/${orderId}`)
      assert.equal(final.order.status, 'closed')
      assert.equal(final.order.rating, 5)
      assert.equal(final.order.rating_comment, comment)
      assert.equal(final.order.claimed_by, me.id ?? me.account?.id)
      assert.equal(final.order.description, description)
      assert.deepEqual(
        final.steps.map((s) => s.step),
        ['created', 'claimed', 'completed', 'rated'],
      )
      assert.deepEqual(final.photos.map((p) => p.kind).sort(), ['evidence', 'report'])
      const mine = await api(r, `/api/reports/${report.id}`)
      assert.equal(mine.report.order_status, 'closed')
    } catch (e) {
      await w.screenshot({ path: join(ARTIFACTS, 'orders-worker-failure.png') }).catch(() => {})
      await r.screenshot({ path: join(ARTIFACTS, 'orders-resident-failure.png') }).catch(() => {})
      throw e
    } finally {
      await worker.close()
      await resident.close()
    }
    assert.deepEqual(worker.problems, [], 'no page errors or CSP violations on the worker’s phone')
    assert.deepEqual(resident.problems, [], 'no page errors or CSP violations on the resident’s phone')
  })
})
