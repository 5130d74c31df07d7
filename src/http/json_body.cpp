#include "http/json_body.hpp"

namespace mashang::http {

namespace json = boost::json;

Result<json::object> parse_object(const Request& req) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  json::value v = json::parse(req.body, ec, {}, opts);
  if (ec) return make_error(Errc::bad_request, "request body is not valid JSON: " + ec.message());
  if (!v.is_object()) return make_error(Errc::invalid_input, "request body must be a JSON object");
  return std::move(v.as_object());
}

Result<std::optional<std::string>> optional_string(const json::object& o, std::string_view field, size_t max_len) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string())
    return make_error(Errc::invalid_input, std::string(field) + " must be a string", std::string(field));
  const auto& s = it->value().as_string();
  if (s.size() > max_len)
    return make_error(Errc::invalid_input, std::string(field) + " is longer than " + std::to_string(max_len) + " bytes",
                      std::string(field));
  return std::optional<std::string>(std::string(s));
}

Result<std::string> require_string(const json::object& o, std::string_view field, size_t max_len) {
  auto r = optional_string(o, field, max_len);
  if (!r.ok()) return r.error();
  if (!r.value() || r.value()->empty())
    return make_error(Errc::invalid_input, std::string(field) + " is required", std::string(field));
  return std::move(*r.value());
}

Result<int64_t> require_int(const json::object& o, std::string_view field) {
  auto it = o.find(field);
  std::string name(field);
  if (it == o.end() || it->value().is_null()) return make_error(Errc::invalid_input, name + " is required", name);
  if (it->value().is_int64()) return it->value().as_int64();
  if (it->value().is_uint64() && it->value().as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(it->value().as_uint64());
  return make_error(Errc::invalid_input, name + " must be an integer", name);
}

Result<std::optional<int64_t>> optional_int(const json::object& o, std::string_view field) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return std::optional<int64_t>{};
  auto v = require_int(o, field);
  if (!v.ok()) return v.error();
  return std::optional<int64_t>(*v);
}

Result<bool> optional_bool(const json::object& o, std::string_view field, bool fallback) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return fallback;
  std::string name(field);
  if (!it->value().is_bool()) return make_error(Errc::invalid_input, name + " must be true or false", name);
  return it->value().as_bool();
}

Response json_response(int status, const json::value& v) {
  Response r;
  r.status = status;
  r.body = json::serialize(v);
  return r;
}

Result<std::optional<double>> optional_number(const boost::json::object& o, std::string_view field) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return std::optional<double>();
  const auto& v = it->value();
  if (v.is_double()) return std::optional<double>(v.get_double());
  if (v.is_int64()) return std::optional<double>(static_cast<double>(v.get_int64()));
  if (v.is_uint64()) return std::optional<double>(static_cast<double>(v.get_uint64()));
  return make_error(Errc::invalid_input, std::string(field) + " must be a number", std::string(field));
}

}  // namespace mashang::http
