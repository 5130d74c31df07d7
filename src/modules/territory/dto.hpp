#pragma once
// JSON shapes of the territory module (see docs/openapi.yaml: Node, NodeList).
#include <string>

#include "core/text.hpp"
#include "modules/territory/territory.hpp"

namespace mashang::territory::dto {

inline void write_node(std::string& o, const Node& n) {
  o += "{\"id\":";
  o += std::to_string(n.id);
  o += ",\"parent_id\":";
  o += n.parent_id ? std::to_string(*n.parent_id) : "null";
  o += ",\"kind\":";
  text::append_json_string(o, n.kind);
  o += ",\"name\":";
  text::append_json_string(o, n.name);
  o += ",\"path\":";
  text::append_json_string(o, n.path);
  o += ",\"created_at\":";
  o += std::to_string(n.created_at);
  o += ",\"updated_at\":";
  o += std::to_string(n.updated_at);
  o += '}';
}

inline std::string node_json(const Node& n) {
  std::string o;
  write_node(o, n);
  return o;
}

inline std::string page_json(const NodePage& p) {
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < p.items.size(); ++i) {
    if (i) o += ',';
    write_node(o, p.items[i]);
  }
  o += "],\"next_after\":";
  o += p.next_after ? std::to_string(*p.next_after) : "null";
  o += '}';
  return o;
}

}  // namespace mashang::territory::dto
