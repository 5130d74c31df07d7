// Harness of the black-box HTTP suite: starts the real `mashang` binary on a free loopback
// port with a fresh database, talks HTTP to it (plain, raw socket and Server-Sent Events),
// and checks every answer against docs/openapi.yaml.
//
//   MASHANG_BIN      the binary (default <repo>/build/bin/mashang)
//   MASHANG_TEST_DB  `sqlite` (default; a fresh file per server in a temp dir) or
//                    `postgresql://user@host:port/db`: every server gets its own fresh
//                    database, created next to that one with psql and dropped afterwards.
//   MASHANG_TEST_KEEP=1 keeps the temp dirs (server logs) for a look after the run.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const YAML = require('yaml')
const Ajv2020 = require('ajv/dist/2020').default
const addFormats = require('ajv-formats').default

const run = promisify(execFile)

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = process.env.MASHANG_BIN || join(ROOT, 'build/bin/mashang')
export const WEB_ROOT = process.env.MASHANG_WEB_ROOT || join(ROOT, 'web/dist')
export const OPENAPI_FILE = join(ROOT, 'docs/openapi.yaml')
export const TEST_DB = process.env.MASHANG_TEST_DB || 'sqlite'
export const ENGINE = /^postgres(ql)?:/.test(TEST_DB) ? 'postgresql' : 'sqlite'

/** Limits every test server runs with unless a test file overrides them. */
export const BASE_CONFIG = {
  limits: {
    request_timeout_ms: 2000,
    idle_timeout_ms: 3000,
    shutdown_grace_ms: 3000,
    rate_limit_per_s: 100000,
    rate_limit_burst: 100000,
  },
  events: { heartbeat_ms: 500 },
}

// ---------------------------------------------------------------------------------------
// Small utilities

export const delay = (ms) => new Promise((r) => setTimeout(r, ms))

/** Polls `fn` until it returns a truthy value or `ms` pass; returns the value or throws. */
export async function waitFor(fn, { ms = 5000, every = 25, what = 'condition' } = {}) {
  const until = Date.now() + ms
  let last
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ''}`)
    await delay(every)
  }
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer()
    s.unref()
    s.on('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
  })
}

function toml(config) {
  let out = ''
  for (const [section, kv] of Object.entries(config)) {
    out += `[${section}]\n`
    for (const [k, v] of Object.entries(kv)) out += `${k} = ${typeof v === 'string' ? JSON.stringify(v) : v}\n`
    out += '\n'
  }
  return out
}

function merge(base, over) {
  const out = structuredClone(base)
  for (const [section, kv] of Object.entries(over || {})) out[section] = { ...(out[section] || {}), ...kv }
  return out
}

let dbCounter = 0

// Servers still running when this test process exits (a file that failed half-way) are
// killed rather than left behind.
const live = new Set()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** psql against the suite's PostgreSQL URL (maintenance connection). */
export async function psql(url, sql) {
  const { stdout } = await run('psql', [url, '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-t', '-A', '-c', sql], {
    timeout: 30000,
  })
  return stdout
}

async function createDatabase(dir) {
  if (ENGINE === 'sqlite') return { url: `sqlite:${join(dir, 'mashang.db')}`, drop: async () => {} }
  const base = new URL(TEST_DB)
  const name = `mashang_t${process.pid}_${++dbCounter}_${randomBytes(3).toString('hex')}`
  await psql(TEST_DB, `CREATE DATABASE ${name}`)
  const u = new URL(TEST_DB)
  u.pathname = `/${name}`
  return {
    url: u.toString(),
    drop: async () => {
      await psql(base.toString(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}

// ---------------------------------------------------------------------------------------
// The server

/**
 * Starts `mashang demo` then `mashang serve` on a fresh database and a free port.
 * `config` overrides BASE_CONFIG per section. Resolves when /readyz answers 200.
 * `sharing: otherServer` starts a second instance on the other's database (and key file)
 * instead: no demo, and the database stays the other's to drop.
 */
export async function startServer({ config = {}, demo = true, sharing = null } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mashang-api-'))
  let db
  if (sharing) {
    db = { url: sharing.db.url, drop: async () => {} }
    copyFileSync(join(sharing.dir, 'mashang.key'), join(dir, 'mashang.key'))
    demo = false
  } else {
    db = await createDatabase(dir)
  }
  const cfg = merge(BASE_CONFIG, config)
  const configFile = join(dir, 'test.toml')
  writeFileSync(configFile, toml(cfg))
  let accounts = sharing ? sharing.accounts : []
  if (demo) {
    const { stdout } = await run(BIN, ['demo', '--db', db.url, '--data-dir', dir, '--size', 'small', '--json'], {
      cwd: ROOT,
      timeout: 60000,
    })
    const parsed = JSON.parse(stdout)
    accounts = Array.isArray(parsed) ? parsed : parsed.accounts
  }
  const port = await freePort()
  const outFd = openSync(join(dir, 'access.log'), 'a')
  const errFd = openSync(join(dir, 'server.log'), 'a')
  // cwd is the repository root, so the default docs/openapi.yaml is the one under test.
  const child = spawn(
    BIN,
    ['serve', '--db', db.url, '--listen', `127.0.0.1:${port}`, '--data-dir', dir, '--web-root', WEB_ROOT,
      '--config', configFile],
    { cwd: ROOT, stdio: ['ignore', outFd, errFd] },
  )
  closeSync(outFd)
  closeSync(errFd)
  live.add(child)
  const exited = new Promise((res) =>
    child.on('exit', (code, signal) => {
      live.delete(child)
      res({ code, signal })
    }),
  )
  let exit = null
  exited.then((e) => (exit = e))
  const srv = new Server({ port, dir, db, child, exited, accounts, config: cfg, configFile })
  srv.exitInfo = () => exit
  try {
    await waitFor(
      async () => {
        if (exit) throw new Error(`server exited early (${JSON.stringify(exit)}):\n${srv.log()}`)
        const r = await srv.get('/readyz').catch(() => null)
        return r && r.status === 200
      },
      { ms: 20000, every: 50, what: `mashang serve on port ${port} to be ready` },
    )
  } catch (e) {
    await srv.kill()
    throw e
  }
  return srv
}

export class Server {
  constructor({ port, dir, db, child, exited, accounts, config, configFile }) {
    Object.assign(this, { port, dir, db, child, exited, accounts, config, configFile })
    this.base = `http://127.0.0.1:${port}`
    this.stopped = null
  }

  /** Demo account by login (`admin`, `resident`) with its password. */
  account(login) {
    const a = this.accounts.find((x) => x.login === login)
    assert.ok(a, `demo account ${login} missing from \`mashang demo --json\`: ${JSON.stringify(this.accounts)}`)
    return a
  }

  log() {
    try {
      return readFileSync(join(this.dir, 'server.log'), 'utf8').split('\n').slice(-40).join('\n')
    } catch {
      return '(no server log)'
    }
  }

  /**
   * One HTTP request on its own connection. Options: json (object, sent as application/json),
   * body (string|Buffer), headers, token (bearer), cookie (session token sent as the cookie),
   * csrf (X-CSRF-Token), localAddress. The body is read whole; no decompression.
   */
  request(method, path, opts = {}) {
    const headers = { ...(opts.headers || {}) }
    let body = opts.body
    if (opts.json !== undefined) {
      body = Buffer.from(JSON.stringify(opts.json))
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json'
    }
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`
    if (opts.cookie) headers.Cookie = `mashang_session=${opts.cookie}`
    if (opts.csrf) headers['X-CSRF-Token'] = opts.csrf
    if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body)
    return new Promise((res, rej) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.port, method, path, headers, agent: false, localAddress: opts.localAddress },
        (r) => {
          const chunks = []
          r.on('data', (c) => chunks.push(c))
          r.on('end', () => res(new Reply(method, path, r.statusCode, r.headers, Buffer.concat(chunks))))
          r.on('error', rej)
        },
      )
      req.setTimeout(opts.timeout ?? 15000, () => req.destroy(new Error(`${method} ${path}: no answer in time`)))
      req.on('error', rej)
      if (body !== undefined) req.write(body)
      req.end()
    })
  }

  get(path, opts) {
    return this.request('GET', path, opts)
  }
  post(path, json, opts = {}) {
    return this.request('POST', path, { ...opts, json })
  }

  /** Logs in; asserts 200 and returns the LoginResponse body. */
  async login(login, password, opts = {}) {
    const res = await this.post('/api/auth/login', { login, password }, opts)
    const body = check(res, 200)
    return body
  }

  /** Logs a demo account in by its login name. */
  loginAs(login, opts) {
    return this.login(login, this.account(login).password, opts)
  }

  /** Sends bytes on a raw TCP connection; see rawExchange. */
  raw(data, opts) {
    return rawExchange(this.port, data, opts)
  }

  /** Opens the live event stream; see EventStream. */
  events(opts = {}) {
    return openEventStream(this.port, opts)
  }

  /**
   * SIGTERM, then waits for the exit within shutdown_grace_ms + 3 s.
   * Resolves { code, signal, ms }; code is null when it had to be killed.
   */
  async stop() {
    if (this.stopped) return this.stopped
    const t0 = Date.now()
    const graceMs = (this.config.limits?.shutdown_grace_ms ?? 10000) + 3000
    if (!this.exitInfo()) this.child.kill('SIGTERM')
    let timer
    const late = new Promise((r) => (timer = setTimeout(() => r(null), graceMs)))
    let result = await Promise.race([this.exited, late])
    clearTimeout(timer)
    if (!result) {
      this.child.kill('SIGKILL')
      await this.exited
      result = { code: null, signal: 'SIGKILL (did not stop within the grace time)' }
    }
    this.stopped = { ...result, ms: Date.now() - t0 }
    return this.stopped
  }

  /** Stops (if needed), drops the database and removes the temp dir. */
  async kill() {
    if (!this.exitInfo()) {
      this.child.kill('SIGKILL')
      await this.exited
    }
    await this.db.drop().catch((e) => console.error(`# could not drop the test database: ${e.message}`))
    if (process.env.MASHANG_TEST_KEEP === '1') console.error(`# kept ${this.dir}`)
    else rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * The standard end of a test file: a test that the server stops with exit code 0 on
 * SIGTERM within its grace time, and an `after` hook that cleans up whatever happened.
 */
export function endsCleanly(...servers) {
  test('server exits 0 on SIGTERM within the shutdown grace time', async () => {
    for (const s of servers) {
      const r = await s.stop()
      assert.equal(r.code, 0, `exit ${JSON.stringify(r)}; server log:\n${s.log()}`)
    }
  })
  after(async () => {
    for (const s of servers) await s.kill()
  })
}

// ---------------------------------------------------------------------------------------
// Replies and their check against docs/openapi.yaml

export class Reply {
  constructor(method, path, status, headers, buf) {
    Object.assign(this, { method, path, status, headers, buf })
  }
  get text() {
    return this.buf.toString('utf8')
  }
  header(name) {
    return this.headers[name.toLowerCase()]
  }
  json() {
    return JSON.parse(this.text)
  }
  toString() {
    return `${this.method} ${this.path} → ${this.status} ${JSON.stringify(this.headers)} ${this.text.slice(0, 400)}`
  }
}

export const openapi = YAML.parse(readFileSync(OPENAPI_FILE, 'utf8'))
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true })
addFormats(ajv)
ajv.addFormat('int64', { type: 'number', validate: Number.isInteger })
ajv.addFormat('int32', { type: 'number', validate: (n) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 })
const DOC_ID = 'https://mashang.invalid/openapi.json'
ajv.addSchema(openapi, DOC_ID)
const validators = new Map()

const escPointer = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1')

/** The compiled validator of the schema at a JSON pointer of the OpenAPI document. */
export function validatorAt(pointer) {
  let v = validators.get(pointer)
  if (!v) {
    v = ajv.compile({ $ref: `${DOC_ID}#${pointer}` })
    validators.set(pointer, v)
  }
  return v
}

/** Asserts `value` matches components/schemas/<name>. */
export function assertSchema(value, name, context = '') {
  const ptr = `/components/schemas/${escPointer(name)}`
  assert.ok(openapi.components.schemas[name], `components/schemas/${name} is not in openapi.yaml`)
  const v = validatorAt(ptr)
  if (!v(value))
    assert.fail(`${context} does not match ${name}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 600)}`)
}

function deref(obj, pointer) {
  if (obj && typeof obj.$ref === 'string') {
    assert.ok(obj.$ref.startsWith('#/'), `only local refs are supported: ${obj.$ref}`)
    const p = obj.$ref.slice(1)
    let cur = openapi
    for (const part of p.split('/').slice(1)) cur = cur[part.replace(/~1/g, '/').replace(/~0/g, '~')]
    assert.ok(cur, `dangling $ref ${obj.$ref}`)
    return deref(cur, p)
  }
  return { obj, pointer }
}

const pathMatchers = Object.keys(openapi.paths)
  .map((p) => ({
    template: p,
    params: (p.match(/\{[^}]+\}/g) || []).length,
    re: new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
  }))
  .sort((a, b) => a.params - b.params)

/** The OpenAPI path template and operation of a request, or null. */
export function findOperation(method, rawPath) {
  const path = rawPath.split('?')[0]
  const m = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase()
  for (const pm of pathMatchers) {
    if (pm.re.test(path)) {
      const op = openapi.paths[pm.template][m]
      if (op) return { template: pm.template, method: m, op }
    }
  }
  return null
}

function mediaBase(ct) {
  return (ct || '').split(';')[0].trim().toLowerCase()
}

function findMedia(content, ct) {
  const base = mediaBase(ct)
  if (content[base]) return base
  const major = base.split('/')[0]
  if (content[`${major}/*`]) return `${major}/*`
  if (content['*/*']) return '*/*'
  return null
}

/**
 * Asserts the status, then that openapi.yaml describes this status for the request's route
 * (or, for a request no operation covers, the component named by `ref`), that the documented
 * required headers are present and valid, and that the body matches the documented media
 * type and schema. `ref` may also name components/schemas/<ref> (validated in addition) or
 * components/responses/<ref> (which must be the one documented for the route).
 * Returns the parsed JSON body (or the text for other media types).
 */
export function check(res, status, ref) {
  assert.equal(res.status, status, `expected ${status}: ${res}`)
  const found = findOperation(res.method, res.path)
  let resp, pointer
  if (found) {
    const key = String(status)
    const r = found.op.responses[key]
    assert.ok(r, `openapi.yaml does not describe status ${status} for ${found.method.toUpperCase()} ${found.template}: ${res}`)
    if (ref && openapi.components.responses?.[ref])
      assert.equal(r.$ref, `#/components/responses/${ref}`, `${found.method.toUpperCase()} ${found.template} ${status} should be ${ref}`)
    ;({ obj: resp, pointer } = deref(r, `/paths/${escPointer(found.template)}/${found.method}/responses/${key}`))
  } else if (ref && openapi.components.responses?.[ref]) {
    ;({ obj: resp, pointer } = deref({ $ref: `#/components/responses/${escPointer(ref)}` }))
  } else if (ref && openapi.components.schemas?.[ref]) {
    resp = { content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } }
    pointer = null
  } else {
    assert.fail(`${res.method} ${res.path} is not described in openapi.yaml: ${res}`)
  }

  for (const [name, h0] of Object.entries(resp.headers || {})) {
    const { obj: h } = deref(h0)
    const value = res.header(name)
    if (h.required) assert.ok(value !== undefined, `required header ${name} missing: ${res}`)
    if (value !== undefined && h.schema) {
      const v = ajv.compile(h.schema)
      const values = Array.isArray(value) ? value : [value] // Set-Cookie may repeat
      const typed = values.map((x) => (h.schema.type === 'integer' && /^[0-9]+$/.test(x) ? Number(x) : x))
      assert.ok(typed.some((x) => v(x)), `header ${name}: ${JSON.stringify(value)} does not match ${JSON.stringify(h.schema)}`)
    }
  }

  if (!resp.content) {
    assert.equal(res.buf.length, 0, `no body is documented, got one: ${res}`)
    return null
  }
  const ct = res.header('content-type')
  const media = findMedia(resp.content, ct)
  assert.ok(media, `Content-Type ${ct} is not documented (${Object.keys(resp.content)}): ${res}`)
  const schemaPtr = pointer ? `${pointer}/content/${escPointer(media)}/schema` : null
  if (media === 'application/json' || media.endsWith('+json')) {
    let body
    try {
      body = res.json()
    } catch (e) {
      assert.fail(`body is not JSON (${e.message}): ${res}`)
    }
    const v = schemaPtr ? validatorAt(schemaPtr) : validatorAt(resp.content[media].schema.$ref.slice(1))
    if (!v(body)) assert.fail(`body does not match openapi.yaml (${schemaPtr}): ${ajv.errorsText(v.errors)}\n${res}`)
    if (ref && openapi.components.schemas?.[ref]) assertSchema(body, ref, `${res.method} ${res.path}`)
    return body
  }
  return res.text
}

/** check() for an error, plus the expected error code (and field, when given). */
export function checkError(res, status, code, { field, ref } = {}) {
  const body = check(res, status, ref)
  assert.equal(body.error.code, code, `error code: ${res}`)
  if (field !== undefined) assert.equal(body.error.field, field, `error field: ${res}`)
  return body.error
}

// ---------------------------------------------------------------------------------------
// Raw sockets

/**
 * Writes `data` (string, Buffer, or array of [delayMs, chunk] steps) to a fresh connection and
 * collects everything until the server closes or `timeout` ms pass. Resolves
 * { text, buf, closed, ms, firstByteMs, status, headers, body, writeError }.
 */
export function rawExchange(port, data, { timeout = 8000, localAddress } = {}) {
  return new Promise((resolveP) => {
    const t0 = Date.now()
    const sock = net.connect({ host: '127.0.0.1', port, localAddress })
    const chunks = []
    let done = false
    let writeError = null
    let firstByteMs = null
    const finish = (closed) => {
      if (done) return
      done = true
      clearTimeout(timer)
      sock.destroy()
      const buf = Buffer.concat(chunks)
      resolveP({ ...parseRaw(buf), buf, text: buf.toString('latin1'), closed, ms: Date.now() - t0, firstByteMs, writeError })
    }
    const timer = setTimeout(() => finish(false), timeout)
    sock.on('data', (c) => {
      if (firstByteMs === null) firstByteMs = Date.now() - t0
      chunks.push(c)
    })
    sock.on('end', () => finish(true))
    sock.on('close', () => finish(true))
    sock.on('error', (e) => {
      writeError = e.code || e.message
      // a reset after the answer was read still counts as closed by the server
      finish(true)
    })
    sock.on('connect', async () => {
      const steps = Array.isArray(data) ? data : [[0, data]]
      for (const [wait, chunk] of steps) {
        if (wait) await delay(wait)
        if (done || sock.destroyed) return
        sock.write(chunk, (e) => {
          if (e) writeError = e.code || e.message
        })
      }
    })
  })
}

/** Parses the first HTTP response in a buffer (Content-Length bodies). */
export function parseRaw(buf) {
  const text = buf.toString('latin1')
  const end = text.indexOf('\r\n\r\n')
  if (!text.startsWith('HTTP/1.') || end < 0) return { status: null, headers: {}, body: null }
  const lines = text.slice(0, end).split('\r\n')
  const status = Number(lines[0].split(' ')[1])
  const headers = {}
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':')
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim()
  }
  const len = Number(headers['content-length'] ?? 0)
  const body = buf.subarray(end + 4, end + 4 + len)
  return { status, headers, body }
}

/** A raw response as a Reply, for check(). */
export function rawReply(method, path, r) {
  assert.ok(r.status, `no HTTP response on the raw connection (closed=${r.closed}, ${r.ms} ms): ${JSON.stringify(r.text.slice(0, 200))}`)
  return new Reply(method, path, r.status, r.headers, r.body)
}

// ---------------------------------------------------------------------------------------
// Server-Sent Events

/**
 * Opens GET /api/events. Options: token, cookie, lastEventId (header), query (string),
 * headers. Resolves an EventStream once the response head arrived; a non-200 answer is
 * returned as `stream.reply` (a Reply) with the body read.
 */
export function openEventStream(port, { token, cookie, lastEventId, query = '', headers = {} } = {}) {
  const h = { Accept: 'text/event-stream', ...headers }
  if (token) h.Authorization = `Bearer ${token}`
  if (cookie) h.Cookie = `mashang_session=${cookie}`
  if (lastEventId !== undefined) h['Last-Event-ID'] = String(lastEventId)
  const path = `/api/events${query}`
  return new Promise((res, rej) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path, headers: h, agent: false }, (r) => {
      if (r.statusCode !== 200) {
        const chunks = []
        r.on('data', (c) => chunks.push(c))
        r.on('end', () => res({ reply: new Reply('GET', path, r.statusCode, r.headers, Buffer.concat(chunks)) }))
        return
      }
      res(new EventStream(req, r, path))
    })
    req.setTimeout(10000, () => req.destroy(new Error('no answer from /api/events')))
    req.on('error', rej)
    req.end()
  })
}

export class EventStream {
  constructor(req, res, path) {
    this.req = req
    this.res = res
    this.reply = new Reply('GET', path, res.statusCode, res.headers, Buffer.alloc(0))
    this.items = [] // {kind:'event', id, event, data, raw} | {kind:'comment', text} | {kind:'retry', ms}
    this.waiters = []
    this.ended = false
    let buf = ''
    let frame = { data: [] }
    res.setEncoding('utf8')
    res.on('data', (chunk) => {
      buf += chunk
      let nl
      while ((nl = buf.search(/\r\n|\n|\r/)) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + (buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1))
        if (line === '') {
          if (frame.data.length || frame.event || frame.id !== undefined) {
            const raw = frame.data.join('\n')
            let data
            try {
              data = JSON.parse(raw)
            } catch {
              data = undefined
            }
            this.push({ kind: 'event', id: frame.id, event: frame.event ?? 'message', raw, data })
          }
          frame = { data: [] }
        } else if (line.startsWith(':')) {
          this.push({ kind: 'comment', text: line.slice(1).trim() })
        } else {
          const i = line.indexOf(':')
          const field = i < 0 ? line : line.slice(0, i)
          let value = i < 0 ? '' : line.slice(i + 1)
          if (value.startsWith(' ')) value = value.slice(1)
          if (field === 'data') frame.data.push(value)
          else if (field === 'event') frame.event = value
          else if (field === 'id') frame.id = value
          else if (field === 'retry') this.push({ kind: 'retry', ms: Number(value) })
        }
      }
    })
    const end = () => {
      this.ended = true
      this.wake()
    }
    res.on('end', end)
    res.on('close', end)
    res.on('error', end)
  }

  push(item) {
    this.items.push(item)
    this.wake()
  }
  wake() {
    for (const w of this.waiters.splice(0)) w()
  }

  get events() {
    return this.items.filter((i) => i.kind === 'event')
  }

  /** Waits until some item satisfies `pred`; returns it. Fails after `ms`. */
  async next(pred, { ms = 5000, what = 'an event' } = {}) {
    const until = Date.now() + ms
    let from = 0
    for (;;) {
      for (; from < this.items.length; from++) if (pred(this.items[from])) return this.items[from]
      if (this.ended) assert.fail(`stream ended before ${what}; got ${JSON.stringify(this.items)}`)
      const left = until - Date.now()
      if (left <= 0) assert.fail(`no ${what} within ${ms} ms; got ${JSON.stringify(this.items)}`)
      await new Promise((r) => {
        const t = setTimeout(r, left)
        this.waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    }
  }

  /** Waits for the event with this type whose data matches `match` (a predicate on data). */
  nextEvent(type, match = () => true, opts = {}) {
    return this.next((i) => i.kind === 'event' && i.event === type && i.data && match(i.data), {
      what: `event ${type}`,
      ...opts,
    })
  }

  /** Resolves true once the server ended the stream, false if it is still open after `ms`. */
  async waitEnd(ms = 5000) {
    const until = Date.now() + ms
    while (!this.ended && Date.now() < until)
      await new Promise((r) => {
        const t = setTimeout(r, until - Date.now())
        this.waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    return this.ended
  }

  close() {
    this.req.destroy()
    this.res.destroy()
  }
}

export { existsSync }
