// JSONPath parser: path text to a Chain (names, brackets, slices, filter expressions, bare words, regex, JSON literals).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/jsonpath/path_model.hpp"
#include "asl/detail/jsonpath/path_text.hpp"
#include "asl/json.hpp"

namespace asl::detail::jsonpath {

namespace impl {

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

}  // namespace asl::detail::jsonpath
