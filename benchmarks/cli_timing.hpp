// The timing line's common fields (`asl run --repeat` and `asl eval-jsonata --repeat`): one
// place for the medians, the runtime's name and the peak RSS that the benchmark contract reads.
// SPDX-License-Identifier: MIT
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <asl/json.hpp>
#include <asl/version.hpp>

namespace asl_cli {

/// {"engine", "runtime", "load_ns", "warmup", "repeat", "warmup_ns", "exec_ns", "median_ns",
/// "min_ns", "max_ns", "peak_rss_kb"}; the caller adds what its command knows besides.
inline asl::Json timing_fields(long long load_ns, long warmup, long repeat, const std::vector<long long>& warm_ns,
                               const std::vector<long long>& exec_ns) {
  std::vector<long long> sorted = exec_ns;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  const long long median = n == 0 ? 0 : n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
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
  t["warmup"] = warmup;
  t["repeat"] = repeat;
  t["warmup_ns"] = warm_ns;
  t["exec_ns"] = exec_ns;
  t["median_ns"] = median;
  t["min_ns"] = n == 0 ? 0 : sorted.front();
  t["max_ns"] = n == 0 ? 0 : sorted.back();
  t["peak_rss_kb"] = ru.ru_maxrss;
  return t;
}

}  // namespace asl_cli
