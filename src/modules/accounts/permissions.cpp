// Who may do what with accounts. Written against Principal's one scope check.
#include "modules/accounts/permissions.hpp"

#include <algorithm>
#include <string_view>

#include "modules/accounts/accounts.hpp"

namespace mashang::accounts {
namespace {
constexpr std::string_view kCommunityRoles[] = {"grid_worker", "steward", "resident", "committee_member",
                                                "volunteer",   "vendor",  "teacher",  "doctor"};
constexpr std::string_view kStreetRoles[] = {"community_staff", "mediator", "inspector"};

bool in(std::string_view role, auto const& list) {
  return std::find(std::begin(list), std::end(list), role) != std::end(list);
}
}  // namespace

bool can_manage_accounts(const Principal& who) { return who.has_role("district_admin", "/"); }

bool can_create_accounts(const Principal& who) {
  for (const auto& g : who.grants)
    if (g.role == "district_admin" || g.role == "street_staff" || g.role == "community_staff") return true;
  return false;
}

bool can_grant(const Principal& who, const Grant& g) {
  if (who.has_role("district_admin", g.scope)) return true;
  if (in(g.role, kCommunityRoles) && who.has_role("community_staff", g.scope)) return true;
  return (in(g.role, kCommunityRoles) || in(g.role, kStreetRoles)) && who.has_role("street_staff", g.scope);
}

bool can_view_account(const Principal& who, const Account& a) {
  if (who.account_id == a.id || can_manage_accounts(who)) return true;
  return std::any_of(a.grants.begin(), a.grants.end(), [&](const Grant& g) { return can_grant(who, g); });
}

}  // namespace mashang::accounts
