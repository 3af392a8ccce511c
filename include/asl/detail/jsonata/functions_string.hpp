// String built-ins ($string, $substring, $pad, $trim, case, $split/$join, $match/$replace/$contains, encodings).
// SPDX-License-Identifier: MIT
#pragma once

#include <cctype>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/jsonata/builtin.hpp"
#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/evaluator.hpp"
#include "asl/detail/jsonata/regex.hpp"
#include "asl/detail/jsonata/sequence.hpp"
#include "asl/detail/jsonata/utf.hpp"
#include "asl/detail/jsonata/value.hpp"

namespace asl::detail::jsonata::fn {

inline const Value& arg(const std::vector<Value>& a, std::size_t i) {
  static const Value undefined;
  return i < a.size() ? a[i] : undefined;
}

/// Code points of a UTF-8 string (what jsonata-js's stringToArray yields).
inline std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t start = i;
    utf8_next(s, i);
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

inline Value string_fn(CallContext&, std::vector<Value>& a) {
  const Value& v = arg(a, 0);
  if (v.is_undefined()) return Value();
  bool pretty = arg(a, 1).is_bool() && arg(a, 1).as_bool();
  return Value::string(string_of(v, pretty));
}

/// JavaScript's Array.prototype.slice bounds over `n` items.
inline std::size_t slice_index(double i, std::size_t n) {
  double len = static_cast<double>(n);
  if (std::isnan(i)) return 0;
  if (i < 0) return static_cast<std::size_t>(std::max(0.0, len + std::trunc(i)));
  return static_cast<std::size_t>(std::min(len, std::trunc(i)));
}

inline Value substring(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  // Indices count code points. Without a list of them: an ASCII string's code points are its
  // bytes, any other is walked to count them and again to find the two byte offsets.
  std::string_view s = arg(a, 0).as_string();
  bool ascii = true;
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) >= 0x80) {
      ascii = false;
      break;
    }
  }
  std::size_t count = s.size();
  if (!ascii) {
    count = 0;
    for (std::size_t i = 0; i < s.size(); ++count) utf8_next(s, i);
  }
  double n = static_cast<double>(count);
  double start = arg(a, 1).as_number();
  if (n + start < 0) start = 0;
  std::size_t from = slice_index(start, count);
  std::size_t to = count;
  if (!arg(a, 2).is_undefined()) {
    double length = arg(a, 2).as_number();
    if (length <= 0) return Value::string("");
    double end = start >= 0 ? start + length : n + start + length;
    to = slice_index(end, count);
  }
  if (to <= from) return Value::string("");
  auto byte_offset = [&](std::size_t cp) {
    if (ascii) return cp;
    std::size_t i = 0;
    for (std::size_t k = 0; k < cp && i < s.size(); ++k) utf8_next(s, i);
    return i;
  };
  std::size_t b0 = byte_offset(from);
  return Value::string(std::string(s.substr(b0, byte_offset(to) - b0)));
}

inline Value substring_before(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  std::string_view s = arg(a, 0).as_string();
  std::size_t pos = s.find(arg(a, 1).as_string());
  return Value::string(std::string(pos == std::string_view::npos ? s : s.substr(0, pos)));
}

inline Value substring_after(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  std::string_view s = arg(a, 0).as_string();
  std::string_view chars = arg(a, 1).as_string();
  std::size_t pos = s.find(chars);
  return Value::string(std::string(pos == std::string_view::npos ? s : s.substr(pos + chars.size())));
}

/// Case mapping over UTF-16 units with the simple mappings, plus the special cases that change
/// length (ß → SS) that JavaScript's toUpperCase applies.
inline std::string change_case(std::string_view s, bool upper) {
  std::u16string u = to_utf16(s);
  std::u16string out;
  out.reserve(u.size());
  for (char16_t c : u) {
    if (upper && c == 0xDF) {
      out += u"SS";
      continue;
    }
    out += upper ? regex_detail::to_upper(c) : regex_detail::to_lower(c);
  }
  return to_utf8(out);
}

inline Value lowercase(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::string(change_case(arg(a, 0).as_string(), false));
}

inline Value uppercase(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::string(change_case(arg(a, 0).as_string(), true));
}

inline Value length(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::number(static_cast<double>(utf8_length(arg(a, 0).as_string())));
}

inline Value trim(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  std::string out;
  bool in_space = false;
  for (char c : arg(a, 0).as_string()) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!in_space) out += ' ';
      in_space = true;
    } else {
      out += c;
      in_space = false;
    }
  }
  if (!out.empty() && out.front() == ' ') out.erase(0, 1);
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return Value::string(std::move(out));
}

inline Value pad(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  std::string s(arg(a, 0).as_string());
  std::string ch = arg(a, 2).is_undefined() ? std::string() : std::string(arg(a, 2).as_string());
  if (ch.empty()) ch = " ";
  double width = std::trunc(arg(a, 1).as_number());
  double pad_len = std::fabs(width) - static_cast<double>(utf8_length(s));
  if (!(pad_len > 0)) return Value::string(std::move(s));
  if (pad_len > 1e8) throw Error("D3137").with_message("$pad width too large");
  auto n = static_cast<std::size_t>(pad_len);
  auto cps = code_points(ch);
  std::string padding;
  for (std::size_t i = 0; i < n; ++i) padding += cps[i % cps.size()];
  return Value::string(width > 0 ? s + padding : padding + s);
}

/// One match as the matcher protocol describes it (offsets in UTF-16 units).
struct MatchInfo {
  std::string match;
  std::size_t start = 0;
  std::size_t end = 0;
  std::vector<Value> groups;
  Value next;  // custom matchers: the function that yields the following match
};

/// Iterates the matches of a matcher (a regex, or a function returning jsonata-js's match
/// objects) over a string.
class MatchIterator {
 public:
  MatchIterator(CallContext& c, const Value& matcher, std::string_view subject)
      : c_(c), matcher_(matcher), s8_(subject), s16_(to_utf16(subject)) {}

  std::optional<MatchInfo> first() {
    const FunctionBox* f = matcher_.as_function();
    if (f && f->kind == FunctionKind::Regex) {
      regex_ = f->regex.get();
      return regex_at(0);
    }
    return custom(c_.ev.apply(matcher_, {Value::string(std::string(s8_))}, c_.input, c_.env));
  }

  std::optional<MatchInfo> next(const MatchInfo& prev) {
    if (regex_) {
      if (last_index_ >= s16_.size()) return std::nullopt;
      auto m = regex_at(last_index_);
      if (m && m->match.empty()) throw Error("D1004", regex_node_position()).with_value("\"\"");
      return m;
    }
    if (!prev.next.is_function()) return std::nullopt;
    return custom(c_.ev.apply(prev.next, {}, c_.input, c_.env));
  }

  std::u16string_view utf16() const { return s16_; }

 private:
  std::size_t regex_node_position() const {
    const FunctionBox* f = matcher_.as_function();
    return f && f->node ? f->node->position : 0;
  }

  std::optional<MatchInfo> regex_at(std::size_t from) {
    auto m = c_.ev.run_regex(*regex_, s16_, from);
    if (!m) {
      last_index_ = 0;
      return std::nullopt;
    }
    MatchInfo out;
    out.start = m->start;
    out.end = m->end;
    out.match = to_utf8(s16_.substr(m->start, m->end - m->start));
    for (const auto& g : m->groups) {
      out.groups.push_back(g.first == regex_detail::npos ? Value() : Value::string(to_utf8(s16_.substr(g.first, g.second - g.first))));
    }
    last_index_ = m->end;
    return out;
  }

  std::optional<MatchInfo> custom(const Value& r) {
    if (r.is_undefined()) return std::nullopt;
    Value start = r.is_object() ? object_get(r, "start") : Value();
    Value end = r.is_object() ? object_get(r, "end") : Value();
    Value groups = r.is_object() ? object_get(r, "groups") : Value();
    Value next = r.is_object() ? object_get(r, "next") : Value();
    if (!(start.is_number() || end.is_number() || groups.is_array() || next.is_function())) throw Error("T1010");
    MatchInfo out;
    Value m = object_get(r, "match");
    if (m.is_string()) out.match = std::string(m.as_string());
    out.start = start.is_number() ? static_cast<std::size_t>(start.as_number()) : 0;
    out.end = end.is_number() ? static_cast<std::size_t>(end.as_number()) : out.start + utf16_length(out.match);
    if (groups.is_array()) append_items(out.groups, groups);
    out.next = next;
    return out;
  }

  CallContext& c_;
  Value matcher_;
  std::string_view s8_;
  std::u16string s16_;
  const Regex* regex_ = nullptr;
  std::size_t last_index_ = 0;
};

inline Value contains(CallContext& c, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined() || arg(a, 1).is_undefined()) return Value();
  if (arg(a, 1).is_string()) return Value::boolean(arg(a, 0).as_string().find(arg(a, 1).as_string()) != std::string_view::npos);
  if (const FunctionBox* f = arg(a, 1).as_function(); f && f->kind == FunctionKind::Regex) {
    // Whether it matches is all $contains asks: no match object to build.
    const std::u16string s16 = to_utf16(arg(a, 0).as_string());
    return Value::boolean(c.ev.run_regex(*f->regex, s16, 0).has_value());
  }
  MatchIterator it(c, arg(a, 1), arg(a, 0).as_string());
  return Value::boolean(it.first().has_value());
}

inline Value match(CallContext& c, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  const Value& limit = arg(a, 2);
  if (limit.is_number() && limit.as_number() < 0) throw Error("D3040").with_value(js_number_to_string(limit.as_number()));
  auto result = new_sequence();
  if (limit.is_undefined() || limit.as_number() > 0) {
    MatchIterator it(c, arg(a, 1), arg(a, 0).as_string());
    std::size_t count = 0;
    auto m = it.first();
    while (m && (limit.is_undefined() || static_cast<double>(count) < limit.as_number())) {
      auto o = new_object();
      o->set("match", Value::string(m->match));
      o->set("index", Value::number(static_cast<double>(m->start)));
      auto g = new_array();
      g->items = m->groups;
      o->set("groups", Value::array(std::move(g)));
      result->items.push_back(Value::object(std::move(o)));
      m = it.next(*m);
      ++count;
    }
  }
  return Value::array(std::move(result));
}

/// Expands `$0`, `$n`, `$$` in a replacement string (jsonata-js's rules for how many digits a
/// group number takes).
inline std::string expand_replacement(std::string_view rep, const MatchInfo& m) {
  std::string out;
  std::size_t pos = 0;
  std::size_t dollar = rep.find('$', pos);
  while (dollar != std::string_view::npos && pos < rep.size()) {
    out += rep.substr(pos, dollar - pos);
    pos = dollar + 1;
    char d = pos < rep.size() ? rep[pos] : '\0';
    if (d == '$') {
      out += '$';
      ++pos;
    } else if (d == '0') {
      out += m.match;
      ++pos;
    } else {
      std::size_t ngroups = m.groups.size();
      std::size_t max_digits = ngroups == 0 ? 1 : static_cast<std::size_t>(std::floor(std::log10(static_cast<double>(ngroups)))) + 1;
      auto parse = [&](std::size_t digits) -> long {
        std::size_t k = pos;
        long v = -1;
        while (k < rep.size() && k < pos + digits && rep[k] >= '0' && rep[k] <= '9') {
          v = (v < 0 ? 0 : v) * 10 + (rep[k] - '0');
          ++k;
        }
        return v;
      };
      long index = parse(max_digits);
      if (max_digits > 1 && index > static_cast<long>(ngroups)) index = parse(max_digits - 1);
      if (index >= 0) {
        if (ngroups > 0 && index >= 1 && static_cast<std::size_t>(index) <= ngroups) {
          const Value& g = m.groups[static_cast<std::size_t>(index - 1)];
          if (g.is_string()) out += g.as_string();
        }
        pos += std::to_string(index).size();
      } else {
        out += '$';
      }
    }
    dollar = rep.find('$', pos);
  }
  if (pos < rep.size()) out += rep.substr(pos);
  return out;
}

inline Value replace(CallContext& c, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  const Value& pattern = arg(a, 1);
  const Value& replacement = arg(a, 2);
  const Value& limit = arg(a, 3);
  if (pattern.is_string() && pattern.as_string().empty()) throw Error("D3010").with_value("\"\"");
  if (limit.is_number() && limit.as_number() < 0) throw Error("D3011").with_value(js_number_to_string(limit.as_number()));
  std::string_view s = arg(a, 0).as_string();
  if (!(limit.is_undefined() || limit.as_number() > 0)) return Value::string(std::string(s));
  auto under_limit = [&](std::size_t count) { return limit.is_undefined() || static_cast<double>(count) < limit.as_number(); };
  std::string result;
  std::size_t count = 0;
  if (pattern.is_string()) {
    std::string_view p = pattern.as_string();
    std::size_t position = 0;
    std::size_t index = s.find(p, position);
    std::string rep = replacement.is_string() ? std::string(replacement.as_string()) : string_of(replacement);
    while (index != std::string_view::npos && under_limit(count)) {
      result += s.substr(position, index - position);
      result += rep;
      position = index + p.size();
      ++count;
      index = s.find(p, position);
    }
    result += s.substr(position);
    return Value::string(std::move(result));
  }
  MatchIterator it(c, pattern, s);
  std::u16string_view s16 = it.utf16();
  auto m = it.first();
  if (!m) return Value::string(std::string(s));
  std::u16string out;
  std::size_t position = 0;
  while (m && under_limit(count)) {
    out += s16.substr(position, m->start > position ? m->start - position : 0);
    std::string with;
    if (replacement.is_string()) {
      with = expand_replacement(replacement.as_string(), *m);
    } else {
      auto o = new_object();
      o->set("match", Value::string(m->match));
      o->set("start", Value::number(static_cast<double>(m->start)));
      o->set("end", Value::number(static_cast<double>(m->end)));
      auto g = new_array();
      g->items = m->groups;
      o->set("groups", Value::array(std::move(g)));
      Value r = c.ev.apply(replacement, {Value::object(std::move(o))}, c.input, c.env);
      if (!r.is_string()) throw Error("D3012").with_value(Evaluator::stringify_for_error(r));
      with = std::string(r.as_string());
    }
    out += to_utf16(with);
    position = m->start + utf16_length(m->match);
    ++count;
    m = it.next(*m);
  }
  if (position < s16.size()) out += s16.substr(position);
  return Value::string(to_utf8(out));
}

inline Value split(CallContext& c, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  const Value& limit = arg(a, 2);
  if (limit.is_number() && limit.as_number() < 0) throw Error("D3020").with_value(js_number_to_string(limit.as_number()));
  auto result = new_array();
  std::string_view s = arg(a, 0).as_string();
  auto under_limit = [&](std::size_t count) { return limit.is_undefined() || static_cast<double>(count) < limit.as_number(); };
  if (!(limit.is_undefined() || limit.as_number() > 0)) return Value::array(std::move(result));
  const Value& sep = arg(a, 1);
  if (sep.is_string()) {
    // JavaScript's String.prototype.split takes ToUint32 of the limit.
    auto under_limit_js = [&](std::size_t n) {
      return limit.is_undefined() || static_cast<double>(n) < std::trunc(limit.as_number());
    };
    std::string_view p = sep.as_string();
    if (p.empty()) {
      std::u16string u = to_utf16(s);
      for (std::size_t i = 0; i < u.size() && under_limit_js(result->items.size()); ++i) {
        result->items.push_back(Value::string(to_utf8(std::u16string_view(&u[i], 1))));
      }
    } else {
      std::size_t pos = 0;
      for (;;) {
        if (!under_limit_js(result->items.size())) break;
        std::size_t at = s.find(p, pos);
        if (at == std::string_view::npos) {
          result->items.push_back(Value::string(std::string(s.substr(pos))));
          break;
        }
        result->items.push_back(Value::string(std::string(s.substr(pos, at - pos))));
        pos = at + p.size();
      }
    }
    return Value::array(std::move(result));
  }
  MatchIterator it(c, sep, s);
  std::u16string_view s16 = it.utf16();
  auto m = it.first();
  if (!m) {
    result->items.push_back(Value::string(std::string(s)));
    return Value::array(std::move(result));
  }
  std::size_t start = 0;
  std::size_t count = 0;
  while (m && under_limit(count)) {
    result->items.push_back(Value::string(to_utf8(s16.substr(start, m->start > start ? m->start - start : 0))));
    start = m->end;
    m = it.next(*m);
    ++count;
  }
  if (under_limit(count)) result->items.push_back(Value::string(to_utf8(s16.substr(std::min(start, s16.size())))));
  return Value::array(std::move(result));
}

inline Value join(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  std::string sep = arg(a, 1).is_undefined() ? std::string() : std::string(arg(a, 1).as_string());
  std::string out;
  const Value& arr = arg(a, 0);
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (i > 0) out += sep;
    out += arr.at(i).as_string();
  }
  return Value::string(std::move(out));
}

inline Value base64encode(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  // btoa over a 'binary' buffer: each UTF-16 unit keeps its low byte.
  std::u16string u = to_utf16(arg(a, 0).as_string());
  static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  while (i + 2 < u.size()) {
    unsigned v = ((u[i] & 0xFFu) << 16) | ((u[i + 1] & 0xFFu) << 8) | (u[i + 2] & 0xFFu);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
    i += 3;
  }
  if (i + 1 == u.size()) {
    unsigned v = (u[i] & 0xFFu) << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == u.size()) {
    unsigned v = ((u[i] & 0xFFu) << 16) | ((u[i + 1] & 0xFFu) << 8);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  return Value::string(std::move(out));
}

inline Value base64decode(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  auto dec = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+' || ch == '-') return 62;
    if (ch == '/' || ch == '_') return 63;
    return -1;
  };
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char ch : arg(a, 0).as_string()) {
    int d = dec(ch);
    if (d < 0) {
      if (ch == '=') break;
      continue;
    }
    acc = (acc << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      utf8_append(out, static_cast<char32_t>((acc >> bits) & 0xFF));
    }
  }
  return Value::string(std::move(out));
}

inline std::string percent_encode(std::string_view s, std::string_view keep, const char* fn_name) {
  std::string out;
  static const char hex[] = "0123456789ABCDEF";
  std::u16string u = to_utf16(s);
  for (std::size_t i = 0; i < u.size(); ++i) {
    char16_t c = u[i];
    if (c < 0x80 && (std::isalnum(static_cast<unsigned char>(c)) || keep.find(static_cast<char>(c)) != std::string_view::npos)) {
      out += static_cast<char>(c);
      continue;
    }
    char32_t cp = c;
    if (c >= 0xD800 && c <= 0xDBFF) {
      if (i + 1 >= u.size() || u[i + 1] < 0xDC00 || u[i + 1] > 0xDFFF) {
        throw Error("D3140").with_message(fn_name).with_value("\"" + std::string(s) + "\"");
      }
      cp = 0x10000 + ((c - 0xD800u) << 10) + (u[i + 1] - 0xDC00u);
      ++i;
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
      throw Error("D3140").with_message(fn_name).with_value("\"" + std::string(s) + "\"");
    }
    std::string bytes;
    utf8_append(bytes, cp);
    for (char b : bytes) {
      out += '%';
      out += hex[(static_cast<unsigned char>(b) >> 4) & 15];
      out += hex[static_cast<unsigned char>(b) & 15];
    }
  }
  return out;
}

inline std::string percent_decode(std::string_view s, std::string_view reserved, const char* fn_name) {
  auto fail = [&]() { return Error("D3140").with_message(fn_name).with_value("\"" + std::string(s) + "\""); };
  auto hexv = [](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '%') {
      out += s[i++];
      continue;
    }
    auto byte_at = [&](std::size_t k) -> int {
      if (k + 2 >= s.size() || s[k] != '%') return -1;
      int h = hexv(s[k + 1]), l = hexv(s[k + 2]);
      return h < 0 || l < 0 ? -1 : h * 16 + l;
    };
    if (i + 2 >= s.size()) throw fail();
    int b0 = byte_at(i);
    if (b0 < 0) throw fail();
    if (b0 < 0x80) {
      if (reserved.find(static_cast<char>(b0)) != std::string_view::npos) {
        out += s.substr(i, 3);
      } else {
        out += static_cast<char>(b0);
      }
      i += 3;
      continue;
    }
    int extra = (b0 >= 0xF0 && b0 < 0xF8) ? 3 : (b0 >= 0xE0) ? 2 : (b0 >= 0xC0) ? 1 : -1;
    if (extra < 0 || b0 >= 0xF8) throw fail();
    std::string bytes(1, static_cast<char>(b0));
    std::size_t k = i + 3;
    for (int e = 0; e < extra; ++e) {
      int b = byte_at(k);
      if (b < 0 || (b & 0xC0) != 0x80) throw fail();
      bytes += static_cast<char>(b);
      k += 3;
    }
    out += bytes;
    i = k;
  }
  return out;
}

inline Value encode_url_component(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::string(percent_encode(arg(a, 0).as_string(), "-_.!~*'()", "encodeUrlComponent"));
}
inline Value encode_url(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::string(percent_encode(arg(a, 0).as_string(), "-_.!~*'();/?:@&=+$,#", "encodeUrl"));
}
inline Value decode_url_component(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::string(percent_decode(arg(a, 0).as_string(), "", "decodeUrlComponent"));
}
inline Value decode_url(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  return Value::string(percent_decode(arg(a, 0).as_string(), ";/?:@&=+$,#", "decodeUrl"));
}

}  // namespace asl::detail::jsonata::fn
