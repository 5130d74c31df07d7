// Rules of points: the catalogue, budgets, corrections, tiers, balances and statements (the
// proposals, votes and automatic awards are in proposals.cpp). Checks run in the order
// docs/reference/points.md documents; the ledger's SQL is in ledger.cpp.
#include <algorithm>
#include <cctype>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/points/defaults.hpp"
#include "modules/points/internal.hpp"

namespace mashang::points {

namespace detail {

//! Roles that see a person's or a place's points (staff over the place).
constexpr std::string_view kStaffRoles[] = {"grid_worker",  "steward",        "community_staff",
                                            "street_staff", "district_admin", "committee_member"};

bool staff_over(const Principal& who, const std::string& path) {
  return std::any_of(std::begin(kStaffRoles), std::end(kStaffRoles),
                     [&](std::string_view r) { return who.has_role(r, path); });
}

Status valid_key(const std::string& key) {
  bool ok = !key.empty() && key.size() <= kKeyMax && std::all_of(key.begin(), key.end(), [](unsigned char ch) {
    return std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == ':';
  });
  if (!ok) return make_error(Errc::invalid_input, "key must be 1 to 64 characters of A-Z a-z 0-9 - _ . :", "key");
  return ok_status();
}

Status valid_reason(const std::string& s, bool required) {
  if (!required && s.empty()) return ok_status();
  size_t n = text::utf8_chars(s);
  if (n < 2 || n > 500 || !text::valid_utf8(s) || s.find('\0') != std::string::npos)
    return make_error(Errc::invalid_input, "reason must be 2 to 500 characters", "reason");
  return ok_status();
}

Status valid_evidence(const std::vector<std::string>& ev) {
  if (ev.size() > kEvidenceMax) return make_error(Errc::invalid_input, "at most 9 evidence references", "evidence");
  for (const auto& e : ev)
    if (e.empty() || !text::plain_line(e, 200))
      return make_error(Errc::invalid_input, "each evidence reference is one line of 1 to 200 bytes", "evidence");
  return ok_status();
}

std::string lines(const std::vector<std::string>& v) { return join(v, '\n'); }

std::string period_word(const std::string& p) { return p == "ever" ? "in all" : p == "day" ? "per day" : "per " + p; }

//! The moves that post `points` of an item for a subject in a community.
std::vector<Move> item_moves(store::Conn& c, const std::string& subject, int64_t subject_id, int64_t community,
                             int64_t points, int64_t now) {
  int64_t mint = account(c, "mint", 0, now);
  std::vector<Move> m;
  if (subject == "compound") {
    int64_t civ = account(c, "civility", subject_id, now);
    m.push_back(points > 0 ? Move{mint, civ, points} : Move{civ, mint, -points});
  } else if (points > 0) {
    // Virtue from the district; as many spendable points from the committee's budget.
    m.push_back({mint, account(c, "virtue", subject_id, now), points});
    m.push_back({account(c, "budget", community, now), account(c, "spendable", subject_id, now), points});
  } else {
    m.push_back({account(c, "virtue", subject_id, now), mint, -points});
  }
  return m;
}

std::string posting_event(const Posting& p) {
  return "{\"posting_id\":" + std::to_string(p.id) + ",\"kind\":\"" + p.kind + "\",\"subject\":\"" + p.subject +
         "\",\"subject_id\":" + std::to_string(p.subject_id) + ",\"points\":" + std::to_string(p.points) + "}";
}

}  // namespace detail

using namespace detail;

Status Service::seed_catalogue() {
  return db_.write([&](store::Conn& c) -> Status {
    if (c.query_one("SELECT 1 FROM points_items LIMIT 1")) return ok_status();
    int64_t now = clock_.now_ms();
    for (const auto& d : default_items())
      c.exec(
          "INSERT INTO points_items (code, version, name_zh, name_en, points, subject, cap_count, cap_period, "
          "evidence_required, proposers, automatic, active, created_at) "
          "VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11)",
          {std::string(d.code), std::string(d.name_zh), std::string(d.name_en), d.points, std::string(d.subject),
           d.cap_count, std::string(d.cap_period), int64_t{d.evidence_required}, std::string(d.proposers),
           int64_t{d.automatic}, now});
    return ok_status();
  });
}

std::vector<Item> Service::catalog(bool all) {
  std::vector<Item> items;
  db_.read([&](store::Conn& c) { items = current_items(c); });
  if (!all) std::erase_if(items, [](const Item& i) { return !i.active; });
  return items;
}

Result<Item> Service::put_item(const ItemChange& in, const Principal& who, const std::string& ip) {
  if (!who.has_role("district_admin", "/"))
    return make_error(Errc::forbidden, "only district admins edit the points catalogue");
  bool bonus = in.code.starts_with("bonus."), deduction = in.code.starts_with("deduct.");
  auto code_ok =
      in.code.size() <= 56 && (bonus || deduction) && std::all_of(in.code.begin(), in.code.end(), [](unsigned char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
      });
  if (!code_ok || in.code.size() < (bonus ? 7u : 8u))
    return make_error(Errc::invalid_input, "code must be bonus.<name> or deduct.<name> in lower_snake_case", "code");
  if (!text::plain_line(in.name_zh, 128) || in.name_zh.empty())
    return make_error(Errc::invalid_input, "name_zh must be one line of 1 to 128 bytes", "name_zh");
  if (!text::plain_line(in.name_en, 128) || in.name_en.empty())
    return make_error(Errc::invalid_input, "name_en must be one line of 1 to 128 bytes", "name_en");
  if (in.points == 0 || in.points > kPointsMax || in.points < -kPointsMax || (in.points > 0) != bonus)
    return make_error(Errc::invalid_input, "points must be a whole number, > 0 for bonus items and < 0 for deductions",
                      "points");
  if (in.subject != "person" && in.subject != "compound")
    return make_error(Errc::invalid_input, "subject must be person or compound", "subject");
  if (in.cap_count < 0 || in.cap_count > 1000)
    return make_error(Errc::invalid_input, "cap_count must be 0 (no cap) to 1000", "cap_count");
  static constexpr std::string_view kPeriods[] = {"day", "week", "month", "year", "ever"};
  if (std::find(std::begin(kPeriods), std::end(kPeriods), in.cap_period) == std::end(kPeriods))
    return make_error(Errc::invalid_input, "cap_period must be day, week, month, year or ever", "cap_period");
  for (const auto& r : in.proposers) {
    if (r == "self" ? (deduction || in.subject != "person") : !is_role(r) || r == "resident")
      return make_error(Errc::invalid_input,
                        "proposers are staff roles, and self only for a person's bonus items: " + r, "proposers");
  }
  if (in.automatic && !bonus)
    return make_error(Errc::invalid_input, "only bonus items are awarded automatically", "automatic");
  Item out;
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    auto prev = item_by_code(c, in.code);
    if (prev && (prev->points > 0) != (in.points > 0))
      return make_error(Errc::invalid_input, "a bonus item cannot become a deduction", "points");
    int64_t version = prev ? prev->version + 1 : 1;
    auto id = c.query(
        "INSERT INTO points_items (code, version, name_zh, name_en, points, subject, cap_count, cap_period, "
        "evidence_required, proposers, automatic, active, created_at, created_by) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        {in.code, version, in.name_zh, in.name_en, in.points, in.subject, in.cap_count, in.cap_period,
         int64_t{in.evidence_required}, join(in.proposers, ','), int64_t{in.automatic}, int64_t{in.active}, now,
         who.account_id});
    std::string details = "{\"code\":";
    text::append_json_string(details, in.code);
    details += ",\"version\":" + std::to_string(version) + ",\"points\":" + std::to_string(in.points) + "}";
    audit::record(c,
                  {prev ? "points.item_changed" : "points.item_created", "points_item:" + in.code, who.account_id, ip,
                   "", details},
                  now);
    c.emit({"points.catalog_changed", "points_item:" + in.code, "/", std::nullopt, details});
    out = *item_by_id(c, id.at(0).integer(0));
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Posting> Service::grant_budget(const std::string& key, int64_t community_id, int64_t amount,
                                      const std::string& reason, const Principal& who, const std::string& ip,
                                      bool* replay) {
  if (auto s = valid_key(key); !s.ok()) return s.error();
  if (amount <= 0 || amount > kPointsMax)
    return make_error(Errc::invalid_input, "amount must be a whole number of 1 to 1000000 points", "amount");
  if (auto s = valid_reason(reason, true); !s.ok()) return s.error();
  std::string fp = fingerprint("grant|" + std::to_string(who.account_id) + "|" + std::to_string(community_id) + "|" +
                               std::to_string(amount) + "|" + reason);
  std::optional<PostingRow> seen;
  db_.read([&](store::Conn& c) { seen = posting_by_key(c, key); });
  if (seen) {
    if (seen->fingerprint != fp) return make_error(Errc::conflict, "the key was used for a different request", "key");
    if (replay) *replay = true;
    return seen->posting;
  }
  if (!who.has_role("district_admin", "/"))
    return make_error(Errc::forbidden, "only district admins give committees their budgets");
  Result<Posting> out = make_error(Errc::internal, "not posted");
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    auto place = community_in(c, community_id);
    if (!place) return make_error(Errc::invalid_input, "no such community", "community_id");
    auto p = post(c,
                  {key, fp, "grant", std::nullopt, "community", community_id, community_id, amount, reason, "",
                   std::nullopt, std::nullopt, std::to_string(who.account_id), who.account_id},
                  {{account(c, "mint", 0, now), account(c, "budget", community_id, now), amount}}, now);
    if (!p.ok()) return p.error();
    std::string details =
        "{\"community_id\":" + std::to_string(community_id) + ",\"amount\":" + std::to_string(amount) + "}";
    audit::record(
        c, {"points.budget_granted", "points_posting:" + std::to_string(p->id), who.account_id, ip, reason, details},
        now);
    c.emit({"points.posted", "points_posting:" + std::to_string(p->id), place->path, std::nullopt, posting_event(*p)});
    out = *p;
    return ok_status();
  });
  if (!st.ok()) {
    // A replay that raced the first request: answer as a replay.
    if (st.error().field == "key") {
      db_.read([&](store::Conn& c) { seen = posting_by_key(c, key); });
      if (seen && seen->fingerprint == fp) {
        if (replay) *replay = true;
        return seen->posting;
      }
      if (seen) return make_error(Errc::conflict, "the key was used for a different request", "key");
    }
    return st.error();
  }
  return out;
}

Result<Posting> Service::reverse_in(store::Conn& c, const Posting& orig, const std::string& key, const std::string& fp,
                                    const std::string& reason, const Principal& who, const std::string& cpath,
                                    int64_t now) {
  if (c.query_one("SELECT 1 FROM points_postings WHERE reverses = $1", {orig.id}))
    return make_error(Errc::conflict, "the posting was corrected already");
  std::vector<Move> back;
  for (const auto& m : moves_of(c, orig.id)) back.push_back({m.credit, m.debit, m.amount});
  auto p = post(c,
                {key, fp, "correction", std::nullopt, orig.subject, orig.subject_id, orig.community_id, -orig.points,
                 reason, "", std::nullopt, orig.id, std::to_string(who.account_id), who.account_id},
                back, now);
  if (!p.ok()) return p.error();
  c.emit({"points.posted", "points_posting:" + std::to_string(p->id), cpath, std::nullopt, posting_event(*p)});
  if (orig.subject == "person")
    if (auto acc = account_of_in(c, orig.subject_id))
      c.emit({"points.posted", "points_posting:" + std::to_string(p->id), cpath, *acc, posting_event(*p)});
  return p;
}

Result<Posting> Service::correct(const std::string& key, int64_t posting_id, const std::string& reason,
                                 const Principal& who, const std::string& ip, bool* replay) {
  if (auto s = valid_key(key); !s.ok()) return s.error();
  if (auto s = valid_reason(reason, true); !s.ok()) return s.error();
  std::string fp =
      fingerprint("correction|" + std::to_string(who.account_id) + "|" + std::to_string(posting_id) + "|" + reason);
  auto replayed = [&]() -> std::optional<Result<Posting>> {
    std::optional<PostingRow> seen;
    db_.read([&](store::Conn& c) { seen = posting_by_key(c, key); });
    if (!seen) return std::nullopt;
    if (seen->fingerprint != fp)
      return Result<Posting>(make_error(Errc::conflict, "the key was used for a different request", "key"));
    if (replay) *replay = true;
    return Result<Posting>(seen->posting);
  };
  if (auto r = replayed()) return *r;
  Result<Posting> out = make_error(Errc::internal, "not corrected");
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    auto orig = posting_by_id(c, posting_id);
    auto place = orig ? community_in(c, orig->community_id) : std::nullopt;
    auto about = orig ? subject_place(c, orig->subject, orig->subject_id) : std::nullopt;
    if (!orig || !place || !about || !staff_over(who, about->path))
      return make_error(Errc::not_found, "no such posting");
    if (!who.has_role("district_admin", "/") && !who.has_role("community_staff", place->path) &&
        !who.has_role("street_staff", place->path))
      return make_error(Errc::forbidden, "only community or street staff and district admins correct postings");
    if (orig->kind != "award" && orig->kind != "deduction" && orig->kind != "grant")
      return make_error(Errc::conflict, "only awards, deductions and budget grants are corrected this way");
    auto p = reverse_in(c, *orig, key, fp, reason, who, place->path, now);
    if (!p.ok()) return p.error();
    audit::record(c,
                  {"points.corrected", "points_posting:" + std::to_string(posting_id), who.account_id, ip, reason,
                   "{\"correction\":" + std::to_string(p->id) + "}"},
                  now);
    out = *p;
    return ok_status();
  });
  if (!st.ok()) {
    if (st.error().field == "key")
      if (auto r = replayed()) return *r;
    return st.error();
  }
  return out;
}

const std::vector<Tier>& tiers() {
  static const std::vector<Tier> t = {
      {"standard", "普通", "Standard", INT64_MIN, 3, 0},
      {"silver", "银星", "Silver star", 100, 5, 1},
      {"gold", "金星", "Gold star", 300, 7, 2},
  };
  return t;
}

Tier Service::tier_of(int64_t person_id) {
  int64_t virtue = 0;
  db_.read([&](store::Conn& c) {
    if (auto a = account_row(c, "virtue", person_id)) virtue = a->balance;
  });
  const Tier* best = &tiers().front();
  for (const auto& t : tiers())
    if (virtue >= t.min_virtue) best = &t;
  return *best;
}

std::optional<Place> Service::subject_place(store::Conn& c, const std::string& subject, int64_t id) const {
  return subject == "person" ? person_in(c, id) : subject == "compound" ? compound_in(c, id) : community_in(c, id);
}

Result<std::vector<Account>> Service::person_accounts(std::optional<int64_t> person_id, const Principal& who) {
  std::optional<int64_t> mine;
  std::optional<Place> place;
  db_.read([&](store::Conn& c) {
    mine = person_of_in(c, who.account_id);
    if (person_id) place = person_in(c, *person_id);
  });
  int64_t pid = 0;
  if (person_id) {
    pid = *person_id;
    if (!place || (!staff_over(who, place->path) && mine != pid)) return make_error(Errc::not_found, "no such person");
  } else {
    if (!mine) return make_error(Errc::not_found, "your account is linked to no person");
    pid = *mine;
  }
  std::vector<Account> out;
  db_.read([&](store::Conn& c) {
    for (const char* kind : {"virtue", "spendable"})
      out.push_back(account_row(c, kind, pid).value_or(Account{0, kind, pid, 0, 0, 0}));
  });
  return out;
}

Result<Statement> Service::statement(const std::string& kind, int64_t owner, int64_t before, int64_t limit,
                                     const Principal& who) {
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  std::optional<Place> place;
  std::optional<int64_t> mine;
  db_.read([&](store::Conn& c) {
    mine = person_of_in(c, who.account_id);
    place = kind == "civility" ? compound_in(c, owner)
            : kind == "budget" ? community_in(c, owner)
                               : person_in(c, owner);
  });
  if (kind == "virtue" || kind == "spendable") {
    if (!place || (!staff_over(who, place->path) && mine != owner))
      return make_error(Errc::not_found, "no such person");
  } else if (kind == "civility") {
    if (!place || !staff_over(who, place->path)) return make_error(Errc::not_found, "no such compound");
  } else if (kind == "budget") {
    if (!place || !staff_over(who, place->path)) return make_error(Errc::not_found, "no such community");
  } else {
    return make_error(Errc::invalid_input, "account must be virtue, spendable, civility or budget", "account");
  }
  Statement s;
  db_.read([&](store::Conn& c) {
    s.account = account_row(c, kind, owner).value_or(Account{0, kind, owner, 0, 0, 0});
    if (!s.account.id) return;
    int64_t upper = before > 0 ? before : INT64_MAX;
    auto rows = c.query(
        "SELECT t.id, t.posting_id, p.kind, i.code, i.name_zh, i.name_en, t.amount, t.credit_after, p.reason, "
        "p.reverses, t.created_at FROM points_transfers t JOIN points_postings p ON p.id = t.posting_id "
        "LEFT JOIN points_items i ON i.id = p.item_id WHERE t.credit_id = $1 AND t.id < $2 "
        "UNION ALL "
        "SELECT t.id, t.posting_id, p.kind, i.code, i.name_zh, i.name_en, -t.amount, t.debit_after, p.reason, "
        "p.reverses, t.created_at FROM points_transfers t JOIN points_postings p ON p.id = t.posting_id "
        "LEFT JOIN points_items i ON i.id = p.item_id WHERE t.debit_id = $1 AND t.id < $2 "
        "ORDER BY 1 DESC LIMIT $3",
        {s.account.id, upper, limit + 1});
    for (const auto& r : rows) {
      if (static_cast<int64_t>(s.lines.size()) == limit) {
        s.next_before = s.lines.back().transfer_id;
        break;
      }
      s.lines.push_back({r.integer(0), r.integer(1), r.text(2), r.opt_text(3), r.opt_text(4), r.opt_text(5),
                         r.integer(6), r.integer(7), r.text(8), r.opt_integer(9), r.integer(10)});
    }
  });
  return s;
}

}  // namespace mashang::points
