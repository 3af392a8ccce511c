// Definitions of asl/builder.hpp: the JSON each builder call writes (compiled once with ASL_SEPARATE_COMPILATION).
// SPDX-License-Identifier: MIT
#pragma once

#include "asl/builder.hpp"
#include "asl/detail/base/timestamp.hpp"

namespace asl {

ASL_DECL Timestamp timestamp(std::chrono::system_clock::time_point at) {
  return Timestamp{detail::timestamp::format(
      std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count())};
}

ASL_DECL Retry::Retry(std::vector<std::string> error_equals) {
  fields_["ErrorEquals"] = std::move(error_equals);
}

ASL_DECL Retry& Retry::interval(std::chrono::seconds s) { return set("IntervalSeconds", s.count()); }

ASL_DECL Retry& Retry::max_attempts(std::int64_t n) { return set("MaxAttempts", n); }

ASL_DECL Retry& Retry::backoff(double rate) { return set("BackoffRate", rate); }

ASL_DECL Retry& Retry::max_delay(std::chrono::seconds s) { return set("MaxDelaySeconds", s.count()); }

ASL_DECL Retry& Retry::jitter(Jitter j) { return set("JitterStrategy", j == Jitter::full ? "FULL" : "NONE"); }

ASL_DECL Retry& Retry::comment(std::string text) { return set("Comment", std::move(text)); }

ASL_DECL Retry& Retry::set(const char* key, Json value) {
  fields_[key] = std::move(value);
  return *this;
}

ASL_DECL Catch::Catch(std::vector<std::string> error_equals) {
  fields_["ErrorEquals"] = std::move(error_equals);
}

ASL_DECL Catch& Catch::next(std::string state) { return set("Next", std::move(state)); }

ASL_DECL Catch& Catch::result_path(std::string path) { return set("ResultPath", std::move(path)); }

ASL_DECL Catch& Catch::result_path(std::nullptr_t) { return set("ResultPath", nullptr); }

ASL_DECL Catch& Catch::comment(std::string text) { return set("Comment", std::move(text)); }

ASL_DECL Catch& Catch::set(const char* key, Json value) {
  fields_[key] = std::move(value);
  return *this;
}

ASL_DECL Timeout& Timeout::seconds(std::chrono::seconds s) { return set("TimeoutSeconds", s.count()); }

ASL_DECL Timeout& Timeout::seconds_path(std::string path) { return set("TimeoutSecondsPath", std::move(path)); }

ASL_DECL Timeout& Timeout::heartbeat(std::chrono::seconds s) { return set("HeartbeatSeconds", s.count()); }

ASL_DECL Timeout& Timeout::heartbeat_path(std::string path) { return set("HeartbeatSecondsPath", std::move(path)); }

ASL_DECL Timeout& Timeout::set(const char* key, Json value) {
  fields_[key] = std::move(value);
  return *this;
}

ASL_DECL MapPolicy& MapPolicy::items_path(std::string path) { return set("ItemsPath", std::move(path)); }

ASL_DECL MapPolicy& MapPolicy::item_selector(Json payload_template) {
  return set("ItemSelector", std::move(payload_template));
}

ASL_DECL MapPolicy& MapPolicy::max_concurrency(std::int64_t n) { return set("MaxConcurrency", n); }

ASL_DECL MapPolicy& MapPolicy::max_concurrency_path(std::string path) {
  return set("MaxConcurrencyPath", std::move(path));
}

ASL_DECL MapPolicy& MapPolicy::tolerated_failure_count(std::int64_t n) { return set("ToleratedFailureCount", n); }

ASL_DECL MapPolicy& MapPolicy::tolerated_failure_count_path(std::string path) {
  return set("ToleratedFailureCountPath", std::move(path));
}

ASL_DECL MapPolicy& MapPolicy::tolerated_failure_percentage(double percent) {
  return set("ToleratedFailurePercentage", percent);
}

ASL_DECL MapPolicy& MapPolicy::tolerated_failure_percentage_path(std::string path) {
  return set("ToleratedFailurePercentagePath", std::move(path));
}

ASL_DECL MapPolicy& MapPolicy::label(std::string text) { return set("Label", std::move(text)); }

ASL_DECL MapPolicy& MapPolicy::distributed(MapExecutionType type) {
  processor_config_ =
      Json{{"Mode", "DISTRIBUTED"},
           {"ExecutionType", type == MapExecutionType::express ? "EXPRESS" : "STANDARD"}};
  return *this;
}

ASL_DECL MapPolicy& MapPolicy::set(const char* key, Json value) {
  fields_[key] = std::move(value);
  return *this;
}

ASL_DECL ChoiceRule operator&&(ChoiceRule a, ChoiceRule b) {
  return ChoiceRule::combine("And", std::move(a), std::move(b));
}

ASL_DECL ChoiceRule operator||(ChoiceRule a, ChoiceRule b) {
  return ChoiceRule::combine("Or", std::move(a), std::move(b));
}

ASL_DECL ChoiceRule operator!(ChoiceRule a) {
  return ChoiceRule(Json{{"Not", std::move(a.rule_)}});
}

ASL_DECL ChoiceRule ChoiceRule::combine(const char* op, ChoiceRule a, ChoiceRule b) {
  if (a.rule_.size() == 1 && a.rule_.contains(op)) {
    a.rule_[op].push_back(std::move(b.rule_));
    return a;
  }
  return ChoiceRule(Json{{op, Json::array({std::move(a.rule_), std::move(b.rule_)})}});
}

ASL_DECL ChoiceRule Var::is_present(bool value) const { return test("IsPresent", value); }

ASL_DECL ChoiceRule Var::is_null(bool value) const { return test("IsNull", value); }

ASL_DECL ChoiceRule Var::is_numeric(bool value) const { return test("IsNumeric", value); }

ASL_DECL ChoiceRule Var::is_string(bool value) const { return test("IsString", value); }

ASL_DECL ChoiceRule Var::is_boolean(bool value) const { return test("IsBoolean", value); }

ASL_DECL ChoiceRule Var::is_timestamp(bool value) const { return test("IsTimestamp", value); }

ASL_DECL ChoiceRule Var::matches(std::string pattern) const {
  return test("StringMatches", std::move(pattern));
}

ASL_DECL ChoiceRule Var::test(std::string_view op, Json operand) const {
  Json rule = Json::object();
  rule["Variable"] = path_;
  rule[std::string(op)] = std::move(operand);
  return ChoiceRule(std::move(rule));
}

ASL_DECL void detail::BoundHandlers::bind(const std::string& resource, const std::shared_ptr<const TaskHandler>& handler) {
  for (const auto& [r, h] : bound_) {
    if (r != resource) continue;
    if (h == handler) return;
    throw UsageError("asl::Builder: resource \"" + resource +
                     "\" is already bound to another callable; reuse the same asl::local value, "
                     "or export the second callable under its own resource");
  }
  bound_.emplace_back(resource, handler);
}

ASL_DECL void detail::BoundHandlers::bind_all(const BoundHandlers& other) {
  for (const auto& [resource, handler] : other.bound_) bind(resource, handler);
}

ASL_DECL TaskHandler detail::BoundHandlers::resolve(const ResolveRequest& request) const {
  for (const auto& [resource, handler] : bound_) {
    if (resource != request.resource) continue;
    return [h = handler](const Json& input, TaskContext& ctx) { return (*h)(input, ctx); };
  }
  return {};
}

ASL_DECL TaskHandler detail::ChainedResolver::resolve(const ResolveRequest& request) const {
  TaskHandler h = first_.resolve(request);
  return h ? h : second_.resolve(request);
}

ASL_DECL TaskDelivery detail::ChainedResolver::delivery(const ResolveRequest& request) const {
  return first_.resolve(request) ? first_.delivery(request) : second_.delivery(request);
}

ASL_DECL Builder& Builder::start_at(std::string state) {
  start_at_ = std::move(state);
  return *this;
}

ASL_DECL Builder& Builder::machine_comment(std::string text) {
  top_["Comment"] = std::move(text);
  return *this;
}

ASL_DECL Builder& Builder::machine_timeout(std::chrono::seconds s) {
  top_["TimeoutSeconds"] = s.count();
  return *this;
}

ASL_DECL Builder& Builder::task(std::string name, std::string resource) {
  return add(std::move(name), Json{{"Type", "Task"}, {"Resource", std::move(resource)}});
}

ASL_DECL Builder& Builder::task(std::string name, const LocalTask& bound) {
  bound_.bind(bound.resource(), bound.handler());
  return add(std::move(name), Json{{"Type", "Task"}, {"Resource", bound.resource()}});
}

ASL_DECL Builder& Builder::pass(std::string name) { return add(std::move(name), Json{{"Type", "Pass"}}); }

ASL_DECL Builder& Builder::choice(std::string name) {
  return add(std::move(name), Json{{"Type", "Choice"}, {"Choices", Json::array()}});
}

ASL_DECL Builder& Builder::wait(std::string name, std::chrono::seconds s) {
  return add(std::move(name), Json{{"Type", "Wait"}, {"Seconds", s.count()}});
}

ASL_DECL Builder& Builder::wait_until(std::string name, const Timestamp& at) {
  return add(std::move(name), Json{{"Type", "Wait"}, {"Timestamp", at.value}});
}

ASL_DECL Builder& Builder::wait_seconds_path(std::string name, std::string path) {
  return add(std::move(name), Json{{"Type", "Wait"}, {"SecondsPath", std::move(path)}});
}

ASL_DECL Builder& Builder::wait_timestamp_path(std::string name, std::string path) {
  return add(std::move(name), Json{{"Type", "Wait"}, {"TimestampPath", std::move(path)}});
}

ASL_DECL Builder& Builder::succeed(std::string name) { return add(std::move(name), Json{{"Type", "Succeed"}}); }

ASL_DECL Builder& Builder::fail(std::string name, std::optional<std::string> error, std::optional<std::string> cause) {
  Json state{{"Type", "Fail"}};
  if (error) state["Error"] = std::move(*error);
  if (cause) state["Cause"] = std::move(*cause);
  return add(std::move(name), std::move(state));
}

ASL_DECL Builder& Builder::parallel(std::string name, const std::vector<Builder>& branches) {
  Json list = Json::array();
  for (const Builder& b : branches) list.push_back(b.absorb(bound_, "parallel"));
  return add(std::move(name), Json{{"Type", "Parallel"}, {"Branches", std::move(list)}});
}

ASL_DECL Builder& Builder::map(std::string name, const Builder& processor) {
  return map(std::move(name), MapPolicy{}, processor);
}

ASL_DECL Builder& Builder::map(std::string name, const MapPolicy& policy, const Builder& processor) {
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

ASL_DECL Builder& Builder::next(std::string state) { return set("next", "Next", std::move(state)); }

ASL_DECL Builder& Builder::end() { return set("end", "End", true); }

ASL_DECL Builder& Builder::comment(std::string text) { return set("comment", "Comment", std::move(text)); }

ASL_DECL Builder& Builder::retry(const Retry& retrier) {
  append("retry", "Retry", retrier.to_json());
  return *this;
}

ASL_DECL Builder& Builder::catch_errors(const Catch& catcher) {
  append("catch_errors", "Catch", catcher.to_json());
  return *this;
}

ASL_DECL Builder& Builder::catch_errors(std::vector<std::string> error_equals, std::string next_state) {
  return catch_errors(Catch(std::move(error_equals)).next(std::move(next_state)));
}

ASL_DECL Builder& Builder::catch_errors(std::vector<std::string> error_equals, std::string next_state, std::string result_path) {
  return catch_errors(Catch(std::move(error_equals))
                          .next(std::move(next_state))
                          .result_path(std::move(result_path)));
}

ASL_DECL Builder& Builder::timeout(std::chrono::seconds s) { return set("timeout", "TimeoutSeconds", s.count()); }

ASL_DECL Builder& Builder::timeout(const Timeout& limits) {
  Json& state = current("timeout");
  for (const auto& [key, value] : limits.to_json().items()) state[key] = value;
  return *this;
}

ASL_DECL Builder& Builder::input_path(std::string path) { return set("input_path", "InputPath", std::move(path)); }

ASL_DECL Builder& Builder::input_path(std::nullptr_t) { return set("input_path", "InputPath", nullptr); }

ASL_DECL Builder& Builder::parameters(Json payload_template) {
  return set("parameters", "Parameters", std::move(payload_template));
}

ASL_DECL Builder& Builder::result_selector(Json payload_template) {
  return set("result_selector", "ResultSelector", std::move(payload_template));
}

ASL_DECL Builder& Builder::result_path(std::string path) {
  return set("result_path", "ResultPath", std::move(path));
}

ASL_DECL Builder& Builder::result_path(std::nullptr_t) { return set("result_path", "ResultPath", nullptr); }

ASL_DECL Builder& Builder::output_path(std::string path) {
  return set("output_path", "OutputPath", std::move(path));
}

ASL_DECL Builder& Builder::output_path(std::nullptr_t) { return set("output_path", "OutputPath", nullptr); }

ASL_DECL Builder& Builder::result(Json value) { return set("result", "Result", std::move(value)); }

ASL_DECL Builder& Builder::field(std::string key, Json value) {
  current("field")[std::move(key)] = std::move(value);
  return *this;
}

ASL_DECL Builder& Builder::when(const ChoiceRule& rule, std::string next_state) {
  Json r = rule.to_json();
  r["Next"] = std::move(next_state);
  choice_state("when")["Choices"].push_back(std::move(r));
  return *this;
}

ASL_DECL Builder& Builder::otherwise(std::string next_state) {
  choice_state("otherwise")["Default"] = std::move(next_state);
  return *this;
}

ASL_DECL Builder& Builder::machine_query_language(QueryLanguage language) {
  top_["QueryLanguage"] = language == QueryLanguage::jsonata ? "JSONata" : "JSONPath";
  return *this;
}

ASL_DECL Builder& Builder::query_language(QueryLanguage language) {
  return set("query_language", "QueryLanguage", language == QueryLanguage::jsonata ? "JSONata" : "JSONPath");
}

ASL_DECL Builder& Builder::arguments(Json value) { return set("arguments", "Arguments", std::move(value)); }

ASL_DECL Builder& Builder::output(Json value) { return set("output", "Output", std::move(value)); }

ASL_DECL Builder& Builder::assign(Json variables) { return set("assign", "Assign", std::move(variables)); }

ASL_DECL Builder& Builder::items(Json value) { return set("items", "Items", std::move(value)); }

ASL_DECL Builder& Builder::condition(std::string condition, std::string next_state) {
  Json r = Json::object();
  r["Condition"] = std::move(condition);
  r["Next"] = std::move(next_state);
  choice_state("condition")["Choices"].push_back(std::move(r));
  return *this;
}

ASL_DECL Json Builder::to_json() const {
  if (!start_at_) {
    throw UsageError(
        "asl::Builder: no StartAt; call start_at(\"<first state>\") before exporting or "
        "building");
  }
  Json out = Json::object();
  if (top_.contains("Comment")) out["Comment"] = top_.at("Comment");
  out["StartAt"] = *start_at_;
  if (top_.contains("TimeoutSeconds")) out["TimeoutSeconds"] = top_.at("TimeoutSeconds");
  if (top_.contains("QueryLanguage")) out["QueryLanguage"] = top_.at("QueryLanguage");
  out["States"] = states_;
  return out;
}

ASL_DECL StateMachine Builder::build(const TaskResolver& resolver, const LoadOptions& options) const {
  return StateMachine::from_json(to_json(), detail::ChainedResolver(bound_, resolver), options);
}

ASL_DECL StateMachine Builder::build(const LoadOptions& options) const {
  return StateMachine::from_json(to_json(), bound_, options);
}

ASL_DECL Builder& Builder::add(std::string name, Json state) {
  if (states_.contains(name))
    throw UsageError("asl::Builder: state \"" + name + "\" is already defined");
  last_ = name;
  states_[std::move(name)] = std::move(state);
  return *this;
}

ASL_DECL Json& Builder::current(const char* modifier) {
  if (!last_) {
    throw UsageError(std::string("asl::Builder::") + modifier +
                     "(): no state to apply it to; add a state first (task, pass, choice, wait, "
                     "succeed, fail, parallel or map)");
  }
  return states_[*last_];
}

ASL_DECL Json& Builder::choice_state(const char* modifier) {
  Json& state = current(modifier);
  if (state["Type"] != "Choice") {
    throw UsageError(std::string("asl::Builder::") + modifier + "(): state \"" + *last_ +
                     "\" is a " + state["Type"].get<std::string>() + ", not a Choice");
  }
  return state;
}

ASL_DECL Builder& Builder::set(const char* modifier, const char* key, Json value) {
  current(modifier)[key] = std::move(value);
  return *this;
}

ASL_DECL void Builder::append(const char* modifier, const char* key, const Json& item) {
  Json& state = current(modifier);
  if (!state.contains(key)) state[key] = Json::array();
  state[key].push_back(item);
}

ASL_DECL Json Builder::absorb(detail::BoundHandlers& into, const char* where) const {
  if (!start_at_) {
    throw UsageError(std::string("asl::Builder::") + where +
                     "(): a sub-pipeline has no StartAt; call start_at(\"<first state>\") on it");
  }
  into.bind_all(bound_);
  return to_json();
}

}  // namespace asl
