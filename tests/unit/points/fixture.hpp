#pragma once
// What the points tests share: a service on each database (SQLite, and PostgreSQL when
// MASHANG_TEST_PG_URL is set) over a directory of the test's own — persons, places and
// account links (the registry and territory have their own tests) — and the principals.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "core/crypto.hpp"
#include "modules/points/defaults.hpp"
#include "modules/points/internal.hpp"
#include "modules/points/points.hpp"
#include "store/migrate.hpp"

namespace mashang::points_test {

namespace fs = std::filesystem;
using namespace points;

inline Principal with(int64_t account_id, std::initializer_list<Grant> grants) {
  Principal p;
  p.account_id = account_id;
  p.grants = grants;
  return p;
}

inline std::vector<std::string> urls() {
  crypto::init();
  auto dir = fs::temp_directory_path() / ("mashang-points-" + crypto::random_token(6));
  std::vector<std::string> out = {"sqlite:" + (dir / "p.db").string()};
  if (const char* pg = std::getenv("MASHANG_TEST_PG_URL"); pg && *pg) out.push_back(pg);
  return out;
}

// Street 2, community 3 (grid 4, compound 5, building 6), community 7 (grid 8, compound 9).
inline constexpr int64_t kCommunity = 3, kCompound = 5, kCommunity2 = 7, kCompound2 = 9;
inline const std::string kBuilding = "/2/3/4/5/6", kBuilding2 = "/2/7/8/9/10";

class PointsBase : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    crypto::init();
    db = store::open(GetParam(), 4, [this] { return clock.now_ms(); });
    if (db->dialect() == store::Dialect::postgresql)
      db->raw([](store::Conn& c) { c.script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"); });
    ASSERT_TRUE(store::migrate(*db).ok());
    clock.set_ms(1'767'225'600'000);  // 2026-01-01 00:00 UTC (08:00 in UTC+8)
    // Persons 101–103 live in community 3, 201 in community 7; 101 and 201 have accounts.
    persons = {{101, {kBuilding, "张三"}},
               {102, {kBuilding, "李四"}},
               {103, {kBuilding, "王五"}},
               {201, {kBuilding2, "赵六"}}};
    links = {{501, 101}, {502, 201}};
    svc = make(1);
    ASSERT_TRUE(svc->seed_catalogue().ok());
  }
  void TearDown() override {
    svc.reset();
    db.reset();
    if (GetParam().starts_with("sqlite:")) {
      std::error_code ec;
      fs::remove_all(fs::path(GetParam().substr(7)).parent_path(), ec);
    }
  }

  std::unique_ptr<Service> make(int64_t quorum) {
    Directory dir;
    dir.person = [this](store::Conn&, int64_t id) -> std::optional<Place> {
      auto it = persons.find(id);
      return it == persons.end() ? std::nullopt : std::optional(it->second);
    };
    dir.compound = [](store::Conn&, int64_t id) -> std::optional<Place> {
      if (id == kCompound) return Place{"/2/3/4/5", "一号小区"};
      if (id == kCompound2) return Place{"/2/7/8/9", "二号小区"};
      return std::nullopt;
    };
    dir.street = [](store::Conn&, int64_t id) -> std::optional<Place> {
      return id == 2 ? std::optional<Place>(Place{"/2", "一街道"}) : std::nullopt;
    };
    dir.community = [](store::Conn&, int64_t id) -> std::optional<Place> {
      if (id == kCommunity) return Place{"/2/3", "甲社区"};
      if (id == kCommunity2) return Place{"/2/7", "乙社区"};
      return std::nullopt;
    };
    dir.person_of = [this](store::Conn&, int64_t account) -> std::optional<int64_t> {
      auto it = links.find(account);
      return it == links.end() ? std::nullopt : std::optional(it->second);
    };
    dir.account_of = [this](store::Conn&, int64_t person) -> std::optional<int64_t> {
      for (auto [a, p] : links)
        if (p == person) return a;
      return std::nullopt;
    };
    return std::make_unique<Service>(*db, clock, std::move(dir), Service::Options{quorum});
  }

  int64_t balance(const std::string& kind, int64_t owner) {
    int64_t b = 0;
    db->read([&](store::Conn& c) {
      if (auto a = detail::account_row(c, kind, owner)) b = a->balance;
    });
    return b;
  }

  void grant(int64_t amount, int64_t community = kCommunity) {
    auto g = svc->grant_budget("grant-" + crypto::random_token(6), community, amount, "年度预算", admin, "");
    ASSERT_TRUE(g.ok()) << g.error().message;
  }

  Result<Proposal> propose(const std::string& key, const std::string& item, std::optional<int64_t> person,
                           const Principal& who, std::vector<std::string> evidence = {"photo:abc"}) {
    NewProposal in;
    in.key = key;
    in.item_code = item;
    in.person_id = person;
    in.reason = "经核实属实";
    in.evidence = std::move(evidence);
    return svc->propose(in, who);
  }

  //! Proposes and approves an item for a person; the posted proposal.
  Proposal award(const std::string& item, int64_t person) {
    auto p = propose("k-" + crypto::random_token(8), item, person, worker);
    EXPECT_TRUE(p.ok()) << p.error().message;
    auto v = svc->vote(p->id, true, "", member);
    EXPECT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(v->status, "posted");
    return *v;
  }

  void expect_audit_clean() {
    auto r = svc->audit();
    for (const auto& p : r.problems) ADD_FAILURE() << "audit: " << p;
  }

  ManualClock clock;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<Service> svc;
  std::map<int64_t, Place> persons;
  std::map<int64_t, int64_t> links;  // account → person
  Principal admin = with(1, {{"district_admin", "/"}});
  Principal worker = with(10, {{"grid_worker", "/2/3/4"}});
  Principal cstaff = with(11, {{"community_staff", "/2/3"}});
  Principal member = with(12, {{"committee_member", "/2/3"}});
  Principal member2 = with(13, {{"committee_member", "/2/3"}});
  Principal outsider = with(14, {{"committee_member", "/2/7"}});
  Principal resident = with(501, {{"resident", "/2/3/4"}});
  Principal inspector = with(15, {{"inspector", "/2/3"}});
};

//! The parametrisation every points suite uses: one run per database.
inline std::string driver_name(const ::testing::TestParamInfo<std::string>& p) {
  return p.param.starts_with("sqlite:") ? "sqlite" : "postgresql";
}

}  // namespace mashang::points_test
