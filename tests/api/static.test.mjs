// The built web app, the API docs and the security headers on every kind of answer.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { gunzipSync } from 'node:zlib'

import { OPENAPI_FILE, WEB_ROOT, check, checkError, endsCleanly, openapi, startServer } from './harness.mjs'

assert.ok(existsSync(join(WEB_ROOT, 'index.html')), `the web app is not built: ${WEB_ROOT}/index.html is missing`)
const srv = await startServer()
const admin = await srv.loginAs('admin')

const indexHtml = readFileSync(join(WEB_ROOT, 'index.html'))
const assets = readdirSync(join(WEB_ROOT, 'assets')).filter((f) => !f.endsWith('.gz'))
const gzipped = assets.find((f) => existsSync(join(WEB_ROOT, 'assets', `${f}.gz`)))
const plain = assets.find((f) => !existsSync(join(WEB_ROOT, 'assets', `${f}.gz`)))
const asJs = assets.find((f) => f.endsWith('.js'))

function decoded(res) {
  return res.header('content-encoding') === 'gzip' ? gunzipSync(res.buf) : res.buf
}

describe('web app', () => {
  test('/ serves index.html with Cache-Control: no-cache', async () => {
    const res = await srv.get('/')
    check(res, 200)
    assert.match(res.header('content-type'), /^text\/html/)
    assert.equal(res.header('cache-control'), 'no-cache')
    assert.ok(decoded(res).equals(indexHtml), 'the body is not web/dist/index.html')
  })

  test('a client-side route without a dot gets the app shell', async () => {
    for (const path of ['/console/accounts', '/m/home', '/login']) {
      const res = await srv.get(path)
      assert.equal(res.status, 200, `${res}`)
      assert.match(res.header('content-type'), /^text\/html/)
      assert.match(res.header('cache-control'), /no-cache/)
      assert.ok(decoded(res).equals(indexHtml), `${path} is not the app shell`)
      assert.ok(res.header('x-request-id'))
    }
  })

  test('a missing file with a dot answers 404, not the app shell', async () => {
    checkError(await srv.get('/assets/missing-0000.js'), 404, 'not_found', { ref: 'NotFound' })
    checkError(await srv.get('/nothing-here.png'), 404, 'not_found', { ref: 'NotFound' })
  })

  test('an unknown /api/ path answers the JSON 404, not the app shell', async () => {
    const res = await srv.get('/api/console')
    checkError(res, 404, 'not_found', { ref: 'NotFound' })
  })

  test('/assets/* are served whole with an immutable Cache-Control', async () => {
    assert.ok(asJs, 'no .js asset in web/dist/assets')
    const res = await srv.get(`/assets/${asJs}`)
    check(res, 200)
    assert.match(res.header('content-type'), /javascript/)
    const cc = res.header('cache-control')
    assert.match(cc, /immutable/)
    const maxAge = Number((cc.match(/max-age=(\d+)/) || [])[1])
    assert.ok(maxAge >= 31536000, `max-age ${maxAge} in ${cc}`)
    assert.ok(decoded(res).equals(readFileSync(join(WEB_ROOT, 'assets', asJs))))
  })

  test('Accept-Encoding: gzip gets the precompressed .gz with Content-Encoding: gzip', async () => {
    assert.ok(gzipped, 'no asset with a .gz sibling in web/dist/assets')
    const res = await srv.get(`/assets/${gzipped}`, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } })
    check(res, 200)
    assert.equal(res.header('content-encoding'), 'gzip')
    assert.match(res.header('vary') || '', /accept-encoding/i)
    assert.ok(res.buf.equals(readFileSync(join(WEB_ROOT, 'assets', `${gzipped}.gz`))), 'not the .gz file')
    assert.ok(gunzipSync(res.buf).equals(readFileSync(join(WEB_ROOT, 'assets', gzipped))), 'does not gunzip to the file')
  })

  test('without Accept-Encoding the file is sent uncompressed', async () => {
    const res = await srv.get(`/assets/${gzipped}`)
    check(res, 200)
    assert.equal(res.header('content-encoding'), undefined)
    assert.ok(res.buf.equals(readFileSync(join(WEB_ROOT, 'assets', gzipped))))
  })

  test('a file without a .gz is sent as is even when gzip is accepted', async (t) => {
    if (!plain) return t.skip('every asset in web/dist/assets has a .gz sibling')
    const res = await srv.get(`/assets/${plain}`, { headers: { 'Accept-Encoding': 'gzip' } })
    check(res, 200)
    assert.ok(decoded(res).equals(readFileSync(join(WEB_ROOT, 'assets', plain))))
  })

  test('If-None-Match with the ETag answers 304 without a body', async () => {
    const first = await srv.get(`/assets/${asJs}`)
    const etag = first.header('etag')
    assert.ok(etag, 'no ETag on an asset')
    const res = await srv.get(`/assets/${asJs}`, { headers: { 'If-None-Match': etag } })
    check(res, 304)
  })

  for (const path of ['/../../../etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/../../../../etc/passwd']) {
    test(`path traversal ${path} does not leave the web root`, async () => {
      const res = await srv.get(path)
      assert.ok(!res.text.includes('root:x:0:0'), `served /etc/passwd for ${path}`)
      assert.ok([200, 400, 404].includes(res.status), `${res}`)
      if (res.status === 200) assert.ok(decoded(res).equals(indexHtml), `${path} served something other than the app shell`)
    })
  }
})

describe('API docs', () => {
  test('/api/docs answers the Swagger UI page, and every file it loads is served', async () => {
    const res = await srv.get('/api/docs')
    const html = decoded(res).toString('utf8')
    check(res, 200)
    assert.match(html, /swagger/i)
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !/^(https?:)?\/\//.test(u))
    assert.ok(refs.length >= 2, `the page loads nothing: ${html}`)
    for (const ref of refs) {
      const url = new URL(ref, `${srv.base}/api/docs`)
      assert.equal(url.host, `127.0.0.1:${srv.port}`, `the docs page loads ${ref} from elsewhere (must work offline)`)
      const r = await srv.get(url.pathname)
      assert.equal(r.status, 200, `${ref}: ${r}`)
    }
  })

  test('/api/openapi.yaml answers this document', async () => {
    const res = await srv.get('/api/openapi.yaml')
    check(res, 200)
    assert.match(res.header('content-type'), /yaml/)
    assert.ok(
      decoded(res).equals(readFileSync(OPENAPI_FILE)),
      'the served document differs from docs/openapi.yaml (the binary embeds it at build time: is it stale?)',
    )
    assert.match(openapi.openapi, /^3\.1\./)
  })
})

describe('security headers', () => {
  const probes = [
    ['GET', '/'],
    ['GET', '/console/x'],
    ['GET', '/healthz'],
    ['GET', '/api/me'],
    ['GET', '/api/nothing'],
    ['DELETE', '/api/me'],
    ['GET', '/api/docs'],
    ['GET', '/api/openapi.yaml'],
    ['GET', '/metrics'],
  ]
  for (const [method, path] of probes) {
    test(`${method} ${path} carries the security headers`, async () => {
      const res = await srv.request(method, path)
      assert.equal(res.header('x-content-type-options'), 'nosniff', `${res}`)
      const csp = res.header('content-security-policy')
      assert.ok(csp, `no Content-Security-Policy: ${res}`)
      const xfo = res.header('x-frame-options')
      assert.ok(xfo === 'DENY' || /frame-ancestors\s+('none'|'self')/.test(csp), `framing allowed: ${res}`)
      assert.match(res.header('referrer-policy') || '', /^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin|no-referrer-when-downgrade|origin|origin-when-cross-origin)$/)
      assert.ok(res.header('x-request-id'), 'no X-Request-Id')
    })
  }

  test('the CSP allows no inline scripts and no foreign script origins', async () => {
    const csp = (await srv.get('/')).header('content-security-policy')
    const directive = (name) => (csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) || '').split(/\s+/).slice(1)
    const scripts = directive('script-src').length ? directive('script-src') : directive('default-src')
    assert.ok(scripts.length, `no script-src or default-src in ${csp}`)
    assert.ok(!scripts.includes("'unsafe-inline'") && !scripts.includes('*'), `scripts too open: ${csp}`)
  })

  test('API answers are not cached', async () => {
    const res = await srv.get('/api/me', { token: admin.token })
    assert.match(res.header('cache-control') || '', /no-store/, `${res}`)
  })
})

endsCleanly(srv)
