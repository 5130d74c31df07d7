// Appeals 申诉: a person contests a posting that took points from them or a rejected proposal
// about them; the community's committee upholds or overturns it. Overturning reuses what a
// correction and an approval do (reverse_in, post_proposal_in) in the decision's transaction.
// Checks run in the order docs/reference/points.md documents.
#include <algorithm>

#include "core/text.hpp"
#include "modules/points/internal.hpp"

namespace mashang::points {

using namespace detail;

namespace {

constexpr int64_t kDayMs = 86'400'000;

constexpr const char* kAppealSelect =
    "SELECT a.id, a.idem_key, a.person_id, a.community_id, a.posting_id, a.proposal_id, a.points, a.reason, "
    "a.evidence, a.status, a.appealed_by, a.decided_by, a.decision_reason, a.result_posting, a.decided_at, "
    "a.created_at, a.fingerprint, a.path, i.code, i.name_zh, i.name_en FROM points_appeals a "
    "LEFT JOIN points_postings p ON p.id = a.posting_id "
    "LEFT JOIN points_postings o ON o.id = p.reverses "
    "LEFT JOIN points_proposals pr ON pr.id = a.proposal_id "
    "LEFT JOIN points_items i ON i.id = COALESCE(p.item_id, o.item_id, pr.item_id) ";

Appeal appeal_row(const store::Row& r) {
  Appeal a;
  a.id = r.integer(0);
  a.key = r.text(1);
  a.person_id = r.integer(2);
  a.community_id = r.integer(3);
  a.posting_id = r.opt_integer(4);
  a.proposal_id = r.opt_integer(5);
  a.points = r.integer(6);
  a.reason = r.text(7);
  a.evidence = split(r.text(8), '\n');
  a.status = r.text(9);
  a.appealed_by = r.integer(10);
  a.decided_by = r.opt_integer(11);
  a.decision_reason = r.opt_text(12);
  a.result_posting_id = r.opt_integer(13);
  a.decided_at = r.opt_integer(14);
  a.created_at = r.integer(15);
  a.item_code = r.opt_text(18);
  a.item_name_zh = r.opt_text(19);
  a.item_name_en = r.opt_text(20);
  return a;
}

//! The appeal whose `column` is `v`, with its fingerprint and its community's path.
std::optional<Appeal> appeal_by(store::Conn& c, const char* column, const store::Value& v, std::string* fp = nullptr,
                                std::string* path = nullptr) {
  auto r = c.query_one(std::string(kAppealSelect) + "WHERE a." + column + " = $1", {v});
  if (!r) return std::nullopt;
  if (fp) *fp = r->text(16);
  if (path) *path = r->text(17);
  return appeal_row(*r);
}

std::string appeal_event(const Appeal& a) {
  std::string o = "{\"appeal_id\":" + std::to_string(a.id) + ",\"community_id\":" + std::to_string(a.community_id) +
                  ",\"status\":\"" + a.status + "\",\"result_posting_id\":";
  return o + (a.result_posting_id ? std::to_string(*a.result_posting_id) : "null") + "}";
}

}  // namespace

Result<Appeal> Service::appeal(const NewAppeal& in, const Principal& who, bool* replay) {
  // 2–5: the request's shape.
  if (auto s = valid_key(in.key); !s.ok()) return s.error();
  if (in.posting_id.has_value() == in.proposal_id.has_value())
    return make_error(Errc::invalid_input, "name a posting_id or a proposal_id, one of them", "posting_id");
  if (auto s = valid_reason(in.reason, true); !s.ok()) return s.error();
  if (auto s = valid_evidence(in.evidence); !s.ok()) return s.error();
  std::string target =
      in.posting_id ? "posting:" + std::to_string(*in.posting_id) : "proposal:" + std::to_string(*in.proposal_id);
  std::string fp = fingerprint("appeal|" + std::to_string(who.account_id) + "|" + target + "|" + in.reason + "|" +
                               lines(in.evidence));
  // 6: a replay answers the original.
  auto replayed = [&]() -> std::optional<Result<Appeal>> {
    std::optional<Appeal> seen;
    std::string seen_fp;
    db_.read([&](store::Conn& c) { seen = appeal_by(c, "idem_key", in.key, &seen_fp); });
    if (!seen) return std::nullopt;
    if (seen_fp != fp)
      return Result<Appeal>(make_error(Errc::conflict, "the key was used for a different request", "key"));
    if (replay) *replay = true;
    return Result<Appeal>(*seen);
  };
  if (auto r = replayed()) return *r;

  Result<Appeal> out = make_error(Errc::internal, "not appealed");
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    // 7: the caller's person.
    auto mine = person_of_in(c, who.account_id);
    if (!mine) return make_error(Errc::forbidden, "your account is linked to no person");
    // 8–9: what is appealed, about the caller's person, and whether it can be.
    int64_t community = 0, points = 0, since = 0;
    const char* field = in.posting_id ? "posting_id" : "proposal_id";
    if (in.posting_id) {
      auto p = posting_by_id(c, *in.posting_id);
      if (!p || p->subject != "person" || p->subject_id != *mine)
        return make_error(Errc::not_found, "no such posting about you", field);
      if ((p->kind != "deduction" && p->kind != "correction") || p->points >= 0)
        return make_error(Errc::invalid_input, "only deductions and corrections that took points from you are appealed",
                          field);
      community = p->community_id;
      points = p->points;
      since = p->created_at;
    } else {
      auto p = proposal_by(c, "id", *in.proposal_id);
      if (!p || p->subject != "person" || p->subject_id != *mine)
        return make_error(Errc::not_found, "no such proposal about you", field);
      if (p->status != "rejected")
        return make_error(Errc::invalid_input, "only rejected proposals are appealed", field);
      community = p->community_id;
      points = p->points;
      since = p->decided_at.value_or(p->created_at);
    }
    // 10: once.
    if (c.query_one(std::string("SELECT 1 FROM points_appeals WHERE ") + field + " = $1",
                    {in.posting_id ? *in.posting_id : *in.proposal_id}))
      return make_error(Errc::conflict, "it was appealed already", field);
    // 11: in time.
    if (now - since > opt_.appeal_days * kDayMs)
      return make_error(Errc::conflict, "appeals are made within " + std::to_string(opt_.appeal_days) + " days", field);
    // 12: something left to appeal.
    if (in.posting_id && c.query_one("SELECT 1 FROM points_postings WHERE reverses = $1", {*in.posting_id}))
      return make_error(Errc::conflict, "the posting was corrected already", field);
    auto place = community_in(c, community);
    if (!place) return make_error(Errc::not_found, "no such community");
    auto id = c.query_unique(
        "INSERT INTO points_appeals (idem_key, fingerprint, person_id, community_id, path, posting_id, proposal_id, "
        "points, reason, evidence, status, appealed_by, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, $12) RETURNING id",
        {in.key, fp, *mine, community, place->path, in.posting_id ? store::Value(*in.posting_id) : store::null_value,
         in.proposal_id ? store::Value(*in.proposal_id) : store::null_value, points, in.reason, lines(in.evidence),
         who.account_id, now});
    if (!id.ok()) return make_error(Errc::conflict, "the key has been used", "key");
    auto a = appeal_by(c, "id", id->at(0).integer(0));
    c.emit({"points.appealed", "points_appeal:" + std::to_string(a->id), place->path, std::nullopt, appeal_event(*a)});
    out = *a;
    return ok_status();
  });
  if (!st.ok()) {
    if (st.error().field == "key")
      if (auto r = replayed()) return *r;
    return st.error();
  }
  return out;
}

Result<Appeal> Service::decide_appeal(int64_t id, bool overturn, const std::string& reason, const Principal& who) {
  if (auto s = valid_reason(reason, true); !s.ok()) return s.error();
  Result<Appeal> out = make_error(Errc::internal, "not decided");
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    std::string path;
    auto a = appeal_by(c, "id", id, nullptr, &path);
    auto mine = person_of_in(c, who.account_id);
    // 4–6: the appeal, the caller's right, its state.
    if (!a || (!staff_over(who, path) && !(mine && *mine == a->person_id)))
      return make_error(Errc::not_found, "no such appeal");
    if (!who.has_role("committee_member", path))
      return make_error(Errc::forbidden, "only the community's committee members decide appeals");
    if (a->status != "pending") return make_error(Errc::conflict, "the appeal was decided already");
    // 7: nobody decides an appeal against what they took part in.
    std::optional<int64_t> proposal = a->proposal_id;
    std::vector<int64_t> parties = {a->appealed_by};
    if (a->posting_id)
      if (auto r = c.query_one("SELECT created_by, approved_by, proposal_id FROM points_postings WHERE id = $1",
                               {*a->posting_id})) {
        if (auto by = r->opt_integer(0)) parties.push_back(*by);
        for (const auto& s : split(r->text(1), ','))
          if (!s.empty()) parties.push_back(std::stoll(s));
        if (!proposal) proposal = r->opt_integer(2);
      }
    if (proposal) {
      for (const auto& r : c.query("SELECT account_id FROM points_votes WHERE proposal_id = $1", {*proposal}))
        parties.push_back(r.integer(0));
      if (auto r = c.query_one("SELECT proposed_by FROM points_proposals WHERE id = $1", {*proposal}))
        if (auto by = r->opt_integer(0)) parties.push_back(*by);
    }
    if ((mine && *mine == a->person_id) || std::find(parties.begin(), parties.end(), who.account_id) != parties.end())
      return make_error(Errc::forbidden, "you took part in what is appealed: another committee member decides it");
    // Decided exactly once: the row is locked while pending (PostgreSQL: a second decision
    // racing this one waits, then finds it decided).
    if (c.query("UPDATE points_appeals SET status = status WHERE id = $1 AND status = 'pending' RETURNING id", {id})
            .empty())
      return make_error(Errc::conflict, "the appeal was decided already");
    // 8: overturning posts the remedy, or nothing is recorded.
    std::optional<int64_t> result;
    if (overturn) {
      if (a->posting_id) {
        auto orig = posting_by_id(c, *a->posting_id);
        std::string key = "#appeal:" + std::to_string(id);
        auto p = reverse_in(c, *orig, key, fingerprint(key), reason, who, path, now);
        if (!p.ok()) return p.error();
        result = p->id;
      } else {
        std::string ppath;
        auto p = proposal_by(c, "id", *a->proposal_id, nullptr, &ppath);
        if (!p || p->status != "rejected") return make_error(Errc::conflict, "the proposal is no longer rejected");
        auto posted = post_proposal_in(c, *p, path, std::to_string(who.account_id), now);
        if (!posted.ok()) return posted.error();
        result = posted->id;
      }
    }
    c.exec(
        "UPDATE points_appeals SET status = $2, decided_by = $3, decision_reason = $4, decided_at = $5, "
        "result_posting = $6 WHERE id = $1",
        {id, std::string(overturn ? "overturned" : "upheld"), who.account_id, reason, now,
         result ? store::Value(*result) : store::null_value});
    auto decided = appeal_by(c, "id", id);
    std::string payload = appeal_event(*decided);
    c.emit({"points.appeal_decided", "points_appeal:" + std::to_string(id), path, std::nullopt, payload});
    c.emit({"points.appeal_decided", "points_appeal:" + std::to_string(id), path, decided->appealed_by, payload});
    out = *decided;
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Appeal> Service::appeal_of(int64_t id, const Principal& who) {
  std::optional<Appeal> a;
  std::string path;
  std::optional<int64_t> mine;
  db_.read([&](store::Conn& c) {
    a = appeal_by(c, "id", id, nullptr, &path);
    mine = person_of_in(c, who.account_id);
  });
  if (!a || (!staff_over(who, path) && !(mine && *mine == a->person_id)))
    return make_error(Errc::not_found, "no such appeal");
  return *a;
}

Result<std::vector<Appeal>> Service::appeals(const std::string& status, std::optional<int64_t> community,
                                             int64_t before, int64_t limit, const Principal& who) {
  if (!status.empty() && status != "pending" && status != "upheld" && status != "overturned")
    return make_error(Errc::invalid_input, "status must be pending, upheld or overturned", "status");
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  std::vector<Appeal> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    // A community's appeals for staff over it; otherwise the caller's own.
    const char* column = "community_id";
    int64_t owner = 0;
    if (community) {
      auto place = community_in(c, *community);
      if (!place || !staff_over(who, place->path)) {
        st = make_error(Errc::not_found, "no such community", "community_id");
        return;
      }
      owner = *community;
    } else {
      auto mine = person_of_in(c, who.account_id);
      if (!mine) return;
      column = "person_id";
      owner = *mine;
    }
    for (const auto& r : c.query(std::string(kAppealSelect) + "WHERE a." + column +
                                     " = $1 AND a.id < $2 AND (CAST($3 AS TEXT) IS NULL OR a.status = $3) "
                                     "ORDER BY a.id DESC LIMIT $4",
                                 {owner, before > 0 ? before : INT64_MAX,
                                  status.empty() ? store::null_value : store::Value(status), limit}))
      out.push_back(appeal_row(r));
  });
  if (!st.ok()) return st.error();
  return out;
}

}  // namespace mashang::points
