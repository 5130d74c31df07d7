// Photos of reports and completions: checked and re-encoded by src/media, sealed at rest like
// other personal data (a photo may show a face, a door, a number plate), one file per content
// hash, and referred to by random upload ids so that only the uploader can attach one.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <semaphore>
#include <set>
#include <sstream>
#include <thread>

#include "media/media.hpp"
#include "modules/orders/internal.hpp"

namespace mashang::orders {
using namespace detail;

namespace {

constexpr int64_t kUnattachedMs = 24LL * 3600 * 1000;

//! Decoding a phone photo takes ~30 MiB and a core for a few hundred ms: at most this many at
//! once, whatever the worker pool's size.
std::counting_semaphore<64>& decoders() {
  static std::counting_semaphore<64> s(std::clamp<std::ptrdiff_t>(std::thread::hardware_concurrency(), 1, 64));
  return s;
}

std::filesystem::path file_of(const std::string& dir, const std::string& hash, bool thumb) {
  return std::filesystem::path(dir) / hash.substr(0, 2) / (hash + (thumb ? ".thumb.jpg" : ".jpg"));
}

//! Writes `bytes` sealed to `path` through a temporary file and a rename: a reader sees the
//! whole file or none.
Status write_sealed(const crypto::Keyring& keys, const std::filesystem::path& path, std::string_view bytes) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  auto tmp = path;
  tmp += ".tmp" + crypto::random_token(6);
  {
    std::string sealed = keys.seal(bytes);
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(sealed.data(), static_cast<std::streamsize>(sealed.size()));
    f.close();
    if (!f) {
      std::filesystem::remove(tmp, ec);
      return make_error(Errc::unavailable, "the photo could not be stored");
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return make_error(Errc::unavailable, "the photo could not be stored");
  }
  return ok_status();
}

Error no_such_photo() { return make_error(Errc::not_found, "no such photo"); }

}  // namespace

namespace detail {
std::vector<Photo> photos_where(store::Conn& c, const char* column, int64_t id) {
  std::string sql =
      "SELECT u.id, p.width, p.height, p.thumb_width, p.thumb_height, a.kind FROM attachments a "
      "JOIN uploads u ON u.id = a.upload_id JOIN photos p ON p.hash = u.hash WHERE a." +
      std::string(column) + " = $1 ORDER BY CASE a.kind WHEN 'report' THEN 0 ELSE 1 END, a.report_id, a.seq";
  std::vector<Photo> out;
  for (const auto& r : c.query(sql, {id}))
    out.push_back({r.text(0), r.integer(1), r.integer(2), r.integer(3), r.integer(4), r.text(5)});
  return out;
}
}  // namespace detail

Result<Upload> Service::upload(std::string_view bytes, const Principal* who) {
  Result<media::Processed> done = make_error(Errc::unavailable, "busy");
  {
    decoders().acquire();
    struct Release {
      ~Release() { decoders().release(); }
    } release;
    done = media::process(bytes);
  }
  if (!done.ok()) return done.error();
  const auto& p = *done;
  // Files first, then rows: a crash in between leaves an unreferenced file, never a row
  // without its file. The same photo again finds its files there already.
  for (bool thumb : {false, true}) {
    auto path = file_of(options_.photos_dir, p.hash, thumb);
    if (std::filesystem::exists(path)) continue;
    if (auto w = write_sealed(keys_, path, thumb ? p.thumb : p.image); !w.ok()) return w.error();
  }
  Upload out;
  out.photo = {crypto::random_token(16), p.width, p.height, p.thumb_width, p.thumb_height, ""};
  if (p.gps) out.gps = std::pair{p.gps->lat, p.gps->lon};
  Status st = db_.write([&](store::Conn& c) -> Status {
    int64_t now = clock_.now_ms();
    c.exec(
        "INSERT INTO photos (hash, width, height, thumb_width, thumb_height, bytes, created_at) VALUES ($1, $2, $3, "
        "$4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING",
        {p.hash, int64_t{p.width}, int64_t{p.height}, int64_t{p.thumb_width}, int64_t{p.thumb_height},
         static_cast<int64_t>(p.image.size()), now});
    c.exec("INSERT INTO uploads (id, hash, uploaded_by, attached, created_at) VALUES ($1, $2, $3, 0, $4)",
           {out.photo.id, p.hash, who && who->account_id ? store::Value(who->account_id) : store::null_value, now});
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return out;
}

Result<std::string> Service::photo_file(const std::string& id, bool thumb, const Principal* who) {
  if (!who || !who->account_id || id.size() != 22) return no_such_photo();
  std::optional<std::string> hash;
  db_.read([&](store::Conn& c) {
    auto r = c.query_one(
        "SELECT u.hash, u.uploaded_by, a.report_id, a.order_id FROM uploads u LEFT JOIN attachments a ON "
        "a.upload_id = u.id WHERE u.id = $1",
        {id});
    if (!r) return;
    bool ok = r->opt_integer(1) == who->account_id;
    if (!ok && !r->is_null(3))
      if (auto o = order_in(c, r->integer(3))) ok = can_view(c, *who, *o);
    if (!ok && !r->is_null(2))
      if (auto rep = c.query_one("SELECT reporter, path FROM reports WHERE id = $1", {r->integer(2)}))
        ok = rep->opt_integer(0) == who->account_id || may_dispatch(*who, rep->text(1));
    if (ok) hash = r->text(0);
  });
  if (!hash) return no_such_photo();
  std::ifstream f(file_of(options_.photos_dir, *hash, thumb), std::ios::binary);
  if (!f) return make_error(Errc::unavailable, "the photo's file is missing");
  std::ostringstream sealed;
  sealed << f.rdbuf();
  auto plain = keys_.open(sealed.str());
  if (!plain.ok()) return make_error(Errc::unavailable, "the photo's file is damaged");
  return std::move(*plain);
}

Status Service::attach(store::Conn& c, const std::vector<std::string>& uploads, const Principal* who,
                       const std::string& kind, std::optional<int64_t> report_id, std::optional<int64_t> order_id) {
  if (uploads.size() > kPhotosMax) return make_error(Errc::invalid_input, "at most 9 photos", "photos");
  std::set<std::string> seen;
  int64_t owner = who ? who->account_id : 0;  // 0: anonymous (uploaded_by NULL)
  int64_t seq = 0;
  for (const auto& id : uploads) {
    if (!seen.insert(id).second) return make_error(Errc::invalid_input, "the same photo twice", "photos");
    auto r = c.query_one("SELECT uploaded_by, attached FROM uploads WHERE id = $1", {id});
    if (!r || r->opt_integer(0).value_or(0) != owner)
      return make_error(Errc::invalid_input, "photo " + std::to_string(seq + 1) + " is not an upload of yours",
                        "photos");
    // Conditional: two requests attaching the same upload at once, one wins.
    if (r->integer(1) != 0 || c.exec("UPDATE uploads SET attached = 1 WHERE id = $1 AND attached = 0", {id}) != 1)
      return make_error(Errc::invalid_input, "photo " + std::to_string(seq + 1) + " is attached elsewhere already",
                        "photos");
    auto opt = [](const std::optional<int64_t>& v) { return v ? store::Value(*v) : store::null_value; };
    c.exec("INSERT INTO attachments (upload_id, report_id, order_id, kind, seq) VALUES ($1, $2, $3, $4, $5)",
           {id, opt(report_id), opt(order_id), kind, ++seq});
  }
  return ok_status();
}

std::vector<Photo> Service::order_photos(int64_t id) {
  std::vector<Photo> out;
  db_.read([&](store::Conn& c) { out = photos_where(c, "order_id", id); });
  return out;
}

void Service::forget_unattached(int64_t now) {
  std::vector<std::string> hashes;
  static_cast<void>(db_.write([&](store::Conn& c) -> Status {
    for (const auto& r :
         c.query("DELETE FROM uploads WHERE attached = 0 AND created_at < $1 RETURNING hash", {now - kUnattachedMs}))
      hashes.push_back(r.text(0));
    std::sort(hashes.begin(), hashes.end());
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    std::erase_if(hashes, [&](const std::string& h) {
      if (c.query_one("SELECT 1 FROM uploads WHERE hash = $1 LIMIT 1", {h})) return true;  // still used
      c.exec("DELETE FROM photos WHERE hash = $1", {h});
      return false;
    });
    return ok_status();
  }));
  // After the commit: a file goes only once no row can point at it.
  std::error_code ec;
  for (const auto& h : hashes)
    for (bool thumb : {false, true}) std::filesystem::remove(file_of(options_.photos_dir, h, thumb), ec);
}

}  // namespace mashang::orders
