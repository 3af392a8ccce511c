// Function signatures (`<s-n?:s>`): parsed once into a small matcher; checked with JSONata's T0410/T0411/T0412.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/value.hpp"

namespace asl::detail::jsonata {

/// One parameter of a signature. `allowed` is the set of type symbols it accepts (`m` = missing);
/// `quant` is "", "?", "+" or "??" (what jsonata-js's generated regex would say).
struct SignatureParam {
  char type = 'x';
  std::string allowed;
  std::string quant;
  bool context = false;  // `-`: take the context value when the argument is missing
  std::string context_allowed;
  std::string subtype;   // `a<n>`: element type
  // Derived once the signature is parsed, for the check every call makes (validate_signature).
  std::uint16_t allowed_bits = 0;  // `allowed` as a set of symbol_bit()s
  bool single = false;             // quant is "" or "?": one argument, taken greedily when present
  bool optional = false;           // quant lets it match nothing
};

/// A type symbol as one bit (the symbols signature_symbol() gives).
inline std::uint16_t symbol_bit(char c) {
  switch (c) {
    case 'a': return 1u << 0;
    case 's': return 1u << 1;
    case 'n': return 1u << 2;
    case 'b': return 1u << 3;
    case 'l': return 1u << 4;
    case 'f': return 1u << 5;
    case 'o': return 1u << 6;
    case 'm': return 1u << 7;
    default: return 0;
  }
}

struct Signature {
  std::string definition;
  std::vector<SignatureParam> params;
};

/// Parses `<...>`. Errors carry an `offset` into the text (as position), the caller adds the base.
inline Signature parse_signature(std::string_view sig) {
  Signature out;
  out.definition = std::string(sig);
  SignatureParam param;
  SignatureParam* prev = nullptr;
  auto push = [&]() {
    out.params.push_back(param);
    param = SignatureParam();
    prev = &out.params.back();
  };
  auto closing = [&](std::size_t start, char open, char close) {
    int depth = 1;
    std::size_t p = start;
    while (p < sig.size()) {
      ++p;
      if (p >= sig.size()) break;
      if (sig[p] == close) {
        if (--depth == 0) break;
      } else if (sig[p] == open) {
        ++depth;
      }
    }
    return p;
  };
  for (std::size_t pos = 1; pos < sig.size(); ++pos) {
    char c = sig[pos];
    if (c == ':') break;
    switch (c) {
      case 's': case 'n': case 'b': case 'l': case 'o':
        param.type = c;
        param.allowed = std::string(1, c) + "m";
        push();
        break;
      case 'a':
        param.type = c;
        param.allowed = "asnblfom";
        push();
        break;
      case 'f':
        param.type = c;
        param.allowed = "f";
        push();
        break;
      case 'j':
        param.type = c;
        param.allowed = "asnblom";
        push();
        break;
      case 'x':
        param.type = c;
        param.allowed = "asnblfom";
        push();
        break;
      case '-':
        if (prev) {
          prev->context = true;
          prev->context_allowed = prev->allowed;
          prev->quant += "?";
        }
        break;
      case '?':
      case '+':
        if (prev) prev->quant += c;
        break;
      case '(': {
        std::size_t end = closing(pos, '(', ')');
        std::string choice(sig.substr(pos + 1, end - pos - 1));
        if (choice.find('<') != std::string::npos) throw Error("S0402", pos).with_value("\"" + choice + "\"");
        param.type = '(';
        param.allowed = choice + "m";
        pos = end;
        push();
        break;
      }
      case '<': {
        if (prev && (prev->type == 'a' || prev->type == 'f')) {
          std::size_t end = closing(pos, '<', '>');
          prev->subtype = std::string(sig.substr(pos + 1, end - pos - 1));
          pos = end;
        } else {
          throw Error("S0401", pos).with_value(prev ? "\"" + std::string(1, prev->type) + "\"" : "undefined");
        }
        break;
      }
      default: break;
    }
  }
  for (SignatureParam& p : out.params) {
    for (char c : p.allowed) p.allowed_bits = static_cast<std::uint16_t>(p.allowed_bits | symbol_bit(c));
    p.single = p.quant.empty() || p.quant == "?";
    p.optional = p.quant.find('?') != std::string::npos;
  }
  return out;
}

/// The type symbol of a value, as signature matching sees it.
inline char signature_symbol(const Value& v) {
  switch (v.type()) {
    case Type::Function: return 'f';
    case Type::String: return 's';
    case Type::Number: return 'n';
    case Type::Boolean: return 'b';
    case Type::Null: return 'l';
    case Type::Array: return 'a';
    case Type::Object: return 'o';
    case Type::Undefined: return 'm';
  }
  return 'm';
}

/// Whether every item of an array has the type symbol `sym` (checked for `a<n>` and the like on
/// every call, so a borrowed array's nodes are read in place).
inline bool all_items_are(const Value& arr, char sym) {
  if (const Json* j = arr.json()) {
    for (const Json& item : *j) {
      char s = 'm';
      switch (item.type()) {
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
        case Json::value_t::number_float: s = 'n'; break;
        case Json::value_t::string: s = 's'; break;
        case Json::value_t::boolean: s = 'b'; break;
        case Json::value_t::null: s = 'l'; break;
        case Json::value_t::array: s = 'a'; break;
        case Json::value_t::object: s = 'o'; break;
        default: break;
      }
      if (s != sym) return false;
    }
    return true;
  }
  if (const ArrayBox* a = arr.owned_array(); a && a->range_count == 0) {
    for (const Value& v : a->items) {
      if (signature_symbol(v) != sym) return false;
    }
    return true;
  }
  for (std::size_t k = 0; k < arr.size(); ++k) {
    if (signature_symbol(arr.at(k)) != sym) return false;
  }
  return true;
}

namespace signature_detail {

// Backtracking match of the symbol string against params[from..to): greedy `?`/`+`, lazy `??`,
// in the order JavaScript's regex engine tries alternatives, so the captures agree with
// jsonata-js. Signatures are a handful of parameters, so recursion here is shallow.
inline bool match_from(const std::vector<SignatureParam>& ps, std::size_t pi, std::size_t end_param, std::string_view s,
                       std::size_t si, bool anchored_end, std::size_t* lens, std::size_t& matched) {
  if (pi == end_param) {
    if (anchored_end && si != s.size()) return false;
    matched = si;
    return true;
  }
  const SignatureParam& p = ps[pi];
  std::size_t maxn = 0;
  while (si + maxn < s.size() && p.allowed.find(s[si + maxn]) != std::string::npos) ++maxn;
  auto attempt = [&](std::size_t n) {
    lens[pi] = n;
    return match_from(ps, pi + 1, end_param, s, si + n, anchored_end, lens, matched);
  };
  // Quantifiers by length and characters: this runs for every built-in call.
  const std::string& q = p.quant;
  if (q.empty()) return maxn >= 1 && attempt(1);
  if (q.size() == 1 && q[0] == '?') return (maxn >= 1 && attempt(1)) || attempt(0);
  if (q.size() == 2 && q[0] == '?' && q[1] == '?') return attempt(0) || (maxn >= 1 && attempt(1));
  // `+` (and `?+`-like oddities): one or more, greedy.
  for (std::size_t n = maxn; n >= 1; --n) {
    if (attempt(n)) return true;
  }
  return p.quant.find('?') != std::string::npos && attempt(0);
}

}  // namespace signature_detail

/// Checks arguments against a signature and completes them in place (context value inserted,
/// single values wrapped for `a` parameters, missing trailing ones undefined), or throws
/// T0410/T0411/T0412. This runs on every built-in call, so the common case (no context value to
/// insert) edits `args` where it is instead of building a second vector.
inline void validate_signature(const Signature& sig, std::vector<Value>& args, const Value& context) {
  const std::size_t np = sig.params.size();
  const std::size_t k = args.size();
  // Most calls pass one argument of an allowed type per leading parameter and leave out only
  // optional trailing ones. The backtracking match below would find exactly that first (a greedy
  // `?` takes its argument), so when the arguments fit that shape it is the match.
  bool fits = k <= np;
  bool plain = true;  // ... and there is nothing to complete: no array to wrap, no context to insert
  for (std::size_t i = 0; fits && i < np; ++i) {
    const SignatureParam& p = sig.params[i];
    if (i < k) {
      fits = p.single && (p.allowed_bits & symbol_bit(signature_symbol(args[i]))) != 0;
      plain = plain && p.type != 'a';
    } else {
      fits = p.optional;
      plain = plain && !p.context;
    }
  }
  if (fits && plain) {
    // The completed list is the arguments padded with undefined.
    if (np > k) args.resize(np);
    return;
  }
  std::string symbols;
  symbols.reserve(k);
  for (const auto& a : args) symbols += signature_symbol(a);
  // Signatures have a handful of parameters: keep the match lengths on the stack.
  constexpr std::size_t kInline = 16;
  std::size_t lens_inline[kInline] = {};
  std::vector<std::size_t> lens_heap;
  std::size_t* lens = lens_inline;
  if (np > kInline) {
    lens_heap.assign(np, 0);
    lens = lens_heap.data();
  }
  if (fits) {
    for (std::size_t i = 0; i < np; ++i) lens[i] = i < k ? 1 : 0;
  }
  std::size_t matched = 0;
  if (!fits && !signature_detail::match_from(sig.params, 0, np, symbols, 0, true, lens, matched)) {
    // Find how far a growing prefix of the signature still matches: that argument is the bad one.
    std::size_t good_to = 0;
    std::vector<std::size_t> l2(np, 0);
    for (std::size_t i = 0; i < np; ++i) {
      std::size_t m = 0;
      if (!signature_detail::match_from(sig.params, 0, i + 1, symbols, 0, false, l2.data(), m)) break;
      good_to = m;
    }
    throw Error("T0410").with_index(good_to + 1);
  }
  static const char* const plural[] = {"arrays", "booleans", "functions", "numbers", "objects", "strings"};
  auto type_name = [](const std::string& sub) -> std::string {
    switch (sub.empty() ? ' ' : sub[0]) {
      case 'a': return plural[0];
      case 'b': return plural[1];
      case 'f': return plural[2];
      case 'n': return plural[3];
      case 'o': return plural[4];
      case 's': return plural[5];
      default: return "undefined";
    }
  };
  // Argument k of the completed list is args[k] (as jsonata-js: a parameter that matched nothing
  // still takes the next argument slot), unless a context value is inserted before it.
  bool inserts = false;
  std::size_t total = 0;
  for (std::size_t pi = 0; pi < np; ++pi) {
    if (lens[pi] == 0 && sig.params[pi].context) inserts = true;
    total += lens[pi] == 0 ? 1 : lens[pi];
  }
  std::vector<Value> built;
  if (inserts) built.reserve(total);
  if (!inserts && total > args.size()) args.resize(total);
  std::size_t arg_index = 0;
  std::size_t sym_at = 0;
  for (std::size_t pi = 0; pi < np; ++pi) {
    const SignatureParam& p = sig.params[pi];
    std::string_view group = std::string_view(symbols).substr(sym_at, lens[pi]);
    sym_at += lens[pi];
    if (group.empty()) {
      if (p.context) {
        char ct = signature_symbol(context);
        if (p.context_allowed.find(ct) == std::string::npos) throw Error("T0411").with_index(arg_index + 1);
        built.push_back(context);
      } else {
        if (inserts) built.push_back(arg_index < args.size() ? args[arg_index] : Value());
        ++arg_index;
      }
      continue;
    }
    if (!inserts && p.type != 'a') {  // nothing to check or wrap: the match said the types fit
      arg_index += group.size();
      continue;
    }
    for (char single : group) {
      Value arg = arg_index < args.size() ? args[arg_index] : Value();
      if (p.type == 'a') {
        if (single == 'm') {
          arg = Value();
        } else {
          bool ok = true;
          if (!p.subtype.empty()) {
            if (single != 'a' && group != p.subtype) {
              ok = false;
            } else if (single == 'a' && arg.size() > 0) {
              char item = signature_symbol(arg.at(0));
              ok = item == p.subtype[0] && all_items_are(arg, item);
            }
          }
          if (!ok) throw Error("T0412").with_index(arg_index + 1).with_type(type_name(p.subtype));
          if (single != 'a') {
            auto wrapped = new_array();
            wrapped->items.push_back(arg);
            arg = Value::array(std::move(wrapped));
          }
        }
        if (!inserts) args[arg_index] = std::move(arg);
      }
      if (inserts) built.push_back(std::move(arg));
      ++arg_index;
    }
  }
  if (inserts) args = std::move(built);
}

}  // namespace asl::detail::jsonata
