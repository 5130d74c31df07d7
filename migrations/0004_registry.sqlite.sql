-- Households (an address in a building) and the persons living there. ID-card numbers and
-- phone numbers are stored sealed with the key file's key, found by keyed blind indexes,
-- and kept masked alongside for display; `path` is the building's territory path (scope).

CREATE TABLE households (
  id          INTEGER PRIMARY KEY,
  building_id BIGINT NOT NULL REFERENCES nodes(id),
  unit        TEXT NOT NULL,
  floor       INTEGER NOT NULL,
  room        TEXT NOT NULL,
  path        TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  UNIQUE (building_id, unit, room)
);
CREATE INDEX households_path ON households (path, id);

CREATE TABLE persons (
  id           INTEGER PRIMARY KEY,
  household_id BIGINT NOT NULL REFERENCES households(id),
  name         TEXT NOT NULL,
  gender       TEXT NOT NULL CHECK (gender IN ('M', 'F')),
  birth_date   TEXT,
  id_index     TEXT UNIQUE,
  id_sealed    TEXT,
  id_masked    TEXT,
  phone_index  TEXT,
  phone_sealed TEXT,
  phone_masked TEXT,
  relation     TEXT NOT NULL,
  tags         TEXT NOT NULL,
  path         TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL
);
CREATE INDEX persons_household ON persons (household_id, id);
CREATE INDEX persons_phone ON persons (phone_index);
