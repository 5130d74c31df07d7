// The points capability's logic without the screens (docs/reference/points.md): names by
// locale, signed amounts, caps, the catalogue's groups and who may propose what, tiers, the
// checks of the forms (the server's rules, with its field names), the grants' communities,
// live `points.*` events, bulk vote outcomes, the points shop's limits and redemption codes,
// and appeals (what may be appealed, their tones).
import type { LiveEvent } from '@/api/types'
import { hasAnyRole, hasRole, STAFF_ROLES, type GrantLike } from '@/modules/platform/permissions'
import type {
  Account,
  AccountKind,
  Appeal,
  AppealStatus,
  BulkVoteOutcome,
  CapPeriod,
  Goods,
  Item,
  ItemWrite,
  PostingKind,
  Proposal,
  ProposalStatus,
  Proposer,
  RedemptionStatus,
  StatementLine,
  SubjectKind,
  Tier,
} from './types'

type Locale = string
const isEn = (locale: Locale) => locale.toLowerCase().startsWith('en')

/** An item's, an item version's, a statement line's item's or a tier's name in the locale. */
export function nameOf(x: { name_zh: string; name_en: string }, locale: Locale): string {
  return isEn(locale) ? x.name_en : x.name_zh
}

// Amounts ----------------------------------------------------------------------------------

/** A signed amount as shown: `+5`, `-3`, `0`. */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n)
}

/** The colour of an amount: credited, debited, or neither. */
export function amountTone(n: number): 'plus' | 'minus' | 'zero' {
  return n > 0 ? 'plus' : n < 0 ? 'minus' : 'zero'
}

/** The balance of one kind of account among a person's (0 when it is not there). */
export function balanceOf(accounts: readonly Pick<Account, 'kind' | 'balance'>[] | undefined, kind: AccountKind): number {
  return accounts?.find((a) => a.kind === kind)?.balance ?? 0
}

// The catalogue ----------------------------------------------------------------------------

/** How an item's cap reads: the i18n key under `points.cap` and its count. */
export function capOf(item: Pick<Item, 'cap_count' | 'cap_period'>): { key: 'none' | CapPeriod; n: number } {
  return item.cap_count > 0 ? { key: item.cap_period, n: item.cap_count } : { key: 'none', n: 0 }
}

export type GroupKey = 'bonus_person' | 'bonus_compound' | 'deduction_person' | 'deduction_compound'
export const GROUP_ORDER: readonly GroupKey[] = ['bonus_person', 'bonus_compound', 'deduction_person', 'deduction_compound']

export interface ItemGroup {
  key: GroupKey
  kind: Item['kind']
  subject: SubjectKind
  items: Item[]
}

/** The catalogue in groups — bonus then deduction, persons then compounds — each in the
 *  server's order; empty groups left out. */
export function groupCatalogue(items: readonly Item[]): ItemGroup[] {
  const groups = GROUP_ORDER.map((key) => {
    const [kind, subject] = key.split('_') as [Item['kind'], SubjectKind]
    return { key, kind, subject, items: items.filter((i) => i.kind === kind && i.subject === subject) }
  })
  return groups.filter((g) => g.items.length > 0)
}

/** A resident may claim it for themselves: an active bonus item for a person naming `self`. */
export function selfClaimable(item: Pick<Item, 'active' | 'automatic' | 'kind' | 'subject' | 'proposers'>): boolean {
  return item.active && !item.automatic && item.kind === 'bonus' && item.subject === 'person' && item.proposers.includes('self')
}

/** Items the holder of `roles` may propose for others (the server checks the place). */
export function proposableBy(items: readonly Item[], roles: readonly string[]): Item[] {
  return items.filter((i) => i.active && !i.automatic && i.proposers.some((p) => p !== 'self' && roles.includes(p)))
}

/** Items whose names (either language) or code contain `q`. */
export function filterItems(items: readonly Item[], q: string): Item[] {
  const s = q.trim().toLowerCase()
  if (!s) return [...items]
  return items.filter((i) => [i.code, i.name_zh, i.name_en].some((x) => x.toLowerCase().includes(s)))
}

// Tiers ------------------------------------------------------------------------------------

/** The tier a virtue balance gives: the highest whose `min_virtue` it reaches (the first has none). */
export function tierFor<T extends Pick<Tier, 'min_virtue'>>(tiers: readonly T[], virtue: number): T | null {
  let out: T | null = null
  for (const t of tiers) if (t.min_virtue === null || virtue >= t.min_virtue) out = t
  return out
}

/** The next tier up and the virtue points still needed for it; null at the top. */
export function nextTier<T extends Pick<Tier, 'min_virtue'>>(tiers: readonly T[], virtue: number): { tier: T; needed: number } | null {
  const above = tiers
    .filter((t): t is T & { min_virtue: number } => t.min_virtue !== null && t.min_virtue > virtue)
    .sort((a, b) => a.min_virtue - b.min_virtue)
  const t = above[0]
  return t ? { tier: t, needed: t.min_virtue - virtue } : null
}

// Checks of the forms (the server's rules) ---------------------------------------------------

export const REASON_MIN = 2
export const REASON_MAX = 500
export const EVIDENCE_MAX = 9
export const EVIDENCE_BYTES = 200
export const BULK_MAX = 10_000
export const QUANTITY_MAX = 100

export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length
}

/** A reason: 2 to 500 characters (trimmed). */
export function reasonOk(s: string): boolean {
  const n = [...s.trim()].length
  return n >= REASON_MIN && n <= REASON_MAX
}

/** The evidence references typed one a line: trimmed, empty lines left out. */
export function evidenceLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
}

/** What is wrong with the evidence: more than 9 references, or one longer than 200 bytes. */
export function evidenceError(lines: readonly string[]): 'too_many' | 'too_long' | null {
  if (lines.length > EVIDENCE_MAX) return 'too_many'
  if (lines.some((l) => utf8Bytes(l) > EVIDENCE_BYTES || /[\r\n]/.test(l))) return 'too_long'
  return null
}

/** Person ids pasted one a line (commas and spaces also part them): the ids in order, what
 *  is not an id, and the ids given twice. */
export function parsePersonIds(text: string): { ids: number[]; bad: string[]; duplicates: number[] } {
  const ids: number[] = []
  const bad: string[] = []
  const duplicates: number[] = []
  const seen = new Set<number>()
  for (const tok of text.split(/[\s,，;；、]+/)) {
    if (!tok) continue
    const t = tok.replace(/^#/, '')
    if (!/^\d{1,15}$/.test(t) || Number(t) < 1) {
      bad.push(tok)
      continue
    }
    const id = Number(t)
    if (seen.has(id)) {
      if (!duplicates.includes(id)) duplicates.push(id)
      continue
    }
    seen.add(id)
    ids.push(id)
  }
  return { ids, bad, duplicates }
}

/** A positive whole number typed in a field, or null. */
export function positiveId(s: string | number | null | undefined): number | null {
  const t = String(s ?? '').trim().replace(/^#/, '')
  return /^\d{1,15}$/.test(t) && Number(t) > 0 ? Number(t) : null
}

// Writing catalogue items (district admins) -------------------------------------------------

export const ITEM_CODE = /^(bonus|deduct)\.[a-z0-9_.]+$/
export const ITEM_CODE_MAX = 56
export const ITEM_NAME_BYTES = 128
export const ITEM_POINTS_MAX = 1_000_000
export const CAP_COUNT_MAX = 1000

export interface ItemDraft {
  code: string
  name_zh: string
  name_en: string
  points: number | null
  subject: SubjectKind
  cap_count: number | null
  cap_period: CapPeriod
  evidence_required: boolean
  proposers: Proposer[]
  automatic: boolean
  active: boolean
}

export function emptyItemDraft(): ItemDraft {
  return {
    code: 'bonus.',
    name_zh: '',
    name_en: '',
    points: 1,
    subject: 'person',
    cap_count: 0,
    cap_period: 'month',
    evidence_required: true,
    proposers: ['community_staff', 'committee_member'],
    automatic: false,
    active: true,
  }
}

/** An item as a draft to edit (a copy). */
export function draftOfItem(i: Item): ItemDraft {
  return {
    code: i.code,
    name_zh: i.name_zh,
    name_en: i.name_en,
    points: i.points,
    subject: i.subject,
    cap_count: i.cap_count,
    cap_period: i.cap_period,
    evidence_required: i.evidence_required,
    proposers: [...i.proposers],
    automatic: i.automatic,
    active: i.active,
  }
}

export type ItemDraftError = 'code' | 'name' | 'points' | 'sign' | 'cap' | 'self' | 'automatic' | 'taken'

/** What is wrong with a draft, by the server's field names; empty when it may be sent. */
export function validateItem(d: ItemDraft, taken: readonly string[] = []): Partial<Record<keyof ItemDraft, ItemDraftError>> {
  const e: Partial<Record<keyof ItemDraft, ItemDraftError>> = {}
  if (!ITEM_CODE.test(d.code) || d.code.length > ITEM_CODE_MAX || d.code.endsWith('.')) e.code = 'code'
  else if (taken.includes(d.code)) e.code = 'taken'
  for (const f of ['name_zh', 'name_en'] as const) {
    const n = utf8Bytes(d[f].trim())
    if (n < 1 || n > ITEM_NAME_BYTES || /[\r\n]/.test(d[f])) e[f] = 'name'
  }
  const p = d.points
  if (p === null || !Number.isInteger(p) || p === 0 || Math.abs(p) > ITEM_POINTS_MAX) e.points = 'points'
  else if (d.code.startsWith('bonus.') !== p > 0) e.points = 'sign'
  const c = d.cap_count
  if (c === null || !Number.isInteger(c) || c < 0 || c > CAP_COUNT_MAX) e.cap_count = 'cap'
  if (d.proposers.includes('self') && !(d.subject === 'person' && d.code.startsWith('bonus.'))) e.proposers = 'self'
  if (d.automatic && !d.code.startsWith('bonus.')) e.automatic = 'automatic'
  return e
}

/** The body of PUT /api/points/catalog/{code} (names trimmed, proposers once each). */
export function itemBody(d: ItemDraft): ItemWrite {
  return {
    name_zh: d.name_zh.trim(),
    name_en: d.name_en.trim(),
    points: d.points ?? 0,
    subject: d.subject,
    cap_count: d.cap_count ?? 0,
    cap_period: d.cap_period,
    evidence_required: d.evidence_required,
    proposers: [...new Set(d.proposers)],
    automatic: d.automatic,
    active: d.active,
  }
}

// Who may do what (the server still decides) -------------------------------------------------

/** Roles that see the console's points screen. */
export const POINTS_CONSOLE_ROLES = ['district_admin', 'street_staff', 'community_staff', 'committee_member']
/** Roles that keep a points shop and correct postings (community and street staff, admins). */
export const POINTS_STAFF_ROLES: readonly string[] = STAFF_ROLES

/** District admins at the root write the catalogue and grant budgets. */
export const mayAdminPoints = (grants: readonly GrantLike[]) => hasRole(grants, 'district_admin', '/')
export const mayVote = (grants: readonly GrantLike[]) => hasAnyRole(grants, ['committee_member'])
export const mayKeepShop = (grants: readonly GrantLike[]) => hasAnyRole(grants, POINTS_STAFF_ROLES)
export const mayCorrect = mayKeepShop

/** The community ids of the grants (of `roles`, when given) held at a community or below it:
 *  a path's second node ("/2/3/4" → 3), once each, in grant order. */
export function communityIdsOf(grants: readonly GrantLike[], roles?: readonly string[]): number[] {
  const out: number[] = []
  for (const g of grants) {
    if (roles && !roles.includes(g.role)) continue
    const seg = (g.scope ?? '/').split('/')
    const id = seg.length > 2 ? Number(seg[2]) : NaN
    if (Number.isInteger(id) && id > 0 && !out.includes(id)) out.push(id)
  }
  return out
}

/** The community of a territory path (its second node), or null above a community. */
export function communityOfPath(path: string): number | null {
  const seg = path.split('/')
  const id = seg.length > 2 ? Number(seg[2]) : NaN
  return Number.isInteger(id) && id > 0 ? id : null
}

/** May `role` act over community `id`, as far as the grants tell: a grant at the root or at a
 *  street (whose communities the client does not know) may; one at a community must name it. */
export function coversCommunity(grants: readonly GrantLike[], role: string, id: number): boolean {
  return grants.some((g) => {
    if (g.role !== role) return false
    const scope = g.scope ?? '/'
    const c = communityOfPath(scope)
    return c === null || c === id
  })
}

/** Postings a correction may reverse (the server refuses the others). */
export function correctable(line: Pick<StatementLine, 'kind'>): boolean {
  return line.kind === 'award' || line.kind === 'deduction' || line.kind === 'grant'
}

// Appeals ----------------------------------------------------------------------------------

/** What an appeal is about: a posting (a line of the statement) or a rejected proposal. */
export type AppealTarget = { posting_id: number } | { proposal_id: number }

/** What the appeal sheet shows of what is appealed. */
export interface AppealSubject {
  about: AppealTarget
  /** The item's name, or the posting's kind. */
  title: string
  /** The points at stake, signed as the line or the proposal shows them. */
  points: number
}

/**
 * A line of the caller's own statement they may appeal (the server still decides: the time
 * limit, once only): on the virtue account, a deduction or a correction that took points (an
 * award taken back), not reversed since (`reversed`: the postings corrections on the loaded
 * lines reverse).
 */
export function appealableLine(
  line: Pick<StatementLine, 'kind' | 'amount' | 'posting_id'>,
  account: string,
  reversed: ReadonlySet<number> = new Set(),
): boolean {
  if (account !== 'virtue' || reversed.has(line.posting_id)) return false
  return (line.kind === 'deduction' || line.kind === 'correction') && line.amount < 0
}

/** The postings that corrections among `lines` reverse. */
export function reversedPostings(lines: readonly Pick<StatementLine, 'reverses'>[]): Set<number> {
  const out = new Set<number>()
  for (const l of lines) if (l.reverses != null) out.add(l.reverses)
  return out
}

/** A proposal the caller may appeal: rejected, about their person (`personId`). */
export function appealableProposal(p: Pick<Proposal, 'status' | 'subject' | 'subject_id'>, personId: number | null): boolean {
  return personId !== null && p.status === 'rejected' && p.subject === 'person' && p.subject_id === personId
}

/** The appeals by what they are about: `posting:<id>` and `proposal:<id>` to the appeal. */
export function appealsByTarget<T extends Pick<Appeal, 'posting_id' | 'proposal_id'>>(appeals: readonly T[]): Map<string, T> {
  const out = new Map<string, T>()
  for (const a of appeals) {
    if (a.posting_id != null) out.set(`posting:${a.posting_id}`, a)
    if (a.proposal_id != null) out.set(`proposal:${a.proposal_id}`, a)
  }
  return out
}

export const targetKey = (t: AppealTarget): string => ('posting_id' in t ? `posting:${t.posting_id}` : `proposal:${t.proposal_id}`)

export function appealTone(s: AppealStatus): Tone {
  return s === 'pending' ? 'warning' : s === 'overturned' ? 'success' : 'default'
}

/** An appeal whose list has it, replaced by its newer copy (or added first when new). */
export function upsertAppeal<T extends Pick<Appeal, 'id'>>(list: readonly T[], a: T): T[] {
  return list.some((x) => x.id === a.id) ? list.map((x) => (x.id === a.id ? a : x)) : [a, ...list]
}

// Tones ------------------------------------------------------------------------------------

export type Tone = 'primary' | 'success' | 'warning' | 'danger' | 'default'

export function proposalTone(s: ProposalStatus): Tone {
  return s === 'pending' ? 'warning' : s === 'posted' ? 'success' : 'danger'
}

export function redemptionTone(s: RedemptionStatus): Tone {
  return s === 'held' ? 'primary' : s === 'handed_over' ? 'success' : 'default'
}

/** The same colour as Element Plus names it. */
export function elTone(t: Tone): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  return t === 'default' ? 'info' : t
}

/** Whether a posting kind is the shop's (its statement line has no item). */
export const SHOP_POSTINGS: readonly PostingKind[] = ['redeem', 'handover', 'refund']

// The points shop --------------------------------------------------------------------------

/** Why goods may not be redeemed now (the server still decides): off, out of stock, or not
 *  enough spendable points for one. */
export function redeemBlock(g: Pick<Goods, 'active' | 'stock' | 'price'>, spendable: number): 'inactive' | 'stock' | 'points' | null {
  if (!g.active) return 'inactive'
  if (g.stock <= 0) return 'stock'
  if (spendable < g.price) return 'points'
  return null
}

/** The most pieces one may redeem at once: the stock, the spendable points, and 100. */
export function maxQuantity(g: Pick<Goods, 'stock' | 'price'>, spendable: number): number {
  const byPoints = g.price > 0 ? Math.floor(spendable / g.price) : QUANTITY_MAX
  return Math.max(0, Math.min(QUANTITY_MAX, g.stock, byPoints))
}

/** A redemption code in groups of four, to read out and type ("DesJ 4M3u KyqL Jrfw"). */
export function formatCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1 ')
}

/** A code as typed or scanned: spaces (and the grouping) taken out. Codes are case-sensitive
 *  and may hold `-` and `_`, so nothing else changes. */
export function normaliseCode(input: string): string {
  return input.replace(/\s+/g, '')
}

// Live events ------------------------------------------------------------------------------

export const POINTS_EVENT_TYPES: readonly string[] = [
  'points.proposed',
  'points.voted',
  'points.rejected',
  'points.posted',
  'points.catalog_changed',
  'points.goods_changed',
  'points.redeemed',
  'points.redemption_closed',
  'points.appealed',
  'points.appeal_decided',
]

/** What a `points.*` event says. */
export interface PointsEventInfo {
  eventId: number
  type: string
  proposalId: number | null
  postingId: number | null
  redemptionId: number | null
  goodsId: number | null
  appealId: number | null
  resultPostingId: number | null
  /** `person`, `compound` or `community` of a posting. */
  subject: string | null
  subjectId: number | null
  status: string | null
  communityId: number | null
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** The points event, or null for any other event. */
export function pointsEventOf(ev: LiveEvent): PointsEventInfo | null {
  if (!POINTS_EVENT_TYPES.includes(ev.type)) return null
  const p = (ev.payload ?? {}) as Record<string, unknown>
  return {
    eventId: ev.id,
    type: ev.type,
    proposalId: num(p.proposal_id),
    postingId: num(p.posting_id),
    redemptionId: num(p.redemption_id),
    goodsId: num(p.goods_id),
    appealId: num(p.appeal_id),
    resultPostingId: num(p.result_posting_id),
    subject: typeof p.subject === 'string' ? p.subject : null,
    subjectId: num(p.subject_id),
    status: typeof p.status === 'string' ? p.status : null,
    communityId: num(p.community_id),
  }
}

/** Events that change a person's balances or statement: a posting for them, a redemption
 *  made or closed (the resident's copies are addressed to their account). */
export function touchesPerson(e: PointsEventInfo, personId: number | null): boolean {
  if (e.type === 'points.posted') return e.subject === 'person' && e.subjectId === personId
  return e.type === 'points.redeemed' || e.type === 'points.redemption_closed'
}

/** Events that change a list of proposals. */
export const touchesProposals = (e: PointsEventInfo) =>
  e.type === 'points.proposed' || e.type === 'points.voted' || e.type === 'points.rejected' || (e.type === 'points.posted' && e.subject !== 'community')

/** Events that change a list of appeals: one made (to the community's staff), one decided
 *  (to them and to the appellant). */
export const touchesAppeals = (e: PointsEventInfo) => e.type === 'points.appealed' || e.type === 'points.appeal_decided'

// Bulk votes -------------------------------------------------------------------------------

export type OutcomeError = NonNullable<BulkVoteOutcome['error']>

/**
 * A pending list after a bulk vote: proposals the vote decided (posted or rejected) leave it,
 * those still pending (a quorum not reached yet) stay, those it failed for stay with their
 * error.
 */
export function applyOutcomes<T extends Pick<Proposal, 'id' | 'status'>>(
  items: readonly T[],
  outcomes: readonly BulkVoteOutcome[],
): { items: T[]; errors: Record<number, OutcomeError>; decided: number; failed: number } {
  const errors: Record<number, OutcomeError> = {}
  const gone = new Set<number>()
  for (const o of outcomes) {
    if (o.error) errors[o.id] = o.error
    else if (o.status && o.status !== 'pending') gone.add(o.id)
  }
  return {
    items: items.filter((p) => !gone.has(p.id)),
    errors,
    decided: gone.size,
    failed: Object.keys(errors).length,
  }
}

// The server's reasons --------------------------------------------------------------------

/** The i18n key (under `points.reasons`) of a refusal the server explains in its message, or
 *  null when the error code says enough. */
export function reasonKey(err: { code: string; message: string; field?: string | null }): string | null {
  const m = err.message ?? ''
  if (err.code === 'conflict' && err.field === 'key') return 'key'
  if (/budget does not cover/.test(m)) return 'budget'
  if (/^the cap of /.test(m)) return 'cap'
  if (/^out of stock/.test(m)) return 'stock'
  if (/^not enough points/.test(m)) return 'spent'
  if (/^the proposal was /.test(m)) return 'decided'
  if (/decided this proposal already/.test(m)) return 'voted'
  if (/decided by members other than its proposer/.test(m)) return 'ownProposal'
  if (/about themselves/.test(m)) return 'aboutSelf'
  if (/only members of the community's points committee/.test(m)) return 'notCommittee'
  if (/^you may not propose /.test(m)) return 'mayNotPropose'
  if (/needs evidence/.test(m)) return 'evidence'
  if (/linked to no person/.test(m)) return 'unlinked'
  if (/no longer offered/.test(m)) return 'offered'
  if (/^the redemption (was|is not held)/.test(m) || /^closed meanwhile/.test(m)) return 'closed'
  if (/corrected already/.test(m)) return 'corrected'
  if (/^it was appealed already/.test(m)) return 'appealed'
  if (/^appeals are made within/.test(m)) return 'appealWindow'
  if (/^only deductions and corrections that took points/.test(m)) return 'notAppealable'
  if (/^only rejected proposals are appealed/.test(m)) return 'notAppealableProposal'
  if (/^no such (posting|proposal) about you/.test(m)) return 'notYours'
  if (/^the appeal was decided already/.test(m)) return 'appealDecided'
  if (/decide appeals/.test(m)) return 'notCommitteeAppeal'
  if (/took part in what is appealed/.test(m)) return 'tookPart'
  if (/no longer rejected/.test(m)) return 'noLongerRejected'
  if (/^no such appeal/.test(m)) return 'noAppeal'
  if (/only awards, deductions and budget grants/.test(m)) return 'notCorrectable'
  if (/stock cannot go below zero/.test(m)) return 'belowZero'
  if (/^no such goods/.test(m)) return 'noGoods'
  if (/^no such (person|compound)/.test(m)) return 'noSubject'
  if (/^no such redemption/.test(m)) return 'noRedemption'
  return null
}

/** The numbers a refusal's words need (`{n}`: the days appeals are made within). */
export function reasonArgs(err: { message: string }): Record<string, number> {
  const m = /within (\d+) days?/.exec(err.message ?? '')
  return m ? { n: Number(m[1]) } : {}
}
