#pragma once
#include "http/router.hpp"
#include "modules/orgs/orgs.hpp"

namespace mashang::orgs {
//! GET/POST /api/organisations, GET/PATCH/DELETE /api/organisations/{id}.
void register_routes(http::Router& r, Service& svc);
}  // namespace mashang::orgs
