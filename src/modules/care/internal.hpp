#pragma once
//! What care's sources share: who counts as staff over a place, paths, and the alarm's row.
//! Not part of the module's public API.
#include <optional>
#include <string>

#include "modules/care/care.hpp"

namespace mashang::care::detail {

//! The roles that look after elders (and so may be alerted, answer and see their data):
//! stewards, grid workers, community and street staff, district admins, doctors.
bool care_role(std::string_view role);
//! Staff who look after elders at a place: a grant of a care role covering `path`.
bool staff_over(const Principal& who, const std::string& path);
//! Care staff over `path` or at a place inside it (a building's steward, for its community).
bool staff_at(const Principal& who, const std::string& path);
//! Staff who manage a community's care (stewards, duty): community/street staff, district admins.
bool manager_over(const Principal& who, const std::string& path);
//! "/street/community" of a deeper path, and "/street".
std::optional<std::string> community_path(const std::string& path);
std::optional<std::string> street_path(const std::string& path);
//! The id of a path's n-th segment (1: street, 2: community).
std::optional<int64_t> segment_id(const std::string& path, int n);

//! The UTC+8 clock of the station's rooms and menus.
inline constexpr int64_t kDayMs = 86'400'000, kShiftMs = 8 * 3'600'000, kMinuteMs = 60'000;
//! The start (UTC ms) of the UTC+8 day holding `t`.
inline int64_t local_day_start(int64_t t) { return ((t + kShiftMs) / kDayMs) * kDayMs - kShiftMs; }
//! "YYYY-MM-DD" (UTC+8) → the day's start in UTC ms; and back.
std::optional<int64_t> day_of(const std::string& date);
std::string date_of(int64_t day_start);
//! "HH:MM" of a minute of the day.
std::string clock_text(int64_t minute);

//! Whose care a request is for: `person_id` for care staff over them (404 otherwise, `field`
//! person_id; the caller's own person passes too), or the caller's own person (403 when their
//! account is linked to none).
//! The community path of the caller's own home (none when their account is linked to no person).
std::optional<std::string> own_community(const Directory& dir, store::Conn& c, const Principal& who);

Result<Home> subject_in(const Directory& dir, store::Conn& c, const Principal& who, std::optional<int64_t> person_id);

//! Runs `fn` in a write transaction when it reveals personal data (it writes the audit
//! record), in a read otherwise.
Status read_or_reveal(store::Db& db, bool reveal, const std::function<Status(store::Conn&)>& fn);

//! Emergency contacts as sealed: one "name<TAB>relation<TAB>phone" a line; and back (phones
//! masked unless `reveal`).
std::string contacts_text(const std::vector<Contact>& v);
std::vector<Contact> contacts_of(const std::string& text, bool reveal);

//! The path of a street, community, grid, compound or building node (what lists are kept by).
std::optional<std::string> place_path(const Directory& dir, store::Conn& c, int64_t node_id);

extern const char* const kAlarmColumns;
Alarm alarm_of(const store::Row& r);
std::optional<Alarm> alarm_in(store::Conn& c, int64_t id);

//! A step of an alarm's timeline.
void step(store::Conn& c, int64_t alarm_id, int64_t at, const std::string& kind, int64_t level,
          std::optional<int64_t> account, const std::string& note);
//! The payload of a care.alarm_* event.
std::string alarm_event(const Alarm& a);

}  // namespace mashang::care::detail
