// Invocation numbers of mocked Task states, counted per execution: which key of a mocked response answers this call.
// SPDX-License-Identifier: MIT
//
// Step Functions Local numbers the invocations of a state within one execution: every attempt
// (retries included) and every Map iteration takes the next number. One resolver's handlers
// serve every execution of the machines loaded with it, several at once on a pool, so the
// numbers are kept per execution, under a lock. Executions are told apart by
// TaskContext::execution (an identity that expires with the execution), not by name: names
// repeat across engines and runs. A table for an execution that has ended is dropped the next
// time the tables have doubled, so a long-lived resolver holds only the live executions' tables.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "asl/task.hpp"

namespace asl::detail::testing {

class InvocationCounters {
 public:
  /// The number of this invocation of `state` in the execution `ctx` belongs to: 0 on its first
  /// call, then 1, 2, ... Thread-safe.
  std::uint64_t next(const TaskContext& ctx, const std::string& state) {
    std::lock_guard<std::mutex> lock(mutex_);
    Counts& counts = table(ctx);
    return counts[state]++;
  }

 private:
  using Counts = std::unordered_map<std::string, std::uint64_t>;
  using Key = std::weak_ptr<const void>;

  static bool empty_identity(const Key& k) {
    const Key none;
    return !k.owner_before(none) && !none.owner_before(k);
  }

  Counts& table(const TaskContext& ctx) {
    // A handler called outside an engine (a test calling it directly): the name is all there is.
    if (empty_identity(ctx.execution)) return by_name_[std::string(ctx.execution_name)];
    auto it = by_execution_.find(ctx.execution);
    if (it != by_execution_.end()) return it->second;
    if (by_execution_.size() >= purge_at_) {
      for (auto e = by_execution_.begin(); e != by_execution_.end();)
        e = e->first.expired() ? by_execution_.erase(e) : std::next(e);
      purge_at_ = std::max<std::size_t>(16, 2 * by_execution_.size());
    }
    return by_execution_[ctx.execution];
  }

  std::mutex mutex_;
  std::map<Key, Counts, std::owner_less<Key>> by_execution_;
  std::unordered_map<std::string, Counts> by_name_;
  std::size_t purge_at_ = 16;
};

}  // namespace asl::detail::testing
