// HTTP binding of the registry: parse → service (which checks permissions) → response.
#include "modules/registry/routes.hpp"

#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/params.hpp"
#include "modules/registry/dto.hpp"

namespace mashang::registry {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

Response list(Service& svc, Request& req) {
  auto node = http::query_opt_int(req, "node");
  if (!node.ok()) return http::error_response(node.error());
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return http::error_response(after.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  auto page = svc.list(*node, *after, *limit, {*req.principal, req.client_ip});
  if (!page.ok()) return http::error_response(page.error());
  return http::json_text(200, dto::page_json(*page));
}

Response create(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto building = http::require_int(*body, "building_id");
  if (!building.ok()) return http::error_response(building.error());
  auto unit = http::require_string(*body, "unit", 16);
  if (!unit.ok()) return http::error_response(unit.error());
  auto floor = http::require_int(*body, "floor");
  if (!floor.ok()) return http::error_response(floor.error());
  auto room = http::require_string(*body, "room", 16);
  if (!room.ok()) return http::error_response(room.error());
  auto h = svc.create_household({*building, *unit, *floor, *room}, {*req.principal, req.client_ip});
  if (!h.ok()) return http::error_response(h.error());
  std::string o;
  dto::write_household(o, *h);
  Response res = http::json_text(201, std::move(o));
  res.set("Location", "/api/households/" + std::to_string(h->id));
  return res;
}

Response get(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such household");
  auto h = svc.household(*id, {*req.principal, req.client_ip});
  if (!h.ok()) return http::error_response(h.error());
  return http::json_text(200, dto::detail_json(h->first, h->second));
}

Result<std::vector<std::string>> string_array(const json::object& o, std::string_view field) {
  std::vector<std::string> out;
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return out;
  std::string name(field);
  if (!it->value().is_array()) return make_error(Errc::invalid_input, name + " must be an array of strings", name);
  for (const auto& v : it->value().as_array()) {
    if (!v.is_string()) return make_error(Errc::invalid_input, name + " must be an array of strings", name);
    out.emplace_back(v.as_string());
  }
  return out;
}

Response add_person(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such household");
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  NewPerson in;
  auto name = http::require_string(*body, "name", 64);
  if (!name.ok()) return http::error_response(name.error());
  auto gender = http::require_string(*body, "gender", 1);
  if (!gender.ok()) return http::error_response(gender.error());
  auto birth = http::optional_string(*body, "birth_date", 10);
  if (!birth.ok()) return http::error_response(birth.error());
  auto idn = http::optional_string(*body, "id_number", 18);
  if (!idn.ok()) return http::error_response(idn.error());
  auto phone = http::optional_string(*body, "phone", 32);
  if (!phone.ok()) return http::error_response(phone.error());
  auto relation = http::require_string(*body, "relation", 16);
  if (!relation.ok()) return http::error_response(relation.error());
  auto tags = string_array(*body, "tags");
  if (!tags.ok()) return http::error_response(tags.error());
  in.name = *name;
  in.gender = *gender;
  in.birth_date = *birth;
  in.id_number = *idn;
  in.phone = *phone;
  in.relation = *relation;
  in.tags = *tags;
  auto p = svc.add_person(*id, in, {*req.principal, req.client_ip});
  if (!p.ok()) return http::error_response(p.error());
  std::string o;
  dto::write_person(o, *p);
  return http::json_text(201, std::move(o));
}

Response search(Service& svc, Request& req) {
  PersonQuery q;
  q.q = req.query_param("q").value_or("");
  q.tag = req.query_param("tag").value_or("");
  auto node = http::query_opt_int(req, "node");
  if (!node.ok()) return http::error_response(node.error());
  q.node = *node;
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return http::error_response(after.error());
  q.after = *after;
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  q.limit = *limit;
  auto page = svc.search(q, {*req.principal, req.client_ip});
  if (!page.ok()) return http::error_response(page.error());
  return http::json_text(200, dto::person_page_json(*page));
}

Response mine(Service& svc, Request& req) {
  auto d = svc.my_household(*req.principal);
  if (!d.ok()) return http::error_response(d.error());
  return http::json_text(200, dto::detail_json(d->first, d->second));
}

Response link(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such person");
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto account = http::require_int(*body, "account_id");
  if (!account.ok()) return http::error_response(account.error());
  auto p = svc.link_account(*id, *account, {*req.principal, req.client_ip});
  if (!p.ok()) return http::error_response(p.error());
  std::string o;
  dto::write_person(o, *p);
  return http::json_text(200, std::move(o));
}

Response unlink(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such person");
  auto st = svc.unlink_account(*id, {*req.principal, req.client_ip});
  if (!st.ok()) return http::error_response(st.error());
  Response res;
  res.status = 204;
  res.body.clear();
  return res;
}

Response reveal(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such person");
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto reason = http::require_string(*body, "reason", 800);  // bytes; the service counts 4..200 characters
  if (!reason.ok()) return http::error_response(reason.error());
  auto r = svc.reveal(*id, *reason, {*req.principal, req.client_ip});
  if (!r.ok()) return http::error_response(r.error());
  return http::json_text(200, dto::revealed_json(*r));
}

}  // namespace

void register_routes(http::Router& r, Service& svc) {
  using http::Auth;
  r.add("GET", "/api/households", [&svc](Request& q) { return list(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/households", [&svc](Request& q) { return create(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("GET", "/api/households/{id}", [&svc](Request& q) { return get(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/households/{id}/persons", [&svc](Request& q) { return add_person(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 8192, .json_body = true});
  r.add("GET", "/api/me/household", [&svc](Request& q) { return mine(svc, q); }, {.auth = Auth::session});
  r.add("PUT", "/api/persons/{id}/account", [&svc](Request& q) { return link(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 1024, .json_body = true});
  r.add("DELETE", "/api/persons/{id}/account", [&svc](Request& q) { return unlink(svc, q); }, {.auth = Auth::session});
  r.add("GET", "/api/persons", [&svc](Request& q) { return search(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/persons/{id}/reveal", [&svc](Request& q) { return reveal(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
}

}  // namespace mashang::registry
