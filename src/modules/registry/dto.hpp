#pragma once
// JSON shapes of the registry (see docs/openapi.yaml: Household, HouseholdDetail, Person).
// Personal data leaves only masked, except in the reveal answer.
#include <string>

#include "core/text.hpp"
#include "modules/registry/registry.hpp"

namespace mashang::registry::dto {

inline void write_opt(std::string& o, const std::optional<std::string>& v) {
  if (v)
    text::append_json_string(o, *v);
  else
    o += "null";
}

inline void write_household_fields(std::string& o, const Household& h) {
  o += "{\"id\":" + std::to_string(h.id) + ",\"building_id\":" + std::to_string(h.building_id) + ",\"unit\":";
  text::append_json_string(o, h.unit);
  o += ",\"floor\":" + std::to_string(h.floor) + ",\"room\":";
  text::append_json_string(o, h.room);
  o += ",\"address\":";
  text::append_json_string(o, h.address);
  o += ",\"path\":";
  text::append_json_string(o, h.path);
  o += ",\"created_at\":" + std::to_string(h.created_at) + ",\"updated_at\":" + std::to_string(h.updated_at);
}

inline void write_household(std::string& o, const Household& h) {
  write_household_fields(o, h);
  o += '}';
}

inline void write_person(std::string& o, const Person& p) {
  o += "{\"id\":" + std::to_string(p.id) + ",\"household_id\":" + std::to_string(p.household_id) + ",\"name\":";
  text::append_json_string(o, p.name);
  o += ",\"gender\":";
  text::append_json_string(o, p.gender);
  o += ",\"birth_date\":";
  write_opt(o, p.birth_date);
  o += ",\"id_number\":";
  write_opt(o, p.id_masked);
  o += ",\"phone\":";
  write_opt(o, p.phone_masked);
  o += ",\"relation\":";
  text::append_json_string(o, p.relation);
  o += ",\"tags\":[";
  for (size_t i = 0; i < p.tags.size(); ++i) {
    if (i) o += ',';
    text::append_json_string(o, p.tags[i]);
  }
  o += "],\"created_at\":" + std::to_string(p.created_at) + ",\"updated_at\":" + std::to_string(p.updated_at) + "}";
}

inline std::string page_json(const HouseholdPage& p) {
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < p.items.size(); ++i) {
    if (i) o += ',';
    write_household(o, p.items[i]);
  }
  o += "],\"next_after\":";
  o += p.next_after ? std::to_string(*p.next_after) : "null";
  return o + "}";
}

inline std::string detail_json(const Household& h, const std::vector<Person>& persons) {
  std::string o;
  write_household_fields(o, h);
  o += ",\"persons\":[";
  for (size_t i = 0; i < persons.size(); ++i) {
    if (i) o += ',';
    write_person(o, persons[i]);
  }
  return o + "]}";
}

inline std::string person_page_json(const PersonPage& p) {
  std::string o = "{\"items\":[";
  for (size_t i = 0; i < p.items.size(); ++i) {
    if (i) o += ',';
    write_person(o, p.items[i].person);
    o.pop_back();  // the person's closing brace: the address joins it
    o += ",\"address\":";
    text::append_json_string(o, p.items[i].address);
    o += '}';
  }
  o += "],\"next_after\":";
  o += p.next_after ? std::to_string(*p.next_after) : "null";
  o += ",\"matched_by\":";
  text::append_json_string(o, p.matched_by);
  return o + "}";
}

inline std::string revealed_json(const Revealed& r) {
  std::string o = "{\"id\":" + std::to_string(r.id) + ",\"id_number\":";
  write_opt(o, r.id_number);
  o += ",\"phone\":";
  write_opt(o, r.phone);
  return o + "}";
}

}  // namespace mashang::registry::dto
