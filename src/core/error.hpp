#pragma once
//! One error taxonomy for the whole server. Expected failures are values (Result<T>),
//! never exceptions; the mapping to HTTP lives in src/http/error_map.cpp only.
#include <string>
#include <utility>
#include <stdexcept>
#include <variant>

namespace mashang {

//! What went wrong, in terms a client can act on.
enum class Errc {
  bad_request,             //!< malformed input that could not be parsed at all
  invalid_input,           //!< parsed, but a field is missing or wrong
  unauthenticated,         //!< no valid session or wrong credentials
  forbidden,               //!< authenticated but not allowed
  not_found,               //!< unknown resource or route
  gone,                    //!< existed once and was withdrawn for good (a revoked code)
  method_not_allowed,      //!< route exists, method does not
  conflict,                //!< uniqueness or state conflict
  too_large,               //!< body or headers above the named limit
  unsupported_media_type,  //!< wrong Content-Type
  rate_limited,            //!< too many requests
  timeout,                 //!< request not received in time
  unavailable,             //!< database unreachable, shutting down
  internal,                //!< anything unexpected
};

//! Stable snake_case name of an error code, as sent in the error body.
const char* errc_name(Errc code);

//! An expected failure: a code, a human message and optionally the field at fault.
struct Error {
  Errc code = Errc::internal;
  std::string message;
  std::string field;
  int retry_after_s = 0;  //!< for rate_limited: seconds until a retry may succeed
};

inline Error make_error(Errc code, std::string message, std::string field = {}) {
  return Error{code, std::move(message), std::move(field)};
}

//! Either a value or an Error. Small on purpose: has_value/value/error, like std::expected.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

//! Result of a command that yields nothing but success.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

//! Thrown only for faults that no caller can handle locally (a lost database connection,
//! a driver error). The HTTP layer turns it into 500/503; the message goes to the log only.
struct Fault : std::runtime_error {
  Errc code;
  Fault(Errc c, const std::string& what) : std::runtime_error(what), code(c) {}
};

}  // namespace mashang
