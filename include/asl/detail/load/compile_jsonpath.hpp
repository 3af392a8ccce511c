// Compiles one state's JSONPath fields into its JsonPathQueries (paths, payload templates, Choice
// rules, intrinsics, *Path numbers), taking what validation already compiled.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "asl/detail/json/member.hpp"
#include "asl/detail/jsonpath/state_queries.hpp"
#include "asl/detail/load/compiled_parts.hpp"
#include "asl/detail/load/program.hpp"
#include "asl/json.hpp"

namespace asl::detail {

class JsonPathCompiler {
 public:
  explicit JsonPathCompiler(CompiledParts* parts) : parts_(parts) {}

  /// The queries of state `s` (of type `type`); `uses_context` is set when a field reads `$$`.
  std::unique_ptr<JsonPathQueries> compile(StateType type, const Json& s, bool& uses_context) {
    auto q = std::make_unique<JsonPathQueries>();
    bool& ctx = uses_context;
    read_path_field(s, "InputPath", q->input_path);
    read_path_field(s, "OutputPath", q->output_path);
    read_path_field(s, "ResultPath", q->result_path);
    for (const PathField* f : {&q->input_path, &q->output_path})
      if (f->kind == PathField::Kind::path) ctx |= path_uses_context(f->path);

    switch (type) {
      case StateType::pass:
        q->parameters = templ(s, "Parameters", ctx);
        if (const Json* v = json_member(s, "Result")) q->result = *v;
        break;
      case StateType::task:
        q->parameters = templ(s, "Parameters", ctx);
        q->result_selector = templ(s, "ResultSelector", ctx);
        q->timeout_seconds = value_field(s, "TimeoutSeconds", "TimeoutSecondsPath");
        q->heartbeat_seconds = value_field(s, "HeartbeatSeconds", "HeartbeatSecondsPath");
        for (const ValueField* f : {&q->timeout_seconds, &q->heartbeat_seconds})
          if (f->path) ctx |= path_uses_context(*f->path);
        q->credentials_template = templ(s, "Credentials", ctx);
        break;
      case StateType::choice:
        for (const Json& rule : s.at("Choices")) {
          if (auto r = precompiled<choice::Rule>(rule)) {
            q->rules.push_back(std::move(*r));
          } else {
            q->rules.push_back(choice::Rule::compile(rule));
          }
          ctx |= q->rules.back().uses_context();
        }
        break;
      case StateType::wait:
        if (const Json* v = json_member(s, "Seconds")) {
          q->wait_kind = WaitKind::seconds;
          q->wait_seconds = v->get<std::int64_t>();
        } else if (const Json* ts = json_member(s, "Timestamp")) {
          q->wait_kind = WaitKind::timestamp;
          q->wait_timestamp = ts->get<std::string>();
        } else if (const Json* sp = json_member(s, "SecondsPath")) {
          q->wait_kind = WaitKind::seconds_path;
          q->wait_path = path(*sp);
          ctx |= path_uses_context(*q->wait_path);
        } else if (const Json* tp = json_member(s, "TimestampPath")) {
          q->wait_kind = WaitKind::timestamp_path;
          q->wait_path = path(*tp);
          ctx |= path_uses_context(*q->wait_path);
        }
        break;
      case StateType::succeed:
        break;
      case StateType::fail:
        q->error = fail_field(s, "Error", "ErrorPath", ctx);
        q->cause = fail_field(s, "Cause", "CausePath", ctx);
        break;
      case StateType::parallel:
        q->parameters = templ(s, "Parameters", ctx);
        q->result_selector = templ(s, "ResultSelector", ctx);
        break;
      case StateType::map: {
        // Legacy `Parameters` on a Map is the old name of ItemSelector (spec §3.9.1).
        q->item_selector =
            json_member(s, "ItemSelector") ? templ(s, "ItemSelector", ctx) : templ(s, "Parameters", ctx);
        q->result_selector = templ(s, "ResultSelector", ctx);
        if (const Json* v = json_member(s, "ItemsPath"); v != nullptr && v->is_string()) {
          q->items_path = path(*v);
          ctx |= path_uses_context(*q->items_path);
        }
        q->max_concurrency = value_field(s, "MaxConcurrency", "MaxConcurrencyPath");
        q->tolerated_failure_count = value_field(s, "ToleratedFailureCount", "ToleratedFailureCountPath");
        q->tolerated_failure_percentage =
            value_field(s, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath");
        for (const ValueField* f : {&q->max_concurrency, &q->tolerated_failure_count, &q->tolerated_failure_percentage})
          if (f->path) ctx |= path_uses_context(*f->path);
        break;
      }
    }
    if (const Json* catchers = json_member(s, "Catch")) {
      for (const Json& c : *catchers) {
        q->catch_result_paths.emplace_back();
        read_path_field(c, "ResultPath", q->catch_result_paths.back());
        q->catch_assigns.push_back(templ(c, "Assign", ctx));
      }
    }
    q->assign_template = templ(s, "Assign", ctx);
    if (type == StateType::choice)
      for (const Json& rule : s.at("Choices")) q->rule_assigns.push_back(templ(rule, "Assign", ctx));
    q->finish();
    return q;
  }

 private:
  /// The part compiled from `node` during validation, if it was handed over.
  template <class Part>
  std::optional<Part> precompiled(const Json& node) {
    return parts_ ? parts_->take<Part>(node) : std::nullopt;
  }

  static jsonpath::Path path(const Json& node) { return jsonpath::Path::parse(node.get_ref<const std::string&>()); }

  static bool path_uses_context(const jsonpath::Path& p) { return p.root() == jsonpath::Root::context; }

  /// Reads field `key` into `f` (a default PathField), in place: a Path is dear to move.
  template <std::size_t N>
  static void read_path_field(const Json& s, const char (&key)[N], PathField& f) {
    const Json* v = json_member(s, key);
    if (v == nullptr) return;
    if (v->is_null()) {
      f.kind = PathField::Kind::null;
      return;
    }
    f.kind = PathField::Kind::path;
    f.path = path(*v);
  }

  template <std::size_t N, std::size_t M>
  static ValueField value_field(const Json& s, const char (&key)[N], const char (&path_key)[M]) {
    ValueField f;
    f.path_field = path_key;
    if (const Json* v = json_member(s, key)) {
      f.present = true;
      f.literal = *v;
    } else if (const Json* p = json_member(s, path_key)) {
      f.present = true;
      f.path = path(*p);
    }
    return f;
  }

  template <std::size_t N>
  std::optional<PayloadTemplate> templ(const Json& s, const char (&key)[N], bool& uses_context) {
    const Json* v = json_member(s, key);
    if (v == nullptr) return std::nullopt;
    std::optional<PayloadTemplate> t = precompiled<PayloadTemplate>(*v);
    if (!t) t = PayloadTemplate::compile(*v);
    uses_context |= t->uses_context();
    return t;
  }

  template <std::size_t N, std::size_t M>
  FailField fail_field(const Json& s, const char (&key)[N], const char (&path_key)[M], bool& uses_context) {
    FailField f;
    if (const Json* v = json_member(s, key); v != nullptr && v->is_string()) {
      f.literal = v->get<std::string>();
    } else if (const Json* p = json_member(s, path_key); p != nullptr && p->is_string()) {
      f.source_text = p->get<std::string>();
      if (intrinsics::looks_like_call(f.source_text)) {
        if (auto e = precompiled<intrinsics::Expression>(*p)) {
          f.function = std::move(*e);
        } else {
          f.function = intrinsics::Expression::parse(f.source_text);
        }
        uses_context |= f.function->uses_context();
      } else {
        f.path = path(*p);
        uses_context |= path_uses_context(*f.path);
      }
    }
    return f;
  }

  CompiledParts* parts_;
};

}  // namespace asl::detail
