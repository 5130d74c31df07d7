// Types of the points API (docs/reference/points.md): the catalogue, balances and statements,
// proposals and votes, budgets, corrections, appeals, tiers, and the points shop — looked up by path in
// the generated OpenAPI types like those of src/api/types.ts.
import type { RequestOf, ResponseOf } from '@/api/types'

export type ItemList = ResponseOf<'/api/points/catalog', 'get'>
export type Item = ItemList['items'][number]
/** The body of PUT /api/points/catalog/{code}: every field of an item but its code, version and kind. */
export type ItemWrite = RequestOf<'/api/points/catalog/{code}', 'put'>
export type Proposer = Item['proposers'][number]
export type CapPeriod = Item['cap_period']
export type SubjectKind = Item['subject']

export type Accounts = ResponseOf<'/api/points/me', 'get'>
export type Account = Accounts['accounts'][number]
export type AccountKind = Account['kind']
export type Tier = Accounts['tier']
export type TierList = ResponseOf<'/api/points/tiers', 'get'>

export type Statement = ResponseOf<'/api/points/statement', 'get'>
export type StatementLine = Statement['lines'][number]
export type PostingKind = StatementLine['kind']

export type ProposalList = ResponseOf<'/api/points/proposals', 'get'>
export type Proposal = ProposalList['items'][number]
export type ProposalStatus = Proposal['status']
export type ProposalNew = RequestOf<'/api/points/proposals', 'post'>
export type BulkProposal = RequestOf<'/api/points/proposals/bulk', 'post'>
export type BulkProposalResult = ResponseOf<'/api/points/proposals/bulk', 'post', 201>
export type Vote = RequestOf<'/api/points/proposals/{id}/votes', 'post'>
export type Decision = Vote['decision']
export type BulkVote = RequestOf<'/api/points/proposals/votes', 'post'>
export type BulkVoteResult = ResponseOf<'/api/points/proposals/votes', 'post'>
export type BulkVoteOutcome = BulkVoteResult['items'][number]

export type BudgetGrant = RequestOf<'/api/points/budgets', 'post'>
export type Posting = ResponseOf<'/api/points/budgets', 'post', 201>
export type Correction = RequestOf<'/api/points/corrections', 'post'>

export type GoodsList = ResponseOf<'/api/points/goods', 'get'>
export type Goods = GoodsList['items'][number]
export type GoodsNew = RequestOf<'/api/points/goods', 'post'>
export type GoodsChange = RequestOf<'/api/points/goods/{id}', 'patch'>
export type RedemptionList = ResponseOf<'/api/points/redemptions', 'get'>
export type Redemption = RedemptionList['items'][number]
export type RedemptionStatus = Redemption['status']
export type Redeem = RequestOf<'/api/points/redemptions', 'post'>

export type AppealList = ResponseOf<'/api/points/appeals', 'get'>
export type Appeal = AppealList['items'][number]
export type AppealStatus = Appeal['status']
export type AppealNew = RequestOf<'/api/points/appeals', 'post'>
export type AppealDecisionBody = RequestOf<'/api/points/appeals/{id}/decision', 'post'>
export type AppealDecision = AppealDecisionBody['decision']

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

export const PROPOSAL_STATUSES = ['pending', 'posted', 'rejected'] as const
/** Fails to compile when PROPOSAL_STATUSES and the OpenAPI enum disagree. */
export const PROPOSAL_STATUSES_MATCH_OPENAPI: Same<(typeof PROPOSAL_STATUSES)[number], ProposalStatus> = true

export const REDEMPTION_STATUSES = ['held', 'handed_over', 'cancelled', 'expired'] as const
export const REDEMPTION_STATUSES_MATCH_OPENAPI: Same<(typeof REDEMPTION_STATUSES)[number], RedemptionStatus> = true

export const APPEAL_STATUSES = ['pending', 'upheld', 'overturned'] as const
export const APPEAL_STATUSES_MATCH_OPENAPI: Same<(typeof APPEAL_STATUSES)[number], AppealStatus> = true

export const APPEAL_DECISIONS = ['uphold', 'overturn'] as const
export const APPEAL_DECISIONS_MATCH_OPENAPI: Same<(typeof APPEAL_DECISIONS)[number], AppealDecision> = true

export const CAP_PERIODS = ['day', 'week', 'month', 'year', 'ever'] as const
export const CAP_PERIODS_MATCH_OPENAPI: Same<(typeof CAP_PERIODS)[number], CapPeriod> = true

export const POSTING_KINDS = ['award', 'deduction', 'grant', 'correction', 'redeem', 'handover', 'refund'] as const
export const POSTING_KINDS_MATCH_OPENAPI: Same<(typeof POSTING_KINDS)[number], PostingKind> = true

export const PROPOSERS = [
  'self',
  'grid_worker',
  'steward',
  'community_staff',
  'street_staff',
  'district_admin',
  'committee_member',
  'mediator',
  'inspector',
  'vendor',
  'volunteer',
  'doctor',
  'teacher',
] as const
export const PROPOSERS_MATCH_OPENAPI: Same<(typeof PROPOSERS)[number], Proposer> = true

/** The accounts a statement may be asked for (the server answers 422 for the others). */
export const STATEMENT_ACCOUNTS = ['virtue', 'spendable', 'civility', 'budget'] as const
export type StatementAccount = (typeof STATEMENT_ACCOUNTS)[number]
