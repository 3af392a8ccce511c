// Intrinsic functions (spec §6): `States.Xxx(...)` parsed once to a call tree, evaluated per use.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "asl/detail/jsonpath/hash.hpp"
#include "asl/detail/json/reader.hpp"
#include "asl/detail/jsonpath/path.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"

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

// Behaviour chosen where AWS's is not recorded (spec §6.3, §16):
// * Errors: a function that rejects its arguments -> States.IntrinsicFailure; a path argument
//   that matches nothing -> States.Runtime (AWS). Both causes read
//   "The function '<expression as written>' had the following error: <detail>" (AWS's frame).
// * Arguments that must be integers (ArrayPartition, ArrayRange, MathRandom, MathAdd) are rounded
//   with Java's Math.round; ArrayGetItem needs an integral index. MathAdd and MathRandom bounds
//   must fit in 32 bits; MathAdd returns the exact sum. ArrayRange allows a negative step.
// * MathRandom(start, end): start <= n < end. With a seed it returns
//   `new java.util.Random(seed).nextInt(end - start) + start` (the same seed gives the same
//   number, and the number Java would draw); without one, a per-thread std::mt19937_64.
// * Base64 and Hash limits count UTF-16 units (Java's String.length()); Base64 is Java's basic
//   encoder (no line breaks) and strict decoder; decoded bytes that are not UTF-8 become U+FFFD.
// * Format needs exactly one argument per "{}"; JsonMerge accepts only `false` (shallow).
// * In a '...' literal, a backslash followed by anything but ' { } or a backslash (an "open
//   escape", spec §6.2) is a runtime States.IntrinsicFailure, not a load error.
namespace asl::detail::intrinsics {

/// A malformed intrinsic expression (found when the definition is loaded).
struct SyntaxError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What an expression reads: `$` paths read `input`, `$$` paths read `*context`.
struct Env {
  const Json& input;
  const Json* context;  // the $$ object; may be nullptr when !uses_context()
};

namespace impl {

inline bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}
inline bool is_ident_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// Bytes in the UTF-8 sequence that starts with `lead` (1 for ASCII and stray bytes).
inline std::size_t utf8_length(unsigned char lead) {
  return lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

enum class Fn : std::uint8_t {
  format,
  string_to_json,
  json_to_string,
  array,
  array_partition,
  array_contains,
  array_range,
  array_get_item,
  array_length,
  array_unique,
  base64_encode,
  base64_decode,
  hash,
  json_merge,
  math_random,
  math_add,
  string_split,
  uuid,
};

struct FnInfo {
  std::string_view name;
  Fn fn;
  int min_args;
  int max_args;  // -1: unbounded
};

/// The 18 functions of spec §6.3 with their arities.
inline const FnInfo* find_function(std::string_view name) {
  static constexpr FnInfo table[] = {
      {"States.Format", Fn::format, 1, -1},
      {"States.StringToJson", Fn::string_to_json, 1, 1},
      {"States.JsonToString", Fn::json_to_string, 1, 1},
      {"States.Array", Fn::array, 0, -1},
      {"States.ArrayPartition", Fn::array_partition, 2, 2},
      {"States.ArrayContains", Fn::array_contains, 2, 2},
      {"States.ArrayRange", Fn::array_range, 3, 3},
      {"States.ArrayGetItem", Fn::array_get_item, 2, 2},
      {"States.ArrayLength", Fn::array_length, 1, 1},
      {"States.ArrayUnique", Fn::array_unique, 1, 1},
      {"States.Base64Encode", Fn::base64_encode, 1, 1},
      {"States.Base64Decode", Fn::base64_decode, 1, 1},
      {"States.Hash", Fn::hash, 2, 2},
      {"States.JsonMerge", Fn::json_merge, 3, 3},
      {"States.MathRandom", Fn::math_random, 2, 3},
      {"States.MathAdd", Fn::math_add, 2, 2},
      {"States.StringSplit", Fn::string_split, 2, 2},
      {"States.UUID", Fn::uuid, 0, 0},
  };
  for (const auto& f : table)
    if (f.name == name) return &f;
  return nullptr;
}

struct Call;

/// One argument, resolved as far as the text allows at load time.
struct Arg {
  enum class Kind : std::uint8_t { literal, path, variable, call };
  Kind kind = Kind::literal;
  Json value;                             // literal
  bool is_string_literal = false;         // value came from '...'
  std::vector<std::size_t> placeholders;  // string literal: offsets of unescaped "{}" in value
  std::string bad_escape;                 // string literal: first open escape, e.g. "\\n"
  std::optional<jsonpath::Path> path;     // path
  std::string text;                       // path / variable: source text
  bool function_tail = false;             // path ends in .length() etc. (never matches)
  std::shared_ptr<const Call> call;       // call
};

struct Call {
  const FnInfo* fn = nullptr;
  std::vector<Arg> args;
};

/// Nesting limit of spec §6.1 ("up to 10 intrinsic functions within a field"), read as depth.
inline constexpr int max_depth = 10;

/// AWS does not evaluate JSONPath functions (`.length()`, `.sum()`, ...) in payload templates:
/// `"Jobs.$": "$.Jobs.sum()"` fails with "could not be found in the input" (repost.aws report of
/// an AWS execution). Paths ending in a function call therefore never match in `.$` fields and
/// intrinsic arguments, although the JSONPath engine can evaluate them.
inline bool has_function_tail(const jsonpath::Path& p) {
  return p.has_function();
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::shared_ptr<const Call> parse_expression() {
    skip_space();
    if (i_ >= s_.size() || !is_ident_start(s_[i_])) error("expected an intrinsic function call");
    auto call = parse_call(1);
    skip_space();
    if (i_ != s_.size()) error("unexpected text after the closing ')'");
    return call;
  }

  bool uses_context() const { return uses_context_; }

 private:
  [[noreturn]] void error(const std::string& what) const {
    throw SyntaxError("Invalid intrinsic function expression '" + std::string(s_) + "': " + what +
                      " (at character " + std::to_string(i_ + 1) + ")");
  }

  void skip_space() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }

  std::shared_ptr<const Call> parse_call(int depth) {
    const std::size_t start = i_;
    while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
    const std::string_view name = s_.substr(start, i_ - start);
    const FnInfo* fn = find_function(name);
    if (fn == nullptr) {
      i_ = start;
      if (name.substr(0, 7) != "States.")
        error("'" + std::string(name) +
              "' is not an intrinsic function (their names start with 'States.')");
      error("unknown intrinsic function '" + std::string(name) + "'");
    }
    if (depth > max_depth) {
      i_ = start;
      error("intrinsic functions are nested more than " + std::to_string(max_depth) +
            " levels deep");
    }
    skip_space();
    if (i_ >= s_.size() || s_[i_] != '(') error("expected '(' after " + std::string(name));
    ++i_;
    auto call = std::make_shared<Call>();
    call->fn = fn;
    skip_space();
    if (i_ < s_.size() && s_[i_] == ')') {
      ++i_;
    } else {
      for (;;) {
        skip_space();
        call->args.push_back(parse_arg(depth));
        skip_space();
        if (i_ >= s_.size()) error("missing ')' to close " + std::string(name));
        if (s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (s_[i_] == ')') {
          ++i_;
          break;
        }
        error("expected ',' or ')' in the arguments of " + std::string(name));
      }
    }
    const int n = static_cast<int>(call->args.size());
    if (n < fn->min_args || (fn->max_args >= 0 && n > fn->max_args)) {
      i_ = start;
      std::string expected;
      if (fn->max_args < 0)
        expected = "at least " + std::to_string(fn->min_args);
      else if (fn->min_args == fn->max_args)
        expected = std::to_string(fn->min_args);
      else
        expected = std::to_string(fn->min_args) + " or " + std::to_string(fn->max_args);
      const int last = fn->max_args < 0 ? fn->min_args : fn->max_args;
      error(std::string(name) + " takes " + expected + " argument" + (last == 1 ? "" : "s") +
            ", got " + std::to_string(n));
    }
    return call;
  }

  Arg parse_arg(int depth) {
    if (i_ >= s_.size()) error("expected an argument");
    const char c = s_[i_];
    if (c == '\'') return parse_string();
    if (c == '$') return parse_path();
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
    if (is_ident_start(c)) {
      const std::size_t start = i_;
      while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
      const std::string_view word = s_.substr(start, i_ - start);
      Arg a;
      if (word == "true" || word == "false" || word == "null") {
        a.value = word == "null" ? Json(nullptr) : Json(word == "true");
        return a;
      }
      i_ = start;
      a.kind = Arg::Kind::call;
      a.call = parse_call(depth + 1);
      return a;
    }
    if (c == ',' || c == ')') error("expected an argument");
    // The whole UTF-8 sequence, not its lead byte: messages must stay valid UTF-8.
    const std::size_t len = std::min(utf8_length(static_cast<unsigned char>(c)), s_.size() - i_);
    error("unexpected character '" + std::string(s_.substr(i_, len)) + "'");
  }

  // Spec §6.2: inside '...', the characters ' { } \ are escaped with a backslash. A "{}" made of
  // unescaped braces is a States.Format placeholder; "\{\}" is literal text. Any other backslash
  // ("open escape") is a runtime error, so it is recorded here and reported on evaluation.
  Arg parse_string() {
    Arg a;
    a.is_string_literal = true;
    std::string v;
    const std::size_t open = i_;
    ++i_;  // opening quote
    for (;;) {
      if (i_ >= s_.size()) {
        i_ = open;
        error("unterminated string literal");
      }
      const char c = s_[i_];
      if (c == '\'') {
        ++i_;
        break;
      }
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) {
          i_ = open;
          error("unterminated string literal");
        }
        const char n = s_[i_ + 1];
        if (n == '\'' || n == '{' || n == '}' || n == '\\') {
          v.push_back(n);
          i_ += 2;
        } else {
          // Keep the whole (possibly multi-byte) character after the backslash: causes must
          // stay valid UTF-8.
          const std::size_t len =
              std::min(utf8_length(static_cast<unsigned char>(n)), s_.size() - i_ - 1);
          const std::string escaped = "\\" + std::string(s_.substr(i_ + 1, len));
          if (a.bad_escape.empty()) a.bad_escape = escaped;
          v += escaped;
          i_ += 1 + len;
        }
        continue;
      }
      if (c == '{' && i_ + 1 < s_.size() && s_[i_ + 1] == '}') {
        a.placeholders.push_back(v.size());
        v += "{}";
        i_ += 2;
        continue;
      }
      v.push_back(c);
      ++i_;
    }
    a.value = std::move(v);
    return a;
  }

  Arg parse_number() {
    const std::size_t start = i_;
    if (s_[i_] == '-') ++i_;
    while (i_ < s_.size() &&
           (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == 'e' ||
            s_[i_] == 'E' ||
            ((s_[i_] == '+' || s_[i_] == '-') && (s_[i_ - 1] == 'e' || s_[i_ - 1] == 'E'))))
      ++i_;
    const std::string_view text = s_.substr(start, i_ - start);
    Json v = Json::parse(text.begin(), text.end(), nullptr, false);
    if (v.is_discarded() || !v.is_number()) {
      i_ = start;
      error("invalid number '" + std::string(text) + "'");
    }
    Arg a;
    a.value = std::move(v);
    return a;
  }

  // A path runs to the next ',' / ')' / space outside brackets; inside brackets it may hold
  // quoted names, filters and unions, e.g. $.a['x, y'] or $.b[?(@.c > 1)], and it may end in a
  // function tail such as .length() (which then never matches, see has_function_tail).
  Arg parse_path() {
    const std::size_t start = i_;
    int brackets = 0;
    int parens = 0;  // opened by the path itself, e.g. a function tail `.length()`
    char quote = 0;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (quote != 0) {
        if (c == '\\' && i_ + 1 < s_.size()) {
          i_ += 2;
          continue;
        }
        if (c == quote) quote = 0;
        ++i_;
        continue;
      }
      if (brackets > 0 && (c == '\'' || c == '"')) {
        quote = c;
      } else if (c == '[') {
        ++brackets;
      } else if (c == ']') {
        if (brackets == 0) break;
        --brackets;
      } else if (brackets == 0 && c == '(') {
        ++parens;
      } else if (brackets == 0 && c == ')' && parens > 0) {
        --parens;
      } else if (brackets == 0 && parens == 0 && (c == ',' || c == ')' || is_space(c))) {
        break;
      }
      ++i_;
    }
    if (quote != 0 || brackets != 0) {
      i_ = start;
      error("unterminated '[' in path argument");
    }
    Arg a;
    a.text = std::string(s_.substr(start, i_ - start));
    // Spec §5.4: "$" + identifier is a workflow variable, not a path on the input.
    if (a.text.size() > 1 && is_ident_start(a.text[1])) {
      a.kind = Arg::Kind::variable;
      return a;
    }
    a.kind = Arg::Kind::path;
    try {
      a.path = jsonpath::Path::parse(a.text);
    } catch (const std::exception& e) {
      i_ = start;
      error("invalid path argument '" + a.text + "': " + e.what());
    }
    if (a.path->root() == jsonpath::Root::context) uses_context_ = true;
    a.function_tail = has_function_tail(*a.path);
    if (a.path->root() == jsonpath::Root::variable) a.kind = Arg::Kind::variable;
    return a;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  bool uses_context_ = false;
};

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// Raised inside evaluation and turned into an asl::Error at Expression::evaluate (never
/// escapes this header).
struct Failure {
  std::string_view name;
  std::string detail;
};

[[noreturn]] inline void fail(std::string detail) {
  throw Failure{errors::intrinsic_failure, std::move(detail)};
}

/// An argument's value: a reference into the input / the expression (no copy) or an owned result.
struct Value {
  const Json* ref = nullptr;
  Json own;
  const Arg* source = nullptr;  // the argument it came from (for Format's literal placeholders)

  const Json& get() const { return ref != nullptr ? *ref : own; }
  Json take() { return ref != nullptr ? *ref : std::move(own); }
};

inline const char* type_name(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::number_float:
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "a number";
    default:
      return "an unsupported value";
  }
}

/// "a string ('abc')" / "a number (1.5)": short enough for a cause, precise enough to debug.
inline std::string describe(const Json& v) {
  std::string out = type_name(v);
  if (v.is_number() || v.is_boolean()) {
    out += " (" + java_json(v) + ")";
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() <= 40) {
      out += " ('" + s + "')";
    } else {
      std::size_t cut = 37;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
        --cut;  // UTF-8 boundary
      out += " ('" + s.substr(0, cut) + "...')";
    }
  }
  return out;
}

inline std::string ordinal(std::size_t i) {
  static constexpr const char* words[] = {"first", "second", "third"};
  return i < 3 ? words[i] : std::to_string(i + 1) + "th";
}

inline const std::string& string_arg(const Value& v, std::string_view fn, std::size_t index) {
  if (!v.get().is_string())
    fail(std::string(fn) + " expects its " + ordinal(index) + " argument to be a string, got " +
         describe(v.get()));
  return v.get().get_ref<const std::string&>();
}

inline const Json& array_arg(const Value& v, std::string_view fn, std::size_t index) {
  if (!v.get().is_array())
    fail(std::string(fn) + " expects its " + ordinal(index) + " argument to be an array, got " +
         describe(v.get()));
  return v.get();
}

/// Java's Math.round(double): half-up toward +infinity (Math.round(-2.5) == -2), saturating at
/// the long range. AWS rounds non-integer arguments this way (spec §16.11).
inline std::int64_t java_round(double x) {
  if (std::isnan(x)) return 0;
  if (x >= 9.2233720368547758e18) return std::numeric_limits<std::int64_t>::max();
  if (x <= -9.2233720368547758e18) return std::numeric_limits<std::int64_t>::min();
  double r = std::floor(x);
  if (x - r >= 0.5) r += 1;  // exact: x - floor(x) has no rounding error
  return static_cast<std::int64_t>(r);
}

/// A numeric argument rounded to an integer the way AWS does (spec §6.3, §16.11).
inline std::int64_t rounded_arg(const Value& v, std::string_view fn, std::size_t index) {
  const Json& j = v.get();
  if (j.is_number_integer() && !j.is_number_unsigned()) return j.get<std::int64_t>();
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    return u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? std::numeric_limits<std::int64_t>::max()
               : static_cast<std::int64_t>(u);
  }
  if (j.is_number_float()) return java_round(j.get<double>());
  fail(std::string(fn) + " expects its " + ordinal(index) + " argument to be a number, got " +
       describe(j));
}

inline void check_int32(std::int64_t v, std::string_view fn, std::size_t index) {
  if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max())
    fail(std::string(fn) + " expects its " + ordinal(index) + " argument to be within the " +
         "32-bit integer range [-2147483648, 2147483647], got " + std::to_string(v));
}

/// Java's String.length(): UTF-16 code units (a character outside the BMP counts twice). The
/// 10,000-character limits of Base64 and Hash are measured this way.
inline std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) ++n;  // not a continuation byte
    if (c >= 0xF0) ++n;           // 4-byte sequence: a surrogate pair
  }
  return n;
}

/// Valid UTF-8 with every malformed sequence replaced by U+FFFD, as Java's `new String(bytes,
/// UTF_8)` does (Base64Decode may decode to arbitrary bytes; JSON strings must be UTF-8).
inline std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    std::size_t good = 1;  // bytes of a valid prefix (maximal subpart)
    if (len > 0) {
      for (; good < len && i + good < s.size(); ++good) {
        const auto b = static_cast<unsigned char>(s[i + good]);
        const unsigned l = good == 1 ? lo : 0x80, h = good == 1 ? hi : 0xBF;
        if (b < l || b > h) break;
      }
    }
    if (len > 0 && good == len) {
      out.append(s.substr(i, len));
    } else {
      out += "\xEF\xBF\xBD";
    }
    i += good;
  }
  return out;
}

/// Deep equality for ArrayContains / ArrayUnique: objects compare as maps (key order does not
/// matter, like Java's Map.equals), numbers by value (spec §17: 1 == 1.0).
inline bool deep_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_number_float() || b.is_number_float()) return a.get<double>() == b.get<double>();
    return a == b;  // nlohmann compares signed/unsigned integers by value
  }
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a.items()) {
      auto it = b.find(k);
      if (it == b.end() || !deep_equal(v, *it)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!deep_equal(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

/// java.util.Random: the 48-bit LCG, so that a seeded States.MathRandom draws what
/// `new Random(seed).nextInt(bound)` would in AWS's Java runtime.
class JavaRandom {
 public:
  explicit JavaRandom(std::int64_t seed)
      : seed_((static_cast<std::uint64_t>(seed) ^ 0x5DEECE66DULL) & mask) {}

  std::int32_t next_int(std::int32_t bound) {  // bound > 0
    std::int32_t r = next(31);
    const std::int32_t m = bound - 1;
    if ((bound & m) == 0)
      return static_cast<std::int32_t>((static_cast<std::int64_t>(bound) * r) >> 31);
    for (std::int32_t u = r;; u = next(31)) {
      r = u % bound;
      // Java tests `u - r + m < 0` in wrapping int arithmetic, i.e. the sum overflows.
      if (static_cast<std::int64_t>(u) - r + m <= std::numeric_limits<std::int32_t>::max()) break;
    }
    return r;
  }

 private:
  static constexpr std::uint64_t mask = (std::uint64_t{1} << 48) - 1;
  std::int32_t next(int bits) {
    seed_ = (seed_ * 0x5DEECE66DULL + 0xBULL) & mask;
    return static_cast<std::int32_t>(seed_ >> (48 - bits));
  }
  std::uint64_t seed_;
};

inline std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  return rng;
}

/// Evaluated arguments: inline storage for up to 4 (every function but Array/Format with more
/// arguments), so a call allocates nothing for its argument list.
class Args {
 public:
  explicit Args(std::size_t n) : n_(n) {
    if (n > inline_.size()) heap_.resize(n);
  }
  std::size_t size() const { return n_; }
  Value* begin() { return n_ > inline_.size() ? heap_.data() : inline_.data(); }
  const Value* begin() const { return n_ > inline_.size() ? heap_.data() : inline_.data(); }
  Value* end() { return begin() + n_; }
  Value& operator[](std::size_t i) { return begin()[i]; }
  const Value& operator[](std::size_t i) const { return begin()[i]; }

 private:
  std::size_t n_;
  std::array<Value, 4> inline_;
  std::vector<Value> heap_;
};

inline std::string format_value(const Value& tpl_value, const Args& args) {
  static constexpr std::string_view fn = "States.Format";
  const std::string& tpl = string_arg(tpl_value, fn, 0);
  // Placeholder positions: known from the literal's escapes, else every "{}" in the string.
  std::vector<std::size_t> computed;
  const std::vector<std::size_t>* holes = nullptr;
  if (tpl_value.source != nullptr && tpl_value.source->is_string_literal) {
    holes = &tpl_value.source->placeholders;
  } else {
    for (std::size_t p = tpl.find("{}"); p != std::string::npos; p = tpl.find("{}", p + 2))
      computed.push_back(p);
    holes = &computed;
  }
  const std::size_t given = args.size() - 1;
  if (holes->size() != given)
    fail("States.Format expects " + std::to_string(holes->size()) + " argument" +
         (holes->size() == 1 ? "" : "s") + " after the template (one for each '{}'), got " +
         std::to_string(given));
  std::string out;
  std::size_t from = 0;
  for (std::size_t k = 0; k < holes->size(); ++k) {
    out.append(tpl, from, (*holes)[k] - from);
    append_java_to_string(out, args[k + 1].get());
    from = (*holes)[k] + 2;
  }
  out.append(tpl, from, std::string::npos);
  return out;
}

inline Json call_function(Fn fn, Args& a) {
  switch (fn) {
    case Fn::format:
      return format_value(a[0], a);

    case Fn::string_to_json: {
      const std::string& s = string_arg(a[0], "States.StringToJson", 0);
      // Jackson reads blank text as no value: "" and " " give null (AWS-recorded).
      if (std::all_of(s.begin(), s.end(), [](char c) { return is_space(c); })) return nullptr;
      bool deep = false;
      Json v = read_json_or_discarded(s, default_max_json_depth, &deep);
      if (deep)
        fail("States.StringToJson could not parse its argument: it is nested deeper than the limit of " +
             std::to_string(default_max_json_depth) + " levels");
      if (v.is_discarded())
        fail("States.StringToJson could not parse its argument as JSON: " + describe(a[0].get()));
      return v;
    }

    case Fn::json_to_string:
      return java_json(a[0].get());

    case Fn::array: {
      Json out = Json::array();
      out.get_ref<Json::array_t&>().reserve(a.size());
      for (auto& v : a) out.push_back(v.take());
      return out;
    }

    case Fn::array_partition: {
      static constexpr std::string_view name = "States.ArrayPartition";
      const Json& arr = array_arg(a[0], name, 0);
      const std::int64_t size = rounded_arg(a[1], name, 1);
      if (size <= 0)
        fail("States.ArrayPartition expects a chunk size greater than 0, got " +
             std::to_string(size));
      Json out = Json::array();
      const auto& items = arr.get_ref<const Json::array_t&>();
      const auto chunk = static_cast<std::size_t>(
          std::min<std::int64_t>(size, static_cast<std::int64_t>(items.size()) + 1));
      for (std::size_t i = 0; i < items.size(); i += chunk) {
        const std::size_t end = std::min(items.size(), i + chunk);
        out.push_back(Json::array_t(items.begin() + static_cast<std::ptrdiff_t>(i),
                                    items.begin() + static_cast<std::ptrdiff_t>(end)));
      }
      return out;
    }

    case Fn::array_contains: {
      const Json& arr = array_arg(a[0], "States.ArrayContains", 0);
      const Json& needle = a[1].get();
      for (const auto& e : arr)
        if (deep_equal(e, needle)) return true;
      return false;
    }

    case Fn::array_range: {
      static constexpr std::string_view name = "States.ArrayRange";
      const std::int64_t first = rounded_arg(a[0], name, 0);
      const std::int64_t last = rounded_arg(a[1], name, 1);
      const std::int64_t step = rounded_arg(a[2], name, 2);
      check_int32(first, name, 0);
      check_int32(last, name, 1);
      check_int32(step, name, 2);
      if (step == 0) fail("States.ArrayRange expects a non-zero step, got 0");
      // A step pointing away from `last` yields an empty array (a Java for-loop that never runs).
      std::int64_t count = 0;
      if ((step > 0 && first <= last) || (step < 0 && first >= last))
        count = (last - first) / step + 1;
      if (count > 1000)
        fail("States.ArrayRange would create " + std::to_string(count) +
             " elements; arrays are limited to 1000 elements");
      Json out = Json::array();
      for (std::int64_t k = 0; k < count; ++k) out.push_back(first + k * step);
      return out;
    }

    case Fn::array_get_item: {
      static constexpr std::string_view name = "States.ArrayGetItem";
      const Json& arr = array_arg(a[0], name, 0);
      const Json& idx = a[1].get();
      std::int64_t i = 0;
      if (idx.is_number_integer()) {  // signed or unsigned (nlohmann reads "5" as unsigned)
        i = rounded_arg(a[1], name, 1);
      } else if (idx.is_number_float() && std::floor(idx.get<double>()) == idx.get<double>() &&
                 std::abs(idx.get<double>()) < 9.0e18) {
        i = static_cast<std::int64_t>(idx.get<double>());
      } else {
        fail("States.ArrayGetItem expects its second argument to be an integer index, got " +
             describe(idx));
      }
      if (i < 0 || i >= static_cast<std::int64_t>(arr.size()))
        fail("States.ArrayGetItem index " + java_json(idx) + " is out of bounds for an array of " +
             std::to_string(arr.size()) + " element" + (arr.size() == 1 ? "" : "s"));
      if (a[0].ref != nullptr) return arr[static_cast<std::size_t>(i)];
      return std::move(a[0].own[static_cast<std::size_t>(i)]);
    }

    case Fn::array_length:
      return array_arg(a[0], "States.ArrayLength", 0).size();

    case Fn::array_unique: {
      const Json& arr = array_arg(a[0], "States.ArrayUnique", 0);
      Json out = Json::array();
      for (const auto& e : arr) {
        bool seen = false;
        for (const auto& kept : out)
          if (deep_equal(kept, e)) {
            seen = true;
            break;
          }
        if (!seen) out.push_back(e);
      }
      return out;
    }

    case Fn::base64_encode:
    case Fn::base64_decode: {
      const bool encode = fn == Fn::base64_encode;
      const std::string_view name = encode ? "States.Base64Encode" : "States.Base64Decode";
      const std::string& s = string_arg(a[0], name, 0);
      const std::size_t len = utf16_length(s);
      if (len > 10000)
        fail(std::string(name) + " input is " + std::to_string(len) +
             " characters long; the limit is 10000 characters");
      if (encode) return hash::base64_encode(s);
      auto bytes = hash::base64_decode(s);
      if (!bytes) fail("States.Base64Decode input is not valid Base64: " + describe(a[0].get()));
      return repair_utf8(*bytes);
    }

    case Fn::hash: {
      static constexpr std::string_view name = "States.Hash";
      const std::string& data = string_arg(a[0], name, 0);
      const std::string& alg = string_arg(a[1], name, 1);
      const std::size_t len = utf16_length(data);
      if (len > 10000)
        fail("States.Hash input is " + std::to_string(len) +
             " characters long; the limit is 10000 characters");
      if (alg == "MD5") return hash::md5_hex(data);
      if (alg == "SHA-1") return hash::sha1_hex(data);
      if (alg == "SHA-256") return hash::sha256_hex(data);
      if (alg == "SHA-384") return hash::sha384_hex(data);
      if (alg == "SHA-512") return hash::sha512_hex(data);
      fail("States.Hash does not support the algorithm '" + alg +
           "' (supported: MD5, SHA-1, SHA-256, SHA-384, SHA-512)");
    }

    case Fn::json_merge: {
      for (std::size_t k = 0; k < 2; ++k)
        if (!a[k].get().is_object())
          fail("States.JsonMerge expects its " + ordinal(k) + " argument to be an object, got " +
               describe(a[k].get()));
      if (!a[2].get().is_boolean())
        fail("States.JsonMerge expects its third argument to be a boolean, got " +
             describe(a[2].get()));
      // Spec §16.7: AWS implements only the shallow mode and requires `false`.
      if (a[2].get().get<bool>())
        fail("States.JsonMerge supports only shallow merging: its third argument must be false");
      Json out = a[0].take();
      // Java's Map.put semantics: an existing key keeps its position, new keys are appended.
      for (const auto& [k, v] : a[1].get().items()) out[k] = v;
      return out;
    }

    case Fn::math_random: {
      static constexpr std::string_view name = "States.MathRandom";
      const std::int64_t start = rounded_arg(a[0], name, 0);
      const std::int64_t end = rounded_arg(a[1], name, 1);
      check_int32(start, name, 0);
      check_int32(end, name, 1);
      // Spec §16.10: the current AWS guide makes `end` exclusive: start <= n < end.
      if (end <= start)
        fail("States.MathRandom expects the end (" + std::to_string(end) +
             ") to be greater than the start (" + std::to_string(start) + ")");
      const std::int64_t bound = end - start;
      if (bound > std::numeric_limits<std::int32_t>::max())
        fail("States.MathRandom range [" + std::to_string(start) + ", " + std::to_string(end) +
             ") is wider than 2147483647");
      if (a.size() == 3) {
        JavaRandom rng(rounded_arg(a[2], name, 2));
        return start + rng.next_int(static_cast<std::int32_t>(bound));
      }
      std::uniform_int_distribution<std::int64_t> dist(start, end - 1);
      return dist(thread_rng());
    }

    case Fn::math_add: {
      static constexpr std::string_view name = "States.MathAdd";
      const std::int64_t x = rounded_arg(a[0], name, 0);
      const std::int64_t y = rounded_arg(a[1], name, 1);
      check_int32(x, name, 0);
      check_int32(y, name, 1);
      return x + y;  // exact (no 32-bit wrap-around)
    }

    case Fn::string_split: {
      static constexpr std::string_view name = "States.StringSplit";
      const std::string& s = string_arg(a[0], name, 0);
      const std::string& delims = string_arg(a[1], name, 1);
      // Java StringTokenizer semantics (spec §16.9): every character of `delims` is a delimiter
      // and empty tokens are dropped. Characters are whole UTF-8 sequences.
      const auto char_len = utf8_length;
      std::vector<std::string_view> ds;
      for (std::size_t i = 0; i < delims.size();) {
        const std::size_t n =
            std::min(char_len(static_cast<unsigned char>(delims[i])), delims.size() - i);
        ds.emplace_back(delims.data() + i, n);
        i += n;
      }
      Json out = Json::array();
      std::size_t token_start = 0, i = 0;
      while (i < s.size()) {
        const std::size_t n = std::min(char_len(static_cast<unsigned char>(s[i])), s.size() - i);
        const std::string_view ch(s.data() + i, n);
        if (std::find(ds.begin(), ds.end(), ch) != ds.end()) {
          if (i > token_start) out.push_back(s.substr(token_start, i - token_start));
          token_start = i + n;
        }
        i += n;
      }
      if (s.size() > token_start) out.push_back(s.substr(token_start));
      return out;
    }

    case Fn::uuid: {
      auto& rng = thread_rng();
      std::array<unsigned char, 16> b{};
      for (std::size_t k = 0; k < 16; k += 8) {
        const std::uint64_t r = rng();
        for (std::size_t j = 0; j < 8; ++j) b[k + j] = static_cast<unsigned char>(r >> (8 * j));
      }
      b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
      b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
      static constexpr char hex[] = "0123456789abcdef";
      std::string out;
      out.reserve(36);
      for (std::size_t k = 0; k < 16; ++k) {
        if (k == 4 || k == 6 || k == 8 || k == 10) out.push_back('-');
        out.push_back(hex[b[k] >> 4]);
        out.push_back(hex[b[k] & 0xF]);
      }
      return out;
    }
  }
  fail("unknown intrinsic function");
}

inline Value eval_call(const Call& call, const Env& env);

inline Value eval_arg(const Arg& arg, const Env& env) {
  switch (arg.kind) {
    case Arg::Kind::literal: {
      if (!arg.bad_escape.empty())
        fail("the string literal '" + arg.value.get<std::string>() +
             "' contains the escape sequence '" + arg.bad_escape +
             "'; only \\', \\{, \\} and \\\\ may follow a backslash");
      Value v;
      v.ref = &arg.value;
      v.source = &arg;
      return v;
    }
    case Arg::Kind::call:
      return eval_call(*arg.call, env);
    case Arg::Kind::variable:
      throw Failure{errors::runtime,
                    "The variable reference '" + arg.text +
                        "' cannot be resolved: workflow variables (Assign) are not supported yet"};
    case Arg::Kind::path:
      break;
  }
  const jsonpath::Path& path = *arg.path;
  const bool ctx = path.root() == jsonpath::Root::context;
  if (ctx && env.context == nullptr)
    throw Failure{errors::runtime, "The JsonPath argument '" + arg.text +
                                       "' reads the context object, which is not available here"};
  const Json& root = ctx ? *env.context : env.input;
  Value v;
  if (arg.function_tail) {
    // falls through to the miss below
  } else if (path.definite()) {
    v.ref = path.find(root);
  } else if (path.select(root, v.own)) {
    return v;
  }
  if (v.ref == nullptr) {
    // AWS (captured by floci, SFN Local words it the same): States.Runtime, the context path
    // rewritten with one '$' stripped, and the *state input* quoted, not the context object.
    const std::string shown = ctx ? arg.text.substr(1) : arg.text;
    throw Failure{errors::runtime, "The JsonPath argument for the field '" + shown +
                                       "' could not be found in the input '" +
                                       java_json(env.input) + "'"};
  }
  return v;
}

inline Value eval_call(const Call& call, const Env& env) {
  Args args(call.args.size());
  for (std::size_t i = 0; i < call.args.size(); ++i) args[i] = eval_arg(call.args[i], env);
  Value out;
  out.own = call_function(call.fn->fn, args);
  return out;
}

}  // namespace impl

/// True when `text` has the shape of a function call, `Name(` (used to tell an intrinsic from a
/// path). Names other than the 18 `States.*` functions then fail in Expression::parse with a
/// precise message.
inline bool looks_like_call(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && impl::is_space(text[i])) ++i;
  if (i >= text.size() || !impl::is_ident_start(text[i])) return false;
  while (i < text.size() && impl::is_name_char(text[i])) ++i;
  while (i < text.size() && impl::is_space(text[i])) ++i;
  return i < text.size() && text[i] == '(';
}

/// A parsed intrinsic expression (spec §6). Immutable and cheap to copy (shared call tree).
class Expression {
 public:
  /// Parses `text`. Throws SyntaxError for an unknown function, a wrong argument count, an
  /// unterminated string, an invalid number or path, nesting deeper than 10, or stray text.
  static Expression parse(std::string_view text) {
    impl::Parser p(text);
    Expression e;
    e.call_ = p.parse_expression();
    e.text_ = std::string(text);
    e.uses_context_ = p.uses_context();
    return e;
  }

  /// True when some argument reads the context object (`$$...`).
  bool uses_context() const { return uses_context_; }

  /// The expression as written (AWS quotes it verbatim in causes).
  const std::string& text() const { return text_; }

  /// Evaluates the expression. Failures are values: `States.IntrinsicFailure` for a function
  /// that rejects its arguments, `States.Runtime` for a path argument that matches nothing. The
  /// cause reads `The function '<expression>' had the following error: <detail>` (AWS's frame).
  asl::Result<Json> evaluate(const Env& env) const {
    try {
      return impl::eval_call(*call_, env).take();
    } catch (impl::Failure& f) {
      return asl::Error(std::string(f.name),
                        "The function '" + text_ + "' had the following error: " + f.detail);
    }
  }

 private:
  Expression() = default;
  std::shared_ptr<const impl::Call> call_;
  std::string text_;
  bool uses_context_ = false;
};

}  // namespace asl::detail::intrinsics
