// HTTP binding of accounts: parse → permission (in the service) → command → response.
#include "modules/accounts/routes.hpp"

#include "core/text.hpp"
#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/params.hpp"
#include "modules/accounts/dto.hpp"

namespace mashang::accounts {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

std::string cookie(const std::string& value, int64_t max_age_s, bool secure) {
  std::string c = "mashang_session=" + value + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age_s);
  if (secure) c += "; Secure";
  return c;
}

Result<std::vector<Grant>> parse_roles(const json::object& o) {
  std::vector<Grant> out;
  auto it = o.find("roles");
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) return make_error(Errc::invalid_input, "roles must be an array", "roles");
  for (const auto& v : it->value().as_array()) {
    if (!v.is_object()) return make_error(Errc::invalid_input, "each role must be an object", "roles");
    auto role = http::require_string(v.as_object(), "role", 32);
    if (!role.ok()) return make_error(Errc::invalid_input, "each role needs a role name", "roles");
    auto scope = http::optional_string(v.as_object(), "scope", kScopeBytesMax);
    if (!scope.ok()) return make_error(Errc::invalid_input, "scope must be a string", "roles");
    out.push_back({*role, scope->value_or("/")});
  }
  return out;
}

Response login(Service& svc, const Config::Sessions& cfg, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto login = http::require_string(*body, "login", 64);
  if (!login.ok()) return http::error_response(login.error());
  auto password = http::require_string(*body, "password", kPasswordBytesMax);
  if (!password.ok()) return http::error_response(password.error());
  auto s = svc.login({*login, *password, req.client_ip, std::string(req.header("user-agent"))});
  if (!s.ok()) return http::error_response(s.error());
  Response res;
  res.body = "{\"token\":";
  text::append_json_string(res.body, s->token);
  res.body += ",\"csrf_token\":";
  text::append_json_string(res.body, s->csrf_token);
  res.body += ",\"expires_at\":" + std::to_string(s->expires_at) + ",\"account\":";
  dto::write_account(res.body, s->account);
  res.body += '}';
  res.set("Set-Cookie", cookie(s->token, cfg.ttl_ms / 1000, cfg.cookie_secure));
  return res;
}

Response logout(Service& svc, const Config::Sessions& cfg, Request& req) {
  Status st = svc.logout(*req.principal);
  if (!st.ok()) return http::error_response(st.error());
  Response res;
  res.status = 204;
  res.set("Set-Cookie", cookie("", 0, cfg.cookie_secure));
  return res;
}

Response me(Request& req) {
  Response res;
  res.body = dto::me_json(*req.principal);
  return res;
}

Response list(Service& svc, Request& req) {
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return http::error_response(after.error());
  auto page = svc.list_accounts(*after, *limit, *req.principal);
  if (!page.ok()) return http::error_response(page.error());
  Response res;
  res.body = "{\"items\":[";
  for (size_t i = 0; i < page->items.size(); ++i) {
    if (i) res.body += ',';
    dto::write_account(res.body, page->items[i]);
  }
  res.body += "],\"next_after\":";
  res.body += page->next_after ? std::to_string(*page->next_after) : "null";
  res.body += '}';
  return res;
}

Response create(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  NewAccount in;
  auto username = http::optional_string(*body, "username", kUsernameBytesMax);
  if (!username.ok()) return http::error_response(username.error());
  auto phone = http::optional_string(*body, "phone", 32);
  if (!phone.ok()) return http::error_response(phone.error());
  auto name = http::require_string(*body, "display_name", kDisplayNameBytesMax);
  if (!name.ok()) return http::error_response(name.error());
  auto password = http::require_string(*body, "password", kPasswordBytesMax);
  if (!password.ok()) return http::error_response(password.error());
  auto roles = parse_roles(*body);
  if (!roles.ok()) return http::error_response(roles.error());
  in.username = *username;
  in.phone = *phone;
  in.display_name = *name;
  in.password = *password;
  in.grants = *roles;
  auto a = svc.create_account(in, &*req.principal);
  if (!a.ok()) return http::error_response(a.error());
  Response res;
  res.status = 201;
  res.body = dto::account_json(*a);
  res.set("Location", "/api/accounts/" + std::to_string(a->id));
  return res;
}

Response get(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such account");
  auto a = svc.get_account(*id, *req.principal);
  if (!a.ok()) return http::error_response(a.error());
  Response res;
  res.body = dto::account_json(*a);
  return res;
}

Response add_grant(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such account");
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto role = http::require_string(*body, "role", 32);
  if (!role.ok()) return http::error_response(role.error());
  auto scope = http::require_string(*body, "scope", kScopeBytesMax);
  if (!scope.ok()) return http::error_response(scope.error());
  auto a = svc.add_grant(*id, {*role, *scope}, *req.principal, req.client_ip);
  if (!a.ok()) return http::error_response(a.error());
  Response res;
  res.status = 201;
  res.body = dto::account_json(*a);
  return res;
}

Response revoke_grant(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such account");
  auto role = req.query_param("role");
  auto scope = req.query_param("scope");
  if (!role || role->empty()) return http::error_response(Errc::invalid_input, "give the grant's role", "role");
  if (!scope || scope->empty()) return http::error_response(Errc::invalid_input, "give the grant's scope", "scope");
  auto a = svc.revoke_grant(*id, {*role, *scope}, *req.principal, req.client_ip);
  if (!a.ok()) return http::error_response(a.error());
  Response res;
  res.body = dto::account_json(*a);
  return res;
}

}  // namespace

void register_routes(http::Router& r, Service& svc, const Config& cfg) {
  using http::Auth;
  auto sessions = cfg.sessions;
  r.add("POST", "/api/auth/login", [&svc, sessions](Request& q) { return login(svc, sessions, q); },
        {.auth = Auth::none, .body_bytes_max = 4096, .json_body = true});
  r.add("POST", "/api/auth/logout", [&svc, sessions](Request& q) { return logout(svc, sessions, q); },
        {.auth = Auth::session, .body_bytes_max = 4096});
  r.add("GET", "/api/me", [](Request& q) { return me(q); }, {.auth = Auth::session, .blocking = false});
  r.add("GET", "/api/accounts", [&svc](Request& q) { return list(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/accounts", [&svc](Request& q) { return create(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 16 * 1024, .json_body = true});
  r.add("GET", "/api/accounts/{id}", [&svc](Request& q) { return get(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/accounts/{id}/grants", [&svc](Request& q) { return add_grant(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("DELETE", "/api/accounts/{id}/grants", [&svc](Request& q) { return revoke_grant(svc, q); },
        {.auth = Auth::session});
}

}  // namespace mashang::accounts
