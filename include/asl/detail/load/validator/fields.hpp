// Validator field tables: the fields each ASL object kind accepts (state types, Retrier, Catcher, Map parts).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string_view>

namespace asl::detail::validator_impl {

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

}  // namespace asl::detail::validator_impl
