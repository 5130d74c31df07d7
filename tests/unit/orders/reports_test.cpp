// Reports (随手拍) with photos, and the end of an order's life: verification, rating (多多评),
// reopening, transfer, evidence, departments — against SQLite and PostgreSQL like the orders
// tests, on their fixture.
#include <gtest/gtest.h>
#include <vips/vips.h>

#include <algorithm>

#include "fixture.hpp"

using namespace mashang;
using namespace mashang::orders_test;

namespace {

//! A small JPEG of `w` × `h` grey pixels of `shade` (different shades: different photos).
std::string jpeg_of(int w, int h, double shade) {
  VipsImage* black = nullptr;
  VipsImage* grey = nullptr;
  EXPECT_EQ(vips_black(&black, w, h, "bands", 3, nullptr), 0);
  EXPECT_EQ(vips_linear1(black, &grey, 1.0, shade, nullptr), 0);
  void* buf = nullptr;
  size_t len = 0;
  EXPECT_EQ(vips_jpegsave_buffer(grey, &buf, &len, nullptr), 0);
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  g_object_unref(grey);
  g_object_unref(black);
  return out;
}

orders::NewReport report_at(const std::string& code, double lon, const std::string& text = "路灯坏了，请尽快修理") {
  orders::NewReport r;
  r.category_code = code;
  r.description = text;
  r.lat = kLat;
  r.lon = lon;
  return r;
}

TEST_P(Orders, AReportBecomesAnOrderInItsGridThatItsReporterFollows) {
  auto rep = svc->report(report_at("road.streetlight", kGridLon), &resident);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->status, "ordered");
  ASSERT_TRUE(rep->order_id);
  auto o = svc->get(*rep->order_id, resident);
  ASSERT_TRUE(o.ok()) << "the reporter sees the order";
  EXPECT_EQ(o->first.path, grid.path);
  EXPECT_EQ(o->first.report_id, rep->id);
  EXPECT_EQ(o->first.reporter, resident.account_id);
  Principal neighbour = with(40, {{"resident", grid.path}});
  EXPECT_EQ(svc->get(*rep->order_id, neighbour).error().code, Errc::not_found);
  EXPECT_EQ(svc->report_detail(rep->id, neighbour).error().code, Errc::not_found);
  ASSERT_TRUE(svc->claim(*rep->order_id, w1).ok());
  auto d = svc->report_detail(rep->id, resident);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->second.size(), 2u);
  EXPECT_EQ(d->second[1].step, "claimed");
  EXPECT_EQ(d->first.order_status, "claimed");
  // the claim reached the reporter as an event addressed to them
  EXPECT_EQ(
      count("SELECT COUNT(*) FROM events WHERE type = 'order.claimed' AND account_id = $1", {resident.account_id}), 1);
  // outside every grid: the district queue
  auto far = svc->report(report_at("road.streetlight", 100.0), &resident);
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(far->path, "/");
}

TEST_P(Orders, AnonymousReportsNeedAPhoneKeptSealed) {
  auto none = svc->report(report_at("road.streetlight", kGridLon), nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().field, "phone");
  auto in = report_at("road.streetlight", kGridLon);
  in.phone = "138 0013 8000";
  auto rep = svc->report(in, nullptr);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->phone_masked, "138****8000");
  EXPECT_FALSE(rep->reporter);
  EXPECT_EQ(count("SELECT COUNT(*) FROM reports WHERE phone_sealed LIKE '%13800138000%'"), 0);
}

TEST_P(Orders, AnswersAreCheckedAgainstTheQuestions) {
  auto in = report_at("noise.night", kGridLon);
  auto missing = svc->report(in, &resident);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "answers.source");
  in.answers = {{"source", {"no-such-value"}, false}};
  EXPECT_EQ(svc->report(in, &resident).error().field, "answers.source");
  in.answers = {{"source", {"people"}, true}};
  EXPECT_EQ(svc->report(in, &resident).error().field, "answers.source") << "a list for a single value";
  in.answers = {{"nope", {"x"}, false}};
  EXPECT_EQ(svc->report(in, &resident).error().field, "answers.nope");
  auto cat = svc->category("noise.night");
  in.answers = {{"source", {cat->questions[0].values[0].first}, false}};
  auto ok = svc->report(in, &resident);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->answers.size(), 1u);
  EXPECT_EQ(ok->answers[0].values[0], cat->questions[0].values[0].first);
}

TEST_P(Orders, TriageAcceptsRejectsAndMerges) {
  auto a = svc->report(report_at("other", kGridLon), &resident);  // "other" waits for triage
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->status, "triage");
  EXPECT_FALSE(a->order_id);
  EXPECT_EQ(svc->accept(a->id, "", resident).error().code, Errc::forbidden);
  EXPECT_EQ(svc->accept(a->id, "", w2).error().code, Errc::not_found) << "another grid's worker";
  auto listed = svc->reports(cstaff, "triage", "", 0, 50);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  auto accepted = svc->accept(a->id, "road.manhole", cstaff);
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(accepted->status, "ordered");
  EXPECT_EQ(accepted->category_code, "road.manhole");
  EXPECT_EQ(row(*accepted->order_id).category_code, "road.manhole");
  EXPECT_EQ(svc->accept(a->id, "", cstaff).error().code, Errc::conflict) << "decided already";

  auto b = svc->report(report_at("other", kGridLon), &resident);
  EXPECT_EQ(svc->reject(b->id, "x", cstaff).error().field, "reason");
  auto rejected = svc->reject(b->id, "不属于本社区管辖", cstaff);
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->status, "rejected");
  EXPECT_EQ(rejected->reject_reason, "不属于本社区管辖");

  auto c = svc->report(report_at("other", kGridLon), &resident);
  auto merged = svc->merge(c->id, *accepted->order_id, cstaff);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(merged->order_id, accepted->order_id);
  EXPECT_EQ(step_names(*accepted->order_id).back(), "joined");
}

TEST_P(Orders, DuplicatesAreFoundNearbyAndJoined) {
  auto first = svc->report(report_at("road.streetlight", kGridLon), &resident);
  ASSERT_TRUE(first.ok());
  auto near = svc->nearby("road.streetlight", kLat + 0.0005, kGridLon);  // ~56 m north
  ASSERT_TRUE(near.ok());
  ASSERT_EQ(near->size(), 1u);
  EXPECT_EQ((*near)[0].order_id, *first->order_id);
  EXPECT_NEAR(static_cast<double>((*near)[0].distance_m), 56, 2);
  EXPECT_TRUE(svc->nearby("road.streetlight", kLat + 0.002, kGridLon)->empty()) << "~220 m away";
  EXPECT_TRUE(svc->nearby("city.graffiti", kLat, kGridLon)->empty()) << "another category";
  Principal other = with(41, {{"resident", grid.path}});
  auto again = report_at("road.streetlight", kGridLon);
  again.duplicate_of = *first->order_id;
  auto joined = svc->report(again, &other);
  ASSERT_TRUE(joined.ok()) << joined.error().message;
  EXPECT_EQ(joined->order_id, first->order_id);
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders"), 1);
  EXPECT_TRUE(svc->get(*first->order_id, other).ok()) << "whoever joined follows the order";
}

TEST_P(Orders, PhotosAttachOnceOnlyByTheirUploaderAndAreSeenByWhoSeesTheReport) {
  auto up = svc->upload(jpeg_of(64, 48, 90), &resident);
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->photo.width, 64);
  EXPECT_EQ(svc->photo_file(up->photo.id, false, &w1).error().code, Errc::not_found) << "not attached yet";
  EXPECT_EQ(svc->photo_file(up->photo.id, false, nullptr).error().code, Errc::not_found);
  auto stolen = report_at("road.streetlight", kGridLon);
  stolen.photos = {up->photo.id};
  Principal thief = with(42, {{"resident", grid.path}});
  EXPECT_EQ(svc->report(stolen, &thief).error().field, "photos");
  auto rep = svc->report(stolen, &resident);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  ASSERT_EQ(rep->photos.size(), 1u);
  EXPECT_EQ(svc->report(stolen, &resident).error().field, "photos") << "attached once";
  auto file = svc->photo_file(up->photo.id, false, &w1);  // the grid worker who may claim it
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->substr(0, 3), std::string("\xFF\xD8\xFF"));
  EXPECT_EQ(svc->photo_file(up->photo.id, true, &thief).error().code, Errc::not_found);
  // sealed at rest: no file under the photos directory starts like a JPEG
  EXPECT_EQ(count("SELECT COUNT(*) FROM photos"), 1);
}

TEST_P(Orders, UnattachedUploadsAreForgottenAfterADay) {
  auto up = svc->upload(jpeg_of(40, 30, 17), &resident);
  ASSERT_TRUE(up.ok());
  auto kept = svc->upload(jpeg_of(40, 30, 170), &resident);
  auto rep = report_at("road.streetlight", kGridLon);
  rep.photos = {kept->photo.id};
  ASSERT_TRUE(svc->report(rep, &resident).ok());
  svc->forget_unattached(clock.now_ms());
  EXPECT_EQ(count("SELECT COUNT(*) FROM uploads"), 2) << "not a day old yet";
  clock.set_ms(clock.now_ms() + 25LL * 3600 * 1000);
  svc->forget_unattached(clock.now_ms());
  EXPECT_EQ(count("SELECT COUNT(*) FROM uploads"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM photos"), 1);
  EXPECT_EQ(svc->photo_file(up->photo.id, false, &resident).error().code, Errc::not_found);
  EXPECT_TRUE(svc->photo_file(kept->photo.id, false, &resident).ok());
}

TEST_P(Orders, TheReporterVerifiesRatesOnceAndReopensWithinTheWindow) {
  auto rep = svc->report(report_at("road.streetlight", kGridLon), &resident);
  int64_t id = *rep->order_id;
  ASSERT_TRUE(svc->claim(id, w1).ok());
  EXPECT_EQ(svc->verify(id, true, "", resident).error().code, Errc::conflict) << "not completed";
  ASSERT_TRUE(svc->complete(id, "换了灯泡", {}, w1).ok());
  EXPECT_EQ(svc->verify(id, false, "", resident).error().field, "note");
  auto back = svc->verify(id, false, "还是不亮", resident);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->status, "claimed");
  ASSERT_TRUE(svc->complete(id, "换了线路", {}, w1).ok());
  EXPECT_EQ(svc->rate(id, 6, "", resident).error().field, "stars");
  EXPECT_EQ(svc->rate(id, 5, "", w1).error().code, Errc::forbidden);
  auto verified = svc->verify(id, true, "", resident);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->status, "verified");
  auto rated = svc->rate(id, 4, "修得很快", resident);
  ASSERT_TRUE(rated.ok()) << rated.error().message;
  EXPECT_EQ(rated->status, "closed");
  EXPECT_EQ(rated->rating, 4);
  EXPECT_EQ(svc->rate(id, 5, "", resident).error().code, Errc::conflict);
  clock.set_ms(clock.now_ms() + 10LL * 3600 * 1000);
  auto reopened = svc->reopen(id, "又坏了", resident);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_EQ(reopened->status, "open");
  EXPECT_EQ(reopened->reopens, 1);
  EXPECT_FALSE(reopened->rating);
  EXPECT_EQ(reopened->path, grid.path);
  ASSERT_TRUE(svc->claim(id, w1).ok());
  ASSERT_TRUE(svc->complete(id, "彻底修好", {}, w1).ok());
  clock.set_ms(clock.now_ms() + 73LL * 3600 * 1000);
  EXPECT_EQ(svc->reopen(id, "又坏了", resident).error().code, Errc::conflict) << "past 72 hours";
  auto names = step_names(id);
  for (const char* s : {"sent_back", "verified", "rated", "reopened"})
    EXPECT_NE(std::find(names.begin(), names.end(), s), names.end()) << s;
}

TEST_P(Orders, ATransferMovesWhoMayClaim) {
  auto o = make(cstaff);
  EXPECT_EQ(svc->transfer(o.id, grid4.path, "", "转到相邻网格", w2).error().code, Errc::not_found);
  EXPECT_EQ(svc->transfer(o.id, std::nullopt, "", "没有目的地", cstaff).error().field, "node_id");
  auto moved = svc->transfer(o.id, grid2.path, "", "位置在二网格", cstaff);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(moved->path, grid2.path);
  EXPECT_EQ(moved->origin_path, grid2.path);
  EXPECT_EQ(svc->claim(o.id, w1).error().code, Errc::not_found);
  ASSERT_TRUE(svc->claim(o.id, w2).ok());
  // the claimer may pass it on to another category: it is open again
  auto recat = svc->transfer(o.id, std::nullopt, "road.manhole", "其实是井盖问题", w2);
  ASSERT_TRUE(recat.ok()) << recat.error().message;
  EXPECT_EQ(recat->status, "open");
  EXPECT_EQ(recat->category_code, "road.manhole");
  EXPECT_FALSE(recat->claimed_by);
  auto s = steps(o.id);
  EXPECT_EQ(s.back().step, "transferred");
  EXPECT_TRUE(has(s.back().details_json, "\"to_category\":\"road.manhole\"")) << s.back().details_json;
}

TEST_P(Orders, EvidenceIsRequiredWhereTheCategorySays) {
  auto o = make(cstaff, "city.litter");  // photos required
  ASSERT_TRUE(svc->claim(o.id, w1).ok());
  EXPECT_EQ(svc->complete(o.id, "已清理", {}, w1).error().field, "photos");
  auto up = svc->upload(jpeg_of(30, 30, 60), &w1);
  ASSERT_TRUE(up.ok());
  auto done = svc->complete(o.id, "已清理", {up->photo.id}, w1);
  ASSERT_TRUE(done.ok()) << done.error().message;
  auto photos = svc->order_photos(o.id);
  ASSERT_EQ(photos.size(), 1u);
  EXPECT_EQ(photos[0].kind, "evidence");
  EXPECT_TRUE(svc->photo_file(up->photo.id, true, &cstaff).ok());
}

TEST_P(Orders, DepartmentsClaimTheCategoriesThatNameTheirKind) {
  // A property company's staff member: no claim role, but a department of kind property_company
  // on the compound; city.litter names property_company among its departments, road.manhole not.
  Principal staff = with(50, {{"resident", compound.path}});
  staff.departments = {{7, "property_company", compound.path}};
  auto litter = make(cstaff, "city.litter");
  auto manhole = make(cstaff, "road.manhole");
  auto pool = svc->pool(staff, 0, 50);
  ASSERT_TRUE(pool.ok());
  std::vector<int64_t> ids;
  for (const auto& o : pool->items) ids.push_back(o.id);
  EXPECT_NE(std::find(ids.begin(), ids.end(), litter.id), ids.end()) << "litter is in the department's pool";
  EXPECT_EQ(std::find(ids.begin(), ids.end(), manhole.id), ids.end()) << "manholes are not its kind's";
  EXPECT_EQ(svc->claim(manhole.id, staff).error().code, Errc::not_found);
  auto got = svc->claim(litter.id, staff);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->claimed_by, staff.account_id);
  Principal elsewhere = with(51, {});
  elsewhere.departments = {{8, "property_company", grid4.path}};
  auto other = make(cstaff, "city.litter");
  EXPECT_EQ(svc->claim(other.id, elsewhere).error().code, Errc::not_found) << "another grid's company";
  Principal school = with(52, {});
  school.departments = {{9, "school", compound.path}};
  EXPECT_EQ(svc->claim(other.id, school).error().code, Errc::not_found) << "a kind the category does not name";
}

}  // namespace
