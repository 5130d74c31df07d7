// `mashang demo --json`: one working account per role, each with a known scope.
import assert from 'node:assert/strict'
import { test } from 'node:test'

import { check, endsCleanly, startServer } from './harness.mjs'

const ROLES = ['resident', 'grid_worker', 'steward', 'community_staff', 'street_staff', 'district_admin',
  'committee_member', 'mediator', 'inspector', 'vendor', 'volunteer', 'doctor', 'teacher']

const srv = await startServer()

test('the demo prints an array with at least one account per role, and an elder', () => {
  assert.ok(Array.isArray(srv.accounts), 'demo --json must print a JSON array')
  for (const a of srv.accounts)
    for (const k of ['role', 'label', 'scope', 'login', 'password']) assert.equal(typeof a[k], 'string', `${k} of ${JSON.stringify(a)}`)
  for (const role of ROLES) assert.ok(srv.accounts.some((a) => a.role === role), `no demo account for ${role}`)
  const elder = srv.accounts.find((a) => a.label === 'elder')
  assert.ok(elder, 'no account labelled elder')
  assert.equal(elder.role, 'resident')
})

test('every demo account signs in and holds its role at its scope, a node of the tree', async () => {
  for (const a of srv.accounts) {
    const me = check(await srv.get('/api/me', { token: (await srv.loginAs(a.login)).token }), 200)
    assert.deepEqual(me.roles, [{ role: a.role, scope: a.scope }], a.login)
  }
  const admin = await srv.loginAs('admin')
  const paths = new Set()
  const walk = async (parent) => {
    for (let after = 0; ;) {
      const page = check(await srv.get(`/api/nodes?parent=${parent}&after=${after}&limit=200`, { token: admin.token }), 200)
      for (const n of page.items) {
        paths.add(n.path)
        if (n.kind !== 'building') await walk(n.id)
      }
      if (page.next_after === null) break
      after = page.next_after
    }
  }
  const root = check(await srv.get('/api/nodes', { token: admin.token }), 200).items[0]
  paths.add(root.path)
  await walk(root.id)
  for (const a of srv.accounts) assert.ok(paths.has(a.scope), `${a.login}'s scope ${a.scope} is not a node`)
})

test('running the demo again keeps the district as it is', async () => {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  const { BIN, ROOT } = await import('./harness.mjs')
  const admin = await srv.loginAs('admin')
  const snapshot = async () => {
    const ids = async (path) => (await srv.get(path, { token: admin.token })).json().items.map((x) => x.id)
    return {
      households: await ids('/api/households?limit=200'),
      organisations: await ids('/api/organisations?limit=200'),
      grids: (await srv.get('/api/grids/geojson', { token: admin.token })).json().features.map((f) => f.id),
    }
  }
  const before = await snapshot()
  assert.ok(before.households.length > 20 && before.grids.length === 120)
  const { stdout } = await promisify(execFile)(BIN, ['demo', '--db', srv.db.url, '--data-dir', srv.dir, '--size', 'small', '--json'], { cwd: ROOT, timeout: 60000 })
  assert.deepEqual(JSON.parse(stdout), srv.accounts)
  assert.deepEqual(await snapshot(), before, 'a second run added or removed households, organisations or grids')
})

endsCleanly(srv)
