// The JSON value type used throughout asl: nlohmann's ordered_json, so documents keep key order as AWS does.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

namespace asl {

/// Every document, state input/output and task result is an `asl::Json`.
/// Insertion order of object keys is preserved (AWS Step Functions preserves it too).
using Json = nlohmann::ordered_json;

/// The default nesting limit of JSON data: EngineOptions::max_json_depth, asl::parse_json and
/// States.StringToJson refuse deeper documents. AWS documents none; its service is Java, whose
/// JSON reader (Jackson) refuses documents nested deeper than 1,000 levels by default. nlohmann's
/// copy, `==` and `dump` recurse once per level: bounded depth keeps them within a small stack.
inline constexpr std::size_t default_max_json_depth = 1000;

}  // namespace asl
