// JSONPath filter operand values and comparisons (Jayway semantics), plus function tails (.length(), .max(), ...).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <regex>
#include <string>
#include <utility>

#include "asl/detail/jsonpath/path_model.hpp"
#include "asl/detail/jsonpath/path_text.hpp"
#include "asl/json.hpp"

namespace asl::detail::jsonpath {

namespace impl {

// ---- filter evaluation ----------------------------------------------------------------------

/// A filter operand's value. `j == nullptr` (and no pattern) is Jayway's UNDEFINED.
struct Val {
  const Json* j = nullptr;
  const std::string* text = nullptr;
  const std::regex* re = nullptr;
  Json own;
};

enum class Kind : std::uint8_t { undefined, number, string, boolean, null, json, pattern };

inline Kind kind_of(const Val& v) {
  if (v.re != nullptr) return Kind::pattern;
  if (v.j == nullptr) return Kind::undefined;
  switch (v.j->type()) {
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return Kind::number;
    case Json::value_t::string: return Kind::string;
    case Json::value_t::boolean: return Kind::boolean;
    case Json::value_t::null: return Kind::null;
    case Json::value_t::array:
    case Json::value_t::object: return Kind::json;
    default: return Kind::undefined;
  }
}

/// Structural equality with numbers compared by value (1 == 1.0); object key order is ignored.
inline bool deep_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return number_compare(a, b) == 0;
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!deep_equal(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !deep_equal(it.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

/// Jayway's ValueNode.equals, `a` being the receiver (number/string conversion is asymmetric).
inline bool values_equal(const Val& a, const Val& b) {
  const Kind ka = kind_of(a);
  const Kind kb = kind_of(b);
  switch (ka) {
    case Kind::json: return kb == Kind::json && deep_equal(*a.j, *b.j);
    case Kind::number:
      if (kb == Kind::number) return number_compare(*a.j, *b.j) == 0;
      if (kb == Kind::string) {
        Json n;
        return parse_decimal(b.j->get_ref<const std::string&>(), n) && number_compare(*a.j, n) == 0;
      }
      return false;
    case Kind::string:
      if (kb == Kind::string) return *a.j == *b.j;
      if (kb == Kind::number) return a.j->get_ref<const std::string&>() == number_text(*b.j, b.text);
      return false;
    case Kind::boolean: return kb == Kind::boolean && *a.j == *b.j;
    case Kind::null: return kb == Kind::null;
    default: return false;
  }
}

inline bool list_contains(const Json& list, const Val& needle) {
  for (const auto& e : list) {
    Val v;
    v.j = &e;
    if (values_equal(needle, v)) return true;
  }
  return false;
}

inline bool is_array_val(const Val& v) { return kind_of(v) == Kind::json && v.j->is_array(); }

inline std::string regex_input(const Val& v) {
  switch (kind_of(v)) {
    case Kind::string: return v.j->get<std::string>();
    case Kind::number: return number_text(*v.j, v.text);
    case Kind::boolean: return v.j->get<bool>() ? "true" : "false";
    default: return std::string();
  }
}

inline bool regex_matches(const std::regex& re, const Val& v) {
  if (is_array_val(v)) {  // newer Jayway: an array matches when any element does
    for (const auto& e : *v.j) {
      Val x;
      x.j = &e;
      if (!is_array_val(x) && std::regex_match(regex_input(x), re)) return true;
    }
    return false;
  }
  return std::regex_match(regex_input(v), re);
}

/// Applies a function tail (Jayway PathFunction) to its input.
inline bool apply_function(Function fn, const Json& in, Json& out, std::string* miss) {
  switch (fn) {
    case Function::length:
    case Function::size:
      if (in.is_array() || in.is_object()) {
        out = static_cast<std::int64_t>(in.size());
      } else if (in.is_string()) {
        out = static_cast<std::int64_t>(utf16_length(in.get_ref<const std::string&>()));
      } else {
        out = nullptr;  // Jayway's Length returns null for other values
      }
      return true;
    case Function::keys:
      if (in.is_object()) {
        Json keys = Json::array();
        for (auto it = in.begin(); it != in.end(); ++it) keys.push_back(it.key());
        out = std::move(keys);
      } else {
        out = nullptr;
      }
      return true;
    default: break;
  }
  double sum = 0;
  double sum_sq = 0;
  double lo = 0;
  double hi = 0;
  std::size_t count = 0;
  if (in.is_array()) {
    for (const auto& e : in) {
      if (!e.is_number()) continue;  // Jayway skips non-numbers
      const double x = e.get<double>();
      if (count == 0 || x < lo) lo = x;
      if (count == 0 || x > hi) hi = x;
      sum += x;
      sum_sq += x * x;
      ++count;
    }
  }
  if (count == 0) {
    if (miss) *miss = "Aggregation function attempted to calculate value using empty array";
    return false;
  }
  const auto n = static_cast<double>(count);
  switch (fn) {
    case Function::min: out = lo; break;
    case Function::max: out = hi; break;
    case Function::sum: out = sum; break;
    case Function::avg: out = sum / n; break;
    default: out = std::sqrt(std::max(0.0, sum_sq / n - (sum * sum) / (n * n))); break;
  }
  return true;
}

}  // namespace impl

}  // namespace asl::detail::jsonpath
