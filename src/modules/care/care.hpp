#pragma once
//! Elderly care 养老服务 and the one-key alarm 一键呼叫: a steward and a backup per building,
//! duty officers of communities and streets, elder profiles (health notes and emergency
//! contacts sealed), alarm devices, and alarms that escalate steward → backup → the
//! community's duty officers → everyone on duty in the street, each step on its own deadline,
//! until someone acknowledges. Deadlines are data, so a restart fires them on time; every step
//! is in the alarm's timeline, the event log (the live stream) and the notification outbox.
//! Public API of the module.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::notify {
class Service;
}

namespace mashang::care {

inline constexpr int64_t kPageSizeMax = 200;
inline constexpr int64_t kLevelTop = 3;  //!< everyone on duty in the street
inline constexpr size_t kContactsMax = 5;

//! Where a person lives, as the registry knows it.
struct Home {
  int64_t person_id = 0, household_id = 0, building_id = 0, floor = 0;
  std::string name, address, path;  //!< path: the building's
  std::optional<std::string> phone_masked, phone_sealed;
};

//! An account, as care needs it to alert and name people.
struct Member {
  int64_t id = 0;
  std::string display_name;
  bool active = false;
  std::vector<Grant> grants;
};

//! A door code as scanned: the household it hangs on.
struct Door {
  int64_t code_id = 0, household_id = 0;
  std::string path;  //!< the building's
};

//! A work order made for a home service, as the orders module tells it.
struct ServiceOrder {
  int64_t report_id = 0;
  std::string token;
  std::optional<int64_t> order_id, order_due_at;
  std::optional<std::string> order_status;
};

//! Where care meets the rest of the system (wired in app/wiring.cpp), on the caller's connection.
struct Directory {
  std::function<std::optional<Home>(store::Conn&, int64_t person_id)> home;
  std::function<std::optional<int64_t>(store::Conn&, int64_t account_id)> person_of;
  std::function<std::optional<int64_t>(store::Conn&, int64_t person_id)> account_of;
  std::function<std::optional<Member>(store::Conn&, int64_t account_id)> member;
  //! A territory node's path when it is of `kind` (building, community, street).
  std::function<std::optional<std::string>(store::Conn&, int64_t node_id, const std::string& kind)> node_path;
  //! A scanned code (outside any transaction; the codes module logs the scan): the household
  //! of a door code, or why not (404 unknown, 410 retired, 422 not a household's door).
  std::function<Result<Door>(const std::string& token, const Principal& who)> door;
  //! A scanned code of a function room (outside any transaction): its place's id.
  std::function<Result<int64_t>(const std::string& token, const Principal& who)> room_place;
  //! A function_room place the caller may see (outside any transaction): its territory path.
  std::function<Result<std::string>(int64_t place_id, const Principal& who)> room_place_path;
  //! How many days ahead a person may book (their points tier; outside any transaction).
  std::function<int64_t(int64_t person_id)> booking_days;
  //! The active accounts holding a role over a path (the doctors over a building).
  std::function<std::vector<int64_t>(store::Conn&, const std::string& role, const std::string& path)> holders;
  //! Files a home service as a report of an orders category at a building, by the caller
  //! (outside any transaction; the orders module makes its order in the pool).
  std::function<Result<ServiceOrder>(const std::string& category, const std::string& description,
                                     const std::string& path, const Principal& who)>
      file_report;
  //! A filed report's order as it stands now (outside any transaction).
  std::function<std::optional<ServiceOrder>(const std::string& report_token)> report_state;
};

//! A function room of the community's elder-care station.
struct Room {
  int64_t id = 0, community_id = 0;
  std::string path, name;
  std::optional<int64_t> place_id;
  int64_t capacity = 1, slot_minutes = 60, opens = 480, closes = 1260;  //!< minutes of the day, UTC+8
  std::string days = "1234567";                                         //!< ISO weekdays open
  bool active = true;
  int64_t created_at = 0, updated_at = 0;
};

struct RoomChange {
  std::string name;
  int64_t capacity = 1, slot_minutes = 60, opens = 480, closes = 1260;
  std::string days = "1234567";
  std::optional<int64_t> place_id;
  bool active = true;
};

struct Slot {
  int64_t starts_at = 0, ends_at = 0, capacity = 0, booked = 0;
  bool bookable = false;
  std::string why_not;  //!< full | past | window (beyond the caller's booking window)
};

struct Booking {
  int64_t id = 0, room_id = 0, person_id = 0, account_id = 0, starts_at = 0, ends_at = 0;
  std::string status;  //!< booked | cancelled | checked_in
  std::string room_name;
  int64_t created_at = 0;
  std::optional<int64_t> cancelled_at, checked_in_at;
};

//! A dish of a day's menu.
struct MenuItem {
  int64_t id = 0;  //!< 0: a new dish (in a change)
  std::string name;
  int64_t price_fen = 0, portions = 1, ordered = 0;
};

//! A community's menu for a day (助餐).
struct Menu {
  int64_t id = 0, community_id = 0;
  std::string path, date;  //!< date: YYYY-MM-DD, UTC+8
  int64_t cutoff_at = 0;
  bool pickup = true, delivery = false;
  std::string note;
  bool open = false;  //!< before the cut-off
  std::vector<MenuItem> items;
  int64_t created_at = 0, updated_at = 0;
};

struct MenuChange {
  std::string date;  //!< only when adding
  std::optional<int64_t> cutoff_at;
  bool pickup = true, delivery = false;
  std::string note;
  std::vector<MenuItem> items;
};

struct MealLine {
  int64_t item_id = 0, qty = 0;
  std::string name;
  int64_t price_fen = 0;
};

//! A person's order from a menu.
struct Meal {
  int64_t id = 0, menu_id = 0;
  std::string date;
  int64_t person_id = 0;
  std::string person_name;
  int64_t placed_by = 0;
  std::string mode, note, status;  //!< mode: pickup | delivery; status: ordered | cancelled | served
  std::vector<MealLine> items;
  int64_t total_fen = 0;
  std::optional<std::string> address;  //!< the staff's list, for a delivery
  std::optional<int64_t> floor;
  int64_t created_at = 0;
  std::optional<int64_t> cancelled_at, served_at;
};

struct NewMeal {
  int64_t menu_id = 0;
  std::string mode, note;
  std::vector<MealLine> items;  //!< item_id and qty
  std::optional<int64_t> person_id;
};

//! What the kitchen cooks for a menu.
struct KitchenLine {
  int64_t item_id = 0;
  std::string name;
  int64_t portions = 0, total = 0, pickup = 0, delivery = 0;
};

struct Kitchen {
  int64_t menu_id = 0;
  std::string date;
  std::vector<KitchenLine> items;
  int64_t orders = 0, pickup = 0, delivery = 0, served = 0;
};

//! A doctor consultation (问诊): the topic and notes sealed, masked unless revealed.
struct Consultation {
  int64_t id = 0, person_id = 0;
  std::string person_name, path, mode, status;  //!< mode: online | clinic | home
  std::optional<std::string> topic, notes;
  bool revealed = false;
  int64_t requested_by = 0;
  std::string requested_by_name;
  std::optional<int64_t> preferred_at, doctor_id;
  std::optional<std::string> doctor_name;
  std::optional<int64_t> scheduled_at;
  std::string cancel_reason;
  int64_t created_at = 0, updated_at = 0;
  std::optional<int64_t> closed_at;
};

struct NewConsultation {
  std::string mode, topic;
  std::optional<int64_t> person_id, preferred_at;
};

//! A repair or utility check at an elder's home, filed as a work order.
struct HomeService {
  int64_t id = 0, person_id = 0;
  std::string person_name, kind, description;
  int64_t report_id = 0;
  std::optional<int64_t> order_id, order_due_at;
  std::optional<std::string> order_status;
  std::string address;
  int64_t floor = 0, requested_by = 0, created_at = 0;
};

struct NewHomeService {
  std::string kind, description;
  std::optional<int64_t> person_id;
};

//! A visit at an elder's door.
struct Visit {
  int64_t id = 0, person_id = 0, household_id = 0, code_id = 0, visited_by = 0;
  std::string path, note, visitor_name;
  std::optional<int64_t> systolic, diastolic, pulse;
  std::optional<bool> water_ok, power_ok, gas_ok;
  std::vector<std::string> flags;  //!< what was out of range or not working
  int64_t at = 0;
};

struct NewVisit {
  std::string token;                 //!< the household's door code, as scanned
  std::optional<int64_t> person_id;  //!< which elder of the household (none: the only one)
  std::string note;
  std::optional<int64_t> systolic, diastolic, pulse;
  std::optional<bool> water_ok, power_ok, gas_ok;
};

//! An elder whose visits are planned, and when the next is due.
struct VisitDue {
  int64_t person_id = 0;
  std::string name, address, path;
  int64_t visit_every_days = 7;
  std::optional<int64_t> last_visit_at;
  int64_t due_at = 0;  //!< the last visit (or the profile) + the plan
  bool overdue = false;
};

struct Assignment {
  int64_t building_id = 0;
  std::string path;
  int64_t steward_id = 0;
  std::optional<int64_t> backup_id;
  std::string steward_name, backup_name;
  int64_t updated_at = 0;
};

struct Duty {
  int64_t id = 0, node_id = 0;
  std::string path;
  int64_t account_id = 0;
  std::string account_name;
  int64_t starts_at = 0, ends_at = 0, created_at = 0;
};

struct Device {
  int64_t id = 0, person_id = 0;
  std::string label;
  std::string token;  //!< only when just made: shown once, stored as a hash
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
};

struct Contact {
  std::string name, relation, phone;  //!< phone masked unless revealed
};

//! An elder's profile: personal data, sealed at rest, masked unless revealed (audited).
struct Profile {
  int64_t person_id = 0;
  std::optional<std::string> health_notes;  //!< null when masked
  std::vector<Contact> contacts;
  int64_t visit_every_days = 7;
  bool revealed = false;
  int64_t updated_at = 0;
};

struct ProfileChange {
  std::string health_notes;
  std::vector<Contact> contacts;
  int64_t visit_every_days = 7;
};

struct Alarm {
  int64_t id = 0, person_id = 0, household_id = 0, building_id = 0, community_id = 0;
  std::string path;
  std::string source;  //!< button | device | staff
  std::optional<int64_t> device_id;
  bool drill = false;
  std::string status;  //!< open | acknowledged | arrived | closed
  int64_t level = 0, round = 0, presses = 1;
  std::optional<int64_t> due_at, acknowledged_by, acknowledged_at, arrived_at;
  std::optional<std::string> outcome;  //!< resolved | false_alarm | hospital | other
  std::string note;
  std::optional<int64_t> closed_by, closed_at, created_by;
  int64_t created_at = 0;
  bool joined = false;  //!< this press joined an alarm that was open already
};

struct Step {
  int64_t id = 0, at = 0;
  std::string kind;  //!< raised | pressed | alerted | skipped | escalated | acknowledged | arrived | closed
  int64_t level = 0;
  std::optional<int64_t> account_id;
  std::string account_name, note;
};

//! What a responder sees: the alarm, where to go, whom to call, and the whole timeline.
struct AlarmView {
  Alarm alarm;
  std::string name, address;
  int64_t floor = 0;
  std::optional<std::string> phone;  //!< masked unless revealed
  std::optional<Profile> profile;
  std::vector<Step> timeline;
};

class Service {
 public:
  struct Options {
    int64_t ack_ms = 60'000;   //!< the steward's deadline to acknowledge
    int64_t step_ms = 60'000;  //!< each later level's deadline
  };
  //! `outbox` (may be null in tests) receives a message for every account alerted.
  Service(store::Db& db, const Clock& clock, const crypto::Keyring& keys, Directory dir, notify::Service* outbox,
          Options o);
  ~Service();

  // -- the alarm --------------------------------------------------------------------------
  //! The elder presses (their account linked to their person), or staff over the elder start
  //! a drill for them (`person_id`). A press while an alarm is open joins it (joined = true).
  Result<Alarm> raise(const Principal& who, bool drill, std::optional<int64_t> person_id);
  //! A device posts with its token: 401 for an unknown token, 403 for a revoked one.
  Result<Alarm> raise_by_device(const std::string& token, bool drill);
  //! Someone alerted (or staff over the building) owns the alarm: escalation stops.
  Result<Alarm> acknowledge(int64_t id, const Principal& who);
  //! The responder is there.
  Result<Alarm> arrive(int64_t id, const Principal& who);
  //! Closed with an outcome (resolved, false_alarm, hospital, other) and a note.
  Result<Alarm> close(int64_t id, const std::string& outcome, const std::string& note, const Principal& who);
  //! The alarm for its elder, those alerted and staff over the building; `reveal` opens the
  //! phone, health notes and contacts (responders and staff only; audited).
  Result<AlarmView> alarm(int64_t id, bool reveal, const Principal& who, const std::string& ip);
  //! Alarms the caller may see (a community's or street's for staff over it; the caller's own
  //! person's; those they were alerted to), newest first. `state`: "" any, active, closed.
  Result<std::vector<Alarm>> alarms(std::optional<int64_t> node, const std::string& state, std::optional<bool> drill,
                                    int64_t before, int64_t limit, const Principal& who);
  //! Fires every deadline passed at `now`: each alarm climbs one level (or re-alerts the top
  //! level), exactly once whatever runs at the same time. Returns how many moved.
  int64_t escalate_due(int64_t now);
  //! Runs escalate_due on a thread of its own, waking for the next deadline (and
  //! notify_overdue on another, once a minute).
  void start_escalator();
  void stop_escalator();

  // -- who answers ------------------------------------------------------------------------
  //! Community staff over a building (and district admins) name its steward and backup.
  Result<Assignment> assign(int64_t building_id, int64_t steward_id, std::optional<int64_t> backup_id,
                            const Principal& who);
  //! Buildings' stewards under a node (staff over it), or where the caller is steward or backup.
  Result<std::vector<Assignment>> assignments(std::optional<int64_t> node, const Principal& who);
  Result<Duty> add_duty(int64_t node_id, int64_t account_id, int64_t starts_at, int64_t ends_at, const Principal& who);
  Result<std::vector<Duty>> duties(int64_t node_id, int64_t from, int64_t to, const Principal& who);
  Status remove_duty(int64_t id, const Principal& who);

  // -- visits ------------------------------------------------------------------------------
  //! Care staff over the household record a visit by its door code. Readings out of range
  //! (blood pressure ≥ 140/90 or ≤ 90/60, pulse > 100 or < 50) and failed checks are flagged;
  //! `care.visit_recorded` tells the building's staff that a visit happened (not what it found).
  Result<Visit> record_visit(const NewVisit& in, const Principal& who);
  //! A person's visits, newest first: staff over them, or the elder.
  Result<std::vector<Visit>> visits(int64_t person_id, int64_t before, int64_t limit, const Principal& who);
  //! Elders with a profile under a node (staff over it), by when their next visit is due;
  //! `overdue_only` keeps those past due. Without a node: the buildings where the caller is
  //! steward or backup (the steward's "my elders").
  Result<std::vector<VisitDue>> visits_due(std::optional<int64_t> node_id, bool overdue_only, const Principal& who);
  //! Tells each overdue elder's steward once per due date. The escalator's thread
  //! calls it once a minute; returns how many were told.
  int64_t notify_overdue(int64_t now);

  // -- the station's rooms ----------------------------------------------------------------
  //! Community staff over a community (and street staff, district admins) keep its rooms.
  Result<Room> add_room(int64_t community_id, const RoomChange& in, const Principal& who);
  Result<Room> change_room(int64_t id, const RoomChange& in, const Principal& who);
  //! A community's rooms: staff over it see all; residents their own community's open ones
  //! (`community_id` optional for them).
  Result<std::vector<Room>> rooms(std::optional<int64_t> community_id, const Principal& who);
  //! The slots of a day ("YYYY-MM-DD", UTC+8) with what is left, and whether the caller may book.
  Result<std::vector<Slot>> slots(int64_t room_id, const std::string& date, const Principal& who);
  //! A resident books a slot of a room of their community: at its start, in opening hours,
  //! within their booking window (points tier), once, while the slot has room.
  Result<Booking> book(int64_t room_id, int64_t starts_at, const Principal& who);
  //! The booker (or staff over the room) cancels before the slot begins: the place is free again.
  Result<Booking> cancel_booking(int64_t id, const Principal& who);
  //! The booker scans the room's code: their booking for now (from 15 minutes before) checks in.
  Result<Booking> check_in(const std::string& token, const Principal& who);
  //! The caller's own bookings, or a room's for staff over it, from `from` to `to`.
  Result<std::vector<Booking>> bookings(std::optional<int64_t> room_id, int64_t from, int64_t to, const Principal& who);

  // -- meals ---------------------------------------------------------------------------------
  //! Community or street staff over a community (and district admins) publish a day's menu.
  Result<Menu> add_menu(int64_t community_id, const MenuChange& in, const Principal& who);
  //! Dishes with an id are kept, without one added, left out withdrawn (none with orders).
  Result<Menu> change_menu(int64_t id, const MenuChange& in, const Principal& who);
  //! A community's menus from `from` to `to` ("" for today and the 6 after): staff over it, or a
  //! resident of it.
  Result<std::vector<Menu>> menus(std::optional<int64_t> community_id, const std::string& from, const std::string& to,
                                  const Principal& who);
  Result<Menu> menu(int64_t id, const Principal& who);
  Result<Kitchen> kitchen(int64_t menu_id, const Principal& who);
  //! A resident orders for their person, care staff for an elder: before the cut-off, never
  //! past a dish's portions.
  Result<Meal> order_meal(const NewMeal& in, const Principal& who);
  Result<Meal> cancel_meal(int64_t id, const Principal& who);
  Result<Meal> serve_meal(int64_t id, const Principal& who);
  //! A menu's orders (staff over it, with delivery addresses), or the caller's own.
  Result<std::vector<Meal>> meals(std::optional<int64_t> menu_id, const Principal& who);

  // -- consultations ----------------------------------------------------------------------------
  //! The elder, or care staff for an elder, asks for a doctor; every doctor over the elder's
  //! building is told at once (the 24-hour online consultation included).
  Result<Consultation> consult(const NewConsultation& in, const Principal& who);
  Result<Consultation> schedule_consultation(int64_t id, int64_t at, const Principal& who);
  Result<Consultation> complete_consultation(int64_t id, const std::string& notes, const Principal& who);
  Result<Consultation> cancel_consultation(int64_t id, const std::string& reason, const Principal& who);
  //! Under a node for care staff over it; without one, the caller's own, asked for, or scheduled.
  Result<std::vector<Consultation>> consultations(std::optional<int64_t> node_id, const std::string& state,
                                                  const Principal& who);
  //! Masked; `reveal`: the elder's own, or a doctor over the elder (audited).
  Result<Consultation> consultation(int64_t id, bool reveal, const Principal& who, const std::string& ip);

  // -- home services ------------------------------------------------------------------------------
  //! The elder, or care staff for an elder, files a repair or utility check as a work order.
  Result<HomeService> request_home_service(const NewHomeService& in, const Principal& who);
  //! An elder's (staff over them, or the elder), an order's (staff over its elder), or the caller's own.
  Result<std::vector<HomeService>> home_services(std::optional<int64_t> person_id, std::optional<int64_t> order_id,
                                                 const Principal& who);

  // -- elders and their devices -------------------------------------------------------------
  Result<Profile> put_profile(int64_t person_id, const ProfileChange& in, const Principal& who, const std::string& ip);
  //! Masked; or, with a `reveal_reason` (4–200 characters, one line), unmasked and audited with
  //! it (staff over the elder; the elder reads their own without a reason).
  Result<Profile> profile(int64_t person_id, const std::optional<std::string>& reveal_reason, const Principal& who,
                          const std::string& ip);
  Result<Device> add_device(int64_t person_id, const std::string& label, const Principal& who);
  Result<std::vector<Device>> devices(int64_t person_id, const Principal& who);
  Result<Device> revoke_device(int64_t id, const Principal& who);

 private:
  //! A room's place, when named, is a function room inside the community (422 otherwise).
  Status room_place_ok(const RoomChange& in, const std::string& community_path, const Principal& who);
  Result<Alarm> raise_in(store::Conn& c, int64_t person_id, bool drill, const std::string& source,
                         std::optional<int64_t> device_id, std::optional<int64_t> by, int64_t now);
  //! Alerts the accounts of `level` (skipping levels with nobody, up to the top), sets the
  //! deadline, writes the steps, events and messages.
  void alert_in(store::Conn& c, Alarm& a, int64_t now);
  std::vector<int64_t> targets_in(store::Conn& c, const Alarm& a, int64_t level, int64_t now);
  Result<Alarm> change(int64_t id, const Principal& who,
                       const std::function<Status(store::Conn&, Alarm&, int64_t now)>& fn);
  bool responder_in(store::Conn& c, const Alarm& a, const Principal& who);
  //! A consultation's change by `fn` (it sets the status and fields), for a doctor over the
  //! elder (`doctor_only`) or, for a cancel, the elder and whoever asked too.
  Result<Consultation> consultation_step(int64_t id, const Principal& who, bool doctor_only,
                                         const std::function<Status(store::Conn&, Consultation&)>& fn);
  void wake_escalator();

  store::Db& db_;
  const Clock& clock_;
  const crypto::Keyring& keys_;
  Directory dir_;
  notify::Service* outbox_;
  Options opt_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, woken_ = false;
  std::thread escalator_, planner_;
};

}  // namespace mashang::care
