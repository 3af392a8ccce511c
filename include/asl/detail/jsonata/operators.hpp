// JSONata's binary operators on values: arithmetic, comparison, equality, `&`, `..` and `in`.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "asl/detail/jsonata/ast.hpp"
#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/number.hpp"
#include "asl/detail/jsonata/sequence.hpp"
#include "asl/detail/jsonata/utf.hpp"
#include "asl/detail/jsonata/value.hpp"
#include "asl/detail/jsonata/value_ops.hpp"

namespace asl::detail::jsonata {

/// A JSON rendering of a value for error messages.
inline std::string error_text(const Value& v) {
  try {
    if (v.is_undefined()) return "undefined";
    return stringify(v, false, false);
  } catch (const Error&) {
    return "null";
  }
}

/// Applies `op` (not `and`/`or`, which short-circuit in the evaluator). Errors carry no position:
/// the caller adds the operator's.
// `op` is resolved from the operator's text when the expression is processed (Node::op): one
// switch per evaluation instead of string compares.
inline Value binary_op(BinaryOp op, const Value& lhs, const Value& rhs) {
  double x = 0, y = 0;
  if (lhs.number_if(x) && rhs.number_if(y) && std::isfinite(x) && std::isfinite(y)) {
    // Two finite numbers (most operations in filters and arithmetic): no type checks to make.
    switch (op) {
      case BinaryOp::Add: return Value::number(x + y);
      case BinaryOp::Subtract: return Value::number(x - y);
      case BinaryOp::Multiply: return Value::number(x * y);
      case BinaryOp::Divide: return Value::number(x / y);
      case BinaryOp::Modulo: return Value::number(std::fmod(x, y));
      case BinaryOp::Less: return Value::boolean(x < y);
      case BinaryOp::LessEqual: return Value::boolean(x <= y);
      case BinaryOp::Greater: return Value::boolean(x > y);
      case BinaryOp::GreaterEqual: return Value::boolean(x >= y);
      default: break;
    }
  }
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Subtract:
    case BinaryOp::Multiply:
    case BinaryOp::Divide:
    case BinaryOp::Modulo: {
      if (!lhs.is_undefined() && !is_numeric(lhs)) throw Error("T2001").with_value(error_text(lhs));
      if (!rhs.is_undefined() && !is_numeric(rhs)) throw Error("T2002").with_value(error_text(rhs));
      if (lhs.is_undefined() || rhs.is_undefined()) return Value();
      double a = lhs.as_number(), b = rhs.as_number();
      switch (op) {
        case BinaryOp::Add: return Value::number(a + b);
        case BinaryOp::Subtract: return Value::number(a - b);
        case BinaryOp::Multiply: return Value::number(a * b);
        case BinaryOp::Divide: return Value::number(a / b);
        default: return Value::number(std::fmod(a, b));
      }
    }
    case BinaryOp::Equal:
    case BinaryOp::NotEqual: {
      if (lhs.is_undefined() || rhs.is_undefined()) return Value::boolean(false);
      bool eq = deep_equal(lhs, rhs);
      return Value::boolean(op == BinaryOp::Equal ? eq : !eq);
    }
    case BinaryOp::Less:
    case BinaryOp::LessEqual:
    case BinaryOp::Greater:
    case BinaryOp::GreaterEqual: {
      Type lt = lhs.type(), rt = rhs.type();
      auto comparable = [](Type t) { return t == Type::Undefined || t == Type::String || t == Type::Number; };
      if (!comparable(lt) || !comparable(rt)) {
        bool lbad = !(lt == Type::String || lt == Type::Number);
        throw Error("T2010").with_value(error_text(lbad ? lhs : rhs));
      }
      if (lt == Type::Undefined || rt == Type::Undefined) return Value();
      if (lt != rt) throw Error("T2009").with_value(error_text(lhs)).with_value2(error_text(rhs));
      int cmp = 0;
      bool unordered = false;
      if (lt == Type::Number) {
        double a = lhs.as_number(), b = rhs.as_number();
        unordered = std::isnan(a) || std::isnan(b);
        cmp = a < b ? -1 : (a > b ? 1 : 0);
      } else {
        cmp = compare_utf16(lhs.as_string(), rhs.as_string());
      }
      if (unordered) return Value::boolean(false);
      switch (op) {
        case BinaryOp::Less: return Value::boolean(cmp < 0);
        case BinaryOp::LessEqual: return Value::boolean(cmp <= 0);
        case BinaryOp::Greater: return Value::boolean(cmp > 0);
        default: return Value::boolean(cmp >= 0);
      }
    }
    case BinaryOp::Concat: {
      std::string s = lhs.is_undefined() ? std::string() : string_of(lhs);
      if (!rhs.is_undefined()) s += string_of(rhs);
      return Value::string(std::move(s));
    }
    case BinaryOp::Range: {
      auto integer = [](const Value& v) { return v.is_number() && is_integer(v.as_number()); };
      if (!lhs.is_undefined() && !integer(lhs)) throw Error("T2003").with_value(error_text(lhs));
      if (!rhs.is_undefined() && !integer(rhs)) throw Error("T2004").with_value(error_text(rhs));
      if (lhs.is_undefined() || rhs.is_undefined()) return Value();
      double a = lhs.as_number(), b = rhs.as_number();
      if (a > b) return Value();
      double size = b - a + 1;
      if (size > 1e7) throw Error("D2014").with_value(js_number_to_string(size));
      auto seq = new_sequence();
      seq->range_first = a;
      seq->range_count = static_cast<std::size_t>(size);
      return Value::array(std::move(seq));
    }
    case BinaryOp::In: {
      if (lhs.is_undefined() || rhs.is_undefined()) return Value::boolean(false);
      if (!rhs.is_array()) return Value::boolean(strict_equal(rhs, lhs));
      for (std::size_t i = 0; i < rhs.size(); ++i) {
        if (strict_equal(rhs.at(i), lhs)) return Value::boolean(true);
      }
      return Value::boolean(false);
    }
    case BinaryOp::None:
    case BinaryOp::And:
    case BinaryOp::Or: break;
  }
  return Value();
}

/// The same, by the operator's text.
inline Value binary_op(std::string_view op, const Value& lhs, const Value& rhs) {
  return binary_op(binary_op_from_text(op), lhs, rhs);
}

}  // namespace asl::detail::jsonata
