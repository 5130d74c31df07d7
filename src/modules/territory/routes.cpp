// HTTP binding of the territory tree: parse → service (which checks permissions) → response.
#include "modules/territory/routes.hpp"

#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/params.hpp"
#include "modules/territory/dto.hpp"

namespace mashang::territory {
namespace {

using http::Request;
using http::Response;

Response list(Service& svc, Request& req) {
  auto parent = http::query_opt_int(req, "parent");
  if (!parent.ok()) return http::error_response(parent.error());
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return http::error_response(after.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  auto page = svc.list(*parent, *after, *limit, *req.principal);
  if (!page.ok()) return http::error_response(page.error());
  return http::json_text(200, dto::page_json(*page));
}

Response get(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such node");
  auto n = svc.get(*id, *req.principal);
  if (!n.ok()) return http::error_response(n.error());
  return http::json_text(200, dto::node_json(*n));
}

Response create(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto parent = http::require_int(*body, "parent_id");
  if (!parent.ok()) return http::error_response(parent.error());
  auto kind = http::require_string(*body, "kind", 16);
  if (!kind.ok()) return http::error_response(kind.error());
  auto name = http::require_string(*body, "name", kNodeNameBytesMax);
  if (!name.ok()) return http::error_response(name.error());
  auto n = svc.create(*parent, *kind, *name, &*req.principal, req.client_ip);
  if (!n.ok()) return http::error_response(n.error());
  Response res = http::json_text(201, dto::node_json(*n));
  res.set("Location", "/api/nodes/" + std::to_string(n->id));
  return res;
}

Response rename(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such node");
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto name = http::require_string(*body, "name", kNodeNameBytesMax);
  if (!name.ok()) return http::error_response(name.error());
  auto n = svc.rename(*id, *name, *req.principal, req.client_ip);
  if (!n.ok()) return http::error_response(n.error());
  return http::json_text(200, dto::node_json(*n));
}

}  // namespace

void register_routes(http::Router& r, Service& svc) {
  using http::Auth;
  r.add("GET", "/api/nodes", [&svc](Request& q) { return list(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/nodes", [&svc](Request& q) { return create(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("GET", "/api/nodes/{id}", [&svc](Request& q) { return get(svc, q); }, {.auth = Auth::session});
  r.add("PATCH", "/api/nodes/{id}", [&svc](Request& q) { return rename(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
}

}  // namespace mashang::territory
