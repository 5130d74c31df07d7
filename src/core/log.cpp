#include "core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace mashang::log {
namespace {
std::shared_ptr<spdlog::logger> g_access;
}

void init(bool quiet) {
  auto err = spdlog::stderr_logger_mt("mashang");
  err->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_default_logger(err);
  spdlog::set_level(quiet ? spdlog::level::warn : spdlog::level::info);
  g_access = spdlog::stdout_logger_mt("access");
  g_access->set_pattern("%v");
  g_access->set_level(quiet ? spdlog::level::off : spdlog::level::info);
  spdlog::flush_every(std::chrono::seconds(1));
}

void access(const std::string& json_line) {
  if (g_access) g_access->info(json_line);
}

}  // namespace mashang::log
