// HTTP binding of codes, places and print jobs: parse → service (which checks permissions)
// → response. Guessing tokens is limited here: every 404/410 a client earns from a
// resolution takes a token from its bucket, and an empty bucket refuses its resolutions.
#include "modules/codes/routes.hpp"

#include <filesystem>

#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/params.hpp"
#include "modules/codes/dto.hpp"
#include "print/qr.hpp"

namespace mashang::codes {
namespace {

using http::Request;
using http::Response;

Response resolve(Service& svc, Guesses& g, Request& req) {
  int64_t now = g.clock.now_ms();
  if (int wait = g.limiter.wait(req.client_ip, now)) {
    ++g.limited;
    Error e = make_error(Errc::rate_limited, "too many unknown codes from your address; try again later");
    e.retry_after_s = wait;
    return http::error_response(e);
  }
  auto r = svc.resolve(req.params["token"], req.principal.get());
  if (!r.ok()) {
    if (r.error().code == Errc::not_found || r.error().code == Errc::gone) g.limiter.take(req.client_ip, now);
    return http::error_response(r.error());
  }
  return http::json_text(200, dto::resolution_json(*r));
}

Response list(Service& svc, Request& req) {
  CodeQuery q;
  auto node = http::query_opt_int(req, "node");
  if (!node.ok()) return http::error_response(node.error());
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return http::error_response(after.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  auto target = http::query_opt_int(req, "target");
  if (!target.ok()) return http::error_response(target.error());
  q.node = *node;
  q.target_id = *target;
  q.after = *after;
  q.limit = *limit;
  q.kind = req.query_param("kind").value_or("");
  q.number = req.query_param("number").value_or("");
  auto page = svc.list(q, *req.principal);
  if (!page.ok()) return http::error_response(page.error());
  return http::json_text(200, dto::page(page->items, page->next_after,
                                        [&](std::string& o, const Code& c) { dto::write_code(o, c, svc); }));
}

Response issue(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto kind = http::require_string(*body, "kind", 32);
  if (!kind.ok()) return http::error_response(kind.error());
  auto target = http::require_int(*body, "target_id");
  if (!target.ok()) return http::error_response(target.error());
  bool created = false;
  auto code = svc.issue(*kind, *target, *req.principal, req.client_ip, &created);
  if (!code.ok()) return http::error_response(code.error());
  return http::json_text(created ? 201 : 200, dto::code_json(*code, svc));
}

Response retire(Service& svc, Request& req, bool rotate) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto reason = http::require_string(*body, "reason", 800);
  if (!reason.ok()) return http::error_response(reason.error());
  const std::string& token = req.params["token"];
  auto code = rotate ? svc.rotate(token, *reason, *req.principal, req.client_ip)
                     : svc.revoke(token, *reason, *req.principal, req.client_ip);
  if (!code.ok()) return http::error_response(code.error());
  return http::json_text(rotate ? 201 : 200, dto::code_json(*code, svc));
}

Response image(Service& svc, Request& req, bool png) {
  int64_t px = 8;
  if (png) {
    auto p = http::query_int(req, "px", 8);
    if (!p.ok()) return http::error_response(p.error());
    if (*p < 1 || *p > 32) return http::error_response(Errc::invalid_input, "px must be 1 to 32", "px");
    px = *p;
  }
  auto code = svc.active(req.params["token"], *req.principal);
  if (!code.ok()) return http::error_response(code.error());
  auto qr = print::encode(svc.url_of(code->token));
  if (!qr.ok()) return http::error_response(qr.error());
  Response res;
  res.content_type = png ? "image/png" : "image/svg+xml";
  res.body = png ? print::png(*qr, static_cast<int>(px)) : print::svg(*qr);
  res.set("Content-Disposition", "inline; filename=\"code-" + code->number + (png ? ".png\"" : ".svg\""));
  return res;
}

Response check_in(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  NewCheckin in;
  auto purpose = http::optional_string(*body, "purpose", 32);
  if (!purpose.ok()) return http::error_response(purpose.error());
  if (*purpose) in.purpose = **purpose;
  for (auto [field, dest] :
       {std::pair{"lat", &in.lat}, std::pair{"lon", &in.lon}, std::pair{"accuracy_m", &in.accuracy_m}}) {
    auto v = http::optional_number(*body, field);
    if (!v.ok()) return http::error_response(v.error());
    *dest = *v;
  }
  auto r = svc.check_in(req.params["token"], in, *req.principal);
  if (!r.ok()) return http::error_response(r.error());
  return http::json_text(r->second ? 200 : 201, dto::checkin_result_json(r->first, r->second));
}

Response checkins(Service& svc, Request& req) {
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return http::error_response(after.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  auto page = svc.checkins(req.params["token"], *after, *limit, *req.principal);
  if (!page.ok()) return http::error_response(page.error());
  return http::json_text(200, dto::page(page->items, page->next_after, dto::write_checkin));
}

Response stats(Service& svc, Request& req) {
  auto node = http::query_opt_int(req, "node");
  if (!node.ok()) return http::error_response(node.error());
  auto days = http::query_int(req, "days", 14);
  if (!days.ok()) return http::error_response(days.error());
  auto s = svc.stats(*node, *days, *req.principal);
  if (!s.ok()) return http::error_response(s.error());
  return http::json_text(200, dto::stats_json(*s, svc));
}

Response places(Service& svc, Request& req) {
  auto node = http::query_opt_int(req, "node");
  if (!node.ok()) return http::error_response(node.error());
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return http::error_response(after.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  auto page = svc.places(*node, req.query_param("kind").value_or(""), *after, *limit, *req.principal);
  if (!page.ok()) return http::error_response(page.error());
  return http::json_text(200, dto::page(page->items, page->next_after, dto::write_place));
}

Response place_json(const Result<Place>& p, int status) {
  if (!p.ok()) return http::error_response(p.error());
  std::string o;
  dto::write_place(o, p.value());
  Response res = http::json_text(status, std::move(o));
  if (status == 201) res.set("Location", "/api/places/" + std::to_string(p->id));
  return res;
}

Response create_place(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto node = http::require_int(*body, "node_id");
  if (!node.ok()) return http::error_response(node.error());
  auto kind = http::require_string(*body, "kind", 32);
  if (!kind.ok()) return http::error_response(kind.error());
  auto name = http::require_string(*body, "name", 128);
  if (!name.ok()) return http::error_response(name.error());
  auto op = http::optional_string(*body, "operator", 64);
  if (!op.ok()) return http::error_response(op.error());
  return place_json(svc.create_place(*node, *kind, *name, op->value_or(""), *req.principal, req.client_ip), 201);
}

Response update_place(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such place");
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  PlaceChange in;
  auto name = http::optional_string(*body, "name", 128);
  if (!name.ok()) return http::error_response(name.error());
  auto op = http::optional_string(*body, "operator", 64);
  if (!op.ok()) return http::error_response(op.error());
  in.name = *name;
  in.operator_name = *op;
  return place_json(svc.update_place(*id, in, *req.principal, req.client_ip), 200);
}

Response start_print(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto node = http::require_int(*body, "node_id");
  if (!node.ok()) return http::error_response(node.error());
  auto layout = http::require_string(*body, "layout", 32);
  if (!layout.ok()) return http::error_response(layout.error());
  std::optional<int64_t> limit;
  if (body->contains("limit") && !body->at("limit").is_null()) {
    auto l = http::require_int(*body, "limit");
    if (!l.ok()) return http::error_response(l.error());
    limit = *l;
  }
  auto job = svc.start_print(*node, *layout, limit, *req.principal, req.client_ip);
  if (!job.ok()) return http::error_response(job.error());
  Response res = http::json_text(202, dto::job_json(*job));
  res.set("Location", "/api/code-prints/" + std::to_string(job->id));
  return res;
}

Response print_jobs(Service& svc, Request& req) {
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return http::error_response(after.error());
  auto limit = http::query_int(req, "limit", 20);
  if (!limit.ok()) return http::error_response(limit.error());
  auto page = svc.print_jobs(*after, *limit, *req.principal);
  if (!page.ok()) return http::error_response(page.error());
  return http::json_text(200, dto::page(page->items, page->next_after, dto::write_job));
}

Response print_job(Service& svc, Request& req, bool cancel) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such print job");
  auto job = cancel ? svc.cancel_print(*id, *req.principal) : svc.print_job(*id, *req.principal);
  if (!job.ok()) return http::error_response(job.error());
  return http::json_text(200, dto::job_json(*job));
}

Response print_file(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such print job");
  auto path = svc.print_file(*id, *req.principal);
  if (!path.ok()) return http::error_response(path.error());
  std::error_code ec;
  auto size = std::filesystem::file_size(*path, ec);
  if (ec) return http::error_response(Errc::gone, "the sheet was removed; print it again");
  Response res;
  res.content_type = "application/pdf";
  res.file_path = *path;
  res.file_size = static_cast<int64_t>(size);
  res.set("Content-Disposition", "attachment; filename=\"codes-" + std::to_string(*id) + ".pdf\"");
  return res;
}

}  // namespace

void register_routes(http::Router& r, Service& svc, Guesses& guesses) {
  using http::Auth;
  const http::RouteOptions session{.auth = Auth::session};
  const http::RouteOptions json{.auth = Auth::session, .body_bytes_max = 4096, .json_body = true};
  r.add(
      "GET", "/api/codes", [&svc](Request& q) { return list(svc, q); }, session);
  r.add(
      "POST", "/api/codes", [&svc](Request& q) { return issue(svc, q); }, json);
  // An anonymous scan of a code already in the cache is answered on the I/O thread.
  r.add("GET", "/api/codes/{token}", [&svc, &guesses](Request& q) { return resolve(svc, guesses, q); },
        {.auth = Auth::optional, .inline_if = [&svc](const Request& q) {
           auto it = q.params.find("token");
           return it != q.params.end() && svc.cached(it->second);
         }});
  r.add(
      "POST", "/api/codes/{token}/revoke", [&svc](Request& q) { return retire(svc, q, false); }, json);
  r.add(
      "POST", "/api/codes/{token}/rotate", [&svc](Request& q) { return retire(svc, q, true); }, json);
  r.add(
      "GET", "/api/codes/{token}/png", [&svc](Request& q) { return image(svc, q, true); }, session);
  r.add(
      "GET", "/api/codes/{token}/svg", [&svc](Request& q) { return image(svc, q, false); }, session);
  r.add(
      "POST", "/api/codes/{token}/checkins", [&svc](Request& q) { return check_in(svc, q); }, json);
  r.add(
      "GET", "/api/codes/{token}/checkins", [&svc](Request& q) { return checkins(svc, q); }, session);
  r.add(
      "GET", "/api/code-stats", [&svc](Request& q) { return stats(svc, q); }, session);
  r.add(
      "GET", "/api/places", [&svc](Request& q) { return places(svc, q); }, session);
  r.add(
      "POST", "/api/places", [&svc](Request& q) { return create_place(svc, q); }, json);
  r.add(
      "GET", "/api/places/{id}",
      [&svc](Request& q) {
        auto id = http::path_id(q, "id");
        if (!id) return http::error_response(Errc::not_found, "no such place");
        return place_json(svc.place(*id, *q.principal), 200);
      },
      session);
  r.add(
      "PATCH", "/api/places/{id}", [&svc](Request& q) { return update_place(svc, q); }, json);
  r.add(
      "GET", "/api/code-prints", [&svc](Request& q) { return print_jobs(svc, q); }, session);
  r.add(
      "POST", "/api/code-prints", [&svc](Request& q) { return start_print(svc, q); }, json);
  r.add(
      "GET", "/api/code-prints/{id}", [&svc](Request& q) { return print_job(svc, q, false); }, session);
  r.add("POST", "/api/code-prints/{id}/cancel", [&svc](Request& q) { return print_job(svc, q, true); },
        {.auth = Auth::session});
  r.add(
      "GET", "/api/code-prints/{id}/file", [&svc](Request& q) { return print_file(svc, q); }, session);
}

}  // namespace mashang::codes
