// Errors: ASL runtime errors as values (asl::Error) and the exceptions thrown at load time.
// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/base/pointer_display.hpp"

namespace asl {

/// Error names reserved by the Amazon States Language (spec Appendix A, AWS error handling).
namespace errors {
inline constexpr std::string_view all = "States.ALL";
inline constexpr std::string_view task_failed = "States.TaskFailed";
inline constexpr std::string_view timeout = "States.Timeout";
inline constexpr std::string_view heartbeat_timeout = "States.HeartbeatTimeout";
inline constexpr std::string_view runtime = "States.Runtime";
inline constexpr std::string_view permissions = "States.Permissions";
inline constexpr std::string_view result_path_match_failure = "States.ResultPathMatchFailure";
inline constexpr std::string_view parameter_path_failure = "States.ParameterPathFailure";
inline constexpr std::string_view intrinsic_failure = "States.IntrinsicFailure";
inline constexpr std::string_view branch_failed = "States.BranchFailed";
inline constexpr std::string_view no_choice_matched = "States.NoChoiceMatched";
inline constexpr std::string_view data_limit_exceeded = "States.DataLimitExceeded";
inline constexpr std::string_view exceed_tolerated_failure_threshold =
    "States.ExceedToleratedFailureThreshold";
inline constexpr std::string_view item_reader_failed = "States.ItemReaderFailed";
inline constexpr std::string_view result_writer_failed = "States.ResultWriterFailed";
inline constexpr std::string_view query_evaluation_error = "States.QueryEvaluationError";
}  // namespace errors

/// An ASL runtime error: a value, never thrown across the engine.
/// Both parts are optional because AWS distinguishes "absent" from empty: a Fail state with only
/// `Cause` fails the execution with no error name, and SendTaskFailure may omit both.
struct Error {
  std::optional<std::string> name;
  std::optional<std::string> cause;

  Error() = default;
  Error(std::string n, std::string c) : name(std::move(n)), cause(std::move(c)) {}

  /// For the cases where either part may be absent (a Fail state with only `Cause`).
  static Error maybe(std::optional<std::string> n, std::optional<std::string> c) {
    Error e;
    e.name = std::move(n);
    e.cause = std::move(c);
    return e;
  }

  /// The error name, or "" when absent (used when matching ErrorEquals).
  std::string_view name_or_empty() const { return name ? std::string_view(*name) : std::string_view(); }
  bool is(std::string_view n) const { return name && *name == n; }
};

/// Base of every exception asl throws.
class Exception : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Programmer misuse of the API (e.g. a builder without StartAt).
class UsageError : public Exception {
 public:
  using Exception::Exception;
};

/// A start refused by name, as AWS's StartExecution refuses it (HTTP 400 `ExecutionAlreadyExists`):
/// with a journal, a Standard execution's name is taken for good, and only the same start (same
/// name and input) while it still runs returns the running execution.
class ExecutionAlreadyExists : public Exception {
 public:
  using Exception::Exception;
};

/// A redrive of a name the journal does not hold (AWS: HTTP 400 `ExecutionDoesNotExist`).
class ExecutionDoesNotExist : public Exception {
 public:
  using Exception::Exception;
};

/// A redrive AWS's RedriveExecution would refuse (HTTP 400 `ExecutionNotRedrivable`): the
/// message is AWS's `redriveStatusReason` ("Execution is SUCCEEDED and cannot be redriven.").
class ExecutionNotRedrivable : public Exception {
 public:
  using Exception::Exception;
};

/// A state machine, version or alias that StateMachineRegistry does not hold (AWS:
/// `ResourceNotFound`, "State Machine Does Not Exist: '<arn>'").
class ResourceNotFound : public Exception {
 public:
  using Exception::Exception;
};

/// A change StateMachineRegistry refuses because of what else refers to it (AWS:
/// `ConflictException`, e.g. deleting a version that an alias routes to).
class Conflict : public Exception {
 public:
  using Exception::Exception;
};

/// One problem found in a definition.
struct Diagnostic {
  std::string id;        ///< stable id, e.g. "asl.definition.104"
  std::string pointer;   ///< JSON Pointer of the fault, e.g. "/States/Train/Next" ("" = whole document)
  std::string message;   ///< the rule broken, with a hint where one helps
  std::string aws_code;  ///< the closest AWS diagnostic code (SCHEMA_VALIDATION_FAILED, ...)

  /// `[asl.definition.104] /States/Train/Next: state "Evalute" does not exist (did you mean "Evaluate"?)`
  /// A pointer longer than 120 bytes is shortened in its middle here (detail::display_pointer).
  std::string to_string() const {
    std::string out = "[" + id + "] ";
    out += pointer.empty() ? std::string("/") : detail::display_pointer(pointer);
    out += ": ";
    out += message;
    return out;
  }
};

/// Thrown once, at load, when a definition breaks the rules. Carries every problem found.
class DefinitionError : public Exception {
 public:
  explicit DefinitionError(std::vector<Diagnostic> diagnostics)
      : Exception(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

  const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  static std::string join(const std::vector<Diagnostic>& ds) {
    std::string out;
    for (const auto& d : ds) {
      if (!out.empty()) out += '\n';
      out += d.to_string();
    }
    return out;
  }
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace asl
