// The evaluator's fast paths (issue #18's speed work) give the answers of the general code they skip.
// SPDX-License-Identifier: MIT
#include <string>
#include <tuple>
#include <vector>

#include "asl/detail/jsonata/ast.hpp"
#include "asl/detail/jsonata/operators.hpp"
#include "asl/detail/jsonata/regex.hpp"
#include "asl/detail/jsonata/utf.hpp"
#include "asl/jsonata.hpp"
#include "support/catch.hpp"

namespace dj = asl::detail::jsonata;
namespace ja = asl::jsonata;
using asl::Json;

namespace {

struct NoLimit final : dj::StepCounter {
  void add_steps(std::size_t) override {}
};

Json eval_value(const std::string& expr, const Json& input = Json()) {
  ja::Result r = ja::compile(expr).evaluate(input);
  REQUIRE(r.has_value());
  return r.value();
}

}  // namespace

TEST_CASE("fast paths: one compiled regex matches many subjects in turn as JavaScript does", "[jsonata][regex]") {
  // Expected (start, length) from node's RegExp.exec; -1 for no match. One BacktrackRegex runs
  // all subjects of its pattern, twice and interleaved, so its reused backtracking stack and the
  // first-character skip are exercised across calls, with lookarounds sharing the stack.
  using Case = std::tuple<std::string, int, int>;
  struct Pattern {
    std::u16string pattern;
    std::string flags;
    std::vector<Case> cases;
  };
  std::vector<Pattern> patterns = {
      {u"e[a-z]*7", "i",
       {{"alpha-17", -1, 0}, {"ECHO-7", -1, 0}, {"e7", 0, 2}, {"", -1, 0}, {"xxE7", 2, 2}, {"hello7", 1, 5},
        {"aEchO7", 1, 5}, {"Eeeee-7", -1, 0}}},
      {u"(?=(\\w+))\\1:", "", {{"abc: def:", 0, 4}, {"no colon", -1, 0}, {":", -1, 0}, {"x:", 0, 2}}},
      {u"(?<!x)y+", "", {{"xyy yy", 2, 1}, {"yyy", 0, 3}, {"xy", -1, 0}, {"", -1, 0}}},
      {u"a(?=b)|c", "", {{"cab", 0, 1}, {"ab", 0, 1}, {"aab", 1, 1}, {"xyz", -1, 0}}},
      {u"(?<=(a|b)+)c", "", {{"abac", 3, 1}, {"c", -1, 0}, {"bbc", 2, 1}}},
  };
  NoLimit steps;
  for (const auto& p : patterns) {
    dj::BacktrackRegex re(p.pattern, p.flags);
    for (int round = 0; round < 2; ++round) {
      for (std::size_t k = 0; k < p.cases.size(); ++k) {
        // Round 1 runs the subjects in reverse order.
        const Case& c = p.cases[round == 0 ? k : p.cases.size() - 1 - k];
        INFO("/" << dj::to_utf8(p.pattern) << "/" << p.flags << " on \"" << std::get<0>(c) << "\"");
        auto m = re.exec(dj::to_utf16(std::get<0>(c)), 0, steps);
        if (std::get<1>(c) < 0) {
          CHECK_FALSE(m.has_value());
        } else {
          REQUIRE(m.has_value());
          CHECK(m->start == static_cast<std::size_t>(std::get<1>(c)));
          CHECK(m->end - m->start == static_cast<std::size_t>(std::get<2>(c)));
        }
      }
    }
  }
  // Through the evaluator: the benchmark's filter, and $match's successive matches.
  Json items = {{"items", {{{"name", "echo-17"}}, {{"name", "ECHO-7"}}, {{"name", "delta-9"}}, {{"name", "bravo-e7"}}}}};
  CHECK(eval_value("$count(items[$contains(name, /e[a-z]*7/i)])", items) == 1);
  CHECK(eval_value("$match('e7 E17 ee7 x', /e[a-z]*7/i).index") == Json({0, 7}));
}

TEST_CASE("fast paths: operators resolved when the expression is processed", "[jsonata][api]") {
  using Op = dj::BinaryOp;
  const std::vector<std::pair<std::string, Op>> table = {
      {"+", Op::Add},      {"-", Op::Subtract},     {"*", Op::Multiply},      {"/", Op::Divide},
      {"%", Op::Modulo},   {"=", Op::Equal},        {"!=", Op::NotEqual},     {"<", Op::Less},
      {"<=", Op::LessEqual}, {">", Op::Greater},    {">=", Op::GreaterEqual}, {"&", Op::Concat},
      {"..", Op::Range},   {"in", Op::In},          {"and", Op::And},         {"or", Op::Or}};
  for (const auto& [text, op] : table) CHECK(dj::binary_op_from_text(text) == op);
  CHECK(dj::binary_op_from_text(".") == Op::None);
  CHECK(dj::binary_op_from_text("~>") == Op::None);
  CHECK(dj::binary_op(Op::None, dj::Value::number(1), dj::Value::number(2)).is_undefined());

  CHECK(eval_value("[7 + 2, 7 - 2, 7 * 2, 7 / 2, 7 % 2]") == Json({9, 5, 14, 3.5, 1}));
  CHECK(eval_value("[1 = 1, 1 != 1, 1 < 2, 2 <= 2, 1 > 2, 2 >= 3]") == Json({true, false, true, true, false, false}));
  CHECK(eval_value("['a' < 'b', 'b' >= 'a', 'x' & 1 & true]") == Json({true, true, "x1true"}));
  CHECK(eval_value("[2 in [1, 2], 3 in [1, 2], true and false, true or false, [1..3]]") ==
        Json({true, false, false, true, Json({1, 2, 3})}));
  // Errors still name the operator and its position.
  ja::Result e = ja::compile("1 + 'a'").evaluate(Json());
  REQUIRE(e.is_error());
  CHECK(e.error().code == "T2002");
  CHECK(e.error().message.find("\"+\"") != std::string::npos);
  REQUIRE(e.error().position.has_value());
  CHECK(*e.error().position == 3);
}

TEST_CASE("fast paths: field steps, paths inside filters and scalar equality", "[jsonata][api]") {
  Json input = {{"items",
                 {{{"qty", 2}, {"price", 60}, {"name", "a"}, {"cat", "x"}},
                  {{"qty", 3}, {"price", 10}, {"name", "b"}, {"cat", "y"}, {"sub", {{"qty", 100}}}},
                  {{"price", 70}, {"name", "c"}, {"cat", "x"}},
                  {{"qty", Json::array({4, 5})}, {"name", "d"}, {"cat", "x"}}}}};
  // A field over objects (present, absent, an array member that flattens).
  CHECK(eval_value("items.qty", input) == Json({2, 3, 4, 5}));
  CHECK(eval_value("$sum(items.qty)", input) == 14);
  CHECK(eval_value("items.sub.qty", input) == 100);
  CHECK(eval_value("items[price > 50].name", input) == Json({"a", "c"}));
  CHECK(eval_value("items[cat = 'x'][price > 50].name", input) == Json({"a", "c"}));
  // Fields of constructed objects still collapse their singleton sequences.
  CHECK(eval_value("[{'v': [1]}, {'v': items[0].qty}].v", input) == Json({1, 2}));
  CHECK(eval_value("$distinct(items.cat)", input) == Json({"x", "y"}));
  CHECK(eval_value("$distinct([1, '1', 1, true, null, true, null, [1], [1]])") ==
        Json({1, "1", true, nullptr, Json({1})}));
  CHECK(eval_value("[1 = '1', null = null, 'a' = 'a', [1, 2] = [1, 2], {'a': 1} = {'a': 1}]") ==
        Json({false, true, true, true, true}));
}

TEST_CASE("fast paths: $substring counts code points without listing them", "[jsonata][api]") {
  // Expected: jsonata-js 2.2.2. Literals split where a hex escape is followed by a hex digit.
  const std::string e_acute = "\xC3\xA9", o_uml = "\xC3\xB6", smile = "\xF0\x9F\x98\x80";
  const std::string emoji = smile + "ab" + smile + "c";  // 5 code points, 7 UTF-16 units
  CHECK(eval_value("$substring(\"h" + e_acute + "llo w" + o_uml + "rld\", 1, 4)") == e_acute + "llo");
  CHECK(eval_value("$substring(\"" + emoji + "\", 1)") == "ab" + smile + "c");
  CHECK(eval_value("$substring(\"" + emoji + "\", -2)") == smile + "c");
  CHECK(eval_value("$substring(\"" + emoji + "\", -3, 2)") == "b" + smile);
  CHECK(eval_value("$substring(\"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\", 1, 1)") == "\xE6\x9C\xAC");
  CHECK(eval_value("$substring('abcdef', 2, 3)") == "cde");
  CHECK(eval_value("$substring('abcdef', -10, 3)") == "abc");
  CHECK(eval_value("$substring('abcdef', 4, 0)") == "");
  CHECK(eval_value("$substring('abc', 5)") == "");
}

TEST_CASE("fast paths: a deep structure shared twice per level is destroyed without recursion", "[jsonata][api][limits]") {
  // Each level holds the previous one twice: the last references to a level are two values of
  // one object, which must still go through the iterative release (a crash before the fix).
  Json r = eval_value("($x := $reduce([1..100000], function($a, $v) { {'a': $a, 'b': $a} }, {}); 1)");
  CHECK(r == 1);
  Json arr = eval_value("($x := $reduce([1..100000], function($a, $v) { [[$a], [$a]] }, []); 2)");
  CHECK(arr == 2);
}

TEST_CASE("fast paths: field paths, constant indexes, aggregates and built-in calls agree with jsonata-js", "[jsonata][api]") {
  // Field paths over input objects are member lookups (Evaluator::field_path), aggregates read
  // borrowed arrays in place, and most built-in calls skip the signature matcher; each case falls
  // on one side of those shortcuts or the other. Expected: jsonata-js 2.2.2 on the same input.
  const Json input = Json::parse(
      R"J({"items":[{"name":"alpha","qty":1,"tags":["x","y"],"m":[[1,2],[3]],"n":null,"o":{"p":{"q":5}}},{"name":"bravo")J"
      R"J(,"qty":2.5,"tags":["z"],"m":[[4]],"n":1,"o":{"p":{"q":[6,7]}}}],"a":{"b":[{"c":1},{"c":2}]},"s":"str","t":true)J"
      R"J(,"z":null,"deep":{"x":{"y":{"z":"w"}}}})J");
  const Json cases = Json::parse(
      R"J([["deep.x.y.z",{"value":"w"}],["deep.x.y",{"value":{"z":"w"}}],["deep.x.nope.z",{"undefined":true}],["s.x",{"u)J"
      R"J(ndefined":true}],["t.x",{"undefined":true}],["z.x",{"undefined":true}],["s[0]",{"value":"str"}],["s[-1]",{"val)J"
      R"J(ue":"str"}],["s[1]",{"undefined":true}],["items[0].name",{"value":"alpha"}],["items.tags[0]",{"value":["x","z")J"
      R"J(]}],["items.tags[-1]",{"value":["y","z"]}],["items.tags[5]",{"undefined":true}],["items.m[0]",{"value":[1,2,4])J"
      R"J(}],["items[0].m[0]",{"value":[1,2]}],["items[0].m[1][0]",{"value":3}],["a.b[0].c",{"value":1}],["a.b[-1].c",{")J"
      R"J(value":2}],["a.b[2].c",{"undefined":true}],["a.b.c",{"value":[1,2]}],["items[0].o.p.q",{"value":5}],["items[1])J"
      R"J(.o.p.q",{"value":[6,7]}],["items.o.p.q",{"value":[5,6,7]}],["items[0].n",{"value":null}],["items[0].n.x",{"und)J"
      R"J(efined":true}],["($v := items[0]; $v.o.p.q)",{"value":5}],["($v := {'k': {'j': 3}}; $v.k.j)",{"value":3}],["($)J"
      R"J(v := items; $v.name)",{"value":["alpha","bravo"]}],["items.($.name)",{"value":["alpha","bravo"]}],["$$.deep.x.)J"
      R"J(y.z",{"value":"w"}],["items[0].tags[0.7]",{"value":"x"}],["items[0].tags[-0.5]",{"value":"y"}],["$sum(items.qt)J"
      R"J(y)",{"value":3.5}],["$max(items.qty)",{"value":2.5}],["$min(items.qty)",{"value":1}],["$average(items.qty)",{")J"
      R"J(value":1.75}],["$sum([1..5])",{"value":15}],["$sum([])",{"value":0}],["$string(5)",{"value":"5"}],["$substring)J"
      R"J(('hello', 1)",{"value":"ello"}],["$substring('hello', 1, 2)",{"value":"el"}],["$sum(items.name)",{"error":"T04)J"
      R"J(12"}],["$max(['a'])",{"error":"T0412"}],["$count(items.tags)",{"value":3}],["($f := function($x){ $x.o.p.q }; )J"
      R"J(items.$f($))",{"value":[5,6,7]}],["deep.x[0].y",{"value":{"z":"w"}}],["deep.x[1].y",{"undefined":true}],["t[0])J"
      R"J(",{"value":true}],["z[0]",{"value":null}],["($n := 5; $n.x)",{"undefined":true}],["items[0].tags[0][0]",{"valu)J"
      R"J(e":"x"}],["$uppercase(s)",{"value":"STR"}],["$length(s)",{"value":3}],["$join(items.name, '-')",{"value":"alph)J"
      R"J(a-bravo"}],["$map(items, function($v, $i) { $v.qty + $i })",{"value":[1,3.5]}],["$reduce(items, function($a, $)J"
      R"J(v) { $a + $v.qty }, 10)",{"value":13.5}],["$sort(items, function($a, $b) { $a.qty < $b.qty }).name",{"value":[)J"
      R"J("bravo","alpha"]}],["items{name: qty}",{"value":{"alpha":1,"bravo":2.5}}],["items.{'n': name, 't': tags[0]}",{)J"
      R"J("value":[{"n":"alpha","t":"x"},{"n":"bravo","t":"z"}]}]])J");
  for (const auto& c : cases) {
    const std::string expr = c[0].get<std::string>();
    const Json& want = c[1];
    INFO(expr);
    ja::Result r = ja::compile(expr).evaluate(input);
    if (want.contains("error")) {
      REQUIRE(r.is_error());
      CHECK(r.error().code == want["error"].get<std::string>());
    } else if (want.contains("undefined")) {
      CHECK(r.is_undefined());
    } else {
      REQUIRE(r.has_value());
      CHECK(r.value() == want["value"]);
    }
  }
}

TEST_CASE("fast paths: $contains with a regex literal and integers printed by $string agree with jsonata-js", "[jsonata][api]") {
  // A regex literal's function value is made with the tree and $contains only asks whether it
  // matches; $string prints integers below 2^53 as their digits. Expected: jsonata-js 2.2.2.
  const Json input = Json::parse(R"J({"items":[{"name":"Alpha"},{"name":"bravo"},{"name":"echo7"}]})J");
  const Json cases = Json::parse(
      R"J([["$contains('abc', /b/)",{"value":true}],["$contains('abc', /x/)",{"value":false}],["$contains('', /^$/)",{"v)J"
      R"J(alue":true}],["$contains('a\u00e9b', /\u00e9/)",{"value":true}],["items[$contains(name, /a/i)].name",{"value":)J"
      R"J(["Alpha","bravo"]}],["$map(['a','B'], function($s){ $contains($s, /b/i) })",{"value":[false,true]}],["($r := /)J"
      R"J(o/; items[$contains(name, $r)].name)",{"value":["bravo","echo7"]}],["$string(123456789012)",{"value":"12345678)J"
      R"J(9012"}],["$string(-42)",{"value":"-42"}],["$string(1e21)",{"value":"1e+21"}],["$string(2e15)",{"value":"200000)J"
      R"J(0000000000"}],["$string(9007199254740993)",{"value":"9007199254740992"}],["$string(-0)",{"value":"0"}],["$stri)J"
      R"J(ng(0.1)",{"value":"0.1"}],["$string(1e-7)",{"value":"1e-7"}],["$string(123.0)",{"value":"123"}],["$string(-900)J"
      R"J(7199254740991)",{"value":"-9007199254740991"}],["$string(4.35)",{"value":"4.35"}],["items.$string($length(name)J"
      R"J())",{"value":["5","5","5"]}]])J");
  for (const auto& c : cases) {
    const std::string expr = c[0].get<std::string>();
    INFO(expr);
    ja::Result r = ja::compile(expr).evaluate(input);
    REQUIRE(r.has_value());
    CHECK(r.value() == c[1]["value"]);
  }
}
