// A Distributed Map's ItemReader, ItemBatcher and ResultWriter as compiled at load (in the
// state's query language) and evaluated when the Map starts: the item feed and the writer.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/items/csv_reader.hpp"
#include "asl/detail/items/item_batcher.hpp"
#include "asl/detail/items/item_source.hpp"
#include "asl/detail/items/json_reader.hpp"
#include "asl/detail/items/jsonl_reader.hpp"
#include "asl/detail/items/manifest_reader.hpp"
#include "asl/detail/items/object_listing.hpp"
#include "asl/detail/items/result_writer.hpp"
#include "asl/detail/items/source_identity.hpp"
#include "asl/detail/json/member.hpp"
#include "asl/detail/jsonata_states/template.hpp"
#include "asl/detail/jsonpath/payload_template.hpp"
#include "asl/detail/query/state_queries.hpp"
#include "asl/object_store.hpp"

namespace asl::detail {

/// The member `key` of an object, or null (any other value has none).
inline const Json* field_of(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

/// One of ItemReader / ItemBatcher / ResultWriter, compiled: evaluating it gives the block with
/// every path, template and expression replaced by its value (a `...Path` field becomes the
/// field without `Path`).
class MapIoBlock {
 public:
  static MapIoBlock compile(const Json& block, bool jsonata, const char* location, bool& uses_context) {
    MapIoBlock b;
    b.present_ = true;
    b.jsonata_ = jsonata;
    if (jsonata) {
      std::vector<JsonataProblem> problems;  // the definition was validated
      b.ata_ = JsonataTemplate::compile(block, location, StatesAccess{}, problems);
      uses_context |= b.ata_.reads_context();
      return b;
    }
    // JSONPath: Parameters, BatchInput are payload templates already; a `XPath` reference
    // path becomes `X.$`, so one template evaluates the whole block.
    Json t = Json::object();
    for (const auto& [k, v] : block.items()) {
      if (k == "ReaderConfig" && v.is_object()) {
        Json rc = Json::object();
        for (const auto& [rk, rv] : v.items()) {
          if (rk == "MaxItemsPath") {
            rc["MaxItems.$"] = rv;
            b.paths_.emplace_back("MaxItems", rv.get<std::string>());
          } else {
            rc[rk] = rv;
          }
        }
        t[k] = std::move(rc);
      } else if (ends_with(k, "Path") && v.is_string()) {
        const std::string name = k.substr(0, k.size() - 4);
        t[name + ".$"] = v;
        b.paths_.emplace_back(name, v.get<std::string>());
      } else if (k == "Parameters" || k == "BatchInput") {
        t[k] = v;
      } else {
        t[k] = v;
      }
    }
    b.path_ = PayloadTemplate::compile(t);
    uses_context |= b.path_.uses_context();
    return b;
  }

  bool present() const noexcept { return present_; }

  Result<Json> evaluate(const Json& input, const QueryEnv& env) const {
    if (jsonata_) {
      JsonataScope s;
      s.input = &input;
      s.context = env.ctx;
      s.vars = env.vars;
      s.now_ms = env.now_ms;
      return ata_.evaluate(s);
    }
    return path_.evaluate(input, env.ctx, env.vars);
  }

  /// The reference path a number came from ("$.MaxItems"), for AWS's cause; empty when literal.
  std::string path_of(const std::string& field) const {
    for (const auto& [f, p] : paths_)
      if (f == field) return p;
    return std::string();
  }

 private:
  static bool ends_with(const std::string& s, const char* tail) {
    const std::string t(tail);
    return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
  }

  bool present_ = false;
  bool jsonata_ = false;
  PayloadTemplate path_;
  JsonataTemplate ata_;
  std::vector<std::pair<std::string, std::string>> paths_;
};

/// The blocks evaluated when a Map starts (absent ones empty).
struct MapIoValues {
  std::optional<Json> reader, batcher, writer;
  bool unbounded = false;  ///< MaxConcurrency unset (or 0)
};

/// The three blocks of one Map state (absent ones not present()).
struct MapIo {
  MapIoBlock reader, batcher, writer;
};

inline std::shared_ptr<const MapIo> compile_map_io(const Json& state, bool jsonata, bool& uses_context) {
  const Json* r = json_member(state, "ItemReader");
  const Json* b = json_member(state, "ItemBatcher");
  const Json* w = json_member(state, "ResultWriter");
  if (!r && !b && !w) return nullptr;
  auto io = std::make_shared<MapIo>();
  if (r) io->reader = MapIoBlock::compile(*r, jsonata, "ItemReader", uses_context);
  if (b) io->batcher = MapIoBlock::compile(*b, jsonata, "ItemBatcher", uses_context);
  if (w) io->writer = MapIoBlock::compile(*w, jsonata, "ResultWriter", uses_context);
  return io;
}

/// A number of an evaluated block, checked as AWS checks it: not an integer -> States.Runtime
/// naming the path (AWS-recorded for MaxItemsPath), below `min` -> `below_min` (an Error).
inline std::optional<Error> read_count(const Json& block, const MapIoBlock& compiled, const std::string& field,
                                       std::size_t& out, const Error& below_min, double min) {
  const Json* v = field_of(block, field);
  if (!v) return std::nullopt;
  const bool integral = v->is_number_integer() || v->is_number_unsigned() ||
                        (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>());
  if (!integral) {
    const std::string text = v->is_string() ? v->get<std::string>() : json_to_text(*v);
    const std::string path = compiled.path_of(field);
    return Error(std::string(errors::runtime),
                 fmt::format("The {}Path field refers to value \"{}\" which is not a valid integer: {}", field, text,
                             path.empty() ? field : path));
  }
  const double d = v->get<double>();
  if (d < min) return below_min;
  out = static_cast<std::size_t>(d);
  return std::nullopt;
}

inline std::string string_field(const Json& obj, const char* key, const std::string& fallback = std::string()) {
  const Json* v = field_of(obj, key);
  return v && v->is_string() ? v->get<std::string>() : fallback;
}

/// Opens one file of `input_type` (CSV, JSON, JSONL) as items.
inline std::optional<Error> open_item_file(ObjectStore& store, const std::string& bucket, const std::string& key,
                                           const Json& config, const std::string& input_type,
                                           std::unique_ptr<ItemSource>& out) {
  std::unique_ptr<std::istream> in;
  try {
    in = store.get_object(bucket, key);
  } catch (const std::exception& e) {
    return item_reader_failed(e.what());
  }
  if (input_type == "CSV") {
    std::optional<std::vector<std::string>> headers;
    if (string_field(config, "CSVHeaderLocation", "FIRST_ROW") == "GIVEN") {
      headers.emplace();
      if (const Json* h = json_member(config, "CSVHeaders"))
        for (const Json& s : *h) headers->push_back(s.is_string() ? s.get<std::string>() : json_to_text(s));
    }
    out = std::make_unique<CsvItemSource>(std::move(in), csv_delimiter(string_field(config, "CSVDelimiter")),
                                          std::move(headers));
    return std::nullopt;
  }
  if (input_type == "JSONL") {
    out = std::make_unique<JsonLinesSource>(std::move(in));
    return std::nullopt;
  }
  if (input_type == "JSON") return open_json_items(*in, string_field(config, "ItemsPointer"), out);
  return item_reader_failed("InputType " + input_type + " is not supported by this engine.");
}

/// The items an evaluated ItemReader names, capped by MaxItems. With `identity`, also what the
/// source is now (source_identity.hpp), for a durable execution to record or compare.
inline std::optional<Error> open_item_reader(const Json& reader, const MapIoBlock& compiled, ObjectStore* store,
                                             std::unique_ptr<ItemSource>& out, Json* identity = nullptr) {
  static const Json no_config = Json::object();
  const Json* rc = json_member(reader, "ReaderConfig");
  const Json& config = rc && rc->is_object() ? *rc : no_config;
  std::size_t max_items = 0;
  // AWS-recorded: MaxItemsPath -1 fails the Map Run, 1.5 is a States.Runtime naming the path.
  if (auto e = read_count(config, compiled, "MaxItems", max_items, item_reader_failed("field MaxItems must be positive"), 0))
    return e;
  const Json* args = json_member(reader, "Parameters");
  if (!args) args = json_member(reader, "Arguments");
  const Json& a = args && args->is_object() ? *args : no_config;
  const std::string resource = string_field(reader, "Resource");
  if (!store) return item_reader_failed("No object store is configured for " + resource + " (EngineOptions::object_store).");
  const std::string bucket = string_field(a, "Bucket");
  std::unique_ptr<ItemSource> src;
  if (resource.size() >= 13 && resource.compare(resource.size() - 13, 13, "listObjectsV2") == 0) {
    try {
      const std::string prefix = string_field(a, "Prefix");
      std::vector<ObjectInfo> objects = store->list_objects(bucket, prefix);
      if (identity) *identity = listing_identity(bucket, prefix, objects);
      src = std::make_unique<ObjectListingSource>(std::move(objects));
    } catch (const std::exception& e) {
      return item_reader_failed(e.what());
    }
  } else if (resource.size() >= 9 && resource.compare(resource.size() - 9, 9, "getObject") == 0) {
    const std::string key = string_field(a, "Key");
    if (identity) {
      try {
        *identity = object_identity(bucket, store->head_object(bucket, key));
      } catch (const std::exception& e) {
        return item_reader_failed(e.what());
      }
    }
    const std::string input_type = string_field(config, "InputType", "JSON");
    const std::string manifest = string_field(config, "ManifestType");
    if (input_type == "MANIFEST" || manifest == "S3_INVENTORY" || manifest == "ATHENA_DATA") {
      std::unique_ptr<std::istream> in;
      try {
        in = store->get_object(bucket, key);
      } catch (const std::exception& e) {
        return item_reader_failed(e.what());
      }
      std::vector<ManifestFile> files;
      if (manifest == "ATHENA_DATA") {
        if (auto e = read_athena_manifest(*in, files)) return e;
        Json file_config = config;
        src = std::make_unique<ChainSource>(std::move(files), [store, file_config, input_type](
                                                                  const ManifestFile& f, std::unique_ptr<ItemSource>& o) {
          return open_item_file(*store, f.bucket, f.key, file_config, input_type, o);
        });
      } else {
        std::vector<std::string> columns;
        if (auto e = read_inventory_manifest(*in, files, columns)) return e;
        src = std::make_unique<ChainSource>(std::move(files), [store, columns](const ManifestFile& f,
                                                                               std::unique_ptr<ItemSource>& o) {
          if (f.key.size() > 3 && f.key.compare(f.key.size() - 3, 3, ".gz") == 0)
            return std::optional<Error>(item_reader_failed("Compressed S3 Inventory files (" + f.key +
                                                           ") are not supported: store them uncompressed."));
          Json cfg = {{"CSVHeaderLocation", "GIVEN"}, {"CSVHeaders", columns}};
          return open_item_file(*store, f.bucket, f.key, cfg, "CSV", o);
        });
      }
    } else if (auto e = open_item_file(*store, bucket, key, config, input_type, src)) {
      return e;
    }
  } else {
    return item_reader_failed("Unsupported ItemReader resource: " + resource);
  }
  out = max_items ? std::make_unique<LimitedSource>(std::move(src), max_items) : std::move(src);
  return std::nullopt;
}

/// An evaluated ItemBatcher's limits.
inline std::optional<Error> read_batch_limits(const Json& batcher, const MapIoBlock& compiled, BatchLimits& out) {
  const Error not_positive(std::string(errors::runtime), "field MaxItemsPerBatch must be positive");
  if (auto e = read_count(batcher, compiled, "MaxItemsPerBatch", out.max_items, not_positive, 1)) return e;
  std::size_t bytes = 0;
  const Error bytes_not_positive(std::string(errors::runtime), "field MaxInputBytesPerBatch must be positive");
  if (auto e = read_count(batcher, compiled, "MaxInputBytesPerBatch", bytes, bytes_not_positive, 1)) return e;
  if (bytes) out.max_bytes = std::min<std::size_t>(bytes, 256 * 1024);
  if (const Json* bi = json_member(batcher, "BatchInput")) out.batch_input = *bi;
  return std::nullopt;
}

/// An evaluated ResultWriter's settings.
inline WriterSettings read_writer_settings(const Json& writer) {
  static const Json none = Json::object();
  WriterSettings s;
  const Json* args = json_member(writer, "Parameters");
  if (!args) args = json_member(writer, "Arguments");
  const Json& a = args && args->is_object() ? *args : none;
  s.exports = json_member(writer, "Resource") != nullptr;
  s.bucket = string_field(a, "Bucket");
  s.prefix = string_field(a, "Prefix");
  const Json* wc = json_member(writer, "WriterConfig");
  const Json& c = wc && wc->is_object() ? *wc : none;
  // Exporting defaults to NONE, WriterConfig alone to COMPACT (DG:input-output-resultwriter).
  const std::string t = string_field(c, "Transformation", s.exports ? "NONE" : "COMPACT");
  s.transformation = t == "NONE"      ? WriterTransformation::none
                     : t == "FLATTEN" ? WriterTransformation::flatten
                                      : WriterTransformation::compact;
  s.jsonl = string_field(c, "OutputType") == "JSONL";
  return s;
}

}  // namespace asl::detail
