// Validator checks of JSONPath: paths, Reference Paths, ResultPath, payload templates, intrinsics, Choice rules.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/jsonpath/choice.hpp"
#include "asl/detail/jsonpath/intrinsics.hpp"
#include "asl/detail/jsonpath/path.hpp"
#include "asl/detail/jsonpath/payload_template.hpp"
#include "asl/detail/load/validator.hpp"

namespace asl::detail::validator_impl {

// ---- paths, templates, intrinsics (spec §5, §4.5, §6) -----------------------------------

/// Parses `v` as a Path; reports and returns nullopt when it is not one.
inline std::optional<jsonpath::Path> Validator::parse_path(std::string_view name, const Json& v, const Where& pointer) {
  if (!v.is_string()) {
    wrong_type(pointer, name, "a string holding a JSONPath such as \"$.field\"", v);
    return std::nullopt;
  }
  const auto& text = v.get_ref<const std::string&>();
  try {
    return jsonpath::Path::parse(text);
  } catch (const std::exception& e) {
    emit("301", pointer, fmt::format("\"{}\" must be a JSONPath: {}", name, e.what()), schema);
    return std::nullopt;
  }
}

inline void Validator::check_path(std::string_view name, const Json& v, const Where& pointer, bool reference) {
  const auto path = parse_path(name, v, pointer);
  if (path && reference && !path->is_reference()) {
    emit("302", pointer,
         fmt::format("\"{}\" must be a Reference Path that selects a single node (no wildcards, filters, slices, "
                     "unions or \"..\"), got {}",
                     name, show(v)),
         schema);
  }
}

inline void Validator::check_result_path(std::string_view name, const Json& v, const Where& pointer) {
  if (v.is_null()) return;  // null: discard the result, keep the input (spec §4.2)
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    // ResultPath writes; the context object is read-only and variables are set by Assign (§4.4).
    if (text.compare(0, 2, "$$") == 0) {
      emit("303", pointer,
           fmt::format("\"{}\" cannot start with \"$$\": the context object is read-only; use a path into the "
                       "state's input such as \"$.result\"",
                       name),
           schema);
      return;
    }
    if (text.size() > 1 && text[0] == '$' && text[1] != '.' && text[1] != '[') {
      emit("303", pointer,
           fmt::format("\"{}\" cannot name a workflow variable ({}): it places the result into the state's input; "
                       "use a path such as \"$.result\"",
                       name, show(v)),
           schema);
      return;
    }
  }
  check_path(name, v, pointer, true);
}

inline void Validator::check_path_or_intrinsic(std::string_view name, const Json& v, const Where& pointer) {
  if (v.is_string() && intrinsics::looks_like_call(v.get_ref<const std::string&>())) {
    try {
      auto expression = intrinsics::Expression::parse(v.get_ref<const std::string&>());
      if (parts_) parts_->put(v, std::move(expression));
    } catch (const std::exception& e) {
      emit("305", pointer,
           fmt::format("\"{}\" must be a Reference Path or an intrinsic function call: {}", name, e.what()), schema);
    }
    return;
  }
  check_path(name, v, pointer, true);
}

/// `keep`: `v` is a node of the document (not a stand-in built here), so the Compiler can take it.
///
/// `any_type`: the spec says a payload template is an object, but AWS creates and runs machines
/// whose state-level Parameters, ItemSelector or BatchInput is an array, a string, a number, a
/// boolean or null (AWS's own schema in aws/amazon-states-language-service types them so "to
/// match the constraints applied in the service", PR #83; deployed: serverless-patterns'
/// `"Parameters": [{"Item.$": "$.Item"}]`). Such a template is evaluated like a nested value:
/// `.$` fields of objects inside an array are evaluated, a scalar is itself. ResultSelector and
/// the ItemReader / ResultWriter Parameters stay objects, as that schema has them.
inline void Validator::check_payload_template(std::string_view name, const Json& v, const Where& pointer, bool keep,
                                              bool any_type) {
  if (!any_type && !v.is_object()) {
    wrong_type(pointer, name, "an object (a payload template)", v);
    return;
  }
  std::vector<TemplateError> problems;
  try {
    auto compiled = PayloadTemplate::compile(v, &problems);
    if (keep && parts_) parts_->put(v, std::move(compiled));
  } catch (const std::exception& e) {
    problems.push_back(TemplateError{"", e.what()});
  }
  if (!problems.empty()) {
    const std::string at = pointer.str();
    for (auto& p : problems) emit("304", at + p.pointer, std::move(p.message), schema);
  }
}

// ---- Choice (spec §7) -------------------------------------------------------------------

inline void Validator::check_choices(const Json& v, const Where& pointer) {
  if (!v.is_array()) {
    wrong_type(pointer, "Choices", "a non-empty array of Choice rules", v);
    return;
  }
  if (v.empty()) {
    emit("404", pointer, "\"Choices\" cannot be empty: a Choice state needs at least one rule", schema);
    return;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    const Json& rule = v[i];
    const Where rp = child(pointer, i);
    if (!rule.is_object()) {
      wrong_type(rp, "Choices", "an array of Choice rule objects", rule);
      continue;
    }
    if (lang_ == Lang::jsonata) {
      check_object(rule, rp, jsonata_rule_spec);
      continue;
    }
    if (const auto next = rule.find("Next"sv); next == rule.end()) {
      emit("402", rp, "a top-level Choice rule needs \"Next\": the state to go to when the rule matches", schema);
    } else {
      add_transition(*next, child(rp, "Next"), "Next");
    }
    if (const auto assign = rule.find("Assign"sv); assign != rule.end()) check_assign(*assign, child(rp, "Assign"));
    std::vector<choice::RuleError> problems;
    try {
      auto compiled = choice::Rule::compile(rule, &problems);
      if (parts_) parts_->put(rule, std::move(compiled));
    } catch (const std::exception& e) {
      problems.push_back(choice::RuleError{"", e.what()});
    }
    const std::string at = problems.empty() ? std::string() : rp.str();
    for (auto& p : problems) {
      // The rule compiler reports "Next" inside And/Or/Not at the nested field itself.
      const bool nested_next = p.pointer.size() >= 5 && p.pointer.compare(p.pointer.size() - 5, 5, "/Next") == 0;
      emit(nested_next ? "403" : "401", at + p.pointer, std::move(p.message), schema);
    }
  }
}

}  // namespace asl::detail::validator_impl
