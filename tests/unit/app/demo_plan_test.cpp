// The demo district's plan: deterministic, the size the issue asks for, valid throughout.
#include "app/demo_plan.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/idcard.hpp"
#include "modules/grids/geometry.hpp"

using namespace mashang;
using app::demo::Plan;

namespace {

struct Counts {
  size_t streets = 0, communities = 0, grids = 0, compounds = 0, buildings = 0, households = 0, persons = 0;
};

Counts count(const Plan& p) {
  Counts n;
  for (const auto& s : p.streets) {
    ++n.streets;
    for (const auto& c : s.communities) {
      ++n.communities;
      for (const auto& g : c.grids) {
        ++n.grids;
        for (const auto& cp : g.compounds) {
          ++n.compounds;
          for (const auto& b : cp.buildings) {
            ++n.buildings;
            n.households += b.households.size();
            for (const auto& h : b.households) n.persons += h.persons.size();
          }
        }
      }
    }
  }
  return n;
}

}  // namespace

TEST(DemoPlan, FullSizeIsKangbashiShapedAndValid) {
  auto plan = app::demo::make_plan(20260701, app::demo::Size::full);
  auto n = count(plan);
  EXPECT_EQ(n.streets, 4u);
  EXPECT_EQ(n.communities, 19u);
  EXPECT_EQ(n.grids, 120u);
  EXPECT_GT(n.buildings, 1400u);
  EXPECT_LT(n.buildings, 1600u);
  EXPECT_GT(n.households, 43000u);
  EXPECT_LT(n.households, 48000u);
  EXPECT_GT(n.persons, 114000u);
  EXPECT_LT(n.persons, 126000u);
  EXPECT_EQ(plan.streets[0].communities[0].grids[0].name, app::demo::kFirstGrid);

  std::set<std::string> ids;
  std::vector<grids::geo::Tree::Item> shapes;
  int64_t next = 1;
  size_t elders_alone = 0;
  for (const auto& s : plan.streets)
    for (const auto& c : s.communities)
      for (const auto& g : c.grids) {
        EXPECT_EQ(grids::geo::problem(g.shape), "") << g.name;
        auto box = grids::geo::bounds(g.shape);
        EXPECT_GT(box.min_lon, 109.6);
        EXPECT_LT(box.max_lon, 110.0);
        EXPECT_GT(box.min_lat, 39.5);
        EXPECT_LT(box.max_lat, 39.7);
        shapes.push_back({next++, g.shape});
        for (const auto& cp : g.compounds)
          for (const auto& b : cp.buildings)
            for (const auto& h : b.households)
              for (const auto& p : h.persons) {
                ASSERT_TRUE(p.id_number);
                ASSERT_TRUE(idcard::parse(*p.id_number, idcard::days_from_civil(2026, 7, 1)).ok()) << *p.id_number;
                EXPECT_TRUE(ids.insert(*p.id_number).second) << "twice: " << *p.id_number;
                for (const auto& t : p.tags) elders_alone += t == "living_alone";
              }
      }
  EXPECT_FALSE(ids.count(app::demo::elder_id_number()));
  EXPECT_GT(elders_alone, 1000u);
  grids::geo::Tree tree(shapes);
  for (const auto& s : shapes) EXPECT_FALSE(tree.overlapping(s.shape, s.id)) << "grid " << s.id;
  // The grids tile the map: the centre of the district is in exactly one of them.
  EXPECT_TRUE(tree.covering(109.78, 39.60));
}

TEST(DemoPlan, TheSameSeedGivesTheSameDistrict) {
  auto a = app::demo::make_plan(7, app::demo::Size::small);
  auto b = app::demo::make_plan(7, app::demo::Size::small);
  auto c = app::demo::make_plan(8, app::demo::Size::small);
  auto first = [](const Plan& p) {
    for (const auto& cp : p.streets[0].communities[0].grids[0].compounds)
      for (const auto& bl : cp.buildings)
        if (!bl.households.empty()) return bl.households[0].persons[0].name + *bl.households[0].persons[0].id_number;
    return std::string();
  };
  EXPECT_EQ(first(a), first(b));
  EXPECT_NE(first(a), first(c));
  EXPECT_EQ(a.streets[3].communities[3].grids.back().shape, b.streets[3].communities[3].grids.back().shape);
  EXPECT_NE(a.streets[3].communities[3].grids.back().shape, c.streets[3].communities[3].grids.back().shape);
  // Small keeps the tree and the grids of full size, with one building of households.
  auto full = app::demo::make_plan(7, app::demo::Size::full);
  EXPECT_EQ(count(a).buildings, count(full).buildings);
  EXPECT_EQ(a.streets[2].communities[1].grids[0].shape, full.streets[2].communities[1].grids[0].shape);
  EXPECT_GT(count(a).households, 20u);
  EXPECT_LT(count(a).households, 40u);
}
