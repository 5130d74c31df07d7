#pragma once
//! Accounts and sessions: who may sign in, how, and who is behind a request.
//! Public API of the module; other modules use only this header.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::accounts {

struct Account {
  int64_t id = 0;
  std::optional<std::string> username;
  std::optional<std::string> phone_masked;
  std::string display_name;
  std::string status;  //!< "active" or "disabled"
  int64_t created_at = 0;
  std::vector<Grant> grants;
};

//! Input of create_account. `phone` is the raw number; it is normalised, sealed and indexed.
struct NewAccount {
  std::optional<std::string> username;
  std::optional<std::string> phone;
  std::string display_name;
  std::string password;
  std::vector<Grant> grants;
};

struct LoginInput {
  std::string login;  //!< username or phone number
  std::string password;
  std::string ip;
  std::string user_agent;
};

struct Session {
  std::string token;  //!< shown once; only its hash is stored
  std::string csrf_token;
  int64_t expires_at = 0;
  Account account;
};

struct Page {
  std::vector<Account> items;
  std::optional<int64_t> next_after;
};

//! Limits of input fields, named with their unit.
inline constexpr size_t kUsernameBytesMax = 32;
inline constexpr size_t kDisplayNameBytesMax = 64;
inline constexpr size_t kPasswordBytesMin = 8;
inline constexpr size_t kPasswordBytesMax = 128;
inline constexpr size_t kScopeBytesMax = 255;
inline constexpr int64_t kPageSizeMax = 200;

//! An account by id inside a transaction, with its grants and no permission check (for modules
//! that check their own, e.g. care naming a building's steward).
std::optional<Account> account_in(store::Conn& c, int64_t id);
//! The active accounts holding `role` on a scope that covers `path` (e.g. the doctors over a
//! building), by id.
std::vector<int64_t> holders_in(store::Conn& c, const std::string& role, const std::string& path);

class Service {
 public:
  Service(store::Db& db, const crypto::Keyring& keys, const Clock& clock, Config::Sessions cfg);
  ~Service();

  //! Where grants may point: a check that a scope names a territory node (wired by the
  //! application, so accounts need not know the territory module). Unset: any path.
  void set_scope_check(std::function<bool(const std::string& scope)> exists) { scope_exists_ = std::move(exists); }
  //! Where a session's principal gets its departments (the organisations module's members).
  void set_departments_lookup(std::function<std::vector<Department>(int64_t account_id)> lookup) {
    departments_of_ = std::move(lookup);
  }
  //! Whether an account with this id exists (for other modules that refer to accounts).
  bool account_exists(int64_t id);
  //! Drops the account's cached principals: what it may do changed elsewhere (its departments).
  void refresh_sessions_of(int64_t account_id);
  //! Creates an account with its grants. `actor` is null for the operator CLI.
  Result<Account> create_account(const NewAccount& in, const Principal* actor);
  //! Sets a new password (operator CLI and demo). Revokes the account's sessions.
  Status set_password(int64_t account_id, const std::string& password);
  //! Finds an account by username or phone.
  std::optional<Account> find_by_login(const std::string& login);

  //! Verifies credentials (throttled) and opens a session.
  Result<Session> login(const LoginInput& in);
  //! Revokes the caller's session.
  Status logout(const Principal& who);
  //! The principal behind a token, or nullopt when it is unknown, expired, revoked or the
  //! account is disabled. Reads the database unless cached.
  std::shared_ptr<const Principal> resolve_session(const std::string& token);
  //! Answer from memory only: nullopt = not cached.
  std::optional<std::shared_ptr<const Principal>> cached_session(const std::string& token);

  Result<Account> get_account(int64_t id, const Principal& actor);
  //! District admins: every account. Street and community staff: the accounts holding a
  //! grant within their scopes (those they could have granted roles to).
  Result<Page> list_accounts(int64_t after, int64_t limit, const Principal& actor);
  //! Grants a role at a scope (the same rule as creating an account with it). Audited; the
  //! account's cached sessions are dropped so its next request (and live stream) sees it.
  Result<Account> add_grant(int64_t account_id, const Grant& g, const Principal& actor, const std::string& ip);
  //! Revokes a grant the actor could have granted. The last district administrator at the
  //! root cannot be revoked (409).
  Result<Account> revoke_grant(int64_t account_id, const Grant& g, const Principal& actor, const std::string& ip);

 private:
  Result<Account> change_grant(int64_t account_id, const Grant& g, const Principal& actor, const std::string& ip,
                               bool add);
  std::function<bool(const std::string&)> scope_exists_;
  std::function<std::vector<Department>(int64_t)> departments_of_;
  struct SessionCache;
  store::Db& db_;
  const crypto::Keyring& keys_;
  const Clock& clock_;
  Config::Sessions cfg_;
  std::unique_ptr<SessionCache> cache_;
  std::string dummy_hash_;
};

}  // namespace mashang::accounts
