// Load-time validation of ASL definitions (JSONPath mode): every rule AWS enforces, all problems as Diagnostics.
// SPDX-License-Identifier: MIT
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
// | 090 | (none)                      | QueryLanguage "JSONata" is not supported yet                          |
// | 091 | (none)                      | Assign / workflow variables are not supported yet                     |
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

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/json/pointer.hpp"
#include "asl/detail/jsonpath/choice.hpp"
#include "asl/detail/base/did_you_mean.hpp"
#include "asl/detail/jsonpath/intrinsics.hpp"
#include "asl/detail/jsonpath/path.hpp"
#include "asl/detail/jsonpath/payload_template.hpp"
#include "asl/detail/load/program.hpp"
#include "asl/detail/base/timestamp.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"

namespace asl::detail {

/// How the definition will run.
struct ValidateOptions {
  bool express = false;  ///< EXPRESS machine: .sync, .waitForTaskToken and activities are refused (spec §10.1)
};

namespace validator_impl {

// Member lookups by string_view: ordered_json compares each key with the looked-up one, and a
// string_view lets that start with the sizes (a `const char*` costs a strlen and a compare each).
using namespace std::string_view_literals;

// ---------------------------------------------------------------------------------------------
// Field tables (spec §1, §3, §9.3). Each object kind (a state type, a Retrier, ...) lists the
// fields it accepts, in which query language, whether required, and how the value is checked.
// ---------------------------------------------------------------------------------------------

/// Query language(s) a field belongs to (spec §3.1 "Mode" column).
enum class Lang : std::uint8_t { jsonpath = 1, jsonata = 2, both = 3 };

inline constexpr bool allows(Lang field, Lang state) {
  return (static_cast<unsigned>(field) & static_cast<unsigned>(state)) != 0;
}

/// How a field's value is checked.
enum class Check : std::uint8_t {
  any,                // any JSON (Pass Result, JSONata Output/Arguments/Items/Condition)
  type,               // the state's Type: handled before the table is chosen
  text,               // a string
  next,               // a state name in the same States object (resolved after the walk)
  end,                // must be true
  assign,             // Assign: not supported yet
  path,               // a Path or null (InputPath, OutputPath)
  result_path,        // a Reference Path or null, not $$, not a variable (ResultPath)
  reference_path,     // a Reference Path (ItemsPath, *SecondsPath, ...)
  path_or_intrinsic,  // Fail ErrorPath / CausePath
  payload_template,   // ResultSelector, ItemReader / ResultWriter Parameters: an object (JSONata: any)
  payload_any,        // state Parameters, ItemSelector, BatchInput: a template of any JSON type
  integer,            // integer in [min, max]
  number,             // number in [min, max]
  one_of,             // one of `values`
  timestamp,          // RFC 3339 timestamp string (Wait Timestamp)
  string_array,       // array of strings (ReaderConfig CSVHeaders)
  label,              // Map Label
  start_at,           // StartAt of a States container
  states,             // the States object of a container
  choices,
  retry,
  catch_,
  error_equals,
  branches,
  item_processor,  // ItemProcessor / Iterator
  processor_config,
  credentials,
  item_reader,
  reader_config,
  item_batcher,
  result_writer,
  writer_config,
};

struct Values {
  const std::string_view* data = nullptr;
  std::size_t size = 0;
};

template <std::size_t N>
constexpr Values values_of(const std::string_view (&a)[N]) {
  return Values{a, N};
}

struct FieldSpec {
  std::string_view name;
  Lang lang = Lang::both;
  Check check = Check::any;
  bool required = false;
  double min = 0;
  double max = 0;
  Values values{};
};

constexpr FieldSpec field(std::string_view name, Lang lang, Check check) {
  return FieldSpec{name, lang, check};
}

constexpr FieldSpec required(std::string_view name, Lang lang, Check check) {
  FieldSpec f{name, lang, check};
  f.required = true;
  return f;
}

constexpr FieldSpec integer(std::string_view name, Lang lang, double min, double max) {
  FieldSpec f{name, lang, Check::integer};
  f.min = min;
  f.max = max;
  return f;
}

constexpr FieldSpec number(std::string_view name, Lang lang, double min, double max) {
  FieldSpec f{name, lang, Check::number};
  f.min = min;
  f.max = max;
  return f;
}

constexpr FieldSpec one_of(std::string_view name, Lang lang, Values values) {
  FieldSpec f{name, lang, Check::one_of};
  f.values = values;
  return f;
}

/// Groups of fields with a joint rule (spec: "exactly one of", "MUST NOT both").
enum class Rule : std::uint8_t { at_most_one, exactly_one, at_least_one };

struct GroupSpec {
  Rule rule;
  std::string_view fields[4];
};

struct Fields {
  const FieldSpec* data = nullptr;
  std::size_t size = 0;
  const FieldSpec* begin() const { return data; }
  const FieldSpec* end() const { return data + size; }
};

struct Groups {
  const GroupSpec* data = nullptr;
  std::size_t size = 0;
  const GroupSpec* begin() const { return data; }
  const GroupSpec* end() const { return data + size; }
};

/// One kind of object: where it appears (for messages), its fields and its joint rules.
struct ObjectSpec {
  std::string_view what;  ///< "a Task state", "a Retrier", ... used as `... in <what>`
  Fields fields;
  Groups groups{};
  std::string_view value_id = "207";  ///< id for out-of-range / bad enum values (Retrier: 505)
};

template <std::size_t N>
constexpr Fields fields_of(const FieldSpec (&a)[N]) {
  return Fields{a, N};
}

template <std::size_t N>
constexpr Groups groups_of(const GroupSpec (&a)[N]) {
  return Groups{a, N};
}

constexpr Lang P = Lang::jsonpath;
constexpr Lang A = Lang::jsonata;
constexpr Lang B = Lang::both;

// 99999999 is the ceiling statelint and AWS's own schema use for seconds fields (spec §3.3, §14.4).
constexpr double max_seconds = 99999999;

inline constexpr std::string_view query_languages[] = {"JSONPath", "JSONata"};
inline constexpr std::string_view versions[] = {"1.0"};
inline constexpr std::string_view jitter_strategies[] = {"FULL", "NONE"};
inline constexpr std::string_view processor_modes[] = {"INLINE", "DISTRIBUTED"};
inline constexpr std::string_view execution_types[] = {"STANDARD", "EXPRESS"};
inline constexpr std::string_view input_types[] = {"CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"};
inline constexpr std::string_view csv_header_locations[] = {"FIRST_ROW", "GIVEN"};
inline constexpr std::string_view csv_delimiters[] = {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"};
inline constexpr std::string_view manifest_types[] = {"ATHENA_DATA", "S3_INVENTORY"};
inline constexpr std::string_view reader_transformations[] = {"NONE", "LOAD_AND_FLATTEN"};
inline constexpr std::string_view writer_transformations[] = {"NONE", "COMPACT", "FLATTEN"};
inline constexpr std::string_view output_types[] = {"JSON", "JSONL"};

/// AWS lists the types in this order in its message (spec §2.1).
inline constexpr std::string_view state_types[] = {"Task", "Wait",   "Pass",     "Succeed",
                                                   "Fail", "Choice", "Parallel", "Map"};

// Top level (spec §1).
inline constexpr FieldSpec top_fields[] = {
    required("StartAt", B, Check::start_at),
    required("States", B, Check::states),
    field("Comment", B, Check::text),
    one_of("Version", B, values_of(versions)),
    integer("TimeoutSeconds", B, 1, max_seconds),
    one_of("QueryLanguage", B, values_of(query_languages)),
};

// Parallel branch, Map ItemProcessor / Iterator (spec §3.8, §3.9.1).
inline constexpr FieldSpec branch_fields[] = {
    required("StartAt", B, Check::start_at),
    required("States", B, Check::states),
    field("Comment", B, Check::text),
};
inline constexpr FieldSpec processor_fields[] = {
    required("StartAt", B, Check::start_at),
    required("States", B, Check::states),
    field("Comment", B, Check::text),
    field("ProcessorConfig", B, Check::processor_config),
};

// States (spec §3.1 matrix, §3.2-§3.9).
inline constexpr FieldSpec pass_fields[] = {
    required("Type", B, Check::type),
    field("Comment", B, Check::text),
    one_of("QueryLanguage", B, values_of(query_languages)),
    field("Next", B, Check::next),
    field("End", B, Check::end),
    field("InputPath", P, Check::path),
    field("OutputPath", P, Check::path),
    field("Parameters", P, Check::payload_any),
    field("Result", B, Check::any),  // JSONata: see spec §16.16 (AWS's own schema accepts it)
    field("ResultPath", P, Check::result_path),
    field("Output", A, Check::any),
    field("Assign", B, Check::assign),
};

inline constexpr FieldSpec task_fields[] = {
    required("Type", B, Check::type),
    field("Comment", B, Check::text),
    one_of("QueryLanguage", B, values_of(query_languages)),
    field("Next", B, Check::next),
    field("End", B, Check::end),
    required("Resource", B, Check::text),
    field("InputPath", P, Check::path),
    field("OutputPath", P, Check::path),
    field("Parameters", P, Check::payload_any),
    field("ResultSelector", P, Check::payload_template),
    field("ResultPath", P, Check::result_path),
    field("Arguments", A, Check::any),
    field("Output", A, Check::any),
    field("Assign", B, Check::assign),
    integer("TimeoutSeconds", B, 1, max_seconds),
    field("TimeoutSecondsPath", P, Check::reference_path),
    integer("HeartbeatSeconds", B, 1, max_seconds),
    field("HeartbeatSecondsPath", P, Check::reference_path),
    field("Credentials", B, Check::credentials),
    field("Retry", B, Check::retry),
    field("Catch", B, Check::catch_),
};
inline constexpr GroupSpec task_groups[] = {
    {Rule::at_most_one, {"TimeoutSeconds", "TimeoutSecondsPath"}},
    {Rule::at_most_one, {"HeartbeatSeconds", "HeartbeatSecondsPath"}},
};

inline constexpr FieldSpec choice_fields[] = {
    required("Type", B, Check::type),
    field("Comment", B, Check::text),
    one_of("QueryLanguage", B, values_of(query_languages)),
    required("Choices", B, Check::choices),
    field("Default", B, Check::next),
    field("InputPath", P, Check::path),
    field("OutputPath", P, Check::path),
    field("Output", A, Check::any),
    field("Assign", B, Check::assign),
};

inline constexpr FieldSpec wait_fields[] = {
    required("Type", B, Check::type),
    field("Comment", B, Check::text),
    one_of("QueryLanguage", B, values_of(query_languages)),
    field("Next", B, Check::next),
    field("End", B, Check::end),
    integer("Seconds", B, 0, max_seconds),
    field("Timestamp", B, Check::timestamp),
    field("SecondsPath", P, Check::reference_path),
    field("TimestampPath", P, Check::reference_path),
    field("InputPath", P, Check::path),
    field("OutputPath", P, Check::path),
    field("Output", A, Check::any),
    field("Assign", B, Check::assign),
};
inline constexpr GroupSpec wait_groups[] = {
    {Rule::exactly_one, {"Seconds", "Timestamp", "SecondsPath", "TimestampPath"}},
};

inline constexpr FieldSpec succeed_fields[] = {
    required("Type", B, Check::type),
    field("Comment", B, Check::text),
    one_of("QueryLanguage", B, values_of(query_languages)),
    field("InputPath", P, Check::path),
    field("OutputPath", P, Check::path),
    field("Output", A, Check::any),
};

inline constexpr FieldSpec fail_fields[] = {
    required("Type", B, Check::type),
    field("Comment", B, Check::text),
    one_of("QueryLanguage", B, values_of(query_languages)),
    field("Error", B, Check::text),
    field("Cause", B, Check::text),
    field("ErrorPath", P, Check::path_or_intrinsic),
    field("CausePath", P, Check::path_or_intrinsic),
};
inline constexpr GroupSpec fail_groups[] = {
    {Rule::at_most_one, {"Error", "ErrorPath"}},
    {Rule::at_most_one, {"Cause", "CausePath"}},
};

inline constexpr FieldSpec parallel_fields[] = {
    required("Type", B, Check::type),
    field("Comment", B, Check::text),
    one_of("QueryLanguage", B, values_of(query_languages)),
    field("Next", B, Check::next),
    field("End", B, Check::end),
    required("Branches", B, Check::branches),
    field("InputPath", P, Check::path),
    field("OutputPath", P, Check::path),
    field("Parameters", P, Check::payload_any),
    field("ResultSelector", P, Check::payload_template),
    field("ResultPath", P, Check::result_path),
    field("Arguments", A, Check::any),
    field("Output", A, Check::any),
    field("Assign", B, Check::assign),
    field("Retry", B, Check::retry),
    field("Catch", B, Check::catch_),
};

inline constexpr FieldSpec map_fields[] = {
    required("Type", B, Check::type),
    field("Comment", B, Check::text),
    one_of("QueryLanguage", B, values_of(query_languages)),
    field("Next", B, Check::next),
    field("End", B, Check::end),
    field("ItemProcessor", B, Check::item_processor),
    field("Iterator", B, Check::item_processor),
    field("ItemsPath", P, Check::reference_path),
    field("Items", A, Check::any),
    field("ItemSelector", B, Check::payload_any),
    field("Parameters", P, Check::payload_any),
    integer("MaxConcurrency", B, 0, std::numeric_limits<std::int32_t>::max()),
    field("MaxConcurrencyPath", P, Check::reference_path),
    field("ItemReader", B, Check::item_reader),
    field("ItemBatcher", B, Check::item_batcher),
    field("ResultWriter", B, Check::result_writer),
    number("ToleratedFailurePercentage", B, 0, 100),
    field("ToleratedFailurePercentagePath", P, Check::reference_path),
    integer("ToleratedFailureCount", B, 0, std::numeric_limits<std::int32_t>::max()),
    field("ToleratedFailureCountPath", P, Check::reference_path),
    field("Label", B, Check::label),
    field("InputPath", P, Check::path),
    field("OutputPath", P, Check::path),
    field("ResultSelector", P, Check::payload_template),
    field("ResultPath", P, Check::result_path),
    field("Output", A, Check::any),
    field("Assign", B, Check::assign),
    field("Retry", B, Check::retry),
    field("Catch", B, Check::catch_),
};
inline constexpr GroupSpec map_groups[] = {
    {Rule::exactly_one, {"ItemProcessor", "Iterator"}},
    {Rule::at_most_one, {"ItemSelector", "Parameters"}},
    {Rule::at_most_one, {"MaxConcurrency", "MaxConcurrencyPath"}},
    {Rule::at_most_one, {"ToleratedFailurePercentage", "ToleratedFailurePercentagePath"}},
    {Rule::at_most_one, {"ToleratedFailureCount", "ToleratedFailureCountPath"}},
};

// Error handling (spec §9.3, §9.4).
inline constexpr FieldSpec retrier_fields[] = {
    required("ErrorEquals", B, Check::error_equals),
    integer("IntervalSeconds", B, 1, max_seconds),
    integer("MaxAttempts", B, 0, max_seconds),
    number("BackoffRate", B, 1, std::numeric_limits<double>::infinity()),
    integer("MaxDelaySeconds", B, 1, 31622400),
    one_of("JitterStrategy", B, values_of(jitter_strategies)),
    field("Comment", B, Check::text),
};
inline constexpr FieldSpec catcher_fields[] = {
    required("ErrorEquals", B, Check::error_equals),
    required("Next", B, Check::next),
    field("ResultPath", P, Check::result_path),
    field("Output", A, Check::any),
    field("Assign", B, Check::assign),
    field("Comment", B, Check::text),
};

// JSONata Choice rules (spec §7.4); JSONPath rules are checked by choice::Rule::compile.
inline constexpr FieldSpec jsonata_rule_fields[] = {
    required("Condition", A, Check::any),
    required("Next", B, Check::next),
    field("Output", A, Check::any),
    field("Assign", B, Check::assign),
    field("Comment", B, Check::text),
};

// Task Credentials (spec §3.3, §10.7).
inline constexpr FieldSpec credentials_fields[] = {
    field("RoleArn", B, Check::text),
    field("RoleArn.$", P, Check::any),  // checked with the whole object as a payload template
};
inline constexpr GroupSpec credentials_groups[] = {
    {Rule::at_most_one, {"RoleArn", "RoleArn.$"}},
};

// Map sub-objects (spec §3.9.1, §3.9.4-§3.9.6).
inline constexpr FieldSpec processor_config_fields[] = {
    one_of("Mode", B, values_of(processor_modes)),
    one_of("ExecutionType", B, values_of(execution_types)),
};
inline constexpr FieldSpec item_reader_fields[] = {
    required("Resource", B, Check::text),
    field("Parameters", P, Check::payload_template),
    field("Arguments", A, Check::any),
    field("ReaderConfig", B, Check::reader_config),
};
inline constexpr FieldSpec reader_config_fields[] = {
    one_of("InputType", B, values_of(input_types)),
    one_of("CSVHeaderLocation", B, values_of(csv_header_locations)),
    field("CSVHeaders", B, Check::string_array),
    one_of("CSVDelimiter", B, values_of(csv_delimiters)),
    one_of("ManifestType", B, values_of(manifest_types)),
    one_of("Transformation", B, values_of(reader_transformations)),
    field("ItemsPointer", B, Check::text),
    // 0 means "no limit" on AWS, so the range starts at 0, not 1 as the spec reads: AWS's own schema
    // (aws/amazon-states-language-service, map_state.json) has "minimum": 0, and deployed samples
    // use it (aws-samples/aws-stepfunctions-examples, the Monte Carlo simulation's distributed Map).
    integer("MaxItems", B, 0, 100000000),
    field("MaxItemsPath", P, Check::reference_path),
};
inline constexpr GroupSpec reader_config_groups[] = {
    {Rule::at_most_one, {"MaxItems", "MaxItemsPath"}},
};
inline constexpr FieldSpec item_batcher_fields[] = {
    integer("MaxItemsPerBatch", B, 1, std::numeric_limits<std::int32_t>::max()),
    field("MaxItemsPerBatchPath", P, Check::reference_path),
    integer("MaxInputBytesPerBatch", B, 1, 262144),
    field("MaxInputBytesPerBatchPath", P, Check::reference_path),
    field("BatchInput", B, Check::payload_any),
};
inline constexpr GroupSpec item_batcher_groups[] = {
    {Rule::at_most_one, {"MaxItemsPerBatch", "MaxItemsPerBatchPath"}},
    {Rule::at_most_one, {"MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"}},
    {Rule::at_least_one,
     {"MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath"}},
};
inline constexpr FieldSpec result_writer_fields[] = {
    field("Resource", B, Check::text),
    field("Parameters", P, Check::payload_template),
    field("Arguments", A, Check::any),
    field("WriterConfig", B, Check::writer_config),
};
inline constexpr FieldSpec writer_config_fields[] = {
    one_of("Transformation", B, values_of(writer_transformations)),
    one_of("OutputType", B, values_of(output_types)),
};

inline constexpr ObjectSpec top_spec{"the top level of a state machine", fields_of(top_fields)};
inline constexpr ObjectSpec branch_spec{"a Parallel branch", fields_of(branch_fields)};
inline constexpr ObjectSpec item_processor_spec{"an ItemProcessor", fields_of(processor_fields)};
inline constexpr ObjectSpec iterator_spec{"an Iterator", fields_of(processor_fields)};
inline constexpr ObjectSpec pass_spec{"a Pass state", fields_of(pass_fields)};
inline constexpr ObjectSpec task_spec{"a Task state", fields_of(task_fields), groups_of(task_groups)};
inline constexpr ObjectSpec choice_spec{"a Choice state", fields_of(choice_fields)};
inline constexpr ObjectSpec wait_spec{"a Wait state", fields_of(wait_fields), groups_of(wait_groups)};
inline constexpr ObjectSpec succeed_spec{"a Succeed state", fields_of(succeed_fields)};
inline constexpr ObjectSpec fail_spec{"a Fail state", fields_of(fail_fields), groups_of(fail_groups)};
inline constexpr ObjectSpec parallel_spec{"a Parallel state", fields_of(parallel_fields)};
inline constexpr ObjectSpec map_spec{"a Map state", fields_of(map_fields), groups_of(map_groups)};
inline constexpr ObjectSpec retrier_spec{"a Retrier", fields_of(retrier_fields), {}, "505"};
inline constexpr ObjectSpec catcher_spec{"a Catcher", fields_of(catcher_fields)};
inline constexpr ObjectSpec jsonata_rule_spec{"a JSONata Choice rule", fields_of(jsonata_rule_fields)};
inline constexpr ObjectSpec credentials_spec{"Credentials", fields_of(credentials_fields),
                                             groups_of(credentials_groups)};
inline constexpr ObjectSpec processor_config_spec{"ProcessorConfig", fields_of(processor_config_fields)};
inline constexpr ObjectSpec item_reader_spec{"an ItemReader", fields_of(item_reader_fields)};
inline constexpr ObjectSpec reader_config_spec{"ReaderConfig", fields_of(reader_config_fields),
                                               groups_of(reader_config_groups)};
inline constexpr ObjectSpec item_batcher_spec{"an ItemBatcher", fields_of(item_batcher_fields),
                                              groups_of(item_batcher_groups)};
inline constexpr ObjectSpec result_writer_spec{"a ResultWriter", fields_of(result_writer_fields)};
inline constexpr ObjectSpec writer_config_spec{"WriterConfig", fields_of(writer_config_fields)};

/// The table for a state Type (same order as state_types), or nullptr.
inline const ObjectSpec* state_spec(std::string_view type) {
  static constexpr const ObjectSpec* specs[] = {&task_spec, &wait_spec,   &pass_spec,     &succeed_spec,
                                                &fail_spec, &choice_spec, &parallel_spec, &map_spec};
  for (std::size_t i = 0; i < std::size(state_types); ++i) {
    if (state_types[i] == type) return specs[i];
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------


inline std::string child(const std::string& pointer, std::string_view key) {
  return pointer + "/" + pointer_token(key);
}
inline std::string child(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

/// Where the walk is in the document: a chain of frames on the walk's stack, one per step down.
/// The JSON Pointer text is built only when a diagnostic needs it, so a valid definition (the
/// common case) builds none. A Where refers to its parent and to its key: both must outlive it.
class Where {
 public:
  Where() = default;  ///< the document root (pointer "")
  Where(const Where& parent, std::string_view key) : parent_(&parent), key_(key) {}
  Where(const Where& parent, std::size_t index) : parent_(&parent), index_(index), is_index_(true) {}

  /// The JSON Pointer; with `from` (an enclosing frame), only the part below it.
  std::string str(const Where* from = nullptr) const {
    std::string out;
    append(out, from);
    return out;
  }

 private:
  void append(std::string& out, const Where* from) const {
    if (parent_ == nullptr || this == from) return;
    parent_->append(out, from);
    out += '/';
    if (is_index_) {
      out += std::to_string(index_);
    } else if (key_.find_first_of("~/") == std::string_view::npos) {
      out += key_;  // nothing to escape (the usual key): skip pointer_token's copy
    } else {
      out += pointer_token(key_);
    }
  }

  const Where* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = 0;
  bool is_index_ = false;
};

// Same spelling as the string helpers above, so the walk reads the same. The result refers to
// `parent`: use it within the statement, or name it only for a parent that outlives it.
inline Where child(const Where& parent, std::string_view key) { return Where(parent, key); }
inline Where child(const Where& parent, std::size_t index) { return Where(parent, index); }

/// "a string", "an integer", ... for "must be X, got Y" messages.
inline std::string describe(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::string: return "a string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    default: return "a binary value";
  }
}

/// Value text for messages, shortened so a hostile 1 MB string does not flood the output.
inline std::string show(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

inline std::string quoted_list(const std::string_view* names, std::size_t n, std::string_view conj = ", ") {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (names[i].empty()) break;
    if (i) out += conj;
    out += '"';
    out += names[i];
    out += '"';
  }
  return out;
}

/// Number of characters in UTF-8 text (state names are limited in characters, spec §2.1).
inline std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u ? 1 : 0;
  return n;
}

/// A JSONata expression string: "{% ... %}" (spec §11.2). Fields of JSONata states may hold one
/// where JSONPath wants a literal; asl does not evaluate JSONata, so such values are not checked.
inline bool is_jsonata_expression(const Json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  return s.size() >= 4 && s.compare(0, 2, "{%") == 0 && s.compare(s.size() - 2, 2, "%}") == 0;
}

/// Integral value test that also accepts 3.0 (JSON Schema counts it as an integer).
inline bool is_integral(const Json& v) {
  if (v.is_number_integer()) return true;  // includes unsigned
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

inline std::string format_bound(double d) {
  if (std::isinf(d)) return "infinity";
  if (std::floor(d) == d && std::fabs(d) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(d));
  return fmt::format("{}", d);
}

/// Sort keys that put JSON Pointers in document order: the position of every token of a pointer
/// inside the document (index of the key in its object, or the array index); missing tokens sort
/// last. Key indexes of large objects are cached, so ordering many diagnostics about one big
/// "States" object stays linear.
class DocumentOrder {
 public:
  explicit DocumentOrder(const Json& root) : root_(root) {}

  std::vector<std::uint32_t> position(std::string_view pointer) {
    constexpr auto missing = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint32_t> pos;
    const Json* node = &root_;
    std::size_t i = 0;
    while (i < pointer.size() && pointer[i] == '/') {
      const std::size_t end = std::min(pointer.find('/', i + 1), pointer.size());
      std::string token;
      for (std::size_t k = i + 1; k < end; ++k) {
        if (pointer[k] == '~' && k + 1 < end) {
          token += pointer[k + 1] == '1' ? '/' : '~';
          ++k;
        } else {
          token += pointer[k];
        }
      }
      i = end;
      std::uint32_t index = missing;
      if (node && node->is_object()) {
        const auto& keys = key_index(*node);
        if (const auto it = keys.find(token); it != keys.end()) index = it->second;
      } else if (node && node->is_array() && !token.empty() && token.size() < 10 &&
                 token.find_first_not_of("0123456789") == std::string::npos) {
        const auto n = static_cast<std::uint32_t>(std::stoul(token));
        if (n < node->size()) index = n;
      }
      pos.push_back(index);
      if (index == missing) {
        node = nullptr;
      } else if (node->is_object()) {
        node = &object_member(*node, index);
      } else {
        node = &(*node)[index];
      }
    }
    return pos;
  }

 private:
  const std::unordered_map<std::string, std::uint32_t>& key_index(const Json& object) {
    auto [it, inserted] = cache_.try_emplace(&object);
    if (inserted) {
      std::uint32_t n = 0;
      for (auto m = object.begin(); m != object.end(); ++m) it->second.emplace(m.key(), n++);
    }
    return it->second;
  }

  static const Json& object_member(const Json& object, std::uint32_t index) {
    // ordered_json keeps members in a vector: the index addresses it directly.
    return static_cast<const Json::object_t::Container&>(object.get_ref<const Json::object_t&>())[index].second;
  }

  const Json& root_;
  std::unordered_map<const Json*, std::unordered_map<std::string, std::uint32_t>> cache_;
};

// ---------------------------------------------------------------------------------------------
// The validator
// ---------------------------------------------------------------------------------------------

inline constexpr const char* schema = "SCHEMA_VALIDATION_FAILED";
inline constexpr const char* missing_target = "MISSING_TRANSITION_TARGET";

class Validator {
 public:
  /// With `parts`, what the walk compiles (templates, Choice rules, intrinsics) is kept there for
  /// the Compiler.
  Validator(const Json& doc, const ValidateOptions& options, CompiledParts* parts = nullptr)
      : doc_(doc), options_(options), parts_(parts) {}

  std::vector<Diagnostic> run() {
    if (!doc_.is_object()) {
      emit("002", "", fmt::format("Definition must be a valid JSON object, got {}", describe(doc_)), schema);
      return std::move(out_);
    }
    // The machine's language is the default of every state, nested ones included (spec §2.5).
    if (const auto it = doc_.find("QueryLanguage"); it != doc_.end() && *it == "JSONata") {
      machine_lang_ = Lang::jsonata;
      emit("090", "/QueryLanguage",
           "QueryLanguage \"JSONata\" is not supported yet: asl runs JSONPath states only (remove the field "
           "or set it to \"JSONPath\")",
           "");
    }
    walk_container(doc_, Where(), top_spec);
    resolve_transitions();
    check_terminals_and_reachability();
    sort_in_document_order();
    return std::move(out_);
  }

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

  // ---- emitting ---------------------------------------------------------------------------

  void emit(std::string_view id, std::string pointer, std::string message, std::string_view aws_code) {
    out_.push_back(
        Diagnostic{"asl.definition." + std::string(id), std::move(pointer), std::move(message), std::string(aws_code)});
  }

  void emit(std::string_view id, const Where& at, std::string message, std::string_view aws_code) {
    emit(id, at.str(), std::move(message), aws_code);
  }

  /// The pointer of state `name` of container `c` (what walk_states names it).
  std::string state_pointer(std::size_t c, std::string_view name) const {
    return containers_[c].pointer + "/States/" + pointer_token(name);
  }

  std::string transition_pointer(const Transition& t) const { return state_pointer(t.container, t.state) + t.below_state; }

  void wrong_type(const Where& pointer, std::string_view name, std::string_view expected, const Json& v) {
    emit("203", pointer, fmt::format("\"{}\" must be {}, got {}", name, expected, describe(v)), schema);
  }

  // ---- containers and states --------------------------------------------------------------

  void walk_container(const Json& obj, const Where& pointer, const ObjectSpec& spec) {
    const std::size_t saved = container_;
    container_ = containers_.size();
    containers_.push_back(Container{});
    containers_.back().pointer = pointer.str();
    check_object(obj, pointer, spec);
    container_ = saved;
  }

  void walk_states(const Json& states, const Where& pointer) {
    for (auto it = states.begin(); it != states.end(); ++it) {
      const std::string& name = it.key();
      const Where sp = child(pointer, name);
      Container& c = containers_[container_];
      const auto position = static_cast<std::uint32_t>(c.names.size());
      c.names.push_back(name);
      c.positions.emplace(name, position);
      register_state(name, sp);
      validate_state(name, position, it.value(), sp);
    }
  }

  void register_state(const std::string& name, const Where& pointer) {
    // Names are limited to 80 characters (spec §2.1; 2016 spec said 128, AWS enforces 80).
    const std::size_t length = utf8_length(name);
    if (length == 0) {
      emit("102", pointer, "state names must not be empty", schema);
    } else if (length > 80) {
      emit("102", pointer,
           fmt::format("state name is {} characters long; state names are limited to 80 characters", length), schema);
    }
    const auto [it, inserted] = states_.emplace(name, container_);
    if (!inserted) {
      emit("108", pointer,
           fmt::format("state name \"{}\" is already used at {}: state names must be unique across the whole "
                       "state machine, Parallel branches and Map processors included",
                       name, state_pointer(it->second, name)),
           schema);
    }
  }

  /// `position`: the state's index in its container's `names`.
  void validate_state(const std::string& name, std::uint32_t position, const Json& state, const Where& pointer) {
    if (!state.is_object()) {
      wrong_type(pointer, name, "an object (a state)", state);
      containers_[container_].uncertain = true;
      return;
    }
    const Lang saved_lang = lang_;
    const std::string_view saved_state = state_name_;
    const std::uint32_t saved_position = state_position_;
    const Where* const saved_where = state_where_;
    state_name_ = name;
    state_position_ = position;
    state_where_ = &pointer;
    lang_ = machine_lang_;
    if (const auto ql = state.find("QueryLanguage"sv); ql != state.end()) {
      if (*ql == "JSONata") {
        lang_ = Lang::jsonata;
        if (machine_lang_ != Lang::jsonata) {
          emit("090", child(pointer, "QueryLanguage"),
               "QueryLanguage \"JSONata\" is not supported yet: asl runs JSONPath states only (remove the "
               "field or set it to \"JSONPath\")",
               "");
        }
      } else if (*ql == "JSONPath") {
        lang_ = Lang::jsonpath;
        if (machine_lang_ == Lang::jsonata) {
          // AWS: a JSONata machine cannot revert single states to JSONPath (spec §2.5).
          emit("012", child(pointer, "QueryLanguage"),
               "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", schema);
        }
      }
    }

    const auto type_it = state.find("Type"sv);
    const ObjectSpec* spec = nullptr;
    if (type_it == state.end()) {
      emit("202", pointer,
           fmt::format("missing required field \"Type\" in state \"{}\" (one of Task, Wait, Pass, Succeed, Fail, "
                       "Choice, Parallel, Map)",
                       name),
           schema);
    } else if (type_it->is_string()) {
      spec = state_spec(type_it->get_ref<const std::string&>());
    }
    if (type_it != state.end() && !spec) {
      std::string hint;
      if (type_it->is_string()) {
        std::vector<std::string_view> candidates(std::begin(state_types), std::end(state_types));
        if (auto s = did_you_mean(type_it->get_ref<const std::string&>(), candidates)) {
          hint = fmt::format(" (did you mean \"{}\"?)", *s);
        }
      }
      emit("204", child(pointer, "Type"),
           fmt::format("The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, "
                       "Choice, Parallel, Map], got {}{}",
                       show(*type_it), hint),
           schema);
    }
    if (!spec) {
      // Without a type the fields cannot be judged; still follow its transitions so that the
      // states it leads to are not reported as unreachable.
      containers_[container_].uncertain = true;
      collect_loose_edges(state);
      state_name_ = saved_state;
      state_position_ = saved_position;
      state_where_ = saved_where;
      lang_ = saved_lang;
      return;
    }

    const std::string_view type = type_it->get_ref<const std::string&>();
    check_object(state, pointer, *spec);
    check_transition_fields(state, pointer, *spec, type);
    if (type == "Succeed" || type == "Fail") containers_[container_].has_terminal = true;
    if (type == "Task") check_task(state, pointer);

    state_name_ = saved_state;
    state_position_ = saved_position;
    state_where_ = saved_where;
    lang_ = saved_lang;
  }

  /// Next xor "End": true for Task, Pass, Wait, Parallel, Map (spec §2.2).
  void check_transition_fields(const Json& state, const Where& pointer, const ObjectSpec& spec,
                               std::string_view type) {
    if (type == "Choice" || type == "Succeed" || type == "Fail") return;
    const auto next = state.find("Next"sv);
    const auto end = state.find("End"sv);
    const bool has_next = next != state.end();
    const bool has_end = end != state.end();
    if (has_end && *end == true) containers_[container_].has_terminal = true;
    if (!has_next && !has_end) {
      emit("103", pointer,
           fmt::format("{} needs either \"Next\" (the state to go to) or \"End\": true", capitalize(spec.what)),
           schema);
    } else if (has_next && has_end && *end == true) {
      emit("106", child(pointer, "End"),
           "\"Next\" and \"End\" cannot both be set: a state either continues to \"Next\" or ends the "
           "States object with \"End\": true",
           schema);
    }
  }

  static std::string capitalize(std::string_view what) {
    std::string s(what);
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
  }

  void collect_loose_edges(const Json& state) {
    auto& edges = containers_[container_].edges;
    auto add = [&](const Json& obj, const char* key) {
      if (const auto it = obj.find(key); it != obj.end() && it->is_string())
        edges.emplace_back(state_position_, it->get_ref<const std::string&>());
    };
    add(state, "Next");
    add(state, "Default");
    for (const char* list : {"Choices", "Catch"}) {
      if (const auto it = state.find(list); it != state.end() && it->is_array()) {
        for (const auto& entry : *it) {
          if (entry.is_object()) add(entry, "Next");
        }
      }
    }
  }

  // Next fields only occur inside states (state, Choice rule and Catcher tables), so state_where_
  // is set here.
  void add_transition(const Json& value, const Where& pointer, std::string_view field_name) {
    if (!value.is_string()) {
      wrong_type(pointer, field_name, "a string (a state name)", value);
      return;
    }
    const std::string& target = value.get_ref<const std::string&>();
    transitions_.push_back(Transition{container_, state_name_, target, pointer.str(state_where_)});
    containers_[container_].edges.emplace_back(state_position_, target);
  }

  // ---- generic object checking ------------------------------------------------------------

  void check_object(const Json& obj, const Where& pointer, const ObjectSpec& spec) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const std::string& key = it.key();
      const Where fp = child(pointer, key);
      const FieldSpec* f = find_field(spec, key);
      if (!f) {
        unknown_field(key, fp, spec);
      } else if (!allows(f->lang, lang_)) {
        emit("215", fp,
             lang_ == Lang::jsonata
                 ? fmt::format("field \"{}\" is only allowed in JSONPath states, and this state uses JSONata", key)
                 : fmt::format("field \"{}\" is only allowed in JSONata states, and this state uses JSONPath", key),
             schema);
      } else {
        check_value(*f, it.value(), fp, spec);
      }
    }
    for (const FieldSpec& f : spec.fields) {
      if (f.required && allows(f.lang, lang_) && !obj.contains(f.name)) {
        emit("202", pointer, fmt::format("missing required field \"{}\" in {}", f.name, spec.what), schema);
      }
    }
    for (const GroupSpec& g : spec.groups) check_group(obj, pointer, spec, g);
  }

  static const FieldSpec* find_field(const ObjectSpec& spec, std::string_view key) {
    for (const FieldSpec& f : spec.fields) {
      if (f.name == key) return &f;
    }
    return nullptr;
  }

  void unknown_field(const std::string& key, const Where& pointer, const ObjectSpec& spec) {
    const bool is_state = std::any_of(std::begin(state_types), std::end(state_types),
                                      [&](std::string_view t) { return state_spec(t) == &spec; });
    if (is_state && (key == "Retry" || key == "Catch")) {
      emit("501", pointer,
           fmt::format("field \"{}\" is not supported in {}: only Task, Parallel and Map states can retry or "
                       "catch errors (spec §9.2)",
                       key, spec.what),
           schema);
      return;
    }
    std::string hint;
    std::vector<std::string_view> candidates;
    for (const FieldSpec& f : spec.fields) {
      if (allows(f.lang, lang_)) candidates.push_back(f.name);
    }
    if (auto s = did_you_mean(key, candidates)) {
      hint = fmt::format(" (did you mean \"{}\"?)", *s);
    } else if (is_state) {
      if ((key == "Next" || key == "End") && (spec.what == "a Succeed state" || spec.what == "a Fail state")) {
        hint = ": Succeed and Fail states are terminal";
      } else if ((key == "Next" || key == "End") && spec.what == "a Choice state") {
        hint = ": a Choice state moves on through its Choices rules' \"Next\" and its \"Default\"";
      } else {
        std::string owners;
        for (const std::string_view t : state_types) {
          const ObjectSpec* other = state_spec(t);
          if (other != &spec && find_field(*other, key)) owners += (owners.empty() ? "" : ", ") + std::string(t);
        }
        if (!owners.empty()) hint = fmt::format(" (it is a field of: {})", owners);
      }
    }
    emit("201", pointer, fmt::format("field \"{}\" is not supported in {}{}", key, spec.what, hint), schema);
  }

  void check_group(const Json& obj, const Where& pointer, const ObjectSpec& spec, const GroupSpec& g) {
    std::vector<std::string_view> present;
    std::size_t n = 0;
    for (const std::string_view name : g.fields) {
      if (name.empty()) break;
      ++n;
      const FieldSpec* f = find_field(spec, name);
      if (obj.contains(name) && (!f || allows(f->lang, lang_))) present.push_back(name);
    }
    // In JSONata states only the JSONata-capable members count (the others were refused above).
    std::vector<std::string_view> eligible;
    for (std::size_t i = 0; i < n; ++i) {
      const FieldSpec* f = find_field(spec, g.fields[i]);
      if (!f || allows(f->lang, lang_)) eligible.push_back(g.fields[i]);
    }
    if (present.size() > 1 && g.rule != Rule::at_least_one) {
      emit("205", child(pointer, present[1]),
           n == 2 ? fmt::format("\"{}\" and \"{}\" cannot both be set: use one or the other", present[0], present[1])
                  : fmt::format("only one of {} may be set, found \"{}\" and \"{}\"",
                                quoted_list(eligible.data(), eligible.size()), present[0], present[1]),
           schema);
    }
    if (present.empty() && g.rule != Rule::at_most_one) {
      emit("206", pointer,
           fmt::format("{} needs {} of {}", capitalize(spec.what),
                       g.rule == Rule::exactly_one ? "exactly one" : "at least one",
                       quoted_list(eligible.data(), eligible.size(), eligible.size() == 2 ? " or " : ", ")),
           schema);
    }
  }

  void check_value(const FieldSpec& f, const Json& v, const Where& pointer, const ObjectSpec& spec) {
    // JSONata states may compute many fields with "{% ... %}"; asl does not evaluate JSONata, so
    // it checks only what is independent of it (spec §11.2).
    if (lang_ == Lang::jsonata && is_jsonata_expression(v) &&
        (f.check == Check::integer || f.check == Check::number || f.check == Check::timestamp ||
         f.check == Check::text || f.check == Check::payload_template || f.check == Check::payload_any)) {
      return;
    }
    switch (f.check) {
      case Check::any:
      case Check::type: return;
      case Check::text:
        if (!v.is_string()) wrong_type(pointer, f.name, "a string", v);
        return;
      case Check::next: add_transition(v, pointer, f.name); return;
      case Check::end:
        if (!v.is_boolean()) {
          wrong_type(pointer, f.name, "true", v);
        } else if (!v.get<bool>()) {
          emit("107", pointer, "\"End\" must be true: remove it and use \"Next\" to continue to another state", schema);
        }
        return;
      case Check::assign:
        emit("091", pointer,
             "Assign (workflow variables, spec §12) is not supported yet: remove the field and pass data through "
             "the state output instead",
             "");
        return;
      case Check::path:
        if (!v.is_null()) check_path(f.name, v, pointer, false);
        return;
      case Check::result_path: check_result_path(f.name, v, pointer); return;
      case Check::reference_path: check_path(f.name, v, pointer, true); return;
      case Check::path_or_intrinsic: check_path_or_intrinsic(f.name, v, pointer); return;
      case Check::payload_template:
      case Check::payload_any:
        if (lang_ == Lang::jsonata) return;  // JSONata: any JSON, "{% %}" strings evaluated
        check_payload_template(f.name, v, pointer, true, f.check == Check::payload_any);
        return;
      case Check::integer: check_number(f, v, pointer, spec, true); return;
      case Check::number: check_number(f, v, pointer, spec, false); return;
      case Check::one_of: check_one_of(f, v, pointer, spec.value_id == "207" ? "209" : spec.value_id); return;
      case Check::timestamp: check_timestamp(f.name, v, pointer); return;
      case Check::string_array:
        if (!v.is_array()) {
          wrong_type(pointer, f.name, "an array of strings", v);
        } else {
          for (std::size_t i = 0; i < v.size(); ++i) {
            if (!v[i].is_string()) wrong_type(child(pointer, i), f.name, "an array of strings", v);
          }
        }
        return;
      case Check::label: check_label(v, pointer); return;
      case Check::start_at:
        if (!v.is_string()) {
          wrong_type(pointer, f.name, "a string (a state name)", v);
        } else {
          containers_[container_].start_at = &v;
        }
        return;
      case Check::states:
        if (!v.is_object()) {
          wrong_type(pointer, f.name, "an object mapping state names to states", v);
          containers_[container_].uncertain = true;
          containers_[container_].states_missing = true;
        } else {
          containers_[container_].states_missing = false;
          walk_states(v, pointer);
        }
        return;
      case Check::choices: check_choices(v, pointer); return;
      case Check::retry: check_error_handlers(v, pointer, retrier_spec, "Retrier"); return;
      case Check::catch_: check_error_handlers(v, pointer, catcher_spec, "Catcher"); return;
      case Check::error_equals: check_error_equals(v, pointer); return;
      case Check::branches: check_branches(v, pointer); return;
      case Check::item_processor:
        if (!v.is_object()) {
          wrong_type(pointer, f.name, "an object with \"StartAt\" and \"States\"", v);
        } else {
          walk_container(v, pointer, f.name == "Iterator" ? iterator_spec : item_processor_spec);
        }
        return;
      case Check::processor_config:
        check_sub_object(f, v, pointer, processor_config_spec);
        if (v.is_object()) {
          if (const auto mode = v.find("Mode");
              mode != v.end() && *mode == "DISTRIBUTED" && !v.contains("ExecutionType")) {
            emit("210", pointer,
                 "a DISTRIBUTED Map needs \"ExecutionType\" (\"STANDARD\" or \"EXPRESS\") in ProcessorConfig: it "
                 "is the type of the child executions",
                 schema);
          }
        }
        return;
      case Check::credentials: check_credentials(v, pointer); return;
      case Check::item_reader: check_sub_object(f, v, pointer, item_reader_spec); return;
      case Check::reader_config: check_sub_object(f, v, pointer, reader_config_spec); return;
      case Check::item_batcher: check_sub_object(f, v, pointer, item_batcher_spec); return;
      case Check::result_writer:
        if (v.is_object() && v.empty()) {
          emit("214", pointer,
               "\"ResultWriter\" cannot be empty: give \"WriterConfig\", or \"Resource\" and \"Parameters\"", schema);
          return;
        }
        check_sub_object(f, v, pointer, result_writer_spec);
        return;
      case Check::writer_config: check_sub_object(f, v, pointer, writer_config_spec); return;
    }
  }

  void check_sub_object(const FieldSpec& f, const Json& v, const Where& pointer, const ObjectSpec& spec) {
    if (!v.is_object()) {
      wrong_type(pointer, f.name, "an object", v);
      return;
    }
    check_object(v, pointer, spec);
  }

  void check_number(const FieldSpec& f, const Json& v, const Where& pointer, const ObjectSpec& spec,
                    bool integral) {
    const std::string range = std::isinf(f.max)
                                  ? fmt::format("at least {}", format_bound(f.min))
                                  : fmt::format("from {} to {}", format_bound(f.min), format_bound(f.max));
    if (!v.is_number()) {
      wrong_type(pointer, f.name, integral ? fmt::format("an integer {}", range) : fmt::format("a number {}", range),
                 v);
      return;
    }
    const double d = v.get<double>();
    if ((integral && !is_integral(v)) || !(d >= f.min && d <= f.max)) {
      emit(spec.value_id, pointer,
           fmt::format("\"{}\" must be {} {}, got {}", f.name, integral ? "an integer" : "a number", range, show(v)),
           schema);
    }
  }

  void check_one_of(const FieldSpec& f, const Json& v, const Where& pointer, std::string_view id) {
    const Values values = f.values;
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      for (std::size_t i = 0; i < values.size; ++i) {
        if (values.data[i] == s) return;
      }
    }
    std::string hint;
    if (v.is_string() && values.size > 1) {
      const std::vector<std::string_view> candidates(values.data, values.data + values.size);
      if (auto s = did_you_mean(v.get_ref<const std::string&>(), candidates))
        hint = fmt::format(" (did you mean \"{}\"?)", *s);
    }
    emit(id, pointer,
         fmt::format("\"{}\" must be {}{}, got {}{}", f.name, values.size == 1 ? "" : "one of ",
                     quoted_list(values.data, values.size), show(v), hint),
         schema);
  }

  void check_timestamp(std::string_view name, const Json& v, const Where& pointer) {
    if (!v.is_string()) {
      wrong_type(pointer, name, "a timestamp string", v);
      return;
    }
    if (!timestamp::parse_instant(v.get_ref<const std::string&>())) {
      emit("212", pointer,
           fmt::format("\"{}\" must be an RFC 3339 timestamp with an uppercase T and a Z or numeric offset, such as "
                       "\"2016-03-14T01:59:00Z\", got {}",
                       name, show(v)),
           schema);
    }
  }

  // ---- paths, templates, intrinsics (spec §5, §4.5, §6) -----------------------------------

  /// Parses `v` as a Path; reports and returns nullopt when it is not one.
  std::optional<jsonpath::Path> parse_path(std::string_view name, const Json& v, const Where& pointer) {
    if (!v.is_string()) {
      wrong_type(pointer, name, "a string holding a JSONPath such as \"$.field\"", v);
      return std::nullopt;
    }
    const auto& text = v.get_ref<const std::string&>();
    try {
      auto path = jsonpath::Path::parse(text);
      if (path.root() == jsonpath::Root::variable) {
        emit("091", pointer,
             fmt::format("\"{}\" reads a workflow variable ({}), and workflow variables (Assign, spec §12) are not "
                         "supported yet",
                         name, show(v)),
             "");
        return std::nullopt;
      }
      return path;
    } catch (const std::exception& e) {
      emit("301", pointer, fmt::format("\"{}\" must be a JSONPath: {}", name, e.what()), schema);
      return std::nullopt;
    }
  }

  void check_path(std::string_view name, const Json& v, const Where& pointer, bool reference) {
    const auto path = parse_path(name, v, pointer);
    if (path && reference && !path->is_reference()) {
      emit("302", pointer,
           fmt::format("\"{}\" must be a Reference Path that selects a single node (no wildcards, filters, slices, "
                       "unions or \"..\"), got {}",
                       name, show(v)),
           schema);
    }
  }

  void check_result_path(std::string_view name, const Json& v, const Where& pointer) {
    if (v.is_null()) return;  // null: discard the result, keep the input (spec §4.2)
    if (v.is_string()) {
      const auto& text = v.get_ref<const std::string&>();
      // ResultPath writes; the context object is read-only and variables are set by Assign (§4.4).
      if (text.compare(0, 2, "$$") == 0) {
        emit("303", pointer,
             fmt::format("\"{}\" cannot start with \"$$\": the context object is read-only; use a path into the "
                         "state's input such as \"$.result\"",
                         name),
             schema);
        return;
      }
      if (text.size() > 1 && text[0] == '$' && text[1] != '.' && text[1] != '[') {
        emit("303", pointer,
             fmt::format("\"{}\" cannot name a workflow variable ({}): it places the result into the state's input; "
                         "use a path such as \"$.result\"",
                         name, show(v)),
             schema);
        return;
      }
    }
    check_path(name, v, pointer, true);
  }

  void check_path_or_intrinsic(std::string_view name, const Json& v, const Where& pointer) {
    if (v.is_string() && intrinsics::looks_like_call(v.get_ref<const std::string&>())) {
      try {
        auto expression = intrinsics::Expression::parse(v.get_ref<const std::string&>());
        if (parts_) parts_->put(v, std::move(expression));
      } catch (const std::exception& e) {
        emit("305", pointer,
             fmt::format("\"{}\" must be a Reference Path or an intrinsic function call: {}", name, e.what()), schema);
      }
      return;
    }
    check_path(name, v, pointer, true);
  }

  /// `keep`: `v` is a node of the document (not a stand-in built here), so the Compiler can take it.
  ///
  /// `any_type`: the spec says a payload template is an object, but AWS creates and runs machines
  /// whose state-level Parameters, ItemSelector or BatchInput is an array, a string, a number, a
  /// boolean or null (AWS's own schema in aws/amazon-states-language-service types them so "to
  /// match the constraints applied in the service", PR #83; deployed: serverless-patterns'
  /// `"Parameters": [{"Item.$": "$.Item"}]`). Such a template is evaluated like a nested value:
  /// `.$` fields of objects inside an array are evaluated, a scalar is itself. ResultSelector and
  /// the ItemReader / ResultWriter Parameters stay objects, as that schema has them.
  void check_payload_template(std::string_view name, const Json& v, const Where& pointer, bool keep = true,
                              bool any_type = false) {
    if (!any_type && !v.is_object()) {
      wrong_type(pointer, name, "an object (a payload template)", v);
      return;
    }
    std::vector<TemplateError> problems;
    try {
      auto compiled = PayloadTemplate::compile(v, &problems);
      if (keep && parts_) parts_->put(v, std::move(compiled));
    } catch (const std::exception& e) {
      problems.push_back(TemplateError{"", e.what()});
    }
    if (!problems.empty()) {
      const std::string at = pointer.str();
      for (auto& p : problems) emit("304", at + p.pointer, std::move(p.message), schema);
    }
    find_template_variables(v, pointer);
  }

  /// A `.$` value "$name..." reads a workflow variable (spec §5.4). The template compiler accepts
  /// it (it fails at run time), but without Assign no variable can ever exist: say so at load.
  void find_template_variables(const Json& v, const Where& pointer) {
    if (v.is_array()) {
      for (std::size_t i = 0; i < v.size(); ++i) find_template_variables(v[i], child(pointer, i));
      return;
    }
    if (!v.is_object()) return;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& key = it.key();
      const Where kp = child(pointer, key);
      const bool dynamic = key.size() >= 2 && key[key.size() - 2] == '.' && key.back() == '$';
      if (dynamic && it->is_string() && reads_variable(it->get_ref<const std::string&>())) {
        emit("091", kp,
             fmt::format("\"{}\" reads a workflow variable ({}), and workflow variables (Assign, spec §12) are not "
                         "supported yet",
                         key, show(*it)),
             "");
      } else if (!dynamic) {
        find_template_variables(*it, kp);
      }
    }
  }

  /// "$" followed by an identifier character (not ".", "[" or "$") names a variable (spec §5.4).
  static bool reads_variable(const std::string& s) {
    if (s.size() < 2 || s[0] != '$') return false;
    const auto c = static_cast<unsigned char>(s[1]);
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
  }

  // ---- Choice (spec §7) -------------------------------------------------------------------

  void check_choices(const Json& v, const Where& pointer) {
    if (!v.is_array()) {
      wrong_type(pointer, "Choices", "a non-empty array of Choice rules", v);
      return;
    }
    if (v.empty()) {
      emit("404", pointer, "\"Choices\" cannot be empty: a Choice state needs at least one rule", schema);
      return;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      const Json& rule = v[i];
      const Where rp = child(pointer, i);
      if (!rule.is_object()) {
        wrong_type(rp, "Choices", "an array of Choice rule objects", rule);
        continue;
      }
      if (lang_ == Lang::jsonata) {
        check_object(rule, rp, jsonata_rule_spec);
        continue;
      }
      if (const auto next = rule.find("Next"sv); next == rule.end()) {
        emit("402", rp, "a top-level Choice rule needs \"Next\": the state to go to when the rule matches", schema);
      } else {
        add_transition(*next, child(rp, "Next"), "Next");
      }
      if (const auto assign = rule.find("Assign"sv); assign != rule.end()) {
        emit("091", child(rp, "Assign"),
             "Assign (workflow variables, spec §12) is not supported yet: remove the field and pass data through "
             "the state output instead",
             "");
      }
      std::vector<choice::RuleError> problems;
      try {
        auto compiled = choice::Rule::compile(rule, &problems);
        if (parts_) parts_->put(rule, std::move(compiled));
      } catch (const std::exception& e) {
        problems.push_back(choice::RuleError{"", e.what()});
      }
      const std::string at = problems.empty() ? std::string() : rp.str();
      for (auto& p : problems) {
        // The rule compiler reports "Next" inside And/Or/Not at the nested field itself.
        const bool nested_next = p.pointer.size() >= 5 && p.pointer.compare(p.pointer.size() - 5, 5, "/Next") == 0;
        const bool unsupported = p.message.find("not supported yet") != std::string::npos;
        const char* id = nested_next ? "403" : unsupported ? "091" : "401";
        emit(id, at + p.pointer, std::move(p.message), unsupported ? "" : schema);
      }
    }
  }

  // ---- Retry / Catch (spec §9) ------------------------------------------------------------

  void check_error_handlers(const Json& v, const Where& pointer, const ObjectSpec& spec, std::string_view kind) {
    if (!v.is_array()) {
      wrong_type(pointer, kind == "Retrier" ? "Retry" : "Catch", fmt::format("an array of {}s", kind), v);
      return;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      const Json& h = v[i];
      const Where hp = child(pointer, i);
      if (!h.is_object()) {
        wrong_type(hp, kind == "Retrier" ? "Retry" : "Catch", fmt::format("an array of {} objects", kind), h);
        continue;
      }
      check_object(h, hp, spec);
      // States.ALL is a catch-all: anything after it could never match (spec §9.4).
      if (i + 1 < v.size()) {
        if (const auto ee = h.find("ErrorEquals"sv); ee != h.end() && ee->is_array()) {
          for (std::size_t k = 0; k < ee->size(); ++k) {
            if ((*ee)[k] == "States.ALL") {
              emit("504", child(child(hp, "ErrorEquals"), k),
                   fmt::format("\"States.ALL\" may only appear in the last {}: the ones after it could never match",
                               kind),
                   schema);
            }
          }
        }
      }
    }
  }

  void check_error_equals(const Json& v, const Where& pointer) {
    if (!v.is_array() || v.empty()) {
      emit("502", pointer,
           fmt::format("\"ErrorEquals\" must be a non-empty array of error names such as \"States.ALL\", got {}",
                       v.is_array() ? "an empty array" : describe(v)),
           schema);
      return;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) {
        emit("502", child(pointer, i),
             fmt::format("\"ErrorEquals\" must contain error-name strings, got {}", describe(v[i])), schema);
      } else if (v[i] == "States.ALL" && v.size() > 1) {
        emit("503", child(pointer, i),
             "\"States.ALL\" must appear alone in its \"ErrorEquals\": it already matches every error", schema);
      }
    }
  }

  // ---- Parallel, Map, Task specifics ------------------------------------------------------

  void check_branches(const Json& v, const Where& pointer) {
    if (!v.is_array()) {
      wrong_type(pointer, "Branches", "a non-empty array of branches", v);
      return;
    }
    if (v.empty()) {
      emit("214", pointer, "\"Branches\" cannot be empty: a Parallel state needs at least one branch", schema);
      return;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      const Where bp = child(pointer, i);
      if (!v[i].is_object()) {
        wrong_type(bp, "Branches", "an array of objects with \"StartAt\" and \"States\"", v[i]);
      } else {
        walk_container(v[i], bp, branch_spec);
      }
    }
  }

  void check_label(const Json& v, const Where& pointer) {
    if (!v.is_string()) {
      wrong_type(pointer, "Label", "a string", v);
      return;
    }
    const auto& label = v.get_ref<const std::string&>();
    const std::size_t length = utf8_length(label);
    if (length == 0) {
      emit("211", pointer, "Label cannot be empty", schema);
      return;
    }
    if (length > 40) {
      emit("211", pointer, fmt::format("Label cannot exceed 40 characters, got {}", length), schema);
      return;
    }
    // Map Run names appear in ARNs: AWS forbids these characters (spec §3.9.1).
    static constexpr std::string_view forbidden = " \t\n\r\f\v?*<>{}[]:;,\\|^~$#%&`\"";
    for (const char c : label) {
      const auto u = static_cast<unsigned char>(c);
      if (forbidden.find(c) != std::string_view::npos || u < 0x20 || u == 0x7F) {
        emit("211", pointer,
             fmt::format("Label {} contains a forbidden character: no whitespace, wildcards (? *), brackets "
                         "(< > {{ }} [ ]), control characters or any of : ; , \\ | ^ ~ $ # % & ` \"",
                         show(v)),
             schema);
        return;
      }
    }
    const auto [it, inserted] = labels_.emplace(label, pointer.str());
    if (!inserted) {
      emit("211", pointer,
           fmt::format("Label {} is already used at {}: Map Run labels must be unique in the definition", show(v),
                       it->second),
           schema);
    }
  }

  void check_credentials(const Json& v, const Where& pointer) {
    if (!v.is_object()) {
      wrong_type(pointer, "Credentials", "an object with \"RoleArn\"", v);
      return;
    }
    check_object(v, pointer, credentials_spec);
    if (!v.contains("RoleArn") && !(lang_ == Lang::jsonpath && v.contains("RoleArn.$"))) {
      // AWS: "The field 'RoleArn' is required but was missing" (spec §3.3, recorded cases).
      emit("202", pointer,
           lang_ == Lang::jsonpath
               ? "The field 'RoleArn' is required but was missing in Credentials (give \"RoleArn\" or \"RoleArn.$\")"
               : "The field 'RoleArn' is required but was missing in Credentials",
           schema);
    }
    if (lang_ == Lang::jsonpath && v.contains("RoleArn.$")) {
      // Check only the dynamic field as a payload template (its value is a path or an intrinsic).
      // Alone in the object (the valid case), it is the object itself: check that, for the Compiler.
      if (v.size() == 1) {
        check_payload_template("Credentials", v, pointer);
      } else {
        Json only = Json::object();
        only["RoleArn.$"] = v["RoleArn.$"];
        check_payload_template("Credentials", only, pointer, false);
      }
    }
  }

  void check_task(const Json& state, const Where& pointer) {
    // HeartbeatSeconds must be smaller than TimeoutSeconds (spec §3.3).
    const auto hb = state.find("HeartbeatSeconds"sv);
    const auto to = state.find("TimeoutSeconds"sv);
    if (hb != state.end() && to != state.end() && hb->is_number() && to->is_number() && to->get<double>() >= 1 &&
        hb->get<double>() >= to->get<double>()) {
      emit("208", child(pointer, "HeartbeatSeconds"),
           fmt::format("\"HeartbeatSeconds\" ({}) must be smaller than \"TimeoutSeconds\" ({})", show(*hb), show(*to)),
           schema);
    }
    // Express workflows support Request-Response only (spec §10.1; AWS messages verbatim).
    const auto res = state.find("Resource"sv);
    if (options_.express && res != state.end() && res->is_string()) {
      const auto& r = res->get_ref<const std::string&>();
      const Where rp = child(pointer, "Resource");
      if (r.find(".waitForTaskToken") != std::string::npos) {
        emit("213", rp, "Express state machine does not support '.waitForTaskToken' service integration", schema);
      } else if (r.find(".sync") != std::string::npos) {
        emit("213", rp, "Express state machine does not support '.sync' service integration", schema);
      } else if (r.compare(0, 4, "arn:") == 0 && r.find(":activity:") != std::string::npos) {
        emit("213", rp, "Express state machine does not support Activity ARN", schema);
      }
    }
  }

  // ---- after the walk ---------------------------------------------------------------------

  void resolve_transitions() {
    for (Container& c : containers_) {
      if (!c.start_at || c.states_missing) continue;
      const std::string& target = c.start_at->get_ref<const std::string&>();
      if (c.positions.count(target) != 0) continue;
      const std::string sp = child(c.pointer, "StartAt");
      if (const auto other = states_.find(target); other != states_.end()) {
        emit("101", sp,
             fmt::format("StartAt \"{}\" names a state of another States object ({}): StartAt must name a state of "
                         "its own \"States\"",
                         target, state_pointer(other->second, target)),
             missing_target);
      } else {
        emit("101", sp,
             fmt::format("StartAt \"{}\" does not name a state in \"States\"{}", target, suggestion(target, c)),
             missing_target);
      }
      c.start_at = nullptr;  // no reachability walk from a missing start
    }
    for (const Transition& t : transitions_) {
      const Container& c = containers_[t.container];
      if (c.positions.count(t.target) != 0) continue;
      if (const auto other = states_.find(t.target); other != states_.end()) {
        emit("105", transition_pointer(t),
             fmt::format("state \"{}\" is in another States object ({}): transitions cannot enter or leave a "
                         "Parallel branch or a Map processor",
                         t.target, state_pointer(other->second, t.target)),
             missing_target);
      } else {
        emit("104", transition_pointer(t), fmt::format("state \"{}\" does not exist{}", t.target, suggestion(t.target, c)),
             missing_target);
      }
    }
  }

  /// " (did you mean ...?)" for a missing state name. Suggestions cost one string distance per
  /// state, so a hostile definition with thousands of dangling targets into thousands of states
  /// could make them quadratic: repeated targets are cached and a global budget caps the rest.
  std::string suggestion(std::string_view target, const Container& c) {
    const std::string key = c.pointer + '\0' + std::string(target);
    if (const auto it = suggestions_.find(key); it != suggestions_.end()) return it->second;
    std::string hint;
    if (suggestion_budget_ >= c.names.size()) {
      suggestion_budget_ -= c.names.size();
      const std::vector<std::string_view> candidates(c.names.begin(), c.names.end());
      if (auto s = did_you_mean(target, candidates)) hint = fmt::format(" (did you mean \"{}\"?)", *s);
    }
    suggestions_.emplace(key, hint);
    return hint;
  }

  void check_terminals_and_reachability() {
    bool missing_end = false;
    for (const Container& c : containers_) {
      if (c.has_terminal || c.uncertain || c.names.empty()) continue;
      missing_end = true;
      emit("110", child(c.pointer, "States"),
           "Workflow has no terminal state: at least one state must have \"End\": true or be a Succeed or Fail "
           "state",
           "MISSING_END_STATE");
    }
    // AWS skips the reachability walk when a terminal state is missing (spec §14.1).
    if (missing_end) return;
    for (const Container& c : containers_) {
      if (!c.start_at || c.uncertain) continue;
      // Targets grouped by source state: those of state i are targets[first[i], first[i + 1]).
      const std::size_t n = c.names.size();
      std::vector<std::size_t> first(n + 1, 0);
      for (const auto& e : c.edges) ++first[e.first + 1];
      for (std::size_t i = 0; i < n; ++i) first[i + 1] += first[i];
      std::vector<std::string_view> targets(c.edges.size());
      std::vector<std::size_t> fill(first.begin(), first.end() - 1);
      for (const auto& e : c.edges) targets[fill[e.first]++] = e.second;
      // Names of other States objects lead nowhere here (resolve_transitions reports them).
      std::vector<bool> seen(n, false);
      std::vector<std::uint32_t> todo;
      auto visit = [&](std::string_view name) {
        const auto it = c.positions.find(name);
        if (it == c.positions.end() || seen[it->second]) return;
        seen[it->second] = true;
        todo.push_back(it->second);
      };
      visit(c.start_at->get_ref<const std::string&>());
      while (!todo.empty()) {
        const std::uint32_t s = todo.back();
        todo.pop_back();
        for (std::size_t k = first[s]; k < first[s + 1]; ++k) visit(targets[k]);
      }
      for (std::size_t i = 0; i < n; ++i) {
        if (!seen[i]) {
          const std::string_view name = c.names[i];
          emit("109", child(child(c.pointer, "States"), name),
               fmt::format("State \"{}\" is not reachable: no \"StartAt\", \"Next\", \"Default\" or Catch \"Next\" of "
                           "its States object leads to it",
                           name),
               missing_target);
        }
      }
    }
  }

  void sort_in_document_order() {
    std::vector<std::pair<std::vector<std::uint32_t>, std::size_t>> keys;
    keys.reserve(out_.size());
    DocumentOrder order(doc_);
    for (std::size_t i = 0; i < out_.size(); ++i) keys.emplace_back(order.position(out_[i].pointer), i);
    std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Diagnostic> sorted;
    sorted.reserve(out_.size());
    for (auto& k : keys) sorted.push_back(std::move(out_[k.second]));
    out_ = std::move(sorted);
  }

  const Json& doc_;
  const ValidateOptions& options_;
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

}  // namespace validator_impl

/// Checks a parsed definition against the ASL rules AWS enforces at CreateStateMachine /
/// ValidateStateMachineDefinition (spec §14), in JSONPath mode. Returns every problem found
/// (empty = valid), in document order. JSONata and Assign are recognised and reported as not
/// supported yet (diagnostics with an empty aws_code).
/// With `parts`, the templates, Choice rules and intrinsics compiled to check them are kept
/// there for Compiler::compile of the same document (see CompiledParts).
inline std::vector<asl::Diagnostic> validate_definition(const Json& definition, const ValidateOptions& options = {},
                                                        CompiledParts* parts = nullptr) {
  return validator_impl::Validator(definition, options, parts).run();
}

}  // namespace asl::detail
