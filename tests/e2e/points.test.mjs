// Browser test of points end to end (issue 6): the community's staff member proposes 调解邻里纠纷
// (+5) for a resident at the console; the committee member, whose queue shows it live, approves
// it on another page; the resident's 积分 page, open all along, shows the new balance live; the
// resident redeems two towels in the points shop and gets a held redemption with its code; the
// staff member hands them over by that code at the console's station, and the resident's
// redemption turns "handed over" live. Three browsers side by side in real Chromium against a
// running demo server; none is reloaded once the scenario starts.
//
//   MASHANG_URL=http://127.0.0.1:18080 \
//   MASHANG_DEMO_JSON="$(mashang demo --db sqlite:/tmp/x.db --json)" \
//   node --test tests/e2e/
//
// Credentials: MASHANG_STAFF_LOGIN / MASHANG_STAFF_PASSWORD, MASHANG_COMMITTEE_LOGIN /
// MASHANG_COMMITTEE_PASSWORD and MASHANG_RESIDENT_LOGIN / MASHANG_RESIDENT_PASSWORD, else the
// first community_staff / committee_member / resident in MASHANG_DEMO_JSON (the output of
// `mashang demo --json`: 康城社区's staff, its points committee and 王芳, who holds some points
// and lives in 康城社区, whose shop sells 毛巾 at 5 points).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { ARTIFACTS, BASE, WAIT_MS, PHONE, DESKTOP, account, logIn, useBrowsers } from './browser.mjs'

/** A person item community staff may propose (5 points, evidence needed, 4 a month). */
const ITEM = 'bonus.dispute_mediation'
const ITEM_NAME = '调解邻里纠纷'
const ITEM_POINTS = 5
/** Goods of 康城社区's shop in the demo. */
const GOODS = '毛巾'
const QUANTITY = 2

const creds = {
  staff: account('STAFF', { role: 'community_staff' }),
  committee: account('COMMITTEE', { role: 'committee_member' }),
  resident: account('RESIDENT', { role: 'resident' }),
}
const openBrowser = useBrowsers()

/** GET `path` with the page's session (the answer's JSON). */
async function api(page, path) {
  return page.evaluate(async (p) => {
    const res = await fetch(p, { headers: { Accept: 'application/json' } })
    if (!res.ok) throw new Error(`${p}: ${res.status}`)
    return res.json()
  }, path)
}

/** Marks the page's window: `stillSamePage` then tells that no navigation reloaded it. */
const markPage = (page) => page.evaluate(() => (window.__pointsE2E = true))
async function stillSamePage(page, who) {
  assert.equal(await page.evaluate(() => window.__pointsE2E === true), true, `the ${who}'s page was reloaded`)
}

/** The page's live stream is open (events from now on reach the page). */
const online = (page) => page.locator('[data-testid="live-status"][data-status="online"]').waitFor()

/** The answer to the next `method path` request of the page. */
const answer = (page, method, path) =>
  page.waitForResponse((res) => res.request().method() === method && new URL(res.url()).pathname === path)

/** Waits until `check()` answers something truthy (polling), and answers it. */
async function until(what, check, ms = WAIT_MS) {
  const end = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/**
 * The resident's spendable points once the element `testid` shows what the server has (other
 * tests' awards — a confirmed 随手拍 report earns points — may land at any time, so the page
 * is compared with the server, not with a number fixed beforehand): {shown, top, lines} — the
 * balance, the newest transfer, and the statement lines newer than transfer `after`, all from
 * one statement.
 */
function settledSpendable(page, testid, after, ready = () => true) {
  return until(`${testid} to show the server's balance`, async () => {
    const statement = await api(page, '/api/points/statement?account=spendable&limit=100')
    const lines = statement.lines.filter((l) => l.transfer_id > after)
    if (!ready(lines)) return null
    const text = ((await page.getByTestId(testid).textContent()) ?? '').trim()
    const balance = statement.account.balance
    return text === String(balance) ? { shown: balance, top: statement.lines[0]?.transfer_id ?? 0, lines } : null
  })
}

const skip = !BASE
  ? 'MASHANG_URL is not set (the server under test)'
  : !creds.staff || !creds.committee || !creds.resident
    ? 'no community staff, committee member or resident credentials (MASHANG_STAFF_*, MASHANG_COMMITTEE_*, MASHANG_RESIDENT_* or MASHANG_DEMO_JSON)'
    : false

describe('points', () => {
  test('staff propose points, the committee approves them live, the resident sees them, redeems towels and the station hands them over', { skip }, async () => {
    const staff = await openBrowser(DESKTOP)
    const committee = await openBrowser(DESKTOP).catch(async (e) => {
      await staff.close()
      throw e
    })
    const resident = await openBrowser(PHONE).catch(async (e) => {
      await staff.close()
      await committee.close()
      throw e
    })
    const s = staff.page
    const c = committee.page
    const r = resident.page
    const tag = Math.random().toString(36).slice(2, 8)
    const reason = `调解 3 号楼邻里噪音纠纷 <b>x</b> e2e-${tag}`
    try {
      // The resident opens 积分 from the home page and keeps it open. Her person and her
      // balances, as the server has them now.
      await logIn(r, creds.resident)
      if (new URL(r.url()).pathname !== '/m') await r.goto(`${BASE}/m`)
      await r.getByTestId('go-points').click()
      await r.waitForURL((u) => u.pathname === '/m/points')
      const personId = (await api(r, '/api/points/me')).person_id
      assert.ok(personId, `${creds.resident.login} is linked to a person`)
      const { shown: start, top } = await settledSpendable(r, 'points-spendable', 0)
      await r.getByTestId('points-tier-name').waitFor()
      await online(r)
      await markPage(r)

      // The committee member opens the queue of pending proposals and keeps it open.
      await logIn(c, creds.committee)
      await c.goto(`${BASE}/console/points?tab=proposals`)
      await c.getByTestId('points-proposals').waitFor()
      await c.getByTestId('proposals-table').waitFor()
      await online(c)
      await markPage(c)

      // The staff member proposes the item for the resident's person.
      await logIn(s, creds.staff)
      await s.getByTestId('menu-points').click()
      await s.waitForURL((u) => u.pathname === '/console/points')
      await s.getByTestId('points-propose').click()
      const dialog = s.getByTestId('propose-dialog')
      await dialog.waitFor()
      await dialog.getByTestId('propose-item').click()
      await s.locator(`[data-testid="propose-item-option"][data-code="${ITEM}"]`).click()
      await dialog.getByTestId('propose-person').fill(String(personId))
      await dialog.getByTestId('propose-reason').fill(reason)
      await dialog.getByTestId('propose-evidence').fill(`调解现场照片\n双方签字的调解协议 ${tag}`)
      const proposed = answer(s, 'POST', '/api/points/proposals')
      await dialog.getByTestId('propose-submit').click()
      const sent = await proposed
      assert.equal(sent.status(), 201, `POST /api/points/proposals: ${sent.status()} ${await sent.text()}`)
      const proposal = await sent.json()
      const body = sent.request().postDataJSON()
      assert.match(body.key, /^[A-Za-z0-9\-_.:]{1,64}$/, 'the proposal carries an idempotency key')
      assert.deepEqual(
        { item: body.item, person_id: body.person_id, reason: body.reason, evidence: body.evidence },
        { item: ITEM, person_id: personId, reason, evidence: ['调解现场照片', `双方签字的调解协议 ${tag}`] },
      )
      assert.equal(proposal.status, 'pending')
      assert.equal(proposal.points, ITEM_POINTS)
      await dialog.waitFor({ state: 'hidden' })

      // The committee member's queue shows it without a reload: the item, the reason as text.
      const cell = c.getByTestId(`proposal-${proposal.id}`)
      await cell.waitFor()
      await stillSamePage(c, 'committee member')
      const row = c.locator('.proposal-row', { has: cell })
      assert.match(await row.textContent(), new RegExp(`${ITEM_NAME}.*\\+${ITEM_POINTS}.*居民 #${personId}`))
      assert.ok((await row.textContent()).includes('<b>x</b>'), 'the reason is shown as text')
      assert.equal(await row.locator('b').count(), 0, 'the reason was rendered as markup')
      await c.screenshot({ path: join(ARTIFACTS, 'points-committee-queue.png'), animations: 'disabled' })

      // …and approves it: it is posted and leaves the pending queue.
      const voted = answer(c, 'POST', `/api/points/proposals/${proposal.id}/votes`)
      await row.getByTestId('proposal-approve').click()
      const vote = await voted
      assert.equal(vote.status(), 200, `vote: ${await vote.text()}`)
      assert.deepEqual(vote.request().postDataJSON(), { decision: 'approve' })
      assert.equal((await vote.json()).status, 'posted')
      await cell.waitFor({ state: 'detached' })

      // The resident's page, open all along, shows the points live: the new balance and the
      // statement line of the item.
      await r.getByTestId('statement-virtue').getByTestId('statement-line').filter({ hasText: ITEM_NAME }).first().waitFor()
      const { shown: balance, lines } = await settledSpendable(r, 'points-spendable', top, (ls) => ls.some((l) => l.item?.code === ITEM))
      const award = lines.find((l) => l.item?.code === ITEM)
      assert.equal(award.amount, ITEM_POINTS, 'the award is on the spendable statement')
      assert.equal(balance, start + lines.reduce((sum, l) => sum + l.amount, 0))
      // Alone on the server (no other award meanwhile), exactly the proposal's points more.
      if (lines.length === 1) assert.equal(balance, start + ITEM_POINTS)
      await stillSamePage(r, 'resident')
      await r.screenshot({ path: join(ARTIFACTS, 'points-resident.png'), animations: 'disabled' })

      // The resident goes to the shop (in the app) and redeems two towels.
      await r.getByTestId('go-points-shop').click()
      await r.waitForURL((u) => u.pathname === '/m/points/shop')
      await settledSpendable(r, 'shop-spendable', top)
      const goods = r.locator(`[data-testid="goods-card"][data-name="${GOODS}"]`)
      await goods.waitFor()
      await goods.getByTestId('goods-redeem').click()
      const redeemDialog = r.locator('.van-dialog').filter({ has: r.getByTestId('redeem-quantity') })
      await redeemDialog.waitFor()
      await redeemDialog.locator('.van-stepper__plus').click()
      const price = (await api(r, '/api/points/goods')).items.find((g) => g.name === GOODS).price
      await redeemDialog.getByTestId('redeem-total').filter({ hasText: `${price * QUANTITY} 积分` }).waitFor()
      const redeemed = answer(r, 'POST', '/api/points/redemptions')
      await redeemDialog.locator('.van-dialog__confirm').click()
      const made = await redeemed
      assert.equal(made.status(), 201, `redeem: ${await made.text()}`)
      const redemption = await made.json()
      const redeemBody = made.request().postDataJSON()
      assert.match(redeemBody.key, /^[A-Za-z0-9\-_.:]{1,64}$/)
      assert.deepEqual({ goods_id: redeemBody.goods_id, quantity: redeemBody.quantity }, { goods_id: redemption.goods.id, quantity: QUANTITY })
      assert.equal(redemption.status, 'held')
      assert.equal(redemption.points, price * QUANTITY)
      assert.ok(redemption.code, 'the redemption has its code')
      await redeemDialog.waitFor({ state: 'hidden' })

      // "My redemptions" shows it held, with its code, large.
      const card = r.locator(`[data-testid="redemption-card"][data-id="${redemption.id}"]`)
      await card.waitFor()
      assert.equal(await card.getAttribute('data-status'), 'held')
      const code = card.getByTestId('redemption-code')
      assert.equal(await code.getAttribute('data-code'), redemption.code)
      const shown = (await code.textContent()).trim()
      assert.equal(shown.replace(/\s+/g, ''), redemption.code)
      assert.match(await card.getByTestId('redemption-status').textContent(), /待领取/)
      // The shop's balance follows: the points are held for the redemption.
      const held = await settledSpendable(r, 'shop-spendable', award.transfer_id, (ls) => ls.some((l) => l.kind === 'redeem'))
      const hold = held.lines.find((l) => l.kind === 'redeem')
      assert.equal(hold.amount, -price * QUANTITY, 'the points are held for the redemption')
      await stillSamePage(r, 'resident')
      await r.screenshot({ path: join(ARTIFACTS, 'points-redemption-held.png'), animations: 'disabled' })

      // The staff member, at the station, types the code as the resident's screen shows it (in
      // groups of four), sees what it is for, and hands it over.
      await s.locator('#tab-shop').click()
      await s.getByTestId('points-shop-admin').waitFor()
      const box = s.getByTestId('handover-box')
      await box.getByTestId('handover-code').fill(shown)
      const looked = answer(s, 'GET', `/api/points/redemptions/by-code/${redemption.code}`)
      await box.getByTestId('handover-lookup').click()
      assert.equal((await looked).status(), 200)
      const details = box.getByTestId('handover-details')
      await details.waitFor()
      assert.match(await details.textContent(), new RegExp(`${GOODS} × ${QUANTITY}`))
      assert.equal(await details.getAttribute('data-status'), 'held')
      const handed = answer(s, 'POST', '/api/points/redemptions/handover')
      await box.getByTestId('handover-submit').click()
      const hand = await handed
      assert.equal(hand.status(), 200, `hand over: ${await hand.text()}`)
      assert.deepEqual(hand.request().postDataJSON(), { code: redemption.code })
      await box.locator('[data-testid="handover-details"][data-status="handed_over"]').waitFor()
      assert.match(await box.getByTestId('handover-status').textContent(), /已领取/)
      await box.getByTestId('handover-submit').waitFor({ state: 'detached' })

      // The resident's redemption turns "handed over" live; its code is no longer shown.
      await r.locator(`[data-testid="redemption-card"][data-id="${redemption.id}"][data-status="handed_over"]`).waitFor()
      assert.match(await card.getByTestId('redemption-status').textContent(), /已领取/)
      assert.equal(await card.getByTestId('redemption-code').count(), 0)
      await stillSamePage(r, 'resident')
      await r.screenshot({ path: join(ARTIFACTS, 'points-redemption-handed-over.png'), animations: 'disabled' })

      // The server agrees.
      const mine = await api(r, '/api/points/redemptions')
      assert.equal(mine.items.find((x) => x.id === redemption.id).status, 'handed_over')
      const posted = await api(c, `/api/points/proposals/${proposal.id}`)
      assert.equal(posted.status, 'posted')
      assert.ok(posted.posting_id)
    } catch (e) {
      await s.screenshot({ path: join(ARTIFACTS, 'points-staff-failure.png') }).catch(() => {})
      await c.screenshot({ path: join(ARTIFACTS, 'points-committee-failure.png') }).catch(() => {})
      await r.screenshot({ path: join(ARTIFACTS, 'points-resident-failure.png') }).catch(() => {})
      throw e
    } finally {
      await staff.close()
      await committee.close()
      await resident.close()
    }
    assert.deepEqual(staff.problems, [], 'no page errors or CSP violations on the staff member’s console')
    assert.deepEqual(committee.problems, [], 'no page errors or CSP violations on the committee member’s console')
    assert.deepEqual(resident.problems, [], 'no page errors or CSP violations on the resident’s phone')
  })
})
