#pragma once
//! The storage boundary. One small interface, two drivers (SQLite, PostgreSQL), one SQL text
//! for both with $1..$N placeholders. Modules write SQL in their store.cpp against `Conn`.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace mashang::store {

//! A parameter or a column value. Integers are int64, text is UTF-8, blobs are not used.
using Value = std::variant<std::monostate, int64_t, double, std::string>;
inline const Value null_value{};

//! One result row. Column access by index, typed; a NULL read as a type is a Fault.
class Row {
 public:
  explicit Row(std::vector<Value> v) : values_(std::move(v)) {}
  bool is_null(size_t i) const { return std::holds_alternative<std::monostate>(values_.at(i)); }
  int64_t integer(size_t i) const;
  double real(size_t i) const;
  const std::string& text(size_t i) const;
  std::optional<int64_t> opt_integer(size_t i) const;
  std::optional<std::string> opt_text(size_t i) const;
  size_t size() const { return values_.size(); }

 private:
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;

//! An event to record in the same transaction as the change it describes.
struct EventDraft {
  std::string type;                   //!< dotted name, e.g. "session.created"
  std::string subject;                //!< what it is about, e.g. "account:12"
  std::string scope = "/";            //!< territory path; "/" is the whole district
  std::optional<int64_t> account_id;  //!< when set, the event is private to this account
  std::string payload_json = "{}";
};

//! An event as stored (with its id and time).
struct EventRecord {
  int64_t id = 0;
  std::string type;
  std::string subject;
  std::string scope;
  std::optional<int64_t> account_id;
  std::string payload_json;
  int64_t created_at = 0;
};

//! A connection (or transaction) handed to store code. Errors from the database are Faults,
//! except unique-constraint violations which `exec_unique` reports as conflict.
class Conn {
 public:
  virtual ~Conn() = default;
  //! Runs a statement and returns all rows.
  virtual Rows query(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  //! Runs a statement and returns the number of rows it changed.
  virtual int64_t exec(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  //! Like query, but a unique/primary-key violation becomes Errc::conflict instead of a Fault.
  virtual Result<Rows> query_unique(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  //! First row or nullopt.
  std::optional<Row> query_one(std::string_view sql, const std::vector<Value>& params = {});
  //! Runs several statements separated by ';' (migrations). No parameters, no rows.
  virtual void script(std::string_view sql) = 0;
  //! Records an event in this transaction; it is published after commit. Only valid in write().
  virtual void emit(const EventDraft& e) = 0;
  //! Runs `fn` inside a savepoint of the open write transaction: an error or a Fault rolls back
  //! what `fn` wrote and the events it recorded, and the transaction goes on (the Fault is
  //! rethrown). For a request that applies many independent changes in one transaction.
  virtual Status savepoint(const std::function<Status(Conn&)>& fn) = 0;
};

//! Pool and database figures for /metrics.
struct PoolStats {
  int64_t connections = 0;
  int64_t in_use = 0;
  int64_t waits_total = 0;
  int64_t writes_total = 0;        //!< write() calls
  int64_t transactions_total = 0;  //!< write transactions begun (SQLite: fewer, group commit)
};

enum class Dialect { sqlite, postgresql };

//! A database. read() may run concurrently; each of its statements sees a consistent state,
//! but two statements in one read() may see different states (no snapshot across them):
//! read what must agree in one statement, or inside write(). write() runs in one transaction (SQLite:
//! on the single writer connection, where concurrent writes share a BEGIN IMMEDIATE … COMMIT,
//! each in a savepoint of its own; PostgreSQL: BEGIN on a pooled connection).
//! The function's Status decides: an error rolls back, ok commits. A Fault rolls back and rethrows.
//! write() returns once its changes are committed (or not); a function must not call write().
class Db {
 public:
  using CommitListener = std::function<void(const std::vector<EventRecord>&)>;
  virtual ~Db() = default;
  virtual Dialect dialect() const = 0;
  virtual const char* dialect_name() const = 0;
  virtual void read(const std::function<void(Conn&)>& fn) = 0;
  virtual Status write(const std::function<Status(Conn&)>& fn) = 0;
  //! Like read(), but every statement in `fn` sees the same committed state (a read-only
  //! transaction: SQLite's WAL snapshot, PostgreSQL's REPEATABLE READ). For audits.
  virtual void snapshot(const std::function<void(Conn&)>& fn) = 0;
  //! Runs SQL outside any transaction wrapper (migrations manage their own transactions).
  virtual void raw(const std::function<void(Conn&)>& fn) = 0;
  //! True when the database answers a trivial query now.
  virtual bool ping() = 0;
  virtual PoolStats stats() const = 0;
  //! Called with the stored events of every commit that recorded some, in id order.
  //! SQLite: on the committing thread, for this process's commits. PostgreSQL: on a
  //! listener thread, for the commits of every instance sharing the database.
  //! An empty listener detaches (before whatever it publishes to goes away); once it
  //! returns, no call of the old listener is running or will start.
  virtual void on_commit(CommitListener l) {
    std::lock_guard lock(listener_mu_);
    listener_ = std::move(l);
  }
  //! Copies the database to `path` while it is in use (SQLite online backup; PostgreSQL: pg_dump).
  virtual Status backup(const std::string& path) = 0;

 protected:
  void published(const std::vector<EventRecord>& events) {
    if (events.empty()) return;
    std::lock_guard lock(listener_mu_);
    if (listener_) listener_(events);
  }

 private:
  std::mutex listener_mu_;
  CommitListener listener_;
};

//! Opens `url`: "sqlite:PATH" or "postgresql://…" (also "postgres://…").
//! `clock_ms` stamps events.
std::unique_ptr<Db> open(const std::string& url, int pool_size, std::function<int64_t()> clock_ms);

//! The SQL that inserts an event; shared by both drivers.
inline constexpr const char* kInsertEventSql =
    "INSERT INTO events (type, subject, scope, account_id, payload, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";

}  // namespace mashang::store
