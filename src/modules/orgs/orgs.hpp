#pragma once
//! Organisations attached to territory nodes: the property company of a compound, schools,
//! shops, clinics, social organisations. Public API of the module.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::orgs {

inline constexpr std::string_view kKinds[] = {"property_company", "school",  "shop", "clinic",
                                              "social_org",       "company", "other"};
inline constexpr int64_t kPageSizeMax = 200;

struct Organisation {
  int64_t id = 0, node_id = 0;
  std::string kind, name, contact, phone, path;
  int64_t created_at = 0, updated_at = 0;
};

struct NewOrganisation {
  int64_t node_id = 0;
  std::string kind, name, contact, phone;
};

//! Fields to change; absent ones stay.
struct OrganisationChange {
  std::optional<std::string> kind, name, contact, phone;
};

struct Page {
  std::vector<Organisation> items;
  std::optional<int64_t> next_after;
};

class Service {
 public:
  Service(store::Db& db, const Clock& clock) : db_(db), clock_(clock) {}
  //! Organisations under `node` (or in the caller's whole view), optionally of one kind.
  Result<Page> list(std::optional<int64_t> node, const std::string& kind, int64_t after, int64_t limit,
                    const Principal& who);
  Result<Organisation> get(int64_t id, const Principal& who);
  //! Staff who may add nodes under a node's parent (or the node itself) add organisations
  //! to it; audited, with a live event.
  Result<Organisation> create(const NewOrganisation& in, const Principal& who, const std::string& ip);
  Result<Organisation> update(int64_t id, const OrganisationChange& in, const Principal& who, const std::string& ip);
  Status remove(int64_t id, const Principal& who, const std::string& ip);

 private:
  store::Db& db_;
  const Clock& clock_;
};

}  // namespace mashang::orgs
