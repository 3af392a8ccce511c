// A fast reader of well-formed JSON text into asl::Json; anything unusual is left to nlohmann's parser.
// SPDX-License-Identifier: MIT
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

#include "asl/detail/json/utf8.hpp"
#include "asl/detail/json/depth.hpp"
#include "asl/json.hpp"

namespace asl::detail {

namespace json_reader_impl {

/// One pass over the text with an explicit stack (no recursion on the input's depth). Values wait
/// on `values_` (and keys on `keys_`) until their container closes; then the container is built
/// at its exact size and the members are moved in once. Growing an ordered_json object member by
/// member, as nlohmann's DOM builder does, copies every key and deep-copies every value each time
/// the member vector grows, because pair<const string, json> cannot be moved.
///
/// The reader accepts exactly what nlohmann's strict parser accepts, with the same values
/// (unsigned integers for non-negative literals that fit 64 bits, signed for negative ones, the
/// correctly rounded double otherwise). It gives up (returns nullopt) on anything it does not
/// handle the way nlohmann does: malformed text, a duplicate key, a number out of double range,
/// a byte-order mark, nesting deeper than the limit. The caller then runs nlohmann's parser,
/// which produces the error message, or the value, in nlohmann's own way.
class Reader {
 public:
  Reader(std::string_view text, std::size_t max_depth)
      : p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth) {}

  std::optional<Json> read() {
    skip_ws();
    if (p_ == end_ || static_cast<unsigned char>(*p_) == 0xEF) return std::nullopt;  // empty, or a BOM
    for (;;) {
      // A value starts here.
      if (p_ == end_) return std::nullopt;
      switch (*p_) {
        case '{':
          if (!open(true)) return std::nullopt;
          skip_ws();
          if (p_ != end_ && *p_ == '}') {
            ++p_;
            close_object();
            break;
          }
          if (!read_key()) return std::nullopt;
          continue;
        case '[':
          if (!open(false)) return std::nullopt;
          skip_ws();
          if (p_ != end_ && *p_ == ']') {
            ++p_;
            close_array();
            break;
          }
          continue;
        case '"': {
          std::string s;
          if (!read_string(s)) return std::nullopt;
          values_.emplace_back(std::move(s));
          break;
        }
        case 't':
          if (!literal("true", 4)) return std::nullopt;
          values_.emplace_back(true);
          break;
        case 'f':
          if (!literal("false", 5)) return std::nullopt;
          values_.emplace_back(false);
          break;
        case 'n':
          if (!literal("null", 4)) return std::nullopt;
          values_.emplace_back(nullptr);
          break;
        default:
          if (!read_number()) return std::nullopt;
          break;
      }
      // A value ended: close containers until one expects another member.
      for (;;) {
        skip_ws();
        if (open_.empty()) {
          if (p_ != end_) return std::nullopt;  // text after the document
          return std::move(values_.back());
        }
        if (p_ == end_) return std::nullopt;
        const bool object = open_.back().object;
        const char c = *p_++;
        if (c == ',') {
          skip_ws();
          if (object && !read_key()) return std::nullopt;
          break;
        }
        if (object && c == '}') {
          if (!close_object()) return std::nullopt;
        } else if (!object && c == ']') {
          close_array();
        } else {
          return std::nullopt;
        }
      }
    }
  }

 private:
  struct Open {
    bool object;
    std::size_t values_start;
    std::size_t keys_start;
  };

  void skip_ws() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool open(bool object) {
    if (open_.size() + 1 > max_depth_) return false;
    open_.push_back(Open{object, values_.size(), keys_.size()});
    ++p_;
    return true;
  }

  /// `"key"` then `:`; leaves the cursor at the value.
  bool read_key() {
    if (p_ == end_ || *p_ != '"') return false;
    keys_.emplace_back();
    if (!read_string(keys_.back())) return false;
    skip_ws();
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    skip_ws();
    return true;
  }

  bool close_object() {
    const Open o = open_.back();
    open_.pop_back();
    const std::size_t n = keys_.size() - o.keys_start;
    if (has_duplicate(o.keys_start, n)) return false;
    Json obj(Json::value_t::object);
    auto& members = static_cast<Json::object_t::Container&>(obj.get_ref<Json::object_t&>());
    members.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
      members.emplace_back(std::move(keys_[o.keys_start + i]), std::move(values_[o.values_start + i]));
    keys_.resize(o.keys_start);
    values_.resize(o.values_start);
    values_.push_back(std::move(obj));
    return true;
  }

  void close_array() {
    const Open o = open_.back();
    open_.pop_back();
    Json arr(Json::value_t::array);
    auto& items = arr.get_ref<Json::array_t&>();
    items.reserve(values_.size() - o.values_start);
    for (std::size_t i = o.values_start; i < values_.size(); ++i) items.push_back(std::move(values_[i]));
    values_.resize(o.values_start);
    values_.push_back(std::move(arr));
  }

  bool has_duplicate(std::size_t start, std::size_t n) const {
    if (n <= 8) {
      for (std::size_t i = 1; i < n; ++i)
        for (std::size_t k = 0; k < i; ++k)
          if (keys_[start + i] == keys_[start + k]) return true;
      return false;
    }
    std::unordered_set<std::string_view> seen;
    seen.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
      if (!seen.insert(keys_[start + i]).second) return true;
    return false;
  }

  bool literal(const char* word, std::size_t len) {
    if (static_cast<std::size_t>(end_ - p_) < len || std::memcmp(p_, word, len) != 0) return false;
    p_ += len;
    return true;
  }

  static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

  bool read_number() {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ != end_ && is_digit(*p_)) ++p_;
    } else {
      return false;
    }
    const char* int_end = p_;
    bool is_float = false;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !is_digit(*p_)) return false;
      while (p_ != end_ && is_digit(*p_)) ++p_;
      is_float = true;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !is_digit(*p_)) return false;
      while (p_ != end_ && is_digit(*p_)) ++p_;
      is_float = true;
    }
    if (!is_float) {
      // nlohmann: strtoull / strtoll, and a double when the integer does not fit.
      std::uint64_t magnitude = 0;
      bool fits = true;
      for (const char* d = start + (negative ? 1 : 0); d != int_end; ++d) {
        const auto digit = static_cast<std::uint64_t>(*d - '0');
        if (magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
          fits = false;
          break;
        }
        magnitude = magnitude * 10 + digit;
      }
      if (fits && !negative) {
        values_.emplace_back(magnitude);
        return true;
      }
      constexpr auto int_min_magnitude = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1;
      if (fits && magnitude <= int_min_magnitude) {
        values_.emplace_back(magnitude == int_min_magnitude ? std::numeric_limits<std::int64_t>::min()
                                                             : -static_cast<std::int64_t>(magnitude));
        return true;
      }
    }
#if defined(__cpp_lib_to_chars)
    double d = 0;
    const auto r = std::from_chars(start, p_, d);
    // Out of range (overflow, which nlohmann reports, or underflow, which it rounds): its call.
    if (r.ec != std::errc() || r.ptr != p_) return false;
    values_.emplace_back(d);
    return true;
#else
    return false;  // no locale-free double parser in this library: nlohmann's strtod decides
#endif
  }

  static int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  /// Four hex digits after "\u" (the cursor is on the 'u').
  bool read_hex4(std::uint32_t& out) {
    if (end_ - p_ < 5) return false;
    std::uint32_t v = 0;
    for (int i = 1; i <= 4; ++i) {
      const int h = hex_value(p_[i]);
      if (h < 0) return false;
      v = (v << 4) | static_cast<std::uint32_t>(h);
    }
    p_ += 5;
    out = v;
    return true;
  }

  static void append_utf8(std::string& s, std::uint32_t cp) {
    if (cp < 0x80) {
      s.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  /// A string literal (the cursor is on its opening quote) into `out`.
  bool read_string(std::string& out) {
    ++p_;
    const char* run = p_;
    // Most strings are plain ASCII without escapes: find the closing quote, copy once.
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out.assign(run, p_);
        ++p_;
        return true;
      }
      if (c == '\\' || c < 0x20 || c >= 0x80) break;
      ++p_;
    }
    out.assign(run, p_);
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;  // control characters must be escaped
      if (c >= 0x80) {
        const std::size_t len =
            utf8_sequence_length(reinterpret_cast<const unsigned char*>(p_), static_cast<std::size_t>(end_ - p_));
        if (len == 0) return false;
        out.append(p_, len);
        p_ += len;
        continue;
      }
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        ++p_;
        continue;
      }
      if (++p_ == end_) return false;
      switch (*p_) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!read_hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
          if (cp >= 0xD800 && cp <= 0xDBFF) {              // must be followed by a low one
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            ++p_;
            std::uint32_t low = 0;
            if (!read_hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          continue;  // read_hex4 moved past the digits
        }
        default:
          return false;
      }
      ++p_;
    }
    return false;  // unterminated
  }

  const char* p_;
  const char* end_;
  std::size_t max_depth_;
  std::vector<Json> values_;
  std::vector<std::string> keys_;
  std::vector<Open> open_;
};

}  // namespace json_reader_impl

/// `text` as asl::Json when it is well-formed JSON that the fast reader handles (see Reader), or
/// nullopt: then nlohmann's parser has the last word, on the value or on the error.
inline std::optional<Json> read_json_fast(std::string_view text,
                                          std::size_t max_depth = std::numeric_limits<std::size_t>::max()) {
  return json_reader_impl::Reader(text, max_depth).read();
}

/// `text` as asl::Json, or a discarded value when it is not JSON: `Json::parse(text, nullptr,
/// false)`, with the fast reader in front of it. Text nested deeper than `max_depth` levels is
/// not JSON here either (`too_deep` says which it was): nlohmann's parser reads it without
/// recursing, and the result is measured and dropped before anything copies it.
inline Json read_json_or_discarded(std::string_view text, std::size_t max_depth = default_max_json_depth,
                                   bool* too_deep_out = nullptr) {
  const std::size_t limit = max_depth ? max_depth : std::numeric_limits<std::size_t>::max();
  if (auto fast = read_json_fast(text, limit)) return std::move(*fast);
  Json value = Json::parse(text, nullptr, false);  // what the fast reader leaves, nlohmann decides
  if (!value.is_discarded() && too_deep(value, max_depth)) {
    if (too_deep_out) *too_deep_out = true;
    return Json(Json::value_t::discarded);
  }
  return value;
}

}  // namespace asl::detail
