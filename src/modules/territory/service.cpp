// Rules of the territory tree: levels, names, who sees and shapes which part of it.
#include <algorithm>
#include <set>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/territory/permissions.hpp"
#include "modules/territory/store.hpp"
#include "modules/territory/territory.hpp"

namespace mashang::territory {
namespace {

Result<std::string> valid_name(const std::string& name) {
  auto bad = [] {
    return make_error(Errc::invalid_input, "name must be 1 to 64 bytes of text without control characters", "name");
  };
  if (!text::plain_line(name, kNodeNameBytesMax)) return bad();
  return name;
}

Result<Node> not_found() { return make_error(Errc::not_found, "no such node"); }

std::string event_payload(const Node& n) {
  std::string p = "{\"node_id\":" + std::to_string(n.id) + ",\"kind\":";
  text::append_json_string(p, n.kind);
  p += ",\"name\":";
  text::append_json_string(p, n.name);
  p += '}';
  return p;
}

// Every change is published (live stream) and audited (who, from where), in its transaction.
void changed(store::Conn& c, const char* type, const Node& n, const Principal* who, const std::string& ip,
             std::string details, int64_t now) {
  c.emit({type, "node:" + std::to_string(n.id), n.path, std::nullopt, event_payload(n)});
  audit::record(c,
                {type, "node:" + std::to_string(n.id), who ? std::optional<int64_t>(who->account_id) : std::nullopt, ip,
                 "", std::move(details)},
                now);
}

// The path of the child of `parent_path` on the way down to `scope` (a proper descendant).
std::string step_towards(const std::string& parent_path, const std::string& scope) {
  size_t from = parent_path == "/" ? 1 : parent_path.size() + 1;
  size_t end = scope.find('/', from);
  return scope.substr(0, end);
}

}  // namespace

std::optional<std::string_view> child_kind(std::string_view kind) {
  for (size_t i = 0; i + 1 < std::size(kKinds); ++i)
    if (kKinds[i] == kind) return kKinds[i + 1];
  return std::nullopt;
}

std::optional<Node> Service::find(int64_t id) {
  std::optional<Node> n;
  db_.read([&](store::Conn& c) { n = sql::by_id(c, id); });
  return n;
}

std::optional<Node> Service::find_path(const std::string& path) {
  std::optional<Node> n;
  db_.read([&](store::Conn& c) { n = sql::by_path(c, path); });
  return n;
}

Result<Node> Service::get(int64_t id, const Principal& who) {
  std::optional<Node> n;
  db_.read([&](store::Conn& c) { n = sql::by_id(c, id); });
  if (!n || !can_see(who, n->path)) return not_found();
  return *n;
}

Result<NodePage> Service::list(std::optional<int64_t> parent, int64_t after, int64_t limit, const Principal& who) {
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  if (parent && *parent <= 0) return make_error(Errc::invalid_input, "parent must be a positive node id", "parent");
  std::vector<Node> items;
  bool found = !parent, paged = false;
  db_.read([&](store::Conn& c) {
    if (!parent) {
      std::vector<std::string> scopes;
      for (const auto& g : who.grants) scopes.push_back(g.scope);
      for (const auto& s : outermost_scopes(std::move(scopes)))
        if (auto n = sql::by_path(c, s)) items.push_back(std::move(*n));
      return;
    }
    auto p = sql::by_id(c, *parent);
    if (!p || !can_see(who, p->path)) return;
    found = true;
    bool covered = false;
    for (const auto& g : who.grants) covered |= scope_covers(g.scope, p->path);
    if (covered) {  // every child is visible: page in SQL
      items = sql::children(c, p->id, after, limit + 1);
      paged = true;
      return;
    }
    // The parent is seen only on the way to the caller's grants: the children on that way.
    std::set<std::string> steps;
    for (const auto& g : who.grants)
      if (g.scope != p->path && scope_covers(p->path, g.scope)) steps.insert(step_towards(p->path, g.scope));
    for (const auto& s : steps)
      if (auto n = sql::by_path(c, s)) items.push_back(std::move(*n));
  });
  if (!found) return not_found().error();
  if (!paged) {
    std::sort(items.begin(), items.end(), [](const Node& a, const Node& b) { return a.id < b.id; });
    std::erase_if(items, [&](const Node& n) { return n.id <= after; });
  }
  NodePage page;
  if (static_cast<int64_t>(items.size()) > limit) {
    items.resize(limit);
    page.next_after = items.back().id;
  }
  page.items = std::move(items);
  return page;
}

Result<Node> Service::create_root(const std::string& name) {
  auto n = valid_name(name);
  if (!n.ok()) return n.error();
  Result<Node> out = make_error(Errc::internal, "not created");
  Status st = db_.write([&](store::Conn& c) -> Status {
    if (sql::root(c)) return make_error(Errc::conflict, "the district exists already");
    int64_t now = clock_.now_ms();
    out = sql::insert(c, std::nullopt, "", "district", name, now);
    if (!out.ok()) return out.error();
    changed(c, "territory.node_created", *out, nullptr, "", event_payload(*out), now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Node> add_child(store::Conn& c, const Node& p, const std::string& kind, const std::string& name,
                       const Principal* who, const std::string& ip, int64_t now) {
  bool known = false;
  for (auto k : kKinds) known |= k == kind;
  if (!known)
    return make_error(Errc::invalid_input, "kind must be one of district, street, community, grid, compound, building",
                      "kind");
  auto n = valid_name(name);
  if (!n.ok()) return n.error();
  if (who && !can_see(*who, p.path)) return make_error(Errc::not_found, "no such parent node");
  if (who && !can_manage_children(*who, p)) return make_error(Errc::forbidden, "you may not add nodes under " + p.name);
  auto below = child_kind(p.kind);
  if (!below || *below != kind)
    return make_error(
        Errc::invalid_input,
        below ? "a " + p.kind + " holds " + std::string(*below) + " nodes, not " + kind : "a building holds no nodes",
        "kind");
  auto out = sql::insert(c, p.id, p.path, kind, name, now);
  if (!out.ok()) {
    if (out.error().code == Errc::conflict)
      return make_error(Errc::conflict, p.name + " already has a node named " + name, "name");
    return out.error();
  }
  changed(c, "territory.node_created", *out, who, ip, event_payload(*out), now);
  return out;
}

std::optional<Node> find_in(store::Conn& c, int64_t id) { return sql::by_id(c, id); }

std::vector<Node> find_named(store::Conn& c, const std::string& kind, const std::string& name) {
  return sql::named(c, kind, name);
}

std::optional<Node> child_named(store::Conn& c, int64_t parent_id, const std::string& name) {
  return sql::child_named(c, parent_id, name);
}

Result<Node> Service::create(int64_t parent_id, const std::string& kind, const std::string& name, const Principal* who,
                             const std::string& ip) {
  if (parent_id <= 0) return make_error(Errc::invalid_input, "parent_id must be a node id", "parent_id");
  Result<Node> out = make_error(Errc::internal, "not created");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto p = sql::by_id(c, parent_id);
    if (!p || (who && !can_see(*who, p->path))) return make_error(Errc::not_found, "no such parent node");
    out = add_child(c, *p, kind, name, who, ip, clock_.now_ms());
    if (!out.ok()) return out.error();
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Node> Service::rename(int64_t id, const std::string& name, const Principal& who, const std::string& ip) {
  auto valid = valid_name(name);
  if (!valid.ok()) return valid.error();
  Result<Node> out = make_error(Errc::internal, "not renamed");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto n = sql::by_id(c, id);
    if (!n || !can_see(who, n->path)) return make_error(Errc::not_found, "no such node");
    std::optional<Node> parent;
    if (n->parent_id) parent = sql::by_id(c, *n->parent_id);
    bool allowed = parent ? can_manage_children(who, *parent) : who.has_role("district_admin", "/");
    if (!allowed) return make_error(Errc::forbidden, "you may not rename " + n->name);
    if (n->name == name) {
      out = *n;
      return ok_status();
    }
    int64_t now = clock_.now_ms();
    auto r = sql::rename(c, id, name, now);
    if (!r.ok()) {
      if (r.error().code == Errc::conflict)
        return make_error(Errc::conflict,
                          (parent ? parent->name : "the district") + " already has a node named " + name, "name");
      return r.error();
    }
    std::string details = "{\"from\":";
    text::append_json_string(details, n->name);
    details += ",\"to\":";
    text::append_json_string(details, name);
    details += '}';
    n->name = name;
    n->updated_at = now;
    changed(c, "territory.node_renamed", *n, &who, ip, std::move(details), now);
    out = *n;
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

bool can_attach(store::Conn& c, const Principal& who, const Node& node) {
  if (can_manage_children(who, node)) return true;
  if (!node.parent_id) return false;
  auto parent = find_in(c, *node.parent_id);
  return parent && can_manage_children(who, *parent);
}

}  // namespace mashang::territory
