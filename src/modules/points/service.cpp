// Rules of points: the catalogue, budgets, proposals and the committee's votes, corrections,
// balances and statements. Checks run in the order docs/reference/points.md documents; the
// ledger's SQL is in ledger.cpp.
#include <algorithm>
#include <cctype>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/events/events.hpp"
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

}  // namespace detail

using namespace detail;

namespace {

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

Proposal proposal_of(const store::Row& r, store::Conn& c) {
  Proposal p;
  p.id = r.integer(0);
  p.key = r.text(1);
  p.item = *item_by_id(c, r.integer(2));
  p.subject = r.text(3);
  p.subject_id = r.integer(4);
  p.community_id = r.integer(5);
  p.points = r.integer(6);
  p.reason = r.text(7);
  p.evidence = split(r.text(8), '\n');
  p.proposed_by = r.opt_integer(9);
  p.by_self = r.integer(10) != 0;
  p.status = r.text(11);
  p.posting_id = r.opt_integer(12);
  p.decided_at = r.opt_integer(13);
  p.created_at = r.integer(14);
  auto v = c.query_one(
      "SELECT COALESCE(SUM(CASE WHEN decision = 'approve' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN decision = 'reject' THEN 1 ELSE 0 END), 0) FROM points_votes WHERE proposal_id = $1",
      {p.id});
  p.approvals = v->integer(0);
  p.rejections = v->integer(1);
  return p;
}

constexpr const char* kProposalColumns =
    "id, idem_key, item_id, subject, subject_id, community_id, points, reason, evidence, proposed_by, by_self, "
    "status, posting_id, decided_at, created_at, fingerprint, path";

std::optional<Proposal> proposal_by(store::Conn& c, const char* column, const store::Value& v,
                                    std::string* fp = nullptr, std::string* path = nullptr) {
  auto r =
      c.query_one(std::string("SELECT ") + kProposalColumns + " FROM points_proposals WHERE " + column + " = $1", {v});
  if (!r) return std::nullopt;
  if (fp) *fp = r->text(15);
  if (path) *path = r->text(16);
  return proposal_of(*r, c);
}

std::string posting_event(const Posting& p) {
  return "{\"posting_id\":" + std::to_string(p.id) + ",\"kind\":\"" + p.kind + "\",\"subject\":\"" + p.subject +
         "\",\"subject_id\":" + std::to_string(p.subject_id) + ",\"points\":" + std::to_string(p.points) + "}";
}

}  // namespace

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

Result<Proposal> Service::propose(const NewProposal& in, const Principal& who, bool* replay) {
  // 1–4: the request's shape.
  if (auto s = valid_key(in.key); !s.ok()) return s.error();
  if (in.item_code.empty()) return make_error(Errc::invalid_input, "item is required", "item");
  if (in.person_id && in.compound_id)
    return make_error(Errc::invalid_input, "name a person or a compound, not both", "person_id");
  if (auto s = valid_reason(in.reason, true); !s.ok()) return s.error();
  if (auto s = valid_evidence(in.evidence); !s.ok()) return s.error();
  std::string fp = fingerprint("proposal|" + std::to_string(who.account_id) + "|" + in.item_code + "|" +
                               (in.person_id     ? "p" + std::to_string(*in.person_id)
                                : in.compound_id ? "c" + std::to_string(*in.compound_id)
                                                 : "self") +
                               "|" + in.reason + "|" + lines(in.evidence));
  // 5: a replay answers the original.
  auto replayed = [&]() -> std::optional<Result<Proposal>> {
    std::optional<Proposal> seen;
    std::string seen_fp;
    db_.read([&](store::Conn& c) { seen = proposal_by(c, "idem_key", in.key, &seen_fp); });
    if (!seen) return std::nullopt;
    if (seen_fp != fp)
      return Result<Proposal>(make_error(Errc::conflict, "the key was used for a different request", "key"));
    if (replay) *replay = true;
    return Result<Proposal>(*seen);
  };
  if (auto r = replayed()) return *r;

  Result<Proposal> out = make_error(Errc::internal, "not proposed");
  Status st = db_.write([&](store::Conn& c) -> Status {
    out = propose_in(c, in, in.key, fp, who, clock_.now_ms());
    return out.ok() ? ok_status() : Status(out.error());
  });
  if (!st.ok()) {
    if (st.error().field == "key")
      if (auto r = replayed()) return *r;
    return st.error();
  }
  return out;
}

Result<Proposal> Service::propose_in(store::Conn& c, const NewProposal& in, const std::string& key,
                                     const std::string& fp, const Principal& who, int64_t now) {
  // 6: the item.
  auto item = item_by_code(c, in.item_code);
  if (!item) return make_error(Errc::invalid_input, "no such item: " + in.item_code, "item");
  if (!item->active) return make_error(Errc::invalid_input, "the item is no longer in use", "item");
  if (item->automatic) return make_error(Errc::invalid_input, "the item is awarded automatically", "item");
  // 7: the subject.
  std::string subject = item->subject;
  int64_t subject_id = 0;
  std::optional<Place> place;
  bool self = false;
  if (subject == "person") {
    if (in.compound_id) return make_error(Errc::invalid_input, "the item is for a person", "person_id");
    if (in.person_id) {
      subject_id = *in.person_id;
    } else {
      auto mine = person_of_in(c, who.account_id);
      if (!mine) return make_error(Errc::invalid_input, "your account is linked to no person", "person_id");
      subject_id = *mine;
    }
    place = person_in(c, subject_id);
    if (!place) return make_error(Errc::not_found, "no such person", "person_id");
    auto mine = person_of_in(c, who.account_id);
    self = mine && *mine == subject_id;
  } else {
    if (!in.compound_id)
      return make_error(Errc::invalid_input, "the item is for a compound: compound_id", "compound_id");
    subject_id = *in.compound_id;
    place = compound_in(c, subject_id);
    if (!place) return make_error(Errc::not_found, "no such compound", "compound_id");
  }
  auto community = community_of(place->path);
  if (!community) return make_error(Errc::invalid_input, "the subject belongs to no community", "person_id");
  // 8: the right to propose it.
  const auto& ps = item->proposers;
  bool by_role = std::any_of(ps.begin(), ps.end(),
                             [&](const std::string& r) { return r != "self" && who.has_role(r, place->path); });
  bool by_self = !by_role && self && std::find(ps.begin(), ps.end(), "self") != ps.end();
  if (!by_role && !by_self) {
    if (!staff_over(who, place->path) && !self) return make_error(Errc::not_found, "no such person", "person_id");
    return make_error(Errc::forbidden, "you may not propose " + item->code + " here");
  }
  // 9: evidence.
  if (item->evidence_required && in.evidence.empty())
    return make_error(Errc::invalid_input, "the item needs evidence", "evidence");
  // 10: the cap.
  if (item->cap_count > 0 &&
      postings_in_period(c, item->code, subject, subject_id, item->cap_period, now) >= item->cap_count)
    return make_error(Errc::conflict, "the cap of " + std::to_string(item->cap_count) + " " +
                                          period_word(item->cap_period) + " is reached for " + item->code);
  auto id = c.query_unique(
      "INSERT INTO points_proposals (idem_key, fingerprint, item_id, subject, subject_id, community_id, path, "
      "points, "
      "reason, evidence, proposed_by, by_self, status, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13) RETURNING id",
      {key, fp, item->id, subject, subject_id, *community, place->path, item->points, in.reason, lines(in.evidence),
       who.account_id, int64_t{by_self}, now});
  if (!id.ok()) return make_error(Errc::conflict, "the key has been used", "key");
  int64_t pid = id->at(0).integer(0);
  std::string payload = "{\"proposal_id\":" + std::to_string(pid) + ",\"item\":";
  text::append_json_string(payload, item->code);
  payload += ",\"points\":" + std::to_string(item->points) + ",\"community_id\":" + std::to_string(*community) + "}";
  c.emit({"points.proposed", "points_proposal:" + std::to_string(pid), *community_path(place->path), std::nullopt,
          payload});
  return *proposal_by(c, "id", pid);
}

Result<std::vector<Proposal>> Service::propose_many(const NewProposal& in, const std::vector<int64_t>& person_ids,
                                                    const Principal& who, bool* replay) {
  if (auto s = valid_key(in.key); !s.ok()) return s.error();
  if (in.item_code.empty()) return make_error(Errc::invalid_input, "item is required", "item");
  if (person_ids.empty() || person_ids.size() > kBulkMax)
    return make_error(Errc::invalid_input, "person_ids must list 1 to 10000 persons", "person_ids");
  std::vector<int64_t> sorted = person_ids;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return make_error(Errc::invalid_input, "person_ids lists a person twice", "person_ids");
  if (auto s = valid_reason(in.reason, true); !s.ok()) return s.error();
  if (auto s = valid_evidence(in.evidence); !s.ok()) return s.error();
  std::string ids;
  for (int64_t id : sorted) ids += std::to_string(id) + ",";
  std::string fp = fingerprint("bulk|" + std::to_string(who.account_id) + "|" + in.item_code + "|" + ids + "|" +
                               in.reason + "|" + lines(in.evidence));
  // Each proposal's key is the request's key, '/', the person: no client key has a '/'.
  auto key_of = [&](int64_t person) { return in.key + "/" + std::to_string(person); };
  auto replayed = [&]() -> std::optional<Result<std::vector<Proposal>>> {
    // Any proposal made under this key ("key/…": the range from "key/" up to "key0").
    std::optional<std::string> seen_fp;
    db_.read([&](store::Conn& c) {
      if (auto r = c.query_one("SELECT fingerprint FROM points_proposals WHERE idem_key >= $1 AND idem_key < $2 "
                               "ORDER BY idem_key LIMIT 1",
                               {in.key + "/", in.key + "0"}))
        seen_fp = r->text(0);
    });
    if (!seen_fp) return std::nullopt;
    if (*seen_fp != fp)
      return Result<std::vector<Proposal>>(
          make_error(Errc::conflict, "the key was used for a different request", "key"));
    std::vector<Proposal> all;
    db_.read([&](store::Conn& c) {
      for (int64_t p : person_ids)
        if (auto x = proposal_by(c, "idem_key", key_of(p))) all.push_back(*x);
    });
    if (replay) *replay = true;
    return Result<std::vector<Proposal>>(std::move(all));
  };
  if (auto r = replayed()) return *r;
  std::vector<Proposal> out;
  Status st = db_.write([&](store::Conn& c) -> Status {
    out.clear();
    int64_t now = clock_.now_ms();
    for (size_t i = 0; i < person_ids.size(); ++i) {
      NewProposal one = in;
      one.person_id = person_ids[i];
      one.compound_id.reset();
      auto p = propose_in(c, one, key_of(person_ids[i]), fp, who, now);
      if (!p.ok()) {
        Error e = p.error();
        e.message = "person_ids[" + std::to_string(i) + "] (" + std::to_string(person_ids[i]) + "): " + e.message;
        if (e.field == "person_id") e.field = "person_ids";
        return e;
      }
      out.push_back(std::move(*p));
    }
    return ok_status();
  });
  if (!st.ok()) {
    if (st.error().field == "key")
      if (auto r = replayed()) return *r;
    return st.error();
  }
  return out;
}

Result<Posting> Service::award_automatic(const std::string& item_code, int64_t person_id, const std::string& reason,
                                         const std::string& key, bool* replay) {
  std::optional<PostingRow> seen;
  db_.read([&](store::Conn& c) { seen = posting_by_key(c, key); });
  if (seen) {
    if (replay) *replay = true;
    return seen->posting;
  }
  Result<Posting> out = make_error(Errc::internal, "not awarded");
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    auto place = person_in(c, person_id);
    auto community = place ? community_of(place->path) : std::nullopt;
    if (!community) return make_error(Errc::not_found, "no such person", "person_id");
    auto item = item_by_code(c, item_code);
    if (!item || !item->active || !item->automatic || item->subject != "person")
      return make_error(Errc::invalid_input, "no automatic item " + item_code + " for persons", "item");
    if (item->cap_count > 0 &&
        postings_in_period(c, item->code, "person", person_id, item->cap_period, now) >= item->cap_count)
      return make_error(Errc::conflict, "the cap of " + std::to_string(item->cap_count) + " " +
                                            period_word(item->cap_period) + " is reached for " + item->code);
    auto p = post(c,
                  {key, fingerprint(key), "award", item->id, "person", person_id, *community, item->points, reason, "",
                   std::nullopt, std::nullopt, "", std::nullopt},
                  item_moves(c, "person", person_id, *community, item->points, now), now);
    if (!p.ok()) return p.error();
    auto cpath = community_path(place->path).value_or("/");
    c.emit({"points.posted", "points_posting:" + std::to_string(p->id), cpath, std::nullopt, posting_event(*p)});
    if (auto acc = account_of_in(c, person_id))
      c.emit({"points.posted", "points_posting:" + std::to_string(p->id), cpath, *acc, posting_event(*p)});
    out = *p;
    return ok_status();
  });
  if (!st.ok()) {
    if (st.error().field == "key") {
      db_.read([&](store::Conn& c) { seen = posting_by_key(c, key); });
      if (seen) {
        if (replay) *replay = true;
        return seen->posting;
      }
    }
    return st.error();
  }
  return out;
}

int64_t Service::follow_events() {
  constexpr int64_t kBatch = 500;
  int64_t awarded = 0;
  for (;;) {
    int64_t cursor = 0;
    db_.read([&](store::Conn& c) {
      if (auto r = c.query_one("SELECT after_id FROM points_cursors WHERE name = 'events'")) cursor = r->integer(0);
    });
    auto batch = events::after(db_, cursor, kBatch);
    if (batch.empty()) return awarded;
    for (const auto& e : batch) {
      // The reporters' own copies of an order's verification or rating: a confirmed report.
      if ((e.type != "order.verified" && e.type != "order.rated") || !e.account_id) continue;
      std::optional<int64_t> person;
      db_.read([&](store::Conn& c) { person = person_of_in(c, *e.account_id); });
      if (!person) continue;
      bool again = false;
      auto r = award_automatic("bonus.report_confirmed", *person, "随手拍问题经核实 " + e.subject,
                               "#auto:report_confirmed:" + e.subject + ":" + std::to_string(*person), &again);
      if (r.ok() && !again) ++awarded;  // a cap or an empty budget passes it by; the key keeps it once
    }
    int64_t last = batch.back().id;
    auto moved = db_.write([&](store::Conn& c) -> Status {
      c.exec(
          "INSERT INTO points_cursors (name, after_id) VALUES ('events', $1) "
          "ON CONFLICT (name) DO UPDATE SET after_id = excluded.after_id",
          {last});
      return ok_status();
    });
    if (!moved.ok() || static_cast<int64_t>(batch.size()) < kBatch) return awarded;
  }
}

Result<Proposal> Service::decide(store::Conn& c, int64_t id, bool approve, const std::string& reason,
                                 const Principal& who, int64_t now) {
  // Votes on one proposal, one after the other (PostgreSQL: the row lock; SQLite: one writer).
  c.exec("UPDATE points_proposals SET status = status WHERE id = $1", {id});
  std::string path;
  auto p = proposal_by(c, "id", id, nullptr, &path);
  if (!p || (!staff_over(who, path) && p->proposed_by != who.account_id))
    return make_error(Errc::not_found, "no such proposal");
  auto cpath = *community_path(path);
  if (!who.has_role("committee_member", cpath))
    return make_error(Errc::forbidden, "only members of the community's points committee decide proposals");
  if (p->status != "pending") return make_error(Errc::conflict, "the proposal was " + p->status + " already");
  if (p->proposed_by == who.account_id)
    return make_error(Errc::forbidden, "a proposal is decided by members other than its proposer");
  if (p->subject == "person" && account_of_in(c, p->subject_id) == who.account_id)
    return make_error(Errc::forbidden, "no one decides a proposal about themselves");
  auto voted = c.query_unique(
      "INSERT INTO points_votes (proposal_id, account_id, decision, reason, at) VALUES ($1, $2, $3, $4, $5)",
      {id, who.account_id, std::string(approve ? "approve" : "reject"), reason, now});
  if (!voted.ok()) return make_error(Errc::conflict, "you have decided this proposal already");
  auto counted = *proposal_by(c, "id", id);
  std::string payload = "{\"proposal_id\":" + std::to_string(id) + ",\"status\":\"";
  if (counted.approvals >= opt_.quorum) {
    auto item = counted.item;
    if (item.cap_count > 0 &&
        postings_in_period(c, item.code, p->subject, p->subject_id, item.cap_period, now) >= item.cap_count)
      return make_error(Errc::conflict, "the cap of " + std::to_string(item.cap_count) + " " +
                                            period_word(item.cap_period) + " is reached for " + item.code +
                                            ": reject the proposal");
    std::string approvers;
    for (const auto& r : c.query(
             "SELECT account_id FROM points_votes WHERE proposal_id = $1 AND decision = 'approve' ORDER BY at", {id}))
      approvers += (approvers.empty() ? "" : ",") + std::to_string(r.integer(0));
    auto posted = post_proposal_in(c, *p, cpath, approvers, now);
    if (!posted.ok()) return posted.error();
    payload += "posted\"}";
  } else if (counted.rejections >= opt_.quorum) {
    c.exec("UPDATE points_proposals SET status = 'rejected', decided_at = $2 WHERE id = $1", {id, now});
    payload += "rejected\"}";
    if (p->proposed_by)
      c.emit({"points.rejected", "points_proposal:" + std::to_string(id), cpath, *p->proposed_by, payload});
  } else {
    payload += "pending\"}";
  }
  c.emit({"points.voted", "points_proposal:" + std::to_string(id), cpath, std::nullopt, payload});
  return *proposal_by(c, "id", id);
}

Result<Proposal> Service::vote(int64_t id, bool approve, const std::string& reason, const Principal& who) {
  if (auto s = valid_reason(reason, !approve); !s.ok()) return s.error();
  Result<Proposal> out = make_error(Errc::internal, "not decided");
  Status st = db_.write([&](store::Conn& c) -> Status {
    out = decide(c, id, approve, reason, who, clock_.now_ms());
    return out.ok() ? ok_status() : Status(out.error());
  });
  if (!st.ok()) return st.error();
  return out;
}

std::vector<Decision> Service::vote_many(const std::vector<int64_t>& ids, bool approve, const std::string& reason,
                                         const Principal& who) {
  std::vector<Decision> out;
  out.reserve(ids.size());
  if (auto s = valid_reason(reason, !approve); !s.ok()) {
    for (int64_t id : ids) out.push_back({id, std::nullopt, s.error()});
    return out;
  }
  // A transaction per 500 proposals, each decided in a savepoint of its own: one that fails
  // (decided already, an empty budget) leaves the others standing.
  constexpr size_t kChunk = 500;
  for (size_t from = 0; from < ids.size(); from += kChunk) {
    size_t to = std::min(ids.size(), from + kChunk);
    std::vector<Decision> chunk;
    Status st = db_.write([&](store::Conn& c) -> Status {
      chunk.clear();
      int64_t now = clock_.now_ms();
      for (size_t i = from; i < to; ++i) {
        Result<Proposal> r = make_error(Errc::internal, "not decided");
        (void)c.savepoint([&](store::Conn& sc) -> Status {
          r = decide(sc, ids[i], approve, reason, who, now);
          return r.ok() ? ok_status() : Status(r.error());
        });
        chunk.push_back(r.ok() ? Decision{ids[i], *r, std::nullopt} : Decision{ids[i], std::nullopt, r.error()});
      }
      return ok_status();
    });
    if (!st.ok())
      for (size_t i = from; i < to; ++i) chunk.push_back({ids[i], std::nullopt, st.error()});
    out.insert(out.end(), chunk.begin(), chunk.end());
  }
  return out;
}

Result<Proposal> Service::proposal(int64_t id, const Principal& who) {
  std::optional<Proposal> p;
  std::string path;
  std::optional<int64_t> mine;
  db_.read([&](store::Conn& c) {
    p = proposal_by(c, "id", id, nullptr, &path);
    mine = person_of_in(c, who.account_id);
  });
  if (!p || (!staff_over(who, path) && p->proposed_by != who.account_id &&
             !(p->subject == "person" && mine == p->subject_id)))
    return make_error(Errc::not_found, "no such proposal");
  return *p;
}

Result<std::vector<Proposal>> Service::proposals(const std::string& status, std::optional<int64_t> community,
                                                 int64_t before, int64_t limit, const Principal& who) {
  if (!status.empty() && status != "pending" && status != "posted" && status != "rejected")
    return make_error(Errc::invalid_input, "status must be pending, posted or rejected", "status");
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  std::vector<Proposal> out;
  std::optional<Place> place;
  std::optional<int64_t> mine;
  db_.read([&](store::Conn& c) {
    if (community) place = community_in(c, *community);
    mine = person_of_in(c, who.account_id);
  });
  if (community && (!place || !staff_over(who, place->path)))
    return make_error(Errc::not_found, "no such community", "community_id");
  int64_t upper = before > 0 ? before : INT64_MAX;
  db_.read([&](store::Conn& c) {
    // Newest first, filtered by what the caller may see (staff over the place, the proposer,
    // the person it is about); pages of the caller's size are read until filled.
    int64_t cursor = upper;
    while (static_cast<int64_t>(out.size()) < limit) {
      auto rows = c.query(std::string("SELECT ") + kProposalColumns +
                              " FROM points_proposals WHERE id < $1 AND (CAST($2 AS TEXT) IS NULL OR status = $2) "
                              "AND (CAST($3 AS BIGINT) IS NULL OR community_id = $3) ORDER BY id DESC LIMIT 200",
                          {cursor, status.empty() ? store::null_value : store::Value(status),
                           community ? store::Value(*community) : store::null_value});
      if (rows.empty()) break;
      for (const auto& r : rows) {
        cursor = r.integer(0);
        const std::string& path = r.text(16);
        bool visible = staff_over(who, path) || r.opt_integer(9) == who.account_id ||
                       (r.text(3) == "person" && mine && *mine == r.integer(4));
        if (visible) out.push_back(proposal_of(r, c));
        if (static_cast<int64_t>(out.size()) >= limit) break;
      }
      if (rows.size() < 200) break;
    }
  });
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

Result<Posting> Service::post_proposal_in(store::Conn& c, const Proposal& p, const std::string& cpath,
                                          const std::string& approvers, int64_t now) {
  std::string key = "#proposal:" + std::to_string(p.id);  // "#": never a client's key
  auto posted =
      post(c,
           {key, fingerprint(key), p.points > 0 ? "award" : "deduction", p.item.id, p.subject, p.subject_id,
            p.community_id, p.points, p.reason, lines(p.evidence), p.id, std::nullopt, approvers, p.proposed_by},
           item_moves(c, p.subject, p.subject_id, p.community_id, p.points, now), now);
  if (!posted.ok()) return posted.error();
  c.exec("UPDATE points_proposals SET status = 'posted', posting_id = $2, decided_at = $3 WHERE id = $1",
         {p.id, posted->id, now});
  c.emit(
      {"points.posted", "points_posting:" + std::to_string(posted->id), cpath, std::nullopt, posting_event(*posted)});
  if (p.subject == "person")
    if (auto acc = account_of_in(c, p.subject_id))
      c.emit({"points.posted", "points_posting:" + std::to_string(posted->id), cpath, *acc, posting_event(*posted)});
  return posted;
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
