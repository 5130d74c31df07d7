// Notifications (docs/reference/care.md, Notifications): the outbox written with the event it
// announces, delivered by channel — the in-app inbox, and the webhook a district points at its
// SMS or messaging gateway — with retries after 1 s, 2 s, … and never twice with success.
//
// A tiny gateway runs here (node:http on 127.0.0.1): it answers 503 to the first two requests
// of each message key, then 200, and records every request. The server is started with
// MASHANG_NOTIFY_WEBHOOK_URL and MASHANG_NOTIFY_WEBHOOK_SECRET pointing at it (the environment
// overrides of notify.webhook_url and notify.webhook_secret). An alarm of the elder alerts the
// steward of 1号楼: that alert is the message followed through the gateway, the outbox and the
// steward's inbox.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import http from 'node:http'
import { after, test } from 'node:test'

import { check, checkError, delay, endsCleanly, startServer, waitFor } from './harness.mjs'
import { Care } from './care-helpers.mjs'

const SECRET = 'gateway-shared-secret'
const FAILS_PER_KEY = 2

/** Every request the gateway received: { method, url, key, signature, contentType, raw, status, at }. */
const hits = []
const gateway = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const key = req.headers['idempotency-key']
    const seen = hits.filter((h) => h.key === key).length
    const status = seen < FAILS_PER_KEY ? 503 : 200
    hits.push({
      method: req.method, url: req.url, key, signature: req.headers['x-mashang-signature'], contentType: req.headers['content-type'],
      raw: Buffer.concat(chunks).toString('utf8'), status, at: Date.now(),
    })
    res.writeHead(status, { 'Content-Type': 'text/plain' })
    res.end(status === 200 ? 'queued' : 'busy')
  })
})
await new Promise((r) => gateway.listen(0, '127.0.0.1', r))
after(() => gateway.close())
const hook = `http://127.0.0.1:${gateway.address().port}/hook`

process.env.MASHANG_NOTIFY_WEBHOOK_URL = hook
process.env.MASHANG_NOTIFY_WEBHOOK_SECRET = SECRET
let srv
try {
  srv = await startServer()
} finally {
  delete process.env.MASHANG_NOTIFY_WEBHOOK_URL
  delete process.env.MASHANG_NOTIFY_WEBHOOK_SECRET
}

const [admin, community, grid, steward, elder, street] = await Promise.all(['admin', 'community', 'grid', 'steward', 'elder', 'street'].map((l) => srv.loginAs(l)))
const C = new Care(srv, admin)
const { building } = await C.demoPlaces()
await C.stewardsOf(building, steward, grid, community)

const sign = (raw) => `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`
const inbox = async (who, query = '') => check(await srv.get(`/api/notifications${query}`, { token: who.token }), 200, 'NotificationInbox')

// The alarm whose alert to the steward the tests follow.
const alarm = check(await C.raise(elder, {}), 201, 'CareAlarm')
const KEY = `care_alarm:${alarm.id}:level:0:round:0:account:${steward.account.id}`
let message = null // the steward's message, once found in the inbox

test('the gateway gets the alert, signed, retried after 503 with backoff, and exactly once with 2xx', async () => {
  await waitFor(() => hits.some((h) => h.key === KEY && h.status === 200), { ms: 20000, every: 100, what: `a 2xx answer for ${KEY}` })
  const mine = hits.filter((h) => h.key === KEY)
  assert.deepEqual(mine.map((h) => h.status), [503, 503, 200])
  for (const [i, h] of mine.entries()) {
    assert.deepEqual([h.method, h.url], ['POST', '/hook'])
    assert.match(h.contentType, /^application\/json/)
    assert.equal(h.signature, sign(h.raw), `attempt ${i + 1}: X-Mashang-Signature does not sign the body`)
    const body = JSON.parse(h.raw)
    assert.deepEqual(
      [body.key, body.account_id, body.kind, body.subject, body.urgent, body.attempt, body.payload.alarm_id, body.payload.level],
      [KEY, steward.account.id, 'care.alarm_alert', `care_alarm:${alarm.id}`, true, i + 1, alarm.id, 0],
    )
    assert.ok(body.title.includes('刘桂兰'), `title: ${body.title}`)
    assert.ok(Number.isInteger(body.id) && body.id > 0 && Number.isInteger(body.created_at))
  }
  // Backoff: 1 s after the first failure, 2 s after the second (a little slack for the clocks).
  assert.ok(mine[1].at - mine[0].at >= 900, `retried after ${mine[1].at - mine[0].at} ms`)
  assert.ok(mine[2].at - mine[1].at >= 1900, `retried after ${mine[2].at - mine[1].at} ms`)
  // Nothing more for the key once it was delivered; every key the gateway saw has one 2xx at most.
  await delay(2500)
  assert.equal(hits.filter((h) => h.key === KEY).length, 3, 'the gateway got the delivered message again')
  for (const key of new Set(hits.map((h) => h.key)))
    assert.ok(hits.filter((h) => h.key === key && h.status === 200).length <= 1, `${key} delivered twice`)
})

test('the message and its deliveries: the inbox at once, the webhook sent after 3 attempts; its account and district admins only', async () => {
  message = await waitFor(async () => (await inbox(steward, '?limit=200')).items.find((m) => m.subject === `care_alarm:${alarm.id}`),
    { ms: 10000, every: 100, what: 'the alert in the steward\'s inbox' })
  assert.deepEqual([message.kind, message.urgent, message.read_at, message.payload.alarm_id], ['care.alarm_alert', true, null, alarm.id])
  const got = check(await srv.get(`/api/notifications/${message.id}`, { token: steward.token }), 200, 'NotificationDetail')
  assert.deepEqual(got.message, message)
  const by = Object.fromEntries(got.deliveries.map((d) => [d.channel, d]))
  assert.deepEqual(Object.keys(by).sort(), ['inbox', 'webhook'])
  assert.deepEqual([by.inbox.status, by.inbox.attempts, by.inbox.message_id], ['sent', 1, message.id])
  assert.deepEqual([by.webhook.status, by.webhook.last_error, by.webhook.message_id], ['sent', null, message.id])
  assert.ok(by.webhook.attempts >= 2, `webhook attempts ${by.webhook.attempts}`)
  assert.equal(by.webhook.attempts, 3)
  assert.ok(by.webhook.sent_at >= by.inbox.sent_at)
  check(await srv.get(`/api/notifications/${message.id}`, { token: admin.token }), 200, 'NotificationDetail')
  for (const who of [grid, community, elder, street]) checkError(await srv.get(`/api/notifications/${message.id}`, { token: who.token }), 404, 'not_found')
  checkError(await srv.get('/api/notifications/99999999', { token: admin.token }), 404, 'not_found')
  checkError(await srv.get('/api/notifications/x', { token: admin.token }), 404, 'not_found')
  checkError(await srv.get(`/api/notifications/${message.id}`), 401, 'unauthenticated')
})

test('the outbox: every delivery, newest first, by status, for district admins (403 for others)', async () => {
  const page = check(await srv.get('/api/outbox?limit=200', { token: admin.token }), 200, 'OutboxPage')
  const ours = page.items.filter((d) => d.message_id === message.id)
  assert.deepEqual(ours.map((d) => d.channel).sort(), ['inbox', 'webhook'])
  assert.deepEqual(page.items.map((d) => d.id), [...page.items.map((d) => d.id)].sort((x, y) => y - x), 'not newest first')
  const sent = check(await srv.get('/api/outbox?status=sent&limit=200', { token: admin.token }), 200, 'OutboxPage')
  assert.ok(sent.items.every((d) => d.status === 'sent') && sent.items.some((d) => d.message_id === message.id))
  const pending = check(await srv.get('/api/outbox?status=pending&limit=200', { token: admin.token }), 200, 'OutboxPage')
  assert.ok(pending.items.every((d) => d.status === 'pending'))
  const p1 = check(await srv.get('/api/outbox?limit=1', { token: admin.token }), 200, 'OutboxPage')
  assert.equal(p1.next_before, p1.items[0].id)
  const p2 = check(await srv.get(`/api/outbox?limit=1&before=${p1.next_before}`, { token: admin.token }), 200, 'OutboxPage')
  assert.ok(p2.items[0].id < p1.items[0].id)
  checkError(await srv.get('/api/outbox?status=bogus', { token: admin.token }), 422, 'invalid_input', { field: 'status' })
  checkError(await srv.get('/api/outbox?limit=0', { token: admin.token }), 422, 'invalid_input', { field: 'limit' })
  for (const who of [community, street, steward, elder]) checkError(await srv.get('/api/outbox', { token: who.token }), 403, 'forbidden')
  checkError(await srv.get('/api/outbox'), 401, 'unauthenticated')
})

test('the inbox: newest first, unread counted; POST /api/notifications/read marks the caller\'s own', async () => {
  // A second alert for the steward: a drill of a fresh person of 1号楼.
  const p = await C.person(building)
  const drill = check(await C.raise(community, { person_id: p.id, drill: true }), 201, 'CareAlarm')
  const second = await waitFor(async () => (await inbox(steward, '?limit=200')).items.find((m) => m.subject === `care_alarm:${drill.id}`),
    { ms: 10000, every: 100, what: 'the drill\'s alert in the steward\'s inbox' })
  assert.ok(second.title.startsWith('【演练】'), second.title)
  assert.equal(second.urgent, false, 'a drill is not urgent')
  const all = await inbox(steward, '?limit=200')
  assert.deepEqual(all.items.map((m) => m.id), [...all.items.map((m) => m.id)].sort((x, y) => y - x), 'not newest first')
  assert.equal(all.unread, all.items.filter((m) => m.read_at === null).length)
  assert.ok(all.unread >= 2)
  const p1 = await inbox(steward, '?limit=1')
  assert.deepEqual([p1.items.length, p1.next_before], [1, p1.items[0].id])
  assert.ok((await inbox(steward, `?limit=1&before=${p1.next_before}`)).items[0].id < p1.items[0].id)
  // Nobody else has them.
  assert.ok(!(await inbox(elder, '?limit=200')).items.some((m) => m.id === message.id))

  // Marking read: others' ids are ignored; one's own once.
  assert.deepEqual(check(await srv.post('/api/notifications/read', { ids: [message.id] }, { token: grid.token }), 200, 'NotificationReadResult'), { read: 0 })
  assert.deepEqual(check(await srv.post('/api/notifications/read', { ids: [message.id, 99999999] }, { token: steward.token }), 200, 'NotificationReadResult'), { read: 1 })
  assert.deepEqual(check(await srv.post('/api/notifications/read', { ids: [message.id] }, { token: steward.token }), 200, 'NotificationReadResult'), { read: 0 })
  const marked = await inbox(steward, '?limit=200')
  assert.equal(marked.unread, all.unread - 1)
  assert.ok(marked.items.find((m) => m.id === message.id).read_at > 0)
  const unread = await inbox(steward, '?unread=true&limit=200')
  assert.ok(!unread.items.some((m) => m.id === message.id) && unread.items.some((m) => m.id === second.id))
  assert.ok(unread.items.every((m) => m.read_at === null))
  // With the cookie: the CSRF token is required.
  assert.deepEqual(check(await srv.post('/api/notifications/read', { ids: [second.id] }, { cookie: steward.token, csrf: steward.csrf_token }), 200), { read: 1 })
  checkError(await srv.post('/api/notifications/read', { ids: [second.id] }, { cookie: steward.token }), 403, 'forbidden')

  for (const json of [{}, { ids: [] }, { ids: ['x'] }, { ids: 5 }, { ids: Array.from({ length: 501 }, (_, i) => i + 1) }])
    checkError(await srv.post('/api/notifications/read', json, { token: steward.token }), 422, 'invalid_input', { field: 'ids' })
  checkError(await srv.post('/api/notifications/read', { ids: [1] }), 401, 'unauthenticated')
  checkError(await srv.get('/api/notifications?unread=maybe', { token: steward.token }), 422, 'invalid_input', { field: 'unread' })
  checkError(await srv.get('/api/notifications?limit=0', { token: steward.token }), 422, 'invalid_input', { field: 'limit' })
  checkError(await srv.get('/api/notifications'), 401, 'unauthenticated')
  await C.closeQuietly(drill.id)
  await C.closeQuietly(alarm.id)
})

test('a webhook_url that is not http:// keeps the server from starting', async () => {
  await assert.rejects(startServer({ config: { notify: { webhook_url: 'https://gateway.invalid/hook' } } }), /exited early/)
})

endsCleanly(srv)
