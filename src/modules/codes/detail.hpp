#pragma once
// Internal to the codes module.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.hpp"
#include "modules/codes/codes.hpp"
#include "store/db.hpp"

namespace mashang::codes {

std::string mint_token(const crypto::Keyring& keys);
//! The MAC check, in constant time in the token's content (length and alphabet are public).
bool token_verifies(const crypto::Keyring& keys, std::string_view token);

//! Codes columns and their row reader (label filled by the caller).
inline constexpr const char* kCodeColumns =
    "SELECT id, token, kind, target_id, path, status, created_at, retired_at FROM codes ";
Code code_of(const store::Row& r);

std::optional<Place> place_in(store::Conn& c, int64_t id);
//! The kinds the module itself owns: stall, facility, function_room, checkpoint.
KindSpec place_kind(std::string_view name);

//! The parts of the caller's view under `node` (or the whole view) where grants that pass
//! `counts` apply: the paths to list below. nullopt when the node is unknown or not visible.
std::optional<std::vector<std::string>> scopes_under(store::Conn& c, const Principal& who, std::optional<int64_t> node,
                                                     const std::function<bool(const Grant&)>& counts);

//! The ids on a territory path ("/3/17/40" → 3, 17, 40): street, community, grid, …
std::vector<int64_t> path_ids(std::string_view path);
//! Whether any of the caller's grants (of any role) covers `path`.
bool grant_over(const Principal& who, std::string_view path);

bool is_one_of(std::string_view v, const std::string_view* begin, const std::string_view* end);

}  // namespace mashang::codes
