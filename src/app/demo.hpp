#pragma once
//! The demo district: `mashang demo` builds it (deterministically, idempotently) so that a
//! fresh install can be tried with one account per role.
#include <string>
#include <vector>

#include "app/demo_plan.hpp"
#include "app/wiring.hpp"

namespace mashang::app {

struct DemoLogin {
  std::string role, label, scope, login, password, display_name;
};

struct DemoOptions {
  uint64_t seed = 20260701;
  demo::Size size = demo::Size::full;
};

//! Builds the district from the plan for `opt` (tree, grid polygons, households, accounts);
//! a second run adds only what is missing and resets the demo passwords. Returns the
//! accounts to print.
Result<std::vector<DemoLogin>> build_demo(System& sys, const DemoOptions& opt);

//! The list as `mashang demo --json` prints it: a JSON array of
//! {"role","label","scope","login","password","display_name"}.
std::string demo_json(const std::vector<DemoLogin>& logins);

}  // namespace mashang::app
