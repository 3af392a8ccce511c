// Builder: declares a whole ASL state machine in C++, exports it as ASL JSON and builds it.
// SPDX-License-Identifier: MIT
//
// The builder is sugar over the JSON, not a second model: every call writes the ASL fields it
// names, Builder::to_json() is the definition AWS would run, and Builder::build() goes through
// StateMachine::from_json, so a built machine and its exported JSON are validated, compiled and
// run by the same code. Templates stay at the edge (asl::local, the comparison operators); the
// builder itself stores plain JSON and erased TaskHandlers.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "asl/detail/base/config.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/state_machine.hpp"
#include "asl/task.hpp"

namespace asl {

// --- Policies: values that carry ASL's own field names ------------------------------------------

/// How a retrier spreads its intervals (`JitterStrategy`).
enum class Jitter : std::uint8_t { none, full };

/// A Retrier (spec §9.3). Fields left unset keep ASL's defaults (IntervalSeconds 1,
/// MaxAttempts 3, BackoffRate 2.0, no MaxDelaySeconds, JitterStrategy NONE) and are not exported.
/// @code
/// asl::Retry{"States.TaskFailed"}.interval(1s).max_attempts(3).backoff(2.0).max_delay(30s)
/// @endcode
class Retry {
 public:
  Retry(std::initializer_list<std::string> error_equals)
      : Retry(std::vector<std::string>(error_equals)) {}
  explicit Retry(std::vector<std::string> error_equals);

  Retry& interval(std::chrono::seconds s);
  Retry& max_attempts(std::int64_t n);
  Retry& backoff(double rate);
  Retry& max_delay(std::chrono::seconds s);
  Retry& jitter(Jitter j);
  Retry& comment(std::string text);

  /// The Retrier object, e.g. `{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":1}`.
  const Json& to_json() const noexcept { return fields_; }

 private:
  Retry& set(const char* key, Json value);
  Json fields_ = Json::object();
};

/// A Catcher (spec §9.4): where to go, and where to put `{"Error","Cause"}`, when ErrorEquals
/// matches. `result_path(nullptr)` exports `"ResultPath": null` (keep the state input as is).
/// @code
/// asl::Catch{"Model.BelowThreshold"}.next("Reject").result_path("$.error")
/// @endcode
class Catch {
 public:
  Catch(std::initializer_list<std::string> error_equals)
      : Catch(std::vector<std::string>(error_equals)) {}
  explicit Catch(std::vector<std::string> error_equals);

  Catch& next(std::string state);
  Catch& result_path(std::string path);
  Catch& result_path(std::nullptr_t);
  Catch& comment(std::string text);

  /// The Catcher object, e.g. `{"ErrorEquals":["States.ALL"],"Next":"Reject"}`.
  const Json& to_json() const noexcept { return fields_; }

 private:
  Catch& set(const char* key, Json value);
  Json fields_ = Json::object();
};

/// A Task's time limits (spec §9.6): `TimeoutSeconds`/`TimeoutSecondsPath` and
/// `HeartbeatSeconds`/`HeartbeatSecondsPath`. In-process handlers are not preempted: they see
/// the limit in TaskContext and should poll `stop_requested()`.
class Timeout {
 public:
  Timeout& seconds(std::chrono::seconds s);
  Timeout& seconds_path(std::string path);
  Timeout& heartbeat(std::chrono::seconds s);
  Timeout& heartbeat_path(std::string path);

  /// The fields to merge into the Task state.
  const Json& to_json() const noexcept { return fields_; }

 private:
  Timeout& set(const char* key, Json value);
  Json fields_ = Json::object();
};

/// The `ExecutionType` of a DISTRIBUTED Map's child executions.
enum class MapExecutionType : std::uint8_t { standard, express };

/// How a Map state iterates (spec §3.9.1): ItemsPath, ItemSelector, MaxConcurrency(Path),
/// ToleratedFailureCount/Percentage(Path), Label and the ItemProcessor's ProcessorConfig.
/// @code
/// asl::MapPolicy{}.items_path("$.candidates").max_concurrency(8)
/// @endcode
class MapPolicy {
 public:
  MapPolicy& items_path(std::string path);
  MapPolicy& item_selector(Json payload_template);
  MapPolicy& max_concurrency(std::int64_t n);
  MapPolicy& max_concurrency_path(std::string path);
  MapPolicy& tolerated_failure_count(std::int64_t n);
  MapPolicy& tolerated_failure_count_path(std::string path);
  MapPolicy& tolerated_failure_percentage(double percent);
  MapPolicy& tolerated_failure_percentage_path(std::string path);
  MapPolicy& label(std::string text);
  /// `ProcessorConfig: {"Mode": "DISTRIBUTED", "ExecutionType": ...}` (INLINE is the default).
  MapPolicy& distributed(MapExecutionType type = MapExecutionType::standard);

  /// The fields to merge into the Map state.
  const Json& to_json() const noexcept { return fields_; }
  /// The ItemProcessor's ProcessorConfig, or null when left at the default.
  const Json& processor_config() const noexcept { return processor_config_; }

 private:
  MapPolicy& set(const char* key, Json value);
  Json fields_ = Json::object();
  Json processor_config_;
};

// --- Choice rules from typed comparisons --------------------------------------------------------

/// A Choice Rule without its `Next` (spec §7.2); combine with `&&`, `||` and `!`.
/// @code
/// (asl::var("$.accuracy") >= 0.9 && asl::var("$.stage") == "prod") || !asl::is_present("$.gate")
/// @endcode
class ChoiceRule {
 public:
  /// Any rule written as ASL JSON, for what the operators do not cover.
  explicit ChoiceRule(Json rule) : rule_(std::move(rule)) {}

  const Json& to_json() const noexcept { return rule_; }

  /// `And`; `a && b && c` becomes one `And` of three rules.
  friend ChoiceRule operator&&(ChoiceRule a, ChoiceRule b);
  /// `Or`; `a || b || c` becomes one `Or` of three rules.
  friend ChoiceRule operator||(ChoiceRule a, ChoiceRule b);
  /// `Not`.
  friend ChoiceRule operator!(ChoiceRule a);

 private:
  static ChoiceRule combine(const char* op, ChoiceRule a, ChoiceRule b);
  Json rule_;
};

/// A Choice `Variable` (a Path into the state's effective input, `$$` allowed). Compare it with a
/// number (Numeric*), a string (String*), a bool (BooleanEquals), an asl::timestamp (Timestamp*)
/// or a typed path such as asl::numeric_path (the `...Path` operators).
class Var {
 public:
  explicit Var(std::string path) : path_(std::move(path)) {}
  const std::string& path() const noexcept { return path_; }

  ChoiceRule is_present(bool value = true) const;
  ChoiceRule is_null(bool value = true) const;
  ChoiceRule is_numeric(bool value = true) const;
  ChoiceRule is_string(bool value = true) const;
  ChoiceRule is_boolean(bool value = true) const;
  ChoiceRule is_timestamp(bool value = true) const;
  /// `StringMatches`: `*` matches any run of characters; `\\*` is a literal star.
  ChoiceRule matches(std::string pattern) const;

  /// `{"Variable": path, op: operand}`.
  ChoiceRule test(std::string_view op, Json operand) const;

 private:
  std::string path_;
};

inline Var var(std::string path) { return Var(std::move(path)); }
inline ChoiceRule is_present(std::string path) { return Var(std::move(path)).is_present(); }
inline ChoiceRule is_null(std::string path) { return Var(std::move(path)).is_null(); }
inline ChoiceRule is_numeric(std::string path) { return Var(std::move(path)).is_numeric(); }
inline ChoiceRule is_string(std::string path) { return Var(std::move(path)).is_string(); }
inline ChoiceRule is_boolean(std::string path) { return Var(std::move(path)).is_boolean(); }
inline ChoiceRule is_timestamp(std::string path) { return Var(std::move(path)).is_timestamp(); }

/// An RFC 3339 timestamp operand (Timestamp* operators, Wait `Timestamp`).
struct Timestamp {
  std::string value;
};
inline Timestamp timestamp(std::string rfc3339) { return Timestamp{std::move(rfc3339)}; }
/// Formatted as AWS formats instants: UTC with `Z` and 0, 3, 6 or 9 fraction digits.
Timestamp timestamp(std::chrono::system_clock::time_point at);

namespace detail {
struct NumericOperand {
  static constexpr const char* prefix = "Numeric";
  static constexpr bool ordered = true;
};
struct StringOperand {
  static constexpr const char* prefix = "String";
  static constexpr bool ordered = true;
};
struct TimestampOperand {
  static constexpr const char* prefix = "Timestamp";
  static constexpr bool ordered = true;
};
struct BooleanOperand {
  static constexpr const char* prefix = "Boolean";
  static constexpr bool ordered = false;
};
}  // namespace detail

/// The other side of a `...Path` comparison: a path whose value is compared as Kind.
template <class Kind>
struct PathOperand {
  std::string path;
};
inline PathOperand<detail::NumericOperand> numeric_path(std::string p) { return {std::move(p)}; }
inline PathOperand<detail::StringOperand> string_path(std::string p) { return {std::move(p)}; }
inline PathOperand<detail::TimestampOperand> timestamp_path(std::string p) {
  return {std::move(p)};
}
inline PathOperand<detail::BooleanOperand> boolean_path(std::string p) { return {std::move(p)}; }

namespace detail {
enum class Cmp : std::uint8_t { eq, ne, lt, le, gt, ge };

template <class T>
inline constexpr bool is_number_v =
    std::is_arithmetic_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>;
template <class T>
inline constexpr bool is_string_like_v =
    std::is_convertible_v<const T&, std::string_view> && !std::is_same_v<T, std::nullptr_t>;
template <class T>
struct is_path_operand : std::false_type {};
template <class K>
struct is_path_operand<PathOperand<K>> : std::true_type {
  using kind = K;
};
template <class T>
inline constexpr bool is_operand_v =
    is_number_v<T> || std::is_same_v<T, bool> || is_string_like_v<T> ||
    std::is_same_v<T, Timestamp> || is_path_operand<T>::value;

/// ASL has no "not equal": `!=` is `Not` of `...Equals`, true also when the types differ.
template <Cmp C>
ChoiceRule comparison(const Var& v, const char* type, Json operand, bool path) {
  // Indexed by Cmp; eq and ne share `Equals`.
  constexpr const char* names[] = {"Equals",         "Equals",      "LessThan",
                                   "LessThanEquals", "GreaterThan", "GreaterThanEquals"};
  std::string op = std::string(type) + names[static_cast<int>(C)] + (path ? "Path" : "");
  ChoiceRule rule = v.test(op, std::move(operand));
  if constexpr (C == Cmp::ne) {
    return !std::move(rule);
  } else {
    return rule;
  }
}

template <Cmp C, class T>
ChoiceRule compare(const Var& v, const T& x) {
  constexpr bool equality = C == Cmp::eq || C == Cmp::ne;
  if constexpr (std::is_same_v<T, bool>) {
    static_assert(equality, "asl: a bool compares with == and != only (BooleanEquals)");
    return comparison<C>(v, "Boolean", x, false);
  } else if constexpr (is_number_v<T>) {
    return comparison<C>(v, "Numeric", x, false);
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    return comparison<C>(v, "Timestamp", x.value, false);
  } else if constexpr (is_path_operand<T>::value) {
    using Kind = typename is_path_operand<T>::kind;
    static_assert(equality || Kind::ordered,
                  "asl: a boolean_path compares with == and != only (BooleanEqualsPath)");
    return comparison<C>(v, Kind::prefix, x.path, true);
  } else {
    return comparison<C>(v, "String", std::string(std::string_view(x)), false);
  }
}
}  // namespace detail

template <class T, std::enable_if_t<detail::is_operand_v<T>, int> = 0>
ChoiceRule operator==(const Var& v, const T& x) {
  return detail::compare<detail::Cmp::eq>(v, x);
}
template <class T, std::enable_if_t<detail::is_operand_v<T>, int> = 0>
ChoiceRule operator!=(const Var& v, const T& x) {
  return detail::compare<detail::Cmp::ne>(v, x);
}
template <class T, std::enable_if_t<detail::is_operand_v<T>, int> = 0>
ChoiceRule operator<(const Var& v, const T& x) {
  return detail::compare<detail::Cmp::lt>(v, x);
}
template <class T, std::enable_if_t<detail::is_operand_v<T>, int> = 0>
ChoiceRule operator<=(const Var& v, const T& x) {
  return detail::compare<detail::Cmp::le>(v, x);
}
template <class T, std::enable_if_t<detail::is_operand_v<T>, int> = 0>
ChoiceRule operator>(const Var& v, const T& x) {
  return detail::compare<detail::Cmp::gt>(v, x);
}
template <class T, std::enable_if_t<detail::is_operand_v<T>, int> = 0>
ChoiceRule operator>=(const Var& v, const T& x) {
  return detail::compare<detail::Cmp::ge>(v, x);
}

// --- Tasks bound to C++ callables ---------------------------------------------------------------

/// A C++ callable bound to the `Resource` it is exported under. Built by asl::local.
class LocalTask {
 public:
  LocalTask(std::string resource, TaskHandler handler)
      : resource_(std::move(resource)),
        handler_(std::make_shared<const TaskHandler>(std::move(handler))) {}

  const std::string& resource() const noexcept { return resource_; }
  /// Shared, so one LocalTask used by several states (or copied into sub-builders) is one binding.
  const std::shared_ptr<const TaskHandler>& handler() const noexcept { return handler_; }

 private:
  std::string resource_;
  std::shared_ptr<const TaskHandler> handler_;
};

/// Binds a typed or JSON handler (see HandlerRegistry::add for the accepted signatures) to the
/// resource the exported definition names; the callable is type-erased here, once.
template <class F>
LocalTask local(std::string resource, F&& handler) {
  return LocalTask(std::move(resource), detail::make_task_handler(std::forward<F>(handler)));
}

namespace detail {
/// The builder's bound callables, by exact resource.
class BoundHandlers final : public TaskResolver {
 public:
  void bind(const std::string& resource, const std::shared_ptr<const TaskHandler>& handler);
  void bind_all(const BoundHandlers& other);

  // ASL_DECL here, not only on the definition: an inline virtual is no key function, so the
  // vtable (and all it reaches) is not emitted in every file that includes this header.
  ASL_DECL TaskHandler resolve(const ResolveRequest& request) const override;

 private:
  std::vector<std::pair<std::string, std::shared_ptr<const TaskHandler>>> bound_;
};

/// Builder-bound handlers first, then the user's resolver.
class ChainedResolver final : public TaskResolver {
 public:
  ChainedResolver(const TaskResolver& first, const TaskResolver& second)
      : first_(first), second_(second) {}
  // ASL_DECL here, not only on the definition: an inline virtual is no key function, so the
  // vtable (and all it reaches) is not emitted in every file that includes this header.
  ASL_DECL TaskHandler resolve(const ResolveRequest& request) const override;
  ASL_DECL TaskDelivery delivery(const ResolveRequest& request) const override;

 private:
  const TaskResolver& first_;
  const TaskResolver& second_;
};
}  // namespace detail

// --- The builder --------------------------------------------------------------------------------

/// Declares a state machine (or a Parallel branch, or a Map's ItemProcessor) state by state.
/// Each state call adds a state; the modifiers after it (`next`, `end`, `retry`, `catch_errors`,
/// `timeout`, `result_path`, ...) apply to that state, with ASL's semantics and field names.
/// @throws asl::UsageError on misuse: a modifier before any state, a state name used twice, a
///         Choice modifier on another type, exporting without `start_at`.
/// @code
/// asl::StateMachine sm = asl::Builder{}
///     .start_at("Train")
///     .task("Train", asl::local("arn:aws:lambda:us-east-1:123456789012:function:train", train))
///         .retry(asl::Retry{"States.TaskFailed"}.interval(1s).max_attempts(3))
///         .result_path("$.metrics").next("Gate")
///     .choice("Gate").when(asl::var("$.metrics.accuracy") > 0.9, "Deploy").otherwise("Reject")
///     .succeed("Deploy")
///     .fail("Reject", "Model.BelowThreshold")
///     .build();
/// @endcode
/// A definition's or a state's `QueryLanguage` (spec §2.5, §11).
enum class QueryLanguage { jsonpath, jsonata };

class Builder {
 public:
  // Machine (or branch / processor) level.

  Builder& start_at(std::string state);
  /// The top-level `Comment`.
  Builder& machine_comment(std::string text);
  /// The top-level `TimeoutSeconds` (the execution fails with States.Timeout after it).
  Builder& machine_timeout(std::chrono::seconds s);
  /// The top-level `QueryLanguage`: every state's default (JSONPath when not set).
  Builder& machine_query_language(QueryLanguage language);

  // States.

  /// A Task whose resource is resolved at build time by the TaskResolver given to build().
  Builder& task(std::string name, std::string resource);
  /// A Task bound to a C++ callable; the definition names `bound.resource()`.
  Builder& task(std::string name, const LocalTask& bound);
  Builder& pass(std::string name);
  /// A Choice; add its rules with `when` and its `Default` with `otherwise`.
  Builder& choice(std::string name);
  Builder& wait(std::string name, std::chrono::seconds s);
  Builder& wait_until(std::string name, const Timestamp& at);
  Builder& wait_seconds_path(std::string name, std::string path);
  Builder& wait_timestamp_path(std::string name, std::string path);
  Builder& succeed(std::string name);
  /// A Fail; AWS allows either part to be absent (a Fail with only `Cause` has no error name).
  Builder& fail(std::string name, std::optional<std::string> error = std::nullopt,
                std::optional<std::string> cause = std::nullopt);
  /// A Parallel with one branch per builder; their bound callables join this builder's.
  Builder& parallel(std::string name, const std::vector<Builder>& branches);
  Builder& map(std::string name, const Builder& processor);
  /// A Map whose ItemProcessor is `processor`; its bound callables join this builder's.
  Builder& map(std::string name, const MapPolicy& policy, const Builder& processor);

  // Modifiers of the state just added.

  Builder& next(std::string state);
  Builder& end();
  Builder& comment(std::string text);
  /// Appends a Retrier; retriers are tried in the order they were added.
  Builder& retry(const Retry& retrier);
  /// Appends a Catcher; catchers are tried in the order they were added.
  Builder& catch_errors(const Catch& catcher);
  Builder& catch_errors(std::vector<std::string> error_equals, std::string next_state);
  Builder& catch_errors(std::vector<std::string> error_equals, std::string next_state,
                        std::string result_path);
  /// `TimeoutSeconds`.
  Builder& timeout(std::chrono::seconds s);
  Builder& timeout(const Timeout& limits);
  Builder& input_path(std::string path);
  Builder& input_path(std::nullptr_t);
  Builder& parameters(Json payload_template);
  Builder& result_selector(Json payload_template);
  Builder& result_path(std::string path);
  /// `"ResultPath": null`: discard the result, keep the state input.
  Builder& result_path(std::nullptr_t);
  Builder& output_path(std::string path);
  Builder& output_path(std::nullptr_t);
  /// A Pass state's `Result`.
  Builder& result(Json value);
  /// Any other ASL field, verbatim (`Credentials`, `ErrorPath`, `ItemBatcher`, ...).
  Builder& field(std::string key, Json value);
  /// A Choice rule: go to `next_state` when `rule` holds (rules are tried in order).
  Builder& when(const ChoiceRule& rule, std::string next_state);
  /// A Choice's `Default`: where to go when no rule holds (else States.NoChoiceMatched).
  Builder& otherwise(std::string next_state);

  // JSONata states and workflow variables (spec §11, §12).

  /// This state's `QueryLanguage`.
  Builder& query_language(QueryLanguage language);
  /// `Arguments` (JSONata Task/Parallel): JSON whose "{% ... %}" strings are expressions.
  Builder& arguments(Json value);
  /// `Output` (JSONata): the state's output, from `$states.input` (and `$states.result`).
  Builder& output(Json value);
  /// `Assign`: workflow variables set as the state exits (both languages; in JSONPath keys
  /// ending in `.$` are evaluated).
  Builder& assign(Json variables);
  /// A JSONata Choice rule: go to `next_state` when `condition` ("{% ... %}") is true.
  Builder& condition(std::string condition, std::string next_state);
  /// A JSONata Map's `Items`: an array, or an expression giving one.
  Builder& items(Json value);

  // Results.

  /// The ASL definition. @throws asl::UsageError when `start_at` was not called.
  Json to_json() const;

  /// Validates and compiles through StateMachine::from_json. Task resources resolve to the
  /// callables bound here first, then through `resolver`.
  /// @throws asl::DefinitionError as StateMachine::from_json does; asl::UsageError (no StartAt).
  StateMachine build(const TaskResolver& resolver, const LoadOptions& options = {}) const;
  /// Every Task must then be bound to a callable (asl::local).
  StateMachine build(const LoadOptions& options = {}) const;

  /// The callables bound in this builder (and its branches and processors), as a resolver: what
  /// the exported JSON needs to run in-process through StateMachine::from_json.
  const TaskResolver& handlers() const noexcept { return bound_; }

 private:
  Builder& add(std::string name, Json state);

  Json& current(const char* modifier);

  Json& choice_state(const char* modifier);

  Builder& set(const char* modifier, const char* key, Json value);

  void append(const char* modifier, const char* key, const Json& item);

  /// This builder as a branch / processor of `into`'s owner: its JSON, its callables merged.
  Json absorb(detail::BoundHandlers& into, const char* where) const;

  std::optional<std::string> start_at_;
  Json top_ = Json::object();
  Json states_ = Json::object();
  std::optional<std::string> last_;
  detail::BoundHandlers bound_;
};

}  // namespace asl

#if !defined(ASL_SEPARATE_COMPILATION)
#include "asl/impl/builder.hpp"
#endif
