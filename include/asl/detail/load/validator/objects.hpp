// Validator object checks: a JSON object against its field table, and each value against its Check.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/base/did_you_mean.hpp"
#include "asl/detail/base/timestamp.hpp"
#include "asl/detail/load/validator.hpp"

namespace asl::detail::validator_impl {

inline void Validator::check_object(const Json& obj, const Where& pointer, const ObjectSpec& spec) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& key = it.key();
    const Where fp = child(pointer, key);
    const FieldSpec* f = find_field(spec, key);
    if (!f) {
      unknown_field(key, fp, spec);
    } else if (!allows(f->lang, lang_)) {
      wrong_language(key, fp);
    } else {
      check_value(*f, it.value(), fp, spec);
    }
  }
  for (const FieldSpec& f : spec.fields) {
    if (f.required && allows(f.lang, lang_) && !obj.contains(f.name)) {
      emit("202", pointer, fmt::format("missing required field \"{}\" in {}", f.name, spec.what), schema);
    }
  }
  for (const GroupSpec& g : spec.groups) check_group(obj, pointer, spec, g);
}

inline const FieldSpec* Validator::find_field(const ObjectSpec& spec, std::string_view key) {
  for (const FieldSpec& f : spec.fields) {
    if (f.name == key) return &f;
  }
  return nullptr;
}

inline void Validator::unknown_field(const std::string& key, const Where& pointer, const ObjectSpec& spec) {
  const bool is_state = std::any_of(std::begin(state_types), std::end(state_types),
                                    [&](std::string_view t) { return state_spec(t) == &spec; });
  if (is_state && (key == "Retry" || key == "Catch")) {
    emit("501", pointer,
         fmt::format("field \"{}\" is not supported in {}: only Task, Parallel and Map states can retry or "
                     "catch errors (spec §9.2)",
                     key, spec.what),
         schema);
    return;
  }
  std::string hint;
  std::vector<std::string_view> candidates;
  for (const FieldSpec& f : spec.fields) {
    if (allows(f.lang, lang_)) candidates.push_back(f.name);
  }
  if (auto s = did_you_mean(key, candidates)) {
    hint = fmt::format(" (did you mean \"{}\"?)", *s);
  } else if (is_state) {
    if ((key == "Next" || key == "End") && (spec.what == "a Succeed state" || spec.what == "a Fail state")) {
      hint = ": Succeed and Fail states are terminal";
    } else if ((key == "Next" || key == "End") && spec.what == "a Choice state") {
      hint = ": a Choice state moves on through its Choices rules' \"Next\" and its \"Default\"";
    } else {
      std::string owners;
      for (const std::string_view t : state_types) {
        const ObjectSpec* other = state_spec(t);
        if (other != &spec && find_field(*other, key)) owners += (owners.empty() ? "" : ", ") + std::string(t);
      }
      if (!owners.empty()) hint = fmt::format(" (it is a field of: {})", owners);
    }
  }
  emit("201", pointer, fmt::format("field \"{}\" is not supported in {}{}", key, spec.what, hint), schema);
}

inline void Validator::check_group(const Json& obj, const Where& pointer, const ObjectSpec& spec, const GroupSpec& g) {
  std::vector<std::string_view> present;
  std::size_t n = 0;
  for (const std::string_view name : g.fields) {
    if (name.empty()) break;
    ++n;
    const FieldSpec* f = find_field(spec, name);
    if (obj.contains(name) && (!f || allows(f->lang, lang_))) present.push_back(name);
  }
  // In JSONata states only the JSONata-capable members count (the others were refused above).
  std::vector<std::string_view> eligible;
  for (std::size_t i = 0; i < n; ++i) {
    const FieldSpec* f = find_field(spec, g.fields[i]);
    if (!f || allows(f->lang, lang_)) eligible.push_back(g.fields[i]);
  }
  if (present.size() > 1 && g.rule != Rule::at_least_one) {
    emit("205", child(pointer, present[1]),
         n == 2 ? fmt::format("\"{}\" and \"{}\" cannot both be set: use one or the other", present[0], present[1])
                : fmt::format("only one of {} may be set, found \"{}\" and \"{}\"",
                              quoted_list(eligible.data(), eligible.size()), present[0], present[1]),
         schema);
  }
  if (present.empty() && g.rule != Rule::at_most_one) {
    emit("206", pointer,
         fmt::format("{} needs {} of {}", capitalize(spec.what),
                     g.rule == Rule::exactly_one ? "exactly one" : "at least one",
                     quoted_list(eligible.data(), eligible.size(), eligible.size() == 2 ? " or " : ", ")),
         schema);
  }
}

inline void Validator::check_value(const FieldSpec& f, const Json& v, const Where& pointer, const ObjectSpec& spec) {
  if (computed_by_jsonata(f, v)) return;
  switch (f.check) {
    case Check::any:
    case Check::type: return;
    case Check::text:
      if (!v.is_string()) wrong_type(pointer, f.name, "a string", v);
      return;
    case Check::next: add_transition(v, pointer, f.name); return;
    case Check::end:
      if (!v.is_boolean()) {
        wrong_type(pointer, f.name, "true", v);
      } else if (!v.get<bool>()) {
        emit("107", pointer, "\"End\" must be true: remove it and use \"Next\" to continue to another state", schema);
      }
      return;
    case Check::assign: check_assign(v, pointer); return;
    case Check::path:
      if (!v.is_null()) check_path(f.name, v, pointer, false);
      return;
    case Check::result_path: check_result_path(f.name, v, pointer); return;
    case Check::reference_path: check_path(f.name, v, pointer, true); return;
    case Check::path_or_intrinsic: check_path_or_intrinsic(f.name, v, pointer); return;
    case Check::payload_template:
    case Check::payload_any:
      if (lang_ == Lang::jsonata) return;  // JSONata: any JSON, "{% %}" strings evaluated
      check_payload_template(f.name, v, pointer, true, f.check == Check::payload_any);
      return;
    case Check::integer: check_number(f, v, pointer, spec, true); return;
    case Check::number: check_number(f, v, pointer, spec, false); return;
    case Check::one_of: check_one_of(f, v, pointer, spec.value_id == "207" ? "209" : spec.value_id); return;
    case Check::timestamp: check_timestamp(f.name, v, pointer); return;
    case Check::string_array:
      if (!v.is_array()) {
        wrong_type(pointer, f.name, "an array of strings", v);
      } else {
        for (std::size_t i = 0; i < v.size(); ++i) {
          if (!v[i].is_string()) wrong_type(child(pointer, i), f.name, "an array of strings", v);
        }
      }
      return;
    case Check::label: check_label(v, pointer); return;
    case Check::start_at:
      if (!v.is_string()) {
        wrong_type(pointer, f.name, "a string (a state name)", v);
      } else {
        containers_[container_].start_at = &v;
      }
      return;
    case Check::states:
      if (!v.is_object()) {
        wrong_type(pointer, f.name, "an object mapping state names to states", v);
        containers_[container_].uncertain = true;
        containers_[container_].states_missing = true;
      } else {
        containers_[container_].states_missing = false;
        walk_states(v, pointer);
      }
      return;
    case Check::choices: check_choices(v, pointer); return;
    case Check::retry: check_error_handlers(v, pointer, retrier_spec, "Retrier"); return;
    case Check::catch_: check_error_handlers(v, pointer, catcher_spec, "Catcher"); return;
    case Check::error_equals: check_error_equals(v, pointer); return;
    case Check::branches: check_branches(v, pointer); return;
    case Check::item_processor:
      if (!v.is_object()) {
        wrong_type(pointer, f.name, "an object with \"StartAt\" and \"States\"", v);
      } else {
        walk_container(v, pointer, f.name == "Iterator" ? iterator_spec : item_processor_spec);
      }
      return;
    case Check::processor_config:
      check_sub_object(f, v, pointer, processor_config_spec);
      if (v.is_object()) {
        if (const auto mode = v.find("Mode");
            mode != v.end() && *mode == "DISTRIBUTED" && !v.contains("ExecutionType")) {
          emit("210", pointer,
               "a DISTRIBUTED Map needs \"ExecutionType\" (\"STANDARD\" or \"EXPRESS\") in ProcessorConfig: it "
               "is the type of the child executions",
               schema);
        }
      }
      return;
    case Check::credentials: check_credentials(v, pointer); return;
    case Check::item_reader: check_sub_object(f, v, pointer, item_reader_spec); return;
    case Check::reader_config: check_sub_object(f, v, pointer, reader_config_spec); return;
    case Check::item_batcher: check_sub_object(f, v, pointer, item_batcher_spec); return;
    case Check::result_writer:
      if (v.is_object() && v.empty()) {
        emit("214", pointer,
             "\"ResultWriter\" cannot be empty: give \"WriterConfig\", or \"Resource\" and \"Parameters\"", schema);
        return;
      }
      check_sub_object(f, v, pointer, result_writer_spec);
      return;
    case Check::writer_config: check_sub_object(f, v, pointer, writer_config_spec); return;
  }
}

inline void Validator::check_sub_object(const FieldSpec& f, const Json& v, const Where& pointer,
                                        const ObjectSpec& spec) {
  if (!v.is_object()) {
    wrong_type(pointer, f.name, "an object", v);
    return;
  }
  check_object(v, pointer, spec);
}

inline void Validator::check_number(const FieldSpec& f, const Json& v, const Where& pointer, const ObjectSpec& spec,
                                    bool integral) {
  const std::string range = std::isinf(f.max)
                                ? fmt::format("at least {}", format_bound(f.min))
                                : fmt::format("from {} to {}", format_bound(f.min), format_bound(f.max));
  if (!v.is_number()) {
    wrong_type(pointer, f.name, integral ? fmt::format("an integer {}", range) : fmt::format("a number {}", range),
               v);
    return;
  }
  const double d = v.get<double>();
  if ((integral && !is_integral(v)) || !(d >= f.min && d <= f.max)) {
    emit(spec.value_id, pointer,
         fmt::format("\"{}\" must be {} {}, got {}", f.name, integral ? "an integer" : "a number", range, show(v)),
         schema);
  }
}

inline void Validator::check_one_of(const FieldSpec& f, const Json& v, const Where& pointer, std::string_view id) {
  const Values values = f.values;
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    for (std::size_t i = 0; i < values.size; ++i) {
      if (values.data[i] == s) return;
    }
  }
  std::string hint;
  if (v.is_string() && values.size > 1) {
    const std::vector<std::string_view> candidates(values.data, values.data + values.size);
    if (auto s = did_you_mean(v.get_ref<const std::string&>(), candidates))
      hint = fmt::format(" (did you mean \"{}\"?)", *s);
  }
  emit(id, pointer,
       fmt::format("\"{}\" must be {}{}, got {}{}", f.name, values.size == 1 ? "" : "one of ",
                   quoted_list(values.data, values.size), show(v), hint),
       schema);
}

inline void Validator::check_timestamp(std::string_view name, const Json& v, const Where& pointer) {
  if (!v.is_string()) {
    wrong_type(pointer, name, "a timestamp string", v);
    return;
  }
  if (!timestamp::parse_instant(v.get_ref<const std::string&>())) {
    emit("212", pointer,
         fmt::format("\"{}\" must be an RFC 3339 timestamp with an uppercase T and a Z or numeric offset, such as "
                     "\"2016-03-14T01:59:00Z\", got {}",
                     name, show(v)),
         schema);
  }
}

inline std::string Validator::capitalize(std::string_view what) {
  std::string s(what);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

}  // namespace asl::detail::validator_impl
