#pragma once
//! Request and response as the rest of the server sees them: plain structs, no Beast.
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/principal.hpp"

namespace mashang::http {

struct Request {
  std::string method;  //!< "GET", "POST", …
  std::string target;  //!< as received, e.g. "/api/accounts?limit=5"
  std::string path;    //!< percent-decoded path
  std::string query;   //!< raw query string without '?'
  //! Header fields as received. Views into the connection's parser: valid while the
  //! request is being handled; copy what must outlive it.
  boost::container::small_vector<std::pair<std::string_view, std::string_view>, 16> headers;
  std::string body;
  std::string client_ip;
  std::string request_id;
  std::unordered_map<std::string, std::string> params;  //!< path parameters
  std::shared_ptr<const Principal> principal;           //!< set when a session was found
  bool via_cookie = false;                              //!< the session came from the cookie
  std::string session_token;                            //!< raw token as presented (never logged)

  //! Header value or "" (names are case-insensitive).
  std::string_view header(std::string_view name) const;
  //! Decoded query parameter, or nullopt. Invalid percent-encoding is nullopt too.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  boost::container::small_vector<std::pair<std::string, std::string>, 4> headers;  //!< inline: no allocation
  std::string body;
  //! When set, the body is this file (of `file_size` bytes), streamed by the server in chunks
  //! instead of `body` (which stays empty): large downloads never sit in memory.
  std::string file_path;
  int64_t file_size = 0;
  std::string error_code;  //!< for the access log
  void set(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

//! A response with `status` and a body already written as JSON (modules' dto.hpp).
inline Response json_text(int status, std::string body) {
  Response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

}  // namespace mashang::http
