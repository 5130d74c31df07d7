// Organisations on territory nodes: who sees them, who shapes them, validation, audit.
#include "modules/orgs/orgs.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/crypto.hpp"
#include "modules/territory/territory.hpp"
#include "store/migrate.hpp"

using namespace mashang;

namespace {

Principal with(std::initializer_list<Grant> grants) {
  Principal p;
  p.account_id = 3;
  p.grants = grants;
  return p;
}

class Orgs : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    dir = std::filesystem::temp_directory_path() / ("mashang-orgs-" + crypto::random_token(6));
    db = store::open("sqlite:" + (dir / "o.db").string(), 2, [this] { return clock.now_ms(); });
    ASSERT_TRUE(store::migrate(*db).ok());
    ter = std::make_unique<territory::Service>(*db, clock);
    svc = std::make_unique<orgs::Service>(*db, clock);
    auto root = *ter->create_root("区");
    auto street = *ter->create(root.id, "street", "街道", nullptr);
    a = *ter->create(street.id, "community", "甲社区", nullptr);
    b = *ter->create(street.id, "community", "乙社区", nullptr);
    grid = *ter->create(a.id, "grid", "网格", nullptr);
    compound = *ter->create(grid.id, "compound", "小区", nullptr);
  }
  void TearDown() override {
    svc.reset();
    ter.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
  ManualClock clock;
  std::filesystem::path dir;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<territory::Service> ter;
  std::unique_ptr<orgs::Service> svc;
  territory::Node a, b, grid, compound;
};

}  // namespace

TEST_F(Orgs, StaffAddOrganisationsInTheirAreaAndEveryoneThereSeesThem) {
  auto staff = with({{"community_staff", a.path}});
  auto o = svc->create({compound.id, "property_company", "小区物业", "王经理", "0477-8123456"}, staff, "10.0.0.9");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->path, compound.path);
  EXPECT_EQ(svc->create({compound.id, "school", "小区物业", "", ""}, staff, "").error().code, Errc::conflict);
  EXPECT_EQ(svc->create({b.id, "school", "乙小学", "", ""}, staff, "").error().code, Errc::not_found);
  EXPECT_EQ(svc->create({compound.id, "castle", "城堡", "", ""}, staff, "").error().field, "kind");
  EXPECT_EQ(svc->create({compound.id, "shop", "店", "", "call me"}, staff, "").error().field, "phone");
  auto worker = with({{"grid_worker", grid.path}});
  EXPECT_EQ(svc->create({compound.id, "shop", "便利店", "", ""}, worker, "").error().code, Errc::forbidden);
  // A grid worker of the grid sees it; staff of another community do not.
  EXPECT_EQ(svc->list(std::nullopt, "", 0, 50, worker)->items.size(), 1u);
  EXPECT_EQ(svc->list(std::nullopt, "", 0, 50, with({{"community_staff", b.path}}))->items.size(), 0u);
  EXPECT_EQ(svc->get(o->id, with({{"community_staff", b.path}})).error().code, Errc::not_found);
  EXPECT_EQ(svc->list(a.id, "school", 0, 50, staff)->items.size(), 0u);
  EXPECT_EQ(svc->list(a.id, "property_company", 0, 50, staff)->items.size(), 1u);
  // Changes and removal by staff; every change audited.
  auto u = svc->update(o->id, {std::nullopt, std::string("康城物业"), std::nullopt, std::nullopt}, staff, "10.0.0.9");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->name, "康城物业");
  EXPECT_EQ(u->contact, "王经理");
  EXPECT_EQ(svc->remove(o->id, worker, "").error().code, Errc::forbidden);
  ASSERT_TRUE(svc->remove(o->id, staff, "10.0.0.9").ok());
  EXPECT_EQ(svc->get(o->id, staff).error().code, Errc::not_found);
  int64_t audited = 0;
  db->read([&](store::Conn& c) {
    audited =
        c.query_one("SELECT COUNT(*) FROM audit WHERE action LIKE 'organisation.%' AND ip = '10.0.0.9'")->integer(0);
  });
  EXPECT_EQ(audited, 3);
}
