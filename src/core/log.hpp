#pragma once
//! Logging: spdlog with one line per record. `access` writes one JSON object per request.
//! Personal data (phone, ID numbers, passwords, tokens) never goes into a log.
#include <spdlog/spdlog.h>

#include <string>

namespace mashang::log {

//! Sets up the default logger (stderr) and the access logger (stdout, JSON lines).
void init(bool quiet = false);

//! Writes one prepared JSON line (without its newline) to the access log.
void access(std::string_view json_line);

}  // namespace mashang::log
