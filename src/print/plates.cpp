//! A4 sheets of plates: cairo's PDF surface (pages go to the file on every cairo_show_page),
//! text through pango with Noto Sans CJK SC, codes as vector paths on a 600 dpi grid.
#include "print/plates.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "core/text.hpp"
#include "print/detail.hpp"
#include "print/qr.hpp"

namespace mashang::print {
namespace {

constexpr double kMm = 72.0 / 25.4;  // points per millimetre
constexpr double kPageW = 595.276, kPageH = 841.89;
constexpr double kDot = 72.0 / 600;  // a 600 dpi printer dot: module edges fall on whole dots
constexpr const char* kFamily = "Noto Sans CJK SC";
constexpr double kMarkWidth = 0.25;  // cut mark line width, pt

//! How a layout divides the page, in points.
struct Grid {
  int cols = 0, rows = 0;
  double margin_x = 0, margin_y = 0, gutter = 0;
  double mark_gap = 0, mark_len = 0;  // cut marks start `mark_gap` outside a corner, `mark_len` long
  double cell_w() const { return (kPageW - 2 * margin_x - (cols - 1) * gutter) / cols; }
  double cell_h() const { return (kPageH - 2 * margin_y - (rows - 1) * gutter) / rows; }
};

// Neighbouring cells' marks share a gutter: 2 * (mark_gap + mark_len) stays below it.
constexpr Grid kDoorGrid{2, 4, 10 * kMm, 10 * kMm, 6 * kMm, 0.8 * kMm, 1.8 * kMm};
constexpr Grid kStickerGrid{4, 6, 6 * kMm, 6 * kMm, 3.6 * kMm, 0.4 * kMm, 1.3 * kMm};

const Grid& grid_of(Layout layout) { return layout == Layout::door_plate ? kDoorGrid : kStickerGrid; }

//! One text role: a layout kept for the whole document, with its font, width and line limit set.
struct Text {
  PangoLayout* layout = nullptr;
  double line_h = 0;  // height of one line, pt

  //! Sets `s` and returns the height it takes.
  double set(const std::string& s) {
    pango_layout_set_text(layout, s.data(), int(s.size()));
    return height();
  }
  double height() const {
    PangoRectangle logical;
    pango_layout_get_extents(layout, nullptr, &logical);
    return double(logical.height) / PANGO_SCALE;
  }
  double width() const {
    PangoRectangle logical;
    pango_layout_get_extents(layout, nullptr, &logical);
    return double(logical.width) / PANGO_SCALE;
  }
  void set_width(double w) { pango_layout_set_width(layout, int(w * PANGO_SCALE)); }
  void show(cairo_t* cr, double x, double y) const {
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, layout);
  }
};

bool has_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}
std::string one_line(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  return s;
}

//! Collects segments one module wide that cover every dark module: the runs of two or more
//! along the lines (rows, or columns when `transposed`), and for the modules left alone in
//! their line, the runs across through them. Fewer segments than runs in one direction (about
//! 290 against 355 for a version 5 symbol), and the PDF size and time follow the segments.
void collect(const QrCode& qr, bool transposed, std::vector<detail::Segment>& out, std::vector<uint8_t>& single) {
  const int n = qr.size;
  const auto dark = [&](int along, int line) { return transposed ? qr.at(line, along) : qr.at(along, line); };
  const auto add = [&](int along, int line, int len, bool cross) {
    const bool vertical = transposed != cross;
    out.push_back(transposed ? detail::Segment{line, along, len, vertical}
                             : detail::Segment{along, line, len, vertical});
  };
  out.clear();
  single.assign(size_t(n) * size_t(n), 0);
  for (int line = 0; line < n; ++line)
    for (int a = 0; a < n;) {
      if (!dark(a, line)) {
        ++a;
        continue;
      }
      int len = 1;
      while (a + len < n && dark(a + len, line)) ++len;
      if (len >= 2)
        add(a, line, len, false);
      else
        single[size_t(line) * size_t(n) + size_t(a)] = 1;
      a += len;
    }
  for (int a = 0; a < n; ++a)
    for (int line = 0; line < n;) {
      if (!dark(a, line)) {
        ++line;
        continue;
      }
      int len = 0;
      bool needed = false;
      for (; line + len < n && dark(a, line + len); ++len)
        needed = needed || single[size_t(line + len) * size_t(n) + size_t(a)];
      if (needed) add(a, line, len, true);
      line += len;
    }
}

Error cairo_failure(const std::string& what, cairo_status_t status) {
  return make_error(Errc::internal, what + ": " + cairo_status_to_string(status));
}

}  // namespace

struct PdfWriter::Impl {
  Layout layout = Layout::door_plate;
  std::string path;
  Grid grid;
  cairo_surface_t* surface = nullptr;
  cairo_t* cr = nullptr;
  PangoFontMap* font_map = nullptr;  // own map: a writer may move between threads
  PangoContext* context = nullptr;
  std::array<PangoFontDescription*, 5> fonts{};
  Text heading, number;
  std::array<Text, 3> address;  // largest first; a long address steps down before it is ellipsized
  int address_sizes = 1;
  std::array<double, 3> address_pt{};     // the sizes of `address`, largest first
  Text probe;                             // the largest address size, unconstrained: measures
  std::vector<size_t> breaks;             // scratch space of fit_address()
  std::vector<detail::Segment> segments;  // scratch space of draw_code()
  detail::CoverScratch cover_scratch;
  std::string scratch;

  // Cell geometry (relative to the cell's top-left corner), computed once in open().
  double code_x = 0, code_y = 0, code_side = 0;
  double text_x = 0, text_y = 0, text_w = 0;
  double number_y = 0;

  int64_t plates = 0;
  int64_t pages_shown = 0;
  int on_page = 0;  // plates on the page being drawn
  bool finished = false;
  std::optional<Error> failed;

  ~Impl() {
    for (Text* t : {&heading, &number, &address[0], &address[1], &address[2], &probe})
      if (t->layout) g_object_unref(t->layout);
    if (context) g_object_unref(context);
    if (font_map) g_object_unref(font_map);
    for (auto* f : fonts)
      if (f) pango_font_description_free(f);
    if (cr) cairo_destroy(cr);
    if (surface) {
      cairo_surface_destroy(surface);  // finishes the document if finish() did not
      if (!finished) std::remove(path.c_str());
    }
  }

  PangoFontDescription* font(size_t slot, double size_pt, PangoWeight weight) {
    auto* f = pango_font_description_new();
    pango_font_description_set_family_static(f, kFamily);
    pango_font_description_set_weight(f, weight);
    pango_font_description_set_absolute_size(f, size_pt * PANGO_SCALE);  // 1 cairo unit = 1 pt
    fonts[slot] = f;
    return f;
  }

  Text text(PangoFontDescription* f, int max_lines, PangoAlignment align) {
    Text t;
    t.layout = pango_layout_new(context);
    pango_layout_set_font_description(t.layout, f);
    pango_layout_set_wrap(t.layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_ellipsize(t.layout, PANGO_ELLIPSIZE_END);
    pango_layout_set_height(t.layout, -max_lines);  // negative: at most that many lines
    pango_layout_set_alignment(t.layout, align);
    pango_layout_set_text(t.layout, "编号Ag", -1);
    t.line_h = t.height();
    return t;
  }

  void setup_door_plate() {
    const double cell_w = grid.cell_w(), cell_h = grid.cell_h();
    heading = text(font(0, 11, PANGO_WEIGHT_BOLD), 2, PANGO_ALIGN_LEFT);
    address_pt = {20, 17, 14};
    address_sizes = 3;
    for (size_t i = 0; i < address.size(); ++i)
      address[i] = text(font(1 + i, address_pt[i], PANGO_WEIGHT_BOLD), 2, PANGO_ALIGN_LEFT);
    probe = text(fonts[1], 1, PANGO_ALIGN_LEFT);  // the font of address[0]
    pango_layout_set_ellipsize(probe.layout, PANGO_ELLIPSIZE_NONE);
    number = text(font(4, 12, PANGO_WEIGHT_NORMAL), 1, PANGO_ALIGN_CENTER);
    // The code (with its quiet zone) on the right, the number centred under it, the block
    // centred vertically; heading and address in the column to the left.
    code_side = 48 * kMm;
    code_x = cell_w - 1.5 * kMm - code_side;
    code_y = (cell_h - code_side - number.line_h) / 2;
    number_y = code_y + code_side;
    number.set_width(code_side);
    text_x = 3 * kMm;
    text_y = code_y + 4 * kMm;  // about where the dark modules start
    text_w = code_x - text_x - 1 * kMm;
    heading.set_width(text_w);
    for (auto& a : address) a.set_width(text_w);
  }

  void setup_sticker() {
    const double cell_w = grid.cell_w(), cell_h = grid.cell_h();
    const double pad = 1.2 * kMm;
    heading = text(font(0, 6.5, PANGO_WEIGHT_BOLD), 1, PANGO_ALIGN_LEFT);
    number = text(font(1, 7, PANGO_WEIGHT_BOLD), 1, PANGO_ALIGN_LEFT);
    pango_layout_set_width(number.layout, -1);  // measured per plate, drawn right-aligned
    address[0] = text(font(2, 7.5, PANGO_WEIGHT_NORMAL), 1, PANGO_ALIGN_LEFT);
    address_sizes = 1;
    // Line 1: heading, number on the right; line 2: the place's name; the code below.
    text_x = pad;
    text_y = pad;
    text_w = cell_w - 2 * pad;
    address[0].set_width(text_w);
    const double band = pad + std::max(heading.line_h, number.line_h) + address[0].line_h;
    code_side = std::min(cell_w - 2 * pad, cell_h - band - 0.8 * kMm);
    code_x = (cell_w - code_side) / 2;
    code_y = band;
  }

  //! The code as one stroke of module-wide segments with butt caps: one painting operation, so
  //! no hairline seams between modules in anti-aliasing viewers, and half the numbers of a
  //! path of rectangles. Modules are whole 600 dpi dots.
  void draw_code(const QrCode& qr, double box_x, double box_y) {
    const int modules = qr.size + 2 * kQuietModules;
    double m = code_side / modules;
    if (m >= kDot) m = std::floor(m / kDot) * kDot;
    const double span = m * modules;
    const double x0 = std::round((box_x + (code_side - span) / 2) / kDot) * kDot + kQuietModules * m;
    const double y0 = std::round((box_y + (code_side - span) / 2) / kDot) * kDot + kQuietModules * m;
    detail::cover(qr, segments, cover_scratch);
    cairo_new_path(cr);
    for (const detail::Segment& s : segments) {
      if (s.vertical) {
        cairo_move_to(cr, x0 + (s.x + 0.5) * m, y0 + s.y * m);
        cairo_line_to(cr, x0 + (s.x + 0.5) * m, y0 + (s.y + s.len) * m);
      } else {
        cairo_move_to(cr, x0 + s.x * m, y0 + (s.y + 0.5) * m);
        cairo_line_to(cr, x0 + (s.x + s.len) * m, y0 + (s.y + 0.5) * m);
      }
    }
    cairo_set_line_width(cr, m);
    cairo_stroke(cr);
    cairo_set_line_width(cr, kMarkWidth);
  }

  //! Short lines outside each corner of the cell, along its edges.
  void draw_marks(double x, double y) {
    const double w = grid.cell_w(), h = grid.cell_h(), g = grid.mark_gap, l = grid.mark_len;
    cairo_new_path(cr);
    for (const auto& [cx, dx] : {std::pair{x, -1.0}, std::pair{x + w, 1.0}}) {
      for (const auto& [cy, dy] : {std::pair{y, -1.0}, std::pair{y + h, 1.0}}) {
        cairo_move_to(cr, cx + dx * g, cy);
        cairo_line_to(cr, cx + dx * (g + l), cy);
        cairo_move_to(cr, cx, cy + dy * g);
        cairo_line_to(cr, cx, cy + dy * (g + l));
      }
    }
    cairo_stroke(cr);
  }

  //! The address of a door plate in the largest size that shows it whole: on one line, else
  //! broken after a separator ("2号楼-3单元-" / "2001室"), else wrapped anywhere; the
  //! smallest size ellipsized when nothing fits in two lines.
  Text& fit_address(const std::string& s) {
    breaks.clear();
    for (size_t i = 0; i + 1 < s.size(); ++i)
      if (s[i] == '-' || s[i] == '/' || s[i] == ' ') breaks.push_back(i + 1);
    // Widths scale with the size (metrics are not hinted), so one unconstrained layout at the
    // largest size tells which size and break fit; the chosen layout is checked all the same.
    probe.set(s);
    const double whole = probe.width(), limit = text_w * 0.99;
    const auto x_at = [&](size_t index) {
      PangoRectangle pos;
      pango_layout_index_to_pos(probe.layout, int(index), &pos);
      return double(pos.x) / PANGO_SCALE;
    };
    const auto fits = [](Text& t, const std::string& text, int lines) {
      t.set(text);
      return !pango_layout_is_ellipsized(t.layout) && pango_layout_get_line_count(t.layout) == lines;
    };
    for (int i = 0; i < address_sizes; ++i) {
      const double k = address_pt[size_t(i)] / address_pt[0];
      if (whole * k <= limit) {
        if (fits(address[size_t(i)], s, 1)) return address[size_t(i)];
        break;
      }
      bool tried = false;
      for (auto b = breaks.rbegin(); b != breaks.rend() && !tried; ++b) {
        const size_t end = s[*b - 1] == ' ' ? *b - 1 : *b;
        if (x_at(end) * k > limit || (whole - x_at(*b)) * k > limit) continue;
        scratch.assign(s, 0, end);
        scratch += '\n';
        scratch.append(s, *b);
        if (fits(address[size_t(i)], scratch, 2)) return address[size_t(i)];
        tried = true;
      }
      if (tried) break;
    }
    // The general way: lay out every candidate.
    int wraps = -1;  // the largest size where plain wrapping fits
    for (int i = 0; i < address_sizes; ++i) {
      Text& t = address[size_t(i)];
      t.set(s);
      if (pango_layout_is_ellipsized(t.layout)) continue;
      if (pango_layout_get_line_count(t.layout) == 1) return t;
      if (wraps < 0) wraps = i;
      for (auto b = breaks.rbegin(); b != breaks.rend(); ++b) {
        const size_t end = s[*b - 1] == ' ' ? *b - 1 : *b;  // a space becomes the line break
        scratch.assign(s, 0, end);
        scratch += '\n';
        scratch.append(s, *b);
        t.set(scratch);  // each paragraph may take two lines: count them
        if (!pango_layout_is_ellipsized(t.layout) && pango_layout_get_line_count(t.layout) == 2) return t;
      }
    }
    Text& t = address[size_t(wraps >= 0 ? wraps : address_sizes - 1)];
    t.set(s);
    return t;
  }

  void draw_door_plate(const Plate& p, const QrCode& qr, double x, double y) {
    draw_code(qr, x + code_x, y + code_y);
    if (!p.number.empty()) {
      number.set(p.number);
      number.show(cr, x + code_x, y + number_y);
    }
    double ty = y + text_y;
    if (!p.heading.empty()) {
      const double h = heading.set(p.heading);
      heading.show(cr, x + text_x, ty);
      ty += h + 2.5 * kMm;
    }
    if (!p.address.empty()) fit_address(p.address).show(cr, x + text_x, ty);
  }

  void draw_sticker(const Plate& p, const QrCode& qr, double x, double y) {
    draw_code(qr, x + code_x, y + code_y);
    double number_w = 0;
    if (!p.number.empty()) {
      number.set(p.number);
      number_w = std::min(number.width(), text_w);
      number.show(cr, x + text_x + text_w - number_w, y + text_y);
    }
    if (!p.heading.empty()) {
      const double w = text_w - (number_w > 0 ? number_w + 1.5 * kMm : 0);
      if (w > 2 * kMm) {
        heading.set_width(w);
        heading.set(p.heading);
        heading.show(cr, x + text_x, y + text_y);
      }
    }
    if (!p.address.empty()) {
      address[0].set(p.address);
      address[0].show(cr, x + text_x, y + text_y + std::max(heading.line_h, number.line_h));
    }
  }

  Status check(const std::string& what) {
    if (auto s = cairo_status(cr); s != CAIRO_STATUS_SUCCESS)
      failed = cairo_failure(what, s);
    else if (auto s2 = cairo_surface_status(surface); s2 != CAIRO_STATUS_SUCCESS)
      failed = cairo_failure(what, s2);
    if (failed) return *failed;
    return ok_status();
  }

  Status show_page() {
    cairo_show_page(cr);
    ++pages_shown;
    on_page = 0;
    return check("writing page " + std::to_string(pages_shown) + " of \"" + path + "\"");
  }
};

Result<std::unique_ptr<PdfWriter>> PdfWriter::open(const std::string& path, Layout layout, const std::string& title) {
  if (!text::valid_utf8(title)) return make_error(Errc::invalid_input, "the title is not valid UTF-8", "title");
  auto impl = std::make_unique<Impl>();
  impl->layout = layout;
  impl->path = path;
  impl->grid = grid_of(layout);

  errno = 0;
  cairo_surface_t* surface = cairo_pdf_surface_create(path.c_str(), kPageW, kPageH);
  if (auto s = cairo_surface_status(surface); s != CAIRO_STATUS_SUCCESS) {
    const int err = errno;
    cairo_surface_destroy(surface);
    return make_error(Errc::internal, "cannot create the PDF file \"" + path +
                                          "\": " + (err != 0 ? std::strerror(err) : cairo_status_to_string(s)));
  }
  impl->surface = surface;
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Mashang");
  impl->cr = cairo_create(surface);
  if (auto s = cairo_status(impl->cr); s != CAIRO_STATUS_SUCCESS) return cairo_failure("starting the PDF", s);
  cairo_set_source_rgb(impl->cr, 0, 0, 0);
  cairo_set_line_width(impl->cr, kMarkWidth);
  cairo_set_line_cap(impl->cr, CAIRO_LINE_CAP_BUTT);

  impl->font_map = pango_cairo_font_map_new();
  impl->context = pango_font_map_create_context(impl->font_map);
  pango_cairo_update_context(impl->cr, impl->context);
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(impl->context, options);
  cairo_font_options_destroy(options);
  pango_context_set_round_glyph_positions(impl->context, FALSE);

  if (layout == Layout::door_plate)
    impl->setup_door_plate();
  else
    impl->setup_sticker();
  return std::unique_ptr<PdfWriter>(new PdfWriter(std::move(impl)));
}

PdfWriter::PdfWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PdfWriter::~PdfWriter() = default;

Status PdfWriter::add(const Plate& plate) {
  Impl& d = *impl_;
  if (d.finished) return make_error(Errc::internal, "the PDF is already finished");
  if (d.failed) return *d.failed;
  for (const auto& [text, field] : {std::pair{&plate.heading, "heading"}, std::pair{&plate.address, "address"},
                                    std::pair{&plate.number, "number"}, std::pair{&plate.url, "url"}})
    if (!text::valid_utf8(*text))
      return make_error(Errc::invalid_input, std::string("the ") + field + " is not valid UTF-8", field);
  if (plate.url.empty()) return make_error(Errc::invalid_input, "a plate needs a url for its code", "url");
  auto qr = encode(plate.url);
  if (!qr) return make_error(qr.error().code, qr.error().message, "url");

  const detail::Box cell = detail::cell(d.layout, d.on_page);
  const double x = cell.x, y = cell.y;
  d.draw_marks(x, y);
  // A line break or tab in a text would open a paragraph beyond the line limits: a space instead.
  std::optional<Plate> clean;
  if (has_control(plate.heading) || has_control(plate.address) || has_control(plate.number))
    clean = Plate{one_line(plate.heading), one_line(plate.address), one_line(plate.number), {}};
  const Plate& shown = clean ? *clean : plate;
  if (d.layout == Layout::door_plate)
    d.draw_door_plate(shown, *qr, x, y);
  else
    d.draw_sticker(shown, *qr, x, y);
  ++d.plates;
  if (++d.on_page == per_page(d.layout)) return d.show_page();
  return d.check("drawing a plate");
}

Status PdfWriter::finish() {
  Impl& d = *impl_;
  if (d.finished) return make_error(Errc::internal, "the PDF is already finished");
  if (d.failed) return *d.failed;
  if (d.on_page > 0 || d.pages_shown == 0) {
    if (auto st = d.show_page(); !st) return st;
  }
  cairo_surface_finish(d.surface);
  if (auto s = cairo_surface_status(d.surface); s != CAIRO_STATUS_SUCCESS) {
    d.failed = cairo_failure("writing the PDF file \"" + d.path + "\"", s);
    return *d.failed;
  }
  d.finished = true;
  return ok_status();
}

int64_t PdfWriter::plates() const { return impl_->plates; }

int64_t PdfWriter::pages() const { return impl_->pages_shown + (impl_->on_page > 0 ? 1 : 0); }

void detail::cover(const QrCode& qr, std::vector<Segment>& out, CoverScratch& scratch) {
  collect(qr, false, out, scratch.single);
  collect(qr, true, scratch.other, scratch.single);
  if (scratch.other.size() < out.size()) out.swap(scratch.other);
}

detail::Box detail::cell(Layout layout, int index) {
  const Grid& g = grid_of(layout);
  const double w = g.cell_w(), h = g.cell_h();
  return {g.margin_x + (index % g.cols) * (w + g.gutter), g.margin_y + (index / g.cols) * (h + g.gutter), w, h};
}

int PdfWriter::per_page(Layout layout) {
  const Grid& g = grid_of(layout);
  return g.cols * g.rows;
}

}  // namespace mashang::print
