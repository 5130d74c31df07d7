#pragma once
#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::events {
//! The one rule for who sees an event, shared by replay and the live hub.
inline bool can_see(const Principal& who, const store::EventRecord& e) {
  return who.can_see_event(e.type, e.scope, e.account_id);
}
}  // namespace mashang::events
