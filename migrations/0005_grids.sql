-- Grid polygons. A grid node may carry one shape: a GeoJSON Polygon or MultiPolygon
-- (RFC 7946, WGS84 longitude/latitude, exterior rings counterclockwise) as the server wrote
-- it after validation, and its bounding box for coarse filtering. The point → grid index
-- is built from this table in memory.

CREATE TABLE grid_shapes (
  node_id     BIGINT PRIMARY KEY REFERENCES nodes(id),
  geometry    TEXT NOT NULL,
  min_lon     DOUBLE PRECISION NOT NULL,
  min_lat     DOUBLE PRECISION NOT NULL,
  max_lon     DOUBLE PRECISION NOT NULL,
  max_lat     DOUBLE PRECISION NOT NULL,
  positions   BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);
