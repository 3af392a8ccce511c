// Unit tests for asl::detail::choice: JSONPath Choice Rules (spec §7) and the AWS-recorded choice_operators sweep.
// SPDX-License-Identifier: MIT
#include "asl/detail/jsonpath/choice.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "support/catch.hpp"

#ifndef ASL_CONFORMANCE_DIR
#define ASL_CONFORMANCE_DIR "/work/shared/conformance"
#endif

using asl::Json;
using asl::detail::choice::Rule;
using asl::detail::choice::RuleError;

namespace {

/// Compiles `rule` (which must be valid) and evaluates it; fails the test on a runtime error.
bool eval(const Json& rule, const Json& input, const Json* context = nullptr) {
  std::vector<RuleError> problems;
  const Rule r = Rule::compile(rule, &problems);
  INFO(rule.dump());
  for (const auto& p : problems) UNSCOPED_INFO(p.pointer << ": " << p.message);
  REQUIRE(problems.empty());
  REQUIRE(r.valid());
  const auto result = r.evaluate(input, context);
  if (!result.ok()) {
    FAIL("unexpected error " << result.error().name.value_or("") << ": "
                             << result.error().cause.value_or(""));
  }
  return result.value();
}

/// Compiles `rule` (which must be valid) and returns the runtime error it raises.
asl::Error eval_error(const Json& rule, const Json& input, const Json* context = nullptr) {
  std::vector<RuleError> problems;
  const Rule r = Rule::compile(rule, &problems);
  INFO(rule.dump());
  REQUIRE(problems.empty());
  const auto result = r.evaluate(input, context);
  REQUIRE_FALSE(result.ok());
  return result.error();
}

/// The problems compiling `rule` reports.
std::vector<RuleError> problems_of(const Json& rule) {
  std::vector<RuleError> problems;
  const Rule r = Rule::compile(rule, &problems);
  CHECK(r.valid() == problems.empty());
  return problems;
}

/// A one-operator rule on $.v.
Json rule(const char* op, const Json& operand) {
  return Json{{"Variable", "$.v"}, {op, operand}, {"Next", "X"}};
}

Json v(const Json& value) { return Json{{"v", value}}; }

const Json mismatches = Json::parse(R"([null, 0, 1.5, "", "0", "true", [], [0], {}, {"a": 0}, true, false])");

}  // namespace

// ---------------------------------------------------------------------------------------------
// String operators (spec §7.3): Java compareTo order, no normalisation, no case folding.

TEST_CASE("choice: StringEquals and the ordering operators", "[choice]") {
  CHECK(eval(rule("StringEquals", "Hello"), v("Hello")));
  CHECK_FALSE(eval(rule("StringEquals", "Hello"), v("hello")));
  CHECK_FALSE(eval(rule("StringEquals", "Hello"), v("Hello ")));
  CHECK(eval(rule("StringEquals", ""), v("")));

  CHECK(eval(rule("StringLessThan", "AB"), v("A")));
  CHECK_FALSE(eval(rule("StringLessThan", "A"), v("AB")));
  CHECK_FALSE(eval(rule("StringLessThan", "A"), v("A")));
  CHECK(eval(rule("StringLessThan", "a"), v("B")));  // 'B' (0x42) < 'a' (0x61)

  CHECK(eval(rule("StringGreaterThan", "A"), v("AB")));
  CHECK_FALSE(eval(rule("StringGreaterThan", "A "), v("A")));
  CHECK_FALSE(eval(rule("StringGreaterThan", ""), v("")));

  CHECK(eval(rule("StringLessThanEquals", "A"), v("A")));
  CHECK(eval(rule("StringLessThanEquals", "AB"), v("A")));
  CHECK_FALSE(eval(rule("StringLessThanEquals", "A"), v("AB")));

  CHECK(eval(rule("StringGreaterThanEquals", "A"), v("A")));
  CHECK(eval(rule("StringGreaterThanEquals", "A"), v("AB")));
  CHECK_FALSE(eval(rule("StringGreaterThanEquals", "AB"), v("A")));
}

TEST_CASE("choice: String*Path variants read the operand from the input", "[choice]") {
  const Json in = {{"v", "apple"}, {"same", "apple"}, {"later", "banana"}, {"num", 1}};
  CHECK(eval(Json{{"Variable", "$.v"}, {"StringEqualsPath", "$.same"}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.v"}, {"StringEqualsPath", "$.later"}}, in));
  CHECK(eval(Json{{"Variable", "$.v"}, {"StringLessThanPath", "$.later"}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.v"}, {"StringGreaterThanPath", "$.later"}}, in));
  CHECK(eval(Json{{"Variable", "$.v"}, {"StringLessThanEqualsPath", "$.same"}}, in));
  CHECK(eval(Json{{"Variable", "$.later"}, {"StringGreaterThanEqualsPath", "$.v"}}, in));
  // operand of the wrong type: false, not an error
  CHECK_FALSE(eval(Json{{"Variable", "$.v"}, {"StringEqualsPath", "$.num"}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.num"}, {"StringEqualsPath", "$.v"}}, in));
}

TEST_CASE("choice: string operators on non-strings are false", "[choice]") {
  for (const auto& value : mismatches) {
    if (value.is_string()) continue;
    INFO(value.dump());
    CHECK_FALSE(eval(rule("StringEquals", "0"), v(value)));
    CHECK_FALSE(eval(rule("StringLessThan", "zzz"), v(value)));
    CHECK_FALSE(eval(rule("StringGreaterThanEquals", ""), v(value)));
    CHECK_FALSE(eval(rule("StringMatches", "*"), v(value)));
  }
}

TEST_CASE("choice: string order is UTF-16 code-unit order, as Java compareTo", "[choice]") {
  using asl::detail::choice::impl::compare_utf16;
  const std::string grin = "\xF0\x9F\x98\x80";    // U+1F600, UTF-16 D83D DE00
  const std::string fffd = "\xEF\xBF\xBD";        // U+FFFD
  const std::string e000 = "\xEE\x80\x80";        // U+E000
  const std::string d7ff = "\xED\x9F\xBF";        // U+D7FF
  const std::string eacute = "\xC3\xA9";          // U+00E9
  const std::string ten_k = "\xF0\x90\x80\x80";   // U+10000, UTF-16 D800 DC00
  // Supplementary characters sort before U+E000..U+FFFF in UTF-16 (the surrogates are D800-DFFF),
  // although their code points (and UTF-8 bytes) are larger.
  CHECK(compare_utf16(grin, fffd) < 0);
  CHECK(compare_utf16(fffd, grin) > 0);
  CHECK(compare_utf16(grin, e000) < 0);
  CHECK(compare_utf16("x" + grin, "x" + e000 + "a") < 0);
  // ...but after everything below the surrogate block.
  CHECK(compare_utf16(grin, d7ff) > 0);
  CHECK(compare_utf16(grin, eacute) > 0);
  CHECK(compare_utf16(grin, "z") > 0);
  // Two supplementary characters, two BMP characters: code-point order.
  CHECK(compare_utf16(ten_k, grin) < 0);
  CHECK(compare_utf16(eacute, fffd) < 0);
  CHECK(compare_utf16("abc", "abd") < 0);
  CHECK(compare_utf16("ab", "abc") < 0);
  CHECK(compare_utf16("abc", "abc") == 0);
  CHECK(compare_utf16("", "") == 0);

  CHECK(eval(rule("StringLessThan", fffd), v(grin)));
  CHECK(eval(rule("StringGreaterThan", grin), v(fffd)));
  CHECK(eval(rule("StringGreaterThan", "z"), v(grin)));
}

// ---------------------------------------------------------------------------------------------
// StringMatches (spec §7.3): only `*` is special; `\*` and `\\` escape.

TEST_CASE("choice: StringMatches wildcards", "[choice]") {
  CHECK(eval(rule("StringMatches", "foo*.log"), v("foo23.log")));
  CHECK(eval(rule("StringMatches", "*.log"), v("zebra.log")));
  CHECK(eval(rule("StringMatches", "foo*.*"), v("foobar.zebra")));
  CHECK(eval(rule("StringMatches", "log-*.txt"), v("log-2024-01-01.txt")));
  CHECK(eval(rule("StringMatches", "log-*.txt"), v("log-.txt")));
  CHECK_FALSE(eval(rule("StringMatches", "log-*.txt"), v("log-1.txt.bak")));
  CHECK_FALSE(eval(rule("StringMatches", "foo*.log"), v("foo23.logs")));
  CHECK_FALSE(eval(rule("StringMatches", "*.log"), v("zebra.LOG")));
  CHECK(eval(rule("StringMatches", "*"), v("")));
  CHECK(eval(rule("StringMatches", "*"), v("anything")));
  CHECK(eval(rule("StringMatches", "**"), v("x")));
  CHECK(eval(rule("StringMatches", ""), v("")));
  CHECK_FALSE(eval(rule("StringMatches", ""), v("x")));
  CHECK(eval(rule("StringMatches", "exact"), v("exact")));
  CHECK_FALSE(eval(rule("StringMatches", "exact"), v("exact!")));
  // prefix and suffix must not overlap
  CHECK_FALSE(eval(rule("StringMatches", "a*a"), v("a")));
  CHECK(eval(rule("StringMatches", "a*a"), v("aa")));
  CHECK_FALSE(eval(rule("StringMatches", "ab*ba"), v("aba")));
  CHECK(eval(rule("StringMatches", "ab*ba"), v("abba")));
  // middle segments in order, leftmost first
  CHECK(eval(rule("StringMatches", "*a*b*c*"), v("xxaxxbxxcxx")));
  CHECK_FALSE(eval(rule("StringMatches", "*a*b*c*"), v("xxcxxbxxaxx")));
  CHECK(eval(rule("StringMatches", "a*b*b"), v("abb")));
  CHECK_FALSE(eval(rule("StringMatches", "a*bc*cd"), v("abcd")));
  // other glob/regex characters are literal
  CHECK(eval(rule("StringMatches", "a?c[0-9].*"), v("a?c[0-9].x")));
  CHECK_FALSE(eval(rule("StringMatches", "a?c"), v("abc")));
  // non-ASCII
  CHECK(eval(rule("StringMatches", "caf\xC3\xA9*"), v("caf\xC3\xA9 cr\xC3\xA8me")));
}

TEST_CASE("choice: StringMatches escapes", "[choice]") {
  // JSON "a\\*b" is the pattern a\*b: a literal star
  CHECK(eval(rule("StringMatches", "a\\*b"), v("a*b")));
  CHECK_FALSE(eval(rule("StringMatches", "a\\*b"), v("axb")));
  CHECK_FALSE(eval(rule("StringMatches", "a\\*b"), v("ab")));
  // JSON "a\\\\b" is the pattern a\\b: one literal backslash
  CHECK(eval(rule("StringMatches", "a\\\\b"), v("a\\b")));
  CHECK_FALSE(eval(rule("StringMatches", "a\\\\b"), v("a\\\\b")));
  // a literal backslash followed by a wildcard
  CHECK(eval(rule("StringMatches", "C:\\\\*"), v("C:\\Windows")));
  CHECK_FALSE(eval(rule("StringMatches", "C:\\\\*"), v("C:/Windows")));
  // literal star then wildcard
  CHECK(eval(rule("StringMatches", "\\**"), v("*.txt")));
  CHECK_FALSE(eval(rule("StringMatches", "\\**"), v("x.txt")));
  // escaped star at the end
  CHECK(eval(rule("StringMatches", "*\\*"), v("note*")));
  CHECK_FALSE(eval(rule("StringMatches", "*\\*"), v("note")));
}

TEST_CASE("choice: StringMatches open escape is a runtime error (spec §7.3)", "[choice]") {
  // Accepted at compile time: AWS is not known to reject it in a definition; the spec calls it a
  // runtime error. It is raised when the pattern is matched against a string.
  const auto err = eval_error(rule("StringMatches", "a\\b*"), v("ab"));
  CHECK(err.name == std::optional<std::string>("States.Runtime"));
  CHECK(err.cause == std::optional<std::string>(
                         "The StringMatches pattern 'a\\b*' contains an open escape: a backslash "
                         "must be followed by '*' or another backslash."));
  const auto trailing = eval_error(rule("StringMatches", "ab\\"), v("ab"));
  CHECK(trailing.cause == std::optional<std::string>(
                              "The StringMatches pattern 'ab\\' contains an open escape: a "
                              "backslash must be followed by '*' or another backslash."));
  // a non-string value never reaches the pattern: false
  CHECK_FALSE(eval(rule("StringMatches", "a\\b*"), v(5)));
}

// ---------------------------------------------------------------------------------------------
// Numeric operators (spec §7.3): doubles, 1 == 1.0.

TEST_CASE("choice: numeric operators", "[choice]") {
  CHECK(eval(rule("NumericEquals", 1), v(1)));
  CHECK(eval(rule("NumericEquals", 1), v(1.0)));
  CHECK(eval(rule("NumericEquals", 1.0), v(1)));
  CHECK(eval(rule("NumericEquals", 0), v(-0.0)));
  CHECK(eval(rule("NumericEquals", -3), v(-3)));
  CHECK(eval(rule("NumericEquals", 18446744073709551615ULL), v(18446744073709551615ULL)));
  CHECK_FALSE(eval(rule("NumericEquals", 1), v(1.1)));
  CHECK_FALSE(eval(rule("NumericEquals", 1), v(2)));

  CHECK(eval(rule("NumericLessThan", 20), v(19.5)));
  CHECK_FALSE(eval(rule("NumericLessThan", 20), v(20)));
  CHECK(eval(rule("NumericGreaterThan", 20), v(20.01)));
  CHECK_FALSE(eval(rule("NumericGreaterThan", 20), v(20)));
  CHECK(eval(rule("NumericLessThanEquals", 20), v(20.0)));
  CHECK_FALSE(eval(rule("NumericLessThanEquals", 20), v(21)));
  CHECK(eval(rule("NumericGreaterThanEquals", -1.5), v(-1.5)));
  CHECK_FALSE(eval(rule("NumericGreaterThanEquals", -1.5), v(-2)));
  // unsigned, signed and floating representations all compare as doubles
  CHECK(eval(rule("NumericLessThan", -1), v(-2)));
  CHECK(eval(rule("NumericGreaterThan", -1), v(3000000000ULL)));
}

TEST_CASE("choice: Numeric*Path variants", "[choice]") {
  const Json in = {{"rating", 53}, {"threshold", 50.0}, {"same", 53.0}, {"text", "50"}};
  CHECK(eval(Json{{"Variable", "$.rating"}, {"NumericGreaterThanPath", "$.threshold"}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.rating"}, {"NumericLessThanPath", "$.threshold"}}, in));
  CHECK(eval(Json{{"Variable", "$.rating"}, {"NumericEqualsPath", "$.same"}}, in));
  CHECK(eval(Json{{"Variable", "$.rating"}, {"NumericLessThanEqualsPath", "$.same"}}, in));
  CHECK(eval(Json{{"Variable", "$.rating"}, {"NumericGreaterThanEqualsPath", "$.threshold"}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.rating"}, {"NumericGreaterThanPath", "$.text"}}, in));
}

TEST_CASE("choice: numeric operators on non-numbers are false", "[choice]") {
  for (const auto& value : mismatches) {
    if (value.is_number()) continue;
    INFO(value.dump());
    CHECK_FALSE(eval(rule("NumericEquals", 0), v(value)));
    CHECK_FALSE(eval(rule("NumericLessThan", 100), v(value)));
    CHECK_FALSE(eval(rule("NumericGreaterThanEquals", -100), v(value)));
  }
}

// ---------------------------------------------------------------------------------------------
// BooleanEquals

TEST_CASE("choice: BooleanEquals and BooleanEqualsPath", "[choice]") {
  CHECK(eval(rule("BooleanEquals", true), v(true)));
  CHECK(eval(rule("BooleanEquals", false), v(false)));
  CHECK_FALSE(eval(rule("BooleanEquals", true), v(false)));
  for (const auto& value : mismatches) {
    if (value.is_boolean()) continue;
    INFO(value.dump());
    CHECK_FALSE(eval(rule("BooleanEquals", true), v(value)));
    CHECK_FALSE(eval(rule("BooleanEquals", false), v(value)));
  }
  const Json in = {{"a", true}, {"b", true}, {"c", false}, {"s", "true"}};
  CHECK(eval(Json{{"Variable", "$.a"}, {"BooleanEqualsPath", "$.b"}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.a"}, {"BooleanEqualsPath", "$.c"}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.a"}, {"BooleanEqualsPath", "$.s"}}, in));
}

// ---------------------------------------------------------------------------------------------
// Timestamp operators (spec §7.3, §16.18): both sides must parse; instants compare.

TEST_CASE("choice: timestamp operators compare instants", "[choice]") {
  const char* t = "2012-10-09T19:00:55Z";
  CHECK(eval(rule("TimestampEquals", t), v("2012-10-09T19:00:55Z")));
  CHECK(eval(rule("TimestampEquals", t), v("2012-10-09T21:00:55+02:00")));
  CHECK(eval(rule("TimestampEquals", t), v("2012-10-09T19:00:55.000Z")));
  CHECK_FALSE(eval(rule("TimestampEquals", t), v("2012-10-09T19:00:55.001Z")));
  CHECK(eval(rule("TimestampLessThan", t), v("2012-10-09T19:00:54.999999999Z")));
  CHECK_FALSE(eval(rule("TimestampLessThan", t), v(t)));
  CHECK(eval(rule("TimestampGreaterThan", t), v("2012-10-09T15:00:56-04:00")));
  CHECK_FALSE(eval(rule("TimestampGreaterThan", t), v(t)));
  CHECK(eval(rule("TimestampLessThanEquals", t), v(t)));
  CHECK(eval(rule("TimestampGreaterThanEquals", t), v(t)));
  CHECK_FALSE(eval(rule("TimestampGreaterThanEquals", t), v("2012-10-09T19:00:54Z")));
  // literal with an offset and a fraction
  CHECK(eval(rule("TimestampEquals", "2012-10-09T20:00:55.5+01:00"), v("2012-10-09T19:00:55.500Z")));
  // far years are still timestamps
  CHECK(eval(rule("TimestampLessThan", "0001-01-01T00:00:01Z"), v("0001-01-01T00:00:00Z")));
  CHECK(eval(rule("TimestampGreaterThan", t), v("9999-12-31T23:59:59Z")));
}

TEST_CASE("choice: timestamp operators on non-timestamps are false", "[choice]") {
  const char* t = "2012-10-09T19:00:55Z";
  const Json not_timestamps = Json::parse(
      R"([null, 0, 1.1, "", " ", "2023-02-24 12:15:56.832957", "2012-10-09T19:00:55",
          "2012-10-09t19:00:55z", [], [""], {}, {"A": 0}, true, false])");
  for (const auto& value : not_timestamps) {
    INFO(value.dump());
    CHECK_FALSE(eval(rule("TimestampEquals", t), v(value)));
    CHECK_FALSE(eval(rule("TimestampLessThan", t), v(value)));
    CHECK_FALSE(eval(rule("TimestampGreaterThanEquals", t), v(value)));
  }
  // a timestamp-looking string still compares as a string
  CHECK(eval(rule("StringLessThan", "2012-10-09T19:00:56Z"), v(t)));
}

TEST_CASE("choice: Timestamp*Path variants", "[choice]") {
  const Json in = {{"start", "2025-01-01T07:00:00.000-05:00"},
                   {"noon", "2025-01-01T12:00:00Z"},
                   {"later", "2025-01-02T00:00:00Z"},
                   {"bad", "not-a-timestamp"}};
  CHECK(eval(Json{{"Variable", "$.start"}, {"TimestampEqualsPath", "$.noon"}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.start"}, {"TimestampLessThanPath", "$.noon"}}, in));
  CHECK(eval(Json{{"Variable", "$.noon"}, {"TimestampLessThanPath", "$.later"}}, in));
  CHECK(eval(Json{{"Variable", "$.later"}, {"TimestampGreaterThanPath", "$.noon"}}, in));
  CHECK(eval(Json{{"Variable", "$.start"}, {"TimestampLessThanEqualsPath", "$.noon"}}, in));
  CHECK(eval(Json{{"Variable", "$.start"}, {"TimestampGreaterThanEqualsPath", "$.noon"}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.noon"}, {"TimestampLessThanPath", "$.bad"}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.bad"}, {"TimestampLessThanPath", "$.later"}}, in));
}

// ---------------------------------------------------------------------------------------------
// Is* operators (spec §7.3): `false` negates.

TEST_CASE("choice: Is* operators and their negation", "[choice]") {
  struct Row {
    Json value;
    bool null, numeric, string, boolean, timestamp;
  };
  const std::vector<Row> rows = {
      {nullptr, true, false, false, false, false},
      {0, false, true, false, false, false},
      {-1.5, false, true, false, false, false},
      {"", false, false, true, false, false},
      {"0", false, false, true, false, false},
      {"2016-03-14T01:59:00Z", false, false, true, false, true},
      {"2016-03-14T01:59:00", false, false, true, false, false},
      {true, false, false, false, true, false},
      {false, false, false, false, true, false},
      {Json::array(), false, false, false, false, false},
      {Json::object(), false, false, false, false, false},
  };
  for (const auto& row : rows) {
    INFO(row.value.dump());
    CHECK(eval(rule("IsNull", true), v(row.value)) == row.null);
    CHECK(eval(rule("IsNull", false), v(row.value)) == !row.null);
    CHECK(eval(rule("IsNumeric", true), v(row.value)) == row.numeric);
    CHECK(eval(rule("IsNumeric", false), v(row.value)) == !row.numeric);
    CHECK(eval(rule("IsString", true), v(row.value)) == row.string);
    CHECK(eval(rule("IsString", false), v(row.value)) == !row.string);
    CHECK(eval(rule("IsBoolean", true), v(row.value)) == row.boolean);
    CHECK(eval(rule("IsBoolean", false), v(row.value)) == !row.boolean);
    CHECK(eval(rule("IsTimestamp", true), v(row.value)) == row.timestamp);
    CHECK(eval(rule("IsTimestamp", false), v(row.value)) == !row.timestamp);
    CHECK(eval(rule("IsPresent", true), v(row.value)));  // present, even when null
    CHECK_FALSE(eval(rule("IsPresent", false), v(row.value)));
  }
  CHECK_FALSE(eval(rule("IsPresent", true), Json::object()));
  CHECK(eval(rule("IsPresent", false), Json::object()));
  CHECK_FALSE(eval(rule("IsPresent", true), Json{{"v", {{"deeper", 1}}}}.at("v")));
}

// ---------------------------------------------------------------------------------------------
// Missing paths (spec §4.6, §7.3): States.Runtime with AWS's wording.

TEST_CASE("choice: a missing Variable is a States.Runtime error (except IsPresent)", "[choice]") {
  const Json in = {{"other", 1}};
  for (const auto& op : {"StringEquals", "StringMatches"}) {
    const auto err = eval_error(rule(op, "x"), in);
    CHECK(err.name == std::optional<std::string>("States.Runtime"));
    CHECK(err.cause == std::optional<std::string>(
                           "Invalid path '$.v': The choice state's condition path references an "
                           "invalid value."));
  }
  CHECK(eval_error(rule("NumericEquals", 1), in).cause ==
        std::optional<std::string>(
            "Invalid path '$.v': The choice state's condition path references an invalid value."));
  for (const auto& op : {"IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"}) {
    INFO(op);
    CHECK(eval_error(rule(op, true), in).name == std::optional<std::string>("States.Runtime"));
    CHECK(eval_error(rule(op, false), in).name == std::optional<std::string>("States.Runtime"));
  }
  const auto nested = eval_error(
      Json{{"Variable", "$.worker_result.Payload.status"}, {"StringEquals", "success"}},
      Json{{"worker_result", {{"Payload", {{"statusCode", 200}}}}}});
  CHECK(nested.cause == std::optional<std::string>(
                            "Invalid path '$.worker_result.Payload.status': The choice state's "
                            "condition path references an invalid value."));
}

TEST_CASE("choice: a missing ...Path operand is a States.Runtime error naming the operand",
          "[choice]") {
  const auto err = eval_error(Json{{"Variable", "$.left"}, {"TimestampLessThanPath", "$.right"}},
                              Json{{"left", "2025-01-01T00:00:00Z"}});
  CHECK(err.name == std::optional<std::string>("States.Runtime"));
  CHECK(err.cause == std::optional<std::string>(
                         "Invalid path '$.right': The choice state's condition path references "
                         "an invalid value."));
  // the Variable is checked first
  const auto both = eval_error(Json{{"Variable", "$.a"}, {"NumericEqualsPath", "$.b"}}, Json::object());
  CHECK(both.cause == std::optional<std::string>(
                          "Invalid path '$.a': The choice state's condition path references an "
                          "invalid value."));
}

// ---------------------------------------------------------------------------------------------
// And / Or / Not (spec §7.1, §7.2)

TEST_CASE("choice: And, Or, Not", "[choice]") {
  const Json in = {{"type", "Private"}, {"value", 22}};
  const Json twenties = Json::parse(R"({"And": [
      {"Variable": "$.value", "IsPresent": true},
      {"Variable": "$.value", "IsNumeric": true},
      {"Variable": "$.value", "NumericGreaterThanEquals": 20},
      {"Variable": "$.value", "NumericLessThan": 30}], "Next": "ValueInTwenties"})");
  CHECK(eval(twenties, in));
  CHECK_FALSE(eval(twenties, Json{{"value", 30}}));
  const Json is_public = Json::parse(
      R"({"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"})");
  CHECK_FALSE(eval(is_public, in));
  CHECK(eval(is_public, Json{{"type", "Public"}}));
  const Json either = Json::parse(R"({"Or": [
      {"Variable": "$.value", "NumericEquals": 0},
      {"Variable": "$.type", "StringEquals": "Private"}]})");
  CHECK(eval(either, in));
  CHECK_FALSE(eval(either, Json{{"value", 1}, {"type", "Public"}}));
  // single-element composites and nesting
  CHECK(eval(Json::parse(R"({"And": [{"Variable": "$.type", "StringEquals": "Private"}]})"), in));
  CHECK(eval(Json::parse(R"({"Not": {"Not": {"Or": [{"And": [
      {"Variable": "$.value", "NumericEquals": 22}]}]}}})"), in));
}

TEST_CASE("choice: And and Or short-circuit, so IsPresent can guard a missing path", "[choice]") {
  const Json guarded = Json::parse(R"({"And": [
      {"Variable": "$.x", "IsPresent": true},
      {"Variable": "$.x", "NumericEquals": 1}]})");
  CHECK_FALSE(eval(guarded, Json::object()));
  CHECK(eval(guarded, Json{{"x", 1}}));
  const Json or_guard = Json::parse(R"({"Or": [
      {"Variable": "$.x", "IsPresent": false},
      {"Variable": "$.x", "NumericEquals": 1}]})");
  CHECK(eval(or_guard, Json::object()));
  // without the guard the error surfaces, also through Not
  const auto err = eval_error(
      Json::parse(R"({"Not": {"Variable": "$.x", "NumericEquals": 1}})"), Json::object());
  CHECK(err.name == std::optional<std::string>("States.Runtime"));
  const auto late = eval_error(Json::parse(R"({"And": [
      {"Variable": "$.y", "IsPresent": true},
      {"Variable": "$.x", "NumericEquals": 1}]})"), Json{{"y", 0}});
  CHECK(late.cause == std::optional<std::string>(
                          "Invalid path '$.x': The choice state's condition path references an "
                          "invalid value."));
}

// ---------------------------------------------------------------------------------------------
// Paths: root, context object, indefinite paths

TEST_CASE("choice: Variable may be the whole input or an array element", "[choice]") {
  CHECK(eval(Json{{"Variable", "$"}, {"NumericEquals", 5}}, Json(5)));
  CHECK(eval(Json{{"Variable", "$"}, {"IsString", true}}, Json("x")));
  CHECK(eval(Json{{"Variable", "$.list[1]"}, {"StringEquals", "b"}}, Json{{"list", {"a", "b"}}}));
  CHECK(eval(Json{{"Variable", "$['odd key']"}, {"BooleanEquals", true}}, Json{{"odd key", true}}));
}

TEST_CASE("choice: $$ context paths in Variable and ...Path operands", "[choice]") {
  const Json context = {{"Execution", {{"Name", "run-1"}, {"StartTime", "2024-01-01T00:00:00Z"}}},
                        {"State", {{"Name", "Check"}, {"RetryCount", 0}}}};
  const Json in = {{"expected", "run-1"}, {"deadline", "2024-06-01T00:00:00Z"}};

  const Rule plain = Rule::compile(Json{{"Variable", "$.expected"}, {"IsString", true}});
  CHECK_FALSE(plain.uses_context());

  const Json by_name = {{"Variable", "$$.Execution.Name"}, {"StringEqualsPath", "$.expected"}};
  const Rule r = Rule::compile(by_name);
  CHECK(r.uses_context());
  CHECK(eval(by_name, in, &context));
  const Json operand_ctx = {{"Variable", "$.deadline"},
                            {"TimestampGreaterThanPath", "$$.Execution.StartTime"}};
  CHECK(Rule::compile(operand_ctx).uses_context());
  CHECK(eval(operand_ctx, in, &context));
  const Json nested = Json::parse(
      R"({"And": [{"Variable": "$.x", "IsPresent": false},
                  {"Variable": "$$.State.RetryCount", "NumericEquals": 0}]})");
  CHECK(Rule::compile(nested).uses_context());
  CHECK(eval(nested, in, &context));

  // a missing context field, and no context at all, are missing paths
  const auto err = eval_error(Json{{"Variable", "$$.Task.Token"}, {"IsString", true}}, in, &context);
  CHECK(err.cause == std::optional<std::string>(
                         "Invalid path '$$.Task.Token': The choice state's condition path "
                         "references an invalid value."));
  CHECK_FALSE(eval(Json{{"Variable", "$$.Task.Token"}, {"IsPresent", true}}, in, nullptr));
}

TEST_CASE("choice: an indefinite Variable yields an array of matches (Jayway)", "[choice]") {
  const Json in = {{"items", {{{"x", 1}}, {{"x", 2}}}}};
  CHECK(eval(Json{{"Variable", "$.items[*].x"}, {"IsPresent", true}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.items[*].x"}, {"NumericEquals", 1}}, in));
  CHECK_FALSE(eval(Json{{"Variable", "$.items[*].x"}, {"IsNumeric", true}}, in));
  CHECK(eval(Json{{"Variable", "$.items[*].x"}, {"IsNull", false}}, in));
}

// ---------------------------------------------------------------------------------------------
// Compile problems (spec §7.2, §14)

TEST_CASE("choice: a valid top-level rule compiles without problems", "[choice]") {
  const Json top = Json::parse(R"({"Variable": "$.x", "NumericEquals": 1, "Next": "A",
                                   "Comment": "why", "Assign": {"k": 1}})");
  CHECK(problems_of(top).empty());
  const Json nested = Json::parse(R"({"Or": [{"Variable": "$.x", "IsNull": true, "Comment": "c"},
                                            {"Not": {"Variable": "$.y", "IsPresent": true}}],
                                      "Next": "A"})");
  CHECK(problems_of(nested).empty());
}

namespace {
void check_single_problem(const Json& r, const std::string& pointer, const std::string& message) {
  INFO(r.dump());
  const auto problems = problems_of(r);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].pointer == pointer);
  CHECK(problems[0].message == message);
}
}  // namespace

TEST_CASE("choice: compile problems name the rule broken", "[choice]") {
  check_single_problem(Json(5), "", "a Choice Rule must be a JSON object");
  check_single_problem(Json::parse(R"({"Variable": "$.x", "StringEquals": "a", "NumericEquals": 1})"),
                       "", "each Choice Rule can only have one comparison operator; found "
                           "StringEquals and NumericEquals");
  check_single_problem(
      Json::parse(R"({"And": [{"Variable": "$.x", "IsNull": true}], "Or": [], "IsNull": true})"),
      "", "each Choice Rule can only have one comparison operator; found And, Or and IsNull");
  check_single_problem(Json::parse(R"({"Variable": "$.x", "Next": "A"})"), "",
                       "a Choice Rule needs one of And, Or, Not or a comparison operator such as "
                       "StringEquals, and none was found");
  check_single_problem(Json::parse(R"({"And": {}, "Next": "A"})"), "/And",
                       "'And' must be a non-empty array of Choice Rules");
  check_single_problem(Json::parse(R"({"Or": [], "Next": "A"})"), "/Or",
                       "'Or' must be a non-empty array of Choice Rules");
  check_single_problem(Json::parse(R"({"Not": [{"Variable": "$.x", "IsNull": true}]})"), "/Not",
                       "'Not' must be a single Choice Rule object");
  check_single_problem(Json::parse(R"({"And": [5]})"), "/And/0",
                       "a nested Choice Rule must be a JSON object");
  check_single_problem(
      Json::parse(R"({"And": [{"Variable": "$.x", "IsNull": true, "Next": "B"}], "Next": "A"})"),
      "/And/0/Next",
      "'Next' is only allowed in a top-level Choice Rule, not in a rule nested inside And, Or or "
      "Not");
  check_single_problem(
      Json::parse(R"({"Not": {"Variable": "$.x", "IsNull": true, "Assign": {}}, "Next": "A"})"),
      "/Not/Assign",
      "'Assign' is only allowed in a top-level Choice Rule, not in a rule nested inside And, Or "
      "or Not");
  check_single_problem(Json::parse(R"({"NumericEquals": 1, "Next": "A"})"), "",
                       "a Choice Rule with 'NumericEquals' needs a 'Variable' field");
  check_single_problem(
      Json::parse(R"({"Variable": "$.x", "And": [{"Variable": "$.x", "IsNull": true}]})"),
      "/Variable", "'Variable' cannot be used with 'And'; it belongs in the nested rules");
  check_single_problem(Json::parse(R"({"Variable": "$.x", "IsNull": true, "Foo": 1})"), "/Foo",
                       "field 'Foo' is not supported in a Choice Rule");
  check_single_problem(Json::parse(R"({"Variable": "$.x", "IsNull": true, "a/b~c": 1})"),
                       "/a~1b~0c", "field 'a/b~c' is not supported in a Choice Rule");
  check_single_problem(Json::parse(R"({"Condition": "{% true %}", "Next": "A", "Variable": "$.x",
                                       "IsNull": true})"),
                       "/Condition",
                       "field 'Condition' belongs to JSONata Choice Rules and is not supported in "
                       "a JSONPath Choice Rule");
  check_single_problem(Json::parse(R"({"Variable": "$.x", "IsNull": true, "Comment": 1})"),
                       "/Comment", "'Comment' must be a string");
}

TEST_CASE("choice: compile problems for operand types", "[choice]") {
  check_single_problem(rule("NumericEquals", "1"), "/NumericEquals", "'NumericEquals' must be a number");
  check_single_problem(rule("NumericLessThan", true), "/NumericLessThan",
                       "'NumericLessThan' must be a number");
  check_single_problem(rule("StringEquals", 1), "/StringEquals", "'StringEquals' must be a string");
  check_single_problem(rule("StringMatches", nullptr), "/StringMatches",
                       "'StringMatches' must be a string");
  check_single_problem(rule("BooleanEquals", "true"), "/BooleanEquals",
                       "'BooleanEquals' must be true or false");
  check_single_problem(rule("IsNull", 1), "/IsNull", "'IsNull' must be true or false");
  check_single_problem(rule("IsPresent", "yes"), "/IsPresent", "'IsPresent' must be true or false");
  const std::string ts_message =
      "' must be a timestamp string such as 2016-03-14T01:59:00Z (RFC 3339 with an uppercase T and "
      "a Z or numeric offset)";
  check_single_problem(rule("TimestampEquals", "2024-01-01T00:00:00"), "/TimestampEquals",
                       "'TimestampEquals" + ts_message);
  check_single_problem(rule("TimestampLessThan", "2024-13-01T00:00:00Z"), "/TimestampLessThan",
                       "'TimestampLessThan" + ts_message);
  check_single_problem(rule("TimestampGreaterThan", 5), "/TimestampGreaterThan",
                       "'TimestampGreaterThan" + ts_message);
}

TEST_CASE("choice: compile problems for paths", "[choice]") {
  check_single_problem(Json{{"Variable", 5}, {"IsNull", true}}, "/Variable",
                       "'Variable' must be a string holding a JSONPath such as $.field");
  check_single_problem(Json{{"Variable", "x"}, {"IsNull", true}}, "/Variable",
                       "'Variable' must be a JSONPath starting with '$' (got 'x')");
  check_single_problem(Json{{"Variable", ""}, {"IsNull", true}}, "/Variable",
                       "'Variable' must be a JSONPath starting with '$' (got '')");
  CHECK(problems_of(Json{{"Variable", "$myVar"}, {"IsNull", true}}).empty());  // a workflow variable
  check_single_problem(Json{{"Variable", "$.x"}, {"NumericEqualsPath", 5}}, "/NumericEqualsPath",
                       "'NumericEqualsPath' must be a string holding a JSONPath such as $.field");
  check_single_problem(Json{{"Variable", "$.x"}, {"StringEqualsPath", "abc"}}, "/StringEqualsPath",
                       "'StringEqualsPath' must be a JSONPath starting with '$' (got 'abc')");
  CHECK(problems_of(Json{{"Variable", "$.x"}, {"TimestampEqualsPath", "$limit"}}).empty());
  // the JSONPath engine's own syntax message follows the prefix
  const auto bad = problems_of(Json{{"Variable", "$.a["}, {"IsNull", true}});
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].pointer == "/Variable");
  CHECK_THAT(bad[0].message, Catch::Matchers::StartsWith("'Variable' is not a valid JSONPath ('$.a['): "));
}

TEST_CASE("choice: every problem of nested rules is collected; broken rules evaluate false",
          "[choice]") {
  const Json r = Json::parse(R"({"And": [
      {"Variable": "$.x", "NumericEquals": "1"},
      {"Variable": "$.y", "IsNull": true},
      {"Or": [{"StringEquals": "a"}, {"Variable": "$.z", "IsBoolean": 1, "Next": "N"}]}],
      "Next": "A"})");
  std::vector<RuleError> problems;
  const Rule compiled = Rule::compile(r, &problems);
  CHECK_FALSE(compiled.valid());
  REQUIRE(problems.size() == 4);
  CHECK(problems[0].pointer == "/And/0/NumericEquals");
  CHECK(problems[1].pointer == "/And/2/Or/0");
  CHECK(problems[2].pointer == "/And/2/Or/1/Next");
  CHECK(problems[3].pointer == "/And/2/Or/1/IsBoolean");
  const auto result = compiled.evaluate(Json{{"x", 1}, {"y", nullptr}}, nullptr);
  REQUIRE(result.ok());
  CHECK_FALSE(result.value());
  // problems are appended, not replacing what the caller collected before
  std::vector<RuleError> more{{"/earlier", "kept"}};
  Rule::compile(Json(1), &more);
  CHECK(more.size() == 2);
  CHECK(more[0].message == "kept");
  // no sink: compile still works
  CHECK_FALSE(Rule::compile(Json(1)).valid());
  CHECK(Rule::compile(rule("IsNull", true)).valid());
  // a default-constructed rule is false
  CHECK_FALSE(Rule().evaluate(Json::object(), nullptr).value());
}

// ---------------------------------------------------------------------------------------------
// AWS-recorded conformance: every choice_operators case of aws-recorded.jsonl.

namespace {

struct Outcome {
  std::string status;  // SUCCEEDED, FAILED or UNSUPPORTED
  Json output;
  std::string error;
  std::string cause;
};

/// Runs a machine made only of Choice (JSONPath), Pass (Result or pass-through), Succeed and Fail
/// states: enough for the recorded choice_operators machines, evaluated with Rule alone.
Outcome run_small_machine(const Json& definition, const Json& input) {
  static const std::vector<std::string> common = {"Type", "Comment", "Next", "End"};
  auto only = [](const Json& state, std::vector<std::string> allowed) {
    allowed.insert(allowed.end(), common.begin(), common.end());
    for (auto it = state.begin(); it != state.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) return false;
    }
    return true;
  };
  if (definition.value("QueryLanguage", "JSONPath") != "JSONPath") return {"UNSUPPORTED", {}, {}, {}};
  const Json& states = definition.at("States");
  std::string name = definition.at("StartAt").get<std::string>();
  Json doc = input;
  for (int steps = 0; steps < 1000; ++steps) {
    const Json& state = states.at(name);
    const std::string type = state.at("Type").get<std::string>();
    std::string next;
    if (type == "Choice") {
      if (!only(state, {"Choices", "Default"})) return {"UNSUPPORTED", {}, {}, {}};
      for (const auto& r : state.at("Choices")) {
        std::vector<RuleError> problems;
        const Rule compiled = Rule::compile(r, &problems);
        if (!problems.empty()) {
          return {"FAILED", {}, "CompileProblem", problems[0].pointer + ": " + problems[0].message};
        }
        const auto result = compiled.evaluate(doc, nullptr);
        if (!result.ok()) {
          return {"FAILED", {}, result.error().name.value_or(""), result.error().cause.value_or("")};
        }
        if (result.value()) {
          next = r.at("Next").get<std::string>();
          break;
        }
      }
      if (next.empty()) {
        if (!state.contains("Default")) return {"FAILED", {}, "States.NoChoiceMatched", ""};
        next = state.at("Default").get<std::string>();
      }
    } else if (type == "Pass") {
      if (!only(state, {"Result"})) return {"UNSUPPORTED", {}, {}, {}};
      if (state.contains("Result")) doc = state.at("Result");
      if (state.value("End", false)) return {"SUCCEEDED", doc, {}, {}};
      next = state.at("Next").get<std::string>();
    } else if (type == "Succeed") {
      if (!only(state, {})) return {"UNSUPPORTED", {}, {}, {}};
      return {"SUCCEEDED", doc, {}, {}};
    } else if (type == "Fail") {
      if (!only(state, {"Error", "Cause"})) return {"UNSUPPORTED", {}, {}, {}};
      return {"FAILED", {}, state.value("Error", ""), state.value("Cause", "")};
    } else {
      return {"UNSUPPORTED", {}, {}, {}};
    }
    name = next;
  }
  return {"UNSUPPORTED", {}, {}, {}};
}

bool matches_expected(const Outcome& got, const Json& expected) {
  if (got.status != expected.at("status").get<std::string>()) return false;
  if (got.status == "SUCCEEDED") return got.output == expected.at("output");
  if (expected.contains("error") && got.error != expected.at("error").get<std::string>()) return false;
  return true;
}

}  // namespace

TEST_CASE("choice: AWS-recorded choice_operators cases (aws-recorded.jsonl)", "[choice][conformance]") {
  const std::string path = std::string(ASL_CONFORMANCE_DIR) + "/aws-recorded.jsonl";
  std::ifstream file(path);
  if (!file) {
    WARN("skipped: " << path << " not found (set ASL_CONFORMANCE_DIR)");
    return;
  }
  int total = 0;
  int passed = 0;
  int other_total = 0;
  int other_passed = 0;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    const Json c = Json::parse(line);
    const bool choice_case = c.value("category", "") == "choice_operators";
    const Outcome got = run_small_machine(c.at("definition"), c.at("input"));
    if (!choice_case) {
      // Other categories: only the machines this small runner fully understands.
      // (The runner has no 256 KiB payload limit, so States.DataLimitExceeded cases are out.)
      if (got.status == "UNSUPPORTED" ||
          c.at("expected").value("error", "") == "States.DataLimitExceeded") {
        continue;
      }
      ++other_total;
      if (matches_expected(got, c.at("expected"))) {
        ++other_passed;
      } else {
        FAIL_CHECK("case " << c.at("id").get<std::string>() << ": got " << got.status << " "
                            << got.output.dump() << got.error << " " << got.cause
                            << ", AWS recorded " << c.at("expected").dump());
      }
      continue;
    }
    ++total;
    if (matches_expected(got, c.at("expected"))) {
      ++passed;
    } else {
      FAIL_CHECK("case " << c.at("id").get<std::string>() << "\n  definition "
                          << c.at("definition").dump() << "\n  input " << c.at("input").dump()
                          << "\n  got " << got.status << " " << got.output.dump() << " "
                          << got.error << " " << got.cause << "\n  AWS recorded "
                          << c.at("expected").dump());
    }
  }
  WARN("choice_operators: " << passed << "/" << total << " AWS-recorded cases pass; other "
                            << "Choice/Pass-only machines: " << other_passed << "/" << other_total);
  CHECK(total == 354);
  CHECK(passed == total);
  CHECK(other_passed == other_total);
}
