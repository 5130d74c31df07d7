// The station's services against both databases, on an injected clock: meals ordered before
// the cut-off and never past a dish's portions (ten residents racing for three), the menu's
// changes that orders forbid, the kitchen's count; consultations told to every doctor over the
// elder, sealed, masked and audited when a doctor reads them; home services filed as work
// orders; and the steward's "my elders".
#include <atomic>
#include <thread>

#include "fixture.hpp"

namespace mashang::care_test {

class CareServices : public Care {
 protected:
  //! Tomorrow (UTC+8) of the fixture's clock (2026-01-01 08:00 UTC+8): cut-off 09:00 that day.
  static constexpr const char* kTomorrow = "2026-01-02";
  static constexpr int64_t kTomorrowStart = 1'767'225'600'000 + 86'400'000 - 8 * 3'600'000;

  MenuChange lunch() {
    MenuChange m;
    m.date = kTomorrow;
    m.pickup = true;
    m.delivery = true;
    m.items = {{0, "番茄炒蛋套餐", 1200, 3, 0}, {0, "小米粥", 300, 80, 0}};
    return m;
  }
  Principal doctor = with(26, {{"doctor", "/2/3"}});
  Principal doctor2 = with(27, {{"doctor", "/2"}});
};

TEST_P(CareServices, MealsAreOrderedBeforeTheCutOffAndCountedForTheKitchen) {
  // Publishing: the checks, who may, one menu a day.
  MenuChange bad = lunch();
  bad.date = "2025-12-31";
  EXPECT_EQ(svc->add_menu(kCommunity, bad, cstaff).error().field, "date");
  bad = lunch();
  bad.cutoff_at = kTomorrowStart + 86'400'000 + 1;
  EXPECT_EQ(svc->add_menu(kCommunity, bad, cstaff).error().field, "cutoff_at");
  bad = lunch();
  bad.pickup = bad.delivery = false;
  EXPECT_EQ(svc->add_menu(kCommunity, bad, cstaff).error().field, "pickup");
  bad = lunch();
  bad.items.push_back({0, "小米粥", 300, 5, 0});
  EXPECT_EQ(svc->add_menu(kCommunity, bad, cstaff).error().field, "items");
  EXPECT_EQ(svc->add_menu(kCommunity, lunch(), doctor).error().code, Errc::forbidden);   // care staff, not its keeper
  EXPECT_EQ(svc->add_menu(kCommunity, lunch(), steward).error().code, Errc::not_found);  // a building's steward
  EXPECT_EQ(svc->add_menu(kCommunity, lunch(), outsider).error().code, Errc::not_found);
  auto menu = svc->add_menu(kCommunity, lunch(), cstaff);
  ASSERT_TRUE(menu.ok()) << menu.error().message;
  EXPECT_EQ(menu->cutoff_at, kTomorrowStart + 9 * 3'600'000);
  EXPECT_TRUE(menu->open);
  EXPECT_EQ(svc->add_menu(kCommunity, lunch(), cstaff).error().code, Errc::conflict);
  int64_t egg = menu->items.at(0).id, porridge = menu->items.at(1).id;

  // Ordering: the elder for herself; a second order is refused; another community's resident
  // does not see the menu.
  NewMeal in{menu->id, "delivery", "", {{egg, 2, "", 0}, {porridge, 1, "", 0}}, std::nullopt};
  auto meal = svc->order_meal(in, elder);
  ASSERT_TRUE(meal.ok()) << meal.error().message;
  EXPECT_EQ(meal->total_fen, 2 * 1200 + 300);
  EXPECT_EQ(meal->person_id, 101);
  // The building's steward reads the community's menus (to order for her elders).
  EXPECT_EQ(svc->menus(kCommunity, "", "", steward)->size(), 1u);
  EXPECT_EQ(svc->menus(kCommunity, "", "", outsider).error().code, Errc::not_found);
  EXPECT_EQ(svc->order_meal(in, elder).error().code, Errc::conflict);
  links[502] = 102;
  EXPECT_EQ(svc->order_meal(in, with(502, {{"resident", "/2/8/10/11/9"}})).error().field, "menu_id");
  NewMeal too_many = in;
  too_many.items = {{egg, 6, "", 0}};
  EXPECT_EQ(svc->order_meal(too_many, elder).error().field, "items");

  // What orders forbid on the menu: taking the dish off, fewer portions than ordered, turning
  // off delivery. Renaming and adding a dish are fine.
  MenuChange change = lunch();
  change.items = {{porridge, "小米粥", 300, 80, 0}};
  EXPECT_EQ(svc->change_menu(menu->id, change, cstaff).error().code, Errc::conflict);
  change.items = {{egg, "番茄炒蛋套餐", 1200, 1, 0}, {porridge, "小米粥", 300, 80, 0}};
  EXPECT_EQ(svc->change_menu(menu->id, change, cstaff).error().code, Errc::conflict);
  change.items = {{egg, "番茄炒蛋套餐", 1200, 3, 0}, {porridge, "小米粥", 300, 80, 0}};
  change.delivery = false;
  EXPECT_EQ(svc->change_menu(menu->id, change, cstaff).error().code, Errc::conflict);
  change.delivery = true;
  change.items = {
      {egg, "西红柿炒蛋套餐", 1200, 3, 0}, {porridge, "小米粥", 300, 80, 0}, {0, "清蒸鱼套餐", 1800, 40, 0}};
  auto changed = svc->change_menu(menu->id, change, cstaff);
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  ASSERT_EQ(changed->items.size(), 3u);
  EXPECT_EQ(changed->items.at(0).name, "西红柿炒蛋套餐");
  EXPECT_EQ(changed->items.at(0).ordered, 2);

  // The kitchen's count; a cancel frees the portions and counts nowhere.
  auto k = svc->kitchen(menu->id, cstaff);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->items.at(0).total, 2);
  EXPECT_EQ(k->items.at(0).delivery, 2);
  EXPECT_EQ(k->orders, 1);
  EXPECT_EQ(svc->kitchen(menu->id, elder).error().code, Errc::not_found);
  auto staff_list = svc->meals(menu->id, cstaff);
  ASSERT_TRUE(staff_list.ok());
  EXPECT_EQ(staff_list->at(0).address, "1号楼-1单元-301室");
  EXPECT_EQ(staff_list->at(0).floor, 3);
  EXPECT_FALSE(svc->meals(std::nullopt, elder)->at(0).address.has_value());
  ASSERT_TRUE(svc->cancel_meal(meal->id, elder).ok());
  EXPECT_EQ(svc->cancel_meal(meal->id, elder).error().code, Errc::conflict);
  EXPECT_EQ(svc->kitchen(menu->id, cstaff)->items.at(0).total, 0);
  EXPECT_EQ(svc->menu(menu->id, elder)->items.at(0).ordered, 0);

  // The steward orders for her again; after the cut-off nobody orders or cancels, staff serve.
  NewMeal for_her = in;
  for_her.person_id = 101;
  for_her.mode = "pickup";
  auto again = svc->order_meal(for_her, steward);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->placed_by, 20);
  for_her.person_id = 102;
  EXPECT_EQ(svc->order_meal(for_her, steward).error().field, "person_id");
  clock.set_ms(kTomorrowStart + 9 * 3'600'000);
  EXPECT_FALSE(svc->menu(menu->id, elder)->open);
  EXPECT_EQ(svc->cancel_meal(again->id, elder).error().code, Errc::conflict);
  EXPECT_EQ(svc->order_meal(in, with(30, {{"resident", kPath}})).error().code, Errc::forbidden);
  EXPECT_EQ(svc->serve_meal(again->id, elder).error().code, Errc::not_found);
  ASSERT_TRUE(svc->serve_meal(again->id, cstaff).ok());
  EXPECT_EQ(svc->serve_meal(again->id, cstaff).error().code, Errc::conflict);
  k = svc->kitchen(menu->id, cstaff);
  EXPECT_EQ(k->served, 1);
  EXPECT_EQ(k->pickup, 1);
  EXPECT_EQ(k->items.at(0).pickup, 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'care.meal_changed'"), 4);
}

TEST_P(CareServices, TenResidentsRacingForThreePortionsGetExactlyThree) {
  auto menu = svc->add_menu(kCommunity, lunch(), cstaff);
  ASSERT_TRUE(menu.ok());
  for (int64_t i = 0; i < 10; ++i) {
    homes[200 + i] = Home{200 + i, 300 + i, kBuilding, 2, "居民", "1号楼", kPath, std::nullopt, std::nullopt};
    links[600 + i] = 200 + i;
  }
  // The directory reads the maps: no writes to them while the threads run.
  std::atomic<int> won{0}, sold_out{0};
  std::vector<std::thread> threads;
  for (int64_t i = 0; i < 10; ++i)
    threads.emplace_back([&, i] {
      auto r = svc->order_meal({menu->id, "pickup", "", {{menu->items.at(0).id, 1, "", 0}}, std::nullopt},
                               with(600 + i, {{"resident", kPath}}));
      if (r.ok())
        ++won;
      else if (r.error().code == Errc::conflict)
        ++sold_out;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 3);
  EXPECT_EQ(sold_out.load(), 7);
  EXPECT_EQ(svc->menu(menu->id, cstaff)->items.at(0).ordered, 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM care_meals WHERE status = 'ordered'"), 3);
}

TEST_P(CareServices, AConsultationReachesEveryDoctorAndItsTopicIsSealed) {
  members[26] = {26, "社区医生", true, doctor.grants};
  members[27] = {27, "街道医生", true, doctor2.grants};
  members[28] = {28, "别处医生", true, {{"doctor", "/2/8"}}};
  NewConsultation in{"online", "头晕两天，血压偏高", std::nullopt, std::nullopt};
  NewConsultation bad = in;
  bad.mode = "phone";
  EXPECT_EQ(svc->consult(bad, elder).error().field, "mode");
  bad = in;
  bad.preferred_at = clock.now_ms() - 10 * 60'000;
  EXPECT_EQ(svc->consult(bad, elder).error().field, "preferred_at");
  EXPECT_EQ(svc->consult(in, with(30, {{"resident", kPath}})).error().code, Errc::forbidden);
  auto c = svc->consult(in, elder);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->status, "requested");
  EXPECT_FALSE(c->topic.has_value());
  // Both doctors over the building are told (inbox, outbox, live stream); the one elsewhere not.
  EXPECT_EQ(count("SELECT COUNT(*) FROM notify_messages WHERE kind = 'care.consultation_requested'"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notify_messages WHERE account_id = 28"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM events WHERE type = 'care.consultation_request'"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM care_consultations WHERE topic_sealed LIKE '%头晕%'"), 0);
  // The doctors' list without a node: theirs by their role's places.
  EXPECT_EQ(svc->consultations(std::nullopt, "open", doctor)->size(), 1u);
  EXPECT_TRUE(svc->consultations(std::nullopt, "open", with(28, {{"doctor", "/2/8"}}))->empty());

  // Reading: masked; the elder reveals her own freely, a doctor audited, a steward not at all.
  int64_t audits = count("SELECT COUNT(*) FROM audit WHERE action = 'care.consultation_revealed'");
  EXPECT_EQ(svc->consultation(c->id, true, elder, "")->topic, in.topic);
  EXPECT_EQ(svc->consultation(c->id, true, steward, "").error().code, Errc::forbidden);
  EXPECT_EQ(svc->consultation(c->id, false, outsider, "").error().code, Errc::not_found);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit WHERE action = 'care.consultation_revealed'"), audits);
  EXPECT_EQ(svc->consultation(c->id, true, doctor, "10.0.0.9")->topic, in.topic);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit WHERE action = 'care.consultation_revealed'"), audits + 1);

  // Scheduling and notes: doctors only; the scheduled doctor writes the notes.
  EXPECT_EQ(svc->schedule_consultation(c->id, clock.now_ms() + 3'600'000, steward).error().code, Errc::forbidden);
  EXPECT_EQ(svc->schedule_consultation(c->id, clock.now_ms() - 3'600'000, doctor).error().field, "scheduled_at");
  auto s = svc->schedule_consultation(c->id, clock.now_ms() + 3'600'000, doctor);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->doctor_id, 26);
  EXPECT_EQ(s->doctor_name, "社区医生");
  EXPECT_EQ(
      count("SELECT COUNT(*) FROM notify_messages WHERE kind = 'care.consultation_scheduled' AND account_id = 501"), 1);
  EXPECT_EQ(svc->complete_consultation(c->id, "多休息", doctor2).error().code, Errc::forbidden);
  EXPECT_EQ(svc->complete_consultation(c->id, "", doctor).error().field, "notes");
  auto done = svc->complete_consultation(c->id, "多休息，按时服药，一周后复查血压", doctor);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->status, "done");
  EXPECT_TRUE(done->closed_at.has_value());
  EXPECT_EQ(svc->consultation(c->id, true, elder, "")->notes, "多休息，按时服药，一周后复查血压");
  EXPECT_EQ(count("SELECT COUNT(*) FROM care_consultations WHERE notes_sealed LIKE '%复查%'"), 0);
  EXPECT_EQ(svc->complete_consultation(c->id, "again", doctor).error().code, Errc::conflict);
  EXPECT_EQ(svc->cancel_consultation(c->id, "", elder).error().code, Errc::conflict);

  // Five open at most; a steward asks for her; the steward may not cancel another's request.
  NewConsultation for_her = in;
  for_her.person_id = 101;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(svc->consult(i % 2 ? in : for_her, i % 2 ? elder : steward).ok());
  EXPECT_EQ(svc->consult(in, elder).error().code, Errc::conflict);
  auto open = svc->consultations(std::nullopt, "open", elder);
  ASSERT_EQ(open->size(), 5u);
  int64_t by_elder = 0;
  for (const auto& o : *open)
    if (o.requested_by == 501) by_elder = o.id;
  EXPECT_EQ(svc->cancel_consultation(by_elder, "", steward).error().code, Errc::forbidden);
  auto cancelled = svc->cancel_consultation(by_elder, "已去医院", elder);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->cancel_reason, "已去医院");
  EXPECT_EQ(svc->consultations(kCommunity, "closed", cstaff)->size(), 2u);
}

TEST_P(CareServices, HomeServicesBecomeWorkOrdersAndStewardsListTheirElders) {
  EXPECT_EQ(svc->request_home_service({"cleaning", "打扫", std::nullopt}, elder).error().field, "kind");
  EXPECT_EQ(svc->request_home_service({"repair", "", std::nullopt}, elder).error().field, "description");
  EXPECT_EQ(svc->request_home_service({"repair", "水龙头漏水", 102}, steward).error().field, "person_id");
  auto h = svc->request_home_service({"repair", "厨房水龙头漏水", std::nullopt}, elder);
  ASSERT_TRUE(h.ok()) << h.error().message;
  ASSERT_EQ(filed.size(), 1u);
  EXPECT_EQ(filed[0].category, "care.home_repair");
  EXPECT_EQ(filed[0].path, kPath);
  EXPECT_EQ(filed[0].by, 501);
  EXPECT_EQ(h->order_status, "open");
  EXPECT_EQ(h->address, "1号楼-1单元-301室");
  auto u = svc->request_home_service({"utility_check", "燃气灶打不着火", 101}, steward);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(filed[1].category, "care.utility_check");
  // The order moves on in the orders module: the list tells it as it stands now.
  filed[0].order.order_status = "claimed";
  auto mine = svc->home_services(std::nullopt, std::nullopt, elder);
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ(mine->at(1).order_status, "claimed");
  EXPECT_EQ(svc->home_services(101, std::nullopt, steward)->size(), 2u);
  EXPECT_EQ(svc->home_services(101, std::nullopt, outsider).error().code, Errc::not_found);
  EXPECT_EQ(svc->home_services(std::nullopt, h->order_id, steward)->size(), 1u);
  EXPECT_TRUE(svc->home_services(std::nullopt, h->order_id, outsider)->empty());

  // My elders: the buildings where the caller is steward or backup.
  staff_everything();
  ASSERT_TRUE(svc->put_profile(101, {"", {}, 7}, steward, "").ok());
  auto due = svc->visits_due(std::nullopt, false, steward);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->at(0).person_id, 101);
  EXPECT_EQ(svc->visits_due(std::nullopt, false, backup)->size(), 1u);
  EXPECT_TRUE(svc->visits_due(std::nullopt, false, cstaff)->empty());
  EXPECT_TRUE(svc->visits_due(std::nullopt, false, elder)->empty());
  // The elder's "my steward": her building's assignment.
  auto mine_steward = svc->assignments(std::nullopt, elder);
  ASSERT_EQ(mine_steward->size(), 1u);
  EXPECT_EQ(mine_steward->at(0).steward_name, "楼栋管家张敏");
}

INSTANTIATE_TEST_SUITE_P(Drivers, CareServices, ::testing::ValuesIn(urls()),
                         [](const auto& p) { return p.param.starts_with("sqlite:") ? "sqlite" : "postgresql"; });

}  // namespace mashang::care_test
