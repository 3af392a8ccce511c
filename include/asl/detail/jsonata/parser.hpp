// The JSONata parser: a Pratt parser with jsonata-js's binding powers and error codes.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "asl/detail/jsonata/ast.hpp"
#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/lexer.hpp"
#include "asl/detail/jsonata/number.hpp"
#include "asl/detail/jsonata/regex.hpp"
#include "asl/detail/jsonata/utf.hpp"

namespace asl::detail::jsonata {

/// Syntax options of a dialect.
struct SyntaxOptions {
  bool elvis_and_coalescing = true;  // `?:` and `??` (JSONata 2.1+); AWS's 2.0.6 has neither
  std::size_t max_nesting = 500;     // deeper expressions are refused with S0218 before they can exhaust the stack
  const RegexEngine* regex_engine = nullptr;  // nullptr: the built-in engine
};

class Parser {
 public:
  Parser(std::u16string_view src, SyntaxOptions opts) : src_(src), lexer_(src), opts_(opts) {}

  /// Parses the whole text into an unprocessed tree.
  NodePtr parse() {
    advance({}, false);
    NodePtr e = expression(0);
    if (id_ != "(end)") throw Error("S0201", tok_.position).with_token(token_text());
    return e;
  }

 private:
  // The symbol id of the current token, as jsonata-js's symbol table names it.
  static std::string symbol_id(const Token& t) {
    switch (t.type) {
      case TokenType::End: return "(end)";
      case TokenType::Name:
      case TokenType::Variable: return "(name)";
      case TokenType::String:
      case TokenType::Number:
      case TokenType::Value: return "(literal)";
      case TokenType::Regex: return "(regex)";
      case TokenType::Operator: return t.text;
    }
    return "(end)";
  }

  static int binding_power(std::string_view id) {
    if (id == ".") return 75;
    if (id == "[" || id == "(" || id == "@" || id == "#") return 80;
    if (id == "{") return 70;
    if (id == "*" || id == "/" || id == "%") return 60;
    if (id == "+" || id == "-" || id == "&") return 50;
    if (id == "=" || id == "!=" || id == "<" || id == "<=" || id == ">" || id == ">=" || id == "^" || id == "~>" ||
        id == "in" || id == "?:" || id == "??")
      return 40;
    if (id == "and") return 30;
    if (id == "or") return 25;
    if (id == "?") return 20;
    if (id == ":=") return 10;
    return 0;
  }

  static bool known_operator(std::string_view op) {
    static constexpr std::string_view ops[] = {".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?",
                                               "+", "-", "*", "/", "%", "|", "=", "<", ">", "^", "**", "..",
                                               ":=", "!=", "<=", ">=", "~>", "?:", "??", "and", "or", "in", "&"};
    for (auto o : ops) {
      if (o == op) return true;
    }
    return false;
  }

  std::string token_text() const {
    if (tok_.type == TokenType::End) return "(end)";
    return tok_.text;
  }

  void advance(std::string_view expected, bool infix) {
    if (!expected.empty() && id_ != expected) {
      if (id_ == "(end)") throw Error("S0203", tok_.position).with_value("\"" + std::string(expected) + "\"");
      throw Error("S0202", tok_.position).with_token(token_text()).with_value("\"" + std::string(expected) + "\"");
    }
    tok_ = lexer_.next(infix);
    if (!opts_.elvis_and_coalescing && tok_.type == TokenType::Operator && (tok_.text == "?:" || tok_.text == "??")) {
      // 2.0.6 has no such tokens: it sees a `?` followed by `:` or `?`. Re-lex from the middle.
      tok_ = relex_question();
    }
    if (tok_.type == TokenType::End) tok_.position = src_.size();
    id_ = symbol_id(tok_);
    if (tok_.type == TokenType::Operator && !known_operator(tok_.text)) {
      throw Error("S0204", tok_.position).with_token(tok_.text);
    }
  }

  Token relex_question() {
    // The lexer has consumed two characters; give the second back by re-lexing from a copy.
    std::size_t second = tok_.position - 1;
    lexer_.rewind(second);
    Token q;
    q.type = TokenType::Operator;
    q.text = "?";
    q.position = second;
    return q;
  }

  NodePtr from_token(const Token& t) {
    NodePtr n;
    switch (t.type) {
      case TokenType::Name: n = make_node(NodeType::Name, t.position, t.text); break;
      case TokenType::Variable: n = make_node(NodeType::Variable, t.position, t.text); break;
      case TokenType::String:
        n = make_node(NodeType::String, t.position, t.text);
        n->literal_text = Json(t.text);
        n->literal = Value::borrow(n->literal_text);
        break;
      case TokenType::Number:
        n = make_node(NodeType::Number, t.position, t.text);
        n->literal = Value::number(t.number);
        break;
      case TokenType::Value:
        n = make_node(NodeType::Literal, t.position, t.text);
        n->literal = t.text == "null" ? Value::null() : Value::boolean(t.text == "true");
        break;
      case TokenType::Regex:
        n = make_node(NodeType::Regex, t.position, t.text);
        n->regex = compile_regex(to_utf16(t.text), t.flags, t.position, opts_.regex_engine);
        n->regex_function = regex_function_of(*n);
        break;
      case TokenType::End: n = make_node(NodeType::End, t.position, "(end)"); break;
      case TokenType::Operator: n = make_node(NodeType::OperatorName, t.position, t.text); break;
    }
    return n;
  }

  struct DepthGuard {
    DepthGuard(std::size_t& d, std::size_t limit, std::size_t pos) : d_(d) {
      if (++d_ > limit) throw Error("S0218", pos);
    }
    ~DepthGuard() { --d_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    std::size_t& d_;
  };

  NodePtr expression(int rbp) {
    DepthGuard guard(depth_, opts_.max_nesting, tok_.position);
    Token t = tok_;
    std::string tid = id_;
    advance({}, true);
    NodePtr left = nud(t, tid);
    std::size_t chained = 0;
    while (rbp < binding_power(id_)) {
      // A left-associative chain deepens the tree without nesting calls: count it too.
      if (depth_ + ++chained > opts_.max_nesting) throw Error("S0218", tok_.position);
      t = tok_;
      tid = id_;
      advance({}, false);
      left = led(t, tid, std::move(left));
    }
    return left;
  }

  NodePtr nud(const Token& t, const std::string& id) {
    if (id == "(name)" || id == "(literal)" || id == "(regex)" || id == "(end)" || id == "and" || id == "or" ||
        id == "in") {
      return from_token(t);
    }
    if (id == "-") {
      auto n = make_node(NodeType::Negate, t.position, "-");
      n->lhs = expression(70);
      return n;
    }
    if (id == "*") return make_node(NodeType::Wildcard, t.position, "*");
    if (id == "**") return make_node(NodeType::Descendant, t.position, "**");
    if (id == "%") return make_node(NodeType::Parent, t.position, "%");
    if (id == "(") {
      auto n = make_node(NodeType::Block, t.position, "(");
      while (id_ != ")") {
        n->items.push_back(expression(0));
        if (id_ != ";") break;
        advance(";", false);
      }
      advance(")", true);
      return n;
    }
    if (id == "[") {
      auto n = make_node(NodeType::ArrayCons, t.position, "[");
      if (id_ != "]") {
        for (;;) {
          NodePtr item = expression(0);
          if (id_ == "..") {
            auto range = make_node(NodeType::Binary, tok_.position, "..");
            range->lhs = std::move(item);
            advance("..", false);
            range->rhs = expression(0);
            item = std::move(range);
          }
          n->items.push_back(std::move(item));
          if (id_ != ",") break;
          advance(",", false);
        }
      }
      advance("]", true);
      return n;
    }
    if (id == "{") {
      auto n = make_node(NodeType::ObjectCons, t.position, "{");
      parse_pairs(*n);
      return n;
    }
    if (id == "|") {
      auto n = make_node(NodeType::Transform, t.position, "|");
      n->lhs = expression(0);
      advance("|", false);
      n->rhs = expression(0);
      if (id_ == ",") {
        advance(",", false);
        n->third = expression(0);
      }
      advance("|", false);
      return n;
    }
    throw Error("S0211", t.position).with_token(t.text);
  }

  void parse_pairs(Node& n) {
    if (id_ != "}") {
      for (;;) {
        NodePtr k = expression(0);
        advance(":", false);
        NodePtr v = expression(0);
        n.pairs.emplace_back(std::move(k), std::move(v));
        if (id_ != ",") break;
        advance(",", false);
      }
    }
    advance("}", true);
  }

  NodePtr binary(const Token& t, const std::string& op, NodePtr left, NodePtr right) {
    auto n = make_node(NodeType::Binary, t.position, op);
    n->lhs = std::move(left);
    n->rhs = std::move(right);
    return n;
  }

  NodePtr led(const Token& t, const std::string& id, NodePtr left) {
    int bp = binding_power(id);
    if (id == "(") return call(t, std::move(left));
    if (id == "[") {
      if (id_ == "]") {
        // `[]` keeps singleton arrays: flag the step under any predicates.
        Node* step = left.get();
        while (step->type == NodeType::Binary && step->value == "[") step = step->lhs.get();
        step->keep_array = true;
        advance("]", false);
        return left;
      }
      NodePtr pred = expression(0);
      auto n = binary(t, "[", std::move(left), std::move(pred));
      advance("]", true);
      return n;
    }
    if (id == "^") {
      advance("(", false);
      auto n = make_node(NodeType::Binary, t.position, "^");
      n->lhs = std::move(left);
      for (;;) {
        SortTerm term;
        if (id_ == "<") {
          advance("<", false);
        } else if (id_ == ">") {
          term.descending = true;
          advance(">", false);
        }
        term.expr = expression(0);
        n->terms.push_back(std::move(term));
        if (id_ != ",") break;
        advance(",", false);
      }
      advance(")", false);
      return n;
    }
    if (id == "{") {
      auto n = make_node(NodeType::Binary, t.position, "{");
      n->lhs = std::move(left);
      parse_pairs(*n);
      return n;
    }
    if (id == ":=") {
      if (left->type != NodeType::Variable) throw Error("S0212", left->position).with_token(left->value);
      return binary(t, ":=", std::move(left), expression(bp - 1));
    }
    if (id == "@" || id == "#") {
      NodePtr rhs = expression(bp);
      if (rhs->type != NodeType::Variable) throw Error("S0214", rhs->position).with_token(id);
      return binary(t, id, std::move(left), std::move(rhs));
    }
    if (id == "?") {
      auto n = make_node(NodeType::Condition, t.position, "?");
      n->lhs = std::move(left);
      n->rhs = expression(0);
      if (id_ == ":") {
        advance(":", false);
        n->third = expression(0);
      }
      return n;
    }
    if (id == "?:") {
      auto n = make_node(NodeType::Condition, t.position, "?:");
      n->lhs = clone_raw(left.get());
      n->rhs = std::move(left);
      n->third = expression(0);
      return n;
    }
    if (id == "??") {
      auto n = make_node(NodeType::Condition, t.position, "??");
      auto exists = make_node(NodeType::Function, t.position, "(");
      exists->lhs = make_node(NodeType::Variable, t.position, "exists");
      exists->items.push_back(clone_raw(left.get()));
      n->lhs = std::move(exists);
      n->rhs = std::move(left);
      n->third = expression(0);
      return n;
    }
    // Plain left-associative binary operators (`.`, arithmetic, comparison, `and`, `~>`, ...).
    return binary(t, id, std::move(left), expression(bp));
  }

  NodePtr call(const Token& t, NodePtr left) {
    auto n = make_node(NodeType::Function, t.position, "(");
    n->lhs = std::move(left);
    if (id_ != ")") {
      for (;;) {
        if (tok_.type == TokenType::Operator && id_ == "?") {
          n->type = NodeType::Partial;
          n->items.push_back(make_node(NodeType::Placeholder, tok_.position, "?"));
          advance("?", false);
        } else {
          n->items.push_back(expression(0));
        }
        if (id_ != ",") break;
        advance(",", false);
      }
    }
    advance(")", true);
    Node* proc = n->lhs.get();
    if (proc->type == NodeType::Name && (proc->value == "function" || proc->value == "\xCE\xBB")) {
      for (std::size_t i = 0; i < n->items.size(); ++i) {
        const Node& a = *n->items[i];
        if (a.type != NodeType::Variable) {
          throw Error("S0208", a.position).with_token(a.value).with_value(std::to_string(i + 1));
        }
      }
      auto lambda = make_node(NodeType::Lambda, t.position, "function");
      for (const auto& a : n->items) lambda->params.push_back(a->value);
      if (id_ == "<") {
        std::size_t sig_pos = tok_.position;
        int depth = 1;
        std::string sig = "<";
        while (depth > 0 && id_ != "{" && id_ != "(end)") {
          advance({}, false);
          if (id_ == ">") {
            --depth;
          } else if (id_ == "<") {
            ++depth;
          }
          sig += tok_.text;
        }
        advance(">", false);
        try {
          lambda->signature = std::make_shared<const Signature>(parse_signature(sig));
        } catch (Error& e) {
          e.set_position(sig_pos + e.position());
          throw;
        }
      }
      advance("{", false);
      lambda->lhs = expression(0);
      advance("}", false);
      return lambda;
    }
    return n;
  }

  std::u16string_view src_;
  Lexer lexer_;
  SyntaxOptions opts_;
  Token tok_;
  std::string id_;
  std::size_t depth_ = 0;
};

}  // namespace asl::detail::jsonata
