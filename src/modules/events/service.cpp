#include "modules/events/events.hpp"
#include "modules/events/permissions.hpp"
#include "modules/events/store.hpp"

namespace mashang::events {

std::vector<store::EventRecord> Service::replay(int64_t after, const Principal& who) {
  std::vector<store::EventRecord> rows;
  db_.read([&](store::Conn& c) { rows = sql::after(c, after, replay_max_); });
  std::erase_if(rows, [&](const store::EventRecord& e) { return !can_see(who, e); });
  return rows;
}

}  // namespace mashang::events
