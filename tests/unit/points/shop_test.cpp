// The points shop against both databases: redemptions hold points and stock together until
// handed over or refunded, the last items go to exactly as many people as there are, a
// person never overspends, and expired holds are refunded exactly once across a restart.
#include <atomic>
#include <thread>

#include "fixture.hpp"

namespace mashang::points_test {

using namespace points;

class PointsShop : public PointsBase {};

TEST_P(PointsShop, ARedemptionHoldsPointsAndStockUntilHandedOverOrRefunded) {
  grant(100);
  award("bonus.heroic_act", 101);  // 50 spendable
  auto g = svc->add_goods(kCommunity, "洗衣液", "2 kg", 20, 3, cstaff);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(svc->add_goods(kCommunity, "米", "", 10, 3, with(40, {{"grid_worker", "/2/3"}})).error().code,
            Errc::forbidden);
  EXPECT_EQ(svc->add_goods(kCommunity, "米", "", 10, 3, worker).error().code, Errc::not_found);
  bool replay = false;
  auto r = svc->redeem("r1", g->id, 2, resident, &replay);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(replay);
  EXPECT_EQ(r->status, "held");
  EXPECT_EQ(r->points, 40);
  EXPECT_EQ(balance("spendable", 101), 10);
  EXPECT_EQ(balance("escrow", kCommunity), 40);
  EXPECT_EQ(balance("virtue", 101), 50);  // spending does not touch virtue
  auto again = svc->redeem("r1", g->id, 2, resident, &replay);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(replay);
  EXPECT_EQ(again->id, r->id);
  EXPECT_EQ(svc->redeem("r1", g->id, 1, resident).error().field, "key");
  EXPECT_EQ(svc->redeem("r2", g->id, 1, resident).error().code, Errc::conflict);  // 10 points left, price 20
  EXPECT_EQ(svc->redeem("r3", g->id, 101, resident).error().field, "quantity");
  // The station: staff over the community hand over by the code; only once.
  EXPECT_EQ(svc->hand_over(r->code, outsider).error().code, Errc::not_found);
  auto h = svc->hand_over(r->code, cstaff);
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->status, "handed_over");
  EXPECT_EQ(svc->hand_over(r->code, cstaff).error().code, Errc::conflict);
  EXPECT_EQ(balance("escrow", kCommunity), 0);
  EXPECT_EQ(balance("shop", kCommunity), 40);
  EXPECT_EQ(svc->cancel(r->id, resident).error().code, Errc::conflict);
  // A cancellation gives points and stock back.
  award("bonus.dispute_mediation", 101);
  award("bonus.dispute_mediation", 101);  // 20 spendable
  auto r2 = svc->redeem("r4", g->id, 1, resident);
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_EQ(svc->goods(kCommunity, cstaff)->at(0).stock, 0);
  EXPECT_EQ(svc->redeem("r5", g->id, 1, resident).error().message, "out of stock");
  auto c = svc->cancel(r2->id, resident);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->status, "cancelled");
  EXPECT_EQ(balance("spendable", 101), 20);
  EXPECT_EQ(svc->goods(kCommunity, cstaff)->at(0).stock, 1);
  // Someone else's redemption is not there to cancel.
  EXPECT_EQ(svc->cancel(r2->id, with(502, {{"resident", "/2/7/8"}})).error().code, Errc::not_found);
  // Goods of another community's shop are not in this resident's.
  auto other = svc->add_goods(kCommunity2, "油", "", 1, 5, admin);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(svc->redeem("r6", other->id, 1, resident).error().code, Errc::not_found);
  expect_audit_clean();
}

// A hundred people redeem the last ten items at once: ten get one, stock and balances never go
// below zero, and the ledger adds up.
TEST_P(PointsShop, TheLastTenItemsGoToExactlyTenOfAHundred) {
  grant(10'000);
  auto g = svc->add_goods(kCommunity, "电饭煲", "", 5, 10, cstaff);
  ASSERT_TRUE(g.ok());
  std::vector<Principal> people;
  for (int i = 0; i < 100; ++i) {
    int64_t person = 1000 + i, acct = 5000 + i;
    persons[person] = {kBuilding, "居民"};
    links[acct] = person;
    award("bonus.dispute_mediation", person);  // 5 each: one item's worth
    people.push_back(with(acct, {{"resident", "/2/3/4"}}));
  }
  std::atomic<int> ok{0}, out_of_stock{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 10; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 100; i += 10) {
        auto r = svc->redeem("buy-" + std::to_string(i), g->id, 1, people[i]);
        if (r.ok())
          ++ok;
        else if (r.error().code == Errc::conflict)
          ++out_of_stock;
        else
          ++other;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 10);
  EXPECT_EQ(out_of_stock.load(), 90);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(svc->goods(kCommunity, cstaff)->at(0).stock, 0);
  EXPECT_EQ(balance("escrow", kCommunity), 50);
  expect_audit_clean();
}

// One person, many redemptions at once: spendable points never go below zero.
TEST_P(PointsShop, ConcurrentRedemptionsNeverOverspendAPerson) {
  grant(100);
  award("bonus.dispute_mediation", 101);
  award("bonus.dispute_mediation", 101);  // 10 spendable
  auto g = svc->add_goods(kCommunity, "毛巾", "", 3, 100, cstaff);
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      auto r = svc->redeem("mine-" + std::to_string(t), g->id, 1, resident);
      (r.ok() ? ok : refused)++;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(refused.load(), 5);
  EXPECT_EQ(balance("spendable", 101), 1);
  EXPECT_EQ(svc->goods(kCommunity, cstaff)->at(0).stock, 97);
  expect_audit_clean();
}

// Held redemptions whose hold expired are refunded exactly once, by whichever service instance
// sweeps first — also after a restart (the hold's end is data).
TEST_P(PointsShop, ExpiredHoldsAreRefundedExactlyOnceAcrossARestart) {
  grant(100);
  award("bonus.dispute_mediation", 101);
  auto g = svc->add_goods(kCommunity, "牙膏", "", 2, 5, cstaff);
  auto r = svc->redeem("hold", g->id, 2, resident);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(svc->expire_due(), 0);
  svc = make(1);  // "restart"
  clock.advance_ms(int64_t{72} * 3'600'000);
  auto other = make(1);  // a second instance sweeping at the same time
  int64_t a = 0, b = 0;
  std::thread t1([&] { a = svc->expire_due(); });
  std::thread t2([&] { b = other->expire_due(); });
  t1.join();
  t2.join();
  EXPECT_EQ(a + b, 1);
  EXPECT_EQ(balance("spendable", 101), 5);
  EXPECT_EQ(balance("escrow", kCommunity), 0);
  EXPECT_EQ(svc->goods(kCommunity, cstaff)->at(0).stock, 5);
  auto list = svc->redemptions(std::nullopt, "", 0, 10, resident);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->at(0).status, "expired");
  EXPECT_EQ(svc->hand_over(r->code, cstaff).error().code, Errc::conflict);
  expect_audit_clean();
}

INSTANTIATE_TEST_SUITE_P(Drivers, PointsShop, ::testing::ValuesIn(urls()), driver_name);

}  // namespace mashang::points_test
