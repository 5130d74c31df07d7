#include "app/wiring.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "core/text.hpp"
#include "http/client.hpp"
#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "modules/accounts/routes.hpp"
#include "modules/audit/audit.hpp"
#include "modules/audit/routes.hpp"
#include "modules/care/routes.hpp"
#include "modules/codes/routes.hpp"
#include "modules/events/routes.hpp"
#include "modules/grids/routes.hpp"
#include "modules/notify/routes.hpp"
#include "modules/open311/routes.hpp"
#include "modules/orders/routes.hpp"
#include "modules/orgs/routes.hpp"
#include "modules/points/routes.hpp"
#include "modules/registry/routes.hpp"
#include "modules/roster/routes.hpp"
#include "modules/territory/routes.hpp"
#include "store/migrate.hpp"

#ifndef MASHANG_VERSION
#define MASHANG_VERSION "dev"
#endif

namespace mashang::app {

std::string_view openapi_yaml();  // generated from docs/openapi.yaml at build time

namespace {

using http::Request;
using http::Response;

void platform_routes(System& sys, Web& web) {
  auto& r = web.router;
  r.add("GET", "/healthz", [](Request&) { return http::json_response(200, {{"status", "ok"}}); }, {.blocking = false});
  r.add("GET", "/readyz", [&sys](Request&) {
    if (!sys.db->ping()) return http::error_response(Errc::unavailable, "the database does not answer");
    return http::json_response(200, {{"status", "ready"}, {"database", sys.db->dialect_name()}});
  });
  r.add("GET", "/metrics",
        [&web](Request&) {
          Response res;
          res.content_type = "text/plain; version=0.0.4; charset=utf-8";
          res.body = web.metrics.render();
          return res;
        },
        {.blocking = false});
  r.add("GET", "/api/version",
        [](Request&) {
          return http::json_response(200, {{"version", MASHANG_VERSION}, {"schema_version", store::latest_version()}});
        },
        {.blocking = false});
  r.add("GET", "/api/openapi.yaml",
        [](Request&) {
          Response res;
          res.content_type = "application/yaml";
          res.set("Cache-Control", "no-cache");
          res.body = std::string(openapi_yaml());
          return res;
        },
        {.blocking = false});
  r.add("GET", "/api/docs",
        [&web](Request& q) {
          Request copy = q;
          copy.path = "/api-docs/index.html";
          return web.static_files->serve(copy);
        },
        {.blocking = false});
  r.add("GET", "/api/docs/{file}",
        [&web](Request& q) {
          Request copy = q;
          copy.path = "/api-docs/" + q.params["file"];
          return web.static_files->serve(copy);
        },
        {.blocking = false});
  r.set_fallback([&web](Request& q) { return web.static_files->serve(q); });

  web.metrics.gauge("mashang_db_connections", "Database connections open.",
                    [&sys] { return static_cast<double>(sys.db->stats().connections); });
  web.metrics.gauge("mashang_db_connections_in_use", "Database connections lent out now.",
                    [&sys] { return static_cast<double>(sys.db->stats().in_use); });
  web.metrics.counter("mashang_db_pool_waits_total", "Times a request waited for a free database connection.",
                      [&sys] { return static_cast<double>(sys.db->stats().waits_total); });
  web.metrics.counter("mashang_db_writes_total", "Write transactions asked for (each a request's change).",
                      [&sys] { return static_cast<double>(sys.db->stats().writes_total); });
  web.metrics.counter("mashang_db_transactions_total",
                      "Write transactions run (SQLite commits concurrent writes together: fewer than the writes).",
                      [&sys] { return static_cast<double>(sys.db->stats().transactions_total); });
  web.metrics.gauge("mashang_live_subscribers", "Open live-event streams.",
                    [&web] { return static_cast<double>(web.hub.subscribers()); });
  for (auto [outcome, counter] :
       {std::pair{"ok", &sys.codes->counters().ok}, std::pair{"not_found", &sys.codes->counters().not_found},
        std::pair{"gone", &sys.codes->counters().gone}})
    web.metrics.counter(std::string("mashang_code_resolutions_total{outcome=\"") + outcome + "\"}",
                        "Code resolutions by outcome.", [counter] { return static_cast<double>(counter->load()); });
  web.metrics.counter("mashang_code_resolutions_total{outcome=\"limited\"}", "Code resolutions by outcome.",
                      [&web] { return static_cast<double>(web.guesses->limited.load()); });
  web.metrics.counter("mashang_code_scans_dropped_total", "Scan-log entries dropped while the database was away.",
                      [&sys] { return static_cast<double>(sys.codes->counters().scans_dropped.load()); });
  web.metrics.counter("mashang_rate_limited_total", "Requests refused by the per-client rate limit.",
                      [&web] { return static_cast<double>(web.limiter->refused_total()); });
}

}  // namespace

Result<std::unique_ptr<System>> open_system(const Config& cfg) {
  crypto::init();
  auto sys = std::make_unique<System>();
  sys->cfg = cfg;
  auto keys = crypto::Keyring::load_or_create(cfg.key_file());
  if (!keys.ok()) return keys.error();
  sys->keys = std::move(*keys);
  sys->db = store::open(cfg.database.url, cfg.database.pool_size, [c = &sys->clock] { return c->now_ms(); });
  auto migrated = store::migrate(*sys->db);
  if (!migrated.ok()) return migrated.error();
  sys->accounts = std::make_unique<accounts::Service>(*sys->db, sys->keys, sys->clock, cfg.sessions);
  sys->events = std::make_unique<events::Service>(*sys->db, cfg.events.replay_max);
  sys->territory = std::make_unique<territory::Service>(*sys->db, sys->clock);
  sys->accounts->set_scope_check(
      [t = sys->territory.get()](const std::string& scope) { return t->find_path(scope).has_value(); });
  sys->grids = std::make_unique<grids::Service>(*sys->db, sys->clock);
  sys->registry = std::make_unique<registry::Service>(*sys->db, sys->keys, sys->clock, *sys->territory);
  sys->orgs = std::make_unique<orgs::Service>(*sys->db, sys->clock);
  sys->orgs->set_account_check([a = sys->accounts.get()](int64_t id) { return a->account_exists(id); });
  sys->accounts->set_departments_lookup([o = sys->orgs.get()](int64_t id) { return o->departments_of(id); });
  sys->orgs->on_member_changed([a = sys->accounts.get()](int64_t id) { a->refresh_sessions_of(id); });
  sys->roster = std::make_unique<roster::Service>(*sys->db, sys->keys, sys->clock, *sys->territory, *sys->registry,
                                                  cfg.paths.data_dir + "/uploads");
  sys->codes = std::make_unique<codes::Service>(*sys->db, sys->keys, sys->clock, *sys->territory, *sys->registry,
                                                cfg.server.public_base_url, cfg.paths.data_dir + "/prints");
  sys->orders = std::make_unique<orders::Service>(
      *sys->db, sys->keys, sys->clock,
      [g = sys->grids.get(), t = sys->territory.get()](double lon, double lat) -> std::optional<std::string> {
        auto id = g->grid_at(lon, lat);
        if (!id) return std::nullopt;
        auto n = t->find(*id);
        return n ? std::optional(n->path) : std::nullopt;
      },
      [c = sys->codes.get()](const std::string& token) -> Result<std::string> {
        auto code = c->resolve(token, nullptr);  // a report from a scanned code is a scan
        if (!code.ok()) return code.error();
        return code->code.path;
      },
      orders::Service::Options{cfg.paths.data_dir + "/photos", cfg.orders.reopen_hours});
  if (auto seeded = sys->orders->seed_catalogue(); !seeded.ok()) return seeded.error();
  sys->open311 = std::make_unique<open311::Clients>(*sys->db, sys->clock);
  if (cfg.points.quorum < 1 || cfg.points.quorum > 99)
    return make_error(Errc::invalid_input, "config: points.quorum must be 1 to 99", "points.quorum");
  if (cfg.points.hold_hours < 1 || cfg.points.hold_hours > 24 * 90)
    return make_error(Errc::invalid_input, "config: points.hold_hours must be 1 to 2160", "points.hold_hours");
  if (cfg.points.appeal_days < 1 || cfg.points.appeal_days > 366)
    return make_error(Errc::invalid_input, "config: points.appeal_days must be 1 to 366", "points.appeal_days");
  auto node_of_kind = [](store::Conn& c, int64_t id, const char* kind) -> std::optional<points::Place> {
    auto n = territory::find_in(c, id);
    if (!n || n->kind != kind) return std::nullopt;
    return points::Place{n->path, n->name};
  };
  points::Directory dir{[](store::Conn& c, int64_t id) -> std::optional<points::Place> {
                          auto p = registry::person_place(c, id);
                          if (!p) return std::nullopt;
                          return points::Place{p->first, p->second};
                        },
                        [node_of_kind](store::Conn& c, int64_t id) { return node_of_kind(c, id, "compound"); },
                        [node_of_kind](store::Conn& c, int64_t id) { return node_of_kind(c, id, "community"); },
                        [node_of_kind](store::Conn& c, int64_t id) { return node_of_kind(c, id, "street"); },
                        [](store::Conn& c, int64_t account) { return registry::person_of_account(c, account); },
                        [](store::Conn& c, int64_t person) { return registry::account_of_person(c, person); }};
  sys->points = std::make_unique<points::Service>(
      *sys->db, sys->clock, std::move(dir),
      points::Service::Options{cfg.points.quorum, cfg.points.hold_hours, cfg.points.appeal_days});
  if (auto seeded = sys->points->seed_catalogue(); !seeded.ok()) return seeded.error();

  std::vector<std::unique_ptr<notify::Channel>> channels;
  channels.push_back(notify::inbox_channel());
  if (!cfg.notify.webhook_url.empty()) {
    if (auto ok = http::valid_post_url(cfg.notify.webhook_url); !ok.ok())
      return make_error(Errc::invalid_input, "config: notify.webhook_url: " + ok.error().message, "notify.webhook_url");
    channels.push_back(notify::webhook_channel(cfg.notify.webhook_url, cfg.notify.webhook_secret, http::post,
                                               cfg.notify.webhook_timeout_ms));
  }
  sys->notify =
      std::make_unique<notify::Service>(*sys->db, sys->clock, std::move(channels), notify::Service::Options{});
  if (cfg.care.ack_seconds < 1 || cfg.care.ack_seconds > 3600 || cfg.care.step_seconds < 1 ||
      cfg.care.step_seconds > 3600)
    return make_error(Errc::invalid_input, "config: care.ack_seconds and care.step_seconds must be 1 to 3600",
                      "care.ack_seconds");
  care::Directory care_dir;
  care_dir.home = [](store::Conn& c, int64_t person) -> std::optional<care::Home> {
    auto h = registry::person_home(c, person);
    if (!h) return std::nullopt;
    return care::Home{h->person_id, h->household_id, h->building_id,  h->floor,       h->name,
                      h->address,   h->path,         h->phone_masked, h->phone_sealed};
  };
  care_dir.person_of = [](store::Conn& c, int64_t account) { return registry::person_of_account(c, account); };
  care_dir.account_of = [](store::Conn& c, int64_t person) { return registry::account_of_person(c, person); };
  care_dir.member = [](store::Conn& c, int64_t account) -> std::optional<care::Member> {
    auto a = accounts::account_in(c, account);
    if (!a) return std::nullopt;
    return care::Member{a->id, a->display_name, a->status == "active", a->grants};
  };
  care_dir.node_path = [](store::Conn& c, int64_t id, const std::string& kind) -> std::optional<std::string> {
    auto n = territory::find_in(c, id);
    if (!n || n->kind != kind) return std::nullopt;
    return n->path;
  };
  care_dir.door = [codes = sys->codes.get()](const std::string& token, const Principal& who) -> Result<care::Door> {
    auto r = codes->resolve(token, &who);  // a visit's scan is a scan: logged
    if (!r.ok()) return r.error();
    if (r->code.kind != "household")
      return make_error(Errc::invalid_input, "this is not a household's door code", "token");
    return care::Door{r->code.id, r->code.target_id, r->code.path};
  };
  care_dir.room_place = [codes = sys->codes.get()](const std::string& token, const Principal& who) -> Result<int64_t> {
    auto r = codes->resolve(token, &who);
    if (!r.ok()) return r.error();
    if (r->code.kind != "function_room")
      return make_error(Errc::invalid_input, "this is not a function room's code", "token");
    return r->code.target_id;
  };
  care_dir.room_place_path = [codes = sys->codes.get()](int64_t place, const Principal& who) -> Result<std::string> {
    auto p = codes->place(place, who);
    if (!p.ok()) return p.error();
    if (p->kind != "function_room") return make_error(Errc::invalid_input, "not a function room", "place_id");
    return p->path;
  };
  care_dir.booking_days = [pts = sys->points.get()](int64_t person) { return pts->tier_of(person).booking_days_ahead; };
  care_dir.holders = [](store::Conn& c, const std::string& role, const std::string& path) {
    return accounts::holders_in(c, role, path);
  };
  auto service_order = [](const orders::Report& r) {
    return care::ServiceOrder{r.id, r.token, r.order_id, r.order_due_at, r.order_status};
  };
  care_dir.file_report = [ords = sys->orders.get(), service_order](
                             const std::string& category, const std::string& description, const std::string& path,
                             const Principal& who) -> Result<care::ServiceOrder> {
    orders::NewReport in;
    in.category_code = category;
    in.description = description;
    in.path = path;
    auto r = ords->report(in, &who);
    if (!r.ok()) return r.error();
    return service_order(*r);
  };
  care_dir.report_state = [ords = sys->orders.get(),
                           service_order](const std::string& token) -> std::optional<care::ServiceOrder> {
    auto r = ords->report_by_token(token);
    if (!r) return std::nullopt;
    return service_order(*r);
  };
  sys->care = std::make_unique<care::Service>(
      *sys->db, sys->clock, sys->keys, std::move(care_dir), sys->notify.get(),
      care::Service::Options{cfg.care.ack_seconds * 1000, cfg.care.step_seconds * 1000});
  return sys;
}

std::unique_ptr<Web> build_web(System& sys) {
  auto web = std::make_unique<Web>();
  const auto& l = sys.cfg.limits;
  web->limiter = std::make_unique<http::RateLimiter>(static_cast<double>(l.rate_limit_per_s),
                                                     static_cast<double>(l.rate_limit_burst));
  web->static_files = std::make_unique<http::StaticFiles>(sys.cfg.server.web_root);
  platform_routes(sys, *web);
  accounts::register_routes(web->router, *sys.accounts, sys.cfg);
  events::register_routes(web->router);
  territory::register_routes(web->router, *sys.territory);
  grids::register_routes(web->router, *sys.grids);
  size_t registry_from = web->router.routes().size();
  registry::register_routes(web->router, *sys.registry);
  size_t registry_to = web->router.routes().size();
  roster::register_routes(web->router, *sys.roster);
  orgs::register_routes(web->router, *sys.orgs);
  orders::register_routes(web->router, *sys.orders, *sys.territory);
  open311::register_routes(web->router, *sys.orders, *sys.territory, *sys.open311, sys.cfg.server.public_base_url);
  points::register_routes(web->router, *sys.points);
  notify::register_routes(web->router, *sys.notify);
  care::register_routes(web->router, *sys.care);
  // Codes: 30 failed resolutions at once per client address, one more every 6 seconds.
  web->code_guesses = std::make_unique<http::RateLimiter>(1.0 / 6.0, 30.0);
  web->guesses = std::make_unique<codes::Guesses>(*web->code_guesses, sys.clock);
  codes::register_routes(web->router, *sys.codes, *web->guesses);
  // A scanned code opens the phone app; the status already tells whether the code is good.
  web->router.add("GET", "/c/{token}", [&sys, w = web.get()](Request& q) {
    Request copy = q;
    copy.path = "/index.html";
    Response res = w->static_files->serve(copy);
    if (res.status == 200) {
      auto st = sys.codes->check(q.params["token"]);
      if (!st.ok()) res.status = http::status_of(st.error().code);
    }
    return res;
  });
  audit::register_routes(web->router, *sys.db);
  http::SessionResolver sessions{[&sys](const std::string& t) { return sys.accounts->resolve_session(t); },
                                 [&sys](const std::string& t) { return sys.accounts->cached_session(t); }};
  web->pipeline = std::make_unique<http::Pipeline>(web->router, web->metrics, *web->limiter, sessions, sys.clock);
  // Every refusal of a signed-in caller leaves a trace in the audit log (probing outside
  // one's scope is visible to admins). The registry records its own, with its targets.
  std::set<const http::Route*> self_auditing;
  for (size_t i = registry_from; i < registry_to; ++i) self_auditing.insert(web->router.routes()[i].get());
  web->pipeline->set_refusal_hook(
      [&sys, self_auditing](const http::Route& route, const http::Request& req, const http::Response& res) {
        if (self_auditing.count(&route)) return;
        std::string details = "{\"status\":" + std::to_string(res.status) + ",\"path\":";
        text::append_json_string(details, req.path);
        details += '}';
        try {  // a failing audit write must not turn the refusal into a 500
          static_cast<void>(sys.db->write([&](store::Conn& c) -> Status {
            audit::record(c,
                          {"access_refused", "route:" + route.method + " " + route.pattern, req.principal->account_id,
                           req.client_ip, "", details},
                          sys.clock.now_ms());
            return ok_status();
          }));
        } catch (const std::exception& e) {
          spdlog::error("could not audit a refused request: {}", e.what());
        }
      });
  sys.db->on_commit(
      [w = web.get(), g = sys.grids.get(), k = sys.codes.get()](const std::vector<store::EventRecord>& evs) {
        bool codes_stale = false;
        for (const auto& e : evs) {
          if (grids::Service::affects_index(e.type)) g->invalidate();
          codes_stale |= codes::Service::affects_cache(e.type);
        }
        if (codes_stale) k->invalidate();
        w->hub.publish(evs);
      });
  return web;
}

}  // namespace mashang::app
