// QR symbols and PDF sheets of plates, checked the way a phone would: the PNGs and the
// rasterised PDF pages are decoded by two independent readers (zbarimg, ZXingReader).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <qrcodegen/qrcodegen.hpp>
#include <set>
#include <sstream>

#include "print/detail.hpp"
#include "print/plates.hpp"
#include "print/qr.hpp"

using namespace mashang;
using namespace std::string_literals;
using print::Layout;
using print::PdfWriter;
using print::Plate;

namespace {

namespace fs = std::filesystem;

struct Output {
  int status = -1;
  std::string out;
};

//! Runs a shell command and returns its exit status and standard output.
Output run(const std::string& command) {
  Output o;
  FILE* f = popen(command.c_str(), "r");
  if (!f) return o;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) o.out.append(buf, n);
  const int status = pclose(f);
  o.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

bool have(const std::string& tool) { return run("command -v " + tool + " >/dev/null 2>&1").status == 0; }

#define REQUIRE_TOOLS(...)                                                                \
  for (const char* tool : {__VA_ARGS__}) {                                                \
    if (!have(tool)) FAIL() << tool << " is not installed: make deps (scripts/deps.txt)"; \
  }

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

//! Every code zbarimg finds in the image, one per line.
std::vector<std::string> zbar(const fs::path& image) {
  return lines(run("zbarimg --raw -q " + quoted(image) + " 2>/dev/null").out);
}

//! Every code ZXingReader finds in the image (it reads all of them by default), from its
//! `Text:       "..."` lines; `levels` collects the "EC Level:" lines.
std::vector<std::string> zxing(const fs::path& image, std::vector<std::string>* levels = nullptr) {
  std::vector<std::string> out;
  for (const auto& line : lines(run("ZXingReader " + quoted(image) + " 2>/dev/null").out)) {
    if (line.starts_with("Text:")) {
      const auto first = line.find('"'), last = line.rfind('"');
      if (first != std::string::npos && last > first) out.push_back(line.substr(first + 1, last - first - 1));
    } else if (levels && line.starts_with("EC Level:")) {
      levels->push_back(line.substr(line.find_first_not_of(' ', 9)));
    }
  }
  return out;
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

uint32_t be32(const std::string& s, size_t at) {
  return uint32_t(uint8_t(s[at])) << 24 | uint32_t(uint8_t(s[at + 1])) << 16 | uint32_t(uint8_t(s[at + 2])) << 8 |
         uint32_t(uint8_t(s[at + 3]));
}

//! A fresh directory under the test temp dir, removed with everything in it.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::path(testing::TempDir()) / "print_test_XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

const std::string kBase64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

//! A URL like the server's: base + 24 base64url characters picked by `seed`.
std::string code_url(const std::string& base, uint64_t seed) {
  std::string url = base;
  for (int i = 0; i < 24; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    url += kBase64url[(seed >> 33) % 64];
  }
  return url;
}

std::string long_url() {
  std::string url = "https://mashang.kbs.gov.cn/c/AbC-_xYz0123456789?community=%E5%BA%B7%E5%9F%8E&unit=3&room=2001&x=";
  while (url.size() < 150) url += char('a' + url.size() % 26);
  return url;
}

}  // namespace

TEST(PrintQr, PngDecodesToTheUrlInBothReaders) {
  REQUIRE_TOOLS("zbarimg", "ZXingReader");
  TempDir dir;
  const std::vector<std::string> urls = {code_url("http://127.0.0.1:8080/c/", 1),
                                         "https://mashang.kbs.gov.cn/c/AbC-_dEf0123456789ghIJkl", long_url()};
  ASSERT_EQ(urls[2].size(), 150u);
  for (const auto& url : urls) {
    auto qr = print::encode(url);
    ASSERT_TRUE(qr.ok()) << qr.error().message;
    ASSERT_EQ(qr->dark.size(), size_t(qr->size) * size_t(qr->size));
    for (int px : {4, 8}) {
      SCOPED_TRACE(url + " at " + std::to_string(px) + " px");
      const std::string png = print::png(*qr, px);
      ASSERT_GT(png.size(), 33u);
      EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
      EXPECT_EQ(png.substr(12, 4), "IHDR");
      const uint32_t side = uint32_t(qr->size + 2 * print::kQuietModules) * uint32_t(px);
      EXPECT_EQ(be32(png, 16), side);
      EXPECT_EQ(be32(png, 20), side);
      EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");

      const fs::path file = dir.path / ("code-" + std::to_string(px) + ".png");
      write_file(file, png);
      EXPECT_EQ(zbar(file), std::vector<std::string>{url});
      std::vector<std::string> levels;
      EXPECT_EQ(zxing(file, &levels), std::vector<std::string>{url});
      EXPECT_EQ(levels, std::vector<std::string>{"Q"});
    }
  }
}

TEST(PrintQr, ShortUrlsFitVersion4Or5AndTooLongTextIsAnError) {
  // The claim in qr.hpp: about 50 bytes at level Q is a 33–37 module symbol.
  auto qr = print::encode(code_url("https://mashang.kbs.gov.cn/c/", 7));
  ASSERT_TRUE(qr.ok());
  EXPECT_GE(qr->size, 33);
  EXPECT_LE(qr->size, 37);

  auto too_long = print::encode(std::string(3000, 'x'));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, Errc::invalid_input);
  EXPECT_NE(too_long.error().message.find("3000"), std::string::npos) << too_long.error().message;

  auto empty = print::encode("");  // a valid (version 1) symbol holding nothing
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size, 21);
}

TEST(PrintQr, SymbolsAreTheOnesQrcodegenChoosesItself) {
  // encode() asks qrcodegen for mask 0 and picks the mask itself (ten times faster): the
  // symbols must be the very ones qrcodegen's own mask search gives, for every version.
  std::vector<int> versions_seen(41, 0), masks_seen(8, 0);
  uint64_t seed = 42;
  const auto random_text = [&](size_t len, std::string_view alphabet) {
    std::string t;
    for (size_t i = 0; i < len; ++i) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      t += alphabet[(seed >> 33) % alphabet.size()];
    }
    return t;
  };
  std::vector<std::string> texts;
  for (size_t len = 1; len <= 1663; len += len < 400 ? 9 : 23) texts.push_back(random_text(len, kBase64url));
  for (size_t len : {1, 20, 100, 500}) texts.push_back(random_text(len, "0123456789"));
  for (size_t len : {1, 30, 150, 900})
    texts.push_back(random_text(len, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 $%*+-./:"));
  for (const auto& text : texts) {
    SCOPED_TRACE(std::to_string(text.size()) + " bytes");
    const auto ours = print::encode(text);
    ASSERT_TRUE(ours.ok()) << ours.error().message;
    const auto theirs = qrcodegen::QrCode::encodeSegments(qrcodegen::QrSegment::makeSegments(text.c_str()),
                                                          qrcodegen::QrCode::Ecc::QUARTILE, 1, 40, -1, false);
    ASSERT_EQ(ours->size, theirs.getSize());
    int differ = 0;
    for (int y = 0; y < ours->size; ++y)
      for (int x = 0; x < ours->size; ++x) differ += ours->at(x, y) != theirs.getModule(x, y);
    ASSERT_EQ(differ, 0) << "mask " << theirs.getMask() << ", version " << theirs.getVersion();
    ++versions_seen[size_t(theirs.getVersion())];
    ++masks_seen[size_t(theirs.getMask())];
  }
  for (int v = 1; v <= 40; ++v) EXPECT_GT(versions_seen[size_t(v)], 0) << "version " << v;
  for (int m = 0; m < 8; ++m) EXPECT_GT(masks_seen[size_t(m)], 0) << "mask " << m;
}

TEST(PrintQr, PdfSegmentsCoverExactlyTheDarkModules) {
  std::vector<print::detail::Segment> segments;
  print::detail::CoverScratch scratch;
  for (const std::string& url :
       {code_url("https://mashang.kbs.gov.cn/c/", 11), long_url(), std::string("1"), std::string(1200, 'q')}) {
    auto qr = print::encode(url);
    ASSERT_TRUE(qr.ok());
    const int n = qr->size;
    print::detail::cover(*qr, segments, scratch);
    std::vector<int> covered(size_t(n) * size_t(n), 0);
    for (const auto& s : segments) {
      ASSERT_GE(s.len, 1);
      for (int i = 0; i < s.len; ++i) {
        const int x = s.vertical ? s.x : s.x + i, y = s.vertical ? s.y + i : s.y;
        ASSERT_TRUE(x >= 0 && y >= 0 && x < n && y < n) << x << "," << y;
        ASSERT_TRUE(qr->at(x, y)) << "light module " << x << "," << y << " painted";
        ++covered[size_t(y) * size_t(n) + size_t(x)];
      }
    }
    int runs = 0;
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        if (qr->at(x, y)) {
          EXPECT_GT(covered[size_t(y) * size_t(n) + size_t(x)], 0) << "dark module " << x << "," << y;
        }
        runs += qr->at(x, y) && (x == 0 || !qr->at(x - 1, y));
      }
    EXPECT_LT(segments.size(), size_t(runs)) << url.size() << " bytes";
  }
}

TEST(PrintQr, PngModuleSizeIsClampedTo1To64) {
  auto qr = print::encode("https://mashang.kbs.gov.cn/c/x");
  ASSERT_TRUE(qr.ok());
  const uint32_t modules = uint32_t(qr->size + 2 * print::kQuietModules);
  EXPECT_EQ(be32(print::png(*qr, 0), 16), modules);
  EXPECT_EQ(be32(print::png(*qr, -5), 20), modules);
  EXPECT_EQ(be32(print::png(*qr, 1000), 16), modules * 64);
}

TEST(PrintQr, SvgPathCoversExactlyTheDarkModules) {
  auto qr = print::encode(code_url("https://mashang.kbs.gov.cn/c/", 3));
  ASSERT_TRUE(qr.ok());
  const std::string svg = print::svg(*qr);
  const int n = qr->size + 2 * print::kQuietModules;
  const std::string side = std::to_string(n);

  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")) << svg.substr(0, 80);
  EXPECT_NE(svg.find("viewBox=\"0 0 " + side + " " + side + "\""), std::string::npos);
  EXPECT_NE(svg.find("shape-rendering=\"crispEdges\""), std::string::npos);
  EXPECT_NE(svg.find("<rect width=\"" + side + "\" height=\"" + side + "\" fill=\"#fff\"/>"), std::string::npos);
  EXPECT_TRUE(svg.ends_with("</svg>\n"));
  const auto path_at = svg.find("<path ");
  ASSERT_NE(path_at, std::string::npos);
  EXPECT_EQ(svg.find("<path ", path_at + 1), std::string::npos) << "one path only";
  // An extra check where libxml2-utils happens to be installed (not a project dependency):
  // the structure above is asserted either way.
  if (have("xmllint")) {
    TempDir dir;
    write_file(dir.path / "code.svg", svg);
    EXPECT_EQ(run("xmllint --noout " + quoted(dir.path / "code.svg") + " 2>&1").out, "");
  }

  // d="M x y h n v1 h-n z ..." — one unit-high rectangle per horizontal run.
  const auto d_at = svg.find(" d=\"", path_at);
  ASSERT_NE(d_at, std::string::npos);
  const std::string d = svg.substr(d_at + 4, svg.find('"', d_at + 4) - d_at - 4);
  std::vector<int> covered(size_t(n) * size_t(n), 0);
  int runs = 0;
  size_t at = 0;
  while (at < d.size()) {
    int x = 0, y = 0, len = 0, back = 0, consumed = 0;
    ASSERT_EQ(std::sscanf(d.c_str() + at, "M%d %dh%dv1h-%dz%n", &x, &y, &len, &back, &consumed), 4)
        << "at " << d.substr(at, 30);
    ASSERT_GT(consumed, 0);
    at += size_t(consumed);
    ++runs;
    EXPECT_EQ(back, len);
    ASSERT_GE(len, 1);
    ASSERT_GE(x, print::kQuietModules);
    ASSERT_GE(y, print::kQuietModules);
    ASSERT_LE(x + len, n - print::kQuietModules);
    ASSERT_LT(y, n - print::kQuietModules);
    for (int i = 0; i < len; ++i) ++covered[size_t(y) * size_t(n) + size_t(x + i)];
    // Runs are maximal: the modules just before and after are light.
    const int mx = x - print::kQuietModules, my = y - print::kQuietModules;
    if (mx > 0) {
      EXPECT_FALSE(qr->at(mx - 1, my));
    }
    if (mx + len < qr->size) {
      EXPECT_FALSE(qr->at(mx + len, my));
    }
  }
  int dark = 0, covered_units = 0;
  for (int y = 0; y < qr->size; ++y)
    for (int x = 0; x < qr->size; ++x) {
      const int c = covered[size_t(y + print::kQuietModules) * size_t(n) + size_t(x + print::kQuietModules)];
      EXPECT_EQ(c, qr->at(x, y) ? 1 : 0) << "module " << x << "," << y;
      dark += qr->at(x, y);
    }
  for (int c : covered) covered_units += c;
  EXPECT_EQ(covered_units, dark);
  EXPECT_GT(runs, qr->size);
  EXPECT_LT(runs, dark) << "runs are merged";
}

namespace {

struct Sheet {
  std::vector<std::string> urls;
  int64_t pages = 0;
};

//! Writes `plates` to `file`, asserting every step.
Sheet write_sheet(const fs::path& file, Layout layout, const std::vector<Plate>& plates) {
  Sheet s;
  auto w = PdfWriter::open(file.string(), layout, "门牌 · 康城社区");
  EXPECT_TRUE(w.ok()) << w.error().message;
  if (!w.ok()) return s;
  for (const auto& p : plates) {
    auto st = (*w)->add(p);
    EXPECT_TRUE(st.ok()) << st.error().message;
    s.urls.push_back(p.url);
  }
  EXPECT_EQ((*w)->plates(), int64_t(plates.size()));
  auto st = (*w)->finish();
  EXPECT_TRUE(st.ok()) << st.error().message;
  s.pages = (*w)->pages();
  return s;
}

int64_t pdf_pages(const fs::path& pdf) {
  for (const auto& line : lines(run("pdfinfo " + quoted(pdf) + " 2>/dev/null").out))
    if (line.starts_with("Pages:")) return std::stoll(line.substr(6));
  return -1;
}

//! An 8-bit PGM (P5) image, as `pdftoppm -gray` writes it.
struct Gray {
  int w = 0, h = 0;
  std::string pixels;
};

Gray read_pgm(const fs::path& p) {
  Gray g;
  std::ifstream f(p, std::ios::binary);
  std::string magic;
  int max = 0;
  f >> magic >> g.w >> g.h >> max;
  f.get();
  if (magic != "P5" || max != 255 || g.w <= 0 || g.h <= 0) return {};
  g.pixels.resize(size_t(g.w) * size_t(g.h));
  f.read(g.pixels.data(), std::streamsize(g.pixels.size()));
  if (!f) return {};
  return g;
}

void write_pgm_crop(const Gray& g, int x, int y, int w, int h, const fs::path& p) {
  x = std::clamp(x, 0, g.w), y = std::clamp(y, 0, g.h);
  w = std::min(w, g.w - x), h = std::min(h, g.h - y);
  std::ofstream f(p, std::ios::binary);
  f << "P5\n" << w << " " << h << "\n255\n";
  for (int r = 0; r < h; ++r) f.write(g.pixels.data() + size_t(y + r) * size_t(g.w) + size_t(x), w);
}

//! Rasterises every page at 200 dpi and decodes the codes with both readers: each cell on its
//! own (it must hold exactly its plate's code), and each whole page (what is found there must
//! be among the written codes). Both readers miss some symbols in a page-sized grid of two
//! dozen codes (zbarimg about 1 in 24, ZXingReader up to a third, even for 24 copies of one
//! symbol), so the exact count comes from the cells.
void expect_codes(const fs::path& pdf, Layout layout, const Sheet& sheet, int64_t pages_expected) {
  EXPECT_EQ(sheet.pages, pages_expected);
  EXPECT_EQ(pdf_pages(pdf), pages_expected);
  constexpr double kDpi = 200;
  const fs::path dir = pdf.parent_path();
  const fs::path prefix = dir / (pdf.stem().string() + "-page");
  ASSERT_EQ(run("pdftoppm -gray -r 200 " + quoted(pdf) + " " + quoted(prefix) + " 2>&1").status, 0);
  std::vector<fs::path> pages;  // pdftoppm names them prefix-1.pgm (or -01 …) in page order
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with(prefix.filename().string())) pages.push_back(e.path());
  std::sort(pages.begin(), pages.end());
  ASSERT_EQ(int64_t(pages.size()), pages_expected);

  std::vector<std::string> all_zbar, all_zxing;
  const int per_page = PdfWriter::per_page(layout);
  const auto px = [&](double pt) { return int(std::lround(pt / 72 * kDpi)); };
  for (size_t p = 0; p < pages.size(); ++p) {
    const Gray page = read_pgm(pages[p]);
    ASSERT_GT(page.w, 0) << pages[p];
    for (int c = 0; c < per_page; ++c) {
      const size_t i = p * size_t(per_page) + size_t(c);
      if (i >= sheet.urls.size()) break;
      SCOPED_TRACE("plate " + std::to_string(i));
      const auto box = print::detail::cell(layout, c);
      const fs::path image = dir / ("cell-" + std::to_string(i) + ".pgm");
      write_pgm_crop(page, px(box.x), px(box.y), px(box.w), px(box.h), image);
      const auto by_zbar = zbar(image), by_zxing = zxing(image);
      EXPECT_EQ(by_zbar, std::vector<std::string>{sheet.urls[i]}) << "zbarimg";
      EXPECT_EQ(by_zxing, std::vector<std::string>{sheet.urls[i]}) << "ZXingReader";
      all_zbar.insert(all_zbar.end(), by_zbar.begin(), by_zbar.end());
      all_zxing.insert(all_zxing.end(), by_zxing.begin(), by_zxing.end());
    }
    for (auto& t : zbar(pages[p])) all_zbar.push_back(std::move(t));
    for (auto& t : zxing(pages[p])) all_zxing.push_back(std::move(t));
  }
  const std::set<std::string> written(sheet.urls.begin(), sheet.urls.end());
  EXPECT_EQ(written.size(), sheet.urls.size());
  EXPECT_EQ(std::set<std::string>(all_zbar.begin(), all_zbar.end()), written) << "zbarimg";
  EXPECT_EQ(std::set<std::string>(all_zxing.begin(), all_zxing.end()), written) << "ZXingReader";
}

}  // namespace

TEST(PrintPdf, EveryCodeOnEveryPageDecodes) {
  REQUIRE_TOOLS("pdftoppm", "pdftotext", "pdfinfo", "zbarimg", "ZXingReader");
  TempDir dir;

  std::vector<Plate> doors;
  for (int i = 0; i < 11; ++i) {
    Plate p{"康城社区", std::to_string(i + 1) + "号楼-3单元-200" + std::to_string(i % 4 + 1) + "室",
            "K7M-4Q"s + std::to_string(i), code_url("https://mashang.kbs.gov.cn/c/", uint64_t(100 + i))};
    if (i == 3) p.heading = "康巴什区青春山街道康城社区居民委员会第三网格党支部服务站";  // ellipsized
    if (i == 4) p.address = "康城花园小区东区12号楼-3单元-2001室（东侧楼梯上二楼左手第一户）";
    if (i == 5) p.url = long_url();        // a larger symbol, smaller modules
    if (i == 6) p.heading.clear();         // empty lines are skipped
    if (i == 7) p.address = "一\n二\t三";  // control characters shown as spaces
    doors.push_back(p);
  }
  const fs::path door_pdf = dir.path / "doors.pdf";
  const Sheet door_sheet = write_sheet(door_pdf, Layout::door_plate, doors);
  ASSERT_EQ(PdfWriter::per_page(Layout::door_plate), 8);
  expect_codes(door_pdf, Layout::door_plate, door_sheet, 2);
  const std::string text = run("pdftotext " + quoted(door_pdf) + " - 2>/dev/null").out;
  EXPECT_NE(text.find("康城社区"), std::string::npos) << text;
  EXPECT_NE(text.find("K7M-4Q10"), std::string::npos) << text;
  EXPECT_NE(text.find("2001"), std::string::npos) << text;
  const std::string info = run("pdfinfo " + quoted(door_pdf) + " 2>/dev/null").out;
  EXPECT_NE(info.find("门牌 · 康城社区"), std::string::npos) << info;
  const std::string fonts = run("pdffonts " + quoted(door_pdf) + " 2>/dev/null").out;
  EXPECT_NE(fonts.find("NotoSansCJK"), std::string::npos) << fonts;

  std::vector<Plate> stickers;
  for (int i = 0; i < 30; ++i)
    stickers.push_back(Plate{i % 2 ? "摊位" : "张三丰的小卖部（康城农贸市场）",
                             "农贸市场A区"s + std::to_string(i) + "号", "S"s + std::to_string(1000 + i),
                             code_url("http://127.0.0.1:8080/c/", uint64_t(500 + i))});
  const fs::path sticker_pdf = dir.path / "stickers.pdf";
  const Sheet sticker_sheet = write_sheet(sticker_pdf, Layout::sticker, stickers);
  ASSERT_EQ(PdfWriter::per_page(Layout::sticker), 24);
  expect_codes(sticker_pdf, Layout::sticker, sticker_sheet, 2);
  EXPECT_NE(run("pdftotext " + quoted(sticker_pdf) + " - 2>/dev/null").out.find("农贸市场A区29号"), std::string::npos);
}

TEST(PrintPdf, FullPagesAndZeroPlates) {
  REQUIRE_TOOLS("pdfinfo");
  TempDir dir;
  std::vector<Plate> eight;
  for (int i = 0; i < 8; ++i)
    eight.push_back(Plate{"康城社区", "1号楼", "N" + std::to_string(i), "https://x/c/" + std::to_string(i)});
  const Sheet full = write_sheet(dir.path / "full.pdf", Layout::door_plate, eight);
  EXPECT_EQ(full.pages, 1);
  EXPECT_EQ(pdf_pages(dir.path / "full.pdf"), 1);

  const Sheet none = write_sheet(dir.path / "none.pdf", Layout::sticker, {});
  EXPECT_EQ(none.pages, 1);
  EXPECT_EQ(pdf_pages(dir.path / "none.pdf"), 1);
}

TEST(PrintPdf, BadInputIsAnErrorAndLeavesTheWriterUsable) {
  TempDir dir;
  auto w = PdfWriter::open((dir.path / "bad.pdf").string(), Layout::sticker, "t");
  ASSERT_TRUE(w.ok()) << w.error().message;
  auto st = (*w)->add(Plate{"h", "a", "n", std::string(3000, 'u')});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid_input);
  EXPECT_EQ(st.error().field, "url");
  st = (*w)->add(Plate{"h", "\xC3\x28", "n", "https://x/c/1"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().field, "address");
  st = (*w)->add(Plate{"h", "a", "n", ""});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ((*w)->plates(), 0);
  EXPECT_TRUE((*w)->add(Plate{"h", "a", "n", "https://x/c/1"}).ok());
  EXPECT_EQ((*w)->plates(), 1);
  EXPECT_EQ((*w)->pages(), 1);
  EXPECT_TRUE((*w)->finish().ok());
  EXPECT_FALSE((*w)->finish().ok()) << "finished twice";
  EXPECT_FALSE((*w)->add(Plate{"h", "a", "n", "https://x/c/2"}).ok()) << "added after finish";
  EXPECT_EQ(read_file(dir.path / "bad.pdf").substr(0, 5), "%PDF-");
}

TEST(PrintPdf, UnwritablePathIsAnError) {
  TempDir dir;
  for (const fs::path& path : {dir.path / "no-such-dir" / "x.pdf", dir.path}) {
    auto w = PdfWriter::open(path.string(), Layout::door_plate, "t");
    ASSERT_FALSE(w.ok()) << path;
    EXPECT_EQ(w.error().code, Errc::internal);
    EXPECT_NE(w.error().message.find(path.string()), std::string::npos) << w.error().message;
  }
}

TEST(PrintPdf, DestructorWithoutFinishReleasesEverything) {
  TempDir dir;
  {
    auto w = PdfWriter::open((dir.path / "a.pdf").string(), Layout::door_plate, "t");
    ASSERT_TRUE(w.ok());
  }
  {
    auto w = PdfWriter::open((dir.path / "b.pdf").string(), Layout::door_plate, "t");
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 11; ++i) ASSERT_TRUE((*w)->add(Plate{"h", "a", "n", "https://x/c/" + std::to_string(i)}).ok());
  }
  // An unfinished document is incomplete: it is not left behind to be mistaken for a whole one.
  EXPECT_FALSE(fs::exists(dir.path / "a.pdf"));
  EXPECT_FALSE(fs::exists(dir.path / "b.pdf"));
}
