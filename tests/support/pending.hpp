// Test helper: collects the completions deferred tasks hand out, so a test can finish them itself.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <asl/asl.hpp>

namespace asl::testing {

/// Bound for waits that only guard against hangs: generous, never reached when the engine is
/// correct, and never a timing assertion.
inline constexpr std::chrono::seconds hang_guard{60};

/// The completions (and callback tokens) handed out by handlers, in order; safe from any thread.
struct PendingTasks {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<TaskCompletion> items;
  std::vector<std::string> tokens;

  void add(TaskCompletion c, std::string token = {}) {
    std::lock_guard<std::mutex> lock(mutex);
    items.push_back(std::move(c));
    tokens.push_back(std::move(token));
    cv.notify_all();
  }
  /// Blocks until at least n completions were handed out (false only on a hang).
  bool wait_count(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex);
    return cv.wait_for(lock, hang_guard, [&] { return items.size() >= n; });
  }
  TaskCompletion at(std::size_t i) {
    std::lock_guard<std::mutex> lock(mutex);
    return items[i];
  }
};

/// A registry whose `resource` handler defers every call into `pending` (its return value is
/// then ignored by the engine).
inline HandlerRegistry deferring(PendingTasks& pending, const std::string& resource) {
  HandlerRegistry tasks;
  tasks.add(resource, [&pending](const Json& in, TaskContext& ctx) -> Result<Json> {
    pending.add(ctx.defer());
    return in;
  });
  return tasks;
}

}  // namespace asl::testing
