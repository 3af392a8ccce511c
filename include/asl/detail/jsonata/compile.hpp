// Compiling an expression (parse + post-process) per dialect, the dialects' tables, and `$eval`.
// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/jsonata/ast.hpp"
#include "asl/detail/jsonata/builtin.hpp"
#include "asl/detail/jsonata/builtins.hpp"
#include "asl/detail/jsonata/functions_aws.hpp"
#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/evaluator.hpp"
#include "asl/detail/jsonata/parser.hpp"
#include "asl/detail/jsonata/process.hpp"
#include "asl/detail/jsonata/utf.hpp"

namespace asl::detail::jsonata {

/// Which language a compiled expression speaks.
enum class DialectId { full, aws };

/// Parses and post-processes an expression into the tree the evaluator walks.
inline std::shared_ptr<const Node> parse_expression(std::string_view source, DialectId dialect,
                                                   const RegexEngine* regex_engine = nullptr) {
  std::u16string text = to_utf16(source);
  SyntaxOptions options;
  options.elvis_and_coalescing = dialect == DialectId::full;
  options.regex_engine = regex_engine;
  Parser parser(text, options);
  NodePtr raw = parser.parse();
  PostProcessor post;
  return std::shared_ptr<const Node>(post.run(std::move(raw)).release());
}

/// `$eval(expr, context?)`: parses and evaluates at run time in the caller's scope.
inline Value eval_builtin(CallContext& c, std::vector<Value>& a) {
  if (a.empty() || a[0].is_undefined()) return Value();
  Value input = c.input;
  if (a.size() > 1 && !a[1].is_undefined()) {
    input = a[1];
    if (input.is_array() && !input.is_sequence()) {
      input = sequence_of(input);
      input.owned_array()->outer_wrapper = true;
    }
  }
  std::shared_ptr<const Node> tree;
  try {
    tree = parse_expression(a[0].as_string(), DialectId::full);
  } catch (const Error& e) {
    std::string msg;
    append_json_string(msg, e.message());
    throw Error("D3120").with_value(std::move(msg));
  }
  c.ev.keep_alive(tree);
  try {
    return c.ev.evaluate(*tree, input, c.env);
  } catch (const Error& e) {
    if (e.code() == "U1001") throw;  // the evaluation's own limits are not the expression's error
    std::string msg;
    append_json_string(msg, e.message());
    throw Error("D3121").with_value(std::move(msg));
  }
}

inline BuiltinTable make_builtins(DialectId d) {
  BuiltinTable t;
  register_common(t);
  // AWS refuses $eval (it offers $parse instead, which the ASL integration registers).
  if (d == DialectId::full) t.add("eval", "<sx?:x>", eval_builtin, 2);
  if (d == DialectId::aws) register_aws(t);
  return t;
}

inline const BuiltinTable& builtins_for(DialectId d) {
  static const BuiltinTable full = make_builtins(DialectId::full);
  static const BuiltinTable aws = make_builtins(DialectId::aws);
  return d == DialectId::aws ? aws : full;
}

}  // namespace asl::detail::jsonata
