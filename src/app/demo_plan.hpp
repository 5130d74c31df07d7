#pragma once
//! The demo district as data: a deterministic plan, from a seed, of Kangbashi's streets,
//! communities, grids (with polygons that tile the map without overlapping), compounds,
//! buildings, households and persons. No database here: demo.cpp writes the plan through
//! the modules' own services, the way an import would.
#include <cstdint>
#include <string>
#include <vector>

#include "modules/grids/grids.hpp"
#include "modules/registry/registry.hpp"

namespace mashang::app::demo {

struct PlanBuilding {
  std::string name;
  std::vector<registry::BatchHousehold> households;  //!< building_id left 0: filled in on writing
};
//! An organisation on a node: kind (orgs::kKinds), name, contact person, business phone.
struct PlanOrg {
  std::string kind, name, contact, phone;
};
struct PlanCompound {
  std::string name;
  PlanOrg property;  //!< the property company managing it
  std::vector<PlanBuilding> buildings;
};
struct PlanGrid {
  std::string name;
  grids::Shape shape;
  std::vector<PlanCompound> compounds;
};
struct PlanCommunity {
  std::string name;
  std::vector<PlanOrg> orgs;  //!< a school, a clinic, a shop or two
  std::vector<PlanGrid> grids;
};
struct PlanStreet {
  std::string name;
  std::vector<PlanCommunity> communities;
};

enum class Size {
  full,   //!< ~1,500 buildings, 45,000 households, 120,000 persons
  small,  //!< the same tree and grids; households only in 康城小区 2号楼 (and the elder's): for tests
};

struct Plan {
  std::vector<PlanStreet> streets;
};

//! The plan for `seed`. The same seed gives the same district, byte for byte.
//! Ages are as of 2026-07-01 whatever the calendar says, so the plan does not drift.
Plan make_plan(uint64_t seed, Size size);

//! The ID-card number of the demo's elder, 刘桂兰 (born 1948-03-12), who lives in 1号楼
//! 1单元101室; the plan never gives it to anyone else.
std::string elder_id_number();

//! The names the demo's accounts and the elder's household rely on.
inline constexpr const char* kFirstCommunity = "康城社区";
inline constexpr const char* kFirstGrid = "康城社区第一网格";
inline constexpr const char* kFirstCompound = "康城小区";
inline constexpr const char* kFirstBuilding = "1号楼";

}  // namespace mashang::app::demo
