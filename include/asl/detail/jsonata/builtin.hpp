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
  /// Its function value's payload. Tables are shared by evaluations on several threads, so
  /// values point to it uncounted (Value::static_function).
  FunctionBox function;
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
    b->function.kind = FunctionKind::Builtin;
    b->function.builtin = b.get();
    b->function.signature = &b->signature;
    // Keyed by views of the names the Builtins own (they never move: each is its own allocation),
    // so a lookup, made on every call of a built-in, builds no string.
    values_[std::string_view(b->name)] = Value::static_function(b->function);
    storage_.push_back(std::move(b));
  }
  void remove(std::string_view name) { values_.erase(name); }
  const Value* find(std::string_view name) const {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
  }

 private:
  std::unordered_map<std::string_view, Value> values_;
  std::vector<std::unique_ptr<Builtin>> storage_;
};

}  // namespace asl::detail::jsonata
