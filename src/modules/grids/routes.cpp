// HTTP binding of grid shapes: GeoJSON in and out, and the point lookup.
#include "modules/grids/routes.hpp"

#include "http/error_map.hpp"
#include "http/json_body.hpp"
#include "http/params.hpp"
#include "modules/grids/dto.hpp"

namespace mashang::grids {
namespace {

using http::Request;
using http::Response;

constexpr const char* kGeoJson = "application/geo+json";

Response import(Service& svc, Request& req) {
  auto dry = http::query_flag(req, "dry_run", false);
  if (!dry.ok()) return http::error_response(dry.error());
  auto body = http::parse_object(req);
  if (!body.ok()) return http::error_response(body.error());
  auto features = dto::read_collection(*body);
  if (!features.ok()) return http::error_response(features.error());
  auto rep = svc.import(std::move(*features), *dry, *req.principal, req.client_ip);
  if (!rep.ok()) return http::error_response(rep.error());
  Response res;
  res.status = rep->problems.empty() ? 200 : 422;
  if (!rep->problems.empty()) res.error_code = "invalid_input";
  res.body = dto::report_json(*rep);
  return res;
}

Response export_all(Service& svc, Request& req) {
  Response res;
  res.content_type = kGeoJson;
  res.body = dto::collection_json(svc.shaped(*req.principal));
  return res;
}

Response locate(Service& svc, Request& req) {
  auto lon = http::query_double(req, "lon", -180, 180);
  if (!lon.ok()) return http::error_response(lon.error());
  auto lat = http::query_double(req, "lat", -90, 90);
  if (!lat.ok()) return http::error_response(lat.error());
  Response res;
  res.body = dto::hit_json(svc.locate(*lon, *lat));
  return res;
}

}  // namespace

void register_routes(http::Router& r, Service& svc) {
  using http::Auth;
  r.add("GET", "/api/grids/geojson", [&svc](Request& q) { return export_all(svc, q); }, {.auth = Auth::session});
  r.add("POST", "/api/grids/geojson", [&svc](Request& q) { return import(svc, q); },
        {.auth = Auth::session, .body_bytes_max = kImportBytesMax, .json_body = true});
  r.add("GET", "/api/grids/locate", [&svc](Request& q) { return locate(svc, q); }, {.auth = Auth::session});
}

}  // namespace mashang::grids
