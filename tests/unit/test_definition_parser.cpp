// Unit tests of asl::detail::parse_definition_text: malformed, hostile and valid definition text.
// SPDX-License-Identifier: MIT
#include <chrono>
#include <string>
#include <vector>

#include "asl/detail/load/definition_parser.hpp"
#include "support/catch.hpp"

namespace {

using asl::Diagnostic;
using asl::Json;
using asl::detail::parse_definition_text;
using asl::detail::ParseLimits;

struct Parsed {
  std::optional<Json> doc;
  std::vector<Diagnostic> diags;
};

Parsed parse(std::string_view text, const ParseLimits& limits = {}) {
  Parsed p;
  p.doc = parse_definition_text(text, p.diags, limits);
  return p;
}

}  // namespace

TEST_CASE("a valid definition parses and keeps key order", "[parser]") {
  const auto p = parse(R"({"StartAt":"B","States":{"B":{"Type":"Pass","End":true},"A":{"Type":"Succeed"}}})");
  REQUIRE(p.diags.empty());
  REQUIRE(p.doc);
  REQUIRE(p.doc->at("StartAt") == "B");
  auto it = p.doc->at("States").begin();
  REQUIRE(it.key() == "B");
  ++it;
  REQUIRE(it.key() == "A");
}

TEST_CASE("diagnostics are appended, not replacing what was there", "[parser]") {
  std::vector<Diagnostic> diags{Diagnostic{"x", "", "earlier", ""}};
  REQUIRE_FALSE(parse_definition_text("[", diags));
  REQUIRE(diags.size() == 2);
  REQUIRE(diags[0].id == "x");
}

TEST_CASE("malformed JSON reports line and column (asl.definition.001)", "[parser]") {
  SECTION("trailing comma") {
    const auto p = parse("{\n  \"StartAt\": \"A\",\n}");
    REQUIRE_FALSE(p.doc);
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].to_string() ==
            "[asl.definition.001] /: malformed JSON at line 3, column 1: syntax error while parsing object key - "
            "unexpected '}'; expected string literal");
    REQUIRE(p.diags[0].aws_code == "INVALID_JSON_DESCRIPTION");
  }
  SECTION("AWS case NOT_A_DEF: bare words") {
    const auto p = parse("not a definition");
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].to_string() ==
            "[asl.definition.001] /: malformed JSON at line 1, column 2: syntax error while parsing value - invalid "
            "literal; last read: 'no'");
  }
  SECTION("unterminated") {
    const auto p = parse(R"({"StartAt": "A", "States": {)");
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].id == "asl.definition.001");
  }
  SECTION("columns count characters, not bytes") {
    const auto p = parse("{\"\xC3\xA9t\xC3\xA9\": x}");
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].message.rfind("malformed JSON at line 1, column 9:", 0) == 0);
  }
  SECTION("text after the document") {
    const auto p = parse(R"({"StartAt":"A","States":{}} {})");
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].id == "asl.definition.001");
  }
  SECTION("comments are not JSON") {
    const auto p = parse("{ // comment\n}");
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].id == "asl.definition.001");
  }
}

TEST_CASE("non-object definitions (asl.definition.002)", "[parser]") {
  SECTION("AWS case EMPTY_STRING: blank text") {
    const auto p = parse(" ");
    REQUIRE_FALSE(p.doc);
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].to_string() ==
            "[asl.definition.002] /: Definition must be a valid JSON object: the text is empty");
    REQUIRE(p.diags[0].aws_code == "SCHEMA_VALIDATION_FAILED");
  }
  SECTION("empty text") { REQUIRE(parse("").diags.at(0).id == "asl.definition.002"); }
  SECTION("an array") {
    const auto p = parse("[1, 2]");
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].to_string() ==
            "[asl.definition.002] /: Definition must be a valid JSON object, got an array: a state machine is an "
            "object with \"StartAt\" and \"States\"");
  }
  SECTION("a string, a number, null") {
    REQUIRE(parse("\"x\"").diags.at(0).message.find("got a string") != std::string::npos);
    REQUIRE(parse("42").diags.at(0).message.find("got a number") != std::string::npos);
    REQUIRE(parse("null").diags.at(0).message.find("got null:") != std::string::npos);
  }
}

TEST_CASE("duplicate keys are found while parsing (asl.definition.003)", "[parser]") {
  SECTION("duplicate state names in one States object") {
    const auto p = parse(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"A":{"Type":"Succeed"}}})");
    REQUIRE_FALSE(p.doc);
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].to_string() ==
            "[asl.definition.003] /States/A: duplicate key \"A\" in one JSON object: each field (and each state "
            "name) may appear only once; a second copy would silently replace the first");
  }
  SECTION("every duplicate is reported, with escaped pointers, in arrays and nested objects") {
    const auto p = parse(R"({"a/b":[{"x":1,"x":2}],"a/b":{"~":{"k":1,"k":{"k":1,"k":2}}}})");
    REQUIRE(p.diags.size() == 4);
    REQUIRE(p.diags[0].pointer == "/a~1b/0/x");
    REQUIRE(p.diags[1].pointer == "/a~1b");
    REQUIRE(p.diags[2].pointer == "/a~1b/~0/k");
    REQUIRE(p.diags[3].pointer == "/a~1b/~0/k/k");  // inside the discarded duplicate value
  }
  SECTION("same key in sibling objects is fine") {
    const auto p = parse(R"({"a":{"k":1},"b":{"k":1},"c":[{"k":1},{"k":2}]})");
    REQUIRE(p.diags.empty());
    REQUIRE(p.doc);
  }
}

TEST_CASE("nesting depth is limited without recursion (asl.definition.004)", "[parser]") {
  SECTION("100k nested [ does not overflow the stack") {
    const std::string text(100000, '[');
    const auto p = parse(text);
    REQUIRE_FALSE(p.doc);
    REQUIRE(p.diags.size() == 1);
    std::string pointer;
    for (int i = 0; i < 512; ++i) pointer += "/0";  // where the 513th '[' would open
    REQUIRE(p.diags[0].pointer == pointer);
    // Printed, the 1,024-character pointer is shortened in its middle (detail::display_pointer).
    REQUIRE(p.diags[0].to_string() ==
            "[asl.definition.004] /0/0/0/0/0/\xE2\x80\xA6/0/0: JSON nesting is deeper than the limit of 512 levels "
            "(LoadOptions::max_depth); a state machine definition never needs this much nesting");
    REQUIRE(p.diags[0].aws_code == "INVALID_JSON_DESCRIPTION");
  }
  SECTION("exactly at the limit is accepted, one more is refused") {
    auto nested = [](std::size_t depth) {
      std::string s = "{\"a\":";
      for (std::size_t i = 1; i < depth; ++i) s += "[";
      s += "1";
      for (std::size_t i = 1; i < depth; ++i) s += "]";
      return s + "}";
    };
    REQUIRE(parse(nested(512)).diags.empty());
    const auto p = parse(nested(513));
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].id == "asl.definition.004");
  }
  SECTION("the limit is configurable") {
    const auto p = parse(R"({"a":{"b":{"c":{}}}})", ParseLimits{3});
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].pointer == "/a/b/c");
    REQUIRE(p.diags[0].message.find("limit of 3 levels") != std::string::npos);
    REQUIRE(parse(R"({"a":{"b":{"c":{}}}})", ParseLimits{4}).diags.empty());
  }
  SECTION("deeply nested objects too") {
    std::string text;
    for (int i = 0; i < 100000; ++i) text += "{\"a\":";
    const auto p = parse(text);
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].id == "asl.definition.004");
  }
}

TEST_CASE("invalid UTF-8 is refused with its position (asl.definition.005)", "[parser]") {
  SECTION("a stray byte inside a string") {
    const auto p = parse("{\n  \"Comment\": \"caf\xE9\"\n}");
    REQUIRE_FALSE(p.doc);
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].to_string() ==
            "[asl.definition.005] /: invalid UTF-8 at line 2, column 18 (byte offset 19, byte 0xE9): JSON text must "
            "be valid UTF-8");
    REQUIRE(p.diags[0].aws_code == "INVALID_JSON_DESCRIPTION");
  }
  SECTION("overlong encodings, surrogates, code points above U+10FFFF, truncated sequences") {
    for (const char* bad : {"{\"a\":\"\xC0\xAF\"}", "{\"a\":\"\xE0\x80\xAF\"}", "{\"a\":\"\xED\xA0\x80\"}",
                            "{\"a\":\"\xF4\x90\x80\x80\"}", "{\"a\":\"\xF0\x9F\x98\"}", "{\"a\":\"\xFF\"}", "\xE2\x82"}) {
      const auto p = parse(bad);
      REQUIRE(p.diags.size() == 1);
      REQUIRE(p.diags[0].id == "asl.definition.005");
    }
  }
  SECTION("valid multi-byte text is fine") {
    const auto p = parse("{\"\xE2\x82\xAC\":\"\xF0\x9F\x98\x80 \xD0\x96\xE4\xB8\xAD\"}");
    REQUIRE(p.diags.empty());
    REQUIRE(p.doc);
  }
  SECTION("escaped lone surrogates are a JSON error") {
    const auto p = parse(R"({"a":"\ud800"})");
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].id == "asl.definition.001");
  }
}

TEST_CASE("huge numbers", "[parser]") {
  SECTION("a double overflow is a JSON error") {
    const auto p = parse("{\"TimeoutSeconds\":\n  1e400}");
    REQUIRE(p.diags.size() == 1);
    REQUIRE(p.diags[0].to_string() ==
            "[asl.definition.001] /: malformed JSON at line 2, column 7: number overflow parsing '1e400'");
  }
  SECTION("integers beyond 64 bits parse as doubles (the validator then refuses them as out of range)") {
    const auto p = parse(R"({"a":123456789012345678901234567890,"b":-99999999999999999999,"c":1e308})");
    REQUIRE(p.diags.empty());
    REQUIRE(p.doc->at("a").is_number_float());
    REQUIRE(p.doc->at("b").is_number_float());
  }
  SECTION("64-bit extremes stay integers") {
    const auto p = parse(R"({"a":18446744073709551615,"b":-9223372036854775808})");
    REQUIRE(p.diags.empty());
    REQUIRE(p.doc->at("a").is_number_unsigned());
    REQUIRE(p.doc->at("b").is_number_integer());
  }
}

TEST_CASE("large flat documents parse in linear time", "[parser]") {
  std::string text = "{";
  for (int i = 0; i < 200000; ++i) {
    if (i) text += ',';
    text += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
  }
  text += "}";
  const auto start = std::chrono::steady_clock::now();
  const auto p = parse(text);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(p.diags.empty());
  REQUIRE(p.doc->size() == 200000);
  REQUIRE(p.doc->at("k199999") == 199999);
  // ordered_map's own insert would be quadratic here (minutes); linear append takes well under a second.
  REQUIRE(elapsed < std::chrono::seconds(20));
}

TEST_CASE("a leading UTF-8 byte order mark is skipped", "[parser]") {
  const auto p = parse("\xEF\xBB\xBF{\"StartAt\":\"A\"}");
  REQUIRE(p.diags.empty());
  REQUIRE(p.doc->at("StartAt") == "A");
}
