// Rules of codes: issuing, retiring, resolving by who scans, check-ins and the scan log.
// Resolutions are served from a cache of verified codes (token → code, target, community,
// grid), so the anonymous view touches no database; any committed code or territory change
// empties it (see affects_cache).
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/codes/codes.hpp"
#include "modules/codes/detail.hpp"

namespace mashang::codes {

struct Service::Cached {
  Code code;
  Target target;
  std::optional<NodeRef> community, grid;
};

namespace {

constexpr size_t kCacheMax = 200000;       // entries; emptied when full
constexpr size_t kScanBufferMax = 200000;  // distinct (code, account, view, minute) kept while the database is away
constexpr std::string_view kManagers[] = {"district_admin", "street_staff", "community_staff", "grid_worker"};

Error no_such_code() { return make_error(Errc::not_found, "no such code"); }
Error retired_code() {
  return make_error(Errc::gone, "this code is no longer in use; a new code may have been put up in its place");
}

std::string code_payload(const Code& code) {
  std::string p = "{\"number\":\"" + code.number + "\",\"kind\":\"" + code.kind +
                  "\",\"target_id\":" + std::to_string(code.target_id) + ",\"path\":";
  text::append_json_string(p, code.path);
  p += '}';
  return p;
}

void announce(store::Conn& c, const char* type, const Code& code, const Principal* who, const std::string& ip,
              const std::string& reason, int64_t now) {
  std::string payload = code_payload(code);
  c.emit({type, "code:" + std::to_string(code.id), code.path, std::nullopt, payload});
  audit::record(c,
                {type, "code:" + std::to_string(code.id), who ? std::optional(who->account_id) : std::nullopt, ip,
                 reason, payload},
                now);
}

store::Value actor(const Principal& who) { return who.account_id ? store::Value(who.account_id) : store::null_value; }

}  // namespace

//! The ids on a territory path ("/3/17/40" → 3, 17, 40).
std::vector<int64_t> path_ids(std::string_view path) {
  std::vector<int64_t> out;
  int64_t v = 0;
  bool any = false;
  for (char ch : path) {
    if (ch == '/') {
      if (any) out.push_back(v);
      v = 0;
      any = false;
    } else if (ch >= '0' && ch <= '9') {
      v = v * 10 + (ch - '0');
      any = true;
    }
  }
  if (any) out.push_back(v);
  return out;
}

bool grant_over(const Principal& who, std::string_view path) {
  return std::any_of(who.grants.begin(), who.grants.end(), [&](const Grant& g) { return scope_covers(g.scope, path); });
}

bool is_one_of(std::string_view v, const std::string_view* begin, const std::string_view* end) {
  return std::find(begin, end, v) != end;
}

std::optional<std::vector<std::string>> scopes_under(store::Conn& c, const Principal& who, std::optional<int64_t> node,
                                                     const std::function<bool(const Grant&)>& counts) {
  std::vector<std::string> scopes;
  std::optional<territory::Node> n;
  if (node) {
    n = territory::find_in(c, *node);
    if (!n || !territory::can_see(who, n->path)) return std::nullopt;
  }
  for (const auto& g : who.grants) {
    if (!counts(g)) continue;
    if (!n || scope_covers(g.scope, n->path))
      scopes.push_back(n ? n->path : g.scope);
    else if (scope_covers(n->path, g.scope))
      scopes.push_back(g.scope);
  }
  return outermost_scopes(std::move(scopes));
}

Code code_of(const store::Row& r) {
  Code c;
  c.id = r.integer(0);
  c.token = r.text(1);
  c.kind = r.text(2);
  c.target_id = r.integer(3);
  c.path = r.text(4);
  c.status = r.text(5);
  c.created_at = r.integer(6);
  c.retired_at = r.opt_integer(7);
  c.number = number_of(c.id);
  return c;
}

bool may_manage(const Principal& who, std::string_view path) {
  return std::any_of(std::begin(kManagers), std::end(kManagers),
                     [&](std::string_view r) { return who.has_role(r, path); });
}
bool may_list(const Principal& who, std::string_view path) {
  return may_manage(who, path) || who.has_role("steward", path);
}

Service::Service(store::Db& db, const crypto::Keyring& keys, const Clock& clock, territory::Service& territory,
                 registry::Service& registry, std::string base_url, std::string prints_dir)
    : db_(db),
      keys_(keys),
      clock_(clock),
      territory_(territory),
      registry_(registry),
      base_url_(std::move(base_url)),
      prints_dir_(std::move(prints_dir)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  // Households: members see their community home, registry readers the household card.
  add_kind({"household",
            [](store::Conn& c, int64_t id) -> std::optional<Target> {
              auto h = registry::household_in(c, id);
              if (!h) return std::nullopt;
              auto b = territory::find_in(c, h->building_id);
              return Target{h->path, h->address, b ? b->name : std::string(), std::nullopt};
            },
            [this](Resolution& r, const Target& t, const Principal& who) {
              bool staff = registry::may_read(who, t.path), member = false;
              std::vector<registry::Person> persons;
              db_.read([&](store::Conn& c) {
                auto mine = registry::household_of_account(c, who.account_id);
                member = mine && *mine == r.code.target_id;
                if (staff && !member) persons = registry::persons_in(c, r.code.target_id);
              });
              std::string id = std::to_string(r.code.target_id);
              if (member) {
                r.view = "member";
                r.label = t.label;
                r.household = Resolution::Household{r.code.target_id, t.label, std::nullopt};
                r.actions.insert(r.actions.end(), {"open_household", "my_household"});
              } else if (staff) {
                r.view = "staff";
                r.label = t.label;
                r.household = Resolution::Household{r.code.target_id, t.label, std::move(persons)};
                r.actions.insert(r.actions.end(), {"check_in", "record_visit", "open_household"});
              }
            }});
  // Buildings and compounds: anyone with a grant over them sees the node card.
  for (const char* kind : {"building", "compound"}) {
    add_kind({kind,
              [kind](store::Conn& c, int64_t id) -> std::optional<Target> {
                auto n = territory::find_in(c, id);
                if (!n || n->kind != kind) return std::nullopt;
                return Target{n->path, n->name, n->name, std::nullopt};
              },
              [this, kind](Resolution& r, const Target& t, const Principal& who) {
                if (!grant_over(who, t.path)) return;
                int64_t households = 0;
                db_.read([&](store::Conn& c) { households = registry::count_households(c, t.path); });
                r.view = "staff";
                r.label = t.label;
                r.node = Resolution::NodeCard{r.code.target_id, kind, t.label, households};
                r.actions.push_back("check_in");
              }});
  }
  for (auto k : kPlaceKinds) add_kind(place_kind(k));

  std::error_code ec;
  std::filesystem::create_directories(prints_dir_, ec);
  scan_flusher_ = std::thread([this] { run_scan_flusher(); });
  print_worker_ = std::thread([this] { run_print_jobs(); });
}

Service::~Service() {
  {
    std::lock_guard lk(jobs_mu_);
    stopping_ = true;
    for (auto& [id, flag] : running_) flag->store(true);
  }
  jobs_cv_.notify_all();
  { std::lock_guard lk(scans_mu_); }
  scans_cv_.notify_all();
  if (print_worker_.joinable()) print_worker_.join();
  if (scan_flusher_.joinable()) scan_flusher_.join();
  try {
    flush_scans();
  } catch (const std::exception&) {
  }
}

void Service::add_kind(KindSpec spec) { kinds_[spec.name] = std::move(spec); }

const KindSpec* Service::kind(std::string_view name) const {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : &it->second;
}

bool Service::affects_cache(std::string_view type) {
  return type.starts_with("code.issued") || type == "code.revoked" || type == "code.rotated" ||
         type.starts_with("territory.") || type.starts_with("place.");
}

void Service::invalidate() {
  std::unique_lock lk(cache_mu_);
  cache_.clear();
  ++cache_generation_;
}

std::optional<Code> Service::load(store::Conn& c, std::string_view token) {
  static const std::string sql = std::string(kCodeColumns) + "WHERE token = $1";
  auto r = c.query_one(sql, {std::string(token)});
  if (!r) return std::nullopt;
  return code_of(*r);
}

std::shared_ptr<const Service::Cached> Service::lookup(std::string_view token) {
  if (token.size() != kTokenChars) return nullptr;
  std::string key(token);
  uint64_t generation = 0;
  {
    std::shared_lock lk(cache_mu_);  // only verified tokens are ever cached
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    generation = cache_generation_;
  }
  if (!token_verifies(keys_, token)) return nullptr;
  std::shared_ptr<Cached> found;
  db_.read([&](store::Conn& c) {
    auto code = load(c, token);
    if (!code) return;
    const KindSpec* k = kind(code->kind);
    std::optional<Target> t = k ? k->find(c, code->target_id) : std::nullopt;
    if (!t) t = Target{code->path, "", "", std::nullopt};  // a target removed since: the code still answers
    auto out = std::make_shared<Cached>();
    out->code = std::move(*code);
    out->code.label = t->label;
    out->target = std::move(*t);
    auto ids = path_ids(out->target.path);
    if (ids.size() >= 2)
      if (auto n = territory::find_in(c, ids[1])) out->community = NodeRef{n->id, n->name};
    if (ids.size() >= 3)
      if (auto n = territory::find_in(c, ids[2])) out->grid = NodeRef{n->id, n->name};
    found = std::move(out);
  });
  if (!found) return nullptr;
  std::unique_lock lk(cache_mu_);
  // A change committed while we read (a revoke racing this scan) invalidated the cache: what
  // we read may be older than it, so it answers this request but is not kept.
  if (generation != cache_generation_) return found;
  if (cache_.size() >= kCacheMax) cache_.clear();
  cache_.emplace(std::move(key), found);
  return found;
}

bool Service::cached(std::string_view token) {
  if (token.size() != kTokenChars) return false;
  std::shared_lock lk(cache_mu_);
  return cache_.find(std::string(token)) != cache_.end();
}

Status Service::check(std::string_view token) {
  auto c = lookup(token);
  if (!c) return no_such_code();
  if (c->code.status != "active") return retired_code();
  return ok_status();
}

Result<Resolution> Service::resolve(std::string_view token, const Principal* who) {
  auto c = lookup(token);
  if (!c) {
    ++counters_.not_found;
    return no_such_code();
  }
  if (c->code.status != "active") {
    ++counters_.gone;
    return retired_code();
  }
  Resolution r;
  r.code = c->code;
  r.community = c->community;
  r.grid = c->grid;
  r.label = c->target.public_label;
  r.place = c->target.place;
  r.actions.push_back("report_problem");
  if (who && who->account_id != 0)
    if (const KindSpec* k = kind(r.code.kind); k && k->view) k->view(r, c->target, *who);
  log_scan(r.code.id, who, r.view);
  ++counters_.ok;
  return r;
}

Result<Code> Service::issue(const std::string& kind_name, int64_t target_id, const Principal& who,
                            const std::string& ip, bool* created) {
  const KindSpec* k = kind(kind_name);
  if (!k) return make_error(Errc::invalid_input, "kind must be one of the code kinds", "kind");
  if (target_id <= 0) return make_error(Errc::not_found, "no such target", "target_id");
  Result<Code> out = no_such_code();
  bool made = false;
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto t = k->find(c, target_id);
    if (!t || !territory::can_see(who, t->path)) return make_error(Errc::not_found, "no such target", "target_id");
    if (!may_manage(who, t->path)) return make_error(Errc::forbidden, "you may not issue codes here");
    static const std::string active_sql =
        std::string(kCodeColumns) + "WHERE kind = $1 AND target_id = $2 AND status = 'active'";
    if (auto r = c.query_one(active_sql, {kind_name, target_id})) {
      out = code_of(*r);
      out->label = t->label;
      return ok_status();
    }
    int64_t now = clock_.now_ms();
    auto r = c.query_unique(
        "INSERT INTO codes (token, kind, target_id, path, status, created_by, created_at) "
        "VALUES ($1, $2, $3, $4, 'active', $5, $6) RETURNING id",
        {mint_token(keys_), kind_name, target_id, t->path, actor(who), now});
    if (!r.ok()) return make_error(Errc::conflict, "this target was given a code at the same moment; try again");
    static const std::string by_id = std::string(kCodeColumns) + "WHERE id = $1";
    out = code_of(*c.query_one(by_id, {r->at(0).integer(0)}));
    out->label = t->label;
    announce(c, "code.issued", *out, &who, ip, "", now);
    made = true;
    return ok_status();
  });
  if (!st.ok()) return st.error();
  if (created) *created = made;
  return out;
}

Result<Code> Service::retire(std::string_view token, const std::string& reason, const Principal& who,
                             const std::string& ip, bool rotate) {
  if (auto v = registry::valid_reason(reason); !v.ok()) return v.error();
  if (!token_verifies(keys_, token)) return no_such_code();
  Result<Code> out = no_such_code();
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto code = load(c, token);
    if (!code || !territory::can_see(who, code->path)) return no_such_code();
    if (!may_manage(who, code->path)) return make_error(Errc::forbidden, "you may not retire codes here");
    if (code->status != "active") return retired_code();
    int64_t now = clock_.now_ms();
    const char* status = rotate ? "rotated" : "revoked";
    c.exec("UPDATE codes SET status = $2, retired_at = $3 WHERE id = $1", {code->id, std::string(status), now});
    code->status = status;
    code->retired_at = now;
    const KindSpec* k = kind(code->kind);
    auto t = k ? k->find(c, code->target_id) : std::nullopt;
    code->label = t ? t->label : "";
    announce(c, rotate ? "code.rotated" : "code.revoked", *code, &who, ip, reason, now);
    out = *code;
    if (!rotate) return ok_status();
    auto r = c.query_unique(
        "INSERT INTO codes (token, kind, target_id, path, status, created_by, created_at) "
        "VALUES ($1, $2, $3, $4, 'active', $5, $6) RETURNING id",
        {mint_token(keys_), code->kind, code->target_id, t ? t->path : code->path, actor(who), now});
    if (!r.ok()) return make_error(Errc::conflict, "this target was given a code at the same moment; try again");
    static const std::string by_id = std::string(kCodeColumns) + "WHERE id = $1";
    out = code_of(*c.query_one(by_id, {r->at(0).integer(0)}));
    out->label = code->label;
    announce(c, "code.issued", *out, &who, ip, reason, now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  invalidate();
  return out;
}

Result<Code> Service::revoke(std::string_view token, const std::string& reason, const Principal& who,
                             const std::string& ip) {
  return retire(token, reason, who, ip, false);
}
Result<Code> Service::rotate(std::string_view token, const std::string& reason, const Principal& who,
                             const std::string& ip) {
  return retire(token, reason, who, ip, true);
}

Result<CodePage> Service::list(const CodeQuery& q, const Principal& who) {
  if (q.limit < 1 || q.limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (q.after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  if (!q.kind.empty() && !kind(q.kind))
    return make_error(Errc::invalid_input, "kind must be one of the code kinds", "kind");
  if (q.target_id && q.kind.empty())
    return make_error(Errc::invalid_input, "target goes with kind (the kind of the target)", "target");
  std::optional<int64_t> by_number;
  if (!q.number.empty()) {
    by_number = id_of_number(q.number);
    if (!by_number)
      return make_error(Errc::invalid_input, "number must be a code number like 0000-01Z (check the plate)", "number");
  }
  bool found = true, listing = false;
  CodePage page;
  db_.read([&](store::Conn& c) {
    auto scopes = scopes_under(c, who, q.node, [&](const Grant& g) { return may_list(who, g.scope); });
    found = scopes.has_value();
    if (!found) return;
    listing = !scopes->empty();
    static const std::string sql =
        std::string(kCodeColumns) +
        "WHERE status = 'active' AND (path = $1 OR path LIKE $2) AND id > $3 AND "
        "(CAST($4 AS TEXT) IS NULL OR kind = $4) AND (CAST($5 AS BIGINT) IS NULL OR id = $5) "
        "AND (CAST($7 AS BIGINT) IS NULL OR target_id = $7) ORDER BY id LIMIT $6";
    for (const auto& s : *scopes)
      for (const auto& r : c.query(
               sql, {s, (s == "/" ? "" : s) + "/%", q.after, q.kind.empty() ? store::null_value : store::Value(q.kind),
                     by_number ? store::Value(*by_number) : store::null_value, q.limit + 1,
                     q.target_id ? store::Value(*q.target_id) : store::null_value}))
        page.items.push_back(code_of(r));
    std::sort(page.items.begin(), page.items.end(), [](const Code& a, const Code& b) { return a.id < b.id; });
    if (static_cast<int64_t>(page.items.size()) > q.limit) {
      page.items.resize(q.limit);
      page.next_after = page.items.back().id;
    }
    for (auto& code : page.items)
      if (const KindSpec* k = kind(code.kind))
        if (auto t = k->find(c, code.target_id)) code.label = t->label;
  });
  if (!found) return make_error(Errc::not_found, "no such node", "node");
  if (!listing) return make_error(Errc::forbidden, "you may not list codes here");
  return page;
}

Result<Code> Service::active(std::string_view token, const Principal& who) {
  auto c = lookup(token);
  if (!c || !territory::can_see(who, c->code.path)) return no_such_code();
  if (!may_list(who, c->code.path)) return make_error(Errc::forbidden, "you may not render codes here");
  if (c->code.status != "active") return retired_code();
  return c->code;
}

Result<std::pair<Checkin, bool>> Service::check_in(std::string_view token, const NewCheckin& in, const Principal& who) {
  if (!is_one_of(in.purpose, std::begin(kPurposes), std::end(kPurposes)))
    return make_error(Errc::invalid_input,
                      "purpose must be one of visit, patrol, attendance, shift, inspection, check_in", "purpose");
  if (in.lat.has_value() != in.lon.has_value())
    return make_error(Errc::invalid_input, "lat and lon come together", in.lat ? "lon" : "lat");
  if (in.lat && (*in.lat < -90 || *in.lat > 90)) return make_error(Errc::invalid_input, "lat must be -90 to 90", "lat");
  if (in.lon && (*in.lon < -180 || *in.lon > 180))
    return make_error(Errc::invalid_input, "lon must be -180 to 180", "lon");
  if (in.lat && !in.accuracy_m)
    return make_error(Errc::invalid_input, "accuracy_m is required with a position", "accuracy_m");
  if (in.accuracy_m && (*in.accuracy_m < 0 || *in.accuracy_m > 10000))
    return make_error(Errc::invalid_input, "accuracy_m must be 0 to 10000 metres", "accuracy_m");
  auto cached = lookup(token);
  if (!cached) return no_such_code();
  if (cached->code.status != "active") return retired_code();
  const Code& code = cached->code;
  bool allowed = grant_over(who, code.path);
  if (!allowed && code.kind == "household")
    db_.read([&](store::Conn& c) {
      auto mine = registry::household_of_account(c, who.account_id);
      allowed = mine && *mine == code.target_id;
    });
  if (!allowed) return make_error(Errc::forbidden, "you may not check in here");
  std::pair<Checkin, bool> out;
  auto opt = [](const std::optional<double>& v) { return v ? store::Value(*v) : store::null_value; };
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    auto prev = c.query_one(
        "SELECT id, lat, lon, accuracy_m, at FROM code_checkins WHERE account_id = $1 AND code_id = $2 AND purpose = "
        "$3 "
        "AND at > $4 ORDER BY at LIMIT 1",
        {who.account_id, code.id, in.purpose, now - kCheckinWindowMs});
    Checkin ck;
    ck.number = code.number;
    ck.kind = code.kind;
    ck.account_id = who.account_id;
    ck.purpose = in.purpose;
    if (prev) {
      ck.id = prev->integer(0);
      if (!prev->is_null(1)) ck.lat = prev->real(1);
      if (!prev->is_null(2)) ck.lon = prev->real(2);
      if (!prev->is_null(3)) ck.accuracy_m = prev->real(3);
      ck.at = prev->integer(4);
      out = {ck, true};
      return ok_status();
    }
    ck.lat = in.lat;
    ck.lon = in.lon;
    ck.accuracy_m = in.accuracy_m;
    ck.at = now;
    ck.id = c.query_one(
                 "INSERT INTO code_checkins (code_id, account_id, purpose, lat, lon, accuracy_m, at) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                 {code.id, who.account_id, in.purpose, opt(in.lat), opt(in.lon), opt(in.accuracy_m), now})
                ->integer(0);
    std::string payload = "{\"number\":\"" + code.number + "\",\"kind\":\"" + code.kind +
                          "\",\"target_id\":" + std::to_string(code.target_id) + ",\"purpose\":\"" + in.purpose +
                          "\",\"account_id\":" + std::to_string(who.account_id) + "}";
    c.emit({"code.checked_in", "code:" + std::to_string(code.id), code.path, std::nullopt, payload});
    out = {ck, false};
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<CheckinPage> Service::checkins(std::string_view token, int64_t after, int64_t limit, const Principal& who) {
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  auto cached = lookup(token);
  if (!cached || !territory::can_see(who, cached->code.path)) return no_such_code();
  const Code& code = cached->code;
  if (!may_list(who, code.path) && !registry::may_read(who, code.path))
    return make_error(Errc::forbidden, "you may not see the check-ins here");
  CheckinPage page;
  db_.read([&](store::Conn& c) {
    for (const auto& r : c.query("SELECT id, account_id, purpose, lat, lon, accuracy_m, at FROM code_checkins "
                                 "WHERE code_id = $1 AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3",
                                 {code.id, after, limit + 1})) {
      Checkin ck;
      ck.id = r.integer(0);
      ck.number = code.number;
      ck.kind = code.kind;
      ck.account_id = r.integer(1);
      ck.purpose = r.text(2);
      if (!r.is_null(3)) ck.lat = r.real(3);
      if (!r.is_null(4)) ck.lon = r.real(4);
      if (!r.is_null(5)) ck.accuracy_m = r.real(5);
      ck.at = r.integer(6);
      page.items.push_back(std::move(ck));
    }
  });
  if (static_cast<int64_t>(page.items.size()) > limit) {
    page.items.resize(limit);
    page.next_after = page.items.back().id;
  }
  return page;
}

void Service::log_scan(int64_t code_id, const Principal* who, const std::string& view) {
  int64_t now = clock_.now_ms();
  ScanKey key{code_id, who ? who->account_id : 0, now / 60000, view};
  std::lock_guard lk(scans_mu_);
  auto it = scans_.find(key);
  if (it == scans_.end()) {
    if (scans_.size() >= kScanBufferMax) {  // the database has been away for long: count, drop
      ++counters_.scans_dropped;
      return;
    }
    it = scans_.emplace(std::move(key), ScanCount{now, 0}).first;
  }
  ++it->second.count;
}

void Service::flush_scans() {
  std::lock_guard flushing(flush_mu_);
  std::unordered_map<ScanKey, ScanCount, ScanKeyHash> batch;
  {
    std::lock_guard lk(scans_mu_);
    batch.swap(scans_);
  }
  if (batch.empty()) return;
  try {
    static_cast<void>(db_.write([&](store::Conn& c) -> Status {
      for (const auto& [k, n] : batch)
        c.exec("INSERT INTO code_scans (code_id, account_id, view, at, scans) VALUES ($1, $2, $3, $4, $5)",
               {k.code_id, k.account_id ? store::Value(k.account_id) : store::null_value, k.view, n.first_at, n.count});
      return ok_status();
    }));
  } catch (const std::exception&) {
    std::lock_guard lk(scans_mu_);  // keep them for the next attempt
    for (auto& [k, n] : batch) {
      auto& into = scans_[k];
      into.first_at = into.count ? std::min(into.first_at, n.first_at) : n.first_at;
      into.count += n.count;
    }
    throw;
  }
}

void Service::run_scan_flusher() {
  std::unique_lock lk(scans_mu_);
  while (!stopping_) {
    scans_cv_.wait_for(lk, std::chrono::seconds(1), [this] { return stopping_.load(); });
    if (stopping_) break;
    lk.unlock();
    try {
      flush_scans();
    } catch (const std::exception&) {
      // the database is away; the scans wait in memory (bounded) for the next round
    }
    lk.lock();
  }
}

Result<Stats> Service::stats(std::optional<int64_t> node, int64_t days, const Principal& who) {
  if (days < 1 || days > 90) return make_error(Errc::invalid_input, "days must be 1 to 90", "days");
  Stats out;
  out.node_id = node;
  out.days = days;
  std::optional<std::vector<std::string>> scopes;
  db_.read([&](store::Conn& c) {
    scopes = scopes_under(c, who, node, [&](const Grant& g) { return may_list(who, g.scope); });
  });
  bool found = scopes.has_value();
  if (!found) return make_error(Errc::not_found, "no such node", "node");
  if (scopes->empty()) return make_error(Errc::forbidden, "you may not see scan statistics here");
  constexpr int64_t kDayMs = 86'400'000, kCstMs = 8 * 3'600'000;  // days in China Standard Time
  int64_t now = clock_.now_ms();
  int64_t today = (now + kCstMs) / kDayMs;
  int64_t since = (today - days + 1) * kDayMs - kCstMs;
  std::map<int64_t, Stats::Day> by_day;
  std::map<std::string, int64_t> by_kind;
  std::map<int64_t, int64_t> by_code;
  db_.read([&](store::Conn& c) {
    static const std::string sql =
        "SELECT s.code_id, s.view, s.at, k.kind, s.scans FROM code_scans s JOIN codes k ON k.id = s.code_id "
        "WHERE s.at >= $1 AND (k.path = $2 OR k.path LIKE $3)";
    for (const auto& s : *scopes)
      for (const auto& r : c.query(sql, {since, s, (s == "/" ? "" : s) + "/%"})) {
        auto& d = by_day[(r.integer(2) + kCstMs) / kDayMs];
        const std::string& view = r.text(1);
        int64_t n = r.integer(4);
        (view == "staff" ? d.staff_scans : view == "member" ? d.member_scans : d.public_scans) += n;
        by_kind[r.text(3)] += n;
        by_code[r.integer(0)] += n;
      }
    std::vector<std::pair<int64_t, int64_t>> top(by_code.begin(), by_code.end());
    std::sort(top.begin(), top.end(),
              [](auto& a, auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    if (top.size() > 10) top.resize(10);
    static const std::string one = std::string(kCodeColumns) + "WHERE id = $1";
    for (auto [id, n] : top)
      if (auto r = c.query_one(one, {id})) {
        Code code = code_of(*r);
        if (const KindSpec* k = kind(code.kind))
          if (auto t = k->find(c, code.target_id)) code.label = t->label;
        out.top.push_back({std::move(code), n});
      }
  });
  for (int64_t d = today - days + 1; d <= today; ++d) {
    Stats::Day day = by_day.count(d) ? by_day[d] : Stats::Day{};
    auto ymd = std::chrono::year_month_day(std::chrono::sys_days(std::chrono::days(d)));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    day.day = buf;
    out.by_day.push_back(std::move(day));
  }
  out.by_kind.assign(by_kind.begin(), by_kind.end());
  return out;
}

}  // namespace mashang::codes
