// The OpenAPI document and the server agree on which routes exist.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'

import { BIN, ROOT, openapi, validatorAt } from './harness.mjs'

const run = promisify(execFile)
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

async function registeredRoutes() {
  const { stdout } = await run(BIN, ['routes', '--json'], { cwd: ROOT, timeout: 20000 })
  const routes = JSON.parse(stdout)
  assert.ok(Array.isArray(routes) && routes.length > 0, `mashang routes --json printed no routes: ${stdout}`)
  for (const r of routes) assert.ok(typeof r.method === 'string' && typeof r.path === 'string', JSON.stringify(r))
  return routes
}

test('every route the server registers is described in openapi.yaml', async () => {
  const missing = (await registeredRoutes())
    .filter((r) => !openapi.paths[r.path]?.[r.method.toLowerCase()])
    .map((r) => `${r.method} ${r.path}`)
  assert.deepEqual(missing, [], `routes missing from docs/openapi.yaml: ${missing.join(', ')}`)
})

test('every API operation in openapi.yaml is a route the server registers', async () => {
  const have = new Set((await registeredRoutes()).map((r) => `${r.method.toUpperCase()} ${r.path}`))
  const extra = []
  for (const [path, item] of Object.entries(openapi.paths))
    for (const m of METHODS)
      if (item[m] && !item[m]['x-mashang-static'] && !have.has(`${m.toUpperCase()} ${path}`))
        extra.push(`${m.toUpperCase()} ${path}`)
  assert.deepEqual(extra, [], `documented but not served: ${extra.join(', ')}`)
})

test('every documented response schema compiles, and every response carries X-Request-Id', () => {
  const problems = []
  for (const [path, item] of Object.entries(openapi.paths)) {
    for (const m of METHODS) {
      const op = item[m]
      if (!op) continue
      assert.ok(op.responses && Object.keys(op.responses).length, `${m} ${path} has no responses`)
      for (const [status, r0] of Object.entries(op.responses)) {
        let r = r0
        if (r.$ref) r = openapi.components.responses[r.$ref.split('/').pop()]
        if (!r) {
          problems.push(`${m} ${path} ${status}: dangling ${r0.$ref}`)
          continue
        }
        if (!r.headers?.['X-Request-Id']) problems.push(`${m} ${path} ${status}: no X-Request-Id header`)
        for (const media of Object.keys(r.content || {})) {
          const base = r0.$ref
            ? `${r0.$ref.slice(1)}/content/${media.replace(/\//g, '~1')}/schema`
            : `/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${m}/responses/${status}/content/${media.replace(/\//g, '~1')}/schema`
          try {
            validatorAt(base)
          } catch (e) {
            problems.push(`${m} ${path} ${status} ${media}: ${e.message}`)
          }
        }
      }
    }
  }
  assert.deepEqual(problems, [])
})

test('every operation that needs a session answers 401, and every JSON route documents 429', () => {
  const problems = []
  for (const [path, item] of Object.entries(openapi.paths)) {
    for (const m of METHODS) {
      const op = item[m]
      if (!op) continue
      const security = op.security ?? openapi.security
      const open = security.length === 0 || security.some((s) => Object.keys(s).length === 0)
      if (!open && !op.responses['401']) problems.push(`${m} ${path}: authenticated but no 401`)
      if (!op.responses['429']) problems.push(`${m} ${path}: no 429 (every route is rate limited)`)
      if (!op.responses['413']) problems.push(`${m} ${path}: no 413 (header limit applies everywhere)`)
    }
  }
  assert.deepEqual(problems, [])
})
