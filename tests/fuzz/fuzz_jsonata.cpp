// Fuzz target: the JSONata evaluator (asl/jsonata.hpp), parser and evaluator in both dialects. Input:
// `<expression>\0<JSON input>\0<JSON bindings>` (each part after the expression optional; a fixed
// document when the input does not parse). Every evaluation runs under a small budget, so
// nothing an expression asks for may crash, hang or exhaust the stack.
// SPDX-License-Identifier: MIT
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <asl/jsonata.hpp>

#include "fuzz_common.hpp"

namespace jsonata = asl::jsonata;
using asl::Json;

namespace {

/// Splits at the first NUL: {before, after} ("" after when there is none).
std::pair<std::string_view, std::string_view> split_nul(std::string_view s) {
  const auto at = s.find('\0');
  if (at == std::string_view::npos) return {s, std::string_view()};
  return {s.substr(0, at), s.substr(at + 1)};
}

bool is_code(const std::string& c) {
  if (c.size() != 5 || c[0] < 'A' || c[0] > 'Z') return false;
  for (std::size_t i = 1; i < 5; ++i)
    if (c[i] < '0' || c[i] > '9') return false;
  return true;
}

void check_error(const jsonata::Error& e, bool text_ok, std::size_t text_size) {
  ASL_FUZZ_CHECK(is_code(e.code), e.code + ": " + e.message);
  ASL_FUZZ_CHECK(!e.message.empty(), e.code);
  // Positions count UTF-16 units of the expression: never past its end (plus the implied end token).
  if (e.position) ASL_FUZZ_CHECK(*e.position <= text_size + 1, e.code + " at " + std::to_string(*e.position));
  if (text_ok) ASL_FUZZ_CHECK(asl_fuzz::valid_utf8(e.message), e.message);
}

void evaluate(const jsonata::Expression& expr, const Json& input, const Json* bindings, bool text_ok, std::size_t text_size) {
  // A budget far below the defaults: the fuzzer must not wait on `[1..1e7].($*$)` or a
  // runaway recursion, and the depth limit keeps frames within the sanitizers' larger stack.
  jsonata::Limits limits;
  limits.max_depth = 400;
  limits.max_steps = 200000;
  limits.timeout = std::chrono::milliseconds(2000);
  for (int pass = 0; pass < 2; ++pass) {
    const jsonata::Result r = pass == 0 ? expr.evaluate(input, bindings, limits) : expr.evaluate_undefined(bindings, limits);
    if (r.is_error()) {
      check_error(r.error(), text_ok, text_size);
    } else if (r.has_value()) {
      // Results serialize; strings holding lone surrogates come out replaced, never as a throw.
      (void)r.value().dump(-1, ' ', false, Json::error_handler_t::replace);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [text, rest] = split_nul(asl_fuzz::as_text(data, size));
  const auto [input_text, bindings_text] = split_nul(rest);
  const auto parsed = asl_fuzz::parse_json(input_text);
  const Json& input = parsed ? *parsed : asl_fuzz::default_document();
  const auto bindings = asl_fuzz::parse_json(bindings_text);
  const bool text_ok = asl_fuzz::valid_utf8(text);
  const std::size_t text_size = text.size();  // UTF-8 bytes >= UTF-16 units

  std::optional<jsonata::Expression> full, aws;
  try {
    full = jsonata::compile(text, jsonata::Dialect::full);
  } catch (const jsonata::CompileError& e) {
    check_error(e.error(), text_ok, text_size);
  }
  try {
    aws = jsonata::compile(text, jsonata::Dialect::aws);
  } catch (const jsonata::CompileError& e) {
    check_error(e.error(), text_ok, text_size);
  }
  // The AWS dialect's syntax (2.0.6) is a subset of 2.2's.
  if (aws) ASL_FUZZ_CHECK(full.has_value(), std::string(text));

  const Json* b = bindings && bindings->is_object() ? &*bindings : nullptr;
  if (full) evaluate(*full, input, b, text_ok, text_size);
  if (aws) evaluate(*aws, input, b, text_ok, text_size);
  return 0;
}
