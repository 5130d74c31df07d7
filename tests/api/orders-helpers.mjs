// Helpers of the work order tests (orders.test.mjs): running many requests with a bounded
// width, shuffling, finding a point inside a grid by asking the server's own point → grid
// lookup, and the accounts the tests make.
import assert from 'node:assert/strict'

import { check } from './harness.mjs'

/** Runs the thunks `tasks` with at most `width` at once; resolves their results in order. */
export async function inParallel(tasks, width) {
  const out = new Array(tasks.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++
        out[i] = await tasks[i]()
      }
    }),
  )
  return out
}

/** A shuffled copy (Fisher–Yates). */
export function shuffle(items) {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a
}

/** The grid GET /api/grids/locate finds at a point (its `grid`, or null). */
export async function locate(srv, token, { lat, lon }) {
  return check(await srv.get(`/api/grids/locate?lon=${lon}&lat=${lat}`, { token }), 200, 'GridHit').grid
}

/** Every [lon, lat] pair of a GeoJSON geometry's coordinates. */
function positions(coords, out = []) {
  if (typeof coords[0] === 'number') out.push(coords)
  else for (const c of coords) positions(c, out)
  return out
}

/**
 * A point inside grid `node`: the grid's shape from the export, then points of a lattice over
 * its bounding box until the server's own lookup answers that grid.
 */
export async function pointIn(srv, token, node) {
  const fc = check(await srv.get('/api/grids/geojson', { token }), 200, 'GridFeatureCollection')
  const f = fc.features.find((x) => x.id === node.id)
  assert.ok(f, `grid ${node.name} (${node.id}) has no shape in the export`)
  const ps = positions(f.geometry.coordinates)
  const lons = ps.map((p) => p[0])
  const lats = ps.map((p) => p[1])
  const [w, e, s, n] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)]
  for (const k of [2, 4, 8]) // the middle first, then finer lattices
    for (let i = 1; i < k; i++)
      for (let j = 1; j < k; j++) {
        const p = { lat: Number((s + ((n - s) * j) / k).toFixed(6)), lon: Number((w + ((e - w) * i) / k).toFixed(6)) }
        if ((await locate(srv, token, p))?.id === node.id) return p
      }
  assert.fail(`found no point inside grid ${node.name} (${node.id})`)
}

/** Makes accounts (as the admin) holding `roles`, and logs each in: resolves the login responses. */
export async function newAccounts(srv, adminToken, count, roles, base) {
  return inParallel(
    Array.from({ length: count }, (_, i) => async () => {
      const username = `${base}${i + 1}`
      const body = { username, display_name: username, password: 'a-good-password', roles }
      check(await srv.post('/api/accounts', body, { token: adminToken }), 201)
      return srv.login(username, 'a-good-password')
    }),
    16,
  )
}
