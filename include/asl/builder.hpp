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

#include "asl/detail/timestamp.hpp"
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
  explicit Retry(std::vector<std::string> error_equals) {
    fields_["ErrorEquals"] = std::move(error_equals);
  }

  Retry& interval(std::chrono::seconds s) { return set("IntervalSeconds", s.count()); }
  Retry& max_attempts(std::int64_t n) { return set("MaxAttempts", n); }
  Retry& backoff(double rate) { return set("BackoffRate", rate); }
  Retry& max_delay(std::chrono::seconds s) { return set("MaxDelaySeconds", s.count()); }
  Retry& jitter(Jitter j) { return set("JitterStrategy", j == Jitter::full ? "FULL" : "NONE"); }
  Retry& comment(std::string text) { return set("Comment", std::move(text)); }

  /// The Retrier object, e.g. `{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":1}`.
  const Json& to_json() const noexcept { return fields_; }

 private:
  Retry& set(const char* key, Json value) {
    fields_[key] = std::move(value);
    return *this;
  }
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
  explicit Catch(std::vector<std::string> error_equals) {
    fields_["ErrorEquals"] = std::move(error_equals);
  }

  Catch& next(std::string state) { return set("Next", std::move(state)); }
  Catch& result_path(std::string path) { return set("ResultPath", std::move(path)); }
  Catch& result_path(std::nullptr_t) { return set("ResultPath", nullptr); }
  Catch& comment(std::string text) { return set("Comment", std::move(text)); }

  /// The Catcher object, e.g. `{"ErrorEquals":["States.ALL"],"Next":"Reject"}`.
  const Json& to_json() const noexcept { return fields_; }

 private:
  Catch& set(const char* key, Json value) {
    fields_[key] = std::move(value);
    return *this;
  }
  Json fields_ = Json::object();
};

/// A Task's time limits (spec §9.6): `TimeoutSeconds`/`TimeoutSecondsPath` and
/// `HeartbeatSeconds`/`HeartbeatSecondsPath`. In-process handlers are not preempted: they see
/// the limit in TaskContext and should poll `stop_requested()`.
class Timeout {
 public:
  Timeout& seconds(std::chrono::seconds s) { return set("TimeoutSeconds", s.count()); }
  Timeout& seconds_path(std::string path) { return set("TimeoutSecondsPath", std::move(path)); }
  Timeout& heartbeat(std::chrono::seconds s) { return set("HeartbeatSeconds", s.count()); }
  Timeout& heartbeat_path(std::string path) { return set("HeartbeatSecondsPath", std::move(path)); }

  /// The fields to merge into the Task state.
  const Json& to_json() const noexcept { return fields_; }

 private:
  Timeout& set(const char* key, Json value) {
    fields_[key] = std::move(value);
    return *this;
  }
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
  MapPolicy& items_path(std::string path) { return set("ItemsPath", std::move(path)); }
  MapPolicy& item_selector(Json payload_template) {
    return set("ItemSelector", std::move(payload_template));
  }
  MapPolicy& max_concurrency(std::int64_t n) { return set("MaxConcurrency", n); }
  MapPolicy& max_concurrency_path(std::string path) {
    return set("MaxConcurrencyPath", std::move(path));
  }
  MapPolicy& tolerated_failure_count(std::int64_t n) { return set("ToleratedFailureCount", n); }
  MapPolicy& tolerated_failure_count_path(std::string path) {
    return set("ToleratedFailureCountPath", std::move(path));
  }
  MapPolicy& tolerated_failure_percentage(double percent) {
    return set("ToleratedFailurePercentage", percent);
  }
  MapPolicy& tolerated_failure_percentage_path(std::string path) {
    return set("ToleratedFailurePercentagePath", std::move(path));
  }
  MapPolicy& label(std::string text) { return set("Label", std::move(text)); }
  /// `ProcessorConfig: {"Mode": "DISTRIBUTED", "ExecutionType": ...}` (INLINE is the default).
  MapPolicy& distributed(MapExecutionType type = MapExecutionType::standard) {
    processor_config_ =
        Json{{"Mode", "DISTRIBUTED"},
             {"ExecutionType", type == MapExecutionType::express ? "EXPRESS" : "STANDARD"}};
    return *this;
  }

  /// The fields to merge into the Map state.
  const Json& to_json() const noexcept { return fields_; }
  /// The ItemProcessor's ProcessorConfig, or null when left at the default.
  const Json& processor_config() const noexcept { return processor_config_; }

 private:
  MapPolicy& set(const char* key, Json value) {
    fields_[key] = std::move(value);
    return *this;
  }
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
  friend ChoiceRule operator&&(ChoiceRule a, ChoiceRule b) {
    return combine("And", std::move(a), std::move(b));
  }
  /// `Or`; `a || b || c` becomes one `Or` of three rules.
  friend ChoiceRule operator||(ChoiceRule a, ChoiceRule b) {
    return combine("Or", std::move(a), std::move(b));
  }
  /// `Not`.
  friend ChoiceRule operator!(ChoiceRule a) {
    return ChoiceRule(Json{{"Not", std::move(a.rule_)}});
  }

 private:
  static ChoiceRule combine(const char* op, ChoiceRule a, ChoiceRule b) {
    if (a.rule_.size() == 1 && a.rule_.contains(op)) {
      a.rule_[op].push_back(std::move(b.rule_));
      return a;
    }
    return ChoiceRule(Json{{op, Json::array({std::move(a.rule_), std::move(b.rule_)})}});
  }
  Json rule_;
};

/// A Choice `Variable` (a Path into the state's effective input, `$$` allowed). Compare it with a
/// number (Numeric*), a string (String*), a bool (BooleanEquals), an asl::timestamp (Timestamp*)
/// or a typed path such as asl::numeric_path (the `...Path` operators).
class Var {
 public:
  explicit Var(std::string path) : path_(std::move(path)) {}
  const std::string& path() const noexcept { return path_; }

  ChoiceRule is_present(bool value = true) const { return test("IsPresent", value); }
  ChoiceRule is_null(bool value = true) const { return test("IsNull", value); }
  ChoiceRule is_numeric(bool value = true) const { return test("IsNumeric", value); }
  ChoiceRule is_string(bool value = true) const { return test("IsString", value); }
  ChoiceRule is_boolean(bool value = true) const { return test("IsBoolean", value); }
  ChoiceRule is_timestamp(bool value = true) const { return test("IsTimestamp", value); }
  /// `StringMatches`: `*` matches any run of characters; `\\*` is a literal star.
  ChoiceRule matches(std::string pattern) const {
    return test("StringMatches", std::move(pattern));
  }

  /// `{"Variable": path, op: operand}`.
  ChoiceRule test(std::string_view op, Json operand) const {
    Json rule = Json::object();
    rule["Variable"] = path_;
    rule[std::string(op)] = std::move(operand);
    return ChoiceRule(std::move(rule));
  }

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
inline Timestamp timestamp(std::chrono::system_clock::time_point at) {
  return Timestamp{detail::timestamp::format(
      std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count())};
}

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
  void bind(const std::string& resource, const std::shared_ptr<const TaskHandler>& handler) {
    for (const auto& [r, h] : bound_) {
      if (r != resource) continue;
      if (h == handler) return;
      throw UsageError("asl::Builder: resource \"" + resource +
                       "\" is already bound to another callable; reuse the same asl::local value, "
                       "or export the second callable under its own resource");
    }
    bound_.emplace_back(resource, handler);
  }
  void bind_all(const BoundHandlers& other) {
    for (const auto& [resource, handler] : other.bound_) bind(resource, handler);
  }

  TaskHandler resolve(const ResolveRequest& request) const override {
    for (const auto& [resource, handler] : bound_) {
      if (resource != request.resource) continue;
      return [h = handler](const Json& input, TaskContext& ctx) { return (*h)(input, ctx); };
    }
    return {};
  }

 private:
  std::vector<std::pair<std::string, std::shared_ptr<const TaskHandler>>> bound_;
};

/// Builder-bound handlers first, then the user's resolver.
class ChainedResolver final : public TaskResolver {
 public:
  ChainedResolver(const TaskResolver& first, const TaskResolver& second)
      : first_(first), second_(second) {}
  TaskHandler resolve(const ResolveRequest& request) const override {
    TaskHandler h = first_.resolve(request);
    return h ? h : second_.resolve(request);
  }

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
class Builder {
 public:
  // Machine (or branch / processor) level.

  Builder& start_at(std::string state) {
    start_at_ = std::move(state);
    return *this;
  }
  /// The top-level `Comment`.
  Builder& machine_comment(std::string text) {
    top_["Comment"] = std::move(text);
    return *this;
  }
  /// The top-level `TimeoutSeconds` (the execution fails with States.Timeout after it).
  Builder& machine_timeout(std::chrono::seconds s) {
    top_["TimeoutSeconds"] = s.count();
    return *this;
  }

  // States.

  /// A Task whose resource is resolved at build time by the TaskResolver given to build().
  Builder& task(std::string name, std::string resource) {
    return add(std::move(name), Json{{"Type", "Task"}, {"Resource", std::move(resource)}});
  }
  /// A Task bound to a C++ callable; the definition names `bound.resource()`.
  Builder& task(std::string name, const LocalTask& bound) {
    bound_.bind(bound.resource(), bound.handler());
    return add(std::move(name), Json{{"Type", "Task"}, {"Resource", bound.resource()}});
  }
  Builder& pass(std::string name) { return add(std::move(name), Json{{"Type", "Pass"}}); }
  /// A Choice; add its rules with `when` and its `Default` with `otherwise`.
  Builder& choice(std::string name) {
    return add(std::move(name), Json{{"Type", "Choice"}, {"Choices", Json::array()}});
  }
  Builder& wait(std::string name, std::chrono::seconds s) {
    return add(std::move(name), Json{{"Type", "Wait"}, {"Seconds", s.count()}});
  }
  Builder& wait_until(std::string name, const Timestamp& at) {
    return add(std::move(name), Json{{"Type", "Wait"}, {"Timestamp", at.value}});
  }
  Builder& wait_seconds_path(std::string name, std::string path) {
    return add(std::move(name), Json{{"Type", "Wait"}, {"SecondsPath", std::move(path)}});
  }
  Builder& wait_timestamp_path(std::string name, std::string path) {
    return add(std::move(name), Json{{"Type", "Wait"}, {"TimestampPath", std::move(path)}});
  }
  Builder& succeed(std::string name) { return add(std::move(name), Json{{"Type", "Succeed"}}); }
  /// A Fail; AWS allows either part to be absent (a Fail with only `Cause` has no error name).
  Builder& fail(std::string name, std::optional<std::string> error = std::nullopt,
                std::optional<std::string> cause = std::nullopt) {
    Json state{{"Type", "Fail"}};
    if (error) state["Error"] = std::move(*error);
    if (cause) state["Cause"] = std::move(*cause);
    return add(std::move(name), std::move(state));
  }
  /// A Parallel with one branch per builder; their bound callables join this builder's.
  Builder& parallel(std::string name, const std::vector<Builder>& branches) {
    Json list = Json::array();
    for (const Builder& b : branches) list.push_back(b.absorb(bound_, "parallel"));
    return add(std::move(name), Json{{"Type", "Parallel"}, {"Branches", std::move(list)}});
  }
  Builder& map(std::string name, const Builder& processor) {
    return map(std::move(name), MapPolicy{}, processor);
  }
  /// A Map whose ItemProcessor is `processor`; its bound callables join this builder's.
  Builder& map(std::string name, const MapPolicy& policy, const Builder& processor) {
    Json state{{"Type", "Map"}};
    for (const auto& [key, value] : policy.to_json().items()) state[key] = value;
    Json item_processor = Json::object();
    if (!policy.processor_config().is_null())
      item_processor["ProcessorConfig"] = policy.processor_config();
    Json sub = processor.absorb(bound_, "map");  // a named value: items() only refers to it
    for (auto& [key, value] : sub.items()) item_processor[key] = std::move(value);
    state["ItemProcessor"] = std::move(item_processor);
    return add(std::move(name), std::move(state));
  }

  // Modifiers of the state just added.

  Builder& next(std::string state) { return set("next", "Next", std::move(state)); }
  Builder& end() { return set("end", "End", true); }
  Builder& comment(std::string text) { return set("comment", "Comment", std::move(text)); }
  /// Appends a Retrier; retriers are tried in the order they were added.
  Builder& retry(const Retry& retrier) {
    append("retry", "Retry", retrier.to_json());
    return *this;
  }
  /// Appends a Catcher; catchers are tried in the order they were added.
  Builder& catch_errors(const Catch& catcher) {
    append("catch_errors", "Catch", catcher.to_json());
    return *this;
  }
  Builder& catch_errors(std::vector<std::string> error_equals, std::string next_state) {
    return catch_errors(Catch(std::move(error_equals)).next(std::move(next_state)));
  }
  Builder& catch_errors(std::vector<std::string> error_equals, std::string next_state,
                        std::string result_path) {
    return catch_errors(Catch(std::move(error_equals))
                            .next(std::move(next_state))
                            .result_path(std::move(result_path)));
  }
  /// `TimeoutSeconds`.
  Builder& timeout(std::chrono::seconds s) { return set("timeout", "TimeoutSeconds", s.count()); }
  Builder& timeout(const Timeout& limits) {
    Json& state = current("timeout");
    for (const auto& [key, value] : limits.to_json().items()) state[key] = value;
    return *this;
  }
  Builder& input_path(std::string path) { return set("input_path", "InputPath", std::move(path)); }
  Builder& input_path(std::nullptr_t) { return set("input_path", "InputPath", nullptr); }
  Builder& parameters(Json payload_template) {
    return set("parameters", "Parameters", std::move(payload_template));
  }
  Builder& result_selector(Json payload_template) {
    return set("result_selector", "ResultSelector", std::move(payload_template));
  }
  Builder& result_path(std::string path) {
    return set("result_path", "ResultPath", std::move(path));
  }
  /// `"ResultPath": null`: discard the result, keep the state input.
  Builder& result_path(std::nullptr_t) { return set("result_path", "ResultPath", nullptr); }
  Builder& output_path(std::string path) {
    return set("output_path", "OutputPath", std::move(path));
  }
  Builder& output_path(std::nullptr_t) { return set("output_path", "OutputPath", nullptr); }
  /// A Pass state's `Result`.
  Builder& result(Json value) { return set("result", "Result", std::move(value)); }
  /// Any other ASL field, verbatim (`Credentials`, `ErrorPath`, `ItemBatcher`, ...).
  Builder& field(std::string key, Json value) {
    current("field")[std::move(key)] = std::move(value);
    return *this;
  }
  /// A Choice rule: go to `next_state` when `rule` holds (rules are tried in order).
  Builder& when(const ChoiceRule& rule, std::string next_state) {
    Json r = rule.to_json();
    r["Next"] = std::move(next_state);
    choice_state("when")["Choices"].push_back(std::move(r));
    return *this;
  }
  /// A Choice's `Default`: where to go when no rule holds (else States.NoChoiceMatched).
  Builder& otherwise(std::string next_state) {
    choice_state("otherwise")["Default"] = std::move(next_state);
    return *this;
  }

  // Results.

  /// The ASL definition. @throws asl::UsageError when `start_at` was not called.
  Json to_json() const {
    if (!start_at_) {
      throw UsageError(
          "asl::Builder: no StartAt; call start_at(\"<first state>\") before exporting or "
          "building");
    }
    Json out = Json::object();
    if (top_.contains("Comment")) out["Comment"] = top_.at("Comment");
    out["StartAt"] = *start_at_;
    if (top_.contains("TimeoutSeconds")) out["TimeoutSeconds"] = top_.at("TimeoutSeconds");
    out["States"] = states_;
    return out;
  }

  /// Validates and compiles through StateMachine::from_json. Task resources resolve to the
  /// callables bound here first, then through `resolver`.
  /// @throws asl::DefinitionError as StateMachine::from_json does; asl::UsageError (no StartAt).
  StateMachine build(const TaskResolver& resolver, const LoadOptions& options = {}) const {
    return StateMachine::from_json(to_json(), detail::ChainedResolver(bound_, resolver), options);
  }
  /// Every Task must then be bound to a callable (asl::local).
  StateMachine build(const LoadOptions& options = {}) const {
    return StateMachine::from_json(to_json(), bound_, options);
  }

  /// The callables bound in this builder (and its branches and processors), as a resolver: what
  /// the exported JSON needs to run in-process through StateMachine::from_json.
  const TaskResolver& handlers() const noexcept { return bound_; }

 private:
  Builder& add(std::string name, Json state) {
    if (states_.contains(name))
      throw UsageError("asl::Builder: state \"" + name + "\" is already defined");
    last_ = name;
    states_[std::move(name)] = std::move(state);
    return *this;
  }

  Json& current(const char* modifier) {
    if (!last_) {
      throw UsageError(std::string("asl::Builder::") + modifier +
                       "(): no state to apply it to; add a state first (task, pass, choice, wait, "
                       "succeed, fail, parallel or map)");
    }
    return states_[*last_];
  }

  Json& choice_state(const char* modifier) {
    Json& state = current(modifier);
    if (state["Type"] != "Choice") {
      throw UsageError(std::string("asl::Builder::") + modifier + "(): state \"" + *last_ +
                       "\" is a " + state["Type"].get<std::string>() + ", not a Choice");
    }
    return state;
  }

  Builder& set(const char* modifier, const char* key, Json value) {
    current(modifier)[key] = std::move(value);
    return *this;
  }

  void append(const char* modifier, const char* key, const Json& item) {
    Json& state = current(modifier);
    if (!state.contains(key)) state[key] = Json::array();
    state[key].push_back(item);
  }

  /// This builder as a branch / processor of `into`'s owner: its JSON, its callables merged.
  Json absorb(detail::BoundHandlers& into, const char* where) const {
    if (!start_at_) {
      throw UsageError(std::string("asl::Builder::") + where +
                       "(): a sub-pipeline has no StartAt; call start_at(\"<first state>\") on it");
    }
    into.bind_all(bound_);
    return to_json();
  }

  std::optional<std::string> start_at_;
  Json top_ = Json::object();
  Json states_ = Json::object();
  std::optional<std::string> last_;
  detail::BoundHandlers bound_;
};

}  // namespace asl
