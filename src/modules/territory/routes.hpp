#pragma once
#include "http/router.hpp"
#include "modules/territory/territory.hpp"

namespace mashang::territory {
//! GET/POST /api/nodes, GET/PATCH /api/nodes/{id}.
void register_routes(http::Router& r, Service& svc);
}  // namespace mashang::territory
