// Appeals against both databases: the order of checks, overturning a deduction, a correction
// and a rejection (each posting its remedy, or nothing), upholding, who may decide, and two
// members deciding one appeal at once.
#include <atomic>
#include <thread>

#include "fixture.hpp"

namespace mashang::points_test {

using namespace points;

class PointsAppeals : public PointsBase {
 protected:
  //! A deduction of deduct.illegal_parking (−2) for person 101, proposed by the inspector and
  //! approved by `member`; its posting. A day passes after it (the item's cap is 1 a day).
  int64_t deduction(const std::string& key) {
    auto p = propose(key, "deduct.illegal_parking", 101, inspector);
    EXPECT_TRUE(p.ok()) << p.error().message;
    auto v = svc->vote(p->id, true, "", member);
    EXPECT_TRUE(v.ok()) << v.error().message;
    clock.advance_ms(86'400'000);
    return v->posting_id.value_or(0);
  }

  Result<Appeal> appeal(const std::string& key, std::optional<int64_t> posting, std::optional<int64_t> proposal,
                        const Principal& who = {}, std::vector<std::string> evidence = {}) {
    NewAppeal in{key, posting, proposal, "当时车辆故障，已报修", std::move(evidence)};
    return svc->appeal(in, who.account_id ? who : resident);
  }
};

TEST_P(PointsAppeals, AppealChecksComeInTheDocumentedOrder) {
  grant(10);
  int64_t posting = deduction("d1");
  auto award_posting = award("bonus.volunteer_service", 101).posting_id.value();
  auto code = [](const Result<Appeal>& r) { return r.ok() ? Errc::internal : r.error().code; };
  auto field = [](const Result<Appeal>& r) { return r.ok() ? std::string("(ok)") : r.error().field; };
  // 2–5: the request's shape.
  EXPECT_EQ(field(appeal("bad key!", posting, std::nullopt)), "key");
  EXPECT_EQ(field(appeal("a1", std::nullopt, std::nullopt)), "posting_id");
  EXPECT_EQ(field(appeal("a1", posting, 1)), "posting_id");
  NewAppeal short_reason{"a1", posting, std::nullopt, "x", {}};
  EXPECT_EQ(svc->appeal(short_reason, resident).error().field, "reason");
  EXPECT_EQ(field(appeal("a1", posting, std::nullopt, resident, std::vector<std::string>(10, "photo:x"))), "evidence");
  // 7: an account linked to no person.
  EXPECT_EQ(code(appeal("a1", posting, std::nullopt, with(600, {{"resident", "/2/3/4"}}))), Errc::forbidden);
  // 8: about someone else, or nothing at all.
  EXPECT_EQ(code(appeal("a1", posting, std::nullopt, with(502, {{"resident", "/2/7/8"}}))), Errc::not_found);
  EXPECT_EQ(code(appeal("a1", 99'999, std::nullopt)), Errc::not_found);
  EXPECT_EQ(field(appeal("a1", std::nullopt, 99'999)), "proposal_id");
  // 9: an award took nothing; a pending proposal was not rejected.
  EXPECT_EQ(code(appeal("a1", award_posting, std::nullopt)), Errc::invalid_input);
  auto pending = propose("pend", "deduct.illegal_parking", 101, inspector);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(field(appeal("a1", std::nullopt, pending->id)), "proposal_id");
  // Made; a replay answers it; other content or another caller under the key is 409.
  bool replay = false;
  NewAppeal in{"a1", posting, std::nullopt, "当时车辆故障，已报修", {"photo:tow"}};
  auto made = svc->appeal(in, resident, &replay);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_FALSE(replay);
  EXPECT_EQ(made->status, "pending");
  EXPECT_EQ(made->points, -2);
  EXPECT_EQ(made->item_code, "deduct.illegal_parking");
  EXPECT_EQ(made->person_id, 101);
  EXPECT_EQ(made->community_id, kCommunity);
  auto again = svc->appeal(in, resident, &replay);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(replay);
  EXPECT_EQ(again->id, made->id);
  in.reason = "换一个理由再来";
  EXPECT_EQ(svc->appeal(in, resident).error().field, "key");
  EXPECT_EQ(appeal("a1", posting, std::nullopt, with(502, {{"resident", "/2/7/8"}})).error().field, "key");
  // 10: once per posting.
  auto twice = appeal("a2", posting, std::nullopt);
  EXPECT_EQ(code(twice), Errc::conflict);
  EXPECT_EQ(field(twice), "posting_id");
  // 11: within the window (30 days by default).
  int64_t late = deduction("d2");
  clock.advance_ms(31LL * 86'400'000);
  EXPECT_EQ(code(appeal("a3", late, std::nullopt)), Errc::conflict);
  // 12: a corrected posting has nothing left to appeal.
  int64_t corrected = deduction("d3");
  ASSERT_TRUE(svc->correct("c3", corrected, "录入错误", cstaff, "").ok());
  auto gone = appeal("a4", corrected, std::nullopt);
  EXPECT_EQ(code(gone), Errc::conflict);
  EXPECT_EQ(gone.error().message, "the posting was corrected already");
  expect_audit_clean();
}

TEST_P(PointsAppeals, OverturningADeductionGivesItsPointsBackOnce) {
  int64_t posting = deduction("d1");
  EXPECT_EQ(balance("virtue", 101), -2);
  auto a = appeal("a1", posting, std::nullopt);
  ASSERT_TRUE(a.ok()) << a.error().message;
  // Decision checks: shape, visibility, the right, taking part.
  EXPECT_EQ(svc->decide_appeal(a->id, true, "x", member2).error().field, "reason");
  EXPECT_EQ(svc->decide_appeal(a->id, true, "核实有误", outsider).error().code, Errc::not_found);
  EXPECT_EQ(svc->decide_appeal(99'999, true, "核实有误", member2).error().code, Errc::not_found);
  EXPECT_EQ(svc->decide_appeal(a->id, true, "核实有误", cstaff).error().code, Errc::forbidden);
  EXPECT_EQ(svc->decide_appeal(a->id, true, "核实有误", resident).error().code, Errc::forbidden);
  auto took_part = svc->decide_appeal(a->id, true, "核实有误", member);  // approved the deduction
  EXPECT_EQ(took_part.error().code, Errc::forbidden);
  EXPECT_EQ(svc->decide_appeal(a->id, true, "核实有误", with(15, {{"committee_member", "/2/3"}})).error().code,
            Errc::forbidden);  // the inspector who proposed it, also on the committee
  auto d = svc->decide_appeal(a->id, true, "照片显示车辆已报修", member2);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->status, "overturned");
  EXPECT_EQ(d->decided_by, member2.account_id);
  EXPECT_EQ(d->decision_reason, "照片显示车辆已报修");
  ASSERT_TRUE(d->result_posting_id);
  EXPECT_EQ(balance("virtue", 101), 0);
  db->read([&](store::Conn& c) {
    auto p = detail::posting_by_id(c, *d->result_posting_id);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, "correction");
    EXPECT_EQ(p->reverses, posting);
    EXPECT_EQ(p->key, "#appeal:" + std::to_string(a->id));
  });
  EXPECT_EQ(svc->decide_appeal(a->id, false, "再议一次", with(16, {{"committee_member", "/2/3"}})).error().code,
            Errc::conflict);
  // The person, the staff over it, and nobody else see it.
  EXPECT_EQ(svc->appeal_of(a->id, resident)->status, "overturned");
  EXPECT_TRUE(svc->appeal_of(a->id, cstaff).ok());
  EXPECT_EQ(svc->appeal_of(a->id, outsider).error().code, Errc::not_found);
  EXPECT_EQ(svc->appeal_of(a->id, with(502, {{"resident", "/2/7/8"}})).error().code, Errc::not_found);
  expect_audit_clean();
}

TEST_P(PointsAppeals, UpholdingLeavesTheLedgerAlone) {
  int64_t posting = deduction("d1");
  auto a = appeal("a1", posting, std::nullopt);
  ASSERT_TRUE(a.ok());
  auto d = svc->decide_appeal(a->id, false, "现场照片清楚，维持原扣分", member2);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->status, "upheld");
  EXPECT_FALSE(d->result_posting_id);
  EXPECT_EQ(balance("virtue", 101), -2);
  // Upheld is final: staff may still correct the posting; the appeal stays as decided.
  EXPECT_EQ(appeal("a2", posting, std::nullopt).error().code, Errc::conflict);
  expect_audit_clean();
}

TEST_P(PointsAppeals, AnAwardTakenBackByACorrectionComesBackOnOverturn) {
  grant(2);
  auto awarded = award("bonus.volunteer_service", 101);
  auto corr = svc->correct("c1", *awarded.posting_id, "误录为本人", cstaff, "");
  ASSERT_TRUE(corr.ok()) << corr.error().message;
  EXPECT_EQ(balance("spendable", 101), 0);
  EXPECT_EQ(balance("budget", kCommunity), 2);
  // The correction's award is what is at stake; the corrector may not decide it.
  auto a = appeal("a1", corr->id, std::nullopt);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->points, -2);
  EXPECT_EQ(a->item_code, "bonus.volunteer_service");
  EXPECT_EQ(svc->decide_appeal(a->id, true, "确系本人参加", with(11, {{"committee_member", "/2/3"}})).error().code,
            Errc::forbidden);
  auto d = svc->decide_appeal(a->id, true, "确系本人参加", member);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(balance("virtue", 101), 2);
  EXPECT_EQ(balance("spendable", 101), 2);
  EXPECT_EQ(balance("budget", kCommunity), 0);
  expect_audit_clean();
}

TEST_P(PointsAppeals, ARejectedProposalIsPostedOnOverturnOrNothingHappens) {
  auto p = propose("self1", "bonus.volunteer_service", std::nullopt, resident);
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(svc->vote(p->id, false, "未见活动记录", member)->status, "rejected");
  auto a = appeal("a1", std::nullopt, p->id);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->points, 2);
  EXPECT_EQ(svc->decide_appeal(a->id, true, "补充了签到表", member).error().code, Errc::forbidden);  // voted
  // No budget: nothing is recorded; the appeal waits.
  auto broke = svc->decide_appeal(a->id, true, "补充了签到表", member2);
  EXPECT_EQ(broke.error().code, Errc::conflict);
  EXPECT_EQ(svc->appeal_of(a->id, resident)->status, "pending");
  EXPECT_EQ(svc->proposal(p->id, resident)->status, "rejected");
  grant(5);
  auto d = svc->decide_appeal(a->id, true, "补充了签到表", member2);
  ASSERT_TRUE(d.ok()) << d.error().message;
  auto posted = svc->proposal(p->id, resident);
  EXPECT_EQ(posted->status, "posted");
  EXPECT_EQ(posted->posting_id, d->result_posting_id);
  EXPECT_EQ(balance("virtue", 101), 2);
  EXPECT_EQ(balance("spendable", 101), 2);
  expect_audit_clean();
}

TEST_P(PointsAppeals, ListsShowOnesOwnOrACommunitysQueue) {
  int64_t p1 = deduction("d1"), p2 = deduction("d2");
  auto a1 = appeal("a1", p1, std::nullopt), a2 = appeal("a2", p2, std::nullopt);
  ASSERT_TRUE(a1.ok() && a2.ok());
  ASSERT_TRUE(svc->decide_appeal(a1->id, false, "维持原扣分", member2).ok());
  auto mine = svc->appeals("", std::nullopt, 0, 50, resident);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ(mine->at(0).id, a2->id);  // newest first
  EXPECT_EQ(svc->appeals("", std::nullopt, a2->id, 50, resident)->size(), 1u);
  auto queue = svc->appeals("pending", kCommunity, 0, 50, member2);
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->size(), 1u);
  EXPECT_EQ(queue->at(0).id, a2->id);
  EXPECT_EQ(svc->appeals("", kCommunity, 0, 50, outsider).error().code, Errc::not_found);
  EXPECT_EQ(svc->appeals("", kCommunity, 0, 50, resident).error().code, Errc::not_found);
  EXPECT_EQ(svc->appeals("maybe", std::nullopt, 0, 50, resident).error().field, "status");
  EXPECT_EQ(svc->appeals("", std::nullopt, 0, 201, resident).error().field, "limit");
  EXPECT_TRUE(svc->appeals("", std::nullopt, 0, 50, member2)->empty());  // no person: nothing of their own
}

TEST_P(PointsAppeals, TwoMembersOverturningAtOnceReverseOnce) {
  int64_t posting = deduction("d1");
  auto a = appeal("a1", posting, std::nullopt);
  ASSERT_TRUE(a.ok());
  std::atomic<int> ok{0}, conflict{0};
  std::vector<std::thread> ts;
  for (int64_t m : {13, 16, 17, 18})
    ts.emplace_back([&, m] {
      auto d = svc->decide_appeal(a->id, true, "核实有误", with(m, {{"committee_member", "/2/3"}}));
      (d.ok() ? ok : conflict)++;
      if (!d.ok()) {
        EXPECT_EQ(d.error().code, Errc::conflict) << d.error().message;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflict.load(), 3);
  EXPECT_EQ(balance("virtue", 101), 0);
  expect_audit_clean();
}

INSTANTIATE_TEST_SUITE_P(Drivers, PointsAppeals, ::testing::ValuesIn(urls()), driver_name);

}  // namespace mashang::points_test
