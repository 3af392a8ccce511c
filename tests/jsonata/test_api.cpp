// The public JSONata API: results, errors with codes and positions, dialects, limits and hostile inputs.
// SPDX-License-Identifier: MIT
#include <chrono>
#include <string>

#include "asl/jsonata.hpp"
#include "support/catch.hpp"

namespace ja = asl::jsonata;
using asl::Json;

namespace {

ja::Result eval(const std::string& expr, const Json& input = Json(), ja::Dialect d = ja::Dialect::full,
                const ja::Limits& limits = {}) {
  return ja::compile(expr, d).evaluate(input, nullptr, limits);
}

std::string code_of(const ja::Result& r) { return r.is_error() ? r.error().code : std::string("(no error)"); }

}  // namespace

TEST_CASE("api: values, undefined and errors", "[jsonata][api]") {
  Json input = {{"a", {{"b", 1}, {"c", {1, 2, 3}}}}, {"s", "x"}};
  auto r = eval("a.c[1] + a.b", input);
  REQUIRE(r.has_value());
  CHECK(r.value() == 3);
  CHECK(eval("nothing.here", input).is_undefined());
  auto e = eval("s + 1", input);
  REQUIRE(e.is_error());
  CHECK(e.error().code == "T2001");
  CHECK(e.error().message == "The left side of the \"+\" operator must evaluate to a number");
  REQUIRE(e.error().position.has_value());
  CHECK(*e.error().position == 3);
  CHECK(eval("$string(0.1 + 0.2) & ' ' & (0.1 + 0.2)").value() == "0.3 0.3");
  CHECK(eval("[1..3].($ * 2)").value() == Json({2, 4, 6}));

  // Bindings shadow built-ins of the same name, as in jsonata-js.
  Json bindings = {{"sum", 7}, {"x", {{"y", 2}}}};
  auto b = ja::compile("$sum + $x.y").evaluate(input, &bindings);
  REQUIRE(b.has_value());
  CHECK(b.value() == 9);

  // Input integers pass through exactly (no trip through double).
  Json big = {{"n", 9007199254740993LL}};
  CHECK(eval("n", big).value() == Json(9007199254740993LL));
}

TEST_CASE("api: syntax errors carry the code and position", "[jsonata][api]") {
  try {
    (void)ja::compile("[1, 2");
    FAIL("no error");
  } catch (const ja::CompileError& e) {
    CHECK(e.error().code == "S0203");
    CHECK(e.error().message == "Expected \"]\" before end of expression");
  }
  try {
    (void)ja::compile("'unterminated");
    FAIL("no error");
  } catch (const ja::CompileError& e) {
    CHECK(e.error().code == "S0101");
  }
  // The expression's own nesting is bounded with an error, not a stack overflow.
  std::string deep(20000, '(');
  deep += "1";
  deep += std::string(20000, ')');
  CHECK_THROWS_AS(ja::compile(deep), ja::CompileError);
  std::string chain = "1";
  for (int i = 0; i < 20000; ++i) chain += "+1";
  CHECK_THROWS_AS(ja::compile(chain), ja::CompileError);
}

TEST_CASE("api: the AWS dialect is 2.0.6 syntax without $eval", "[jsonata][api][aws]") {
  CHECK(eval("$eval('1 + 1')").value() == 2);
  auto r = eval("$eval('1 + 1')", Json(), ja::Dialect::aws);
  CHECK(code_of(r) == "T1006");
  CHECK(eval("x ?: 2", Json::object()).value() == 2);
  CHECK(eval("x ?? 2", Json::object()).value() == 2);
  for (const char* expr : {"x ?: 2", "x ?? 2"}) {
    try {
      (void)ja::compile(expr, ja::Dialect::aws);
      FAIL("accepted in the AWS dialect: " << expr);
    } catch (const ja::CompileError& e) {
      CHECK(e.error().code == "S0211");
    }
  }
  CHECK(eval("a ? 1 : 2", Json({{"a", true}}), ja::Dialect::aws).value() == 1);
  // AWS writes non-finite numbers as strings; jsonata-js results cannot hold them in JSON.
  CHECK(eval("[1/0, 0/0]", Json(), ja::Dialect::aws).value() == Json({"Infinity", "NaN"}));
  CHECK(code_of(eval("1/0")) == "D1001");
}

TEST_CASE("api: hostile expressions end with an error", "[jsonata][api][limits]") {
  CHECK(code_of(eval("[1..10000001]")) == "D2014");
  // A range at the limit stays lazy: no ten million values are allocated.
  CHECK(eval("[1..10000000] ~> $count()").value() == 10000000);
  // Runaway recursion hits the depth limit.
  CHECK(code_of(eval("($f := function($n){ $n + $f($n + 1) }; $f(1))")) == "U1001");
  // An endless tail-recursive loop does not grow the stack; the step budget stops it.
  ja::Limits small;
  small.max_steps = 200000;
  CHECK(code_of(eval("($f := function(){ $f() }; $f())", Json(), ja::Dialect::full, small)) == "U1001");
  ja::Limits timed;
  timed.timeout = std::chrono::milliseconds(50);
  timed.max_steps = 0;
  CHECK(code_of(eval("($f := function($n){ $f($n + 1) }; $f(0))", Json(), ja::Dialect::full, timed)) == "U1001");
  // Catastrophic backtracking is charged to the same budget.
  ja::Limits regex_budget;
  regex_budget.max_steps = 2000000;
  CHECK(code_of(eval("$match('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', /(a+)+b/)", Json(), ja::Dialect::full, regex_budget)) ==
        "U1001");
  // Deep tail recursion runs in constant stack (the trampoline).
  CHECK(eval("($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, $acc + 1) }; $f(100000, 0))").value() == 100000);
  // Long strings through the regex engine.
  CHECK(eval("$length($replace($pad('', 100000, 'a'), /a+/, 'b'))").value() == 1);
}

TEST_CASE("api: input nested 100,000 deep is walked without recursion", "[jsonata][api][limits]") {
  constexpr int depth = 100000;
  Json deep = 1;
  for (int i = 0; i < depth; ++i) {
    Json wrapper = Json::object();
    wrapper["a"] = std::move(deep);
    deep = std::move(wrapper);
  }
  Json arrays = 1;
  for (int i = 0; i < depth; ++i) {
    Json wrapper = Json::array();
    wrapper.push_back(std::move(arrays));
    arrays = std::move(wrapper);
  }
  // (An initializer list, or a growing object, would copy, and nlohmann's copy recurses once per
  // level: reserve the members' slots first.)
  Json input = Json::object();
  input.get_ref<Json::object_t&>().reserve(2);
  input["o"] = std::move(deep);
  input["l"] = std::move(arrays);
  CHECK(eval("o = o", input).value() == true);
  CHECK(eval("$boolean(l)", input).value() == true);
  CHECK(eval("$count(o.**)", input).value() == depth + 1);
  CHECK(eval("$length($string(o)) > 500000", input).value() == true);
  CHECK(eval("$count(l[])", input).value() == 1);
  CHECK(eval("$type($distinct([o, o]))", input).value() == "array");
  CHECK(eval("$keys(o)", input).value() == "a");
  // A transform deep-copies its argument: the copy is built and freed iteratively.
  CHECK(eval("$type((o ~> |$|{'z': 1}|))", input).value() == "object");
  // The result itself: converted to asl::Json without recursion.
  auto r = eval("o", input);
  REQUIRE(r.has_value());
  const Json* walk = &r.value();
  int levels = 0;
  while (walk->is_object()) {
    walk = &(*walk)["a"];
    ++levels;
  }
  CHECK(levels == depth);
}

TEST_CASE("api: fuzz regressions (tests/fuzz/corpus/jsonata)", "[jsonata][api][fuzz]") {
  // `$$` with no input is undefined: `$lookup` then finds nothing (it dereferenced null).
  const auto lookup = ja::compile(R"($lookup({"Bus": "Red"}, $$))");
  CHECK(lookup.evaluate_undefined().is_undefined());
  CHECK(lookup.evaluate(Json("Bus")).value() == Json("Red"));
  // A lazy range costs nothing to build; writing it out as JSON is charged to the step budget.
  ja::Limits small;
  small.max_steps = 200000;
  const ja::Result range = ja::compile("[1..10000000]").evaluate(Json::object(), nullptr, small);
  REQUIRE(range.is_error());
  CHECK(range.error().code == "U1001");
  CHECK(ja::compile("[1..1000]").evaluate(Json::object(), nullptr, small).value().size() == 1000);
}

TEST_CASE("api: $formatNumber's analysed picture is kept, and a change of picture or options is seen", "[jsonata][api]") {
  // The last picture analysed is kept per thread: another picture, other options or a bad
  // picture between good ones must each give what a fresh analysis gives (jsonata-js 2.2.2's).
  for (int round = 0; round < 2; ++round) {
    CHECK(eval("$formatNumber(1234.5, '#,##0.00')").value() == "1,234.50");
    CHECK(eval("$formatNumber(-1234.5, '#,##0.00;(#,##0.00)')").value() == "(1,234.50)");
    CHECK(code_of(eval("$formatNumber(1, '#.#.#')")) == "D3081");
    CHECK(eval("$formatNumber(1234.5, '#.##0,00', {'decimal-separator': ',', 'grouping-separator': '.'})").value() ==
          "1.234,50");
    CHECK(eval("$formatNumber(0.25, '#%')").value() == "25%");
    CHECK(eval("$formatNumber(1234.5, '#,##0.00')").value() == "1,234.50");
  }
}
