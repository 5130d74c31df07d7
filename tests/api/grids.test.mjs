// Grid shapes: GeoJSON import (a problem per feature, all or nothing, dry run) and export,
// the point → grid lookup, who may shape and who sees which grid, the audit records and live
// events of an import, and hostile bodies.
//
// The demo district's grids lie around 39.60°N 109.78°E (about 109.70–109.86 E, 39.56–39.64 N).
// Every grid made here is a square of a block of its own around lon 100–105, lat 30–35
// (`block()`), under a community made here, so nothing here touches the demo's grids and no
// two tests share ground. Every test file gets a fresh server and database (harness.mjs).
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, describe, test } from 'node:test'

import { assertSchema, check, checkError, endsCleanly, rawReply, startServer } from './harness.mjs'

const require = createRequire(import.meta.url)
const geojsonhint = require('@mapbox/geojsonhint')

const srv = await startServer()
const admin = await srv.loginAs('admin')
const T = { token: admin.token }

let seq = 0
/** A name no other test uses. */
const fresh = (base) => `${base}${++seq}`

// ---------------------------------------------------------------------------------------
// Ground: blocks of 0.1° × 0.1° (with a gap of 0.02° between blocks), positions on a grid of
// 0.01°, rounded to 6 decimals so two features that share an edge share it exactly.

const r6 = (x) => Number(x.toFixed(6))
let blocks = 0
/** A block of ground no other test uses: p(x, y) is the point x, y hundredths of a degree in. */
function block() {
  const k = blocks++
  const lon = 100 + (k % 40) * 0.12
  const lat = 30 + Math.floor(k / 40) * 0.12
  assert.ok(lat < 35, 'out of test ground')
  const p = (x, y) => [r6(lon + x * 0.01), r6(lat + y * 0.01)]
  /** A counterclockwise closed ring: the rectangle from (x, y), w × h hundredths. */
  const ring = (x, y, w = 1, h = 1) => [p(x, y), p(x + w, y), p(x + w, y + h), p(x, y + h), p(x, y)]
  /** Polygon coordinates of that rectangle. */
  const sq = (x, y, w = 1, h = 1) => [ring(x, y, w, h)]
  return { p, ring, sq }
}

const feature = (properties, coordinates, type = 'Polygon') => ({ type: 'Feature', properties, geometry: { type, coordinates } })
const collection = (features) => ({ type: 'FeatureCollection', features })

/** POST /api/grids/geojson; checks the status against openapi.yaml and returns the body. */
async function importGrids(features, { status = 200, dry, token = admin.token, contentType } = {}) {
  const path = `/api/grids/geojson${dry === undefined ? '' : `?dry_run=${dry}`}`
  const body = Array.isArray(features) ? collection(features) : features
  const res = contentType
    ? await srv.request('POST', path, { token, body: JSON.stringify(body), headers: { 'Content-Type': contentType } })
    : await srv.post(path, body, { token })
  const got = check(res, status)
  if (status === 200) assertSchema(got, 'GridImportReport', 'import')
  if (status === 422 && got.problems) {
    assertSchema(got, 'GridImportRejected', 'import')
    assert.equal(got.error.message, `${got.problems.length} of ${got.features} features have problems; nothing was written`)
    assert.equal(got.applied, false)
    const idx = got.problems.map((p) => p.feature)
    assert.deepEqual(idx, [...idx].sort((a, b) => a - b), 'problems are not ordered by feature')
  }
  return got
}

/** GET /api/grids/geojson as a caller: { body, text } (checked against openapi.yaml). */
async function exportGrids(token = admin.token) {
  const res = await srv.get('/api/grids/geojson', { token })
  const body = check(res, 200)
  assert.match(res.header('content-type'), /^application\/geo\+json/)
  assertSchema(body, 'GridFeatureCollection', 'export')
  const ids = body.features.map((f) => f.id)
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'the export is not ordered by node id')
  return { body, text: res.text }
}

/** The exported features under a path (a community made here). */
const under = (body, path) => body.features.filter((f) => f.properties.path.startsWith(`${path}/`))

async function locate(lon, lat, token = admin.token) {
  return check(await srv.get(`/api/grids/locate?lon=${lon}&lat=${lat}`, { token }), 200, 'GridHit').grid
}

const asAdmin = async (path) => check(await srv.get(path, T), 200)

/** Every child of a node, as the admin sees them. */
async function children(id) {
  const out = []
  for (let after = 0; ;) {
    const page = await asAdmin(`/api/nodes?parent=${id}&limit=200&after=${after}`)
    out.push(...page.items)
    if (page.next_after === null) return out
    after = page.next_after
  }
}

const root = (await asAdmin('/api/nodes')).items[0]
const streets = await children(root.id)
const streetA = streets.find((s) => s.name === '滨河街道')
const streetB = streets.find((s) => s.name === '青春山街道')
assert.ok(streetA && streetB, `the demo streets are missing: ${streets.map((s) => s.name)}`)

/** The communities made by this file (left out of the demo export check). */
const mine = new Set()
/** A community made here, as the admin (under 滨河街道 unless told). */
async function community(street = streetA) {
  const c = check(await srv.post('/api/nodes', { parent_id: street.id, kind: 'community', name: fresh('网格测试社区') }, T), 201)
  mine.add(c.id)
  return c
}

/** An account with these grants, signed in. */
async function staff(roles) {
  const username = fresh('grids.user')
  const password = 'a-good-password'
  const acct = check(await srv.post('/api/accounts', { username, display_name: username, password, roles }, T), 201)
  return { ...(await srv.login(username, password)), id: acct.id }
}

/** Twice the signed area of a ring (positive when counterclockwise). */
function area2(ring) {
  let a = 0
  for (let i = 0; i + 1 < ring.length; i++) a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1]
  return a
}

/** A geometry as the export writes it: [lon, lat] only, exteriors counterclockwise, holes clockwise. */
function rfc7946(geometry) {
  const polygon = (rings) =>
    rings.map((r, j) => {
      const flat = r.map(([lon, lat]) => [lon, lat])
      const a = area2(flat)
      return (j === 0 && a < 0) || (j > 0 && a > 0) ? flat.reverse() : flat
    })
  return {
    type: geometry.type,
    coordinates: geometry.type === 'Polygon' ? polygon(geometry.coordinates) : geometry.coordinates.map(polygon),
  }
}

/** What a write would leave behind: the admin's export and the newest audit record. */
async function snapshot() {
  const { text } = await exportGrids()
  const audit = (await asAdmin('/api/audit?limit=1')).items[0]?.id ?? 0
  return { text, audit }
}

async function assertNothingWritten(before, c) {
  const now = await snapshot()
  assert.equal(now.audit, before.audit, 'an audit record was written')
  assert.equal(now.text, before.text, 'the export changed')
  if (c) assert.deepEqual(await children(c.id), [], `${c.name} got a grid`)
}

const open = []
after(() => open.forEach((s) => s.close()))
async function subscribe(token = admin.token) {
  const s = await srv.events({ token })
  check(s.reply, 200)
  open.push(s)
  return s
}
/** One frame checked against Event; returns its data. */
function frame(item) {
  assert.ok(item.data, `data is not JSON: ${item.raw}`)
  assertSchema(item.data, 'Event', `event ${item.raw}`)
  assert.equal(item.id, String(item.data.id))
  assert.equal(item.event, item.data.type)
  return item.data
}

// ---------------------------------------------------------------------------------------
// The demo district (first, before this file adds grids of its own)

test("the demo district's grid export passes geojsonhint and a range check", async () => {
  const demoAdmin = await srv.loginAs('admin')
  const { body, text } = await exportGrids(demoAdmin.token)
  // RFC 7946, right-hand rule included: any message of geojsonhint counts (warnings too).
  const hints = geojsonhint.hint(text)
  assert.deepEqual(hints.map((h) => `${h.level ?? 'error'} line ${h.line}: ${h.message}`), [], 'geojsonhint')
  const demo = body.features.filter((f) => !mine.has(f.properties.parent_id))
  assert.ok(demo.length >= 100, `the demo district has ${demo.length} shaped grids; expected at least 100`)
  const problems = []
  for (const f of demo) {
    const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates
    for (const rings of polygons)
      for (const ring of rings) {
        const [a, z] = [ring[0], ring[ring.length - 1]]
        if (ring.length < 4 || a[0] !== z[0] || a[1] !== z[1]) problems.push(`${f.properties.name}: a ring is not closed`)
        for (const [lon, lat] of ring)
          if (!(lon >= 109.6 && lon <= 110.0 && lat >= 39.5 && lat <= 39.7)) problems.push(`${f.properties.name}: [${lon}, ${lat}] is outside the district`)
      }
  }
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`)
})

// ---------------------------------------------------------------------------------------

describe('import and export', () => {
  test('new grids by parent_id + name: 200 with the report, the grid nodes, and the shapes exported in RFC 7946 form', async () => {
    const c = await community()
    const b = block()
    const sent = [
      // a clockwise square: comes back counterclockwise
      feature({ parent_id: c.id, name: '顺时针网格' }, [b.ring(0, 0).reverse()]),
      // a square with a square hole (given counterclockwise: comes back clockwise)
      feature({ parent_id: c.id, name: '有洞网格' }, [b.ring(2, 0, 3, 3), b.ring(3, 1)]),
      // two squares as one MultiPolygon, with altitudes (dropped on export)
      feature({ parent_id: c.id, name: '两块网格' }, [[b.ring(0, 4).map(([x, y]) => [x, y, 1050.5])], b.sq(2, 4)], 'MultiPolygon'),
      // a MultiPolygon of one polygon stays a MultiPolygon
      feature({ parent_id: c.id, name: '单块多边形' }, [b.sq(6, 0)], 'MultiPolygon'),
      // a triangle (4 positions) is a polygon too
      feature({ parent_id: c.id, name: '三角网格' }, [[b.p(8, 0), b.p(9, 0), b.p(8, 1), b.p(8, 0)]]),
    ]
    const rep = await importGrids(sent)
    assert.deepEqual(rep, { dry_run: false, applied: true, features: 5, created: 5, updated: 0, problems: [] })

    const kids = await children(c.id)
    assert.deepEqual(kids.map((k) => k.name).sort(), sent.map((f) => f.properties.name).sort())
    assert.ok(kids.every((k) => k.kind === 'grid' && k.parent_id === c.id))

    const { body, text } = await exportGrids()
    assert.deepEqual(geojsonhint.hint(text), [], 'the export does not pass geojsonhint')
    const got = under(body, c.path)
    assert.equal(got.length, 5)
    for (const f of sent) {
      const node = kids.find((k) => k.name === f.properties.name)
      const e = got.find((x) => x.id === node.id)
      assert.ok(e, `${node.name} is not exported`)
      assert.deepEqual(e, {
        type: 'Feature',
        id: node.id,
        geometry: rfc7946(f.geometry),
        properties: { node_id: node.id, parent_id: c.id, name: node.name, community: c.name, path: node.path },
      })
    }
  })

  test('geometry is sent as application/geo+json as well as application/json', async () => {
    const c = await community()
    const b = block()
    const rep = await importGrids([feature({ parent_id: c.id, name: '地理网格' }, b.sq(0, 0))], { contentType: 'application/geo+json' })
    assert.equal(rep.created, 1)
    const rep2 = await importGrids([feature({ parent_id: c.id, name: '地理网格' }, b.sq(1, 0))], {
      contentType: 'application/geo+json; charset=utf-8',
    })
    assert.equal(rep2.updated, 1)
  })

  test('updates by node_id and by parent_id + name reshape the grids without new grid nodes', async () => {
    const c = await community()
    const b = block()
    const first = await importGrids([
      feature({ parent_id: c.id, name: '甲网格' }, b.sq(0, 0)),
      feature({ parent_id: c.id, name: '乙网格' }, b.sq(1, 0)),
    ])
    assert.equal(first.created, 2)
    const [g1, g2] = (await children(c.id)).sort((x, y) => x.id - y.id)
    assert.equal(g1.name, '甲网格')

    const rep = await importGrids([
      feature({ node_id: g1.id }, b.sq(0, 5, 2, 2)),
      feature({ parent_id: c.id, name: '乙网格' }, b.sq(5, 5)),
    ])
    assert.deepEqual(rep, { dry_run: false, applied: true, features: 2, created: 0, updated: 2, problems: [] })
    const kids = await children(c.id)
    assert.deepEqual(kids.map((k) => k.id).sort(), [g1.id, g2.id].sort(), 'a grid node was added')
    const got = under((await exportGrids()).body, c.path)
    assert.deepEqual(got.find((f) => f.id === g1.id).geometry, { type: 'Polygon', coordinates: b.sq(0, 5, 2, 2) })
    assert.deepEqual(got.find((f) => f.id === g2.id).geometry, { type: 'Polygon', coordinates: b.sq(5, 5) })
    // the lookup follows: the old places are empty, the new ones found
    assert.equal(await locate(...b.p(0.5, 0.5)), null)
    assert.equal((await locate(...b.p(1, 6))).id, g1.id)
    assert.equal((await locate(...b.p(5.5, 5.5))).id, g2.id)
    // a name given with node_id renames nothing
    await importGrids([feature({ node_id: g1.id, name: '别名' }, b.sq(0, 5, 2, 2))])
    assert.equal((await asAdmin(`/api/nodes/${g1.id}`)).name, '甲网格')
  })

  test('an export imported back as it is changes nothing but updated grids', async () => {
    const c = await community()
    const b = block()
    await importGrids([
      feature({ parent_id: c.id, name: '回环一' }, [b.ring(0, 0, 3, 3), b.ring(1, 1)]),
      feature({ parent_id: c.id, name: '回环二' }, [b.sq(3, 0), b.sq(5, 0)], 'MultiPolygon'),
    ])
    const before = under((await exportGrids()).body, c.path)
    const rep = await importGrids(collection(before))
    assert.deepEqual(rep, { dry_run: false, applied: true, features: 2, created: 0, updated: 2, problems: [] })
    assert.deepEqual(under((await exportGrids()).body, c.path), before)
    assert.equal((await children(c.id)).length, 2)
  })

  test('two grids may swap shapes in one import (a grid does not overlap its own old shape)', async () => {
    const c = await community()
    const b = block()
    await importGrids([feature({ parent_id: c.id, name: '左' }, b.sq(0, 0)), feature({ parent_id: c.id, name: '右' }, b.sq(1, 0))])
    const rep = await importGrids([feature({ parent_id: c.id, name: '左' }, b.sq(1, 0)), feature({ parent_id: c.id, name: '右' }, b.sq(0, 0))])
    assert.equal(rep.updated, 2)
    assert.equal((await locate(...b.p(0.5, 0.5))).name, '右')
    assert.equal((await locate(...b.p(1.5, 0.5))).name, '左')
  })

  test('a renamed grid is exported and located under its new name', async () => {
    const c = await community()
    const b = block()
    await importGrids([feature({ parent_id: c.id, name: '旧名网格' }, b.sq(0, 0))])
    const [g] = await children(c.id)
    assert.equal((await locate(...b.p(0.5, 0.5))).name, '旧名网格')
    check(await srv.request('PATCH', `/api/nodes/${g.id}`, { token: admin.token, json: { name: '新名网格' } }), 200)
    assert.equal((await locate(...b.p(0.5, 0.5))).name, '新名网格')
    assert.equal(under((await exportGrids()).body, c.path)[0].properties.name, '新名网格')
  })

  for (const dry of ['true', '1']) {
    test(`dry_run=${dry}: 200 with applied false, and nothing is written`, async () => {
      const c = await community()
      const b = block()
      const before = await snapshot()
      const rep = await importGrids([feature({ parent_id: c.id, name: '试运行' }, b.sq(0, 0))], { dry })
      assert.equal(rep.dry_run, true)
      assert.equal(rep.applied, false)
      assert.equal(rep.features, 1)
      assert.deepEqual(rep.problems, [])
      await assertNothingWritten(before, c)
      assert.equal(await locate(...b.p(0.5, 0.5)), null)
    })
  }

  for (const dry of ['false', '0']) {
    test(`dry_run=${dry} writes`, async () => {
      const c = await community()
      const b = block()
      const rep = await importGrids([feature({ parent_id: c.id, name: '实运行' }, b.sq(0, 0))], { dry })
      assert.deepEqual(rep, { dry_run: false, applied: true, features: 1, created: 1, updated: 0, problems: [] })
      assert.equal((await children(c.id)).length, 1)
    })
  }

  test('dry_run other than true/false/1/0 answers 422 naming dry_run', async () => {
    const c = await community()
    const b = block()
    for (const v of ['yes', 'TRUE', '', '2'])
      checkError(
        await srv.post(`/api/grids/geojson?dry_run=${v}`, collection([feature({ parent_id: c.id, name: '试' }, b.sq(0, 0))]), T),
        422,
        'invalid_input',
        { field: 'dry_run' },
      )
    assert.deepEqual(await children(c.id), [])
  })
})

// ---------------------------------------------------------------------------------------

describe('bad features: each gets its own message, and nothing at all is written', () => {
  // [what, (c, b) => the bad feature, message, node_id reported]
  const BAD = [
    ['not an object', () => 42, /^a feature must be an object$/],
    // (read before the properties: the problem carries no name)
    ['type not "Feature"', (c, b) => ({ ...feature({ parent_id: c.id }, b.sq(0, 0)), type: 'feature' }), /^type must be "Feature"$/],
    ['no geometry', (c) => ({ type: 'Feature', properties: { parent_id: c.id, name: 'x' } }), /^geometry must be a Polygon or MultiPolygon object$/],
    ['geometry null', (c) => ({ type: 'Feature', properties: { parent_id: c.id, name: 'x' }, geometry: null }), /^geometry must be a Polygon or MultiPolygon object$/],
    ['a Point', (c, b) => feature({ parent_id: c.id, name: 'x' }, b.p(0, 0), 'Point'), /^geometry\.type must be "Polygon" or "MultiPolygon" \(a grid is an area\)$/],
    ['a LineString', (c, b) => feature({ parent_id: c.id, name: 'x' }, b.ring(0, 0), 'LineString'), /^geometry\.type must be "Polygon" or "MultiPolygon"/],
    ['a GeometryCollection', (c) => ({ type: 'Feature', properties: { parent_id: c.id, name: 'x' }, geometry: { type: 'GeometryCollection', geometries: [] } }), /^geometry\.type must be/],
    ['no coordinates', (c) => ({ type: 'Feature', properties: { parent_id: c.id, name: 'x' }, geometry: { type: 'Polygon' } }), /^geometry\.coordinates is missing$/],
    ['coordinates not an array', (c) => feature({ parent_id: c.id, name: 'x' }, 'square'), /^geometry\.coordinates must be an array of rings$/],
    ['no rings', (c) => feature({ parent_id: c.id, name: 'x' }, []), /^geometry\.coordinates has no rings$/],
    ['a ring not an array', (c) => feature({ parent_id: c.id, name: 'x' }, [5]), /^geometry\.coordinates\[0\] must be an array of positions$/],
    ['an empty MultiPolygon', (c) => feature({ parent_id: c.id, name: 'x' }, [], 'MultiPolygon'), /^geometry\.coordinates must be a non-empty array of polygons$/],
    ['a MultiPolygon of rings', (c, b) => feature({ parent_id: c.id, name: 'x' }, b.sq(0, 0), 'MultiPolygon'), /^geometry\.coordinates\[0\]\[0\]\[0\] must be a position/],
    ['a position of one number', (c, b) => feature({ parent_id: c.id, name: 'x' }, [[[b.p(0, 0)[0]], b.p(1, 0), b.p(1, 1), b.p(0, 0)]]), /^geometry\.coordinates\[0\]\[0\] must be a position/],
    ['a position of four numbers', (c, b) => feature({ parent_id: c.id, name: 'x' }, [[b.p(0, 0), [...b.p(1, 0), 1, 2], b.p(1, 1), b.p(0, 0)]]), /^geometry\.coordinates\[0\]\[1\] must be a position/],
    ['a position of strings', (c, b) => feature({ parent_id: c.id, name: 'x' }, [[b.p(0, 0), b.p(1, 0), b.p(1, 1).map(String), b.p(0, 0)]]), /^geometry\.coordinates\[0\]\[2\] must be a position/],
    ['an altitude that is not a number', (c, b) => feature({ parent_id: c.id, name: 'x' }, [[[...b.p(0, 0), 'high'], b.p(1, 0), b.p(1, 1), b.p(0, 0)]]), /^geometry\.coordinates\[0\]\[0\] must be a position/],
    ['a longitude above 180', (c, b) => feature({ parent_id: c.id, name: 'x' }, [[[180.5, 30], [180.5, 31], b.p(0, 0), [180.5, 30]]]), /^position 1 of the exterior ring: longitude 180\.5 is outside -180\.\.180$/],
    ['a longitude below -180', (c, b) => feature({ parent_id: c.id, name: 'x' }, [[b.p(0, 0), [-181, 30], b.p(0, 1), b.p(0, 0)]]), /^position 2 of the exterior ring: longitude -181 is outside -180\.\.180$/],
    ['a latitude above 90', (c, b) => feature({ parent_id: c.id, name: 'x' }, [[b.p(0, 0), b.p(1, 0), [100, 90.25], b.p(0, 0)]]), /^position 3 of the exterior ring: latitude 90\.25 is outside -90\.\.90$/],
    ['latitude and longitude swapped', (c, b) => feature({ parent_id: c.id, name: 'x' }, [b.ring(0, 0).map(([x, y]) => [y, x])]), /^position 1 of the exterior ring: latitude 1\d\d(\.\d+)? is outside -90\.\.90$/],
    ['a ring of 3 positions', (c, b) => feature({ parent_id: c.id, name: 'x' }, [[b.p(0, 0), b.p(1, 0), b.p(0, 0)]]), /^the exterior ring has 3 positions; a ring needs at least 4$/],
    ['a hole of 3 positions', (c, b) => feature({ parent_id: c.id, name: 'x' }, [b.ring(0, 0, 3, 3), [b.p(1, 1), b.p(2, 1), b.p(1, 1)]]), /^hole 1 has 3 positions; a ring needs at least 4$/],
    ['a ring not closed', (c, b) => feature({ parent_id: c.id, name: 'x' }, [b.ring(0, 0).slice(0, 4).concat([b.p(0, 0.5)])]), /^the exterior ring is not closed: its last position must repeat the first$/],
    ['a bow tie', (c, b) => feature({ parent_id: c.id, name: 'x' }, [[b.p(0, 0), b.p(1, 1), b.p(1, 0), b.p(0, 1), b.p(0, 0)]]), /crosses (or touches )?itself/],
    ['a ring on one line', (c, b) => feature({ parent_id: c.id, name: 'x' }, [[b.p(0, 0), b.p(1, 0), b.p(2, 0), b.p(0, 0)]]), /no area|spike|fewer than 3 distinct/],
    ['a ring of one point', (c, b) => feature({ parent_id: c.id, name: 'x' }, [[b.p(0, 0), b.p(0, 0), b.p(0, 0), b.p(0, 0)]]), /fewer than 3 distinct|no area/],
    ['a hole outside its polygon', (c, b) => feature({ parent_id: c.id, name: 'x' }, [b.ring(0, 0, 2, 2), b.ring(5, 5)]), /^a hole lies outside its polygon's exterior ring$/],
    ['a hole crossing its polygon\'s boundary', (c, b) => feature({ parent_id: c.id, name: 'x' }, [b.ring(0, 0, 2, 2), b.ring(1, 1, 2, 2)]), /hole|crosses|touches/],
    // (Boost.Geometry sees crossing boundaries before overlapping parts: the bow tie's message)
    ['a MultiPolygon whose parts cross', (c, b) => feature({ parent_id: c.id, name: 'x' }, [b.sq(0, 0, 2, 2), b.sq(1, 1, 2, 2)], 'MultiPolygon'), /^two polygons of the MultiPolygon overlap|^the boundary crosses or touches itself near \(/],
    ['a MultiPolygon with a part inside another', (c, b) => feature({ parent_id: c.id, name: 'x' }, [b.sq(0, 0, 3, 3), b.sq(1, 1)], 'MultiPolygon'), /^two polygons of the MultiPolygon overlap/],
    ['no properties', (c, b) => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: b.sq(0, 0) } }), /^name the grid: properties\.node_id, or properties\.parent_id \(its community\) and properties\.name$/],
    ['a name without parent_id', (c, b) => feature({ name: '无主网格' }, b.sq(0, 0)), /^name the grid/],
    ['a parent_id without name', (c, b) => feature({ parent_id: c.id }, b.sq(0, 0)), /^name the grid/],
    ['properties an array', (c, b) => feature([c.id, 'x'], b.sq(0, 0)), /^properties must be an object or null$/],
    ['node_id a string', (c, b) => feature({ node_id: '12' }, b.sq(0, 0)), /^properties\.node_id must be a positive integer$/],
    ['node_id 0', (c, b) => feature({ node_id: 0 }, b.sq(0, 0)), /^properties\.node_id must be a positive integer$/],
    ['node_id a fraction', (c, b) => feature({ node_id: 1.5 }, b.sq(0, 0)), /^properties\.node_id must be a positive integer$/],
    // (read before the name: the problem carries no name)
    ['parent_id negative', (c, b) => feature({ parent_id: -c.id, name: 'x' }, b.sq(0, 0)), /^properties\.parent_id must be a positive integer$/, null, ''],
    ['name a number', (c, b) => feature({ parent_id: c.id, name: 7 }, b.sq(0, 0)), /^properties\.name must be a string$/],
    ['name with a control character', (c, b) => feature({ parent_id: c.id, name: '网\u0001格' }, b.sq(0, 0)), /^properties\.name must be 1 to 64 bytes of text without control characters$/],
    ['name of 65 bytes', (c, b) => feature({ parent_id: c.id, name: '长'.repeat(21) + 'ab' }, b.sq(0, 0)), /^properties\.name must be 1 to 64 bytes/],
    ['a parent that does not exist', (c, b) => feature({ parent_id: 987654321, name: 'x' }, b.sq(0, 0)), /^no node you may see has node_id 987654321$/],
    ['a street as parent', (c, b) => feature({ parent_id: streetA.id, name: 'x' }, b.sq(0, 0)), /^滨河街道 is a street; grids belong to communities$/],
    ['the district as parent', (c, b) => feature({ parent_id: root.id, name: 'x' }, b.sq(0, 0)), / is a district; grids belong to communities$/],
    ['a node_id that does not exist', (c, b) => feature({ node_id: 987654321 }, b.sq(0, 0)), /^no grid you may see has node_id 987654321$/, 987654321],
    ['a community as node_id', (c, b) => feature({ node_id: c.id }, b.sq(0, 0)), /^no grid you may see has node_id \d+$/, 'community'],
  ]

  for (const [what, make, message, nodeId, reportedName] of BAD) {
    test(`${what}`, async () => {
      const c = await community()
      const b = block()
      const before = await snapshot()
      // a good feature first: it is not written either
      const good = feature({ parent_id: c.id, name: '好网格' }, b.sq(8, 8))
      const bad = make(c, b)
      const rep = await importGrids([good, bad], { status: 422 })
      assert.equal(rep.features, 2)
      assert.equal(rep.dry_run, false)
      assert.equal(rep.problems.length, 1, JSON.stringify(rep.problems))
      const [p] = rep.problems
      assert.equal(p.feature, 1)
      assert.match(p.message, message)
      const wantId = nodeId === 'community' ? c.id : nodeId ?? null
      assert.equal(p.node_id, wantId)
      const name = reportedName ?? bad?.properties?.name
      assert.equal(p.name, typeof name === 'string' ? name : '')
      await assertNothingWritten(before, c)
      // the same file as a dry run: the same report, with dry_run true
      const dry = await importGrids([good, bad], { status: 422, dry: 'true' })
      assert.deepEqual({ ...dry, dry_run: false }, rep)
      await assertNothingWritten(before, c)
    })
  }

  test('every kind of bad feature in one file: one problem each, in feature order, and the messages tell them apart', async () => {
    const c = await community()
    const b = block()
    const before = await snapshot()
    const features = BAD.map(([, make]) => make(c, b))
    const rep = await importGrids(features, { status: 422 })
    assert.equal(rep.features, BAD.length)
    assert.deepEqual(rep.problems.map((p) => p.feature), BAD.map((_, i) => i))
    const problems = []
    rep.problems.forEach((p, i) => {
      if (!BAD[i][2].test(p.message)) problems.push(`${BAD[i][0]}: ${p.message}`)
    })
    assert.deepEqual(problems, [])
    // distinct kinds of fault get distinct messages (the same rule may share one)
    const byMessage = new Map()
    for (const p of rep.problems) byMessage.set(p.message, [...(byMessage.get(p.message) || []), BAD[p.feature][0]])
    assert.ok(byMessage.size >= 30, `only ${byMessage.size} distinct messages for ${BAD.length} faults`)
    await assertNothingWritten(before, c)
  })

  test('more than 20000 positions in one feature is a problem of that feature', async () => {
    const c = await community()
    const b = block()
    const [x0, y0] = b.p(0, 0)
    const n = 20001
    // a fan of 20000 positions along an arc, closed: a valid shape but too detailed
    const ring = [[x0, y0]]
    for (let i = 0; i < n - 2; i++) {
      const t = (i / (n - 3)) * (Math.PI / 2)
      ring.push([x0 + 0.005 * Math.cos(t), y0 + 0.005 * Math.sin(t)])
    }
    ring.push([x0, y0])
    assert.equal(ring.length, n)
    const rep = await importGrids([feature({ parent_id: c.id, name: '细网格' }, [ring])], { status: 422 })
    assert.match(rep.problems[0].message, /^more than 20000 positions; simplify the polygon$/)
    assert.deepEqual(await children(c.id), [])
  })

  test('the same grid twice: by parent_id + name twice, and by node_id and by name', async () => {
    const c = await community()
    const b = block()
    const before = await snapshot()
    const rep = await importGrids(
      [
        feature({ parent_id: c.id, name: '重复网格' }, b.sq(0, 0)),
        feature({ parent_id: c.id, name: '重复网格' }, b.sq(2, 0)),
      ],
      { status: 422 },
    )
    assert.deepEqual(rep.problems, [{ feature: 1, node_id: null, name: '重复网格', message: 'the same grid as feature 0' }])
    await assertNothingWritten(before, c)

    await importGrids([feature({ parent_id: c.id, name: '已有网格' }, b.sq(0, 0))])
    const [g] = await children(c.id)
    const rep2 = await importGrids(
      [feature({ node_id: g.id }, b.sq(0, 2)), feature({ parent_id: c.id, name: '已有网格' }, b.sq(2, 2))],
      { status: 422 },
    )
    assert.deepEqual(rep2.problems, [{ feature: 1, node_id: null, name: '已有网格', message: 'the same grid as feature 0' }])
  })
})

// ---------------------------------------------------------------------------------------

describe('overlaps', () => {
  test('overlapping a stored grid is reported with that grid, and nothing is written', async () => {
    const c = await community()
    const b = block()
    await importGrids([feature({ parent_id: c.id, name: '先来网格' }, b.sq(0, 0, 2, 2))])
    const [first] = await children(c.id)
    const before = await snapshot()
    const rep = await importGrids(
      [feature({ parent_id: c.id, name: '旁边网格' }, b.sq(4, 0)), feature({ parent_id: c.id, name: '后到网格' }, b.sq(1, 1, 2, 2))],
      { status: 422 },
    )
    assert.deepEqual(rep.problems, [{ feature: 1, node_id: null, name: '后到网格', message: `overlaps grid 先来网格 (node_id ${first.id})` }])
    await assertNothingWritten(before)
    assert.equal((await children(c.id)).length, 1)
  })

  test('a grid wholly inside another, and another wholly inside the new one, are overlaps', async () => {
    const c = await community()
    const b = block()
    await importGrids([feature({ parent_id: c.id, name: '大网格' }, b.sq(0, 0, 4, 4))])
    const inside = await importGrids([feature({ parent_id: c.id, name: '内网格' }, b.sq(1, 1))], { status: 422 })
    assert.match(inside.problems[0].message, /^overlaps grid 大网格/)
    const around = await importGrids([feature({ parent_id: c.id, name: '外网格' }, [b.ring(0, 0, 8, 8).map(([x, y]) => [r6(x - 0.01), r6(y - 0.01)])])], {
      status: 422,
    })
    assert.match(around.problems[0].message, /^overlaps grid 大网格/)
  })

  test('an overlap of a thin strip (a tenth of the width) is still an overlap', async () => {
    const c = await community()
    const b = block()
    await importGrids([feature({ parent_id: c.id, name: '条一' }, b.sq(0, 0))])
    const rep = await importGrids([feature({ parent_id: c.id, name: '条二' }, b.sq(0.9, 0))], { status: 422 })
    assert.match(rep.problems[0].message, /^overlaps grid 条一/)
  })

  test('two features of one file that overlap are both reported, naming each other', async () => {
    const c = await community()
    const b = block()
    const before = await snapshot()
    const rep = await importGrids(
      [
        feature({ parent_id: c.id, name: '独立网格' }, b.sq(6, 6)),
        feature({ parent_id: c.id, name: '交一' }, b.sq(0, 0, 2, 2)),
        feature({ parent_id: c.id, name: '交二' }, b.sq(1, 1, 2, 2)),
      ],
      { status: 422 },
    )
    assert.deepEqual(rep.problems, [
      { feature: 1, node_id: null, name: '交一', message: 'overlaps feature 2' },
      { feature: 2, node_id: null, name: '交二', message: 'overlaps feature 1' },
    ])
    assert.equal(rep.error.message, '2 of 3 features have problems; nothing was written')
    await assertNothingWritten(before, c)
  })

  test('shared edges and corners are fine: with a stored grid and within the file', async () => {
    const c = await community()
    const b = block()
    await importGrids([feature({ parent_id: c.id, name: '中' }, b.sq(1, 1))])
    const rep = await importGrids([
      feature({ parent_id: c.id, name: '东' }, b.sq(2, 1)), // shares an edge with 中
      feature({ parent_id: c.id, name: '东北' }, b.sq(2, 2)), // shares a corner with 中, an edge with 东
      feature({ parent_id: c.id, name: '西' }, [[b.p(0, 1), b.p(1, 1), b.p(1, 1.5), b.p(1, 2), b.p(0, 2), b.p(0, 1)]]), // an edge of 中 with a vertex in the middle
      feature({ parent_id: c.id, name: '南' }, b.sq(1, 0)),
    ])
    assert.deepEqual(rep, { dry_run: false, applied: true, features: 4, created: 4, updated: 0, problems: [] })
    assert.equal((await children(c.id)).length, 5)
  })

  test('a grid in the hole of another is no overlap', async () => {
    const c = await community()
    const b = block()
    await importGrids([feature({ parent_id: c.id, name: '环' }, [b.ring(0, 0, 3, 3), b.ring(1, 1)])])
    await importGrids([feature({ parent_id: c.id, name: '芯' }, b.sq(1, 1))])
    assert.equal((await locate(...b.p(1.5, 1.5))).name, '芯')
    assert.equal((await locate(...b.p(0.5, 0.5))).name, '环')
  })
})

// ---------------------------------------------------------------------------------------

describe('point lookup', () => {
  const b = block()
  let cc, west, east
  test('set-up: two grids sharing an edge, one with a hole', async () => {
    cc = await community()
    await importGrids([
      feature({ parent_id: cc.id, name: '西格' }, [b.ring(0, 0, 3, 3), b.ring(1, 1)]),
      feature({ parent_id: cc.id, name: '东格' }, b.sq(3, 0, 3, 3)),
    ])
    ;[west, east] = (await children(cc.id)).sort((x, y) => x.id - y.id)
    assert.equal(west.name, '西格')
  })

  test('inside a grid: the grid, its path and its community', async () => {
    assert.deepEqual(await locate(...b.p(0.5, 0.5)), { id: west.id, name: '西格', path: west.path, community_id: cc.id, community_name: cc.name })
    assert.equal((await locate(...b.p(4, 2))).id, east.id)
  })

  test('on the boundary: the grid (on a shared edge, the lower node id); at a vertex too', async () => {
    assert.equal((await locate(...b.p(0, 1.5))).id, west.id)
    assert.equal((await locate(...b.p(6, 1.5))).id, east.id)
    assert.equal((await locate(...b.p(3, 1.5))).id, west.id)
    assert.equal((await locate(...b.p(0, 0))).id, west.id)
    assert.equal((await locate(...b.p(6, 3))).id, east.id)
  })

  test('outside every grid, and in a hole: null', async () => {
    assert.equal(await locate(...b.p(7, 7)), null)
    assert.equal(await locate(...b.p(1.5, 1.5)), null)
    assert.equal(await locate(0, 0), null)
    assert.equal(await locate(-180, -90), null)
    assert.equal(await locate(180, 90), null)
  })

  test('any signed-in caller may ask, whatever its grants', async () => {
    for (const login of ['resident', 'doctor', 'steward', 'vendor']) {
      const who = await srv.loginAs(login)
      assert.equal((await locate(...b.p(0.5, 0.5), who.token)).id, west.id, login)
    }
    const none = await staff([])
    assert.equal((await locate(...b.p(0.5, 0.5), none.token)).id, west.id)
    checkError(await srv.get(`/api/grids/locate?lon=${b.p(0.5, 0.5)[0]}&lat=${b.p(0.5, 0.5)[1]}`), 401, 'unauthenticated')
  })

  for (const [q, field] of [
    ['lat=30', 'lon'],
    ['lon=100', 'lat'],
    ['', 'lon'],
    ['lon=&lat=30', 'lon'],
    ['lon=180.0001&lat=30', 'lon'],
    ['lon=-180.5&lat=30', 'lon'],
    ['lon=100&lat=90.5', 'lat'],
    ['lon=100&lat=-91', 'lat'],
    ['lon=abc&lat=30', 'lon'],
    ['lon=100&lat=NaN', 'lat'],
    ['lon=Infinity&lat=30', 'lon'],
    ['lon=100&lat=-inf', 'lat'],
    ['lon=1e400&lat=30', 'lon'],
    ['lon=0x10&lat=30', 'lon'],
    ['lon=100,5&lat=30', 'lon'],
    ['lon=100&lat=30.5.1', 'lat'],
    [`lon=${'1'.repeat(40)}&lat=30`, 'lon'],
  ]) {
    test(`?${q.slice(0, 40)} answers 422 naming ${field}`, async () => {
      checkError(await srv.get(`/api/grids/locate?${q}`, T), 422, 'invalid_input', { field })
    })
  }

  test('the limits themselves are valid: lon ±180, lat ±90, and 1e1 notation', async () => {
    for (const q of ['lon=180&lat=90', 'lon=-180&lat=-90', 'lon=1e1&lat=3e1', 'lon=-0&lat=0.000001'])
      check(await srv.get(`/api/grids/locate?${q}`, T), 200, 'GridHit')
  })

  test('a malformed query string answers 400', async () => {
    checkError(await srv.get('/api/grids/locate?lon=%zz&lat=1', T), 400, 'bad_request')
  })
})

// ---------------------------------------------------------------------------------------

describe('who may shape which grid', () => {
  let pending
  const setup = () => (pending ??= (async () => {
    const c1 = await community(streetA)
    const c2 = await community(streetA)
    const c3 = await community(streetB)
    const b = block()
    await importGrids([feature({ parent_id: c1.id, name: '权限网格' }, b.sq(0, 0))])
    const [g1] = await children(c1.id)
    return { c1, c2, c3, b, g1 }
  })())
  const tries = (s) => ({
    newIn: (c, x) => [feature({ parent_id: c.id, name: fresh('权限新网格') }, s.b.sq(x, 5))],
    reshape: (x) => [feature({ node_id: s.g1.id }, s.b.sq(x, 8))],
  })

  test('a district_admin anywhere', async () => {
    const s = await setup()
    const t = tries(s)
    for (const [c, x] of [[s.c1, 0], [s.c2, 2], [s.c3, 4]]) assert.equal((await importGrids(t.newIn(c, x), { dry: 'true' })).problems.length, 0)
    assert.equal((await importGrids(t.reshape(0), { dry: 'true' })).problems.length, 0)
  })

  test('a street_staff within its street; another street is no node it may see', async () => {
    const s = await setup()
    const t = tries(s)
    const st = await staff([{ role: 'street_staff', scope: streetA.path }])
    await importGrids(t.newIn(s.c1, 0), { dry: 'true', token: st.token })
    await importGrids(t.newIn(s.c2, 2), { dry: 'true', token: st.token })
    await importGrids(t.reshape(2), { dry: 'true', token: st.token })
    const rep = await importGrids(t.newIn(s.c3, 4), { status: 422, dry: 'true', token: st.token })
    assert.equal(rep.problems[0].message, `no node you may see has node_id ${s.c3.id}`)
  })

  test('a community_staff within its community; a sibling community is no node it may see', async () => {
    const s = await setup()
    const t = tries(s)
    const cs = await staff([{ role: 'community_staff', scope: s.c1.path }])
    await importGrids(t.newIn(s.c1, 0), { dry: 'true', token: cs.token })
    await importGrids(t.reshape(4), { dry: 'true', token: cs.token })
    for (const c of [s.c2, s.c3]) {
      const rep = await importGrids(t.newIn(c, 2), { status: 422, dry: 'true', token: cs.token })
      assert.equal(rep.problems[0].message, `no node you may see has node_id ${c.id}`)
    }
  })

  test('a grid_worker sees its grid but may not reshape it nor add one: 403 before any feature is read', async () => {
    const s = await setup()
    const t = tries(s)
    const gw = await staff([{ role: 'grid_worker', scope: s.g1.path }])
    checkError(await srv.post('/api/grids/geojson?dry_run=true', collection(t.reshape(6)), { token: gw.token }), 403, 'forbidden')
    checkError(await srv.post('/api/grids/geojson?dry_run=true', collection(t.newIn(s.c1, 6)), { token: gw.token }), 403, 'forbidden')
  })

  test('a resident at / sees everything and may shape nothing; an account without grants may shape nothing', async () => {
    const s = await setup()
    const t = tries(s)
    const resident = await srv.loginAs('resident')
    checkError(await srv.post('/api/grids/geojson?dry_run=true', collection(t.newIn(s.c3, 8)), { token: resident.token }), 403, 'forbidden')
    checkError(await srv.post('/api/grids/geojson', collection(t.reshape(8)), { token: resident.token }), 403, 'forbidden')
    const none = await staff([])
    checkError(await srv.post('/api/grids/geojson?dry_run=true', collection(t.reshape(8)), { token: none.token }), 403, 'forbidden')
  })

  test('community staff of another community: a grid outside their view is no grid they may see', async () => {
    const s = await setup()
    const t = tries(s)
    const other = await staff([{ role: 'community_staff', scope: s.c2.path }])
    const rep = await importGrids(t.reshape(9), { status: 422, dry: 'true', token: other.token })
    assert.equal(rep.problems[0].message, `no grid you may see has node_id ${s.g1.id}`)
  })

  test('one refused feature stops the whole file: the allowed features are not written', async () => {
    const s = await setup()
    const cs = await staff([{ role: 'community_staff', scope: s.c1.path }])
    const before = await snapshot()
    const rep = await importGrids(
      [feature({ parent_id: s.c1.id, name: '允许的' }, s.b.sq(0, 2)), feature({ parent_id: s.c2.id, name: '不许的' }, s.b.sq(2, 2))],
      { status: 422, token: cs.token },
    )
    assert.deepEqual(rep.problems.map((p) => p.feature), [1])
    await assertNothingWritten(before)
  })

  test('a cookie session needs X-CSRF-Token (403 without)', async () => {
    const s = await setup()
    const body = collection([feature({ parent_id: s.c2.id, name: fresh('饼干网格') }, s.b.sq(6, 2))])
    checkError(await srv.post('/api/grids/geojson', body, { cookie: admin.token }), 403, 'forbidden')
    assert.deepEqual(await children(s.c2.id), [])
    check(await srv.post('/api/grids/geojson', body, { cookie: admin.token, csrf: admin.csrf_token }), 200)
    assert.equal((await children(s.c2.id)).length, 1)
  })

  test('without a session: 401 on every grid route', async () => {
    checkError(await srv.get('/api/grids/geojson'), 401, 'unauthenticated')
    checkError(await srv.post('/api/grids/geojson', collection([])), 401, 'unauthenticated')
    checkError(await srv.get('/api/grids/locate?lon=100&lat=30'), 401, 'unauthenticated')
    checkError(await srv.get('/api/grids/geojson', { token: 'forged-token-forged-token-forged-token' }), 401, 'unauthenticated')
  })
})

// ---------------------------------------------------------------------------------------

describe('who sees which grid in the export', () => {
  let pending
  const setup = () => (pending ??= (async () => {
    const cA = await community(streetA)
    const cB = await community(streetB)
    const b = block()
    await importGrids([
      feature({ parent_id: cA.id, name: '可见甲' }, b.sq(0, 0)),
      feature({ parent_id: cA.id, name: '可见乙' }, b.sq(1, 0)),
      feature({ parent_id: cB.id, name: '可见丙' }, b.sq(2, 0)),
    ])
    const gA = (await children(cA.id)).sort((x, y) => x.id - y.id)
    const gB = await children(cB.id)
    return { cA, cB, gA, gB, all: [...gA, ...gB].map((g) => g.id) }
  })())
  const ids = (body) => body.features.map((f) => f.id)
  const covers = (scope, path) => scope === '/' || path === scope || path.startsWith(`${scope}/`)

  test('the district admin sees every grid', async () => {
    const s = await setup()
    const got = ids((await exportGrids()).body)
    for (const id of s.all) assert.ok(got.includes(id), `grid ${id} is not exported to the admin`)
  })

  test('a street_staff sees its street\'s grids only', async () => {
    const s = await setup()
    const st = await staff([{ role: 'street_staff', scope: streetA.path }])
    const { body } = await exportGrids(st.token)
    assert.ok(body.features.every((f) => covers(streetA.path, f.properties.path)), 'a grid of another street is exported')
    const got = ids(body)
    for (const g of s.gA) assert.ok(got.includes(g.id))
    assert.ok(!got.includes(s.gB[0].id))
  })

  test('a community_staff sees its community\'s grids; the staff of another community sees none of them', async () => {
    const s = await setup()
    const cs = await staff([{ role: 'community_staff', scope: s.cA.path }])
    assert.deepEqual(ids((await exportGrids(cs.token)).body), s.gA.map((g) => g.id))
    const other = await community(streetA)
    const cs2 = await staff([{ role: 'community_staff', scope: other.path }])
    assert.deepEqual((await exportGrids(cs2.token)).body, { type: 'FeatureCollection', features: [] })
    // and the demo's community staff (康城社区) sees only grids of its community
    const demo = await srv.loginAs('community')
    const scope = srv.account('community').scope
    const { body } = await exportGrids(demo.token)
    assert.ok(body.features.every((f) => covers(scope, f.properties.path)), `grids outside ${scope}`)
    for (const id of s.all) assert.ok(!ids(body).includes(id))
  })

  test('a grid_worker sees its own grid only', async () => {
    const s = await setup()
    const gw = await staff([{ role: 'grid_worker', scope: s.gA[1].path }])
    assert.deepEqual(ids((await exportGrids(gw.token)).body), [s.gA[1].id])
  })

  test('the demo accounts see the grids under their grant', async () => {
    const s = await setup()
    const everything = (await exportGrids()).body.features
    for (const login of ['resident', 'inspector', 'street', 'doctor', 'steward']) {
      const who = await srv.loginAs(login)
      const scope = srv.account(login).scope
      const got = ids((await exportGrids(who.token)).body)
      const want = everything.filter((f) => covers(scope, f.properties.path)).map((f) => f.id)
      assert.deepEqual(got, want, `${login} at ${scope}`)
      for (const g of [...s.gA, ...s.gB]) assert.equal(got.includes(g.id), covers(scope, g.path), `${login}: grid ${g.path}`)
    }
  })

  test('an account without grants gets an empty collection', async () => {
    const none = await staff([])
    assert.deepEqual((await exportGrids(none.token)).body, { type: 'FeatureCollection', features: [] })
  })
})

// ---------------------------------------------------------------------------------------

describe('audit records and live events', () => {
  test('an import leaves territory.grid_shaped (and node_created for new grids) on the stream and in the audit log', async () => {
    const c = await community()
    const b = block()
    await importGrids([feature({ parent_id: c.id, name: '事件旧网格' }, b.sq(0, 0))])
    const [old] = await children(c.id)
    const s = await subscribe()
    const t0 = Date.now()
    await importGrids([
      feature({ node_id: old.id }, [b.ring(0, 0, 2, 2), b.ring(0.5, 0.5)]),
      feature({ parent_id: c.id, name: '事件新网格' }, [b.sq(3, 0), b.sq(5, 0)], 'MultiPolygon'),
    ])
    const fresh_ = (await children(c.id)).find((g) => g.name === '事件新网格')
    const created = frame(await s.nextEvent('territory.node_created', (d) => d.payload?.node_id === fresh_.id))
    assert.deepEqual(created.payload, { node_id: fresh_.id, kind: 'grid', name: '事件新网格' })
    for (const g of [old, fresh_]) {
      const e = frame(await s.nextEvent('territory.grid_shaped', (d) => d.payload?.node_id === g.id))
      assert.equal(e.subject, `node:${g.id}`)
      assert.equal(e.scope, g.path)
      assert.deepEqual(e.payload, { node_id: g.id, name: g.name })
      assert.ok(e.created_at >= t0 - 5000 && e.created_at <= Date.now() + 5000)
    }
    s.close()

    const oldAudit = (await asAdmin(`/api/audit?target=node:${old.id}`)).items
    assert.deepEqual(oldAudit.map((r) => r.action), ['territory.grid_shaped', 'territory.grid_shaped', 'territory.node_created'])
    assert.deepEqual(oldAudit[0].details, { positions: 10, polygons: 1 })
    const newAudit = (await asAdmin(`/api/audit?target=node:${fresh_.id}`)).items
    assert.deepEqual(newAudit.map((r) => r.action), ['territory.grid_shaped', 'territory.node_created'])
    assert.deepEqual(newAudit[0].details, { positions: 10, polygons: 2 })
    for (const r of [...oldAudit, ...newAudit]) {
      assert.equal(r.actor_id, admin.account.id)
      assert.equal(r.ip, '127.0.0.1')
    }
  })

  test('the audit record names the staff member who imported', async () => {
    const c = await community()
    const b = block()
    const cs = await staff([{ role: 'community_staff', scope: c.path }])
    await importGrids([feature({ parent_id: c.id, name: '员工网格' }, b.sq(0, 0))], { token: cs.token })
    const [g] = await children(c.id)
    const [shaped] = (await asAdmin(`/api/audit?target=node:${g.id}`)).items
    assert.equal(shaped.action, 'territory.grid_shaped')
    assert.equal(shaped.actor_id, cs.account.id)
  })

  test('a dry run and a refused import leave no event and no audit record', async () => {
    const c = await community()
    const b = block()
    const s = await subscribe()
    const before = await snapshot()
    await importGrids([feature({ parent_id: c.id, name: '无痕一' }, b.sq(0, 0))], { dry: 'true' })
    await importGrids([feature({ parent_id: c.id, name: '无痕二' }, b.sq(2, 0)), feature({ parent_id: c.id, name: '坏' }, [[b.p(0, 0)]])], {
      status: 422,
    })
    await assertNothingWritten(before, c)
    // then a real import: its events are the first of this community on the stream
    await importGrids([feature({ parent_id: c.id, name: '有痕' }, b.sq(4, 0))])
    const [g] = await children(c.id)
    await s.nextEvent('territory.grid_shaped', (d) => d.payload?.node_id === g.id)
    const ours = s.events.map(frame).filter((d) => d.scope.startsWith(`${c.path}/`))
    assert.deepEqual(ours.map((d) => [d.type, d.payload.name]), [['territory.node_created', '有痕'], ['territory.grid_shaped', '有痕']])
    s.close()
  })

  test("a community_staff's stream has its community's grid events, not another community's", async () => {
    const c1 = await community()
    const c2 = await community()
    const b = block()
    const cs = await staff([{ role: 'community_staff', scope: c1.path }])
    const s = await subscribe(cs.token)
    await importGrids([feature({ parent_id: c2.id, name: '别处网格' }, b.sq(0, 0))])
    await importGrids([feature({ parent_id: c1.id, name: '本处网格' }, b.sq(2, 0))])
    const [g] = await children(c1.id)
    await s.nextEvent('territory.grid_shaped', (d) => d.payload?.node_id === g.id)
    const foreign = s.events.map(frame).filter((d) => d.type.startsWith('territory.') && !d.scope.startsWith(c1.path))
    assert.deepEqual(foreign, [])
    s.close()
  })
})

// ---------------------------------------------------------------------------------------

describe('hostile and malformed bodies', () => {
  const raw = (body, contentType = 'application/json') =>
    srv.request('POST', '/api/grids/geojson', { token: admin.token, body, headers: { 'Content-Type': contentType } })

  test('a body that is not JSON answers 400; NaN and Infinity are not JSON', async () => {
    checkError(await raw('{"type":"FeatureCollection","features":['), 400, 'bad_request')
    checkError(await raw('not json at all'), 400, 'bad_request')
    checkError(await raw('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"parent_id":1,"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[NaN,1],[1,1],[1,2],[NaN,1]]]}}]}'), 400, 'bad_request')
    checkError(await raw('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[Infinity,1]]]}}]}'), 400, 'bad_request')
    checkError(await raw(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), 400, 'bad_request')
  })

  test('deep nesting answers 400 and the server stays up', async () => {
    checkError(await raw('['.repeat(100000) + ']'.repeat(100000)), 400, 'bad_request')
    const deep = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":${'['.repeat(20000)}${']'.repeat(20000)}}}]}`
    const res = await raw(deep)
    assert.ok([400, 422].includes(res.status), String(res))
    check(res, res.status)
    check(await srv.get('/readyz'), 200)
  })

  test('nesting inside properties: other members are ignored, too deep a body is refused, never a crash', async () => {
    const c = await community()
    const b = block()
    const nest = (n) => JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n))
    const rep = await importGrids([feature({ parent_id: c.id, name: '深属性', extra: nest(10) }, b.sq(0, 0))], { dry: 'true' })
    assert.deepEqual(rep.problems, [])
    const res = await srv.post('/api/grids/geojson?dry_run=true', collection([feature({ parent_id: c.id, name: '深属性', extra: nest(1000) }, b.sq(0, 0))]), T)
    assert.ok([200, 400].includes(res.status), String(res))
    check(res, res.status)
    check(await srv.get('/readyz'), 200)
  })

  test('huge numbers: 1e400 is no finite number, 1e308 is out of range, a 20-digit node_id names no grid', async () => {
    const c = await community()
    const b = block()
    const before = await snapshot()
    const body = JSON.stringify(collection([feature({ parent_id: c.id, name: '大数' }, b.sq(0, 0))])).replace(
      JSON.stringify(b.p(0, 0)),
      '[1e400,-1e400]',
    )
    const rep = check(await raw(body), 422)
    assert.equal(rep.problems.length, 1)
    assert.match(rep.problems[0].message, /not a finite number/)
    const rep2 = await importGrids([feature({ parent_id: c.id, name: '大数' }, [[[1e308, 30], [100, 30], [100, 31], [1e308, 30]]])], { status: 422 })
    assert.match(rep2.problems[0].message, /longitude 1e\+?308 is outside -180\.\.180/)
    const big = check(await raw(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"node_id":99999999999999999999},"geometry":{"type":"Polygon","coordinates":${JSON.stringify(b.sq(0, 0))}}}]}`), 422)
    assert.match(big.problems[0].message, /^properties\.node_id must be a positive integer$|^no grid you may see/)
    const max = check(await raw(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"node_id":9223372036854775807},"geometry":{"type":"Polygon","coordinates":${JSON.stringify(b.sq(0, 0))}}}]}`), 422)
    assert.equal(max.problems[0].message, 'no grid you may see has node_id 9223372036854775807')
    await assertNothingWritten(before, c)
  })

  test('NaN-like strings are not positions', async () => {
    const c = await community()
    const b = block()
    const features = ['NaN', 'Infinity', '-Infinity', '1e3', '100.5', ''].map((v, i) =>
      feature({ parent_id: c.id, name: `字符串${i}` }, [[[v, 30], b.p(1, 0), b.p(1, 1), [v, 30]]]),
    )
    const rep = await importGrids(features, { status: 422 })
    assert.equal(rep.problems.length, features.length)
    for (const p of rep.problems) assert.match(p.message, /^geometry\.coordinates\[0\]\[0\] must be a position/)
  })

  test('the body as a whole: not a FeatureCollection, no features, features not an array: 422', async () => {
    checkError(await srv.post('/api/grids/geojson', { type: 'Feature', geometry: null, properties: {} }, T), 422, 'invalid_input', { field: 'type' })
    checkError(await srv.post('/api/grids/geojson', { features: [] }, T), 422, 'invalid_input', { field: 'type' })
    checkError(await srv.post('/api/grids/geojson', { type: 'featurecollection', features: [] }, T), 422, 'invalid_input', { field: 'type' })
    checkError(await srv.post('/api/grids/geojson', { type: 'FeatureCollection' }, T), 422, 'invalid_input', { field: 'features' })
    checkError(await srv.post('/api/grids/geojson', { type: 'FeatureCollection', features: {} }, T), 422, 'invalid_input', { field: 'features' })
    checkError(await srv.post('/api/grids/geojson', { type: 'FeatureCollection', features: [] }, T), 422, 'invalid_input', { field: 'features' })
    checkError(await srv.post('/api/grids/geojson', [], T), 422, 'invalid_input')
    checkError(await srv.post('/api/grids/geojson', 'FeatureCollection', T), 422, 'invalid_input')
    checkError(await raw('null'), 422, 'invalid_input')
  })

  test('2001 features answer 422 naming features; 2000 are checked (dry run)', async () => {
    const c = await community()
    const b = block()
    const many = (n) =>
      Array.from({ length: n }, (_, i) => {
        const x = (i % 50) * 0.2
        const y = Math.floor(i / 50) * 0.2
        return feature({ parent_id: c.id, name: `多${i}` }, [[b.p(x, y), b.p(x + 0.1, y), b.p(x + 0.1, y + 0.1), b.p(x, y + 0.1), b.p(x, y)]])
      })
    const before = await snapshot()
    checkError(await srv.post('/api/grids/geojson', collection(many(2001)), T), 422, 'invalid_input', { field: 'features' })
    await assertNothingWritten(before, c)
    const rep = await importGrids(many(2000), { dry: 'true' })
    assert.equal(rep.features, 2000)
    assert.deepEqual(rep.problems, [])
    await assertNothingWritten(before, c)
  })

  /** POSTs a large body on a raw connection: the head, then the body 200 ms later (an early 413 is read, not lost to a reset). */
  async function rawBig(body, path = '/api/grids/geojson') {
    const head =
      `POST ${path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${admin.token}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`
    const res = await srv.raw([[0, head], [200, body]], { timeout: 15000 })
    return rawReply('POST', path, res)
  }

  test('a body of a few MiB is read: the route takes up to 16 MiB, not the 1 MiB default', async () => {
    const c = await community()
    const b = block()
    // 100 features of 0.1 × 0.1 hundredths, each a ring of 2001 positions along its edges
    const features = []
    for (let i = 0; i < 100; i++) {
      const x = (i % 10) * 0.2
      const y = Math.floor(i / 10) * 0.2
      const ring = []
      for (let k = 0; k < 500; k++) ring.push(b.p(x + (0.1 * k) / 500, y))
      for (let k = 0; k < 500; k++) ring.push(b.p(x + 0.1, y + (0.1 * k) / 500))
      for (let k = 0; k < 500; k++) ring.push(b.p(x + 0.1 - (0.1 * k) / 500, y + 0.1))
      for (let k = 0; k < 500; k++) ring.push(b.p(x, y + 0.1 - (0.1 * k) / 500))
      ring.push(ring[0])
      features.push(feature({ parent_id: c.id, name: `大文件${i}` }, [ring]))
    }
    const body = JSON.stringify(collection(features))
    assert.ok(body.length > 3 << 20 && body.length < 16 << 20, `${body.length} bytes`)
    const rep = check(await rawBig(body), 200)
    assert.deepEqual(rep.problems, [])
    assert.equal(rep.created, 100)
  })

  test('more than 1,000,000 positions in one import answer 422 naming features', async () => {
    // 51 features of 19,700 positions: [0,0] repeated (never looked at: the count comes first)
    const ring = '[' + Array(19700).fill('[0,0]').join(',') + ']'
    const f = `{"type":"Feature","properties":{"node_id":1},"geometry":{"type":"Polygon","coordinates":[${ring}]}}`
    const body = `{"type":"FeatureCollection","features":[${Array(51).fill(f).join(',')}]}`
    assert.ok(body.length < 16 << 20)
    const e = checkError(await rawBig(body), 422, 'invalid_input', { field: 'features' })
    assert.match(e.message, /1000000 positions/)
  })

  test('a body declared over 16 MiB answers 413 (a 6 MB one above was read)', async () => {
    const res = await srv.raw(
      `POST /api/grids/geojson HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${admin.token}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${(16 << 20) + 1}\r\n\r\n{"type":"FeatureCollection",`,
      { timeout: 1500 },
    )
    checkError(rawReply('POST', '/api/grids/geojson', res), 413, 'too_large')
  })

  test('a Content-Type other than application/json or application/geo+json answers 415', async () => {
    const body = JSON.stringify(collection([]))
    for (const ct of ['text/plain', 'application/vnd.geo+json', 'application/x-www-form-urlencoded'])
      checkError(await raw(body, ct), 415, 'unsupported_media_type')
  })
})

endsCleanly(srv)
