#pragma once
// Internal to the territory module: its SQL.
#include <optional>
#include <string>
#include <vector>

#include "modules/territory/territory.hpp"
#include "store/db.hpp"

namespace mashang::territory::sql {
std::optional<Node> by_id(store::Conn& c, int64_t id);
std::optional<Node> by_path(store::Conn& c, const std::string& path);
std::optional<Node> root(store::Conn& c);
std::vector<Node> named(store::Conn& c, const std::string& kind, const std::string& name);
std::optional<Node> child_named(store::Conn& c, int64_t parent, const std::string& name);
//! Children of `parent` with id > after, by id, at most `limit`.
std::vector<Node> children(store::Conn& c, int64_t parent, int64_t after, int64_t limit);
//! Inserts a node and gives it its path (parent path + its id); conflict on a sibling's name.
Result<Node> insert(store::Conn& c, std::optional<int64_t> parent_id, const std::string& parent_path,
                    const std::string& kind, const std::string& name, int64_t now);
//! Renames; conflict on a sibling's name.
Result<Ok> rename(store::Conn& c, int64_t id, const std::string& name, int64_t now);
}  // namespace mashang::territory::sql
