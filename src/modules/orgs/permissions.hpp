#pragma once
// Who sees and shapes organisations: the territory's rules for the node they belong to.
#include <string_view>

#include "core/principal.hpp"
#include "modules/territory/territory.hpp"
#include "store/db.hpp"

namespace mashang::orgs {
//! Whoever holds a grant covering the node sees its organisations (not those who see the
//! node only on the way down to their own grants).
bool may_see(const Principal& who, std::string_view path);
}  // namespace mashang::orgs
