#include "modules/events/events.hpp"
#include "modules/events/permissions.hpp"
#include "modules/events/store.hpp"

namespace mashang::events {

Service::Page Service::replay(int64_t after, const Principal& who) {
  Page page;
  db_.read([&](store::Conn& c) { page.events = sql::after(c, after, replay_max_); });
  page.more = static_cast<int64_t>(page.events.size()) >= replay_max_;
  page.scanned_to = page.events.empty() ? after : page.events.back().id;
  std::erase_if(page.events, [&](const store::EventRecord& e) { return !can_see(who, e); });
  return page;
}

std::vector<store::EventRecord> after(store::Db& db, int64_t after, int64_t limit) {
  std::vector<store::EventRecord> out;
  db.read([&](store::Conn& c) { out = sql::after(c, after, limit); });
  return out;
}

}  // namespace mashang::events
