// Proposals and the committee's votes, singly and in bulk, and the automatic awards that
// follow the event log. Checks run in the order docs/reference/points.md documents.
#include <algorithm>

#include "core/text.hpp"
#include "modules/events/events.hpp"
#include "modules/points/internal.hpp"

namespace mashang::points {

using namespace detail;

namespace detail {

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

const char* const kProposalColumns =
    "id, idem_key, item_id, subject, subject_id, community_id, points, reason, evidence, proposed_by, by_self, "
    "status, posting_id, decided_at, created_at, fingerprint, path";

std::optional<Proposal> proposal_by(store::Conn& c, const char* column, const store::Value& v, std::string* fp,
                                    std::string* path) {
  auto r =
      c.query_one(std::string("SELECT ") + kProposalColumns + " FROM points_proposals WHERE " + column + " = $1", {v});
  if (!r) return std::nullopt;
  if (fp) *fp = r->text(15);
  if (path) *path = r->text(16);
  return proposal_of(*r, c);
}

}  // namespace detail

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

}  // namespace mashang::points
