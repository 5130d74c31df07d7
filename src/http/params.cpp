#include "http/params.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace mashang::http {
namespace {
std::optional<int64_t> to_int(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (*end || errno == ERANGE || std::isspace(static_cast<unsigned char>(s[0]))) return std::nullopt;
  return static_cast<int64_t>(n);
}
}  // namespace

Result<std::optional<int64_t>> query_opt_int(const Request& req, const std::string& name) {
  auto v = req.query_param(name);
  if (!v) return std::optional<int64_t>{};
  auto n = to_int(*v);
  if (!n) return make_error(Errc::invalid_input, name + " must be an integer", name);
  return std::optional<int64_t>(*n);
}

Result<int64_t> query_int(const Request& req, const std::string& name, int64_t fallback) {
  auto v = query_opt_int(req, name);
  if (!v.ok()) return v.error();
  return v->value_or(fallback);
}

Result<bool> query_flag(const Request& req, const std::string& name, bool fallback) {
  auto v = req.query_param(name);
  if (!v) return fallback;
  if (*v == "1" || *v == "true") return true;
  if (*v == "0" || *v == "false") return false;
  return make_error(Errc::invalid_input, name + " must be true or false (or 1 or 0)", name);
}

Result<double> query_double(const Request& req, const std::string& name, double min, double max) {
  auto v = req.query_param(name);
  auto bad = [&] {
    return make_error(Errc::invalid_input, fmt::format("{} must be a decimal number from {} to {}", name, min, max),
                      name);
  };
  if (!v || v->empty() || v->size() > 32) return bad();
  double d = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), d);
  if (r.ec != std::errc() || r.ptr != v->data() + v->size() || !std::isfinite(d) || d < min || d > max) return bad();
  return d;
}

std::optional<int64_t> path_id(const Request& req, const std::string& name) {
  auto it = req.params.find(name);
  if (it == req.params.end()) return std::nullopt;
  auto n = to_int(it->second);
  if (!n || *n <= 0 || !std::isdigit(static_cast<unsigned char>(it->second[0]))) return std::nullopt;
  return n;
}

}  // namespace mashang::http
