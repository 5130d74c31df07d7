// The error contract: one body for every failure, the status of each code, and the limits
// that protect the server (sizes, timeouts, rate limit) — including raw, broken HTTP.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { check, checkError, endsCleanly, rawReply, startServer, waitFor } from './harness.mjs'

const REQUEST_TIMEOUT_MS = 2000
const IDLE_TIMEOUT_MS = 3000
const srv = await startServer({
  config: {
    limits: {
      request_timeout_ms: REQUEST_TIMEOUT_MS,
      idle_timeout_ms: IDLE_TIMEOUT_MS,
      body_bytes_max: 65536,
      header_bytes_max: 16384,
    },
  },
})
// A server with a small per-client budget: bursts of 10, 1 per second after that.
const limited = await startServer({ config: { limits: { rate_limit_per_s: 1, rate_limit_burst: 10 } } })
const admin = await srv.loginAs('admin')

const loginJson = JSON.stringify({ login: 'admin', password: 'whatever-password' })

describe('routing', () => {
  test('an unknown API route answers 404 with the error body', async () => {
    checkError(await srv.get('/api/no/such/route'), 404, 'not_found', { ref: 'NotFound' })
    checkError(await srv.post('/api/nothing', {}), 404, 'not_found', { ref: 'NotFound' })
  })

  test('a POST outside the API answers 404, not the web app', async () => {
    checkError(await srv.request('POST', '/some/page', { body: 'x', headers: { 'Content-Type': 'text/plain' } }), 404, 'not_found', {
      ref: 'NotFound',
    })
  })

  for (const [method, path, allowed] of [
    ['DELETE', '/api/me', ['GET']],
    ['POST', '/healthz', ['GET']],
    ['PUT', '/api/accounts', ['GET', 'POST']],
    ['GET', '/api/auth/login', ['POST']],
    ['PATCH', '/api/accounts/1', ['GET']],
  ]) {
    test(`${method} ${path} answers 405 with Allow: ${allowed.join(', ')}`, async () => {
      const res = await srv.request(method, path, { token: admin.token })
      const e = checkError(res, 405, 'method_not_allowed', { ref: 'Error' })
      assert.ok(e.message)
      const allow = (res.header('allow') || '').split(',').map((s) => s.trim()).filter(Boolean).sort()
      assert.deepEqual(allow.filter((m) => m !== 'HEAD'), [...allowed].sort(), `Allow: ${res.header('allow')}`)
      assert.ok(res.header('x-request-id'), 'no X-Request-Id')
    })
  }
})

describe('bodies', () => {
  test('malformed JSON answers 400', async () => {
    const headers = { 'Content-Type': 'application/json' }
    checkError(await srv.request('POST', '/api/auth/login', { body: '{"login":', headers }), 400, 'bad_request')
    checkError(await srv.request('POST', '/api/auth/login', { body: '', headers }), 400, 'bad_request')
    checkError(await srv.request('POST', '/api/accounts', { body: "{'a':1}", headers, token: admin.token }), 400, 'bad_request')
  })

  test('invalid UTF-8 inside JSON answers 400', async () => {
    const body = Buffer.concat([Buffer.from('{"login":"adm'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","password":"x-password"}')])
    checkError(await srv.request('POST', '/api/auth/login', { body, headers: { 'Content-Type': 'application/json' } }), 400, 'bad_request')
    const overlong = Buffer.concat([Buffer.from('{"username":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('bc","display_name":"x","password":"a-good-password"}')])
    checkError(
      await srv.request('POST', '/api/accounts', { body: overlong, headers: { 'Content-Type': 'application/json' }, token: admin.token }),
      400,
      'bad_request',
    )
  })

  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
    test(`Content-Type ${ct ?? '(none)'} on a JSON route answers 415`, async () => {
      const headers = ct ? { 'Content-Type': ct } : {}
      checkError(await srv.request('POST', '/api/auth/login', { body: loginJson, headers }), 415, 'unsupported_media_type')
    })
  }

  test('application/json with a charset parameter is accepted', async () => {
    const res = await srv.request('POST', '/api/auth/login', {
      body: loginJson,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    })
    checkError(res, 401, 'unauthenticated')
  })

  test('Expect: 100-continue gets 100 Continue, then the answer (as curl sends large bodies)', async () => {
    const head =
      `POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${loginJson.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`
    // the body follows only after a pause long enough for the server to have said 100
    const r = await srv.raw([[0, head], [300, loginJson]])
    assert.match(r.text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 401 /, r.text.slice(0, 300))
    assert.ok(r.firstByteMs < 300, `100 Continue came after ${r.firstByteMs} ms, only once the body was sent`)
  })

  test('a body over the limit answers 413', async () => {
    const big = JSON.stringify({ username: 'big_one', display_name: 'x'.repeat(100_000), password: 'a-good-password' })
    const res = await srv.raw(
      `POST /api/accounts HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${admin.token}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${big.length}\r\n\r\n${big}`,
    )
    checkError(rawReply('POST', '/api/accounts', res), 413, 'too_large')
  })

  test('a declared Content-Length over the limit answers 413 before the body is sent', async () => {
    const res = await srv.raw(
      `POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{"lo`,
      { timeout: REQUEST_TIMEOUT_MS - 500 },
    )
    checkError(rawReply('POST', '/api/auth/login', res), 413, 'too_large')
  })

  test('a chunked body over the limit answers 413', async () => {
    const chunk = 'x'.repeat(8192)
    let data = `POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`
    for (let i = 0; i < 12; i++) data += `${chunk.length.toString(16)}\r\n${chunk}\r\n`
    data += '0\r\n\r\n'
    const res = await srv.raw(data)
    checkError(rawReply('POST', '/api/auth/login', res), 413, 'too_large')
  })
})

describe('malformed HTTP', () => {
  test('headers over header_bytes_max answer 413 (not 431)', async () => {
    const res = await srv.raw(`GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`)
    checkError(rawReply('GET', '/healthz', res), 413, 'too_large', { ref: 'TooLarge' })
  })

  test('many small headers over the limit answer 413', async () => {
    let h = ''
    for (let i = 0; i < 600; i++) h += `X-H${i}: ${'v'.repeat(40)}\r\n`
    const res = await srv.raw(`GET /healthz HTTP/1.1\r\nHost: t\r\n${h}\r\n`)
    checkError(rawReply('GET', '/healthz', res), 413, 'too_large', { ref: 'TooLarge' })
  })

  for (const [name, data] of [
    ['a garbage request line', 'GARBAGE\r\n\r\n'],
    ['a request line without a target', 'GET\r\n\r\n'],
    ['an unknown HTTP version', 'GET /healthz HTTP/9.9\r\nHost: t\r\n\r\n'],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost t\r\n\r\n'],
    ['a bad Content-Length', 'POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n'],
    ['a target with a broken escape', 'GET /api/accounts?limit=%zz HTTP/1.1\r\nHost: t\r\n\r\n'],
    ['a target that is not a path', 'GET healthz HTTP/1.1\r\nHost: t\r\n\r\n'],
  ]) {
    test(`${name} answers 400 with the error body`, async () => {
      const res = await srv.raw(data)
      checkError(rawReply('-', '/-', res), 400, 'bad_request', { ref: 'BadRequest' })
    })
  }

  for (const [name, te] of [
    ['gzip alone', 'gzip'],
    ['chunked not last', 'chunked, gzip'],
    ['an unknown coding', 'x-custom'],
  ]) {
    test(`Transfer-Encoding with ${name} answers 400 and closes (no request smuggling)`, async () => {
      // what follows the head must never be read as a second request
      const smuggled = 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n'
      const res = await srv.raw(
        `POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: ${te}\r\n\r\n` +
          `0\r\n\r\n${smuggled}`,
      )
      checkError(rawReply('-', '/-', res), 400, 'bad_request', { ref: 'BadRequest' })
      assert.ok(res.closed, 'the connection stayed open')
      assert.equal(res.text.split('HTTP/1.1 ').length - 1, 1, `more than one response: ${res.text.slice(0, 400)}`)
    })
  }

  test('Content-Length together with Transfer-Encoding answers 400 and closes', async () => {
    const res = await srv.raw(
      'POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 5\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n',
    )
    checkError(rawReply('-', '/-', res), 400, 'bad_request', { ref: 'BadRequest' })
    assert.ok(res.closed, 'the connection stayed open')
  })

  test('a path that is not valid UTF-8 answers 400', async () => {
    const res = await srv.raw('GET /api/%ff%fe HTTP/1.1\r\nHost: t\r\n\r\n')
    checkError(rawReply('-', '/-', res), 400, 'bad_request', { ref: 'BadRequest' })
  })

  test('the server still answers after broken requests', async () => {
    check(await srv.get('/healthz'), 200)
  })
})

describe('timeouts', () => {
  /** While `pending` runs, other clients are still answered promptly. */
  async function othersAnswered(pending) {
    let done = false
    pending.finally(() => (done = true))
    let answered = 0
    while (!done && answered < 5) {
      const t0 = Date.now()
      check(await srv.get('/healthz'), 200)
      assert.ok(Date.now() - t0 < 1000, `a healthz took ${Date.now() - t0} ms while a slow client was connected`)
      answered++
    }
    return answered
  }

  function expectTimedOut(r) {
    const limit = REQUEST_TIMEOUT_MS + 1500
    assert.ok(r.closed, `connection still open after ${r.ms} ms`)
    assert.ok(r.ms <= limit, `the slow request was cut after ${r.ms} ms, beyond ${limit} ms`)
    assert.ok(r.ms >= REQUEST_TIMEOUT_MS - 500, `cut after ${r.ms} ms, before the request timeout`)
    checkError(rawReply('-', '/-', r), 408, 'timeout', { ref: 'Timeout' })
  }

  test('half a request is answered 408 and closed at the request timeout; others are served meanwhile', async () => {
    const pending = srv.raw('GET /healthz HTTP/1.1\r\nHost: t\r\n', { timeout: REQUEST_TIMEOUT_MS + 3000 })
    const answered = await othersAnswered(pending)
    expectTimedOut(await pending)
    assert.ok(answered >= 1)
  })

  test('a client that trickles its headers is still cut at the request timeout', async () => {
    const head = 'GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: '
    const steps = [[0, head]]
    for (let i = 0; i < 30; i++) steps.push([200, 'a'])
    const r = await srv.raw(steps, { timeout: REQUEST_TIMEOUT_MS + 3000 })
    expectTimedOut(r)
  })

  test('a body that never arrives is answered 408 and closed at the request timeout', async () => {
    const r = await srv.raw(
      `POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"login":`,
      { timeout: REQUEST_TIMEOUT_MS + 3000 },
    )
    assert.ok(r.closed, `connection still open after ${r.ms} ms`)
    assert.ok(r.ms <= REQUEST_TIMEOUT_MS + 1500, `cut after ${r.ms} ms`)
    checkError(rawReply('POST', '/api/auth/login', r), 408, 'timeout', { ref: 'Timeout' })
  })

  test('an idle keep-alive connection is closed after the idle timeout', async () => {
    const r = await srv.raw('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n', { timeout: IDLE_TIMEOUT_MS + 3000 })
    assert.equal(r.status, 200, r.text)
    assert.ok(r.closed, `kept open for ${r.ms} ms`)
    const idle = r.ms - r.firstByteMs
    assert.ok(idle >= IDLE_TIMEOUT_MS - 500 && idle <= IDLE_TIMEOUT_MS + 2000, `closed ${idle} ms after the answer`)
  })

  test('keep-alive serves several requests on one connection', async () => {
    const one = 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n'
    const r = await srv.raw([[0, one], [0, one], [0, 'GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n']])
    assert.equal((r.text.match(/HTTP\/1\.1 200/g) || []).length, 3, r.text)
    assert.ok(r.closed && r.ms < 1500, `not closed after Connection: close (${r.ms} ms)`)
  })
})

describe('rate limit', () => {
  test('a burst beyond the per-client budget answers 429 with Retry-After', async () => {
    const statuses = []
    let refused
    for (let i = 0; i < 40; i++) {
      const res = await limited.get('/healthz')
      statuses.push(res.status)
      if (res.status === 429 && !refused) refused = res
    }
    assert.ok(refused, `no 429 in 40 quick requests: ${statuses.join(',')}`)
    checkError(refused, 429, 'rate_limited', { ref: 'RateLimited' })
    const ok = statuses.filter((s) => s === 200).length
    assert.ok(ok <= 10 + 2, `${ok} requests passed a budget of 10 (+1/s)`)
    assert.ok(statuses.every((s) => s === 200 || s === 429), statuses.join(','))
    const wait = Number(refused.header('retry-after'))
    assert.ok(wait >= 1 && wait <= 10, `Retry-After: ${refused.header('retry-after')}`)
  })

  test('the budget is per client address', async () => {
    check(await limited.get('/healthz', { localAddress: '127.0.0.2' }), 200)
  })

  test('every route shares the budget and answers the same 429', async () => {
    const drain = async () => {
      let drained = false
      for (let i = 0; i < 40 && !drained; i++) drained = (await limited.get('/healthz')).status === 429
      assert.ok(drained, 'the budget did not run out')
    }
    await drain()
    checkError(await limited.get('/api/me'), 429, 'rate_limited')
    await drain()
    checkError(await limited.post('/api/auth/login', { login: 'a', password: 'b' }), 429, 'rate_limited')
  })

  test('the budget refills over time', async () => {
    const res = await waitFor(
      async () => {
        const r = await limited.get('/healthz')
        return r.status === 200 ? r : null
      },
      { ms: 4000, every: 200, what: 'the rate limit to let a request through again' },
    )
    check(res, 200)
  })
})

describe('request ids', () => {
  test('every answer carries a distinct X-Request-Id', async () => {
    const replies = await Promise.all([
      srv.get('/healthz'),
      srv.get('/api/me'),
      srv.get('/api/nothing'),
      srv.request('DELETE', '/healthz'),
      srv.get('/'),
      srv.post('/api/auth/login', { login: 'x' }),
      ...Array.from({ length: 10 }, () => srv.get('/api/version')),
    ])
    const ids = replies.map((r) => r.header('x-request-id'))
    for (const [i, id] of ids.entries()) assert.ok(id, `no X-Request-Id on ${replies[i]}`)
    assert.equal(new Set(ids).size, ids.length, `ids repeat: ${ids}`)
  })

  test('raw error answers carry X-Request-Id too', async () => {
    const r = await srv.raw('NONSENSE\r\n\r\n')
    assert.ok(r.headers['x-request-id'], r.text)
  })
})

endsCleanly(srv, limited)
