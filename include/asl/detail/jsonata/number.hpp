// Number <-> text as JavaScript does it: Number::toString, toPrecision(15) and the JSON number grammar.
// SPDX-License-Identifier: MIT
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace asl::detail::jsonata {

/// Decimal digits and exponent of a finite, non-zero double: value = 0.d1d2d3... x 10^point.
struct DecimalDigits {
  std::string digits;  // no leading or trailing zeros
  int point = 0;       // position of the decimal point relative to the first digit
};

/// `precision` = 0 asks for the shortest round-trip digits (std::to_chars), otherwise that many
/// significant digits rounded as JavaScript's toPrecision does.
inline DecimalDigits decimal_digits(double v, int precision = 0) {
  char buf[64];
  std::to_chars_result r{};
  if (precision == 0) {
    r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  } else {
    r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific, precision - 1);
  }
  std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  std::size_t e = text.find('e');
  DecimalDigits d;
  for (std::size_t i = 0; i < e; ++i) {
    if (text[i] != '.') d.digits += text[i];
  }
  int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
  d.point = exponent + 1;
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  return d;
}

/// ECMA-262 Number::toString(10) : plain notation for 1e-6 <= |v| < 1e21,
/// exponent form otherwise (`1e+21`, `1.5e-7`). `-0` prints as `0`.
inline std::string js_number_to_string(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
  if (v == 0) return "0";
  // Integers below 2^53 print as their digits (JavaScript's plain notation reaches 1e21): the
  // common case ($string of a count or an id) needs no shortest-digits search.
  if (std::fabs(v) < 9007199254740992.0 && v == std::floor(v)) return std::to_string(static_cast<long long>(v));
  DecimalDigits d = decimal_digits(v);
  std::string out = v < 0 ? "-" : "";
  const int k = static_cast<int>(d.digits.size());
  const int n = d.point;
  if (k <= n && n <= 21) {
    out += d.digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += d.digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += d.digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += d.digits;
  } else {
    out += d.digits[0];
    if (k > 1) {
      out += '.';
      out += d.digits.substr(1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

/// `Number(v.toPrecision(15))`: what `$string` and `&` apply to non-integers, so that
/// `0.1 + 0.2` prints as `0.3`.
inline double round_to_15_digits(double v) {
  if (!std::isfinite(v) || v == 0) return v;
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific, 14);
  double out = 0;
  std::from_chars(buf, r.ptr, out);
  return out;
}

/// Is `v` a mathematical integer (JavaScript's Number.isInteger)?
inline bool is_integer(double v) { return std::isfinite(v) && std::floor(v) == v; }

/// Parses JSON number syntax (what JSON.parse accepts for `$number` on strings); whole text only.
inline std::optional<double> parse_json_number(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size()) return std::nullopt;
  if (s[i] == '0') {
    ++i;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  } else {
    return std::nullopt;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return std::nullopt;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  double out = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ec == std::errc::result_out_of_range) return s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
  return out;
}

/// Shifts the decimal exponent of `v` by `shift` through its text form, as jsonata-js does
/// (`+(mantissa + 'e' + (exp + shift))`), which avoids binary multiplication error.
inline double shift_decimal(double v, int shift) {
  std::string text = js_number_to_string(v);
  std::size_t e = text.find('e');
  std::string mant = e == std::string::npos ? text : text.substr(0, e);
  long exp = e == std::string::npos ? 0 : std::strtol(text.c_str() + e + 1, nullptr, 10);
  std::string composed = mant + "e" + std::to_string(exp + shift);
  return std::strtod(composed.c_str(), nullptr);
}

/// `$round`: half to even, at `precision` decimal places.
inline double round_half_even(double v, double precision) {
  int p = static_cast<int>(precision);
  if (p != 0) v = shift_decimal(v, p);
  double r = std::floor(v + 0.5);  // JavaScript's Math.round
  double diff = r - v;
  if (std::fabs(diff) == 0.5 && std::fabs(std::fmod(r, 2)) == 1) r -= 1;
  if (p != 0) r = shift_decimal(r, -p);
  if (r == 0) r = 0;  // no negative zero
  return r;
}

}  // namespace asl::detail::jsonata
