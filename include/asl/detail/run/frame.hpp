// The plain data of a running execution: Failure, RetryCounters, Frame (one state step at a time)
// and Join (a Map/Parallel owner waiting for its children).
// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "asl/clock.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/detail/items/map_run_counters.hpp"  // Join::counters
#include "asl/detail/load/program.hpp"
#include "asl/detail/query/variables.hpp"
#include "asl/detail/run/task_slot.hpp"

namespace asl::detail {

/// A runtime failure travelling up frames. `fatal` failures (States.Runtime, an oversized state
/// output) are never retried or caught and end the execution (spec §4.6, §16.2, §16.3).
struct Failure {
  Error error;
  bool fatal = false;
  bool heartbeat = false;  ///< a heartbeat expiry: States.Timeout that States.HeartbeatTimeout also matches
  /// A Map/Parallel fails because a child did: the child's state is where it failed (a redrive
  /// runs that state again, not the Map or Parallel).
  bool from_children = false;
  /// A JSONata state's query failed: AWS logs EvaluationFailed first, naming the field
  /// ("Output/a") when there is one.
  std::optional<std::string> evaluation_location{};
};

struct Join;
struct MapRun;  // items/map_run.hpp

/// Per-retrier attempt counters of one state visit (spec §9.4). Most states have at most a few
/// retriers: those counters live in the frame, so a first failure allocates nothing.
class RetryCounters {
 public:
  std::uint32_t& operator[](std::size_t i) {
    if (i < inline_count) return inline_[i];
    if (more_.size() <= i - inline_count) more_.resize(i - inline_count + 1, 0);
    return more_[i - inline_count];
  }
  void clear() {
    inline_.fill(0);
    more_.clear();
  }

 private:
  static constexpr std::size_t inline_count = 4;
  std::array<std::uint32_t, inline_count> inline_{};
  std::vector<std::uint32_t> more_;
};

struct Frame {
  enum class Resume : std::uint8_t { enter, retry, wait_done, children_done, task_done, map_chunk };
  std::uint32_t state = no_index;
  std::uint64_t id = 0;         ///< numbered for the journal (0: the top level, or no journal)
  std::uint32_t step = 0;       ///< journal only: states entered by this frame (FactKey::step)
  Json doc;                     ///< the raw input of the current state (moved, never copied whole)
  std::shared_ptr<Join> parent; ///< the Map/Parallel join this frame reports to; null = top level
  std::uint32_t slot = 0;       ///< index in the parent's result array
  std::uint32_t chunk_end = 0;  ///< map_chunk: this frame starts items [slot, chunk_end) itself
  Resume resume = Resume::enter;
  bool announce = false;  ///< a Map iteration not yet started: AWS logs MapIterationStarted lazily
  std::uint64_t entered_event = 0;
  std::uint64_t previous_event = 0;  ///< with observers: this frame's last history event (events.hpp)
  std::uint64_t before_entered = 0;  ///< with observers: previous_event before the state's Entered
  bool quiet = false;  ///< in a Distributed Map's iteration: its events are a child execution's, not logged
  TimePoint entered_time{};
  RetryCounters attempts;  ///< per-retrier counters for this state visit
  std::uint32_t retry_count = 0;
  std::shared_ptr<Join> children;  ///< while suspended on a Map/Parallel
  std::size_t size_bound = 0;      ///< upper bound of doc's serialized size
  std::size_t depth_bound = 0;     ///< upper bound of doc's nesting depth (see check_depth)
  std::shared_ptr<TaskSlot> task;  ///< while a task attempt is in flight
  std::string token;               ///< the current attempt's callback token
  Variables::Ptr vars;             ///< the workflow variables this frame sees (null: none assigned yet)
  Assignments assigned;            ///< the current state's evaluated Assign, applied as it exits
};

/// Bookkeeping of one Map/Parallel run: the parent frame waits here; the last child re-queues it.
struct Join {
  std::mutex mutex;  ///< children finish on any worker
  std::shared_ptr<Frame> owner;
  std::uint64_t owner_id = 0;  ///< the owner frame's id (journal hand-outs name it)
  std::uint32_t owner_step = 0, owner_attempt = 0;  ///< where the owner handed the children out
  std::uint64_t first_child = 0;  ///< journal: child i's frame id is first_child + i
  std::shared_ptr<Join> up;  ///< the owner's own join: abandoning an outer join reaches inner ones
  std::atomic<bool> abandoned{false};
  bool is_map = false;
  Json results = Json::array();
  std::size_t total = 0, started = 0, finished = 0, running = 0, limit = 0;
  std::size_t refill_at = 0;  ///< start more children only when `running` drops to this (0 = always)
  std::size_t chunk = 1;      ///< Map items per queued work item (1 = each item queued alone)
  std::uint32_t map_state = no_index;  ///< the Map state (read by chunks without the owner)
  std::size_t result_bound = 2;
  std::size_t child_depth = 0;   ///< depth bound of every child's input
  std::size_t result_depth = 0;  ///< the deepest finished child's depth bound
  Json items;       ///< Map: the items array
  Json input;       ///< Map: effective input (ItemSelector's `$`); Parallel: branch input
  Variables::Ptr vars;  ///< the owner's variables: what the children read (spec §12.4)
  std::size_t failures = 0;
  bool tolerance = false;  ///< a tolerated-failure threshold was set
  bool count_tolerated = false, percentage_tolerated = false;  ///< which of the two was
  double tolerated_count = 0, tolerated_percentage = 0;
  std::optional<Failure> failure;
  /// With observers, AWS's previousEventId around the children (events.hpp): what the next
  /// MapIterationStarted (and every branch's first event) follows, and what the owner's
  /// *StateSucceeded/Failed follows. Written by children on any worker.
  std::atomic<std::uint64_t> chain{0}, last_done{0};
  bool children_quiet = false;  ///< the children are Frame::quiet (a Distributed Map's, or a quiet owner's)
  /// A Distributed Map's Map Run over an ItemReader / ItemBatcher / ResultWriter (state_map_io.hpp):
  /// items come from its feed, results may go to its writer, `total` is known when the feed ends.
  std::shared_ptr<MapRun> run;
  /// A Distributed Map's item counts (null for any other Map or Parallel): what the execution
  /// handle and the Map Run observers read while the run goes on.
  std::shared_ptr<MapRunCounters> counters;

  /// `n` more children start (under the mutex): returns the first one's index.
  std::size_t start(std::size_t n) {
    const std::size_t first = started;
    started += n;
    running += n;
    if (counters) counters->started(n);
    return first;
  }
};

}  // namespace asl::detail
