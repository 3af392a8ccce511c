// The JSONata tokenizer: turns expression text into tokens with jsonata-js's positions and error codes.
// SPDX-License-Identifier: MIT
#pragma once

#include <charconv>
#include <cmath>
#include <system_error>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/number.hpp"
#include "asl/detail/jsonata/utf.hpp"

namespace asl::detail::jsonata {

enum class TokenType { End, Operator, String, Number, Name, Variable, Value, Regex };

/// One token. Positions count UTF-16 units (as JavaScript strings do) and point just past the
/// token, which is what jsonata-js reports in its errors.
struct Token {
  TokenType type = TokenType::End;
  std::string text;  // operator symbol, name, variable name (without `$`), string contents, regex pattern
  double number = 0;
  std::string flags;  // regex flags
  std::size_t position = 0;
};

/// Is `c` one of the characters that end a name (operators, plus `!` and `~`)?
inline bool is_operator_char(char16_t c) {
  switch (c) {
    case '.': case '[': case ']': case '{': case '}': case '(': case ')': case ',': case '@': case '#':
    case ';': case ':': case '?': case '+': case '-': case '*': case '/': case '%': case '|': case '=':
    case '<': case '>': case '^': case '&': case '!': case '~':
      return true;
    default:
      return false;
  }
}

class Lexer {
 public:
  explicit Lexer(std::u16string_view src) : src_(src) {}

  /// The next token; `infix` says the parser expects an operator, so `/` is division, not a regex.
  Token next(bool infix) {
    for (;;) {
      while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
      if (pos_ + 1 < src_.size() && src_[pos_] == '/' && src_[pos_ + 1] == '*') {
        std::size_t start = pos_;
        pos_ += 2;
        for (;;) {
          if (pos_ + 1 >= src_.size()) throw Error("S0106", start);
          if (src_[pos_] == '*' && src_[pos_ + 1] == '/') break;
          ++pos_;
        }
        pos_ += 2;
        continue;
      }
      break;
    }
    Token t;
    if (pos_ >= src_.size()) {
      t.type = TokenType::End;
      t.position = pos_;
      return t;
    }
    char16_t c = src_[pos_];
    if (!infix && c == '/') {
      ++pos_;
      return scan_regex();
    }
    static constexpr std::u16string_view two[] = {u"..", u":=", u"!=", u">=", u"<=", u"**", u"~>", u"?:", u"??"};
    for (auto op : two) {
      if (src_.substr(pos_, 2) == op) {
        pos_ += 2;
        return op_token(to_utf8(op));
      }
    }
    if (is_operator_char(c)) {
      ++pos_;
      return op_token(to_utf8(std::u16string_view(&c, 1)));
    }
    if (c == '"' || c == '\'') return scan_string(c);
    if (auto n = scan_number()) return *n;
    if (c == '`') {
      ++pos_;
      std::size_t end = src_.find('`', pos_);
      if (end == std::u16string_view::npos) {
        pos_ = src_.size();
        throw Error("S0105", pos_);
      }
      t.type = TokenType::Name;
      t.text = to_utf8(src_.substr(pos_, end - pos_));
      pos_ = end + 1;
      t.position = pos_;
      return t;
    }
    std::size_t i = pos_;
    while (i < src_.size() && !is_space(src_[i]) && !is_operator_char(src_[i])) ++i;
    std::u16string_view word = src_.substr(pos_, i - pos_);
    pos_ = i;
    t.position = pos_;
    if (!word.empty() && word[0] == '$') {
      t.type = TokenType::Variable;
      t.text = to_utf8(word.substr(1));
      return t;
    }
    t.text = to_utf8(word);
    if (t.text == "and" || t.text == "or" || t.text == "in") {
      t.type = TokenType::Operator;
    } else if (t.text == "true" || t.text == "false" || t.text == "null") {
      t.type = TokenType::Value;
    } else {
      t.type = TokenType::Name;
    }
    return t;
  }

  std::size_t position() const { return pos_; }
  /// Moves back to `pos` (the 2.0.6 syntax splits `?:` and `??` after the fact).
  void rewind(std::size_t pos) { pos_ = pos; }

 private:
  static bool is_space(char16_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'; }

  Token op_token(std::string op) {
    Token t;
    t.type = TokenType::Operator;
    t.text = std::move(op);
    t.position = pos_;
    return t;
  }

  Token scan_regex() {
    // jsonata-js finds the closing `/` by counting brackets, without understanding character
    // classes; we do the same so that the same expressions are accepted.
    std::size_t start = pos_;
    int depth = 0;
    while (pos_ < src_.size()) {
      char16_t c = src_[pos_];
      if (c == '/' && depth == 0) {
        std::size_t backslashes = 0;
        while (pos_ >= backslashes + 1 && src_[pos_ - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) {
          std::u16string_view pattern = src_.substr(start, pos_ - start);
          if (pattern.empty()) throw Error("S0301", pos_);
          ++pos_;
          std::size_t fstart = pos_;
          while (pos_ < src_.size() && (src_[pos_] == 'i' || src_[pos_] == 'm')) ++pos_;
          Token t;
          t.type = TokenType::Regex;
          t.text = to_utf8(pattern);
          t.flags = to_utf8(src_.substr(fstart, pos_ - fstart));
          t.position = pos_;
          return t;
        }
      }
      bool escaped = pos_ > 0 && src_[pos_ - 1] == '\\';
      if ((c == '(' || c == '[' || c == '{') && !escaped) ++depth;
      if ((c == ')' || c == ']' || c == '}') && !escaped) --depth;
      ++pos_;
    }
    throw Error("S0302", pos_);
  }

  Token scan_string(char16_t quote) {
    ++pos_;
    std::u16string out;
    while (pos_ < src_.size()) {
      char16_t c = src_[pos_];
      if (c == '\\') {
        ++pos_;
        c = pos_ < src_.size() ? src_[pos_] : u'\0';
        switch (c) {
          case '"': out += u'"'; break;
          case '\\': out += u'\\'; break;
          case '/': out += u'/'; break;
          case 'b': out += u'\b'; break;
          case 'f': out += u'\f'; break;
          case 'n': out += u'\n'; break;
          case 'r': out += u'\r'; break;
          case 't': out += u'\t'; break;
          case 'u': {
            std::u16string_view hex = src_.substr(pos_ + 1, 4);
            unsigned code = 0;
            bool ok = hex.size() == 4;
            for (char16_t h : hex) {
              int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
              if (d < 0) ok = false;
              code = code * 16 + static_cast<unsigned>(d < 0 ? 0 : d);
            }
            if (!ok) throw Error("S0104", pos_);
            out += static_cast<char16_t>(code);
            pos_ += 4;
            break;
          }
          default:
            throw Error("S0103", pos_).with_token(to_utf8(std::u16string_view(&c, c ? 1 : 0)));
        }
      } else if (c == quote) {
        ++pos_;
        Token t;
        t.type = TokenType::String;
        t.text = to_utf8(out);
        t.position = pos_;
        return t;
      } else {
        out += c;
      }
      ++pos_;
    }
    throw Error("S0101", pos_);
  }

  std::optional<Token> scan_number() {
    std::size_t i = pos_;
    auto digit = [&](std::size_t k) { return k < src_.size() && src_[k] >= '0' && src_[k] <= '9'; };
    if (i < src_.size() && src_[i] == '-') ++i;
    if (!digit(i)) return std::nullopt;
    if (src_[i] == '0') {
      ++i;
    } else {
      while (digit(i)) ++i;
    }
    if (i < src_.size() && src_[i] == '.' && digit(i + 1)) {
      ++i;
      while (digit(i)) ++i;
    }
    if (i < src_.size() && (src_[i] == 'e' || src_[i] == 'E')) {
      std::size_t k = i + 1;
      if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) ++k;
      if (digit(k)) {
        while (digit(k)) ++k;
        i = k;
      }
    }
    std::string text = to_utf8(src_.substr(pos_, i - pos_));
    double v = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), v).ec == std::errc::result_out_of_range) v = HUGE_VAL;
    if (!std::isfinite(v)) throw Error("S0102", pos_).with_token(text);
    pos_ = i;
    Token t;
    t.type = TokenType::Number;
    t.number = v;
    t.text = std::move(text);
    t.position = pos_;
    return t;
  }

  std::u16string_view src_;
  std::size_t pos_ = 0;
};

}  // namespace asl::detail::jsonata
