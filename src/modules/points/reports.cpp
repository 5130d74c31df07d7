// What points look like from above: compounds ranked by civility points per month, and an
// account's statement as a spreadsheet.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "modules/points/internal.hpp"
#include "sheet/xlsx_writer.hpp"

namespace mashang::points {

using namespace detail;

namespace {

constexpr int64_t kExportMax = 100'000;

//! The UTC ms at which "YYYY-MM" starts and the next month starts (UTC+8 calendar).
std::optional<std::pair<int64_t, int64_t>> month_bounds(const std::string& month, int64_t now) {
  int64_t at = now;
  if (!month.empty()) {
    if (month.size() != 7 || month[4] != '-') return std::nullopt;
    for (size_t i : {0, 1, 2, 3, 5, 6})
      if (month[i] < '0' || month[i] > '9') return std::nullopt;
    int y = std::stoi(month.substr(0, 4)), m = std::stoi(month.substr(5, 2));
    if (y < 2000 || y > 2200 || m < 1 || m > 12) return std::nullopt;
    // Days from 1970-01-01 to the 15th of that month (safely inside it), via the civil calendar.
    int64_t yy = m <= 2 ? y - 1 : y, era = yy / 400, yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + 14, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    at = (era * 146097 + doe - 719468) * 86'400'000 - 8 * 3'600'000;
  }
  int64_t start = period_start("month", at);
  int64_t next = period_start("month", start + 40LL * 86'400'000);
  return std::pair{start, next};
}

}  // namespace

Result<std::vector<Rank>> Service::ranking(int64_t node_id, const std::string& month) {
  auto bounds = month_bounds(month, clock_.now_ms());
  if (!bounds) return make_error(Errc::invalid_input, "month must be YYYY-MM", "month");
  std::vector<Rank> out;
  bool found = false;
  db_.read([&](store::Conn& c) {
    auto place = community_in(c, node_id);
    if (!place) place = dir_.street ? dir_.street(c, node_id) : std::nullopt;
    if (!place) return;
    found = true;
    std::string under = place->path + "/";
    // Each compound's civility account: its balance and what the month moved (few accounts:
    // one per compound that ever had civility points).
    for (const auto& r : c.query(
             "SELECT a.owner_id, a.balance, "
             "COALESCE((SELECT SUM(t.amount) FROM points_transfers t WHERE t.credit_id = a.id AND t.created_at >= $1 "
             "AND t.created_at < $2), 0) - "
             "COALESCE((SELECT SUM(t.amount) FROM points_transfers t WHERE t.debit_id = a.id AND t.created_at >= $1 "
             "AND t.created_at < $2), 0) FROM points_accounts a WHERE a.kind = 'civility'",
             {bounds->first, bounds->second})) {
      auto k = compound_in(c, r.integer(0));
      if (!k || !k->path.starts_with(under)) continue;
      out.push_back({0, r.integer(0), k->name, r.integer(2), r.integer(1)});
    }
  });
  if (!found) return make_error(Errc::not_found, "no such community or street", "node_id");
  std::sort(out.begin(), out.end(), [](const Rank& a, const Rank& b) {
    return a.month_points != b.month_points ? a.month_points > b.month_points
           : a.balance != b.balance         ? a.balance > b.balance
                                            : a.compound_id < b.compound_id;
  });
  for (size_t i = 0; i < out.size(); ++i)
    out[i].rank = i > 0 && out[i].month_points == out[i - 1].month_points && out[i].balance == out[i - 1].balance
                      ? out[i - 1].rank
                      : static_cast<int64_t>(i) + 1;
  return out;
}

Result<std::string> Service::statement_xlsx(const std::string& kind, int64_t owner, const Principal& who) {
  std::vector<Line> lines;
  Account account;
  int64_t before = 0;
  while (static_cast<int64_t>(lines.size()) < kExportMax) {
    auto page = statement(kind, owner, before, kPageSizeMax, who);
    if (!page.ok()) return page.error();
    account = page->account;
    lines.insert(lines.end(), page->lines.begin(), page->lines.end());
    if (!page->next_before) break;
    before = *page->next_before;
  }
  auto dir = std::filesystem::temp_directory_path() / ("mashang-points-" + crypto::random_token(8));
  std::filesystem::create_directories(dir);
  struct Cleanup {
    std::filesystem::path d;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  } cleanup{dir};
  std::string path = (dir / "statement.xlsx").string();
  auto w = sheet::XlsxWriter::open(path, "积分明细");
  if (!w.ok()) return w.error();
  static const std::map<std::string, std::string> kKindZh = {
      {"award", "奖励"},  {"deduction", "扣分"}, {"grant", "预算拨付"}, {"correction", "更正"},
      {"redeem", "兑换"}, {"handover", "领取"},  {"refund", "退还"}};
  std::vector<std::string> head = {"时间", "类型", "项目", "事由", "变动", "余额", "流水号"};
  std::vector<double> widths = {17, 8, 24, 40, 8, 8, 10};
  if (auto st = w->header(head, widths); !st.ok()) return st.error();
  for (const auto& l : lines) {
    auto k = kKindZh.find(l.kind);
    std::string delta = std::to_string(l.amount);
    if (l.amount > 0) delta.insert(delta.begin(), '+');
    std::vector<std::string> cells = {text::local_minute(l.created_at),
                                      k == kKindZh.end() ? l.kind : k->second,
                                      l.item_name_zh.value_or(""),
                                      l.reason,
                                      delta,
                                      std::to_string(l.balance_after),
                                      std::to_string(l.transfer_id)};
    if (auto st = w->row(cells); !st.ok()) return st.error();
  }
  if (auto st = w->close(); !st.ok()) return st.error();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace mashang::points
