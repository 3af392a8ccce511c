// Sequence helpers shared by the evaluator and the built-ins: append, flatten, truthiness, JS equality, ranges.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/number.hpp"
#include "asl/detail/jsonata/value.hpp"
#include "asl/detail/jsonata/value_ops.hpp"

namespace asl::detail::jsonata {

/// A sequence holding one value (jsonata-js's `createSequence(x)`; `x` may be undefined).
inline Value sequence_of(Value v) {
  auto s = new_sequence();
  s->items.push_back(std::move(v));
  return Value::array(std::move(s));
}

inline Value empty_sequence() { return Value::array(new_sequence()); }

/// Copies the items of an array value into `out` (ranges expanded).
inline void append_items(std::vector<Value>& out, const Value& arr) {
  std::size_t n = arr.size();
  out.reserve(out.size() + n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(arr.at(i));
}

/// `$append` / jsonata-js `fn.append`: undefined sides vanish, scalars become one-item arrays,
/// and the result is a new plain array (JavaScript's concat does not copy the sequence flag).
inline Value append_values(const Value& a, const Value& b) {
  if (a.is_undefined()) return b;
  if (b.is_undefined()) return a;
  auto out = new_array();
  if (a.is_array() && a.size() == 0 && b.is_array()) {
    if (const ArrayBox* rb = b.owned_array(); rb && rb->range_count > 0) {
      // A range stays lazy when it is the whole array: `[1..10000000]` must not allocate.
      out->range_first = rb->range_first;
      out->range_count = rb->range_count;
      return Value::array(std::move(out));
    }
  }
  if (a.is_array()) {
    append_items(out->items, a);
  } else {
    out->items.push_back(a);
  }
  if (b.is_array()) {
    append_items(out->items, b);
  } else {
    out->items.push_back(b);
  }
  return Value::array(std::move(out));
}

/// Deep flattening of nested arrays into `out` (iterative: arrays can nest arbitrarily deep).
inline void flatten_into(const Value& v, std::vector<Value>& out) {
  std::vector<std::pair<Value, std::size_t>> stack;
  if (!v.is_array()) {
    out.push_back(v);
    return;
  }
  stack.emplace_back(v, 0);
  while (!stack.empty()) {
    auto& top = stack.back();
    if (top.second >= top.first.size()) {
      stack.pop_back();
      continue;
    }
    Value item = top.first.at(top.second++);
    if (item.is_array()) {
      stack.emplace_back(std::move(item), 0);
    } else {
      out.push_back(std::move(item));
    }
  }
}

/// Throws D1001 for ±Infinity (jsonata-js's isNumeric); NaN is simply not numeric.
inline bool is_numeric(const Value& v) {
  if (!v.is_number()) return false;
  double d = v.as_number();
  if (std::isnan(d)) return false;
  if (std::isinf(d)) throw Error("D1001").with_value(js_number_to_string(d));
  return true;
}

inline bool is_array_of_numbers(const Value& v) {
  if (!v.is_array()) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!is_numeric(v.at(i))) return false;
  }
  return true;
}

inline bool is_array_of_strings(const Value& v) {
  if (!v.is_array()) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v.at(i).is_string()) return false;
  }
  return true;
}

/// `$boolean` semantics without the undefined case: an array is true when any item (at any depth)
/// is; objects when they have members; functions are false.
inline bool truthy_scalar(const Value& v) {
  switch (v.type()) {
    case Type::Boolean: return v.as_bool();
    case Type::String: return !v.as_string().empty();
    case Type::Number: return is_numeric(v) && v.as_number() != 0;
    case Type::Object: return object_size(v) > 0;
    default: return false;
  }
}

inline bool truthy(const Value& root) {
  // Filters call this once per item: a scalar needs no stack (nor its allocation).
  if (!root.is_array()) return truthy_scalar(root);
  std::vector<Value> stack{root};
  while (!stack.empty()) {
    Value v = std::move(stack.back());
    stack.pop_back();
    if (v.is_array()) {
      for (std::size_t i = v.size(); i-- > 0;) stack.push_back(v.at(i));
    } else if (truthy_scalar(v)) {
      return true;
    }
  }
  return false;
}

/// JavaScript's `===`: primitives by value, objects/arrays/functions by identity.
inline bool strict_equal(const Value& a, const Value& b) {
  Type ta = a.type();
  if (ta != b.type()) return false;
  switch (ta) {
    case Type::Undefined:
    case Type::Null: return true;
    case Type::Boolean: return a.as_bool() == b.as_bool();
    case Type::Number: return a.as_number() == b.as_number();
    case Type::String: return a.as_string() == b.as_string();
    default: return a.same_identity(b);
  }
}

// jsonata-js fn.lookup: a field of an object, or of every object inside (nested) arrays.
inline Value lookup_field(const Value& input, std::string_view key) {
  Type t = input.type();
  if (t == Type::Object) return object_get(input, key);
  if (t != Type::Array) return Value();
  auto out = new_sequence();
  // Walk nested arrays with an explicit stack, in order.
  std::vector<std::pair<Value, std::size_t>> stack;
  stack.emplace_back(input, 0);
  while (!stack.empty()) {
    auto& top = stack.back();
    if (top.second >= top.first.size()) {
      stack.pop_back();
      continue;
    }
    Value item = top.first.at(top.second++);
    Type it = item.type();
    if (it == Type::Array) {
      stack.emplace_back(std::move(item), 0);
    } else if (it == Type::Object) {
      Value r = object_get(item, key);
      if (r.is_array()) {
        append_items(out->items, r);
      } else if (!r.is_undefined()) {
        out->items.push_back(std::move(r));
      }
    }
  }
  return Value::array(std::move(out));
}

/// jsonata-js's merge sort: top-down, split at floor(n/2), `swap(a, b)` true moves b first.
/// Recursion is log2(n) deep; merging is a loop.
template <class Swap>
void merge_sort(std::vector<Value>& v, Swap&& swap) {
  if (v.size() <= 1) return;
  std::size_t mid = v.size() / 2;
  // Moved, not copied: every slot of v is written again below.
  std::vector<Value> left(std::make_move_iterator(v.begin()), std::make_move_iterator(v.begin() + static_cast<std::ptrdiff_t>(mid)));
  std::vector<Value> right(std::make_move_iterator(v.begin() + static_cast<std::ptrdiff_t>(mid)), std::make_move_iterator(v.end()));
  merge_sort(left, swap);
  merge_sort(right, swap);
  std::size_t i = 0, j = 0, k = 0;
  while (i < left.size() && j < right.size()) {
    if (swap(left[i], right[j])) {
      v[k++] = std::move(right[j++]);
    } else {
      v[k++] = std::move(left[i++]);
    }
  }
  while (i < left.size()) v[k++] = std::move(left[i++]);
  while (j < right.size()) v[k++] = std::move(right[j++]);
}

}  // namespace asl::detail::jsonata
