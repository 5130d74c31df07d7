#include "sheet/xlsx_writer.hpp"

#include <xlsxwriter.h>

#include <algorithm>
#include <cstdio>

#include "core/text.hpp"
#include "sheet/sheet.hpp"

namespace mashang::sheet {
namespace {

Error lxw_failure(const std::string& what, lxw_error e) {
  return make_error(Errc::internal, what + ": " + lxw_strerror(e));
}

bool wide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

constexpr double kWidthMin = 8, kWidthMax = 60, kWidthPadding = 2;

}  // namespace

double display_width(std::string_view s) {
  double w = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len && i + k < s.size(); ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    w += wide(cp) ? 2 : 1;
    i += len;
  }
  return w;
}

Result<XlsxWriter> XlsxWriter::open(const std::string& path, const std::string& sheet_name) {
  XlsxWriter w;
  w.path_ = path;
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  w.workbook_ = workbook_new_opt(path.c_str(), &options);
  if (!w.workbook_) return make_error(Errc::internal, "libxlsxwriter could not start a workbook (temporary files?)");
  if (lxw_error e = workbook_validate_sheet_name(w.workbook_, sheet_name.c_str()); e != LXW_NO_ERROR)
    return make_error(Errc::invalid_input, "sheet name \"" + sheet_name + "\": " + lxw_strerror(e), "sheet_name");
  w.sheet_ = workbook_add_worksheet(w.workbook_, sheet_name.c_str());
  if (!w.sheet_) return make_error(Errc::internal, "libxlsxwriter could not add the worksheet");
  w.bold_ = workbook_add_format(w.workbook_);
  if (!w.bold_) return make_error(Errc::internal, "libxlsxwriter could not add a format");
  format_set_bold(w.bold_);
  return w;
}

XlsxWriter::XlsxWriter(XlsxWriter&& o) noexcept
    : path_(std::move(o.path_)), workbook_(o.workbook_), sheet_(o.sheet_), bold_(o.bold_), next_row_(o.next_row_) {
  o.workbook_ = nullptr;
}

XlsxWriter::~XlsxWriter() {
  if (!workbook_) return;
  workbook_close(workbook_);  // the only way libxlsxwriter frees a workbook; the file is incomplete
  std::remove(path_.c_str());
}

Status XlsxWriter::write_cells(std::span<const std::string> cells, lxw_format* format) {
  if (!workbook_) return make_error(Errc::internal, "the .xlsx writer is closed");
  if (cells.size() > LXW_COL_MAX)
    return make_error(Errc::invalid_input, "a row has more than " + std::to_string(LXW_COL_MAX) + " columns");
  for (size_t c = 0; c < cells.size(); ++c) {
    if (!text::valid_utf8(cells[c]))
      return make_error(Errc::invalid_input, "row " + std::to_string(next_row_ + 1) + ", column " + column_name(c) +
                                                 ": the text is not valid UTF-8");
    if (cells[c].empty() && !format) continue;
    lxw_error e = worksheet_write_string(sheet_, next_row_, lxw_col_t(c), cells[c].c_str(), format);
    if (e != LXW_NO_ERROR) return lxw_failure("row " + std::to_string(next_row_ + 1) + ", column " + column_name(c), e);
  }
  ++next_row_;
  return ok_status();
}

Status XlsxWriter::header(std::span<const std::string> names, std::span<const double> widths) {
  if (!workbook_) return make_error(Errc::internal, "the .xlsx writer is closed");
  if (next_row_ != 0) return make_error(Errc::internal, "the header must be the first row");
  for (size_t c = 0; c < names.size() && c < LXW_COL_MAX; ++c) {
    double w = c < widths.size() && widths[c] > 0
                   ? widths[c]
                   : std::clamp(display_width(names[c]) + kWidthPadding, kWidthMin, kWidthMax);
    if (lxw_error e = worksheet_set_column(sheet_, lxw_col_t(c), lxw_col_t(c), w, nullptr); e != LXW_NO_ERROR)
      return lxw_failure("column " + column_name(c), e);
  }
  worksheet_freeze_panes(sheet_, 1, 0);
  return write_cells(names, bold_);
}

Status XlsxWriter::row(std::span<const std::string> cells) { return write_cells(cells, nullptr); }

Status XlsxWriter::close() {
  if (!workbook_) return make_error(Errc::internal, "the .xlsx writer is already closed");
  lxw_error e = workbook_close(workbook_);
  workbook_ = nullptr;
  if (e != LXW_NO_ERROR) {
    std::remove(path_.c_str());
    return lxw_failure("writing " + path_, e);
  }
  return ok_status();
}

}  // namespace mashang::sheet
