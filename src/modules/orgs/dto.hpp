#pragma once
// JSON shapes of organisations (see docs/openapi.yaml: Organisation, OrganisationList).
#include <string>

#include "core/text.hpp"
#include "modules/orgs/orgs.hpp"

namespace mashang::orgs::dto {

inline void write_org(std::string& o, const Organisation& g) {
  o += "{\"id\":" + std::to_string(g.id) + ",\"node_id\":" + std::to_string(g.node_id) + ",\"kind\":";
  text::append_json_string(o, g.kind);
  o += ",\"name\":";
  text::append_json_string(o, g.name);
  o += ",\"contact\":";
  text::append_json_string(o, g.contact);
  o += ",\"phone\":";
  text::append_json_string(o, g.phone);
  o += ",\"path\":";
  text::append_json_string(o, g.path);
  o += ",\"created_at\":" + std::to_string(g.created_at) + ",\"updated_at\":" + std::to_string(g.updated_at) + "}";
}

inline std::string org_json(const Organisation& g) {
  std::string o;
  write_org(o, g);
  return o;
}

inline std::string page_json(const Page& p) {
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < p.items.size(); ++i) {
    if (i) o += ',';
    write_org(o, p.items[i]);
  }
  o += "],\"next_after\":";
  o += p.next_after ? std::to_string(*p.next_after) : "null";
  return o + "}";
}

}  // namespace mashang::orgs::dto
