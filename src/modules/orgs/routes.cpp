// HTTP binding of organisations: parse → service (which checks permissions) → response.
#include "modules/orgs/routes.hpp"

#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/params.hpp"
#include "modules/orgs/dto.hpp"

namespace mashang::orgs {
namespace {

using http::Request;
using http::Response;

Response list(Service& svc, Request& req) {
  auto node = http::query_opt_int(req, "node");
  if (!node.ok()) return http::error_response(node.error());
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return http::error_response(after.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  auto page = svc.list(*node, req.query_param("kind").value_or(""), *after, *limit, *req.principal);
  if (!page.ok()) return http::error_response(page.error());
  return http::json_text(200, dto::page_json(*page));
}

Response get(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such organisation");
  auto o = svc.get(*id, *req.principal);
  if (!o.ok()) return http::error_response(o.error());
  return http::json_text(200, dto::org_json(*o));
}

Response create(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  NewOrganisation in;
  auto node = http::require_int(*body, "node_id");
  if (!node.ok()) return http::error_response(node.error());
  auto kind = http::require_string(*body, "kind", 32);
  if (!kind.ok()) return http::error_response(kind.error());
  auto name = http::require_string(*body, "name", 128);
  if (!name.ok()) return http::error_response(name.error());
  auto contact = http::optional_string(*body, "contact", 64);
  if (!contact.ok()) return http::error_response(contact.error());
  auto phone = http::optional_string(*body, "phone", 32);
  if (!phone.ok()) return http::error_response(phone.error());
  in.node_id = *node;
  in.kind = *kind;
  in.name = *name;
  in.contact = contact->value_or("");
  in.phone = phone->value_or("");
  auto o = svc.create(in, *req.principal, req.client_ip);
  if (!o.ok()) return http::error_response(o.error());
  Response res = http::json_text(201, dto::org_json(*o));
  res.set("Location", "/api/organisations/" + std::to_string(o->id));
  return res;
}

Response update(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such organisation");
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  OrganisationChange in;
  for (auto [field, max, dest] : {std::tuple{"kind", 32, &in.kind}, std::tuple{"name", 128, &in.name},
                                  std::tuple{"contact", 64, &in.contact}, std::tuple{"phone", 32, &in.phone}}) {
    auto v = http::optional_string(*body, field, static_cast<size_t>(max));
    if (!v.ok()) return http::error_response(v.error());
    *dest = *v;
  }
  auto o = svc.update(*id, in, *req.principal, req.client_ip);
  if (!o.ok()) return http::error_response(o.error());
  return http::json_text(200, dto::org_json(*o));
}

Response remove(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such organisation");
  auto st = svc.remove(*id, *req.principal, req.client_ip);
  if (!st.ok()) return http::error_response(st.error());
  return http::json_text(204, "");
}

//! `{"items":[{"account_id","added_at"}]}`
Response members_response(Result<std::vector<Member>> m) {
  if (!m.ok()) return http::error_response(m.error());
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < m->size(); ++i)
    o += (i ? ",{\"account_id\":" : "{\"account_id\":") + std::to_string((*m)[i].account_id) +
         ",\"added_at\":" + std::to_string((*m)[i].added_at) + "}";
  return http::json_text(200, o + "]}");
}

Response members(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such organisation");
  return members_response(svc.members(*id, *req.principal));
}

Response add_member(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such organisation");
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto account = http::require_int(*body, "account_id");
  if (!account.ok()) return http::error_response(account.error());
  return members_response(svc.add_member(*id, *account, *req.principal, req.client_ip));
}

Response remove_member(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such organisation");
  auto account = http::path_id(req, "account_id");
  if (!account) return http::error_response(Errc::not_found, "the account is not a member", "account_id");
  return members_response(svc.remove_member(*id, *account, *req.principal, req.client_ip));
}

}  // namespace

void register_routes(http::Router& r, Service& svc) {
  using http::Auth;
  r.add("GET", "/api/organisations", [&svc](Request& q) { return list(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/organisations", [&svc](Request& q) { return create(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("GET", "/api/organisations/{id}", [&svc](Request& q) { return get(svc, q); }, {.auth = Auth::session});
  r.add("PATCH", "/api/organisations/{id}", [&svc](Request& q) { return update(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("DELETE", "/api/organisations/{id}", [&svc](Request& q) { return remove(svc, q); }, {.auth = Auth::session});
  r.add("GET", "/api/organisations/{id}/members", [&svc](Request& q) { return members(svc, q); },
        {.auth = Auth::session});
  r.add("POST", "/api/organisations/{id}/members", [&svc](Request& q) { return add_member(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 1024, .json_body = true});
  r.add("DELETE", "/api/organisations/{id}/members/{account_id}", [&svc](Request& q) { return remove_member(svc, q); },
        {.auth = Auth::session});
}

}  // namespace mashang::orgs
