#pragma once
#include "http/router.hpp"
#include "modules/notify/notify.hpp"

namespace mashang::notify {
//! /api/notifications (the caller's inbox) and /api/outbox (deliveries, for district admins).
void register_routes(http::Router& r, Service& svc);
}  // namespace mashang::notify
