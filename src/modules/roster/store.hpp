#pragma once
// Internal to the roster module: its SQL.
#include <optional>
#include <string>

#include "modules/roster/roster.hpp"
#include "store/db.hpp"

namespace mashang::roster::sql {

int64_t insert(store::Conn& c, int64_t account_id, const std::string& status, const std::string& file_hash,
               int64_t bytes, const Report& r, int64_t now);
std::optional<Import> get(store::Conn& c, int64_t id);
void set_status(store::Conn& c, int64_t id, const std::string& status, const std::string& error, int64_t now);
void set_progress(store::Conn& c, int64_t id, int64_t done, int64_t total, int64_t now);
void set_counts(store::Conn& c, int64_t id, const registry::BatchCounts& n, int64_t now);
//! Imports left queued or running by a server that stopped: failed, to be applied again.
int64_t fail_unfinished(store::Conn& c, int64_t now);

}  // namespace mashang::roster::sql
