// Manifest ItemReaders: an S3 Inventory manifest (InputType MANIFEST) or an Athena data
// manifest (ManifestType ATHENA_DATA), both lists of files whose items are read one file after
// the other.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "asl/detail/items/item_source.hpp"
#include "asl/parse_json.hpp"

namespace asl::detail {

/// A file the manifest names: bucket and key.
struct ManifestFile {
  std::string bucket, key;
};

/// The items of several files in turn; a file is opened only when the one before is done.
class ChainSource final : public ItemSource {
 public:
  using Opener = std::function<std::optional<Error>(const ManifestFile&, std::unique_ptr<ItemSource>&)>;
  ChainSource(std::vector<ManifestFile> files, Opener open) : files_(std::move(files)), open_(std::move(open)) {}

  std::optional<Error> next(Json& out, bool& end) override {
    for (;;) {
      if (!current_) {
        if (at_ >= files_.size()) {
          end = true;
          return std::nullopt;
        }
        if (auto e = open_(files_[at_++], current_)) return e;
      }
      bool done = false;
      if (auto e = current_->next(out, done)) return e;
      if (!done) return std::nullopt;
      current_.reset();
    }
  }

 private:
  std::vector<ManifestFile> files_;
  Opener open_;
  std::unique_ptr<ItemSource> current_;
  std::size_t at_ = 0;
};

/// `s3://bucket/key` to its parts; nullopt for anything else.
inline std::optional<ManifestFile> parse_s3_uri(const std::string& uri) {
  if (uri.compare(0, 5, "s3://") != 0) return std::nullopt;
  const auto slash = uri.find('/', 5);
  if (slash == std::string::npos || slash == 5 || slash + 1 == uri.size()) return std::nullopt;
  return ManifestFile{uri.substr(5, slash - 5), uri.substr(slash + 1)};
}

/// An Athena data manifest: one `s3://bucket/key` per line.
inline std::optional<Error> read_athena_manifest(std::istream& in, std::vector<ManifestFile>& out) {
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto f = parse_s3_uri(line);
    if (!f) return item_reader_failed("The manifest names a file that is not an S3 URI: " + line);
    out.push_back(std::move(*f));
  }
  return std::nullopt;
}

/// An S3 Inventory manifest.json: its CSV files (in the destination bucket) and the column
/// names of their rows (fileSchema, "Bucket, Key, Size, ...").
inline std::optional<Error> read_inventory_manifest(std::istream& in, std::vector<ManifestFile>& files,
                                                    std::vector<std::string>& columns) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Json m;
  try {
    m = parse_json(text);
  } catch (const std::exception& e) {
    return item_reader_failed(std::string("The manifest is not valid JSON: ") + e.what());
  }
  if (!m.is_object() || !m.contains("files") || !m["files"].is_array() || !m.contains("fileSchema") ||
      !m["fileSchema"].is_string())
    return item_reader_failed("The manifest is not an S3 Inventory manifest (files, fileSchema).");
  if (m.value("fileFormat", "CSV") != "CSV")
    return item_reader_failed("Only CSV S3 Inventory files are supported, not " + m.value("fileFormat", ""));
  std::string bucket = m.value("destinationBucket", "");
  if (auto colon = bucket.rfind(":::"); colon != std::string::npos) bucket = bucket.substr(colon + 3);
  const std::string schema = m["fileSchema"].get<std::string>();
  for (std::size_t at = 0; at <= schema.size();) {
    auto comma = schema.find(',', at);
    if (comma == std::string::npos) comma = schema.size();
    std::string col = schema.substr(at, comma - at);
    const auto b = col.find_first_not_of(' ');
    const auto e = col.find_last_not_of(' ');
    columns.push_back(b == std::string::npos ? std::string() : col.substr(b, e - b + 1));
    at = comma + 1;
  }
  for (const Json& f : m["files"]) {
    if (!f.is_object() || !f.contains("key") || !f["key"].is_string())
      return item_reader_failed("An S3 Inventory manifest file entry has no key.");
    files.push_back(ManifestFile{bucket, f["key"].get<std::string>()});
  }
  return std::nullopt;
}

}  // namespace asl::detail
