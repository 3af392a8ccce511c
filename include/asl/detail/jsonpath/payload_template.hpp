// Payload templates (spec §4.5): Parameters/ResultSelector/ItemSelector, compiled once.
// SPDX-License-Identifier: MIT
#pragma once

#include <cctype>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/json/pointer.hpp"
#include "asl/detail/jsonpath/intrinsics.hpp"
#include "asl/detail/jsonpath/path.hpp"
#include "asl/detail/query/variable_source.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"

namespace asl::detail {

/// One problem in a template: `pointer` is relative to the template root ("/parts/first.$").
struct TemplateError {
  std::string pointer;
  std::string message;
};

/// A compiled payload template: a tree of literal / path / intrinsic nodes. Literal subtrees
/// (no `.$` key anywhere inside) are stored as ready Json values and copied once per evaluation.
/// Immutable and cheap to copy (the tree is shared).
class PayloadTemplate {
 public:
  PayloadTemplate() = default;

  /// Compiles a Parameters / ResultSelector / ItemSelector value, of any JSON type: AWS also runs
  /// an array, string, number, boolean or null template (see Validator::check_payload_template),
  /// compiled like a nested value of an object template. Never throws on bad content:
  /// problems (a `.$` value that is not a string, not a path and not an intrinsic call; two keys
  /// equal after removing `.$`) are appended to `problems`. Without `problems`, a bad `.$` field
  /// compiles to a node that fails with States.Runtime when evaluated.
  static PayloadTemplate compile(const Json& tmpl, std::vector<TemplateError>* problems = nullptr) {
    PayloadTemplate t;
    Compiler c{problems, false};
    auto root = std::make_shared<Node>();
    c.compile(tmpl, std::string(), *root);
    t.root_ = std::move(root);
    t.uses_context_ = c.uses_context;
    return t;
  }

  /// True when some field reads the context object (`$$...`, directly or in an intrinsic).
  bool uses_context() const { return uses_context_; }

  /// Evaluates the template over `input` (the effective input, or the raw result for
  /// ResultSelector) and `context` (the `$$` object; may be nullptr when !uses_context()).
  ///
  /// A `.$` path that matches nothing fails with States.Runtime (what AWS raises, spec §4.6),
  /// cause `The JSONPath '<path>' specified for the field '<key>.$' could not be found in the
  /// input '<input>'`, where `<input>` is the template input as compact JSON (Jackson's
  /// spelling, see java_json) — also for `$$.` paths, as AWS does. As measured on AWS, an index
  /// past the end of an existing array (`$.items[5]`) reads as null, and a path ending in a
  /// JSONPath function (`$.a.length()`) never matches. Intrinsic failures carry the error of
  /// Expression::evaluate.
  asl::Result<Json> evaluate(const Json& input, const Json* context,
                             const VariableSource* vars = nullptr) const {
    if (!root_) return Json::object();
    Error error;
    Json out;
    if (!eval(*root_, Roots{input, context, vars}, out, error)) return error;
    return out;
  }

 private:
  struct Node {
    enum class Kind : std::uint8_t { literal, object, array, path, intrinsic, invalid };
    Kind kind = Kind::literal;
    Json literal;                                // literal
    std::vector<std::string> keys;               // object: output keys, in order
    std::vector<Node> children;                  // object (parallel to keys) / array
    std::optional<jsonpath::Path> path;          // path
    std::optional<jsonpath::Path> array_parent;  // path ending in [i]: the path without it
    bool function_tail = false;                  // path ends in .length() etc.: never matches (AWS)
    std::optional<intrinsics::Expression> expr;  // intrinsic
    std::string field;                           // path/intrinsic/variable/invalid: "key.$"
    std::string text;                            // path/variable: source; invalid: message
  };

  struct Compiler {
    std::vector<TemplateError>* problems;
    bool uses_context;

    // Members are walked on the object itself: items() builds a proxy per member.
    static bool has_dynamic(const Json& v) {
      if (const auto* object = v.get_ptr<const Json::object_t*>()) {
        for (const auto& [k, e] : *object)
          if (ends_with_dollar(k) || has_dynamic(e)) return true;
      } else if (const auto* array = v.get_ptr<const Json::array_t*>()) {
        for (const auto& e : *array)
          if (has_dynamic(e)) return true;
      }
      return false;
    }

    static bool ends_with_dollar(std::string_view k) {
      return k.size() >= 2 && k[k.size() - 2] == '.' && k.back() == '$';
    }

    void problem(const std::string& pointer, std::string message) {
      if (problems != nullptr) problems->push_back(TemplateError{pointer, std::move(message)});
    }

    // Pointers only serve problem reports: they are built when a report can be made, and for a
    // member only when it is reported or has dynamic fields below it.
    std::string member_pointer(const std::string& pointer, std::string_view key) const {
      return problems != nullptr ? pointer + "/" + detail::pointer_token(key) : std::string();
    }
    std::string element_pointer(const std::string& pointer, std::size_t index) const {
      return problems != nullptr ? pointer + "/" + std::to_string(index) : std::string();
    }

    /// Compiles `v` into `n` (a default Node); nodes are built in place, they are large to move.
    void compile(const Json& v, const std::string& pointer, Node& n) {
      if (!has_dynamic(v)) {
        n.literal = v;
        return;
      }
      if (v.is_array()) {
        n.kind = Node::Kind::array;
        n.children.reserve(v.size());
        std::size_t i = 0;
        for (const auto& e : v) {
          Node& c = n.children.emplace_back();
          if (has_dynamic(e)) {
            compile(e, element_pointer(pointer, i), c);
          } else {
            c.literal = e;
          }
          ++i;
        }
        return;
      }
      n.kind = Node::Kind::object;
      n.keys.reserve(v.size());
      n.children.reserve(v.size());
      for (const auto& [key, value] : v.get_ref<const Json::object_t&>()) {
        const bool dynamic = ends_with_dollar(key);
        std::string out_key = dynamic ? key.substr(0, key.size() - 2) : key;
        // Spec §4.5: after removing ".$", keys of one object must be unique.
        bool duplicate = false;
        for (const auto& k : n.keys)
          if (k == out_key) duplicate = true;
        if (duplicate) {
          problem(member_pointer(pointer, key), "the field \"" + key + "\" duplicates the field \"" + out_key +
                                                    "\" (a key ending in \".$\" is renamed without the suffix)");
          continue;
        }
        n.keys.push_back(std::move(out_key));
        Node& c = n.children.emplace_back();
        if (dynamic) {
          compile_dynamic(key, value, pointer, c);
        } else if (has_dynamic(value)) {
          compile(value, member_pointer(pointer, key), c);
        } else {
          c.literal = value;
        }
      }
    }

    // For a definite path whose last step is an array index, the path without that step (in
    // Jayway's normalized form, rooted at whichever document the path reads).
    static std::optional<jsonpath::Path> index_parent(const jsonpath::Path& p) {
      // Only a last index step can give the text "[digits]" checked below (a member name ends
      // in its quote), so other paths skip building the normalized text.
      if (!p.definite() || p.is_root() || !p.ends_with_index()) return std::nullopt;
      const std::string norm = p.normalized();
      if (norm.empty() || norm.back() != ']') return std::nullopt;
      const std::size_t open = norm.rfind('[');
      if (open == std::string::npos || open + 2 > norm.size()) return std::nullopt;
      for (std::size_t i = open + 1; i + 1 < norm.size(); ++i)
        if (!(std::isdigit(static_cast<unsigned char>(norm[i])) ||
              (i == open + 1 && norm[i] == '-')))
          return std::nullopt;
      try {
        return jsonpath::Path::parse(norm.substr(0, open));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }

    /// The `.$` field `key` of the object at `pointer`, into `n` (a default Node).
    void compile_dynamic(const std::string& key, const Json& value, const std::string& pointer, Node& n) {
      n.field = key;
      auto invalid = [&](std::string message) {
        problem(member_pointer(pointer, key), message);
        n.kind = Node::Kind::invalid;
        n.text = std::move(message);
      };
      if (!value.is_string())
        return invalid(
            "the value of \"" + key +
            "\" must be a string holding a JSONPath or an intrinsic function call, got " +
            intrinsics::impl::type_name(value));
      const std::string& s = value.get_ref<const std::string&>();
      if (!s.empty() && s[0] == '$') {
        // Spec §5.4: "$" + identifier is a workflow variable (a path rooted at it); "$", "$.",
        // "$[", "$$" are paths on the input or the context.
        try {
          n.path = jsonpath::Path::parse(s);
        } catch (const std::exception& e) {
          return invalid("the value of \"" + key + "\" is not a valid JSONPath: " + e.what());
        }
        n.kind = Node::Kind::path;
        n.text = s;
        if (n.path->root() == jsonpath::Root::context) uses_context = true;
        n.array_parent = index_parent(*n.path);
        n.function_tail = intrinsics::impl::has_function_tail(*n.path);
        return;
      }
      if (intrinsics::looks_like_call(s)) {
        try {
          n.expr = intrinsics::Expression::parse(s);
        } catch (const std::exception& e) {
          return invalid(e.what());
        }
        n.kind = Node::Kind::intrinsic;
        uses_context = uses_context || n.expr->uses_context();
        return;
      }
      return invalid("the value of \"" + key + "\" (\"" + s +
                     "\") is not a JSONPath or an intrinsic function call");
    }
  };

  /// The value a literal or a found definite path stands for, or nullptr when eval must build it
  /// (arrays, intrinsics, non-definite or missing paths, errors).
  /// What a template's paths read: `$` the input, `$$` the context, `$name` a variable.
  struct Roots {
    const Json& input;
    const Json* context;
    const VariableSource* vars;
    /// The document path `p` starts from; nullptr for an unassigned variable or a missing `$$`.
    const Json* of(const jsonpath::Path& p) const {
      switch (p.root()) {
        case jsonpath::Root::context: return context;
        case jsonpath::Root::variable: return vars ? vars->find(p.variable()) : nullptr;
        case jsonpath::Root::input: break;
      }
      return &input;
    }
  };

  static const Json* direct_value(const Node& n, const Roots& r) {
    if (n.kind == Node::Kind::literal) return &n.literal;
    if (n.kind != Node::Kind::path || n.function_tail || !n.path->definite()) return nullptr;
    const Json* root = r.of(*n.path);
    return root ? n.path->find(*root) : nullptr;
  }

  static bool eval(const Node& n, const Roots& r, Json& out, Error& error) {
    const Json& input = r.input;
    switch (n.kind) {
      case Node::Kind::literal:
        out = n.literal;
        return true;

      case Node::Kind::object: {
        out = Json(Json::value_t::object);  // not Json::object(): that goes through an initializer_list
        auto& obj = out.get_ref<Json::object_t&>();
        obj.reserve(n.keys.size());
        for (std::size_t i = 0; i < n.keys.size(); ++i) {
          // Keys are unique by construction, so append without ordered_map's lookup. Literals
          // and definite paths that resolve (the common fields) are copied straight into place;
          // everything else is built in a null slot by eval, which also reports the misses.
          const Node& c = n.children[i];
          if (const Json* direct = direct_value(c, r)) {
            obj.Container::emplace_back(n.keys[i], *direct);
            continue;
          }
          obj.Container::emplace_back(n.keys[i], nullptr);
          if (!eval(c, r, obj.back().second, error)) return false;
        }
        return true;
      }

      case Node::Kind::array: {
        out = Json::array();
        auto& arr = out.get_ref<Json::array_t&>();
        arr.reserve(n.children.size());
        for (const auto& c : n.children) {
          arr.emplace_back();
          if (!eval(c, r, arr.back(), error)) return false;
        }
        return true;
      }

      case Node::Kind::path: {
        const Json* found_root = r.of(*n.path);
        if (found_root == nullptr) {
          const bool var = n.path->root() == jsonpath::Root::variable;
          error = Error(std::string(errors::runtime),
                        var ? "The variable reference '" + n.text + "' specified for the field '" + n.field +
                                  "' cannot be resolved: no state has assigned the variable '" +
                                  n.path->variable() + "'"
                            : "The JSONPath '" + n.text + "' specified for the field '" + n.field +
                                  "' reads the context object, which is not available here");
          return false;
        }
        const Json& root = *found_root;
        bool found = false;
        if (n.function_tail) {
          // see intrinsics::impl::has_function_tail
        } else if (n.path->definite()) {
          const Json* p = n.path->find(root);
          found = p != nullptr;
          if (found) {
            out = *p;
          } else if (n.array_parent) {
            // An index past the end of an existing array reads as null in a payload template
            // (measured on AWS by floci-io/floci: "idx.$": "$.items[5]" on {"items":[1,2]} gives
            // null), while the same path as an intrinsic argument is a miss.
            const Json* parent = n.array_parent->find(root);
            if (parent != nullptr && parent->is_array()) {
              out = nullptr;
              found = true;
            }
          }
        } else {
          found = n.path->select(root, out);
        }
        if (!found) {
          error = Error(std::string(errors::runtime),
                        "The JSONPath '" + n.text + "' specified for the field '" + n.field +
                            "' could not be found in the input '" + java_json(input) + "'");
          return false;
        }
        return true;
      }

      case Node::Kind::intrinsic: {
        auto v = n.expr->evaluate(intrinsics::Env{input, r.context, r.vars});
        if (!v) {
          error = std::move(v).error();
          return false;
        }
        out = std::move(v).value();
        return true;
      }

      case Node::Kind::invalid:
        error = Error(std::string(errors::runtime),
                      "Invalid payload template field '" + n.field + "': " + n.text);
        return false;
    }
    return false;
  }

  std::shared_ptr<const Node> root_;
  bool uses_context_ = false;
};

}  // namespace asl::detail
