// The one-key alarm against both databases, on an injected clock: the escalation chain
// steward → backup → community duty → street duty (and round after round at the top) until
// someone acknowledges; a restart mid-chain; two escalators racing; a second press joining;
// levels with nobody skipped; who may act; devices; profiles sealed, masked and audited; and
// the outbox delivering each alert exactly once through a gateway that fails, then recovers.
#include "fixture.hpp"

namespace mashang::care_test {

TEST_P(Care, AnAlarmClimbsLevelByLevelUntilSomeoneAcknowledges) {
  staff_everything();
  int64_t t0 = clock.now_ms();
  auto a = svc->raise(elder, false, std::nullopt);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_FALSE(a->joined);
  EXPECT_EQ(a->status, "open");
  EXPECT_EQ(a->level, 0);
  EXPECT_EQ(a->due_at, t0 + 60'000);
  EXPECT_EQ(alerted(a->id), (std::vector<std::pair<int64_t, int64_t>>{{0, 20}}));
  // Not a moment early.
  clock.set_ms(t0 + 59'999);
  EXPECT_EQ(svc->escalate_due(clock.now_ms()), 0);
  clock.set_ms(t0 + 60'000);
  EXPECT_EQ(svc->escalate_due(clock.now_ms()), 1);
  EXPECT_EQ(svc->escalate_due(clock.now_ms()), 0);  // once
  clock.advance_ms(60'000);
  EXPECT_EQ(svc->escalate_due(clock.now_ms()), 1);
  clock.advance_ms(60'000);
  EXPECT_EQ(svc->escalate_due(clock.now_ms()), 1);
  // The top level again, a round later, until someone answers.
  clock.advance_ms(60'000);
  EXPECT_EQ(svc->escalate_due(clock.now_ms()), 1);
  auto seen = alerted(a->id);
  EXPECT_EQ(seen,
            (std::vector<std::pair<int64_t, int64_t>>{{0, 20}, {1, 21}, {2, 22}, {3, 22}, {3, 23}, {3, 22}, {3, 23}}));
  auto v = svc->alarm(a->id, false, steward, "");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->alarm.level, 3);
  EXPECT_EQ(v->alarm.round, 1);
  // The street's duty officer acknowledges: the deadline stops.
  auto ack = svc->acknowledge(a->id, sstaff);
  ASSERT_TRUE(ack.ok()) << ack.error().message;
  EXPECT_EQ(ack->status, "acknowledged");
  EXPECT_FALSE(ack->due_at);
  clock.advance_ms(600'000);
  EXPECT_EQ(svc->escalate_due(clock.now_ms()), 0);
  EXPECT_EQ(svc->acknowledge(a->id, steward).error().code, Errc::conflict);
  // Every alert reached its account live and through the outbox, one message each.
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'care.alarm_alert' AND account_id = 20"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'care.alarm_alert' AND account_id = 23"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notify_messages WHERE kind = 'care.alarm_alert'"), 7);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'care.alarm_acknowledged' AND account_id = 501"), 1);
}

TEST_P(Care, DeadlinesAreDataSoARestartFiresThemAndTwoEscalatorsFireOnce) {
  staff_everything();
  int64_t t0 = clock.now_ms();
  auto a = svc->raise(elder, false, std::nullopt);
  ASSERT_TRUE(a.ok());
  // The server stops before the deadline and comes back after it.
  svc.reset();
  clock.set_ms(t0 + 75'000);
  svc = make();
  auto other = make();
  std::atomic<int64_t> moved{0};
  std::thread t1([&] { moved += svc->escalate_due(clock.now_ms()); });
  std::thread t2([&] { moved += other->escalate_due(clock.now_ms()); });
  t1.join();
  t2.join();
  EXPECT_EQ(moved.load(), 1);
  auto v = svc->alarm(a->id, false, steward, "");
  EXPECT_EQ(v->alarm.level, 1);
  // The next deadline runs from when the step fired.
  EXPECT_EQ(v->alarm.due_at, t0 + 75'000 + 60'000);
  bool late_noted = false;
  for (const auto& s : v->timeline)
    if (s.kind == "escalated") late_noted = s.note.find("late_ms=15000") != std::string::npos;
  EXPECT_TRUE(late_noted);
}

TEST_P(Care, ASecondPressJoinsTheOpenAlarmAndADrillIsItsOwn) {
  staff_everything();
  auto a = svc->raise(elder, false, std::nullopt);
  auto b = svc->raise(elder, false, std::nullopt);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->id, a->id);
  EXPECT_TRUE(b->joined);
  EXPECT_EQ(b->presses, 2);
  EXPECT_EQ(alerted(a->id).size(), 1u);  // nobody alerted twice for it
  auto drill = svc->raise(cstaff, true, 101);
  ASSERT_TRUE(drill.ok()) << drill.error().message;
  EXPECT_NE(drill->id, a->id);
  EXPECT_TRUE(drill->drill);
  EXPECT_EQ(drill->source, "staff");
  // Staff raise drills, never a real alarm for someone else; an outsider sees no such person.
  EXPECT_EQ(svc->raise(cstaff, false, 101).error().code, Errc::forbidden);
  EXPECT_EQ(svc->raise(outsider, true, 101).error().code, Errc::not_found);
  EXPECT_EQ(svc->raise(steward, false, std::nullopt).error().code, Errc::forbidden);  // linked to no person
  // Closed, the next press opens a new alarm.
  ASSERT_TRUE(svc->close(a->id, "false_alarm", "误按", steward).ok());
  auto c = svc->raise(elder, false, std::nullopt);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c->id, a->id);
  EXPECT_FALSE(c->joined);
  auto drills = svc->alarms(kCommunity, "", true, 0, 50, cstaff);
  ASSERT_TRUE(drills.ok());
  EXPECT_EQ(drills->size(), 1u);
  EXPECT_EQ(svc->alarms(kCommunity, "active", false, 0, 50, cstaff)->size(), 1u);
}

TEST_P(Care, LevelsWithNobodyAreSkippedAtOnce) {
  int64_t now = clock.now_ms();
  ASSERT_TRUE(svc->add_duty(kCommunity, 22, now - 1000, now + 3'600'000, cstaff).ok());
  auto a = svc->raise(elder, false, std::nullopt);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->level, 2);  // no steward, no backup: the community's duty officer at once
  EXPECT_EQ(a->due_at, now + 60'000);
  EXPECT_EQ(alerted(a->id), (std::vector<std::pair<int64_t, int64_t>>{{2, 22}}));
  EXPECT_EQ(count("SELECT COUNT(*) FROM care_alarm_steps WHERE kind = 'skipped'"), 2);
  // The top level: everyone on duty in the street (here the community's officer again).
  clock.advance_ms(60'000);
  EXPECT_EQ(svc->escalate_due(clock.now_ms()), 1);
  auto v = svc->alarm(a->id, false, cstaff, "");
  EXPECT_EQ(v->alarm.level, 3);
  EXPECT_EQ(v->alarm.status, "open");
  // An inactive steward is not alerted.
  ASSERT_TRUE(svc->assign(kBuilding, 20, std::nullopt, cstaff).ok());
  members[20].active = false;
  ASSERT_TRUE(svc->close(a->id, "resolved", "", cstaff).ok());
  auto b = svc->raise(elder, false, std::nullopt);
  EXPECT_EQ(b->level, 2);
}

TEST_P(Care, RespondersActInOrderAndOthersCannot) {
  staff_everything();
  auto a = svc->raise(elder, false, std::nullopt);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(svc->acknowledge(a->id, elder).error().code, Errc::forbidden);
  EXPECT_EQ(svc->acknowledge(a->id, outsider).error().code, Errc::not_found);
  EXPECT_EQ(svc->acknowledge(a->id, backup).error().code, Errc::not_found);  // not alerted yet, not over it
  EXPECT_EQ(svc->arrive(a->id, steward).error().code, Errc::conflict);       // acknowledge first
  clock.advance_ms(60'000);
  ASSERT_EQ(svc->escalate_due(clock.now_ms()), 1);
  auto ack = svc->acknowledge(a->id, backup);  // alerted now
  ASSERT_TRUE(ack.ok()) << ack.error().message;
  EXPECT_TRUE(svc->acknowledge(a->id, backup).ok());  // a retry of one's own
  auto arr = svc->arrive(a->id, backup);
  ASSERT_TRUE(arr.ok());
  EXPECT_EQ(arr->status, "arrived");
  EXPECT_EQ(svc->close(a->id, "maybe", "", backup).error().field, "outcome");
  auto closed = svc->close(a->id, "hospital", "送医院观察", backup);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->outcome, "hospital");
  EXPECT_EQ(svc->close(a->id, "resolved", "", backup).error().code, Errc::conflict);
  auto v = svc->alarm(a->id, false, elder, "");  // the elder sees their own alarm
  ASSERT_TRUE(v.ok());
  std::vector<std::string> kinds;
  for (const auto& s : v->timeline) kinds.push_back(s.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"raised", "alerted", "escalated", "alerted", "acknowledged", "arrived",
                                             "closed"}));
  EXPECT_EQ(svc->alarm(a->id, true, elder, "").error().code, Errc::forbidden);
  EXPECT_EQ(svc->alarm(a->id, false, outsider, "").error().code, Errc::not_found);
  // The backup steward finds it among the alarms they were alerted to.
  auto mine = svc->alarms(std::nullopt, "", std::nullopt, 0, 50, backup);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->size(), 1u);
}

TEST_P(Care, DevicesRaiseAlarmsUntilRevoked) {
  staff_everything();
  EXPECT_EQ(svc->add_device(101, "一键呼叫器", outsider).error().code, Errc::not_found);
  auto d = svc->add_device(101, "一键呼叫器", steward);
  ASSERT_TRUE(d.ok()) << d.error().message;
  ASSERT_FALSE(d->token.empty());
  auto a = svc->raise_by_device(d->token, false);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->source, "device");
  EXPECT_EQ(a->device_id, d->id);
  EXPECT_EQ(svc->raise_by_device("dev_nope", false).error().code, Errc::unauthenticated);
  ASSERT_TRUE(svc->revoke_device(d->id, cstaff).ok());
  EXPECT_EQ(svc->revoke_device(d->id, cstaff).error().code, Errc::conflict);
  EXPECT_EQ(svc->raise_by_device(d->token, false).error().code, Errc::forbidden);
  auto list = svc->devices(101, elder);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_TRUE(list->at(0).token.empty());  // shown once
  EXPECT_TRUE(list->at(0).revoked_at);
}

TEST_P(Care, ProfilesAreSealedMaskedAndRevealedWithAnAuditRecord) {
  ProfileChange in{"高血压，服用降压药；青霉素过敏", {{"刘伟", "儿子", "139 0000 1111"}}, 7};
  EXPECT_EQ(svc->put_profile(101, in, outsider, "").error().code, Errc::not_found);
  auto p = svc->put_profile(101, in, steward, "10.0.0.1");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_FALSE(p->health_notes);
  EXPECT_EQ(p->contacts.at(0).phone, "139****1111");
  // At rest: nothing readable.
  db->read([&](store::Conn& c) {
    auto r = c.query_one("SELECT health_sealed, contacts_sealed FROM care_elders WHERE person_id = 101");
    EXPECT_EQ(r->text(0).find("高血压"), std::string::npos);
    EXPECT_EQ(r->text(1).find("13900001111"), std::string::npos);
  });
  int64_t audits = count("SELECT COUNT(*) FROM audit WHERE action = 'care.profile_revealed'");
  EXPECT_EQ(svc->profile(101, std::string("看"), steward, "").error().field, "reason");
  auto r = svc->profile(101, std::string("上门探访前核对联系人"), steward, "10.0.0.1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->health_notes, "高血压，服用降压药；青霉素过敏");
  EXPECT_EQ(r->contacts.at(0).phone, "13900001111");
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit WHERE action = 'care.profile_revealed'"), audits + 1);
  ProfileChange bad = in;
  bad.contacts = {{"刘伟", "儿子", "not a phone"}};
  EXPECT_EQ(svc->put_profile(101, bad, steward, "").error().field, "contacts");
  bad = in;
  bad.visit_every_days = 0;
  EXPECT_EQ(svc->put_profile(101, bad, steward, "").error().field, "visit_every_days");
  // A responder reveals the elder's phone and notes from the alarm, audited.
  staff_everything();
  auto a = svc->raise(elder, false, std::nullopt);
  auto v = svc->alarm(a->id, true, steward, "10.0.0.2");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->phone, "13800000000");
  EXPECT_EQ(v->profile->health_notes, "高血压，服用降压药；青霉素过敏");
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit WHERE action = 'care.alarm_revealed'"), 1);
  EXPECT_EQ(svc->alarm(a->id, false, steward, "")->phone, "138****0000");
}

TEST_P(Care, StewardsAndDutyAreKeptByManagersForStaffOfThePlace) {
  EXPECT_EQ(svc->assign(kBuilding, 20, 21, steward).error().code, Errc::forbidden);
  EXPECT_EQ(svc->assign(kBuilding, 20, 21, outsider).error().code, Errc::not_found);
  EXPECT_EQ(svc->assign(99, 20, 21, cstaff).error().field, "building_id");
  EXPECT_EQ(svc->assign(kBuilding, 25, std::nullopt, cstaff).error().field, "steward_id");  // a resident
  EXPECT_EQ(svc->assign(kBuilding, 24, std::nullopt, cstaff).error().field, "steward_id");  // inactive
  EXPECT_EQ(svc->assign(kBuilding, 20, 20, cstaff).error().field, "backup_id");
  auto a = svc->assign(kBuilding, 20, 21, cstaff);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->steward_name, "楼栋管家张敏");
  EXPECT_EQ(svc->assignments(std::nullopt, backup)->size(), 1u);
  EXPECT_EQ(svc->assignments(kCommunity, cstaff)->size(), 1u);
  int64_t now = clock.now_ms();
  EXPECT_EQ(svc->add_duty(kCommunity, 22, now, now, cstaff).error().field, "ends_at");
  EXPECT_EQ(svc->add_duty(kCommunity, 22, now, now + 40LL * 86'400'000, cstaff).error().field, "ends_at");
  EXPECT_EQ(svc->add_duty(kBuilding, 22, now, now + 1000, cstaff).error().field, "node_id");
  auto d = svc->add_duty(kCommunity, 22, now, now + 3'600'000, cstaff);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(svc->duties(kStreet, now, now + 1, sstaff)->size(), 1u);
  EXPECT_EQ(svc->remove_duty(d->id, steward).error().code, Errc::not_found);  // the community is not theirs
  EXPECT_EQ(svc->remove_duty(d->id, with(40, {{"doctor", "/2/3"}})).error().code, Errc::forbidden);
  EXPECT_TRUE(svc->remove_duty(d->id, cstaff).ok());
  EXPECT_TRUE(svc->duties(kCommunity, now, now + 1, cstaff)->empty());
}

TEST_P(Care, EachAlertReachesAFlakyGatewayExactlyOnce) {
  staff_everything();
  auto a = svc->raise(elder, false, std::nullopt);
  ASSERT_TRUE(a.ok());
  clock.advance_ms(60'000);
  ASSERT_EQ(svc->escalate_due(clock.now_ms()), 1);
  // Two alerts (steward, backup), each to the inbox and the gateway. The gateway refuses twice.
  EXPECT_EQ(outbox->dispatch_due(), 2);  // the inbox takes both; the gateway refuses both
  EXPECT_EQ(count("SELECT COUNT(*) FROM notify_outbox WHERE channel = 'webhook' AND status = 'pending' AND "
                  "last_error = 'HTTP 503'"),
            2);
  EXPECT_EQ(outbox->dispatch_due(), 0);  // not due again before the backoff
  clock.advance_ms(1'000);
  EXPECT_EQ(outbox->dispatch_due(), 2);
  clock.advance_ms(600'000);
  EXPECT_EQ(outbox->dispatch_due(), 0);  // nothing twice
  for (const auto& [key, n] : gateway->received) EXPECT_EQ(n, 1) << key;
  EXPECT_EQ(gateway->received.size(), 2u);
  // A dispatcher that died holding a delivery: its lease runs out and another sends it.
  ASSERT_EQ(svc->escalate_due(clock.now_ms()), 1);  // level 2: the community's duty officer
  ASSERT_TRUE(db->write([&](store::Conn& c) -> Status {
                  c.exec(
                      "UPDATE notify_outbox SET status = 'sending', attempts = 1, next_at = $1 WHERE status = "
                      "'pending'",
                      {clock.now_ms() + 30'000});
                  return ok_status();
                }).ok());
  EXPECT_EQ(outbox->dispatch_due(), 0);
  clock.advance_ms(30'000);
  EXPECT_EQ(outbox->dispatch_due(), 2);
  EXPECT_EQ(gateway->received.size(), 3u);
  // The steward's inbox holds their alert.
  auto inbox = outbox->inbox(steward, 0, 50, true);
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->items.size(), 1u);
  EXPECT_EQ(inbox->unread, 1);
  EXPECT_EQ(inbox->items[0].message.kind, "care.alarm_alert");
  EXPECT_TRUE(inbox->items[0].message.urgent);
  EXPECT_EQ(outbox->mark_read({inbox->items[0].id}, steward), 1);
  EXPECT_EQ(outbox->mark_read({inbox->items[0].id}, backup), 0);
  EXPECT_EQ(outbox->inbox(steward, 0, 50, true)->unread, 0);
  auto m = outbox->message(inbox->items[0].id, steward);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->second.size(), 2u);
  EXPECT_EQ(outbox->message(inbox->items[0].id, backup).error().code, Errc::not_found);
  EXPECT_EQ(outbox->deliveries("", 0, 50, steward).error().code, Errc::forbidden);
  EXPECT_EQ(outbox->deliveries("sent", 0, 50, with(1, {{"district_admin", "/"}}))->size(), 6u);
}

TEST_P(Care, VisitsAreProvenByTheDoorFlaggedAndPlanned) {
  staff_everything();
  ASSERT_TRUE(svc->put_profile(101, {"高血压", {}, 7}, steward, "").ok());
  NewVisit in{"door-11", std::nullopt, "精神不错", 150, 95, 80, true, true, false};
  EXPECT_EQ(svc->record_visit(in, outsider).error().code, Errc::not_found);  // not among theirs
  EXPECT_EQ(svc->record_visit(in, with(41, {{"volunteer", "/2/3"}})).error().code, Errc::forbidden);
  auto v = svc->record_visit(in, steward);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->person_id, 101);  // the household's one elder with a profile
  EXPECT_EQ(v->code_id, 900);
  EXPECT_EQ(v->flags, (std::vector<std::string>{"bp_high", "gas"}));
  EXPECT_EQ(v->visitor_name, "楼栋管家张敏");
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'care.visit_recorded'"), 1);
  // The door decides where; the readings must make sense.
  auto field = [&](NewVisit x) {
    auto r = svc->record_visit(x, steward);
    return r.ok() ? std::string("(ok)") : r.error().field;
  };
  NewVisit x = in;
  x.token = "nope";
  EXPECT_EQ(field(x), "token");
  x.token = "stall-1";
  EXPECT_EQ(field(x), "token");
  x = in;
  x.person_id = 102;
  EXPECT_EQ(field(x), "person_id");  // lives elsewhere
  x = in;
  x.token = "door-12";
  EXPECT_EQ(svc->record_visit(x, with(1, {{"district_admin", "/"}})).error().field, "person_id");  // no profile there
  x = in;
  x.systolic = 300;
  EXPECT_EQ(field(x), "systolic");
  x = in;
  x.diastolic.reset();
  EXPECT_EQ(field(x), "diastolic");
  x = in;
  x.systolic = 80;
  x.diastolic = 90;
  EXPECT_EQ(field(x), "diastolic");
  // Who sees them.
  EXPECT_EQ(svc->visits(101, 0, 50, elder)->size(), 1u);
  EXPECT_EQ(svc->visits(101, 0, 50, outsider).error().code, Errc::not_found);
  // The plan: every 7 days from the last visit; overdue told to the steward once per due date.
  auto due = svc->visits_due(kCommunity, false, cstaff);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->at(0).due_at, v->at + 7 * 86'400'000LL);
  EXPECT_FALSE(due->at(0).overdue);
  EXPECT_TRUE(svc->visits_due(kCommunity, true, cstaff)->empty());
  EXPECT_EQ(svc->notify_overdue(clock.now_ms()), 0);
  clock.advance_ms(8 * 86'400'000LL);
  EXPECT_EQ(svc->visits_due(kCommunity, true, cstaff)->size(), 1u);
  EXPECT_EQ(svc->notify_overdue(clock.now_ms()), 1);
  EXPECT_EQ(svc->notify_overdue(clock.now_ms()), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notify_messages WHERE kind = 'care.visit_due' AND account_id = 20"), 1);
  EXPECT_EQ(svc->visits_due(kCommunity, false, outsider).error().code, Errc::not_found);
}

TEST_P(Care, RoomsAreBookedInHoursWithinTheWindowAndNeverPastCapacity) {
  // Residents 110–119 of the building, each with an account 610–619.
  for (int64_t i = 0; i < 10; ++i) {
    homes[110 + i] = Home{110 + i, 20 + i, kBuilding, 2, "居民" + std::to_string(i), "1号楼", kPath, {}, {}};
    links[610 + i] = 110 + i;
  }
  auto resident = [](int64_t i) { return with(610 + i, {{"resident", kPath}}); };
  RoomChange in{"棋牌室", 2, 60, 480, 720, "12345", 77, true};
  EXPECT_EQ(svc->add_room(kCommunity, in, steward).error().code, Errc::not_found);
  EXPECT_EQ(svc->add_room(kCommunity, in, with(40, {{"doctor", "/2/3"}})).error().code, Errc::forbidden);
  RoomChange bad = in;
  bad.closes = 480;
  EXPECT_EQ(svc->add_room(kCommunity, bad, cstaff).error().field, "closes");
  bad = in;
  bad.days = "71";
  EXPECT_EQ(svc->add_room(kCommunity, bad, cstaff).error().field, "days");
  bad = in;
  bad.place_id = 78;
  EXPECT_EQ(svc->add_room(kCommunity, bad, cstaff).error().field, "place_id");
  auto room = svc->add_room(kCommunity, in, cstaff);
  ASSERT_TRUE(room.ok()) << room.error().message;
  EXPECT_EQ(svc->rooms(std::nullopt, elder)->size(), 1u);
  EXPECT_EQ(svc->rooms(kCommunity, outsider).error().code, Errc::not_found);
  // Now: Thursday 2026-01-01 08:00 in UTC+8. Friday's slots: 08:00–12:00, four of them.
  constexpr int64_t kFriday8 = 1'767'312'000'000, kHour = 3'600'000;
  auto fri = svc->slots(room->id, "2026-01-02", elder);
  ASSERT_TRUE(fri.ok()) << fri.error().message;
  ASSERT_EQ(fri->size(), 4u);
  EXPECT_EQ(fri->at(0).starts_at, kFriday8);
  EXPECT_TRUE(fri->at(0).bookable);
  EXPECT_TRUE(svc->slots(room->id, "2026-01-03", elder)->empty());  // Saturday: closed
  EXPECT_EQ(svc->slots(room->id, "2026-1-3", elder).error().field, "date");
  // The checks, each with its reason.
  auto field = [&](int64_t at, const Principal& who) {
    auto r = svc->book(room->id, at, who);
    return r.ok() ? std::string("(ok)") : r.error().field + ": " + r.error().message;
  };
  EXPECT_EQ(field(kFriday8 + kHour / 2, elder).substr(0, 9), "starts_at");                   // not a slot's start
  EXPECT_EQ(field(kFriday8 + 4 * kHour, elder).substr(0, 9), "starts_at");                   // closed by then
  EXPECT_EQ(field(kFriday8 + 24 * kHour, elder), "starts_at: the room is closed that day");  // Saturday
  EXPECT_EQ(field(kFriday8 - 24 * kHour, elder), "starts_at: the slot has begun already");   // today 08:00
  EXPECT_EQ(field(kFriday8 + 4 * 24 * kHour, elder),
            "starts_at: you may book up to 3 days ahead (your points tier)");       // Tuesday
  EXPECT_EQ(svc->book(room->id, kFriday8, steward).error().code, Errc::forbidden);  // no person
  EXPECT_EQ(svc->book(room->id, kFriday8, with(502, {{"resident", "/2/8"}})).error().code, Errc::forbidden);
  // Two places: the third is refused, a cancellation frees one.
  auto a = svc->book(room->id, kFriday8, elder);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(svc->book(room->id, kFriday8, elder).error().code, Errc::conflict);  // once
  ASSERT_TRUE(svc->book(room->id, kFriday8, resident(0)).ok());
  EXPECT_EQ(svc->book(room->id, kFriday8, resident(1)).error().message, "the slot is full");
  EXPECT_EQ(svc->slots(room->id, "2026-01-02", resident(1))->at(0).why_not, "full");
  EXPECT_EQ(svc->cancel_booking(a->id, outsider).error().code, Errc::not_found);
  ASSERT_EQ(svc->cancel_booking(a->id, elder)->status, "cancelled");
  EXPECT_EQ(svc->cancel_booking(a->id, elder).error().code, Errc::conflict);
  auto b = svc->book(room->id, kFriday8, resident(1));
  ASSERT_TRUE(b.ok()) << b.error().message;
  // A longer window for a higher tier.
  ahead = 7;
  EXPECT_TRUE(svc->book(room->id, kFriday8 + 4 * 24 * kHour, elder).ok());
  // Check in by the room's code, from 15 minutes before the slot.
  clock.set_ms(kFriday8 - 20 * 60'000);
  EXPECT_EQ(svc->check_in("room-1", resident(1)).error().code, Errc::conflict);  // too early
  clock.set_ms(kFriday8 - 10 * 60'000);
  EXPECT_EQ(svc->check_in("stall-1", resident(1)).error().field, "token");
  EXPECT_EQ(svc->check_in("nope", resident(1)).error().code, Errc::not_found);
  auto in_ = svc->check_in("room-1", resident(1));
  ASSERT_TRUE(in_.ok()) << in_.error().message;
  EXPECT_EQ(in_->status, "checked_in");
  EXPECT_EQ(svc->cancel_booking(b->id, resident(1)).error().code, Errc::conflict);
  EXPECT_EQ(svc->bookings(room->id, 0, INT64_MAX, cstaff)->size(), 4u);
  EXPECT_EQ(svc->bookings(std::nullopt, 0, INT64_MAX, elder)->size(), 2u);
  EXPECT_EQ(svc->bookings(room->id, 0, INT64_MAX, elder).error().code, Errc::not_found);
}

TEST_P(Care, TenResidentsRacingForTwoPlacesGetExactlyTwo) {
  for (int64_t i = 0; i < 10; ++i) {
    homes[110 + i] = Home{110 + i, 20 + i, kBuilding, 2, "居民" + std::to_string(i), "1号楼", kPath, {}, {}};
    links[610 + i] = 110 + i;
  }
  auto room = svc->add_room(kCommunity, {"瑜伽室", 2, 60, 480, 720, "1234567", std::nullopt, true}, cstaff);
  ASSERT_TRUE(room.ok());
  constexpr int64_t kFriday8 = 1'767'312'000'000;
  std::atomic<int> ok{0}, full{0};
  std::vector<std::thread> ts;
  for (int64_t i = 0; i < 10; ++i)
    ts.emplace_back([&, i] {
      auto r = svc->book(room->id, kFriday8, with(610 + i, {{"resident", kPath}}));
      (r.ok() ? ok : full)++;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 2);
  EXPECT_EQ(full.load(), 8);
  EXPECT_EQ(count("SELECT booked FROM care_room_slots"), 2);
}

INSTANTIATE_TEST_SUITE_P(Drivers, Care, ::testing::ValuesIn(urls()),
                         [](const auto& p) { return p.param.starts_with("sqlite:") ? "sqlite" : "postgresql"; });

}  // namespace mashang::care_test
