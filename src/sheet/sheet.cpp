#include "sheet/sheet.hpp"

#include "sheet/detail.hpp"

namespace mashang::sheet {

std::string column_name(size_t column) {
  std::string name;
  for (size_t n = column + 1; n > 0; n = (n - 1) / 26) name.insert(name.begin(), char('A' + (n - 1) % 26));
  return name;
}

namespace detail {
std::string place(int64_t row, long column) {
  std::string s = "row " + std::to_string(row);
  if (column >= 0) s += ", column " + column_name(size_t(column));
  return s;
}
}  // namespace detail

Result<Info> read(std::string_view bytes, const Limits& limits, const RowSink& on_row) {
  if (bytes.size() > limits.bytes_max)
    return make_error(Errc::too_large, "the file is " + std::to_string(bytes.size()) + " bytes; the limit is " +
                                           std::to_string(limits.bytes_max) + " bytes (bytes_max)");
  if (bytes.starts_with("PK\x03\x04") || bytes.starts_with("PK\x05\x06"))
    return detail::read_xlsx(bytes, limits, on_row);
  if (bytes.starts_with("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
    return make_error(Errc::invalid_input, "this is an old Excel 97-2003 (.xls) file; save it as .xlsx or CSV");
  return detail::read_csv(bytes, limits, on_row);
}

}  // namespace mashang::sheet
