// What AWS refuses in a state's JSONata expression at definition time: a top-level `$` or field
// reference (there is no input document), `$$`, and `$states.result` / `$states.errorOutput`
// where the field cannot see them (spec §11.2-§11.3, jsonata-impl.md §3).
// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "asl/detail/jsonata/ast.hpp"

namespace asl::detail {

/// Which members of `$states` a field may read besides `input` and `context`.
struct StatesAccess {
  bool result = false;        ///< Task/Map/Parallel Output and Assign
  bool error_output = false;  ///< a Catcher's Output and Assign
};

/// The first restriction `root` breaks, as AWS words it (UNSUPPORTED_JSONATA_EXPRESSION), or
/// nothing. The walk keeps its own stack: an expression nests as deep as its text, which the
/// definition's author wrote, not the engine.
inline std::optional<std::string> jsonata_restriction(const jsonata::Node& root, StatesAccess access) {
  using jsonata::Node;
  using jsonata::NodeType;
  std::vector<std::pair<const Node*, bool>> todo{{&root, true}};  // node, at the top level
  auto push = [&](const Node* n, bool top) {
    if (n) todo.emplace_back(n, top);
  };
  while (!todo.empty()) {
    const auto [n, top] = todo.back();
    todo.pop_back();
    switch (n->type) {
      case NodeType::Name:
        if (top) return "Reference to '" + n->value + "' at the top level is not supported.";
        break;
      case NodeType::Variable:
        if (n->value == "$") return std::string("Reference to '$$' is not supported.");
        if (n->value.empty() && top) return std::string("Reference to '$' at the top level is not supported.");
        break;
      case NodeType::Path: {
        // Only a path's first step reads the (absent) input; `$states.result` is two steps.
        if (n->items.size() >= 2 && n->items[0]->type == NodeType::Variable && n->items[0]->value == "states" &&
            n->items[1]->type == NodeType::Name) {
          const std::string& member = n->items[1]->value;
          if ((member == "result" && !access.result) || (member == "errorOutput" && !access.error_output))
            return "Reference to '$states." + member + "' is not supported here: it is only available in " +
                   (member == "result" ? "the Output and Assign of a Task, Map or Parallel state"
                                       : "the Output and Assign of a Catcher") +
                   ".";
        }
        for (std::size_t i = 0; i < n->items.size(); ++i) push(n->items[i].get(), top && i == 0);
        break;
      }
      case NodeType::Lambda:
        push(n->lhs.get(), true);  // a function body has no input of its own either (AWS-measured)
        break;
      default:
        push(n->lhs.get(), top);
        push(n->rhs.get(), top);
        push(n->third.get(), top);
        for (const auto& i : n->items) push(i.get(), top);
        for (const auto& p : n->pairs) {
          push(p.first.get(), top);
          push(p.second.get(), top);
        }
        break;
    }
    // Filters, sort terms and group keys read the step's items, not the input.
    for (const auto& s : n->predicates) push(s.expr.get(), false);
    for (const auto& s : n->stages) push(s.expr.get(), false);
    for (const auto& t : n->terms) push(t.expr.get(), false);
    if (n->group)
      for (const auto& p : n->group->pairs) {
        push(p.first.get(), false);
        push(p.second.get(), false);
      }
  }
  return std::nullopt;
}

}  // namespace asl::detail
