// JSONPath data model: compiled paths (chains of steps) and filter expressions, shared by the parser and evaluator.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "asl/json.hpp"

namespace asl::detail::jsonpath {

/// A malformed path. The message names the problem and its character offset in the text.
struct SyntaxError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What a path is evaluated against (spec §4.7, §5.4).
enum class Root { input, context, variable };

namespace impl {

/// Bound on filter nesting (parentheses, `!`, filters inside filter paths, JSON literals), so
/// that hostile paths cannot exhaust the stack while parsing or evaluating.
inline constexpr int max_nesting = 64;

enum class StepKind : std::uint8_t { name, index, names, indexes, slice, wildcard, scan, filter };
enum class Function : std::uint8_t { none, length, size, min, max, avg, sum, stddev, keys };

struct Expr;

struct Slice {
  bool has_start = false;
  bool has_end = false;
  bool has_step = false;
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::int64_t step = 1;
};

/// The parts of a step only the rarer kinds need; shared so that copying a Path stays cheap.
struct StepData {
  std::vector<std::string> names;
  std::vector<std::int64_t> indexes;
  Slice slice;
  std::shared_ptr<const Expr> filter;
};

struct Step {
  StepKind kind = StepKind::name;
  char quote = '\'';  // as written, for Jayway's path text
  std::int64_t index = 0;
  std::string name;
  std::shared_ptr<const StepData> data;
};

struct Chain {
  std::vector<Step> steps;
  Function fn = Function::none;
  bool plain = true;           // only single names and single indexes
  bool merge_single = false;   // plain steps then a multi-name leaf: one merged object (Jayway)
};

enum class OperandKind : std::uint8_t { literal, current, document, pattern };

struct Operand {
  OperandKind kind = OperandKind::literal;
  Json literal;
  std::string number_text;  // a number literal as written: Jayway compares numbers to strings by text
  std::shared_ptr<const Chain> path;
  std::shared_ptr<const std::regex> pattern;
};

enum class Op : std::uint8_t {
  any, all, negate, exists, absent,
  eq, ne, strict_eq, strict_ne, lt, le, gt, ge, matches,
  in, nin, subsetof, anyof, noneof, contains, size, empty
};

struct Expr {
  Op op = Op::exists;
  std::vector<Expr> kids;  // any / all / negate; n-ary so long `&&` chains do not nest
  Operand lhs;
  Operand rhs;
};

}  // namespace impl

}  // namespace asl::detail::jsonpath
