// The built-in function tables of the two dialects (JSONata 2.2, and AWS Step Functions' 2.0.6 variant).
// SPDX-License-Identifier: MIT
#pragma once

#include "asl/detail/jsonata/builtin.hpp"
#include "asl/detail/jsonata/functions_collection.hpp"
#include "asl/detail/jsonata/functions_datetime.hpp"
#include "asl/detail/jsonata/functions_hof.hpp"
#include "asl/detail/jsonata/functions_numeric.hpp"
#include "asl/detail/jsonata/functions_string.hpp"

namespace asl::detail::jsonata {

/// The library every dialect shares. Arity = jsonata-js's Function.length of the implementation
/// (what higher-order functions pass); signatures are jsonata-js's.
inline void register_common(BuiltinTable& t) {
  t.add("sum", "<a<n>:n>", fn::sum, 1);
  t.add("count", "<a:n>", fn::count, 1);
  t.add("max", "<a<n>:n>", fn::max, 1);
  t.add("min", "<a<n>:n>", fn::min, 1);
  t.add("average", "<a<n>:n>", fn::average, 1);
  t.add("string", "<x-b?:s>", fn::string_fn, 1);
  t.add("substring", "<s-nn?:s>", fn::substring, 3);
  t.add("substringBefore", "<s-s:s>", fn::substring_before, 2);
  t.add("substringAfter", "<s-s:s>", fn::substring_after, 2);
  t.add("lowercase", "<s-:s>", fn::lowercase, 1);
  t.add("uppercase", "<s-:s>", fn::uppercase, 1);
  t.add("length", "<s-:n>", fn::length, 1);
  t.add("trim", "<s-:s>", fn::trim, 1);
  t.add("pad", "<s-ns?:s>", fn::pad, 3);
  t.add("match", "<s-f<s:o>n?:a<o>>", fn::match, 3);
  t.add("contains", "<s-(sf):b>", fn::contains, 2);
  t.add("replace", "<s-(sf)(sf)n?:s>", fn::replace, 4);
  t.add("split", "<s-(sf)n?:a<s>>", fn::split, 3);
  t.add("join", "<a<s>s?:s>", fn::join, 2);
  t.add("formatBase", "<n-n?:s>", fn::format_base, 2);
  t.add("formatNumber", "<n-so?:s>", fn::format_number_fn, 3);
  t.add("formatInteger", "<n-s:s>", fn::format_integer, 2);
  t.add("parseInteger", "<s-s:n>", fn::parse_integer, 2);
  t.add("number", "<(nsb)-:n>", fn::number, 1);
  t.add("floor", "<n-:n>", fn::floor, 1);
  t.add("ceil", "<n-:n>", fn::ceil, 1);
  t.add("round", "<n-n?:n>", fn::round, 2);
  t.add("abs", "<n-:n>", fn::abs, 1);
  t.add("sqrt", "<n-:n>", fn::sqrt, 1);
  t.add("power", "<n-n:n>", fn::power, 2);
  t.add("random", "<:n>", fn::random, 0);
  t.add("boolean", "<x-:b>", fn::boolean, 1);
  t.add("not", "<x-:b>", fn::not_fn, 1);
  t.add("map", "<af>", fn::map, 2);
  t.add("zip", "<a+>", fn::zip, 0);
  t.add("filter", "<af>", fn::filter, 2);
  t.add("single", "<af?>", fn::single, 2);
  t.add("reduce", "<afj?:j>", fn::reduce, 3);
  t.add("sift", "<o-f?:o>", fn::sift, 2);
  t.add("keys", "<x-:a<s>>", fn::keys, 1);
  t.add("lookup", "<x-s:x>", fn::lookup, 2);
  t.add("append", "<xx:a>", fn::append, 2);
  t.add("exists", "<x:b>", fn::exists, 1);
  t.add("spread", "<x-:a<o>>", fn::spread, 1);
  t.add("merge", "<a<o>:o>", fn::merge, 1);
  t.add("reverse", "<a:a>", fn::reverse, 1);
  t.add("each", "<o-f:a>", fn::each, 2);
  t.add("error", "<s?:x>", fn::error, 1);
  t.add("assert", "<bs?:x>", fn::assert_fn, 2);
  t.add("type", "<x:s>", fn::type, 1);
  t.add("sort", "<af?:a>", fn::sort, 2);
  t.add("shuffle", "<a:a>", fn::shuffle, 1);
  t.add("distinct", "<x:x>", fn::distinct, 1);
  t.add("base64encode", "<s-:s>", fn::base64encode, 1);
  t.add("base64decode", "<s-:s>", fn::base64decode, 1);
  t.add("encodeUrlComponent", "<s-:s>", fn::encode_url_component, 1);
  t.add("encodeUrl", "<s-:s>", fn::encode_url, 1);
  t.add("decodeUrlComponent", "<s-:s>", fn::decode_url_component, 1);
  t.add("decodeUrl", "<s-:s>", fn::decode_url, 1);
  t.add("toMillis", "<s-s?:n>", fn::to_millis, 2);
  t.add("fromMillis", "<n-s?s?:s>", fn::from_millis, 3);
  t.add("clone", "<(oa)-:o>", fn::clone, 1);
  t.add("now", "<s?s?:s>", fn::now, 2);
  t.add("millis", "<:n>", fn::millis, 0);
}

}  // namespace asl::detail::jsonata
