// Walks over JSONata values: deep equality, conversion to asl::Json and JSON text. All iterative.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/number.hpp"
#include "asl/detail/jsonata/value.hpp"

namespace asl::detail::jsonata {

// Input documents can be nested far deeper than the C++ stack allows recursion for, so every walk
// below keeps its own stack on the heap.

/// Deep equality as jsonata-js's `=`: numbers by value, strings by content, arrays element-wise,
/// objects by key set and values; functions by identity.
inline bool deep_equal(const Value& a, const Value& b) {
  // Scalars (most comparisons: `=` in filters, `$distinct` of strings) need no work list.
  switch (a.type()) {
    case Type::Array:
    case Type::Object: break;
    case Type::Undefined:
    case Type::Null: return b.type() == a.type();
    case Type::Boolean: return b.type() == Type::Boolean && a.as_bool() == b.as_bool();
    case Type::Number: return b.type() == Type::Number && a.as_number() == b.as_number();
    case Type::String: return b.type() == Type::String && a.as_string() == b.as_string();
    case Type::Function: return b.type() == Type::Function && a.same_identity(b);
  }
  std::vector<std::pair<Value, Value>> todo;
  todo.emplace_back(a, b);
  while (!todo.empty()) {
    Value x = std::move(todo.back().first);
    Value y = std::move(todo.back().second);
    todo.pop_back();
    Type tx = x.type();
    Type ty = y.type();
    if (tx != ty) return false;
    switch (tx) {
      case Type::Undefined:
      case Type::Null: break;
      case Type::Boolean:
        if (x.as_bool() != y.as_bool()) return false;
        break;
      case Type::Number:
        if (x.as_number() != y.as_number()) return false;
        break;
      case Type::String:
        if (x.as_string() != y.as_string()) return false;
        break;
      case Type::Function:
        if (!x.same_identity(y)) return false;
        break;
      case Type::Array: {
        if (x.same_identity(y)) break;
        std::size_t n = x.size();
        if (n != y.size()) return false;
        for (std::size_t i = 0; i < n; ++i) todo.emplace_back(x.at(i), y.at(i));
        break;
      }
      case Type::Object: {
        if (x.same_identity(y)) break;
        if (object_size(x) != object_size(y)) return false;
        bool ok = true;
        object_for_each(x, [&](std::string_view k, const Value& v) {
          if (!ok) return;
          Value other = object_get(y, k);
          if (other.is_undefined()) {
            ok = false;
            return;
          }
          todo.emplace_back(v, std::move(other));
        });
        if (!ok) return false;
        break;
      }
    }
  }
  return true;
}

/// A number as asl::Json: integers that fit stay integers (so they print without a fraction).
inline Json number_to_json(double d) {
  if (!std::isfinite(d)) throw Error("D1001").with_value("null");
  if (is_integer(d) && std::fabs(d) < 9007199254740992.0) return Json(static_cast<std::int64_t>(d));
  return Json(d);
}

/// Converts a value to asl::Json (the evaluation's result). Functions become "" as in jsonata-js's
/// stringification; undefined members are dropped. Non-finite numbers cannot be JSON: D1001, or
/// (AWS Step Functions' behaviour) the strings "Infinity", "-Infinity" and "NaN".
inline Json to_json(const Value& root, bool nonfinite_as_strings = false) {
  struct Item {
    Value v;
    Json* slot;
  };
  Json out;
  const Type root_type = root.type();
  if (root_type != Type::Array && root_type != Type::Object) {
    // A scalar result (most of them): no work list.
    switch (root_type) {
      case Type::Boolean: return Json(root.as_bool());
      case Type::Number:
        if (const Json* j = root.json()) return *j;
        if (nonfinite_as_strings && !std::isfinite(root.as_number())) return Json(js_number_to_string(root.as_number()));
        return number_to_json(root.as_number());
      case Type::String: return Json(std::string(root.as_string()));
      case Type::Function: return Json("");
      default: return Json(nullptr);
    }
  }
  std::vector<Item> todo;
  todo.push_back({root, &out});
  while (!todo.empty()) {
    Item it = std::move(todo.back());
    todo.pop_back();
    const Value& v = it.v;
    switch (v.type()) {
      case Type::Undefined:
      case Type::Null: *it.slot = nullptr; break;
      case Type::Boolean: *it.slot = v.as_bool(); break;
      case Type::Number:
        if (const Json* j = v.json()) {
          *it.slot = *j;  // exact input numbers pass through unchanged
        } else if (nonfinite_as_strings && !std::isfinite(v.as_number())) {
          *it.slot = js_number_to_string(v.as_number());
        } else {
          *it.slot = number_to_json(v.as_number());
        }
        break;
      case Type::String: *it.slot = std::string(v.as_string()); break;
      case Type::Function: *it.slot = ""; break;
      case Type::Array: {
        *it.slot = Json::array();
        std::size_t n = v.size();
        auto& arr = it.slot->get_ref<Json::array_t&>();
        arr.resize(n);
        for (std::size_t i = n; i-- > 0;) todo.push_back({v.at(i), &arr[i]});
        break;
      }
      case Type::Object: {
        *it.slot = Json::object();
        // ordered_json's storage is a vector: the keys of a value's object are unique already,
        // so append to it directly (operator[] searches for each key, twice) and point the work
        // items at the slots once it has stopped growing.
        auto& members = it.slot->get_ref<Json::object_t&>();
        members.reserve(object_size(v));
        const std::size_t first = todo.size();
        object_for_each(v, [&](std::string_view k, const Value& m) {
          if (m.is_undefined()) return;
          members.emplace_back(std::string(k), nullptr);
          todo.push_back({m, nullptr});
        });
        for (std::size_t i = first; i < todo.size(); ++i) {
          todo[i].slot = &(members.begin() + static_cast<std::ptrdiff_t>(i - first))->second;
        }
        // Members are converted in order (the stack pops the last pushed first).
        std::reverse(todo.begin() + static_cast<std::ptrdiff_t>(first), todo.end());
        break;
      }
    }
  }
  return out;
}

inline void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static const char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

/// JSON.stringify as jsonata-js's `$string` calls it: non-integer numbers rounded to 15
/// significant digits, functions as "", `indent` spaces when pretty-printing.
inline std::string stringify(const Value& root, bool pretty, bool round15 = true) {
  std::string out;
  // A work item is a value to write or a piece of punctuation; `depth` drives indentation.
  struct Item {
    Value v;
    int depth;
    std::string_view literal;  // when non-empty: punctuation to write (see below)
  };
  auto newline = [&](int depth) {
    if (!pretty) return;
    out += '\n';
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
  };
  std::vector<Item> todo;
  todo.push_back({root, 0, {}});
  while (!todo.empty()) {
    Item it = std::move(todo.back());
    todo.pop_back();
    if (!it.literal.empty()) {
      if (it.literal == "\x01") {  // before the first member
        newline(it.depth);
      } else if (it.literal == "\x02") {  // an object key, already quoted, with its colon
        out += it.v.as_string();
      } else if (it.literal == ",") {
        out += ',';
        newline(it.depth);
      } else {  // a closing bracket
        newline(it.depth);
        out += it.literal;
      }
      continue;
    }
    const Value& v = it.v;
    switch (v.type()) {
      case Type::Undefined:
      case Type::Null: out += "null"; break;
      case Type::Boolean: out += v.as_bool() ? "true" : "false"; break;
      case Type::Number: {
        double d = v.as_number();
        if (!std::isfinite(d)) throw Error("D1001").with_value(js_number_to_string(d));
        if (round15 && !is_integer(d)) d = round_to_15_digits(d);
        out += js_number_to_string(d);
        break;
      }
      case Type::String: append_json_string(out, v.as_string()); break;
      case Type::Function: out += "\"\""; break;
      case Type::Array: {
        std::size_t n = v.size();
        if (v.is_outer_wrapper() && n > 0) {
          todo.push_back({v.at(0), it.depth, {}});
          break;
        }
        if (n == 0) {
          out += "[]";
          break;
        }
        out += '[';
        todo.push_back({Value(), it.depth, "]"});
        for (std::size_t i = n; i-- > 0;) {
          todo.push_back({v.at(i), it.depth + 1, {}});
          // The separator and indentation before element i.
          todo.push_back({Value(), it.depth + 1, i == 0 ? std::string_view("\x01") : std::string_view(",")});
        }
        break;
      }
      case Type::Object: {
        std::vector<std::pair<std::string, Value>> members;
        object_for_each(v, [&](std::string_view k, const Value& m) {
          if (!m.is_undefined()) members.emplace_back(std::string(k), m);
        });
        if (members.empty()) {
          out += "{}";
          break;
        }
        out += '{';
        todo.push_back({Value(), it.depth, "}"});
        for (std::size_t i = members.size(); i-- > 0;) {
          todo.push_back({members[i].second, it.depth + 1, {}});
          std::string key;
          append_json_string(key, members[i].first);
          key += pretty ? ": " : ":";
          // Keys are owned by a string value pushed as a literal-writing item.
          todo.push_back({Value::string(std::move(key)), it.depth + 1, "\x02"});
          todo.push_back({Value(), it.depth + 1, i == 0 ? std::string_view("\x01") : std::string_view(",")});
        }
        break;
      }
    }
  }
  return out;
}

/// Deep copy as `$clone` does (a JSON round trip: numbers through $string's rounding,
/// functions to ""), into owned objects the transform may edit. Iterative.
inline Value clone_value(const Value& root) {
  struct Item {
    Value src;
    Value* dst;
  };
  Value out;
  std::vector<Item> todo{{root, &out}};
  while (!todo.empty()) {
    Item it = std::move(todo.back());
    todo.pop_back();
    const Value& v = it.src;
    switch (v.type()) {
      case Type::Undefined: *it.dst = Value::null(); break;
      case Type::Null:
      case Type::Boolean:
      case Type::String: *it.dst = v; break;
      case Type::Number: {
        double d = v.as_number();
        if (!std::isfinite(d)) throw Error("D1001").with_value(js_number_to_string(d));
        *it.dst = is_integer(d) ? v : Value::number(round_to_15_digits(d));
        break;
      }
      case Type::Function: *it.dst = Value::string(""); break;
      case Type::Array: {
        auto a = new_array();
        std::size_t n = v.size();
        a->items.resize(n);
        for (std::size_t i = 0; i < n; ++i) todo.push_back({v.at(i), &a->items[i]});
        *it.dst = Value::array(std::move(a));
        break;
      }
      case Type::Object: {
        auto o = new_object();
        object_for_each(v, [&](std::string_view k, const Value& m) {
          if (!m.is_undefined()) o->entries.emplace_back(std::string(k), Value());
        });
        std::size_t k = 0;
        object_for_each(v, [&](std::string_view, const Value& m) {
          if (!m.is_undefined()) todo.push_back({m, &o->entries[k++].second});
        });
        *it.dst = Value::object(std::move(o));
        break;
      }
    }
  }
  return out;
}

/// `$string(v, pretty)`: strings unchanged, functions as "", numbers and structures as JSON with
/// non-integers rounded to 15 significant digits; ±Infinity and NaN raise D3001.
inline std::string string_of(const Value& v, bool pretty = false) {
  switch (v.type()) {
    case Type::String: return std::string(v.as_string());
    case Type::Function: return std::string();
    case Type::Number:
      if (!std::isfinite(v.as_number())) throw Error("D3001");
      return stringify(v, pretty);
    default: return stringify(v, pretty);
  }
}

}  // namespace asl::detail::jsonata
