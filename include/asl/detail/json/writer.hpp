// A fast, iterative writer of compact JSON text from asl::Json: the journal's serializer.
// SPDX-License-Identifier: MIT
//
// Why not nlohmann's dump(): it recurses once per nesting level (a deep document overflows the
// stack), it writes through a virtual output adapter mostly one character at a time, it runs every
// string byte through a UTF-8 decoder, and by default it throws (type_error 316) on a string that
// is not valid UTF-8. Journaling a Map state's 10,000-item input and output with it cost about as
// many instructions as running the Map itself.
//
// The text is what nlohmann's dump() (compact, ensure_ascii off, error_handler_t::replace) writes,
// byte for byte, with one caveat: doubles carry the digits of std::to_chars (shortest that reads
// back as the same double and, among those, closest to it), while nlohmann's Grisu2 occasionally
// gives a digit more or a different last digit (a few of 20,000 random doubles in the unit
// tests); both parse back to the same double, and the layout (fixed or exponent form, ".0" on
// integral values, "e+05") is nlohmann's.
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "asl/detail/base/config.hpp"
#include "asl/json.hpp"
#include "asl/detail/json/utf8.hpp"

namespace asl::detail {

/// Bytes a JSON string holds as they are: everything but controls, '"', '\\' and non-ASCII
/// (which must be checked as UTF-8).
constexpr std::array<bool, 256> make_json_plain_bytes() {
  std::array<bool, 256> t{};
  for (std::size_t c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}

inline constexpr std::array<bool, 256> json_plain_bytes = make_json_plain_bytes();

/// Writes asl::Json as compact JSON text. Keeps its stack between calls, so a thread that writes
/// many documents allocates it once. Not thread-safe: one per thread.
///
/// Behaviour on values that valid JSON data never holds (none of them throws):
/// - strings that are not valid UTF-8: each maximal ill-formed subpart becomes U+FFFD (written
///   as its three UTF-8 bytes), as nlohmann's error_handler_t::replace does. The journal must
///   record what the execution saw, and refusing to journal it would fail the execution;
///   readers of the text then always get valid UTF-8.
/// - NaN and infinities: `null`, as nlohmann writes them.
/// - binary values: `{"bytes":[1,2],"subtype":null}`, as nlohmann writes them.
/// - discarded values (a failed parse's result): `null`, where nlohmann writes the unparseable
///   `<discarded>`.
class JsonTextWriter {
 public:
  /// Appends `j` as compact JSON text to `out`. Iterative: any nesting depth, constant stack.
  /// If it throws (only allocation can fail), `out` is as it was.
  void write(const Json& j, std::string& out) {
    const std::size_t start = out.size();
    out_ = &out;
    end_ = out.data() + out.size();
    stack_.clear();
    try {
      char* p = write_all(j, end_);
      out.resize(static_cast<std::size_t>(p - out.data()));
    } catch (...) {
      out.resize(start);
      throw;
    }
    // A hostile, deeply nested document may have grown the stack to megabytes: do not keep them.
    if (stack_.capacity() > max_kept_frames) std::vector<Frame>().swap(stack_);
    out_ = nullptr;
    end_ = nullptr;
  }

 private:
  using Member = Json::object_t::value_type;
  using Members = Json::object_t::Container;  // ordered_map is a std::vector of members

  /// A container being written: the members (or elements) not yet written. Empty containers are
  /// written whole and never pushed.
  struct Frame {
    const Member* member;  ///< next member of an object; nullptr for an array
    const Member* member_end;
    const Json* element;  ///< next element of an array
    const Json* element_end;
  };

  static constexpr std::size_t max_kept_frames = 4096;
  /// Longest scalar token: a double (sign, 17 digits, point, up to 4 padding zeros, "e-308") or
  /// an int64 ("-9223372036854775808"), with room to spare.
  static constexpr std::size_t max_scalar = 40;

  // The text is written through a cursor `p` into `*out_`, which is grown ahead of need (zero
  // filled up to end_) and cut back at the end: one capacity check per token rather than one per
  // character, as push_back/append would do. The cursor is passed and returned by value, never
  // kept in a member: stores through a char* may alias any member, so a member cursor would be
  // reloaded after every character.

  /// `p`, or where it moved to, with at least `n` writable bytes.
  char* room(char* p, std::size_t n) {
    if (static_cast<std::size_t>(end_ - p) >= n) return p;
    return grow(p, n);
  }

  /// Grows geometrically from the current length, not straight to the capacity kept from an
  /// earlier, bigger document: a small document zero-fills little.
  ASL_NOINLINE char* grow(char* p, std::size_t n) {
    std::string& out = *out_;
    const auto pos = static_cast<std::size_t>(p - out.data());
    std::size_t want = out.size() + out.size() / 2 + 64;
    if (want < pos + n) want = pos + n;
    out.resize(want);
    end_ = out.data() + out.size();
    return out.data() + pos;
  }

  char* put(char* p, const char* s, std::size_t n) {
    p = room(p, n);
    std::memcpy(p, s, n);
    return p + n;
  }

  char* put(char* p, char c) {
    p = room(p, 1);
    *p = c;
    return p + 1;
  }

  char* write_all(const Json& root, char* p) {
    const Json* v = &root;
    for (;;) {
      p = write_value(*v, p);
      // Climb out of finished containers until one has a next member or element.
      for (;;) {
        if (stack_.empty()) return p;
        Frame& f = stack_.back();
        if (f.member != nullptr) {
          if (f.member != f.member_end) {
            const Member& m = *f.member++;
            p = write_key(m.first, put(p, ','));
            v = &m.second;
            break;
          }
          p = put(p, '}');
        } else {
          if (f.element != f.element_end) {
            v = f.element++;
            p = put(p, ',');
            break;
          }
          p = put(p, ']');
        }
        stack_.pop_back();
      }
    }
  }

  /// Writes a scalar or an empty container whole. A non-empty container is opened, its frame
  /// pushed, and its first member (or element) written by looping here, down to the first scalar
  /// or empty container: the rest is left to write_all's loop. No recursion.
  char* write_value(const Json& j, char* p) {
    const Json* v = &j;
    for (;;) {
      switch (v->type()) {
        case Json::value_t::object: {
          const auto& members = static_cast<const Members&>(*v->get_ptr<const Json::object_t*>());
          if (members.empty()) return put(p, "{}", 2);
          const Member* first = members.data();
          stack_.push_back(Frame{first + 1, first + members.size(), nullptr, nullptr});
          p = write_key(first->first, put(p, '{'));
          v = &first->second;
          continue;
        }
        case Json::value_t::array: {
          const auto& elements = *v->get_ptr<const Json::array_t*>();
          if (elements.empty()) return put(p, "[]", 2);
          const Json* first = elements.data();
          stack_.push_back(Frame{nullptr, nullptr, first + 1, first + elements.size()});
          p = put(p, '[');
          v = first;
          continue;
        }
        case Json::value_t::string:
          return write_string(*v->get_ptr<const Json::string_t*>(), p);
        case Json::value_t::number_unsigned:
          return write_integer(*v->get_ptr<const Json::number_unsigned_t*>(), p);
        case Json::value_t::number_integer:
          return write_integer(*v->get_ptr<const Json::number_integer_t*>(), p);
        case Json::value_t::number_float:
          return write_double(*v->get_ptr<const Json::number_float_t*>(), p);
        case Json::value_t::boolean:
          return *v->get_ptr<const Json::boolean_t*>() ? put(p, "true", 4) : put(p, "false", 5);
        case Json::value_t::binary:
          return write_binary(*v->get_ptr<const Json::binary_t*>(), p);
        case Json::value_t::null:
        case Json::value_t::discarded:
        default:
          return put(p, "null", 4);
      }
    }
  }

  char* write_key(const std::string& key, char* p) { return put(write_string(key, p), ':'); }

  /// Small non-negative integers (counts, indexes, codes: most numbers in real documents)
  /// directly; std::to_chars costs about 40 instructions even for one digit.
  template <class Int>
  char* write_integer(Int x, char* p) {
    p = room(p, max_scalar);
    if (x >= 0 && x < 100) {
      const auto u = static_cast<unsigned>(x);
      if (u < 10) {
        *p = static_cast<char>('0' + u);
        return p + 1;
      }
      p[0] = static_cast<char>('0' + u / 10);
      p[1] = static_cast<char>('0' + u % 10);
      return p + 2;
    }
    return std::to_chars(p, p + max_scalar, x).ptr;
  }

  /// nlohmann's layout (dtoa_impl::format_buffer with min_exp -4, max_exp 15) of the shortest
  /// round-trip digits: fixed notation for 1e-5 <= |x| < 1e15 with ".0" on integral values (so
  /// the text reads back as a double, not an integer), "d.ddde+XX" otherwise.
  char* write_double(double x, char* p) {
    if (!std::isfinite(x)) return put(p, "null", 4);
    p = room(p, max_scalar);
    if (std::signbit(x)) {
      *p++ = '-';
      x = -x;
    }
    if (x == 0) {  // to_chars would write "0e+00"
      std::memcpy(p, "0.0", 3);
      return p + 3;
    }
    // Shortest digits in scientific form, "d[.ddd]e±XX", then rearranged.
    char sci[32];
    const auto r = std::to_chars(sci, sci + sizeof sci, x, std::chars_format::scientific);
    const char* e = static_cast<const char*>(std::memchr(sci, 'e', static_cast<std::size_t>(r.ptr - sci)));
    char digits[20];
    int k = 0;  // number of significant digits
    for (const char* q = sci; q != e; ++q)
      if (*q != '.') digits[k++] = *q;
    int exp10 = 0;  // x = d.ddd * 10^exp10
    std::from_chars(*(e + 1) == '+' ? e + 2 : e + 1, r.ptr, exp10);
    const int n = exp10 + 1;  // position of the decimal point relative to the first digit
    constexpr int min_exp = -4, max_exp = 15;
    const auto uk = static_cast<std::size_t>(k);
    if (k <= n && n <= max_exp) {  // digits[000].0
      std::memcpy(p, digits, uk);
      p += k;
      const auto zeros = static_cast<std::size_t>(n - k);
      std::memset(p, '0', zeros);
      p += zeros;
      *p++ = '.';
      *p++ = '0';
    } else if (0 < n && n <= max_exp) {  // dig.its
      const auto un = static_cast<std::size_t>(n);
      std::memcpy(p, digits, un);
      p += n;
      *p++ = '.';
      std::memcpy(p, digits + n, uk - un);
      p += k - n;
    } else if (min_exp < n && n <= 0) {  // 0.[000]digits
      *p++ = '0';
      *p++ = '.';
      const auto zeros = static_cast<std::size_t>(-n);
      std::memset(p, '0', zeros);
      p += zeros;
      std::memcpy(p, digits, uk);
      p += k;
    } else {  // d[.igits]e±XX: to_chars' own text, whose exponent has nlohmann's two-digit minimum
      const auto len = static_cast<std::size_t>(r.ptr - sci);
      std::memcpy(p, sci, len);
      p += len;
    }
    return p;
  }

  char* write_binary(const Json::binary_t& b, char* p) {
    p = put(p, "{\"bytes\":[", 10);
    for (std::size_t i = 0; i < b.size(); ++i) {
      if (i != 0) p = put(p, ',');
      p = write_integer(static_cast<unsigned>(b[i]), p);
    }
    p = put(p, "],\"subtype\":", 12);
    p = b.has_subtype() ? write_integer(b.subtype(), p) : put(p, "null", 4);
    return put(p, '}');
  }

  /// Whether any of 8 bytes (in either byte order: only "any" matters) is not plain. The exact
  /// zero-byte test (v - 0x01..) & ~v & 0x80.. applied to x < 0x20, x == '"' and x == '\\',
  /// plus the top bit of every byte for non-ASCII.
  static bool any_special(std::uint64_t x) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    const std::uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    const std::uint64_t t = ((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) |
                            ((backslash - ones) & ~backslash) | x;
    return (t & highs) != 0;
  }

  /// The string quoted and escaped as nlohmann does: \b \f \n \r \t \" \\, other controls as
  /// \u00xx (lowercase hex), DEL and valid non-ASCII UTF-8 unchanged, ill-formed UTF-8 as U+FFFD.
  /// The common case, a string of plain bytes, is checked and copied 8 bytes at a time (one load,
  /// one store) and the last few byte by byte; at the first other byte the rest is left to
  /// write_string_rest, out of line, so this part stays small enough to inline.
  char* write_string(const std::string& str, char* p) {
    const auto* s = reinterpret_cast<const unsigned char*>(str.data());
    const std::size_t n = str.size();
    // Invariant: at least (n - i) + 1 bytes are writable at p (the rest verbatim, then the
    // closing quote); an escape, which may write 6 bytes for 1, makes room again first.
    p = room(p, n + 2);
    *p++ = '"';
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8, p += 8) {
      const std::uint64_t x = load8(s + i);
      if (any_special(x)) return write_string_rest(s, n, i, p);
      std::memcpy(p, &x, 8);
    }
    for (; i < n; ++i, ++p) {
      const unsigned char c = s[i];
      if (!json_plain_bytes[c]) return write_string_rest(s, n, i, p);
      *p = static_cast<char>(c);
    }
    *p++ = '"';
    return p;
  }

  /// write_string from s[i] on, which may be a byte to escape or non-ASCII: byte by byte through
  /// the 8 bytes that hold the special one, then 8 at a time again.
  ASL_NOINLINE char* write_string_rest(const unsigned char* s, std::size_t n, std::size_t i, char* p) {
    for (;;) {
      const std::size_t window_end = i + 8 < n ? i + 8 : n;
      while (i < window_end) {
        const unsigned char c = s[i];
        if (json_plain_bytes[c]) {
          *p++ = static_cast<char>(c);
          ++i;
        } else {
          p = special(s, n, i, p);
        }
      }
      for (; i + 8 <= n; i += 8, p += 8) {
        const std::uint64_t x = load8(s + i);
        if (any_special(x)) break;
        std::memcpy(p, &x, 8);
      }
      if (i == n) break;
    }
    *p++ = '"';
    return p;
  }

  /// 8 bytes from any address (memcpy: no unaligned load through a cast pointer).
  static std::uint64_t load8(const unsigned char* p) noexcept {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    return x;
  }

  /// Writes the non-plain byte s[i] (with the rest of its UTF-8 sequence) and advances `i`.
  char* special(const unsigned char* s, std::size_t n, std::size_t& i, char* p) {
    const unsigned char c = s[i];
    if (c >= 0x80) {
      const Utf8Step step = utf8_step(s + i, n - i);
      if (step.valid) {
        std::memcpy(p, s + i, step.length);
        i += step.length;
        return p + step.length;
      }
      p = room(p, 3 + (n - i) + 1);
      std::memcpy(p, "\xEF\xBF\xBD", 3);
      i += step.length;
      return p + 3;
    }
    p = room(p, 6 + (n - i) + 1);
    ++i;
    *p++ = '\\';
    switch (c) {
      case '"': *p++ = '"'; break;
      case '\\': *p++ = '\\'; break;
      case '\b': *p++ = 'b'; break;
      case '\f': *p++ = 'f'; break;
      case '\n': *p++ = 'n'; break;
      case '\r': *p++ = 'r'; break;
      case '\t': *p++ = 't'; break;
      default: {
        constexpr const char* hex = "0123456789abcdef";
        std::memcpy(p, "u00", 3);
        p[3] = hex[c >> 4];
        p[4] = hex[c & 0xF];
        p += 5;
      }
    }
    return p;
  }

  std::string* out_ = nullptr;
  char* end_ = nullptr;  ///< end of the writable (zero-filled) part of *out_
  std::vector<Frame> stack_;
};

/// Appends `j` as compact JSON text to `out` (see JsonTextWriter for the exact text).
inline void write_json_text(const Json& j, std::string& out) {
  JsonTextWriter w;
  w.write(j, out);
}

/// `j` as compact JSON text.
inline std::string json_to_text(const Json& j) {
  std::string out;
  write_json_text(j, out);
  return out;
}

}  // namespace asl::detail
