// A JavaScript-compatible (non-unicode mode) regex engine: backtracking over UTF-16 code units, state on the heap.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/utf.hpp"

namespace asl::detail::jsonata {

/// Receives the work a regex match does, so that a catastrophic pattern counts against the
/// evaluation's budget (and can be stopped by it, with an exception).
class StepCounter {
 public:
  virtual void add_steps(std::size_t n) = 0;

 protected:
  ~StepCounter() = default;
};

/// One match: offsets in UTF-16 code units; an unset group has start == npos.
struct RegexMatch {
  std::size_t start = 0;
  std::size_t end = 0;
  std::vector<std::pair<std::size_t, std::size_t>> groups;
};

/// A compiled regex, as the JSONata functions see it: find the first match at or after `from`.
class Regex {
 public:
  virtual ~Regex() = default;
  virtual std::optional<RegexMatch> exec(std::u16string_view subject, std::size_t from, StepCounter& steps) const = 0;
  virtual std::size_t group_count() const = 0;
};

/// A regex engine a host may replace (e.g. with PCRE2). Flags are a subset of "im".
class RegexEngine {
 public:
  virtual ~RegexEngine() = default;
  virtual std::shared_ptr<const Regex> compile(std::u16string_view pattern, std::string_view flags) const = 0;
};

namespace regex_detail {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

/// Simple (one unit to one unit) upper-casing, the non-unicode Canonicalize of ECMA-262 for the
/// scripts that matter in practice: ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic.
inline char16_t to_upper(char16_t c) {
  if (c >= 'a' && c <= 'z') return static_cast<char16_t>(c - 32);
  if (c < 0x80) return c;
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return static_cast<char16_t>(c - 32);
  if (c == 0xFF) return 0x178;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
    bool odd_is_lower = (c < 0x138) || (c > 0x148 && c < 0x17F);
    if (c >= 0x139 && c <= 0x148) odd_is_lower = false;
    if (c >= 0x179 && c <= 0x17E) odd_is_lower = false;
    bool is_odd = (c & 1) != 0;
    if (is_odd == odd_is_lower) return static_cast<char16_t>(c - 1);
    return c;
  }
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return static_cast<char16_t>(c - 32);
  if (c == 0x3C2) return 0x3A3;
  if (c >= 0x430 && c <= 0x44F) return static_cast<char16_t>(c - 32);
  if (c >= 0x450 && c <= 0x45F) return static_cast<char16_t>(c - 80);
  return c;
}

inline char16_t to_lower(char16_t c) {
  if (c >= 'A' && c <= 'Z') return static_cast<char16_t>(c + 32);
  if (c < 0x80) return c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return static_cast<char16_t>(c + 32);
  if (c == 0x178) return 0xFF;
  if (c >= 0x100 && c <= 0x17F) {
    if (to_upper(static_cast<char16_t>(c + 1)) == c) return static_cast<char16_t>(c + 1);
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return static_cast<char16_t>(c + 32);
  if (c >= 0x410 && c <= 0x42F) return static_cast<char16_t>(c + 32);
  if (c >= 0x400 && c <= 0x40F) return static_cast<char16_t>(c + 80);
  return c;
}

inline bool is_line_terminator(char16_t c) { return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029; }
inline bool is_word(char16_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
inline bool is_js_space(char16_t c) {
  return (c >= 9 && c <= 13) || c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

struct Range {
  char16_t lo;
  char16_t hi;
};

/// A character class: ranges plus the class escapes it contains, possibly negated.
struct CharClass {
  std::vector<Range> ranges;
  bool digit = false, not_digit = false, word = false, not_word = false, space = false, not_space = false;
  bool negated = false;

  bool contains_raw(char16_t c) const {
    for (const auto& r : ranges) {
      if (c >= r.lo && c <= r.hi) return true;
    }
    bool d = c >= '0' && c <= '9';
    if ((digit && d) || (not_digit && !d)) return true;
    if ((word && is_word(c)) || (not_word && !is_word(c))) return true;
    if ((space && is_js_space(c)) || (not_space && !is_js_space(c))) return true;
    return false;
  }
  bool matches(char16_t c, bool icase) const {
    bool in = contains_raw(c) || (icase && (contains_raw(to_upper(c)) || contains_raw(to_lower(c))));
    return in != negated;
  }
};

enum class Op : std::uint8_t {
  Char, Any, Class, Split, Jmp, Save, Bol, Eol, WordB, NotWordB, Backref, Look, Match, Mark, Progress, EndAt
};

struct Inst {
  Op op = Op::Match;
  char16_t ch = 0;
  std::size_t x = 0;  // Split: first choice; Jmp target; Save slot; Class index; Backref group; Look: end of body; Mark/Progress register
  std::size_t y = 0;  // Split: second choice; Look: kind (0 ahead, 1 negative ahead, 2 behind, 3 negative behind)
};

// Pattern syntax tree (the pattern, not the data, is what we recurse over).
struct RNode {
  enum Kind { Empty, Char, Any, Class, Seq, Alt, Group, Repeat, Bol, Eol, WordB, NotWordB, Backref, Look } kind = Empty;
  char16_t ch = 0;
  std::size_t index = 0;  // class index, group number, look kind
  bool capture = false;
  std::size_t min = 0, max = 0;  // Repeat; max == npos for unbounded
  bool greedy = true;
  std::vector<RNode> kids;
  std::string name;  // a named backreference before resolution
};

class PatternParser {
 public:
  PatternParser(std::u16string_view p, std::vector<CharClass>& classes) : p_(p), classes_(classes) { prescan(); }

  RNode parse() {
    RNode r = disjunction();
    if (i_ < p_.size()) fail("Unmatched ')'");
    return r;
  }
  std::size_t groups() const { return ngroups_; }
  const std::vector<std::string>& group_names() const { return names_; }

 private:
  [[noreturn]] void fail(const std::string& why) { throw Error("S0303").with_message(why); }

  void prescan() {
    // Count capture groups first: `\1` is a backreference only when that many groups exist.
    bool in_class = false;
    for (std::size_t k = 0; k < p_.size(); ++k) {
      char16_t c = p_[k];
      if (c == '\\') {
        ++k;
      } else if (in_class) {
        if (c == ']') in_class = false;
      } else if (c == '[') {
        in_class = true;
      } else if (c == '(') {
        if (k + 1 < p_.size() && p_[k + 1] == '?') {
          if (k + 2 < p_.size() && p_[k + 2] == '<' && k + 3 < p_.size() && p_[k + 3] != '=' && p_[k + 3] != '!') {
            ++total_groups_;
            has_named_ = true;
          }
        } else {
          ++total_groups_;
        }
      }
    }
  }

  bool more() const { return i_ < p_.size(); }
  char16_t peek(std::size_t ahead = 0) const { return i_ + ahead < p_.size() ? p_[i_ + ahead] : u'\0'; }

  RNode disjunction() {
    if (++depth_ > 500) fail("pattern nested too deeply");
    RNode first = alternative();
    if (peek() != '|' || !more()) {
      --depth_;
      return first;
    }
    RNode alt;
    alt.kind = RNode::Alt;
    alt.kids.push_back(std::move(first));
    while (more() && peek() == '|') {
      ++i_;
      alt.kids.push_back(alternative());
    }
    --depth_;
    return alt;
  }

  RNode alternative() {
    RNode seq;
    seq.kind = RNode::Seq;
    while (more() && peek() != '|' && peek() != ')') seq.kids.push_back(term());
    return seq;
  }

  bool parse_braces(std::size_t& at, std::size_t& mn, std::size_t& mx) {
    // `{n}`, `{n,}`, `{n,m}`; anything else leaves `{` a literal (Annex B).
    std::size_t k = at + 1;
    auto number = [&](std::size_t& out) {
      std::size_t start = k;
      out = 0;
      while (k < p_.size() && p_[k] >= '0' && p_[k] <= '9') {
        out = out < 100000000 ? out * 10 + static_cast<std::size_t>(p_[k] - '0') : out;
        ++k;
      }
      return k > start;
    };
    if (!number(mn)) return false;
    mx = mn;
    if (k < p_.size() && p_[k] == ',') {
      ++k;
      if (!number(mx)) mx = npos;
    }
    if (k >= p_.size() || p_[k] != '}') return false;
    at = k + 1;
    return true;
  }

  RNode term() {
    char16_t c = peek();
    RNode atom;
    bool quantifiable = true;
    if (c == '^') {
      ++i_;
      atom.kind = RNode::Bol;
      quantifiable = false;
    } else if (c == '$') {
      ++i_;
      atom.kind = RNode::Eol;
      quantifiable = false;
    } else if (c == '\\' && (peek(1) == 'b' || peek(1) == 'B')) {
      atom.kind = peek(1) == 'b' ? RNode::WordB : RNode::NotWordB;
      i_ += 2;
      quantifiable = false;
    } else if (c == '(') {
      ++i_;
      if (peek() == '?') {
        char16_t k = peek(1);
        if (k == ':') {
          i_ += 2;
          atom.kind = RNode::Group;
          atom.kids.push_back(disjunction());
        } else if (k == '=' || k == '!') {
          i_ += 2;
          atom.kind = RNode::Look;
          atom.index = k == '=' ? 0 : 1;
          atom.kids.push_back(disjunction());
        } else if (k == '<' && (peek(2) == '=' || peek(2) == '!')) {
          atom.kind = RNode::Look;
          atom.index = peek(2) == '=' ? 2 : 3;
          i_ += 3;
          atom.kids.push_back(disjunction());
          quantifiable = false;
        } else if (k == '<') {
          i_ += 2;
          std::string name;
          while (more() && peek() != '>') utf8_append(name, p_[i_++]);
          if (!more()) fail("Invalid capture group name");
          ++i_;
          atom.kind = RNode::Group;
          atom.capture = true;
          atom.index = ++ngroups_;
          names_.resize(ngroups_ + 1);
          names_[ngroups_] = name;
          atom.kids.push_back(disjunction());
        } else {
          fail("Invalid group");
        }
      } else {
        atom.kind = RNode::Group;
        atom.capture = true;
        atom.index = ++ngroups_;
        names_.resize(ngroups_ + 1);
        atom.kids.push_back(disjunction());
      }
      if (peek() != ')' || !more()) fail("Unterminated group");
      ++i_;
    } else if (c == '.') {
      ++i_;
      atom.kind = RNode::Any;
    } else if (c == '[') {
      ++i_;
      atom.kind = RNode::Class;
      atom.index = parse_class();
    } else if (c == '\\') {
      ++i_;
      atom = atom_escape();
    } else if (c == '*' || c == '+' || c == '?') {
      fail("Nothing to repeat");
    } else if (c == '{') {
      std::size_t at = i_;
      std::size_t mn = 0, mx = 0;
      if (parse_braces(at, mn, mx)) fail("Nothing to repeat");
      ++i_;
      atom.kind = RNode::Char;
      atom.ch = c;
    } else {
      ++i_;
      atom.kind = RNode::Char;
      atom.ch = c;
    }
    if (!more()) return atom;
    std::size_t mn = 0, mx = 0;
    char16_t q = peek();
    bool have = false;
    if (q == '*') {
      mn = 0, mx = npos, have = true, ++i_;
    } else if (q == '+') {
      mn = 1, mx = npos, have = true, ++i_;
    } else if (q == '?') {
      mn = 0, mx = 1, have = true, ++i_;
    } else if (q == '{') {
      std::size_t at = i_;
      if (parse_braces(at, mn, mx)) {
        have = true;
        i_ = at;
        if (mx < mn) fail("numbers out of order in {} quantifier");
      }
    }
    if (!have) return atom;
    if (!quantifiable) fail("Nothing to repeat");
    RNode rep;
    rep.kind = RNode::Repeat;
    rep.min = mn;
    rep.max = mx;
    if (more() && peek() == '?') {
      rep.greedy = false;
      ++i_;
    }
    rep.kids.push_back(std::move(atom));
    return rep;
  }

  static int hex(char16_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  /// The character of an escape that denotes one character; sets `cls` for \d \w \s and friends.
  char16_t char_escape(bool in_class, int& cls) {
    cls = 0;
    char16_t c = p_[i_++];
    switch (c) {
      case 'd': cls = 1; return 0;
      case 'D': cls = 2; return 0;
      case 'w': cls = 3; return 0;
      case 'W': cls = 4; return 0;
      case 's': cls = 5; return 0;
      case 'S': cls = 6; return 0;
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'v': return '\v';
      case 'b': return in_class ? u'\b' : u'b';
      case 'c': {
        char16_t l = peek();
        if ((l >= 'a' && l <= 'z') || (l >= 'A' && l <= 'Z') || (in_class && ((l >= '0' && l <= '9') || l == '_'))) {
          ++i_;
          return static_cast<char16_t>(l % 32);
        }
        --i_;  // `\c` not followed by a letter is a literal backslash (Annex B)
        return '\\';
      }
      case 'x': {
        int a = hex(peek()), b = hex(peek(1));
        if (a >= 0 && b >= 0) {
          i_ += 2;
          return static_cast<char16_t>(a * 16 + b);
        }
        return 'x';
      }
      case 'u': {
        int v = 0;
        for (std::size_t k = 0; k < 4; ++k) {
          int h = hex(peek(k));
          if (h < 0) return 'u';
          v = v * 16 + h;
        }
        i_ += 4;
        return static_cast<char16_t>(v);
      }
      default:
        if (c >= '0' && c <= '7') {
          // Legacy octal escape (up to \377).
          int v = c - '0';
          if (peek() >= '0' && peek() <= '7') {
            v = v * 8 + (p_[i_++] - '0');
            if (c <= '3' && peek() >= '0' && peek() <= '7') v = v * 8 + (p_[i_++] - '0');
          }
          return static_cast<char16_t>(v);
        }
        return c;  // identity escape
    }
  }

  RNode atom_escape() {
    RNode n;
    if (!more()) fail("\\ at end of pattern");
    char16_t c = peek();
    if (c >= '1' && c <= '9') {
      std::size_t k = i_;
      std::size_t v = 0;
      while (k < p_.size() && p_[k] >= '0' && p_[k] <= '9') v = v * 10 + static_cast<std::size_t>(p_[k++] - '0');
      if (v <= total_groups_) {
        i_ = k;
        n.kind = RNode::Backref;
        n.index = v;
        return n;
      }
      if (c >= '8') {
        ++i_;
        n.kind = RNode::Char;
        n.ch = c;
        return n;
      }
    }
    if (c == 'k' && has_named_ && peek(1) == '<') {
      i_ += 2;
      std::string name;
      while (more() && peek() != '>') utf8_append(name, p_[i_++]);
      if (!more()) fail("Invalid named reference");
      ++i_;
      n.kind = RNode::Backref;
      n.name = name;
      return n;
    }
    int cls = 0;
    char16_t ch = char_escape(false, cls);
    if (cls) {
      CharClass cc;
      set_class_escape(cc, cls);
      classes_.push_back(std::move(cc));
      n.kind = RNode::Class;
      n.index = classes_.size() - 1;
      return n;
    }
    n.kind = RNode::Char;
    n.ch = ch;
    return n;
  }

  static void set_class_escape(CharClass& cc, int cls) {
    switch (cls) {
      case 1: cc.digit = true; break;
      case 2: cc.not_digit = true; break;
      case 3: cc.word = true; break;
      case 4: cc.not_word = true; break;
      case 5: cc.space = true; break;
      case 6: cc.not_space = true; break;
      default: break;
    }
  }

  std::size_t parse_class() {
    CharClass cc;
    if (peek() == '^') {
      cc.negated = true;
      ++i_;
    }
    // One class atom: a character (returns true) or a class escape (returns false).
    auto class_atom = [&](char16_t& out) -> bool {
      char16_t c = p_[i_++];
      if (c != '\\') {
        out = c;
        return true;
      }
      if (!more()) fail("\\ at end of pattern");
      int cls = 0;
      char16_t e = char_escape(true, cls);
      if (cls) {
        set_class_escape(cc, cls);
        return false;
      }
      out = e;
      return true;
    };
    while (true) {
      if (!more()) fail("Unterminated character class");
      if (peek() == ']') {
        ++i_;
        break;
      }
      char16_t a = 0;
      bool is_char = class_atom(a);
      if (more() && peek() == '-' && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        ++i_;
        char16_t b = 0;
        bool b_char = class_atom(b);
        if (is_char && b_char) {
          if (b < a) fail("Range out of order in character class");
          cc.ranges.push_back({a, b});
        } else {
          // Annex B: a range with a class escape at either end is the parts plus '-'.
          if (is_char) cc.ranges.push_back({a, a});
          if (b_char) cc.ranges.push_back({b, b});
          cc.ranges.push_back({u'-', u'-'});
        }
      } else if (is_char) {
        cc.ranges.push_back({a, a});
      }
    }
    classes_.push_back(std::move(cc));
    return classes_.size() - 1;
  }

  std::u16string_view p_;
  std::vector<CharClass>& classes_;
  std::size_t i_ = 0;
  std::size_t ngroups_ = 0;
  std::size_t total_groups_ = 0;
  bool has_named_ = false;
  std::vector<std::string> names_;
  int depth_ = 0;
};

}  // namespace regex_detail

/// The built-in engine's compiled form: a program for a backtracking machine whose choice points
/// live in a vector, not on the C++ stack.
class BacktrackRegex final : public Regex {
 public:
  BacktrackRegex(std::u16string_view pattern, std::string_view flags) {
    using namespace regex_detail;
    for (char f : flags) {
      if (f == 'i') icase_ = true;
      if (f == 'm') multiline_ = true;
    }
    PatternParser parser(pattern, classes_);
    RNode root = parser.parse();
    groups_ = parser.groups();
    names_ = parser.group_names();
    resolve_names(root);
    emit(Op::Save, 0, 0);
    compile(root);
    emit(Op::Save, 1, 0);
    emit(Op::Match, 0, 0);
    first_char_ = prog_.size() > 1 && prog_[1].op == Op::Char;
  }

  std::size_t group_count() const override { return groups_; }

  std::optional<RegexMatch> exec(std::u16string_view s, std::size_t from, StepCounter& steps) const override {
    std::vector<std::size_t> caps((groups_ + 1) * 2, regex_detail::npos);
    std::vector<std::size_t> regs(registers_, regex_detail::npos);
    // One backtracking stack for every start position (and the lookarounds inside them): each
    // run() leaves it as it found it, so its capacity is allocated once per call, not per start.
    std::vector<Entry> stack;
    std::size_t pending = 0;
    for (std::size_t start = from; start <= s.size(); ++start) {
      // A match at `start` begins with the pattern's first instruction after Save 0: when that is
      // a literal character, the positions where it cannot match need no run at all.
      if (first_char_ && (start == s.size() || !eq(s[start], prog_[1].ch))) continue;
      std::fill(caps.begin(), caps.end(), regex_detail::npos);
      if (run(0, prog_.size(), s, start, caps, regs, steps, pending, regex_detail::npos, stack)) {
        steps.add_steps(pending);
        RegexMatch m;
        m.start = caps[0];
        m.end = caps[1];
        for (std::size_t g = 1; g <= groups_; ++g) m.groups.emplace_back(caps[2 * g], caps[2 * g + 1]);
        return m;
      }
    }
    steps.add_steps(pending);
    return std::nullopt;
  }

 private:
  using Op = regex_detail::Op;
  using Inst = regex_detail::Inst;
  using RNode = regex_detail::RNode;

  std::size_t emit(Op op, std::size_t x, std::size_t y, char16_t ch = 0) {
    prog_.push_back(Inst{op, ch, x, y});
    if (prog_.size() > 200000) throw Error("S0303").with_message("regular expression too large");
    return prog_.size() - 1;
  }

  void resolve_names(RNode& n) {
    if (n.kind == RNode::Backref && !n.name.empty()) {
      for (std::size_t g = 1; g < names_.size(); ++g) {
        if (names_[g] == n.name) n.index = g;
      }
      if (n.index == 0) throw Error("S0303").with_message("Invalid named capture referenced");
    }
    for (auto& k : n.kids) resolve_names(k);
  }

  void compile(const RNode& n) {
    switch (n.kind) {
      case RNode::Empty: break;
      case RNode::Char: emit(Op::Char, 0, 0, n.ch); break;
      case RNode::Any: emit(Op::Any, 0, 0); break;
      case RNode::Class: emit(Op::Class, n.index, 0); break;
      case RNode::Bol: emit(Op::Bol, 0, 0); break;
      case RNode::Eol: emit(Op::Eol, 0, 0); break;
      case RNode::WordB: emit(Op::WordB, 0, 0); break;
      case RNode::NotWordB: emit(Op::NotWordB, 0, 0); break;
      case RNode::Backref: emit(Op::Backref, n.index, 0); break;
      case RNode::Seq:
        for (const auto& k : n.kids) compile(k);
        break;
      case RNode::Group:
        if (n.capture) emit(Op::Save, 2 * n.index, 0);
        compile(n.kids[0]);
        if (n.capture) emit(Op::Save, 2 * n.index + 1, 0);
        break;
      case RNode::Alt: {
        std::vector<std::size_t> jumps;
        for (std::size_t k = 0; k < n.kids.size(); ++k) {
          if (k + 1 < n.kids.size()) {
            std::size_t split = emit(Op::Split, 0, 0);
            prog_[split].x = prog_.size();
            compile(n.kids[k]);
            jumps.push_back(emit(Op::Jmp, 0, 0));
            prog_[split].y = prog_.size();
          } else {
            compile(n.kids[k]);
          }
        }
        for (std::size_t j : jumps) prog_[j].x = prog_.size();
        break;
      }
      case RNode::Look: {
        std::size_t look = emit(Op::Look, 0, n.index);
        if (n.index >= 2) {
          compile(n.kids[0]);
          emit(Op::EndAt, 0, 0);
        } else {
          compile(n.kids[0]);
        }
        emit(Op::Match, 0, 0);
        prog_[look].x = prog_.size();
        break;
      }
      case RNode::Repeat: compile_repeat(n); break;
    }
  }

  void clear_groups(const RNode& n) {
    // ECMA-262 resets the captures inside a quantified atom at each iteration.
    if (n.kind == RNode::Group && n.capture) {
      emit(Op::Save, 2 * n.index, 1);
      emit(Op::Save, 2 * n.index + 1, 1);
    }
    for (const auto& k : n.kids) clear_groups(k);
  }

  void compile_repeat(const RNode& n) {
    const RNode& body = n.kids[0];
    std::size_t copies = n.min;
    if (copies > 1000 || (n.max != regex_detail::npos && n.max > 1000)) {
      throw Error("S0303").with_message("quantifier too large");
    }
    for (std::size_t k = 0; k < copies; ++k) {
      clear_groups(body);
      compile(body);
    }
    if (n.max == regex_detail::npos) {
      // loop: split body, out; body must consume something (an empty iteration fails).
      std::size_t reg = registers_++;
      std::size_t loop = emit(Op::Split, 0, 0);
      std::size_t body_start = prog_.size();
      emit(Op::Mark, reg, 0);
      clear_groups(body);
      compile(body);
      emit(Op::Progress, reg, 0);
      emit(Op::Jmp, loop, 0);
      std::size_t out = prog_.size();
      prog_[loop].x = n.greedy ? body_start : out;
      prog_[loop].y = n.greedy ? out : body_start;
    } else {
      std::vector<std::size_t> splits;
      for (std::size_t k = copies; k < n.max; ++k) {
        std::size_t reg = registers_++;
        std::size_t split = emit(Op::Split, 0, 0);
        splits.push_back(split);
        prog_[split].x = prog_.size();
        emit(Op::Mark, reg, 0);
        clear_groups(body);
        compile(body);
        emit(Op::Progress, reg, 0);
      }
      std::size_t out = prog_.size();
      for (std::size_t sp : splits) {
        std::size_t body_start = prog_[sp].x;
        prog_[sp].x = n.greedy ? body_start : out;
        prog_[sp].y = n.greedy ? out : body_start;
      }
    }
  }

  bool eq(char16_t a, char16_t b) const {
    if (a == b) return true;
    return icase_ && regex_detail::to_upper(a) == regex_detail::to_upper(b);
  }

  // A choice point, or an undo record for a capture slot / loop register.
  struct Entry {
    enum Kind : unsigned char { Choice, RestoreCap, RestoreReg } kind;
    std::size_t pc;
    std::size_t pos;  // Choice: position; Restore: old value
  };

  // Runs from `pc0` at `pos0` on the part of `stack` above its current size (a lookaround's run
  // shares its caller's stack); on return the stack has its size from before the call.
  bool run(std::size_t pc0, std::size_t /*end*/, std::u16string_view s, std::size_t pos0, std::vector<std::size_t>& caps,
           std::vector<std::size_t>& regs, StepCounter& steps, std::size_t& pending, std::size_t end_at,
           std::vector<Entry>& stack) const {
    using namespace regex_detail;
    const std::size_t base = stack.size();
    stack.push_back({Entry::Choice, pc0, pos0});
    while (stack.size() > base) {
      Entry e = stack.back();
      stack.pop_back();
      if (e.kind == Entry::RestoreCap) {
        caps[e.pc] = e.pos;
        continue;
      }
      if (e.kind == Entry::RestoreReg) {
        regs[e.pc] = e.pos;
        continue;
      }
      std::size_t pc = e.pc;
      std::size_t pos = e.pos;
      for (;;) {
        if (++pending >= 4096) {
          steps.add_steps(pending);
          pending = 0;
        }
        const Inst& in = prog_[pc];
        bool ok = true;
        switch (in.op) {
          case Op::Char:
            ok = pos < s.size() && eq(s[pos], in.ch);
            if (ok) ++pos, ++pc;
            break;
          case Op::Any:
            ok = pos < s.size() && !is_line_terminator(s[pos]);
            if (ok) ++pos, ++pc;
            break;
          case Op::Class:
            ok = pos < s.size() && classes_[in.x].matches(s[pos], icase_);
            if (ok) ++pos, ++pc;
            break;
          case Op::Split:
            stack.push_back({Entry::Choice, in.y, pos});
            pc = in.x;
            break;
          case Op::Jmp: pc = in.x; break;
          case Op::Save:
            stack.push_back({Entry::RestoreCap, in.x, caps[in.x]});
            caps[in.x] = in.y == 1 ? npos : pos;
            ++pc;
            break;
          case Op::Mark:
            stack.push_back({Entry::RestoreReg, in.x, regs[in.x]});
            regs[in.x] = pos;
            ++pc;
            break;
          case Op::Progress:
            ok = regs[in.x] != pos;
            ++pc;
            break;
          case Op::Bol:
            ok = pos == 0 || (multiline_ && is_line_terminator(s[pos - 1]));
            ++pc;
            break;
          case Op::Eol:
            ok = pos == s.size() || (multiline_ && is_line_terminator(s[pos]));
            ++pc;
            break;
          case Op::WordB:
          case Op::NotWordB: {
            bool a = pos > 0 && is_word(s[pos - 1]);
            bool b = pos < s.size() && is_word(s[pos]);
            ok = (a != b) == (in.op == Op::WordB);
            ++pc;
            break;
          }
          case Op::Backref: {
            std::size_t st = caps[2 * in.x], en = caps[2 * in.x + 1];
            if (st != npos && en != npos) {
              std::size_t len = en - st;
              if (pos + len > s.size()) {
                ok = false;
              } else {
                for (std::size_t k = 0; k < len && ok; ++k) ok = eq(s[st + k], s[pos + k]);
                if (ok) pos += len;
              }
            }
            ++pc;
            break;
          }
          case Op::Look: {
            std::size_t kind = in.y;
            std::vector<std::size_t> sub = caps;
            bool found = false;
            if (kind < 2) {
              found = run(pc + 1, in.x, s, pos, sub, regs, steps, pending, npos, stack);
            } else {
              for (std::size_t st = pos + 1; st-- > 0 && !found;) {
                sub = caps;
                found = run(pc + 1, in.x, s, st, sub, regs, steps, pending, pos, stack);
              }
            }
            bool negative = kind == 1 || kind == 3;
            ok = found != negative;
            if (ok && !negative) {
              for (std::size_t k = 0; k < caps.size(); ++k) {
                if (caps[k] != sub[k]) {
                  stack.push_back({Entry::RestoreCap, k, caps[k]});
                  caps[k] = sub[k];
                }
              }
            }
            pc = in.x;
            break;
          }
          case Op::EndAt:
            ok = pos == end_at;
            ++pc;
            break;
          case Op::Match:
            stack.resize(base);
            return true;
        }
        if (!ok) break;
      }
    }
    return false;
  }

  std::vector<Inst> prog_;
  std::vector<regex_detail::CharClass> classes_;
  std::vector<std::string> names_;
  std::size_t groups_ = 0;
  std::size_t registers_ = 0;
  bool icase_ = false;
  bool multiline_ = false;
  bool first_char_ = false;  // prog_[1] is a Char: a match must start with it
};

class BacktrackRegexEngine final : public RegexEngine {
 public:
  std::shared_ptr<const Regex> compile(std::u16string_view pattern, std::string_view flags) const override {
    return std::make_shared<BacktrackRegex>(pattern, flags);
  }
};

inline const RegexEngine& default_regex_engine() {
  static const BacktrackRegexEngine engine;
  return engine;
}

/// Compiles a regex literal of an expression; syntax errors are reported at the literal.
inline std::shared_ptr<const Regex> compile_regex(std::u16string_view pattern, std::string_view flags, std::size_t position,
                                                  const RegexEngine* engine = nullptr) {
  try {
    return (engine ? *engine : default_regex_engine()).compile(pattern, flags);
  } catch (Error& e) {
    e.set_position(position);
    throw;
  }
}

}  // namespace asl::detail::jsonata
