#pragma once
// JSON shapes of the accounts module (see docs/openapi.yaml: Account, LoginResponse).
#include <boost/json.hpp>

#include "core/text.hpp"
#include "modules/accounts/accounts.hpp"

namespace mashang::accounts::dto {

// Responses are written directly rather than through boost::json objects: these are the
// hottest bodies of the platform and building a json::object costs more than the rest of
// the request (bench/RESULTS.md). Field order and names follow docs/openapi.yaml.

inline void write_nullable(std::string& o, std::string_view key, const std::optional<std::string>& v) {
  o += key;
  if (v)
    text::append_json_string(o, *v);
  else
    o += "null";
}

inline void write_roles(std::string& o, const std::vector<Grant>& grants) {
  o += ",\"roles\":[";
  for (size_t i = 0; i < grants.size(); ++i) {
    if (i) o += ',';
    o += "{\"role\":";
    text::append_json_string(o, grants[i].role);
    o += ",\"scope\":";
    text::append_json_string(o, grants[i].scope);
    o += '}';
  }
  o += ']';
}

//! Account (see openapi Account), appended to `o`; `csrf_token` added when given (GET /api/me).
inline void write_account(std::string& o, int64_t id, const std::optional<std::string>& username,
                          const std::optional<std::string>& phone_masked, std::string_view display_name,
                          std::string_view status, const std::vector<Grant>& grants, int64_t created_at,
                          std::string_view csrf_token = {}) {
  o += "{\"id\":";
  o += std::to_string(id);
  write_nullable(o, ",\"username\":", username);
  write_nullable(o, ",\"phone\":", phone_masked);
  o += ",\"display_name\":";
  text::append_json_string(o, display_name);
  o += ",\"status\":";
  text::append_json_string(o, status);
  write_roles(o, grants);
  o += ",\"created_at\":";
  o += std::to_string(created_at);
  if (!csrf_token.empty()) {
    o += ",\"csrf_token\":";
    text::append_json_string(o, csrf_token);
  }
  o += '}';
}

inline void write_account(std::string& o, const Account& a) {
  write_account(o, a.id, a.username, a.phone_masked, a.display_name, a.status, a.grants, a.created_at);
}

inline std::string account_json(const Account& a) {
  std::string o;
  o.reserve(256);
  write_account(o, a);
  return o;
}

//! GET /api/me body: the caller's account and the CSRF token of the session.
inline std::string me_json(const Principal& p) {
  auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); };
  std::string o;
  o.reserve(256);
  write_account(o, p.account_id, opt(p.username), opt(p.phone_masked), p.display_name, p.status, p.grants, p.created_at,
                p.csrf_token);
  o.pop_back();  // the account's closing brace: the departments follow
  o += ",\"departments\":[";
  for (size_t i = 0; i < p.departments.size(); ++i) {
    const auto& d = p.departments[i];
    o += (i ? ",{\"organisation_id\":" : "{\"organisation_id\":") + std::to_string(d.organisation_id) + ",\"kind\":";
    text::append_json_string(o, d.kind);
    o += ",\"path\":";
    text::append_json_string(o, d.path);
    o += '}';
  }
  return o + "]}";
}

}  // namespace mashang::accounts::dto
