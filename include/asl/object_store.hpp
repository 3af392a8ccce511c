// asl::ObjectStore: the buckets a Distributed Map's ItemReader reads and its ResultWriter writes
// (S3 on AWS; a folder locally, see local_directory_store.hpp), given to the engine by the host.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asl {

/// One object of a listing, with the fields AWS's s3:listObjectsV2 ItemReader gives each item.
struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;           ///< as S3 spells it, quotes included
  std::string last_modified;  ///< RFC 3339, UTC
};

/// A store's failure (no such bucket or key, an I/O error). The engine turns it into
/// States.ItemReaderFailed or States.ResultWriterFailed with the message as the cause.
class ObjectStoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The S3 calls a Distributed Map makes. Called from any worker thread, concurrently:
/// an implementation must be thread-safe. Failures throw ObjectStoreError.
class ObjectStore {
 public:
  ObjectStore() = default;
  virtual ~ObjectStore() = default;
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  /// The object's bytes as a stream, read as the Map's window drains (never loaded whole).
  virtual std::unique_ptr<std::istream> get_object(const std::string& bucket, const std::string& key) = 0;
  /// The objects whose key starts with `prefix`, in key order (as S3 lists them).
  virtual std::vector<ObjectInfo> list_objects(const std::string& bucket, const std::string& prefix) = 0;
  /// The object's Key, Size, ETag and LastModified (S3 HeadObject). A durable execution records
  /// them for a Map Run's ItemReader, so that resuming or redriving the run refuses a file that
  /// changed meanwhile. The default finds the key in a listing; a store that can ask directly
  /// should override it.
  virtual ObjectInfo head_object(const std::string& bucket, const std::string& key) {
    for (ObjectInfo& o : list_objects(bucket, key))
      if (o.key == key) return std::move(o);
    throw ObjectStoreError("The specified key does not exist. (Bucket: " + bucket + ", Key: " + key + ")");
  }
  /// Stores `data` under `key`, atomically: a reader sees the old object or the new one, never part.
  virtual void put_object(const std::string& bucket, const std::string& key, std::string_view data) = 0;
};

}  // namespace asl
