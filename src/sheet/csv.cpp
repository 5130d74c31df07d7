//! CSV as RFC 4180 describes it (comma-separated, quoted fields, CRLF/LF/CR line ends), in
//! UTF-8, UTF-8 with a BOM, or GB18030/GBK (decoded with glibc's iconv).
#include <iconv.h>

#include <array>
#include <cerrno>

#include "core/text.hpp"
#include "sheet/detail.hpp"

namespace mashang::sheet::detail {
namespace {

Error invalid(int64_t row, long column, const std::string& what) {
  return make_error(Errc::invalid_input, place(row, column) + ": " + what);
}
Error too_large(int64_t row, long column, const std::string& what) {
  return make_error(Errc::too_large, place(row, column) + ": " + what);
}

constexpr std::array<bool, 256> stops(std::string_view chars) {
  std::array<bool, 256> t{};
  for (char c : chars) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kUnquotedStop = stops(std::string_view(",\r\n\0", 4));
constexpr auto kQuotedStop = stops(std::string_view("\"\r\n\0", 4));

//! Splits UTF-8 text into records and delivers the ones that hold a value.
class Parser {
 public:
  Parser(std::string_view s, const Limits& limits, const RowSink& on_row) : s_(s), limits_(limits), on_row_(on_row) {}

  Status run() {
    while (i_ < s_.size()) {
      if (auto st = record(); !st) return st;
    }
    return ok_status();
  }
  int64_t delivered() const { return delivered_; }

 private:
  Status record() {
    const int64_t start = line_;
    Row row{start, {}};
    size_t empty_pending = 0;  // empty fields not yet added: trailing ones are dropped
    for (;;) {
      std::string text;
      if (auto st = field(start, long(row.cells.size() + empty_pending), text); !st) return st;
      if (text.empty()) {
        ++empty_pending;
      } else {
        const size_t column = row.cells.size() + empty_pending;
        if (column >= limits_.columns_max)
          return too_large(start, long(column),
                           "more than " + std::to_string(limits_.columns_max) + " columns (columns_max)");
        row.cells.resize(column);
        row.cells.push_back(Cell{std::move(text)});
        empty_pending = 0;
      }
      if (i_ == s_.size()) break;
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      line_end();
      break;
    }
    if (row.cells.empty()) return ok_status();
    if (size_t(delivered_) >= limits_.rows_max)
      return too_large(start, -1, "more than " + std::to_string(limits_.rows_max) + " rows (rows_max)");
    ++delivered_;
    return on_row_(std::move(row));
  }

  //! Reads one field at i_, leaving i_ on the separator, the line end or the end of the text.
  Status field(int64_t row, long column, std::string& text) {
    const size_t n = s_.size();
    auto take = [&](size_t from, size_t to) -> Status {
      if (text.size() + (to - from) > limits_.cell_bytes_max)
        return too_large(row, column,
                         "a cell is longer than " + std::to_string(limits_.cell_bytes_max) + " bytes (cell_bytes_max)");
      text.append(s_.data() + from, to - from);
      return ok_status();
    };
    if (i_ < n && s_[i_] == '"') {
      ++i_;
      for (;;) {
        size_t j = i_;
        while (j < n && !kQuotedStop[static_cast<unsigned char>(s_[j])]) ++j;
        if (auto st = take(i_, j); !st) return st;
        i_ = j;
        if (i_ == n) return invalid(row, -1, "a field has an opening quote that is never closed");
        const char c = s_[i_];
        if (c == '\0') return nul(row);
        if (c == '"') {
          if (i_ + 1 < n && s_[i_ + 1] == '"') {
            if (auto st = take(i_, i_ + 1); !st) return st;
            i_ += 2;
            continue;
          }
          ++i_;
          break;
        }
        const size_t from = i_;  // a line end inside quotes belongs to the text
        line_end();
        if (auto st = take(from, i_); !st) return st;
      }
      if (i_ < n && s_[i_] == '\0') return nul(row);
      if (i_ < n && s_[i_] != ',' && s_[i_] != '\r' && s_[i_] != '\n')
        return invalid(row, column, "text follows the closing quote of a quoted field (write \"\" for a quote)");
      return ok_status();
    }
    size_t j = i_;
    while (j < n && !kUnquotedStop[static_cast<unsigned char>(s_[j])]) ++j;
    if (auto st = take(i_, j); !st) return st;
    i_ = j;
    if (i_ < n && s_[i_] == '\0') return nul(row);
    return ok_status();
  }

  void line_end() {
    i_ += (s_[i_] == '\r' && i_ + 1 < s_.size() && s_[i_ + 1] == '\n') ? 2 : 1;
    ++line_;
  }

  static Error nul(int64_t row) { return invalid(row, -1, "the file contains a NUL byte, so it is not CSV text"); }

  std::string_view s_;
  const Limits& limits_;
  const RowSink& on_row_;
  size_t i_ = 0;
  int64_t line_ = 1;
  int64_t delivered_ = 0;
};

//! The row (line where the record starts) of byte `offset`, for errors about bytes.
int64_t row_at(std::string_view s, size_t offset) {
  int64_t line = 1, start = 1;
  bool quoted = false;
  for (size_t i = 0; i < offset && i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < offset && s[i + 1] == '\n') ++i;
      ++line;
      if (!quoted) start = line;
    }
  }
  return start;
}

//! How well `s` reads as UTF-8: the first bad byte and counts of good multi-byte and bad sequences.
struct Utf8Scan {
  size_t first_bad = std::string_view::npos;
  size_t multibyte = 0;
  size_t bad = 0;
};
Utf8Scan scan_utf8(std::string_view s) {
  Utf8Scan r;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    if (p[i] >= 0xC2 && p[i] <= 0xDF)
      len = 2;
    else if (p[i] >= 0xE0 && p[i] <= 0xEF)
      len = 3;
    else if (p[i] >= 0xF0 && p[i] <= 0xF4)
      len = 4;
    bool ok = len > 0 && text::valid_utf8(s.substr(i, len)) && i + len <= s.size();
    if (ok) {
      ++r.multibyte;
      i += len;
    } else {
      if (r.first_bad == std::string_view::npos) r.first_bad = i;
      ++r.bad;
      ++i;
    }
  }
  return r;
}

//! GB18030 (a superset of GBK and GB2312) to UTF-8; on failure `bad_offset` is where it stopped.
bool gb18030_to_utf8(std::string_view in, std::string& out, size_t& bad_offset) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == iconv_t(-1)) {
    bad_offset = 0;
    return false;
  }
  out.assign(in.size() + in.size() / 2 + 16, '\0');  // 2 GBK bytes become at most 3 UTF-8 bytes
  char* ip = const_cast<char*>(in.data());
  size_t il = in.size();
  char* op = out.data();
  size_t ol = out.size();
  bool ok = true;
  while (il > 0) {
    if (iconv(cd, &ip, &il, &op, &ol) != size_t(-1)) continue;
    if (errno == E2BIG) {
      const size_t used = size_t(op - out.data());
      out.resize(out.size() * 2);
      op = out.data() + used;
      ol = out.size() - used;
      continue;
    }
    bad_offset = size_t(ip - in.data());
    ok = false;
    break;
  }
  iconv_close(cd);
  out.resize(size_t(op - out.data()));
  return ok;
}

}  // namespace

Result<Info> read_csv(std::string_view bytes, const Limits& limits, const RowSink& on_row) {
  Info info{Format::csv, Encoding::utf8, 0};
  if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF"))
    return make_error(Errc::invalid_input,
                      "the file is UTF-16 text (Excel's \"Unicode Text\"); save it as \"CSV UTF-8\" or CSV");
  std::string decoded;
  std::string_view text = bytes;
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
    info.encoding = Encoding::utf8_bom;
  }
  if (!text::valid_utf8(text)) {
    const Utf8Scan scan = scan_utf8(text);
    // A UTF-8 file with a damaged or cut-off character must not be read as GBK mojibake: GBK
    // text has few byte runs that happen to be valid UTF-8, while damaged UTF-8 is almost all valid.
    if (info.encoding == Encoding::utf8_bom || scan.multibyte >= 4 * scan.bad)
      return invalid(row_at(text, scan.first_bad), -1,
                     "the text is UTF-8 with invalid bytes (a damaged or cut-off character)");
    size_t bad_offset = 0;
    if (!gb18030_to_utf8(text, decoded, bad_offset))
      return invalid(row_at(text, bad_offset), -1, "the bytes are neither UTF-8 nor GBK/GB18030 text");
    text = decoded;
    info.encoding = Encoding::gbk;
  }
  Parser parser(text, limits, on_row);
  Status st = parser.run();
  if (!st) return st.error();
  info.rows = parser.delivered();
  return info;
}

}  // namespace mashang::sheet::detail
