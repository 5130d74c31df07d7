#include "core/log.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace mashang::log {
namespace {

// stdout through stdio's buffer, flushed once a second (spdlog::flush_every) and at exit,
// instead of a write(2) per request: the access log must not cost a syscall per line.
class BufferedStdout final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::fwrite(formatted.data(), 1, formatted.size(), stdout);
  }
  void flush_() override { std::fflush(stdout); }
};

std::shared_ptr<spdlog::logger> g_access;

}  // namespace

void init(bool quiet) {
  auto err = spdlog::stderr_logger_mt("mashang");
  err->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_default_logger(err);
  spdlog::set_level(quiet ? spdlog::level::warn : spdlog::level::info);
  // Serving into a pipe or file: 64 KiB of stdio buffer, one write(2) per ~250 access lines
  // (flushed at least every second). A terminal keeps its line buffering.
  static char buffer[1 << 16];
  if (!quiet && !isatty(STDOUT_FILENO)) std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  g_access = std::make_shared<spdlog::logger>("access", std::make_shared<BufferedStdout>());
  g_access->set_pattern("%v");
  g_access->set_level(quiet ? spdlog::level::off : spdlog::level::info);
  g_access->flush_on(spdlog::level::err);
  spdlog::register_logger(g_access);
  spdlog::flush_every(std::chrono::seconds(1));
}

void access(std::string_view json_line) {
  // Straight into stdio's buffer under one lock, skipping spdlog's formatter; the "access"
  // logger exists so that spdlog's periodic flush empties that buffer.
  if (!g_access || !g_access->should_log(spdlog::level::info)) return;
  flockfile(stdout);
  fwrite_unlocked(json_line.data(), 1, json_line.size(), stdout);
  putc_unlocked('\n', stdout);
  funlockfile(stdout);
}

}  // namespace mashang::log
