// JSONPath behind the query-language seam: a state's InputPath, Parameters, ResultSelector,
// ResultPath, OutputPath, Choice rules, ItemsPath/ItemSelector, *Path numbers, Wait and Fail
// fields, with AWS's runtime messages.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/base/timestamp.hpp"
#include "asl/detail/jsonpath/choice.hpp"
#include "asl/detail/jsonpath/intrinsics.hpp"
#include "asl/detail/jsonpath/java_text.hpp"
#include "asl/detail/jsonpath/path.hpp"
#include "asl/detail/jsonpath/payload_template.hpp"
#include "asl/detail/query/state_queries.hpp"
#include "asl/detail/query/variables.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"

namespace asl::detail {

/// InputPath / OutputPath / ResultPath: spec §4.2 distinguishes absent (identity), null and a path.
struct PathField {
  enum class Kind : std::uint8_t { absent, null, path };
  Kind kind = Kind::absent;
  jsonpath::Path path;

  /// Absent or `$`: the document as it is (`$name`, a variable, has no steps but is not `$`).
  bool is_identity() const {
    return kind == Kind::absent || (kind == Kind::path && path.is_root() && path.root() == jsonpath::Root::input);
  }
  bool is_null() const { return kind == Kind::null; }
  /// How a ResultPath meets the raw input.
  Combine combine() const { return is_null() ? Combine::discard : is_identity() ? Combine::replace : Combine::merge; }
};

/// A value given literally or through its `...Path` twin (TimeoutSeconds / TimeoutSecondsPath, ...).
struct ValueField {
  bool present = false;
  Json literal;
  std::optional<jsonpath::Path> path;
  std::string path_field;  ///< AWS names the field in its causes ("MaxConcurrencyPath")
};

enum class WaitKind : std::uint8_t { none, seconds, timestamp, seconds_path, timestamp_path };

/// Fail's Error/Cause: a literal, a reference path, or an intrinsic (spec §3.7).
struct FailField {
  std::optional<std::string> literal;
  std::optional<jsonpath::Path> path;
  std::optional<intrinsics::Expression> function;
  std::string source_text;
};

/// One state's JSONPath fields, filled by the compiler (load/compile_jsonpath.hpp); finish()
/// derives the shape the interpreter reads.
class JsonPathQueries final : public StateQueries {
 public:
  PathField input_path, output_path, result_path;
  std::optional<PayloadTemplate> parameters;       // Pass, Task, Parallel
  std::optional<PayloadTemplate> result_selector;  // Task, Parallel, Map
  std::optional<Json> result;                      // Pass
  std::optional<PayloadTemplate> credentials_template;  // Task (Credentials)
  ValueField timeout_seconds, heartbeat_seconds;   // Task
  std::vector<choice::Rule> rules;                 // Choice, in order
  WaitKind wait_kind = WaitKind::none;             // Wait
  std::int64_t wait_seconds = 0;
  std::string wait_timestamp;
  std::optional<jsonpath::Path> wait_path;
  FailField error, cause;                          // Fail
  std::optional<jsonpath::Path> items_path;        // Map
  std::optional<PayloadTemplate> item_selector;
  ValueField max_concurrency, tolerated_failure_count, tolerated_failure_percentage;
  std::vector<PathField> catch_result_paths;       // per Catch
  std::optional<PayloadTemplate> assign_template;  // Assign (spec §12.3: a payload template)
  std::vector<std::optional<PayloadTemplate>> rule_assigns, catch_assigns;  // per Choice rule, per Catch

  /// Sets the shape from the fields above; call once they are filled.
  void finish() {
    QueryShape& s = mutable_shape();
    s.input_is_raw = input_path.is_identity();
    s.output_is_doc = output_path.is_identity();
    s.has_arguments = parameters.has_value();
    s.has_result_literal = result.has_value();
    s.has_result_selector = result_selector.has_value();
    s.has_item_selector = item_selector.has_value();
    s.item_selector_reads_context = item_selector && item_selector->uses_context();
    s.has_credentials = credentials_template.has_value();
    s.numbers = 0;
    for (NumberField f : {NumberField::timeout_seconds, NumberField::heartbeat_seconds, NumberField::max_concurrency,
                          NumberField::tolerated_failure_count, NumberField::tolerated_failure_percentage})
      if (value_field(f).present) s.numbers |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(f));
    s.combine = result_path.combine();
    s.merge_overhead = s.combine == Combine::merge ? result_path.path.text().size() + 4 : 0;
    // `$.name` (the usual ResultPath): assign() sets that member of an object root.
    const std::string* member = s.combine == Combine::merge ? result_path.path.single_member() : nullptr;
    s.merges_into_member = member != nullptr;
    s.merge_member = member ? *member : std::string();
    s.catch_combine.clear();
    s.catch_overhead.clear();
    for (const PathField& rp : catch_result_paths) {
      s.catch_combine.push_back(rp.combine());
      s.catch_overhead.push_back(rp.combine() == Combine::merge ? rp.path.text().size() : 0);
    }
    s.has_assign = assign_template.has_value();
    s.rule_assign.clear();
    for (const auto& a : rule_assigns) s.rule_assign.push_back(a.has_value());
    s.catch_assign.clear();
    for (const auto& a : catch_assigns) s.catch_assign.push_back(a.has_value());
  }

  // ---------------------------------------------------------------- input/output pipeline
  std::optional<Error> input(const Json& raw, const QueryEnv& env, Selection& out) const override {
    const PathField& ip = input_path;
    if (ip.is_identity()) {
      out.ptr = &raw;
      return std::nullopt;
    }
    if (ip.is_null()) {
      out.owned = Json::object();
      return std::nullopt;
    }
    const bool from_raw = ip.path.root() == jsonpath::Root::input;
    const Json* found_root = root_of(ip.path, raw, env);
    if (found_root == nullptr) return unassigned(ip.path);
    const Json& root = *found_root;
    std::string miss;
    if (ip.path.definite()) {
      if (const Json* p = ip.path.find(root, &miss)) {
        // A view only into the raw input (Selection's promise); the context or a variable is copied.
        if (!from_raw)
          out.owned = *p;
        else
          out.ptr = p;
        return std::nullopt;
      }
      return invalid_path(ip.path, miss);
    }
    if (!ip.path.select(root, out.owned, &miss)) return invalid_path(ip.path, miss);
    return std::nullopt;
  }

  Result<Json> arguments(const Json& in, const QueryEnv& env) const override {
    return parameters->evaluate(in, env.ctx, env.vars);
  }

  const Json& result_literal() const override { return *result; }

  std::optional<Error> select_result(Json& r, const QueryEnv& env) const override {
    auto s = result_selector->evaluate(r, env.ctx, env.vars);
    if (!s) return std::move(s).error();
    r = std::move(*s);
    return std::nullopt;
  }

  std::optional<Error> merge(Json& doc, Json&& r, const QueryEnv&) const override {
    if (!result_path.path.assign(doc, std::move(r)))
      return Error(std::string(errors::result_path_match_failure),
                   fmt::format("Unable to apply ResultPath '{}' to input {}", result_path.path.text(), java_json(doc)));
    return std::nullopt;
  }

  std::optional<Error> output(Json& doc, const QueryEnv& env) const override {
    const PathField& op = output_path;
    if (op.is_identity()) return std::nullopt;
    if (op.is_null()) {
      doc = Json::object();
      return std::nullopt;
    }
    Json out;
    std::string miss;
    bool ok = false;
    if (op.path.root() == jsonpath::Root::input) {
      ok = op.path.select(std::move(doc), out, &miss);
    } else {
      const Json* root = root_of(op.path, doc, env);
      if (root == nullptr) return unassigned(op.path);
      ok = op.path.select(*root, out, &miss);
    }
    if (!ok) return invalid_path(op.path, miss);
    doc = std::move(out);
    return std::nullopt;
  }

  std::optional<Error> catch_merge(std::size_t catcher, Json& doc, Json&& error_output,
                                  const QueryEnv&) const override {
    const PathField& rp = catch_result_paths[catcher];
    if (!rp.path.assign(doc, std::move(error_output)))
      return Error(std::string(errors::result_path_match_failure),
                   fmt::format("Unable to apply ResultPath '{}'", rp.path.text()));
    return std::nullopt;
  }

  std::optional<Error> assign(AssignSite site, std::size_t index, const Json&, const Json& value, const Json*,
                              const Json*, const QueryEnv& env, Assignments& out) const override {
    const std::optional<PayloadTemplate>& t = site == AssignSite::state  ? assign_template
                                              : site == AssignSite::rule ? rule_assigns[index]
                                                                         : catch_assigns[index];
    auto r = t->evaluate(value, env.ctx, env.vars);
    if (!r) return std::move(r).error();
    for (auto& m : r->get_ref<Json::object_t&>()) out.emplace_back(m.first, std::move(m.second));
    return std::nullopt;
  }

  // ---------------------------------------------------------------- state-specific queries
  std::optional<Error> choose(const Json& in, const QueryEnv& env, std::size_t& chosen) const override {
    chosen = no_rule;
    for (std::size_t i = 0; i < rules.size(); ++i) {
      auto r = rules[i].evaluate(in, env.ctx, env.vars);
      if (!r) return std::move(r).error();
      if (*r) {
        chosen = i;
        break;
      }
    }
    return std::nullopt;
  }

  std::optional<Error> items(const Json& in, const QueryEnv& env, Selection& out) const override {
    if (!items_path) {
      if (!in.is_array())
        return runtime(fmt::format("Map state input must be an array but was: {}", java_json(in)));
      out.ptr = &in;
      return std::nullopt;
    }
    const jsonpath::Path& p = *items_path;
    std::string miss;
    const Json* root = root_of(p, in, env);
    if (root == nullptr) return unassigned(p);
    if (p.root() == jsonpath::Root::input && p.definite()) {
      out.ptr = p.find(in, &miss);
      if (out.ptr == nullptr) return invalid_path(p, miss);
    } else if (!p.select(*root, out.owned, &miss)) {
      return invalid_path(p, miss);
    }
    if (!out.get().is_array()) return runtime(fmt::format("Reference path \"{}\" must point to array.", p.text()));
    return std::nullopt;
  }

  Result<Json> item_input(const Json& in, const QueryEnv& env) const override {
    return item_selector->evaluate(in, env.ctx, env.vars);
  }

  std::optional<Error> number(NumberField field, const Json& in, const QueryEnv& env,
                              std::optional<Json>& out) const override {
    const ValueField& f = value_field(field);
    if (!f.present) return std::nullopt;
    if (!f.path) {
      out = f.literal;
      return std::nullopt;
    }
    const Json* v = nullptr;
    if (auto e = find_value(*f.path, in, env, v)) return e;
    // AWS-recorded (MAP_STATE_REFERENCE_IN_MAX_CONCURRENCY_PATH, ..._TOLERATED_FAILURE_PATH): a
    // variable holding the text of an integer ("1") is read as that integer.
    Json parsed;
    if (f.path->root() == jsonpath::Root::variable && v->is_string()) {
      const std::string& t = v->get_ref<const std::string&>();
      const std::size_t sign = !t.empty() && t[0] == '-' ? 1 : 0;
      const bool digits = t.size() > sign && t.size() <= 18 &&
                          std::all_of(t.begin() + static_cast<std::ptrdiff_t>(sign), t.end(),
                                      [](char c) { return c >= '0' && c <= '9'; });
      if (digits) {
        parsed = std::stoll(t);
        v = &parsed;
      }
    }
    // Timeouts must be non-negative integers; MaxConcurrency and the tolerated count integers,
    // the tolerated percentage any number (AWS's wording for each).
    const bool timeout = field == NumberField::timeout_seconds || field == NumberField::heartbeat_seconds;
    const bool integer = field != NumberField::tolerated_failure_percentage;
    const bool ok = timeout   ? v->is_number_integer() && v->get<std::int64_t>() >= 0
                    : integer ? v->is_number_integer()
                              : v->is_number();
    if (!ok)
      return runtime(fmt::format("The {} field refers to value \"{}\" which is not a valid {}: {}", f.path_field,
                                 text_of(*v), integer ? "integer" : "float", f.path->text()));
    out = *v;
    return std::nullopt;
  }

  std::optional<Error> wait(const Json& in, const QueryEnv& env, WaitSpec& out) const override {
    switch (wait_kind) {
      case WaitKind::none:
        return std::nullopt;
      case WaitKind::seconds:
        out.seconds = static_cast<double>(wait_seconds);
        return std::nullopt;
      case WaitKind::timestamp: {
        auto at = timestamp::parse_instant(wait_timestamp);
        if (!at)
          return runtime(fmt::format("The Timestamp field cannot be parsed as an ISO-8601 extended offset "
                                     "date-time format string: {}",
                                     wait_timestamp));
        out.is_timestamp = true;
        out.at = *at;
        return std::nullopt;
      }
      case WaitKind::seconds_path: {
        const jsonpath::Path& p = *wait_path;
        const Json* val = nullptr;
        if (auto e = find_value(p, in, env, val)) return e;
        const std::string shown = text_of(*val);
        const auto not_long = [&] {
          return runtime(fmt::format("The SecondsPath parameter cannot be parsed as a long value: {} == {}", p.text(),
                                     shown));
        };
        if (!val->is_number_integer() && !(val->is_number_float() && is_integral(val->get<double>())))
          return not_long();
        const double secs = val->get<double>();
        // AWS reads the value as a Java long: an integral number beyond its range cannot be one.
        if (val->is_number_float() && !(std::fabs(secs) < 9.223372036854775807e18)) return not_long();
        if (secs < 0)
          return runtime(fmt::format("The SecondsPath parameter references a negative value: {} == {}", p.text(),
                                     shown));
        // A delay that does not fit a Java int of seconds is refused as a timestamp that far
        // ahead is (AWS-recorded boundary: 24,855 days accepted, 24,856 refused). AWS records no
        // SecondsPath case this large; the same rule is the inference.
        if (secs > static_cast<double>(std::numeric_limits<std::int32_t>::max()))
          return runtime("Wait state delay is too long.");
        out.seconds = secs;
        return std::nullopt;
      }
      case WaitKind::timestamp_path: {
        const jsonpath::Path& p = *wait_path;
        const Json* val = nullptr;
        if (auto e = find_value(p, in, env, val)) return e;
        std::optional<timestamp::Instant> at;
        if (val->is_string()) at = timestamp::parse_instant(val->get_ref<const std::string&>());
        if (!at)
          return runtime(fmt::format("The TimestampPath parameter does not reference a valid ISO-8601 extended "
                                     "offset date-time format string: {} == {}",
                                     p.text(), text_of(*val)));
        out.is_timestamp = true;
        out.at = *at;
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  Result<Json> credentials(const Json& in, const QueryEnv& env) const override {
    return credentials_template->evaluate(in, env.ctx, env.vars);
  }

  std::optional<Error> fail_texts(const Json& raw, const QueryEnv& env, Error& out) const override {
    if (auto e = fail_text(error, "ErrorPath", raw, env, out.name)) return e;
    return fail_text(cause, "CausePath", raw, env, out.cause);
  }

 private:
  static Error runtime(std::string tail) { return Error(std::string(errors::runtime), std::move(tail)); }

  /// The document `p` reads: the input `in`, the context object or a workflow variable
  /// (nullptr for a variable that no state assigned).
  static const Json* root_of(const jsonpath::Path& p, const Json& in, const QueryEnv& env) {
    switch (p.root()) {
      case jsonpath::Root::context: return env.ctx;
      case jsonpath::Root::variable: return env.vars ? env.vars->find(p.variable()) : nullptr;
      case jsonpath::Root::input: break;
    }
    return &in;
  }

  static Error unassigned(const jsonpath::Path& p) {
    return runtime(fmt::format("Invalid path '{}' : the variable '{}' has not been assigned", p.text(), p.variable()));
  }

  static Error invalid_path(const jsonpath::Path& p, const std::string& miss) {
    return runtime(fmt::format("Invalid path '{}' : {}", p.text(), miss));
  }

  static bool is_integral(double d) { return std::isfinite(d) && std::floor(d) == d; }

  /// The node a definite path reads from the input or `$$`, or AWS's "Invalid path" failure.
  static std::optional<Error> find_value(const jsonpath::Path& p, const Json& in, const QueryEnv& env,
                                         const Json*& out) {
    std::string miss;
    const Json* root = root_of(p, in, env);
    if (root == nullptr) return unassigned(p);
    out = p.find(*root, &miss);
    if (out == nullptr) return invalid_path(p, miss);
    return std::nullopt;
  }

  /// A value as AWS quotes it in a cause: a string's text, anything else as JSON.
  static std::string text_of(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

  const ValueField& value_field(NumberField f) const {
    switch (f) {
      case NumberField::timeout_seconds: return timeout_seconds;
      case NumberField::heartbeat_seconds: return heartbeat_seconds;
      case NumberField::max_concurrency: return max_concurrency;
      case NumberField::tolerated_failure_count: return tolerated_failure_count;
      case NumberField::tolerated_failure_percentage: break;
    }
    return tolerated_failure_percentage;
  }

  /// Fail's Error/Cause: literal, reference path or intrinsic, evaluated on the raw input.
  static std::optional<Error> fail_text(const FailField& field, const char* field_name, const Json& raw,
                                        const QueryEnv& env, std::optional<std::string>& out) {
    if (field.literal) {
      out = *field.literal;
    } else if (field.path) {
      const jsonpath::Path& p = *field.path;
      Json v;
      const Json* root = root_of(p, raw, env);
      if (root == nullptr) return unassigned(p);
      if (!p.select(*root, v))
        return runtime(fmt::format("The JSONPath '{}' specified for the field '{}' could not be found in the "
                                   "input '{}'",
                                   p.text(), field_name, java_json(raw)));
      out = text_of(v);
    } else if (field.function) {
      auto r = field.function->evaluate(intrinsics::Env{raw, env.ctx, env.vars});
      if (!r) return std::move(r).error();
      out = text_of(*r);
    }
    return std::nullopt;
  }
};

}  // namespace asl::detail
