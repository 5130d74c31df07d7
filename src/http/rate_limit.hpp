#pragma once
//! Token bucket per client address: `per_s` tokens a second, at most `burst` saved up.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mashang::http {

class RateLimiter {
 public:
  RateLimiter(double per_s, double burst) : per_s_(per_s), burst_(burst) {}
  //! Takes one token for `key` at time `now_ms`; 0 when allowed, else seconds to wait.
  int take(const std::string& key, int64_t now_ms);
  //! Seconds until `key` has a whole token again, without taking one (0: it has one now).
  int wait(const std::string& key, int64_t now_ms);
  uint64_t refused_total() const { return refused_; }

 private:
  //! The bucket of `key` brought up to `now_ms` (created full); under its shard's lock.
  struct Bucket;
  Bucket& refill(const std::string& key, int64_t now_ms);
  struct Bucket {
    double tokens;
    int64_t at_ms;
  };
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  double per_s_, burst_;
  Shard shards_[kShards];
  std::atomic<uint64_t> refused_{0};
};

}  // namespace mashang::http
