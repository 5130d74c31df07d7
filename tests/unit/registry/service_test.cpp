// The registry's handling of personal data against a real SQLite database.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/idcard.hpp"
#include "modules/audit/audit.hpp"
#include "modules/registry/registry.hpp"
#include "store/migrate.hpp"

using namespace mashang;

namespace {

Principal with(std::initializer_list<Grant> grants) {
  Principal p;
  p.account_id = 7;
  p.grants = grants;
  return p;
}

std::string valid_id(const std::string& first17) { return first17 + idcard::check_char(first17); }

class Registry : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    dir = std::filesystem::temp_directory_path() / ("mashang-reg-" + crypto::random_token(6));
    db = store::open("sqlite:" + (dir / "r.db").string(), 2, [this] { return clock.now_ms(); });
    ASSERT_TRUE(store::migrate(*db).ok());
    territory = std::make_unique<territory::Service>(*db, clock);
    svc = std::make_unique<registry::Service>(*db, keys, clock, *territory);
    auto root = territory->create_root("区");
    auto street = territory->create(root->id, "street", "街道", nullptr);
    auto community = territory->create(street->id, "community", "社区", nullptr);
    auto grid = territory->create(community->id, "grid", "网格", nullptr);
    auto compound = territory->create(grid->id, "compound", "小区", nullptr);
    building = *territory->create(compound->id, "building", "1号楼", nullptr);
    other_street = *territory->create(root->id, "street", "另一街道", nullptr);
    auto h = svc->create_household({building.id, "1", 1, "101"}, {admin, "10.0.0.1"});
    ASSERT_TRUE(h.ok()) << h.error().message;
    household = h->id;
  }
  void TearDown() override {
    svc.reset();
    territory.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
  Result<registry::Person> add(const std::string& id_number, const std::string& gender = "M") {
    return svc->add_person(household, {"张三", gender, std::nullopt, id_number, "13812345678", "head", {"elder"}},
                           {admin, "10.0.0.1"});
  }

  ManualClock clock{1'795'900'000'000};  // 2026-11-28
  crypto::Keyring keys = crypto::Keyring::from_hex(std::string(64, 'd'));
  Principal admin = with({{"district_admin", "/"}});
  std::filesystem::path dir;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<territory::Service> territory;
  std::unique_ptr<registry::Service> svc;
  territory::Node building, other_street;
  int64_t household = 0;
};

TEST_F(Registry, IdNumbersAndPhonesAreSealedAtRestAndMaskedInAnswers) {
  std::string id = valid_id("15270119800101123");
  auto p = add(id);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->id_masked, idcard::mask(id));
  EXPECT_EQ(p->phone_masked, "138****5678");
  EXPECT_EQ(p->birth_date, "1980-01-01");
  db->read([&](store::Conn& c) {
    for (const auto& r : c.query("SELECT name, birth_date, id_index, id_sealed, id_masked, phone_index, "
                                 "phone_sealed, phone_masked, tags, path FROM persons"))
      for (size_t i = 0; i < 10; ++i)
        if (!r.is_null(i)) {
          EXPECT_EQ(r.text(i).find(id.substr(6, 8)), std::string::npos) << "column " << i;
          EXPECT_EQ(r.text(i).find("12345678"), std::string::npos) << "column " << i;
        }
  });
}

TEST_F(Registry, AnIdNumberIsRegisteredOnce) {
  std::string id = valid_id("15270119800101123");
  ASSERT_TRUE(add(id).ok());
  auto again = add(id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
  EXPECT_EQ(again.error().field, "id_number");
}

TEST_F(Registry, TheIdNumberMustAgreeWithGenderAndBirthDate) {
  EXPECT_EQ(add(valid_id("15270119800101123"), "F").error().field, "id_number");  // 3: odd, a man
  auto wrong_date = svc->add_person(
      household, {"李四", "M", "1980-01-02", valid_id("15270119800101123"), std::nullopt, "head", {}}, {admin, ""});
  EXPECT_EQ(wrong_date.error().field, "id_number");
  EXPECT_EQ(add("152701198001011230").error().field, "id_number");  // check character
}

TEST_F(Registry, ARevealNeedsAReasonAndIsAudited) {
  std::string id = valid_id("15270119800101123");
  auto p = add(id);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(svc->reveal(p->id, "ab", {admin, ""}).error().field, "reason");
  EXPECT_EQ(svc->reveal(p->id, "家访", {admin, ""}).error().field, "reason");  // 2 characters, 6 bytes
  EXPECT_EQ(svc->reveal(p->id, std::string(201, 'x'), {admin, ""}).error().field, "reason");
  int64_t before = audit::verify(*db).checked;
  auto r = svc->reveal(p->id, "入户核实身份", {admin, "10.0.0.9"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id_number, id);
  EXPECT_EQ(r->phone, "13812345678");
  auto v = audit::verify(*db);
  EXPECT_FALSE(v.broken_at);
  EXPECT_EQ(v.checked, before + 1);
  db->read([&](store::Conn& c) {
    auto row = c.query_one("SELECT action, actor_id, ip, reason FROM audit ORDER BY id DESC LIMIT 1");
    EXPECT_EQ(row->text(0), "registry.person_revealed");
    EXPECT_EQ(row->integer(1), 7);
    EXPECT_EQ(row->text(2), "10.0.0.9");
    EXPECT_EQ(row->text(3), "入户核实身份");
  });
}

TEST_F(Registry, ScopeDecidesWhoReadsWritesAndReveals) {
  auto p = add(valid_id("15270119800101123"));
  ASSERT_TRUE(p.ok());
  auto steward = with({{"steward", building.path}});
  EXPECT_TRUE(svc->household(household, {steward, ""}).ok());
  EXPECT_EQ(svc->reveal(p->id, "看一下号码", {steward, ""}).error().code, Errc::forbidden);
  auto outsider = with({{"street_staff", other_street.path}});
  EXPECT_EQ(svc->household(household, {outsider, ""}).error().code, Errc::not_found);
  EXPECT_EQ(svc->reveal(p->id, "看一下号码", {outsider, ""}).error().code, Errc::not_found);
  EXPECT_TRUE(svc->list(std::nullopt, 0, 50, {outsider, ""})->items.empty());
  auto resident = with({{"resident", "/"}});
  EXPECT_EQ(svc->list(std::nullopt, 0, 50, {resident, ""}).error().code, Errc::forbidden);
  EXPECT_EQ(svc->list(std::nullopt, 0, 50, {steward, ""})->items.size(), 1u);
}

TEST_F(Registry, RefusalsLeaveATraceInTheAuditLog) {
  auto p = add(valid_id("15270119800101123"));
  ASSERT_TRUE(p.ok());
  auto outsider = with({{"street_staff", other_street.path}});
  auto resident = with({{"resident", "/"}});
  EXPECT_FALSE(svc->household(household, {outsider, "10.0.0.66"}).ok());
  EXPECT_FALSE(svc->reveal(p->id, "只是看看号码", {outsider, "10.0.0.66"}).ok());
  EXPECT_FALSE(svc->list(std::nullopt, 0, 50, {resident, "10.0.0.67"}).ok());
  db->read([&](store::Conn& c) {
    auto rows = c.query("SELECT target, ip, details FROM audit WHERE action = 'registry.access_refused' ORDER BY id");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].text(0), "household:" + std::to_string(household));
    EXPECT_EQ(rows[0].text(2), "{\"status\":404}");
    EXPECT_EQ(rows[1].text(0), "person:" + std::to_string(p->id));
    EXPECT_EQ(rows[1].text(1), "10.0.0.66");
    EXPECT_EQ(rows[2].text(0), "households");
    EXPECT_EQ(rows[2].text(2), "{\"status\":403}");
  });
  EXPECT_FALSE(audit::verify(*db).broken_at);
}

}  // namespace

namespace {
registry::NewPerson person(const std::string& name, const std::string& id17, const std::string& gender = "M") {
  return {name, gender, std::nullopt, valid_id(id17), std::nullopt, "head", {}};
}
}  // namespace

TEST_F(Registry, ABatchIsWrittenWholeAndMatchedOnTheSecondRun) {
  std::vector<registry::BatchHousehold> batch{
      {{building.id, "1", 2, "201"}, {person("甲", "15060319800101001"), person("乙", "15060319820202002", "F")}},
      {{building.id, "1", 1, "101"}, {person("丙", "15060319900303003")}},  // the household from SetUp
  };
  auto n = svc->write_batch(batch, {admin, "10.0.0.2"});
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->households_created, 1);
  EXPECT_EQ(n->households_matched, 1);
  EXPECT_EQ(n->persons_created, 3);
  // The same roster again, one person moved to 101: updates, no duplicates.
  batch[1].persons.push_back(batch[0].persons[1]);
  batch[0].persons.pop_back();
  n = svc->write_batch(batch, {admin, "10.0.0.2"});
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->households_created, 0);
  EXPECT_EQ(n->persons_created, 0);
  EXPECT_EQ(n->persons_updated, 3);
  int64_t persons = 0, in_101 = 0, audited = 0;
  db->read([&](store::Conn& c) {
    persons = c.query_one("SELECT COUNT(*) FROM persons")->integer(0);
    in_101 = c.query_one("SELECT COUNT(*) FROM persons WHERE household_id = $1", {household})->integer(0);
    audited = c.query_one(
                   "SELECT COUNT(*) FROM audit WHERE action IN ('registry.person_added', "
                   "'registry.person_updated') AND ip = '10.0.0.2'")
                  ->integer(0);
  });
  EXPECT_EQ(persons, 3);
  EXPECT_EQ(in_101, 2);
  EXPECT_EQ(audited, 6);
  EXPECT_TRUE(audit::verify(*db).problem.empty());
}

TEST_F(Registry, ABadRowOrAForbiddenBuildingWritesNothing) {
  auto count = [&] {
    int64_t n = 0;
    db->read([&](store::Conn& c) { n = c.query_one("SELECT COUNT(*) FROM persons")->integer(0); });
    return n;
  };
  auto bad = person("丁", "15060319800101001");
  bad.id_number->back() = bad.id_number->back() == '0' ? '1' : '0';  // wrong check digit
  auto r = svc->write_batch({{{building.id, "1", 2, "201"}, {person("甲", "15060319800101011"), bad}}}, {admin, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "id_number");
  EXPECT_EQ(count(), 0);
  auto outsider = with({{"community_staff", other_street.path}});
  r = svc->write_batch({{{building.id, "1", 2, "201"}, {person("甲", "15060319800101011")}}}, {outsider, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_EQ(count(), 0);
}

TEST_F(Registry, ARosterDoesNotPullInAPersonRegisteredElsewhere) {
  auto far_compound = territory->create(
      territory
          ->create(territory->create(other_street.id, "community", "远社区", nullptr)->id, "grid", "远网格", nullptr)
          ->id,
      "compound", "远小区", nullptr);
  auto far_building = *territory->create(far_compound->id, "building", "9号楼", nullptr);
  ASSERT_TRUE(
      svc->write_batch({{{far_building.id, "1", 1, "101"}, {person("远", "15060319700505005")}}}, {admin, ""}).ok());
  std::string community = building.path.substr(0, building.path.find('/', building.path.find('/', 1) + 1));
  auto local = with({{"community_staff", community}});
  auto r = svc->write_batch({{{building.id, "1", 3, "301"}, {person("远", "15060319700505005")}}}, {local, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::conflict);
  EXPECT_NE(r.error().message.find("another area"), std::string::npos);
}

TEST_F(Registry, SearchFindsByNameIdNumberPhoneAndTagWithinScope) {
  std::string id = valid_id("15270119800101123");
  ASSERT_TRUE(add(id).ok());  // 张三, phone 13812345678, tag elder
  registry::Caller c{admin, "10.0.0.3"};
  auto by_name = svc->search({"张", "", std::nullopt, 0, 50}, c);
  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
  ASSERT_EQ(by_name->items.size(), 1u);
  EXPECT_EQ(by_name->matched_by, "name");
  EXPECT_EQ(by_name->items[0].address, "1号楼-1单元-101室");
  EXPECT_EQ(by_name->items[0].person.id_masked, idcard::mask(id));
  EXPECT_EQ(svc->search({id, "", std::nullopt, 0, 50}, c)->items.size(), 1u);
  EXPECT_EQ(svc->search({"138 1234 5678", "", std::nullopt, 0, 50}, c)->matched_by, "phone");
  EXPECT_EQ(svc->search({"138 1234 5678", "", std::nullopt, 0, 50}, c)->items.size(), 1u);
  EXPECT_EQ(svc->search({"", "elder", std::nullopt, 0, 50}, c)->items.size(), 1u);
  EXPECT_EQ(svc->search({"", "veteran", std::nullopt, 0, 50}, c)->items.size(), 0u);
  EXPECT_EQ(svc->search({"李", "", std::nullopt, 0, 50}, c)->items.size(), 0u);
  EXPECT_EQ(svc->search({"%", "", std::nullopt, 0, 50}, c)->items.size(), 0u);  // a wildcard is a character
  EXPECT_EQ(svc->search({"", "", std::nullopt, 0, 50}, c).error().field, "q");
  EXPECT_EQ(svc->search({"", "planet", std::nullopt, 0, 50}, c).error().field, "tag");
  // Outside the scope: nothing, and a node outside is 404.
  auto outsider = with({{"community_staff", other_street.path}});
  EXPECT_EQ(svc->search({"张", "", std::nullopt, 0, 50}, {outsider, ""})->items.size(), 0u);
  EXPECT_EQ(svc->search({"张", "", building.id, 0, 50}, {outsider, ""}).error().code, Errc::not_found);
  // Searches by ID number or phone are audited, without the value.
  int64_t audited = 0;
  std::string details;
  db->read([&](store::Conn& conn) {
    audited = conn.query_one("SELECT COUNT(*) FROM audit WHERE action = 'registry.person_searched'")->integer(0);
    for (const auto& r : conn.query("SELECT details FROM audit")) details += r.text(0);
  });
  EXPECT_EQ(audited, 3);
  EXPECT_EQ(details.find("15270119800101"), std::string::npos);
  EXPECT_EQ(details.find("12345678"), std::string::npos);
}

TEST_F(Registry, AResidentSeesTheirOwnHouseholdOnceLinked) {
  auto p = add(valid_id("15270119800101123"));
  ASSERT_TRUE(p.ok());
  int64_t account = 0;
  ASSERT_TRUE(db->write([&](store::Conn& c) -> Status {
                  account = c.query_one(
                                 "INSERT INTO accounts (username, display_name, password_hash, status, created_at, "
                                 "updated_at) VALUES ('zs', '张三', 'x', 'active', 0, 0) RETURNING id")
                                ->integer(0);
                  return ok_status();
                }).ok());
  Principal self;
  self.account_id = account;
  EXPECT_EQ(svc->my_household(self).error().code, Errc::not_found);
  auto steward = with({{"steward", building.path}});
  EXPECT_EQ(svc->link_account(p->id, account, {steward, ""}).error().code, Errc::forbidden);
  ASSERT_TRUE(svc->link_account(p->id, account, {admin, "10.0.0.4"}).ok());
  EXPECT_EQ(svc->link_account(p->id, account, {admin, ""}).error().code, Errc::conflict);
  auto mine = svc->my_household(self);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->first.id, household);
  ASSERT_EQ(mine->second.size(), 1u);
  EXPECT_EQ(mine->second[0].phone_masked, "138****5678");  // masked for the resident too
  ASSERT_TRUE(svc->unlink_account(p->id, {admin, ""}).ok());
  EXPECT_EQ(svc->my_household(self).error().code, Errc::not_found);
}
