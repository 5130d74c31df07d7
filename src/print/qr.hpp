#pragma once
//! QR codes for printing and screens: encoding through qrcodegen, PNG and SVG rendering.
//! Depends on core only. Error correction is level Q (about 25 % of the symbol may be lost):
//! door plates live outdoors for years, get scratched, sun-bleached and partly covered, and
//! our URLs are short enough (about 50 bytes) that Q still fits a version 4–5 symbol (33–37
//! modules), which scans from a phone at arm's length when printed 3 cm wide or larger.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace mashang::print {

//! The light border every reader needs around a symbol (ISO/IEC 18004 asks for 4 modules).
inline constexpr int kQuietModules = 4;

//! The module matrix of one symbol, without the quiet zone.
struct QrCode {
  int size = 0;                //!< modules per side
  std::vector<uint8_t> dark;   //!< size * size, row-major, 1 = dark
  bool at(int x, int y) const { return dark[static_cast<size_t>(y) * size + x] != 0; }
};

//! Encodes `text` (bytes, usually a URL) at level Q; an error when it does not fit a symbol.
Result<QrCode> encode(std::string_view text);

//! A grayscale PNG of the symbol with its quiet zone, `module_px` pixels per module (1–64).
std::string png(const QrCode& qr, int module_px);

//! An SVG of the symbol with its quiet zone: one path, one unit per module, crisp edges.
std::string svg(const QrCode& qr);

}  // namespace mashang::print
