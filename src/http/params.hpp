#pragma once
//! Numbers from the query string and the path, validated the same way on every route.
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "http/message.hpp"

namespace mashang::http {

//! An integer query parameter; absent → `fallback`; not an integer → 422 naming it.
Result<int64_t> query_int(const Request& req, const std::string& name, int64_t fallback);
//! An optional integer query parameter; absent → nullopt; not an integer → 422 naming it.
Result<std::optional<int64_t>> query_opt_int(const Request& req, const std::string& name);
//! A yes/no query parameter: "1"/"true" or "0"/"false"; absent → `fallback`; else 422.
Result<bool> query_flag(const Request& req, const std::string& name, bool fallback);
//! A decimal number query parameter within [min, max]; absent → 422 too (it is required).
Result<double> query_double(const Request& req, const std::string& name, double min, double max);
//! A path parameter that names a record by id: a positive integer, or nullopt (→ 404).
std::optional<int64_t> path_id(const Request& req, const std::string& name);

}  // namespace mashang::http
