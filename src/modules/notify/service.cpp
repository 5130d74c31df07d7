// The outbox and its dispatcher: messages written in their event's transaction, deliveries
// claimed for a lease (one claimer, whatever runs at once), sent outside any transaction, and
// marked sent once or due again after an exponential backoff.
#include <algorithm>
#include <atomic>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "modules/notify/notify.hpp"

namespace mashang::notify {

namespace {

constexpr const char* kMessageColumns =
    "m.id, m.dedupe_key, m.account_id, m.kind, m.subject, m.title, m.body, m.payload, m.urgent, m.created_at, "
    "m.read_at";

Stored stored_of(const store::Row& r) {
  Stored s;
  s.id = r.integer(0);
  s.message = {r.text(1), r.integer(2), r.text(3), r.text(4), r.text(5), r.text(6), r.text(7), r.integer(8) != 0};
  s.created_at = r.integer(9);
  s.read_at = r.opt_integer(10);
  return s;
}

constexpr const char* kDeliveryColumns =
    "id, message_id, channel, status, attempts, next_at, last_error, sent_at, created_at";

Delivery delivery_of(const store::Row& r) {
  return {r.integer(0), r.integer(1),  r.text(2),        r.text(3),   r.integer(4),
          r.integer(5), r.opt_text(6), r.opt_integer(7), r.integer(8)};
}

class Inbox final : public Channel {
 public:
  std::string_view name() const override { return "inbox"; }
  // The message row is the inbox: once this delivery is marked sent, its account lists it
  // (the live stream carried the event itself in the same transaction).
  Status send(const Stored&, const Delivery&) override { return ok_status(); }
};

class Webhook final : public Channel {
 public:
  Webhook(std::string url, std::string secret, Post post, int64_t timeout_ms)
      : url_(std::move(url)), secret_(std::move(secret)), post_(std::move(post)), timeout_ms_(timeout_ms) {}
  std::string_view name() const override { return "webhook"; }
  Status send(const Stored& m, const Delivery& d) override {
    std::string body = webhook_body(m, d);
    std::vector<Header> headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", m.message.dedupe_key}};
    if (!secret_.empty())
      headers.emplace_back("X-Mashang-Signature", "sha256=" + crypto::hmac_sha256_hex(secret_, body));
    auto status = post_(url_, headers, body, timeout_ms_);
    if (!status.ok()) return status.error();
    if (*status < 200 || *status > 299)
      return make_error(Errc::unavailable, "the gateway answered HTTP " + std::to_string(*status));
    return ok_status();
  }

 private:
  std::string url_, secret_;
  Post post_;
  int64_t timeout_ms_;
};

}  // namespace

std::unique_ptr<Channel> inbox_channel() { return std::make_unique<Inbox>(); }

std::unique_ptr<Channel> webhook_channel(std::string url, std::string secret, Post post, int64_t timeout_ms) {
  return std::make_unique<Webhook>(std::move(url), std::move(secret), std::move(post), timeout_ms);
}

std::string webhook_body(const Stored& m, const Delivery& d) {
  std::string o = "{\"id\":" + std::to_string(m.id) + ",\"key\":";
  text::append_json_string(o, m.message.dedupe_key);
  o += ",\"account_id\":" + std::to_string(m.message.account_id) + ",\"kind\":";
  text::append_json_string(o, m.message.kind);
  o += ",\"subject\":";
  text::append_json_string(o, m.message.subject);
  o += ",\"title\":";
  text::append_json_string(o, m.message.title);
  o += ",\"body\":";
  text::append_json_string(o, m.message.body);
  o += std::string(",\"urgent\":") + (m.message.urgent ? "true" : "false");
  o += ",\"payload\":" + m.message.payload;  // a JSON object, written by the server
  o += ",\"created_at\":" + std::to_string(m.created_at) + ",\"attempt\":" + std::to_string(d.attempts) + "}";
  return o;
}

Service::Service(store::Db& db, const Clock& clock, std::vector<std::unique_ptr<Channel>> channels, Options o)
    : db_(db), clock_(clock), channels_(std::move(channels)), opt_(o) {
  for (const auto& c : channels_) names_.emplace_back(c->name());
}

Service::~Service() { stop(); }

bool Service::enqueue(store::Conn& c, const Message& m, int64_t now) const {
  auto id = c.query(
      "INSERT INTO notify_messages (dedupe_key, account_id, kind, subject, title, body, payload, urgent, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
      {m.dedupe_key, m.account_id, m.kind, m.subject, m.title, m.body, m.payload, int64_t{m.urgent}, now});
  if (id.empty()) return false;
  for (const auto& name : names_)
    c.exec(
        "INSERT INTO notify_outbox (message_id, channel, status, attempts, next_at, created_at) "
        "VALUES ($1, $2, 'pending', 0, $3, $3)",
        {id[0].integer(0), name, now});
  return true;
}

int64_t Service::dispatch_due() {
  int64_t now = clock_.now_ms();
  // Claim: each due delivery (pending, or sending with its lease run out) for one dispatcher,
  // read with its message in the same transaction.
  std::vector<std::pair<Delivery, std::optional<Stored>>> claimed;
  // Most rounds find nothing due: a read says so without opening a write transaction.
  bool due = false;
  db_.read([&](store::Conn& c) {
    due =
        c.query_one("SELECT 1 FROM notify_outbox WHERE status <> 'sent' AND next_at <= $1 LIMIT 1", {now}).has_value();
  });
  if (!due) return 0;
  (void)db_.write([&](store::Conn& c) -> Status {
    claimed.clear();
    for (const auto& r : c.query("SELECT id FROM notify_outbox WHERE status <> 'sent' AND next_at <= $1 "
                                 "ORDER BY next_at, id LIMIT $2",
                                 {now, opt_.batch})) {
      auto got = c.query(std::string("UPDATE notify_outbox SET status = 'sending', attempts = attempts + 1, "
                                     "next_at = $2 WHERE id = $1 AND status <> 'sent' AND next_at <= $3 RETURNING ") +
                             kDeliveryColumns,
                         {r.integer(0), now + opt_.lease_ms, now});
      if (got.empty()) continue;
      Delivery d = delivery_of(got[0]);
      std::optional<Stored> m;
      if (auto row = c.query_one(std::string("SELECT ") + kMessageColumns + " FROM notify_messages m WHERE m.id = $1",
                                 {d.message_id}))
        m = stored_of(*row);
      claimed.emplace_back(std::move(d), std::move(m));
    }
    return ok_status();
  });
  // Send, a few at once (a slow gateway must not hold the others back), each marked by the
  // claim that sent it: a dispatcher whose lease ran out marks nothing.
  std::atomic<size_t> next{0};
  std::atomic<int64_t> sent{0};
  auto work = [&] {
    for (size_t i; (i = next++) < claimed.size();) {
      const auto& [d, m] = claimed[i];
      auto ch = std::find_if(channels_.begin(), channels_.end(), [&](const auto& x) { return x->name() == d.channel; });
      Status st = !m                      ? Status(make_error(Errc::internal, "the message is gone"))
                  : ch == channels_.end() ? Status(make_error(Errc::unavailable, "the channel is not configured"))
                                          : Status(make_error(Errc::internal, "not sent"));
      if (m && ch != channels_.end()) {
        try {
          st = (*ch)->send(*m, d);
        } catch (const std::exception& e) {
          st = make_error(Errc::unavailable, e.what());
        }
      }
      int64_t at = clock_.now_ms();
      if (st.ok()) {
        (void)db_.write([&](store::Conn& c) -> Status {
          c.exec(
              "UPDATE notify_outbox SET status = 'sent', sent_at = $2, last_error = NULL "
              "WHERE id = $1 AND status = 'sending' AND attempts = $3",
              {d.id, at, d.attempts});
          return ok_status();
        });
        ++sent;
      } else {
        int64_t backoff = opt_.backoff_first_ms;
        for (int64_t k = 1; k < d.attempts && backoff < opt_.backoff_max_ms; ++k) backoff *= 2;
        backoff = std::min(backoff, opt_.backoff_max_ms);
        (void)db_.write([&](store::Conn& c) -> Status {
          c.exec(
              "UPDATE notify_outbox SET status = 'pending', next_at = $2, last_error = $3 "
              "WHERE id = $1 AND status = 'sending' AND attempts = $4",
              {d.id, at + backoff, st.error().message.substr(0, 500), d.attempts});
          return ok_status();
        });
      }
    }
  };
  if (claimed.empty()) return 0;
  size_t helpers = std::min<size_t>(claimed.size(), static_cast<size_t>(std::max<int64_t>(1, opt_.parallel))) - 1;
  std::vector<std::thread> pool;
  for (size_t k = 0; k < helpers; ++k) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return sent.load();
}

void Service::start(int64_t every_ms) {
  std::lock_guard lk(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this, every_ms] {
    std::unique_lock lk(mu_);
    while (!stop_) {
      lk.unlock();
      int64_t sent = 0;
      try {
        sent = dispatch_due();
      } catch (const std::exception&) {
        // the database is away: deliveries are data, the next round sends them
      }
      lk.lock();
      if (stop_) break;
      if (sent > 0 && sent >= opt_.batch) continue;  // more may be due
      cv_.wait_for(lk, std::chrono::milliseconds(every_ms), [this] { return stop_ || woken_; });
      woken_ = false;
    }
  });
}

void Service::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Service::wake() {
  {
    std::lock_guard lk(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

Result<InboxPage> Service::inbox(const Principal& who, int64_t before, int64_t limit, bool unread_only) {
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  InboxPage page;
  db_.read([&](store::Conn& c) {
    for (const auto& r :
         c.query(std::string("SELECT ") + kMessageColumns +
                     " FROM notify_messages m JOIN notify_outbox o ON o.message_id = m.id AND o.channel = 'inbox' "
                     "AND o.status = 'sent' WHERE m.account_id = $1 AND m.id < $2 AND ($3 = 0 OR m.read_at IS NULL) "
                     "ORDER BY m.id DESC LIMIT $4",
                 {who.account_id, before > 0 ? before : INT64_MAX, int64_t{unread_only}, limit}))
      page.items.push_back(stored_of(r));
    page.unread = c.query_one(
                       "SELECT COUNT(*) FROM notify_messages m JOIN notify_outbox o ON o.message_id = m.id AND "
                       "o.channel = 'inbox' AND o.status = 'sent' WHERE m.account_id = $1 AND m.read_at IS NULL",
                       {who.account_id})
                      ->integer(0);
  });
  if (static_cast<int64_t>(page.items.size()) == limit) page.next_before = page.items.back().id;
  return page;
}

int64_t Service::mark_read(const std::vector<int64_t>& ids, const Principal& who) {
  int64_t n = 0;
  (void)db_.write([&](store::Conn& c) -> Status {
    n = 0;
    int64_t now = clock_.now_ms();
    for (int64_t id : ids)
      n += static_cast<int64_t>(
          c.query("UPDATE notify_messages SET read_at = $3 WHERE id = $1 AND account_id = $2 AND read_at IS NULL "
                  "RETURNING id",
                  {id, who.account_id, now})
              .size());
    return ok_status();
  });
  return n;
}

Result<std::pair<Stored, std::vector<Delivery>>> Service::message(int64_t id, const Principal& who) {
  std::optional<Stored> m;
  std::vector<Delivery> ds;
  db_.read([&](store::Conn& c) {
    if (auto r =
            c.query_one(std::string("SELECT ") + kMessageColumns + " FROM notify_messages m WHERE m.id = $1", {id}))
      m = stored_of(*r);
    if (m)
      for (const auto& r :
           c.query(std::string("SELECT ") + kDeliveryColumns + " FROM notify_outbox WHERE message_id = $1 ORDER BY id",
                   {id}))
        ds.push_back(delivery_of(r));
  });
  if (!m || (m->message.account_id != who.account_id && !who.has_role("district_admin", "/")))
    return make_error(Errc::not_found, "no such message");
  return std::pair{*m, ds};
}

Result<std::vector<Delivery>> Service::deliveries(const std::string& status, int64_t before, int64_t limit,
                                                  const Principal& who) {
  if (!who.has_role("district_admin", "/")) return make_error(Errc::forbidden, "only district admins see the outbox");
  if (!status.empty() && status != "pending" && status != "sending" && status != "sent")
    return make_error(Errc::invalid_input, "status must be pending, sending or sent", "status");
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  std::vector<Delivery> out;
  db_.read([&](store::Conn& c) {
    for (const auto& r :
         c.query(std::string("SELECT ") + kDeliveryColumns +
                     " FROM notify_outbox WHERE id < $1 AND (CAST($2 AS TEXT) IS NULL OR status = $2) "
                     "ORDER BY id DESC LIMIT $3",
                 {before > 0 ? before : INT64_MAX, status.empty() ? store::null_value : store::Value(status), limit}))
      out.push_back(delivery_of(r));
  });
  return out;
}

}  // namespace mashang::notify
