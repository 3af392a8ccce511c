// What a durable execution records of a Map Run's item source when the run begins, so that
// resuming or redriving the run refuses a source that changed meanwhile: recorded results are
// paired with items by their position in the feed, and a changed file would pair them with others.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/base/fnv1a.hpp"
#include "asl/json.hpp"
#include "asl/object_store.hpp"

namespace asl::detail {

/// One object read whole (a CSV, JSON or JSON Lines file, a manifest): S3 HeadObject's fields.
inline Json object_identity(const std::string& bucket, const ObjectInfo& o) {
  Json id = Json::object();
  id["Bucket"] = bucket;
  id["Key"] = o.key;
  id["ETag"] = o.etag;
  id["Size"] = o.size;
  id["LastModified"] = o.last_modified;
  return id;
}

/// A listing (s3:listObjectsV2): how many objects, and a digest of each one's Key, ETag, Size
/// and LastModified in listing order. A change detector, not a secret: 64-bit FNV-1a, streamed,
/// so a listing of a million objects costs no second copy of itself.
inline Json listing_identity(const std::string& bucket, const std::string& prefix,
                             const std::vector<ObjectInfo>& objects) {
  Fnv1a64 h;
  auto mix = [&h](std::string_view s) {
    h.mix(s);
    h.mix_byte(0xff);  // a field separator no text byte of these fields can fake
  };
  for (const ObjectInfo& o : objects) {
    mix(o.key);
    mix(o.etag);
    mix(std::to_string(o.size));
    mix(o.last_modified);
  }
  Json id = Json::object();
  id["Bucket"] = bucket;
  id["Prefix"] = prefix;
  id["Objects"] = objects.size();
  id["Digest"] = fmt::format("{:016x}", h.value());
  return id;
}

}  // namespace asl::detail
