#include "http/metrics.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace mashang::http {
namespace {
std::string escape_label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
}
}  // namespace

void Metrics::set_routes(std::vector<std::pair<std::string, std::string>> routes) {
  routes.emplace_back("", "unmatched");
  for (auto& [m, p] : routes) {
    auto r = std::make_unique<PerRoute>();
    r->method = m;
    r->pattern = p;
    routes_.push_back(std::move(r));
  }
}

void Metrics::observe(size_t route, int status, double seconds) {
  if (routes_.empty()) return;
  auto& r = *routes_[std::min(route, routes_.size() - 1)];
  if (status >= 100 && status < 600) r.by_status[status].fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) {
      r.buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  r.count.fetch_add(1, std::memory_order_relaxed);
  r.sum_ns.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void Metrics::gauge(std::string name, std::string help, std::function<double()> read) {
  reads_.push_back({std::move(name), std::move(help), "gauge", std::move(read)});
}
void Metrics::counter(std::string name, std::string help, std::function<double()> read) {
  reads_.push_back({std::move(name), std::move(help), "counter", std::move(read)});
}

std::string Metrics::render() const {
  std::string out;
  out += "# HELP mashang_http_requests_total HTTP requests answered, by route, method and status.\n"
         "# TYPE mashang_http_requests_total counter\n";
  for (const auto& r : routes_) {
    for (int s = 100; s < 600; ++s) {
      uint64_t n = r->by_status[s].load(std::memory_order_relaxed);
      if (!n) continue;
      out += fmt::format("mashang_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                         escape_label(r->pattern), escape_label(r->method), s, n);
    }
  }
  out += "# HELP mashang_http_request_duration_seconds Time from the first byte of a request to its response being ready to send.\n"
         "# TYPE mashang_http_request_duration_seconds histogram\n";
  for (const auto& r : routes_) {
    uint64_t count = r->count.load(std::memory_order_relaxed);
    if (!count) continue;
    std::string labels = fmt::format("route=\"{}\",method=\"{}\"", escape_label(r->pattern), escape_label(r->method));
    uint64_t cum = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cum += r->buckets[i].load(std::memory_order_relaxed);
      out += fmt::format("mashang_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels, kBuckets[i], cum);
    }
    out += fmt::format("mashang_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels, count);
    out += fmt::format("mashang_http_request_duration_seconds_sum{{{}}} {:.6f}\n", labels,
                       r->sum_ns.load(std::memory_order_relaxed) / 1e9);
    out += fmt::format("mashang_http_request_duration_seconds_count{{{}}} {}\n", labels, count);
  }
  // A name may carry labels ("x_total{outcome=\"ok\"}"): one HELP and TYPE per family.
  std::vector<std::string_view> described;
  for (const auto& g : reads_) {
    std::string_view family = std::string_view(g.name).substr(0, g.name.find('{'));
    if (std::find(described.begin(), described.end(), family) == described.end()) {
      described.push_back(family);
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family, g.help, family, g.type);
    }
    out += fmt::format("{} {}\n", g.name, g.read());
  }
  return out;
}

}  // namespace mashang::http
