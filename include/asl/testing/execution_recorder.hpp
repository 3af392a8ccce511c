// testing::ExecutionRecorder: an Observer that keeps what a test asserts on: the states visited in order, each visit's input, output, error and retries, and the transitions taken.
// SPDX-License-Identifier: MIT
//
// Events are attributed to a state visit through AWS's previousEventId chain (each thread of an
// execution, a Map iteration or a Parallel branch, links its events), so the visits of states
// inside a Map or Parallel are kept apart even when iterations interleave.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "asl/history.hpp"
#include "asl/json.hpp"

namespace asl::testing {

/// One entry into a state.
struct StateVisit {
  std::string state;
  Json input;
  std::optional<Json> output;          ///< set when the state exited (normally or by a Catch)
  std::optional<std::string> error;    ///< the last error of the state (a retried one included)
  std::optional<std::string> cause;
  std::uint32_t attempts = 0;          ///< Task, Map and Parallel: tries (the first included)
  bool caught = false;                 ///< exited through a Catch
  /// Retries of the state in this visit (a Task's, a Map's or a Parallel's).
  std::uint32_t retries() const noexcept { return attempts > 1 ? attempts - 1 : 0; }
};

/// A transition between two visits of the same thread (top level, a branch, an iteration).
struct Transition {
  std::string from, to;
  bool caught = false;  ///< taken by a Catch
  std::optional<std::string> error;  ///< caught: the error the Catch took
};

/// Attach to an Engine (Engine::add_observer) before the run; read after it. Thread-safe.
/// @code
/// auto rec = std::make_shared<asl::testing::ExecutionRecorder>();
/// engine.add_observer(rec);
/// engine.run(sm, input);
/// rec->path();             // {"ValidateData", "CheckData", ...}
/// rec->visit("Train")->retries();
/// @endcode
class ExecutionRecorder final : public Observer {
 public:
  void on_event(const HistoryEvent& e) override {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string_view type = to_string(e.type);
    const Json empty = Json::object();
    const Json& d = e.details ? *e.details : empty;
    // Plain indices with a sentinel, not std::optional: GCC 12 -O2 warns (maybe-uninitialized)
    // on optional<size_t> kept in an unordered_map.
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    auto owner = owner_.find(e.previous_id);
    const std::size_t prior = owner == owner_.end() ? none : owner->second;
    if (ends_with(type, "StateEntered")) {
      StateVisit v;
      v.state = d.value("name", "");
      v.input = d.value("input", Json());
      visits_.push_back(std::move(v));
      const std::size_t index = visits_.size() - 1;
      owner_[e.id] = index;
      // The event before a StateEntered in its thread is the previous state's StateExited.
      if (prior != none && exited_.count(prior))
        transitions_.push_back(Transition{visits_[prior].state, visits_[index].state, visits_[prior].caught,
                                          visits_[prior].caught ? visits_[prior].error : std::nullopt});
      return;
    }
    std::size_t index = prior;
    if (type == "EvaluationFailed") {
      // AWS links it to the event before the failing state's Entered: find the state by name.
      index = none;
      const std::string state = d.value("state", "");
      for (std::size_t i = visits_.size(); i-- > 0;)
        if (visits_[i].state == state) {
          index = i;
          break;
        }
    }
    if (index == none) return;
    owner_[e.id] = index;
    StateVisit& v = visits_[index];
    if (ends_with(type, "StateExited")) {
      v.output = d.value("output", Json());
      v.caught = failed_.count(index) != 0;
      exited_.insert_or_assign(index, true);
    } else if (type == "TaskScheduled" || type == "LambdaFunctionScheduled" || type == "MapStateStarted" ||
               type == "ParallelStateStarted") {
      ++v.attempts;
      failed_.erase(index);
    } else if (type == "TaskFailed" || type == "LambdaFunctionFailed" || type == "TaskTimedOut" ||
               type == "LambdaFunctionTimedOut" || type == "MapStateFailed" || type == "ParallelStateFailed" ||
               type == "ExecutionFailed" || type == "TaskStartFailed" || type == "TaskSubmitFailed" ||
               type == "LambdaFunctionStartFailed" || type == "EvaluationFailed" || type == "MapRunFailed") {
      auto text = [&](const char* field) -> std::optional<std::string> {
        auto it = d.find(field);
        if (it == d.end() || !it->is_string()) return std::nullopt;
        return it->get<std::string>();
      };
      v.error = text("error");
      v.cause = text("cause");
      if (type == "TaskTimedOut" || type == "LambdaFunctionTimedOut") v.error = v.error.value_or("States.Timeout");
      failed_.insert_or_assign(index, true);
    }
  }

  /// Every visit, in the order the states were entered.
  std::vector<StateVisit> visits() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return visits_;
  }
  /// The names of the states entered, in order (repeats included).
  std::vector<std::string> path() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& v : visits_) out.push_back(v.state);
    return out;
  }
  /// The last visit of `state`, or nothing when it was not visited.
  std::optional<StateVisit> visit(std::string_view state) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = visits_.rbegin(); it != visits_.rend(); ++it)
      if (it->state == state) return *it;
    return std::nullopt;
  }
  /// Every visit of `state`, in order.
  std::vector<StateVisit> visits_of(std::string_view state) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<StateVisit> out;
    for (const auto& v : visits_)
      if (v.state == state) out.push_back(v);
    return out;
  }
  bool visited(std::string_view state) const { return visit(state).has_value(); }
  std::vector<Transition> transitions() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return transitions_;
  }

 private:
  static bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
  }

  mutable std::mutex mutex_;
  std::vector<StateVisit> visits_;
  std::vector<Transition> transitions_;
  std::unordered_map<std::uint64_t, std::size_t> owner_;  ///< event id -> visit
  std::unordered_map<std::size_t, bool> exited_, failed_;
};

}  // namespace asl::testing
