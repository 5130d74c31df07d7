#pragma once
//! Reading uploaded roster files (CSV or .xlsx) as rows of UTF-8 text, one row at a time.
//! Inputs are hostile: every size is limited, every failure is a Result naming the row.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace mashang::sheet {

//! What an upload may cost. Going over a limit is Errc::too_large, naming the limit and the row.
struct Limits {
  size_t bytes_max = 64u << 20;               //!< size of the uploaded file
  size_t rows_max = 200000;                   //!< rows delivered (header included)
  size_t columns_max = 64;                    //!< columns of a row that hold a value
  size_t cell_bytes_max = 1024;               //!< UTF-8 bytes of one cell's text
  size_t xlsx_uncompressed_max = 512u << 20;  //!< bytes inflated from the .xlsx zip, all parts together
};

//! The kind of file, detected from its bytes (never from its name).
enum class Format { csv, xlsx };

//! How a CSV file's text was encoded; `none` for .xlsx, whose XML is always Unicode.
enum class Encoding { utf8, utf8_bom, gbk, none };

//! One cell as text, exactly as written (CSV) or as Excel shows it (.xlsx, dates as YYYY-MM-DD).
struct Cell {
  std::string text;
  bool formula = false;  //!< .xlsx: the cell holds a formula (text is its cached result)
};

//! One row; cells[i] is column i (A = 0). Columns without a value are empty cells; trailing
//! empty columns are absent.
struct Row {
  int64_t number = 0;  //!< 1-based, as the user sees it in Excel or in a text editor
  std::vector<Cell> cells;
};

//! What was read.
struct Info {
  Format format = Format::csv;
  Encoding encoding = Encoding::none;
  int64_t rows = 0;  //!< rows delivered to the callback
};

//! Called once per row, in order. Returning an error stops the read with that error.
using RowSink = std::function<Status(Row&&)>;

//! Detects the format (a zip signature means .xlsx, anything else is CSV) and calls `on_row`
//! for every row in order, the header row included. Rows that hold nothing (empty CSV lines,
//! .xlsx rows without values) are skipped; row numbers stay those of the file. .xlsx: the
//! first worksheet is read. On error, rows already delivered must be discarded by the caller.
Result<Info> read(std::string_view bytes, const Limits& limits, const RowSink& on_row);

//! Excel's name of a 0-based column: 0 → "A", 27 → "AB".
std::string column_name(size_t column);

}  // namespace mashang::sheet
