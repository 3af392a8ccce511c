// JSONPath (spec §5) with Jayway semantics as AWS Step Functions runs it: parser, evaluator, ResultPath writer (§4.4).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "asl/detail/json/release.hpp"
#include "asl/detail/jsonpath/path_eval.hpp"
#include "asl/detail/jsonpath/path_model.hpp"
#include "asl/detail/jsonpath/path_parser.hpp"
#include "asl/detail/jsonpath/path_text.hpp"
#include "asl/json.hpp"

// What this implements, and where it follows Jayway rather than RFC 9535 (AWS runs Jayway):
//
// * Definite paths (only single member names and single indexes) give the node itself; anything
//   else gives a JSON array of the matches in document order, [] when nothing matches (§5.3).
//   AWS answers [] even where Jayway itself would throw on a missing definite prefix
//   (AWS-recorded: `$.item.items[1:]` on `{}` -> []), so indefinite paths never miss.
// * Miss messages are Jayway's PathNotFoundException texts, which AWS quotes in its causes (§4.6):
//   - last member missing: "No results for path: $['a']['b']" (the whole path);
//   - an earlier member missing: "Missing property in path $['a']" (up to the missing member);
//   - index out of range, at any step: "No results for path: $['a'][5]['b']" (Jayway drops the
//     IndexOutOfBoundsException, so the whole path simply has no result);
//   - index applied to null: "The path $['a'] is null";
//   - index applied to a non-array: "Filter: [0]['b'] can only be applied to arrays. Current
//     context is: {"x":1}" (the path from that step on; the value as Java's toString prints it:
//     strings raw, anything else as compact JSON);
//   - member of a non-object: "Expected to find an object with property ['b'] in path $['a'] but
//     found 'java.lang.String'. This is not a json object according to the JsonProvider:
//     'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'." (the value's Java class: null,
//     java.lang.String/Boolean/Integer/Long/Double, net.minidev.json.JSONArray; json-smart is
//     Jayway's default provider, AWS's actual one is not recorded).
//   Paths are shown in Jayway's normalized bracket form with `$` as root, also for `$$` and `$var`
//   (AWS hands Jayway the rest of the path after its own root).
// * Bracket-quoted names keep backslashes literally; a backslash only stops the next character
//   from closing the name. AWS-recorded: `$['Test\""Name"']` reads the key `Test\""Name"`.
//   Dot names follow spec §5.2 instead: `\x` is the character x, `\uXXXX` a UTF-16 escape
//   (`$.store\.book` reads the key "store.book").
// * `['a','b']` as the LAST step merges the members into one object (Jayway); `select` then gives
//   that object (no array) when everything before it is definite. A function tail
//   (`.length()`, `.size()`, `.min()`, `.max()`, `.avg()`, `.sum()`, `.stddev()`, `.keys()`) gives
//   the function's value, applied to the node (definite prefix) or to the array of matches.
//   Both count as not definite() here because find() cannot point at a computed value.
// * Slices without a step are Jayway's, quirks included: `[1:-1]` is empty and `[-2:5]` on
//   three elements gives [b,c,a,b,c]. A step (`[s:e:k]`, which Jayway ignores) switches to
//   RFC 9535 slice semantics.
// * Deep scan follows Jayway's walk order (a node's own match, then its children); for `..[i].x`
//   on arrays Jayway applies `.x` to every element, and so does this.
// * Filters: `==` between a number and a string converts like Jayway (1 == '1' and '1' == 1
//   are true, '1.0' == 1 is false); ordering operators on different types are false; `!@.x` is
//   "x absent"; `in`/`nin`/`subsetof`/`anyof`/`noneof`/`contains`/`size`/`empty` follow Jayway's
//   evaluators, and where Jayway would throw (e.g. `@.a in 5`) the comparison is just false.
//   An unquoted operand (`@.lang==es`) is a string, as AWS and Jayway 2.0 read it (see
//   read_bare_word). Regexes use std::regex (ECMAScript) with full-match semantics like Java's
//   matches(); flag `i`.
//   An existence test on an indefinite path (`@.tags[*]`) needs at least one match.
// * Hostile input: filter nesting is limited to 64 levels (SyntaxError beyond); stepping through a
//   path and the deep-scan walk are iterative, so long paths and deeply nested documents do not
//   recurse there. (Still recursive: `==` between two whole deeply nested values.)
// * Not supported: functions with arguments (concat, append), `[?]` placeholders, `@` as a path
//   root, Java-only regex syntax, regex back-references (`\1`; with libstdc++ regexes run on its
//   polynomial matcher, so hostile patterns cannot backtrack exponentially).

namespace asl::detail::jsonpath {

/// A compiled JSONPath. Parse once at definition load; evaluation never re-parses.
class Path {
 public:
  Path() = default;  // "$"

  /// Compiles `text`; throws SyntaxError (message: what is wrong and at which character offset).
  static Path parse(std::string_view text) {
    Path p;
    p.text_ = std::string(text);
    // Each step starts with '.' or '[': room for them up front saves regrowing (an upper bound;
    // capped, as filters can hold many more of both than the path has steps).
    std::size_t marks = 0;
    for (const char c : text) marks += c == '.' || c == '[' ? 1 : 0;
    p.chain_.steps.reserve(std::min<std::size_t>(marks, 8));
    impl::Parser parser(text);
    parser.parse_path(p.root_, p.variable_, p.chain_, p.reserved_);
    return p;
  }

  const std::string& text() const { return text_; }
  Root root() const { return root_; }
  const std::string& variable() const { return variable_; }

  /// Only single member names and single indexes: find() locates the node.
  bool definite() const { return chain_.plain && chain_.fn == impl::Function::none; }
  /// Spec §5.2 Reference Path: definite, and no unescaped `@ , : ? *` in dot names.
  bool is_reference() const { return definite() && !reserved_; }
  bool is_root() const { return chain_.steps.empty() && chain_.fn == impl::Function::none; }
  /// The member name when the path is one member of the input's root (`$.name`), else nullptr.
  const std::string* single_member() const {
    if (root_ != Root::input || !definite() || chain_.steps.size() != 1) return nullptr;
    const impl::Step& s = chain_.steps.front();
    return s.kind == impl::StepKind::name ? &s.name : nullptr;
  }
  /// Ends in a function call such as `.length()`.
  bool has_function() const { return chain_.fn != impl::Function::none; }
  /// The last step is a single array index (`$.a[2]`).
  bool ends_with_index() const { return !chain_.steps.empty() && chain_.steps.back().kind == impl::StepKind::index; }

  /// Jayway's normalized text of the path, e.g. "$['a'][0]" (also for `$$` and `$var` roots).
  std::string normalized() const { return impl::chain_text(chain_); }

  /// Definite paths: the node, without copying. nullptr when missing, with Jayway's message in *miss.
  const Json* find(const Json& root, std::string* miss = nullptr) const {
    if (!definite()) return not_definite(miss);
    return locate(root, chain_.steps.size(), miss);
  }
  Json* find(Json& root, std::string* miss = nullptr) const {
    if (!definite()) return not_definite(miss);
    return locate(root, chain_.steps.size(), miss);
  }

  /// Definite: a copy of the node, or false + *miss. Otherwise the array of all matches in
  /// document order ([] when none, always true); a merged `['a','b']` leaf or a function tail
  /// gives that single value instead (false + *miss when its definite prefix is missing).
  bool select(const Json& root, Json& out, std::string* miss = nullptr) const {
    using impl::Function;
    if (chain_.plain) {
      const Json* node = locate(root, chain_.steps.size(), miss);
      if (node == nullptr) return false;
      if (chain_.fn == Function::none) {
        out = *node;  // by-value assignment: safe even when `out` contains `node`
        return true;
      }
      Json value;
      if (!impl::apply_function(chain_.fn, *node, value, miss)) return false;
      out = std::move(value);
      return true;
    }
    Json result;
    if (chain_.merge_single) {
      const std::size_t last = chain_.steps.size() - 1;
      const Json* parent = locate(root, last, miss);
      if (parent == nullptr) return false;
      if (!parent->is_object()) {
        if (miss) *miss = not_object_message(last, *parent);
        return false;
      }
      result = impl::Evaluator::merge(chain_.steps[last], *parent);
    } else {
      std::vector<const Json*> found;
      std::deque<Json> owned;
      impl::Evaluator(root).run(chain_.steps, root, found, owned);
      result = Json::array();
      result.get_ref<Json::array_t&>().reserve(found.size());
      for (const Json* p : found) result.push_back(*p);
    }
    if (chain_.fn != Function::none) {
      Json value;
      if (!impl::apply_function(chain_.fn, result, value, miss)) return false;
      result = std::move(value);
    }
    out = std::move(result);
    return true;
  }

  /// Same as select, but consumes `root`: a definite path MOVES the node out (no deep copy) and
  /// leaves null in its place inside `root` (`$` moves the whole root). Other paths copy their
  /// matches (they may overlap, e.g. `$..*`).
  bool select(Json&& root, Json& out, std::string* miss = nullptr) const {
    if (!definite()) return select(static_cast<const Json&>(root), out, miss);
    Json* node = locate(root, chain_.steps.size(), miss);
    if (node == nullptr) return false;
    Json taken = std::move(*node);  // `out` may be `root` itself
    out = std::move(taken);
    return true;
  }

  /// ResultPath (spec §4.4): writes `value` at this path inside `root`, creating missing
  /// intermediate objects; "$" replaces root. False (root untouched) when it cannot apply: not an
  /// input-rooted definite path, a scalar/null/wrong container on the way, or an index out of range.
  bool assign(Json& root, const Json& value) const { return assign(root, Json(value)); }
  /// Same, moving `value` into place (it is left null or holding what it replaced, released).
  /// By reference rather than by value: the interpreter's merge hands over its result without
  /// a temporary to build and destroy.
  bool assign(Json& root, Json&& value) const {
    if (root_ != Root::input || !definite()) return false;
    const auto& steps = chain_.steps;
    // Check first, so that a failed ResultPath leaves the document as it was.
    const Json* cur = &root;
    std::size_t i = 0;
    for (; i < steps.size(); ++i) {
      const impl::Step& s = steps[i];
      if (s.kind == impl::StepKind::name) {
        if (!cur->is_object()) return false;
        auto it = cur->find(s.name);
        if (it == cur->end()) break;
        cur = &*it;
      } else {
        if (!cur->is_array()) return false;
        const auto size = static_cast<std::int64_t>(cur->size());
        const std::int64_t idx = s.index < 0 ? s.index + size : s.index;
        if (idx < 0 || idx >= size) return false;
        cur = &(*cur)[static_cast<std::size_t>(idx)];
      }
    }
    // `cur` was reached from the non-const `root`.
    Json* node = const_cast<Json*>(cur);
    if (i == steps.size()) {
      // The whole path exists (the common case: a ResultPath written before): replace in place.
      replace(*node, std::move(value));
      return true;
    }
    for (std::size_t k = i + 1; k < steps.size(); ++k)
      if (steps[k].kind != impl::StepKind::name) return false;  // cannot index into a created object
    // `node` is an object without member steps[i] (checked above): create the rest of the path
    // from there, without looking up again the steps that exist.
    for (std::size_t k = i; k + 1 < steps.size(); ++k)
      node = &append_member(*node, steps[k].name, Json(Json::value_t::object));  // a member created on the way
    append_member(*node, steps.back().name, std::move(value));
    return true;
  }

 private:
  std::nullptr_t not_definite(std::string* miss) const {
    if (miss) *miss = "The path " + text_ + " is not a definite path";
    return nullptr;
  }

  /// Whether step i is the last token of the Jayway path (decides "No results" vs "Missing property").
  bool is_leaf(std::size_t i) const { return i + 1 == chain_.steps.size() && chain_.fn == impl::Function::none; }

  std::string not_object_message(std::size_t i, const Json& node) const {
    std::string fragment;
    impl::append_fragment(fragment, chain_.steps[i]);
    return "Expected to find an object with property " + fragment + " in path " + impl::eval_path(chain_, i) +
           " but found '" + impl::java_class(node) +
           "'. This is not a json object according to the JsonProvider: "
           "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.";
  }

  std::string miss_message(std::size_t i, const Json& node, bool member_missing) const {
    const impl::Step& s = chain_.steps[i];
    if (s.kind == impl::StepKind::name) {
      if (!member_missing) return not_object_message(i, node);
      if (is_leaf(i)) return "No results for path: " + normalized();
      return "Missing property in path " + impl::eval_path(chain_, i + 1);
    }
    if (node.is_null()) return "The path " + impl::eval_path(chain_, i) + " is null";
    if (!node.is_array())
      return "Filter: " + impl::chain_text(chain_, i, false) +
             " can only be applied to arrays. Current context is: " + impl::java_text(node);
    return "No results for path: " + normalized();  // index out of range
  }

  /// The node at the first `count` (plain) steps; the tight loop behind find().
  template <class J>
  J* locate(J& root, std::size_t count, std::string* miss) const {
    constexpr bool is_const = std::is_const_v<J>;
    using Object = std::conditional_t<is_const, const Json::object_t, Json::object_t>;
    using Array = std::conditional_t<is_const, const Json::array_t, Json::array_t>;
    J* cur = &root;
    const impl::Step* steps = chain_.steps.data();
    for (std::size_t i = 0; i < count; ++i) {
      const impl::Step& s = steps[i];
      if (s.kind == impl::StepKind::name) {
        Object* obj = cur->template get_ptr<Object*>();
        if (obj == nullptr) {
          if (miss) *miss = miss_message(i, *cur, false);
          return nullptr;
        }
        J* next = nullptr;
        const std::size_t len = s.name.size();
        const char* want = s.name.data();
        for (auto& kv : *obj) {
          if (impl::same_key(kv.first, want, len)) {
            next = &kv.second;
            break;
          }
        }
        if (next == nullptr) {
          if (miss) *miss = miss_message(i, *cur, true);
          return nullptr;
        }
        cur = next;
      } else {
        Array* arr = cur->template get_ptr<Array*>();
        const auto size = arr ? static_cast<std::int64_t>(arr->size()) : 0;
        const std::int64_t idx = s.index < 0 ? s.index + size : s.index;
        if (arr == nullptr || idx < 0 || idx >= size) {
          if (miss) *miss = miss_message(i, *cur, false);
          return nullptr;
        }
        cur = &(*arr)[static_cast<std::size_t>(idx)];
      }
    }
    return cur;
  }

  std::string text_ = "$";
  Root root_ = Root::input;
  std::string variable_;
  impl::Chain chain_;
  bool reserved_ = false;
};

}  // namespace asl::detail::jsonpath
