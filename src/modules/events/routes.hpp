#pragma once
#include "http/router.hpp"
#include "modules/events/events.hpp"

namespace mashang::events {
//! GET /api/events (Server-Sent Events).
void register_routes(http::Router& r);
}  // namespace mashang::events
