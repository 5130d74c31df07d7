// Browser tests of visits (探访) and the station's rooms (功能室), issue 7, in real Chromium
// against a running demo server:
//
// - the elder (刘桂兰, a resident) opens 功能室预约 from her phone home, sees 老年活动室 (capacity
//   20, 08:00–21:00 every day, 60-minute slots), finds the days beyond her booking window greyed
//   (超出可预约天数), books tomorrow 10:00, sees it under 我的预约 and cancels it; at the room's code
//   预约签到 says she has no booking for the room now (the server's reason, in words);
// - the building steward (张敏) opens her door code's page, records a visit (blood pressure
//   150/95, gas faulty) and sees it saved with 血压偏高 and 燃气异常 highlighted; 待探访 lists
//   the elder as visited today, and her visit history shows the visit.
//
//   scripts/with-server node --test tests/e2e/care-visits.test.mjs
//
// Credentials: MASHANG_STEWARD_* / MASHANG_ELDER_* / MASHANG_ADMIN_* (login, password), else the
// demo's `steward`, `elder` and `admin` from MASHANG_DEMO_JSON. The admin looks the codes up.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { ARTIFACTS, BASE, PHONE, account, logIn, useBrowsers, api } from './browser.mjs'

const DAY_MS = 86_400_000
const SHIFT_MS = 8 * 3_600_000

const creds = {
  steward: account('STEWARD', { login: 'steward' }),
  elder: account('ELDER', { login: 'elder' }),
  admin: account('ADMIN', { login: 'admin' }),
}
const openBrowser = useBrowsers()

/** The answer to the next `method path` request of the page. */
const answer = (page, method, path) =>
  page.waitForResponse((res) => res.request().method() === method && new URL(res.url()).pathname === path)

/** The UTC+8 date `days` after today, "YYYY-MM-DD", and the moment it begins. */
function stationDay(days) {
  const date = new Date(Date.now() + SHIFT_MS + days * DAY_MS).toISOString().slice(0, 10)
  return { date, start: Date.parse(`${date}T00:00:00Z`) - SHIFT_MS }
}

/** The admin's session in a page, to look the demo's codes up. */
async function codeOf(admin, kind, target) {
  const r = await api(admin, 'GET', `/api/codes?kind=${kind}&target=${target}&limit=5`)
  assert.equal(r.status, 200, `codes of ${kind} ${target}: ${JSON.stringify(r.json)}`)
  const code = r.json.items.find((c) => c.status === 'active')
  assert.ok(code, `the demo has an active code for ${kind} ${target}`)
  return code.token
}

const skip = !BASE
  ? 'MASHANG_URL is not set (the server under test)'
  : !creds.steward || !creds.elder || !creds.admin
    ? 'no steward, elder or admin credentials (MASHANG_STEWARD_*, MASHANG_ELDER_*, MASHANG_ADMIN_* or MASHANG_DEMO_JSON)'
    : false

describe('care: rooms and visits', () => {
  test('the elder books tomorrow in 老年活动室, sees it under 我的预约 and cancels it', { skip }, async () => {
    const { page: e, problems, close } = await openBrowser(PHONE)
    try {
      await logIn(e, creds.elder)
      if (new URL(e.url()).pathname !== '/m') await e.goto(`${BASE}/m`)
      await e.getByTestId('go-care-rooms').click()
      await e.waitForURL((u) => u.pathname === '/m/care/rooms')

      // The community's rooms; 老年活动室 picked, with its hours.
      const room = e.getByTestId('care-room').filter({ hasText: '老年活动室' })
      await room.click()
      const roomId = Number(await room.getAttribute('data-room'))
      await e.getByTestId('care-room-info').filter({ hasText: '08:00–21:00' }).filter({ hasText: '每天' }).waitFor()
      assert.match(await e.getByTestId('care-room-info').textContent(), /可容纳 20 人/)

      // Five days ahead is beyond a standard tier's window (today and 3 days after): greyed, with the reason.
      const far = stationDay(5)
      await e.locator(`[data-testid="care-rooms-day"][data-date="${far.date}"]`).click()
      const farSlot = e.locator(`[data-testid="care-slot"][data-start="${far.start + 10 * 3_600_000}"]`)
      await farSlot.waitFor()
      assert.equal(await farSlot.getAttribute('data-bookable'), 'false')
      assert.equal(await farSlot.getAttribute('data-why'), 'window')
      assert.match(await farSlot.getByTestId('care-slot-why').textContent(), /超出可预约天数/)
      assert.equal(await farSlot.getByTestId('care-slot-book').count(), 0)

      // Tomorrow 10:00: 20 places, bookable.
      const day = stationDay(1)
      const starts = day.start + 10 * 3_600_000
      await e.locator(`[data-testid="care-rooms-day"][data-date="${day.date}"]`).click()
      const slot = e.locator(`[data-testid="care-slot"][data-start="${starts}"]`)
      await slot.waitFor()
      assert.equal(await slot.getAttribute('data-bookable'), 'true')
      assert.match(await slot.textContent(), /10:00–11:00/)
      assert.match(await slot.textContent(), /剩余 20 个名额/)
      await slot.getByTestId('care-slot-book').click()
      const dialog = e.getByTestId('care-rooms-confirm')
      await dialog.filter({ hasText: '老年活动室' }).filter({ hasText: '明天 10:00–11:00' }).waitFor()
      const booked = answer(e, 'POST', '/api/care/bookings')
      await dialog.locator('.van-dialog__confirm').click()
      const res = await booked
      assert.equal(res.status(), 201, `POST /api/care/bookings: ${await res.text()}`)
      assert.deepEqual(res.request().postDataJSON(), { room_id: roomId, starts_at: starts })
      const booking = await res.json()
      await slot.getByTestId('care-slot-mine').waitFor()
      await slot.filter({ hasText: '剩余 19 个名额' }).waitFor()
      await e.screenshot({ path: join(ARTIFACTS, 'care-rooms-booked.png'), animations: 'disabled' })

      // 我的预约: the booking, 已预约, with a cancel button.
      await e.getByRole('tab', { name: '我的预约' }).click()
      const mine = e.locator(`[data-testid="care-booking"][data-id="${booking.id}"]`)
      await mine.waitFor()
      assert.match(await mine.textContent(), /老年活动室/)
      assert.match(await mine.textContent(), /10:00–11:00/)
      assert.match(await mine.getByTestId('care-booking-state').textContent(), /已预约/)
      await e.screenshot({ path: join(ARTIFACTS, 'care-rooms-mine.png'), animations: 'disabled' })

      // Cancelled before it begins: 已取消, the place free again.
      await mine.getByTestId('care-booking-cancel').click()
      const cancelled = answer(e, 'POST', `/api/care/bookings/${booking.id}/cancel`)
      await e.getByTestId('care-rooms-confirm').locator('.van-dialog__confirm').click()
      assert.equal((await cancelled).status(), 200)
      await e.locator(`[data-testid="care-booking"][data-id="${booking.id}"][data-status="cancelled"]`).waitFor()
      assert.match(await mine.getByTestId('care-booking-state').textContent(), /已取消/)
      assert.equal(await mine.getByTestId('care-booking-cancel').count(), 0)
      const slots = await api(e, 'GET', `/api/care/rooms/${roomId}/slots?date=${day.date}`)
      assert.equal(slots.json.items.find((s) => s.starts_at === starts).booked, 0)

      // At the room's code, 预约签到 says she has no booking for it now.
      const admin = await openBrowser(PHONE)
      let roomToken
      try {
        await logIn(admin.page, creds.admin)
        const rooms = (await api(e, 'GET', '/api/care/rooms')).json.items
        const placeId = rooms.find((r) => r.id === roomId).place_id
        assert.ok(placeId, '老年活动室 has a function_room place')
        roomToken = await codeOf(admin.page, 'function_room', placeId)
      } finally {
        await admin.close()
      }
      await e.goto(`${BASE}/c/${roomToken}`)
      const checkIn = answer(e, 'POST', '/api/care/bookings/check-in')
      await e.getByTestId('code-booking-checkin').click()
      assert.equal((await checkIn).status(), 409)
      await e.getByTestId('code-booking-problem').filter({ hasText: '您现在没有这个功能室的预约' }).waitFor()
      await e.screenshot({ path: join(ARTIFACTS, 'care-room-checkin-refused.png'), animations: 'disabled' })
      assert.deepEqual(problems, [])
    } catch (err) {
      await e.screenshot({ path: join(ARTIFACTS, 'care-rooms-failure.png') }).catch(() => {})
      throw err
    } finally {
      await close()
    }
  })

  test('the steward records a visit at the elder’s door; the flags show, 待探访 and the history follow', { skip }, async () => {
    const { page: s, problems, close } = await openBrowser(PHONE)
    try {
      // The elder's door code, looked up by the admin.
      let token
      let household
      const her = await openBrowser(PHONE)
      try {
        await logIn(her.page, creds.elder)
        household = (await api(her.page, 'GET', '/api/me/household')).json
      } finally {
        await her.close()
      }
      const admin = await openBrowser(PHONE)
      try {
        await logIn(admin.page, creds.admin)
        token = await codeOf(admin.page, 'household', household.id)
      } finally {
        await admin.close()
      }
      const elder = household.persons.find((p) => p.tags.includes('elder')) ?? household.persons[0]

      await logIn(s, creds.steward)
      await s.goto(`${BASE}/c/${token}`)
      await s.getByTestId('code-household').waitFor()
      await s.getByTestId('code-record-visit').click()
      const sheet = s.getByTestId('visit-sheet')
      await sheet.getByTestId('visit-systolic').locator('input').fill('150')
      await sheet.getByTestId('visit-diastolic').locator('input').fill('95')
      await sheet.getByTestId('visit-pulse-input').locator('input').fill('76')
      await sheet.getByTestId('visit-water-ok').click()
      await sheet.getByTestId('visit-power-ok').click()
      await sheet.getByTestId('visit-gas-bad').click()
      await sheet.getByTestId('visit-note-input').locator('textarea').fill('精神不错，燃气灶有异味，已关阀并报修')
      await s.screenshot({ path: join(ARTIFACTS, 'care-visit-form.png'), animations: 'disabled' })
      const posted = answer(s, 'POST', '/api/care/visits')
      await sheet.getByTestId('visit-submit').click()
      const res = await posted
      assert.equal(res.status(), 201, `POST /api/care/visits: ${await res.text()}`)
      const sent = res.request().postDataJSON()
      assert.equal(sent.token, token)
      assert.equal(sent.systolic, 150)
      assert.equal(sent.gas_ok, false)
      const visit = await res.json()
      assert.equal(visit.person_id, elder.id)
      assert.deepEqual([...visit.flags].sort(), ['bp_high', 'gas'])

      // Saved: the visit with its flags highlighted.
      const card = s.getByTestId('code-visit')
      await card.waitFor()
      const flags = await card.getByTestId('visit-flag').allTextContents()
      assert.deepEqual(flags.map((f) => f.trim()), ['血压偏高', '燃气异常'])
      assert.match(await card.getByTestId('visit-bp').textContent(), /150\/95/)
      assert.equal(await card.getByTestId('visit-check-gas').getAttribute('data-state'), 'bad')
      await s.screenshot({ path: join(ARTIFACTS, 'care-visit-saved.png'), animations: 'disabled' })

      // 待探访, from the phone home: the elder, visited today.
      await s.goto(`${BASE}/m`)
      await s.getByTestId('go-care-visits').click()
      await s.waitForURL((u) => u.pathname === '/m/care/visits')
      const due = s.locator(`[data-testid="care-due-card"][data-person="${elder.id}"]`)
      await due.filter({ hasText: '今天已探访' }).waitFor()
      assert.equal(await due.getAttribute('data-overdue'), 'false')
      await s.screenshot({ path: join(ARTIFACTS, 'care-visits-due.png'), animations: 'disabled' })

      // Her history: the visit, newest first.
      await due.click()
      await s.waitForURL((u) => u.pathname === `/m/care/visits/${elder.id}`)
      const first = s.getByTestId('visit-card').first()
      await first.waitFor()
      assert.equal(await first.getAttribute('data-id'), String(visit.id))
      assert.match(await first.textContent(), /燃气灶有异味/)
      assert.deepEqual(problems, [])
    } catch (err) {
      await s.screenshot({ path: join(ARTIFACTS, 'care-visits-failure.png') }).catch(() => {})
      throw err
    } finally {
      await close()
    }
  })
})
