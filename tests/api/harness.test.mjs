// The checker itself: check() must refuse what openapi.yaml does not describe, or every
// other test in this folder could pass while the server drifts from the contract.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { Reply, check, findOperation } from './harness.mjs'

const json = (v) => Buffer.from(JSON.stringify(v))
const H = (extra = {}) => ({ 'x-request-id': 'abc123', 'content-type': 'application/json', ...extra })
const reply = (method, path, status, body, headers = H()) =>
  new Reply(method, path, status, headers, body === undefined ? Buffer.alloc(0) : json(body))

const ok = reply('GET', '/healthz', 200, { status: 'ok' })
const account = { id: 1, username: 'admin', phone: '138****5678', display_name: '区管理员', status: 'active', roles: [{ role: 'district_admin', scope: '/' }], created_at: 1 }

test('a described reply passes and its body is returned', () => {
  assert.deepEqual(check(ok, 200, 'Health'), { status: 'ok' })
  assert.deepEqual(check(reply('GET', '/api/accounts/7', 200, account), 200, 'Account'), account)
  check(reply('GET', '/api/accounts/7', 404, { error: { code: 'not_found', message: 'no' } }), 404, 'NotFound')
})

const refused = [
  ['another status than expected', () => check(ok, 201)],
  ['a status the route does not describe', () => check(reply('GET', '/healthz', 404, { error: { code: 'not_found', message: 'x' } }), 404)],
  ['a route openapi.yaml does not describe', () => check(reply('GET', '/api/nothing', 200, {}), 200)],
  ['a property the schema does not have', () => check(reply('GET', '/healthz', 200, { status: 'ok', extra: 1 }), 200)],
  ['a wrong value', () => check(reply('GET', '/healthz', 200, { status: 'fine' }), 200)],
  ['a missing required property', () => check(reply('GET', '/api/accounts/1', 200, { ...account, roles: undefined }), 200)],
  ['an unmasked phone number', () => check(reply('GET', '/api/accounts/1', 200, { ...account, phone: '13812345678' }), 200)],
  ['a missing X-Request-Id', () => check(reply('GET', '/healthz', 200, { status: 'ok' }, { 'content-type': 'application/json' }), 200)],
  ['an undocumented Content-Type', () => check(reply('GET', '/healthz', 200, { status: 'ok' }, H({ 'content-type': 'text/html' })), 200)],
  ['a body that is not JSON', () => check(new Reply('GET', '/healthz', 200, H(), Buffer.from('ok')), 200)],
  ['an error body with the wrong code for its status', () => check(reply('GET', '/api/accounts/1', 404, { error: { code: 'conflict', message: 'x' } }), 404)],
  ['an error body with extra members', () => check(reply('GET', '/api/accounts/1', 404, { error: { code: 'not_found', message: 'x', stack: 'y' } }), 404)],
  ['a 429 without Retry-After', () => check(reply('GET', '/healthz', 429, { error: { code: 'rate_limited', message: 'x' } }), 429)],
  ['a 204 with a body', () => check(reply('POST', '/api/auth/logout', 204, {}, H({ 'set-cookie': ['mashang_session=; Path=/'] })), 204)],
  ['a login without its cookie', () => check(reply('POST', '/api/auth/login', 200, { token: 'x'.repeat(43), csrf_token: 'y'.repeat(32), expires_at: 1, account }), 200)],
  ['a documented status answered with another component than named', () => check(reply('GET', '/api/accounts/1', 404, { error: { code: 'not_found', message: 'x' } }), 404, 'Conflict')],
  ['a body that does not match the named schema', () => check(ok, 200, 'Version')],
]
for (const [name, fn] of refused) test(`check() refuses ${name}`, () => assert.throws(fn, assert.AssertionError))

test('routes match their templates, concrete paths first', () => {
  assert.equal(findOperation('GET', '/api/accounts/12').template, '/api/accounts/{id}')
  assert.equal(findOperation('GET', '/api/accounts?limit=2').template, '/api/accounts')
  assert.equal(findOperation('HEAD', '/healthz').template, '/healthz')
  assert.equal(findOperation('DELETE', '/api/me'), null)
  assert.equal(findOperation('GET', '/api/accounts/1/x'), null)
})
