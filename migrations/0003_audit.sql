-- The audit log: append-only, hash-chained records of every write to registry data and
-- every reveal of personal data. Each record's hash covers its fields and the previous
-- record's hash; `audit_head` holds the last id and hash, so deleting the newest records
-- is detected too (`mashang audit verify`).

CREATE TABLE audit (
  id         BIGINT PRIMARY KEY,
  at         BIGINT NOT NULL,
  actor_id   BIGINT,
  ip         TEXT NOT NULL,
  action     TEXT NOT NULL,
  target     TEXT NOT NULL,
  reason     TEXT NOT NULL,
  details    TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX audit_target ON audit (target, id);
CREATE INDEX audit_actor ON audit (actor_id, id);

CREATE TABLE audit_head (
  one      INTEGER PRIMARY KEY CHECK (one = 1),
  last_id  BIGINT NOT NULL,
  hash     TEXT NOT NULL
);
INSERT INTO audit_head (one, last_id, hash) VALUES (1, 0, '');
