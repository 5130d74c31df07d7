#pragma once
//! The territory tree: district → street → community → grid → compound → building. Every
//! node has a territory path ("/" for the district, "/<id>/<id>…" below it) that role grants
//! name as their scope. Public API of the module; other modules use only this header.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::territory {

//! The levels of the tree, top down; a child is always exactly one level below its parent.
inline constexpr std::string_view kKinds[] = {"district", "street", "community", "grid", "compound", "building"};
inline constexpr size_t kNodeNameBytesMax = 64;
inline constexpr int64_t kPageSizeMax = 200;

struct Node {
  int64_t id = 0;
  std::optional<int64_t> parent_id;
  std::string kind;
  std::string name;
  std::string path;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct NodePage {
  std::vector<Node> items;
  std::optional<int64_t> next_after;
};

//! The kind one level below `kind`, or nullopt for a building (or an unknown kind).
std::optional<std::string_view> child_kind(std::string_view kind);

//! A node is visible to whoever holds a grant covering it, and (its name only, for
//! orientation) to whoever holds a grant below it.
bool can_see(const Principal& who, std::string_view path);
//! Adding children under `parent` (and renaming or reshaping them): district admins over it;
//! street staff from a street down to compounds; community staff from a community down.
bool can_manage_children(const Principal& who, const Node& parent);

//! Attaching things to a node (organisations, places): whoever may add children under the
//! node or under its parent. Inside a transaction (the parent is read).
bool can_attach(store::Conn& c, const Principal& who, const Node& node);
//! Adds a child under `parent` inside the caller's write transaction (the rule and the
//! audit record of Service::create). For modules that create nodes as part of a larger
//! change, such as a grid import.
Result<Node> add_child(store::Conn& c, const Node& parent, const std::string& kind, const std::string& name,
                       const Principal* who, const std::string& ip, int64_t now);
//! A node by id inside a transaction.
std::optional<Node> find_in(store::Conn& c, int64_t id);
//! The nodes of a kind with this name, by id, inside a transaction.
std::vector<Node> find_named(store::Conn& c, const std::string& kind, const std::string& name);
//! A node's child by name inside a transaction.
std::optional<Node> child_named(store::Conn& c, int64_t parent_id, const std::string& name);

class Service {
 public:
  Service(store::Db& db, const Clock& clock) : db_(db), clock_(clock) {}

  //! A node by id, with no permission check: for other modules, which apply their own rules.
  std::optional<Node> find(int64_t id);
  //! The same by territory path.
  std::optional<Node> find_path(const std::string& path);
  //! One node the caller may see (404 otherwise: existence outside the view is private).
  Result<Node> get(int64_t id, const Principal& who);
  //! The children of `parent` the caller may see, by id after `after`; without a parent,
  //! the top nodes of the caller's view (the nodes at its grants' scopes).
  Result<NodePage> list(std::optional<int64_t> parent, int64_t after, int64_t limit, const Principal& who);
  //! Adds a child under `parent_id`. `who` = nullptr is a trusted caller (demo, CLI).
  //! `ip` (the caller's address) goes into the audit record.
  Result<Node> create(int64_t parent_id, const std::string& kind, const std::string& name, const Principal* who,
                      const std::string& ip = {});
  //! Creates the district, the tree's root (once).
  Result<Node> create_root(const std::string& name);
  //! Renames a node; the same rule as creating it under its parent.
  Result<Node> rename(int64_t id, const std::string& name, const Principal& who, const std::string& ip = {});

 private:
  store::Db& db_;
  const Clock& clock_;
};

}  // namespace mashang::territory
