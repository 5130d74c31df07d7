#pragma once
#include "http/router.hpp"
#include "modules/care/care.hpp"

namespace mashang::care {
//! /api/care/…: the one-key alarm, stewards, duty, elder profiles and alarm devices.
void register_routes(http::Router& r, Service& svc);
//! /api/care/menus, meals, consultations and home-services (service_routes.cpp; register_routes calls it).
void register_service_routes(http::Router& r, Service& svc);
}  // namespace mashang::care
