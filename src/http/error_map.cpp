#include "http/error_map.hpp"

#include "core/text.hpp"

namespace mashang::http {

int status_of(Errc code) {
  switch (code) {
    case Errc::bad_request: return 400;
    case Errc::unauthenticated: return 401;
    case Errc::forbidden: return 403;
    case Errc::not_found: return 404;
    case Errc::gone: return 410;
    case Errc::method_not_allowed: return 405;
    case Errc::timeout: return 408;
    case Errc::conflict: return 409;
    case Errc::too_large: return 413;
    case Errc::unsupported_media_type: return 415;
    case Errc::invalid_input: return 422;
    case Errc::rate_limited: return 429;
    case Errc::internal: return 500;
    case Errc::unavailable: return 503;
  }
  return 500;
}

Response error_response(const Error& e) {
  Response r;
  r.status = status_of(e.code);
  r.error_code = errc_name(e.code);
  std::string& b = r.body;
  b = "{\"error\":{\"code\":";
  text::append_json_string(b, errc_name(e.code));
  b += ",\"message\":";
  text::append_json_string(b, e.message);
  if (!e.field.empty()) {
    b += ",\"field\":";
    text::append_json_string(b, e.field);
  }
  b += "}}";
  if (e.code == Errc::rate_limited) r.set("Retry-After", std::to_string(std::max(1, e.retry_after_s)));
  return r;
}

}  // namespace mashang::http
