// DurableHook: the journal seam's durable implementation. It encodes an execution's facts into
// journal records (durable/records.hpp) and appends them to an asl::Journal, flushing first
// what must not happen twice (a callback token handed out).
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "asl/journal.hpp"
#include "asl/detail/durable/records.hpp"
#include "asl/detail/run/journal_hook.hpp"

namespace asl::detail::durable {

/// What an execution's start record holds.
struct StartInfo {
  std::uint64_t number = 0;     ///< the execution's number in this journal
  std::string_view name;        ///< $$.Execution.Name
  std::uint64_t definition_hash = 0;  ///< of the definition it runs (pinned: recovery loads that text)
  std::string_view input;       ///< the execution input, as JSON text
  TimePoint start_time{};
  std::uint64_t seed = 0;       ///< the seed of its per-step random generators
  bool express = false;
  std::uint32_t redrive_count = 0;
};

/// The start record, in a buffer of this thread that the next call reuses: the record holds the
/// whole input, and a fresh buffer of that size per start cost fresh pages each time.
inline const std::string& encode_start(const StartInfo& s) {
  thread_local std::string out;
  out.clear();
  RecordWriter w(out);
  w.kind(RecordKind::start);
  w.varint(s.number);
  w.text(s.name);
  w.varint(s.definition_hash);
  w.text(s.input);
  w.time(s.start_time);
  w.varint(s.seed);
  w.u8(s.express ? 1 : 0);
  w.varint(s.redrive_count);
  return out;
}

inline std::string encode_redrive(std::uint64_t number, TimePoint at) {
  std::string out;
  RecordWriter w(out);
  w.kind(RecordKind::redrive);
  w.varint(number);
  w.time(at);
  return out;
}

inline std::string encode_definition(std::uint64_t hash, std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  RecordWriter w(out);
  w.kind(RecordKind::definition);
  w.varint(hash);
  w.text(text);
  return out;
}

/// The hook of an execution replayed only to rebuild its history: it reads the memo and writes nothing.
class ReplayOnlyHook final : public JournalHook {
 public:
  explicit ReplayOnlyHook(std::shared_ptr<const ReplayMemo> memo) : JournalHook(std::move(memo)) {
    wants_derivable_ = false;
  }
  void record(const JournalRecord&) override {}
};

/// One execution's facts into a journal. Facts of many executions interleave in one journal,
/// each record names its execution by number.
class DurableHook final : public JournalHook {
 public:
  /// `on_failure` is called once, with the reason, when the journal stops (a failed write or
  /// fsync): the engine then fails the execution, which can no longer be made durable.
  DurableHook(std::shared_ptr<Journal> journal, std::uint64_t number, std::shared_ptr<const ReplayMemo> replay,
              std::function<void(const std::string&)> on_failure)
      : JournalHook(std::move(replay)),
        journal_(std::move(journal)),
        number_(number),
        on_failure_(std::move(on_failure)) {
    wants_derivable_ = false;  // history is rebuilt by replaying the facts
  }

  /// Stops recording: the engine is shutting down and leaves this execution running in the
  /// journal, for recover() in the next process (what ends it here is not its end).
  void detach() noexcept { detached_.store(true, std::memory_order_release); }

  void record(const JournalRecord& r) override {
    if (r.fact == JournalFact::event) return;  // history is rebuilt by replaying the facts
    if (detached_.load(std::memory_order_acquire)) return;
    thread_local std::string buffer;
    buffer.clear();
    RecordWriter w(buffer);
    bool durable = false;
    switch (r.fact) {
      case JournalFact::event: return;
      case JournalFact::transition:
        // A replay re-derives every transition from the recorded results; only an entry time
        // that a state read ($$.State.EnteredTime) is a fact it could not derive.
        if (!r.has_time) return;
        head(w, RecordKind::transition, r);
        w.varint(r.state);
        w.u8(r.has_time ? 1 : 0);
        if (r.has_time) w.time(r.time);
        break;
      case JournalFact::task_input:
        // A plain (at-least-once) attempt without a timeout runs again after a crash whether or
        // not its start was recorded: only a start that changes what recovery does is written.
        if (!r.at_most_once && !r.callback && !r.has_due) return;
        head(w, RecordKind::task_input, r);
        w.varint(r.state);
        w.u8(r.has_due ? 1 : 0);
        if (r.has_due) w.time(r.due);
        durable = r.at_most_once;  // on disk before the handler is called
        break;
      case JournalFact::task_result: {
        head(w, RecordKind::task_result, r);
        w.varint(r.state);
        std::uint8_t flags = 0;
        if (r.value) flags |= result_ok;
        if (r.heartbeat) flags |= result_heartbeat;
        w.u8(flags);
        outcome(w, r);
        break;
      }
      case JournalFact::timer:
        head(w, RecordKind::timer, r);
        w.varint(r.state);
        w.time(r.due);
        break;
      case JournalFact::token:
        head(w, RecordKind::token, r);
        w.varint(r.state);
        w.text(r.token);
        durable = true;  // on disk before anyone outside can hold it
        break;
      case JournalFact::hand_out: return;  // a child's id follows from its Map's children record
      case JournalFact::children:
        head(w, RecordKind::children, r);
        w.varint(r.parent);
        w.varint(r.index);
        break;
      case JournalFact::item_source:
        head(w, RecordKind::item_source, r);
        w.varint(r.state);
        w.text(json_text(*r.value));
        break;
      case JournalFact::finished:
        w.kind(RecordKind::finished);
        w.varint(number_);
        w.time(r.time);
        w.u8(status_code(r.status));
        w.u8(r.value ? 1 : 0);
        outcome(w, r);
        // Appended to the end so that a record without them (written before redrive existed)
        // still reads: history length, then the failed state steps.
        w.varint(r.events);
        w.varint(r.failed ? r.failed->size() : 0);
        if (r.failed)
          for (const FactKey& k : *r.failed) {
            w.varint(k.frame);
            w.varint(k.step);
          }
        break;
    }
    append(buffer, durable);
  }

  /// Appends a record the engine built (the start); false once the journal has stopped.
  bool append(std::string_view payload, bool durable) {
    if (failed_.load(std::memory_order_acquire)) return false;
    try {
      if (durable)
        journal_->append_durable(payload);
      else
        journal_->append(payload);
      return true;
    } catch (const JournalError& e) {
      if (!failed_.exchange(true) && on_failure_) on_failure_(e.what());
      return false;
    }
  }

 private:
  void head(RecordWriter& w, RecordKind kind, const JournalRecord& r) const {
    w.kind(kind);
    w.varint(number_);
    w.varint(r.frame);
    w.varint(r.step);
    w.varint(r.attempt);
  }

  /// A result as JSON text, or an error as its optional name and cause (the caller says which).
  static void outcome(RecordWriter& w, const JournalRecord& r) {
    if (r.value) {
      w.text(json_text(*r.value));
      return;
    }
    w.optional_text(r.error ? r.error->name : std::nullopt);
    w.optional_text(r.error ? r.error->cause : std::nullopt);
  }

  std::shared_ptr<Journal> journal_;
  std::uint64_t number_;
  std::function<void(const std::string&)> on_failure_;
  std::atomic<bool> detached_{false};
  std::atomic<bool> failed_{false};
};

}  // namespace asl::detail::durable
