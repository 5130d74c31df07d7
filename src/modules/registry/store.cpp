#include "modules/registry/store.hpp"

namespace mashang::registry::sql {
namespace {

using store::null_value;
using store::Value;

Value opt(const std::optional<std::string>& s) { return s ? Value(*s) : null_value; }

// The address is built from the building's current name (a join with the territory's nodes).
constexpr const char* kHouseholdSelect =
    "SELECT h.id, h.building_id, h.unit, h.floor, h.room, n.name, h.path, h.created_at, h.updated_at "
    "FROM households h JOIN nodes n ON n.id = h.building_id ";

Household household_of(const store::Row& r) {
  Household h{r.integer(0), r.integer(1), r.text(2),    r.integer(3), r.text(4),
              "",           r.text(6),    r.integer(7), r.integer(8)};
  h.address = r.text(5) + "-" + h.unit + "单元-" + h.room + "室";
  return h;
}

std::vector<std::string> tags_of(const std::string& json) {
  // Stored as a JSON array of known tag names (no escapes needed: see kTags).
  std::vector<std::string> out;
  size_t i = 0;
  while ((i = json.find('"', i)) != std::string::npos) {
    size_t j = json.find('"', i + 1);
    if (j == std::string::npos) break;
    out.push_back(json.substr(i + 1, j - i - 1));
    i = j + 1;
  }
  return out;
}

constexpr const char* kPersonSelect =
    "SELECT id, household_id, name, gender, birth_date, id_masked, phone_masked, relation, tags, created_at, "
    "updated_at, path, id_sealed, phone_sealed FROM persons ";

PersonRow person_of(const store::Row& r) {
  PersonRow p;
  p.person = Person{r.integer(0),  r.integer(1), r.text(2),          r.text(3),    r.opt_text(4), r.opt_text(5),
                    r.opt_text(6), r.text(7),    tags_of(r.text(8)), r.integer(9), r.integer(10)};
  p.path = r.text(11);
  p.id_sealed = r.opt_text(12);
  p.phone_sealed = r.opt_text(13);
  return p;
}

}  // namespace

std::optional<Household> household(store::Conn& c, int64_t id) {
  static const std::string sql = std::string(kHouseholdSelect) + "WHERE h.id = $1";
  auto rows = c.query(sql, {id});
  if (rows.empty()) return std::nullopt;
  return household_of(rows.front());
}

std::vector<Household> households_under(store::Conn& c, const std::string& scope, int64_t after, int64_t limit) {
  static const std::string sql =
      std::string(kHouseholdSelect) + "WHERE (h.path = $1 OR h.path LIKE $2) AND h.id > $3 ORDER BY h.id LIMIT $4";
  std::string below = (scope == "/" ? "" : scope) + "/%";
  std::vector<Household> out;
  for (const auto& r : c.query(sql, {scope, below, after, limit})) out.push_back(household_of(r));
  return out;
}

Result<int64_t> insert_household(store::Conn& c, const NewHousehold& h, const std::string& path, int64_t now) {
  auto r = c.query_unique(
      "INSERT INTO households (building_id, unit, floor, room, path, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
      {h.building_id, h.unit, h.floor, h.room, path, now});
  if (!r.ok()) return r.error();
  return r->at(0).integer(0);
}

std::vector<Person> persons_of(store::Conn& c, int64_t household_id) {
  static const std::string sql = std::string(kPersonSelect) + "WHERE household_id = $1 ORDER BY id";
  std::vector<Person> out;
  for (const auto& r : c.query(sql, {household_id})) out.push_back(person_of(r).person);
  return out;
}

std::vector<PersonRow> person_rows_of(store::Conn& c, int64_t household_id) {
  static const std::string sql = std::string(kPersonSelect) + "WHERE household_id = $1 ORDER BY id";
  std::vector<PersonRow> out;
  for (const auto& r : c.query(sql, {household_id})) out.push_back(person_of(r));
  return out;
}

std::optional<PersonRow> person(store::Conn& c, int64_t id) {
  static const std::string sql = std::string(kPersonSelect) + "WHERE id = $1";
  auto rows = c.query(sql, {id});
  if (rows.empty()) return std::nullopt;
  return person_of(rows.front());
}

Result<int64_t> insert_person(store::Conn& c, int64_t household_id, const PersonInsert& p, int64_t now) {
  auto r = c.query_unique(
      "INSERT INTO persons (household_id, name, gender, birth_date, id_index, id_sealed, id_masked, phone_index, "
      "phone_sealed, phone_masked, relation, tags, path, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
      {household_id, p.in.name, p.in.gender, opt(p.in.birth_date), opt(p.id_index), opt(p.id_sealed), opt(p.id_masked),
       opt(p.phone_index), opt(p.phone_sealed), opt(p.phone_masked), p.in.relation, p.tags_json, p.path, now});
  if (!r.ok()) return r.error();
  return r->at(0).integer(0);
}

void update_person(store::Conn& c, int64_t id, int64_t household_id, const PersonInsert& p, int64_t now) {
  c.exec(
      "UPDATE persons SET household_id = $2, name = $3, gender = $4, birth_date = $5, id_index = $6, id_sealed = $7, "
      "id_masked = $8, phone_index = $9, phone_sealed = $10, phone_masked = $11, relation = $12, tags = $13, "
      "path = $14, updated_at = $15 WHERE id = $1",
      {id, household_id, p.in.name, p.in.gender, opt(p.in.birth_date), opt(p.id_index), opt(p.id_sealed),
       opt(p.id_masked), opt(p.phone_index), opt(p.phone_sealed), opt(p.phone_masked), p.in.relation, p.tags_json,
       p.path, now});
}

std::optional<int64_t> household_at(store::Conn& c, int64_t building_id, const std::string& unit,
                                    const std::string& room) {
  auto r = c.query_one("SELECT id FROM households WHERE building_id = $1 AND unit = $2 AND room = $3",
                       {building_id, unit, room});
  if (!r) return std::nullopt;
  return r->integer(0);
}

std::optional<int64_t> person_by_index(store::Conn& c, const std::string& id_index) {
  auto r = c.query_one("SELECT id FROM persons WHERE id_index = $1", {id_index});
  if (!r) return std::nullopt;
  return r->integer(0);
}

std::optional<int64_t> person_named(store::Conn& c, int64_t household_id, const std::string& name) {
  auto r = c.query_one(
      "SELECT id FROM persons WHERE household_id = $1 AND name = $2 AND id_index IS NULL ORDER BY id LIMIT 1",
      {household_id, name});
  if (!r) return std::nullopt;
  return r->integer(0);
}

std::vector<std::pair<Person, std::string>> persons_under(store::Conn& c, const std::string& scope,
                                                          const PersonFilter& f, int64_t after, int64_t limit) {
  // One text for every filter: the absent ones are NULL and drop out.
  static const std::string sql =
      "SELECT p.id, p.household_id, p.name, p.gender, p.birth_date, p.id_masked, p.phone_masked, p.relation, "
      "p.tags, p.created_at, p.updated_at, p.path, p.id_sealed, p.phone_sealed, n.name, h.unit, h.room "
      "FROM persons p JOIN households h ON h.id = p.household_id JOIN nodes n ON n.id = h.building_id "
      "WHERE (p.path = $1 OR p.path LIKE $2) AND p.id > $3 "
      "AND (CAST($4 AS TEXT) IS NULL OR p.id_index = $4) AND (CAST($5 AS TEXT) IS NULL OR p.phone_index = $5) "
      "AND (CAST($6 AS TEXT) IS NULL OR p.name LIKE $6 ESCAPE '\\') "
      "AND (CAST($7 AS TEXT) IS NULL OR p.tags LIKE $7) ORDER BY p.id LIMIT $8";
  std::vector<std::pair<Person, std::string>> out;
  std::string below = (scope == "/" ? "" : scope) + "/%";
  for (const auto& r : c.query(
           sql, {scope, below, after, opt(f.id_index), opt(f.phone_index), opt(f.name_like), opt(f.tag_like), limit}))
    out.emplace_back(person_of(r).person, r.text(14) + "-" + r.text(15) + "单元-" + r.text(16) + "室");
  return out;
}

std::optional<int64_t> person_of_account(store::Conn& c, int64_t account_id) {
  auto r = c.query_one("SELECT person_id FROM person_accounts WHERE account_id = $1", {account_id});
  if (!r) return std::nullopt;
  return r->integer(0);
}

std::optional<int64_t> account_of_person(store::Conn& c, int64_t person_id) {
  auto r = c.query_one("SELECT account_id FROM person_accounts WHERE person_id = $1", {person_id});
  if (!r) return std::nullopt;
  return r->integer(0);
}

Result<Ok> insert_link(store::Conn& c, int64_t account_id, int64_t person_id, int64_t now) {
  auto r = c.query_unique("INSERT INTO person_accounts (account_id, person_id, created_at) VALUES ($1, $2, $3)",
                          {account_id, person_id, now});
  if (!r.ok()) return r.error();
  return Ok{};
}

bool delete_link(store::Conn& c, int64_t person_id) {
  return c.exec("DELETE FROM person_accounts WHERE person_id = $1", {person_id}) > 0;
}

}  // namespace mashang::registry::sql
