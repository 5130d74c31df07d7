// An unexpected fault answers `500 internal` with a generic message, and the server keeps
// serving. The fault: the `sessions` table is dropped from under a running server (sqlite3
// CLI or psql), on a throwaway instance of its own.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'

import { ENGINE, check, checkError, endsCleanly, psql, startServer, waitFor } from './harness.mjs'

const run = promisify(execFile)
const srv = await startServer()

async function dropSessions() {
  if (ENGINE === 'sqlite') {
    const file = srv.db.url.replace(/^sqlite:/, '')
    await run('sqlite3', ['-cmd', '.timeout 10000', file, 'DROP TABLE sessions;'], { timeout: 30000 })
  } else {
    await psql(srv.db.url, 'DROP TABLE sessions CASCADE')
  }
}

const LEAKS = /sessions|no such table|relation|sqlite|postgres|SQL|syntax|constraint|\.cpp|exception|what\(\)/i

// Signed in before the fault, and not used since, so no cache can answer for it.
const admin = await srv.loginAs('admin')

test('with the sessions table gone, /api/me answers 500 internal with a generic message', async () => {
  await dropSessions()
  const res = await srv.get('/api/me', { token: admin.token })
  const e = checkError(res, 500, 'internal', { ref: 'Internal' })
  assert.doesNotMatch(e.message, LEAKS, `the message leaks details: ${e.message}`)
  assert.equal(e.field, undefined)
})

test('login answers 500 too, instead of handing out a session it could not store', async () => {
  const res = await srv.post('/api/auth/login', { login: 'admin', password: srv.account('admin').password })
  const e = checkError(res, 500, 'internal', { ref: 'Internal' })
  assert.doesNotMatch(e.message, LEAKS, `the message leaks details: ${e.message}`)
  assert.equal(res.header('set-cookie'), undefined, 'a cookie was set for a session that was not stored')
})

test('/healthz still answers 200 and the version route still works', async () => {
  check(await srv.get('/healthz'), 200, 'Health')
  check(await srv.get('/api/version'), 200, 'Version')
})

test('the 500 shows in the metrics', async () => {
  const text = check(await srv.get('/metrics'), 200)
  assert.match(text, /_http_requests_total\{[^}]*"500"[^}]*\} [1-9]/, 'no request counted with status 500')
})

// PostgreSQL only: the database refuses connections for a while, then comes back.
// (SQLite is a file the server holds open; it cannot become unreachable this way.)
const pg = ENGINE === 'postgresql' ? await startServer() : null

test('database unreachable: /readyz and database routes answer 503, /healthz 200; all recover', { skip: !pg && 'needs PostgreSQL: an open SQLite file cannot become unreachable' }, async () => {
  const name = new URL(pg.db.url).pathname.slice(1)
  const maint = new URL(pg.db.url)
  maint.pathname = '/postgres'
  const cut = async () => {
    await psql(maint.toString(), `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`)
    await psql(maint.toString(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`)
  }
  const token = (await pg.loginAs('admin')).token
  await cut()
  try {
    checkError(await pg.get('/readyz'), 503, 'unavailable', { ref: 'Unavailable' })
    const res = await pg.post('/api/auth/login', { login: 'admin', password: pg.account('admin').password })
    const e = checkError(res, 503, 'unavailable', { ref: 'Unavailable' })
    assert.doesNotMatch(e.message, LEAKS, `the message leaks details: ${e.message}`)
    checkError(await pg.get('/api/accounts', { token }), 503, 'unavailable')
    check(await pg.get('/healthz'), 200)
  } finally {
    await psql(maint.toString(), `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)
  }
  const ready = await waitFor(async () => {
    const r = await pg.get('/readyz')
    return r.status === 200 ? r : null
  }, { ms: 10000, every: 100, what: '/readyz to recover' })
  check(ready, 200, 'Ready')
  check(await pg.get('/api/accounts', { token }), 200)
  check(await pg.post('/api/auth/login', { login: 'admin', password: pg.account('admin').password }), 200)
})

endsCleanly(...[srv, pg].filter(Boolean))
