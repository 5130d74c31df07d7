#include "http/rate_limit.hpp"

#include <cmath>
#include <functional>

namespace mashang::http {

RateLimiter::Bucket& RateLimiter::refill(const std::string& key, int64_t now_ms) {
  Shard& s = shards_[std::hash<std::string>{}(key) % kShards];
  if (s.buckets.size() > 100'000) {
    // Forget clients that have been quiet long enough to have a full bucket again.
    int64_t full_after_ms = static_cast<int64_t>(burst_ / per_s_ * 1000);
    std::erase_if(s.buckets, [&](const auto& kv) { return now_ms - kv.second.at_ms > full_after_ms; });
  }
  auto [it, fresh] = s.buckets.try_emplace(key, Bucket{burst_, now_ms});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst_, b.tokens + (now_ms - b.at_ms) * per_s_ / 1000.0);
    b.at_ms = now_ms;
  }
  return b;
}

int RateLimiter::wait(const std::string& key, int64_t now_ms) {
  std::lock_guard l(shards_[std::hash<std::string>{}(key) % kShards].mu);
  Bucket& b = refill(key, now_ms);
  if (b.tokens >= 1.0) return 0;
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_s_)));
}

int RateLimiter::take(const std::string& key, int64_t now_ms) {
  std::lock_guard l(shards_[std::hash<std::string>{}(key) % kShards].mu);
  Bucket& b = refill(key, now_ms);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  ++refused_;
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_s_)));
}

}  // namespace mashang::http
