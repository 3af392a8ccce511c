// ResultWriter: a Map Run's child results written to the object store as they complete, in
// AWS's layout <Prefix>/<map run id>/{manifest.json, SUCCEEDED_n.json, FAILED_n.json,
// PENDING_n.json}, or, with WriterConfig only, the Map's output array reshaped (Transformation).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "asl/detail/items/item_source.hpp"
#include "asl/detail/json/writer.hpp"
#include "asl/object_store.hpp"

namespace asl::detail {

enum class WriterTransformation : std::uint8_t { none, compact, flatten };

/// ResultWriter's evaluated settings.
struct WriterSettings {
  bool exports = false;  ///< Resource + Bucket: files in the store (else WriterConfig only)
  std::string bucket, prefix;
  WriterTransformation transformation = WriterTransformation::compact;
  bool jsonl = false;  ///< OutputType JSONL
  /// A result file is closed (and put) past this many bytes. AWS rolls at 5 GB; files here
  /// are built in memory before their atomic put, so they roll far sooner: the layout and
  /// the records are AWS's, only the number of files differs.
  std::size_t roll_bytes = 8 * 1024 * 1024;
};

inline Error result_writer_failed(std::string cause) {
  return Error(std::string(errors::result_writer_failed), std::move(cause));
}

/// What AWS records for one child execution (NONE records; failures always look like this).
struct ChildRecord {
  std::string execution_arn, name, state_machine_arn, start_date, stop_date;
  std::string input;  ///< the child's input as JSON text
};

/// One Map Run's writer. Called under the Map's join lock (never concurrently).
class ResultWriterSink {
 public:
  /// `dry`: the records are made but nothing is stored (a history rebuilt from a journal
  /// replays the run, and must not write its files again).
  ResultWriterSink(WriterSettings s, ObjectStore* store, std::string map_run_arn, std::string map_run_id,
                   bool dry = false)
      : s_(std::move(s)), store_(store), arn_(std::move(map_run_arn)), run_id_(std::move(map_run_id)), dry_(dry) {
    // LocalStack (recorded against AWS) joins with "/" after a non-empty prefix.
    dir_ = s_.prefix.empty() ? run_id_ + "/" : (s_.prefix.back() == '/' ? s_.prefix : s_.prefix + "/") + run_id_ + "/";
    manifest_["DestinationBucket"] = s_.bucket;
    manifest_["MapRunArn"] = arn_;
    manifest_["ResultFiles"] = {{"FAILED", Json::array()}, {"PENDING", Json::array()}, {"SUCCEEDED", Json::array()}};
  }

  const WriterSettings& settings() const noexcept { return s_; }
  std::string manifest_key() const { return dir_ + "manifest.json"; }

  void succeeded(const ChildRecord& c, Json output) {
    if (s_.transformation == WriterTransformation::none) {
      Json r = record(c, "SUCCEEDED");
      r["Output"] = json_to_text(output);
      r["OutputDetails"] = {{"Included", true}};
      add(succeeded_, r);
    } else if (s_.transformation == WriterTransformation::flatten && output.is_array()) {
      for (Json& e : output) add(succeeded_, e);
    } else {
      add(succeeded_, output);
    }
  }

  /// Failed children are always written as NONE records (DG:input-output-resultwriter).
  void failed(const ChildRecord& c, const Error& e) {
    Json r = record(c, "FAILED");
    if (e.name) r["Error"] = *e.name;
    if (e.cause) r["Cause"] = *e.cause;
    add(failed_, r);
  }

  /// A child still running when the Map Run ended early: AWS lists it in FAILED_n.json, ABORTED.
  void aborted(const ChildRecord& c) { add(failed_, record(c, "ABORTED")); }

  /// An item that never ran (the Map Run ended early): its record in PENDING_n.json. The
  /// fields are the ones an emulator replaying AWS's captures expects (durability-dmap-testing.md
  /// C3 calls the full shape ambiguous): the child's input as JSON text, and the status.
  void pending(std::string input) {
    Json r = Json::object();
    r["Input"] = std::move(input);
    r["InputDetails"] = {{"Included", true}};
    r["Status"] = "PENDING";
    add(pending_, r);
  }

  /// Puts the last files and the manifest; the first failure to write, if any.
  std::optional<Error> finish() {
    flush(succeeded_);
    flush(failed_);
    flush(pending_);
    if (!error_) put(manifest_key(), manifest_.dump());
    return error_;
  }

  /// WriterConfig without export: the Map's output array reshaped (COMPACT leaves it as it is).
  static Json transform(Json results, WriterTransformation t) {
    if (t != WriterTransformation::flatten) return results;
    Json out = Json::array();
    for (Json& r : results) {
      if (r.is_array())
        for (Json& e : r) out.push_back(std::move(e));
      else
        out.push_back(std::move(r));
    }
    return out;
  }

 private:
  struct File {
    const char* status;
    std::string text;
    std::size_t records = 0;
    std::size_t n = 0;  ///< the next file's number
  };

  Json record(const ChildRecord& c, const char* status) const {
    // The fields of AWS's exported records, in its order (user parsers of real exports; see
    // the reference notes, durability-dmap-testing.md C3).
    Json r = Json::object();
    r["ExecutionArn"] = c.execution_arn;
    r["Input"] = c.input;
    r["InputDetails"] = {{"Included", true}};
    r["Name"] = c.name;
    r["RedriveCount"] = 0;
    const bool ok = std::string(status) == "SUCCEEDED";
    r["RedriveStatus"] = ok ? "NOT_REDRIVABLE" : "REDRIVABLE_BY_MAP_RUN";
    if (ok) r["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven.";
    r["StartDate"] = c.start_date;
    r["StateMachineArn"] = c.state_machine_arn;
    r["Status"] = status;
    r["StopDate"] = c.stop_date;
    return r;
  }

  void add(File& f, const Json& value) {
    if (error_) return;
    if (f.records == 0 && !s_.jsonl) f.text.push_back('[');
    if (f.records > 0) f.text.push_back(s_.jsonl ? '\n' : ',');
    // Through a small scratch string: the writer zero-fills room past the end of its target,
    // which on a file's growing text cost a memset of megabytes per record.
    scratch_.clear();
    write_json_text(value, scratch_);
    f.text += scratch_;
    ++f.records;
    if (f.text.size() >= s_.roll_bytes) flush(f);
  }

  void flush(File& f) {
    if (f.records == 0 || error_) return;
    f.text.push_back(s_.jsonl ? '\n' : ']');
    const std::string key = dir_ + f.status + "_" + std::to_string(f.n++) + ".json";
    if (put(key, f.text))
      manifest_["ResultFiles"][f.status].push_back({{"Key", key}, {"Size", f.text.size()}});
    f.text.clear();
    f.text.shrink_to_fit();
    f.records = 0;
  }

  bool put(const std::string& key, const std::string& data) {
    if (dry_) return true;
    if (!store_) {
      error_ = result_writer_failed("No object store is configured for s3:putObject (EngineOptions::object_store).");
      return false;
    }
    try {
      store_->put_object(s_.bucket, key, data);
      return true;
    } catch (const std::exception& e) {
      error_ = result_writer_failed(e.what());
      return false;
    }
  }

  WriterSettings s_;
  ObjectStore* store_;
  std::string arn_, run_id_, dir_;
  bool dry_ = false;
  Json manifest_;
  File succeeded_{"SUCCEEDED", {}, 0, 0}, failed_{"FAILED", {}, 0, 0}, pending_{"PENDING", {}, 0, 0};
  std::optional<Error> error_;
  std::string scratch_;
};

}  // namespace asl::detail
