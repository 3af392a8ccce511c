// Load test: one Map state over a million small items (MaxConcurrency 0 or 8) on a pooled asl::Engine; reports wall time and resident memory and checks the output.
// SPDX-License-Identifier: MIT
//
//   asl_map_million [--items N] [--max-concurrency M] [--threads N]
//
// Exit codes: 0 the output is right and the heap is back to its size at the start; 1 otherwise (or
// the execution did not succeed); 64 usage error.
// Peak RSS (VmHWM) is per process, so measure MaxConcurrency 0 and 8 in separate runs.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <fmt/format.h>

#include <asl/asl.hpp>

#include "soak_common.hpp"

namespace {

using asl_soak::UsageError;

constexpr int exit_ok = 0;
constexpr int exit_fail = 1;
constexpr int exit_usage = 64;

const char* const usage_text =
    "usage: asl_map_million [--items N] [--max-concurrency M] [--threads N]\n"
    "  --items N            Map items (default 1000000)\n"
    "  --max-concurrency M  the Map's MaxConcurrency, 0 = unbounded (default 0)\n"
    "  --threads N          engine worker threads, 0 = all cores (default 0)\n"
    "Exit codes: 0 output checked and heap back to its start size, 1 otherwise, 64 usage error.\n";

struct Args {
  long long items = 1000000;
  long long max_concurrency = 0;
  long long threads = 0;
};

Args parse_args(int argc, char** argv) {
  Args a;
  asl_soak::ArgReader r(argc, argv);
  std::string flag;
  while (r.next(flag)) {
    if (flag == "--items") a.items = asl_soak::to_integer(flag, r.value(flag), 1);
    else if (flag == "--max-concurrency") a.max_concurrency = asl_soak::to_integer(flag, r.value(flag), 0);
    else if (flag == "--threads") a.threads = asl_soak::to_integer(flag, r.value(flag), 0);
    else if (flag == "--help" || flag == "-h") throw UsageError{""};
    else throw UsageError{"unknown option '" + flag + "'"};
  }
  return a;
}

/// Each item: its selector reads two fields of the item and its index from `$$`, then one Pass
/// adds them with an intrinsic. Small per-item work, so the Map machinery dominates.
std::string definition(long long max_concurrency) {
  return fmt::format(R"json({{
  "Comment": "asl_map_million: one Map over $.items",
  "StartAt": "Fan",
  "States": {{
    "Fan": {{
      "Type": "Map",
      "ItemsPath": "$.items",
      "MaxConcurrency": {},
      "ItemSelector": {{
        "id.$": "$$.Map.Item.Value.id",
        "x.$": "$$.Map.Item.Value.x",
        "index.$": "$$.Map.Item.Index"
      }},
      "ItemProcessor": {{
        "ProcessorConfig": {{"Mode": "INLINE"}},
        "StartAt": "Work",
        "States": {{
          "Work": {{
            "Type": "Pass",
            "Parameters": {{"id.$": "$.id", "sum.$": "States.MathAdd($.x, $.index)"}},
            "End": true
          }}
        }}
      }},
      "End": true
    }}
  }}
}})json",
                     max_concurrency);
}

/// Samples the heap in use every few milliseconds while the Map runs: VmHWM also counts pages the
/// allocator keeps after free(), the sampled maximum counts live blocks only. A measurement aid,
/// nothing depends on its timing.
class HeapSampler {
 public:
  HeapSampler() : peak_(asl_soak::heap_in_use_bytes()) {
    if (peak_ == 0) return;  // no mallinfo2: nothing to sample
    thread_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(mutex_);
      while (!cv_.wait_for(lock, std::chrono::milliseconds(5), [this] { return stop_; }))
        peak_ = std::max(peak_, asl_soak::heap_in_use_bytes());
    });
  }
  HeapSampler(const HeapSampler&) = delete;
  HeapSampler& operator=(const HeapSampler&) = delete;
  ~HeapSampler() { stop(); }
  /// Stops sampling; returns the largest heap in use seen (0 where it cannot be read).
  std::uint64_t stop() {
    if (thread_.joinable()) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
      }
      cv_.notify_one();
      thread_.join();
    }
    return peak_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::uint64_t peak_;
  std::thread thread_;
};

std::int64_t x_of(std::int64_t i) { return i % 1000; }

asl::Json build_input(std::int64_t n) {
  asl::Json items = asl::Json::array();
  items.get_ref<asl::Json::array_t&>().reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    items.push_back(asl::Json{{"id", i}, {"x", x_of(i)}, {"tag", fmt::format("item-{}", i)}});
  asl::Json input = asl::Json::object();
  input["items"] = std::move(items);
  return input;
}

/// Length, and a few items spread over the array, including both ends.
std::string check_output(const asl::Json& out, std::int64_t n) {
  if (!out.is_array()) return "the output is not an array";
  if (static_cast<std::int64_t>(out.size()) != n) return fmt::format("{} results for {} items", out.size(), n);
  for (std::int64_t i : {std::int64_t{0}, std::int64_t{1}, n / 3, n / 2, n - 2, n - 1}) {
    if (i < 0 || i >= n) continue;
    const asl::Json want{{"id", i}, {"sum", x_of(i) + i}};
    if (out[static_cast<std::size_t>(i)] != want)
      return fmt::format("item {}: got {}, want {}", i, out[static_cast<std::size_t>(i)].dump(), want.dump());
  }
  return {};
}

int run(const Args& a) {
  const asl::StateMachine sm = asl::StateMachine::parse(definition(a.max_concurrency));
  asl::EngineOptions eo;
  eo.threads = static_cast<unsigned>(a.threads);
  eo.payload_limit = 0;  // a million items is far above AWS's 256 KiB state payload limit
  // ...and an inline Map of a million items writes millions of history events, past AWS
  // Standard's 25,000 (on AWS this is a Distributed Map's job): no cap, as for EXPRESS.
  eo.max_history_events = 0;
  auto engine = std::make_unique<asl::Engine>(eo);  // destroyed before the last heap reading

  const std::uint64_t heap_start = asl_soak::heap_in_use_bytes();
  const auto b0 = std::chrono::steady_clock::now();
  asl::Json input = build_input(a.items);
  const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - b0).count();
  const std::uint64_t rss_before_kb = asl_soak::rss_kb();
  const std::uint64_t peak_before_kb = asl_soak::peak_rss_kb();
  const std::uint64_t heap_before = asl_soak::heap_in_use_bytes();

  HeapSampler sampler;
  const auto t0 = std::chrono::steady_clock::now();
  asl::ExecutionResult r = engine->run(sm, std::move(input));  // moved: the timed run copies nothing up front
  const auto t1 = std::chrono::steady_clock::now();
  const std::uint64_t heap_peak = sampler.stop();
  const std::uint64_t rss_after_kb = asl_soak::rss_kb();
  const std::uint64_t peak_kb = asl_soak::peak_rss_kb();

  const double seconds = std::chrono::duration<double>(t1 - t0).count();
  std::string problem;
  if (!r.succeeded())
    problem = fmt::format("status {} {} {}", asl::to_string(r.status), r.error.value_or("-"), r.cause.value_or("-"));
  else
    problem = check_output(r.output, a.items);

  // run() returns as soon as the result exists; a worker may still be dropping the execution's
  // frames and item copies. Joining the workers first makes the heap figures below exact.
  const unsigned threads = engine->threads();
  engine->shutdown();
  const std::uint64_t heap_output = asl_soak::heap_in_use_bytes();
  const std::uint64_t transitions = r.stats.transitions();
  r = asl::ExecutionResult{};
  // What a stopped engine still holds (its queues keep their grown capacity until destroyed).
  const std::uint64_t heap_stopped = asl_soak::heap_in_use_bytes();
  engine.reset();
  const std::uint64_t heap_end = asl_soak::heap_in_use_bytes();
  // Only the state machine is left: everything the run allocated must be free again.
  constexpr std::uint64_t heap_slack = 1024 * 1024;
  if (problem.empty() && heap_start && heap_end > heap_start + heap_slack)
    problem = fmt::format("{:.1f} MiB of heap still in use after the engine and the output are gone",
                          asl_soak::to_mib((heap_end - heap_start) / 1024));
  // What the allocator kept versus what it can hand back to the OS.
  const std::uint64_t rss_idle_kb = asl_soak::rss_kb();
  const std::uint64_t rss_trimmed_kb = asl_soak::trim_heap() ? asl_soak::rss_kb() : 0;

  fmt::print("items           {} (MaxConcurrency {}, {} worker threads)\n", a.items, a.max_concurrency,
             threads);
  fmt::print("input built     {:.2f} s\n", build_s);
  fmt::print("wall time       {:.3f} s, {:.0f} items/s, {} transitions\n", seconds,
             static_cast<double>(a.items) / seconds, transitions);
  fmt::print("RSS             {:.1f} MiB before the run (input built; peak so far {:.1f} MiB), "
             "{:.1f} MiB after (output held)\n",
             asl_soak::to_mib(rss_before_kb), asl_soak::to_mib(peak_before_kb), asl_soak::to_mib(rss_after_kb));
  fmt::print("peak RSS        {:.1f} MiB (VmHWM), {:+.1f} MiB over the RSS before the run\n",
             asl_soak::to_mib(peak_kb), asl_soak::to_mib(peak_kb) - asl_soak::to_mib(rss_before_kb));
  fmt::print("idle RSS        {:.1f} MiB with the engine and the output gone", asl_soak::to_mib(rss_idle_kb));
  if (rss_trimmed_kb) fmt::print(", {:.1f} MiB after malloc_trim(0)", asl_soak::to_mib(rss_trimmed_kb));
  fmt::print("\n");
  if (heap_start) {
    auto mib = [](std::uint64_t bytes) { return asl_soak::to_mib(bytes / 1024); };
    fmt::print("heap in use     {:.1f} MiB with the input built, peak {:.1f} MiB during the run (sampled every 5 ms)\n",
               mib(heap_before), mib(heap_peak));
    fmt::print("                {:.1f} MiB holding the output (workers stopped), {:.1f} MiB held by the stopped "
               "engine, {:.1f} MiB at the end (limit: {:.1f} MiB at the start + 1 MiB)\n",
               mib(heap_output), mib(heap_stopped), mib(heap_end), mib(heap_start));
  }
  fmt::print("result          {}{}\n", problem.empty() ? "PASS" : "FAIL: ", problem);
  return problem.empty() ? exit_ok : exit_fail;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  try {
    args = parse_args(argc, argv);
  } catch (const UsageError& e) {
    if (!e.message.empty()) fmt::print(stderr, "asl_map_million: {}\n", e.message);
    fmt::print(stderr, "{}", usage_text);
    return e.message.empty() ? exit_ok : exit_usage;
  }
  try {
    return run(args);
  } catch (const std::exception& e) {
    fmt::print(stderr, "asl_map_million: {}\n", e.what());
    return exit_fail;
  }
}
