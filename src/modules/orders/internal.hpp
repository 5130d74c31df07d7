#pragma once
// What the orders module's sources share (service.cpp, reports.cpp, photos.cpp, closing.cpp);
// not for other modules.
#include <optional>
#include <string>
#include <vector>

#include "modules/orders/orders.hpp"

namespace mashang::orders::detail {

//! "SELECT <every column of Order> FROM orders o JOIN categories c … ", for order_of.
inline constexpr const char* kOrderColumns =
    "SELECT o.id, o.category_id, c.code, o.description, o.lat, o.lon, o.origin_path, o.path, o.level, o.status, "
    "o.created_by, o.claimed_by, o.claimed_at, o.due_at, o.completed_at, o.rating, o.escalations, o.hold_reason, "
    "o.rating_comment, o.version, o.created_at, o.updated_at, o.report_id, o.reporter, o.reopens FROM orders o "
    "JOIN categories c ON c.id = o.category_id ";
Order order_of(const store::Row& r);
std::optional<double> opt_real(const store::Row& r, size_t i);
std::optional<Order> order_in(store::Conn& c, int64_t id);
std::optional<Category> category_by_id(store::Conn& c, int64_t id);
std::optional<Category> category_by_code(store::Conn& c, const std::string& code);
//! Writes a timeline step and its `order.<step>` event (and copies to the order's reporters).
void add_step(store::Conn& c, const Order& o, std::optional<int64_t> who, const std::string& step,
              const std::string& note, int64_t now, const std::string& details = "{}");
//! The accounts that reported the problem of an order (its report and every joined one).
std::vector<int64_t> reporters_of(store::Conn& c, int64_t order_id);
std::optional<int64_t> actor(const Principal& who);
Error no_such_order();
//! A reason or note: 2 to 500 characters; the error names `field`.
Status valid_text(const std::string& s, const char* field);
bool can_view(const Principal& who, const Order& o, const std::optional<Category>& cat);
bool can_view(store::Conn& c, const Principal& who, const Order& o);

//! The row of a new open order at `origin` (its claim deadline from the category).
struct OrderRow {
  const Category* category = nullptr;
  std::string description;
  std::optional<double> lat, lon;
  std::string origin;
  std::optional<int64_t> created_by, report_id, reporter;
};
Order insert_order(store::Conn& c, const OrderRow& row, int64_t now);

//! The photos attached where `column` ("report_id" or "order_id") is `id`: reports' first.
std::vector<Photo> photos_where(store::Conn& c, const char* column, int64_t id);

//! Collects the parameters of a statement built at run time, answering each one's
//! placeholder ("$1", "$2", …) as it is added.
struct Params {
  std::vector<store::Value> values;
  std::string operator()(store::Value v) {
    values.push_back(std::move(v));
    std::string p(1, '$');
    p += std::to_string(values.size());
    return p;
  }
};

//! A territory path as the module accepts it ("/" or "/1/2/3").
bool valid_path(const std::string& path);

}  // namespace mashang::orders::detail
