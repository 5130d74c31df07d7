// Vant's icon CSS embeds its font as a data: URL with a CDN fallback (at.alicdn.com).
// The server's CSP allows neither (no font-src, so default-src 'self'), which leaves
// every Vant icon blank. This plugin writes the embedded font to a file and points the
// @font-face at it, so Vite ships it as an ordinary hashed asset from our own origin.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import type { Plugin } from 'vite'

const FONT_SRC = /src:\s*url\(data:font\/woff2;charset=utf-8;base64,([A-Za-z0-9+/=]+)\)\s*format\(["']woff2["']\)[^;}]*/

export function vantIconFont(cacheDir: string): Plugin {
  const require = createRequire(import.meta.url)
  let cssFile = ''
  let fontFile = ''
  return {
    name: 'mashang:vant-icon-font',
    enforce: 'pre',
    buildStart() {
      cssFile = join(dirname(require.resolve('vant/package.json')), 'es', 'icon', 'index.css')
      const m = FONT_SRC.exec(readFileSync(cssFile, 'utf8'))
      if (!m) this.error(`no embedded woff2 font found in ${cssFile}: check the Vant version`)
      fontFile = join(cacheDir, 'vant-icon.woff2')
      mkdirSync(cacheDir, { recursive: true })
      writeFileSync(fontFile, Buffer.from(m[1], 'base64'))
    },
    transform(code, id) {
      if (!cssFile || id.split('?')[0] !== cssFile) return null
      const url = relative(dirname(cssFile), fontFile).split('\\').join('/')
      return { code: code.replace(FONT_SRC, `src: url("${url}") format("woff2")`), map: null }
    },
  }
}
