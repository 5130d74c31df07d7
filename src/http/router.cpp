#include "http/router.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "core/text.hpp"

namespace mashang::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') { ++i; continue; }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::string_view Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (text::iequals(k, name)) return v;
  return {};
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  if (query.empty()) return std::nullopt;
  std::string full = "/?" + query;
  auto u = boost::urls::parse_origin_form(full);
  if (!u) return std::nullopt;
  for (auto p : u->params()) {
    if (p.key == name) return std::string(p.value);
  }
  return std::nullopt;
}

void Router::add(std::string method, std::string pattern, Handler h, RouteOptions opts) {
  auto r = std::make_unique<Route>();
  r->method = std::move(method);
  r->segments = split_path(pattern);
  r->pattern = std::move(pattern);
  r->handler = std::move(h);
  r->options = opts;
  r->index = routes_.size();
  routes_.push_back(std::move(r));
}

Match Router::match(std::string_view method, std::string_view path,
                    std::unordered_map<std::string, std::string>& params) const {
  Match m;
  // Segments as views into `path` (no allocation on the hot path); at most kSegmentsMax.
  constexpr size_t kSegmentsMax = 16;
  std::string_view segs[kSegmentsMax];
  size_t n = 0;
  for (size_t i = 0; i < path.size();) {
    if (path[i] == '/') { ++i; continue; }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (n == kSegmentsMax) return m;  // deeper than any route
    segs[n++] = path.substr(i, j - i);
    i = j;
  }
  for (const auto& r : routes_) {
    if (r->segments.size() != n) continue;
    bool ok = true;
    for (size_t i = 0; i < n && ok; ++i) {
      const std::string& s = r->segments[i];
      ok = (s.size() > 2 && s.front() == '{' && s.back() == '}') || s == segs[i];
    }
    if (!ok) continue;
    if (r->method == method || (method == "HEAD" && r->method == "GET")) {
      for (size_t i = 0; i < n; ++i) {
        const std::string& s = r->segments[i];
        if (s.size() > 2 && s.front() == '{') params[s.substr(1, s.size() - 2)] = std::string(segs[i]);
      }
      m.route = r.get();
      m.allowed.clear();
      return m;
    }
    m.allowed.push_back(r->method);
  }
  return m;
}

}  // namespace mashang::http
