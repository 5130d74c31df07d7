// Who may see and shape the territory tree. Written against Principal's one scope rule.
#include "modules/territory/permissions.hpp"

namespace mashang::territory {

bool can_see(const Principal& who, std::string_view path) {
  for (const auto& g : who.grants)
    if (scope_covers(g.scope, path) || scope_covers(path, g.scope)) return true;
  return false;
}

bool can_manage_children(const Principal& who, const Node& parent) {
  const std::string_view k = parent.kind;
  if (who.has_role("district_admin", parent.path)) return true;
  if ((k == "street" || k == "community" || k == "grid" || k == "compound") &&
      who.has_role("street_staff", parent.path))
    return true;
  if ((k == "community" || k == "grid" || k == "compound") && who.has_role("community_staff", parent.path)) return true;
  return false;
}

}  // namespace mashang::territory
