#pragma once
// HTTP routes of work orders and their categories.
#include "http/router.hpp"
#include "modules/orders/orders.hpp"
#include "modules/territory/territory.hpp"

namespace mashang::orders {
//! GET /api/categories; POST /api/orders; GET /api/orders/pool, /api/orders/mine,
//! /api/orders/{id}; POST /api/orders/{id}/claim, /return, /hold, /resume, /complete, /verify,
//! /rate, /reopen, /transfer; photos (/api/photos) and reports (/api/reports…).
void register_routes(http::Router& r, Service& svc, territory::Service& territory);
}  // namespace mashang::orders
