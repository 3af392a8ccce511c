// A field value of a JSONata state: JSON in which every "{% ... %}" string, however deeply nested,
// is an expression evaluated against `$states` and the workflow variables (spec §11.2, §11.5).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/jsonata/compile.hpp"
#include "asl/detail/jsonata/evaluator.hpp"
#include "asl/detail/jsonata/value_ops.hpp"
#include "asl/detail/json/depth.hpp"
#include "asl/detail/json/pointer.hpp"
#include "asl/detail/json/release.hpp"
#include "asl/detail/jsonata_states/restrictions.hpp"
#include "asl/detail/query/variables.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"

namespace asl::detail {

/// A JSONata string: exactly "{%" ... "%}", no blank around (AWS-recorded: " {% x %} " is text).
inline bool is_jsonata_string(const Json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  return s.size() >= 4 && s.compare(0, 2, "{%") == 0 && s.compare(s.size() - 2, 2, "%}") == 0;
}

/// What `$states` holds for one evaluation; members stay null where the field cannot see them.
struct JsonataScope {
  const Json* input = nullptr;
  const Json* context = nullptr;
  const Json* result = nullptr;
  const Json* error_output = nullptr;
  const Variables* vars = nullptr;
  double now_ms = 0;  ///< `$now()` / `$millis()`: the state's entry time, so a replay agrees
  /// The result again, when the caller is done with it (a Task's Output): a template that reads
  /// it once as a plain path moves that part out instead of copying it, as a ResultPath does.
  Json* owned_result = nullptr;
};

/// A definition-time problem of one expression: where (a JSON Pointer below the field) and what.
struct JsonataProblem {
  std::string pointer;  ///< below the field ("" = the field itself)
  std::string aws_code;  ///< INVALID_JSONATA_EXPRESSION or UNSUPPORTED_JSONATA_EXPRESSION
  std::string message;
};

class JsonataTemplate {
 public:
  JsonataTemplate() = default;

  /// Compiles every expression of `value`, the field `location` names in AWS's causes
  /// ("Output", "Choices[1]/Condition"). Problems are appended to `problems` (none: usable).
  static JsonataTemplate compile(const Json& value, std::string location, StatesAccess access,
                                 std::vector<JsonataProblem>& problems) {
    JsonataTemplate t;
    t.literal_ = value;
    t.location_ = std::move(location);
    // The walk keeps its own stack: the value nests as deep as the definition (bounded by
    // ParseLimits), but a loop costs nothing more.
    struct Item {
      const Json* node;
      std::vector<Step> where;
      std::string location;
      std::string pointer;
    };
    std::vector<Item> todo{{&value, {}, t.location_, ""}};
    std::vector<std::pair<const Json*, std::size_t>> nodes;  // where each expression stands in `value`
    bool usable = true;
    while (!todo.empty()) {
      Item it = std::move(todo.back());
      todo.pop_back();
      const Json& n = *it.node;
      if (is_jsonata_string(n)) {
        const std::string& s = n.get_ref<const std::string&>();
        std::string text = trim(std::string_view(s).substr(2, s.size() - 4));
        Expr e;
        e.where = std::move(it.where);
        e.location = std::move(it.location);
        e.text = text;
        try {
          e.root = jsonata::parse_expression(text, jsonata::DialectId::aws);
        } catch (const jsonata::Error& err) {
          problems.push_back({it.pointer, "INVALID_JSONATA_EXPRESSION", err.message()});
          usable = false;
          continue;
        }
        if (auto why = jsonata_restriction(*e.root, access)) {
          problems.push_back({it.pointer, "UNSUPPORTED_JSONATA_EXPRESSION", std::move(*why)});
          usable = false;
          continue;
        }
        classify_merge(e);
        if (auto d = direct_of(e.merge_object ? *e.merge_object : *e.root, 0))
          e.direct = std::make_shared<Direct>(std::move(*d));
        nodes.emplace_back(&n, t.exprs_.size());
        t.exprs_.push_back(std::move(e));
      } else if (n.is_object()) {
        for (auto m = n.begin(); m != n.end(); ++m) {
          Item c{&m.value(), it.where, it.location + "/" + m.key(), it.pointer + "/" + pointer_token(m.key())};
          c.where.push_back(Step{false, m.key(), 0});
          todo.push_back(std::move(c));
        }
      } else if (n.is_array()) {
        for (std::size_t i = 0; i < n.size(); ++i) {
          Item c{&n[i], it.where, fmt::format("{}[{}]", it.location, i), fmt::format("{}/{}", it.pointer, i)};
          c.where.push_back(Step{true, {}, i});
          todo.push_back(std::move(c));
        }
      }
    }
    // Where an expression stands the literal holds null: evaluate() copies the literal and sets
    // each result in its place, and copying the expressions' text there was most of the cost
    // of an `Output` object of a few `{% %}` members.
    for (const Expr& e : t.exprs_) {
      Json* at = &t.literal_;
      for (const Step& s : e.where) at = s.is_index ? &(*at)[s.index] : &(*at)[s.key];
      *at = nullptr;
    }
    if (usable) t.finish_direct(value, nodes);
    return t;
  }

  /// No expression: the value is used as written.
  bool is_literal() const noexcept { return exprs_.empty(); }
  const Json& literal() const noexcept { return literal_; }
  /// Some expression reads `$states.context` (or `$states` whole): the state needs `$$`.
  bool reads_context() const {
    for (const auto& e : exprs_) {
      std::string_view t = e.text;
      for (std::size_t at = t.find("$states"); at != std::string_view::npos; at = t.find("$states", at + 1)) {
        const std::string_view rest = t.substr(at + 7);
        if (!(starts_with(rest, ".input") || starts_with(rest, ".result") || starts_with(rest, ".errorOutput")))
          return true;
      }
    }
    return false;
  }

  /// The value with every expression replaced by its result. Failures are
  /// States.QueryEvaluationError with AWS's cause tail (the interpreter adds the state prefix).
  Result<Json> evaluate(const JsonataScope& scope) const {
    if (exprs_.empty()) return literal_;
    if (exprs_.size() == 1 && exprs_.front().where.empty()) return run(exprs_.front(), scope);
    if (whole_) {
      // Literal parts and expressions built in one pass (no copy of the literal to patch).
      Json out;
      Taken taken;
      if (build_direct(*whole_, scope, out, taken)) {
        take(taken, scope);
        return Result<Json>(std::move(out));
      }
      release(out);
    }
    Json out = literal_;
    for (const Expr& e : exprs_) {
      auto r = run(e, scope);
      if (!r) return r;
      Json* at = &out;
      for (const Step& s : e.where) at = s.is_index ? &(*at)[s.index] : &(*at)[s.key];
      *at = std::move(*r);
    }
    return out;
  }

  /// For a field that is `$merge([$states.input, {...}])` and an object input: sets the object's
  /// members in `doc` (the input, where it stands: no copy of it) and returns true, or returns
  /// an error. nullopt when the evaluator must answer (another shape, a workflow variable named
  /// `merge` shadowing the function, an input that is not an object).
  std::optional<std::optional<Error>> merge_in_place(Json& doc, const JsonataScope& scope) const {
    if (exprs_.size() != 1 || !exprs_.front().where.empty() || !exprs_.front().merge_object) return std::nullopt;
    if (!doc.is_object() || scope.input != &doc || (scope.vars && scope.vars->find("merge"))) return std::nullopt;
    const Expr& e = exprs_.front();
    if (e.direct && set_direct_members(*e.direct, doc, scope)) return std::optional<Error>();
    Expr object;
    object.root = e.merge_object;
    object.location = e.location;
    object.text = e.text;
    auto members = run(object, scope);
    if (!members) return std::optional<Error>(std::move(members).error());
    if (!members->is_object()) return std::nullopt;
    // $merge's order: a member already there keeps its place, a new one goes last.
    for (auto& m : members->get_ref<Json::object_t&>()) set_member(doc, m.first, std::move(m.second));
    release(*members);
    return std::optional<Error>();
  }

  /// An upper bound of how many levels deeper than its documents (the state's input, result,
  /// error output) the value can nest, when the template can tell at load: every expression is
  /// one it builds itself from those documents and literals (even where the evaluator answers
  /// instead, a path gives their parts, at most in one sequence array). nullopt otherwise (a
  /// variable, the context, a function that may build any depth): the output is measured.
  std::optional<std::size_t> depth_growth() const {
    std::size_t growth = json_depth(literal_);
    for (const Expr& e : exprs_) {
      if (!e.direct) return std::nullopt;
      const std::optional<std::size_t> g = direct_growth(*e.direct, 0);
      if (!g) return std::nullopt;
      growth = std::max(growth, e.where.size() + *g + 1);
    }
    return growth;
  }

  /// The cause AWS gives when the field's result has a type the field cannot take.
  Error wrong_type(const Json& value, std::string_view expected) const {
    const std::string& text = exprs_.empty() ? std::string() : exprs_.front().text;
    return Error(std::string(errors::query_evaluation_error),
                 fmt::format("The JSONata expression '{}' specified for the field '{}' returned an unexpected result "
                             "type. Expected '{}', but was '{}' for value: {}",
                             text, location_, expected, type_word(value), value.dump()));
  }

 private:
  struct Step {
    bool is_index = false;
    std::string key;
    std::size_t index = 0;
  };
  /// What a plain path (`$states.input.a.b`, `$name.c`) starts from.
  enum class PathRoot : std::uint8_t { none, input, context, result, error_output, variable };

  /// An expression the binding builds itself: a literal, a plain path, or an object of those.
  struct Direct {
    enum class Kind : std::uint8_t { literal, path, object, array, arithmetic, comparison };
    Kind kind = Kind::literal;
    char op = 0;  ///< arithmetic: + - * /; comparison: < > l (<=) g (>=) = n (!=)
    /// A path into `$states.result`, the template's only read of it: moved out of an owned
    /// result (JsonataScope::owned_result) instead of copied.
    bool take = false;
    Json literal;
    PathRoot root = PathRoot::none;
    std::string variable;
    std::vector<std::string> members;
    std::vector<std::pair<std::string, Direct>> fields;  ///< object members, array items, operands
  };

  /// The path (and where its value goes) that a build moves out of the owned result once the
  /// whole value is built: a failed build leaves the result whole for the evaluator.
  struct Taken {
    Json* into = nullptr;
    const Direct* from = nullptr;
  };

  struct Expr {
    std::vector<Step> where;  ///< empty: the expression is the whole value
    std::string location;
    std::string text;
    std::shared_ptr<const jsonata::Node> root;
    /// `$merge([$states.input, {...}])`, JSONata's spelling of a ResultPath: the object
    /// constructor (sharing the tree), whose members are set in the input where it stands.
    std::shared_ptr<const jsonata::Node> merge_object;
    /// The expression (or, for a merge, its object) built without the evaluator: literals,
    /// plain paths and object constructors with literal keys (most fields are just these).
    std::shared_ptr<Direct> direct;
  };

  /// A step that only names a member: no filter, index, binding, grouping or array constructor.
  static bool plain_step(const jsonata::Node& n, jsonata::NodeType type) {
    return n.type == type && n.stages.empty() && n.predicates.empty() && !n.group && n.focus.empty() &&
           n.index_var.empty() && !n.keep_array && !n.ancestor && n.seeking_parent.empty() && !n.tuple &&
           !n.has_index;
  }

  /// Most fields are plain paths (`{% $states.input.id %}`): recognise them once, at load, as a
  /// path of member names read straight from the documents when every step meets an object
  /// (anything else, such as an array to map over, goes to the evaluator).
  static bool classify_plain_path(const jsonata::Node& n, Direct& d) {
    using jsonata::NodeType;
    if (plain_step(n, NodeType::Variable)) {
      if (n.value.empty() || n.value == "$" || n.value == "states") return false;
      d.root = PathRoot::variable;
      d.variable = n.value;
      return true;
    }
    if (n.type != NodeType::Path || !n.stages.empty() || !n.predicates.empty() || n.group || n.keep_array ||
        n.tuple || n.items.empty())
      return false;
    const jsonata::Node& first = *n.items[0];
    if (!plain_step(first, NodeType::Variable) || first.value.empty() || first.value == "$") return false;
    std::size_t next = 1;
    PathRoot root = PathRoot::variable;
    if (first.value == "states") {
      if (n.items.size() < 2 || !plain_step(*n.items[1], NodeType::Name)) return false;
      const std::string& m = n.items[1]->value;
      root = m == "input" ? PathRoot::input : m == "context" ? PathRoot::context : m == "result" ? PathRoot::result
             : m == "errorOutput" ? PathRoot::error_output : PathRoot::none;
      if (root == PathRoot::none) return false;
      next = 2;
    }
    std::vector<std::string> members;
    for (std::size_t i = next; i < n.items.size(); ++i) {
      if (!plain_step(*n.items[i], NodeType::Name)) return false;
      members.push_back(n.items[i]->value);
    }
    d.root = root;
    if (root == PathRoot::variable) d.variable = first.value;
    d.members = std::move(members);
    return true;
  }

  /// `n` as a Direct, when it is one (nesting bounded: the rest is the evaluator's).
  static std::optional<Direct> direct_of(const jsonata::Node& n, int depth) {
    using jsonata::NodeType;
    if (depth > 16 || !n.predicates.empty() || !n.stages.empty() || n.group || n.keep_array) return std::nullopt;
    Direct d;
    switch (n.type) {
      case NodeType::String:
        d.literal = n.value;
        return d;
      case NodeType::Number:
        if (!std::isfinite(n.literal.as_number())) return std::nullopt;
        d.literal = jsonata::number_to_json(n.literal.as_number());
        return d;
      case NodeType::Literal:
        d.literal = jsonata::to_json(n.literal);
        return d;
      case NodeType::ObjectCons:
        d.kind = Direct::Kind::object;
        for (const auto& kv : n.pairs) {
          if (!kv.first || kv.first->type != NodeType::String || !kv.second) return std::nullopt;
          for (const auto& f : d.fields)
            if (f.first == kv.first->value) return std::nullopt;  // D1009 is the evaluator's to raise
          auto v = direct_of(*kv.second, depth + 1);
          if (!v) return std::nullopt;
          d.fields.emplace_back(kv.first->value, std::move(*v));
        }
        return d;
      case NodeType::Binary: {
        // Numbers only (and = / != on strings too); anything else falls back at run time.
        static constexpr std::pair<std::string_view, char> ops[] = {
            {"+", '+'}, {"-", '-'}, {"*", '*'}, {"/", '/'}, {"<", '<'}, {">", '>'},
            {"<=", 'l'}, {">=", 'g'}, {"=", '='}, {"!=", 'n'}};
        for (const auto& [text, code] : ops) {
          if (n.value != text) continue;
          if (!n.lhs || !n.rhs) return std::nullopt;
          auto l = direct_of(*n.lhs, depth + 1), r = direct_of(*n.rhs, depth + 1);
          if (!l || !r) return std::nullopt;
          d.kind = code == '+' || code == '-' || code == '*' || code == '/' ? Direct::Kind::arithmetic
                                                                           : Direct::Kind::comparison;
          d.op = code;
          d.fields.emplace_back(std::string(), std::move(*l));
          d.fields.emplace_back(std::string(), std::move(*r));
          return d;
        }
        return std::nullopt;
      }
      default:
        if (!classify_plain_path(n, d)) return std::nullopt;
        d.kind = Direct::Kind::path;
        return d;
    }
  }

  /// The member `key` of the object `obj`, or nullptr. ordered_json's find() walks the same
  /// vector through iterators and a comparator; this loop is what it comes down to.
  static const Json* member_of(const Json& obj, const std::string& key) {
    for (const auto& m : obj.get_ref<const Json::object_t&>())
      if (m.first == key) return &m.second;
    return nullptr;
  }
  static Json* member_of(Json& obj, const std::string& key) {
    for (auto& m : obj.get_ref<Json::object_t&>())
      if (m.first == key) return &m.second;
    return nullptr;
  }

  /// Where the plain path `d` leads: nullptr when a step meets anything but an object or finds
  /// nothing.
  static const Json* locate(const Direct& d, const JsonataScope& scope) {
    const Json* at = nullptr;
    switch (d.root) {
      case PathRoot::none: return nullptr;
      case PathRoot::input: at = scope.input; break;
      case PathRoot::context: at = scope.context; break;
      case PathRoot::result: at = scope.result; break;
      case PathRoot::error_output: at = scope.error_output; break;
      case PathRoot::variable: at = scope.vars ? scope.vars->find(d.variable) : nullptr; break;
    }
    for (const std::string& m : d.members) {
      if (at == nullptr || !at->is_object()) return nullptr;
      at = member_of(*at, m);
    }
    return at;
  }

  /// An operand of arithmetic or a comparison, read where it stands when it is a literal or a
  /// path (no copy); anything else is built into `tmp`.
  static const Json* operand(const Direct& d, const JsonataScope& scope, Json& tmp, Taken& taken) {
    if (d.kind == Direct::Kind::literal) return &d.literal;
    if (d.kind == Direct::Kind::path) return locate(d, scope);
    return build_direct(d, scope, tmp, taken) ? &tmp : nullptr;
  }

  /// Builds `d` into `out` (null on entry); false when a path meets anything but objects on its
  /// way or finds nothing, or a variable named like a function shadows it: the evaluator then
  /// answers, exactly. A path marked `take` is left null and noted in `taken` when the result
  /// is owned: take() moves it once the whole value is built.
  static bool build_direct(const Direct& d, const JsonataScope& scope, Json& out, Taken& taken) {
    switch (d.kind) {
      case Direct::Kind::literal: out = d.literal; return true;
      case Direct::Kind::path: {
        const Json* at = locate(d, scope);
        if (at == nullptr) return false;
        if (d.take && scope.owned_result != nullptr && scope.result == scope.owned_result) {
          taken.into = &out;
          taken.from = &d;
          return true;
        }
        out = *at;
        return true;
      }
      case Direct::Kind::arithmetic:
      case Direct::Kind::comparison: {
        Json lt, rt;
        const Json* l = operand(d.fields[0].second, scope, lt, taken);
        const Json* r = l ? operand(d.fields[1].second, scope, rt, taken) : nullptr;
        if (l == nullptr || r == nullptr) return false;
        if (d.kind == Direct::Kind::comparison && (d.op == '=' || d.op == 'n') && l->is_string() && r->is_string()) {
          out = (*l == *r) == (d.op == '=');
          return true;
        }
        if (!l->is_number() || !r->is_number()) return false;  // JSONata's type rules: the evaluator's
        const double a = l->get<double>(), b = r->get<double>();
        if (d.kind == Direct::Kind::comparison) {
          switch (d.op) {
            case '<': out = a < b; break;
            case '>': out = a > b; break;
            case 'l': out = a <= b; break;
            case 'g': out = a >= b; break;
            case '=': out = a == b; break;
            default: out = a != b; break;
          }
          return true;
        }
        const double v = d.op == '+' ? a + b : d.op == '-' ? a - b : d.op == '*' ? a * b : a / b;
        if (!std::isfinite(v)) return false;  // AWS's "Infinity" strings: the evaluator's
        out = jsonata::number_to_json(v);
        return true;
      }
      case Direct::Kind::object: {
        out = Json(Json::value_t::object);
        auto& obj = out.get_ref<Json::object_t&>();
        obj.reserve(d.fields.size());  // no reallocation below: `taken` may point into it
        for (const auto& f : d.fields) {
          obj.Container::emplace_back(f.first, nullptr);  // keys are unique (direct_of checks)
          if (!build_direct(f.second, scope, obj.back().second, taken)) return false;
        }
        return true;
      }
      case Direct::Kind::array: {
        out = Json(Json::value_t::array);
        auto& arr = out.get_ref<Json::array_t&>();
        arr.reserve(d.fields.size());
        for (const auto& f : d.fields) {
          arr.emplace_back();
          if (!build_direct(f.second, scope, arr.back(), taken)) return false;
        }
        return true;
      }
    }
    return false;
  }

  /// Moves the noted part of the owned result where the build left its place.
  static void take(const Taken& taken, const JsonataScope& scope) {
    if (taken.into == nullptr) return;
    Json* at = scope.owned_result;
    for (const std::string& m : taken.from->members) at = member_of(*at, m);  // build_direct found it
    taken.into->swap(*at);
  }

  /// `$merge([$states.input, {...}])` with a Direct object: every member is built first (each
  /// reads the input as it was), then set in `doc` where it stands, the old values released
  /// without nlohmann's per-container scratch vector.
  static bool set_direct_members(const Direct& object, Json& doc, const JsonataScope& scope) {
    const std::size_t n = object.fields.size();
    // Most merges set one member or a few: their values wait on the stack (disengaged optionals
    // cost nothing to make and drop, eight constructed Json would cost more than the merge).
    std::optional<Json> small[4];
    std::vector<Json> large;
    auto value = [&](std::size_t i) -> Json& { return n > 4 ? large[i] : *small[i]; };
    if (n > 4)
      large.resize(n);
    else
      for (std::size_t i = 0; i < n; ++i) small[i].emplace();
    Taken taken;
    bool built = true;
    for (std::size_t i = 0; i < n && built; ++i) built = build_direct(object.fields[i].second, scope, value(i), taken);
    if (!built) {
      for (std::size_t i = 0; i < n; ++i) release(value(i));
      return false;
    }
    take(taken, scope);
    for (std::size_t i = 0; i < n; ++i) set_member(doc, object.fields[i].first, std::move(value(i)));
    return true;
  }

  /// After compile: the whole template as one Direct when every expression is one, and the
  /// `take` mark on the template's only read of `$states.result`.
  void finish_direct(const Json& value, const std::vector<std::pair<const Json*, std::size_t>>& nodes) {
    std::size_t reads = 0;
    Direct* only = nullptr;
    for (Expr& e : exprs_) {
      if (!e.direct) return;  // the evaluator reads the result where it likes: no take
      count_result_reads(*e.direct, false, reads, only);
    }
    if (reads == 1 && only != nullptr) only->take = true;
    if (exprs_.size() > 1 || (exprs_.size() == 1 && !exprs_.front().where.empty())) {
      bool has_expr = false;
      if (auto w = whole_of(value, nodes, 0, has_expr)) whole_ = std::make_shared<const Direct>(std::move(*w));
    }
  }

  /// Counts the paths of `d` that read `$states.result`, and keeps the last one. Operands of
  /// arithmetic and comparisons are read in place, never taken, but still count.
  static void count_result_reads(Direct& d, bool in_operand, std::size_t& reads, Direct*& only) {
    if (d.kind == Direct::Kind::path && d.root == PathRoot::result) {
      ++reads;
      only = in_operand ? nullptr : &d;
    }
    const bool operands = in_operand || d.kind == Direct::Kind::arithmetic || d.kind == Direct::Kind::comparison;
    for (auto& f : d.fields) count_result_reads(f.second, operands, reads, only);
  }

  /// `n` (the field as written) as one Direct: expressions by their Direct, the JSON around them
  /// as objects and arrays of literals (a part without expressions: one literal, copied whole).
  /// Sets `has_expr` when `n` holds an expression. Nesting bounded like direct_of's.
  std::optional<Direct> whole_of(const Json& n, const std::vector<std::pair<const Json*, std::size_t>>& nodes,
                                 int depth, bool& has_expr) const {
    if (depth > 16) return std::nullopt;
    if (is_jsonata_string(n)) {
      has_expr = true;
      for (const auto& [node, index] : nodes)
        if (node == &n) {
          const Expr& e = exprs_[index];
          if (!e.direct || e.merge_object) return std::nullopt;
          return *e.direct;
        }
      return std::nullopt;
    }
    Direct d;
    if (n.is_structured()) {
      bool below = false;
      d.kind = n.is_object() ? Direct::Kind::object : Direct::Kind::array;
      for (auto m = n.begin(); m != n.end(); ++m) {
        auto c = whole_of(m.value(), nodes, depth + 1, below);
        if (!c) return std::nullopt;
        d.fields.emplace_back(n.is_object() ? m.key() : std::string(), std::move(*c));
      }
      if (below) {
        has_expr = true;
        return d;
      }
      d = Direct();
    }
    d.literal = n;  // no expression here: the text as written (a `{% %}` string would be one)
    return d;
  }

  /// direct_growth: how much deeper than the documents `d` builds (see depth_growth()).
  static std::optional<std::size_t> direct_growth(const Direct& d, int depth) {
    if (depth > 32) return std::nullopt;
    switch (d.kind) {
      case Direct::Kind::literal: return json_depth(d.literal);
      case Direct::Kind::path:
        if (d.root == PathRoot::input || d.root == PathRoot::result) return std::size_t{0};
        if (d.root == PathRoot::error_output) return std::size_t{2};  // {"Error", "Cause"}
        return std::nullopt;  // a variable or the context: not bounded by the frame's documents
      case Direct::Kind::arithmetic:
      case Direct::Kind::comparison: return std::size_t{0};  // a number or a boolean
      case Direct::Kind::object:
      case Direct::Kind::array: {
        std::size_t deepest = 0;
        for (const auto& f : d.fields) {
          const std::optional<std::size_t> g = direct_growth(f.second, depth + 1);
          if (!g) return std::nullopt;
          deepest = std::max(deepest, *g);
        }
        return deepest + 1;
      }
    }
    return std::nullopt;
  }

  /// Recognises `$merge([$states.input, {"k": ..., ...}])` with literal keys.
  static void classify_merge(Expr& e) {
    using jsonata::NodeType;
    const jsonata::Node& n = *e.root;
    if (n.type != NodeType::Function || !n.predicates.empty() || !n.stages.empty() || n.keep_array || n.group ||
        !n.lhs || !plain_step(*n.lhs, NodeType::Variable) || n.lhs->value != "merge" || n.items.size() != 1)
      return;
    const jsonata::Node& list = *n.items[0];
    if (list.type != NodeType::ArrayCons || list.items.size() != 2 || !list.predicates.empty() ||
        !list.stages.empty() || list.keep_array || list.group)
      return;
    Direct first;
    if (!classify_plain_path(*list.items[0], first) || first.root != PathRoot::input || !first.members.empty())
      return;
    const jsonata::Node& obj = *list.items[1];
    if (obj.type != NodeType::ObjectCons || !obj.predicates.empty() || !obj.stages.empty() || obj.group) return;
    for (const auto& kv : obj.pairs)
      if (!kv.first || kv.first->type != NodeType::String) return;
    e.merge_object = std::shared_ptr<const jsonata::Node>(e.root, &obj);
  }

  static bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

  static std::string trim(std::string_view s) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return std::string(s);
  }

  static const char* type_word(const Json& v) {
    switch (v.type()) {
      case Json::value_t::null: return "null";
      case Json::value_t::boolean: return "boolean";
      case Json::value_t::string: return "string";
      case Json::value_t::array: return "array";
      case Json::value_t::object: return "object";
      default: return "number";
    }
  }

  static Error failure(const Expr& e, std::string what) {
    return Error(std::string(errors::query_evaluation_error),
                 fmt::format("The JSONata expression '{}' specified for the field '{}' {}", e.text, e.location, what));
  }

  static Result<Json> run(const Expr& e, const JsonataScope& scope) {
    namespace dj = jsonata;
    if (e.direct && !e.merge_object) {
      Json out;
      Taken taken;
      if (build_direct(*e.direct, scope, out, taken)) {
        take(taken, scope);
        return Result<Json>(std::move(out));
      }
      release(out);
    }
    try {
      dj::EvalLimits limits;
      dj::Evaluator ev(dj::builtins_for(dj::DialectId::aws), limits, scope.now_ms);
      dj::FramePtr env = ev.make_frame(nullptr);
      if (scope.vars)
        scope.vars->for_each([&](const std::string& name, const Json& v) { env->bind(name, dj::Value::borrow(v)); });
      auto states = dj::new_object();
      if (scope.input) states->set("input", dj::Value::borrow(*scope.input));
      if (scope.context) states->set("context", dj::Value::borrow(*scope.context));
      if (scope.result) states->set("result", dj::Value::borrow(*scope.result));
      if (scope.error_output) states->set("errorOutput", dj::Value::borrow(*scope.error_output));
      env->bind("states", dj::Value::object(std::move(states)));
      // No input document at the top level (spec §11.2): `$` is undefined there.
      env->bind("$", dj::Value());
      dj::Value r = ev.evaluate(*e.root, dj::Value(), env);
      if (r.is_undefined()) return failure(e, "returned nothing (undefined).");
      if (r.is_function()) return failure(e, "returned an unsupported result type.");
      return dj::to_json(r, true);
    } catch (const dj::Error& err) {
      // AWS's guardrails (memory, depth, time) have no JSONata code: "...: <message>".
      if (err.code() == "U1001")
        return failure(e, "threw an error during evaluation: " + err.message());
      return failure(e, fmt::format("threw an error during evaluation. {}: {}", err.code(), err.message()));
    }
  }

  Json literal_;
  std::string location_;
  std::vector<Expr> exprs_;
  /// The whole value as one Direct (finish_direct), for a value of several expressions or one
  /// inside literal JSON; null when some expression needs the evaluator.
  std::shared_ptr<const Direct> whole_;
};

}  // namespace asl::detail
