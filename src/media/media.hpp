#pragma once
//! Uploaded photos (随手拍 reports, completion evidence): hostile bytes in, a clean JPEG out.
//! The type comes from the bytes (never a name or a Content-Type); the header is read and
//! its size checked before any pixel is decoded; decoding fails on any corrupt or truncated
//! data; what is stored is re-encoded by libvips (orientation applied, sRGB, alpha flattened
//! onto white, no metadata at all), so nothing of the upload but its pixels survives.
//! libvips stays inside media.cpp: no header here includes it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace mashang::media {

//! Starts libvips once for the process (thread-safe; process() calls it too): one thread per
//! operation, no operation cache, untrusted loaders blocked, libvips warnings to the debug log.
//! Throws Fault if libvips cannot start.
void init();

//! The image types accepted.
enum class Type { jpeg, png, webp };

//! Stable lowercase name ("jpeg", "png", "webp").
const char* type_name(Type type);

//! The type by magic bytes alone (JPEG FF D8 FF, PNG signature, RIFF....WEBP); nullopt for
//! anything else (GIF, PDF, HTML, HEIC, ...).
std::optional<Type> sniff(std::string_view bytes);

//! What one upload may cost.
struct Limits {
  int64_t bytes_max = 15 << 20;     //!< size of the upload (over it: too_large)
  int64_t pixels_max = 50'000'000;  //!< width × height of the source, from its header
  int side_max = 12000;             //!< longest side of the source
  int stored_side_max = 2560;       //!< longest side of the stored image (never upscaled)
  int thumb_side = 320;             //!< longest side of the thumbnail (never upscaled)
  int jpeg_quality = 82;            //!< quality of both JPEGs written
};

//! A position from the photo's EXIF GPS tags: WGS84 decimal degrees, in range.
struct Gps {
  double lat = 0;
  double lon = 0;
};

//! A processed upload.
struct Processed {
  Type source = Type::jpeg;  //!< what was uploaded
  int width = 0;             //!< stored image, after orientation and downsizing
  int height = 0;
  std::string image;  //!< stored image: baseline JPEG, sRGB, orientation applied, no metadata
  int thumb_width = 0;
  int thumb_height = 0;
  std::string thumb;       //!< thumbnail JPEG (from the stored image), no metadata
  std::optional<Gps> gps;  //!< from the source's EXIF before it was dropped; absent if missing or invalid
  std::string hash;        //!< content hash of `image`: BLAKE2b-256 (crypto::token_hash), 64 hex digits
};

//! Checks, decodes and re-encodes one upload. Errors:
//!  - too_large: more than `bytes_max` bytes (checked first, before anything is read);
//!  - unsupported_media_type: not JPEG, PNG or WebP by its magic bytes, or bytes that start like
//!    one but whose header is not a valid one (a polyglot, an HTML page behind a JPEG marker);
//!  - invalid_input: a header larger than `pixels_max` / `side_max` (refused before decoding:
//!    a 40,000 × 40,000 bomb allocates nothing), or pixel data that is truncated or corrupt.
//! Blocks for the time of a decode and two encodes (~0.1–0.5 s for a phone photo): call it from
//! a worker thread, never an I/O thread.
Result<Processed> process(std::string_view bytes, const Limits& limits = {});

}  // namespace mashang::media
