// Signing in and out, tokens, cookies, CSRF and login throttling.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'

import { check, checkError, endsCleanly, startServer, waitFor } from './harness.mjs'

const srv = await startServer()
// Sessions that expire 1.5 s after login, for the expiry test.
const shortLived = await startServer({ config: { sessions: { ttl_ms: 1500 } } })
// A server whose client address gets throttled by the per-address failure limit.
const throttled = await startServer()
// A server behind TLS termination: cookies marked Secure.
const secure = await startServer({ config: { sessions: { cookie_secure: true } } })

const admin = await srv.loginAs('admin')

let seq = 0
/** Creates an account through the API as admin; returns { account, login, password }. */
async function newAccount(extra = {}) {
  const n = ++seq
  const password = `pw-${randomBytes(6).toString('hex')}`
  const body = { username: `auth_user${n}`, display_name: `Auth user ${n}`, password, roles: [{ role: 'resident', scope: '/' }], ...extra }
  const account = check(await srv.post('/api/accounts', body, { token: admin.token }), 201, 'Account')
  return { account, login: body.username, password }
}

function sessionCookie(res) {
  const raw = res.header('set-cookie')
  const list = Array.isArray(raw) ? raw : raw ? [raw] : []
  const c = list.find((x) => x.startsWith('mashang_session='))
  assert.ok(c, `no mashang_session cookie set: ${res}`)
  const [pair, ...attrs] = c.split(';').map((s) => s.trim())
  const attr = {}
  for (const a of attrs) {
    const i = a.indexOf('=')
    attr[(i < 0 ? a : a.slice(0, i)).toLowerCase()] = i < 0 ? true : a.slice(i + 1)
  }
  return { value: pair.slice('mashang_session='.length), attr, raw: c }
}

const randomToken = () => randomBytes(32).toString('base64url')

describe('login', () => {
  test('by username answers the token, CSRF token, expiry and the account', async () => {
    const t0 = Date.now()
    const res = await srv.post('/api/auth/login', { login: 'admin', password: srv.account('admin').password })
    const body = check(res, 200, 'LoginResponse')
    assert.equal(body.account.username, 'admin')
    assert.ok(body.account.roles.some((g) => g.role === 'district_admin' && g.scope === '/'), JSON.stringify(body.account))
    assert.ok(body.expires_at > t0, `expires_at ${body.expires_at} is not in the future`)
    const me = check(await srv.get('/api/me', { token: body.token }), 200, 'Me')
    assert.equal(me.id, body.account.id)
    assert.equal(me.csrf_token, body.csrf_token)
    const { csrf_token, departments, ...account } = me
    assert.deepEqual(account, body.account)
    assert.deepEqual(departments, [], 'the admin works for no organisation')
  })

  test('sets the session cookie HttpOnly, SameSite=Lax, Path=/ and the cookie authenticates', async () => {
    const res = await srv.post('/api/auth/login', { login: 'admin', password: srv.account('admin').password })
    const body = check(res, 200)
    const c = sessionCookie(res)
    assert.equal(c.value, body.token)
    assert.equal(c.attr.httponly, true, c.raw)
    assert.equal(String(c.attr.samesite).toLowerCase(), 'lax', c.raw)
    assert.equal(c.attr.path, '/', c.raw)
    const me = check(await srv.get('/api/me', { cookie: c.value }), 200, 'Me')
    assert.equal(me.username, 'admin')
  })

  test('with sessions.cookie_secure the cookie is also Secure (and not without it)', async () => {
    const res = await secure.post('/api/auth/login', { login: 'admin', password: secure.account('admin').password })
    check(res, 200)
    assert.equal(sessionCookie(res).attr.secure, true, sessionCookie(res).raw)
    const plain = await srv.post('/api/auth/login', { login: 'admin', password: srv.account('admin').password })
    assert.equal(sessionCookie(plain).attr.secure, undefined, sessionCookie(plain).raw)
  })

  test('by phone number; the phone is answered masked', async () => {
    const phone = '13812345678'
    const { account, password } = await newAccount({ username: undefined, phone })
    assert.equal(account.phone, '138****5678')
    const body = check(await srv.post('/api/auth/login', { login: phone, password }), 200, 'LoginResponse')
    assert.equal(body.account.id, account.id)
    assert.equal(body.account.phone, '138****5678')
    assert.ok(!JSON.stringify(body).includes(phone), 'the unmasked phone number appears in the answer')
  })

  test('wrong password and unknown login answer the same 401', async () => {
    const { login } = await newAccount()
    const wrong = await srv.post('/api/auth/login', { login, password: 'not-the-password' })
    const unknown = await srv.post('/api/auth/login', { login: 'nobody_here', password: 'not-the-password' })
    const a = checkError(wrong, 401, 'unauthenticated')
    const b = checkError(unknown, 401, 'unauthenticated')
    assert.deepEqual(a, b, 'the bodies tell a wrong password from an unknown login')
    assert.equal(wrong.header('set-cookie'), undefined, 'a failed login sets a cookie')
  })

  test('missing fields answer 422 naming the field', async () => {
    checkError(await srv.post('/api/auth/login', { login: 'admin' }), 422, 'invalid_input', { field: 'password' })
    checkError(await srv.post('/api/auth/login', { password: 'x-password' }), 422, 'invalid_input', { field: 'login' })
    checkError(await srv.post('/api/auth/login', { login: 7, password: 'x-password' }), 422, 'invalid_input', { field: 'login' })
  })
})

describe('tokens', () => {
  test('a forged token is refused as bearer and as cookie', async () => {
    checkError(await srv.get('/api/me', { token: randomToken() }), 401, 'unauthenticated')
    checkError(await srv.get('/api/me', { cookie: randomToken() }), 401, 'unauthenticated')
  })

  test('a real token with one character changed is refused', async () => {
    const t = admin.token
    const flipped = t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A')
    checkError(await srv.get('/api/me', { token: flipped }), 401, 'unauthenticated')
  })

  for (const [name, headers] of [
    ['no credentials', {}],
    ['empty bearer', { Authorization: 'Bearer ' }],
    ['garbage bearer', { Authorization: 'Bearer !!!%%%***' }],
    ['huge bearer', { Authorization: `Bearer ${'a'.repeat(4000)}` }],
    ['another scheme', { Authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` }],
    ['empty cookie', { Cookie: 'mashang_session=' }],
    ['garbage cookie', { Cookie: 'mashang_session=%00%ff;;; =' }],
  ]) {
    test(`${name} answers 401`, async () => {
      checkError(await srv.get('/api/me', { headers }), 401, 'unauthenticated')
    })
  }

  test('an expired session is refused', async () => {
    const body = await shortLived.loginAs('admin')
    const t0 = Date.now()
    assert.ok(body.expires_at - t0 < 1500 + 2000, `expires_at ${body.expires_at} is not about ttl_ms after now (${t0})`)
    check(await shortLived.get('/api/me', { token: body.token }), 200)
    const res = await waitFor(
      async () => {
        const r = await shortLived.get('/api/me', { token: body.token })
        if (r.status === 200) {
          assert.ok(Date.now() <= body.expires_at + 1000, `still accepted ${Date.now() - body.expires_at} ms after expires_at`)
          return null
        }
        return r
      },
      { ms: 5000, every: 100, what: 'the session to expire' },
    )
    assert.ok(Date.now() >= body.expires_at - 200, `refused ${body.expires_at - Date.now()} ms before expires_at`)
    checkError(res, 401, 'unauthenticated')
  })
})

describe('logout', () => {
  test('revokes the bearer session and clears the cookie', async () => {
    const s = await srv.loginAs('admin')
    const res = await srv.post('/api/auth/logout', undefined, { token: s.token })
    check(res, 204)
    const c = sessionCookie(res)
    assert.equal(c.value, '', `cookie not cleared: ${c.raw}`)
    assert.ok(c.attr['max-age'] === '0' || (c.attr.expires && Date.parse(c.attr.expires) < Date.now()), c.raw)
    checkError(await srv.get('/api/me', { token: s.token }), 401, 'unauthenticated')
    checkError(await srv.get('/api/me', { cookie: s.token }), 401, 'unauthenticated')
    checkError(await srv.post('/api/auth/logout', undefined, { token: s.token }), 401, 'unauthenticated')
  })

  test('revokes only that session', async () => {
    const a = await srv.loginAs('admin')
    const b = await srv.loginAs('admin')
    check(await srv.get('/api/me', { token: b.token }), 200)
    check(await srv.post('/api/auth/logout', undefined, { token: a.token }), 204)
    checkError(await srv.get('/api/me', { token: a.token }), 401, 'unauthenticated')
    check(await srv.get('/api/me', { token: b.token }), 200)
  })

  test('with the cookie needs the CSRF header, then revokes', async () => {
    const s = await srv.loginAs('admin')
    checkError(await srv.post('/api/auth/logout', undefined, { cookie: s.token }), 403, 'forbidden')
    check(await srv.get('/api/me', { cookie: s.token }), 200)
    check(await srv.post('/api/auth/logout', undefined, { cookie: s.token, csrf: s.csrf_token }), 204)
    checkError(await srv.get('/api/me', { cookie: s.token }), 401, 'unauthenticated')
  })
})

describe('CSRF', () => {
  const body = (n) => ({ username: `csrf_user${n}`, display_name: `CSRF ${n}`, password: 'csrf-password-1' })

  test('a cookie POST without X-CSRF-Token is refused and changes nothing', async () => {
    const s = await srv.loginAs('admin')
    checkError(await srv.post('/api/accounts', body(1), { cookie: s.token }), 403, 'forbidden')
    // not created: the same username is still free
    check(await srv.post('/api/accounts', body(1), { token: s.token }), 201)
  })

  test('a cookie POST with a wrong or foreign CSRF token is refused', async () => {
    const s = await srv.loginAs('admin')
    const other = await srv.loginAs('admin')
    checkError(await srv.post('/api/accounts', body(2), { cookie: s.token, csrf: 'x'.repeat(32) }), 403, 'forbidden')
    checkError(await srv.post('/api/accounts', body(2), { cookie: s.token, csrf: other.csrf_token }), 403, 'forbidden')
  })

  test('a cookie POST with the session CSRF token (from login or /api/me) succeeds', async () => {
    const s = await srv.loginAs('admin')
    check(await srv.post('/api/accounts', body(3), { cookie: s.token, csrf: s.csrf_token }), 201, 'Account')
    const me = check(await srv.get('/api/me', { cookie: s.token }), 200)
    check(await srv.post('/api/accounts', body(4), { cookie: s.token, csrf: me.csrf_token }), 201, 'Account')
  })

  test('a bearer POST needs no CSRF header', async () => {
    check(await srv.post('/api/accounts', body(5), { token: admin.token }), 201, 'Account')
  })
})

describe('login throttling', () => {
  test('5 failures for one login answer 429 with Retry-After, even for the right password', async () => {
    const { login, password } = await newAccount()
    for (let i = 0; i < 5; i++)
      checkError(await srv.post('/api/auth/login', { login, password: `wrong-${i}` }), 401, 'unauthenticated')
    const res = await srv.post('/api/auth/login', { login, password: 'wrong-again' })
    checkError(res, 429, 'rate_limited')
    const wait = Number(res.header('retry-after'))
    assert.ok(wait >= 1 && wait <= 15 * 60, `Retry-After ${res.header('retry-after')} is not 1..900 s`)
    checkError(await srv.post('/api/auth/login', { login, password }), 429, 'rate_limited')
    // other logins from the same address are not locked out by one login's failures
    check(await srv.post('/api/auth/login', { login: 'admin', password: srv.account('admin').password }), 200)
  })

  test('20 failures from one address answer 429 for any login', async () => {
    for (let i = 0; i < 20; i++) {
      const login = `ghost${i % 5}`
      checkError(await throttled.post('/api/auth/login', { login, password: 'wrong-password' }), 401, 'unauthenticated')
    }
    const res = await throttled.post('/api/auth/login', { login: 'admin', password: throttled.account('admin').password })
    checkError(res, 429, 'rate_limited')
    assert.ok(Number(res.header('retry-after')) >= 1)
  })
})

endsCleanly(srv, shortLived, throttled, secure)
