// Regression tests for bugs found by the fuzz targets in tests/fuzz (each input also stays in tests/fuzz/corpus).
// SPDX-License-Identifier: MIT
#include <string>
#include <vector>

#include "asl/detail/definition_parser.hpp"
#include "asl/detail/intrinsics.hpp"
#include "asl/detail/jsonpath.hpp"

#include "support/catch.hpp"

namespace in = asl::detail::intrinsics;
namespace jp = asl::detail::jsonpath;
using asl::Json;

namespace {

/// The SyntaxError message for `path` ("" when it parses).
std::string syntax_error(const std::string& path) {
  try {
    (void)jp::Path::parse(path);
  } catch (const jp::SyntaxError& e) {
    return e.what();
  }
  return "";
}

/// True when `s` is well-formed UTF-8 (nlohmann's dump() throws otherwise).
bool valid_utf8(const std::string& s) {
  try {
    (void)Json(s).dump();
    return true;
  } catch (const Json::type_error&) {
    return false;
  }
}

}  // namespace

// fuzz_jsonpath: libstdc++'s std::regex reads `\<digits>` and `{<digits>}` into a long without an
// overflow check (UBSan: signed integer overflow in regex_compiler.tcc). Refused at parse now.
TEST_CASE("fuzz: regex back-reference or repetition count with a long digit run", "[fuzz][jsonpath]") {
  const std::string want = "number too large in /regex/";
  CHECK(syntax_error("$.items[?(@ =~ /a\\7777777777777777777777/)]").find(want) != std::string::npos);
  CHECK(syntax_error("$.items[?(@ =~ /a{7777777777777777777}/)]").find(want) != std::string::npos);
  CHECK(syntax_error("$.items[?(@ =~ /a{1,99999999999999999999}/)]").find(want) != std::string::npos);
  // Ordinary digits and counts still work.
  Json out;
  REQUIRE(jp::Path::parse("$[?(@ =~ /1234567890,12345678{1,3}a/)]").select(Json::array({"1234567890,123456788a", "x"}), out));
  CHECK(out == Json::array({"1234567890,123456788a"}));
}

// fuzz_jsonpath (timeout): std::regex's default backtracking matcher is exponential on nested
// quantifiers and recursed once per subject character (stack overflow on long strings). With
// libstdc++ filters now run on its polynomial matcher; back-references are refused instead.
TEST_CASE("fuzz: hostile regexes in filters end quickly", "[fuzz][jsonpath]") {
  Json out;
  const Json doc = Json::array({std::string(30, 'a'), std::string(200000, 'a') + "b", "two"});
  REQUIRE(jp::Path::parse("$[?(@ =~ /(a*)*c/)]").select(doc, out));
  CHECK(out == Json::array());
  REQUIRE(jp::Path::parse("$[?(@ =~ /(a|b)*/)]").select(doc, out));
  CHECK(out.size() == 2);
  REQUIRE(jp::Path::parse("$[?(@ =~ /.?????????????????????????????????????+e/i)]").select(doc, out));
  CHECK(out == Json::array());
#if defined(__GLIBCXX__)
  CHECK(syntax_error("$[?(@ =~ /(a)\\1/)]").find("back-references are not supported") != std::string::npos);
#endif
}

// fuzz_intrinsics: "unexpected character" quoted only the first byte of a multi-byte character,
// so the SyntaxError (and the definition diagnostic built from it) was not valid UTF-8.
TEST_CASE("fuzz: intrinsic syntax errors quote whole UTF-8 characters", "[fuzz][intrinsics]") {
  std::string message;
  try {
    (void)in::Expression::parse("States.StringToJson(\u0642\"text\")");
  } catch (const in::SyntaxError& e) {
    message = e.what();
  }
  CHECK(message.find("unexpected character '\u0642'") != std::string::npos);
  CHECK(valid_utf8(message));
}

// fuzz_definition: nlohmann's parse error quotes the bytes it last read ("last read: '\xDE'"),
// which can stop inside a multi-byte character; the asl.definition.001 message was then not
// valid UTF-8 (dumping it as JSON threw). The partial character is now written as <0xNN>.
TEST_CASE("fuzz: malformed-JSON diagnostics stay valid UTF-8", "[fuzz][definition]") {
  std::vector<asl::Diagnostic> diags;
  const std::string text = "{\"States\":{\"StartState\":{\"Type\":\xDE\xB4" "ass\",\"End\":true}}}";
  CHECK_FALSE(asl::detail::parse_definition_text(text, diags).has_value());
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].id == "asl.definition.001");
  CHECK(valid_utf8(diags[0].message));
  CHECK(diags[0].message.find("<0xDE>") != std::string::npos);
}
