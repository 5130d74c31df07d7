// Rules of organisations: who sees them (whoever sees their node), who shapes them (whoever
// may add nodes there), and what a valid one is.
#include <algorithm>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/orgs/orgs.hpp"
#include "modules/orgs/permissions.hpp"
#include "modules/territory/territory.hpp"

namespace mashang::orgs {
namespace {

constexpr const char* kColumns =
    "SELECT id, node_id, kind, name, contact, phone, path, created_at, updated_at FROM organisations ";

Organisation org_of(const store::Row& r) {
  return {r.integer(0), r.integer(1), r.text(2),    r.text(3),   r.text(4),
          r.text(5),    r.text(6),    r.integer(7), r.integer(8)};
}

std::optional<Organisation> by_id(store::Conn& c, int64_t id) {
  static const std::string sql = std::string(kColumns) + "WHERE id = $1";
  auto r = c.query_one(sql, {id});
  if (!r) return std::nullopt;
  return org_of(*r);
}

Status valid(const std::string& kind, const std::string& name, const std::string& contact, const std::string& phone) {
  if (std::none_of(std::begin(kKinds), std::end(kKinds), [&](std::string_view k) { return k == kind; }))
    return make_error(Errc::invalid_input,
                      "kind must be one of property_company, school, shop, clinic, social_org, company, other", "kind");
  if (!text::plain_line(name, 128))
    return make_error(Errc::invalid_input, "name must be 1 to 128 bytes of text", "name");
  if (!contact.empty() && !text::plain_line(contact, 64))
    return make_error(Errc::invalid_input, "contact must be at most 64 bytes of text", "contact");
  if (!phone.empty() && (phone.size() > 32 || phone.find_first_not_of("0123456789-+ ()") != std::string::npos))
    return make_error(Errc::invalid_input, "phone must be a telephone number (digits, spaces, + - ( ))", "phone");
  return ok_status();
}

void changed(store::Conn& c, const char* type, const Organisation& o, const Principal& who, const std::string& ip,
             int64_t now) {
  std::string payload =
      "{\"organisation_id\":" + std::to_string(o.id) + ",\"node_id\":" + std::to_string(o.node_id) + ",\"name\":";
  text::append_json_string(payload, o.name);
  payload += '}';
  c.emit({type, "organisation:" + std::to_string(o.id), o.path, std::nullopt, payload});
  audit::record(c, {type, "organisation:" + std::to_string(o.id), who.account_id, ip, "", payload}, now);
}

Error not_found() { return make_error(Errc::not_found, "no such organisation"); }

}  // namespace

Result<Page> Service::list(std::optional<int64_t> node, const std::string& kind, int64_t after, int64_t limit,
                           const Principal& who) {
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  if (!kind.empty() &&
      std::none_of(std::begin(kKinds), std::end(kKinds), [&](std::string_view k) { return k == kind; }))
    return make_error(Errc::invalid_input, "kind must be one of the organisation kinds", "kind");
  std::vector<std::string> scopes;
  bool found = true;
  db_.read([&](store::Conn& c) {
    if (node) {
      auto n = territory::find_in(c, *node);
      found = n && territory::can_see(who, n->path);  // the node's name is visible on the way down
      if (!found) return;
      // Below a node the caller sees only on the way to its grants: just those grants' parts.
      bool covered = false;
      for (const auto& g : who.grants) covered |= scope_covers(g.scope, n->path);
      if (covered)
        scopes = {n->path};
      else
        for (const auto& g : who.grants)
          if (scope_covers(n->path, g.scope)) scopes.push_back(g.scope);
    } else {
      for (const auto& g : who.grants) scopes.push_back(g.scope);
    }
  });
  if (!found) return make_error(Errc::not_found, "no such node");
  Page page;
  static const std::string sql = std::string(kColumns) +
                                 "WHERE (path = $1 OR path LIKE $2) AND id > $3 AND (CAST($4 AS TEXT) IS NULL OR "
                                 "kind = $4) ORDER BY id LIMIT $5";
  db_.read([&](store::Conn& c) {
    for (const auto& s : outermost_scopes(std::move(scopes)))
      for (const auto& r : c.query(sql, {s, (s == "/" ? "" : s) + "/%", after,
                                         kind.empty() ? store::null_value : store::Value(kind), limit + 1}))
        page.items.push_back(org_of(r));
  });
  std::sort(page.items.begin(), page.items.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  if (static_cast<int64_t>(page.items.size()) > limit) {
    page.items.resize(limit);
    page.next_after = page.items.back().id;
  }
  return page;
}

Result<Organisation> Service::get(int64_t id, const Principal& who) {
  std::optional<Organisation> o;
  db_.read([&](store::Conn& c) { o = by_id(c, id); });
  if (!o || !may_see(who, o->path)) return not_found();
  return *o;
}

Result<Organisation> Service::create(const NewOrganisation& in, const Principal& who, const std::string& ip) {
  if (auto st = valid(in.kind, in.name, in.contact, in.phone); !st.ok()) return st.error();
  Result<Organisation> out = not_found();
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto n = territory::find_in(c, in.node_id);
    if (!n || !territory::can_see(who, n->path)) return make_error(Errc::not_found, "no such node", "node_id");
    if (!territory::can_attach(c, who, *n))
      return make_error(Errc::forbidden, "you may not add organisations to " + n->name);
    int64_t now = clock_.now_ms();
    auto r = c.query_unique(
        "INSERT INTO organisations (node_id, kind, name, contact, phone, path, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        {n->id, in.kind, in.name, in.contact, in.phone, n->path, now});
    if (!r.ok()) return make_error(Errc::conflict, n->name + " already has an organisation named " + in.name, "name");
    out = *by_id(c, r->at(0).integer(0));
    changed(c, "organisation.created", *out, who, ip, now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Organisation> Service::update(int64_t id, const OrganisationChange& in, const Principal& who,
                                     const std::string& ip) {
  Result<Organisation> out = not_found();
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto o = by_id(c, id);
    if (!o || !may_see(who, o->path)) return not_found();
    auto n = territory::find_in(c, o->node_id);
    if (!n || !territory::can_attach(c, who, *n)) return make_error(Errc::forbidden, "you may not change " + o->name);
    Organisation next = *o;
    if (in.kind) next.kind = *in.kind;
    if (in.name) next.name = *in.name;
    if (in.contact) next.contact = *in.contact;
    if (in.phone) next.phone = *in.phone;
    if (auto v = valid(next.kind, next.name, next.contact, next.phone); !v.ok()) return v.error();
    int64_t now = clock_.now_ms();
    auto r = c.query_unique(
        "UPDATE organisations SET kind = $2, name = $3, contact = $4, phone = $5, updated_at = $6 WHERE id = $1 "
        "RETURNING id",
        {id, next.kind, next.name, next.contact, next.phone, now});
    if (!r.ok()) return make_error(Errc::conflict, n->name + " already has an organisation named " + next.name, "name");
    out = *by_id(c, id);
    changed(c, "organisation.updated", *out, who, ip, now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Status Service::remove(int64_t id, const Principal& who, const std::string& ip) {
  return db_.write([&](store::Conn& c) -> Status {
    auto o = by_id(c, id);
    if (!o || !may_see(who, o->path)) return not_found();
    auto n = territory::find_in(c, o->node_id);
    if (!n || !territory::can_attach(c, who, *n)) return make_error(Errc::forbidden, "you may not remove " + o->name);
    c.exec("DELETE FROM organisations WHERE id = $1", {id});
    changed(c, "organisation.removed", *o, who, ip, clock_.now_ms());
    return ok_status();
  });
}

namespace {
std::vector<Member> members_in(store::Conn& c, int64_t id) {
  std::vector<Member> out;
  for (const auto& r :
       c.query("SELECT account_id, added_at FROM organisation_members WHERE organisation_id = $1 ORDER BY account_id",
               {id}))
    out.push_back({r.integer(0), r.integer(1)});
  return out;
}
}  // namespace

Result<std::vector<Member>> Service::members(int64_t id, const Principal& who) {
  std::optional<Organisation> o;
  std::vector<Member> out;
  db_.read([&](store::Conn& c) {
    o = by_id(c, id);
    if (o && may_see(who, o->path)) out = members_in(c, id);
  });
  if (!o || !may_see(who, o->path)) return not_found();
  return out;
}

Result<std::vector<Member>> Service::change_members(int64_t id, int64_t account_id, const Principal& who,
                                                    const std::function<Status(store::Conn&, int64_t now)>& change) {
  Result<std::vector<Member>> out = not_found();
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto o = by_id(c, id);
    if (!o || !may_see(who, o->path)) return not_found();
    auto n = territory::find_in(c, o->node_id);
    if (!n || !territory::can_attach(c, who, *n)) return make_error(Errc::forbidden, "you may not change " + o->name);
    if (auto s = change(c, clock_.now_ms()); !s.ok()) return s;
    out = members_in(c, id);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  if (member_changed_) member_changed_(account_id);  // its sessions' rights changed
  return out;
}

Result<std::vector<Member>> Service::add_member(int64_t id, int64_t account_id, const Principal& who,
                                                const std::string& ip) {
  return change_members(id, account_id, who, [&](store::Conn& c, int64_t now) -> Status {
    // After the rights: nobody learns which account ids exist from an organisation they may not change.
    if (account_id < 1 || (account_exists_ && !account_exists_(account_id)))
      return make_error(Errc::invalid_input, "no such account", "account_id");
    if (c.exec("INSERT INTO organisation_members (organisation_id, account_id, added_at) VALUES ($1, $2, $3) "
               "ON CONFLICT (organisation_id, account_id) DO NOTHING",
               {id, account_id, now}) == 1)
      audit::record(c,
                    {"organisation.member_added", "organisation:" + std::to_string(id), who.account_id, ip, "",
                     "{\"account_id\":" + std::to_string(account_id) + "}"},
                    now);
    return ok_status();
  });
}

Result<std::vector<Member>> Service::remove_member(int64_t id, int64_t account_id, const Principal& who,
                                                   const std::string& ip) {
  return change_members(id, account_id, who, [&](store::Conn& c, int64_t now) -> Status {
    if (c.exec("DELETE FROM organisation_members WHERE organisation_id = $1 AND account_id = $2", {id, account_id}) ==
        0)
      return make_error(Errc::not_found, "the account is not a member", "account_id");
    audit::record(c,
                  {"organisation.member_removed", "organisation:" + std::to_string(id), who.account_id, ip, "",
                   "{\"account_id\":" + std::to_string(account_id) + "}"},
                  now);
    return ok_status();
  });
}

std::vector<Department> Service::departments_of(int64_t account_id) {
  std::vector<Department> out;
  db_.read([&](store::Conn& c) {
    for (const auto& r : c.query("SELECT o.id, o.kind, o.path FROM organisation_members m JOIN organisations o ON "
                                 "o.id = m.organisation_id WHERE m.account_id = $1 ORDER BY o.id",
                                 {account_id}))
      out.push_back({r.integer(0), r.text(1), r.text(2)});
  });
  return out;
}

}  // namespace mashang::orgs
