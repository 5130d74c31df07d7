// HTTP binding of notifications: the caller's inbox, and the outbox's deliveries for admins.
#include "modules/notify/routes.hpp"

#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/json_write.hpp"
#include "http/params.hpp"
#include "modules/notify/dto.hpp"

namespace mashang::notify {
namespace {

using http::Request;
using http::Response;

Response inbox(Service& svc, Request& req) {
  auto before = http::query_int(req, "before", 0);
  if (!before.ok()) return http::error_response(before.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  auto unread = http::query_flag(req, "unread", false);
  if (!unread.ok()) return http::error_response(unread.error());
  auto page = svc.inbox(*req.principal, *before, *limit, *unread);
  if (!page.ok()) return http::error_response(page.error());
  std::string o = "{\"items\":[" + http::json::elements(page->items, dto::message_json);
  o += "],\"unread\":" + std::to_string(page->unread) +
       ",\"next_before\":" + (page->next_before ? std::to_string(*page->next_before) : std::string("null")) + "}";
  return http::json_text(200, o);
}

Response read(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto it = body->find("ids");
  if (it == body->end() || !it->value().is_array() || it->value().as_array().empty() ||
      it->value().as_array().size() > 500)
    return http::error_response(Errc::invalid_input, "ids must list 1 to 500 message ids", "ids");
  std::vector<int64_t> ids;
  for (const auto& v : it->value().as_array()) {
    if (!v.is_int64() && !v.is_uint64())
      return http::error_response(Errc::invalid_input, "ids must list whole numbers", "ids");
    ids.push_back(v.is_int64() ? v.as_int64() : static_cast<int64_t>(v.as_uint64()));
  }
  return http::json_text(200, "{\"read\":" + std::to_string(svc.mark_read(ids, *req.principal)) + "}");
}

Response message(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such message");
  auto m = svc.message(*id, *req.principal);
  if (!m.ok()) return http::error_response(m.error());
  return http::json_text(200, "{\"message\":" + dto::message_json(m->first) + ",\"deliveries\":[" +
                                  http::json::elements(m->second, dto::delivery_json) + "]}");
}

Response outbox(Service& svc, Request& req) {
  auto before = http::query_int(req, "before", 0);
  if (!before.ok()) return http::error_response(before.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  auto list = svc.deliveries(req.query_param("status").value_or(""), *before, *limit, *req.principal);
  if (!list.ok()) return http::error_response(list.error());
  return http::json_text(200, http::json::page(*list, *limit, dto::delivery_json));
}

}  // namespace

void register_routes(http::Router& r, Service& svc) {
  using http::Auth;
  r.add("GET", "/api/notifications", [&svc](Request& q) { return inbox(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/notifications/read", [&svc](Request& q) { return read(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 16384, .json_body = true});
  r.add("GET", "/api/notifications/{id}", [&svc](Request& q) { return message(svc, q); }, {.auth = Auth::session});
  r.add("GET", "/api/outbox", [&svc](Request& q) { return outbox(svc, q); }, {.auth = Auth::session});
}

}  // namespace mashang::notify
