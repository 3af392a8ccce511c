// `asl run`'s progress line: a Distributed Map's Map Run counts (items done/total, failures,
// rate, elapsed) on stderr, rewritten in place; on by default when stderr is a terminal,
// --progress forces it, --quiet hides it.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <asl/map_run.hpp>

namespace asl_cli {

/// Adds --progress and --quiet (which exclude each other) to `cmd`.
inline void add_progress_options(CLI::App& cmd, bool& progress, bool& quiet) {
  CLI::Option* p = cmd.add_flag("--progress", progress,
                                "show a Distributed Map's progress line on stderr even when it is not a terminal");
  CLI::Option* q = cmd.add_flag("--quiet", quiet, "no progress line (shown by default when stderr is a terminal)");
  p->excludes(q);
}

/// Whether to draw the line: --quiet never, --progress always, else when stderr is a terminal.
inline bool progress_wanted(bool progress, bool quiet) {
  if (quiet) return false;
  return progress || ::isatty(STDERR_FILENO) == 1;
}

/// The line, as a Map Run observer. Its callbacks come from the engine's workers (several at
/// once on a pool): a child's end redraws at most every 100 ms, and a worker that finds another
/// one drawing skips instead of waiting, so the line costs the run nothing it would notice.
class ProgressLine final : public asl::MapRunObserver {
 public:
  explicit ProgressLine(std::FILE* out) : out_(out) {}

  void on_map_run_started(const asl::MapRunInfo& run) override {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = run.state_name;
    start_ = clock::now();
    draw(run.item_counts, start_);
  }

  void on_map_run_progress(const std::string&, const asl::MapRunItemCounts& counts) override {
    const auto now = clock::now();
    if (now - last_.load(std::memory_order_relaxed) < interval) return;  // the common case: no lock
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock() || now - last_.load(std::memory_order_relaxed) < interval) return;
    draw(counts, now);
  }

  void on_map_run_ended(const asl::MapRunInfo& run) override {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = run.state_name;
    draw(run.item_counts, clock::now(), std::string(" ") + std::string(asl::to_string(run.status)));
    end_line();
  }

  /// Ends a line left open (a Map Run cut short by its execution's end reports no end).
  void finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    end_line();
  }

 private:
  using clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds interval{100};  // at most ~10 redraws a second

  void draw(const asl::MapRunItemCounts& c, clock::time_point now, const std::string& tail = std::string()) {
    last_.store(now, std::memory_order_relaxed);
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const std::uint64_t done = c.succeeded + c.failed + c.aborted;
    const std::string total = c.total_known ? std::to_string(c.total) : std::to_string(c.total) + "+";
    std::string line = fmt::format("{}: {}/{} done, {} failed, {:.0f}/s, {:.1f}s{}", state_, done, total, c.failed,
                                   elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0, elapsed, tail);
    // Spaces over what a longer previous line left; no terminal escapes, so a log reads well.
    const std::size_t width = line.size();
    if (width < shown_) line.append(shown_ - width, ' ');
    shown_ = width;
    std::fputc('\r', out_);
    std::fputs(line.c_str(), out_);
    std::fflush(out_);
    open_ = true;
  }

  void end_line() {
    if (!open_) return;
    std::fputc('\n', out_);
    std::fflush(out_);
    open_ = false;
    shown_ = 0;
  }

  std::FILE* out_;
  std::mutex mutex_;  ///< one drawer at a time; the fields below
  std::atomic<clock::time_point> last_{clock::time_point{}};
  clock::time_point start_{};
  std::string state_;
  std::size_t shown_ = 0;
  bool open_ = false;
};

}  // namespace asl_cli
