// asl::parse_json: JSON text to asl::Json, the same values and errors as Json::parse, in a third of the instructions.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "asl/detail/json/depth.hpp"
#include "asl/detail/json/reader.hpp"
#include "asl/json.hpp"

namespace asl {

/// What asl::parse_json throws for well-formed text nested deeper than its limit. A
/// `Json::exception` (and so a std::exception), like the `Json::parse_error` thrown for
/// malformed text, so code that catches nlohmann's errors catches this one too.
class JsonDepthError : public Json::exception {
 public:
  explicit JsonDepthError(std::size_t limit)
      : JsonDepthError(fmt::format("[asl.json.depth] JSON text is nested deeper than the limit of {} levels",
                                   limit)) {}

 private:
  explicit JsonDepthError(const std::string& message) : Json::exception(0, message.c_str()) {}
};

/// Parses JSON text (an execution input, a request body, a task result read from a file) into
/// asl::Json. Returns what `Json::parse(text)` returns and throws what it throws
/// (`Json::parse_error`, with nlohmann's message), but reads well-formed text in one pass and
/// builds each object and array at its final size: about 3× fewer instructions on typical
/// inputs. Duplicate keys keep the last value in the first key's place, as `Json::parse` does.
/// Text nested deeper than `max_depth` levels (0 = no limit) throws JsonDepthError: nlohmann's
/// copy, `==` and `dump` recurse once per level, so a deeper document would be a stack overflow
/// waiting for its first use. Nothing here recurses on the text's nesting.
inline Json parse_json(std::string_view text, std::size_t max_depth = default_max_json_depth) {
  if (auto fast = detail::read_json_fast(text, max_depth ? max_depth : std::numeric_limits<std::size_t>::max()))
    return std::move(*fast);
  Json value = Json::parse(text);  // malformed or unusual text: nlohmann decides, and words the error
  if (detail::too_deep(value, max_depth)) throw JsonDepthError(max_depth);
  return value;
}

}  // namespace asl
