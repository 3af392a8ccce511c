// Unit tests for asl::detail::jsonpath: Jayway-compatible JSONPath (spec §4.3, §4.4, §4.6, §5) and ResultPath writes.
// SPDX-License-Identifier: MIT
#include "asl/detail/jsonpath/path.hpp"

#include <cstddef>
#include <string>
#include <vector>

#include "support/catch.hpp"

namespace jp = asl::detail::jsonpath;
using asl::Json;

namespace {

Json j(const char* text) { return Json::parse(text); }

/// select() on `doc`; fails the test when select() reports a miss.
Json sel(const char* path, const Json& doc) {
  Json out;
  std::string miss;
  const bool ok = jp::Path::parse(path).select(doc, out, &miss);
  INFO(path << " -> " << miss);
  REQUIRE(ok);
  return out;
}

/// The miss message of a path that must not match.
std::string miss_of(const char* path, const Json& doc) {
  Json out;
  std::string miss;
  const bool ok = jp::Path::parse(path).select(doc, out, &miss);
  INFO(path << " -> " << out.dump());
  REQUIRE_FALSE(ok);
  return miss;
}

/// The SyntaxError message for `path` ("" when it parses).
std::string syntax_error(const std::string& path) {
  try {
    (void)jp::Path::parse(path);
  } catch (const jp::SyntaxError& e) {
    return e.what();
  }
  return "";
}

/// Filter helper: the matches of `$.a[?(<expr>)]` over `elements`.
Json filter(const std::string& expr, const char* elements) {
  const std::string path = "$.a[?(" + expr + ")]";
  Json doc = Json::object();
  doc["a"] = Json::parse(elements);
  Json out;
  std::string miss;
  const bool ok = jp::Path::parse(path).select(doc, out, &miss);
  INFO(path);
  REQUIRE(ok);
  return out;
}

}  // namespace

// ---- parsing -----------------------------------------------------------------------------------

TEST_CASE("jsonpath: roots, variables and the default path", "[jsonpath]") {
  const jp::Path def;
  CHECK(def.text() == "$");
  CHECK(def.root() == jp::Root::input);
  CHECK(def.is_root());
  CHECK(def.definite());

  auto p = jp::Path::parse("$");
  CHECK(p.root() == jp::Root::input);
  CHECK(p.is_root());
  CHECK(p.is_reference());

  p = jp::Path::parse("$$");
  CHECK(p.root() == jp::Root::context);
  CHECK(p.is_root());
  p = jp::Path::parse("$$.Execution.Input");
  CHECK(p.root() == jp::Root::context);
  CHECK_FALSE(p.is_root());
  CHECK(p.text() == "$$.Execution.Input");
  CHECK(p.normalized() == "$['Execution']['Input']");

  p = jp::Path::parse("$theAnswer");
  CHECK(p.root() == jp::Root::variable);
  CHECK(p.variable() == "theAnswer");
  CHECK(p.is_root());
  p = jp::Path::parse("$constant_obj.in_obj_constant_lst[0]");
  CHECK(p.root() == jp::Root::variable);
  CHECK(p.variable() == "constant_obj");
  CHECK_FALSE(p.is_root());
  CHECK(p.definite());
  CHECK(sel("$constant_obj.in_obj_constant_lst[1]", j(R"({"in_obj_constant_lst":[null,0]})")) == 0);
  p = jp::Path::parse("$Größe");
  CHECK(p.variable() == "Größe");
  CHECK(p.variable().empty() == false);
  CHECK(jp::Path::parse("$.x").variable().empty());

  p = jp::Path::parse("  $.a  ");  // Jayway trims; text() stays as written
  CHECK(p.text() == "  $.a  ");
  CHECK(sel("  $.a  ", j(R"({"a":1})")) == 1);
}

TEST_CASE("jsonpath: definite and indefinite paths (spec §5.3)", "[jsonpath]") {
  for (const char* path : {"$", "$.a", "$.a.b", "$[0]", "$.a[-1]", "$['a']", "$[\"a\"][0]['b c']", "$.a[0][1].b",
                           "$$.Map.Item.Value", "$x.y[2]"}) {
    INFO(path);
    CHECK(jp::Path::parse(path).definite());
  }
  for (const char* path : {"$..a", "$.*", "$[*]", "$.a[0,1]", "$['a','b']", "$.a[1:2]", "$.a[:2]", "$.a[::2]",
                           "$.a[?(@.b)]", "$.[?(@.year < 1999)].name", "$..[0]", "$.a.length()"}) {
    INFO(path);
    CHECK_FALSE(jp::Path::parse(path).definite());
  }
}

TEST_CASE("jsonpath: spec §5.2 legal Reference Paths", "[jsonpath]") {
  for (const char* path : {"$.store.book", "$.store\\.book", "$.\\stor\\e.boo\\k", "$.foo.\\.bar",
                           "$.foo\\@bar.baz\\[\\[.\\?pretty", "$.&Ж中.\\uD800\\uDF46",
                           "$.ledgers.branch[0].pending.count", "$.ledgers[0][22][315].foo", "$['store']['book']",
                           "$['store'][0]['book']"}) {
    INFO(path);
    const auto p = jp::Path::parse(path);
    CHECK(p.is_reference());
    CHECK(p.definite());
  }
  CHECK(jp::Path::parse("$.store\\.book").normalized() == "$['store.book']");
  CHECK(jp::Path::parse("$.\\stor\\e.boo\\k").normalized() == "$['store']['book']");
  CHECK(jp::Path::parse("$.foo.\\.bar").normalized() == "$['foo']['.bar']");
  CHECK(jp::Path::parse("$.foo\\@bar.baz\\[\\[.\\?pretty").normalized() == "$['foo@bar']['baz[[']['?pretty']");
  CHECK(jp::Path::parse("$.&Ж中.\\uD800\\uDF46").normalized() == "$['&Ж中']['\xF0\x90\x8D\x86']");

  CHECK(sel("$.store\\.book", j(R"({"store.book":1,"store":{"book":2}})")) == 1);
  CHECK(sel("$.\\stor\\e.boo\\k", j(R"({"store":{"book":2}})")) == 2);
  CHECK(sel("$.&Ж中.\\uD800\\uDF46", j("{\"&Ж中\":{\"\xF0\x90\x8D\x86\":3}}")) == 3);
  CHECK(sel("$.ledgers[0][22][315].foo", [] {
          Json inner = Json::array();
          for (int i = 0; i < 316; ++i) inner.push_back(i == 315 ? j(R"({"foo":"deep"})") : Json(i));
          Json mid = Json::array();
          for (int i = 0; i < 23; ++i) mid.push_back(i == 22 ? inner : Json(i));
          return Json{{"ledgers", Json::array({mid})}};
        }()) == "deep");

  // Not Reference Paths: operators and unescaped reserved characters (spec §5.2).
  for (const char* path : {"$.a[*]", "$..a", "$.a[0,1]", "$.a[1:]", "$.a[?(@.b)]", "$.a@b", "$.a,b", "$.a:b",
                           "$.a?b", "$.a*", "$['a','b']", "$.a.length()"}) {
    INFO(path);
    CHECK_FALSE(jp::Path::parse(path).is_reference());
  }
}

TEST_CASE("jsonpath: syntax errors say what and where", "[jsonpath]") {
  CHECK(syntax_error("") == "Invalid JSONPath '': the path is empty at offset 0");
  CHECK(syntax_error("a.b") == "Invalid JSONPath 'a.b': a path must start with '$' at offset 0");
  CHECK(syntax_error("$.") == "Invalid JSONPath '$.': a path must not end with '.' at offset 1");
  CHECK(syntax_error("$.a..") == "Invalid JSONPath '$.a..': a path must not end with '..' at offset 3");
  CHECK(syntax_error("$...a") == "Invalid JSONPath '$...a': unexpected '.' at offset 3");
  CHECK(syntax_error("$.a[") == "Invalid JSONPath '$.a[': missing ']' at offset 3");
  CHECK(syntax_error("$.a['b'") == "Invalid JSONPath '$.a['b'': missing ']' at offset 3");
  CHECK(syntax_error("$.a['b]") == "Invalid JSONPath '$.a['b]': unterminated quoted name, missing ' at offset 4");
  CHECK(syntax_error("$.a[x]") ==
        "Invalid JSONPath '$.a[x]': expected a quoted name, an index, a slice, '*' or '?(' after '[' at offset 4");
  CHECK(syntax_error("$.a b") ==
        "Invalid JSONPath '$.a b': a member name with blanks needs bracket notation ['my prop'] at offset 3");
  CHECK(syntax_error("$#") ==
        "Invalid JSONPath '$#': illegal character after '$' (expected '.', '[', '$' or a variable name) at offset 1");
  CHECK(syntax_error("$$x") == "Invalid JSONPath '$$x': expected '.' or '[' at offset 2");
  CHECK(syntax_error("$var-x") == "Invalid JSONPath '$var-x': illegal character '-' in variable name at offset 4");
  CHECK(syntax_error("$.a[1:2:0]") == "Invalid JSONPath '$.a[1:2:0]': a slice step must not be 0 at offset 9");
  CHECK(syntax_error("$.a[:]") == "Invalid JSONPath '$.a[:]': a slice needs a start, an end or a step at offset 3");
  CHECK(syntax_error("$.a[99999999999]") ==
        "Invalid JSONPath '$.a[99999999999]': array index out of range (Java int) at offset 4");
  CHECK(syntax_error("$.a.nope()") == "Invalid JSONPath '$.a.nope()': unknown function 'nope()' at offset 4");
  CHECK(syntax_error("$.a.length().b") ==
        "Invalid JSONPath '$.a.length().b': a function must be the last step of a path at offset 12");
  CHECK(syntax_error("$.a.concat(1)") ==
        "Invalid JSONPath '$.a.concat(1)': unknown function 'concat()' at offset 4");
  CHECK(syntax_error("$.a.sum(1)") ==
        "Invalid JSONPath '$.a.sum(1)': functions with arguments are not supported at offset 8");
  CHECK(syntax_error("$.a[?(@.b ==)]") ==
        "Invalid JSONPath '$.a[?(@.b ==)]': expected a value (a path, 'string', number, true, false, null, JSON or "
        "/regex/) at offset 12");
  CHECK(syntax_error("$.a[?(@.b == 1]") == "Invalid JSONPath '$.a[?(@.b == 1]': missing ')' at offset 5");
  CHECK(syntax_error("$.a[?(@.b == 1)") ==
        "Invalid JSONPath '$.a[?(@.b == 1)': expected ']' to close the filter at offset 15");
  CHECK(syntax_error("$.a[?(@.b <> 1)]") == "Invalid JSONPath '$.a[?(@.b <> 1)]': unknown operator '<>' at offset 10");
  CHECK(syntax_error("$.a[?(@.b like 1)]") ==
        "Invalid JSONPath '$.a[?(@.b like 1)]': unknown operator 'like' at offset 10");
  CHECK(syntax_error("$.a[?(1)]") == "Invalid JSONPath '$.a[?(1)]': expected a comparison operator at offset 7");
  CHECK(syntax_error("$.a[?(@.b =~ /x/g)]") ==
        "Invalid JSONPath '$.a[?(@.b =~ /x/g)]': unsupported regex flag 'g' at offset 16");
  CHECK(syntax_error("$.a[?(@.b =~ /(/)]") ==
        "Invalid JSONPath '$.a[?(@.b =~ /(/)]': invalid regular expression /(/ at offset 13");
  CHECK(syntax_error("$.a[?(@.b == 'x)]") ==
        "Invalid JSONPath '$.a[?(@.b == 'x)]': unterminated string, missing ' at offset 13");
  CHECK(syntax_error("$.a[?@.b]") == "Invalid JSONPath '$.a[?@.b]': expected '(' after '[?' at offset 5");
  CHECK(syntax_error("$.a[?(@.b in [1,)]") ==
        "Invalid JSONPath '$.a[?(@.b in [1,)]': expected a JSON value at offset 16");
  CHECK(syntax_error("$.\\uD800") == "Invalid JSONPath '$.\\uD800': unpaired UTF-16 surrogate at offset 2");
}

TEST_CASE("jsonpath: filter nesting is bounded (no stack exhaustion on hostile paths)", "[jsonpath]") {
  auto nested = [](int depth) {
    return "$.a[?(" + std::string(static_cast<std::size_t>(depth), '(') + "@.b" +
           std::string(static_cast<std::size_t>(depth), ')') + ")]";
  };
  // The filter's own parentheses count as one level.
  CHECK(syntax_error(nested(62)).empty());
  CHECK(syntax_error(nested(63)) ==
        "Invalid JSONPath '" + nested(63) + "': filters nested deeper than 64 levels at offset 68");
  CHECK(syntax_error(nested(100000)).find("filters nested deeper than 64 levels") != std::string::npos);
  CHECK(syntax_error("$.a[?(!!@.b)]").empty());
  CHECK(syntax_error("$.a[?(" + std::string(100000, '!') + "@.b)]").find("nested deeper than 64") !=
        std::string::npos);
  CHECK(syntax_error("$.a[?(" + std::string(100, '!') + "(@.b))]").find("nested deeper than 64") !=
        std::string::npos);
  std::string filters = "$";
  for (int i = 0; i < 70; ++i) filters += ".a[?(@.b";
  filters += std::string(70, ')');
  CHECK(syntax_error(filters).find("filters nested deeper than 64 levels") != std::string::npos);
  CHECK(syntax_error("$.a[?(@.b in " + std::string(100, '[') + std::string(100, ']') + ")]")
            .find("JSON literal nested deeper than 64 levels") != std::string::npos);

  // Long flat expressions and long paths are fine: they do not nest.
  std::string chain = "$.a[?(@.b == 0";
  for (int i = 1; i < 5000; ++i) chain += " && @.b == 0";
  chain += ")]";
  CHECK(sel(chain.c_str(), j(R"({"a":[{"b":0},{"b":1}]})")) == j(R"([{"b":0}])"));
  std::string long_path = "$[*]";
  for (int i = 0; i < 20000; ++i) long_path += ".a";
  CHECK(sel(long_path.c_str(), j(R"([{"a":1}])")) == Json::array());
}

// ---- spec examples -----------------------------------------------------------------------------

TEST_CASE("jsonpath: spec §4.3 multiple results and the §4.5 template example", "[jsonpath]") {
  const Json a = j(R"({"a":[1,2,3,4]})");
  CHECK(sel("$.a[0,1]", a) == j("[1,2]"));
  CHECK(sel("$.a[0:2]", a) == j("[1,2]"));
  const Json vals = j(R"({"flagged":7,"vals":[0,10,20,30,40,50]})");
  CHECK(sel("$.vals[0]", vals) == 0);
  CHECK(sel("$.vals[-3:]", vals) == j("[30,40,50]"));
  CHECK(sel("$.DayOfWeek", j(R"({"DayOfWeek":"TUESDAY"})")) == "TUESDAY");
  CHECK(sel("$[*][*]", j("[[1,2],[3],[],[4,5]]")) == j("[1,2,3,4,5]"));  // §4.5 flattening idiom
}

TEST_CASE("jsonpath: spec §4.1 TestState example path", "[jsonpath]") {
  Json doc = j(R"({"payload":{"foo":"bar"}})");
  CHECK(sel("$.payload", doc) == j(R"({"foo":"bar"})"));
  REQUIRE(jp::Path::parse("$.result").assign(doc, j(R"({"data":1})")));
  CHECK(doc == j(R"({"payload":{"foo":"bar"},"result":{"data":1}})"));
  CHECK(sel("$.result.data", doc) == 1);
}

// ---- AWS-recorded behaviour (/work/shared/conformance/aws-recorded*.jsonl) ----------------------

TEST_CASE("jsonpath: AWS-recorded paths and outputs", "[jsonpath]") {
  // test_base.py::test_state_pass_regex_json_path_base
  CHECK(sel("$.users[?(@.status == 0)]", j(R"({"users":[{"status":0,"year":1997},{"status":1,"year":1998}]})")) ==
        j(R"([{"status":0,"year":1997}])"));
  // test_json_path_array_access
  Json items = Json::object();
  items["items"] = Json::array();
  for (int i = 0; i <= 10; ++i) items["items"].push_back(Json{{"item_key", i}});
  CHECK(sel("$.items[0]", items) == j(R"({"item_key":0})"));
  CHECK(sel("$.items[10]", items) == j(R"({"item_key":10})"));
  // test_json_path_array_wildcard_or_slice_with_no_input: every one of these gives [] on {}
  for (const char* path : {"$[*]", "$.items[:1]", "$.item.items[1:]", "$.item.items[:1]", "$.item.items[1:5]",
                           "$.items[*].itemValue", "$.items[1:].itemValue", "$.items[:1].itemValue",
                           "$.item.items[1:5].itemValue"}) {
    INFO(path);
    CHECK(sel(path, Json::object()) == Json::array());
  }
  // test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH]: backslashes in brackets stay literal
  const std::string key = "Test\\\"\"Name\"";  // Test\""Name"
  Json doc = Json::object();
  doc[key] = "Value\"\\";
  CHECK(sel("$['Test\\\"\"Name\"']", doc) == "Value\"\\");
  // test_reference_assign[BASE_REFERENCE_IN_ITERATOR_OUTER_SCOPE]: "$[0]" etc. on an iteration item
  const Json vec = j("[9,44,6]");
  CHECK(sel("$[0]", vec) == 9);
  CHECK(sel("$[1]", vec) == 44);
  CHECK(sel("$[2]", vec) == 6);
  // test_invalid_jsonpath: the Jayway texts inside AWS's causes
  CHECK(miss_of("$.NoSuchInputPath", j(R"({"int-literal":0})")) == "No results for path: $['NoSuchInputPath']");
  CHECK(miss_of("$.NoSuchOutputPath", j(R"({"int-literal":0})")) == "No results for path: $['NoSuchOutputPath']");
  // spec §4.6 (AWS-observed OutputPath cause)
  CHECK(miss_of("$.no.such.result.path", j(R"({"int-literal":0})")) == "Missing property in path $['no']");
  // spec §5.1 example shape `$.[?(...)].name`
  CHECK(sel("$.[?(@.year < 1999)].name", j(R"([{"year":1997,"name":"a"},{"year":1999,"name":"b"},{"name":"c"}])")) ==
        j(R"(["a"])"));
  // `$$` paths are applied to the context object by the caller
  const Json ctx = j(R"({"Map":{"Item":{"Index":2,"Value":{"x":1}}},"State":{"Name":"S"}})");
  CHECK(sel("$$.Map.Item.Value", ctx) == j(R"({"x":1})"));
  CHECK(sel("$$.Map.Item.Index", ctx) == 2);
  CHECK(sel("$$", ctx) == ctx);
  CHECK(miss_of("$$.Execution.Input.no_such_jsonpath", ctx) == "Missing property in path $['Execution']");
}

// ---- miss messages -----------------------------------------------------------------------------

TEST_CASE("jsonpath: Jayway miss messages for definite paths (spec §4.6)", "[jsonpath]") {
  const Json doc = j(R"({"a":{"b":[1,{"c":null}],"s":"text","n":5,"z":null},"arr":[1,2]})");
  CHECK(miss_of("$.x", doc) == "No results for path: $['x']");
  CHECK(miss_of("$.a.x", doc) == "No results for path: $['a']['x']");
  CHECK(miss_of("$['a'][\"x\"]", doc) == "No results for path: $['a'][\"x\"]");
  CHECK(miss_of("$.x.y", doc) == "Missing property in path $['x']");
  CHECK(miss_of("$.a.x.y.z", doc) == "Missing property in path $['a']['x']");
  CHECK(miss_of("$.a.b[1].x.y", doc) == "Missing property in path $['a']['b'][1]['x']");
  // index out of range: Jayway drops the hit, so the whole path has no results
  CHECK(miss_of("$.arr[2]", doc) == "No results for path: $['arr'][2]");
  CHECK(miss_of("$.arr[-3]", doc) == "No results for path: $['arr'][-3]");
  CHECK(miss_of("$.a.b[5].c", doc) == "No results for path: $['a']['b'][5]['c']");
  // member of a non-object
  CHECK(miss_of("$.a.s.x", doc) ==
        "Expected to find an object with property ['x'] in path $['a']['s'] but found 'java.lang.String'. "
        "This is not a json object according to the JsonProvider: "
        "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.");
  CHECK(miss_of("$.a.n.x", doc).find("but found 'java.lang.Integer'") != std::string::npos);
  CHECK(miss_of("$.a.z.x", doc).find("in path $['a']['z'] but found 'null'") != std::string::npos);
  CHECK(miss_of("$.arr.x", doc).find("but found 'net.minidev.json.JSONArray'") != std::string::npos);
  CHECK(miss_of("$.x", j("1.5")) ==
        "Expected to find an object with property ['x'] in path $ but found 'java.lang.Double'. "
        "This is not a json object according to the JsonProvider: "
        "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.");
  // index on null / on a non-array
  CHECK(miss_of("$.a.z[0]", doc) == "The path $['a']['z'] is null");
  CHECK(miss_of("$.a[0].b", doc) ==
        "Filter: [0]['b'] can only be applied to arrays. Current context is: "
        R"({"b":[1,{"c":null}],"s":"text","n":5,"z":null})");
  CHECK(miss_of("$.a.s[1]", doc) == "Filter: [1] can only be applied to arrays. Current context is: text");

  // find() reports the same texts, and nothing for indefinite paths' non-matches
  std::string miss;
  CHECK(jp::Path::parse("$.no.such").find(doc, &miss) == nullptr);
  CHECK(miss == "Missing property in path $['no']");
  CHECK(jp::Path::parse("$.a.b[1].c").find(doc, &miss)->is_null());
  CHECK(jp::Path::parse("$.a[*]").find(doc, &miss) == nullptr);
  CHECK(miss == "The path $.a[*] is not a definite path");
  Json out;
  CHECK(jp::Path::parse("$.x[*]").select(doc, out, &miss));
  CHECK(out == Json::array());
  CHECK(jp::Path::parse("$.a.s[*]").select(doc, out, &miss));
  CHECK(out == Json::array());
}

// ---- evaluation --------------------------------------------------------------------------------

TEST_CASE("jsonpath: member names in dot and bracket notation", "[jsonpath]") {
  const Json doc = j(R"({"a b":1,"it's":2,"q\"uote":3,"":4,"delivery-partner":5,"Ж":{"中":6},"a":{"b":{"c":7}}})");
  CHECK(sel("$['a b']", doc) == 1);
  CHECK(sel("$[ 'a b' ]", doc) == 1);
  CHECK(sel("$[\"it's\"]", doc) == 2);
  CHECK(sel("$['q\"uote']", doc) == 3);
  CHECK(sel("$['']", doc) == 4);
  CHECK(sel("$.delivery-partner", doc) == 5);
  CHECK(sel("$.Ж.中", doc) == 6);
  CHECK(sel("$.a.b.c", doc) == 7);
  CHECK(sel("$['a']['b']['c']", doc) == 7);
  CHECK(sel("$.a['b'].c", doc) == 7);
  CHECK(sel("$.a.['b'].c", doc) == 7);  // `.[`: Jayway and AWS accept it (spec §5.3 `$.abc.['def ghi']`)
  CHECK(sel("$", doc) == doc);
  CHECK(sel("$.a.b", doc) == j(R"({"c":7})"));
}

TEST_CASE("jsonpath: indexes, unions and slices", "[jsonpath]") {
  const Json doc = j(R"({"a":[0,1,2,3,4,5],"o":{"x":1}})");
  CHECK(sel("$.a[0]", doc) == 0);
  CHECK(sel("$.a[-1]", doc) == 5);
  CHECK(sel("$.a[-6]", doc) == 0);
  CHECK(sel("$.a[ 2 ]", doc) == 2);
  CHECK(sel("$.a[0,1]", doc) == j("[0,1]"));
  CHECK(sel("$.a[4,0,-1,9]", doc) == j("[4,0,5]"));
  CHECK(sel("$.a[1,1]", doc) == j("[1,1]"));
  CHECK(sel("$.o[0,1]", doc) == Json::array());
  // Jayway's slices (no step)
  CHECK(sel("$.a[1:3]", doc) == j("[1,2]"));
  CHECK(sel("$.a[:2]", doc) == j("[0,1]"));
  CHECK(sel("$.a[4:]", doc) == j("[4,5]"));
  CHECK(sel("$.a[-2:]", doc) == j("[4,5]"));
  CHECK(sel("$.a[:-4]", doc) == j("[0,1]"));
  CHECK(sel("$.a[-3:-1]", doc) == j("[3,4]"));
  CHECK(sel("$.a[3:100]", doc) == j("[3,4,5]"));
  CHECK(sel("$.a[-100:]", doc) == doc["a"]);
  CHECK(sel("$.a[9:]", doc) == Json::array());
  CHECK(sel("$.a[3:3]", doc) == Json::array());
  CHECK(sel("$.a[1:-1]", doc) == Json::array());                 // Jayway quirk: a negative end is not normalized
  CHECK(sel("$.a[-2:3]", j(R"({"a":[0,1,2]})")) == j("[1,2,0,1,2]"));  // Jayway quirk: negative start wraps
  CHECK(sel("$.a[-1000000000:1]", j(R"({"a":[0,1,2]})")) == j("[0,1,2,0]"));
  // RFC 9535 slices when a step is given
  CHECK(sel("$.a[::2]", doc) == j("[0,2,4]"));
  CHECK(sel("$.a[1:5:2]", doc) == j("[1,3]"));
  CHECK(sel("$.a[::-1]", doc) == j("[5,4,3,2,1,0]"));
  CHECK(sel("$.a[-1:-4:-1]", doc) == j("[5,4,3]"));
  CHECK(sel("$.a[1:-1:1]", doc) == j("[1,2,3,4]"));
  CHECK(sel("$.a[::7]", doc) == j("[0]"));
  CHECK(sel("$.o[0:1]", doc) == Json::array());
  CHECK(sel("$.a[1:3].x", doc) == Json::array());
}

TEST_CASE("jsonpath: wildcards over objects and arrays", "[jsonpath]") {
  const Json doc = j(R"({"o":{"x":1,"y":{"z":2},"n":null},"a":[{"v":1},{"w":2},{"v":3}],"s":"str"})");
  CHECK(sel("$.o.*", doc) == j(R"([1,{"z":2},null])"));
  CHECK(sel("$.o[*]", doc) == j(R"([1,{"z":2},null])"));
  CHECK(sel("$.a[*].v", doc) == j("[1,3]"));
  CHECK(sel("$.a.*.v", doc) == j("[1,3]"));
  CHECK(sel("$.s[*]", doc) == Json::array());
  CHECK(sel("$.*.z", doc) == Json::array());
  CHECK(sel("$.*.y.z", doc) == j("[2]"));
  CHECK(sel("$[*]", j("[]")) == Json::array());
}

TEST_CASE("jsonpath: multi-member brackets merge at the leaf (Jayway)", "[jsonpath]") {
  const Json doc = j(R"({"a":1,"b":2,"c":3,"o":{"a":{"x":1},"b":{"x":2}}})");
  CHECK(sel("$['a','b']", doc) == j(R"({"a":1,"b":2})"));
  CHECK(sel("$['a','zz']", doc) == j(R"({"a":1})"));
  CHECK(sel("$['o']['b','a']", doc) == j(R"({"b":{"x":2},"a":{"x":1}})"));
  CHECK(sel("$.o['a','b'].x", doc) == j("[1,2]"));  // not the leaf: iterates
  CHECK(sel("$[*]['a','b']", j(R"([{"a":1},{"b":2,"c":3},5])")) == j(R"([{"a":1},{"b":2}])"));
  CHECK(miss_of("$.x['a','b']", doc) == "Missing property in path $['x']");
  CHECK(miss_of("$.a['a','b']", doc) ==
        "Expected to find an object with property ['a','b'] in path $['a'] but found 'java.lang.Integer'. "
        "This is not a json object according to the JsonProvider: "
        "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.");
}

TEST_CASE("jsonpath: deep scan follows Jayway's walk order", "[jsonpath]") {
  const Json doc = j(R"({"a":{"b":1},"c":[{"b":2},{"b":{"b":3}}],"b":0})");
  CHECK(sel("$..b", doc) == j(R"([0,1,2,{"b":3},3])"));  // a node's own match first, then its children
  CHECK(sel("$..['b']", doc) == j(R"([0,1,2,{"b":3},3])"));
  CHECK(sel("$..*", j(R"({"a":{"b":1},"c":2})")) == j(R"([{"b":1},2,1])"));
  CHECK(sel("$..[0]", j(R"({"a":[[1,2],[3]],"b":[4]})")) == j("[[1,2],1,3,4]"));
  CHECK(sel("$..[1:]", j(R"({"a":[[1,2],[3]]})")) == j("[[3],2]"));
  // Jayway applies what follows `..[i]` to every element of each array it meets
  CHECK(sel("$..[0].x", j(R"({"a":[{"x":1},{"x":2}]})")) == j("[1,2]"));
  CHECK(sel("$..[?(@.price > 10)].t", j(R"({"s":[{"price":5,"t":"a"},{"price":20,"t":"b"}],"price":30,"t":"root"})")) ==
        j(R"(["root","b"])"));
  CHECK(sel("$..book.length()", j(R"({"store":{"book":[1,2,3,4]}})")) == 1);
  CHECK(sel("$..book", j(R"({"store":{"book":[1,2,3,4]}})")) == j("[[1,2,3,4]]"));
  CHECK(sel("$..x", j("5")) == Json::array());
  CHECK(sel("$.a..c", doc) == Json::array());

  // An iterative walk: a very deep document does not exhaust the stack.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += R"({"a":)";
  deep += R"({"x":7})" + std::string(100000, '}');
  const Json deep_doc = Json::parse(deep);
  CHECK(sel("$..x", deep_doc) == j("[7]"));
  CHECK(sel("$..a.x", deep_doc) == j("[7]"));
}

TEST_CASE("jsonpath: filter comparisons", "[jsonpath]") {
  const char* nums = R"([{"n":1},{"n":2.0},{"n":3},{"n":"2"},{"x":2},{"n":null},{"n":true}])";
  CHECK(filter("@.n == 2", nums) == j(R"([{"n":2.0},{"n":"2"}])"));  // 1 == 1.0; Jayway: '2' == 2
  CHECK(filter("@.n == 2.0", nums) == j(R"([{"n":2.0}])"));         // '2' is not the text "2.0"
  CHECK(filter("@.n != 2", nums) == j(R"([{"n":1},{"n":3},{"x":2},{"n":null},{"n":true}])"));
  CHECK(filter("@.n < 2", nums) == j(R"([{"n":1}])"));
  CHECK(filter("@.n <= 2", nums) == j(R"([{"n":1},{"n":2.0}])"));
  CHECK(filter("@.n > 2", nums) == j(R"([{"n":3}])"));
  CHECK(filter("@.n >= 2", nums) == j(R"([{"n":2.0},{"n":3}])"));
  CHECK(filter("@.n == null", nums) == j(R"([{"n":null}])"));
  CHECK(filter("@.n == true", nums) == j(R"([{"n":true}])"));
  CHECK(filter("@.n === 2", nums) == j(R"([{"n":2.0}])"));
  CHECK(filter("@.n !== 2", nums).size() == 6);
  CHECK(filter("2 == @.n", nums) == j(R"([{"n":2.0},{"n":"2"}])"));
  CHECK(filter("@.n==3", nums) == j(R"([{"n":3}])"));
  CHECK(filter("@.n < -1", nums) == Json::array());
  CHECK(filter("@.n > -1.5e0", nums) == j(R"([{"n":1},{"n":2.0},{"n":3}])"));

  const char* strs = R"([{"s":"abc"},{"s":"abd"},{"s":"b"},{"s":"\uE000"},{"s":"\uD83D\uDE00"},{"s":1}])";
  CHECK(filter("@.s == 'abc'", strs) == j(R"([{"s":"abc"}])"));
  CHECK(filter("@.s == \"abc\"", strs) == j(R"([{"s":"abc"}])"));
  CHECK(filter("@.s < 'abd'", strs) == j(R"([{"s":"abc"}])"));
  CHECK(filter("@.s >= 'b'", strs) == j(R"([{"s":"b"},{"s":"\uE000"},{"s":"\uD83D\uDE00"}])"));
  // Java compares UTF-16 code units: U+1F600 (a surrogate pair) sorts before U+E000
  CHECK(filter("@.s > '\\uD83D\\uDE00'", strs) == j(R"([{"s":"\uE000"}])"));
  CHECK(filter("@.s < 1", strs) == Json::array());  // different types never order
  CHECK(filter("@.s == 'it\\'s'", R"([{"s":"it's"},{"s":"it"}])") == j(R"([{"s":"it's"}])"));
  CHECK(filter("@.s == 'a\\nb'", R"([{"s":"a\nb"},{"s":"ab"}])") == j(R"([{"s":"a\nb"}])"));
  CHECK(filter("@.o == {'k': [1, 2.0]}", R"([{"o":{"k":[1,2]}},{"o":{"k":[1]}}])") == j(R"([{"o":{"k":[1,2]}}])"));
  CHECK(filter("@.o == [1,'x']", R"([{"o":[1,"x"]},{"o":[1]}])") == j(R"([{"o":[1,"x"]}])"));
  // `$` in a filter is the document root
  CHECK(sel("$.a[?(@.n > $.min)]", j(R"({"min":1,"a":[{"n":1},{"n":2}]})")) == j(R"([{"n":2}])"));
  CHECK(sel("$.a[?(@.n == $.missing)]", j(R"({"a":[{"n":1}]})")) == Json::array());
  CHECK(sel("$.a[?(@ > 1)]", j(R"({"a":[1,2,3]})")) == j("[2,3]"));
  CHECK(sel("$.a[?(@[0] == 'x')]", j(R"({"a":[["x"],["y"]]})")) == j(R"([["x"]])"));
  CHECK(sel("$.a[?(@['odd key'] == 1)]", j(R"({"a":[{"odd key":1}]})")) == j(R"([{"odd key":1}])"));
}

TEST_CASE("jsonpath: bare words in filters are strings (AWS accepts them; Jayway 2.0)", "[jsonpath]") {
  // Deployed definitions write `[?(@.lang==es)]` and rely on it matching the string "es".
  const char* langs = R"([{"lang":"es","t":1},{"lang":"fr","t":2},{"lang":"es ","t":3},{"lang":1,"t":4}])";
  CHECK(filter("@.lang==es", langs) == j(R"([{"lang":"es","t":1}])"));
  CHECK(filter("@.lang == es", langs) == j(R"([{"lang":"es","t":1}])"));  // outer blanks trimmed
  CHECK(filter("@.lang == es ", langs) == j(R"([{"lang":"es","t":1}])"));
  CHECK(filter("@.lang != es", langs).size() == 3);
  CHECK(filter("@.lang == es || @.lang == fr", langs).size() == 2);   // ends at ||
  CHECK(filter("@.lang == es && @.t == 1", langs).size() == 1);       // ends at &&
  CHECK(filter("(@.lang == fr) || (@.t == 3)", langs).size() == 2);   // ends at )
  CHECK(filter("@.lang > fr", langs) == Json::array());               // ordered like 'fr'
  CHECK(filter("@.lang < fr", langs).size() == 2);
  // Inner blanks and any other character stay part of the word, up to `)`, `&&` or `||`.
  CHECK(filter("@.c == New York", R"([{"c":"New York"},{"c":"New"}])") == j(R"([{"c":"New York"}])"));
  CHECK(filter("@.c == a-b_c.d:e/f", R"([{"c":"a-b_c.d:e/f"}])").size() == 1);
  CHECK(filter("@.c == AMOUNT_PAID", R"([{"c":"AMOUNT_PAID"},{"c":"amount_paid"}])").size() == 1);
  CHECK(filter("@.c == caf\u00e9", R"([{"c":"caf\u00e9"},{"c":"caf\u00c3\u00a9"}])").size() == 1);
  // Tokens that start like a number but go on are words; whole numbers stay numbers.
  CHECK(filter("@.v == 2xx", R"([{"v":"2xx"},{"v":2}])") == j(R"([{"v":"2xx"}])"));
  CHECK(filter("@.v == 1.5.2", R"([{"v":"1.5.2"},{"v":1.5}])") == j(R"([{"v":"1.5.2"}])"));
  CHECK(filter("@.v == 2021-01-01", R"([{"v":"2021-01-01"}])").size() == 1);
  CHECK(filter("@.v == -x", R"([{"v":"-x"}])").size() == 1);
  CHECK(filter("@.v == 2", R"([{"v":"2xx"},{"v":2}])") == j(R"([{"v":2}])"));
  // A word never equals a number (no numeric text), but a word made of digits is a number.
  CHECK(filter("@.v == abc", R"([{"v":1},{"v":true},{"v":null}])") == Json::array());
  // true / false / null keep their literal meaning; longer words are strings.
  CHECK(filter("@.v == true", R"([{"v":true},{"v":"true"}])") == j(R"([{"v":true}])"));
  CHECK(filter("@.v == null", R"([{"v":null},{"v":"null"}])") == j(R"([{"v":null}])"));
  CHECK(filter("@.v == nullable", R"([{"v":null},{"v":"nullable"}])") == j(R"([{"v":"nullable"}])"));
  CHECK(filter("@.v == True", R"([{"v":true},{"v":"True"}])") == j(R"([{"v":"True"}])"));
  // On the left a word ends at a blank or an operator character.
  CHECK(filter("es == @.lang", langs) == j(R"([{"lang":"es","t":1}])"));
  CHECK(filter("es==@.lang", langs) == j(R"([{"lang":"es","t":1}])"));
  // After a word operator, too.
  CHECK(filter("@.tags contains red", R"([{"tags":["red"]},{"tags":["blue"]}])").size() == 1);
  // The paths from deployed definitions.
  CHECK(sel("$..results[?(@.status==Failure)].id",
            j(R"({"x":{"results":[{"status":"Failure","id":1},{"status":"Success","id":2}]}})")) == j("[1]"));
  CHECK(sel("$.Fields[?(@.Type.Text==AMOUNT_PAID)].Value",
            j(R"({"Fields":[{"Type":{"Text":"AMOUNT_PAID"},"Value":9},{"Type":{"Text":"TAX"},"Value":1}]})")) ==
        j("[9]"));
  // Still refused: a word alone, and an empty operand.
  CHECK(syntax_error("$.a[?(es)]") == "Invalid JSONPath '$.a[?(es)]': expected a comparison operator at offset 8");
  CHECK_FALSE(syntax_error("$.a[?(@.b == )]").empty());
}

TEST_CASE("jsonpath: filter existence, logic and parentheses", "[jsonpath]") {
  const char* books = R"([{"t":"a","isbn":"1","p":8},{"t":"b","p":12},{"t":"c","isbn":null,"p":30}])";
  CHECK(filter("@.isbn", books) == j(R"([{"t":"a","isbn":"1","p":8},{"t":"c","isbn":null,"p":30}])"));
  CHECK(filter("!@.isbn", books) == j(R"([{"t":"b","p":12}])"));
  CHECK(filter("@.isbn && @.p > 10", books) == j(R"([{"t":"c","isbn":null,"p":30}])"));
  CHECK(filter("@.p < 10 || @.p > 20", books).size() == 2);
  CHECK(filter("@.p > 10 && @.p < 20 || @.t == 'a'", books).size() == 2);  // && binds tighter
  CHECK(filter("@.p > 10 && (@.p < 20 || @.t == 'a')", books) == j(R"([{"t":"b","p":12}])"));
  CHECK(filter("!(@.p > 10)", books) == j(R"([{"t":"a","isbn":"1","p":8}])"));
  CHECK(filter("!(@.p > 10) || !(@.t != 'c')", books).size() == 2);
  CHECK(filter("(@.t == 'b')", books).size() == 1);
  CHECK(filter("@.nested.deep", R"([{"nested":{"deep":0}},{"nested":{}}])").size() == 1);
  CHECK(filter("@.tags[*]", R"([{"tags":[1]},{"tags":[]},{"x":1}])") == j(R"([{"tags":[1]}])"));
  CHECK(filter("@.a[?(@ > 1)]", R"([{"a":[1,2]},{"a":[0]}])") == j(R"([{"a":[1,2]}])"));
  // a filter on an object tests the object itself (Jayway)
  CHECK(sel("$.o[?(@.k == 1)]", j(R"({"o":{"k":1}})")) == j(R"([{"k":1}])"));
  CHECK(sel("$.o[?(@.k == 2)]", j(R"({"o":{"k":1}})")) == Json::array());
  CHECK(sel("$.s[?(@.k == 2)]", j(R"({"s":"x"})")) == Json::array());
}

TEST_CASE("jsonpath: filter operators in, nin, subsetof, anyof, noneof, contains, size, empty", "[jsonpath]") {
  const char* rows = R"([{"v":"a","l":["a","b"]},{"v":2,"l":[1,2,3]},{"v":"z","l":[]},{"l":"str"},{"v":"a b","l":{}}])";
  CHECK(filter("@.v in ['a', 2]", rows) == j(R"([{"v":"a","l":["a","b"]},{"v":2,"l":[1,2,3]}])"));
  CHECK(filter("@.v in [\"z\"]", rows).size() == 1);
  CHECK(filter("@.v in ['2.0']", rows) == j(R"([{"v":2,"l":[1,2,3]}])"));  // Jayway's number/string equality
  CHECK(filter("@.v nin ['a', 2]", rows).size() == 3);                      // a missing v is "not in"
  CHECK(filter("@.v in 'a'", rows) == Json::array());                      // not a list: false
  CHECK(filter("@.l subsetof ['a','b','c']", rows) == j(R"([{"v":"a","l":["a","b"]},{"v":"z","l":[]}])"));
  CHECK(filter("@.l anyof [3, 'x']", rows) == j(R"([{"v":2,"l":[1,2,3]}])"));
  CHECK(filter("@.l noneof [3, 'a']", rows) == j(R"([{"v":"z","l":[]}])"));
  CHECK(filter("@.l contains 'b'", rows) == j(R"([{"v":"a","l":["a","b"]}])"));
  CHECK(filter("@.l contains 't'", rows) == j(R"([{"l":"str"}])"));
  CHECK(filter("@.l size 3", rows) == j(R"([{"v":2,"l":[1,2,3]},{"l":"str"}])"));
  CHECK(filter("@.l size 0", rows) == j(R"([{"v":"z","l":[]}])"));  // objects have no size in Jayway
  CHECK(filter("@.l empty true", rows) == j(R"([{"v":"z","l":[]},{"v":"a b","l":{}}])"));
  CHECK(filter("@.l empty false", rows).size() == 3);
  CHECK(filter("@.v empty true", rows) == Json::array());
  CHECK(filter("@.v in $.allowed", rows) == Json::array());  // $ is the filter's document: no `allowed`
  CHECK(sel("$.a[?(@.v in $.allowed)]", j(R"({"allowed":["x"],"a":[{"v":"x"},{"v":"y"}]})")) ==
        j(R"([{"v":"x"}])"));
}

TEST_CASE("jsonpath: regex filters", "[jsonpath]") {
  const char* names = R"([{"n":"Alice"},{"n":"alice"},{"n":"Bob"},{"n":12},{"n":true},{"n":["x","Al"]},{}])";
  CHECK(filter("@.n =~ /Al.*/", names) == j(R"([{"n":"Alice"},{"n":["x","Al"]}])"));
  CHECK(filter("@.n =~ /al.*/i", names) == j(R"([{"n":"Alice"},{"n":"alice"},{"n":["x","Al"]}])"));
  CHECK(filter("@.n =~ /li/", names) == Json::array());  // whole-string match, like Java's matches()
  CHECK(filter("@.n =~ /1\\d/", names) == j(R"([{"n":12}])"));
  CHECK(filter("@.n =~ /tru./", names) == j(R"([{"n":true}])"));
  CHECK(filter("@.n =~ /a\\/b/", R"([{"n":"a/b"}])").size() == 1);
  CHECK(filter("@.n =~ 'Alice'", names) == Json::array());  // needs a /regex/
}

TEST_CASE("jsonpath: function tails", "[jsonpath]") {
  const Json doc = j(R"({"a":[3,1,"x",2],"o":{"k":1,"l":2},"s":"h\u00e9\ud83d\ude00","n":5,"e":[]})");
  CHECK(sel("$.a.length()", doc) == 4);
  CHECK(sel("$.o.size()", doc) == 2);
  CHECK(sel("$.s.length()", doc) == 4);  // UTF-16 code units
  CHECK(sel("$.n.length()", doc).is_null());
  CHECK(sel("$.a.min()", doc) == 1.0);
  CHECK(sel("$.a.max()", doc) == 3.0);
  CHECK(sel("$.a.sum()", doc) == 6.0);
  CHECK(sel("$.a.avg()", doc) == 2.0);
  CHECK(sel("$.a.sum()", doc).is_number_float());
  CHECK(sel("$.o.keys()", doc) == j(R"(["k","l"])"));
  CHECK(sel("$.a[*].length()", doc) == 4);  // applied to the array of matches
  CHECK(sel("$.a[0:2].sum()", doc) == 4.0);
  CHECK(std::abs(sel("$.a.stddev()", doc).get<double>() - 0.816496580927726) < 1e-12);
  CHECK(miss_of("$.e.sum()", doc) == "Aggregation function attempted to calculate value using empty array");
  CHECK(miss_of("$.x.length()", doc) == "Missing property in path $['x']");
  CHECK(filter("@.length() > 1", R"([[1,2],[1]])") == j("[[1,2]]"));
  CHECK(filter("@.t.length() == 2", R"([{"t":"ab"},{"t":"abc"}])") == j(R"([{"t":"ab"}])"));
}

// ---- find / select / assign contracts ----------------------------------------------------------

TEST_CASE("jsonpath: find points into the document", "[jsonpath]") {
  Json doc = j(R"({"a":{"b":[10,20]}})");
  const jp::Path p = jp::Path::parse("$.a.b[1]");
  const Json& cdoc = doc;
  const Json* c = p.find(cdoc);
  REQUIRE(c != nullptr);
  CHECK(c == &doc["a"]["b"][1]);
  Json* m = p.find(doc);
  REQUIRE(m != nullptr);
  *m = 21;
  CHECK(doc == j(R"({"a":{"b":[10,21]}})"));
  CHECK(jp::Path::parse("$").find(doc) == &doc);
  CHECK(jp::Path::parse("$.a.b[-2]").find(doc) == &doc["a"]["b"][0]);
  CHECK(jp::Path::parse("$.a.c").find(doc) == nullptr);  // miss pointer is optional
}

TEST_CASE("jsonpath: select from an owned document moves the node, no copy", "[jsonpath]") {
  Json doc = j(R"({"keep":1,"big":{"list":[1,2,3],"text":"a fairly long string that lives on the heap"}})");
  const Json::array_t* list = doc["big"]["list"].get_ptr<const Json::array_t*>();
  const char* text = doc["big"]["text"].get_ref<const std::string&>().data();
  const Json* big = &doc["big"];
  Json out;
  std::string miss;
  REQUIRE(jp::Path::parse("$.big").select(std::move(doc), out, &miss));
  // The node's storage changed hands: same array and string buffers, no deep copy.
  CHECK(out["list"].get_ptr<const Json::array_t*>() == list);
  CHECK(out["text"].get_ref<const std::string&>().data() == text);
  // Documented: the moved-from node inside the consumed root is left null, the rest untouched.
  CHECK(big->is_null());
  CHECK(doc == j(R"({"keep":1,"big":null})"));  // NOLINT(bugprone-use-after-move): inspecting on purpose

  // The destination may be the root itself (OutputPath on the engine's own document).
  Json self = j(R"({"a":{"b":[1,2]}})");
  const Json::array_t* arr = self["a"]["b"].get_ptr<const Json::array_t*>();
  REQUIRE(jp::Path::parse("$.a.b").select(std::move(self), self));
  CHECK(self == j("[1,2]"));
  CHECK(self.get_ptr<const Json::array_t*>() == arr);
  Json whole = j(R"({"x":1})");
  REQUIRE(jp::Path::parse("$").select(std::move(whole), out));
  CHECK(out == j(R"({"x":1})"));

  // Misses leave the document alone; indefinite paths copy.
  Json kept = j(R"({"a":[1,2]})");
  CHECK_FALSE(jp::Path::parse("$.b").select(std::move(kept), out, &miss));
  CHECK(miss == "No results for path: $['b']");
  CHECK(kept == j(R"({"a":[1,2]})"));  // NOLINT(bugprone-use-after-move)
  REQUIRE(jp::Path::parse("$.a[*]").select(std::move(kept), out));
  CHECK(out == j("[1,2]"));
  CHECK(kept == j(R"({"a":[1,2]})"));  // NOLINT(bugprone-use-after-move)
}

TEST_CASE("jsonpath: select copies and tolerates aliasing", "[jsonpath]") {
  Json doc = j(R"({"a":{"b":[1,2]}})");
  Json out;
  REQUIRE(jp::Path::parse("$.a").select(doc, out));
  CHECK(out == j(R"({"b":[1,2]})"));
  CHECK(doc == j(R"({"a":{"b":[1,2]}})"));
  REQUIRE(jp::Path::parse("$.a.b").select(doc, doc));  // out aliases root
  CHECK(doc == j("[1,2]"));
  Json doc2 = j(R"({"a":[{"b":1},{"b":2}]})");
  REQUIRE(jp::Path::parse("$.a[*].b").select(doc2, doc2));
  CHECK(doc2 == j("[1,2]"));
}

TEST_CASE("jsonpath: assign implements ResultPath (spec §4.4)", "[jsonpath]") {
  // spec examples
  Json doc = j(R"({"master":{"detail":[1,2,3]}})");
  REQUIRE(jp::Path::parse("$.master.detail").assign(doc, 6));
  CHECK(doc == j(R"({"master":{"detail":6}})"));
  doc = j(R"({"master":{"detail":[1,2,3]}})");
  REQUIRE(jp::Path::parse("$.master.result.sum").assign(doc, 6));
  CHECK(doc == j(R"({"master":{"detail":[1,2,3],"result":{"sum":6}}})"));
  CHECK(doc.dump() == R"({"master":{"detail":[1,2,3],"result":{"sum":6}}})");  // appended, order kept
  // "$" replaces the root, whatever it was
  Json s = "foo";
  REQUIRE(jp::Path::parse("$").assign(s, j(R"({"r":1})")));
  CHECK(s == j(R"({"r":1})"));
  // overwrite keeps the key's position
  doc = j(R"({"a":1,"b":2,"c":3})");
  REQUIRE(jp::Path::parse("$.b").assign(doc, "x"));
  CHECK(doc.dump() == R"({"a":1,"b":"x","c":3})");
  // indexes into existing arrays, negative too
  doc = j(R"({"a":[{"x":1},{"x":2}]})");
  REQUIRE(jp::Path::parse("$.a[1].y").assign(doc, true));
  REQUIRE(jp::Path::parse("$.a[-2]").assign(doc, 0));
  CHECK(doc == j(R"({"a":[0,{"x":2,"y":true}]})"));
  REQUIRE(jp::Path::parse("$['odd key']['n']").assign(doc, nullptr));
  CHECK(doc["odd key"] == j(R"({"n":null})"));

  // failures leave the document untouched -> caller raises States.ResultPathMatchFailure
  auto refuses = [](const char* path, const char* text) {
    Json d = Json::parse(text);
    const Json before = d;
    INFO(path << " on " << text);
    CHECK_FALSE(jp::Path::parse(path).assign(d, 42));
    CHECK(d == before);
  };
  refuses("$.x", R"("foo")");              // spec: raw input "foo", ResultPath $.x
  refuses("$.x", "[1,2]");
  refuses("$.x", "null");
  refuses("$.a.b", R"({"a":5})");
  refuses("$.a.b", R"({"a":null})");
  refuses("$.a.b.c", R"({"a":{"b":"s"}})");
  refuses("$.a[2]", R"({"a":[1,2]})");     // out of range
  refuses("$.a[-3]", R"({"a":[1,2]})");
  refuses("$.a[0]", R"({"a":{"0":1}})");   // index into an object
  refuses("$.a[0]", R"({})");              // cannot create an array
  refuses("$.n.m[0]", R"({})");            // would create objects, then needs an array
  refuses("$.a[*]", R"({"a":[1]})");       // not definite
  refuses("$..a", R"({"a":1})");
  refuses("$.a.length()", R"({"a":[1]})");
  refuses("$$.a", R"({})");                // the context object is read-only
  refuses("$var.a", R"({})");              // variables are not ResultPath targets
}

TEST_CASE("jsonpath: paths can be copied and reused", "[jsonpath]") {
  const jp::Path original = jp::Path::parse("$.a[?(@.n > 1)].n");
  const jp::Path copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  jp::Path moved = jp::Path::parse("$.x");
  moved = copy;
  const Json doc = j(R"({"a":[{"n":1},{"n":2},{"n":3}]})");
  CHECK(sel("$.a[?(@.n > 1)].n", doc) == j("[2,3]"));
  Json a;
  Json b;
  REQUIRE(copy.select(doc, a));
  REQUIRE(moved.select(doc, b));
  CHECK(a == j("[2,3]"));
  CHECK(b == a);
  CHECK(moved.text() == "$.a[?(@.n > 1)].n");
}
