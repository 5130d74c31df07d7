// The ledger's auditor: recomputes every balance from the transfers, in one snapshot, and
// checks every invariant the ledger promises. Read-only; reports each discrepancy it finds.
#include <map>
#include <unordered_map>

#include "modules/points/internal.hpp"

namespace mashang::points {

using namespace detail;

AuditReport Service::audit() {
  AuditReport rep;
  auto problem = [&](std::string s) {
    if (rep.problems.size() < 1000) rep.problems.push_back(std::move(s));
  };
  db_.snapshot([&](store::Conn& c) {
    struct Acc {
      std::string kind;
      int64_t owner = 0, balance = 0, debits = 0, credits = 0;
      bool negative_ok = false;
      int64_t running = 0, sum_debits = 0, sum_credits = 0;
    };
    std::unordered_map<int64_t, Acc> accs;
    for (const auto& r :
         c.query("SELECT id, kind, owner_id, balance, debits, credits, negative_ok FROM points_accounts ORDER BY id")) {
      accs[r.integer(0)] = {r.text(1), r.integer(2), r.integer(3), r.integer(4), r.integer(5), r.integer(6) != 0};
      ++rep.accounts;
    }
    // Postings: their points and what they reverse, to check against their transfers; read a
    // page at a time into a compact map (a million postings stay in tens of MiB).
    struct Post {
      int64_t points = 0;
      int64_t reverses = 0;  // 0: none
      int64_t transfers = 0;
    };
    std::unordered_map<int64_t, Post> posts;
    for (int64_t from = 0;;) {
      auto page =
          c.query("SELECT id, points, reverses FROM points_postings WHERE id > $1 ORDER BY id LIMIT 10000", {from});
      for (const auto& r : page) {
        from = r.integer(0);
        posts[from] = {r.integer(1), r.opt_integer(2).value_or(0), 0};
        ++rep.postings;
      }
      if (page.size() < 10000) break;
    }
    // Transfers in id order, a page at a time: each one's amount and accounts, and the
    // balances after it replayed from zero.
    std::unordered_map<int64_t, std::vector<std::tuple<int64_t, int64_t, int64_t>>> moves;  // posting → moves
    int64_t after = 0;
    for (;;) {
      auto page = c.query(
          "SELECT id, posting_id, debit_id, credit_id, amount, debit_after, credit_after FROM points_transfers "
          "WHERE id > $1 ORDER BY id LIMIT 10000",
          {after});
      for (const auto& r : page) {
        int64_t id = r.integer(0), posting = r.integer(1), d = r.integer(2), cr = r.integer(3), amount = r.integer(4);
        after = id;
        ++rep.transfers;
        std::string t = "transfer " + std::to_string(id);
        if (amount <= 0) problem(t + ": amount " + std::to_string(amount) + " is not positive");
        if (d == cr) problem(t + ": debits and credits the same account");
        auto da = accs.find(d), ca = accs.find(cr);
        if (da == accs.end() || ca == accs.end()) {
          problem(t + ": names an account that does not exist");
          continue;
        }
        da->second.running -= amount;
        da->second.sum_debits += amount;
        ca->second.running += amount;
        ca->second.sum_credits += amount;
        if (da->second.running != r.integer(5))
          problem(t + ": debit balance after is " + std::to_string(r.integer(5)) + ", replayed " +
                  std::to_string(da->second.running));
        if (ca->second.running != r.integer(6))
          problem(t + ": credit balance after is " + std::to_string(r.integer(6)) + ", replayed " +
                  std::to_string(ca->second.running));
        if (!da->second.negative_ok && da->second.running < 0)
          problem(t + ": took account " + std::to_string(d) + " (" + da->second.kind + ") below zero");
        auto p = posts.find(posting);
        if (p == posts.end()) {
          problem(t + ": belongs to no posting");
          continue;
        }
        ++p->second.transfers;
        if (p->second.reverses) moves[posting].emplace_back(d, cr, amount);
      }
      if (page.size() < 10000) break;
    }
    int64_t total = 0;
    for (const auto& [id, a] : accs) {
      std::string s = "account " + std::to_string(id) + " (" + a.kind + " " + std::to_string(a.owner) + ")";
      total += a.balance;
      if (a.balance != a.running)
        problem(s + ": balance " + std::to_string(a.balance) + ", transfers give " + std::to_string(a.running));
      if (a.debits != a.sum_debits)
        problem(s + ": debits " + std::to_string(a.debits) + " ≠ " + std::to_string(a.sum_debits));
      if (a.credits != a.sum_credits)
        problem(s + ": credits " + std::to_string(a.credits) + " ≠ " + std::to_string(a.sum_credits));
      if (a.balance != a.credits - a.debits) problem(s + ": balance is not credits - debits");
      if (!a.negative_ok && a.balance < 0) problem(s + ": below zero");
    }
    if (total != 0) problem("the balances add up to " + std::to_string(total) + ", not 0");
    // Each posting moved something; a correction moved exactly the reverse of what it names.
    std::unordered_map<int64_t, int64_t> reversed;
    for (const auto& [id, p] : posts) {
      if (p.transfers == 0) problem("posting " + std::to_string(id) + " has no transfers");
      if (!p.reverses) continue;
      if (++reversed[p.reverses] > 1) problem("posting " + std::to_string(p.reverses) + " is reversed twice");
      auto orig = posts.find(p.reverses);
      if (orig == posts.end()) {
        problem("posting " + std::to_string(id) + " reverses a posting that does not exist");
        continue;
      }
      if (p.points != -orig->second.points)
        problem("posting " + std::to_string(id) + " does not reverse the points of " + std::to_string(p.reverses));
    }
    for (const auto& [id, mv] : moves) {
      auto want = moves_of(c, posts[id].reverses);
      std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> bag;
      for (const auto& m : want) ++bag[{m.credit, m.debit, m.amount}];
      for (const auto& m : mv) --bag[m];
      for (const auto& [_, n] : bag)
        if (n != 0) {
          problem("posting " + std::to_string(id) + " does not move exactly the reverse of " +
                  std::to_string(posts[id].reverses));
          break;
        }
    }
    // The shop: a community's escrow holds exactly its held redemptions' points, its shop
    // account exactly what was handed over; each redemption's postings match its status.
    std::map<std::pair<std::string, int64_t>, int64_t> want;
    for (const auto& r :
         c.query("SELECT r.id, r.community_id, r.status, r.points, h.kind, h.points, k.kind, r.close_posting_id "
                 "FROM points_redemptions r JOIN points_postings h ON h.id = r.hold_posting_id "
                 "LEFT JOIN points_postings k ON k.id = r.close_posting_id")) {
      std::string s = "redemption " + std::to_string(r.integer(0));
      const std::string& status = r.text(2);
      int64_t points = r.integer(3);
      if (r.text(4) != "redeem" || r.integer(5) != -points) problem(s + ": its hold posting does not match it");
      if (status == "held") {
        want[{"escrow", r.integer(1)}] += points;
        if (!r.is_null(7)) problem(s + ": held, yet closed by a posting");
      } else {
        std::string kind = status == "handed_over" ? "handover" : "refund";
        if (r.is_null(7) || r.opt_text(6) != kind) problem(s + ": " + status + " without its " + kind + " posting");
        if (status == "handed_over") want[{"shop", r.integer(1)}] += points;
      }
    }
    for (const auto& [id, a] : accs) {
      if (a.kind != "escrow" && a.kind != "shop") continue;
      int64_t expect = want[{a.kind, a.owner}];
      if (a.balance != expect)
        problem(a.kind + " of community " + std::to_string(a.owner) + ": balance " + std::to_string(a.balance) +
                ", its redemptions give " + std::to_string(expect));
    }
    // Proposals: a posted one has its posting, which names it; a pending or rejected one none.
    for (const auto& r :
         c.query("SELECT pr.id, pr.status, pr.posting_id, p.proposal_id, pr.points, p.points FROM points_proposals pr "
                 "LEFT JOIN points_postings p ON p.id = pr.posting_id")) {
      std::string s = "proposal " + std::to_string(r.integer(0));
      bool posted = r.text(1) == "posted";
      if (posted != !r.is_null(2)) problem(s + ": status " + r.text(1) + " does not match its posting");
      if (posted && (r.is_null(3) || r.integer(3) != r.integer(0) || r.integer(4) != r.integer(5)))
        problem(s + ": its posting does not name it, or moved other points");
    }
    // Appeals: an overturned one has its remedy — the reversal of the posting appealed, or the
    // posting of the proposal appealed; a pending or upheld one none (the schema checks that).
    for (const auto& r :
         c.query("SELECT a.id, a.status, a.posting_id, a.proposal_id, a.result_posting, rp.reverses, pr.posting_id, "
                 "rp.id FROM points_appeals a LEFT JOIN points_postings rp ON rp.id = a.result_posting "
                 "LEFT JOIN points_proposals pr ON pr.id = a.proposal_id")) {
      if (r.text(1) != "overturned") continue;
      std::string s = "appeal " + std::to_string(r.integer(0));
      if (r.is_null(7))
        problem(s + ": overturned without its posting");
      else if (!r.is_null(2) && r.opt_integer(5) != r.opt_integer(2))
        problem(s + ": its posting does not reverse the posting appealed");
      else if (!r.is_null(3) && r.opt_integer(6) != r.opt_integer(4))
        problem(s + ": the proposal appealed was not posted by it");
    }
  });
  return rep;
}

}  // namespace mashang::points
