// Same-run baseline of bench/claims: work-order claims straight against SQLite, one
// connection, one transaction per claim attempt (BEGIN IMMEDIATE … COMMIT, as the server's
// single writer does), prepared statements kept, the server's PRAGMAs (WAL,
// synchronous=NORMAL, foreign_keys=ON). No HTTP, no sessions, no JSON, no permission checks.
//
//   bench_claims_sqlite DB MODE FIRST_ID IDS TRIES FIRST_ACCOUNT ACCOUNTS
//
// Claims orders FIRST_ID … FIRST_ID+IDS-1 in order; each id is tried TRIES times by
// successive accounts (FIRST_ACCOUNT … +ACCOUNTS-1, round robin): the first try wins, the
// others find the order claimed (the conditional UPDATE changes no row) and roll back, as the
// 409 path does. MODE:
//   minimal  the writes a claim needs: the conditional UPDATE of the order, then the
//            'claimed' step and the 'order.claimed' event INSERTs (the floor);
//   service  the statements Service::claim issues, in its order: read the order (joined to
//            its category), read the whole catalogue (categories, then questions), the
//            conditional UPDATE, read the order again, INSERT the step, INSERT the event.
// Prints one "key value" line per figure: claims, attempts, seconds, claims_per_s,
// attempts_per_s.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

sqlite3* db = nullptr;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bench_claims_sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  std::exit(1);
}

sqlite3_stmt* prepare(const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK) die(sql);
  return st;
}

// Steps to the end, reading every column of every row (as the server copies them out).
void run(sqlite3_stmt* st) {
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int n = sqlite3_column_count(st);
    for (int i = 0; i < n; ++i)
      if (sqlite3_column_type(st, i) == SQLITE_TEXT) (void)sqlite3_column_bytes(st, i);
  }
  if (rc != SQLITE_DONE) die("step");
  sqlite3_reset(st);
}

// Binds $N by name: SQLite numbers "$N" parameters in order of first appearance, not by N.
void bind(sqlite3_stmt* st, const char* name, int64_t v) {
  if (sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, name), v) != SQLITE_OK) die(name);
}
void bind(sqlite3_stmt* st, const char* name, const char* v) {
  if (sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, name), v, -1, SQLITE_STATIC) != SQLITE_OK) die(name);
}

int64_t arg(char** argv, int i) { return std::strtoll(argv[i], nullptr, 10); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8 || (std::strcmp(argv[2], "minimal") && std::strcmp(argv[2], "service"))) {
    std::fprintf(stderr, "usage: bench_claims_sqlite DB minimal|service FIRST_ID IDS TRIES FIRST_ACCOUNT ACCOUNTS\n");
    return 2;
  }
  const bool service = !std::strcmp(argv[2], "service");
  const int64_t first = arg(argv, 3), ids = arg(argv, 4), tries = arg(argv, 5), account0 = arg(argv, 6),
                accounts = arg(argv, 7);
  if (ids < 1 || tries < 1 || accounts < 1) return 2;
  if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) die("open");
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", nullptr, nullptr,
                   nullptr) != SQLITE_OK)
    die("pragma");

  sqlite3_stmt* begin = prepare("BEGIN IMMEDIATE");
  sqlite3_stmt* commit = prepare("COMMIT");
  sqlite3_stmt* rollback = prepare("ROLLBACK");
  sqlite3_stmt* read_order = prepare(
      "SELECT o.id, o.category_id, c.code, o.description, o.lat, o.lon, o.origin_path, o.path, o.level, o.status, "
      "o.created_by, o.claimed_by, o.claimed_at, o.due_at, o.completed_at, o.rating, o.escalations, o.hold_reason, "
      "o.rating_comment, o.version, o.created_at, o.updated_at FROM orders o JOIN categories c ON c.id = o.category_id "
      "WHERE o.id = $1");
  sqlite3_stmt* read_categories = prepare(
      "SELECT id, code, name_zh, name_en, group_name, claim_minutes, finish_minutes, claim_roles, departments, "
      "photos_required, triage, active, updated_at FROM categories ORDER BY id");
  sqlite3_stmt* read_questions = prepare(
      "SELECT category_id, code, label_zh, label_en, datatype, required, choices FROM category_questions "
      "ORDER BY category_id, seq");
  sqlite3_stmt* update = prepare(
      "UPDATE orders SET status = 'claimed', claimed_by = $2, claimed_at = $3, due_at = $4, version = version + 1, "
      "updated_at = $3 WHERE id = $1 AND status = 'open'");
  sqlite3_stmt* step = prepare(
      "INSERT INTO order_steps (order_id, at, account_id, step, note, details) VALUES ($1, $2, $3, 'claimed', '', "
      "'{}')");
  sqlite3_stmt* event = prepare(
      "INSERT INTO events (type, subject, scope, account_id, payload, created_at) "
      "VALUES ('order.claimed', $1, '/2/3/4', NULL, $2, $3) RETURNING id");

  int64_t claims = 0, attempts = 0, k = 0;
  char subject[64], payload[256];
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t id = first; id < first + ids; ++id) {
    for (int64_t t = 0; t < tries; ++t, ++k) {
      int64_t who = account0 + k % accounts;
      int64_t now =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      ++attempts;
      run(begin);
      if (service) {
        bind(read_order, "$1", id);
        run(read_order);
        run(read_categories);
        run(read_questions);
      }
      bind(update, "$1", id);
      bind(update, "$2", who);
      bind(update, "$3", now);
      bind(update, "$4", now + 240 * 60000);
      run(update);
      if (sqlite3_changes(db) != 1) {  // claimed already: the 409 path
        run(rollback);
        continue;
      }
      if (service) run(read_order);
      bind(step, "$1", id);
      bind(step, "$2", now);
      bind(step, "$3", who);
      run(step);
      std::snprintf(subject, sizeof subject, "order:%lld", static_cast<long long>(id));
      std::snprintf(payload, sizeof payload,
                    "{\"order_id\":%lld,\"step\":\"claimed\",\"status\":\"claimed\",\"level\":\"grid\","
                    "\"category\":\"city.litter\",\"version\":2}",
                    static_cast<long long>(id));
      bind(event, "$1", subject);
      bind(event, "$2", payload);
      bind(event, "$3", now);
      run(event);
      run(commit);
      ++claims;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("claims %lld\nattempts %lld\nseconds %.3f\nclaims_per_s %.0f\nattempts_per_s %.0f\n",
              static_cast<long long>(claims), static_cast<long long>(attempts), secs, claims / secs, attempts / secs);
  for (sqlite3_stmt* st : {begin, commit, rollback, read_order, read_categories, read_questions, update, step, event})
    sqlite3_finalize(st);
  sqlite3_close(db);
  return 0;
}
