#pragma once
// Internal to the registry module: its SQL.
#include <optional>
#include <string>
#include <vector>

#include "modules/registry/registry.hpp"
#include "store/db.hpp"

namespace mashang::registry::sql {

struct PersonRow {
  Person person;
  std::string path;
  std::optional<std::string> id_sealed, phone_sealed;
};

std::optional<Household> household(store::Conn& c, int64_t id);
//! Households whose path is `scope` or below it, id > after, by id, at most `limit`.
std::vector<Household> households_under(store::Conn& c, const std::string& scope, int64_t after, int64_t limit);
Result<int64_t> insert_household(store::Conn& c, const NewHousehold& h, const std::string& path, int64_t now);
std::vector<Person> persons_of(store::Conn& c, int64_t household_id);
//! The same with the sealed fields, for reveals.
std::vector<PersonRow> person_rows_of(store::Conn& c, int64_t household_id);
std::optional<PersonRow> person(store::Conn& c, int64_t id);

struct PersonInsert {
  NewPerson in;
  std::optional<std::string> id_index, id_sealed, id_masked, phone_index, phone_sealed, phone_masked;
  std::string tags_json;
  std::string path;
};
Result<int64_t> insert_person(store::Conn& c, int64_t household_id, const PersonInsert& p, int64_t now);
//! Replaces a person's fields (and household: a person may move).
void update_person(store::Conn& c, int64_t id, int64_t household_id, const PersonInsert& p, int64_t now);

//! Persons under `scope` (path or below) matching one of: blind index of the ID number,
//! blind index of the phone, a name prefix (LIKE pattern), a tag; id > after, by id.
struct PersonFilter {
  std::optional<std::string> id_index, phone_index, name_like, tag_like;
};
std::vector<std::pair<Person, std::string>> persons_under(store::Conn& c, const std::string& scope,
                                                          const PersonFilter& f, int64_t after, int64_t limit);

//! The person linked to an account, and the link's reverse.
std::optional<int64_t> person_of_account(store::Conn& c, int64_t account_id);
std::optional<int64_t> account_of_person(store::Conn& c, int64_t person_id);
Result<Ok> insert_link(store::Conn& c, int64_t account_id, int64_t person_id, int64_t now);
bool delete_link(store::Conn& c, int64_t person_id);

std::optional<int64_t> household_at(store::Conn& c, int64_t building_id, const std::string& unit,
                                    const std::string& room);
//! The person with this ID-number blind index.
std::optional<int64_t> person_by_index(store::Conn& c, const std::string& id_index);
//! A person of the household with this name and no ID number on file.
std::optional<int64_t> person_named(store::Conn& c, int64_t household_id, const std::string& name);

}  // namespace mashang::registry::sql
