// Compiles one state's JSONata fields into its JsonataQueries (every "{% %}" parsed once), taking
// what validation already compiled; also the field list both the validator and the compiler walk.
// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/json/member.hpp"
#include "asl/detail/json/pointer.hpp"
#include "asl/detail/load/compiled_parts.hpp"
#include "asl/detail/load/program.hpp"
#include "asl/detail/jsonata_states/state_queries.hpp"

namespace asl::detail {

/// One field of a JSONata state that may hold expressions: its node, AWS's name for it in
/// causes ("Choices[1]/Condition"), its JSON Pointer below the state, and what `$states` offers.
struct JsonataField {
  const Json* node;
  std::string location;
  std::string pointer;
  StatesAccess access;
};

/// Every field of state `s` (of `type`) that accepts JSONata (spec §11.2), in document order of kind.
inline std::vector<JsonataField> jsonata_fields(StateType type, const Json& s) {
  std::vector<JsonataField> out;
  const bool result = type == StateType::task || type == StateType::map || type == StateType::parallel;
  auto add = [&](const Json& obj, const char* key, std::string location, std::string pointer, StatesAccess access) {
    if (!obj.is_object()) return;
    if (auto it = obj.find(key); it != obj.end()) out.push_back({&*it, std::move(location), std::move(pointer), access});
  };
  auto top = [&](const char* key, StatesAccess access = {}) {
    add(s, key, key, std::string("/") + key, access);
  };
  top("Arguments");
  top("Output", {result, false});
  top("Assign", {result, false});
  top("Items");
  top("ItemSelector");
  top("TimeoutSeconds");
  top("HeartbeatSeconds");
  top("MaxConcurrency");
  top("ToleratedFailureCount");
  top("ToleratedFailurePercentage");
  top("Credentials");
  top("Seconds");
  top("Timestamp");
  top("Error");
  top("Cause");
  if (const Json* choices = json_member(s, "Choices"); choices && choices->is_array()) {
    for (std::size_t i = 0; i < choices->size(); ++i) {
      const Json& r = (*choices)[i];
      if (!r.is_object()) continue;
      for (const char* key : {"Condition", "Output", "Assign"})
        add(r, key, fmt::format("Choices[{}]/{}", i, key), fmt::format("/Choices/{}/{}", i, key), {});
    }
  }
  if (const Json* catches = json_member(s, "Catch"); catches && catches->is_array()) {
    for (std::size_t i = 0; i < catches->size(); ++i) {
      const Json& c = (*catches)[i];
      if (!c.is_object()) continue;
      for (const char* key : {"Output", "Assign"})
        add(c, key, fmt::format("Catch[{}]/{}", i, key), fmt::format("/Catch/{}/{}", i, key), {false, true});
    }
  }
  return out;
}

class JsonataCompiler {
 public:
  explicit JsonataCompiler(CompiledParts* parts) : parts_(parts) {}

  /// The queries of state `s`; `uses_context` is set when an expression may read `$states.context`.
  std::unique_ptr<JsonataQueries> compile(StateType type, const Json& s, bool& uses_context) {
    auto q = std::make_unique<JsonataQueries>();
    q->produces_result = type == StateType::task || type == StateType::map || type == StateType::parallel;
    if (const Json* choices = json_member(s, "Choices")) q->rules.resize(choices->size());
    if (const Json* catches = json_member(s, "Catch")) q->catches.resize(catches->size());
    for (const JsonataField& f : jsonata_fields(type, s)) {
      std::optional<JsonataTemplate> t = parts_ ? parts_->take<JsonataTemplate>(*f.node) : std::nullopt;
      if (!t) {
        std::vector<JsonataProblem> problems;  // none: the definition was validated
        t = JsonataTemplate::compile(*f.node, f.location, f.access, problems);
      }
      uses_context |= t->reads_context();
      slot(*q, f) = std::move(*t);
    }
    q->finish();
    return q;
  }

 private:
  /// Where field `f` goes in `q`.
  static std::optional<JsonataTemplate>& slot(JsonataQueries& q, const JsonataField& f) {
    const std::string& l = f.location;
    if (l.rfind("Choices[", 0) == 0) {
      const std::size_t i = std::stoul(l.substr(8));
      JsonataRule& r = q.rules[i];
      if (ends_with(l, "/Output")) return r.output;
      if (ends_with(l, "/Assign")) return r.assign;
      return r.condition;
    }
    if (l.rfind("Catch[", 0) == 0) {
      JsonataCatch& c = q.catches[std::stoul(l.substr(6))];
      return ends_with(l, "/Output") ? c.output : c.assign;
    }
    if (l == "Arguments") return q.arguments_template;
    if (l == "Output") return q.output_template;
    if (l == "Assign") return q.assign_template;
    if (l == "Items") return q.items_template;
    if (l == "ItemSelector") return q.item_selector;
    if (l == "Credentials") return q.credentials_template;
    if (l == "Seconds") return q.seconds;
    if (l == "Timestamp") return q.timestamp;
    if (l == "Error") return q.error;
    if (l == "Cause") return q.cause;
    if (l == "TimeoutSeconds") return q.numbers[static_cast<unsigned>(NumberField::timeout_seconds)];
    if (l == "HeartbeatSeconds") return q.numbers[static_cast<unsigned>(NumberField::heartbeat_seconds)];
    if (l == "MaxConcurrency") return q.numbers[static_cast<unsigned>(NumberField::max_concurrency)];
    if (l == "ToleratedFailureCount") return q.numbers[static_cast<unsigned>(NumberField::tolerated_failure_count)];
    return q.numbers[static_cast<unsigned>(NumberField::tolerated_failure_percentage)];
  }

  static bool ends_with(const std::string& s, const char* suffix) {
    const std::string t(suffix);
    return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
  }

  CompiledParts* parts_;
};

}  // namespace asl::detail
