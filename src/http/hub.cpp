#include "http/hub.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace mashang::http {

void Subscription::set_notify(std::function<void()> f) {
  std::lock_guard l(mu_);
  notify_ = std::move(f);
}

void Subscription::offer(const store::EventRecord& e) {
  if (!who_.can_see_event(e.type, e.scope, e.account_id)) return;
  std::function<void()> notify;
  {
    std::lock_guard l(mu_);
    if (queue_.size() >= queue_max_)
      lagged_ = true;
    else
      queue_.push_back(e);
    notify = notify_;
  }
  if (notify) notify();
}

std::vector<store::EventRecord> Subscription::drain(bool& lagged) {
  std::lock_guard l(mu_);
  lagged = lagged_;
  std::vector<store::EventRecord> out(queue_.begin(), queue_.end());
  queue_.clear();
  return out;
}

std::shared_ptr<Subscription> Hub::subscribe(Principal who, size_t queue_max) {
  auto s = std::make_shared<Subscription>(std::move(who), queue_max);
  std::lock_guard l(mu_);
  subs_.push_back(s);
  return s;
}

void Hub::unsubscribe(const std::shared_ptr<Subscription>& s) {
  std::lock_guard l(mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), s), subs_.end());
}

void Hub::publish(const std::vector<store::EventRecord>& events) {
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    std::lock_guard l(mu_);
    subs = subs_;
  }
  for (const auto& e : events)
    for (const auto& s : subs) s->offer(e);
}

size_t Hub::subscribers() const {
  std::lock_guard l(mu_);
  return subs_.size();
}

std::string sse_frame(const store::EventRecord& e) {
  std::string data = "{\"id\":" + std::to_string(e.id) + ",\"type\":";
  text::append_json_string(data, e.type);
  data += ",\"subject\":";
  text::append_json_string(data, e.subject);
  data += ",\"scope\":";
  text::append_json_string(data, e.scope);
  data += ",\"created_at\":" + std::to_string(e.created_at) + ",\"payload\":" + e.payload_json + "}";
  return "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + data + "\n\n";
}

}  // namespace mashang::http
