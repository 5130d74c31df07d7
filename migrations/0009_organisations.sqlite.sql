-- Organisations attached to territory nodes: property companies managing a compound,
-- schools, shops, clinics… A contact phone here is a business line, shown as given.
CREATE TABLE organisations (
  id          INTEGER PRIMARY KEY,
  node_id     BIGINT NOT NULL REFERENCES nodes(id),
  kind        TEXT NOT NULL CHECK (kind IN ('property_company', 'school', 'shop', 'clinic', 'social_org', 'company', 'other')),
  name        TEXT NOT NULL,
  contact     TEXT NOT NULL DEFAULT '',
  phone       TEXT NOT NULL DEFAULT '',
  path        TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  UNIQUE (node_id, name)
);
CREATE INDEX organisations_path ON organisations (path, id);
