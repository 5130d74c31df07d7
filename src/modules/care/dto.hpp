#pragma once
// JSON shapes of care (docs/openapi.yaml: CareAlarm, CareAlarmView, CareAssignment, CareDuty,
// CareProfile, CareDevice, CareMenu, CareMeal, CareKitchen, CareConsultation, CareHomeService).
#include <string>

#include "core/text.hpp"
#include "http/json_write.hpp"
#include "modules/care/care.hpp"

namespace mashang::care::dto {

using namespace http::json;

inline std::string alarm_json(const Alarm& a) {
  std::string o = "{\"id\":" + std::to_string(a.id);
  num(o, "person_id", a.person_id);
  num(o, "household_id", a.household_id);
  num(o, "building_id", a.building_id);
  num(o, "community_id", a.community_id);
  str(o, "path", a.path);
  str(o, "source", a.source);
  opt(o, "device_id", a.device_id);
  flag(o, "drill", a.drill);
  str(o, "status", a.status);
  num(o, "level", a.level);
  num(o, "round", a.round);
  opt(o, "due_at", a.due_at);
  num(o, "presses", a.presses);
  opt(o, "acknowledged_by", a.acknowledged_by);
  opt(o, "acknowledged_at", a.acknowledged_at);
  opt(o, "arrived_at", a.arrived_at);
  opt_str(o, "outcome", a.outcome);
  str(o, "note", a.note);
  opt(o, "closed_by", a.closed_by);
  opt(o, "closed_at", a.closed_at);
  num(o, "created_at", a.created_at);
  flag(o, "joined", a.joined);
  return o + "}";
}

inline std::string profile_json(const Profile& p) {
  std::string o = "{\"person_id\":" + std::to_string(p.person_id);
  opt_str(o, "health_notes", p.health_notes);
  o += ",\"contacts\":[";
  for (size_t i = 0; i < p.contacts.size(); ++i) {
    if (i) o += ',';
    o += "{\"name\":";
    text::append_json_string(o, p.contacts[i].name);
    str(o, "relation", p.contacts[i].relation);
    str(o, "phone", p.contacts[i].phone);
    o += '}';
  }
  o += ']';
  num(o, "visit_every_days", p.visit_every_days);
  flag(o, "revealed", p.revealed);
  num(o, "updated_at", p.updated_at);
  return o + "}";
}

inline std::string view_json(const AlarmView& v) {
  std::string o = "{\"alarm\":" + alarm_json(v.alarm) + ",\"elder\":{\"name\":";
  text::append_json_string(o, v.name);
  str(o, "address", v.address);
  num(o, "floor", v.floor);
  opt_str(o, "phone", v.phone);
  o += "},\"profile\":" + (v.profile ? profile_json(*v.profile) : std::string("null")) + ",\"timeline\":[";
  for (size_t i = 0; i < v.timeline.size(); ++i) {
    const auto& s = v.timeline[i];
    if (i) o += ',';
    o += "{\"id\":" + std::to_string(s.id);
    num(o, "at", s.at);
    str(o, "kind", s.kind);
    num(o, "level", s.level);
    opt(o, "account_id", s.account_id);
    str(o, "account_name", s.account_name);
    str(o, "note", s.note);
    o += '}';
  }
  return o + "]}";
}

inline std::string assignment_json(const Assignment& a) {
  std::string o = "{\"building_id\":" + std::to_string(a.building_id);
  str(o, "path", a.path);
  num(o, "steward_id", a.steward_id);
  str(o, "steward_name", a.steward_name);
  opt(o, "backup_id", a.backup_id);
  opt_str(o, "backup_name", a.backup_id ? std::optional(a.backup_name) : std::nullopt);
  num(o, "updated_at", a.updated_at);
  return o + "}";
}

inline std::string duty_json(const Duty& d) {
  std::string o = "{\"id\":" + std::to_string(d.id);
  num(o, "node_id", d.node_id);
  str(o, "path", d.path);
  num(o, "account_id", d.account_id);
  str(o, "account_name", d.account_name);
  num(o, "starts_at", d.starts_at);
  num(o, "ends_at", d.ends_at);
  num(o, "created_at", d.created_at);
  return o + "}";
}

inline std::string visit_json(const Visit& v) {
  std::string o = "{\"id\":" + std::to_string(v.id);
  num(o, "person_id", v.person_id);
  num(o, "household_id", v.household_id);
  str(o, "path", v.path);
  num(o, "visited_by", v.visited_by);
  str(o, "visitor_name", v.visitor_name);
  str(o, "note", v.note);
  opt(o, "systolic", v.systolic);
  opt(o, "diastolic", v.diastolic);
  opt(o, "pulse", v.pulse);
  opt_flag(o, "water_ok", v.water_ok);
  opt_flag(o, "power_ok", v.power_ok);
  opt_flag(o, "gas_ok", v.gas_ok);
  o += ",\"flags\":[";
  for (size_t i = 0; i < v.flags.size(); ++i) {
    if (i) o += ',';
    text::append_json_string(o, v.flags[i]);
  }
  o += ']';
  num(o, "at", v.at);
  return o + "}";
}

inline std::string due_json(const VisitDue& d) {
  std::string o = "{\"person_id\":" + std::to_string(d.person_id);
  str(o, "name", d.name);
  str(o, "address", d.address);
  str(o, "path", d.path);
  num(o, "visit_every_days", d.visit_every_days);
  opt(o, "last_visit_at", d.last_visit_at);
  num(o, "due_at", d.due_at);
  flag(o, "overdue", d.overdue);
  return o + "}";
}

inline std::string room_json(const Room& r) {
  std::string o = "{\"id\":" + std::to_string(r.id);
  num(o, "community_id", r.community_id);
  str(o, "path", r.path);
  str(o, "name", r.name);
  opt(o, "place_id", r.place_id);
  num(o, "capacity", r.capacity);
  num(o, "slot_minutes", r.slot_minutes);
  num(o, "opens", r.opens);
  num(o, "closes", r.closes);
  str(o, "days", r.days);
  flag(o, "active", r.active);
  num(o, "created_at", r.created_at);
  num(o, "updated_at", r.updated_at);
  return o + "}";
}

inline std::string slot_json(const Slot& s) {
  std::string o = "{\"starts_at\":" + std::to_string(s.starts_at);
  num(o, "ends_at", s.ends_at);
  num(o, "capacity", s.capacity);
  num(o, "booked", s.booked);
  flag(o, "bookable", s.bookable);
  opt_str(o, "why_not", s.why_not.empty() ? std::nullopt : std::optional(s.why_not));
  return o + "}";
}

inline std::string booking_json(const Booking& b) {
  std::string o = "{\"id\":" + std::to_string(b.id);
  num(o, "room_id", b.room_id);
  str(o, "room_name", b.room_name);
  num(o, "person_id", b.person_id);
  num(o, "account_id", b.account_id);
  num(o, "starts_at", b.starts_at);
  num(o, "ends_at", b.ends_at);
  str(o, "status", b.status);
  num(o, "created_at", b.created_at);
  opt(o, "cancelled_at", b.cancelled_at);
  opt(o, "checked_in_at", b.checked_in_at);
  return o + "}";
}

inline std::string device_json(const Device& d) {
  std::string o = "{\"id\":" + std::to_string(d.id);
  num(o, "person_id", d.person_id);
  str(o, "label", d.label);
  opt_str(o, "token", d.token.empty() ? std::nullopt : std::optional(d.token));
  num(o, "created_at", d.created_at);
  opt(o, "revoked_at", d.revoked_at);
  return o + "}";
}

inline std::string menu_item_json(const MenuItem& i) {
  std::string o = "{\"id\":" + std::to_string(i.id);
  str(o, "name", i.name);
  num(o, "price_fen", i.price_fen);
  num(o, "portions", i.portions);
  num(o, "ordered", i.ordered);
  num(o, "left", i.portions - i.ordered);
  return o + "}";
}

inline std::string menu_json(const Menu& m) {
  std::string o = "{\"id\":" + std::to_string(m.id);
  num(o, "community_id", m.community_id);
  str(o, "path", m.path);
  str(o, "date", m.date);
  num(o, "cutoff_at", m.cutoff_at);
  flag(o, "pickup", m.pickup);
  flag(o, "delivery", m.delivery);
  str(o, "note", m.note);
  flag(o, "open", m.open);
  o += ",\"items\":[" + elements(m.items, menu_item_json) + "]";
  num(o, "created_at", m.created_at);
  num(o, "updated_at", m.updated_at);
  return o + "}";
}

inline std::string meal_line_json(const MealLine& l) {
  std::string o = "{\"item_id\":" + std::to_string(l.item_id);
  str(o, "name", l.name);
  num(o, "qty", l.qty);
  num(o, "price_fen", l.price_fen);
  return o + "}";
}

inline std::string meal_json(const Meal& m) {
  std::string o = "{\"id\":" + std::to_string(m.id);
  num(o, "menu_id", m.menu_id);
  str(o, "date", m.date);
  num(o, "person_id", m.person_id);
  str(o, "person_name", m.person_name);
  num(o, "placed_by", m.placed_by);
  str(o, "mode", m.mode);
  str(o, "note", m.note);
  str(o, "status", m.status);
  o += ",\"items\":[" + elements(m.items, meal_line_json) + "]";
  num(o, "total_fen", m.total_fen);
  opt_str(o, "address", m.address);
  opt(o, "floor", m.floor);
  num(o, "created_at", m.created_at);
  opt(o, "cancelled_at", m.cancelled_at);
  opt(o, "served_at", m.served_at);
  return o + "}";
}

inline std::string kitchen_line_json(const KitchenLine& l) {
  std::string o = "{\"item_id\":" + std::to_string(l.item_id);
  str(o, "name", l.name);
  num(o, "portions", l.portions);
  num(o, "total", l.total);
  num(o, "pickup", l.pickup);
  num(o, "delivery", l.delivery);
  return o + "}";
}

inline std::string kitchen_json(const Kitchen& k) {
  std::string o = "{\"menu_id\":" + std::to_string(k.menu_id);
  str(o, "date", k.date);
  o += ",\"items\":[" + elements(k.items, kitchen_line_json) + "]";
  num(o, "orders", k.orders);
  num(o, "pickup", k.pickup);
  num(o, "delivery", k.delivery);
  num(o, "served", k.served);
  return o + "}";
}

inline std::string consultation_json(const Consultation& c) {
  std::string o = "{\"id\":" + std::to_string(c.id);
  num(o, "person_id", c.person_id);
  str(o, "person_name", c.person_name);
  str(o, "path", c.path);
  str(o, "mode", c.mode);
  str(o, "status", c.status);
  opt_str(o, "topic", c.topic);
  opt_str(o, "notes", c.notes);
  flag(o, "revealed", c.revealed);
  num(o, "requested_by", c.requested_by);
  str(o, "requested_by_name", c.requested_by_name);
  opt(o, "preferred_at", c.preferred_at);
  opt(o, "doctor_id", c.doctor_id);
  opt_str(o, "doctor_name", c.doctor_name);
  opt(o, "scheduled_at", c.scheduled_at);
  str(o, "cancel_reason", c.cancel_reason);
  num(o, "created_at", c.created_at);
  num(o, "updated_at", c.updated_at);
  opt(o, "closed_at", c.closed_at);
  return o + "}";
}

inline std::string home_service_json(const HomeService& h) {
  std::string o = "{\"id\":" + std::to_string(h.id);
  num(o, "person_id", h.person_id);
  str(o, "person_name", h.person_name);
  str(o, "kind", h.kind);
  str(o, "description", h.description);
  num(o, "report_id", h.report_id);
  opt(o, "order_id", h.order_id);
  opt_str(o, "order_status", h.order_status);
  opt(o, "order_due_at", h.order_due_at);
  str(o, "address", h.address);
  num(o, "floor", h.floor);
  num(o, "requested_by", h.requested_by);
  num(o, "created_at", h.created_at);
  return o + "}";
}

}  // namespace mashang::care::dto
