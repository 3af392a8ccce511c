// Intrinsic functions' bodies: call_function (Format, arrays, strings, math, hash/base64/uuid, JSON) and eval_call.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/detail/base/hash.hpp"
#include "asl/detail/jsonpath/intrinsics_args.hpp"
#include "asl/detail/jsonpath/intrinsics_parser.hpp"
#include "asl/detail/jsonpath/java_text.hpp"
#include "asl/detail/jsonpath/path.hpp"
#include "asl/detail/json/reader.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"

namespace asl::detail::intrinsics {

namespace impl {

inline std::string format_value(const Value& tpl_value, const Args& args) {
  static constexpr std::string_view fn = "States.Format";
  const std::string& tpl = string_arg(tpl_value, fn, 0);
  // Placeholder positions: known from the literal's escapes, else every "{}" in the string.
  std::vector<std::size_t> computed;
  const std::vector<std::size_t>* holes = nullptr;
  if (tpl_value.source != nullptr && tpl_value.source->is_string_literal) {
    holes = &tpl_value.source->placeholders;
  } else {
    for (std::size_t p = tpl.find("{}"); p != std::string::npos; p = tpl.find("{}", p + 2))
      computed.push_back(p);
    holes = &computed;
  }
  const std::size_t given = args.size() - 1;
  if (holes->size() != given)
    fail("States.Format expects " + std::to_string(holes->size()) + " argument" +
         (holes->size() == 1 ? "" : "s") + " after the template (one for each '{}'), got " +
         std::to_string(given));
  std::string out;
  std::size_t from = 0;
  for (std::size_t k = 0; k < holes->size(); ++k) {
    out.append(tpl, from, (*holes)[k] - from);
    append_java_to_string(out, args[k + 1].get());
    from = (*holes)[k] + 2;
  }
  out.append(tpl, from, std::string::npos);
  return out;
}

inline Json call_function(Fn fn, Args& a) {
  switch (fn) {
    case Fn::format:
      return format_value(a[0], a);

    case Fn::string_to_json: {
      const std::string& s = string_arg(a[0], "States.StringToJson", 0);
      // Jackson reads blank text as no value: "" and " " give null (AWS-recorded).
      if (std::all_of(s.begin(), s.end(), [](char c) { return is_space(c); })) return nullptr;
      bool deep = false;
      Json v = read_json_or_discarded(s, default_max_json_depth, &deep);
      if (deep)
        fail("States.StringToJson could not parse its argument: it is nested deeper than the limit of " +
             std::to_string(default_max_json_depth) + " levels");
      if (v.is_discarded())
        fail("States.StringToJson could not parse its argument as JSON: " + describe(a[0].get()));
      return v;
    }

    case Fn::json_to_string:
      return java_json(a[0].get());

    case Fn::array: {
      Json out = Json::array();
      out.get_ref<Json::array_t&>().reserve(a.size());
      for (auto& v : a) out.push_back(v.take());
      return out;
    }

    case Fn::array_partition: {
      static constexpr std::string_view name = "States.ArrayPartition";
      const Json& arr = array_arg(a[0], name, 0);
      const std::int64_t size = rounded_arg(a[1], name, 1);
      if (size <= 0)
        fail("States.ArrayPartition expects a chunk size greater than 0, got " +
             std::to_string(size));
      Json out = Json::array();
      const auto& items = arr.get_ref<const Json::array_t&>();
      const auto chunk = static_cast<std::size_t>(
          std::min<std::int64_t>(size, static_cast<std::int64_t>(items.size()) + 1));
      for (std::size_t i = 0; i < items.size(); i += chunk) {
        const std::size_t end = std::min(items.size(), i + chunk);
        out.push_back(Json::array_t(items.begin() + static_cast<std::ptrdiff_t>(i),
                                    items.begin() + static_cast<std::ptrdiff_t>(end)));
      }
      return out;
    }

    case Fn::array_contains: {
      const Json& arr = array_arg(a[0], "States.ArrayContains", 0);
      const Json& needle = a[1].get();
      for (const auto& e : arr)
        if (deep_equal(e, needle)) return true;
      return false;
    }

    case Fn::array_range: {
      static constexpr std::string_view name = "States.ArrayRange";
      const std::int64_t first = rounded_arg(a[0], name, 0);
      const std::int64_t last = rounded_arg(a[1], name, 1);
      const std::int64_t step = rounded_arg(a[2], name, 2);
      check_int32(first, name, 0);
      check_int32(last, name, 1);
      check_int32(step, name, 2);
      if (step == 0) fail("States.ArrayRange expects a non-zero step, got 0");
      // A step pointing away from `last` yields an empty array (a Java for-loop that never runs).
      std::int64_t count = 0;
      if ((step > 0 && first <= last) || (step < 0 && first >= last))
        count = (last - first) / step + 1;
      if (count > 1000)
        fail("States.ArrayRange would create " + std::to_string(count) +
             " elements; arrays are limited to 1000 elements");
      Json out = Json::array();
      for (std::int64_t k = 0; k < count; ++k) out.push_back(first + k * step);
      return out;
    }

    case Fn::array_get_item: {
      static constexpr std::string_view name = "States.ArrayGetItem";
      const Json& arr = array_arg(a[0], name, 0);
      const Json& idx = a[1].get();
      std::int64_t i = 0;
      if (idx.is_number_integer()) {  // signed or unsigned (nlohmann reads "5" as unsigned)
        i = rounded_arg(a[1], name, 1);
      } else if (idx.is_number_float() && std::floor(idx.get<double>()) == idx.get<double>() &&
                 std::abs(idx.get<double>()) < 9.0e18) {
        i = static_cast<std::int64_t>(idx.get<double>());
      } else {
        fail("States.ArrayGetItem expects its second argument to be an integer index, got " +
             describe(idx));
      }
      if (i < 0 || i >= static_cast<std::int64_t>(arr.size()))
        fail("States.ArrayGetItem index " + java_json(idx) + " is out of bounds for an array of " +
             std::to_string(arr.size()) + " element" + (arr.size() == 1 ? "" : "s"));
      if (a[0].ref != nullptr) return arr[static_cast<std::size_t>(i)];
      return std::move(a[0].own[static_cast<std::size_t>(i)]);
    }

    case Fn::array_length:
      return array_arg(a[0], "States.ArrayLength", 0).size();

    case Fn::array_unique: {
      const Json& arr = array_arg(a[0], "States.ArrayUnique", 0);
      Json out = Json::array();
      for (const auto& e : arr) {
        bool seen = false;
        for (const auto& kept : out)
          if (deep_equal(kept, e)) {
            seen = true;
            break;
          }
        if (!seen) out.push_back(e);
      }
      return out;
    }

    case Fn::base64_encode:
    case Fn::base64_decode: {
      const bool encode = fn == Fn::base64_encode;
      const std::string_view name = encode ? "States.Base64Encode" : "States.Base64Decode";
      const std::string& s = string_arg(a[0], name, 0);
      const std::size_t len = utf16_length(s);
      if (len > 10000)
        fail(std::string(name) + " input is " + std::to_string(len) +
             " characters long; the limit is 10000 characters");
      if (encode) return hash::base64_encode(s);
      auto bytes = hash::base64_decode(s);
      if (!bytes) fail("States.Base64Decode input is not valid Base64: " + describe(a[0].get()));
      return repair_utf8(*bytes);
    }

    case Fn::hash: {
      static constexpr std::string_view name = "States.Hash";
      const std::string& data = string_arg(a[0], name, 0);
      const std::string& alg = string_arg(a[1], name, 1);
      const std::size_t len = utf16_length(data);
      if (len > 10000)
        fail("States.Hash input is " + std::to_string(len) +
             " characters long; the limit is 10000 characters");
      if (alg == "MD5") return hash::md5_hex(data);
      if (alg == "SHA-1") return hash::sha1_hex(data);
      if (alg == "SHA-256") return hash::sha256_hex(data);
      if (alg == "SHA-384") return hash::sha384_hex(data);
      if (alg == "SHA-512") return hash::sha512_hex(data);
      fail("States.Hash does not support the algorithm '" + alg +
           "' (supported: MD5, SHA-1, SHA-256, SHA-384, SHA-512)");
    }

    case Fn::json_merge: {
      for (std::size_t k = 0; k < 2; ++k)
        if (!a[k].get().is_object())
          fail("States.JsonMerge expects its " + ordinal(k) + " argument to be an object, got " +
               describe(a[k].get()));
      if (!a[2].get().is_boolean())
        fail("States.JsonMerge expects its third argument to be a boolean, got " +
             describe(a[2].get()));
      // Spec §16.7: AWS implements only the shallow mode and requires `false`.
      if (a[2].get().get<bool>())
        fail("States.JsonMerge supports only shallow merging: its third argument must be false");
      Json out = a[0].take();
      // Java's Map.put semantics: an existing key keeps its position, new keys are appended.
      for (const auto& [k, v] : a[1].get().items()) out[k] = v;
      return out;
    }

    case Fn::math_random: {
      static constexpr std::string_view name = "States.MathRandom";
      const std::int64_t start = rounded_arg(a[0], name, 0);
      const std::int64_t end = rounded_arg(a[1], name, 1);
      check_int32(start, name, 0);
      check_int32(end, name, 1);
      // Spec §16.10: the current AWS guide makes `end` exclusive: start <= n < end.
      if (end <= start)
        fail("States.MathRandom expects the end (" + std::to_string(end) +
             ") to be greater than the start (" + std::to_string(start) + ")");
      const std::int64_t bound = end - start;
      if (bound > std::numeric_limits<std::int32_t>::max())
        fail("States.MathRandom range [" + std::to_string(start) + ", " + std::to_string(end) +
             ") is wider than 2147483647");
      if (a.size() == 3) {
        JavaRandom rng(rounded_arg(a[2], name, 2));
        return start + rng.next_int(static_cast<std::int32_t>(bound));
      }
      std::uniform_int_distribution<std::int64_t> dist(start, end - 1);
      return dist(thread_rng());
    }

    case Fn::math_add: {
      static constexpr std::string_view name = "States.MathAdd";
      const std::int64_t x = rounded_arg(a[0], name, 0);
      const std::int64_t y = rounded_arg(a[1], name, 1);
      check_int32(x, name, 0);
      check_int32(y, name, 1);
      return x + y;  // exact (no 32-bit wrap-around)
    }

    case Fn::string_split: {
      static constexpr std::string_view name = "States.StringSplit";
      const std::string& s = string_arg(a[0], name, 0);
      const std::string& delims = string_arg(a[1], name, 1);
      // Java StringTokenizer semantics (spec §16.9): every character of `delims` is a delimiter
      // and empty tokens are dropped. Characters are whole UTF-8 sequences.
      const auto char_len = utf8_length;
      std::vector<std::string_view> ds;
      for (std::size_t i = 0; i < delims.size();) {
        const std::size_t n =
            std::min(char_len(static_cast<unsigned char>(delims[i])), delims.size() - i);
        ds.emplace_back(delims.data() + i, n);
        i += n;
      }
      Json out = Json::array();
      std::size_t token_start = 0, i = 0;
      while (i < s.size()) {
        const std::size_t n = std::min(char_len(static_cast<unsigned char>(s[i])), s.size() - i);
        const std::string_view ch(s.data() + i, n);
        if (std::find(ds.begin(), ds.end(), ch) != ds.end()) {
          if (i > token_start) out.push_back(s.substr(token_start, i - token_start));
          token_start = i + n;
        }
        i += n;
      }
      if (s.size() > token_start) out.push_back(s.substr(token_start));
      return out;
    }

    case Fn::uuid: {
      auto& rng = thread_rng();
      std::array<unsigned char, 16> b{};
      for (std::size_t k = 0; k < 16; k += 8) {
        const std::uint64_t r = rng();
        for (std::size_t j = 0; j < 8; ++j) b[k + j] = static_cast<unsigned char>(r >> (8 * j));
      }
      b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
      b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
      static constexpr char hex[] = "0123456789abcdef";
      std::string out;
      out.reserve(36);
      for (std::size_t k = 0; k < 16; ++k) {
        if (k == 4 || k == 6 || k == 8 || k == 10) out.push_back('-');
        out.push_back(hex[b[k] >> 4]);
        out.push_back(hex[b[k] & 0xF]);
      }
      return out;
    }
  }
  fail("unknown intrinsic function");
}

inline Value eval_call(const Call& call, const Env& env);

inline Value eval_arg(const Arg& arg, const Env& env) {
  switch (arg.kind) {
    case Arg::Kind::literal: {
      if (!arg.bad_escape.empty())
        fail("the string literal '" + arg.value.get<std::string>() +
             "' contains the escape sequence '" + arg.bad_escape +
             "'; only \\', \\{, \\} and \\\\ may follow a backslash");
      Value v;
      v.ref = &arg.value;
      v.source = &arg;
      return v;
    }
    case Arg::Kind::call:
      return eval_call(*arg.call, env);
    case Arg::Kind::path:
      break;
  }
  const jsonpath::Path& path = *arg.path;
  const bool ctx = path.root() == jsonpath::Root::context;
  if (ctx && env.context == nullptr)
    throw Failure{errors::runtime, "The JsonPath argument '" + arg.text +
                                       "' reads the context object, which is not available here"};
  const Json* var = nullptr;
  if (path.root() == jsonpath::Root::variable) {
    var = env.vars ? env.vars->find(path.variable()) : nullptr;
    if (var == nullptr)
      throw Failure{errors::runtime, "The variable reference '" + arg.text +
                                         "' cannot be resolved: no state has assigned the variable '" +
                                         path.variable() + "'"};
  }
  const Json& root = var ? *var : ctx ? *env.context : env.input;
  Value v;
  if (arg.function_tail) {
    // falls through to the miss below
  } else if (path.definite()) {
    v.ref = path.find(root);
  } else if (path.select(root, v.own)) {
    return v;
  }
  if (v.ref == nullptr) {
    // AWS (captured by floci, SFN Local words it the same): States.Runtime, the context path
    // rewritten with one '$' stripped, and the *state input* quoted, not the context object.
    const std::string shown = ctx ? arg.text.substr(1) : arg.text;
    throw Failure{errors::runtime, "The JsonPath argument for the field '" + shown +
                                       "' could not be found in the input '" +
                                       java_json(env.input) + "'"};
  }
  return v;
}

inline Value eval_call(const Call& call, const Env& env) {
  Args args(call.args.size());
  for (std::size_t i = 0; i < call.args.size(); ++i) args[i] = eval_arg(call.args[i], env);
  Value out;
  out.own = call_function(call.fn->fn, args);
  return out;
}

}  // namespace impl

}  // namespace asl::detail::intrinsics
