// JSONata 2.x for asl: compile an expression once, evaluate it against JSON documents many times.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/jsonata/compile.hpp"
#include "asl/detail/jsonata/evaluator.hpp"
#include "asl/detail/jsonata/limits.hpp"
#include "asl/detail/jsonata/regex.hpp"
#include "asl/detail/jsonata/sequence.hpp"
#include "asl/detail/jsonata/value.hpp"
#include "asl/detail/jsonata/value_ops.hpp"
#include "asl/json.hpp"

namespace asl::jsonata {

/// The language an expression is compiled for.
enum class Dialect {
  full,  ///< JSONata 2.2 as jsonata-js implements it (library use)
  aws,   ///< AWS Step Functions: 2.0.6 syntax (no `?:`, `??`), no `$eval`, non-finite results as strings
};

/// A JSONata error: its code (`S0201`, `T2001`, `U1001`, ...), the message as jsonata-js words
/// it, and the character position (UTF-16 units, just past the offending token) when known.
struct Error {
  std::string code;
  std::string message;
  std::optional<std::size_t> position;
};

/// Thrown by compile() for syntax errors.
class CompileError : public std::runtime_error {
 public:
  explicit CompileError(Error e) : std::runtime_error(e.code + ": " + e.message), error_(std::move(e)) {}
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

/// Per-evaluation limits. `max_depth` counts nested evaluations as jsonata-js does (and bounds
/// the C++ stack); `timeout` (0 = none) and `max_steps` (node evaluations plus regex backtracking
/// steps; 0 = none) stop runaway expressions: the default step budget ends an endless loop in
/// seconds. Exceeding any of them is error U1001.
struct Limits {
  std::size_t max_depth = 1000;
  std::chrono::milliseconds timeout{0};
  std::uint64_t max_steps = 100000000;
};

/// The outcome of one evaluation: a value, "undefined" (no value), or an error.
class Result {
 public:
  static Result of(Json v) {
    Result r;
    r.value_ = std::move(v);
    r.kind_ = Kind::value;
    return r;
  }
  static Result undefined() { return Result(); }
  static Result failure(Error e) {
    Result r;
    r.error_ = std::move(e);
    r.kind_ = Kind::error;
    return r;
  }

  bool has_value() const noexcept { return kind_ == Kind::value; }
  bool is_undefined() const noexcept { return kind_ == Kind::undefined; }
  bool is_error() const noexcept { return kind_ == Kind::error; }
  const Json& value() const { return value_; }
  const Error& error() const { return error_; }

 private:
  enum class Kind { undefined, value, error };
  Kind kind_ = Kind::undefined;
  Json value_;
  Error error_;
};

/// A compiled expression: immutable, cheap to copy, safe to evaluate from several threads.
class Expression {
 public:
  /// Evaluates against `input` (taken by reference, never copied). `bindings`, when an object,
  /// binds `$name` for each member (shadowing built-ins of the same name).
  Result evaluate(const Json& input, const Json* bindings = nullptr, const Limits& limits = {}) const {
    return run(&input, bindings, limits);
  }
  /// Evaluates with no input at all (JSONata's undefined context).
  Result evaluate_undefined(const Json* bindings = nullptr, const Limits& limits = {}) const {
    return run(nullptr, bindings, limits);
  }

  const std::string& source() const noexcept { return source_; }
  Dialect dialect() const noexcept { return dialect_; }

 private:
  friend Expression compile(std::string_view source, Dialect dialect, const detail::jsonata::RegexEngine* regex_engine);

  static Error convert(const detail::jsonata::Error& e) {
    Error out{e.code(), e.message(), std::nullopt};
    if (e.has_position()) out.position = e.position();
    return out;
  }

  /// Charges the step budget one step per value the result's conversion to JSON will make: a
  /// lazy range (`[1..10000000]`) costs nothing to build but millions of values to write.
  static void charge_result(detail::jsonata::Guard& guard, const detail::jsonata::Value& r) {
    namespace dj = detail::jsonata;
    std::vector<const dj::Value*> stack{&r};
    while (!stack.empty()) {
      const dj::Value* v = stack.back();
      stack.pop_back();
      if (const dj::ArrayBox* a = v->owned_array()) {
        guard.add_steps(a->size());
        for (const auto& item : a->items) stack.push_back(&item);
      } else if (const dj::ObjectBox* o = v->owned_object()) {
        guard.add_steps(o->entries.size());
        for (const auto& kv : o->entries) stack.push_back(&kv.second);
      }
    }
  }

  Result run(const Json* input, const Json* bindings, const Limits& limits) const {
    namespace dj = detail::jsonata;
    using Value = dj::Value;
    dj::EvalLimits l;
    l.max_depth = limits.max_depth;
    l.time_limit = limits.timeout;
    l.max_steps = limits.max_steps;
    const double now = std::nan("");  // the clock, read if the expression asks ($now, $millis)
    dj::DialectId d = dialect_ == Dialect::aws ? dj::DialectId::aws : dj::DialectId::full;
    try {
      dj::Evaluator ev(dj::builtins_for(d), l, now);
      dj::FramePtr env = ev.make_frame(nullptr);
      if (bindings && bindings->is_object()) {
        for (const auto& kv : bindings->items()) env->bind(kv.key(), Value::borrow(kv.value()));
      }
      Value in = input ? Value::borrow(*input) : Value();
      env->bind("$", in);
      if (in.is_array()) {
        // A top-level array is one context item (jsonata-js's outer wrapper).
        Value wrapped = dj::sequence_of(in);
        wrapped.owned_array()->outer_wrapper = true;
        in = wrapped;
      }
      Value r = ev.evaluate(*root_, in, env);
      if (r.is_undefined()) return Result::undefined();
      if (r.owned_array() || r.owned_object()) charge_result(ev.guard(), r);
      return Result::of(dj::to_json(r, dialect_ == Dialect::aws));
    } catch (const dj::Error& e) {
      return Result::failure(convert(e));
    }
  }

  std::string source_;
  Dialect dialect_ = Dialect::full;
  std::shared_ptr<const detail::jsonata::Node> root_;
};

/// Parses an expression. Throws CompileError (with JSONata's S0xxx code and position) when it is
/// not valid in `dialect`. `regex_engine` replaces the built-in regex engine for this expression.
inline Expression compile(std::string_view source, Dialect dialect = Dialect::full,
                          const detail::jsonata::RegexEngine* regex_engine = nullptr) {
  namespace dj = detail::jsonata;
  Expression e;
  e.source_ = std::string(source);
  e.dialect_ = dialect;
  try {
    e.root_ = dj::parse_expression(source, dialect == Dialect::aws ? dj::DialectId::aws : dj::DialectId::full, regex_engine);
  } catch (const dj::Error& err) {
    throw CompileError(Expression::convert(err));
  }
  return e;
}

}  // namespace asl::jsonata
