// bench_roster_import: a roster import of N persons (default 120,000) into the demo tree,
// timed phase by phase, as CSV or .xlsx.
//   bench_roster_import write DB_URL DIR [N]   writes DIR/roster.csv and DIR/roster.xlsx: N persons
//                                              in households of 1–5, in new compounds and buildings
//                                              under the database's grids, valid ID numbers
//   bench_roster_import import DB_URL FILE     checks, then applies FILE; prints the figures
// bench/registry runs both on copies of a small demo database and compares with the sqlite3
// shell's .import of the same CSV.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/idcard.hpp"
#include "modules/registry/registry.hpp"
#include "modules/roster/roster.hpp"
#include "modules/territory/territory.hpp"
#include "sheet/xlsx_writer.hpp"
#include "store/db.hpp"

using namespace mashang;

namespace {

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

int write_files(const std::string& url, const std::string& dir, int64_t n) {
  SystemClock clock;
  auto db = store::open(url, 1, [&] { return clock.now_ms(); });
  std::vector<std::pair<std::string, std::string>> grids;  // community, grid
  db->read([&](store::Conn& c) {
    for (const auto& r : c.query("SELECT p.name, g.name FROM nodes g JOIN nodes p ON p.id = g.parent_id "
                                 "WHERE g.kind = 'grid' ORDER BY g.id"))
      grids.emplace_back(r.text(0), r.text(1));
  });
  if (grids.empty()) {
    std::fprintf(stderr, "no grids in %s (run mashang demo first)\n", url.c_str());
    return 1;
  }
  static const char* surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "高", "郝"};
  static const char* given[] = {"伟", "芳", "秀英", "建国", "敏", "静", "志强", "桂兰", "其其格", "海龙"};
  static const char* relations[] = {"户主", "配偶", "子女", "子女", "父母"};
  std::vector<std::string> head = {"社区", "网格", "小区",     "楼栋",   "单元",       "房号",
                                   "姓名", "性别", "身份证号", "手机号", "与户主关系", "标签"};
  auto xl = sheet::XlsxWriter::open(dir + "/roster.xlsx", "花名册");
  if (!xl.ok()) return std::fprintf(stderr, "%s\n", xl.error().message.c_str()), 1;
  if (!xl->header(head).ok()) return 1;
  std::ofstream csv(dir + "/roster.csv", std::ios::binary);
  for (size_t i = 0; i < head.size(); ++i) csv << (i ? "," : "") << head[i];
  csv << "\n";
  uint64_t s = 7;
  auto rnd = [&](uint64_t m) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return (s >> 33) % m;
  };
  int64_t person = 0, household = 0;
  while (person < n) {
    int size = 1 + static_cast<int>(rnd(4));
    const auto& [community, grid] = grids[(household / 300) % grids.size()];  // ~300 households per grid
    std::string compound = "导入小区" + std::to_string(household / 100);
    std::string building = std::to_string(household / 30 % 100 + 1) + "号楼";
    std::string unit = std::to_string(household % 30 / 10 + 1);
    std::string room = std::to_string((household % 10) / 2 + 1) + "0" + std::to_string(household % 2 + 1);
    for (int k = 0; k < size && person < n; ++k, ++person) {
      bool male = rnd(2);
      char body[24];
      std::snprintf(body, sizeof body, "150603%04d%02d%02d%03d", 1940 + static_cast<int>(person % 80),
                    1 + static_cast<int>(person % 12), 1 + static_cast<int>(person % 28),
                    static_cast<int>((person / 960) % 500) * 2 + (male ? 1 : 0));
      std::string id = std::string(body) + idcard::check_char(body);
      char phone[32];
      std::snprintf(phone, sizeof phone, "139%08lld", static_cast<long long>(person));
      std::vector<std::string> row = {community,
                                      grid,
                                      compound,
                                      building,
                                      unit,
                                      room,
                                      std::string(surnames[rnd(12)]) + given[rnd(10)],
                                      male ? "男" : "女",
                                      id,
                                      k < 2 ? phone : "",
                                      relations[k],
                                      k == 0 && rnd(10) == 0 ? "空巢老人、独居" : ""};
      for (size_t i = 0; i < row.size(); ++i) csv << (i ? "," : "") << csv_field(row[i]);
      csv << "\n";
      if (!xl->row(row).ok()) return 1;
    }
    ++household;
  }
  if (!xl->close().ok()) return 1;
  std::printf("persons %lld\nhouseholds %lld\n", static_cast<long long>(person), static_cast<long long>(household));
  return 0;
}

int import_file(const std::string& url, const std::string& file) {
  crypto::init();
  SystemClock clock;
  auto db = store::open(url, 2, [&] { return clock.now_ms(); });
  auto keys = crypto::Keyring::from_hex(std::string(64, '7'));
  territory::Service territory(*db, clock);
  registry::Service registry(*db, keys, clock, territory);
  roster::Service roster(*db, keys, clock, territory, registry, "/tmp");
  std::ifstream f(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  Principal admin;
  admin.grants = {{"district_admin", "/"}};
  auto t0 = std::chrono::steady_clock::now();
  auto rep = roster.check(bytes, admin);
  double check_s = since(t0);
  if (!rep.ok() || rep->problem_count) {
    std::fprintf(stderr, "check failed: %s\n",
                 rep.ok() ? rep->problems.at(0).message.c_str() : rep.error().message.c_str());
    return 1;
  }
  t0 = std::chrono::steady_clock::now();
  auto done = roster.apply(bytes, admin, "bench");
  double apply_s = since(t0);
  if (!done.ok()) return std::fprintf(stderr, "apply failed: %s\n", done.error().message.c_str()), 1;
  t0 = std::chrono::steady_clock::now();
  auto again = roster.apply(bytes, admin, "bench");
  double again_s = since(t0);
  if (!again.ok()) return 1;
  auto rows = static_cast<double>(rep->rows);
  std::printf("rows %lld\nfile_bytes %zu\ncheck_s %.2f\ncheck_rows_per_s %.0f\n", static_cast<long long>(rep->rows),
              bytes.size(), check_s, rows / check_s);
  std::printf("apply_s %.2f\napply_rows_per_s %.0f\nbatches %lld\npersons_created %lld\n", apply_s, rows / apply_s,
              static_cast<long long>(done->batches), static_cast<long long>(done->counts.persons_created));
  std::printf("reimport_s %.2f\nreimport_rows_per_s %.0f\npersons_updated %lld\n", again_s, rows / again_s,
              static_cast<long long>(again->counts.persons_updated));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "write" && argc >= 4) return write_files(argv[2], argv[3], argc > 4 ? std::atoll(argv[4]) : 120000);
  if (mode == "import" && argc == 4) return import_file(argv[2], argv[3]);
  std::fprintf(stderr, "usage: %s write DB_URL DIR [N] | import DB_URL FILE\n", argv[0]);
  return 2;
}
