#pragma once
//! Roster import and export: a community office's spreadsheet (CSV in UTF-8 or GBK, or
//! .xlsx) of households and persons, checked row by row before anything is written, then
//! written building by building (each building all or nothing) through the registry;
//! re-importing matches persons by ID-card number. Export writes persons as .xlsx, masked.
//! Public API of the module; other modules use only this header.
#include <condition_variable>
#include <cstdint>
#include <deque>
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
#include "modules/registry/registry.hpp"
#include "modules/territory/territory.hpp"
#include "store/db.hpp"

namespace mashang::roster {

inline constexpr size_t kProblemsListedMax = 1000;  //!< more are counted, not listed
inline constexpr int64_t kUploadBytesMax = 64 << 20;
//! Households written per transaction: whole buildings, until at least this many.
inline constexpr size_t kBatchHouseholds = 400;

struct Problem {
  int64_t row = 0;     //!< as the user sees it in Excel; 1 is the header
  std::string column;  //!< the header's text ("身份证号"), or "" for the whole row
  std::string message;
};

//! What a check (dry run) found, and what applying would do.
struct Report {
  std::string format, encoding;  //!< "csv"/"xlsx"; "utf8", "utf8_bom", "gbk", "none"
  int64_t rows = 0;              //!< data rows (the header not counted)
  int64_t households = 0, persons = 0;
  int64_t new_compounds = 0, new_buildings = 0;  //!< nodes the import would add
  int64_t problem_count = 0;
  std::vector<Problem> problems;  //!< the first kProblemsListedMax, by row
  std::vector<std::string> ignored_columns;
};

//! Progress of applying: households written so far of all.
using Progress = std::function<void(int64_t done, int64_t total)>;

struct Applied {
  Report report;
  registry::BatchCounts counts;
  int64_t batches = 0;  //!< transactions
};

//! A stored import (HTTP): uploaded, checked, then applied in the background.
struct Import {
  int64_t id = 0, account_id = 0;
  std::string status;  //!< "checked", "rejected", "queued", "running", "done", "failed"
  Report report;
  int64_t done = 0, total = 0;
  std::optional<registry::BatchCounts> counts;
  std::string error;
  int64_t created_at = 0, updated_at = 0;
};

class Service {
 public:
  //! `uploads_dir` keeps checked uploads until they are applied, sealed with `keys`.
  Service(store::Db& db, const crypto::Keyring& keys, const Clock& clock, territory::Service& territory,
          registry::Service& registry, std::string uploads_dir);
  ~Service();  // waits for the import being written to finish its batch

  //! At server start: imports left queued or running by a server that stopped are marked
  //! failed (each building is all or nothing; applying again finishes the rest).
  void recover();

  //! Reads and checks the whole file; writes nothing.
  Result<Report> check(std::string_view bytes, const Principal& who);
  //! Checks, and when there is no problem, writes: the missing compounds and buildings in
  //! one transaction, then whole buildings in transactions of about kBatchHouseholds
  //! households (all or nothing each). `progress` after each transaction.
  Result<Applied> apply(std::string_view bytes, const Principal& who, const std::string& ip,
                        const Progress& progress = {});

  //! HTTP: stores the upload and its check (status "checked" or "rejected").
  Result<Import> upload(std::string_view bytes, const Principal& who, const std::string& ip);
  //! HTTP: queues a checked import for writing; its progress goes out as live events
  //! ("roster.import_progress") to the uploader, and into the import's record.
  Result<Import> start(int64_t id, const Principal& who, const std::string& ip);
  Result<Import> get(int64_t id, const Principal& who);

  //! The persons under `node` (or in the caller's whole view) as an .xlsx file, with the
  //! columns an import reads; ID numbers and phones masked, unless `reveal_reason` is given
  //! and the caller may reveal them there (each person's reveal audited with the reason).
  Result<std::string> export_xlsx(std::optional<int64_t> node, const Principal& who, const std::string& ip,
                                  const std::optional<std::string>& reveal_reason = std::nullopt);

 private:
  void run_jobs();

  store::Db& db_;
  const crypto::Keyring& keys_;
  const Clock& clock_;
  territory::Service& territory_;
  registry::Service& registry_;
  std::string uploads_dir_;
  struct Job {
    int64_t id;
    Principal who;
    std::string ip;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

//! Whether the caller may import rosters at all (registry writers: district admin, street
//! and community staff, grid workers).
bool can_import(const Principal& who);

}  // namespace mashang::roster
