// Places (二维码+): stalls, facilities, function rooms and patrol checkpoints hung on a
// territory node, so they can carry a code. Who sees a place: whoever sees its node; who
// shapes it: whoever may attach things to the node (territory::can_attach, as organisations).
#include <algorithm>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/codes/codes.hpp"
#include "modules/codes/detail.hpp"

namespace mashang::codes {
namespace {

constexpr const char* kPlaceColumns =
    "SELECT id, node_id, kind, name, operator, path, created_at, updated_at FROM places ";

Place place_of(const store::Row& r) {
  return {r.integer(0), r.integer(1), r.text(2), r.text(3), r.text(4), r.text(5), r.integer(6), r.integer(7)};
}

Error no_such_place() { return make_error(Errc::not_found, "no such place"); }

Status valid(const std::string& kind, const std::string& name, const std::string& operator_name) {
  if (!is_one_of(kind, std::begin(kPlaceKinds), std::end(kPlaceKinds)))
    return make_error(Errc::invalid_input, "kind must be one of stall, facility, function_room, checkpoint", "kind");
  if (!text::plain_line(name, 128))
    return make_error(Errc::invalid_input, "name must be 1 to 128 bytes of text", "name");
  if (!operator_name.empty() && !text::plain_line(operator_name, 64))
    return make_error(Errc::invalid_input, "operator must be at most 64 bytes of text", "operator");
  return ok_status();
}

void changed(store::Conn& c, const char* type, const Place& p, const Principal& who, const std::string& ip,
             int64_t now) {
  std::string payload =
      "{\"place_id\":" + std::to_string(p.id) + ",\"node_id\":" + std::to_string(p.node_id) + ",\"name\":";
  text::append_json_string(payload, p.name);
  payload += '}';
  c.emit({type, "place:" + std::to_string(p.id), p.path, std::nullopt, payload});
  audit::record(c, {type, "place:" + std::to_string(p.id), who.account_id, ip, "", payload}, now);
}

}  // namespace

std::optional<Place> place_in(store::Conn& c, int64_t id) {
  static const std::string sql = std::string(kPlaceColumns) + "WHERE id = $1";
  auto r = c.query_one(sql, {id});
  if (!r) return std::nullopt;
  return place_of(*r);
}

KindSpec place_kind(std::string_view name) {
  std::string kind(name);
  return {kind,
          [kind](store::Conn& c, int64_t id) -> std::optional<Target> {
            auto p = place_in(c, id);
            if (!p || p->kind != kind) return std::nullopt;
            return Target{p->path, p->name, p->name, p};
          },
          [](Resolution& r, const Target& t, const Principal& who) {
            if (!grant_over(who, t.path)) return;
            r.view = "staff";
            r.label = t.label;
            r.actions.push_back("check_in");
          }};
}

Result<PlacePage> Service::places(std::optional<int64_t> node, const std::string& kind, int64_t after, int64_t limit,
                                  const Principal& who) {
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  if (!kind.empty() && !is_one_of(kind, std::begin(kPlaceKinds), std::end(kPlaceKinds)))
    return make_error(Errc::invalid_input, "kind must be one of stall, facility, function_room, checkpoint", "kind");
  bool found = true;
  PlacePage page;
  db_.read([&](store::Conn& c) {
    auto scopes = scopes_under(c, who, node, [](const Grant&) { return true; });
    found = scopes.has_value();
    if (!found) return;
    static const std::string sql = std::string(kPlaceColumns) +
                                   "WHERE (path = $1 OR path LIKE $2) AND id > $3 AND (CAST($4 AS TEXT) IS NULL OR "
                                   "kind = $4) ORDER BY id LIMIT $5";
    for (const auto& s : *scopes)
      for (const auto& r : c.query(sql, {s, (s == "/" ? "" : s) + "/%", after,
                                         kind.empty() ? store::null_value : store::Value(kind), limit + 1}))
        page.items.push_back(place_of(r));
  });
  if (!found) return make_error(Errc::not_found, "no such node", "node");
  std::sort(page.items.begin(), page.items.end(), [](const Place& a, const Place& b) { return a.id < b.id; });
  if (static_cast<int64_t>(page.items.size()) > limit) {
    page.items.resize(limit);
    page.next_after = page.items.back().id;
  }
  return page;
}

Result<Place> Service::place(int64_t id, const Principal& who) {
  std::optional<Place> p;
  db_.read([&](store::Conn& c) { p = place_in(c, id); });
  if (!p || !grant_over(who, p->path)) return no_such_place();
  return *p;
}

Result<Place> Service::create_place(int64_t node_id, const std::string& kind, const std::string& name,
                                    const std::string& operator_name, const Principal& who, const std::string& ip) {
  if (auto st = valid(kind, name, operator_name); !st.ok()) return st.error();
  Result<Place> out = no_such_place();
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto n = territory::find_in(c, node_id);
    if (!n || !territory::can_see(who, n->path)) return make_error(Errc::not_found, "no such node", "node_id");
    if (!territory::can_attach(c, who, *n)) return make_error(Errc::forbidden, "you may not add places to " + n->name);
    int64_t now = clock_.now_ms();
    auto r = c.query_unique(
        "INSERT INTO places (node_id, kind, name, operator, path, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        {n->id, kind, name, operator_name, n->path, now});
    if (!r.ok()) return make_error(Errc::conflict, n->name + " already has a place named " + name, "name");
    out = *place_in(c, r->at(0).integer(0));
    changed(c, "place.created", *out, who, ip, now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Place> Service::update_place(int64_t id, const PlaceChange& in, const Principal& who, const std::string& ip) {
  Result<Place> out = no_such_place();
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto p = place_in(c, id);
    if (!p || !grant_over(who, p->path)) return no_such_place();
    auto n = territory::find_in(c, p->node_id);
    if (!n || !territory::can_attach(c, who, *n)) return make_error(Errc::forbidden, "you may not change " + p->name);
    Place next = *p;
    if (in.name) next.name = *in.name;
    if (in.operator_name) next.operator_name = *in.operator_name;
    if (auto v = valid(next.kind, next.name, next.operator_name); !v.ok()) return v.error();
    int64_t now = clock_.now_ms();
    auto r = c.query_unique("UPDATE places SET name = $2, operator = $3, updated_at = $4 WHERE id = $1 RETURNING id",
                            {id, next.name, next.operator_name, now});
    if (!r.ok()) return make_error(Errc::conflict, n->name + " already has a place named " + next.name, "name");
    out = *place_in(c, id);
    changed(c, "place.updated", *out, who, ip, now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  invalidate();
  return out;
}

}  // namespace mashang::codes
