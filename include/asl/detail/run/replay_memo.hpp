// What a recovered execution did before its process stopped, as the run layer asks for it:
// task results, timer deadlines, callback tokens, state entry times and which frame ran which
// Map item or Parallel branch, each keyed by where it happened in the frame tree.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "asl/clock.hpp"
#include "asl/error.hpp"
#include "asl/execution_result.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"

namespace asl::detail {

/// Where a fact happened: the frame (journal id; 0 is the top level), its state step (1 for the
/// first state it entered, +1 per transition) and the attempt (the retry count of that visit).
/// A frame's steps run in the same order every time the execution is replayed, whatever the
/// threads do, because everything that could make them differ (task results, times, random
/// draws, tokens) is recorded or derived from a recorded seed.
struct FactKey {
  std::uint64_t frame = 0;
  std::uint32_t step = 0;
  std::uint32_t attempt = 0;
  bool operator==(const FactKey& o) const noexcept {
    return frame == o.frame && step == o.step && attempt == o.attempt;
  }
};

struct FactKeyHash {
  std::size_t operator()(const FactKey& k) const noexcept {
    std::uint64_t h = k.frame * 0x9e3779b97f4a7c15ULL;
    h ^= (static_cast<std::uint64_t>(k.step) << 32 | k.attempt) + 0xbf58476d1ce4e5b9ULL + (h << 6) + (h >> 2);
    return static_cast<std::size_t>(h ^ (h >> 31));
  }
};

/// One task attempt as recorded.
struct RecordedTask {
  bool started = false;                 ///< its handler was called (or its token handed out)
  std::optional<TimePoint> timeout_at;  ///< its TimeoutSeconds deadline
  std::string token;                    ///< its callback token (.waitForTaskToken)
  /// How it ended, if it did: its result as the JSON text the journal holds, or its error. The
  /// text is parsed only when the attempt replays (result()): a parsed tree is about 13 times
  /// its text, and a resumed Distributed Map holds every recorded child's result at once.
  std::optional<std::string> output;
  std::optional<Error> error;
  bool heartbeat = false;  ///< it ended by a heartbeat expiry

  /// It ended before the process stopped: its outcome is recorded.
  bool ended() const noexcept { return output.has_value() || error.has_value(); }
  /// Its recorded outcome (when ended()), the result parsed from its text. A text that is not
  /// JSON (a record that passed its checksum but was not written by this version of asl) is a
  /// States.Runtime error, which fails the execution: the journal is corrupt, never guessed at.
  Result<Json> result() const {
    if (error) return *error;
    if (!output) return Error(std::string(errors::runtime), "The task attempt has no recorded outcome.");
    Json value = Json::parse(output->begin(), output->end(), nullptr, false);
    if (value.is_discarded())
      return Error(std::string(errors::runtime),
                   "The journal's recorded result of this task attempt is not JSON: the journal is corrupt "
                   "or was not written by this version of asl.");
    return value;
  }
};

/// One redrive of the execution (AWS RedriveExecution), in order.
struct RecordedRedrive {
  TimePoint time{};                 ///< $$.Execution.RedriveTime; the execution timeout counts from it
  std::uint64_t events_before = 0;  ///< the history's length when the execution ended before it
  Status ended = Status::failed;    ///< how it had ended: FAILED, TIMED_OUT or ABORTED
  std::optional<std::string> error, cause;
};

/// The recorded facts of one execution, filled by recovery and read (never changed) while the
/// execution replays up to where it stopped and then goes on.
class ReplayMemo {
 public:
  TimePoint start_time{};
  std::uint64_t seed = 0;
  /// Every redrive so far: a redriven execution replays its past, and where that past failed it
  /// goes on instead (see failed_at()).
  std::vector<RecordedRedrive> redrives;
  /// Replayed only to rebuild its history: a task attempt whose result is not recorded was in
  /// flight when the journal was read; it is announced and left there, nothing is called.
  bool history_only = false;

  // Filling (recovery).
  RecordedTask& task(const FactKey& k) { return tasks_[k]; }
  void entered(std::uint64_t frame, std::uint32_t step, TimePoint t) { entries_[FactKey{frame, step, 0}] = t; }
  void timer(const FactKey& k, TimePoint due) { timers_[k] = due; }
  /// `owner` (a Map/Parallel frame at the step and attempt that started its children) numbered
  /// its `count` children from `first` on.
  void children(const FactKey& owner, std::uint64_t first, std::uint32_t count) {
    children_[owner] = first;
    if (count && first + count - 1 > max_frame_) max_frame_ = first + count - 1;
  }
  /// The Map Run of `owner` began reading the source `identity` (JSON text) describes.
  void item_source(const FactKey& owner, std::string identity) { sources_[owner] = std::move(identity); }
  /// State step `step` of `frame` failed uncaught while the execution ended `epoch` (0: the
  /// first run, 1: the first redrive's run, ...).
  void failed(std::uint64_t frame, std::uint32_t step, std::uint32_t epoch) {
    failures_.emplace(FactKey{frame, step, 0}, epoch);
  }

  // Reading (the interpreter).
  /// The epoch in which state step `step` of `frame` failed on the way to a failed end of the
  /// execution, if it did: a redrive runs that state again instead of failing it again.
  std::optional<std::uint32_t> failed_at(std::uint64_t frame, std::uint32_t step) const {
    auto it = failures_.find(FactKey{frame, step, 0});
    if (it == failures_.end()) return std::nullopt;
    return it->second;
  }
  const RecordedTask* find_task(const FactKey& k) const {
    auto it = tasks_.find(k);
    return it == tasks_.end() ? nullptr : &it->second;
  }
  /// The recorded entry into step `step` of `frame`: its time (the epoch when it was not read).
  std::optional<TimePoint> find_entry(std::uint64_t frame, std::uint32_t step) const {
    auto it = entries_.find(FactKey{frame, step, 0});
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<TimePoint> find_timer(const FactKey& k) const {
    auto it = timers_.find(k);
    if (it == timers_.end()) return std::nullopt;
    return it->second;
  }
  /// The id of the first child of `owner` (child i is that id + i).
  std::optional<std::uint64_t> find_children(const FactKey& owner) const {
    auto it = children_.find(owner);
    if (it == children_.end()) return std::nullopt;
    return it->second;
  }
  /// What the Map Run of `owner` recorded of its item source (JSON text), if it did.
  const std::string* find_item_source(const FactKey& owner) const {
    auto it = sources_.find(owner);
    return it == sources_.end() ? nullptr : &it->second;
  }
  /// Calls `visit(key, task)` for every recorded task attempt.
  template <class Visit>
  void each_task(Visit&& visit) const {
    for (const auto& [k, t] : tasks_) visit(k, t);
  }
  /// Callback tokens handed out by attempts that had not ended.
  std::vector<std::string> open_tokens() const {
    std::vector<std::string> out;
    for (const auto& [k, t] : tasks_)
      if (!t.token.empty() && t.started && !t.ended()) out.push_back(t.token);
    return out;
  }
  /// The largest frame id recorded: frames handed out after the replay get larger ones.
  std::uint64_t max_frame() const noexcept { return max_frame_; }

 private:
  std::unordered_map<FactKey, RecordedTask, FactKeyHash> tasks_;
  std::unordered_map<FactKey, TimePoint, FactKeyHash> entries_;
  std::unordered_map<FactKey, TimePoint, FactKeyHash> timers_;
  std::unordered_map<FactKey, std::uint64_t, FactKeyHash> children_;
  std::unordered_map<FactKey, std::uint32_t, FactKeyHash> failures_;
  std::unordered_map<FactKey, std::string, FactKeyHash> sources_;
  std::uint64_t max_frame_ = 0;
};

}  // namespace asl::detail
