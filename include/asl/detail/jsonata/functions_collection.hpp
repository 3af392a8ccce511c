// Boolean, array and object built-ins ($boolean, $exists, $append, $sort, $distinct, $keys, $merge, $spread, ...).
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "asl/detail/jsonata/builtin.hpp"
#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/evaluator.hpp"
#include "asl/detail/jsonata/functions_string.hpp"
#include "asl/detail/jsonata/sequence.hpp"
#include "asl/detail/jsonata/value.hpp"

namespace asl::detail::jsonata::fn {

inline Value boolean(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::boolean(truthy(arg(a, 0)));
}

inline Value not_fn(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::boolean(!truthy(arg(a, 0)));
}

inline Value exists(CallContext&, std::vector<Value>& a) { return Value::boolean(!arg(a, 0).is_undefined()); }

inline Value append(CallContext&, std::vector<Value>& a) { return append_values(arg(a, 0), arg(a, 1)); }

inline Value type(CallContext&, std::vector<Value>& a) {
  const Value& v = arg(a, 0);
  switch (v.type()) {
    case Type::Undefined: return Value();
    case Type::Null: return Value::string("null");
    case Type::Number: return Value::string("number");
    case Type::String: return Value::string("string");
    case Type::Boolean: return Value::string("boolean");
    case Type::Array: return Value::string("array");
    case Type::Function: return Value::string("function");
    case Type::Object: return Value::string("object");
  }
  return Value();
}

inline Value error(CallContext&, std::vector<Value>& a) {
  std::string msg = arg(a, 0).is_string() && !arg(a, 0).as_string().empty() ? std::string(arg(a, 0).as_string())
                                                                              : std::string("$error() function evaluated");
  throw Error("D3137").with_message(std::move(msg));
}

inline Value assert_fn(CallContext&, std::vector<Value>& a) {
  if (!(arg(a, 0).is_bool() && arg(a, 0).as_bool())) {
    std::string msg = arg(a, 1).is_string() && !arg(a, 1).as_string().empty() ? std::string(arg(a, 1).as_string())
                                                                                : std::string("$assert() statement failed");
    throw Error("D3141").with_message(std::move(msg));
  }
  return Value();
}

inline Value keys(CallContext&, std::vector<Value>& a) {
  const Value& v = arg(a, 0);
  auto result = new_sequence();
  std::vector<std::string> seen_order;
  std::unordered_set<std::string> seen;
  auto add_object = [&](const Value& o) {
    object_for_each(o, [&](std::string_view k, const Value&) {
      if (seen.insert(std::string(k)).second) seen_order.emplace_back(k);
    });
  };
  if (v.is_array()) {
    std::vector<Value> flat;
    flatten_into(v, flat);
    for (const auto& item : flat) {
      if (item.is_object()) add_object(item);
    }
  } else if (v.is_object()) {
    add_object(v);
  }
  for (auto& k : seen_order) result->items.push_back(Value::string(std::move(k)));
  return Value::array(std::move(result));
}

inline Value lookup(CallContext&, std::vector<Value>& a) {
  // `$lookup(o, $$)` with no input: an undefined key finds nothing (jsonata-js: o[undefined]).
  if (!arg(a, 1).is_string()) return Value();
  return lookup_field(arg(a, 0), arg(a, 1).as_string());
}

inline Value spread(CallContext&, std::vector<Value>& a) {
  const Value& v = arg(a, 0);
  if (v.is_array()) {
    std::vector<Value> flat;
    flatten_into(v, flat);
    Value result = empty_sequence();
    for (const auto& item : flat) {
      if (item.is_object()) {
        auto s = new_sequence();
        object_for_each(item, [&](std::string_view k, const Value& m) {
          auto o = new_object();
          o->set(std::string(k), m);
          s->items.push_back(Value::object(std::move(o)));
        });
        result = append_values(result, Value::array(std::move(s)));
      } else {
        result = append_values(result, item);
      }
    }
    return result;
  }
  if (v.is_object()) {
    auto s = new_sequence();
    object_for_each(v, [&](std::string_view k, const Value& m) {
      auto o = new_object();
      o->set(std::string(k), m);
      s->items.push_back(Value::object(std::move(o)));
    });
    return Value::array(std::move(s));
  }
  return v;
}

inline Value merge(CallContext&, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined()) return Value();
  auto out = new_object();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    object_for_each(arr.at(i), [&](std::string_view k, const Value& v) { out->set(std::string(k), v); });
  }
  return Value::object(std::move(out));
}

inline Value reverse(CallContext&, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined()) return Value();
  if (arr.size() <= 1) return arr;
  auto out = new_array();
  for (std::size_t i = arr.size(); i-- > 0;) out->items.push_back(arr.at(i));
  return Value::array(std::move(out));
}

inline Value shuffle(CallContext&, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined()) return Value();
  if (arr.size() <= 1) return arr;
  auto out = new_array();
  append_items(out->items, arr);
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  std::shuffle(out->items.begin(), out->items.end(), gen);
  return Value::array(std::move(out));
}

inline Value distinct(CallContext&, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined()) return Value();
  if (!arr.is_array() || arr.size() <= 1) return arr;
  auto out = arr.is_sequence() ? new_sequence() : new_array();
  // A string equals only a string with the same text: those are found by hash (the views point
  // into values that `arr` or `out` keep alive). Anything else is compared with every kept item.
  std::unordered_set<std::string_view> strings;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    Value v = arr.at(i);
    if (v.is_string()) {
      if (strings.insert(v.as_string()).second) out->items.push_back(std::move(v));
      continue;
    }
    bool found = false;
    for (const auto& r : out->items) {
      if (deep_equal(v, r)) {
        found = true;
        break;
      }
    }
    if (!found) out->items.push_back(std::move(v));
  }
  return Value::array(std::move(out));
}

/// JavaScript truthiness (how `$sort` treats its comparator's answer).
inline bool js_truthy(const Value& v) {
  switch (v.type()) {
    case Type::Undefined:
    case Type::Null: return false;
    case Type::Boolean: return v.as_bool();
    case Type::Number: {
      double d = v.as_number();
      return d != 0 && !std::isnan(d);
    }
    case Type::String: return !v.as_string().empty();
    default: return true;
  }
}

inline Value sort(CallContext& c, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined()) return Value();
  if (arr.size() <= 1) return arr;
  std::vector<Value> items;
  append_items(items, arr);
  const Value& comparator = arg(a, 1);
  if (comparator.is_undefined()) {
    bool numbers = is_array_of_numbers(arr);
    if (!numbers && !is_array_of_strings(arr)) throw Error("D3070").with_index(1);
    merge_sort(items, [&](const Value& x, const Value& y) {
      if (numbers) return x.as_number() > y.as_number();
      return compare_utf16(x.as_string(), y.as_string()) > 0;
    });
  } else {
    std::vector<Value> args;  // reused by every comparison
    merge_sort(items, [&](const Value& x, const Value& y) {
      args.clear();
      args.push_back(x);
      args.push_back(y);
      return js_truthy(c.ev.apply_args(comparator, args, c.input, c.env));
    });
  }
  auto out = new_array();
  out->items = std::move(items);
  return Value::array(std::move(out));
}

inline Value zip(CallContext&, std::vector<Value>& a) {
  auto result = new_array();
  if (a.empty()) return Value::array(std::move(result));
  std::size_t n = static_cast<std::size_t>(-1);
  for (const auto& x : a) n = std::min(n, x.is_array() ? x.size() : 0);
  for (std::size_t i = 0; i < n; ++i) {
    auto tuple = new_array();
    for (const auto& x : a) tuple->items.push_back(x.at(i));
    result->items.push_back(Value::array(std::move(tuple)));
  }
  return Value::array(std::move(result));
}

inline Value clone(CallContext&, std::vector<Value>& a) { return Evaluator::clone(arg(a, 0)); }

}  // namespace asl::detail::jsonata::fn
