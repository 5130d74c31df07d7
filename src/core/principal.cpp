#include "core/principal.hpp"

#include <algorithm>

namespace mashang {

bool is_role(std::string_view role) {
  for (const char* r : kRoles)
    if (role == r) return true;
  return false;
}

bool scope_covers(std::string_view scope, std::string_view path) {
  if (scope == "/") return true;
  if (!path.starts_with(scope)) return false;
  // "/1/2" covers "/1/2" and "/1/2/5" but not "/1/23".
  return path.size() == scope.size() || scope.ends_with('/') || path[scope.size()] == '/';
}

std::vector<std::string> outermost_scopes(std::vector<std::string> scopes) {
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  std::vector<std::string> out;
  for (const auto& s : scopes)
    if (std::none_of(scopes.begin(), scopes.end(), [&](const std::string& t) { return t != s && scope_covers(t, s); }))
      out.push_back(s);
  return out;
}

bool Principal::has_role(std::string_view role, std::string_view path) const {
  for (const auto& g : grants)
    if (g.role == role && scope_covers(g.scope, path)) return true;
  return false;
}

bool is_care_role(std::string_view role) {
  static constexpr std::string_view kCareRoles[] = {"steward",      "grid_worker",    "community_staff",
                                                    "street_staff", "district_admin", "doctor"};
  return std::find(std::begin(kCareRoles), std::end(kCareRoles), role) != std::end(kCareRoles);
}

bool Principal::can_see_event(std::string_view type, std::string_view scope, std::optional<int64_t> addressee) const {
  if (addressee) return *addressee == account_id || has_role("district_admin", "/");
  static constexpr std::string_view kOrderStaff[] = {"district_admin", "street_staff", "community_staff",
                                                     "grid_worker",    "steward",      "inspector"};
  bool order = type.starts_with("order."), care = type.starts_with("care.");
  for (const auto& g : grants) {
    if (g.role == "resident" || (care && !is_care_role(g.role))) continue;
    if (!order) {
      if (scope_covers(g.scope, scope)) return true;
    } else if (std::find(std::begin(kOrderStaff), std::end(kOrderStaff), g.role) != std::end(kOrderStaff) &&
               (scope_covers(g.scope, scope) || scope_covers(scope, g.scope))) {
      return true;
    }
  }
  if (order)
    for (const auto& d : departments)
      if (scope_covers(d.path, scope) || scope_covers(scope, d.path)) return true;
  return false;
}

}  // namespace mashang
