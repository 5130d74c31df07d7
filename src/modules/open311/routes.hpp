#pragma once
// HTTP routes of Open311 GeoReport v2 (/open311/v2/…) and of its client keys (/api/open311/clients).
#include <string>

#include "http/router.hpp"
#include "modules/open311/open311.hpp"
#include "modules/orders/orders.hpp"
#include "modules/territory/territory.hpp"

namespace mashang::open311 {
//! GET discovery, services, services/{code}, requests, requests/{id}, tokens/{token},
//! servicerequestupdates; POST requests, servicerequestupdates — each as .json and .xml.
//! GET/POST /api/open311/clients, POST /api/open311/clients/{id}/revoke.
void register_routes(http::Router& r, orders::Service& orders, territory::Service& territory, Clients& clients,
                     const std::string& base_url);
}  // namespace mashang::open311
