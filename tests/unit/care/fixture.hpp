#pragma once
// What the care tests share: a service on each database (SQLite, and PostgreSQL when
// MASHANG_TEST_PG_URL is set) on an injected clock, over a directory of the test's own —
// homes, accounts, places, and the orders module's side of a home service — with an outbox
// whose webhook gateway fails twice, then takes every message.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "core/crypto.hpp"
#include "modules/care/care.hpp"
#include "modules/notify/notify.hpp"
#include "store/migrate.hpp"

namespace mashang::care_test {

namespace fs = std::filesystem;
using namespace care;

inline Principal with(int64_t account_id, std::initializer_list<Grant> grants) {
  Principal p;
  p.account_id = account_id;
  p.grants = grants;
  return p;
}

inline std::vector<std::string> urls() {
  crypto::init();
  auto dir = fs::temp_directory_path() / ("mashang-care-" + crypto::random_token(6));
  std::vector<std::string> out = {"sqlite:" + (dir / "c.db").string()};
  if (const char* pg = std::getenv("MASHANG_TEST_PG_URL"); pg && *pg) out.push_back(pg);
  return out;
}

// Street 2, community 3, grid 4, compound 5, buildings 6 and 7; community 8 (building 9).
constexpr int64_t kBuilding = 6, kCommunity = 3, kStreet = 2;
inline const std::string kPath = "/2/3/4/5/6";

//! A gateway that refuses the first `failures` deliveries, then takes each one, counting.
class Gateway final : public notify::Channel {
 public:
  explicit Gateway(int failures) : failures_(failures) {}
  std::string_view name() const override { return "webhook"; }
  Status send(const notify::Stored& m, const notify::Delivery&) override {
    std::lock_guard lk(mu);
    if (failures_ > 0) {
      --failures_;
      return make_error(Errc::unavailable, "HTTP 503");
    }
    ++received[m.message.dedupe_key];
    return ok_status();
  }
  std::mutex mu;
  std::map<std::string, int> received;

 private:
  int failures_;
};

class Care : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    crypto::init();
    db = store::open(GetParam(), 4, [this] { return clock.now_ms(); });
    if (db->dialect() == store::Dialect::postgresql)
      db->raw([](store::Conn& c) { c.script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"); });
    ASSERT_TRUE(store::migrate(*db).ok());
    clock.set_ms(1'767'225'600'000);
    homes = {{101, Home{101, 11, kBuilding, 3, "刘桂兰", "1号楼-1单元-301室", kPath, "138****0000",
                        keys.seal("13800000000")}},
             {102, Home{102, 12, 9, 1, "赵六", "2号楼-1单元-101室", "/2/8/10/11/9", std::nullopt, std::nullopt}}};
    members = {{20, {20, "楼栋管家张敏", true, {{"steward", kPath}}}},
               {21, {21, "备岗管家王强", true, {{"steward", "/2/3/4/5/7"}}}},
               {22, {22, "社区值班员", true, {{"community_staff", "/2/3"}}}},
               {23, {23, "街道值班员", true, {{"street_staff", "/2"}}}},
               {24, {24, "停用账号", false, {{"steward", kPath}}}},
               {25, {25, "居民", true, {{"resident", kPath}}}}};
    links = {{501, 101}};
    gateway = new Gateway(2);
    std::vector<std::unique_ptr<notify::Channel>> ch;
    ch.push_back(notify::inbox_channel());
    ch.emplace_back(gateway);
    outbox = std::make_unique<notify::Service>(*db, clock, std::move(ch), notify::Service::Options{});
    svc = make();
  }
  void TearDown() override {
    svc.reset();
    outbox.reset();
    db.reset();
    if (GetParam().starts_with("sqlite:")) {
      std::error_code ec;
      fs::remove_all(fs::path(GetParam().substr(7)).parent_path(), ec);
    }
  }

  std::unique_ptr<Service> make() {
    Directory dir;
    dir.home = [this](store::Conn&, int64_t id) -> std::optional<Home> {
      auto it = homes.find(id);
      return it == homes.end() ? std::nullopt : std::optional(it->second);
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
    dir.member = [this](store::Conn&, int64_t id) -> std::optional<Member> {
      auto it = members.find(id);
      return it == members.end() ? std::nullopt : std::optional(it->second);
    };
    dir.node_path = [](store::Conn&, int64_t id, const std::string& kind) -> std::optional<std::string> {
      if (kind == "building" && id == kBuilding) return kPath;
      if (kind == "building" && id == 7) return std::string("/2/3/4/5/7");
      if (kind == "community" && id == kCommunity) return std::string("/2/3");
      if (kind == "community" && id == 8) return std::string("/2/8");
      if (kind == "street" && id == kStreet) return std::string("/2");
      return std::nullopt;
    };
    dir.door = [](const std::string& token, const Principal&) -> Result<Door> {
      if (token == "door-11") return Door{900, 11, kPath};
      if (token == "door-12") return Door{901, 12, "/2/8/10/11/9"};
      if (token == "stall-1") return make_error(Errc::invalid_input, "this is not a household's door code", "token");
      return make_error(Errc::not_found, "no such code");
    };
    dir.room_place = [](const std::string& token, const Principal&) -> Result<int64_t> {
      if (token == "room-1") return int64_t{77};
      if (token == "stall-1") return make_error(Errc::invalid_input, "this is not a function room's code", "token");
      return make_error(Errc::not_found, "no such code");
    };
    dir.room_place_path = [](int64_t place, const Principal&) -> Result<std::string> {
      if (place == 77) return std::string("/2/3/4");  // the station, in community 3
      if (place == 78) return std::string("/2/8");    // another community's
      return make_error(Errc::not_found, "no such place");
    };
    dir.booking_days = [this](int64_t) { return ahead.load(); };
    dir.holders = [this](store::Conn&, const std::string& role, const std::string& path) {
      std::vector<int64_t> out;
      for (const auto& [id, m] : members) {
        Principal p;
        p.grants = m.grants;
        if (m.active && p.has_role(role, path)) out.push_back(id);
      }
      return out;
    };
    // The orders module's side of a home service: each filing is a report with an open order.
    dir.file_report = [this](const std::string& category, const std::string& description, const std::string& path,
                             const Principal& who) -> Result<ServiceOrder> {
      std::lock_guard lk(filed_mu);
      int64_t n = static_cast<int64_t>(filed.size()) + 1;
      ServiceOrder o{n, "report-" + std::to_string(n), 1000 + n, clock.now_ms() + 3'600'000, "open"};
      filed.push_back({category, description, path, who.account_id, o});
      return o;
    };
    dir.report_state = [this](const std::string& token) -> std::optional<ServiceOrder> {
      std::lock_guard lk(filed_mu);
      for (const auto& f : filed)
        if (f.order.token == token) return f.order;
      return std::nullopt;
    };
    return std::make_unique<Service>(*db, clock, keys, std::move(dir), outbox.get(), Service::Options{60'000, 60'000});
  }

  //! Stewards for the building and duty at the community and the street, all day.
  void staff_everything() {
    ASSERT_TRUE(svc->assign(kBuilding, 20, 21, cstaff).ok());
    int64_t now = clock.now_ms();
    ASSERT_TRUE(svc->add_duty(kCommunity, 22, now - 1000, now + 86'400'000, cstaff).ok());
    ASSERT_TRUE(svc->add_duty(kStreet, 23, now - 1000, now + 86'400'000, sstaff).ok());
  }

  //! The accounts alerted at each level, from the timeline.
  std::vector<std::pair<int64_t, int64_t>> alerted(int64_t alarm) {
    std::vector<std::pair<int64_t, int64_t>> out;
    db->read([&](store::Conn& c) {
      for (const auto& r : c.query("SELECT level, account_id FROM care_alarm_steps WHERE alarm_id = $1 AND kind = "
                                   "'alerted' ORDER BY id",
                                   {alarm}))
        out.emplace_back(r.integer(0), r.integer(1));
    });
    return out;
  }

  int64_t count(const std::string& sql, std::vector<store::Value> args = {}) {
    int64_t n = 0;
    db->read([&](store::Conn& c) { n = c.query_one(sql, args)->integer(0); });
    return n;
  }

  ManualClock clock;
  crypto::Keyring keys = crypto::Keyring::from_hex(std::string(64, 'a'));
  std::unique_ptr<store::Db> db;
  std::unique_ptr<notify::Service> outbox;
  Gateway* gateway = nullptr;  // owned by outbox
  std::unique_ptr<Service> svc;
  std::map<int64_t, Home> homes;
  std::map<int64_t, Member> members;
  std::map<int64_t, int64_t> links;  // account → person
  std::atomic<int64_t> ahead{3};     // booking days ahead (the points tier)
  struct Filed {
    std::string category, description, path;
    int64_t by = 0;
    ServiceOrder order;
  };
  std::mutex filed_mu;
  std::vector<Filed> filed;  // home services filed as reports
  Principal elder = with(501, {{"resident", kPath}});
  Principal steward = with(20, {{"steward", kPath}});
  Principal backup = with(21, {{"steward", "/2/3/4/5/7"}});
  Principal cstaff = with(22, {{"community_staff", "/2/3"}});
  Principal sstaff = with(23, {{"street_staff", "/2"}});
  Principal outsider = with(30, {{"community_staff", "/2/8"}});
};

}  // namespace mashang::care_test
