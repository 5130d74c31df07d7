// Helpers of the Open311 tests (open311.test.mjs): the open311 project's JSON Schemas of
// GeoReport v2 loaded into Ajv, a small XML parser (the spec's XML has elements and text
// only), and the comparison of an XML answer with the JSON answer of the same call.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import { ROOT } from './harness.mjs'

const require = createRequire(import.meta.url)
const Ajv2020 = require('ajv/dist/2020').default
const addFormats = require('ajv-formats').default

/** The reference schemas (open311-georeport-v2, beside the shared reference notes). */
export const SCHEMA_DIR = process.env.OPEN311_SCHEMA_DIR || join(ROOT, 'tests/fixtures/open311-georeport-v2')
const FILES = ['service.json', 'services.json', 'service-definition.json', 'request.json', 'requests.json']

// The schemas are draft-04-ish (no $schema, `required` lists, anyOf with null) and refer to
// each other by file name ("$ref": "service.json"): each is added under its file name.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true })
addFormats(ajv)
for (const f of FILES) {
  let text
  try {
    text = readFileSync(join(SCHEMA_DIR, f), 'utf8')
  } catch (e) {
    throw new Error(`the Open311 reference schema ${f} is missing from ${SCHEMA_DIR} (set OPEN311_SCHEMA_DIR): ${e.message}`)
  }
  ajv.addSchema(JSON.parse(text), f)
}

/** Asserts `value` is valid against the reference schema `file` (e.g. 'services.json'). */
export function assertReference(value, file, context = '') {
  const v = ajv.getSchema(file)
  assert.ok(v, `no reference schema ${file}`)
  if (!v(value))
    assert.fail(`${context} does not match the Open311 schema ${file}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 600)}`)
}

// ---------------------------------------------------------------------------------------
// XML

const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

function decode(text, at) {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g, (m, name) => {
    if (!name) throw new Error(`XML: a bare & near offset ${at}`)
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16))
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10))
    if (!(name in ENTITIES)) throw new Error(`XML: unknown entity &${name}; near offset ${at}`)
    return ENTITIES[name]
  })
}

/**
 * Parses an XML document of elements and text (no attributes, comments, CDATA or mixed
 * content — the spec's XML uses none): the root as { name, children, text, empty } where
 * `empty` marks a self-closing element. Throws on anything malformed.
 */
export function parseXml(xml) {
  let i = 0
  const decl = /^<\?xml\s[^?]*\?>/.exec(xml)
  assert.ok(decl, `XML: no declaration: ${xml.slice(0, 80)}`)
  assert.match(decl[0], /encoding="utf-8"/i, 'XML: the declaration names no UTF-8 encoding')
  i = decl[0].length
  const skipSpace = () => {
    while (i < xml.length && /\s/.test(xml[i])) i++
  }
  const element = () => {
    const open = /^<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(xml.slice(i, i + 200))
    if (!open) throw new Error(`XML: expected an element at offset ${i}: ${JSON.stringify(xml.slice(i, i + 40))}`)
    i += open[0].length
    const el = { name: open[1], children: [], text: '', empty: open[2] === '/' }
    if (el.empty) return el
    let text = ''
    for (;;) {
      if (i >= xml.length) throw new Error(`XML: <${el.name}> is never closed`)
      if (xml.startsWith('</', i)) {
        const close = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(xml.slice(i, i + 200))
        if (!close || close[1] !== el.name) throw new Error(`XML: </${close?.[1]}> closes <${el.name}> at offset ${i}`)
        i += close[0].length
        break
      }
      if (xml[i] === '<') {
        if (/^<[!?]/.test(xml.slice(i, i + 2))) throw new Error(`XML: unexpected markup at offset ${i}`)
        el.children.push(element())
      } else {
        const next = xml.indexOf('<', i)
        const end = next < 0 ? xml.length : next
        text += decode(xml.slice(i, end), i)
        i = end
      }
    }
    if (el.children.length && text.trim()) throw new Error(`XML: <${el.name}> mixes text and elements`)
    el.text = el.children.length ? '' : text
    return el
  }
  skipSpace()
  const root = element()
  skipSpace()
  assert.equal(i, xml.length, `XML: content after the root element: ${JSON.stringify(xml.slice(i, i + 40))}`)
  return root
}

/** The element name of the items of each list of the spec's XML. */
export const ITEM_NAMES = {
  services: 'service',
  service_requests: 'request',
  service_request_updates: 'request_update',
  attributes: 'attribute',
  values: 'value',
  endpoints: 'endpoint',
  formats: 'format',
  errors: 'error',
}

/**
 * Asserts the XML element `el` carries the same data as `json`: lists item by item (named
 * as ITEM_NAMES says), objects key by key in the same order, null as an empty element,
 * strings as text, numbers and booleans as their text.
 */
export function assertXmlAgrees(el, json, where = el.name) {
  if (Array.isArray(json)) {
    assert.equal(el.text, '', `${where}: a list with text`)
    assert.equal(el.children.length, json.length, `${where}: ${el.children.length} items in XML, ${json.length} in JSON`)
    const item = ITEM_NAMES[el.name]
    assert.ok(item, `${where}: <${el.name}> is not one of the spec's lists`)
    el.children.forEach((c, k) => {
      assert.equal(c.name, item, `${where}[${k}]: <${c.name}>, expected <${item}>`)
      assertXmlAgrees(c, json[k], `${where}[${k}]`)
    })
  } else if (json === null) {
    assert.ok(el.children.length === 0 && el.text === '', `${where}: null in JSON, ${JSON.stringify(el)} in XML`)
  } else if (typeof json === 'object') {
    assert.deepEqual(el.children.map((c) => c.name), Object.keys(json), `${where}: the fields differ`)
    el.children.forEach((c) => assertXmlAgrees(c, json[c.name], `${where}.${c.name}`))
  } else {
    assert.equal(el.children.length, 0, `${where}: elements where JSON has ${JSON.stringify(json)}`)
    if (typeof json === 'number') assert.equal(Number(el.text), json, `${where}: ${el.text} in XML, ${json} in JSON`)
    else assert.equal(el.text, String(json), `${where}: XML and JSON differ`)
  }
}

// ---------------------------------------------------------------------------------------
// Datetimes

const W3C_08 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/

/** Asserts every `*_datetime` (and `changeset`) field in `value` is a W3C datetime in +08:00. */
export function assertDatetimes(value, where = '') {
  if (Array.isArray(value)) value.forEach((v, k) => assertDatetimes(v, `${where}[${k}]`))
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if ((k.endsWith('_datetime') || k === 'changeset') && v !== null)
        assert.match(v, W3C_08, `${where}.${k} is not a +08:00 W3C datetime`)
      else assertDatetimes(v, `${where}.${k}`)
    }
}

/** A W3C datetime in +08:00 for a time in ms (as the server writes them). */
export function w3c(ms) {
  const d = new Date(ms + 8 * 3600 * 1000)
  return `${d.toISOString().slice(0, 19)}+08:00`
}

/** application/x-www-form-urlencoded from an object or a list of [name, value] pairs (undefined left out). */
export function form(fields) {
  const p = new URLSearchParams()
  for (const [k, v] of Array.isArray(fields) ? fields : Object.entries(fields)) if (v !== undefined) p.append(k, String(v))
  return p.toString()
}
