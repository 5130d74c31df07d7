// The outgoing side of HTTP (webhooks): one short-lived io_context per request, every step
// bounded by the request's deadline.
#include "http/client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace mashang::http {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

struct Target {
  std::string host, port, path;
};

Result<Target> target_of(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->scheme() != "http" || u->host().empty() || u->has_userinfo())
    return make_error(Errc::invalid_input, "the URL must be http://host[:port]/path");
  Target t{std::string(u->host()), u->has_port() ? std::string(u->port()) : "80", std::string(u->encoded_path())};
  if (t.path.empty()) t.path = "/";
  if (u->has_query()) t.path += "?" + std::string(u->encoded_query());
  return t;
}

}  // namespace

Status valid_post_url(const std::string& url) {
  auto t = target_of(url);
  return t.ok() ? ok_status() : Status(t.error());
}

Result<int> post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                 const std::string& body, int64_t timeout_ms) {
  auto t = target_of(url);
  if (!t.ok()) return t.error();
  asio::io_context ioc;
  Result<int> out = make_error(Errc::timeout, "the gateway did not answer in time");
  constexpr auto nothrow = asio::experimental::as_tuple(asio::use_awaitable);
  auto exchange = [&]() -> asio::awaitable<void> {
    asio::ip::tcp::resolver resolver(ioc);
    auto [rerr, hosts] = co_await resolver.async_resolve(t->host, t->port, nothrow);
    if (rerr) {
      out = make_error(Errc::unavailable, "cannot resolve " + t->host + ": " + rerr.message());
      co_return;
    }
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::milliseconds(timeout_ms));
    auto [cerr, ep] = co_await stream.async_connect(hosts, nothrow);
    if (cerr) {
      out = make_error(Errc::unavailable, "cannot connect to " + t->host + ": " + cerr.message());
      co_return;
    }
    beast::http::request<beast::http::string_body> req{beast::http::verb::post, t->path, 11};
    req.set(beast::http::field::host, t->port == "80" ? t->host : t->host + ":" + t->port);
    req.set(beast::http::field::user_agent, "mashang");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    auto [werr, wn] = co_await beast::http::async_write(stream, req, nothrow);
    if (werr) {
      out = make_error(Errc::unavailable, "sending to " + t->host + ": " + werr.message());
      co_return;
    }
    beast::flat_buffer buf;
    beast::http::response_parser<beast::http::string_body> parser;
    parser.body_limit(64 * 1024);
    auto [herr, hn] = co_await beast::http::async_read(stream, buf, parser, nothrow);
    if (herr) {
      out = make_error(Errc::unavailable, "reading from " + t->host + ": " + herr.message());
      co_return;
    }
    out = static_cast<int>(parser.get().result_int());
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  };
  asio::co_spawn(ioc, exchange(), asio::detached);
  // The resolver has no deadline of its own: the whole exchange is bounded here.
  ioc.run_for(std::chrono::milliseconds(timeout_ms + 100));
  return out;
}

}  // namespace mashang::http
