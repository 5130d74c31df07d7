#pragma once
//! A small zip reader, enough for .xlsx packages: stored and deflate entries, no zip64, no
//! encryption, one disk. Every offset and size is checked against the bytes; no declared size
//! is trusted (inflated bytes are counted against a budget as they come out).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"

namespace mashang::sheet::zip {

//! One central-directory entry.
struct Entry {
  std::string name;
  uint16_t flags = 0;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0;
  uint64_t uncompressed = 0;  //!< as declared; checked after inflating, never used to size buffers
  uint64_t local_offset = 0;
};

//! Receives an entry's bytes in chunks.
using ChunkSink = std::function<Status(std::string_view)>;

//! The central directory of a zip held in memory.
class Archive {
 public:
  //! Reads the directory of `bytes`, which must outlive the archive.
  static Result<Archive> open(std::string_view bytes);
  //! The entry named `name` (ASCII case-insensitive, like OPC part names), or nullptr.
  const Entry* find(std::string_view name) const;
  //! Inflates `entry`, passing its bytes to `sink` in chunks. `budget` is what may still be
  //! inflated and is decreased as bytes come out; running out is Errc::too_large.
  Status extract(const Entry& entry, size_t& budget, const ChunkSink& sink) const;

 private:
  std::string_view bytes_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;  // lower-case name → entries_ index
};

}  // namespace mashang::sheet::zip
