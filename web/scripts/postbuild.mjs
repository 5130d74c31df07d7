// After `vite build`:
//  1. Swagger UI, served offline from dist/api-docs/ (no CDN). The server sends a strict
//     CSP (no inline script), so the start-up code is a file of its own, init.js.
//  2. A gzip (level 9) copy next to every compressible file above 1 KiB; the server sends
//     it to clients that accept gzip.
import { createRequire } from 'node:module'
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, extname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync, constants } from 'node:zlib'

const here = dirname(fileURLToPath(import.meta.url))
const dist = resolve(here, '..', 'dist')
const docsDir = join(dist, 'api-docs')
const require = createRequire(import.meta.url)

const GZIP_MIN_BYTES = 1024
const GZIP_EXTENSIONS = new Set(['.js', '.css', '.html', '.svg', '.json'])
/** Where the server publishes the OpenAPI document (docs/openapi.yaml). */
const OPENAPI_URL = '/api/openapi.yaml'
/** Absolute, so the page works both at /api-docs/ and when served at /api/docs. */
const DOCS_BASE = '/api-docs/'

async function writeSwaggerUi() {
  const swaggerDir = dirname(require.resolve('swagger-ui-dist/package.json'))
  await mkdir(docsDir, { recursive: true })
  for (const f of ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']) {
    await copyFile(join(swaggerDir, f), join(docsDir, f))
  }
  await writeFile(
    join(docsDir, 'index.html'),
    `<!doctype html>
<html lang="zh-CN">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>码上 Mashang API</title>
    <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
    <link rel="stylesheet" href="${DOCS_BASE}swagger-ui.css" />
    <style>body { margin: 0; }</style>
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_BASE}swagger-ui-bundle.js"></script>
    <script src="${DOCS_BASE}swagger-ui-standalone-preset.js"></script>
    <script src="${DOCS_BASE}init.js"></script>
  </body>
</html>
`,
  )
  await writeFile(
    join(docsDir, 'init.js'),
    `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(OPENAPI_URL)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
    validatorUrl: null,
    withCredentials: true,
  });
});
`,
  )
}

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) yield* walk(p)
    else if (entry.isFile()) yield p
  }
}

async function gzipAll() {
  let count = 0
  for await (const file of walk(dist)) {
    if (!GZIP_EXTENSIONS.has(extname(file))) continue
    if ((await stat(file)).size <= GZIP_MIN_BYTES) continue
    const gz = gzipSync(await readFile(file), { level: constants.Z_BEST_COMPRESSION })
    await writeFile(`${file}.gz`, gz)
    count += 1
  }
  return count
}

const t0 = Date.now()
await writeSwaggerUi()
const n = await gzipAll()
console.log(`postbuild: Swagger UI in ${relative(process.cwd(), docsDir)}/, ${n} files gzipped (${Date.now() - t0} ms)`)
