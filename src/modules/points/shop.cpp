// The points shop (积分超市): goods per community; redemptions that take the stock and hold the
// points in escrow together (or do nothing), then are handed over at the station, cancelled or
// expired — each closing exactly once, by a conditional UPDATE on the redemption's status.
#include <algorithm>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "modules/points/internal.hpp"

namespace mashang::points {

using namespace detail;

namespace {

constexpr const char* kGoodsColumns =
    "id, community_id, name, description, price, stock, active, created_at, updated_at";

Goods goods_of(const store::Row& r) {
  return {r.integer(0), r.integer(1),      r.text(2),    r.text(3),   r.integer(4),
          r.integer(5), r.integer(6) != 0, r.integer(7), r.integer(8)};
}

std::optional<Goods> goods_by_id(store::Conn& c, int64_t id) {
  auto r = c.query_one(std::string("SELECT ") + kGoodsColumns + " FROM points_goods WHERE id = $1", {id});
  if (!r) return std::nullopt;
  return goods_of(*r);
}

constexpr const char* kRedemptionColumns =
    "id, idem_key, goods_id, person_id, community_id, quantity, points, code, status, expires_at, created_at, "
    "closed_at, closed_by, fingerprint";

Redemption redemption_of(store::Conn& c, const store::Row& r) {
  Redemption x;
  x.id = r.integer(0);
  x.key = r.text(1);
  x.goods = *goods_by_id(c, r.integer(2));
  x.person_id = r.integer(3);
  x.community_id = r.integer(4);
  x.quantity = r.integer(5);
  x.points = r.integer(6);
  x.code = r.text(7);
  x.status = r.text(8);
  x.expires_at = r.integer(9);
  x.created_at = r.integer(10);
  x.closed_at = r.opt_integer(11);
  x.closed_by = r.opt_integer(12);
  return x;
}

std::optional<Redemption> redemption_by(store::Conn& c, const char* column, const store::Value& v,
                                        std::string* fp = nullptr) {
  auto r = c.query_one(
      std::string("SELECT ") + kRedemptionColumns + " FROM points_redemptions WHERE " + column + " = $1", {v});
  if (!r) return std::nullopt;
  if (fp) *fp = r->text(13);
  return redemption_of(c, *r);
}

Status valid_name(const std::string& s, const char* field, size_t max) {
  if (s.empty() || !text::plain_line(s, max))
    return make_error(Errc::invalid_input,
                      std::string(field) + " must be one line of 1 to " + std::to_string(max) + " bytes", field);
  return ok_status();
}

std::string redemption_event(const Redemption& r) {
  return "{\"redemption_id\":" + std::to_string(r.id) + ",\"status\":\"" + r.status +
         "\",\"goods_id\":" + std::to_string(r.goods.id) + ",\"quantity\":" + std::to_string(r.quantity) +
         ",\"points\":" + std::to_string(r.points) + "}";
}

}  // namespace

Result<std::vector<Goods>> Service::goods(std::optional<int64_t> community, const Principal& who) {
  bool staff = false;
  int64_t cid = 0;
  std::optional<Place> place, home;
  db_.read([&](store::Conn& c) {
    if (community) place = community_in(c, *community);
    auto mine = person_of_in(c, who.account_id);
    home = mine ? person_in(c, *mine) : std::nullopt;
  });
  if (community) {
    staff = place && staff_over(who, place->path);
    bool resident_here = place && home && community_of(home->path) == *community;
    if (!staff && !resident_here) return make_error(Errc::not_found, "no such community", "community_id");
    cid = *community;
  } else {
    auto own = home ? community_of(home->path) : std::nullopt;
    if (!own) return make_error(Errc::invalid_input, "community_id is required", "community_id");
    cid = *own;
  }
  std::vector<Goods> out;
  db_.read([&](store::Conn& c) {
    for (const auto& r : c.query(
             std::string("SELECT ") + kGoodsColumns + " FROM points_goods WHERE community_id = $1 ORDER BY id", {cid}))
      if (staff || r.integer(6) != 0) out.push_back(goods_of(r));
  });
  return out;
}

Result<Goods> Service::add_goods(int64_t community, const std::string& name, const std::string& description,
                                 int64_t price, int64_t stock, const Principal& who) {
  if (auto s = valid_name(name, "name", 128); !s.ok()) return s.error();
  if (!description.empty() &&
      (!text::valid_utf8(description) || description.size() > 2000 || description.find('\0') != std::string::npos))
    return make_error(Errc::invalid_input, "description must be at most 2000 bytes of text", "description");
  if (price <= 0 || price > kPointsMax)
    return make_error(Errc::invalid_input, "price must be a whole number of 1 to 1000000 points", "price");
  if (stock < 0 || stock > 1'000'000) return make_error(Errc::invalid_input, "stock must be 0 to 1000000", "stock");
  Goods out;
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    auto place = community_in(c, community);
    if (!place || !staff_over(who, place->path))
      return make_error(Errc::not_found, "no such community", "community_id");
    if (!who.has_role("community_staff", place->path) && !who.has_role("street_staff", place->path) &&
        !who.has_role("district_admin", "/"))
      return make_error(Errc::forbidden, "community staff keep the points shop");
    auto id = c.query(
        "INSERT INTO points_goods (community_id, name, description, price, stock, active, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING id",
        {community, name, description, price, stock, now});
    out = *goods_by_id(c, id.at(0).integer(0));
    c.emit({"points.goods_changed", "points_goods:" + std::to_string(out.id), place->path, std::nullopt,
            "{\"goods_id\":" + std::to_string(out.id) + ",\"stock\":" + std::to_string(out.stock) + "}"});
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Goods> Service::change_goods(int64_t id, const GoodsChange& in, const Principal& who) {
  if (in.name)
    if (auto s = valid_name(*in.name, "name", 128); !s.ok()) return s.error();
  if (in.description && (!text::valid_utf8(*in.description) || in.description->size() > 2000 ||
                         in.description->find('\0') != std::string::npos))
    return make_error(Errc::invalid_input, "description must be at most 2000 bytes of text", "description");
  if (in.price && (*in.price <= 0 || *in.price > kPointsMax))
    return make_error(Errc::invalid_input, "price must be a whole number of 1 to 1000000 points", "price");
  if (in.restock && (*in.restock < -1'000'000 || *in.restock > 1'000'000))
    return make_error(Errc::invalid_input, "restock must be -1000000 to 1000000", "restock");
  Goods out;
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    auto g = goods_by_id(c, id);
    auto place = g ? community_in(c, g->community_id) : std::nullopt;
    if (!g || !place || !staff_over(who, place->path)) return make_error(Errc::not_found, "no such goods");
    if (!who.has_role("community_staff", place->path) && !who.has_role("street_staff", place->path) &&
        !who.has_role("district_admin", "/"))
      return make_error(Errc::forbidden, "community staff keep the points shop");
    if (in.restock &&
        c.exec("UPDATE points_goods SET stock = stock + $2, updated_at = $3 WHERE id = $1 AND stock + $2 >= 0",
               {id, *in.restock, now}) != 1)
      return make_error(Errc::conflict, "the stock cannot go below zero", "restock");
    c.exec(
        "UPDATE points_goods SET name = COALESCE(CAST($2 AS TEXT), name), "
        "description = COALESCE(CAST($3 AS TEXT), description), price = COALESCE(CAST($4 AS BIGINT), price), "
        "active = COALESCE(CAST($5 AS BIGINT), active), updated_at = $6 WHERE id = $1",
        {id, in.name ? store::Value(*in.name) : store::null_value,
         in.description ? store::Value(*in.description) : store::null_value,
         in.price ? store::Value(*in.price) : store::null_value,
         in.active ? store::Value(int64_t{*in.active}) : store::null_value, now});
    out = *goods_by_id(c, id);
    c.emit({"points.goods_changed", "points_goods:" + std::to_string(id), place->path, std::nullopt,
            "{\"goods_id\":" + std::to_string(id) + ",\"stock\":" + std::to_string(out.stock) + "}"});
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Redemption> Service::redeem(const std::string& key, int64_t goods_id, int64_t quantity, const Principal& who,
                                   bool* replay) {
  if (auto s = valid_key(key); !s.ok()) return s.error();
  if (quantity < 1 || quantity > kQuantityMax)
    return make_error(Errc::invalid_input, "quantity must be 1 to 100", "quantity");
  std::string fp = fingerprint("redeem|" + std::to_string(who.account_id) + "|" + std::to_string(goods_id) + "|" +
                               std::to_string(quantity));
  auto replayed = [&]() -> std::optional<Result<Redemption>> {
    std::optional<Redemption> seen;
    std::string seen_fp;
    db_.read([&](store::Conn& c) { seen = redemption_by(c, "idem_key", key, &seen_fp); });
    if (!seen) return std::nullopt;
    if (seen_fp != fp)
      return Result<Redemption>(make_error(Errc::conflict, "the key was used for a different request", "key"));
    if (replay) *replay = true;
    return Result<Redemption>(*seen);
  };
  if (auto r = replayed()) return *r;
  std::optional<int64_t> person;
  std::optional<Place> home;
  db_.read([&](store::Conn& c) {
    person = person_of_in(c, who.account_id);
    if (person) home = person_in(c, *person);
  });
  if (!person) return make_error(Errc::forbidden, "your account is linked to no person: ask the community to link it");
  auto community = home ? community_of(home->path) : std::nullopt;
  Result<Redemption> out = make_error(Errc::internal, "not redeemed");
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    auto g = goods_by_id(c, goods_id);
    if (!g || !community || g->community_id != *community)
      return make_error(Errc::not_found, "no such goods in your community's shop", "goods_id");
    if (!g->active) return make_error(Errc::invalid_input, "the goods are no longer offered", "goods_id");
    int64_t points = g->price * quantity;
    // Stock and points together: either fails, the transaction rolls back both.
    if (c.exec("UPDATE points_goods SET stock = stock - $2 WHERE id = $1 AND stock >= $2", {goods_id, quantity}) != 1)
      return make_error(Errc::conflict, "out of stock");
    auto held = post(c,
                     {key, fp, "redeem", std::nullopt, "person", *person, *community, -points, g->name, "",
                      std::nullopt, std::nullopt, "", who.account_id},
                     {{account(c, "spendable", *person, now), account(c, "escrow", *community, now), points}}, now);
    if (!held.ok()) return held.error();
    auto id = c.query_unique(
        "INSERT INTO points_redemptions (idem_key, fingerprint, goods_id, person_id, community_id, quantity, points, "
        "code, status, hold_posting_id, expires_at, created_by, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'held', $9, $10, $11, $12) RETURNING id",
        {key, fp, goods_id, *person, *community, quantity, points, crypto::random_token(12), held->id,
         now + opt_.hold_hours * 3'600'000, who.account_id, now});
    if (!id.ok()) return make_error(Errc::conflict, "the key has been used", "key");
    auto r = *redemption_by(c, "id", id->at(0).integer(0));
    auto cpath = community_in(c, *community);
    std::string scope = cpath ? cpath->path : "/";
    c.emit({"points.redeemed", "points_redemption:" + std::to_string(r.id), scope, std::nullopt, redemption_event(r)});
    c.emit(
        {"points.redeemed", "points_redemption:" + std::to_string(r.id), scope, who.account_id, redemption_event(r)});
    out = r;
    return ok_status();
  });
  if (!st.ok()) {
    if (st.error().field == "key")
      if (auto r = replayed()) return *r;
    return st.error();
  }
  return out;
}

namespace {

//! Closes a held redemption by a conditional UPDATE on its status (so exactly once), posting
//! `kind` (handover: escrow → shop; refund: escrow → spendable, stock back).
Status close(store::Conn& c, const Redemption& r, const std::string& status, std::optional<int64_t> by, int64_t now,
             const std::optional<Place>& place) {
  if (c.exec("UPDATE points_redemptions SET status = $2, closed_at = $3, closed_by = $4 WHERE id = $1 AND "
             "status = 'held'",
             {r.id, status, now, by ? store::Value(*by) : store::null_value}) != 1)
    return make_error(Errc::conflict, "the redemption is not held any more");
  bool handed = status == "handed_over";
  // The goods row before the accounts, as a redemption takes them: two postings that meet on
  // both never wait for each other in opposite orders (PostgreSQL would call it a deadlock).
  if (!handed)
    c.exec("UPDATE points_goods SET stock = stock + $2, updated_at = $3 WHERE id = $1", {r.goods.id, r.quantity, now});
  std::string key = (handed ? "#handover:" : "#refund:") + std::to_string(r.id);
  int64_t escrow = account(c, "escrow", r.community_id, now);
  int64_t to = handed ? account(c, "shop", r.community_id, now) : account(c, "spendable", r.person_id, now);
  auto p = post(c,
                {key, fingerprint(key), handed ? "handover" : "refund", std::nullopt, "person", r.person_id,
                 r.community_id, handed ? 0 : r.points, r.goods.name, "", std::nullopt, std::nullopt, "", by},
                {{escrow, to, r.points}}, now);
  if (!p.ok()) return p.error();
  c.exec("UPDATE points_redemptions SET close_posting_id = $2 WHERE id = $1", {r.id, p->id});
  Redemption after = r;
  after.status = status;
  std::string scope = place ? place->path : "/";
  c.emit({"points.redemption_closed", "points_redemption:" + std::to_string(r.id), scope, std::nullopt,
          redemption_event(after)});
  if (auto acc = c.query_one("SELECT created_by FROM points_redemptions WHERE id = $1", {r.id});
      acc && !acc->is_null(0))
    c.emit({"points.redemption_closed", "points_redemption:" + std::to_string(r.id), scope, acc->integer(0),
            redemption_event(after)});
  return ok_status();
}

}  // namespace

Result<Redemption> Service::redemption_by_code(const std::string& code, const Principal& who) {
  std::optional<Redemption> r;
  std::optional<Place> place;
  if (code.size() <= 64)
    db_.read([&](store::Conn& c) {
      r = redemption_by(c, "code", code);
      if (r) place = community_in(c, r->community_id);
    });
  if (!r || !place || !staff_over(who, place->path)) return make_error(Errc::not_found, "no such redemption");
  return *r;
}

Result<Redemption> Service::hand_over(const std::string& code, const Principal& who) {
  Result<Redemption> out = make_error(Errc::internal, "not handed over");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto r = code.size() <= 64 ? redemption_by(c, "code", code) : std::nullopt;
    auto place = r ? community_in(c, r->community_id) : std::nullopt;
    if (!r || !place || !staff_over(who, place->path)) return make_error(Errc::not_found, "no such redemption");
    if (r->status != "held") return make_error(Errc::conflict, "the redemption was " + r->status + " already");
    if (auto s = close(c, *r, "handed_over", who.account_id, clock_.now_ms(), place); !s.ok()) return s;
    out = *redemption_by(c, "id", r->id);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Redemption> Service::cancel(int64_t id, const Principal& who) {
  Result<Redemption> out = make_error(Errc::internal, "not cancelled");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto mine = person_of_in(c, who.account_id);
    auto r = redemption_by(c, "id", id);
    auto place = r ? community_in(c, r->community_id) : std::nullopt;
    if (!r || !place || (!staff_over(who, place->path) && mine != r->person_id))
      return make_error(Errc::not_found, "no such redemption");
    if (r->status != "held") return make_error(Errc::conflict, "the redemption was " + r->status + " already");
    if (auto s = close(c, *r, "cancelled", who.account_id, clock_.now_ms(), place); !s.ok()) return s;
    out = *redemption_by(c, "id", id);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::vector<Redemption>> Service::redemptions(std::optional<int64_t> community, const std::string& status,
                                                     int64_t before, int64_t limit, const Principal& who) {
  static constexpr std::string_view kStatuses[] = {"held", "handed_over", "cancelled", "expired"};
  if (!status.empty() && std::find(std::begin(kStatuses), std::end(kStatuses), status) == std::end(kStatuses))
    return make_error(Errc::invalid_input, "status must be held, handed_over, cancelled or expired", "status");
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  std::optional<int64_t> person;
  std::optional<Place> place;
  db_.read([&](store::Conn& c) {
    if (community)
      place = community_in(c, *community);
    else
      person = person_of_in(c, who.account_id);
  });
  if (community && (!place || !staff_over(who, place->path)))
    return make_error(Errc::not_found, "no such community", "community_id");
  if (!community && !person) return make_error(Errc::not_found, "your account is linked to no person");
  std::vector<Redemption> out;
  db_.read([&](store::Conn& c) {
    auto rows = c.query(std::string("SELECT ") + kRedemptionColumns +
                            " FROM points_redemptions WHERE id < $1 AND (CAST($2 AS TEXT) IS NULL OR status = $2) "
                            "AND (CAST($3 AS BIGINT) IS NULL OR community_id = $3) "
                            "AND (CAST($4 AS BIGINT) IS NULL OR person_id = $4) ORDER BY id DESC LIMIT $5",
                        {before > 0 ? before : INT64_MAX, status.empty() ? store::null_value : store::Value(status),
                         community ? store::Value(*community) : store::null_value,
                         person ? store::Value(*person) : store::null_value, limit});
    for (const auto& r : rows) out.push_back(redemption_of(c, r));
  });
  return out;
}

int64_t Service::expire_due() {
  int64_t now = clock_.now_ms(), expired = 0;
  for (;;) {
    std::vector<int64_t> due;
    db_.read([&](store::Conn& c) {
      for (const auto& r :
           c.query("SELECT id FROM points_redemptions WHERE status = 'held' AND expires_at <= $1 ORDER BY expires_at "
                   "LIMIT 100",
                   {now}))
        due.push_back(r.integer(0));
    });
    if (due.empty()) return expired;
    for (int64_t id : due) {
      // Each in its own transaction; one that someone else closed meanwhile is skipped.
      Status st = db_.write([&](store::Conn& c) -> Status {
        auto r = redemption_by(c, "id", id);
        if (!r || r->status != "held") return make_error(Errc::conflict, "closed meanwhile");
        return close(c, *r, "expired", std::nullopt, now, community_in(c, r->community_id));
      });
      if (st.ok()) ++expired;
    }
    if (due.size() < 100) return expired;
  }
}

void Service::start_sweeper(int64_t every_ms) {
  stop_sweeper();
  sweeper_stop_ = false;
  sweeper_ = std::thread([this, every_ms] {
    std::unique_lock lk(sweeper_mu_);
    while (!sweeper_stop_) {
      lk.unlock();
      try {
        expire_due();
        follow_events();
      } catch (const std::exception&) {
        // The database was away: the next round tries again (deadlines are data).
      }
      lk.lock();
      sweeper_cv_.wait_for(lk, std::chrono::milliseconds(every_ms), [this] { return sweeper_stop_; });
    }
  });
}

void Service::stop_sweeper() {
  {
    std::lock_guard lk(sweeper_mu_);
    sweeper_stop_ = true;
  }
  sweeper_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

Service::~Service() { stop_sweeper(); }

}  // namespace mashang::points
