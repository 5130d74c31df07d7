#pragma once
// Internal to the grids module: its SQL.
#include <optional>
#include <string>
#include <vector>

#include "modules/grids/geometry.hpp"
#include "modules/grids/grids.hpp"
#include "store/db.hpp"

namespace mashang::grids::sql {

struct Row {
  int64_t node_id = 0, parent_id = 0;
  std::string name, path, parent_name, geometry;
};

//! Every shaped grid with its community's name, by node id; `scopes` empty = all.
std::vector<Row> shaped(store::Conn& c, const std::vector<std::string>& scopes);
//! Sets (inserts or replaces) a grid's shape.
void put(store::Conn& c, int64_t node_id, const std::string& geometry, const geo::Box& b, size_t positions,
         int64_t now);

}  // namespace mashang::grids::sql
