// A field value of a JSONata state: JSON in which every "{% ... %}" string, however deeply nested,
// is an expression evaluated against `$states` and the workflow variables (spec §11.2, §11.5).
// SPDX-License-Identifier: MIT
#pragma once

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
#include "asl/detail/json/pointer.hpp"
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
          continue;
        }
        if (auto why = jsonata_restriction(*e.root, access)) {
          problems.push_back({it.pointer, "UNSUPPORTED_JSONATA_EXPRESSION", std::move(*why)});
          continue;
        }
        classify_merge(e);
        if (auto d = direct_of(e.merge_object ? *e.merge_object : *e.root, 0))
          e.direct = std::make_shared<const Direct>(std::move(*d));
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
    Json built;
    if (e.direct && build_direct(*e.direct, scope, built)) {
      for (auto& m : built.get_ref<Json::object_t&>()) doc[m.first] = std::move(m.second);
      return std::optional<Error>();
    }
    Expr object;
    object.root = e.merge_object;
    object.location = e.location;
    object.text = e.text;
    auto members = run(object, scope);
    if (!members) return std::optional<Error>(std::move(members).error());
    if (!members->is_object()) return std::nullopt;
    // $merge's order: a member already there keeps its place, a new one goes last.
    for (auto& m : members->get_ref<Json::object_t&>()) doc[m.first] = std::move(m.second);
    return std::optional<Error>();
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
    enum class Kind : std::uint8_t { literal, path, object, arithmetic, comparison };
    Kind kind = Kind::literal;
    char op = 0;  ///< arithmetic: + - * /; comparison: < > l (<=) g (>=) = n (!=)
    Json literal;
    PathRoot root = PathRoot::none;
    std::string variable;
    std::vector<std::string> members;
    std::vector<std::pair<std::string, Direct>> fields;
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
    std::shared_ptr<const Direct> direct;
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

  /// Builds `d`; false when a path meets anything but objects on its way or finds nothing, or a
  /// variable named like a function shadows it: the evaluator then answers, exactly.
  static bool build_direct(const Direct& d, const JsonataScope& scope, Json& out) {
    switch (d.kind) {
      case Direct::Kind::literal: out = d.literal; return true;
      case Direct::Kind::path: {
        const Json* at = nullptr;
        switch (d.root) {
          case PathRoot::none: return false;
          case PathRoot::input: at = scope.input; break;
          case PathRoot::context: at = scope.context; break;
          case PathRoot::result: at = scope.result; break;
          case PathRoot::error_output: at = scope.error_output; break;
          case PathRoot::variable: at = scope.vars ? scope.vars->find(d.variable) : nullptr; break;
        }
        for (const std::string& m : d.members) {
          if (at == nullptr || !at->is_object()) return false;
          const auto it = at->find(m);
          at = it == at->end() ? nullptr : &*it;
        }
        if (at == nullptr) return false;
        out = *at;
        return true;
      }
      case Direct::Kind::arithmetic:
      case Direct::Kind::comparison: {
        Json l, r;
        if (!build_direct(d.fields[0].second, scope, l) || !build_direct(d.fields[1].second, scope, r)) return false;
        if (d.kind == Direct::Kind::comparison && (d.op == '=' || d.op == 'n') && l.is_string() && r.is_string()) {
          out = (l == r) == (d.op == '=');
          return true;
        }
        if (!l.is_number() || !r.is_number()) return false;  // JSONata's type rules: the evaluator's
        const double a = l.get<double>(), b = r.get<double>();
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
        obj.reserve(d.fields.size());
        for (const auto& f : d.fields) {
          obj.Container::emplace_back(f.first, nullptr);  // keys are unique (direct_of checks)
          if (!build_direct(f.second, scope, obj.back().second)) return false;
        }
        return true;
      }
    }
    return false;
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
      if (build_direct(*e.direct, scope, out)) return out;
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
};

}  // namespace asl::detail
