#pragma once
#include "core/config.hpp"
#include "http/router.hpp"
#include "modules/accounts/accounts.hpp"

namespace mashang::accounts {
//! POST /api/auth/login, POST /api/auth/logout, GET /api/me, GET|POST /api/accounts, GET /api/accounts/{id}.
void register_routes(http::Router& r, Service& svc, const Config& cfg);
}  // namespace mashang::accounts
