#pragma once
//! Work orders (网格下单、全员抢单): a catalogue of problem categories; orders that any eligible
//! worker claims first-come (exactly one claimer wins under any concurrency); deadlines kept
//! as data, so a missed one escalates the order grid → community → street → district exactly
//! once, whatever restarts in between; every step in the order's timeline and the event log.
//! Public API of the module; other modules use only this header.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "store/db.hpp"

namespace mashang::orders {

inline constexpr std::string_view kLevels[] = {"grid", "community", "street", "district"};
inline constexpr int64_t kPageSizeMax = 200;
inline constexpr size_t kDescriptionMax = 4000;  //!< characters, as Open311

//! An extra question of a category (an Open311 attribute).
struct Question {
  std::string code, label_zh, label_en;
  std::string datatype;  //!< string, number, datetime, text, singlevaluelist, multivaluelist
  bool required = false;
  std::vector<std::pair<std::string, std::string>> values;  //!< key → name, for the lists
};

struct Category {
  int64_t id = 0;
  std::string code, name_zh, name_en, group;
  int64_t claim_minutes = 30, finish_minutes = 24 * 60;
  std::vector<std::string> claim_roles;  //!< who may claim (roles), e.g. grid_worker
  std::vector<std::string> departments;  //!< organisation kinds that may also claim
  bool photos_required = false, triage = false, active = true;
  std::vector<Question> questions;
  int64_t updated_at = 0;
};

struct Order {
  int64_t id = 0, category_id = 0;
  std::string category_code, description;
  std::optional<double> lat, lon;
  std::string origin_path, path, level, status;
  std::optional<int64_t> created_by, claimed_by, claimed_at, due_at, completed_at, rating;
  int64_t escalations = 0;
  std::string hold_reason, rating_comment;
  int64_t version = 1, created_at = 0, updated_at = 0;
};

struct Step {
  int64_t id = 0, at = 0;
  std::optional<int64_t> account_id;
  std::string step, note, details_json;
};

struct NewOrder {
  std::string category_code, description;
  std::optional<double> lat, lon;   //!< WGS84; the grid comes from the point
  std::optional<std::string> path;  //!< or a territory path (a scanned code's place)
};

struct OrderPage {
  std::vector<Order> items;
  std::optional<int64_t> next_after;
};

//! Which deadline an escalation answered.
struct Escalated {
  int64_t order_id = 0;
  std::string from_level, to_level;
  bool unclaimed = true;  //!< false: claimed and not finished in time
};

//! The level of a territory path: "/" district, "/s" street, "/s/c" community, deeper grid.
std::string_view level_of(std::string_view path);
//! The path one level up ("/s/c/g" → "/s/c", "/s" → "/"); "/" stays "/".
std::string parent_level_path(std::string_view path);
//! The default catalogue for a Chinese district (市容环境, 道路设施, 绿化, 物业, 噪音, 消防通道,
//! 占道经营, 违章停车, …), in zh and en.
std::vector<Category> default_catalogue();

class Service {
 public:
  //! `grid_at` finds the grid (its territory path) of a point: the grids module's lookup.
  using GridAt = std::function<std::optional<std::string>(double lon, double lat)>;
  Service(store::Db& db, const Clock& clock, GridAt grid_at) : db_(db), clock_(clock), grid_at_(std::move(grid_at)) {}
  ~Service();

  //! Writes the default catalogue's categories that are missing (by code). Idempotent.
  Status seed_catalogue();
  std::vector<Category> categories(bool include_inactive = false);
  std::optional<Category> category(const std::string& code);

  //! 网格下单: staff create an order in their scope. The place is the point's grid (or the
  //! district queue when no grid contains it) or the given path.
  Result<Order> create(const NewOrder& in, const Principal& who);
  Result<std::pair<Order, std::vector<Step>>> get(int64_t id, const Principal& who);
  //! Orders the caller claimed, newest first (all statuses, or one).
  Result<OrderPage> mine(const Principal& who, const std::string& status, int64_t after, int64_t limit);
  //! Open orders the caller may claim, oldest first.
  Result<OrderPage> pool(const Principal& who, int64_t after, int64_t limit);
  //! Atomic: of any number of claimers at once exactly one gets the order; the others 409.
  Result<Order> claim(int64_t id, const Principal& who);
  //! The claimer gives the order back to the pool (a reason is required).
  Result<Order> give_back(int64_t id, const std::string& reason, const Principal& who);
  //! The claimer pauses the finish deadline with a reason, and resumes.
  Result<Order> hold(int64_t id, const std::string& reason, const Principal& who);
  Result<Order> resume(int64_t id, const Principal& who);
  //! The claimer reports it done with a note (evidence photos arrive with reports).
  Result<Order> complete(int64_t id, const std::string& note, const Principal& who);

  //! Fires every deadline passed at `now`: each overdue order climbs one level (once, even
  //! when several instances or threads run this at the same moment). Returns what moved.
  std::vector<Escalated> escalate_due(int64_t now);
  //! Runs escalate_due about once a second on a background thread until destruction.
  void start_escalator();

 private:
  Result<Order> transition(int64_t id, const Principal& who, const std::string& step, const std::string& note,
                           const std::function<Status(store::Conn&, Order&, int64_t now)>& change);

  store::Db& db_;
  const Clock& clock_;
  GridAt grid_at_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread escalator_;
};

//! Whether the caller may claim orders of `c` at `path` (a claim role held on a scope that
//! covers the path, or lies below it: escalation widens who sees an order).
bool may_claim(const Principal& who, const Category& c, std::string_view path);
//! Staff who may create orders at `path` and see every order there.
bool may_dispatch(const Principal& who, std::string_view path);

}  // namespace mashang::orders
