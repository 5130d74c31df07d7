// Who answers an alarm and whom they go to: stewards and backups per building, duty officers,
// elder profiles (sealed, masked, audited when revealed) and alarm devices.
#include <algorithm>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/care/internal.hpp"

namespace mashang::care {

namespace detail {

std::string contacts_text(const std::vector<Contact>& v) {
  std::string o;
  for (const auto& c : v) o += c.name + '\t' + c.relation + '\t' + c.phone + '\n';
  return o;
}

std::vector<Contact> contacts_of(const std::string& text, bool reveal) {
  std::vector<Contact> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(at, end - at);
    at = end + 1;
    auto f1 = line.find('\t');
    auto f2 = f1 == std::string::npos ? f1 : line.find('\t', f1 + 1);
    if (f2 == std::string::npos) continue;
    Contact c{line.substr(0, f1), line.substr(f1 + 1, f2 - f1 - 1), line.substr(f2 + 1)};
    if (!reveal) c.phone = text::mask_phone(c.phone);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace detail

using namespace detail;

namespace {

//! Whether an account may answer alarms at `path`: active, with a staff grant covering the
//! place or lying inside its community (a neighbouring building's steward as a backup).
Status answers_at(const Directory& dir, store::Conn& c, int64_t account, const std::string& path, const char* field) {
  auto m = dir.member ? dir.member(c, account) : std::nullopt;
  auto within = community_path(path).value_or(path);
  bool ok = m && m->active && std::any_of(m->grants.begin(), m->grants.end(), [&](const Grant& g) {
              if (!care_role(g.role)) return false;
              bool covers = path == g.scope || g.scope == "/" || path.starts_with(g.scope + "/");
              bool inside = g.scope == within || g.scope.starts_with(within + "/");
              return covers || inside;
            });
  if (!ok) return make_error(Errc::invalid_input, "must be an active staff account of the place", field);
  return ok_status();
}

Assignment assignment_of(const store::Row& r, const Directory& dir, store::Conn& c) {
  Assignment a{r.integer(0), r.text(1), r.integer(2), r.opt_integer(3), "", "", r.integer(4)};
  if (dir.member) {
    if (auto m = dir.member(c, a.steward_id)) a.steward_name = m->display_name;
    if (a.backup_id)
      if (auto m = dir.member(c, *a.backup_id)) a.backup_name = m->display_name;
  }
  return a;
}

//! A node's path when it is a street or a community (what duty is kept at).
std::optional<std::string> duty_place(const Directory& dir, store::Conn& c, int64_t node) {
  if (!dir.node_path) return std::nullopt;
  if (auto p = dir.node_path(c, node, "community")) return p;
  return dir.node_path(c, node, "street");
}

}  // namespace

Result<Assignment> Service::assign(int64_t building_id, int64_t steward_id, std::optional<int64_t> backup_id,
                                   const Principal& who) {
  Result<Assignment> out = make_error(Errc::internal, "not assigned");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto path = dir_.node_path ? dir_.node_path(c, building_id, "building") : std::nullopt;
    if (!path || !staff_over(who, *path)) return make_error(Errc::not_found, "no such building", "building_id");
    if (!manager_over(who, *path))
      return make_error(Errc::forbidden, "community or street staff name a building's stewards");
    if (auto s = answers_at(dir_, c, steward_id, *path, "steward_id"); !s.ok()) return s;
    if (backup_id) {
      if (*backup_id == steward_id)
        return make_error(Errc::invalid_input, "the backup must be someone else", "backup_id");
      if (auto s = answers_at(dir_, c, *backup_id, *path, "backup_id"); !s.ok()) return s;
    }
    int64_t now = clock_.now_ms();
    c.exec(
        "INSERT INTO care_stewards (building_id, path, steward_id, backup_id, updated_by, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (building_id) DO UPDATE SET path = excluded.path, "
        "steward_id = excluded.steward_id, backup_id = excluded.backup_id, updated_by = excluded.updated_by, "
        "updated_at = excluded.updated_at",
        {building_id, *path, steward_id, backup_id ? store::Value(*backup_id) : store::null_value, who.account_id,
         now});
    audit::record(c,
                  {"care.stewards_assigned", "node:" + std::to_string(building_id), who.account_id, "", "",
                   "{\"steward_id\":" + std::to_string(steward_id) +
                       ",\"backup_id\":" + (backup_id ? std::to_string(*backup_id) : std::string("null")) + "}"},
                  now);
    auto r = c.query_one(
        "SELECT building_id, path, steward_id, backup_id, updated_at FROM care_stewards WHERE building_id = $1",
        {building_id});
    out = assignment_of(*r, dir_, c);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::vector<Assignment>> Service::assignments(std::optional<int64_t> node, const Principal& who) {
  std::vector<Assignment> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    std::vector<store::Row> rows;
    if (node) {
      auto path = place_path(dir_, c, *node);
      if (!path || !staff_over(who, *path)) {
        st = make_error(Errc::not_found, "no such place", "node_id");
        return;
      }
      rows = c.query(
          "SELECT building_id, path, steward_id, backup_id, updated_at FROM care_stewards "
          "WHERE path = $1 OR path LIKE $2 ORDER BY building_id LIMIT 5000",
          {*path, *path + "/%"});
    } else {
      // The caller's own: where they are steward or backup, and their home's ("my steward").
      auto mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
      auto home = mine && dir_.home ? dir_.home(c, *mine) : std::nullopt;
      rows = c.query(
          "SELECT building_id, path, steward_id, backup_id, updated_at FROM care_stewards "
          "WHERE steward_id = $1 OR backup_id = $1 OR building_id = $2 ORDER BY building_id LIMIT 5000",
          {who.account_id, home ? home->building_id : int64_t{-1}});
    }
    for (const auto& r : rows) out.push_back(assignment_of(r, dir_, c));
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Duty> Service::add_duty(int64_t node_id, int64_t account_id, int64_t starts_at, int64_t ends_at,
                               const Principal& who) {
  if (ends_at <= starts_at) return make_error(Errc::invalid_input, "ends_at must be after starts_at", "ends_at");
  if (ends_at - starts_at > 31LL * 86'400'000)
    return make_error(Errc::invalid_input, "a duty lasts at most 31 days", "ends_at");
  Result<Duty> out = make_error(Errc::internal, "not added");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto path = duty_place(dir_, c, node_id);
    if (!path || !staff_over(who, *path)) return make_error(Errc::not_found, "no such community or street", "node_id");
    if (!manager_over(who, *path)) return make_error(Errc::forbidden, "community or street staff keep the duty roster");
    if (auto s = answers_at(dir_, c, account_id, *path, "account_id"); !s.ok()) return s;
    int64_t now = clock_.now_ms();
    auto id = c.query(
        "INSERT INTO care_duty (node_id, path, account_id, starts_at, ends_at, created_by, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {node_id, *path, account_id, starts_at, ends_at, who.account_id, now});
    auto m = dir_.member ? dir_.member(c, account_id) : std::nullopt;
    out = Duty{id[0].integer(0), node_id, *path, account_id, m ? m->display_name : "", starts_at, ends_at, now};
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::vector<Duty>> Service::duties(int64_t node_id, int64_t from, int64_t to, const Principal& who) {
  std::vector<Duty> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    auto path = duty_place(dir_, c, node_id);
    if (!path || !staff_over(who, *path)) {
      st = make_error(Errc::not_found, "no such community or street", "node_id");
      return;
    }
    for (const auto& r : c.query(
             "SELECT id, node_id, path, account_id, starts_at, ends_at, created_at FROM care_duty "
             "WHERE (path = $1 OR path LIKE $2) AND ends_at > $3 AND starts_at < $4 ORDER BY starts_at, id LIMIT 1000",
             {*path, *path + "/%", from, to})) {
      Duty d{r.integer(0), r.integer(1), r.text(2), r.integer(3), "", r.integer(4), r.integer(5), r.integer(6)};
      if (dir_.member)
        if (auto m = dir_.member(c, d.account_id)) d.account_name = m->display_name;
      out.push_back(std::move(d));
    }
  });
  if (!st.ok()) return st.error();
  return out;
}

Status Service::remove_duty(int64_t id, const Principal& who) {
  return db_.write([&](store::Conn& c) -> Status {
    auto r = c.query_one("SELECT path FROM care_duty WHERE id = $1", {id});
    if (!r || !staff_over(who, r->text(0))) return make_error(Errc::not_found, "no such duty");
    if (!manager_over(who, r->text(0)))
      return make_error(Errc::forbidden, "community or street staff keep the duty roster");
    c.exec("DELETE FROM care_duty WHERE id = $1", {id});
    return ok_status();
  });
}

Result<Profile> Service::put_profile(int64_t person_id, const ProfileChange& in, const Principal& who,
                                     const std::string& ip) {
  if (in.health_notes.size() > 2000 || !text::valid_utf8(in.health_notes) ||
      in.health_notes.find('\0') != std::string::npos)
    return make_error(Errc::invalid_input, "health_notes must be at most 2000 bytes of text", "health_notes");
  if (in.contacts.size() > kContactsMax) return make_error(Errc::invalid_input, "at most 5 contacts", "contacts");
  std::vector<Contact> contacts;
  for (const auto& ct : in.contacts) {
    if (ct.name.empty() || !text::plain_line(ct.name, 64) || ct.relation.empty() || !text::plain_line(ct.relation, 32))
      return make_error(Errc::invalid_input, "each contact has a name (1-64 bytes) and a relation (1-32 bytes)",
                        "contacts");
    auto phone = text::normalize_phone(ct.phone);
    if (!phone)
      return make_error(Errc::invalid_input, "a contact's phone is not a phone number: " + ct.name, "contacts");
    contacts.push_back({ct.name, ct.relation, *phone});
  }
  if (in.visit_every_days < 1 || in.visit_every_days > 90)
    return make_error(Errc::invalid_input, "visit_every_days must be 1 to 90", "visit_every_days");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto home = dir_.home ? dir_.home(c, person_id) : std::nullopt;
    if (!home || !staff_over(who, home->path)) return make_error(Errc::not_found, "no such person", "person_id");
    int64_t now = clock_.now_ms();
    c.exec(
        "INSERT INTO care_elders (person_id, path, health_sealed, contacts_sealed, visit_every_days, updated_by, "
        "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (person_id) DO UPDATE SET path = excluded.path, "
        "health_sealed = excluded.health_sealed, contacts_sealed = excluded.contacts_sealed, "
        "visit_every_days = excluded.visit_every_days, updated_by = excluded.updated_by, "
        "updated_at = excluded.updated_at",
        {person_id, home->path, keys_.seal(in.health_notes), keys_.seal(contacts_text(contacts)), in.visit_every_days,
         who.account_id, now});
    audit::record(c,
                  {"care.profile_written", "person:" + std::to_string(person_id), who.account_id, ip, "",
                   "{\"contacts\":" + std::to_string(contacts.size()) + "}"},
                  now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return profile(person_id, std::nullopt, who, ip);
}

Result<Profile> Service::profile(int64_t person_id, const std::optional<std::string>& reveal_reason,
                                 const Principal& who, const std::string& ip) {
  bool reveal = reveal_reason.has_value();
  Result<Profile> out = make_error(Errc::not_found, "no profile");
  auto read = [&](store::Conn& c) -> Status {
    auto home = dir_.home ? dir_.home(c, person_id) : std::nullopt;
    std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    bool own = mine == person_id;
    if (!home || (!own && !staff_over(who, home->path)))
      return make_error(Errc::not_found, "no such person", "person_id");
    if (reveal && !own &&
        (text::utf8_chars(*reveal_reason) < 4 || text::utf8_chars(*reveal_reason) > 200 ||
         !text::plain_line(*reveal_reason, 800)))
      return make_error(Errc::invalid_input, "a reveal needs a reason of 4 to 200 characters, one line", "reason");
    auto r = c.query_one(
        "SELECT health_sealed, contacts_sealed, visit_every_days, updated_at FROM care_elders WHERE person_id = $1",
        {person_id});
    if (!r) return make_error(Errc::not_found, "the person has no care profile");
    Profile p;
    p.person_id = person_id;
    p.visit_every_days = r->integer(2);
    p.updated_at = r->integer(3);
    p.revealed = reveal;
    if (reveal)
      if (auto h = keys_.open(r->text(0)); h.ok()) p.health_notes = *h;
    if (auto ct = keys_.open(r->text(1)); ct.ok()) p.contacts = contacts_of(*ct, reveal);
    if (reveal && !own)
      audit::record(
          c, {"care.profile_revealed", "person:" + std::to_string(person_id), who.account_id, ip, *reveal_reason, "{}"},
          clock_.now_ms());
    out = std::move(p);
    return ok_status();
  };
  if (Status st = read_or_reveal(db_, reveal, read); !st.ok()) return st.error();
  return out;
}

Result<Device> Service::add_device(int64_t person_id, const std::string& label, const Principal& who) {
  if (label.empty() || !text::plain_line(label, 64))
    return make_error(Errc::invalid_input, "label must be one line of 1 to 64 bytes", "label");
  Result<Device> out = make_error(Errc::internal, "not added");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto home = dir_.home ? dir_.home(c, person_id) : std::nullopt;
    if (!home || !staff_over(who, home->path)) return make_error(Errc::not_found, "no such person", "person_id");
    int64_t now = clock_.now_ms();
    std::string token = "dev_" + crypto::random_token(24);
    auto id = c.query(
        "INSERT INTO care_devices (person_id, token_hash, label, created_by, created_at) VALUES ($1, $2, $3, $4, $5) "
        "RETURNING id",
        {person_id, crypto::token_hash(token), label, who.account_id, now});
    audit::record(c, {"care.device_added", "person:" + std::to_string(person_id), who.account_id, "", "", "{}"}, now);
    out = Device{id[0].integer(0), person_id, label, token, now, std::nullopt};
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::vector<Device>> Service::devices(int64_t person_id, const Principal& who) {
  std::vector<Device> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    auto home = dir_.home ? dir_.home(c, person_id) : std::nullopt;
    std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    if (!home || (mine != person_id && !staff_over(who, home->path))) {
      st = make_error(Errc::not_found, "no such person", "person_id");
      return;
    }
    for (const auto& r : c.query(
             "SELECT id, person_id, label, created_at, revoked_at FROM care_devices WHERE person_id = $1 ORDER BY id",
             {person_id}))
      out.push_back({r.integer(0), r.integer(1), r.text(2), "", r.integer(3), r.opt_integer(4)});
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Device> Service::revoke_device(int64_t id, const Principal& who) {
  Result<Device> out = make_error(Errc::internal, "not revoked");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto r = c.query_one("SELECT id, person_id, label, created_at, revoked_at FROM care_devices WHERE id = $1", {id});
    auto home = r && dir_.home ? dir_.home(c, r->integer(1)) : std::nullopt;
    if (!r || !home || !staff_over(who, home->path)) return make_error(Errc::not_found, "no such device");
    if (!r->is_null(4)) return make_error(Errc::conflict, "the device was revoked already");
    int64_t now = clock_.now_ms();
    c.exec("UPDATE care_devices SET revoked_at = $2 WHERE id = $1", {id, now});
    audit::record(c, {"care.device_revoked", "person:" + std::to_string(r->integer(1)), who.account_id, "", "", "{}"},
                  now);
    out = Device{id, r->integer(1), r->text(2), "", r->integer(3), now};
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

}  // namespace mashang::care
