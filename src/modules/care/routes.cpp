// HTTP binding of care: parse → service (which checks permissions) → response.
#include "modules/care/routes.hpp"

#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/json_write.hpp"
#include "http/params.hpp"
#include "modules/care/dto.hpp"

namespace mashang::care {
namespace {

using http::Request;
using http::Response;

Response fail(const Error& e) { return http::error_response(e); }

//! The alarm's body: JSON, or nothing at all (a button that posts no body).
Result<boost::json::object> alarm_body(const Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return boost::json::object{};
  std::string_view ct = req.header("content-type");
  if (ct.substr(0, ct.find(';')).find("application/json") == std::string_view::npos)
    return make_error(Errc::unsupported_media_type, "send the body as application/json");
  return http::parse_object(req);
}

Response raise(Service& svc, Request& req) {
  auto body = alarm_body(req);
  if (!body.ok()) return fail(body.error());
  auto drill = http::optional_bool(*body, "drill", false);
  if (!drill.ok()) return fail(drill.error());
  auto person = http::optional_int(*body, "person_id");
  if (!person.ok()) return fail(person.error());
  auto token = http::optional_string(*body, "device_token", 128);
  if (!token.ok()) return fail(token.error());
  Result<Alarm> a = make_error(Errc::unauthenticated, "sign in, or post the device's token as device_token");
  if (req.principal)
    a = svc.raise(*req.principal, *drill, *person);
  else if (*token)
    a = svc.raise_by_device(**token, *drill);
  if (!a.ok()) return fail(a.error());
  // Every press is recorded (201); `joined` tells whether it joined an alarm already open.
  Response res = http::json_text(201, dto::alarm_json(*a));
  res.set("Location", "/api/care/alarms/" + std::to_string(a->id));
  return res;
}

Response alarms(Service& svc, Request& req) {
  auto node = http::query_opt_int(req, "node_id");
  if (!node.ok()) return fail(node.error());
  auto before = http::query_int(req, "before", 0);
  if (!before.ok()) return fail(before.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return fail(limit.error());
  std::optional<bool> drill;
  if (auto d = req.query_param("drill")) {
    if (*d != "true" && *d != "false")
      return http::error_response(Errc::invalid_input, "drill must be true or false", "drill");
    drill = *d == "true";
  }
  auto list = svc.alarms(*node, req.query_param("state").value_or(""), drill, *before, *limit, *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(200, http::json::page(*list, *limit, dto::alarm_json));
}

Response alarm(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such alarm");
  auto reveal = http::query_flag(req, "reveal", false);
  if (!reveal.ok()) return fail(reveal.error());
  auto v = svc.alarm(*id, *reveal, *req.principal, req.client_ip);
  if (!v.ok()) return fail(v.error());
  return http::json_text(200, dto::view_json(*v));
}

template <class F>
Response act(Request& req, F f) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such alarm");
  auto a = f(*id);
  if (!a.ok()) return fail(a.error());
  return http::json_text(200, dto::alarm_json(*a));
}

Response close(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto outcome = http::require_string(*body, "outcome", 32);
  if (!outcome.ok()) return fail(outcome.error());
  auto note = http::optional_string(*body, "note", 2000);
  if (!note.ok()) return fail(note.error());
  return act(req, [&](int64_t id) { return svc.close(id, *outcome, note->value_or(""), *req.principal); });
}

Response assign(Service& svc, Request& req) {
  auto building = http::path_id(req, "building_id");
  if (!building) return http::error_response(Errc::not_found, "no such building", "building_id");
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto steward = http::require_int(*body, "steward_id");
  if (!steward.ok()) return fail(steward.error());
  auto backup = http::optional_int(*body, "backup_id");
  if (!backup.ok()) return fail(backup.error());
  auto a = svc.assign(*building, *steward, *backup, *req.principal);
  if (!a.ok()) return fail(a.error());
  return http::json_text(200, dto::assignment_json(*a));
}

Response assignments(Service& svc, Request& req) {
  auto node = http::query_opt_int(req, "node_id");
  if (!node.ok()) return fail(node.error());
  auto list = svc.assignments(*node, *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(200, http::json::items(*list, dto::assignment_json));
}

Response add_duty(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  int64_t v[4] = {};
  const char* fields[] = {"node_id", "account_id", "starts_at", "ends_at"};
  for (int i = 0; i < 4; ++i) {
    auto x = http::require_int(*body, fields[i]);
    if (!x.ok()) return fail(x.error());
    v[i] = *x;
  }
  auto d = svc.add_duty(v[0], v[1], v[2], v[3], *req.principal);
  if (!d.ok()) return fail(d.error());
  return http::json_text(201, dto::duty_json(*d));
}

Response duties(Service& svc, Request& req) {
  auto node = http::query_opt_int(req, "node_id");
  if (!node.ok()) return fail(node.error());
  if (!*node) return http::error_response(Errc::invalid_input, "node_id is required", "node_id");
  auto from = http::query_int(req, "from", 0);
  if (!from.ok()) return fail(from.error());
  auto to = http::query_int(req, "to", INT64_MAX);
  if (!to.ok()) return fail(to.error());
  auto list = svc.duties(**node, *from, *to, *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(200, http::json::items(*list, dto::duty_json));
}

Response remove_duty(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such duty");
  if (auto s = svc.remove_duty(*id, *req.principal); !s.ok()) return fail(s.error());
  return http::json_text(204, "");
}

Response put_profile(Service& svc, Request& req) {
  auto person = http::path_id(req, "person_id");
  if (!person) return http::error_response(Errc::not_found, "no such person", "person_id");
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  ProfileChange in;
  auto notes = http::optional_string(*body, "health_notes", 2000);
  if (!notes.ok()) return fail(notes.error());
  in.health_notes = notes->value_or("");
  auto days = http::optional_int(*body, "visit_every_days");
  if (!days.ok()) return fail(days.error());
  in.visit_every_days = days->value_or(7);
  if (auto it = body->find("contacts"); it != body->end() && !it->value().is_null()) {
    if (!it->value().is_array() || it->value().as_array().size() > kContactsMax)
      return http::error_response(Errc::invalid_input, "contacts must be a list of at most 5", "contacts");
    for (const auto& v : it->value().as_array()) {
      if (!v.is_object()) return http::error_response(Errc::invalid_input, "each contact is an object", "contacts");
      Contact c;
      for (auto [k, dest, max] : {std::tuple{"name", &c.name, 64}, std::tuple{"relation", &c.relation, 32},
                                  std::tuple{"phone", &c.phone, 32}}) {
        auto s = http::require_string(v.as_object(), k, static_cast<size_t>(max));
        if (!s.ok()) return http::error_response(Errc::invalid_input, "each contact has " + std::string(k), "contacts");
        *dest = *s;
      }
      in.contacts.push_back(std::move(c));
    }
  }
  auto p = svc.put_profile(*person, in, *req.principal, req.client_ip);
  if (!p.ok()) return fail(p.error());
  return http::json_text(200, dto::profile_json(*p));
}

Response profile(Service& svc, Request& req) {
  auto person = http::path_id(req, "person_id");
  if (!person) return http::error_response(Errc::not_found, "no such person", "person_id");
  auto reveal = http::query_flag(req, "reveal", false);
  if (!reveal.ok()) return fail(reveal.error());
  std::optional<std::string> reason;
  if (*reveal) reason = req.query_param("reason").value_or("");
  auto p = svc.profile(*person, reason, *req.principal, req.client_ip);
  if (!p.ok()) return fail(p.error());
  return http::json_text(200, dto::profile_json(*p));
}

Response add_device(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto person = http::require_int(*body, "person_id");
  if (!person.ok()) return fail(person.error());
  auto label = http::require_string(*body, "label", 64);
  if (!label.ok()) return fail(label.error());
  auto d = svc.add_device(*person, *label, *req.principal);
  if (!d.ok()) return fail(d.error());
  return http::json_text(201, dto::device_json(*d));
}

Response devices(Service& svc, Request& req) {
  auto person = http::query_opt_int(req, "person_id");
  if (!person.ok()) return fail(person.error());
  if (!*person) return http::error_response(Errc::invalid_input, "person_id is required", "person_id");
  auto list = svc.devices(**person, *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(200, http::json::items(*list, dto::device_json));
}

Response revoke_device(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such device");
  auto d = svc.revoke_device(*id, *req.principal);
  if (!d.ok()) return fail(d.error());
  return http::json_text(200, dto::device_json(*d));
}

Result<std::optional<bool>> optional_flag(const boost::json::object& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->value().is_null()) return std::optional<bool>{};
  if (!it->value().is_bool())
    return make_error(Errc::invalid_input, std::string(field) + " must be true or false", field);
  return std::optional<bool>(it->value().as_bool());
}

Response record_visit(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  NewVisit in;
  auto token = http::require_string(*body, "token", 256);
  if (!token.ok()) return fail(token.error());
  in.token = *token;
  auto person = http::optional_int(*body, "person_id");
  if (!person.ok()) return fail(person.error());
  in.person_id = *person;
  auto note = http::optional_string(*body, "note", 1000);
  if (!note.ok()) return fail(note.error());
  in.note = note->value_or("");
  for (auto [field, dest] :
       {std::pair{"systolic", &in.systolic}, std::pair{"diastolic", &in.diastolic}, std::pair{"pulse", &in.pulse}}) {
    auto v = http::optional_int(*body, field);
    if (!v.ok()) return fail(v.error());
    *dest = *v;
  }
  for (auto [field, dest] :
       {std::pair{"water_ok", &in.water_ok}, std::pair{"power_ok", &in.power_ok}, std::pair{"gas_ok", &in.gas_ok}}) {
    auto v = optional_flag(*body, field);
    if (!v.ok()) return fail(v.error());
    *dest = *v;
  }
  auto v = svc.record_visit(in, *req.principal);
  if (!v.ok()) return fail(v.error());
  return http::json_text(201, dto::visit_json(*v));
}

Response visits(Service& svc, Request& req) {
  auto person = http::query_opt_int(req, "person_id");
  if (!person.ok()) return fail(person.error());
  if (!*person) return http::error_response(Errc::invalid_input, "person_id is required", "person_id");
  auto before = http::query_int(req, "before", 0);
  if (!before.ok()) return fail(before.error());
  auto limit = http::query_int(req, "limit", 50);
  if (!limit.ok()) return fail(limit.error());
  auto list = svc.visits(**person, *before, *limit, *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(200, http::json::page(*list, *limit, dto::visit_json));
}

Response visits_due(Service& svc, Request& req) {
  auto node = http::query_opt_int(req, "node_id");
  if (!node.ok()) return fail(node.error());
  auto overdue = http::query_flag(req, "overdue", false);
  if (!overdue.ok()) return fail(overdue.error());
  auto list = svc.visits_due(*node, *overdue, *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(200, http::json::items(*list, dto::due_json));
}

Result<RoomChange> room_change(const boost::json::object& body) {
  RoomChange in;
  auto name = http::require_string(body, "name", 256);
  if (!name.ok()) return name.error();
  in.name = *name;
  for (auto [field, dest, fallback] :
       {std::tuple{"capacity", &in.capacity, int64_t{1}}, std::tuple{"slot_minutes", &in.slot_minutes, int64_t{60}},
        std::tuple{"opens", &in.opens, int64_t{480}}, std::tuple{"closes", &in.closes, int64_t{1260}}}) {
    auto v = http::optional_int(body, field);
    if (!v.ok()) return v.error();
    *dest = v->value_or(fallback);
  }
  auto days = http::optional_string(body, "days", 16);
  if (!days.ok()) return days.error();
  in.days = days->value_or("1234567");
  auto place = http::optional_int(body, "place_id");
  if (!place.ok()) return place.error();
  in.place_id = *place;
  auto active = optional_flag(body, "active");
  if (!active.ok()) return active.error();
  in.active = active->value_or(true);
  return in;
}

Response add_room(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto community = http::require_int(*body, "community_id");
  if (!community.ok()) return fail(community.error());
  auto in = room_change(*body);
  if (!in.ok()) return fail(in.error());
  auto r = svc.add_room(*community, *in, *req.principal);
  if (!r.ok()) return fail(r.error());
  return http::json_text(201, dto::room_json(*r));
}

Response change_room(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such room");
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto in = room_change(*body);
  if (!in.ok()) return fail(in.error());
  auto r = svc.change_room(*id, *in, *req.principal);
  if (!r.ok()) return fail(r.error());
  return http::json_text(200, dto::room_json(*r));
}

Response rooms(Service& svc, Request& req) {
  auto community = http::query_opt_int(req, "community_id");
  if (!community.ok()) return fail(community.error());
  auto list = svc.rooms(*community, *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(200, http::json::items(*list, dto::room_json));
}

Response slots(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such room");
  auto list = svc.slots(*id, req.query_param("date").value_or(""), *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(200, http::json::items(*list, dto::slot_json));
}

Response book(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto room = http::require_int(*body, "room_id");
  if (!room.ok()) return fail(room.error());
  auto starts = http::require_int(*body, "starts_at");
  if (!starts.ok()) return fail(starts.error());
  auto b = svc.book(*room, *starts, *req.principal);
  if (!b.ok()) return fail(b.error());
  return http::json_text(201, dto::booking_json(*b));
}

Response cancel_booking(Service& svc, Request& req) {
  auto id = http::path_id(req, "id");
  if (!id) return http::error_response(Errc::not_found, "no such booking");
  auto b = svc.cancel_booking(*id, *req.principal);
  if (!b.ok()) return fail(b.error());
  return http::json_text(200, dto::booking_json(*b));
}

Response check_in(Service& svc, Request& req) {
  auto body = http::parse_object(req);
  if (!body.ok()) return fail(body.error());
  auto token = http::require_string(*body, "token", 256);
  if (!token.ok()) return fail(token.error());
  auto b = svc.check_in(*token, *req.principal);
  if (!b.ok()) return fail(b.error());
  return http::json_text(200, dto::booking_json(*b));
}

Response bookings(Service& svc, Request& req) {
  auto room = http::query_opt_int(req, "room_id");
  if (!room.ok()) return fail(room.error());
  auto from = http::query_int(req, "from", 0);
  if (!from.ok()) return fail(from.error());
  auto to = http::query_int(req, "to", INT64_MAX);
  if (!to.ok()) return fail(to.error());
  auto list = svc.bookings(*room, *from, *to, *req.principal);
  if (!list.ok()) return fail(list.error());
  return http::json_text(200, http::json::items(*list, dto::booking_json));
}

}  // namespace

void register_routes(http::Router& r, Service& svc) {
  using http::Auth;
  r.add("POST", "/api/care/alarms", [&svc](Request& q) { return raise(svc, q); },
        {.auth = Auth::optional, .body_bytes_max = 4096});
  r.add("GET", "/api/care/alarms", [&svc](Request& q) { return alarms(svc, q); }, {.auth = Auth::session});
  r.add("GET", "/api/care/alarms/{id}", [&svc](Request& q) { return alarm(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/care/alarms/{id}/acknowledge",
        [&svc](Request& q) { return act(q, [&](int64_t id) { return svc.acknowledge(id, *q.principal); }); },
        {.auth = Auth::session});
  r.add("POST", "/api/care/alarms/{id}/arrive",
        [&svc](Request& q) { return act(q, [&](int64_t id) { return svc.arrive(id, *q.principal); }); },
        {.auth = Auth::session});
  r.add("POST", "/api/care/alarms/{id}/close", [&svc](Request& q) { return close(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 8192, .json_body = true});
  r.add("PUT", "/api/care/stewards/{building_id}", [&svc](Request& q) { return assign(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("GET", "/api/care/stewards", [&svc](Request& q) { return assignments(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/care/duty", [&svc](Request& q) { return add_duty(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("GET", "/api/care/duty", [&svc](Request& q) { return duties(svc, q); }, {.auth = Auth::session});
  r.add("DELETE", "/api/care/duty/{id}", [&svc](Request& q) { return remove_duty(svc, q); }, {.auth = Auth::session});
  r.add("PUT", "/api/care/elders/{person_id}", [&svc](Request& q) { return put_profile(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 16384, .json_body = true});
  r.add("GET", "/api/care/elders/{person_id}", [&svc](Request& q) { return profile(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/care/visits", [&svc](Request& q) { return record_visit(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 8192, .json_body = true});
  r.add("GET", "/api/care/visits", [&svc](Request& q) { return visits(svc, q); }, {.auth = Auth::session});
  r.add("GET", "/api/care/visits/due", [&svc](Request& q) { return visits_due(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/care/rooms", [&svc](Request& q) { return add_room(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("PUT", "/api/care/rooms/{id}", [&svc](Request& q) { return change_room(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("GET", "/api/care/rooms", [&svc](Request& q) { return rooms(svc, q); }, {.auth = Auth::session});
  r.add("GET", "/api/care/rooms/{id}/slots", [&svc](Request& q) { return slots(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/care/bookings", [&svc](Request& q) { return book(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("GET", "/api/care/bookings", [&svc](Request& q) { return bookings(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/care/bookings/check-in", [&svc](Request& q) { return check_in(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("POST", "/api/care/bookings/{id}/cancel", [&svc](Request& q) { return cancel_booking(svc, q); },
        {.auth = Auth::session});
  r.add("POST", "/api/care/devices", [&svc](Request& q) { return add_device(svc, q); },
        {.auth = Auth::session, .body_bytes_max = 4096, .json_body = true});
  r.add("GET", "/api/care/devices", [&svc](Request& q) { return devices(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/care/devices/{id}/revoke", [&svc](Request& q) { return revoke_device(svc, q); },
        {.auth = Auth::session});
  register_service_routes(r, svc);
}

}  // namespace mashang::care
