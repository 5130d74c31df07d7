// Doctor consultations 问诊 (the topic and the doctor's notes sealed as personal data, every
// doctor over the elder told at once, the 24-hour online line included) and home services
// 居家服务 (a repair or utility check filed as a work order in the order pool).
#include <algorithm>
#include <cstdio>
#include <set>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/care/internal.hpp"
#include "modules/notify/notify.hpp"

namespace mashang::care {

using namespace detail;

namespace {

constexpr int64_t kSlackMs = 5 * kMinuteMs;  //!< how far in the past a time may be (clocks differ)
constexpr int64_t kOpenMax = 5;              //!< open consultations per elder

constexpr const char* kConsultColumns =
    "id, person_id, path, mode, status, requested_by, preferred_at, doctor_id, scheduled_at, cancel_reason, "
    "created_at, updated_at, closed_at, topic_sealed, notes_sealed";

struct ConsultRow {
  Consultation v;
  std::string topic_sealed;
  std::optional<std::string> notes_sealed;
};

ConsultRow consult_of(const store::Row& r) {
  ConsultRow out;
  auto& v = out.v;
  v.id = r.integer(0);
  v.person_id = r.integer(1);
  v.path = r.text(2);
  v.mode = r.text(3);
  v.status = r.text(4);
  v.requested_by = r.integer(5);
  v.preferred_at = r.opt_integer(6);
  v.doctor_id = r.opt_integer(7);
  v.scheduled_at = r.opt_integer(8);
  v.cancel_reason = r.text(9);
  v.created_at = r.integer(10);
  v.updated_at = r.integer(11);
  v.closed_at = r.opt_integer(12);
  out.topic_sealed = r.text(13);
  out.notes_sealed = r.opt_text(14);
  return out;
}

std::optional<ConsultRow> consult_in(store::Conn& c, int64_t id) {
  auto r = c.query_one(std::string("SELECT ") + kConsultColumns + " FROM care_consultations WHERE id = $1", {id});
  if (!r) return std::nullopt;
  return consult_of(*r);
}

//! The names of the elder, whoever asked and the doctor.
void named(const Directory& dir, store::Conn& c, Consultation& v) {
  if (auto h = dir.home ? dir.home(c, v.person_id) : std::nullopt) v.person_name = h->name;
  if (auto m = dir.member ? dir.member(c, v.requested_by) : std::nullopt) v.requested_by_name = m->display_name;
  if (v.doctor_id)
    if (auto m = dir.member ? dir.member(c, *v.doctor_id) : std::nullopt) v.doctor_name = m->display_name;
}

bool text_ok(const std::string& s, size_t max_bytes) {
  return !s.empty() && s.size() <= max_bytes && text::valid_utf8(s) && s.find('\0') == std::string::npos;
}

const char* mode_words(const std::string& mode) {
  return mode == "online" ? "在线问诊（24小时）" : mode == "clinic" ? "到站就诊" : "上门问诊";
}

//! "MM-DD HH:MM" on the UTC+8 clock.
std::string when_text(int64_t t) {
  return date_of(local_day_start(t)).substr(5) + " " + clock_text(((t + kShiftMs) % kDayMs) / kMinuteMs);
}

}  // namespace

// -- consultations --------------------------------------------------------------------------------

Result<Consultation> Service::consult(const NewConsultation& in, const Principal& who) {
  if (in.mode != "online" && in.mode != "clinic" && in.mode != "home")
    return make_error(Errc::invalid_input, "mode must be online, clinic or home", "mode");
  if (!text_ok(in.topic, 1000))
    return make_error(Errc::invalid_input, "topic must be 1 to 1000 bytes of text", "topic");
  int64_t now = clock_.now_ms();
  if (in.preferred_at && *in.preferred_at < now - kSlackMs)
    return make_error(Errc::invalid_input, "preferred_at has passed", "preferred_at");
  Result<Consultation> out = make_error(Errc::internal, "not asked");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto home = subject_in(dir_, c, who, in.person_id);
    if (!home.ok()) return home.error();
    auto open = c.query_one(
        "SELECT COUNT(*) FROM care_consultations WHERE person_id = $1 AND status IN ('requested', 'scheduled')",
        {home->person_id});
    if (open->integer(0) >= kOpenMax)
      return make_error(Errc::conflict, "5 consultations are open already: wait for one or cancel one");
    auto id = c.query_one(
                   "INSERT INTO care_consultations (person_id, path, mode, topic_sealed, status, requested_by, "
                   "preferred_at, cancel_reason, created_at, updated_at) VALUES ($1, $2, $3, $4, 'requested', $5, $6, "
                   "'', $7, $7) RETURNING id",
                   {home->person_id, home->path, in.mode, keys_.seal(in.topic), who.account_id,
                    in.preferred_at ? store::Value(*in.preferred_at) : store::null_value, now})
                  ->integer(0);
    std::string subject = "care_consultation:" + std::to_string(id);
    std::string payload = "{\"consultation_id\":" + std::to_string(id) + ",\"mode\":\"" + in.mode + "\"}";
    // Every doctor over the elder, at any hour: the message names the elder, never the topic.
    for (int64_t doctor : dir_.holders ? dir_.holders(c, "doctor", home->path) : std::vector<int64_t>{}) {
      c.emit({"care.consultation_request", subject, home->path, doctor, payload});
      if (!outbox_) continue;
      notify::Message m;
      m.dedupe_key = subject + ":requested:" + std::to_string(doctor);
      m.account_id = doctor;
      m.kind = "care.consultation_requested";
      m.subject = subject;
      m.title = std::string("问诊请求：") + home->name;
      m.body = std::string(mode_words(in.mode)) + "，" + home->address + "。请尽快安排。";
      m.payload = payload;
      m.urgent = in.mode == "online";
      outbox_->enqueue(c, m, now);
    }
    c.emit({"care.consultation_changed", subject, home->path, std::nullopt,
            "{\"consultation_id\":" + std::to_string(id) + ",\"status\":\"requested\"}"});
    Consultation v = consult_in(c, id)->v;
    named(dir_, c, v);
    out = std::move(v);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  if (outbox_) outbox_->wake();
  return out;
}

Result<Consultation> Service::consultation_step(int64_t id, const Principal& who, bool doctor_only,
                                                const std::function<Status(store::Conn&, Consultation&)>& fn) {
  int64_t now = clock_.now_ms();
  Consultation out;
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto row = consult_in(c, id);
    if (!row) return make_error(Errc::not_found, "no such consultation");
    auto& v = row->v;
    std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    bool doctor = who.has_role("doctor", v.path);
    bool involved = mine == v.person_id || v.requested_by == who.account_id;
    if (!doctor && !involved && !staff_over(who, v.path)) return make_error(Errc::not_found, "no such consultation");
    if (doctor_only ? !doctor : !doctor && !involved)
      return make_error(Errc::forbidden, doctor_only ? "only a doctor over the elder does this"
                                                     : "the elder, whoever asked, or a doctor cancels");
    if (v.status == "done" || v.status == "cancelled")
      return make_error(Errc::conflict, "the consultation is " + v.status + " already");
    std::string before = v.status;
    if (auto s = fn(c, v); !s.ok()) return s;
    if (c.query("UPDATE care_consultations SET status = $2, doctor_id = $3, scheduled_at = $4, cancel_reason = $5, "
                "updated_at = $6, closed_at = $7 WHERE id = $1 AND status = $8 RETURNING id",
                {id, v.status, v.doctor_id ? store::Value(*v.doctor_id) : store::null_value,
                 v.scheduled_at ? store::Value(*v.scheduled_at) : store::null_value, v.cancel_reason, now,
                 v.status == "done" || v.status == "cancelled" ? store::Value(now) : store::null_value, before})
            .empty())
      return make_error(Errc::conflict, "the consultation changed meanwhile");
    std::string subject = "care_consultation:" + std::to_string(id),
                payload = "{\"consultation_id\":" + std::to_string(id) + ",\"status\":\"" + v.status + "\"}";
    c.emit({"care.consultation_changed", subject, v.path, std::nullopt, payload});
    if (auto elder = dir_.account_of ? dir_.account_of(c, v.person_id) : std::nullopt)
      c.emit({"care.consultation_changed", subject, v.path, *elder, payload});
    out = consult_in(c, id)->v;  // as stored, masked
    named(dir_, c, out);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  if (outbox_) outbox_->wake();
  return out;
}

Result<Consultation> Service::schedule_consultation(int64_t id, int64_t at, const Principal& who) {
  int64_t now = clock_.now_ms();
  if (at < now - kSlackMs) return make_error(Errc::invalid_input, "scheduled_at has passed", "scheduled_at");
  return consultation_step(id, who, true, [&](store::Conn& c, Consultation& v) -> Status {
    v.status = "scheduled";
    v.doctor_id = who.account_id;
    v.scheduled_at = at;
    if (!outbox_) return ok_status();
    // The elder (and whoever asked for them) learn when.
    auto doctor = dir_.member ? dir_.member(c, who.account_id) : std::nullopt;
    std::set<int64_t> told{v.requested_by};
    if (auto elder = dir_.account_of ? dir_.account_of(c, v.person_id) : std::nullopt) told.insert(*elder);
    told.erase(who.account_id);
    for (int64_t account : told) {
      notify::Message m;
      m.dedupe_key = "care_consultation:" + std::to_string(id) + ":scheduled:" + std::to_string(at) + ":" +
                     std::to_string(account);
      m.account_id = account;
      m.kind = "care.consultation_scheduled";
      m.subject = "care_consultation:" + std::to_string(id);
      m.title = "医生已安排问诊";
      m.body = (doctor ? doctor->display_name : std::string("医生")) + "，" + when_text(at) + "，" +
               mode_words(v.mode) + "。";
      m.payload = "{\"consultation_id\":" + std::to_string(id) + ",\"scheduled_at\":" + std::to_string(at) + "}";
      outbox_->enqueue(c, m, now);
    }
    return ok_status();
  });
}

Result<Consultation> Service::complete_consultation(int64_t id, const std::string& notes, const Principal& who) {
  if (!text_ok(notes, 4000)) return make_error(Errc::invalid_input, "notes must be 1 to 4000 bytes of text", "notes");
  return consultation_step(id, who, true, [&](store::Conn& c, Consultation& v) -> Status {
    if (v.status == "scheduled" && v.doctor_id != who.account_id)
      return make_error(Errc::forbidden, "scheduled with another doctor");
    v.status = "done";
    v.doctor_id = who.account_id;
    c.exec("UPDATE care_consultations SET notes_sealed = $2 WHERE id = $1", {id, keys_.seal(notes)});
    return ok_status();
  });
}

Result<Consultation> Service::cancel_consultation(int64_t id, const std::string& reason, const Principal& who) {
  if (reason.size() > 800 || text::utf8_chars(reason) > 200 || (!reason.empty() && !text::plain_line(reason, 800)))
    return make_error(Errc::invalid_input, "reason must be one line of at most 200 characters", "reason");
  return consultation_step(id, who, false, [&](store::Conn&, Consultation& v) -> Status {
    v.status = "cancelled";
    v.cancel_reason = reason;
    return ok_status();
  });
}

Result<std::vector<Consultation>> Service::consultations(std::optional<int64_t> node_id, const std::string& state,
                                                         const Principal& who) {
  if (!state.empty() && state != "open" && state != "closed")
    return make_error(Errc::invalid_input, "state must be open or closed", "state");
  std::string states = state == "open"     ? "'requested', 'scheduled'"
                       : state == "closed" ? "'done', 'cancelled'"
                                           : "'requested', 'scheduled', 'done', 'cancelled'";
  std::vector<Consultation> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    std::vector<store::Row> rows;
    if (node_id) {
      auto path = place_path(dir_, c, *node_id);
      if (!path || !staff_over(who, *path)) {
        st = make_error(Errc::not_found, "no such place", "node_id");
        return;
      }
      rows = c.query(std::string("SELECT ") + kConsultColumns +
                         " FROM care_consultations WHERE (path = $1 OR path LIKE $2) AND status IN (" + states +
                         ") ORDER BY id DESC LIMIT 200",
                     {*path, (*path == "/" ? "" : *path) + "/%"});
    } else {
      std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
      rows = c.query(std::string("SELECT ") + kConsultColumns +
                         " FROM care_consultations WHERE (person_id = $1 OR requested_by = $2 OR doctor_id = $2) AND "
                         "status IN (" +
                         states + ") ORDER BY id DESC LIMIT 200",
                     {mine.value_or(-1), who.account_id});
      // A doctor's phone: everything at the places of their doctor role too.
      for (const auto& g : who.grants) {
        if (g.role != "doctor") continue;
        for (auto& r : c.query(std::string("SELECT ") + kConsultColumns +
                                   " FROM care_consultations WHERE (path = $1 OR path LIKE $2) AND status IN (" +
                                   states + ") ORDER BY id DESC LIMIT 200",
                               {g.scope, (g.scope == "/" ? "" : g.scope) + "/%"}))
          if (std::none_of(rows.begin(), rows.end(), [&](const store::Row& x) { return x.integer(0) == r.integer(0); }))
            rows.push_back(std::move(r));
      }
      std::sort(rows.begin(), rows.end(),
                [](const store::Row& a, const store::Row& b) { return a.integer(0) > b.integer(0); });
      if (rows.size() > 200) rows.erase(rows.begin() + 200, rows.end());
    }
    for (const auto& r : rows) {
      Consultation v = consult_of(r).v;
      named(dir_, c, v);
      out.push_back(std::move(v));
    }
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Consultation> Service::consultation(int64_t id, bool reveal, const Principal& who, const std::string& ip) {
  Result<Consultation> out = make_error(Errc::not_found, "no such consultation");
  auto read = [&](store::Conn& c) -> Status {
    auto row = consult_in(c, id);
    if (!row) return make_error(Errc::not_found, "no such consultation");
    auto& v = row->v;
    std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    bool own = mine == v.person_id, doctor = who.has_role("doctor", v.path);
    if (!own && !doctor && v.requested_by != who.account_id && !staff_over(who, v.path))
      return make_error(Errc::not_found, "no such consultation");
    if (reveal) {
      if (!own && !doctor) return make_error(Errc::forbidden, "the topic and notes are for the elder and doctors");
      if (auto t = keys_.open(row->topic_sealed); t.ok()) v.topic = *t;
      if (row->notes_sealed)
        if (auto n = keys_.open(*row->notes_sealed); n.ok()) v.notes = *n;
      v.revealed = true;
      if (!own)
        audit::record(c,
                      {"care.consultation_revealed", "person:" + std::to_string(v.person_id), who.account_id, ip,
                       "consultation " + std::to_string(id), "{\"consultation_id\":" + std::to_string(id) + "}"},
                      clock_.now_ms());
    }
    named(dir_, c, v);
    out = std::move(v);
    return ok_status();
  };
  if (Status st = read_or_reveal(db_, reveal, read); !st.ok()) return st.error();
  return out;
}

// -- home services --------------------------------------------------------------------------------

Result<HomeService> Service::request_home_service(const NewHomeService& in, const Principal& who) {
  if (in.kind != "repair" && in.kind != "utility_check")
    return make_error(Errc::invalid_input, "kind must be repair or utility_check", "kind");
  if (in.description.empty() || !text::valid_utf8(in.description) || text::utf8_chars(in.description) > 1000 ||
      in.description.find('\0') != std::string::npos)
    return make_error(Errc::invalid_input, "description must be 1 to 1000 characters", "description");
  if (!dir_.file_report) return make_error(Errc::unavailable, "work orders are not wired");
  Result<Home> home = make_error(Errc::internal, "no home");
  db_.read([&](store::Conn& c) { home = subject_in(dir_, c, who, in.person_id); });
  if (!home.ok()) return home.error();
  // The orders module files the report and makes its order in the pool (its own transaction).
  auto filed = dir_.file_report(in.kind == "repair" ? "care.home_repair" : "care.utility_check", in.description,
                                home->path, who);
  if (!filed.ok()) return filed.error();
  HomeService out;
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    out.id = c.query_one(
                  "INSERT INTO care_home_services (person_id, path, kind, description, report_id, report_token, "
                  "order_id, requested_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                  {home->person_id, home->path, in.kind, in.description, filed->report_id, filed->token,
                   filed->order_id ? store::Value(*filed->order_id) : store::null_value, who.account_id, now})
                 ->integer(0);
    out.created_at = now;
    return ok_status();
  });
  if (!st.ok()) return st.error();
  out.person_id = home->person_id;
  out.person_name = home->name;
  out.kind = in.kind;
  out.description = in.description;
  out.report_id = filed->report_id;
  out.order_id = filed->order_id;
  out.order_status = filed->order_status;
  out.order_due_at = filed->order_due_at;
  out.address = home->address;
  out.floor = home->floor;
  out.requested_by = who.account_id;
  return out;
}

Result<std::vector<HomeService>> Service::home_services(std::optional<int64_t> person_id,
                                                        std::optional<int64_t> order_id, const Principal& who) {
  std::vector<HomeService> out;
  std::vector<std::string> tokens;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    std::vector<store::Row> rows;
    const std::string cols =
        "SELECT id, person_id, path, kind, description, report_id, report_token, order_id, requested_by, created_at "
        "FROM care_home_services ";
    std::optional<int64_t> mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    if (person_id) {
      auto home = dir_.home ? dir_.home(c, *person_id) : std::nullopt;
      if (!home || (mine != person_id && !staff_over(who, home->path))) {
        st = make_error(Errc::not_found, "no such person", "person_id");
        return;
      }
      rows = c.query(cols + "WHERE person_id = $1 ORDER BY id DESC LIMIT 200", {*person_id});
    } else if (order_id) {
      rows = c.query(cols + "WHERE order_id = $1 ORDER BY id DESC LIMIT 200", {*order_id});
      std::erase_if(rows, [&](const store::Row& r) { return !staff_over(who, r.text(2)); });
    } else {
      rows = c.query(cols + "WHERE person_id = $1 OR requested_by = $2 ORDER BY id DESC LIMIT 200",
                     {mine.value_or(-1), who.account_id});
    }
    for (const auto& r : rows) {
      HomeService h;
      h.id = r.integer(0);
      h.person_id = r.integer(1);
      h.kind = r.text(3);
      h.description = r.text(4);
      h.report_id = r.integer(5);
      h.order_id = r.opt_integer(7);
      h.requested_by = r.integer(8);
      h.created_at = r.integer(9);
      if (auto home = dir_.home ? dir_.home(c, h.person_id) : std::nullopt) {
        h.person_name = home->name;
        h.address = home->address;
        h.floor = home->floor;
      }
      tokens.push_back(r.text(6));
      out.push_back(std::move(h));
    }
  });
  if (!st.ok()) return st.error();
  // The order as it stands now (the orders module reads it; outside care's read).
  for (size_t i = 0; i < out.size() && dir_.report_state; ++i)
    if (auto s = dir_.report_state(tokens[i])) {
      out[i].order_id = s->order_id ? s->order_id : out[i].order_id;
      out[i].order_status = s->order_status;
      out[i].order_due_at = s->order_due_at;
    }
  return out;
}

}  // namespace mashang::care
