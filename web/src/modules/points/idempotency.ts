// Idempotency keys of the points routes (docs/reference/points.md, Idempotency): every request
// that posts carries a client-chosen `key`. A form keeps its key for as long as what it sends
// stays the same, so a double tap or a retry after a lost answer is a replay (the server
// answers the original result, nothing is written twice); a change of content, or a success,
// makes the next submit use a fresh key (the same key with other content would be a 409).

/** 1 to 64 of `A-Z a-z 0-9 - _ . :`, as the server takes them. */
export const KEY_RE = /^[A-Za-z0-9\-_.:]{1,64}$/

type RandomSource = Pick<Crypto, 'getRandomValues'> & { randomUUID?: () => string }

/** A random UUID (v4): `crypto.randomUUID` where the browser has it (secure contexts only),
 *  else made from `crypto.getRandomValues`, which every context has. */
export function uuid(source: RandomSource | undefined = globalThis.crypto): string {
  if (source?.randomUUID) return source.randomUUID()
  const b = new Uint8Array(16)
  if (source) source.getRandomValues(b)
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256)
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** A fresh key: `<prefix>-<uuid>` (at most 64 characters of the allowed ones). */
export function newKey(prefix: string, make: () => string = uuid): string {
  const p = prefix.replace(/[^A-Za-z0-9\-_.:]/g, '').slice(0, 20)
  return `${p ? `${p}-` : ''}${make()}`.slice(0, 64)
}

/** A canonical text of what a request sends (object keys sorted), to tell "the same again". */
export function fingerprint(content: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm)
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>
      return Object.fromEntries(
        Object.keys(o)
          .filter((k) => o[k] !== undefined)
          .sort()
          .map((k) => [k, norm(o[k])]),
      )
    }
    return v
  }
  return JSON.stringify(norm(content))
}

/**
 * The key of one form. `keyFor(content)` answers the same key for the same content until
 * `done()` (after a success) or `reset()` (the form was opened again); other content gets a
 * fresh key.
 */
export class FormKey {
  private key: string | null = null
  private sent: string | null = null

  constructor(
    private readonly prefix: string,
    private readonly make: () => string = uuid,
  ) {}

  keyFor(content: unknown): string {
    const fp = fingerprint(content)
    if (this.key === null || this.sent !== fp) {
      this.key = newKey(this.prefix, this.make)
      this.sent = fp
    }
    return this.key
  }

  /** The request succeeded: the next submit is a new request. */
  done(): void {
    this.key = null
    this.sent = null
  }

  /** The form starts over (opened again). */
  reset(): void {
    this.done()
  }
}
