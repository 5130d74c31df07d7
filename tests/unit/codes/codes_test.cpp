// Codes (一户一码, 二维码+) against a real database: SQLite, and PostgreSQL when
// MASHANG_TEST_PG_URL names one (scripts/test provides it). Printed numbers and tokens,
// issuing and who may, resolution by who scans, retiring, check-ins, the scan log and
// printing sheets (directly and through the print worker). The contract is
// docs/reference/codes.md.
#include "modules/codes/codes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "core/crypto.hpp"
#include "core/idcard.hpp"
#include "modules/codes/detail.hpp"
#include "modules/registry/registry.hpp"
#include "modules/territory/territory.hpp"
#include "store/migrate.hpp"

using namespace mashang;

namespace {

namespace fs = std::filesystem;

Principal with(int64_t account_id, std::initializer_list<Grant> grants) {
  Principal p;
  p.account_id = account_id;
  p.grants = grants;
  return p;
}

std::string valid_id(const std::string& first17) { return first17 + idcard::check_char(first17); }

std::vector<std::string> urls() {
  crypto::init();
  auto dir = fs::temp_directory_path() / ("mashang-codes-" + crypto::random_token(6));
  std::vector<std::string> out = {"sqlite:" + (dir / "c.db").string()};
  if (const char* pg = std::getenv("MASHANG_TEST_PG_URL"); pg && *pg) out.push_back(pg);
  return out;
}

std::string name_of(const ::testing::TestParamInfo<std::string>& p) {
  return p.param.starts_with("sqlite:") ? "sqlite" : "postgresql";
}

std::string first_bytes(const fs::path& p, size_t n) {
  std::ifstream f(p, std::ios::binary);
  std::string s(n, '\0');
  f.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<size_t>(f.gcount()));
  return s;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool any_part_file(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".part") return true;
  return false;
}

//! Runs a shell command; its standard output, or nullopt when it failed.
std::optional<std::string> run(const std::string& command) {
  FILE* f = popen(command.c_str(), "r");
  if (!f) return std::nullopt;
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  return pclose(f) == 0 ? std::optional(out) : std::nullopt;
}

bool have(const std::string& tool) { return run("command -v " + tool + " >/dev/null 2>&1").has_value(); }

constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

class Codes : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    crypto::init();
    if (GetParam().starts_with("sqlite:")) {
      dir = fs::path(GetParam().substr(7)).parent_path();
    } else {
      dir = fs::temp_directory_path() / ("mashang-codes-pg-" + crypto::random_token(6));
    }
    fs::create_directories(dir);
    db = store::open(GetParam(), 2, [this] { return clock.now_ms(); });
    if (db->dialect() == store::Dialect::postgresql)
      db->raw([](store::Conn& c) { c.script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"); });
    auto m = store::migrate(*db);
    ASSERT_TRUE(m.ok()) << m.error().message;
    territory = std::make_unique<territory::Service>(*db, clock);
    registry = std::make_unique<registry::Service>(*db, keys, clock, *territory);
    svc = std::make_unique<codes::Service>(*db, keys, clock, *territory, *registry, "https://m.example.cn/",
                                           (dir / "prints").string());
    auto root = territory->create_root("区");
    ASSERT_TRUE(root.ok()) << root.error().message;
    street = *territory->create(root->id, "street", "街道", nullptr);
    community = *territory->create(street.id, "community", "甲社区", nullptr);
    grid = *territory->create(community.id, "grid", "网格一", nullptr);
    grid2 = *territory->create(community.id, "grid", "网格二", nullptr);
    compound = *territory->create(grid.id, "compound", "小区", nullptr);
    b1 = *territory->create(compound.id, "building", "1号楼", nullptr);
    b2 = *territory->create(compound.id, "building", "2号楼", nullptr);
    auto compound2 = *territory->create(grid2.id, "compound", "别的小区", nullptr);
    far_building = *territory->create(compound2.id, "building", "9号楼", nullptr);
    for (const char* room : {"101", "102", "201"}) {
      auto h = registry->create_household({b1.id, "1", room[0] - '0', room}, {admin, ""});
      ASSERT_TRUE(h.ok()) << h.error().message;
      households.push_back(*h);
    }
    auto h4 = registry->create_household({b2.id, "1", 1, "101"}, {admin, ""});
    ASSERT_TRUE(h4.ok()) << h4.error().message;
    b2_household = *h4;
    auto p = registry->add_person(
        households[0].id, {"张三", "M", std::nullopt, valid_id("15270119800101123"), "13812345678", "head", {"elder"}},
        {admin, ""});
    ASSERT_TRUE(p.ok()) << p.error().message;
    person = *p;
    // The member: an account linked to the person of households[0].
    member_account = add_account("zhangsan");
    auto linked = registry->link_account(person.id, member_account, {admin, ""});
    ASSERT_TRUE(linked.ok()) << linked.error().message;
    member = with(member_account, {});
    staff = with(2, {{"community_staff", community.path}});
    worker = with(3, {{"grid_worker", grid.path}});
    steward = with(4, {{"steward", b1.path}});
    outsider = with(5, {{"grid_worker", grid2.path}});
    nobody = with(6, {});
    resident = with(8, {{"resident", community.path}});
  }
  void TearDown() override {
    svc.reset();
    registry.reset();
    territory.reset();
    db.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  int64_t add_account(const std::string& name) {
    int64_t id = 0;
    auto st = db->write([&](store::Conn& c) -> Status {
      id = c.query_one(
                "INSERT INTO accounts (username, display_name, password_hash, created_at, updated_at) "
                "VALUES ($1, $1, 'x', $2, $2) RETURNING id",
                {name, clock.now_ms()})
               ->integer(0);
      return ok_status();
    });
    EXPECT_TRUE(st.ok());
    return id;
  }
  //! A print job row as a previous run of the server may have left it, owned by `worker`.
  int64_t insert_job(const std::string& status) {
    int64_t id = 0;
    std::vector<store::Value> params{int64_t{3}, b1.id, status, clock.now_ms()};
    auto st = db->write([&](store::Conn& c) -> Status {
      id = c.query_one(
                "INSERT INTO code_prints (account_id, node_id, layout, status, created_at, updated_at) "
                "VALUES ($1, $2, 'door_plate', $3, $4, $4) RETURNING id",
                params)
               ->integer(0);
      return ok_status();
    });
    EXPECT_TRUE(st.ok());
    return id;
  }
  int64_t count(const std::string& sql) {
    int64_t n = -1;
    db->read([&](store::Conn& c) { n = c.query_one(sql)->integer(0); });
    return n;
  }
  codes::Code issue(const std::string& kind, int64_t target, const Principal& who) {
    auto c = svc->issue(kind, target, who, "10.0.0.9");
    EXPECT_TRUE(c.ok()) << kind << " " << target << ": " << c.error().message;
    return c.ok() ? *c : codes::Code{};
  }
  std::vector<codes::Code> listed(std::optional<int64_t> node, const std::string& kind, const Principal& who) {
    codes::CodeQuery q;
    q.node = node;
    q.kind = kind;
    q.limit = 200;
    auto page = svc->list(q, who);
    EXPECT_TRUE(page.ok()) << page.error().message;
    return page.ok() ? page->items : std::vector<codes::Code>{};
  }
  //! A print job's state once it has left queued/running (or after 10 s, whatever it is).
  codes::PrintJob wait_job(int64_t id, const Principal& who) {
    codes::PrintJob j;
    for (int i = 0; i < 500; ++i) {
      auto r = svc->print_job(id, who);
      EXPECT_TRUE(r.ok());
      if (!r.ok()) return j;
      j = *r;
      if (j.status != "queued" && j.status != "running") return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return j;
  }

  ManualClock clock{1'795'900'000'000};  // 2026-11-29 05:06 in China Standard Time
  crypto::Keyring keys = crypto::Keyring::from_hex(std::string(64, 'c'));
  Principal admin = with(1, {{"district_admin", "/"}});
  Principal member, staff, worker, steward, outsider, nobody, resident;
  int64_t member_account = 0;
  fs::path dir;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<territory::Service> territory;
  std::unique_ptr<registry::Service> registry;
  std::unique_ptr<codes::Service> svc;
  territory::Node street, community, grid, grid2, compound, b1, b2, far_building;
  std::vector<registry::Household> households;  // the three of 1号楼
  registry::Household b2_household;
  registry::Person person;  // 张三, of households[0]
};

INSTANTIATE_TEST_SUITE_P(CodesOn, Codes, ::testing::ValuesIn(urls()), name_of);

}  // namespace

// ---------------------------------------------------------------------------------------
// Printed numbers (pure functions)

TEST(CodesNumber, KnownNumbersAndTheirCheckSymbols) {
  EXPECT_EQ(codes::number_of(1), "0000-011");
  EXPECT_EQ(codes::number_of(31), "0000-0ZZ");
  EXPECT_EQ(codes::number_of(32), "0000-10*");
  EXPECT_EQ(codes::number_of(33), "0000-11~");
  EXPECT_EQ(codes::number_of(34), "0000-12$");
  EXPECT_EQ(codes::number_of(35), "0000-13=");
  EXPECT_EQ(codes::number_of(36), "0000-14U");
  EXPECT_EQ(codes::number_of(37), "0000-150");
  EXPECT_EQ(codes::number_of(1057), "0001-11N");
  EXPECT_EQ(codes::number_of((int64_t{1} << 30) - 1), "ZZZZ-ZZA");
}

TEST(CodesNumber, RoundTripsAndHasTheDocumentedShape) {
  const std::regex shape("^[0-9A-Z*~$=]{4}-[0-9A-Z*~$=U]{3}$");
  const std::regex crockford("^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}[0-9A-HJKMNP-TV-Z*~$=U]$");
  std::vector<int64_t> ids;
  for (int64_t id = 1; id <= 100000; ++id) ids.push_back(id);
  for (int64_t id = 100000; id < (int64_t{1} << 30); id = id * 7 + 13) ids.push_back(id);
  ids.push_back((int64_t{1} << 30) - 1);
  int bad = 0;
  for (int64_t id : ids) {
    std::string n = codes::number_of(id);
    if (!std::regex_match(n, shape) || !std::regex_match(n, crockford) || codes::id_of_number(n) != id) {
      if (++bad < 5) ADD_FAILURE() << id << " → " << n;
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST(CodesNumber, LowerCaseNoDashAndLookAlikesAreAccepted) {
  for (int64_t id : {int64_t{1}, int64_t{33}, int64_t{1057}, int64_t{99999}, (int64_t{1} << 30) - 1}) {
    std::string n = codes::number_of(id);
    std::string lower = n, bare;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (char ch : n)
      if (ch != '-') bare += ch;
    EXPECT_EQ(codes::id_of_number(lower), id) << lower;
    EXPECT_EQ(codes::id_of_number(bare), id) << bare;
  }
  // 1 is "0000-011": 0 may be read as O, 1 as I or L, in either case.
  EXPECT_EQ(codes::id_of_number("OOOO-OII"), 1);
  EXPECT_EQ(codes::id_of_number("oooo-oll"), 1);
  EXPECT_EQ(codes::id_of_number("0000-0Il"), 1);
  EXPECT_EQ(codes::id_of_number("00000LI"), 1);
  EXPECT_EQ(codes::id_of_number("0000-150"), 37);
  EXPECT_EQ(codes::id_of_number("0000-15O"), 37);
}

TEST(CodesNumber, WrongCheckWrongLengthAndZeroAreRefused) {
  const std::string symbols = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";
  for (int64_t id : {int64_t{1}, int64_t{36}, int64_t{12345}, (int64_t{1} << 30) - 1}) {
    std::string n = codes::number_of(id);
    for (char s : symbols) {
      if (s == n.back()) continue;
      std::string wrong = n;
      wrong.back() = s;
      EXPECT_EQ(codes::id_of_number(wrong), std::nullopt) << wrong;
    }
    // A single wrong digit (any of the 32) is caught by the check symbol too.
    for (size_t pos : {0u, 1u, 2u, 3u, 5u, 6u})
      for (char s : symbols.substr(0, 32)) {
        if (s == n[pos]) continue;
        std::string wrong = n;
        wrong[pos] = s;
        EXPECT_EQ(codes::id_of_number(wrong), std::nullopt) << wrong;
      }
  }
  EXPECT_EQ(codes::number_of(0), "0000-000");
  EXPECT_EQ(codes::id_of_number("0000-000"), std::nullopt);
  EXPECT_EQ(codes::id_of_number(""), std::nullopt);
  EXPECT_EQ(codes::id_of_number("0000-01"), std::nullopt);
  EXPECT_EQ(codes::id_of_number("0000-0111"), std::nullopt);
  EXPECT_EQ(codes::id_of_number("00000-011"), std::nullopt);
  EXPECT_EQ(codes::id_of_number("----"), std::nullopt);
  EXPECT_EQ(codes::id_of_number("U000-011"), std::nullopt);  // U is only a check symbol
  EXPECT_EQ(codes::id_of_number("0000-*11"), std::nullopt);  // so are * ~ $ =
  EXPECT_EQ(codes::id_of_number("0000-01#"), std::nullopt);
}

// ---------------------------------------------------------------------------------------
// Tokens

TEST(CodesToken, MintedTokensVerifyOnlyUnderTheirKey) {
  crypto::init();
  auto k1 = crypto::Keyring::from_hex(std::string(64, 'c'));
  auto k2 = crypto::Keyring::from_hex(std::string(64, 'd'));
  const std::regex alphabet("^[A-Za-z0-9_-]{24}$");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string t = codes::mint_token(k1);
    EXPECT_TRUE(std::regex_match(t, alphabet)) << t;
    EXPECT_TRUE(codes::token_verifies(k1, t)) << t;
    EXPECT_FALSE(codes::token_verifies(k2, t)) << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_FALSE(codes::token_verifies(k1, ""));
  EXPECT_FALSE(codes::token_verifies(k1, std::string(24, 'A')));
  EXPECT_FALSE(codes::token_verifies(k1, std::string(24, '+')));
}

TEST_P(Codes, IssuedTokensAreTwentyFourUrlSafeCharactersAndUrlsUseTheBase) {
  auto c = issue("household", households[0].id, worker);
  EXPECT_TRUE(std::regex_match(c.token, std::regex("^[A-Za-z0-9_-]{24}$"))) << c.token;
  EXPECT_EQ(c.token.size(), codes::kTokenChars);
  EXPECT_TRUE(codes::token_verifies(keys, c.token));
  EXPECT_EQ(svc->url_of(c.token), "https://m.example.cn/c/" + c.token);
  EXPECT_EQ(c.number, codes::number_of(c.id));
  EXPECT_EQ(c.kind, "household");
  EXPECT_EQ(c.target_id, households[0].id);
  EXPECT_EQ(c.label, "1号楼-1单元-101室");
  EXPECT_EQ(c.path, b1.path);
  EXPECT_EQ(c.status, "active");
  EXPECT_EQ(c.created_at, clock.now_ms());
  EXPECT_FALSE(c.retired_at);
}

TEST_P(Codes, EveryAlteredTokenIsNotFound) {
  auto c = issue("household", households[0].id, worker);
  ASSERT_TRUE(svc->resolve(c.token, nullptr).ok());
  uint64_t ok_before = svc->counters().ok.load(), nf_before = svc->counters().not_found.load();
  int tried = 0;
  for (size_t pos = 0; pos < c.token.size(); ++pos) {
    // Three different replacements at every position, from the token's own alphabet.
    size_t at = kBase64Url.find(c.token[pos]);
    ASSERT_NE(at, std::string_view::npos);
    for (size_t step : {1u, 17u, 63u}) {
      std::string t = c.token;
      t[pos] = kBase64Url[(at + step) % kBase64Url.size()];
      ASSERT_NE(t, c.token);
      auto r = svc->resolve(t, &admin);
      ASSERT_FALSE(r.ok()) << "position " << pos << ": " << t;
      EXPECT_EQ(r.error().code, Errc::not_found) << t;
      EXPECT_EQ(svc->check(t).error().code, Errc::not_found) << t;
      EXPECT_FALSE(svc->cached(t));
      ++tried;
    }
  }
  EXPECT_EQ(tried, 72);
  std::vector<std::string> malformed = {c.token.substr(0, 23),
                                        c.token.substr(1),
                                        c.token + "A",
                                        c.token + "AAAA",
                                        c.token + "=",
                                        "",
                                        c.token.substr(0, 12),
                                        c.token.substr(0, 22) + "+/",
                                        c.token.substr(0, 23) + ".",
                                        std::string(24, '='),
                                        std::string(24, '_')};
  for (const auto& t : malformed) {
    auto r = svc->resolve(t, nullptr);
    ASSERT_FALSE(r.ok()) << t;
    EXPECT_EQ(r.error().code, Errc::not_found) << t;
  }
  EXPECT_EQ(svc->counters().ok.load(), ok_before);
  EXPECT_EQ(svc->counters().not_found.load(), nf_before + 72 + malformed.size());
  // The original still answers.
  EXPECT_TRUE(svc->resolve(c.token, nullptr).ok());
}

TEST_P(Codes, TokensOfAnotherKeyOrNeverIssuedAreNotFoundEvenWhenStored) {
  auto other = crypto::Keyring::from_hex(std::string(64, '7'));
  std::string foreign = codes::mint_token(other);
  // Even a row carrying a foreign token is never served: the MAC is checked before the database.
  ASSERT_TRUE(db->write([&](store::Conn& c) -> Status {
                  c.exec(
                      "INSERT INTO codes (token, kind, target_id, path, status, created_by, created_at) "
                      "VALUES ($1, 'household', $2, $3, 'active', 1, $4)",
                      {foreign, households[1].id, households[1].path, clock.now_ms()});
                  return ok_status();
                }).ok());
  auto r = svc->resolve(foreign, &admin);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_EQ(svc->check(foreign).error().code, Errc::not_found);
  // Signed by our key but never issued.
  std::string unissued = codes::mint_token(keys);
  EXPECT_EQ(svc->resolve(unissued, nullptr).error().code, Errc::not_found);
  // Random strings of the right shape.
  for (int i = 0; i < 50; ++i) {
    std::string t = crypto::random_token(18);
    ASSERT_EQ(t.size(), 24u);
    EXPECT_EQ(svc->resolve(t, nullptr).error().code, Errc::not_found) << t;
  }
  // A second service over another database with another key: its codes mean nothing here.
  auto dir2 = fs::temp_directory_path() / ("mashang-codes-2-" + crypto::random_token(6));
  {
    ManualClock clock2;
    auto db2 = store::open("sqlite:" + (dir2 / "c.db").string(), 2, [&] { return clock2.now_ms(); });
    ASSERT_TRUE(store::migrate(*db2).ok());
    territory::Service ter2(*db2, clock2);
    registry::Service reg2(*db2, other, clock2, ter2);
    codes::Service svc2(*db2, other, clock2, ter2, reg2, "https://x.example.cn", (dir2 / "prints").string());
    auto root = *ter2.create_root("区");
    auto s = *ter2.create(root.id, "street", "街道", nullptr);
    auto c2 = svc2.issue("street", s.id, admin, "");
    // "street" is not a kind of code: kinds are household, building, compound and places.
    ASSERT_FALSE(c2.ok());
    EXPECT_EQ(c2.error().code, Errc::invalid_input);
    EXPECT_EQ(c2.error().field, "kind");
    auto com = *ter2.create(s.id, "community", "社区", nullptr);
    auto g = *ter2.create(com.id, "grid", "网格", nullptr);
    auto cp = *ter2.create(g.id, "compound", "小区", nullptr);
    auto theirs = svc2.issue("compound", cp.id, admin, "");
    ASSERT_TRUE(theirs.ok()) << theirs.error().message;
    EXPECT_TRUE(svc2.resolve(theirs->token, nullptr).ok());
    EXPECT_EQ(svc->resolve(theirs->token, &admin).error().code, Errc::not_found);
  }
  fs::remove_all(dir2);
}

// ---------------------------------------------------------------------------------------
// Issuing and who may

TEST_P(Codes, IssuingIsIdempotent) {
  bool created = false;
  auto first = svc->issue("household", households[0].id, worker, "10.0.0.9", &created);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(created);
  auto again = svc->issue("household", households[0].id, staff, "10.0.0.9", &created);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(created);
  EXPECT_EQ(again->token, first->token);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->number, first->number);
  EXPECT_EQ(again->label, "1号楼-1单元-101室");
  EXPECT_EQ(count("SELECT COUNT(*) FROM codes"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit WHERE action = 'code.issued' AND ip = '10.0.0.9'"), 1);
  // Issuing is for code managers: a steward is refused even when the code exists (and
  // finds it by listing instead).
  auto by_steward = svc->issue("household", households[0].id, steward, "");
  ASSERT_FALSE(by_steward.ok());
  EXPECT_EQ(by_steward.error().code, Errc::forbidden);
  auto seen = listed(b1.id, "household", steward);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].token, first->token);
  EXPECT_EQ(count("SELECT COUNT(*) FROM codes"), 1);
}

TEST_P(Codes, OnlyCodeManagersIssueAndOthersDoNotSeeTheTarget) {
  auto st = svc->issue("household", households[1].id, steward, "");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::forbidden);
  auto res = svc->issue("household", households[1].id, nobody, "");
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, Errc::not_found);
  auto member_issue = svc->issue("household", households[0].id, member, "");
  ASSERT_FALSE(member_issue.ok());
  EXPECT_EQ(member_issue.error().code, Errc::not_found);
  auto out = svc->issue("household", households[1].id, outsider, "");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, Errc::not_found);
  EXPECT_FALSE(svc->issue("building", b1.id, resident, "").ok());
  EXPECT_EQ(count("SELECT COUNT(*) FROM codes"), 0);
  // Unknown targets, and a node of the wrong kind.
  EXPECT_EQ(svc->issue("household", 999999, admin, "").error().code, Errc::not_found);
  EXPECT_EQ(svc->issue("household", 0, admin, "").error().code, Errc::not_found);
  EXPECT_EQ(svc->issue("building", compound.id, admin, "").error().code, Errc::not_found);
  EXPECT_EQ(svc->issue("compound", b1.id, admin, "").error().code, Errc::not_found);
  EXPECT_EQ(svc->issue("grid", grid.id, admin, "").error().field, "kind");
  // Managers of every level do.
  for (const Principal* who : {&admin, &staff, &worker}) {
    bool created = false;
    auto c = svc->issue("household", households[1].id, *who, "", &created);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(created, who == &admin);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM codes"), 1);
  // Stewards list what is there; outsiders see nothing.
  auto seen = listed(b1.id, "", steward);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target_id, households[1].id);
  EXPECT_EQ(seen[0].label, "1号楼-1单元-102室");
  EXPECT_TRUE(listed(std::nullopt, "", outsider).empty());  // a code manager, elsewhere
  EXPECT_EQ(listed(std::nullopt, "", staff).size(), 1u);
  for (const Principal* who : {&nobody, &member, &resident}) {
    codes::CodeQuery q;
    auto page = svc->list(q, *who);  // refused, or nothing
    EXPECT_TRUE(!page.ok() || page->items.empty()) << who->account_id;
  }
}

TEST_P(Codes, ListFindsACodeByItsPrintedNumber) {
  auto a = issue("household", households[0].id, worker);
  auto b = issue("household", households[1].id, worker);
  codes::CodeQuery q;
  q.number = b.number;
  std::transform(q.number.begin(), q.number.end(), q.number.begin(), [](char ch) { return std::tolower(ch); });
  q.number.erase(std::remove(q.number.begin(), q.number.end(), '-'), q.number.end());
  auto page = svc->list(q, steward);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].token, b.token);
  q.number = "0000-01#";
  EXPECT_EQ(svc->list(q, steward).error().field, "number");
  // One target's active code: kind with target.
  q.number.clear();
  q.kind = "household";
  q.target_id = households[0].id;
  page = svc->list(q, steward);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].token, a.token);
  q.kind = "building";
  EXPECT_TRUE(svc->list(q, steward)->items.empty());
  q.kind.clear();
  EXPECT_EQ(svc->list(q, steward).error().field, "target");
  q.target_id.reset();
  q.number.clear();
  q.limit = 1;
  page = svc->list(q, steward);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].token, a.token);
  EXPECT_EQ(page->next_after, a.id);
}

// ---------------------------------------------------------------------------------------
// Resolution by who scans

TEST_P(Codes, AHouseholdCodeAnswersEachCallerWithTheirView) {
  auto code = issue("household", households[0].id, worker);

  auto anon = svc->resolve(code.token, nullptr);
  ASSERT_TRUE(anon.ok()) << anon.error().message;
  EXPECT_EQ(anon->view, "public");
  EXPECT_EQ(anon->label, "1号楼");
  EXPECT_FALSE(anon->household);
  EXPECT_FALSE(anon->node);
  EXPECT_FALSE(anon->place);
  EXPECT_EQ(anon->actions, std::vector<std::string>{"report_problem"});
  ASSERT_TRUE(anon->community);
  EXPECT_EQ(anon->community->id, community.id);
  EXPECT_EQ(anon->community->name, "甲社区");
  ASSERT_TRUE(anon->grid);
  EXPECT_EQ(anon->grid->id, grid.id);
  EXPECT_EQ(anon->grid->name, "网格一");
  EXPECT_EQ(anon->code.token, code.token);

  auto mine = svc->resolve(code.token, &member);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->view, "member");
  EXPECT_EQ(mine->label, "1号楼-1单元-101室");
  ASSERT_TRUE(mine->household);
  EXPECT_EQ(mine->household->id, households[0].id);
  EXPECT_EQ(mine->household->address, "1号楼-1单元-101室");
  EXPECT_FALSE(mine->household->persons);
  EXPECT_EQ(mine->actions, (std::vector<std::string>{"report_problem", "open_household", "my_household"}));

  for (const Principal* who : {&worker, &steward, &staff}) {
    auto s = svc->resolve(code.token, who);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->view, "staff") << who->account_id;
    EXPECT_EQ(s->label, "1号楼-1单元-101室");
    ASSERT_TRUE(s->household);
    EXPECT_EQ(s->household->id, households[0].id);
    ASSERT_TRUE(s->household->persons);
    ASSERT_EQ(s->household->persons->size(), 1u);
    const auto& p = s->household->persons->front();
    EXPECT_EQ(p.id, person.id);
    EXPECT_EQ(p.name, "张三");
    EXPECT_EQ(p.relation, "head");
    ASSERT_TRUE(p.id_masked);
    EXPECT_NE(p.id_masked->find('*'), std::string::npos) << *p.id_masked;
    EXPECT_EQ(*p.id_masked, idcard::mask(valid_id("15270119800101123")));
    EXPECT_EQ(p.phone_masked, "138****5678");
    EXPECT_EQ(s->actions, (std::vector<std::string>{"report_problem", "check_in", "record_visit", "open_household"}));
  }

  for (const Principal* who : {&outsider, &nobody, &resident}) {
    auto o = svc->resolve(code.token, who);
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->view, "public") << who->account_id;
    EXPECT_EQ(o->label, "1号楼");
    EXPECT_FALSE(o->household);
    EXPECT_EQ(o->actions, std::vector<std::string>{"report_problem"});
  }
  // Another household's code is not the member's: public for them.
  auto other = issue("household", households[1].id, worker);
  auto theirs = svc->resolve(other.token, &member);
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(theirs->view, "public");
  EXPECT_EQ(theirs->label, "1号楼");
  // An account id of 0 is anonymous whatever grants it carries.
  auto zero = with(0, {{"district_admin", "/"}});
  EXPECT_EQ(svc->resolve(code.token, &zero)->view, "public");
}

TEST_P(Codes, BuildingAndCompoundCodesShowTheNodeCardToAnyGrantCoveringThem) {
  auto bc = issue("building", b1.id, worker);
  auto cc = issue("compound", compound.id, worker);
  EXPECT_EQ(bc.label, "1号楼");
  EXPECT_EQ(cc.label, "小区");
  for (const Principal* who : {&worker, &steward, &staff, &admin, &resident}) {
    auto r = svc->resolve(bc.token, who);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->view, "staff") << who->account_id;
    EXPECT_EQ(r->label, "1号楼");
    ASSERT_TRUE(r->node);
    EXPECT_EQ(r->node->id, b1.id);
    EXPECT_EQ(r->node->kind, "building");
    EXPECT_EQ(r->node->name, "1号楼");
    EXPECT_EQ(r->node->households, 3);
    EXPECT_FALSE(r->household);
    EXPECT_EQ(r->actions, (std::vector<std::string>{"report_problem", "check_in"}));
  }
  for (const Principal* who : {&outsider, &nobody, &member}) {
    auto r = svc->resolve(bc.token, who);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->view, "public") << who->account_id;
    EXPECT_EQ(r->label, "1号楼");
    EXPECT_FALSE(r->node);
    EXPECT_EQ(r->actions, std::vector<std::string>{"report_problem"});
  }
  auto anon = svc->resolve(cc.token, nullptr);
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ(anon->view, "public");
  EXPECT_EQ(anon->label, "小区");
  EXPECT_FALSE(anon->node);
  auto w = svc->resolve(cc.token, &worker);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->view, "staff");
  ASSERT_TRUE(w->node);
  EXPECT_EQ(w->node->kind, "compound");
  EXPECT_EQ(w->node->name, "小区");
  EXPECT_EQ(w->node->households, 4);
  // A steward of one building does not cover the compound.
  EXPECT_EQ(svc->resolve(cc.token, &steward)->view, "public");
  EXPECT_EQ(svc->resolve(cc.token, &outsider)->view, "public");
}

TEST_P(Codes, PlaceCodesShowThePlaceToAnyoneAndCheckInToStaff) {
  auto p = svc->create_place(compound.id, "stall", "老王水果摊", "王记水果", staff, "10.0.0.1");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->path, compound.path);
  auto code = issue("stall", p->id, worker);
  EXPECT_EQ(code.label, "老王水果摊");
  EXPECT_EQ(code.path, compound.path);
  // The stall is not a facility.
  EXPECT_EQ(svc->issue("facility", p->id, worker, "").error().code, Errc::not_found);

  for (const Principal* who : std::vector<const Principal*>{nullptr, &outsider, &nobody}) {
    auto r = svc->resolve(code.token, who);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->view, "public");
    EXPECT_EQ(r->label, "老王水果摊");
    ASSERT_TRUE(r->place);
    EXPECT_EQ(r->place->id, p->id);
    EXPECT_EQ(r->place->kind, "stall");
    EXPECT_EQ(r->place->name, "老王水果摊");
    EXPECT_EQ(r->place->operator_name, "王记水果");
    EXPECT_EQ(r->actions, std::vector<std::string>{"report_problem"});
  }
  auto s = svc->resolve(code.token, &worker);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->view, "staff");
  ASSERT_TRUE(s->place);
  EXPECT_EQ(s->place->operator_name, "王记水果");
  EXPECT_EQ(s->actions, (std::vector<std::string>{"report_problem", "check_in"}));
  ASSERT_TRUE(s->community);
  EXPECT_EQ(s->community->name, "甲社区");

  // A change of the place is seen by the next scan (the cache is emptied).
  auto u = svc->update_place(p->id, {std::nullopt, std::string("王家鲜果")}, staff, "");
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(svc->resolve(code.token, nullptr)->place->operator_name, "王家鲜果");
  // Who may shape places: not a grid worker; validation names the field.
  EXPECT_EQ(svc->create_place(compound.id, "stall", "摊", "", worker, "").error().code, Errc::forbidden);
  EXPECT_EQ(svc->create_place(compound.id, "castle", "城堡", "", staff, "").error().field, "kind");
  EXPECT_EQ(svc->create_place(compound.id, "stall", "摊", std::string(65, 'x'), staff, "").error().field, "operator");
  EXPECT_EQ(svc->create_place(compound.id, "stall", "老王水果摊", "", staff, "").error().code, Errc::conflict);
}

// ---------------------------------------------------------------------------------------
// Retiring

TEST_P(Codes, RevokedCodesAreGoneForever) {
  auto code = issue("household", households[0].id, worker);
  auto cached = svc->resolve(code.token, nullptr);  // now in the cache
  ASSERT_TRUE(cached.ok());
  EXPECT_TRUE(svc->cached(code.token));
  clock.advance_ms(60'000);
  auto r = svc->revoke(code.token, "门牌损坏更换", worker, "10.0.0.7");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, "revoked");
  EXPECT_EQ(r->id, code.id);
  EXPECT_EQ(r->retired_at, clock.now_ms());
  EXPECT_EQ(r->label, "1号楼-1单元-101室");
  for (const Principal* who : std::vector<const Principal*>{nullptr, &admin, &member}) {
    auto g = svc->resolve(code.token, who);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.error().code, Errc::gone);
  }
  EXPECT_EQ(svc->check(code.token).error().code, Errc::gone);
  EXPECT_EQ(svc->active(code.token, steward).error().code, Errc::gone);
  EXPECT_EQ(svc->check_in(code.token, {}, worker).error().code, Errc::gone);
  auto twice = svc->revoke(code.token, "再撤销一次", worker, "");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::gone);
  EXPECT_EQ(svc->rotate(code.token, "再换一次吧", worker, "").error().code, Errc::gone);
  EXPECT_TRUE(listed(b1.id, "household", admin).empty());
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit WHERE action = 'code.revoked' AND reason = '门牌损坏更换' AND "
                  "ip = '10.0.0.7'"),
            1);
  // Issuing again gives the household a new code.
  bool created = false;
  auto fresh = svc->issue("household", households[0].id, worker, "", &created);
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(created);
  EXPECT_NE(fresh->token, code.token);
  EXPECT_EQ(svc->resolve(code.token, nullptr).error().code, Errc::gone);
  EXPECT_TRUE(svc->resolve(fresh->token, nullptr).ok());
}

TEST_P(Codes, RotatingRetiresTheOldCodeAndIssuesANewOne) {
  auto code = issue("household", households[0].id, worker);
  ASSERT_TRUE(svc->resolve(code.token, &worker).ok());
  auto n = svc->rotate(code.token, "旧码被涂改了", staff, "10.0.0.8");
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->status, "active");
  EXPECT_NE(n->token, code.token);
  EXPECT_NE(n->number, code.number);
  EXPECT_NE(n->id, code.id);
  EXPECT_EQ(n->kind, "household");
  EXPECT_EQ(n->target_id, households[0].id);
  EXPECT_EQ(n->path, b1.path);
  EXPECT_EQ(n->label, "1号楼-1单元-101室");
  EXPECT_FALSE(n->retired_at);
  EXPECT_EQ(svc->resolve(code.token, nullptr).error().code, Errc::gone);
  auto r = svc->resolve(n->token, &worker);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->view, "staff");
  EXPECT_EQ(r->code.id, n->id);
  EXPECT_EQ(r->household->id, households[0].id);
  db->read([&](store::Conn& c) {
    auto row = c.query_one("SELECT status, retired_at FROM codes WHERE id = $1", {code.id});
    ASSERT_TRUE(row);
    EXPECT_EQ(row->text(0), "rotated");
    EXPECT_EQ(row->integer(1), clock.now_ms());
  });
  auto active = listed(b1.id, "household", steward);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].token, n->token);
}

TEST_P(Codes, RetiringNeedsAReasonAndAManager) {
  auto code = issue("household", households[0].id, worker);
  for (const std::string& reason : std::vector<std::string>{"abc", "换码了", "", std::string(201, 'x')}) {
    auto r = svc->revoke(code.token, reason, worker, "");
    ASSERT_FALSE(r.ok()) << reason;
    EXPECT_EQ(r.error().code, Errc::invalid_input) << reason;
    EXPECT_EQ(r.error().field, "reason") << reason;
    auto o = svc->rotate(code.token, reason, worker, "");
    ASSERT_FALSE(o.ok()) << reason;
    EXPECT_EQ(o.error().code, Errc::invalid_input);
    EXPECT_EQ(o.error().field, "reason");
  }
  EXPECT_EQ(svc->revoke(code.token, "门牌损坏更换", steward, "").error().code, Errc::forbidden);
  EXPECT_EQ(svc->revoke(code.token, "门牌损坏更换", outsider, "").error().code, Errc::not_found);
  EXPECT_EQ(svc->revoke(code.token, "门牌损坏更换", nobody, "").error().code, Errc::not_found);
  EXPECT_EQ(svc->rotate(code.token, "门牌损坏更换", member, "").error().code, Errc::not_found);
  EXPECT_EQ(svc->revoke(codes::mint_token(keys), "门牌损坏更换", admin, "").error().code, Errc::not_found);
  // Nothing happened: still active and served.
  EXPECT_TRUE(svc->resolve(code.token, nullptr).ok());
  EXPECT_EQ(count("SELECT COUNT(*) FROM codes WHERE status = 'active'"), 1);
  EXPECT_TRUE(svc->revoke(code.token, "abcd", worker, "").ok());  // 4 characters is enough
}

TEST_P(Codes, ListShowsOnlyActiveCodes) {
  auto a = issue("household", households[0].id, worker);
  auto b = issue("household", households[1].id, worker);
  auto c = issue("household", households[2].id, worker);
  auto bc = issue("building", b1.id, worker);
  ASSERT_TRUE(svc->revoke(b.token, "住户已经搬走", worker, "").ok());
  auto c2 = svc->rotate(c.token, "二维码被撕掉", worker, "");
  ASSERT_TRUE(c2.ok());
  auto items = listed(b1.id, "household", worker);
  std::vector<std::string> tokens;
  for (const auto& code : items) {
    EXPECT_EQ(code.status, "active");
    tokens.push_back(code.token);
  }
  EXPECT_EQ(tokens, (std::vector<std::string>{a.token, c2->token}));
  auto all = listed(b1.id, "", worker);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].token, a.token);
  EXPECT_EQ(all[1].token, bc.token);
  EXPECT_EQ(all[2].token, c2->token);
  EXPECT_EQ(all[2].label, "1号楼-1单元-201室");
  EXPECT_EQ(listed(b2.id, "", worker).size(), 0u);
  codes::CodeQuery q;
  q.kind = "poster";
  EXPECT_EQ(svc->list(q, worker).error().field, "kind");
  q.kind.clear();
  q.limit = 0;
  EXPECT_EQ(svc->list(q, worker).error().field, "limit");
  q.limit = 201;
  EXPECT_EQ(svc->list(q, worker).error().field, "limit");
}

// ---------------------------------------------------------------------------------------
// Check-ins

TEST_P(Codes, ARepeatWithinFiveMinutesIsTheSameCheckIn) {
  auto code = issue("household", households[0].id, worker);
  codes::NewCheckin visit;
  visit.purpose = "visit";
  visit.lat = 40.81;
  visit.lon = 111.65;
  visit.accuracy_m = 12;
  auto first = svc->check_in(code.token, visit, worker);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->second);
  EXPECT_EQ(first->first.purpose, "visit");
  EXPECT_EQ(first->first.account_id, 3);
  EXPECT_EQ(first->first.at, clock.now_ms());
  EXPECT_EQ(first->first.number, code.number);
  EXPECT_EQ(first->first.kind, "household");
  EXPECT_EQ(first->first.lat, 40.81);
  EXPECT_EQ(first->first.accuracy_m, 12);
  const int64_t t0 = clock.now_ms();

  clock.advance_ms(4 * 60'000);
  codes::NewCheckin again = visit;
  again.lat = 40.0;
  again.lon = 111.0;
  auto second = svc->check_in(code.token, again, worker);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->second);
  EXPECT_EQ(second->first.id, first->first.id);
  EXPECT_EQ(second->first.at, t0);
  EXPECT_EQ(second->first.lat, 40.81);  // the first one's

  codes::NewCheckin patrol;
  patrol.purpose = "patrol";
  auto other = svc->check_in(code.token, patrol, worker);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->second);
  EXPECT_NE(other->first.id, first->first.id);
  EXPECT_FALSE(other->first.lat);

  // Another account at the same code and purpose is its own check-in.
  auto by_steward = svc->check_in(code.token, visit, steward);
  ASSERT_TRUE(by_steward.ok());
  EXPECT_FALSE(by_steward->second);

  clock.advance_ms(2 * 60'000);  // 6 minutes after the first
  auto third = svc->check_in(code.token, visit, worker);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->second);
  EXPECT_NE(third->first.id, first->first.id);
  EXPECT_NE(third->first.id, other->first.id);
  EXPECT_EQ(third->first.at, t0 + 6 * 60'000);
  EXPECT_EQ(count("SELECT COUNT(*) FROM code_checkins"), 4);

  auto page = svc->checkins(code.token, 0, 50, staff);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 4u);
  EXPECT_EQ(page->items[0].id, third->first.id);  // newest first
  EXPECT_EQ(page->items[3].id, first->first.id);
  EXPECT_EQ(svc->checkins(code.token, 0, 50, outsider).error().code, Errc::not_found);
}

TEST_P(Codes, CheckInPositionsAreValidated) {
  auto code = issue("household", households[0].id, worker);
  auto field_of = [&](codes::NewCheckin in) {
    auto r = svc->check_in(code.token, in, worker);
    EXPECT_FALSE(r.ok());
    if (r.ok()) return std::string("(accepted)");
    EXPECT_EQ(r.error().code, Errc::invalid_input);
    return r.error().field;
  };
  codes::NewCheckin in;
  in.lat = 40.8;
  EXPECT_EQ(field_of(in), "lon");  // lat without lon
  in = {};
  in.lon = 111.6;
  in.accuracy_m = 10;
  EXPECT_EQ(field_of(in), "lat");  // lon without lat
  in = {};
  in.lat = 40.8;
  in.lon = 111.6;
  EXPECT_EQ(field_of(in), "accuracy_m");  // a position needs its accuracy
  in.accuracy_m = 10;
  in.lat = 91;
  EXPECT_EQ(field_of(in), "lat");
  in.lat = -90.5;
  EXPECT_EQ(field_of(in), "lat");
  in.lat = 40.8;
  in.lon = 181;
  EXPECT_EQ(field_of(in), "lon");
  in.lon = 111.6;
  in.accuracy_m = 20000;
  EXPECT_EQ(field_of(in), "accuracy_m");
  in.accuracy_m = -1;
  EXPECT_EQ(field_of(in), "accuracy_m");
  in = {};
  in.purpose = "party";
  EXPECT_EQ(field_of(in), "purpose");
  EXPECT_EQ(count("SELECT COUNT(*) FROM code_checkins"), 0);
  in = {};
  in.lat = 90;
  in.lon = -180;
  in.accuracy_m = 10000;
  auto edge = svc->check_in(code.token, in, worker);
  ASSERT_TRUE(edge.ok()) << edge.error().message;
  EXPECT_EQ(edge->first.purpose, "check_in");
}

TEST_P(Codes, WhoMayCheckIn) {
  auto hc = issue("household", households[0].id, worker);
  auto other = issue("household", households[1].id, worker);
  auto bc = issue("building", b1.id, worker);
  // No grant over the path and not a member.
  for (const Principal* who : {&outsider, &nobody}) {
    auto r = svc->check_in(hc.token, {}, *who);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::forbidden) << who->account_id;
  }
  // The member at their own door, but not at the neighbours' or at the building.
  auto mine = svc->check_in(hc.token, {}, member);
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  EXPECT_FALSE(mine->second);
  EXPECT_EQ(mine->first.account_id, member_account);
  EXPECT_EQ(svc->check_in(other.token, {}, member).error().code, Errc::forbidden);
  EXPECT_EQ(svc->check_in(bc.token, {}, member).error().code, Errc::forbidden);
  // Grants covering the path.
  EXPECT_TRUE(svc->check_in(hc.token, {}, steward).ok());
  EXPECT_TRUE(svc->check_in(bc.token, {}, worker).ok());
  EXPECT_EQ(svc->check_in(codes::mint_token(keys), {}, admin).error().code, Errc::not_found);
  EXPECT_EQ(count("SELECT COUNT(*) FROM code_checkins"), 3);
}

// ---------------------------------------------------------------------------------------
// The scan log

TEST_P(Codes, ScansAreCountedByDayViewKindAndCode) {
  auto code = issue("household", households[0].id, worker);
  auto elsewhere = issue("household", b2_household.id, worker);
  // One scan yesterday (China Standard Time), outside a one-day window.
  clock.advance_ms(-86'400'000);
  ASSERT_TRUE(svc->resolve(code.token, nullptr).ok());
  clock.advance_ms(86'400'000);
  ASSERT_EQ(svc->resolve(code.token, nullptr)->view, "public");
  ASSERT_EQ(svc->resolve(code.token, &worker)->view, "staff");
  ASSERT_EQ(svc->resolve(code.token, &member)->view, "member");
  ASSERT_TRUE(svc->resolve(elsewhere.token, nullptr).ok());  // 2号楼, not under 1号楼
  // Failed resolutions are not scans.
  EXPECT_FALSE(svc->resolve(codes::mint_token(keys), nullptr).ok());
  svc->flush_scans();
  // flush_scans() swaps the buffer out; the once-a-second flusher may hold the batch and
  // be committing it at this moment, so give it a moment to land.
  for (int i = 0; i < 100 && count("SELECT COUNT(*) FROM code_scans") < 5; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(count("SELECT COUNT(*) FROM code_scans"), 5);

  auto s = svc->stats(b1.id, 1, admin);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->node_id, b1.id);
  EXPECT_EQ(s->days, 1);
  ASSERT_EQ(s->by_day.size(), 1u);
  const auto& today = s->by_day.back();
  EXPECT_EQ(today.day, "2026-11-29");
  EXPECT_EQ(today.public_scans, 1);
  EXPECT_EQ(today.staff_scans, 1);
  EXPECT_EQ(today.member_scans, 1);
  EXPECT_EQ(today.public_scans + today.staff_scans + today.member_scans, 3);
  EXPECT_EQ(s->by_kind, (std::vector<std::pair<std::string, int64_t>>{{"household", 3}}));
  ASSERT_EQ(s->top.size(), 1u);
  EXPECT_EQ(s->top[0].code.token, code.token);
  EXPECT_EQ(s->top[0].code.label, "1号楼-1单元-101室");
  EXPECT_EQ(s->top[0].scans, 3);

  auto two = svc->stats(b1.id, 2, steward);
  ASSERT_TRUE(two.ok()) << two.error().message;
  ASSERT_EQ(two->by_day.size(), 2u);
  EXPECT_EQ(two->by_day[0].day, "2026-11-28");
  EXPECT_EQ(two->by_day[0].public_scans, 1);
  EXPECT_EQ(two->by_day[0].staff_scans + two->by_day[0].member_scans, 0);
  EXPECT_EQ(two->by_day[1].day, "2026-11-29");
  EXPECT_EQ(two->top[0].scans, 4);

  auto wide = svc->stats(compound.id, 1, worker);
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->by_kind, (std::vector<std::pair<std::string, int64_t>>{{"household", 4}}));
  ASSERT_EQ(wide->top.size(), 2u);
  EXPECT_EQ(wide->top[0].code.token, code.token);
  EXPECT_EQ(wide->top[1].code.token, elsewhere.token);

  for (int64_t days : {0, 91, -1}) {
    auto bad = svc->stats(b1.id, days, admin);
    ASSERT_FALSE(bad.ok()) << days;
    EXPECT_EQ(bad.error().code, Errc::invalid_input);
    EXPECT_EQ(bad.error().field, "days");
  }
  EXPECT_TRUE(svc->stats(b1.id, 90, admin).ok());
  EXPECT_EQ(svc->stats(b1.id, 90, admin)->by_day.size(), 90u);
  EXPECT_EQ(svc->stats(b1.id, 1, outsider).error().code, Errc::not_found);
  EXPECT_EQ(svc->stats(b1.id, 1, member).error().code, Errc::not_found);
  EXPECT_EQ(svc->stats(b1.id, 1, resident).error().code, Errc::forbidden);
}

// ---------------------------------------------------------------------------------------
// Printing

TEST_P(Codes, PrintingDoorPlatesIssuesCodesOnceAndWritesACompletePdf) {
  auto pre = issue("household", households[1].id, worker);  // one has a code already
  fs::path out = dir / "sheets" / "1号楼.pdf";
  fs::create_directories(out.parent_path());
  std::vector<std::pair<int64_t, int64_t>> progress;
  auto p =
      svc->print_to_file(b1.id, "door_plate", std::nullopt, out.string(), worker, [&](int64_t done, int64_t total) {
        progress.push_back({done, total});
      });
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->plates, 3);
  EXPECT_EQ(p->pages, 1);
  EXPECT_TRUE(fs::exists(out));
  EXPECT_EQ(first_bytes(out, 4), "%PDF");
  EXPECT_FALSE(fs::exists(out.string() + ".part"));
  EXPECT_FALSE(any_part_file(out.parent_path()));
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.front(), (std::pair<int64_t, int64_t>{0, 3}));
  EXPECT_EQ(progress.back(), (std::pair<int64_t, int64_t>{3, 3}));

  auto codes_after = listed(b1.id, "household", worker);
  ASSERT_EQ(codes_after.size(), 3u);
  std::set<int64_t> targets;
  std::vector<std::string> tokens;
  for (const auto& c : codes_after) {
    targets.insert(c.target_id);
    tokens.push_back(c.token);
  }
  EXPECT_EQ(targets, (std::set<int64_t>{households[0].id, households[1].id, households[2].id}));
  EXPECT_TRUE(has(tokens, pre.token));
  EXPECT_EQ(count("SELECT COUNT(*) FROM codes"), 3);
  // Codes issued for printing answer like any other.
  for (const auto& c : codes_after) EXPECT_TRUE(svc->resolve(c.token, nullptr).ok()) << c.token;

  // Again: the same codes, nothing new issued.
  fs::path out2 = dir / "sheets" / "again.pdf";
  auto p2 = svc->print_to_file(b1.id, "door_plate", std::nullopt, out2.string(), staff);
  ASSERT_TRUE(p2.ok()) << p2.error().message;
  EXPECT_EQ(p2->plates, 3);
  std::vector<std::string> tokens2;
  for (const auto& c : listed(b1.id, "household", worker)) tokens2.push_back(c.token);
  EXPECT_EQ(tokens2, tokens);
  EXPECT_EQ(count("SELECT COUNT(*) FROM codes"), 3);

  // A limit prints that many.
  fs::path out3 = dir / "sheets" / "two.pdf";
  auto p3 = svc->print_to_file(compound.id, "door_plate", 2, out3.string(), worker);
  ASSERT_TRUE(p3.ok()) << p3.error().message;
  EXPECT_EQ(p3->plates, 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM codes"), 3);
}

TEST_P(Codes, DoorPlatesCarryTheCommunityTheAddressTheNumberAndAScannableUrl) {
  for (const char* tool : {"pdftotext", "pdftoppm", "zbarimg"})
    if (!have(tool)) FAIL() << tool << " is not installed: make deps (scripts/deps.txt)";
  fs::path out = dir / "plates.pdf";
  auto p = svc->print_to_file(b1.id, "door_plate", std::nullopt, out.string(), worker);
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto text = run("pdftotext -q '" + out.string() + "' - 2>/dev/null");
  ASSERT_TRUE(text);
  auto occurrences = [&](const std::string& part) {
    int n = 0;
    for (size_t at = text->find(part); at != std::string::npos; at = text->find(part, at + part.size())) ++n;
    return n;
  };
  EXPECT_EQ(occurrences("甲社区"), 3) << *text;
  EXPECT_EQ(occurrences("2号楼"), 0) << *text;
  std::set<std::string> want_urls;
  for (const auto& c : listed(b1.id, "household", worker)) {
    EXPECT_EQ(occurrences(c.number), 1) << c.number << " in " << *text;
    want_urls.insert(svc->url_of(c.token));
  }
  for (const char* room : {"101室", "102室", "201室"}) EXPECT_EQ(occurrences(room), 1) << room;
  ASSERT_EQ(want_urls.size(), 3u);
  fs::path png = dir / "page";
  ASSERT_TRUE(run("pdftoppm -r 150 -png '" + out.string() + "' '" + png.string() + "' 2>/dev/null"));
  auto decoded = run("zbarimg --raw -q '" + dir.string() + "'/page*.png 2>/dev/null");
  ASSERT_TRUE(decoded);
  std::set<std::string> got_urls;
  std::string line;
  for (char ch : *decoded + "\n") {
    if (ch == '\n') {
      if (!line.empty()) got_urls.insert(line);
      line.clear();
    } else {
      line += ch;
    }
  }
  EXPECT_EQ(got_urls, want_urls);
  for (const auto& url : got_urls) {
    std::string token = url.substr(url.rfind('/') + 1);
    auto r = svc->resolve(token, nullptr);
    ASSERT_TRUE(r.ok()) << url;
    EXPECT_EQ(r->code.kind, "household");
  }
}

TEST_P(Codes, PrintingStickersForPlaces) {
  ASSERT_TRUE(svc->create_place(compound.id, "stall", "老王水果摊", "王记水果", staff, "").ok());
  ASSERT_TRUE(svc->create_place(b1.id, "function_room", "活动室", "", staff, "").ok());
  fs::path out = dir / "stickers.pdf";
  auto p = svc->print_to_file(compound.id, "sticker", std::nullopt, out.string(), worker);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->plates, 2);
  EXPECT_EQ(p->pages, 1);
  EXPECT_EQ(first_bytes(out, 4), "%PDF");
  EXPECT_EQ(listed(compound.id, "stall", worker).size(), 1u);
  EXPECT_EQ(listed(compound.id, "function_room", worker).size(), 1u);
  EXPECT_EQ(listed(compound.id, "household", worker).size(), 0u);
}

TEST_P(Codes, ACancelledOrRefusedPrintLeavesNoFile) {
  fs::path out = dir / "cancelled.pdf";
  std::atomic<bool> cancel{true};
  auto p = svc->print_to_file(b1.id, "door_plate", std::nullopt, out.string(), worker, {}, &cancel);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::conflict);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".part"));

  auto refused = svc->print_to_file(b1.id, "door_plate", std::nullopt, out.string(), resident);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::forbidden);
  EXPECT_EQ(svc->print_to_file(b1.id, "door_plate", std::nullopt, out.string(), steward).error().code, Errc::forbidden);
  EXPECT_EQ(svc->print_to_file(b1.id, "door_plate", std::nullopt, out.string(), outsider).error().code,
            Errc::not_found);
  for (int64_t limit : {0, 100001, -5}) {
    auto bad = svc->print_to_file(b1.id, "door_plate", limit, out.string(), worker);
    ASSERT_FALSE(bad.ok()) << limit;
    EXPECT_EQ(bad.error().code, Errc::invalid_input);
    EXPECT_EQ(bad.error().field, "limit");
  }
  auto poster = svc->print_to_file(b1.id, "poster", std::nullopt, out.string(), worker);
  ASSERT_FALSE(poster.ok());
  EXPECT_EQ(poster.error().code, Errc::invalid_input);
  EXPECT_EQ(poster.error().field, "layout");
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".part"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM codes"), 0);
}

TEST_P(Codes, CancellingBetweenBatchesRemovesThePartialFile) {
  // 600 households: more than one batch of 500.
  auto tower = territory->create(compound.id, "building", "3号楼", nullptr);
  ASSERT_TRUE(tower.ok());
  std::vector<registry::BatchHousehold> batch;
  for (int i = 0; i < 600; ++i)
    batch.push_back({{tower->id, std::to_string(1 + i / 100), 1 + (i % 100) / 4, std::to_string(1000 + i)}, {}});
  auto w = registry->write_batch(batch, {admin, ""});
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_EQ(w->households_created, 600);
  fs::path out = dir / "tower.pdf";
  std::atomic<bool> cancel{false};
  std::vector<std::pair<int64_t, int64_t>> progress;
  bool saw_part = false;
  auto p = svc->print_to_file(
      tower->id, "door_plate", std::nullopt, out.string(), worker,
      [&](int64_t done, int64_t total) {
        progress.push_back({done, total});
        if (done > 0) {
          saw_part = fs::exists(out.string() + ".part");
          cancel = true;
        }
      },
      &cancel);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::conflict);
  EXPECT_EQ(progress, (std::vector<std::pair<int64_t, int64_t>>{{0, 600}, {500, 600}}));
  EXPECT_TRUE(saw_part);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".part"));
  // The first batch got its codes (they stay issued); the second did not.
  codes::CodeQuery q;
  q.node = tower->id;
  q.kind = "household";
  q.limit = 200;
  int64_t issued = 0;
  for (;;) {
    auto page = svc->list(q, worker);
    ASSERT_TRUE(page.ok());
    issued += static_cast<int64_t>(page->items.size());
    if (!page->next_after) break;
    q.after = *page->next_after;
  }
  EXPECT_EQ(issued, 500);
  EXPECT_EQ(svc->issue_all(tower->id, worker).value(), 100);
  EXPECT_EQ(svc->issue_all(tower->id, worker).value(), 0);
}

TEST_P(Codes, ACancelledJobOnTheWorkerLeavesNoFile) {
  auto tower = territory->create(compound.id, "building", "3号楼", nullptr);
  ASSERT_TRUE(tower.ok());
  std::vector<registry::BatchHousehold> batch;
  for (int i = 0; i < 600; ++i)
    batch.push_back({{tower->id, std::to_string(1 + i / 100), 1 + (i % 100) / 4, std::to_string(1000 + i)}, {}});
  ASSERT_TRUE(registry->write_batch(batch, {admin, ""}).ok());
  auto big = svc->start_print(tower->id, "door_plate", std::nullopt, worker, "");
  ASSERT_TRUE(big.ok()) << big.error().message;
  auto cancelled = svc->cancel_print(big->id, worker);  // queued or running: 600 plates take a while
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(cancelled->status, "cancelled");
  // The worker runs one job at a time: once a later job is done, the cancelled one is over.
  auto small = svc->start_print(b1.id, "door_plate", std::nullopt, worker, "");
  ASSERT_TRUE(small.ok());
  ASSERT_EQ(wait_job(small->id, worker).status, "done");
  auto j = svc->print_job(big->id, worker);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->status, "cancelled");
  EXPECT_EQ(j->error, "");
  EXPECT_EQ(svc->print_file(big->id, worker).error().code, Errc::conflict);
  EXPECT_FALSE(fs::exists(dir / "prints" / (std::to_string(big->id) + ".pdf")));
  EXPECT_FALSE(fs::exists(dir / "prints" / (std::to_string(big->id) + ".pdf.part")));
  EXPECT_FALSE(any_part_file(dir / "prints"));
  EXPECT_TRUE(fs::exists(dir / "prints" / (std::to_string(small->id) + ".pdf")));
}

TEST_P(Codes, PrintJobsRunOnTheWorkerAndBelongToTheirOwner) {
  auto job = svc->start_print(b1.id, "door_plate", std::nullopt, worker, "10.0.0.9");
  ASSERT_TRUE(job.ok()) << job.error().message;
  EXPECT_EQ(job->status, "queued");
  EXPECT_EQ(job->account_id, 3);
  EXPECT_EQ(job->node_id, b1.id);
  EXPECT_EQ(job->layout, "door_plate");
  auto done = wait_job(job->id, worker);
  ASSERT_EQ(done.status, "done") << done.error;
  EXPECT_EQ(done.done, 3);
  EXPECT_EQ(done.total, 3);
  EXPECT_EQ(done.pages, 1);
  EXPECT_EQ(done.error, "");
  auto file = svc->print_file(job->id, worker);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(*file, (dir / "prints" / (std::to_string(job->id) + ".pdf")).string());
  EXPECT_TRUE(fs::exists(*file));
  EXPECT_EQ(first_bytes(*file, 4), "%PDF");
  EXPECT_FALSE(any_part_file(dir / "prints"));
  EXPECT_EQ(listed(b1.id, "household", worker).size(), 3u);

  auto cancel_done = svc->cancel_print(job->id, worker);
  ASSERT_FALSE(cancel_done.ok());
  EXPECT_EQ(cancel_done.error().code, Errc::conflict);
  // Another account's job does not exist for them, even for a district admin.
  for (const Principal* who : {&admin, &staff}) {
    EXPECT_EQ(svc->print_job(job->id, *who).error().code, Errc::not_found);
    EXPECT_EQ(svc->print_file(job->id, *who).error().code, Errc::not_found);
    EXPECT_EQ(svc->cancel_print(job->id, *who).error().code, Errc::not_found);
    EXPECT_TRUE(svc->print_jobs(0, 50, *who)->items.empty());
  }
  auto mine = svc->print_jobs(0, 50, worker);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->items.size(), 1u);
  EXPECT_EQ(mine->items[0].id, job->id);
  EXPECT_EQ(svc->print_job(999999, worker).error().code, Errc::not_found);
  // Refusals and validation happen before a job exists.
  EXPECT_EQ(svc->start_print(b1.id, "door_plate", std::nullopt, resident, "").error().code, Errc::forbidden);
  EXPECT_EQ(svc->start_print(b1.id, "door_plate", std::nullopt, outsider, "").error().code, Errc::not_found);
  EXPECT_EQ(svc->start_print(b1.id, "poster", std::nullopt, worker, "").error().field, "layout");
  EXPECT_EQ(svc->start_print(b1.id, "door_plate", 0, worker, "").error().field, "limit");
  EXPECT_EQ(svc->start_print(b1.id, "door_plate", 100001, worker, "").error().field, "limit");
  EXPECT_EQ(count("SELECT COUNT(*) FROM code_prints"), 1);
}

TEST_P(Codes, RecoverFailsJobsLeftQueuedOrRunningAndRemovesPartialFiles) {
  auto job = svc->start_print(b1.id, "door_plate", std::nullopt, worker, "");
  ASSERT_TRUE(job.ok()) << job.error().message;
  ASSERT_EQ(wait_job(job->id, worker).status, "done");
  // Jobs a previous run left behind (never queued in this process's worker).
  int64_t queued = insert_job("queued"), running = insert_job("running");
  ASSERT_GT(queued, 0);
  ASSERT_GT(running, 0);
  fs::path part = dir / "prints" / (std::to_string(running) + ".pdf.part");
  { std::ofstream(part) << "%PDF-1.7 partial"; }
  EXPECT_EQ(svc->print_file(queued, worker).error().code, Errc::conflict);
  clock.advance_ms(1000);
  svc->recover();
  for (int64_t id : {queued, running}) {
    auto j = svc->print_job(id, worker);
    ASSERT_TRUE(j.ok());
    EXPECT_EQ(j->status, "failed") << id;
    EXPECT_FALSE(j->error.empty());
    EXPECT_EQ(j->updated_at, clock.now_ms());
    EXPECT_EQ(svc->cancel_print(id, worker).error().code, Errc::conflict);
  }
  EXPECT_FALSE(fs::exists(part));
  EXPECT_EQ(svc->print_job(job->id, worker)->status, "done");
  EXPECT_TRUE(svc->print_file(job->id, worker).ok());
}

TEST_P(Codes, AQueuedJobCanBeCancelled) {
  // A job row waiting in the database (not yet picked up) can be cancelled by its owner.
  int64_t id = insert_job("queued");
  ASSERT_GT(id, 0);
  auto c = svc->cancel_print(id, worker);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->status, "cancelled");
  EXPECT_EQ(svc->cancel_print(id, worker).error().code, Errc::conflict);
  EXPECT_EQ(svc->print_file(id, worker).error().code, Errc::conflict);
}

TEST_P(Codes, ARevokeRacingScansNeverLeavesTheCodeServed) {
  // Scans keep missing the cache (anything committed elsewhere empties it: another code
  // issued, a node renamed) while the code is revoked. Once revoke has returned and the
  // scans have stopped, the token must answer 410: a resolution read before the revoke
  // committed must not be put into the cache after the revoke emptied it.
  for (int trial = 0; trial < 50; ++trial) {
    auto code = issue("household", households[trial % 3].id, worker);
    std::atomic<bool> done{false};
    std::vector<std::thread> scanners;
    for (int r = 0; r < 3; ++r)
      scanners.emplace_back([&] {
        while (!done.load()) {
          svc->invalidate();
          static_cast<void>(svc->resolve(code.token, nullptr));
        }
      });
    auto revoked = svc->revoke(code.token, "门牌损坏更换", worker, "");
    done = true;
    for (auto& t : scanners) t.join();
    ASSERT_TRUE(revoked.ok()) << revoked.error().message;
    auto after = svc->resolve(code.token, nullptr);
    ASSERT_FALSE(after.ok()) << "trial " << trial << ": code " << code.id
                             << " is revoked in the database but still resolves (view " << after->view
                             << ") from a cache entry read before the revoke committed";
    EXPECT_EQ(after.error().code, Errc::gone);
  }
}
