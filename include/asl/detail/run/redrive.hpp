// Redrive (AWS RedriveExecution): which state steps an execution failed at, kept for its journal,
// and, when a redriven execution replays its past, running those states again instead of failing
// them again, with the ExecutionRedriven event where the new run begins.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <mutex>
#include <vector>

#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

/// Called where the state of `f` fails uncaught. A redriven execution that replays a failure
/// its past ended with runs the state again instead (AWS: "a state is redriven if its
/// <Type>StateEntered has no matching <Type>StateExited"), as a new step of the frame: its
/// retry counters start again and nothing it records meets what the failed visit recorded.
inline bool Interpreter::rerun_failed(const std::shared_ptr<Frame>& f) {
  const ReplayMemo* memo = config_.journal->replay();
  if (!memo || memo->redrives.empty()) return false;
  const auto epoch = memo->failed_at(f->id, f->step);
  if (!epoch || *epoch >= memo->redrives.size()) return false;
  redrive_point(*epoch + 1);
  // A child of a Distributed Map runs again: its Map Run is redriven, logged once per redrive.
  for (const Join* j = f->parent.get(); j != nullptr; j = j->up.get())
    if (j->counters && j->counters->redriven(*epoch + 1))
      emit(EventType::MapRunRedriven, [&](Json& d) {
        d["mapRunArn"] = j->counters->arn();
        d["redriveCount"] = j->counters->redrive_count();
      });
  f->resume = Frame::Resume::enter;
  return true;
}

/// Remembers that the state of `f` failed uncaught, with the Map/Parallel visits above it, so a
/// visit that ends anyway (a tolerated failure, a Catch, a retry of the whole Parallel) can drop
/// it again (close_scope): what stays when the execution ends is what a redrive runs again.
inline void Interpreter::note_failed_state(const Frame& f) {
  FailedState s;
  s.at = FactKey{f.id, f.step, 0};
  for (const Join* j = f.parent.get(); j != nullptr; j = j->up.get())
    s.scopes.push_back(FactKey{j->owner_id, j->owner_step, j->owner_attempt});
  std::lock_guard<std::mutex> lock(failed_mutex_);
  // A Map iteration that fails after its Map has already ended (a sibling failed first and a
  // Catch took it): that visit is over, nothing in it is redriven.
  for (const FactKey& k : s.scopes)
    if (std::find(closed_scopes_.begin(), closed_scopes_.end(), k) != closed_scopes_.end()) return;
  failed_states_.push_back(std::move(s));
  has_failed_states_.store(true, std::memory_order_release);
}

/// The Map/Parallel visit of `f` ended without failing its frame: the failures in it are done with.
inline void Interpreter::close_scope(const Frame& f) {
  if (!has_failed_states_.load(std::memory_order_acquire)) return;
  const FactKey k{f.id, f.step, f.retry_count};
  std::lock_guard<std::mutex> lock(failed_mutex_);
  closed_scopes_.push_back(k);
  failed_states_.erase(std::remove_if(failed_states_.begin(), failed_states_.end(),
                                      [&](const FailedState& s) {
                                        return std::find(s.scopes.begin(), s.scopes.end(), k) != s.scopes.end();
                                      }),
                       failed_states_.end());
}

inline std::vector<FactKey> Interpreter::failed_states() {
  std::vector<FactKey> out;
  std::lock_guard<std::mutex> lock(failed_mutex_);
  out.reserve(failed_states_.size());
  for (const FailedState& s : failed_states_) out.push_back(s.at);
  return out;
}

/// The replay of a redriven execution reached where redrive number `upto` (1-based) began: the
/// first state it runs again, the first task attempt its past did not finish, or its end. Emits
/// the ExecutionRedriven events up to it, each numbered after the history the execution had
/// when it ended before that redrive (AWS appends to the same history).
inline void Interpreter::redrive_point(std::size_t upto) {
  const ReplayMemo* memo = config_.journal ? config_.journal->replay() : nullptr;
  if (!memo) return;
  upto = std::min(upto, memo->redrives.size());
  if (redrives_seen_.load(std::memory_order_acquire) >= upto) return;
  // Recursive: an event past the history cap ends the execution, whose end reaches here again.
  std::lock_guard<std::recursive_mutex> lock(redrive_mutex_);
  for (;;) {
    const std::size_t seen = redrives_seen_.load(std::memory_order_relaxed);
    if (seen >= upto) break;
    publish_counts();
    const RecordedRedrive& r = memo->redrives[seen];
    // The end the execution had before this redrive is its history's last event then: the
    // replay does not reach it (it runs the failed state again instead), so it is told here,
    // with its recorded id, and ExecutionRedriven follows it.
    if (r.events_before != 0 && events_.load(std::memory_order_relaxed) < r.events_before - 1)
      events_.store(r.events_before - 1, std::memory_order_relaxed);
    if (LocalCounts* local = local_counts()) local->events_base = events_.load(std::memory_order_relaxed);
    redrives_seen_.store(static_cast<std::uint32_t>(seen + 1), std::memory_order_release);
    const EventType ended = r.ended == Status::timed_out ? EventType::ExecutionTimedOut
                            : r.ended == Status::aborted ? EventType::ExecutionAborted
                                                         : EventType::ExecutionFailed;
    emit(ended, [&](Json& d) {
      if (r.error) d["error"] = *r.error;
      else if (r.ended == Status::timed_out) d["error"] = std::string(errors::timeout);  // as finish_execution
      if (r.cause) d["cause"] = *r.cause;
    });
    emit(EventType::ExecutionRedriven, [&](Json& d) { d["redriveCount"] = seen + 1; });
  }
}

}  // namespace asl::detail
