// Higher-order built-ins: $map, $filter, $single, $reduce, $sift, $each.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "asl/detail/jsonata/builtin.hpp"
#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/evaluator.hpp"
#include "asl/detail/jsonata/functions_string.hpp"
#include "asl/detail/jsonata/sequence.hpp"
#include "asl/detail/jsonata/value.hpp"

namespace asl::detail::jsonata::fn {

/// The arguments a callback gets: the value, then index and the whole array when it declares
/// that many parameters (jsonata-js hofFuncArgs). Written into `out`, which a loop reuses.
inline std::vector<Value>& hof_args(std::vector<Value>& out, const Value& func, Value v, Value index, const Value& whole) {
  std::size_t arity = Evaluator::arity_of(func);
  out.clear();
  out.push_back(std::move(v));
  if (arity >= 2) out.push_back(std::move(index));
  if (arity >= 3) out.push_back(whole);
  return out;
}

inline Value map(CallContext& c, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined()) return Value();
  const Value& f = arg(a, 1);
  auto result = new_sequence();
  result->items.reserve(arr.size());
  std::vector<Value> args;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    Value r = c.ev.apply_args(f, hof_args(args, f, arr.at(i), Value::number(static_cast<double>(i)), arr), c.input, c.env);
    if (!r.is_undefined()) result->items.push_back(std::move(r));
  }
  return Value::array(std::move(result));
}

inline Value filter(CallContext& c, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined()) return Value();
  const Value& f = arg(a, 1);
  auto result = new_sequence();
  std::vector<Value> args;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    Value item = arr.at(i);
    Value r = c.ev.apply_args(f, hof_args(args, f, item, Value::number(static_cast<double>(i)), arr), c.input, c.env);
    if (truthy(r)) result->items.push_back(std::move(item));
  }
  return Value::array(std::move(result));
}

inline Value single(CallContext& c, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined()) return Value();
  const Value& f = arg(a, 1);
  bool found = false;
  Value result;
  std::vector<Value> args;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    Value item = arr.at(i);
    bool positive = true;
    if (!f.is_undefined()) {
      positive = truthy(c.ev.apply_args(f, hof_args(args, f, item, Value::number(static_cast<double>(i)), arr), c.input, c.env));
    }
    if (positive) {
      if (found) throw Error("D3138").with_index(i);
      result = item;
      found = true;
    }
  }
  if (!found) throw Error("D3139");
  return result;
}

inline Value reduce(CallContext& c, std::vector<Value>& a) {
  const Value& seq = arg(a, 0);
  if (seq.is_undefined()) return Value();
  const Value& f = arg(a, 1);
  std::size_t arity = Evaluator::arity_of(f);
  if (arity < 2) throw Error("D3050").with_index(1);
  Value result;
  std::size_t index = 0;
  if (arg(a, 2).is_undefined() && seq.size() > 0) {
    result = seq.at(0);
    index = 1;
  } else {
    result = arg(a, 2);
  }
  std::vector<Value> args;
  for (; index < seq.size(); ++index) {
    args.clear();
    args.push_back(std::move(result));
    args.push_back(seq.at(index));
    if (arity >= 3) args.push_back(Value::number(static_cast<double>(index)));
    if (arity >= 4) args.push_back(seq);
    result = c.ev.apply_args(f, args, c.input, c.env);
  }
  return result;
}

inline Value sift(CallContext& c, std::vector<Value>& a) {
  const Value& obj = arg(a, 0);
  const Value& f = arg(a, 1);
  auto result = new_object();
  if (obj.is_object()) {
    std::vector<std::pair<std::string, Value>> members;
    object_for_each(obj, [&](std::string_view k, const Value& v) { members.emplace_back(std::string(k), v); });
    std::vector<Value> args;
    for (auto& m : members) {
      Value r = c.ev.apply_args(f, hof_args(args, f, m.second, Value::string(m.first), obj), c.input, c.env);
      if (truthy(r)) result->set(m.first, m.second);
    }
  }
  if (result->entries.empty()) return Value();
  return Value::object(std::move(result));
}

inline Value each(CallContext& c, std::vector<Value>& a) {
  const Value& obj = arg(a, 0);
  const Value& f = arg(a, 1);
  auto result = new_sequence();
  if (obj.is_object()) {
    std::vector<std::pair<std::string, Value>> members;
    object_for_each(obj, [&](std::string_view k, const Value& v) { members.emplace_back(std::string(k), v); });
    std::vector<Value> args;
    for (auto& m : members) {
      Value r = c.ev.apply_args(f, hof_args(args, f, m.second, Value::string(m.first), obj), c.input, c.env);
      if (!r.is_undefined()) result->items.push_back(std::move(r));
    }
  }
  return Value::array(std::move(result));
}

}  // namespace asl::detail::jsonata::fn
