// Open311 GeoReport v2 at /open311/v2/ (docs/reference/open311.md), in JSON and XML: discovery,
// services and their definitions from the category catalogue, service requests (our reports),
// tokens, and the servicerequestupdates extension. Errors are the spec's lists of
// {code, description}; 400 for bad input, 403 for a bad api_key, 404 for what does not exist.
#include "modules/open311/routes.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cmath>
#include <map>

#include "core/text.hpp"
#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/params.hpp"

namespace mashang::open311 {
namespace {

using http::Request;
using http::Response;

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr int64_t kWindowMs = 90 * kDayMs;  // the spec's default and widest window
constexpr const char* kJurisdiction = "mashang";

enum class Format { json, xml };

//! "requests.json" → ("requests", json); nullopt for another suffix.
std::optional<std::pair<std::string, Format>> split_format(std::string_view file) {
  for (auto [suffix, f] : {std::pair{".json", Format::json}, std::pair{".xml", Format::xml}}) {
    std::string_view s(suffix);
    if (file.size() > s.size() && file.ends_with(s))
      return std::pair{std::string(file.substr(0, file.size() - s.size())), f};
  }
  return std::nullopt;
}

Response respond(int status, Format f, const Node& n) {
  Response res;
  res.status = status;
  if (f == Format::json) {
    res.content_type = "application/json; charset=utf-8";
    res.body = n.json();
  } else {
    res.content_type = "text/xml; charset=utf-8";
    res.body = n.xml();
  }
  res.set("Access-Control-Allow-Origin", "*");
  return res;
}

//! The spec's error list (one error): `[{"code":400,"description":"…"}]` or `<errors>…`.
Response fail(int status, Format f, const std::string& description) {
  Response res = respond(
      status, f,
      Node::list("errors",
                 {Node::object("error", {Node::integer("code", status), Node::text("description", description)})}));
  res.error_code = status == 403 ? "forbidden" : status == 404 ? "not_found" : "invalid_input";
  return res;
}

Response fail(Format f, const Error& e) {
  int status = e.code == Errc::not_found ? 404 : e.code == Errc::forbidden ? 403 : 400;
  if (e.code == Errc::unavailable || e.code == Errc::internal) status = 503;
  std::string d = e.field.empty() ? e.message : e.field + ": " + e.message;
  return fail(status, f, d);
}

//! Form fields (a POST body or a query string), in order; repeated keys kept.
std::vector<std::pair<std::string, std::string>> fields_of(std::string_view encoded) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string full = "/?" + std::string(encoded);
  auto u = boost::urls::parse_origin_form(full);
  if (!u) return out;
  for (auto p : u->params()) out.emplace_back(std::string(p.key), std::string(p.value));
  return out;
}

//! The value of a field, treating an empty one as absent (the spec says so).
std::optional<std::string> field(const std::vector<std::pair<std::string, std::string>>& fs, std::string_view name) {
  for (const auto& [k, v] : fs)
    if (k == name) return v.empty() ? std::nullopt : std::optional(v);
  return std::nullopt;
}

std::vector<std::string> comma_list(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    std::string item = s.substr(i, j - i);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    i = j + 1;
  }
  return out;
}

//! A decimal number as the spec's examples write it ("-12.5"), nothing else (no hex, no
//! exponent, no spaces).
std::optional<double> decimal(const std::string& s) {
  size_t i = s[0] == '-' || s[0] == '+' ? 1 : 0, digits = 0, dots = 0;
  for (size_t j = i; j < s.size(); ++j) {
    if (s[j] == '.')
      ++dots;
    else if (s[j] >= '0' && s[j] <= '9')
      ++digits;
    else
      return std::nullopt;
  }
  if (!digits || dots > 1 || s.size() > 32) return std::nullopt;
  return std::strtod(s.c_str(), nullptr);
}

//! A positive id of digits only.
std::optional<int64_t> id_of(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  int64_t v = std::stoll(s);
  return v > 0 ? std::optional(v) : std::nullopt;
}

//! Every field is UTF-8 (the spec says so; an answer must never echo invalid bytes).
bool utf8_form(const std::vector<std::pair<std::string, std::string>>& fs) {
  return std::all_of(fs.begin(), fs.end(),
                     [](const auto& kv) { return text::valid_utf8(kv.first) && text::valid_utf8(kv.second); });
}

struct Context {
  orders::Service& orders;
  territory::Service& territory;
  Clients& clients;
  std::string base_url;
};

Node service_node(const orders::Category& c) {
  return Node::object("service",
                      {Node::text("service_code", c.code), Node::text("service_name", c.name_zh),
                       Node::text("description", c.name_en), Node::boolean("metadata", !c.questions.empty()),
                       Node::text("type", "realtime"), Node::text("keywords", c.group), Node::text("group", c.group)});
}

Node definition_node(const orders::Category& c) {
  std::vector<Node> attrs;
  int64_t order = 0;
  for (const auto& q : c.questions) {
    std::vector<Node> values;
    for (const auto& [key, name] : q.values)
      values.push_back(Node::object("value", {Node::text("key", key), Node::text("name", name)}));
    attrs.push_back(Node::object(
        "attribute",
        {Node::boolean("variable", true), Node::text("code", q.code), Node::text("datatype", q.datatype),
         Node::boolean("required", q.required), Node::null("datatype_description"), Node::integer("order", ++order),
         Node::text("description", q.label_zh + " / " + q.label_en), Node::list("values", std::move(values))}));
  }
  return Node::object("service_definition",
                      {Node::text("service_code", c.code), Node::list("attributes", std::move(attrs))});
}

bool closed(const orders::Report& r) {
  return r.status == "rejected" || r.order_status == "completed" || r.order_status == "verified" ||
         r.order_status == "closed";
}

//! One service request. The description only for a client presenting its key: descriptions
//! are residents' words and may name people, so the public list shows what and where, not that.
Node request_node(const orders::Report& r, const std::map<std::string, std::string>& names,
                  const std::map<std::string, orders::Category>& cats, bool with_description) {
  auto name = names.find(r.path);
  auto cat = cats.find(r.category_code);
  int64_t updated = std::max(r.updated_at, r.order_updated_at.value_or(0));
  bool is_closed = closed(r);
  std::optional<std::string> notes;
  if (r.status == "rejected")
    notes = r.reject_reason;
  else if (r.status == "triage")
    notes = "等待分拨 (waiting for triage)";
  std::optional<std::string> expected;
  if (!is_closed && r.order_due_at) expected = w3c_datetime(*r.order_due_at);
  std::vector<Node> kids;  // pushed, not an initializer list: that would copy every node
  kids.reserve(17);
  kids.push_back(Node::text("service_request_id", std::to_string(r.id)));
  kids.push_back(Node::text("status", is_closed ? "closed" : "open"));
  kids.push_back(Node::opt_text("status_notes", notes));
  kids.push_back(cat == cats.end() ? Node::null("service_name") : Node::text("service_name", cat->second.name_zh));
  kids.push_back(Node::text("service_code", r.category_code));
  kids.push_back(with_description ? Node::text("description", r.description) : Node::null("description"));
  const std::string* place = name == names.end() ? nullptr : &name->second;
  kids.push_back(place ? Node::text("agency_responsible", *place) : Node::null("agency_responsible"));
  kids.push_back(Node::null("service_notice"));
  kids.push_back(Node::text("requested_datetime", w3c_datetime(r.created_at)));
  kids.push_back(Node::text("updated_datetime", w3c_datetime(updated)));
  kids.push_back(Node::opt_text("expected_datetime", expected));
  kids.push_back(place ? Node::text("address", *place) : Node::null("address"));
  kids.push_back(Node::text("address_id", r.path));
  kids.push_back(Node::null("zipcode"));
  kids.push_back(r.lat ? Node::number("lat", *r.lat) : Node::null("lat"));
  kids.push_back(r.lon ? Node::number("long", *r.lon) : Node::null("long"));
  kids.push_back(Node::null("media_url"));
  return Node::object("request", std::move(kids));
}

//! The names of the places of `reports` (the grid, or the district), looked up once each.
std::map<std::string, std::string> place_names(territory::Service& t, const std::vector<orders::Report>& reports) {
  std::map<std::string, std::string> out;
  for (const auto& r : reports) {
    if (out.count(r.path)) continue;
    auto n = t.find_path(r.path);
    out[r.path] = n ? n->name : "";
  }
  return out;
}

std::map<std::string, orders::Category> categories_by_code(orders::Service& svc) {
  std::map<std::string, orders::Category> out;
  for (auto& c : svc.categories(true)) out.emplace(c.code, std::move(c));
  return out;
}

Response requests_of(Context& ctx, Format f, const std::vector<orders::Report>& reports, bool with_description) {
  auto names = place_names(ctx.territory, reports);
  auto cats = categories_by_code(ctx.orders);
  std::vector<Node> items;
  items.reserve(reports.size());
  for (const auto& r : reports) items.push_back(request_node(r, names, cats, with_description));
  return respond(200, f, Node::list("service_requests", std::move(items)));
}

//! The client behind `api_key` when the request carries a valid one.
std::optional<Client> client_of(Context& ctx, const std::vector<std::pair<std::string, std::string>>& fs) {
  auto key = field(fs, "api_key");
  return key ? ctx.clients.by_key(*key) : std::nullopt;
}

bool wrong_jurisdiction(const std::vector<std::pair<std::string, std::string>>& fs) {
  auto j = field(fs, "jurisdiction_id");
  return j && *j != kJurisdiction;
}

Response discovery(Context& ctx, Format f, Request& req) {
  if (wrong_jurisdiction(fields_of(req.query))) return fail(404, f, "jurisdiction_id not found");
  std::vector<Node> formats = {Node::text("format", "text/xml"), Node::text("format", "application/json")};
  Node endpoint = Node::object("endpoint", {Node::text("specification", "http://wiki.open311.org/GeoReport_v2"),
                                            Node::text("url", ctx.base_url + "/open311/v2"),
                                            Node::text("changeset", "2026-11-29T00:00:00+08:00"),
                                            Node::text("type", "production"), Node::list("formats", formats)});
  return respond(200, f,
                 Node::object("discovery", {Node::text("changeset", "2026-11-29T00:00:00+08:00"),
                                            Node::text("contact", "district control room / 区网格化管理中心"),
                                            Node::text("key_service", ctx.base_url + "/console/open311"),
                                            Node::list("endpoints", {endpoint})}));
}

Response services(Context& ctx, Format f, Request& req) {
  if (wrong_jurisdiction(fields_of(req.query))) return fail(404, f, "jurisdiction_id not found");
  std::vector<Node> items;
  for (const auto& c : ctx.orders.categories())
    if (!orders::is_private_category(c.code)) items.push_back(service_node(c));
  return respond(200, f, Node::list("services", std::move(items)));
}

Response definition(Context& ctx, Request& req) {
  auto file = split_format(req.params["file"]);
  if (!file) return fail(404, Format::json, "unknown format: use .json or .xml");
  auto [code, f] = *file;
  if (wrong_jurisdiction(fields_of(req.query))) return fail(404, f, "jurisdiction_id not found");
  if (!text::valid_utf8(code)) return fail(404, f, "service_code not found");
  auto c = ctx.orders.category(code);
  if (!c || !c->active || orders::is_private_category(code)) return fail(404, f, "service_code " + code + " not found");
  if (c->questions.empty()) return fail(404, f, "service_code " + code + " has no definition (metadata is false)");
  return respond(200, f, definition_node(*c));
}

//! `attribute[code]=v` and `attribute[code][]=v` fields as answers.
std::vector<orders::Answer> answers_of(const std::vector<std::pair<std::string, std::string>>& fs) {
  std::vector<orders::Answer> out;
  for (const auto& [k, v] : fs) {
    if (!k.starts_with("attribute[") || v.empty()) continue;
    size_t close = k.find(']');
    if (close == std::string::npos) continue;
    std::string code = k.substr(10, close - 10);
    bool list = k.substr(close + 1) == "[]";
    auto it = std::find_if(out.begin(), out.end(), [&](const orders::Answer& a) { return a.code == code; });
    if (it == out.end()) {
      out.push_back({code, {v}, list});
    } else {
      it->values.push_back(v);
      it->list = true;
    }
  }
  return out;
}

Response post_request(Context& ctx, Format f, Request& req) {
  auto fs = fields_of(req.body);
  if (!utf8_form(fs)) return fail(400, f, "the form must be UTF-8");
  if (wrong_jurisdiction(fs)) return fail(404, f, "jurisdiction_id not found");
  auto client = client_of(ctx, fs);
  if (!client) return fail(403, f, "api_key is missing or not valid");
  auto code = field(fs, "service_code");
  if (!code) return fail(400, f, "service_code is required");
  auto cat = ctx.orders.category(*code);
  if (!cat || !cat->active || orders::is_private_category(*code))
    return fail(400, f, "service_code " + *code + " not found");
  orders::NewReport in;
  in.category_code = *code;
  in.source = "open311:" + std::to_string(client->id);
  auto lat = field(fs, "lat"), lon = field(fs, "long");
  if (!lat || !lon) {
    bool address = field(fs, "address_string") || field(fs, "address_id");
    return fail(400, f,
                address ? "lat and long are required: addresses are not geocoded here"
                        : "a location is required: lat and long");
  }
  auto la = decimal(*lat), lo = decimal(*lon);
  if (!la || !lo) return fail(400, f, "lat and long must be decimal numbers (WGS84 degrees)");
  in.lat = *la;
  in.lon = *lo;
  in.description = field(fs, "description").value_or(cat->name_zh);
  in.phone = field(fs, "phone");
  in.answers = answers_of(fs);
  auto rep = ctx.orders.report(in, nullptr);
  if (!rep.ok()) return fail(f, rep.error());
  Node made = Node::object(
      "request", {Node::text("service_request_id", std::to_string(rep->id)), Node::text("token", rep->token),
                  Node::opt_text("service_notice", rep->status == "triage"
                                                       ? std::optional<std::string>("等待分拨 (waiting for triage)")
                                                       : std::nullopt),
                  Node::null("account_id")});
  Response res = respond(201, f, Node::list("service_requests", {made}));
  return res;
}

Response get_requests(Context& ctx, Format f, Request& req) {
  auto fs = fields_of(req.query);
  if (!utf8_form(fs)) return fail(400, f, "the query must be UTF-8");
  if (wrong_jurisdiction(fs)) return fail(404, f, "jurisdiction_id not found");
  bool keyed = client_of(ctx, fs).has_value();
  orders::RequestQuery q;
  if (auto ids = field(fs, "service_request_id")) {
    for (const auto& s : comma_list(*ids)) {
      auto v = id_of(s);
      if (!v) return fail(400, f, "service_request_id must be a comma-separated list of ids");
      q.ids.push_back(*v);
    }
    if (q.ids.size() > 1000) return fail(400, f, "at most 1000 service_request_id values");
    return requests_of(ctx, f, ctx.orders.service_requests(q), keyed);
  }
  if (auto codes = field(fs, "service_code")) q.category_codes = comma_list(*codes);
  int64_t now = ctx.orders.now_ms();
  std::optional<int64_t> start, end;
  for (auto [name, dest] : {std::pair{"start_date", &start}, std::pair{"end_date", &end}}) {
    if (auto v = field(fs, name)) {
      *dest = parse_w3c(*v);
      if (!*dest)
        return fail(400, f, std::string(name) + " must be a W3C datetime with a zone, e.g. 2026-07-01T20:15:00+08:00");
    }
  }
  q.end = end.value_or(start ? std::min(now, *start + kWindowMs) : now);
  q.start = start.value_or(q.end - kWindowMs);
  if (q.start > q.end) return fail(400, f, "start_date is after end_date");
  if (q.end - q.start > kWindowMs) return fail(400, f, "start_date and end_date are at most 90 days apart");
  if (auto s = field(fs, "status")) {
    auto wanted = comma_list(*s);
    bool open = false, is_closed = false;
    for (const auto& w : wanted) {
      if (w == "open")
        open = true;
      else if (w == "closed")
        is_closed = true;
      else
        return fail(400, f, "status must be open, closed or both");
    }
    if (open != is_closed) q.status = open ? "open" : "closed";
  }
  int64_t page = 1, page_size = 1000;
  for (auto [name, dest] : {std::pair{"page", &page}, std::pair{"page_size", &page_size}}) {
    if (auto v = field(fs, name)) {
      auto n = id_of(*v);
      if (!n) return fail(400, f, std::string(name) + " must be a positive integer");
      *dest = *n;
    }
  }
  if (page_size > 1000) return fail(400, f, "page_size is at most 1000");
  if (page > 1'000'000) return fail(400, f, "page is too large");
  q.limit = page_size;
  q.offset = (page - 1) * page_size;
  return requests_of(ctx, f, ctx.orders.service_requests(q), keyed);
}

Response one_request(Context& ctx, Request& req) {
  auto file = split_format(req.params["file"]);
  if (!file) return fail(404, Format::json, "unknown format: use .json or .xml");
  auto [id_text, f] = *file;
  auto fs = fields_of(req.query);
  if (wrong_jurisdiction(fs)) return fail(404, f, "jurisdiction_id not found");
  auto id = id_of(id_text);
  if (!id) return fail(404, f, "service_request_id not found");
  orders::RequestQuery q;
  q.ids = {*id};
  auto found = ctx.orders.service_requests(q);
  if (found.empty()) return fail(404, f, "service_request_id " + id_text + " not found");
  return requests_of(ctx, f, found, client_of(ctx, fs).has_value());
}

Response token(Context& ctx, Request& req) {
  auto file = split_format(req.params["file"]);
  if (!file) return fail(404, Format::json, "unknown format: use .json or .xml");
  auto [tok, f] = *file;
  if (wrong_jurisdiction(fields_of(req.query))) return fail(404, f, "jurisdiction_id not found");
  auto r = tok.size() == 16 ? ctx.orders.report_by_token(tok) : std::nullopt;
  if (!r) return fail(404, f, "token not found");
  return respond(
      200, f,
      Node::list("service_requests", {Node::object("request", {Node::text("service_request_id", std::to_string(r->id)),
                                                               Node::text("token", r->token)})}));
}

//! The FixMyStreet-style status of a report after one step of its order.
const char* update_status(const std::string& step) {
  if (step == "claimed" || step == "resumed" || step == "sent_back") return "IN_PROGRESS";
  if (step == "held") return "ACTION_SCHEDULED";
  if (step == "escalated") return "INVESTIGATING";
  if (step == "completed" || step == "verified") return "FIXED";
  if (step == "rated") return "CLOSED";
  return "OPEN";  // created, returned, transferred, joined, reopened, commented
}

Response get_updates(Context& ctx, Format f, Request& req) {
  auto fs = fields_of(req.query);
  if (!utf8_form(fs)) return fail(400, f, "the query must be UTF-8");
  if (wrong_jurisdiction(fs)) return fail(404, f, "jurisdiction_id not found");
  bool keyed = client_of(ctx, fs).has_value();
  int64_t now = ctx.orders.now_ms();
  std::optional<int64_t> start, end;
  for (auto [name, dest] : {std::pair{"start_date", &start}, std::pair{"end_date", &end}}) {
    if (auto v = field(fs, name)) {
      *dest = parse_w3c(*v);
      if (!*dest) return fail(400, f, std::string(name) + " must be a W3C datetime with a zone");
    }
  }
  int64_t to = end.value_or(now), from = start.value_or(to - kDayMs);
  if (from > to) return fail(400, f, "start_date is after end_date");
  if (to - from > kWindowMs) return fail(400, f, "start_date and end_date are at most 90 days apart");
  std::vector<Node> items;
  for (const auto& u : ctx.orders.updates(from, to, 1000)) {
    items.push_back(
        Node::object("request_update",
                     {Node::text("update_id", std::to_string(u.id) + "-" + std::to_string(u.report_id)),
                      Node::text("service_request_id", std::to_string(u.report_id)),
                      Node::text("status", update_status(u.step)), Node::text("updated_datetime", w3c_datetime(u.at)),
                      keyed ? Node::text("description", u.note) : Node::null("description"), Node::null("media_url")}));
  }
  return respond(200, f, Node::list("service_request_updates", std::move(items)));
}

Response post_update(Context& ctx, Format f, Request& req) {
  auto fs = fields_of(req.body);
  if (!utf8_form(fs)) return fail(400, f, "the form must be UTF-8");
  if (wrong_jurisdiction(fs)) return fail(404, f, "jurisdiction_id not found");
  auto client = client_of(ctx, fs);
  if (!client) return fail(403, f, "api_key is missing or not valid");
  auto id_text = field(fs, "service_request_id");
  if (!id_text) return fail(400, f, "service_request_id is required");
  auto id = id_of(*id_text);
  if (!id) return fail(404, f, "service_request_id " + *id_text + " not found");
  auto description = field(fs, "description");
  if (!description) return fail(400, f, "description is required");
  if (auto at = field(fs, "updated_datetime"); at && !parse_w3c(*at))
    return fail(400, f, "updated_datetime must be a W3C datetime with a zone");
  auto u = ctx.orders.comment(*id, *description, "open311:" + std::to_string(client->id));
  if (!u.ok()) return fail(f, u.error());
  return respond(
      200, f,
      Node::list("service_request_updates",
                 {Node::object("request_update", {Node::text("update_id", std::to_string(u->id) + "-" +
                                                                              std::to_string(u->report_id))})}));
}

//! The client JSON (our own API, for the console).
std::string client_json(const Client& c, const std::optional<std::string>& key) {
  std::string o = "{\"id\":" + std::to_string(c.id) + ",\"name\":";
  text::append_json_string(o, c.name);
  o += ",\"contact\":";
  text::append_json_string(o, c.contact);
  o += ",\"key_hint\":";
  text::append_json_string(o, c.key_hint);
  o += ",\"created_by\":" + (c.created_by ? std::to_string(*c.created_by) : "null");
  o += ",\"created_at\":" + std::to_string(c.created_at);
  o += ",\"revoked_at\":" + (c.revoked_at ? std::to_string(*c.revoked_at) : "null");
  if (key) {
    o += ",\"api_key\":";
    text::append_json_string(o, *key);
  }
  return o + "}";
}

}  // namespace

void register_routes(http::Router& r, orders::Service& orders, territory::Service& territory, Clients& clients,
                     const std::string& base_url) {
  auto ctx = std::make_shared<Context>(Context{orders, territory, clients, base_url});
  const http::RouteOptions open{.auth = http::Auth::none};
  const http::RouteOptions form{.auth = http::Auth::none, .body_bytes_max = 65536};
  for (auto [ext, f] : {std::pair{"json", Format::json}, std::pair{"xml", Format::xml}}) {
    std::string x(ext);
    r.add(
        "GET", "/open311/v2/discovery." + x, [ctx, f](Request& q) { return discovery(*ctx, f, q); }, open);
    r.add(
        "GET", "/open311/v2/services." + x, [ctx, f](Request& q) { return services(*ctx, f, q); }, open);
    r.add(
        "GET", "/open311/v2/requests." + x, [ctx, f](Request& q) { return get_requests(*ctx, f, q); }, open);
    r.add(
        "POST", "/open311/v2/requests." + x, [ctx, f](Request& q) { return post_request(*ctx, f, q); }, form);
    r.add(
        "GET", "/open311/v2/servicerequestupdates." + x, [ctx, f](Request& q) { return get_updates(*ctx, f, q); },
        open);
    r.add(
        "POST", "/open311/v2/servicerequestupdates." + x, [ctx, f](Request& q) { return post_update(*ctx, f, q); },
        form);
  }
  r.add(
      "GET", "/open311/v2/services/{file}", [ctx](Request& q) { return definition(*ctx, q); }, open);
  r.add(
      "GET", "/open311/v2/requests/{file}", [ctx](Request& q) { return one_request(*ctx, q); }, open);
  r.add(
      "GET", "/open311/v2/tokens/{file}", [ctx](Request& q) { return token(*ctx, q); }, open);

  // The console's side: client applications and their keys.
  const http::RouteOptions session{.auth = http::Auth::session};
  const http::RouteOptions json{.auth = http::Auth::session, .body_bytes_max = 4096, .json_body = true};
  r.add(
      "GET", "/api/open311/clients",
      [ctx](Request& q) {
        auto list = ctx->clients.list(*q.principal);
        if (!list.ok()) return http::error_response(list.error());
        std::string o = "{\"items\":[";
        for (size_t i = 0; i < list->size(); ++i) o += (i ? "," : "") + client_json((*list)[i], std::nullopt);
        return http::json_text(200, o + "]}");
      },
      session);
  r.add(
      "POST", "/api/open311/clients",
      [ctx](Request& q) {
        auto body = http::parse_object(q);
        if (!body.ok()) return http::error_response(body.error());
        auto name = http::require_string(*body, "name", 400);
        if (!name.ok()) return http::error_response(name.error());
        auto contact = http::optional_string(*body, "contact", 800);
        if (!contact.ok()) return http::error_response(contact.error());
        auto made = ctx->clients.issue(*name, contact->value_or(""), *q.principal, q.client_ip);
        if (!made.ok()) return http::error_response(made.error());
        Response res = http::json_text(201, client_json(made->first, made->second));
        res.set("Location", "/api/open311/clients/" + std::to_string(made->first.id));
        return res;
      },
      json);
  r.add(
      "POST", "/api/open311/clients/{id}/revoke",
      [ctx](Request& q) {
        auto id = http::path_id(q, "id");
        if (!id) return http::error_response(Errc::not_found, "no such client");
        auto c = ctx->clients.revoke(*id, *q.principal, q.client_ip);
        if (!c.ok()) return http::error_response(c.error());
        return http::json_text(200, client_json(*c, std::nullopt));
      },
      session);
}

}  // namespace mashang::open311
