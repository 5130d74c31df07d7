#pragma once
//! Internals shared by the readers of src/sheet/ (not part of the public API).
#include <string>
#include <string_view>

#include "sheet/sheet.hpp"

namespace mashang::sheet::detail {

//! Reads CSV text (UTF-8, UTF-8 with BOM or GB18030/GBK).
Result<Info> read_csv(std::string_view bytes, const Limits& limits, const RowSink& on_row);
//! Reads the first worksheet of an .xlsx zip.
Result<Info> read_xlsx(std::string_view bytes, const Limits& limits, const RowSink& on_row);

//! "row 12" or "row 12, column C" (column < 0: none), the prefix of every message naming a place.
std::string place(int64_t row, long column = -1);

}  // namespace mashang::sheet::detail
