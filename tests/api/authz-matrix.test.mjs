// The authorization matrix: every route of `mashang routes --json` × every demo account (and
// no session) × a target inside the callers' part of the district and one outside it → the
// expected status. The rules are keyed by the route table: a route added without a rule (or
// a rule left behind by a removed route) fails the first test. One test per route runs its
// whole row of the matrix and reports every mismatch at once.
//
// Inside = the demo branch 滨河街道 → 康城社区 → 第一网格 → 康城小区 → 1号楼 (its household, the
// elder 刘桂兰). Outside = a branch made here as the admin under 青春山街道 (another street),
// down to a building with a household and a person: visible only to the grants at "/"
// (admin, resident, inspector). The doctor (格德热格社区, also in 青春山街道) sees neither.
// `doctor2`, 康城社区's doctor, holds the doctor role at the community: outside care it is one
// more community role (as the teacher, the `'*'` entries), in care it is care staff over 康城社区
// and 1号楼.
//
// Expected statuses come from docs/reference/platform.md, docs/reference/codes.md and the
// behaviour the other test files pin down (territory.test.mjs, registry.test.mjs,
// accounts.test.mjs, codes.test.mjs, orders.test.mjs, reports.test.mjs, points.test.mjs, points-shop.test.mjs, points-appeals.test.mjs, care.test.mjs, care-visits.test.mjs, care-rooms.test.mjs, care-meals.test.mjs, care-consult.test.mjs, notify.test.mjs; docs/reference/points.md, docs/reference/care.md). Where codes.md names only who may, the platform's rule
// stands: a caller who sees the target but may not answers 403, one who does not see it 404. Writes use bodies that
// succeed when allowed (fresh names), so the status only reflects authorization.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'

import { BIN, ROOT, check, checkError, endsCleanly, startServer, waitFor } from './harness.mjs'
import { pngBlank } from './orders-helpers.mjs'

const run = promisify(execFile)
const srv = await startServer()

// ---------------------------------------------------------------------------------------
// The route table and the callers

const { stdout: routesJson } = await run(BIN, ['routes', '--json'], { cwd: ROOT, timeout: 20000 })
const ROUTES = JSON.parse(routesJson).map((r) => `${r.method.toUpperCase()} ${r.path}`)

/** The demo accounts the expectations below are written for (README.md). */
const LOGINS = ['admin', 'resident', 'street', 'community', 'grid', 'steward', 'elder', 'committee', 'committee2', 'mediator',
  'inspector', 'vendor', 'volunteer', 'teacher', 'doctor', 'doctor2']
/** Every caller of the matrix: each demo account, and no session at all. */
const CALLERS = [...LOGINS, 'none']

// One login per demo account (argon2id is slow on purpose); the tokens are reused throughout
// and revoked by the last route test (POST /api/auth/logout).
const sessions = {}
await Promise.all(srv.accounts.map(async (a) => (sessions[a.login] = await srv.loginAs(a.login))))
const admin = sessions.admin
assert.ok(admin, 'no admin among the demo accounts')

let seq = 0
/** A name no other request of this file uses. */
const fresh = (base) => `${base}${++seq}`

// ---------------------------------------------------------------------------------------
// Fixtures: the inside targets (demo) and the outside ones (made here, as the admin)

const asAdmin = async (path) => check(await srv.get(path, { token: admin.token }), 200)
const lastId = (path) => Number(path.split('/').pop())
const made = async (path, json) => check(await srv.post(path, json, { token: admin.token }), 201)

const root = (await asAdmin('/api/nodes')).items[0]
const kangcheng = await asAdmin(`/api/nodes/${lastId(srv.account('community').scope)}`)
const grid = await asAdmin(`/api/nodes/${lastId(srv.account('grid').scope)}`)
const building = await asAdmin(`/api/nodes/${lastId(srv.account('steward').scope)}`)
assert.equal(kangcheng.name, '康城社区')
assert.equal(grid.kind, 'grid')
assert.equal(building.kind, 'building')
assert.ok(building.path.startsWith(`${kangcheng.path}/`), `${building.path} is not under ${kangcheng.path}`)
const streetB = (await asAdmin(`/api/nodes?parent=${root.id}&limit=200`)).items.find((s) => s.name === '青春山街道')
assert.ok(streetB, 'no 青春山街道 in the demo')
assert.ok(!srv.account('doctor').scope.startsWith(kangcheng.path), 'the doctor was meant to be outside 康城社区')

const home = (await asAdmin(`/api/households?node=${building.id}&limit=200`)).items[0]
assert.ok(home, 'the demo has no household in 1号楼')
const elder = (await asAdmin(`/api/households/${home.id}`)).persons.find((p) => p.name === '刘桂兰')
assert.ok(elder, 'the demo household has no 刘桂兰')

const outCommunity = await made('/api/nodes', { parent_id: streetB.id, kind: 'community', name: fresh('矩阵外社区') })
const outGrid = await made('/api/nodes', { parent_id: outCommunity.id, kind: 'grid', name: fresh('矩阵外网格') })
const outCompound = await made('/api/nodes', { parent_id: outGrid.id, kind: 'compound', name: fresh('矩阵外小区') })
const inOrg = await made('/api/organisations', { node_id: kangcheng.id, kind: 'school', name: fresh('矩阵小学') })
const outOrg = await made('/api/organisations', { node_id: outCommunity.id, kind: 'school', name: fresh('矩阵外小学') })
// The account the organisations' member rows add and remove (a resident of 康城社区, no demo
// account: a member works as a department, which would change other rows).
const memberAccount = await made('/api/accounts', { username: fresh('matrix.member'), display_name: '矩阵成员', password: 'a-good-password', roles: [{ role: 'resident', scope: kangcheng.path }] })
const outBuilding = await made('/api/nodes', { parent_id: outCompound.id, kind: 'building', name: fresh('矩阵外楼') })
const outHome = await made('/api/households', { building_id: outBuilding.id, unit: '1', floor: 1, room: '101' })
const outPerson = await made(`/api/households/${outHome.id}/persons`, { name: '矩阵外居民', gender: 'F', relation: 'head' })
assert.ok(!outCommunity.path.startsWith(srv.account('doctor').scope), 'the outside branch is in the doctor\'s community')

// Grid shapes: squares around lon 100–105, lat 30–35, far from the demo district's grids
// (about 109.70–109.86 E, 39.56–39.64 N) and from each other: one per request (`square()`).
// Two are stored here: a new grid in 康城社区 (inside) and the outside grid (by node_id).
let squares = 0
/** A closed 0.01° square no other request of this file uses. */
const square = () => {
  const k = squares++
  const lon = 100 + (k % 200) * 0.02
  const lat = 30 + Math.floor(k / 200) * 0.02
  return [[[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]]
}
const shapeOf = (properties, coordinates = square()) => ({
  type: 'FeatureCollection',
  features: [{ type: 'Feature', properties, geometry: { type: 'Polygon', coordinates } }],
})
const insideSquare = square()
const outsideSquare = square()
const shapedReport = async (properties, coordinates) =>
  check(await srv.post('/api/grids/geojson', shapeOf(properties, coordinates), { token: admin.token }), 200)
const insideName = fresh('矩阵形网格')
const insideShape = await shapedReport({ parent_id: kangcheng.id, name: insideName }, insideSquare)
const outsideShape = await shapedReport({ node_id: outGrid.id }, outsideSquare)
assert.deepEqual([insideShape.created, outsideShape.updated], [1, 1], 'the matrix could not shape its two grids')
const insideShaped = (await asAdmin(`/api/nodes?parent=${kangcheng.id}&limit=200`)).items.find((n) => n.name === insideName)
assert.ok(insideShaped, 'the shaped grid in 康城社区 is not among its children')
/** Whether a caller's (only) grant covers a path: the export's visibility rule. */
const covers = (caller, path) => {
  const scope = srv.account(caller).scope
  return scope === '/' || path === scope || path.startsWith(`${scope}/`)
}
/** The middle of a stored square. */
const middle = (sq) => ({ lon: sq[0][0][0] + 0.005, lat: sq[0][0][1] + 0.005 })

// Roster files: one CSV row in a building (a new room each time, no ID number), sent as the
// raw body. Imports kept for the read and apply rules: one by the community staff in 1号楼
// (inside) and one by the admin in the outside building.
// The names are read at each request: PATCH /api/nodes/{id} renames the grids on the way.
const ROSTER_HEADER = '社区,网格,小区,楼栋,单元,房号,姓名,性别,与户主关系'
const rosterCsv = async (b) => {
  const names = []
  for (let id = b.id; names.length < 4; ) {
    const n = await asAdmin(`/api/nodes/${id}`)
    names.unshift(n.name)
    id = n.parent_id
  }
  return Buffer.from(`${ROSTER_HEADER}\r\n${names.join(',')},9,${fresh('9')},${fresh('矩阵花名册')},女,户主\r\n`)
}
const rosterUpload = async (b, caller) => {
  const res = await srv.request('POST', '/api/roster/imports', {
    token: sessions[caller].token,
    body: await rosterCsv(b),
    headers: { 'Content-Type': 'text/csv' },
  })
  const im = check(res, 201)
  assert.equal(im.status, 'checked', `the matrix's roster upload as ${caller} was not clean: ${res}`)
  return im
}
const insideImport = await rosterUpload(building, 'community')
const outsideImport = await rosterUpload(outBuilding, 'admin')

// Codes (docs/reference/codes.md): the codes of 1号楼 and of the elder's door (inside), of the
// outside building and its household (outside); a place on 康城社区 and one on the outside
// community; a finished print job of the community staff (jobs are their owner's).
const compoundIn = await asAdmin(`/api/nodes/${building.parent_id}`)
/** The target's active code, issued by the admin (the demo may have issued it already). */
const codeOf = async (kind, target_id) => {
  const r = await srv.post('/api/codes', { kind, target_id }, { token: admin.token })
  return check(r, r.status === 201 ? 201 : 200)
}
const bCode = await codeOf('building', building.id)
const hCode = await codeOf('household', home.id)
const outBCode = await codeOf('building', outBuilding.id)
const outHCode = await codeOf('household', outHome.id)
/** A fresh building (under `parent`) and its new code, so that every revoke or rotate has an active code of its own. */
const freshBuildingCode = async (parent) => {
  const b = await made('/api/nodes', { parent_id: parent.id, kind: 'building', name: fresh('矩阵码楼') })
  return made('/api/codes', { kind: 'building', target_id: b.id })
}
const inPlace = await made('/api/places', { node_id: kangcheng.id, kind: 'function_room', name: fresh('矩阵活动室') })
const outPlace = await made('/api/places', { node_id: outCommunity.id, kind: 'stall', name: fresh('矩阵外摊位') })
const inJob = check(await srv.post('/api/code-prints', { node_id: building.id, layout: 'door_plate' }, { token: sessions.community.token }), 202)
await waitFor(async () => check(await srv.get(`/api/code-prints/${inJob.id}`, { token: sessions.community.token }), 200).status === 'done',
  { ms: 60000, every: 50, what: 'the matrix\'s print job to finish' })

// ---------------------------------------------------------------------------------------
// The rules
//
// RULES['METHOD /path'] = { public?, scopes: { <scope>: { request(caller), expect, verify? } } }
//   request(caller) → { method, path, json? } (or { stream: true } for /api/events)
//   expect: { <login>: status, '*': status for the other logins, none: status without a session }
//           `none` defaults to 401 and may only be given for public routes; 'ok' means any
//           status below 400 (the public pages)
//   verify(body, caller, res) → a string describing what is wrong, or nothing (allowed answers)

const OK = 'ok'
/** An expectation table: `status` for the logins listed, `rest` for the others. */
const only = (logins, status, rest, more = {}) => ({ ...Object.fromEntries(logins.map((l) => [l, status])), '*': rest, ...more })
/** Registry readers and writers (platform.md, footnotes ¹ and ²). */
const READERS = ['admin', 'street', 'community', 'grid', 'steward']
const WRITERS = ['admin', 'street', 'community', 'grid']
/** The grants at "/", the only ones that see the outside branch. */
const AT_ROOT = ['admin', 'resident', 'inspector']
/** The node managers over 康城社区 and the demo grid (platform.md: district, street, community). */
const MANAGERS = ['admin', 'street', 'community']

/**
 * A registry write outside every caller's scope but the admin's. The steward (a reader, not a
 * writer) gets 404 here, not the 403 it gets in its building: the server first looks the
 * target up in the caller's reading scope (out of it: 404, as for a reader), and only then
 * refuses the write (403). platform.md and the brief say "other roles get 403"; the server
 * counts the steward as a registry role, hiding what it cannot see, as the territory does.
 */
const OUT_WRITE = (status) => ({ ...only(READERS, 404, 403), admin: status })
const get = (path) => () => ({ method: 'GET', path })
const publicPage = (path) => ({ public: true, scopes: { any: { request: get(path), expect: { '*': OK, none: OK } } } })
const ids = (body) => (body?.items || []).map((x) => x.id)

const RULES = {
  'GET /healthz': publicPage('/healthz'),
  'GET /readyz': publicPage('/readyz'),
  'GET /metrics': publicPage('/metrics'),
  'GET /api/version': publicPage('/api/version'),
  'GET /api/openapi.yaml': publicPage('/api/openapi.yaml'),
  'GET /api/docs': publicPage('/api/docs'),
  'GET /api/docs/{file}': publicPage('/api/docs/swagger-ui.css'),

  // Public: whoever calls (with a session or not), an unknown login answers 401 — the same
  // for every caller. Unknown logins, each new, so the per-login throttle never trips (15
  // failures from one address stay under the 20 per address).
  'POST /api/auth/login': {
    public: true,
    scopes: {
      any: {
        request: () => ({ method: 'POST', path: '/api/auth/login', json: { login: fresh('matrix.nobody'), password: 'not-a-password' } }),
        expect: { '*': 401, none: 401 },
      },
    },
  },

  // Runs last (see the order below): revokes the shared sessions.
  'POST /api/auth/logout': {
    scopes: {
      any: {
        request: () => ({ method: 'POST', path: '/api/auth/logout' }),
        expect: { '*': 204 },
        verify: async (_body, caller) => {
          const after = await srv.get('/api/me', { token: sessions[caller].token })
          if (after.status !== 401) return `the session still works after logout: GET /api/me → ${after.status}`
        },
      },
    },
  },

  'GET /api/me': {
    scopes: {
      any: {
        request: get('/api/me'),
        expect: { '*': 200 },
        verify: (body, caller) => {
          if (body.id !== sessions[caller].account.id) return `/api/me is account ${body.id}, not ${caller}'s`
        },
      },
    },
  },

  // District admins list every account; street and community staff the ones they could have
  // granted to (and their own); anyone else 403.
  'GET /api/accounts': {
    scopes: {
      any: {
        request: get('/api/accounts?limit=200'),
        expect: only(['admin', 'street', 'community'], 200, 403),
        verify: (body, caller) => {
          const got = ids(body)
          const want = {
            admin: [['admin', true], ['doctor', true], ['street', true]],
            street: [['street', true], ['community', true], ['mediator', true], ['admin', false], ['doctor', false], ['inspector', false]],
            community: [['community', true], ['grid', true], ['elder', true], ['street', false], ['mediator', false], ['admin', false]],
          }[caller]
          for (const [login, listed] of want)
            if (got.includes(sessions[login].account.id) !== listed) return `${login}'s account is ${listed ? 'not ' : ''}listed: ${JSON.stringify(got)}`
        },
      },
    },
  },

  // Organisations: seen by whoever sees their node (the doctor's grant is in another street);
  // shaped by district admins, and by street and community staff over 康城社区. Outside: only
  // the grants at "/" (admin, resident, inspector) see the outside community.
  'GET /api/organisations': {
    scopes: {
      inside: { request: get(`/api/organisations?node=${kangcheng.id}`), expect: only(['doctor'], 404, 200) },
      outside: { request: get(`/api/organisations?node=${outCommunity.id}`), expect: only(['admin', 'resident', 'inspector'], 200, 404) },
    },
  },
  'GET /api/organisations/{id}': {
    scopes: {
      // an organisation of the community itself: not for those whose grants lie below it
      inside: { request: get(`/api/organisations/${inOrg.id}`), expect: only(['doctor', 'grid', 'steward', 'elder'], 404, 200) },
      outside: { request: get(`/api/organisations/${outOrg.id}`), expect: only(['admin', 'resident', 'inspector'], 200, 404) },
    },
  },
  'POST /api/organisations': {
    scopes: Object.fromEntries(
      [
        ['inside', kangcheng, only(['admin', 'street', 'community'], 201, 403, { doctor: 404 })],
        ['outside', outCommunity, only(['admin'], 201, 404, { resident: 403, inspector: 403 })],
      ].map(([scope, n, expect]) => [
        scope,
        { request: () => ({ method: 'POST', path: '/api/organisations', json: { node_id: n.id, kind: 'shop', name: fresh('矩阵店') } }), expect },
      ]),
    ),
  },
  'PATCH /api/organisations/{id}': {
    scopes: Object.fromEntries(
      [
        ['inside', inOrg, only(['admin', 'street', 'community'], 200, 403, { doctor: 404, grid: 404, steward: 404, elder: 404 })],
        ['outside', outOrg, only(['admin'], 200, 404, { resident: 403, inspector: 403 })],
      ].map(([scope, o, expect]) => [
        scope,
        { request: () => ({ method: 'PATCH', path: `/api/organisations/${o.id}`, json: { contact: fresh('联系人') } }), expect },
      ]),
    ),
  },
  'DELETE /api/organisations/{id}': {
    scopes: Object.fromEntries(
      [
        ['inside', kangcheng, only(['admin', 'street', 'community'], 204, 403, { doctor: 404, grid: 404, steward: 404, elder: 404 })],
        ['outside', outCommunity, only(['admin'], 204, 404, { resident: 403, inspector: 403 })],
      ].map(([scope, n, expect]) => [
        scope,
        {
          request: async () => {
            const o = await made('/api/organisations', { node_id: n.id, kind: 'shop', name: fresh('待删店') })
            return { method: 'DELETE', path: `/api/organisations/${o.id}` }
          },
          expect,
        },
      ]),
    ),
  },

  // Members: listed by whoever sees the organisation; added and removed by whoever may change
  // it (as PATCH above). Each removal first makes the account a member again (as the admin).
  'GET /api/organisations/{id}/members': {
    scopes: {
      inside: { request: get(`/api/organisations/${inOrg.id}/members`), expect: only(['doctor', 'grid', 'steward', 'elder'], 404, 200) },
      outside: { request: get(`/api/organisations/${outOrg.id}/members`), expect: only(['admin', 'resident', 'inspector'], 200, 404) },
    },
  },
  'POST /api/organisations/{id}/members': {
    scopes: Object.fromEntries(
      [
        ['inside', inOrg, only(['admin', 'street', 'community'], 200, 403, { doctor: 404, grid: 404, steward: 404, elder: 404 })],
        ['outside', outOrg, only(['admin'], 200, 404, { resident: 403, inspector: 403 })],
      ].map(([scope, o, expect]) => [
        scope,
        {
          request: () => ({ method: 'POST', path: `/api/organisations/${o.id}/members`, json: { account_id: memberAccount.id } }),
          expect,
          verify: (body) => {
            if (!body.items.some((m) => m.account_id === memberAccount.id)) return `the account is not a member: ${JSON.stringify(body)}`
          },
        },
      ]),
    ),
  },
  'DELETE /api/organisations/{id}/members/{account_id}': {
    scopes: Object.fromEntries(
      [
        ['inside', inOrg, only(['admin', 'street', 'community'], 200, 403, { doctor: 404, grid: 404, steward: 404, elder: 404 })],
        ['outside', outOrg, only(['admin'], 200, 404, { resident: 403, inspector: 403 })],
      ].map(([scope, o, expect]) => [
        scope,
        {
          request: async () => {
            check(await srv.post(`/api/organisations/${o.id}/members`, { account_id: memberAccount.id }, { token: admin.token }), 200)
            return { method: 'DELETE', path: `/api/organisations/${o.id}/members/${memberAccount.id}` }
          },
          expect,
          verify: (body) => {
            if (body.items.some((m) => m.account_id === memberAccount.id)) return `the account is still a member: ${JSON.stringify(body)}`
          },
        },
      ]),
    ),
  },

  // The audit log: district administrators at "/" only, whatever the target.
  'GET /api/audit': {
    scopes: {
      inside: { request: get(`/api/audit?target=person:${elder.id}`), expect: only(['admin'], 200, 403) },
      outside: { request: get(`/api/audit?target=person:${outPerson.id}`), expect: only(['admin'], 200, 403) },
    },
  },

  // inside: an account with a grant in 康城社区; outside: one with a grant in the outside branch.
  'POST /api/accounts': {
    scopes: Object.fromEntries(
      [['inside', kangcheng], ['outside', outCommunity]].map(([scope, n]) => [
        scope,
        {
          request: () => {
            const username = fresh('matrix.acct')
            return {
              method: 'POST',
              path: '/api/accounts',
              json: { username, display_name: username, password: 'a-good-password', roles: [{ role: 'community_staff', scope: n.path }] },
            }
          },
          expect: scope === 'inside' ? only(['admin', 'street'], 201, 403) : only(['admin'], 201, 403),
        },
      ]),
    ),
  },

  // inside: the caller's own account; outside: somebody else's (the admin's, or the resident's for the admin).
  'GET /api/accounts/{id}': {
    scopes: {
      inside: {
        request: (caller) => get(`/api/accounts/${caller === 'none' ? admin.account.id : sessions[caller].account.id}`)(),
        expect: { '*': 200 },
      },
      outside: {
        request: (caller) => get(`/api/accounts/${(caller === 'admin' ? sessions.resident : admin).account.id}`)(),
        expect: only(['admin'], 200, 403),
      },
    },
  },

  'GET /api/events': { scopes: { any: { request: () => ({ method: 'GET', path: '/api/events', stream: true }), expect: { '*': 200 } } } },

  // top: the nodes at the caller's grants; inside/outside: the children of a community.
  'GET /api/nodes': {
    scopes: {
      top: { request: get('/api/nodes'), expect: { '*': 200 } },
      inside: {
        request: get(`/api/nodes?parent=${kangcheng.id}&limit=200`),
        expect: { '*': 200, doctor: 404 },
        verify: (body, caller) => {
          if (['admin', 'street', 'community', 'grid'].includes(caller) && !ids(body).includes(grid.id))
            return `the demo grid is not among the children of 康城社区: ${JSON.stringify(ids(body))}`
        },
      },
      outside: {
        request: get(`/api/nodes?parent=${outCommunity.id}&limit=200`),
        expect: only(AT_ROOT, 200, 404),
        verify: (body) => {
          if (!ids(body).includes(outGrid.id)) return `the outside grid is not listed: ${JSON.stringify(ids(body))}`
        },
      },
    },
  },

  'GET /api/nodes/{id}': {
    scopes: {
      // 康城社区: in every demo grant's subtree or on the way down to it, but the doctor's.
      inside: { request: get(`/api/nodes/${kangcheng.id}`), expect: { '*': 200, doctor: 404 } },
      outside: { request: get(`/api/nodes/${outCommunity.id}`), expect: only(AT_ROOT, 200, 404) },
    },
  },

  // A grid under a community: managers of the community 201; who sees it but may not shape it
  // 403; who does not see it 404.
  'POST /api/nodes': {
    scopes: Object.fromEntries(
      [['inside', kangcheng, only(MANAGERS, 201, 403, { doctor: 404 })], ['outside', outCommunity, { ...only(AT_ROOT, 403, 404), admin: 201 }]].map(
        ([scope, parent, expect]) => [
          scope,
          { request: () => ({ method: 'POST', path: '/api/nodes', json: { parent_id: parent.id, kind: 'grid', name: fresh('矩阵网格') } }), expect },
        ],
      ),
    ),
  },

  // Renaming a grid: as for creating it under its community (the same table as above). The
  // grid worker's own grid is the demo one: visible to it, not renamable (403).
  'PATCH /api/nodes/{id}': {
    scopes: Object.fromEntries(
      [['inside', grid, only(MANAGERS, 200, 403, { doctor: 404 })], ['outside', outGrid, { ...only(AT_ROOT, 403, 404), admin: 200 }]].map(
        ([scope, n, expect]) => [scope, { request: () => ({ method: 'PATCH', path: `/api/nodes/${n.id}`, json: { name: fresh('矩阵改名') } }), expect }],
      ),
    ),
  },

  // Registry: other roles 403 on every route, in or out of scope; readers/writers out of scope 404.
  'GET /api/households': {
    scopes: {
      top: {
        request: get('/api/households?limit=200'),
        expect: only(READERS, 200, 403),
        verify: (body, caller) => {
          const got = ids(body)
          if (!got.includes(home.id)) return `the demo household is not listed: ${JSON.stringify(got)}`
          if (got.includes(outHome.id) !== (caller === 'admin'))
            return `the outside household is ${got.includes(outHome.id) ? '' : 'not '}listed: ${JSON.stringify(got)}`
        },
      },
      inside: {
        request: get(`/api/households?node=${building.id}&limit=200`),
        expect: only(READERS, 200, 403),
        verify: (body) => {
          if (!ids(body).includes(home.id)) return `the demo household is not listed: ${JSON.stringify(ids(body))}`
        },
      },
      outside: {
        request: get(`/api/households?node=${outBuilding.id}&limit=200`),
        expect: { ...only(READERS, 404, 403), admin: 200 },
        verify: (body) => {
          if (!ids(body).includes(outHome.id)) return `the outside household is not listed: ${JSON.stringify(ids(body))}`
        },
      },
    },
  },

  'POST /api/households': {
    scopes: Object.fromEntries(
      [['inside', building, only(WRITERS, 201, 403)], ['outside', outBuilding, OUT_WRITE(201)]].map(([scope, b, expect]) => [
        scope,
        { request: () => ({ method: 'POST', path: '/api/households', json: { building_id: b.id, unit: '8', floor: 8, room: fresh('8') } }), expect },
      ]),
    ),
  },

  'GET /api/households/{id}': {
    scopes: {
      inside: {
        request: get(`/api/households/${home.id}`),
        expect: only(READERS, 200, 403),
        verify: (body) => {
          if (!body.persons.some((p) => p.id === elder.id)) return '刘桂兰 is not among the persons'
        },
      },
      outside: { request: get(`/api/households/${outHome.id}`), expect: { ...only(READERS, 404, 403), admin: 200 } },
    },
  },

  'POST /api/households/{id}/persons': {
    scopes: Object.fromEntries(
      [['inside', home, only(WRITERS, 201, 403)], ['outside', outHome, OUT_WRITE(201)]].map(([scope, h, expect]) => [
        scope,
        {
          request: () => ({ method: 'POST', path: `/api/households/${h.id}/persons`, json: { name: fresh('矩阵居民'), gender: 'M', relation: 'other' } }),
          expect,
        },
      ]),
    ),
  },

  'POST /api/persons/{id}/reveal': {
    scopes: Object.fromEntries(
      [['inside', elder, only(WRITERS, 200, 403)], ['outside', outPerson, OUT_WRITE(200)]].map(([scope, p, expect]) => [
        scope,
        { request: () => ({ method: 'POST', path: `/api/persons/${p.id}/reveal`, json: { reason: '权限矩阵核对' } }), expect },
      ]),
    ),
  },

  // The export: every caller gets 200 with the shaped grids under its grants (a grant at or
  // above the grid; the grid worker's own grid is another one, the steward's grant is below).
  'GET /api/grids/geojson': {
    scopes: {
      any: {
        request: get('/api/grids/geojson'),
        expect: { '*': 200 },
        verify: (body, caller) => {
          const got = body.features.map((f) => f.id)
          for (const [what, n] of [['inside', insideShaped], ['outside', outGrid]])
            if (got.includes(n.id) !== covers(caller, n.path))
              return `the ${what} grid ${n.path} is ${got.includes(n.id) ? '' : 'not '}exported to ${caller} (${srv.account(caller).scope})`
        },
      },
    },
  },

  // Imports, as dry runs (nothing is written), each with a square of its own. A refusal is a
  // problem of the feature — 422 with the report — not 403: one file may mix grids the caller
  // may and may not shape, and every feature is reported. inside: a new grid in 康城社区
  // (district admin, its street staff and its community staff); outside: one in the outside
  // community (the district admin only).
  'POST /api/grids/geojson': {
    scopes: Object.fromEntries(
      [['inside', kangcheng, only(MANAGERS, 200, 403)], ['outside', outCommunity, only(['admin'], 200, 403, { street: 422, community: 422 })]].map(([scope, c, expect]) => [
        scope,
        {
          request: () => ({ method: 'POST', path: '/api/grids/geojson?dry_run=true', json: shapeOf({ parent_id: c.id, name: fresh('矩阵导入') }) }),
          expect,
          verify: (body) => {
            if (body.dry_run !== true || body.applied !== false || body.problems.length !== 0) return `not a clean dry run: ${JSON.stringify(body)}`
          },
        },
      ]),
    ),
  },

  // The point lookup answers any signed-in caller, whatever its grants.
  'GET /api/grids/locate': {
    scopes: Object.fromEntries(
      [['inside', insideSquare, insideShaped], ['outside', outsideSquare, outGrid]].map(([scope, sq, n]) => [
        scope,
        {
          request: get(`/api/grids/locate?lon=${middle(sq).lon}&lat=${middle(sq).lat}`),
          expect: { '*': 200 },
          verify: (body) => {
            if (body.grid?.id !== n.id) return `expected grid ${n.id}, got ${JSON.stringify(body)}`
          },
        },
      ]),
    ),
  },
}

Object.assign(RULES, {
  // Upload: registry writers 201 (the import stored, `checked` or `rejected`), anyone else 403.
  // A file naming a place outside the writer's view is a problem of its rows, not a 403: inside
  // (1号楼) every writer's import checks clean; outside, only the admin's.
  'POST /api/roster/imports': {
    scopes: Object.fromEntries(
      [['inside', building, () => 'checked'], ['outside', outBuilding, (caller) => (caller === 'admin' ? 'checked' : 'rejected')]].map(
        ([scope, b, status]) => [
          scope,
          {
            request: async () => ({ method: 'POST', path: '/api/roster/imports', body: await rosterCsv(b), headers: { 'Content-Type': 'text/csv' } }),
            expect: only(WRITERS, 201, 403),
            verify: (body, caller) => {
              if (body.status !== status(caller)) return `status ${body.status}, expected ${status(caller)}: ${JSON.stringify(body.problems)}`
            },
          },
        ],
      ),
    ),
  },

  // An import: its uploader and a district admin at "/"; anyone else 404 (not 403: it does not say it exists).
  'GET /api/roster/imports/{id}': {
    scopes: {
      inside: { request: get(`/api/roster/imports/${insideImport.id}`), expect: only(['admin', 'community'], 200, 404) },
      outside: { request: get(`/api/roster/imports/${outsideImport.id}`), expect: only(['admin'], 200, 404) },
    },
  },

  // Applying: as reading; every request applies a fresh checked import of its own (uploaded
  // by the community staff inside, by the admin outside), so 202 means allowed, not "first".
  'POST /api/roster/imports/{id}/apply': {
    scopes: {
      inside: {
        request: async () => ({ method: 'POST', path: `/api/roster/imports/${(await rosterUpload(building, 'community')).id}/apply` }),
        expect: only(['admin', 'community'], 202, 404),
      },
      outside: {
        request: async () => ({ method: 'POST', path: `/api/roster/imports/${(await rosterUpload(outBuilding, 'admin')).id}/apply` }),
        expect: only(['admin'], 202, 404),
      },
    },
  },

  // The export: registry readers 200 in their scope, 404 outside it; anyone else 403.
  'GET /api/roster/export.xlsx': {
    scopes: {
      inside: { request: get(`/api/roster/export.xlsx?node=${building.id}`), expect: only(READERS, 200, 403) },
      outside: { request: get(`/api/roster/export.xlsx?node=${outBuilding.id}`), expect: { ...only(READERS, 404, 403), admin: 200 } },
    },
  },
})

/** A fresh account (made by the admin) holding these grants. */
const grantee = async (roles) => {
  const username = fresh('matrix.grantee')
  return made('/api/accounts', { username, display_name: username, password: 'a-good-password', roles })
}
const grantsPath = (a, role, scope) => `/api/accounts/${a.id}/grants?role=${role}&scope=${encodeURIComponent(scope)}`
/** The staff who see an account holding resident@1号楼 (they could have granted it). */
const GRANTERS = ['admin', 'street', 'community']
/** A fresh person of a household (made by the admin). */
const freshPerson = (h) => made(`/api/households/${h.id}/persons`, { name: fresh('矩阵关联'), gender: 'M', relation: 'other' })

Object.assign(RULES, {
  // Grants: every request works on a fresh account. An account the caller may not view (not
  // its own, no grant the caller could give) answers 404 before anything else; a grant the
  // caller may not give on an account it views, 403.
  //   inside:    resident@1号楼 account, + volunteer@康城社区 (admin, street, community)
  //   forbidden: the same kind of account, + street_staff@滨河街道 (admin only; the staff see it: 403)
  //   outside:   resident@the outside community, + volunteer there (admin only; hidden from the rest)
  'POST /api/accounts/{id}/grants': {
    scopes: Object.fromEntries(
      [
        ['inside', building.path, 'volunteer', kangcheng.path, only(GRANTERS, 201, 404)],
        ['forbidden', building.path, 'street_staff', srv.account('street').scope, only(['street', 'community'], 403, 404, { admin: 201 })],
        ['outside', outCommunity.path, 'volunteer', outCommunity.path, only(['admin'], 201, 404)],
      ].map(([scope, home, role, at, expect]) => [
        scope,
        {
          request: async () => {
            const a = await grantee([{ role: 'resident', scope: home }])
            return { method: 'POST', path: `/api/accounts/${a.id}/grants`, json: { role, scope: at } }
          },
          expect,
          verify: (body) => {
            if (!body.roles.some((g) => g.role === role && g.scope === at)) return `the new grant is not among ${JSON.stringify(body.roles)}`
          },
        },
      ]),
    ),
  },

  // Revoking: the same table, each request revoking the grant from a fresh account holding it.
  'DELETE /api/accounts/{id}/grants': {
    scopes: Object.fromEntries(
      [
        ['inside', building.path, 'volunteer', kangcheng.path, only(GRANTERS, 200, 404)],
        ['forbidden', building.path, 'street_staff', srv.account('street').scope, only(['street', 'community'], 403, 404, { admin: 200 })],
        ['outside', outCommunity.path, 'volunteer', outCommunity.path, only(['admin'], 200, 404)],
      ].map(([scope, home, role, at, expect]) => [
        scope,
        {
          request: async () => {
            const a = await grantee([{ role: 'resident', scope: home }, { role, scope: at }])
            return { method: 'DELETE', path: grantsPath(a, role, at) }
          },
          expect,
          verify: (body) => {
            if (body.roles.some((g) => g.role === role && g.scope === at)) return `the grant is still held: ${JSON.stringify(body.roles)}`
          },
        },
      ]),
    ),
  },

  // Person search: registry readers within their view; others 403, in or out of scope.
  'GET /api/persons': {
    scopes: {
      top: {
        request: get(`/api/persons?q=${encodeURIComponent('矩阵外居民')}&limit=200`),
        expect: only(READERS, 200, 403),
        verify: (body, caller) => {
          if (ids(body).includes(outPerson.id) !== (caller === 'admin'))
            return `the outside person is ${ids(body).includes(outPerson.id) ? '' : 'not '}found: ${JSON.stringify(ids(body))}`
        },
      },
      inside: {
        request: get(`/api/persons?q=${encodeURIComponent('刘桂兰')}&node=${building.id}`),
        expect: only(READERS, 200, 403),
        verify: (body) => {
          if (!ids(body).includes(elder.id)) return `刘桂兰 is not found: ${JSON.stringify(body)}`
        },
      },
      outside: {
        request: get(`/api/persons?q=${encodeURIComponent('矩阵外居民')}&node=${outBuilding.id}`),
        expect: OUT_WRITE(200),
        verify: (body) => {
          if (!ids(body).includes(outPerson.id)) return `the outside person is not found: ${JSON.stringify(body)}`
        },
      },
    },
  },

  // My household: whoever is linked to a registered person (the demo elder and resident); 404 for the rest.
  'GET /api/me/household': {
    scopes: {
      any: {
        request: get('/api/me/household'),
        expect: only(['elder', 'resident'], 200, 404),
        verify: (body, caller) => {
          const name = { elder: '刘桂兰', resident: '王芳' }[caller]
          if (!body.persons.some((p) => p.name === name)) return `${name} is not in the household: ${JSON.stringify(body.persons.map((p) => p.name))}`
        },
      },
    },
  },

  // Linking: registry writers over the person (a fresh person and a fresh account per
  // request); the steward 403 in its building, readers 404 outside their view, others 403.
  'PUT /api/persons/{id}/account': {
    scopes: Object.fromEntries(
      [['inside', home, only(WRITERS, 200, 403)], ['outside', outHome, OUT_WRITE(200)]].map(([scope, h, expect]) => [
        scope,
        {
          request: async () => {
            const [p, a] = await Promise.all([freshPerson(h), grantee([])])
            return { method: 'PUT', path: `/api/persons/${p.id}/account`, json: { account_id: a.id } }
          },
          expect,
        },
      ]),
    ),
  },

  'DELETE /api/persons/{id}/account': {
    scopes: Object.fromEntries(
      [['inside', home, only(WRITERS, 204, 403)], ['outside', outHome, OUT_WRITE(204)]].map(([scope, h, expect]) => [
        scope,
        {
          request: async () => {
            const [p, a] = await Promise.all([freshPerson(h), grantee([])])
            check(await srv.request('PUT', `/api/persons/${p.id}/account`, { token: admin.token, json: { account_id: a.id } }), 200)
            return { method: 'DELETE', path: `/api/persons/${p.id}/account` }
          },
          expect,
        },
      ]),
    ),
  },
})

/** Whoever sees 1号楼 in the territory: every demo account but the doctor (another street). */
const NOT_DOCTOR = { doctor: 404 }
/** Outside: only the grants at "/" see the outside branch; of them only the admin may act. */
const OUT_ADMIN = (status) => only(['admin'], status, 404, { resident: 403, inspector: 403 })
/** Inside 1号楼 for code managers (admin, street, community, grid): a new sibling building is not seen by the steward and the elder (their grants are 1号楼). */
const IN_SIBLING = (status) => only(WRITERS, status, 403, { doctor: 404, steward: 404, elder: 404 })
const tokens = (body) => (body?.items || []).map((x) => x.token)

Object.assign(RULES, {
  // Resolution (anonymous allowed): the view depends on who scans (codes.md, "Resolution").
  //   household (the elder's door): the elder is a member; registry readers over 1号楼 staff; the rest public.
  //   building (1号楼): any grant covering it makes staff (every demo account but the doctor).
  //   outside (the outside door): only the admin is staff.
  'GET /api/codes/{token}': {
    public: true,
    scopes: Object.fromEntries(
      [
        ['household', hCode, (c) => (c === 'elder' ? 'member' : READERS.includes(c) ? 'staff' : 'public')],
        ['building', bCode, (c) => (c === 'doctor' || c === 'none' ? 'public' : 'staff')],
        ['outside', outHCode, (c) => (c === 'admin' ? 'staff' : 'public')],
      ].map(([scope, code, view]) => [
        scope,
        {
          request: get(`/api/codes/${code.token}`),
          expect: { '*': 200, none: 200 },
          verify: (body, caller) => {
            if (body.view !== view(caller)) return `view ${body.view}, expected ${view(caller)}`
            if (body.view === 'public' && ('household' in body || 'node' in body)) return `a public answer with a card: ${JSON.stringify(body)}`
          },
        },
      ]),
    ),
  },
  'GET /c/{token}': publicPage(`/c/${hCode.token}`),

  // Listing codes: code managers and stewards over the node; whoever sees the node but may
  // not list 403; a node out of view 404.
  'GET /api/codes': {
    scopes: {
      inside: {
        request: get(`/api/codes?node=${building.id}&limit=200`),
        expect: only(READERS, 200, 403, NOT_DOCTOR),
        verify: (body) => {
          if (!tokens(body).includes(bCode.token) || !tokens(body).includes(hCode.token)) return `1号楼's codes are not listed: ${JSON.stringify(tokens(body))}`
        },
      },
      outside: { request: get(`/api/codes?node=${outBuilding.id}&limit=200`), expect: OUT_ADMIN(200) },
    },
  },

  // Issuing: code managers over the target (a fresh building each time); who sees it but
  // manages no codes 403; who does not see it 404.
  'POST /api/codes': {
    scopes: Object.fromEntries(
      [['inside', compoundIn, IN_SIBLING(201)], ['outside', outCompound, OUT_ADMIN(201)]].map(([scope, parent, expect]) => [
        scope,
        {
          request: async () => {
            const b = await made('/api/nodes', { parent_id: parent.id, kind: 'building', name: fresh('矩阵发码楼') })
            return { method: 'POST', path: '/api/codes', json: { kind: 'building', target_id: b.id } }
          },
          expect,
        },
      ]),
    ),
  },
})

for (const [route, status, want] of [['revoke', 200, 'revoked'], ['rotate', 201, 'active']])
  RULES[`POST /api/codes/{token}/${route}`] = {
    scopes: Object.fromEntries(
      [['inside', compoundIn, IN_SIBLING(status)], ['outside', outCompound, OUT_ADMIN(status)]].map(([scope, parent, expect]) => [
        scope,
        {
          request: async () => ({ method: 'POST', path: `/api/codes/${(await freshBuildingCode(parent)).token}/${route}`, json: { reason: '权限矩阵核对' } }),
          expect,
          verify: (body) => {
            if (body.status !== want) return `status ${body.status}, expected ${want}`
          },
        },
      ]),
    ),
  }

Object.assign(RULES, {
  // Rendering: code managers and stewards over the code (1号楼's); who sees it otherwise 403.
  ...Object.fromEntries(
    ['png', 'svg'].map((ext) => [
      `GET /api/codes/{token}/${ext}`,
      {
        scopes: {
          inside: { request: get(`/api/codes/${bCode.token}/${ext}`), expect: only(READERS, 200, 403, NOT_DOCTOR) },
          outside: { request: get(`/api/codes/${outBCode.token}/${ext}`), expect: OUT_ADMIN(200) },
        },
      },
    ]),
  ),

  // Checking in: any grant covering the code's path, or a member of the household; otherwise
  // 403 (codes.md says 403, not 404, even for who does not see it).
  'POST /api/codes/{token}/checkins': {
    scopes: Object.fromEntries(
      [['building', bCode, only(['doctor'], 403, 201)], ['household', hCode, only(['doctor'], 403, 201)], ['outside', outBCode, only(AT_ROOT, 201, 403)]].map(
        ([scope, code, expect]) => [
          scope,
          {
            request: () => ({ method: 'POST', path: `/api/codes/${code.token}/checkins`, json: { purpose: 'patrol' } }),
            expect,
            verify: (body) => {
              if (body.duplicate !== false) return `a first check-in answered as a duplicate: ${JSON.stringify(body)}`
            },
          },
        ],
      ),
    ),
  },
  // The check-ins at a code: registry readers and code managers over it.
  'GET /api/codes/{token}/checkins': {
    scopes: {
      inside: { request: get(`/api/codes/${bCode.token}/checkins`), expect: only(READERS, 200, 403, NOT_DOCTOR) },
      outside: { request: get(`/api/codes/${outBCode.token}/checkins`), expect: OUT_ADMIN(200) },
    },
  },
  // Scan statistics: as listing codes.
  'GET /api/code-stats': {
    scopes: {
      inside: { request: get(`/api/code-stats?node=${building.id}`), expect: only(READERS, 200, 403, NOT_DOCTOR) },
      outside: { request: get(`/api/code-stats?node=${outBuilding.id}`), expect: OUT_ADMIN(200) },
    },
  },

  // Places: as organisations (codes.md, "Places"): seen by the grants covering their node,
  // shaped by whoever may add nodes there.
  'GET /api/places': {
    scopes: {
      inside: {
        request: get(`/api/places?node=${kangcheng.id}&limit=200`),
        expect: only(['doctor'], 404, 200),
        verify: (body, caller) => {
          if (ids(body).includes(inPlace.id) !== covers(caller, inPlace.path))
            return `the place on 康城社区 is ${ids(body).includes(inPlace.id) ? '' : 'not '}listed for ${caller}`
        },
      },
      outside: { request: get(`/api/places?node=${outCommunity.id}&limit=200`), expect: only(AT_ROOT, 200, 404) },
    },
  },
  'GET /api/places/{id}': {
    scopes: {
      inside: { request: get(`/api/places/${inPlace.id}`), expect: only(['doctor', 'grid', 'steward', 'elder'], 404, 200) },
      outside: { request: get(`/api/places/${outPlace.id}`), expect: only(AT_ROOT, 200, 404) },
    },
  },
  'POST /api/places': {
    scopes: Object.fromEntries(
      [['inside', kangcheng, only(MANAGERS, 201, 403, NOT_DOCTOR)], ['outside', outCommunity, OUT_ADMIN(201)]].map(([scope, n, expect]) => [
        scope,
        { request: () => ({ method: 'POST', path: '/api/places', json: { node_id: n.id, kind: 'stall', name: fresh('矩阵摊位') } }), expect },
      ]),
    ),
  },
  'PATCH /api/places/{id}': {
    scopes: Object.fromEntries(
      [
        ['inside', inPlace, only(MANAGERS, 200, 403, { doctor: 404, grid: 404, steward: 404, elder: 404 })],
        ['outside', outPlace, OUT_ADMIN(200)],
      ].map(([scope, p, expect]) => [
        scope,
        { request: () => ({ method: 'PATCH', path: `/api/places/${p.id}`, json: { operator: fresh('矩阵运营方') } }), expect },
      ]),
    ),
  },

  // Printing: code managers over the node (codes.md: others 403; out of view 404).
  'POST /api/code-prints': {
    scopes: Object.fromEntries(
      [['inside', building, only(WRITERS, 202, 403, NOT_DOCTOR)], ['outside', outBuilding, OUT_ADMIN(202)]].map(([scope, n, expect]) => [
        scope,
        { request: () => ({ method: 'POST', path: '/api/code-prints', json: { node_id: n.id, layout: 'door_plate' } }), expect },
      ]),
    ),
  },
  // Jobs are their owner's (the community staff's here): others 404, the list shows one's own.
  'GET /api/code-prints': {
    scopes: {
      any: {
        request: get('/api/code-prints?limit=200'),
        expect: { '*': 200 },
        verify: (body, caller) => {
          if (ids(body).includes(inJob.id) !== (caller === 'community')) return `the community staff's job is ${ids(body).includes(inJob.id) ? '' : 'not '}listed`
        },
      },
    },
  },
  'GET /api/code-prints/{id}': { scopes: { any: { request: get(`/api/code-prints/${inJob.id}`), expect: only(['community'], 200, 404) } } },
  // The owner's job is done: its cancel is 409; anyone else's 404.
  'POST /api/code-prints/{id}/cancel': {
    scopes: { any: { request: () => ({ method: 'POST', path: `/api/code-prints/${inJob.id}/cancel` }), expect: only(['community'], 409, 404) } },
  },
  'GET /api/code-prints/{id}/file': { scopes: { any: { request: get(`/api/code-prints/${inJob.id}/file`), expect: only(['community'], 200, 404) } } },
})

// Work orders (issue 5). Inside: orders of 其他问题 in the demo grid (claimable by grid workers
// and community staff: the grid worker and the community staff); outside: orders of 路面坑洼 in
// the outside grid (claimable by inspectors too: the inspector at "/" is the only demo account
// who may). An order is seen by the staff over its place (district admins; street, community
// staff and grid workers covering it), whoever may claim it, its claimer and its creator; to
// anyone else it does not exist (404), residents included. The fixtures are the admin's: an
// open order in each scope, and one claimed by the grid worker.
const orderAt = async (node, category) => made('/api/orders', { category, description: fresh('矩阵工单'), node_id: node.id })
const ORDER_AT = { inside: [grid, 'other'], outside: [outGrid, 'road.pothole'] }
/** Who claims each scope's orders for the claimer's routes. */
const CLAIMER = { inside: 'grid', outside: 'inspector' }
const inOrder = await orderAt(...ORDER_AT.inside)
const outOrder = await orderAt(...ORDER_AT.outside)
/** A fresh order of a scope, claimed by that scope's claimer (and put on hold, with `hold`). */
const claimedOrder = async (scope, hold = false) => {
  const o = await orderAt(...ORDER_AT[scope])
  const token = sessions[CLAIMER[scope]].token
  check(await srv.post(`/api/orders/${o.id}/claim`, undefined, { token }), 200)
  if (hold) check(await srv.post(`/api/orders/${o.id}/hold`, { reason: '矩阵挂起' }, { token }), 200)
  return o
}
const gridClaimed = await claimedOrder('inside')
/** A whole category body (inactive), and the matrix's own category, replaced by PUT /api/categories/{code}. */
const categoryBody = (caller) => ({
  name_zh: '矩阵类别',
  name_en: `Matrix (${caller})`,
  group: '其他',
  claim_minutes: 30,
  finish_minutes: 240,
  claim_roles: ['grid_worker'],
  active: false,
})
const matrixCategory = fresh('matrix.category')
check(await srv.request('PUT', `/api/categories/${matrixCategory}`, { token: admin.token, json: categoryBody('admin') }), 201)
/** Claimed orders: only the claimer acts; the staff who see the order 403; anyone else 404. */
const CLAIMER_ONLY = { inside: only(['grid'], 200, 404, { admin: 403, street: 403, community: 403 }), outside: only(['inspector'], 200, 404, { admin: 403 }) }

Object.assign(RULES, {
  // The catalogue: anyone, with a session or without.
  'GET /api/categories': {
    public: true,
    scopes: {
      any: {
        request: get('/api/categories'),
        expect: { '*': 200, none: 200 },
        verify: (body) => {
          if (body.items.length !== 22) return `${body.items.length} categories, expected the 22 of the default catalogue (居家养老's two included)`
        },
      },
    },
  },
  // Writing a category whole: district administrators only; every other caller 403. A fresh
  // code each request adds one (201); the matrix's own category is replaced (200). Both are
  // written inactive, so the catalogue keeps its 20 active categories for every other row.
  'PUT /api/categories/{code}': {
    scopes: Object.fromEntries(
      [['fresh', () => fresh('matrix.category'), 201], ['known', () => matrixCategory, 200]].map(([scope, code, status]) => [
        scope,
        {
          request: (caller) => ({ method: 'PUT', path: `/api/categories/${code()}`, json: categoryBody(caller) }),
          expect: only(['admin'], status, 403),
          verify: (body, caller) => {
            if (body.name_en !== `Matrix (${caller})` || body.active !== false) return `not the category written: ${JSON.stringify(body).slice(0, 160)}`
          },
        },
      ]),
    ),
  },
  // Making orders: the staff over the place (district admins, street and community staff,
  // grid workers); who sees the node but is no such staff 403; a node out of view 404. A point
  // outside every grid is the district queue: the district admin only.
  'POST /api/orders': {
    scopes: {
      ...Object.fromEntries(
        [['inside', grid, only(WRITERS, 201, 403, NOT_DOCTOR)], ['outside', outGrid, OUT_ADMIN(201)]].map(([scope, n, expect]) => [
          scope,
          { request: () => ({ method: 'POST', path: '/api/orders', json: { category: 'other', description: fresh('矩阵下单'), node_id: n.id } }), expect },
        ]),
      ),
      district: {
        request: () => ({ method: 'POST', path: '/api/orders', json: { category: 'other', description: fresh('矩阵区级'), lat: 45.5, lon: 120.25 } }),
        expect: only(['admin'], 201, 403),
        verify: (body) => {
          if (body.path !== '/' || body.level !== 'district') return `a point outside every grid landed at ${body.path} (${body.level})`
        },
      },
    },
  },
  // The pool: every caller 200, holding the open orders it may claim.
  'GET /api/orders/pool': {
    scopes: {
      any: {
        request: get('/api/orders/pool?limit=200'),
        expect: { '*': 200 },
        verify: (body, caller) => {
          for (const [what, o, want] of [['inside', inOrder, ['grid', 'community'].includes(caller)], ['outside', outOrder, caller === 'inspector']])
            if (ids(body).includes(o.id) !== want) return `the ${what} order is ${want ? 'not ' : ''}in ${caller}'s pool`
        },
      },
    },
  },
  // Every order at a place (the staff's list and its export): the staff over the node 200, the
  // rest 403 — or 404 for a node they cannot see at all.
  'GET /api/orders': {
    scopes: {
      inside: {
        request: get(`/api/orders?node=${grid.id}&limit=200`),
        expect: only(WRITERS, 200, 403, { doctor: 404 }),
        verify: (body) => (ids(body).includes(inOrder.id) ? undefined : 'the inside order is not listed'),
      },
      outside: { request: get(`/api/orders?node=${outGrid.id}&limit=200`), expect: { ...only(AT_ROOT, 403, 404), admin: 200 } },
    },
  },
  'GET /api/orders/export.xlsx': {
    scopes: {
      inside: { request: get(`/api/orders/export.xlsx?node=${grid.id}`), expect: only(WRITERS, 200, 403, { doctor: 404 }) },
      outside: { request: get(`/api/orders/export.xlsx?node=${outGrid.id}`), expect: { ...only(AT_ROOT, 403, 404), admin: 200 } },
    },
  },
  // My orders: every caller 200, only its own claims.
  'GET /api/orders/mine': {
    scopes: {
      any: {
        request: get('/api/orders/mine?limit=200'),
        expect: { '*': 200 },
        verify: (body, caller) => {
          if (ids(body).includes(gridClaimed.id) !== (caller === 'grid')) return `the grid worker's claim is ${caller === 'grid' ? 'not ' : ''}listed`
        },
      },
    },
  },
  'GET /api/orders/{id}': {
    scopes: {
      inside: { request: get(`/api/orders/${inOrder.id}`), expect: only(WRITERS, 200, 404) },
      outside: { request: get(`/api/orders/${outOrder.id}`), expect: only(['admin', 'inspector'], 200, 404) },
    },
  },
  // Claiming a fresh order: whoever may claim it 200; the staff who see it but hold no claim
  // role of its category 403; the rest 404.
  'POST /api/orders/{id}/claim': {
    scopes: Object.fromEntries(
      [['inside', only(['grid', 'community'], 200, 404, { admin: 403, street: 403 })], ['outside', only(['inspector'], 200, 404, { admin: 403 })]].map(
        ([scope, expect]) => [
          scope,
          {
            request: async () => ({ method: 'POST', path: `/api/orders/${(await orderAt(...ORDER_AT[scope])).id}/claim` }),
            expect,
            verify: (body, caller) => {
              if (body.status !== 'claimed' || body.claimed_by !== sessions[caller].account.id) return `not claimed by ${caller}: ${JSON.stringify(body)}`
            },
          },
        ],
      ),
    ),
  },
})

// The claimer's steps, each on a fresh order claimed by the scope's claimer (on hold for resume).
// The outside category (路面坑洼) needs evidence photos at completion: one uploaded by its claimer
// (attached by whoever completes: everyone but the claimer is refused before the photos are looked at).
for (const [step, body, hold, status] of [
  ['return', { reason: '权限矩阵核对' }, false, 'open'],
  ['hold', { reason: '权限矩阵核对' }, false, 'on_hold'],
  ['resume', undefined, true, 'claimed'],
  ['complete', async (scope) => ({ note: '权限矩阵核对', photos: scope === 'outside' ? [(await uploadAs('inspector')).id] : [] }), false, 'completed'],
])
  RULES[`POST /api/orders/{id}/${step}`] = {
    scopes: Object.fromEntries(
      ['inside', 'outside'].map((scope) => [
        scope,
        {
          request: async () => ({
            method: 'POST',
            path: `/api/orders/${(await claimedOrder(scope, hold)).id}/${step}`,
            json: typeof body === 'function' ? await body(scope) : body,
          }),
          expect: CLAIMER_ONLY[scope],
          verify: (o) => {
            if (o.status !== status) return `status ${o.status}, expected ${status}`
          },
        },
      ]),
    ),
  }

// Reports and photos (随手拍, issue 5 part 2; orders.md "Photos", "Reports", "After completion").
// Inside: reports made by the demo resident at 1号楼's code (the staff over it: admin, street,
// community, grid); outside: at the outside building's code (the staff over it: the admin).
// A report is seen by its reporter and the staff over its place, a photo by its uploader and
// whoever sees what it is attached to; anyone may report and upload, with a session or not.
// The steps after completion work on orders made from the resident's reports (inside a
// streetlight, claimed by the grid worker; outside construction noise, claimed by the
// inspector): verify by the reporter or the staff, rate and reopen by the reporter only; the
// staff and the claimer, who see the order, 403. Transfers move staff-made open orders.
const PHOTO = pngBlank(16, 16, 8)
let matrixUploads = 0
/** An upload by a caller (from an address of its own group, well under the per-address limit). */
const uploadAs = async (caller) => {
  const localAddress = `127.0.5.${1 + (Math.floor(matrixUploads++ / 8) % 250)}`
  return check(await srv.request('POST', '/api/photos', { token: sessions[caller].token, body: PHOTO, headers: { 'Content-Type': 'image/png' }, localAddress }), 201)
}
const REPORT_AT = { inside: bCode, outside: outBCode }
const inPhoto = (await uploadAs('resident')).id
const outPhoto = (await uploadAs('resident')).id
const inReport = check(await srv.post('/api/reports', { category: 'road.streetlight', description: fresh('矩阵随手拍'), code: bCode.token, photos: [inPhoto] },
  { token: sessions.resident.token }), 201)
const outReport = check(await srv.post('/api/reports', { category: 'road.streetlight', description: fresh('矩阵随手拍'), code: outBCode.token, photos: [outPhoto] },
  { token: sessions.resident.token }), 201)
assert.deepEqual([inReport.path, outReport.path], [building.path, outBuilding.path], 'the matrix\'s reports are not at their codes\' buildings')
/** Who sees a report (and its photos): the reporter and the staff over its place. */
const REPORT_SEEN = { inside: only(['resident', ...WRITERS], 200, 404), outside: only(['resident', 'admin'], 200, 404) }
/** Triage decisions: the staff over the place; the reporter, who sees the report, 403. */
const TRIAGERS = { inside: only(WRITERS, 200, 404, { resident: 403 }), outside: only(['admin'], 200, 404, { resident: 403 }) }
/** A report of the resident's (category 'other': it waits for triage) in a scope. */
const triageReport = async (scope) =>
  check(await srv.post('/api/reports', { category: 'other', description: fresh('矩阵待分拣'), code: REPORT_AT[scope].token }, { token: sessions.resident.token }), 201)
/** A completed order made from a report of the resident's, claimed and completed by the scope's claimer. */
const REPORT_CATEGORY = { inside: 'road.streetlight', outside: 'noise.construction' }
const completedReportOrder = async (scope) => {
  const r = check(await srv.post('/api/reports', { category: REPORT_CATEGORY[scope], description: fresh('矩阵完成'), code: REPORT_AT[scope].token },
    { token: sessions.resident.token }), 201)
  const token = sessions[CLAIMER[scope]].token
  check(await srv.post(`/api/orders/${r.order_id}/claim`, undefined, { token }), 200)
  check(await srv.post(`/api/orders/${r.order_id}/complete`, { note: '矩阵办结' }, { token }), 200)
  return r.order_id
}
/** Only the reporter: the staff over the place and the claimer (who see the order) 403. */
const REPORTER_ONLY = {
  inside: only(['resident'], 200, 404, { admin: 403, street: 403, community: 403, grid: 403 }),
  outside: only(['resident'], 200, 404, { admin: 403, inspector: 403 }),
}

Object.assign(RULES, {
  // Uploading: anyone, with a session or without.
  'POST /api/photos': {
    public: true,
    scopes: {
      any: {
        request: () => ({ method: 'POST', path: '/api/photos', body: PHOTO, headers: { 'Content-Type': 'image/png' } }),
        expect: { '*': 201, none: 201 },
        verify: (body) => {
          if (!/^[A-Za-z0-9_-]{22}$/.test(body.id) || body.width !== 16) return `not an upload: ${JSON.stringify(body)}`
        },
      },
    },
  },
  // Reading a photo: whoever sees the report it is attached to; no session 404, not 401.
  ...Object.fromEntries(
    ['', '/thumb'].map((suffix) => [
      `GET /api/photos/{id}${suffix}`,
      {
        public: true,
        scopes: {
          inside: { request: get(`/api/photos/${inPhoto}${suffix}`), expect: { ...REPORT_SEEN.inside, none: 404 } },
          outside: { request: get(`/api/photos/${outPhoto}${suffix}`), expect: { ...REPORT_SEEN.outside, none: 404 } },
        },
      },
    ]),
  ),
  // Reporting: anyone, anywhere (without a session with a phone).
  'POST /api/reports': {
    public: true,
    scopes: Object.fromEntries(
      [['inside', bCode, building], ['outside', outBCode, outBuilding]].map(([scope, code, b], i) => [
        scope,
        {
          request: (caller) => ({
            method: 'POST',
            path: '/api/reports',
            json: { category: 'road.streetlight', description: fresh('矩阵上报'), code: code.token, ...(caller === 'none' ? { phone: `1370000000${i}` } : {}) },
          }),
          expect: { '*': 201, none: 201 },
          verify: (body, caller) => {
            if (body.path !== b.path) return `reported at ${body.path}, expected ${b.path}`
            if (body.anonymous !== (caller === 'none')) return `anonymous ${body.anonymous}`
          },
        },
      ]),
    ),
  },
  // The staff's list: the staff over the node; who sees the node but is no such staff 403.
  'GET /api/reports': {
    scopes: {
      inside: {
        request: get(`/api/reports?node=${building.id}&limit=200`),
        expect: only(WRITERS, 200, 403, NOT_DOCTOR),
        verify: (body) => {
          if (!ids(body).includes(inReport.id)) return 'the report at 1号楼 is not listed'
        },
      },
      outside: { request: get(`/api/reports?node=${outBuilding.id}&limit=200`), expect: OUT_ADMIN(200) },
    },
  },
  // My reports: every caller 200, only its own.
  'GET /api/reports/mine': {
    scopes: {
      any: {
        request: get('/api/reports/mine?limit=200'),
        expect: { '*': 200 },
        verify: (body, caller) => {
          if (ids(body).includes(inReport.id) !== (caller === 'resident')) return `the resident's report is ${caller === 'resident' ? 'not ' : ''}listed`
        },
      },
    },
  },
  // Nearby orders: anyone, with a session or without.
  'GET /api/reports/nearby': {
    public: true,
    scopes: { any: { request: get('/api/reports/nearby?category=road.streetlight&lat=39.6&lon=109.78'), expect: { '*': 200, none: 200 } } },
  },
  'GET /api/reports/{id}': {
    scopes: {
      inside: { request: get(`/api/reports/${inReport.id}`), expect: REPORT_SEEN.inside },
      outside: { request: get(`/api/reports/${outReport.id}`), expect: REPORT_SEEN.outside },
    },
  },
})

// Triage, each on a fresh report waiting for it (merge: into a fresh open order of the scope).
for (const [what, body, status] of [['accept', () => ({}), 'ordered'], ['reject', () => ({ reason: '权限矩阵核对' }), 'rejected'],
  ['merge', async (scope) => ({ order_id: (await orderAt(...ORDER_AT[scope])).id }), 'ordered']])
  RULES[`POST /api/reports/{id}/${what}`] = {
    scopes: Object.fromEntries(
      ['inside', 'outside'].map((scope) => [
        scope,
        {
          request: async () => ({ method: 'POST', path: `/api/reports/${(await triageReport(scope)).id}/${what}`, json: await body(scope) }),
          expect: TRIAGERS[scope],
          verify: (r) => {
            if (r.status !== status) return `status ${r.status}, expected ${status}`
          },
        },
      ]),
    ),
  }

// After completion, each on a fresh completed order made from the resident's report.
for (const [step, body, expect, status] of [
  ['verify', { ok: true }, { inside: REPORT_SEEN.inside, outside: only(['resident', 'admin'], 200, 404, { inspector: 403 }) }, 'verified'],
  ['rate', { stars: 5 }, REPORTER_ONLY, 'closed'],
  ['reopen', { reason: '权限矩阵核对' }, REPORTER_ONLY, 'open'],
])
  RULES[`POST /api/orders/{id}/${step}`] = {
    scopes: Object.fromEntries(
      ['inside', 'outside'].map((scope) => [
        scope,
        {
          request: async () => ({ method: 'POST', path: `/api/orders/${await completedReportOrder(scope)}/${step}`, json: body }),
          expect: expect[scope],
          verify: (o) => {
            if (o.status !== status) return `status ${o.status}, expected ${status}`
          },
        },
      ]),
    ),
  }

// Transfer: the staff over a fresh open order's place (whoever may claim it but is no such staff 403).
RULES['POST /api/orders/{id}/transfer'] = {
  scopes: Object.fromEntries(
    [['inside', only(WRITERS, 200, 404)], ['outside', only(['admin'], 200, 404, { inspector: 403 })]].map(([scope, expect]) => [
      scope,
      {
        request: async () => ({
          method: 'POST',
          path: `/api/orders/${(await orderAt(...ORDER_AT[scope])).id}/transfer`,
          json: { category: 'road.manhole', reason: '权限矩阵核对' },
        }),
        expect,
        verify: (o) => {
          if (o.status !== 'open' || o.category !== 'road.manhole') return `not transferred: ${JSON.stringify(o)}`
        },
      },
    ]),
  ),
}

// ---------------------------------------------------------------------------------------
// Open311 GeoReport v2 (docs/reference/open311.md). The /open311/v2/ routes take no
// session: every caller, signed in or not, gets the same answer; the api_key in the form, not
// the caller, decides who may post (the matrix posts with a valid key, so 201 / 200 for
// all). Requests are posted at the middle of the matrix's two shaped squares (inside: the new
// grid in 康城社区; outside: the outside grid). The console's client applications: district
// administrators only — every other account 403 whatever its scope (no 404: the check comes
// before any lookup).
const open311Key = (await made('/api/open311/clients', { name: fresh('矩阵Open311应用') })).api_key
/** A form body (application/x-www-form-urlencoded) for an Open311 post. */
const open311Form = (fields) => ({
  body: new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString(),
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
})
const open311Post = (sq) =>
  open311Form({ api_key: open311Key, service_code: 'road.streetlight', lat: middle(sq).lat, long: middle(sq).lon, description: fresh('矩阵Open311') })
const open311Request = check(
  await srv.request('POST', '/open311/v2/requests.json', open311Post(insideSquare)),
  201,
)[0]
assert.ok(open311Request?.service_request_id && open311Request.token, 'the matrix could not post its Open311 request')
/** The answer names a service request (JSON, or the spec's XML). */
const namesRequest = (body) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  if (!/service_request_id/.test(text)) return `no service_request_id in ${text.slice(0, 120)}`
}

Object.assign(RULES, {
  ...Object.fromEntries(
    ['json', 'xml'].flatMap((fmt) => [
      [`GET /open311/v2/discovery.${fmt}`, publicPage(`/open311/v2/discovery.${fmt}`)],
      [`GET /open311/v2/services.${fmt}`, publicPage(`/open311/v2/services.${fmt}`)],
      [`GET /open311/v2/requests.${fmt}`, publicPage(`/open311/v2/requests.${fmt}?service_request_id=${open311Request.service_request_id}`)],
      [`GET /open311/v2/servicerequestupdates.${fmt}`, publicPage(`/open311/v2/servicerequestupdates.${fmt}`)],
      // Posting a request: whoever holds a key, anywhere; the session plays no part.
      [
        `POST /open311/v2/requests.${fmt}`,
        {
          public: true,
          scopes: Object.fromEntries(
            [['inside', insideSquare], ['outside', outsideSquare]].map(([scope, sq]) => [
              scope,
              {
                request: () => ({ method: 'POST', path: `/open311/v2/requests.${fmt}`, ...open311Post(sq) }),
                expect: { '*': 201, none: 201 },
                verify: namesRequest,
              },
            ]),
          ),
        },
      ],
      // Posting an update (a comment on the request's order): the same.
      [
        `POST /open311/v2/servicerequestupdates.${fmt}`,
        {
          public: true,
          scopes: {
            any: {
              request: () => ({
                method: 'POST',
                path: `/open311/v2/servicerequestupdates.${fmt}`,
                ...open311Form({ api_key: open311Key, service_request_id: open311Request.service_request_id, description: fresh('矩阵补充说明') }),
              }),
              expect: { '*': 200, none: 200 },
              verify: (body) => {
                const text = typeof body === 'string' ? body : JSON.stringify(body)
                if (!/update_id/.test(text)) return `no update_id in ${text.slice(0, 120)}`
              },
            },
          },
        },
      ],
    ]),
  ),
  'GET /open311/v2/services/{file}': publicPage('/open311/v2/services/noise.night.json'),
  'GET /open311/v2/requests/{file}': publicPage(`/open311/v2/requests/${open311Request.service_request_id}.xml`),
  'GET /open311/v2/tokens/{file}': publicPage(`/open311/v2/tokens/${open311Request.token}.json`),

  // The console: district administrators only.
  'GET /api/open311/clients': {
    scopes: {
      any: {
        request: get('/api/open311/clients'),
        expect: only(['admin'], 200, 403),
        verify: (body) => {
          if (!body.items.length || body.items.some((c) => 'api_key' in c)) return `not the client list without keys: ${JSON.stringify(body).slice(0, 160)}`
        },
      },
    },
  },
  'POST /api/open311/clients': {
    scopes: {
      any: {
        request: () => ({ method: 'POST', path: '/api/open311/clients', json: { name: fresh('矩阵应用') } }),
        expect: only(['admin'], 201, 403),
        verify: (body) => {
          if (!/^[A-Za-z0-9_-]{32}$/.test(body.api_key ?? '')) return `no key in ${JSON.stringify(body)}`
        },
      },
    },
  },
  'POST /api/open311/clients/{id}/revoke': {
    scopes: {
      any: {
        request: async () => ({
          method: 'POST',
          path: `/api/open311/clients/${(await made('/api/open311/clients', { name: fresh('矩阵吊销') })).id}/revoke`,
        }),
        expect: only(['admin'], 200, 403),
        verify: (body) => {
          if (!body.revoked_at) return `not revoked: ${JSON.stringify(body)}`
        },
      },
    },
  },
})

// ---------------------------------------------------------------------------------------
// Points (docs/reference/points.md). Inside: the elder 刘桂兰 (1号楼, linked to the `elder`
// account), 康城小区 and 康城社区 (whose committee has a budget); outside: the outside person,
// compound and community. Staff over a person (who see their points and proposals): the
// district admin, street, community and grid staff, the steward of the building and the
// committee member of the community; not the inspector, the mediator or the other roles.
// Writes that post use a fresh idempotency key, a fresh proposal or a fresh posting each.
await made('/api/points/budgets', { key: fresh('matrix-budget-'), community_id: kangcheng.id, amount: 100000, reason: '权限矩阵预算' })
const POINTS_STAFF_IN = ['admin', 'street', 'community', 'grid', 'steward', 'committee', 'committee2']
/** Who sees the elder's points and proposals: the staff over her, and she herself. */
const POINTS_SEE_IN = [...POINTS_STAFF_IN, 'elder']
/** Staff over 康城社区 itself (its budget, its queue): not the grid worker and the steward, whose grants lie below it. */
const POINTS_COMMUNITY = ['admin', 'street', 'community', 'committee', 'committee2']
/** The two committee members of 康城社区 (the demo's `committee2` is the second, for appeals). */
const POINTS_COMMITTEE = ['committee', 'committee2']
/** A proposal body (fresh key), with evidence. */
const pointsProposal = (json) => ({ key: fresh('matrix-proposal-'), reason: '权限矩阵核对', evidence: ['photo:matrix'], ...json })
/** A fresh pending proposal: `item` for the elder, by the community staff (or for `personId`, by `by`). */
const pendingProposal = async (personId = elder.id, by = 'community') =>
  check(await srv.post('/api/points/proposals', pointsProposal({ item: 'bonus.heroic_act', person_id: personId }), { token: sessions[by].token }), 201)
const inProposal = await pendingProposal()
const outProposal = await pendingProposal(outPerson.id, 'admin')
/** A fresh award to the elder, posted (the community staff proposes, the committee member approves): its posting id. */
const postedAward = async () => {
  const p = await pendingProposal()
  const after = check(await srv.post(`/api/points/proposals/${p.id}/votes`, { decision: 'approve' }, { token: sessions.committee.token }), 200)
  assert.equal(after.status, 'posted', `the matrix's award was not posted: ${JSON.stringify(after)}`)
  return after.posting_id
}
const listsProposal = (p, seers) => (body, caller) => {
  if (ids(body).includes(p.id) !== seers.includes(caller)) return `proposal ${p.id} is ${ids(body).includes(p.id) ? '' : 'not '}listed`
}

Object.assign(RULES, {
  // The catalogue: anyone, without a session too; the inactive items district admins only.
  'GET /api/points/catalog': {
    public: true,
    scopes: {
      active: {
        request: get('/api/points/catalog'),
        expect: { '*': 200, none: 200 },
        verify: (body) => {
          if (body.items.length < 84) return `${body.items.length} items`
        },
      },
      all: { request: get('/api/points/catalog?all=true'), expect: only(['admin'], 200, 403, { none: 403 }) },
    },
  },
  'PUT /api/points/catalog/{code}': {
    scopes: {
      any: {
        request: () => ({
          method: 'PUT',
          path: `/api/points/catalog/${fresh('bonus.matrix_')}`,
          json: { name_zh: '权限矩阵项目', name_en: 'Matrix item', points: 1, subject: 'person', cap_period: 'day', proposers: ['grid_worker'] },
        }),
        expect: only(['admin'], 201, 403),
      },
    },
  },
  // Budgets: district admins, for any community.
  'POST /api/points/budgets': {
    scopes: Object.fromEntries(
      [['inside', kangcheng], ['outside', outCommunity]].map(([scope, n]) => [
        scope,
        {
          request: () => ({ method: 'POST', path: '/api/points/budgets', json: { key: fresh('matrix-budget-'), community_id: n.id, amount: 10, reason: '权限矩阵核对' } }),
          expect: only(['admin'], 201, 403),
        },
      ]),
    ),
  },
  // Balances: one's own (the elder and the resident are linked to persons), a person's for the staff over them.
  'GET /api/points/me': {
    scopes: {
      any: {
        request: get('/api/points/me'),
        expect: only(['elder', 'resident'], 200, 404),
        verify: (body, caller) => {
          if (caller === 'elder' && body.person_id !== elder.id) return `person ${body.person_id}, not 刘桂兰 (${elder.id})`
        },
      },
    },
  },
  'GET /api/points/persons/{id}': {
    scopes: {
      inside: { request: get(`/api/points/persons/${elder.id}`), expect: only(POINTS_SEE_IN, 200, 404) },
      outside: { request: get(`/api/points/persons/${outPerson.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  'GET /api/points/statement': {
    scopes: {
      own: { request: get('/api/points/statement?account=spendable'), expect: only(['elder', 'resident'], 200, 404) },
      inside: { request: get(`/api/points/statement?account=virtue&owner_id=${elder.id}`), expect: only(POINTS_SEE_IN, 200, 404) },
      budget: { request: get(`/api/points/statement?account=budget&owner_id=${kangcheng.id}`), expect: only(POINTS_COMMUNITY, 200, 404) },
      outside: { request: get(`/api/points/statement?account=civility&owner_id=${outCompound.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  // The export: who may read the statement gets the workbook (the same rule and 404s).
  'GET /api/points/statement.xlsx': {
    scopes: {
      own: { request: get('/api/points/statement.xlsx?account=spendable'), expect: only(['elder', 'resident'], 200, 404) },
      inside: { request: get(`/api/points/statement.xlsx?account=virtue&owner_id=${elder.id}`), expect: only(POINTS_SEE_IN, 200, 404) },
      outside: { request: get(`/api/points/statement.xlsx?account=civility&owner_id=${outCompound.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  // Rankings of compounds are public in the district: anyone signed in.
  'GET /api/points/rankings': {
    scopes: {
      any: { request: get(`/api/points/rankings?node_id=${kangcheng.id}`), expect: { '*': 200 } },
    },
  },
  // Proposing: a role the item names over the subject's place, or `self` for one's own person.
  // Staff over the place without such a role 403; whoever does not see the subject 404.
  //   inside:    见义勇为 for the elder (grid, community, street, district, committee); she may not (no `self`)
  //   deduction: 乱扔垃圾 for the elder (grid, community, inspector, street); never oneself
  //   compound:  环境整洁 for 康城小区 (community, street, committee); the grid worker sees it, the steward (1号楼) not
  //   self:      志愿服务 for oneself: those linked to a person; the rest have no person (422)
  //   outside:   见义勇为 for the outside person: the admin
  'POST /api/points/proposals': {
    scopes: Object.fromEntries(
      [
        ['inside', { item: 'bonus.heroic_act', person_id: elder.id }, only(['admin', 'street', 'community', 'grid', ...POINTS_COMMITTEE], 201, 404, { steward: 403, elder: 403 })],
        ['deduction', { item: 'deduct.littering', person_id: elder.id },
          only(['street', 'community', 'grid', 'inspector'], 201, 404, { admin: 403, steward: 403, committee: 403, committee2: 403, elder: 403 })],
        ['compound', { item: 'bonus.compound_tidy_environment', compound_id: compoundIn.id }, only(['street', 'community', ...POINTS_COMMITTEE], 201, 404, { admin: 403, grid: 403 })],
        ['self', { item: 'bonus.volunteer_service' }, only(['elder', 'resident'], 201, 422)],
        ['outside', { item: 'bonus.heroic_act', person_id: outPerson.id }, only(['admin'], 201, 404)],
      ].map(([scope, json, expect]) => [
        scope,
        {
          request: () => ({ method: 'POST', path: '/api/points/proposals', json: pointsProposal(json) }),
          expect,
          verify: (body) => {
            if (body.status !== 'pending') return `status ${body.status}`
          },
        },
      ]),
    ),
  },
  // Proposals: staff over the subject, the proposer, the person it is about.
  'GET /api/points/proposals': {
    scopes: {
      any: { request: get('/api/points/proposals?limit=200'), expect: { '*': 200 }, verify: listsProposal(inProposal, [...POINTS_SEE_IN]) },
      community: { request: get(`/api/points/proposals?community_id=${kangcheng.id}&limit=200`), expect: only(POINTS_COMMUNITY, 200, 404),
        verify: listsProposal(inProposal, POINTS_COMMUNITY) },
    },
  },
  'GET /api/points/proposals/{id}': {
    scopes: {
      inside: { request: get(`/api/points/proposals/${inProposal.id}`), expect: only(POINTS_SEE_IN, 200, 404) },
      outside: { request: get(`/api/points/proposals/${outProposal.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  // Deciding: the committee member over the community (each request on a fresh proposal);
  // other staff who see it 403, the rest 404.
  'POST /api/points/proposals/{id}/votes': {
    scopes: {
      inside: {
        request: async () => ({ method: 'POST', path: `/api/points/proposals/${(await pendingProposal()).id}/votes`, json: { decision: 'approve' } }),
        expect: only(POINTS_COMMITTEE, 200, 404, Object.fromEntries(POINTS_STAFF_IN.filter((l) => !POINTS_COMMITTEE.includes(l)).map((l) => [l, 403]))),
        verify: (body) => {
          if (body.status !== 'posted') return `status ${body.status}`
        },
      },
      outside: {
        request: async () => ({ method: 'POST', path: `/api/points/proposals/${(await pendingProposal(outPerson.id, 'admin')).id}/votes`, json: { decision: 'approve' } }),
        expect: only(['admin'], 403, 404),
      },
    },
  },
  // Corrections: district admins, community and street staff over the posting (each request
  // on a fresh posting: an award to the elder inside, a budget grant to the outside community).
  'POST /api/points/corrections': {
    scopes: {
      inside: {
        request: async () => ({ method: 'POST', path: '/api/points/corrections', json: { key: fresh('matrix-correction-'), posting_id: await postedAward(), reason: '权限矩阵核对' } }),
        expect: only(['admin', 'street', 'community'], 201, 404, { grid: 403, steward: 403, committee: 403, committee2: 403 }),
        verify: (body) => {
          if (body.kind !== 'correction' || body.points !== -50) return `not a correction of the award: ${JSON.stringify(body)}`
        },
      },
      outside: {
        request: async () => {
          const g = await made('/api/points/budgets', { key: fresh('matrix-budget-'), community_id: outCommunity.id, amount: 10, reason: '权限矩阵核对' })
          return { method: 'POST', path: '/api/points/corrections', json: { key: fresh('matrix-correction-'), posting_id: g.id, reason: '权限矩阵核对' } }
        },
        expect: only(['admin'], 201, 404),
      },
    },
  },
})

// The points shop, the tiers and the bulk routes. Inside: goods of 康城社区 (one active, one
// taken off), redeemed by the elder and the `resident` (both linked to persons of 1号楼, each
// given spendable points by a posted award first); outside: goods of the outside community,
// redeemed by a resident made here for the outside person (awarded by a committee member of
// the outside community made here). Staff over 康城社区 itself see its shop and its
// redemptions and hand goods over; of them community and street staff and district admins
// keep the shop (the committee member 403). Each hand-over and cancellation is of a fresh
// redemption.
const POINTS_SHOP_KEEPERS = ['admin', 'street', 'community']
const loginMade = async (roles, base) => {
  const username = fresh(base)
  await made('/api/accounts', { username, display_name: username, password: 'a-good-password', roles })
  return srv.login(username, 'a-good-password')
}
const linkPerson = async (personId, who) =>
  check(await srv.request('PUT', `/api/persons/${personId}/account`, { token: admin.token, json: { account_id: who.account.id } }), 200)
const residentPerson = check(await srv.get('/api/points/me', { token: sessions.resident.token }), 200).person_id
const outResident = await loginMade([{ role: 'resident', scope: outBuilding.path }], 'matrix.outresident')
await linkPerson(outPerson.id, outResident)
const outCommittee = await loginMade([{ role: 'committee_member', scope: outCommunity.path }], 'matrix.outcommittee')
await made('/api/points/budgets', { key: fresh('matrix-budget-'), community_id: outCommunity.id, amount: 1000, reason: '权限矩阵预算' })
for (const [personId, by, committeeSession] of [[elder.id, 'community', sessions.committee], [residentPerson, 'community', sessions.committee],
  [outPerson.id, 'admin', outCommittee]]) {
  const p = await pendingProposal(personId, by)
  const after = check(await srv.post(`/api/points/proposals/${p.id}/votes`, { decision: 'approve' }, { token: committeeSession.token }), 200)
  assert.equal(after.status, 'posted', `the matrix's award to person ${personId} was not posted: ${JSON.stringify(after)}`)
}
const goodsIn = await made('/api/points/goods', { community_id: kangcheng.id, name: fresh('矩阵商品'), price: 1, stock: 100000 })
const goodsOff = await made('/api/points/goods', { community_id: kangcheng.id, name: fresh('矩阵下架商品'), price: 1, stock: 1 })
check(await srv.request('PATCH', `/api/points/goods/${goodsOff.id}`, { token: admin.token, json: { active: false } }), 200)
const goodsOut = await made('/api/points/goods', { community_id: outCommunity.id, name: fresh('矩阵外商品'), price: 1, stock: 100000 })
/** A fresh held redemption of one piece of `goods` by `who` (a session): the redemption, with its code. */
const heldBy = async (who, goods) =>
  check(await srv.post('/api/points/redemptions', { key: fresh('matrix-redeem-'), goods_id: goods.id }, { token: who.token }), 201)
const heldIn = await heldBy(sessions.elder, goodsIn)
await heldBy(sessions.resident, goodsIn) // so that the resident's own list is not empty
const heldOut = await heldBy(outResident, goodsOut)
/** The goods of a list body (ids). */
const listsGoods = (body, caller) => {
  const seen = ids(body)
  if (!seen.includes(goodsIn.id)) return `goods ${goodsIn.id} is not listed`
  const staff = POINTS_COMMUNITY.includes(caller)
  if (seen.includes(goodsOff.id) !== staff) return `the inactive goods ${goodsOff.id} are ${staff ? 'not ' : ''}listed`
}
const redemptionCodes = (own) => (body) => {
  if (!body.items.length) return 'no redemptions listed'
  for (const r of body.items)
    if (own ? typeof r.code !== 'string' : r.code !== null) return `redemption ${r.id}: code ${JSON.stringify(r.code)}`
}
const statusIs = (status) => (body) => {
  if (body.status !== status) return `status ${body.status}`
}
/** A bulk vote's one outcome: the committee members post; other staff who see it forbidden; the rest not found. */
const decidedAs = (committeeLogins, seers) => (body, caller) => {
  const [item] = body.items
  const want = committeeLogins.includes(caller) ? { status: 'posted', error: null } : { status: null, error: seers.includes(caller) ? 'forbidden' : 'not_found' }
  const got = { status: item?.status, error: item?.error?.code ?? null }
  if (JSON.stringify(got) !== JSON.stringify(want)) return `outcome ${JSON.stringify(item)}, expected ${JSON.stringify(want)}`
}

Object.assign(RULES, {
  'GET /api/points/tiers': {
    public: true,
    scopes: {
      any: {
        request: get('/api/points/tiers'),
        expect: { '*': 200, none: 200 },
        verify: (body) => {
          if (body.items.map((t) => t.code).join() !== 'standard,silver,gold') return `tiers ${body.items.map((t) => t.code)}`
        },
      },
    },
  },
  // Goods: residents their own community's active goods (without community_id too), staff over the community all of them.
  'GET /api/points/goods': {
    scopes: {
      inside: { request: get(`/api/points/goods?community_id=${kangcheng.id}`), expect: only([...POINTS_COMMUNITY, 'elder', 'resident'], 200, 404), verify: listsGoods },
      outside: { request: get(`/api/points/goods?community_id=${outCommunity.id}`), expect: only(['admin'], 200, 404) },
      own: { request: get('/api/points/goods'), expect: only(['elder', 'resident'], 200, 422), verify: listsGoods },
    },
  },
  'POST /api/points/goods': {
    scopes: Object.fromEntries(
      [['inside', kangcheng, only(POINTS_SHOP_KEEPERS, 201, 404, { committee: 403, committee2: 403 })], ['outside', outCommunity, only(['admin'], 201, 404)]].map(
        ([scope, n, expect]) => [scope, { request: () => ({ method: 'POST', path: '/api/points/goods', json: { community_id: n.id, name: fresh('矩阵新商品'), price: 5, stock: 1 } }), expect }],
      ),
    ),
  },
  'PATCH /api/points/goods/{id}': {
    scopes: Object.fromEntries(
      [['inside', goodsIn, only(POINTS_SHOP_KEEPERS, 200, 404, { committee: 403, committee2: 403 })], ['outside', goodsOut, only(['admin'], 200, 404)]].map(
        ([scope, g, expect]) => [scope, { request: () => ({ method: 'PATCH', path: `/api/points/goods/${g.id}`, json: { restock: 1 } }), expect }],
      ),
    ),
  },
  // Redeeming: a resident linked to a person, in their own community's shop; accounts linked to no person 403.
  'POST /api/points/redemptions': {
    scopes: Object.fromEntries(
      [['inside', goodsIn, only(['elder', 'resident'], 201, 403)], ['outside', goodsOut, only(['elder', 'resident'], 404, 403)]].map(([scope, g, expect]) => [
        scope,
        { request: () => ({ method: 'POST', path: '/api/points/redemptions', json: { key: fresh('matrix-redeem-'), goods_id: g.id } }), expect, verify: statusIs('held') },
      ]),
    ),
  },
  'GET /api/points/redemptions': {
    scopes: {
      own: { request: get('/api/points/redemptions'), expect: only(['elder', 'resident'], 200, 404), verify: redemptionCodes(true) },
      inside: { request: get(`/api/points/redemptions?community_id=${kangcheng.id}&limit=200`), expect: only(POINTS_COMMUNITY, 200, 404), verify: redemptionCodes(false) },
      outside: { request: get(`/api/points/redemptions?community_id=${outCommunity.id}`), expect: only(['admin'], 200, 404), verify: redemptionCodes(false) },
    },
  },
  // The station: staff over the redemption's community.
  'GET /api/points/redemptions/by-code/{code}': {
    scopes: {
      inside: { request: get(`/api/points/redemptions/by-code/${heldIn.code}`), expect: only(POINTS_COMMUNITY, 200, 404) },
      outside: { request: get(`/api/points/redemptions/by-code/${heldOut.code}`), expect: only(['admin'], 200, 404) },
    },
  },
  'POST /api/points/redemptions/handover': {
    scopes: Object.fromEntries(
      [['inside', () => heldBy(sessions.elder, goodsIn), only(POINTS_COMMUNITY, 200, 404)], ['outside', () => heldBy(outResident, goodsOut), only(['admin'], 200, 404)]].map(
        ([scope, held, expect]) => [
          scope,
          { request: async () => ({ method: 'POST', path: '/api/points/redemptions/handover', json: { code: (await held()).code } }), expect, verify: statusIs('handed_over') },
        ],
      ),
    ),
  },
  // Cancelling: the person themselves, or staff over the community.
  'POST /api/points/redemptions/{id}/cancel': {
    scopes: Object.fromEntries(
      [['inside', () => heldBy(sessions.elder, goodsIn), only([...POINTS_COMMUNITY, 'elder'], 200, 404)], ['outside', () => heldBy(outResident, goodsOut), only(['admin'], 200, 404)]].map(
        ([scope, held, expect]) => [
          scope,
          { request: async () => ({ method: 'POST', path: `/api/points/redemptions/${(await held()).id}/cancel` }), expect, verify: statusIs('cancelled') },
        ],
      ),
    ),
  },
  // Bulk proposals: as one proposal per person (see POST /api/points/proposals, scopes inside and outside).
  'POST /api/points/proposals/bulk': {
    scopes: Object.fromEntries(
      [
        ['inside', elder.id, only(['admin', 'street', 'community', 'grid', ...POINTS_COMMITTEE], 201, 404, { steward: 403, elder: 403 })],
        ['outside', outPerson.id, only(['admin'], 201, 404)],
      ].map(([scope, personId, expect]) => [
        scope,
        {
          request: () => ({ method: 'POST', path: '/api/points/proposals/bulk', json: { ...pointsProposal({ item: 'bonus.heroic_act' }), person_ids: [personId] } }),
          expect,
          verify: (body) => {
            if (body.count !== 1 || body.items[0]?.person_id !== personId || body.items[0]?.status !== 'pending') return `answer ${JSON.stringify(body)}`
          },
        },
      ]),
    ),
  },
  // Bulk votes: 200 for every session, the outcome per proposal (each request on a fresh proposal).
  'POST /api/points/proposals/votes': {
    scopes: {
      inside: {
        request: async () => ({ method: 'POST', path: '/api/points/proposals/votes', json: { ids: [(await pendingProposal()).id], decision: 'approve' } }),
        expect: { '*': 200 },
        verify: decidedAs(POINTS_COMMITTEE, POINTS_STAFF_IN),
      },
      outside: {
        request: async () => ({ method: 'POST', path: '/api/points/proposals/votes', json: { ids: [(await pendingProposal(outPerson.id, 'admin')).id], decision: 'approve' } }),
        expect: { '*': 200 },
        verify: decidedAs([], ['admin']),
      },
    },
  },
})

// Appeals (docs/reference/points.md, Appeals). The deductions appealed are of an item of the
// matrix's own (1 point, no cap, no evidence), proposed by the community staff and approved by
// the committee member (outside: by the admin and the outside committee member). Appealing:
// the elder and the resident, each of a fresh deduction of their own person; accounts linked
// to no person 403 before anything is looked up; a posting about someone else 404. Reading:
// the person, and staff over 康城社区 itself (not the grid worker and the steward, whose
// grants lie below it). Deciding (each request on a fresh appeal of the elder): the second
// committee member; the first approved the deduction (403, as one who took part); other
// staff over the community and the elder herself 403; the rest 404.
const APPEAL_DEDUCT = fresh('deduct.matrix_appeal_')
check(await srv.request('PUT', `/api/points/catalog/${APPEAL_DEDUCT}`, {
  token: admin.token,
  json: { name_zh: '权限矩阵扣分', name_en: 'Matrix deduction', points: -1, subject: 'person', cap_period: 'ever', evidence_required: false,
    proposers: ['community_staff', 'district_admin'] },
}), 201)
/** A fresh deduction of a person, posted: its posting id. */
const deductionOf = async (personId, by = sessions.community, committeeSession = sessions.committee) => {
  const p = check(await srv.post('/api/points/proposals', { key: fresh('matrix-proposal-'), item: APPEAL_DEDUCT, person_id: personId, reason: '权限矩阵扣分' },
    { token: by.token }), 201)
  const after = check(await srv.post(`/api/points/proposals/${p.id}/votes`, { decision: 'approve' }, { token: committeeSession.token }), 200)
  assert.equal(after.status, 'posted', `the matrix's deduction of person ${personId} was not posted: ${JSON.stringify(after)}`)
  return after.posting_id
}
const appealBody = (postingId) => ({ key: fresh('matrix-appeal-'), posting_id: postingId, reason: '权限矩阵申诉' })
/** A fresh pending appeal by `who` of a fresh deduction of `personId`. */
const appealedBy = async (who, personId, ...deducting) =>
  check(await srv.post('/api/points/appeals', appealBody(await deductionOf(personId, ...deducting)), { token: who.token }), 201)
const inAppeal = await appealedBy(sessions.elder, elder.id)
const outAppeal = await appealedBy(outResident, outPerson.id, admin, outCommittee)
const outDeduction = await deductionOf(outPerson.id, admin, outCommittee)
const listsAppeal = (a, seers) => (body, caller) => {
  if (ids(body).includes(a.id) !== seers.includes(caller)) return `appeal ${a.id} is ${ids(body).includes(a.id) ? '' : 'not '}listed`
}

Object.assign(RULES, {
  'POST /api/points/appeals': {
    scopes: {
      inside: {
        request: async (caller) => ({ method: 'POST', path: '/api/points/appeals', json: appealBody(await deductionOf(caller === 'resident' ? residentPerson : elder.id)) }),
        expect: only(['elder', 'resident'], 201, 403),
        verify: statusIs('pending'),
      },
      outside: {
        request: () => ({ method: 'POST', path: '/api/points/appeals', json: appealBody(outDeduction) }),
        expect: only(['elder', 'resident'], 404, 403),
      },
    },
  },
  'GET /api/points/appeals': {
    scopes: {
      own: { request: get('/api/points/appeals?limit=200'), expect: { '*': 200 }, verify: listsAppeal(inAppeal, ['elder']) },
      inside: { request: get(`/api/points/appeals?community_id=${kangcheng.id}&limit=200`), expect: only(POINTS_COMMUNITY, 200, 404),
        verify: listsAppeal(inAppeal, POINTS_COMMUNITY) },
      outside: { request: get(`/api/points/appeals?community_id=${outCommunity.id}&limit=200`), expect: only(['admin'], 200, 404),
        verify: listsAppeal(outAppeal, ['admin']) },
    },
  },
  'GET /api/points/appeals/{id}': {
    scopes: {
      inside: { request: get(`/api/points/appeals/${inAppeal.id}`), expect: only([...POINTS_COMMUNITY, 'elder'], 200, 404) },
      outside: { request: get(`/api/points/appeals/${outAppeal.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  'POST /api/points/appeals/{id}/decision': {
    scopes: {
      inside: {
        request: async () => ({ method: 'POST', path: `/api/points/appeals/${(await appealedBy(sessions.elder, elder.id)).id}/decision`,
          json: { decision: 'overturn', reason: '权限矩阵复核' } }),
        expect: only(['committee2'], 200, 404, { admin: 403, street: 403, community: 403, committee: 403, elder: 403 }),
        verify: (body) => {
          if (body.status !== 'overturned' || !body.result_posting_id) return `not overturned: ${JSON.stringify(body)}`
        },
      },
      outside: {
        request: async () => ({ method: 'POST', path: `/api/points/appeals/${(await appealedBy(outResident, outPerson.id, admin, outCommittee)).id}/decision`,
          json: { decision: 'overturn', reason: '权限矩阵复核' } }),
        expect: only(['admin'], 403, 404),
      },
    },
  },
})

// ---------------------------------------------------------------------------------------
// Care and notifications (docs/reference/care.md, care.test.mjs, notify.test.mjs). Inside:
// the elder 刘桂兰 in 1号楼 (her steward the `steward`, backup the grid worker, named here);
// outside: the outside person in the outside building (its steward made here). Staff over an
// elder (who read and answer alarms, write profiles, register devices): the district admin,
// street, community and grid staff, the steward and 康城社区's doctor (`doctor2`) — not the
// committee members, the inspector or the other roles, and not the doctor, whose grant is in
// another street. Stewards and the duty roster are kept by community and street staff over the
// place (and district admins); other staff over the building 403. The elder reads her own alarms, profile, devices and
// visits, and may not answer her own alarm (403). Visits are recorded by staff over the
// household through its door code (care staff whose places do not cover it 404, callers
// holding no care role 403). Each acknowledge, arrive, close, duty removal and
// device revocation is of a fresh one.
const CARE_STAFF_IN = ['admin', 'street', 'community', 'grid', 'steward', 'doctor2']
const careAs = (who, method, path, json) => srv.request(method, path, { token: (who.token ? who : sessions[who]).token, json })
const outSteward = await loginMade([{ role: 'steward', scope: outBuilding.path }], 'matrix.outsteward')
check(await careAs(admin, 'PUT', `/api/care/stewards/${building.id}`, { steward_id: sessions.steward.account.id, backup_id: sessions.grid.account.id }), 200)
check(await careAs(admin, 'PUT', `/api/care/stewards/${outBuilding.id}`, { steward_id: outSteward.account.id }), 200)
const careProfile = { health_notes: '权限矩阵', contacts: [{ name: '矩阵联系人', relation: '儿子', phone: '13900000099' }], visit_every_days: 7 }
check(await careAs(admin, 'PUT', `/api/care/elders/${elder.id}`, careProfile), 200)
check(await careAs(admin, 'PUT', `/api/care/elders/${outPerson.id}`, careProfile), 200)
/** Closes the open alarms (real ones, or drills) of a person, as the admin. */
const closeAlarmsOf = async (personId, node) => {
  const open = check(await srv.get(`/api/care/alarms?node_id=${node.id}&state=active&limit=200`, { token: admin.token }), 200).items
  for (const a of open.filter((x) => x.person_id === personId))
    check(await careAs(admin, 'POST', `/api/care/alarms/${a.id}/close`, { outcome: 'other', note: '权限矩阵' }), 200)
}
/** A fresh open alarm of the elder, pressed by herself (her open ones closed first). */
const elderAlarm = async () => {
  await closeAlarmsOf(elder.id, building)
  return check(await careAs('elder', 'POST', '/api/care/alarms', {}), 201)
}
/** A fresh open drill of the outside person, started by the admin. */
const outDrill = async () => {
  await closeAlarmsOf(outPerson.id, outBuilding)
  return check(await careAs(admin, 'POST', '/api/care/alarms', { drill: true, person_id: outPerson.id }), 201)
}
/** The same, acknowledged by the admin (for the arrival). */
const acknowledged = (fresh) => async () => {
  const a = await fresh()
  check(await careAs(admin, 'POST', `/api/care/alarms/${a.id}/acknowledge`), 200)
  return a
}
const inAlarm = await elderAlarm()
const outAlarm = await outDrill()
// The messages of the two alerts (the steward's, the outside steward's), found through the inbox.
const alertOf = async (who, alarm) => waitFor(async () =>
  check(await srv.get('/api/notifications?limit=200', { token: who.token }), 200).items.find((m) => m.subject === `care_alarm:${alarm.id}`),
{ ms: 10000, every: 50, what: `the alert of alarm ${alarm.id} in the inbox` })
const inMessage = await alertOf(sessions.steward, inAlarm)
const outMessage = await alertOf(outSteward, outAlarm)
const dutyBody = (node, account) => ({ node_id: node.id, account_id: account.id, starts_at: Date.now(), ends_at: Date.now() + 3600000 })
const deviceOf = async (personId) => made('/api/care/devices', { person_id: personId, label: fresh('矩阵呼叫器') })
const inDevice = await deviceOf(elder.id)
const listsCare = (id, key = 'id') => (body) => {
  if (!body.items.some((x) => x[key] === id)) return `${key} ${id} is not listed: ${JSON.stringify(body.items.map((x) => x[key]))}`
}
// Visits: the door codes of the elder's household and of the outside household (the demo may
// have issued the first already), and a visit through each for the lists.
const doorOf = async (householdId) => {
  const r = await srv.post('/api/codes', { kind: 'household', target_id: householdId }, { token: admin.token })
  return check(r, r.status === 200 ? 200 : 201)
}
const inDoor = await doorOf(home.id)
const outDoor = await doorOf(outHome.id)
const inVisit = check(await careAs(admin, 'POST', '/api/care/visits', { token: inDoor.token, person_id: elder.id }), 201)
const outVisit = check(await careAs(admin, 'POST', '/api/care/visits', { token: outDoor.token }), 201)

Object.assign(RULES, {
  // Notifications: everyone has an inbox; a message is its account's (and district admins');
  // the outbox is district admins'.
  'GET /api/notifications': { scopes: { own: { request: get('/api/notifications'), expect: { '*': 200 } } } },
  'POST /api/notifications/read': {
    scopes: {
      own: {
        request: () => ({ method: 'POST', path: '/api/notifications/read', json: { ids: [inMessage.id, outMessage.id] } }),
        expect: { '*': 200 },
        verify: (body) => {
          if (!Number.isInteger(body.read)) return `answer ${JSON.stringify(body)}`
        },
      },
    },
  },
  'GET /api/notifications/{id}': {
    scopes: {
      inside: { request: get(`/api/notifications/${inMessage.id}`), expect: only(['admin', 'steward'], 200, 404) },
      outside: { request: get(`/api/notifications/${outMessage.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  'GET /api/outbox': { scopes: { any: { request: get('/api/outbox'), expect: only(['admin'], 200, 403) } } },

  // The press: a session raises the caller's own alarm (accounts linked to no person 403); a
  // device's token without a session; staff start drills for elders they look after.
  'POST /api/care/alarms': {
    public: true,
    scopes: {
      own: {
        request: () => ({ method: 'POST', path: '/api/care/alarms', json: {} }),
        expect: only(['elder', 'resident'], 201, 403, { none: 401 }),
      },
      device: {
        request: () => ({ method: 'POST', path: '/api/care/alarms', json: { device_token: inDevice.token } }),
        expect: only(['elder', 'resident'], 201, 403, { none: 201 }),
      },
      inside: {
        request: () => ({ method: 'POST', path: '/api/care/alarms', json: { drill: true, person_id: elder.id } }),
        expect: only([...CARE_STAFF_IN, 'elder'], 201, 404, { none: 401 }),
        verify: (body) => {
          if (!body.drill || body.person_id !== elder.id) return `not the elder's drill: ${JSON.stringify(body)}`
        },
      },
      outside: {
        request: () => ({ method: 'POST', path: '/api/care/alarms', json: { drill: true, person_id: outPerson.id } }),
        expect: only(['admin'], 201, 404, { none: 401 }),
      },
    },
  },
  // Lists: one's own (as the elder, or alerted) for everyone; a place's for staff over it.
  'GET /api/care/alarms': {
    scopes: {
      own: { request: get('/api/care/alarms?limit=200'), expect: { '*': 200 } },
      inside: { request: get(`/api/care/alarms?node_id=${building.id}&limit=200`), expect: only(CARE_STAFF_IN, 200, 404), verify: listsCare(inAlarm.id) },
      outside: { request: get(`/api/care/alarms?node_id=${outCommunity.id}&limit=200`), expect: only(['admin'], 200, 404), verify: listsCare(outAlarm.id) },
    },
  },
  'GET /api/care/alarms/{id}': {
    scopes: {
      inside: { request: get(`/api/care/alarms/${inAlarm.id}`), expect: only([...CARE_STAFF_IN, 'elder'], 200, 404) },
      reveal: { request: get(`/api/care/alarms/${inAlarm.id}?reveal=true`), expect: only(CARE_STAFF_IN, 200, 404, { elder: 403 }) },
      outside: { request: get(`/api/care/alarms/${outAlarm.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  ...Object.fromEntries(
    [
      ['acknowledge', elderAlarm, outDrill, 'acknowledged'],
      ['arrive', acknowledged(elderAlarm), acknowledged(outDrill), 'arrived'],
      ['close', elderAlarm, outDrill, 'closed'],
    ].map(([verb, inFresh, outFresh, status]) => [
      `POST /api/care/alarms/{id}/${verb}`,
      {
        scopes: Object.fromEntries(
          [['inside', inFresh, only(CARE_STAFF_IN, 200, 404, { elder: 403 })], ['outside', outFresh, only(['admin'], 200, 404)]].map(([scope, fresh, expect]) => [
            scope,
            {
              request: async () => ({
                method: 'POST',
                path: `/api/care/alarms/${(await fresh()).id}/${verb}`,
                json: verb === 'close' ? { outcome: 'resolved', note: '权限矩阵' } : undefined,
              }),
              expect,
              verify: statusIs(status),
            },
          ]),
        ),
      },
    ]),
  ),

  // Stewards: named by community and street staff over the building and district admins;
  // the grid worker and the steward (staff over it) 403.
  'PUT /api/care/stewards/{building_id}': {
    scopes: {
      inside: {
        request: () => ({ method: 'PUT', path: `/api/care/stewards/${building.id}`, json: { steward_id: sessions.steward.account.id, backup_id: sessions.grid.account.id } }),
        expect: only(MANAGERS, 200, 404, { grid: 403, steward: 403, doctor2: 403 }),
      },
      outside: {
        request: () => ({ method: 'PUT', path: `/api/care/stewards/${outBuilding.id}`, json: { steward_id: outSteward.account.id } }),
        expect: only(['admin'], 200, 404),
      },
    },
  },
  'GET /api/care/stewards': {
    scopes: {
      own: { request: get('/api/care/stewards'), expect: { '*': 200 } },
      inside: { request: get(`/api/care/stewards?node_id=${building.id}`), expect: only(CARE_STAFF_IN, 200, 404), verify: listsCare(building.id, 'building_id') },
      outside: { request: get(`/api/care/stewards?node_id=${outBuilding.id}`), expect: only(['admin'], 200, 404), verify: listsCare(outBuilding.id, 'building_id') },
    },
  },
  // Duty: kept at a community or a street by its community and street staff; staff below the
  // community (the grid worker, the steward) do not see it (404); its doctor reads it, keeps
  // none (403).
  'POST /api/care/duty': {
    scopes: {
      inside: { request: () => ({ method: 'POST', path: '/api/care/duty', json: dutyBody(kangcheng, sessions.community.account) }), expect: only(MANAGERS, 201, 404, { doctor2: 403 }) },
      outside: { request: () => ({ method: 'POST', path: '/api/care/duty', json: dutyBody(outCommunity, outSteward.account) }), expect: only(['admin'], 201, 404) },
    },
  },
  'GET /api/care/duty': {
    scopes: {
      inside: { request: get(`/api/care/duty?node_id=${kangcheng.id}`), expect: only([...MANAGERS, 'doctor2'], 200, 404) },
      outside: { request: get(`/api/care/duty?node_id=${outCommunity.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  'DELETE /api/care/duty/{id}': {
    scopes: Object.fromEntries(
      [['inside', kangcheng, sessions.community.account, only(MANAGERS, 204, 404, { doctor2: 403 })], ['outside', outCommunity, outSteward.account, only(['admin'], 204, 404)]].map(
        ([scope, node, account, expect]) => [
          scope,
          { request: async () => ({ method: 'DELETE', path: `/api/care/duty/${(await made('/api/care/duty', dutyBody(node, account))).id}` }), expect },
        ],
      ),
    ),
  },
  // Profiles: written by staff over the elder; read by them and by the elder herself.
  'PUT /api/care/elders/{person_id}': {
    scopes: {
      inside: { request: () => ({ method: 'PUT', path: `/api/care/elders/${elder.id}`, json: careProfile }), expect: only(CARE_STAFF_IN, 200, 404) },
      outside: { request: () => ({ method: 'PUT', path: `/api/care/elders/${outPerson.id}`, json: careProfile }), expect: only(['admin'], 200, 404) },
    },
  },
  'GET /api/care/elders/{person_id}': {
    scopes: {
      inside: { request: get(`/api/care/elders/${elder.id}`), expect: only([...CARE_STAFF_IN, 'elder'], 200, 404) },
      outside: { request: get(`/api/care/elders/${outPerson.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  // Visits: recorded by care staff over the household by its door code. A caller holding no
  // care role at all is refused 403 before the code is looked at (the elder at her own door
  // too); care staff whose places do not cover the household (the doctor of another street;
  // outside, every care role but the admin's) 404. An elder's visits are read by staff over
  // her and by herself; the visits due under a node by staff over it.
  'POST /api/care/visits': {
    scopes: {
      inside: {
        request: () => ({ method: 'POST', path: '/api/care/visits', json: { token: inDoor.token, person_id: elder.id, note: '权限矩阵' } }),
        expect: only(CARE_STAFF_IN, 201, 403, { doctor: 404 }),
        verify: (body) => {
          if (body.person_id !== elder.id || body.household_id !== home.id) return `not the elder's visit: ${JSON.stringify(body)}`
        },
      },
      outside: {
        request: () => ({ method: 'POST', path: '/api/care/visits', json: { token: outDoor.token } }),
        expect: only(['admin'], 201, 403, Object.fromEntries(['street', 'community', 'grid', 'steward', 'doctor', 'doctor2'].map((l) => [l, 404]))),
        verify: (body) => {
          if (body.person_id !== outPerson.id) return `not the outside person's visit: ${JSON.stringify(body)}`
        },
      },
    },
  },
  'GET /api/care/visits': {
    scopes: {
      inside: { request: get(`/api/care/visits?person_id=${elder.id}&limit=200`), expect: only([...CARE_STAFF_IN, 'elder'], 200, 404), verify: listsCare(inVisit.id) },
      outside: { request: get(`/api/care/visits?person_id=${outPerson.id}&limit=200`), expect: only(['admin'], 200, 404), verify: listsCare(outVisit.id) },
    },
  },
  'GET /api/care/visits/due': {
    scopes: {
      // Without node_id, "my elders": the buildings where the caller is steward or backup (1号楼:
      // the steward and the grid worker); [] for everyone else.
      own: {
        request: get('/api/care/visits/due'),
        expect: { '*': 200 },
        verify: (body, caller) => {
          const mine = ['steward', 'grid'].includes(caller)
          if (body.items.some((x) => x.person_id === elder.id) !== mine) return `the elder is ${mine ? 'not ' : ''}listed: ${JSON.stringify(body.items)}`
          if (!mine && body.items.length) return `a list for a steward of nowhere: ${JSON.stringify(body.items)}`
        },
      },
      inside: { request: get(`/api/care/visits/due?node_id=${building.id}`), expect: only(CARE_STAFF_IN, 200, 404), verify: listsCare(elder.id, 'person_id') },
      outside: { request: get(`/api/care/visits/due?node_id=${outCommunity.id}`), expect: only(['admin'], 200, 404), verify: listsCare(outPerson.id, 'person_id') },
    },
  },
  // Devices: registered and revoked by staff over the elder; listed for them and the elder.
  'POST /api/care/devices': {
    scopes: Object.fromEntries(
      [['inside', elder.id, only(CARE_STAFF_IN, 201, 404)], ['outside', outPerson.id, only(['admin'], 201, 404)]].map(([scope, personId, expect]) => [
        scope,
        {
          request: () => ({ method: 'POST', path: '/api/care/devices', json: { person_id: personId, label: fresh('矩阵挂件') } }),
          expect,
          verify: (body) => {
            if (typeof body.token !== 'string') return `no token: ${JSON.stringify(body)}`
          },
        },
      ]),
    ),
  },
  'GET /api/care/devices': {
    scopes: {
      inside: { request: get(`/api/care/devices?person_id=${elder.id}`), expect: only([...CARE_STAFF_IN, 'elder'], 200, 404), verify: listsCare(inDevice.id) },
      outside: { request: get(`/api/care/devices?person_id=${outPerson.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  'POST /api/care/devices/{id}/revoke': {
    scopes: Object.fromEntries(
      [['inside', elder.id, only(CARE_STAFF_IN, 200, 404)], ['outside', outPerson.id, only(['admin'], 200, 404)]].map(([scope, personId, expect]) => [
        scope,
        { request: async () => ({ method: 'POST', path: `/api/care/devices/${(await deviceOf(personId)).id}/revoke` }), expect },
      ]),
    ),
  },
})

// The station's rooms (docs/reference/care.md, care-rooms.test.mjs). Rooms are kept by
// community and street staff over the community and district admins (the managers); its
// doctor (`doctor2`), care staff over it too, 403; nobody else here is care staff over 康城社区
// (the steward's and the grid worker's grants lie below it, the doctor's in another street) —
// everyone else 404. Rooms and slots are read by care staff over the community and by the
// residents linked to a person there (the demo resident and the elder); a resident books in
// their own community (a room elsewhere 404), an account linked to no person 403. A room's
// bookings are listed for staff over it, one's own for everyone.
// Check-in by the room's code: the booker with a booking now 200, anyone else 409 (the code
// itself is no secret). A booking is cancelled by its booker or staff over the room; each
// cancellation is of a fresh booking (the inside ones the resident's, the outside ones the
// outside resident's), each check-in of a booking made for the caller just before.
const MINUTE = 60000
const LOCAL_DAY = 86400000
const localDay = (t) => Math.floor((t + 8 * 3600000) / LOCAL_DAY) * LOCAL_DAY - 8 * 3600000
/** Tomorrow (UTC+8) at `minute` of the day. */
const tomorrowAt = (minute) => localDay(Date.now()) + LOCAL_DAY + minute * MINUTE
/** The next start of a 15-minute slot (a room open all day): within 15 minutes, so checked in at once. */
const nextQuarter = () => {
  const now = Date.now()
  const day = localDay(now)
  return day + Math.ceil((now - day + 1) / (15 * MINUTE)) * 15 * MINUTE
}
const roomPlace = async (node) => {
  const place = await made('/api/places', { node_id: node.id, kind: 'function_room', name: fresh('矩阵功能室') })
  const code = await made('/api/codes', { kind: 'function_room', target_id: place.id })
  return { place, code }
}
/** A room open all day in 15-minute slots (the admin's), with a code of its own unless `coded` is false. */
const matrixRoom = async (node, coded = true) => {
  const p = coded ? await roomPlace(node) : null
  const room = await made('/api/care/rooms', { community_id: node.id, name: fresh('矩阵房间'), capacity: 100, slot_minutes: 15, opens: 0, closes: 1440,
    days: '1234567', place_id: p ? p.place.id : null })
  return { room, code: p?.code }
}
const { room: inRoom, code: inRoomCode } = await matrixRoom(kangcheng)
const { room: outRoom, code: outRoomCode } = await matrixRoom(outCommunity)
const { room: inPutRoom } = await matrixRoom(kangcheng, false)
const { room: outPutRoom } = await matrixRoom(outCommunity, false)
const bookAs = async (who, room, startsAt) =>
  check(await srv.post('/api/care/bookings', { room_id: room.id, starts_at: startsAt }, { token: who.token }), 201)
const inBooking = await bookAs(sessions.resident, inRoom, tomorrowAt(9 * 60))
const outBooking = await bookAs(outResident, outRoom, tomorrowAt(9 * 60))
// The cancellations' bookings: one fresh slot each (tomorrow from 10:00 on).
let cancelSlot = 40
const freshBooking = (who, room) => async () => bookAs(who, room, tomorrowAt(cancelSlot++ * 15))
const roomBody = () => ({ name: fresh('矩阵改名'), capacity: 30, slot_minutes: 30, opens: 480, closes: 1200, days: '12345' })
const slotsDate = new Date(tomorrowAt(0) + 8 * 3600000).toISOString().slice(0, 10)
/** Care staff over 康城社区: the managers and its doctor. */
const CARE_COMMUNITY = [...MANAGERS, 'doctor2']
const ROOM_READERS = [...CARE_COMMUNITY, 'resident', 'elder']

Object.assign(RULES, {
  'POST /api/care/rooms': {
    scopes: Object.fromEntries(
      [['inside', kangcheng, only(MANAGERS, 201, 404, { doctor2: 403 })], ['outside', outCommunity, only(['admin'], 201, 404)]].map(([scope, node, expect]) => [
        scope,
        {
          request: () => ({ method: 'POST', path: '/api/care/rooms', json: { community_id: node.id, name: fresh('矩阵新房间'), capacity: 5 } }),
          expect,
          verify: (body) => {
            if (body.community_id !== node.id || body.capacity !== 5) return `not the room asked for: ${JSON.stringify(body)}`
          },
        },
      ]),
    ),
  },
  'PUT /api/care/rooms/{id}': {
    scopes: Object.fromEntries(
      [['inside', inPutRoom, only(MANAGERS, 200, 404, { doctor2: 403 })], ['outside', outPutRoom, only(['admin'], 200, 404)]].map(([scope, room, expect]) => [
        scope,
        {
          request: () => ({ method: 'PUT', path: `/api/care/rooms/${room.id}`, json: roomBody() }),
          expect,
          verify: (body) => {
            if (body.id !== room.id || body.days !== '12345') return `not the room changed: ${JSON.stringify(body)}`
          },
        },
      ]),
    ),
  },
  'GET /api/care/rooms': {
    scopes: {
      own: { request: get('/api/care/rooms'), expect: only(['resident', 'elder'], 200, 404), verify: listsCare(inRoom.id) },
      inside: { request: get(`/api/care/rooms?community_id=${kangcheng.id}`), expect: only(ROOM_READERS, 200, 404), verify: listsCare(inRoom.id) },
      outside: { request: get(`/api/care/rooms?community_id=${outCommunity.id}`), expect: only(['admin'], 200, 404), verify: listsCare(outRoom.id) },
    },
  },
  'GET /api/care/rooms/{id}/slots': {
    scopes: Object.fromEntries(
      [['inside', inRoom, only(ROOM_READERS, 200, 404)], ['outside', outRoom, only(['admin'], 200, 404)]].map(([scope, room, expect]) => [
        scope,
        {
          request: get(`/api/care/rooms/${room.id}/slots?date=${slotsDate}`),
          expect,
          verify: (body) => {
            if (body.items.length !== 96) return `${body.items.length} slots, not 96`
          },
        },
      ]),
    ),
  },
  'POST /api/care/bookings': {
    scopes: {
      inside: {
        request: () => ({ method: 'POST', path: '/api/care/bookings', json: { room_id: inRoom.id, starts_at: tomorrowAt(8 * 60) } }),
        expect: only(['resident', 'elder'], 201, 403),
        verify: (body, caller) => {
          if (body.account_id !== sessions[caller].account.id || body.status !== 'booked') return `not the caller's booking: ${JSON.stringify(body)}`
        },
      },
      outside: {
        request: () => ({ method: 'POST', path: '/api/care/bookings', json: { room_id: outRoom.id, starts_at: tomorrowAt(8 * 60) } }),
        expect: only(['resident', 'elder'], 404, 403),
      },
    },
  },
  'GET /api/care/bookings': {
    scopes: {
      own: {
        request: get('/api/care/bookings'),
        expect: { '*': 200 },
        verify: (body, caller) => {
          if (body.items.some((b) => b.account_id !== sessions[caller].account.id)) return `another account's booking: ${JSON.stringify(body.items)}`
          if (caller === 'resident' && !ids(body).includes(inBooking.id)) return `the resident's booking ${inBooking.id} is not listed`
        },
      },
      inside: { request: get(`/api/care/bookings?room_id=${inRoom.id}`), expect: only(CARE_COMMUNITY, 200, 404), verify: listsCare(inBooking.id) },
      outside: { request: get(`/api/care/bookings?room_id=${outRoom.id}`), expect: only(['admin'], 200, 404), verify: listsCare(outBooking.id) },
    },
  },
  'POST /api/care/bookings/check-in': {
    scopes: {
      inside: {
        request: async (caller) => {
          // The two residents book the next slot first (their own booking for now).
          if (caller === 'resident' || caller === 'elder') await bookAs(sessions[caller], inRoom, nextQuarter())
          return { method: 'POST', path: '/api/care/bookings/check-in', json: { token: inRoomCode.token } }
        },
        expect: only(['resident', 'elder'], 200, 409),
        verify: (body, caller) => {
          if (body.status !== 'checked_in' || body.account_id !== sessions[caller].account.id) return `not the caller's check-in: ${JSON.stringify(body)}`
        },
      },
      outside: { request: () => ({ method: 'POST', path: '/api/care/bookings/check-in', json: { token: outRoomCode.token } }), expect: { '*': 409 } },
    },
  },
  'POST /api/care/bookings/{id}/cancel': {
    scopes: Object.fromEntries(
      [['inside', freshBooking(sessions.resident, inRoom), only([...CARE_COMMUNITY, 'resident'], 200, 404)],
        ['outside', freshBooking(outResident, outRoom), only(['admin'], 200, 404)]].map(([scope, fresh, expect]) => [
        scope,
        { request: async () => ({ method: 'POST', path: `/api/care/bookings/${(await fresh()).id}/cancel` }), expect, verify: statusIs('cancelled') },
      ]),
    ),
  },
})

// Meals, consultations and home services (docs/reference/care.md, care-meals.test.mjs,
// care-consult.test.mjs). Menus are kept by the managers of 康城社区 (its doctor 403, everyone
// else 404) and read by care staff over the community and its residents (the demo resident,
// the elder); the kitchen's count and a menu's orders by care staff over the community. A
// resident orders for their own person (an account linked to no person 403; a menu of another
// community 404), care staff over an elder for them (`person_id`; anyone else 404); an order is
// cancelled by its person or staff over the community, served by staff over the community.
// Consultations and home services: the elder (the resident too) for themselves, care staff
// over an elder for them; a consultation is read by them and the elder, revealed by the elder
// and doctors over her (other care staff 403), scheduled and completed by doctors over the
// elder (other care staff 403), cancelled by whoever asked or a doctor (other care staff 403).
// Each menu of the matrix is on a day of its own (from ten days ahead; the ones read five days
// ahead, within the lists' default week); each cancellation, serving, schedule and completion is
// of a fresh order or consultation (a consultation of a fresh person, at most five are open).
const RESIDENTS_IN = ['resident', 'elder']
// Menus are read by care staff over the community and those at a place inside it (a building's
// steward and grid worker order for their elders), and by its residents.
const MENU_READERS = [...ROOM_READERS, 'grid', 'steward']
/** YYYY-MM-DD of the UTC+8 day `days` after today. */
const dateIn = (days) => new Date(localDay(Date.now()) + days * LOCAL_DAY + 8 * 3600000).toISOString().slice(0, 10)
let menuDay = 10
const menuBody = (node) => ({ community_id: node.id, date: dateIn(menuDay++), pickup: true, delivery: true, items: [{ name: '矩阵套餐', price_fen: 1000, portions: 500 }] })
const menuOf = async (node, date) => made('/api/care/menus', { ...menuBody(node), ...(date ? { date } : {}) })
const inMenu = await menuOf(kangcheng, dateIn(5))
const outMenu = await menuOf(outCommunity, dateIn(5))
const inPutMenu = await menuOf(kangcheng)
const outPutMenu = await menuOf(outCommunity)
const inOrderMenu = await menuOf(kangcheng)
const mealBody = (menu, more = {}) => ({ menu_id: menu.id, mode: 'pickup', items: [{ item_id: menu.items[0].id, qty: 1 }], ...more })
const mealOf = async (who, menu) => check(await srv.post('/api/care/meals', mealBody(menu), { token: who.token }), 201)
const inMeal = await mealOf(sessions.resident, inMenu)
const outMeal = await mealOf(outResident, outMenu)
/** A fresh order of `who` on a fresh menu of `node`. */
const freshMeal = (who, node) => async () => mealOf(who, await menuOf(node))
const putMenuBody = (menu) => ({ pickup: true, delivery: false, note: fresh('矩阵改菜单'), items: menu.items.map(({ id, name, price_fen, portions }) => ({ id, name, price_fen, portions })) })

const consultBody = (more = {}) => ({ mode: 'online', topic: '权限矩阵问诊', ...more })
/** A fresh person in a new household of building `b` (as the admin). */
const personIn = async (b) => {
  const h = await made('/api/households', { building_id: b.id, unit: '8', floor: 8, room: fresh('8') })
  return made(`/api/households/${h.id}/persons`, { name: fresh('矩阵老人'), gender: 'M', relation: 'head' })
}
const inConsult = check(await srv.post('/api/care/consultations', consultBody({ mode: 'clinic' }), { token: sessions.elder.token }), 201)
const outConsult = await made('/api/care/consultations', consultBody({ person_id: outPerson.id }))
/** A fresh consultation of a fresh person of building `b`, asked by the admin. */
const freshConsult = (b) => async () => made('/api/care/consultations', consultBody({ person_id: (await personIn(b)).id }))
const NOT_DOCTORS_IN = CARE_STAFF_IN.filter((l) => l !== 'doctor2')
const homeBody = (more = {}) => ({ kind: 'repair', description: '权限矩阵：水管漏水', ...more })
const inService = await made('/api/care/home-services', homeBody({ person_id: elder.id }))
const outService = await made('/api/care/home-services', homeBody({ person_id: outPerson.id }))
/** The answer is the caller's own (their person's, placed or asked by them). */
const ownedBy = (key) => (body, caller) => {
  if (body[key] !== sessions[caller].account.id) return `${key} ${body[key]}, not ${caller}'s account: ${JSON.stringify(body)}`
}

Object.assign(RULES, {
  'POST /api/care/menus': {
    scopes: Object.fromEntries(
      [['inside', kangcheng, only(MANAGERS, 201, 404, { doctor2: 403 })], ['outside', outCommunity, only(['admin'], 201, 404)]].map(([scope, node, expect]) => [
        scope,
        {
          request: () => ({ method: 'POST', path: '/api/care/menus', json: menuBody(node) }),
          expect,
          verify: (body) => {
            if (body.community_id !== node.id || body.items.length !== 1 || body.items[0].left !== 500) return `not the menu published: ${JSON.stringify(body)}`
          },
        },
      ]),
    ),
  },
  'GET /api/care/menus': {
    scopes: {
      own: { request: get('/api/care/menus'), expect: only(RESIDENTS_IN, 200, 404), verify: listsCare(inMenu.id) },
      inside: { request: get(`/api/care/menus?community_id=${kangcheng.id}`), expect: only(MENU_READERS, 200, 404), verify: listsCare(inMenu.id) },
      outside: { request: get(`/api/care/menus?community_id=${outCommunity.id}`), expect: only(['admin'], 200, 404), verify: listsCare(outMenu.id) },
    },
  },
  'GET /api/care/menus/{id}': {
    scopes: {
      inside: { request: get(`/api/care/menus/${inMenu.id}`), expect: only(MENU_READERS, 200, 404) },
      outside: { request: get(`/api/care/menus/${outMenu.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  'PUT /api/care/menus/{id}': {
    scopes: Object.fromEntries(
      [['inside', inPutMenu, only(MANAGERS, 200, 404, { doctor2: 403 })], ['outside', outPutMenu, only(['admin'], 200, 404)]].map(([scope, menu, expect]) => [
        scope,
        {
          request: () => ({ method: 'PUT', path: `/api/care/menus/${menu.id}`, json: putMenuBody(menu) }),
          expect,
          verify: (body) => {
            if (body.id !== menu.id || body.delivery !== false || body.items[0].id !== menu.items[0].id) return `not the menu changed: ${JSON.stringify(body)}`
          },
        },
      ]),
    ),
  },
  'GET /api/care/menus/{id}/kitchen': {
    scopes: {
      inside: {
        request: get(`/api/care/menus/${inMenu.id}/kitchen`),
        expect: only(CARE_COMMUNITY, 200, 404),
        verify: (body) => {
          if (body.menu_id !== inMenu.id || body.orders < 1) return `not the menu's count: ${JSON.stringify(body)}`
        },
      },
      outside: { request: get(`/api/care/menus/${outMenu.id}/kitchen`), expect: only(['admin'], 200, 404) },
    },
  },
  'POST /api/care/meals': {
    scopes: {
      own: {
        request: () => ({ method: 'POST', path: '/api/care/meals', json: mealBody(inOrderMenu) }),
        expect: only(RESIDENTS_IN, 201, 403),
        verify: ownedBy('placed_by'),
      },
      // For the elder: a fresh menu each time (one order per person and menu).
      for: {
        request: async () => ({ method: 'POST', path: '/api/care/meals', json: mealBody(await menuOf(kangcheng), { person_id: elder.id }) }),
        expect: only([...CARE_STAFF_IN, 'elder'], 201, 404),
        verify: (body, caller) => {
          if (body.person_id !== elder.id || body.placed_by !== sessions[caller].account.id) return `not the elder's order placed by ${caller}: ${JSON.stringify(body)}`
        },
      },
      outside: { request: () => ({ method: 'POST', path: '/api/care/meals', json: mealBody(outMenu) }), expect: only(RESIDENTS_IN, 404, 403) },
    },
  },
  'GET /api/care/meals': {
    scopes: {
      own: {
        request: get('/api/care/meals'),
        expect: { '*': 200 },
        verify: (body, caller) => {
          if ((caller === 'resident') !== ids(body).includes(inMeal.id)) return `the resident's order ${inMeal.id} is ${caller === 'resident' ? 'not ' : ''}listed`
        },
      },
      inside: { request: get(`/api/care/meals?menu_id=${inMenu.id}`), expect: only(CARE_COMMUNITY, 200, 404), verify: listsCare(inMeal.id) },
      outside: { request: get(`/api/care/meals?menu_id=${outMenu.id}`), expect: only(['admin'], 200, 404), verify: listsCare(outMeal.id) },
    },
  },
  ...Object.fromEntries(
    [
      ['cancel', only([...CARE_COMMUNITY, 'resident'], 200, 404), 'cancelled'],
      ['serve', only(CARE_COMMUNITY, 200, 404), 'served'],
    ].map(([verb, insideExpect, status]) => [
      `POST /api/care/meals/{id}/${verb}`,
      {
        scopes: Object.fromEntries(
          [['inside', freshMeal(sessions.resident, kangcheng), insideExpect], ['outside', freshMeal(outResident, outCommunity), only(['admin'], 200, 404)]].map(
            ([scope, freshOne, expect]) => [
              scope,
              { request: async () => ({ method: 'POST', path: `/api/care/meals/${(await freshOne()).id}/${verb}`, json: {} }), expect, verify: statusIs(status) },
            ],
          ),
        ),
      },
    ]),
  ),

  'POST /api/care/consultations': {
    scopes: {
      own: { request: () => ({ method: 'POST', path: '/api/care/consultations', json: consultBody() }), expect: only(RESIDENTS_IN, 201, 403), verify: ownedBy('requested_by') },
      inside: {
        request: async () => ({ method: 'POST', path: '/api/care/consultations', json: consultBody({ person_id: (await personIn(building)).id }) }),
        expect: only(CARE_STAFF_IN, 201, 404),
        verify: ownedBy('requested_by'),
      },
      outside: {
        request: async () => ({ method: 'POST', path: '/api/care/consultations', json: consultBody({ person_id: (await personIn(outBuilding)).id }) }),
        expect: only(['admin'], 201, 404),
      },
    },
  },
  'GET /api/care/consultations': {
    scopes: {
      own: {
        request: get('/api/care/consultations'),
        expect: { '*': 200 },
        // The elder's own; and a doctor's every one at the places of their doctor role (doctor2 at 康城社区).
        verify: (body, caller) => {
          const seen = caller === 'elder' || caller === 'doctor2'
          if (seen !== ids(body).includes(inConsult.id)) return `the elder's consultation ${inConsult.id} is ${seen ? 'not ' : ''}listed`
        },
      },
      inside: { request: get(`/api/care/consultations?node_id=${building.id}`), expect: only(CARE_STAFF_IN, 200, 404), verify: listsCare(inConsult.id) },
      outside: { request: get(`/api/care/consultations?node_id=${outCommunity.id}`), expect: only(['admin'], 200, 404), verify: listsCare(outConsult.id) },
    },
  },
  'GET /api/care/consultations/{id}': {
    scopes: {
      inside: {
        request: get(`/api/care/consultations/${inConsult.id}`),
        expect: only([...CARE_STAFF_IN, 'elder'], 200, 404),
        verify: (body) => {
          if (body.topic !== null || body.revealed) return `not masked: ${JSON.stringify(body)}`
        },
      },
      reveal: {
        request: get(`/api/care/consultations/${inConsult.id}?reveal=true`),
        expect: only(['doctor2', 'elder'], 200, 404, Object.fromEntries(NOT_DOCTORS_IN.map((l) => [l, 403]))),
        verify: (body) => {
          if (body.topic !== '权限矩阵问诊' || !body.revealed) return `not revealed: ${JSON.stringify(body)}`
        },
      },
      outside: { request: get(`/api/care/consultations/${outConsult.id}`), expect: only(['admin'], 200, 404) },
    },
  },
  ...Object.fromEntries(
    [
      ['schedule', { scheduled_at: Date.now() + LOCAL_DAY }, only(['doctor2'], 200, 404, Object.fromEntries(NOT_DOCTORS_IN.map((l) => [l, 403]))), 'scheduled'],
      ['complete', { notes: '权限矩阵医嘱' }, only(['doctor2'], 200, 404, Object.fromEntries(NOT_DOCTORS_IN.map((l) => [l, 403]))), 'done'],
      // Asked by the admin: the admin cancels (whoever asked), so does the doctor; other care staff 403.
      ['cancel', { reason: '权限矩阵取消' }, only(['admin', 'doctor2'], 200, 404, Object.fromEntries(NOT_DOCTORS_IN.filter((l) => l !== 'admin').map((l) => [l, 403]))), 'cancelled'],
    ].map(([verb, json, insideExpect, status]) => [
      `POST /api/care/consultations/{id}/${verb}`,
      {
        scopes: Object.fromEntries(
          // Outside, no caller is a doctor over the person: the admin (care staff over it, and for `cancel` whoever asked) 403 or 200.
          [['inside', freshConsult(building), insideExpect], ['outside', freshConsult(outBuilding), only(['admin'], verb === 'cancel' ? 200 : 403, 404)]].map(
            ([scope, freshOne, expect]) => [
              scope,
              { request: async () => ({ method: 'POST', path: `/api/care/consultations/${(await freshOne()).id}/${verb}`, json }), expect, verify: statusIs(status) },
            ],
          ),
        ),
      },
    ]),
  ),

  'POST /api/care/home-services': {
    scopes: {
      own: { request: () => ({ method: 'POST', path: '/api/care/home-services', json: homeBody() }), expect: only(RESIDENTS_IN, 201, 403), verify: ownedBy('requested_by') },
      inside: {
        request: () => ({ method: 'POST', path: '/api/care/home-services', json: homeBody({ person_id: elder.id }) }),
        expect: only([...CARE_STAFF_IN, 'elder'], 201, 404),
        verify: (body, caller) => {
          if (body.person_id !== elder.id || body.requested_by !== sessions[caller].account.id || !body.order_id) return `not the elder's home service: ${JSON.stringify(body)}`
        },
      },
      outside: { request: () => ({ method: 'POST', path: '/api/care/home-services', json: homeBody({ person_id: outPerson.id }) }), expect: only(['admin'], 201, 404) },
    },
  },
  'GET /api/care/home-services': {
    scopes: {
      own: { request: get('/api/care/home-services'), expect: { '*': 200 } },
      inside: { request: get(`/api/care/home-services?person_id=${elder.id}`), expect: only([...CARE_STAFF_IN, 'elder'], 200, 404), verify: listsCare(inService.id) },
      outside: { request: get(`/api/care/home-services?person_id=${outPerson.id}`), expect: only(['admin'], 200, 404), verify: listsCare(outService.id) },
      // By its work order: the home service for care staff over its elder, nothing for anyone else.
      order: {
        request: get(`/api/care/home-services?order_id=${inService.order_id}`),
        expect: { '*': 200 },
        verify: (body, caller) => {
          const want = CARE_STAFF_IN.includes(caller) ? [inService.id] : []
          if (JSON.stringify(ids(body)) !== JSON.stringify(want)) return `listed ${JSON.stringify(ids(body))}, not ${JSON.stringify(want)}`
        },
      },
    },
  },
})

// Running the matrix

const CODES = { 400: 'bad_request', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 422: 'invalid_input' }

/** The expected status of a caller in a scope of a rule. */
function expected(rule, scope, caller) {
  const e = scope.expect
  if (caller === 'none') return rule.public ? e.none : 401
  return caller in e ? e[caller] : e['*']
}

/** Sends one request of the matrix; resolves the Reply (the stream is opened and closed at once). */
async function send(req, caller) {
  const token = caller === 'none' ? undefined : sessions[caller].token
  if (req.stream) {
    const s = await srv.events({ token })
    if (s.close) s.close()
    return s.reply
  }
  return srv.request(req.method, req.path, { token, json: req.json, body: req.body, headers: req.headers })
}

/** Runs a rule over every caller and scope; resolves { problems, rows } (rows: the statuses got). */
async function runRule(key, rule) {
  const problems = []
  const rows = []
  for (const caller of CALLERS) {
    const cells = []
    for (const [name, scope] of Object.entries(rule.scopes)) {
      const want = expected(rule, scope, caller)
      const req = await scope.request(caller)
      const label = `${caller} ${name}: ${req.method} ${req.path}`
      let res
      try {
        res = await send(req, caller)
      } catch (e) {
        problems.push(`${label}: no answer (${e.message})`)
        cells.push(`${name}=?`)
        continue
      }
      cells.push(`${name}=${res.status}`)
      const fits = want === OK ? res.status < 400 : res.status === want
      if (!fits) {
        problems.push(`${label}: expected ${want}, got ${res.status} ${res.buf.toString('utf8').slice(0, 160)}`)
        continue
      }
      try {
        if (res.status >= 400) checkError(res, res.status, CODES[res.status])
        else {
          const body = check(res, res.status)
          const wrong = scope.verify && (await scope.verify(body, caller, res))
          if (wrong) problems.push(`${label}: ${wrong}`)
        }
      } catch (e) {
        problems.push(`${label}: ${e.message.split('\n')[0]}`)
      }
    }
    rows.push(`${caller.padEnd(10)} ${cells.join(' ')}`)
  }
  return { problems, rows }
}

const cells = (key) => CALLERS.length * Object.keys(RULES[key]?.scopes || {}).length

test('every route has a rule, and every rule a route; the demo accounts are the callers the rules name', (t) => {
  const covered = ROUTES.filter((r) => RULES[r])
  const total = covered.reduce((n, r) => n + cells(r), 0)
  t.diagnostic(`matrix: ${covered.length} routes × ${CALLERS.length} callers (${LOGINS.length} demo accounts + no session) × their scopes = ${total} cells`)
  const problems = []
  for (const r of ROUTES) if (!RULES[r]) problems.push(`${r}: a route without a rule (add one to RULES)`)
  for (const k of Object.keys(RULES)) if (!ROUTES.includes(k)) problems.push(`${k}: a rule without a route in \`mashang routes --json\``)
  const demo = srv.accounts.map((a) => a.login).sort()
  if (JSON.stringify(demo) !== JSON.stringify([...LOGINS].sort()))
    problems.push(`the demo accounts are ${demo.join(', ')}, the rules are written for ${[...LOGINS].sort().join(', ')}`)
  for (const [key, rule] of Object.entries(RULES)) {
    if (!rule.scopes || !Object.keys(rule.scopes).length) problems.push(`${key}: no scopes`)
    for (const [name, s] of Object.entries(rule.scopes || {})) {
      if (!('*' in s.expect)) problems.push(`${key} ${name}: no '*' entry`)
      for (const k of Object.keys(s.expect))
        if (k !== '*' && k !== 'none' && !LOGINS.includes(k)) problems.push(`${key} ${name}: unknown caller ${k}`)
      if (!rule.public && 'none' in s.expect) problems.push(`${key} ${name}: a route that needs a session answers 401 without one`)
    }
  }
  assert.deepEqual(problems, [], problems.join('\n'))
})

// The route table's order, except logout last: it ends the sessions every other row uses.
const ORDER = [...ROUTES.filter((r) => r !== 'POST /api/auth/logout'), ...ROUTES.filter((r) => r === 'POST /api/auth/logout')]
for (const key of ORDER) {
  if (!RULES[key]) continue // reported by the first test
  test(`${key}: ${CALLERS.length} callers × ${Object.keys(RULES[key].scopes).join('/')}`, async (t) => {
    const { problems, rows } = await runRule(key, RULES[key])
    for (const row of rows) t.diagnostic(row)
    assert.deepEqual(problems, [], `${problems.length} of ${cells(key)} cells disagree:\n${problems.join('\n')}`)
  })
}

endsCleanly(srv)
