#pragma once
//! Codes (一户一码, 二维码+): a signed token for any target — a household's door, a building,
//! a compound, a stall or room — that answers each caller with what they may see and do
//! there; check-ins by scanning; the scan log; printable sheets of plates. The contract is
//! docs/reference/codes.md. Public API of the module; other modules use only this header.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"
#include "modules/registry/registry.hpp"
#include "modules/territory/territory.hpp"
#include "store/db.hpp"

namespace mashang::codes {

inline constexpr size_t kTokenChars = 24;
inline constexpr int64_t kPageSizeMax = 200;
inline constexpr int64_t kCheckinWindowMs = 5 * 60 * 1000;  //!< a repeat within it is the same check-in
inline constexpr int64_t kMintBatch = 1000;                 //!< codes issued per transaction when printing
inline constexpr int64_t kPrintLimitMax = 100000;
inline constexpr std::string_view kPlaceKinds[] = {"stall", "facility", "function_room", "checkpoint"};
inline constexpr std::string_view kPurposes[] = {"visit", "patrol", "attendance", "shift", "inspection", "check_in"};

struct Code {
  int64_t id = 0;
  std::string token, kind;
  int64_t target_id = 0;
  std::string number;  //!< "XXXX-XXX", Crockford base32 of the id with a check symbol
  std::string label;   //!< the household's address, the node's or place's name
  std::string path;    //!< the target's territory path
  std::string status;  //!< "active", "revoked", "rotated"
  int64_t created_at = 0;
  std::optional<int64_t> retired_at;
};

struct Place {
  int64_t id = 0, node_id = 0;
  std::string kind, name, operator_name, path;
  int64_t created_at = 0, updated_at = 0;
};

//! What the module owning a kind says about one of its targets.
struct Target {
  std::string path;            //!< territory path: who is "in scope"
  std::string label;           //!< for staff and members
  std::string public_label;    //!< for anyone (a household: its building's name, never the room)
  std::optional<Place> place;  //!< places show themselves to anyone
};

struct NodeRef {
  int64_t id = 0;
  std::string name;
};

struct Resolution {
  Code code;
  std::string view = "public";  //!< "public", "member", "staff"
  std::optional<NodeRef> community, grid;
  std::string label;
  struct Household {
    int64_t id = 0;
    std::string address;
    std::optional<std::vector<registry::Person>> persons;  //!< staff only, masked
  };
  std::optional<Household> household;
  struct NodeCard {
    int64_t id = 0;
    std::string kind, name;
    int64_t households = 0;
  };
  std::optional<NodeCard> node;
  std::optional<Place> place;
  std::vector<std::string> actions;  //!< "report_problem", "check_in", "record_visit", …
};

//! A kind of target, registered by the module that owns the targets. `find` runs inside a
//! read transaction; `view` upgrades a public resolution for a signed-in caller (sets
//! `view`, `label`, adds cards and actions) and may read through its module's public API.
struct KindSpec {
  std::string name;
  std::function<std::optional<Target>(store::Conn&, int64_t target_id)> find;
  std::function<void(Resolution&, const Target&, const Principal&)> view;
};

struct CodeQuery {
  std::optional<int64_t> node, target_id;  //!< target_id: one target's code (with kind)
  std::string kind, number;
  int64_t after = 0, limit = 50;
};
struct CodePage {
  std::vector<Code> items;
  std::optional<int64_t> next_after;
};

struct NewCheckin {
  std::string purpose = "check_in";
  std::optional<double> lat, lon, accuracy_m;
};
struct Checkin {
  int64_t id = 0;
  std::string number, kind;
  int64_t account_id = 0;
  std::string purpose;
  std::optional<double> lat, lon, accuracy_m;
  int64_t at = 0;
};
struct CheckinPage {
  std::vector<Checkin> items;
  std::optional<int64_t> next_after;
};

struct Stats {
  std::optional<int64_t> node_id;
  int64_t days = 14;
  struct Day {
    std::string day;  //!< "YYYY-MM-DD", China Standard Time
    int64_t public_scans = 0, member_scans = 0, staff_scans = 0;
  };
  std::vector<Day> by_day;
  std::vector<std::pair<std::string, int64_t>> by_kind;
  struct Top {
    Code code;
    int64_t scans = 0;
  };
  std::vector<Top> top;
};

struct PlaceChange {
  std::optional<std::string> name, operator_name;
};
struct PlacePage {
  std::vector<Place> items;
  std::optional<int64_t> next_after;
};

struct PrintJob {
  int64_t id = 0, account_id = 0, node_id = 0;
  std::string layout, status;
  std::optional<int64_t> limit;
  int64_t done = 0, total = 0, pages = 0;
  std::string error;
  int64_t created_at = 0, updated_at = 0;
};
struct PrintJobPage {
  std::vector<PrintJob> items;
  std::optional<int64_t> next_after;
};
struct Printed {
  int64_t plates = 0, pages = 0;
};
//! Progress of writing a sheet: plates so far of all.
using Progress = std::function<void(int64_t done, int64_t total)>;

//! Resolution outcomes, for /metrics.
struct Counters {
  std::atomic<uint64_t> ok{0}, not_found{0}, gone{0}, scans_dropped{0};
};

class Service {
 public:
  //! `base_url` is what printed codes point at ("{base_url}/c/{token}"); finished sheets go
  //! to `prints_dir`. Registers the built-in kinds (household, building, compound, places).
  Service(store::Db& db, const crypto::Keyring& keys, const Clock& clock, territory::Service& territory,
          registry::Service& registry, std::string base_url, std::string prints_dir);
  ~Service();  // flushes the scan log, stops the print worker

  //! Registers a kind (once per name, before serving).
  void add_kind(KindSpec spec);
  std::string url_of(const std::string& token) const { return base_url_ + "/c/" + token; }

  //! What `who` (nullptr: anonymous) may see and do at the code. 404 for a token that does
  //! not verify or was never issued, 410 for a retired one. Logged in the scan log.
  Result<Resolution> resolve(std::string_view token, const Principal* who);
  //! True when the code's resolution is in memory (resolve will not touch the database for
  //! an anonymous caller).
  bool cached(std::string_view token);
  //! Only the 404/410 decision of resolve, not logged (for `GET /c/{token}`).
  Status check(std::string_view token);

  //! The target's active code, issued first when it has none (`created` tells which).
  Result<Code> issue(const std::string& kind, int64_t target_id, const Principal& who, const std::string& ip,
                     bool* created = nullptr);
  Result<Code> revoke(std::string_view token, const std::string& reason, const Principal& who, const std::string& ip);
  //! Retires the code and issues its target a new one (returned).
  Result<Code> rotate(std::string_view token, const std::string& reason, const Principal& who, const std::string& ip);
  Result<CodePage> list(const CodeQuery& q, const Principal& who);
  //! An active code the caller may list (for rendering it).
  Result<Code> active(std::string_view token, const Principal& who);

  Result<std::pair<Checkin, bool>> check_in(std::string_view token, const NewCheckin& in, const Principal& who);
  Result<CheckinPage> checkins(std::string_view token, int64_t after, int64_t limit, const Principal& who);
  Result<Stats> stats(std::optional<int64_t> node, int64_t days, const Principal& who);

  Result<PlacePage> places(std::optional<int64_t> node, const std::string& kind, int64_t after, int64_t limit,
                           const Principal& who);
  Result<Place> place(int64_t id, const Principal& who);
  Result<Place> create_place(int64_t node_id, const std::string& kind, const std::string& name,
                             const std::string& operator_name, const Principal& who, const std::string& ip);
  Result<Place> update_place(int64_t id, const PlaceChange& in, const Principal& who, const std::string& ip);

  //! Printing through the background worker (HTTP).
  Result<PrintJob> start_print(int64_t node_id, const std::string& layout, std::optional<int64_t> limit,
                               const Principal& who, const std::string& ip);
  Result<PrintJob> print_job(int64_t id, const Principal& who);
  Result<PrintJobPage> print_jobs(int64_t after, int64_t limit, const Principal& who);
  Result<PrintJob> cancel_print(int64_t id, const Principal& who);
  //! The finished PDF's path.
  Result<std::string> print_file(int64_t id, const Principal& who);
  //! At server start: jobs left queued or running are marked failed, their partial files removed.
  void recover();
  //! Writes a sheet directly (CLI, benchmarks): the door plates of the households under
  //! `node_id` (or the stickers of its places) to `out` through `out.part`; `who` must be
  //! a code manager there. `cancel` set stops it (the partial file removed).
  Result<Printed> print_to_file(int64_t node_id, const std::string& layout, std::optional<int64_t> limit,
                                const std::string& out, const Principal& who, const Progress& progress = {},
                                const std::atomic<bool>* cancel = nullptr);

  //! Issues a code to every household and place under `node_id` that has none (in
  //! transactions of kMintBatch); the number issued. Code managers only.
  Result<int64_t> issue_all(int64_t node_id, const Principal& who);

  //! Writes the buffered scan log now (also done once a second by a background thread).
  void flush_scans();
  //! Forgets cached codes (after changes committed elsewhere: another instance, renames).
  void invalidate();
  //! True for committed event types after which cached resolutions may be stale.
  static bool affects_cache(std::string_view event_type);
  const Counters& counters() const { return counters_; }

 private:
  struct Cached;
  //! A target on its way to a sheet: its code filled in by ensure_codes.
  struct Pending {
    int64_t target_id = 0;
    std::string kind, label, path, heading;
    int64_t code_id = 0;
    std::string token;
  };
  //! Fills each item's code, issuing the missing ones in one transaction; how many it issued.
  Result<int64_t> ensure_codes(std::vector<Pending>& items, const Principal& who);
  std::shared_ptr<const Cached> lookup(std::string_view token);
  std::optional<Code> load(store::Conn& c, std::string_view token);
  Result<Code> retire(std::string_view token, const std::string& reason, const Principal& who, const std::string& ip,
                      bool rotate);
  const KindSpec* kind(std::string_view name) const;
  void log_scan(int64_t code_id, const Principal* who, const std::string& view);
  void run_scan_flusher();
  void run_print_jobs();
  bool stopping();
  void finish_job(int64_t id, const std::string& status, const std::string& error, int64_t pages);

  store::Db& db_;
  const crypto::Keyring& keys_;
  const Clock& clock_;
  territory::Service& territory_;
  registry::Service& registry_;
  std::string base_url_, prints_dir_;
  std::map<std::string, KindSpec, std::less<>> kinds_;
  Counters counters_;

  std::shared_mutex cache_mu_;
  std::unordered_map<std::string, std::shared_ptr<const Cached>> cache_;
  uint64_t cache_generation_ = 0;  //!< bumped by invalidate(): a read older than it is not cached
  std::mutex flush_mu_;            //!< one scan-log write at a time (flush_scans returns after it)

  //! The scan log collapses repeats: one row per code, account (0: anonymous), view and
  //! minute, with the number of scans, so a loop on one public code costs a row a minute.
  struct ScanKey {
    int64_t code_id, account_id, minute;
    std::string view;
    bool operator==(const ScanKey&) const = default;
  };
  struct ScanKeyHash {
    size_t operator()(const ScanKey& k) const {
      return std::hash<int64_t>{}(k.code_id * 1'000'003 + k.account_id * 8191 + k.minute) ^
             std::hash<std::string>{}(k.view);
    }
  };
  struct ScanCount {
    int64_t first_at = 0, count = 0;
  };
  std::mutex scans_mu_;
  std::condition_variable scans_cv_;
  std::unordered_map<ScanKey, ScanCount, ScanKeyHash> scans_;
  std::atomic<bool> stopping_{false};  //!< read by both background threads
  std::thread scan_flusher_;

  struct Job {
    int64_t id;
    Principal who;
  };
  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  std::deque<Job> jobs_;
  std::map<int64_t, std::shared_ptr<std::atomic<bool>>> running_;  //!< cancel flags
  std::thread print_worker_;
};

//! Code managers (issue, revoke, rotate, print): district admins, street and community
//! staff, grid workers over `path`. Stewards may also list and render.
bool may_manage(const Principal& who, std::string_view path);
bool may_list(const Principal& who, std::string_view path);

//! The printed number of a code id ("XXXX-XXX"), and back (lower case and dashes accepted).
std::string number_of(int64_t id);
std::optional<int64_t> id_of_number(std::string_view number);

}  // namespace mashang::codes
