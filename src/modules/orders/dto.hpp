#pragma once
// JSON shapes of categories, orders and their timelines, photos and reports (docs/openapi.yaml:
// Category, Order, OrderList, OrderDetail, Photo, PhotoUpload, Report, ReportList,
// ReportDetail, NearbyOrders).
#include <cstdio>
#include <string>

#include "core/text.hpp"
#include "modules/orders/orders.hpp"

namespace mashang::orders::dto {

inline void key(std::string& o, const char* k) {
  o += ",\"";
  o += k;
  o += "\":";
}
inline void str(std::string& o, const char* k, std::string_view v) {
  key(o, k);
  text::append_json_string(o, v);
}
inline void opt_int(std::string& o, const char* k, const std::optional<int64_t>& v) {
  key(o, k);
  o += v ? std::to_string(*v) : "null";
}
inline void degrees(std::string& o, double v) {  // WGS84 degrees: 7 decimals is ~1 cm
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7f", v);
  o += buf;
}
inline void opt_real(std::string& o, const char* k, const std::optional<double>& v) {
  key(o, k);
  if (!v) {
    o += "null";
    return;
  }
  degrees(o, *v);
}
inline void strings(std::string& o, const char* k, const std::vector<std::string>& v) {
  key(o, k);
  o += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) o += ',';
    text::append_json_string(o, v[i]);
  }
  o += ']';
}

inline void write_category(std::string& o, const Category& c) {
  o += "{\"code\":";
  text::append_json_string(o, c.code);
  str(o, "name_zh", c.name_zh);
  str(o, "name_en", c.name_en);
  str(o, "group", c.group);
  o += ",\"claim_minutes\":" + std::to_string(c.claim_minutes) +
       ",\"finish_minutes\":" + std::to_string(c.finish_minutes);
  strings(o, "claim_roles", c.claim_roles);
  strings(o, "departments", c.departments);
  o += std::string(",\"photos_required\":") + (c.photos_required ? "true" : "false") +
       ",\"triage\":" + (c.triage ? "true" : "false") + ",\"active\":" + (c.active ? "true" : "false");
  o += ",\"questions\":[";
  for (size_t i = 0; i < c.questions.size(); ++i) {
    const auto& q = c.questions[i];
    if (i) o += ',';
    o += "{\"code\":";
    text::append_json_string(o, q.code);
    str(o, "label_zh", q.label_zh);
    str(o, "label_en", q.label_en);
    str(o, "datatype", q.datatype);
    o += std::string(",\"required\":") + (q.required ? "true" : "false") + ",\"values\":[";
    for (size_t j = 0; j < q.values.size(); ++j) {
      if (j) o += ',';
      o += "{\"key\":";
      text::append_json_string(o, q.values[j].first);
      str(o, "name", q.values[j].second);
      o += '}';
    }
    o += "]}";
  }
  o += "]}";
}

inline std::string categories_json(const std::vector<Category>& cs) {
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < cs.size(); ++i) {
    if (i) o += ',';
    write_category(o, cs[i]);
  }
  return o + "]}";
}

inline void write_order(std::string& o, const Order& x) {
  o += "{\"id\":" + std::to_string(x.id);
  str(o, "category", x.category_code);
  str(o, "description", x.description);
  opt_real(o, "lat", x.lat);
  opt_real(o, "lon", x.lon);
  str(o, "origin_path", x.origin_path);
  str(o, "path", x.path);
  str(o, "level", x.level);
  str(o, "status", x.status);
  opt_int(o, "created_by", x.created_by);
  opt_int(o, "claimed_by", x.claimed_by);
  opt_int(o, "claimed_at", x.claimed_at);
  opt_int(o, "due_at", x.due_at);
  opt_int(o, "completed_at", x.completed_at);
  o += ",\"escalations\":" + std::to_string(x.escalations);
  str(o, "hold_reason", x.hold_reason);
  opt_int(o, "report_id", x.report_id);
  o += ",\"reopens\":" + std::to_string(x.reopens);
  opt_int(o, "rating", x.rating);
  str(o, "rating_comment", x.rating_comment);
  o += ",\"version\":" + std::to_string(x.version) + ",\"created_at\":" + std::to_string(x.created_at) +
       ",\"updated_at\":" + std::to_string(x.updated_at) + "}";
}

inline std::string order_json(const Order& x) {
  std::string o;
  write_order(o, x);
  return o;
}

inline std::string page_json(const OrderPage& p) {
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < p.items.size(); ++i) {
    if (i) o += ',';
    write_order(o, p.items[i]);
  }
  o += "],\"next_after\":";
  o += p.next_after ? std::to_string(*p.next_after) : "null";
  return o + "}";
}

inline void write_photo(std::string& o, const Photo& p, bool with_kind) {
  o += "{\"id\":";
  text::append_json_string(o, p.id);
  o += ",\"width\":" + std::to_string(p.width) + ",\"height\":" + std::to_string(p.height) +
       ",\"thumb_width\":" + std::to_string(p.thumb_width) + ",\"thumb_height\":" + std::to_string(p.thumb_height);
  str(o, "url", "/api/photos/" + p.id);
  str(o, "thumb_url", "/api/photos/" + p.id + "/thumb");
  if (with_kind) str(o, "kind", p.kind);
  o += '}';
}

inline void photos(std::string& o, const char* k, const std::vector<Photo>& ps, bool with_kind) {
  key(o, k);
  o += '[';
  for (size_t i = 0; i < ps.size(); ++i) {
    if (i) o += ',';
    write_photo(o, ps[i], with_kind);
  }
  o += ']';
}

inline std::string upload_json(const Upload& u) {
  std::string o;
  write_photo(o, u.photo, false);
  o.pop_back();  // the closing brace: gps follows
  if (!u.gps) return o + ",\"gps\":null}";
  o += ",\"gps\":{\"lat\":";
  degrees(o, u.gps->first);
  o += ",\"lon\":";
  degrees(o, u.gps->second);
  return o + "}}";
}

//! An order with its timeline and photos; `details` of a step is already JSON (written by the
//! service).
inline std::string detail_json(const Order& x, const std::vector<Step>& steps, const std::vector<Photo>& ps) {
  std::string o = "{\"order\":";
  write_order(o, x);
  o += ",\"steps\":[";
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    if (i) o += ',';
    o += "{\"id\":" + std::to_string(s.id) + ",\"at\":" + std::to_string(s.at);
    opt_int(o, "account_id", s.account_id);
    str(o, "step", s.step);
    str(o, "note", s.note);
    o += ",\"details\":" + (s.details_json.empty() ? std::string("{}") : s.details_json) + "}";
  }
  o += ']';
  photos(o, "photos", ps, true);
  return o + "}";
}

inline void write_report(std::string& o, const Report& r) {
  o += "{\"id\":" + std::to_string(r.id);
  str(o, "category", r.category_code);
  str(o, "description", r.description);
  opt_real(o, "lat", r.lat);
  opt_real(o, "lon", r.lon);
  str(o, "path", r.path);
  str(o, "status", r.status);
  opt_int(o, "order_id", r.order_id);
  key(o, "order_status");
  if (r.order_status)
    text::append_json_string(o, *r.order_status);
  else
    o += "null";
  photos(o, "photos", r.photos, false);
  o += ",\"answers\":{";
  for (size_t i = 0; i < r.answers.size(); ++i) {
    const auto& a = r.answers[i];
    if (i) o += ',';
    text::append_json_string(o, a.code);
    o += ':';
    if (!a.list) {
      text::append_json_string(o, a.values.empty() ? std::string() : a.values.front());
      continue;
    }
    o += '[';
    for (size_t j = 0; j < a.values.size(); ++j) {
      if (j) o += ',';
      text::append_json_string(o, a.values[j]);
    }
    o += ']';
  }
  o += std::string("},\"anonymous\":") + (r.reporter ? "false" : "true");
  key(o, "phone_masked");
  if (r.phone_masked)
    text::append_json_string(o, *r.phone_masked);
  else
    o += "null";
  str(o, "reject_reason", r.reject_reason);
  o += ",\"created_at\":" + std::to_string(r.created_at) + ",\"updated_at\":" + std::to_string(r.updated_at) + "}";
}

inline std::string report_json(const Report& r) {
  std::string o;
  write_report(o, r);
  return o;
}

inline std::string report_page_json(const ReportPage& p) {
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < p.items.size(); ++i) {
    if (i) o += ',';
    write_report(o, p.items[i]);
  }
  o += "],\"next_after\":";
  o += p.next_after ? std::to_string(*p.next_after) : "null";
  return o + "}";
}

//! A report, its order's timeline without who did each step (reporters see what, not who),
//! and the evidence photos of the work.
inline std::string report_detail_json(const Report& r, const std::vector<Step>& steps,
                                      const std::vector<Photo>& evidence) {
  std::string o = "{\"report\":";
  write_report(o, r);
  o += ",\"timeline\":[";
  for (size_t i = 0; i < steps.size(); ++i) {
    if (i) o += ',';
    o += "{\"at\":" + std::to_string(steps[i].at);
    str(o, "step", steps[i].step);
    str(o, "note", steps[i].note);
    o += ",\"details\":" + (steps[i].details_json.empty() ? std::string("{}") : steps[i].details_json) + "}";
  }
  o += ']';
  photos(o, "evidence", evidence, false);
  return o + "}";
}

inline std::string nearby_json(const std::vector<Nearby>& items) {
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& n = items[i];
    if (i) o += ',';
    o += "{\"order_id\":" + std::to_string(n.order_id);
    str(o, "category", n.category_code);
    str(o, "status", n.status);
    o += ",\"distance_m\":" + std::to_string(n.distance_m) + ",\"created_at\":" + std::to_string(n.created_at) + "}";
  }
  return o + "]}";
}

}  // namespace mashang::orders::dto
