// Post-processing of the parse tree (jsonata-js's processAST): paths, stages, group/sort, `@ # %` and tail calls.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "asl/detail/jsonata/ast.hpp"
#include "asl/detail/jsonata/error.hpp"

namespace asl::detail::jsonata {

inline const char* node_type_name(NodeType t) {
  switch (t) {
    case NodeType::Binary: return "binary";
    case NodeType::Negate: return "unary";
    case NodeType::ArrayCons: return "unary";
    case NodeType::ObjectCons: return "unary";
    case NodeType::Name: return "name";
    case NodeType::String: return "string";
    case NodeType::Number: return "number";
    case NodeType::Literal: return "value";
    case NodeType::Regex: return "regex";
    case NodeType::Wildcard: return "wildcard";
    case NodeType::Descendant: return "descendant";
    case NodeType::Parent: return "parent";
    case NodeType::Variable: return "variable";
    case NodeType::Condition: return "condition";
    case NodeType::Block: return "block";
    case NodeType::Function: return "function";
    case NodeType::Partial: return "partial";
    case NodeType::Lambda: return "lambda";
    case NodeType::Transform: return "transform";
    case NodeType::Placeholder: return "operator";
    case NodeType::Path: return "path";
    case NodeType::Bind: return "bind";
    case NodeType::Apply: return "apply";
    case NodeType::Sort: return "sort";
    case NodeType::End: return "(end)";
    case NodeType::OperatorName: return "operator";
  }
  return "";
}

/// Rewrites the raw tree into the form the evaluator walks. The parser bounded the tree's depth,
/// so recursing over it here is safe.
class PostProcessor {
 public:
  NodePtr run(NodePtr raw) {
    NodePtr e = process(std::move(raw));
    if (e->type == NodeType::Parent || !e->seeking_parent.empty()) {
      throw Error("S0217", e->position).with_token(node_type_name(e->type));
    }
    return e;
  }

 private:
  static void push_ancestry(Node& result, Node& value) {
    if (value.seeking_parent.empty() && value.type != NodeType::Parent) return;
    for (const auto& s : value.seeking_parent) result.seeking_parent.push_back(s);
    if (value.type == NodeType::Parent) result.seeking_parent.push_back(value.slot);
  }

  static SlotPtr seek_parent(Node& node, SlotPtr slot) {
    switch (node.type) {
      case NodeType::Name:
      case NodeType::Wildcard:
        if (--slot->level == 0) {
          if (node.ancestor) slot->label = node.ancestor->label;
          node.ancestor = slot;
          node.tuple = true;
        }
        break;
      case NodeType::Parent: ++slot->level; break;
      case NodeType::Block:
        if (!node.items.empty()) {
          node.tuple = true;
          slot = seek_parent(*node.items.back(), slot);
        }
        break;
      case NodeType::Path: {
        node.tuple = true;
        std::size_t index = node.items.size();
        slot = seek_parent(*node.items[--index], slot);
        while (slot->level > 0 && index > 0) slot = seek_parent(*node.items[--index], slot);
        break;
      }
      default: throw Error("S0217", node.position).with_token(node_type_name(node.type));
    }
    return slot;
  }

  static void resolve_ancestry(Node& path) {
    Node& last = *path.items.back();
    std::vector<SlotPtr> slots = last.seeking_parent;
    if (last.type == NodeType::Parent) slots.push_back(last.slot);
    for (SlotPtr slot : slots) {
      std::size_t index = path.items.size() - 1;  // steps before the last one: [0, index)
      while (slot->level > 0) {
        if (index == 0) {
          path.seeking_parent.push_back(slot);
          break;
        }
        Node* step = path.items[--index].get();
        // Contiguous steps that bind a focus variable count as one.
        while (index > 0 && !step->focus.empty() && !path.items[index - 1]->focus.empty()) step = path.items[--index].get();
        slot = seek_parent(*step, slot);
      }
    }
  }

  static NodePtr as_path(NodePtr n) {
    if (n->type == NodeType::Path) return n;
    auto p = make_node(NodeType::Path, n->position);
    p->items.push_back(std::move(n));
    return p;
  }

  NodePtr tail_call_optimize(NodePtr e) {
    if (e->type == NodeType::Function && e->predicates.empty()) {
      auto thunk = make_node(NodeType::Lambda, e->position, "function");
      thunk->thunk = true;
      thunk->lhs = std::move(e);
      return thunk;
    }
    if (e->type == NodeType::Condition) {
      e->rhs = tail_call_optimize(std::move(e->rhs));
      if (e->third) e->third = tail_call_optimize(std::move(e->third));
    } else if (e->type == NodeType::Block && !e->items.empty()) {
      e->items.back() = tail_call_optimize(std::move(e->items.back()));
    }
    return e;
  }

  NodePtr process_binary(NodePtr e) {
    const std::string& op = e->value;
    if (op == ".") {
      NodePtr lstep = process(std::move(e->lhs));
      bool lparent = lstep->type == NodeType::Parent;
      SlotPtr lslot = lstep->slot;
      NodePtr result = as_path(std::move(lstep));
      if (lparent) result->seeking_parent = {lslot};
      NodePtr rest = process(std::move(e->rhs));
      if (rest->type == NodeType::Path) {
        for (auto& s : rest->items) result->items.push_back(std::move(s));
      } else {
        if (!rest->predicates.empty()) {
          rest->stages = std::move(rest->predicates);
          rest->predicates.clear();
        }
        result->items.push_back(std::move(rest));
      }
      for (auto& step : result->items) {
        if (step->type == NodeType::Number || step->type == NodeType::Literal) {
          throw Error("S0213", step->position).with_value(step->value);
        }
        if (step->type == NodeType::String) step->type = NodeType::Name;
        if (step->keep_array) result->keep_singleton_array = true;
      }
      if (result->items.front()->type == NodeType::ArrayCons) result->items.front()->cons_array = true;
      if (result->items.back()->type == NodeType::ArrayCons) result->items.back()->cons_array = true;
      resolve_ancestry(*result);
      return result;
    }
    if (op == "[") {
      NodePtr result = process(std::move(e->lhs));
      Node* step = result.get();
      bool on_path = result->type == NodeType::Path;
      if (on_path) step = result->items.back().get();
      if (step->group) throw Error("S0209", e->position);
      NodePtr pred = process(std::move(e->rhs));
      if (!pred->seeking_parent.empty()) {
        for (const auto& slot : pred->seeking_parent) {
          if (slot->level == 1) {
            seek_parent(*step, slot);
          } else {
            --slot->level;
          }
        }
        push_ancestry(*step, *pred);
      }
      Stage st;
      st.expr = std::move(pred);
      st.position = e->position;
      (on_path ? step->stages : step->predicates).push_back(std::move(st));
      return result;
    }
    if (op == "{") {
      NodePtr result = process(std::move(e->lhs));
      if (result->group) throw Error("S0210", e->position);
      auto g = std::make_unique<GroupSpec>();
      g->position = e->position;
      for (auto& pr : e->pairs) g->pairs.emplace_back(process(std::move(pr.first)), process(std::move(pr.second)));
      result->group = std::move(g);
      return result;
    }
    if (op == "^") {
      NodePtr result = as_path(process(std::move(e->lhs)));
      auto sort = make_node(NodeType::Sort, e->position, "^");
      for (auto& t : e->terms) {
        NodePtr x = process(std::move(t.expr));
        push_ancestry(*sort, *x);
        sort->terms.push_back({t.descending, std::move(x)});
      }
      result->items.push_back(std::move(sort));
      resolve_ancestry(*result);
      return result;
    }
    if (op == ":=") {
      auto result = make_node(NodeType::Bind, e->position, ":=");
      result->lhs = process(std::move(e->lhs));
      result->rhs = process(std::move(e->rhs));
      push_ancestry(*result, *result->rhs);
      return result;
    }
    if (op == "@") {
      NodePtr result = process(std::move(e->lhs));
      Node* step = result.get();
      if (result->type == NodeType::Path) step = result->items.back().get();
      if (!step->stages.empty() || !step->predicates.empty()) throw Error("S0215", e->position);
      if (step->type == NodeType::Sort) throw Error("S0216", e->position);
      if (e->keep_array) step->keep_array = true;
      step->focus = e->rhs->value;
      step->tuple = true;
      return result;
    }
    if (op == "#") {
      NodePtr result = process(std::move(e->lhs));
      Node* step = result.get();
      if (result->type == NodeType::Path) {
        step = result->items.back().get();
      } else {
        result = as_path(std::move(result));
        if (!step->predicates.empty()) {
          step->stages = std::move(step->predicates);
          step->predicates.clear();
        }
      }
      if (step->stages.empty()) {
        step->index_var = e->rhs->value;
        step->has_index = true;
      } else {
        Stage st;
        st.index_var = e->rhs->value;
        st.position = e->position;
        step->stages.push_back(std::move(st));
      }
      step->tuple = true;
      return result;
    }
    if (op == "~>") {
      auto result = make_node(NodeType::Apply, e->position, "~>");
      result->lhs = process(std::move(e->lhs));
      result->rhs = process(std::move(e->rhs));
      result->keep_array = result->lhs->keep_array || result->rhs->keep_array;
      return result;
    }
    auto result = make_node(NodeType::Binary, e->position, op);
    result->op = binary_op_from_text(result->value);
    result->lhs = process(std::move(e->lhs));
    result->rhs = process(std::move(e->rhs));
    push_ancestry(*result, *result->lhs);
    push_ancestry(*result, *result->rhs);
    return result;
  }

  NodePtr process(NodePtr e) {
    bool keep = e->keep_array;
    NodePtr result;
    switch (e->type) {
      case NodeType::Binary: result = process_binary(std::move(e)); break;
      case NodeType::Negate: {
        NodePtr x = process(std::move(e->lhs));
        if (x->type == NodeType::Number) {
          x->literal = Value::number(-x->literal.as_number());
          x->value = "-" + x->value;
          result = std::move(x);
        } else {
          e->lhs = std::move(x);
          push_ancestry(*e, *e->lhs);
          result = std::move(e);
        }
        break;
      }
      case NodeType::ArrayCons:
        for (auto& item : e->items) {
          item = process(std::move(item));
          push_ancestry(*e, *item);
        }
        result = std::move(e);
        break;
      case NodeType::ObjectCons:
        for (auto& pr : e->pairs) {
          pr.first = process(std::move(pr.first));
          push_ancestry(*e, *pr.first);
          pr.second = process(std::move(pr.second));
          push_ancestry(*e, *pr.second);
        }
        result = std::move(e);
        break;
      case NodeType::Function:
      case NodeType::Partial:
        for (auto& a : e->items) {
          a = process(std::move(a));
          push_ancestry(*e, *a);
        }
        e->lhs = process(std::move(e->lhs));
        result = std::move(e);
        break;
      case NodeType::Lambda:
        e->lhs = tail_call_optimize(process(std::move(e->lhs)));
        result = std::move(e);
        break;
      case NodeType::Condition:
        e->lhs = process(std::move(e->lhs));
        push_ancestry(*e, *e->lhs);
        e->rhs = process(std::move(e->rhs));
        push_ancestry(*e, *e->rhs);
        if (e->third) {
          e->third = process(std::move(e->third));
          push_ancestry(*e, *e->third);
        }
        result = std::move(e);
        break;
      case NodeType::Transform:
        e->lhs = process(std::move(e->lhs));
        e->rhs = process(std::move(e->rhs));
        if (e->third) e->third = process(std::move(e->third));
        result = std::move(e);
        break;
      case NodeType::Block:
        for (auto& item : e->items) {
          item = process(std::move(item));
          push_ancestry(*e, *item);
          if (item->cons_array || (item->type == NodeType::Path && item->items.front()->cons_array)) e->cons_array = true;
        }
        result = std::move(e);
        break;
      case NodeType::Name: {
        auto p = make_node(NodeType::Path, e->position);
        if (e->keep_array) p->keep_singleton_array = true;
        p->items.push_back(std::move(e));
        result = std::move(p);
        break;
      }
      case NodeType::Parent:
        e->slot = std::make_shared<Slot>();
        e->slot->label = "!" + std::to_string(label_counter_++);
        e->slot->level = 1;
        e->slot->index = index_counter_++;
        result = std::move(e);
        break;
      case NodeType::String:
      case NodeType::Number:
      case NodeType::Literal:
      case NodeType::Wildcard:
      case NodeType::Descendant:
      case NodeType::Variable:
      case NodeType::Regex:
      case NodeType::Placeholder: result = std::move(e); break;
      case NodeType::OperatorName:
        if (e->value == "and" || e->value == "or" || e->value == "in") {
          e->type = NodeType::Name;
          result = process(std::move(e));
        } else {
          throw Error("S0201", e->position).with_token(e->value);
        }
        break;
      case NodeType::End: throw Error("S0207", e->position).with_token("(end)");
      default: throw Error("S0206", e->position).with_token(e->value);
    }
    if (keep) result->keep_array = true;
    return result;
  }

  std::size_t label_counter_ = 0;
  std::size_t index_counter_ = 0;
};

}  // namespace asl::detail::jsonata
