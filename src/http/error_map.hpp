#pragma once
//! The one place where an Error becomes an HTTP status and the error body
//! {"error":{"code","message","field"}}.
#include "core/error.hpp"
#include "http/message.hpp"

namespace mashang::http {

int status_of(Errc code);
Response error_response(const Error& e);
inline Response error_response(Errc code, std::string message, std::string field = {}) {
  return error_response(make_error(code, std::move(message), std::move(field)));
}

}  // namespace mashang::http
