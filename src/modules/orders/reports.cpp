// 随手拍: a resident's report — photos, a place, a category and its extra questions — becomes a
// work order at once, waits for triage by the staff over its place, or joins an order for the
// same problem. Reporters follow their order's timeline; anonymous reporters leave a phone,
// sealed like all personal data.
#include <algorithm>
#include <cmath>
#include <map>

#include "core/personal.hpp"
#include "core/text.hpp"
#include "modules/orders/internal.hpp"

namespace mashang::orders {
using namespace detail;

namespace {

constexpr const char* kReportColumns =
    "SELECT r.id, r.category_id, c.code, r.description, r.lat, r.lon, r.path, r.status, r.order_id, r.reporter, "
    "o.status, r.phone_masked, r.answers, r.reject_reason, r.created_at, r.updated_at, o.updated_at, o.due_at, "
    "r.token, r.source FROM reports r "
    "JOIN categories c ON c.id = r.category_id LEFT JOIN orders o ON o.id = r.order_id ";

// Answers are stored as lines "code<TAB>s|l<TAB>value", with \, tab and newline escaped.
std::string escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '\\')
      out += "\\\\";
    else if (ch == '\t')
      out += "\\t";
    else if (ch == '\n')
      out += "\\n";
    else
      out += ch;
  }
  return out;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char n = s[++i];
    out += n == 't' ? '\t' : n == 'n' ? '\n' : n;
  }
  return out;
}

std::string encode_answers(const std::vector<Answer>& answers) {
  std::string out;
  for (const auto& a : answers)
    for (const auto& v : a.values) out += escape(a.code) + "\t" + (a.list ? "l" : "s") + "\t" + escape(v) + "\n";
  return out;
}

std::vector<Answer> decode_answers(const std::string& text) {
  std::vector<Answer> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string::npos) j = text.size();
    std::string_view line(text.data() + i, j - i);
    size_t t1 = line.find('\t'), t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 != std::string_view::npos) {
      std::string code = unescape(line.substr(0, t1));
      bool list = line.substr(t1 + 1, t2 - t1 - 1) == "l";
      if (out.empty() || out.back().code != code) out.push_back({code, {}, list});
      out.back().values.push_back(unescape(line.substr(t2 + 1)));
    }
    i = j + 1;
  }
  return out;
}

bool is_datetime(const std::string& v) {  // 2026-11-29T10:00, with optional :ss, fraction and zone
  auto digits = [&](size_t at, size_t n) {
    return v.size() >= at + n &&
           std::all_of(v.begin() + at, v.begin() + at + n, [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(0, 4) && v[4] == '-' && digits(5, 2) && v[7] == '-' && digits(8, 2) && v.size() >= 16 &&
         (v[10] == 'T' || v[10] == ' ') && digits(11, 2) && v[13] == ':' && digits(14, 2) && v.size() <= 35;
}

//! The answers checked against the category's questions: known codes, required ones given,
//! list values among the question's, numbers and datetimes that parse.
Status check_answers(const Category& cat, const std::vector<Answer>& answers) {
  std::map<std::string, const Answer*> given;
  for (const auto& a : answers) {
    std::string field = "answers." + a.code;
    auto q =
        std::find_if(cat.questions.begin(), cat.questions.end(), [&](const Question& x) { return x.code == a.code; });
    if (q == cat.questions.end()) return make_error(Errc::invalid_input, "no such question: " + a.code, field);
    if (!given.emplace(a.code, &a).second) return make_error(Errc::invalid_input, "answered twice", field);
    bool list_type = q->datatype == "multivaluelist";
    if (a.list != list_type)
      return make_error(Errc::invalid_input, list_type ? "answer with a list of values" : "answer with one value",
                        field);
    for (const auto& v : a.values) {
      size_t max = q->datatype == "text" ? kDescriptionMax : 500;
      if (!text::valid_utf8(v) || text::utf8_chars(v) > max)
        return make_error(Errc::invalid_input, "an answer is at most " + std::to_string(max) + " characters", field);
      if (q->datatype.ends_with("valuelist") &&
          std::none_of(q->values.begin(), q->values.end(), [&](const auto& kv) { return kv.first == v; }))
        return make_error(Errc::invalid_input, "not one of the question's values: " + v, field);
      if (q->datatype == "number") {
        char* end = nullptr;
        double d = std::strtod(v.c_str(), &end);
        if (v.empty() || *end || !std::isfinite(d)) return make_error(Errc::invalid_input, "not a number", field);
      }
      if (q->datatype == "datetime" && !is_datetime(v))
        return make_error(Errc::invalid_input, "not a date and time (2026-11-29T10:00+08:00)", field);
    }
  }
  for (const auto& q : cat.questions) {
    auto it = given.find(q.code);
    bool empty = it == given.end() || it->second->values.empty() ||
                 std::all_of(it->second->values.begin(), it->second->values.end(), [](auto& v) { return v.empty(); });
    if (q.required && empty)
      return make_error(Errc::invalid_input, "this question must be answered: " + q.label_en, "answers." + q.code);
  }
  return ok_status();
}

Status check_description(const std::string& d) {
  size_t chars = text::utf8_chars(d);
  if (chars == 0 || chars > kDescriptionMax || !text::valid_utf8(d))
    return make_error(Errc::invalid_input, "description must be 1 to 4000 characters of text", "description");
  return ok_status();
}

Report report_of(const store::Row& r) {
  Report x;
  x.id = r.integer(0);
  x.category_id = r.integer(1);
  x.category_code = r.text(2);
  x.description = r.text(3);
  x.lat = opt_real(r, 4);
  x.lon = opt_real(r, 5);
  x.path = r.text(6);
  x.status = r.text(7);
  x.order_id = r.opt_integer(8);
  x.reporter = r.opt_integer(9);
  if (!r.is_null(10)) x.order_status = r.text(10);
  if (!r.is_null(11)) x.phone_masked = r.text(11);
  x.answers = decode_answers(r.text(12));
  x.reject_reason = r.text(13);
  x.created_at = r.integer(14);
  x.updated_at = r.integer(15);
  x.order_updated_at = r.opt_integer(16);
  x.order_due_at = r.opt_integer(17);
  x.token = r.text(18);
  x.source = r.text(19);
  return x;
}

std::optional<Report> report_in(store::Conn& c, int64_t id, bool with_photos = true) {
  static const std::string sql = std::string(kReportColumns) + "WHERE r.id = $1";
  auto r = c.query_one(sql, {id});
  if (!r) return std::nullopt;
  Report x = report_of(*r);
  if (with_photos) x.photos = photos_where(c, "report_id", id);
  return x;
}

bool can_view_report(const Principal& who, const Report& r) {
  return (who.account_id && r.reporter == who.account_id) || may_dispatch(who, r.path);
}

Error no_such_report() { return make_error(Errc::not_found, "no such report"); }

void emit_report(store::Conn& c, const Report& r, const std::string& what) {
  std::string payload = "{\"report_id\":" + std::to_string(r.id) + ",\"status\":\"" + r.status +
                        "\",\"order_id\":" + (r.order_id ? std::to_string(*r.order_id) : "null") + ",\"category\":";
  text::append_json_string(payload, r.category_code);
  payload += "}";
  std::string subject = "report:" + std::to_string(r.id);
  c.emit({"report." + what, subject, r.path, std::nullopt, payload});
  if (r.reporter) c.emit({"report." + what, subject, r.path, *r.reporter, payload});
}

//! Links a report (and its photos) to an order.
void link(store::Conn& c, int64_t report_id, int64_t order_id, int64_t now) {
  c.exec("UPDATE reports SET status = 'ordered', order_id = $2, updated_at = $3 WHERE id = $1",
         {report_id, order_id, now});
  c.exec("UPDATE attachments SET order_id = $2 WHERE report_id = $1", {report_id, order_id});
}

//! An order a report may join: one that is not finished.
Result<Order> joinable(store::Conn& c, int64_t order_id) {
  auto o = order_in(c, order_id);
  if (!o) return make_error(Errc::invalid_input, "no such order", "duplicate_of");
  if (o->status != "open" && o->status != "claimed" && o->status != "on_hold")
    return make_error(Errc::conflict, "that order is finished: report the problem as new");
  return *o;
}

constexpr std::string_view kDispatchRoles[] = {"district_admin", "street_staff", "community_staff", "grid_worker"};

}  // namespace

Result<std::string> Service::place_of_report(const NewReport& in) {
  if (in.lat.has_value() != in.lon.has_value())
    return make_error(Errc::invalid_input, "lat and lon come together", in.lat ? "lon" : "lat");
  if (in.lat && (*in.lat < -90 || *in.lat > 90)) return make_error(Errc::invalid_input, "lat must be -90 to 90", "lat");
  if (in.lon && (*in.lon < -180 || *in.lon > 180))
    return make_error(Errc::invalid_input, "lon must be -180 to 180", "lon");
  if (in.path) return *in.path;
  if (!in.lat) return make_error(Errc::invalid_input, "give a place: lat and lon, or a code", "lat");
  return grid_at_(*in.lon, *in.lat).value_or("/");
}

Result<Report> Service::report(const NewReport& in, const Principal* who) {
  bool anonymous = !who || !who->account_id;
  auto cat = category(in.category_code);
  if (!cat || !cat->active) return make_error(Errc::invalid_input, "no such category", "category");
  if (auto d = check_description(in.description); !d.ok()) return d.error();
  auto path = place_of_report(in);
  if (!path.ok()) return path.error();
  if (auto a = check_answers(*cat, in.answers); !a.ok()) return a.error();
  if (in.photos.size() > kPhotosMax) return make_error(Errc::invalid_input, "at most 9 photos", "photos");
  // An Open311 client's photo stays at its media_url: the requirement is the app's.
  if (in.photos.empty() && cat->photos_required && in.source == "app")
    return make_error(Errc::invalid_input, "this category needs at least one photo", "photos");
  std::optional<personal::Sealed> phone;
  // The app's anonymous reporters must leave a phone; an Open311 client (which holds a key)
  // may pass one on.
  if (anonymous && (in.phone || in.source == "app")) {
    if (!in.phone) return make_error(Errc::invalid_input, "an anonymous report needs a phone number", "phone");
    auto sealed = personal::seal_phone(keys_, *in.phone);
    if (!sealed.ok()) return sealed.error();
    phone = *sealed;
  }
  std::optional<int64_t> reporter = anonymous ? std::nullopt : std::optional(who->account_id);
  Result<Report> out = no_such_report();
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    std::optional<Order> dup;
    if (in.duplicate_of) {
      auto o = joinable(c, *in.duplicate_of);
      if (!o.ok()) return o.error();
      dup = *o;
    }
    std::string status = !dup && cat->triage ? "triage" : "ordered";
    auto opt = [](const auto& v) { return v ? store::Value(*v) : store::null_value; };
    int64_t id = c.query_one(
                      "INSERT INTO reports (category_id, description, lat, lon, path, status, reporter, "
                      "phone_sealed, phone_masked, answers, created_at, updated_at, source, token) VALUES ($1, $2, "
                      "$3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13) RETURNING id",
                      {cat->id, in.description, opt(in.lat), opt(in.lon), *path, status, opt(reporter),
                       phone ? store::Value(phone->sealed) : store::null_value,
                       phone ? store::Value(phone->masked) : store::null_value, encode_answers(in.answers), now,
                       in.source, crypto::random_token(12)})
                     ->integer(0);
    if (auto a = attach(c, in.photos, who, "report", id, std::nullopt); !a.ok()) return a;
    if (dup) {
      link(c, id, dup->id, now);
      add_step(c, *dup, reporter, "joined", "", now, "{\"report_id\":" + std::to_string(id) + "}");
    } else if (status == "ordered") {
      Order o = insert_order(c, {&*cat, in.description, in.lat, in.lon, *path, reporter, id, reporter}, now);
      link(c, id, o.id, now);
      add_step(c, o, reporter, "created", "", now, "{\"report_id\":" + std::to_string(id) + "}");
    }
    out = *report_in(c, id);
    emit_report(c, *out, "created");
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::pair<Report, std::vector<Step>>> Service::report_detail(int64_t id, const Principal& who) {
  std::optional<Report> r;
  std::vector<Step> steps;
  db_.read([&](store::Conn& c) {
    r = report_in(c, id);
    if (!r || !can_view_report(who, *r)) {
      r.reset();
      return;
    }
    if (r->order_id)
      for (const auto& s : c.query("SELECT id, at, account_id, step, note, details FROM order_steps WHERE "
                                   "order_id = $1 ORDER BY id",
                                   {*r->order_id}))
        steps.push_back({s.integer(0), s.integer(1), s.opt_integer(2), s.text(3), s.text(4), s.text(5)});
  });
  if (!r) return no_such_report();
  return std::make_pair(std::move(*r), std::move(steps));
}

namespace {
Status check_page(int64_t after, int64_t limit) {
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  return ok_status();
}

void cut(ReportPage& page, int64_t limit) {
  if (static_cast<int64_t>(page.items.size()) > limit) {
    page.items.resize(limit);
    page.next_after = page.items.back().id;
  }
}
}  // namespace

Result<ReportPage> Service::my_reports(const Principal& who, int64_t after, int64_t limit) {
  if (auto p = check_page(after, limit); !p.ok()) return p.error();
  ReportPage page;
  if (!who.account_id) return page;
  db_.read([&](store::Conn& c) {
    static const std::string sql =
        std::string(kReportColumns) + "WHERE r.reporter = $1 AND ($2 = 0 OR r.id < $2) ORDER BY r.id DESC LIMIT $3";
    for (const auto& r : c.query(sql, {who.account_id, after, limit + 1})) page.items.push_back(report_of(r));
    for (auto& x : page.items) x.photos = photos_where(c, "report_id", x.id);
  });
  cut(page, limit);
  return page;
}

Result<ReportPage> Service::reports(const Principal& who, const std::string& status, const std::string& path,
                                    int64_t after, int64_t limit) {
  if (auto p = check_page(after, limit); !p.ok()) return p.error();
  if (!status.empty() && status != "triage" && status != "ordered" && status != "rejected")
    return make_error(Errc::invalid_input, "status must be triage, ordered or rejected", "status");
  std::vector<std::string> scopes;
  if (!path.empty()) {
    if (!may_dispatch(who, path)) return make_error(Errc::forbidden, "you may not list reports there");
    scopes.push_back(path);
  } else {
    for (const auto& g : who.grants)
      if (std::find(std::begin(kDispatchRoles), std::end(kDispatchRoles), g.role) != std::end(kDispatchRoles))
        scopes.push_back(g.scope);
    if (scopes.empty()) return make_error(Errc::forbidden, "only staff list reports");
  }
  ReportPage page;
  db_.read([&](store::Conn& c) {
    std::map<int64_t, Report, std::greater<>> found;  // newest first, across scopes
    static const std::string sql = std::string(kReportColumns) +
                                   "WHERE (r.path = $1 OR r.path LIKE $2) AND (CAST($3 AS TEXT) IS NULL OR "
                                   "r.status = $3) AND ($4 = 0 OR r.id < $4) ORDER BY r.id DESC LIMIT $5";
    for (const auto& s : scopes)
      for (const auto& r : c.query(sql, {s, (s == "/" ? "" : s) + "/%",
                                         status.empty() ? store::null_value : store::Value(status), after, limit + 1}))
        found.emplace(r.integer(0), report_of(r));
    for (auto& [id, r] : found) {
      if (static_cast<int64_t>(page.items.size()) > limit) break;
      page.items.push_back(std::move(r));
    }
    for (auto& x : page.items) x.photos = photos_where(c, "report_id", x.id);
  });
  cut(page, limit);
  return page;
}

Result<std::vector<Nearby>> Service::nearby(const std::string& category_code, double lat, double lon) {
  if (lat < -90 || lat > 90) return make_error(Errc::invalid_input, "lat must be -90 to 90", "lat");
  if (lon < -180 || lon > 180) return make_error(Errc::invalid_input, "lon must be -180 to 180", "lon");
  constexpr double kMetresPerDegree = 111'320;
  constexpr double kPi = 3.14159265358979323846;
  double dlat = kNearbyMetres / kMetresPerDegree;
  double dlon = kNearbyMetres / (kMetresPerDegree * std::max(0.01, std::cos(lat * kPi / 180)));
  std::vector<Nearby> out;
  bool known = false;
  db_.read([&](store::Conn& c) {
    auto cat = c.query_one("SELECT id FROM categories WHERE code = $1", {category_code});
    if (!cat) return;
    known = true;
    for (const auto& r :
         c.query("SELECT id, status, lat, lon, created_at FROM orders WHERE category_id = $1 AND status IN ('open', "
                 "'claimed', 'on_hold') AND lat BETWEEN $2 AND $3 AND lon BETWEEN $4 AND $5 ORDER BY id DESC LIMIT 200",
                 {cat->integer(0), lat - dlat, lat + dlat, lon - dlon, lon + dlon})) {
      // haversine
      double p1 = lat * kPi / 180, p2 = r.real(2) * kPi / 180;
      double dp = p2 - p1, dl = (r.real(3) - lon) * kPi / 180;
      double a =
          std::sin(dp / 2) * std::sin(dp / 2) + std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
      double metres = 2 * 6'371'000 * std::asin(std::min(1.0, std::sqrt(a)));
      if (metres <= kNearbyMetres)
        out.push_back({r.integer(0), category_code, r.text(1), std::llround(metres), r.integer(4)});
    }
  });
  if (!known) return make_error(Errc::invalid_input, "no such category", "category");
  std::stable_sort(out.begin(), out.end(),
                   [](const Nearby& a, const Nearby& b) { return a.distance_m < b.distance_m; });
  if (out.size() > 10) out.resize(10);
  return out;
}

Result<Report> Service::triage(int64_t id, const Principal& who,
                               const std::function<Status(store::Conn&, Report&, int64_t)>& decide) {
  Result<Report> out = no_such_report();
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto r = report_in(c, id, false);
    if (!r || !can_view_report(who, *r)) return no_such_report();
    if (!may_dispatch(who, r->path))
      return make_error(Errc::forbidden, "only the staff over its place triage a report");
    if (r->status != "triage") return make_error(Errc::conflict, "the report is " + r->status + " already");
    int64_t now = clock_.now_ms();
    if (auto s = decide(c, *r, now); !s.ok()) return s;
    out = *report_in(c, id);
    emit_report(c, *out, out->status == "rejected" ? "rejected" : "accepted");
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Report> Service::accept(int64_t id, const std::string& category_code, const Principal& who) {
  return triage(id, who, [&](store::Conn& c, Report& r, int64_t now) -> Status {
    auto cat = category_by_id(c, r.category_id);
    if (!category_code.empty()) {
      cat = category_by_code(c, category_code);
      if (!cat || !cat->active) return make_error(Errc::invalid_input, "no such category", "category");
      c.exec("UPDATE reports SET category_id = $2 WHERE id = $1", {r.id, cat->id});
    }
    Order o = insert_order(c, {&*cat, r.description, r.lat, r.lon, r.path, actor(who), r.id, r.reporter}, now);
    link(c, r.id, o.id, now);
    add_step(c, o, actor(who), "created", "", now, "{\"report_id\":" + std::to_string(r.id) + "}");
    return ok_status();
  });
}

Result<Report> Service::reject(int64_t id, const std::string& reason, const Principal& who) {
  if (auto v = valid_text(reason, "reason"); !v.ok()) return v.error();
  return triage(id, who, [&](store::Conn& c, Report& r, int64_t now) -> Status {
    c.exec("UPDATE reports SET status = 'rejected', reject_reason = $2, updated_at = $3 WHERE id = $1",
           {r.id, reason, now});
    return ok_status();
  });
}

Result<Report> Service::merge(int64_t id, int64_t order_id, const Principal& who) {
  return triage(id, who, [&](store::Conn& c, Report& r, int64_t now) -> Status {
    auto o = joinable(c, order_id);
    if (!o.ok()) {
      Error e = o.error();
      if (e.field == "duplicate_of") e.field = "order_id";
      return e;
    }
    if (!can_view(c, who, *o)) return make_error(Errc::invalid_input, "no such order", "order_id");
    link(c, r.id, o->id, now);
    add_step(c, *o, actor(who), "joined", "", now, "{\"report_id\":" + std::to_string(r.id) + "}");
    return ok_status();
  });
}

std::vector<Report> Service::service_requests(const RequestQuery& q) {
  // Personal services at a home (is_private_category) are not part of the public feed.
  std::string sql = std::string(kReportColumns) + "WHERE c.code NOT LIKE 'care.%' AND ";
  Params param;
  auto list = [&](const auto& values) {
    std::string out;
    for (const auto& v : values) out += (out.empty() ? "" : ", ") + param(v);
    return out;
  };
  if (!q.ids.empty()) {
    sql += "r.id IN (" + list(q.ids) + ")";
  } else {
    sql += "r.created_at >= " + param(q.start) + " AND r.created_at <= " + param(q.end);
    if (!q.category_codes.empty()) sql += " AND c.code IN (" + list(q.category_codes) + ")";
    const char* closed = "(r.status = 'rejected' OR o.status IN ('completed', 'verified', 'closed'))";
    if (q.status == "closed") sql += std::string(" AND ") + closed;
    if (q.status == "open") sql += std::string(" AND NOT ") + closed;
  }
  sql += " ORDER BY r.id DESC LIMIT " + param(q.limit) + " OFFSET " + param(q.offset);
  std::vector<Report> out;
  db_.read([&](store::Conn& c) {
    for (const auto& r : c.query(sql, param.values)) out.push_back(report_of(r));
  });
  return out;
}

std::optional<Report> Service::report_by_token(const std::string& token) {
  std::optional<Report> out;
  db_.read([&](store::Conn& c) {
    static const std::string sql = std::string(kReportColumns) + "WHERE r.token = $1";
    if (auto r = c.query_one(sql, {token})) out = report_of(*r);
  });
  return out;
}

std::vector<Update> Service::updates(int64_t start, int64_t end, int64_t limit) {
  std::vector<Update> out;
  db_.read([&](store::Conn& c) {
    for (const auto& r : c.query("SELECT s.id, r.id, s.at, s.step, s.note FROM order_steps s JOIN reports r ON "
                                 "r.order_id = s.order_id JOIN categories c ON c.id = r.category_id WHERE s.at >= $1 "
                                 "AND s.at <= $2 AND c.code NOT LIKE 'care.%' ORDER BY s.id, r.id LIMIT $3",
                                 {start, end, limit}))
      out.push_back({r.integer(0), r.integer(1), r.integer(2), r.text(3), r.text(4)});
  });
  return out;
}

Result<Update> Service::comment(int64_t report_id, const std::string& note, const std::string& source) {
  if (auto v = check_description(note); !v.ok()) {
    Error e = v.error();
    e.field = "description";
    return e;
  }
  Result<Update> out = no_such_report();
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto r = report_in(c, report_id, false);
    if (!r) return no_such_report();
    if (!r->order_id) return make_error(Errc::conflict, "the request waits for triage: it has no order to update yet");
    int64_t now = clock_.now_ms();
    auto o = order_in(c, *r->order_id);
    std::string details = "{\"source\":";
    text::append_json_string(details, source);
    details += ",\"report_id\":" + std::to_string(report_id) + "}";
    add_step(c, *o, std::nullopt, "commented", note, now, details);
    int64_t step = c.query_one("SELECT MAX(id) FROM order_steps WHERE order_id = $1", {o->id})->integer(0);
    out = Update{step, report_id, now, "commented", note};
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

}  // namespace mashang::orders
