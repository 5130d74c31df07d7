-- Codes (一户一码, 二维码+): one active code per target; retired codes stay, so their
-- tokens answer 410 forever. Tokens are random and MAC-signed (see docs/reference/codes.md).
CREATE TABLE codes (
  id          INTEGER PRIMARY KEY,
  token       TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL,
  target_id   BIGINT NOT NULL,
  path        TEXT NOT NULL,   -- the target's territory path when issued (scope of its events)
  status      TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'rotated')),
  created_by  BIGINT,
  created_at  BIGINT NOT NULL,
  retired_at  BIGINT
);
CREATE UNIQUE INDEX codes_active_target ON codes (kind, target_id) WHERE status = 'active';
CREATE INDEX codes_path ON codes (path, id);

-- Things that carry a code but are not territory nodes or households: stalls, facilities,
-- function rooms, patrol checkpoints.
CREATE TABLE places (
  id          INTEGER PRIMARY KEY,
  node_id     BIGINT NOT NULL REFERENCES nodes(id),
  kind        TEXT NOT NULL CHECK (kind IN ('stall', 'facility', 'function_room', 'checkpoint')),
  name        TEXT NOT NULL,
  operator    TEXT NOT NULL DEFAULT '',
  path        TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  UNIQUE (node_id, name)
);
CREATE INDEX places_path ON places (path, id);

-- Every resolution of a code, counted per code, account, view and minute (written in batches
-- about once a second; `at` is the first scan of the row).
CREATE TABLE code_scans (
  id          INTEGER PRIMARY KEY,
  code_id     BIGINT NOT NULL,
  account_id  BIGINT,
  view        TEXT NOT NULL,
  at          BIGINT NOT NULL,
  scans       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX code_scans_at ON code_scans (at);
CREATE INDEX code_scans_code ON code_scans (code_id, at);

CREATE TABLE code_checkins (
  id          INTEGER PRIMARY KEY,
  code_id     BIGINT NOT NULL REFERENCES codes(id),
  account_id  BIGINT NOT NULL,
  purpose     TEXT NOT NULL,
  lat         DOUBLE PRECISION,
  lon         DOUBLE PRECISION,
  accuracy_m  DOUBLE PRECISION,
  at          BIGINT NOT NULL
);
CREATE INDEX code_checkins_code ON code_checkins (code_id, id);
CREATE INDEX code_checkins_recent ON code_checkins (account_id, code_id, purpose, at);

CREATE TABLE code_prints (
  id          INTEGER PRIMARY KEY,
  account_id  BIGINT NOT NULL,
  node_id     BIGINT NOT NULL,
  layout      TEXT NOT NULL CHECK (layout IN ('door_plate', 'sticker')),
  plate_limit BIGINT,
  status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  done        BIGINT NOT NULL DEFAULT 0,
  total       BIGINT NOT NULL DEFAULT 0,
  pages       BIGINT NOT NULL DEFAULT 0,
  error       TEXT NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);
CREATE INDEX code_prints_account ON code_prints (account_id, id);
