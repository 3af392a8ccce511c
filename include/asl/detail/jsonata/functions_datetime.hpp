// Date/time and integer-picture built-ins: $now, $millis, $fromMillis, $toMillis, $formatInteger, $parseInteger.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "asl/detail/jsonata/builtin.hpp"
#include "asl/detail/jsonata/datetime_picture.hpp"
#include "asl/detail/jsonata/integer_picture.hpp"
#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/evaluator.hpp"
#include "asl/detail/jsonata/functions_string.hpp"
#include "asl/detail/jsonata/value.hpp"

namespace asl::detail::jsonata::fn {

/// ISO 8601 as jsonata-js accepts it (its regex, then Date.parse); an offset-less date-time is
/// taken as UTC. NaN when the fields are out of range.
inline std::optional<double> parse_iso(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&](std::size_t n, int& out) {
    if (i + n > s.size()) return false;
    out = 0;
    for (std::size_t k = 0; k < n; ++k) {
      char ch = s[i + k];
      if (ch < '0' || ch > '9') return false;
      out = out * 10 + (ch - '0');
    }
    i += n;
    return true;
  };
  int year = 0, month = 1, day = 1, hh = 0, mi = 0, ss = 0, ms = 0;
  if (!digits(4, year)) return std::nullopt;
  if (i < s.size() && s[i] == '-') {
    ++i;
    if (!digits(2, month)) return std::nullopt;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (!digits(2, day)) return std::nullopt;
    }
  }
  bool has_time = false;
  if (i < s.size() && s[i] == 'T') {
    ++i;
    has_time = true;
    if (!digits(2, hh) || i >= s.size() || s[i] != ':') return std::nullopt;
    ++i;
    if (!digits(2, mi) || i >= s.size() || s[i] != ':') return std::nullopt;
    ++i;
    if (!digits(2, ss)) return std::nullopt;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t start = i;
    int scale = 100;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ms += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  int offset = 0;
  if (i < s.size()) {
    if (s[i] == 'Z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      int sign = s[i] == '-' ? -1 : 1;
      ++i;
      int oh = 0, om = 0;
      if (!digits(2, oh)) return std::nullopt;
      if (i < s.size() && s[i] == ':') ++i;
      if (!digits(2, om)) return std::nullopt;
      offset = sign * (oh * 60 + om);
    } else {
      return std::nullopt;
    }
  }
  if (i != s.size()) return std::nullopt;
  (void)has_time;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hh > 24 || mi > 59 || ss > 59) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  double total = static_cast<double>(days) * 86400000.0 + hh * 3600000.0 + mi * 60000.0 + ss * 1000.0 + ms - offset * 60000.0;
  return total;
}

inline Value from_millis(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  std::optional<std::string_view> tz;
  if (arg(a, 2).is_string()) tz = arg(a, 2).as_string();
  if (arg(a, 1).is_undefined()) {
    return Value::string(format_datetime(arg(a, 0).as_number(), iso_picture(), tz));
  }
  return Value::string(format_datetime(arg(a, 0).as_number(), analyse_datetime_picture(arg(a, 1).as_string()), tz));
}

inline Value to_millis(CallContext& c, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  if (!arg(a, 1).is_undefined()) {
    auto r = parse_datetime(arg(a, 0).as_string(), arg(a, 1).as_string(), c.ev.now_ms(), c.ev.guard());
    return r ? Value::number(*r) : Value();
  }
  auto r = parse_iso(arg(a, 0).as_string());
  if (!r) throw Error("D3110").with_value(Evaluator::stringify_for_error(arg(a, 0)));
  return Value::number(*r);
}

inline Value format_integer(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::string(format_integer_with(std::floor(arg(a, 0).as_number()), analyse_integer_picture(arg(a, 1).as_string())));
}

inline Value parse_integer(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  IntegerFormat f = analyse_integer_picture(arg(a, 1).as_string());
  integer_regex(f);  // raises D3130 for pictures that cannot be parsed, as jsonata-js does
  return Value::number(parse_integer_with(arg(a, 0).as_string(), f));
}

inline Value now(CallContext& c, std::vector<Value>& a) {
  std::vector<Value> args{Value::number(c.ev.now_ms())};
  args.push_back(arg(a, 0));
  args.push_back(arg(a, 1));
  return from_millis(c, args);
}

inline Value millis(CallContext& c, std::vector<Value>&) { return Value::number(c.ev.now_ms()); }

}  // namespace asl::detail::jsonata::fn
