// HTTP binding of work orders: parse → service (which checks permissions) → response.
#include "modules/orders/routes.hpp"

#include <tuple>

#include "core/text.hpp"
#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/params.hpp"
#include "http/rate_limit.hpp"
#include "modules/orders/dto.hpp"

namespace mashang::orders {
namespace {

using http::Request;
using http::Response;

//! The path of the node the body's `node_id` names (nullopt when absent); a node the caller
//! cannot see is `missing` (404 where it is the resource, 422 where it is an input).
Result<std::optional<std::string>> body_node(territory::Service& territory, const Request& req,
                                             const boost::json::object& body, Errc missing) {
  if (!body.contains("node_id") || body.at("node_id").is_null()) return std::optional<std::string>();
  auto node = http::require_int(body, "node_id");
  if (!node.ok()) return node.error();
  auto n = territory.find(*node);
  if (!n || !territory::can_see(*req.principal, n->path)) return make_error(missing, "no such node", "node_id");
  return std::optional(n->path);
}

//! The same for the query's `node` (always 404: it names what to list).
Result<std::optional<std::string>> query_node(territory::Service& territory, const Request& req) {
  auto node = http::query_opt_int(req, "node");
  if (!node.ok()) return node.error();
  if (!*node) return std::optional<std::string>();
  auto n = territory.find(**node);
  if (!n || !territory::can_see(*req.principal, n->path)) return make_error(Errc::not_found, "no such node", "node");
  return std::optional(n->path);
}

//! What every new problem names: `category`, `description` and optionally `lat`/`lon` (a new
//! order and a report alike).
template <class In>
Status read_problem(const boost::json::object& body, In& in) {
  auto category = http::require_string(body, "category", 64);
  if (!category.ok()) return category.error();
  auto description = http::require_string(body, "description", kDescriptionMax * 4);
  if (!description.ok()) return description.error();
  in.category_code = *category;
  in.description = *description;
  for (auto [field, dest] : {std::pair{"lat", &in.lat}, std::pair{"lon", &in.lon}}) {
    auto v = http::optional_number(body, field);
    if (!v.ok()) return v.error();
    *dest = *v;
  }
  return ok_status();
}

Response create(Service& svc, territory::Service& territory, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  NewOrder in;
  if (auto st = read_problem(*body, in); !st.ok()) return http::error_response(st.error());
  auto node = body_node(territory, req, *body, Errc::not_found);
  if (!node.ok()) return http::error_response(node.error());
  in.path = *node;
  auto o = svc.create(in, *req.principal);
  if (!o.ok()) return http::error_response(o.error());
  Response res = http::json_text(201, dto::order_json(*o));
  res.set("Location", "/api/orders/" + std::to_string(o->id));
  return res;
}

//! The staff list's filters from the query string (`node` resolved to its path).
Result<OrderQuery> order_query(territory::Service& territory, Request& req) {
  OrderQuery q;
  auto node = query_node(territory, req);
  if (!node.ok()) return node.error();
  q.path = node->value_or("");
  q.status = req.query_param("status").value_or("");
  q.category_code = req.query_param("category").value_or("");
  for (auto [name, dest] : {std::pair{"overdue", &q.overdue}, std::pair{"escalated", &q.escalated}}) {
    auto v = http::query_flag(req, name, false);
    if (!v.ok()) return v.error();
    *dest = *v;
  }
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return after.error();
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return limit.error();
  q.after = *after;
  q.limit = *limit;
  return q;
}

//! A page (`after`, `limit` from the query) of whatever `fn` lists, written by `json`.
template <class Page>
Response paged(Request& req, const std::function<Result<Page>(int64_t, int64_t)>& fn,
               std::string (*json)(const Page&)) {
  auto after = http::query_int(req, "after", 0);
  if (!after.ok()) return http::error_response(after.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return http::error_response(limit.error());
  auto p = fn(*after, *limit);
  if (!p.ok()) return http::error_response(p.error());
  return http::json_text(200, json(*p));
}

Response page(Request& req, const std::function<Result<OrderPage>(int64_t, int64_t)>& fn) {
  return paged<OrderPage>(req, fn, dto::page_json);
}

//! A route acting on one order with fields of its JSON body, read by `fn`.
Response act_body(Request& req, const std::function<Result<Order>(int64_t id, const boost::json::object& body)>& fn) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such order");
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto o = fn(*id, *body);
  if (!o.ok()) return http::error_response(o.error());
  return http::json_text(200, dto::order_json(*o));
}

//! A route acting on one order, with the text field `field` of the body when given (no body
//! at all without one).
Response act(Request& req, const char* field,
             const std::function<Result<Order>(int64_t id, const std::string& text)>& fn) {
  if (field)
    return act_body(req, [&](int64_t id, const boost::json::object& b) -> Result<Order> {
      auto v = http::require_string(b, field, 2000);
      if (!v.ok()) return v.error();
      return fn(id, *v);
    });
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such order");
  auto o = fn(*id, "");
  if (!o.ok()) return http::error_response(o.error());
  return http::json_text(200, dto::order_json(*o));
}

//! A category from a PUT body (every field but `active`, which defaults to true, is required).
Result<Category> category_of(Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return body.error();
  Category c;
  c.code = req.params["code"];
  for (auto [field, dest] :
       {std::pair{"name_zh", &c.name_zh}, std::pair{"name_en", &c.name_en}, std::pair{"group", &c.group}}) {
    auto v = http::require_string(*body, field, 400);
    if (!v.ok()) return v.error();
    *dest = *v;
  }
  for (auto [field, dest] :
       {std::pair{"claim_minutes", &c.claim_minutes}, std::pair{"finish_minutes", &c.finish_minutes}}) {
    auto v = http::require_int(*body, field);
    if (!v.ok()) return v.error();
    *dest = *v;
  }
  auto strings = [&](const char* field, std::vector<std::string>& dest, bool required) -> Status {
    auto it = body->find(field);
    if (it == body->end() && !required) return ok_status();
    if (it == body->end() || !it->value().is_array() || it->value().as_array().size() > 20)
      return make_error(Errc::invalid_input, std::string(field) + " must be a list of names", field);
    for (const auto& v : it->value().as_array()) {
      if (!v.is_string())
        return make_error(Errc::invalid_input, std::string(field) + " must be a list of names", field);
      dest.emplace_back(v.as_string());
    }
    return ok_status();
  };
  if (auto s = strings("claim_roles", c.claim_roles, true); !s.ok()) return s.error();
  if (auto s = strings("departments", c.departments, false); !s.ok()) return s.error();
  for (auto [field, dest, fallback] : {std::tuple{"photos_required", &c.photos_required, false},
                                       std::tuple{"triage", &c.triage, false}, std::tuple{"active", &c.active, true}}) {
    auto it = body->find(field);
    if (it == body->end()) {
      *dest = fallback;
      continue;
    }
    if (!it->value().is_bool())
      return make_error(Errc::invalid_input, std::string(field) + " must be true or false", field);
    *dest = it->value().as_bool();
  }
  auto qs = body->find("questions");
  if (qs != body->end()) {
    if (!qs->value().is_array() || qs->value().as_array().size() > 20)
      return make_error(Errc::invalid_input, "questions must be a list of at most 20", "questions");
    size_t i = 0;
    for (const auto& v : qs->value().as_array()) {
      std::string at = "questions[" + std::to_string(i++) + "]";
      if (!v.is_object()) return make_error(Errc::invalid_input, "a question is an object", at);
      const auto& o = v.as_object();
      Question q;
      for (auto [field, dest] : {std::pair{"code", &q.code}, std::pair{"label_zh", &q.label_zh},
                                 std::pair{"label_en", &q.label_en}, std::pair{"datatype", &q.datatype}}) {
        auto s = http::require_string(o, field, 800);
        if (!s.ok()) {
          Error e = s.error();
          e.field = at + "." + field;
          return e;
        }
        *dest = *s;
      }
      if (auto req_it = o.find("required"); req_it != o.end()) {
        if (!req_it->value().is_bool())
          return make_error(Errc::invalid_input, "required must be true or false", at + ".required");
        q.required = req_it->value().as_bool();
      }
      if (auto vs = o.find("values"); vs != o.end()) {
        if (!vs->value().is_array()) return make_error(Errc::invalid_input, "values must be a list", at + ".values");
        for (const auto& kv : vs->value().as_array()) {
          if (!kv.is_object() || !kv.as_object().contains("key") || !kv.as_object().at("key").is_string() ||
              !kv.as_object().contains("name") || !kv.as_object().at("name").is_string())
            return make_error(Errc::invalid_input, "a value is {key, name}", at + ".values");
          q.values.emplace_back(std::string(kv.as_object().at("key").as_string()),
                                std::string(kv.as_object().at("name").as_string()));
        }
      }
      c.questions.push_back(std::move(q));
    }
  }
  return c;
}

//! Upload ids (strings) of the body's `photos`, when given.
Result<std::vector<std::string>> photo_ids(const boost::json::object& body) {
  std::vector<std::string> out;
  auto it = body.find("photos");
  if (it == body.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) return make_error(Errc::invalid_input, "photos must be a list of upload ids", "photos");
  const auto& a = it->value().as_array();
  if (a.size() > kPhotosMax) return make_error(Errc::invalid_input, "at most 9 photos", "photos");
  for (const auto& v : a) {
    if (!v.is_string() || v.as_string().size() != 22)
      return make_error(Errc::invalid_input, "photos must be a list of upload ids", "photos");
    out.emplace_back(v.as_string());
  }
  return out;
}

//! `answers`: {question code: string or [strings]}.
Result<std::vector<Answer>> answers_of(const boost::json::object& body) {
  std::vector<Answer> out;
  auto it = body.find("answers");
  if (it == body.end() || it->value().is_null()) return out;
  if (!it->value().is_object())
    return make_error(Errc::invalid_input, "answers must be an object of question codes", "answers");
  for (const auto& [k, v] : it->value().as_object()) {
    std::string field = "answers." + std::string(k);
    Answer a{std::string(k), {}, v.is_array()};
    if (v.is_string())
      a.values.emplace_back(v.as_string());
    else if (v.is_int64() || v.is_uint64() || v.is_double())
      a.values.push_back(boost::json::serialize(v));
    else if (v.is_array() && v.as_array().size() <= 50) {
      for (const auto& x : v.as_array()) {
        if (!x.is_string()) return make_error(Errc::invalid_input, "list answers are strings", field);
        a.values.emplace_back(x.as_string());
      }
    } else {
      return make_error(Errc::invalid_input, "an answer is a string or a list of strings", field);
    }
    out.push_back(std::move(a));
  }
  return out;
}

Error limited(int wait_s, const char* what) {
  Error e = make_error(Errc::rate_limited, what);
  e.retry_after_s = wait_s;
  return e;
}

//! The anonymous are limited per address (photos, reports) and per phone (reports).
struct Limits {
  http::RateLimiter photos{1.0 / 30, 20};
  http::RateLimiter reports{1.0 / 600, 3};
};

bool image_type(std::string_view ct) {
  std::string_view base = ct.substr(0, ct.find(';'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  for (auto t : {"image/jpeg", "image/png", "image/webp"})
    if (text::iequals(base, t)) return true;
  return false;
}

Response upload(Service& svc, Limits& limits, Request& req) {
  if (!image_type(req.header("content-type")))
    return http::error_response(Errc::unsupported_media_type, "send the photo as image/jpeg, image/png or image/webp");
  if (req.body.empty()) return http::error_response(Errc::invalid_input, "the body is empty: send the photo", "file");
  const Principal* who = req.principal.get();
  if (!who || !who->account_id)
    if (int wait = limits.photos.take("ip:" + req.client_ip, svc.now_ms()))
      return http::error_response(limited(wait, "too many photos from your address; try again later"));
  auto up = svc.upload(req.body, who);
  if (!up.ok()) return http::error_response(up.error());
  Response res = http::json_text(201, dto::upload_json(*up));
  res.set("Location", "/api/photos/" + up->photo.id);
  return res;
}

Response photo(Service& svc, Request& req, bool thumb) {
  auto bytes = svc.photo_file(req.params["id"], thumb, req.principal.get());
  if (!bytes.ok()) return http::error_response(bytes.error());
  Response res;
  res.content_type = "image/jpeg";
  res.body = std::move(*bytes);
  res.set("Cache-Control", "private, max-age=31536000, immutable");
  res.set("X-Content-Type-Options", "nosniff");
  return res;
}

Response new_report(Service& svc, Limits& limits, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  NewReport in;
  if (auto st = read_problem(*body, in); !st.ok()) return http::error_response(st.error());
  auto photos = photo_ids(*body);
  if (!photos.ok()) return http::error_response(photos.error());
  in.photos = *photos;
  auto answers = answers_of(*body);
  if (!answers.ok()) return http::error_response(answers.error());
  in.answers = *answers;
  auto phone = http::optional_string(*body, "phone", 32);
  if (!phone.ok()) return http::error_response(phone.error());
  in.phone = *phone;
  if (body->contains("duplicate_of") && !body->at("duplicate_of").is_null()) {
    auto dup = http::require_int(*body, "duplicate_of");
    if (!dup.ok()) return http::error_response(dup.error());
    in.duplicate_of = *dup;
  }
  auto code = http::optional_string(*body, "code", 64);
  if (!code.ok()) return http::error_response(code.error());
  if (*code) {
    auto path = svc.place_of_code(**code);
    if (!path.ok()) {
      Error e = path.error();
      e.field = "code";
      return http::error_response(e);
    }
    in.path = *path;
  }
  const Principal* who = req.principal.get();
  if (!who || !who->account_id) {
    // Checked after the body is valid, so a mistake does not cost a try.
    int64_t now = svc.now_ms();
    std::string key = "ip:" + req.client_ip;
    int wait = limits.reports.wait(key, now);
    auto normal = in.phone ? text::normalize_phone(*in.phone) : std::nullopt;
    if (!wait && normal) wait = limits.reports.wait("phone:" + *normal, now);
    if (wait) return http::error_response(limited(wait, "too many anonymous reports; try again later"));
    limits.reports.take(key, now);
    if (normal) limits.reports.take("phone:" + *normal, now);
  }
  auto rep = svc.report(in, who);
  if (!rep.ok()) return http::error_response(rep.error());
  Response res = http::json_text(201, dto::report_json(*rep));
  res.set("Location", "/api/reports/" + std::to_string(rep->id));
  return res;
}

Response report_page(Request& req, const std::function<Result<ReportPage>(int64_t, int64_t)>& fn) {
  return paged<ReportPage>(req, fn, dto::report_page_json);
}

//! A triage decision on one report, with the body when `json`.
Response decide(Request& req, const std::function<Result<Report>(int64_t id, const boost::json::object& body)>& fn) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such report");
  boost::json::object empty;
  std::string_view ct = req.header("content-type");
  if (!req.body.empty() && !text::iequals(ct.substr(0, ct.find(';')), "application/json"))
    return http::error_response(Errc::unsupported_media_type, "send the body as application/json");
  auto body = req.body.empty() ? Result<boost::json::object>(empty) : http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto r = fn(*id, *body);
  if (!r.ok()) return http::error_response(r.error());
  return http::json_text(200, dto::report_json(*r));
}

}  // namespace

void register_routes(http::Router& r, Service& svc, territory::Service& territory) {
  using http::Auth;
  const http::RouteOptions session{.auth = Auth::session};
  const http::RouteOptions json{.auth = Auth::session, .body_bytes_max = 32768, .json_body = true};
  r.add("GET", "/api/categories",
        [&svc](Request& q) {
          auto all = http::query_flag(q, "all", false);
          if (!all.ok()) return http::error_response(all.error());
          if (*all && !(q.principal && q.principal->has_role("district_admin", "/")))
            return http::error_response(Errc::forbidden, "only district administrators list inactive categories");
          return http::json_text(200, dto::categories_json(svc.categories(*all)));
        },
        {.auth = Auth::optional});
  r.add("PUT", "/api/categories/{code}",
        [&svc](Request& q) {
          auto c = category_of(q);
          if (!c.ok()) return http::error_response(c.error());
          bool created = false;
          auto saved = svc.put_category(*c, *q.principal, q.client_ip, &created);
          if (!saved.ok()) return http::error_response(saved.error());
          std::string o;
          dto::write_category(o, *saved);
          return http::json_text(created ? 201 : 200, o);
        },
        {.auth = Auth::session, .body_bytes_max = 65536, .json_body = true});
  r.add(
      "POST", "/api/orders", [&svc, &territory](Request& q) { return create(svc, territory, q); }, json);
  r.add(
      "GET", "/api/orders",
      [&svc, &territory](Request& q) {
        auto query = order_query(territory, q);
        if (!query.ok()) return http::error_response(query.error());
        auto p = svc.list(*query, *q.principal);
        if (!p.ok()) return http::error_response(p.error());
        return http::json_text(200, dto::page_json(*p));
      },
      session);
  r.add(
      "GET", "/api/orders/export.xlsx",
      [&svc, &territory](Request& q) {
        auto query = order_query(territory, q);
        if (!query.ok()) return http::error_response(query.error());
        auto bytes = svc.export_xlsx(*query, *q.principal);
        if (!bytes.ok()) return http::error_response(bytes.error());
        Response res = http::json_text(200, std::move(*bytes));
        res.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        res.set("Content-Disposition", "attachment; filename=\"orders.xlsx\"");
        return res;
      },
      session);
  r.add(
      "GET", "/api/orders/pool",
      [&svc](Request& q) { return page(q, [&](int64_t a, int64_t l) { return svc.pool(*q.principal, a, l); }); },
      session);
  r.add(
      "GET", "/api/orders/mine",
      [&svc](Request& q) {
        std::string status = q.query_param("status").value_or("");
        return page(q, [&](int64_t a, int64_t l) { return svc.mine(*q.principal, status, a, l); });
      },
      session);
  r.add(
      "GET", "/api/orders/{id}",
      [&svc](Request& q) {
        auto id = http::path_id(q, "id");
        if (!id) return http::error_response(Errc::not_found, "no such order");
        auto d = svc.get(*id, *q.principal);
        if (!d.ok()) return http::error_response(d.error());
        return http::json_text(200, dto::detail_json(d->first, d->second, svc.order_photos(*id)));
      },
      session);
  r.add(
      "POST", "/api/orders/{id}/claim",
      [&svc](Request& q) {
        return act(q, nullptr, [&](int64_t id, const std::string&) { return svc.claim(id, *q.principal); });
      },
      session);
  r.add(
      "POST", "/api/orders/{id}/return",
      [&svc](Request& q) {
        return act(q, "reason", [&](int64_t id, const std::string& t) { return svc.give_back(id, t, *q.principal); });
      },
      json);
  r.add(
      "POST", "/api/orders/{id}/hold",
      [&svc](Request& q) {
        return act(q, "reason", [&](int64_t id, const std::string& t) { return svc.hold(id, t, *q.principal); });
      },
      json);
  r.add(
      "POST", "/api/orders/{id}/resume",
      [&svc](Request& q) {
        return act(q, nullptr, [&](int64_t id, const std::string&) { return svc.resume(id, *q.principal); });
      },
      session);
  r.add(
      "POST", "/api/orders/{id}/complete",
      [&svc](Request& q) {
        return act_body(q, [&](int64_t id, const boost::json::object& b) -> Result<Order> {
          auto note = http::require_string(b, "note", 2000);
          if (!note.ok()) return note.error();
          auto photos = photo_ids(b);
          if (!photos.ok()) return photos.error();
          return svc.complete(id, *note, *photos, *q.principal);
        });
      },
      json);
  r.add(
      "POST", "/api/orders/{id}/verify",
      [&svc](Request& q) {
        return act_body(q, [&](int64_t id, const boost::json::object& b) -> Result<Order> {
          auto ok = b.find("ok");
          if (ok == b.end() || !ok->value().is_bool())
            return make_error(Errc::invalid_input, "ok must be true or false", "ok");
          auto note = http::optional_string(b, "note", 2000);
          if (!note.ok()) return note.error();
          return svc.verify(id, ok->value().as_bool(), note->value_or(""), *q.principal);
        });
      },
      json);
  r.add(
      "POST", "/api/orders/{id}/rate",
      [&svc](Request& q) {
        return act_body(q, [&](int64_t id, const boost::json::object& b) -> Result<Order> {
          auto stars = http::require_int(b, "stars");
          if (!stars.ok()) return stars.error();
          auto comment = http::optional_string(b, "comment", 2000);
          if (!comment.ok()) return comment.error();
          return svc.rate(id, *stars, comment->value_or(""), *q.principal);
        });
      },
      json);
  r.add(
      "POST", "/api/orders/{id}/reopen",
      [&svc](Request& q) {
        return act(q, "reason", [&](int64_t id, const std::string& t) { return svc.reopen(id, t, *q.principal); });
      },
      json);
  r.add(
      "POST", "/api/orders/{id}/transfer",
      [&svc, &territory](Request& q) {
        return act_body(q, [&](int64_t id, const boost::json::object& b) -> Result<Order> {
          auto reason = http::require_string(b, "reason", 2000);
          if (!reason.ok()) return reason.error();
          auto category = http::optional_string(b, "category", 64);
          if (!category.ok()) return category.error();
          auto path = body_node(territory, q, b, Errc::invalid_input);
          if (!path.ok()) return path.error();
          return svc.transfer(id, *path, category->value_or(""), *reason, *q.principal);
        });
      },
      json);

  // Photos and reports (随手拍).
  auto limits = std::make_shared<Limits>();
  r.add("POST", "/api/photos", [&svc, limits](Request& q) { return upload(svc, *limits, q); },
        {.auth = Auth::optional, .body_bytes_max = 15 << 20});
  r.add("GET", "/api/photos/{id}", [&svc](Request& q) { return photo(svc, q, false); }, {.auth = Auth::optional});
  r.add("GET", "/api/photos/{id}/thumb", [&svc](Request& q) { return photo(svc, q, true); }, {.auth = Auth::optional});
  r.add("POST", "/api/reports", [&svc, limits](Request& q) { return new_report(svc, *limits, q); },
        {.auth = Auth::optional, .body_bytes_max = 65536, .json_body = true});
  r.add(
      "GET", "/api/reports/mine",
      [&svc](Request& q) {
        return report_page(q, [&](int64_t a, int64_t l) { return svc.my_reports(*q.principal, a, l); });
      },
      session);
  r.add("GET", "/api/reports/nearby",
        [&svc](Request& q) {
          auto lat = http::query_double(q, "lat", -90, 90);
          if (!lat.ok()) return http::error_response(lat.error());
          auto lon = http::query_double(q, "lon", -180, 180);
          if (!lon.ok()) return http::error_response(lon.error());
          auto items = svc.nearby(q.query_param("category").value_or(""), *lat, *lon);
          if (!items.ok()) return http::error_response(items.error());
          return http::json_text(200, dto::nearby_json(*items));
        },
        {.auth = Auth::optional});
  r.add(
      "GET", "/api/reports",
      [&svc, &territory](Request& q) {
        auto node = query_node(territory, q);
        if (!node.ok()) return http::error_response(node.error());
        std::string path = node->value_or("");
        std::string status = q.query_param("status").value_or("");
        return report_page(q, [&](int64_t a, int64_t l) { return svc.reports(*q.principal, status, path, a, l); });
      },
      session);
  r.add(
      "GET", "/api/reports/{id}",
      [&svc](Request& q) {
        auto id = http::path_id(q, "id");
        if (!id) return http::error_response(Errc::not_found, "no such report");
        auto d = svc.report_detail(*id, *q.principal);
        if (!d.ok()) return http::error_response(d.error());
        std::vector<Photo> evidence;
        if (d->first.order_id)
          for (auto& p : svc.order_photos(*d->first.order_id))
            if (p.kind == "evidence") evidence.push_back(std::move(p));
        return http::json_text(200, dto::report_detail_json(d->first, d->second, evidence));
      },
      session);
  r.add("POST", "/api/reports/{id}/accept",
        [&svc](Request& q) {
          return decide(q, [&](int64_t id, const boost::json::object& b) -> Result<Report> {
            auto category = http::optional_string(b, "category", 64);
            if (!category.ok()) return category.error();
            return svc.accept(id, category->value_or(""), *q.principal);
          });
        },
        {.auth = Auth::session, .body_bytes_max = 4096});  // the body is optional
  r.add(
      "POST", "/api/reports/{id}/reject",
      [&svc](Request& q) {
        return decide(q, [&](int64_t id, const boost::json::object& b) -> Result<Report> {
          auto reason = http::require_string(b, "reason", 2000);
          if (!reason.ok()) return reason.error();
          return svc.reject(id, *reason, *q.principal);
        });
      },
      json);
  r.add(
      "POST", "/api/reports/{id}/merge",
      [&svc](Request& q) {
        return decide(q, [&](int64_t id, const boost::json::object& b) -> Result<Report> {
          auto order = http::require_int(b, "order_id");
          if (!order.ok()) return order.error();
          return svc.merge(id, *order, *q.principal);
        });
      },
      json);
}

}  // namespace mashang::orders
