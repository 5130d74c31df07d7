-- Platform foundation: accounts, role grants, sessions, login throttling, the event log.
-- Times are UTC milliseconds (BIGINT). Phone numbers are sealed (phone_sealed) and found
-- through a keyed blind index (phone_index); see docs/reference/platform.md.

CREATE TABLE accounts (
  id            INTEGER PRIMARY KEY,
  username      TEXT UNIQUE,
  phone_index   TEXT UNIQUE,
  phone_sealed  TEXT,
  phone_masked  TEXT,
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  CHECK (username IS NOT NULL OR phone_index IS NOT NULL)
);

-- A role held on a node of the territory tree; the grant covers the node's subtree.
CREATE TABLE grants (
  id          INTEGER PRIMARY KEY,
  account_id  BIGINT NOT NULL REFERENCES accounts(id),
  role        TEXT NOT NULL,
  scope       TEXT NOT NULL DEFAULT '/',
  created_at  BIGINT NOT NULL,
  UNIQUE (account_id, role, scope)
);

CREATE TABLE sessions (
  token_hash   TEXT PRIMARY KEY,
  account_id   BIGINT NOT NULL REFERENCES accounts(id),
  csrf_token   TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  revoked_at   BIGINT,
  ip           TEXT NOT NULL DEFAULT '',
  user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions (account_id);

-- One row per failed login, keyed by "login:<blind index>" or "ip:<address>".
CREATE TABLE login_failures (
  id    INTEGER PRIMARY KEY,
  key   TEXT NOT NULL,
  at    BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

-- Append-only event log: written in the transaction of the change it describes.
CREATE TABLE events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  type        TEXT NOT NULL,
  subject     TEXT NOT NULL,
  scope       TEXT NOT NULL,
  account_id  BIGINT,
  payload     TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);
