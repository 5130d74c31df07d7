#pragma once
#include "http/router.hpp"
#include "modules/audit/audit.hpp"

namespace mashang::audit {
//! GET /api/audit: district administrators browse the audit log.
void register_routes(http::Router& r, store::Db& db);
}  // namespace mashang::audit
