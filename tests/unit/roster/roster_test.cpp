// Roster imports against a real SQLite database: the check (every problem, nothing written),
// applying (written, progress, idempotent on a re-run), all or nothing per building when a
// batch fails, who may add buildings; and the columns: headers and the spellings of values.
#include "modules/roster/roster.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/crypto.hpp"
#include "core/idcard.hpp"
#include "modules/registry/registry.hpp"
#include "modules/roster/columns.hpp"
#include "modules/territory/territory.hpp"
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

const std::string kHeader = "社区,网格,小区,楼栋,单元,房号,姓名,性别,身份证号,手机号,与户主关系,标签\n";

//! One CSV line in 社区 / 网格 / 小区.
std::string line(const std::string& building, const std::string& room, const std::string& name,
                 const std::string& id = "", const std::string& relation = "户主", const std::string& gender = "男",
                 const std::string& tags = "") {
  return "社区,网格,小区," + building + ",1," + room + "," + name + "," + gender + "," + id + ",," + relation + "," +
         tags + "\n";
}

sheet::Row row_of(int64_t number, std::vector<std::string> texts) {
  sheet::Row r;
  r.number = number;
  for (auto& t : texts) r.cells.push_back({std::move(t), false});
  return r;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class Roster : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    dir = std::filesystem::temp_directory_path() / ("mashang-roster-" + crypto::random_token(6));
    std::filesystem::create_directories(dir);
    db = store::open("sqlite:" + (dir / "r.db").string(), 2, [this] { return clock.now_ms(); });
    ASSERT_TRUE(store::migrate(*db).ok());
    territory = std::make_unique<territory::Service>(*db, clock);
    registry = std::make_unique<registry::Service>(*db, keys, clock, *territory);
    svc = std::make_unique<roster::Service>(*db, keys, clock, *territory, *registry, (dir / "uploads").string());
    auto root = territory->create_root("区");
    auto street = territory->create(root->id, "street", "街道", nullptr);
    community = *territory->create(street->id, "community", "社区", nullptr);
    grid = *territory->create(community.id, "grid", "网格", nullptr);
    compound = *territory->create(grid.id, "compound", "小区", nullptr);
    b1 = *territory->create(compound.id, "building", "1号楼", nullptr);
    b2 = *territory->create(compound.id, "building", "2号楼", nullptr);
    // Elsewhere: another street, with a person whose ID number a roster of 社区 will name.
    auto other = territory->create(root->id, "street", "另一街道", nullptr);
    auto oc = territory->create(other->id, "community", "别的社区", nullptr);
    auto og = territory->create(oc->id, "grid", "别的网格", nullptr);
    auto ocp = territory->create(og->id, "compound", "别的小区", nullptr);
    auto ob = territory->create(ocp->id, "building", "外楼", nullptr);
    auto h = registry->create_household({ob->id, "1", 1, "101"}, {admin, ""});
    ASSERT_TRUE(h.ok()) << h.error().message;
    far_household = h->id;
    auto p = registry->add_person(h->id, {"外人", "M", std::nullopt, elsewhere, std::nullopt, "head", {}}, {admin, ""});
    ASSERT_TRUE(p.ok()) << p.error().message;
    staff = with({{"community_staff", community.path}});
    gridder = with({{"grid_worker", grid.path}});
  }
  void TearDown() override {
    svc.reset();
    registry.reset();
    territory.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
  int64_t count(const std::string& sql) {
    int64_t n = -1;
    db->read([&](store::Conn& c) { n = c.query_one(sql)->integer(0); });
    return n;
  }
  int64_t households_in(const territory::Node& b) {
    int64_t n = -1;
    db->read([&](store::Conn& c) {
      n = c.query_one("SELECT COUNT(*) FROM households WHERE building_id = $1", {b.id})->integer(0);
    });
    return n;
  }

  ManualClock clock{1'795'900'000'000};
  crypto::Keyring keys = crypto::Keyring::from_hex(std::string(64, 'e'));
  Principal admin = with({{"district_admin", "/"}});
  Principal staff, gridder;
  std::string elsewhere = valid_id("15270119700101001");
  int64_t far_household = 0;
  std::filesystem::path dir;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<territory::Service> territory;
  std::unique_ptr<registry::Service> registry;
  std::unique_ptr<roster::Service> svc;
  territory::Node community, grid, compound, b1, b2;
};

}  // namespace

TEST_F(Roster, CheckReportsEveryProblemAndWritesNothing) {
  std::string dup = valid_id("15062219800101001");
  std::string csv = kHeader + line("1号楼", "101", "好人", valid_id("15062219800101003")) +            // 2
                    line("1号楼", "102", "=cmd|' /C calc'!A0") +                                       // 3
                    line("1号楼", "103", "数字", "1.52701E+17") +                                      // 4
                    line("1号楼", "104", "甲", dup) +                                                  // 5
                    line("1号楼", "105", "乙", dup) +                                                  // 6
                    line("1号楼", "106", "丙", "", "户主") + line("1号楼", "106", "丁", "", "户主") +  // 7, 8
                    line("1号楼", "107", "戊", "", "户主", "男", "贫困户") +                           // 9
                    line("1号楼", "", "己") +                                                          // 10
                    line("1号楼", "108", "庚", valid_id("15062219800101002"), "户主", "男");  // 11: the ID says F
  int64_t h0 = count("SELECT COUNT(*) FROM households"), p0 = count("SELECT COUNT(*) FROM persons");
  auto rep = svc->check(csv, staff);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->format, "csv");
  EXPECT_EQ(rep->encoding, "utf8");
  EXPECT_EQ(rep->rows, 10);
  std::vector<std::pair<int64_t, std::string>> got;
  for (const auto& p : rep->problems) got.push_back({p.row, p.column});
  std::vector<std::pair<int64_t, std::string>> want = {{3, "姓名"}, {4, "身份证号"}, {6, "身份证号"}, {8, "与户主关系"},
                                                       {9, "标签"}, {10, "房号"},    {11, "身份证号"}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(rep->problem_count, 7);
  EXPECT_TRUE(has(rep->problems[2].message, "row 5")) << rep->problems[2].message;
  for (const auto& p : rep->problems) EXPECT_FALSE(has(p.message, dup)) << p.message;
  EXPECT_EQ(count("SELECT COUNT(*) FROM households"), h0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM persons"), p0);
  // apply() with problems writes nothing either
  auto a = svc->apply(csv, staff, "");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->report.problem_count, 7);
  EXPECT_EQ(a->batches, 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM households"), h0);
}

TEST_F(Roster, ApplyWritesReportsProgressAndIsIdempotent) {
  std::string a = valid_id("15062219500101001"), b = valid_id("15062219520202002");
  std::string csv = kHeader + line("1号楼", "301室", "老王", a, "户主", "男", "空巢老人、低保") +
                    line("1号楼", "301室", "老李", b, "妻子", "女", "空巢") + line("5栋", "101", "新楼住户") +
                    line("新小区-3", "101", "新小区住户");
  csv.replace(csv.rfind("小区,新小区-3"), std::string("小区,新小区-3").size(), "新小区,3");  // another compound
  auto rep = svc->check(csv, staff);
  ASSERT_TRUE(rep.ok());
  ASSERT_EQ(rep->problem_count, 0) << rep->problems[0].message;
  EXPECT_EQ(rep->households, 3);
  EXPECT_EQ(rep->persons, 4);
  EXPECT_EQ(rep->new_buildings, 2);
  EXPECT_EQ(rep->new_compounds, 1);
  std::vector<std::pair<int64_t, int64_t>> progress;
  auto r = svc->apply(csv, staff, "10.0.0.1", [&](int64_t done, int64_t total) { progress.push_back({done, total}); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->counts.households_created, 3);
  EXPECT_EQ(r->counts.persons_created, 4);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), std::make_pair(int64_t{3}, int64_t{3}));
  for (size_t i = 1; i < progress.size(); ++i) EXPECT_LT(progress[i - 1].first, progress[i].first);
  EXPECT_EQ(households_in(b1), 1);
  std::optional<territory::Node> five, newc;
  db->read([&](store::Conn& c) {
    five = territory::child_named(c, compound.id, "5号楼");
    newc = territory::child_named(c, grid.id, "新小区");
  });
  ASSERT_TRUE(five);
  ASSERT_TRUE(newc);
  EXPECT_EQ(households_in(*five), 1);
  // the households of 1号楼: floor from the room, both persons there, tags and relation mapped
  auto list = registry->list(b1.id, 0, 50, {admin, ""});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].room, "301");
  EXPECT_EQ(list->items[0].floor, 3);
  auto d = registry->household(list->items[0].id, {admin, ""});
  ASSERT_EQ(d->second.size(), 2u);
  for (const auto& p : d->second) {
    if (p.name == "老王") {
      EXPECT_EQ(p.relation, "head");
      EXPECT_EQ(p.tags, (std::vector<std::string>{"empty_nest_elder", "low_income"}));
      EXPECT_EQ(p.id_masked, idcard::mask(a));
    } else {
      EXPECT_EQ(p.relation, "spouse");
      EXPECT_EQ(p.gender, "F");
    }
  }
  // again: matched and updated, nothing new
  int64_t h = count("SELECT COUNT(*) FROM households"), p = count("SELECT COUNT(*) FROM persons");
  auto again = svc->apply(csv, staff, "");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->report.new_buildings, 0);
  EXPECT_EQ(again->counts.households_created, 0);
  EXPECT_EQ(again->counts.households_matched, 3);
  EXPECT_EQ(again->counts.persons_created, 0);
  EXPECT_EQ(again->counts.persons_updated, 4);  // by ID number, and by name where there is none
  EXPECT_EQ(count("SELECT COUNT(*) FROM households"), h);
  EXPECT_EQ(count("SELECT COUNT(*) FROM persons"), p);
}

TEST_F(Roster, TheCheckSeesAPersonRegisteredInAnotherArea) {
  std::string csv = kHeader + line("2号楼", "101", "二楼住户") + line("2号楼", "101", "外人", elsewhere, "子女");
  auto rep = svc->check(csv, staff);
  ASSERT_TRUE(rep.ok());
  ASSERT_EQ(rep->problem_count, 1);
  EXPECT_EQ(rep->problems[0].row, 3);
  EXPECT_EQ(rep->problems[0].column, "身份证号");
  EXPECT_TRUE(has(rep->problems[0].message, "registered in another area")) << rep->problems[0].message;
  EXPECT_EQ(rep->persons, 1);
  // The district administrator may move the person: no problem for them.
  EXPECT_EQ(svc->check(csv, admin)->problem_count, 0);
}

TEST_F(Roster, AFailingBatchLeavesEarlierBuildingsWrittenAndItsOwnBuildingUntouched) {
  // 1号楼 alone fills a batch (kBatchHouseholds households), so it is written in its own
  // transaction; while it is written, someone registers 2号楼's second person in another
  // street (the file checked clean before): 2号楼's batch fails.
  std::string later = valid_id("15270119700101011");
  std::string csv = kHeader;
  for (size_t i = 0; i < roster::kBatchHouseholds; ++i)
    csv += line("1号楼", std::to_string(1000 + i), "住户" + std::to_string(i));
  csv += line("2号楼", "101", "二楼住户") + line("2号楼", "101", "后来者", later, "子女");
  auto rep = svc->check(csv, staff);
  ASSERT_TRUE(rep.ok());
  ASSERT_EQ(rep->problem_count, 0);
  std::vector<std::pair<int64_t, int64_t>> progress;
  auto r = svc->apply(csv, staff, "", [&](int64_t done, int64_t total) {
    progress.push_back({done, total});
    if (progress.size() == 1) {
      ASSERT_TRUE(
          registry
              ->add_person(far_household, {"后来者", "M", std::nullopt, later, std::nullopt, "other", {}}, {admin, ""})
              .ok());
    }
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::conflict);
  EXPECT_EQ(households_in(b1), static_cast<int64_t>(roster::kBatchHouseholds));
  EXPECT_EQ(households_in(b2), 0);
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0], std::make_pair(static_cast<int64_t>(roster::kBatchHouseholds),
                                        static_cast<int64_t>(roster::kBatchHouseholds) + 1));
  EXPECT_EQ(count("SELECT COUNT(*) FROM persons WHERE name = '二楼住户'"), 0);
  // Applying again now reports the person registered elsewhere and writes nothing more.
  auto again = svc->apply(csv, staff, "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->report.problem_count, 1);
  EXPECT_EQ(households_in(b1), static_cast<int64_t>(roster::kBatchHouseholds));
  EXPECT_EQ(households_in(b2), 0);
}

TEST_F(Roster, AGridWorkerImportsIntoExistingBuildingsOnly) {
  std::string csv = kHeader + line("1号楼", "201", "网格员录入") + line("9号楼", "101", "新楼");
  auto rep = svc->check(csv, gridder);
  ASSERT_TRUE(rep.ok());
  ASSERT_EQ(rep->problem_count, 1);
  EXPECT_EQ(rep->problems[0].row, 3);
  EXPECT_TRUE(has(rep->problems[0].message, "may not add buildings")) << rep->problems[0].message;
  auto ok = svc->apply(kHeader + line("1号楼", "201", "网格员录入"), gridder, "");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->counts.persons_created, 1);
  auto steward = with({{"steward", b1.path}});
  EXPECT_EQ(svc->check(csv, steward).error().code, Errc::forbidden);
  auto outsider = with({{"community_staff", "/999"}});
  auto far = svc->check(csv, outsider);
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(far->problem_count, 2);
  EXPECT_TRUE(has(far->problems[0].message, "no community named 社区")) << far->problems[0].message;
}

TEST_F(Roster, UnreadableFilesAreErrorsNotReports) {
  EXPECT_EQ(svc->check("", staff).error().code, Errc::invalid_input);
  EXPECT_EQ(svc->check("姓名,社区\n张三,社区\n", staff).error().code, Errc::invalid_input);
  EXPECT_EQ(svc->check(std::string("a,b\0c\n", 6), staff).error().code, Errc::invalid_input);
  EXPECT_EQ(svc->check("PK\x03\x04garbage", staff).error().code, Errc::invalid_input);
  auto header_only = svc->check(kHeader, staff);
  ASSERT_TRUE(header_only.ok());
  EXPECT_EQ(header_only->rows, 0);
  EXPECT_EQ(header_only->problem_count, 0);
}

// ---- columns -------------------------------------------------------------------------------

TEST(RosterColumns, HeaderFindsChineseAndEnglishHeadingsAndNamesWhatIsMissing) {
  auto h = roster::cols::read_header(row_of(
      1, {" 社区名称 ", "GRID", "小区", "楼号", "单元号", "门牌号", "姓名", "公民身份号码", "关系", "备注", ""}));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->at[roster::cols::community], 0);
  EXPECT_EQ(h->at[roster::cols::grid], 1);
  EXPECT_EQ(h->at[roster::cols::id_number], 7);
  EXPECT_EQ(h->at[roster::cols::gender], -1);  // the ID number says it
  EXPECT_EQ(h->ignored, std::vector<std::string>{"备注"});
  EXPECT_EQ(roster::cols::title(*h, roster::cols::community), "社区名称");

  auto missing = roster::cols::read_header(row_of(1, {"社区", "姓名"}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "file");
  for (auto w : {"网格", "小区", "楼栋", "单元", "房号", "与户主关系", "性别"})
    EXPECT_TRUE(has(missing.error().message, w)) << w << ": " << missing.error().message;

  auto twice = roster::cols::read_header(
      row_of(1, {"社区", "网格", "小区", "楼栋", "单元", "房号", "姓名", "性别", "与户主关系", "Name"}));
  ASSERT_FALSE(twice.ok());
  EXPECT_TRUE(has(twice.error().message, "G and J")) << twice.error().message;
}

TEST(RosterColumns, ValueSpellingsBecomeRegistryValues) {
  auto h = roster::cols::read_header(row_of(1, {"社区", "网格", "小区", "楼栋", "单元", "楼层", "房号", "姓名", "性别",
                                                "出生日期", "身份证号", "手机号", "与户主关系", "标签"}));
  ASSERT_TRUE(h.ok());
  auto read = [&](std::vector<std::string> cells, std::vector<roster::Problem>* out = nullptr) {
    std::vector<roster::Problem> problems;
    auto r = roster::cols::read_row(*h, row_of(2, std::move(cells)), problems);
    if (out) *out = problems;
    return r;
  };
  auto r = read({"社区", "网格", "小区", "3栋", "2单元", "", "301室", "\xE3\x80\x80王芳 ", "女", "1980/1/2", "",
                 "13812345678", "妻子", "空巢、低保；残疾,空巢老人"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address.building, "3号楼");
  EXPECT_EQ(r->home.unit, "2");
  EXPECT_EQ(r->home.room, "301");
  EXPECT_EQ(r->home.floor, 3);
  EXPECT_EQ(r->person.name, "王芳");
  EXPECT_EQ(r->person.gender, "F");
  EXPECT_EQ(r->person.birth_date, "1980-01-02");
  EXPECT_EQ(r->person.relation, "spouse");
  EXPECT_EQ(r->person.tags, (std::vector<std::string>{"empty_nest_elder", "low_income", "disability"}));

  auto b = read({"社区", "网格", "小区", "12", "1", "5层", "12", "张三", "M", "19800102", "", "", "孙女", ""});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->address.building, "12号楼");
  EXPECT_EQ(b->home.floor, 5);
  EXPECT_EQ(b->person.gender, "M");
  EXPECT_EQ(b->person.birth_date, "1980-01-02");
  EXPECT_EQ(b->person.relation, "grandchild");
  auto c = read({"社区", "网格", "小区", "A座", "1", "", "12", "李四", "", "", "15270119800101002x", "", "本人", ""});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->address.building, "A座");
  EXPECT_EQ(c->home.floor, 1);
  EXPECT_EQ(c->person.id_number, "15270119800101002X");
  EXPECT_EQ(c->person.gender, "F");  // the 17th digit, 2, is even
  EXPECT_EQ(c->person.relation, "head");
  auto m = read({"社区", "网格", "小区", "1", "1", "", "101", "赵六", "male", "", "", "", "HEAD", "Elder"});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->person.gender, "M");
  EXPECT_EQ(m->person.tags, std::vector<std::string>{"elder"});

  std::vector<roster::Problem> ps;
  EXPECT_FALSE(read(
      {"社区", "网格", "小区", "1", "1", "abc", "101", "@SUM(A1)", "未知", "1980-13", "1.5E+17", "", "邻居", "贫困"},
      &ps));
  std::vector<std::string> cols;
  for (const auto& p : ps) cols.push_back(p.column);
  EXPECT_EQ(cols, (std::vector<std::string>{"楼层", "姓名", "身份证号", "性别", "出生日期", "与户主关系", "标签"}));
  // a signed number is not a formula; "-x" is
  EXPECT_TRUE(read({"社区", "网格", "小区", "1", "1", "", "101", "钱七", "男", "", "", "+86 13812345678", "户主", ""}));
  ps.clear();
  EXPECT_FALSE(read({"社区", "网格", "小区", "1", "1", "", "101", "-x", "男", "", "", "", "户主", ""}, &ps));
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_TRUE(has(ps[0].message, "formula"));
  // an .xlsx formula cell, whatever its cached text
  sheet::Row f = row_of(2, {"社区", "网格", "小区", "1", "1", "", "101", "孙八", "男", "", "", "", "户主", ""});
  f.cells[7].formula = true;
  ps.clear();
  EXPECT_FALSE(roster::cols::read_row(*h, f, ps));
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].column, "姓名");
}
