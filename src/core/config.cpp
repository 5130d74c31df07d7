#include "core/config.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <functional>
#include <map>

namespace mashang {
namespace {

// One table of every key: its setter from text. The TOML reader and the environment
// reader both go through it, so the two can never disagree on names.
using Setter = std::function<bool(Config&, const std::string&)>;

template <class Section, class Field>
Setter text_field(Section Config::*s, Field Section::*f) {
  return [s, f](Config& c, const std::string& v) {
    if constexpr (std::is_same_v<Field, std::string>) {
      (c.*s).*f = v;
      return true;
    } else if constexpr (std::is_same_v<Field, bool>) {
      if (v == "true" || v == "1") {
        (c.*s).*f = true;
        return true;
      }
      if (v == "false" || v == "0") {
        (c.*s).*f = false;
        return true;
      }
      return false;
    } else {
      char* end = nullptr;
      long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 0) return false;
      (c.*s).*f = static_cast<Field>(n);
      return true;
    }
  };
}

const std::map<std::string, Setter>& keys() {
  static const std::map<std::string, Setter> k = {
      {"server.listen", text_field(&Config::server, &Config::Server::listen)},
      {"server.threads", text_field(&Config::server, &Config::Server::threads)},
      {"server.web_root", text_field(&Config::server, &Config::Server::web_root)},
      {"server.public_base_url", text_field(&Config::server, &Config::Server::public_base_url)},
      {"database.url", text_field(&Config::database, &Config::Database::url)},
      {"database.pool_size", text_field(&Config::database, &Config::Database::pool_size)},
      {"paths.data_dir", text_field(&Config::paths, &Config::Paths::data_dir)},
      {"paths.key_file", text_field(&Config::paths, &Config::Paths::key_file)},
      {"limits.header_bytes_max", text_field(&Config::limits, &Config::Limits::header_bytes_max)},
      {"limits.body_bytes_max", text_field(&Config::limits, &Config::Limits::body_bytes_max)},
      {"limits.connections_max", text_field(&Config::limits, &Config::Limits::connections_max)},
      {"limits.idle_timeout_ms", text_field(&Config::limits, &Config::Limits::idle_timeout_ms)},
      {"limits.request_timeout_ms", text_field(&Config::limits, &Config::Limits::request_timeout_ms)},
      {"limits.shutdown_grace_ms", text_field(&Config::limits, &Config::Limits::shutdown_grace_ms)},
      {"limits.rate_limit_per_s", text_field(&Config::limits, &Config::Limits::rate_limit_per_s)},
      {"limits.rate_limit_burst", text_field(&Config::limits, &Config::Limits::rate_limit_burst)},
      {"limits.worker_threads", text_field(&Config::limits, &Config::Limits::worker_threads)},
      {"sessions.ttl_ms", text_field(&Config::sessions, &Config::Sessions::ttl_ms)},
      {"sessions.cookie_secure", text_field(&Config::sessions, &Config::Sessions::cookie_secure)},
      {"sessions.login_failures_max", text_field(&Config::sessions, &Config::Sessions::login_failures_max)},
      {"sessions.login_failures_per_ip_max",
       text_field(&Config::sessions, &Config::Sessions::login_failures_per_ip_max)},
      {"sessions.login_window_ms", text_field(&Config::sessions, &Config::Sessions::login_window_ms)},
      {"events.heartbeat_ms", text_field(&Config::events, &Config::Events::heartbeat_ms)},
      {"events.replay_max", text_field(&Config::events, &Config::Events::replay_max)},
      {"orders.reopen_hours", text_field(&Config::orders, &Config::Orders::reopen_hours)},
      {"points.quorum", text_field(&Config::points, &Config::Points::quorum)},
      {"points.hold_hours", text_field(&Config::points, &Config::Points::hold_hours)},
      {"points.appeal_days", text_field(&Config::points, &Config::Points::appeal_days)},
      {"care.ack_seconds", text_field(&Config::care, &Config::Care::ack_seconds)},
      {"care.step_seconds", text_field(&Config::care, &Config::Care::step_seconds)},
      {"notify.webhook_url", text_field(&Config::notify, &Config::Notify::webhook_url)},
      {"notify.webhook_secret", text_field(&Config::notify, &Config::Notify::webhook_secret)},
      {"notify.webhook_timeout_ms", text_field(&Config::notify, &Config::Notify::webhook_timeout_ms)},
  };
  return k;
}

std::string env_name(const std::string& key) {
  std::string out = "MASHANG_";
  for (char c : key) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<Config> load_config(const std::string& path) {
  Config c;
  if (!path.empty()) {
    toml::table tbl;
    try {
      tbl = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      return make_error(Errc::invalid_input, std::string("config ") + path + ": " + std::string(e.description()));
    }
    for (auto& [section, node] : tbl) {
      auto* t = node.as_table();
      if (!t) return make_error(Errc::invalid_input, "config: [" + std::string(section.str()) + "] must be a table");
      for (auto& [k, v] : *t) {
        std::string key = std::string(section.str()) + "." + std::string(k.str());
        auto it = keys().find(key);
        if (it == keys().end()) return make_error(Errc::invalid_input, "config: unknown key " + key, key);
        std::string text;
        if (auto s = v.value<std::string>(); s && v.is_string())
          text = *s;
        else if (auto i = v.value<int64_t>(); i && v.is_integer())
          text = std::to_string(*i);
        else if (auto b = v.value<bool>(); b && v.is_boolean())
          text = *b ? "true" : "false";
        else
          return make_error(Errc::invalid_input, "config: " + key + " has the wrong type", key);
        if (!it->second(c, text)) return make_error(Errc::invalid_input, "config: bad value for " + key, key);
      }
    }
  }
  for (auto& [key, set] : keys()) {
    if (const char* v = std::getenv(env_name(key).c_str())) {
      if (!set(c, v)) return make_error(Errc::invalid_input, "environment: bad value for " + env_name(key), key);
    }
  }
  if (const char* v = std::getenv("MASHANG_DB")) c.database.url = v;
  if (const char* v = std::getenv("MASHANG_LISTEN")) c.server.listen = v;
  if (const char* v = std::getenv("MASHANG_DATA_DIR")) c.paths.data_dir = v;
  return c;
}

}  // namespace mashang
