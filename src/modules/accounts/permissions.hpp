#pragma once
#include <cstdint>

#include "core/principal.hpp"

namespace mashang::accounts {
//! Creating and listing accounts: district admins at the root.
bool can_manage_accounts(const Principal& who);
//! Reading one account: the account itself, or whoever manages accounts.
bool can_view_account(const Principal& who, int64_t account_id);
}  // namespace mashang::accounts
