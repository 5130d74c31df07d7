#include "modules/orgs/permissions.hpp"

namespace mashang::orgs {

bool may_see(const Principal& who, std::string_view path) {
  for (const auto& g : who.grants)
    if (scope_covers(g.scope, path)) return true;
  return false;
}

bool may_shape(store::Conn& c, const Principal& who, const territory::Node& node) {
  if (territory::can_manage_children(who, node)) return true;
  if (!node.parent_id) return false;
  auto parent = territory::find_in(c, *node.parent_id);
  return parent && territory::can_manage_children(who, *parent);
}

}  // namespace mashang::orgs
