#include "store/sqlite.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace mashang::store {
namespace {

class SqliteConn final : public Conn {
 public:
  SqliteConn(const std::string& path, bool read_only, std::function<int64_t()> clock_ms)
      : clock_ms_(std::move(clock_ms)) {
    // Before the library initialises: no global memory statistics, whose mutex every
    // sqlite3_malloc/free would otherwise take (a lock per allocation across all threads).
    static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)configured;
    int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw Fault(Errc::unavailable, "sqlite open " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 5000);  // before any PRAGMA: they may need a lock too
    if (!read_only) {
      script("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    } else {
      script("PRAGMA foreign_keys=ON;");
    }
  }
  ~SqliteConn() override {
    for (auto& [_, st] : cache_) sqlite3_finalize(st.stmt);
    sqlite3_close(db_);
  }

  Rows query(std::string_view sql, const std::vector<Value>& params = {}) override {
    auto r = run(sql, params, nullptr);
    if (!r.ok()) throw Fault(Errc::internal, r.error().message);
    return std::move(r).value();
  }
  int64_t exec(std::string_view sql, const std::vector<Value>& params = {}) override {
    int64_t changed = 0;
    auto r = run(sql, params, &changed);
    if (!r.ok()) throw Fault(Errc::internal, r.error().message);
    return changed;
  }
  Result<Rows> query_unique(std::string_view sql, const std::vector<Value>& params = {}) override {
    return run(sql, params, nullptr);
  }
  void script(std::string_view sql) override {
    char* err = nullptr;
    std::string s(sql);
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw Fault(Errc::internal, "sqlite: " + msg);
    }
  }
  void emit(const EventDraft& e) override {
    int64_t now = clock_ms_();
    Rows r = query(kInsertEventSql,
                   {e.type, e.subject, e.scope, e.account_id ? Value(*e.account_id) : null_value, e.payload_json, now});
    pending_.push_back({r.at(0).integer(0), e.type, e.subject, e.scope, e.account_id, e.payload_json, now});
  }

  Status savepoint(const std::function<Status(Conn&)>& fn) override {
    size_t mark = pending_.size();
    exec("SAVEPOINT s");
    auto undo = [&] {
      pending_.resize(std::min(mark, pending_.size()));
      // Unless SQLite ended the whole transaction itself (then the caller's write fails anyway).
      if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK TO s; RELEASE s", nullptr, nullptr, nullptr);
    };
    Status st = ok_status();
    try {
      st = fn(*this);
    } catch (...) {
      undo();
      throw;
    }
    if (st.ok())
      exec("RELEASE s");
    else
      undo();
    return st;
  }

  std::vector<EventRecord> take_pending() { return std::exchange(pending_, {}); }
  void drop_pending() { pending_.clear(); }
  //! How many events are pending; truncate_pending(n) forgets those recorded after that.
  size_t pending_count() const { return pending_.size(); }
  void truncate_pending(size_t n) { pending_.resize(std::min(n, pending_.size())); }
  sqlite3* handle() { return db_; }

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    std::vector<int> param_of_slot;  // slot k (1-based) binds params[param_of_slot[k-1]]
  };

  Cached& prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    Cached c;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &c.stmt,
                           nullptr) != SQLITE_OK)
      throw Fault(Errc::internal, std::string("sqlite prepare: ") + sqlite3_errmsg(db_) + " in: " + std::string(sql));
    int n = sqlite3_bind_parameter_count(c.stmt);
    for (int k = 1; k <= n; ++k) {
      const char* name = sqlite3_bind_parameter_name(c.stmt, k);
      if (!name || name[0] != '$') throw Fault(Errc::internal, "sqlite: use $N placeholders in: " + std::string(sql));
      c.param_of_slot.push_back(std::atoi(name + 1) - 1);
    }
    return cache_.emplace(std::string(sql), std::move(c)).first->second;
  }

  Result<Rows> run(std::string_view sql, const std::vector<Value>& params, int64_t* changed) {
    Cached& c = prepare(sql);
    sqlite3_stmt* st = c.stmt;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (size_t k = 0; k < c.param_of_slot.size(); ++k) {
      int idx = c.param_of_slot[k];
      if (idx < 0 || static_cast<size_t>(idx) >= params.size())
        throw Fault(Errc::internal, "sqlite: missing parameter $" + std::to_string(idx + 1));
      const Value& v = params[idx];
      int slot = static_cast<int>(k + 1);
      if (auto i = std::get_if<int64_t>(&v))
        sqlite3_bind_int64(st, slot, *i);
      else if (auto d = std::get_if<double>(&v))
        sqlite3_bind_double(st, slot, *d);
      else if (auto s = std::get_if<std::string>(&v))
        // STATIC: `params` outlives every step of this call, and the statement is reset
        // (its bindings cleared) before it runs again, so SQLite need not copy the text.
        sqlite3_bind_text(st, slot, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
      else
        sqlite3_bind_null(st, slot);
    }
    Rows rows;
    int ncol = sqlite3_column_count(st);
    for (;;) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        std::string msg = sqlite3_errmsg(db_);
        sqlite3_reset(st);
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
          return make_error(Errc::conflict, msg);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) throw Fault(Errc::unavailable, "sqlite busy: " + msg);
        throw Fault(Errc::internal, "sqlite: " + msg);
      }
      std::vector<Value> values;
      values.reserve(ncol);
      for (int i = 0; i < ncol; ++i) {
        switch (sqlite3_column_type(st, i)) {
          case SQLITE_INTEGER: values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(st, i))); break;
          case SQLITE_FLOAT: values.emplace_back(sqlite3_column_double(st, i)); break;
          case SQLITE_NULL: values.emplace_back(std::monostate{}); break;
          default: {
            auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
            values.emplace_back(std::string(p, sqlite3_column_bytes(st, i)));
          }
        }
      }
      rows.emplace_back(std::move(values));
    }
    if (changed) *changed = sqlite3_changes64(db_);
    sqlite3_reset(st);
    return rows;
  }

  sqlite3* db_ = nullptr;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Cached, Hash, std::equal_to<>> cache_;
  std::vector<EventRecord> pending_;
  std::function<int64_t()> clock_ms_;
};

class SqliteDb final : public Db {
 public:
  SqliteDb(const std::string& path, int readers, std::function<int64_t()> clock_ms) : path_(path) {
    if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty())
      std::filesystem::create_directories(parent);
    writer_ = std::make_unique<SqliteConn>(path, false, clock_ms);
    for (int i = 0; i < std::max(1, readers); ++i) {
      readers_.push_back(std::make_unique<SqliteConn>(path, true, clock_ms));
      free_.push_back(readers_.back().get());
    }
    // Checkpoints move off the committing request: with SQLite's automatic checkpoint, every
    // ~1,000 WAL pages one commit ran a checkpoint under the writer lock, with two fsyncs of
    // 5–30 ms on a shared disk, and every writer waited behind it (bench/claims). A thread of
    // its own checkpoints on its own connection; commits never wait for it.
    writer_->script("PRAGMA wal_autocheckpoint=0;");
    checkpointer_conn_ = std::make_unique<SqliteConn>(path, false, clock_ms);
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
  }
  ~SqliteDb() override {
    {
      std::lock_guard lk(checkpoint_mu_);
      stopping_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
  }

  Dialect dialect() const override { return Dialect::sqlite; }
  const char* dialect_name() const override { return "sqlite"; }

  void read(const std::function<void(Conn&)>& fn) override {
    SqliteConn* c = acquire();
    struct Release {
      SqliteDb* db;
      SqliteConn* c;
      ~Release() { db->release(c); }
    } release{this, c};
    fn(*c);
  }

  void snapshot(const std::function<void(Conn&)>& fn) override {
    read([&](Conn& c) {
      c.exec("BEGIN");
      try {
        fn(c);
      } catch (...) {
        sqlite3_exec(static_cast<SqliteConn&>(c).handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
      c.exec("COMMIT");
    });
  }

  //! Group commit. A write joins a queue; whichever caller finds no batch running leads: it
  //! takes everything queued (its own write included), runs each function in one
  //! transaction, each inside a savepoint when there are several, and commits once. The
  //! others wait for their own result. A function's error or fault rolls back only its own
  //! savepoint; a failed COMMIT fails the whole batch. One commit for many writes is what
  //! makes SQLite fast here: a claim alone writes ~12 WAL pages, sixteen batched ~2.5 each
  //! (bench/claims; docs/decisions.md).
  Status write(const std::function<Status(Conn&)>& fn) override {
    Pending me{&fn};
    std::unique_lock lk(queue_mu_);
    queue_.push_back(&me);
    while (!me.done) {
      if (leading_) {
        me.cv.wait(lk);
        continue;
      }
      leading_ = true;
      size_t n = std::min(queue_.size(), kBatchMax);
      std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      lk.unlock();
      run_batch(batch);
      lk.lock();
      leading_ = false;
      // Wakes only whom it concerns: the batch's writers, and the oldest waiting one to lead
      // the next batch (under the lock: a woken writer may return and free its Pending).
      for (Pending* p : batch) {
        p->done = true;
        if (p != &me) p->cv.notify_one();
      }
      if (!queue_.empty()) queue_.front()->cv.notify_one();
    }
    lk.unlock();
    if (me.fault) std::rethrow_exception(me.fault);
    return me.status;
  }

  void raw(const std::function<void(Conn&)>& fn) override {
    std::lock_guard lock(write_mu_);
    fn(*writer_);
  }

  bool ping() override {
    try {
      bool ok = false;
      read([&](Conn& c) { ok = c.query_one("SELECT 1").has_value(); });
      return ok;
    } catch (const std::exception&) {
      return false;
    }
  }

  PoolStats stats() const override {
    std::lock_guard lock(pool_mu_);
    return {static_cast<int64_t>(readers_.size() + 1), static_cast<int64_t>(readers_.size() - free_.size()),
            waits_.load(), writes_.load(), transactions_.load()};
  }

  Status backup(const std::string& out) override {
    sqlite3* dest = nullptr;
    if (sqlite3_open(out.c_str(), &dest) != SQLITE_OK) {
      sqlite3_close(dest);
      return make_error(Errc::invalid_input, "cannot create " + out);
    }
    SqliteConn* c = acquire();
    sqlite3_backup* b = sqlite3_backup_init(dest, "main", c->handle(), "main");
    int rc = SQLITE_ERROR;
    if (b) {
      do {
        rc = sqlite3_backup_step(b, 256);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
      } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
      sqlite3_backup_finish(b);
    }
    std::string msg = sqlite3_errmsg(dest);
    sqlite3_close(dest);
    release(c);
    if (rc != SQLITE_DONE) return make_error(Errc::internal, "backup failed: " + msg);
    return ok_status();
  }

 private:
  struct Pending {
    const std::function<Status(Conn&)>* fn;
    Status status = ok_status();
    std::exception_ptr fault;
    bool done = false;  // guarded by queue_mu_
    std::condition_variable cv;
  };
  static constexpr size_t kBatchMax = 64;

  // Runs one batch in as few transactions as the database allows: one, unless it ended a
  // transaction by itself (e.g. SQLITE_FULL) or a savepoint could not be undone; then the
  // writes already run in that transaction fail with it, and the rest go on in a new one.
  // Never throws: every write of the batch gets its status or its fault.
  void run_batch(const std::vector<Pending*>& batch) noexcept {
    std::lock_guard lock(write_mu_);
    const bool several = batch.size() > 1;
    writes_ += static_cast<int64_t>(batch.size());
    std::vector<Pending*> in_tx;  // run and kept in the open transaction
    bool open = false;
    auto fail_open = [&](std::exception_ptr why) {
      abandon();
      for (Pending* q : in_tx) q->fault = why;
      in_tx.clear();
      open = false;
    };
    auto commit = [&] {
      if (in_tx.empty()) {
        abandon();
        open = false;
        return;
      }
      try {
        writer_->exec("COMMIT");
      } catch (...) {
        fail_open(std::current_exception());  // a failed COMMIT leaves the transaction open
        return;
      }
      in_tx.clear();
      open = false;
      // Published under the writer lock, so subscribers see events in id order. The writes
      // are committed whatever a listener does.
      try {
        published(writer_->take_pending());
      } catch (const std::exception& e) {
        spdlog::error("publishing committed events failed: {}", e.what());
      }
    };
    for (Pending* p : batch) {
      try {
        if (!open) {
          writer_->exec("BEGIN IMMEDIATE");
          open = true;
          ++transactions_;
        }
        if (several) writer_->exec("SAVEPOINT w");
      } catch (...) {
        p->fault = std::current_exception();
        fail_open(p->fault);
        continue;
      }
      size_t mark = writer_->pending_count();
      try {
        p->status = (*p->fn)(*writer_);
      } catch (...) {
        p->fault = std::current_exception();
      }
      bool ok = !p->fault && p->status.ok();
      if (!several) {
        if (ok) in_tx.push_back(p);
        commit();
        continue;
      }
      if (sqlite3_get_autocommit(writer_->handle())) {
        // The database rolled the whole transaction back: the writes before this one too.
        fail_open(p->fault ? p->fault
                           : std::make_exception_ptr(Fault(Errc::unavailable, "sqlite ended the transaction")));
        continue;
      }
      const char* end = ok ? "RELEASE w" : "ROLLBACK TO w; RELEASE w";
      if (sqlite3_exec(writer_->handle(), end, nullptr, nullptr, nullptr) != SQLITE_OK) {
        auto why = std::make_exception_ptr(
            Fault(Errc::internal, std::string("sqlite savepoint: ") + sqlite3_errmsg(writer_->handle())));
        if (!p->fault) p->fault = why;
        fail_open(why);
        continue;
      }
      if (ok)
        in_tx.push_back(p);
      else
        writer_->truncate_pending(mark);
    }
    if (open) commit();
  }

  // Ends a transaction that will not commit: its events are dropped, and it is rolled back
  // if still open (SQLite may already have rolled it back itself, e.g. after SQLITE_FULL).
  void abandon() {
    writer_->drop_pending();
    if (!sqlite3_get_autocommit(writer_->handle()))
      sqlite3_exec(writer_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  SqliteConn* acquire() {
    std::unique_lock lock(pool_mu_);
    if (free_.empty()) ++waits_;
    pool_cv_.wait(lock, [&] { return !free_.empty(); });
    SqliteConn* c = free_.back();
    free_.pop_back();
    return c;
  }
  void release(SqliteConn* c) {
    {
      std::lock_guard lock(pool_mu_);
      free_.push_back(c);
    }
    pool_cv_.notify_one();
  }

  //! Twice a second: a PASSIVE checkpoint (copies what no reader still needs, never blocks a
  //! writer). When the WAL has grown past ~64 MiB because readers kept old pages in use, a
  //! RESTART checkpoint waits for them once so the WAL starts over from its beginning.
  void checkpoint_loop() {
    std::unique_lock lk(checkpoint_mu_);
    // Statistics for the planner, once per start (bounded: at most ~1,000 rows read per index).
    // Without them SQLite chose a partial index by guesswork: the escalator's deadline query
    // read every open order through orders_pool instead of the few due through orders_due.
    // Statistics of small tables are dropped again: a table nearly empty at the start, e.g.
    // points_votes, would be planned as tiny for the whole run — a full scan per vote, which
    // made deciding proposals slower with every one decided (bench/points). Without statistics
    // SQLite assumes a large table and uses its indexes. One transaction: the other connections
    // reload the statistics (ANALYZE changed the schema) only as they are after the DELETE.
    bool analyzed = false;
    while (!stopping_) {
      checkpoint_cv_.wait_for(lk, std::chrono::milliseconds(500), [this] { return stopping_; });
      if (stopping_) break;
      lk.unlock();
      if (!analyzed) {
        analyzed = true;
        sqlite3_exec(checkpointer_conn_->handle(),
                     "PRAGMA analysis_limit=1000; BEGIN IMMEDIATE; ANALYZE; "
                     "DELETE FROM sqlite_stat1 WHERE CAST(stat AS INTEGER) < 10000; COMMIT;",
                     nullptr, nullptr, nullptr);
      }
      int log = 0, done = 0;
      sqlite3* h = checkpointer_conn_->handle();
      if (sqlite3_wal_checkpoint_v2(h, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK && log > 16384 &&
          done < log)
        sqlite3_wal_checkpoint_v2(h, nullptr, SQLITE_CHECKPOINT_RESTART, &log, &done);
      lk.lock();
    }
  }

  std::string path_;
  std::unique_ptr<SqliteConn> checkpointer_conn_;
  std::thread checkpointer_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool stopping_ = false;
  std::mutex write_mu_;  // the writer connection: held by the batch leader, raw() and backup
  std::unique_ptr<SqliteConn> writer_;
  std::mutex queue_mu_;
  std::vector<Pending*> queue_;  // writes waiting for a leader, oldest first
  bool leading_ = false;         // a batch is running
  mutable std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<SqliteConn>> readers_;
  std::vector<SqliteConn*> free_;
  std::atomic<int64_t> waits_{0}, writes_{0}, transactions_{0};
};

}  // namespace

std::unique_ptr<Db> open_sqlite(const std::string& path, int readers, std::function<int64_t()> clock_ms) {
  return std::make_unique<SqliteDb>(path, readers, std::move(clock_ms));
}

}  // namespace mashang::store
