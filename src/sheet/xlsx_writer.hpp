#pragma once
//! Writing one worksheet of text to an .xlsx file (libxlsxwriter, constant-memory mode, so a
//! 120,000-row export streams through temporary files instead of memory).
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"

struct lxw_workbook;
struct lxw_worksheet;
struct lxw_format;

namespace mashang::sheet {

//! An .xlsx file being written. Every cell is written as a string — never a number or a
//! formula — so "=cmd|..." stays text and 18-digit ID numbers keep every digit.
//! Rows are written in order: header() first, then row() for each data row, then close().
//! A writer destroyed without a successful close() removes its file.
class XlsxWriter {
 public:
  //! Starts a workbook at `path` with one worksheet named `sheet_name` (≤ 31 characters, none of []:*?/\).
  static Result<XlsxWriter> open(const std::string& path, const std::string& sheet_name);

  XlsxWriter(XlsxWriter&& other) noexcept;
  XlsxWriter& operator=(XlsxWriter&&) = delete;
  XlsxWriter(const XlsxWriter&) = delete;
  ~XlsxWriter();

  //! Writes the bold header row, freezes it, and sets each column's width: widths[i] in
  //! Excel character units when given (> 0), else from the header text (CJK characters count 2).
  Status header(std::span<const std::string> names, std::span<const double> widths = {});
  //! Writes the next row; every cell as a string. Text must be valid UTF-8.
  Status row(std::span<const std::string> cells);
  //! Finishes the file. The writer can do nothing more afterwards.
  Status close();

 private:
  XlsxWriter() = default;
  Status write_cells(std::span<const std::string> cells, lxw_format* format);

  std::string path_;
  lxw_workbook* workbook_ = nullptr;
  lxw_worksheet* sheet_ = nullptr;
  lxw_format* bold_ = nullptr;
  uint32_t next_row_ = 0;
};

//! How many Excel character units `s` takes: 2 for wide (CJK) characters, 1 for others.
double display_width(std::string_view s);

}  // namespace mashang::sheet
