// Same-run baseline of bench/points: ledger postings straight against SQLite, one connection,
// one transaction per posting (BEGIN IMMEDIATE … COMMIT, as the server's writer does alone),
// prepared statements kept, the server's PRAGMAs. No HTTP, sessions, JSON, permission checks,
// catalogue, caps or events: only what a posting writes, as store code does it — the posting
// row, the accounts locked in id order (a no-op UPDATE each), each transfer's conditional
// debit and credit with their balances after, the transfer row.
//
//   bench_points_sqlite DB MODE COUNT
//
// Makes its own accounts first (owner 900000000+: a virtue, a budget holding COUNT points, a
// spendable; the mint if missing). MODE grant: one transfer a posting, mint → the budget;
// award: two transfers a posting (mint → virtue, budget → spendable), as an award to a person. Prints
// "postings N", "transfers N", "seconds S", "postings_per_s R", "transfers_per_s R".
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

sqlite3* db = nullptr;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bench_points_sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  std::exit(1);
}

sqlite3_stmt* prepare(const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK) die(sql);
  return st;
}

bool got_row = false;  // whether the last step_int read a row

int64_t step_int(sqlite3_stmt* st) {  // runs; the first column of the first row (0 if none)
  int64_t v = 0;
  int rc = sqlite3_step(st);
  got_row = rc == SQLITE_ROW;
  if (got_row) {
    v = sqlite3_column_int64(st, 0);
    rc = sqlite3_step(st);
  }
  if (rc != SQLITE_DONE) die("step");
  sqlite3_reset(st);
  return v;
}

void exec(const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) die(sql);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bench_points_sqlite DB grant|award COUNT\n");
    return 2;
  }
  bool award = std::strcmp(argv[2], "award") == 0;
  int64_t count = std::atoll(argv[3]);
  if (sqlite3_open(argv[1], &db) != SQLITE_OK) die("open");
  exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  sqlite3_busy_timeout(db, 5000);
  exec(
      "INSERT INTO points_accounts (kind, owner_id, negative_ok, created_at) VALUES ('mint', 0, 1, 0) "
      "ON CONFLICT (kind, owner_id) DO NOTHING");
  int64_t owner = 900000000 + (std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
  std::string o = std::to_string(owner), n = std::to_string(count);
  exec(("INSERT INTO points_accounts (kind, owner_id, negative_ok, created_at) VALUES ('virtue', " + o +
        ", 1, 0); "
        "INSERT INTO points_accounts (kind, owner_id, balance, credits, negative_ok, created_at) VALUES ('budget', " +
        o + ", " + n + ", " + n + ", 0, 0); " +
        "INSERT INTO points_accounts (kind, owner_id, negative_ok, created_at) VALUES ('spendable', " + o + ", 0, 0);")
           .c_str());
  auto id_of = [&](const std::string& kind, const std::string& who) {
    auto* q = prepare(("SELECT id FROM points_accounts WHERE kind = '" + kind + "' AND owner_id = " + who).c_str());
    int64_t v = step_int(q);
    sqlite3_finalize(q);
    return v;
  };
  int64_t mint = id_of("mint", "0"), virtue = id_of("virtue", o), budget = id_of("budget", o),
          spendable = id_of("spendable", o);
  auto* posting = prepare(
      "INSERT INTO points_postings (idem_key, fingerprint, kind, item_id, subject, subject_id, community_id, points, "
      "reason, evidence, proposal_id, reverses, approved_by, created_by, created_at) "
      "VALUES ($1, $2, 'grant', NULL, 'community', 3, 3, 1, 'bench', '', NULL, NULL, '1', 1, $3) RETURNING id");
  auto* lock = prepare("UPDATE points_accounts SET balance = balance WHERE id = $1");
  auto* debit = prepare(
      "UPDATE points_accounts SET balance = balance - $2, debits = debits + $2 "
      "WHERE id = $1 AND (negative_ok = 1 OR balance >= $2) RETURNING balance");
  auto* credit = prepare(
      "UPDATE points_accounts SET balance = balance + $2, credits = credits + $2 WHERE id = $1 RETURNING balance");
  auto* transfer = prepare(
      "INSERT INTO points_transfers (posting_id, debit_id, credit_id, amount, debit_after, credit_after, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)");
  auto* begin = prepare("BEGIN IMMEDIATE");
  auto* commit = prepare("COMMIT");
  std::vector<std::pair<int64_t, int64_t>> moves = {{mint, award ? virtue : budget}};
  if (award) moves.push_back({budget, spendable});
  auto t0 = std::chrono::steady_clock::now();
  int64_t transfers = 0;
  for (int64_t i = 0; i < count; ++i) {
    step_int(begin);
    std::string key = "bench-raw-" + std::to_string(i) + "-" + std::to_string(t0.time_since_epoch().count());
    sqlite3_bind_text(posting, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(posting, 2, key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(posting, 3, i);
    int64_t pid = step_int(posting);
    std::vector<int64_t> ids;
    for (auto [d, c] : moves) ids.insert(ids.end(), {d, c});
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (int64_t a : ids) {
      sqlite3_bind_int64(lock, 1, a);
      step_int(lock);
    }
    for (auto [d, c] : moves) {
      sqlite3_bind_int64(debit, 1, d);
      sqlite3_bind_int64(debit, 2, 1);
      int64_t da = step_int(debit);
      if (!got_row) die("debit refused: the account cannot cover it");
      sqlite3_bind_int64(credit, 1, c);
      sqlite3_bind_int64(credit, 2, 1);
      int64_t ca = step_int(credit);
      sqlite3_bind_int64(transfer, 1, pid);
      sqlite3_bind_int64(transfer, 2, d);
      sqlite3_bind_int64(transfer, 3, c);
      sqlite3_bind_int64(transfer, 4, 1);
      sqlite3_bind_int64(transfer, 5, da);
      sqlite3_bind_int64(transfer, 6, ca);
      sqlite3_bind_int64(transfer, 7, i);
      step_int(transfer);
      ++transfers;
    }
    step_int(commit);
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("postings %lld\ntransfers %lld\nseconds %.3f\npostings_per_s %.0f\ntransfers_per_s %.0f\n",
              static_cast<long long>(count), static_cast<long long>(transfers), s, count / s, transfers / s);
  sqlite3_close(db);
  return 0;
}
