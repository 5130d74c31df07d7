-- Points 积分: a double-entry, append-only ledger (after TigerBeetle's accounts and
-- transfers). Virtue points per person (品德积分), civility points per residential compound
-- (小区文明积分), spendable points per person for the points shop, each community
-- committee's issuing budget, the district's mint, and per-community escrow and shop
-- accounts. Balances are kept in the same transaction as the transfers that move them;
-- `mashang points audit` recomputes them from the transfers.

-- The catalogue: each change of an item is a new version; transfers name the version they
-- were made under, so a change never rewrites the past.
CREATE TABLE points_items (
  id                INTEGER PRIMARY KEY,
  code              TEXT NOT NULL,
  version           BIGINT NOT NULL CHECK (version > 0),
  name_zh           TEXT NOT NULL,
  name_en           TEXT NOT NULL,
  points            BIGINT NOT NULL CHECK (points <> 0),         -- signed: < 0 for deductions
  subject           TEXT NOT NULL CHECK (subject IN ('person', 'compound')),
  cap_count         BIGINT NOT NULL CHECK (cap_count >= 0),      -- 0: no cap
  cap_period        TEXT NOT NULL CHECK (cap_period IN ('day', 'week', 'month', 'year', 'ever')),
  evidence_required INTEGER NOT NULL,
  proposers         TEXT NOT NULL,                               -- roles, comma-separated; 'self' = the person
  automatic         INTEGER NOT NULL,
  active            INTEGER NOT NULL,
  created_at        BIGINT NOT NULL,
  created_by        BIGINT,
  UNIQUE (code, version)
);

-- kind: virtue (owner: person; may go below zero), spendable (person; never below zero),
-- civility (compound node; may go below zero), budget (community node; never below zero),
-- escrow (community node: spendable points held by open redemptions; never below zero),
-- shop (community node: points spent), mint (owner 0: the district; its negative balance
-- is everything issued).
CREATE TABLE points_accounts (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('virtue', 'spendable', 'civility', 'budget', 'escrow', 'shop', 'mint')),
  owner_id    BIGINT NOT NULL,
  balance     BIGINT NOT NULL DEFAULT 0,   -- credits - debits
  debits      BIGINT NOT NULL DEFAULT 0,
  credits     BIGINT NOT NULL DEFAULT 0,
  negative_ok INTEGER NOT NULL,
  created_at  BIGINT NOT NULL,
  UNIQUE (kind, owner_id),
  CHECK (negative_ok = 1 OR balance >= 0)
);

-- A posting: one request's effect on the ledger (an award, a deduction, a budget grant, a
-- correction…), made of one or more transfers, with its idempotency key and the fingerprint
-- of its content (same key + same content answers the original; different content is 409).
CREATE TABLE points_postings (
  id           INTEGER PRIMARY KEY,
  idem_key     TEXT NOT NULL UNIQUE,
  fingerprint  TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('award', 'deduction', 'grant', 'correction', 'redeem', 'handover', 'refund')),
  item_id      BIGINT REFERENCES points_items(id),
  subject      TEXT NOT NULL CHECK (subject IN ('person', 'compound', 'community')),
  subject_id   BIGINT NOT NULL,
  community_id BIGINT NOT NULL,
  points       BIGINT NOT NULL,              -- signed, as the subject sees it
  reason       TEXT NOT NULL,
  evidence     TEXT NOT NULL,                -- references, one per line
  proposal_id  BIGINT,
  reverses     BIGINT UNIQUE REFERENCES points_postings(id),  -- a correction undoes one posting, once
  approved_by  TEXT NOT NULL,                -- account ids, comma-separated
  created_by   BIGINT,
  created_at   BIGINT NOT NULL
);
CREATE INDEX points_postings_subject ON points_postings (subject, subject_id, id);
CREATE INDEX points_postings_cap ON points_postings (item_id, subject_id, created_at);

-- Transfers: immutable, whole points, from one account to another.
CREATE TABLE points_transfers (
  id          INTEGER PRIMARY KEY,
  posting_id  BIGINT NOT NULL REFERENCES points_postings(id),
  debit_id    BIGINT NOT NULL REFERENCES points_accounts(id),
  credit_id   BIGINT NOT NULL REFERENCES points_accounts(id),
  amount      BIGINT NOT NULL CHECK (amount > 0),
  debit_after  BIGINT NOT NULL,  -- the debit account's balance after this transfer
  credit_after BIGINT NOT NULL,  -- the credit account's balance after this transfer
  created_at  BIGINT NOT NULL,
  CHECK (debit_id <> credit_id)
);
CREATE INDEX points_transfers_posting ON points_transfers (posting_id);
CREATE INDEX points_transfers_debit ON points_transfers (debit_id, id);
CREATE INDEX points_transfers_credit ON points_transfers (credit_id, id);

-- Proposals wait for the community's committee; a decision is one vote per member.
CREATE TABLE points_proposals (
  id           INTEGER PRIMARY KEY,
  idem_key     TEXT NOT NULL UNIQUE,
  fingerprint  TEXT NOT NULL,
  item_id      BIGINT NOT NULL REFERENCES points_items(id),
  subject      TEXT NOT NULL CHECK (subject IN ('person', 'compound')),
  subject_id   BIGINT NOT NULL,
  community_id BIGINT NOT NULL,
  path         TEXT NOT NULL,               -- the subject's place (scopes who sees it)
  points       BIGINT NOT NULL,
  reason       TEXT NOT NULL,
  evidence     TEXT NOT NULL,
  proposed_by  BIGINT,
  by_self      INTEGER NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'posted', 'rejected')),
  posting_id   BIGINT REFERENCES points_postings(id),
  decided_at   BIGINT,
  created_at   BIGINT NOT NULL
);
CREATE INDEX points_proposals_queue ON points_proposals (community_id, status, id);
CREATE INDEX points_proposals_subject ON points_proposals (subject, subject_id, id);

CREATE TABLE points_votes (
  proposal_id BIGINT NOT NULL REFERENCES points_proposals(id),
  account_id  BIGINT NOT NULL,
  decision    TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
  reason      TEXT NOT NULL,
  at          BIGINT NOT NULL,
  PRIMARY KEY (proposal_id, account_id)
);

-- The points shop (积分超市): goods per community with stock and a price in points; a
-- redemption holds the points in the community's escrow and takes the stock at once, then is
-- handed over at the station (its code scanned), or cancelled or expired (refunded, stock back).
CREATE TABLE points_goods (
  id           INTEGER PRIMARY KEY,
  community_id BIGINT NOT NULL,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL,
  price        BIGINT NOT NULL CHECK (price > 0),
  stock        BIGINT NOT NULL CHECK (stock >= 0),
  active       INTEGER NOT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL
);
CREATE INDEX points_goods_community ON points_goods (community_id, id);

CREATE TABLE points_redemptions (
  id               INTEGER PRIMARY KEY,
  idem_key         TEXT NOT NULL UNIQUE,
  fingerprint      TEXT NOT NULL,
  goods_id         BIGINT NOT NULL REFERENCES points_goods(id),
  person_id        BIGINT NOT NULL,
  community_id     BIGINT NOT NULL,
  quantity         BIGINT NOT NULL CHECK (quantity > 0),
  points           BIGINT NOT NULL CHECK (points > 0),
  code             TEXT NOT NULL UNIQUE,   -- shown as a QR code at the station
  status           TEXT NOT NULL CHECK (status IN ('held', 'handed_over', 'cancelled', 'expired')),
  hold_posting_id  BIGINT NOT NULL REFERENCES points_postings(id),
  close_posting_id BIGINT REFERENCES points_postings(id),
  expires_at       BIGINT NOT NULL,
  created_by       BIGINT,
  closed_by        BIGINT,
  closed_at        BIGINT,
  created_at       BIGINT NOT NULL
);
CREATE INDEX points_redemptions_due ON points_redemptions (expires_at) WHERE status = 'held';
CREATE INDEX points_redemptions_person ON points_redemptions (person_id, id);
CREATE INDEX points_redemptions_community ON points_redemptions (community_id, status, id);

-- How far the ledger has followed the event log (automatic awards: a confirmed report earns
-- its reporter points); each award's key makes a second pass over the same events harmless.
CREATE TABLE points_cursors (
  name     TEXT PRIMARY KEY,
  after_id BIGINT NOT NULL
);
