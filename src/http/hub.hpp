#pragma once
//! The in-process live-event hub. The database's commit listener publishes stored events;
//! each SSE connection holds a Subscription that keeps only what its principal may see.
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::http {

class Subscription {
 public:
  Subscription(Principal who, size_t queue_max) : who_(std::move(who)), queue_max_(queue_max) {}
  //! Called (from any thread) after events were queued; the server wakes the connection.
  void set_notify(std::function<void()> f);
  //! Takes everything queued so far. `lagged` becomes true when the queue overflowed:
  //! the connection should close so the client resumes from the table.
  std::vector<store::EventRecord> drain(bool& lagged);
  const Principal& principal() const { return who_; }

 private:
  friend class Hub;
  void offer(const store::EventRecord& e);
  Principal who_;
  size_t queue_max_;
  std::mutex mu_;
  std::deque<store::EventRecord> queue_;
  bool lagged_ = false;
  std::function<void()> notify_;
};

class Hub {
 public:
  std::shared_ptr<Subscription> subscribe(Principal who, size_t queue_max = 1000);
  void unsubscribe(const std::shared_ptr<Subscription>& s);
  void publish(const std::vector<store::EventRecord>& events);
  size_t subscribers() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subs_;
};

//! One SSE frame: "id: N\nevent: type\ndata: {…}\n\n".
std::string sse_frame(const store::EventRecord& e);

}  // namespace mashang::http
