// Photos (issue 5, docs/reference/orders.md "Photos"; docs/openapi.yaml uploadPhoto, getPhoto):
// JPEG, PNG and WebP taken from the raw body; the type read from the bytes, not the
// Content-Type; sizes checked from the header before any pixel is decoded (a 40,000 × 40,000
// PNG header allocates nothing); truncated data refused; what is stored re-encoded as JPEG with
// the EXIF orientation applied, at most 2,560 px, and no metadata at all (the EXIF GPS position
// answered once as `gps`, then gone); one file per distinct stored image; read back only by
// the uploader (attached photos: see reports.test.mjs); 413 over 15 MiB; the per-address limit.
//
// Test images are made here with the vips command line (orders-helpers.mjs ImageMaker), EXIF
// segments and PNG headers are written byte by byte. Uploads are limited per client address
// (20 in a burst, then one every 30 s), so every upload goes out from a loopback address of
// its own group of 8 (127.0.1.x); the limit test uses 127.0.3.x.
//
// Where orders.md is silent, docs/openapi.yaml (uploadPhoto) decides: an empty body is 422
// (`field` `file`); a PNG sent as `image/jpeg` is taken as the PNG it is (the type read from
// the bytes counts); the per-address limit is for uploads without a session.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { after, describe, test } from 'node:test'

import { check, checkError, endsCleanly, rawReply, startServer } from './harness.mjs'
import {
  ImageMaker,
  MIME,
  jpegInfo,
  jpegWithSize,
  newAccounts,
  pngBlank,
  pngHeaderBomb,
  withExif,
} from './orders-helpers.mjs'

const srv = await startServer()
const images = new ImageMaker()
after(() => images.cleanup())

const [admin, community, grid] = await Promise.all(['admin', 'community', 'grid'].map((l) => srv.loginAs(l)))
const [uploader, neighbour] = await newAccounts(srv, admin.token, 2, [{ role: 'resident', scope: srv.account('steward').scope }], 'photos.res')

const ID_RE = /^[A-Za-z0-9_-]{22}$/
const CACHE = 'private, max-age=31536000, immutable'
const MIB = 1 << 20

let sent = 0
/** The next client address: 8 uploads per address, well under the burst of 20. */
const nextAddress = () => `127.0.1.${1 + (Math.floor(sent++ / 8) % 250)}`
/** POST /api/photos with `body` as `type` (no Content-Type when null), as `who` (anonymous when null). */
const upload = (body, type, who, { localAddress = nextAddress(), headers = {} } = {}) =>
  srv.request('POST', '/api/photos', {
    token: who?.token,
    body,
    headers: { ...(type ? { 'Content-Type': type } : {}), ...headers },
    localAddress,
  })
const uploaded = async (body, type, who = uploader) => {
  const p = check(await upload(body, type, who), 201, 'PhotoUpload')
  assert.match(p.id, ID_RE)
  assert.deepEqual([p.url, p.thumb_url], [`/api/photos/${p.id}`, `/api/photos/${p.id}/thumb`])
  return p
}
/** GET a photo (or its thumbnail); resolves the Reply. */
const fetchPhoto = (path, who) => srv.get(path, { token: who?.token })
/** The stored JPEG as its uploader reads it: 200, image/jpeg, cached for good. */
const stored = async (path, who = uploader) => {
  const res = await fetchPhoto(path, who)
  check(res, 200)
  assert.match(res.header('content-type'), /^image\/jpeg/)
  assert.equal(res.header('cache-control'), CACHE)
  assert.ok(res.buf[0] === 0xff && res.buf[1] === 0xd8, 'the stored photo is not a JPEG')
  return res.buf
}
/** A refused upload: the status and code, an error body and nothing like an upload in it. */
const refused = async (res, status, code) => {
  const e = checkError(res, status, code)
  const body = res.json()
  assert.ok(!('id' in body) && !('url' in body), `a refused upload answered an upload: ${res}`)
  return e
}

/** Every file under the server's photo directory (data dir/photos), relative paths. */
function storedFiles() {
  const root = join(srv.dir, 'photos')
  const out = []
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out.push(relative(root, p))
    }
  }
  if (existsSync(root)) walk(root)
  return out.sort()
}

/** Asserts a stored JPEG carries no metadata: no APPn but a JFIF APP0, no comment, no EXIF/TIFF bytes, none of `secrets`. */
function assertNoMetadata(buf, secrets = []) {
  const { markers } = jpegInfo(buf)
  const extra = markers.filter((m) => (m >= 0xe1 && m <= 0xef) || m === 0xfe)
  assert.deepEqual(extra.map((m) => m.toString(16)), [], 'the stored JPEG keeps APPn or COM segments (metadata)')
  for (const needle of ['Exif\0\0', 'MM\0*', 'II*\0', 'http://ns.adobe.com/xap', ...secrets])
    assert.ok(!buf.includes(Buffer.from(needle, 'latin1')), `the stored JPEG contains ${JSON.stringify(needle)}`)
}

// ---------------------------------------------------------------------------------------

describe('accepted photos', () => {
  test('JPEG, PNG and WebP: 201 with the stored size and a thumbnail; read back as JPEG of that size', async () => {
    const ids = new Set()
    for (const ext of ['jpg', 'png', 'webp']) {
      const p = await uploaded(await images.make(64, 48, ext), MIME[ext])
      assert.deepEqual([p.width, p.height, p.gps], [64, 48, null], `${ext}: ${JSON.stringify(p)}`)
      assert.ok(p.thumb_width <= 320 && p.thumb_height <= 320, `${ext}: thumbnail ${p.thumb_width}×${p.thumb_height}`)
      assert.ok(Math.abs(p.thumb_width / p.thumb_height - 64 / 48) < 0.05, `${ext}: the thumbnail is not 4:3`)
      ids.add(p.id)
      const full = jpegInfo(await stored(p.url))
      assert.deepEqual([full.width, full.height], [64, 48], `${ext}: the stored image`)
      const thumb = jpegInfo(await stored(p.thumb_url))
      assert.deepEqual([thumb.width, thumb.height], [p.thumb_width, p.thumb_height], `${ext}: the stored thumbnail`)
    }
    assert.equal(ids.size, 3)
  })

  test('the type is read from the bytes: a PNG sent as image/jpeg is taken (as what it is)', async () => {
    const p = await uploaded(await images.make(40, 30, 'png'), 'image/jpeg')
    assert.deepEqual([p.width, p.height], [40, 30])
    const p2 = await uploaded(await images.make(40, 30, 'jpg'), 'image/webp')
    assert.deepEqual([p2.width, p2.height], [40, 30])
  })

  test('a big photo (over 1 MiB) is read, stored at 2,560 px on its longest side, its thumbnail at 320', async () => {
    const big = await images.make(3000, 1000, 'jpg', { pattern: 'noise', q: 95 })
    assert.ok(big.length > 2 * MIB && big.length < 15 * MIB, `${big.length} bytes`)
    const p = await uploaded(big, 'image/jpeg')
    assert.equal(p.width, 2560)
    assert.ok(Math.abs(p.height - 853) <= 1, `height ${p.height}, expected 853`)
    assert.equal(p.thumb_width, 320)
    assert.ok(Math.abs(p.thumb_height - 107) <= 1, `thumbnail height ${p.thumb_height}, expected 107`)
    const full = jpegInfo(await stored(p.url))
    assert.deepEqual([full.width, full.height], [p.width, p.height])
    const thumb = jpegInfo(await stored(p.thumb_url))
    assert.deepEqual([thumb.width, thumb.height], [p.thumb_width, p.thumb_height])
    // A portrait one: the longest side is the height.
    const tall = await uploaded(await images.make(600, 2700, 'png'), 'image/png')
    assert.deepEqual([tall.height, tall.thumb_height], [2560, 320])
  })

  test('EXIF orientation 6 (taken sideways) is applied: width and height swap and the picture is upright', async () => {
    // Left half white, right half black, 64 × 48; orientation 6 = turn 90° clockwise to show,
    // so the shown (and stored) picture is 48 × 64 with its top half white.
    const sideways = withExif(await images.make(64, 48, 'jpg', { pattern: 'halves', q: 95 }), { orientation: 6 })
    const p = await uploaded(sideways, 'image/jpeg')
    assert.deepEqual([p.width, p.height], [48, 64])
    assert.ok(p.thumb_height >= p.thumb_width, `thumbnail ${p.thumb_width}×${p.thumb_height} is not upright`)
    const buf = await stored(p.url)
    assert.deepEqual([jpegInfo(buf).width, jpegInfo(buf).height], [48, 64])
    const top = await images.avg(buf, { left: 0, top: 2, width: 48, height: 26 })
    const bottom = await images.avg(buf, { left: 0, top: 36, width: 48, height: 26 })
    assert.ok(top > 200 && bottom < 55, `turned the wrong way: top ${top}, bottom ${bottom} (expected white over black)`)
    assertNoMetadata(buf)
  })

  test('EXIF GPS is answered as gps (N/E and S/W); the stored photo and thumbnail keep no metadata at all', async () => {
    const base = await images.make(64, 48, 'jpg')
    const secrets = ['SECRET-EXIF-DESCRIPTION', 'SECRET-JPEG-COMMENT']
    for (const gps of [{ lat: 39.6034, lon: 109.7812 }, { lat: -33.8568, lon: -151.2153 }]) {
      const p = await uploaded(withExif(base, { orientation: 1, gps, description: secrets[0] }, secrets[1]), 'image/jpeg')
      assert.ok(p.gps, `no gps answered for ${JSON.stringify(gps)}`)
      assert.ok(Math.abs(p.gps.lat - gps.lat) < 1e-5 && Math.abs(p.gps.lon - gps.lon) < 1e-5,
        `gps ${JSON.stringify(p.gps)}, expected ${JSON.stringify(gps)}`)
      assertNoMetadata(await stored(p.url), secrets)
      assertNoMetadata(await stored(p.thumb_url), secrets)
    }
    // The gps answer is read from the photo only once: nothing else remembers it.
    const again = await uploaded(base, 'image/jpeg')
    assert.equal(again.gps, null)
  })

  test('the same photo uploaded twice: two upload ids, both readable, one stored file (named by its BLAKE2b-256 hash)', async () => {
    const buf = await images.make(72, 40, 'png')
    const before = storedFiles()
    const a = await uploaded(buf, 'image/png')
    const afterFirst = storedFiles()
    assert.ok(afterFirst.length > before.length, `the first upload stored no file under ${join(srv.dir, 'photos')}`)
    const b = await uploaded(buf, 'image/png', neighbour)
    assert.notEqual(a.id, b.id)
    assert.deepEqual(storedFiles(), afterFirst, 'the same photo stored twice')
    const fresh = afterFirst.filter((f) => !before.includes(f))
    assert.ok(fresh.some((f) => /[0-9a-f]{64}/.test(f)), `files not named by a 256-bit hash: ${fresh}`)
    const [sa, sb] = [await stored(a.url, uploader), await stored(b.url, neighbour)]
    assert.ok(sa.equals(sb), 'the two uploads read back different bytes')
    assert.deepEqual([a.width, a.height, a.thumb_width, a.thumb_height], [b.width, b.height, b.thumb_width, b.thumb_height])
  })
})

// ---------------------------------------------------------------------------------------

describe('who may read a photo', () => {
  test('its uploader; another account, staff and no session 404, as for ids never issued', async () => {
    const p = await uploaded(await images.make(50, 50, 'jpg'), 'image/jpeg', uploader)
    await stored(p.url, uploader)
    await stored(p.thumb_url, uploader)
    // Not attached to anything yet: nobody else.
    for (const who of [neighbour, community, grid, admin, null])
      for (const path of [p.url, p.thumb_url]) checkError(await fetchPhoto(path, who), 404, 'not_found')
    const never = 'AAAAAAAAAAAAAAAAAAAAAA'
    for (const id of [never, 'x', `${p.id}A`, p.id.slice(1), `${p.id.slice(0, 20)}..`])
      for (const path of [`/api/photos/${id}`, `/api/photos/${id}/thumb`])
        checkError(await fetchPhoto(path, uploader), 404, 'not_found')
    // Nothing that looks like a path reaches the file system.
    for (const id of ['..%2F..%2Fmashang.key', '..%2Fphotos', '%2E%2E'])
      assert.ok([400, 404].includes((await fetchPhoto(`/api/photos/${id}`, uploader)).status), `GET /api/photos/${id}`)
  })

  test('anyone may upload without a session; nobody reads an anonymous upload back', async () => {
    const p = check(await upload(await images.make(30, 20, 'webp'), 'image/webp', null), 201, 'PhotoUpload')
    assert.deepEqual([p.width, p.height], [30, 20])
    for (const who of [null, uploader, admin]) checkError(await fetchPhoto(p.url, who), 404, 'not_found')
  })
})

// ---------------------------------------------------------------------------------------

describe('refused uploads', () => {
  // A 1 × 1 GIF, a PDF and an SVG: images (or documents) of the wrong kind.
  const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')
  const PDF = Buffer.from('%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n')
  const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>')

  test('not a JPEG, PNG or WebP by its bytes: 415 whatever the Content-Type says; nothing stored', async () => {
    const before = storedFiles()
    const bodies = [
      ['text', Buffer.from('hello, this is not a photo')],
      ['GIF', GIF],
      ['GIF made by vips', await images.make(16, 16, 'gif')],
      ['PDF', PDF],
      ['SVG', SVG],
    ]
    for (const [what, body] of bodies)
      for (const type of ['image/jpeg', 'image/png', 'image/webp']) {
        const res = await upload(body, type, uploader)
        assert.equal(res.status, 415, `${what} as ${type}: ${res}`)
        await refused(res, 415, 'unsupported_media_type')
      }
    // An empty body: nothing to look at.
    for (const type of ['image/jpeg', 'image/png', 'image/webp'])
      assert.equal((await refused(await upload(Buffer.alloc(0), type, uploader), 422, 'invalid_input')).field, 'file')
    assert.deepEqual(storedFiles(), before, 'a refused upload left a file')
  })

  test('a Content-Type other than image/jpeg, image/png or image/webp: 415, even for a real JPEG', async () => {
    const jpeg = await images.make(32, 32, 'jpg')
    for (const type of ['text/plain', 'application/octet-stream', 'image/gif', 'image/heic', 'multipart/form-data; boundary=x', null]) {
      const res = await upload(jpeg, type, uploader)
      assert.equal(res.status, 415, `a JPEG as ${type}: ${res}`)
      await refused(res, 415, 'unsupported_media_type')
    }
  })

  test('a polyglot (JPEG or PNG magic, then HTML) is refused: 415 or 422; a real JPEG with HTML after it is stored without it', async () => {
    const html = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>')
    const jfif = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00])
    const pngSig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    for (const [what, body, type] of [
      ['JPEG magic + HTML', Buffer.concat([jfif, html]), 'image/jpeg'],
      ['bare JPEG magic + HTML', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), html]), 'image/jpeg'],
      ['PNG signature + HTML', Buffer.concat([pngSig, html]), 'image/png'],
      ['RIFF WEBP + HTML', Buffer.concat([Buffer.from('RIFF\x40\x00\x00\x00WEBPVP8 ', 'latin1'), html]), 'image/webp'],
    ]) {
      const res = await upload(body, type, uploader)
      assert.ok([415, 422].includes(res.status), `${what}: ${res}`)
      await refused(res, res.status, res.status === 415 ? 'unsupported_media_type' : 'invalid_input')
    }
    // A complete JPEG followed by HTML is a JPEG: what is stored is the re-encoded picture only.
    const res = await upload(Buffer.concat([await images.make(32, 24, 'jpg'), html]), 'image/jpeg', uploader)
    if (res.status === 201) {
      const p = check(res, 201, 'PhotoUpload')
      const buf = await stored(p.url)
      assert.ok(!buf.includes(Buffer.from('<script>')), 'the stored photo carries the trailing HTML')
    } else assert.ok([415, 422].includes(res.status), `a JPEG with trailing HTML: ${res}`)
  })

  test('truncated or corrupt pixel data: 422', async () => {
    const before = storedFiles()
    for (const ext of ['jpg', 'png', 'webp']) {
      const whole = await images.make(256, 256, ext, { pattern: 'noise', q: 90 })
      const cut = whole.subarray(0, Math.floor(whole.length * 0.6))
      await refused(await upload(cut, MIME[ext], uploader), 422, 'invalid_input')
    }
    // A JPEG whose scan is overwritten with garbage after the header.
    const jpeg = await images.make(256, 256, 'jpg', { pattern: 'noise', q: 90 })
    const sos = jpegInfo(jpeg).segments.find((s) => s.marker === 0xda)
    const broken = Buffer.from(jpeg)
    broken.fill(0xff, sos.offset + 200, sos.offset + 4000)
    await refused(await upload(broken, 'image/jpeg', uploader), 422, 'invalid_input')
    assert.deepEqual(storedFiles(), before, 'a refused upload left a file')
  })

  test('sizes are checked from the header before decoding: a 40,000 × 40,000 bomb is 422 at once; over 50 MP or a side over 12,000 422', async () => {
    const bomb = pngHeaderBomb(40000, 40000)
    assert.ok(bomb.length < 200)
    const jpegBomb = jpegWithSize(await images.make(64, 48, 'jpg'), 40000, 40000)
    const t0 = Date.now()
    await refused(await upload(bomb, 'image/png', uploader), 422, 'invalid_input')
    await refused(await upload(jpegBomb, 'image/jpeg', uploader), 422, 'invalid_input')
    const ms = Date.now() - t0
    assert.ok(ms < 2000, `the bombs took ${ms} ms to refuse: decoded rather than refused from the header?`)
    // Valid, complete images a decoder would take: 7300 × 7300 (53 MP; each side under
    // 12,000) and 12,001 × 8 (a side over 12,000; 0.1 MP).
    await refused(await upload(pngBlank(7300, 7300), 'image/png', uploader), 422, 'invalid_input')
    await refused(await upload(pngBlank(12001, 8, 8), 'image/png', uploader), 422, 'invalid_input')
    await refused(await upload(pngBlank(8, 12001, 8), 'image/png', uploader), 422, 'invalid_input')
    // 12,000 on a side is allowed.
    const edge = await uploaded(pngBlank(12000, 8, 8), 'image/png')
    assert.equal(edge.width, 2560)
    check(await srv.get('/readyz'), 200)
  })

  test('a body over 15 MiB answers 413: declared, or sent', async () => {
    const jpeg = await images.make(64, 48, 'jpg')
    const head = (len) =>
      `POST /api/photos HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${uploader.token}\r\nContent-Type: image/jpeg\r\n` +
      `Content-Length: ${len}\r\nConnection: close\r\n\r\n`
    const declared = await srv.raw(Buffer.concat([Buffer.from(head(15 * MIB + 1)), jpeg]), { timeout: 1500, localAddress: nextAddress() })
    await refused(rawReply('POST', '/api/photos', declared), 413, 'too_large')
    // A real JPEG padded to 15 MiB + 1 byte, sent whole (the head first, the body 200 ms later).
    const big = Buffer.concat([jpeg, Buffer.alloc(15 * MIB + 1 - jpeg.length)])
    const res = await srv.raw([[0, head(big.length)], [200, big]], { timeout: 15000, localAddress: nextAddress() })
    await refused(rawReply('POST', '/api/photos', res), 413, 'too_large')
  })

  test('without a session at most 20 uploads in a burst per client address, then 429 with Retry-After; other addresses go on', async () => {
    const png = await images.make(8, 8, 'png')
    const from = { localAddress: '127.0.3.1' }
    for (let i = 0; i < 20; i++) check(await upload(png, 'image/png', null, from), 201, 'PhotoUpload')
    const res = await upload(png, 'image/png', null, from)
    await refused(res, 429, 'rate_limited')
    assert.ok(Number(res.header('retry-after')) >= 1, `Retry-After ${res.header('retry-after')}`)
    check(await upload(png, 'image/png', null, { localAddress: '127.0.3.2' }), 201, 'PhotoUpload')
  })
})

endsCleanly(srv)
