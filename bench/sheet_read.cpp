// bench_sheet_read: how fast src/sheet reads a 120,000-row roster as CSV (UTF-8, GBK) and .xlsx.
// Run without arguments: it writes the three files to a temporary directory (the .xlsx with
// sheet::XlsxWriter, the GBK file with iconv), then reads each in a child process of its own,
// so each peak RSS is that of one read. `bench_sheet_read read FILE` is the child.
#include <iconv.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sheet/sheet.hpp"
#include "sheet/xlsx_writer.hpp"

using namespace mashang;

namespace {

constexpr int kRows = 120000;

std::vector<std::string> roster_row(int i) {
  static const char* surnames[] = {"刘", "王", "李", "张", "赵", "高", "乌兰", "巴特尔", "郝", "白"};
  static const char* given[] = {"桂兰", "建国", "秀英", "志强", "敏", "其其格", "海龙", "淑珍", "文华", "娜仁"};
  char id[32], phone[32], date[32];
  const int year = 1930 + i % 90, month = 1 + i % 12, day = 1 + i % 28;
  std::snprintf(id, sizeof id, "1527011%04d%02d%02d%03d", year, month, day, i % 1000);
  id[17] = "0123456789X"[i % 11];
  id[18] = 0;
  std::snprintf(phone, sizeof phone, "13%09d", i * 7919 % 1000000000);
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, month, day);
  // Built step by step: `"literal" + std::to_string(...)` trips GCC 12's -Wrestrict false positive.
  std::string household = "H";
  household += std::to_string(100000 + i / 3);
  std::string address = "康巴什区青春山街道";
  address +=
      std::to_string(i % 40) + "号楼" + std::to_string(1 + i % 4) + "单元, " + std::to_string(100 + i % 1800) + "室";
  return {household, std::string(surnames[i % 10]) + given[(i / 10) % 10], id, phone, date, address};
}

const std::vector<std::string> kHeader = {"户号", "姓名", "身份证号", "手机号", "出生日期", "住址"};

std::string csv_line(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t c = 0; c < cells.size(); ++c) {
    if (c) line += ',';
    if (cells[c].find(',') != std::string::npos)
      line += '"' + cells[c] + '"';
    else
      line += cells[c];
  }
  return line + "\r\n";
}

std::string to_gbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  std::string out(utf8.size() + 16, '\0');
  char* ip = const_cast<char*>(utf8.data());
  size_t il = utf8.size(), ol = out.size();
  char* op = out.data();
  if (iconv(cd, &ip, &il, &op, &ol) == size_t(-1)) std::abort();
  iconv_close(cd);
  out.resize(size_t(op - out.data()));
  return out;
}

void write_file(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

int read_one(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  const long rss_file = peak_rss_kib();
  double best = 1e9;
  int64_t rows = 0;
  sheet::Info info;
  for (int pass = 0; pass < 3; ++pass) {
    size_t cell_bytes = 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto r = sheet::read(bytes, sheet::Limits{}, [&](sheet::Row&& row) {
      for (const auto& c : row.cells) cell_bytes += c.text.size();
      return ok_status();
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r) {
      std::fprintf(stderr, "%s: %s\n", path, r.error().message.c_str());
      return 1;
    }
    info = *r;
    rows = r->rows;
    best = std::min(best, s);
  }
  const char* kind = info.format == sheet::Format::xlsx      ? "xlsx      "
                     : info.encoding == sheet::Encoding::gbk ? "csv gbk   "
                                                             : "csv utf-8 ";
  std::printf("%s %7lld rows %6.1f MB  best of 3: %6.3f s  %7.0f rows/s  peak RSS %5.1f MiB (file alone %5.1f MiB)\n",
              kind, static_cast<long long>(rows), bytes.size() / 1e6, best, rows / best, peak_rss_kib() / 1024.0,
              rss_file / 1024.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "read") return read_one(argv[2]);
  char dir_template[] = "/tmp/bench_sheet_read_XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  std::string csv = csv_line(kHeader);
  auto writer = sheet::XlsxWriter::open(dir + "/roster.xlsx", "花名册");
  if (!writer || !writer->header(kHeader)) return 1;
  for (int i = 0; i < kRows; ++i) {
    const auto row = roster_row(i);
    csv += csv_line(row);
    if (!writer->row(row)) return 1;
  }
  if (!writer->close()) return 1;
  write_file(dir + "/roster-utf8.csv", csv);
  write_file(dir + "/roster-gbk.csv", to_gbk(csv));
  std::printf("bench_sheet_read: %d data rows + header, 6 columns, files in %s\n", kRows, dir.c_str());
  int failed = 0;
  for (const char* name : {"roster-utf8.csv", "roster-gbk.csv", "roster.xlsx"}) {
    const std::string path = dir + "/" + name;
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
      execl("/proc/self/exe", argv[0], "read", path.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    failed |= !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    std::remove(path.c_str());
  }
  rmdir(dir.c_str());
  return failed;
}
