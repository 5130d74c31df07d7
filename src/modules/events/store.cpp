#include "modules/events/store.hpp"

namespace mashang::events::sql {

std::vector<store::EventRecord> after(store::Conn& c, int64_t after_id, int64_t limit) {
  std::vector<store::EventRecord> out;
  for (auto& r : c.query("SELECT id, type, subject, scope, account_id, payload, created_at FROM events "
                         "WHERE id > $1 ORDER BY id LIMIT $2",
                         {after_id, limit}))
    out.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), r.opt_integer(4), r.text(5), r.integer(6)});
  return out;
}

}  // namespace mashang::events::sql
