#pragma once
//! JSON in and out of handlers (Boost.JSON). Included by http/ and by modules' routes.cpp only.
#include <boost/json.hpp>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "http/message.hpp"

namespace mashang::http {

//! Parses the request body as a JSON object: 400 when it does not parse (including invalid
//! UTF-8), 422 when it parses to something other than an object.
Result<boost::json::object> parse_object(const Request& req);

//! A required string field of 1..max_len characters (bytes of UTF-8); 422 naming the field.
Result<std::string> require_string(const boost::json::object& o, std::string_view field, size_t max_len);
//! An optional string field; absent or null → nullopt; wrong type → 422.
Result<std::optional<std::string>> optional_string(const boost::json::object& o, std::string_view field,
                                                   size_t max_len);

//! An optional number field (integer or decimal); absent or null → nullopt; wrong type → 422.
Result<std::optional<double>> optional_number(const boost::json::object& o, std::string_view field);

//! A required integer field (a JSON number without fraction); 422 naming the field.
Result<int64_t> require_int(const boost::json::object& o, std::string_view field);

//! An optional integer field; absent or null → nullopt; wrong type → 422.
Result<std::optional<int64_t>> optional_int(const boost::json::object& o, std::string_view field);

//! An optional boolean field; absent or null → `fallback`; wrong type → 422.
Result<bool> optional_bool(const boost::json::object& o, std::string_view field, bool fallback);

//! A JSON response with `status`.
Response json_response(int status, const boost::json::value& v);

}  // namespace mashang::http
