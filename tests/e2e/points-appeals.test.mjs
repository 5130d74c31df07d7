// Browser test of points appeals end to end: the community's staff member deducts points from
// a resident and the committee member approves it (set up through the API); the resident, on
// the phone, appeals the deduction from her statement; the appeal reaches the committee live —
// the member who approved the deduction is told at the console that another member decides it,
// and the second member overturns it from the phone's review page; the resident's "my appeals"
// page, open all along, turns "overturned" live, and her statement shows the points back. Three
// browsers side by side in real Chromium against a running demo server.
//
//   scripts/with-server node --test tests/e2e/points-appeals.test.mjs
//
// Credentials: MASHANG_STAFF_LOGIN / MASHANG_STAFF_PASSWORD, MASHANG_COMMITTEE_LOGIN /
// MASHANG_COMMITTEE_PASSWORD (the member who approves the deduction), MASHANG_COMMITTEE2_LOGIN /
// MASHANG_COMMITTEE2_PASSWORD (the member who decides the appeal) and MASHANG_RESIDENT_LOGIN /
// MASHANG_RESIDENT_PASSWORD, else from MASHANG_DEMO_JSON (the output of `mashang demo --json`:
// 康城社区's staff, the first and second members of its points committee, and 王芳).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { ARTIFACTS, BASE, PHONE, DESKTOP, account, logIn, useBrowsers } from './browser.mjs'

/** Person deductions community staff may propose, each at most once a day (a rerun on the same
 *  server takes the next one). */
const DEDUCTIONS = [
  'deduct.littering',
  'deduct.improper_sorting',
  'deduct.illegal_parking',
  'deduct.pet_waste',
  'deduct.unleashed_dog',
  'deduct.night_noise',
  'deduct.illegal_flyers',
]
const KEY_RE = /^[A-Za-z0-9\-_.:]{1,64}$/

const creds = {
  staff: account('STAFF', { role: 'community_staff' }),
  committee: account('COMMITTEE', { role: 'committee_member', nth: 0 }),
  committee2: account('COMMITTEE2', { role: 'committee_member', nth: 1 }),
  resident: account('RESIDENT', { role: 'resident' }),
}
const openBrowser = useBrowsers()

/** A request of the test itself (a bearer token, no browser): {status, body}. */
async function http(method, path, body, token) {
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

async function tokenOf(who) {
  const r = await http('POST', '/api/auth/login', { login: who.login, password: who.password })
  assert.equal(r.status, 200, `login ${who.login}: ${JSON.stringify(r.body)}`)
  return r.body.token
}

const markPage = (page) => page.evaluate(() => (window.__appealsE2E = true))
async function stillSamePage(page, who) {
  assert.equal(await page.evaluate(() => window.__appealsE2E === true), true, `the ${who}'s page was reloaded`)
}

const online = (page) => page.locator('[data-testid="live-status"][data-status="online"]').waitFor()

const answer = (page, method, path) =>
  page.waitForResponse((res) => res.request().method() === method && new URL(res.url()).pathname === path)

const skip = !BASE
  ? 'MASHANG_URL is not set (the server under test)'
  : !creds.staff || !creds.committee || !creds.committee2 || !creds.resident
    ? 'no community staff, two committee members or resident credentials (MASHANG_STAFF_*, MASHANG_COMMITTEE_*, MASHANG_COMMITTEE2_*, MASHANG_RESIDENT_* or MASHANG_DEMO_JSON)'
    : false

describe('points appeals', () => {
  test('a resident appeals a deduction, the member who approved it may not decide, another member overturns it live', { skip }, async () => {
    const tag = Math.random().toString(36).slice(2, 8)

    // Set-up through the API: staff deduct points from the resident, the committee approves.
    const [staffToken, committeeToken, residentToken] = await Promise.all([tokenOf(creds.staff), tokenOf(creds.committee), tokenOf(creds.resident)])
    const personId = (await http('GET', '/api/points/me', undefined, residentToken)).body.person_id
    assert.ok(personId, `${creds.resident.login} is linked to a person`)
    let proposal = null
    for (const item of DEDUCTIONS) {
      const r = await http(
        'POST',
        '/api/points/proposals',
        { key: `e2e-appeal-${tag}-${item}`, item, person_id: personId, reason: `楼下草坪 e2e-${tag}`, evidence: [`巡查照片 ${tag}`] },
        staffToken,
      )
      if (r.status === 201) {
        proposal = r.body
        break
      }
      assert.equal(r.status, 409, `propose ${item}: ${r.status} ${JSON.stringify(r.body)}`) // its daily cap, from an earlier run
    }
    assert.ok(proposal, 'some deduction could be proposed today')
    assert.ok(proposal.points < 0)
    const approved = await http('POST', `/api/points/proposals/${proposal.id}/votes`, { decision: 'approve' }, committeeToken)
    assert.equal(approved.status, 200, JSON.stringify(approved.body))
    assert.equal(approved.body.status, 'posted')
    const postingId = approved.body.posting_id
    assert.ok(postingId)
    const itemName = proposal.item.name_zh

    const resident = await openBrowser(PHONE)
    const member = await openBrowser(DESKTOP).catch(async (e) => {
      await resident.close()
      throw e
    })
    const decider = await openBrowser(PHONE).catch(async (e) => {
      await resident.close()
      await member.close()
      throw e
    })
    const r = resident.page
    const c = member.page
    const d = decider.page
    const reason = `当天我不在小区 <b>x</b> e2e-${tag}`
    const decision = `经核实照片中不是本人 e2e-${tag}`
    try {
      // The member who approved the deduction keeps the console's appeals tab open; the second
      // member keeps the phone's review page open on its appeals.
      await logIn(c, creds.committee)
      await c.goto(`${BASE}/console/points?tab=appeals`)
      await c.getByTestId('points-appeals').waitFor()
      await c.getByTestId('appeals-table').waitFor()
      await online(c)
      await markPage(c)

      await logIn(d, creds.committee2)
      await d.goto(`${BASE}/m/points/review?tab=appeals`)
      await d.getByTestId('appeals-queue').waitFor()
      await online(d)
      await markPage(d)

      // The resident finds the deduction on her 品德积分 statement and appeals it.
      await logIn(r, creds.resident)
      await r.goto(`${BASE}/m/points`)
      await online(r)
      await markPage(r)
      const line = r.locator(`[data-testid="statement-line"][data-posting="${postingId}"]`)
      await line.waitFor()
      assert.match(await line.textContent(), new RegExp(`${itemName}.*${proposal.points}`))
      await line.getByTestId('statement-appeal').click()
      const sheet = r.getByTestId('appeal-sheet')
      await sheet.waitFor()
      assert.match(await sheet.textContent(), new RegExp(`申诉“${itemName}”`))
      await sheet.getByTestId('appeal-reason').locator('textarea').fill(reason)
      await sheet.getByTestId('appeal-evidence').locator('textarea').fill(`门禁记录\n出差车票 ${tag}`)
      const appealed = answer(r, 'POST', '/api/points/appeals')
      await sheet.getByTestId('appeal-submit').click()
      const sent = await appealed
      assert.equal(sent.status(), 201, `POST /api/points/appeals: ${sent.status()} ${await sent.text()}`)
      const appeal = await sent.json()
      const body = sent.request().postDataJSON()
      assert.match(body.key, KEY_RE, 'the appeal carries an idempotency key')
      assert.deepEqual(
        { posting_id: body.posting_id, reason: body.reason, evidence: body.evidence },
        { posting_id: postingId, reason, evidence: ['门禁记录', `出差车票 ${tag}`] },
      )
      assert.equal(appeal.status, 'pending')
      assert.equal(appeal.points, proposal.points)
      await sheet.waitFor({ state: 'hidden' })
      await line.getByTestId('statement-appeal-status').filter({ hasText: '待评议' }).waitFor()
      assert.equal(await line.getByTestId('statement-appeal').count(), 0, 'appealed once only')
      await r.screenshot({ path: join(ARTIFACTS, 'points-appeal-statement.png'), animations: 'disabled' })

      // She keeps "my appeals" open (reached in the app).
      await r.getByTestId('go-points-appeals').click()
      await r.waitForURL((u) => u.pathname === '/m/points/appeals')
      const mine = r.locator(`[data-testid="appeal-card"][data-id="${appeal.id}"]`)
      await mine.waitFor()
      assert.equal(await mine.getAttribute('data-status'), 'pending')
      assert.match(await mine.getByTestId('appeal-status').textContent(), /待评议/)

      // The appeal reaches both members live, the reason as text.
      const row = c.locator('.el-table__row', { has: c.getByTestId(`appeal-${appeal.id}`) })
      await row.waitFor()
      assert.ok((await row.textContent()).includes('<b>x</b>'), 'the reason is shown as text')
      assert.equal(await row.locator('b').count(), 0)
      const card = d.locator(`[data-testid="appeal-card"][data-id="${appeal.id}"]`)
      await card.waitFor()
      assert.match(await card.textContent(), new RegExp(`${itemName}.*${proposal.points}.*待评议`))
      assert.ok((await card.textContent()).includes(`出差车票 ${tag}`), 'the evidence is shown')
      await d.screenshot({ path: join(ARTIFACTS, 'points-appeal-pending.png'), animations: 'disabled' })
      await stillSamePage(c, 'approving member')
      await stillSamePage(d, 'deciding member')

      // The member who approved the deduction tries to overturn it: another member decides it.
      await row.getByTestId('appeal-overturn').click()
      const dialog = c.getByTestId('reason-dialog')
      await dialog.waitFor()
      await dialog.getByTestId('reason-text').fill('试试看')
      const refused = answer(c, 'POST', `/api/points/appeals/${appeal.id}/decision`)
      await dialog.getByTestId('reason-submit').click()
      assert.equal((await refused).status(), 403)
      await dialog.getByText('您参与了被申诉的事项，请由其他委员评议').waitFor()
      await row.getByTestId('appeal-error').filter({ hasText: '您参与了被申诉的事项' }).waitFor()
      await c.screenshot({ path: join(ARTIFACTS, 'points-appeal-took-part.png'), animations: 'disabled' })
      await c.keyboard.press('Escape')
      await dialog.waitFor({ state: 'hidden' })

      // The second member overturns it from the phone, with a reason.
      await card.getByTestId('appeal-overturn').click()
      const box = d.locator('.van-dialog').filter({ has: d.getByTestId('appeal-decision-hint') })
      await box.waitFor()
      assert.match(await box.textContent(), new RegExp(`${-proposal.points} 分返还给居民`))
      await box.getByTestId('text-dialog-input').locator('textarea').fill(decision)
      const decided = answer(d, 'POST', `/api/points/appeals/${appeal.id}/decision`)
      await box.locator('.van-dialog__confirm').click()
      const dec = await decided
      assert.equal(dec.status(), 200, `decision: ${await dec.text()}`)
      assert.deepEqual(dec.request().postDataJSON(), { decision: 'overturn', reason: decision })
      const done = await dec.json()
      assert.equal(done.status, 'overturned')
      assert.ok(done.result_posting_id, 'the remedy was posted')
      await card.waitFor({ state: 'detached' })
      await d.screenshot({ path: join(ARTIFACTS, 'points-appeal-queue.png'), animations: 'disabled' })

      // It leaves the console's pending list live.
      await c.getByTestId(`appeal-${appeal.id}`).waitFor({ state: 'detached' })
      await stillSamePage(c, 'approving member')

      // The resident's appeal turns "overturned" live, with the committee's reason.
      await r.locator(`[data-testid="appeal-card"][data-id="${appeal.id}"][data-status="overturned"]`).waitFor()
      assert.match(await mine.getByTestId('appeal-status').textContent(), /已改判/)
      assert.ok((await mine.getByTestId('appeal-decision').textContent()).includes(decision))
      await stillSamePage(r, 'resident')
      await r.screenshot({ path: join(ARTIFACTS, 'points-appeal-overturned.png'), animations: 'disabled' })

      // Back on her statement: the points are back (the correction), the deduction says so.
      await r.goBack()
      await r.waitForURL((u) => u.pathname === '/m/points')
      const back = r.locator(`[data-testid="statement-line"][data-posting="${done.result_posting_id}"]`)
      await back.waitFor()
      assert.equal(await back.getAttribute('data-kind'), 'correction')
      assert.equal((await back.getByTestId('statement-amount').textContent()).trim(), `+${-proposal.points}`)
      await line.getByTestId('statement-appeal-status').filter({ hasText: '已改判' }).waitFor()
      await stillSamePage(r, 'resident')

      // The server agrees.
      const stored = await http('GET', `/api/points/appeals/${appeal.id}`, undefined, residentToken)
      assert.equal(stored.body.status, 'overturned')
      assert.equal(stored.body.decision_reason, decision)
    } catch (e) {
      await c.screenshot({ path: join(ARTIFACTS, 'points-appeal-member-failure.png') }).catch(() => {})
      await d.screenshot({ path: join(ARTIFACTS, 'points-appeal-decider-failure.png') }).catch(() => {})
      await r.screenshot({ path: join(ARTIFACTS, 'points-appeal-resident-failure.png') }).catch(() => {})
      throw e
    } finally {
      await resident.close()
      await member.close()
      await decider.close()
    }
    assert.deepEqual(member.problems, [], 'no page errors or CSP violations on the approving member’s console')
    assert.deepEqual(decider.problems, [], 'no page errors or CSP violations on the deciding member’s phone')
    assert.deepEqual(resident.problems, [], 'no page errors or CSP violations on the resident’s phone')
  })
})
