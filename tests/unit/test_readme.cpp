// The README's quick-start block must stay identical to examples/quick_start.cpp (which is built and run).
// SPDX-License-Identifier: MIT
#include <fstream>
#include <sstream>
#include <string>

#include "support/catch.hpp"

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("readme: the quick start is examples/quick_start.cpp verbatim", "[readme]") {
  const std::string readme = slurp(std::string(ASL_SOURCE_DIR) + "/README.md");
  const std::string example = slurp(std::string(ASL_SOURCE_DIR) + "/examples/quick_start.cpp");
  REQUIRE_FALSE(example.empty());
  const std::string marker = "<!-- quick-start: examples/quick_start.cpp";
  const auto at = readme.find(marker);
  REQUIRE(at != std::string::npos);
  const auto open = readme.find("```cpp\n", at);
  REQUIRE(open != std::string::npos);
  const auto body = open + 7;
  const auto close = readme.find("```\n", body);
  REQUIRE(close != std::string::npos);
  CHECK(readme.substr(body, close - body) == example);
}
