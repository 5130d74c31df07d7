// The live event stream (Server-Sent Events): delivery, replay, visibility, heartbeat.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'

import { ENGINE, assertSchema, check, checkError, endsCleanly, startServer } from './harness.mjs'

const HEARTBEAT_MS = 500
const srv = await startServer({ config: { events: { heartbeat_ms: HEARTBEAT_MS } } })
const admin = await srv.loginAs('admin')
const resident = await srv.loginAs('resident')
const adminId = admin.account.id
const residentId = resident.account.id

const open = []
after(() => open.forEach((s) => s.close()))

/** Opens a stream that must answer 200 text/event-stream. */
async function subscribe(opts) {
  const s = await srv.events(opts)
  assert.equal(s.reply.status, 200, `stream refused: ${s.reply}`)
  check(s.reply, 200)
  assert.match(s.reply.header('content-type'), /^text\/event-stream/)
  open.push(s)
  return s
}

/** Checks one received frame: id line = data.id, event line = data.type, data matches Event. */
function checkFrame(item) {
  assert.ok(item.data, `data is not JSON: ${item.raw}`)
  assertSchema(item.data, 'Event', `event ${item.raw}`)
  assert.equal(item.id, String(item.data.id), 'the id: line differs from data.id')
  assert.equal(item.event, item.data.type, 'the event: line differs from data.type')
  return item.data
}

const UA = 'mashang-api-suite/1.0'

describe('delivery', () => {
  test('without a session the stream answers 401', async () => {
    const s = await srv.events()
    checkError(s.reply, 401, 'unauthenticated')
    const f = await srv.events({ token: 'forged-token-forged-token-forged-token' })
    checkError(f.reply, 401, 'unauthenticated')
  })

  test('a login to your account arrives as session.created', async () => {
    const s = await subscribe({ token: admin.token })
    const t0 = Date.now()
    await srv.loginAs('admin', { headers: { 'User-Agent': UA } })
    const e = checkFrame(await s.nextEvent('session.created', (d) => d.payload?.user_agent === UA))
    assert.equal(e.type, 'session.created')
    assert.equal(e.subject, `account:${adminId}`)
    assert.equal(e.scope, '/')
    assert.deepEqual(e.payload, { account_id: adminId, ip: '127.0.0.1', user_agent: UA })
    assert.ok(e.created_at >= t0 - 5000 && e.created_at <= Date.now() + 5000, `created_at ${e.created_at}`)
    s.close()
  })

  test('a new account arrives as account.created for the district admin', async () => {
    const s = await subscribe({ token: admin.token })
    const a = check(
      await srv.post('/api/accounts', { username: 'ev_new', display_name: 'New', password: 'a-good-password' }, { token: admin.token }),
      201,
    )
    const e = checkFrame(await s.nextEvent('account.created', (d) => d.payload?.account_id === a.id))
    assert.equal(e.scope, '/')
    assert.equal(e.subject, `account:${a.id}`)
    assert.deepEqual(e.payload, { account_id: a.id })
    s.close()
  })

  test('the cookie authenticates the stream (as EventSource sends it)', async () => {
    const s = await subscribe({ cookie: admin.token })
    await srv.loginAs('admin', { headers: { 'User-Agent': `${UA} cookie` } })
    checkFrame(await s.nextEvent('session.created', (d) => d.payload?.user_agent === `${UA} cookie`))
    s.close()
  })

  test('event ids increase', async () => {
    const s = await subscribe({ token: admin.token })
    for (let i = 0; i < 3; i++) await srv.loginAs('admin', { headers: { 'User-Agent': `${UA} seq${i}` } })
    await s.nextEvent('session.created', (d) => d.payload?.user_agent === `${UA} seq2`)
    const ids = s.events.map((e) => Number(e.id))
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b))
    assert.equal(new Set(ids).size, ids.length, `repeated ids ${ids}`)
    s.close()
  })

  test('a heartbeat comment arrives every heartbeat_ms', async () => {
    const s = await subscribe({ token: resident.token })
    const t0 = Date.now()
    const c1 = await s.next((i) => i.kind === 'comment' && i.text === 'ping', { ms: HEARTBEAT_MS * 4, what: '": ping"' })
    await s.next((i) => i !== c1 && i.kind === 'comment' && i.text === 'ping', { ms: HEARTBEAT_MS * 4, what: 'a second ": ping"' })
    assert.ok(Date.now() - t0 >= HEARTBEAT_MS, `two pings in ${Date.now() - t0} ms: more often than heartbeat_ms`)
    s.close()
  })
})

describe('replay', () => {
  async function lastAdminEventId() {
    const s = await subscribe({ token: admin.token })
    await srv.loginAs('admin', { headers: { 'User-Agent': `${UA} mark` } })
    const e = checkFrame(await s.nextEvent('session.created', (d) => d.payload?.user_agent === `${UA} mark`))
    s.close()
    return e.id
  }

  for (const how of ['header', 'query']) {
    test(`reconnecting with Last-Event-ID (${how}) replays the missed events, then live ones follow`, async () => {
      const last = await lastAdminEventId()
      const missed = []
      for (let i = 0; i < 2; i++) {
        const ua = `${UA} missed-${how}-${i}`
        await srv.loginAs('admin', { headers: { 'User-Agent': ua } })
        missed.push(ua)
      }
      const s = await subscribe(how === 'header' ? { token: admin.token, lastEventId: last } : { token: admin.token, query: `?last_event_id=${last}` })
      for (const ua of missed) checkFrame(await s.nextEvent('session.created', (d) => d.payload?.user_agent === ua))
      const liveUa = `${UA} live-${how}`
      await srv.loginAs('admin', { headers: { 'User-Agent': liveUa } })
      checkFrame(await s.nextEvent('session.created', (d) => d.payload?.user_agent === liveUa))
      const got = s.events.map((e) => e.data)
      for (const d of got) assert.ok(d.id > last, `replayed event ${d.id} is not after ${last}`)
      const ids = got.map((d) => d.id)
      assert.equal(new Set(ids).size, ids.length, `an event came twice: ${ids}`)
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'replay is out of order')
      const order = got.map((d) => d.payload.user_agent).filter((u) => u && (missed.includes(u) || u === liveUa))
      assert.deepEqual(order, [...missed, liveUa])
      s.close()
    })
  }

  test('a Last-Event-ID that is not a number answers 400', async () => {
    const s = await srv.events({ token: admin.token, lastEventId: 'yesterday' })
    checkError(s.reply, 400, 'bad_request')
  })
})

describe('visibility', () => {
  test("a resident does not see another account's events, live or replayed", async () => {
    const s = await subscribe({ token: resident.token, lastEventId: 0 })
    // events the resident must not see: an admin login, a new account (addressed to it)
    await srv.loginAs('admin', { headers: { 'User-Agent': `${UA} hidden` } })
    check(
      await srv.post('/api/accounts', { username: 'ev_hidden', display_name: 'Hidden', password: 'a-good-password' }, { token: admin.token }),
      201,
    )
    // then one it must see: its own login; everything before it has arrived by then
    await srv.loginAs('resident', { headers: { 'User-Agent': `${UA} mine` } })
    await s.nextEvent('session.created', (d) => d.payload?.user_agent === `${UA} mine`)
    const seen = s.events.map((e) => checkFrame(e))
    // (territory events are public to everyone in their scope: only account events are private)
    const foreign = seen.filter((d) => d.subject.startsWith('account:') && (d.subject !== `account:${residentId}` || d.payload.account_id !== residentId))
    assert.deepEqual(foreign, [], 'the resident saw events of other accounts')
    // the replay (from 0) did include the resident's earlier login
    assert.ok(seen.some((d) => d.type === 'session.created' && d.id < seen.at(-1).id), 'replay from 0 missed the resident\'s own earlier login')
    s.close()
  })

  test("the district admin sees other accounts' events", async () => {
    const s = await subscribe({ token: admin.token })
    await srv.loginAs('resident', { headers: { 'User-Agent': `${UA} resident-seen` } })
    const e = checkFrame(await s.nextEvent('session.created', (d) => d.payload?.user_agent === `${UA} resident-seen`))
    assert.equal(e.payload.account_id, residentId)
    s.close()
  })

  test('logging out ends the open stream of that session, and announces session.ended', async () => {
    const tmp = await srv.loginAs('resident')
    const s = await subscribe({ token: tmp.token })
    const other = await subscribe({ token: resident.token })
    check(await srv.post('/api/auth/logout', undefined, { token: tmp.token }), 204)
    assert.ok(await s.waitEnd(HEARTBEAT_MS * 4), 'the stream of the ended session is still open')
    // the account's other session stays open and hears of it
    const e = checkFrame(await other.nextEvent('session.ended'))
    assert.equal(e.subject, `account:${residentId}`)
    assert.deepEqual(e.payload, { account_id: residentId })
    assert.equal(await other.waitEnd(HEARTBEAT_MS * 3), false, 'the other session\'s stream ended too')
    other.close()
  })

  test('a revoked session cannot open the stream', async () => {
    const tmp = await srv.loginAs('resident')
    check(await srv.post('/api/auth/logout', undefined, { token: tmp.token }), 204)
    const s = await srv.events({ token: tmp.token })
    checkError(s.reply, 401, 'unauthenticated')
  })
})

test('a second instance on the same database streams the first one\'s events (PostgreSQL)', { skip: ENGINE !== 'postgresql' && 'SQLite serves one process' }, async () => {
  const second = await startServer({ sharing: srv })
  try {
    const s = await second.events({ token: admin.token })  // sessions live in the shared database
    assert.equal(s.reply.status, 200, `stream refused: ${s.reply}`)
    open.push(s)
    await srv.loginAs('admin', { headers: { 'User-Agent': `${UA} other-instance` } })
    checkFrame(await s.nextEvent('session.created', (d) => d.payload?.user_agent === `${UA} other-instance`))
    s.close()
  } finally {
    await second.stop()
    await second.kill()
  }
})

test('an open stream does not hold up shutdown: it ends and the server exits 0', async () => {
  const s = await subscribe({ token: admin.token })
  const r = await srv.stop()
  assert.equal(r.code, 0, `exit ${JSON.stringify(r)}; server log:\n${srv.log()}`)
  assert.ok(await s.waitEnd(1000), 'the stream is still open after the server exited')
})

endsCleanly(srv)
