// Roster columns: headings, and the spellings Chinese rosters use for values (男/女, 户主,
// 空巢老人, 1栋, 301室, 1980/1/2 …), turned into the registry's values.
#include "modules/roster/columns.hpp"

#include <algorithm>
#include <cstdio>

#include "core/text.hpp"

namespace mashang::roster::cols {
namespace {

struct Heading {
  Field field;
  std::vector<std::string> names;  // lowercase for the English ones
  bool required;
};
const std::vector<Heading>& headings() {
  static const std::vector<Heading> h = {
      {street, {"街道", "街道办", "street"}, false},
      {community, {"社区", "社区名称", "所属社区", "community"}, true},
      {grid, {"网格", "网格名称", "所属网格", "grid"}, true},
      {compound, {"小区", "小区名称", "所属小区", "compound"}, true},
      {building, {"楼栋", "楼号", "楼栋号", "building"}, true},
      {unit, {"单元", "单元号", "unit"}, true},
      {floor, {"楼层", "层", "floor"}, false},
      {room, {"房号", "室", "房间号", "门牌号", "room"}, true},
      {name, {"姓名", "name"}, true},
      {gender, {"性别", "gender"}, false},
      {birth_date, {"出生日期", "生日", "birth_date", "birth date"}, false},
      {id_number, {"身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number", "id number"}, false},
      {phone, {"手机号", "手机号码", "联系电话", "电话", "手机", "phone"}, false},
      {relation, {"与户主关系", "关系", "relation"}, true},
      {tags, {"标签", "人员类别", "人员标签", "tags"}, false},
  };
  return h;
}

// Trims ASCII white space and the ideographic space U+3000 at both ends.
std::string trim(std::string s) {
  auto starts = [&](std::string_view p) { return s.compare(0, p.size(), p) == 0; };
  auto ends = [&](std::string_view p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
  };
  for (;;) {
    if (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
      s.erase(0, 1);
    else if (starts("\xE3\x80\x80"))
      s.erase(0, 3);
    else if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
      s.pop_back();
    else if (ends("\xE3\x80\x80"))
      s.resize(s.size() - 3);
    else
      return s;
  }
}

std::string lower_ascii(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string strip_suffix(std::string s, std::initializer_list<std::string_view> suffixes) {
  for (auto suf : suffixes)
    if (s.size() > suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0)
      return s.substr(0, s.size() - suf.size());
  return s;
}

// A cell a spreadsheet would run as a formula (CSV injection: =cmd|…, @SUM(…), +…, -…).
bool formula_like(const sheet::Cell& c) {
  if (c.formula) return true;
  if (c.text.empty()) return false;
  char f = c.text[0];
  if (f == '=' || f == '@') return true;
  if (f == '+' || f == '-')
    return !(c.text.size() > 1 && (std::isdigit(static_cast<unsigned char>(c.text[1])) || c.text[1] == ' '));
  return false;
}

std::optional<std::string> date_of(const std::string& s) {
  int y = 0, m = 0, d = 0;
  char a = 0, b = 0, tail = 0;
  if (s.size() == 8 && all_digits(s)) {
    std::sscanf(s.c_str(), "%4d%2d%2d", &y, &m, &d);
  } else if (std::sscanf(s.c_str(), "%d%c%d%c%d%c", &y, &a, &m, &b, &d, &tail) == 5 && a == b &&
             (a == '-' || a == '/' || a == '.')) {
  } else {
    return std::nullopt;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return std::string(buf);
}

template <size_t N>
std::optional<std::string> lookup(const std::string& v, const std::pair<const char*, const char*> (&table)[N]) {
  std::string l = lower_ascii(v);
  for (const auto& [from, to] : table)
    if (l == from) return std::string(to);
  return std::nullopt;
}

const std::pair<const char*, const char*> kGenders[] = {{"男", "M"}, {"m", "M"}, {"male", "M"},
                                                        {"女", "F"}, {"f", "F"}, {"female", "F"}};
const std::pair<const char*, const char*> kRelations[] = {{"户主", "head"},
                                                          {"本人", "head"},
                                                          {"head", "head"},
                                                          {"配偶", "spouse"},
                                                          {"妻子", "spouse"},
                                                          {"丈夫", "spouse"},
                                                          {"妻", "spouse"},
                                                          {"夫", "spouse"},
                                                          {"spouse", "spouse"},
                                                          {"子女", "child"},
                                                          {"儿子", "child"},
                                                          {"女儿", "child"},
                                                          {"子", "child"},
                                                          {"女", "child"},
                                                          {"长子", "child"},
                                                          {"长女", "child"},
                                                          {"次子", "child"},
                                                          {"次女", "child"},
                                                          {"child", "child"},
                                                          {"父母", "parent"},
                                                          {"父亲", "parent"},
                                                          {"母亲", "parent"},
                                                          {"父", "parent"},
                                                          {"母", "parent"},
                                                          {"parent", "parent"},
                                                          {"孙子女", "grandchild"},
                                                          {"孙子", "grandchild"},
                                                          {"孙女", "grandchild"},
                                                          {"外孙", "grandchild"},
                                                          {"外孙女", "grandchild"},
                                                          {"grandchild", "grandchild"},
                                                          {"兄弟姐妹", "sibling"},
                                                          {"兄", "sibling"},
                                                          {"弟", "sibling"},
                                                          {"姐", "sibling"},
                                                          {"妹", "sibling"},
                                                          {"sibling", "sibling"},
                                                          {"其他", "other"},
                                                          {"other", "other"}};
const std::pair<const char*, const char*> kTags[] = {{"空巢老人", "empty_nest_elder"},
                                                     {"空巢", "empty_nest_elder"},
                                                     {"empty_nest_elder", "empty_nest_elder"},
                                                     {"独居", "living_alone"},
                                                     {"独居老人", "living_alone"},
                                                     {"living_alone", "living_alone"},
                                                     {"残疾", "disability"},
                                                     {"残疾人", "disability"},
                                                     {"disability", "disability"},
                                                     {"低保", "low_income"},
                                                     {"低收入", "low_income"},
                                                     {"低保户", "low_income"},
                                                     {"low_income", "low_income"},
                                                     {"退役军人", "veteran"},
                                                     {"veteran", "veteran"},
                                                     {"儿童", "child"},
                                                     {"child", "child"},
                                                     {"老年人", "elder"},
                                                     {"老人", "elder"},
                                                     {"elder", "elder"}};

// Splits on ; ； , ， 、 | and spaces.
std::vector<std::string> split_tags(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (size_t i = 0; i < s.size();) {
    if (s[i] == ';' || s[i] == ',' || s[i] == '|' || s[i] == ' ') {
      flush();
      ++i;
    } else if (s.compare(i, 3, "\xEF\xBC\x9B") == 0 || s.compare(i, 3, "\xEF\xBC\x8C") == 0 ||
               s.compare(i, 3, "\xE3\x80\x81") == 0 || s.compare(i, 3, "\xE3\x80\x80") == 0) {  // ；，、 and U+3000
      flush();
      i += 3;
    } else {
      cur += s[i++];
    }
  }
  flush();
  return out;
}

}  // namespace

Result<Header> read_header(const sheet::Row& row) {
  Header h;
  h.at.fill(-1);
  for (size_t c = 0; c < row.cells.size(); ++c) {
    std::string t = trim(row.cells[c].text);
    h.titles.push_back(t);
    if (t.empty()) continue;
    std::string l = lower_ascii(t);
    bool known = false;
    for (const auto& hd : headings()) {
      if (std::find(hd.names.begin(), hd.names.end(), l) == hd.names.end()) continue;
      known = true;
      if (h.at[hd.field] >= 0)
        return make_error(Errc::invalid_input,
                          "row 1: columns " + sheet::column_name(h.at[hd.field]) + " and " + sheet::column_name(c) +
                              " are both " + hd.names[0],
                          "file");
      h.at[hd.field] = static_cast<int>(c);
    }
    if (!known) h.ignored.push_back(t);
  }
  std::string missing;
  for (const auto& hd : headings())
    if (hd.required && h.at[hd.field] < 0) missing += (missing.empty() ? "" : "、") + hd.names[0];
  if (h.at[gender] < 0 && h.at[id_number] < 0)
    missing += std::string(missing.empty() ? "" : "、") + "性别 (or 身份证号)";
  if (!missing.empty())
    return make_error(Errc::invalid_input,
                      "row 1: the header lacks the column(s) " + missing + " (a roster's first row names its columns)",
                      "file");
  return h;
}

std::string title(const Header& h, Field f) {
  int c = h.at[f];
  return c >= 0 && static_cast<size_t>(c) < h.titles.size() ? h.titles[c] : "";
}

std::optional<Record> read_row(const Header& h, const sheet::Row& row, std::vector<Problem>& problems) {
  size_t before = problems.size();
  auto bad = [&](Field f, std::string m) { problems.push_back({row.number, title(h, f), std::move(m)}); };
  auto cell = [&](Field f) -> std::string {
    int c = h.at[f];
    if (c < 0 || static_cast<size_t>(c) >= row.cells.size()) return "";
    const auto& cl = row.cells[c];
    if (formula_like(cl)) {
      bad(f, "looks like a spreadsheet formula; formulas are not imported (type the value itself)");
      return "";
    }
    return trim(cl.text);
  };
  auto need = [&](Field f) {
    size_t n0 = problems.size();
    std::string v = cell(f);
    if (v.empty() && problems.size() == n0) bad(f, "is empty");
    return v;
  };
  Record r;
  r.row = row.number;
  r.address.street = cell(street);
  r.address.community = need(community);
  r.address.grid = need(grid);
  r.address.compound = need(compound);
  std::string b = need(building);
  b = strip_suffix(b, {"号楼", "栋", "幢", "号", "#"});
  r.address.building = all_digits(b) ? b + "号楼" : b;
  r.home.unit = strip_suffix(need(unit), {"单元"});
  r.home.room = strip_suffix(need(room), {"室", "号"});
  std::string fl = strip_suffix(cell(floor), {"层", "楼"});
  if (!fl.empty()) {
    if (!all_digits(fl) || fl.size() > 3)
      bad(floor, "must be a whole number");
    else
      r.home.floor = std::stoll(fl);
  } else if (all_digits(r.home.room) && r.home.room.size() <= 6) {
    r.home.floor = r.home.room.size() >= 3 ? std::stoll(r.home.room) / 100 : 1;
  } else {
    r.home.floor = 1;
  }
  r.person.name = need(name);
  std::string id = cell(id_number);
  id.erase(std::remove(id.begin(), id.end(), ' '), id.end());
  if (!id.empty()) {
    if (id.find_first_of("Ee.") != std::string::npos && id.find_first_not_of("0123456789.Ee+") == std::string::npos)
      bad(id_number,
          "was stored as a number and lost its last digits; format the column as text in Excel and "
          "type the numbers again");
    if (id.back() == 'x') id.back() = 'X';
    r.person.id_number = id;
  }
  if (std::string g = cell(gender); !g.empty()) {
    auto m = lookup(g, kGenders);
    if (!m)
      bad(gender, "must be 男 or 女 (or M/F)");
    else
      r.person.gender = *m;
  } else if (r.person.id_number && r.person.id_number->size() == 18) {
    int d = (*r.person.id_number)[16] - '0';
    if (d >= 0 && d <= 9) r.person.gender = d % 2 ? "M" : "F";  // the ID number decides
  } else {
    bad(gender, "is empty and no ID number says it");
  }
  if (std::string d = cell(birth_date); !d.empty()) {
    auto iso = date_of(d);
    if (!iso)
      bad(birth_date, "must be a date such as 1980-01-02");
    else
      r.person.birth_date = *iso;
  }
  if (std::string p = cell(phone); !p.empty()) r.person.phone = p;
  if (std::string rel = need(relation); !rel.empty()) {
    auto m = lookup(rel, kRelations);
    if (!m)
      bad(relation, "must be one of 户主、配偶、子女、父母、孙子女、兄弟姐妹、其他");
    else
      r.person.relation = *m;
  }
  for (const auto& t : split_tags(cell(tags))) {
    auto m = lookup(t, kTags);
    if (!m) {
      bad(tags, "has an unknown tag (known: 空巢老人、独居、残疾、低保、退役军人、儿童、老年人)");
      continue;
    }
    if (std::find(r.person.tags.begin(), r.person.tags.end(), *m) == r.person.tags.end()) r.person.tags.push_back(*m);
  }
  if (problems.size() != before) return std::nullopt;
  return r;
}

}  // namespace mashang::roster::cols
