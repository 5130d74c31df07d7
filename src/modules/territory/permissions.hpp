#pragma once
#include <string_view>

#include "core/principal.hpp"
#include "modules/territory/territory.hpp"

namespace mashang::territory {
//! A node is visible to whoever holds a grant covering it, and (its name only, for
//! orientation) to whoever holds a grant below it.
bool can_see(const Principal& who, std::string_view path);
//! Adding children under `parent` (and renaming them): district admins over it; street
//! staff from a street down to compounds; community staff from a community down.
bool can_manage_children(const Principal& who, const Node& parent);
}  // namespace mashang::territory
