// `mashang audit verify`: the hash-chained audit log of registry writes, checked from outside.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'

import { BIN, ENGINE, ROOT, check, endsCleanly, psql, startServer } from './harness.mjs'

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
