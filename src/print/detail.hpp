#pragma once
//! Internals of src/print/ shared with its tests (not part of the public API).
#include <cstdint>
#include <vector>

#include "print/plates.hpp"
#include "print/qr.hpp"

namespace mashang::print::detail {

//! A rectangle on the page in points, from the page's top-left corner.
struct Box {
  double x = 0, y = 0, w = 0, h = 0;
};

//! Cell `index` (0 … per_page − 1, row by row) of a layout's page: what is cut out along the marks.
Box cell(Layout layout, int index);

//! A run of dark modules one module wide, in modules from the symbol's top-left corner.
struct Segment {
  int x = 0, y = 0, len = 0;
  bool vertical = false;
};

//! Reused between calls of cover().
struct CoverScratch {
  std::vector<Segment> other;
  std::vector<uint8_t> single;
};

//! Segments that together cover exactly the dark modules of `qr` (crossing ones overlap): the
//! runs of two or more along the rows, and vertical runs through the modules alone in their
//! row — or the same with rows and columns swapped, whichever needs fewer.
void cover(const QrCode& qr, std::vector<Segment>& out, CoverScratch& scratch);

}  // namespace mashang::print::detail
