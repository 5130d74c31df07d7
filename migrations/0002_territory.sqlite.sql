-- The territory tree: district → street → community → grid → compound → building.
-- `path` is the node's territory path ("/" for the district, "/<id>/<id>…" below it, ids of
-- the nodes under the root); role grants name such paths as their scope.

CREATE TABLE nodes (
  id          INTEGER PRIMARY KEY,
  parent_id   BIGINT REFERENCES nodes(id),
  kind        TEXT NOT NULL CHECK (kind IN ('district', 'street', 'community', 'grid', 'compound', 'building')),
  name        TEXT NOT NULL,
  path        TEXT NOT NULL UNIQUE,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  CHECK ((parent_id IS NULL) = (kind = 'district'))
);
CREATE UNIQUE INDEX nodes_sibling_name ON nodes (COALESCE(parent_id, 0), name);
CREATE INDEX nodes_parent ON nodes (parent_id, id);
