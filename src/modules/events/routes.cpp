// GET /api/events: the live stream. The server runs the stream itself (RouteOptions::stream);
// this binding declares the route, its authentication and where replays come from.
#include "modules/events/routes.hpp"

#include "http/error_map.hpp"

namespace mashang::events {

void register_routes(http::Router& r) {
  r.add("GET", "/api/events",
        [](http::Request&) { return http::error_response(Errc::internal, "the event stream is served by the server"); },
        {.auth = http::Auth::session, .blocking = false, .stream = true});
}

}  // namespace mashang::events
