#pragma once
//! Notifications: messages to accounts, written by other modules in the same transaction as
//! the event they announce (a transactional outbox), then delivered by a dispatcher through
//! channels behind one interface — the in-app inbox (with the live stream, which carries the
//! event itself) and an HTTP webhook a district points at its SMS or messaging gateway. Each
//! delivery is claimed for a lease, sent, and marked sent exactly once; a failure is retried
//! with exponential backoff and never dropped. Public API of the module.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::notify {

inline constexpr int64_t kPageSizeMax = 200;

//! What another module asks to tell an account.
struct Message {
  std::string dedupe_key;  //!< one message per key, ever (e.g. care_alarm:7:level:1:account:42)
  int64_t account_id = 0;
  std::string kind;     //!< the event type it announces
  std::string subject;  //!< what it is about, e.g. care_alarm:7
  std::string title, body;
  std::string payload = "{}";  //!< JSON object
  bool urgent = false;
};

//! A message as stored, with its deliveries.
struct Stored {
  int64_t id = 0;
  Message message;
  int64_t created_at = 0;
  std::optional<int64_t> read_at;
};

//! One channel's delivery of a message.
struct Delivery {
  int64_t id = 0, message_id = 0;
  std::string channel;
  std::string status;  //!< pending | sending | sent
  int64_t attempts = 0, next_at = 0;
  std::optional<std::string> last_error;
  std::optional<int64_t> sent_at;
  int64_t created_at = 0;
};

//! A way out. send() runs on the dispatcher's thread, outside any transaction; it answers
//! ok only when the message is delivered (for a webhook: the gateway answered 2xx).
class Channel {
 public:
  virtual ~Channel() = default;
  virtual std::string_view name() const = 0;
  virtual Status send(const Stored& m, const Delivery& d) = 0;
};

//! The in-app inbox: a message is in its account's inbox once this channel delivered it.
std::unique_ptr<Channel> inbox_channel();
//! How a webhook reaches the network: POST `body` to `url` with `headers`, answering the HTTP
//! status (http/client.hpp has the real one; app/wiring.cpp passes it in).
using Header = std::pair<std::string, std::string>;
using Post = std::function<Result<int>(const std::string& url, const std::vector<Header>& headers,
                                       const std::string& body, int64_t timeout_ms)>;
//! POSTs each message as JSON to `url` (http://host[:port]/path) with an `Idempotency-Key`
//! header (the message's dedupe key) and, when `secret` is set, `X-Mashang-Signature:
//! sha256=<hex HMAC-SHA256 of the body>`. A gateway answering anything but 2xx in
//! `timeout_ms`, or not at all, is a failure (retried).
std::unique_ptr<Channel> webhook_channel(std::string url, std::string secret, Post post, int64_t timeout_ms = 5'000);
//! The JSON a webhook receives for a delivery (its attempt counted from 1).
std::string webhook_body(const Stored& m, const Delivery& d);

struct InboxPage {
  std::vector<Stored> items;  //!< newest first
  std::optional<int64_t> next_before;
  int64_t unread = 0;
};

class Service {
 public:
  struct Options {
    int64_t lease_ms = 30'000;         //!< a claimed delivery not marked by then is claimed again
    int64_t backoff_first_ms = 1'000;  //!< after the first failure; doubled each time
    int64_t backoff_max_ms = 300'000;
    int64_t batch = 100;   //!< deliveries claimed per round
    int64_t parallel = 8;  //!< deliveries sent at once
  };
  Service(store::Db& db, const Clock& clock, std::vector<std::unique_ptr<Channel>> channels, Options o);
  ~Service();

  //! Writes a message and a delivery per channel, due now, in the caller's transaction. A key
  //! written before is left alone (false): a step that runs twice tells nobody twice.
  bool enqueue(store::Conn& c, const Message& m, int64_t now) const;

  //! Claims what is due, sends it, marks each delivery sent or due again after its backoff.
  //! Returns how many were sent. The dispatcher thread calls it; tests call it with their clock.
  int64_t dispatch_due();
  //! Starts (stops) the dispatcher thread: a round every `every_ms`, and at once after wake().
  void start(int64_t every_ms = 1'000);
  void stop();
  //! Something was enqueued: dispatch now rather than at the next round.
  void wake();

  //! The caller's inbox (what the inbox channel delivered), newest first.
  Result<InboxPage> inbox(const Principal& who, int64_t before, int64_t limit, bool unread_only);
  //! Marks messages of the caller's inbox read (others' ids are ignored). Returns how many.
  int64_t mark_read(const std::vector<int64_t>& ids, const Principal& who);
  //! A message and each channel's delivery: its account, or a district admin.
  Result<std::pair<Stored, std::vector<Delivery>>> message(int64_t id, const Principal& who);
  //! Deliveries by status ("" = any; pending | sending | sent), newest first: district admins.
  Result<std::vector<Delivery>> deliveries(const std::string& status, int64_t before, int64_t limit,
                                           const Principal& who);

 private:
  store::Db& db_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<std::string> names_;
  Options opt_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, woken_ = false;
  std::thread thread_;
};

}  // namespace mashang::notify
