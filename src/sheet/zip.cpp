#include "sheet/zip.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>

namespace mashang::sheet::zip {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr size_t kEntriesMax = 10000;  // an .xlsx has a few dozen parts
constexpr size_t kChunkBytes = 64 * 1024;

uint16_t u16(std::string_view b, size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return uint16_t(p[0] | p[1] << 8);
}
uint32_t u32(std::string_view b, size_t at) { return uint32_t(u16(b, at)) | uint32_t(u16(b, at + 2)) << 16; }

Error damaged(const std::string& what) { return make_error(Errc::invalid_input, "the .xlsx file is damaged: " + what); }
Error unsupported(const std::string& what) {
  return make_error(Errc::invalid_input,
                    "the .xlsx file uses " + what + ", which is not supported; save it again in Excel");
}
Error over_budget() {
  return make_error(Errc::too_large, "the .xlsx file unpacks to more than the allowed size (xlsx_uncompressed_max)");
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return r;
}

}  // namespace

Result<Archive> Archive::open(std::string_view b) {
  if (b.size() < 22) return damaged("it is too short to be a zip file");
  // The end-of-directory record is the last 22 bytes plus a comment of at most 65535 bytes.
  const size_t lowest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
  size_t eocd = std::string_view::npos;
  for (size_t at = b.size() - 22 + 1; at-- > lowest;) {
    if (u32(b, at) == kEndOfDirectory && at + 22 + u16(b, at + 20) == b.size()) {
      eocd = at;
      break;
    }
  }
  if (eocd == std::string_view::npos) return damaged("the zip directory at its end is missing (is the file cut off?)");
  if (eocd >= 20 && u32(b, eocd - 20) == kZip64Locator) return unsupported("zip64");
  const uint16_t disk = u16(b, eocd + 4), directory_disk = u16(b, eocd + 6);
  const uint16_t count_here = u16(b, eocd + 8), count = u16(b, eocd + 10);
  const uint32_t directory_size = u32(b, eocd + 12), directory_offset = u32(b, eocd + 16);
  if (count == 0xFFFF || directory_size == 0xFFFFFFFF || directory_offset == 0xFFFFFFFF) return unsupported("zip64");
  if (disk != 0 || directory_disk != 0 || count_here != count) return unsupported("a zip split over several files");
  if (directory_offset > eocd || directory_size > eocd - directory_offset)
    return damaged("the zip directory lies outside the file");
  if (count > kEntriesMax) return damaged("the zip has more than " + std::to_string(kEntriesMax) + " entries");

  Archive archive;
  archive.bytes_ = b;
  archive.entries_.reserve(count);
  size_t at = directory_offset;
  const size_t end = size_t(directory_offset) + directory_size;
  for (size_t i = 0; i < count; ++i) {
    if (end - at < 46 || u32(b, at) != kDirectoryEntry)
      return damaged("zip directory entry " + std::to_string(i + 1) + " is broken");
    const size_t name_len = u16(b, at + 28), extra_len = u16(b, at + 30), comment_len = u16(b, at + 32);
    if (end - at - 46 < name_len + extra_len + comment_len)
      return damaged("zip directory entry " + std::to_string(i + 1) + " runs past the directory");
    Entry e;
    e.flags = u16(b, at + 8);
    e.method = u16(b, at + 10);
    e.crc = u32(b, at + 16);
    e.compressed = u32(b, at + 20);
    e.uncompressed = u32(b, at + 24);
    e.local_offset = u32(b, at + 42);
    e.name = std::string(b.substr(at + 46, name_len));
    if (e.compressed == 0xFFFFFFFF || e.uncompressed == 0xFFFFFFFF || e.local_offset == 0xFFFFFFFF)
      return unsupported("zip64");
    if (e.name.empty() || e.name.find('\0') != std::string::npos) return damaged("a zip entry has an invalid name");
    if (!archive.index_.emplace(lower(e.name), archive.entries_.size()).second)
      return damaged("two zip entries are named " + e.name);
    archive.entries_.push_back(std::move(e));
    at += 46 + name_len + extra_len + comment_len;
  }
  return archive;
}

const Entry* Archive::find(std::string_view name) const {
  auto it = index_.find(lower(name));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

Status Archive::extract(const Entry& e, size_t& budget, const ChunkSink& sink) const {
  const std::string_view b = bytes_;
  if (e.flags & 1) return unsupported("encryption (a password)");
  if (e.method != 0 && e.method != 8) return unsupported("compression method " + std::to_string(e.method));
  if (e.local_offset > b.size() || b.size() - e.local_offset < 30 || u32(b, e.local_offset) != kLocalHeader)
    return damaged("the zip entry " + e.name + " has no valid local header");
  const size_t data = e.local_offset + 30 + u16(b, e.local_offset + 26) + u16(b, e.local_offset + 28);
  if (data > b.size() || e.compressed > b.size() - data)
    return damaged("the zip entry " + e.name + " runs past the end of the file");
  const std::string_view in = b.substr(data, e.compressed);
  if (e.uncompressed > budget) return over_budget();  // early refusal; the real count is below

  uLong crc = crc32(0, nullptr, 0);
  uint64_t total = 0;
  auto emit = [&](const char* p, size_t n) -> Status {
    if (n > budget) return over_budget();
    budget -= n;
    total += n;
    crc = crc32(crc, reinterpret_cast<const Bytef*>(p), uInt(n));
    return sink(std::string_view(p, n));
  };

  if (e.method == 0) {
    for (size_t off = 0; off < in.size(); off += kChunkBytes) {
      const size_t n = std::min(kChunkBytes, in.size() - off);
      if (auto st = emit(in.data() + off, n); !st) return st;
    }
  } else {
    z_stream zs{};
    if (inflateInit2(&zs, -15) != Z_OK) return make_error(Errc::internal, "zlib could not start inflating");
    struct End {
      z_stream* z;
      ~End() { inflateEnd(z); }
    } end{&zs};
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = uInt(in.size());
    std::vector<char> out(kChunkBytes);
    for (;;) {
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = uInt(out.size());
      const int rc = inflate(&zs, Z_NO_FLUSH);
      const size_t got = out.size() - zs.avail_out;
      if (got > 0) {
        if (auto st = emit(out.data(), got); !st) return st;
      }
      if (rc == Z_STREAM_END) break;
      if (rc == Z_BUF_ERROR && zs.avail_in == 0) return damaged("the compressed data of " + e.name + " ends early");
      if (rc != Z_OK)
        return damaged("the compressed data of " + e.name + " is corrupt (" + (zs.msg ? zs.msg : "zlib error") + ")");
    }
  }
  if (total != e.uncompressed || uint32_t(crc) != e.crc)
    return damaged("the size or checksum of " + e.name + " does not match its zip directory");
  return ok_status();
}

}  // namespace mashang::sheet::zip
