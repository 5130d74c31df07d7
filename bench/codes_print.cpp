// bench_codes_print: door plates per second for one print job, each case in its own process
// so that its peak RSS (VmHWM) is its own.
//   bench_codes_print job DB_URL DATA_DIR NODE_ID LIMIT OUT.pdf
//       codes::Service::print_to_file of the households under NODE_ID (at most LIMIT plates)
//       as a district admin, as the CLI and the HTTP print worker do: targets read page by page,
//       codes issued to those without one, the PDF written as pages fill. DATA_DIR holds the
//       key file the database was built with (codes minted here verify on the server).
//   bench_codes_print baseline N OUT.pdf
//       the same-run baseline: print::PdfWriter alone writing N door plates from memory (no
//       database, no codes issued), with texts and URLs of the same kind (a community's name,
//       an address "12号楼-3单元-1502室", a number "0000-01Z", a 24-character token in a URL of
//       the same length).
// Prints one "key value" line per figure; bench/codes collects them.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/crypto.hpp"
#include "modules/codes/codes.hpp"
#include "modules/registry/registry.hpp"
#include "modules/territory/territory.hpp"
#include "print/plates.hpp"
#include "store/db.hpp"

using namespace mashang;

namespace {

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

long status_kb(const char* field) {  // from /proc/self/status, e.g. "VmHWM"
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::strtol(line.c_str() + key.size(), nullptr, 10);
  return 0;
}

void report(const char* mode, int64_t plates, int64_t pages, double secs, const std::string& out) {
  std::error_code ec;
  auto bytes = std::filesystem::file_size(out, ec);
  std::printf("mode %s\nplates %lld\npages %lld\nseconds %.3f\nplates_per_s %.1f\npdf_bytes %llu\nvmhwm_kb %ld\n", mode,
              static_cast<long long>(plates), static_cast<long long>(pages), secs, plates / secs,
              static_cast<unsigned long long>(ec ? 0 : bytes), status_kb("VmHWM"));
}

int job(const std::string& url, const std::string& data_dir, int64_t node_id, int64_t limit, const std::string& out) {
  crypto::init();
  SystemClock clock;
  auto keys = crypto::Keyring::load_or_create(data_dir + "/mashang.key");
  if (!keys.ok()) return std::fprintf(stderr, "%s\n", keys.error().message.c_str()), 1;
  auto db = store::open(url, 2, [&] { return clock.now_ms(); });
  territory::Service territory(*db, clock);
  registry::Service registry(*db, *keys, clock, territory);
  codes::Service codes(*db, *keys, clock, territory, registry, Config{}.server.public_base_url, data_dir + "/prints");
  auto active = [&] {
    int64_t n = 0;
    db->read(
        [&](store::Conn& c) { n = c.query_one("SELECT COUNT(*) FROM codes WHERE status = 'active'")->integer(0); });
    return n;
  };
  const int64_t before = active();
  Principal admin;  // as the CLI: the district, no account
  admin.grants = {{"district_admin", "/"}};
  auto t0 = std::chrono::steady_clock::now();
  auto printed = codes.print_to_file(node_id, "door_plate", limit, out, admin);
  double secs = since(t0);
  if (!printed.ok()) return std::fprintf(stderr, "print failed: %s\n", printed.error().message.c_str()), 1;
  report("job", printed->plates, printed->pages, secs, out);
  std::printf("codes_issued %lld\n", static_cast<long long>(active() - before));
  return 0;
}

int baseline(int64_t n, const std::string& out) {
  crypto::init();
  // Texts made before the clock starts, as a caller holding them in memory would have them.
  static const char* communities[] = {"康城社区", "格德热格社区", "滨河苑社区", "阳光家园社区", "铁西社区"};
  const std::string base = Config{}.server.public_base_url + "/c/";
  std::vector<print::Plate> plates;
  plates.reserve(static_cast<size_t>(n));
  uint64_t s = 11;
  auto rnd = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return s >> 11;
  };
  for (int64_t i = 0; i < n; ++i) {
    std::string raw(18, '\0');
    for (auto& b : raw) b = static_cast<char>(rnd() & 0xff);
    const int64_t building = 1 + i / 96 % 40, unit = 1 + i / 24 % 4, floor = 1 + i / 2 % 12, room = 1 + i % 2;
    plates.push_back({communities[i / 2500 % 5],
                      std::to_string(building) + "号楼-" + std::to_string(unit) + "单元-" + std::to_string(floor) +
                          "0" + std::to_string(room) + "室",
                      codes::number_of(i + 1), base + crypto::base64url(raw)});
  }
  auto t0 = std::chrono::steady_clock::now();
  auto writer = print::PdfWriter::open(out, print::Layout::door_plate, "基准 门牌码");
  if (!writer.ok()) return std::fprintf(stderr, "%s\n", writer.error().message.c_str()), 1;
  for (const auto& p : plates)
    if (auto st = (*writer)->add(p); !st.ok()) return std::fprintf(stderr, "%s\n", st.error().message.c_str()), 1;
  if (auto st = (*writer)->finish(); !st.ok()) return std::fprintf(stderr, "%s\n", st.error().message.c_str()), 1;
  double secs = since(t0);
  report("baseline", (*writer)->plates(), (*writer)->pages(), secs, out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "job" && argc == 7) return job(argv[2], argv[3], std::atoll(argv[4]), std::atoll(argv[5]), argv[6]);
  if (mode == "baseline" && argc == 4) return baseline(std::atoll(argv[2]), argv[3]);
  std::fprintf(stderr, "usage: %s job DB_URL DATA_DIR NODE_ID LIMIT OUT.pdf | baseline N OUT.pdf\n", argv[0]);
  return 2;
}
