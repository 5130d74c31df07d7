// Uploaded photos through media::process. Every fixture is made here: pixels written by libvips,
// EXIF (orientation, GPS) as an APP1 segment built by hand and spliced after the JPEG's SOI, bombs
// and polyglots as hand-made headers. What is stored is decoded again and its markers walked: no
// EXIF, XMP, ICC or comment may survive.
#include "media/media.hpp"

#include <gtest/gtest.h>
#include <vips/vips.h>
#include <zlib.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

using namespace mashang;
using namespace std::string_literals;

namespace {

// ---------------------------------------------------------------- libvips helpers

struct Img {
  VipsImage* p = nullptr;
  Img() = default;
  explicit Img(VipsImage* i) : p(i) {}
  ~Img() {
    if (p) g_object_unref(p);
  }
  Img(const Img&) = delete;
  Img& operator=(const Img&) = delete;
  VipsImage** out() {
    if (p) g_object_unref(p);
    p = nullptr;
    return &p;
  }
};

std::string take(void* buf, size_t len) {
  std::string s(static_cast<const char*>(buf), len);
  g_free(buf);
  return s;
}

//! An image from interleaved 8-bit pixels.
VipsImage* from_pixels(const std::vector<uint8_t>& px, int w, int h, int bands) {
  VipsImage* img = vips_image_new_from_memory_copy(px.data(), px.size(), w, h, bands, VIPS_FORMAT_UCHAR);
  EXPECT_NE(img, nullptr);
  return img;
}

//! w × h, left half `left`, right half `right` (RGB or RGBA).
VipsImage* halves(int w, int h, std::vector<uint8_t> left, std::vector<uint8_t> right) {
  const int bands = static_cast<int>(left.size());
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * bands);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int b = 0; b < bands; ++b) px[(static_cast<size_t>(y) * w + x) * bands + b] = x < w / 2 ? left[b] : right[b];
  return from_pixels(px, w, h, bands);
}

//! A noisy RGB image (compresses like a photo, not like a flat colour).
VipsImage* noise(int w, int h, uint32_t seed = 7) {
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * 3);
  std::mt19937 rng(seed);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>((i / 3 % w) * 200 / w + rng() % 56);
  return from_pixels(px, w, h, 3);
}

std::string jpeg(VipsImage* img, int q = 90) {
  void* buf = nullptr;
  size_t len = 0;
  EXPECT_EQ(vips_jpegsave_buffer(img, &buf, &len, "Q", q, nullptr), 0) << vips_error_buffer();
  return take(buf, len);
}

std::string png(VipsImage* img, int bitdepth = 8) {
  void* buf = nullptr;
  size_t len = 0;
  EXPECT_EQ(vips_pngsave_buffer(img, &buf, &len, "bitdepth", bitdepth, nullptr), 0) << vips_error_buffer();
  return take(buf, len);
}

std::string webp(VipsImage* img) {
  void* buf = nullptr;
  size_t len = 0;
  EXPECT_EQ(vips_webpsave_buffer(img, &buf, &len, "Q", 80, nullptr), 0) << vips_error_buffer();
  return take(buf, len);
}

struct Decoded {
  int width = 0, height = 0, bands = 0;
  VipsInterpretation interpretation = VIPS_INTERPRETATION_ERROR;
  bool has_exif = false, has_xmp = false, has_icc = false;
  std::vector<uint8_t> pixels;
  const uint8_t* at(int x, int y) const { return &pixels[(static_cast<size_t>(y) * width + x) * bands]; }
};

//! Decodes a JPEG strictly (fail on any warning) and reads its pixels.
Decoded decode(const std::string& bytes) {
  Decoded d;
  Img img;
  if (vips_jpegload_buffer(const_cast<char*>(bytes.data()), bytes.size(), img.out(), "fail_on", VIPS_FAIL_ON_WARNING,
                           nullptr)) {
    ADD_FAILURE() << "stored JPEG does not decode: " << vips_error_buffer();
    vips_error_clear();
    return d;
  }
  d.width = img.p->Xsize;
  d.height = img.p->Ysize;
  d.bands = img.p->Bands;
  d.interpretation = img.p->Type;
  d.has_exif = vips_image_get_typeof(img.p, VIPS_META_EXIF_NAME) != 0;
  d.has_xmp = vips_image_get_typeof(img.p, VIPS_META_XMP_NAME) != 0;
  d.has_icc = vips_image_get_typeof(img.p, VIPS_META_ICC_NAME) != 0;
  size_t size = 0;
  void* mem = vips_image_write_to_memory(img.p, &size);
  if (!mem) {
    ADD_FAILURE() << "stored JPEG pixels do not decode: " << vips_error_buffer();
    vips_error_clear();
    return d;
  }
  d.pixels.assign(static_cast<uint8_t*>(mem), static_cast<uint8_t*>(mem) + size);
  g_free(mem);
  return d;
}

// ---------------------------------------------------------------- JPEG segments

//! The markers of a JPEG up to its first scan; APPn segments with their identifying prefix.
std::vector<std::string> segments(const std::string& j) {
  std::vector<std::string> out;
  size_t i = 2;
  while (i + 4 <= j.size()) {
    if (static_cast<uint8_t>(j[i]) != 0xFF) {
      out.push_back("garbage");
      break;
    }
    const uint8_t m = static_cast<uint8_t>(j[i + 1]);
    const size_t len = (static_cast<uint8_t>(j[i + 2]) << 8) | static_cast<uint8_t>(j[i + 3]);
    char name[16];
    std::snprintf(name, sizeof name, "%02X", m);
    if (len < 2) {
      out.push_back("bad length");
      break;
    }
    std::string seg = name;
    if ((m >= 0xE0 && m <= 0xEF) || m == 0xFE) {
      seg += ':';
      seg.append(j, i + 4, std::min<size_t>(len - 2, 12));
    }
    out.push_back(seg);
    if (m == 0xDA) break;  // start of scan: entropy-coded data follows
    i += 2 + len;
  }
  return out;
}

//! True when a JPEG carries any metadata: EXIF, XMP, ICC, IPTC/Photoshop or a comment.
bool has_metadata(const std::string& j) {
  for (const auto& s : segments(j)) {
    if (s.rfind("E0:JFIF", 0) == 0) continue;  // the JFIF header libjpeg always writes: no metadata
    if (s.size() >= 2 && (s[0] == 'E' || s.rfind("FE", 0) == 0)) return true;
  }
  return j.find("Exif\0\0"s) != std::string::npos || j.find("http://ns.adobe.com/xap") != std::string::npos ||
         j.find("ICC_PROFILE") != std::string::npos;
}

// ---------------------------------------------------------------- hand-made EXIF

struct Rational {
  uint32_t num, den;
};

struct ExifSpec {
  int orientation = 0;  // 0: no tag
  bool gps = false;
  char lat_ref = 'N', lon_ref = 'E';
  Rational lat[3]{{39, 1}, {36, 1}, {1224, 100}};  // 39°36'12.24"
  Rational lon[3]{{109, 1}, {46, 1}, {516, 10}};   // 109°46'51.6"
};

void le16(std::string& s, uint16_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>(v >> 8);
}
void le32(std::string& s, uint32_t v) {
  le16(s, static_cast<uint16_t>(v & 0xFFFF));
  le16(s, static_cast<uint16_t>(v >> 16));
}
void entry(std::string& s, uint16_t tag, uint16_t type, uint32_t count, uint32_t value) {
  le16(s, tag);
  le16(s, type);
  le32(s, count);
  le32(s, value);
}

//! A little-endian TIFF structure: IFD0 (Orientation, GPS pointer), then the GPS IFD and its rationals.
std::string exif_tiff(const ExifSpec& e) {
  const uint16_t n0 = static_cast<uint16_t>((e.orientation ? 1 : 0) + (e.gps ? 1 : 0));
  const uint32_t ifd0 = 8, gps_ifd = ifd0 + 2 + 12 * n0 + 4, lat_at = gps_ifd + 2 + 12 * 4 + 4, lon_at = lat_at + 24;
  std::string t = "II*\0"s;
  le32(t, ifd0);
  le16(t, n0);
  if (e.orientation) entry(t, 0x0112, 3, 1, static_cast<uint32_t>(e.orientation));  // SHORT, left-justified
  if (e.gps) entry(t, 0x8825, 4, 1, gps_ifd);                                       // GPSInfo IFD pointer
  le32(t, 0);
  if (e.gps) {
    le16(t, 4);
    entry(t, 0x0001, 2, 2, static_cast<uint8_t>(e.lat_ref));  // GPSLatitudeRef "N\0"
    entry(t, 0x0002, 5, 3, lat_at);                           // GPSLatitude, 3 RATIONAL
    entry(t, 0x0003, 2, 2, static_cast<uint8_t>(e.lon_ref));  // GPSLongitudeRef "E\0"
    entry(t, 0x0004, 5, 3, lon_at);                           // GPSLongitude
    le32(t, 0);
    for (const auto& r : e.lat) le32(t, r.num), le32(t, r.den);
    for (const auto& r : e.lon) le32(t, r.num), le32(t, r.den);
  }
  return t;
}

//! Inserts a segment (marker + payload) right after the SOI of a JPEG.
std::string splice(const std::string& jpg, uint8_t marker, const std::string& payload) {
  std::string seg = "\xFF"s + static_cast<char>(marker);
  const size_t len = payload.size() + 2;
  seg += static_cast<char>(len >> 8);
  seg += static_cast<char>(len & 0xFF);
  seg += payload;
  return jpg.substr(0, 2) + seg + jpg.substr(2);
}

std::string with_exif(const std::string& jpg, const ExifSpec& e) {
  return splice(jpg, 0xE1, "Exif\0\0"s + exif_tiff(e));
}

// ---------------------------------------------------------------- hand-made PNG

void be32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xFF);
}

std::string png_chunk(const std::string& type, const std::string& data) {
  std::string c;
  be32(c, static_cast<uint32_t>(data.size()));
  c += type + data;
  uLong crc = crc32(0, reinterpret_cast<const Bytef*>(type.data()), static_cast<uInt>(type.size()));
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  be32(c, static_cast<uint32_t>(crc));
  return c;
}

//! A PNG whose header claims w × h RGB pixels, with one tiny IDAT (a few rows at most) and IEND.
std::string png_bomb(uint32_t w, uint32_t h) {
  std::string ihdr;
  be32(ihdr, w);
  be32(ihdr, h);
  ihdr += "\x08\x02\x00\x00\x00"s;  // 8 bits, RGB, deflate, no filter, no interlace
  std::string raw(4096, '\0');
  std::string z(compressBound(raw.size()), '\0');
  uLongf zlen = z.size();
  EXPECT_EQ(compress(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<const Bytef*>(raw.data()), raw.size()),
            Z_OK);
  z.resize(zlen);
  return "\x89PNG\r\n\x1a\n"s + png_chunk("IHDR", ihdr) + png_chunk("IDAT", z) + png_chunk("IEND", "");
}

// ---------------------------------------------------------------- fixture

class Media : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { media::init(); }
  void TearDown() override { vips_error_clear(); }
};

Result<media::Processed> expect_ok(const std::string& bytes, const media::Limits& limits = {}) {
  auto r = media::process(bytes, limits);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r;
}

void expect_clean(const media::Processed& p) {
  EXPECT_FALSE(has_metadata(p.image)) << ::testing::PrintToString(segments(p.image));
  EXPECT_FALSE(has_metadata(p.thumb)) << ::testing::PrintToString(segments(p.thumb));
  auto d = decode(p.image);
  EXPECT_EQ(d.width, p.width);
  EXPECT_EQ(d.height, p.height);
  EXPECT_EQ(d.bands, 3);
  EXPECT_EQ(d.interpretation, VIPS_INTERPRETATION_sRGB);
  EXPECT_FALSE(d.has_exif);
  EXPECT_FALSE(d.has_xmp);
  EXPECT_FALSE(d.has_icc);
  auto t = decode(p.thumb);
  EXPECT_EQ(t.width, p.thumb_width);
  EXPECT_EQ(t.height, p.thumb_height);
  EXPECT_FALSE(t.has_exif);
  EXPECT_EQ(p.hash.size(), 64u);
  EXPECT_EQ(p.hash.find_first_not_of("0123456789abcdef"), std::string::npos);
}

bool near(const uint8_t* px, int r, int g, int b, int tolerance = 40) {
  return std::abs(px[0] - r) <= tolerance && std::abs(px[1] - g) <= tolerance && std::abs(px[2] - b) <= tolerance;
}

}  // namespace

// ---------------------------------------------------------------- sniffing

TEST_F(Media, SniffsByMagicBytesOnly) {
  EXPECT_EQ(media::sniff("\xFF\xD8\xFF\xE0rest"), media::Type::jpeg);
  EXPECT_EQ(media::sniff("\x89PNG\r\n\x1a\nrest"), media::Type::png);
  EXPECT_EQ(media::sniff("RIFF\x10\0\0\0WEBPVP8 "s), media::Type::webp);
  EXPECT_FALSE(media::sniff("RIFF\x10\0\0\0WAVEfmt "s));
  EXPECT_FALSE(media::sniff("GIF89a\x01\0\x01\0"s));
  EXPECT_FALSE(media::sniff("%PDF-1.7\n"));
  EXPECT_FALSE(media::sniff("<html><body>photo.jpg</body></html>"));
  EXPECT_FALSE(media::sniff("\xFF\xD8"));
  EXPECT_FALSE(media::sniff(""));
  EXPECT_STREQ(media::type_name(media::Type::webp), "webp");
}

// ---------------------------------------------------------------- good photos

TEST_F(Media, JpegWithOrientation6IsRotatedAndStrippedAndItsGpsRead) {
  // 60 × 40, red left, blue right; orientation 6 = turn 90° clockwise to display: red on top.
  Img src(halves(60, 40, {255, 0, 0}, {0, 0, 255}));
  ExifSpec e;
  e.orientation = 6;
  e.gps = true;
  std::string in = with_exif(jpeg(src.p), e);
  in = splice(in, 0xFE, "a comment from the camera");
  auto r = expect_ok(in);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->source, media::Type::jpeg);
  EXPECT_EQ(r->width, 40);
  EXPECT_EQ(r->height, 60);
  expect_clean(*r);
  auto d = decode(r->image);
  EXPECT_TRUE(near(d.at(20, 10), 255, 0, 0)) << int(d.at(20, 10)[0]) << "," << int(d.at(20, 10)[2]);
  EXPECT_TRUE(near(d.at(20, 50), 0, 0, 255)) << int(d.at(20, 50)[0]) << "," << int(d.at(20, 50)[2]);
  EXPECT_EQ(r->image.find("a comment from the camera"), std::string::npos);
  ASSERT_TRUE(r->gps);
  EXPECT_NEAR(r->gps->lat, 39.6034, 1e-9);
  EXPECT_NEAR(r->gps->lon, 109.781, 1e-9);
}

TEST_F(Media, GpsSouthAndWestAreNegative) {
  Img src(noise(32, 24));
  ExifSpec e;
  e.gps = true;
  e.lat_ref = 'S';
  e.lon_ref = 'W';
  auto r = expect_ok(with_exif(jpeg(src.p), e));
  ASSERT_TRUE(r.ok() && r->gps);
  EXPECT_NEAR(r->gps->lat, -39.6034, 1e-9);
  EXPECT_NEAR(r->gps->lon, -109.781, 1e-9);
  EXPECT_EQ(r->width, 32);  // no orientation tag: unchanged, never upscaled
  EXPECT_EQ(r->height, 24);
}

TEST_F(Media, InvalidGpsIsIgnored) {
  Img src(noise(32, 24));
  std::vector<ExifSpec> bad(5);
  for (auto& e : bad) e.gps = true;
  bad[0].lat[1] = {61, 1};                                 // 61 minutes
  bad[1].lat[0] = {95, 1};                                 // latitude 95°
  bad[2].lon[2] = {5, 0};                                  // zero denominator
  bad[3].lat_ref = 'X';                                    // no such hemisphere
  bad[4].lat[0] = bad[4].lat[1] = bad[4].lat[2] = {0, 1};  // 0,0: no fix
  bad[4].lon[0] = bad[4].lon[1] = bad[4].lon[2] = {0, 1};
  for (size_t i = 0; i < bad.size(); ++i) {
    auto r = expect_ok(with_exif(jpeg(src.p), bad[i]));
    ASSERT_TRUE(r.ok()) << i;
    EXPECT_FALSE(r->gps) << i << ": " << r->gps->lat << "," << r->gps->lon;
  }
  auto none = expect_ok(jpeg(src.p));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->gps);
}

TEST_F(Media, XmpAndIccProfileAreNotStored) {
  Img src(noise(64, 48));
  Img tagged;
  ASSERT_EQ(vips_icc_transform(src.p, tagged.out(), "srgb", "input_profile", "srgb", nullptr), 0)
      << vips_error_buffer();
  const std::string xmp = "<x:xmpmeta xmlns:x='adobe:ns:meta/'>secret-xmp-payload</x:xmpmeta>";
  vips_image_set_blob_copy(tagged.p, VIPS_META_XMP_NAME, xmp.data(), xmp.size());
  std::string in = jpeg(tagged.p);
  ASSERT_TRUE(has_metadata(in));  // the fixture does carry them
  ASSERT_NE(in.find("ICC_PROFILE"), std::string::npos);
  auto r = expect_ok(in);
  ASSERT_TRUE(r.ok());
  expect_clean(*r);
  EXPECT_EQ(r->image.find("secret-xmp-payload"), std::string::npos);
}

TEST_F(Media, PngWithAlphaIsFlattenedOntoWhite) {
  // left: transparent black, right: opaque red
  Img src(halves(40, 20, {0, 0, 0, 0}, {255, 0, 0, 255}));
  auto r = expect_ok(png(src.p));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->source, media::Type::png);
  EXPECT_EQ(r->width, 40);
  EXPECT_EQ(r->height, 20);
  expect_clean(*r);
  auto d = decode(r->image);
  EXPECT_TRUE(near(d.at(5, 10), 255, 255, 255, 8)) << int(d.at(5, 10)[0]);
  EXPECT_TRUE(near(d.at(35, 10), 255, 0, 0));
}

TEST_F(Media, SixteenBitAndGreyPngsBecomeEightBitSrgb) {
  Img rgba(halves(30, 30, {0, 0, 0, 0}, {0, 255, 0, 255}));
  Img wide;
  ASSERT_EQ(vips_cast_ushort(rgba.p, wide.out(), nullptr), 0);
  Img wide16;
  ASSERT_EQ(vips_linear1(wide.p, wide16.out(), 257, 0, "uchar", FALSE, nullptr), 0);
  Img as16;
  ASSERT_EQ(vips_cast_ushort(wide16.p, as16.out(), nullptr), 0);
  as16.p->Type = VIPS_INTERPRETATION_RGB16;
  auto r = expect_ok(png(as16.p, 16));
  ASSERT_TRUE(r.ok());
  expect_clean(*r);
  auto d = decode(r->image);
  EXPECT_TRUE(near(d.at(3, 15), 255, 255, 255, 8));
  EXPECT_TRUE(near(d.at(25, 15), 0, 255, 0));

  std::vector<uint8_t> grey(50 * 10, 90);
  Img g(from_pixels(grey, 50, 10, 1));
  g.p->Type = VIPS_INTERPRETATION_B_W;
  auto rg = expect_ok(png(g.p));
  ASSERT_TRUE(rg.ok());
  expect_clean(*rg);
}

TEST_F(Media, CmykJpegBecomesSrgb) {
  std::vector<uint8_t> px(24 * 16 * 4, 0);
  for (size_t i = 0; i < px.size(); i += 4) px[i + 1] = 255;  // magenta ink only
  Img cmyk(from_pixels(px, 24, 16, 4));
  cmyk.p->Type = VIPS_INTERPRETATION_CMYK;
  auto r = expect_ok(jpeg(cmyk.p));
  ASSERT_TRUE(r.ok());
  expect_clean(*r);
  auto d = decode(r->image);
  EXPECT_GT(d.at(12, 8)[0], 150);  // magenta: red and blue high, green low
  EXPECT_LT(d.at(12, 8)[1], 100);
}

TEST_F(Media, WebpIsReencodedAsJpeg) {
  Img src(noise(48, 36));
  auto r = expect_ok(webp(src.p));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->source, media::Type::webp);
  EXPECT_EQ(r->width, 48);
  EXPECT_EQ(r->height, 36);
  EXPECT_EQ(media::sniff(r->image), media::Type::jpeg);
  expect_clean(*r);
}

TEST_F(Media, TwelveMegapixelsAreStoredAt2560AndThumbnailedAt320) {
  Img src(noise(4000, 3000));
  std::string in = jpeg(src.p, 85);
  auto r = expect_ok(in);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->width, 2560);
  EXPECT_EQ(r->height, 1920);
  EXPECT_EQ(r->thumb_width, 320);
  EXPECT_EQ(r->thumb_height, 240);
  expect_clean(*r);
  // Same bytes, same stored file: content hashes deduplicate repeated uploads.
  auto again = expect_ok(in);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->hash, r->hash);
  EXPECT_EQ(again->image, r->image);
}

TEST_F(Media, PortraitIsBoundedByItsLongestSide) {
  Img src(noise(300, 500));
  media::Limits l;
  l.stored_side_max = 200;
  l.thumb_side = 50;
  auto r = expect_ok(jpeg(src.p), l);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->width, 120);
  EXPECT_EQ(r->height, 200);
  EXPECT_EQ(r->thumb_width, 30);
  EXPECT_EQ(r->thumb_height, 50);
}

// ---------------------------------------------------------------- bad input

TEST_F(Media, OverTheByteLimitIsTooLargeBeforeAnythingElse) {
  Img src(noise(64, 64));
  std::string in = jpeg(src.p);
  media::Limits l;
  l.bytes_max = static_cast<int64_t>(in.size()) - 1;
  auto r = media::process(in, l);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::too_large);
  auto junk = media::process(std::string(2000, 'x'), media::Limits{.bytes_max = 1000});
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().code, Errc::too_large);
  l.bytes_max = static_cast<int64_t>(in.size());
  EXPECT_TRUE(media::process(in, l).ok());
}

TEST_F(Media, OtherFormatsAndNonImagesAreUnsupported) {
  Img src(noise(16, 16));
  void* buf = nullptr;
  size_t len = 0;
  ASSERT_EQ(vips_gifsave_buffer(src.p, &buf, &len, nullptr), 0) << vips_error_buffer();
  const std::string gif = take(buf, len);
  std::string random(4096, '\0');
  std::mt19937 rng(1);
  for (auto& c : random) c = static_cast<char>(rng());
  random[0] = 'x';  // not FF (a JPEG's first byte) by chance
  for (const std::string& bad :
       {gif, random, "%PDF-1.4\n1 0 obj<<>>endobj\n"s, "<html><script>alert(1)</script></html>"s, ""s}) {
    auto r = media::process(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::unsupported_media_type) << r.error().message;
  }
}

TEST_F(Media, MagicBytesFollowedByAnythingElseAreUnsupported) {
  for (const std::string& bad :
       {"\xFF\xD8\xFF<html><script>alert(1)</script></html>"s, "\x89PNG\r\n\x1a\n<script>alert(1)</script>"s,
        "RIFF\x20\0\0\0WEBP<script>alert(1)</script>"s}) {
    auto r = media::process(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::unsupported_media_type) << r.error().message;
  }
  // The format's first structure, then nothing valid: a damaged image of that type.
  for (const std::string& bad : {"\xFF\xD8\xFF\xE0\x00\x10JFIF\0garbage"s, png_bomb(64, 64).substr(0, 20),
                                 "RIFF\x20\0\0\0WEBPVP8 garbage-garbage"s}) {
    auto r = media::process(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_input) << r.error().message;
  }
}

TEST_F(Media, TruncatedImagesAreInvalid) {
  Img src(noise(400, 300));
  for (const std::string& whole : {jpeg(src.p), png(src.p), webp(src.p)}) {
    const std::string half = whole.substr(0, whole.size() / 2);
    auto r = media::process(half);
    ASSERT_FALSE(r.ok()) << media::type_name(*media::sniff(whole));
    EXPECT_EQ(r.error().code, Errc::invalid_input) << r.error().message;
    EXPECT_NE(r.error().message.find("truncated or corrupt"), std::string::npos) << r.error().message;
  }
}

TEST_F(Media, CorruptJpegDataIsInvalidNotGrey) {
  Img src(noise(200, 150));
  std::string in = jpeg(src.p);
  const size_t sos = in.find("\xFF\xDA"s);
  ASSERT_NE(sos, std::string::npos);
  for (size_t i = sos + 40; i < in.size() - 2; i += 7) in[i] = static_cast<char>(0xFF);  // markers in the scan data
  auto r = media::process(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_input);
}

TEST_F(Media, PngPixelBombIsRefusedFromItsHeader) {
  auto r = media::process(png_bomb(40000, 40000));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_input);
  EXPECT_NE(r.error().message.find("40000 × 40000 pixels"), std::string::npos) << r.error().message;
  // A long thin strip under the pixel limit but over the side limit.
  auto strip = media::process(png_bomb(20000, 10));
  ASSERT_FALSE(strip.ok());
  EXPECT_EQ(strip.error().code, Errc::invalid_input);
  EXPECT_NE(strip.error().message.find("pixels a side"), std::string::npos) << strip.error().message;
}

TEST_F(Media, JpegAndWebpPixelBombsAreRefusedFromTheirHeaders) {
  // A real 8 × 8 JPEG whose frame header (SOF0) is patched to claim 40000 × 40000.
  Img src(noise(8, 8));
  std::string j = jpeg(src.p);
  size_t sof = j.find("\xFF\xC0"s);
  ASSERT_NE(sof, std::string::npos);
  for (size_t at : {sof + 5, sof + 7})
    j[at] = static_cast<char>(40000 >> 8), j[at + 1] = static_cast<char>(40000 & 0xFF);
  auto r = media::process(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_input) << r.error().message;
  EXPECT_NE(r.error().message.find("40000 × 40000 pixels"), std::string::npos) << r.error().message;

  // A lossy WebP whose VP8 key frame claims 16383 × 16383 (268 megapixels, WebP's largest).
  // libvips writes an extended header (VP8X) whose canvas size must agree with the frame's.
  std::string w = webp(src.p);
  const size_t vp8 = w.find("VP8 ");
  ASSERT_NE(vp8, std::string::npos);
  ASSERT_EQ(w.substr(vp8 + 11, 3), "\x9D\x01\x2A"s);  // key frame start code, then width and height (14 bits)
  w[vp8 + 14] = w[vp8 + 16] = static_cast<char>(0xFF);
  w[vp8 + 15] = w[vp8 + 17] = static_cast<char>(0x3F);
  if (w.substr(12, 4) == "VP8X")  // canvas width - 1 and height - 1, 24 bits each
    for (size_t at : {24, 27})
      w[at] = static_cast<char>(16382 & 0xFF), w[at + 1] = static_cast<char>(16382 >> 8), w[at + 2] = 0;
  auto rw = media::process(w);
  ASSERT_FALSE(rw.ok());
  EXPECT_EQ(rw.error().code, Errc::invalid_input) << rw.error().message;
  EXPECT_NE(rw.error().message.find("16383 × 16383 pixels"), std::string::npos) << rw.error().message;
}

TEST_F(Media, PolyglotPayloadsNeverReachTheStoredBytes) {
  Img src(noise(64, 48));
  const std::string payload = "<script>alert('polyglot')</script>";
  const std::string zip =
      "PK\x03\x04\x14\0\0\0\0\0polyglot-zip-entry.txt"s + payload + "PK\x05\x06"s + std::string(18, '\0');
  std::vector<std::string> cases = {
      jpeg(src.p) + "<html><body>" + payload + "</body></html>",               // HTML after the EOI
      splice(jpeg(src.p), 0xFE, payload),                                      // script in a JPEG comment
      splice(jpeg(src.p), 0xE1, "http://ns.adobe.com/xap/1.0/\0"s + payload),  // script in XMP
      png(src.p) + zip,                                                        // PNG with a ZIP behind its IEND
      webp(src.p) + zip,                                                       // WebP with a ZIP behind its RIFF
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    auto r = media::process(cases[i]);
    if (!r.ok()) {  // refusing is fine too, as long as it is a clean refusal
      EXPECT_TRUE(r.error().code == Errc::unsupported_media_type || r.error().code == Errc::invalid_input) << i;
      continue;
    }
    EXPECT_EQ(r->image.find("alert("), std::string::npos) << i;
    EXPECT_EQ(r->image.find("polyglot"), std::string::npos) << i;
    EXPECT_EQ(r->thumb.find("polyglot"), std::string::npos) << i;
    EXPECT_EQ(r->image.find("PK\x03\x04"), std::string::npos) << i;
    expect_clean(*r);
  }
}
