// HTTP binding of the audit log: filters from the query string, newest first.
#include "modules/audit/routes.hpp"

#include "core/text.hpp"
#include "http/error_map.hpp"
#include "http/params.hpp"

namespace mashang::audit {
namespace {

using http::Request;
using http::Response;

Response browse_route(store::Db& db, Request& req) {
  Query q;
  auto actor = http::query_opt_int(req, "actor");
  if (!actor.ok()) return http::error_response(actor.error());
  auto since = http::query_opt_int(req, "since");
  if (!since.ok()) return http::error_response(since.error());
  auto until = http::query_opt_int(req, "until");
  if (!until.ok()) return http::error_response(until.error());
  auto before = http::query_int(req, "before", 0);
  if (!before.ok()) return http::error_response(before.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  if (auto t = req.query_param("target")) {
    if (t->empty() || t->size() > 64 || !text::valid_utf8(*t))
      return http::error_response(Errc::invalid_input, "target must be like person:12", "target");
    q.target = *t;
  }
  q.actor_id = *actor;
  q.since = *since;
  q.until = *until;
  q.before = *before;
  q.limit = *limit;
  auto page = browse(db, q, *req.principal);
  if (!page.ok()) return http::error_response(page.error());
  Response res;
  std::string& o = res.body;
  o = "{\"items\":[";
  for (size_t i = 0; i < page->items.size(); ++i) {
    const auto& r = page->items[i];
    if (i) o += ',';
    o += "{\"id\":" + std::to_string(r.id) + ",\"at\":" + std::to_string(r.at) + ",\"actor_id\":";
    o += r.actor_id ? std::to_string(*r.actor_id) : "null";
    o += ",\"ip\":";
    text::append_json_string(o, r.ip);
    o += ",\"action\":";
    text::append_json_string(o, r.action);
    o += ",\"target\":";
    text::append_json_string(o, r.target);
    o += ",\"reason\":";
    text::append_json_string(o, r.reason);
    o += ",\"details\":" + r.details_json;  // written by the server as a JSON object
    o += ",\"hash\":";
    text::append_json_string(o, r.hash);
    o += '}';
  }
  o += "],\"next_before\":";
  o += page->next_before ? std::to_string(*page->next_before) : "null";
  o += '}';
  return res;
}

}  // namespace

void register_routes(http::Router& r, store::Db& db) {
  r.add("GET", "/api/audit", [&db](Request& q) { return browse_route(db, q); }, {.auth = http::Auth::session});
}

}  // namespace mashang::audit
