// Who may do what with accounts. Written against Principal's one scope check.
#include "modules/accounts/permissions.hpp"

namespace mashang::accounts {

bool can_manage_accounts(const Principal& who) { return who.has_role("district_admin", "/"); }

bool can_view_account(const Principal& who, int64_t account_id) {
  return who.account_id == account_id || can_manage_accounts(who);
}

}  // namespace mashang::accounts
