#pragma once
//! The HTTP/1.1 server: one io_context per I/O thread, each with its own SO_REUSEPORT
//! listener; database work on a separate worker pool. Beast and Asio stay in server.cpp.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "http/hub.hpp"
#include "http/pipeline.hpp"

namespace mashang::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int io_threads = 0;      //!< 0: one per core
  int worker_threads = 4;  //!< threads that run blocking handlers
  //! When > 0, requests other than GET and HEAD run on a pool of their own of this size
  //! (SQLite: their threads mostly wait for a group commit, so more of them make bigger
  //! batches, while reads keep one thread per core).
  int write_threads = 0;
  int64_t header_bytes_max = 16 * 1024;
  int64_t body_bytes_max = 1024 * 1024;
  int64_t connections_max = 10'000;
  int64_t idle_timeout_ms = 60'000;
  int64_t request_timeout_ms = 15'000;
  int64_t shutdown_grace_ms = 10'000;
  int64_t heartbeat_ms = 15'000;
};

//! Splits "HOST:PORT" ("[::1]:8080" for IPv6); an error names what is wrong.
Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& listen);

class Server {
 public:
  Server(ServerOptions opts, Pipeline& pipeline, Hub& hub, EventReplay replay);
  ~Server();
  //! Binds, serves until SIGINT/SIGTERM or stop(), then shuts down gracefully:
  //! stops accepting, lets in-flight requests finish (bounded by shutdown_grace_ms),
  //! closes idle and streaming connections. Returns 0 on a clean stop.
  int run(const std::function<void(uint16_t port)>& on_listening = {});
  //! Asks run() to shut down (thread-safe).
  void stop();
  int64_t connections() const;
  int64_t rejected_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mashang::http
