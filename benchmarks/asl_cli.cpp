// The `asl` command-line tool: run or validate an ASL definition; `run` also implements the
// benchmark contract of ../shared/bench/CONTRACT.md (repeat, warm-up, bench resolver, timing line).
// SPDX-License-Identifier: MIT
#include <sys/resource.h>
#if defined(__GLIBC__)
#include <malloc.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <asl/asl.hpp>

#include "bench_resolver.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_load = 1;
constexpr int exit_usage = 64;

const char* const usage_text =
    "usage:\n"
    "  asl run --definition FILE [--input FILE] [--virtual-time] [--wait-scale S]\n"
    "          [--retry-interval-scale S] [--resolver bench] [--repeat K] [--warmup W]\n"
    "          [--count-transitions] [--threads N] [--name NAME] [--trace]\n"
    "          [--payload-limit BYTES]\n"
    "  asl validate --definition FILE\n"
    "\n"
    "run prints the result as one JSON line {\"status\",\"output\",\"error\",\"cause\"};\n"
    "with --repeat it adds the timing line of the benchmark contract.\n"
    "--payload-limit enforces AWS's size limit (262144) on state inputs/outputs; off by default\n"
    "because local datasets and the benchmark workloads exceed it.\n"
    "Exit codes: 0 ran (any status), 1 load error, 64 usage error.\n";

struct Args {
  std::string command;
  std::string definition, input, resolver = "bench", name;
  bool virtual_time = false, count_transitions = false, trace = false, timing = false;
  double wait_scale = 1.0, retry_scale = 1.0;
  long repeat = 1, warmup = 0, threads = 0, payload_limit = 0;
};

struct UsageError {
  std::string message;
};

double to_double(const std::string& flag, const std::string& v) {
  try {
    std::size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size() && d >= 0) return d;
  } catch (...) {
  }
  throw UsageError{flag + " needs a non-negative number, got '" + v + "'"};
}

long to_long(const std::string& flag, const std::string& v, long min) {
  try {
    std::size_t used = 0;
    long l = std::stol(v, &used);
    if (used == v.size() && l >= min) return l;
  } catch (...) {
  }
  throw UsageError{flag + " needs an integer >= " + std::to_string(min) + ", got '" + v + "'"};
}

Args parse_args(int argc, char** argv) {
  if (argc < 2) throw UsageError{"missing command"};
  Args a;
  a.command = argv[1];
  if (a.command != "run" && a.command != "validate") throw UsageError{"unknown command '" + a.command + "'"};
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError{flag + " needs a value"};
      return argv[++i];
    };
    if (flag == "--definition") a.definition = value();
    else if (flag == "--input" && a.command == "run") a.input = value();
    else if (flag == "--virtual-time" && a.command == "run") a.virtual_time = true;
    else if (flag == "--wait-scale" && a.command == "run") a.wait_scale = to_double(flag, value());
    else if (flag == "--retry-interval-scale" && a.command == "run") a.retry_scale = to_double(flag, value());
    else if (flag == "--resolver" && a.command == "run") a.resolver = value();
    else if (flag == "--repeat" && a.command == "run") a.repeat = to_long(flag, value(), 1), a.timing = true;
    else if (flag == "--warmup" && a.command == "run") a.warmup = to_long(flag, value(), 0), a.timing = true;
    else if (flag == "--threads" && a.command == "run") a.threads = to_long(flag, value(), 0);
    else if (flag == "--count-transitions" && a.command == "run") a.count_transitions = true;
    else if (flag == "--name" && a.command == "run") a.name = value();
    else if (flag == "--trace" && a.command == "run") a.trace = true;
    else if (flag == "--payload-limit" && a.command == "run") a.payload_limit = to_long(flag, value(), 0);
    else throw UsageError{"unknown option '" + flag + "'"};
  }
  if (a.definition.empty()) throw UsageError{"--definition FILE is required"};
  if (a.resolver != "bench") throw UsageError{"unknown resolver '" + a.resolver + "' (known: bench)"};
  return a;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// --trace: one stderr line per state entered/exited and per failure, so a person sees the run.
class TraceObserver final : public asl::Observer {
 public:
  void on_event(const asl::HistoryEvent& e) override {
    const std::string_view type = asl::to_string(e.type);
    const asl::Json& d = *e.details;
    std::string line = fmt::format("[{:>4}] {}", e.id, type);
    if (d.contains("name")) line += fmt::format(" {}", d["name"].get<std::string>());
    if (d.contains("index")) line += fmt::format(" #{}", d["index"].dump());
    if (d.contains("error")) line += fmt::format(" error={}", d["error"].dump());
    if (d.contains("output") && type.find("Exited") != std::string_view::npos) {
      std::string out = d["output"].dump();
      if (out.size() > 160) out = out.substr(0, 157) + "...";
      line += " -> " + out;
    }
    fmt::print(stderr, "{}\n", line);
  }
};

int run(const Args& a) {
  using clock = std::chrono::steady_clock;
  const auto load_start = clock::now();
  auto text = read_file(a.definition);
  if (!text) {
    fmt::print(stderr, "asl: cannot read definition file '{}'\n", a.definition);
    return exit_load;
  }
  asl::Json input = asl::Json::object();
  if (!a.input.empty()) {
    auto in = read_file(a.input);
    if (!in) {
      fmt::print(stderr, "asl: cannot read input file '{}'\n", a.input);
      return exit_load;
    }
    try {
      input = asl::parse_json(*in);
    } catch (const std::exception& e) {
      fmt::print(stderr, "asl: input file '{}' is not valid JSON: {}\n", a.input, e.what());
      return exit_load;
    }
  }
  asl_bench::BenchResolver resolver;
  std::optional<asl::StateMachine> sm;
  try {
    asl::LoadOptions lo;
    sm = asl::StateMachine::parse(*text, resolver, lo);
  } catch (const asl::DefinitionError& e) {
    fmt::print(stderr, "asl: invalid definition '{}':\n{}\n", a.definition, e.what());
    return exit_load;
  }
  const auto load_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - load_start).count();

  asl::EngineOptions opts;
  opts.virtual_time = a.virtual_time;
  opts.wait_scale = a.wait_scale;
  opts.retry_interval_scale = a.retry_scale;
  opts.payload_limit = static_cast<std::size_t>(a.payload_limit);
  // --threads 1 runs inline on the main thread (no hand-off at all); otherwise a pool (0 = all cores).
  opts.threads = static_cast<unsigned>(a.threads);
  opts.inline_execution = a.threads == 1;
  asl::Engine engine(opts);
  if (a.trace) engine.add_observer(std::make_shared<TraceObserver>());

  auto execute = [&](asl::Json in) {
    resolver.reset();
    asl::RunOptions ro;
    ro.name = a.name;
    return engine.run(*sm, std::move(in), ro);
  };

  asl::ExecutionStats counted;
  if (a.count_transitions) counted = execute(input).stats;  // one extra untimed execution
  std::vector<long long> warm_ns, exec_ns;
  asl::ExecutionResult last;
  auto timed = [&](std::vector<long long>& into) {
    asl::Json copy = input;  // prepared outside the timer (CONTRACT.md §2.2)
    const auto t0 = clock::now();
    asl::ExecutionResult r = execute(std::move(copy));
    const auto t1 = clock::now();
    into.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    return r;
  };
  for (long i = 0; i < a.warmup; ++i) timed(warm_ns);
  for (long i = 0; i < a.repeat; ++i) last = timed(exec_ns);

  fmt::print("{}\n", last.to_json().dump());
  if (a.timing) {
    std::vector<long long> sorted = exec_ns;
    std::sort(sorted.begin(), sorted.end());
    const long long median = sorted.size() % 2 ? sorted[sorted.size() / 2]
                                               : (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]) / 2;
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    asl::Json t;
    t["engine"] = std::string("asl@") + asl::version_string;
#if defined(__clang__)
    t["runtime"] = fmt::format("clang++ {}.{}", __clang_major__, __clang_minor__);
#elif defined(__GNUC__)
    t["runtime"] = fmt::format("g++ {}.{}", __GNUC__, __GNUC_MINOR__);
#else
    t["runtime"] = "c++";
#endif
    t["load_ns"] = load_ns;
    t["warmup"] = a.warmup;
    t["repeat"] = a.repeat;
    t["warmup_ns"] = warm_ns;
    t["exec_ns"] = exec_ns;
    t["median_ns"] = median;
    t["min_ns"] = sorted.front();
    t["max_ns"] = sorted.back();
    if (a.count_transitions) {
      t["transitions"] = counted.transitions();
      t["state_entries"] = counted.state_entries;
      t["retries"] = counted.retries;
    } else {
      t["transitions"] = nullptr;
      t["state_entries"] = nullptr;
      t["retries"] = nullptr;
    }
    t["peak_rss_kb"] = ru.ru_maxrss;
    t["threads"] = engine.threads();
    t["notes"] = engine.threads() == 1 ? "history off (events only counted); inline on the calling thread"
                                       : "history off (events only counted); Map/Parallel on a worker pool";
    fmt::print("{}\n", asl::Json{{"timing", t}}.dump());
  }
  return exit_ok;
}

int validate(const Args& a) {
  auto text = read_file(a.definition);
  if (!text) {
    fmt::print(stderr, "asl: cannot read definition file '{}'\n", a.definition);
    return exit_load;
  }
  auto diags = asl::validate(*text);
  asl::Json out{{"valid", diags.empty()}, {"diagnostics", asl::Json::array()}};
  for (const auto& d : diags)
    out["diagnostics"].push_back({{"id", d.id}, {"pointer", d.pointer}, {"message", d.message},
                                  {"aws_code", d.aws_code}});
  fmt::print("{}\n", out.dump());
  for (const auto& d : diags) fmt::print(stderr, "{}\n", d.to_string());
  return diags.empty() ? exit_ok : exit_load;
}

}  // namespace

namespace {
/// A long-running host's allocator is warm; a fresh CLI process's is not. glibc serves blocks of
/// 128 KiB and more with mmap/munmap (page faults on every use) until a free raises its dynamic
/// threshold, and grows the heap a little at a time: both made the first execution up to 2.5x
/// the median. Fixing the threshold and padding the heap makes the first execution look like the
/// rest. Process-wide tuning of the tool only; the library never calls mallopt.
void tune_allocator() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
}

/// glibc's per-thread cache keeps 7 free blocks of each size. A worker that frees more blocks of
/// a size than it allocates (frames and documents another worker made, which is what Map and
/// Parallel do) overflows it and frees into the other thread's arena under that arena's lock;
/// with two workers that lock became a futex ping-pong (~8,000 context switches in 22 runs of
/// parallel_branches, and 2 threads 1.4x slower than 1). The count can only be raised through
/// GLIBC_TUNABLES, which glibc reads at process start, so the tool re-executes itself once with
/// it set. A GLIBC_TUNABLES the user set is left alone; if the exec fails, the run goes on.
/// Inline runs (`--threads 1`) keep glibc's default: one thread frees what it allocated, and
/// the larger cache measured slower there (pass_chain 0.29 -> 0.31 ms).
void tune_thread_cache(int argc, char** argv) {
#if defined(__GLIBC__) && defined(__linux__)
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--threads" && std::string_view(argv[i + 1]) == "1") return;
  if (setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=8192", 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("GLIBC_TUNABLES");
#else
  (void)argc;
  (void)argv;
#endif
}
}  // namespace

int main(int argc, char** argv) {
  tune_thread_cache(argc, argv);
  tune_allocator();
  Args args;
  try {
    args = parse_args(argc, argv);
  } catch (const UsageError& e) {
    fmt::print(stderr, "asl: {}\n{}", e.message, usage_text);
    return exit_usage;
  }
  try {
    return args.command == "run" ? run(args) : validate(args);
  } catch (const std::exception& e) {
    fmt::print(stderr, "asl: {}\n", e.what());
    return exit_load;
  }
}
