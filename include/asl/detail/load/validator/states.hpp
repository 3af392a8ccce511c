// Validator checks specific to state types: Parallel Branches, Map Label, Task Credentials, heartbeat, EXPRESS.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "asl/detail/load/validator.hpp"

namespace asl::detail::validator_impl {

inline void Validator::check_branches(const Json& v, const Where& pointer) {
  if (!v.is_array()) {
    wrong_type(pointer, "Branches", "a non-empty array of branches", v);
    return;
  }
  if (v.empty()) {
    emit("214", pointer, "\"Branches\" cannot be empty: a Parallel state needs at least one branch", schema);
    return;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    const Where bp = child(pointer, i);
    if (!v[i].is_object()) {
      wrong_type(bp, "Branches", "an array of objects with \"StartAt\" and \"States\"", v[i]);
    } else {
      walk_container(v[i], bp, branch_spec);
    }
  }
}

inline void Validator::check_label(const Json& v, const Where& pointer) {
  if (!v.is_string()) {
    wrong_type(pointer, "Label", "a string", v);
    return;
  }
  const auto& label = v.get_ref<const std::string&>();
  const std::size_t length = utf8_length(label);
  if (length == 0) {
    emit("211", pointer, "Label cannot be empty", schema);
    return;
  }
  if (length > 40) {
    emit("211", pointer, fmt::format("Label cannot exceed 40 characters, got {}", length), schema);
    return;
  }
  // Map Run names appear in ARNs: AWS forbids these characters (spec §3.9.1).
  static constexpr std::string_view forbidden = " \t\n\r\f\v?*<>{}[]:;,\\|^~$#%&`\"";
  for (const char c : label) {
    const auto u = static_cast<unsigned char>(c);
    if (forbidden.find(c) != std::string_view::npos || u < 0x20 || u == 0x7F) {
      emit("211", pointer,
           fmt::format("Label {} contains a forbidden character: no whitespace, wildcards (? *), brackets "
                       "(< > {{ }} [ ]), control characters or any of : ; , \\ | ^ ~ $ # % & ` \"",
                       show(v)),
           schema);
      return;
    }
  }
  const auto [it, inserted] = labels_.emplace(label, pointer.str());
  if (!inserted) {
    emit("211", pointer,
         fmt::format("Label {} is already used at {}: Map Run labels must be unique in the definition", show(v),
                     it->second),
         schema);
  }
}

inline void Validator::check_credentials(const Json& v, const Where& pointer) {
  if (!v.is_object()) {
    wrong_type(pointer, "Credentials", "an object with \"RoleArn\"", v);
    return;
  }
  check_object(v, pointer, credentials_spec);
  if (!v.contains("RoleArn") && !(lang_ == Lang::jsonpath && v.contains("RoleArn.$"))) {
    // AWS: "The field 'RoleArn' is required but was missing" (spec §3.3, recorded cases).
    emit("202", pointer,
         lang_ == Lang::jsonpath
             ? "The field 'RoleArn' is required but was missing in Credentials (give \"RoleArn\" or \"RoleArn.$\")"
             : "The field 'RoleArn' is required but was missing in Credentials",
         schema);
  }
  if (lang_ == Lang::jsonpath && v.contains("RoleArn.$")) {
    // Check only the dynamic field as a payload template (its value is a path or an intrinsic).
    // Alone in the object (the valid case), it is the object itself: check that, for the Compiler.
    if (v.size() == 1) {
      check_payload_template("Credentials", v, pointer);
    } else {
      Json only = Json::object();
      only["RoleArn.$"] = v["RoleArn.$"];
      check_payload_template("Credentials", only, pointer, false);
    }
  }
}

inline void Validator::check_task(const Json& state, const Where& pointer) {
  // HeartbeatSeconds must be smaller than TimeoutSeconds (spec §3.3).
  const auto hb = state.find("HeartbeatSeconds"sv);
  const auto to = state.find("TimeoutSeconds"sv);
  if (hb != state.end() && to != state.end() && hb->is_number() && to->is_number() && to->get<double>() >= 1 &&
      hb->get<double>() >= to->get<double>()) {
    emit("208", child(pointer, "HeartbeatSeconds"),
         fmt::format("\"HeartbeatSeconds\" ({}) must be smaller than \"TimeoutSeconds\" ({})", show(*hb), show(*to)),
         schema);
  }
  // Express workflows support Request-Response only (spec §10.1; AWS messages verbatim).
  const auto res = state.find("Resource"sv);
  if (options_.express && res != state.end() && res->is_string()) {
    const auto& r = res->get_ref<const std::string&>();
    const Where rp = child(pointer, "Resource");
    if (r.find(".waitForTaskToken") != std::string::npos) {
      emit("213", rp, "Express state machine does not support '.waitForTaskToken' service integration", schema);
    } else if (r.find(".sync") != std::string::npos) {
      emit("213", rp, "Express state machine does not support '.sync' service integration", schema);
    } else if (r.compare(0, 4, "arn:") == 0 && r.find(":activity:") != std::string::npos) {
      emit("213", rp, "Express state machine does not support Activity ARN", schema);
    }
  }
}

}  // namespace asl::detail::validator_impl
