// Fuzz target: the fast JSON reader (asl::detail::read_json_fast) against nlohmann's parser. Input: JSON-ish text.
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <cstdint>
#include <string>

#include <asl/detail/json/reader.hpp>

#include "fuzz_common.hpp"
#include "../support/json_identical.hpp"

using asl::Json;
using asl::testing::identical;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = asl_fuzz::as_text(data, size);
  // The comparison recurses, so it looks only at documents of moderate depth; the reader itself
  // never recurses, which the unlimited read below exercises on any depth.
  const auto fast = asl::detail::read_json_fast(text, 64);
  const auto unlimited = asl::detail::read_json_fast(text);
  ASL_FUZZ_CHECK(!fast || unlimited, "accepted with a depth limit, refused without one");
  const Json slow = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (fast) {
    ASL_FUZZ_CHECK(!slow.is_discarded(), "the fast reader accepted text that nlohmann refuses");
    ASL_FUZZ_CHECK(identical(*fast, slow), fast->dump() + " vs " + slow.dump());
  }
  if (unlimited && !fast) ASL_FUZZ_CHECK(!slow.is_discarded(), "the fast reader accepted text that nlohmann refuses");
  return 0;
}
