// The station's function rooms: opening hours on the UTC+8 clock, slots with a capacity kept in
// a row of their own (a conditional UPDATE never books past it), booking windows by points tier,
// cancellation before the slot, check-in by the room's code.
#include <algorithm>
#include <cstdio>

#include "core/text.hpp"
#include "modules/care/internal.hpp"

namespace mashang::care {

using namespace detail;

namespace {

constexpr int64_t kCheckInEarlyMs = 15 * kMinuteMs;

int64_t minute_of_day(int64_t t) { return ((t + kShiftMs) % kDayMs) / kMinuteMs; }
int weekday(int64_t t) { return static_cast<int>(((t + kShiftMs) / kDayMs + 3) % 7) + 1; }  // 1 = Monday

constexpr const char* kRoomColumns =
    "id, community_id, path, place_id, name, capacity, slot_minutes, opens, closes, days, active, created_at, "
    "updated_at";

Room room_of(const store::Row& r) {
  return {r.integer(0), r.integer(1), r.text(2), r.text(4),          r.opt_integer(3), r.integer(5), r.integer(6),
          r.integer(7), r.integer(8), r.text(9), r.integer(10) != 0, r.integer(11),    r.integer(12)};
}

std::optional<Room> room_in(store::Conn& c, int64_t id) {
  auto r = c.query_one(std::string("SELECT ") + kRoomColumns + " FROM care_rooms WHERE id = $1", {id});
  if (!r) return std::nullopt;
  return room_of(*r);
}

constexpr const char* kBookingColumns =
    "b.id, b.room_id, b.person_id, b.account_id, b.starts_at, b.ends_at, b.status, r.name, b.created_at, "
    "b.cancelled_at, b.checked_in_at";

Booking booking_of(const store::Row& r) {
  return {r.integer(0), r.integer(1), r.integer(2), r.integer(3),     r.integer(4),     r.integer(5),
          r.text(6),    r.text(7),    r.integer(8), r.opt_integer(9), r.opt_integer(10)};
}

std::optional<Booking> booking_in(store::Conn& c, int64_t id) {
  auto r = c.query_one(std::string("SELECT ") + kBookingColumns +
                           " FROM care_bookings b JOIN care_rooms r ON r.id = b.room_id WHERE b.id = $1",
                       {id});
  if (!r) return std::nullopt;
  return booking_of(*r);
}

Status valid_room(const RoomChange& in) {
  if (in.name.empty() || !text::plain_line(in.name, 64))
    return make_error(Errc::invalid_input, "name must be one line of 1 to 64 bytes", "name");
  if (in.capacity < 1 || in.capacity > 500)
    return make_error(Errc::invalid_input, "capacity must be 1 to 500", "capacity");
  if (in.slot_minutes < 15 || in.slot_minutes > 480)
    return make_error(Errc::invalid_input, "slot_minutes must be 15 to 480", "slot_minutes");
  if (in.opens < 0 || in.opens > 1439)
    return make_error(Errc::invalid_input, "opens must be minute 0 to 1439", "opens");
  if (in.closes <= in.opens || in.closes > 1440)
    return make_error(Errc::invalid_input, "closes must be after opens, at most minute 1440", "closes");
  if (in.closes - in.opens < in.slot_minutes)
    return make_error(Errc::invalid_input, "the opening hours hold no whole slot", "slot_minutes");
  bool days_ok = !in.days.empty() && in.days.size() <= 7 &&
                 std::all_of(in.days.begin(), in.days.end(), [](char ch) { return ch >= '1' && ch <= '7'; });
  for (size_t i = 1; days_ok && i < in.days.size(); ++i) days_ok = in.days[i - 1] < in.days[i];
  if (!days_ok) return make_error(Errc::invalid_input, "days must list ISO weekdays in order, e.g. 12345", "days");
  return ok_status();
}

}  // namespace

Status Service::room_place_ok(const RoomChange& in, const std::string& community_path, const Principal& who) {
  if (!in.place_id) return ok_status();
  auto path = dir_.room_place_path ? dir_.room_place_path(*in.place_id, who)
                                   : Result<std::string>(make_error(Errc::not_found, "no such place"));
  if (!path.ok() || (*path != community_path && !path->starts_with(community_path + "/")))
    return make_error(Errc::invalid_input, "place_id must name a function room of the community", "place_id");
  return ok_status();
}

Result<Room> Service::add_room(int64_t community_id, const RoomChange& in, const Principal& who) {
  if (auto s = valid_room(in); !s.ok()) return s.error();
  Result<Room> out = make_error(Errc::internal, "not added");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto path = dir_.node_path ? dir_.node_path(c, community_id, "community") : std::nullopt;
    if (!path || !staff_over(who, *path)) return make_error(Errc::not_found, "no such community", "community_id");
    if (!manager_over(who, *path)) return make_error(Errc::forbidden, "community or street staff keep the rooms");
    if (auto s = room_place_ok(in, *path, who); !s.ok()) return s;
    int64_t now = clock_.now_ms();
    auto r = c.query_unique(
        std::string(
            "INSERT INTO care_rooms (community_id, path, place_id, name, capacity, slot_minutes, opens, closes, "
            "days, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) "
            "RETURNING ") +
            kRoomColumns,
        {community_id, *path, in.place_id ? store::Value(*in.place_id) : store::null_value, in.name, in.capacity,
         in.slot_minutes, in.opens, in.closes, in.days, int64_t{in.active}, now});
    if (!r.ok()) return make_error(Errc::conflict, "another room has this place's code", "place_id");
    out = room_of(r->at(0));
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Room> Service::change_room(int64_t id, const RoomChange& in, const Principal& who) {
  if (auto s = valid_room(in); !s.ok()) return s.error();
  Result<Room> out = make_error(Errc::internal, "not changed");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto room = room_in(c, id);
    if (!room || !staff_over(who, room->path)) return make_error(Errc::not_found, "no such room");
    if (!manager_over(who, room->path)) return make_error(Errc::forbidden, "community or street staff keep the rooms");
    if (auto s = room_place_ok(in, room->path, who); !s.ok()) return s;
    // Bookings made stay as they are: a change applies to slots booked from now on.
    auto r = c.query_unique(
        std::string("UPDATE care_rooms SET place_id = $2, name = $3, capacity = $4, slot_minutes = $5, opens = $6, "
                    "closes = $7, days = $8, active = $9, updated_at = $10 WHERE id = $1 RETURNING ") +
            kRoomColumns,
        {id, in.place_id ? store::Value(*in.place_id) : store::null_value, in.name, in.capacity, in.slot_minutes,
         in.opens, in.closes, in.days, int64_t{in.active}, clock_.now_ms()});
    if (!r.ok()) return make_error(Errc::conflict, "another room has this place's code", "place_id");
    out = room_of(r->at(0));
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::vector<Room>> Service::rooms(std::optional<int64_t> community_id, const Principal& who) {
  std::vector<Room> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    std::optional<std::string> path;
    bool staff = false;
    if (community_id) {
      path = dir_.node_path ? dir_.node_path(c, *community_id, "community") : std::nullopt;
      if (!path) {
        st = make_error(Errc::not_found, "no such community", "community_id");
        return;
      }
      staff = staff_over(who, *path);
    }
    if (!staff) {
      // A resident: their own community's open rooms.
      auto own = own_community(dir_, c, who);
      if (!own || (path && *path != *own)) {
        st = make_error(Errc::not_found, "no such community", "community_id");
        return;
      }
      path = own;
    }
    for (const auto& r : c.query(std::string("SELECT ") + kRoomColumns +
                                     " FROM care_rooms WHERE path = $1 AND ($2 = 1 OR active = 1) ORDER BY id",
                                 {*path, int64_t{staff}}))
      out.push_back(room_of(r));
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::vector<Slot>> Service::slots(int64_t room_id, const std::string& date, const Principal& who) {
  auto day = day_of(date);
  if (!day) return make_error(Errc::invalid_input, "date must be YYYY-MM-DD", "date");
  int64_t now = clock_.now_ms();
  std::optional<Room> room;
  std::optional<int64_t> mine;
  bool staff = false;
  std::vector<std::pair<int64_t, int64_t>> counts;
  db_.read([&](store::Conn& c) {
    room = room_in(c, room_id);
    if (!room) return;
    staff = staff_over(who, room->path);
    mine = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt;
    if (!staff && (own_community(dir_, c, who) != room->path || !room->active)) room.reset();
    if (!room) return;
    for (const auto& r : c.query("SELECT starts_at, booked FROM care_room_slots WHERE room_id = $1 AND starts_at >= $2 "
                                 "AND starts_at < $3",
                                 {room_id, *day, *day + kDayMs}))
      counts.emplace_back(r.integer(0), r.integer(1));
  });
  if (!room) return make_error(Errc::not_found, "no such room");
  std::vector<Slot> out;
  if (room->days.find(static_cast<char>('0' + weekday(*day))) == std::string::npos) return out;  // closed that day
  int64_t ahead = mine && dir_.booking_days ? dir_.booking_days(*mine) : 0;
  int64_t window_end = local_day_start(now) + (ahead + 1) * kDayMs;
  for (int64_t m = room->opens; m + room->slot_minutes <= room->closes; m += room->slot_minutes) {
    Slot s;
    s.starts_at = *day + m * kMinuteMs;
    s.ends_at = s.starts_at + room->slot_minutes * kMinuteMs;
    s.capacity = room->capacity;
    for (auto [at, n] : counts)
      if (at == s.starts_at) s.booked = n;
    s.why_not = s.starts_at <= now                   ? "past"
                : s.booked >= s.capacity             ? "full"
                : !mine || s.starts_at >= window_end ? "window"
                                                     : "";
    s.bookable = s.why_not.empty();
    out.push_back(std::move(s));
  }
  return out;
}

Result<Booking> Service::book(int64_t room_id, int64_t starts_at, const Principal& who) {
  int64_t now = clock_.now_ms();
  std::optional<int64_t> person;
  db_.read([&](store::Conn& c) { person = dir_.person_of ? dir_.person_of(c, who.account_id) : std::nullopt; });
  if (!person) return make_error(Errc::forbidden, "your account is linked to no person");
  int64_t ahead = dir_.booking_days ? dir_.booking_days(*person) : 0;
  Result<Booking> out = make_error(Errc::internal, "not booked");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto room = room_in(c, room_id);
    auto home = dir_.home ? dir_.home(c, *person) : std::nullopt;
    if (!room || !room->active || !home || community_path(home->path) != room->path)
      return make_error(Errc::not_found, "no such room in your community", "room_id");
    // The slot: on an open day, at a slot's start inside the opening hours, ahead, in the window.
    int64_t m = minute_of_day(starts_at);
    if (room->days.find(static_cast<char>('0' + weekday(starts_at))) == std::string::npos)
      return make_error(Errc::invalid_input, "the room is closed that day", "starts_at");
    if (starts_at % kMinuteMs != 0 || m < room->opens || m + room->slot_minutes > room->closes ||
        (m - room->opens) % room->slot_minutes != 0)
      return make_error(Errc::invalid_input,
                        "not the start of a slot: the room is open " + clock_text(room->opens) + "–" +
                            clock_text(room->closes) + " in slots of " + std::to_string(room->slot_minutes) +
                            " minutes",
                        "starts_at");
    if (starts_at <= now) return make_error(Errc::invalid_input, "the slot has begun already", "starts_at");
    if (starts_at >= local_day_start(now) + (ahead + 1) * kDayMs)
      return make_error(Errc::invalid_input,
                        "you may book up to " + std::to_string(ahead) + " days ahead (your points tier)", "starts_at");
    if (c.query_one("SELECT 1 FROM care_bookings WHERE room_id = $1 AND person_id = $2 AND starts_at = $3 AND "
                    "status <> 'cancelled'",
                    {room_id, *person, starts_at}))
      return make_error(Errc::conflict, "you have booked this slot already");
    // The slot's count: never past the capacity, however many book at once.
    c.exec("INSERT INTO care_room_slots (room_id, starts_at, booked) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
           {room_id, starts_at});
    if (c.query("UPDATE care_room_slots SET booked = booked + 1 WHERE room_id = $1 AND starts_at = $2 AND booked < $3 "
                "RETURNING booked",
                {room_id, starts_at, room->capacity})
            .empty())
      return make_error(Errc::conflict, "the slot is full");
    auto id = c.query_unique(
        "INSERT INTO care_bookings (room_id, person_id, account_id, starts_at, ends_at, status, created_at) "
        "VALUES ($1, $2, $3, $4, $5, 'booked', $6) RETURNING id",
        {room_id, *person, who.account_id, starts_at, starts_at + room->slot_minutes * kMinuteMs, now});
    if (!id.ok()) return make_error(Errc::conflict, "you have booked this slot already");
    out = *booking_in(c, id->at(0).integer(0));
    c.emit({"care.booking_changed", "care_booking:" + std::to_string(out->id), room->path, std::nullopt,
            "{\"booking_id\":" + std::to_string(out->id) + ",\"room_id\":" + std::to_string(room_id) +
                ",\"status\":\"booked\"}"});
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Booking> Service::cancel_booking(int64_t id, const Principal& who) {
  Result<Booking> out = make_error(Errc::internal, "not cancelled");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto b = booking_in(c, id);
    auto room = b ? room_in(c, b->room_id) : std::nullopt;
    if (!b || !room || (b->account_id != who.account_id && !staff_over(who, room->path)))
      return make_error(Errc::not_found, "no such booking");
    int64_t now = clock_.now_ms();
    if (b->status != "booked") return make_error(Errc::conflict, "the booking is " + b->status + " already");
    if (b->starts_at <= now) return make_error(Errc::conflict, "the slot has begun: it can no longer be cancelled");
    if (c.query("UPDATE care_bookings SET status = 'cancelled', cancelled_at = $2 WHERE id = $1 AND status = 'booked' "
                "RETURNING id",
                {id, now})
            .empty())
      return make_error(Errc::conflict, "the booking changed meanwhile");
    c.exec("UPDATE care_room_slots SET booked = booked - 1 WHERE room_id = $1 AND starts_at = $2 AND booked > 0",
           {b->room_id, b->starts_at});
    out = *booking_in(c, id);
    c.emit({"care.booking_changed", "care_booking:" + std::to_string(id), room->path, std::nullopt,
            "{\"booking_id\":" + std::to_string(id) + ",\"room_id\":" + std::to_string(b->room_id) +
                ",\"status\":\"cancelled\"}"});
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<Booking> Service::check_in(const std::string& token, const Principal& who) {
  if (token.empty()) return make_error(Errc::invalid_input, "scan the room's code", "token");
  if (!dir_.room_place) return make_error(Errc::unavailable, "room codes are not wired");
  auto place = dir_.room_place(token, who);
  if (!place.ok()) {
    Error e = place.error();
    if (e.field.empty()) e.field = "token";
    return e;
  }
  Result<Booking> out = make_error(Errc::internal, "not checked in");
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto room = c.query_one("SELECT id FROM care_rooms WHERE place_id = $1", {*place});
    if (!room) return make_error(Errc::invalid_input, "this code is on no bookable room", "token");
    int64_t now = clock_.now_ms();
    auto b = c.query_one(
        "SELECT id FROM care_bookings WHERE room_id = $1 AND account_id = $2 AND status = 'booked' AND starts_at <= $3 "
        "AND ends_at > $4 ORDER BY starts_at LIMIT 1",
        {room->integer(0), who.account_id, now + kCheckInEarlyMs, now});
    if (!b) return make_error(Errc::conflict, "you have no booking for this room now");
    c.exec("UPDATE care_bookings SET status = 'checked_in', checked_in_at = $2 WHERE id = $1", {b->integer(0), now});
    out = *booking_in(c, b->integer(0));
    auto room_path = c.query_one("SELECT path FROM care_rooms WHERE id = $1", {out->room_id})->text(0);
    c.emit({"care.booking_changed", "care_booking:" + std::to_string(out->id), room_path, std::nullopt,
            "{\"booking_id\":" + std::to_string(out->id) + ",\"room_id\":" + std::to_string(out->room_id) +
                ",\"status\":\"checked_in\"}"});
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::vector<Booking>> Service::bookings(std::optional<int64_t> room_id, int64_t from, int64_t to,
                                               const Principal& who) {
  std::vector<Booking> out;
  Status st = ok_status();
  db_.read([&](store::Conn& c) {
    if (room_id) {
      auto room = room_in(c, *room_id);
      if (!room || !staff_over(who, room->path)) {
        st = make_error(Errc::not_found, "no such room", "room_id");
        return;
      }
      for (const auto& r : c.query(std::string("SELECT ") + kBookingColumns +
                                       " FROM care_bookings b JOIN care_rooms r ON r.id = b.room_id WHERE b.room_id = "
                                       "$1 AND b.starts_at >= $2 AND b.starts_at < $3 ORDER BY b.starts_at, b.id "
                                       "LIMIT 2000",
                                   {*room_id, from, to}))
        out.push_back(booking_of(r));
      return;
    }
    for (const auto& r : c.query(std::string("SELECT ") + kBookingColumns +
                                     " FROM care_bookings b JOIN care_rooms r ON r.id = b.room_id WHERE b.account_id = "
                                     "$1 AND b.starts_at >= $2 AND b.starts_at < $3 ORDER BY b.starts_at, b.id "
                                     "LIMIT 2000",
                                 {who.account_id, from, to}))
      out.push_back(booking_of(r));
  });
  if (!st.ok()) return st.error();
  return out;
}

}  // namespace mashang::care
