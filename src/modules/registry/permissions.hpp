#pragma once
#include <string_view>

#include "core/principal.hpp"

namespace mashang::registry {
//! Reading households and persons (masked): district admins, street and community staff,
//! grid workers and building stewards, within their grants' scopes.
bool can_read(const Principal& who, std::string_view path);
//! Whether the caller holds any reading role at all (else the registry answers 403).
bool is_reader(const Principal& who);
//! Creating households and adding persons: the readers except stewards.
bool can_write(const Principal& who, std::string_view path);
//! Seeing ID numbers and phones unmasked (with a reason): the same as writing.
bool can_reveal(const Principal& who, std::string_view path);
//! The scopes of the caller's reading grants.
std::vector<std::string> read_scopes(const Principal& who);
}  // namespace mashang::registry
