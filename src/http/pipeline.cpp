#include "http/pipeline.hpp"

#include <spdlog/spdlog.h>

#include "core/text.hpp"
#include "http/error_map.hpp"

namespace mashang::http {
namespace {

bool is_mutation(std::string_view m) { return m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE"; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string session_token_of(const Request& req, bool& via_cookie) {
  via_cookie = false;
  std::string_view auth = req.header("authorization");
  if (auth.size() > 7 && text::iequals(auth.substr(0, 7), "bearer ")) return std::string(trim(auth.substr(7)));
  std::string_view cookies = req.header("cookie");
  while (!cookies.empty()) {
    size_t semi = cookies.find(';');
    std::string_view part = trim(cookies.substr(0, semi));
    if (part.starts_with("mashang_session=")) {
      via_cookie = true;
      return std::string(part.substr(16));
    }
    if (semi == std::string_view::npos) break;
    cookies.remove_prefix(semi + 1);
  }
  return {};
}

std::optional<Response> Pipeline::precheck(const Route& route, Request& req) {
  if (int wait = limiter_.take(req.client_ip, clock_.now_ms())) {
    Error e = make_error(Errc::rate_limited, "too many requests; slow down");
    e.retry_after_s = wait;
    return error_response(e);
  }
  if (route.options.json_body && is_mutation(req.method)) {
    std::string_view ct = req.header("content-type");
    std::string_view base = trim(ct.substr(0, ct.find(';')));
    if (!text::iequals(base, "application/json") && !text::iequals(base, "application/geo+json"))
      return error_response(Errc::unsupported_media_type, "send the body as application/json");
  }
  return std::nullopt;
}

bool Pipeline::can_run_inline(const Route& route, Request& req) {
  if (route.options.blocking) {
    if (!route.options.inline_if) return false;
    req.session_token = session_token_of(req, req.via_cookie);
    return req.session_token.empty() && route.options.inline_if(req);
  }
  if (route.options.auth == Auth::none) return true;
  req.session_token = session_token_of(req, req.via_cookie);
  if (req.session_token.empty()) return true;  // answered without the database: 401 or anonymous
  auto hit = sessions_.cached(req.session_token);
  if (!hit) return false;
  req.principal = std::move(*hit);
  return true;
}

std::optional<Response> Pipeline::authenticate(const Route& route, Request& req) {
  if (route.options.auth == Auth::none) return std::nullopt;
  if (!req.principal) {
    if (req.session_token.empty()) req.session_token = session_token_of(req, req.via_cookie);
    if (!req.session_token.empty()) req.principal = sessions_.resolve(req.session_token);
  }
  if (route.options.auth == Auth::session && !req.principal)
    return error_response(Errc::unauthenticated, "sign in first: the session is missing, expired or invalid");
  if (req.principal && req.via_cookie && is_mutation(req.method) &&
      !text::equal_ct_header(req.header("x-csrf-token"), req.principal->csrf_token))
    return error_response(Errc::forbidden, "missing or wrong X-CSRF-Token header for a cookie session");
  return std::nullopt;
}

namespace {
// Called inside a catch block: the error body for whatever is being handled.
Response fault_response(const Route& route, const Request& req) {
  try {
    throw;
  } catch (const Fault& f) {
    spdlog::error("request {} {} {}: {}", req.request_id, req.method, route.pattern, f.what());
    if (f.code == Errc::unavailable) return error_response(Errc::unavailable, "the database is unavailable; try again");
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {}: {}", req.request_id, req.method, route.pattern, e.what());
  } catch (...) {
    spdlog::error("request {} {} {}: unknown exception", req.request_id, req.method, route.pattern);
  }
  return error_response(Errc::internal, "internal error; quote request id " + req.request_id);
}
}  // namespace

Response Pipeline::run(const Route& route, Request& req) {
  try {
    if (auto denied = authenticate(route, req)) return *denied;
    Response res = route.handler(req);
    if (refused_ && req.principal && route.options.blocking && (res.status == 403 || res.status == 404))
      refused_(route, req, res);
    return res;
  } catch (...) {
    return fault_response(route, req);
  }
}

std::optional<Response> Pipeline::open_stream(const Route& route, Request& req) {
  try {
    return authenticate(route, req);
  } catch (...) {
    return fault_response(route, req);
  }
}

const std::string& security_headers() {
  static const std::string headers =
      "X-Content-Type-Options: nosniff\r\n"
      "X-Frame-Options: DENY\r\n"
      "Referrer-Policy: same-origin\r\n"
      "Content-Security-Policy: default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
      "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'\r\n"
      "Cross-Origin-Opener-Policy: same-origin\r\n";
  return headers;
}

void Pipeline::finish(Response& res, const Request& req) {
  res.set("X-Request-Id", req.request_id);
  if (req.path.starts_with("/api/")) {
    bool has_cc = false;
    for (auto& [k, v] : res.headers) has_cc |= text::iequals(k, "cache-control");
    if (!has_cc) res.set("Cache-Control", "no-store");
  }
}

}  // namespace mashang::http
