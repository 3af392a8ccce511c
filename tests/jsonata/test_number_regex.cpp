// Unit tests of the JSONata building blocks: JavaScript number printing and the regex engine.
// SPDX-License-Identifier: MIT
#include <fstream>
#include <limits>
#include <string>

#include "asl/detail/jsonata/number.hpp"
#include "asl/detail/jsonata/regex.hpp"
#include "asl/detail/jsonata/utf.hpp"
#include "asl/json.hpp"
#include "support/catch.hpp"

#ifndef ASL_SOURCE_DIR
#define ASL_SOURCE_DIR "."
#endif

namespace dj = asl::detail::jsonata;

TEST_CASE("number: printing follows JavaScript's Number::toString", "[jsonata][number]") {
  CHECK(dj::js_number_to_string(0) == "0");
  CHECK(dj::js_number_to_string(-0.0) == "0");
  CHECK(dj::js_number_to_string(1) == "1");
  CHECK(dj::js_number_to_string(-42) == "-42");
  CHECK(dj::js_number_to_string(123.456) == "123.456");
  CHECK(dj::js_number_to_string(0.1 + 0.2) == "0.30000000000000004");
  CHECK(dj::js_number_to_string(1e20) == "100000000000000000000");
  CHECK(dj::js_number_to_string(1e21) == "1e+21");
  CHECK(dj::js_number_to_string(1.5e21) == "1.5e+21");
  CHECK(dj::js_number_to_string(123456789012345680000.0) == "123456789012345680000");
  CHECK(dj::js_number_to_string(0.000001) == "0.000001");
  CHECK(dj::js_number_to_string(1e-7) == "1e-7");
  CHECK(dj::js_number_to_string(1.5e-7) == "1.5e-7");
  CHECK(dj::js_number_to_string(5e-324) == "5e-324");
  CHECK(dj::js_number_to_string(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(dj::js_number_to_string(std::numeric_limits<double>::infinity()) == "Infinity");
  CHECK(dj::js_number_to_string(std::nan("")) == "NaN");
}

TEST_CASE("number: rounding: toPrecision(15) and half-even $round", "[jsonata][number]") {
  CHECK(dj::js_number_to_string(dj::round_to_15_digits(22.0 / 7)) == "3.14285714285714");
  CHECK(dj::js_number_to_string(dj::round_to_15_digits(0.1 + 0.2)) == "0.3");
  CHECK(dj::js_number_to_string(dj::round_to_15_digits(1e21)) == "1e+21");
  CHECK(dj::round_half_even(2.5, 0) == 2);
  CHECK(dj::round_half_even(3.5, 0) == 4);
  CHECK(dj::round_half_even(-2.5, 0) == -2);
  CHECK(dj::round_half_even(1.005, 2) == 1);  // 1.005 is 1.00499999... in binary: no tie
  CHECK(dj::js_number_to_string(dj::round_half_even(12345.675, 2)) == "12345.68");
  CHECK(dj::parse_json_number("1e3") == 1000.0);
  CHECK_FALSE(dj::parse_json_number("01").has_value());
  CHECK_FALSE(dj::parse_json_number("1.").has_value());
}

namespace {

class Unlimited final : public dj::StepCounter {
 public:
  void add_steps(std::size_t n) override { total += n; }
  std::size_t total = 0;
};

class Budget final : public dj::StepCounter {
 public:
  explicit Budget(std::size_t limit) : limit_(limit) {}
  void add_steps(std::size_t n) override {
    used_ += n;
    if (used_ > limit_) throw dj::Error("U1001");
  }

 private:
  std::size_t limit_;
  std::size_t used_ = 0;
};

}  // namespace

TEST_CASE("regex: the engine agrees with JavaScript on every match and group", "[jsonata][regex]") {
  // regex_cases.json was produced by node from regex_cases.js: JavaScript's own answers.
  std::ifstream f(std::string(ASL_SOURCE_DIR) + "/tests/jsonata/regex_cases.json");
  REQUIRE(f.good());
  asl::Json cases = asl::Json::parse(f);
  REQUIRE(cases.size() > 30);
  for (const auto& c : cases) {
    std::string pattern = c["p"].get<std::string>();
    std::u16string subject = dj::to_utf16(c["s"].get<std::string>());
    INFO("pattern /" << pattern << "/" << c["f"].get<std::string>() << " on " << c["s"].dump());
    dj::BacktrackRegex re(dj::to_utf16(pattern), c["f"].get<std::string>());
    Unlimited steps;
    std::size_t from = 0;
    for (const auto& expected : c["ms"]) {
      auto m = re.exec(subject, from, steps);
      REQUIRE(m.has_value());
      CHECK(m->start == expected[0].get<std::size_t>());
      CHECK(m->end - m->start == expected[1].get<std::size_t>());
      REQUIRE(m->groups.size() == expected[2].size());
      for (std::size_t g = 0; g < m->groups.size(); ++g) {
        if (expected[2][g].is_null()) {
          CHECK(m->groups[g].first == static_cast<std::size_t>(-1));
        } else {
          REQUIRE(m->groups[g].first != static_cast<std::size_t>(-1));
          auto text = subject.substr(m->groups[g].first, m->groups[g].second - m->groups[g].first);
          CHECK(dj::to_utf8(text) == expected[2][g].get<std::string>());
        }
      }
      from = m->end == m->start ? m->end + 1 : m->end;
    }
    if (from <= subject.size()) CHECK_FALSE(re.exec(subject, from, steps).has_value());
  }
}

TEST_CASE("regex: the engine: syntax errors, long subjects and catastrophic patterns", "[jsonata][regex]") {
  CHECK_THROWS_AS(dj::BacktrackRegex(u"(a", ""), dj::Error);
  CHECK_THROWS_AS(dj::BacktrackRegex(u"a**", ""), dj::Error);
  CHECK_THROWS_AS(dj::BacktrackRegex(u"[b-a]", ""), dj::Error);

  // A long subject: the backtracking state lives on the heap, not the C++ stack.
  std::u16string longs(200000, u'a');
  Unlimited steps;
  dj::BacktrackRegex greedy(u"(?:a|b)*c|a+$", "");
  auto m = greedy.exec(longs, 0, steps);
  REQUIRE(m.has_value());
  CHECK(m->end == longs.size());

  // Exponential backtracking is stopped by the step budget.
  dj::BacktrackRegex evil(u"(a+)+b", "");
  Budget budget(1000000);
  CHECK_THROWS_AS(evil.exec(std::u16string(40, u'a'), 0, budget), dj::Error);
}
