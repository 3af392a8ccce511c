// A field value of a JSONata state: JSON in which every "{% ... %}" string, however deeply nested,
// is an expression evaluated against `$states` and the workflow variables (spec §11.2, §11.5).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/jsonata/compile.hpp"
#include "asl/detail/jsonata/evaluator.hpp"
#include "asl/detail/jsonata/value_ops.hpp"
#include "asl/detail/json/pointer.hpp"
#include "asl/detail/jsonata_states/restrictions.hpp"
#include "asl/detail/query/variables.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"

namespace asl::detail {

/// A JSONata string: exactly "{%" ... "%}", no blank around (AWS-recorded: " {% x %} " is text).
inline bool is_jsonata_string(const Json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  return s.size() >= 4 && s.compare(0, 2, "{%") == 0 && s.compare(s.size() - 2, 2, "%}") == 0;
}

/// What `$states` holds for one evaluation; members stay null where the field cannot see them.
struct JsonataScope {
  const Json* input = nullptr;
  const Json* context = nullptr;
  const Json* result = nullptr;
  const Json* error_output = nullptr;
  const Variables* vars = nullptr;
  double now_ms = 0;  ///< `$now()` / `$millis()`: the state's entry time, so a replay agrees
};

/// A definition-time problem of one expression: where (a JSON Pointer below the field) and what.
struct JsonataProblem {
  std::string pointer;  ///< below the field ("" = the field itself)
  std::string aws_code;  ///< INVALID_JSONATA_EXPRESSION or UNSUPPORTED_JSONATA_EXPRESSION
  std::string message;
};

class JsonataTemplate {
 public:
  JsonataTemplate() = default;

  /// Compiles every expression of `value`, the field `location` names in AWS's causes
  /// ("Output", "Choices[1]/Condition"). Problems are appended to `problems` (none: usable).
  static JsonataTemplate compile(const Json& value, std::string location, StatesAccess access,
                                 std::vector<JsonataProblem>& problems) {
    JsonataTemplate t;
    t.literal_ = value;
    t.location_ = std::move(location);
    // The walk keeps its own stack: the value nests as deep as the definition (bounded by
    // ParseLimits), but a loop costs nothing more.
    struct Item {
      const Json* node;
      std::vector<Step> where;
      std::string location;
      std::string pointer;
    };
    std::vector<Item> todo{{&value, {}, t.location_, ""}};
    while (!todo.empty()) {
      Item it = std::move(todo.back());
      todo.pop_back();
      const Json& n = *it.node;
      if (is_jsonata_string(n)) {
        const std::string& s = n.get_ref<const std::string&>();
        std::string text = trim(std::string_view(s).substr(2, s.size() - 4));
        Expr e;
        e.where = std::move(it.where);
        e.location = std::move(it.location);
        e.text = text;
        try {
          e.root = jsonata::parse_expression(text, jsonata::DialectId::aws);
        } catch (const jsonata::Error& err) {
          problems.push_back({it.pointer, "INVALID_JSONATA_EXPRESSION", err.message()});
          continue;
        }
        if (auto why = jsonata_restriction(*e.root, access)) {
          problems.push_back({it.pointer, "UNSUPPORTED_JSONATA_EXPRESSION", std::move(*why)});
          continue;
        }
        t.exprs_.push_back(std::move(e));
      } else if (n.is_object()) {
        for (auto m = n.begin(); m != n.end(); ++m) {
          Item c{&m.value(), it.where, it.location + "/" + m.key(), it.pointer + "/" + pointer_token(m.key())};
          c.where.push_back(Step{false, m.key(), 0});
          todo.push_back(std::move(c));
        }
      } else if (n.is_array()) {
        for (std::size_t i = 0; i < n.size(); ++i) {
          Item c{&n[i], it.where, fmt::format("{}[{}]", it.location, i), fmt::format("{}/{}", it.pointer, i)};
          c.where.push_back(Step{true, {}, i});
          todo.push_back(std::move(c));
        }
      }
    }
    return t;
  }

  /// No expression: the value is used as written.
  bool is_literal() const noexcept { return exprs_.empty(); }
  const Json& literal() const noexcept { return literal_; }
  /// Some expression reads `$states.context` (or `$states` whole): the state needs `$$`.
  bool reads_context() const {
    for (const auto& e : exprs_) {
      std::string_view t = e.text;
      for (std::size_t at = t.find("$states"); at != std::string_view::npos; at = t.find("$states", at + 1)) {
        const std::string_view rest = t.substr(at + 7);
        if (!(starts_with(rest, ".input") || starts_with(rest, ".result") || starts_with(rest, ".errorOutput")))
          return true;
      }
    }
    return false;
  }

  /// The value with every expression replaced by its result. Failures are
  /// States.QueryEvaluationError with AWS's cause tail (the interpreter adds the state prefix).
  Result<Json> evaluate(const JsonataScope& scope) const {
    if (exprs_.empty()) return literal_;
    if (exprs_.size() == 1 && exprs_.front().where.empty()) return run(exprs_.front(), scope);
    Json out = literal_;
    for (const Expr& e : exprs_) {
      auto r = run(e, scope);
      if (!r) return r;
      Json* at = &out;
      for (const Step& s : e.where) at = s.is_index ? &(*at)[s.index] : &(*at)[s.key];
      *at = std::move(*r);
    }
    return out;
  }

  /// The cause AWS gives when the field's result has a type the field cannot take.
  Error wrong_type(const Json& value, std::string_view expected) const {
    const std::string& text = exprs_.empty() ? std::string() : exprs_.front().text;
    return Error(std::string(errors::query_evaluation_error),
                 fmt::format("The JSONata expression '{}' specified for the field '{}' returned an unexpected result "
                             "type. Expected '{}', but was '{}' for value: {}",
                             text, location_, expected, type_word(value), value.dump()));
  }

 private:
  struct Step {
    bool is_index = false;
    std::string key;
    std::size_t index = 0;
  };
  struct Expr {
    std::vector<Step> where;  ///< empty: the expression is the whole value
    std::string location;
    std::string text;
    std::shared_ptr<const jsonata::Node> root;
  };

  static bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

  static std::string trim(std::string_view s) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return std::string(s);
  }

  static const char* type_word(const Json& v) {
    switch (v.type()) {
      case Json::value_t::null: return "null";
      case Json::value_t::boolean: return "boolean";
      case Json::value_t::string: return "string";
      case Json::value_t::array: return "array";
      case Json::value_t::object: return "object";
      default: return "number";
    }
  }

  static Error failure(const Expr& e, std::string what) {
    return Error(std::string(errors::query_evaluation_error),
                 fmt::format("The JSONata expression '{}' specified for the field '{}' {}", e.text, e.location, what));
  }

  static Result<Json> run(const Expr& e, const JsonataScope& scope) {
    namespace dj = jsonata;
    try {
      dj::EvalLimits limits;
      dj::Evaluator ev(dj::builtins_for(dj::DialectId::aws), limits, scope.now_ms);
      dj::FramePtr env = ev.make_frame(nullptr);
      if (scope.vars)
        scope.vars->for_each([&](const std::string& name, const Json& v) { env->bind(name, dj::Value::borrow(v)); });
      auto states = dj::new_object();
      if (scope.input) states->set("input", dj::Value::borrow(*scope.input));
      if (scope.context) states->set("context", dj::Value::borrow(*scope.context));
      if (scope.result) states->set("result", dj::Value::borrow(*scope.result));
      if (scope.error_output) states->set("errorOutput", dj::Value::borrow(*scope.error_output));
      env->bind("states", dj::Value::object(std::move(states)));
      // No input document at the top level (spec §11.2): `$` is undefined there.
      env->bind("$", dj::Value());
      dj::Value r = ev.evaluate(*e.root, dj::Value(), env);
      if (r.is_undefined()) return failure(e, "returned nothing (undefined).");
      if (r.is_function()) return failure(e, "returned an unsupported result type.");
      return dj::to_json(r, true);
    } catch (const dj::Error& err) {
      // AWS's guardrails (memory, depth, time) have no JSONata code: "...: <message>".
      if (err.code() == "U1001")
        return failure(e, "threw an error during evaluation: " + err.message());
      return failure(e, fmt::format("threw an error during evaluation. {}: {}", err.code(), err.message()));
    }
  }

  Json literal_;
  std::string location_;
  std::vector<Expr> exprs_;
};

}  // namespace asl::detail
