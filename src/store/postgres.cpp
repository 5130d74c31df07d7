#include "store/postgres.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace mashang::store {
namespace {

// Type oids from pg_type.h (stable across versions).
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26, kFloat4 = 700, kFloat8 = 701, kNumeric = 1700;

struct PgResult {
  PGresult* r;
  explicit PgResult(PGresult* p) : r(p) {}
  ~PgResult() { PQclear(r); }
  PgResult(const PgResult&) = delete;
};

// The channel on which event-writing transactions notify every instance (see PgDb).
constexpr const char* kEventsChannel = "mashang_events";

// Connects with the defaults a server wants, which the URL may override: fail a dead host
// within seconds, notice a dropped peer, stop a runaway statement.
PGconn* connect(const std::string& url) {
  const char* keys[] = {"connect_timeout", "keepalives", "keepalives_idle", "options", "dbname", nullptr};
  const char* vals[] = {"5", "1", "30", "-c statement_timeout=30000", url.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    throw Fault(Errc::unavailable, "postgresql connect: " + msg);
  }
  return c;
}

class PgConn final : public Conn {
 public:
  PgConn(const std::string& url, std::function<int64_t()> clock_ms) : clock_ms_(std::move(clock_ms)) {
    conn_ = connect(url);
    script("SET client_min_messages = warning; SET TIME ZONE 'UTC'");
  }
  ~PgConn() override { PQfinish(conn_); }

  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

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
    PgResult r(PQexec(conn_, std::string(sql).c_str()));
    auto st = PQresultStatus(r.r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(r.r);
  }
  void emit(const EventDraft& e) override {
    // Event-writing transactions take one lock until commit, so event ids are committed in
    // id order and a reader that resumes after id N (a stream, the listener) misses nothing.
    if (!emitted_) exec("SELECT pg_advisory_xact_lock(7243001)");
    emitted_ = true;
    query(kInsertEventSql,
          {e.type, e.subject, e.scope, e.account_id ? Value(*e.account_id) : null_value, e.payload_json, clock_ms_()});
  }
  Status savepoint(const std::function<Status(Conn&)>& fn) override {
    bool emitted = emitted_;  // a rolled-back savepoint releases the advisory lock it took
    exec("SAVEPOINT s");
    auto undo = [&] {
      emitted_ = emitted;
      if (healthy()) {
        PgResult r(PQexec(conn_, "ROLLBACK TO SAVEPOINT s; RELEASE SAVEPOINT s"));
      }
    };
    Status st = ok_status();
    try {
      st = fn(*this);
    } catch (...) {
      undo();
      throw;
    }
    if (st.ok())
      exec("RELEASE SAVEPOINT s");
    else
      undo();
    return st;
  }
  //! True when the open transaction recorded events; clears the mark.
  bool take_emitted() { return std::exchange(emitted_, false); }

 private:
  [[noreturn]] void fail(PGresult* r) {
    std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    if (!healthy()) throw Fault(Errc::unavailable, "postgresql: " + msg);
    throw Fault(Errc::internal, "postgresql: " + msg);
  }

  Result<Rows> run(std::string_view sql, const std::vector<Value>& params, int64_t* changed) {
    std::vector<std::string> texts(params.size());
    std::vector<const char*> ptrs(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (auto n = std::get_if<int64_t>(&v))
        texts[i] = std::to_string(*n);
      else if (auto d = std::get_if<double>(&v))
        texts[i] = std::to_string(*d);
      else if (auto s = std::get_if<std::string>(&v))
        texts[i] = *s;
      else
        continue;
      ptrs[i] = texts[i].c_str();
    }
    std::string q(sql);
    PgResult r(
        PQexecParams(conn_, q.c_str(), static_cast<int>(params.size()), nullptr, ptrs.data(), nullptr, nullptr, 0));
    auto st = PQresultStatus(r.r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      const char* state = PQresultErrorField(r.r, PG_DIAG_SQLSTATE);
      if (state && std::strcmp(state, "23505") == 0) return make_error(Errc::conflict, PQresultErrorMessage(r.r));
      fail(r.r);
    }
    if (changed) {
      const char* t = PQcmdTuples(r.r);
      *changed = (t && *t) ? std::atoll(t) : 0;
    }
    Rows rows;
    int nrows = PQntuples(r.r), ncols = PQnfields(r.r);
    rows.reserve(nrows);
    for (int i = 0; i < nrows; ++i) {
      std::vector<Value> values;
      values.reserve(ncols);
      for (int j = 0; j < ncols; ++j) {
        if (PQgetisnull(r.r, i, j)) {
          values.emplace_back(std::monostate{});
          continue;
        }
        const char* p = PQgetvalue(r.r, i, j);
        switch (PQftype(r.r, j)) {
          case kInt8:
          case kInt4:
          case kInt2:
          case kOid: values.emplace_back(static_cast<int64_t>(std::atoll(p))); break;
          case kBool: values.emplace_back(static_cast<int64_t>(p[0] == 't')); break;
          case kFloat4:
          case kFloat8:
          case kNumeric: values.emplace_back(std::strtod(p, nullptr)); break;
          default: values.emplace_back(std::string(p, PQgetlength(r.r, i, j)));
        }
      }
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

  PGconn* conn_ = nullptr;
  bool emitted_ = false;
  std::function<int64_t()> clock_ms_;
};

class PgDb final : public Db {
 public:
  PgDb(std::string url, int pool_size, std::function<int64_t()> clock_ms)
      : url_(std::move(url)), size_(std::max(1, pool_size)), clock_ms_(std::move(clock_ms)) {
    release(std::make_unique<PgConn>(url_, clock_ms_));  // fail early when unreachable
    ++created_;
  }

  ~PgDb() override {
    if (listener_.joinable()) {
      stop_ = true;
      uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
      listener_.join();
    }
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Dialect dialect() const override { return Dialect::postgresql; }
  const char* dialect_name() const override { return "postgresql"; }

  // Events are published by a listener thread: LISTEN on the events channel, and on every
  // notification read the events after the last one published, in id order. So streams on
  // every instance sharing the database see every instance's events, in the order of the
  // event log (event-writing transactions commit in id order: see PgConn::emit).
  void on_commit(CommitListener l) override {
    bool start = static_cast<bool>(l);
    Db::on_commit(std::move(l));
    if (!start || listener_.joinable()) return;
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) throw Fault(Errc::internal, "eventfd failed");
    PGconn* c = connect(url_);
    listen_on(c);  // before reading where to start: nothing committed in between is missed
    seen_ = max_event_id(c);
    listener_ = std::thread([this, c] { listen_loop(c); });
  }

  void read(const std::function<void(Conn&)>& fn) override {
    auto c = acquire();
    try {
      fn(*c);
    } catch (...) {
      release(std::move(c));
      throw;
    }
    release(std::move(c));
  }

  void snapshot(const std::function<void(Conn&)>& fn) override {
    read([&](Conn& c) {
      c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try {
        fn(c);
      } catch (...) {
        try {
          c.exec("ROLLBACK");
        } catch (...) {
        }
        throw;
      }
      c.exec("COMMIT");
    });
  }

  Status write(const std::function<Status(Conn&)>& fn) override {
    auto c = acquire();
    Status st = ok_status();
    ++writes_;
    try {
      c->exec("BEGIN");
      st = fn(*c);
      if (st.ok()) {
        // Events reach subscribers through the listener (on this and every other instance),
        // which PostgreSQL wakes only once this transaction has committed.
        if (c->take_emitted()) c->exec(std::string("NOTIFY ") + kEventsChannel);
        c->exec("COMMIT");
      } else {
        c->exec("ROLLBACK");
        c->take_emitted();
      }
    } catch (...) {
      c->take_emitted();
      if (c->healthy()) {
        try {
          c->exec("ROLLBACK");
        } catch (...) {
        }
      }
      release(std::move(c));
      throw;
    }
    release(std::move(c));
    return st;
  }

  void raw(const std::function<void(Conn&)>& fn) override { read(fn); }

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
    std::lock_guard lock(mu_);
    return {created_, created_ - static_cast<int64_t>(free_.size()), waits_.load(), writes_.load(), writes_.load()};
  }

  Status backup(const std::string& out) override {
    // The connection settings reach pg_dump through a private service file (mode 0600),
    // not its argv: a password in the URL must not show in the process list.
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(url_.c_str(), &err);
    if (!opts) {
      std::string msg = err ? err : "not a connection string";
      PQfreemem(err);
      return make_error(Errc::invalid_input, "database URL: " + msg);
    }
    std::string service = "[mashang_backup]\n";
    bool bad = false;
    for (auto* o = opts; o->keyword; ++o) {
      if (!o->val || !*o->val) continue;
      std::string_view v = o->val;
      bad |= v.find_first_of("\r\n") != std::string_view::npos;
      service += std::string(o->keyword) + "=" + std::string(v) + "\n";
    }
    PQconninfoFree(opts);
    if (bad) return make_error(Errc::invalid_input, "database URL: a value contains a line break");
    char path[] = "/tmp/mashang-pgservice-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return make_error(Errc::internal, "cannot create a temporary file for pg_dump");
    bool written = ::write(fd, service.data(), service.size()) == static_cast<ssize_t>(service.size());
    ::close(fd);
    struct Remove {
      const char* p;
      ~Remove() { ::unlink(p); }
    } remove{path};
    if (!written) return make_error(Errc::internal, "cannot write the temporary pg_dump service file");

    std::vector<std::string> env_strings = {std::string("PGSERVICEFILE=") + path, "PGSERVICE=mashang_backup"};
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e)
      if (std::strncmp(*e, "PGSERVICE", 9) != 0) envp.push_back(*e);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const char* argv[] = {"pg_dump", "--format=custom", "--file", out.c_str(), nullptr};
    pid_t pid = fork();
    if (pid == 0) {
      execvpe("pg_dump", const_cast<char* const*>(argv), envp.data());
      _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return make_error(Errc::internal, "cannot start pg_dump");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      return make_error(Errc::internal, WEXITSTATUS(status) == 127 ? "pg_dump not found (install postgresql-client)"
                                                                   : "pg_dump failed");
    return ok_status();
  }

 private:
  static void listen_on(PGconn* c) {
    PgResult r(PQexec(c, (std::string("LISTEN ") + kEventsChannel).c_str()));
    if (PQresultStatus(r.r) != PGRES_COMMAND_OK)
      throw Fault(Errc::unavailable, std::string("postgresql LISTEN: ") + PQerrorMessage(c));
  }
  static int64_t max_event_id(PGconn* c) {
    PgResult r(PQexec(c, "SELECT COALESCE(MAX(id), 0) FROM events"));
    if (PQresultStatus(r.r) != PGRES_TUPLES_OK)
      throw Fault(Errc::unavailable, std::string("postgresql: ") + PQerrorMessage(c));
    return std::strtoll(PQgetvalue(r.r, 0, 0), nullptr, 10);
  }

  // Publishes the committed events after seen_, a page at a time.
  void catch_up(PGconn* c) {
    for (;;) {
      std::string after = std::to_string(seen_);
      const char* params[] = {after.c_str()};
      PgResult r(PQexecParams(c,
                              "SELECT id, type, subject, scope, account_id, payload, created_at FROM events "
                              "WHERE id > $1::bigint ORDER BY id LIMIT 1000",
                              1, nullptr, params, nullptr, nullptr, 0));
      if (PQresultStatus(r.r) != PGRES_TUPLES_OK)
        throw Fault(Errc::unavailable, std::string("postgresql: ") + PQerrorMessage(c));
      int n = PQntuples(r.r);
      std::vector<EventRecord> events;
      events.reserve(n);
      for (int i = 0; i < n; ++i) {
        EventRecord e;
        e.id = std::strtoll(PQgetvalue(r.r, i, 0), nullptr, 10);
        e.type = PQgetvalue(r.r, i, 1);
        e.subject = PQgetvalue(r.r, i, 2);
        e.scope = PQgetvalue(r.r, i, 3);
        if (!PQgetisnull(r.r, i, 4)) e.account_id = std::strtoll(PQgetvalue(r.r, i, 4), nullptr, 10);
        e.payload_json = PQgetvalue(r.r, i, 5);
        e.created_at = std::strtoll(PQgetvalue(r.r, i, 6), nullptr, 10);
        events.push_back(std::move(e));
      }
      if (!events.empty()) seen_ = events.back().id;
      published(events);
      if (n < 1000) return;
    }
  }

  void listen_loop(PGconn* c) {
    int backoff_ms = 250;
    while (!stop_) {
      try {
        if (!c) {
          c = connect(url_);
          listen_on(c);
          backoff_ms = 250;
        }
        catch_up(c);  // also after a reconnect: what was committed meanwhile
        // A notification that arrived with the catch-up's answer is already in libpq's queue,
        // not on the socket: poll would sleep through it (up to 10 s) while its event, committed
        // after the catch-up's snapshot, waits unpublished. Catch up again instead.
        bool queued = false;
        while (PGnotify* n = PQnotifies(c)) {
          PQfreemem(n);
          queued = true;
        }
        if (queued) continue;
        pollfd fds[2] = {{PQsocket(c), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        if (::poll(fds, 2, 10'000) < 0 && errno != EINTR) throw Fault(Errc::internal, "poll failed");
        if (stop_) break;
        if (!PQconsumeInput(c)) throw Fault(Errc::unavailable, std::string("postgresql: ") + PQerrorMessage(c));
        while (PGnotify* n = PQnotifies(c)) PQfreemem(n);  // one catch-up serves them all
      } catch (const std::exception& e) {
        spdlog::warn("event listener: {}; reconnecting in {} ms", e.what(), backoff_ms);
        if (c) PQfinish(c);
        c = nullptr;
        pollfd wake = {wake_fd_, POLLIN, 0};
        ::poll(&wake, 1, backoff_ms);
        backoff_ms = std::min(backoff_ms * 2, 10'000);
      }
    }
    if (c) PQfinish(c);
  }

  std::unique_ptr<PgConn> acquire() {
    std::unique_lock lock(mu_);
    for (;;) {
      if (!free_.empty()) {
        auto c = std::move(free_.back());
        free_.pop_back();
        return c;
      }
      if (created_ < size_) {
        ++created_;
        lock.unlock();
        try {
          return std::make_unique<PgConn>(url_, clock_ms_);
        } catch (...) {
          {
            std::lock_guard l(mu_);
            --created_;
          }
          cv_.notify_one();  // a waiter may try to connect in its place
          throw;
        }
      }
      ++waits_;
      cv_.wait(lock);
    }
  }
  void release(std::unique_ptr<PgConn> c) {
    {
      std::lock_guard lock(mu_);
      if (c->healthy())
        free_.push_back(std::move(c));
      else
        --created_;  // a broken connection is dropped; the next acquire reconnects
    }
    cv_.notify_one();
  }

  std::string url_;
  int64_t size_;
  std::function<int64_t()> clock_ms_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::thread listener_;
  std::atomic<bool> stop_{false};
  int wake_fd_ = -1;
  int64_t seen_ = 0;  // the last event id published (listener thread only, once started)
  std::vector<std::unique_ptr<PgConn>> free_;
  int64_t created_ = 0;
  std::atomic<int64_t> waits_{0}, writes_{0};
};

}  // namespace

std::unique_ptr<Db> open_postgres(const std::string& url, int pool_size, std::function<int64_t()> clock_ms) {
  return std::make_unique<PgDb>(url, pool_size, std::move(clock_ms));
}

}  // namespace mashang::store
