#pragma once
//! Server configuration: defaults, then a TOML file, then MASHANG_* environment variables,
//! then command-line flags (applied by the caller). Every limit names its unit last.
#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace mashang {

struct Config {
  struct Server {
    std::string listen = "127.0.0.1:8080";
    int threads = 0;  //!< I/O threads; 0 = one per core
    std::string web_root = "web/dist";
    std::string public_base_url = "http://127.0.0.1:8080";
  } server;
  struct Database {
    std::string url = "sqlite:data/mashang.db";
    int pool_size = 4;  //!< reader connections (SQLite) or connections (PostgreSQL)
  } database;
  struct Paths {
    std::string data_dir = "data";
    std::string key_file;  //!< default: <data_dir>/mashang.key
  } paths;
  struct Limits {
    int64_t header_bytes_max = 16 * 1024;
    int64_t body_bytes_max = 1024 * 1024;
    int64_t connections_max = 10'000;
    int64_t idle_timeout_ms = 60'000;
    int64_t request_timeout_ms = 15'000;
    int64_t shutdown_grace_ms = 10'000;
    int64_t rate_limit_per_s = 100;  //!< sustained requests per second per client address
    int64_t rate_limit_burst = 400;  //!< bucket size per client address
    int64_t worker_threads = 0;      //!< database worker threads; 0 = cores (SQLite) or pool_size + 2 (PostgreSQL)
  } limits;
  struct Sessions {
    int64_t ttl_ms = 14LL * 24 * 3600 * 1000;
    bool cookie_secure = false;
    int64_t login_failures_max = 5;          //!< per login within the window
    int64_t login_failures_per_ip_max = 20;  //!< per client address within the window
    int64_t login_window_ms = 15 * 60 * 1000;
  } sessions;
  struct Events {
    int64_t heartbeat_ms = 15'000;
    int64_t replay_max = 1000;  //!< events replayed at most on reconnect
  } events;
  struct Orders {
    int64_t reopen_hours = 72;  //!< how long after completion a reporter may reopen an order
  } orders;
  struct Points {
    int64_t quorum = 1;        //!< committee members whose approval (or rejection) decides a proposal
    int64_t hold_hours = 72;   //!< how long a redemption holds points and stock before it expires
    int64_t appeal_days = 30;  //!< how long after a deduction or a rejection its person may appeal
  } points;
  struct Care {
    int64_t ack_seconds = 60;   //!< the steward's deadline to acknowledge an alarm
    int64_t step_seconds = 60;  //!< each later level's deadline (backup, community, street)
  } care;
  struct Notify {
    std::string webhook_url;     //!< http://… of the district's SMS or messaging gateway; empty: none
    std::string webhook_secret;  //!< signs each POST (X-Mashang-Signature); empty: unsigned
    int64_t webhook_timeout_ms = 5'000;
  } notify;

  std::string key_file() const { return paths.key_file.empty() ? paths.data_dir + "/mashang.key" : paths.key_file; }
};

//! Loads `path` (may be empty: defaults only) and applies environment overrides named
//! MASHANG_<SECTION>_<KEY> (e.g. MASHANG_LIMITS_REQUEST_TIMEOUT_MS), plus the short forms
//! MASHANG_DB, MASHANG_LISTEN, MASHANG_DATA_DIR. Unknown keys are errors, not silence.
Result<Config> load_config(const std::string& path);

}  // namespace mashang
