// HTTP binding of points: parse → service (which checks permissions, in the documented order)
// → response.
#include "modules/points/routes.hpp"

#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/json_write.hpp"
#include "http/params.hpp"
#include "modules/points/dto.hpp"
#include "modules/points/internal.hpp"

namespace mashang::points {
namespace {

using http::Request;
using http::Response;

Response fail(const Error& e) { return http::error_response(e); }

//! `evidence`: a list of strings (absent = none).
Result<std::vector<std::string>> evidence_of(const boost::json::object& body) {
  std::vector<std::string> out;
  auto it = body.find("evidence");
  if (it == body.end() || it->value().is_null()) return out;
  if (!it->value().is_array())
    return make_error(Errc::invalid_input, "evidence must be a list of references", "evidence");
  const auto& a = it->value().as_array();
  if (a.size() > kEvidenceMax) return make_error(Errc::invalid_input, "at most 9 evidence references", "evidence");
  for (const auto& v : a) {
    if (!v.is_string()) return make_error(Errc::invalid_input, "evidence must be a list of references", "evidence");
    out.emplace_back(v.as_string());
  }
  return out;
}

Response catalog(Service& svc, Request& req) {
  bool all = req.query_param("all").value_or("") == "true";
  if (all && (!req.principal || !req.principal->has_role("district_admin", "/")))
    return http::error_response(Errc::forbidden, "only district admins see inactive items");
  return http::json_text(200, "{\"items\":[" + http::json::elements(svc.catalog(all), dto::item_json) + "]}");
}

Response put_item(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  ItemChange in;
  in.code = req.params["code"];
  for (auto [field, max, dest] :
       {std::tuple{"name_zh", 128, &in.name_zh}, std::tuple{"name_en", 128, &in.name_en},
        std::tuple{"subject", 16, &in.subject}, std::tuple{"cap_period", 16, &in.cap_period}}) {
    auto v = http::require_string(*body, field, static_cast<size_t>(max));
    if (!v.ok()) return fail(v.error());
    *dest = *v;
  }
  auto points = http::require_int(*body, "points");
  if (!points.ok()) return fail(points.error());
  in.points = *points;
  auto cap = http::optional_int(*body, "cap_count");
  if (!cap.ok()) return fail(cap.error());
  in.cap_count = cap->value_or(0);
  for (auto [field, dest, fallback] :
       {std::tuple{"evidence_required", &in.evidence_required, true}, std::tuple{"automatic", &in.automatic, false},
        std::tuple{"active", &in.active, true}}) {
    auto v = http::optional_bool(*body, field, fallback);
    if (!v.ok()) return fail(v.error());
    *dest = *v;
  }
  if (auto it = body->find("proposers"); it != body->end() && !it->value().is_null()) {
    if (!it->value().is_array() || it->value().as_array().size() > 16)
      return http::error_response(Errc::invalid_input, "proposers must be a list of roles", "proposers");
    for (const auto& v : it->value().as_array()) {
      if (!v.is_string())
        return http::error_response(Errc::invalid_input, "proposers must be a list of roles", "proposers");
      in.proposers.emplace_back(v.as_string());
    }
  }
  auto item = svc.put_item(in, *req.principal, req.client_ip);
  if (!item.ok()) return fail(item.error());
  return http::json_text(item->version == 1 ? 201 : 200, dto::item_json(*item));
}

Response grant(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto key = http::require_string(*body, "key", 256);
  if (!key.ok()) return fail(key.error());
  auto community = http::require_int(*body, "community_id");
  if (!community.ok()) return fail(community.error());
  auto amount = http::require_int(*body, "amount");
  if (!amount.ok()) return fail(amount.error());
  auto reason = http::require_string(*body, "reason", 4096);
  if (!reason.ok()) return fail(reason.error());
  bool replay = false;
  auto p = svc.grant_budget(*key, *community, *amount, *reason, *req.principal, req.client_ip, &replay);
  if (!p.ok()) return fail(p.error());
  return http::json_text(replay ? 200 : 201, dto::posting_json(*p));
}

//! `{"person_id","accounts":[…],"tier":{…}}`
Response accounts_json(Service& svc, Result<std::vector<Account>> a) {
  if (!a.ok()) return fail(a.error());
  int64_t person = a->front().owner_id;
  std::string o = "{\"person_id\":" + std::to_string(person) + ",\"accounts\":[";
  o += http::json::elements(*a, dto::account_json);
  o += "],\"tier\":" + dto::tier_json(svc.tier_of(person));
  return http::json_text(200, o + "}");
}

Response me(Service& svc, Request& req) {
  return accounts_json(svc, svc.person_accounts(std::nullopt, *req.principal));
}

Response person(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such person");
  return accounts_json(svc, svc.person_accounts(*id, *req.principal));
}

Response tiers_list(Request&) {
  std::string o = "{\"items\":[";
  o += http::json::elements(tiers(), dto::tier_json);
  return http::json_text(200, o + "]}");
}

//! `account`: virtue (the default), spendable, civility or budget.
Result<std::string> account_kind(const Request& req) {
  std::string kind = req.query_param("account").value_or("virtue");
  if (kind != "virtue" && kind != "spendable" && kind != "civility" && kind != "budget")
    return make_error(Errc::invalid_input, "account must be virtue, spendable, civility or budget", "account");
  return kind;
}

//! The account's owner: `owner_id`, or else the caller's own person (persons' accounts only).
Result<int64_t> owner_or_mine(Service& svc, const Request& req, const std::string& kind, std::optional<int64_t> owner) {
  if (owner) return *owner;
  if (kind != "virtue" && kind != "spendable")
    return make_error(Errc::invalid_input, "owner_id is required for this account", "owner_id");
  auto mine = svc.person_accounts(std::nullopt, *req.principal);
  if (!mine.ok()) return mine.error();
  return mine->front().owner_id;
}

Response statement(Service& svc, Request& req) {
  auto kind = account_kind(req);
  if (!kind.ok()) return fail(kind.error());
  auto owner = http::query_opt_int(req, "owner_id");
  if (!owner.ok()) return fail(owner.error());
  auto before = http::query_int(req, "before", 0);
  if (!before.ok()) return fail(before.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return fail(limit.error());
  auto who = owner_or_mine(svc, req, *kind, *owner);
  if (!who.ok()) return fail(who.error());
  auto s = svc.statement(*kind, *who, *before, *limit, *req.principal);
  if (!s.ok()) return fail(s.error());
  return http::json_text(200, dto::statement_json(*s));
}

Response statement_xlsx(Service& svc, Request& req) {
  auto kind = account_kind(req);
  if (!kind.ok()) return fail(kind.error());
  auto owner = http::query_opt_int(req, "owner_id");
  if (!owner.ok()) return fail(owner.error());
  auto who = owner_or_mine(svc, req, *kind, *owner);
  if (!who.ok()) return fail(who.error());
  auto bytes = svc.statement_xlsx(*kind, *who, *req.principal);
  if (!bytes.ok()) return fail(bytes.error());
  Response res = http::json_text(200, std::move(*bytes));
  res.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  res.set("Content-Disposition", "attachment; filename=\"points-" + *kind + "-" + std::to_string(*who) + ".xlsx\"");
  return res;
}

Response ranking(Service& svc, Request& req) {
  auto node = http::query_opt_int(req, "node_id");
  if (!node.ok()) return fail(node.error());
  if (!*node)
    return http::error_response(Errc::invalid_input, "node_id (a community or a street) is required", "node_id");
  auto list = svc.ranking(**node, req.query_param("month").value_or(""));
  if (!list.ok()) return fail(list.error());
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < list->size(); ++i) {
    const auto& r = (*list)[i];
    o += (i ? ",{\"rank\":" : "{\"rank\":") + std::to_string(r.rank) +
         ",\"compound_id\":" + std::to_string(r.compound_id) + ",\"name\":";
    text::append_json_string(o, r.name);
    o += ",\"month_points\":" + std::to_string(r.month_points) + ",\"balance\":" + std::to_string(r.balance) + "}";
  }
  return http::json_text(200, o + "]}");
}

Response propose(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  NewProposal in;
  // Each field checked whole (type and value) in the order of docs/reference/points.md.
  auto key = http::require_string(*body, "key", 256);
  if (!key.ok()) return fail(key.error());
  if (auto s = detail::valid_key(*key); !s.ok()) return fail(s.error());
  in.key = *key;
  auto item = http::require_string(*body, "item", 128);
  if (!item.ok()) return fail(item.error());
  if (item->empty()) return http::error_response(Errc::invalid_input, "item is required", "item");
  in.item_code = *item;
  auto person = http::optional_int(*body, "person_id");
  if (!person.ok()) return fail(person.error());
  in.person_id = *person;
  auto compound = http::optional_int(*body, "compound_id");
  if (!compound.ok()) return fail(compound.error());
  in.compound_id = *compound;
  if (in.person_id && in.compound_id)
    return http::error_response(Errc::invalid_input, "name a person or a compound, not both", "person_id");
  auto reason = http::require_string(*body, "reason", 4096);
  if (!reason.ok()) return fail(reason.error());
  if (auto s = detail::valid_reason(*reason, true); !s.ok()) return fail(s.error());
  in.reason = *reason;
  auto ev = evidence_of(*body);
  if (!ev.ok()) return fail(ev.error());
  if (auto s = detail::valid_evidence(*ev); !s.ok()) return fail(s.error());
  in.evidence = *ev;
  bool replay = false;
  auto p = svc.propose(in, *req.principal, &replay);
  if (!p.ok()) return fail(p.error());
  Response res = http::json_text(replay ? 200 : 201, dto::proposal_json(*p));
  res.set("Location", "/api/points/proposals/" + std::to_string(p->id));
  return res;
}

//! A list of ids under `field` (1 to 10,000 whole numbers).
Result<std::vector<int64_t>> ids_of(const boost::json::object& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || !it->value().is_array() || it->value().as_array().empty() ||
      it->value().as_array().size() > kBulkMax)
    return make_error(Errc::invalid_input, std::string(field) + " must list 1 to 10000 ids", field);
  std::vector<int64_t> out;
  for (const auto& v : it->value().as_array()) {
    if (!v.is_int64() && !v.is_uint64())
      return make_error(Errc::invalid_input, std::string(field) + " must list whole numbers", field);
    out.push_back(v.is_int64() ? v.as_int64() : static_cast<int64_t>(v.as_uint64()));
  }
  return out;
}

Response propose_bulk(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  NewProposal in;
  auto key = http::require_string(*body, "key", 256);
  if (!key.ok()) return fail(key.error());
  if (auto s = detail::valid_key(*key); !s.ok()) return fail(s.error());
  in.key = *key;
  auto item = http::require_string(*body, "item", 128);
  if (!item.ok()) return fail(item.error());
  in.item_code = *item;
  auto persons = ids_of(*body, "person_ids");
  if (!persons.ok()) return fail(persons.error());
  auto reason = http::require_string(*body, "reason", 4096);
  if (!reason.ok()) return fail(reason.error());
  if (auto s = detail::valid_reason(*reason, true); !s.ok()) return fail(s.error());
  in.reason = *reason;
  auto ev = evidence_of(*body);
  if (!ev.ok()) return fail(ev.error());
  in.evidence = *ev;
  bool replay = false;
  auto list = svc.propose_many(in, *persons, *req.principal, &replay);
  if (!list.ok()) return fail(list.error());
  std::string o = "{\"count\":" + std::to_string(list->size()) + ",\"items\":[";
  for (size_t i = 0; i < list->size(); ++i) {
    const auto& p = (*list)[i];
    o += (i ? ",{\"id\":" : "{\"id\":") + std::to_string(p.id) + ",\"person_id\":" + std::to_string(p.subject_id) +
         ",\"status\":\"" + p.status + "\"}";
  }
  return http::json_text(replay ? 200 : 201, o + "]}");
}

Response vote_bulk(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto ids = ids_of(*body, "ids");
  if (!ids.ok()) return fail(ids.error());
  auto decision = http::require_string(*body, "decision", 16);
  if (!decision.ok()) return fail(decision.error());
  if (*decision != "approve" && *decision != "reject")
    return http::error_response(Errc::invalid_input, "decision must be approve or reject", "decision");
  auto reason = http::optional_string(*body, "reason", 4096);
  if (!reason.ok()) return fail(reason.error());
  if (auto s = detail::valid_reason(reason->value_or(""), *decision == "reject"); !s.ok()) return fail(s.error());
  auto out = svc.vote_many(*ids, *decision == "approve", reason->value_or(""), *req.principal);
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < out.size(); ++i) {
    const auto& d = out[i];
    o += (i ? ",{\"id\":" : "{\"id\":") + std::to_string(d.id);
    if (d.proposal) {
      o += ",\"status\":\"" + d.proposal->status + "\",\"error\":null}";
    } else {
      o += ",\"status\":null,\"error\":{\"code\":\"";
      o += errc_name(d.error->code);
      o += "\",\"message\":";
      text::append_json_string(o, d.error->message);
      o += ",\"field\":";
      if (d.error->field.empty())
        o += "null";
      else
        text::append_json_string(o, d.error->field);
      o += "}}";
    }
  }
  return http::json_text(200, o + "]}");
}

Response proposals(Service& svc, Request& req) {
  auto community = http::query_opt_int(req, "community_id");
  if (!community.ok()) return fail(community.error());
  auto before = http::query_int(req, "before", 0);
  if (!before.ok()) return fail(before.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return fail(limit.error());
  auto list = svc.proposals(req.query_param("status").value_or(""), *community, *before, *limit, *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(200, http::json::page(*list, *limit, dto::proposal_json));
}

Response proposal(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such proposal");
  auto p = svc.proposal(*id, *req.principal);
  if (!p.ok()) return fail(p.error());
  return http::json_text(200, dto::proposal_json(*p));
}

Response vote(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto decision = http::require_string(*body, "decision", 16);
  if (!decision.ok()) return fail(decision.error());
  if (*decision != "approve" && *decision != "reject")
    return http::error_response(Errc::invalid_input, "decision must be approve or reject", "decision");
  auto reason = http::optional_string(*body, "reason", 4096);
  if (!reason.ok()) return fail(reason.error());
  if (auto s = detail::valid_reason(reason->value_or(""), *decision == "reject"); !s.ok()) return fail(s.error());
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such proposal");
  auto p = svc.vote(*id, *decision == "approve", reason->value_or(""), *req.principal);
  if (!p.ok()) return fail(p.error());
  return http::json_text(200, dto::proposal_json(*p));
}

Response correct(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto key = http::require_string(*body, "key", 256);
  if (!key.ok()) return fail(key.error());
  auto posting = http::require_int(*body, "posting_id");
  if (!posting.ok()) return fail(posting.error());
  auto reason = http::require_string(*body, "reason", 4096);
  if (!reason.ok()) return fail(reason.error());
  bool replay = false;
  auto p = svc.correct(*key, *posting, *reason, *req.principal, req.client_ip, &replay);
  if (!p.ok()) return fail(p.error());
  return http::json_text(replay ? 200 : 201, dto::posting_json(*p));
}

Response goods_list(Service& svc, Request& req) {
  auto community = http::query_opt_int(req, "community_id");
  if (!community.ok()) return fail(community.error());
  auto list = svc.goods(*community, *req.principal);
  if (!list.ok()) return fail(list.error());
  std::string o = "{\"items\":[";
  o += http::json::elements(*list, dto::goods_json);
  return http::json_text(200, o + "]}");
}

Response goods_add(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto community = http::require_int(*body, "community_id");
  if (!community.ok()) return fail(community.error());
  auto name = http::require_string(*body, "name", 1024);
  if (!name.ok()) return fail(name.error());
  auto description = http::optional_string(*body, "description", 8192);
  if (!description.ok()) return fail(description.error());
  auto price = http::require_int(*body, "price");
  if (!price.ok()) return fail(price.error());
  auto stock = http::optional_int(*body, "stock");
  if (!stock.ok()) return fail(stock.error());
  auto g = svc.add_goods(*community, *name, description->value_or(""), *price, stock->value_or(0), *req.principal);
  if (!g.ok()) return fail(g.error());
  return http::json_text(201, dto::goods_json(*g));
}

Response goods_change(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such goods");
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  GoodsChange in;
  auto name = http::optional_string(*body, "name", 1024);
  if (!name.ok()) return fail(name.error());
  in.name = *name;
  auto description = http::optional_string(*body, "description", 8192);
  if (!description.ok()) return fail(description.error());
  in.description = *description;
  auto price = http::optional_int(*body, "price");
  if (!price.ok()) return fail(price.error());
  in.price = *price;
  auto restock = http::optional_int(*body, "restock");
  if (!restock.ok()) return fail(restock.error());
  in.restock = *restock;
  if (auto it = body->find("active"); it != body->end() && !it->value().is_null()) {
    if (!it->value().is_bool())
      return http::error_response(Errc::invalid_input, "active must be true or false", "active");
    in.active = it->value().as_bool();
  }
  auto g = svc.change_goods(*id, in, *req.principal);
  if (!g.ok()) return fail(g.error());
  return http::json_text(200, dto::goods_json(*g));
}

Response redeem(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto key = http::require_string(*body, "key", 256);
  if (!key.ok()) return fail(key.error());
  if (auto s = detail::valid_key(*key); !s.ok()) return fail(s.error());
  auto goods = http::require_int(*body, "goods_id");
  if (!goods.ok()) return fail(goods.error());
  auto quantity = http::optional_int(*body, "quantity");
  if (!quantity.ok()) return fail(quantity.error());
  bool replay = false;
  auto r = svc.redeem(*key, *goods, quantity->value_or(1), *req.principal, &replay);
  if (!r.ok()) return fail(r.error());
  return http::json_text(replay ? 200 : 201, dto::redemption_json(*r, true));
}

Response redemptions(Service& svc, Request& req) {
  auto community = http::query_opt_int(req, "community_id");
  if (!community.ok()) return fail(community.error());
  auto before = http::query_int(req, "before", 0);
  if (!before.ok()) return fail(before.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return fail(limit.error());
  auto list = svc.redemptions(*community, req.query_param("status").value_or(""), *before, *limit, *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(
      200, http::json::page(*list, *limit, [&](const Redemption& r) { return dto::redemption_json(r, !*community); }));
}

Response by_code(Service& svc, Request& req) {
  auto r = svc.redemption_by_code(req.params["code"], *req.principal);
  if (!r.ok()) return fail(r.error());
  return http::json_text(200, dto::redemption_json(*r, false));
}

Response hand_over(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto code = http::require_string(*body, "code", 64);
  if (!code.ok()) return fail(code.error());
  auto r = svc.hand_over(*code, *req.principal);
  if (!r.ok()) return fail(r.error());
  return http::json_text(200, dto::redemption_json(*r, false));
}

Response cancel(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such redemption");
  auto r = svc.cancel(*id, *req.principal);
  if (!r.ok()) return fail(r.error());
  return http::json_text(200, dto::redemption_json(*r, false));
}

Response appeal(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  NewAppeal in;
  auto key = http::require_string(*body, "key", 256);
  if (!key.ok()) return fail(key.error());
  if (auto s = detail::valid_key(*key); !s.ok()) return fail(s.error());
  in.key = *key;
  auto posting = http::optional_int(*body, "posting_id");
  if (!posting.ok()) return fail(posting.error());
  in.posting_id = *posting;
  auto proposal = http::optional_int(*body, "proposal_id");
  if (!proposal.ok()) return fail(proposal.error());
  in.proposal_id = *proposal;
  if (in.posting_id.has_value() == in.proposal_id.has_value())
    return http::error_response(Errc::invalid_input, "name a posting_id or a proposal_id, one of them", "posting_id");
  auto reason = http::require_string(*body, "reason", 4096);
  if (!reason.ok()) return fail(reason.error());
  if (auto s = detail::valid_reason(*reason, true); !s.ok()) return fail(s.error());
  in.reason = *reason;
  auto ev = evidence_of(*body);
  if (!ev.ok()) return fail(ev.error());
  in.evidence = *ev;
  bool replay = false;
  auto a = svc.appeal(in, *req.principal, &replay);
  if (!a.ok()) return fail(a.error());
  Response res = http::json_text(replay ? 200 : 201, dto::appeal_json(*a));
  res.set("Location", "/api/points/appeals/" + std::to_string(a->id));
  return res;
}

Response appeals(Service& svc, Request& req) {
  auto community = http::query_opt_int(req, "community_id");
  if (!community.ok()) return fail(community.error());
  auto before = http::query_int(req, "before", 0);
  if (!before.ok()) return fail(before.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return fail(limit.error());
  auto list = svc.appeals(req.query_param("status").value_or(""), *community, *before, *limit, *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(200, http::json::page(*list, *limit, dto::appeal_json));
}

Response appeal_one(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such appeal");
  auto a = svc.appeal_of(*id, *req.principal);
  if (!a.ok()) return fail(a.error());
  return http::json_text(200, dto::appeal_json(*a));
}

Response appeal_decision(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto decision = http::require_string(*body, "decision", 16);
  if (!decision.ok()) return fail(decision.error());
  if (*decision != "uphold" && *decision != "overturn")
    return http::error_response(Errc::invalid_input, "decision must be uphold or overturn", "decision");
  auto reason = http::require_string(*body, "reason", 4096);
  if (!reason.ok()) return fail(reason.error());
  if (auto s = detail::valid_reason(*reason, true); !s.ok()) return fail(s.error());
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such appeal");
  auto a = svc.decide_appeal(*id, *decision == "overturn", *reason, *req.principal);
  if (!a.ok()) return fail(a.error());
  return http::json_text(200, dto::appeal_json(*a));
}

}  // namespace

void register_routes(http::Router& r, Service& svc) {
  using http::Auth;
  r.add("GET", "/api/points/catalog", [&svc](Request& q) { return catalog(svc, q); }, {.auth = Auth::optional});
  r.add("PUT", "/api/points/catalog/{code}", [&svc](Request& q) { return put_item(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 8192, .json_body = true});
  r.add("POST", "/api/points/budgets", [&svc](Request& q) { return grant(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 8192, .json_body = true});
  r.add("GET", "/api/points/me", [&svc](Request& q) { return me(svc, q); }, {.auth = Auth::session});
  r.add("GET", "/api/points/persons/{id}", [&svc](Request& q) { return person(svc, q); }, {.auth = Auth::session});
  r.add("GET", "/api/points/statement", [&svc](Request& q) { return statement(svc, q); }, {.auth = Auth::session});
  r.add("GET", "/api/points/statement.xlsx", [&svc](Request& q) { return statement_xlsx(svc, q); },
        {.auth = Auth::session});
  r.add("GET", "/api/points/rankings", [&svc](Request& q) { return ranking(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/points/proposals", [&svc](Request& q) { return propose(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 16384, .json_body = true});
  r.add("GET", "/api/points/proposals", [&svc](Request& q) { return proposals(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/points/proposals/bulk", [&svc](Request& q) { return propose_bulk(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 512 * 1024, .json_body = true});
  r.add("POST", "/api/points/proposals/votes", [&svc](Request& q) { return vote_bulk(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 512 * 1024, .json_body = true});
  r.add("GET", "/api/points/proposals/{id}", [&svc](Request& q) { return proposal(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/points/proposals/{id}/votes", [&svc](Request& q) { return vote(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 8192, .json_body = true});
  r.add("POST", "/api/points/appeals", [&svc](Request& q) { return appeal(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 16384, .json_body = true});
  r.add("GET", "/api/points/appeals", [&svc](Request& q) { return appeals(svc, q); }, {.auth = Auth::session});
  r.add("GET", "/api/points/appeals/{id}", [&svc](Request& q) { return appeal_one(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/points/appeals/{id}/decision", [&svc](Request& q) { return appeal_decision(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 8192, .json_body = true});
  r.add("POST", "/api/points/corrections", [&svc](Request& q) { return correct(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 8192, .json_body = true});
  r.add("GET", "/api/points/tiers", [](Request& q) { return tiers_list(q); }, {.auth = Auth::none, .blocking = false});
  r.add("GET", "/api/points/goods", [&svc](Request& q) { return goods_list(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/points/goods", [&svc](Request& q) { return goods_add(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 16384, .json_body = true});
  r.add("PATCH", "/api/points/goods/{id}", [&svc](Request& q) { return goods_change(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 16384, .json_body = true});
  r.add("POST", "/api/points/redemptions", [&svc](Request& q) { return redeem(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("GET", "/api/points/redemptions", [&svc](Request& q) { return redemptions(svc, q); }, {.auth = Auth::session});
  r.add("GET", "/api/points/redemptions/by-code/{code}", [&svc](Request& q) { return by_code(svc, q); },
        {.auth = Auth::session});
  r.add("POST", "/api/points/redemptions/handover", [&svc](Request& q) { return hand_over(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("POST", "/api/points/redemptions/{id}/cancel", [&svc](Request& q) { return cancel(svc, q); },
        {.auth = Auth::session});
}

}  // namespace mashang::points
