// The territory tree's rules against a real SQLite database: levels, paths, names, views.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/crypto.hpp"
#include "modules/territory/territory.hpp"
#include "store/migrate.hpp"

using namespace mashang;

namespace {

Principal with(std::initializer_list<Grant> grants) {
  Principal p;
  p.account_id = 99;
  p.grants = grants;
  return p;
}

class Territory : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    dir = std::filesystem::temp_directory_path() / ("mashang-ter-" + crypto::random_token(6));
    db = store::open("sqlite:" + (dir / "t.db").string(), 2, [this] { return clock.now_ms(); });
    ASSERT_TRUE(store::migrate(*db).ok());
    svc = std::make_unique<territory::Service>(*db, clock);
    root = *svc->create_root("康巴什区");
    a = *svc->create(root.id, "street", "A街道", nullptr);
    b = *svc->create(root.id, "street", "B街道", nullptr);
    a1 = *svc->create(a.id, "community", "A1社区", nullptr);
    b1 = *svc->create(b.id, "community", "B1社区", nullptr);
  }
  void TearDown() override {
    svc.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
  ManualClock clock;
  std::filesystem::path dir;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<territory::Service> svc;
  territory::Node root, a, b, a1, b1;
};

TEST_F(Territory, PathsAreTheIdsBelowTheRoot) {
  EXPECT_EQ(root.path, "/");
  // (appended step by step: GCC 12 warns falsely, -Wrestrict, on "/" + std::to_string(…))
  std::string street = "/";
  street += std::to_string(a.id);
  EXPECT_EQ(a.path, street);
  std::string community = street;
  community += '/';
  community += std::to_string(a1.id);
  EXPECT_EQ(a1.path, community);
  EXPECT_EQ(a1.parent_id, a.id);
  EXPECT_FALSE(root.parent_id);
}

TEST_F(Territory, ChildrenAreExactlyOneLevelDown) {
  auto admin = with({{"district_admin", "/"}});
  EXPECT_EQ(svc->create(root.id, "community", "x", &admin).error().field, "kind");
  EXPECT_EQ(svc->create(a1.id, "building", "x", &admin).error().field, "kind");
  EXPECT_EQ(svc->create(a1.id, "planet", "x", &admin).error().field, "kind");
  auto g = svc->create(a1.id, "grid", "网格一", &admin);
  ASSERT_TRUE(g.ok());
  auto c = svc->create(g->id, "compound", "小区", &admin);
  ASSERT_TRUE(c.ok());
  auto bld = svc->create(c->id, "building", "1号楼", &admin);
  ASSERT_TRUE(bld.ok());
  EXPECT_EQ(svc->create(bld->id, "building", "x", &admin).error().field, "kind");
  EXPECT_EQ(svc->create_root("again").error().code, Errc::conflict);
}

TEST_F(Territory, NamesAreTextAndUniqueAmongSiblings) {
  auto admin = with({{"district_admin", "/"}});
  for (std::string bad : std::vector<std::string>{"", "   ", std::string(65, 'x'), "tab\there", "\xff"})
    EXPECT_EQ(svc->create(a.id, "community", bad, &admin).error().field, "name") << bad;
  EXPECT_EQ(svc->create(a.id, "community", "A1社区", &admin).error().code, Errc::conflict);
  EXPECT_TRUE(svc->create(b.id, "community", "A1社区", &admin).ok());  // another parent: fine
  EXPECT_EQ(svc->rename(b1.id, "A1社区", admin).error().code, Errc::conflict);
  clock.advance_ms(5);
  auto r = svc->rename(b1.id, "B1新社区", admin);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name, "B1新社区");
  EXPECT_GT(r->updated_at, r->created_at);
}

TEST_F(Territory, StaffShapeOnlyTheirOwnPartAtTheirLevels) {
  auto street = with({{"street_staff", a.path}});
  EXPECT_TRUE(svc->create(a.id, "community", "A2社区", &street).ok());
  EXPECT_EQ(svc->create(root.id, "street", "C街道", &street).error().code, Errc::forbidden);  // sees the root
  EXPECT_EQ(svc->create(b.id, "community", "B2社区", &street).error().code, Errc::not_found);  // does not see B
  auto community = with({{"community_staff", a1.path}});
  EXPECT_TRUE(svc->create(a1.id, "grid", "网格", &community).ok());
  EXPECT_EQ(svc->create(a.id, "community", "A3社区", &community).error().code, Errc::forbidden);
  EXPECT_EQ(svc->rename(a1.id, "改名", community).error().code, Errc::forbidden);  // its parent is a street
  auto resident = with({{"resident", "/"}});
  EXPECT_EQ(svc->create(a.id, "community", "x", &resident).error().code, Errc::forbidden);
  EXPECT_EQ(svc->rename(root.id, "x", street).error().code, Errc::forbidden);
}

TEST_F(Territory, TheViewIsTheGrantsSubtreesAndTheWayDownToThem) {
  auto community = with({{"grid_worker", a1.path}});
  EXPECT_TRUE(svc->get(a1.id, community).ok());
  EXPECT_TRUE(svc->get(a.id, community).ok());     // on the way
  EXPECT_TRUE(svc->get(root.id, community).ok());  // on the way
  EXPECT_EQ(svc->get(b.id, community).error().code, Errc::not_found);
  EXPECT_EQ(svc->get(b1.id, community).error().code, Errc::not_found);
  // children of the root seen on the way: only street A
  auto top = svc->list(root.id, 0, 50, community);
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->items.size(), 1u);
  EXPECT_EQ(top->items[0].id, a.id);
  EXPECT_EQ(svc->list(b.id, 0, 50, community).error().code, Errc::not_found);
  // without a parent: the nodes at the grants
  auto mine = svc->list(std::nullopt, 0, 50, community);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->items.size(), 1u);
  EXPECT_EQ(mine->items[0].id, a1.id);
}

TEST_F(Territory, ListsPageById) {
  auto admin = with({{"district_admin", "/"}});
  auto p1 = svc->list(root.id, 0, 1, admin);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->items.size(), 1u);
  EXPECT_EQ(p1->items[0].id, a.id);
  ASSERT_TRUE(p1->next_after);
  auto p2 = svc->list(root.id, *p1->next_after, 1, admin);
  ASSERT_EQ(p2->items.size(), 1u);
  EXPECT_EQ(p2->items[0].id, b.id);
  EXPECT_FALSE(p2->next_after);
  EXPECT_EQ(svc->list(root.id, 0, 0, admin).error().field, "limit");
  EXPECT_EQ(svc->list(root.id, 0, 201, admin).error().field, "limit");
  EXPECT_EQ(svc->list(root.id, -1, 5, admin).error().field, "after");
  EXPECT_EQ(svc->list(987654, 0, 5, admin).error().code, Errc::not_found);
}

}  // namespace
