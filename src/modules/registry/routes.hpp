#pragma once
#include "http/router.hpp"
#include "modules/registry/registry.hpp"

namespace mashang::registry {
//! /api/households, /api/households/{id}, /api/households/{id}/persons, /api/persons/{id}/reveal.
void register_routes(http::Router& r, Service& svc);
}  // namespace mashang::registry
