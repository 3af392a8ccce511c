// The compiled form of a state machine: an immutable table of states shared by all executions.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "asl/detail/query/state_queries.hpp"
#include "asl/json.hpp"
#include "asl/task_resolver.hpp"

namespace asl::detail {

inline constexpr std::uint32_t no_index = 0xffffffffu;

struct MapIo;  // items/map_io.hpp

enum class StateType : std::uint8_t { pass, task, choice, wait, succeed, fail, parallel, map };

struct Retrier {
  std::vector<std::string> error_equals;
  double interval_seconds = 1.0;
  std::uint32_t max_attempts = 3;
  double backoff_rate = 2.0;
  std::optional<double> max_delay_seconds;
  bool jitter_full = false;
};

/// A Catch's transition; how its error output meets the raw input is the queries' (ResultPath).
struct Catcher {
  std::vector<std::string> error_equals;
  std::uint32_t next = no_index;
};

/// How a Task's resource is called (spec §10.1): the suffix decides.
enum class Integration : std::uint8_t { request_response, sync, sync2, wait_for_task_token };

/// One state. A flat struct rather than a variant: the interpreter switches on `type` and
/// reads only the fields that type has; unused members stay empty. Whatever the state's fields
/// compute from data (paths, templates, rules, numbers) sits behind `queries`, in the state's
/// query language; the rest is the state's shape in the graph.
struct State {
  StateType type = StateType::pass;
  std::string name;
  std::uint32_t index = 0;
  std::uint32_t scope = 0;
  std::uint32_t next = no_index;  ///< no_index with `end` = terminal
  bool end = false;

  /// The state's compiled queries (never null after compile), and a copy of their shape where
  /// the interpreter reads it on every step (one pointer less to follow).
  std::unique_ptr<const StateQueries> queries;
  QueryShape shape;

  // Task
  std::string resource;
  TaskHandler handler;
  bool at_most_once = false;  ///< TaskDelivery::at_most_once (with a journal)
  Integration integration = Integration::request_response;
  bool lambda_events = false;  ///< legacy Lambda ARN: AWS logs LambdaFunction* events

  // Choice
  std::vector<std::uint32_t> choice_next;  ///< per rule, in order (queries->choose() picks one)
  std::uint32_t default_next = no_index;

  // Parallel
  std::vector<std::uint32_t> branches;  ///< scope ids

  // Map
  std::uint32_t processor = no_index;  ///< scope id
  bool distributed = false;
  /// A Distributed Map's ItemReader / ItemBatcher / ResultWriter, compiled (null: none).
  std::shared_ptr<const MapIo> io;

  std::vector<Retrier> retriers;
  std::vector<Catcher> catchers;

  bool jsonata = false;  ///< the state's query language is JSONata (its EvaluationFailed events)
  bool uses_context = false;  ///< some field of this state reads `$$`
  bool context_needs_input = false;  ///< ...and may read $$.Execution.Input (a copy of the input)
  /// How many levels deeper than its input this state's output can be (its fields' nesting, the
  /// objects its ResultPaths create, array-building intrinsics, a Map/Parallel result array);
  /// the interpreter's depth bound grows by it (EngineOptions::max_json_depth).
  std::uint32_t depth_growth = 0;
  bool deep_check = false;  ///< an intrinsic parses JSON text (unknown depth): measure the output

  /// The state assigns workflow variables somewhere (its own Assign, a rule's or a Catcher's).
  static bool queries_assign(const StateQueries& q) {
    const QueryShape& s = q.shape();
    for (bool b : s.rule_assign) if (b) return true;
    for (bool b : s.catch_assign) if (b) return true;
    return s.has_assign;
  }
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
  bool uses_variables = false;  ///< some state assigns: frames carry workflow variables
  bool has_distributed_map = false;  ///< a Map runs DISTRIBUTED: its iterations are child executions on AWS
};

}  // namespace asl::detail
