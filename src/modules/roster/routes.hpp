#pragma once
#include "http/router.hpp"
#include "modules/roster/roster.hpp"

namespace mashang::roster {
//! POST /api/roster/imports (the file as the body), GET /api/roster/imports/{id},
//! POST /api/roster/imports/{id}/apply, GET /api/roster/export.xlsx.
void register_routes(http::Router& r, Service& svc);
}  // namespace mashang::roster
