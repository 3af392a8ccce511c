// TempBucketRoot: a fresh folder under the system's temporary one, removed with the object, used
// as a LocalDirectoryStore root by the item reader and Map Run tests (bucket b, key k = b/k).
// SPDX-License-Identifier: MIT
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include <asl/json.hpp>

namespace asl::testing {

struct TempBucketRoot {
  std::filesystem::path path;

  /// `tag` names the folder (`asl-<tag>-<pid>-<n>`), so a leftover says which test left it.
  explicit TempBucketRoot(const std::string& tag) {
    static std::atomic<int> n{0};
    path = std::filesystem::temp_directory_path() /
           ("asl-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempBucketRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempBucketRoot(const TempBucketRoot&) = delete;
  TempBucketRoot& operator=(const TempBucketRoot&) = delete;

  void write(const std::string& bucket, const std::string& key, const std::string& text) const {
    const auto p = path / bucket / key;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  std::string read(const std::string& bucket, const std::string& key) const {
    std::ifstream in(path / bucket / key, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  Json read_json(const std::string& bucket, const std::string& key) const { return Json::parse(read(bucket, key)); }
};

}  // namespace asl::testing
