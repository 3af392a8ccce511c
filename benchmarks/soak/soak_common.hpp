// Shared by the soak and load programs: resident-memory figures from /proc/self/status and option parsing.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace asl_soak {

/// One `Vm...:   1234 kB` line of /proc/self/status, in KiB; 0 where /proc is unavailable.
inline std::uint64_t proc_status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = field + ":";
  while (std::getline(in, line)) {
    if (line.compare(0, prefix.size(), prefix) != 0) continue;
    try {
      return std::stoull(line.substr(prefix.size()));  // stoull skips the leading blanks, stops at " kB"
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

/// Resident set size now.
inline std::uint64_t rss_kb() { return proc_status_kb("VmRSS"); }
/// Peak resident set size of the process so far.
inline std::uint64_t peak_rss_kb() { return proc_status_kb("VmHWM"); }

/// Bytes the program holds in malloc'd blocks right now (all arenas, mmapped blocks included), or
/// 0 where the C library cannot tell (glibc before 2.33, other libcs). Unlike RSS it does not
/// count memory the allocator keeps after free(), so it tells a leak from allocator caching.
inline std::uint64_t heap_in_use_bytes() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 m = mallinfo2();
  return static_cast<std::uint64_t>(m.uordblks) + static_cast<std::uint64_t>(m.hblkhd);
#else
  return 0;
#endif
}

/// Returns free heap pages to the OS where the C library can (glibc); false elsewhere.
inline bool trim_heap() {
#if defined(__GLIBC__)
  malloc_trim(0);
  return true;
#else
  return false;
#endif
}

/// KiB as MiB with one decimal, for the summaries.
inline double to_mib(std::uint64_t kb) { return static_cast<double>(kb) / 1024.0; }

/// A bad command line: the programs print it with their usage text and exit 64.
struct UsageError {
  std::string message;
};

/// `flag`'s value as an integer >= min.
inline long long to_integer(const std::string& flag, const std::string& v, long long min) {
  try {
    std::size_t used = 0;
    const long long n = std::stoll(v, &used);
    if (used == v.size() && n >= min) return n;
  } catch (...) {
  }
  throw UsageError{flag + " needs an integer >= " + std::to_string(min) + ", got '" + v + "'"};
}

/// Walks argv as `--flag value` pairs and bare `--flag`s.
class ArgReader {
 public:
  ArgReader(int argc, char** argv) : argc_(argc), argv_(argv) {}
  /// The next flag, or false at the end.
  bool next(std::string& flag) {
    if (++i_ >= argc_) return false;
    flag = argv_[i_];
    return true;
  }
  /// The current flag's value (the next argument).
  std::string value(const std::string& flag) {
    if (i_ + 1 >= argc_) throw UsageError{flag + " needs a value"};
    return argv_[++i_];
  }

 private:
  int argc_;
  char** argv_;
  int i_ = 0;
};

}  // namespace asl_soak
