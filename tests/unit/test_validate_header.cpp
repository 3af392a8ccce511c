// The light header <asl/validate.hpp>: this file sees only the declaration (no JSON, no parser),
// and the definition comes from the one file that compiles asl (asl/impl.hpp includes
// asl/validate_impl.hpp; here tests/support/asl_compiled_once.cpp), as a user's program would have it.
// SPDX-License-Identifier: MIT
#include <asl/validate.hpp>

#include <string>

#include "support/catch.hpp"

#ifdef NLOHMANN_JSON_VERSION_MAJOR
#error "<asl/validate.hpp> must not pull in nlohmann/json"
#endif

TEST_CASE("validate header: the light declaration checks definitions like asl::validate", "[validator]") {
  CHECK(asl::validate_definition(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})").empty());
  const auto problems =
      asl::validate_definition(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Evalute"},"Evaluate":{"Type":"Succeed"}}})");
  REQUIRE_FALSE(problems.empty());
  CHECK(problems[0].id == "asl.definition.104");
  CHECK(problems[0].to_string().find("did you mean \"Evaluate\"") != std::string::npos);
  asl::LoadOptions tiny;
  tiny.max_definition_size = 10;
  const auto too_big = asl::validate_definition(R"({"StartAt":"A","States":{}})", tiny);
  REQUIRE(too_big.size() == 1);
  CHECK(too_big[0].id == "asl.definition.006");
}
