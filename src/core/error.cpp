#include "core/error.hpp"

namespace mashang {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::bad_request: return "bad_request";
    case Errc::invalid_input: return "invalid_input";
    case Errc::unauthenticated: return "unauthenticated";
    case Errc::forbidden: return "forbidden";
    case Errc::not_found: return "not_found";
    case Errc::gone: return "gone";
    case Errc::method_not_allowed: return "method_not_allowed";
    case Errc::conflict: return "conflict";
    case Errc::too_large: return "too_large";
    case Errc::unsupported_media_type: return "unsupported_media_type";
    case Errc::rate_limited: return "rate_limited";
    case Errc::timeout: return "timeout";
    case Errc::unavailable: return "unavailable";
    case Errc::internal: return "internal";
  }
  return "internal";
}

}  // namespace mashang
