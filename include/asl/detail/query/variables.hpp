// Workflow variables (Assign, spec §12): one immutable scope per States object run, chained to
// the scopes it may read, replaced (never edited) when a state assigns.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "asl/detail/json/size.hpp"
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
    v->bytes_ = v->outer_ ? v->outer_->bytes_ : 0;
    return v;
  }

  /// `scope` with `updates` (name, value) assigned in its own level. `scope` may be null.
  static Ptr assign(const Ptr& scope, std::vector<std::pair<std::string, Json>>&& updates) {
    auto v = std::make_shared<Variables>();
    if (scope) {
      v->outer_ = scope->outer_;
      v->own_ = scope->own_;
    }
    v->bytes_ = scope ? scope->bytes_ : 0;
    for (auto& u : updates) {
      const std::size_t size = json_size_bound(u.second);
      auto value = std::make_shared<const Json>(std::move(u.second));
      bool replaced = false;
      for (auto& o : v->own_) {
        if (o.name == u.first) {
          v->bytes_ -= o.size;
          o.value = value;
          o.size = size;
          replaced = true;
          break;
        }
      }
      if (!replaced) v->own_.push_back(Own{std::move(u.first), std::move(value), size});
      v->bytes_ += size;
    }
    return v;
  }

  /// The serialized size (bounded as json_size_bound does) of every variable visible here: what
  /// AWS's 10 MiB quota on an execution's variables counts (io_pipeline.hpp).
  std::size_t bytes() const { return bytes_; }
  /// The size of `name` in this scope's own level (the only level an Assign here may replace).
  std::size_t own_bytes(const std::string& name) const {
    for (const auto& o : own_)
      if (o.name == name) return o.size;
    return 0;
  }

  /// The variable `name` as this scope sees it, or nullptr when no scope assigned it.
  const Json* find(const std::string& name) const override {
    // Walks the chain with a loop: scopes nest as deep as the definition's Map/Parallel states.
    for (const Variables* s = this; s != nullptr; s = s->outer_.get())
      for (const auto& o : s->own_)
        if (o.name == name) return o.value.get();
    return nullptr;
  }

  /// Calls f(name, value) for every variable visible here, inner scopes first; a name that an
  /// inner scope holds is never repeated (the validator keeps names unique across scopes).
  template <class F>
  void for_each(F&& f) const {
    for (const Variables* s = this; s != nullptr; s = s->outer_.get())
      for (const auto& o : s->own_) f(o.name, *o.value);
  }

 private:
  struct Own {
    std::string name;
    Value value;
    std::size_t size = 0;
  };
  Ptr outer_;
  std::vector<Own> own_;  ///< few per scope: a vector beats a map
  std::size_t bytes_ = 0;  ///< own sizes plus the outer scopes' bytes_
};

}  // namespace asl::detail
