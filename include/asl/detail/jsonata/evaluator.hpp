// The JSONata evaluator: walks the processed tree with jsonata-js's sequence, tuple and function semantics.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/base/config.hpp"
#include "asl/detail/jsonata/ast.hpp"
#include "asl/detail/jsonata/builtin.hpp"
#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/limits.hpp"
#include "asl/detail/jsonata/number.hpp"
#include "asl/detail/jsonata/operators.hpp"
#include "asl/detail/jsonata/regex.hpp"
#include "asl/detail/jsonata/sequence.hpp"
#include "asl/detail/jsonata/signature.hpp"
#include "asl/detail/jsonata/utf.hpp"
#include "asl/detail/jsonata/value.hpp"
#include "asl/detail/jsonata/value_ops.hpp"

namespace asl::detail::jsonata {

/// Evaluates expressions. One instance serves one evaluation (or one `$eval` inside it); it owns
/// the guard and the frames made along the way.
class Evaluator {
 public:
  /// `now_ms` is what `$now()`/`$millis()` give; NaN: the clock, read at the first such call
  /// (most evaluations never ask, and a clock read is a good part of a small one's cost).
  Evaluator(const BuiltinTable& builtins, const EvalLimits& limits, double now_ms)
      : builtins_(builtins), guard_(limits), now_ms_(now_ms) {}

  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  ~Evaluator() {
    // Closures can make frames refer to themselves (`$f := function(){ $f() }`): a cycle always
    // runs through a frame some closure captured, and through that frame's parents. Clear them
    // so that the reference cycles break.
    for (auto& held : captured_) {
      for (Frame* f = held.get(); f != nullptr && !f->swept; f = f->parent.get()) {
        f->swept = true;
        f->clear();
      }
    }
  }

  Guard& guard() { return guard_; }
  double now_ms() {
    if (std::isnan(now_ms_)) {
      now_ms_ = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
    }
    return now_ms_;
  }
  const BuiltinTable& builtins() const { return builtins_; }
  /// Keeps trees parsed at run time (by `$eval`) alive as long as lambdas may point into them.
  void keep_alive(std::shared_ptr<const Node> tree) { kept_.push_back(std::move(tree)); }
  /// Keeps a document made at run time (by AWS's `$parse`) alive while values borrow from it.
  const Json& keep_alive(Json doc) {
    kept_json_.push_back(std::make_shared<const Json>(std::move(doc)));
    return *kept_json_.back();
  }

  FramePtr make_frame(FramePtr parent) { return make_ref<Frame>(std::move(parent)); }

  /// Notes that a closure holds `env`: only such frames can be part of a reference cycle, so
  /// only they are remembered (most frames, one per lambda call, never are). Held until the
  /// end, or until a compaction finds that nothing else holds them.
  void capture(const FramePtr& env) {
    if (!env || env->captured) return;
    env->captured = true;
    if (captured_.size() >= compact_at_) {
      captured_.erase(std::remove_if(captured_.begin(), captured_.end(), [](const FramePtr& f) { return f.use_count() == 1; }),
                      captured_.end());
      compact_at_ = std::max<std::size_t>(1024, captured_.size() * 2);
    }
    captured_.push_back(env);
  }

  ASL_NOINLINE Value lookup(const FramePtr& env, std::string_view name) const {
    if (env) {
      if (const Value* v = env->lookup(name)) return *v;
    }
    if (const Value* b = builtins_.find(name)) return *b;
    return Value();
  }

  // ---------------------------------------------------------------------------------------------
  Value evaluate(const Node& e, const Value& input, const FramePtr& env) {
    // This frame is paid once per nesting level of the expression: every case calls out to a
    // helper so that it stays small.
    DepthScope depth(guard_);
    Value result = dispatch(e, input, env);
    if (!e.predicates.empty() || (e.group && e.type != NodeType::Path)) result = eval_node_stages(e, std::move(result), env);
    if (ArrayBox* a = result.owned_array(); a && a->sequence && !a->tuple_stream) {
      if (e.keep_array) a->keep_singleton = true;
      if (a->size() == 0) {
        result = Value();
      } else if (a->size() == 1 && !a->keep_singleton) {
        result = a->range_count > 0 ? Value::number(a->range_first) : a->items[0];
      }
    }
    return result;
  }

  /// Applies a function value to arguments, running the trampoline of tail calls.
  Value apply(const Value& proc, std::vector<Value> args, const Value& input, const FramePtr& env) {
    return apply_args(proc, args, input, env);
  }

  /// apply() on a list the caller keeps (and may reuse, cleared, for its next call): a call made
  /// per item then allocates no list. The call may move values out of `args`.
  Value apply_args(const Value& proc, std::vector<Value>& args, const Value& input, const FramePtr& env) {
    Value result = apply_inner(proc, args, input, env);
    for (;;) {
      const FunctionBox* f = result.as_function();
      if (!f || f->kind != FunctionKind::Lambda || !f->thunk) break;
      result = run_thunk(*f, input, env);
    }
    return result;
  }

  /// The number of arguments a higher-order function passes to `f` (jsonata-js getFunctionArity).
  static std::size_t arity_of(const Value& fv) {
    const FunctionBox* f = fv.as_function();
    if (!f) return 0;
    switch (f->kind) {
      case FunctionKind::Lambda: return f->params.size();
      case FunctionKind::Builtin: return f->builtin->arity;
      case FunctionKind::Partial: {
        std::size_t n = 0;
        for (bool p : f->placeholder) n += p ? 1 : 0;
        return n;
      }
      case FunctionKind::Regex: return 2;
      case FunctionKind::Transform: return 1;
      case FunctionKind::Chain: return 1;
    }
    return 0;
  }

  /// Runs a regex matcher value on a string from a UTF-16 offset (the shape `$match`,
  /// `$replace`, `$split` and `$contains` consume).
  std::optional<RegexMatch> run_regex(const Regex& re, std::u16string_view s, std::size_t from) {
    return re.exec(s, from, guard_);
  }

  /// A JSON rendering of a value for error messages.
  static std::string stringify_for_error(const Value& v) { return error_text(v); }


 private:
  // One bounce of the trampoline: the tail call a thunk stands for.
  ASL_NOINLINE Value run_thunk(const FunctionBox& f, const Value& input, const FramePtr& env) {
    const Node& call = *f.node->lhs;
    Value next = evaluate(*call.lhs, f.input, f.env);
    std::vector<Value> call_args = take_args();
    for (const auto& a : call.items) call_args.push_back(evaluate(*a, f.input, f.env));
    try {
      Value r = apply_inner(next, call_args, input, env);
      give_back(call_args);
      return r;
    } catch (Error& err) {
      decorate(err, call.position, *call.lhs);
      throw;
    }
  }

  // "Did you mean $name?": calling `name(...)` where `$name` is a function (T1005/T1007).
  ASL_NOINLINE void not_a_function(const Node& e, const FramePtr& env, const char* code) {
    if (e.lhs->type == NodeType::Path && !lookup(env, e.lhs->items[0]->value).is_undefined()) {
      throw Error(code, e.position).with_token(e.lhs->items[0]->value);
    }
  }

  // Adds the call's position and the function's name to an error raised inside a call.
  static ASL_NOINLINE void decorate(Error& err, std::size_t position, const Node& procedure) {
    if (!err.has_position()) err.set_position(position);
    if (!err.has_token()) {
      if (procedure.type == NodeType::Path && !procedure.items.empty()) {
        err.with_token(procedure.items[0]->value);
      } else if (procedure.type == NodeType::Variable) {
        err.with_token(procedure.value);
      }
    }
  }

  // One call per node kind; each returns straight into evaluate()'s result.
  ASL_NOINLINE Value dispatch(const Node& e, const Value& input, const FramePtr& env) {
    switch (e.type) {
      case NodeType::Path: return eval_path(e, input, env);
      case NodeType::Binary: return eval_binary(e, input, env);
      case NodeType::Function: return eval_function(e, input, env, nullptr);
      case NodeType::Variable: return eval_variable(e, input, env);
      case NodeType::String:
      case NodeType::Number:
      case NodeType::Literal: return e.literal;
      case NodeType::Name: return lookup_field(input, e.value);
      case NodeType::Condition: return eval_condition(e, input, env);
      case NodeType::Block: return eval_block(e, input, env);
      case NodeType::Bind:
      case NodeType::Negate: return eval_control(e, input, env);
      case NodeType::ArrayCons: return eval_array(e, input, env);
      case NodeType::ObjectCons: return eval_group(e.pairs, e.position, input, env);
      case NodeType::Wildcard: return eval_wildcard(input);
      case NodeType::Descendant: return eval_descendants(input);
      case NodeType::Parent: return lookup(env, e.slot->label);
      case NodeType::Regex:
      case NodeType::Lambda:
      case NodeType::Transform: return make_function(e, input, env);
      case NodeType::Partial: return eval_partial(e, input, env);
      case NodeType::Apply: return eval_apply(e, input, env);
      default: return Value();
    }
  }

  ASL_NOINLINE Value eval_condition(const Node& e, const Value& input, const FramePtr& env) {
    if (truthy(evaluate(*e.lhs, input, env))) return evaluate(*e.rhs, input, env);
    return e.third ? evaluate(*e.third, input, env) : Value();
  }

  ASL_NOINLINE Value eval_block(const Node& e, const Value& input, const FramePtr& env) {
    FramePtr frame = make_frame(env);
    Value result;
    for (const auto& x : e.items) result = evaluate(*x, input, frame);
    return result;
  }

  ASL_NOINLINE Value eval_variable(const Node& e, const Value& input, const FramePtr& env) {
    if (e.value.empty()) return input.is_outer_wrapper() ? input.at(0) : input;
    return lookup(env, e.value);
  }

  // Bindings and negation.
  ASL_NOINLINE Value eval_control(const Node& e, const Value& input, const FramePtr& env) {
    switch (e.type) {
      case NodeType::Bind: {
        Value result = evaluate(*e.rhs, input, env);
        env->bind(e.lhs->value, result);
        return result;
      }
      default: {
        Value result = evaluate(*e.lhs, input, env);
        if (result.is_undefined()) return result;
        if (!is_numeric(result)) throw Error("D1002", e.position).with_token("-").with_value(stringify_for_error(result));
        return Value::number(-result.as_number());
      }
    }
  }

  // Predicates and group-by attached to a node that is not a path.
  ASL_NOINLINE Value eval_node_stages(const Node& e, Value result, const FramePtr& env) {
    for (const auto& p : e.predicates) result = eval_filter(*p.expr, result, env);
    if (e.type != NodeType::Path && e.group) result = eval_group(e.group->pairs, e.group->position, result, env);
    return result;
  }

  // Function values made by evaluating a regex literal, a lambda or a transform. Kept out of
  // evaluate() so that its stack frame, paid once per nesting level, stays small.
  ASL_NOINLINE Value make_function(const Node& e, const Value& input, const FramePtr& env) {
    if (e.type == NodeType::Regex && e.regex_function) return Value::static_function(*e.regex_function);
    auto f = make_ref<FunctionBox>();
    f->node = &e;
    if (e.type == NodeType::Regex) {
      f->kind = FunctionKind::Regex;
      f->regex = e.regex;
    } else if (e.type == NodeType::Lambda) {
      f->kind = FunctionKind::Lambda;
      f->input = input;
      capture(env);
      f->env = env;
      f->params = e.params;
      f->thunk = e.thunk;
      f->signature = e.signature.get();
    } else {
      f->kind = FunctionKind::Transform;
      capture(env);
      f->env = env;
      f->signature = transform_signature();
    }
    return Value::function(std::move(f));
  }

  static const Signature* transform_signature() {
    static const Signature sig = parse_signature("<(oa):o>");
    return &sig;
  }

 public:
 private:
  ASL_NOINLINE Value eval_path(const Node& e, const Value& input, const FramePtr& env) {
    if (!e.group && !e.keep_array && !e.keep_singleton_array && !e.tuple) {
      const Json* found = nullptr;
      if (field_path(e, input, env, found)) return found ? Value::borrow(*found) : Value();
    }
    return eval_path_general(e, input, env);
  }

  /// The paths most expressions are made of: field names, perhaps after a variable, perhaps with
  /// a constant index (`price`, `$v.qty`, `order.customer.name`, `tags[0]`), over input objects.
  /// Each step is a member lookup, counted as evaluate() would count it. Returns false, having
  /// changed nothing, when the path or the data is not of that shape (an array on the way, a
  /// value built by the evaluation): the general walk then gives the answer.
  bool field_path(const Node& e, const Value& input, const FramePtr& env, const Json*& found) {
    const std::size_t n = e.items.size();
    std::size_t k = 0;
    const Json* cur = input.json();
    if (n > 1 && e.items[0]->type == NodeType::Variable && !e.items[0]->value.empty() && plain_step(*e.items[0])) {
      const Value* v = env ? env->lookup(e.items[0]->value) : nullptr;
      if (v == nullptr) return false;
      cur = v->json();
      k = 1;
      guard_.enter();  // as evaluate() of the variable step would
      guard_.leave();
    }
    if (cur == nullptr || !cur->is_object()) return false;
    for (std::size_t i = k; i < n; ++i) {
      const Node& step = *e.items[i];
      if (!is_plain_name(step) || !plain_step(step)) return false;
      if (step.stages.size() > 1 || (step.stages.size() == 1 && !constant_index(step.stages[0]))) return false;
    }
    // The shape fits and the first value is an object: walk it.
    for (std::size_t i = k; i < n; ++i) {
      const Node& step = *e.items[i];
      if (cur == nullptr) break;  // a missing member: the path is undefined
      if (!cur->is_object()) {
        if (cur->is_array()) return false;  // mapping over an array: the general walk
        cur = nullptr;                      // a field of a scalar: undefined
        break;
      }
      cur = field_of(step, *cur);
      if (cur != nullptr && !step.stages.empty()) {
        // `[n]` on a member: that item of an array (undefined past either end), the value itself
        // for [0]/[-1] of a non-array. An array item that is itself an array is flattened by the
        // general walk's rules: leave it to that.
        double idx = std::floor(step.stages[0].expr->literal.as_number());
        if (cur->is_array()) {
          const double size = static_cast<double>(cur->size());
          if (idx < 0) idx += size;
          if (!(idx >= 0 && idx < size)) {
            cur = nullptr;
            break;
          }
          const Json& item = (*cur)[static_cast<std::size_t>(idx)];
          if (item.is_array()) return false;
          cur = &item;
        } else if (!(idx == 0 || idx == -1)) {
          cur = nullptr;
          break;
        }
      }
      if (cur != nullptr && cur->is_array() && i + 1 < n) return false;
    }
    if (cur != nullptr && cur->is_array()) return false;  // an array result keeps the general rules
    found = cur;
    return true;
  }

  /// One field step over an input object: its member or nullptr, counted as evaluate() of the
  /// step would count it, trying first where the step found its key last time.
  const Json* field_of(const Node& step, const Json& object) {
    DepthScope depth(guard_);
    std::size_t hint = step.member_hint.load(std::memory_order_relaxed);
    const Json* member = json_member(object, step.value, hint);
    step.member_hint.store(static_cast<std::uint32_t>(hint), std::memory_order_relaxed);
    return member;
  }

  // A step with nothing that makes a path build tuples or sequences of its own.
  static bool plain_step(const Node& step) {
    return step.predicates.empty() && !step.group && !step.keep_array && !step.tuple && step.focus.empty() &&
           !step.ancestor && !step.has_index && !step.cons_array;
  }
  static bool constant_index(const Stage& st) { return st.expr && st.expr->type == NodeType::Number; }

  Value eval_path_general(const Node& e, const Value& input, const FramePtr& env) {
    Value input_seq;
    Value result_seq;
    bool tuple_mode = false;
    Value tuples;
    bool have_tuples = false;
    // Fast prefix: while the context is one value that is not an array, a plain step maps over a
    // one-item sequence, so evaluate it on the value itself and skip building the sequences
    // (`order.customer.name`, `price` inside a filter: most paths never meet an array).
    std::size_t start = 0;
    Value cur = input;
    while (start < e.items.size()) {
      const Node& step = *e.items[start];
      const bool first = start == 0;
      if (step.type == NodeType::Sort || !step.stages.empty() || step.tuple || !step.focus.empty() || step.ancestor ||
          step.has_index || (first && step.cons_array) || (cur.is_array() && !(first && step.type == NodeType::Variable)))
        break;
      Value r;
      const Json* obj = cur.json();
      if (obj != nullptr && obj->is_object() && is_plain_name(step)) {
        // A field of an input object (`price` inside a filter): a member lookup; evaluate() would
        // add only its dispatch and the sequence handling a borrowed member never needs.
        if (const Json* member = field_of(step, *obj)) r = Value::borrow(*member);
      } else {
        r = evaluate(step, cur, env);
      }
      ++start;
      const bool last = start == e.items.size();
      if (r.is_undefined()) {
        if (!e.group) return r;
        result_seq = empty_sequence();
        start = e.items.size() + 1;  // the general loop would stop here: nothing more to map
        break;
      }
      if (r.is_array()) {
        if (!last && r.json() != nullptr && r.size() > 0) {
          // A borrowed array feeds the next step as it is: flattened into a sequence it would be
          // the same items, copied (`items.qty` over 100k items).
          input_seq = r;
          result_seq = std::move(r);
          break;
        }
        std::vector<Value> one;
        one.push_back(std::move(r));
        result_seq = finish_step(one, last);
        if (result_seq.is_array() && result_seq.size() == 0) start = e.items.size() + 1;
        input_seq = result_seq;
        break;
      }
      cur = std::move(r);
      if (last) {
        if (!e.group && !e.keep_array && !e.keep_singleton_array) return cur;
        result_seq = sequence_of(cur);
        break;
      }
    }
    if (start == 0) {
      // Made only here: a path the fast prefix finishes (`price` in a filter) needs no sequence.
      input_seq = input.is_array() && e.items[0]->type != NodeType::Variable ? input : sequence_of(input);
    } else if (start <= e.items.size() && !result_seq.is_array()) {
      input_seq = sequence_of(cur);
    }
    for (std::size_t i = start; i < e.items.size(); ++i) {
      const Node& step = *e.items[i];
      if (step.tuple) tuple_mode = true;
      if (i == 0 && step.cons_array) {
        result_seq = evaluate(step, input_seq, env);
      } else if (tuple_mode) {
        tuples = eval_tuple_step(step, input_seq, have_tuples ? &tuples : nullptr, env);
        have_tuples = true;
      } else {
        result_seq = eval_step(step, input_seq, env, i + 1 == e.items.size());
      }
      if (!tuple_mode && (result_seq.is_undefined() || (result_seq.is_array() && result_seq.size() == 0))) break;
      if (step.focus.empty()) input_seq = result_seq;
    }
    if (tuple_mode) {
      if (e.tuple) {
        result_seq = tuples;
      } else {
        auto s = new_sequence();
        for (std::size_t k = 0; k < tuples.size(); ++k) s->items.push_back(object_get(tuples.at(k), "@"));
        result_seq = Value::array(std::move(s));
      }
    }
    if (e.keep_singleton_array && !result_seq.is_undefined()) {
      if (ArrayBox* a = result_seq.owned_array(); a && a->cons && !a->sequence) result_seq = sequence_of(result_seq);
      if (ArrayBox* a = result_seq.owned_array()) {
        a->keep_singleton = true;
      } else if (result_seq.is_array()) {
        // A borrowed array: keep it as the single item of a sequence that remembers that.
        Value wrapped = Value::array(new_sequence());
        append_items(wrapped.owned_array()->items, result_seq);
        wrapped.owned_array()->keep_singleton = true;
        result_seq = wrapped;
      }
    }
    if (e.group) result_seq = eval_group(e.group->pairs, e.group->position, tuple_mode ? tuples : result_seq, env);
    return result_seq;
  }

  ASL_NOINLINE Value eval_step(const Node& step, const Value& input, const FramePtr& env, bool last) {
    if (step.type == NodeType::Sort) {
      Value r = eval_sort(step, input, env);
      if (!step.stages.empty()) r = eval_stages(step.stages, r, env);
      return r;
    }
    if (is_plain_name(step) && step.stages.empty()) {
      if (const Json* arr = input.json(); arr != nullptr && arr->is_array()) {
        const auto& items = arr->get_ref<const Json::array_t&>();
        return field_of_each(step, items.data(), items.size(), env, last);
      }
      if (const ArrayBox* a = input.owned_array(); a != nullptr && a->range_count == 0) {
        // A sequence the evaluation built (a filter's matches): its items are mostly input nodes.
        return field_of_each(step, a->items.data(), a->items.size(), env, last);
      }
    }
    std::vector<Value> results;
    std::size_t n = input.is_array() ? input.size() : 0;
    results.reserve(n);
    // A plain field name over input objects (`items.qty`) is a member lookup; evaluate() would add
    // only its depth count and the sequence handling that a borrowed member never needs.
    const bool plain_name = is_plain_name(step);
    // The items are read where they are (a borrowed array's nodes, an owned array's values).
    const Json* borrowed = input.json();
    const ArrayBox* owned = input.owned_array();
    if (owned && owned->range_count > 0) owned = nullptr;  // a lazy range: through at()
    std::size_t hint = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const Json* j = nullptr;
      if (plain_name) j = borrowed ? &(*borrowed)[i] : (owned ? owned->items[i].json() : input.at(i).json());
      Value r;
      if (j && j->is_object()) {
        DepthScope depth(guard_);
        if (const Json* member = json_member(*j, step.value, hint)) r = Value::borrow(*member);
      } else if (borrowed) {
        r = evaluate(step, Value::borrow((*borrowed)[i]), env);
      } else if (owned) {
        r = evaluate(step, owned->items[i], env);
      } else {
        r = evaluate(step, input.at(i), env);
      }
      for (const auto& st : step.stages) {
        if (st.expr) r = eval_filter(*st.expr, r, env);
      }
      if (!r.is_undefined()) results.push_back(std::move(r));
    }
    return finish_step(results, last);
  }

  /// `items.qty`: a field of every item of an input array, the loop the largest inputs go through.
  /// The same results as the general step, built straight into the step's sequence. The items
  /// are counted against the step budget together, as evaluate() would count them one by one.
  template <class Item>
  Value field_of_each(const Node& step, const Item* items, std::size_t count, const FramePtr& env, bool last) {
    DepthScope depth(guard_);
    if (count != 0) guard_.add_steps(count - 1);
    auto out = new_sequence();
    std::vector<Value>& results = out->items;
    results.reserve(count);
    bool flat = true;  // no array among the results: nothing to flatten
    std::size_t hint = step.member_hint.load(std::memory_order_relaxed);
    const std::string_view key = step.value;
    for (std::size_t i = 0; i < count; ++i) {
      const Item& item = items[i];
      const Json* node = as_node(item);
      if (node != nullptr && node->is_object()) {
        const Json* found = json_member(*node, key, hint);
        if (found == nullptr) continue;
        if (found->is_array()) flat = false;
        results.push_back(Value::borrow(*found));
      } else {
        Value r = evaluate(step, as_value(item), env);
        if (r.is_undefined()) continue;
        if (r.is_array() && !r.is_cons()) flat = false;
        results.push_back(std::move(r));
      }
    }
    step.member_hint.store(static_cast<std::uint32_t>(hint), std::memory_order_relaxed);
    if (flat && !(last && results.size() == 1 && results[0].is_array() && !results[0].is_sequence())) {
      return Value::array(std::move(out));
    }
    std::vector<Value> taken = std::move(results);
    return finish_step(taken, last);
  }

  static const Json* as_node(const Json& j) { return &j; }
  static const Json* as_node(const Value& v) { return v.json(); }
  static Value as_value(const Json& j) { return Value::borrow(j); }
  static const Value& as_value(const Value& v) { return v; }

  /// A field name with nothing attached: over an input object, a member lookup.
  static bool is_plain_name(const Node& step) {
    return step.type == NodeType::Name && step.predicates.empty() && !step.group && !step.keep_array;
  }

  /// A step's results (undefined ones dropped) as the step's sequence: flattened one level,
  /// except arrays built by `[...]`; the last step's single plain array is the result itself.
  static Value finish_step(std::vector<Value>& results, bool last) {
    if (last && results.size() == 1 && results[0].is_array() && !results[0].is_sequence()) return results[0];
    auto out = new_sequence();
    bool flat = true;
    for (const auto& r : results) flat = flat && (!r.is_array() || r.is_cons());
    if (flat) {
      out->items = std::move(results);
      return Value::array(std::move(out));
    }
    for (auto& r : results) {
      if (!r.is_array() || r.is_cons()) {
        out->items.push_back(std::move(r));
      } else {
        append_items(out->items, r);
      }
    }
    return Value::array(std::move(out));
  }

  Value eval_stages(const std::vector<Stage>& stages, Value input, const FramePtr& env) {
    for (const auto& st : stages) {
      if (st.expr) {
        input = eval_filter(*st.expr, input, env);
      } else {
        for (std::size_t k = 0; k < input.size(); ++k) {
          if (ObjectBox* t = input.at(k).owned_object()) t->set(st.index_var, Value::number(static_cast<double>(k)));
        }
      }
    }
    return input;
  }

  static Value new_tuple(const Value* base) {
    auto t = new_object();
    if (base) {
      if (const ObjectBox* b = base->owned_object()) t->entries = b->entries;
    }
    return Value::object(std::move(t));
  }

  FramePtr frame_from_tuple(const FramePtr& env, const Value& tuple) {
    FramePtr f = make_frame(env);
    object_for_each(tuple, [&](std::string_view k, const Value& v) { f->add(std::string(k), v); });
    return f;
  }

  ASL_NOINLINE Value eval_tuple_step(const Node& step, const Value& input, const Value* tuples, const FramePtr& env) {
    if (step.type == NodeType::Sort) {
      Value result;
      if (tuples) {
        result = eval_sort(step, *tuples, env);
      } else {
        Value sorted = eval_sort(step, input, env);
        auto s = new_sequence();
        s->tuple_stream = true;
        for (std::size_t k = 0; k < sorted.size(); ++k) {
          Value t = new_tuple(nullptr);
          t.owned_object()->set("@", sorted.at(k));
          if (step.has_index) t.owned_object()->set(step.index_var, Value::number(static_cast<double>(k)));
          s->items.push_back(std::move(t));
        }
        result = Value::array(std::move(s));
      }
      if (!step.stages.empty()) result = eval_stages(step.stages, result, env);
      return result;
    }
    auto out = new_sequence();
    out->tuple_stream = true;
    Value initial;
    if (!tuples) {
      auto s = new_sequence();
      std::size_t n = input.is_array() ? input.size() : 0;
      for (std::size_t k = 0; k < n; ++k) {
        Value t = new_tuple(nullptr);
        t.owned_object()->set("@", input.at(k));
        s->items.push_back(std::move(t));
      }
      initial = Value::array(std::move(s));
      tuples = &initial;
    }
    for (std::size_t ee = 0; ee < tuples->size(); ++ee) {
      Value tuple = tuples->at(ee);
      FramePtr step_env = frame_from_tuple(env, tuple);
      Value context = object_get(tuple, "@");
      Value res = evaluate(step, context, step_env);
      if (res.is_undefined()) continue;
      if (!res.is_array()) res = sequence_of(res);
      bool res_tuples = res.is_tuple_stream();
      for (std::size_t bb = 0; bb < res.size(); ++bb) {
        Value t = new_tuple(&tuple);
        ObjectBox* tb = t.owned_object();
        if (res_tuples) {
          object_for_each(res.at(bb), [&](std::string_view k, const Value& v) { tb->set(std::string(k), v); });
        } else {
          if (!step.focus.empty()) {
            tb->set(step.focus, res.at(bb));
            tb->set("@", context);
          } else {
            tb->set("@", res.at(bb));
          }
          if (step.has_index) tb->set(step.index_var, Value::number(static_cast<double>(bb)));
          if (step.ancestor) tb->set(step.ancestor->label, context);
        }
        out->items.push_back(std::move(t));
      }
    }
    Value result = Value::array(std::move(out));
    if (!step.stages.empty()) result = eval_stages(step.stages, result, env);
    return result;
  }

  ASL_NOINLINE Value eval_filter(const Node& pred, const Value& input_in, const FramePtr& env) {
    auto results = new_sequence();
    bool tuple_stream = input_in.is_tuple_stream();
    results->tuple_stream = tuple_stream;
    Value input = input_in.is_array() ? input_in : sequence_of(input_in);
    std::size_t n = input.size();
    if (pred.type == NodeType::Number) {
      double idx = std::floor(pred.literal.as_number());
      if (idx < 0) idx += static_cast<double>(n);
      if (idx >= 0 && idx < static_cast<double>(n)) {
        Value item = input.at(static_cast<std::size_t>(idx));
        if (!item.is_undefined()) {
          if (item.is_array()) return item;
          results->items.push_back(std::move(item));
        }
      }
      return Value::array(std::move(results));
    }
    for (std::size_t index = 0; index < n; ++index) {
      Value item = input.at(index);
      Value context = item;
      FramePtr e2 = env;
      if (tuple_stream) {
        context = object_get(item, "@");
        e2 = frame_from_tuple(env, item);
      }
      Value res = evaluate(pred, context, e2);
      if (is_numeric(res)) res = sequence_of(res);
      if (is_array_of_numbers(res)) {
        for (std::size_t k = 0; k < res.size(); ++k) {
          double ii = std::floor(res.at(k).as_number());
          if (ii < 0) ii += static_cast<double>(n);
          if (ii == static_cast<double>(index)) results->items.push_back(item);
        }
      } else if (truthy(res)) {
        results->items.push_back(std::move(item));
      }
    }
    return Value::array(std::move(results));
  }

  ASL_NOINLINE Value eval_binary(const Node& e, const Value& input, const FramePtr& env) {
    // Trees made without post-processing (none today) still carry their operator's text.
    const BinaryOp op = e.op != BinaryOp::None ? e.op : binary_op_from_text(e.value);
    Value lhs = evaluate(*e.lhs, input, env);
    if (op == BinaryOp::And) return Value::boolean(truthy(lhs) && truthy(evaluate(*e.rhs, input, env)));
    if (op == BinaryOp::Or) return Value::boolean(truthy(lhs) || truthy(evaluate(*e.rhs, input, env)));
    Value rhs = evaluate(*e.rhs, input, env);
    try {
      return binary_op(op, lhs, rhs);
    } catch (Error& err) {
      err.set_position(e.position);
      err.with_token(e.value);
      throw;
    }
  }

  ASL_NOINLINE Value eval_array(const Node& e, const Value& input, const FramePtr& env) {
    Value result = Value::array(new_array());
    for (const auto& item : e.items) {
      Value v = evaluate(*item, input, env);
      if (v.is_undefined()) continue;
      if (item->type == NodeType::ArrayCons) {
        ArrayBox* a = result.owned_array();
        a->materialize();
        a->items.push_back(std::move(v));
      } else {
        result = append_values(result, v);
      }
    }
    if (e.cons_array) {
      // append_values made a fresh array unless nothing was appended; either way it is ours.
      result.owned_array()->cons = true;
    }
    return result;
  }

  ASL_NOINLINE Value eval_wildcard(const Value& input_in) {
    Value results = empty_sequence();
    Value input = input_in;
    if (input.is_outer_wrapper() && input.size() > 0) input = input.at(0);
    auto add = [&](const Value& value) {
      if (value.is_array()) {
        auto flat = new_array();
        flatten_into(value, flat->items);
        results = append_values(results, Value::array(std::move(flat)));
      } else {
        ArrayBox* a = results.owned_array();
        a->materialize();
        a->items.push_back(value);
      }
    };
    if (input.is_object()) {
      object_for_each(input, [&](std::string_view, const Value& v) { add(v); });
    } else if (input.is_array()) {
      for (std::size_t i = 0; i < input.size(); ++i) add(input.at(i));
    }
    return results;
  }

  ASL_NOINLINE Value eval_descendants(const Value& input) {
    if (input.is_undefined()) return Value();
    auto out = new_sequence();
    std::vector<Value> stack{input};
    while (!stack.empty()) {
      Value v = std::move(stack.back());
      stack.pop_back();
      Type t = v.type();
      if (t != Type::Array) out->items.push_back(v);
      if (t == Type::Array) {
        for (std::size_t i = v.size(); i-- > 0;) stack.push_back(v.at(i));
      } else if (t == Type::Object) {
        std::vector<Value> kids;
        object_for_each(v, [&](std::string_view, const Value& m) { kids.push_back(m); });
        for (std::size_t i = kids.size(); i-- > 0;) stack.push_back(std::move(kids[i]));
      }
    }
    if (out->items.size() == 1) return out->items[0];
    return Value::array(std::move(out));
  }

 public:
  /// Group-by and object construction (jsonata-js evaluateGroupExpression).
  ASL_NOINLINE Value eval_group(const std::vector<std::pair<NodePtr, NodePtr>>& pairs, std::size_t position, const Value& input_in,
                   const FramePtr& env) {
    bool reduce = input_in.is_tuple_stream();
    // An object constructor over one value (`items.{...}` calls it once per item) makes one
    // group per key: no grouping tables needed.
    if (!reduce && !input_in.is_array() && pairs.size() <= kSingleGroupPairs) {
      return eval_group_single(pairs, position, input_in, env);
    }
    std::vector<Value> items;
    if (input_in.is_array()) {
      append_items(items, input_in);
    } else {
      items.push_back(input_in);
    }
    if (items.empty() && !reduce) items.emplace_back();
    struct Group {
      std::string key;
      Value data;
      std::size_t expr_index;
      // Items after the first, gathered in place: appending to `data` each time copied the
      // group so far (quadratic in the group's size).
      Ref<ArrayBox> more;
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, std::size_t> index;
    for (const Value& item : items) {
      FramePtr e2 = reduce ? frame_from_tuple(env, item) : env;
      Value context = reduce ? object_get(item, "@") : item;
      for (std::size_t pi = 0; pi < pairs.size(); ++pi) {
        Value key = evaluate(*pairs[pi].first, context, e2);
        if (key.is_undefined()) continue;
        if (!key.is_string()) throw Error("T1003", position).with_value(stringify_for_error(key));
        std::string k(key.as_string());
        auto it = index.find(k);
        if (it != index.end()) {
          Group& g = groups[it->second];
          if (g.expr_index != pi) throw Error("D1009", position).with_value(stringify_for_error(key));
          // As append_values(g.data, item), repeated: one plain array of both sides' items.
          if (!g.more) {
            g.more = new_array();
            if (g.data.is_array()) {
              append_items(g.more->items, g.data);
            } else {
              g.more->items.push_back(g.data);
            }
          }
          if (item.is_array()) {
            append_items(g.more->items, item);
          } else {
            g.more->items.push_back(item);
          }
        } else {
          index.emplace(k, groups.size());
          groups.push_back({std::move(k), item, pi, nullptr});
        }
      }
    }
    auto result = new_object();
    for (Group& g : groups) {
      if (g.more) g.data = Value::array(std::move(g.more));
      Value context = g.data;
      FramePtr e2 = env;
      if (reduce) {
        Value tuple = reduce_tuple_stream(g.data);
        context = object_get(tuple, "@");
        tuple.owned_object()->erase("@");
        e2 = frame_from_tuple(env, tuple);
      }
      Value v = evaluate(*pairs[g.expr_index].second, context, e2);
      if (!v.is_undefined()) result->set(g.key, std::move(v));
    }
    return Value::object(std::move(result));
  }

 private:
  static constexpr std::size_t kSingleGroupPairs = 32;

  // eval_group for one input value: the same evaluation order (every key, then every value in
  // the order of the keys), errors and result, with the entries built in place.
  Value eval_group_single(const std::vector<std::pair<NodePtr, NodePtr>>& pairs, std::size_t position, const Value& item,
                          const FramePtr& env) {
    auto result = new_object();
    auto& entries = result->entries;
    entries.reserve(pairs.size());
    std::size_t pair_of[kSingleGroupPairs];
    for (std::size_t pi = 0; pi < pairs.size(); ++pi) {
      Value key = evaluate(*pairs[pi].first, item, env);
      if (key.is_undefined()) continue;
      if (!key.is_string()) throw Error("T1003", position).with_value(stringify_for_error(key));
      std::string_view k = key.as_string();
      for (const auto& kv : entries) {
        // The same key from another pair (each pair is evaluated once here).
        if (kv.first == k) throw Error("D1009", position).with_value(stringify_for_error(key));
      }
      pair_of[entries.size()] = pi;
      entries.emplace_back(std::string(k), Value());
    }
    std::size_t kept = 0;
    for (std::size_t g = 0; g < entries.size(); ++g) {
      Value v = evaluate(*pairs[pair_of[g]].second, item, env);
      if (v.is_undefined()) continue;
      if (kept != g) entries[kept].first = std::move(entries[g].first);
      entries[kept].second = std::move(v);
      ++kept;
    }
    entries.resize(kept);
    return Value::object(std::move(result));
  }

  static Value reduce_tuple_stream(const Value& stream) {
    if (!stream.is_array()) {
      Value t = new_tuple(&stream);
      return t;
    }
    Value first = stream.at(0);
    Value result = new_tuple(&first);
    ObjectBox* r = result.owned_object();
    for (std::size_t i = 1; i < stream.size(); ++i) {
      object_for_each(stream.at(i), [&](std::string_view k, const Value& v) {
        Value* existing = r->find(k);
        r->set(std::string(k), append_values(existing ? *existing : Value(), v));
      });
    }
    return result;
  }

 public:
 private:
  ASL_NOINLINE Value eval_sort(const Node& e, const Value& input, const FramePtr& env) {
    bool tuple_sort = input.is_tuple_stream();
    std::vector<Value> items;
    if (input.is_array()) {
      append_items(items, input);
    } else if (!input.is_undefined()) {
      items.push_back(input);
    }
    if (items.size() <= 1 && input.is_array()) return input;
    auto term_value = [&](const Node& term, const Value& item) {
      if (tuple_sort) return evaluate(term, object_get(item, "@"), frame_from_tuple(env, item));
      return evaluate(term, item, env);
    };
    auto swap = [&](const Value& a, const Value& b) {
      int comp = 0;
      for (std::size_t t = 0; comp == 0 && t < e.terms.size(); ++t) {
        const SortTerm& term = e.terms[t];
        Value aa = term_value(*term.expr, a);
        Value bb = term_value(*term.expr, b);
        Type at = aa.type(), bt = bb.type();
        if (at == Type::Undefined) {
          comp = bt == Type::Undefined ? 0 : 1;
          continue;
        }
        if (bt == Type::Undefined) {
          comp = -1;
          continue;
        }
        bool aok = at == Type::String || at == Type::Number;
        bool bok = bt == Type::String || bt == Type::Number;
        if (!aok || !bok) throw Error("T2008", e.position).with_value(stringify_for_error(!aok ? aa : bb));
        if (at != bt) throw Error("T2007", e.position).with_value(stringify_for_error(aa)).with_value2(stringify_for_error(bb));
        int c = 0;
        if (at == Type::Number) {
          double x = aa.as_number(), y = bb.as_number();
          c = x == y ? 0 : (x < y ? -1 : 1);
        } else {
          c = compare_utf16(aa.as_string(), bb.as_string());
        }
        if (c == 0) continue;
        comp = term.descending ? -c : c;
      }
      return comp == 1;
    };
    merge_sort(items, swap);
    auto out = new_array();
    out->items = std::move(items);
    out->tuple_stream = tuple_sort;
    if (tuple_sort) out->sequence = true;
    return Value::array(std::move(out));
  }

  ASL_NOINLINE Value eval_function(const Node& e, const Value& input, const FramePtr& env, const Value* applyto) {
    Value proc = evaluate(*e.lhs, input, env);
    if (proc.is_undefined()) not_a_function(e, env, "T1005");
    std::vector<Value> args = take_args();
    args.reserve(e.items.size() + (applyto ? 1 : 0));
    if (applyto) args.push_back(*applyto);
    for (const auto& a : e.items) args.push_back(evaluate(*a, input, env));
    try {
      Value r = apply_args(proc, args, input, env);
      give_back(args);
      return r;
    } catch (Error& err) {
      decorate(err, e.position, *e.lhs);
      throw;
    }
  }

  ASL_NOINLINE Value eval_partial(const Node& e, const Value& input, const FramePtr& env) {
    std::vector<Value> args;
    std::vector<bool> holes;
    for (const auto& a : e.items) {
      bool hole = a->type == NodeType::Placeholder;
      holes.push_back(hole);
      args.push_back(hole ? Value() : evaluate(*a, input, env));
    }
    Value proc = evaluate(*e.lhs, input, env);
    if (proc.is_undefined()) not_a_function(e, env, "T1007");
    const FunctionBox* f = proc.as_function();
    if (f && f->kind == FunctionKind::Lambda) {
      auto p = make_ref<FunctionBox>();
      p->kind = FunctionKind::Lambda;
      p->node = f->node;
      p->input = f->input;
      p->env = make_frame(f->env ? f->env : env);
      capture(p->env);
      for (std::size_t i = 0; i < f->params.size(); ++i) {
        if (i < holes.size() && holes[i]) {
          p->params.push_back(f->params[i]);
        } else {
          p->env->bind(f->params[i], i < args.size() ? args[i] : Value());
        }
      }
      return Value::function(std::move(p));
    }
    if (f && f->kind == FunctionKind::Builtin) {
      auto p = make_ref<FunctionBox>();
      p->kind = FunctionKind::Partial;
      p->builtin = f->builtin;
      p->signature = f->signature;
      p->bound = std::move(args);
      p->placeholder = std::move(holes);
      return Value::function(std::move(p));
    }
    if (f && f->kind == FunctionKind::Partial) {
      // Partially applying a partial application: its holes take the new arguments in order.
      auto p = make_ref<FunctionBox>();
      p->kind = FunctionKind::Partial;
      p->builtin = f->builtin;
      p->signature = f->signature;
      std::size_t next = 0;
      for (std::size_t i = 0; i < f->bound.size(); ++i) {
        if (!f->placeholder[i]) {
          p->bound.push_back(f->bound[i]);
          p->placeholder.push_back(false);
        } else {
          bool hole = next >= holes.size() || holes[next];
          p->bound.push_back(next < args.size() && !hole ? args[next] : Value());
          p->placeholder.push_back(next < holes.size() ? hole : false);
          ++next;
        }
      }
      return Value::function(std::move(p));
    }
    std::string name = e.lhs->type == NodeType::Path ? e.lhs->items[0]->value : e.lhs->value;
    throw Error("T1008", e.position).with_token(name);
  }

  ASL_NOINLINE Value eval_apply(const Node& e, const Value& input, const FramePtr& env) {
    Value lhs = evaluate(*e.lhs, input, env);
    if (e.rhs->type == NodeType::Function) return eval_function(*e.rhs, input, env, &lhs);
    Value func = evaluate(*e.rhs, input, env);
    if (!func.is_function()) throw Error("T2006", e.position).with_value(stringify_for_error(func));
    if (lhs.is_function()) {
      auto c = make_ref<FunctionBox>();
      c->kind = FunctionKind::Chain;
      c->first = lhs;
      c->second = func;
      return Value::function(std::move(c));
    }
    return apply(func, {lhs}, input, env);
  }

  // Argument lists are leased from a small pool: every call would otherwise allocate one.
  std::vector<Value> take_args() {
    if (spare_args_.empty()) return {};
    std::vector<Value> v = std::move(spare_args_.back());
    spare_args_.pop_back();
    return v;
  }
  void give_back(std::vector<Value>& v) {
    v.clear();
    if (v.capacity() != 0 && v.capacity() <= 64 && spare_args_.size() < 64) spare_args_.push_back(std::move(v));
  }

  ASL_NOINLINE Value apply_inner(const Value& proc, std::vector<Value>& args, const Value& input, const FramePtr& env) {
    const FunctionBox* f = proc.as_function();
    if (!f) throw Error("T1006");
    if (f->kind == FunctionKind::Partial) {
      // Fill the `?` holes, in order, with the supplied arguments.
      std::vector<Value> full;
      std::size_t next = 0;
      for (std::size_t i = 0; i < f->bound.size(); ++i) {
        if (f->placeholder[i]) {
          full.push_back(next < args.size() ? args[next] : Value());
          ++next;
        } else {
          full.push_back(f->bound[i]);
        }
      }
      while (!full.empty() && full.back().is_undefined()) full.pop_back();
      args = std::move(full);
    }
    if (f->signature) validate_signature(*f->signature, args, input);
    switch (f->kind) {
      case FunctionKind::Lambda: {
        FramePtr frame = make_frame(f->env);
        for (std::size_t i = 0; i < f->params.size(); ++i) frame->bind(f->params[i], i < args.size() ? std::move(args[i]) : Value());
        return evaluate(*f->node->lhs, f->input, frame);
      }
      case FunctionKind::Builtin:
      case FunctionKind::Partial: {
        CallContext ctx{*this, input, env};
        return f->builtin->fn(ctx, args);
      }
      case FunctionKind::Chain: {
        Value mid = apply(f->first, {args.empty() ? Value() : args[0]}, input, env);
        return apply(f->second, {mid}, input, env);
      }
      case FunctionKind::Transform: return apply_transform(*f, args.empty() ? Value() : args[0]);
      case FunctionKind::Regex: return call_regex(*f, args);
    }
    throw Error("T1006");
  }

  /// A regex literal called as a function: jsonata-js's matcher object for the first match.
  ASL_NOINLINE Value call_regex(const FunctionBox& f, const std::vector<Value>& args) {
    if (args.empty() || !args[0].is_string()) return Value();
    std::u16string s = to_utf16(args[0].as_string());
    std::size_t from = args.size() > 1 && args[1].is_number() ? static_cast<std::size_t>(args[1].as_number()) : 0;
    auto m = run_regex(*f.regex, s, from);
    if (!m) return Value();
    auto o = new_object();
    o->set("match", Value::string(to_utf8(std::u16string_view(s).substr(m->start, m->end - m->start))));
    o->set("start", Value::number(static_cast<double>(m->start)));
    o->set("end", Value::number(static_cast<double>(m->end)));
    auto groups = new_array();
    for (const auto& g : m->groups) {
      groups->items.push_back(g.first == static_cast<std::size_t>(-1)
                                  ? Value()
                                  : Value::string(to_utf8(std::u16string_view(s).substr(g.first, g.second - g.first))));
    }
    o->set("groups", Value::array(std::move(groups)));
    return Value::object(std::move(o));
  }

  ASL_NOINLINE Value apply_transform(const FunctionBox& f, const Value& obj) {
    if (obj.is_undefined()) return Value();
    const Node& e = *f.node;
    Value clone_fn = lookup(f.env, "clone");
    if (!clone_fn.is_function()) throw Error("T2013", e.position);
    Value result;
    if (const FunctionBox* cf = clone_fn.as_function(); cf->kind == FunctionKind::Builtin && cf->builtin->name == "clone") {
      result = clone_value(obj);
    } else {
      result = apply(clone_fn, {obj}, Value(), f.env);
    }
    Value matches = evaluate(*e.lhs, result, f.env);
    if (matches.is_undefined()) return result;
    std::vector<Value> list;
    if (matches.is_array()) {
      append_items(list, matches);
    } else {
      list.push_back(matches);
    }
    for (const Value& match : list) {
      Value update = evaluate(*e.rhs, match, f.env);
      if (!update.is_undefined()) {
        if (!update.is_object()) throw Error("T2011", e.rhs->position).with_value(stringify_for_error(update));
        if (ObjectBox* target = match.owned_object()) {
          object_for_each(update, [&](std::string_view k, const Value& v) { target->set(std::string(k), v); });
        }
      }
      if (e.third) {
        Value deletions = evaluate(*e.third, match, f.env);
        if (!deletions.is_undefined()) {
          Value list2 = deletions.is_array() ? deletions : sequence_of(deletions);
          if (!is_array_of_strings(list2)) throw Error("T2012", e.third->position).with_value(stringify_for_error(deletions));
          if (ObjectBox* target = match.owned_object()) {
            for (std::size_t k = 0; k < list2.size(); ++k) target->erase(list2.at(k).as_string());
          }
        }
      }
    }
    return result;
  }

 public:
  /// `$clone` for the built-in table.
  static Value clone(const Value& v) { return v.is_undefined() ? Value() : clone_value(v); }

 private:
  const BuiltinTable& builtins_;
  Guard guard_;
  double now_ms_;
  std::vector<FramePtr> captured_;
  std::vector<std::vector<Value>> spare_args_;
  std::size_t compact_at_ = 1024;
  std::vector<std::shared_ptr<const Node>> kept_;
  std::vector<std::shared_ptr<const Json>> kept_json_;
};

}  // namespace asl::detail::jsonata
