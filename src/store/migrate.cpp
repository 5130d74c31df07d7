#include "store/migrate.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>

namespace mashang::store {
namespace {

struct Step {
  int version = 0;
  std::string name;
  std::string sql;
};

// Picks, for each version, the shared file or the one for this dialect.
std::map<int, Step> steps_for(Dialect d) {
  std::map<int, Step> out;
  for (const auto& f : embedded_migrations()) {
    std::string name = f.name;
    int version = std::atoi(name.substr(0, 4).c_str());
    bool for_sqlite = name.ends_with(".sqlite.sql"), for_pg = name.ends_with(".pg.sql");
    if ((for_sqlite && d != Dialect::sqlite) || (for_pg && d != Dialect::postgresql)) continue;
    Step& s = out[version];
    s.version = version;
    s.name = name;
    s.sql += f.sql;
    s.sql += "\n";
  }
  return out;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

int latest_version() {
  int v = 0;
  for (const auto& f : embedded_migrations()) v = std::max(v, std::atoi(std::string(f.name).substr(0, 4).c_str()));
  return v;
}

int current_version(Db& db) {
  int v = 0;
  db.raw([&](Conn& c) {
    c.script(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at BIGINT NOT NULL)");
    auto row = c.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    v = static_cast<int>(row->integer(0));
  });
  return v;
}

Result<int> migrate(Db& db) {
  int have = current_version(db);
  int latest = latest_version();
  if (have > latest)
    return make_error(Errc::conflict, "database schema version " + std::to_string(have) +
                                          " is newer than this binary's " + std::to_string(latest) +
                                          "; run a newer mashang");
  int applied = 0;
  for (auto& [version, step] : steps_for(db.dialect())) {
    if (version <= have) continue;
    bool done_here = false;
    db.raw([&](Conn& c) {
      c.script(db.dialect() == Dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
      try {
        if (db.dialect() == Dialect::postgresql) c.exec("SELECT pg_advisory_xact_lock(7243000)");
        if (c.query_one("SELECT 1 FROM schema_migrations WHERE version = $1", {static_cast<int64_t>(version)})) {
          c.script("ROLLBACK");  // another instance applied it meanwhile
          return;
        }
        c.script(step.sql);
        c.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
               {static_cast<int64_t>(version), step.name, now_ms()});
        c.script("COMMIT");
        done_here = true;
      } catch (...) {
        c.script("ROLLBACK");
        throw;
      }
    });
    if (!done_here) continue;
    spdlog::info("migration {} applied", step.name);
    ++applied;
  }
  return applied;
}

}  // namespace mashang::store
