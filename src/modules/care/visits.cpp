// Visits 探访: proven by the household's door code, with readings and checks flagged when out
// of range; visit plans from the elder's profile, and overdue visits told to the steward once
// per due date.
#include <algorithm>

#include "core/text.hpp"
#include "modules/care/internal.hpp"
#include "modules/notify/notify.hpp"

namespace mashang::care {

using namespace detail;

namespace {

constexpr int64_t kDayMs = 86'400'000;

constexpr const char* kVisitColumns =
    "id, person_id, household_id, path, code_id, visited_by, note, systolic, diastolic, pulse, water_ok, power_ok, "
    "gas_ok, flags, at";

std::optional<bool> opt_bool(const store::Row& r, int i) {
  if (r.is_null(i)) return std::nullopt;
  return r.integer(i) != 0;
}

store::Value value_of(const std::optional<int64_t>& v) { return v ? store::Value(*v) : store::null_value; }
store::Value value_of(const std::optional<bool>& v) { return v ? store::Value(int64_t{*v}) : store::null_value; }

Visit visit_of(const store::Row& r) {
  Visit v;
  v.id = r.integer(0);
  v.person_id = r.integer(1);
  v.household_id = r.integer(2);
  v.path = r.text(3);
  v.code_id = r.integer(4);
  v.visited_by = r.integer(5);
  v.note = r.text(6);
  v.systolic = r.opt_integer(7);
  v.diastolic = r.opt_integer(8);
  v.pulse = r.opt_integer(9);
  v.water_ok = opt_bool(r, 10);
  v.power_ok = opt_bool(r, 11);
  v.gas_ok = opt_bool(r, 12);
  for (size_t at = 0; at < r.text(13).size();) {
    size_t end = r.text(13).find(',', at);
    if (end == std::string::npos) end = r.text(13).size();
    v.flags.push_back(r.text(13).substr(at, end - at));
    at = end + 1;
  }
  v.at = r.integer(14);
  return v;
}

//! What a visit found out of range or not working.
std::vector<std::string> flags_of(const NewVisit& in) {
  std::vector<std::string> f;
  if ((in.systolic && *in.systolic >= 140) || (in.diastolic && *in.diastolic >= 90)) f.emplace_back("bp_high");
  if ((in.systolic && *in.systolic <= 90) || (in.diastolic && *in.diastolic <= 60)) f.emplace_back("bp_low");
  if (in.pulse && *in.pulse > 100) f.emplace_back("pulse_high");
  if (in.pulse && *in.pulse < 50) f.emplace_back("pulse_low");
  if (in.water_ok == false) f.emplace_back("water");
  if (in.power_ok == false) f.emplace_back("power");
  if (in.gas_ok == false) f.emplace_back("gas");
  return f;
}

std::string joined(const std::vector<std::string>& v) {
  std::string o;
  for (const auto& s : v) o += (o.empty() ? "" : ",") + s;
  return o;
}

}  // namespace

Result<Visit> Service::record_visit(const NewVisit& in, const Principal& who) {
  if (in.token.empty()) return make_error(Errc::invalid_input, "scan the household's door code", "token");
  if (in.note.size() > 1000 || !text::valid_utf8(in.note) || in.note.find('\0') != std::string::npos)
    return make_error(Errc::invalid_input, "note must be at most 1000 bytes of text", "note");
  for (auto [v, lo, hi, field] :
       {std::tuple{in.systolic, 50, 260, "systolic"}, std::tuple{in.diastolic, 30, 180, "diastolic"},
        std::tuple{in.pulse, 20, 250, "pulse"}})
    if (v && (*v < lo || *v > hi))
      return make_error(Errc::invalid_input,
                        std::string(field) + " must be " + std::to_string(lo) + " to " + std::to_string(hi), field);
  if (in.systolic.has_value() != in.diastolic.has_value())
    return make_error(Errc::invalid_input, "blood pressure is systolic and diastolic together", "diastolic");
  if (in.systolic && *in.systolic <= *in.diastolic)
    return make_error(Errc::invalid_input, "systolic must be above diastolic", "diastolic");
  // Only care staff scan doors for visits: nobody else learns anything of a token here.
  if (!std::any_of(who.grants.begin(), who.grants.end(), [](const Grant& g) { return care_role(g.role); }))
    return make_error(Errc::forbidden, "care staff (stewards, grid workers, community staff…) record visits");
  if (!dir_.door) return make_error(Errc::unavailable, "door codes are not wired");
  auto door = dir_.door(in.token, who);
  if (!door.ok()) {
    Error e = door.error();
    if (e.field.empty()) e.field = "token";
    return e;
  }
  Result<Visit> out = make_error(Errc::internal, "not recorded");
  Status st = db_.write([&](store::Conn& c) -> Status {
    if (!staff_over(who, door->path)) return make_error(Errc::not_found, "no such household among yours", "token");
    int64_t person = 0;
    if (in.person_id) {
      auto home = dir_.home ? dir_.home(c, *in.person_id) : std::nullopt;
      if (!home || home->household_id != door->household_id)
        return make_error(Errc::invalid_input, "the person does not live behind this door", "person_id");
      person = *in.person_id;
    } else {
      // The household's elder: the one person there with a care profile.
      std::vector<int64_t> elders;
      for (const auto& r :
           c.query("SELECT person_id FROM care_elders WHERE path = $1 ORDER BY person_id", {door->path}))
        if (auto h = dir_.home ? dir_.home(c, r.integer(0)) : std::nullopt; h && h->household_id == door->household_id)
          elders.push_back(r.integer(0));
      if (elders.size() != 1)
        return make_error(Errc::invalid_input,
                          elders.empty() ? "nobody behind this door has a care profile: name the person"
                                         : "several elders live here: name the person",
                          "person_id");
      person = elders[0];
    }
    int64_t now = clock_.now_ms();
    auto flags = flags_of(in);
    auto r = c.query_one(
        std::string("INSERT INTO care_visits (person_id, household_id, path, code_id, visited_by, note, systolic, "
                    "diastolic, pulse, water_ok, power_ok, gas_ok, flags, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                    "$9, $10, $11, $12, $13, $14) RETURNING ") +
            kVisitColumns,
        {person, door->household_id, door->path, door->code_id, who.account_id, in.note, value_of(in.systolic),
         value_of(in.diastolic), value_of(in.pulse), value_of(in.water_ok), value_of(in.power_ok), value_of(in.gas_ok),
         joined(flags), now});
    Visit v = visit_of(*r);
    if (dir_.member)
      if (auto m = dir_.member(c, who.account_id)) v.visitor_name = m->display_name;
    // The event says a visit happened; what it found (health readings) is read through the
    // visits route, which checks who asks: scoped events reach every staff role over the place.
    c.emit({"care.visit_recorded", "care_visit:" + std::to_string(v.id), door->path, std::nullopt,
            "{\"visit_id\":" + std::to_string(v.id) + ",\"person_id\":" + std::to_string(person) + "}"});
    out = std::move(v);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::vector<Visit>> Service::visits(int64_t person_id, int64_t before, int64_t limit, const Principal& who) {
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  std::vector<Visit> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    auto home = dir_.home ? dir_.home(c, person_id) : std::nullopt;
    std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    if (!home || (mine != person_id && !staff_over(who, home->path))) {
      st = make_error(Errc::not_found, "no such person", "person_id");
      return;
    }
    for (const auto& r : c.query(std::string("SELECT ") + kVisitColumns +
                                     " FROM care_visits WHERE person_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                                 {person_id, before > 0 ? before : INT64_MAX, limit})) {
      Visit v = visit_of(r);
      if (dir_.member)
        if (auto m = dir_.member(c, v.visited_by)) v.visitor_name = m->display_name;
      out.push_back(std::move(v));
    }
  });
  if (!st.ok()) return st.error();
  return out;
}

namespace {

//! Elders with a profile at `path` or below, with when their next visit is due.
std::vector<VisitDue> due_under(store::Conn& c, const Directory& dir, const std::string& path, int64_t now,
                                bool names = true) {
  std::vector<VisitDue> out;
  for (const auto& r :
       c.query("SELECT e.person_id, e.visit_every_days, e.updated_at, e.path, "
               "(SELECT MAX(v.at) FROM care_visits v WHERE v.person_id = e.person_id) FROM care_elders e "
               "WHERE e.path = $1 OR e.path LIKE $2 ORDER BY e.person_id LIMIT 20000",
               {path, path == "/" ? std::string("/%") : path + "/%"})) {
    VisitDue d;
    d.person_id = r.integer(0);
    d.visit_every_days = r.integer(1);
    d.path = r.text(3);
    d.last_visit_at = r.opt_integer(4);
    d.due_at = d.last_visit_at.value_or(r.integer(2)) + d.visit_every_days * kDayMs;
    d.overdue = d.due_at <= now;
    if (auto h = names && dir.home ? dir.home(c, d.person_id) : std::nullopt) {
      d.name = h->name;
      d.address = h->address;
    }
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const VisitDue& a, const VisitDue& b) {
    return a.due_at != b.due_at ? a.due_at < b.due_at : a.person_id < b.person_id;
  });
  return out;
}

}  // namespace

Result<std::vector<VisitDue>> Service::visits_due(std::optional<int64_t> node_id, bool overdue_only,
                                                  const Principal& who) {
  std::vector<VisitDue> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    int64_t now = clock_.now_ms();
    if (!node_id) {
      // The steward's own: the buildings where they are steward or backup.
      for (const auto& b :
           c.query("SELECT path FROM care_stewards WHERE steward_id = $1 OR backup_id = $1 ORDER BY path",
                   {who.account_id}))
        for (auto& d : due_under(c, dir_, b.text(0), now)) out.push_back(std::move(d));
      std::sort(out.begin(), out.end(), [](const VisitDue& a, const VisitDue& b) {
        return a.due_at != b.due_at ? a.due_at < b.due_at : a.person_id < b.person_id;
      });
      return;
    }
    auto path = place_path(dir_, c, *node_id);
    if (!path || !staff_over(who, *path)) {
      st = make_error(Errc::not_found, "no such place", "node_id");
      return;
    }
    out = due_under(c, dir_, *path, now);
  });
  if (!st.ok()) return st.error();
  if (overdue_only) std::erase_if(out, [](const VisitDue& d) { return !d.overdue; });
  return out;
}

int64_t Service::notify_overdue(int64_t now) {
  if (!outbox_) return 0;
  // Read first: which overdue elders have a steward and were not told of this due date yet.
  // The write that follows holds only those (the writer is not held while every elder is read).
  struct Due {
    VisitDue d;
    int64_t steward = 0;
    std::string key;
  };
  std::vector<Due> todo;
  db_.read([&](store::Conn& c) {
    for (auto& d : due_under(c, dir_, "/", now, false)) {
      if (!d.overdue) break;  // sorted by due date
      auto s = c.query_one("SELECT steward_id FROM care_stewards WHERE path = $1", {d.path});
      if (!s) continue;
      std::string key = "care_visit_due:" + std::to_string(d.person_id) + ":" + std::to_string(d.due_at);
      if (c.query_one("SELECT 1 FROM notify_messages WHERE dedupe_key = $1", {key})) continue;
      todo.push_back({std::move(d), s->integer(0), std::move(key)});
    }
  });
  if (todo.empty()) return 0;
  int64_t told = 0;
  (void)db_.write([&](store::Conn& c) -> Status {
    told = 0;
    for (const auto& t : todo) {
      auto h = dir_.home ? dir_.home(c, t.d.person_id) : std::nullopt;
      notify::Message m;
      m.dedupe_key = t.key;
      m.account_id = t.steward;
      m.kind = "care.visit_due";
      m.subject = "person:" + std::to_string(t.d.person_id);
      m.title = "探访提醒：" + (h ? h->name : std::string("老人")) + "的探访已到期";
      m.body = (h ? h->address + "，" : std::string()) + "每" + std::to_string(t.d.visit_every_days) + "天探访一次。";
      m.payload = "{\"person_id\":" + std::to_string(t.d.person_id) + ",\"due_at\":" + std::to_string(t.d.due_at) + "}";
      told += outbox_->enqueue(c, m, now) ? 1 : 0;  // a key told meanwhile by another instance: skipped
    }
    return ok_status();
  });
  if (told) outbox_->wake();
  return told;
}

}  // namespace mashang::care
