#pragma once
//! Printable PDF sheets of codes on A4 (cairo + pango, Noto CJK): door plates for households
//! and sticker sheets for stalls, rooms and facilities, with cut marks. Pages are written to
//! the output file as they fill, so a sheet of 50,000 plates never sits in memory.
//! Depends on core only.
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace mashang::print {

enum class Layout {
  door_plate,  //!< 2 × 4 per A4 page: community, address, number, a large code
  sticker,     //!< 4 × 6 per A4 page: label, number, a smaller code
};

//! What one plate shows. Every text is plain UTF-8 (Chinese included); empty lines are skipped.
struct Plate {
  std::string heading;  //!< the community's name (door plates), or the place's kind/owner (stickers)
  std::string address;  //!< "1号楼-2单元-301室", or a place's name
  std::string number;   //!< the short human-readable number, e.g. "K7M-4Q2"
  std::string url;      //!< what the code encodes
};

class PdfWriter {
 public:
  //! Creates (truncates) the PDF at `path`; pages go to disk as they are finished.
  static Result<std::unique_ptr<PdfWriter>> open(const std::string& path, Layout layout,
                                                 const std::string& title);
  ~PdfWriter();
  PdfWriter(const PdfWriter&) = delete;
  PdfWriter& operator=(const PdfWriter&) = delete;

  //! Places one plate in the next free cell, starting a new page when the last one is full.
  Status add(const Plate& plate);
  //! Writes the last page and closes the file. Without it the file is incomplete.
  Status finish();
  int64_t plates() const;
  int64_t pages() const;
  //! Plates per page for a layout.
  static int per_page(Layout layout);

 private:
  struct Impl;
  explicit PdfWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mashang::print
