-- Reports (随手拍) with photos, and the end of an order's life: evidence, verification,
-- rating (多多评), reopening, transfer.

-- A processed photo, stored once per content hash (files <data>/photos/<hash>.jpg and
-- <hash>.thumb.jpg).
CREATE TABLE photos (
  hash         TEXT PRIMARY KEY,   -- BLAKE2b-256 of the stored JPEG, hex
  width        BIGINT NOT NULL,
  height       BIGINT NOT NULL,
  thumb_width  BIGINT NOT NULL,
  thumb_height BIGINT NOT NULL,
  bytes        BIGINT NOT NULL,
  created_at   BIGINT NOT NULL
);

-- One upload of a photo: its random id is what a report or a completion refers to, so only
-- whoever uploaded it can attach it. Unattached uploads are forgotten after a day.
CREATE TABLE uploads (
  id          TEXT PRIMARY KEY,   -- 22 characters base64url, random
  hash        TEXT NOT NULL REFERENCES photos(hash),
  uploaded_by BIGINT,             -- NULL: anonymous
  attached    INTEGER NOT NULL DEFAULT 0,
  created_at  BIGINT NOT NULL
);
CREATE INDEX uploads_hash ON uploads (hash);
CREATE INDEX uploads_unattached ON uploads (created_at) WHERE attached = 0;

CREATE TABLE reports (
  id             INTEGER PRIMARY KEY,
  category_id    BIGINT NOT NULL REFERENCES categories(id),
  description    TEXT NOT NULL,
  lat            DOUBLE PRECISION,
  lon            DOUBLE PRECISION,
  path           TEXT NOT NULL,     -- the grid of the point, a code's place, or '/'
  status         TEXT NOT NULL CHECK (status IN ('triage', 'ordered', 'rejected')),
  order_id       BIGINT REFERENCES orders(id),
  reporter       BIGINT,            -- the account; NULL: anonymous
  phone_sealed   TEXT,              -- anonymous reporters' phone, sealed
  phone_masked   TEXT,
  answers        TEXT NOT NULL DEFAULT '',  -- "code<TAB>value" lines (a list answer: one line per value)
  reject_reason  TEXT NOT NULL DEFAULT '',
  source         TEXT NOT NULL DEFAULT 'app',  -- 'app', or 'open311:<client id>'
  token          TEXT NOT NULL UNIQUE,         -- Open311 token (random), known to whoever sent it
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL
);
CREATE INDEX reports_reporter ON reports (reporter, id);
CREATE INDEX reports_order ON reports (order_id);
CREATE INDEX reports_status ON reports (status, id);
CREATE INDEX reports_created ON reports (created_at, id);
CREATE INDEX order_steps_at ON order_steps (at);
-- Every order at a place, newest first (the staff's lists and exports).
CREATE INDEX orders_path ON orders (path, id);

-- Photos of a report (kind 'report') and a completion's evidence (kind 'evidence').
CREATE TABLE attachments (
  upload_id  TEXT NOT NULL REFERENCES uploads(id),
  report_id  BIGINT REFERENCES reports(id),
  order_id   BIGINT REFERENCES orders(id),
  kind       TEXT NOT NULL CHECK (kind IN ('report', 'evidence')),
  seq        BIGINT NOT NULL,
  PRIMARY KEY (upload_id)
);
CREATE INDEX attachments_report ON attachments (report_id, seq);
CREATE INDEX attachments_order ON attachments (order_id, seq);

ALTER TABLE orders ADD COLUMN report_id BIGINT;
ALTER TABLE orders ADD COLUMN reporter BIGINT;
ALTER TABLE orders ADD COLUMN reopens BIGINT NOT NULL DEFAULT 0;
-- Nearby unfinished orders of a category (possible duplicates of a new report).
CREATE INDEX orders_near ON orders (category_id, lat) WHERE status IN ('open', 'claimed', 'on_hold');

-- (PostgreSQL makes orders.path compare byte by byte here; SQLite's BINARY collation already does.)
