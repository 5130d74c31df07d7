// HTTP binding of the station's services — meals, consultations, home services: parse →
// service (which checks permissions) → response.
#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/json_write.hpp"
#include "http/params.hpp"
#include "modules/care/dto.hpp"
#include "modules/care/routes.hpp"

namespace mashang::care {
namespace {

using http::Request;
using http::Response;

Response fail(const Error& e) { return http::error_response(e); }

template <class T, class F>
Response one(int status, Result<T> r, F json) {
  if (!r.ok()) return fail(r.error());
  return http::json_text(status, json(*r));
}

template <class T, class F>
Response list(Result<std::vector<T>> r, F json) {
  if (!r.ok()) return fail(r.error());
  return http::json_text(200, http::json::items(*r, json));
}

//! The objects of an array field, or 422 naming it.
Result<std::vector<boost::json::object>> objects(const boost::json::object& body, const char* field, size_t max) {
  auto it = body.find(field);
  if (it == body.end() || !it->value().is_array() || it->value().as_array().size() > max)
    return make_error(Errc::invalid_input, std::string(field) + " must be a list of at most " + std::to_string(max),
                      field);
  std::vector<boost::json::object> out;
  for (const auto& v : it->value().as_array()) {
    if (!v.is_object()) return make_error(Errc::invalid_input, std::string(field) + " holds objects", field);
    out.push_back(v.as_object());
  }
  return out;
}

//! Keeps a nested field's error on the list's name (`items`).
Error on(Error e, const char* field) {
  e.field = field;
  return e;
}

Result<MenuChange> menu_change(const boost::json::object& body) {
  MenuChange in;
  auto cutoff = http::optional_int(body, "cutoff_at");
  if (!cutoff.ok()) return cutoff.error();
  in.cutoff_at = *cutoff;
  auto pickup = http::optional_bool(body, "pickup", true);
  if (!pickup.ok()) return pickup.error();
  auto delivery = http::optional_bool(body, "delivery", false);
  if (!delivery.ok()) return delivery.error();
  in.pickup = *pickup;
  in.delivery = *delivery;
  auto note = http::optional_string(body, "note", 2000);
  if (!note.ok()) return note.error();
  in.note = note->value_or("");
  auto items = objects(body, "items", 50);
  if (!items.ok()) return items.error();
  for (const auto& o : *items) {
    MenuItem i;
    auto id = http::optional_int(o, "id");
    auto name = http::require_string(o, "name", 1000);
    auto price = http::require_int(o, "price_fen");
    auto portions = http::require_int(o, "portions");
    if (!id.ok()) return on(id.error(), "items");
    if (!name.ok()) return on(name.error(), "items");
    if (!price.ok()) return on(price.error(), "items");
    if (!portions.ok()) return on(portions.error(), "items");
    i.id = id->value_or(0);
    i.name = *name;
    i.price_fen = *price;
    i.portions = *portions;
    in.items.push_back(std::move(i));
  }
  return in;
}

Response add_menu(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto community = http::require_int(*body, "community_id");
  if (!community.ok()) return fail(community.error());
  auto date = http::require_string(*body, "date", 10);
  if (!date.ok()) return fail(date.error());
  auto in = menu_change(*body);
  if (!in.ok()) return fail(in.error());
  in->date = *date;
  return one(201, svc.add_menu(*community, *in, *req.principal), dto::menu_json);
}

Response change_menu(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such menu");
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto in = menu_change(*body);
  if (!in.ok()) return fail(in.error());
  return one(200, svc.change_menu(*id, *in, *req.principal), dto::menu_json);
}

Response menus(Service& svc, Request& req) {
  auto community = http::query_opt_int(req, "community_id");
  if (!community.ok()) return fail(community.error());
  return list(
      svc.menus(*community, req.query_param("from").value_or(""), req.query_param("to").value_or(""), *req.principal),
      dto::menu_json);
}

Response order_meal(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  NewMeal in;
  auto menu = http::require_int(*body, "menu_id");
  if (!menu.ok()) return fail(menu.error());
  in.menu_id = *menu;
  auto mode = http::require_string(*body, "mode", 16);
  if (!mode.ok()) return fail(mode.error());
  in.mode = *mode;
  auto items = objects(*body, "items", 20);
  if (!items.ok()) return fail(items.error());
  for (const auto& o : *items) {
    auto item = http::require_int(o, "item_id");
    auto qty = http::require_int(o, "qty");
    if (!item.ok()) return fail(on(item.error(), "items"));
    if (!qty.ok()) return fail(on(qty.error(), "items"));
    in.items.push_back({*item, *qty, "", 0});
  }
  auto note = http::optional_string(*body, "note", 1000);
  if (!note.ok()) return fail(note.error());
  in.note = note->value_or("");
  auto person = http::optional_int(*body, "person_id");
  if (!person.ok()) return fail(person.error());
  in.person_id = *person;
  return one(201, svc.order_meal(in, *req.principal), dto::meal_json);
}

Response consult(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  NewConsultation in;
  // Present and of the right type here; the service checks the values, in its order.
  auto mode = http::optional_string(*body, "mode", 16);
  if (!mode.ok()) return fail(mode.error());
  in.mode = mode->value_or("");
  auto topic = http::optional_string(*body, "topic", 4000);
  if (!topic.ok()) return fail(topic.error());
  in.topic = topic->value_or("");
  auto person = http::optional_int(*body, "person_id");
  if (!person.ok()) return fail(person.error());
  in.person_id = *person;
  auto preferred = http::optional_int(*body, "preferred_at");
  if (!preferred.ok()) return fail(preferred.error());
  in.preferred_at = *preferred;
  return one(201, svc.consult(in, *req.principal), dto::consultation_json);
}

//! A step of a consultation: `f(id, body)`.
template <class F>
Response consultation_step(Request& req, F f) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such consultation");
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  return one(200, f(*id, *body), dto::consultation_json);
}

Response request_home_service(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  NewHomeService in;
  auto kind = http::optional_string(*body, "kind", 32);
  if (!kind.ok()) return fail(kind.error());
  in.kind = kind->value_or("");
  auto description = http::optional_string(*body, "description", 8000);
  if (!description.ok()) return fail(description.error());
  in.description = description->value_or("");
  auto person = http::optional_int(*body, "person_id");
  if (!person.ok()) return fail(person.error());
  in.person_id = *person;
  return one(201, svc.request_home_service(in, *req.principal), dto::home_service_json);
}

}  // namespace

void register_service_routes(http::Router& r, Service& svc) {
  using http::Auth;
  const http::RouteOptions body{.auth = Auth::session, .body_bytes_max = 16384, .json_body = true};
  const http::RouteOptions session{.auth = Auth::session};
  // Meals.
  r.add(
      "POST", "/api/care/menus", [&svc](Request& q) { return add_menu(svc, q); }, body);
  r.add(
      "GET", "/api/care/menus", [&svc](Request& q) { return menus(svc, q); }, session);
  r.add(
      "GET", "/api/care/menus/{id}",
      [&svc](Request& q) {
        auto id = http::path_id(q, "id");
        if (!id) return http::error_response(Errc::not_found, "no such menu");
        return one(200, svc.menu(*id, *q.principal), dto::menu_json);
      },
      session);
  r.add(
      "PUT", "/api/care/menus/{id}", [&svc](Request& q) { return change_menu(svc, q); }, body);
  r.add(
      "GET", "/api/care/menus/{id}/kitchen",
      [&svc](Request& q) {
        auto id = http::path_id(q, "id");
        if (!id) return http::error_response(Errc::not_found, "no such menu");
        return one(200, svc.kitchen(*id, *q.principal), dto::kitchen_json);
      },
      session);
  r.add(
      "POST", "/api/care/meals", [&svc](Request& q) { return order_meal(svc, q); }, body);
  r.add(
      "GET", "/api/care/meals",
      [&svc](Request& q) {
        auto menu = http::query_opt_int(q, "menu_id");
        if (!menu.ok()) return fail(menu.error());
        return list(svc.meals(*menu, *q.principal), dto::meal_json);
      },
      session);
  for (const char* step : {"cancel", "serve"})
    r.add(
        "POST", std::string("/api/care/meals/{id}/") + step,
        [&svc, cancel = std::string(step) == "cancel"](Request& q) {
          auto id = http::path_id(q, "id");
          if (!id) return http::error_response(Errc::not_found, "no such meal order");
          return one(200, cancel ? svc.cancel_meal(*id, *q.principal) : svc.serve_meal(*id, *q.principal),
                     dto::meal_json);
        },
        session);
  // Consultations.
  r.add(
      "POST", "/api/care/consultations", [&svc](Request& q) { return consult(svc, q); }, body);
  r.add(
      "GET", "/api/care/consultations",
      [&svc](Request& q) {
        auto node = http::query_opt_int(q, "node_id");
        if (!node.ok()) return fail(node.error());
        return list(svc.consultations(*node, q.query_param("state").value_or(""), *q.principal),
                    dto::consultation_json);
      },
      session);
  r.add(
      "GET", "/api/care/consultations/{id}",
      [&svc](Request& q) {
        auto id = http::path_id(q, "id");
        if (!id) return http::error_response(Errc::not_found, "no such consultation");
        auto reveal = http::query_flag(q, "reveal", false);
        if (!reveal.ok()) return fail(reveal.error());
        return one(200, svc.consultation(*id, *reveal, *q.principal, q.client_ip), dto::consultation_json);
      },
      session);
  r.add(
      "POST", "/api/care/consultations/{id}/schedule",
      [&svc](Request& q) {
        return consultation_step(q, [&](int64_t id, const boost::json::object& b) -> Result<Consultation> {
          auto at = http::require_int(b, "scheduled_at");
          if (!at.ok()) return at.error();
          return svc.schedule_consultation(id, *at, *q.principal);
        });
      },
      body);
  r.add(
      "POST", "/api/care/consultations/{id}/complete",
      [&svc](Request& q) {
        return consultation_step(q, [&](int64_t id, const boost::json::object& b) -> Result<Consultation> {
          auto notes = http::require_string(b, "notes", 16000);
          if (!notes.ok()) return notes.error();
          return svc.complete_consultation(id, *notes, *q.principal);
        });
      },
      body);
  r.add(
      "POST", "/api/care/consultations/{id}/cancel",
      [&svc](Request& q) {
        return consultation_step(q, [&](int64_t id, const boost::json::object& b) -> Result<Consultation> {
          auto reason = http::optional_string(b, "reason", 1000);
          if (!reason.ok()) return reason.error();
          return svc.cancel_consultation(id, reason->value_or(""), *q.principal);
        });
      },
      body);
  // Home services.
  r.add(
      "POST", "/api/care/home-services", [&svc](Request& q) { return request_home_service(svc, q); }, body);
  r.add(
      "GET", "/api/care/home-services",
      [&svc](Request& q) {
        auto person = http::query_opt_int(q, "person_id");
        if (!person.ok()) return fail(person.error());
        auto order = http::query_opt_int(q, "order_id");
        if (!order.ok()) return fail(order.error());
        return list(svc.home_services(*person, *order, *q.principal), dto::home_service_json);
      },
      session);
}

}  // namespace mashang::care
