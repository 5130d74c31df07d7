#pragma once
//! The audit log: who did what to which record, when, from where and why — append-only
//! and hash-chained, written in the transaction of the change it records. Public API of
//! the module; other modules use only this header.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::audit {

struct Entry {
  std::string action;               //!< e.g. "territory.node_created", "person.revealed"
  std::string target;               //!< e.g. "node:12"
  std::optional<int64_t> actor_id;  //!< the account; none for the CLI and the demo
  std::string ip;                   //!< the caller's address, "" outside HTTP
  std::string reason;               //!< required for reveals
  std::string details_json = "{}";  //!< what changed
};

//! Appends `e` inside the caller's write transaction (it serialises on the chain's head).
void record(store::Conn& c, const Entry& e, int64_t now_ms);
//! Takes the chain head's lock now (held until commit): an audited change that checks
//! before it writes (no overlap, the last admin) calls this first, so two such changes at
//! once run one after the other on PostgreSQL too.
void lock(store::Conn& c);

//! A stored record, as admins browse it.
struct Record {
  int64_t id = 0, at = 0;
  std::optional<int64_t> actor_id;
  std::string ip, action, target, reason, details_json, hash;
};

struct Query {
  std::optional<int64_t> actor_id;
  std::optional<std::string> target;    //!< e.g. "person:12"
  std::optional<int64_t> since, until;  //!< ms, inclusive
  int64_t before = 0;                   //!< newest first: ids below this (0 = from the newest)
  int64_t limit = 50;
};
struct Page {
  std::vector<Record> items;
  std::optional<int64_t> next_before;
};
//! Browsing is for district administrators at the root (403 otherwise).
bool can_browse(const Principal& who);
//! Records matching `q`, newest first. Bad limits are 422.
Result<Page> browse(store::Db& db, const Query& q, const Principal& who);

struct Verdict {
  int64_t checked = 0;               //!< records read
  std::optional<int64_t> broken_at;  //!< the first record that fails, 0 for the head
  std::string problem;               //!< what is wrong there
};
//! Re-reads the whole chain: every hash, every link, no gap in the ids, the head.
Verdict verify(store::Db& db);

}  // namespace mashang::audit
