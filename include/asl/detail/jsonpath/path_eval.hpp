// JSONPath evaluator: walks compiled steps over a document (select/find, filters, deep scan) in Jayway order.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "asl/detail/jsonpath/filter.hpp"
#include "asl/detail/jsonpath/path_model.hpp"
#include "asl/detail/jsonpath/path_text.hpp"
#include "asl/json.hpp"

namespace asl::detail::jsonpath {

namespace impl {

/// Evaluates steps against a document. Works on a frontier of (node, next step) items instead of
/// recursing per step, so long paths cannot exhaust the stack; expanding every item in place keeps
/// Jayway's (depth-first) result order.
class Evaluator {
 public:
  explicit Evaluator(const Json& document) : doc_(document) {}

  struct Item {
    const Json* node;
    std::size_t step;
  };

  /// All matches of `steps` from `start`, in order. Merged objects live in `owned`.
  void run(const std::vector<Step>& steps, const Json& start, std::vector<const Json*>& out,
           std::deque<Json>& owned) const {
    const std::size_t n = steps.size();
    std::vector<Item> cur{Item{&start, 0}};
    std::vector<Item> next;
    bool pending = n > 0;
    while (pending) {
      next.clear();
      pending = false;
      for (const Item& it : cur) {
        if (it.step == n) {
          next.push_back(it);
        } else {
          expand(steps, it, next, owned);
        }
      }
      cur.swap(next);
      for (const Item& it : cur) {
        if (it.step < n) {
          pending = true;
          break;
        }
      }
    }
    out.reserve(out.size() + cur.size());
    for (const Item& it : cur) out.push_back(it.node);
  }

  /// Jayway's filter predicate applied to one candidate node (`@`).
  bool accept(const Expr& e, const Json& current) const {
    switch (e.op) {
      case Op::any:
        for (const auto& k : e.kids)
          if (accept(k, current)) return true;
        return false;
      case Op::all:
        for (const auto& k : e.kids)
          if (!accept(k, current)) return false;
        return true;
      case Op::negate: return !accept(e.kids.front(), current);
      case Op::exists: return exists(e.lhs, current);
      case Op::absent: return !exists(e.lhs, current);
      default: break;
    }
    Val a;
    Val b;
    resolve(e.lhs, current, a);
    resolve(e.rhs, current, b);
    return compare(e.op, a, b);
  }

  /// Plain chain (single names/indexes): the node or nullptr, no messages.
  static const Json* locate(const std::vector<Step>& steps, std::size_t count, const Json& root) {
    const Json* cur = &root;
    for (std::size_t i = 0; i < count; ++i) {
      const Step& s = steps[i];
      if (s.kind == StepKind::name) {
        const auto* obj = cur->get_ptr<const Json::object_t*>();
        if (obj == nullptr) return nullptr;
        const Json* next = nullptr;
        for (const auto& kv : *obj) {
          if (same_key(kv.first, s.name.data(), s.name.size())) {
            next = &kv.second;
            break;
          }
        }
        if (next == nullptr) return nullptr;
        cur = next;
      } else {
        const auto* arr = cur->get_ptr<const Json::array_t*>();
        if (arr == nullptr) return nullptr;
        const auto size = static_cast<std::int64_t>(arr->size());
        const std::int64_t idx = s.index < 0 ? s.index + size : s.index;
        if (idx < 0 || idx >= size) return nullptr;
        cur = &(*arr)[static_cast<std::size_t>(idx)];
      }
    }
    return cur;
  }

  static Json merge(const Step& s, const Json& obj) {
    Json merged = Json::object();
    for (const auto& name : s.data->names) {
      auto it = obj.find(name);
      if (it != obj.end()) merged[name] = *it;
    }
    return merged;
  }

 private:
  void push_index(const Json& arr, std::int64_t index, std::size_t step, std::vector<Item>& next) const {
    const auto size = static_cast<std::int64_t>(arr.size());
    const std::int64_t idx = index < 0 ? index + size : index;
    if (idx >= 0 && idx < size) next.push_back(Item{&arr[static_cast<std::size_t>(idx)], step});
  }

  void push_slice(const Json& arr, const Slice& sl, std::size_t step, std::vector<Item>& next) const {
    const auto len = static_cast<std::int64_t>(arr.size());
    if (!sl.has_step) {  // Jayway's ArraySliceToken, negative handling included
      if (sl.has_start && !sl.has_end) {
        std::int64_t from = sl.start < 0 ? len + sl.start : sl.start;
        from = std::max<std::int64_t>(0, from);
        for (std::int64_t i = from; i < len; ++i) next.push_back(Item{&arr[static_cast<std::size_t>(i)], step});
      } else if (sl.has_start) {
        const std::int64_t to = std::min(len, sl.end);
        if (sl.start >= to || len == 0) return;
        for (std::int64_t i = std::max(sl.start, -len); i < to; ++i) push_index(arr, i, step, next);
      } else {
        if (len == 0) return;
        std::int64_t to = sl.end < 0 ? len + sl.end : sl.end;
        to = std::min(len, to);
        for (std::int64_t i = 0; i < to; ++i) next.push_back(Item{&arr[static_cast<std::size_t>(i)], step});
      }
      return;
    }
    // RFC 9535 §2.3.4.2 (Jayway has no step).
    const std::int64_t k = sl.step;
    auto norm = [len](std::int64_t i) { return i >= 0 ? i : len + i; };
    if (k > 0) {
      const std::int64_t lower = std::min(std::max(sl.has_start ? norm(sl.start) : 0, std::int64_t{0}), len);
      const std::int64_t upper = std::min(std::max(sl.has_end ? norm(sl.end) : len, std::int64_t{0}), len);
      for (std::int64_t i = lower; i < upper; i += k) next.push_back(Item{&arr[static_cast<std::size_t>(i)], step});
    } else {
      const std::int64_t upper = std::min(std::max(sl.has_start ? norm(sl.start) : len - 1, std::int64_t{-1}), len - 1);
      const std::int64_t lower = std::min(std::max(sl.has_end ? norm(sl.end) : -1, std::int64_t{-1}), len - 1);
      for (std::int64_t i = upper; lower < i; i += k) next.push_back(Item{&arr[static_cast<std::size_t>(i)], step});
    }
  }

  void expand(const std::vector<Step>& steps, const Item& it, std::vector<Item>& next,
              std::deque<Json>& owned) const {
    const Step& s = steps[it.step];
    const Json& node = *it.node;
    const std::size_t after = it.step + 1;
    switch (s.kind) {
      case StepKind::name:
        if (node.is_object()) {
          auto f = node.find(s.name);
          if (f != node.end()) next.push_back(Item{&*f, after});
        }
        break;
      case StepKind::names:
        if (!node.is_object()) break;
        if (after == steps.size()) {  // leaf: Jayway merges the members into one object
          owned.push_back(merge(s, node));
          next.push_back(Item{&owned.back(), after});
        } else {
          for (const auto& name : s.data->names) {
            auto f = node.find(name);
            if (f != node.end()) next.push_back(Item{&*f, after});
          }
        }
        break;
      case StepKind::index:
        if (node.is_array()) push_index(node, s.index, after, next);
        break;
      case StepKind::indexes:
        if (node.is_array())
          for (auto i : s.data->indexes) push_index(node, i, after, next);
        break;
      case StepKind::slice:
        if (node.is_array()) push_slice(node, s.data->slice, after, next);
        break;
      case StepKind::wildcard:
        if (node.is_object() || node.is_array())
          for (const auto& child : node) next.push_back(Item{&child, after});
        break;
      case StepKind::filter:
        if (node.is_object()) {  // Jayway tests an object itself
          if (accept(*s.data->filter, node)) next.push_back(Item{&node, after});
        } else if (node.is_array()) {
          for (const auto& child : node)
            if (accept(*s.data->filter, child)) next.push_back(Item{&child, after});
        }
        break;
      case StepKind::scan: scan(steps, after, node, next); break;
    }
  }

  /// Jayway's ScanPathToken predicate: may step `target` apply to this container?
  bool scan_applies(const Step& target, const Json& node) const {
    switch (target.kind) {
      case StepKind::name: return node.is_object() && node.contains(target.name);
      case StepKind::names: return node.is_object();
      case StepKind::index:
      case StepKind::indexes:
      case StepKind::slice: return node.is_array();
      case StepKind::wildcard: return true;
      case StepKind::filter: return accept(*target.data->filter, node);
      default: return false;
    }
  }

  /// Jayway's ScanPathToken.walk, iteratively: each container first offers itself to the next
  /// step, then its children are walked in order.
  void scan(const std::vector<Step>& steps, std::size_t target, const Json& start, std::vector<Item>& next) const {
    const Step& t = steps[target];
    const bool leaf = target + 1 == steps.size();
    auto visit = [&](const Json& node) {
      if (!scan_applies(t, node)) return;
      if (node.is_object() || leaf) {
        next.push_back(Item{&node, target});
      } else {  // Jayway's walkArray hands each element to the step AFTER the target
        for (const auto& child : node) next.push_back(Item{&child, target + 1});
      }
    };
    if (!start.is_object() && !start.is_array()) return;
    visit(start);
    std::vector<std::pair<const Json*, std::size_t>> stack{{&start, 0}};
    while (!stack.empty()) {
      const Json& parent = *stack.back().first;
      const std::size_t k = stack.back().second;
      if (k >= parent.size()) {
        stack.pop_back();
        continue;
      }
      ++stack.back().second;
      const Json* child = nullptr;
      if (const auto* obj = parent.get_ptr<const Json::object_t*>()) {
        child = &(obj->begin() + static_cast<std::ptrdiff_t>(k))->second;
      } else {
        child = &parent.get_ref<const Json::array_t&>()[k];
      }
      if (child->is_object() || child->is_array()) {
        visit(*child);
        stack.emplace_back(child, 0);
      }
    }
  }

  /// The value of a chain inside a filter; false = UNDEFINED.
  bool chain_value(const Chain& c, const Json& base, Val& v) const {
    if (c.plain && c.fn == Function::none) {
      v.j = locate(c.steps, c.steps.size(), base);
      return v.j != nullptr;
    }
    const Json* input = nullptr;
    if (c.plain) {
      input = locate(c.steps, c.steps.size(), base);
      if (input == nullptr) return false;
    } else if (c.merge_single) {
      const Json* parent = locate(c.steps, c.steps.size() - 1, base);
      if (parent == nullptr || !parent->is_object()) return false;
      v.own = merge(c.steps.back(), *parent);
      input = &v.own;
    } else {
      std::vector<const Json*> found;
      std::deque<Json> owned;
      run(c.steps, base, found, owned);
      Json arr = Json::array();
      for (const Json* p : found) arr.push_back(*p);
      v.own = std::move(arr);
      input = &v.own;
    }
    if (c.fn != Function::none) {
      Json result;
      if (!apply_function(c.fn, *input, result, nullptr)) return false;
      v.own = std::move(result);
      input = &v.own;
    }
    v.j = input;
    return true;
  }

  void resolve(const Operand& o, const Json& current, Val& v) const {
    switch (o.kind) {
      case OperandKind::literal:
        v.j = &o.literal;
        if (!o.number_text.empty()) v.text = &o.number_text;
        break;
      case OperandKind::pattern: v.re = o.pattern.get(); break;
      case OperandKind::current: chain_value(*o.path, current, v); break;
      case OperandKind::document: chain_value(*o.path, doc_, v); break;
    }
  }

  /// Existence test (`@.isbn`): a definite path must find a node (null counts); an indefinite
  /// one must match at least once.
  bool exists(const Operand& o, const Json& current) const {
    const Json& base = o.kind == OperandKind::document ? doc_ : current;
    const Chain& c = *o.path;
    if (c.plain && c.fn == Function::none) return locate(c.steps, c.steps.size(), base) != nullptr;
    if (c.fn != Function::none || c.merge_single) {
      Val v;
      return chain_value(c, base, v);
    }
    std::vector<const Json*> found;
    std::deque<Json> owned;
    run(c.steps, base, found, owned);
    return !found.empty();
  }

  static bool compare(Op op, const Val& a, const Val& b) {
    const Kind ka = kind_of(a);
    const Kind kb = kind_of(b);
    switch (op) {
      case Op::eq: return values_equal(a, b);
      case Op::ne: return !values_equal(a, b);
      case Op::strict_eq: return ka == kb && values_equal(a, b);
      case Op::strict_ne: return !(ka == kb && values_equal(a, b));
      case Op::lt:
      case Op::le:
      case Op::gt:
      case Op::ge: {
        int c = 0;
        if (ka == Kind::number && kb == Kind::number) {
          c = number_compare(*a.j, *b.j);
        } else if (ka == Kind::string && kb == Kind::string) {
          c = utf16_compare(a.j->get_ref<const std::string&>(), b.j->get_ref<const std::string&>());
        } else {
          return false;  // different types never compare (older Jayway, the brief's contract)
        }
        if (op == Op::lt) return c < 0;
        if (op == Op::le) return c <= 0;
        if (op == Op::gt) return c > 0;
        return c >= 0;
      }
      case Op::matches:
        if ((ka == Kind::pattern) == (kb == Kind::pattern)) return false;
        return ka == Kind::pattern ? regex_matches(*a.re, b) : regex_matches(*b.re, a);
      case Op::in: return is_array_val(b) && list_contains(*b.j, a);
      case Op::nin: return !(is_array_val(b) && list_contains(*b.j, a));
      case Op::subsetof:
        if (!is_array_val(a) || !is_array_val(b)) return false;
        for (const auto& e : *a.j) {
          Val x;
          x.j = &e;
          if (!list_contains(*b.j, x)) return false;
        }
        return true;
      case Op::anyof:
      case Op::noneof: {
        if (!is_array_val(a) || !is_array_val(b)) return false;
        bool any = false;
        for (const auto& e : *a.j) {
          Val x;
          x.j = &e;
          if (list_contains(*b.j, x)) {
            any = true;
            break;
          }
        }
        return op == Op::anyof ? any : !any;
      }
      case Op::contains:
        if (ka == Kind::string && kb == Kind::string)
          return a.j->get_ref<const std::string&>().find(b.j->get_ref<const std::string&>()) != std::string::npos;
        return is_array_val(a) && list_contains(*a.j, b);
      case Op::size: {
        if (kb != Kind::number) return false;
        const auto expected = static_cast<std::int64_t>(b.j->get<double>());  // Java intValue(): truncation
        if (ka == Kind::string)
          return static_cast<std::int64_t>(utf16_length(a.j->get_ref<const std::string&>())) == expected;
        if (ka == Kind::json) return (a.j->is_array() ? static_cast<std::int64_t>(a.j->size()) : -1) == expected;
        return false;
      }
      case Op::empty: {
        if (kb != Kind::boolean) return false;
        const bool want = b.j->get<bool>();
        if (ka == Kind::string) return a.j->get_ref<const std::string&>().empty() == want;
        if (ka == Kind::json) return a.j->empty() == want;
        return false;
      }
      default: return false;
    }
  }

  const Json& doc_;
};

}  // namespace impl

}  // namespace asl::detail::jsonpath
