// Browser tests of codes (一户一码): the console's Codes screen, the landing page behind a
// printed code as the public and as staff see it (with a check-in), the number lookup of the
// phone scanner, and the pages of a retired or unknown code, in real Chromium against a
// running demo server.
//
//   MASHANG_URL=http://127.0.0.1:18080 \
//   MASHANG_DEMO_JSON="$(mashang demo --db sqlite:/tmp/x.db --json)" \
//   node --test tests/e2e/
//
// Credentials: MASHANG_STAFF_LOGIN / MASHANG_STAFF_PASSWORD, else the first community_staff
// in MASHANG_DEMO_JSON (the output of `mashang demo --json`), else the district admin.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
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
/** Somewhere in the demo district (Ordos), for the check-in's position. */
const HERE = { latitude: 39.6052, longitude: 109.7813, accuracy: 12 }

/** playwright-core from tests/node_modules; falls back to require() so NODE_PATH works too. */
async function loadChromium() {
  try {
    return (await import('playwright-core')).chromium
  } catch {
    return createRequire(import.meta.url)('playwright-core').chromium
  }
}

/** {staff}: {login, password} or null. */
function credentials() {
  let demo = []
  if (process.env.MASHANG_DEMO_JSON) {
    const parsed = JSON.parse(process.env.MASHANG_DEMO_JSON)
    demo = Array.isArray(parsed) ? parsed : (parsed.accounts ?? [])
  }
  const rolesOf = (a) => [a.role, ...(a.roles ?? []).map((r) => (typeof r === 'string' ? r : r.role))]
  const pick = (prefix, ...roles) => {
    const login = process.env[`MASHANG_${prefix}_LOGIN`]
    const password = process.env[`MASHANG_${prefix}_PASSWORD`]
    if (login && password) return { login, password }
    for (const role of roles) {
      const a = demo.find((x) => rolesOf(x).includes(role))
      if (a) return { login: a.login ?? a.username, password: a.password }
    }
    return null
  }
  return { staff: pick('STAFF', 'community_staff', 'district_admin') }
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
async function withPage(name, viewport, fn, options = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'mashang-e2e-'))
  profiles.push(profile)
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale: 'zh-CN',
    ...options,
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

/** GET `path` with the page's session (the answer's JSON). */
async function api(page, path) {
  return page.evaluate(async (p) => {
    const res = await fetch(p, { headers: { Accept: 'application/json' } })
    if (!res.ok) throw new Error(`${p}: ${res.status}`)
    return res.json()
  }, path)
}

/** The pixels of a grayscale PNG of bit depth 1 (what the server renders codes as): rows of
 *  0/1, 1 for white. */
function readPng1(bytes) {
  let pos = 8
  let w = 0
  let h = 0
  const idat = []
  while (pos < bytes.length) {
    const n = bytes.readUInt32BE(pos)
    const type = bytes.toString('latin1', pos + 4, pos + 8)
    const body = bytes.subarray(pos + 8, pos + 8 + n)
    if (type === 'IHDR') {
      w = body.readUInt32BE(0)
      h = body.readUInt32BE(4)
      assert.equal(body[8], 1, 'bit depth 1')
      assert.equal(body[9], 0, 'grayscale')
    } else if (type === 'IDAT') idat.push(body)
    pos += 12 + n
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = Math.ceil(w / 8)
  const rows = []
  let prev = Buffer.alloc(stride)
  for (let y = 0, i = 0; y < h; y++, i += 1 + stride) {
    const filter = raw[i]
    const line = Buffer.from(raw.subarray(i + 1, i + 1 + stride))
    for (let x = 0; x < stride; x++) {
      const a = x ? line[x - 1] : 0
      const b = prev[x]
      const c = x ? prev[x - 1] : 0
      const p = a + b - c
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c
      const add = [0, a, b, (a + b) >> 1, paeth][filter]
      line[x] = (line[x] + add) & 255
    }
    rows.push(Array.from({ length: w }, (_, x) => (line[x >> 3] >> (7 - (x & 7))) & 1))
    prev = line
  }
  return { w, h, rows }
}

/** A Y4M video (what Chromium's fake camera plays) of the picture centred on white, 640×480. */
function y4mOf({ w, h, rows }) {
  const W = 640
  const H = 480
  const luma = Buffer.alloc(W * H, 235)
  const ox = (W - w) >> 1
  const oy = (H - h) >> 1
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) luma[(oy + y) * W + ox + x] = rows[y][x] ? 235 : 16
  const chroma = Buffer.alloc((W * H) / 4, 128)
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma])
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), ...Array(5).fill(frame)])
}

const skipNoServer = BASE ? false : 'MASHANG_URL is not set (the server under test)'
const skipNoStaff = skipNoServer || (creds.staff ? false : 'no staff credentials (MASHANG_STAFF_* or MASHANG_DEMO_JSON)')

describe('codes', () => {
  test('staff issue a household code in the console; the public see only the building; staff record a visit; a revoked code says so', { skip: skipNoStaff }, async () => {
    await withPage('codes-console', DESKTOP, async (console_) => {
      await logIn(console_, creds.staff)
      await console_.waitForURL((u) => u.pathname.startsWith('/console'))

      // A household in scope: its building is the area, its persons the names to keep private.
      const households = await api(console_, '/api/households?limit=1')
      assert.ok(households.items.length > 0, 'the staff account sees no household')
      const household = await api(console_, `/api/households/${households.items[0].id}`)
      const names = household.persons.map((p) => p.name)
      const room = `${household.room}室`

      // The Codes screen from the side menu, then the household's building as the area.
      await console_.getByTestId('menu-codes').click()
      await console_.waitForURL((u) => u.pathname === '/console/codes')
      await console_.goto(`${BASE}/console/codes?node=${household.building_id}&tab=codes`)
      await console_.getByTestId('codes-tab').waitFor()

      // Issue the household's code (the demo may have issued it already: then it is answered).
      await console_.getByTestId('codes-issue').click()
      await console_.locator('[data-testid="issue-target"] input').fill(String(household.id))
      await console_.getByTestId('issue-submit').click()
      const row = console_
        .locator('[data-testid="codes-table"] .el-table__body tr', { hasText: household.address })
        .first()
      await row.waitFor()
      const number = (await row.getByTestId('code-number').textContent()).trim()
      assert.match(number, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}[0-9A-HJKMNP-TV-Z*~$=U]$/)
      const href = await row.getByTestId('code-open').getAttribute('href')
      const token = /^\/c\/([A-Za-z0-9_-]{24})$/.exec(href)?.[1]
      assert.ok(token, `the row links to ${href}`)
      // The SVG preview loaded (same origin, with the session).
      await console_.waitForFunction(
        (t) => [...document.querySelectorAll('img')].some((i) => i.src.endsWith(`/api/codes/${t}/svg`) && i.naturalWidth > 0),
        token,
      )
      await console_.screenshot({ path: join(ARTIFACTS, 'codes-console.png'), animations: 'disabled' })

      // The household's profile shows the same door code.
      await console_.goto(`${BASE}/console/households/${household.id}`)
      await console_.getByTestId('household-code-number').filter({ hasText: number }).waitFor()

      // Anyone (signed out) on a phone: the building and the community, never the room or a name.
      await withPage('codes-public', PHONE, async (phone) => {
        const res = await phone.goto(`${BASE}/c/${token}`)
        assert.equal(res.status(), 200)
        const view = phone.locator('[data-testid="code-view"][data-view="public"]')
        await view.waitFor()
        const text = await phone.getByTestId('code-landing').textContent()
        assert.ok(!text.includes(room), `the public page shows the room (${room})`)
        assert.ok(!text.includes(household.address), 'the public page shows the address')
        for (const n of names) assert.ok(!text.includes(n), `the public page shows ${n}`)
        assert.match(await phone.getByTestId('code-label').textContent(), /号楼/)
        // 上报问题 leads to the report page with the code, which gives the report its place.
        const report = phone.getByTestId('code-report')
        assert.equal(await report.isDisabled(), false)
        assert.equal(await phone.getByTestId('code-report-soon').count(), 0)
        await phone.screenshot({ path: join(ARTIFACTS, 'code-public.png'), animations: 'disabled' })
        await report.click()
        await phone.waitForURL((u) => u.pathname === '/m/report' && u.searchParams.get('code') === token)
        await phone.getByTestId('report-page').getByTestId('report-code').waitFor()
      })

      // Staff on a phone with the position granted: the household card, masked; a visit recorded
      // once, and the repeat within minutes is the same visit. The scanner's number field finds
      // the code too.
      await withPage(
        'codes-staff',
        PHONE,
        async (phone) => {
          await logIn(phone, creds.staff)
          await phone.waitForURL((u) => !u.pathname.startsWith('/login'))
          await phone.goto(`${BASE}/m/scan`)
          await phone.getByTestId('scan-number').locator('input').fill(number.toLowerCase().replace('-', ''))
          await phone.getByTestId('scan-number-go').click()
          await phone.waitForURL((u) => u.pathname === `/c/${token}`)

          const card = phone.getByTestId('code-household')
          await card.waitFor()
          assert.equal((await phone.getByTestId('code-label').textContent()).trim(), household.address)
          const cardText = await card.textContent()
          for (const n of names) assert.ok(cardText.includes(n), `the staff card lacks ${n}`)
          assert.doesNotMatch(cardText, /\d{17}[\dX]/, 'the staff card shows a raw ID number')
          assert.doesNotMatch(cardText, /1\d{10}/, 'the staff card shows a raw phone number')

          await phone.getByTestId('code-checkin').click()
          const done = phone.getByTestId('code-checked')
          await done.waitFor()
          assert.equal(await done.getAttribute('data-duplicate'), 'false')
          assert.match(await done.textContent(), /已记录/)
          await phone.screenshot({ path: join(ARTIFACTS, 'code-staff.png'), animations: 'disabled' })
          await phone.getByTestId('code-checkin').click()
          await phone.locator('[data-testid="code-checked"][data-duplicate="true"]').waitFor()
          assert.match(await done.textContent(), /刚才已经记录过了/)
        },
        { permissions: ['geolocation'], geolocation: HERE },
      )

      // Revoke with a reason in the console; the code's page then says it is no longer in use.
      await console_.goto(`${BASE}/console/codes?node=${household.building_id}&tab=codes`)
      const again = console_
        .locator('[data-testid="codes-table"] .el-table__body tr', { hasText: household.address })
        .first()
      await again.getByTestId('code-revoke').click()
      await console_.getByTestId('code-reason').fill('门牌损毁，停用旧码')
      await console_.getByTestId('code-reason-submit').click()
      await again.waitFor({ state: 'detached' })

      await withPage('codes-gone', PHONE, async (phone) => {
        const res = await phone.goto(`${BASE}/c/${token}`)
        assert.equal(res.status(), 410)
        await phone.getByTestId('code-gone').waitFor()
        await phone.screenshot({ path: join(ARTIFACTS, 'code-gone.png'), animations: 'disabled' })
        const unknown = await phone.goto(`${BASE}/c/AAAAAAAAAAAAAAAAAAAAAAAA`)
        assert.equal(unknown.status(), 404)
        await phone.getByTestId('code-not-found').waitFor()
      })
    })
  })

  test('staff print door plates of their community: progress to done, then the PDF', { skip: skipNoStaff }, async () => {
    await withPage('codes-print', DESKTOP, async (page) => {
      await logIn(page, creds.staff)
      await page.waitForURL((u) => u.pathname.startsWith('/console'))
      const me = await api(page, '/api/me')
      const scope = me.roles.find((g) => g.scope && g.scope !== '/')?.scope ?? '/'
      const node = scope === '/' ? (await api(page, '/api/nodes?limit=1')).items[0] : await api(page, `/api/nodes/${scope.split('/').pop()}`)

      await page.goto(`${BASE}/console/codes?node=${node.id}&tab=print`)
      await page.getByTestId('print-tab').waitFor()
      await page.getByTestId('print-limit').locator('input').fill('10')
      await page.getByTestId('print-start').click()
      await page.locator('[data-testid="print-job"][data-status="done"]').waitFor({ timeout: 60_000 })
      assert.match(await page.getByTestId('print-job').textContent(), /10 \/ 10/)
      const saved = page.waitForEvent('download')
      await page.getByTestId('print-download').click()
      const file = await saved
      assert.match(file.suggestedFilename(), /\.pdf$/)
      const pdf = join(mkdtempSync(join(tmpdir(), 'mashang-pdf-')), 'plates.pdf')
      await file.saveAs(pdf)
      assert.equal(readFileSync(pdf).subarray(0, 5).toString(), '%PDF-')
      // The job is listed among mine.
      await page.locator('[data-testid="print-jobs"] .el-table__body tr').first().waitFor()
      await page.screenshot({ path: join(ARTIFACTS, 'codes-print.png'), animations: 'disabled' })
    })
  })

  test('staff scan a code with the phone camera (a fake camera showing its PNG) and land on its page', { skip: skipNoStaff }, async () => {
    // A stall's code as the server renders it.
    let code
    let png
    await withPage('codes-camera-setup', DESKTOP, async (page) => {
      await logIn(page, creds.staff)
      await page.waitForURL((u) => !u.pathname.startsWith('/login'))
      code = (await api(page, '/api/codes?kind=stall&limit=1')).items[0] ?? (await api(page, '/api/codes?limit=1')).items[0]
      assert.ok(code, 'the staff account sees no code')
      const bytes = await page.evaluate(async (t) => {
        const res = await fetch(`/api/codes/${t}/png?px=6`)
        return [...new Uint8Array(await res.arrayBuffer())]
      }, code.token)
      png = Buffer.from(bytes)
    })
    const dir = mkdtempSync(join(tmpdir(), 'mashang-camera-'))
    profiles.push(dir)
    const video = join(dir, 'code.y4m')
    writeFileSync(video, y4mOf(readPng1(png)))

    await withPage(
      'codes-camera',
      PHONE,
      async (phone) => {
        await logIn(phone, creds.staff)
        await phone.waitForURL((u) => !u.pathname.startsWith('/login'))
        await phone.goto(`${BASE}/m`)
        await phone.getByTestId('go-scan').click()
        await phone.waitForURL((u) => u.pathname === `/c/${code.token}`)
        await phone.locator('[data-testid="code-view"]').waitFor()
        assert.equal((await phone.getByTestId('code-label').textContent()).trim(), code.label)
      },
      {
        args: [
          ...CHROMIUM_ARGS,
          '--use-fake-device-for-media-stream',
          '--use-fake-ui-for-media-stream',
          `--use-file-for-fake-video-capture=${video}`,
        ],
        permissions: ['camera'],
      },
    )
  })
})
