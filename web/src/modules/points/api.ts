// The points routes (docs/reference/points.md) through the one HTTP wrapper. Requests whose
// errors a form or a dialog shows by field are made with `notify: false`.
import { apiFetch } from '@/api/fetch'
import type {
  Accounts,
  Appeal,
  AppealDecision,
  AppealList,
  AppealNew,
  AppealStatus,
  BudgetGrant,
  BulkProposal,
  BulkProposalResult,
  BulkVote,
  BulkVoteResult,
  Correction,
  Decision,
  Goods,
  GoodsChange,
  GoodsList,
  GoodsNew,
  Item,
  ItemList,
  ItemWrite,
  Posting,
  Proposal,
  ProposalList,
  ProposalNew,
  ProposalStatus,
  Redeem,
  Redemption,
  RedemptionList,
  RedemptionStatus,
  Statement,
  StatementAccount,
  TierList,
} from './types'

/** Page size asked for in lists (the server's largest is 200). */
export const PAGE = 50

// The catalogue and the tiers ----------------------------------------------------------------

/** The active items (anonymous allowed); with `all` (district admins) the inactive ones too. */
export function listCatalog(all = false): Promise<Item[]> {
  return apiFetch<ItemList>('/api/points/catalog', { query: { all: all ? 'true' : undefined }, redirectOn401: false }).then(
    (l) => l.items,
  )
}

/** Writes an item whole, as a new version (district admins). Errors are the dialog's. */
export const putItem = (code: string, body: ItemWrite) =>
  apiFetch<Item>(`/api/points/catalog/${encodeURIComponent(code)}`, { method: 'PUT', body, notify: false })

let tiers: Promise<TierList['items']> | null = null

/** The service tiers, lowest first (anonymous allowed), asked once per page load. */
export function loadTiers(): Promise<TierList['items']> {
  tiers ??= apiFetch<TierList>('/api/points/tiers', { redirectOn401: false })
    .then((l) => l.items)
    .catch((e: unknown) => {
      tiers = null
      throw e
    })
  return tiers
}

// Balances and statements -------------------------------------------------------------------

/** The caller's own accounts; a 404 (no linked person) is the page's to explain. */
export const getMyPoints = () => apiFetch<Accounts>('/api/points/me', { notify: false })

export const getPersonPoints = (id: number) => apiFetch<Accounts>(`/api/points/persons/${id}`, { notify: false })

export function getStatement(q: { account: StatementAccount; owner_id?: number | null; before?: number | null; limit?: number }) {
  return apiFetch<Statement>('/api/points/statement', {
    query: { account: q.account, owner_id: q.owner_id ?? undefined, before: q.before ?? undefined, limit: q.limit ?? PAGE },
    notify: false,
  })
}

// Proposals and votes -----------------------------------------------------------------------

export function listProposals(q: { status?: ProposalStatus | null; community_id?: number | null; before?: number | null; limit?: number } = {}) {
  return apiFetch<ProposalList>('/api/points/proposals', {
    query: {
      status: q.status ?? undefined,
      community_id: q.community_id ?? undefined,
      before: q.before ?? undefined,
      limit: q.limit ?? PAGE,
    },
  })
}

export const getProposal = (id: number) => apiFetch<Proposal>(`/api/points/proposals/${id}`)

/** Errors are the form's. */
export const propose = (body: ProposalNew) =>
  apiFetch<Proposal>('/api/points/proposals', { method: 'POST', body, notify: false })

export const proposeBulk = (body: BulkProposal) =>
  apiFetch<BulkProposalResult>('/api/points/proposals/bulk', { method: 'POST', body, notify: false })

export function vote(id: number, decision: Decision, reason?: string): Promise<Proposal> {
  const body = reason ? { decision, reason } : { decision }
  return apiFetch<Proposal>(`/api/points/proposals/${id}/votes`, { method: 'POST', body, notify: false })
}

export function voteBulk(ids: number[], decision: Decision, reason?: string): Promise<BulkVoteResult> {
  const body: BulkVote = reason ? { ids, decision, reason } : { ids, decision }
  return apiFetch<BulkVoteResult>('/api/points/proposals/votes', { method: 'POST', body, notify: false })
}

// Budgets and corrections -------------------------------------------------------------------

export const grantBudget = (body: BudgetGrant) =>
  apiFetch<Posting>('/api/points/budgets', { method: 'POST', body, notify: false })

export const correctPosting = (body: Correction) =>
  apiFetch<Posting>('/api/points/corrections', { method: 'POST', body, notify: false })

// Appeals -----------------------------------------------------------------------------------

/** Appeals a posting that took points from the caller, or a rejected proposal about them (the
 *  body carries the form's idempotency key). Errors are the sheet's. */
export const appeal = (body: AppealNew) => apiFetch<Appeal>('/api/points/appeals', { method: 'POST', body, notify: false })

/** The caller's own appeals, or (`community_id`, staff over it) a community's. */
export function listAppeals(
  q: { community_id?: number | null; status?: AppealStatus | null; before?: number | null; limit?: number } = {},
  notify = true,
) {
  return apiFetch<AppealList>('/api/points/appeals', {
    query: {
      community_id: q.community_id ?? undefined,
      status: q.status ?? undefined,
      before: q.before ?? undefined,
      limit: q.limit ?? PAGE,
    },
    notify,
  })
}

export const getAppeal = (id: number) => apiFetch<Appeal>(`/api/points/appeals/${id}`, { notify: false })

/** A committee member upholds or overturns an appeal, with a reason. Errors are the caller's. */
export const decideAppeal = (id: number, decision: AppealDecision, reason: string) =>
  apiFetch<Appeal>(`/api/points/appeals/${id}/decision`, { method: 'POST', body: { decision, reason }, notify: false })

// The points shop ---------------------------------------------------------------------------

/** A community's goods (residents: their own community's, `communityId` left out). */
export function listGoods(communityId?: number | null, notify = true) {
  return apiFetch<GoodsList>('/api/points/goods', { query: { community_id: communityId ?? undefined }, notify }).then((l) => l.items)
}

export const addGoods = (body: GoodsNew) => apiFetch<Goods>('/api/points/goods', { method: 'POST', body, notify: false })

export const changeGoods = (id: number, body: GoodsChange) =>
  apiFetch<Goods>(`/api/points/goods/${id}`, { method: 'PATCH', body, notify: false })

export const redeem = (body: Redeem) => apiFetch<Redemption>('/api/points/redemptions', { method: 'POST', body, notify: false })

/** The caller's own redemptions (with codes), or a community's for staff (codes null). */
export function listRedemptions(q: { community_id?: number | null; status?: RedemptionStatus | null; before?: number | null; limit?: number } = {}) {
  return apiFetch<RedemptionList>('/api/points/redemptions', {
    query: {
      community_id: q.community_id ?? undefined,
      status: q.status ?? undefined,
      before: q.before ?? undefined,
      limit: q.limit ?? PAGE,
    },
  })
}

export const redemptionByCode = (code: string) =>
  apiFetch<Redemption>(`/api/points/redemptions/by-code/${encodeURIComponent(code)}`, { notify: false })

export const handOver = (code: string) =>
  apiFetch<Redemption>('/api/points/redemptions/handover', { method: 'POST', body: { code }, notify: false })

export const cancelRedemption = (id: number) =>
  apiFetch<Redemption>(`/api/points/redemptions/${id}/cancel`, { method: 'POST', notify: false })
