#pragma once
//! Prometheus metrics: requests by route/method/status, latency histogram per route,
//! and gauges read at scrape time (DB pool, live-event subscribers, connections).
#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mashang::http {

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  //! Declares the routes (index → label). Index routes.size() is "unmatched".
  void set_routes(std::vector<std::pair<std::string, std::string>> method_and_pattern);
  void observe(size_t route, int status, double seconds);
  //! Adds a gauge computed at scrape time.
  void gauge(std::string name, std::string help, std::function<double()> read);
  //! Adds a counter computed at scrape time. `name` may carry labels (`x_total{k="v"}`);
  //! counters of one family are declared one after the other.
  void counter(std::string name, std::string help, std::function<double()> read);
  std::string render() const;

 private:
  struct PerRoute {
    std::string method, pattern;
    std::array<std::atomic<uint64_t>, 600> by_status{};
    std::array<std::atomic<uint64_t>, kBuckets.size()> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_ns{0};
  };
  struct Read {
    std::string name, help, type;
    std::function<double()> read;
  };
  std::vector<std::unique_ptr<PerRoute>> routes_;
  std::vector<Read> reads_;
};

}  // namespace mashang::http
