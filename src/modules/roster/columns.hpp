#pragma once
// Internal to the roster module: the columns a roster may have (Chinese headings as Chinese
// offices write them, and English ones), and turning one row's cells into a person with an
// address — or the problems of that row. No database here.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "modules/registry/registry.hpp"
#include "modules/roster/roster.hpp"
#include "sheet/sheet.hpp"

namespace mashang::roster::cols {

enum Field {
  street,
  community,
  grid,
  compound,
  building,
  unit,
  floor,
  room,
  name,
  gender,
  birth_date,
  id_number,
  phone,
  relation,
  tags,
  kFields
};

//! Which column holds which field, from the header row.
struct Header {
  std::array<int, kFields> at;      //!< column index per field, -1 when absent
  std::vector<std::string> titles;  //!< the header's texts, by column
  std::vector<std::string> ignored;
};
//! Reads the header row: every required column present, none twice.
Result<Header> read_header(const sheet::Row& row);

//! The address a row names, by node names (resolved against the tree later).
struct Address {
  std::string street, community, grid, compound, building;
  bool operator<(const Address& o) const {
    return std::tie(street, community, grid, compound, building) <
           std::tie(o.street, o.community, o.grid, o.compound, o.building);
  }
};

struct Record {
  int64_t row = 0;
  Address address;
  registry::NewHousehold home;  //!< building_id 0 until resolved
  registry::NewPerson person;
};

//! The record of a data row, or its problems (appended to `problems`).
std::optional<Record> read_row(const Header& h, const sheet::Row& row, std::vector<Problem>& problems);

//! The column title of a field (for problems found later, e.g. a duplicate ID number).
std::string title(const Header& h, Field f);

}  // namespace mashang::roster::cols
