// Fuzz target: intrinsic functions (asl::detail::intrinsics), parser and evaluator. Input: the
// first line is the expression, the rest the JSON input (a fixed document when it does not
// parse); the context object ($$) is built around that input.
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <asl/detail/jsonpath/intrinsics.hpp>

#include "fuzz_common.hpp"

namespace in = asl::detail::intrinsics;
using asl::Json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [expr_text, doc_text] = asl_fuzz::split_line(asl_fuzz::as_text(data, size));
  const auto parsed = asl_fuzz::parse_json(doc_text);
  const Json& input = parsed ? *parsed : asl_fuzz::default_document();
  const bool text_ok = asl_fuzz::valid_utf8(expr_text);

  (void)in::looks_like_call(expr_text);
  std::optional<in::Expression> expr;
  try {
    expr = in::Expression::parse(expr_text);
  } catch (const in::SyntaxError& e) {
    if (text_ok) ASL_FUZZ_CHECK(asl_fuzz::valid_utf8(e.what()), e.what());
    return 0;
  }
  ASL_FUZZ_CHECK(expr->text() == expr_text, expr->text());

  const Json context = asl_fuzz::make_context(input);
  const in::Env env{input, &context};
  const asl::Result<Json> r = expr->evaluate(env);
  if (r.ok()) {
    if (text_ok) (void)r.value().dump();  // throws on invalid UTF-8
  } else {
    const asl::Error& e = r.error();
    ASL_FUZZ_CHECK(e.name && (*e.name == "States.IntrinsicFailure" || *e.name == "States.Runtime"),
                   e.name.value_or("<no name>"));
    ASL_FUZZ_CHECK(e.cause.has_value(), *e.name);
    if (text_ok) ASL_FUZZ_CHECK(asl_fuzz::valid_utf8(*e.cause), *e.cause);
  }

  // Without a context object: paths on $$ must fail cleanly, never dereference null.
  const in::Env no_ctx{input, nullptr};
  const asl::Result<Json> r2 = expr->evaluate(no_ctx);
  if (!expr->uses_context()) ASL_FUZZ_CHECK(r2.ok() == r.ok(), std::string(expr_text));
  return 0;
}
