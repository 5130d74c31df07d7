#pragma once
// Internal to the events module: its SQL.
#include "store/db.hpp"

namespace mashang::events::sql {
std::vector<store::EventRecord> after(store::Conn& c, int64_t after_id, int64_t limit);
}
