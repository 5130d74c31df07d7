// Business rules of accounts and sessions.
#include <spdlog/spdlog.h>

#include <cctype>
#include <map>
#include <mutex>
#include <unordered_map>

#include "core/personal.hpp"
#include "core/text.hpp"
#include "modules/accounts/accounts.hpp"
#include "modules/accounts/permissions.hpp"
#include "modules/accounts/store.hpp"
#include "modules/audit/audit.hpp"

namespace mashang::accounts {
namespace {

// How long a resolved session is trusted from memory. Changes made through this instance
// evict at once; other instances see a revocation within this time.
constexpr int64_t kSessionCacheMs = 10'000;
constexpr size_t kSessionCacheEntriesMax = 100'000;

Result<Ok> validate_username(const std::string& u) {
  if (u.size() < 3 || u.size() > kUsernameBytesMax)
    return make_error(Errc::invalid_input, "username must be 3 to 32 characters", "username");
  if (!std::islower(static_cast<unsigned char>(u[0])))
    return make_error(Errc::invalid_input, "username must start with a lower-case letter", "username");
  for (char c : u)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_' ||
          c == '.' || c == '-'))
      return make_error(Errc::invalid_input, "username may contain a-z, 0-9, '_', '.', '-'", "username");
  return Ok{};
}

Result<Ok> validate_grant(const Grant& g) {
  if (!is_role(g.role)) return make_error(Errc::invalid_input, "unknown role '" + g.role + "'", "roles");
  if (g.scope.empty() || g.scope[0] != '/' || g.scope.size() > kScopeBytesMax)
    return make_error(Errc::invalid_input, "scope must be a territory path starting with '/'", "roles");
  return Ok{};
}

std::string login_key(const crypto::Keyring& keys, const std::string& login) {
  std::string norm = text::normalize_phone(login).value_or(login);
  return "login:" + keys.blind_index("login", norm);
}

Principal principal_of(const Account& a, const std::string& session_hash, const sql::SessionRow& s) {
  Principal p;
  p.account_id = a.id;
  p.username = a.username.value_or("");
  p.phone_masked = a.phone_masked.value_or("");
  p.display_name = a.display_name;
  p.status = a.status;
  p.created_at = a.created_at;
  p.grants = a.grants;
  p.session_hash = session_hash;
  p.csrf_token = s.csrf_token;
  p.session_expires_at = s.expires_at;
  return p;
}

}  // namespace

// Resolved sessions, keyed by the presented token itself so a hit costs no hashing (the
// memory holding the cache already holds the principals; a token is no more secret than
// them). A second index by token hash lets logout evict without knowing the token.
struct Service::SessionCache {
  struct Entry {
    std::shared_ptr<const Principal> principal;
    int64_t until_ms;
  };
  std::mutex mu;
  std::unordered_map<std::string, Entry> by_token;
  std::unordered_map<std::string, std::string> token_of_hash;
  // Bumped by every eviction: a lookup that read the database before a logout must not put
  // its now stale answer into the cache after it.
  uint64_t generation = 0;

  uint64_t gen() {
    std::lock_guard l(mu);
    return generation;
  }

  std::shared_ptr<const Principal> get(const std::string& token, int64_t now) {
    std::lock_guard l(mu);
    auto it = by_token.find(token);
    if (it == by_token.end()) return nullptr;
    if (it->second.until_ms <= now || it->second.principal->session_expires_at <= now) {
      token_of_hash.erase(it->second.principal->session_hash);
      by_token.erase(it);
      return nullptr;
    }
    return it->second.principal;
  }
  void put(const std::string& token, std::shared_ptr<const Principal> p, int64_t now, uint64_t read_at_gen) {
    std::lock_guard l(mu);
    if (generation != read_at_gen) return;
    if (by_token.size() >= kSessionCacheEntriesMax) {
      by_token.clear();
      token_of_hash.clear();
    }
    token_of_hash[p->session_hash] = token;
    by_token[token] = {std::move(p), now + kSessionCacheMs};
  }
  void evict(const std::string& hash) {
    std::lock_guard l(mu);
    ++generation;
    auto it = token_of_hash.find(hash);
    if (it == token_of_hash.end()) return;
    by_token.erase(it->second);
    token_of_hash.erase(it);
  }
  void evict_account(int64_t id) {
    std::lock_guard l(mu);
    ++generation;
    std::erase_if(by_token, [&](const auto& kv) {
      if (kv.second.principal->account_id != id) return false;
      token_of_hash.erase(kv.second.principal->session_hash);
      return true;
    });
  }
};

Service::Service(store::Db& db, const crypto::Keyring& keys, const Clock& clock, Config::Sessions cfg)
    : db_(db),
      keys_(keys),
      clock_(clock),
      cfg_(cfg),
      cache_(std::make_unique<SessionCache>()),
      dummy_hash_(crypto::hash_password(crypto::random_token(16))) {}
Service::~Service() = default;

Result<Account> Service::create_account(const NewAccount& in, const Principal* actor) {
  if (actor && !can_create_accounts(*actor))
    return make_error(Errc::forbidden, "only district administrators and street or community staff create accounts");
  sql::NewAccountRow row;
  if (!in.username && !in.phone)
    return make_error(Errc::invalid_input, "give a username or a phone number", "username");
  if (in.username) {
    if (auto v = validate_username(*in.username); !v.ok()) return v.error();
    row.username = in.username;
  }
  if (in.phone) {
    auto phone = personal::seal_phone(keys_, *in.phone);
    if (!phone.ok()) return phone.error();
    row.phone_index = phone->index;
    row.phone_sealed = phone->sealed;
    row.phone_masked = phone->masked;
  }
  if (in.display_name.empty() || in.display_name.size() > kDisplayNameBytesMax || !text::valid_utf8(in.display_name))
    return make_error(Errc::invalid_input, "display_name must be 1 to 64 bytes of text", "display_name");
  if (in.password.size() < kPasswordBytesMin || in.password.size() > kPasswordBytesMax)
    return make_error(Errc::invalid_input, "password must be 8 to 128 characters", "password");
  for (const auto& g : in.grants)
    if (auto v = validate_grant(g); !v.ok()) return v.error();
  for (const auto& g : in.grants)
    if (scope_exists_ && !scope_exists_(g.scope))
      return make_error(Errc::invalid_input, "scope " + g.scope + " names no node of the territory", "roles");
  if (actor && !can_manage_accounts(*actor) && in.grants.empty())
    return make_error(Errc::invalid_input, "give the account at least one role within your scope", "roles");
  for (const auto& g : in.grants)
    if (actor && !can_grant(*actor, g))
      return make_error(Errc::forbidden, "you may not grant " + g.role + " at " + g.scope);
  row.display_name = in.display_name;
  row.password_hash = crypto::hash_password(in.password);  // slow: outside the transaction
  row.now = clock_.now_ms();

  int64_t id = 0;
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto inserted = sql::insert_account(c, row);
    if (!inserted.ok())
      return make_error(Errc::conflict, "username or phone is already taken", in.username ? "username" : "phone");
    id = *inserted;
    for (const auto& g : in.grants)
      if (auto r = sql::insert_grant(c, id, g, row.now); !r.ok())
        return make_error(Errc::invalid_input, "the same role and scope is granted twice", "roles");
    std::string payload = "{\"account_id\":" + std::to_string(id) + "}";
    c.emit({"account.created", "account:" + std::to_string(id), "/", id, payload});
    return ok_status();
  });
  if (!st.ok()) return st.error();
  std::optional<Account> a;
  db_.read([&](store::Conn& c) { a = sql::load_account(c, id); });
  return *a;
}

Status Service::set_password(int64_t account_id, const std::string& password) {
  if (password.size() < kPasswordBytesMin || password.size() > kPasswordBytesMax)
    return make_error(Errc::invalid_input, "password must be 8 to 128 characters", "password");
  std::string hash = crypto::hash_password(password);
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    sql::update_password(c, account_id, hash, now);
    sql::revoke_account_sessions(c, account_id, now);
    return ok_status();
  });
  cache_->evict_account(account_id);
  return st;
}

std::optional<Account> Service::find_by_login(const std::string& login) {
  std::optional<sql::AccountRow> row;
  db_.read([&](store::Conn& c) {
    row = sql::find_by_username(c, login);
    if (!row)
      if (auto phone = text::normalize_phone(login))
        row = sql::find_by_phone_index(c, personal::phone_index(keys_, *phone));
  });
  if (!row) return std::nullopt;
  return row->account;
}

Result<Session> Service::login(const LoginInput& in) {
  int64_t now = clock_.now_ms();
  int64_t since = now - cfg_.login_window_ms;
  std::string by_login = login_key(keys_, in.login), by_ip = "ip:" + in.ip;
  std::optional<sql::AccountRow> row;
  sql::Failures fl, fi;
  db_.read([&](store::Conn& c) {
    fl = sql::failures_since(c, by_login, since);
    fi = sql::failures_since(c, by_ip, since);
    row = sql::find_by_username(c, in.login);
    if (!row)
      if (auto phone = text::normalize_phone(in.login))
        row = sql::find_by_phone_index(c, personal::phone_index(keys_, *phone));
  });
  if (fl.count >= cfg_.login_failures_max || fi.count >= cfg_.login_failures_per_ip_max) {
    int64_t oldest = fl.count >= cfg_.login_failures_max ? fl.oldest_at : fi.oldest_at;
    Error e = make_error(Errc::rate_limited, "too many failed sign-ins; try again later");
    e.retry_after_s = static_cast<int>(std::max<int64_t>(1, (oldest + cfg_.login_window_ms - now + 999) / 1000));
    return e;
  }
  // Verify against a dummy hash for unknown logins, so timing does not tell them apart.
  bool good = crypto::verify_password(row ? row->password_hash : dummy_hash_, in.password);
  if (!row || !good || row->account.status != "active") {
    (void)db_.write([&](store::Conn& c) -> Status {
      sql::record_failure(c, by_login, now);
      sql::record_failure(c, by_ip, now);
      if (now % 64 == 0) sql::prune_failures(c, since);  // occasional housekeeping
      return ok_status();
    });
    return make_error(Errc::unauthenticated, "wrong login or password");
  }
  Session s;
  s.token = crypto::random_token(32);
  s.csrf_token = crypto::random_token(24);
  s.expires_at = now + cfg_.ttl_ms;
  s.account = row->account;
  std::string hash = crypto::token_hash(s.token);
  (void)db_.write([&](store::Conn& c) -> Status {
    sql::clear_failures(c, by_login);
    sql::insert_session(c, hash, {row->account.id, s.csrf_token, s.expires_at}, now, in.ip,
                        in.user_agent.substr(0, 255));
    std::string payload = "{\"account_id\":" + std::to_string(row->account.id) + ",\"ip\":";
    text::append_json_string(payload, in.ip);
    payload += ",\"user_agent\":";
    text::append_json_string(payload, text::valid_utf8(in.user_agent) ? text::utf8_prefix(in.user_agent, 255) : "");
    payload += "}";
    c.emit({"session.created", "account:" + std::to_string(row->account.id), "/", row->account.id, payload});
    return ok_status();
  });
  return s;
}

Status Service::logout(const Principal& who) {
  Status st = db_.write([&](store::Conn& c) -> Status {
    sql::revoke_session(c, who.session_hash, clock_.now_ms());
    std::string id = std::to_string(who.account_id);
    c.emit({"session.ended", "account:" + id, "/", who.account_id, "{\"account_id\":" + id + "}"});
    return ok_status();
  });
  cache_->evict(who.session_hash);
  return st;
}

std::optional<std::shared_ptr<const Principal>> Service::cached_session(const std::string& token) {
  auto p = cache_->get(token, clock_.now_ms());
  if (!p) return std::nullopt;
  return p;
}

std::shared_ptr<const Principal> Service::resolve_session(const std::string& token) {
  if (token.size() > 128) return nullptr;
  int64_t now = clock_.now_ms();
  if (auto p = cache_->get(token, now)) return p;
  std::string hash = crypto::token_hash(token);
  uint64_t gen = cache_->gen();
  std::shared_ptr<const Principal> out;
  db_.read([&](store::Conn& c) {
    auto s = sql::find_live_session(c, hash, now);
    if (!s) return;
    auto a = sql::load_account(c, s->account_id);
    if (a) out = std::make_shared<const Principal>(principal_of(*a, hash, *s));
  });
  if (out && departments_of_) {
    auto p = std::make_shared<Principal>(*out);
    p->departments = departments_of_(p->account_id);
    out = std::move(p);
  }
  if (out) cache_->put(token, out, now, gen);
  return out;
}

void Service::refresh_sessions_of(int64_t account_id) { cache_->evict_account(account_id); }

bool Service::account_exists(int64_t id) {
  bool found = false;
  db_.read([&](store::Conn& c) { found = sql::load_account(c, id).has_value(); });
  return found;
}

Result<Account> Service::get_account(int64_t id, const Principal& actor) {
  if (actor.account_id != id && !can_create_accounts(actor))
    return make_error(Errc::forbidden, "you may not view this account");
  std::optional<Account> a;
  db_.read([&](store::Conn& c) { a = sql::load_account(c, id); });
  if (!a) return make_error(Errc::not_found, "no account " + std::to_string(id));
  if (!can_view_account(actor, *a)) return make_error(Errc::forbidden, "you may not view this account");
  return std::move(*a);
}

Result<Page> Service::list_accounts(int64_t after, int64_t limit, const Principal& actor) {
  if (!can_create_accounts(actor))
    return make_error(Errc::forbidden, "only district administrators and street or community staff list accounts");
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  Page page;
  db_.read([&](store::Conn& c) {
    if (can_manage_accounts(actor)) {
      page.items = sql::list_accounts(c, after, limit + 1);
      return;
    }
    std::vector<std::string> scopes;
    for (const auto& g : actor.grants)
      if (g.role == "street_staff" || g.role == "community_staff") scopes.push_back(g.scope);
    // Per scope, page through until limit + 1 accounts the actor may see (some under the
    // scope are not theirs to see, e.g. other staff of their level), then merge by id.
    std::map<int64_t, Account> seen;
    for (const auto& s : outermost_scopes(std::move(scopes))) {
      int64_t visible = 0;
      for (int64_t from = after; visible <= limit;) {
        auto part = sql::list_accounts_under(c, s, from, limit + 1);
        for (auto& a : part) {
          from = a.id;
          if (!can_view_account(actor, a)) continue;
          ++visible;
          seen.emplace(a.id, std::move(a));
        }
        if (static_cast<int64_t>(part.size()) <= limit) break;
      }
    }
    for (auto& [id, a] : seen)
      if (static_cast<int64_t>(page.items.size()) <= limit) page.items.push_back(std::move(a));
  });
  if (static_cast<int64_t>(page.items.size()) > limit) {
    page.items.pop_back();
    page.next_after = page.items.back().id;
  }
  return page;
}

Result<Account> Service::add_grant(int64_t account_id, const Grant& g, const Principal& actor, const std::string& ip) {
  return change_grant(account_id, g, actor, ip, true);
}

Result<Account> Service::revoke_grant(int64_t account_id, const Grant& g, const Principal& actor,
                                      const std::string& ip) {
  return change_grant(account_id, g, actor, ip, false);
}

Result<Account> Service::change_grant(int64_t account_id, const Grant& g, const Principal& actor, const std::string& ip,
                                      bool add) {
  if (auto v = validate_grant(g); !v.ok()) {
    Error e = v.error();
    e.field = is_role(g.role) ? "scope" : "role";  // this route names the two fields themselves
    return e;
  }
  if (add && scope_exists_ && !scope_exists_(g.scope))
    return make_error(Errc::invalid_input, "scope " + g.scope + " names no node of the territory", "scope");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto a = sql::load_account(c, account_id);
    if (!a || !can_view_account(actor, *a)) return make_error(Errc::not_found, "no such account");
    if (!can_grant(actor, g))
      return make_error(Errc::forbidden, "you may not grant or revoke " + g.role + " at " + g.scope);
    int64_t now = clock_.now_ms();
    std::string details = "{\"role\":";
    text::append_json_string(details, g.role);
    details += ",\"scope\":";
    text::append_json_string(details, g.scope);
    details += '}';
    // The audit record first: appending locks the chain's head until commit, so two grant
    // changes at once are serial and "the last district administrator" is counted right.
    const char* action = add ? "account.grant_added" : "account.grant_revoked";
    audit::record(c, {action, "account:" + std::to_string(account_id), actor.account_id, ip, "", details}, now);
    if (add) {
      if (!sql::insert_grant(c, account_id, g, now).ok())
        return make_error(Errc::conflict, "the account already holds " + g.role + " at " + g.scope, "role");
    } else {
      if (g.role == "district_admin" && g.scope == "/" && sql::count_root_admins(c) <= 1)
        return make_error(Errc::conflict, "this is the last district administrator; grant another one first");
      if (!sql::delete_grant(c, account_id, g))
        return make_error(Errc::not_found, "the account does not hold " + g.role + " at " + g.scope);
    }
    c.emit({"account.grants_changed", "account:" + std::to_string(account_id), "/", account_id,
            "{\"account_id\":" + std::to_string(account_id) + "}"});
    return ok_status();
  });
  if (!st.ok()) return st.error();
  cache_->evict_account(account_id);
  std::optional<Account> a;
  db_.read([&](store::Conn& c) { a = sql::load_account(c, account_id); });
  return *a;
}

std::optional<Account> account_in(store::Conn& c, int64_t id) { return sql::load_account(c, id); }

std::vector<int64_t> holders_in(store::Conn& c, const std::string& role, const std::string& path) {
  std::vector<int64_t> out;
  for (const auto& r : c.query("SELECT DISTINCT g.account_id FROM grants g JOIN accounts a ON a.id = g.account_id "
                               "WHERE g.role = $1 AND a.status = 'active' AND (g.scope = '/' OR g.scope = $2 OR "
                               "$2 LIKE g.scope || '/%') ORDER BY g.account_id",
                               {role, path}))
    out.push_back(r.integer(0));
  return out;
}

}  // namespace mashang::accounts
