// Printing codes (docs/reference/codes.md, "Printing"): door plates of the households under a
// node (2 × 4 per A4 page) and sticker sheets of its places (4 × 6), written by a background
// job; every plate of the PDF decoded with pdftoppm + zbarimg and compared with the active
// codes; progress and end as live events to the job's owner; cancelling (a queued and a
// running job), 409 for a finished job's cancel and an unfinished job's file; who may print;
// a restart marks a job left running as failed.
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'

import { assertSchema, check, checkError, startServer, waitFor } from './harness.mjs'
import { allPages, pdfCodes } from './codes-helpers.mjs'

const BASE = 'https://ma.example.test'
const srv = await startServer({ config: { server: { public_base_url: BASE } } })
let restarted = null // the second instance of the restart test, on the same database

const [admin, community, grid, steward, resident] = await Promise.all(
  ['admin', 'community', 'grid', 'steward', 'resident'].map((l) => srv.loginAs(l)),
)

let seq = 0
const fresh = (base) => `${base}${++seq}`
const lastId = (path) => Number(path.split('/').pop())
const asAdmin = async (path) => check(await srv.get(path, { token: admin.token }), 200)
const made = async (path, json, token = admin.token) => check(await srv.post(path, json, { token }), 201)

const building1 = await asAdmin(`/api/nodes/${lastId(srv.account('steward').scope)}`)
const compound = await asAdmin(`/api/nodes/${building1.parent_id}`)
const gridNode = await asAdmin(`/api/nodes/${lastId(srv.account('grid').scope)}`)
const streetA = await asAdmin(`/api/nodes/${lastId(srv.account('street').scope)}`)
const ningxin = (await asAdmin(`/api/nodes?parent=${streetA.id}&limit=200`)).items.find((n) => n.name === '宁馨社区')
assert.equal(compound.name, '康城小区')

const outsider = await (async () => {
  const username = fresh('prints.outsider')
  await made('/api/accounts', { username, display_name: username, password: 'a-good-password', roles: [{ role: 'grid_worker', scope: ningxin.path }] })
  return srv.login(username, 'a-good-password')
})()

const start = (json, token = community.token) => srv.post('/api/code-prints', json, { token })
const job = async (id, token = community.token) => check(await srv.get(`/api/code-prints/${id}`, { token }), 200, 'PrintJob')
/** Polls a job until it has ended (done, failed or cancelled). */
const ended = (id, token = community.token, ms = 90000) =>
  waitFor(async () => {
    const j = await job(id, token)
    return ['done', 'failed', 'cancelled'].includes(j.status) ? j : null
  }, { ms, every: 100, what: `print job ${id} to end` })
const pdfOf = async (id, token = community.token) => {
  const res = await srv.get(`/api/code-prints/${id}/file`, { token })
  check(res, 200)
  assert.equal(res.header('content-type'), 'application/pdf')
  assert.equal(res.buf.subarray(0, 5).toString('latin1'), '%PDF-')
  assert.match(res.header('content-disposition') || '', /^attachment/)
  return res.buf
}
const activeCodes = async (node, kind) =>
  allPages(srv, `/api/codes?node=${node.id}${kind ? `&kind=${kind}` : ''}`, community.token, (r) => check(r, 200, 'CodeList'))
const households = async (node) => allPages(srv, `/api/households?node=${node.id}`, admin.token, (r) => check(r, 200))

/** A fresh compound under the demo grid with one building of `n` households (made in parallel). */
async function bigBuilding(n) {
  const c = await made('/api/nodes', { parent_id: gridNode.id, kind: 'compound', name: fresh('印刷小区') })
  const b = await made('/api/nodes', { parent_id: c.id, kind: 'building', name: fresh('印刷楼') })
  let next = 0
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        const i = next++
        await made('/api/households', { building_id: b.id, unit: String((i % 4) + 1), floor: Math.floor(i / 8) + 1, room: String(1000 + i) })
      }
    }),
  )
  return { compound: c, building: b }
}

describe('door plates', () => {
  test('康城小区: one plate per household with its active code, 8 per page; progress and end as events to the owner', async () => {
    // Every door of 康城小区 must come out with its active code: one the test issues now, one
    // the test revokes now (its door gets a new code), and whatever the demo issued.
    const homes = await households(compound)
    assert.ok(homes.length >= 20, `${homes.length} households in 康城小区`)
    const issued = async (h) => {
      const r = await srv.post('/api/codes', { kind: 'household', target_id: h.id }, { token: grid.token })
      return check(r, r.status === 201 ? 201 : 200, 'Code')
    }
    const kept = await issued(homes[0])
    const retired = await issued(homes[1])
    check(await srv.post(`/api/codes/${retired.token}/revoke`, { reason: '旧门牌作废' }, { token: grid.token }), 200, 'Code')

    const owner = await srv.events({ token: community.token })
    const other = await srv.events({ token: grid.token })
    let j
    try {
      const res = await start({ node_id: compound.id, layout: 'door_plate' })
      j = check(res, 202, 'PrintJob')
      assert.deepEqual([j.node_id, j.layout, j.status, j.error], [compound.id, 'door_plate', 'queued', ''])
      j = await ended(j.id)
      assert.equal(j.status, 'done', JSON.stringify(j))
      assert.deepEqual([j.total, j.done, j.pages, j.error], [homes.length, homes.length, Math.ceil(homes.length / 8), ''])
      const fin = await owner.nextEvent('code.print_finished', (d) => d.payload?.job_id === j.id, { ms: 10000 })
      assertSchema(fin.data, 'Event', 'code.print_finished')
      assert.deepEqual(fin.data.payload, { job_id: j.id, status: 'done', pages: j.pages })
      assert.equal(fin.data.subject, `print:${j.id}`)
      const progress = owner.events.filter((e) => e.event === 'code.print_progress' && e.data?.payload?.job_id === j.id)
      assert.ok(progress.length >= 1, 'no code.print_progress event')
      for (const e of progress) assertSchema(e.data, 'Event', 'code.print_progress')
      assert.ok(progress.every((e) => e.data.payload.total === homes.length && e.data.payload.done <= homes.length))
      // Addressed to the owner: another account in scope sees neither.
      await new Promise((r) => setTimeout(r, 300))
      assert.ok(!other.events.some((e) => e.event.startsWith('code.print_') && e.data?.payload?.job_id === j.id),
        'the grid worker saw the community staff\'s print events')
    } finally {
      owner.close()
      other.close()
    }
    const doors = await activeCodes(compound, 'household')
    assert.equal(doors.length, homes.length, 'not every household has an active code after printing')
    assert.deepEqual(new Set(doors.map((c) => c.target_id)), new Set(homes.map((h) => h.id)))
    assert.ok(!doors.some((c) => c.token === retired.token), 'the revoked code is active again')
    const sheet = await pdfCodes(await pdfOf(j.id), { cols: 2, rows: 4 })
    assert.equal(sheet.pages, j.pages)
    sheet.perPage.forEach((found, i) =>
      assert.equal(found.length, Math.min(8, homes.length - 8 * i), `page ${i + 1}: ${found.length} codes`))
    assert.deepEqual([...sheet.all].sort(), doors.map((c) => c.url).sort(), 'the printed codes are not the active codes of the doors')
    assert.ok(!sheet.all.has(retired.url), 'the revoked code was printed')
    assert.ok(sheet.all.has(kept.url), 'a door\'s active code was replaced by printing')
  })

  test('limit: at most that many plates', async () => {
    let j = check(await start({ node_id: compound.id, layout: 'door_plate', limit: 3 }), 202, 'PrintJob')
    j = await ended(j.id)
    assert.deepEqual([j.status, j.total, j.done, j.pages], ['done', 3, 3, 1])
    const sheet = await pdfCodes(await pdfOf(j.id), { cols: 2, rows: 4 })
    assert.equal(sheet.pages, 1)
    assert.equal(sheet.all.size, 3)
    const doors = new Set((await activeCodes(compound, 'household')).map((c) => c.url))
    for (const u of sheet.all) assert.ok(doors.has(u), `${u} is not an active door code`)
  })
})

describe('sticker sheets', () => {
  test('the places under a node, 24 per page, each with its active code', async () => {
    const c = await made('/api/nodes', { parent_id: gridNode.id, kind: 'compound', name: fresh('贴纸小区') })
    const b = await made('/api/nodes', { parent_id: c.id, kind: 'building', name: fresh('贴纸楼') })
    const kinds = ['stall', 'facility', 'function_room', 'checkpoint']
    const places = []
    for (let i = 0; i < 26; i++)
      places.push(await made('/api/places', { node_id: i % 2 ? c.id : b.id, kind: kinds[i % 4], name: fresh('贴纸点位'), operator: `经营者${i}` }, community.token))
    // One code issued before, one revoked before (its place gets a new one).
    const before = check(await srv.post('/api/codes', { kind: places[0].kind, target_id: places[0].id }, { token: grid.token }), 201, 'Code')
    const old = check(await srv.post('/api/codes', { kind: places[1].kind, target_id: places[1].id }, { token: grid.token }), 201, 'Code')
    check(await srv.post(`/api/codes/${old.token}/revoke`, { reason: '贴纸丢失作废' }, { token: grid.token }), 200, 'Code')
    let j = check(await start({ node_id: c.id, layout: 'sticker' }, grid.token), 202, 'PrintJob')
    j = await ended(j.id, grid.token)
    assert.deepEqual([j.status, j.layout, j.total, j.done, j.pages], ['done', 'sticker', 26, 26, 2])
    const codes = (await activeCodes(c)).filter((x) => kinds.includes(x.kind))
    assert.equal(codes.length, 26, 'not every place has an active code after printing')
    assert.ok(codes.some((x) => x.token === before.token), 'the code issued before printing was replaced')
    const sheet = await pdfCodes(await pdfOf(j.id, grid.token), { cols: 4, rows: 6 })
    assert.equal(sheet.pages, 2)
    assert.deepEqual(sheet.perPage.map((p) => p.length), [24, 2])
    assert.deepEqual([...sheet.all].sort(), codes.map((x) => x.url).sort())
    assert.ok(!sheet.all.has(old.url))
  })
})

describe('jobs: cancel, files, owners', () => {
  let big
  test('an unfinished job\'s file 409; a queued and a running job cancel; a finished job\'s cancel 409; partial files removed', async () => {
    big = await bigBuilding(480)
    let left = []
    const owner = await srv.events({ token: community.token })
    try {
      const running = check(await start({ node_id: big.compound.id, layout: 'door_plate' }), 202, 'PrintJob')
      checkError(await srv.get(`/api/code-prints/${running.id}/file`, { token: community.token }), 409, 'conflict')
      // A second job waits behind it (one worker): cancelled while queued.
      const queued = check(await start({ node_id: building1.id, layout: 'door_plate' }), 202, 'PrintJob')
      const q = await job(queued.id)
      assert.ok(['queued', 'running'].includes(q.status), `the second job is ${q.status} already`)
      const qc = check(await srv.post(`/api/code-prints/${queued.id}/cancel`, undefined, { token: community.token }), 200, 'PrintJob')
      assert.equal(qc.status, 'cancelled')
      checkError(await srv.post(`/api/code-prints/${queued.id}/cancel`, undefined, { token: community.token }), 409, 'conflict')
      checkError(await srv.get(`/api/code-prints/${queued.id}/file`, { token: community.token }), 409, 'conflict')
      // The first, once it is writing: cancelled mid-way.
      await waitFor(async () => (await job(running.id)).status === 'running', { ms: 30000, every: 20, what: 'the big job to run' })
      const rc = check(await srv.post(`/api/code-prints/${running.id}/cancel`, undefined, { token: community.token }), 200, 'PrintJob')
      assert.equal(rc.status, 'cancelled')
      const fin = await owner.nextEvent('code.print_finished', (d) => d.payload?.job_id === running.id, { ms: 30000 })
      assertSchema(fin.data, 'Event', 'code.print_finished')
      assert.equal(fin.data.payload.status, 'cancelled')
      // It stays cancelled, the queued one never ran, and no partial file is left.
      await new Promise((r) => setTimeout(r, 500))
      assert.equal((await job(running.id)).status, 'cancelled')
      assert.equal((await job(queued.id)).status, 'cancelled')
      checkError(await srv.get(`/api/code-prints/${running.id}/file`, { token: community.token }), 409, 'conflict')
      const dir = join(srv.dir, 'prints')
      left = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${running.id}.`) || f.startsWith(`${queued.id}.`)) : []
    } finally {
      owner.close()
    }
    // A finished job: cancel 409.
    const done = await ended(check(await start({ node_id: building1.id, layout: 'door_plate' }), 202, 'PrintJob').id)
    assert.equal(done.status, 'done')
    checkError(await srv.post(`/api/code-prints/${done.id}/cancel`, undefined, { token: community.token }), 409, 'conflict')
    await pdfOf(done.id)
    assert.deepEqual(left, [], 'a cancelled job left its file behind (codes.md: a failed or cancelled job deletes its partial file)')
  })

  test('jobs are their owner\'s: listed newest first; another account\'s job 404', async () => {
    const mine = await allPages(srv, '/api/code-prints', community.token, (r) => check(r, 200, 'PrintJobList'))
    assert.ok(mine.length >= 4)
    const ids = mine.map((x) => x.id)
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'not newest first')
    const one = check(await srv.get('/api/code-prints?limit=1', { token: community.token }), 200, 'PrintJobList')
    assert.deepEqual(one.items.map((x) => x.id), [ids[0]])
    const two = check(await srv.get(`/api/code-prints?limit=1&after=${one.next_after}`, { token: community.token }), 200, 'PrintJobList')
    assert.deepEqual(two.items.map((x) => x.id), [ids[1]])
    const theirs = await allPages(srv, '/api/code-prints', grid.token, (r) => check(r, 200, 'PrintJobList'))
    assert.ok(!theirs.some((x) => ids.includes(x.id)), 'another account\'s jobs are listed')
    assert.deepEqual(check(await srv.get('/api/code-prints', { token: resident.token }), 200, 'PrintJobList').items, [])
    for (const t of [grid.token, resident.token, outsider.token]) {
      checkError(await srv.get(`/api/code-prints/${ids[0]}`, { token: t }), 404, 'not_found')
      checkError(await srv.get(`/api/code-prints/${ids[0]}/file`, { token: t }), 404, 'not_found')
      checkError(await srv.post(`/api/code-prints/${ids[0]}/cancel`, undefined, { token: t }), 404, 'not_found')
    }
    checkError(await srv.get('/api/code-prints/99999999', { token: community.token }), 404, 'not_found')
    checkError(await srv.get('/api/code-prints/x', { token: community.token }), 404, 'not_found')
    checkError(await srv.get('/api/code-prints'), 401, 'unauthenticated')
    checkError(await srv.get('/api/code-prints?limit=0', { token: community.token }), 422, 'invalid_input', { field: 'limit' })
  })

  test('who may print: code managers over the node; a steward or a resident 403; outside the view 404; bad input 422', async () => {
    check(await start({ node_id: building1.id, layout: 'door_plate' }, grid.token), 202, 'PrintJob')
    check(await start({ node_id: building1.id, layout: 'door_plate' }, admin.token), 202, 'PrintJob')
    checkError(await start({ node_id: building1.id, layout: 'door_plate' }, steward.token), 403, 'forbidden')
    checkError(await start({ node_id: compound.id, layout: 'door_plate' }, resident.token), 403, 'forbidden')
    checkError(await start({ node_id: compound.id, layout: 'door_plate' }, outsider.token), 404, 'not_found')
    checkError(await start({ node_id: 99999999, layout: 'door_plate' }), 404, 'not_found')
    checkError(await start({ node_id: compound.id, layout: 'poster' }), 422, 'invalid_input', { field: 'layout' })
    checkError(await start({ node_id: compound.id }), 422, 'invalid_input', { field: 'layout' })
    checkError(await start({ node_id: compound.id, layout: 'door_plate', limit: 0 }), 422, 'invalid_input', { field: 'limit' })
    checkError(await start({ node_id: compound.id, layout: 'door_plate', limit: 100001 }), 422, 'invalid_input', { field: 'limit' })
    checkError(await start({ node_id: compound.id, layout: 'door_plate', limit: 'all' }), 422, 'invalid_input', { field: 'limit' })
    checkError(await start({ node_id: 'x', layout: 'door_plate' }), 422, 'invalid_input', { field: 'node_id' })
    checkError(await start({ layout: 'door_plate' }), 422, 'invalid_input', { field: 'node_id' })
    checkError(await srv.post('/api/code-prints', { node_id: compound.id, layout: 'door_plate' }), 401, 'unauthenticated')
  })

  test('a server restart marks a job left running as failed', async () => {
    const j = check(await start({ node_id: big.compound.id, layout: 'door_plate' }), 202, 'PrintJob')
    await waitFor(async () => (await job(j.id)).status === 'running', { ms: 60000, every: 20, what: 'the job to run' })
    srv.child.kill('SIGKILL')
    await srv.exited
    restarted = await startServer({ sharing: srv, config: { server: { public_base_url: BASE } } })
    const after = check(await restarted.get(`/api/code-prints/${j.id}`, { token: community.token }), 200, 'PrintJob')
    assert.equal(after.status, 'failed', JSON.stringify(after))
    checkError(await restarted.get(`/api/code-prints/${j.id}/file`, { token: community.token }), 409, 'conflict')
    checkError(await restarted.post(`/api/code-prints/${j.id}/cancel`, undefined, { token: community.token }), 409, 'conflict')
  })
})

test('server exits 0 on SIGTERM within the shutdown grace time', async () => {
  const s = restarted ?? srv
  const r = await s.stop()
  assert.equal(r.code, 0, `exit ${JSON.stringify(r)}; server log:\n${s.log()}`)
})
after(async () => {
  if (restarted) await restarted.kill()
  await srv.kill()
})
