// Numeric and aggregation built-ins ($number, $round, $power, $formatBase, $sum, $max, $average, ...).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "asl/detail/jsonata/builtin.hpp"
#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/evaluator.hpp"
#include "asl/detail/jsonata/format_number.hpp"
#include "asl/detail/jsonata/functions_string.hpp"
#include "asl/detail/jsonata/number.hpp"
#include "asl/detail/jsonata/value.hpp"

namespace asl::detail::jsonata::fn {

inline Value sum(CallContext&, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined()) return Value();
  double total = 0;
  for_each_number(arr, [&](double x) { total += x; });
  return Value::number(total);
}

inline Value count(CallContext&, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined()) return Value::number(0);
  return Value::number(static_cast<double>(arr.size()));
}

inline Value max(CallContext&, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined() || arr.size() == 0) return Value();
  double m = -HUGE_VAL;
  for_each_number(arr, [&](double x) { m = std::max(m, x); });
  return Value::number(m);
}

inline Value min(CallContext&, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined() || arr.size() == 0) return Value();
  double m = HUGE_VAL;
  for_each_number(arr, [&](double x) { m = std::min(m, x); });
  return Value::number(m);
}

inline Value average(CallContext&, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined() || arr.size() == 0) return Value();
  double total = 0;
  for_each_number(arr, [&](double x) { total += x; });
  return Value::number(total / static_cast<double>(arr.size()));
}

/// `$number` on strings: decimal numerals (leading zeros allowed, as jsonata-js's pattern does)
/// and 0x/0o/0b literals.
inline std::optional<double> parse_number_text(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&]() {
    std::size_t st = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > st;
  };
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 'o' || s[1] == 'O' || s[1] == 'b' || s[1] == 'B')) {
    int base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
    double v = 0;
    for (std::size_t k = 2; k < s.size(); ++k) {
      char ch = s[k];
      int d = (ch >= '0' && ch <= '9') ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10 : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : 99;
      if (d >= base) return std::nullopt;
      v = v * base + d;
    }
    return v;
  }
  if (i < s.size() && s[i] == '-') ++i;
  if (!digits()) return std::nullopt;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return std::nullopt;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  double v = std::strtod(std::string(s).c_str(), nullptr);
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

inline Value number(CallContext&, std::vector<Value>& a) {
  const Value& v = arg(a, 0);
  switch (v.type()) {
    case Type::Undefined: return Value();
    case Type::Number: return v;
    case Type::Boolean: return Value::number(v.as_bool() ? 1 : 0);
    case Type::String:
      if (auto d = parse_number_text(v.as_string())) return Value::number(*d);
      break;
    default: break;
  }
  throw Error("D3030").with_value(Evaluator::stringify_for_error(v)).with_index(1);
}

inline Value abs(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::number(std::fabs(arg(a, 0).as_number()));
}
inline Value floor(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::number(std::floor(arg(a, 0).as_number()));
}
inline Value ceil(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::number(std::ceil(arg(a, 0).as_number()));
}


inline Value round(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  double precision = arg(a, 1).is_number() ? arg(a, 1).as_number() : 0;
  return Value::number(round_half_even(arg(a, 0).as_number(), precision));
}

inline Value sqrt(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  double v = arg(a, 0).as_number();
  if (v < 0) throw Error("D3060").with_value(js_number_to_string(v)).with_index(1);
  return Value::number(std::sqrt(v));
}

inline Value power(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  double b = arg(a, 0).as_number(), e = arg(a, 1).as_number();
  double r = std::pow(b, e);
  if (!std::isfinite(r)) throw Error("D3061").with_value(js_number_to_string(b)).with_exp(js_number_to_string(e)).with_index(1);
  return Value::number(r);
}

inline Value random(CallContext&, std::vector<Value>&) {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  return Value::number(std::uniform_real_distribution<double>(0.0, 1.0)(gen));
}

inline Value format_number_fn(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  std::map<std::string, std::string> options;
  if (arg(a, 2).is_object()) {
    object_for_each(arg(a, 2), [&](std::string_view k, const Value& v) {
      if (v.is_string()) options[std::string(k)] = std::string(v.as_string());
    });
  }
  return Value::string(format_number(arg(a, 0).as_number(), arg(a, 1).as_string(), options));
}

inline Value format_base(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  double v = round_half_even(arg(a, 0).as_number(), 0);
  double radix = arg(a, 1).is_undefined() ? 10 : round_half_even(arg(a, 1).as_number(), 0);
  if (radix < 2 || radix > 36) throw Error("D3100").with_value(js_number_to_string(radix));
  auto r = static_cast<std::uint64_t>(radix);
  bool neg = v < 0;
  double mag = std::fabs(v);
  std::string digits;
  if (mag < 1) digits = "0";
  while (mag >= 1) {
    double q = std::floor(mag / static_cast<double>(r));
    auto d = static_cast<unsigned>(mag - q * static_cast<double>(r));
    digits += "0123456789abcdefghijklmnopqrstuvwxyz"[d];
    mag = q;
  }
  std::reverse(digits.begin(), digits.end());
  return Value::string(neg ? "-" + digits : digits);
}

}  // namespace asl::detail::jsonata::fn
