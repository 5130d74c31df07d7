// Grid polygons: validation, GeoJSON round trip, the R-tree, and imports against SQLite.
#include "modules/grids/grids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/crypto.hpp"
#include "modules/grids/geometry.hpp"
#include "modules/territory/territory.hpp"
#include "store/migrate.hpp"

using namespace mashang;
using grids::Position;
using grids::Shape;

namespace {

// A closed square ring from (x, y) with side d, counterclockwise unless `cw`.
grids::Ring square(double x, double y, double d, bool cw = false) {
  grids::Ring r{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}};
  if (cw) std::reverse(r.begin(), r.end());
  return r;
}

Shape one(grids::Ring r) { return Shape{grids::Polygon{std::move(r)}}; }

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(GridGeometry, AcceptsAValidPolygonInEitherOrientation) {
  EXPECT_EQ(grids::geo::problem(one(square(109.78, 39.60, 0.01))), "");
  EXPECT_EQ(grids::geo::problem(one(square(109.78, 39.60, 0.01, true))), "");
  auto fixed = grids::geo::oriented(one(square(0, 0, 1, true)));
  EXPECT_EQ(fixed[0][0], square(0, 0, 1));
  // A hole is turned clockwise.
  auto holed = grids::geo::oriented(Shape{grids::Polygon{square(0, 0, 4), square(1, 1, 1)}});
  EXPECT_EQ(holed[0][1], square(1, 1, 1, true));
  EXPECT_EQ(grids::geo::problem(holed), "");
}

TEST(GridGeometry, NamesWhatIsWrong) {
  auto open_ring = square(0, 0, 1);
  open_ring.back() = {0.1, 0};
  EXPECT_TRUE(has(grids::geo::problem(one(open_ring)), "not closed")) << grids::geo::problem(one(open_ring));
  EXPECT_TRUE(has(grids::geo::problem(one({{0, 0}, {1, 0}, {0, 0}})), "at least 4"));
  EXPECT_TRUE(has(grids::geo::problem(one(square(179.5, 0, 1))), "longitude 180.5 is outside"));
  EXPECT_TRUE(has(grids::geo::problem(one(square(0, 89.5, 1))), "latitude 90.5 is outside"));
  EXPECT_TRUE(has(grids::geo::problem(one({{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}})), "crosses"))
      << grids::geo::problem(one({{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}));
  EXPECT_TRUE(has(grids::geo::problem(one({{0, 0}, {1, 0}, {2, 0}, {0, 0}})), "ring"));
  EXPECT_TRUE(has(grids::geo::problem(Shape{grids::Polygon{square(0, 0, 1), square(5, 5, 1)}}), "hole"));
  EXPECT_TRUE(
      has(grids::geo::problem(Shape{grids::Polygon{square(0, 0, 2)}, grids::Polygon{square(1, 1, 2)}}), "crosses"));
  EXPECT_TRUE(has(grids::geo::problem(Shape{}), "no polygons"));
}

TEST(GridGeometry, GeoJsonRoundTrip) {
  Shape multi{grids::Polygon{square(109.7, 39.5, 0.05), square(109.71, 39.51, 0.01, true)},
              grids::Polygon{square(109.8, 39.6, 0.0123456789)}};
  auto text = grids::geo::to_geojson(multi, true);
  EXPECT_TRUE(has(text, "\"MultiPolygon\""));
  auto back = grids::geo::from_geojson(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, multi);  // shortest round-trip decimals: exact
  auto single = grids::geo::to_geojson(one(square(1, 2, 3)), false);
  EXPECT_EQ(single, "{\"type\":\"Polygon\",\"coordinates\":[[[1,2],[4,2],[4,5],[1,5],[1,2]]]}");
  EXPECT_EQ(*grids::geo::from_geojson(single), one(square(1, 2, 3)));
  EXPECT_FALSE(grids::geo::from_geojson("{\"type\":\"Polygon\",\"coordinates\":[[[1,2],[4,").ok());
}

TEST(GridGeometry, TreeFindsTheCoveringShapeAndRealOverlaps) {
  grids::geo::Tree t({{1, one(square(0, 0, 1))}, {2, one(square(1, 0, 1))}, {3, one(square(0, 1, 2))}});
  EXPECT_EQ(t.covering(0.5, 0.5), 1);
  EXPECT_EQ(t.covering(1.5, 0.5), 2);
  EXPECT_EQ(t.covering(1.0, 0.5), 1);  // on the shared edge: the lower id, every time
  EXPECT_EQ(t.covering(1.5, 2.5), 3);
  EXPECT_FALSE(t.covering(5, 5));
  // A neighbour sharing an edge does not overlap; one that reaches in does.
  EXPECT_FALSE(t.overlapping(one(square(2, 0, 1)), 0));
  EXPECT_EQ(t.overlapping(one(square(0.5, -0.5, 0.25 + 0.5)), 0), 1);
  EXPECT_FALSE(t.overlapping(one(square(0, 0, 1)), 1));  // itself
}

namespace {

Principal with(std::initializer_list<Grant> grants) {
  Principal p;
  p.account_id = 7;
  p.grants = grants;
  return p;
}

grids::FeatureIn feature(std::optional<int64_t> node, std::optional<int64_t> parent, std::string name, Shape s) {
  grids::FeatureIn f;
  f.node_id = node;
  f.parent_id = parent;
  f.name = std::move(name);
  f.shape = std::move(s);
  return f;
}

class Grids : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    dir = std::filesystem::temp_directory_path() / ("mashang-grids-" + crypto::random_token(6));
    db = store::open("sqlite:" + (dir / "g.db").string(), 2, [this] { return clock.now_ms(); });
    ASSERT_TRUE(store::migrate(*db).ok());
    ter = std::make_unique<territory::Service>(*db, clock);
    svc = std::make_unique<grids::Service>(*db, clock);
    auto root = *ter->create_root("康巴什区");
    auto street = *ter->create(root.id, "street", "滨河街道", nullptr);
    a = *ter->create(street.id, "community", "康城社区", nullptr);
    b = *ter->create(street.id, "community", "宁馨社区", nullptr);
  }
  void TearDown() override {
    svc.reset();
    ter.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
  int64_t count(const char* sql) {
    int64_t n = 0;
    db->read([&](store::Conn& c) { n = c.query_one(sql)->integer(0); });
    return n;
  }
  ManualClock clock;
  std::filesystem::path dir;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<territory::Service> ter;
  std::unique_ptr<grids::Service> svc;
  territory::Node a, b;
  Principal admin = with({{"district_admin", "/"}});
};

}  // namespace

TEST_F(Grids, ImportCreatesGridsAndLocatesPoints) {
  std::vector<grids::FeatureIn> fs;
  fs.push_back(feature(std::nullopt, a.id, "第一网格", one(square(109.78, 39.60, 0.01))));
  fs.push_back(feature(std::nullopt, b.id, "第一网格", one(square(109.79, 39.60, 0.01, true))));
  auto rep = svc->import(fs, false, admin, "127.0.0.1");
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_TRUE(rep->problems.empty()) << rep->problems[0].message;
  EXPECT_TRUE(rep->applied);
  EXPECT_EQ(rep->created, 2u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM grid_shapes"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM nodes WHERE kind = 'grid'"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit WHERE action = 'territory.grid_shaped'"), 2);
  auto hit = svc->locate(109.785, 39.605);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->community_name, "康城社区");
  EXPECT_EQ(hit->grid_name, "第一网格");
  EXPECT_EQ(svc->locate(109.795, 39.605)->community_name, "宁馨社区");
  EXPECT_FALSE(svc->locate(109.70, 39.605));

  // Re-importing by node id moves the grid; the index follows.
  auto moved = feature(hit->grid_id, std::nullopt, "", one(square(109.70, 39.60, 0.01)));
  rep = svc->import({moved}, false, admin, "");
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->updated, 1u);
  EXPECT_EQ(svc->locate(109.705, 39.605)->grid_id, hit->grid_id);
  EXPECT_FALSE(svc->locate(109.785, 39.605));
  // The same by community and name updates rather than duplicates.
  rep = svc->import({feature(std::nullopt, a.id, "第一网格", one(square(109.78, 39.60, 0.01)))}, false, admin, "");
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->updated, 1u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM nodes WHERE kind = 'grid'"), 2);
  EXPECT_EQ(svc->shaped(admin).size(), 2u);
}

TEST_F(Grids, DryRunAndProblemsWriteNothing) {
  std::vector<grids::FeatureIn> fs;
  fs.push_back(feature(std::nullopt, a.id, "一", one(square(0, 0, 1))));
  fs.push_back(feature(std::nullopt, a.id, "二", one(square(0.5, 0.5, 1))));  // overlaps feature 0
  fs.push_back(feature(std::nullopt, a.id, "三", one({{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}})));
  fs.push_back(feature(std::nullopt, std::nullopt, "", one(square(5, 5, 1))));
  fs.push_back(feature(std::nullopt, a.id, "一", one(square(7, 7, 1))));  // the same grid as feature 0
  grids::FeatureIn unreadable;
  unreadable.problem = "geometry.type must be \"Polygon\" or \"MultiPolygon\" (a grid is an area)";
  fs.push_back(unreadable);
  auto rep = svc->import(fs, false, admin, "");
  ASSERT_TRUE(rep.ok());
  EXPECT_FALSE(rep->applied);
  ASSERT_EQ(rep->problems.size(), 6u);
  EXPECT_EQ(rep->problems[0].feature, 0u);  // an overlap is reported on both features
  EXPECT_TRUE(has(rep->problems[0].message, "overlaps feature 1")) << rep->problems[0].message;
  EXPECT_TRUE(has(rep->problems[1].message, "overlaps feature 0")) << rep->problems[1].message;
  EXPECT_TRUE(has(rep->problems[2].message, "crosses"));
  EXPECT_TRUE(has(rep->problems[3].message, "name the grid"));
  EXPECT_TRUE(has(rep->problems[4].message, "same grid as feature 0"));
  EXPECT_EQ(rep->problems[5].feature, 5u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM grid_shapes"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM nodes WHERE kind = 'grid'"), 0);

  rep = svc->import({feature(std::nullopt, a.id, "一", one(square(0, 0, 1)))}, true, admin, "");
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->problems.empty());
  EXPECT_FALSE(rep->applied);
  EXPECT_EQ(rep->created, 1u);  // what it would do
  EXPECT_EQ(count("SELECT COUNT(*) FROM grid_shapes"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM nodes WHERE kind = 'grid'"), 0);
}

TEST_F(Grids, OverlapWithAStoredGridIsRefused) {
  ASSERT_TRUE(svc->import({feature(std::nullopt, a.id, "一", one(square(0, 0, 1)))}, false, admin, "")->applied);
  auto rep = svc->import({feature(std::nullopt, b.id, "二", one(square(0.9, 0, 1)))}, false, admin, "");
  ASSERT_EQ(rep->problems.size(), 1u);
  EXPECT_TRUE(has(rep->problems[0].message, "overlaps grid 一")) << rep->problems[0].message;
  // Staff of another community learn of an overlap, not of the grid's name.
  rep = svc->import({feature(std::nullopt, b.id, "二", one(square(0.9, 0, 1)))}, false,
                    with({{"community_staff", b.path}}), "");
  ASSERT_EQ(rep->problems.size(), 1u);
  EXPECT_EQ(rep->problems[0].message, "overlaps a grid outside your area");
  // A neighbour along the shared edge is fine.
  EXPECT_TRUE(svc->import({feature(std::nullopt, b.id, "二", one(square(1, 0, 1)))}, false, admin, "")->applied);
}

TEST_F(Grids, StaffShapeOnlyTheirOwnCommunity) {
  auto staff = with({{"community_staff", a.path}});
  auto rep = svc->import({feature(std::nullopt, b.id, "二", one(square(0, 0, 1)))}, false, staff, "");
  ASSERT_EQ(rep->problems.size(), 1u);
  EXPECT_TRUE(has(rep->problems[0].message, "no node you may see")) << rep->problems[0].message;
  EXPECT_TRUE(svc->import({feature(std::nullopt, a.id, "一", one(square(0, 0, 1)))}, false, staff, "")->applied);
  auto worker = with({{"grid_worker", a.path}});
  EXPECT_EQ(svc->import({feature(std::nullopt, a.id, "一", one(square(0, 0, 1)))}, false, worker, "").error().code,
            Errc::forbidden);
  // Export shows each caller only the grids in view.
  EXPECT_EQ(svc->shaped(staff).size(), 1u);
  EXPECT_EQ(svc->shaped(with({{"community_staff", b.path}})).size(), 0u);
  EXPECT_EQ(svc->shaped(with({})).size(), 0u);
}
