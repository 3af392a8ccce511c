// The functions AWS Step Functions adds to JSONata in place of its intrinsics: $partition, $range,
// $hash, $random (seedable), $uuid and $parse (spec §11.7, jsonata-impl.md §3).
// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "asl/detail/base/hash.hpp"
#include "asl/detail/base/step_random.hpp"
#include "asl/detail/json/reader.hpp"
#include "asl/detail/jsonata/builtin.hpp"
#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/evaluator.hpp"
#include "asl/detail/jsonata/functions_string.hpp"
#include "asl/detail/jsonata/value.hpp"

namespace asl::detail::jsonata::fn {

namespace aws_impl {

/// AWS truncates non-integer arguments toward zero (measured; its documentation says "down").
inline double truncated(const Value& v) { return std::trunc(v.as_number()); }

/// AWS's $range stops at 360,145 elements (measured); beyond, the evaluation fails as AWS's
/// memory guardrail does.
inline constexpr double max_range = 360145;

/// The generator a journaled step installed (replays draw the same values), else this thread's.
inline std::mt19937_64& rng() {
  if (StepRandom* r = StepRandom::current()) return r->generator();
  thread_local std::mt19937_64 g{[] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }()};
  return g;
}

inline Value array_of(std::vector<Value>&& items) {
  auto a = new_array();
  a->items = std::move(items);
  return Value::array(std::move(a));
}

}  // namespace aws_impl

/// `$partition(array, size)`: consecutive chunks of `size` (the last may be shorter).
inline Value partition(CallContext&, std::vector<Value>& a) {
  const Value& arr = arg(a, 0);
  if (arr.is_undefined() || arg(a, 1).is_undefined()) return Value();
  const double size = aws_impl::truncated(arg(a, 1));
  const std::size_t n = arr.is_array() ? arr.size() : 1;
  if (!(size >= 1) || n == 0) return Value();  // AWS: size 0 or an empty array gives nothing
  const auto chunk = static_cast<std::size_t>(std::min(size, 1e15));
  std::vector<Value> out;
  for (std::size_t i = 0; i < n; i += chunk) {
    std::vector<Value> part;
    for (std::size_t j = i; j < n && j < i + chunk; ++j) part.push_back(arr.is_array() ? arr.at(j) : arr);
    out.push_back(aws_impl::array_of(std::move(part)));
  }
  return aws_impl::array_of(std::move(out));
}

/// `$range(first, last, step)`: first, first+step, ... up to last inclusive.
inline Value range(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined() || arg(a, 1).is_undefined() || arg(a, 2).is_undefined()) return Value();
  const double first = aws_impl::truncated(arg(a, 0)), last = aws_impl::truncated(arg(a, 1));
  const double step = aws_impl::truncated(arg(a, 2));
  // A zero step, or one pointing away from `last`, gives nothing (AWS-measured).
  if (step == 0 || (last - first) * step < 0) return Value();
  const double count = std::floor((last - first) / step) + 1;
  if (count > aws_impl::max_range)
    throw Error("U1001").with_value("Expression evaluation memory limit exceeded: Check for excessive memory usage");
  std::vector<Value> out;
  out.reserve(static_cast<std::size_t>(count));
  for (double i = 0; i < count; ++i) out.push_back(Value::number(first + i * step));
  // A single element comes back bare (AWS-recorded: $range(1,9,9) is 1).
  if (out.size() == 1) return out.front();
  return aws_impl::array_of(std::move(out));
}

/// `$hash(text, algorithm)`: the hex digest; algorithm names as States.Hash spells them.
inline Value hash_fn(CallContext&, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined() || arg(a, 1).is_undefined()) return Value();
  const std::string data(arg(a, 0).as_string());
  const std::string alg(arg(a, 1).as_string());
  if (alg == "MD5") return Value::string(hash::md5_hex(data));
  if (alg == "SHA-1") return Value::string(hash::sha1_hex(data));
  if (alg == "SHA-256") return Value::string(hash::sha256_hex(data));
  if (alg == "SHA-384") return Value::string(hash::sha384_hex(data));
  if (alg == "SHA-512") return Value::string(hash::sha512_hex(data));
  return Value();
}

/// `$random([seed])`: 0 <= n < 1; the same seed gives the same number (AWS's own algorithm is
/// not published: only per-seed determinism can match it).
inline Value random_aws(CallContext&, std::vector<Value>& a) {
  if (!arg(a, 0).is_undefined()) {
    std::uint64_t z = static_cast<std::uint64_t>(static_cast<std::int64_t>(aws_impl::truncated(arg(a, 0))));
    z += 0x9E3779B97F4A7C15ULL;  // splitmix64: one well-mixed word per seed
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return Value::number(static_cast<double>(z >> 11) * 0x1.0p-53);
  }
  return Value::number(std::uniform_real_distribution<double>(0.0, 1.0)(aws_impl::rng()));
}

/// `$uuid()`: a version 4 UUID.
inline Value uuid(CallContext&, std::vector<Value>&) {
  auto& g = aws_impl::rng();
  std::array<unsigned char, 16> b{};
  for (std::size_t k = 0; k < 16; k += 8) {
    const std::uint64_t r = g();
    for (std::size_t j = 0; j < 8; ++j) b[k + j] = static_cast<unsigned char>(r >> (8 * j));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hex[b[i] >> 4];
    s += hex[b[i] & 0x0F];
  }
  return Value::string(std::move(s));
}

/// `$parse(text)`: JSON text to a value (AWS's replacement for `$eval`).
inline Value parse(CallContext& c, std::vector<Value>& a) {
  if (arg(a, 0).is_undefined()) return Value();
  bool deep = false;
  Json v = read_json_or_discarded(arg(a, 0).as_string(), default_max_json_depth, &deep);
  if (deep || v.is_discarded()) throw Error("D3150").with_value(std::string(arg(a, 0).as_string()));
  return Value::borrow(c.ev.keep_alive(std::move(v)));
}

}  // namespace asl::detail::jsonata::fn

namespace asl::detail::jsonata {

/// Registers AWS's functions (replacing the built-in `$random`).
inline void register_aws(BuiltinTable& t) {
  t.add("partition", "<a-n:a>", fn::partition, 2);
  t.add("range", "<nnn:a>", fn::range, 3);
  t.add("hash", "<s-s:s>", fn::hash_fn, 2);
  t.add("random", "<n?:n>", fn::random_aws, 1);
  t.add("uuid", "<:s>", fn::uuid, 0);
  t.add("parse", "<s-:x>", fn::parse, 1);
}

}  // namespace asl::detail::jsonata
