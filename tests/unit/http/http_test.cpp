#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/config.hpp"
#include "http/error_map.hpp"
#include "http/metrics.hpp"
#include "http/pipeline.hpp"
#include "http/rate_limit.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"

using namespace mashang;
using namespace mashang::http;

namespace {

Response ok_handler(Request&) { return Response{}; }

TEST(Router, MatchesPathParametersAndReportsAllowedMethods) {
  Router r;
  r.add("GET", "/api/accounts", ok_handler);
  r.add("POST", "/api/accounts", ok_handler);
  r.add("GET", "/api/accounts/{id}", ok_handler);
  std::unordered_map<std::string, std::string> params;
  auto m = r.match("GET", "/api/accounts/42", params);
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.route->pattern, "/api/accounts/{id}");
  EXPECT_EQ(params["id"], "42");
  auto wrong = r.match("DELETE", "/api/accounts", params);
  EXPECT_FALSE(wrong.route);
  EXPECT_EQ(wrong.allowed, (std::vector<std::string>{"GET", "POST"}));
  auto none = r.match("GET", "/api/nothing", params);
  EXPECT_FALSE(none.route);
  EXPECT_TRUE(none.allowed.empty());
  EXPECT_TRUE(r.match("HEAD", "/api/accounts", params).route) << "HEAD is served by GET routes";
}

TEST(ErrorMap, EveryCodeHasItsStatusAndBody) {
  struct Case { Errc code; int status; };
  const Case cases[] = {{Errc::bad_request, 400}, {Errc::unauthenticated, 401}, {Errc::forbidden, 403},
                        {Errc::not_found, 404}, {Errc::method_not_allowed, 405}, {Errc::timeout, 408},
                        {Errc::conflict, 409}, {Errc::too_large, 413}, {Errc::unsupported_media_type, 415},
                        {Errc::invalid_input, 422}, {Errc::rate_limited, 429}, {Errc::internal, 500},
                        {Errc::unavailable, 503}};
  for (const auto& c : cases) EXPECT_EQ(status_of(c.code), c.status) << errc_name(c.code);
  auto r = error_response(Errc::invalid_input, "password is \"short\"", "password");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body,
            "{\"error\":{\"code\":\"invalid_input\",\"message\":\"password is \\\"short\\\"\",\"field\":\"password\"}}");
  Error limited = make_error(Errc::rate_limited, "slow down");
  limited.retry_after_s = 7;
  auto lr = error_response(limited);
  ASSERT_EQ(lr.headers.size(), 1u);
  EXPECT_EQ(lr.headers[0], (std::pair<std::string, std::string>{"Retry-After", "7"}));
}

TEST(RateLimiter, AllowsTheBurstThenRefillsOverTime) {
  RateLimiter l(10, 3);
  int64_t t = 1000;
  EXPECT_EQ(l.take("a", t), 0);
  EXPECT_EQ(l.take("a", t), 0);
  EXPECT_EQ(l.take("a", t), 0);
  EXPECT_GE(l.take("a", t), 1) << "bucket empty";
  EXPECT_EQ(l.take("b", t), 0) << "clients are independent";
  EXPECT_EQ(l.take("a", t + 100), 0) << "one token back after 100 ms at 10/s";
  EXPECT_EQ(l.refused_total(), 1u);
}

TEST(Metrics, RendersCountersAndCumulativeHistograms) {
  Metrics m;
  m.set_routes({{"GET", "/api/me"}});
  m.observe(0, 200, 0.0007);
  m.observe(0, 200, 0.03);
  m.observe(0, 401, 9.0);
  m.gauge("mashang_live_subscribers", "Open streams.", [] { return 3.0; });
  std::string text = m.render();
  EXPECT_NE(text.find("mashang_http_requests_total{route=\"/api/me\",method=\"GET\",status=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("le=\"0.001\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("le=\"0.05\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("mashang_http_request_duration_seconds_count{route=\"/api/me\",method=\"GET\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE mashang_live_subscribers gauge\nmashang_live_subscribers 3\n"), std::string::npos);
}

TEST(SessionToken, BearerWinsOverCookieAndCookieIsFlagged) {
  Request r;
  r.headers = {{"cookie", "a=b; mashang_session=tok1; c=d"}};
  bool via_cookie = false;
  EXPECT_EQ(session_token_of(r, via_cookie), "tok1");
  EXPECT_TRUE(via_cookie);
  r.headers.push_back({"Authorization", "Bearer tok2"});
  EXPECT_EQ(session_token_of(r, via_cookie), "tok2");
  EXPECT_FALSE(via_cookie);
}

class Static : public ::testing::Test {
 protected:
  void SetUp() override {
    root = std::filesystem::temp_directory_path() / ("mashang-static-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root / "assets");
    std::ofstream(root / "index.html") << "<html>shell</html>";
    std::ofstream(root / "assets/app-1234.js") << "console.log(1)";
    std::ofstream(root / "assets/app-1234.js.gz") << "GZ";
  }
  void TearDown() override { std::filesystem::remove_all(root); }
  Response get(const std::string& path, std::string accept = "") {
    Request r;
    r.method = "GET";
    r.path = path;
    if (!accept.empty()) r.headers = {{"accept-encoding", accept}};
    return StaticFiles(root.string()).serve(r);
  }
  static std::string header(const Response& r, const std::string& name) {
    for (auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }
  std::filesystem::path root;
};

TEST_F(Static, AssetsAreImmutableAndPrecompressed) {
  auto plain = get("/assets/app-1234.js");
  EXPECT_EQ(plain.body, "console.log(1)");
  EXPECT_EQ(header(plain, "Cache-Control"), "public, max-age=31536000, immutable");
  auto gz = get("/assets/app-1234.js", "gzip, br");
  EXPECT_EQ(gz.body, "GZ");
  EXPECT_EQ(header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(gz.content_type, "text/javascript; charset=utf-8");
}

TEST_F(Static, ClientRoutesGetTheShellAndTraversalIsRefused) {
  auto shell = get("/console/accounts");
  EXPECT_EQ(shell.body, "<html>shell</html>");
  EXPECT_EQ(header(shell, "Cache-Control"), "no-cache");
  EXPECT_EQ(get("/../etc/passwd").status, 404);
  EXPECT_EQ(get("/missing.js").status, 404);
}

TEST(Config, FileThenEnvironmentAndUnknownKeysAreErrors) {
  auto path = std::filesystem::temp_directory_path() / ("mashang-cfg-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[server]\nlisten = \"0.0.0.0:9000\"\n[limits]\nrequest_timeout_ms = 1234\n";
  ::setenv("MASHANG_LIMITS_REQUEST_TIMEOUT_MS", "999", 1);
  auto c = load_config(path.string());
  ::unsetenv("MASHANG_LIMITS_REQUEST_TIMEOUT_MS");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c->limits.request_timeout_ms, 999);
  std::ofstream(path) << "[server]\nlisen = \"x\"\n";
  auto bad = load_config(path.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "server.lisen");
  std::ofstream(path) << "[limits]\nbody_bytes_max = \"big\"\n";
  EXPECT_FALSE(load_config(path.string()).ok());
  std::filesystem::remove(path);
}

}  // namespace
