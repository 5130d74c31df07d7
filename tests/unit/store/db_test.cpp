// Store behaviour on SQLite, and on PostgreSQL when MASHANG_TEST_PG_URL names a database
// (scripts/test provides one). The same cases run on both.
#include "store/db.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "modules/events/events.hpp"
#include "store/migrate.hpp"

using namespace mashang;
using namespace mashang::store;

namespace {

ManualClock g_clock;

struct Target {
  std::string name;
  std::string url;
};

std::vector<Target> targets() {
  std::vector<Target> t;
  crypto::init();
  auto dir = std::filesystem::temp_directory_path() / ("mashang-unit-" + crypto::random_token(6));
  t.push_back({"sqlite", "sqlite:" + (dir / "t.db").string()});
  if (const char* pg = std::getenv("MASHANG_TEST_PG_URL"); pg && *pg) t.push_back({"postgresql", pg});
  return t;
}

class Store : public ::testing::TestWithParam<Target> {
 protected:
  void SetUp() override {
    db = open(GetParam().url, 2, [] { return g_clock.now_ms(); });
    if (db->dialect() == Dialect::postgresql) {
      db->raw([](Conn& c) { c.script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"); });
    }
    auto m = migrate(*db);
    ASSERT_TRUE(m.ok()) << m.error().message;
    db->on_commit([this](const std::vector<EventRecord>& e) {
      std::lock_guard l(published_mu);
      published.insert(published.end(), e.begin(), e.end());
    });
  }
  void TearDown() override {
    db.reset();
    if (GetParam().url.starts_with("sqlite:"))
      std::filesystem::remove_all(std::filesystem::path(GetParam().url.substr(7)).parent_path());
  }
  Status add_account(const std::string& name) {
    return db->write([&](Conn& c) -> Status {
      auto r = c.query_unique(
          "INSERT INTO accounts (username, display_name, password_hash, created_at, updated_at) "
          "VALUES ($1, $1, 'x', $2, $2) RETURNING id",
          {name, g_clock.now_ms()});
      if (!r.ok()) return r.error();
      c.emit({"account.created", "account:" + name, "/", std::nullopt, "{}"});
      return ok_status();
    });
  }
  int64_t count(const std::string& table) {
    int64_t n = 0;
    db->read([&](Conn& c) { n = c.query_one("SELECT COUNT(*) FROM " + table)->integer(0); });
    return n;
  }
  std::unique_ptr<Db> db;
  // Filled by the commit listener: on the committing thread (SQLite) or on the listener
  // thread (PostgreSQL), so read it through wait_published.
  std::mutex published_mu;
  std::vector<EventRecord> published;
  //! What was published once at least n events were (or after 5 s, whatever was).
  std::vector<EventRecord> wait_published(size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard l(published_mu);
        if (published.size() >= n) return published;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard l(published_mu);
    return published;
  }
};

TEST_P(Store, MigrationsAreRecordedAndIdempotent) {
  EXPECT_EQ(current_version(*db), latest_version());
  auto again = migrate(*db);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

TEST_P(Store, RefusesADatabaseNewerThanTheBinary) {
  db->raw(
      [](Conn& c) { c.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)"); });
  auto r = migrate(*db);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::conflict);
}

TEST_P(Store, CommittedWritesPublishTheirEventsInIdOrder) {
  ASSERT_TRUE(add_account("a").ok());
  ASSERT_TRUE(add_account("b").ok());
  auto published = wait_published(2);
  ASSERT_EQ(published.size(), 2u);
  EXPECT_LT(published[0].id, published[1].id);
  EXPECT_EQ(published[0].type, "account.created");
  EXPECT_EQ(count("events"), 2);
}

TEST_P(Store, AFailedTransactionLeavesNothingAndPublishesNothing) {
  ASSERT_TRUE(add_account("a").ok());
  ASSERT_EQ(wait_published(1).size(), 1u);
  Status st = add_account("a");  // unique violation after… nothing else written
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::conflict);
  Status st2 = db->write([&](Conn& c) -> Status {
    c.exec(
        "INSERT INTO accounts (username, display_name, password_hash, created_at, updated_at) "
        "VALUES ('c', 'c', 'x', 0, 0)");
    c.emit({"account.created", "account:c", "/", std::nullopt, "{}"});
    return make_error(Errc::invalid_input, "changed my mind");
  });
  EXPECT_FALSE(st2.ok());
  EXPECT_THROW(db->write([&](Conn& c) -> Status {
    c.exec(
        "INSERT INTO accounts (username, display_name, password_hash, created_at, updated_at) "
        "VALUES ('d', 'd', 'x', 0, 0)");
    c.emit({"account.created", "account:d", "/", std::nullopt, "{}"});
    c.exec("SELECT * FROM no_such_table");
    return ok_status();
  }),
               Fault);
  // A later commit's event is published next: nothing from the failed ones came before it.
  ASSERT_TRUE(add_account("e").ok());
  auto published = wait_published(2);
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[1].subject, "account:e");
  EXPECT_EQ(count("accounts"), 2);
  EXPECT_EQ(count("events"), 2);
}

// Concurrent writes: SQLite commits them together (group commit), each in a savepoint of
// the shared transaction. Every caller still gets its own outcome, and a write that fails or
// throws leaves nothing, while the writes committed beside it keep everything, events included.
TEST_P(Store, ConcurrentWritesEachKeepTheirOwnOutcome) {
  db->raw([](Conn& c) { c.script("CREATE TABLE gc (k INTEGER PRIMARY KEY, v TEXT NOT NULL)"); });
  const int threads = 12, per_thread = 40;
  // k % 7 == 3: returns an error after writing; k % 11 == 5: throws after writing; else commits.
  auto fate = [](int k) { return k % 7 == 3 ? 1 : k % 11 == 5 ? 2 : 0; };
  std::vector<int> outcome(threads * per_thread, -1);
  std::atomic<bool> first_running{false};
  auto one = [&](int k) {
    try {
      Status st = db->write([&](Conn& c) -> Status {
        if (k == 0) {
          // Holds the first transaction open while the others queue up behind it.
          first_running = true;
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        c.exec("INSERT INTO gc (k, v) VALUES ($1, 'x')", {int64_t{k}});
        c.emit({"gc.written", "gc:" + std::to_string(k), "/", std::nullopt, "{}"});
        if (fate(k) == 1) return make_error(Errc::invalid_input, "no");
        if (fate(k) == 2) c.exec("SELECT * FROM no_such_table");
        return ok_status();
      });
      outcome[k] = st.ok() ? 0 : st.error().code == Errc::invalid_input ? 1 : 9;
    } catch (const Fault&) {
      outcome[k] = 2;
    }
  };
  auto before = db->stats();
  std::thread first(one, 0);
  while (!first_running) std::this_thread::yield();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i)
        if (int k = t * per_thread + i; k != 0) one(k);
    });
  first.join();
  for (auto& th : pool) th.join();

  std::vector<std::string> want;
  for (int k = 0; k < threads * per_thread; ++k) {
    EXPECT_EQ(outcome[k], fate(k)) << "write " << k;
    if (fate(k) == 0) want.push_back("gc:" + std::to_string(k));
  }
  std::vector<std::string> stored;
  db->read([&](Conn& c) {
    for (auto& r : c.query("SELECT subject FROM events WHERE type = 'gc.written' ORDER BY id"))
      stored.push_back(r.text(0));
    EXPECT_EQ(c.query_one("SELECT COUNT(*) FROM gc")->integer(0), static_cast<int64_t>(want.size()));
  });
  auto published = wait_published(want.size());
  std::vector<std::string> seen;
  for (size_t i = 0; i < published.size(); ++i) {
    seen.push_back(published[i].subject);
    if (i) EXPECT_LT(published[i - 1].id, published[i].id);
  }
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(stored), sorted(want));
  EXPECT_EQ(seen, stored) << "published = committed, in id order";
  auto after = db->stats();
  EXPECT_EQ(after.writes_total - before.writes_total, threads * per_thread);
  if (db->dialect() == Dialect::sqlite)
    // The writes queued behind the first (held 200 ms) share a commit at least; how many more
    // do depends on the scheduler, which a loaded host makes unpredictable.
    EXPECT_LT(after.transactions_total - before.transactions_total, threads * per_thread - threads / 2)
        << "concurrent writes were not committed together";
}

// A savepoint inside a write: what fails in it is undone, events included, and the
// transaction goes on to commit the rest.
TEST_P(Store, ASavepointUndoesItsOwnWritesAndEventsOnly) {
  Status st = db->write([&](Conn& c) -> Status {
    c.exec(
        "INSERT INTO accounts (username, display_name, password_hash, created_at, updated_at) "
        "VALUES ('kept', 'kept', 'x', 0, 0)");
    c.emit({"account.created", "account:kept", "/", std::nullopt, "{}"});
    Status inner = c.savepoint([](Conn& sc) -> Status {
      sc.exec(
          "INSERT INTO accounts (username, display_name, password_hash, created_at, updated_at) "
          "VALUES ('undone', 'undone', 'x', 0, 0)");
      sc.emit({"account.created", "account:undone", "/", std::nullopt, "{}"});
      return make_error(Errc::conflict, "no");
    });
    EXPECT_FALSE(inner.ok());
    EXPECT_THROW((void)c.savepoint([](Conn& sc) -> Status {
      sc.emit({"account.created", "account:thrown", "/", std::nullopt, "{}"});
      sc.exec("SELECT * FROM no_such_table");
      return ok_status();
    }),
                 Fault);
    Status ok = c.savepoint([](Conn& sc) -> Status {
      sc.emit({"account.created", "account:after", "/", std::nullopt, "{}"});
      return ok_status();
    });
    EXPECT_TRUE(ok.ok());
    return ok_status();
  });
  ASSERT_TRUE(st.ok());
  auto published = wait_published(2);
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[0].subject, "account:kept");
  EXPECT_EQ(published[1].subject, "account:after");
  EXPECT_EQ(count("accounts"), 1);
  EXPECT_EQ(count("events"), 2);
}

TEST_P(Store, PlaceholdersBindByNumberAndMayRepeat) {
  db->read([](Conn& c) {
    auto r = c.query_one("SELECT $2, $1, $2", {int64_t{1}, std::string("two")});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->text(0), "two");
    EXPECT_EQ(r->text(2), "two");
  });
}

TEST_P(Store, NullsAndIntegersRoundTrip) {
  ASSERT_TRUE(add_account("n").ok());
  db->read([](Conn& c) {
    auto r = c.query_one("SELECT phone_index, created_at, id FROM accounts WHERE username = $1", {std::string("n")});
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->is_null(0));
    EXPECT_EQ(r->opt_text(0), std::nullopt);
    EXPECT_GT(r->integer(2), 0);
  });
}

TEST_P(Store, ReplayPagesThroughTheLogSkippingWhatTheCallerMayNotSee) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(db->write([&](Conn& c) -> Status {
                    // even ids are addressed to account 1, odd ones to account 2
                    c.emit({"t", "s", "/", (i % 2 == 0) ? 1 : 2, "{}"});
                    return ok_status();
                  }).ok());
  }
  Principal who;
  who.account_id = 1;
  events::Service svc(*db, 2);
  std::vector<int64_t> seen;
  int64_t after = 0;
  int pages = 0;
  for (;;) {
    auto page = svc.replay(after, who);
    ++pages;
    for (auto& e : page.events) seen.push_back(e.id);
    ASSERT_GE(page.scanned_to, after);
    after = page.scanned_to;
    if (!page.more) break;
    ASSERT_LT(pages, 10);
  }
  auto published = wait_published(5);
  ASSERT_EQ(published.size(), 5u);
  std::vector<int64_t> want = {published[0].id, published[2].id, published[4].id};
  EXPECT_EQ(seen, want);
  EXPECT_EQ(after, published[4].id);
  EXPECT_EQ(pages, 3);  // 2 + 2 + 1 rows
}

TEST_P(Store, EventsOfEveryInstanceSharingTheDatabaseArePublished) {
  // Fan-out between instances exists only on PostgreSQL (LISTEN/NOTIFY); SQLite is served by
  // one process, whose own commits the other tests here cover.
  if (db->dialect() != Dialect::postgresql) GTEST_SKIP() << "SQLite serves one process";
  auto other = open(GetParam().url, 1, [] { return g_clock.now_ms(); });
  std::mutex mu;
  std::vector<int64_t> seen_by_other;
  other->on_commit([&](const std::vector<EventRecord>& e) {
    std::lock_guard l(mu);
    for (auto& r : e) seen_by_other.push_back(r.id);
  });
  ASSERT_TRUE(add_account("x").ok());  // written through `db`
  ASSERT_TRUE(other
                  ->write([](Conn& c) -> Status {
                    c.emit({"t", "s", "/", std::nullopt, "{}"});
                    return ok_status();
                  })
                  .ok());
  auto mine = wait_published(2);  // `db` publishes the other instance's event too
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_LT(mine[0].id, mine[1].id);
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard l(mu);
      if (seen_by_other.size() >= 2) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard l(mu);
  EXPECT_EQ(seen_by_other, (std::vector<int64_t>{mine[0].id, mine[1].id}));
  other.reset();
}

// SQLite: commits never checkpoint (the writer's autocheckpoint is off); the store's own
// thread does, so the WAL stops growing once writes stop, and is reused rather than appended to.
TEST(SqliteStore, TheWalIsCheckpointedByTheStoreNotByCommits) {
  crypto::init();
  auto dir = std::filesystem::temp_directory_path() / ("mashang-wal-" + crypto::random_token(6));
  auto path = dir / "w.db";
  {
    auto db = open("sqlite:" + path.string(), 1, [] { return g_clock.now_ms(); });
    ASSERT_TRUE(migrate(*db).ok());
    db->raw([](Conn& c) { c.script("CREATE TABLE blobs (id INTEGER PRIMARY KEY, b TEXT NOT NULL);"); });
    std::string payload(3000, 'x');
    auto burst = [&] {
      for (int i = 0; i < 1500; ++i)  // ~1,500 pages: past SQLite's default autocheckpoint
        ASSERT_TRUE(db->write([&](Conn& c) -> Status {
                        c.exec("INSERT INTO blobs (b) VALUES ($1)", {payload});
                        return ok_status();
                      }).ok());
    };
    // The WAL file's size in pages (asking SQLite would checkpoint on the asking connection).
    auto wal_pages = [&] { return static_cast<int64_t>(std::filesystem::file_size(path.string() + "-wal") / 4096); };
    burst();
    int64_t after_first = wal_pages();
    EXPECT_GT(after_first, 1000) << "the writer checkpointed by itself (autocheckpoint still on?)";
    // The store's checkpointer copies the WAL back within a second or two; a second burst then
    // reuses the WAL from its start instead of growing it.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    burst();
    int64_t after_second = wal_pages();
    EXPECT_LT(after_second, after_first + 200) << "the WAL kept growing: nothing checkpointed it";
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Drivers, Store, ::testing::ValuesIn(targets()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
