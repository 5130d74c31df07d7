// Accounts: create, read, list with paging, and who may do which.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'

import { check, checkError, endsCleanly, startServer } from './harness.mjs'

const srv = await startServer()
const admin = await srv.loginAs('admin')
const resident = await srv.loginAs('resident')

const create = (body, token = admin.token) => srv.post('/api/accounts', body, { token })

describe('create', () => {
  test('answers 201 with the account, readable at /api/accounts/{id}', async () => {
    const t0 = Date.now()
    const res = await create({
      username: 'li.lei',
      phone: '13900001111',
      display_name: '李雷',
      password: 'a-good-password',
      roles: [{ role: 'grid_worker', scope: srv.account('grid').scope }, { role: 'resident' }],
    })
    const a = check(res, 201, 'Account')
    assert.equal(a.username, 'li.lei')
    assert.equal(a.phone, '139****1111')
    assert.equal(a.display_name, '李雷')
    assert.equal(a.status, 'active')
    const roles = a.roles.map((g) => `${g.role}@${g.scope}`).sort()
    assert.deepEqual(roles, [`grid_worker@${srv.account('grid').scope}`, 'resident@/'], 'grants as given, scope defaults to /')
    assert.ok(a.created_at >= t0 - 5000 && a.created_at <= Date.now() + 5000, `created_at ${a.created_at} is not now`)
    if (res.header('location')) assert.equal(res.header('location'), `/api/accounts/${a.id}`)
    const got = check(await srv.get(`/api/accounts/${a.id}`, { token: admin.token }), 200, 'Account')
    assert.deepEqual(got, a)
    // and the new account can sign in with its password
    const s = check(await srv.post('/api/auth/login', { login: 'li.lei', password: 'a-good-password' }), 200)
    assert.equal(s.account.id, a.id)
  })

  test('a grant whose scope names no territory node answers 422 (field roles)', async () => {
    for (const scope of ['/999999', '/1/2', '/2/']) {
      const r = await create({ username: `no.node${scope.length}x${scope.replace(/\W/g, '')}`, display_name: 'X', password: 'a-good-password', roles: [{ role: 'grid_worker', scope }] })
      checkError(r, 422, 'invalid_input', { field: 'roles' })
    }
  })

  test('staff create accounts with the roles below theirs, within their own scope only', async () => {
    const street = await srv.loginAs('street')
    const community = await srv.loginAs('community')
    const streetScope = srv.account('street').scope
    const communityScope = srv.account('community').scope
    const gridScope = srv.account('grid').scope
    const body = (username, roles) => ({ username, display_name: username, password: 'a-good-password', roles })
    // street staff: community staff and below, inside the street
    const a = check(await create(body('by.street', [{ role: 'community_staff', scope: communityScope }]), street.token), 201, 'Account')
    check(await create(body('by.street2', [{ role: 'grid_worker', scope: gridScope }]), street.token), 201, 'Account')
    checkError(await create(body('by.street3', [{ role: 'district_admin', scope: streetScope }]), street.token), 403, 'forbidden')
    checkError(await create(body('by.street4', [{ role: 'street_staff', scope: streetScope }]), street.token), 403, 'forbidden')
    checkError(await create(body('by.street5', [{ role: 'grid_worker', scope: '/' }]), street.token), 403, 'forbidden')
    checkError(await create(body('by.street6', []), street.token), 422, 'invalid_input', { field: 'roles' })
    // the street staff reads the account it made; community staff (not its granter) do not
    check(await srv.get(`/api/accounts/${a.id}`, { token: street.token }), 200, 'Account')
    checkError(await srv.get(`/api/accounts/${a.id}`, { token: community.token }), 403, 'forbidden')
    // community staff: grid workers and below, inside the community
    check(await create(body('by.community', [{ role: 'grid_worker', scope: gridScope }]), community.token), 201, 'Account')
    checkError(await create(body('by.community2', [{ role: 'community_staff', scope: communityScope }]), community.token), 403, 'forbidden')
    checkError(await create(body('by.community3', [{ role: 'resident', scope: streetScope }]), community.token), 403, 'forbidden')
    // nobody else creates accounts (or lists them: see 'staff list accounts')
    checkError(await create(body('by.grid', [{ role: 'resident', scope: gridScope }]), (await srv.loginAs('grid')).token), 403, 'forbidden')
  })

  test('with only a phone number: username is null', async () => {
    const a = check(await create({ phone: '13900002222', display_name: '韩梅梅', password: 'a-good-password' }), 201, 'Account')
    assert.equal(a.username, null)
    assert.equal(a.phone, '139****2222')
    assert.deepEqual(a.roles, [])
  })

  test('a taken username answers 409', async () => {
    check(await create({ username: 'dup_user', display_name: 'A', password: 'a-good-password' }), 201)
    checkError(await create({ username: 'dup_user', display_name: 'B', password: 'a-good-password' }), 409, 'conflict')
    checkError(await create({ username: 'admin', display_name: 'C', password: 'a-good-password' }), 409, 'conflict')
  })

  test('a taken phone number answers 409', async () => {
    check(await create({ username: 'phone_a', phone: '13900003333', display_name: 'A', password: 'a-good-password' }), 201)
    checkError(
      await create({ username: 'phone_b', phone: '13900003333', display_name: 'B', password: 'a-good-password' }),
      409,
      'conflict',
    )
    // the failed create left nothing behind: phone_b is still free
    check(await create({ username: 'phone_b', display_name: 'B', password: 'a-good-password' }), 201)
  })

  const ok = { username: 'valid_name', display_name: 'Valid', password: 'a-good-password' }
  const cases = [
    ['display_name missing', { username: 'x_a1', password: 'a-good-password' }, 'display_name'],
    ['display_name empty', { ...ok, username: 'x_a2', display_name: '' }, 'display_name'],
    ['display_name not a string', { ...ok, username: 'x_a3', display_name: 42 }, 'display_name'],
    ['password missing', { username: 'x_a4', display_name: 'X' }, 'password'],
    ['password not a string', { ...ok, username: 'x_a5', password: ['a-good-password'] }, 'password'],
    ['username not a string', { ...ok, username: 12345 }, 'username'],
    ['phone not a phone number', { ...ok, username: 'x_a6', phone: 'call me' }, 'phone'],
    ['roles not an array', { ...ok, username: 'x_a7', roles: 'resident' }, /^roles/],
    ['unknown role', { ...ok, username: 'x_a8', roles: [{ role: 'emperor', scope: '/' }] }, /^roles/],
    ['scope not a territory path', { ...ok, username: 'x_a9', roles: [{ role: 'resident', scope: 'everywhere' }] }, /^roles/],
    ['neither username nor phone', { display_name: 'X', password: 'a-good-password' }, /^(username|phone)$/],
    ['password shorter than 8 bytes', { ...ok, username: 'x_b1', password: 'short' }, 'password'],
    ['password longer than 128 bytes', { ...ok, username: 'x_b2', password: 'p'.repeat(129) }, 'password'],
    ['display_name longer than 64 bytes', { ...ok, username: 'x_b3', display_name: '长'.repeat(22) }, 'display_name'],
    ['username with upper case and spaces', { ...ok, username: 'Bad Name' }, 'username'],
    ['username too short', { ...ok, username: 'ab' }, 'username'],
  ]
  for (const [name, body, field] of cases) {
    test(`${name} answers 422 naming the field`, async () => {
      const e = checkError(await create(body), 422, 'invalid_input')
      if (field instanceof RegExp) assert.match(e.field ?? '', field, JSON.stringify(e))
      else assert.equal(e.field, field, JSON.stringify(e))
    })
  }

  test('a body that is JSON but not an object answers 422', async () => {
    checkError(await srv.request('POST', '/api/accounts', { token: admin.token, json: [ok] }), 422, 'invalid_input')
  })

  test('limits are inclusive: 8-byte password, 64-byte display name, 32-character username', async () => {
    const a = check(
      await create({ username: `u${'x'.repeat(31)}`, display_name: '长'.repeat(21) + 'a', password: '12345678' }),
      201,
      'Account',
    )
    assert.equal(a.display_name, '长'.repeat(21) + 'a')
  })

  test('racing creates of one username: exactly one wins, the others answer 409', async () => {
    const body = { username: 'race_user', display_name: 'Race', password: 'a-good-password' }
    const replies = await Promise.all(Array.from({ length: 8 }, () => create(body)))
    const statuses = replies.map((r) => r.status).sort()
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409], `statuses ${statuses}`)
    for (const r of replies) check(r, r.status)
  })

  test('invalid input creates nothing', async () => {
    checkError(await create({ ...ok, roles: [{ role: 'emperor' }] }), 422, 'invalid_input')
    check(await create(ok), 201) // valid_name was still free
  })
})

describe('permissions', () => {
  test('a resident cannot list accounts', async () => {
    checkError(await srv.get('/api/accounts', { token: resident.token }), 403, 'forbidden')
  })

  test('a resident cannot create accounts', async () => {
    checkError(
      await create({ username: 'by_resident', display_name: 'X', password: 'a-good-password' }, resident.token),
      403,
      'forbidden',
    )
    checkError(await srv.post('/api/auth/login', { login: 'by_resident', password: 'a-good-password' }), 401, 'unauthenticated')
  })

  test('a resident reads its own account but not another one', async () => {
    const own = check(await srv.get(`/api/accounts/${resident.account.id}`, { token: resident.token }), 200, 'Account')
    assert.deepEqual(own, resident.account)
    checkError(await srv.get(`/api/accounts/${admin.account.id}`, { token: resident.token }), 403, 'forbidden')
  })

  test('without a session: 401 on every accounts route', async () => {
    checkError(await srv.get('/api/accounts'), 401, 'unauthenticated')
    checkError(await srv.get('/api/accounts/1'), 401, 'unauthenticated')
    checkError(await srv.post('/api/accounts', ok2()), 401, 'unauthenticated')
  })
})

function ok2() {
  return { username: 'anon_try', display_name: 'X', password: 'a-good-password' }
}

describe('staff list accounts', () => {
  const listAll = async (token) => {
    const out = []
    let after = 0
    for (let pages = 0; pages < 100; pages++) {
      const p = check(await srv.get(`/api/accounts?limit=200&after=${after}`, { token }), 200, 'AccountList')
      out.push(...p.items)
      if (p.next_after === null) return out
      after = p.next_after
    }
    assert.fail('more than 100 pages')
  }
  const body = (username, roles) => ({ username, display_name: username, password: 'a-good-password', roles })

  test('street staff: their own account and those holding a grant they could have given, within the street', async () => {
    const street = await srv.loginAs('street')
    const a = check(await create(body('list.street.a', [{ role: 'volunteer', scope: srv.account('community').scope }])), 201, 'Account')
    const b = check(await create(body('list.street.b', [{ role: 'street_staff', scope: srv.account('street').scope }])), 201, 'Account')
    const got = (await listAll(street.token)).map((x) => x.id)
    assert.deepEqual(got, [...got].sort((x, y) => x - y), 'not ordered by id')
    const ids = Object.fromEntries(await Promise.all(['admin', 'street', 'community', 'grid', 'mediator', 'inspector', 'resident', 'doctor'].map(async (l) => [l, (await srv.loginAs(l)).account.id])))
    for (const l of ['street', 'community', 'grid', 'mediator']) assert.ok(got.includes(ids[l]), `${l} is not listed`)
    for (const l of ['admin', 'inspector', 'resident', 'doctor']) assert.ok(!got.includes(ids[l]), `${l} is listed`)
    assert.ok(got.includes(a.id), 'an account with a grant in the street is not listed')
    assert.ok(!got.includes(b.id), 'another street staff of the street is listed (it could not have granted that)')
    // every one listed is readable one by one
    for (const x of (await listAll(street.token)).slice(0, 5)) check(await srv.get(`/api/accounts/${x.id}`, { token: street.token }), 200, 'Account')
  })

  test('community staff: their community only, not the street roles', async () => {
    const community = await srv.loginAs('community')
    const got = (await listAll(community.token)).map((x) => x.id)
    const ids = Object.fromEntries(await Promise.all(['admin', 'street', 'community', 'grid', 'steward', 'elder', 'mediator', 'doctor'].map(async (l) => [l, (await srv.loginAs(l)).account.id])))
    for (const l of ['community', 'grid', 'steward', 'elder']) assert.ok(got.includes(ids[l]), `${l} is not listed`)
    for (const l of ['admin', 'street', 'mediator', 'doctor']) assert.ok(!got.includes(ids[l]), `${l} is listed`)
  })

  test('other roles answer 403', async () => {
    for (const l of ['grid', 'steward', 'mediator', 'inspector', 'doctor']) checkError(await srv.get('/api/accounts', { token: (await srv.loginAs(l)).token }), 403, 'forbidden')
  })

  test('paging a staff list: small pages find what one large page finds, past accounts it may not see', async () => {
    const nodes = check(await srv.get(`/api/nodes?parent=${srv.account('street').scope.split('/').pop()}&limit=200`, { token: admin.token }), 200, 'NodeList').items
    const other = nodes.find((n) => n.path !== srv.account('community').scope)
    assert.ok(other, 'no second community in the street')
    const staff = check(await create(body('list.paging.staff', [{ role: 'community_staff', scope: other.path }])), 201, 'Account')
    for (let i = 0; i < 3; i++) check(await create(body(`list.paging.hidden${i}`, [{ role: 'community_staff', scope: other.path }])), 201, 'Account')
    const seen = check(await create(body('list.paging.seen', [{ role: 'resident', scope: other.path }])), 201, 'Account')
    const s = await srv.login('list.paging.staff', 'a-good-password')
    const whole = (await listAll(s.token)).map((x) => x.id)
    assert.ok(whole.includes(staff.id) && whole.includes(seen.id), JSON.stringify(whole))
    const paged = []
    let after = 0
    for (let pages = 0; pages < 100; pages++) {
      const p = check(await srv.get(`/api/accounts?limit=1&after=${after}`, { token: s.token }), 200, 'AccountList')
      paged.push(...p.items.map((x) => x.id))
      if (p.next_after === null) break
      after = p.next_after
    }
    assert.deepEqual(paged, whole)
  })
})

describe('read', () => {
  test('an unknown id answers 404', async () => {
    checkError(await srv.get('/api/accounts/999999', { token: admin.token }), 404, 'not_found', { ref: 'NotFound' })
    checkError(await srv.get('/api/accounts/not-a-number', { token: admin.token }), 404, 'not_found')
    checkError(await srv.get('/api/accounts/0', { token: admin.token }), 404, 'not_found')
  })

  test('no account answers its phone number unmasked', async () => {
    const list = check(await srv.get('/api/accounts?limit=200', { token: admin.token }), 200, 'AccountList')
    for (const a of list.items) if (a.phone !== null) assert.match(a.phone, /^\d{3}\*{4}\d{4}$/)
  })
})

describe('list and paging', () => {
  before(async () => {
    // enough accounts for more than the default page of 50
    const batch = []
    for (let i = 0; i < 55; i++)
      batch.push({ username: `page_user${String(i).padStart(2, '0')}`, display_name: `Page ${i}`, password: 'a-good-password' })
    for (let i = 0; i < batch.length; i += 8)
      await Promise.all(batch.slice(i, i + 8).map(async (b) => check(await create(b), 201)))
  })

  test('pages of `limit` ordered by id cover every account exactly once', async () => {
    const all = check(await srv.get('/api/accounts?limit=200', { token: admin.token }), 200, 'AccountList')
    assert.equal(all.next_after, null, 'one page of 200 holds them all')
    const ids = all.items.map((a) => a.id)
    assert.ok(ids.length >= 57, `only ${ids.length} accounts listed`)
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'not ordered by id')
    assert.equal(new Set(ids).size, ids.length, 'duplicates')

    const paged = []
    let after = 0
    for (let pages = 0; pages < 100; pages++) {
      const p = check(await srv.get(`/api/accounts?limit=7&after=${after}`, { token: admin.token }), 200, 'AccountList')
      assert.ok(p.items.length <= 7)
      paged.push(...p.items.map((a) => a.id))
      if (p.next_after === null) break
      assert.equal(p.items.length, 7, 'a page before the last one is not full')
      assert.equal(p.next_after, p.items.at(-1).id, 'next_after is not the last id of the page')
      after = p.next_after
    }
    assert.deepEqual(paged, ids)
  })

  test('the default page holds 50', async () => {
    const p = check(await srv.get('/api/accounts', { token: admin.token }), 200, 'AccountList')
    assert.equal(p.items.length, 50)
    assert.equal(p.next_after, p.items[49].id)
  })

  test('after the last id: an empty page and next_after null', async () => {
    const p = check(await srv.get('/api/accounts?after=999999', { token: admin.token }), 200, 'AccountList')
    assert.deepEqual(p, { items: [], next_after: null })
  })

  test('after skips the ids up to and including it', async () => {
    const p = check(await srv.get('/api/accounts?limit=3&after=2', { token: admin.token }), 200, 'AccountList')
    assert.ok(p.items.length > 0)
    for (const a of p.items) assert.ok(a.id > 2)
  })

  for (const [q, field] of [
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=-1', 'limit'],
    ['after=-5', 'after'],
  ]) {
    test(`${q} answers 422 naming ${field}`, async () => {
      checkError(await srv.get(`/api/accounts?${q}`, { token: admin.token }), 422, 'invalid_input', { field })
    })
  }

  test('a limit that is not a number is refused (400 or 422)', async () => {
    const res = await srv.get('/api/accounts?limit=many', { token: admin.token })
    assert.ok([400, 422].includes(res.status), `${res}`)
    check(res, res.status)
  })

  test('a malformed query string answers 400', async () => {
    checkError(await srv.get('/api/accounts?limit=%zz', { token: admin.token }), 400, 'bad_request')
  })
})

endsCleanly(srv)
