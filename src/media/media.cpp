#include "media/media.hpp"

#include <vips/vips.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <utility>

#include "core/crypto.hpp"
#include "core/log.hpp"

namespace mashang::media {
namespace {

//! Owns one reference to a VipsImage.
class Image {
 public:
  Image() = default;
  ~Image() { reset(); }
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;
  VipsImage* get() const { return p_; }
  VipsImage** out() {
    reset();
    return &p_;
  }
  VipsImage* operator->() const { return p_; }
  void swap(Image& other) { std::swap(p_, other.p_); }
  void reset() {
    if (p_) g_object_unref(p_);
    p_ = nullptr;
  }

 private:
  VipsImage* p_ = nullptr;
};

//! libvips's error text (thread-safe copy; clears the buffer), on one line.
std::string vips_detail() {
  char* raw = vips_error_buffer_copy();
  std::string s = raw ? raw : "";
  g_free(raw);
  for (char& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

//! The libvips warning handler: warnings belong in the log, not on stderr.
void vips_log(const gchar* domain, GLogLevelFlags level, const gchar* message, gpointer) {
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    spdlog::warn("{}: {}", domain ? domain : "glib", message ? message : "");
  else
    spdlog::debug("{}: {}", domain ? domain : "glib", message ? message : "");
}

//! For vips_thumbnail_buffer: libvips 8.14 does not hand thumbnail's own "fail_on" property to the
//! loader (a truncated JPEG then decodes with grey rows and only a warning); the loader's option
//! string does reach it.
constexpr const char* kFailOnWarning = "fail_on=warning";

const char* describe(Type t) {
  switch (t) {
    case Type::jpeg: return "a JPEG image";
    case Type::png: return "a PNG image";
    case Type::webp: return "a WebP image";
  }
  return "an image";
}

// ---------------------------------------------------------------- GPS from EXIF
// libvips exposes each EXIF tag as a string "<value> (<libexif's text>, <format>, <n> components,
// <n> bytes)"; a RATIONAL triplet's value is "39/1 36/1 1224/100".

std::optional<std::string> exif_string(VipsImage* img, const char* field) {
  if (!vips_image_get_typeof(img, field)) return std::nullopt;  // a VipsRefString, not a G_TYPE_STRING
  const char* s = nullptr;
  if (vips_image_get_string(img, field, &s) != 0 || !s) return std::nullopt;
  return std::string(s);
}

//! Degrees from "d/1 m/1 s/100": three rationals, denominators non-zero, m and s below 60.
std::optional<double> dms(const std::string& text) {
  std::string_view v(text);
  if (auto paren = v.find(" ("); paren != std::string_view::npos) v = v.substr(0, paren);
  double part[3];
  int n = 0;
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && v[i] == ' ') ++i;
    if (i == v.size()) break;
    size_t end = v.find(' ', i);
    if (end == std::string_view::npos) end = v.size();
    std::string token(v.substr(i, end - i));
    i = end;
    if (n == 3) return std::nullopt;
    char* rest = nullptr;
    errno = 0;
    unsigned long long num = std::strtoull(token.c_str(), &rest, 10);
    if (rest == token.c_str() || *rest != '/' || token[0] == '-' || errno) return std::nullopt;
    const char* den_text = rest + 1;
    unsigned long long den = std::strtoull(den_text, &rest, 10);
    if (rest == den_text || *rest != '\0' || *den_text == '-' || errno || den == 0) return std::nullopt;
    part[n++] = static_cast<double>(num) / static_cast<double>(den);
  }
  if (n != 3 || part[1] >= 60 || part[2] >= 60) return std::nullopt;
  return part[0] + part[1] / 60.0 + part[2] / 3600.0;
}

std::optional<char> ref(VipsImage* img, const char* field) {
  auto s = exif_string(img, field);
  if (!s || s->empty()) return std::nullopt;
  return (*s)[0];
}

std::optional<Gps> read_gps(VipsImage* img) {
  auto lat_s = exif_string(img, "exif-ifd3-GPSLatitude");
  auto lon_s = exif_string(img, "exif-ifd3-GPSLongitude");
  auto lat_ref = ref(img, "exif-ifd3-GPSLatitudeRef");
  auto lon_ref = ref(img, "exif-ifd3-GPSLongitudeRef");
  if (!lat_s || !lon_s || !lat_ref || !lon_ref) return std::nullopt;
  auto lat = dms(*lat_s);
  auto lon = dms(*lon_s);
  if (!lat || !lon) return std::nullopt;
  if (*lat_ref == 'S')
    *lat = -*lat;
  else if (*lat_ref != 'N')
    return std::nullopt;
  if (*lon_ref == 'W')
    *lon = -*lon;
  else if (*lon_ref != 'E')
    return std::nullopt;
  if (!(std::fabs(*lat) <= 90 && std::fabs(*lon) <= 180)) return std::nullopt;
  if (*lat == 0 && *lon == 0) return std::nullopt;  // what cameras write when they have no fix
  return Gps{*lat, *lon};
}

// ---------------------------------------------------------------- pipeline steps

//! Reads the header only (sequential, fail on warnings) with the loader of the sniffed type.
int load_header(Type type, std::string_view bytes, Image& out) {
  void* buf = const_cast<char*>(bytes.data());  // the loaders only read it
  switch (type) {
    case Type::jpeg:
      return vips_jpegload_buffer(buf, bytes.size(), out.out(), "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                  VIPS_FAIL_ON_WARNING, nullptr);
    case Type::png:
      return vips_pngload_buffer(buf, bytes.size(), out.out(), "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                 VIPS_FAIL_ON_WARNING, nullptr);
    case Type::webp:
      return vips_webpload_buffer(buf, bytes.size(), out.out(), "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                  VIPS_FAIL_ON_WARNING, nullptr);
  }
  return -1;
}

//! Whether the bytes after the magic carry on as that format's first structure does: a JPEG marker,
//! a PNG IHDR chunk, a WebP VP8/VP8L/VP8X chunk. Decides between "not such an image" (a polyglot,
//! an HTML page behind a JPEG's three magic bytes) and "such an image, truncated or corrupt".
bool structured(Type type, std::string_view b) {
  switch (type) {
    case Type::jpeg:  // FF D8, then a marker FF C0..FE (APPn, DQT, SOFn, COM, ...)
      return b.size() >= 4 && static_cast<unsigned char>(b[3]) >= 0xC0 && static_cast<unsigned char>(b[3]) != 0xFF;
    case Type::png: return b.size() >= 16 && b.substr(8, 8) == std::string_view("\0\0\0\x0dIHDR", 8);
    case Type::webp: {
      if (b.size() < 16) return false;
      auto chunk = b.substr(12, 4);
      return chunk == "VP8 " || chunk == "VP8L" || chunk == "VP8X";
    }
  }
  return false;
}

//! The loader libvips itself would pick must be the one of the sniffed type.
bool loader_matches(Type type, std::string_view bytes) {
  const char* name = vips_foreign_find_load_buffer(bytes.data(), bytes.size());
  if (!name) {
    vips_error_clear();
    return false;
  }
  // Class names: VipsForeignLoadJpegBuffer, VipsForeignLoadPngBuffer (libpng builds, as Debian's)
  // or VipsForeignLoadSpngBuffer (libspng builds), VipsForeignLoadWebpBuffer.
  auto starts = [&](const char* prefix) { return std::strncmp(name, prefix, std::strlen(prefix)) == 0; };
  switch (type) {
    case Type::jpeg: return starts("VipsForeignLoadJpeg");
    case Type::png: return starts("VipsForeignLoadPng") || starts("VipsForeignLoadSpng");
    case Type::webp: return starts("VipsForeignLoadWebp");
  }
  return false;
}

//! 8-bit sRGB, three bands, alpha flattened onto white.
int normalise(Image& img) {
  if (vips_image_hasalpha(img.get())) {
    double white = img->BandFmt == VIPS_FORMAT_USHORT ? 65535.0 : 255.0;  // 16-bit PNG, else 8-bit
    VipsArrayDouble* bg = vips_array_double_newv(1, white);
    Image flat;
    int rc = vips_flatten(img.get(), flat.out(), "background", bg, "max_alpha", white, nullptr);
    vips_area_unref(VIPS_AREA(bg));
    if (rc) return rc;
    img.swap(flat);
  }
  if (img->Type != VIPS_INTERPRETATION_sRGB || img->Bands != 3) {
    Image srgb;
    if (vips_colourspace(img.get(), srgb.out(), VIPS_INTERPRETATION_sRGB, nullptr)) return -1;
    img.swap(srgb);
  }
  if (img->BandFmt != VIPS_FORMAT_UCHAR) {
    Image cast;
    if (vips_cast_uchar(img.get(), cast.out(), nullptr)) return -1;
    img.swap(cast);
  }
  if (img->Bands > 3) {  // should not happen after the above; never write a 4-band JPEG
    Image three;
    if (vips_extract_band(img.get(), three.out(), 0, "n", 3, nullptr)) return -1;
    img.swap(three);
  }
  return 0;
}

int save_jpeg(VipsImage* img, int quality, std::string& out) {
  void* buf = nullptr;
  size_t len = 0;
  if (vips_jpegsave_buffer(img, &buf, &len, "Q", quality, "strip", TRUE, nullptr)) return -1;
  out.assign(static_cast<const char*>(buf), len);
  g_free(buf);
  return 0;
}

}  // namespace

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    crypto::init();
    if (VIPS_INIT("mashang")) throw Fault(Errc::internal, "libvips failed to start: " + vips_detail());
    vips_concurrency_set(1);  // one thread per operation: the server's workers give the parallelism
    vips_cache_set_max(0);    // no operation cache: memory stays bounded, no result outlives its request
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_block_untrusted_set(TRUE);  // magick, pdf, svg, matlab, ...: never reachable
    g_log_set_handler("VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION),
                      vips_log, nullptr);
  });
}

const char* type_name(Type type) {
  switch (type) {
    case Type::jpeg: return "jpeg";
    case Type::png: return "png";
    case Type::webp: return "webp";
  }
  return "unknown";
}

std::optional<Type> sniff(std::string_view b) {
  auto u = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
  if (b.size() >= 3 && u(0) == 0xFF && u(1) == 0xD8 && u(2) == 0xFF) return Type::jpeg;
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return Type::png;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return Type::webp;
  return std::nullopt;
}

Result<Processed> process(std::string_view bytes, const Limits& limits) {
  if (static_cast<int64_t>(bytes.size()) > limits.bytes_max)
    return make_error(Errc::too_large, "the photo is " + std::to_string(bytes.size()) + " bytes; at most " +
                                           std::to_string(limits.bytes_max) + " bytes are accepted");
  auto type = sniff(bytes);
  if (!type) return make_error(Errc::unsupported_media_type, "the file is not a JPEG, PNG or WebP image");
  init();

  Processed out;
  out.source = *type;
  bool has_icc = false;
  // 1. Header only: no pixel is decoded here, so a bomb costs nothing.
  {
    Image head;
    if (!loader_matches(*type, bytes) || load_header(*type, bytes, head)) {
      spdlog::debug("media: header of {} refused: {}", type_name(*type), vips_detail());
      if (structured(*type, bytes))  // a real header of that type, cut short or damaged
        return make_error(Errc::invalid_input, std::string("the photo could not be decoded: ") + describe(*type) +
                                                   " that is truncated or corrupt");
      return make_error(Errc::unsupported_media_type,
                        std::string("the file starts like ") + describe(*type) + " but is not one");
    }
    int64_t w = head->Xsize, h = head->Ysize;
    if (w > limits.side_max || h > limits.side_max || w * h > limits.pixels_max)
      return make_error(Errc::invalid_input, "the photo is " + std::to_string(w) + " × " + std::to_string(h) +
                                                 " pixels (" + std::to_string(w * h) + " pixels); at most " +
                                                 std::to_string(limits.pixels_max) + " pixels and " +
                                                 std::to_string(limits.side_max) + " pixels a side are accepted");
    out.gps = read_gps(head.get());
    has_icc = vips_image_get_typeof(head.get(), VIPS_META_ICC_NAME) != 0;
  }

  // 2. Decode (shrink-on-load where the format allows), downsize, orient, normalise, encode.
  //    Pixels are pulled through sequentially while the JPEG is written: a corrupt or truncated
  //    file fails here (fail_on warning), never becomes a grey image. An EXIF orientation that
  //    turns the image makes libvips hold the downsized image in memory to rotate it (2560 ×
  //    1920 × 3 bytes: a phone photo held upright peaks ~12 MiB higher than one held flat).
  {
    Image img;
    void* buf = const_cast<char*>(bytes.data());
    const int side = limits.stored_side_max;
    const char* profile = has_icc ? "srgb" : nullptr;  // convert from an embedded profile, else assume sRGB
    int rc = profile ? vips_thumbnail_buffer(buf, bytes.size(), img.out(), side, "height", side, "size", VIPS_SIZE_DOWN,
                                             "option_string", kFailOnWarning, "export_profile", profile, nullptr)
                     : vips_thumbnail_buffer(buf, bytes.size(), img.out(), side, "height", side, "size", VIPS_SIZE_DOWN,
                                             "option_string", kFailOnWarning, nullptr);
    if (rc == 0) rc = normalise(img);
    if (rc || save_jpeg(img.get(), limits.jpeg_quality, out.image)) {
      std::string detail = vips_detail();
      spdlog::debug("media: decoding {} failed: {}", type_name(*type), detail);
      return make_error(Errc::invalid_input, std::string("the photo could not be decoded: ") + describe(*type) +
                                                 " that is truncated or corrupt");
    }
    out.width = img->Xsize;
    out.height = img->Ysize;
  }

  // 3. Thumbnail from the stored JPEG (shrink-on-load; proves the stored bytes decode).
  {
    Image t;
    int side = limits.thumb_side;
    if (vips_thumbnail_buffer(out.image.data(), out.image.size(), t.out(), side, "height", side, "size", VIPS_SIZE_DOWN,
                              "option_string", kFailOnWarning, nullptr) ||
        normalise(t) || save_jpeg(t.get(), limits.jpeg_quality, out.thumb)) {
      std::string detail = vips_detail();
      spdlog::error("media: thumbnail of a stored image failed: {}", detail);
      return make_error(Errc::internal, "the thumbnail could not be made");
    }
    out.thumb_width = t->Xsize;
    out.thumb_height = t->Ysize;
  }
  out.hash = crypto::token_hash(out.image);
  return out;
}

}  // namespace mashang::media
