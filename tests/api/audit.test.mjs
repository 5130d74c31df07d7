// `mashang audit verify`: the hash-chained audit log of registry writes, checked from outside.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'

import { BIN, ENGINE, ROOT, check, checkError, endsCleanly, psql, startServer } from './harness.mjs'

const run = promisify(execFile)
const srv = await startServer()
const admin = await srv.loginAs('admin')

function verify() {
  return run(BIN, ['audit', 'verify', '--db', srv.db.url], { cwd: ROOT, timeout: 60000 }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )
}

async function sql(statement) {
  if (ENGINE === 'sqlite') await run('sqlite3', [srv.db.url.replace(/^sqlite:/, ''), statement])
  else await psql(srv.db.url, statement)
}

test('a write through the API lands in the audit log with its actor and address', async () => {
  const root = check(await srv.get('/api/nodes', { token: admin.token }), 200).items[0]
  const street = check(await srv.post('/api/nodes', { parent_id: root.id, kind: 'street', name: '审计街道' }, { token: admin.token }), 201)
  const r = await verify()
  assert.equal(r.code, 0, JSON.stringify(r))
  assert.match(r.stdout, /audit log intact: \d+ records/)
  const n = Number(r.stdout.match(/intact: (\d+)/)[1])
  assert.ok(n >= 25, `only ${n} records: the demo tree and the new street should be there`)
  // the record names the admin and its address
  if (ENGINE === 'sqlite') {
    const { stdout } = await run('sqlite3', [srv.db.url.replace(/^sqlite:/, ''), `SELECT actor_id, ip FROM audit WHERE target = 'node:${street.id}'`])
    assert.equal(stdout.trim(), `${admin.account.id}|127.0.0.1`)
  }
})

test('administrators browse the log by target, actor and time, newest first; others get 403', async () => {
  const root = check(await srv.get('/api/nodes', { token: admin.token }), 200).items[0]
  const t0 = Date.now()
  const street = check(await srv.post('/api/nodes', { parent_id: root.id, kind: 'street', name: '浏览街道' }, { token: admin.token }), 201)
  check(await srv.request('PATCH', `/api/nodes/${street.id}`, { token: admin.token, json: { name: '浏览街道二' } }), 200)
  const mine = check(await srv.get(`/api/audit?target=node:${street.id}`, { token: admin.token }), 200)
  assert.deepEqual(mine.items.map((r) => r.action), ['territory.node_renamed', 'territory.node_created'])
  assert.deepEqual(mine.items[0].details, { from: '浏览街道', to: '浏览街道二' })
  for (const r of mine.items) {
    assert.equal(r.actor_id, admin.account.id)
    assert.equal(r.ip, '127.0.0.1')
    assert.ok(r.at >= t0 - 5000)
  }
  const byActor = check(await srv.get(`/api/audit?actor=${admin.account.id}&limit=200`, { token: admin.token }), 200)
  assert.ok(byActor.items.every((r) => r.actor_id === admin.account.id))
  assert.ok(byActor.items.some((r) => r.target === `node:${street.id}`))
  const later = check(await srv.get(`/api/audit?since=${Date.now() + 60000}`, { token: admin.token }), 200)
  assert.deepEqual(later.items, [])
  // paging backwards
  const p1 = check(await srv.get('/api/audit?limit=2', { token: admin.token }), 200)
  assert.equal(p1.items.length, 2)
  assert.ok(p1.items[0].id > p1.items[1].id)
  const p2 = check(await srv.get(`/api/audit?limit=2&before=${p1.next_before}`, { token: admin.token }), 200)
  assert.ok(p2.items[0].id < p1.items[1].id)
  checkError(await srv.get('/api/audit?limit=0', { token: admin.token }), 422, 'invalid_input', { field: 'limit' })
  checkError(await srv.get('/api/audit?actor=x', { token: admin.token }), 422, 'invalid_input', { field: 'actor' })
  for (const login of ['street', 'community', 'resident', 'inspector']) {
    const who = await srv.loginAs(login)
    checkError(await srv.get('/api/audit', { token: who.token }), 403, 'forbidden')
  }
  checkError(await srv.get('/api/audit'), 401, 'unauthenticated')
})

test('verify exits non-zero on an edited record and on a deleted one', async () => {
  await sql("UPDATE audit SET details = '{}' WHERE id = 3")
  let r = await verify()
  assert.equal(r.code, 1, JSON.stringify(r))
  assert.match(r.stdout, /broken at record 3/)
  await sql('DELETE FROM audit WHERE id = 3')
  r = await verify()
  assert.equal(r.code, 1, JSON.stringify(r))
  assert.match(r.stdout, /record 3 is missing/)
})

endsCleanly(srv)
