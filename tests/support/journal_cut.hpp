// Test helper: a journal "killed" after its first k records, and what those records hold of its
// one execution (started? ended? its replay memo), for the tests that recover from every cut.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "asl/detail/durable/execution_index.hpp"

namespace asl::testing {

struct JournalCut {
  std::vector<std::string> records;  ///< the first k records, as a new MemoryJournal takes them
  bool started = false;              ///< the execution's start is among them
  bool ended = false;                ///< and so is its end
  std::shared_ptr<const asl::detail::ReplayMemo> memo;  ///< what a recovery replays (null before the start)
};

inline JournalCut cut_journal(const std::vector<std::string>& all, std::size_t k) {
  JournalCut c;
  c.records.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k));
  asl::detail::durable::ExecutionIndex index;
  for (std::size_t i = 0; i < c.records.size(); ++i) index.apply(i + 1, c.records[i]);
  c.started = !index.executions().empty();
  if (!c.started) return c;
  const auto& x = index.executions().begin()->second;
  c.ended = x.status != asl::Status::running;
  c.memo = x.memo;
  return c;
}

}  // namespace asl::testing
