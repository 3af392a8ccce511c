// JSONata values inside one evaluation: borrowed input nodes, owned arrays/objects/strings, functions.
// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/ref.hpp"
#include "asl/json.hpp"

namespace asl::detail::jsonata {

struct Node;
struct Frame;
struct Builtin;
struct Signature;
class Regex;

/// The JSONata type of a value (what `$type` reports, plus undefined).
enum class Type : std::uint8_t { Undefined, Null, Boolean, Number, String, Array, Object, Function };

/// Destroys `values` and everything only they keep alive, iteratively.
inline void release_values(std::vector<Value>& values);

/// An owned array. The flags carry jsonata-js's array annotations: a `sequence` is a result
/// stream (flattened by paths, collapsed when it holds one item), `cons` was built by `[...]`
/// and is never flattened, `outer_wrapper` wraps a top-level array input, `tuple_stream` holds
/// the binding tuples of a path with `@`/`#`/`%`.
struct ArrayBox : Heap {
  std::vector<Value> items;
  bool sequence = false;
  bool keep_singleton = false;
  bool cons = false;
  bool outer_wrapper = false;
  bool tuple_stream = false;
  // A lazy integer range (from `..`): `range_count` numbers from `range_first`, `items` empty.
  double range_first = 0;
  std::size_t range_count = 0;

  ArrayBox() = default;
  // Declared inline here, defined below: a virtual member declared without `inline` would be
  // the class's key function and put its vtable in every file that includes asl.hpp.
  inline ~ArrayBox() override;
  inline void take_children(std::vector<Value>& out) override;

  std::size_t size() const noexcept;
  /// Turns a lazy range into items, before code that edits `items`.
  void materialize();
};

/// An owned object: insertion-ordered entries, with a hash index once it grows.
struct ObjectBox : Heap {
  ObjectBox() = default;
  inline ~ObjectBox() override;
  inline void take_children(std::vector<Value>& out) override;

  std::vector<std::pair<std::string, Value>> entries;

  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  void set(std::string key, Value v);
  void erase(std::string_view key);

 private:
  void build_index() const;
  // Made only for objects of more than 16 members (most are a handful): a smaller ObjectBox is
  // one of the allocations every object constructor makes.
  mutable std::unique_ptr<std::unordered_map<std::string_view, std::size_t>> index_;
  mutable bool indexed_ = false;
};

struct StringBox : Heap {
  explicit StringBox(std::string s) : text(std::move(s)) {}
  std::string text;
};

enum class FunctionKind : std::uint8_t { Lambda, Builtin, Partial, Regex, Transform, Chain };

/// A value of type function: a lambda closure, a built-in, a partially applied built-in, a
/// compiled regex (a matcher, as in jsonata-js), a transform `|...|...|` or a `~>` composition.
struct FunctionBox;

/// A JSONata value. Input data stays where it is: `Rep::Json` points into a document the caller
/// keeps alive for the evaluation (input, bindings). null/true/false are held inline.
class Value {
 public:
  enum class Rep : std::uint8_t { Undefined, Null, Bool, Number, String, Json, Array, Object, Function };

  // User-provided (not `= default`): with the anonymous union below, `static const Value v;`
  // needs it to be const-default-constructible.
  Value() noexcept {}

  static Value null() {
    Value v;
    v.rep_ = Rep::Null;
    return v;
  }
  static Value boolean(bool b) {
    Value v;
    v.rep_ = Rep::Bool;
    v.b_ = b;
    return v;
  }
  static Value number(double n) {
    Value v;
    v.rep_ = Rep::Number;
    v.n_ = n;
    return v;
  }
  static Value string(std::string s) {
    Value v;
    v.rep_ = Rep::String;
    v.h_ = make_ref<StringBox>(std::move(s));
    return v;
  }
  /// A reference into a JSON document that outlives the evaluation.
  static Value borrow(const Json& j) {
    if (j.is_null()) return null();
    if (j.is_boolean()) return boolean(j.get<bool>());
    Value v;
    v.rep_ = Rep::Json;
    v.j_ = &j;
    return v;
  }
  static Value array(Ref<ArrayBox> a) {
    Value v;
    v.rep_ = Rep::Array;
    v.h_ = std::move(a);
    return v;
  }
  static Value object(Ref<ObjectBox> o) {
    Value v;
    v.rep_ = Rep::Object;
    v.h_ = std::move(o);
    return v;
  }
  static Value function(Ref<FunctionBox> f);
  /// A function value that outlives every evaluation (a built-in): shared by evaluations on
  /// several threads, so it is pointed to, not counted.
  static Value static_function(const FunctionBox& f) {
    Value v;
    v.rep_ = Rep::Function;
    v.fb_ = &f;
    return v;
  }

  Rep rep() const noexcept { return rep_; }
  // Small enough to inline everywhere (it is asked on every step): a table for the owned
  // representations, one switch on the node's own tag for a borrowed one.
  Type type() const noexcept {
    static constexpr Type by_rep[] = {Type::Undefined, Type::Null,  Type::Boolean, Type::Number,  Type::String,
                                      Type::Null,      Type::Array, Type::Object,  Type::Function};
    if (rep_ != Rep::Json) return by_rep[static_cast<std::uint8_t>(rep_)];
    switch (j_->type()) {
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned:
      case Json::value_t::number_float: return Type::Number;
      case Json::value_t::string: return Type::String;
      case Json::value_t::array: return Type::Array;
      case Json::value_t::object: return Type::Object;
      default: return Type::Null;  // null/boolean are never borrowed; binary values: never produced by asl's parser
    }
  }
  bool is_undefined() const noexcept { return rep_ == Rep::Undefined; }
  bool is_null() const noexcept { return rep_ == Rep::Null; }
  bool is_bool() const noexcept { return rep_ == Rep::Bool; }
  bool is_number() const noexcept { return type() == Type::Number; }
  bool is_string() const noexcept { return type() == Type::String; }
  bool is_array() const noexcept { return type() == Type::Array; }
  bool is_object() const noexcept { return type() == Type::Object; }
  bool is_function() const noexcept { return rep_ == Rep::Function; }

  bool as_bool() const noexcept { return b_; }
  // Callers check the type first; a call on another type (a missed check) reads NaN or "" rather
  // than dereferencing null or throwing nlohmann's type_error out of the evaluation.
  double as_number() const {
    double d = 0;
    return number_if(d) ? d : std::nan("");
  }
  /// The value as a number, if it is one: a number's own or an input node's, read in place
  /// (nlohmann's get<double> is a call that converts through a switch on every read).
  bool number_if(double& out) const noexcept {
    if (rep_ == Rep::Number) {
      out = n_;
      return true;
    }
    if (rep_ != Rep::Json) return false;
    switch (j_->type()) {
      case Json::value_t::number_float: out = *j_->get_ptr<const Json::number_float_t*>(); return true;
      case Json::value_t::number_integer:
        out = static_cast<double>(*j_->get_ptr<const Json::number_integer_t*>());
        return true;
      case Json::value_t::number_unsigned:
        out = static_cast<double>(*j_->get_ptr<const Json::number_unsigned_t*>());
        return true;
      default: return false;
    }
  }
  std::string_view as_string() const {
    if (rep_ == Rep::String) return static_cast<const StringBox&>(*h_).text;
    if (rep_ == Rep::Json && j_->is_string()) return j_->get_ref<const std::string&>();
    return {};
  }
  const Json* json() const noexcept { return rep_ == Rep::Json ? j_ : nullptr; }
  /// The owned array (nullptr for a borrowed one).
  ArrayBox* owned_array() const noexcept {
    return rep_ == Rep::Array ? static_cast<ArrayBox*>(h_.get()) : nullptr;
  }
  ObjectBox* owned_object() const noexcept {
    return rep_ == Rep::Object ? static_cast<ObjectBox*>(h_.get()) : nullptr;
  }
  const FunctionBox* as_function() const noexcept;
  const Ref<Heap>& heap() const noexcept { return h_; }

  /// Array access over both owned and borrowed arrays.
  std::size_t size() const {
    if (rep_ == Rep::Array) return owned_array()->size();
    return j_->size();
  }
  Value at(std::size_t i) const {
    if (rep_ == Rep::Array) {
      const ArrayBox* a = owned_array();
      if (a->range_count > 0) return number(a->range_first + static_cast<double>(i));
      return a->items[i];
    }
    return borrow((*j_)[i]);
  }

  bool is_sequence() const noexcept { return rep_ == Rep::Array && owned_array()->sequence; }
  bool is_tuple_stream() const noexcept { return rep_ == Rep::Array && owned_array()->tuple_stream; }
  bool is_cons() const noexcept { return rep_ == Rep::Array && owned_array()->cons; }
  bool is_outer_wrapper() const noexcept { return rep_ == Rep::Array && owned_array()->outer_wrapper; }

  /// Same payload (JavaScript `===` on objects, arrays and functions).
  bool same_identity(const Value& o) const noexcept {
    if (rep_ != o.rep_) return false;
    if (rep_ == Rep::Json) return j_ == o.j_;
    if (rep_ == Rep::Function && !h_) return !o.h_ && fb_ == o.fb_;
    return h_ == o.h_;
  }

 private:
  Rep rep_ = Rep::Undefined;
  bool b_ = false;
  // A number, a borrowed node and a static function never coexist: sharing their storage (and
  // a one-pointer Ref) makes a Value 24 bytes.
  union {
    double n_ = 0;
    const Json* j_;
    const FunctionBox* fb_;
  };
  Ref<Heap> h_;
};

inline bool same_key(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  // Keys are mostly short: a loop here costs less than the call to memcmp.
  if (a.size() <= 16) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  return std::char_traits<char>::compare(a.data(), b.data(), a.size()) == 0;
}

/// Variables of one scope (block, lambda call, tuple). Parent links make closures.
/// Counted like the values (ref.hpp): frames belong to one evaluation too.
struct Frame : Heap {
  explicit Frame(Ref<Frame> p) : parent(std::move(p)) {}
  Ref<Frame> parent;
  bool captured = false;  // a closure holds it (the Evaluator breaks cycles through such frames)
  bool swept = false;     // its variables were cleared when the evaluation ended

  const Value* lookup(std::string_view name) const {
    for (const Frame* f = this; f != nullptr; f = f->parent.get()) {
      if (const Value* v = f->find(name)) return v;
    }
    return nullptr;
  }
  /// This frame's own variable `name`, or nullptr.
  const Value* find(std::string_view name) const {
    const std::size_t in = count_ < kInline ? count_ : kInline;
    for (std::size_t i = 0; i < in; ++i) {
      if (same_key(inline_[i].first, name)) return &inline_[i].second;
    }
    for (const auto& kv : more_) {
      if (same_key(kv.first, name)) return &kv.second;
    }
    return nullptr;
  }
  Value* find(std::string_view name) {
    return const_cast<Value*>(static_cast<const Frame*>(this)->find(name));
  }
  void bind(std::string_view name, Value v) {
    if (Value* existing = find(name)) {
      *existing = std::move(v);
      return;
    }
    add(std::string(name), std::move(v));
  }
  /// Adds a variable the frame does not have yet.
  void add(std::string name, Value v) {
    if (count_ < kInline) {
      inline_[count_].first = std::move(name);
      inline_[count_].second = std::move(v);
    } else {
      more_.emplace_back(std::move(name), std::move(v));
    }
    ++count_;
  }
  /// Drops every variable (what they alone kept alive goes with them).
  void clear() {
    for (auto& kv : inline_) kv.second = Value();
    more_.clear();
    count_ = 0;
  }

 private:
  // A lambda call's parameters and a block's bindings are a handful: kept in the frame itself,
  // a call makes one allocation, not two.
  static constexpr std::size_t kInline = 3;
  std::size_t count_ = 0;
  std::pair<std::string, Value> inline_[kInline];
  std::vector<std::pair<std::string, Value>> more_;
};
using FramePtr = Ref<Frame>;

struct FunctionBox : Heap {
  FunctionKind kind = FunctionKind::Lambda;
  // Lambda: the lambda node (parameters, body, signature), its defining context and frame.
  const Node* node = nullptr;
  Value input;
  FramePtr env;
  std::vector<std::string> params;
  bool thunk = false;
  // Builtin and Partial.
  const Builtin* builtin = nullptr;
  std::vector<Value> bound;        // Partial: the supplied arguments
  std::vector<bool> placeholder;   // Partial: which arguments were `?`
  // Regex.
  std::shared_ptr<const Regex> regex;
  // Chain: `f ~> g` of two functions.
  Value first;
  Value second;
  /// A signature (lambdas with `<...>`, built-ins), or nullptr.
  const Signature* signature = nullptr;
};

inline const FunctionBox* Value::as_function() const noexcept {
  if (rep_ != Rep::Function) return nullptr;
  return h_ ? static_cast<const FunctionBox*>(h_.get()) : fb_;
}

inline Value Value::function(Ref<FunctionBox> f) {
  Value v;
  v.rep_ = Rep::Function;
  v.h_ = std::move(f);
  return v;
}

inline void release_values(std::vector<Value>& values) {
  if (values.empty()) return;
  // Many arrays hold only borrowed input nodes, scalars and strings: nothing of theirs can own
  // further values, so their destruction is shallow and needs no work list (an allocation per
  // array destroyed). Any array, object or function, even one shared with others here, takes the
  // loop below: the last reference to a deep structure may be one of these values
  // (`{"a": $x, "b": $x}` nested 100,000 times would otherwise be destroyed by recursion).
  bool shallow = true;
  for (const auto& v : values) {
    const Value::Rep r = v.rep();
    if (r == Value::Rep::Array || r == Value::Rep::Object || r == Value::Rep::Function) {
      shallow = false;
      break;
    }
  }
  if (shallow) {
    values.clear();
    return;
  }
  std::vector<Value> work;
  work.reserve(values.size());
  for (auto& v : values) work.push_back(std::move(v));
  values.clear();
  while (!work.empty()) {
    Value v = std::move(work.back());
    work.pop_back();
    // Only payloads no one else holds die here; empty them first so their destructor is shallow.
    if (v.heap() && v.heap().use_count() == 1) v.heap()->take_children(work);
  }
}

// ArrayBox's members that touch `items` are defined here, where Value is complete (C++20's
// constexpr std::vector needs that).
inline ArrayBox::~ArrayBox() { release_values(items); }

inline std::size_t ArrayBox::size() const noexcept { return range_count > 0 ? range_count : items.size(); }

inline void ArrayBox::take_children(std::vector<Value>& out) {
  for (auto& v : items) out.push_back(std::move(v));
  items.clear();
}

inline ObjectBox::~ObjectBox() {
  std::vector<Value> values;
  take_children(values);
  release_values(values);
}

inline void ObjectBox::take_children(std::vector<Value>& out) {
  for (auto& kv : entries) out.push_back(std::move(kv.second));
  entries.clear();
  index_.reset();
  indexed_ = false;
}

inline void ArrayBox::materialize() {
  if (range_count == 0) return;
  items.reserve(range_count);
  for (std::size_t i = 0; i < range_count; ++i) items.push_back(Value::number(range_first + static_cast<double>(i)));
  range_count = 0;
}

inline void ObjectBox::build_index() const {
  if (!index_) index_ = std::make_unique<std::unordered_map<std::string_view, std::size_t>>();
  index_->clear();
  for (std::size_t i = 0; i < entries.size(); ++i) (*index_)[entries[i].first] = i;
  indexed_ = true;
}
inline const Value* ObjectBox::find(std::string_view key) const {
  if (entries.size() > 16) {
    if (!indexed_) build_index();
    auto it = index_->find(key);
    return it == index_->end() ? nullptr : &entries[it->second].second;
  }
  for (const auto& kv : entries) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}
inline Value* ObjectBox::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const ObjectBox*>(this)->find(key));
}
inline void ObjectBox::set(std::string key, Value v) {
  if (Value* existing = find(key)) {
    *existing = std::move(v);
    return;
  }
  // The index holds views into the keys: growing the vector moves them, so drop it.
  indexed_ = false;
  entries.emplace_back(std::move(key), std::move(v));
}
inline void ObjectBox::erase(std::string_view key) {
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->first == key) {
      entries.erase(it);
      indexed_ = false;
      return;
    }
  }
}

inline Ref<ArrayBox> new_array() { return make_ref<ArrayBox>(); }
inline Ref<ArrayBox> new_sequence() {
  auto a = make_ref<ArrayBox>();
  a->sequence = true;
  return a;
}
inline Ref<ObjectBox> new_object() { return make_ref<ObjectBox>(); }


/// A member of a borrowed object, or nullptr (also for a node that is not an object). The
/// member at index `hint` is tried first and `hint` is set to where the key was found: the
/// objects of one array mostly share their key order, so a loop over them finds each key with
/// one compare.
inline const Json* json_member(const Json& j, std::string_view key, std::size_t& hint) {
  const auto* members = j.get_ptr<const Json::object_t*>();
  if (members == nullptr) return nullptr;
  // ordered_json's object is a vector of pairs: index it directly (this runs once per item of
  // the largest inputs, `items.qty` over 100k items).
  const auto* kv = members->data();
  const std::size_t size = members->size();
  if (hint < size && same_key(kv[hint].first, key)) return &kv[hint].second;
  for (std::size_t k = 0; k < size; ++k) {
    if (same_key(kv[k].first, key)) {
      hint = k;
      return &kv[k].second;
    }
  }
  return nullptr;
}

/// Member lookup over owned and borrowed objects; undefined when absent.
inline Value object_get(const Value& obj, std::string_view key) {
  if (const ObjectBox* o = obj.owned_object()) {
    const Value* v = o->find(key);
    return v ? *v : Value();
  }
  const Json* j = obj.json();
  if (j == nullptr || !j->is_object()) return Value();
  // A linear scan as ordered_json's own find, but lengths first: most keys differ in length, so
  // most steps of a lookup skip the compare call.
  for (const auto& kv : j->get_ref<const Json::object_t&>()) {
    if (same_key(kv.first, key)) return Value::borrow(kv.second);
  }
  return Value();
}

/// Calls f(key, value) for every member, in order.
template <class F>
void object_for_each(const Value& obj, F&& f) {
  if (const ObjectBox* o = obj.owned_object()) {
    for (const auto& kv : o->entries) f(std::string_view(kv.first), kv.second);
    return;
  }
  for (const auto& kv : obj.json()->items()) f(std::string_view(kv.key()), Value::borrow(kv.value()));
}

/// Calls f(number) for every item of an array as a number (NaN for one that is not), reading a
/// borrowed array's nodes in place: aggregates over 100k input items make no Value per item.
template <class F>
void for_each_number(const Value& arr, F&& f) {
  if (const Json* j = arr.json()) {
    for (const Json& item : *j) f(item.is_number() ? item.get<double>() : std::nan(""));
    return;
  }
  const ArrayBox* a = arr.owned_array();
  if (a == nullptr) return;
  if (a->range_count > 0) {
    for (std::size_t i = 0; i < a->range_count; ++i) f(a->range_first + static_cast<double>(i));
    return;
  }
  for (const Value& v : a->items) f(v.as_number());
}

inline std::size_t object_size(const Value& obj) {
  if (const ObjectBox* o = obj.owned_object()) return o->entries.size();
  return obj.json()->size();
}

}  // namespace asl::detail::jsonata
