// The only translation unit that includes Beast and Asio. Everything it decides about a
// request is delegated to Pipeline; this file moves bytes, enforces limits and timeouts,
// and runs the live-event streams.
#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <list>
#include <memory>
#include <random>
#include <thread>
#include <tuple>

#include "core/log.hpp"
#include "core/text.hpp"
#include "http/error_map.hpp"

namespace mashang::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using std::chrono::milliseconds;
constexpr auto nothrow = asio::experimental::as_tuple(asio::use_awaitable);

Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return make_error(Errc::invalid_input, "listen address must be HOST:PORT, got '" + listen + "'", "listen");
  std::string host = listen.substr(0, colon), port = listen.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || p < 0 || p > 65535)
    return make_error(Errc::invalid_input, "listen port must be 0..65535, got '" + port + "'", "listen");
  return std::make_pair(host, static_cast<uint16_t>(p));
}

namespace {

struct Waker {
  explicit Waker(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  bool pending = false;
};

using Clock = std::chrono::steady_clock;
constexpr auto kNoDeadline = Clock::time_point::max();

struct ConnState {
  explicit ConnState(tcp::socket s) : sock(std::move(s)) {}
  tcp::socket sock;
  // Timeouts without a timer per operation: the thread's sweep cancels the pending socket
  // operation of a connection whose deadline has passed and sets `timed_out`.
  Clock::time_point deadline = kNoDeadline;
  bool timed_out = false;
  bool idle = true;
  std::shared_ptr<Waker> waker;  // set while streaming events
  std::string out;               // the response being written; its capacity is reused
};

// Arms a connection's deadline for the socket operation(s) in its scope.
struct Deadline {
  Deadline(ConnState& c, int64_t ms) : c(c) {
    c.deadline = Clock::now() + milliseconds(ms);
    c.timed_out = false;
  }
  ~Deadline() { c.deadline = kNoDeadline; }
  ConnState& c;
};

struct IoThread {
  // Declared first so it outlives the io_context, whose destructor destroys the
  // connection coroutines that unregister themselves from it.
  std::list<ConnState*> conns;  // touched only on this thread
  uint64_t request_seq = 0;
  uint32_t request_prefix = std::random_device{}();
  // Sockets are touched only by this thread, so the reactor's per-descriptor locking is
  // off; the scheduler keeps its lock because workers post completions here.
  asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  std::optional<tcp::acceptor> acceptor;
};

std::string make_request_id(IoThread& t, std::string_view presented) {
  if (!presented.empty() && presented.size() <= 64) {
    bool ok = true;
    for (char c : presented) ok &= std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    if (ok) return std::string(presented);
  }
  // 15 characters, so the id fits std::string's inline buffer (no allocation per request).
  static const char* hex = "0123456789abcdef";
  uint64_t id = (static_cast<uint64_t>(t.request_prefix) << 28) | (++t.request_seq & 0xFFFFFFF);
  std::string out(15, '0');
  for (int i = 14; i >= 0; --i, id >>= 4) out[i] = hex[id & 15];
  return out;
}

// True for an origin-form target made only of '/' and the path characters that need no
// decoding (RFC 3986 pchar without '%'): most requests, which then skip the URL parser.
bool plain_path(std::string_view target) {
  static constexpr auto table = [] {
    std::array<bool, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (char c : std::string_view("-._~!$&'()*+,;=:@/")) t[static_cast<unsigned char>(c)] = true;
    return t;
  }();
  if (target.empty() || target[0] != '/') return false;
  for (char c : target)
    if (!table[static_cast<unsigned char>(c)]) return false;
  return true;
}

void append_int(std::string& j, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  j.append(buf, r.ptr);
}

// One JSON line per request, built in a reused per-thread buffer with plain appends and
// integer arithmetic: it runs for every request, and allocation or printf-style formatting
// here costs as much as the rest of a small request together.
std::string_view access_line(const Request& req, const std::string& route, const Response& res, int64_t micros,
                             size_t bytes) {
  thread_local std::string j;
  j.clear();
  j += "{\"ts\":";
  append_int(j, std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  j += ",\"request_id\":";
  text::append_json_string(j, req.request_id);
  j += ",\"method\":";
  text::append_json_string(j, req.method);
  j += ",\"path\":";
  text::append_json_string(j, text::valid_utf8(req.path) ? std::string_view(req.path) : "<invalid utf-8>");
  j += ",\"route\":";
  text::append_json_string(j, route);
  j += ",\"status\":";
  append_int(j, res.status);
  j += ",\"duration_ms\":";
  append_int(j, micros / 1000);
  int frac = static_cast<int>(micros % 1000);
  char f[4] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
               static_cast<char>('0' + frac % 10)};
  j.append(f, 4);
  j += ",\"bytes\":";
  append_int(j, static_cast<int64_t>(bytes));
  j += ",\"ip\":";
  text::append_json_string(j, req.client_ip);
  if (req.principal) {
    j += ",\"account_id\":";
    append_int(j, req.principal->account_id);
  }
  if (!res.error_code.empty()) {
    j += ",\"error\":";
    text::append_json_string(j, res.error_code);
  }
  j += '}';
  return j;
}

}  // namespace

struct Server::Impl {
  ServerOptions o;
  Pipeline& p;
  Hub& hub;
  EventReplay replay;
  std::vector<std::unique_ptr<IoThread>> threads;
  std::unique_ptr<asio::thread_pool> workers;
  std::unique_ptr<asio::thread_pool> writers;  // requests that change state, when separate
  asio::io_context control;
  std::atomic<int64_t> active{0}, rejected{0};
  std::atomic<bool> stopping{false};
  Route static_route, unmatched_route;
  int64_t body_limit_any = 0;  // the largest body any route accepts

  Impl(ServerOptions opts, Pipeline& pl, Hub& h, EventReplay r)
      : o(std::move(opts)), p(pl), hub(h), replay(std::move(r)) {
    std::vector<std::pair<std::string, std::string>> labels;
    body_limit_any = o.body_bytes_max;
    for (const auto& route : p.router().routes()) {
      labels.emplace_back(route->method, route->pattern);
      body_limit_any = std::max(body_limit_any, route->options.body_bytes_max);
    }
    static_route.method = "GET";
    static_route.pattern = "static";
    static_route.handler = p.router().fallback();
    static_route.options.blocking = false;
    static_route.index = labels.size();
    labels.emplace_back("GET", "static");
    unmatched_route.pattern = "unmatched";
    unmatched_route.index = labels.size();
    p.metrics().set_routes(labels);  // appends "unmatched" at the end
  }

  // Runs f() on the worker pool and resumes the calling coroutine on its own executor.
  // f must capture by reference only: GCC 12 mishandles by-value captures carried through
  // coroutine frames (a double free seen under ASan), so no coroutine lambdas here.
  template <class F>
  awaitable<std::invoke_result_t<F&>> on_pool(F f, asio::thread_pool* pool = nullptr) {
    if (!pool) pool = workers.get();
    using T = std::invoke_result_t<F&>;
    auto ex = co_await asio::this_coro::executor;
    std::optional<T> result;
    std::exception_ptr err;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [&](auto handler) {
          asio::post(*pool, [&, handler = std::move(handler)]() mutable {
            try {
              result.emplace(f());
            } catch (...) {
              err = std::current_exception();
            }
            auto home = asio::get_associated_executor(handler, ex);
            asio::post(home, std::move(handler));
          });
        },
        asio::use_awaitable);
    if (err) std::rethrow_exception(err);
    co_return std::move(*result);
  }

  // Writes `data`; a client that does not take it within the request timeout is dropped.
  // Most answers fit the socket's send buffer: one non-blocking write, no asynchronous
  // operation. Returns the bytes written, or nullopt when the connection failed.
  static std::optional<size_t> try_send(ConnState& st, const std::string& data) {
    boost::system::error_code ec;
    size_t sent = st.sock.write_some(asio::buffer(data), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return 0;
    if (ec) return std::nullopt;
    return sent;
  }

  // Writes `data`; a client that does not take it within the request timeout is dropped.
  awaitable<bool> send_raw(ConnState& st, const std::string& data) {
    auto sent = try_send(st, data);
    if (!sent) co_return false;
    if (*sent == data.size()) co_return true;
    co_return co_await send_rest(st, data, *sent);
  }

  awaitable<bool> send_rest(ConnState& st, const std::string& data, size_t sent) {
    Deadline d(st, o.request_timeout_ms);
    auto [ec, n] = co_await asio::async_write(st.sock, asio::buffer(data.data() + sent, data.size() - sent), nothrow);
    co_return !ec;
  }

  void record(const Route& route, const Request& req, const Response& res, std::chrono::steady_clock::time_point t0,
              size_t bytes) {
    auto elapsed = std::chrono::steady_clock::now() - t0;
    int64_t micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    p.metrics().observe(route.index, res.status, static_cast<double>(micros) / 1e6);
    log::access(access_line(req, route.pattern, res, micros, bytes));
  }

  // Serialises the response into `out` (the connection's reused buffer): status line, the
  // constant security headers, the response's own headers, Content-Length, body.
  void serialize(std::string& out, const Response& res, const Request& req, bool keep_alive, unsigned version) {
    out.clear();
    out += "HTTP/1.1 ";
    append_int(out, res.status);
    out += ' ';
    auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(res.status));
    out.append(reason.data(), reason.size());
    out += "\r\nServer: mashang\r\n";
    out += security_headers();
    bool bodyless = res.status < 200 || res.status == 204 || res.status == 304;
    if (!bodyless) {
      out += "Content-Type: ";
      out += res.content_type;
      out += "\r\nContent-Length: ";
      append_int(out, res.file_path.empty() ? static_cast<int64_t>(res.body.size()) : res.file_size);
      out += "\r\n";
    }
    for (auto& [k, v] : res.headers) {
      out += k;
      out += ": ";
      out += v;
      out += "\r\n";
    }
    if (!keep_alive)
      out += "Connection: close\r\n";
    else if (version == 10)
      out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (!bodyless && req.method != "HEAD") out += res.body;
  }

  // The body of a file response, 256 KiB at a time. A file that cannot be read to its promised
  // length ends the connection (the client sees a short body, never wrong bytes as complete).
  awaitable<bool> send_file(ConnState& st, const Response& res) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(res.file_path.c_str(), "rb"), &std::fclose);
    if (!f) co_return false;
    std::string chunk;
    int64_t left = res.file_size;
    while (left > 0) {
      chunk.resize(static_cast<size_t>(std::min<int64_t>(left, 256 * 1024)));
      size_t n = std::fread(chunk.data(), 1, chunk.size(), f.get());
      if (n != chunk.size()) co_return false;
      if (!co_await send_raw(st, chunk)) co_return false;
      left -= static_cast<int64_t>(n);
    }
    co_return true;
  }

  awaitable<bool> write(ConnState& st, const Response& res, const Request& req, bool keep_alive,
                        unsigned version = 11) {
    std::string out;
    out.reserve(512 + res.body.size());
    serialize(out, res, req, keep_alive, version);
    co_return co_await send_raw(st, out);
  }

  awaitable<void> write_early_error(ConnState& st, IoThread& t, Request& req, Errc code, std::string msg,
                                    std::chrono::steady_clock::time_point t0) {
    if (req.request_id.empty()) req.request_id = make_request_id(t, {});
    if (req.method.empty()) req.method = "-";
    Response res = error_response(code, std::move(msg));
    Pipeline::finish(res, req);
    record(unmatched_route, req, res, t0, res.body.size());
    co_await write(st, res, req, false);
  }

  // Whether a stream's session still stands and still sees what it subscribed with:
  // logout, expiry, a disabled account or changed grants end the stream (the client
  // reconnects and is asked to sign in, or subscribes with its new grants).
  awaitable<bool> stream_session_holds(const Request& req, const Subscription& sub) {
    if (req.session_token.empty()) co_return true;  // an anonymous stream
    std::shared_ptr<const Principal> now;
    if (auto hit = p.session_cached(req))
      now = std::move(*hit);
    else
      now = co_await on_pool([&] { return p.revalidate(req); });
    co_return now && now->grants == sub.principal().grants;
  }

  awaitable<void> serve_events(ConnState& st, const Route& route, Request& req,
                               std::chrono::steady_clock::time_point t0) {
    auto denied = co_await on_pool([&] { return p.open_stream(route, req); });
    std::string last = std::string(req.header("last-event-id"));
    if (last.empty()) last = req.query_param("last_event_id").value_or("");
    int64_t last_id = 0;
    if (!denied && !last.empty()) {
      char* end = nullptr;
      last_id = std::strtoll(last.c_str(), &end, 10);
      if (*end || last_id < 0 || last.size() > 18)
        denied = error_response(Errc::bad_request, "Last-Event-ID must be a non-negative integer");
    }
    if (denied) {
      Pipeline::finish(*denied, req);
      record(route, req, *denied, t0, denied->body.size());
      co_await write(st, *denied, req, false);
      co_return;
    }
    Response head;
    head.content_type = "text/event-stream";
    Pipeline::finish(head, req);
    record(route, req, head, t0, 0);
    std::string out =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nConnection: close\r\n"
        "X-Accel-Buffering: no\r\n";
    out += security_headers();
    for (auto& [k, v] : head.headers) out += k + ": " + v + "\r\n";
    out += "\r\nretry: 3000\n\n";

    // Subscribed before the replay, so nothing committed in between is missed; what both
    // deliver is sent once (live events at or below `sent_to` were replayed or invisible).
    auto sub = hub.subscribe(*req.principal);
    struct Unsubscribe {
      Hub& hub;
      std::shared_ptr<Subscription> sub;
      ~Unsubscribe() {
        sub->set_notify(nullptr);
        hub.unsubscribe(sub);
      }
    } unsubscribe{hub, sub};
    auto waker = std::make_shared<Waker>(st.sock.get_executor());
    st.waker = waker;
    std::weak_ptr<Waker> weak = waker;
    auto ex = st.sock.get_executor();
    sub->set_notify([weak, ex] {
      asio::post(ex, [weak] {
        if (auto w = weak.lock()) {
          w->pending = true;
          w->timer.cancel();
        }
      });
    });
    int64_t sent_to = last_id;
    bool alive = true;
    if (!last.empty()) {
      // Page through the log until caught up; every page goes out before the next is read.
      const Principal& who = *req.principal;
      for (;;) {
        auto page = co_await on_pool([&] { return replay(sent_to, who); });
        for (const auto& e : page.events) out += sse_frame(e);
        sent_to = std::max(sent_to, page.scanned_to);
        if (!page.more || stopping) break;
        if (!(alive = co_await send_raw(st, out))) break;
        out.clear();
      }
    }
    if (alive) alive = co_await send_raw(st, out);
    while (alive && !stopping) {
      waker->pending = false;
      bool lagged = false;
      auto events = sub->drain(lagged);
      if (lagged) break;  // the client reconnects and resumes from the table
      out.clear();
      for (const auto& e : events)
        if (e.id > sent_to) out += sse_frame(e);
      if (!out.empty()) {
        if (!co_await stream_session_holds(req, *sub)) break;
        alive = co_await send_raw(st, out);
        continue;
      }
      if (waker->pending) continue;
      waker->timer.expires_after(milliseconds(o.heartbeat_ms));
      auto [ec] = co_await waker->timer.async_wait(nothrow);
      if (!ec && !stopping) {
        if (!co_await stream_session_holds(req, *sub)) break;
        alive = co_await send_raw(st, ": ping\n\n");
      }
    }
    st.waker.reset();
  }

  // A connection's life. Handlers catch their own faults (Pipeline::run); anything that
  // still escapes here (e.g. the database failing during a stream's authentication) closes
  // this connection only, never the I/O thread.
  awaitable<void> session(IoThread& t, tcp::socket sock) {
    try {
      co_await connection(t, std::move(sock));
    } catch (const std::exception& e) {
      spdlog::error("connection closed after an unexpected error: {}", e.what());
    }
  }

  awaitable<void> connection(IoThread& t, tcp::socket sock) {
    ConnState st(std::move(sock));
    t.conns.push_back(&st);
    auto self_it = std::prev(t.conns.end());
    struct Leave {
      Impl* impl;
      IoThread& t;
      std::list<ConnState*>::iterator it;
      ~Leave() {
        t.conns.erase(it);
        --impl->active;
      }
    } leave{this, t, self_it};

    std::string ip;
    boost::system::error_code ep_ec;
    auto ep = st.sock.remote_endpoint(ep_ec);
    if (!ep_ec) ip = ep.address().to_string();
    beast::flat_buffer buf;

    for (;;) {
      st.idle = true;
      if (stopping) co_return;
      if (buf.size() == 0) {
        Deadline d(st, o.idle_timeout_ms);
        auto [ec, n] = co_await st.sock.async_read_some(buf.prepare(8192), nothrow);
        if (ec) co_return;  // closed by the client, idle timeout, or shutdown
        buf.commit(n);
      }
      st.idle = false;
      auto t0 = std::chrono::steady_clock::now();
      Request req;
      req.client_ip = ip;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(o.header_bytes_max));
      // The largest limit of any route: the route, and so its own limit, is known only
      // after the header (checked again below).
      parser.body_limit(static_cast<uint64_t>(body_limit_any));
      // Usually the whole header has arrived with the first read: parse it from the buffer
      // and skip the asynchronous read (and its timer) altogether.
      boost::system::error_code hec;
      buf.consume(parser.put(buf.data(), hec));
      if (hec == bhttp::error::need_more) {
        Deadline d(st, o.request_timeout_ms);
        std::tie(hec, std::ignore) = co_await bhttp::async_read_header(st.sock, buf, parser, nothrow);
      }
      if (hec) {
        if (hec == bhttp::error::header_limit)
          co_await write_early_error(st, t, req, Errc::too_large, "request headers are too large", t0);
        else if (hec == bhttp::error::body_limit)  // a declared Content-Length above body_bytes_max
          co_await write_early_error(st, t, req, Errc::too_large, "request body is too large", t0);
        else if (st.timed_out)
          co_await write_early_error(st, t, req, Errc::timeout,
                                     "request not received within " + std::to_string(o.request_timeout_ms) + " ms", t0);
        else if (hec != bhttp::error::end_of_stream && hec != asio::error::eof &&
                 hec != asio::error::connection_reset && hec != asio::error::operation_aborted)
          co_await write_early_error(st, t, req, Errc::bad_request, "malformed HTTP request: " + hec.message(), t0);
        co_return;
      }
      auto& h = parser.get();
      if (h.find(bhttp::field::transfer_encoding) != h.end() && !parser.chunked()) {
        // RFC 9112 §6.3: a body framed by anything but a final "chunked" cannot be
        // delimited; reading on would let a proxy and this server disagree (smuggling).
        co_await write_early_error(st, t, req, Errc::bad_request, "Transfer-Encoding must end with chunked", t0);
        co_return;
      }
      req.method = std::string(h.method_string());
      req.target = std::string(h.target());
      for (auto const& f : h) req.headers.emplace_back(f.name_string(), f.value());
      req.request_id = make_request_id(t, req.header("x-request-id"));

      if (plain_path(h.target())) {
        req.path = req.target;  // nothing to decode or validate further
      } else {
        auto url = boost::urls::parse_origin_form(h.target());
        if (!url) {
          co_await write_early_error(st, t, req, Errc::bad_request, "malformed request target", t0);
          co_return;
        }
        req.path = std::string(url->path());
        req.query = std::string(url->encoded_query());
        if (!text::valid_utf8(req.path) || (url->has_query() && !text::valid_utf8(std::string(url->query())))) {
          co_await write_early_error(st, t, req, Errc::bad_request, "request path or query is not valid UTF-8", t0);
          co_return;
        }
      }

      const Route* route = nullptr;
      std::optional<Response> early;
      Match m = p.router().match(req.method, req.path, req.params);
      if (m.route) {
        route = m.route;
      } else if (!m.allowed.empty()) {
        route = &unmatched_route;
        early = error_response(Errc::method_not_allowed, req.method + " is not allowed here");
        std::string allow;
        for (auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
        early->set("Allow", allow);
      } else if ((req.method == "GET" || req.method == "HEAD") && static_route.handler &&
                 !req.path.starts_with("/api/")) {
        route = &static_route;
      } else {
        route = &unmatched_route;
        early = error_response(Errc::not_found, "no route for " + req.method + " " + req.path);
      }

      bool body_pending = !parser.is_done();
      if (!early && body_pending) {
        // Beast checks a declared Content-Length against the limit only while parsing the
        // header, before the route (and so its limit) is known: check it here.
        uint64_t limit = route->options.body_bytes_max > 0 ? route->options.body_bytes_max : o.body_bytes_max;
        if (auto declared = parser.content_length(); declared && *declared > limit) {
          co_await write_early_error(st, t, req, Errc::too_large,
                                     "request body is larger than " + std::to_string(limit) + " bytes", t0);
          co_return;
        }
        // A body larger than the default is read only for a caller who presents a session
        // when the route needs one: no anonymous client makes the server hold 64 MiB.
        if (limit > static_cast<uint64_t>(o.body_bytes_max) && route->options.auth == Auth::session) {
          bool via_cookie = false;
          if (session_token_of(req, via_cookie).empty()) {
            co_await write_early_error(st, t, req, Errc::unauthenticated, "sign in before sending a large body", t0);
            co_return;
          }
        }
        parser.body_limit(limit);
        if (text::iequals(req.header("expect"), "100-continue")) {
          static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          if (!co_await send_raw(st, kContinue)) co_return;
        }
        Deadline d(st, o.request_timeout_ms);
        auto [bec, bn] = co_await bhttp::async_read(st.sock, buf, parser, nothrow);
        if (bec) {
          if (bec == bhttp::error::body_limit)
            co_await write_early_error(st, t, req, Errc::too_large, "request body is too large", t0);
          else if (st.timed_out)
            co_await write_early_error(
                st, t, req, Errc::timeout,
                "request body not received within " + std::to_string(o.request_timeout_ms) + " ms", t0);
          else if (bec != asio::error::eof && bec != bhttp::error::end_of_stream)
            co_await write_early_error(st, t, req, Errc::bad_request, "malformed request body: " + bec.message(), t0);
          co_return;
        }
        body_pending = false;
      }
      bool keep_alive = parser.get().keep_alive() && !body_pending && !stopping;
      req.body = std::move(parser.get().body());

      Response res;
      if (early) {
        res = std::move(*early);
      } else if (auto pre = p.precheck(*route, req)) {
        res = std::move(*pre);
      } else if (route->options.stream) {
        co_await serve_events(st, *route, req, t0);
        co_return;
      } else if (p.can_run_inline(*route, req)) {
        res = p.run(*route, req);
      } else {
        bool changes = writers && req.method != "GET" && req.method != "HEAD";
        res = co_await on_pool([&] { return p.run(*route, req); }, changes ? writers.get() : nullptr);
      }
      Pipeline::finish(res, req);
      // Counted before the write, so a client that has its answer also sees it in /metrics.
      record(*route, req, res, t0, res.body.size() + static_cast<size_t>(res.file_size));
      serialize(st.out, res, req, keep_alive, parser.get().version());
      auto sent = try_send(st, st.out);  // inline rather than through send_raw: one coroutine frame less
      bool ok = sent && (*sent == st.out.size() || co_await send_rest(st, st.out, *sent));
      if (ok && !res.file_path.empty() && req.method != "HEAD") ok = co_await send_file(st, res);
      if (st.out.capacity() > 64 * 1024) std::string().swap(st.out);  // do not keep a large file's buffer
      if (!ok || !keep_alive) {
        boost::system::error_code ec;
        st.sock.shutdown(tcp::socket::shutdown_send, ec);
        co_return;
      }
    }
  }

  // Enforces the connections' deadlines (see ConnState) a few times per timeout period.
  awaitable<void> sweep_loop(IoThread& t) {
    asio::steady_timer timer(t.ioc);
    auto every = milliseconds(std::clamp<int64_t>(std::min(o.idle_timeout_ms, o.request_timeout_ms) / 8, 10, 500));
    for (;;) {
      timer.expires_after(every);
      auto [ec] = co_await timer.async_wait(nothrow);
      if (ec) co_return;
      auto now = Clock::now();
      for (ConnState* c : t.conns)
        if (c->deadline <= now) {
          c->deadline = kNoDeadline;
          c->timed_out = true;
          boost::system::error_code ignore;
          c->sock.cancel(ignore);
        }
    }
  }

  awaitable<void> accept_loop(IoThread& t) {
    for (;;) {
      auto [ec, sock] = co_await t.acceptor->async_accept(nothrow);
      if (stopping) co_return;
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        spdlog::warn("accept: {}", ec.message());
        continue;
      }
      if (active.load() >= o.connections_max) {
        ++rejected;
        boost::system::error_code ignore;
        sock.close(ignore);
        continue;
      }
      ++active;
      sock.set_option(tcp::no_delay(true), ec);
      sock.non_blocking(true, ec);  // for send_raw's direct write; asynchronous operations are unaffected
      asio::co_spawn(t.ioc, session(t, std::move(sock)), asio::detached);
    }
  }

  void begin_shutdown() {
    if (stopping.exchange(true)) return;
    spdlog::info("shutting down: no new connections; finishing in-flight requests (≤ {} ms)", o.shutdown_grace_ms);
    for (auto& t : threads) {
      asio::post(t->ioc, [tp = t.get()] {
        boost::system::error_code ec;
        if (tp->acceptor) tp->acceptor->close(ec);
        for (ConnState* c : tp->conns) {
          if (c->waker)
            c->waker->timer.cancel();
          else if (c->idle)
            c->sock.cancel(ec);
        }
      });
    }
    auto deadline = std::chrono::steady_clock::now() + milliseconds(o.shutdown_grace_ms);
    auto timer = std::make_shared<asio::steady_timer>(control);
    poll_ = [this, timer, deadline] {
      if (active.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
        if (active.load() > 0) spdlog::warn("{} connections still open after the grace period; closing", active.load());
        for (auto& t : threads) t->ioc.stop();
        control.stop();
        return;
      }
      timer->expires_after(milliseconds(20));
      timer->async_wait([this](auto) { poll_(); });
    };
    poll_();
  }
  std::function<void()> poll_;
};

Server::Server(ServerOptions opts, Pipeline& pipeline, Hub& hub, EventReplay replay)
    : impl_(std::make_unique<Impl>(std::move(opts), pipeline, hub, std::move(replay))) {}
Server::~Server() = default;

int64_t Server::connections() const { return impl_->active.load(); }
int64_t Server::rejected_connections() const { return impl_->rejected.load(); }

void Server::stop() {
  asio::post(impl_->control, [this] { impl_->begin_shutdown(); });
}

int Server::run(const std::function<void(uint16_t)>& on_listening) {
  auto& im = *impl_;
  int n = im.o.io_threads > 0 ? im.o.io_threads : std::max(1u, std::thread::hardware_concurrency());
  im.workers = std::make_unique<asio::thread_pool>(std::max(1, im.o.worker_threads));
  if (im.o.write_threads > 0) im.writers = std::make_unique<asio::thread_pool>(im.o.write_threads);
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(im.o.host, ec);
  if (ec) {
    spdlog::error("listen: '{}' is not an IP address", im.o.host);
    return 2;
  }
  uint16_t port = im.o.port;
  for (int i = 0; i < n; ++i) {
    auto t = std::make_unique<IoThread>();
    t->acceptor.emplace(t->ioc);
    tcp::endpoint ep(addr, port);
    t->acceptor->open(ep.protocol(), ec);
    t->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    t->acceptor->set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
    t->acceptor->bind(ep, ec);
    if (ec) {
      spdlog::error("cannot listen on {}:{}: {}", im.o.host, port, ec.message());
      return 2;
    }
    t->acceptor->listen(asio::socket_base::max_listen_connections, ec);
    port = t->acceptor->local_endpoint().port();  // with port 0, later threads share the chosen one
    im.threads.push_back(std::move(t));
  }
  for (auto& t : im.threads) {
    asio::co_spawn(t->ioc, im.accept_loop(*t), asio::detached);
    asio::co_spawn(t->ioc, im.sweep_loop(*t), asio::detached);
  }
  asio::signal_set signals(im.control, SIGINT, SIGTERM);
  signals.async_wait([&](auto err, int sig) {
    if (!err) {
      spdlog::info("signal {} received", sig);
      im.begin_shutdown();
    }
  });
  auto guard = asio::make_work_guard(im.control);
  std::vector<std::thread> io;
  for (auto& t : im.threads) io.emplace_back([tp = t.get()] { tp->ioc.run(); });
  if (on_listening) on_listening(port);
  im.control.run();
  for (auto& th : io) th.join();
  im.workers->join();
  if (im.writers) im.writers->join();
  // Destroying an io_context destroys its unfinished connection coroutines, whose clean-up
  // touches this Impl: do it now, while every member is alive.
  im.threads.clear();
  return 0;
}

}  // namespace mashang::http
