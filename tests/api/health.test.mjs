// Liveness, readiness, version and metrics.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'

import { BIN, ENGINE, ROOT, check, endsCleanly, startServer } from './harness.mjs'

const srv = await startServer()

/** Runs promtool check metrics on a body; resolves { code, out }. */
function promtool(body) {
  return new Promise((res, rej) => {
    const p = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.stderr.on('data', (d) => (out += d))
    p.on('error', rej)
    p.on('close', (code) => res({ code, out }))
    p.stdin.end(body)
  })
}

/** Parses Prometheus text into [{ name, labels, value }] samples. */
function samples(text) {
  const out = []
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/)
    assert.ok(m, `unparsable metrics line: ${line}`)
    const labels = {}
    for (const l of (m[3] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2]
    out.push({ name: m[1], labels, value: Number(m[4]) })
  }
  return out
}

/** The request counter sample for GET /healthz answered 200 (0 when not yet present). */
function healthzCount(text) {
  const s = samples(text).filter(
    (x) =>
      /_http_requests_total$/.test(x.name) &&
      Object.values(x.labels).includes('/healthz') &&
      Object.values(x.labels).includes('200'),
  )
  assert.ok(s.length <= 1, `more than one /healthz 200 counter: ${JSON.stringify(s)}`)
  return s.length ? s[0].value : 0
}

test('GET /healthz answers 200 {"status":"ok"}', async () => {
  const body = check(await srv.get('/healthz'), 200, 'Health')
  assert.deepEqual(body, { status: 'ok' })
})

test(`GET /readyz answers 200 and names the database (${ENGINE})`, async () => {
  const body = check(await srv.get('/readyz'), 200, 'Ready')
  assert.deepEqual(body, { status: 'ready', database: ENGINE })
})

test('GET /api/version matches `mashang version`', async () => {
  const body = check(await srv.get('/api/version'), 200, 'Version')
  const { stdout } = await promisify(execFile)(BIN, ['version'], { cwd: ROOT })
  assert.ok(stdout.includes(body.version), `\`mashang version\` printed ${stdout}, the API says ${body.version}`)
  assert.ok(body.schema_version >= 1)
  assert.match(stdout, new RegExp(`schema ${body.schema_version}\\b`), 'schema version differs from the CLI')
})

test('GET /metrics is Prometheus text 0.0.4 that promtool accepts', async () => {
  await srv.get('/healthz')
  const res = await srv.get('/metrics')
  const text = check(res, 200)
  assert.match(res.header('content-type'), /^text\/plain;\s*version=0\.0\.4/)
  const { code, out } = await promtool(text)
  assert.equal(code, 0, `promtool check metrics failed:\n${out}`)
  assert.ok(samples(text).length > 0, 'no samples')
})

test('request counters move with requests', async () => {
  const before = healthzCount(check(await srv.get('/metrics'), 200))
  for (let i = 0; i < 3; i++) check(await srv.get('/healthz'), 200)
  const after = healthzCount(check(await srv.get('/metrics'), 200))
  assert.equal(after - before, 3, `the /healthz 200 counter went from ${before} to ${after} after 3 requests`)
})

test('errors are counted under their status', async () => {
  const count = (text) =>
    samples(text)
      .filter((x) => /_http_requests_total$/.test(x.name) && Object.values(x.labels).includes('401'))
      .reduce((a, x) => a + x.value, 0)
  const before = count(check(await srv.get('/metrics'), 200))
  check(await srv.get('/api/me'), 401)
  check(await srv.get('/api/me'), 401)
  const after = count(check(await srv.get('/metrics'), 200))
  assert.equal(after - before, 2)
})

test('HEAD /healthz answers the headers of GET without a body', async () => {
  const res = await srv.request('HEAD', '/healthz')
  assert.equal(res.status, 200)
  assert.equal(res.buf.length, 0)
  assert.ok(res.header('x-request-id'))
})

endsCleanly(srv)
