// The s3:listObjectsV2 ItemReader: one item per object under Bucket/Prefix, with AWS's fields.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "asl/detail/items/item_source.hpp"
#include "asl/object_store.hpp"

namespace asl::detail {

class ObjectListingSource final : public ItemSource {
 public:
  explicit ObjectListingSource(std::vector<ObjectInfo> objects) : objects_(std::move(objects)) {}

  std::optional<Error> next(Json& out, bool& end) override {
    if (at_ >= objects_.size()) {
      end = true;
      return std::nullopt;
    }
    ObjectInfo& o = objects_[at_++];
    // The fields and their order as AWS gives them (AWS-recorded listObjectsV2 items).
    out = Json::object();
    out["Etag"] = std::move(o.etag);
    out["Key"] = std::move(o.key);
    out["LastModified"] = std::move(o.last_modified);
    out["Size"] = o.size;
    out["StorageClass"] = "STANDARD";
    return std::nullopt;
  }

 private:
  std::vector<ObjectInfo> objects_;
  std::size_t at_ = 0;
};

}  // namespace asl::detail
