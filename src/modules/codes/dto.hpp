#pragma once
// JSON shapes of codes, resolutions, check-ins, places and print jobs (docs/openapi.yaml).
#include <cmath>
#include <string>

#include "core/text.hpp"
#include "modules/codes/codes.hpp"

namespace mashang::codes::dto {

inline void str(std::string& o, const char* key, std::string_view v, bool comma = true) {
  if (comma) o += ',';
  o += '"';
  o += key;
  o += "\":";
  text::append_json_string(o, v);
}
inline void num(std::string& o, const char* key, int64_t v) {
  o += ",\"";
  o += key;
  o += "\":" + std::to_string(v);
}
inline void opt_num(std::string& o, const char* key, const std::optional<int64_t>& v) {
  o += ",\"";
  o += key;
  o += "\":" + (v ? std::to_string(*v) : std::string("null"));
}
inline void opt_real(std::string& o, const char* key, const std::optional<double>& v) {
  o += ",\"";
  o += key;
  o += "\":";
  if (v && std::isfinite(*v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.7g", *v);
    o += buf;
  } else {
    o += "null";
  }
}

template <class T, class F>
std::string page(const std::vector<T>& items, const std::optional<int64_t>& next_after, F write) {
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) o += ',';
    write(o, items[i]);
  }
  o += "],\"next_after\":";
  o += next_after ? std::to_string(*next_after) : "null";
  return o + "}";
}

inline void write_code(std::string& o, const Code& c, const Service& svc) {
  o += '{';
  str(o, "token", c.token, false);
  str(o, "url", svc.url_of(c.token));
  str(o, "kind", c.kind);
  num(o, "target_id", c.target_id);
  str(o, "number", c.number);
  str(o, "label", c.label);
  str(o, "path", c.path);
  str(o, "status", c.status);
  num(o, "created_at", c.created_at);
  opt_num(o, "retired_at", c.retired_at);
  o += '}';
}

inline std::string code_json(const Code& c, const Service& svc) {
  std::string o;
  write_code(o, c, svc);
  return o;
}

inline void write_place(std::string& o, const Place& p) {
  o += "{\"id\":" + std::to_string(p.id);
  num(o, "node_id", p.node_id);
  str(o, "kind", p.kind);
  str(o, "name", p.name);
  str(o, "operator", p.operator_name);
  str(o, "path", p.path);
  num(o, "created_at", p.created_at);
  num(o, "updated_at", p.updated_at);
  o += '}';
}

inline void node_ref(std::string& o, const char* key, const std::optional<NodeRef>& n) {
  o += ",\"";
  o += key;
  o += "\":";
  if (!n) {
    o += "null";
    return;
  }
  o += "{\"id\":" + std::to_string(n->id);
  str(o, "name", n->name);
  o += '}';
}

inline std::string action_href(std::string_view action, const Resolution& r) {
  if (action == "report_problem") return "/m/report?code=" + r.code.token;
  if (action == "check_in" || action == "record_visit") return "/api/codes/" + r.code.token + "/checkins";
  if (action == "open_household")
    return r.view == "member" ? "/m/my-household" : "/m/households/" + std::to_string(r.code.target_id);
  if (action == "my_household") return "/m/my-household";
  return "";
}

inline std::string resolution_json(const Resolution& r) {
  std::string o = "{";
  str(o, "token", r.code.token, false);
  str(o, "kind", r.code.kind);
  str(o, "number", r.code.number);
  str(o, "view", r.view);
  node_ref(o, "community", r.community);
  node_ref(o, "grid", r.grid);
  str(o, "label", r.label);
  if (r.household) {
    o += ",\"household\":{\"id\":" + std::to_string(r.household->id);
    str(o, "address", r.household->address);
    if (r.household->persons) {
      o += ",\"persons\":[";
      bool first = true;
      for (const auto& p : *r.household->persons) {
        if (!first) o += ',';
        first = false;
        o += "{\"id\":" + std::to_string(p.id);
        str(o, "name", p.name);
        str(o, "gender", p.gender);
        str(o, "relation", p.relation);
        o += ",\"tags\":[";
        for (size_t i = 0; i < p.tags.size(); ++i) {
          if (i) o += ',';
          text::append_json_string(o, p.tags[i]);
        }
        o += "],\"id_masked\":";
        if (p.id_masked)
          text::append_json_string(o, *p.id_masked);
        else
          o += "null";
        o += ",\"phone_masked\":";
        if (p.phone_masked)
          text::append_json_string(o, *p.phone_masked);
        else
          o += "null";
        o += '}';
      }
      o += ']';
    }
    o += '}';
  }
  if (r.node) {
    o += ",\"node\":{\"id\":" + std::to_string(r.node->id);
    str(o, "kind", r.node->kind);
    str(o, "name", r.node->name);
    num(o, "households", r.node->households);
    o += '}';
  }
  if (r.place && r.view == "public") {  // who runs it, not where it sits in the tree
    o += ",\"place\":{\"id\":" + std::to_string(r.place->id);
    str(o, "kind", r.place->kind);
    str(o, "name", r.place->name);
    str(o, "operator", r.place->operator_name);
    o += '}';
  } else if (r.place) {
    o += ",\"place\":";
    write_place(o, *r.place);
  }
  o += ",\"actions\":[";
  for (size_t i = 0; i < r.actions.size(); ++i) {
    if (i) o += ',';
    o += '{';
    str(o, "name", r.actions[i], false);
    str(o, "href", action_href(r.actions[i], r));
    o += '}';
  }
  return o + "]}";
}

inline void write_checkin(std::string& o, const Checkin& c) {
  o += "{\"id\":" + std::to_string(c.id);
  str(o, "number", c.number);
  str(o, "kind", c.kind);
  num(o, "account_id", c.account_id);
  str(o, "purpose", c.purpose);
  opt_real(o, "lat", c.lat);
  opt_real(o, "lon", c.lon);
  opt_real(o, "accuracy_m", c.accuracy_m);
  num(o, "at", c.at);
  o += '}';
}

inline std::string checkin_result_json(const Checkin& c, bool duplicate) {
  std::string o = "{\"checkin\":";
  write_checkin(o, c);
  return o + ",\"duplicate\":" + (duplicate ? "true" : "false") + "}";
}

inline std::string stats_json(const Stats& s, const Service& svc) {
  std::string o = "{\"node_id\":" + (s.node_id ? std::to_string(*s.node_id) : std::string("null"));
  num(o, "days", s.days);
  o += ",\"by_day\":[";
  for (size_t i = 0; i < s.by_day.size(); ++i) {
    const auto& d = s.by_day[i];
    if (i) o += ',';
    o += '{';
    str(o, "day", d.day, false);
    num(o, "public", d.public_scans);
    num(o, "member", d.member_scans);
    num(o, "staff", d.staff_scans);
    o += '}';
  }
  o += "],\"by_kind\":[";
  for (size_t i = 0; i < s.by_kind.size(); ++i) {
    if (i) o += ',';
    o += '{';
    str(o, "kind", s.by_kind[i].first, false);
    num(o, "scans", s.by_kind[i].second);
    o += '}';
  }
  o += "],\"top\":[";
  for (size_t i = 0; i < s.top.size(); ++i) {
    const auto& t = s.top[i];
    if (i) o += ',';
    o += '{';
    str(o, "token", t.code.token, false);
    str(o, "number", t.code.number);
    str(o, "kind", t.code.kind);
    str(o, "label", t.code.label);
    num(o, "scans", t.scans);
    o += '}';
  }
  (void)svc;
  return o + "]}";
}

inline void write_job(std::string& o, const PrintJob& j) {
  o += "{\"id\":" + std::to_string(j.id);
  num(o, "node_id", j.node_id);
  str(o, "layout", j.layout);
  str(o, "status", j.status);
  num(o, "done", j.done);
  num(o, "total", j.total);
  num(o, "pages", j.pages);
  str(o, "error", j.error);
  num(o, "created_at", j.created_at);
  num(o, "updated_at", j.updated_at);
  o += '}';
}

inline std::string job_json(const PrintJob& j) {
  std::string o;
  write_job(o, j);
  return o;
}

}  // namespace mashang::codes::dto
