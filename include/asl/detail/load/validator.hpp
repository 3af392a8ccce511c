// Load-time validation of ASL definitions (JSONPath and JSONata): every rule AWS enforces, all problems as Diagnostics.
// SPDX-License-Identifier: MIT
//
// This file: the entry point (validate_definition) and the Validator class. validator/ holds the
// rest, one concern per file, each saying on its first line what it holds: fields.hpp (the field
// tables) and common.hpp (shared helpers) are included first; the member definitions at the end
// (diagnostics, walk, objects, graph, jsonpath, jsonata, retry_catch, states).
//
// Diagnostic ids. Stable: tests, docs and users match on them. Grouped by theme; 6xx is reserved
// for Task resource resolution (asl.definition.601, emitted by the compiler). An empty aws_code
// means "AWS accepts this, asl does not support it yet" (a definition AWS would run).
//
// | id  | aws_code                    | what                                                                  |
// |-----|-----------------------------|-----------------------------------------------------------------------|
// | 001 | INVALID_JSON_DESCRIPTION    | malformed JSON (with line and column)                                 |
// | 002 | SCHEMA_VALIDATION_FAILED    | definition is empty or not a JSON object                              |
// | 003 | SCHEMA_VALIDATION_FAILED    | duplicate key inside one JSON object                                  |
// | 004 | INVALID_JSON_DESCRIPTION    | JSON nesting deeper than ParseLimits::max_depth                       |
// | 005 | INVALID_JSON_DESCRIPTION    | invalid UTF-8                                                         |
// | 012 | SCHEMA_VALIDATION_FAILED    | state QueryLanguage "JSONPath" under a JSONata state machine          |
// | 090 | (retired)                   | was: QueryLanguage "JSONata" is not supported yet                     |
// | 091 | (retired)                   | was: Assign / workflow variables are not supported yet                |
// | 101 | MISSING_TRANSITION_TARGET   | StartAt does not name a state of its States object                    |
// | 102 | SCHEMA_VALIDATION_FAILED    | state name empty or longer than 80 characters                         |
// | 103 | SCHEMA_VALIDATION_FAILED    | neither Next nor "End": true                                          |
// | 104 | MISSING_TRANSITION_TARGET   | Next/Default/Choice Next/Catch Next target does not exist             |
// | 105 | MISSING_TRANSITION_TARGET   | target exists, but in another States object (into/out of a branch)    |
// | 106 | SCHEMA_VALIDATION_FAILED    | both Next and End                                                     |
// | 107 | SCHEMA_VALIDATION_FAILED    | End is not true                                                       |
// | 108 | SCHEMA_VALIDATION_FAILED    | state name used twice in the machine (branches/processors included)   |
// | 109 | MISSING_TRANSITION_TARGET   | state is not reachable                                                |
// | 110 | MISSING_END_STATE           | a States object has no terminal state (suppresses 109, as AWS does)   |
// | 201 | SCHEMA_VALIDATION_FAILED    | field not supported here (with did-you-mean)                          |
// | 202 | SCHEMA_VALIDATION_FAILED    | required field missing                                                |
// | 203 | SCHEMA_VALIDATION_FAILED    | field has the wrong JSON type                                         |
// | 204 | SCHEMA_VALIDATION_FAILED    | Type is not one of the 8 state types                                  |
// | 205 | SCHEMA_VALIDATION_FAILED    | mutually exclusive fields both set (X / XPath, ...)                   |
// | 206 | SCHEMA_VALIDATION_FAILED    | none of a required set (Wait time field, ItemProcessor/Iterator, ...) |
// | 207 | SCHEMA_VALIDATION_FAILED    | number out of range / not an integer                                  |
// | 208 | SCHEMA_VALIDATION_FAILED    | HeartbeatSeconds not smaller than TimeoutSeconds                      |
// | 209 | SCHEMA_VALIDATION_FAILED    | value not one of the allowed words (Version, Mode, ...)               |
// | 210 | SCHEMA_VALIDATION_FAILED    | DISTRIBUTED Map without ProcessorConfig.ExecutionType                 |
// | 211 | SCHEMA_VALIDATION_FAILED    | Map Label empty, too long, bad characters or not unique               |
// | 212 | SCHEMA_VALIDATION_FAILED    | Wait Timestamp is not an RFC 3339 timestamp                           |
// | 213 | SCHEMA_VALIDATION_FAILED    | EXPRESS machine uses .sync / .waitForTaskToken / an activity          |
// | 214 | SCHEMA_VALIDATION_FAILED    | array/object must not be empty (Branches, ResultWriter)               |
// | 215 | SCHEMA_VALIDATION_FAILED    | JSONPath-only field in a JSONata state, or the reverse                |
// | 301 | SCHEMA_VALIDATION_FAILED    | invalid JSONPath                                                      |
// | 302 | SCHEMA_VALIDATION_FAILED    | Reference Path required (single node)                                 |
// | 303 | SCHEMA_VALIDATION_FAILED    | ResultPath starts with $$ or names a variable                         |
// | 304 | SCHEMA_VALIDATION_FAILED    | payload template problem (.$ value, duplicate key after stripping)    |
// | 305 | SCHEMA_VALIDATION_FAILED    | invalid intrinsic function call                                       |
// | 306 | INVALID_JSONATA_EXPRESSION  | a "{% %}" expression does not parse (JSONata's message)               |
// | 307 | UNSUPPORTED_JSONATA_EXPRESSION | top-level `$`/field reference, `$$`, $states.result/errorOutput misplaced |
// | 308 | SCHEMA_VALIDATION_FAILED    | Assign: not a valid variable name                                     |
// | 309 | SCHEMA_VALIDATION_FAILED    | Assign in an inner scope of a name an outer scope assigns             |
// | 401 | SCHEMA_VALIDATION_FAILED    | Choice rule shape/operator/operand problem                            |
// | 402 | SCHEMA_VALIDATION_FAILED    | top-level Choice rule without Next                                    |
// | 403 | SCHEMA_VALIDATION_FAILED    | Next inside a nested (And/Or/Not) Choice rule                         |
// | 404 | SCHEMA_VALIDATION_FAILED    | Choices missing or empty                                              |
// | 501 | SCHEMA_VALIDATION_FAILED    | Retry/Catch on a state other than Task, Parallel, Map                 |
// | 502 | SCHEMA_VALIDATION_FAILED    | ErrorEquals not a non-empty array of strings                          |
// | 503 | SCHEMA_VALIDATION_FAILED    | States.ALL not alone in its ErrorEquals                               |
// | 504 | SCHEMA_VALIDATION_FAILED    | States.ALL in a Retrier/Catcher that is not the last                  |
// | 505 | SCHEMA_VALIDATION_FAILED    | Retrier field out of range (IntervalSeconds, MaxAttempts, ...)        |
// | 601 | (compiler)                  | reserved: unresolvable Task resource                                  |
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/jsonpath/path.hpp"
#include "asl/detail/load/compiled_parts.hpp"
#include "asl/detail/load/program.hpp"
#include "asl/detail/load/validator/common.hpp"
#include "asl/detail/load/validator/fields.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"

namespace asl::detail {

/// How the definition will run.
struct ValidateOptions {
  bool express = false;  ///< EXPRESS machine: .sync, .waitForTaskToken and activities are refused (spec §10.1)
};

namespace validator_impl {

class Validator {
 public:
  /// With `parts`, what the walk compiles (templates, Choice rules, intrinsics) is kept there for
  /// the Compiler.
  Validator(const Json& doc, const ValidateOptions& options, CompiledParts* parts = nullptr)
      : doc_(doc), options_(options), parts_(parts) {}

  std::vector<Diagnostic> run();

 private:
  // One `States` object: the top level, a Parallel branch or a Map processor.
  // State names are views of the document's keys and values, which outlive the validator.
  struct Container {
    std::string pointer;  ///< pointer of the object holding StartAt/States
    const Json* start_at = nullptr;
    std::vector<std::string_view> names;  ///< state names in document order
    std::unordered_map<std::string_view, std::uint32_t> positions;  ///< name -> index in `names`
    /// (index in `names` of the source state, target name), in the order found: flat, so that a
    /// state costs no allocation of its own; grouped by source only for the reachability walk.
    std::vector<std::pair<std::uint32_t, std::string_view>> edges;
    bool has_terminal = false;
    bool uncertain = false;      ///< a state whose type/transitions could not be read
    bool states_missing = true;  ///< no "States" object (yet): nothing to resolve names against
  };

  /// A Next / Default / Choice or Catch Next. Its pointer is kept as the part below the state
  /// (short enough not to allocate) and completed by transition_pointer() only when the target is
  /// missing.
  struct Transition {
    std::size_t container;
    std::string_view state;
    std::string_view target;
    std::string below_state;
  };

  // ---- emitting, document order (validator/diagnostics.hpp) ---------------------------------

  void emit(std::string_view id, std::string pointer, std::string message, std::string_view aws_code);
  void emit(std::string_view id, const Where& at, std::string message, std::string_view aws_code);
  void wrong_type(const Where& pointer, std::string_view name, std::string_view expected, const Json& v);
  void sort_in_document_order();

  // ---- containers and states (validator/walk.hpp) ------------------------------------------

  void walk_container(const Json& obj, const Where& pointer, const ObjectSpec& spec);
  void walk_states(const Json& states, const Where& pointer);
  void validate_state(const std::string& name, std::uint32_t position, const Json& state, const Where& pointer);

  // ---- generic object checking (validator/objects.hpp) --------------------------------------

  void check_object(const Json& obj, const Where& pointer, const ObjectSpec& spec);
  static const FieldSpec* find_field(const ObjectSpec& spec, std::string_view key);
  void unknown_field(const std::string& key, const Where& pointer, const ObjectSpec& spec);
  void check_group(const Json& obj, const Where& pointer, const ObjectSpec& spec, const GroupSpec& g);
  void check_value(const FieldSpec& f, const Json& v, const Where& pointer, const ObjectSpec& spec);
  void check_sub_object(const FieldSpec& f, const Json& v, const Where& pointer, const ObjectSpec& spec);
  void check_number(const FieldSpec& f, const Json& v, const Where& pointer, const ObjectSpec& spec,
                    bool integral);
  void check_one_of(const FieldSpec& f, const Json& v, const Where& pointer, std::string_view id);
  void check_timestamp(std::string_view name, const Json& v, const Where& pointer);
  static std::string capitalize(std::string_view what);

  // ---- transitions and the state graph (validator/graph.hpp) --------------------------------

  std::string state_pointer(std::size_t c, std::string_view name) const;
  std::string transition_pointer(const Transition& t) const;
  void register_state(const std::string& name, const Where& pointer);
  void check_transition_fields(const Json& state, const Where& pointer, const ObjectSpec& spec,
                               std::string_view type);
  void collect_loose_edges(const Json& state);
  void add_transition(const Json& value, const Where& pointer, std::string_view field_name);
  void resolve_transitions();
  std::string suggestion(std::string_view target, const Container& c);
  void check_terminals_and_reachability();

  // ---- paths, templates, intrinsics, Choice rules (validator/jsonpath.hpp) ------------------

  std::optional<jsonpath::Path> parse_path(std::string_view name, const Json& v, const Where& pointer);
  void check_path(std::string_view name, const Json& v, const Where& pointer, bool reference);
  void check_result_path(std::string_view name, const Json& v, const Where& pointer);
  void check_path_or_intrinsic(std::string_view name, const Json& v, const Where& pointer);
  void check_payload_template(std::string_view name, const Json& v, const Where& pointer, bool keep = true,
                              bool any_type = false);
  void check_choices(const Json& v, const Where& pointer);

  // ---- JSONata-mode recognition (validator/jsonata.hpp) -------------------------------------

  void read_machine_language();
  void read_state_language(const Json& state, const Where& pointer);
  void wrong_language(const std::string& key, const Where& pointer);
  bool computed_by_jsonata(const FieldSpec& f, const Json& v) const;
  void check_jsonata_state(std::string_view type, const Json& state, const Where& pointer);
  void check_assign(const Json& v, const Where& pointer);
  static bool is_variable_name(const std::string& name);
  void check_variable_scopes();

  // ---- Retry / Catch (validator/retry_catch.hpp) --------------------------------------------

  void check_error_handlers(const Json& v, const Where& pointer, const ObjectSpec& spec, std::string_view kind);
  void check_error_equals(const Json& v, const Where& pointer);

  // ---- Parallel, Map, Task specifics (validator/states.hpp) ---------------------------------

  void check_branches(const Json& v, const Where& pointer);
  void check_label(const Json& v, const Where& pointer);
  void check_credentials(const Json& v, const Where& pointer);
  void check_task(const Json& state, const Where& pointer);

  /// A variable some Assign writes, in the States object (container) whose scope holds it.
  struct Assigned {
    std::size_t container;
    std::string name;
    std::string pointer;
  };
  static constexpr std::size_t no_container = static_cast<std::size_t>(-1);

  const Json& doc_;
  const ValidateOptions& options_;
  std::vector<Assigned> assigned_;
  std::vector<std::size_t> container_parents_;  ///< per container: the one around it (no_container at the top)
  std::vector<Diagnostic> out_;
  std::vector<Container> containers_;
  std::vector<Transition> transitions_;
  std::unordered_map<std::string_view, std::size_t> states_;  ///< state name -> container of its first definition
  std::unordered_map<std::string, std::string> labels_;
  std::unordered_map<std::string, std::string> suggestions_;
  std::size_t suggestion_budget_ = 1000000;  ///< state-name comparisons left for did-you-mean
  std::size_t container_ = 0;
  Lang machine_lang_ = Lang::jsonpath;
  Lang lang_ = Lang::jsonpath;
  std::string_view state_name_;
  std::uint32_t state_position_ = 0;  ///< index of the state being checked in its container's names
  const Where* state_where_ = nullptr;  ///< the state being checked (transition pointers are kept below it)
  CompiledParts* parts_;
};

inline std::vector<Diagnostic> Validator::run() {
  if (!doc_.is_object()) {
    emit("002", "", fmt::format("Definition must be a valid JSON object, got {}", describe(doc_)), schema);
    return std::move(out_);
  }
  read_machine_language();
  walk_container(doc_, Where(), top_spec);
  resolve_transitions();
  check_terminals_and_reachability();
  check_variable_scopes();
  sort_in_document_order();
  return std::move(out_);
}

}  // namespace validator_impl

/// Checks a parsed definition against the ASL rules AWS enforces at CreateStateMachine /
/// ValidateStateMachineDefinition (spec §14), in both query languages. Returns every problem
/// found (empty = valid), in document order.
/// With `parts`, the templates, Choice rules and intrinsics compiled to check them are kept
/// there for Compiler::compile of the same document (see CompiledParts).
inline std::vector<asl::Diagnostic> validate_definition(const Json& definition, const ValidateOptions& options = {},
                                                        CompiledParts* parts = nullptr) {
  return validator_impl::Validator(definition, options, parts).run();
}

}  // namespace asl::detail

// The Validator's members, by concern (each file includes this one first).
#include "asl/detail/load/validator/diagnostics.hpp"
#include "asl/detail/load/validator/walk.hpp"
#include "asl/detail/load/validator/objects.hpp"
#include "asl/detail/load/validator/graph.hpp"
#include "asl/detail/load/validator/jsonpath.hpp"
#include "asl/detail/load/validator/jsonata.hpp"
#include "asl/detail/load/validator/retry_catch.hpp"
#include "asl/detail/load/validator/states.hpp"
