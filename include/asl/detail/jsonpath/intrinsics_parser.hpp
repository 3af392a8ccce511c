// Intrinsic function parser: `States.Xxx(...)` text to a call tree, checked against the function table.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/jsonpath/path.hpp"
#include "asl/detail/query/variable_source.hpp"
#include "asl/json.hpp"

namespace asl::detail::intrinsics {

/// A malformed intrinsic expression (found when the definition is loaded).
struct SyntaxError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What an expression reads: `$` paths read `input`, `$$` paths read `*context`.
struct Env {
  const Json& input;
  const Json* context;  // the $$ object; may be nullptr when !uses_context()
  const VariableSource* vars = nullptr;  // workflow variables (`$name` arguments)
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
  enum class Kind : std::uint8_t { literal, path, call };
  Kind kind = Kind::literal;
  Json value;                             // literal
  bool is_string_literal = false;         // value came from '...'
  std::vector<std::size_t> placeholders;  // string literal: offsets of unescaped "{}" in value
  std::string bad_escape;                 // string literal: first open escape, e.g. "\\n"
  std::optional<jsonpath::Path> path;     // path
  std::string text;                       // path: source text
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
    // Spec §5.4: "$" + identifier is a workflow variable, not a path on the input; it is
    // parsed as a path rooted at the variable.
    a.kind = Arg::Kind::path;
    try {
      a.path = jsonpath::Path::parse(a.text);
    } catch (const std::exception& e) {
      i_ = start;
      error("invalid path argument '" + a.text + "': " + e.what());
    }
    if (a.path->root() == jsonpath::Root::context) uses_context_ = true;
    a.function_tail = has_function_tail(*a.path);
    return a;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  bool uses_context_ = false;
};

}  // namespace impl

}  // namespace asl::detail::intrinsics
