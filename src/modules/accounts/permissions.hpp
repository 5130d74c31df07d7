#pragma once
#include <cstdint>

#include "core/principal.hpp"

namespace mashang::accounts {
struct Account;
//! Listing every account: district admins at the root.
bool can_manage_accounts(const Principal& who);
//! Creating accounts at all: district admins, street staff and community staff.
bool can_create_accounts(const Principal& who);
//! Handing out one grant: district admins any; street staff, within their street, the roles
//! of a street's people (community staff and below); community staff, within their
//! community, the roles of a community's people (grid workers and below).
bool can_grant(const Principal& who, const Grant& g);
//! Reading one account: the account itself, district admins, and staff who could have
//! granted one of its roles.
bool can_view_account(const Principal& who, const Account& a);
}  // namespace mashang::accounts
