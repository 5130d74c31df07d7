#include "modules/accounts/store.hpp"

namespace mashang::accounts::sql {
namespace {

using store::null_value;
using store::Value;

Value opt(const std::optional<std::string>& s) { return s ? Value(*s) : null_value; }

// One statement per account: its row and its grants (LEFT JOIN), so a read sees both at once.
// The password hash is read only by the lookups that check it (for sign-in); the others
// select NULL in its place.
std::string account_select(bool with_password_hash) {
  return std::string("SELECT a.id, a.username, a.phone_masked, a.display_name, a.status, a.created_at, ") +
         (with_password_hash ? "a.password_hash" : "NULL") +
         ", g.role, g.scope FROM accounts a LEFT JOIN grants g ON g.account_id = a.id ";
}

// Folds joined rows (ordered by account) into accounts with their grants.
std::vector<AccountRow> fold(const store::Rows& rows) {
  std::vector<AccountRow> out;
  for (const auto& r : rows) {
    if (out.empty() || out.back().account.id != r.integer(0)) {
      AccountRow a;
      a.account.id = r.integer(0);
      a.account.username = r.opt_text(1);
      a.account.phone_masked = r.opt_text(2);
      a.account.display_name = r.text(3);
      a.account.status = r.text(4);
      a.account.created_at = r.integer(5);
      if (!r.is_null(6)) a.password_hash = r.text(6);
      out.push_back(std::move(a));
    }
    if (!r.is_null(7)) out.back().account.grants.push_back({r.text(7), r.text(8)});
  }
  return out;
}

std::optional<AccountRow> find_one(store::Conn& c, const std::string& sql, const Value& v) {
  auto rows = fold(c.query(sql, {v}));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace

Result<int64_t> insert_account(store::Conn& c, const NewAccountRow& a) {
  auto r = c.query_unique(
      "INSERT INTO accounts (username, phone_index, phone_sealed, phone_masked, display_name, password_hash, "
      "status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7) RETURNING id",
      {opt(a.username), opt(a.phone_index), opt(a.phone_sealed), opt(a.phone_masked), a.display_name, a.password_hash,
       a.now});
  if (!r.ok()) return r.error();
  return r->at(0).integer(0);
}

Result<Ok> insert_grant(store::Conn& c, int64_t account_id, const Grant& g, int64_t now) {
  auto r = c.query_unique("INSERT INTO grants (account_id, role, scope, created_at) VALUES ($1, $2, $3, $4)",
                          {account_id, g.role, g.scope, now});
  if (!r.ok()) return r.error();
  return Ok{};
}

std::optional<AccountRow> find_by_username(store::Conn& c, const std::string& username) {
  static const std::string sql = account_select(true) + "WHERE a.username = $1 ORDER BY g.role, g.scope";
  return find_one(c, sql, username);
}

std::optional<AccountRow> find_by_phone_index(store::Conn& c, const std::string& phone_index) {
  static const std::string sql = account_select(true) + "WHERE a.phone_index = $1 ORDER BY g.role, g.scope";
  return find_one(c, sql, phone_index);
}

std::optional<Account> load_account(store::Conn& c, int64_t id) {
  static const std::string sql = account_select(false) + "WHERE a.id = $1 ORDER BY g.role, g.scope";
  auto row = find_one(c, sql, id);
  if (!row) return std::nullopt;
  return std::move(row->account);
}

std::vector<Account> list_accounts(store::Conn& c, int64_t after, int64_t limit) {
  // The page is chosen among accounts first, then joined with grants.
  static const std::string sql = account_select(false) +
                                 "WHERE a.id IN (SELECT id FROM accounts WHERE id > $1 ORDER BY id LIMIT $2) "
                                 "ORDER BY a.id, g.role, g.scope";
  std::vector<Account> out;
  for (auto& row : fold(c.query(sql, {after, limit}))) out.push_back(std::move(row.account));
  return out;
}

std::vector<Account> list_accounts_under(store::Conn& c, const std::string& scope, int64_t after, int64_t limit) {
  static const std::string sql =
      account_select(false) +
      "WHERE a.id IN (SELECT DISTINCT account_id FROM grants WHERE (scope = $1 OR scope LIKE $2) AND account_id > $3 "
      "ORDER BY account_id LIMIT $4) ORDER BY a.id, g.role, g.scope";
  std::vector<Account> out;
  for (auto& row : fold(c.query(sql, {scope, (scope == "/" ? "" : scope) + "/%", after, limit})))
    out.push_back(std::move(row.account));
  return out;
}

bool delete_grant(store::Conn& c, int64_t account_id, const Grant& g) {
  return c.exec("DELETE FROM grants WHERE account_id = $1 AND role = $2 AND scope = $3",
                {account_id, g.role, g.scope}) > 0;
}

int64_t count_root_admins(store::Conn& c) {
  return c
      .query_one(
          "SELECT COUNT(*) FROM grants g JOIN accounts a ON a.id = g.account_id "
          "WHERE g.role = 'district_admin' AND g.scope = '/' AND a.status = 'active'")
      ->integer(0);
}

void update_password(store::Conn& c, int64_t id, const std::string& hash, int64_t now) {
  c.exec("UPDATE accounts SET password_hash = $1, updated_at = $2 WHERE id = $3", {hash, now, id});
}

void insert_session(store::Conn& c, const std::string& token_hash, const SessionRow& s, int64_t now,
                    const std::string& ip, const std::string& user_agent) {
  c.exec(
      "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at, ip, user_agent) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {token_hash, s.account_id, s.csrf_token, now, s.expires_at, ip, user_agent});
}

std::optional<SessionRow> find_live_session(store::Conn& c, const std::string& token_hash, int64_t now) {
  auto r = c.query_one(
      "SELECT s.account_id, s.csrf_token, s.expires_at FROM sessions s JOIN accounts a ON a.id = s.account_id "
      "WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND a.status = 'active'",
      {token_hash, now});
  if (!r) return std::nullopt;
  return SessionRow{r->integer(0), r->text(1), r->integer(2)};
}

void revoke_session(store::Conn& c, const std::string& token_hash, int64_t now) {
  c.exec("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL", {now, token_hash});
}

void revoke_account_sessions(store::Conn& c, int64_t account_id, int64_t now) {
  c.exec("UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL", {now, account_id});
}

Failures failures_since(store::Conn& c, const std::string& key, int64_t since) {
  auto r =
      c.query_one("SELECT COUNT(*), COALESCE(MIN(at), 0) FROM login_failures WHERE key = $1 AND at > $2", {key, since});
  return {r->integer(0), r->integer(1)};
}

void record_failure(store::Conn& c, const std::string& key, int64_t at) {
  c.exec("INSERT INTO login_failures (key, at) VALUES ($1, $2)", {key, at});
}

void clear_failures(store::Conn& c, const std::string& key) {
  c.exec("DELETE FROM login_failures WHERE key = $1", {key});
}

void prune_failures(store::Conn& c, int64_t before) { c.exec("DELETE FROM login_failures WHERE at < $1", {before}); }

}  // namespace mashang::accounts::sql
