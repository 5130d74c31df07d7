// The hash chain of the audit log.
#include "core/crypto.hpp"
#include "modules/audit/audit.hpp"

namespace mashang::audit {
namespace {

struct Stored {
  int64_t id = 0, at = 0;
  std::optional<int64_t> actor_id;
  std::string ip, action, target, reason, details, prev_hash, hash;
};

// Length-prefixed fields, so no two different records serialise alike.
std::string chain_hash(const std::string& prev_hash, int64_t id, int64_t at, std::optional<int64_t> actor,
                       const std::string& ip, const std::string& action, const std::string& target,
                       const std::string& reason, const std::string& details) {
  std::string s = "mashang-audit-v1";
  auto field = [&s](std::string_view v) {
    s += '|';
    s += std::to_string(v.size());
    s += ':';
    s += v;
  };
  field(prev_hash);
  field(std::to_string(id));
  field(std::to_string(at));
  field(actor ? std::to_string(*actor) : "");
  field(ip);
  field(action);
  field(target);
  field(reason);
  field(details);
  return crypto::token_hash(s);
}

}  // namespace

void lock(store::Conn& c) {
  if (!c.query_one("UPDATE audit_head SET last_id = last_id WHERE one = 1 RETURNING last_id"))
    throw Fault(Errc::internal, "the audit log has no head row");
}

void record(store::Conn& c, const Entry& e_in, int64_t now_ms) {
  // Account ids start at 1: 0 is a trusted caller without an account (the demo, the CLI).
  Entry e = e_in;
  if (e.actor_id && *e.actor_id <= 0) e.actor_id.reset();
  // Updating the head row first locks it until commit (PostgreSQL), so appends are serial;
  // SQLite has one writer anyway.
  auto head = c.query_one("UPDATE audit_head SET last_id = last_id WHERE one = 1 RETURNING last_id, hash");
  if (!head) throw Fault(Errc::internal, "the audit log has no head row");
  int64_t id = head->integer(0) + 1;
  std::string prev = head->text(1);
  std::string h = chain_hash(prev, id, now_ms, e.actor_id, e.ip, e.action, e.target, e.reason, e.details_json);
  c.exec(
      "INSERT INTO audit (id, at, actor_id, ip, action, target, reason, details, prev_hash, hash) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {id, now_ms, e.actor_id ? store::Value(*e.actor_id) : store::null_value, e.ip, e.action, e.target, e.reason,
       e.details_json, prev, h});
  c.exec("UPDATE audit_head SET last_id = $1, hash = $2 WHERE one = 1", {id, h});
}

bool can_browse(const Principal& who) { return who.has_role("district_admin", "/"); }

Result<Page> browse(store::Db& db, const Query& q, const Principal& who) {
  if (q.limit < 1 || q.limit > 200) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (q.before < 0) return make_error(Errc::invalid_input, "before must be a non-negative id", "before");
  if (!can_browse(who)) return make_error(Errc::forbidden, "only a district administrator may read the audit log");
  // One statement; an absent filter is a NULL parameter that matches everything (typed by
  // CAST, which both databases read alike, so PostgreSQL need not guess a NULL's type).
  static const std::string sql =
      "SELECT id, at, actor_id, ip, action, target, reason, details, hash FROM audit "
      "WHERE (CAST($1 AS BIGINT) = 0 OR id < CAST($1 AS BIGINT)) "
      "AND (CAST($2 AS BIGINT) IS NULL OR actor_id = CAST($2 AS BIGINT)) "
      "AND (CAST($3 AS TEXT) IS NULL OR target = CAST($3 AS TEXT)) "
      "AND (CAST($4 AS BIGINT) IS NULL OR at >= CAST($4 AS BIGINT)) "
      "AND (CAST($5 AS BIGINT) IS NULL OR at <= CAST($5 AS BIGINT)) ORDER BY id DESC LIMIT $6";
  auto opt = [](const auto& v) { return v ? store::Value(*v) : store::null_value; };
  Page page;
  db.read([&](store::Conn& c) {
    for (const auto& r :
         c.query(sql, {q.before, opt(q.actor_id), opt(q.target), opt(q.since), opt(q.until), q.limit + 1}))
      page.items.push_back({r.integer(0), r.integer(1), r.opt_integer(2), r.text(3), r.text(4), r.text(5), r.text(6),
                            r.text(7), r.text(8)});
  });
  if (static_cast<int64_t>(page.items.size()) > q.limit) {
    page.items.pop_back();
    page.next_before = page.items.back().id;
  }
  return page;
}

Verdict verify(store::Db& db) {
  Verdict v;
  int64_t last_id = 0;
  std::string last_hash;
  constexpr int64_t kPage = 5000;
  for (;;) {
    std::vector<Stored> rows;
    db.read([&](store::Conn& c) {
      for (const auto& r : c.query("SELECT id, at, actor_id, ip, action, target, reason, details, prev_hash, hash "
                                   "FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
                                   {last_id, kPage}))
        rows.push_back({r.integer(0), r.integer(1), r.opt_integer(2), r.text(3), r.text(4), r.text(5), r.text(6),
                        r.text(7), r.text(8), r.text(9)});
    });
    for (const auto& r : rows) {
      ++v.checked;
      auto fail = [&](std::string problem) {
        v.broken_at = r.id;
        v.problem = std::move(problem);
      };
      if (r.id != last_id + 1)
        fail("record " + std::to_string(last_id + 1) + " is missing");
      else if (r.prev_hash != last_hash)
        fail("does not link to the record before it");
      else if (chain_hash(r.prev_hash, r.id, r.at, r.actor_id, r.ip, r.action, r.target, r.reason, r.details) != r.hash)
        fail("its content does not match its hash (edited)");
      if (v.broken_at) return v;
      last_id = r.id;
      last_hash = r.hash;
    }
    if (static_cast<int64_t>(rows.size()) < kPage) break;
  }
  std::optional<store::Row> head;
  db.read([&](store::Conn& c) { head = c.query_one("SELECT last_id, hash FROM audit_head WHERE one = 1"); });
  if (!head || head->integer(0) != last_id || head->text(1) != last_hash) {
    v.broken_at = 0;
    v.problem = "the chain ends at record " + std::to_string(last_id) + " but its head records " +
                (head ? std::to_string(head->integer(0)) : std::string("nothing")) + " (newest records deleted?)";
  }
  return v;
}

}  // namespace mashang::audit
