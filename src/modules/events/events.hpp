#pragma once
//! The event log: replay for live-stream resumption. Events are written by other modules
//! through store::Conn::emit in their own transactions.
#include <vector>

#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::events {

class Service {
 public:
  Service(store::Db& db, int64_t replay_max) : db_(db), replay_max_(replay_max) {}
  struct Page {
    std::vector<store::EventRecord> events;  //!< what `who` may see, oldest first
    int64_t scanned_to = 0;                  //!< the last id looked at (visible or not)
    bool more = false;                       //!< replay_max rows were scanned: call again
  };
  //! Events with id > after that `who` may see, at most replay_max rows scanned.
  Page replay(int64_t after, const Principal& who);

 private:
  store::Db& db_;
  int64_t replay_max_;
};

//! Every event with id > after, oldest first, at most `limit` (for consumers inside the server
//! that follow the log with a cursor of their own; no permission check).
std::vector<store::EventRecord> after(store::Db& db, int64_t after, int64_t limit);

}  // namespace mashang::events
