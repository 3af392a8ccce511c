// Intrinsic evaluation support: failures, argument values and their checks (types, Java rounding, UTF-16), Random.
// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/base/step_random.hpp"
#include "asl/detail/jsonpath/intrinsics_parser.hpp"
#include "asl/detail/jsonpath/java_text.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"

namespace asl::detail::intrinsics {

namespace impl {

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// Raised inside evaluation and turned into an asl::Error at Expression::evaluate (never
/// escapes this header).
struct Failure {
  std::string_view name;
  std::string detail;
};

[[noreturn]] inline void fail(std::string detail) {
  throw Failure{errors::intrinsic_failure, std::move(detail)};
}

/// An argument's value: a reference into the input / the expression (no copy) or an owned result.
struct Value {
  const Json* ref = nullptr;
  Json own;
  const Arg* source = nullptr;  // the argument it came from (for Format's literal placeholders)

  const Json& get() const { return ref != nullptr ? *ref : own; }
  Json take() { return ref != nullptr ? *ref : std::move(own); }
};

inline const char* type_name(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::number_float:
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "a number";
    default:
      return "an unsupported value";
  }
}

/// "a string ('abc')" / "a number (1.5)": short enough for a cause, precise enough to debug.
inline std::string describe(const Json& v) {
  std::string out = type_name(v);
  if (v.is_number() || v.is_boolean()) {
    out += " (" + java_json(v) + ")";
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() <= 40) {
      out += " ('" + s + "')";
    } else {
      std::size_t cut = 37;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
        --cut;  // UTF-8 boundary
      out += " ('" + s.substr(0, cut) + "...')";
    }
  }
  return out;
}

inline std::string ordinal(std::size_t i) {
  static constexpr const char* words[] = {"first", "second", "third"};
  return i < 3 ? words[i] : std::to_string(i + 1) + "th";
}

inline const std::string& string_arg(const Value& v, std::string_view fn, std::size_t index) {
  if (!v.get().is_string())
    fail(std::string(fn) + " expects its " + ordinal(index) + " argument to be a string, got " +
         describe(v.get()));
  return v.get().get_ref<const std::string&>();
}

inline const Json& array_arg(const Value& v, std::string_view fn, std::size_t index) {
  if (!v.get().is_array())
    fail(std::string(fn) + " expects its " + ordinal(index) + " argument to be an array, got " +
         describe(v.get()));
  return v.get();
}

/// Java's Math.round(double): half-up toward +infinity (Math.round(-2.5) == -2), saturating at
/// the long range. AWS rounds non-integer arguments this way (spec §16.11).
inline std::int64_t java_round(double x) {
  if (std::isnan(x)) return 0;
  if (x >= 9.2233720368547758e18) return std::numeric_limits<std::int64_t>::max();
  if (x <= -9.2233720368547758e18) return std::numeric_limits<std::int64_t>::min();
  double r = std::floor(x);
  if (x - r >= 0.5) r += 1;  // exact: x - floor(x) has no rounding error
  return static_cast<std::int64_t>(r);
}

/// A numeric argument rounded to an integer the way AWS does (spec §6.3, §16.11).
inline std::int64_t rounded_arg(const Value& v, std::string_view fn, std::size_t index) {
  const Json& j = v.get();
  if (j.is_number_integer() && !j.is_number_unsigned()) return j.get<std::int64_t>();
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    return u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? std::numeric_limits<std::int64_t>::max()
               : static_cast<std::int64_t>(u);
  }
  if (j.is_number_float()) return java_round(j.get<double>());
  fail(std::string(fn) + " expects its " + ordinal(index) + " argument to be a number, got " +
       describe(j));
}

inline void check_int32(std::int64_t v, std::string_view fn, std::size_t index) {
  if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max())
    fail(std::string(fn) + " expects its " + ordinal(index) + " argument to be within the " +
         "32-bit integer range [-2147483648, 2147483647], got " + std::to_string(v));
}

/// Java's String.length(): UTF-16 code units (a character outside the BMP counts twice). The
/// 10,000-character limits of Base64 and Hash are measured this way.
inline std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) ++n;  // not a continuation byte
    if (c >= 0xF0) ++n;           // 4-byte sequence: a surrogate pair
  }
  return n;
}

/// Valid UTF-8 with every malformed sequence replaced by U+FFFD, as Java's `new String(bytes,
/// UTF_8)` does (Base64Decode may decode to arbitrary bytes; JSON strings must be UTF-8).
inline std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    std::size_t good = 1;  // bytes of a valid prefix (maximal subpart)
    if (len > 0) {
      for (; good < len && i + good < s.size(); ++good) {
        const auto b = static_cast<unsigned char>(s[i + good]);
        const unsigned l = good == 1 ? lo : 0x80, h = good == 1 ? hi : 0xBF;
        if (b < l || b > h) break;
      }
    }
    if (len > 0 && good == len) {
      out.append(s.substr(i, len));
    } else {
      out += "\xEF\xBF\xBD";
    }
    i += good;
  }
  return out;
}

/// Deep equality for ArrayContains / ArrayUnique: objects compare as maps (key order does not
/// matter, like Java's Map.equals), numbers by value (spec §17: 1 == 1.0).
inline bool deep_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_number_float() || b.is_number_float()) return a.get<double>() == b.get<double>();
    return a == b;  // nlohmann compares signed/unsigned integers by value
  }
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a.items()) {
      auto it = b.find(k);
      if (it == b.end() || !deep_equal(v, *it)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!deep_equal(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

/// java.util.Random: the 48-bit LCG, so that a seeded States.MathRandom draws what
/// `new Random(seed).nextInt(bound)` would in AWS's Java runtime.
class JavaRandom {
 public:
  explicit JavaRandom(std::int64_t seed)
      : seed_((static_cast<std::uint64_t>(seed) ^ 0x5DEECE66DULL) & mask) {}

  std::int32_t next_int(std::int32_t bound) {  // bound > 0
    std::int32_t r = next(31);
    const std::int32_t m = bound - 1;
    if ((bound & m) == 0)
      return static_cast<std::int32_t>((static_cast<std::int64_t>(bound) * r) >> 31);
    for (std::int32_t u = r;; u = next(31)) {
      r = u % bound;
      // Java tests `u - r + m < 0` in wrapping int arithmetic, i.e. the sum overflows.
      if (static_cast<std::int64_t>(u) - r + m <= std::numeric_limits<std::int32_t>::max()) break;
    }
    return r;
  }

 private:
  static constexpr std::uint64_t mask = (std::uint64_t{1} << 48) - 1;
  std::int32_t next(int bits) {
    seed_ = (seed_ * 0x5DEECE66DULL + 0xBULL) & mask;
    return static_cast<std::int32_t>(seed_ >> (48 - bits));
  }
  std::uint64_t seed_;
};

inline std::mt19937_64& thread_rng() {
  if (StepRandom* r = StepRandom::current()) return r->generator();  // a journaled execution's step
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  return rng;
}

/// Evaluated arguments: inline storage for up to 4 (every function but Array/Format with more
/// arguments), so a call allocates nothing for its argument list.
class Args {
 public:
  explicit Args(std::size_t n) : n_(n) {
    if (n > inline_.size()) heap_.resize(n);
  }
  std::size_t size() const { return n_; }
  Value* begin() { return n_ > inline_.size() ? heap_.data() : inline_.data(); }
  const Value* begin() const { return n_ > inline_.size() ? heap_.data() : inline_.data(); }
  Value* end() { return begin() + n_; }
  Value& operator[](std::size_t i) { return begin()[i]; }
  const Value& operator[](std::size_t i) const { return begin()[i]; }

 private:
  std::size_t n_;
  std::array<Value, 4> inline_;
  std::vector<Value> heap_;
};

}  // namespace impl

}  // namespace asl::detail::intrinsics
