import { describe, expect, it } from 'vitest'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import { FormKey, KEY_RE, fingerprint, newKey, uuid } from './idempotency'
import {
  GROUP_ORDER,
  amountTone,
  appealableLine,
  appealableProposal,
  appealsByTarget,
  appealTone,
  applyOutcomes,
  balanceOf,
  capOf,
  communityIdsOf,
  communityOfPath,
  correctable,
  coversCommunity,
  draftOfItem,
  emptyItemDraft,
  evidenceError,
  evidenceLines,
  filterItems,
  formatCode,
  groupCatalogue,
  itemBody,
  maxQuantity,
  mayAdminPoints,
  mayKeepShop,
  mayVote,
  nameOf,
  nextTier,
  normaliseCode,
  parsePersonIds,
  pointsEventOf,
  positiveId,
  proposableBy,
  reasonArgs,
  reasonKey,
  reasonOk,
  redeemBlock,
  reversedPostings,
  selfClaimable,
  targetKey,
  signed,
  tierFor,
  touchesAppeals,
  touchesPerson,
  touchesProposals,
  upsertAppeal,
  validateItem,
} from './points'
import {
  APPEAL_STATUSES,
  CAP_PERIODS,
  POSTING_KINDS,
  PROPOSAL_STATUSES,
  REDEMPTION_STATUSES,
  type Appeal,
  type Item,
  type Proposal,
  type StatementLine,
  type Tier,
} from './types'

function item(over: Partial<Item> = {}): Item {
  return {
    code: 'bonus.volunteer_service',
    version: 1,
    name_zh: '志愿服务',
    name_en: 'Volunteer service',
    points: 2,
    kind: 'bonus',
    subject: 'person',
    cap_count: 20,
    cap_period: 'month',
    evidence_required: true,
    proposers: ['self', 'grid_worker', 'community_staff', 'committee_member'],
    automatic: false,
    active: true,
    ...over,
  }
}

const TIERS: Tier[] = [
  { code: 'standard', name_zh: '普通', name_en: 'Standard', min_virtue: null, booking_days_ahead: 3, enrolment_priority: 0 },
  { code: 'silver', name_zh: '银星', name_en: 'Silver star', min_virtue: 100, booking_days_ahead: 5, enrolment_priority: 1 },
  { code: 'gold', name_zh: '金星', name_en: 'Gold star', min_virtue: 300, booking_days_ahead: 7, enrolment_priority: 2 },
]

describe('amounts and names', () => {
  it('signs amounts and colours them', () => {
    expect(signed(5)).toBe('+5')
    expect(signed(-3)).toBe('-3')
    expect(signed(0)).toBe('0')
    expect([amountTone(2), amountTone(-1), amountTone(0)]).toEqual(['plus', 'minus', 'zero'])
  })

  it('names by locale', () => {
    expect(nameOf(item(), 'zh-CN')).toBe('志愿服务')
    expect(nameOf(item(), 'en')).toBe('Volunteer service')
    expect(nameOf(item(), 'en-GB')).toBe('Volunteer service')
  })

  it('reads a balance by kind, zero when absent', () => {
    const accounts = [
      { kind: 'virtue' as const, balance: -4 },
      { kind: 'spendable' as const, balance: 10 },
    ]
    expect(balanceOf(accounts, 'virtue')).toBe(-4)
    expect(balanceOf(accounts, 'spendable')).toBe(10)
    expect(balanceOf(accounts, 'civility')).toBe(0)
    expect(balanceOf(undefined, 'virtue')).toBe(0)
  })
})

describe('the catalogue', () => {
  it('says a cap as a count per period, or none', () => {
    expect(capOf({ cap_count: 4, cap_period: 'month' })).toEqual({ key: 'month', n: 4 })
    expect(capOf({ cap_count: 1, cap_period: 'ever' })).toEqual({ key: 'ever', n: 1 })
    expect(capOf({ cap_count: 0, cap_period: 'year' })).toEqual({ key: 'none', n: 0 })
  })

  it('has words for every cap in both languages', () => {
    for (const k of ['none', ...CAP_PERIODS] as const) {
      expect(zhCN.points.cap[k]).toBeTruthy()
      expect(en.points.cap[k]).toBeTruthy()
    }
    expect(en.points.cap.month.replace('{n}', '4')).toBe('At most 4 per month')
  })

  it('groups bonus before deduction, persons before compounds, keeping the order and leaving out empty groups', () => {
    const list = [
      item({ code: 'deduct.littering', kind: 'deduction', points: -2 }),
      item({ code: 'bonus.a' }),
      item({ code: 'bonus.compound_x', subject: 'compound' }),
      item({ code: 'bonus.b' }),
    ]
    const g = groupCatalogue(list)
    expect(g.map((x) => x.key)).toEqual(['bonus_person', 'bonus_compound', 'deduction_person'])
    expect(g[0].items.map((i) => i.code)).toEqual(['bonus.a', 'bonus.b'])
    expect(g[2]).toMatchObject({ kind: 'deduction', subject: 'person' })
    expect(GROUP_ORDER).toHaveLength(4)
    expect(groupCatalogue([])).toEqual([])
  })

  it('lets residents claim only active, proposed person bonus items naming self', () => {
    expect(selfClaimable(item())).toBe(true)
    expect(selfClaimable(item({ proposers: ['community_staff'] }))).toBe(false)
    expect(selfClaimable(item({ automatic: true, proposers: ['self'] }))).toBe(false)
    expect(selfClaimable(item({ active: false }))).toBe(false)
    expect(selfClaimable(item({ subject: 'compound' }))).toBe(false)
    expect(selfClaimable(item({ kind: 'deduction', points: -1 }))).toBe(false)
  })

  it('offers staff the items one of their roles may propose', () => {
    const list = [
      item({ code: 'bonus.a', proposers: ['self'] }),
      item({ code: 'bonus.b', proposers: ['community_staff'] }),
      item({ code: 'bonus.c', proposers: ['community_staff'], active: false }),
      item({ code: 'bonus.d', proposers: [], automatic: true }),
      item({ code: 'deduct.e', kind: 'deduction', points: -2, proposers: ['grid_worker', 'community_staff'] }),
    ]
    expect(proposableBy(list, ['community_staff']).map((i) => i.code)).toEqual(['bonus.b', 'deduct.e'])
    expect(proposableBy(list, ['resident'])).toEqual([])
  })

  it('filters by name in either language or code', () => {
    const list = [item(), item({ code: 'bonus.blood_donation', name_zh: '无偿献血', name_en: 'Blood donation' })]
    expect(filterItems(list, '献血').map((i) => i.code)).toEqual(['bonus.blood_donation'])
    expect(filterItems(list, 'VOLUNTEER').map((i) => i.code)).toEqual(['bonus.volunteer_service'])
    expect(filterItems(list, '  ')).toHaveLength(2)
  })
})

describe('tiers', () => {
  it('finds the tier a virtue balance gives', () => {
    expect(tierFor(TIERS, -20)?.code).toBe('standard')
    expect(tierFor(TIERS, 99)?.code).toBe('standard')
    expect(tierFor(TIERS, 100)?.code).toBe('silver')
    expect(tierFor(TIERS, 1000)?.code).toBe('gold')
  })

  it('tells the next tier and how many points it still needs', () => {
    expect(nextTier(TIERS, 5)).toEqual({ tier: TIERS[1], needed: 95 })
    expect(nextTier(TIERS, -10)).toEqual({ tier: TIERS[1], needed: 110 })
    expect(nextTier(TIERS, 100)).toEqual({ tier: TIERS[2], needed: 200 })
    expect(nextTier(TIERS, 299)?.needed).toBe(1)
    expect(nextTier(TIERS, 300)).toBeNull()
    expect(nextTier([...TIERS].reverse(), 5)?.tier.code).toBe('silver')
    expect(nextTier([], 5)).toBeNull()
  })
})

describe('checks of the forms', () => {
  it('takes reasons of 2 to 500 characters, trimmed', () => {
    expect(reasonOk('好')).toBe(false)
    expect(reasonOk('  好  ')).toBe(false)
    expect(reasonOk('帮忙')).toBe(true)
    expect(reasonOk('字'.repeat(500))).toBe(true)
    expect(reasonOk('字'.repeat(501))).toBe(false)
  })

  it('reads evidence one reference a line and checks count and bytes', () => {
    expect(evidenceLines(' 活动照片 \n\n签到表\r\n  ')).toEqual(['活动照片', '签到表'])
    expect(evidenceError([])).toBeNull()
    expect(evidenceError(Array.from({ length: 9 }, (_, i) => `p${i}`))).toBeNull()
    expect(evidenceError(Array.from({ length: 10 }, (_, i) => `p${i}`))).toBe('too_many')
    expect(evidenceError(['字'.repeat(66)])).toBeNull() // 198 bytes
    expect(evidenceError(['字'.repeat(67)])).toBe('too_long') // 201 bytes
    expect(evidenceError(['a'.repeat(200)])).toBeNull()
  })

  it('parses pasted person ids, telling what is not an id and what came twice', () => {
    expect(parsePersonIds('12\n13\r\n#27, 28，29 30\n')).toEqual({ ids: [12, 13, 27, 28, 29, 30], bad: [], duplicates: [] })
    expect(parsePersonIds('12\nabc\n0\n-3\n12\n13\n13')).toEqual({ ids: [12, 13], bad: ['abc', '0', '-3'], duplicates: [12, 13] })
    expect(parsePersonIds('  ')).toEqual({ ids: [], bad: [], duplicates: [] })
  })

  it('reads a typed id', () => {
    expect(positiveId(' 107 ')).toBe(107)
    expect(positiveId('#5')).toBe(5)
    expect(positiveId(12)).toBe(12)
    expect(positiveId('0')).toBeNull()
    expect(positiveId('1.5')).toBeNull()
    expect(positiveId('')).toBeNull()
    expect(positiveId(null)).toBeNull()
  })
})

describe('writing catalogue items', () => {
  it('accepts a valid new item and writes its body', () => {
    const d = { ...emptyItemDraft(), code: 'bonus.tree_planting', name_zh: ' 植树 ', name_en: 'Tree planting', points: 3, cap_count: 2 }
    expect(validateItem(d)).toEqual({})
    expect(itemBody(d)).toEqual({
      name_zh: '植树',
      name_en: 'Tree planting',
      points: 3,
      subject: 'person',
      cap_count: 2,
      cap_period: 'month',
      evidence_required: true,
      proposers: ['community_staff', 'committee_member'],
      automatic: false,
      active: true,
    })
  })

  it('checks codes, names, the sign of points, caps, self and automatic as the server does', () => {
    const base = { ...emptyItemDraft(), name_zh: '植树', name_en: 'Trees' }
    expect(validateItem({ ...base, code: 'bonus.' }).code).toBe('code')
    expect(validateItem({ ...base, code: 'award.x' }).code).toBe('code')
    expect(validateItem({ ...base, code: 'bonus.Tree' }).code).toBe('code')
    expect(validateItem({ ...base, code: `bonus.${'a'.repeat(51)}` }).code).toBe('code')
    expect(validateItem({ ...base, code: 'bonus.x' }, ['bonus.x']).code).toBe('taken')
    expect(validateItem({ ...base, code: 'bonus.x', name_zh: '' }).name_zh).toBe('name')
    expect(validateItem({ ...base, code: 'bonus.x', name_en: 'a\nb' }).name_en).toBe('name')
    expect(validateItem({ ...base, code: 'bonus.x', points: 0 }).points).toBe('points')
    expect(validateItem({ ...base, code: 'bonus.x', points: -2 }).points).toBe('sign')
    expect(validateItem({ ...base, code: 'deduct.x', points: 2, proposers: [] }).points).toBe('sign')
    expect(validateItem({ ...base, code: 'bonus.x', cap_count: 1001 }).cap_count).toBe('cap')
    expect(validateItem({ ...base, code: 'bonus.x', subject: 'compound', proposers: ['self'] }).proposers).toBe('self')
    expect(validateItem({ ...base, code: 'deduct.x', points: -2, proposers: ['self'] }).proposers).toBe('self')
    expect(validateItem({ ...base, code: 'deduct.x', points: -2, proposers: [], automatic: true }).automatic).toBe('automatic')
  })

  it('edits a copy of an item', () => {
    const i = item()
    const d = draftOfItem(i)
    d.proposers.push('steward')
    expect(i.proposers).not.toContain('steward')
    expect(validateItem(d, [])).toEqual({})
  })
})

describe('grants', () => {
  const grants = [
    { role: 'committee_member', scope: '/2/3' },
    { role: 'community_staff', scope: '/2/3/4' },
    { role: 'street_staff', scope: '/2' },
    { role: 'community_staff', scope: '/5/6' },
  ]

  it('finds the communities of grants at or below a community', () => {
    expect(communityIdsOf(grants)).toEqual([3, 6])
    expect(communityIdsOf(grants, ['committee_member'])).toEqual([3])
    expect(communityIdsOf([{ role: 'district_admin', scope: '/' }])).toEqual([])
    expect(communityOfPath('/2/3/4/5')).toBe(3)
    expect(communityOfPath('/2')).toBeNull()
    expect(communityOfPath('/')).toBeNull()
  })

  it('tells whether a role acts over a community (a broader grant may)', () => {
    expect(coversCommunity(grants, 'committee_member', 3)).toBe(true)
    expect(coversCommunity(grants, 'committee_member', 6)).toBe(false)
    expect(coversCommunity(grants, 'street_staff', 99)).toBe(true)
    expect(coversCommunity(grants, 'district_admin', 3)).toBe(false)
  })

  it('says who votes, keeps shops and administers points', () => {
    expect(mayVote(grants)).toBe(true)
    expect(mayVote([{ role: 'community_staff', scope: '/2/3' }])).toBe(false)
    expect(mayKeepShop([{ role: 'committee_member', scope: '/2/3' }])).toBe(false)
    expect(mayKeepShop([{ role: 'community_staff', scope: '/2/3' }])).toBe(true)
    expect(mayAdminPoints([{ role: 'district_admin', scope: '/' }])).toBe(true)
    expect(mayAdminPoints([{ role: 'district_admin', scope: '/2' }])).toBe(false)
  })

  it('corrects awards, deductions and grants only', () => {
    expect(POSTING_KINDS.filter((k) => correctable({ kind: k }))).toEqual(['award', 'deduction', 'grant'])
  })
})

describe('the points shop', () => {
  const g = { active: true, stock: 3, price: 5 }

  it('says why goods may not be redeemed', () => {
    expect(redeemBlock(g, 5)).toBeNull()
    expect(redeemBlock(g, 4)).toBe('points')
    expect(redeemBlock({ ...g, stock: 0 }, 100)).toBe('stock')
    expect(redeemBlock({ ...g, active: false }, 100)).toBe('inactive')
  })

  it('caps the quantity by stock, points and 100', () => {
    expect(maxQuantity(g, 100)).toBe(3)
    expect(maxQuantity(g, 12)).toBe(2)
    expect(maxQuantity(g, 4)).toBe(0)
    expect(maxQuantity({ stock: 1000, price: 1 }, 10_000)).toBe(100)
  })

  it('shows codes in fours and reads them back without spaces', () => {
    expect(formatCode('DesJ4M3uKyqLJrfw')).toBe('DesJ 4M3u KyqL Jrfw')
    expect(formatCode('abc')).toBe('abc')
    expect(normaliseCode(' DesJ 4M3u\tKyqL Jrfw ')).toBe('DesJ4M3uKyqLJrfw')
    expect(normaliseCode('a-b_C')).toBe('a-b_C')
  })
})

describe('live events', () => {
  it('reads points events and ignores others', () => {
    expect(pointsEventOf({ id: 1, type: 'order.created', created_at: 0, payload: {} })).toBeNull()
    const e = pointsEventOf({
      id: 9,
      type: 'points.posted',
      created_at: 0,
      payload: { posting_id: 4, kind: 'award', subject: 'person', subject_id: 107, points: 5 },
    })
    expect(e).toMatchObject({ eventId: 9, postingId: 4, subject: 'person', subjectId: 107, proposalId: null })
    expect(touchesPerson(e!, 107)).toBe(true)
    expect(touchesPerson(e!, 108)).toBe(false)
    expect(touchesProposals(e!)).toBe(true)
    const grant = pointsEventOf({ id: 10, type: 'points.posted', created_at: 0, payload: { subject: 'community', subject_id: 3 } })!
    expect(touchesProposals(grant)).toBe(false)
    const closed = pointsEventOf({ id: 11, type: 'points.redemption_closed', created_at: 0, payload: { redemption_id: 2, status: 'handed_over' } })!
    expect(closed).toMatchObject({ redemptionId: 2, status: 'handed_over' })
    expect(touchesPerson(closed, 107)).toBe(true)
    const proposed = pointsEventOf({ id: 12, type: 'points.proposed', created_at: 0 })!
    expect(touchesProposals(proposed)).toBe(true)
    expect(proposed.proposalId).toBeNull()
  })
})

describe('bulk votes', () => {
  const p = (id: number): Pick<Proposal, 'id' | 'status'> => ({ id, status: 'pending' })

  it('drops the decided, keeps the pending and the failed with their errors', () => {
    const r = applyOutcomes(
      [p(1), p(2), p(3), p(4)],
      [
        { id: 1, status: 'posted', error: null },
        { id: 2, status: null, error: { code: 'conflict', message: "the committee's budget does not cover this", field: null } },
        { id: 3, status: 'pending', error: null },
        { id: 4, status: 'rejected', error: null },
      ],
    )
    expect(r.items.map((x) => x.id)).toEqual([2, 3])
    expect(r.decided).toBe(2)
    expect(r.failed).toBe(1)
    expect(reasonKey(r.errors[2])).toBe('budget')
  })
})

describe("the server's reasons", () => {
  const cases: [string, string, string | null, string | null][] = [
    ['conflict', "the committee's budget does not cover this", null, 'budget'],
    ['conflict', 'the cap of 4 a month is reached for bonus.dispute_mediation', null, 'cap'],
    ['conflict', 'out of stock', null, 'stock'],
    ['conflict', 'not enough points: they may have been spent already', null, 'spent'],
    ['conflict', 'the proposal was posted already', null, 'decided'],
    ['conflict', 'you have decided this proposal already', null, 'voted'],
    ['forbidden', 'a proposal is decided by members other than its proposer', null, 'ownProposal'],
    ['forbidden', 'no one decides a proposal about themselves', null, 'aboutSelf'],
    ['conflict', 'the key was used for a different request', 'key', 'key'],
    ['invalid_input', 'the goods are no longer offered', 'goods_id', 'offered'],
    ['conflict', 'the redemption was handed_over already', null, 'closed'],
    ['conflict', 'the posting was corrected already', null, 'corrected'],
    ['not_found', 'no such person', null, 'noSubject'],
    ['conflict', 'it was appealed already', 'posting_id', 'appealed'],
    ['conflict', 'appeals are made within 30 days', 'proposal_id', 'appealWindow'],
    ['invalid_input', 'only deductions and corrections that took points from you are appealed', 'posting_id', 'notAppealable'],
    ['invalid_input', 'only rejected proposals are appealed', 'proposal_id', 'notAppealableProposal'],
    ['not_found', 'no such posting about you', 'posting_id', 'notYours'],
    ['not_found', 'no such proposal about you', 'proposal_id', 'notYours'],
    ['forbidden', 'your account is linked to no person', null, 'unlinked'],
    ['conflict', 'the appeal was decided already', null, 'appealDecided'],
    ['forbidden', "only the community's committee members decide appeals", null, 'notCommitteeAppeal'],
    ['forbidden', 'you took part in what is appealed: another committee member decides it', null, 'tookPart'],
    ['conflict', 'the proposal is no longer rejected', null, 'noLongerRejected'],
    ['not_found', 'no such appeal', null, 'noAppeal'],
    ['invalid_input', 'reason must be 2 to 500 characters', 'reason', null],
  ]

  it.each(cases)('%s "%s" → %s', (code, message, field, key) => {
    expect(reasonKey({ code, message, field })).toBe(key)
  })

  it('has words for every reason in both languages', () => {
    for (const [, , , key] of cases) {
      if (!key) continue
      expect((zhCN.points.reasons as Record<string, string>)[key]).toBeTruthy()
      expect((en.points.reasons as Record<string, string>)[key]).toBeTruthy()
    }
  })

  it('has words for every status and posting kind', () => {
    for (const s of PROPOSAL_STATUSES) expect(en.points.proposals.statuses[s] && zhCN.points.proposals.statuses[s]).toBeTruthy()
    for (const s of REDEMPTION_STATUSES) expect(en.points.shop.statuses[s] && zhCN.points.shop.statuses[s]).toBeTruthy()
    for (const k of POSTING_KINDS) expect(en.points.kinds[k] && zhCN.points.kinds[k]).toBeTruthy()
    for (const s of APPEAL_STATUSES) expect(en.points.appeals.statuses[s] && zhCN.points.appeals.statuses[s]).toBeTruthy()
  })

  it('reads the days of the appeal window from the message', () => {
    expect(reasonArgs({ message: 'appeals are made within 30 days' })).toEqual({ n: 30 })
    expect(reasonArgs({ message: 'appeals are made within 1 day' })).toEqual({ n: 1 })
    expect(reasonArgs({ message: 'it was appealed already' })).toEqual({})
  })
})

describe('idempotency keys', () => {
  it('makes UUIDs without crypto.randomUUID (insecure contexts)', () => {
    let n = 0
    const source = { getRandomValues: <T extends ArrayBufferView | null>(a: T) => (((a as unknown as Uint8Array).fill(++n * 17)), a) }
    const u = uuid(source as Pick<Crypto, 'getRandomValues'>)
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(uuid({ getRandomValues: source.getRandomValues, randomUUID: () => 'native' } as never)).toBe('native')
  })

  it('makes keys the server takes', () => {
    const k = newKey('redeem')
    expect(k).toMatch(KEY_RE)
    expect(k.startsWith('redeem-')).toBe(true)
    expect(newKey('中文 prefix!', () => 'x'.repeat(80))).toMatch(KEY_RE)
    expect(newKey('中文 prefix!', () => 'x'.repeat(80)).length).toBe(64)
    expect(newKey('', () => 'abc')).toBe('abc')
  })

  it('fingerprints content whatever the order of its keys', () => {
    expect(fingerprint({ a: 1, b: [1, { d: 2, c: 3 }] })).toBe(fingerprint({ b: [1, { c: 3, d: 2 }], a: 1 }))
    expect(fingerprint({ a: 1, b: undefined })).toBe(fingerprint({ a: 1 }))
    expect(fingerprint({ a: [1, 2] })).not.toBe(fingerprint({ a: [2, 1] }))
  })

  it('keeps the key across retries of the same content, and makes a new one otherwise', () => {
    let n = 0
    const f = new FormKey('prop', () => `k${++n}`)
    const body = { item: 'bonus.x', person_id: 12, reason: '帮助邻居', evidence: ['照片'] }
    const first = f.keyFor(body)
    expect(f.keyFor({ ...body })).toBe(first) // a double tap, a retry after a lost answer
    expect(f.keyFor({ evidence: ['照片'], reason: '帮助邻居', person_id: 12, item: 'bonus.x' })).toBe(first)
    const changed = f.keyFor({ ...body, reason: '帮助邻居买菜' })
    expect(changed).not.toBe(first) // other content under the old key would be a 409
    f.done()
    expect(f.keyFor({ ...body, reason: '帮助邻居买菜' })).not.toBe(changed) // a success: the next one is new
    const before = f.keyFor(body)
    f.reset()
    expect(f.keyFor(body)).not.toBe(before) // the form opened again
    expect(first).toBe('prop-k1')
  })
})

describe('appeals', () => {
  const line = (over: Partial<StatementLine> = {}): StatementLine => ({
    transfer_id: 1,
    posting_id: 10,
    kind: 'deduction',
    item: { code: 'deduct.littering', name_zh: '乱扔垃圾', name_en: 'Littering' },
    amount: -5,
    balance_after: 20,
    reason: '乱扔垃圾',
    reverses: null,
    created_at: 0,
    ...over,
  })

  it('lets deductions and corrections that took points be appealed, on the virtue account only', () => {
    expect(appealableLine(line(), 'virtue')).toBe(true)
    expect(appealableLine(line({ kind: 'correction', amount: -3, item: null, reverses: 7 }), 'virtue')).toBe(true)
    expect(appealableLine(line({ kind: 'correction', amount: 5, item: null, reverses: 8 }), 'virtue')).toBe(false)
    expect(appealableLine(line(), 'spendable')).toBe(false)
    for (const kind of POSTING_KINDS.filter((k) => k !== 'deduction' && k !== 'correction'))
      expect(appealableLine(line({ kind, amount: -5 }), 'virtue')).toBe(false)
    expect(appealableLine(line({ kind: 'award', amount: 5 }), 'virtue')).toBe(false)
  })

  it('leaves out lines a correction reversed since', () => {
    const lines = [line({ posting_id: 12, kind: 'correction', amount: 5, reverses: 10 }), line(), line({ posting_id: 11 })]
    const reversed = reversedPostings(lines)
    expect([...reversed]).toEqual([10])
    expect(appealableLine(lines[1], 'virtue', reversed)).toBe(false)
    expect(appealableLine(lines[2], 'virtue', reversed)).toBe(true)
  })

  it('lets rejected proposals about my person be appealed', () => {
    const p = { status: 'rejected', subject: 'person', subject_id: 107 } as const
    expect(appealableProposal(p, 107)).toBe(true)
    expect(appealableProposal(p, 108)).toBe(false)
    expect(appealableProposal(p, null)).toBe(false)
    expect(appealableProposal({ ...p, status: 'posted' }, 107)).toBe(false)
    expect(appealableProposal({ ...p, status: 'pending' }, 107)).toBe(false)
    expect(appealableProposal({ ...p, subject: 'compound' }, 107)).toBe(false)
  })

  const appeal = (over: Partial<Appeal> = {}): Appeal => ({
    id: 1,
    key: 'appeal-x',
    person_id: 107,
    community_id: 3,
    posting_id: 10,
    proposal_id: null,
    points: -5,
    item: { code: 'deduct.littering', name_zh: '乱扔垃圾', name_en: 'Littering' },
    reason: '当天不在小区',
    evidence: [],
    status: 'pending',
    appealed_by: 9,
    decided_by: null,
    decision_reason: null,
    result_posting_id: null,
    decided_at: null,
    created_at: 0,
    ...over,
  })

  it('finds appeals by what they are about, and keeps a list up to date', () => {
    const a = appeal()
    const b = appeal({ id: 2, posting_id: null, proposal_id: 44, points: 3 })
    const m = appealsByTarget([a, b])
    expect(m.get(targetKey({ posting_id: 10 }))).toBe(a)
    expect(m.get(targetKey({ proposal_id: 44 }))).toBe(b)
    expect(m.get(targetKey({ posting_id: 44 }))).toBeUndefined()
    const decided = { ...a, status: 'overturned' as const }
    expect(upsertAppeal([a, b], decided)).toEqual([decided, b])
    const c = appeal({ id: 3, posting_id: 11 })
    expect(upsertAppeal([a, b], c).map((x) => x.id)).toEqual([3, 1, 2])
  })

  it('colours the statuses', () => {
    expect(APPEAL_STATUSES.map(appealTone)).toEqual(['warning', 'default', 'success'])
  })

  it('reads the appeal events', () => {
    const made = pointsEventOf({ id: 20, type: 'points.appealed', created_at: 0, payload: { appeal_id: 5, community_id: 3, status: 'pending', result_posting_id: null } })!
    expect(made).toMatchObject({ appealId: 5, communityId: 3, status: 'pending', resultPostingId: null })
    expect(touchesAppeals(made)).toBe(true)
    expect(touchesProposals(made)).toBe(false)
    expect(touchesPerson(made, 107)).toBe(false)
    const decided = pointsEventOf({ id: 21, type: 'points.appeal_decided', created_at: 0, payload: { appeal_id: 5, community_id: 3, status: 'overturned', result_posting_id: 90 } })!
    expect(decided).toMatchObject({ appealId: 5, status: 'overturned', resultPostingId: 90 })
    expect(touchesAppeals(decided)).toBe(true)
    expect(en.live.types).toHaveProperty('points_appeal_decided')
    expect(zhCN.live.types).toHaveProperty('points_appealed')
  })
})
