// The ledger's SQL: accounts made on first use, postings with their transfers, balances moved
// in the same transaction by conditional UPDATEs (an account that may not go below zero
// refuses a debit it cannot cover), the catalogue's rows and the cap counts.
#include <algorithm>
#include <set>

#include "core/crypto.hpp"
#include "modules/points/internal.hpp"

namespace mashang::points::detail {

namespace {

constexpr const char* kPostingColumns =
    "id, idem_key, kind, subject, subject_id, community_id, points, reverses, proposal_id, reason, created_at, "
    "fingerprint";

PostingRow posting_of(const store::Row& r) {
  PostingRow p;
  p.posting.id = r.integer(0);
  p.posting.key = r.text(1);
  p.posting.kind = r.text(2);
  p.posting.subject = r.text(3);
  p.posting.subject_id = r.integer(4);
  p.posting.community_id = r.integer(5);
  p.posting.points = r.integer(6);
  p.posting.reverses = r.opt_integer(7);
  p.posting.proposal_id = r.opt_integer(8);
  p.posting.reason = r.text(9);
  p.posting.created_at = r.integer(10);
  p.fingerprint = r.text(11);
  return p;
}

constexpr const char* kItemColumns =
    "id, version, code, name_zh, name_en, points, subject, cap_count, cap_period, evidence_required, proposers, "
    "automatic, active, created_at";

Item item_of(const store::Row& r) {
  Item i;
  i.id = r.integer(0);
  i.version = r.integer(1);
  i.code = r.text(2);
  i.name_zh = r.text(3);
  i.name_en = r.text(4);
  i.points = r.integer(5);
  i.subject = r.text(6);
  i.cap_count = r.integer(7);
  i.cap_period = r.text(8);
  i.evidence_required = r.integer(9) != 0;
  i.proposers = split(r.text(10), ',');
  i.automatic = r.integer(11) != 0;
  i.active = r.integer(12) != 0;
  i.created_at = r.integer(13);
  return i;
}

bool negative_ok(const std::string& kind) { return kind == "virtue" || kind == "civility" || kind == "mint"; }

}  // namespace

std::string join(const std::vector<std::string>& v, char sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

int64_t account(store::Conn& c, const std::string& kind, int64_t owner, int64_t now) {
  if (auto r = c.query_one("SELECT id FROM points_accounts WHERE kind = $1 AND owner_id = $2", {kind, owner}))
    return r->integer(0);
  c.exec(
      "INSERT INTO points_accounts (kind, owner_id, negative_ok, created_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (kind, owner_id) DO NOTHING",
      {kind, owner, int64_t{negative_ok(kind)}, now});
  return c.query_one("SELECT id FROM points_accounts WHERE kind = $1 AND owner_id = $2", {kind, owner})->integer(0);
}

std::optional<Account> account_row(store::Conn& c, const std::string& kind, int64_t owner) {
  auto r = c.query_one(
      "SELECT id, kind, owner_id, balance, debits, credits FROM points_accounts WHERE kind = $1 AND owner_id = $2",
      {kind, owner});
  if (!r) return std::nullopt;
  return Account{r->integer(0), r->text(1), r->integer(2), r->integer(3), r->integer(4), r->integer(5)};
}

std::optional<PostingRow> posting_by_key(store::Conn& c, const std::string& key) {
  auto r = c.query_one(std::string("SELECT ") + kPostingColumns + " FROM points_postings WHERE idem_key = $1", {key});
  if (!r) return std::nullopt;
  return posting_of(*r);
}

std::optional<Posting> posting_by_id(store::Conn& c, int64_t id) {
  auto r = c.query_one(std::string("SELECT ") + kPostingColumns + " FROM points_postings WHERE id = $1", {id});
  if (!r) return std::nullopt;
  return posting_of(*r).posting;
}

Result<Posting> post(store::Conn& c, const NewPosting& p, const std::vector<Move>& moves, int64_t now) {
  auto inserted = c.query_unique(
      "INSERT INTO points_postings (idem_key, fingerprint, kind, item_id, subject, subject_id, community_id, points, "
      "reason, evidence, proposal_id, reverses, approved_by, created_by, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
      {p.key, p.fingerprint, p.kind, p.item_id ? store::Value(*p.item_id) : store::null_value, p.subject, p.subject_id,
       p.community_id, p.points, p.reason, p.evidence, p.proposal_id ? store::Value(*p.proposal_id) : store::null_value,
       p.reverses ? store::Value(*p.reverses) : store::null_value, p.approved_by,
       p.created_by ? store::Value(*p.created_by) : store::null_value, now});
  if (!inserted.ok()) return make_error(Errc::conflict, "the key has been used", "key");
  int64_t id = inserted->at(0).integer(0);
  // Row locks in one global order before any balance moves (a no-op UPDATE locks on
  // PostgreSQL; SQLite has one writer anyway).
  std::set<int64_t> ids;
  for (const auto& m : moves) ids.insert({m.debit, m.credit});
  for (int64_t a : ids) c.exec("UPDATE points_accounts SET balance = balance WHERE id = $1", {a});
  for (const auto& m : moves) {
    auto debited = c.query(
        "UPDATE points_accounts SET balance = balance - $2, debits = debits + $2 "
        "WHERE id = $1 AND (negative_ok = 1 OR balance >= $2) RETURNING balance",
        {m.debit, m.amount});
    if (debited.empty()) {
      auto kind = c.query_one("SELECT kind FROM points_accounts WHERE id = $1", {m.debit})->text(0);
      if (kind == "budget") return make_error(Errc::conflict, "the committee's budget does not cover this");
      if (kind == "escrow") return make_error(Errc::conflict, "nothing is held for this any more");
      return make_error(Errc::conflict, "not enough points: they may have been spent already");
    }
    auto credited = c.query(
        "UPDATE points_accounts SET balance = balance + $2, credits = credits + $2 WHERE id = $1 RETURNING balance",
        {m.credit, m.amount});
    c.exec(
        "INSERT INTO points_transfers (posting_id, debit_id, credit_id, amount, debit_after, credit_after, "
        "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        {id, m.debit, m.credit, m.amount, debited.at(0).integer(0), credited.at(0).integer(0), now});
  }
  return posting_by_id(c, id).value();
}

std::vector<Move> moves_of(store::Conn& c, int64_t posting_id) {
  std::vector<Move> out;
  for (const auto& r : c.query(
           "SELECT debit_id, credit_id, amount FROM points_transfers WHERE posting_id = $1 ORDER BY id", {posting_id}))
    out.push_back({r.integer(0), r.integer(1), r.integer(2)});
  return out;
}

std::optional<Item> item_by_code(store::Conn& c, const std::string& code) {
  auto r = c.query_one(
      std::string("SELECT ") + kItemColumns + " FROM points_items WHERE code = $1 ORDER BY version DESC LIMIT 1",
      {code});
  if (!r) return std::nullopt;
  return item_of(*r);
}

std::optional<Item> item_by_id(store::Conn& c, int64_t id) {
  auto r = c.query_one(std::string("SELECT ") + kItemColumns + " FROM points_items WHERE id = $1", {id});
  if (!r) return std::nullopt;
  return item_of(*r);
}

std::vector<Item> current_items(store::Conn& c) {
  std::vector<Item> out;
  for (const auto& r : c.query(std::string("SELECT ") + kItemColumns +
                               " FROM points_items i WHERE version = (SELECT MAX(version) FROM points_items v "
                               "WHERE v.code = i.code) ORDER BY points < 0, subject DESC, id"))
    out.push_back(item_of(r));
  return out;
}

int64_t period_start(const std::string& period, int64_t now) {
  if (period == "ever") return 0;
  constexpr int64_t kDay = 86'400'000, kShift = 8 * 3'600'000;  // the calendar of UTC+8
  int64_t local = now + kShift;
  int64_t days = local / kDay;  // since 1970-01-01 (a Thursday)
  if (period == "day") return days * kDay - kShift;
  if (period == "week") return (days - (days + 3) % 7) * kDay - kShift;  // back to Monday
  // Civil date from days (Howard Hinnant's algorithm), then back to the 1st of the month/year.
  int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  auto days_from_civil = [](int64_t yy, int64_t mm, int64_t dd) {
    yy -= mm <= 2;
    int64_t e = yy / 400, ye = yy - e * 400;
    int64_t dy = (153 * (mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + dd - 1;
    int64_t de = ye * 365 + ye / 4 - ye / 100 + dy;
    return e * 146097 + de - 719468;
  };
  int64_t first = period == "month" ? days_from_civil(y, m, 1) : days_from_civil(y, 1, 1);
  return first * kDay - kShift;
}

int64_t postings_in_period(store::Conn& c, const std::string& code, const std::string& subject, int64_t subject_id,
                           const std::string& period, int64_t now) {
  // A corrected posting does not count: its correction names it in `reverses`.
  auto r = c.query_one(
      "SELECT COUNT(*) FROM points_postings p JOIN points_items i ON i.id = p.item_id "
      "WHERE i.code = $1 AND p.subject = $2 AND p.subject_id = $3 AND p.created_at >= $4 "
      "AND p.kind IN ('award', 'deduction') "
      "AND NOT EXISTS (SELECT 1 FROM points_postings r WHERE r.reverses = p.id)",
      {code, subject, subject_id, period_start(period, now)});
  return r->integer(0);
}

std::optional<int64_t> community_of(const std::string& path) {
  // "/street/community/…": the community is the second segment.
  if (path.size() < 2 || path[0] != '/') return std::nullopt;
  size_t second = path.find('/', 1);
  if (second == std::string::npos) return std::nullopt;
  size_t end = path.find('/', second + 1);
  std::string seg = path.substr(second + 1, end == std::string::npos ? std::string::npos : end - second - 1);
  if (seg.empty() || seg.size() > 18 ||
      !std::all_of(seg.begin(), seg.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return std::nullopt;
  return std::stoll(seg);
}

std::optional<std::string> community_path(const std::string& path) {
  if (!community_of(path)) return std::nullopt;
  size_t second = path.find('/', 1);
  size_t end = path.find('/', second + 1);
  return end == std::string::npos ? path : path.substr(0, end);
}

std::string fingerprint(const std::string& canonical) { return crypto::token_hash(canonical); }

}  // namespace mashang::points::detail
