// `mashang backup` while the server runs: the copy holds what was written, on both databases.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'

import { BIN, ENGINE, ROOT, check, endsCleanly, startServer } from './harness.mjs'

const run = promisify(execFile)
const srv = await startServer()
const admin = await srv.loginAs('admin')

test('backup copies the live database, including a write made just before', async () => {
  check(
    await srv.post('/api/accounts', { username: 'in_backup', display_name: 'In the backup', password: 'a-good-password' }, { token: admin.token }),
    201,
  )
  const out = join(srv.dir, ENGINE === 'sqlite' ? 'copy.db' : 'copy.dump')
  await run(BIN, ['backup', '--db', srv.db.url, '--data-dir', srv.dir, '--out', out], { cwd: ROOT, timeout: 60000 })
  assert.ok(existsSync(out) && statSync(out).size > 0, 'no backup file written')
  if (ENGINE === 'sqlite') {
    const { stdout } = await run('sqlite3', [out, "SELECT count(*) FROM accounts WHERE username = 'in_backup'"])
    assert.equal(stdout.trim(), '1')
  } else {
    const { stdout } = await run('pg_restore', ['--list', out])
    assert.match(stdout, /TABLE DATA public accounts/)
    assert.match(stdout, /TABLE DATA public events/)
  }
})

test('backup to a path that cannot be written fails with a message and a non-zero exit', async () => {
  const out = join(srv.dir, 'no-such-dir', 'copy')
  const r = await run(BIN, ['backup', '--db', srv.db.url, '--data-dir', srv.dir, '--out', out], { cwd: ROOT, timeout: 60000 }).then(
    () => null,
    (e) => e,
  )
  assert.ok(r, 'backup into a missing directory succeeded')
  assert.notEqual(r.code, 0)
  assert.match(r.stderr, /mashang: /)
})

endsCleanly(srv)
