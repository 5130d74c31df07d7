// Browser tests of meals (助餐) and doctor consultations (问诊), issue 7, in real Chromium against
// a running demo server:
//
// - the community's staff keep the console's 助餐 tab open on tomorrow's menu of 康城社区; the
//   elder (刘桂兰) opens 助餐 from her one-key page, picks tomorrow, takes two 番茄炒蛋套餐 and a
//   小米粥 delivered to her door and orders (after a confirmation); the console — not reloaded —
//   counts them in the kitchen (番茄炒蛋套餐 2 more to cook, both to deliver; one order more) and
//   lists her order with her address; she cancels it under 我的订餐 and the counts go back;
// - the family doctor (doctor2, over her building) keeps 问诊 open on a phone; the elder asks an
//   online consultation from 问诊; the doctor's list shows it live, the doctor reads the question
//   and answers it at once (完成问诊); the elder reads the notes;
// - the building steward (张敏) opens 我的老人, the elder's profile (revealed with a reason), and
//   orders tomorrow's meal for her (帮他订餐), then cancels it.
//
//   scripts/with-server node --test tests/e2e/care-meals.test.mjs
//
// Credentials: MASHANG_ELDER_* / MASHANG_COMMUNITY_* / MASHANG_DOCTOR2_* / MASHANG_STEWARD_* (login,
// password), else the demo's `elder`, `community`, `doctor2` and `steward` from MASHANG_DEMO_JSON. The demo publishes menus
// for tomorrow and the day after (cut-off 09:00 of the day, UTC+8, so tomorrow's is open); when
// tomorrow has none, the test publishes one through the API as the community's staff.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { ARTIFACTS, BASE, DESKTOP, PHONE, WAIT_MS, account, api, logIn, useBrowsers } from './browser.mjs'

const DAY_MS = 86_400_000
const SHIFT_MS = 8 * 3_600_000

const creds = {
  elder: account('ELDER', { login: 'elder' }),
  community: account('COMMUNITY', { login: 'community' }),
  doctor: account('DOCTOR2', { login: 'doctor2' }),
  steward: account('STEWARD', { login: 'steward' }),
}
const openBrowser = useBrowsers()

/** The UTC+8 date `days` after today, "YYYY-MM-DD". */
const stationDay = (days) => new Date(Date.now() + SHIFT_MS + days * DAY_MS).toISOString().slice(0, 10)

/** The answer to the next `method path` request of the page. */
const answer = (page, method, path) =>
  page.waitForResponse((res) => res.request().method() === method && new URL(res.url()).pathname === path)

/** Marks the page's window: `stillSamePage` then tells that no navigation reloaded it. */
const markPage = (page) => page.evaluate(() => (window.__careE2E = true))
async function stillSamePage(page, who) {
  assert.equal(await page.evaluate(() => window.__careE2E === true), true, `the ${who}'s page was reloaded`)
}

/** The page's live stream is open (events from now on reach the page). */
const online = (page) => page.locator('[data-testid="live-status"][data-status="online"]').waitFor()

/** The element's text, trimmed, once it is `want`. */
async function textIs(locator, want, what) {
  try {
    await locator.filter({ hasText: new RegExp(`^\\s*${want}\\s*$`) }).waitFor()
  } catch (e) {
    throw new Error(`${what}: wanted ${want}, found ${await locator.textContent().catch(() => '?')}`, { cause: e })
  }
}

const skip = !BASE
  ? 'MASHANG_URL is not set (the server under test)'
  : !creds.elder || !creds.community
    ? 'no elder or community credentials (MASHANG_ELDER_*, MASHANG_COMMUNITY_* or MASHANG_DEMO_JSON)'
    : false
const skipSteward = skip || (!creds.steward ? 'no steward credentials (MASHANG_STEWARD_* or MASHANG_DEMO_JSON)' : false)
const skipDoctor = skip || (!creds.doctor ? 'no doctor2 credentials (MASHANG_DOCTOR2_* or MASHANG_DEMO_JSON with doctor2)' : false)

describe('care: meals and consultations', () => {
  test('the elder orders tomorrow’s meal on her phone; the console’s kitchen count goes up live, and down when she cancels', { skip }, async () => {
    const elder = await openBrowser(PHONE)
    const staff = await openBrowser(DESKTOP).catch(async (e) => {
      await elder.close()
      throw e
    })
    const e = elder.page
    const s = staff.page
    try {
      await logIn(e, creds.elder)
      await logIn(s, creds.community)
      const tomorrow = stationDay(1)

      // Tomorrow's menu of her community (published here when the demo has none open).
      let menu = (await api(e, 'GET', `/api/care/menus?from=${tomorrow}&to=${tomorrow}`)).json?.items?.[0]
      if (!menu || !menu.open || !menu.delivery || !menu.items.some((i) => i.name === '番茄炒蛋套餐')) {
        assert.equal(menu, undefined, `tomorrow's menu is not fit for the test: ${JSON.stringify(menu)}`)
        const home = (await api(e, 'GET', '/api/me/household')).json
        const communityId = Number(home.path.split('/').filter(Boolean)[1])
        const made = await api(s, 'POST', '/api/care/menus', {
          community_id: communityId,
          date: tomorrow,
          pickup: true,
          delivery: true,
          items: [
            { name: '番茄炒蛋套餐', price_fen: 1200, portions: 60 },
            { name: '清蒸鱼套餐', price_fen: 1800, portions: 40 },
            { name: '小米粥', price_fen: 300, portions: 80 },
          ],
        })
        assert.equal(made.status, 201, `POST /api/care/menus: ${JSON.stringify(made.json)}`)
        menu = made.json
      }
      const eggs = menu.items.find((i) => i.name === '番茄炒蛋套餐')
      const porridge = menu.items.find((i) => i.name === '小米粥')
      assert.ok(eggs && porridge, 'the menu has 番茄炒蛋套餐 and 小米粥')

      // The console's 助餐 tab on tomorrow's menu: the kitchen's count before.
      await s.goto(`${BASE}/console/care?tab=meals&node=${menu.community_id}&date=${tomorrow}`)
      await s.locator(`[data-testid="care-menu-info"][data-menu="${menu.id}"]`).waitFor()
      const eggsTotal = s.getByTestId(`care-kitchen-total-${eggs.id}`)
      const eggsDelivery = s.getByTestId(`care-kitchen-delivery-${eggs.id}`)
      const orders = s.getByTestId('care-kitchen-orders')
      await eggsTotal.waitFor()
      const before = {
        eggs: Number(await eggsTotal.textContent()),
        eggsDelivery: Number(await eggsDelivery.textContent()),
        orders: Number(await orders.textContent()),
      }
      await online(s)
      await markPage(s)

      // The elder: 一键呼叫 → 助餐 → tomorrow.
      if (new URL(e.url()).pathname !== '/m') await e.goto(`${BASE}/m`)
      await e.getByTestId('go-care').click()
      await e.waitForURL((u) => u.pathname === '/m/care')
      // 我的管家: her building's steward and backup, by name.
      await e.getByTestId('care-my-steward').filter({ hasText: '张敏' }).waitFor({ timeout: WAIT_MS })
      await e.getByTestId('care-go-meals').click()
      await e.waitForURL((u) => u.pathname === '/m/care/meals')
      await e.locator(`[data-testid="care-menu-day"][data-date="${tomorrow}"]`).click()
      await e.getByTestId('care-menu-cutoff').filter({ hasText: '前可以订' }).waitFor()
      assert.match(await e.getByTestId('care-menu-cutoff').textContent(), /明天 09:00 前可以订/)

      // Two 番茄炒蛋套餐 and a 小米粥, delivered.
      const eggsRow = e.locator(`[data-testid="care-menu-item"][data-item="${eggs.id}"]`)
      const porridgeRow = e.locator(`[data-testid="care-menu-item"][data-item="${porridge.id}"]`)
      assert.match(await eggsRow.textContent(), /番茄炒蛋套餐/)
      assert.match(await eggsRow.textContent(), /12 元/)
      await eggsRow.locator('.van-stepper__plus').click()
      await eggsRow.locator('.van-stepper__plus').click()
      await porridgeRow.locator('.van-stepper__plus').click()
      await e.getByTestId('care-meal-mode-delivery').click()
      await e.getByTestId('care-meal-total').filter({ hasText: '共 3 份，27 元' }).waitFor()
      await e.screenshot({ path: join(ARTIFACTS, 'care-meals-order.png'), animations: 'disabled' })
      await e.getByTestId('care-meal-submit').click()
      const dialog = e.getByTestId('care-meals-confirm')
      await dialog.filter({ hasText: '番茄炒蛋套餐×2、小米粥×1' }).filter({ hasText: '送餐上门' }).waitFor()
      const placed = answer(e, 'POST', '/api/care/meals')
      await dialog.locator('.van-dialog__confirm').click()
      const res = await placed
      assert.equal(res.status(), 201, `POST /api/care/meals: ${await res.text()}`)
      assert.deepEqual(res.request().postDataJSON(), {
        menu_id: menu.id,
        mode: 'delivery',
        items: [
          { item_id: eggs.id, qty: 2 },
          { item_id: porridge.id, qty: 1 },
        ].sort((a, b) => menu.items.findIndex((i) => i.id === a.item_id) - menu.items.findIndex((i) => i.id === b.item_id)),
      })
      const meal = await res.json()
      assert.equal(meal.status, 'ordered')
      assert.equal(meal.total_fen, 2700)
      await e.locator(`[data-testid="care-menu-ordered"][data-id="${meal.id}"]`).waitFor()
      await e.screenshot({ path: join(ARTIFACTS, 'care-meals-ordered.png'), animations: 'disabled' })

      // The console, not reloaded: two more 番茄炒蛋套餐 to cook, both to deliver, one order more,
      // and her order with her address.
      await textIs(eggsTotal, before.eggs + 2, '番茄炒蛋套餐 to cook')
      await textIs(eggsDelivery, before.eggsDelivery + 2, '番茄炒蛋套餐 to deliver')
      await textIs(orders, before.orders + 1, 'orders')
      const row = s.getByTestId(`care-meal-order-${meal.id}`)
      await row.waitFor()
      assert.match(await row.textContent(), /刘桂兰/)
      const line = s.locator('[data-testid="care-meal-orders"] .el-table__row', { has: row })
      assert.match(await line.textContent(), /番茄炒蛋套餐×2、小米粥×1/)
      assert.match(await line.textContent(), /送餐上门/)
      assert.match(await line.textContent(), /1号楼/)
      await stillSamePage(s, 'staff')
      await s.screenshot({ path: join(ARTIFACTS, 'care-meals-kitchen.png'), animations: 'disabled' })

      // 我的订餐: the order, cancelled before the cut-off; the console counts it out, live.
      await e.getByRole('tab', { name: '我的订餐' }).click()
      const mine = e.locator(`[data-testid="care-meal"][data-id="${meal.id}"]`)
      await mine.waitFor()
      assert.match(await mine.textContent(), /明天/)
      assert.match(await mine.getByTestId('care-meal-state').textContent(), /已订餐/)
      await mine.getByTestId('care-meal-cancel').click()
      const cancelled = answer(e, 'POST', `/api/care/meals/${meal.id}/cancel`)
      await e.getByTestId('care-meals-confirm').locator('.van-dialog__confirm').click()
      assert.equal((await cancelled).status(), 200)
      await e.locator(`[data-testid="care-meal"][data-id="${meal.id}"][data-status="cancelled"]`).waitFor()
      await textIs(eggsTotal, before.eggs, '番茄炒蛋套餐 to cook after the cancel')
      await textIs(orders, before.orders, 'orders after the cancel')
      await stillSamePage(s, 'staff')
      assert.deepEqual(elder.problems, [])
      assert.deepEqual(staff.problems, [])
    } catch (err) {
      await e.screenshot({ path: join(ARTIFACTS, 'care-meals-elder-failure.png') }).catch(() => {})
      await s.screenshot({ path: join(ARTIFACTS, 'care-meals-staff-failure.png') }).catch(() => {})
      throw err
    } finally {
      await elder.close()
      await staff.close()
    }
  })

  test('the steward opens 我的老人, reveals the elder’s profile with a reason and orders tomorrow’s meal for her', { skip: skipSteward }, async () => {
    const { page: s, problems, close } = await openBrowser(PHONE)
    try {
      await logIn(s, creds.steward)
      if (new URL(s.url()).pathname !== '/m') await s.goto(`${BASE}/m`)
      await s.getByTestId('go-care-elders').click()
      await s.waitForURL((u) => u.pathname === '/m/care/elders')
      const card = s.getByTestId('care-my-elder').filter({ hasText: '刘桂兰' })
      await card.waitFor()
      const personId = Number(await card.getAttribute('data-person'))
      await card.click()
      await s.waitForURL((u) => u.pathname === `/m/care/elders/${personId}`)

      // Masked, then revealed with a reason (audited).
      const notes = s.getByTestId('care-elder-notes')
      await notes.filter({ hasText: '已隐藏' }).waitFor()
      await s.getByTestId('care-elder-reveal').click()
      await s.getByTestId('care-elder-reason').locator('input').fill('入户探访核对联系方式')
      const revealed = s.waitForResponse((r) => new URL(r.url()).pathname === `/api/care/elders/${personId}` && new URL(r.url()).searchParams.get('reveal') === 'true')
      await s.locator('[data-testid="care-elder-reveal-dialog"] .van-dialog__confirm').click()
      const r = await revealed
      assert.equal(r.status(), 200, `reveal: ${await r.text()}`)
      assert.equal(new URL(r.url()).searchParams.get('reason'), '入户探访核对联系方式')
      await s.getByTestId('care-elder-contact').first().filter({ hasText: /1\d{10}/ }).waitFor()

      // 帮他订餐: tomorrow's menu of her community; one 番茄炒蛋套餐, picked up.
      await s.getByTestId('care-elder-meal').click()
      await s.waitForURL((u) => u.pathname === '/m/care/meals')
      await s.getByTestId('care-meals-for').filter({ hasText: '为刘桂兰订餐' }).waitFor()
      await s.locator(`[data-testid="care-menu-day"][data-date="${stationDay(1)}"]`).click()
      const eggs = s.getByTestId('care-menu-item').filter({ hasText: '番茄炒蛋套餐' })
      await eggs.locator('.van-stepper__plus').click()
      await s.getByTestId('care-meal-mode-pickup').click()
      await s.getByTestId('care-meal-submit').click()
      const placed = answer(s, 'POST', '/api/care/meals')
      await s.getByTestId('care-meals-confirm').locator('.van-dialog__confirm').click()
      const res = await placed
      assert.equal(res.status(), 201, `POST /api/care/meals: ${await res.text()}`)
      const sent = res.request().postDataJSON()
      assert.equal(sent.person_id, personId)
      assert.equal(sent.mode, 'pickup')
      const meal = await res.json()
      assert.equal(meal.person_id, personId)
      await s.locator(`[data-testid="care-menu-ordered"][data-id="${meal.id}"]`).waitFor()
      await s.screenshot({ path: join(ARTIFACTS, 'care-meals-steward.png'), animations: 'disabled' })

      // And cancelled again (the order is hers; whoever placed it may cancel before the cut-off).
      await s.getByTestId('care-menu-ordered-cancel').click()
      const cancelled = answer(s, 'POST', `/api/care/meals/${meal.id}/cancel`)
      await s.getByTestId('care-meals-confirm').locator('.van-dialog__confirm').click()
      assert.equal((await cancelled).status(), 200)
      await s.getByTestId('care-menu-ordered').waitFor({ state: 'detached' })
      assert.deepEqual(problems, [])
    } catch (err) {
      await s.screenshot({ path: join(ARTIFACTS, 'care-meals-steward-failure.png') }).catch(() => {})
      throw err
    } finally {
      await close()
    }
  })

  test('the elder asks an online consultation; doctor2 sees it live, reads it and answers; the elder reads the notes', { skip: skipDoctor }, async () => {
    const elder = await openBrowser(PHONE)
    const doctor = await openBrowser(PHONE).catch(async (e) => {
      await elder.close()
      throw e
    })
    const e = elder.page
    const d = doctor.page
    try {
      await logIn(e, creds.elder)
      await logIn(d, creds.doctor)

      // The doctor's 问诊, from the phone home.
      if (new URL(d.url()).pathname !== '/m') await d.goto(`${BASE}/m`)
      await d.getByTestId('go-care-consultations').click()
      await d.waitForURL((u) => u.pathname === '/m/care/consultations')
      await d.getByTestId('care-doctor').waitFor()
      await online(d)
      await markPage(d)

      // The elder asks, online (the 24-hour consultation).
      await e.goto(`${BASE}/m/care`)
      await e.getByTestId('care-go-consult').click()
      await e.waitForURL((u) => u.pathname === '/m/care/consult')
      await e.getByTestId('care-consult-mode-online').click()
      const topic = '这两天早上起来头晕，血压 150/95，要不要加药？'
      await e.getByTestId('care-consult-topic').locator('textarea').fill(topic)
      const asked = answer(e, 'POST', '/api/care/consultations')
      await e.getByTestId('care-consult-submit').click()
      const res = await asked
      assert.equal(res.status(), 201, `POST /api/care/consultations: ${await res.text()}`)
      assert.deepEqual(res.request().postDataJSON(), { mode: 'online', topic })
      const c = await res.json()
      assert.equal(c.status, 'requested')
      const card = e.locator(`[data-testid="care-consult-card"][data-id="${c.id}"]`)
      await card.waitFor()
      assert.match(await card.getByTestId('care-consult-state').textContent(), /等医生回复/)

      // The doctor's list shows it without a reload; opened, the question reads in full.
      const item = d.locator(`[data-testid="care-doctor-consult"][data-id="${c.id}"]`)
      await item.waitFor()
      assert.match(await item.textContent(), /刘桂兰/)
      assert.match(await item.textContent(), /在线问诊/)
      await stillSamePage(d, 'doctor')
      await item.click()
      const detail = d.getByTestId('care-doctor-detail')
      await detail.getByTestId('care-doctor-topic').filter({ hasText: '血压 150/95' }).waitFor()
      await d.screenshot({ path: join(ARTIFACTS, 'care-consult-doctor.png'), animations: 'disabled' })

      // Answered at once: the notes finish it.
      const notes = '先测三天早晚血压并记录；头晕加重或超过 160/100 请来门诊。'
      await detail.getByTestId('care-doctor-notes-input').locator('textarea').fill(notes)
      const completed = answer(d, 'POST', `/api/care/consultations/${c.id}/complete`)
      await detail.getByTestId('care-doctor-complete').click()
      const done = await completed
      assert.equal(done.status(), 200, `complete: ${await done.text()}`)
      assert.equal((await done.json()).status, 'done')
      await d.locator(`[data-testid="care-doctor-detail"] [data-status="done"]`).waitFor()

      // The elder reads the doctor's notes.
      await e.reload()
      const doneCard = e.locator(`[data-testid="care-consult-card"][data-id="${c.id}"][data-status="done"]`)
      await doneCard.waitFor()
      await doneCard.click()
      await e.getByTestId('care-consult-notes').filter({ hasText: '先测三天早晚血压' }).waitFor()
      assert.match(await e.getByTestId('care-consult-topic-text').textContent(), /血压 150\/95/)
      await e.screenshot({ path: join(ARTIFACTS, 'care-consult-elder.png'), animations: 'disabled' })
      assert.deepEqual(elder.problems, [])
      assert.deepEqual(doctor.problems, [])
    } catch (err) {
      await e.screenshot({ path: join(ARTIFACTS, 'care-consult-elder-failure.png') }).catch(() => {})
      await d.screenshot({ path: join(ARTIFACTS, 'care-consult-doctor-failure.png') }).catch(() => {})
      throw err
    } finally {
      await elder.close()
      await doctor.close()
    }
  })
})
