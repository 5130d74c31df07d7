#pragma once
// JSON shapes of points (docs/openapi.yaml: PointsItem, PointsAccount, PointsProposal,
// PointsPosting, PointsStatement, PointsAppeal).
#include <climits>
#include <string>

#include "core/text.hpp"
#include "http/json_write.hpp"
#include "modules/points/points.hpp"

namespace mashang::points::dto {

using namespace http::json;

inline std::string item_json(const Item& i) {
  std::string o = "{\"code\":";
  text::append_json_string(o, i.code);
  num(o, "version", i.version);
  str(o, "name_zh", i.name_zh);
  str(o, "name_en", i.name_en);
  num(o, "points", i.points);
  str(o, "kind", i.points > 0 ? "bonus" : "deduction");
  str(o, "subject", i.subject);
  num(o, "cap_count", i.cap_count);
  str(o, "cap_period", i.cap_period);
  flag(o, "evidence_required", i.evidence_required);
  strings(o, "proposers", i.proposers);
  flag(o, "automatic", i.automatic);
  flag(o, "active", i.active);
  return o + "}";
}

inline std::string account_json(const Account& a) {
  std::string o = "{\"kind\":";
  text::append_json_string(o, a.kind);
  num(o, "owner_id", a.owner_id);
  num(o, "balance", a.balance);
  num(o, "debits", a.debits);
  num(o, "credits", a.credits);
  return o + "}";
}

inline std::string proposal_json(const Proposal& p) {
  std::string o = "{\"id\":" + std::to_string(p.id);
  str(o, "key", p.key);
  o += ",\"item\":{\"code\":";
  text::append_json_string(o, p.item.code);
  num(o, "version", p.item.version);
  str(o, "name_zh", p.item.name_zh);
  str(o, "name_en", p.item.name_en);
  o += '}';
  str(o, "subject", p.subject);
  num(o, "subject_id", p.subject_id);
  num(o, "community_id", p.community_id);
  num(o, "points", p.points);
  str(o, "reason", p.reason);
  strings(o, "evidence", p.evidence);
  str(o, "status", p.status);
  flag(o, "by_self", p.by_self);
  opt(o, "proposed_by", p.proposed_by);
  opt(o, "posting_id", p.posting_id);
  num(o, "approvals", p.approvals);
  num(o, "rejections", p.rejections);
  opt(o, "decided_at", p.decided_at);
  num(o, "created_at", p.created_at);
  return o + "}";
}

inline std::string appeal_json(const Appeal& a) {
  std::string o = "{\"id\":" + std::to_string(a.id);
  str(o, "key", a.key);
  num(o, "person_id", a.person_id);
  num(o, "community_id", a.community_id);
  opt(o, "posting_id", a.posting_id);
  opt(o, "proposal_id", a.proposal_id);
  num(o, "points", a.points);
  if (a.item_code) {
    o += ",\"item\":{\"code\":";
    text::append_json_string(o, *a.item_code);
    str(o, "name_zh", a.item_name_zh.value_or(""));
    str(o, "name_en", a.item_name_en.value_or(""));
    o += '}';
  } else {
    o += ",\"item\":null";
  }
  str(o, "reason", a.reason);
  strings(o, "evidence", a.evidence);
  str(o, "status", a.status);
  num(o, "appealed_by", a.appealed_by);
  opt(o, "decided_by", a.decided_by);
  o += ",\"decision_reason\":";
  if (a.decision_reason)
    text::append_json_string(o, *a.decision_reason);
  else
    o += "null";
  opt(o, "result_posting_id", a.result_posting_id);
  opt(o, "decided_at", a.decided_at);
  num(o, "created_at", a.created_at);
  return o + "}";
}

inline std::string posting_json(const Posting& p) {
  std::string o = "{\"id\":" + std::to_string(p.id);
  str(o, "key", p.key);
  str(o, "kind", p.kind);
  str(o, "subject", p.subject);
  num(o, "subject_id", p.subject_id);
  num(o, "community_id", p.community_id);
  num(o, "points", p.points);
  opt(o, "reverses", p.reverses);
  opt(o, "proposal_id", p.proposal_id);
  str(o, "reason", p.reason);
  num(o, "created_at", p.created_at);
  return o + "}";
}

inline std::string statement_json(const Statement& s) {
  std::string o = "{\"account\":" + account_json(s.account) + ",\"lines\":[";
  for (size_t i = 0; i < s.lines.size(); ++i) {
    const auto& l = s.lines[i];
    if (i) o += ',';
    o += "{\"transfer_id\":" + std::to_string(l.transfer_id);
    num(o, "posting_id", l.posting_id);
    str(o, "kind", l.kind);
    if (l.item_code) {
      o += ",\"item\":{\"code\":";
      text::append_json_string(o, *l.item_code);
      str(o, "name_zh", l.item_name_zh.value_or(""));
      str(o, "name_en", l.item_name_en.value_or(""));
      o += '}';
    } else {
      o += ",\"item\":null";
    }
    num(o, "amount", l.amount);
    num(o, "balance_after", l.balance_after);
    str(o, "reason", l.reason);
    opt(o, "reverses", l.reverses);
    num(o, "created_at", l.created_at);
    o += '}';
  }
  o += "]";
  opt(o, "next_before", s.next_before);
  return o + "}";
}

inline std::string tier_json(const Tier& t) {
  std::string o = "{\"code\":";
  text::append_json_string(o, t.code);
  str(o, "name_zh", t.name_zh);
  str(o, "name_en", t.name_en);
  o += ",\"min_virtue\":" + (t.min_virtue == INT64_MIN ? std::string("null") : std::to_string(t.min_virtue));
  num(o, "booking_days_ahead", t.booking_days_ahead);
  num(o, "enrolment_priority", t.enrolment_priority);
  return o + "}";
}

inline std::string goods_json(const Goods& g) {
  std::string o = "{\"id\":" + std::to_string(g.id);
  num(o, "community_id", g.community_id);
  str(o, "name", g.name);
  str(o, "description", g.description);
  num(o, "price", g.price);
  num(o, "stock", g.stock);
  flag(o, "active", g.active);
  num(o, "created_at", g.created_at);
  num(o, "updated_at", g.updated_at);
  return o + "}";
}

//! `with_code`: the redemption's code is shown to its person only (the station scans it from
//! their screen); others get null.
inline std::string redemption_json(const Redemption& r, bool with_code) {
  std::string o = "{\"id\":" + std::to_string(r.id);
  str(o, "key", r.key);
  o += ",\"goods\":{\"id\":" + std::to_string(r.goods.id);
  str(o, "name", r.goods.name);
  num(o, "price", r.goods.price);
  o += '}';
  num(o, "person_id", r.person_id);
  num(o, "community_id", r.community_id);
  num(o, "quantity", r.quantity);
  num(o, "points", r.points);
  if (with_code)
    str(o, "code", r.code);
  else
    o += ",\"code\":null";
  str(o, "status", r.status);
  num(o, "expires_at", r.expires_at);
  num(o, "created_at", r.created_at);
  opt(o, "closed_at", r.closed_at);
  return o + "}";
}

}  // namespace mashang::points::dto
