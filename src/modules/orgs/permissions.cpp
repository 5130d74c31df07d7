#include "modules/orgs/permissions.hpp"

namespace mashang::orgs {

bool may_see(const Principal& who, std::string_view path) {
  for (const auto& g : who.grants)
    if (scope_covers(g.scope, path)) return true;
  return false;
}

}  // namespace mashang::orgs
