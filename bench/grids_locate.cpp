// Point → grid lookups per second against the grids stored in a database (the demo's 120),
// with the same-run baseline of asking SQLite for the grids whose bounding box holds the
// point (what a lookup costs without the in-memory R-tree; and it is not even exact).
//   bench_grids_locate sqlite:/path/m.db [points]
// Prints one line per figure; bench/registry collects them.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "modules/grids/grids.hpp"
#include "store/db.hpp"

using namespace mashang;

namespace {

struct Pt {
  double lon, lat;
};

std::vector<Pt> points(size_t n) {  // uniform over the demo district's box, fixed seed
  std::vector<Pt> out(n);
  uint64_t s = 42;
  auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(s >> 11) / 9007199254740992.0;
  };
  for (auto& p : out) p = {109.715 + next() * 0.13, 39.57 + next() * 0.06};
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DB_URL [points]\n", argv[0]);
    return 2;
  }
  size_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1'000'000;
  crypto::init();
  SystemClock clock;
  auto db = store::open(argv[1], 2, [&] { return clock.now_ms(); });
  grids::Service svc(*db, clock);
  auto t0 = std::chrono::steady_clock::now();
  size_t grids = svc.indexed();
  double load_s = seconds_since(t0);
  auto pts = points(n);

  t0 = std::chrono::steady_clock::now();
  size_t hits = 0;
  for (const auto& p : pts) hits += svc.grid_at(p.lon, p.lat).has_value();
  double rtree_s = seconds_since(t0);

  // Two threads at once: the index is shared and immutable.
  t0 = std::chrono::steady_clock::now();
  size_t hits2[2] = {0, 0};
  std::vector<std::thread> ts;
  for (int k = 0; k < 2; ++k)
    ts.emplace_back([&, k] {
      for (size_t i = k; i < pts.size(); i += 2) hits2[k] += svc.grid_at(pts[i].lon, pts[i].lat).has_value();
    });
  for (auto& t : ts) t.join();
  double rtree2_s = seconds_since(t0);

  // Baseline: the bounding-box query, on fewer points (it is much slower).
  size_t m = std::min<size_t>(n, 50'000);
  t0 = std::chrono::steady_clock::now();
  size_t box_hits = 0;
  db->read([&](store::Conn& c) {
    for (size_t i = 0; i < m; ++i)
      box_hits += c.query(
                       "SELECT node_id FROM grid_shapes WHERE min_lon <= $1 AND max_lon >= $1 AND min_lat <= $2 "
                       "AND max_lat >= $2",
                       {pts[i].lon, pts[i].lat})
                      .size() > 0;
  });
  double box_s = seconds_since(t0);

  std::printf("grids %zu\nindex_load_ms %.2f\npoints %zu\ninside %.3f\n", grids, load_s * 1e3, n,
              static_cast<double>(hits) / n);
  std::printf("rtree_lookups_per_s %.0f\nrtree_ns_per_lookup %.0f\n", n / rtree_s, rtree_s / n * 1e9);
  std::printf("rtree_2threads_lookups_per_s %.0f\n", n / rtree2_s);
  std::printf("sqlite_bbox_queries_per_s %.0f\n", m / box_s);
  std::printf("ratio_rtree_over_sqlite_bbox %.1f\n", (n / rtree_s) / (m / box_s));
  return hits2[0] + hits2[1] == hits ? 0 : 1;
}
