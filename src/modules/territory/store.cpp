#include "modules/territory/store.hpp"

namespace mashang::territory::sql {
namespace {

constexpr const char* kColumns = "SELECT id, parent_id, kind, name, path, created_at, updated_at FROM nodes ";

Node node_of(const store::Row& r) {
  return Node{r.integer(0), r.opt_integer(1), r.text(2), r.text(3), r.text(4), r.integer(5), r.integer(6)};
}

std::optional<Node> one(store::Conn& c, const std::string& where, const store::Value& v) {
  auto rows = c.query(kColumns + where, {v});
  if (rows.empty()) return std::nullopt;
  return node_of(rows.front());
}

}  // namespace

std::optional<Node> by_id(store::Conn& c, int64_t id) {
  static const std::string where = "WHERE id = $1";
  return one(c, where, id);
}

std::optional<Node> by_path(store::Conn& c, const std::string& path) {
  static const std::string where = "WHERE path = $1";
  return one(c, where, path);
}

std::optional<Node> root(store::Conn& c) { return by_path(c, "/"); }

std::vector<Node> named(store::Conn& c, const std::string& kind, const std::string& name) {
  static const std::string sql = std::string(kColumns) + "WHERE kind = $1 AND name = $2 ORDER BY id";
  std::vector<Node> out;
  for (const auto& r : c.query(sql, {kind, name})) out.push_back(node_of(r));
  return out;
}

std::optional<Node> child_named(store::Conn& c, int64_t parent, const std::string& name) {
  static const std::string sql = std::string(kColumns) + "WHERE parent_id = $1 AND name = $2";
  auto rows = c.query(sql, {parent, name});
  if (rows.empty()) return std::nullopt;
  return node_of(rows.front());
}

std::vector<Node> children(store::Conn& c, int64_t parent, int64_t after, int64_t limit) {
  static const std::string sql = std::string(kColumns) + "WHERE parent_id = $1 AND id > $2 ORDER BY id LIMIT $3";
  std::vector<Node> out;
  for (const auto& r : c.query(sql, {parent, after, limit})) out.push_back(node_of(r));
  return out;
}

Result<Node> insert(store::Conn& c, std::optional<int64_t> parent_id, const std::string& parent_path,
                    const std::string& kind, const std::string& name, int64_t now) {
  // The path holds the node's own id, known only after the insert: a placeholder first,
  // unique within this transaction (the writer is alone in it), then the real path.
  auto r = c.query_unique(
      "INSERT INTO nodes (parent_id, kind, name, path, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) "
      "RETURNING id",
      {parent_id ? store::Value(*parent_id) : store::null_value, kind, name, "~" + parent_path + "~" + name, now});
  if (!r.ok()) return r.error();
  int64_t id = r->at(0).integer(0);
  std::string path = !parent_id ? "/" : (parent_path == "/" ? "" : parent_path) + "/" + std::to_string(id);
  c.exec("UPDATE nodes SET path = $1 WHERE id = $2", {path, id});
  return Node{id, parent_id, kind, name, path, now, now};
}

Result<Ok> rename(store::Conn& c, int64_t id, const std::string& name, int64_t now) {
  auto r = c.query_unique("UPDATE nodes SET name = $1, updated_at = $2 WHERE id = $3 RETURNING id", {name, now, id});
  if (!r.ok()) return r.error();
  return Ok{};
}

}  // namespace mashang::territory::sql
