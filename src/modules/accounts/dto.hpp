#pragma once
// JSON shapes of the accounts module (see docs/openapi.yaml: Account, LoginResponse).
#include <boost/json.hpp>

#include "core/text.hpp"
#include "modules/accounts/accounts.hpp"

namespace mashang::accounts::dto {

inline boost::json::value grants_json(const std::vector<Grant>& grants) {
  boost::json::array a;
  for (const auto& g : grants) a.push_back({{"role", g.role}, {"scope", g.scope}});
  return a;
}

inline boost::json::object account_json(const Account& a) {
  boost::json::object o;
  o["id"] = a.id;
  o["username"] = a.username ? boost::json::value(*a.username) : nullptr;
  o["phone"] = a.phone_masked ? boost::json::value(*a.phone_masked) : nullptr;
  o["display_name"] = a.display_name;
  o["status"] = a.status;
  o["roles"] = grants_json(a.grants);
  o["created_at"] = a.created_at;
  return o;
}

//! GET /api/me body, written directly: the hottest authenticated route, so it avoids
//! building a boost::json object. Same fields as account_json plus csrf_token.
inline std::string me_json(const Principal& p) {
  std::string o;
  o.reserve(256);
  o += "{\"id\":";
  o += std::to_string(p.account_id);
  o += ",\"username\":";
  if (p.username.empty()) o += "null";
  else text::append_json_string(o, p.username);
  o += ",\"phone\":";
  if (p.phone_masked.empty()) o += "null";
  else text::append_json_string(o, p.phone_masked);
  o += ",\"display_name\":";
  text::append_json_string(o, p.display_name);
  o += ",\"status\":";
  text::append_json_string(o, p.status);
  o += ",\"roles\":[";
  for (size_t i = 0; i < p.grants.size(); ++i) {
    if (i) o += ',';
    o += "{\"role\":";
    text::append_json_string(o, p.grants[i].role);
    o += ",\"scope\":";
    text::append_json_string(o, p.grants[i].scope);
    o += '}';
  }
  o += "],\"created_at\":";
  o += std::to_string(p.created_at);
  o += ",\"csrf_token\":";
  text::append_json_string(o, p.csrf_token);
  o += '}';
  return o;
}

}  // namespace mashang::accounts::dto
