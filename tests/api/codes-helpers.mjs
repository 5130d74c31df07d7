// Helpers of the codes tests (codes.test.mjs, code-prints.test.mjs): the printed numbers
// (Crockford base32 with a mod-37 check symbol), reading PNG images of QR codes (their size,
// quiet zone and error correction level, straight from the pixels), decoding them with
// zbarimg, and decoding every plate of a printed PDF (pdftoppm, one crop per plate).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { inflateSync } from 'node:zlib'

const run = promisify(execFile)

export const TOKEN_RE = /^[A-Za-z0-9_-]{24}$/
export const NUMBER_RE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}[0-9A-HJKMNP-TV-Z*~$=U]$/
export const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const SYMBOLS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U' // 32 digits, then the 5 check-only symbols

/** The code id a printed number stands for, or null when it is malformed or its check symbol is wrong. */
export function idOfNumber(number) {
  const s = number.replace(/-/g, '').toUpperCase()
  if (s.length !== 7) return null
  let id = 0
  for (const ch of s.slice(0, 6)) {
    const v = SYMBOLS.slice(0, 32).indexOf(ch)
    if (v < 0) return null
    id = id * 32 + v
  }
  return SYMBOLS.indexOf(s[6]) === id % 37 ? id : null
}

/** The printed number of a code id (`XXXX-XXX`). */
export function numberOfId(id) {
  let digits = ''
  for (let v = id, i = 0; i < 6; i++, v = Math.floor(v / 32)) digits = SYMBOLS[v % 32] + digits
  return `${digits.slice(0, 4)}-${digits.slice(4)}${SYMBOLS[id % 37]}`
}

/** A 24-character token of the token alphabet that was never issued (random, its MAC will not verify). */
export function randomToken() {
  let t = ''
  for (let i = 0; i < 24; i++) t += ALPHABET[Math.floor(Math.random() * 64)]
  return t
}

/** The token with the character at `i` replaced by another of the alphabet. */
export function flip(token, i) {
  const at = ALPHABET.indexOf(token[i])
  return token.slice(0, i) + ALPHABET[(at + 1 + Math.floor(Math.random() * 63)) % 64] + token.slice(i + 1)
}

// ---------------------------------------------------------------------------------------
// PNG (non-interlaced; grey, RGB, palette, with or without alpha) → dark/light pixels

export function readPng(buf) {
  assert.ok(buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'not a PNG signature')
  let off = 8
  let ihdr
  let palette = null
  const idat = []
  while (off < buf.length) {
    const len = buf.readUInt32BE(off)
    const type = buf.toString('latin1', off + 4, off + 8)
    const data = buf.subarray(off + 8, off + 8 + len)
    if (type === 'IHDR')
      ihdr = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), depth: data[8], color: data[9], interlace: data[12] }
    else if (type === 'PLTE') palette = data
    else if (type === 'IDAT') idat.push(data)
    else if (type === 'IEND') break
    off += 12 + len
  }
  assert.ok(ihdr, 'PNG without IHDR')
  assert.equal(ihdr.interlace, 0, 'interlaced PNG')
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[ihdr.color]
  assert.ok(channels, `PNG colour type ${ihdr.color}`)
  const bpp = Math.max(1, (channels * ihdr.depth) >> 3) // bytes per pixel for the filters
  const stride = Math.ceil((ihdr.width * channels * ihdr.depth) / 8)
  const raw = inflateSync(Buffer.concat(idat))
  assert.equal(raw.length, (stride + 1) * ihdr.height, 'PNG image data of the wrong size')
  const rows = []
  let prev = Buffer.alloc(stride)
  for (let y = 0; y < ihdr.height; y++) {
    const f = raw[y * (stride + 1)]
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)))
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp] : 0
      const b = prev[i]
      const c = i >= bpp ? prev[i - bpp] : 0
      let add = 0
      if (f === 1) add = a
      else if (f === 2) add = b
      else if (f === 3) add = (a + b) >> 1
      else if (f === 4) {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      } else assert.equal(f, 0, `PNG filter ${f}`)
      line[i] = (line[i] + add) & 0xff
    }
    rows.push(line)
    prev = line
  }
  const sample = (line, x, ch) => {
    if (ihdr.depth === 8) return line[x * channels + ch]
    const bit = x * ihdr.depth
    const v = (line[bit >> 3] >> (8 - ihdr.depth - (bit & 7))) & ((1 << ihdr.depth) - 1)
    return v
  }
  const luminance = (x, y) => {
    const line = rows[y]
    if (ihdr.color === 3) {
      const i = sample(line, x, 0)
      return (palette[i * 3] + palette[i * 3 + 1] + palette[i * 3 + 2]) / 3
    }
    if (ihdr.color === 0 || ihdr.color === 4) return (sample(line, x, 0) * 255) / ((1 << ihdr.depth) - 1)
    return (sample(line, x, 0) + sample(line, x, 1) + sample(line, x, 2)) / 3
  }
  return { width: ihdr.width, height: ihdr.height, dark: (x, y) => luminance(x, y) < 128 }
}

/**
 * Reads a QR code rendered at `px` pixels per module with a quiet zone of `quiet` modules:
 * checks the quiet zone is light and the three finder patterns are where they belong, and
 * reads the format information (both copies) for the error correction level.
 * Returns { modules, version, level } (level 'L' | 'M' | 'Q' | 'H').
 */
export function readQr(png, px, quiet = 4) {
  const img = readPng(png)
  assert.equal(img.width, img.height, 'a QR image is square')
  assert.equal(img.width % px, 0, `the image width ${img.width} is not a multiple of ${px} pixels per module`)
  const n = img.width / px - 2 * quiet
  assert.ok(n >= 21 && (n - 17) % 4 === 0, `${n} modules is not a QR code size (quiet zone ${quiet})`)
  const m = (r, c) => img.dark((c + quiet) * px + (px >> 1), (r + quiet) * px + (px >> 1))
  for (let i = 0; i < img.width; i += Math.max(1, px >> 1))
    for (let q = 0; q < quiet * px; q += Math.max(1, px >> 1)) {
      assert.ok(!img.dark(i, q) && !img.dark(q, i) && !img.dark(i, img.width - 1 - q) && !img.dark(img.width - 1 - q, i),
        'the quiet zone is not light')
    }
  const finder = (r0, c0) => {
    for (let r = 0; r < 7; r++)
      for (let c = 0; c < 7; c++) {
        const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3))
        assert.equal(m(r0 + r, c0 + c), ring !== 2, `finder pattern at ${r0},${c0} broken at ${r},${c}`)
      }
  }
  finder(0, 0)
  finder(0, n - 7)
  finder(n - 7, 0)
  let a = 0
  for (let c = 0; c <= 5; c++) a = (a << 1) | m(8, c)
  a = (a << 1) | m(8, 7)
  a = (a << 1) | m(8, 8)
  a = (a << 1) | m(7, 8)
  for (let r = 5; r >= 0; r--) a = (a << 1) | m(r, 8)
  let b = 0
  for (let r = n - 1; r >= n - 7; r--) b = (b << 1) | m(r, 8)
  for (let c = n - 8; c < n; c++) b = (b << 1) | m(8, c)
  assert.equal(a, b, 'the two copies of the format information differ')
  const format = a ^ 0x5412
  const level = ['M', 'L', 'H', 'Q'][format >> 13]
  return { modules: n, version: (n - 17) / 4, level }
}

// ---------------------------------------------------------------------------------------
// zbarimg and pdftoppm

/** Every QR code zbarimg finds in an image file (raw payloads; stderr ignored). */
export async function zbar(file) {
  try {
    const { stdout } = await run('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', file], { timeout: 30000 })
    return stdout.split('\n').filter(Boolean)
  } catch (e) {
    if (e.code === 4) return [] // no symbol found
    throw e
  }
}

/** Decodes an image held in memory (written to a temp file first). */
export async function zbarBuffer(buf, ext = 'png') {
  const dir = mkdtempSync(join(tmpdir(), 'mashang-qr-'))
  try {
    const file = join(dir, `code.${ext}`)
    writeFileSync(file, buf)
    return await zbar(file)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function pool(tasks, width) {
  const out = new Array(tasks.length)
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++
        out[i] = await tasks[i]()
      }
    }),
  )
  return out
}

/** Every QR code ZXingReader finds in an image file (payloads). */
export async function zxing(file) {
  const { stdout } = await run('ZXingReader', ['-format', 'QRCode', file], { timeout: 30000 })
  const out = []
  for (const m of stdout.matchAll(/^Text:\s+"(.*)"$/gm)) out.push(m[1])
  return out
}

/**
 * The QR codes of a printed sheet: the page count (pdfinfo), and per page the payloads found
 * plate by plate: `cols` × `rows` cells of equal size, each cropped with a margin into its
 * neighbours (so a plate not exactly on the equal grid is whole in its crop), rendered at
 * `dpi` and decoded on its own by zbarimg and by ZXingReader, which must agree (both miss
 * codes on a busy whole page). Returns { pages, perPage: [[payload]], all: Set }.
 */
export async function pdfCodes(pdf, { cols, rows, dpi = 200 }) {
  const dir = mkdtempSync(join(tmpdir(), 'mashang-pdf-'))
  try {
    const file = join(dir, 'sheet.pdf')
    writeFileSync(file, pdf)
    const { stdout: info } = await run('pdfinfo', [file], { timeout: 30000 })
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1])
    const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info)
    assert.ok(pages >= 1 && size, `pdfinfo could not read the sheet:\n${info}`)
    const w = Math.floor((Number(size[1]) * dpi) / 72)
    const h = Math.floor((Number(size[2]) * dpi) / 72)
    const cw = Math.floor(w / cols)
    const ch = Math.floor(h / rows)
    const mx = Math.floor(cw * 0.12)
    const my = Math.floor(ch * 0.12)
    const tasks = []
    for (let p = 1; p <= pages; p++)
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++)
          tasks.push(async () => {
            const base = join(dir, `p${p}-r${r}-c${c}`)
            const x = Math.max(0, c * cw - mx)
            const y = Math.max(0, r * ch - my)
            await run('pdftoppm', ['-f', `${p}`, '-l', `${p}`, '-r', `${dpi}`, '-x', `${x}`, '-y', `${y}`,
              '-W', `${Math.min(w - x, cw + 2 * mx)}`, '-H', `${Math.min(h - y, ch + 2 * my)}`, '-gray', '-png', '-singlefile',
              file, base], { timeout: 30000 })
            const [zb, zx] = await Promise.all([zbar(`${base}.png`), zxing(`${base}.png`)])
            assert.deepEqual([...zx].sort(), [...zb].sort(),
              `page ${p}, row ${r + 1}, column ${c + 1}: ZXingReader and zbarimg read different codes`)
            return { p, found: zb }
          })
    const cells = await pool(tasks, 4)
    const perPage = Array.from({ length: pages }, () => [])
    for (const { p, found } of cells) perPage[p - 1].push(...found)
    return { pages, perPage, all: new Set(perPage.flat()) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Every item of a paged list (`items`, `next_after`), following `after`. */
export async function allPages(srv, path, token, checkFn) {
  const out = []
  let after = 0
  for (let pages = 0; pages < 500; pages++) {
    const sep = path.includes('?') ? '&' : '?'
    const p = checkFn(await srv.get(`${path}${sep}limit=200&after=${after}`, { token }))
    out.push(...p.items)
    if (p.next_after === null) return out
    after = p.next_after
  }
  assert.fail(`more than 500 pages of ${path}`)
}
