// The one-key alarm: raised by the elder (or their device, or staff for a drill), joined by a
// second press, escalated level by level on deadlines kept in its row, owned by whoever
// acknowledges first, closed with an outcome. Every step goes to the timeline, the event log
// and, for each account alerted, the notification outbox — in the step's transaction.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/care/internal.hpp"
#include "modules/notify/notify.hpp"

namespace mashang::care {

namespace detail {

bool care_role(std::string_view role) { return is_care_role(role); }

bool staff_over(const Principal& who, const std::string& path) {
  return std::any_of(who.grants.begin(), who.grants.end(),
                     [&](const Grant& g) { return is_care_role(g.role) && scope_covers(g.scope, path); });
}

bool staff_at(const Principal& who, const std::string& path) {
  return std::any_of(who.grants.begin(), who.grants.end(), [&](const Grant& g) {
    return is_care_role(g.role) && (scope_covers(g.scope, path) || scope_covers(path, g.scope));
  });
}

bool manager_over(const Principal& who, const std::string& path) {
  return who.has_role("community_staff", path) || who.has_role("street_staff", path) ||
         who.has_role("district_admin", path);
}

namespace {
std::optional<std::string> prefix(const std::string& path, int segments) {
  size_t at = 0;
  for (int i = 0; i < segments; ++i) {
    if (at >= path.size() || path[at] != '/') return std::nullopt;
    at = path.find('/', at + 1);
    if (at == std::string::npos) return i + 1 == segments ? std::optional(path) : std::nullopt;
  }
  return path.substr(0, at);
}
}  // namespace

std::optional<std::string> community_path(const std::string& path) { return prefix(path, 2); }
std::optional<std::string> street_path(const std::string& path) { return prefix(path, 1); }

std::optional<int64_t> segment_id(const std::string& path, int n) {
  auto p = prefix(path, n);
  if (!p) return std::nullopt;
  auto last = p->rfind('/');
  try {
    return std::stoll(p->substr(last + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::string> place_path(const Directory& dir, store::Conn& c, int64_t node_id) {
  if (!dir.node_path) return std::nullopt;
  for (const char* kind : {"community", "street", "building", "grid", "compound"})
    if (auto p = dir.node_path(c, node_id, kind)) return p;
  return std::nullopt;
}

const char* const kAlarmColumns =
    "id, person_id, household_id, building_id, community_id, path, source, device_id, drill, status, level, round, "
    "due_at, presses, acknowledged_by, acknowledged_at, arrived_at, outcome, note, closed_by, closed_at, created_by, "
    "created_at";

Alarm alarm_of(const store::Row& r) {
  Alarm a;
  a.id = r.integer(0);
  a.person_id = r.integer(1);
  a.household_id = r.integer(2);
  a.building_id = r.integer(3);
  a.community_id = r.integer(4);
  a.path = r.text(5);
  a.source = r.text(6);
  a.device_id = r.opt_integer(7);
  a.drill = r.integer(8) != 0;
  a.status = r.text(9);
  a.level = r.integer(10);
  a.round = r.integer(11);
  a.due_at = r.opt_integer(12);
  a.presses = r.integer(13);
  a.acknowledged_by = r.opt_integer(14);
  a.acknowledged_at = r.opt_integer(15);
  a.arrived_at = r.opt_integer(16);
  a.outcome = r.opt_text(17);
  a.note = r.text(18);
  a.closed_by = r.opt_integer(19);
  a.closed_at = r.opt_integer(20);
  a.created_by = r.opt_integer(21);
  a.created_at = r.integer(22);
  return a;
}

std::optional<Alarm> alarm_in(store::Conn& c, int64_t id) {
  auto r = c.query_one(std::string("SELECT ") + kAlarmColumns + " FROM care_alarms WHERE id = $1", {id});
  if (!r) return std::nullopt;
  return alarm_of(*r);
}

void step(store::Conn& c, int64_t alarm_id, int64_t at, const std::string& kind, int64_t level,
          std::optional<int64_t> account, const std::string& note) {
  c.exec("INSERT INTO care_alarm_steps (alarm_id, at, kind, level, account_id, note) VALUES ($1, $2, $3, $4, $5, $6)",
         {alarm_id, at, kind, level, account ? store::Value(*account) : store::null_value, note});
}

std::string alarm_event(const Alarm& a) {
  std::string o = "{\"alarm_id\":" + std::to_string(a.id) + ",\"status\":\"" + a.status +
                  "\",\"level\":" + std::to_string(a.level) + ",\"round\":" + std::to_string(a.round) +
                  ",\"drill\":" + (a.drill ? "true" : "false") + ",\"community_id\":" + std::to_string(a.community_id) +
                  ",\"building_id\":" + std::to_string(a.building_id) + ",\"due_at\":";
  return o + (a.due_at ? std::to_string(*a.due_at) : "null") + "}";
}

std::optional<int64_t> day_of(const std::string& date) {
  int y = 0, m = 0, d = 0;
  if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 ||
      d > 31 || y < 2000 || y > 2100 || date[4] != '-' || date[7] != '-')
    return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return std::nullopt;
  int64_t yy = y - (m <= 2), era = yy / 400, yoe = yy - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (era * 146097 + doe - 719468) * kDayMs - kShiftMs;
}

std::string date_of(int64_t day_start) {
  // Days since the epoch → civil date (Howard Hinnant's algorithm).
  int64_t z = (day_start + kShiftMs) / kDayMs + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
  char b[48];
  std::snprintf(b, sizeof b, "%04d-%02d-%02d", static_cast<int>(y), static_cast<int>(m), static_cast<int>(d));
  return b;
}

Status read_or_reveal(store::Db& db, bool reveal, const std::function<Status(store::Conn&)>& fn) {
  if (reveal) return db.write(fn);
  Status st = ok_status();
  db.read([&](store::Conn& c) { st = fn(c); });
  return st;
}

std::string clock_text(int64_t minute) {
  char b[48];
  std::snprintf(b, sizeof b, "%02d:%02d", static_cast<int>(minute / 60), static_cast<int>(minute % 60));
  return b;
}

std::optional<std::string> own_community(const Directory& dir, store::Conn& c, const Principal& who) {
  auto mine = dir.person_of ? dir.person_of(c, who.account_id) : std::nullopt;
  auto home = mine && dir.home ? dir.home(c, *mine) : std::nullopt;
  return home ? community_path(home->path) : std::nullopt;
}

Result<Home> subject_in(const Directory& dir, store::Conn& c, const Principal& who, std::optional<int64_t> person_id) {
  std::optional<int64_t> mine = dir.person_of ? dir.person_of(c, who.account_id) : std::nullopt;
  if (!person_id) {
    if (!mine) return make_error(Errc::forbidden, "your account is linked to no person");
    person_id = mine;
  }
  auto home = dir.home ? dir.home(c, *person_id) : std::nullopt;
  if (!home || (mine != person_id && !staff_over(who, home->path)))
    return make_error(Errc::not_found, "no such person", "person_id");
  return *home;
}

}  // namespace detail

using namespace detail;

namespace {

constexpr const char* kLevelNames[] = {"楼栋管家", "备岗管家", "社区值班员", "街道值班人员"};

//! The event of an alarm's step: scoped to its building (the board, the staff over it), and
//! addressed to the elder's own account when they should know (someone is coming).
void emit(store::Conn& c, const std::string& type, const Alarm& a, std::optional<int64_t> elder_account) {
  std::string subject = "care_alarm:" + std::to_string(a.id), payload = alarm_event(a);
  c.emit({type, subject, a.path, std::nullopt, payload});
  if (elder_account) c.emit({type, subject, a.path, *elder_account, payload});
}

}  // namespace

Service::Service(store::Db& db, const Clock& clock, const crypto::Keyring& keys, Directory dir, notify::Service* outbox,
                 Options o)
    : db_(db), clock_(clock), keys_(keys), dir_(std::move(dir)), outbox_(outbox), opt_(o) {}

Service::~Service() { stop_escalator(); }

std::vector<int64_t> Service::targets_in(store::Conn& c, const Alarm& a, int64_t level, int64_t now) {
  std::vector<int64_t> out;
  if (level <= 1) {
    if (auto r = c.query_one("SELECT steward_id, backup_id FROM care_stewards WHERE building_id = $1", {a.building_id}))
      if (auto id = level == 0 ? std::optional(r->integer(0)) : r->opt_integer(1)) out.push_back(*id);
  } else {
    auto cpath = community_path(a.path), spath = street_path(a.path);
    if (!cpath || !spath) return out;
    // The community's duty officers; then everyone on duty anywhere in the street.
    auto rows = level == 2 ? c.query(
                                 "SELECT DISTINCT account_id FROM care_duty WHERE path = $1 AND starts_at <= $2 "
                                 "AND ends_at > $2 ORDER BY account_id",
                                 {*cpath, now})
                           : c.query(
                                 "SELECT DISTINCT account_id FROM care_duty WHERE (path = $1 OR path LIKE $3) "
                                 "AND starts_at <= $2 AND ends_at > $2 ORDER BY account_id",
                                 {*spath, now, *spath + "/%"});
    for (const auto& r : rows) out.push_back(r.integer(0));
  }
  // Only active accounts are alerted.
  std::erase_if(out, [&](int64_t id) {
    auto m = dir_.member ? dir_.member(c, id) : std::nullopt;
    return !m || !m->active;
  });
  return out;
}

void Service::alert_in(store::Conn& c, Alarm& a, int64_t now) {
  std::vector<int64_t> who = targets_in(c, a, a.level, now);
  while (who.empty() && a.level < kLevelTop) {
    step(c, a.id, now, "skipped", a.level, std::nullopt, std::string("无人可通知：") + kLevelNames[a.level]);
    ++a.level;
    who = targets_in(c, a, a.level, now);
  }
  a.due_at = now + (a.level == 0 ? opt_.ack_ms : opt_.step_ms);
  c.exec("UPDATE care_alarms SET level = $2, round = $3, due_at = $4 WHERE id = $1",
         {a.id, a.level, a.round, *a.due_at});
  std::optional<Home> home = dir_.home ? dir_.home(c, a.person_id) : std::nullopt;
  std::string subject = "care_alarm:" + std::to_string(a.id), payload = alarm_event(a);
  for (int64_t account : who) {
    step(c, a.id, now, "alerted", a.level, account, kLevelNames[a.level]);
    c.emit({"care.alarm_alert", subject, a.path, account, payload});
    if (outbox_) {
      notify::Message m;
      m.dedupe_key = subject + ":level:" + std::to_string(a.level) + ":round:" + std::to_string(a.round) +
                     ":account:" + std::to_string(account);
      m.account_id = account;
      m.kind = "care.alarm_alert";
      m.subject = subject;
      m.title = std::string(a.drill ? "【演练】" : "") + "一键呼叫：" + (home ? home->name : "老人") + "需要帮助";
      m.body = (home ? home->address + "，" + std::to_string(home->floor) + "层。" : std::string()) + "请在" +
               std::to_string(*a.due_at > now ? (*a.due_at - now) / 1000 : 0) + "秒内确认。";
      m.payload = payload;
      m.urgent = !a.drill;
      outbox_->enqueue(c, m, now);
    }
  }
  if (who.empty())
    step(c, a.id, now, "skipped", a.level, std::nullopt, std::string("无人可通知：") + kLevelNames[a.level]);
}

Result<Alarm> Service::raise_in(store::Conn& c, int64_t person_id, bool drill, const std::string& source,
                                std::optional<int64_t> device_id, std::optional<int64_t> by, int64_t now) {
  auto home = dir_.home ? dir_.home(c, person_id) : std::nullopt;
  if (!home) return make_error(Errc::not_found, "no such person", "person_id");
  auto community = segment_id(home->path, 2);
  if (!community) return make_error(Errc::invalid_input, "the person's home is in no community", "person_id");
  std::optional<int64_t> elder_account = dir_.account_of ? dir_.account_of(c, person_id) : std::nullopt;
  // A press while an alarm is open joins it.
  if (auto r = c.query_one(std::string("UPDATE care_alarms SET presses = presses + 1 WHERE person_id = $1 AND "
                                       "drill = $2 AND status <> 'closed' RETURNING ") +
                               kAlarmColumns,
                           {person_id, int64_t{drill}})) {
    Alarm a = alarm_of(*r);
    a.joined = true;
    step(c, a.id, now, "pressed", a.level, by, source);
    emit(c, "care.alarm_pressed", a, std::nullopt);
    return a;
  }
  auto id = c.query_unique(
      "INSERT INTO care_alarms (person_id, household_id, building_id, community_id, path, source, device_id, drill, "
      "status, level, round, due_at, presses, note, created_by, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', 0, 0, $9, 1, '', $10, $9) RETURNING id",
      {person_id, home->household_id, home->building_id, *community, home->path, source,
       device_id ? store::Value(*device_id) : store::null_value, int64_t{drill}, now,
       by ? store::Value(*by) : store::null_value});
  if (!id.ok()) return make_error(Errc::conflict, "an alarm was raised at the same moment: press again");
  Alarm a = *alarm_in(c, id->at(0).integer(0));
  step(c, a.id, now, "raised", 0, by, source);
  alert_in(c, a, now);
  emit(c, "care.alarm_raised", a, elder_account);
  return a;
}

Result<Alarm> Service::raise(const Principal& who, bool drill, std::optional<int64_t> person_id) {
  Result<Alarm> out = make_error(Errc::internal, "not raised");
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    std::string source = "button";
    int64_t person = 0;
    if (person_id && person_id != mine) {
      // Staff start a drill for an elder they look after; nobody raises a real alarm for another.
      auto home = dir_.home ? dir_.home(c, *person_id) : std::nullopt;
      if (!home || !staff_over(who, home->path)) return make_error(Errc::not_found, "no such person", "person_id");
      if (!drill) return make_error(Errc::forbidden, "staff start drills for elders; the elder raises the alarm");
      person = *person_id;
      source = "staff";
    } else {
      if (!mine) return make_error(Errc::forbidden, "your account is linked to no person");
      person = *mine;
    }
    out = raise_in(c, person, drill, source, std::nullopt, who.account_id, now);
    return out.ok() ? ok_status() : Status(out.error());
  });
  if (!st.ok()) return st.error();
  if (outbox_) outbox_->wake();
  wake_escalator();
  return out;
}

Result<Alarm> Service::raise_by_device(const std::string& token, bool drill) {
  if (token.empty() || token.size() > 128) return make_error(Errc::unauthenticated, "a device token is required");
  Result<Alarm> out = make_error(Errc::internal, "not raised");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto d = c.query_one("SELECT id, person_id, revoked_at FROM care_devices WHERE token_hash = $1",
                         {crypto::token_hash(token)});
    if (!d) return make_error(Errc::unauthenticated, "unknown device token");
    if (!d->is_null(2)) return make_error(Errc::forbidden, "the device was revoked");
    out = raise_in(c, d->integer(1), drill, "device", d->integer(0), std::nullopt, clock_.now_ms());
    return out.ok() ? ok_status() : Status(out.error());
  });
  if (!st.ok()) return st.error();
  if (outbox_) outbox_->wake();
  wake_escalator();
  return out;
}

bool Service::responder_in(store::Conn& c, const Alarm& a, const Principal& who) {
  if (staff_over(who, a.path)) return true;
  return c
      .query_one("SELECT 1 FROM care_alarm_steps WHERE alarm_id = $1 AND kind = 'alerted' AND account_id = $2",
                 {a.id, who.account_id})
      .has_value();
}

Result<Alarm> Service::change(int64_t id, const Principal& who,
                              const std::function<Status(store::Conn&, Alarm&, int64_t now)>& fn) {
  Result<Alarm> out = make_error(Errc::internal, "not changed");
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    auto a = alarm_in(c, id);
    std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    if (!a) return make_error(Errc::not_found, "no such alarm");
    if (!responder_in(c, *a, who)) {
      if (mine == a->person_id) return make_error(Errc::forbidden, "a responder acts on the alarm, not its elder");
      return make_error(Errc::not_found, "no such alarm");
    }
    if (auto s = fn(c, *a, now); !s.ok()) return s;
    out = *alarm_in(c, id);
    if (out->status == a->status) return ok_status();  // a retry of one's own step: nothing new to tell
    std::optional<int64_t> elder = dir_.account_of ? dir_.account_of(c, a->person_id) : std::nullopt;
    emit(c, "care.alarm_" + out->status, *out, elder);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Alarm> Service::acknowledge(int64_t id, const Principal& who) {
  return change(id, who, [&](store::Conn& c, Alarm& a, int64_t now) -> Status {
    // Exactly one owner: the first acknowledgement stops the deadline.
    auto r = c.query(
        "UPDATE care_alarms SET status = 'acknowledged', due_at = NULL, acknowledged_by = $2, acknowledged_at = $3 "
        "WHERE id = $1 AND status = 'open' RETURNING id",
        {a.id, who.account_id, now});
    if (r.empty()) {
      if (a.status == "closed") return make_error(Errc::conflict, "the alarm was closed already");
      if (a.acknowledged_by == who.account_id) return ok_status();  // a retry of one's own
      return make_error(Errc::conflict, "the alarm was acknowledged already");
    }
    step(c, a.id, now, "acknowledged", a.level, who.account_id, "");
    return ok_status();
  });
}

Result<Alarm> Service::arrive(int64_t id, const Principal& who) {
  return change(id, who, [&](store::Conn& c, Alarm& a, int64_t now) -> Status {
    if (a.status == "open") return make_error(Errc::conflict, "acknowledge the alarm first");
    auto r = c.query(
        "UPDATE care_alarms SET status = 'arrived', arrived_at = $2 WHERE id = $1 AND status = 'acknowledged' "
        "RETURNING id",
        {a.id, now});
    if (r.empty()) return make_error(Errc::conflict, "the alarm is " + a.status + " already");
    step(c, a.id, now, "arrived", a.level, who.account_id, "");
    return ok_status();
  });
}

Result<Alarm> Service::close(int64_t id, const std::string& outcome, const std::string& note, const Principal& who) {
  static constexpr std::string_view kOutcomes[] = {"resolved", "false_alarm", "hospital", "other"};
  if (std::find(std::begin(kOutcomes), std::end(kOutcomes), outcome) == std::end(kOutcomes))
    return make_error(Errc::invalid_input, "outcome must be resolved, false_alarm, hospital or other", "outcome");
  if (note.size() > 2000 || !text::valid_utf8(note) || note.find('\0') != std::string::npos)
    return make_error(Errc::invalid_input, "note must be at most 2000 bytes of text", "note");
  return change(id, who, [&](store::Conn& c, Alarm& a, int64_t now) -> Status {
    if (a.status == "closed") return make_error(Errc::conflict, "the alarm was closed already");
    // Closing an alarm nobody acknowledged yet makes the closer its owner.
    auto r = c.query(
        "UPDATE care_alarms SET status = 'closed', due_at = NULL, outcome = $2, note = $3, closed_by = $4, "
        "closed_at = $5, acknowledged_by = COALESCE(acknowledged_by, $4), "
        "acknowledged_at = COALESCE(acknowledged_at, $5) WHERE id = $1 AND status <> 'closed' RETURNING id",
        {a.id, outcome, note, who.account_id, now});
    if (r.empty()) return make_error(Errc::conflict, "the alarm was closed already");
    if (a.status == "open") step(c, a.id, now, "acknowledged", a.level, who.account_id, "");
    step(c, a.id, now, "closed", a.level, who.account_id, outcome + (note.empty() ? "" : "：" + note));
    return ok_status();
  });
}

int64_t Service::escalate_due(int64_t now) {
  std::vector<std::pair<int64_t, int64_t>> due;  // id, due_at
  db_.read([&](store::Conn& c) {
    for (const auto& r : c.query("SELECT id, due_at FROM care_alarms WHERE due_at IS NOT NULL AND due_at <= $1 "
                                 "ORDER BY due_at LIMIT 500",
                                 {now}))
      due.emplace_back(r.integer(0), r.integer(1));
  });
  int64_t moved = 0;
  for (auto [id, due_at] : due) {
    bool fired = false;
    (void)db_.write([&](store::Conn& c) -> Status {
      int64_t at = clock_.now_ms();
      // Exactly once: only the run that still finds this deadline moves the alarm.
      auto r = c.query_one(std::string("UPDATE care_alarms SET level = CASE WHEN level < 3 THEN level + 1 ELSE 3 END, "
                                       "round = CASE WHEN level < 3 THEN 0 ELSE round + 1 END "
                                       "WHERE id = $1 AND due_at = $2 AND status = 'open' RETURNING ") +
                               kAlarmColumns,
                           {id, due_at});
      if (!r) return ok_status();
      Alarm a = alarm_of(*r);
      step(c, a.id, at, "escalated", a.level, std::nullopt,
           "late_ms=" + std::to_string(at - due_at) + (a.round ? " round=" + std::to_string(a.round) : ""));
      alert_in(c, a, at);
      emit(c, "care.alarm_escalated", a, std::nullopt);
      fired = true;
      return ok_status();
    });
    moved += fired;
  }
  if (moved && outbox_) outbox_->wake();
  return moved;
}

void Service::start_escalator() {
  std::lock_guard lk(mu_);
  if (escalator_.joinable()) return;
  stop_ = false;
  escalator_ = std::thread([this] {
    std::unique_lock lk(mu_);
    while (!stop_) {
      lk.unlock();
      int64_t wait_ms = 1'000;  // other instances raise alarms too: look at least once a second
      try {
        int64_t now = clock_.now_ms();
        escalate_due(now);
        std::optional<int64_t> next;
        db_.read([&](store::Conn& c) {
          if (auto r = c.query_one("SELECT MIN(due_at) FROM care_alarms WHERE due_at IS NOT NULL"))
            next = r->opt_integer(0);
        });
        if (next) wait_ms = std::clamp<int64_t>(*next - clock_.now_ms(), 0, 1'000);
      } catch (const std::exception&) {
        // the database is away: the deadlines are data, the next round fires them
      }
      lk.lock();
      if (stop_) break;
      if (wait_ms > 0) cv_.wait_for(lk, std::chrono::milliseconds(wait_ms), [this] { return stop_ || woken_; });
      woken_ = false;
    }
  });
  // Overdue visits on a thread of their own: reading every elder never delays an alarm.
  planner_ = std::thread([this] {
    std::unique_lock lk(mu_);
    while (!stop_) {
      lk.unlock();
      try {
        notify_overdue(clock_.now_ms());
      } catch (const std::exception&) {
        // the database is away: the next round tells them
      }
      lk.lock();
      cv_.wait_for(lk, std::chrono::seconds(60), [this] { return stop_; });
    }
  });
}

void Service::stop_escalator() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (escalator_.joinable()) escalator_.join();
  if (planner_.joinable()) planner_.join();
}

void Service::wake_escalator() {
  {
    std::lock_guard lk(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

Result<AlarmView> Service::alarm(int64_t id, bool reveal, const Principal& who, const std::string& ip) {
  Result<AlarmView> out = make_error(Errc::internal, "not read");
  auto read = [&](store::Conn& c) -> Status {
    auto a = alarm_in(c, id);
    if (!a) return make_error(Errc::not_found, "no such alarm");
    std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    bool responder = responder_in(c, *a, who), own = mine == a->person_id;
    if (!responder && !own) return make_error(Errc::not_found, "no such alarm");
    if (reveal && !responder) return make_error(Errc::forbidden, "only responders see the elder's personal data");
    AlarmView v;
    v.alarm = *a;
    if (auto h = dir_.home ? dir_.home(c, a->person_id) : std::nullopt) {
      v.name = h->name;
      v.address = h->address;
      v.floor = h->floor;
      v.phone = h->phone_masked;
      if (reveal && h->phone_sealed)
        if (auto p = keys_.open(*h->phone_sealed); p.ok()) v.phone = *p;
    }
    if (auto r = c.query_one(
            "SELECT health_sealed, contacts_sealed, visit_every_days, updated_at FROM care_elders WHERE person_id = $1",
            {a->person_id})) {
      Profile p;
      p.person_id = a->person_id;
      p.visit_every_days = r->integer(2);
      p.updated_at = r->integer(3);
      p.revealed = reveal;
      if (reveal)
        if (auto h = keys_.open(r->text(0)); h.ok()) p.health_notes = *h;
      if (auto contacts = keys_.open(r->text(1)); contacts.ok()) p.contacts = contacts_of(*contacts, reveal);
      v.profile = std::move(p);
    }
    for (const auto& r : c.query("SELECT s.id, s.at, s.kind, s.level, s.account_id, s.note FROM care_alarm_steps s "
                                 "WHERE s.alarm_id = $1 ORDER BY s.id",
                                 {id})) {
      Step s{r.integer(0), r.integer(1), r.text(2), r.integer(3), r.opt_integer(4), "", r.text(5)};
      if (s.account_id && dir_.member)
        if (auto m = dir_.member(c, *s.account_id)) s.account_name = m->display_name;
      v.timeline.push_back(std::move(s));
    }
    if (reveal)
      audit::record(c,
                    {"care.alarm_revealed", "person:" + std::to_string(a->person_id), who.account_id, ip,
                     "responding to alarm " + std::to_string(id), "{\"alarm_id\":" + std::to_string(id) + "}"},
                    clock_.now_ms());
    out = std::move(v);
    return ok_status();
  };
  if (Status st = read_or_reveal(db_, reveal, read); !st.ok()) return st.error();
  return out;
}

Result<std::vector<Alarm>> Service::alarms(std::optional<int64_t> node, const std::string& state,
                                           std::optional<bool> drill, int64_t before, int64_t limit,
                                           const Principal& who) {
  if (!state.empty() && state != "active" && state != "closed")
    return make_error(Errc::invalid_input, "state must be active or closed", "state");
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  std::vector<Alarm> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    std::string where;
    std::vector<store::Value> args = {before > 0 ? before : INT64_MAX,
                                      state.empty() ? store::null_value : store::Value(state),
                                      drill ? store::Value(int64_t{*drill}) : store::null_value, limit};
    if (node) {
      // Staff over a street, a community or a building: its alarms.
      auto path = place_path(dir_, c, *node);
      if (!path || !staff_over(who, *path)) {
        st = make_error(Errc::not_found, "no such place", "node_id");
        return;
      }
      where = "(path = $5 OR path LIKE $6)";
      args.push_back(*path);
      args.push_back(*path + "/%");
    } else {
      // One's own: as the elder, or as someone alerted.
      std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
      where =
          "(person_id = $5 OR id IN (SELECT alarm_id FROM care_alarm_steps WHERE kind = 'alerted' AND "
          "account_id = $6))";
      args.push_back(mine.value_or(0));
      args.push_back(who.account_id);
    }
    for (const auto& r : c.query(std::string("SELECT ") + kAlarmColumns + " FROM care_alarms WHERE " + where +
                                     " AND id < $1 AND (CAST($2 AS TEXT) IS NULL OR (CASE WHEN status = 'closed' "
                                     "THEN 'closed' ELSE 'active' END) = $2) AND (CAST($3 AS BIGINT) IS NULL OR "
                                     "drill = $3) ORDER BY id DESC LIMIT $4",
                                 args))
      out.push_back(alarm_of(r));
  });
  if (!st.ok()) return st.error();
  return out;
}

}  // namespace mashang::care
