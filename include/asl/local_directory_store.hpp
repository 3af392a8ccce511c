// asl::LocalDirectoryStore: an ObjectStore over a folder, bucket `b` and key `k` being the file
// `root/b/k`, so a definition written for S3 runs against local files unchanged.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "asl/object_store.hpp"

namespace asl {

class LocalDirectoryStore : public ObjectStore {
 public:
  explicit LocalDirectoryStore(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const noexcept { return root_; }

  std::unique_ptr<std::istream> get_object(const std::string& bucket, const std::string& key) override {
    const auto p = path_of(bucket, key);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec))
      // S3's own words for a missing key (what AWS puts in the cause).
      throw ObjectStoreError(fmt::format("The specified key does not exist. (Bucket: {}, Key: {})", bucket, key));
    auto in = std::make_unique<std::ifstream>(p, std::ios::binary);
    if (!*in) throw ObjectStoreError(fmt::format("cannot read {}", p.string()));
    return in;
  }

  std::vector<ObjectInfo> list_objects(const std::string& bucket, const std::string& prefix) override {
    const auto dir = root_ / bucket;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
      throw ObjectStoreError(fmt::format("The specified bucket does not exist. (Bucket: {})", bucket));
    std::vector<ObjectInfo> out;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string key = it->path().lexically_relative(dir).generic_string();
      if (key.compare(0, prefix.size(), prefix) != 0 || is_temporary(key)) continue;
      ObjectInfo o = info_of(*it, ec);
      o.key = std::move(key);
      out.push_back(std::move(o));
    }
    if (ec) throw ObjectStoreError(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
    std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  ObjectInfo head_object(const std::string& bucket, const std::string& key) override {
    const auto p = path_of(bucket, key);
    std::error_code ec;
    const std::filesystem::directory_entry entry(p, ec);
    if (ec || !entry.is_regular_file(ec))
      throw ObjectStoreError(fmt::format("The specified key does not exist. (Bucket: {}, Key: {})", bucket, key));
    ObjectInfo o = info_of(entry, ec);
    if (ec) throw ObjectStoreError(fmt::format("cannot read {}: {}", p.string(), ec.message()));
    o.key = key;
    return o;
  }

  void put_object(const std::string& bucket, const std::string& key, std::string_view data) override {
    const auto bucket_dir = root_ / bucket;
    std::error_code ec;
    if (!std::filesystem::is_directory(bucket_dir, ec))
      throw ObjectStoreError(fmt::format("The specified bucket does not exist. (Bucket: {})", bucket));
    const auto p = path_of(bucket, key);
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) throw ObjectStoreError(fmt::format("cannot create {}: {}", p.parent_path().string(), ec.message()));
    // Atomic: the bytes go to a temporary file next to the target, renamed over it once whole.
    // Unique across threads (the counter) and across processes sharing the folder (a random tag).
    static std::atomic<std::uint64_t> counter{0};
    static const std::uint64_t process_tag = (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                                             static_cast<std::uint64_t>(std::random_device{}());
    auto tmp = p;
    tmp += fmt::format(".asl-tmp-{:016x}-{}", process_tag, counter.fetch_add(1, std::memory_order_relaxed));
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(data.data(), static_cast<std::streamsize>(data.size()));
      out.flush();
      if (!out) {
        std::filesystem::remove(tmp, ec);
        throw ObjectStoreError(fmt::format("cannot write {}", p.string()));
      }
    }
    std::filesystem::rename(tmp, p, ec);
    if (ec) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw ObjectStoreError(fmt::format("cannot write {}: {}", p.string(), ec.message()));
    }
  }

 private:
  std::filesystem::path path_of(const std::string& bucket, const std::string& key) const {
    // A key is a name, not a way out of the bucket: `..` segments and absolute keys are refused.
    const std::filesystem::path k(key);
    if (bucket.empty() || bucket.find('/') != std::string::npos || bucket == "." || bucket == ".." ||
        k.is_absolute() || key.empty())
      throw ObjectStoreError(fmt::format("invalid bucket or key (Bucket: {}, Key: {})", bucket, key));
    for (const auto& part : k)
      if (part == "..") throw ObjectStoreError(fmt::format("invalid key (Key: {})", key));
    return root_ / bucket / k;
  }

  /// Size, LastModified and an ETag of a file (its key is the caller's).
  static ObjectInfo info_of(const std::filesystem::directory_entry& e, std::error_code& ec) {
    ObjectInfo o;
    o.size = static_cast<std::uint64_t>(e.file_size(ec));
    const auto mtime = e.last_write_time(ec);
    o.last_modified = rfc3339(mtime);
    // S3's ETag is the MD5 of the content; hashing every listed file would read them all, so
    // this one changes when the size or the time does, which is what a reader compares.
    o.etag = fmt::format("\"{:016x}{:016x}\"", o.size, static_cast<std::uint64_t>(mtime.time_since_epoch().count()));
    return o;
  }

  static bool is_temporary(const std::string& key) { return key.find(".asl-tmp-") != std::string::npos; }

  static std::string rfc3339(std::filesystem::file_time_type t) {
    // file_time_type's epoch is unspecified before C++20: shift by the two clocks' "now".
    const auto sys = std::chrono::time_point_cast<std::chrono::seconds>(
        t - std::filesystem::file_time_type::clock::now() + std::chrono::system_clock::now());
    const std::time_t tt = std::chrono::system_clock::to_time_t(sys);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
  }

  std::filesystem::path root_;
};

}  // namespace asl
