#pragma once
// Internal to the accounts module: its SQL. Nothing outside modules/accounts includes this.
#include <optional>
#include <string>

#include "modules/accounts/accounts.hpp"

namespace mashang::accounts::sql {

struct AccountRow {
  Account account;
  std::string password_hash;
};

struct NewAccountRow {
  std::optional<std::string> username, phone_index, phone_sealed, phone_masked;
  std::string display_name, password_hash;
  int64_t now = 0;
};

Result<int64_t> insert_account(store::Conn& c, const NewAccountRow& row);
Result<Ok> insert_grant(store::Conn& c, int64_t account_id, const Grant& g, int64_t now);
std::optional<AccountRow> find_by_username(store::Conn& c, const std::string& username);
std::optional<AccountRow> find_by_phone_index(store::Conn& c, const std::string& phone_index);
std::optional<Account> load_account(store::Conn& c, int64_t id);
std::vector<Account> list_accounts(store::Conn& c, int64_t after, int64_t limit);
//! Accounts holding a grant at `scope` or below it, id > after, by id, at most `limit`.
std::vector<Account> list_accounts_under(store::Conn& c, const std::string& scope, int64_t after, int64_t limit);
//! Removes one grant; false when the account did not hold it.
bool delete_grant(store::Conn& c, int64_t account_id, const Grant& g);
//! District administrators at the root of active accounts.
int64_t count_root_admins(store::Conn& c);
void update_password(store::Conn& c, int64_t id, const std::string& hash, int64_t now);

struct SessionRow {
  int64_t account_id = 0;
  std::string csrf_token;
  int64_t expires_at = 0;
};
void insert_session(store::Conn& c, const std::string& token_hash, const SessionRow& s, int64_t now,
                    const std::string& ip, const std::string& user_agent);
//! The live session (not revoked, not expired at `now`, account active).
std::optional<SessionRow> find_live_session(store::Conn& c, const std::string& token_hash, int64_t now);
void revoke_session(store::Conn& c, const std::string& token_hash, int64_t now);
void revoke_account_sessions(store::Conn& c, int64_t account_id, int64_t now);

//! Failures recorded for `key` since `since`, and the oldest of them.
struct Failures {
  int64_t count = 0;
  int64_t oldest_at = 0;
};
Failures failures_since(store::Conn& c, const std::string& key, int64_t since);
void record_failure(store::Conn& c, const std::string& key, int64_t at);
void clear_failures(store::Conn& c, const std::string& key);
//! Removes failures older than `before` (housekeeping).
void prune_failures(store::Conn& c, int64_t before);

}  // namespace mashang::accounts::sql
