#pragma once
//! An outgoing HTTP/1.1 request, for webhooks (notification gateways): plain http:// only.
//! Beast stays in client.cpp; this header is free of it.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace mashang::http {

//! POSTs `body` to `url` (http://host[:port][/path][?query]) with `headers`; the response's
//! status, or an error when the URL is not such, the host does not answer, or the whole
//! exchange takes longer than `timeout_ms`.
Result<int> post(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                 const std::string& body, int64_t timeout_ms);

//! Whether `url` is one post() accepts (for checking configuration at start).
Status valid_post_url(const std::string& url);

}  // namespace mashang::http
