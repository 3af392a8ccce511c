// The outcome of an execution as a value: status, output, error and cause (AWS's DescribeExecution).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "asl/json.hpp"

namespace asl {

/// Terminal statuses of an execution, spelled as AWS spells them.
enum class Status : std::uint8_t { running, succeeded, failed, timed_out, aborted };

inline std::string_view to_string(Status s) {
  switch (s) {
    case Status::running: return "RUNNING";
    case Status::succeeded: return "SUCCEEDED";
    case Status::failed: return "FAILED";
    case Status::timed_out: return "TIMED_OUT";
    case Status::aborted: return "ABORTED";
  }
  return "UNKNOWN";
}

/// Counters the engine keeps for every execution (also what the benchmark contract reports).
struct ExecutionStats {
  std::uint64_t state_entries = 0;  ///< states entered, at any depth
  std::uint64_t retries = 0;        ///< re-attempts caused by a matching Retrier
  std::uint64_t events = 0;         ///< history events counted (AWS numbering)
  std::uint64_t transitions() const { return state_entries + retries; }
};

/// What an execution ended with. Never thrown: ASL failures are values.
struct ExecutionResult {
  Status status = Status::running;
  Json output;                       ///< the execution output when SUCCEEDED, else null
  std::optional<std::string> error;  ///< absent when AWS reports none (e.g. a Fail with only Cause)
  std::optional<std::string> cause;
  ExecutionStats stats;

  bool succeeded() const noexcept { return status == Status::succeeded; }

  /// `{"status":"SUCCEEDED","output":...,"error":null,"cause":null}` (the asl tool's output line).
  Json to_json() const {
    Json j = Json::object();
    j["status"] = std::string(to_string(status));
    j["output"] = output;
    j["error"] = error ? Json(*error) : Json(nullptr);
    j["cause"] = cause ? Json(*cause) : Json(nullptr);
    return j;
  }
};

}  // namespace asl
