#include "modules/grids/store.hpp"

namespace mashang::grids::sql {

std::vector<Row> shaped(store::Conn& c, const std::vector<std::string>& scopes) {
  static const std::string base =
      "SELECT n.id, n.parent_id, n.name, n.path, p.name, s.geometry FROM grid_shapes s "
      "JOIN nodes n ON n.id = s.node_id JOIN nodes p ON p.id = n.parent_id ";
  std::vector<Row> out;
  auto add = [&](const store::Rows& rows) {
    for (const auto& r : rows) out.push_back({r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4), r.text(5)});
  };
  if (scopes.empty()) {
    add(c.query(base + "ORDER BY n.id"));
    return out;
  }
  // One query per outermost scope: each is a disjoint subtree, so nothing comes twice.
  static const std::string under = base + "WHERE n.path = $1 OR n.path LIKE $2 ORDER BY n.id";
  for (const auto& s : scopes) add(c.query(under, {s, (s == "/" ? "" : s) + "/%"}));
  std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) { return a.node_id < b.node_id; });
  return out;
}

void put(store::Conn& c, int64_t node_id, const std::string& geometry, const geo::Box& b, size_t positions,
         int64_t now) {
  c.exec(
      "INSERT INTO grid_shapes (node_id, geometry, min_lon, min_lat, max_lon, max_lat, positions, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (node_id) DO UPDATE SET geometry = excluded.geometry, "
      "min_lon = excluded.min_lon, min_lat = excluded.min_lat, max_lon = excluded.max_lon, "
      "max_lat = excluded.max_lat, positions = excluded.positions, updated_at = excluded.updated_at",
      {node_id, geometry, b.min_lon, b.min_lat, b.max_lon, b.max_lat, static_cast<int64_t>(positions), now});
}

}  // namespace mashang::grids::sql
