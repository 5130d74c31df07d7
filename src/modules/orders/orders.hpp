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
#include "core/crypto.hpp"
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
  std::optional<int64_t> report_id, reporter;  //!< the report it came from, and its reporter
  int64_t escalations = 0, reopens = 0;
  std::string hold_reason, rating_comment;
  int64_t version = 1, created_at = 0, updated_at = 0;
};

struct Step {
  int64_t id = 0, at = 0;
  std::optional<int64_t> account_id;
  std::string step, note, details_json;
};

//! A stored photo as reports and orders show it.
struct Photo {
  std::string id;  //!< the upload id
  int64_t width = 0, height = 0, thumb_width = 0, thumb_height = 0;
  std::string kind;  //!< "report" or "evidence" (attached); "" for a fresh upload
};

//! A fresh upload: the photo and the position read from its EXIF before it was dropped.
struct Upload {
  Photo photo;
  std::optional<std::pair<double, double>> gps;  //!< lat, lon
};

//! One answer to a category's extra question: one value, or several for a multivaluelist.
struct Answer {
  std::string code;
  std::vector<std::string> values;
  bool list = false;
};

//! A resident's report (随手拍).
struct Report {
  int64_t id = 0, category_id = 0;
  std::string category_code, description;
  std::optional<double> lat, lon;
  std::string path, status;  //!< status: triage, ordered, rejected
  std::optional<int64_t> order_id, reporter;
  std::optional<std::string> order_status, phone_masked;
  std::optional<int64_t> order_updated_at, order_due_at;
  std::string token, source;  //!< Open311 token; "app" or "open311:<client id>"
  std::vector<Answer> answers;
  std::vector<Photo> photos;
  std::string reject_reason;
  int64_t created_at = 0, updated_at = 0;
};

struct NewReport {
  std::string category_code, description;
  std::optional<double> lat, lon;
  std::optional<std::string> path;  //!< from a scanned code's place
  std::vector<std::string> photos;  //!< upload ids
  std::optional<int64_t> duplicate_of;
  std::optional<std::string> phone;  //!< anonymous reporters (optional from Open311 clients)
  std::vector<Answer> answers;
  std::string source = "app";  //!< or "open311:<client id>"
};

//! Open311 `GET requests` filters (all optional; ids override the rest).
struct RequestQuery {
  std::vector<int64_t> ids;
  std::vector<std::string> category_codes;
  int64_t start = 0, end = 0;  //!< created within [start, end], ms
  std::string status;          //!< "", "open" or "closed"
  int64_t offset = 0, limit = 1000;
};

//! An update of a report (Open311 servicerequestupdates): one step of its order.
struct Update {
  int64_t id = 0;  //!< the step's id
  int64_t report_id = 0, at = 0;
  std::string step, note;
};

struct ReportPage {
  std::vector<Report> items;
  std::optional<int64_t> next_after;
};

//! An unfinished order near a point (a possible duplicate of a new report).
struct Nearby {
  int64_t order_id = 0;
  std::string category_code, status;
  int64_t distance_m = 0, created_at = 0;
};

inline constexpr size_t kPhotosMax = 9;
inline constexpr double kNearbyMetres = 150;

struct NewOrder {
  std::string category_code, description;
  std::optional<double> lat, lon;   //!< WGS84; the grid comes from the point
  std::optional<std::string> path;  //!< or a territory path (a scanned code's place)
};

//! The staff's list of orders (all filters optional).
struct OrderQuery {
  std::string path;  //!< a place ("" = the caller's scopes)
  std::string status, category_code;
  bool overdue = false;           //!< past its deadline (open or claimed)
  bool escalated = false;         //!< missed a deadline at least once
  int64_t after = 0, limit = 50;  //!< newest first: ids below `after`
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
//! A category of personal services at a home (`care.*`: an elder's repair or utility check):
//! its reports are kept out of the public Open311 feed and Open311 clients cannot file one.
inline bool is_private_category(std::string_view code) { return code.starts_with("care."); }
//! The default catalogue for a Chinese district (市容环境, 道路设施, 绿化, 物业, 噪音, 消防通道,
//! 占道经营, 违章停车, …), in zh and en.
std::vector<Category> default_catalogue();

class Service {
 public:
  //! `grid_at` finds the grid (its territory path) of a point: the grids module's lookup.
  using GridAt = std::function<std::optional<std::string>(double lon, double lat)>;
  //! `place_of` finds the territory path of a scanned code's target (404/410 as the codes
  //! module answers them).
  using PlaceOf = std::function<Result<std::string>(const std::string& token)>;
  struct Options {
    std::string photos_dir;     //!< where photo files live (created when missing)
    int64_t reopen_hours = 72;  //!< how long after completion a reporter may reopen
  };
  Service(store::Db& db, const crypto::Keyring& keys, const Clock& clock, GridAt grid_at, PlaceOf place_of,
          Options options);
  ~Service();

  int64_t now_ms() const { return clock_.now_ms(); }
  //! The territory path of a scanned code's target (404/410 as the codes module answers).
  Result<std::string> place_of_code(const std::string& token) const { return place_of_(token); }

  //! Writes the default catalogue's categories that are missing (by code). Idempotent.
  Status seed_catalogue();
  std::vector<Category> categories(bool include_inactive = false);
  //! District admins write a category whole: a new code is added, a known one replaced
  //! (questions too). Deadlines apply from the next step of each order; `active` false hides
  //! it from reports and new orders. Audited. `created` tells which.
  Result<Category> put_category(Category c, const Principal& who, const std::string& ip, bool* created = nullptr);
  std::optional<Category> category(const std::string& code);

  //! 网格下单: staff create an order in their scope. The place is the point's grid (or the
  //! district queue when no grid contains it) or the given path.
  Result<Order> create(const NewOrder& in, const Principal& who);
  Result<std::pair<Order, std::vector<Step>>> get(int64_t id, const Principal& who);
  //! Orders the caller claimed, newest first (all statuses, or one).
  Result<OrderPage> mine(const Principal& who, const std::string& status, int64_t after, int64_t limit);
  //! Every order at the caller's places (or `q.path`), newest first: district admins, street
  //! and community staff and grid workers over them.
  Result<OrderPage> list(const OrderQuery& q, const Principal& who);
  //! The same orders (up to 100,000) as an .xlsx workbook.
  Result<std::string> export_xlsx(OrderQuery q, const Principal& who);
  //! Open orders the caller may claim, oldest first.
  Result<OrderPage> pool(const Principal& who, int64_t after, int64_t limit);
  //! Atomic: of any number of claimers at once exactly one gets the order; the others 409.
  Result<Order> claim(int64_t id, const Principal& who);
  //! The claimer gives the order back to the pool (a reason is required).
  Result<Order> give_back(int64_t id, const std::string& reason, const Principal& who);
  //! The claimer pauses the finish deadline with a reason, and resumes.
  Result<Order> hold(int64_t id, const std::string& reason, const Principal& who);
  Result<Order> resume(int64_t id, const Principal& who);
  //! The claimer reports it done with a note and evidence photos (upload ids of the claimer's;
  //! required when the category says so).
  Result<Order> complete(int64_t id, const std::string& note, const std::vector<std::string>& photos,
                         const Principal& who);
  //! The reporter or the staff over its place confirm a completed order, or send it back to
  //! its claimer with a note.
  Result<Order> verify(int64_t id, bool ok, const std::string& note, const Principal& who);
  //! 多多评: the reporter rates a completed or verified order 1–5 once; the order is closed.
  Result<Order> rate(int64_t id, int64_t stars, const std::string& comment, const Principal& who);
  //! The reporter reopens a finished order within `reopen_hours` of its completion.
  Result<Order> reopen(int64_t id, const std::string& reason, const Principal& who);
  //! The staff over its place or its claimer move an unfinished order to another place
  //! and/or category; it is open there.
  Result<Order> transfer(int64_t id, const std::optional<std::string>& path, const std::string& category_code,
                         const std::string& reason, const Principal& who);
  //! The photos of an order: every joined report's, then the evidence.
  std::vector<Photo> order_photos(int64_t id);

  //! Checks, re-encodes and stores one uploaded photo (`who` null: anonymous). Blocks for
  //! the decode (a few hundred ms); at most a few run at once.
  Result<Upload> upload(std::string_view bytes, const Principal* who);
  //! The stored JPEG (or its thumbnail) of an upload, for its uploader and whoever may see a
  //! report or order it is attached to; 404 for anyone else.
  Result<std::string> photo_file(const std::string& id, bool thumb, const Principal* who);
  //! Forgets uploads never attached within a day (rows, and files no upload refers to).
  void forget_unattached(int64_t now);

  //! 随手拍: a report from a resident (or anonymous with a phone). Makes its order at once,
  //! waits for triage, or joins an open order (`duplicate_of`).
  Result<Report> report(const NewReport& in, const Principal* who);
  Result<std::pair<Report, std::vector<Step>>> report_detail(int64_t id, const Principal& who);
  Result<ReportPage> my_reports(const Principal& who, int64_t after, int64_t limit);
  //! Reports at a place (the caller's scopes when `path` is empty) for the staff over it.
  Result<ReportPage> reports(const Principal& who, const std::string& status, const std::string& path, int64_t after,
                             int64_t limit);
  Result<std::vector<Nearby>> nearby(const std::string& category_code, double lat, double lon);
  //! Open311: reports by the filters, newest first (public fields only are for callers).
  std::vector<Report> service_requests(const RequestQuery& q);
  std::optional<Report> report_by_token(const std::string& token);
  //! Open311 servicerequestupdates: steps of reports' orders changed within [start, end].
  std::vector<Update> updates(int64_t start, int64_t end, int64_t limit);
  //! An outside system's update on a report (a comment from its reporter): a `commented` step.
  Result<Update> comment(int64_t report_id, const std::string& note, const std::string& source);
  //! Triage: accept (optionally correcting the category), reject with a reason, or merge into
  //! an unfinished order.
  Result<Report> accept(int64_t id, const std::string& category_code, const Principal& who);
  Result<Report> reject(int64_t id, const std::string& reason, const Principal& who);
  Result<Report> merge(int64_t id, int64_t order_id, const Principal& who);

  //! Fires every deadline passed at `now`: each overdue order climbs one level (once, even
  //! when several instances or threads run this at the same moment). Returns what moved.
  std::vector<Escalated> escalate_due(int64_t now);
  //! Runs escalate_due about once a second on a background thread until destruction.
  void start_escalator();

 private:
  Result<Order> transition(int64_t id, const Principal& who, const std::string& step, const std::string& note,
                           const std::function<Status(store::Conn&, Order&, int64_t now)>& change,
                           const std::string& details = "{}");

  Result<Report> triage(int64_t id, const Principal& who,
                        const std::function<Status(store::Conn&, Report&, int64_t now)>& decide);
  //! Marks the caller's fresh uploads attached (to a report, or an order as evidence).
  Status attach(store::Conn& c, const std::vector<std::string>& uploads, const Principal* who, const std::string& kind,
                std::optional<int64_t> report_id, std::optional<int64_t> order_id);
  Result<std::string> place_of_report(const NewReport& in);

  store::Db& db_;
  const crypto::Keyring& keys_;
  const Clock& clock_;
  GridAt grid_at_;
  PlaceOf place_of_;
  Options options_;
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
