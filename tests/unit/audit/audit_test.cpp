// The audit log's hash chain on SQLite, and on PostgreSQL when MASHANG_TEST_PG_URL is set.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "modules/audit/audit.hpp"
#include "store/migrate.hpp"

using namespace mashang;

namespace {

std::vector<std::string> urls() {
  crypto::init();
  auto dir = std::filesystem::temp_directory_path() / ("mashang-audit-" + crypto::random_token(6));
  std::vector<std::string> out = {"sqlite:" + (dir / "a.db").string()};
  if (const char* pg = std::getenv("MASHANG_TEST_PG_URL"); pg && *pg) out.push_back(pg);
  return out;
}

class Audit : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db = store::open(GetParam(), 2, [this] { return clock.now_ms(); });
    if (db->dialect() == store::Dialect::postgresql)
      db->raw([](store::Conn& c) { c.script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"); });
    ASSERT_TRUE(store::migrate(*db).ok());
    for (int i = 1; i <= 4; ++i)
      ASSERT_TRUE(db->write([&](store::Conn& c) -> Status {
        audit::record(c, {"test.changed", "thing:" + std::to_string(i), i, "10.0.0." + std::to_string(i), "",
                          "{\"n\":" + std::to_string(i) + "}"},
                      clock.now_ms());
        return ok_status();
      }).ok());
  }
  void TearDown() override {
    db.reset();
    if (GetParam().starts_with("sqlite:"))
      std::filesystem::remove_all(std::filesystem::path(GetParam().substr(7)).parent_path());
  }
  void sql(const std::string& s) {
    db->raw([&](store::Conn& c) { c.script(s); });
  }
  ManualClock clock;
  std::unique_ptr<store::Db> db;
};

TEST_P(Audit, AnIntactChainVerifies) {
  auto v = audit::verify(*db);
  EXPECT_FALSE(v.broken_at) << v.problem;
  EXPECT_EQ(v.checked, 4);
}

TEST_P(Audit, AnEditedRecordIsCaught) {
  sql("UPDATE audit SET ip = '10.9.9.9' WHERE id = 2");
  auto v = audit::verify(*db);
  ASSERT_TRUE(v.broken_at);
  EXPECT_EQ(*v.broken_at, 2);
}

TEST_P(Audit, AnEditedRecordWithARecomputedOwnHashIsCaughtByTheNextLink) {
  // Forging record 2's hash as well does not help: record 3 links to the old one.
  sql("UPDATE audit SET reason = 'forged', hash = 'x' WHERE id = 2");
  auto v = audit::verify(*db);
  ASSERT_TRUE(v.broken_at);
  EXPECT_EQ(*v.broken_at, 2);
}

TEST_P(Audit, ADeletedRecordIsCaught) {
  sql("DELETE FROM audit WHERE id = 3");
  auto v = audit::verify(*db);
  ASSERT_TRUE(v.broken_at);
  EXPECT_EQ(*v.broken_at, 4);
}

TEST_P(Audit, DeletingTheNewestRecordsIsCaughtByTheHead) {
  sql("DELETE FROM audit WHERE id >= 3");
  auto v = audit::verify(*db);
  ASSERT_TRUE(v.broken_at);
  EXPECT_EQ(*v.broken_at, 0);
}

TEST_P(Audit, ARecordRolledBackWithItsTransactionLeavesTheChainWhole) {
  EXPECT_FALSE(db->write([&](store::Conn& c) -> Status {
    audit::record(c, {"test.changed", "thing:9", 1, "", "", "{}"}, clock.now_ms());
    return make_error(Errc::invalid_input, "changed my mind");
  }).ok());
  ASSERT_TRUE(db->write([&](store::Conn& c) -> Status {
    audit::record(c, {"test.changed", "thing:5", 1, "", "", "{}"}, clock.now_ms());
    return ok_status();
  }).ok());
  auto v = audit::verify(*db);
  EXPECT_FALSE(v.broken_at) << v.problem;
  EXPECT_EQ(v.checked, 5);
}

INSTANTIATE_TEST_SUITE_P(Drivers, Audit, ::testing::ValuesIn(urls()),
                         [](const auto& info) { return info.param.starts_with("sqlite:") ? "sqlite" : "postgresql"; });

}  // namespace
