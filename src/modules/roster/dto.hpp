#pragma once
// JSON shapes of the roster module (see docs/openapi.yaml: RosterImport, RosterProblem).
#include <string>

#include "core/text.hpp"
#include "modules/roster/roster.hpp"

namespace mashang::roster::dto {

inline std::string import_json(const Import& im) {
  const Report& r = im.report;
  std::string o =
      "{\"id\":" + std::to_string(im.id) + ",\"account_id\":" + std::to_string(im.account_id) + ",\"status\":";
  text::append_json_string(o, im.status);
  o += ",\"format\":";
  text::append_json_string(o, r.format);
  o += ",\"encoding\":";
  text::append_json_string(o, r.encoding);
  o += ",\"rows\":" + std::to_string(r.rows) + ",\"households\":" + std::to_string(r.households) +
       ",\"persons\":" + std::to_string(r.persons) + ",\"new_compounds\":" + std::to_string(r.new_compounds) +
       ",\"new_buildings\":" + std::to_string(r.new_buildings) +
       ",\"problem_count\":" + std::to_string(r.problem_count) + ",\"problems\":[";
  for (size_t i = 0; i < r.problems.size(); ++i) {
    if (i) o += ',';
    o += "{\"row\":" + std::to_string(r.problems[i].row) + ",\"column\":";
    text::append_json_string(o, r.problems[i].column);
    o += ",\"message\":";
    text::append_json_string(o, r.problems[i].message);
    o += '}';
  }
  o += "],\"ignored_columns\":[";
  for (size_t i = 0; i < r.ignored_columns.size(); ++i) {
    if (i) o += ',';
    text::append_json_string(o, r.ignored_columns[i]);
  }
  o += "],\"done\":" + std::to_string(im.done) + ",\"total\":" + std::to_string(im.total) + ",\"counts\":";
  if (im.counts)
    o += "{\"households_created\":" + std::to_string(im.counts->households_created) +
         ",\"households_matched\":" + std::to_string(im.counts->households_matched) +
         ",\"persons_created\":" + std::to_string(im.counts->persons_created) +
         ",\"persons_updated\":" + std::to_string(im.counts->persons_updated) + "}";
  else
    o += "null";
  o += ",\"error\":";
  text::append_json_string(o, im.error);
  o += ",\"created_at\":" + std::to_string(im.created_at) + ",\"updated_at\":" + std::to_string(im.updated_at) + "}";
  return o;
}

}  // namespace mashang::roster::dto
