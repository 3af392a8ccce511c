// The JSONata syntax tree, before and after post-processing (paths, stages, tuple bindings, ancestry).
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/jsonata/signature.hpp"
#include "asl/detail/jsonata/value.hpp"

namespace asl::detail::jsonata {

class Regex;

/// Node kinds. `Binary` carries its operator in `value`; before post-processing it also stands
/// for `.`, `[`, `{` (group), `^` (order-by), `@`, `#`, `:=` and `~>`, which post-processing turns
/// into Path, stages, Bind and Apply nodes.
enum class NodeType : unsigned char {
  Binary, Negate, ArrayCons, ObjectCons, Name, String, Number, Literal, Regex, Wildcard, Descendant,
  Parent, Variable, Condition, Block, Function, Partial, Lambda, Transform, Placeholder, Path, Bind,
  Apply, Sort, End, OperatorName
};

/// The operator of a processed Binary node, resolved once from its text so that evaluation
/// switches on it instead of comparing strings (`and`/`or` short-circuit in the evaluator).
enum class BinaryOp : unsigned char {
  None, Add, Subtract, Multiply, Divide, Modulo, Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual,
  Concat, Range, In, And, Or
};

inline BinaryOp binary_op_from_text(std::string_view op) {
  static constexpr std::pair<std::string_view, BinaryOp> table[] = {
      {"+", BinaryOp::Add},       {"-", BinaryOp::Subtract},      {"*", BinaryOp::Multiply},
      {"/", BinaryOp::Divide},    {"%", BinaryOp::Modulo},        {"=", BinaryOp::Equal},
      {"!=", BinaryOp::NotEqual}, {"<", BinaryOp::Less},          {"<=", BinaryOp::LessEqual},
      {">", BinaryOp::Greater},   {">=", BinaryOp::GreaterEqual}, {"&", BinaryOp::Concat},
      {"..", BinaryOp::Range},    {"in", BinaryOp::In},           {"and", BinaryOp::And},
      {"or", BinaryOp::Or}};
  for (const auto& [text, code] : table) {
    if (text == op) return code;
  }
  return BinaryOp::None;
}

struct Node;
using NodePtr = std::unique_ptr<Node>;

/// A `%` (parent) reference: the step whose input it needs records it under `label`.
struct Slot {
  std::string label;
  int level = 1;
  std::size_t index = 0;
};
using SlotPtr = std::shared_ptr<Slot>;

/// A stage of a path step: a filter `[expr]` or an index binding `#$i`.
struct Stage {
  NodePtr expr;  // null for an index binding
  std::string index_var;
  std::size_t position = 0;
};

struct SortTerm {
  bool descending = false;
  NodePtr expr;
};

struct GroupSpec {
  std::vector<std::pair<NodePtr, NodePtr>> pairs;
  std::size_t position = 0;
};

struct Node {
  NodeType type = NodeType::End;
  std::size_t position = 0;
  std::string value;  // operator, name, variable name, string contents, regex source
  Value literal;      // String/Number/Literal: the constant
  // String: the constant's JSON node, which `literal` borrows. A tree is shared by evaluations on
  // several threads and payloads are counted without atomics (ref.hpp), so the tree holds none.
  Json literal_text;
  NodePtr lhs;        // binary lhs; Negate operand; Condition: condition; Function: procedure; Transform: pattern; Lambda: body
  NodePtr rhs;        // binary rhs; Condition: then; Transform: update
  NodePtr third;      // Condition: else; Transform: delete
  std::vector<NodePtr> items;  // Path steps; Block/ArrayCons expressions; call arguments
  std::vector<std::pair<NodePtr, NodePtr>> pairs;  // ObjectCons and raw group-by
  std::vector<SortTerm> terms;                     // Sort and raw order-by
  std::vector<std::string> params;                 // Lambda parameter names
  std::shared_ptr<const Signature> signature;      // Lambda `<...>`
  std::vector<Stage> predicates;                   // filters on a non-path node
  std::vector<Stage> stages;                       // filters and index bindings on a path step
  std::unique_ptr<GroupSpec> group;
  std::string focus;      // `@$v`
  std::string index_var;  // `#$i` (without stages)
  SlotPtr ancestor;       // this step records its input for a `%`
  SlotPtr slot;           // Parent node
  std::vector<SlotPtr> seeking_parent;
  std::shared_ptr<const Regex> regex;
  // Regex: the payload of its function value, made with the tree. A regex literal in a filter is
  // evaluated once per item; handing out this one (uncounted, as a built-in's) makes nothing.
  std::unique_ptr<FunctionBox> regex_function;
  bool keep_array = false;
  bool keep_singleton_array = false;
  bool cons_array = false;
  bool tuple = false;
  bool thunk = false;
  bool has_index = false;  // index_var is set
  BinaryOp op = BinaryOp::None;  // Binary after post-processing: `value` resolved
  // Name: where the field was found last time among an object's members. The objects of one
  // input mostly share their key order, so the next lookup tries there first. Evaluations on
  // several threads share the tree: relaxed atomic loads and stores (plain moves on x86).
  mutable std::atomic<std::uint32_t> member_hint{0};
};

inline NodePtr make_node(NodeType t, std::size_t position, std::string value = {}) {
  auto n = std::make_unique<Node>();
  n->type = t;
  n->position = position;
  n->value = std::move(value);
  return n;
}

/// The function value a regex literal evaluates to (jsonata-js's matcher closure).
inline std::unique_ptr<FunctionBox> regex_function_of(const Node& n) {
  auto f = std::make_unique<FunctionBox>();
  f->kind = FunctionKind::Regex;
  f->regex = n.regex;
  f->node = &n;
  return f;
}

/// Deep copy of an unprocessed tree (`?:` and `??` need the left side twice).
inline NodePtr clone_raw(const Node* n) {
  if (!n) return nullptr;
  auto c = std::make_unique<Node>();
  c->type = n->type;
  c->position = n->position;
  c->value = n->value;
  c->literal_text = n->literal_text;
  c->literal = n->literal.json() == &n->literal_text ? Value::borrow(c->literal_text) : n->literal;
  c->lhs = clone_raw(n->lhs.get());
  c->rhs = clone_raw(n->rhs.get());
  c->third = clone_raw(n->third.get());
  for (const auto& i : n->items) c->items.push_back(clone_raw(i.get()));
  for (const auto& p : n->pairs) c->pairs.emplace_back(clone_raw(p.first.get()), clone_raw(p.second.get()));
  for (const auto& t : n->terms) c->terms.push_back({t.descending, clone_raw(t.expr.get())});
  c->params = n->params;
  c->signature = n->signature;
  c->regex = n->regex;
  if (n->regex_function) c->regex_function = regex_function_of(*c);
  c->keep_array = n->keep_array;
  return c;
}

}  // namespace asl::detail::jsonata
