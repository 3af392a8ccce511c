// Unit tests of the fast JSON reader: it accepts only what nlohmann accepts, with identical values.
// SPDX-License-Identifier: MIT
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "asl/detail/load/definition_parser.hpp"
#include "asl/detail/json/reader.hpp"
#include "asl/parse_json.hpp"
#include "support/catch.hpp"
#include "support/json_identical.hpp"

namespace {

using asl::Json;
using asl::detail::read_json_fast;
using asl::testing::identical;

/// The reader's contract against nlohmann's strict parser: whatever it accepts, nlohmann accepts
/// with an identical value. Returns whether the fast reader accepted.
bool agrees_with_nlohmann(const std::string& text) {
  const auto fast = read_json_fast(text);
  const Json slow = Json::parse(text, nullptr, false);
  if (fast) {
    INFO("text: " << text);
    REQUIRE_FALSE(slow.is_discarded());
    REQUIRE(identical(*fast, slow));
  }
  return fast.has_value();
}

/// Deterministic random documents, written with every escape and number form JSON allows.
class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  std::string document() {
    std::string out;
    exponent_ = false;
    value(out, 0);
    return out;
  }

  /// The last document has a number with an exponent, which may be out of double range.
  bool had_exponent() const { return exponent_; }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  void ws(std::string& out) {
    static const char* const spaces[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
    out += spaces[pick(7)];
  }

  void value(std::string& out, int depth) {
    ws(out);
    switch (depth > 4 ? 3 + pick(5) : pick(8)) {
      case 0:
      case 1: {
        out += '{';
        const std::size_t n = pick(12);  // over 8 keys takes the hash-set duplicate check
        for (std::size_t i = 0; i < n; ++i) {
          if (i) out += ',';
          ws(out);
          string(out, "k" + std::to_string(i));
          ws(out);
          out += ':';
          value(out, depth + 1);
        }
        ws(out);
        out += '}';
        break;
      }
      case 2: {
        out += '[';
        const std::size_t n = pick(6);
        for (std::size_t i = 0; i < n; ++i) {
          if (i) out += ',';
          value(out, depth + 1);
        }
        ws(out);
        out += ']';
        break;
      }
      case 3:
      case 4:
        number(out);
        break;
      case 5: {
        static const char* const words[] = {"true", "false", "null"};
        out += words[pick(3)];
        break;
      }
      default:
        string(out, "");
        break;
    }
    ws(out);
  }

  void number(std::string& out) {
    static const char* const fixed[] = {"0",     "-0",    "0.0",    "-0.0",   "1e0",     "1E+2",    "1e-2",
                                        "123.456e-7", "18446744073709551615", "18446744073709551616",
                                        "-9223372036854775808", "-9223372036854775809", "9223372036854775807",
                                        "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
                                        "0.1", "3.141592653589793238462643383279", "1e23", "9007199254740993"};
    if (pick(3) == 0) {
      const std::string f = fixed[pick(sizeof fixed / sizeof *fixed)];
      exponent_ = exponent_ || f.find_first_of("eE") != std::string::npos;
      out += f;
      return;
    }
    if (pick(2)) out += '-';
    out += static_cast<char>('1' + pick(9));
    for (std::size_t i = pick(20); i > 0; --i) out += static_cast<char>('0' + pick(10));
    if (pick(2)) {
      out += '.';
      for (std::size_t i = 1 + pick(18); i > 0; --i) out += static_cast<char>('0' + pick(10));
    }
    if (pick(3) == 0) {
      exponent_ = true;
      out += pick(2) ? 'e' : 'E';
      if (pick(2)) out += pick(2) ? '+' : '-';
      out += std::to_string(pick(300));
    }
  }

  void string(std::string& out, const std::string& prefix) {
    static const char* const pieces[] = {"a", "Z", " ", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t",
                                         "\\u0041", "\\u00e9", "\\u20AC", "\\ud83d\\ude00", "\\u0000", "\xC3\xA9",
                                         "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "$.doc", "States.Format('{}')"};
    out += '"';
    out += prefix;
    for (std::size_t i = pick(8); i > 0; --i) out += pieces[pick(sizeof pieces / sizeof *pieces)];
    out += '"';
  }

  std::mt19937 rng_;
  bool exponent_ = false;
};

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("json reader: values and number types match nlohmann", "[json_reader]") {
  for (const char* text :
       {"{}", "[]", "0", "-0", "1", "-1", "0.5", "-0.0", "1e5", "1E-5", "18446744073709551615", "18446744073709551616",
        "-9223372036854775808", "-9223372036854775809", "123456789012345678901234567890", "4.9e-324", "1e308", "true",
        "false", "null", "\"\"", R"("\u0000x")", R"("\ud83d\ude00")", R"("\u00E9\u20ac")", "\"\xF0\x9F\x98\x80\"",
        R"("\"\\\/\b\f\n\r\t")", " \t\r\n{ \"a\" : [ 1 , 2.5 , { } , [ ] ] } \n",
        R"({"b":1,"a":2,"c":{"z":[],"y":{}}})"}) {
    INFO(text);
    CHECK(agrees_with_nlohmann(text));
  }
  const auto big = read_json_fast("[18446744073709551615,-1,1.0,1]");
  REQUIRE(big);
  CHECK((*big)[0].is_number_unsigned());
  CHECK((*big)[1].is_number_integer());
  CHECK((*big)[2].is_number_float());
  CHECK((*big)[3].is_number_unsigned());
}

TEST_CASE("json reader: malformed text is refused, never half-read", "[json_reader]") {
  for (const char* text :
       {"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":}", "{a:1}", "[1 2]", "01", "1.", ".5", "-",
        "-a", "1e", "1e+", "+1", "tru", "truex", "nul", "[true false]", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"",
        "\"a\nb\"", "\"\t\"", R"("\ud800")", R"("\udc00")", R"("\ud800\u0041")", R"("\ud800x")", "\"\xC0\xAF\"",
        "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xF0\x9F\x98\"", "\"\xFF\"", "{} {}", "[] x", "// c\n{}"}) {
    INFO(text);
    CHECK_FALSE(read_json_fast(text));
  }
  CHECK_FALSE(read_json_fast(std::string("{\"a\":1}\0", 8)));  // a NUL after the document
}

TEST_CASE("json reader: leaves duplicates, overflow, BOM and deep nesting to nlohmann", "[json_reader]") {
  CHECK_FALSE(read_json_fast(R"({"a":1,"a":2})"));
  CHECK_FALSE(read_json_fast(R"({"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k3":0})"));
  CHECK_FALSE(read_json_fast("1e400"));
  CHECK_FALSE(read_json_fast("1e-400"));  // nlohmann rounds it to 0; its call
  CHECK_FALSE(read_json_fast("\xEF\xBB\xBF{}"));
  CHECK(read_json_fast("[[[1]]]", 3));
  CHECK_FALSE(read_json_fast("[[[1]]]", 2));
  // Depth costs the reader no recursion (the comparison below recurses, so it stays moderate).
  CHECK(read_json_fast(std::string(200000, '[') + std::string(200000, ']')));
  CHECK(agrees_with_nlohmann(std::string(1000, '[') + "1" + std::string(1000, ']')));  // the default data limit
}

TEST_CASE("json reader: random documents read exactly as nlohmann reads them", "[json_reader]") {
  Generator gen(20261202);
  std::mt19937 rng(7);
  int accepted = 0, mutated_accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string text = gen.document();
    const bool fast = agrees_with_nlohmann(text);
    // Well-formed, unique keys: only an out-of-range number may send it to nlohmann.
    if (!fast) {
      INFO(text);
      CHECK(gen.had_exponent());
    }
    accepted += fast;
    // One byte changed, dropped or doubled: whatever the reader still accepts, nlohmann reads the same.
    std::string m = text;
    const std::size_t at = std::uniform_int_distribution<std::size_t>(0, m.size() - 1)(rng);
    switch (i % 3) {
      case 0: m[at] = "{}[]\",:\\0-.eE u\x80"[i % 17]; break;
      case 1: m.erase(at, 1); break;
      default: m.insert(at, 1, m[at]); break;
    }
    mutated_accepted += agrees_with_nlohmann(m);
  }
  CHECK(accepted > 2900);
  CHECK(mutated_accepted > 100);
}

TEST_CASE("json reader: every JSON file of the project and the benchmark workloads", "[json_reader]") {
  std::size_t files = 0;
  for (const char* dir : {ASL_SOURCE_DIR "/examples", ASL_BENCH_DIR "/workloads"}) {
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.path().extension() != ".json") continue;
      const std::string text = read_text(e.path());
      INFO(e.path().string());
      CHECK(agrees_with_nlohmann(text));
      ++files;
    }
  }
  CHECK(files > 10);
  // Every line of the AWS-recorded cases (JSON lines holding definitions, inputs and outputs).
  std::ifstream lines(ASL_CONFORMANCE_DIR "/aws-recorded.jsonl");
  std::string line;
  std::size_t n = 0;
  while (std::getline(lines, line)) n += agrees_with_nlohmann(line);
  CHECK(n > 50);
}

TEST_CASE("asl::parse_json returns and throws what Json::parse does", "[json_reader]") {
  CHECK(identical(asl::parse_json(R"({"a":[1,-2,3.5],"b":"\u00e9"})"), Json::parse(R"({"a":[1,-2,3.5],"b":"\u00e9"})")));
  // Duplicates: the last value, in the first key's place (nlohmann's DOM parser).
  const Json dup = asl::parse_json(R"({"a":1,"b":2,"a":3})");
  CHECK(dup.dump() == R"({"a":3,"b":2})");
  CHECK_THROWS_AS(asl::parse_json("{\"a\":}"), Json::parse_error);
  CHECK_THROWS_AS(asl::parse_json("1e400"), Json::out_of_range);
  CHECK(asl::parse_json("1e-400") == 0.0);
  CHECK(asl::parse_json("\xEF\xBB\xBF[1]") == Json::array({1}));
}

TEST_CASE("definition text: the fast reader and the careful path give the same document", "[json_reader][parser]") {
  const std::string text = R"({"Comment":"caf\u00e9 \ud83d\ude00","StartAt":"A","States":{"A":{"Type":"Pass",
    "Result":{"n":-1,"u":18446744073709551615,"f":1.5e3},"End":true}}})";
  std::vector<asl::Diagnostic> diags;
  const auto doc = asl::detail::parse_definition_text(text, diags);
  REQUIRE(diags.empty());
  REQUIRE(doc);
  CHECK(identical(*doc, Json::parse(text)));
}
