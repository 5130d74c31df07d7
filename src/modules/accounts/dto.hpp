#pragma once
// JSON shapes of the accounts module (see docs/openapi.yaml: Account, LoginResponse).
#include <boost/json.hpp>

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

}  // namespace mashang::accounts::dto
