// MapRunCounters: one Map Run's item counts, updated by its children under the Map's join lock
// and read at any time, from any thread, by the execution handle and the Map Run observers.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "asl/map_run.hpp"

namespace asl::detail {

class MapRunCounters {
 public:
  MapRunCounters(std::string arn, std::string state_name, std::string execution_name)
      : arn_(std::move(arn)), state_(std::move(state_name)), execution_(std::move(execution_name)) {}

  const std::string& arn() const noexcept { return arn_; }

  // Writers: under the Map's join lock (one writer at a time); relaxed, as each counter is
  // read on its own.
  void set_total(std::uint64_t n, bool known) {
    total_.store(n, std::memory_order_relaxed);
    total_known_.store(known, std::memory_order_relaxed);
  }
  void started(std::uint64_t n) {
    started_.fetch_add(n, std::memory_order_relaxed);
    running_.fetch_add(n, std::memory_order_relaxed);
    if (!total_known_.load(std::memory_order_relaxed)) total_.fetch_add(n, std::memory_order_relaxed);
  }
  void succeeded(std::uint64_t n) {
    succeeded_.fetch_add(n, std::memory_order_relaxed);
    running_.fetch_sub(n, std::memory_order_relaxed);
  }
  void failed() {
    failed_.fetch_add(1, std::memory_order_relaxed);
    running_.fetch_sub(1, std::memory_order_relaxed);
  }
  void written() { written_.fetch_add(1, std::memory_order_relaxed); }
  /// The run ended early: the children still running are aborted.
  void abort_running() { aborted_.fetch_add(running_.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed); }
  void end(MapRunStatus s) { status_.store(s, std::memory_order_release); }
  /// A redrive of the execution (its number, 1-based) runs a child of this run again: true for
  /// the first child of that redrive, which logs MapRunRedriven (AWS counts a Map Run's
  /// redrives, not its children's).
  bool redriven(std::uint32_t redrive) {
    std::uint32_t last = last_redrive_.load(std::memory_order_relaxed);
    while (last < redrive)
      if (last_redrive_.compare_exchange_weak(last, redrive, std::memory_order_relaxed)) {
        redrives_.fetch_add(1, std::memory_order_relaxed);
        return true;
      }
    return false;
  }
  std::uint32_t redrive_count() const { return redrives_.load(std::memory_order_relaxed); }

  MapRunStatus status() const { return status_.load(std::memory_order_acquire); }

  MapRunItemCounts counts() const {
    MapRunItemCounts c;
    c.running = running_.load(std::memory_order_relaxed);
    c.succeeded = succeeded_.load(std::memory_order_relaxed);
    c.failed = failed_.load(std::memory_order_relaxed);
    c.aborted = aborted_.load(std::memory_order_relaxed);
    c.results_written = written_.load(std::memory_order_relaxed);
    c.total_known = total_known_.load(std::memory_order_relaxed);
    c.total = total_.load(std::memory_order_relaxed);
    const std::uint64_t started = started_.load(std::memory_order_relaxed);
    c.pending = c.total_known && c.total > started ? c.total - started : 0;
    return c;
  }

  /// A snapshot; `execution_ended`: a run still RUNNING was cut short by its execution's end.
  MapRunInfo info(bool execution_ended = false) const {
    MapRunInfo r{arn_, state_, execution_, status(), counts(), redrive_count()};
    if (execution_ended && r.status == MapRunStatus::running) {
      r.status = MapRunStatus::aborted;
      r.item_counts.aborted += r.item_counts.running;
      r.item_counts.running = 0;
    }
    return r;
  }

 private:
  std::string arn_, state_, execution_;
  std::atomic<std::uint64_t> total_{0}, started_{0}, running_{0}, succeeded_{0}, failed_{0}, aborted_{0}, written_{0};
  std::atomic<bool> total_known_{true};
  std::atomic<std::uint32_t> last_redrive_{0}, redrives_{0};
  std::atomic<MapRunStatus> status_{MapRunStatus::running};
};

}  // namespace asl::detail
