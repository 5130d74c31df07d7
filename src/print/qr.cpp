//! QR symbols: qrcodegen at level Q (with a faster mask search of our own), a hand-written PNG
//! (1-bit grayscale, zlib) and an SVG path.
#include "print/qr.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <qrcodegen/qrcodegen.hpp>
#include <stdexcept>

namespace mashang::print {
namespace {

constexpr int kModulePxMax = 64;

void put_u32(std::string& out, uint32_t v) {
  const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out.append(b, 4);
}

//! Appends one PNG chunk: length, type, data, CRC over type and data.
void put_chunk(std::string& out, const char type[4], const unsigned char* data, size_t size) {
  put_u32(out, uint32_t(size));
  const size_t start = out.size();
  out.append(type, 4);
  if (size > 0) out.append(reinterpret_cast<const char*>(data), size);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(out.data() + start), uInt(out.size() - start));
  put_u32(out, uint32_t(crc));
}

// Mask selection as ISO/IEC 18004 §7.8.3 describes it and qrcodegen implements it: the same
// penalty arithmetic and the same tie-break (the lowest mask number), so the symbols are the
// ones qrcodegen's own search picks (print_test checks this for every version).
constexpr long kPenaltyN1 = 3, kPenaltyN2 = 3, kPenaltyN3 = 40, kPenaltyN4 = 10;
constexpr int kFormatQuartile = 3;  // the 2-bit code of level Q in the format information

bool mask_bit(int mask, int x, int y) {
  switch (mask) {
    case 0: return (x + y) % 2 == 0;
    case 1: return y % 2 == 0;
    case 2: return x % 3 == 0;
    case 3: return (x + y) % 3 == 0;
    case 4: return (x / 3 + y / 2) % 2 == 0;
    case 5: return x * y % 2 + x * y % 3 == 0;
    case 6: return (x * y % 2 + x * y % 3) % 2 == 0;
    default: return ((x + y) % 2 + x * y % 3) % 2 == 0;
  }
}

//! 1 for the modules a mask leaves alone: finder patterns with separators, timing, alignment
//! patterns, format and version information, the dark module.
std::vector<uint8_t> function_modules(int version, int size) {
  std::vector<uint8_t> f(size_t(size) * size_t(size), 0);
  const auto set = [&](int x, int y) {
    if (x >= 0 && y >= 0 && x < size && y < size) f[size_t(y) * size_t(size) + size_t(x)] = 1;
  };
  for (int i = 0; i < size; ++i) set(6, i), set(i, 6);
  for (const auto& [cx, cy] : {std::pair{3, 3}, std::pair{size - 4, 3}, std::pair{3, size - 4}})
    for (int dy = -4; dy <= 4; ++dy)
      for (int dx = -4; dx <= 4; ++dx) set(cx + dx, cy + dy);
  if (version > 1) {
    const int n = version / 7 + 2;
    const int step = version == 32 ? 26 : (version * 4 + n * 2 + 1) / (n * 2 - 2) * 2;
    std::vector<int> pos(static_cast<size_t>(n));
    pos[0] = 6;
    for (int i = n - 1, p = size - 7; i >= 1; --i, p -= step) pos[size_t(i)] = p;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        if ((i == 0 && j == 0) || (i == 0 && j == n - 1) || (i == n - 1 && j == 0)) continue;
        for (int dy = -2; dy <= 2; ++dy)
          for (int dx = -2; dx <= 2; ++dx) set(pos[size_t(i)] + dx, pos[size_t(j)] + dy);
      }
  }
  for (int i = 0; i <= 8; ++i) set(8, i), set(i, 8);
  for (int i = 0; i < 8; ++i) set(size - 1 - i, 8), set(8, size - 1 - i);
  if (version >= 7)
    for (int i = 0; i < 18; ++i) set(size - 11 + i % 3, i / 3), set(i / 3, size - 11 + i % 3);
  return f;
}

//! The 15 format bits of level Q with `mask`.
int format_bits(int mask) {
  const int data = kFormatQuartile << 3 | mask;
  int rem = data;
  for (int i = 0; i < 10; ++i) rem = (rem << 1) ^ ((rem >> 9) * 0x537);
  return (data << 10 | rem) ^ 0x5412;
}

//! Draws both copies of the format information for level Q and `mask` through `set(x, y, dark)`.
template <class Set>
void draw_format_bits(int size, int mask, const Set& set) {
  const int bits = format_bits(mask);
  const auto bit = [&](int i) { return (bits >> i & 1) != 0; };
  for (int i = 0; i <= 5; ++i) set(8, i, bit(i));
  set(8, 7, bit(6));
  set(8, 8, bit(7));
  set(7, 8, bit(8));
  for (int i = 9; i < 15; ++i) set(14 - i, 8, bit(i));
  for (int i = 0; i < 8; ++i) set(size - 1 - i, 8, bit(i));
  for (int i = 8; i < 15; ++i) set(8, size - 15 + i, bit(i));
  set(8, size - 8, true);
}

// The penalty works on bit rows and bit columns (up to 177 modules: three words a line), so
// that it walks runs rather than modules: eight masks cost less than qrcodegen's one encoding.
constexpr int kLineWords = 3;
using Line = std::array<uint64_t, kLineWords>;

//! Bits 0 … size − 1 of a line's word `w`.
uint64_t used_bits(int size, int w) {
  const int bits = size - 64 * w;
  return bits <= 0 ? 0 : bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
}

//! The penalty of one line: runs of five or more (N1) and finder-like patterns 1:1:3:1:1 with
//! four light modules on one side (N3), the light border counting as `size` light modules.
long line_penalty(const Line& line, int size) {
  long result = 0;
  int h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0, h5 = 0, h6 = 0;  // run lengths, latest first
  const auto push = [&](int length) {
    if (h0 == 0) length += size;  // the light border before the first run
    h6 = h5, h5 = h4, h4 = h3, h3 = h2, h2 = h1, h1 = h0, h0 = length;
  };
  const auto finder_patterns = [&] {
    const int n = h1;
    const bool core = n > 0 && h2 == n && h3 == n * 3 && h4 == n && h5 == n;
    return (core && h0 >= n * 4 && h6 >= n ? 1 : 0) + (core && h6 >= n * 4 && h0 >= n ? 1 : 0);
  };
  const auto run_penalty = [](int length) { return length >= 5 ? kPenaltyN1 + length - 5 : 0; };
  bool light = true;  // the colour of the run in progress; every line starts light
  int start = 0;
  for (int w = 0; w < kLineWords; ++w) {
    const uint64_t carry = w > 0 ? line[size_t(w - 1)] >> 63 : 0;
    uint64_t changes = (line[size_t(w)] ^ (line[size_t(w)] << 1 | carry)) & used_bits(size, w);
    for (; changes != 0; changes &= changes - 1) {
      const int at = 64 * w + std::countr_zero(changes);
      result += run_penalty(at - start);
      push(at - start);
      if (light) result += finder_patterns() * kPenaltyN3;
      light = !light;
      start = at;
    }
  }
  result += run_penalty(size - start);
  if (light) {
    push(size - start + size);  // the last run merges with the light border
  } else {
    push(size - start);
    push(size);
  }
  return result + finder_patterns() * kPenaltyN3;
}

//! A symbol as bit rows and bit columns.
struct Board {
  std::vector<Line> rows, columns;
  explicit Board(int size) : rows(size_t(size)), columns(size_t(size)) {}
  void set(int x, int y, bool dark) {
    const uint64_t xb = uint64_t(1) << (x % 64), yb = uint64_t(1) << (y % 64);
    uint64_t& r = rows[size_t(y)][size_t(x / 64)];
    uint64_t& c = columns[size_t(x)][size_t(y / 64)];
    r = dark ? r | xb : r & ~xb;
    c = dark ? c | yb : c & ~yb;
  }
};

long penalty(const Board& b, int size) {
  long result = 0, dark = 0;
  for (int i = 0; i < size; ++i)
    result += line_penalty(b.rows[size_t(i)], size) + line_penalty(b.columns[size_t(i)], size);
  for (int y = 0; y < size; ++y) {
    const Line& r0 = b.rows[size_t(y)];
    for (int w = 0; w < kLineWords; ++w) dark += std::popcount(r0[size_t(w)]);
    if (y + 1 == size) break;
    const Line& r1 = b.rows[size_t(y + 1)];
    for (int w = 0; w < kLineWords; ++w) {
      // Bit x: modules x and x + 1 of both rows have one colour (2×2 blocks, N2).
      const auto next = [&](const Line& r) {
        return r[size_t(w)] >> 1 | (w + 1 < kLineWords ? r[size_t(w + 1)] << 63 : 0);
      };
      const uint64_t same =
          ~(r0[size_t(w)] ^ next(r0)) & ~(r0[size_t(w)] ^ r1[size_t(w)]) & ~(r1[size_t(w)] ^ next(r1));
      result += std::popcount(same & used_bits(size - 1, w)) * kPenaltyN2;
    }
  }
  const long total = long(size) * size;
  const long k = (std::labs(dark * 20 - total * 10) + total - 1) / total - 1;
  return result + k * kPenaltyN4;
}

//! Per version, cached: for every module a byte whose bit k is set when mask k flips it (never
//! for function modules), and the same as a board per mask.
struct MaskTables {
  int version = 0;
  std::vector<uint8_t> bytes;
  std::vector<Board> boards;
};

const MaskTables& mask_tables(int version, int size) {
  thread_local MaskTables t;
  if (t.version != version) {
    const auto func = function_modules(version, size);
    t.bytes.assign(func.size(), 0);
    t.boards.assign(8, Board(size));
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        const size_t i = size_t(y) * size_t(size) + size_t(x);
        if (func[i]) continue;
        for (int mask = 0; mask < 8; ++mask) {
          const bool flip = mask_bit(mask, x, y);
          t.bytes[i] |= uint8_t(flip << mask);
          if (flip) t.boards[size_t(mask)].set(x, y, true);
        }
      }
    t.version = version;
  }
  return t;
}

//! Replaces mask 0 in `qr` by the mask with the lowest penalty (the lowest number on a tie).
void apply_best_mask(QrCode& qr, int version) {
  const int size = qr.size;
  const MaskTables& t = mask_tables(version, size);
  std::vector<uint8_t> plain(qr.dark.size());
  Board unmasked(size);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const size_t i = size_t(y) * size_t(size) + size_t(x);
      plain[i] = qr.dark[i] ^ (t.bytes[i] & 1);  // undo mask 0
      if (plain[i]) unmasked.set(x, y, true);
    }
  Board candidate(size);
  long best_penalty = std::numeric_limits<long>::max();
  int best = 0;
  for (int mask = 0; mask < 8; ++mask) {
    const Board& m = t.boards[size_t(mask)];
    for (int i = 0; i < size; ++i)
      for (int w = 0; w < kLineWords; ++w) {
        candidate.rows[size_t(i)][size_t(w)] = unmasked.rows[size_t(i)][size_t(w)] ^ m.rows[size_t(i)][size_t(w)];
        candidate.columns[size_t(i)][size_t(w)] =
            unmasked.columns[size_t(i)][size_t(w)] ^ m.columns[size_t(i)][size_t(w)];
      }
    draw_format_bits(size, mask, [&](int x, int y, bool dark) { candidate.set(x, y, dark); });
    if (const long p = penalty(candidate, size); p < best_penalty) {
      best_penalty = p;
      best = mask;
    }
  }
  for (size_t i = 0; i < plain.size(); ++i) qr.dark[i] = plain[i] ^ ((t.bytes[i] >> best) & 1);
  draw_format_bits(size, best,
                   [&](int x, int y, bool dark) { qr.dark[size_t(y) * size_t(size) + size_t(x)] = dark ? 1 : 0; });
}

}  // namespace

Result<QrCode> encode(std::string_view text) {
  std::optional<qrcodegen::QrCode> sym;
  try {
    // Numeric or alphanumeric text packs tighter than bytes; makeSegments needs a C string,
    // so text holding a NUL goes in as bytes.
    std::vector<qrcodegen::QrSegment> segs;
    if (text.find('\0') == std::string_view::npos) {
      segs = qrcodegen::QrSegment::makeSegments(std::string(text).c_str());
    } else {
      segs.push_back(qrcodegen::QrSegment::makeBytes(std::vector<uint8_t>(text.begin(), text.end())));
    }
    // Mask 0 here, the best mask below: qrcodegen's own search takes ten times as long.
    sym = qrcodegen::QrCode::encodeSegments(segs, qrcodegen::QrCode::Ecc::QUARTILE, qrcodegen::QrCode::MIN_VERSION,
                                            qrcodegen::QrCode::MAX_VERSION, 0, /*boostEcl=*/false);
  } catch (const std::length_error&) {  // qrcodegen::data_too_long, or a segment too long
    return make_error(Errc::invalid_input, "the text is " + std::to_string(text.size()) +
                                               " bytes, too long for a QR code at error correction level Q");
  }
  QrCode qr;
  qr.size = sym->getSize();
  qr.dark.resize(size_t(qr.size) * size_t(qr.size));
  for (int y = 0; y < qr.size; ++y)
    for (int x = 0; x < qr.size; ++x) qr.dark[size_t(y) * size_t(qr.size) + size_t(x)] = sym->getModule(x, y) ? 1 : 0;
  apply_best_mask(qr, sym->getVersion());
  return qr;
}

std::string png(const QrCode& qr, int module_px) {
  const int px = std::clamp(module_px, 1, kModulePxMax);
  const int modules = qr.size + 2 * kQuietModules;
  const uint32_t side = uint32_t(modules) * uint32_t(px);
  const size_t row_bytes = 1 + (side + 7) / 8;  // filter byte + 1 bit per pixel

  // Raw scanlines: filter 0 (none), 1 = white. Every module row repeats `px` times.
  std::vector<unsigned char> raw(row_bytes * side);
  std::vector<unsigned char> line(row_bytes);
  for (int my = 0; my < modules; ++my) {
    std::fill(line.begin(), line.end(), 0xFF);
    line[0] = 0;
    const int qy = my - kQuietModules;
    if (qy >= 0 && qy < qr.size) {
      for (int mx = kQuietModules; mx < kQuietModules + qr.size; ++mx) {
        if (!qr.at(mx - kQuietModules, qy)) continue;
        for (uint32_t p = uint32_t(mx) * uint32_t(px), end = p + uint32_t(px); p < end; ++p)
          line[1 + p / 8] &= static_cast<unsigned char>(~(0x80u >> (p % 8)));
      }
    }
    for (int r = 0; r < px; ++r)
      std::memcpy(raw.data() + (size_t(my) * size_t(px) + size_t(r)) * row_bytes, line.data(), row_bytes);
  }

  uLongf packed_size = compressBound(uLong(raw.size()));
  std::vector<unsigned char> packed(packed_size);
  if (compress2(packed.data(), &packed_size, raw.data(), uLong(raw.size()), Z_BEST_COMPRESSION) != Z_OK)
    return {};  // only on allocation failure

  std::string out;
  out.reserve(8 + 25 + 12 + packed_size + 12);
  out.append("\x89PNG\r\n\x1a\n", 8);
  std::array<unsigned char, 13> ihdr{};
  for (int i = 0; i < 4; ++i) {
    ihdr[size_t(i)] = static_cast<unsigned char>(side >> (24 - 8 * i));
    ihdr[size_t(4 + i)] = static_cast<unsigned char>(side >> (24 - 8 * i));
  }
  ihdr[8] = 1;   // bit depth
  ihdr[9] = 0;   // grayscale
  ihdr[10] = 0;  // deflate
  ihdr[11] = 0;  // adaptive filtering
  ihdr[12] = 0;  // no interlace
  put_chunk(out, "IHDR", ihdr.data(), ihdr.size());
  put_chunk(out, "IDAT", packed.data(), packed_size);
  put_chunk(out, "IEND", nullptr, 0);
  return out;
}

std::string svg(const QrCode& qr) {
  const std::string n = std::to_string(qr.size + 2 * kQuietModules);
  std::string out;
  out.reserve(256 + size_t(qr.size) * size_t(qr.size) * 4);
  out += R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )" + n + " " + n +
         R"(" shape-rendering="crispEdges"><rect width=")" + n + R"(" height=")" + n +
         R"(" fill="#fff"/><path fill="#000" d=")";
  for (int y = 0; y < qr.size; ++y) {
    for (int x = 0; x < qr.size;) {
      if (!qr.at(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < qr.size && qr.at(x + run, y)) ++run;
      const std::string len = std::to_string(run);
      out += 'M' + std::to_string(x + kQuietModules) + ' ' + std::to_string(y + kQuietModules) + 'h' + len + "v1h-" +
             len + 'z';
      x += run;
    }
  }
  out += R"("/></svg>)";
  out += '\n';
  return out;
}

}  // namespace mashang::print
