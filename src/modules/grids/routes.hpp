#pragma once
#include "http/router.hpp"
#include "modules/grids/grids.hpp"

namespace mashang::grids {
//! GET/POST /api/grids/geojson (export, import with ?dry_run), GET /api/grids/locate.
void register_routes(http::Router& r, Service& svc);
}  // namespace mashang::grids
