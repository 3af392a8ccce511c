// Reading a journal back: every execution it holds (its start, how it ended if it did) and, for
// those still running when the process stopped, the ReplayMemo that recovery resumes them with.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "asl/execution_result.hpp"
#include "asl/journal.hpp"
#include "asl/detail/durable/records.hpp"
#include "asl/detail/run/replay_memo.hpp"

namespace asl::detail::durable {

/// One execution as its records describe it.
struct JournaledExecution {
  std::uint64_t number = 0;
  std::string name;
  std::shared_ptr<const std::string> definition;  ///< the text it started with
  std::uint64_t definition_hash = 0;
  std::string input;       ///< JSON text
  TimePoint start_time{};
  std::uint64_t seed = 0;
  bool express = false;
  std::uint32_t redrive_count = 0;
  Status status = Status::running;
  std::optional<TimePoint> stop_time;
  std::string output;  ///< JSON text (succeeded)
  std::optional<std::string> error, cause;
  std::uint64_t events = 0;  ///< its history's length when it ended
  /// Everything it did: for recovery while it runs, for a redrive once it failed, timed out or
  /// was aborted (dropped once it succeeds).
  std::shared_ptr<ReplayMemo> memo;
  /// Its records as written, when the index keeps them (ExecutionIndex::keep_records, for compaction).
  std::vector<std::string> records;
};

/// Every execution in a journal, by number and by name.
class ExecutionIndex {
 public:
  /// Reads every record of `journal` in order. Throws JournalError for a record that passed its
  /// checksum but cannot be decoded (written by another format: never guessed at).
  void read(Journal& journal) {
    journal.replay([&](const JournalEntry& e) { apply(e.seq, e.payload); });
  }

  /// Keeps each execution's records as written (JournaledExecution::records) and each definition
  /// record: what compaction copies into its snapshot.
  void keep_records(bool keep) noexcept { keep_records_ = keep; }
  /// Keeps the facts of executions that succeeded too (to rebuild their history).
  void keep_memos(bool keep) noexcept { keep_memos_ = keep; }

  /// Applies one record.
  void apply(std::uint64_t seq, std::string_view payload) {
    RecordReader in(payload);
    const auto kind = static_cast<RecordKind>(in.u8());
    if (kind == RecordKind::snapshot) {
      // A compacted journal's first entry: the records it kept, in their order.
      const std::uint64_t count = in.varint();
      for (std::uint64_t i = 0; i < count && in.ok(); ++i) {
        const std::string_view record = in.text();
        // One level only: compaction writes no snapshot into a snapshot.
        if (!record.empty() && static_cast<RecordKind>(record[0]) == RecordKind::snapshot) bad(seq, "snapshot");
        if (in.ok()) apply(seq, record);
      }
      if (!in.ok() || !in.at_end()) bad(seq, "snapshot");
      return;
    }
    const std::uint64_t number = in.varint();  // a definition record: its hash
    apply_record(seq, kind, number, in);
    if (!keep_records_) return;
    if (kind == RecordKind::definition) {
      definition_records_[number] = std::string(payload);
    } else if (auto it = executions_.find(number); it != executions_.end()) {
      it->second.records.emplace_back(payload);
    }
  }

  /// The definition records, as written (with keep_records).
  const std::map<std::uint64_t, std::string>& definition_records() const noexcept { return definition_records_; }

 private:
  void apply_record(std::uint64_t seq, RecordKind kind, std::uint64_t number, RecordReader& in) {
    if (kind == RecordKind::definition) {
      auto text = std::make_shared<const std::string>(in.text());
      if (!in.ok() || !in.at_end()) bad(seq, "definition");
      definitions_[number] = std::move(text);
      return;
    }
    if (kind == RecordKind::start) {
      JournaledExecution x;
      x.number = number;
      x.name = std::string(in.text());
      x.definition_hash = in.varint();
      auto def = definitions_.find(x.definition_hash);
      if (def == definitions_.end()) bad(seq, "start without its definition");
      x.definition = def->second;
      x.input = std::string(in.text());
      x.start_time = in.time();
      x.seed = in.varint();
      x.express = in.u8() != 0;
      x.redrive_count = in.u32();
      if (!in.ok() || !in.at_end()) bad(seq, "start");
      x.memo = std::make_shared<ReplayMemo>();
      x.memo->start_time = x.start_time;
      x.memo->seed = x.seed;
      if (number > max_number_) max_number_ = number;
      by_name_[x.name] = number;
      executions_[number] = std::move(x);
      return;
    }
    if (kind == RecordKind::closed) {
      JournaledExecution x;
      x.number = number;
      x.name = std::string(in.text());
      const auto status = status_from(in.u8());
      x.start_time = in.time();
      if (in.u8() != 0) x.stop_time = in.time();
      x.redrive_count = in.u32();
      x.events = in.varint();
      x.error = in.optional_text();
      x.cause = in.optional_text();
      if (!in.ok() || !in.at_end() || !status || *status == Status::running) bad(seq, "closed");
      x.status = *status;
      if (number > max_number_) max_number_ = number;
      by_name_[x.name] = number;
      executions_[number] = std::move(x);
      return;
    }
    auto it = executions_.find(number);
    // A record of an execution whose start is not here (never the case without compaction,
    // which keeps the starts of live executions): nothing to rebuild it with.
    if (it == executions_.end() || !it->second.memo) return;
    JournaledExecution& x = it->second;
    ReplayMemo& memo = *x.memo;
    if (kind == RecordKind::redrive) {
      const TimePoint at = in.time();
      if (!in.ok() || !in.at_end()) bad(seq, "redrive");
      if (x.status == Status::running || x.status == Status::succeeded) return;  // refused: never written
      x.status = Status::running;
      ++x.redrive_count;
      memo.redrives.push_back(RecordedRedrive{at, x.events, x.status, x.error, x.cause});
      x.stop_time.reset();
      x.error.reset();
      x.cause.reset();
      x.output.clear();
      return;
    }
    // Facts of attempts that ended after the execution did (a handler finishing late) belong to
    // no run: a redrive starts from what the execution had done when it ended.
    if (x.status != Status::running) return;
    if (kind == RecordKind::finished) {
      x.stop_time = in.time();
      const auto status = status_from(in.u8());
      if (in.u8() != 0) {
        x.output = std::string(in.text());
      } else {
        x.error = in.optional_text();
        x.cause = in.optional_text();
      }
      if (!in.at_end()) {
        x.events = in.varint();
        const std::uint64_t failed = in.varint();
        for (std::uint64_t i = 0; i < failed && in.ok(); ++i) {
          const std::uint64_t frame = in.varint();
          const std::uint32_t step = in.u32();
          memo.failed(frame, step, x.redrive_count);
        }
      }
      if (!in.ok() || !in.at_end() || !status) bad(seq, "finished");
      x.status = *status;
      if (x.status == Status::succeeded && !keep_memos_) {
        x.memo.reset();  // nothing left to rebuild or redrive: keep what names and listings need
        x.definition.reset();
      }
      return;
    }
    FactKey at;
    at.frame = in.varint();
    at.step = in.u32();
    at.attempt = in.u32();
    switch (kind) {
      case RecordKind::transition: {
        in.u32();  // the state
        const bool has_time = in.u8() != 0;
        const TimePoint t = has_time ? in.time() : TimePoint{};
        if (in.ok()) memo.entered(at.frame, at.step, t);
        break;
      }
      case RecordKind::task_input: {
        in.u32();
        RecordedTask& t = memo.task(at);
        t.started = true;
        if (in.u8() != 0) t.timeout_at = in.time();
        break;
      }
      case RecordKind::task_result: {
        in.u32();
        const std::uint8_t flags = in.u8();
        RecordedTask& t = memo.task(at);
        t.heartbeat = (flags & result_heartbeat) != 0;
        if (flags & result_ok) {
          // Kept as text, parsed when the attempt replays (RecordedTask::result()).
          t.output.emplace(in.text());
          t.error.reset();
        } else {
          Error e;
          e.name = in.optional_text();
          e.cause = in.optional_text();
          t.error.emplace(std::move(e));
          t.output.reset();
        }
        break;
      }
      case RecordKind::timer: {
        in.u32();
        const TimePoint due = in.time();
        if (in.ok()) memo.timer(at, due);
        break;
      }
      case RecordKind::token: {
        in.u32();
        memo.task(at).token = std::string(in.text());
        break;
      }
      case RecordKind::children: {
        const std::uint64_t parent = in.varint();
        const std::uint32_t count = in.u32();
        if (in.ok()) memo.children(FactKey{parent, at.step, at.attempt}, at.frame, count);
        break;
      }
      case RecordKind::item_source: {
        in.u32();  // the state
        const std::string_view identity = in.text();
        if (in.ok()) memo.item_source(at, std::string(identity));
        break;
      }
      default: bad(seq, "unknown kind");
    }
    if (!in.ok() || !in.at_end()) bad(seq, "record");
  }


 public:
  std::map<std::uint64_t, JournaledExecution>& executions() noexcept { return executions_; }
  const std::map<std::uint64_t, JournaledExecution>& executions() const noexcept { return executions_; }
  /// The execution that last used `name`, if any.
  JournaledExecution* by_name(const std::string& name) {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return nullptr;
    auto x = executions_.find(it->second);
    return x == executions_.end() ? nullptr : &x->second;
  }
  std::uint64_t max_number() const noexcept { return max_number_; }
  /// The hashes of the definitions the journal holds.
  std::vector<std::uint64_t> definition_hashes() const {
    std::vector<std::uint64_t> out;
    for (const auto& [h, text] : definitions_) out.push_back(h);
    return out;
  }

 private:
  [[noreturn]] static void bad(std::uint64_t seq, const char* what) {
    throw JournalError(fmt::format("journal record {} ({}) cannot be decoded: it was not written by this "
                                   "version of asl",
                                   seq, what));
  }

  std::map<std::uint64_t, JournaledExecution> executions_;
  std::unordered_map<std::string, std::uint64_t> by_name_;
  std::unordered_map<std::uint64_t, std::shared_ptr<const std::string>> definitions_;
  std::map<std::uint64_t, std::string> definition_records_;
  std::uint64_t max_number_ = 0;
  bool keep_records_ = false;
  bool keep_memos_ = false;
};

}  // namespace asl::detail::durable
