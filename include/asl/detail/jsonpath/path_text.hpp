// JSONPath text and number helpers: UTF-8/UTF-16, Jayway path and value text, number comparison and parsing.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "asl/detail/json/utf8.hpp"
#include "asl/detail/jsonpath/path_model.hpp"
#include "asl/json.hpp"

namespace asl::detail::jsonpath {

namespace impl {

// ---- text helpers -------------------------------------------------------------------------

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }


/// Decodes the code point at s[i] and advances i; a malformed byte counts as one code point.
inline std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  if (b0 >= 0xF0 && b0 < 0xF8 && cont(1) && cont(2) && cont(3)) {
    const std::uint32_t cp = ((b0 & 0x07u) << 18) | (byte(1) << 12) | (byte(2) << 6) | byte(3);
    i += 4;
    return cp;
  }
  if (b0 >= 0xE0 && b0 < 0xF0 && cont(1) && cont(2)) {
    const std::uint32_t cp = ((b0 & 0x0Fu) << 12) | (byte(1) << 6) | byte(2);
    i += 3;
    return cp;
  }
  if (b0 >= 0xC0 && b0 < 0xE0 && cont(1)) {
    const std::uint32_t cp = ((b0 & 0x1Fu) << 6) | byte(1);
    i += 2;
    return cp;
  }
  i += 1;
  return b0;
}

/// Key comparison for the find() loop: length first, then an inline byte loop for the short
/// keys typical of state documents (a memcmp call costs more than the compare itself).
inline bool same_key(const std::string& key, const char* want, std::size_t len) {
  if (key.size() != len) return false;
  const char* k = key.data();
  if (len > 16) return std::memcmp(k, want, len) == 0;
  for (std::size_t j = 0; j < len; ++j)
    if (k[j] != want[j]) return false;
  return true;
}

/// Java measures strings in UTF-16 code units (Jayway's `size`, `length()`).
inline std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) n += next_code_point(s, i) >= 0x10000 ? 2 : 1;
  return n;
}

/// Java's String.compareTo: UTF-16 code unit order (differs from code point order above U+E000).
inline int utf16_compare(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  auto unit = [](std::uint32_t cp, bool high) -> std::uint32_t {
    if (cp < 0x10000) return cp;
    return high ? 0xD800 + ((cp - 0x10000) >> 10) : 0xDC00 + ((cp - 0x10000) & 0x3FF);
  };
  while (i < a.size() && j < b.size()) {
    const std::uint32_t x = next_code_point(a, i);
    const std::uint32_t y = next_code_point(b, j);
    if (x == y) continue;
    const std::uint32_t hx = unit(x, true);
    const std::uint32_t hy = unit(y, true);
    if (hx != hy) return hx < hy ? -1 : 1;
    return unit(x, false) < unit(y, false) ? -1 : 1;  // same high surrogate
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

/// Java class of a value, as Jayway names it in "Expected to find an object" messages.
inline const char* java_class(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::string: return "java.lang.String";
    case Json::value_t::boolean: return "java.lang.Boolean";
    case Json::value_t::number_integer: {
      const auto x = v.get<std::int64_t>();
      return x >= std::numeric_limits<std::int32_t>::min() && x <= std::numeric_limits<std::int32_t>::max()
                 ? "java.lang.Integer"
                 : "java.lang.Long";
    }
    case Json::value_t::number_unsigned: {
      const auto x = v.get<std::uint64_t>();
      if (x <= static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) return "java.lang.Integer";
      return x <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ? "java.lang.Long"
                                                                                         : "java.math.BigInteger";
    }
    case Json::value_t::number_float: return "java.lang.Double";
    case Json::value_t::array: return "net.minidev.json.JSONArray";
    case Json::value_t::object: return "net.minidev.json.JSONObject";
    default: return "java.lang.Object";
  }
}

/// Java's toString of a value: strings raw, everything else as compact JSON (json-smart).
inline std::string java_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

inline const char* function_name(Function fn) {
  switch (fn) {
    case Function::length: return "length";
    case Function::size: return "size";
    case Function::min: return "min";
    case Function::max: return "max";
    case Function::avg: return "avg";
    case Function::sum: return "sum";
    case Function::stddev: return "stddev";
    case Function::keys: return "keys";
    default: return "";
  }
}

/// One step in Jayway's path text (PathToken.getPathFragment).
inline void append_fragment(std::string& out, const Step& s) {
  switch (s.kind) {
    case StepKind::name:
      out += '[';
      out += s.quote;
      out += s.name;
      out += s.quote;
      out += ']';
      break;
    case StepKind::names: {
      out += '[';
      bool first = true;
      for (const auto& n : s.data->names) {
        if (!first) out += ',';
        first = false;
        out += s.quote;
        out += n;
        out += s.quote;
      }
      out += ']';
      break;
    }
    case StepKind::index:
      out += '[';
      out += std::to_string(s.index);
      out += ']';
      break;
    case StepKind::indexes: {
      out += '[';
      bool first = true;
      for (auto i : s.data->indexes) {
        if (!first) out += ',';
        first = false;
        out += std::to_string(i);
      }
      out += ']';
      break;
    }
    case StepKind::slice: {
      const Slice& sl = s.data->slice;
      out += '[';
      if (sl.has_start) out += std::to_string(sl.start);
      out += ':';
      if (sl.has_end) out += std::to_string(sl.end);
      if (sl.has_step) {
        out += ':';
        out += std::to_string(sl.step);
      }
      out += ']';
      break;
    }
    case StepKind::wildcard: out += "[*]"; break;
    case StepKind::scan: out += ".."; break;
    case StepKind::filter: out += "[?]"; break;
  }
}

inline std::string chain_text(const Chain& c, std::size_t from = 0, bool with_root = true) {
  std::string out = with_root ? "$" : "";
  for (std::size_t i = from; i < c.steps.size(); ++i) append_fragment(out, c.steps[i]);
  if (c.fn != Function::none) {
    out += '.';
    out += function_name(c.fn);
    out += "()";
  }
  return out;
}

/// Jayway's "current path" while evaluating: always single-quoted names, indexes as written.
inline std::string eval_path(const Chain& c, std::size_t count) {
  std::string out = "$";
  for (std::size_t i = 0; i < count; ++i) {
    const Step& s = c.steps[i];
    if (s.kind == StepKind::name) {
      out += "['";
      out += s.name;
      out += "']";
    } else {
      out += '[';
      out += std::to_string(s.index);
      out += ']';
    }
  }
  return out;
}

// ---- numbers --------------------------------------------------------------------------------

/// Three-way numeric comparison; exact for two integers, as doubles otherwise (1 == 1.0).
inline int number_compare(const Json& a, const Json& b) {
  if (a.is_number_float() || b.is_number_float()) {
    const double x = a.get<double>();
    const double y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  auto negative = [](const Json& v) { return !v.is_number_unsigned() && v.get<std::int64_t>() < 0; };
  const bool na = negative(a);
  const bool nb = negative(b);
  if (na != nb) return na ? -1 : 1;
  if (na) {
    const auto x = a.get<std::int64_t>();
    const auto y = b.get<std::int64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  const auto x = a.get<std::uint64_t>();
  const auto y = b.get<std::uint64_t>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

/// Parses Java BigDecimal syntax ("+1", ".5", "1.", "1E+3"); false when it is not a number.
/// Used only where Jayway compares a number with a string.
inline bool parse_decimal(std::string_view t, Json& out) {
  std::size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
  std::string digits;
  std::string frac;
  while (i < t.size() && is_digit(t[i])) digits += t[i++];
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && is_digit(t[i])) frac += t[i++];
  }
  if (digits.empty() && frac.empty()) return false;
  std::string exp;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) exp += t[i++];
    std::size_t n = 0;
    while (i < t.size() && is_digit(t[i])) {
      exp += t[i++];
      ++n;
    }
    if (n == 0) return false;
  }
  if (i != t.size()) return false;
  const std::size_t nz = digits.find_first_not_of('0');
  digits = nz == std::string::npos ? "0" : digits.substr(nz);
  std::string json = neg ? "-" : "";
  json += digits;
  if (!frac.empty()) json += "." + frac;
  if (!exp.empty()) json += "e" + exp;
  out = Json::parse(json, nullptr, false);
  return !out.is_discarded() && out.is_number();
}

/// A number as Java prints it (BigDecimal of the literal, or the parsed Integer/Long/Double).
inline std::string number_text(const Json& v, const std::string* literal) {
  if (literal != nullptr && !literal->empty()) return *literal;
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  return v.dump();  // shortest round trip with ".0" on integral values, like Double.toString
}

}  // namespace impl

}  // namespace asl::detail::jsonpath
