#pragma once
//! Builds the running system from a Config: database, keys, modules, router, pipeline.
//! The only place that knows every module.
#include <memory>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/crypto.hpp"
#include "http/hub.hpp"
#include "http/metrics.hpp"
#include "http/pipeline.hpp"
#include "http/rate_limit.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"
#include "modules/accounts/accounts.hpp"
#include "modules/care/care.hpp"
#include "modules/codes/codes.hpp"
#include "modules/codes/routes.hpp"
#include "modules/events/events.hpp"
#include "modules/grids/grids.hpp"
#include "modules/notify/notify.hpp"
#include "modules/open311/open311.hpp"
#include "modules/orders/orders.hpp"
#include "modules/orgs/orgs.hpp"
#include "modules/points/points.hpp"
#include "modules/registry/registry.hpp"
#include "modules/roster/roster.hpp"
#include "modules/territory/territory.hpp"
#include "store/db.hpp"

namespace mashang::app {

struct System {
  Config cfg;
  SystemClock clock;
  crypto::Keyring keys;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<accounts::Service> accounts;
  std::unique_ptr<events::Service> events;
  std::unique_ptr<territory::Service> territory;
  std::unique_ptr<grids::Service> grids;
  std::unique_ptr<registry::Service> registry;
  std::unique_ptr<roster::Service> roster;
  std::unique_ptr<orgs::Service> orgs;
  std::unique_ptr<codes::Service> codes;
  std::unique_ptr<orders::Service> orders;
  std::unique_ptr<open311::Clients> open311;
  std::unique_ptr<points::Service> points;
  std::unique_ptr<notify::Service> notify;
  std::unique_ptr<care::Service> care;
};

//! Opens the database (migrating it) and the modules. Errors: bad key file, newer schema.
Result<std::unique_ptr<System>> open_system(const Config& cfg);

//! Everything the HTTP server needs, on top of a System.
struct Web {
  http::Hub hub;
  http::Metrics metrics;
  http::Router router;
  std::unique_ptr<http::RateLimiter> limiter;
  std::unique_ptr<http::RateLimiter> code_guesses;  //!< failed code resolutions per client
  std::unique_ptr<codes::Guesses> guesses;
  std::unique_ptr<http::StaticFiles> static_files;
  std::unique_ptr<http::Pipeline> pipeline;
};

//! Registers every route (platform and modules) and connects the commit listener to the hub.
std::unique_ptr<Web> build_web(System& sys);

}  // namespace mashang::app
