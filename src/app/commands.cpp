#include "app/commands.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "app/demo.hpp"
#include "app/wiring.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "http/server.hpp"
#include "modules/audit/audit.hpp"
#include "store/migrate.hpp"

#ifndef MASHANG_VERSION
#define MASHANG_VERSION "dev"
#endif

namespace mashang::app {
namespace {

struct Common {
  std::string config_file, db, data_dir, listen, web_root;
};

Result<Config> config_from(const Common& c) {
  auto cfg = load_config(c.config_file);
  if (!cfg.ok()) return cfg;
  if (!c.db.empty()) cfg->database.url = c.db;
  if (!c.data_dir.empty()) cfg->paths.data_dir = c.data_dir;
  if (!c.listen.empty()) cfg->server.listen = c.listen;
  if (!c.web_root.empty()) cfg->server.web_root = c.web_root;
  return cfg;
}

int fail(const Error& e) {
  std::cerr << "mashang: " << e.message << "\n";
  return e.code == Errc::invalid_input ? 2 : 1;
}

// Runs a command body, turning faults (e.g. database unreachable) into a clean message.
template <class F>
int guarded(F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    std::cerr << "mashang: " << e.what() << "\n";
    return 1;
  }
}

int cmd_serve(const Common& common) {
  // Two malloc arenas instead of glibc's eight per core: a decoded phone photo is tens of MiB,
  // and with the default arenas ten upright photos left the process at 107–120 MiB against
  // 85 MiB with two (bench/media; docs/decisions.md). The environment can still say otherwise.
  if (!std::getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 2);
  auto cfg = config_from(common);
  if (!cfg.ok()) return fail(cfg.error());
  auto listen = http::parse_listen(cfg->server.listen);
  if (!listen.ok()) return fail(listen.error());
  auto sys = open_system(*cfg);
  if (!sys.ok()) return fail(sys.error());
  (*sys)->roster->recover();
  (*sys)->codes->recover();
  (*sys)->orders->start_escalator();
  (*sys)->points->start_sweeper();
  (*sys)->notify->start();
  (*sys)->care->start_escalator();
  auto web = build_web(**sys);
  const auto& l = cfg->limits;
  http::ServerOptions o;
  o.host = listen->first;
  o.port = listen->second;
  o.io_threads = cfg->server.threads;
  // SQLite work is CPU work: more workers than cores only adds wake-ups and context
  // switches (6 workers on 2 cores: 29k req/s reading a row; 2 workers: 49k; see
  // docs/decisions.md). PostgreSQL workers mostly wait on the network: one per connection.
  int cores = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  bool sqlite = (*sys)->db->dialect() == store::Dialect::sqlite;
  o.worker_threads = static_cast<int>(l.worker_threads > 0 ? l.worker_threads
                                      : sqlite             ? cores
                                                           : cfg->database.pool_size + 2);
  // Writes on SQLite wait for a group commit (store/sqlite.cpp) rather than compute: a pool
  // of their own, big enough for a batch worth committing, keeps them from holding the
  // reads' threads. Override: MASHANG_WRITE_THREADS (for measuring).
  if (sqlite) o.write_threads = 8 * cores;
  if (const char* w = std::getenv("MASHANG_WRITE_THREADS")) o.write_threads = std::atoi(w);
  o.header_bytes_max = l.header_bytes_max;
  o.body_bytes_max = l.body_bytes_max;
  o.connections_max = l.connections_max;
  o.idle_timeout_ms = l.idle_timeout_ms;
  o.request_timeout_ms = l.request_timeout_ms;
  o.shutdown_grace_ms = l.shutdown_grace_ms;
  o.heartbeat_ms = cfg->events.heartbeat_ms;
  auto& events = *(*sys)->events;
  http::Server server(o, *web->pipeline, web->hub, [&events](int64_t after, const Principal& who) {
    auto page = events.replay(after, who);
    return http::ReplayPage{std::move(page.events), page.scanned_to, page.more};
  });
  web->metrics.gauge("mashang_http_connections", "Open client connections.",
                     [&server] { return static_cast<double>(server.connections()); });
  web->metrics.counter("mashang_http_connections_rejected_total", "Connections refused above connections_max.",
                       [&server] { return static_cast<double>(server.rejected_connections()); });
  int rc = server.run([&](uint16_t port) {
    spdlog::info("mashang {} serving http://{}:{} on {} ({})", MASHANG_VERSION, o.host, port,
                 (*sys)->db->dialect_name(), cfg->server.web_root);
  });
  // The hub goes away with `web`, before the database: stop publishing to it first (on
  // PostgreSQL a listener thread publishes until the database closes).
  (*sys)->db->on_commit(nullptr);
  spdlog::info("stopped");
  return rc;
}

int cmd_migrate(const Common& common) {
  auto cfg = config_from(common);
  if (!cfg.ok()) return fail(cfg.error());
  crypto::init();
  auto db = store::open(cfg->database.url, 1, [] { return SystemClock().now_ms(); });
  auto n = store::migrate(*db);
  if (!n.ok()) return fail(n.error());
  std::cout << "schema at version " << store::current_version(*db) << " (" << *n << " applied)\n";
  return 0;
}

int cmd_demo(const Common& common, bool as_json, const DemoOptions& opt) {
  auto cfg = config_from(common);
  if (!cfg.ok()) return fail(cfg.error());
  auto sys = open_system(*cfg);
  if (!sys.ok()) return fail(sys.error());
  auto logins = build_demo(**sys, opt);
  if (!logins.ok()) return fail(logins.error());
  if (as_json) {
    std::cout << demo_json(*logins) << "\n";
  } else {
    std::cout << "Demo district ready in " << cfg->database.url << "\n";
    for (const auto& d : *logins)
      std::cout << "  " << d.label << " (" << d.role << " at " << d.scope << "): login " << d.login << " / password "
                << d.password << "\n";
  }
  return 0;
}

struct UserAdd {
  std::string username, phone, name, password;
  std::vector<std::string> roles;
  bool password_stdin = false;
};

int cmd_user_add(const Common& common, UserAdd u) {
  auto cfg = config_from(common);
  if (!cfg.ok()) return fail(cfg.error());
  if (u.password_stdin) std::getline(std::cin, u.password);
  if (u.password.empty()) return fail(make_error(Errc::invalid_input, "give --password or --password-stdin"));
  auto sys = open_system(*cfg);
  if (!sys.ok()) return fail(sys.error());
  accounts::NewAccount in;
  if (!u.username.empty()) in.username = u.username;
  if (!u.phone.empty()) in.phone = u.phone;
  in.display_name = u.name.empty() ? (u.username.empty() ? u.phone : u.username) : u.name;
  in.password = u.password;
  for (const auto& r : u.roles) {
    auto at = r.find('@');
    in.grants.push_back({r.substr(0, at), at == std::string::npos ? "/" : r.substr(at + 1)});
  }
  auto a = (*sys)->accounts->create_account(in, nullptr);
  if (!a.ok()) return fail(a.error());
  std::cout << "account " << a->id << " created\n";
  return 0;
}

int cmd_backup(const Common& common, const std::string& out) {
  auto cfg = config_from(common);
  if (!cfg.ok()) return fail(cfg.error());
  if (std::filesystem::exists(out)) return fail(make_error(Errc::conflict, out + " exists; choose a new file"));
  auto db = store::open(cfg->database.url, 1, [] { return SystemClock().now_ms(); });
  if (auto st = db->backup(out); !st.ok()) return fail(st.error());
  std::cout << "backup written to " << out << "\n";
  return 0;
}

// A progress bar on stderr: "[#########-----------] 45%  20,700/46,000 households".
void progress_bar(int64_t done, int64_t total) {
  constexpr int kWidth = 30;
  int filled = total ? static_cast<int>(done * kWidth / total) : kWidth;
  std::string bar(filled, '#');
  bar.resize(kWidth, '-');
  std::fprintf(stderr, "\r[%s] %3lld%%  %lld/%lld households", bar.c_str(),
               static_cast<long long>(total ? done * 100 / total : 100), static_cast<long long>(done),
               static_cast<long long>(total));
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

void print_report(const roster::Report& r) {
  std::cout << r.format << " (" << r.encoding << "): " << r.rows << " rows, " << r.households << " households, "
            << r.persons << " persons; " << r.new_compounds << " new compounds, " << r.new_buildings
            << " new buildings\n";
  if (!r.ignored_columns.empty()) {
    std::cout << "ignored columns:";
    for (const auto& c : r.ignored_columns) std::cout << " " << c;
    std::cout << "\n";
  }
  for (const auto& p : r.problems)
    std::cout << "row " << p.row << (p.column.empty() ? "" : ", " + p.column) << ": " << p.message << "\n";
  if (r.problem_count > static_cast<int64_t>(r.problems.size()))
    std::cout << "… and " << (r.problem_count - static_cast<int64_t>(r.problems.size())) << " more problems\n";
}

int cmd_roster_import(const Common& common, const std::string& file, bool dry_run) {
  auto cfg = config_from(common);
  if (!cfg.ok()) return fail(cfg.error());
  auto sys = open_system(*cfg);
  if (!sys.ok()) return fail(sys.error());
  std::ifstream f(file, std::ios::binary);
  if (!f) return fail(make_error(Errc::not_found, "cannot read " + file));
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  Principal cli;  // the command line acts for the district (its audit records name no account)
  cli.grants = {{"district_admin", "/"}};
  if (dry_run) {
    auto rep = (*sys)->roster->check(bytes, cli);
    if (!rep.ok()) return fail(rep.error());
    print_report(*rep);
    std::cout << (rep->problem_count ? "not importable: fix the rows above\n" : "importable: run without --dry-run\n");
    return rep->problem_count ? 1 : 0;
  }
  auto done = (*sys)->roster->apply(bytes, cli, "cli", progress_bar);
  if (!done.ok()) return fail(done.error());
  print_report(done->report);
  if (done->report.problem_count) {
    std::cout << "nothing written: fix the rows above\n";
    return 1;
  }
  const auto& n = done->counts;
  std::cout << "written in " << done->batches << " buildings: " << n.households_created << " households added, "
            << n.households_matched << " found; " << n.persons_created << " persons added, " << n.persons_updated
            << " updated\n";
  return 0;
}

int cmd_codes_print(const Common& common, int64_t community, const std::string& out, std::optional<int64_t> limit) {
  auto cfg = config_from(common);
  if (!cfg.ok()) return fail(cfg.error());
  auto sys = open_system(*cfg);
  if (!sys.ok()) return fail(sys.error());
  auto node = (*sys)->territory->find(community);
  if (!node) return fail(make_error(Errc::not_found, "no node " + std::to_string(community)));
  if (node->kind != "community")
    return fail(make_error(Errc::invalid_input, "node " + std::to_string(community) + " (" + node->name + ") is a " +
                                                    node->kind + ", not a community"));
  Principal cli;  // the command line acts for the district (its audit records name no account)
  cli.grants = {{"district_admin", "/"}};
  auto printed = (*sys)->codes->print_to_file(community, "door_plate", limit, out, cli, progress_bar);
  if (!printed.ok()) return fail(printed.error());
  std::cout << out << ": " << printed->plates << " door plates of " << node->name << " on " << printed->pages
            << " pages\n";
  return 0;
}

int cmd_audit_verify(const Common& common) {
  auto cfg = config_from(common);
  if (!cfg.ok()) return fail(cfg.error());
  auto db = store::open(cfg->database.url, 1, [] { return SystemClock().now_ms(); });
  auto v = audit::verify(*db);
  if (v.broken_at) {
    std::cout << "audit log broken at " << (*v.broken_at ? "record " + std::to_string(*v.broken_at) : "its head")
              << ": " << v.problem << " (" << v.checked << " records read)\n";
    return 1;
  }
  std::cout << "audit log intact: " << v.checked << " records, every hash and link checked\n";
  return 0;
}

int cmd_points_audit(const Common& common) {
  auto cfg = config_from(common);
  if (!cfg.ok()) return fail(cfg.error());
  SystemClock clock;
  auto db = store::open(cfg->database.url, 1, [&clock] { return clock.now_ms(); });
  points::Service ledger(*db, clock, {}, {});
  auto t0 = clock.now_ms();
  auto r = ledger.audit();
  auto ms = clock.now_ms() - t0;
  for (const auto& p : r.problems) std::cout << "discrepancy: " << p << "\n";
  std::cout << "points ledger: " << r.accounts << " accounts, " << r.postings << " postings, " << r.transfers
            << " transfers checked in " << ms << " ms; " << r.problems.size()
            << (r.problems.size() == 1 ? " discrepancy" : " discrepancies") << "\n";
  return r.problems.empty() ? 0 : 1;
}

int cmd_routes(const Common& common, bool as_json) {
  auto cfg = config_from(common);
  if (!cfg.ok()) return fail(cfg.error());
  // The routes do not depend on the data: wire a throwaway database to list them.
  auto w = [&] {
    crypto::init();
    auto dir = std::filesystem::temp_directory_path() / ("mashang-routes-" + crypto::random_token(6));
    Config c = *cfg;
    c.database.url = "sqlite:" + (dir / "r.db").string();
    c.paths.data_dir = dir.string();
    auto s = open_system(c);
    auto webp = build_web(**s);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : webp->router.routes()) out.emplace_back(r->method, r->pattern);
    webp.reset();
    s->reset();
    std::filesystem::remove_all(dir);
    return out;
  }();
  if (as_json) {
    std::string j = "[";
    for (auto& [m, p] : w) {
      if (j.size() > 1) j += ",";
      j += "{\"method\":";
      text::append_json_string(j, m);
      j += ",\"path\":";
      text::append_json_string(j, p);
      j += "}";
    }
    std::cout << j << "]\n";
  } else {
    for (auto& [m, p] : w) std::cout << m << " " << p << "\n";
  }
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"mashang (码上): community governance for a district, one binary"};
  app.require_subcommand(1);
  app.fallthrough();
  Common common;
  app.add_option("--config", common.config_file, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("--db", common.db, "database: sqlite:PATH or postgresql://…");
  app.add_option("--data-dir", common.data_dir, "directory for uploads and the key file");

  auto* serve = app.add_subcommand("serve", "serve the API and the web app");
  serve->add_option("--listen", common.listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
  serve->add_option("--web-root", common.web_root, "directory of the built web app (default web/dist)");
  auto* migrate = app.add_subcommand("migrate", "apply database migrations and exit");
  auto* demo = app.add_subcommand("demo", "create or refresh the demo district and print its accounts");
  bool demo_json = false;
  demo->add_flag("--json", demo_json, "print the accounts as JSON");
  DemoOptions demo_opt;
  demo->add_option("--seed", demo_opt.seed, "the seed the district is generated from (same seed, same district)");
  std::string demo_size = "full";
  demo->add_option("--size", demo_size,
                   "full: 45,000 households and 120,000 persons; small: the same tree and grids, households in "
                   "one building only (for tests)")
      ->check(CLI::IsMember({"full", "small"}));
  auto* user = app.add_subcommand("user", "manage accounts");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "create an account");
  UserAdd ua;
  user_add->add_option("--username", ua.username, "login name (a-z, 0-9, _ . -)");
  user_add->add_option("--phone", ua.phone, "mainland mobile number, also a login");
  user_add->add_option("--name", ua.name, "display name");
  user_add->add_option("--role", ua.roles, "role, optionally with a scope: district_admin or grid_worker@/1/2");
  auto* pw = user_add->add_option("--password", ua.password, "password (prefer --password-stdin)");
  user_add->add_flag("--password-stdin", ua.password_stdin, "read the password from standard input")->excludes(pw);
  auto* backup = app.add_subcommand("backup", "copy the database while it is in use");
  std::string backup_out;
  backup->add_option("--out", backup_out, "file to write")->required();
  auto* routes = app.add_subcommand("routes", "list the HTTP routes");
  bool routes_json = false;
  routes->add_flag("--json", routes_json, "print as JSON");
  auto* roster_cmd = app.add_subcommand("roster", "population rosters (CSV or .xlsx)");
  roster_cmd->require_subcommand(1);
  auto* roster_import = roster_cmd->add_subcommand("import", "check a roster and write it into the registry");
  std::string roster_file;
  bool roster_dry = false;
  roster_import->add_option("file", roster_file, "the .csv (UTF-8 or GBK) or .xlsx file")->required();
  roster_import->add_flag("--dry-run", roster_dry, "check every row and write nothing");
  auto* codes_cmd = app.add_subcommand("codes", "household and place codes");
  codes_cmd->require_subcommand(1);
  auto* codes_print = codes_cmd->add_subcommand("print", "write the door plates of a community's households as a PDF");
  int64_t print_community = 0, print_limit = 0;
  std::string print_out;
  codes_print->add_option("--community", print_community, "the community's node id")->required();
  codes_print->add_option("--out", print_out, "the PDF file to write")->required();
  codes_print->add_option("--limit", print_limit, "at most this many plates (1–100000)");
  auto* audit_cmd = app.add_subcommand("audit", "the audit log");
  audit_cmd->require_subcommand(1);
  auto* audit_verify = audit_cmd->add_subcommand("verify", "check the audit log's hash chain; exit 1 when broken");
  auto* points_cmd = app.add_subcommand("points", "the points ledger");
  points_cmd->require_subcommand(1);
  auto* points_audit = points_cmd->add_subcommand(
      "audit", "recompute every balance from the transfers and check every invariant; exit 1 on any discrepancy");
  auto* version = app.add_subcommand("version", "print the version");

  CLI11_PARSE(app, argc, argv);
  log::init(/*quiet=*/!serve->parsed());

  int rc = guarded([&] {
    if (serve->parsed()) return cmd_serve(common);
    if (migrate->parsed()) return cmd_migrate(common);
    if (demo->parsed()) {
      demo_opt.size = demo_size == "small" ? demo::Size::small : demo::Size::full;
      return cmd_demo(common, demo_json, demo_opt);
    }
    if (user_add->parsed()) return cmd_user_add(common, ua);
    if (backup->parsed()) return cmd_backup(common, backup_out);
    if (routes->parsed()) return cmd_routes(common, routes_json);
    if (audit_verify->parsed()) return cmd_audit_verify(common);
    if (points_audit->parsed()) return cmd_points_audit(common);
    if (roster_import->parsed()) return cmd_roster_import(common, roster_file, roster_dry);
    if (codes_print->parsed())
      return cmd_codes_print(common, print_community, print_out,
                             codes_print->count("--limit") ? std::optional(print_limit) : std::nullopt);
    if (version->parsed()) {
      std::cout << "mashang " << MASHANG_VERSION << " (schema " << store::latest_version() << ")\n";
      return 0;
    }
    return 1;
  });
  spdlog::shutdown();  // flushes the buffered access log
  return rc;
}

}  // namespace mashang::app
