// Printing sheets of plates: the targets under a node, page by page from the database into
// a PDF written as it goes (src/print), codes issued first to targets that have none. HTTP
// jobs run one at a time on a worker thread; a sheet is only ever presented once complete
// (written to <id>.pdf.part, renamed when finished).
#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/codes/codes.hpp"
#include "modules/codes/detail.hpp"
#include "print/plates.hpp"

namespace mashang::codes {
namespace {

constexpr int64_t kPrintPage = 500;  // targets read (and codes issued) per transaction

constexpr const char* kJobColumns =
    "SELECT id, account_id, node_id, layout, plate_limit, status, done, total, pages, error, created_at, updated_at "
    "FROM code_prints ";

PrintJob job_of(const store::Row& r) {
  PrintJob j;
  j.id = r.integer(0);
  j.account_id = r.integer(1);
  j.node_id = r.integer(2);
  j.layout = r.text(3);
  j.limit = r.opt_integer(4);
  j.status = r.text(5);
  j.done = r.integer(6);
  j.total = r.integer(7);
  j.pages = r.integer(8);
  j.error = r.text(9);
  j.created_at = r.integer(10);
  j.updated_at = r.integer(11);
  return j;
}

std::optional<PrintJob> job_in(store::Conn& c, int64_t id) {
  static const std::string sql = std::string(kJobColumns) + "WHERE id = $1";
  auto r = c.query_one(sql, {id});
  if (!r) return std::nullopt;
  return job_of(*r);
}

Error no_such_job() { return make_error(Errc::not_found, "no such print job"); }

std::string file_of(const std::string& dir, int64_t id) { return dir + "/" + std::to_string(id) + ".pdf"; }

const char* place_kind_zh(std::string_view kind) {
  if (kind == "stall") return "摊位";
  if (kind == "facility") return "设施";
  if (kind == "function_room") return "功能室";
  return "巡查点";
}

Status valid_print(const std::string& layout, std::optional<int64_t> limit) {
  if (layout != "door_plate" && layout != "sticker")
    return make_error(Errc::invalid_input, "layout must be door_plate or sticker", "layout");
  if (limit && (*limit < 1 || *limit > kPrintLimitMax))
    return make_error(Errc::invalid_input, "limit must be 1 to 100000", "limit");
  return ok_status();
}

}  // namespace

Result<int64_t> Service::ensure_codes(std::vector<Pending>& items, const Principal& who) {
  int64_t issued = 0;
  if (items.empty()) return issued;
  Status st = db_.write([&](store::Conn& c) -> Status {
    std::map<std::pair<std::string, int64_t>, std::pair<int64_t, std::string>> active;
    std::map<std::string, std::pair<int64_t, int64_t>> ranges;  // kind → lowest, highest target
    for (const auto& it : items) {
      auto [r, fresh] = ranges.try_emplace(it.kind, it.target_id, it.target_id);
      r->second = {std::min(r->second.first, it.target_id), std::max(r->second.second, it.target_id)};
    }
    for (const auto& [kind, range] : ranges)  // the partial index on (kind, target_id) of active codes
      for (const auto& r : c.query("SELECT id, token, kind, target_id FROM codes WHERE status = 'active' AND "
                                   "kind = $1 AND target_id BETWEEN $2 AND $3",
                                   {kind, range.first, range.second}))
        active[{r.text(2), r.integer(3)}] = {r.integer(0), r.text(1)};
    int64_t first = 0, last = 0, now = clock_.now_ms();
    for (auto& it : items) {
      auto found = active.find({it.kind, it.target_id});
      if (found != active.end()) {
        it.code_id = found->second.first;
        it.token = found->second.second;
        continue;
      }
      it.token = mint_token(keys_);
      it.code_id = c.query_one(
                        "INSERT INTO codes (token, kind, target_id, path, status, created_by, created_at) "
                        "VALUES ($1, $2, $3, $4, 'active', $5, $6) RETURNING id",
                        {it.token, it.kind, it.target_id, it.path,
                         who.account_id ? store::Value(who.account_id) : store::null_value, now})
                       ->integer(0);
      active[{it.kind, it.target_id}] = {it.code_id, it.token};
      if (!issued++) first = it.code_id;
      last = it.code_id;
    }
    if (issued)
      audit::record(c,
                    {"code.issued", "codes:" + std::to_string(first) + ".." + std::to_string(last),
                     who.account_id ? std::optional(who.account_id) : std::nullopt, "", "",
                     "{\"count\":" + std::to_string(issued) + "}"},
                    now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return issued;
}

Result<int64_t> Service::issue_all(int64_t node_id, const Principal& who) {
  auto node = territory_.find(node_id);
  if (!node || !territory::can_see(who, node->path)) return make_error(Errc::not_found, "no such node", "node_id");
  if (!may_manage(who, node->path)) return make_error(Errc::forbidden, "you may not issue codes for " + node->name);
  const std::string below = (node->path == "/" ? "" : node->path) + "/%";
  int64_t issued = 0;
  for (bool households : {true, false}) {
    int64_t after = 0;
    for (;;) {
      std::vector<Pending> items;
      db_.read([&](store::Conn& c) {
        if (households) {
          for (auto& h : registry::households_under(c, node->path, after, kMintBatch))
            items.push_back({h.id, "household", h.address, h.path, ""});
        } else {
          for (const auto& r : c.query("SELECT id, kind, name, path FROM places WHERE (path = $1 OR path LIKE $2) AND "
                                       "id > $3 ORDER BY id LIMIT $4",
                                       {node->path, below, after, kMintBatch}))
            items.push_back({r.integer(0), r.text(1), r.text(2), r.text(3), ""});
        }
      });
      if (items.empty()) break;
      after = items.back().target_id;
      auto n = ensure_codes(items, who);
      if (!n.ok()) return n.error();
      issued += *n;
    }
  }
  return issued;
}

Result<Printed> Service::print_to_file(int64_t node_id, const std::string& layout, std::optional<int64_t> limit,
                                       const std::string& out, const Principal& who, const Progress& progress,
                                       const std::atomic<bool>* cancel) {
  if (auto st = valid_print(layout, limit); !st.ok()) return st.error();
  auto node = territory_.find(node_id);
  if (!node || !territory::can_see(who, node->path)) return make_error(Errc::not_found, "no such node", "node_id");
  if (!may_manage(who, node->path)) return make_error(Errc::forbidden, "you may not print codes for " + node->name);
  const bool plates = layout == "door_plate";
  const std::string below = (node->path == "/" ? "" : node->path) + "/%";
  int64_t total = 0;
  db_.read([&](store::Conn& c) {
    total = plates ? registry::count_households(c, node->path)
                   : c.query_one("SELECT COUNT(*) FROM places WHERE path = $1 OR path LIKE $2", {node->path, below})
                         ->integer(0);
  });
  if (limit) total = std::min(total, *limit);

  const std::string part = out + ".part";
  auto writer = print::PdfWriter::open(part, plates ? print::Layout::door_plate : print::Layout::sticker,
                                       node->name + (plates ? " 门牌码" : " 二维码"));
  if (!writer.ok()) return writer.error();
  auto abandon = [&](Error e) -> Error {
    writer->reset();
    std::error_code ec;
    std::filesystem::remove(part, ec);
    return e;
  };
  std::map<int64_t, std::string> community_names;
  int64_t done = 0, after = 0;
  if (progress) progress(0, total);
  while (done < total) {
    if (cancel && cancel->load()) return abandon(make_error(Errc::conflict, "the print job was cancelled"));
    std::vector<Pending> items;
    int64_t want = std::min(kPrintPage, total - done);
    db_.read([&](store::Conn& c) {
      if (plates) {
        for (auto& h : registry::households_under(c, node->path, after, want))
          items.push_back({h.id, "household", h.address, h.path, ""});
      } else {
        for (const auto& r :
             c.query("SELECT id, kind, name, operator, path FROM places WHERE (path = $1 OR path LIKE $2) "
                     "AND id > $3 ORDER BY id LIMIT $4",
                     {node->path, below, after, want}))
          items.push_back({r.integer(0), r.text(1), r.text(2), r.text(4),
                           r.text(3).empty() ? place_kind_zh(r.text(1)) : r.text(3)});
      }
      for (auto& it : items) {
        if (!it.heading.empty()) continue;
        auto ids = path_ids(it.path);
        int64_t community = ids.size() >= 2 ? ids[1] : 0;
        auto named = community_names.find(community);
        if (named == community_names.end()) {
          auto n = community ? territory::find_in(c, community) : std::nullopt;
          named = community_names.emplace(community, n ? n->name : node->name).first;
        }
        it.heading = named->second;
      }
    });
    if (items.empty()) break;  // fewer than counted: removed meanwhile
    after = items.back().target_id;
    if (auto n = ensure_codes(items, who); !n.ok()) return abandon(n.error());
    for (const auto& it : items) {
      if (cancel && cancel->load()) return abandon(make_error(Errc::conflict, "the print job was cancelled"));
      if (auto added = (*writer)->add({it.heading, it.label, number_of(it.code_id), url_of(it.token)}); !added.ok())
        return abandon(added.error());
      ++done;
    }
    if (progress) progress(done, total);
  }
  if (auto st = (*writer)->finish(); !st.ok()) return abandon(st.error());
  Printed printed{(*writer)->plates(), (*writer)->pages()};
  writer->reset();
  std::error_code ec;
  std::filesystem::rename(part, out, ec);
  if (ec) return abandon(make_error(Errc::internal, "could not finish " + out + ": " + ec.message()));
  return printed;
}

Result<PrintJob> Service::start_print(int64_t node_id, const std::string& layout, std::optional<int64_t> limit,
                                      const Principal& who, const std::string& ip) {
  if (auto st = valid_print(layout, limit); !st.ok()) return st.error();
  auto node = territory_.find(node_id);
  if (!node || !territory::can_see(who, node->path)) return make_error(Errc::not_found, "no such node", "node_id");
  if (!may_manage(who, node->path)) return make_error(Errc::forbidden, "you may not print codes for " + node->name);
  Result<PrintJob> out = no_such_job();
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    int64_t id = c.query_one(
                      "INSERT INTO code_prints (account_id, node_id, layout, plate_limit, status, created_at, "
                      "updated_at) VALUES ($1, $2, $3, $4, 'queued', $5, $5) RETURNING id",
                      {who.account_id, node_id, layout, limit ? store::Value(*limit) : store::null_value, now})
                     ->integer(0);
    out = *job_in(c, id);
    std::string details = "{\"node_id\":" + std::to_string(node_id) + ",\"layout\":\"" + layout + "\"}";
    audit::record(c, {"code.print_started", "print:" + std::to_string(id), who.account_id, ip, "", details}, now);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  {
    std::lock_guard lk(jobs_mu_);
    jobs_.push_back({out->id, who});
  }
  jobs_cv_.notify_one();
  return out;
}

Result<PrintJob> Service::print_job(int64_t id, const Principal& who) {
  std::optional<PrintJob> j;
  db_.read([&](store::Conn& c) { j = job_in(c, id); });
  if (!j || j->account_id != who.account_id) return no_such_job();
  return *j;
}

Result<PrintJobPage> Service::print_jobs(int64_t after, int64_t limit, const Principal& who) {
  if (limit < 1 || limit > kPageSizeMax) return make_error(Errc::invalid_input, "limit must be 1 to 200", "limit");
  if (after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  PrintJobPage page;
  db_.read([&](store::Conn& c) {
    static const std::string sql =
        std::string(kJobColumns) + "WHERE account_id = $1 AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3";
    for (const auto& r : c.query(sql, {who.account_id, after, limit + 1})) page.items.push_back(job_of(r));
  });
  if (static_cast<int64_t>(page.items.size()) > limit) {
    page.items.resize(limit);
    page.next_after = page.items.back().id;
  }
  return page;
}

Result<PrintJob> Service::cancel_print(int64_t id, const Principal& who) {
  Result<PrintJob> out = no_such_job();
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto j = job_in(c, id);
    if (!j || j->account_id != who.account_id) return no_such_job();
    if (j->status != "queued" && j->status != "running")
      return make_error(Errc::conflict, "the print job has finished (" + j->status + ")");
    c.exec("UPDATE code_prints SET status = 'cancelled', updated_at = $2 WHERE id = $1", {id, clock_.now_ms()});
    out = *job_in(c, id);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  std::lock_guard lk(jobs_mu_);
  if (auto it = running_.find(id); it != running_.end()) it->second->store(true);
  return out;
}

Result<std::string> Service::print_file(int64_t id, const Principal& who) {
  auto j = print_job(id, who);
  if (!j.ok()) return j.error();
  if (j->status != "done") return make_error(Errc::conflict, "the sheet is not ready (" + j->status + ")");
  std::string path = file_of(prints_dir_, id);
  if (!std::filesystem::exists(path)) return make_error(Errc::gone, "the sheet was removed; print it again");
  return path;
}

void Service::recover() {
  static_cast<void>(db_.write([&](store::Conn& c) -> Status {
    c.exec(
        "UPDATE code_prints SET status = 'failed', error = 'the server stopped while printing; print again', "
        "updated_at = $1 WHERE status IN ('queued', 'running')",
        {clock_.now_ms()});
    return ok_status();
  }));
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(prints_dir_, ec))
    if (e.path().extension() == ".part") std::filesystem::remove(e.path(), ec);
}

void Service::finish_job(int64_t id, const std::string& status, const std::string& error, int64_t pages) {
  static_cast<void>(db_.write([&](store::Conn& c) -> Status {
    auto j = job_in(c, id);
    if (!j) return ok_status();
    // A job cancelled while running stays cancelled, whatever the writer said.
    std::string final_status = j->status == "cancelled" ? "cancelled" : status;
    if (final_status != "done") {  // a sheet finished just as it was cancelled is not presented
      std::error_code ec;
      std::filesystem::remove(file_of(prints_dir_, id), ec);
    }
    c.exec("UPDATE code_prints SET status = $2, error = $3, pages = $4, updated_at = $5 WHERE id = $1",
           {id, final_status, final_status == "cancelled" ? std::string() : error, pages, clock_.now_ms()});
    c.emit({"code.print_finished", "print:" + std::to_string(id), "/", j->account_id,
            "{\"job_id\":" + std::to_string(id) + ",\"status\":\"" + final_status +
                "\",\"pages\":" + std::to_string(pages) + "}"});
    return ok_status();
  }));
}

bool Service::stopping() {
  std::lock_guard lk(jobs_mu_);
  return stopping_.load();
}

void Service::run_print_jobs() {
  for (;;) {
    Job job;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    {
      std::unique_lock lk(jobs_mu_);
      jobs_cv_.wait(lk, [&] { return stopping_.load() || !jobs_.empty(); });
      if (stopping_) return;  // queued jobs are failed at the next start
      job = std::move(jobs_.front());
      jobs_.pop_front();
      running_[job.id] = cancel;
    }
    try {
      std::optional<PrintJob> j;
      static_cast<void>(db_.write([&](store::Conn& c) -> Status {
        j = job_in(c, job.id);
        if (j && j->status == "queued")
          c.exec("UPDATE code_prints SET status = 'running', updated_at = $2 WHERE id = $1", {job.id, clock_.now_ms()});
        return ok_status();
      }));
      if (j && j->status == "queued") {
        int64_t last_percent = -1;
        auto progress = [&](int64_t done, int64_t total) {
          int64_t percent = total ? done * 100 / total : 100;
          if (percent == last_percent && done != total) return;
          last_percent = percent;
          static_cast<void>(db_.write([&](store::Conn& c) -> Status {
            c.exec("UPDATE code_prints SET done = $2, total = $3, updated_at = $4 WHERE id = $1 AND status = 'running'",
                   {job.id, done, total, clock_.now_ms()});
            c.emit({"code.print_progress", "print:" + std::to_string(job.id), "/", job.who.account_id,
                    "{\"job_id\":" + std::to_string(job.id) + ",\"done\":" + std::to_string(done) +
                        ",\"total\":" + std::to_string(total) + "}"});
            return ok_status();
          }));
        };
        auto r = print_to_file(j->node_id, j->layout, j->limit, file_of(prints_dir_, job.id), job.who, progress,
                               cancel.get());
        if (r.ok())
          finish_job(job.id, "done", "", r->pages);
        else if (!cancel->load())
          finish_job(job.id, "failed", r.error().message, 0);
        else
          finish_job(job.id, stopping() ? "failed" : "cancelled", "the server stopped while printing; print again", 0);
      }
    } catch (const std::exception& e) {
      spdlog::error("print job {}: {}", job.id, e.what());
      std::error_code ec;
      std::filesystem::remove(file_of(prints_dir_, job.id) + ".part", ec);
      try {
        finish_job(job.id, "failed", "the sheet could not be written; print again", 0);
      } catch (const std::exception&) {
      }
    }
    std::lock_guard lk(jobs_mu_);
    running_.erase(job.id);
  }
}

}  // namespace mashang::codes
