#pragma once
//! The population registry: households (an address in a building) and the persons living
//! there. ID-card numbers and phones are personal data: sealed at rest, masked in every
//! answer, revealed only with a permission and a reason, and every reveal is audited.
//! Public API of the module; other modules use only this header.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "modules/territory/territory.hpp"
#include "store/db.hpp"

namespace mashang::registry {
namespace sql {
struct PersonInsert;
}

inline constexpr const char* kRelations[] = {"head", "spouse", "child", "parent", "grandchild", "sibling", "other"};
inline constexpr const char* kTags[] = {"empty_nest_elder", "living_alone", "disability", "low_income",
                                        "veteran",          "child",        "elder"};
inline constexpr int64_t kPageSizeMax = 200;

struct Household {
  int64_t id = 0;
  int64_t building_id = 0;
  std::string unit;
  int64_t floor = 0;
  std::string room;
  std::string address;  //!< "1号楼-2单元-301室"
  std::string path;     //!< the building's territory path
  int64_t created_at = 0, updated_at = 0;
};

struct Person {
  int64_t id = 0;
  int64_t household_id = 0;
  std::string name;
  std::string gender;  //!< "M" or "F"
  std::optional<std::string> birth_date;
  std::optional<std::string> id_masked;
  std::optional<std::string> phone_masked;
  std::string relation;
  std::vector<std::string> tags;
  int64_t created_at = 0, updated_at = 0;
};

struct NewHousehold {
  int64_t building_id = 0;
  std::string unit;
  int64_t floor = 0;
  std::string room;
};

struct NewPerson {
  std::string name;
  std::string gender;
  std::optional<std::string> birth_date;
  std::optional<std::string> id_number;
  std::optional<std::string> phone;
  std::string relation;
  std::vector<std::string> tags;
};

struct Revealed {
  int64_t id = 0;
  std::optional<std::string> id_number;
  std::optional<std::string> phone;
};

struct HouseholdPage {
  std::vector<Household> items;
  std::optional<int64_t> next_after;
};

//! A person search: `q` is an ID-card number or a phone (found by blind index, exactly), or
//! the start of a name; `tag` keeps persons with that tag. Both optional, not both empty.
struct PersonQuery {
  std::string q, tag;
  std::optional<int64_t> node;
  int64_t after = 0, limit = 50;
};
struct PersonHit {
  Person person;
  std::string address;  //!< the household's, "1号楼-2单元-301室"
};
struct PersonPage {
  std::vector<PersonHit> items;
  std::optional<int64_t> next_after;
  std::string matched_by;  //!< "id_number", "phone", "name", "tag"
};

//! A household and its persons, for writing many at once (roster imports, the demo).
struct BatchHousehold {
  NewHousehold address;
  std::vector<NewPerson> persons;
};
struct BatchCounts {
  int64_t households_created = 0, households_matched = 0, persons_created = 0, persons_updated = 0;
};

//! Who did it, from where: for the audit log.
struct Caller {
  const Principal& who;
  std::string ip;
};

//! Whether the caller may write households and persons at `path` (and so import there).
bool may_write(const Principal& who, std::string_view path);

//! A reason for the audit log (reveals, retiring codes): 4 to 200 characters, one line;
//! the error names the field `reason`.
Status valid_reason(const std::string& reason);

//! Whether the caller may read households and persons at `path` (masked).
bool may_read(const Principal& who, std::string_view path);

//! A household by id inside a transaction, with no permission check (for other modules,
//! which apply their own rules).
std::optional<Household> household_in(store::Conn& c, int64_t id);
//! Lookups inside a transaction without a permission check, for modules that check their own:
//! a person's territory path and name, the person linked to an account, the account linked to
//! a person.
std::optional<std::pair<std::string, std::string>> person_place(store::Conn& c, int64_t person_id);
std::optional<int64_t> person_of_account(store::Conn& c, int64_t account_id);
std::optional<int64_t> account_of_person(store::Conn& c, int64_t person_id);
//! Where a person lives, for modules that go there (care: the one-key alarm, visits): name,
//! household, address, floor, building and its path, tags; the phone masked and sealed (the
//! caller opens it with the keyring and audits that).
struct PersonHome {
  int64_t person_id = 0, household_id = 0, building_id = 0, floor = 0;
  std::string name, address, path;
  std::vector<std::string> tags;
  std::optional<std::string> phone_masked, phone_sealed;
};
std::optional<PersonHome> person_home(store::Conn& c, int64_t person_id);
//! The household of the person linked to an account, inside a transaction.
std::optional<int64_t> household_of_account(store::Conn& c, int64_t account_id);
//! Households at `path` or below, after `after`, by id (no permission check).
std::vector<Household> households_under(store::Conn& c, const std::string& path, int64_t after, int64_t limit);
//! How many households are at `path` or below.
int64_t count_households(store::Conn& c, const std::string& path);
//! The persons of a household, masked (no permission check).
std::vector<Person> persons_in(store::Conn& c, int64_t household_id);

class Service {
 public:
  Service(store::Db& db, const crypto::Keyring& keys, const Clock& clock, territory::Service& territory)
      : db_(db), keys_(keys), clock_(clock), territory_(territory) {}

  //! Every refusal (403, 404) of the registry's routes is itself audited
  //! ("registry.access_refused"), so probing outside one's scope leaves a trace.
  Result<HouseholdPage> list(std::optional<int64_t> node, int64_t after, int64_t limit, const Caller& c);
  Result<Household> create_household(const NewHousehold& in, const Caller& c);
  Result<std::pair<Household, std::vector<Person>>> household(int64_t id, const Caller& c);
  Result<Person> add_person(int64_t household_id, const NewPerson& in, const Caller& c);
  //! Persons in the caller's view (or under `node`) matching the query, by id, masked. A
  //! search by ID number or phone is audited (the kind, not the value).
  Result<PersonPage> search(const PersonQuery& q, const Caller& c);
  //! Links a person to the account they sign in with (registry writers over the person;
  //! `c.who` with no grants and account_id 0 is not allowed). Audited. 409 when either side
  //! is linked already.
  Result<Person> link_account(int64_t person_id, int64_t account_id, const Caller& c);
  //! Removes the link of a person. Audited.
  Status unlink_account(int64_t person_id, const Caller& c);
  //! The caller's own household (the person linked to their account and those living with
  //! them), masked; 404 when the account is linked to no person.
  Result<std::pair<Household, std::vector<Person>>> my_household(const Principal& who);
  //! The raw ID number and phone, with a reason that goes into the audit log.
  Result<Revealed> reveal(int64_t person_id, const std::string& reason, const Caller& c);
  //! Writes households and their persons in one transaction, all or nothing. A household
  //! is matched by its address (building, unit, room); a person by ID-card number (moved
  //! here and updated if registered elsewhere), else by name within the household when it
  //! has no ID number on file; anything unmatched is added. Every write is audited; one
  //! live event per building. The caller must be allowed to write in every building.
  Result<BatchCounts> write_batch(const std::vector<BatchHousehold>& batch, const Caller& c);
  //! Where persons with these (valid) ID-card numbers are registered: number → territory
  //! path, for those registered at all. For imports, which must not move a person from an
  //! area the importer cannot write.
  std::map<std::string, std::string> registered_paths(const std::vector<std::string>& id_numbers);
  //! Whether `in` would be accepted (names, gender, dates, ID number and its check digit,
  //! phone, relation, tags); the error names the field.
  Status check(const NewPerson& in) const;
  //! Every person under `node` (or in the caller's whole view) with their household, in
  //! household order, masked: for exports. The caller must be a registry reader there.
  //! With `reveal` (and a reason of 4–200 characters), `fn` also gets the raw ID number and
  //! phone; that needs the reveal permission over every household (403 otherwise, before
  //! anything is read), and each person's reveal is audited with the reason.
  Status each_person(std::optional<int64_t> node, const Caller& c,
                     const std::function<void(const Household&, const Person&, const Revealed*)>& fn,
                     const std::optional<std::string>& reveal_reason = std::nullopt);

 private:
  Result<sql::PersonInsert> prepare(const NewPerson& in) const;

  store::Db& db_;
  const crypto::Keyring& keys_;
  const Clock& clock_;
  territory::Service& territory_;
};

}  // namespace mashang::registry
