#pragma once
//! The demo district: `mashang demo` builds it (deterministically, idempotently) so that a
//! fresh install can be tried with one account per role.
#include <string>
#include <vector>

#include "app/wiring.hpp"

namespace mashang::app {

struct DemoLogin {
  std::string role, label, scope, login, password, display_name;
};

//! Builds the tree and the accounts once; a second run keeps them and resets the demo
//! passwords. Returns the accounts to print.
Result<std::vector<DemoLogin>> build_demo(System& sys);

//! The list as `mashang demo --json` prints it: a JSON array of
//! {"role","label","scope","login","password","display_name"}.
std::string demo_json(const std::vector<DemoLogin>& logins);

}  // namespace mashang::app
