#pragma once
#include "http/router.hpp"
#include "modules/points/points.hpp"

namespace mashang::points {
//! /api/points/…: catalogue, budgets, balances, statements, proposals and votes, corrections.
void register_routes(http::Router& r, Service& svc);
}  // namespace mashang::points
