#pragma once
//! Routes: method + path pattern ("/api/accounts/{id}") → handler with its options.
//! Handlers are plain functions of Request → Response; the server decides which thread runs them.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "http/message.hpp"

namespace mashang::http {

enum class Auth {
  none,     //!< no session looked up
  optional, //!< looked up when presented
  session,  //!< required: 401 without a valid session
};

struct RouteOptions {
  Auth auth = Auth::none;
  int64_t body_bytes_max = 0;  //!< 0 = no body accepted beyond the default; else this limit
  bool json_body = false;      //!< POST/PUT/PATCH bodies must be application/json
  bool blocking = true;        //!< may touch the database: runs on a worker thread
  bool stream = false;         //!< Server-Sent Events (handled by the server itself)
  //! For a blocking route: true when this anonymous request can be answered from memory,
  //! so it runs on the I/O thread without the hop to a worker (e.g. a cached code).
  std::function<bool(const Request&)> inline_if;
};

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
  size_t index = 0;  //!< stable position, used by metrics
  std::vector<std::string> segments;
};

struct Match {
  const Route* route = nullptr;
  std::vector<std::string> allowed;  //!< non-empty when the path matched but the method did not
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler h, RouteOptions opts = {});
  //! Finds the route for method and decoded path, filling path parameters into `params`.
  Match match(std::string_view method, std::string_view path,
              std::unordered_map<std::string, std::string>& params) const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }
  //! Handler for GET paths no route matched (the web app); may be empty.
  void set_fallback(Handler h) { fallback_ = std::move(h); }
  const Handler& fallback() const { return fallback_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
  Handler fallback_;
};

}  // namespace mashang::http
