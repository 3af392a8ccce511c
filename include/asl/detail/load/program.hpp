// The compiled form of a state machine: an immutable table of states shared by all executions.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "asl/detail/jsonpath/choice.hpp"
#include "asl/detail/load/compiled_parts.hpp"
#include "asl/detail/jsonpath/intrinsics.hpp"
#include "asl/detail/jsonpath/path.hpp"
#include "asl/detail/jsonpath/payload_template.hpp"
#include "asl/json.hpp"
#include "asl/task.hpp"

namespace asl::detail {

inline constexpr std::uint32_t no_index = 0xffffffffu;

enum class StateType : std::uint8_t { pass, task, choice, wait, succeed, fail, parallel, map };

/// InputPath / OutputPath / ResultPath: spec §4.2 distinguishes absent (identity), null and a path.
struct PathField {
  enum class Kind : std::uint8_t { absent, null, path };
  Kind kind = Kind::absent;
  jsonpath::Path path;

  bool is_identity() const { return kind == Kind::absent || (kind == Kind::path && path.is_root()); }
  bool is_null() const { return kind == Kind::null; }
};

/// A value given literally or through its `...Path` twin (TimeoutSeconds / TimeoutSecondsPath, ...).
struct ValueField {
  bool present = false;
  Json literal;
  std::optional<jsonpath::Path> path;
  std::string path_field;  ///< AWS names the field in its causes ("MaxConcurrencyPath")
};

struct Retrier {
  std::vector<std::string> error_equals;
  double interval_seconds = 1.0;
  std::uint32_t max_attempts = 3;
  double backoff_rate = 2.0;
  std::optional<double> max_delay_seconds;
  bool jitter_full = false;
};

struct Catcher {
  std::vector<std::string> error_equals;
  PathField result_path;
  std::uint32_t next = no_index;
};

struct ChoiceBranch {
  choice::Rule rule;
  std::uint32_t next = no_index;
};

/// How a Task's resource is called (spec §10.1): the suffix decides.
enum class Integration : std::uint8_t { request_response, sync, sync2, wait_for_task_token };

enum class WaitKind : std::uint8_t { seconds, timestamp, seconds_path, timestamp_path };

/// Fail's Error/Cause: a literal, a reference path, or an intrinsic (spec §3.7).
struct FailField {
  std::optional<std::string> literal;
  std::optional<jsonpath::Path> path;
  std::optional<intrinsics::Expression> function;
  std::string source_text;
};

/// One state. A flat struct rather than a variant: the interpreter switches on `type` and
/// reads only the fields that type has; unused members stay empty.
struct State {
  StateType type = StateType::pass;
  std::string name;
  std::uint32_t index = 0;
  std::uint32_t scope = 0;
  std::uint32_t next = no_index;  ///< no_index with `end` = terminal
  bool end = false;

  PathField input_path, output_path, result_path;
  std::optional<PayloadTemplate> parameters;       // Pass, Task, Parallel (Map: item_selector)
  std::optional<PayloadTemplate> result_selector;  // Task, Parallel, Map
  std::optional<Json> result;                      // Pass

  // Task
  std::string resource;
  TaskHandler handler;
  Integration integration = Integration::request_response;
  bool lambda_events = false;  ///< legacy Lambda ARN: AWS logs LambdaFunction* events
  ValueField timeout_seconds, heartbeat_seconds;
  std::optional<PayloadTemplate> credentials;
  std::optional<Json> credentials_literal;

  // Choice
  std::vector<ChoiceBranch> choices;
  std::uint32_t default_next = no_index;

  // Wait
  WaitKind wait_kind = WaitKind::seconds;
  std::int64_t wait_seconds = 0;
  std::string wait_timestamp;
  std::optional<jsonpath::Path> wait_path;

  // Fail
  FailField error, cause;

  // Parallel
  std::vector<std::uint32_t> branches;  ///< scope ids

  // Map
  std::uint32_t processor = no_index;  ///< scope id
  std::optional<jsonpath::Path> items_path;
  std::optional<PayloadTemplate> item_selector;
  ValueField max_concurrency, tolerated_failure_count, tolerated_failure_percentage;
  bool distributed = false;

  std::vector<Retrier> retriers;
  std::vector<Catcher> catchers;

  bool uses_context = false;  ///< some field of this state reads `$$`
  bool context_needs_input = false;  ///< ...and may read $$.Execution.Input (a copy of the input)
  /// How many levels deeper than its input this state's output can be (its fields' nesting, the
  /// objects its ResultPaths create, array-building intrinsics, a Map/Parallel result array);
  /// the interpreter's depth bound grows by it (EngineOptions::max_json_depth).
  std::uint32_t depth_growth = 0;
  bool deep_check = false;  ///< an intrinsic parses JSON text (unknown depth): measure the output
};

/// A `States` container: the top level, a Parallel branch or a Map item processor.
struct Scope {
  std::uint32_t start = no_index;
  std::vector<std::uint32_t> states;
};

/// The whole compiled machine. Immutable after compile; shared by executions (shared_ptr).
struct Program {
  Json definition;
  std::string name;
  std::vector<State> states;  ///< all states of the machine, nested ones included
  std::vector<Scope> scopes;  ///< scope 0 is the top level
  std::unordered_map<std::string, std::uint32_t> index_by_name;
  std::optional<std::uint64_t> timeout_seconds;
  bool uses_context = false;  ///< a state may read $$.Execution.Input: executions keep a copy of the input
  bool express = false;       ///< loaded as EXPRESS: no history cap, a 5-minute maximum duration
  bool has_distributed_map = false;  ///< a Map runs DISTRIBUTED: its iterations are child executions on AWS
};

}  // namespace asl::detail
