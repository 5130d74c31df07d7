// Roster imports: read every row, check everything (cells, ID numbers, duplicates, heads of
// household, addresses, permissions) before writing anything; then write building by
// building through the registry's batch writes.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/roster/columns.hpp"
#include "modules/roster/roster.hpp"
#include "modules/roster/store.hpp"
#include "sheet/xlsx_writer.hpp"

namespace mashang::roster {
namespace {

using cols::Address;
using cols::Record;

const char* format_name(sheet::Format f) { return f == sheet::Format::xlsx ? "xlsx" : "csv"; }
const char* encoding_name(sheet::Encoding e) {
  switch (e) {
    case sheet::Encoding::utf8: return "utf8";
    case sheet::Encoding::utf8_bom: return "utf8_bom";
    case sheet::Encoding::gbk: return "gbk";
    case sheet::Encoding::none: return "none";
  }
  return "none";
}

// Where an address lands in the tree, and whether the caller may write there.
struct Place {
  std::string problem;                 // "" when fine
  cols::Field field = cols::building;  // the column the problem is about
  std::optional<territory::Node> grid, compound, building;
};

// A checked file: its records, grouped into households by building.
struct Checked {
  Report report;
  std::vector<Record> records;
  std::map<Address, Place> places;
};

cols::Field field_of(const std::string& registry_field) {
  static const std::map<std::string, cols::Field> m = {{"name", cols::name},
                                                       {"gender", cols::gender},
                                                       {"birth_date", cols::birth_date},
                                                       {"id_number", cols::id_number},
                                                       {"phone", cols::phone},
                                                       {"relation", cols::relation},
                                                       {"tags", cols::tags}};
  auto it = m.find(registry_field);
  return it == m.end() ? cols::kFields : it->second;
}

}  // namespace

bool can_import(const Principal& who) {
  for (const auto& g : who.grants)
    if (registry::may_write(who, g.scope)) return true;
  return false;
}

// ---- checking ------------------------------------------------------------------------------

static Result<Checked> check_file(std::string_view bytes, const Principal& who, store::Db& db,
                                  registry::Service& registry) {
  Checked out;
  auto& rep = out.report;
  auto& problems = rep.problems;
  std::vector<Problem> all;
  std::optional<cols::Header> header;
  sheet::Limits limits;
  limits.bytes_max = kUploadBytesMax;
  limits.xlsx_uncompressed_max = 256u << 20;
  auto info = sheet::read(bytes, limits, [&](sheet::Row&& row) -> Status {
    if (!header) {
      auto h = cols::read_header(row);
      if (!h.ok()) return h.error();
      header = std::move(*h);
      return ok_status();
    }
    ++rep.rows;
    if (auto r = cols::read_row(*header, row, all)) out.records.push_back(std::move(*r));
    return ok_status();
  });
  if (!info.ok()) return info.error();
  if (!header) return make_error(Errc::invalid_input, "the file has no rows; the first row names the columns", "file");
  rep.format = format_name(info->format);
  rep.encoding = encoding_name(info->encoding);
  rep.ignored_columns = header->ignored;

  // Each person as the registry will judge them; ID numbers once in the file.
  std::map<std::string, int64_t> id_rows;
  std::vector<Record> valid;
  for (auto& r : out.records) {
    auto st = registry.check(r.person);
    if (!st.ok()) {
      auto f = field_of(st.error().field);
      all.push_back({r.row, f == cols::kFields ? "" : cols::title(*header, f), st.error().message});
      continue;
    }
    if (r.person.id_number) {
      auto [it, fresh] = id_rows.emplace(*r.person.id_number, r.row);
      if (!fresh) {
        all.push_back(
            {r.row, cols::title(*header, cols::id_number), "the same ID number as row " + std::to_string(it->second)});
        continue;
      }
    }
    valid.push_back(std::move(r));
  }
  // One head per household.
  std::map<std::tuple<Address, std::string, std::string>, int64_t> heads;
  std::erase_if(valid, [&](const Record& r) {
    if (r.person.relation != "head") return false;
    auto [it, fresh] = heads.emplace(std::make_tuple(r.address, r.home.unit, r.home.room), r.row);
    if (fresh) return false;
    all.push_back({r.row, cols::title(*header, cols::relation),
                   "a second 户主 in this household (the first is on row " + std::to_string(it->second) + ")"});
    return true;
  });
  // A person registered in an area the caller cannot write is not moved by a roster.
  std::vector<std::string> ids;
  for (const auto& r : valid)
    if (r.person.id_number) ids.push_back(*r.person.id_number);
  auto registered = registry.registered_paths(ids);
  std::erase_if(valid, [&](const Record& r) {
    if (!r.person.id_number) return false;
    auto it = registered.find(*r.person.id_number);
    if (it == registered.end() || registry::may_write(who, it->second)) return false;
    all.push_back({r.row, cols::title(*header, cols::id_number),
                   "this ID number is registered in another area; the district office can move the person"});
    return true;
  });
  std::set<std::tuple<Address, std::string, std::string>> homes;
  for (const auto& r : valid) homes.insert(std::make_tuple(r.address, r.home.unit, r.home.room));
  rep.households = static_cast<int64_t>(homes.size());

  // Addresses against the tree, once each.
  db.read([&](store::Conn& c) {
    std::map<std::pair<std::string, std::string>, std::vector<territory::Node>> communities;
    for (const auto& r : valid) {
      auto [it, fresh] = out.places.emplace(r.address, Place{});
      if (!fresh) continue;
      Place& pl = it->second;
      const Address& a = r.address;
      auto& found = communities[{a.street, a.community}];
      if (found.empty()) {
        for (auto& n : territory::find_named(c, "community", a.community)) {
          if (!territory::can_see(who, n.path)) continue;
          if (!a.street.empty()) {
            auto st = territory::find_in(c, *n.parent_id);
            if (!st || st->name != a.street) continue;
          }
          found.push_back(std::move(n));
        }
      }
      if (found.empty()) {
        pl.problem =
            "no community named " + a.community + (a.street.empty() ? "" : " in " + a.street) + " in your area";
        continue;
      }
      if (found.size() > 1) {
        pl.field = cols::community;
        pl.problem = "several communities are named " + a.community + "; add a 街道 column";
        continue;
      }
      pl.grid = territory::child_named(c, found[0].id, a.grid);
      if (!pl.grid || pl.grid->kind != "grid") {
        pl.field = cols::grid;
        pl.problem = "no grid named " + a.grid + " in " + a.community;
        pl.grid.reset();
        continue;
      }
      pl.compound = territory::child_named(c, pl.grid->id, a.compound);
      if (pl.compound) pl.building = territory::child_named(c, pl.compound->id, a.building);
      if (pl.building) {
        if (!registry::may_write(who, pl.building->path))
          pl.problem = "you may not write households in " + a.compound + " " + a.building;
      } else {
        const territory::Node& parent = pl.compound ? *pl.compound : *pl.grid;
        if (!territory::can_manage_children(who, parent) || !registry::may_write(who, parent.path))
          pl.problem = a.compound + " " + a.building + " is not in the registry and you may not add " +
                       (pl.compound ? "buildings" : "compounds") + " to " + parent.name + "; ask community staff";
      }
    }
  });
  std::set<std::pair<std::string, std::string>> new_compounds;
  for (const auto& [a, pl] : out.places) {
    if (!pl.problem.empty() || pl.building) continue;
    ++rep.new_buildings;
    if (!pl.compound) new_compounds.insert({a.community + "/" + a.grid, a.compound});
  }
  rep.new_compounds = static_cast<int64_t>(new_compounds.size());
  out.records.clear();
  for (auto& r : valid) {
    const Place& pl = out.places.at(r.address);
    if (!pl.problem.empty()) {
      all.push_back({r.row, cols::title(*header, pl.field), pl.problem});
      continue;
    }
    out.records.push_back(std::move(r));
  }
  rep.persons = static_cast<int64_t>(out.records.size());

  std::stable_sort(all.begin(), all.end(), [](const Problem& a, const Problem& b) { return a.row < b.row; });
  rep.problem_count = static_cast<int64_t>(all.size());
  if (all.size() > kProblemsListedMax) all.resize(kProblemsListedMax);
  problems = std::move(all);
  return out;
}

Service::Service(store::Db& db, const crypto::Keyring& keys, const Clock& clock, territory::Service& territory,
                 registry::Service& registry, std::string uploads_dir)
    : db_(db),
      keys_(keys),
      clock_(clock),
      territory_(territory),
      registry_(registry),
      uploads_dir_(std::move(uploads_dir)) {}

void Service::recover() {
  static_cast<void>(db_.write([&](store::Conn& c) -> Status {
    if (int64_t n = sql::fail_unfinished(c, clock_.now_ms()))
      spdlog::warn("{} roster import(s) were being written when the server stopped; marked failed", n);
    return ok_status();
  }));
}

Service::~Service() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

Result<Report> Service::check(std::string_view bytes, const Principal& who) {
  if (!can_import(who)) return make_error(Errc::forbidden, "importing rosters needs a registry writing role");
  auto c = check_file(bytes, who, db_, registry_);
  if (!c.ok()) return c.error();
  return std::move(c->report);
}

Result<Applied> Service::apply(std::string_view bytes, const Principal& who, const std::string& ip,
                               const Progress& progress) {
  if (!can_import(who)) return make_error(Errc::forbidden, "importing rosters needs a registry writing role");
  auto checked = check_file(bytes, who, db_, registry_);
  if (!checked.ok()) return checked.error();
  Applied out;
  out.report = checked->report;
  if (out.report.problem_count > 0) return out;

  // The missing compounds and buildings, all in one transaction.
  std::map<Address, int64_t> building_of;
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    for (auto& [a, pl] : checked->places) {
      if (pl.building) {
        building_of[a] = pl.building->id;
        continue;
      }
      if (!pl.compound) pl.compound = territory::child_named(c, pl.grid->id, a.compound);
      if (!pl.compound) {
        auto cp = territory::add_child(c, *pl.grid, "compound", a.compound, &who, ip, now);
        if (!cp.ok()) return cp.error();
        pl.compound = *cp;
      }
      auto b = territory::add_child(c, *pl.compound, "building", a.building, &who, ip, now);
      if (!b.ok()) return b.error();
      building_of[a] = b->id;
    }
    return ok_status();
  });
  if (!st.ok()) return st.error();

  // Households by building, in the file's order; one batch per building.
  std::map<int64_t, std::vector<registry::BatchHousehold>> batches;
  std::map<std::tuple<int64_t, std::string, std::string>, std::pair<int64_t, size_t>> home_at;
  for (auto& r : checked->records) {
    int64_t b = building_of.at(r.address);
    r.home.building_id = b;
    auto key = std::make_tuple(b, r.home.unit, r.home.room);
    auto it = home_at.find(key);
    auto& batch = batches[b];
    if (it == home_at.end()) {
      home_at.emplace(key, std::make_pair(b, batch.size()));
      batch.push_back({r.home, {}});
      batch.back().persons.push_back(std::move(r.person));
    } else {
      batch[it->second.second].persons.push_back(std::move(r.person));
    }
  }
  // Whole buildings per transaction, several at once up to about kBatchHouseholds: a
  // building is never split, and a commit per building would spend the time on the disk.
  int64_t total = out.report.households, done = 0;
  registry::Caller caller{who, ip};
  std::vector<registry::BatchHousehold> batch;
  auto flush = [&]() -> Status {
    if (batch.empty()) return ok_status();
    auto n = registry_.write_batch(batch, caller);
    if (!n.ok()) return n.error();
    out.counts.households_created += n->households_created;
    out.counts.households_matched += n->households_matched;
    out.counts.persons_created += n->persons_created;
    out.counts.persons_updated += n->persons_updated;
    ++out.batches;
    done += static_cast<int64_t>(batch.size());
    batch.clear();
    if (progress) progress(done, total);
    return ok_status();
  };
  for (auto& [b, households] : batches) {
    for (auto& h : households) batch.push_back(std::move(h));
    if (batch.size() >= kBatchHouseholds)
      if (auto st = flush(); !st.ok()) return st.error();
  }
  if (auto st = flush(); !st.ok()) return st.error();
  return out;
}

// ---- stored imports (HTTP) ---------------------------------------------------------------

namespace {
std::string upload_path(const std::string& dir, int64_t id) {
  return (std::filesystem::path(dir) / "roster" / (std::to_string(id) + ".upload")).string();
}
Error not_found() { return make_error(Errc::not_found, "no such import"); }
bool may_see(const Principal& who, const Import& im) {
  return im.account_id == who.account_id || who.has_role("district_admin", "/");
}
}  // namespace

Result<Import> Service::upload(std::string_view bytes, const Principal& who, const std::string& ip) {
  if (!can_import(who)) return make_error(Errc::forbidden, "importing rosters needs a registry writing role");
  auto rep = check(bytes, who);
  if (!rep.ok()) return rep.error();
  std::string status = rep->problem_count ? "rejected" : "checked";
  int64_t id = 0;
  std::string tmp;
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    id = sql::insert(c, who.account_id, status, crypto::token_hash(bytes), static_cast<int64_t>(bytes.size()), *rep,
                     now);
    if (status == "checked") {  // kept for applying; a rejected file is not kept
      std::filesystem::create_directories(std::filesystem::path(uploads_dir_) / "roster");
      tmp = upload_path(uploads_dir_, id) + ".tmp";
      // Sealed like every other piece of personal data at rest; removed once applied.
      std::string sealed = keys_.seal(bytes);
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f.write(sealed.data(), static_cast<std::streamsize>(sealed.size()));
      f.close();
      if (!f) return make_error(Errc::unavailable, "the upload could not be stored");
      std::filesystem::rename(tmp, upload_path(uploads_dir_, id));
    }
    std::string details = "{\"import_id\":" + std::to_string(id) + ",\"rows\":" + std::to_string(rep->rows) +
                          ",\"problems\":" + std::to_string(rep->problem_count) + "}";
    audit::record(c, {"roster.uploaded", "import:" + std::to_string(id), who.account_id, ip, "", details}, now);
    return ok_status();
  });
  if (!st.ok()) {
    if (!tmp.empty()) std::filesystem::remove(tmp);
    return st.error();
  }
  return get(id, who);
}

Result<Import> Service::get(int64_t id, const Principal& who) {
  std::optional<Import> im;
  db_.read([&](store::Conn& c) { im = sql::get(c, id); });
  if (!im || !may_see(who, *im)) return not_found();
  return *im;
}

Result<Import> Service::start(int64_t id, const Principal& who, const std::string& ip) {
  Status st = db_.write([&](store::Conn& c) -> Status {
    auto im = sql::get(c, id);
    if (!im || !may_see(who, *im)) return not_found();
    if (im->status != "checked" && im->status != "failed")
      return make_error(Errc::conflict,
                        "this import is " + im->status + "; only a checked or failed import is applied");
    if (!std::filesystem::exists(upload_path(uploads_dir_, id)))
      return make_error(Errc::conflict, "this import's file is gone; upload it again");
    sql::set_status(c, id, "queued", "", clock_.now_ms());
    return ok_status();
  });
  if (!st.ok()) return st.error();
  {
    std::lock_guard lock(mu_);
    queue_.push_back({id, who, ip});
    if (!worker_.joinable()) worker_ = std::thread([this] { run_jobs(); });  // started by the first import
  }
  cv_.notify_one();
  return get(id, who);
}

void Service::run_jobs() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // queued imports are failed at the next start (apply again)
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      std::ifstream f(upload_path(uploads_dir_, job.id), std::ios::binary);
      std::string sealed((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      auto opened = keys_.open(sealed);
      if (!opened.ok()) throw Fault(Errc::internal, "the stored upload does not open with this key file");
      std::string bytes = std::move(*opened);
      auto now = [&] { return clock_.now_ms(); };
      static_cast<void>(db_.write([&](store::Conn& c) -> Status {
        sql::set_status(c, job.id, "running", "", now());
        return ok_status();
      }));
      int64_t last_percent = -1;
      auto progress = [&](int64_t done, int64_t total) {
        int64_t percent = total ? done * 100 / total : 100;
        if (percent == last_percent && done != total) return;  // about a hundred updates, not thousands
        last_percent = percent;
        static_cast<void>(db_.write([&](store::Conn& c) -> Status {
          sql::set_progress(c, job.id, done, total, now());
          c.emit({"roster.import_progress", "import:" + std::to_string(job.id), "/", job.who.account_id,
                  "{\"import_id\":" + std::to_string(job.id) + ",\"done\":" + std::to_string(done) +
                      ",\"total\":" + std::to_string(total) + "}"});
          return ok_status();
        }));
        std::lock_guard lock(mu_);
        if (stopping_) throw Fault(Errc::unavailable, "the server is stopping");
      };
      auto r = apply(bytes, job.who, job.ip, progress);
      static_cast<void>(db_.write([&](store::Conn& c) -> Status {
        if (!r.ok()) {
          sql::set_status(c, job.id, "failed", r.error().message, now());
        } else if (r->report.problem_count) {
          sql::set_status(c, job.id, "failed",
                          "the file no longer checks clean (the registry changed); upload it again", now());
        } else {
          sql::set_counts(c, job.id, r->counts, now());
          sql::set_status(c, job.id, "done", "", now());
        }
        if (r.ok() && !r->report.problem_count) {
          std::error_code ec;  // written: the file is not needed any more
          std::filesystem::remove(upload_path(uploads_dir_, job.id), ec);
        }
        c.emit({"roster.import_finished", "import:" + std::to_string(job.id), "/", job.who.account_id,
                "{\"import_id\":" + std::to_string(job.id) +
                    ",\"ok\":" + (r.ok() && !r->report.problem_count ? "true" : "false") + "}"});
        return ok_status();
      }));
    } catch (const std::exception& e) {
      spdlog::error("roster import {}: {}", job.id, e.what());
      try {
        static_cast<void>(db_.write([&](store::Conn& c) -> Status {
          sql::set_status(c, job.id, "failed", "stopped: the buildings written stay written; apply again to finish",
                          clock_.now_ms());
          return ok_status();
        }));
      } catch (...) {
      }
    }
  }
}

Result<std::string> Service::export_xlsx(std::optional<int64_t> node, const Principal& who, const std::string& ip,
                                         const std::optional<std::string>& reveal_reason) {
  static const char* kGender[] = {"男", "女"};
  static const std::map<std::string, std::string> kRelation = {
      {"head", "户主"},         {"spouse", "配偶"},      {"child", "子女"}, {"parent", "父母"},
      {"grandchild", "孙子女"}, {"sibling", "兄弟姐妹"}, {"other", "其他"}};
  static const std::map<std::string, std::string> kTag = {
      {"empty_nest_elder", "空巢老人"}, {"living_alone", "独居"}, {"disability", "残疾"}, {"low_income", "低保"},
      {"veteran", "退役军人"},          {"child", "儿童"},        {"elder", "老年人"}};
  auto dir = std::filesystem::temp_directory_path() / ("mashang-export-" + crypto::random_token(8));
  std::filesystem::create_directories(dir);
  struct Cleanup {
    std::filesystem::path d;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  } cleanup{dir};
  std::string path = (dir / "roster.xlsx").string();
  auto w = sheet::XlsxWriter::open(path, "花名册");
  if (!w.ok()) return w.error();
  std::vector<std::string> head = {"社区", "网格", "小区",     "楼栋",     "单元",   "楼层",       "房号",
                                   "姓名", "性别", "出生日期", "身份证号", "手机号", "与户主关系", "标签"};
  if (auto st = w->header(head); !st.ok()) return st.error();
  std::map<int64_t, std::string> names;  // node id → name
  auto name_of = [&](int64_t id) -> const std::string& {
    auto it = names.find(id);
    if (it != names.end()) return it->second;
    auto n = territory_.find(id);
    return names.emplace(id, n ? n->name : "").first->second;
  };
  int64_t persons = 0;
  Status written = ok_status();
  registry::Caller caller{who, ip};
  auto st = registry_.each_person(
      node, caller,
      [&](const registry::Household& h, const registry::Person& p, const registry::Revealed* raw) {
        if (!written.ok()) return;
        // path: /street/community/grid/compound/building
        std::vector<int64_t> ids;
        for (size_t at = 1; at < h.path.size();) {
          size_t slash = h.path.find('/', at);
          ids.push_back(std::stoll(h.path.substr(at, slash - at)));
          if (slash == std::string::npos) break;
          at = slash + 1;
        }
        std::string tags;
        for (const auto& t : p.tags) tags += (tags.empty() ? "" : "、") + (kTag.count(t) ? kTag.at(t) : t);
        std::vector<std::string> row = {ids.size() > 1 ? name_of(ids[1]) : "",
                                        ids.size() > 2 ? name_of(ids[2]) : "",
                                        ids.size() > 3 ? name_of(ids[3]) : "",
                                        ids.size() > 4 ? name_of(ids[4]) : "",
                                        h.unit,
                                        std::to_string(h.floor),
                                        h.room,
                                        p.name,
                                        kGender[p.gender == "F"],
                                        p.birth_date.value_or(""),
                                        raw ? raw->id_number.value_or("") : p.id_masked.value_or(""),
                                        raw ? raw->phone.value_or("") : p.phone_masked.value_or(""),
                                        kRelation.count(p.relation) ? kRelation.at(p.relation) : p.relation,
                                        tags};
        written = w->row(row);
        ++persons;
      },
      reveal_reason);
  if (!st.ok()) return st.error();
  if (!written.ok()) return written.error();
  if (auto c = w->close(); !c.ok()) return c.error();
  std::ifstream f(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  static_cast<void>(db_.write([&](store::Conn& c) -> Status {
    audit::record(
        c,
        {"roster.exported", node ? "node:" + std::to_string(*node) : "households", who.account_id, ip, "",
         "{\"persons\":" + std::to_string(persons) + ",\"masked\":" + (reveal_reason ? "false" : "true") + "}"},
        clock_.now_ms());
    return ok_status();
  }));
  return bytes;
}

}  // namespace mashang::roster
