// Workflow variables (Assign, spec §12): one immutable scope per States object run, chained to
// the scopes it may read, replaced (never edited) when a state assigns.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "asl/detail/query/variable_source.hpp"
#include "asl/json.hpp"

namespace asl::detail {

/// The variables one frame sees: its own (assigned by states of its States object) and, through
/// `outer`, those of the Map iterations' and Parallel branches' enclosing scopes.
///
/// Immutable once shared. An Assign builds a new scope that shares every value it does not
/// change, so a state reads the variables "as of its entry" by holding a pointer, and a Map
/// iteration still running on another worker keeps reading the snapshot it started with while
/// the Map's own frame (after a Catch, say) moves on.
class Variables final : public VariableSource {
 public:
  using Value = std::shared_ptr<const Json>;
  using Ptr = std::shared_ptr<const Variables>;

  /// A fresh scope for a Parallel branch or a Map iteration, reading `outer`.
  static Ptr inner(Ptr outer) {
    auto v = std::make_shared<Variables>();
    v->outer_ = std::move(outer);
    return v;
  }

  /// `scope` with `updates` (name, value) assigned in its own level. `scope` may be null.
  static Ptr assign(const Ptr& scope, std::vector<std::pair<std::string, Json>>&& updates) {
    auto v = std::make_shared<Variables>();
    if (scope) {
      v->outer_ = scope->outer_;
      v->own_ = scope->own_;
    }
    for (auto& u : updates) {
      auto value = std::make_shared<const Json>(std::move(u.second));
      bool replaced = false;
      for (auto& o : v->own_) {
        if (o.first == u.first) {
          o.second = value;
          replaced = true;
          break;
        }
      }
      if (!replaced) v->own_.emplace_back(std::move(u.first), std::move(value));
    }
    return v;
  }

  /// The variable `name` as this scope sees it, or nullptr when no scope assigned it.
  const Json* find(const std::string& name) const override {
    // Walks the chain with a loop: scopes nest as deep as the definition's Map/Parallel states.
    for (const Variables* s = this; s != nullptr; s = s->outer_.get())
      for (const auto& o : s->own_)
        if (o.first == name) return o.second.get();
    return nullptr;
  }

  /// Calls f(name, value) for every variable visible here, inner scopes first; a name that an
  /// inner scope holds is never repeated (the validator keeps names unique across scopes).
  template <class F>
  void for_each(F&& f) const {
    for (const Variables* s = this; s != nullptr; s = s->outer_.get())
      for (const auto& o : s->own_) f(o.first, *o.second);
  }

 private:
  Ptr outer_;
  std::vector<std::pair<std::string, Value>> own_;  ///< few per scope: a vector beats a map
};

}  // namespace asl::detail
