// Java-compatible text (Double.toString, Jackson's compact JSON, String.valueOf) for intrinsic outputs and error causes.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "asl/json.hpp"

// ---------------------------------------------------------------------------------------------
// Java-compatible text: AWS runs Java (Jackson), and several outputs are Java's spelling of a
// value rather than JSON's: States.Format renders arguments with String.valueOf (objects as
// `{Arg1=1, Arg2=[]}`, spec §16.8), doubles print as Double.toString (`1.0`, `1.0E20`), and
// JsonToString / error causes carry Jackson's compact JSON.
// ---------------------------------------------------------------------------------------------
namespace asl::detail {

/// Java's `Double.toString(d)` (JDK 19+, shortest round-trip digits): `1.0`, `0.001`,
/// `1234567.0`, `1.0E7`, `1.0E-4`, `-0.0`.
inline std::string java_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest scientific form "d.ddde±x" first; then Java's layout.
  char buf[64];
  std::string sci;
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  sci.assign(buf, res.ptr);
#else
  for (int prec = 0; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec, d);
    for (char* p = buf; *p; ++p)
      if (*p == ',') *p = '.';  // a host locale with a decimal comma
    if (std::strtod(buf, nullptr) == d) break;
  }
  sci = buf;
#endif
  std::string out;
  std::size_t pos = 0;
  if (sci[0] == '-') {
    out.push_back('-');
    pos = 1;
  }
  const std::size_t e = sci.find_first_of("eE");
  std::string digits;
  for (std::size_t i = pos; i < e; ++i)
    if (sci[i] != '.') digits.push_back(sci[i]);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int exp10 = std::atoi(sci.c_str() + e + 1);
  if (exp10 >= -3 && exp10 < 7) {
    if (exp10 >= 0) {
      const auto int_len = static_cast<std::size_t>(exp10) + 1;
      std::string ip = digits.substr(0, std::min(int_len, digits.size()));
      while (ip.size() < int_len) ip.push_back('0');
      std::string fp = digits.size() > int_len ? digits.substr(int_len) : "0";
      out += ip + "." + fp;
    } else {
      out += "0.";
      out.append(static_cast<std::size_t>(-exp10 - 1), '0');
      out += digits;
    }
  } else {
    out.push_back(digits[0]);
    out.push_back('.');
    out += digits.size() > 1 ? digits.substr(1) : "0";
    out += "E" + std::to_string(exp10);
  }
  return out;
}

/// A JSON string literal as Jackson writes it: `"` and `\` escaped, control characters as
/// `\b \t \n \f \r` or `\u00XX` (upper-case hex), everything else (including non-ASCII) raw.
inline void append_java_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

/// Compact JSON as Jackson writes it (no spaces; doubles via Double.toString).
inline void append_java_json(std::string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      break;
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      break;
    case Json::value_t::number_integer:
      out += std::to_string(v.get<std::int64_t>());
      break;
    case Json::value_t::number_unsigned:
      out += std::to_string(v.get<std::uint64_t>());
      break;
    case Json::value_t::number_float:
      out += java_double(v.get<double>());
      break;
    case Json::value_t::string:
      append_java_json_string(out, v.get_ref<const std::string&>());
      break;
    case Json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out.push_back(',');
        first = false;
        append_java_json(out, e);
      }
      out.push_back(']');
      break;
    }
    case Json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        append_java_json_string(out, k);
        out.push_back(':');
        append_java_json(out, e);
      }
      out.push_back('}');
      break;
    }
    default:
      out += "null";
      break;  // binary / discarded never occur in asl documents
  }
}

/// Compact JSON text of `v` the way AWS prints it (States.JsonToString, and the input quoted in
/// "could not be found in the input '...'" causes).
inline std::string java_json(const Json& v) {
  std::string out;
  append_java_json(out, v);
  return out;
}

/// Java's `String.valueOf` of the value Jackson maps the JSON to (String, Integer/Long, Double,
/// Boolean, null, LinkedHashMap, ArrayList): what States.Format inserts for `{}` (spec §16.8).
inline void append_java_to_string(std::string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::string:
      out += v.get_ref<const std::string&>();
      break;
    case Json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        append_java_to_string(out, e);
      }
      out.push_back(']');
      break;
    }
    case Json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out += ", ";
        first = false;
        out += k;
        out.push_back('=');
        append_java_to_string(out, e);
      }
      out.push_back('}');
      break;
    }
    default:
      append_java_json(out, v);
      break;  // null, booleans and numbers read the same
  }
}

}  // namespace asl::detail
