// Validator JSONata-mode recognition: QueryLanguage, fields of the other language, "{% %}" values.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include <fmt/format.h>

#include "asl/detail/load/validator.hpp"

namespace asl::detail::validator_impl {

/// A JSONata expression string: "{% ... %}" (spec §11.2). Fields of JSONata states may hold one
/// where JSONPath wants a literal; asl does not evaluate JSONata, so such values are not checked.
inline bool is_jsonata_expression(const Json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  return s.size() >= 4 && s.compare(0, 2, "{%") == 0 && s.compare(s.size() - 2, 2, "%}") == 0;
}

inline void Validator::read_machine_language() {
  // The machine's language is the default of every state, nested ones included (spec §2.5).
  if (const auto it = doc_.find("QueryLanguage"); it != doc_.end() && *it == "JSONata") {
    machine_lang_ = Lang::jsonata;
    emit("090", "/QueryLanguage",
         "QueryLanguage \"JSONata\" is not supported yet: asl runs JSONPath states only (remove the field "
         "or set it to \"JSONPath\")",
         "");
  }
}

/// Sets lang_ for the state at `pointer`: its QueryLanguage, else the machine's.
inline void Validator::read_state_language(const Json& state, const Where& pointer) {
  lang_ = machine_lang_;
  if (const auto ql = state.find("QueryLanguage"sv); ql != state.end()) {
    if (*ql == "JSONata") {
      lang_ = Lang::jsonata;
      if (machine_lang_ != Lang::jsonata) {
        emit("090", child(pointer, "QueryLanguage"),
             "QueryLanguage \"JSONata\" is not supported yet: asl runs JSONPath states only (remove the "
             "field or set it to \"JSONPath\")",
             "");
      }
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
  return lang_ == Lang::jsonata && is_jsonata_expression(v) &&
         (f.check == Check::integer || f.check == Check::number || f.check == Check::timestamp ||
          f.check == Check::text || f.check == Check::payload_template || f.check == Check::payload_any);
}

}  // namespace asl::detail::validator_impl
