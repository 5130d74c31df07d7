//! The first worksheet of an .xlsx file: own zip reader (zip.hpp) + expat, streaming the sheet
//! XML as it inflates, so memory holds one row plus the shared strings.
#include <expat.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_map>

#include "sheet/detail.hpp"
#include "sheet/zip.hpp"

namespace mashang::sheet::detail {
namespace {

constexpr char kNsSeparator = '\x01';  // expat joins namespace URI and local name with it
constexpr size_t kRowNumberMax = 1048576;
constexpr size_t kColumnNumberMax = 16384;
constexpr size_t kStylesMax = 65536;
constexpr size_t kRelationshipsMax = 10000;
constexpr size_t kTextSlack = 256;  // whitespace an unpreserved <t> may lose after the length cut

Error damaged(const std::string& part, const std::string& what) {
  return make_error(Errc::invalid_input, "the .xlsx file is damaged: " + part + ": " + what);
}

std::string_view local_name(std::string_view name) {
  const size_t at = name.rfind(kNsSeparator);
  return at == std::string_view::npos ? name : name.substr(at + 1);
}

//! The value of the attribute `local` (in some namespace when `namespaced`, else in none), or nullptr.
const char* attr(const char** attrs, std::string_view local, bool namespaced = false) {
  for (; *attrs; attrs += 2) {
    const std::string_view name(attrs[0]);
    const size_t at = name.rfind(kNsSeparator);
    const bool has_ns = at != std::string_view::npos;
    if (has_ns == namespaced && (has_ns ? name.substr(at + 1) : name) == local) return attrs[1];
  }
  return nullptr;
}

bool preserves_space(const char** attrs) {
  const char* v = attr(attrs, "space", true);
  return v && std::strcmp(v, "preserve") == 0;
}

//! What Excel does with a <t> that lacks xml:space="preserve": surrounding whitespace goes.
void trim_xml_space(std::string& s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  size_t b = 0, e = s.size();
  while (b < e && space(s[b])) ++b;
  while (e > b && space(s[e - 1])) --e;
  s = s.substr(b, e - b);
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

//! Receives the parse of one part. A handler stops the parse with fail().
class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void start(std::string_view name, const char** attrs) = 0;
  virtual void end(std::string_view name) = 0;
  virtual void text(std::string_view) {}

  void fail(Error e) {
    if (!error) error = std::move(e);
    XML_StopParser(parser, XML_FALSE);
  }
  XML_Parser parser = nullptr;
  std::string part;
  std::optional<Error> error;
};

extern "C" {
static void on_start(void* h, const XML_Char* name, const XML_Char** attrs) {
  static_cast<XmlHandler*>(h)->start(local_name(name), attrs);
}
static void on_end(void* h, const XML_Char* name) { static_cast<XmlHandler*>(h)->end(local_name(name)); }
static void on_text(void* h, const XML_Char* s, int len) {
  static_cast<XmlHandler*>(h)->text(std::string_view(s, size_t(len)));
}
static void on_doctype(void* h, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  auto* x = static_cast<XmlHandler*>(h);
  x->fail(make_error(Errc::invalid_input,
                     "the .xlsx file is refused: " + x->part + " declares a DOCTYPE, which Excel files never do"));
}
static void on_entity(void* h, const XML_Char*, int, const XML_Char*, int, const XML_Char*, const XML_Char*,
                      const XML_Char*, const XML_Char*) {
  auto* x = static_cast<XmlHandler*>(h);
  x->fail(make_error(Errc::invalid_input,
                     "the .xlsx file is refused: " + x->part + " declares an entity, which Excel files never do"));
}
}

struct Package {
  zip::Archive archive;
  size_t budget;  // bytes that may still be inflated
};

//! Inflates `part` and feeds it to expat as it comes out.
Status parse_part(Package& pkg, const zip::Entry& part, XmlHandler& h) {
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreateNS(nullptr, kNsSeparator),
                                                                      &XML_ParserFree);
  if (!parser) return make_error(Errc::internal, "expat could not create a parser");
  XML_Parser p = parser.get();
  h.parser = p;
  h.part = part.name;
  XML_SetUserData(p, &h);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  XML_SetStartDoctypeDeclHandler(p, on_doctype);
  XML_SetEntityDeclHandler(p, on_entity);
  auto feed = [&](std::string_view chunk, bool final) -> Status {
    if (XML_Parse(p, chunk.data(), int(chunk.size()), final ? XML_TRUE : XML_FALSE) != XML_STATUS_ERROR)
      return h.error ? Status(*h.error) : ok_status();
    if (h.error) return *h.error;
    return damaged(part.name,
                   "line " + std::to_string(XML_GetCurrentLineNumber(p)) + ": " + XML_ErrorString(XML_GetErrorCode(p)));
  };
  if (auto st = pkg.archive.extract(part, pkg.budget, [&](std::string_view c) { return feed(c, false); }); !st)
    return st;
  return feed({}, true);
}

// --- xl/workbook.xml and relationships ------------------------------------------------------

struct WorkbookHandler : XmlHandler {
  bool date1904 = false;
  std::string first_sheet_id;
  void start(std::string_view name, const char** attrs) override {
    if (name == "workbookPr") {
      const char* v = attr(attrs, "date1904");
      date1904 = v && (std::strcmp(v, "1") == 0 || std::strcmp(v, "true") == 0);
    } else if (name == "sheet" && first_sheet_id.empty()) {
      const char* id = attr(attrs, "id", true);
      if (!id || !*id) return fail(damaged(part, "the first sheet has no relationship id"));
      first_sheet_id = id;
    }
  }
  void end(std::string_view) override {}
};

struct Relationship {
  std::string id, type, target;
  bool external = false;
};

struct RelsHandler : XmlHandler {
  std::vector<Relationship> rels;
  void start(std::string_view name, const char** attrs) override {
    if (name != "Relationship") return;
    if (rels.size() >= kRelationshipsMax) return fail(damaged(part, "too many relationships"));
    const char *id = attr(attrs, "Id"), *type = attr(attrs, "Type"), *target = attr(attrs, "Target");
    const char* mode = attr(attrs, "TargetMode");
    if (!id || !type || !target) return fail(damaged(part, "a relationship lacks Id, Type or Target"));
    rels.push_back({id, type, target, mode && std::strcmp(mode, "External") == 0});
  }
  void end(std::string_view) override {}
  const Relationship* by_id(std::string_view id) const {
    for (const auto& r : rels)
      if (r.id == id) return &r;
    return nullptr;
  }
  const Relationship* by_type(std::string_view suffix) const {
    for (const auto& r : rels)
      if (!r.external && std::string_view(r.type).ends_with(suffix)) return &r;
    return nullptr;
  }
};

//! A relationship target as a zip entry name: relative to xl/ or absolute ("/xl/..."), no escape above the root.
std::optional<std::string> resolve(std::string_view target) {
  std::string joined = target.starts_with('/') ? std::string(target.substr(1)) : "xl/" + std::string(target);
  std::vector<std::string> parts;
  size_t from = 0;
  while (from <= joined.size()) {
    size_t to = joined.find('/', from);
    if (to == std::string::npos) to = joined.size();
    const std::string seg = joined.substr(from, to - from);
    if (seg == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    from = to + 1;
  }
  std::string path;
  for (const auto& s : parts) path += (path.empty() ? "" : "/") + s;
  if (path.empty()) return std::nullopt;
  return path;
}

// --- xl/styles.xml: which cell styles show numbers as dates ---------------------------------

//! A number format code shows a date when it has y, d or a month m (an m with no h or s is a
//! month) outside quoted text, [brackets] and escaped characters, in its first section.
bool date_format_code(std::string_view code) {
  bool y = false, m = false, d = false, h = false, s = false;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '"') {
      const size_t close = code.find('"', i + 1);
      if (close == std::string_view::npos) break;
      i = close;
    } else if (c == '[') {
      const size_t close = code.find(']', i + 1);
      if (close == std::string_view::npos) break;
      i = close;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;
    } else if (c == ';') {
      break;
    } else {
      switch (c | 0x20) {
        case 'y': y = true; break;
        case 'm': m = true; break;
        case 'd': d = true; break;
        case 'h': h = true; break;
        case 's': s = true; break;
        default: break;
      }
    }
  }
  return y || d || (m && !h && !s);
}

//! Built-in formats that show dates: 14–22 and 45–47 (ECMA-376), and the zh-CN built-ins
//! 27–31, 36, 50–54, 57, 58 (yyyy"年"m"月"d"日" and the like), which Chinese Excel writes unnamed.
bool builtin_date_format(int id) {
  return (id >= 14 && id <= 22) || (id >= 45 && id <= 47) || (id >= 27 && id <= 31) || id == 36 ||
         (id >= 50 && id <= 54) || id == 57 || id == 58;
}

struct StylesHandler : XmlHandler {
  std::unordered_map<int, bool> custom;  // numFmtId → shows a date
  std::vector<int> xf_formats;           // cellXfs index → numFmtId
  bool in_formats = false, in_xfs = false;
  void start(std::string_view name, const char** attrs) override {
    if (name == "numFmts")
      in_formats = true;
    else if (name == "cellXfs")
      in_xfs = true;
    else if (name == "numFmt" && in_formats) {
      const char *id = attr(attrs, "numFmtId"), *code = attr(attrs, "formatCode");
      int n = 0;
      if (id && code && parse_number(std::string_view(id), n)) custom[n] = date_format_code(code);
    } else if (name == "xf" && in_xfs) {
      if (xf_formats.size() >= kStylesMax) return fail(damaged(part, "too many cell styles"));
      const char* id = attr(attrs, "numFmtId");
      int n = 0;
      xf_formats.push_back(id && parse_number(std::string_view(id), n) ? n : 0);
    }
  }
  void end(std::string_view name) override {
    if (name == "numFmts")
      in_formats = false;
    else if (name == "cellXfs")
      in_xfs = false;
  }
  std::vector<bool> date_styles() const {
    std::vector<bool> out;
    for (int id : xf_formats) {
      auto it = custom.find(id);
      out.push_back(it != custom.end() ? it->second : builtin_date_format(id));
    }
    return out;
  }
};

//! "YYYY-MM-DD" for the day of Excel serial `v`, or nullopt when `v` is no date Excel can show.
std::optional<std::string> excel_date(std::string_view v, bool date1904) {
  double serial = 0;
  if (!parse_number(v, serial) || !std::isfinite(serial)) return std::nullopt;
  const double whole = std::floor(serial);
  if (whole < (date1904 ? 0 : 1) || whole > (date1904 ? 2957003 : 2958465)) return std::nullopt;
  int64_t day = int64_t(whole);
  if (!date1904 && day == 60) return std::string("1900-02-29");  // Lotus 1-2-3's leap day, kept by Excel
  // Days since 1970-01-01: the 1900 system counts from 1899-12-31 (from 1899-12-30 after its fake leap day).
  int64_t z = date1904 ? day - 24107 : (day < 60 ? day - 25568 : day - 25569);
  // civil_from_days (H. Hinnant)
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", int(y), int(m), int(d));
  return std::string(buf);
}

// --- rich text: <si> in shared strings, <is> in cells ---------------------------------------

//! Collects the text of a string item: <t> directly or in <r> runs, skipping phonetic <rPh>.
class RichText {
 public:
  explicit RichText(size_t cap) : cap_(cap) {}
  void begin() {
    text_.clear();
    too_long_ = false;
    rph_ = 0;
    in_t_ = false;
  }
  void start(std::string_view name, const char** attrs) {
    if (name == "rPh")
      ++rph_;
    else if (name == "t" && rph_ == 0) {
      in_t_ = true;
      preserve_ = preserves_space(attrs);
      t_.clear();
    }
  }
  void end(std::string_view name) {
    if (name == "rPh" && rph_ > 0)
      --rph_;
    else if (name == "t" && in_t_) {
      in_t_ = false;
      if (t_.size() > cap_ + kTextSlack) too_long_ = true;
      if (!preserve_) trim_xml_space(t_);
      add(t_);
    }
  }
  void text(std::string_view s) {
    if (!in_t_) return;
    if (t_.size() + s.size() > cap_ + kTextSlack + 1)
      s = s.substr(0, cap_ + kTextSlack + 1 - std::min(t_.size(), cap_ + kTextSlack + 1));
    t_.append(s);
  }
  //! The text, cut to one byte over the cap when it is too long (so a length check still fails).
  std::string& result() {
    if (too_long_ || text_.size() > cap_) text_.resize(cap_ + 1, ' ');
    return text_;
  }

 private:
  void add(std::string_view s) {
    if (text_.size() + s.size() > cap_) {
      too_long_ = true;
      s = s.substr(0, cap_ + 1 - std::min(text_.size(), cap_ + 1));
    }
    text_.append(s);
  }
  size_t cap_;
  std::string text_, t_;
  bool too_long_ = false, in_t_ = false, preserve_ = false;
  int rph_ = 0;
};

struct SharedStringsHandler : XmlHandler {
  SharedStringsHandler(size_t cell_cap, size_t count_max) : item(cell_cap), count_max(count_max) {}
  RichText item;
  size_t count_max;
  bool in_si = false;
  std::string arena;             // every string, one after another
  std::vector<uint64_t> starts;  // where each string starts in the arena; one more at the end

  void start(std::string_view name, const char** attrs) override {
    if (name == "si") {
      if (starts.size() >= count_max)
        return fail(damaged(part, "more shared strings than any sheet within the limits uses"));
      in_si = true;
      item.begin();
    } else if (in_si) {
      item.start(name, attrs);
    }
  }
  void end(std::string_view name) override {
    if (!in_si) return;
    if (name != "si") return item.end(name);
    in_si = false;
    starts.push_back(arena.size());
    arena += item.result();
  }
  void text(std::string_view s) override {
    if (in_si) item.text(s);
  }
  size_t size() const { return starts.size(); }
  std::string_view at(size_t i) const {
    const size_t b = starts[i], e = i + 1 < starts.size() ? starts[i + 1] : arena.size();
    return std::string_view(arena).substr(b, e - b);
  }
};

// --- the worksheet ---------------------------------------------------------------------------

struct SheetHandler : XmlHandler {
  SheetHandler(const Limits& limits, const RowSink& on_row, const SharedStringsHandler& strings,
               const std::vector<bool>& date_styles, bool date1904)
      : limits(limits),
        on_row(on_row),
        strings(strings),
        date_styles(date_styles),
        date1904(date1904),
        inline_text(limits.cell_bytes_max) {}
  const Limits& limits;
  const RowSink& on_row;
  const SharedStringsHandler& strings;
  const std::vector<bool>& date_styles;
  bool date1904;

  int64_t delivered = 0;
  bool in_row = false, in_cell = false, in_v = false, in_is = false;
  int64_t row = 0;   // number of the current (or last) row
  long column = -1;  // 0-based column of the current (or last) cell of the row
  std::vector<Cell> cells;
  // the current cell
  std::string type, value;
  size_t style = 0;
  bool has_value = false, formula = false, value_too_long = false;
  RichText inline_text;

  void start(std::string_view name, const char** attrs) override {
    if (in_is) return inline_text.start(name, attrs);
    if (name == "row") return start_row(attrs);
    if (name == "c") return start_cell(attrs);
    if (!in_cell) return;
    if (name == "v") {
      in_v = has_value = true;
    } else if (name == "f") {
      formula = true;
    } else if (name == "is") {
      in_is = has_value = true;
      inline_text.begin();
    }
  }
  void end(std::string_view name) override {
    if (in_is) {
      if (name == "is")
        in_is = false;
      else
        inline_text.end(name);
    } else if (name == "v") {
      in_v = false;
    } else if (name == "c" && in_cell) {
      in_cell = false;
      end_cell();
    } else if (name == "row" && in_row) {
      in_row = false;
      end_row();
    }
  }
  void text(std::string_view s) override {
    if (in_is) return inline_text.text(s);
    if (!in_v) return;
    if (value.size() + s.size() > limits.cell_bytes_max + kTextSlack) {
      value_too_long = true;
      return;
    }
    value.append(s);
  }

  void start_row(const char** attrs) {
    if (in_row) return fail(damaged(part, "a row inside a row"));
    int64_t n = row + 1;
    if (const char* r = attr(attrs, "r")) {
      if (!parse_number(std::string_view(r), n) || n < 1 || size_t(n) > kRowNumberMax)
        return fail(damaged(part, std::string("a row has the invalid number \"") + r + "\""));
      if (n <= row) return fail(damaged(part, "row " + std::to_string(n) + " comes after row " + std::to_string(row)));
    }
    if (size_t(n) > kRowNumberMax) return fail(damaged(part, "more than 1048576 rows"));
    row = n;
    in_row = true;
    column = -1;
    cells.clear();
  }

  void start_cell(const char** attrs) {
    if (!in_row) return fail(damaged(part, "a cell outside a row"));
    if (in_cell) return fail(damaged(part, place(row) + ": a cell inside a cell"));
    long c = column + 1;
    if (const char* r = attr(attrs, "r")) {
      std::string_view ref(r);
      size_t i = 0, n = 0;
      while (i < ref.size() && i < 3 && (ref[i] | 0x20) >= 'a' && (ref[i] | 0x20) <= 'z')
        n = n * 26 + ((ref[i++] | 0x20) - 'a' + 1);
      int64_t ref_row = 0;
      if (n == 0 || n > kColumnNumberMax || (i < ref.size() && !parse_number(ref.substr(i), ref_row)))
        return fail(damaged(part, place(row) + ": the cell reference \"" + std::string(ref) + "\" is not valid"));
      c = long(n - 1);
      if (c <= column)
        return fail(damaged(part, place(row) + ": cell " + std::string(ref) + " is out of order or repeated"));
    }
    if (size_t(c) >= kColumnNumberMax) return fail(damaged(part, place(row) + ": more than 16384 columns"));
    column = c;
    in_cell = true;
    const char* t = attr(attrs, "t");
    type = t ? t : "n";
    const char* s = attr(attrs, "s");
    style = 0;
    if (s && !parse_number(std::string_view(s), style)) style = 0;
    value.clear();
    has_value = formula = value_too_long = in_v = in_is = false;
  }

  void end_cell() {
    if (!has_value && !formula) return;  // a styled empty cell
    std::string out;
    if (type == "s") {
      size_t i = 0;
      if (!parse_number(std::string_view(value), i) || i >= strings.size())
        return fail(damaged(part, place(row, column) + ": shared string " + value + " does not exist (there are " +
                                      std::to_string(strings.size()) + ")"));
      out = strings.at(i);
    } else if (type == "inlineStr") {
      out = std::move(inline_text.result());
    } else if (type == "b") {
      out = value == "1" ? "TRUE" : value == "0" ? "FALSE" : value;
    } else if (type == "n" && style < date_styles.size() && date_styles[style]) {
      auto date = excel_date(value, date1904);
      out = date ? *date : value;
    } else {
      out = value;  // numbers as written, "str" formula results, "e" error texts, "d" ISO dates
    }
    if (value_too_long || out.size() > limits.cell_bytes_max)
      return fail(make_error(Errc::too_large, place(row, column) + ": a cell is longer than " +
                                                  std::to_string(limits.cell_bytes_max) + " bytes (cell_bytes_max)"));
    if (out.empty() && !formula) return;
    if (size_t(column) >= limits.columns_max)
      return fail(make_error(Errc::too_large, place(row, column) + ": more than " + std::to_string(limits.columns_max) +
                                                  " columns (columns_max)"));
    cells.resize(size_t(column));
    cells.push_back(Cell{std::move(out), formula});
  }

  void end_row() {
    if (cells.empty()) return;
    if (size_t(delivered) >= limits.rows_max)
      return fail(make_error(Errc::too_large,
                             place(row) + ": more than " + std::to_string(limits.rows_max) + " rows (rows_max)"));
    ++delivered;
    Status st = on_row(Row{row, std::move(cells)});
    cells = {};
    if (!st) fail(st.error());
  }
};

const zip::Entry* part_of(const Package& pkg, const RelsHandler& rels, std::string_view type_suffix) {
  const Relationship* r = rels.by_type(type_suffix);
  if (!r) return nullptr;
  auto path = resolve(r->target);
  return path ? pkg.archive.find(*path) : nullptr;
}

}  // namespace

Result<Info> read_xlsx(std::string_view bytes, const Limits& limits, const RowSink& on_row) {
  auto archive = zip::Archive::open(bytes);
  if (!archive) return archive.error();
  Package pkg{std::move(*archive), limits.xlsx_uncompressed_max};

  const zip::Entry* workbook_part = pkg.archive.find("xl/workbook.xml");
  if (!workbook_part)
    return make_error(Errc::invalid_input, "the file is a zip but not an Excel workbook (it has no xl/workbook.xml)");
  WorkbookHandler workbook;
  if (auto st = parse_part(pkg, *workbook_part, workbook); !st) return st.error();
  if (workbook.first_sheet_id.empty()) return make_error(Errc::invalid_input, "the workbook has no sheets");

  const zip::Entry* rels_part = pkg.archive.find("xl/_rels/workbook.xml.rels");
  if (!rels_part) return damaged("xl/_rels/workbook.xml.rels", "the part is missing");
  RelsHandler rels;
  if (auto st = parse_part(pkg, *rels_part, rels); !st) return st.error();

  const Relationship* sheet_rel = rels.by_id(workbook.first_sheet_id);
  if (!sheet_rel || sheet_rel->external)
    return damaged(rels_part->name, "the first sheet's relationship " + workbook.first_sheet_id + " is missing");
  if (!std::string_view(sheet_rel->type).ends_with("/worksheet"))
    return make_error(Errc::invalid_input,
                      "the first sheet of the workbook is not a worksheet (a chart sheet?); "
                      "move the data to the first sheet");
  auto sheet_path = resolve(sheet_rel->target);
  const zip::Entry* sheet_part = sheet_path ? pkg.archive.find(*sheet_path) : nullptr;
  if (!sheet_part) return damaged(rels_part->name, "the first sheet's part " + sheet_rel->target + " is missing");

  std::vector<bool> date_styles;
  if (const zip::Entry* styles_part = part_of(pkg, rels, "/styles")) {
    StylesHandler styles;
    if (auto st = parse_part(pkg, *styles_part, styles); !st) return st.error();
    date_styles = styles.date_styles();
  }
  SharedStringsHandler strings(limits.cell_bytes_max, limits.rows_max * limits.columns_max);
  if (const zip::Entry* strings_part = part_of(pkg, rels, "/sharedStrings")) {
    if (auto st = parse_part(pkg, *strings_part, strings); !st) return st.error();
  }

  SheetHandler sheet(limits, on_row, strings, date_styles, workbook.date1904);
  if (auto st = parse_part(pkg, *sheet_part, sheet); !st) return st.error();
  return Info{Format::xlsx, Encoding::none, sheet.delivered};
}

}  // namespace mashang::sheet::detail
