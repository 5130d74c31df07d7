#include "modules/roster/store.hpp"

namespace mashang::roster::sql {

int64_t insert(store::Conn& c, int64_t account_id, const std::string& status, const std::string& file_hash,
               int64_t bytes, const Report& r, int64_t now) {
  std::string ignored;
  for (const auto& s : r.ignored_columns) ignored += (ignored.empty() ? "" : "\n") + s;
  auto rows = c.query(
      "INSERT INTO roster_imports (account_id, status, file_hash, file_bytes, format, encoding, data_rows, "
      "households, persons, new_compounds, new_buildings, problem_count, ignored_columns, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
      {account_id, status, file_hash, bytes, r.format, r.encoding, r.rows, r.households, r.persons, r.new_compounds,
       r.new_buildings, r.problem_count, ignored, now});
  int64_t id = rows.at(0).integer(0);
  int64_t seq = 0;
  for (const auto& p : r.problems)
    c.exec(
        "INSERT INTO roster_import_problems (import_id, seq, row_number, column_title, message) "
        "VALUES ($1, $2, $3, $4, $5)",
        {id, ++seq, p.row, p.column, p.message});
  return id;
}

std::optional<Import> get(store::Conn& c, int64_t id) {
  auto r = c.query_one(
      "SELECT id, account_id, status, format, encoding, data_rows, households, persons, new_compounds, "
      "new_buildings, problem_count, ignored_columns, done, total, households_created, households_matched, "
      "persons_created, persons_updated, error, created_at, updated_at FROM roster_imports WHERE id = $1",
      {id});
  if (!r) return std::nullopt;
  Import im;
  im.id = r->integer(0);
  im.account_id = r->integer(1);
  im.status = r->text(2);
  auto& rep = im.report;
  rep.format = r->text(3);
  rep.encoding = r->text(4);
  rep.rows = r->integer(5);
  rep.households = r->integer(6);
  rep.persons = r->integer(7);
  rep.new_compounds = r->integer(8);
  rep.new_buildings = r->integer(9);
  rep.problem_count = r->integer(10);
  std::string ignored = r->text(11);
  for (size_t at = 0; !ignored.empty() && at <= ignored.size();) {
    size_t nl = ignored.find('\n', at);
    rep.ignored_columns.push_back(ignored.substr(at, nl == std::string::npos ? std::string::npos : nl - at));
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  im.done = r->integer(12);
  im.total = r->integer(13);
  if (!r->is_null(14))
    im.counts = registry::BatchCounts{r->integer(14), r->integer(15), r->integer(16), r->integer(17)};
  im.error = r->text(18);
  im.created_at = r->integer(19);
  im.updated_at = r->integer(20);
  for (const auto& p : c.query("SELECT row_number, column_title, message FROM roster_import_problems "
                               "WHERE import_id = $1 ORDER BY seq",
                               {id}))
    rep.problems.push_back({p.integer(0), p.text(1), p.text(2)});
  return im;
}

void set_status(store::Conn& c, int64_t id, const std::string& status, const std::string& error, int64_t now) {
  c.exec("UPDATE roster_imports SET status = $2, error = $3, updated_at = $4 WHERE id = $1", {id, status, error, now});
}

void set_progress(store::Conn& c, int64_t id, int64_t done, int64_t total, int64_t now) {
  c.exec("UPDATE roster_imports SET done = $2, total = $3, updated_at = $4 WHERE id = $1", {id, done, total, now});
}

void set_counts(store::Conn& c, int64_t id, const registry::BatchCounts& n, int64_t now) {
  c.exec(
      "UPDATE roster_imports SET households_created = $2, households_matched = $3, persons_created = $4, "
      "persons_updated = $5, updated_at = $6 WHERE id = $1",
      {id, n.households_created, n.households_matched, n.persons_created, n.persons_updated, now});
}

int64_t fail_unfinished(store::Conn& c, int64_t now) {
  return c.exec(
      "UPDATE roster_imports SET status = 'failed', error = 'the server stopped while writing; the buildings "
      "written stay written; apply again to finish', updated_at = $1 WHERE status IN ('queued', 'running')",
      {now});
}

}  // namespace mashang::roster::sql
