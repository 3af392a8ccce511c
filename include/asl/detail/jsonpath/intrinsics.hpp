// Intrinsic functions (spec §6): `States.Xxx(...)` parsed once to a call tree, evaluated per use.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "asl/detail/jsonpath/intrinsics_functions.hpp"
#include "asl/detail/jsonpath/intrinsics_parser.hpp"
#include "asl/detail/jsonpath/java_text.hpp"
#include "asl/detail/jsonpath/path.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"

// Behaviour chosen where AWS's is not recorded (spec §6.3, §16):
// * Errors: a function that rejects its arguments -> States.IntrinsicFailure; a path argument
//   that matches nothing -> States.Runtime (AWS). Both causes read
//   "The function '<expression as written>' had the following error: <detail>" (AWS's frame).
// * Arguments that must be integers (ArrayPartition, ArrayRange, MathRandom, MathAdd) are rounded
//   with Java's Math.round; ArrayGetItem needs an integral index. MathAdd and MathRandom bounds
//   must fit in 32 bits; MathAdd returns the exact sum. ArrayRange allows a negative step.
// * MathRandom(start, end): start <= n < end. With a seed it returns
//   `new java.util.Random(seed).nextInt(end - start) + start` (the same seed gives the same
//   number, and the number Java would draw); without one, a per-thread std::mt19937_64.
// * Base64 and Hash limits count UTF-16 units (Java's String.length()); Base64 is Java's basic
//   encoder (no line breaks) and strict decoder; decoded bytes that are not UTF-8 become U+FFFD.
// * Format needs exactly one argument per "{}"; JsonMerge accepts only `false` (shallow).
// * In a '...' literal, a backslash followed by anything but ' { } or a backslash (an "open
//   escape", spec §6.2) is a runtime States.IntrinsicFailure, not a load error.
namespace asl::detail::intrinsics {

/// True when `text` has the shape of a function call, `Name(` (used to tell an intrinsic from a
/// path). Names other than the 18 `States.*` functions then fail in Expression::parse with a
/// precise message.
inline bool looks_like_call(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && impl::is_space(text[i])) ++i;
  if (i >= text.size() || !impl::is_ident_start(text[i])) return false;
  while (i < text.size() && impl::is_name_char(text[i])) ++i;
  while (i < text.size() && impl::is_space(text[i])) ++i;
  return i < text.size() && text[i] == '(';
}

/// A parsed intrinsic expression (spec §6). Immutable and cheap to copy (shared call tree).
class Expression {
 public:
  /// Parses `text`. Throws SyntaxError for an unknown function, a wrong argument count, an
  /// unterminated string, an invalid number or path, nesting deeper than 10, or stray text.
  static Expression parse(std::string_view text) {
    impl::Parser p(text);
    Expression e;
    e.call_ = p.parse_expression();
    e.text_ = std::string(text);
    e.uses_context_ = p.uses_context();
    return e;
  }

  /// True when some argument reads the context object (`$$...`).
  bool uses_context() const { return uses_context_; }

  /// The expression as written (AWS quotes it verbatim in causes).
  const std::string& text() const { return text_; }

  /// Evaluates the expression. Failures are values: `States.IntrinsicFailure` for a function
  /// that rejects its arguments, `States.Runtime` for a path argument that matches nothing. The
  /// cause reads `The function '<expression>' had the following error: <detail>` (AWS's frame).
  asl::Result<Json> evaluate(const Env& env) const {
    try {
      return impl::eval_call(*call_, env).take();
    } catch (impl::Failure& f) {
      return asl::Error(std::string(f.name),
                        "The function '" + text_ + "' had the following error: " + f.detail);
    }
  }

 private:
  Expression() = default;
  std::shared_ptr<const impl::Call> call_;
  std::string text_;
  bool uses_context_ = false;
};

}  // namespace asl::detail::intrinsics
