// JSONata behind the query-language seam: a JSONata state's Arguments, Output, Assign, Choice
// Conditions, Items/ItemSelector, computed numbers, Wait and Fail fields (spec §11-§12), with
// AWS's States.QueryEvaluationError causes.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/base/timestamp.hpp"
#include "asl/detail/json/release.hpp"
#include "asl/detail/jsonata_states/template.hpp"
#include "asl/detail/query/state_queries.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"

namespace asl::detail {

/// One Choice rule of a JSONata state: `Condition`, and the Output/Assign it brings when it matches.
struct JsonataRule {
  std::optional<JsonataTemplate> condition;  ///< required: the validator sees to it
  std::optional<JsonataTemplate> output, assign;
};

/// One Catch of a JSONata state: its Output (default: the error output) and Assign.
struct JsonataCatch {
  std::optional<JsonataTemplate> output, assign;
};

/// One state's JSONata fields, filled by the compiler (load/compile_jsonata.hpp); finish()
/// derives the shape the interpreter reads.
class JsonataQueries final : public StateQueries {
 public:
  bool produces_result = false;  ///< Task, Map, Parallel: Output reads `$states.result`, default the result
  std::optional<JsonataTemplate> arguments_template, output_template, assign_template;
  std::vector<JsonataRule> rules;
  std::vector<JsonataCatch> catches;
  std::optional<JsonataTemplate> items_template, item_selector, credentials_template;
  std::optional<JsonataTemplate> seconds, timestamp, error, cause;
  std::optional<JsonataTemplate> numbers[5];  ///< per NumberField

  void finish() {
    QueryShape& s = mutable_shape();
    s.input_is_raw = true;
    s.has_arguments = arguments_template.has_value();
    s.has_item_selector = item_selector.has_value();
    s.item_selector_reads_context = item_selector.has_value();
    s.has_credentials = credentials_template.has_value();
    s.numbers = 0;
    for (unsigned f = 0; f < 5; ++f)
      if (numbers[f]) s.numbers |= static_cast<std::uint8_t>(1u << f);
    bool rule_output = false;
    for (const auto& r : rules) rule_output |= r.output.has_value();
    if (produces_result) {
      // Output replaces the result with what it computes from the raw input and the result.
      s.combine = output_template ? Combine::merge : Combine::replace;
      s.output_is_doc = true;
    } else {
      s.combine = Combine::discard;
      s.output_is_doc = !output_template && !rule_output;
    }
    // An Output may build anything: the interpreter measures what it built (State::jsonata).
    s.merge_overhead = 0;
    s.merges_into_member = false;
    s.catch_combine.clear();
    s.catch_overhead.clear();
    s.catch_assign.clear();
    for (const auto& c : catches) {
      s.catch_combine.push_back(c.output ? Combine::merge : Combine::replace);
      s.catch_overhead.push_back(0);
      s.catch_assign.push_back(c.assign.has_value());
    }
    s.has_assign = assign_template.has_value();
    s.rule_assign.clear();
    for (const auto& r : rules) s.rule_assign.push_back(r.assign.has_value());
  }

  /// State::depth_growth for the documents this state's fields build (Arguments, Output,
  /// Items, ItemSelector, the rules' and catchers' Output), when every one of them can tell
  /// (JsonataTemplate::depth_growth); nullopt: the interpreter measures the state's output.
  std::optional<std::size_t> depth_growth() const {
    std::size_t growth = 0;
    bool known = true;
    auto add = [&](const std::optional<JsonataTemplate>& t) {
      if (!t || !known) return;
      const std::optional<std::size_t> g = t->depth_growth();
      if (g) growth = std::max(growth, *g);
      else known = false;
    };
    add(arguments_template);
    add(output_template);
    add(items_template);
    add(item_selector);
    for (const auto& r : rules) add(r.output);
    for (const auto& c : catches) add(c.output);
    if (!known) return std::nullopt;
    return growth;
  }

  // ---------------------------------------------------------------- input/output pipeline
  std::optional<Error> input(const Json& raw, const QueryEnv&, Selection& out) const override {
    out.ptr = &raw;
    return std::nullopt;
  }

  Result<Json> arguments(const Json& in, const QueryEnv& env) const override {
    return arguments_template->evaluate(scope(in, env));
  }

  const Json& result_literal() const override { return null_; }

  std::optional<Error> select_result(Json&, const QueryEnv&) const override { return std::nullopt; }

  /// Output of a Task/Map/Parallel: from the raw input (`doc`) and the result.
  std::optional<Error> merge(Json& doc, Json&& r, const QueryEnv& env) const override {
    JsonataScope sc = scope(doc, env);
    sc.result = &r;
    sc.owned_result = &r;  // the result is ours: a plain read of it moves it, as a ResultPath does
    if (auto done = output_template->merge_in_place(doc, sc)) return std::move(*done);
    auto out = output_template->evaluate(sc);
    if (!out) return std::move(out).error();
    replace(doc, std::move(*out));  // frees the old document without nlohmann's scratch vectors
    return std::nullopt;
  }

  /// Output of the states without a result, from their input (a matched Choice rule's first).
  std::optional<Error> output(Json& doc, const QueryEnv& env) const override {
    const JsonataTemplate* t = output_template ? &*output_template : nullptr;
    if (env.rule < rules.size() && rules[env.rule].output) t = &*rules[env.rule].output;
    if (t == nullptr) return std::nullopt;
    if (auto done = t->merge_in_place(doc, scope(doc, env))) return std::move(*done);
    auto out = t->evaluate(scope(doc, env));
    if (!out) return std::move(out).error();
    replace(doc, std::move(*out));  // frees the old document without nlohmann's scratch vectors
    return std::nullopt;
  }

  std::optional<Error> catch_merge(std::size_t catcher, Json& doc, Json&& error_output,
                                   const QueryEnv& env) const override {
    JsonataScope sc = scope(doc, env);
    sc.error_output = &error_output;
    auto out = catches[catcher].output->evaluate(sc);
    if (!out) return std::move(out).error();
    replace(doc, std::move(*out));  // frees the old document without nlohmann's scratch vectors
    return std::nullopt;
  }

  std::optional<Error> assign(AssignSite site, std::size_t index, const Json& raw, const Json&, const Json* result,
                              const Json* error_output, const QueryEnv& env, Assignments& out) const override {
    const JsonataTemplate& t = site == AssignSite::state  ? *assign_template
                               : site == AssignSite::rule ? *rules[index].assign
                                                          : *catches[index].assign;
    JsonataScope sc = scope(raw, env);
    sc.result = result;
    sc.error_output = error_output;
    auto r = t.evaluate(sc);
    if (!r) return std::move(r).error();
    for (auto& m : r->get_ref<Json::object_t&>()) out.emplace_back(m.first, std::move(m.second));
    return std::nullopt;
  }

  // ---------------------------------------------------------------- state-specific queries
  std::optional<Error> choose(const Json& in, const QueryEnv& env, std::size_t& chosen) const override {
    chosen = no_rule;
    const JsonataScope sc = scope(in, env);
    for (std::size_t i = 0; i < rules.size(); ++i) {
      // A later rule's condition is not evaluated once one matches (AWS-measured).
      auto r = rules[i].condition->evaluate(sc);
      if (!r) return std::move(r).error();
      if (!r->is_boolean()) return rules[i].condition->wrong_type(*r, "boolean");
      if (r->get<bool>()) {
        chosen = i;
        break;
      }
    }
    return std::nullopt;
  }

  std::optional<Error> items(const Json& in, const QueryEnv& env, Selection& out) const override {
    if (!items_template) {
      if (!in.is_array())
        return Error(std::string(errors::query_evaluation_error),
                     fmt::format("Map state input must be an array but was: {}", in.dump()));
      out.ptr = &in;
      return std::nullopt;
    }
    auto r = items_template->evaluate(scope(in, env));
    if (!r) return std::move(r).error();
    // AWS-recorded: Items must give an array (an object was refused when it was recorded).
    if (!r->is_array()) return items_template->wrong_type(*r, "array");
    out.owned = std::move(*r);
    return std::nullopt;
  }

  Result<Json> item_input(const Json& in, const QueryEnv& env) const override {
    return item_selector->evaluate(scope(in, env));
  }

  std::optional<Error> number(NumberField field, const Json& in, const QueryEnv& env,
                              std::optional<Json>& out) const override {
    const auto& t = numbers[static_cast<unsigned>(field)];
    if (!t) return std::nullopt;
    auto r = t->evaluate(scope(in, env));
    if (!r) return std::move(r).error();
    const bool percentage = field == NumberField::tolerated_failure_percentage;
    bool ok = r->is_number();
    if (ok && !percentage) ok = is_whole(*r);
    if (ok) ok = number_of(*r) >= 0;
    if (ok && percentage) ok = number_of(*r) <= 100;
    if (!ok) {
      if (t->is_literal()) return Error(std::string(errors::query_evaluation_error), "invalid literal value");
      return t->wrong_type(*r, percentage ? "number" : "integer");
    }
    // The interpreter reads integers as integers: 3.0 from an expression is 3.
    if (!percentage && r->is_number_float()) *r = static_cast<std::int64_t>(r->get<double>());
    out = std::move(*r);
    return std::nullopt;
  }

  std::optional<Error> wait(const Json& in, const QueryEnv& env, WaitSpec& out) const override {
    if (seconds) {
      auto r = seconds->evaluate(scope(in, env));
      if (!r) return std::move(r).error();
      if (!r->is_number() || !is_whole(*r) || number_of(*r) < 0) return seconds->wrong_type(*r, "integer");
      if (number_of(*r) > static_cast<double>(std::numeric_limits<std::int32_t>::max()))
        return Error(std::string(errors::runtime), "Wait state delay is too long.");
      out.seconds = number_of(*r);
      return std::nullopt;
    }
    if (timestamp) {
      auto r = timestamp->evaluate(scope(in, env));
      if (!r) return std::move(r).error();
      if (!r->is_string()) return timestamp->wrong_type(*r, "string");
      const std::optional<timestamp::Instant> at = timestamp::parse_instant(r->get_ref<const std::string&>());
      if (!at)  // AWS-recorded: JSONPath's wording, with the value
        return Error(std::string(errors::query_evaluation_error),
                     "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: " +
                         r->get<std::string>());
      out.is_timestamp = true;
      out.at = *at;
    }
    return std::nullopt;
  }

  Result<Json> credentials(const Json& in, const QueryEnv& env) const override {
    return credentials_template->evaluate(scope(in, env));
  }

  std::optional<Error> fail_texts(const Json& raw, const QueryEnv& env, Error& out) const override {
    for (auto [t, slot] : {std::pair{&error, &out.name}, std::pair{&cause, &out.cause}}) {
      if (!*t) continue;
      auto r = (*t)->evaluate(scope(raw, env));
      if (!r) return std::move(r).error();
      if (!r->is_string()) return (*t)->wrong_type(*r, "string");
      *slot = r->get<std::string>();
    }
    return std::nullopt;
  }

 private:
  static JsonataScope scope(const Json& input, const QueryEnv& env) {
    JsonataScope s;
    s.input = &input;
    s.context = env.ctx;
    s.vars = env.vars;
    s.now_ms = env.now_ms;
    return s;
  }

  static double number_of(const Json& v) { return v.get<double>(); }
  static bool is_whole(const Json& v) {
    if (v.is_number_integer()) return true;
    const double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }

  Json null_;
};

}  // namespace asl::detail
