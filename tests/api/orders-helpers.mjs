// Helpers of the work order tests (orders.test.mjs): running many requests with a bounded
// width, shuffling, finding a point inside a grid by asking the server's own point → grid
// lookup, and the accounts the tests make.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { deflateSync } from 'node:zlib'

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

// ---------------------------------------------------------------------------------------
// Photos (photos.test.mjs, reports.test.mjs): test images made with the vips command line in
// a temp dir, EXIF segments and PNG files written byte by byte, JPEG headers read back.

const run = promisify(execFile)

export const MIME = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' }

/**
 * Makes test images with `vips` (libvips' command line) in a temp dir of its own.
 * `make(width, height, ext, { pattern, q })` resolves the encoded file as a Buffer:
 *   pattern `gradient` (default; small files), `noise` (incompressible: big files, long scans)
 *   or `halves` (left half white, right half black: shows which way a photo was turned).
 * Every file is saved without metadata (`strip`); add EXIF with withExif().
 */
export class ImageMaker {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'mashang-photos-'))
    this.n = 0
  }

  async vips(...args) {
    const { stdout } = await run('vips', args, { cwd: this.dir, timeout: 120000, maxBuffer: 1 << 20 })
    return stdout
  }

  async make(width, height, ext, { pattern = 'gradient', q = 85 } = {}) {
    const f = (name) => `${this.n}-${name}`
    this.n++
    if (pattern === 'noise') {
      for (const b of ['r', 'g', 'b'])
        await this.vips('gaussnoise', f(`${b}.v`), String(width), String(height), '--mean', '128', '--sigma', '60')
      await this.vips('bandjoin', `${f('r.v')} ${f('g.v')} ${f('b.v')}`, f('rgb.v'))
    } else if (pattern === 'halves') {
      const left = Math.floor(width / 2)
      await this.vips('black', f('l0.v'), String(left), String(height))
      await this.vips('linear', f('l0.v'), f('l.v'), '1', '255')
      await this.vips('black', f('r.v'), String(width - left), String(height))
      await this.vips('join', f('l.v'), f('r.v'), f('one.v'), 'horizontal')
      await this.vips('bandjoin', `${f('one.v')} ${f('one.v')} ${f('one.v')}`, f('rgb.v'))
    } else {
      await this.vips('xyz', f('xyz.v'), String(width), String(height))
      await this.vips('extract_band', f('xyz.v'), f('x.v'), '0')
      await this.vips('extract_band', f('xyz.v'), f('y.v'), '1')
      await this.vips('linear', f('x.v'), f('xl.v'), String(255 / width), '0')
      await this.vips('linear', f('y.v'), f('yl.v'), String(255 / height), '0')
      await this.vips('bandjoin', `${f('xl.v')} ${f('yl.v')} ${f('xl.v')}`, f('rgb.v'))
    }
    await this.vips('cast', f('rgb.v'), f('rgbu.v'), 'uchar')
    const out = f(`out.${ext}`)
    const opts = ext === 'jpg' || ext === 'webp' ? `[strip,Q=${q}]` : ext === 'gif' ? '' : '[strip]'
    await this.vips('copy', f('rgbu.v'), out + opts)
    const buf = readFileSync(join(this.dir, out))
    // The intermediate .v files are big (width × height × 3 × 4 bytes): not kept.
    for (const name of ['r.v', 'g.v', 'b.v', 'rgb.v', 'rgbu.v', 'xyz.v', 'x.v', 'y.v', 'xl.v', 'yl.v', 'l0.v', 'l.v', 'one.v'])
      rmSync(join(this.dir, f(name)), { force: true })
    return buf
  }

  /** The average of a region of an image (any format vips reads), 0–255. */
  async avg(buf, { left, top, width, height }) {
    const f = `${this.n++}-avg`
    writeFileSync(join(this.dir, f), buf)
    await this.vips('extract_area', f, `${f}.v`, String(left), String(top), String(width), String(height))
    return Number((await this.vips('avg', `${f}.v`)).trim())
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

/** CRC-32 (the PNG one). */
export function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** One PNG chunk with its length and CRC. */
export function pngChunk(type, data = Buffer.alloc(0)) {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])))
  return Buffer.concat([head, data, crc])
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

function ihdr(width, height, depth, color) {
  const d = Buffer.alloc(13)
  d.writeUInt32BE(width, 0)
  d.writeUInt32BE(height, 4)
  d[8] = depth
  d[9] = color // 0 grey, 2 RGB
  return pngChunk('IHDR', d) // compression 0, filter 0, no interlace
}

/**
 * A PNG whose header claims `width` × `height` (RGB, 8 bits) followed by a tiny IDAT: a
 * decompression bomb's header. Every CRC is valid; only the pixel data is (much) too short.
 */
export function pngHeaderBomb(width, height) {
  return Buffer.concat([PNG_SIGNATURE, ihdr(width, height, 8, 2), pngChunk('IDAT', deflateSync(Buffer.alloc(64))), pngChunk('IEND')])
}

/** A complete, valid all-black PNG of any size (grey, `depth` bits): big in pixels, a few KB in bytes. */
export function pngBlank(width, height, depth = 1) {
  const stride = 1 + Math.ceil((width * depth) / 8) // filter byte + the row
  const raw = Buffer.alloc(stride * height)
  return Buffer.concat([PNG_SIGNATURE, ihdr(width, height, depth, 0), pngChunk('IDAT', deflateSync(raw, { level: 9 })), pngChunk('IEND')])
}

/** The segments of a JPEG before its scan: [{ marker, offset, data }], and the frame's size. */
export function jpegInfo(buf) {
  assert.ok(buf.length > 4 && buf[0] === 0xff && buf[1] === 0xd8, `not a JPEG: ${buf.subarray(0, 8).toString('hex')}`)
  const segments = []
  let width = null
  let height = null
  let off = 2
  while (off + 4 <= buf.length) {
    assert.equal(buf[off], 0xff, `JPEG: no marker at ${off}`)
    while (buf[off + 1] === 0xff) off++ // fill bytes
    const marker = buf[off + 1]
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      off += 2
      continue
    }
    const len = buf.readUInt16BE(off + 2)
    const data = buf.subarray(off + 4, off + 2 + len)
    segments.push({ marker, offset: off, data })
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      height = data.readUInt16BE(1)
      width = data.readUInt16BE(3)
    }
    if (marker === 0xda || marker === 0xd9) break
    off += 2 + len
  }
  return { width, height, segments, markers: segments.map((s) => s.marker) }
}

/** A JPEG segment (marker 0xE1 = APP1, 0xFE = COM, …) with its length. */
export function jpegSegment(marker, data) {
  const head = Buffer.from([0xff, marker, 0, 0])
  head.writeUInt16BE(data.length + 2, 2)
  return Buffer.concat([head, data])
}

/** A copy of a JPEG with its SOF's size replaced (a header that lies about the size). */
export function jpegWithSize(jpeg, width, height) {
  const sof = jpegInfo(jpeg).segments.find((s) => s.marker >= 0xc0 && s.marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(s.marker))
  assert.ok(sof, 'JPEG without a frame header')
  const out = Buffer.from(jpeg)
  out.writeUInt16BE(height, sof.offset + 5)
  out.writeUInt16BE(width, sof.offset + 7)
  return out
}

// TIFF types: 1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL (big-endian "MM" TIFF here).
const TIFF_SIZE = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8 }

/** An IFD at `start` (offsets from the TIFF header): entries [{ tag, type, count, value: Buffer }]. */
function tiffIfd(entries, start) {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag)
  const dirLen = 2 + 12 * sorted.length + 4
  const dir = Buffer.alloc(dirLen)
  const extra = []
  let extraOff = start + dirLen
  dir.writeUInt16BE(sorted.length, 0)
  sorted.forEach((e, i) => {
    const at = 2 + 12 * i
    dir.writeUInt16BE(e.tag, at)
    dir.writeUInt16BE(e.type, at + 2)
    dir.writeUInt32BE(e.count, at + 4)
    assert.equal(e.value.length, TIFF_SIZE[e.type] * e.count, `tag ${e.tag}: value of the wrong size`)
    if (e.value.length <= 4) e.value.copy(dir, at + 8)
    else {
      dir.writeUInt32BE(extraOff, at + 8)
      const v = e.value.length % 2 ? Buffer.concat([e.value, Buffer.alloc(1)]) : e.value
      extra.push(v)
      extraOff += v.length
    }
  })
  // next IFD: 0 (the last four bytes of `dir` are already zero)
  return Buffer.concat([dir, ...extra])
}

const short = (n) => {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}
const long = (n) => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}
const ascii = (s) => Buffer.from(`${s}\0`, 'latin1')
/** Degrees as the three EXIF rationals: degrees, minutes, seconds (to 1/10000 s). */
function dms(deg) {
  const a = Math.abs(deg)
  const d = Math.floor(a)
  const m = Math.floor((a - d) * 60)
  const s = Math.round(((a - d) * 60 - m) * 60 * 10000)
  return Buffer.concat([long(d), long(1), long(m), long(1), long(s), long(10000)])
}

/**
 * An EXIF APP1 segment (big-endian TIFF): `orientation` (1–8), `gps` {lat, lon} (WGS84, with
 * N/S and E/W references), `description` (ImageDescription, ASCII).
 */
export function exifSegment({ orientation, gps, description } = {}) {
  const ifd0 = []
  if (description !== undefined) ifd0.push({ tag: 0x010e, type: 2, count: description.length + 1, value: ascii(description) })
  if (orientation !== undefined) ifd0.push({ tag: 0x0112, type: 3, count: 1, value: short(orientation) })
  let tiff
  if (gps) {
    ifd0.push({ tag: 0x8825, type: 4, count: 1, value: long(0) })
    const len0 = tiffIfd(ifd0, 8).length
    ifd0[ifd0.length - 1].value = long(8 + len0)
    const gpsIfd = tiffIfd(
      [
        { tag: 0x0000, type: 1, count: 4, value: Buffer.from([2, 3, 0, 0]) },
        { tag: 0x0001, type: 2, count: 2, value: ascii(gps.lat >= 0 ? 'N' : 'S') },
        { tag: 0x0002, type: 5, count: 3, value: dms(gps.lat) },
        { tag: 0x0003, type: 2, count: 2, value: ascii(gps.lon >= 0 ? 'E' : 'W') },
        { tag: 0x0004, type: 5, count: 3, value: dms(gps.lon) },
      ],
      8 + len0,
    )
    tiff = Buffer.concat([Buffer.from('MM\0*', 'latin1'), long(8), tiffIfd(ifd0, 8), gpsIfd])
  } else {
    tiff = Buffer.concat([Buffer.from('MM\0*', 'latin1'), long(8), tiffIfd(ifd0, 8)])
  }
  return jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]))
}

/**
 * A copy of a JPEG with an EXIF APP1 segment (see exifSegment) and, with `comment`, a COM
 * segment, right after the start of image; any APP1 it had is dropped.
 */
export function withExif(jpeg, exif = {}, comment) {
  const { segments } = jpegInfo(jpeg)
  const app1 = segments.filter((s) => s.marker === 0xe1)
  let body = jpeg.subarray(2)
  // Drop existing APP1 segments (vips without `strip` writes one).
  for (const s of app1.reverse()) {
    const at = s.offset - 2
    body = Buffer.concat([body.subarray(0, at), body.subarray(at + 4 + s.data.length)])
  }
  const extra = [exifSegment(exif)]
  if (comment !== undefined) extra.push(jpegSegment(0xfe, Buffer.from(comment, 'latin1')))
  return Buffer.concat([jpeg.subarray(0, 2), ...extra, body])
}
