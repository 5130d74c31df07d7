// Rules of work orders. Claiming is one conditional UPDATE (status 'open' → 'claimed'), so the
// database picks exactly one winner; every deadline is a column, and escalating is a
// conditional UPDATE on that very deadline, so it fires once however many threads or
// instances look at the same moment, and a restart loses nothing.
#include <algorithm>
#include <chrono>
#include <map>

#include "core/text.hpp"
#include "modules/orders/internal.hpp"

namespace mashang::orders {
namespace detail {

std::optional<double> opt_real(const store::Row& r, size_t i) {
  if (r.is_null(i)) return std::nullopt;
  return r.real(i);
}

Order order_of(const store::Row& r) {
  Order o;
  o.id = r.integer(0);
  o.category_id = r.integer(1);
  o.category_code = r.text(2);
  o.description = r.text(3);
  o.lat = opt_real(r, 4);
  o.lon = opt_real(r, 5);
  o.origin_path = r.text(6);
  o.path = r.text(7);
  o.level = r.text(8);
  o.status = r.text(9);
  o.created_by = r.opt_integer(10);
  o.claimed_by = r.opt_integer(11);
  o.claimed_at = r.opt_integer(12);
  o.due_at = r.opt_integer(13);
  o.completed_at = r.opt_integer(14);
  o.rating = r.opt_integer(15);
  o.escalations = r.integer(16);
  o.hold_reason = r.text(17);
  o.rating_comment = r.text(18);
  o.version = r.integer(19);
  o.created_at = r.integer(20);
  o.updated_at = r.integer(21);
  o.report_id = r.opt_integer(22);
  o.reporter = r.opt_integer(23);
  o.reopens = r.integer(24);
  return o;
}

std::optional<Order> order_in(store::Conn& c, int64_t id) {
  static const std::string sql = std::string(kOrderColumns) + "WHERE o.id = $1";
  auto r = c.query_one(sql, {id});
  if (!r) return std::nullopt;
  return order_of(*r);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

Category category_of(const store::Row& r) {
  Category k;
  k.id = r.integer(0);
  k.code = r.text(1);
  k.name_zh = r.text(2);
  k.name_en = r.text(3);
  k.group = r.text(4);
  k.claim_minutes = r.integer(5);
  k.finish_minutes = r.integer(6);
  k.claim_roles = split(r.text(7));
  k.departments = split(r.text(8));
  k.photos_required = r.integer(9) != 0;
  k.triage = r.integer(10) != 0;
  k.active = r.integer(11) != 0;
  k.updated_at = r.integer(12);
  return k;
}

Question question_of(const store::Row& r) {  // columns from 1: code, labels, datatype, required, choices
  Question q{r.text(1), r.text(2), r.text(3), r.text(4), r.integer(5) != 0, {}};
  const std::string& choices = r.text(6);
  size_t i = 0;
  while (i < choices.size()) {
    size_t j = choices.find('\n', i);
    if (j == std::string::npos) j = choices.size();
    std::string line = choices.substr(i, j - i);
    if (auto tab = line.find('\t'); tab != std::string::npos)
      q.values.emplace_back(line.substr(0, tab), line.substr(tab + 1));
    i = j + 1;
  }
  return q;
}

constexpr const char* kCategoryColumns =
    "SELECT id, code, name_zh, name_en, group_name, claim_minutes, finish_minutes, claim_roles, departments, "
    "photos_required, triage, active, updated_at FROM categories ";
constexpr const char* kQuestionColumns =
    "SELECT category_id, code, label_zh, label_en, datatype, required, choices FROM category_questions ";

std::vector<Category> load_categories(store::Conn& c, bool include_inactive) {
  std::vector<Category> out;
  std::map<int64_t, size_t> at;
  static const std::string all = std::string(kCategoryColumns) + "ORDER BY id";
  for (const auto& r : c.query(all)) {
    if (!include_inactive && !r.integer(11)) continue;
    at[r.integer(0)] = out.size();
    out.push_back(category_of(r));
  }
  static const std::string questions = std::string(kQuestionColumns) + "ORDER BY category_id, seq";
  for (const auto& r : c.query(questions))
    if (auto it = at.find(r.integer(0)); it != at.end()) out[it->second].questions.push_back(question_of(r));
  return out;
}

//! One category with its questions (two indexed reads: claiming calls this every time).
std::optional<Category> category_by_id(store::Conn& c, int64_t id) {
  static const std::string one = std::string(kCategoryColumns) + "WHERE id = $1";
  auto r = c.query_one(one, {id});
  if (!r) return std::nullopt;
  Category k = category_of(*r);
  static const std::string questions = std::string(kQuestionColumns) + "WHERE category_id = $1 ORDER BY seq";
  for (const auto& q : c.query(questions, {id})) k.questions.push_back(question_of(q));
  return k;
}

std::optional<Category> category_by_code(store::Conn& c, const std::string& code) {
  auto r = c.query_one("SELECT id FROM categories WHERE code = $1", {code});
  if (!r) return std::nullopt;
  return category_by_id(c, r->integer(0));
}

bool valid_path(const std::string& p) {
  return p == "/" || (p.size() > 1 && p[0] == '/' && p.back() != '/' && p.find("//") == std::string::npos &&
                      p.find_first_not_of("/0123456789") == std::string::npos);
}

Order insert_order(store::Conn& c, const OrderRow& row, int64_t now) {
  auto opt = [](const auto& v) { return v ? store::Value(*v) : store::null_value; };
  int64_t id = c.query_one(
                    "INSERT INTO orders (category_id, description, lat, lon, origin_path, path, level, status, "
                    "created_by, due_at, created_at, updated_at, report_id, reporter) VALUES ($1, $2, $3, $4, $5, "
                    "$5, $6, 'open', $7, $8, $9, $9, $10, $11) RETURNING id",
                    {row.category->id, row.description, opt(row.lat), opt(row.lon), row.origin,
                     std::string(level_of(row.origin)), opt(row.created_by), now + row.category->claim_minutes * 60000,
                     now, opt(row.report_id), opt(row.reporter)})
                   ->integer(0);
  return *order_in(c, id);
}

void add_step(store::Conn& c, const Order& o, std::optional<int64_t> who, const std::string& step,
              const std::string& note, int64_t now, const std::string& details) {
  c.exec("INSERT INTO order_steps (order_id, at, account_id, step, note, details) VALUES ($1, $2, $3, $4, $5, $6)",
         {o.id, now, who ? store::Value(*who) : store::null_value, step, note, details});
  std::string payload = "{\"order_id\":" + std::to_string(o.id) + ",\"step\":\"" + step + "\",\"status\":\"" +
                        o.status + "\",\"level\":\"" + o.level + "\",\"category\":";
  text::append_json_string(payload, o.category_code);
  payload += ",\"version\":" + std::to_string(o.version) + "}";
  c.emit({"order." + step, "order:" + std::to_string(o.id), o.path, std::nullopt, payload});
  // Residents see no scoped events: each reporter of the order gets a copy addressed to them.
  // (Orders made by staff have no report: the claim path pays nothing for this.)
  if (o.report_id)
    for (int64_t reporter : reporters_of(c, o.id))
      c.emit({"order." + step, "order:" + std::to_string(o.id), o.path, reporter, payload});
}

std::vector<int64_t> reporters_of(store::Conn& c, int64_t order_id) {
  std::vector<int64_t> out;
  for (const auto& r :
       c.query("SELECT DISTINCT reporter FROM reports WHERE order_id = $1 AND reporter IS NOT NULL", {order_id}))
    out.push_back(r.integer(0));
  return out;
}

std::optional<int64_t> actor(const Principal& who) {
  return who.account_id ? std::optional(who.account_id) : std::nullopt;
}

Error no_such_order() { return make_error(Errc::not_found, "no such order"); }

//! A reason or note: 2 to 500 characters; the error names `field`.
Status valid_text(const std::string& s, const char* field) {
  size_t chars = text::utf8_chars(s);
  if (chars < 2 || chars > 500 || !text::valid_utf8(s))
    return make_error(Errc::invalid_input, std::string("the ") + field + " must be 2 to 500 characters", field);
  return ok_status();
}

}  // namespace detail

using namespace detail;

std::string_view level_of(std::string_view path) {
  size_t depth = static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
  if (path == "/" || path.empty()) return "district";
  if (depth == 1) return "street";
  if (depth == 2) return "community";
  return "grid";
}

std::string parent_level_path(std::string_view path) {
  // grid (or deeper) → community → street → district
  std::string_view p = path;
  auto cut = [](std::string_view s, size_t keep) {
    size_t seen = 0;
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] == '/' && seen++ == keep) return std::string(s.substr(0, i));
    return std::string(s);
  };
  auto level = level_of(p);
  if (level == "grid") return cut(p, 2);
  if (level == "community") return cut(p, 1);
  return "/";
}

bool may_claim(const Principal& who, const Category& c, std::string_view path) {
  auto near = [&](std::string_view scope) { return scope_covers(scope, path) || scope_covers(path, scope); };
  return std::any_of(who.grants.begin(), who.grants.end(),
                     [&](const Grant& g) {
                       return std::find(c.claim_roles.begin(), c.claim_roles.end(), g.role) != c.claim_roles.end() &&
                              near(g.scope);
                     }) ||
         std::any_of(who.departments.begin(), who.departments.end(), [&](const Department& d) {
           return std::find(c.departments.begin(), c.departments.end(), d.kind) != c.departments.end() && near(d.path);
         });
}

bool may_dispatch(const Principal& who, std::string_view path) {
  for (std::string_view role : {"district_admin", "street_staff", "community_staff", "grid_worker"})
    if (who.has_role(role, path)) return true;
  return false;
}

namespace detail {
//! Who sees an order: the staff over its place, whoever may claim it there, its claimer and
//! its creator. Residents and others see none (descriptions may name people).
bool can_view(const Principal& who, const Order& o, const std::optional<Category>& cat) {
  if (o.claimed_by && *o.claimed_by == who.account_id && who.account_id) return true;
  if (o.created_by && *o.created_by == who.account_id && who.account_id) return true;
  if (o.reporter && *o.reporter == who.account_id && who.account_id) return true;
  if (may_dispatch(who, o.path)) return true;
  return cat && may_claim(who, *cat, o.path);
}
bool can_view(store::Conn& c, const Principal& who, const Order& o) {
  if (can_view(who, o, category_by_id(c, o.category_id))) return true;
  // whoever reported the same problem later (a report joined to this order) follows it too
  if (!o.report_id || !who.account_id) return false;
  auto ids = reporters_of(c, o.id);
  return std::find(ids.begin(), ids.end(), who.account_id) != ids.end();
}
}  // namespace detail

Service::Service(store::Db& db, const crypto::Keyring& keys, const Clock& clock, GridAt grid_at, PlaceOf place_of,
                 Options options)
    : db_(db),
      keys_(keys),
      clock_(clock),
      grid_at_(std::move(grid_at)),
      place_of_(std::move(place_of)),
      options_(std::move(options)) {}

Service::~Service() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (escalator_.joinable()) escalator_.join();
}

Status Service::seed_catalogue() {
  return db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    for (const auto& k : default_catalogue()) {
      if (c.query_one("SELECT id FROM categories WHERE code = $1", {k.code})) continue;
      // Another instance starting at the same moment may have added it: then nothing happens.
      auto added = c.query_one(
          "INSERT INTO categories (code, name_zh, name_en, group_name, claim_minutes, "
          "finish_minutes, claim_roles, departments, photos_required, triage, active, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11) ON CONFLICT (code) DO NOTHING "
          "RETURNING id",
          {k.code, k.name_zh, k.name_en, k.group, k.claim_minutes, k.finish_minutes, join(k.claim_roles),
           join(k.departments), int64_t{k.photos_required}, int64_t{k.triage}, now});
      if (!added) continue;
      int64_t id = added->integer(0);
      int64_t seq = 0;
      for (const auto& q : k.questions) {
        std::string choices;
        for (const auto& [key, name] : q.values) choices += key + "\t" + name + "\n";
        c.exec(
            "INSERT INTO category_questions (category_id, seq, code, label_zh, label_en, datatype, required, "
            "choices) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            {id, ++seq, q.code, q.label_zh, q.label_en, q.datatype, int64_t{q.required}, choices});
      }
    }
    return ok_status();
  });
}

std::vector<Category> Service::categories(bool include_inactive) {
  std::vector<Category> out;
  db_.read([&](store::Conn& c) { out = load_categories(c, include_inactive); });
  return out;
}

std::optional<Category> Service::category(const std::string& code) {
  for (auto& k : categories(true))
    if (k.code == code) return k;
  return std::nullopt;
}

Result<Order> Service::create(const NewOrder& in, const Principal& who) {
  auto cat = category(in.category_code);
  if (!cat || !cat->active) return make_error(Errc::invalid_input, "no such category", "category");
  size_t chars = text::utf8_chars(in.description);
  if (chars == 0 || chars > kDescriptionMax || !text::valid_utf8(in.description))
    return make_error(Errc::invalid_input, "description must be 1 to 4000 characters of text", "description");
  if (in.lat.has_value() != in.lon.has_value())
    return make_error(Errc::invalid_input, "lat and lon come together", in.lat ? "lon" : "lat");
  if (in.lat && (*in.lat < -90 || *in.lat > 90)) return make_error(Errc::invalid_input, "lat must be -90 to 90", "lat");
  if (in.lon && (*in.lon < -180 || *in.lon > 180))
    return make_error(Errc::invalid_input, "lon must be -180 to 180", "lon");
  if (!in.lat && !in.path) return make_error(Errc::invalid_input, "give a place: lat and lon, or a code", "lat");
  if (in.path && !valid_path(*in.path))
    return make_error(Errc::invalid_input, "the place must be a territory path", "path");
  std::string origin = in.path ? *in.path : grid_at_(*in.lon, *in.lat).value_or("/");
  if (!may_dispatch(who, origin)) return make_error(Errc::forbidden, "you may not create orders there");
  Result<Order> out = no_such_order();
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    out = insert_order(c, {&*cat, in.description, in.lat, in.lon, origin, actor(who), std::nullopt, std::nullopt}, now);
    add_step(c, *out, actor(who), "created", "", now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::pair<Order, std::vector<Step>>> Service::get(int64_t id, const Principal& who) {
  std::optional<Order> o;
  std::vector<Step> steps;
  db_.read([&](store::Conn& c) {
    o = order_in(c, id);
    if (o && !can_view(c, who, *o)) o.reset();
    if (!o) return;
    for (const auto& r : c.query("SELECT id, at, account_id, step, note, details FROM order_steps WHERE order_id = $1 "
                                 "ORDER BY id",
                                 {id}))
      steps.push_back({r.integer(0), r.integer(1), r.opt_integer(2), r.text(3), r.text(4), r.text(5)});
  });
  if (!o) return no_such_order();
  return std::make_pair(std::move(*o), std::move(steps));
}

Result<OrderPage> Service::pool(const Principal& who, int64_t after, int64_t limit) {
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  OrderPage page;
  db_.read([&](store::Conn& c) {
    auto cats = load_categories(c, true);
    // Per grant: the categories its role may claim, at the paths it may claim them — its
    // subtree and every path above it (an order escalated to the community is in the pool of
    // the grid workers below). Each query returns only claimable orders, so a page is never
    // cut short by orders the caller may not claim.
    std::map<int64_t, Order> found;
    // Where the caller claims, and which categories there: each grant by its role, each
    // department (an organisation the caller works for) by its kind.
    std::vector<std::pair<std::string, std::string>> places;  // scope, category ids
    auto ids_where = [&](const std::function<bool(const Category&)>& may) {
      std::string ids;
      for (const auto& k : cats)
        if (may(k)) ids += (ids.empty() ? "" : ",") + std::to_string(k.id);
      return ids;
    };
    for (const auto& g : who.grants)
      places.emplace_back(g.scope, ids_where([&](const Category& k) {
                            return std::find(k.claim_roles.begin(), k.claim_roles.end(), g.role) != k.claim_roles.end();
                          }));
    for (const auto& d : who.departments)
      places.emplace_back(d.path, ids_where([&](const Category& k) {
                            return std::find(k.departments.begin(), k.departments.end(), d.kind) != k.departments.end();
                          }));
    for (const auto& [scope, ids] : places) {
      if (ids.empty()) continue;
      const Grant g{"", scope};
      // One index range per branch of the partial index orders_pool (path, id): the scope
      // itself, its subtree (paths between "<scope>/" and "<scope>0", '0' following '/'), and
      // each path above it. A LIKE or an OR made SQLite scan every open order instead.
      Params param;
      std::string head = std::string(kOrderColumns) + "WHERE o.status = 'open' AND o.category_id IN (" + ids +
                         ") AND o.id > " + param(after) + " AND ";
      std::string sql;
      auto branch = [&](const std::string& cond) {
        sql += (sql.empty() ? "SELECT * FROM (" : " UNION ALL ") + head + cond;
      };
      std::string base = g.scope == "/" ? "" : g.scope;
      branch("o.path = " + param(g.scope));
      branch("o.path > " + param(base + "/") + " AND o.path < " + param(base + "0"));
      for (std::string p = g.scope; p != "/";) {
        p = p.substr(0, p.rfind('/'));
        if (p.empty()) p = "/";
        branch("o.path = " + param(p));
      }
      sql += ") u ORDER BY 1 LIMIT " + param(limit + 1);
      for (const auto& r : c.query(sql, param.values)) {
        Order o = order_of(r);
        found.emplace(o.id, std::move(o));
      }
    }
    for (auto& [id, o] : found) {
      page.items.push_back(std::move(o));
      if (static_cast<int64_t>(page.items.size()) > limit) break;
    }
  });
  if (static_cast<int64_t>(page.items.size()) > limit) {
    page.items.resize(limit);
    page.next_after = page.items.back().id;
  }
  return page;
}

Result<OrderPage> Service::mine(const Principal& who, const std::string& status, int64_t after, int64_t limit) {
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  static constexpr std::string_view kStatuses[] = {"claimed", "on_hold", "completed", "verified", "closed", "open"};
  if (!status.empty() && std::find(std::begin(kStatuses), std::end(kStatuses), status) == std::end(kStatuses))
    return make_error(Errc::invalid_input, "status must be one of open, claimed, on_hold, completed, verified, closed",
                      "status");
  OrderPage page;
  db_.read([&](store::Conn& c) {
    static const std::string sql = std::string(kOrderColumns) +
                                   "WHERE o.claimed_by = $1 AND (CAST($2 AS TEXT) IS NULL OR o.status = $2) AND "
                                   "($3 = 0 OR o.id < $3) ORDER BY o.id DESC LIMIT $4";
    for (const auto& r :
         c.query(sql, {who.account_id, status.empty() ? store::null_value : store::Value(status), after, limit + 1}))
      page.items.push_back(order_of(r));
  });
  if (static_cast<int64_t>(page.items.size()) > limit) {
    page.items.resize(limit);
    page.next_after = page.items.back().id;
  }
  return page;
}

Result<Order> Service::claim(int64_t id, const Principal& who) {
  // Most losers of a race find the order taken on a read connection, without queueing for
  // the writer; the conditional UPDATE below still decides between those who get that far.
  std::optional<Order> seen;
  std::optional<Category> cat;
  bool eligible = false;
  db_.read([&](store::Conn& c) {
    seen = order_in(c, id);
    if (!seen) return;
    cat = category_by_id(c, seen->category_id);
    if (!can_view(who, *seen, cat)) seen.reset();
    eligible = seen && cat && may_claim(who, *cat, seen->path);
  });
  if (!seen) return no_such_order();
  if (!eligible) return make_error(Errc::forbidden, "you may not claim this order");
  if (seen->status != "open")
    return make_error(Errc::conflict, seen->claimed_by && *seen->claimed_by == who.account_id
                                          ? "you have claimed this order already"
                                          : "someone else claimed this order first");
  Result<Order> out = no_such_order();
  // What was read stays true until the write unless the order was transferred (category or
  // place changed) or reopened (back to its origin) meanwhile: the UPDATE is conditional on
  // those too. Escalation only widens the path, which keeps whoever could claim it able to.
  // So the writer runs just the deciding UPDATE and the timeline.
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    // The one statement that decides: whoever changes the row first wins.
    int64_t n = c.exec(
        "UPDATE orders SET status = 'claimed', claimed_by = $2, claimed_at = $3, due_at = $4, "
        "version = version + 1, updated_at = $3 WHERE id = $1 AND status = 'open' AND category_id = $5 AND "
        "origin_path = $6 AND reopens = $7",
        {id, who.account_id, now, now + cat->finish_minutes * 60000, seen->category_id, seen->origin_path,
         seen->reopens});
    if (n != 1) return make_error(Errc::conflict, "someone else claimed this order first, or it moved");
    out = *order_in(c, id);
    add_step(c, *out, actor(who), "claimed", "", now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Order> Service::transition(int64_t id, const Principal& who, const std::string& step, const std::string& note,
                                  const std::function<Status(store::Conn&, Order&, int64_t)>& change,
                                  const std::string& details) {
  Result<Order> out = no_such_order();
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto o = order_in(c, id);
    if (!o || !can_view(c, who, *o)) return no_such_order();
    int64_t now = clock_.now_ms();
    if (auto s = change(c, *o, now); !s.ok()) return s;
    out = *order_in(c, id);
    add_step(c, *out, actor(who), step, note, now, details);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Order> Service::give_back(int64_t id, const std::string& reason, const Principal& who) {
  if (auto v = valid_text(reason, "reason"); !v.ok()) return v.error();
  return transition(id, who, "returned", reason, [&](store::Conn& c, Order& o, int64_t now) -> Status {
    if (o.status != "claimed" && o.status != "on_hold") return make_error(Errc::conflict, "the order is " + o.status);
    if (!o.claimed_by || *o.claimed_by != who.account_id)
      return make_error(Errc::forbidden, "only the worker who claimed it may give it back");
    auto cat = category_by_id(c, o.category_id);
    c.exec(
        "UPDATE orders SET status = 'open', claimed_by = NULL, claimed_at = NULL, due_at = $2, hold_reason = '', "
        "version = version + 1, updated_at = $3 WHERE id = $1",
        {o.id, now + cat->claim_minutes * 60000, now});
    return ok_status();
  });
}

Result<Order> Service::hold(int64_t id, const std::string& reason, const Principal& who) {
  if (auto v = valid_text(reason, "reason"); !v.ok()) return v.error();
  return transition(id, who, "held", reason, [&](store::Conn& c, Order& o, int64_t now) -> Status {
    if (o.status != "claimed") return make_error(Errc::conflict, "only a claimed order can be put on hold");
    if (!o.claimed_by || *o.claimed_by != who.account_id)
      return make_error(Errc::forbidden, "only the worker who claimed it may put it on hold");
    c.exec(
        "UPDATE orders SET status = 'on_hold', hold_reason = $2, due_at = NULL, version = version + 1, "
        "updated_at = $3 WHERE id = $1",
        {o.id, reason, now});
    return ok_status();
  });
}

Result<Order> Service::resume(int64_t id, const Principal& who) {
  return transition(id, who, "resumed", "", [&](store::Conn& c, Order& o, int64_t now) -> Status {
    if (o.status != "on_hold") return make_error(Errc::conflict, "the order is not on hold");
    if (!o.claimed_by || *o.claimed_by != who.account_id)
      return make_error(Errc::forbidden, "only the worker who claimed it may resume it");
    auto cat = category_by_id(c, o.category_id);
    c.exec(
        "UPDATE orders SET status = 'claimed', hold_reason = '', due_at = $2, version = version + 1, updated_at = $3 "
        "WHERE id = $1",
        {o.id, now + cat->finish_minutes * 60000, now});
    return ok_status();
  });
}

Result<Order> Service::complete(int64_t id, const std::string& note, const std::vector<std::string>& photos,
                                const Principal& who) {
  if (auto v = valid_text(note, "note"); !v.ok()) return v.error();
  if (photos.size() > kPhotosMax) return make_error(Errc::invalid_input, "at most 9 photos", "photos");
  return transition(id, who, "completed", note, [&](store::Conn& c, Order& o, int64_t now) -> Status {
    if (o.status != "claimed") return make_error(Errc::conflict, "only a claimed order can be completed");
    if (!o.claimed_by || *o.claimed_by != who.account_id)
      return make_error(Errc::forbidden, "only the worker who claimed it may complete it");
    if (photos.empty() && category_by_id(c, o.category_id)->photos_required)
      return make_error(Errc::invalid_input, "this category needs a photo of the finished work", "photos");
    if (auto a = attach(c, photos, &who, "evidence", std::nullopt, o.id); !a.ok()) return a;
    c.exec(
        "UPDATE orders SET status = 'completed', completed_at = $2, due_at = NULL, version = version + 1, "
        "updated_at = $2 WHERE id = $1",
        {o.id, now});
    return ok_status();
  });
}

std::vector<Escalated> Service::escalate_due(int64_t now) {
  std::vector<Escalated> moved;
  std::vector<std::pair<int64_t, int64_t>> due;  // id, due_at as read
  db_.read([&](store::Conn& c) {
    for (const auto& r : c.query("SELECT id, due_at FROM orders WHERE status IN ('open', 'claimed') AND due_at <= $1 "
                                 "ORDER BY due_at LIMIT 500",
                                 {now}))
      due.emplace_back(r.integer(0), r.integer(1));
  });
  for (auto [id, due_at] : due) {
    static_cast<void>(db_.write([&](store::Conn& c) -> Status {
      auto o = order_in(c, id);
      if (!o || !o->due_at || *o->due_at != due_at) return ok_status();  // moved on meanwhile
      auto cat = category_by_id(c, o->category_id);
      bool unclaimed = o->status == "open";
      std::string to = parent_level_path(o->path);
      std::string to_level(level_of(to));
      // At the district the order stays where it is, but each further miss is still recorded.
      int64_t next_due = now + (unclaimed ? cat->claim_minutes : cat->finish_minutes) * 60000;
      // Conditional on the deadline we read: fires once, whoever else looks at the same time.
      int64_t n = c.exec(
          "UPDATE orders SET path = $2, level = $3, due_at = $4, escalations = escalations + 1, "
          "version = version + 1, updated_at = $5 WHERE id = $1 AND due_at = $6 AND status = $7",
          {id, to, to_level, next_due, now, due_at, o->status});
      if (n != 1) return ok_status();
      std::string from_level = o->level;
      o = order_in(c, id);
      std::string details = "{\"from\":\"" + from_level + "\",\"to\":\"" + to_level + "\",\"missed\":\"" +
                            (unclaimed ? "claim" : "finish") + "\",\"deadline\":" + std::to_string(due_at) + "}";
      add_step(c, *o, std::nullopt, "escalated", "", now, details);
      moved.push_back({id, from_level, to_level, unclaimed});
      return ok_status();
    }));
  }
  return moved;
}

void Service::start_escalator() {
  escalator_ = std::thread([this] {
    std::unique_lock lk(mu_);
    uint64_t rounds = 0;
    while (!stopping_) {
      cv_.wait_for(lk, std::chrono::seconds(1), [this] { return stopping_; });
      if (stopping_) break;
      lk.unlock();
      try {
        escalate_due(clock_.now_ms());
        if (++rounds % 600 == 1) forget_unattached(clock_.now_ms());  // every ten minutes
      } catch (const std::exception&) {
        // the database is away: the deadlines are data, the next round fires them
      }
      lk.lock();
    }
  });
}

}  // namespace mashang::orders
