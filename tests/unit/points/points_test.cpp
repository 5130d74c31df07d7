// The points ledger against both databases: postings and balances, idempotency, the order of
// checks, caps, budgets that never go below zero under concurrency, corrections, and an
// auditor that finds every kind of tampering.
#include <atomic>
#include <thread>

#include "fixture.hpp"
#include "modules/points/defaults.hpp"

namespace mashang::points_test {

using namespace points;

class Points : public PointsBase {};

TEST(PointsDefaults, FiftyOneBonusAndThirtyThreeDeductionItems) {
  int bonus = 0, deduction = 0;
  for (const auto& i : default_items()) (i.points > 0 ? bonus : deduction)++;
  EXPECT_EQ(bonus, 51);
  EXPECT_EQ(deduction, 33);
}

TEST(PointsPeriods, StartOnTheUtcPlus8Calendar) {
  using detail::period_start;
  // 2026-03-04 (a Wednesday) 01:00 in UTC+8 = 2026-03-03 17:00 UTC.
  int64_t t = 1'772'557'200'000;
  EXPECT_EQ(period_start("day", t), 1'772'553'600'000);    // 2026-03-04 00:00 +08
  EXPECT_EQ(period_start("week", t), 1'772'380'800'000);   // Monday 2026-03-02 00:00 +08
  EXPECT_EQ(period_start("month", t), 1'772'294'400'000);  // 2026-03-01 00:00 +08
  EXPECT_EQ(period_start("year", t), 1'767'196'800'000);   // 2026-01-01 00:00 +08
  EXPECT_EQ(period_start("ever", t), 0);
}

TEST(PointsPaths, CommunityIsTheSecondSegment) {
  EXPECT_EQ(detail::community_of("/2/3/4/5/6"), 3);
  EXPECT_EQ(detail::community_path("/2/3/4/5/6"), "/2/3");
  EXPECT_EQ(detail::community_of("/2/3"), 3);
  EXPECT_EQ(detail::community_of("/2"), std::nullopt);
  EXPECT_EQ(detail::community_of("/"), std::nullopt);
  EXPECT_EQ(detail::community_of("/2/x"), std::nullopt);
}

TEST_P(Points, AnAwardMovesVirtueFromTheMintAndSpendableFromTheBudget) {
  grant(100);
  auto p = award("bonus.volunteer_service", 101);
  EXPECT_EQ(p.points, 2);
  EXPECT_EQ(balance("virtue", 101), 2);
  EXPECT_EQ(balance("spendable", 101), 2);
  EXPECT_EQ(balance("budget", kCommunity), 98);
  EXPECT_EQ(balance("mint", 0), -102);
  // The resident sees their own balances and statement.
  auto mine = svc->person_accounts(std::nullopt, resident);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->at(0).balance, 2);
  auto st = svc->statement("virtue", 101, 0, 50, resident);
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->lines.size(), 1u);
  EXPECT_EQ(st->lines[0].amount, 2);
  EXPECT_EQ(st->lines[0].balance_after, 2);
  EXPECT_EQ(st->lines[0].item_code, "bonus.volunteer_service");
  // Someone else's statement is not there for a resident.
  EXPECT_EQ(svc->statement("virtue", 102, 0, 50, resident).error().code, Errc::not_found);
  expect_audit_clean();
}

TEST_P(Points, ADeductionMayTakeVirtueBelowZeroButNeverSpendable) {
  grant(10);
  award("bonus.volunteer_service", 101);
  auto p = propose("d1", "deduct.illegal_parking", 101, inspector);
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(svc->vote(p->id, true, "", member)->status, "posted");
  auto p2 = propose("d2", "deduct.fire_lane_blocked", 101, inspector);
  ASSERT_TRUE(p2.ok()) << p2.error().message;
  ASSERT_EQ(svc->vote(p2->id, true, "", member)->status, "posted");
  EXPECT_EQ(balance("virtue", 101), 2 - 2 - 10);
  EXPECT_EQ(balance("spendable", 101), 2);
  expect_audit_clean();
}

TEST_P(Points, AKeyAnswersItsOriginalAndRefusesOtherContent) {
  grant(100);
  auto a = propose("same", "bonus.volunteer_service", 101, worker);
  ASSERT_TRUE(a.ok());
  bool replay = false;
  NewProposal again{"same", "bonus.volunteer_service", "经核实属实", 101, std::nullopt, {"photo:abc"}};
  auto b = svc->propose(again, worker, &replay);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(replay);
  EXPECT_EQ(b->id, a->id);
  again.reason = "另一个理由";
  auto c = svc->propose(again, worker);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::conflict);
  EXPECT_EQ(c.error().field, "key");
  // The same key from another caller is other content too.
  again.reason = "经核实属实";
  auto d = svc->propose(again, with(20, {{"grid_worker", "/2/3/4"}}));
  EXPECT_EQ(d.error().field, "key");
  // Budget grants: the same.
  auto g1 = svc->grant_budget("g", kCommunity, 5, "追加预算", admin, "");
  auto g2 = svc->grant_budget("g", kCommunity, 5, "追加预算", admin, "");
  ASSERT_TRUE(g1.ok() && g2.ok());
  EXPECT_EQ(g1->id, g2->id);
  EXPECT_EQ(balance("budget", kCommunity), 105);
  EXPECT_EQ(svc->grant_budget("g", kCommunity, 6, "追加预算", admin, "").error().field, "key");
  expect_audit_clean();
}

TEST_P(Points, ProposalChecksComeInTheDocumentedOrder) {
  auto code = [&](NewProposal in, const Principal& who) {
    auto r = svc->propose(in, who);
    return r.ok() ? std::string("ok") : std::string(errc_name(r.error().code)) + ":" + r.error().field;
  };
  NewProposal good{"k1", "bonus.volunteer_service", "经核实属实", 101, std::nullopt, {"photo:abc"}};
  auto bad = good;
  bad.key = "bad key";  // fails the key, and everything below it
  bad.item_code = "";
  bad.reason = "x";
  EXPECT_EQ(code(bad, outsider), "invalid_input:key");
  bad.key = "k1";
  EXPECT_EQ(code(bad, outsider), "invalid_input:item");
  bad.item_code = "bonus.volunteer_service";
  bad.compound_id = kCompound;
  EXPECT_EQ(code(bad, outsider), "invalid_input:person_id");
  bad.compound_id.reset();
  EXPECT_EQ(code(bad, outsider), "invalid_input:reason");
  bad.reason = good.reason;
  bad.evidence = {"a\nb"};
  EXPECT_EQ(code(bad, outsider), "invalid_input:evidence");
  bad.evidence = {};
  bad.item_code = "bonus.no_such_thing";
  EXPECT_EQ(code(bad, outsider), "invalid_input:item");
  bad.item_code = "bonus.report_confirmed";  // automatic
  EXPECT_EQ(code(bad, outsider), "invalid_input:item");
  bad.item_code = "bonus.volunteer_service";
  bad.person_id = 999;
  EXPECT_EQ(code(bad, outsider), "not_found:person_id");
  bad.person_id = 101;
  EXPECT_EQ(code(bad, outsider), "not_found:person_id");  // not in the outsider's view
  // A steward over the person may propose it, but it needs evidence (after the right to).
  EXPECT_EQ(code(bad, with(30, {{"steward", "/2/3/4/5"}, {"inspector", "/2/7"}})), "invalid_input:evidence");
  bad.evidence = {"photo:1"};
  bad.key = "k2";
  // A deduction proposed by someone whose role the item does not name: 403.
  bad.item_code = "deduct.littering";
  EXPECT_EQ(code(bad, with(31, {{"steward", "/2/3"}})), "forbidden:");
  // A resident never proposes a deduction, even about themselves.
  EXPECT_EQ(code(bad, resident), "forbidden:");
  // A resident proposes a bonus for themselves (no person_id), not for a neighbour.
  bad.item_code = "bonus.volunteer_service";
  bad.person_id.reset();
  bad.key = "k3";
  EXPECT_EQ(code(bad, resident), "ok");
  bad.person_id = 102;
  bad.key = "k4";
  EXPECT_EQ(code(bad, resident), "not_found:person_id");
}

TEST_P(Points, CapsCountPostingsPerPeriodNetOfCorrections) {
  grant(1000);
  // bonus.blood_donation: 2 per year.
  auto first = award("bonus.blood_donation", 101);
  award("bonus.blood_donation", 101);
  auto third = propose("third", "bonus.blood_donation", 101, worker);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, Errc::conflict);
  // A corrected posting gives its place back.
  auto c = svc->correct("fix", *first.posting_id, "重复登记", cstaff, "");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(propose("third", "bonus.blood_donation", 101, worker).ok());
  // Next year counts afresh.
  clock.advance_ms(int64_t{366} * 86'400'000);
  award("bonus.blood_donation", 101);
  expect_audit_clean();
}

TEST_P(Points, CorrectionsReverseOnceAndNeverTakeWhatIsNotThere) {
  grant(10);
  auto p = award("bonus.dispute_mediation", 101);
  ASSERT_EQ(balance("spendable", 101), 5);
  EXPECT_EQ(svc->correct("c1", *p.posting_id, "重复", worker, "").error().code, Errc::forbidden);
  EXPECT_EQ(svc->correct("c1", *p.posting_id, "重复", outsider, "").error().code, Errc::not_found);
  bool replay = false;
  auto c = svc->correct("c1", *p.posting_id, "重复", cstaff, "", &replay);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(replay);
  EXPECT_EQ(c->points, -5);
  EXPECT_EQ(c->reverses, p.posting_id);
  EXPECT_EQ(balance("virtue", 101), 0);
  EXPECT_EQ(balance("spendable", 101), 0);
  EXPECT_EQ(balance("budget", kCommunity), 10);
  auto again = svc->correct("c1", *p.posting_id, "重复", cstaff, "", &replay);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(replay);
  EXPECT_EQ(svc->correct("c2", *p.posting_id, "重复", cstaff, "").error().code, Errc::conflict);
  EXPECT_EQ(svc->correct("c3", c->id, "撤销更正", cstaff, "").error().code, Errc::conflict);
  // A budget grant that was awarded already cannot be taken back.
  auto g = svc->grant_budget("g2", kCommunity, 5, "追加", admin, "");
  award("bonus.dispute_mediation", 102);
  award("bonus.dispute_mediation", 103);
  award("bonus.dispute_mediation", 101);
  ASSERT_EQ(balance("budget", kCommunity), 0);
  auto back = svc->correct("c4", g->id, "发错了", admin, "");
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, Errc::conflict);
  expect_audit_clean();
}

TEST_P(Points, AQuorumOfTwoNeedsTwoMembersAndARejectionNeedsAReason) {
  svc = make(2);
  grant(100);
  auto p = propose("q", "bonus.volunteer_service", 101, worker);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(svc->vote(p->id, true, "", outsider).error().code, Errc::not_found);  // not in their view
  EXPECT_EQ(svc->vote(p->id, true, "", cstaff).error().code, Errc::forbidden);    // not a member
  EXPECT_EQ(svc->vote(p->id, true, "", with(10, {{"committee_member", "/2/3"}})).error().code,
            Errc::forbidden);  // its proposer
  auto v1 = svc->vote(p->id, true, "", member);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->status, "pending");
  EXPECT_EQ(svc->vote(p->id, true, "", member).error().code, Errc::conflict);
  EXPECT_EQ(svc->vote(p->id, false, "", member2).error().field, "reason");
  auto v2 = svc->vote(p->id, true, "", member2);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->status, "posted");
  EXPECT_EQ(v2->approvals, 2);
  EXPECT_EQ(svc->vote(p->id, true, "", with(16, {{"committee_member", "/2/3"}})).error().code, Errc::conflict);
  // A member does not decide about themselves (account 501 is person 101).
  auto self = propose("self", "bonus.volunteer_service", 101, worker);
  EXPECT_EQ(svc->vote(self->id, true, "", with(501, {{"committee_member", "/2/3"}})).error().code, Errc::forbidden);
  auto r = propose("rej", "bonus.volunteer_service", 102, worker);
  ASSERT_TRUE(svc->vote(r->id, false, "证据不足", member).ok());
  EXPECT_EQ(svc->vote(r->id, false, "证据不足", member2)->status, "rejected");
  expect_audit_clean();
}

// However many approvals race for a budget, it is spent exactly once: never below zero.
TEST_P(Points, ABudgetIsNeverOverspentUnderConcurrentApprovals) {
  grant(50);  // ten awards of 5
  std::vector<int64_t> ids;
  for (int i = 0; i < 32; ++i) {
    int64_t person = 300 + i;
    persons[person] = {kBuilding, "居民"};
    auto p = propose("race-" + std::to_string(i), "bonus.dispute_mediation", person, worker);
    ASSERT_TRUE(p.ok()) << p.error().message;
    ids.push_back(p->id);
  }
  std::atomic<int> posted{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = t; i < ids.size(); i += 8) {
        auto v = svc->vote(ids[i], true, "", member);
        if (v.ok() && v->status == "posted")
          ++posted;
        else if (!v.ok() && v.error().code == Errc::conflict)
          ++refused;
        else
          ++other;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(posted.load(), 10);
  EXPECT_EQ(refused.load(), 22);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(balance("budget", kCommunity), 0);
  expect_audit_clean();
}

TEST_P(Points, CompoundItemsPostCivilityPoints) {
  NewProposal in{"c", "bonus.compound_tidy_environment", "月度评比第一", std::nullopt, kCompound, {"photo:1"}};
  auto p = svc->propose(in, cstaff);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->subject, "compound");
  ASSERT_EQ(svc->vote(p->id, true, "", member)->status, "posted");
  EXPECT_EQ(balance("civility", kCompound), 20);
  auto st = svc->statement("civility", kCompound, 0, 10, cstaff);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->lines.at(0).amount, 20);
  EXPECT_EQ(svc->statement("civility", kCompound, 0, 10, resident).error().code, Errc::not_found);
  expect_audit_clean();
}

TEST_P(Points, ACatalogueChangeIsANewVersionAndLeavesThePastAlone) {
  grant(100);
  auto before = award("bonus.volunteer_service", 101);
  ItemChange ch{"bonus.volunteer_service", "志愿服务", "Volunteer service", "person", "month", 3, 20, true, false, true,
                {"self", "grid_worker"}};
  EXPECT_EQ(svc->put_item(ch, worker, "").error().code, Errc::forbidden);
  auto v2 = svc->put_item(ch, admin, "");
  ASSERT_TRUE(v2.ok()) << v2.error().message;
  EXPECT_EQ(v2->version, 2);
  auto after = award("bonus.volunteer_service", 101);
  EXPECT_EQ(before.points, 2);
  EXPECT_EQ(before.item.version, 1);
  EXPECT_EQ(after.points, 3);
  EXPECT_EQ(after.item.version, 2);
  auto st = svc->statement("virtue", 101, 0, 10, resident);
  EXPECT_EQ(st->lines.at(0).amount, 3);
  EXPECT_EQ(st->lines.at(1).amount, 2);
  ch.points = -1;
  EXPECT_EQ(svc->put_item(ch, admin, "").error().field, "points");
  ch.points = 1;
  ch.code = "deduct.x";
  EXPECT_EQ(svc->put_item(ch, admin, "").error().field, "points");
  ch.code = "bonus.new_thing";
  ch.proposers = {"resident"};
  EXPECT_EQ(svc->put_item(ch, admin, "").error().field, "proposers");
  expect_audit_clean();
}

TEST_P(Points, StatementsPageNewestFirstWithTheBalanceEachLineLeft) {
  grant(1000);
  for (int i = 0; i < 7; ++i) award("bonus.neighbour_mutual_aid", 101);
  auto s1 = svc->statement("spendable", 101, 0, 3, resident);
  ASSERT_TRUE(s1.ok());
  ASSERT_EQ(s1->lines.size(), 3u);
  EXPECT_EQ(s1->lines[0].balance_after, 7);
  EXPECT_EQ(s1->lines[2].balance_after, 5);
  ASSERT_TRUE(s1->next_before);
  auto s2 = svc->statement("spendable", 101, *s1->next_before, 5, resident);
  ASSERT_EQ(s2->lines.size(), 4u);
  EXPECT_EQ(s2->lines.back().balance_after, 1);
  EXPECT_FALSE(s2->next_before);
}

// The auditor finds what a direct write to the tables did behind the ledger's back.
TEST_P(Points, TheAuditFindsEveryKindOfTampering) {
  grant(100);
  award("bonus.volunteer_service", 101);
  auto p = award("bonus.volunteer_service", 102);
  expect_audit_clean();
  auto tamper = [&](const std::string& sql, const std::string& expect) {
    db->raw([&](store::Conn& c) { c.exec(sql); });
    auto r = svc->audit();
    bool found = false;
    for (const auto& pr : r.problems) found = found || pr.find(expect) != std::string::npos;
    std::string all;
    for (const auto& pr : r.problems) all += pr + "\n";
    EXPECT_TRUE(found) << "after " << sql << " the audit did not report '" << expect << "' but:\n" << all;
  };
  tamper(
      "UPDATE points_accounts SET balance = balance + 1, credits = credits + 1 WHERE kind = 'virtue' AND owner_id = "
      "101",
      "transfers give");
  auto restore = [&](const std::string& sql) { db->raw([&](store::Conn& c) { c.exec(sql); }); };
  restore(
      "UPDATE points_accounts SET balance = balance - 1, credits = credits - 1 WHERE kind = 'virtue' AND owner_id = "
      "101");
  EXPECT_TRUE(svc->audit().problems.empty());
  tamper("UPDATE points_transfers SET amount = 3 WHERE id = (SELECT MAX(id) FROM points_transfers)", "replayed");
  restore("UPDATE points_transfers SET amount = 2 WHERE id = (SELECT MAX(id) FROM points_transfers)");
  EXPECT_TRUE(svc->audit().problems.empty());
  tamper("DELETE FROM points_transfers WHERE posting_id = " + std::to_string(*p.posting_id), "has no transfers");
}

// A confirmed report earns its reporter bonus.report_confirmed once per order: the ledger
// follows the event log (the reporters' copies of order.verified and order.rated).
TEST_P(Points, ConfirmedReportsEarnTheirReportersPointsOncePerOrder) {
  grant(100);
  auto emit = [&](const std::string& type, const std::string& subject, std::optional<int64_t> account) {
    ASSERT_TRUE(db->write([&](store::Conn& c) -> Status {
                    c.emit({type, subject, "/2/3/4", account, "{}"});
                    return ok_status();
                  }).ok());
  };
  emit("order.verified", "order:77", std::nullopt);  // the staff's copy: no reporter
  emit("order.verified", "order:77", 501);           // person 101's
  emit("order.claimed", "order:78", 501);            // not a confirmation
  emit("order.rated", "order:77", 501);              // the same order again
  emit("order.verified", "order:79", 502);           // person 201: community 7 has no budget
  emit("order.verified", "order:80", 999);           // an account linked to no person
  EXPECT_EQ(svc->follow_events(), 1);
  EXPECT_EQ(balance("virtue", 101), 2);
  EXPECT_EQ(balance("spendable", 101), 2);
  EXPECT_EQ(balance("virtue", 201), 0);
  EXPECT_EQ(svc->follow_events(), 0);
  emit("order.rated", "order:81", 501);
  svc = make(1);  // a restart keeps the cursor
  EXPECT_EQ(svc->follow_events(), 1);
  EXPECT_EQ(balance("virtue", 101), 4);
  auto st = svc->statement("virtue", 101, 0, 10, resident);
  EXPECT_EQ(st->lines.at(0).item_code, "bonus.report_confirmed");
  expect_audit_clean();
}

TEST_P(Points, TheTierFollowsVirtuePoints) {
  grant(1000);
  EXPECT_EQ(svc->tier_of(101).code, "standard");
  award("bonus.heroic_act", 101);
  EXPECT_EQ(svc->tier_of(101).code, "standard");  // 50
  award("bonus.heroic_act", 101);
  EXPECT_EQ(svc->tier_of(101).code, "silver");  // 100
  EXPECT_GT(svc->tier_of(101).booking_days_ahead, svc->tier_of(102).booking_days_ahead);
  for (int i = 0; i < 4; ++i) award("bonus.heroic_act", 101);
  EXPECT_EQ(svc->tier_of(101).code, "gold");  // 300
  auto p = propose("dv", "deduct.domestic_violence", 101, cstaff);
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(svc->vote(p->id, true, "", member)->status, "posted");
  EXPECT_EQ(svc->tier_of(101).code, "silver");  // 250
}

// Bulk: one item proposed for many persons (all or none), and a committee's queue decided at
// once, each proposal on its own (an empty budget stops some, not all).
TEST_P(Points, BulkProposalsAreAllOrNoneAndBulkVotesEachStandAlone) {
  grant(12);  // two awards of 5, then the budget is too small
  for (int64_t p = 301; p <= 305; ++p) persons[p] = {kBuilding, "志愿者"};
  NewProposal in{"vol", "bonus.dispute_mediation", "社区调解活动", std::nullopt, std::nullopt, {"photo:1"}};
  auto bad = svc->propose_many(in, {301, 302, 999}, cstaff);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "person_ids");
  EXPECT_NE(bad.error().message.find("person_ids[2]"), std::string::npos);
  EXPECT_EQ(svc->proposals("", std::nullopt, 0, 50, cstaff)->size(), 0u);  // none made
  EXPECT_EQ(svc->propose_many(in, {301, 301}, cstaff).error().field, "person_ids");
  bool replay = false;
  auto made = svc->propose_many(in, {301, 302, 303, 304, 305}, cstaff, &replay);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_FALSE(replay);
  ASSERT_EQ(made->size(), 5u);
  auto again = svc->propose_many(in, {301, 302, 303, 304, 305}, cstaff, &replay);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(replay);
  EXPECT_EQ(again->at(4).id, made->at(4).id);
  EXPECT_EQ(svc->propose_many(in, {301, 302}, cstaff).error().field, "key");
  std::vector<int64_t> ids;
  for (const auto& p : *made) ids.push_back(p.id);
  ids.push_back(999'999);
  auto out = svc->vote_many(ids, true, "", member);
  ASSERT_EQ(out.size(), 6u);
  int posted = 0, refused = 0;
  for (const auto& d : out) (d.proposal && d.proposal->status == "posted" ? posted : refused)++;
  EXPECT_EQ(posted, 2);
  EXPECT_EQ(refused, 4);
  EXPECT_EQ(out.back().error->code, Errc::not_found);
  EXPECT_EQ(balance("budget", kCommunity), 2);
  // The refused ones are still pending: a budget later, and they go through.
  grant(15);
  out = svc->vote_many(std::vector<int64_t>(ids.begin(), ids.end() - 1), true, "", member);
  posted = 0;
  for (const auto& d : out) posted += d.proposal && d.proposal->status == "posted";
  EXPECT_EQ(posted, 3);
  EXPECT_EQ(balance("budget", kCommunity), 2);
  expect_audit_clean();
}

// Compounds ranked by what they gained in a month, then by balance; the street's ranking
// takes in its communities' compounds; another month counts afresh.
TEST_P(Points, CompoundsRankByTheMonthsCivilityPoints) {
  auto post_for = [&](int64_t compound, const std::string& item, const std::string& key) {
    NewProposal in{key, item, "月度评比", std::nullopt, compound, {"photo:1"}};
    auto p = svc->propose(in, with(40, {{"community_staff", "/2"}}));
    ASSERT_TRUE(p.ok()) << p.error().message;
    ASSERT_EQ(svc->vote(p->id, true, "", with(41, {{"committee_member", "/2"}}))->status, "posted");
  };
  post_for(kCompound, "bonus.compound_tidy_environment", "a");     // +20 in community 3
  post_for(kCompound2, "bonus.compound_civilized_compound", "b");  // +50 in community 7
  auto street = svc->ranking(2, "");
  ASSERT_TRUE(street.ok()) << street.error().message;
  ASSERT_EQ(street->size(), 2u);
  EXPECT_EQ(street->at(0).compound_id, kCompound2);
  EXPECT_EQ(street->at(0).rank, 1);
  EXPECT_EQ(street->at(1).month_points, 20);
  auto community = svc->ranking(kCommunity, "");
  ASSERT_EQ(community->size(), 1u);
  EXPECT_EQ(community->at(0).name, "一号小区");
  clock.advance_ms(int64_t{40} * 86'400'000);  // next month: nothing gained yet, ranked by balance
  auto next = svc->ranking(2, "");
  EXPECT_EQ(next->at(0).month_points, 0);
  EXPECT_EQ(next->at(0).compound_id, kCompound2);
  auto january = svc->ranking(2, "2026-01");
  EXPECT_EQ(january->at(0).month_points, 50);
  EXPECT_EQ(svc->ranking(2, "2026-13").error().field, "month");
  EXPECT_EQ(svc->ranking(999, "").error().code, Errc::not_found);
}

TEST_P(Points, AStatementExportsAsASpreadsheetForWhoMayReadIt) {
  grant(100);
  award("bonus.volunteer_service", 101);
  auto x = svc->statement_xlsx("virtue", 101, resident);
  ASSERT_TRUE(x.ok()) << x.error().message;
  EXPECT_EQ(x->substr(0, 2), "PK");  // a zip: .xlsx
  EXPECT_EQ(svc->statement_xlsx("virtue", 102, resident).error().code, Errc::not_found);
}

INSTANTIATE_TEST_SUITE_P(Drivers, Points, ::testing::ValuesIn(urls()), driver_name);

}  // namespace mashang::points_test
