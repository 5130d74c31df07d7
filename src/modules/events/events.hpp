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
  //! Events with id > after that `who` may see, oldest first, at most replay_max scanned.
  std::vector<store::EventRecord> replay(int64_t after, const Principal& who);

 private:
  store::Db& db_;
  int64_t replay_max_;
};

}  // namespace mashang::events
