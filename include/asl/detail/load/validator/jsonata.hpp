// Validator JSONata mode: QueryLanguage, fields of the other language, every "{% %}" expression
// compiled with AWS's definition-time verdicts, and Assign's names and scopes (both languages).
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/load/compile_jsonata.hpp"
#include "asl/detail/load/validator.hpp"

namespace asl::detail::validator_impl {

inline void Validator::read_machine_language() {
  // The machine's language is the default of every state, nested ones included (spec §2.5).
  if (const auto it = doc_.find("QueryLanguage"); it != doc_.end() && *it == "JSONata") machine_lang_ = Lang::jsonata;
}

/// Sets lang_ for the state at `pointer`: its QueryLanguage, else the machine's.
inline void Validator::read_state_language(const Json& state, const Where& pointer) {
  lang_ = machine_lang_;
  if (const auto ql = state.find("QueryLanguage"sv); ql != state.end()) {
    if (*ql == "JSONata") {
      lang_ = Lang::jsonata;
    } else if (*ql == "JSONPath") {
      lang_ = Lang::jsonpath;
      if (machine_lang_ == Lang::jsonata) {
        // AWS: a JSONata machine cannot revert single states to JSONPath (spec §2.5).
        emit("012", child(pointer, "QueryLanguage"),
             "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", schema);
      }
    }
  }
}

/// Field `key` exists, but only in the other query language.
inline void Validator::wrong_language(const std::string& key, const Where& pointer) {
  emit("215", pointer,
       lang_ == Lang::jsonata
           ? fmt::format("field \"{}\" is only allowed in JSONPath states, and this state uses JSONata", key)
           : fmt::format("field \"{}\" is only allowed in JSONata states, and this state uses JSONPath", key),
       schema);
}

inline bool Validator::computed_by_jsonata(const FieldSpec& f, const Json& v) const {
  // JSONata states may compute many fields with "{% ... %}"; asl does not evaluate JSONata, so
  // it checks only what is independent of it (spec §11.2).
  return lang_ == Lang::jsonata && is_jsonata_string(v) &&
         (f.check == Check::integer || f.check == Check::number || f.check == Check::timestamp ||
          f.check == Check::text || f.check == Check::payload_template || f.check == Check::payload_any);
}

/// Compiles every JSONata expression of a JSONata state (spec §11.2-§11.3): syntax errors are
/// AWS's INVALID_JSONATA_EXPRESSION (306), references AWS refuses its
/// UNSUPPORTED_JSONATA_EXPRESSION (307). The compiled templates go to the Compiler.
inline void Validator::check_jsonata_state(std::string_view type, const Json& state, const Where& pointer) {
  static constexpr std::pair<std::string_view, StateType> types[] = {
      {"Pass", StateType::pass},         {"Task", StateType::task},         {"Choice", StateType::choice},
      {"Wait", StateType::wait},         {"Succeed", StateType::succeed},   {"Fail", StateType::fail},
      {"Parallel", StateType::parallel}, {"Map", StateType::map}};
  StateType t = StateType::pass;
  for (const auto& [n, st] : types)
    if (n == type) t = st;
  const std::string base = pointer.str();
  for (const JsonataField& f : jsonata_fields(t, state)) {
    std::vector<JsonataProblem> problems;
    JsonataTemplate compiled = JsonataTemplate::compile(*f.node, f.location, f.access, problems);
    for (auto& p : problems) {
      const std::string at = base + f.pointer + p.pointer;
      const bool invalid = p.aws_code == "INVALID_JSONATA_EXPRESSION";
      emit(invalid ? "306" : "307", at, fmt::format("{}: {} at {}", p.aws_code, p.message, at), p.aws_code);
    }
    if (problems.empty() && parts_) parts_->put(*f.node, std::move(compiled));
  }
}

/// Assign (spec §12.1-§12.2): an object of whole-variable names; in JSONPath a payload template.
inline void Validator::check_assign(const Json& v, const Where& pointer) {
  if (!v.is_object()) {
    wrong_type(pointer, "Assign", "an object of variable names and values", v);
    return;
  }
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string name = it.key();
    if (lang_ == Lang::jsonpath && name.size() >= 2 && name.compare(name.size() - 2, 2, ".$") == 0)
      name.resize(name.size() - 2);
    if (!is_variable_name(name)) {
      emit("308", child(pointer, it.key()),
           fmt::format("\"{}\" is not a valid variable name: a name starts with a letter or '_', continues with "
                       "letters, digits or '_', has at most 80 characters and is not \"states\"",
                       name),
           schema);
      continue;
    }
    assigned_.push_back(Assigned{container_, std::move(name), child(pointer, it.key()).str()});
  }
  if (lang_ == Lang::jsonpath) check_payload_template("Assign", v, pointer);
}

/// A variable name (spec §12.1: a Unicode identifier of at most 80 characters, not `states`).
/// Non-ASCII letters are accepted as they come (UAX #31 tables are not worth their size here).
inline bool Validator::is_variable_name(const std::string& name) {
  if (name.empty() || name.size() > 80 * 4 || name == "states") return false;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if ((c & 0xC0) != 0x80) ++chars;
    const bool letter = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return chars <= 80;
}

/// Spec §12.4: an inner scope (a Parallel branch, a Map processor) must not assign a name that
/// a scope around it assigns.
inline void Validator::check_variable_scopes() {
  for (const Assigned& a : assigned_) {
    for (std::size_t up = container_parents_[a.container]; up != no_container; up = container_parents_[up]) {
      bool outer = false;
      for (const Assigned& b : assigned_)
        if (b.container == up && b.name == a.name) outer = true;
      if (outer) {
        emit("309", a.pointer,
             fmt::format("Cannot assign variable \"{}\" here: a state around this branch or item processor "
                         "assigns it, and an inner scope may only read the variables of outer scopes",
                         a.name),
             schema);
        break;
      }
    }
  }
}

}  // namespace asl::detail::validator_impl
