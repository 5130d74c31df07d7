#pragma once
#include <functional>
#include <memory>
#include <string>

#include "store/db.hpp"

namespace mashang::store {
//! SQLite in WAL mode: one writer connection (writes serialised, BEGIN IMMEDIATE) and
//! `readers` reader connections. synchronous=NORMAL: a commit is in the WAL before it is
//! acknowledged, so killing the process loses nothing; see docs/decisions.md.
std::unique_ptr<Db> open_sqlite(const std::string& path, int readers, std::function<int64_t()> clock_ms);
}  // namespace mashang::store
