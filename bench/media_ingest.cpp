// bench_media_ingest: photo ingest as a report does it, N times over one file.
//   bench_media_ingest FILE [N=10] [OUT_DIR]
// Each round is media::process of the file's bytes (header and pixel checks, decode, orientation,
// downsize to 2560, sRGB, JPEG q82 without metadata, 320 thumbnail from the stored JPEG, content
// hash) and, with OUT_DIR, the two files written there under the hash as the server stores them.
// The file is read into memory once, as the server holds an uploaded body. Every round counts (the
// first one too, as for vipsthumbnail's first file: bench/media times whole processes). Prints one
// "key value" line per figure; bench/media collects them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "media/media.hpp"

using namespace mashang;

namespace {

long status_kb(const char* field) {  // from /proc/self/status, e.g. "VmHWM"
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::strtol(line.c_str() + key.size(), nullptr, 10);
  return 0;
}

bool write_file(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".part";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()))) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [N] [OUT_DIR]\n", argv[0]);
    return 2;
  }
  const int n = argc > 2 ? std::atoi(argv[2]) : 10;
  const std::string out_dir = argc > 3 ? argv[3] : "";
  std::ifstream in(argv[1], std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return std::fprintf(stderr, "cannot read %s\n", argv[1]), 1;
  if (n < 1) return std::fprintf(stderr, "N must be at least 1\n"), 2;

  media::init();
  const long rss_after_init = status_kb("VmHWM");
  std::vector<double> ms;
  media::Processed last;
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = media::process(bytes);
    if (!r.ok()) return std::fprintf(stderr, "process: %s\n", r.error().message.c_str()), 1;
    if (!out_dir.empty() && (!write_file(out_dir + "/" + r->hash + ".jpg", r->image) ||
                             !write_file(out_dir + "/" + r->hash + ".thumb.jpg", r->thumb)))
      return std::fprintf(stderr, "cannot write to %s\n", out_dir.c_str()), 1;
    const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ms.push_back(t);
    last = std::move(r.value());
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double t : ms) sum += t;
  std::printf("images %d\ninput_bytes %zu\nsource %s\n", n, bytes.size(), media::type_name(last.source));
  std::printf("ms_first %.2f\nms_median %.2f\nms_mean %.2f\nms_min %.2f\nms_max %.2f\n", ms.front(),
              sorted[sorted.size() / 2], sum / n, sorted.front(), sorted.back());
  std::printf("stored %dx%d\nstored_bytes %zu\nthumb %dx%d\nthumb_bytes %zu\n", last.width, last.height,
              last.image.size(), last.thumb_width, last.thumb_height, last.thumb.size());
  if (last.gps) std::printf("gps %.6f,%.6f\n", last.gps->lat, last.gps->lon);
  std::printf("vmhwm_init_kb %ld\nvmhwm_kb %ld\n", rss_after_init, status_kb("VmHWM"));
  return 0;
}
