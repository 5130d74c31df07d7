// HTTP binding of roster imports and exports: the file is the request body (no multipart),
// its kind is read from its bytes; the Content-Type must say it is a spreadsheet.
#include "modules/roster/routes.hpp"

#include "http/error_map.hpp"
#include "http/params.hpp"
#include "modules/roster/dto.hpp"

namespace mashang::roster {
namespace {

using http::Request;
using http::Response;

bool spreadsheet_type(std::string_view ct) {
  std::string_view base = ct.substr(0, ct.find(';'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  for (auto t : {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "application/octet-stream", "application/vnd.ms-excel"})
    if (text::iequals(base, t)) return true;
  return false;
}

Response upload(Service& svc, Request& req) {
  if (!spreadsheet_type(req.header("content-type")))
    return http::error_response(Errc::unsupported_media_type,
                                "send the roster as text/csv or "
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  if (req.body.empty()) return http::error_response(Errc::invalid_input, "the body is empty: send the file", "file");
  auto im = svc.upload(req.body, *req.principal, req.client_ip);
  if (!im.ok()) return http::error_response(im.error());
  Response res = http::json_text(201, dto::import_json(*im));
  res.set("Location", "/api/roster/imports/" + std::to_string(im->id));
  return res;
}

Response get(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such import");
  auto im = svc.get(*id, *req.principal);
  if (!im.ok()) return http::error_response(im.error());
  return http::json_text(200, dto::import_json(*im));
}

Response apply(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such import");
  auto im = svc.start(*id, *req.principal, req.client_ip);
  if (!im.ok()) return http::error_response(im.error());
  return http::json_text(202, dto::import_json(*im));
}

Response export_xlsx(Service& svc, Request& req) {
  auto node = http::query_opt_int(req, "node");
  if (!node.ok()) return http::error_response(node.error());
  auto reveal = http::query_flag(req, "reveal", false);
  if (!reveal.ok()) return http::error_response(reveal.error());
  std::optional<std::string> reason;
  if (*reveal) reason = req.query_param("reason").value_or("");
  auto bytes = svc.export_xlsx(*node, *req.principal, req.client_ip, reason);
  if (!bytes.ok()) return http::error_response(bytes.error());
  Response res = http::json_text(200, std::move(*bytes));
  res.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  res.set("Content-Disposition", "attachment; filename=\"roster.xlsx\"");
  return res;
}

}  // namespace

void register_routes(http::Router& r, Service& svc) {
  using http::Auth;
  r.add("POST", "/api/roster/imports", [&svc](Request& q) { return upload(svc, q); },
        {.auth = Auth::session, .body_bytes_max = kUploadBytesMax});
  r.add("GET", "/api/roster/imports/{id}", [&svc](Request& q) { return get(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/roster/imports/{id}/apply", [&svc](Request& q) { return apply(svc, q); },
        {.auth = Auth::session});
  r.add("GET", "/api/roster/export.xlsx", [&svc](Request& q) { return export_xlsx(svc, q); }, {.auth = Auth::session});
}

}  // namespace mashang::roster
