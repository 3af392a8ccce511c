// The bytes of a durable execution's journal records: one record per fact (an execution's start,
// a state entered, a task attempt's input and result, a timer, a token, a child frame, the end),
// written by DurableHook and read back by recovery. Little-endian varints; JSON as text.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "asl/clock.hpp"
#include "asl/detail/base/fnv1a.hpp"
#include "asl/detail/json/writer.hpp"
#include "asl/execution_result.hpp"
#include "asl/json.hpp"

namespace asl::detail::durable {

/// The first byte of every record. Numbers are part of the on-disk format: never reuse one.
enum class RecordKind : std::uint8_t {
  start = 1,        ///< an execution began: its name, definition, input, start time and seed
  transition = 2,   ///< a frame entered a state (its step), with the entry time if it was read
  task_input = 3,   ///< a task attempt's handler is about to be called (its timeout deadline)
  task_result = 4,  ///< a task attempt ended: its result or its error
  timer = 5,        ///< a frame sleeps until an absolute deadline
  token = 6,        ///< a callback token is about to be handed out
  hand_out = 7,     ///< retired: one per Map item (children records replaced it); refused when read
  finished = 8,     ///< the execution ended: status, output or error
  /// A definition's text under its hash, once per journal, before the first start that runs it:
  /// a thousand executions of one machine do not carry its text a thousand times.
  definition = 9,
  /// A FAILED, TIMED_OUT or ABORTED execution runs again from where it failed (AWS
  /// RedriveExecution): its time. Facts after it belong to the redriven run.
  redrive = 10,
  /// A Map/Parallel frame numbered its children: child i is frame `first` + i.
  children = 11,
  /// What compaction kept of the records before it (Journal::compact's snapshot): the records
  /// of the executions that may still run, each as it was written, and a `closed` record for
  /// each one that ended for good.
  snapshot = 12,
  /// An execution that ended and can no longer run (succeeded, or past its redrive period), as
  /// compaction keeps it: its name (taken for good), status, times and redrive count.
  closed = 13,
  /// A Map Run began reading its items from a source: its identity as JSON text (an object's
  /// ETag, size and time; a listing's count and digest). A resume or redrive compares it.
  item_source = 14,
};

/// `j` as compact JSON text, in a buffer of this thread that the next call reuses (with the
/// writer's stack): a task's small result then costs no allocation. JsonTextWriter rather than
/// nlohmann's dump(): it costs a fraction of the instructions (serializing a Map's input and
/// output was a quarter of a journaled execution), does not recurse on deep documents, and writes
/// ill-formed UTF-8 as U+FFFD where dump() would throw and fail the execution.
inline const std::string& json_text(const Json& j) {
  struct Buffers {
    std::string text;
    JsonTextWriter writer;
  };
  thread_local Buffers b;
  b.text.clear();
  b.writer.write(j, b.text);
  return b.text;
}

/// Appends the parts of a record to a byte string.
class RecordWriter {
 public:
  explicit RecordWriter(std::string& out) : out_(out) {}
  void kind(RecordKind k) { out_.push_back(static_cast<char>(k)); }
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  /// Times as signed nanoseconds since the clock's epoch, zig-zag encoded.
  void time(TimePoint t) {
    const std::int64_t n = t.time_since_epoch().count();
    varint((static_cast<std::uint64_t>(n) << 1) ^ static_cast<std::uint64_t>(n >> 63));
  }
  void text(std::string_view s) {
    varint(s.size());
    out_.append(s.data(), s.size());
  }
  void optional_text(const std::optional<std::string>& s) {
    u8(s ? 1 : 0);
    if (s) text(*s);
  }

 private:
  std::string& out_;
};

/// Reads the parts of a record back. A record that ends early or holds a value out of range
/// sets ok() to false and yields zeros from then on: recovery refuses such a record (it
/// passed its checksum, so it was written by a different format, not torn).
class RecordReader {
 public:
  explicit RecordReader(std::string_view in) : in_(in) {}
  bool ok() const noexcept { return ok_; }
  bool at_end() const noexcept { return pos_ == in_.size(); }

  std::uint8_t u8() {
    if (pos_ >= in_.size()) return fail<std::uint8_t>();
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return fail<std::uint64_t>();
      const auto b = static_cast<std::uint8_t>(in_[pos_++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return fail<std::uint64_t>();
  }
  std::uint32_t u32() {
    const std::uint64_t v = varint();
    if (v > 0xffffffffULL) return fail<std::uint32_t>();
    return static_cast<std::uint32_t>(v);
  }
  TimePoint time() {
    const std::uint64_t z = varint();
    const auto n = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
    return TimePoint(Duration(n));
  }
  std::string_view text() {
    const std::uint64_t n = varint();
    if (!ok_ || n > in_.size() - pos_) return fail<std::string_view>();
    std::string_view s = in_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  std::optional<std::string> optional_text() {
    if (u8() == 0) return std::nullopt;
    return std::string(text());
  }

 private:
  template <class T>
  T fail() {
    ok_ = false;
    pos_ = in_.size();
    return T{};
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

/// FNV-1a, 64 bits: the definition's fingerprint in the start record (a changed file is told
/// apart from the text an execution started with; not a security measure).
inline std::uint64_t definition_hash(std::string_view text) noexcept {
  Fnv1a64 h;
  h.mix(text);
  return h.value();
}

/// Flags of a task_result record.
enum TaskResultFlags : std::uint8_t { result_ok = 1, result_heartbeat = 2 };

inline std::uint8_t status_code(Status s) noexcept { return static_cast<std::uint8_t>(s); }
inline std::optional<Status> status_from(std::uint8_t c) noexcept {
  switch (c) {
    case static_cast<std::uint8_t>(Status::running): return Status::running;
    case static_cast<std::uint8_t>(Status::succeeded): return Status::succeeded;
    case static_cast<std::uint8_t>(Status::failed): return Status::failed;
    case static_cast<std::uint8_t>(Status::timed_out): return Status::timed_out;
    case static_cast<std::uint8_t>(Status::aborted): return Status::aborted;
    default: return std::nullopt;
  }
}

}  // namespace asl::detail::durable
