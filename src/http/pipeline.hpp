#pragma once
//! What happens to every request between the socket and the handler, free of Beast so it
//! can be read and tested on its own: rate limit, session lookup, CSRF, content type,
//! the handler, fault mapping, security headers. The server only moves bytes.
#include <functional>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "http/hub.hpp"
#include "http/metrics.hpp"
#include "http/rate_limit.hpp"
#include "http/router.hpp"

namespace mashang::http {

//! Looks up sessions. `cached` answers from memory only (nullopt = not cached, ask `resolve`).
struct SessionResolver {
  std::function<std::shared_ptr<const Principal>(const std::string& token)> resolve;
  std::function<std::optional<std::shared_ptr<const Principal>>(const std::string& token)> cached;
};

//! One page of the event log after an id: the events a principal may see, the last id
//! scanned (visible or not), and whether the page was full (more may follow).
struct ReplayPage {
  std::vector<store::EventRecord> events;
  int64_t scanned_to = 0;
  bool more = false;
};
//! Reads a page of events after an id (for SSE resumption). Touches the DB.
using EventReplay = std::function<ReplayPage(int64_t after_id, const Principal&)>;

class Pipeline {
 public:
  Pipeline(Router& router, Metrics& metrics, RateLimiter& limiter, SessionResolver sessions, const Clock& clock)
      : router_(router), metrics_(metrics), limiter_(limiter), sessions_(std::move(sessions)), clock_(clock) {}

  //! Checks done on the I/O thread before any work: rate limit and request shape.
  std::optional<Response> precheck(const Route& route, Request& req);
  //! True when the request can finish on the I/O thread (no database work needed).
  bool can_run_inline(const Route& route, Request& req);
  //! Authentication, CSRF and the handler, with faults turned into error bodies.
  //! May block on the database: call on a worker thread unless can_run_inline said yes.
  Response run(const Route& route, Request& req);
  //! Only authentication; the error response when it fails. Faults propagate.
  std::optional<Response> authenticate(const Route& route, Request& req);
  //! Authentication for a stream, with faults turned into error bodies like run().
  std::optional<Response> open_stream(const Route& route, Request& req);
  //! For long-lived streams: the request's session as it stands now, from memory
  //! (nullopt = not cached: ask revalidate() on a worker). A null principal = ended.
  std::optional<std::shared_ptr<const Principal>> session_cached(const Request& req) {
    return sessions_.cached(req.session_token);
  }
  //! The same from the database. May block.
  std::shared_ptr<const Principal> revalidate(const Request& req) { return sessions_.resolve(req.session_token); }
  //! Adds the per-request headers (request id, API cache policy). The constant security
  //! headers come from security_headers() and are written by the server.
  static void finish(Response& res, const Request& req);

  //! Called after a signed-in caller's request on a blocking route was refused (403, or
  //! 404 where existence is private), on the worker thread: the application audits it.
  using RefusalHook = std::function<void(const Route&, const Request&, const Response&)>;
  void set_refusal_hook(RefusalHook h) { refused_ = std::move(h); }

  Router& router() { return router_; }
  Metrics& metrics() { return metrics_; }
  const Clock& clock() const { return clock_; }

 private:
  RefusalHook refused_;
  Router& router_;
  Metrics& metrics_;
  RateLimiter& limiter_;
  SessionResolver sessions_;
  const Clock& clock_;
};

//! Header lines (CRLF-terminated) every response carries: nosniff, frame denial, referrer
//! policy, Content-Security-Policy, opener policy.
const std::string& security_headers();

//! The session token presented by the request (Bearer header first, then the cookie).
std::string session_token_of(const Request& req, bool& via_cookie);

}  // namespace mashang::http
