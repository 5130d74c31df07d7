#include "store/db.hpp"

#include "store/postgres.hpp"
#include "store/sqlite.hpp"

namespace mashang::store {

int64_t Row::integer(size_t i) const {
  const Value& v = values_.at(i);
  if (auto p = std::get_if<int64_t>(&v)) return *p;
  if (auto d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (auto s = std::get_if<std::string>(&v)) return std::stoll(*s);
  throw Fault(Errc::internal, "column " + std::to_string(i) + " is NULL, expected integer");
}

double Row::real(size_t i) const {
  const Value& v = values_.at(i);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  if (auto s = std::get_if<std::string>(&v)) return std::stod(*s);
  throw Fault(Errc::internal, "column " + std::to_string(i) + " is NULL, expected real");
}

const std::string& Row::text(size_t i) const {
  const Value& v = values_.at(i);
  if (auto s = std::get_if<std::string>(&v)) return *s;
  throw Fault(Errc::internal, "column " + std::to_string(i) + " is not text");
}

std::optional<int64_t> Row::opt_integer(size_t i) const {
  if (is_null(i)) return std::nullopt;
  return integer(i);
}

std::optional<std::string> Row::opt_text(size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

std::optional<Row> Conn::query_one(std::string_view sql, const std::vector<Value>& params) {
  Rows rows = query(sql, params);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::unique_ptr<Db> open(const std::string& url, int pool_size, std::function<int64_t()> clock_ms) {
  if (url.starts_with("sqlite:")) return open_sqlite(url.substr(7), pool_size, std::move(clock_ms));
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return open_postgres(url, pool_size, std::move(clock_ms));
  throw Fault(Errc::invalid_input, "database url must start with sqlite: or postgresql://");
}

}  // namespace mashang::store
