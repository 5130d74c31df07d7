#pragma once
//! Organisations attached to territory nodes: the property company of a compound, schools,
//! shops, clinics, social organisations. Public API of the module.
#include <cstdint>
#include <functional>
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

//! An account working for an organisation.
struct Member {
  int64_t account_id = 0;
  int64_t added_at = 0;
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

  //! The organisation's members (whoever sees it); adding and removing one is for whoever
  //! shapes it, audited. A member is an account, which then claims as a department.
  Result<std::vector<Member>> members(int64_t id, const Principal& who);
  Result<std::vector<Member>> add_member(int64_t id, int64_t account_id, const Principal& who, const std::string& ip);
  Result<std::vector<Member>> remove_member(int64_t id, int64_t account_id, const Principal& who,
                                            const std::string& ip);
  //! The organisations an account works for, as departments (no permission check: for
  //! building a session's principal).
  std::vector<Department> departments_of(int64_t account_id);
  void set_account_check(std::function<bool(int64_t account_id)> exists) { account_exists_ = std::move(exists); }
  //! Called after a membership changed, with the member's account (its sessions' rights changed).
  void on_member_changed(std::function<void(int64_t account_id)> fn) { member_changed_ = std::move(fn); }

 private:
  //! A membership change: the organisation found and the caller's right to change it checked,
  //! then `change` in the same transaction; answers the members after it.
  Result<std::vector<Member>> change_members(int64_t id, int64_t account_id, const Principal& who,
                                             const std::function<Status(store::Conn&, int64_t now)>& change);

  store::Db& db_;
  const Clock& clock_;
  std::function<bool(int64_t)> account_exists_;
  std::function<void(int64_t)> member_changed_;
};

}  // namespace mashang::orgs
