#pragma once
// JSON shapes of the grids module (see docs/openapi.yaml: GridFeatureCollection,
// GridImportReport, GridHit): reading a GeoJSON FeatureCollection feature by feature, so
// that one bad feature is reported and the others are still checked.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "modules/grids/grids.hpp"

namespace mashang::grids::dto {

namespace json = boost::json;

inline bool as_number(const json::value& v, double& out) {
  if (v.is_double())
    out = v.get_double();
  else if (v.is_int64())
    out = static_cast<double>(v.get_int64());
  else if (v.is_uint64())
    out = static_cast<double>(v.get_uint64());
  else
    return false;
  return true;
}

inline std::optional<int64_t> as_id(const json::value* v) {
  if (!v || !v->is_int64() || v->get_int64() <= 0) return std::nullopt;
  return v->get_int64();
}

// Reads `coordinates` of a Polygon ([[pos…]…]) into `p`; "" or what is wrong, with its place.
inline std::string read_polygon(const json::value& v, const std::string& at, Polygon& p) {
  if (!v.is_array()) return at + " must be an array of rings";
  const auto& rings = v.get_array();
  if (rings.empty()) return at + " has no rings";
  for (size_t j = 0; j < rings.size(); ++j) {
    std::string rat = at + "[" + std::to_string(j) + "]";
    if (!rings[j].is_array()) return rat + " must be an array of positions";
    Ring& r = p.emplace_back();
    for (size_t k = 0; k < rings[j].get_array().size(); ++k) {
      const auto& pos = rings[j].get_array()[k];
      Position q;
      if (!pos.is_array() || pos.get_array().size() < 2 || pos.get_array().size() > 3 ||
          !as_number(pos.get_array()[0], q.lon) || !as_number(pos.get_array()[1], q.lat) ||
          (pos.get_array().size() == 3 && !pos.get_array()[2].is_number()))
        return rat + "[" + std::to_string(k) + "] must be a position: [longitude, latitude] or with an altitude";
      r.push_back(q);
    }
  }
  return "";
}

inline FeatureIn read_feature(const json::value& v) {
  FeatureIn f;
  auto problem = [&](std::string m) {
    f.problem = std::move(m);
    return f;
  };
  if (!v.is_object()) return problem("a feature must be an object");
  const auto& o = v.get_object();
  if (auto* t = o.if_contains("type"); !t || !t->is_string() || t->get_string() != "Feature")
    return problem("type must be \"Feature\"");
  if (auto* p = o.if_contains("properties"); p && p->is_object()) {
    const auto& props = p->get_object();
    auto* nid = props.if_contains("node_id");
    auto* pid = props.if_contains("parent_id");
    f.node_id = as_id(nid);
    f.parent_id = as_id(pid);
    if (nid && !nid->is_null() && !f.node_id) return problem("properties.node_id must be a positive integer");
    if (pid && !pid->is_null() && !f.parent_id) return problem("properties.parent_id must be a positive integer");
    if (auto* n = props.if_contains("name"); n && n->is_string())
      f.name = std::string(n->get_string());
    else if (n && !n->is_null())
      return problem("properties.name must be a string");
  } else if (p && !p->is_null()) {
    return problem("properties must be an object or null");
  }
  auto* g = o.if_contains("geometry");
  if (!g || !g->is_object()) return problem("geometry must be a Polygon or MultiPolygon object");
  const auto& go = g->get_object();
  auto* gt = go.if_contains("type");
  auto* coords = go.if_contains("coordinates");
  if (!gt || !gt->is_string() || (gt->get_string() != "Polygon" && gt->get_string() != "MultiPolygon"))
    return problem("geometry.type must be \"Polygon\" or \"MultiPolygon\" (a grid is an area)");
  if (!coords) return problem("geometry.coordinates is missing");
  if (gt->get_string() == "Polygon") {
    auto m = read_polygon(*coords, "geometry.coordinates", f.shape.emplace_back());
    if (!m.empty()) return problem(m);
  } else {
    f.multi = true;
    if (!coords->is_array() || coords->get_array().empty())
      return problem("geometry.coordinates must be a non-empty array of polygons");
    for (size_t i = 0; i < coords->get_array().size(); ++i) {
      auto m = read_polygon(coords->get_array()[i], "geometry.coordinates[" + std::to_string(i) + "]",
                            f.shape.emplace_back());
      if (!m.empty()) return problem(m);
    }
  }
  return f;
}

//! The features of a FeatureCollection, or what is wrong with the collection itself.
inline Result<std::vector<FeatureIn>> read_collection(const json::object& o) {
  auto* t = o.if_contains("type");
  if (!t || !t->is_string() || t->get_string() != "FeatureCollection")
    return make_error(Errc::invalid_input, "the body must be a GeoJSON FeatureCollection", "type");
  auto* fs = o.if_contains("features");
  if (!fs || !fs->is_array()) return make_error(Errc::invalid_input, "features must be an array", "features");
  if (fs->get_array().size() > kFeaturesMax)
    return make_error(Errc::invalid_input,
                      "at most " + std::to_string(kFeaturesMax) + " features per import; split the file", "features");
  std::vector<FeatureIn> out;
  out.reserve(fs->get_array().size());
  for (const auto& f : fs->get_array()) out.push_back(read_feature(f));
  return out;
}

//! The report; when it has problems it is also an error body (code invalid_input).
inline std::string report_json(const ImportReport& r) {
  std::string o = "{";
  if (!r.problems.empty()) {
    o += "\"error\":{\"code\":\"invalid_input\",\"message\":";
    text::append_json_string(o, std::to_string(r.problems.size()) + " of " + std::to_string(r.features) +
                                    " features have problems; nothing was written");
    o += ",\"field\":\"features\"},";
  }
  o += "\"dry_run\":";
  o += r.dry_run ? "true" : "false";
  o += ",\"applied\":";
  o += r.applied ? "true" : "false";
  o += ",\"features\":" + std::to_string(r.features) + ",\"created\":" + std::to_string(r.created) +
       ",\"updated\":" + std::to_string(r.updated) + ",\"problems\":[";
  for (size_t i = 0; i < r.problems.size(); ++i) {
    const auto& p = r.problems[i];
    if (i) o += ',';
    o += "{\"feature\":" + std::to_string(p.feature) + ",\"node_id\":";
    o += p.node_id ? std::to_string(*p.node_id) : "null";
    o += ",\"name\":";
    text::append_json_string(o, p.name);
    o += ",\"message\":";
    text::append_json_string(o, p.message);
    o += '}';
  }
  o += "]}";
  return o;
}

inline std::string collection_json(const std::vector<StoredGrid>& grids) {
  std::string o = "{\"type\":\"FeatureCollection\",\"features\":[";
  for (size_t i = 0; i < grids.size(); ++i) {
    const auto& g = grids[i];
    if (i) o += ',';
    o += "{\"type\":\"Feature\",\"id\":" + std::to_string(g.node_id) + ",\"geometry\":" + g.geometry_json +
         ",\"properties\":{\"node_id\":" + std::to_string(g.node_id) + ",\"parent_id\":" + std::to_string(g.parent_id) +
         ",\"name\":";
    text::append_json_string(o, g.name);
    o += ",\"community\":";
    text::append_json_string(o, g.community_name);
    o += ",\"path\":";
    text::append_json_string(o, g.path);
    o += "}}";
  }
  o += "]}";
  return o;
}

inline std::string hit_json(const std::optional<Hit>& h) {
  if (!h) return "{\"grid\":null}";
  std::string o = "{\"grid\":{\"id\":" + std::to_string(h->grid_id) + ",\"name\":";
  text::append_json_string(o, h->grid_name);
  o += ",\"path\":";
  text::append_json_string(o, h->path);
  o += ",\"community_id\":" + std::to_string(h->community_id) + ",\"community_name\":";
  text::append_json_string(o, h->community_name);
  o += "}}";
  return o;
}

}  // namespace mashang::grids::dto
