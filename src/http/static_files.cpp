#include "http/static_files.hpp"

#include <sys/stat.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "http/error_map.hpp"

namespace mashang::http {
namespace {

struct Loaded {
  std::string body;
  std::string etag;
  int64_t mtime_ns = -1;
  int64_t size = -1;
};

std::string content_type_of(const std::string& path) {
  static const std::pair<const char*, const char*> types[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
      {".jpg", "image/jpeg"}, {".webp", "image/webp"}, {".ico", "image/x-icon"},
      {".woff2", "font/woff2"}, {".woff", "font/woff"}, {".ttf", "font/ttf"}, {".txt", "text/plain; charset=utf-8"},
      {".yaml", "application/yaml"}, {".map", "application/json"}, {".webmanifest", "application/manifest+json"}};
  for (auto& [ext, type] : types)
    if (path.ends_with(ext)) return type;
  return "application/octet-stream";
}

bool stat_file(const std::string& path, int64_t& mtime_ns, int64_t& size) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  size = st.st_size;
  return true;
}

bool accepts_gzip(const Request& req) {
  std::string_view ae = req.header("accept-encoding");
  return ae.find("gzip") != std::string_view::npos;
}

}  // namespace

struct StaticFiles::Cache {
  std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<const Loaded>> files;

  // The file's bytes, re-read when its mtime or size changed; nullptr when absent.
  std::shared_ptr<const Loaded> get(const std::string& path) {
    int64_t mtime = 0, size = 0;
    if (!stat_file(path, mtime, size)) return nullptr;
    {
      std::lock_guard l(mu);
      auto it = files.find(path);
      if (it != files.end() && it->second->mtime_ns == mtime && it->second->size == size) return it->second;
    }
    auto f = std::make_shared<Loaded>();
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    f->body = ss.str();
    f->mtime_ns = mtime;
    f->size = size;
    std::ostringstream tag;
    tag << "\"" << std::hex << mtime << "-" << size << "\"";
    f->etag = tag.str();
    std::lock_guard l(mu);
    if (files.size() > 4096) files.clear();
    files[path] = f;
    return f;
  }
};

StaticFiles::StaticFiles(std::string root) : root_(std::move(root)), cache_(std::make_unique<Cache>()) {}
StaticFiles::~StaticFiles() = default;

Response StaticFiles::serve(const Request& req) const {
  std::string path = req.path;
  if (path.find("..") != std::string::npos || path.find('\0') != std::string::npos || path.empty() ||
      path[0] != '/')
    return error_response(Errc::not_found, "no such file");
  if (path.back() == '/') path += "index.html";
  std::string full = root_ + path;
  auto f = cache_->get(full);
  bool spa = false;
  if (!f) {
    // Client-side routes (no file extension in the last segment) get the app shell.
    auto last = path.substr(path.rfind('/') + 1);
    if (last.find('.') != std::string::npos) return error_response(Errc::not_found, "no such file");
    full = root_ + "/index.html";
    f = cache_->get(full);
    spa = true;
    if (!f) return error_response(Errc::not_found, "the web app is not built (run make build)");
  }
  Response r;
  r.content_type = content_type_of(full);
  bool immutable = !spa && path.starts_with("/assets/");
  r.set("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.set("Vary", "Accept-Encoding");
  std::shared_ptr<const Loaded> gz;
  if (accepts_gzip(req)) gz = cache_->get(full + ".gz");
  const Loaded& chosen = gz ? *gz : *f;
  r.set("ETag", chosen.etag);
  if (req.header("if-none-match") == chosen.etag) {
    r.status = 304;
    return r;
  }
  if (gz) r.set("Content-Encoding", "gzip");
  r.body = chosen.body;
  return r;
}

}  // namespace mashang::http
