#pragma once
// HTTP routes of codes, places and print jobs (docs/reference/codes.md).
#include <atomic>
#include <cstdint>

#include "core/clock.hpp"
#include "http/rate_limit.hpp"
#include "http/router.hpp"
#include "modules/codes/codes.hpp"

namespace mashang::codes {

//! The guessing limit: failed resolutions per client address.
struct Guesses {
  http::RateLimiter& limiter;
  const Clock& clock;
  std::atomic<uint64_t> limited{0};
};

void register_routes(http::Router& r, Service& svc, Guesses& guesses);

}  // namespace mashang::codes
