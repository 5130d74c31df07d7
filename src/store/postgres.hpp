#pragma once
#include <functional>
#include <memory>
#include <string>

#include "store/db.hpp"

namespace mashang::store {
//! PostgreSQL through libpq with a pool of `pool_size` connections.
std::unique_ptr<Db> open_postgres(const std::string& url, int pool_size, std::function<int64_t()> clock_ms);
}  // namespace mashang::store
