// The staff's view of every order at their places: a filtered list, newest first, and the same
// as an .xlsx export for the control room.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "modules/orders/internal.hpp"
#include "sheet/xlsx_writer.hpp"

namespace mashang::orders {
using namespace detail;

namespace {

constexpr std::string_view kStatuses[] = {"open", "claimed", "on_hold", "completed", "verified", "closed"};
constexpr std::string_view kDispatchRoles[] = {"district_admin", "street_staff", "community_staff", "grid_worker"};
constexpr int64_t kExportMax = 100'000;

//! The places to list: `path` (the caller must dispatch there) or every scope the caller
//! dispatches in.
Result<std::vector<std::string>> scopes_of(const Principal& who, const std::string& path) {
  std::vector<std::string> out;
  if (!path.empty()) {
    if (!may_dispatch(who, path)) return make_error(Errc::forbidden, "you may not list orders there");
    out.push_back(path);
    return out;
  }
  for (const auto& g : who.grants)
    if (std::find(std::begin(kDispatchRoles), std::end(kDispatchRoles), g.role) != std::end(kDispatchRoles))
      out.push_back(g.scope);
  if (out.empty()) return make_error(Errc::forbidden, "only staff list orders");
  return out;
}

Status check(const OrderQuery& q, int64_t limit_max) {
  if (q.limit < 1 || q.limit > limit_max)
    return make_error(Errc::invalid_input, "limit must be 1 to " + std::to_string(limit_max), "limit");
  if (q.after < 0) return make_error(Errc::invalid_input, "after must be a non-negative id", "after");
  if (!q.status.empty() && std::find(std::begin(kStatuses), std::end(kStatuses), q.status) == std::end(kStatuses))
    return make_error(Errc::invalid_input, "status must be one of open, claimed, on_hold, completed, verified, closed",
                      "status");
  return ok_status();
}

//! Orders under `scopes` matching `q`, newest first, at most `limit` + 1 (to know a next page).
std::vector<Order> query(store::Conn& c, const std::vector<std::string>& scopes, const OrderQuery& q, int64_t now) {
  std::map<int64_t, Order, std::greater<>> found;
  for (const auto& scope : scopes) {
    Params param;
    std::string filter = " AND (" + param(q.after) + " = 0 OR o.id < " + param(q.after) + ")";
    if (!q.status.empty()) filter += " AND o.status = " + param(q.status);
    if (!q.category_code.empty()) filter += " AND c.code = " + param(q.category_code);
    // Overdue: not finished and late — past its deadline now, or past one before (an
    // escalation sets the next deadline at once, so due_at alone is rarely in the past).
    if (q.overdue)
      filter +=
          " AND o.status IN ('open', 'claimed', 'on_hold') AND (o.due_at < " + param(now) + " OR o.escalations > 0)";
    if (q.escalated) filter += " AND o.escalations > 0";
    // Two index ranges of orders_path (path, id): the place itself and its subtree.
    std::string base = scope == "/" ? "" : scope;
    std::string sql = "SELECT * FROM (" + std::string(kOrderColumns) + "WHERE o.path = " + param(scope) + filter +
                      " UNION ALL " + kOrderColumns + "WHERE o.path > " + param(base + "/") + " AND o.path < " +
                      param(base + "0") + filter + ") u ORDER BY 1 DESC LIMIT " + param(q.limit + 1);
    for (const auto& r : c.query(sql, param.values)) {
      Order o = order_of(r);
      found.emplace(o.id, std::move(o));
    }
  }
  std::vector<Order> out;
  for (auto& [id, o] : found) {
    if (static_cast<int64_t>(out.size()) > q.limit) break;
    out.push_back(std::move(o));
  }
  return out;
}

//! "2026-11-29 19:40" in the district's time (UTC+8), or "".
std::string local_time(std::optional<int64_t> ms) { return ms ? text::local_minute(*ms) : std::string(); }

}  // namespace

Result<OrderPage> Service::list(const OrderQuery& q, const Principal& who) {
  if (auto s = check(q, kPageSizeMax); !s.ok()) return s.error();
  auto scopes = scopes_of(who, q.path);
  if (!scopes.ok()) return scopes.error();
  OrderPage page;
  db_.read([&](store::Conn& c) { page.items = query(c, *scopes, q, clock_.now_ms()); });
  if (static_cast<int64_t>(page.items.size()) > q.limit) {
    page.items.resize(q.limit);
    page.next_after = page.items.back().id;
  }
  return page;
}

Result<std::string> Service::export_xlsx(OrderQuery q, const Principal& who) {
  q.after = 0;
  q.limit = kExportMax;
  if (auto s = check(q, kExportMax); !s.ok()) return s.error();
  auto scopes = scopes_of(who, q.path);
  if (!scopes.ok()) return scopes.error();
  std::vector<Order> rows;
  std::map<std::string, std::string> names;  // category code → zh name
  db_.read([&](store::Conn& c) {
    rows = query(c, *scopes, q, clock_.now_ms());
    for (const auto& r : c.query("SELECT code, name_zh FROM categories")) names[r.text(0)] = r.text(1);
  });
  if (static_cast<int64_t>(rows.size()) > kExportMax) rows.resize(kExportMax);
  auto dir = std::filesystem::temp_directory_path() / ("mashang-orders-" + crypto::random_token(8));
  std::filesystem::create_directories(dir);
  struct Cleanup {
    std::filesystem::path d;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  } cleanup{dir};
  std::string path = (dir / "orders.xlsx").string();
  auto w = sheet::XlsxWriter::open(path, "工单");
  if (!w.ok()) return w.error();
  static const std::map<std::string, std::string> kStatusZh = {{"open", "待抢单"},     {"claimed", "处理中"},
                                                               {"on_hold", "挂起"},    {"completed", "已完成"},
                                                               {"verified", "已核实"}, {"closed", "已评价"}};
  static const std::map<std::string, std::string> kLevelZh = {
      {"grid", "网格"}, {"community", "社区"}, {"street", "街道"}, {"district", "区"}};
  std::vector<std::string> head = {"工单号",   "类别",     "描述",   "状态",     "层级",     "发生地",
                                   "当前位置", "创建时间", "抢单人", "抢单时间", "截止时间", "完成时间",
                                   "升级次数", "重开次数", "评分",   "评价"};
  std::vector<double> widths = {8, 12, 40, 8, 6, 16, 16, 17, 8, 17, 17, 17, 8, 8, 6, 30};
  if (auto st = w->header(head, widths); !st.ok()) return st.error();
  for (const auto& o : rows) {
    auto opt = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string(); };
    std::vector<std::string> cells = {std::to_string(o.id),
                                      names.count(o.category_code) ? names[o.category_code] : o.category_code,
                                      o.description,
                                      kStatusZh.at(o.status),
                                      kLevelZh.at(o.level),
                                      o.origin_path,
                                      o.path,
                                      local_time(o.created_at),
                                      opt(o.claimed_by),
                                      local_time(o.claimed_at),
                                      local_time(o.due_at),
                                      local_time(o.completed_at),
                                      std::to_string(o.escalations),
                                      std::to_string(o.reopens),
                                      opt(o.rating),
                                      o.rating_comment};
    if (auto st = w->row(cells); !st.ok()) return st.error();
  }
  if (auto st = w->close(); !st.ok()) return st.error();
  std::ifstream f(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << f.rdbuf();
  return bytes.str();
}

}  // namespace mashang::orders
