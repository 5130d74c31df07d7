// District admins edit the catalogue: a category is written whole (its questions replaced),
// checked field by field, audited; orders keep their category id, so a change applies to what
// happens next (the next deadline, the next claim), never rewrites the past.
#include <algorithm>
#include <set>

#include "core/text.hpp"
#include "modules/audit/audit.hpp"
#include "modules/orders/internal.hpp"
#include "modules/orgs/orgs.hpp"

namespace mashang::orders {
using namespace detail;

namespace {

constexpr std::string_view kDatatypes[] = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"};

bool valid_code(const std::string& s, size_t max) {
  if (s.empty() || s.size() > max || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; });
}

Status name(const std::string& v, const std::string& field, size_t max = 100) {
  // plain_line: valid UTF-8 on one line, no control characters (NUL included: PostgreSQL would
  // cut the text there), not only spaces.
  if (!text::plain_line(v, max * 4) || text::utf8_chars(v) > max)
    return make_error(Errc::invalid_input, "1 to " + std::to_string(max) + " characters of text on one line", field);
  return ok_status();
}

Status check(const Category& c) {
  if (!valid_code(c.code, 64))
    return make_error(Errc::invalid_input, "a code is 1 to 64 of a-z, 0-9, '_' and '.', starting with a letter",
                      "code");
  for (auto [v, f] : {std::pair{&c.name_zh, "name_zh"}, std::pair{&c.name_en, "name_en"}, std::pair{&c.group, "group"}})
    if (auto s = name(*v, f); !s.ok()) return s;
  for (auto [v, f] : {std::pair{c.claim_minutes, "claim_minutes"}, std::pair{c.finish_minutes, "finish_minutes"}})
    if (v < 1 || v > 525'600) return make_error(Errc::invalid_input, "1 to 525600 minutes (a year)", f);
  if (c.claim_roles.empty())
    return make_error(Errc::invalid_input, "at least one role must be able to claim", "claim_roles");
  std::set<std::string> seen;
  for (const auto& r : c.claim_roles)
    if (!is_role(r) || r == "resident" || !seen.insert(r).second)
      return make_error(Errc::invalid_input, "not a staff role, or twice: " + r, "claim_roles");
  seen.clear();
  for (const auto& d : c.departments)
    if (std::find(std::begin(orgs::kKinds), std::end(orgs::kKinds), d) == std::end(orgs::kKinds) ||
        !seen.insert(d).second)
      return make_error(Errc::invalid_input, "not an organisation kind, or twice: " + d, "departments");
  if (c.questions.size() > 20) return make_error(Errc::invalid_input, "at most 20 questions", "questions");
  seen.clear();
  for (size_t i = 0; i < c.questions.size(); ++i) {
    const auto& q = c.questions[i];
    std::string at = "questions[" + std::to_string(i) + "]";
    if (!valid_code(q.code, 40) || !seen.insert(q.code).second)
      return make_error(Errc::invalid_input, "a question code is 1 to 40 of a-z, 0-9, '_', '.', once", at + ".code");
    if (auto s = name(q.label_zh, at + ".label_zh", 200); !s.ok()) return s;
    if (auto s = name(q.label_en, at + ".label_en", 200); !s.ok()) return s;
    if (std::find(std::begin(kDatatypes), std::end(kDatatypes), q.datatype) == std::end(kDatatypes))
      return make_error(Errc::invalid_input,
                        "datatype must be one of string, number, datetime, text, "
                        "singlevaluelist, multivaluelist",
                        at + ".datatype");
    bool list = q.datatype.ends_with("valuelist");
    if (list != !q.values.empty() || q.values.size() > 50)
      return make_error(Errc::invalid_input,
                        list ? "a list question has 1 to 50 values" : "only list questions have values",
                        at + ".values");
    std::set<std::string> keys;
    for (const auto& [k, n] : q.values) {
      if (!valid_code(k, 40) || !keys.insert(k).second)
        return make_error(Errc::invalid_input, "a value key is 1 to 40 of a-z, 0-9, '_', '.', once", at + ".values");
      if (auto s = name(n, at + ".values", 100); !s.ok()) return s;
    }
  }
  return ok_status();
}

std::string join_commas(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

Result<Category> Service::put_category(Category c, const Principal& who, const std::string& ip, bool* created) {
  if (!who.has_role("district_admin", "/"))
    return make_error(Errc::forbidden, "only district administrators edit the catalogue");
  if (auto s = check(c); !s.ok()) return s.error();
  Result<Category> out = make_error(Errc::not_found, "no such category");
  Status st = db_.write([&](store::Conn& conn) -> Status {
    int64_t now = clock_.now_ms();
    auto known = conn.query_one("SELECT id FROM categories WHERE code = $1", {c.code});
    std::vector<store::Value> fields = {c.name_zh,
                                        c.name_en,
                                        c.group,
                                        c.claim_minutes,
                                        c.finish_minutes,
                                        join_commas(c.claim_roles),
                                        join_commas(c.departments),
                                        int64_t{c.photos_required},
                                        int64_t{c.triage},
                                        int64_t{c.active},
                                        now,
                                        c.code};
    int64_t id;
    if (known) {
      id = known->integer(0);
      conn.exec(
          "UPDATE categories SET name_zh = $1, name_en = $2, group_name = $3, claim_minutes = $4, finish_minutes = $5, "
          "claim_roles = $6, departments = $7, photos_required = $8, triage = $9, active = $10, updated_at = $11 "
          "WHERE code = $12",
          fields);
      conn.exec("DELETE FROM category_questions WHERE category_id = $1", {id});
    } else {
      auto added = conn.query_one(
          "INSERT INTO categories (name_zh, name_en, group_name, claim_minutes, finish_minutes, claim_roles, "
          "departments, photos_required, triage, active, updated_at, code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
          "$9, $10, $11, $12) ON CONFLICT (code) DO NOTHING RETURNING id",
          fields);
      if (!added) return make_error(Errc::conflict, "someone added this category at the same moment; try again");
      id = added->integer(0);
    }
    int64_t seq = 0;
    for (const auto& q : c.questions) {
      std::string choices;
      for (const auto& [key, n] : q.values) choices += key + "\t" + n + "\n";
      conn.exec(
          "INSERT INTO category_questions (category_id, seq, code, label_zh, label_en, datatype, required, choices) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          {id, ++seq, q.code, q.label_zh, q.label_en, q.datatype, int64_t{q.required}, choices});
    }
    std::string details = "{\"code\":";
    text::append_json_string(details, c.code);
    details += std::string(",\"active\":") + (c.active ? "true" : "false") + "}";
    audit::record(conn,
                  {known ? "category.changed" : "category.created", "category:" + std::to_string(id), who.account_id,
                   ip, "", details},
                  now);
    if (created) *created = !known;
    out = *category_by_id(conn, id);
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

}  // namespace mashang::orders
