#pragma once
//! Injected time source, so deadlines and expiries are tested without sleeping.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace mashang {

//! Milliseconds since the Unix epoch, UTC. Every stored time uses this unit.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ms() const = 0;
};

//! The real clock.
class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

//! A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'764'300'000'000) : now_(start_ms) {}
  int64_t now_ms() const override { return now_.load(); }
  void advance_ms(int64_t d) { now_ += d; }
  void set_ms(int64_t t) { now_ = t; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace mashang
