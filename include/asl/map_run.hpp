// Map Runs as a host sees them while they run: AWS DescribeMapRun's item counts, a snapshot of
// each Map Run of an execution, and the observer that hears them start, progress and end.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "asl/json.hpp"

namespace asl {

/// AWS DescribeMapRun's `itemCounts` (an item is a child execution's input: one item, or one
/// batch with an ItemBatcher). Each counter is exact when read; a snapshot taken while children
/// finish may be one child behind between two counters (each is its own atomic).
struct MapRunItemCounts {
  std::uint64_t pending = 0;    ///< not started yet (of `total`; 0 while the total is not known)
  std::uint64_t running = 0;    ///< started, not ended
  std::uint64_t succeeded = 0;  ///< ended with an output
  std::uint64_t failed = 0;     ///< ended with an error (tolerated or not)
  std::uint64_t timed_out = 0;  ///< AWS's `timedOut`: children here have no execution timeout, so 0
  std::uint64_t aborted = 0;    ///< running when the Map Run ended early (its failure, or the execution's end)
  /// Every item of the run. With an ItemReader the items are read as the run goes: until the
  /// reader's end, `total` is the number read so far and `total_known` is false.
  std::uint64_t total = 0;
  std::uint64_t results_written = 0;  ///< AWS's `resultsWritten`: records the ResultWriter wrote
  bool total_known = true;            ///< not an AWS field (AWS lists the items before it starts)
};

/// A Map Run's status, as DescribeMapRun reports it.
enum class MapRunStatus : std::uint8_t { running, succeeded, failed, aborted };

inline std::string_view to_string(MapRunStatus s) {
  switch (s) {
    case MapRunStatus::running: return "RUNNING";
    case MapRunStatus::succeeded: return "SUCCEEDED";
    case MapRunStatus::failed: return "FAILED";
    case MapRunStatus::aborted: return "ABORTED";
  }
  return "RUNNING";
}

/// One Map Run (one visit of a Distributed Map state) at one moment.
struct MapRunInfo {
  std::string map_run_arn;     ///< as in MapRunStarted and the Map's output
  std::string state_name;      ///< the Distributed Map state
  std::string execution_name;  ///< the parent execution
  MapRunStatus status = MapRunStatus::running;
  MapRunItemCounts item_counts;
  std::uint32_t redrive_count = 0;  ///< AWS's `redriveCount`: the redrives that ran its children again
};

/// DescribeMapRun's shape, the part this engine knows: `{"mapRunArn", "status", "itemCounts":
/// {"pending", "running", "succeeded", "failed", "timedOut", "aborted", "total", "resultsWritten"},
/// "redriveCount"}`.
inline Json to_json(const MapRunInfo& r) {
  const MapRunItemCounts& c = r.item_counts;
  return Json{{"mapRunArn", r.map_run_arn},
              {"status", std::string(to_string(r.status))},
              {"itemCounts",
               {{"pending", c.pending},
                {"running", c.running},
                {"succeeded", c.succeeded},
                {"failed", c.failed},
                {"timedOut", c.timed_out},
                {"aborted", c.aborted},
                {"total", c.total},
                {"resultsWritten", c.results_written}}},
              {"redriveCount", r.redrive_count}};
}

/// Hears the Map Runs of every execution of an engine (Engine::add_map_run_observer). Nothing is
/// called, and nothing is counted beyond a few atomics, for executions without a Distributed Map.
/// @note Called on the engine's workers, several at once for concurrent children, and never
/// under an engine lock: an implementation must be thread-safe, and should be cheap in
/// on_map_run_progress (it runs once per finished child: throttle by time, as a progress line does).
class MapRunObserver {
 public:
  virtual ~MapRunObserver() = default;
  /// The Map Run began (after its MapRunStarted event), before any child starts.
  virtual void on_map_run_started(const MapRunInfo& run) { (void)run; }
  /// A child execution (an item or a batch) of `map_run_arn` ended; `counts` as of then.
  virtual void on_map_run_progress(const std::string& map_run_arn, const MapRunItemCounts& counts) {
    (void)map_run_arn;
    (void)counts;
  }
  /// The Map Run ended: SUCCEEDED or FAILED (a Map Run cut short by the end of its execution
  /// is not reported here; Execution::map_runs() shows it ABORTED).
  virtual void on_map_run_ended(const MapRunInfo& run) { (void)run; }
};

}  // namespace asl
