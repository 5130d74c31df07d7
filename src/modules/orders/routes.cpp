// HTTP binding of work orders: parse → service (which checks permissions) → response.
#include "modules/orders/routes.hpp"

#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/params.hpp"
#include "modules/orders/dto.hpp"

namespace mashang::orders {
namespace {

using http::Request;
using http::Response;

Response create(Service& svc, territory::Service& territory, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  NewOrder in;
  auto category = http::require_string(*body, "category", 64);
  if (!category.ok()) return http::error_response(category.error());
  auto description = http::require_string(*body, "description", kDescriptionMax * 4);
  if (!description.ok()) return http::error_response(description.error());
  in.category_code = *category;
  in.description = *description;
  for (auto [field, dest] : {std::pair{"lat", &in.lat}, std::pair{"lon", &in.lon}}) {
    auto v = http::optional_number(*body, field);
    if (!v.ok()) return http::error_response(v.error());
    *dest = *v;
  }
  if (body->contains("node_id") && !body->at("node_id").is_null()) {
    auto node = http::require_int(*body, "node_id");
    if (!node.ok()) return http::error_response(node.error());
    auto n = territory.find(*node);
    if (!n || !territory::can_see(*req.principal, n->path))
      return http::error_response(Errc::not_found, "no such node", "node_id");
    in.path = n->path;
  }
  auto o = svc.create(in, *req.principal);
  if (!o.ok()) return http::error_response(o.error());
  Response res = http::json_text(201, dto::order_json(*o));
  res.set("Location", "/api/orders/" + std::to_string(o->id));
  return res;
}

Response page(Request& req, const std::function<Result<OrderPage>(int64_t, int64_t)>& fn) {
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return http::error_response(after.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  auto p = fn(*after, *limit);
  if (!p.ok()) return http::error_response(p.error());
  return http::json_text(200, dto::page_json(*p));
}

//! A route acting on one order, with the text field `field` of the body when given.
Response act(Request& req, const char* field,
             const std::function<Result<Order>(int64_t id, const std::string& text)>& fn) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such order");
  std::string text;
  if (field) {
    auto body = http::parse_object(req);
    if (!body.ok()) return http::error_response(body.error());
    auto v = http::require_string(*body, field, 2000);
    if (!v.ok()) return http::error_response(v.error());
    text = *v;
  }
  auto o = fn(*id, text);
  if (!o.ok()) return http::error_response(o.error());
  return http::json_text(200, dto::order_json(*o));
}

}  // namespace

void register_routes(http::Router& r, Service& svc, territory::Service& territory) {
  using http::Auth;
  const http::RouteOptions session{.auth = Auth::session};
  const http::RouteOptions json{.auth = Auth::session, .body_bytes_max = 32768, .json_body = true};
  r.add("GET", "/api/categories",
        [&svc](Request&) { return http::json_text(200, dto::categories_json(svc.categories())); },
        {.auth = Auth::optional});
  r.add(
      "POST", "/api/orders", [&svc, &territory](Request& q) { return create(svc, territory, q); }, json);
  r.add(
      "GET", "/api/orders/pool",
      [&svc](Request& q) { return page(q, [&](int64_t a, int64_t l) { return svc.pool(*q.principal, a, l); }); },
      session);
  r.add(
      "GET", "/api/orders/mine",
      [&svc](Request& q) {
        std::string status = q.query_param("status").value_or("");
        return page(q, [&](int64_t a, int64_t l) { return svc.mine(*q.principal, status, a, l); });
      },
      session);
  r.add(
      "GET", "/api/orders/{id}",
      [&svc](Request& q) {
        auto id = http::path_id(q, "id");
        if (!id) return http::error_response(Errc::not_found, "no such order");
        auto d = svc.get(*id, *q.principal);
        if (!d.ok()) return http::error_response(d.error());
        return http::json_text(200, dto::detail_json(d->first, d->second));
      },
      session);
  r.add(
      "POST", "/api/orders/{id}/claim",
      [&svc](Request& q) {
        return act(q, nullptr, [&](int64_t id, const std::string&) { return svc.claim(id, *q.principal); });
      },
      session);
  r.add(
      "POST", "/api/orders/{id}/return",
      [&svc](Request& q) {
        return act(q, "reason", [&](int64_t id, const std::string& t) { return svc.give_back(id, t, *q.principal); });
      },
      json);
  r.add(
      "POST", "/api/orders/{id}/hold",
      [&svc](Request& q) {
        return act(q, "reason", [&](int64_t id, const std::string& t) { return svc.hold(id, t, *q.principal); });
      },
      json);
  r.add(
      "POST", "/api/orders/{id}/resume",
      [&svc](Request& q) {
        return act(q, nullptr, [&](int64_t id, const std::string&) { return svc.resume(id, *q.principal); });
      },
      session);
  r.add(
      "POST", "/api/orders/{id}/complete",
      [&svc](Request& q) {
        return act(q, "note", [&](int64_t id, const std::string& t) { return svc.complete(id, t, *q.principal); });
      },
      json);
}

}  // namespace mashang::orders
