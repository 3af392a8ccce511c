// Choice rules in JSONPath mode (spec §7.2, §7.3): compiled once to a flat node table, evaluated without allocation.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/json/pointer.hpp"
#include "asl/detail/jsonpath/path.hpp"
#include "asl/detail/query/variable_source.hpp"
#include "asl/detail/base/timestamp.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"

namespace asl::detail::choice {

// Behaviour decided here (spec §7.3, §4.6, §16.18):
// - A value of the wrong type makes a comparison false, never an error; Timestamp* needs both sides
//   to parse as RFC 3339 timestamps (timestamp::parse_instant), else false.
// - A Variable that matches nothing fails with States.Runtime for every operator but IsPresent; so
//   does a ...Path operand that matches nothing (the Variable is checked first). AWS's cause, as seen
//   in execution histories: "Invalid path '<path>': The choice state's condition path references an
//   invalid value." (the interpreter adds its "An error occurred while executing the state ..." prefix).
// - An indefinite path (wildcard, filter, slice, union, `..`) selects an array of its matches, as
//   Jayway does: present (even when empty), and of array type for every other test.
// - A StringMatches pattern with an open escape (a `\` not followed by `*` or `\`) compiles, and
//   fails with States.Runtime when matched against a string: the spec makes it a runtime error and
//   AWS is not known to reject it in a definition.
// - A workflow variable (`$name...`) that no state assigned matches nothing, as a missing path.

/// One problem found while compiling a Choice Rule. `pointer` is a JSON Pointer relative to the
/// rule object given to Rule::compile ("" = the rule itself, "/And/1/NumericEquals" = a field of a
/// nested rule); the caller prefixes it with the rule's own location (e.g. "/States/X/Choices/0").
struct RuleError {
  std::string pointer;
  std::string message;
};

namespace impl {

enum class Kind : std::uint8_t {
  invalid,  // a rule that failed to compile: evaluates to false
  and_,
  or_,
  not_,
  string_cmp,
  string_matches,
  numeric_cmp,
  boolean_eq,
  timestamp_cmp,
  is_null,
  is_present,
  is_numeric,
  is_string,
  is_boolean,
  is_timestamp,
};

enum class Cmp : std::uint8_t { eq, lt, gt, le, ge };

/// What a comparison operator field means: its kind, its relation, and whether its operand is a
/// path (the `...Path` variants, spec §7.3) rather than a literal.
struct OperatorInfo {
  std::string_view name;
  Kind kind;
  Cmp cmp;
  bool path;
};

inline constexpr OperatorInfo operators[] = {
    {"StringEquals", Kind::string_cmp, Cmp::eq, false},
    {"StringEqualsPath", Kind::string_cmp, Cmp::eq, true},
    {"StringLessThan", Kind::string_cmp, Cmp::lt, false},
    {"StringLessThanPath", Kind::string_cmp, Cmp::lt, true},
    {"StringGreaterThan", Kind::string_cmp, Cmp::gt, false},
    {"StringGreaterThanPath", Kind::string_cmp, Cmp::gt, true},
    {"StringLessThanEquals", Kind::string_cmp, Cmp::le, false},
    {"StringLessThanEqualsPath", Kind::string_cmp, Cmp::le, true},
    {"StringGreaterThanEquals", Kind::string_cmp, Cmp::ge, false},
    {"StringGreaterThanEqualsPath", Kind::string_cmp, Cmp::ge, true},
    {"StringMatches", Kind::string_matches, Cmp::eq, false},
    {"NumericEquals", Kind::numeric_cmp, Cmp::eq, false},
    {"NumericEqualsPath", Kind::numeric_cmp, Cmp::eq, true},
    {"NumericLessThan", Kind::numeric_cmp, Cmp::lt, false},
    {"NumericLessThanPath", Kind::numeric_cmp, Cmp::lt, true},
    {"NumericGreaterThan", Kind::numeric_cmp, Cmp::gt, false},
    {"NumericGreaterThanPath", Kind::numeric_cmp, Cmp::gt, true},
    {"NumericLessThanEquals", Kind::numeric_cmp, Cmp::le, false},
    {"NumericLessThanEqualsPath", Kind::numeric_cmp, Cmp::le, true},
    {"NumericGreaterThanEquals", Kind::numeric_cmp, Cmp::ge, false},
    {"NumericGreaterThanEqualsPath", Kind::numeric_cmp, Cmp::ge, true},
    {"BooleanEquals", Kind::boolean_eq, Cmp::eq, false},
    {"BooleanEqualsPath", Kind::boolean_eq, Cmp::eq, true},
    {"TimestampEquals", Kind::timestamp_cmp, Cmp::eq, false},
    {"TimestampEqualsPath", Kind::timestamp_cmp, Cmp::eq, true},
    {"TimestampLessThan", Kind::timestamp_cmp, Cmp::lt, false},
    {"TimestampLessThanPath", Kind::timestamp_cmp, Cmp::lt, true},
    {"TimestampGreaterThan", Kind::timestamp_cmp, Cmp::gt, false},
    {"TimestampGreaterThanPath", Kind::timestamp_cmp, Cmp::gt, true},
    {"TimestampLessThanEquals", Kind::timestamp_cmp, Cmp::le, false},
    {"TimestampLessThanEqualsPath", Kind::timestamp_cmp, Cmp::le, true},
    {"TimestampGreaterThanEquals", Kind::timestamp_cmp, Cmp::ge, false},
    {"TimestampGreaterThanEqualsPath", Kind::timestamp_cmp, Cmp::ge, true},
    {"IsNull", Kind::is_null, Cmp::eq, false},
    {"IsPresent", Kind::is_present, Cmp::eq, false},
    {"IsNumeric", Kind::is_numeric, Cmp::eq, false},
    {"IsString", Kind::is_string, Cmp::eq, false},
    {"IsBoolean", Kind::is_boolean, Cmp::eq, false},
    {"IsTimestamp", Kind::is_timestamp, Cmp::eq, false},
};

inline const OperatorInfo* find_operator(std::string_view name) {
  for (const auto& op : operators) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

template <class T>
inline bool holds(Cmp cmp, const T& a, const T& b) {
  switch (cmp) {
    case Cmp::eq: return a == b;
    case Cmp::lt: return a < b;
    case Cmp::gt: return b < a;
    case Cmp::le: return !(b < a);
    case Cmp::ge: return !(a < b);
  }
  return false;
}

/// Three-way comparison in UTF-16 code-unit order, as Java's String.compareTo (AWS runs Java;
/// spec §7.3) on UTF-8 input. Bytewise UTF-8 order is code-point order, which agrees with UTF-16
/// order except between supplementary characters (4-byte sequences, UTF-16 surrogates
/// D800-DBFF) and U+E000..U+FFFF (3-byte sequences led by 0xEE/0xEF): there Java puts the
/// supplementary character first. Only the first differing code point decides.
inline int compare_utf16(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  if (i == n) return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  const auto ca = static_cast<unsigned char>(a[i]);
  const auto cb = static_cast<unsigned char>(b[i]);
  // A difference in a continuation byte means both share the lead byte: same sequence length,
  // where byte order is right. Only differing lead bytes can straddle the two ranges.
  const bool lead_a = (ca & 0xC0) != 0x80;
  const bool lead_b = (cb & 0xC0) != 0x80;
  if (lead_a && lead_b) {
    const bool supp_a = ca >= 0xF0;
    const bool supp_b = cb >= 0xF0;
    const bool high_bmp_a = ca == 0xEE || ca == 0xEF;
    const bool high_bmp_b = cb == 0xEE || cb == 0xEF;
    if (supp_a && high_bmp_b) return -1;
    if (supp_b && high_bmp_a) return 1;
  }
  return ca < cb ? -1 : 1;
}

/// The double value of a JSON number (spec §2.4: numbers compare as IEEE-754 doubles). Inline,
/// unlike nlohmann's get<double>(), since it sits on the hot path of every Numeric* rule.
/// (Switches on type(): get_ptr<number_integer_t*> would also accept unsigned values.)
inline double as_double(const Json& j) {
  switch (j.type()) {
    case Json::value_t::number_float:
      return *j.get_ptr<const Json::number_float_t*>();
    case Json::value_t::number_unsigned:
      return static_cast<double>(*j.get_ptr<const Json::number_unsigned_t*>());
    default:
      return static_cast<double>(*j.get_ptr<const Json::number_integer_t*>());
  }
}

/// A StringMatches pattern split at its unescaped `*`s: `segments.size() == stars + 1`, each
/// segment a literal with `\*` and `\\` already resolved (spec §7.3).
struct Pattern {
  std::vector<std::string> segments;
  bool open_escape = false;  // a `\` not followed by `*` or `\`
};

inline Pattern compile_pattern(std::string_view text) {
  Pattern p;
  p.segments.emplace_back();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      if (i + 1 < text.size() && (text[i + 1] == '*' || text[i + 1] == '\\')) {
        p.segments.back() += text[++i];
      } else {
        p.open_escape = true;
        p.segments.back() += c;
      }
    } else if (c == '*') {
      p.segments.emplace_back();
    } else {
      p.segments.back() += c;
    }
  }
  return p;
}

/// `*` matches any run of characters. With `*` as the only wildcard, anchoring the first and last
/// segments and then taking each middle segment at its leftmost place is exact (no backtracking).
/// Works on UTF-8 bytes: a valid UTF-8 literal can only match at character boundaries.
inline bool glob_match(const std::vector<std::string>& segments, std::string_view value) {
  if (segments.size() == 1) return value == segments.front();
  const std::string& first = segments.front();
  const std::string& last = segments.back();
  if (value.size() < first.size() + last.size()) return false;
  if (value.compare(0, first.size(), first) != 0) return false;
  if (value.compare(value.size() - last.size(), last.size(), last) != 0) return false;
  std::size_t pos = first.size();
  const std::size_t end = value.size() - last.size();
  for (std::size_t k = 1; k + 1 < segments.size(); ++k) {
    const std::string& seg = segments[k];
    if (seg.empty()) continue;
    const std::size_t found = value.substr(0, end).find(seg, pos);
    if (found == std::string_view::npos) return false;
    pos = found + seg.size();
  }
  return true;
}


/// "A", "A and B", "A, B and C".
inline std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace impl

/// One compiled Choice Rule (a top-level rule of a JSONPath Choice state, with its nested
/// And/Or/Not rules). Immutable after compile; evaluate() is const and thread-safe.
class Rule {
 public:
  Rule() = default;

  /// Compiles one Choice Rule object. Problems are appended to `problems` (never thrown). A rule
  /// with problems still compiles, but its broken parts evaluate to false; check valid().
  /// `Next` and `Assign` of the top-level rule are left to the interpreter (not checked here,
  /// except that they are rejected inside nested rules, spec §7.2).
  static Rule compile(const Json& rule, std::vector<RuleError>* problems = nullptr);

  /// True when compile reported no problem.
  bool valid() const { return valid_; }

  /// True when any Variable or ...Path operand is a `$$` context path: the caller must then pass
  /// the context object to evaluate().
  bool uses_context() const { return uses_context_; }

  /// Evaluates against the Choice state's effective input (after InputPath) and the context
  /// object (`$$`, may be nullptr when !uses_context(); a `$$` path then counts as missing).
  /// Errors (always `States.Runtime`; the interpreter prefixes the cause with
  /// "An error occurred while executing the state '<S>' (entered at the event id #<n>). "):
  /// - the Variable of any operator but IsPresent matches nothing, or a ...Path operand matches
  ///   nothing: "Invalid path '<path>': The choice state's condition path references an invalid value."
  ///   (AWS's wording, seen in real execution histories);
  /// - a StringMatches pattern with an open escape meets a string value (spec §7.3).
  /// A value of the wrong type is not an error: the comparison is false (spec §7.3).
  Result<bool> evaluate(const Json& input, const Json* context, const VariableSource* vars = nullptr) const;

 private:
  struct CompiledPath {
    jsonpath::Path path;
    bool definite;
    bool context;
    bool variable = false;
  };

  struct Node {
    impl::Kind kind = impl::Kind::invalid;
    impl::Cmp cmp = impl::Cmp::eq;
    bool flag = false;          // Is* operand, BooleanEquals literal
    std::int32_t variable = -1;  // index into paths_
    std::int32_t operand = -1;   // ...Path operand: index into paths_
    std::uint32_t first = 0;     // And/Or/Not: children_[first, first + count)
    std::uint32_t count = 0;
    double number = 0;                      // Numeric* literal
    timestamp::Instant instant{};           // Timestamp* literal, parsed once
    std::string text;                       // String* literal; StringMatches pattern as written
    std::vector<std::string> segments;      // StringMatches pattern split at `*`
    bool open_escape = false;               // StringMatches pattern has a `\` not before `*`/`\`
  };

  struct Compiler;

  // 1 = true, 0 = false, -1 = error written to `err`.
  int eval(std::uint32_t index, const Json& input, const Json* context, const VariableSource* vars, Error& err) const;
  // A comparison leaf whose paths have been resolved (nullptr = matched nothing).
  int leaf(const Node& node, const Json* value, const Json* operand, Error& err) const;
  // The rare leaf with an indefinite path: owns the arrays of matches it selects.
  int eval_indefinite(const Node& node, const Json& input, const Json* context, const VariableSource* vars,
                      Error& err) const;
  static const Json* root_of(const CompiledPath& p, const Json& input, const Json* context,
                             const VariableSource* vars) {
    if (p.variable) return vars ? vars->find(p.path.variable()) : nullptr;
    return p.context ? context : &input;
  }
  int missing(std::int32_t path, Error& err) const;

  std::vector<Node> nodes_;  // nodes_[0] is the top-level rule
  std::vector<std::uint32_t> children_;
  std::vector<CompiledPath> paths_;
  bool uses_context_ = false;
  bool valid_ = false;
};

/// Builds a Rule, collecting problems; one instance per compile() call.
struct Rule::Compiler {
  Rule& rule;
  std::vector<RuleError>& problems;

  void problem(std::string pointer, std::string message) {
    problems.push_back(RuleError{std::move(pointer), std::move(message)});
  }

  /// Parses the path field `field` (Variable or a ...Path operand) of the rule at `rule_pointer`;
  /// -1 after reporting a problem.
  std::int32_t add_path(const Json& value, const std::string& rule_pointer, std::string_view field) {
    const std::string name(field);
    auto pointer = [&] { return rule_pointer + "/" + name; };  // built only for a problem
    if (!value.is_string()) {
      problem(pointer(), "'" + name + "' must be a string holding a JSONPath such as $.field");
      return -1;
    }
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty() || text[0] != '$') {
      problem(pointer(), "'" + name + "' must be a JSONPath starting with '$' (got '" + text + "')");
      return -1;
    }
    try {
      auto path = jsonpath::Path::parse(text);
      const bool definite = path.definite();
      const bool context = path.root() == jsonpath::Root::context;
      const bool variable = path.root() == jsonpath::Root::variable;
      rule.uses_context_ = rule.uses_context_ || context;
      rule.paths_.push_back(CompiledPath{std::move(path), definite, context, variable});
      return static_cast<std::int32_t>(rule.paths_.size() - 1);
    } catch (const jsonpath::SyntaxError& e) {
      problem(pointer(), "'" + name + "' is not a valid JSONPath ('" + text + "'): " + e.what());
      return -1;
    }
  }

  /// Compiles the rule object `r` found at `pointer`; returns its node index.
  std::uint32_t compile(const Json& r, const std::string& pointer, bool top) {
    const auto index = static_cast<std::uint32_t>(rule.nodes_.size());
    rule.nodes_.emplace_back();
    if (!r.is_object()) {
      problem(pointer, top ? "a Choice Rule must be a JSON object"
                           : "a nested Choice Rule must be a JSON object");
      return index;
    }
    std::vector<std::string> ops;  // And/Or/Not and comparison operators, in document order
    const Json* variable = nullptr;
    bool ok = true;
    for (auto it = r.begin(); it != r.end(); ++it) {
      const std::string& key = it.key();
      // Pointers only serve problem reports: built when one is made.
      auto at = [&] { return pointer + "/" + detail::pointer_token(key); };
      if (key == "Variable") {
        variable = &it.value();
      } else if (key == "And" || key == "Or" || key == "Not" || impl::find_operator(key)) {
        ops.push_back(key);
      } else if (key == "Comment") {
        if (!it.value().is_string()) {
          problem(at(), "'Comment' must be a string");
          ok = false;
        }
      } else if (key == "Next" || key == "Assign") {
        if (!top) {
          problem(at(), "'" + key +
                          "' is only allowed in a top-level Choice Rule, not in a rule nested "
                          "inside And, Or or Not");
          ok = false;
        }
      } else if (key == "Condition" || key == "Output") {
        problem(at(), "field '" + key +
                        "' belongs to JSONata Choice Rules and is not supported in a JSONPath "
                        "Choice Rule");
        ok = false;
      } else {
        problem(at(), "field '" + key + "' is not supported in a Choice Rule");
        ok = false;
      }
    }
    if (ops.empty()) {
      problem(pointer,
              "a Choice Rule needs one of And, Or, Not or a comparison operator such as "
              "StringEquals, and none was found");
      return index;
    }
    if (ops.size() > 1) {
      problem(pointer, "each Choice Rule can only have one comparison operator; found " +
                           impl::join_names(ops));
      return index;
    }
    const std::string& op = ops.front();
    const Json& operand = r[op];
    auto op_at = [&] { return pointer + "/" + op; };

    if (op == "And" || op == "Or" || op == "Not") {
      if (variable) {
        problem(pointer + "/Variable", "'Variable' cannot be used with '" + op +
                                           "'; it belongs in the nested rules");
        ok = false;
      }
      std::vector<std::uint32_t> kids;
      if (op == "Not") {
        if (!operand.is_object()) {
          problem(op_at(), "'Not' must be a single Choice Rule object");
          return index;
        }
        kids.push_back(compile(operand, op_at(), false));
      } else {
        if (!operand.is_array() || operand.empty()) {
          problem(op_at(), "'" + op + "' must be a non-empty array of Choice Rules");
          return index;
        }
        const std::string list = op_at();
        for (std::size_t i = 0; i < operand.size(); ++i) {
          kids.push_back(compile(operand[i], list + "/" + std::to_string(i), false));
        }
      }
      if (!ok) return index;
      Node& node = rule.nodes_[index];  // only now: compiling children grows nodes_
      node.kind = op == "And" ? impl::Kind::and_ : op == "Or" ? impl::Kind::or_ : impl::Kind::not_;
      node.first = static_cast<std::uint32_t>(rule.children_.size());
      node.count = static_cast<std::uint32_t>(kids.size());
      rule.children_.insert(rule.children_.end(), kids.begin(), kids.end());
      return index;
    }

    const impl::OperatorInfo& info = *impl::find_operator(op);
    Node node;
    if (!variable) {
      problem(pointer, "a Choice Rule with '" + op + "' needs a 'Variable' field");
      ok = false;
    } else {
      node.variable = add_path(*variable, pointer, "Variable");
      ok = ok && node.variable >= 0;
    }

    if (info.path) {
      node.operand = add_path(operand, pointer, op);
      ok = ok && node.operand >= 0;
    } else {
      switch (info.kind) {
        case impl::Kind::string_cmp:
        case impl::Kind::string_matches:
          if (!operand.is_string()) {
            problem(op_at(), "'" + op + "' must be a string");
            ok = false;
          } else {
            node.text = operand.get<std::string>();
            if (info.kind == impl::Kind::string_matches) {
              auto pattern = impl::compile_pattern(node.text);
              node.segments = std::move(pattern.segments);
              node.open_escape = pattern.open_escape;
            }
          }
          break;
        case impl::Kind::numeric_cmp:
          if (!operand.is_number()) {
            problem(op_at(), "'" + op + "' must be a number");
            ok = false;
          } else {
            node.number = operand.get<double>();
          }
          break;
        case impl::Kind::timestamp_cmp: {
          const auto instant = operand.is_string()
                                   ? timestamp::parse_instant(operand.get_ref<const std::string&>())
                                   : std::nullopt;
          if (!instant) {
            problem(op_at(), "'" + op +
                               "' must be a timestamp string such as 2016-03-14T01:59:00Z "
                               "(RFC 3339 with an uppercase T and a Z or numeric offset)");
            ok = false;
          } else {
            node.instant = *instant;
          }
          break;
        }
        default:  // BooleanEquals and the Is* operators take a boolean literal
          if (!operand.is_boolean()) {
            problem(op_at(), "'" + op + "' must be true or false");
            ok = false;
          } else {
            node.flag = operand.get<bool>();
          }
          break;
      }
    }
    if (ok) {
      node.kind = info.kind;
      node.cmp = info.cmp;
      rule.nodes_[index] = std::move(node);
    }
    return index;
  }
};

inline Rule Rule::compile(const Json& rule, std::vector<RuleError>* problems) {
  Rule out;
  std::vector<RuleError> local;
  std::vector<RuleError>& sink = problems ? *problems : local;
  const std::size_t before = sink.size();
  Compiler compiler{out, sink};
  compiler.compile(rule, "", true);
  out.valid_ = sink.size() == before;
  return out;
}

inline Result<bool> Rule::evaluate(const Json& input, const Json* context, const VariableSource* vars) const {
  if (nodes_.empty()) return false;
  Error err;
  const int r = eval(0, input, context, vars, err);
  if (r < 0) return err;
  return r == 1;
}

inline int Rule::missing(std::int32_t path, Error& err) const {
  // AWS: "Invalid path '$.x': The choice state's condition path references an invalid value."
  err = Error(std::string(errors::runtime),
              "Invalid path '" + paths_[static_cast<std::size_t>(path)].path.text() +
                  "': The choice state's condition path references an invalid value.");
  return -1;
}

inline int Rule::eval(std::uint32_t index, const Json& input, const Json* context, const VariableSource* vars,
                      Error& err) const {
  using impl::Kind;
  const Node& node = nodes_[index];
  switch (node.kind) {
    case Kind::invalid:
      return 0;
    case Kind::and_:
      for (std::uint32_t i = 0; i < node.count; ++i) {  // short-circuit left to right (§7.1)
        const int r = eval(children_[node.first + i], input, context, vars, err);
        if (r != 1) return r;
      }
      return 1;
    case Kind::or_:
      for (std::uint32_t i = 0; i < node.count; ++i) {
        const int r = eval(children_[node.first + i], input, context, vars, err);
        if (r != 0) return r;
      }
      return 0;
    case Kind::not_: {
      const int r = eval(children_[node.first], input, context, vars, err);
      return r < 0 ? r : 1 - r;
    }
    default:
      break;
  }
  const CompiledPath& var = paths_[static_cast<std::size_t>(node.variable)];
  const CompiledPath* op =
      node.operand >= 0 ? &paths_[static_cast<std::size_t>(node.operand)] : nullptr;
  if (!var.definite || (op && !op->definite)) return eval_indefinite(node, input, context, vars, err);
  // The hot path: definite paths point into the document, no copy and no allocation.
  const Json* var_root = root_of(var, input, context, vars);
  const Json* value = var_root ? var.path.find(*var_root) : nullptr;
  const Json* operand = nullptr;
  if (op && value) {
    const Json* op_root = root_of(*op, input, context, vars);
    operand = op_root ? op->path.find(*op_root) : nullptr;
  }
  return leaf(node, value, operand, err);
}

inline int Rule::eval_indefinite(const Node& node, const Json& input, const Json* context, const VariableSource* vars,
                                 Error& err) const {
  // Indefinite paths (wildcards, filters, slices...) select an array of their matches (Jayway,
  // §5.3), which then fails every type test except IsPresent and a negated Is*.
  auto select = [&](std::int32_t index, Json& out) -> const Json* {
    const CompiledPath& p = paths_[static_cast<std::size_t>(index)];
    const Json* root = root_of(p, input, context, vars);
    if (root == nullptr) return nullptr;
    if (p.definite) return p.path.find(*root);
    return p.path.select(*root, out) ? &out : nullptr;
  };
  Json value_matches;
  Json operand_matches;
  const Json* value = select(node.variable, value_matches);
  const Json* operand =
      node.operand >= 0 && value ? select(node.operand, operand_matches) : nullptr;
  return leaf(node, value, operand, err);
}

inline int Rule::leaf(const Node& node, const Json* value, const Json* operand, Error& err) const {
  using impl::Kind;
  if (node.kind == Kind::is_present) return (value != nullptr) == node.flag ? 1 : 0;
  if (value == nullptr) return missing(node.variable, err);
  // A ...Path operand that matches nothing is a runtime error like a missing Variable (AWS names
  // the path); without one, the operand is the literal compiled into the node.
  if (node.operand >= 0 && operand == nullptr) return missing(node.operand, err);

  switch (node.kind) {
    case Kind::string_cmp: {
      if (!value->is_string()) return 0;
      std::string_view rhs = node.text;
      if (operand) {
        if (!operand->is_string()) return 0;
        rhs = operand->get_ref<const std::string&>();
      }
      const int c = impl::compare_utf16(value->get_ref<const std::string&>(), rhs);
      return impl::holds(node.cmp, c, 0) ? 1 : 0;
    }
    case Kind::string_matches: {
      if (!value->is_string()) return 0;
      if (node.open_escape) {
        err = Error(std::string(errors::runtime),
                    "The StringMatches pattern '" + node.text +
                        "' contains an open escape: a backslash must be followed by '*' or "
                        "another backslash.");
        return -1;
      }
      return impl::glob_match(node.segments, value->get_ref<const std::string&>()) ? 1 : 0;
    }
    case Kind::numeric_cmp: {
      if (!value->is_number()) return 0;  // booleans are not numbers in nlohmann either
      double rhs = node.number;
      if (operand) {
        if (!operand->is_number()) return 0;
        rhs = impl::as_double(*operand);
      }
      return impl::holds(node.cmp, impl::as_double(*value), rhs) ? 1 : 0;
    }
    case Kind::boolean_eq: {
      if (!value->is_boolean()) return 0;
      bool rhs = node.flag;
      if (operand) {
        if (!operand->is_boolean()) return 0;
        rhs = operand->get<bool>();
      }
      return value->get<bool>() == rhs ? 1 : 0;
    }
    case Kind::timestamp_cmp: {
      // Both sides must parse; anything else is "not the appropriate type": false (§16.18).
      if (!value->is_string()) return 0;
      const auto lhs = timestamp::parse_instant(value->get_ref<const std::string&>());
      if (!lhs) return 0;
      timestamp::Instant rhs = node.instant;
      if (operand) {
        if (!operand->is_string()) return 0;
        const auto parsed = timestamp::parse_instant(operand->get_ref<const std::string&>());
        if (!parsed) return 0;
        rhs = *parsed;
      }
      return impl::holds(node.cmp, *lhs, rhs) ? 1 : 0;
    }
    case Kind::is_null:
      return value->is_null() == node.flag ? 1 : 0;
    case Kind::is_numeric:
      return value->is_number() == node.flag ? 1 : 0;
    case Kind::is_string:
      return value->is_string() == node.flag ? 1 : 0;
    case Kind::is_boolean:
      return value->is_boolean() == node.flag ? 1 : 0;
    case Kind::is_timestamp: {
      const bool is_ts = value->is_string() &&
                         timestamp::parse_instant(value->get_ref<const std::string&>()).has_value();
      return is_ts == node.flag ? 1 : 0;
    }
    default:
      return 0;
  }
}

}  // namespace asl::detail::choice
