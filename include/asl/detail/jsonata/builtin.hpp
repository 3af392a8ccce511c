// How built-in functions are declared and registered: one line per function in a dialect's table.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "asl/detail/jsonata/signature.hpp"
#include "asl/detail/jsonata/value.hpp"

namespace asl::detail::jsonata {

class Evaluator;

/// What a built-in sees besides its (validated) arguments.
struct CallContext {
  Evaluator& ev;
  const Value& input;  // the context value (`$`) at the call
  const FramePtr& env;
};

using BuiltinFn = Value (*)(CallContext&, std::vector<Value>& args);

/// A built-in function: its JSONata name (without `$`), signature and implementation. `arity` is
/// what jsonata-js's Function.length gives (parameters before the first default): the number of
/// arguments higher-order functions pass to it.
struct Builtin {
  std::string name;
  Signature signature;
  BuiltinFn fn = nullptr;
  std::size_t arity = 1;
};

/// The built-ins of a dialect, as function values ready to bind.
class BuiltinTable {
 public:
  /// Registers (or replaces) `$name`.
  void add(std::string name, std::string_view signature, BuiltinFn fn, std::size_t arity) {
    auto b = std::make_unique<Builtin>();
    b->name = name;
    b->signature = parse_signature(signature);
    b->fn = fn;
    b->arity = arity;
    auto f = std::make_shared<FunctionBox>();
    f->kind = FunctionKind::Builtin;
    f->builtin = b.get();
    f->signature = &b->signature;
    values_[name] = Value::function(std::move(f));
    storage_.push_back(std::move(b));
  }
  void remove(const std::string& name) { values_.erase(name); }
  const Value* find(std::string_view name) const {
    auto it = values_.find(std::string(name));
    return it == values_.end() ? nullptr : &it->second;
  }

 private:
  std::unordered_map<std::string, Value> values_;
  std::vector<std::unique_ptr<Builtin>> storage_;
};

}  // namespace asl::detail::jsonata
