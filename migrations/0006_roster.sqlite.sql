-- Roster imports: an uploaded spreadsheet, what its check found, and how far writing it
-- got. The file itself lives in the data directory (uploads/roster/<id>.upload); problems
-- never quote ID-card numbers or phones.

CREATE TABLE roster_imports (
  id                 INTEGER PRIMARY KEY,
  account_id         BIGINT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('checked', 'rejected', 'queued', 'running', 'done', 'failed')),
  file_hash          TEXT NOT NULL,  -- BLAKE2b-256, hex
  file_bytes         BIGINT NOT NULL,
  format             TEXT NOT NULL,
  encoding           TEXT NOT NULL,
  data_rows          BIGINT NOT NULL,
  households         BIGINT NOT NULL,
  persons            BIGINT NOT NULL,
  new_compounds      BIGINT NOT NULL,
  new_buildings      BIGINT NOT NULL,
  problem_count      BIGINT NOT NULL,
  ignored_columns    TEXT NOT NULL,
  done               BIGINT NOT NULL DEFAULT 0,
  total              BIGINT NOT NULL DEFAULT 0,
  households_created BIGINT,
  households_matched BIGINT,
  persons_created    BIGINT,
  persons_updated    BIGINT,
  error              TEXT NOT NULL DEFAULT '',
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL
);
CREATE INDEX roster_imports_account ON roster_imports (account_id, id);

CREATE TABLE roster_import_problems (
  import_id    BIGINT NOT NULL REFERENCES roster_imports(id),
  seq          BIGINT NOT NULL,
  row_number   BIGINT NOT NULL,
  column_title TEXT NOT NULL,
  message      TEXT NOT NULL,
  PRIMARY KEY (import_id, seq)
);
