// Accounts and sessions against a real SQLite database and a manual clock.
#include <gtest/gtest.h>

#include <filesystem>

#include "modules/accounts/accounts.hpp"
#include "store/migrate.hpp"

using namespace mashang;

namespace {

class Accounts : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    dir = std::filesystem::temp_directory_path() / ("mashang-acc-" + crypto::random_token(6));
    db = store::open("sqlite:" + (dir / "a.db").string(), 2, [this] { return clock.now_ms(); });
    ASSERT_TRUE(store::migrate(*db).ok());
    Config::Sessions cfg;
    cfg.ttl_ms = 60'000;
    svc = std::make_unique<accounts::Service>(*db, keys, clock, cfg);
    auto a = svc->create_account({"wang", "138 0013 8000", "王芳", "secret-pass", {{"resident", "/1/2"}}}, nullptr);
    ASSERT_TRUE(a.ok()) << a.error().message;
    id = a->id;
  }
  void TearDown() override {
    svc.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
  Result<accounts::Session> login(const std::string& who, const std::string& pw, const std::string& ip = "10.0.0.1") {
    return svc->login({who, pw, ip, "test"});
  }

  ManualClock clock;
  crypto::Keyring keys = crypto::Keyring::from_hex(std::string(64, 'c'));
  std::filesystem::path dir;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<accounts::Service> svc;
  int64_t id = 0;
};

TEST_F(Accounts, PhoneIsStoredSealedAndShownMasked) {
  auto a = svc->find_by_login("13800138000");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->phone_masked, "138****8000");
  db->read([](store::Conn& c) {
    auto r = c.query_one("SELECT phone_sealed, phone_index FROM accounts");
    EXPECT_EQ(r->text(0).find("13800138000"), std::string::npos);
    EXPECT_EQ(r->text(1).find("13800138000"), std::string::npos);
  });
}

TEST_F(Accounts, LoginByUsernameOrPhoneGivesAWorkingSession) {
  auto s = login("wang", "secret-pass");
  ASSERT_TRUE(s.ok());
  auto p = svc->resolve_session(s->token);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->account_id, id);
  EXPECT_TRUE(p->has_role("resident", "/1/2/3"));
  EXPECT_TRUE(login("+86 13800138000", "secret-pass").ok());
}

TEST_F(Accounts, WrongPasswordAndUnknownLoginAreTheSameError) {
  auto a = login("wang", "wrong-pass");
  auto b = login("nobody", "wrong-pass");
  ASSERT_FALSE(a.ok());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(a.error().code, Errc::unauthenticated);
  EXPECT_EQ(a.error().message, b.error().message);
}

TEST_F(Accounts, SessionsExpireAndLogoutRevokes) {
  auto s = login("wang", "secret-pass");
  ASSERT_TRUE(s.ok());
  auto p = svc->resolve_session(s->token);
  ASSERT_TRUE(p);
  clock.advance_ms(60'001);
  EXPECT_FALSE(svc->resolve_session(s->token)) << "expired, even though it was cached";
  auto s2 = login("wang", "secret-pass");
  auto p2 = svc->resolve_session(s2->token);
  ASSERT_TRUE(p2);
  ASSERT_TRUE(svc->logout(*p2).ok());
  EXPECT_FALSE(svc->resolve_session(s2->token));
  EXPECT_FALSE(svc->resolve_session("forged-token"));
}

TEST_F(Accounts, FiveFailuresLockTheLoginForTheWindow) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(login("wang", "nope-nope").error().code, Errc::unauthenticated);
  auto locked = login("wang", "secret-pass");
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().code, Errc::rate_limited);
  EXPECT_GT(locked.error().retry_after_s, 0);
  EXPECT_FALSE(login("wang", "secret-pass", "10.0.0.2").ok()) << "locked per login, not only per address";
  clock.advance_ms(15 * 60 * 1000 + 1);
  EXPECT_TRUE(login("wang", "secret-pass").ok()) << "the window has passed";
}

TEST_F(Accounts, ValidationNamesTheField) {
  struct Case {
    accounts::NewAccount in;
    std::string field;
  };
  const Case cases[] = {
      {{"Bad Name", std::nullopt, "x", "secret-pass", {}}, "username"},
      {{std::nullopt, "12345", "x", "secret-pass", {}}, "phone"},
      {{"okname", std::nullopt, "", "secret-pass", {}}, "display_name"},
      {{"okname", std::nullopt, "x", "short", {}}, "password"},
      {{"okname", std::nullopt, "x", "secret-pass", {{"king", "/"}}}, "roles"},
      {{std::nullopt, std::nullopt, "x", "secret-pass", {}}, "username"},
  };
  for (const auto& c : cases) {
    auto r = svc->create_account(c.in, nullptr);
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.error().code, Errc::invalid_input);
    EXPECT_EQ(r.error().field, c.field);
  }
  auto dup = svc->create_account({"wang", std::nullopt, "x", "secret-pass", {}}, nullptr);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::conflict);
}

TEST_F(Accounts, OnlyAdminsManageAccounts) {
  auto s = login("wang", "secret-pass");
  auto resident = svc->resolve_session(s->token);
  ASSERT_TRUE(resident);
  EXPECT_EQ(svc->create_account({"other", std::nullopt, "x", "secret-pass", {}}, &*resident).error().code,
            Errc::forbidden);
  EXPECT_EQ(svc->list_accounts(0, 10, *resident).error().code, Errc::forbidden);
  EXPECT_TRUE(svc->get_account(id, *resident).ok()) << "one may read one's own account";
}

}  // namespace

TEST_F(Accounts, StaffGrantAndRevokeWithinTheirScopeAndSessionsSeeItAtOnce) {
  Principal community;
  community.account_id = 500;
  community.grants = {{"community_staff", "/1/2"}};
  Principal other = community;
  other.grants = {{"community_staff", "/1/9"}};
  auto s = login("wang", "secret-pass");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(svc->resolve_session(s->token)->grants.size(), 1u);  // cached now

  auto a = svc->add_grant(id, {"volunteer", "/1/2/3"}, community, "10.0.0.5");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->grants.size(), 2u);
  EXPECT_EQ(svc->resolve_session(s->token)->grants.size(), 2u);  // the cache was dropped
  EXPECT_EQ(svc->add_grant(id, {"volunteer", "/1/2/3"}, community, "").error().code, Errc::conflict);
  // Above their level or outside their scope: refused; an account they cannot see: 404.
  EXPECT_EQ(svc->add_grant(id, {"street_staff", "/1/2"}, community, "").error().code, Errc::forbidden);
  EXPECT_EQ(svc->add_grant(id, {"volunteer", "/1/3"}, community, "").error().code, Errc::forbidden);
  EXPECT_EQ(svc->add_grant(id, {"volunteer", "/1/9"}, other, "").error().code, Errc::not_found);
  EXPECT_EQ(svc->add_grant(id, {"wizard", "/1/2"}, community, "").error().field, "role");

  a = svc->revoke_grant(id, {"volunteer", "/1/2/3"}, community, "10.0.0.5");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->grants.size(), 1u);
  EXPECT_EQ(svc->resolve_session(s->token)->grants.size(), 1u);
  EXPECT_EQ(svc->revoke_grant(id, {"volunteer", "/1/2/3"}, community, "").error().code, Errc::not_found);
  // Staff list the accounts they could have granted to; others are not listed.
  EXPECT_EQ(svc->list_accounts(0, 50, community)->items.size(), 1u);
  EXPECT_EQ(svc->list_accounts(0, 50, other)->items.size(), 0u);
  // Every change is audited.
  int64_t audited = 0;
  db->read([&](store::Conn& c) {
    audited =
        c.query_one("SELECT COUNT(*) FROM audit WHERE action LIKE 'account.grant_%' AND ip = '10.0.0.5'")->integer(0);
  });
  EXPECT_EQ(audited, 2);
}

TEST_F(Accounts, TheLastDistrictAdministratorStays) {
  auto admin = svc->create_account({"root", std::nullopt, "管理员", "secret-pass", {{"district_admin", "/"}}}, nullptr);
  ASSERT_TRUE(admin.ok());
  Principal p;
  p.account_id = admin->id;
  p.grants = {{"district_admin", "/"}};
  EXPECT_EQ(svc->revoke_grant(admin->id, {"district_admin", "/"}, p, "").error().code, Errc::conflict);
  ASSERT_TRUE(svc->add_grant(id, {"district_admin", "/"}, p, "").ok());
  EXPECT_TRUE(svc->revoke_grant(admin->id, {"district_admin", "/"}, p, "").ok());
}
