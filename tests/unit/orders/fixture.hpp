#pragma once
// The fixture of the orders module's tests (orders_test.cpp, reports_test.cpp): a territory
// with grids boxed along 39.9–40.0 N, a service over SQLite (and PostgreSQL when
// MASHANG_TEST_PG_URL is set), principals of each role, and helpers to make and read orders.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "core/crypto.hpp"
#include "modules/orders/orders.hpp"
#include "modules/territory/territory.hpp"
#include "store/migrate.hpp"

namespace mashang::orders_test {

namespace fs = std::filesystem;

inline Principal with(int64_t account_id, std::initializer_list<Grant> grants) {
  Principal p;
  p.account_id = account_id;
  p.grants = grants;
  return p;
}

inline bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

inline std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// ---------------------------------------------------------------------------------------
// Against a database

inline std::vector<std::string> urls() {
  crypto::init();
  auto dir = fs::temp_directory_path() / ("mashang-orders-" + crypto::random_token(6));
  std::vector<std::string> out = {"sqlite:" + (dir / "o.db").string()};
  if (const char* pg = std::getenv("MASHANG_TEST_PG_URL"); pg && *pg) out.push_back(pg);
  return out;
}

inline std::string name_of(const ::testing::TestParamInfo<std::string>& p) {
  return p.param.starts_with("sqlite:") ? "sqlite" : "postgresql";
}

// Points: one inside each test grid (a 0.1° box each along 39.9–40.0 N), and one outside all.
constexpr double kLat = 39.95;
constexpr double kGridLon = 116.05, kGrid2Lon = 116.15, kGrid3Lon = 116.25, kGrid4Lon = 116.35;
constexpr double kNowhereLon = 120.5;

class Orders : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    crypto::init();
    db = open_db(2);
    if (db->dialect() == store::Dialect::postgresql)
      db->raw([](store::Conn& c) { c.script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"); });
    auto m = store::migrate(*db);
    ASSERT_TRUE(m.ok()) << m.error().message;
    territory = std::make_unique<territory::Service>(*db, clock);
    auto root = territory->create_root("区");
    ASSERT_TRUE(root.ok()) << root.error().message;
    district = *root;
    street = *territory->create(district.id, "street", "一街道", nullptr);
    community = *territory->create(street.id, "community", "甲社区", nullptr);
    grid = *territory->create(community.id, "grid", "网格一", nullptr);
    grid2 = *territory->create(community.id, "grid", "网格二", nullptr);
    compound = *territory->create(grid.id, "compound", "小区", nullptr);
    community2 = *territory->create(street.id, "community", "乙社区", nullptr);
    grid3 = *territory->create(community2.id, "grid", "网格三", nullptr);
    street2 = *territory->create(district.id, "street", "二街道", nullptr);
    community3 = *territory->create(street2.id, "community", "丙社区", nullptr);
    grid4 = *territory->create(community3.id, "grid", "网格四", nullptr);
    ASSERT_EQ(district.path, "/");
    ASSERT_EQ(orders::level_of(grid.path), "grid");
    ASSERT_EQ(orders::level_of(community.path), "community");
    ASSERT_EQ(orders::level_of(street.path), "street");

    w1 = with(10, {{"grid_worker", grid.path}});
    w1b = with(11, {{"grid_worker", grid.path}});
    w2 = with(12, {{"grid_worker", grid2.path}});
    w3 = with(13, {{"grid_worker", grid3.path}});
    w4 = with(14, {{"grid_worker", grid4.path}});
    inspector = with(15, {{"inspector", grid.path}});
    resident = with(16, {{"resident", grid.path}});
    steward = with(17, {{"steward", compound.path}});
    cstaff = with(18, {{"community_staff", community.path}});

    svc = make(*db);
    auto seeded = svc->seed_catalogue();
    ASSERT_TRUE(seeded.ok()) << seeded.error().message;
    auto k = svc->category("road.streetlight");
    ASSERT_TRUE(k);
    streetlight = *k;
  }
  void TearDown() override {
    svc.reset();
    territory.reset();
    db.reset();
    if (GetParam().starts_with("sqlite:")) {
      std::error_code ec;
      fs::remove_all(fs::path(GetParam().substr(7)).parent_path(), ec);
    }
  }

  std::unique_ptr<store::Db> open_db(int pool) {
    return store::open(GetParam(), pool, [this] { return clock.now_ms(); });
  }

  //! A service over `d` like the server's: the grid boxes below, no codes, photos in a
  //! directory of the test's.
  std::unique_ptr<orders::Service> make(store::Db& d) {
    return std::make_unique<orders::Service>(
        d, keys, clock, grid_at(),
        [](const std::string&) -> Result<std::string> { return make_error(Errc::not_found, "no such code"); },
        orders::Service::Options{(fs::temp_directory_path() / ("orders-photos-" + std::to_string(::getpid()))).string(),
                                 72});
  }

  //! The grids module's lookup, played by a box per grid.
  orders::Service::GridAt grid_at() {
    return [this](double lon, double lat) -> std::optional<std::string> {
      if (lat < 39.9 || lat >= 40.0) return std::nullopt;
      if (lon >= 116.0 && lon < 116.1) return grid.path;
      if (lon >= 116.1 && lon < 116.2) return grid2.path;
      if (lon >= 116.2 && lon < 116.3) return grid3.path;
      if (lon >= 116.3 && lon < 116.4) return grid4.path;
      return std::nullopt;
    };
  }

  static orders::NewOrder at_point(const std::string& code, double lon, double lat = kLat,
                                   const std::string& description = "路灯不亮了，晚上很黑") {
    orders::NewOrder n;
    n.category_code = code;
    n.description = description;
    n.lon = lon;
    n.lat = lat;
    return n;
  }

  //! An order created by `who` at a point (in w1's grid unless told).
  orders::Order make(const Principal& who, const std::string& code = "road.streetlight", double lon = kGridLon) {
    auto r = svc->create(at_point(code, lon), who);
    EXPECT_TRUE(r.ok()) << code << ": " << r.error().message;
    return r.ok() ? *r : orders::Order{};
  }

  orders::Order row(int64_t id, orders::Service* s = nullptr) {
    auto r = (s ? s : svc.get())->get(id, admin);
    EXPECT_TRUE(r.ok()) << "order " << id << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? r->first : orders::Order{};
  }
  std::vector<orders::Step> steps(int64_t id) {
    auto r = svc ? svc->get(id, admin) : make(*db)->get(id, admin);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->second : std::vector<orders::Step>{};
  }
  std::vector<std::string> step_names(int64_t id) {
    std::vector<std::string> out;
    for (const auto& s : steps(id)) out.push_back(s.step);
    return out;
  }
  int64_t count(const std::string& sql, const std::vector<store::Value>& params = {}) {
    int64_t n = -1;
    db->read([&](store::Conn& c) { n = c.query_one(sql, params)->integer(0); });
    return n;
  }
  int64_t steps_named(int64_t id, const std::string& step) {
    return count("SELECT COUNT(*) FROM order_steps WHERE order_id = $1 AND step = $2", {id, step});
  }
  void sql(const std::string& statement, const std::vector<store::Value>& params = {}) {
    auto st = db->write([&](store::Conn& c) -> Status {
      c.exec(statement, params);
      return ok_status();
    });
    ASSERT_TRUE(st.ok());
  }
  //! A category only inspectors may claim (the default catalogue has none: every default
  //! category lists grid_worker).
  void add_inspector_category() {
    sql("INSERT INTO categories (code, name_zh, name_en, group_name, claim_minutes, finish_minutes, claim_roles, "
        "departments, photos_required, triage, active, updated_at) VALUES ('test.inspect', '执法专项', "
        "'Inspectors only', '测试', 30, 240, 'inspector', '', 0, 0, 1, $1)",
        {clock.now_ms()});
  }
  std::vector<int64_t> pool_ids(const Principal& who, int64_t after = 0, int64_t limit = 200) {
    auto p = svc->pool(who, after, limit);
    EXPECT_TRUE(p.ok()) << p.error().message;
    std::vector<int64_t> out;
    if (p.ok())
      for (const auto& o : p->items) out.push_back(o.id);
    return out;
  }
  //! Every page of the pool at `limit`, following next_after to the end.
  std::vector<int64_t> walk_pool(const Principal& who, int64_t limit) {
    std::vector<int64_t> out;
    int64_t after = 0;
    for (int guard = 0; guard < 1000; ++guard) {
      auto p = svc->pool(who, after, limit);
      EXPECT_TRUE(p.ok()) << p.error().message;
      if (!p.ok()) break;
      EXPECT_LE(static_cast<int64_t>(p->items.size()), limit);
      for (const auto& o : p->items) out.push_back(o.id);
      if (!p->next_after) break;
      EXPECT_EQ(*p->next_after, p->items.back().id);
      after = *p->next_after;
    }
    return out;
  }

  ManualClock clock{1'795'900'000'000};  // 2026-11-29 05:06 in China Standard Time
  Principal admin = with(1, {{"district_admin", "/"}});
  Principal w1, w1b, w2, w3, w4, inspector, resident, steward, cstaff;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<territory::Service> territory;
  crypto::Keyring keys = crypto::Keyring::from_hex(std::string(64, 'e'));
  std::unique_ptr<orders::Service> svc;
  territory::Node district, street, community, grid, grid2, compound, community2, grid3, street2, community3, grid4;
  orders::Category streetlight;  // road.streetlight: grid_worker and community_staff claim it
};

}  // namespace mashang::orders_test
