#pragma once
//! Who is calling: the account behind a session and its role grants. Built by the accounts
//! module, read by every permission check. Roles and territory scopes slot in here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mashang {

//! The role names of the platform (snake_case English, part of the public API).
inline constexpr const char* kRoles[] = {
    "resident", "grid_worker", "steward", "community_staff", "street_staff", "district_admin", "committee_member",
    "mediator", "inspector",   "vendor",  "volunteer",       "doctor",       "teacher"};

bool is_role(std::string_view role);

//! A role held on a territory path; it covers the path's subtree. "/" is the whole district.
struct Grant {
  std::string role;
  std::string scope = "/";
  bool operator==(const Grant&) const = default;
};

//! An organisation the account works for (a property company, a school…): its kind and the
//! territory path of its node. Work-order categories name the kinds that may claim them.
struct Department {
  int64_t organisation_id = 0;
  std::string kind;
  std::string path;
  bool operator==(const Department&) const = default;
};

//! The scopes not covered by another one of the list (duplicates once), in sorted order.
std::vector<std::string> outermost_scopes(std::vector<std::string> scopes);

//! True when territory path `scope` covers `path` (equal, or `path` lies below it).
bool scope_covers(std::string_view scope, std::string_view path);

//! The roles that look after elders (docs/reference/care.md): stewards, grid workers, community
//! and street staff, district admins, doctors. Only they see care's scoped events.
bool is_care_role(std::string_view role);

struct Principal {
  int64_t account_id = 0;
  std::string username;      //!< may be empty
  std::string phone_masked;  //!< may be empty
  std::string display_name;
  std::string status;
  int64_t created_at = 0;
  std::vector<Grant> grants;
  std::vector<Department> departments;  //!< organisations the account is a member of
  std::string session_hash;             //!< BLAKE2b of the session token
  std::string csrf_token;
  int64_t session_expires_at = 0;

  //! True when the principal holds `role` on a scope covering `path`.
  bool has_role(std::string_view role, std::string_view path = "/") const;
  //! True when the principal may see an event of `type` with this scope and addressee. An
  //! addressed event: its addressee (and district admins). A scoped one: a grant covering the
  //! scope, of any role but `resident` (residents get what is addressed to them). Work-order
  //! events (`order.*`) go to the staff and workers who see orders there — grants covering
  //! the scope or lying below it (an escalated order is in the pool of the grids below), and to
  //! members of organisations (departments) placed there the same way. Elder care's events
  //! (`care.*`) go to the care roles covering the scope only (not vendors, volunteers, …).
  bool can_see_event(std::string_view type, std::string_view scope, std::optional<int64_t> account_id) const;
};

}  // namespace mashang
