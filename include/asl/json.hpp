// The JSON value type used throughout asl: nlohmann's ordered_json, so documents keep key order as AWS does.
// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

namespace asl {

/// Every document, state input/output and task result is an `asl::Json`.
/// Insertion order of object keys is preserved (AWS Step Functions preserves it too).
using Json = nlohmann::ordered_json;

}  // namespace asl
