// JSONPath (spec §5) with Jayway semantics as AWS Step Functions runs it: parser, evaluator, ResultPath writer (§4.4).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "asl/detail/json/release.hpp"
#include "asl/json.hpp"

// What this implements, and where it follows Jayway rather than RFC 9535 (AWS runs Jayway):
//
// * Definite paths (only single member names and single indexes) give the node itself; anything
//   else gives a JSON array of the matches in document order, [] when nothing matches (§5.3).
//   AWS answers [] even where Jayway itself would throw on a missing definite prefix
//   (AWS-recorded: `$.item.items[1:]` on `{}` -> []), so indefinite paths never miss.
// * Miss messages are Jayway's PathNotFoundException texts, which AWS quotes in its causes (§4.6):
//   - last member missing: "No results for path: $['a']['b']" (the whole path);
//   - an earlier member missing: "Missing property in path $['a']" (up to the missing member);
//   - index out of range, at any step: "No results for path: $['a'][5]['b']" (Jayway drops the
//     IndexOutOfBoundsException, so the whole path simply has no result);
//   - index applied to null: "The path $['a'] is null";
//   - index applied to a non-array: "Filter: [0]['b'] can only be applied to arrays. Current
//     context is: {"x":1}" (the path from that step on; the value as Java's toString prints it:
//     strings raw, anything else as compact JSON);
//   - member of a non-object: "Expected to find an object with property ['b'] in path $['a'] but
//     found 'java.lang.String'. This is not a json object according to the JsonProvider:
//     'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'." (the value's Java class: null,
//     java.lang.String/Boolean/Integer/Long/Double, net.minidev.json.JSONArray; json-smart is
//     Jayway's default provider, AWS's actual one is not recorded).
//   Paths are shown in Jayway's normalized bracket form with `$` as root, also for `$$` and `$var`
//   (AWS hands Jayway the rest of the path after its own root).
// * Bracket-quoted names keep backslashes literally; a backslash only stops the next character
//   from closing the name. AWS-recorded: `$['Test\""Name"']` reads the key `Test\""Name"`.
//   Dot names follow spec §5.2 instead: `\x` is the character x, `\uXXXX` a UTF-16 escape
//   (`$.store\.book` reads the key "store.book").
// * `['a','b']` as the LAST step merges the members into one object (Jayway); `select` then gives
//   that object (no array) when everything before it is definite. A function tail
//   (`.length()`, `.size()`, `.min()`, `.max()`, `.avg()`, `.sum()`, `.stddev()`, `.keys()`) gives
//   the function's value, applied to the node (definite prefix) or to the array of matches.
//   Both count as not definite() here because find() cannot point at a computed value.
// * Slices without a step are Jayway's, quirks included: `[1:-1]` is empty and `[-2:5]` on
//   three elements gives [b,c,a,b,c]. A step (`[s:e:k]`, which Jayway ignores) switches to
//   RFC 9535 slice semantics.
// * Deep scan follows Jayway's walk order (a node's own match, then its children); for `..[i].x`
//   on arrays Jayway applies `.x` to every element, and so does this.
// * Filters: `==` between a number and a string converts like Jayway (1 == '1' and '1' == 1
//   are true, '1.0' == 1 is false); ordering operators on different types are false; `!@.x` is
//   "x absent"; `in`/`nin`/`subsetof`/`anyof`/`noneof`/`contains`/`size`/`empty` follow Jayway's
//   evaluators, and where Jayway would throw (e.g. `@.a in 5`) the comparison is just false.
//   An unquoted operand (`@.lang==es`) is a string, as AWS and Jayway 2.0 read it (see
//   read_bare_word). Regexes use std::regex (ECMAScript) with full-match semantics like Java's
//   matches(); flag `i`.
//   An existence test on an indefinite path (`@.tags[*]`) needs at least one match.
// * Hostile input: filter nesting is limited to 64 levels (SyntaxError beyond); stepping through a
//   path and the deep-scan walk are iterative, so long paths and deeply nested documents do not
//   recurse there. (Still recursive: `==` between two whole deeply nested values.)
// * Not supported: functions with arguments (concat, append), `[?]` placeholders, `@` as a path
//   root, Java-only regex syntax, regex back-references (`\1`; with libstdc++ regexes run on its
//   polynomial matcher, so hostile patterns cannot backtrack exponentially).

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

// ---- text helpers -------------------------------------------------------------------------

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

inline void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

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

/// Evaluates steps against a document. Works on a frontier of (node, next step) items instead of
/// recursing per step, so long paths cannot exhaust the stack; expanding every item in place keeps
/// Jayway's (depth-first) result order.
class Evaluator {
 public:
  explicit Evaluator(const Json& document) : doc_(document) {}

  struct Item {
    const Json* node;
    std::size_t step;
  };

  /// All matches of `steps` from `start`, in order. Merged objects live in `owned`.
  void run(const std::vector<Step>& steps, const Json& start, std::vector<const Json*>& out,
           std::deque<Json>& owned) const {
    const std::size_t n = steps.size();
    std::vector<Item> cur{Item{&start, 0}};
    std::vector<Item> next;
    bool pending = n > 0;
    while (pending) {
      next.clear();
      pending = false;
      for (const Item& it : cur) {
        if (it.step == n) {
          next.push_back(it);
        } else {
          expand(steps, it, next, owned);
        }
      }
      cur.swap(next);
      for (const Item& it : cur) {
        if (it.step < n) {
          pending = true;
          break;
        }
      }
    }
    out.reserve(out.size() + cur.size());
    for (const Item& it : cur) out.push_back(it.node);
  }

  /// Jayway's filter predicate applied to one candidate node (`@`).
  bool accept(const Expr& e, const Json& current) const {
    switch (e.op) {
      case Op::any:
        for (const auto& k : e.kids)
          if (accept(k, current)) return true;
        return false;
      case Op::all:
        for (const auto& k : e.kids)
          if (!accept(k, current)) return false;
        return true;
      case Op::negate: return !accept(e.kids.front(), current);
      case Op::exists: return exists(e.lhs, current);
      case Op::absent: return !exists(e.lhs, current);
      default: break;
    }
    Val a;
    Val b;
    resolve(e.lhs, current, a);
    resolve(e.rhs, current, b);
    return compare(e.op, a, b);
  }

  /// Plain chain (single names/indexes): the node or nullptr, no messages.
  static const Json* locate(const std::vector<Step>& steps, std::size_t count, const Json& root) {
    const Json* cur = &root;
    for (std::size_t i = 0; i < count; ++i) {
      const Step& s = steps[i];
      if (s.kind == StepKind::name) {
        const auto* obj = cur->get_ptr<const Json::object_t*>();
        if (obj == nullptr) return nullptr;
        const Json* next = nullptr;
        for (const auto& kv : *obj) {
          if (same_key(kv.first, s.name.data(), s.name.size())) {
            next = &kv.second;
            break;
          }
        }
        if (next == nullptr) return nullptr;
        cur = next;
      } else {
        const auto* arr = cur->get_ptr<const Json::array_t*>();
        if (arr == nullptr) return nullptr;
        const auto size = static_cast<std::int64_t>(arr->size());
        const std::int64_t idx = s.index < 0 ? s.index + size : s.index;
        if (idx < 0 || idx >= size) return nullptr;
        cur = &(*arr)[static_cast<std::size_t>(idx)];
      }
    }
    return cur;
  }

  static Json merge(const Step& s, const Json& obj) {
    Json merged = Json::object();
    for (const auto& name : s.data->names) {
      auto it = obj.find(name);
      if (it != obj.end()) merged[name] = *it;
    }
    return merged;
  }

 private:
  void push_index(const Json& arr, std::int64_t index, std::size_t step, std::vector<Item>& next) const {
    const auto size = static_cast<std::int64_t>(arr.size());
    const std::int64_t idx = index < 0 ? index + size : index;
    if (idx >= 0 && idx < size) next.push_back(Item{&arr[static_cast<std::size_t>(idx)], step});
  }

  void push_slice(const Json& arr, const Slice& sl, std::size_t step, std::vector<Item>& next) const {
    const auto len = static_cast<std::int64_t>(arr.size());
    if (!sl.has_step) {  // Jayway's ArraySliceToken, negative handling included
      if (sl.has_start && !sl.has_end) {
        std::int64_t from = sl.start < 0 ? len + sl.start : sl.start;
        from = std::max<std::int64_t>(0, from);
        for (std::int64_t i = from; i < len; ++i) next.push_back(Item{&arr[static_cast<std::size_t>(i)], step});
      } else if (sl.has_start) {
        const std::int64_t to = std::min(len, sl.end);
        if (sl.start >= to || len == 0) return;
        for (std::int64_t i = std::max(sl.start, -len); i < to; ++i) push_index(arr, i, step, next);
      } else {
        if (len == 0) return;
        std::int64_t to = sl.end < 0 ? len + sl.end : sl.end;
        to = std::min(len, to);
        for (std::int64_t i = 0; i < to; ++i) next.push_back(Item{&arr[static_cast<std::size_t>(i)], step});
      }
      return;
    }
    // RFC 9535 §2.3.4.2 (Jayway has no step).
    const std::int64_t k = sl.step;
    auto norm = [len](std::int64_t i) { return i >= 0 ? i : len + i; };
    if (k > 0) {
      const std::int64_t lower = std::min(std::max(sl.has_start ? norm(sl.start) : 0, std::int64_t{0}), len);
      const std::int64_t upper = std::min(std::max(sl.has_end ? norm(sl.end) : len, std::int64_t{0}), len);
      for (std::int64_t i = lower; i < upper; i += k) next.push_back(Item{&arr[static_cast<std::size_t>(i)], step});
    } else {
      const std::int64_t upper = std::min(std::max(sl.has_start ? norm(sl.start) : len - 1, std::int64_t{-1}), len - 1);
      const std::int64_t lower = std::min(std::max(sl.has_end ? norm(sl.end) : -1, std::int64_t{-1}), len - 1);
      for (std::int64_t i = upper; lower < i; i += k) next.push_back(Item{&arr[static_cast<std::size_t>(i)], step});
    }
  }

  void expand(const std::vector<Step>& steps, const Item& it, std::vector<Item>& next,
              std::deque<Json>& owned) const {
    const Step& s = steps[it.step];
    const Json& node = *it.node;
    const std::size_t after = it.step + 1;
    switch (s.kind) {
      case StepKind::name:
        if (node.is_object()) {
          auto f = node.find(s.name);
          if (f != node.end()) next.push_back(Item{&*f, after});
        }
        break;
      case StepKind::names:
        if (!node.is_object()) break;
        if (after == steps.size()) {  // leaf: Jayway merges the members into one object
          owned.push_back(merge(s, node));
          next.push_back(Item{&owned.back(), after});
        } else {
          for (const auto& name : s.data->names) {
            auto f = node.find(name);
            if (f != node.end()) next.push_back(Item{&*f, after});
          }
        }
        break;
      case StepKind::index:
        if (node.is_array()) push_index(node, s.index, after, next);
        break;
      case StepKind::indexes:
        if (node.is_array())
          for (auto i : s.data->indexes) push_index(node, i, after, next);
        break;
      case StepKind::slice:
        if (node.is_array()) push_slice(node, s.data->slice, after, next);
        break;
      case StepKind::wildcard:
        if (node.is_object() || node.is_array())
          for (const auto& child : node) next.push_back(Item{&child, after});
        break;
      case StepKind::filter:
        if (node.is_object()) {  // Jayway tests an object itself
          if (accept(*s.data->filter, node)) next.push_back(Item{&node, after});
        } else if (node.is_array()) {
          for (const auto& child : node)
            if (accept(*s.data->filter, child)) next.push_back(Item{&child, after});
        }
        break;
      case StepKind::scan: scan(steps, after, node, next); break;
    }
  }

  /// Jayway's ScanPathToken predicate: may step `target` apply to this container?
  bool scan_applies(const Step& target, const Json& node) const {
    switch (target.kind) {
      case StepKind::name: return node.is_object() && node.contains(target.name);
      case StepKind::names: return node.is_object();
      case StepKind::index:
      case StepKind::indexes:
      case StepKind::slice: return node.is_array();
      case StepKind::wildcard: return true;
      case StepKind::filter: return accept(*target.data->filter, node);
      default: return false;
    }
  }

  /// Jayway's ScanPathToken.walk, iteratively: each container first offers itself to the next
  /// step, then its children are walked in order.
  void scan(const std::vector<Step>& steps, std::size_t target, const Json& start, std::vector<Item>& next) const {
    const Step& t = steps[target];
    const bool leaf = target + 1 == steps.size();
    auto visit = [&](const Json& node) {
      if (!scan_applies(t, node)) return;
      if (node.is_object() || leaf) {
        next.push_back(Item{&node, target});
      } else {  // Jayway's walkArray hands each element to the step AFTER the target
        for (const auto& child : node) next.push_back(Item{&child, target + 1});
      }
    };
    if (!start.is_object() && !start.is_array()) return;
    visit(start);
    std::vector<std::pair<const Json*, std::size_t>> stack{{&start, 0}};
    while (!stack.empty()) {
      const Json& parent = *stack.back().first;
      const std::size_t k = stack.back().second;
      if (k >= parent.size()) {
        stack.pop_back();
        continue;
      }
      ++stack.back().second;
      const Json* child = nullptr;
      if (const auto* obj = parent.get_ptr<const Json::object_t*>()) {
        child = &(obj->begin() + static_cast<std::ptrdiff_t>(k))->second;
      } else {
        child = &parent.get_ref<const Json::array_t&>()[k];
      }
      if (child->is_object() || child->is_array()) {
        visit(*child);
        stack.emplace_back(child, 0);
      }
    }
  }

  /// The value of a chain inside a filter; false = UNDEFINED.
  bool chain_value(const Chain& c, const Json& base, Val& v) const {
    if (c.plain && c.fn == Function::none) {
      v.j = locate(c.steps, c.steps.size(), base);
      return v.j != nullptr;
    }
    const Json* input = nullptr;
    if (c.plain) {
      input = locate(c.steps, c.steps.size(), base);
      if (input == nullptr) return false;
    } else if (c.merge_single) {
      const Json* parent = locate(c.steps, c.steps.size() - 1, base);
      if (parent == nullptr || !parent->is_object()) return false;
      v.own = merge(c.steps.back(), *parent);
      input = &v.own;
    } else {
      std::vector<const Json*> found;
      std::deque<Json> owned;
      run(c.steps, base, found, owned);
      Json arr = Json::array();
      for (const Json* p : found) arr.push_back(*p);
      v.own = std::move(arr);
      input = &v.own;
    }
    if (c.fn != Function::none) {
      Json result;
      if (!apply_function(c.fn, *input, result, nullptr)) return false;
      v.own = std::move(result);
      input = &v.own;
    }
    v.j = input;
    return true;
  }

  void resolve(const Operand& o, const Json& current, Val& v) const {
    switch (o.kind) {
      case OperandKind::literal:
        v.j = &o.literal;
        if (!o.number_text.empty()) v.text = &o.number_text;
        break;
      case OperandKind::pattern: v.re = o.pattern.get(); break;
      case OperandKind::current: chain_value(*o.path, current, v); break;
      case OperandKind::document: chain_value(*o.path, doc_, v); break;
    }
  }

  /// Existence test (`@.isbn`): a definite path must find a node (null counts); an indefinite
  /// one must match at least once.
  bool exists(const Operand& o, const Json& current) const {
    const Json& base = o.kind == OperandKind::document ? doc_ : current;
    const Chain& c = *o.path;
    if (c.plain && c.fn == Function::none) return locate(c.steps, c.steps.size(), base) != nullptr;
    if (c.fn != Function::none || c.merge_single) {
      Val v;
      return chain_value(c, base, v);
    }
    std::vector<const Json*> found;
    std::deque<Json> owned;
    run(c.steps, base, found, owned);
    return !found.empty();
  }

  static bool compare(Op op, const Val& a, const Val& b) {
    const Kind ka = kind_of(a);
    const Kind kb = kind_of(b);
    switch (op) {
      case Op::eq: return values_equal(a, b);
      case Op::ne: return !values_equal(a, b);
      case Op::strict_eq: return ka == kb && values_equal(a, b);
      case Op::strict_ne: return !(ka == kb && values_equal(a, b));
      case Op::lt:
      case Op::le:
      case Op::gt:
      case Op::ge: {
        int c = 0;
        if (ka == Kind::number && kb == Kind::number) {
          c = number_compare(*a.j, *b.j);
        } else if (ka == Kind::string && kb == Kind::string) {
          c = utf16_compare(a.j->get_ref<const std::string&>(), b.j->get_ref<const std::string&>());
        } else {
          return false;  // different types never compare (older Jayway, the brief's contract)
        }
        if (op == Op::lt) return c < 0;
        if (op == Op::le) return c <= 0;
        if (op == Op::gt) return c > 0;
        return c >= 0;
      }
      case Op::matches:
        if ((ka == Kind::pattern) == (kb == Kind::pattern)) return false;
        return ka == Kind::pattern ? regex_matches(*a.re, b) : regex_matches(*b.re, a);
      case Op::in: return is_array_val(b) && list_contains(*b.j, a);
      case Op::nin: return !(is_array_val(b) && list_contains(*b.j, a));
      case Op::subsetof:
        if (!is_array_val(a) || !is_array_val(b)) return false;
        for (const auto& e : *a.j) {
          Val x;
          x.j = &e;
          if (!list_contains(*b.j, x)) return false;
        }
        return true;
      case Op::anyof:
      case Op::noneof: {
        if (!is_array_val(a) || !is_array_val(b)) return false;
        bool any = false;
        for (const auto& e : *a.j) {
          Val x;
          x.j = &e;
          if (list_contains(*b.j, x)) {
            any = true;
            break;
          }
        }
        return op == Op::anyof ? any : !any;
      }
      case Op::contains:
        if (ka == Kind::string && kb == Kind::string)
          return a.j->get_ref<const std::string&>().find(b.j->get_ref<const std::string&>()) != std::string::npos;
        return is_array_val(a) && list_contains(*a.j, b);
      case Op::size: {
        if (kb != Kind::number) return false;
        const auto expected = static_cast<std::int64_t>(b.j->get<double>());  // Java intValue(): truncation
        if (ka == Kind::string)
          return static_cast<std::int64_t>(utf16_length(a.j->get_ref<const std::string&>())) == expected;
        if (ka == Kind::json) return (a.j->is_array() ? static_cast<std::int64_t>(a.j->size()) : -1) == expected;
        return false;
      }
      case Op::empty: {
        if (kb != Kind::boolean) return false;
        const bool want = b.j->get<bool>();
        if (ka == Kind::string) return a.j->get_ref<const std::string&>().empty() == want;
        if (ka == Kind::json) return a.j->empty() == want;
        return false;
      }
      default: return false;
    }
  }

  const Json& doc_;
};

// ---- parser ---------------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text), end_(text.size()) {
    while (pos_ < end_ && is_space(s_[pos_])) ++pos_;  // Jayway trims the path
    while (end_ > pos_ && is_space(s_[end_ - 1])) --end_;
  }

  void parse_path(Root& root, std::string& variable, Chain& chain, bool& reserved) {
    if (pos_ >= end_) fail("the path is empty", pos_);
    if (s_[pos_] != '$') fail("a path must start with '$'", pos_);
    ++pos_;
    root = Root::input;
    if (pos_ < end_ && s_[pos_] == '$') {
      root = Root::context;
      ++pos_;
    } else if (pos_ < end_ && s_[pos_] != '.' && s_[pos_] != '[') {
      const std::size_t start = pos_;
      if (is_digit(s_[pos_]) || !(is_alpha(s_[pos_]) || s_[pos_] == '_' || static_cast<unsigned char>(s_[pos_]) >= 0x80))
        fail("illegal character after '$' (expected '.', '[', '$' or a variable name)", pos_);
      while (pos_ < end_ && s_[pos_] != '.' && s_[pos_] != '[') {
        const char c = s_[pos_];
        if (!(is_alpha(c) || is_digit(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80))
          fail(std::string("illegal character '") + c + "' in variable name", pos_);
        ++pos_;
      }
      root = Root::variable;
      variable = std::string(s_.substr(start, pos_ - start));
    }
    if (pos_ < end_ && s_[pos_] != '.' && s_[pos_] != '[') fail("expected '.' or '['", pos_);
    parse_chain(chain, false, 0, &reserved);
  }

 private:
  [[noreturn]] void fail(const std::string& what, std::size_t at) const {
    throw SyntaxError("Invalid JSONPath '" + std::string(s_) + "': " + what + " at offset " + std::to_string(at));
  }

  void skip_ws() {
    while (pos_ < end_ && is_space(s_[pos_])) ++pos_;
  }
  bool at(char c) const { return pos_ < end_ && s_[pos_] == c; }
  bool at2(const char* two) const { return pos_ + 1 < end_ && s_[pos_] == two[0] && s_[pos_ + 1] == two[1]; }

  /// Inside a filter a path ends where an operator, a blank or a closing bracket begins.
  static bool is_terminator(char c) {
    return is_space(c) || c == ')' || c == '<' || c == '>' || c == '=' || c == '!' || c == '~' || c == '&' ||
           c == '|' || c == ',' || c == ']';
  }
  bool at_chain_end(bool embedded) const { return pos_ >= end_ || (embedded && is_terminator(s_[pos_])); }

  static void finish(Chain& c) {
    c.plain = true;
    for (const auto& s : c.steps)
      if (s.kind != StepKind::name && s.kind != StepKind::index) c.plain = false;
    c.merge_single = false;
    if (!c.steps.empty() && c.steps.back().kind == StepKind::names) {
      c.merge_single = true;
      for (std::size_t i = 0; i + 1 < c.steps.size(); ++i)
        if (c.steps[i].kind != StepKind::name && c.steps[i].kind != StepKind::index) c.merge_single = false;
    }
  }

  void parse_chain(Chain& c, bool embedded, int depth, bool* reserved) {
    while (!at_chain_end(embedded)) {
      const char ch = s_[pos_];
      if (c.fn != Function::none) fail("a function must be the last step of a path", pos_);
      if (ch == '[') {
        parse_bracket(c, depth);
        continue;
      }
      if (ch != '.') fail("expected '.' or '['", pos_);
      const std::size_t dot = pos_;
      if (pos_ + 1 < end_ && s_[pos_ + 1] == '.') {
        pos_ += 2;
        if (at_chain_end(embedded)) fail("a path must not end with '..'", dot);
        if (s_[pos_] == '.') fail("unexpected '.'", pos_);
        Step scan;
        scan.kind = StepKind::scan;
        c.steps.push_back(std::move(scan));
      } else {
        ++pos_;
        if (at_chain_end(embedded)) fail("a path must not end with '.'", dot);
      }
      const char next = s_[pos_];
      if (next == '[') {  // Jayway (and AWS) accept `$.[...]`, e.g. `$.[?(@.year < 1999)].name`
        parse_bracket(c, depth);
      } else if (next == '*') {
        ++pos_;
        if (!at_chain_end(embedded) && s_[pos_] != '.' && s_[pos_] != '[') fail("unexpected character after '*'", pos_);
        Step w;
        w.kind = StepKind::wildcard;
        c.steps.push_back(std::move(w));
      } else {
        parse_dot_name(c, embedded, reserved);
      }
    }
    if (!c.steps.empty() && c.steps.back().kind == StepKind::scan) fail("a path must not end with '..'", pos_);
    finish(c);
  }

  std::uint32_t hex4(std::size_t at_pos) const {
    if (at_pos + 4 > end_) fail("incomplete \\u escape", at_pos);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = s_[at_pos + k];
      v <<= 4;
      if (is_digit(c)) {
        v |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        fail("invalid \\u escape", at_pos);
      }
    }
    return v;
  }

  /// Reads `\uXXXX` (pos_ at the backslash), joining a surrogate pair; appends UTF-8.
  void read_unicode_escape(std::string& out) {
    const std::size_t start = pos_;
    std::uint32_t cp = hex4(pos_ + 2);
    pos_ += 6;
    if (cp >= 0xD800 && cp < 0xDC00) {
      if (!(pos_ + 1 < end_ && s_[pos_] == '\\' && s_[pos_ + 1] == 'u')) fail("unpaired UTF-16 surrogate", start);
      const std::uint32_t low = hex4(pos_ + 2);
      if (low < 0xDC00 || low > 0xDFFF) fail("unpaired UTF-16 surrogate", start);
      pos_ += 6;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    } else if (cp >= 0xDC00 && cp < 0xE000) {
      fail("unpaired UTF-16 surrogate", start);
    }
    append_utf8(out, cp);
  }

  /// A dot-notation member name (spec §5.2 escapes) or a function tail such as `length()`.
  void parse_dot_name(Chain& c, bool embedded, bool* reserved) {
    const std::size_t start = pos_;
    // The name is read straight into its step (a function tail takes it back out below).
    std::string& name = c.steps.emplace_back().name;
    std::size_t run = pos_;  // start of the plain characters not yet in `name` (appended in one go)
    while (pos_ < end_) {
      const char ch = s_[pos_];
      if (ch == '.' || ch == '[' || ch == '(') break;
      if (embedded && is_terminator(ch)) break;
      if (ch == ' ') fail("a member name with blanks needs bracket notation ['my prop']", pos_);
      if (ch == '\\') {
        if (pos_ + 1 >= end_) fail("a path must not end with '\\'", pos_);
        name.append(s_, run, pos_ - run);
        if (s_[pos_ + 1] == 'u') {
          read_unicode_escape(name);
        } else {
          name += s_[pos_ + 1];
          pos_ += 2;
        }
        run = pos_;
        continue;
      }
      if (reserved != nullptr && (ch == '@' || ch == ',' || ch == ':' || ch == '?' || ch == '*'))
        *reserved = true;  // spec §5.2: a Reference Path has these only escaped
      ++pos_;
    }
    name.append(s_, run, pos_ - run);
    if (pos_ == start) fail("expected a member name", pos_);
    if (at('(')) {
      const std::string function = std::move(name);
      c.steps.pop_back();
      static const std::pair<const char*, Function> functions[] = {
          {"length", Function::length}, {"size", Function::size}, {"min", Function::min},
          {"max", Function::max},       {"avg", Function::avg},   {"sum", Function::sum},
          {"stddev", Function::stddev}, {"keys", Function::keys}};
      Function fn = Function::none;
      for (const auto& f : functions)
        if (function == f.first) fn = f.second;
      if (fn == Function::none) fail("unknown function '" + function + "()'", start);
      if (!c.steps.empty() && c.steps.back().kind == StepKind::scan)
        fail("a function cannot directly follow '..'", start);
      ++pos_;
      skip_ws();
      if (!at(')')) fail("functions with arguments are not supported", pos_);
      ++pos_;
      c.fn = fn;
      return;
    }
  }

  std::int64_t read_int() {
    const std::size_t start = pos_;
    bool neg = false;
    if (at('-')) {
      neg = true;
      ++pos_;
    }
    if (!(pos_ < end_ && is_digit(s_[pos_]))) fail("expected an integer", start);
    std::int64_t v = 0;
    while (pos_ < end_ && is_digit(s_[pos_])) {
      v = v * 10 + (s_[pos_] - '0');
      if (v > static_cast<std::int64_t>(std::numeric_limits<std::int32_t>::max()) + 1)
        fail("array index out of range (Java int)", start);
      ++pos_;
    }
    v = neg ? -v : v;
    if (v > std::numeric_limits<std::int32_t>::max()) fail("array index out of range (Java int)", start);
    return v;
  }

  void parse_bracket(Chain& c, int depth) {
    const std::size_t open = pos_;
    ++pos_;
    skip_ws();
    if (pos_ >= end_) fail("missing ']'", open);
    const char ch = s_[pos_];
    if (ch == '\'' || ch == '"') {
      parse_quoted_names(c, open);
    } else if (ch == '*') {
      ++pos_;
      skip_ws();
      if (!at(']')) fail("expected ']' after '[*'", pos_);
      ++pos_;
      Step w;
      w.kind = StepKind::wildcard;
      c.steps.push_back(std::move(w));
    } else if (ch == '?') {
      ++pos_;
      skip_ws();
      if (!at('(')) fail("expected '(' after '[?'", pos_);
      if (depth + 1 > max_nesting) fail("filters nested deeper than 64 levels", pos_);
      auto data = std::make_shared<StepData>();
      data->filter = std::make_shared<const Expr>(parse_or(depth + 1));
      skip_ws();
      if (!at(']')) fail("expected ']' to close the filter", pos_);
      ++pos_;
      Step f;
      f.kind = StepKind::filter;
      f.data = std::move(data);
      c.steps.push_back(std::move(f));
    } else if (is_digit(ch) || ch == '-' || ch == ':') {
      parse_indexes(c, open);
    } else {
      fail("expected a quoted name, an index, a slice, '*' or '?(' after '['", pos_);
    }
  }

  /// `['a']`, `["a"]`, `['a','b']`. The text is kept as written: a backslash only protects the next
  /// character (AWS-recorded `$['Test\""Name"']` reads the key `Test\""Name"`).
  void parse_quoted_names(Chain& c, std::size_t open) {
    const char quote = s_[pos_];
    std::vector<std::string> names;
    for (;;) {
      skip_ws();
      if (!(at('\'') || at('"'))) fail("expected a quoted member name", pos_);
      if (s_[pos_] != quote) fail("member names in one bracket must use the same quotes", pos_);
      const std::size_t start = pos_;
      ++pos_;
      std::string name;
      while (pos_ < end_ && s_[pos_] != quote) {
        if (s_[pos_] == '\\' && pos_ + 1 < end_) name += s_[pos_++];
        name += s_[pos_++];
      }
      if (pos_ >= end_) fail(std::string("unterminated quoted name, missing ") + quote, start);
      ++pos_;
      names.push_back(std::move(name));
      skip_ws();
      if (pos_ >= end_) fail("missing ']'", open);
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        break;
      }
      fail("expected ',' or ']' after a quoted name", pos_);
    }
    Step s;
    s.quote = quote;
    if (names.size() == 1) {
      s.kind = StepKind::name;
      s.name = std::move(names.front());
    } else {
      s.kind = StepKind::names;
      auto data = std::make_shared<StepData>();
      data->names = std::move(names);
      s.data = std::move(data);
    }
    c.steps.push_back(std::move(s));
  }

  /// `[0]`, `[-1]`, `[0,2]`, `[1:]`, `[:2]`, `[1:3]`, `[::2]`.
  void parse_indexes(Chain& c, std::size_t open) {
    Slice sl;
    if (!at(':')) {
      sl.start = read_int();
      sl.has_start = true;
    }
    skip_ws();
    if (at(':')) {
      ++pos_;
      skip_ws();
      if (at('-') || (pos_ < end_ && is_digit(s_[pos_]))) {
        sl.end = read_int();
        sl.has_end = true;
        skip_ws();
      }
      if (at(':')) {
        ++pos_;
        skip_ws();
        sl.step = read_int();
        sl.has_step = true;
        if (sl.step == 0) fail("a slice step must not be 0", pos_);
        skip_ws();
      }
      if (!sl.has_start && !sl.has_end && !sl.has_step) fail("a slice needs a start, an end or a step", open);
      if (!at(']')) fail("expected ']' to close the slice", pos_);
      ++pos_;
      Step s;
      s.kind = StepKind::slice;
      auto data = std::make_shared<StepData>();
      data->slice = sl;
      s.data = std::move(data);
      c.steps.push_back(std::move(s));
      return;
    }
    std::vector<std::int64_t> indexes{sl.start};
    while (at(',')) {
      ++pos_;
      skip_ws();
      indexes.push_back(read_int());
      skip_ws();
    }
    if (!at(']')) fail("expected ']' to close the index", pos_);
    ++pos_;
    Step s;
    if (indexes.size() == 1) {
      s.kind = StepKind::index;
      s.index = indexes.front();
    } else {
      s.kind = StepKind::indexes;
      auto data = std::make_shared<StepData>();
      data->indexes = std::move(indexes);
      s.data = std::move(data);
    }
    c.steps.push_back(std::move(s));
  }

  // ---- filter expressions: or := and ('||' and)* ; and := unary ('&&' unary)* ;
  //      unary := '!' unary | '(' or ')' | relation ; relation := operand (op operand)?

  Expr parse_or(int depth) {
    Expr first = parse_and(depth);
    skip_ws();
    if (!at2("||")) return first;
    Expr node;
    node.op = Op::any;
    node.kids.push_back(std::move(first));
    while (at2("||")) {
      pos_ += 2;
      node.kids.push_back(parse_and(depth));
      skip_ws();
    }
    return node;
  }

  Expr parse_and(int depth) {
    Expr first = parse_unary(depth);
    skip_ws();
    if (!at2("&&")) return first;
    Expr node;
    node.op = Op::all;
    node.kids.push_back(std::move(first));
    while (at2("&&")) {
      pos_ += 2;
      node.kids.push_back(parse_unary(depth));
      skip_ws();
    }
    return node;
  }

  Expr parse_unary(int depth) {
    skip_ws();
    if (pos_ >= end_) fail("unexpected end of filter", pos_);
    if (s_[pos_] == '!') {
      ++pos_;
      skip_ws();
      if (at('@') || at('$')) return parse_relation(depth, true);  // Jayway: `!@.x` means "x absent"
      if (depth + 1 > max_nesting) fail("filters nested deeper than 64 levels", pos_);
      Expr node;
      node.op = Op::negate;
      node.kids.push_back(parse_unary(depth + 1));
      return node;
    }
    if (s_[pos_] == '(') {
      const std::size_t open = pos_;
      if (depth + 1 > max_nesting) fail("filters nested deeper than 64 levels", pos_);
      ++pos_;
      Expr e = parse_or(depth + 1);
      skip_ws();
      if (!at(')')) fail("missing ')'", open);
      ++pos_;
      return e;
    }
    return parse_relation(depth, false);
  }

  Expr parse_relation(int depth, bool negated) {
    Expr e;
    e.lhs = parse_operand(depth);
    skip_ws();
    if (pos_ >= end_ || at(')') || at(']') || at2("&&") || at2("||")) {
      if (e.lhs.kind != OperandKind::current && e.lhs.kind != OperandKind::document)
        fail("expected a comparison operator", pos_);
      e.op = negated ? Op::absent : Op::exists;
      return e;
    }
    e.op = parse_operator();
    e.rhs = parse_operand(depth, true);
    return e;
  }

  Op parse_operator() {
    const std::size_t start = pos_;
    std::string op;
    auto is_op_char = [](char c) { return c == '<' || c == '>' || c == '=' || c == '~' || c == '!'; };
    if (is_op_char(s_[pos_])) {
      while (pos_ < end_ && is_op_char(s_[pos_])) op += s_[pos_++];
    } else {
      while (pos_ < end_ && is_alpha(s_[pos_])) op += s_[pos_++];
    }
    static const std::pair<const char*, Op> table[] = {
        {"==", Op::eq},          {"!=", Op::ne},        {"===", Op::strict_eq}, {"!==", Op::strict_ne},
        {"<", Op::lt},           {"<=", Op::le},        {">", Op::gt},          {">=", Op::ge},
        {"=~", Op::matches},     {"in", Op::in},        {"nin", Op::nin},       {"subsetof", Op::subsetof},
        {"anyof", Op::anyof},    {"noneof", Op::noneof}, {"contains", Op::contains}, {"size", Op::size},
        {"empty", Op::empty}};
    for (const auto& t : table)
      if (op == t.first) return t.second;
    if (op.empty()) fail("expected a comparison operator", start);
    fail("unknown operator '" + op + "'", start);
  }

  Operand parse_operand(int depth, bool right = false) {
    skip_ws();
    if (pos_ >= end_) fail("expected a value", pos_);
    Operand o;
    const char ch = s_[pos_];
    if (ch == '@' || ch == '$') {
      o.kind = ch == '@' ? OperandKind::current : OperandKind::document;
      ++pos_;
      if (!at_chain_end(true) && s_[pos_] != '.' && s_[pos_] != '[')
        fail(std::string("expected '.' or '[' after '") + ch + "'", pos_);
      auto chain = std::make_shared<Chain>();
      parse_chain(*chain, true, depth, nullptr);
      o.path = std::move(chain);
    } else if (ch == '\'' || ch == '"') {
      o.literal = read_string(ch);
    } else if (ch == '/') {
      parse_regex(o);
    } else if (ch == '[' || ch == '{') {
      o.literal = parse_json(depth + 1);
    } else if ((ch == '-' || is_digit(ch)) && number_ends_token(pos_)) {
      o.literal = read_number(&o.number_text);
    } else if (is_bare_word_start(ch)) {
      o.literal = read_bare_word(right);
    } else {
      fail("expected a value (a path, 'string', number, true, false, null, JSON or /regex/)", pos_);
    }
    return o;
  }

  // Bare words (`$[?(@.lang==es)]`, `[?(@.status==Failure)]`): AWS accepts them and compares them
  // as strings, and deployed definitions rely on `==Receipt` matching "Receipt". That is Jayway
  // 2.0's Criteria.parse, which keeps an unquoted operand as the trimmed text between the operator
  // and the next `&&` / `||` / closing parenthesis, a String. Jayway 2.1 and later (FilterCompiler)
  // would read it as a number literal and refuse the path (BigDecimal of ""); AWS does not, so
  // this follows 2.0: on the right a bare word runs to `)`, `&&`, `||` or the end, inner blanks
  // kept, outer ones trimmed (`== New York` is "New York"); on the left, where an operator must
  // follow, it ends at a blank or an operator character. The exact words true, false and null
  // keep their literal meaning (2.0 also compared them as the boolean and null), and a token that
  // starts like a number but goes on (`2xx`, `1.5.2`, `2021-01-01`) is a bare word too.
  static bool is_bare_word_start(char c) {
    return !is_terminator(c) && c != '(' && c != '@' && c != '$' && c != '\'' && c != '"' && c != '/' &&
           c != '[' && c != '{';
  }

  /// Whether the number literal at `at` is a whole token (followed by a blank, an operator, `)`, ...).
  bool number_ends_token(std::size_t at) const {
    std::size_t p = at;
    if (p < end_ && s_[p] == '-') ++p;
    const std::size_t digits = p;
    while (p < end_ && is_digit(s_[p])) ++p;
    if (p == digits) return false;
    if (p < end_ && s_[p] == '.') {
      const std::size_t frac = ++p;
      while (p < end_ && is_digit(s_[p])) ++p;
      if (p == frac) return false;
    }
    if (p < end_ && (s_[p] == 'e' || s_[p] == 'E')) {
      ++p;
      if (p < end_ && (s_[p] == '+' || s_[p] == '-')) ++p;
      const std::size_t exp = p;
      while (p < end_ && is_digit(s_[p])) ++p;
      if (p == exp) return false;
    }
    return p >= end_ || is_terminator(s_[p]);
  }

  /// true / false / null inside a JSON literal (`@.a in [true, null]`).
  Json read_keyword() {
    const std::size_t start = pos_;
    std::string word;
    while (pos_ < end_ && is_alpha(s_[pos_])) word += s_[pos_++];
    if (word == "true") return true;
    if (word == "false") return false;
    if (word == "null") return nullptr;
    fail("unexpected word '" + word + "'", start);
  }

  Json read_bare_word(bool right) {
    const std::size_t start = pos_;
    if (right) {
      while (pos_ < end_ && s_[pos_] != ')' && !at2("&&") && !at2("||")) ++pos_;
    } else {
      while (pos_ < end_ && !is_terminator(s_[pos_])) ++pos_;
    }
    std::size_t stop = pos_;
    while (stop > start && is_space(s_[stop - 1])) --stop;
    const std::string_view word = s_.substr(start, stop - start);
    if (word == "true") return true;
    if (word == "false") return false;
    if (word == "null") return nullptr;
    return std::string(word);
  }

  /// A quoted string with Java/JSON escapes (Jayway unescapes filter string literals).
  std::string read_string(char quote) {
    const std::size_t open = pos_;
    ++pos_;
    std::string out;
    while (pos_ < end_ && s_[pos_] != quote) {
      if (s_[pos_] != '\\') {
        out += s_[pos_++];
        continue;
      }
      if (pos_ + 1 >= end_) break;
      const char e = s_[pos_ + 1];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': read_unicode_escape(out); continue;
        default: out += e; break;
      }
      pos_ += 2;
    }
    if (pos_ >= end_) fail(std::string("unterminated string, missing ") + quote, open);
    ++pos_;
    return out;
  }

  Json read_number(std::string* text) {
    const std::size_t start = pos_;
    if (at('-')) ++pos_;
    if (!(pos_ < end_ && is_digit(s_[pos_]))) fail("expected a number", start);
    while (pos_ < end_ && is_digit(s_[pos_])) ++pos_;
    if (at('.')) {
      ++pos_;
      if (!(pos_ < end_ && is_digit(s_[pos_]))) fail("expected digits after '.'", pos_);
      while (pos_ < end_ && is_digit(s_[pos_])) ++pos_;
    }
    if (at('e') || at('E')) {
      ++pos_;
      if (at('+') || at('-')) ++pos_;
      if (!(pos_ < end_ && is_digit(s_[pos_]))) fail("expected an exponent", pos_);
      while (pos_ < end_ && is_digit(s_[pos_])) ++pos_;
    }
    const std::string_view t = s_.substr(start, pos_ - start);
    Json v;
    if (!parse_decimal(t, v)) fail("invalid number", start);
    if (text != nullptr) *text = std::string(t);
    return v;
  }

  void parse_regex(Operand& o) {
    const std::size_t open = pos_;
    ++pos_;
    std::string pattern;
    while (pos_ < end_ && s_[pos_] != '/') {
      if (s_[pos_] == '\\' && pos_ + 1 < end_) {
        if (s_[pos_ + 1] != '/') pattern += '\\';
        pattern += s_[pos_ + 1];
        pos_ += 2;
        continue;
      }
      pattern += s_[pos_++];
    }
    if (pos_ >= end_) fail("unterminated /regex/", open);
    // libstdc++ reads a back-reference number (`\123`) or a repetition count (`{2,5}`) into a
    // long without an overflow check (undefined behaviour on a long digit run), and anything
    // above ~100000 only exhausts its NFA state limit: refuse more than 6 digits up front.
    auto digit_run = [&](std::size_t at) {
      std::size_t n = 0;
      while (at + n < pattern.size() && is_digit(pattern[at + n])) ++n;
      if (n > 6) fail("number too large in /regex/ (back-reference or repetition count)", open);
      return at + n;
    };
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] == '\\') {
        digit_run(i + 1);
        ++i;  // the escaped character is never a quantifier's `{`
      } else if (pattern[i] == '{') {
        const std::size_t after = digit_run(i + 1);
        if (after < pattern.size() && pattern[after] == ',') digit_run(after + 1);
      }
    }
    ++pos_;
    auto flags = std::regex::ECMAScript;
    while (pos_ < end_ && is_alpha(s_[pos_])) {
      if (s_[pos_] != 'i') fail(std::string("unsupported regex flag '") + s_[pos_] + "'", pos_);
      flags |= std::regex::icase;
      ++pos_;
    }
#if defined(__GLIBCXX__)
    // libstdc++'s default (depth-first, backtracking) matcher is exponential on nested
    // quantifiers (`/(a*)*b/`, `/.???/`) and recurses once per subject character; its
    // polynomial (breadth-first) matcher gives the same yes/no answer for a full match, but
    // cannot do back-references (refused below).
    flags |= std::regex_constants::__polynomial;
#endif
    try {
      o.pattern = std::make_shared<const std::regex>(pattern, flags);
    } catch (const std::regex_error& e) {
      if (e.code() == std::regex_constants::error_complexity)
        fail("back-references are not supported in /" + pattern + "/", open);
      fail("invalid regular expression /" + pattern + "/", open);
    }
    o.kind = OperandKind::pattern;
  }

  /// A JSON literal in a filter; lenient like json-smart ('single quotes', bare keys).
  Json parse_json(int depth) {
    if (depth > max_nesting) fail("JSON literal nested deeper than 64 levels", pos_);
    skip_ws();
    if (pos_ >= end_) fail("expected a JSON value", pos_);
    const char ch = s_[pos_];
    if (ch == '[') {
      const std::size_t open = pos_;
      ++pos_;
      Json arr = Json::array();
      skip_ws();
      if (at(']')) {
        ++pos_;
        return arr;
      }
      for (;;) {
        arr.push_back(parse_json(depth + 1));
        skip_ws();
        if (at(',')) {
          ++pos_;
          continue;
        }
        if (at(']')) {
          ++pos_;
          return arr;
        }
        fail("expected ',' or ']' in JSON array", pos_ < end_ ? pos_ : open);
      }
    }
    if (ch == '{') {
      const std::size_t open = pos_;
      ++pos_;
      Json obj = Json::object();
      skip_ws();
      if (at('}')) {
        ++pos_;
        return obj;
      }
      for (;;) {
        skip_ws();
        std::string key;
        if (at('\'') || at('"')) {
          key = read_string(s_[pos_]);
        } else {
          while (pos_ < end_ && (is_alpha(s_[pos_]) || is_digit(s_[pos_]) || s_[pos_] == '_')) key += s_[pos_++];
          if (key.empty()) fail("expected a key in JSON object", pos_);
        }
        skip_ws();
        if (!at(':')) fail("expected ':' in JSON object", pos_);
        ++pos_;
        obj[key] = parse_json(depth + 1);
        skip_ws();
        if (at(',')) {
          ++pos_;
          continue;
        }
        if (at('}')) {
          ++pos_;
          return obj;
        }
        fail("expected ',' or '}' in JSON object", pos_ < end_ ? pos_ : open);
      }
    }
    if (ch == '\'' || ch == '"') return read_string(ch);
    if (ch == '-' || is_digit(ch)) return read_number(nullptr);
    if (is_alpha(ch)) return read_keyword();
    fail("expected a JSON value", pos_);
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
};

}  // namespace impl

/// A compiled JSONPath. Parse once at definition load; evaluation never re-parses.
class Path {
 public:
  Path() = default;  // "$"

  /// Compiles `text`; throws SyntaxError (message: what is wrong and at which character offset).
  static Path parse(std::string_view text) {
    Path p;
    p.text_ = std::string(text);
    // Each step starts with '.' or '[': room for them up front saves regrowing (an upper bound;
    // capped, as filters can hold many more of both than the path has steps).
    std::size_t marks = 0;
    for (const char c : text) marks += c == '.' || c == '[' ? 1 : 0;
    p.chain_.steps.reserve(std::min<std::size_t>(marks, 8));
    impl::Parser parser(text);
    parser.parse_path(p.root_, p.variable_, p.chain_, p.reserved_);
    return p;
  }

  const std::string& text() const { return text_; }
  Root root() const { return root_; }
  const std::string& variable() const { return variable_; }

  /// Only single member names and single indexes: find() locates the node.
  bool definite() const { return chain_.plain && chain_.fn == impl::Function::none; }
  /// Spec §5.2 Reference Path: definite, and no unescaped `@ , : ? *` in dot names.
  bool is_reference() const { return definite() && !reserved_; }
  bool is_root() const { return chain_.steps.empty() && chain_.fn == impl::Function::none; }
  /// Ends in a function call such as `.length()`.
  bool has_function() const { return chain_.fn != impl::Function::none; }
  /// The last step is a single array index (`$.a[2]`).
  bool ends_with_index() const { return !chain_.steps.empty() && chain_.steps.back().kind == impl::StepKind::index; }

  /// Jayway's normalized text of the path, e.g. "$['a'][0]" (also for `$$` and `$var` roots).
  std::string normalized() const { return impl::chain_text(chain_); }

  /// Definite paths: the node, without copying. nullptr when missing, with Jayway's message in *miss.
  const Json* find(const Json& root, std::string* miss = nullptr) const {
    if (!definite()) return not_definite(miss);
    return locate(root, chain_.steps.size(), miss);
  }
  Json* find(Json& root, std::string* miss = nullptr) const {
    if (!definite()) return not_definite(miss);
    return locate(root, chain_.steps.size(), miss);
  }

  /// Definite: a copy of the node, or false + *miss. Otherwise the array of all matches in
  /// document order ([] when none, always true); a merged `['a','b']` leaf or a function tail
  /// gives that single value instead (false + *miss when its definite prefix is missing).
  bool select(const Json& root, Json& out, std::string* miss = nullptr) const {
    using impl::Function;
    if (chain_.plain) {
      const Json* node = locate(root, chain_.steps.size(), miss);
      if (node == nullptr) return false;
      if (chain_.fn == Function::none) {
        out = *node;  // by-value assignment: safe even when `out` contains `node`
        return true;
      }
      Json value;
      if (!impl::apply_function(chain_.fn, *node, value, miss)) return false;
      out = std::move(value);
      return true;
    }
    Json result;
    if (chain_.merge_single) {
      const std::size_t last = chain_.steps.size() - 1;
      const Json* parent = locate(root, last, miss);
      if (parent == nullptr) return false;
      if (!parent->is_object()) {
        if (miss) *miss = not_object_message(last, *parent);
        return false;
      }
      result = impl::Evaluator::merge(chain_.steps[last], *parent);
    } else {
      std::vector<const Json*> found;
      std::deque<Json> owned;
      impl::Evaluator(root).run(chain_.steps, root, found, owned);
      result = Json::array();
      result.get_ref<Json::array_t&>().reserve(found.size());
      for (const Json* p : found) result.push_back(*p);
    }
    if (chain_.fn != Function::none) {
      Json value;
      if (!impl::apply_function(chain_.fn, result, value, miss)) return false;
      result = std::move(value);
    }
    out = std::move(result);
    return true;
  }

  /// Same as select, but consumes `root`: a definite path MOVES the node out (no deep copy) and
  /// leaves null in its place inside `root` (`$` moves the whole root). Other paths copy their
  /// matches (they may overlap, e.g. `$..*`).
  bool select(Json&& root, Json& out, std::string* miss = nullptr) const {
    if (!definite()) return select(static_cast<const Json&>(root), out, miss);
    Json* node = locate(root, chain_.steps.size(), miss);
    if (node == nullptr) return false;
    Json taken = std::move(*node);  // `out` may be `root` itself
    out = std::move(taken);
    return true;
  }

  /// ResultPath (spec §4.4): writes `value` at this path inside `root`, creating missing
  /// intermediate objects; "$" replaces root. False (root untouched) when it cannot apply: not an
  /// input-rooted definite path, a scalar/null/wrong container on the way, or an index out of range.
  bool assign(Json& root, Json value) const {
    if (root_ != Root::input || !definite()) return false;
    const auto& steps = chain_.steps;
    // Check first, so that a failed ResultPath leaves the document as it was.
    const Json* cur = &root;
    std::size_t i = 0;
    for (; i < steps.size(); ++i) {
      const impl::Step& s = steps[i];
      if (s.kind == impl::StepKind::name) {
        if (!cur->is_object()) return false;
        auto it = cur->find(s.name);
        if (it == cur->end()) break;
        cur = &*it;
      } else {
        if (!cur->is_array()) return false;
        const auto size = static_cast<std::int64_t>(cur->size());
        const std::int64_t idx = s.index < 0 ? s.index + size : s.index;
        if (idx < 0 || idx >= size) return false;
        cur = &(*cur)[static_cast<std::size_t>(idx)];
      }
    }
    if (i == steps.size()) {
      // The whole path exists (the common case: a ResultPath written before): replace in place.
      // `cur` was reached from the non-const `root`.
      replace(*const_cast<Json*>(cur), std::move(value));
      return true;
    }
    for (std::size_t k = i + 1; k < steps.size(); ++k)
      if (steps[k].kind != impl::StepKind::name) return false;  // cannot index into a created object
    Json* node = &root;
    for (const impl::Step& s : steps) {
      if (s.kind == impl::StepKind::name) {
        if (node->is_null()) *node = Json::object();  // a member created on the way
        auto it = node->find(s.name);
        node = it != node->end() ? &*it : &append_member(*node, s.name, Json());
      } else {
        const auto size = static_cast<std::int64_t>(node->size());
        node = &(*node)[static_cast<std::size_t>(s.index < 0 ? s.index + size : s.index)];
      }
    }
    replace(*node, std::move(value));  // frees the replaced value without nlohmann's scratch vector
    return true;
  }

 private:
  std::nullptr_t not_definite(std::string* miss) const {
    if (miss) *miss = "The path " + text_ + " is not a definite path";
    return nullptr;
  }

  /// Whether step i is the last token of the Jayway path (decides "No results" vs "Missing property").
  bool is_leaf(std::size_t i) const { return i + 1 == chain_.steps.size() && chain_.fn == impl::Function::none; }

  std::string not_object_message(std::size_t i, const Json& node) const {
    std::string fragment;
    impl::append_fragment(fragment, chain_.steps[i]);
    return "Expected to find an object with property " + fragment + " in path " + impl::eval_path(chain_, i) +
           " but found '" + impl::java_class(node) +
           "'. This is not a json object according to the JsonProvider: "
           "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.";
  }

  std::string miss_message(std::size_t i, const Json& node, bool member_missing) const {
    const impl::Step& s = chain_.steps[i];
    if (s.kind == impl::StepKind::name) {
      if (!member_missing) return not_object_message(i, node);
      if (is_leaf(i)) return "No results for path: " + normalized();
      return "Missing property in path " + impl::eval_path(chain_, i + 1);
    }
    if (node.is_null()) return "The path " + impl::eval_path(chain_, i) + " is null";
    if (!node.is_array())
      return "Filter: " + impl::chain_text(chain_, i, false) +
             " can only be applied to arrays. Current context is: " + impl::java_text(node);
    return "No results for path: " + normalized();  // index out of range
  }

  /// The node at the first `count` (plain) steps; the tight loop behind find().
  template <class J>
  J* locate(J& root, std::size_t count, std::string* miss) const {
    constexpr bool is_const = std::is_const_v<J>;
    using Object = std::conditional_t<is_const, const Json::object_t, Json::object_t>;
    using Array = std::conditional_t<is_const, const Json::array_t, Json::array_t>;
    J* cur = &root;
    const impl::Step* steps = chain_.steps.data();
    for (std::size_t i = 0; i < count; ++i) {
      const impl::Step& s = steps[i];
      if (s.kind == impl::StepKind::name) {
        Object* obj = cur->template get_ptr<Object*>();
        if (obj == nullptr) {
          if (miss) *miss = miss_message(i, *cur, false);
          return nullptr;
        }
        J* next = nullptr;
        const std::size_t len = s.name.size();
        const char* want = s.name.data();
        for (auto& kv : *obj) {
          if (impl::same_key(kv.first, want, len)) {
            next = &kv.second;
            break;
          }
        }
        if (next == nullptr) {
          if (miss) *miss = miss_message(i, *cur, true);
          return nullptr;
        }
        cur = next;
      } else {
        Array* arr = cur->template get_ptr<Array*>();
        const auto size = arr ? static_cast<std::int64_t>(arr->size()) : 0;
        const std::int64_t idx = s.index < 0 ? s.index + size : s.index;
        if (arr == nullptr || idx < 0 || idx >= size) {
          if (miss) *miss = miss_message(i, *cur, false);
          return nullptr;
        }
        cur = &(*arr)[static_cast<std::size_t>(idx)];
      }
    }
    return cur;
  }

  std::string text_ = "$";
  Root root_ = Root::input;
  std::string variable_;
  impl::Chain chain_;
  bool reserved_ = false;
};

}  // namespace asl::detail::jsonpath
