// Compacting a journal: the records before a point are replaced by one snapshot that keeps what
// may still be needed (every record of the executions that may run again, the definitions) and
// one short `closed` record for each execution that ended for good, so a long-lived service's
// journal, and the time to open it, stay proportional to its live work.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "asl/clock.hpp"
#include "asl/engine.hpp"
#include "asl/journal.hpp"
#include "asl/detail/durable/execution_index.hpp"
#include "asl/detail/durable/records.hpp"

namespace asl::detail::durable {

/// AWS lets an execution be redriven for 14 days after it ends.
inline constexpr std::chrono::hours redrivable_period{14 * 24};

inline std::string encode_closed(const JournaledExecution& x) {
  std::string out;
  RecordWriter w(out);
  w.kind(RecordKind::closed);
  w.varint(x.number);
  w.text(x.name);
  w.u8(status_code(x.status));
  w.time(x.start_time);
  w.u8(x.stop_time ? 1 : 0);
  if (x.stop_time) w.time(*x.stop_time);
  w.varint(x.redrive_count);
  w.varint(x.events);
  w.optional_text(x.error);
  w.optional_text(x.cause);
  return out;
}

/// Replaces every record of `journal` numbered below its next number (at the call) with a
/// snapshot. Records appended meanwhile (executions go on) stay after it. An execution is kept
/// whole while it may run again: running, or FAILED / TIMED_OUT / ABORTED within the redrive
/// period at `now`; any other keeps its name, status and times only (its output and facts go).
/// Every definition is kept: the engine writes each text once per journal and counts on it.
inline JournalCompaction compact(Journal& journal, TimePoint now) {
  JournalCompaction stats;
  const std::uint64_t keep_from = journal.next_seq();
  ExecutionIndex index;
  index.keep_records(true);
  journal.replay([&](const JournalEntry& e) {
    if (e.seq >= keep_from) return;  // appended after the point: stays where it is
    ++stats.records_before;
    stats.bytes_before += e.payload.size();
    index.apply(e.seq, e.payload);
  });
  // A closed record has no memo: such an execution was already closed for good.
  auto open = [&](const JournaledExecution& x) {
    return x.memo && (x.status == Status::running || (x.status != Status::succeeded && x.stop_time &&
                                                      now < *x.stop_time + redrivable_period));
  };
  std::string snapshot;
  RecordWriter w(snapshot);
  w.kind(RecordKind::snapshot);
  std::uint64_t count = index.definition_records().size();
  for (const auto& [number, x] : index.executions()) count += open(x) ? x.records.size() : 1;
  w.varint(count);
  for (const auto& [hash, record] : index.definition_records()) w.text(record);
  for (const auto& [number, x] : index.executions()) {
    if (open(x)) {
      ++stats.executions_kept;
      for (const std::string& r : x.records) w.text(r);
      stats.records_kept += x.records.size();
    } else {
      ++stats.executions_closed;
      w.text(encode_closed(x));
    }
  }
  stats.bytes_after = snapshot.size();
  journal.compact(keep_from, snapshot);
  return stats;
}

}  // namespace asl::detail::durable
