#pragma once
//! Serves the built web app: hashed /assets/* cached for a year, everything else revalidated,
//! precompressed .gz siblings when the client accepts gzip, SPA fallback to index.html.
#include <memory>
#include <string>

#include "http/message.hpp"

namespace mashang::http {

class StaticFiles {
 public:
  explicit StaticFiles(std::string root);
  ~StaticFiles();
  //! Serves `req.path` (GET/HEAD) from the root; 404 error body when absent.
  Response serve(const Request& req) const;

 private:
  struct Cache;
  std::string root_;
  std::unique_ptr<Cache> cache_;
};

}  // namespace mashang::http
