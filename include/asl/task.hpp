// Tasks: what a handler receives (TaskContext), how resources map to handlers (TaskResolver),
// and the stock registry that resolves by exact resource, by state name or by wildcard pattern.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"
#include "asl/task_resolver.hpp"
#include "asl/detail/run/task_slot.hpp"

namespace asl {

/// Completes a deferred task later, from any thread (a training job that runs for hours, a `.sync`
/// integration, a callback). Copyable; every copy refers to the same task attempt.
/// The first of succeed()/fail() wins; both return false once the task is settled (completed,
/// timed out, or its execution ended), and the value is then dropped.
class TaskCompletion {
 public:
  TaskCompletion() = default;
  explicit TaskCompletion(std::shared_ptr<detail::TaskSlot> slot) : slot_(std::move(slot)) {}

  bool succeed(Json output) { return slot_ && slot_->settle(std::move(output)); }
  bool fail(Error error) { return slot_ && slot_->settle(std::move(error)); }
  /// Resets the HeartbeatSeconds timer; false once the task is settled.
  bool heartbeat() { return slot_ && slot_->heartbeat(); }
  /// The stop token: true after a timeout or when the execution is cancelled.
  bool stop_requested() const noexcept { return slot_ && slot_->stop.load(std::memory_order_relaxed); }
  explicit operator bool() const noexcept { return slot_ != nullptr; }

 private:
  std::shared_ptr<detail::TaskSlot> slot_;
};

/// What a task handler knows about the call it serves.
class TaskContext {
 public:
  std::string_view state_name;      ///< the Task state's name
  std::string_view resource;        ///< the state's `Resource` URI
  std::string_view execution_name;  ///< the execution's name ($$.Execution.Name)
  /// The execution itself, as an identity that expires when it ends (compare with
  /// std::owner_less). Names repeat (two engines, a name given twice); this never matches another
  /// execution: state a helper keeps per execution (asl::testing::MockResolver's invocation
  /// counters) is keyed on it. Empty when a handler is called outside an engine.
  std::weak_ptr<const void> execution;
  std::uint32_t retry_count = 0;    ///< 0 on the first attempt ($$.State.RetryCount)
  std::string task_token;           ///< this attempt's token ($$.Task.Token); set for .waitForTaskToken
  Json credentials;                 ///< the evaluated `Credentials` object, or null
  std::optional<std::uint64_t> timeout_seconds;    ///< effective TimeoutSeconds(Path), if any
  std::optional<std::uint64_t> heartbeat_seconds;  ///< effective HeartbeatSeconds(Path), if any
  /// With a journal (EngineOptions::journal): the same text every time this attempt runs
  /// ("name:frame.step:state:attempt"). A recovered execution runs an attempt again when the
  /// process stopped after the handler was called and before its result was recorded (at least
  /// once): a handler with side effects passes this key to the service it calls, so the second
  /// call is recognised. Empty without a journal. Built when asked for.
  std::string idempotency_key() const {
    if (!key_) return std::string();
    std::string k(execution_name);
    k += ':';
    k += std::to_string(key_->frame);
    k += '.';
    k += std::to_string(key_->step);
    k += ':';
    k.append(state_name.data(), state_name.size());
    k += ':';
    k += std::to_string(retry_count);
    return k;
  }
  /// True once the engine wants this task to stop (timeout, heartbeat expiry, cancellation).
  /// A timeout cannot preempt in-process code: long handlers should poll this.
  bool stop_requested() const noexcept {
    return (stop_ != nullptr && stop_->load(std::memory_order_relaxed)) ||
           (slot_ != nullptr && slot_->stop.load(std::memory_order_relaxed));
  }

  /// Complete this task later instead of by returning: the handler's return value is then ignored
  /// and the worker is free while the work runs elsewhere. Call at most once per attempt.
  /// `holds_time = false` when the work runs inside the same engine (a nested execution), so that
  /// virtual time keeps moving for it.
  TaskCompletion defer(bool holds_time = true) {
    if (!slot_) {
      slot_ = std::make_shared<detail::TaskSlot>();
      if (on_defer_) on_defer_(slot_);  // the engine tracks it at once: cancel() closes it
    }
    slot_->holds_time = holds_time;
    deferred_ = true;
    return TaskCompletion(slot_);
  }

  /// Tells the engine the task is alive (resets HeartbeatSeconds). Safe from any thread.
  void heartbeat() {
    if (slot_) slot_->heartbeat();
  }

  // Engine use.
  void set_stop_flag(const std::atomic<bool>* flag) noexcept { stop_ = flag; }
  void set_slot(std::shared_ptr<detail::TaskSlot> slot) { slot_ = std::move(slot); }
  void set_on_defer(std::function<void(const std::shared_ptr<detail::TaskSlot>&)> f) { on_defer_ = std::move(f); }
  void set_journal_key(std::uint64_t frame, std::uint32_t step) { key_ = JournalKey{frame, step}; }
  const std::shared_ptr<detail::TaskSlot>& slot() const noexcept { return slot_; }
  bool deferred() const noexcept { return deferred_; }

 private:
  struct JournalKey {
    std::uint64_t frame;
    std::uint32_t step;
  };
  const std::atomic<bool>* stop_ = nullptr;
  std::optional<JournalKey> key_;  ///< where the attempt runs, with a journal
  std::shared_ptr<detail::TaskSlot> slot_;
  std::function<void(const std::shared_ptr<detail::TaskSlot>&)> on_defer_;
  bool deferred_ = false;
};

/// Throw from a handler to fail the task with a specific ASL error name.
class TaskError : public Exception {
 public:
  TaskError(std::string name, std::string cause)
      : Exception(name + ": " + cause), name_(std::move(name)), cause_(std::move(cause)) {}
  const std::string& name() const noexcept { return name_; }
  const std::string& cause() const noexcept { return cause_; }

 private:
  std::string name_;
  std::string cause_;
};

namespace detail {
/// Adapts an accepted callable (typed or JSON) to TaskHandler; defined in typed_handler.hpp,
/// which this header includes at its end so it still compiles on its own.
template <class F>
TaskHandler make_task_handler(F&& f);

/// '*' matches any run of characters (including none); everything else literally.
inline bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}
}  // namespace detail

/// The stock resolver. Lookup order: exact resource, then state name, then patterns in the
/// order they were added (`arn:aws:lambda:*:*:function:train*`).
/// @code
/// asl::HandlerRegistry tasks;
/// tasks.add("arn:aws:lambda:us-east-1:123456789012:function:train",
///           [](const asl::Json& in) { return asl::Json{{"accuracy", 0.93}}; });
/// @endcode
class HandlerRegistry : public TaskResolver {
 public:
  /// `delivery`: see TaskDelivery (matters only with a journal).
  template <class F>
  HandlerRegistry& add(std::string resource, F&& handler, TaskDelivery delivery = TaskDelivery::at_least_once) {
    exact_.push_back(Entry{std::move(resource), detail::make_task_handler(std::forward<F>(handler)), delivery});
    return *this;
  }
  template <class F>
  HandlerRegistry& add_state(std::string state_name, F&& handler,
                             TaskDelivery delivery = TaskDelivery::at_least_once) {
    by_state_.push_back(Entry{std::move(state_name), detail::make_task_handler(std::forward<F>(handler)), delivery});
    return *this;
  }
  template <class F>
  HandlerRegistry& add_pattern(std::string pattern, F&& handler, TaskDelivery delivery = TaskDelivery::at_least_once) {
    patterns_.push_back(Entry{std::move(pattern), detail::make_task_handler(std::forward<F>(handler)), delivery});
    return *this;
  }

  TaskHandler resolve(const ResolveRequest& request) const override {
    const Entry* e = find(request);
    return e ? e->handler : TaskHandler();
  }
  TaskDelivery delivery(const ResolveRequest& request) const override {
    const Entry* e = find(request);
    return e ? e->delivery : TaskDelivery::at_least_once;
  }

 private:
  struct Entry {
    std::string key;  ///< a resource, a state name or a pattern
    TaskHandler handler;
    TaskDelivery delivery;
  };
  const Entry* find(const ResolveRequest& request) const {
    for (const Entry& e : exact_)
      if (e.key == request.resource) return &e;
    for (const Entry& e : by_state_)
      if (e.key == request.state_name) return &e;
    for (const Entry& e : patterns_)
      if (detail::glob_match(e.key, request.resource)) return &e;
    return nullptr;
  }
  std::vector<Entry> exact_;
  std::vector<Entry> by_state_;
  std::vector<Entry> patterns_;
};

}  // namespace asl

// The definition of detail::make_task_handler (it needs the types above).
#include "asl/typed_handler.hpp"
