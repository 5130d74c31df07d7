-- Open311 GeoReport v2 client applications: each holds an API key (only its hash is kept)
-- with which it posts service requests and updates.
CREATE TABLE open311_clients (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  contact     TEXT NOT NULL DEFAULT '',
  key_hash    TEXT NOT NULL UNIQUE,   -- BLAKE2b of the key
  key_hint    TEXT NOT NULL,          -- the key's first 4 characters, to tell keys apart
  created_by  BIGINT,
  created_at  BIGINT NOT NULL,
  revoked_at  BIGINT,
  last_used_at BIGINT
);
