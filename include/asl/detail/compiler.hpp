// Compiles a validated ASL definition into a Program: states indexed, transitions resolved,
// paths/templates/rules pre-parsed and Task handlers resolved once.
// SPDX-License-Identifier: MIT
#pragma once

#include <cctype>
#include <memory>
#include <string_view>
#include <string>
#include <vector>

#include "asl/detail/json_pointer.hpp"
#include "asl/detail/program.hpp"
#include "asl/error.hpp"
#include "asl/task.hpp"

namespace asl::detail {

class Compiler {
 public:
  Compiler(const TaskResolver& resolver, std::vector<Diagnostic>& problems)
      : resolver_(resolver), problems_(problems) {}

  /// `definition` must have passed validate_definition() without diagnostics.
  std::shared_ptr<Program> compile(Json definition, std::string name) {
    program_ = std::make_shared<Program>();
    program_->name = std::move(name);
    if (auto it = definition.find("TimeoutSeconds"); it != definition.end() && it->is_number())
      program_->timeout_seconds = it->get<std::uint64_t>();
    program_->scopes.emplace_back();
    // First pass: create every state so that transitions can be resolved by name.
    declare_scope(definition, 0, "");
    // Second pass: fill in fields now that every name has an index.
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const auto& p = pending_[i];
      fill_state(program_->states[p.index], *p.json, p.pointer);
    }
    for (const auto& st : program_->states) program_->uses_context |= st.context_needs_input;
    program_->definition = std::move(definition);
    return std::move(program_);
  }

 private:
  struct Pending {
    std::uint32_t index;
    const Json* json;
    std::string pointer;
  };

  void declare_scope(const Json& container, std::uint32_t scope_id, const std::string& pointer) {
    const Json& states = container.at("States");
    for (auto it = states.begin(); it != states.end(); ++it) {
      State st;
      st.name = it.key();
      st.index = static_cast<std::uint32_t>(program_->states.size());
      st.scope = scope_id;
      program_->index_by_name.emplace(st.name, st.index);
      program_->scopes[scope_id].states.push_back(st.index);
      pending_.push_back({st.index, &it.value(), pointer + "/States/" + pointer_token(st.name)});
      program_->states.push_back(std::move(st));
    }
    program_->scopes[scope_id].start = index_of(container.at("StartAt").get<std::string>());
    // Nested containers get their own scopes; declare them after this level's states exist.
    for (auto it = states.begin(); it != states.end(); ++it) {
      const Json& s = it.value();
      const std::string sp = pointer + "/States/" + pointer_token(it.key());
      const std::string type = s.value("Type", "");
      if (type == "Parallel") {
        std::size_t b = 0;
        for (const Json& branch : s.at("Branches")) {
          auto id = new_scope();
          branch_scopes_[sp].push_back(id);
          declare_scope(branch, id, sp + "/Branches/" + std::to_string(b++));
        }
      } else if (type == "Map") {
        const char* key = s.contains("ItemProcessor") ? "ItemProcessor" : "Iterator";
        auto id = new_scope();
        branch_scopes_[sp].push_back(id);
        declare_scope(s.at(key), id, sp + "/" + key);
      }
    }
  }

  std::uint32_t new_scope() {
    program_->scopes.emplace_back();
    return static_cast<std::uint32_t>(program_->scopes.size() - 1);
  }

  std::uint32_t index_of(const std::string& name) const {
    auto it = program_->index_by_name.find(name);
    return it == program_->index_by_name.end() ? no_index : it->second;
  }

  static PathField path_field(const Json& s, const char* key) {
    PathField f;
    auto it = s.find(key);
    if (it == s.end()) return f;
    if (it->is_null()) {
      f.kind = PathField::Kind::null;
      return f;
    }
    f.kind = PathField::Kind::path;
    f.path = jsonpath::Path::parse(it->get<std::string>());
    return f;
  }

  static ValueField value_field(const Json& s, const char* key, const std::string& path_key) {
    ValueField f;
    f.path_field = path_key;
    if (auto it = s.find(key); it != s.end()) {
      f.present = true;
      f.literal = *it;
    } else if (auto p = s.find(path_key); p != s.end()) {
      f.present = true;
      f.path = jsonpath::Path::parse(p->get<std::string>());
    }
    return f;
  }

  static bool path_uses_context(const jsonpath::Path& p) {
    return p.root() == jsonpath::Root::context;
  }

  std::optional<PayloadTemplate> templ(const Json& s, const char* key, bool& uses_context) {
    auto it = s.find(key);
    if (it == s.end()) return std::nullopt;
    auto t = PayloadTemplate::compile(*it);
    uses_context |= t.uses_context();
    return t;
  }

  FailField fail_field(const Json& s, const char* key, const char* path_key, bool& uses_context) {
    FailField f;
    if (auto it = s.find(key); it != s.end() && it->is_string()) {
      f.literal = it->get<std::string>();
    } else if (auto p = s.find(path_key); p != s.end() && p->is_string()) {
      f.source_text = p->get<std::string>();
      if (intrinsics::looks_like_call(f.source_text)) {
        f.function = intrinsics::Expression::parse(f.source_text);
        uses_context |= f.function->uses_context();
      } else {
        f.path = jsonpath::Path::parse(f.source_text);
        uses_context |= path_uses_context(*f.path);
      }
    }
    return f;
  }

  void fill_state(State& st, const Json& s, const std::string& pointer) {
    static const std::pair<const char*, StateType> types[] = {
        {"Pass", StateType::pass},         {"Task", StateType::task},
        {"Choice", StateType::choice},     {"Wait", StateType::wait},
        {"Succeed", StateType::succeed},   {"Fail", StateType::fail},
        {"Parallel", StateType::parallel}, {"Map", StateType::map}};
    const std::string type = s.at("Type").get<std::string>();
    for (const auto& [n, t] : types)
      if (type == n) st.type = t;

    if (auto it = s.find("Next"); it != s.end()) st.next = index_of(it->get<std::string>());
    st.end = s.value("End", false);
    st.input_path = path_field(s, "InputPath");
    st.output_path = path_field(s, "OutputPath");
    st.result_path = path_field(s, "ResultPath");
    bool ctx = false;
    for (const PathField* f : {&st.input_path, &st.output_path})
      if (f->kind == PathField::Kind::path) ctx |= path_uses_context(f->path);

    switch (st.type) {
      case StateType::pass:
        st.parameters = templ(s, "Parameters", ctx);
        if (auto it = s.find("Result"); it != s.end()) st.result = *it;
        break;
      case StateType::task: {
        st.parameters = templ(s, "Parameters", ctx);
        st.result_selector = templ(s, "ResultSelector", ctx);
        st.resource = s.at("Resource").get<std::string>();
        classify_resource(st);
        st.timeout_seconds = value_field(s, "TimeoutSeconds", "TimeoutSecondsPath");
        st.heartbeat_seconds = value_field(s, "HeartbeatSeconds", "HeartbeatSecondsPath");
        if (auto it = s.find("Credentials"); it != s.end()) {
          st.credentials = PayloadTemplate::compile(*it);
          ctx |= st.credentials->uses_context();
        }
        st.handler = resolver_.resolve(ResolveRequest{st.resource, st.name});
        if (!st.handler) {
          problems_.push_back(Diagnostic{
              "asl.definition.601", pointer + "/Resource",
              "no task handler for resource \"" + st.resource + "\" (state \"" + st.name +
                  "\"): register one with the TaskResolver given to the loader",
              "SCHEMA_VALIDATION_FAILED"});
        }
        break;
      }
      case StateType::choice:
        for (const Json& rule : s.at("Choices")) {
          ChoiceBranch b;
          b.rule = choice::Rule::compile(rule);
          ctx |= b.rule.uses_context();
          b.next = index_of(rule.at("Next").get<std::string>());
          st.choices.push_back(std::move(b));
        }
        if (auto it = s.find("Default"); it != s.end())
          st.default_next = index_of(it->get<std::string>());
        break;
      case StateType::wait:
        if (auto it = s.find("Seconds"); it != s.end()) {
          st.wait_kind = WaitKind::seconds;
          st.wait_seconds = it->get<std::int64_t>();
        } else if (auto ts = s.find("Timestamp"); ts != s.end()) {
          st.wait_kind = WaitKind::timestamp;
          st.wait_timestamp = ts->get<std::string>();
        } else if (auto sp = s.find("SecondsPath"); sp != s.end()) {
          st.wait_kind = WaitKind::seconds_path;
          st.wait_path = jsonpath::Path::parse(sp->get<std::string>());
          ctx |= path_uses_context(*st.wait_path);
        } else if (auto tp = s.find("TimestampPath"); tp != s.end()) {
          st.wait_kind = WaitKind::timestamp_path;
          st.wait_path = jsonpath::Path::parse(tp->get<std::string>());
          ctx |= path_uses_context(*st.wait_path);
        }
        break;
      case StateType::succeed:
        break;
      case StateType::fail:
        st.error = fail_field(s, "Error", "ErrorPath", ctx);
        st.cause = fail_field(s, "Cause", "CausePath", ctx);
        break;
      case StateType::parallel:
        st.parameters = templ(s, "Parameters", ctx);
        st.result_selector = templ(s, "ResultSelector", ctx);
        st.branches = branch_scopes_[pointer];
        break;
      case StateType::map: {
        // Legacy `Parameters` on a Map is the old name of ItemSelector (spec §3.9.1).
        st.item_selector = templ(s, s.contains("ItemSelector") ? "ItemSelector" : "Parameters", ctx);
        st.result_selector = templ(s, "ResultSelector", ctx);
        if (auto it = s.find("ItemsPath"); it != s.end() && it->is_string()) {
          st.items_path = jsonpath::Path::parse(it->get<std::string>());
          ctx |= path_uses_context(*st.items_path);
        }
        st.max_concurrency = value_field(s, "MaxConcurrency", "MaxConcurrencyPath");
        st.tolerated_failure_count =
            value_field(s, "ToleratedFailureCount", "ToleratedFailureCountPath");
        st.tolerated_failure_percentage =
            value_field(s, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath");
        for (const ValueField* f : {&st.max_concurrency, &st.tolerated_failure_count,
                                    &st.tolerated_failure_percentage})
          if (f->path) ctx |= path_uses_context(*f->path);
        const Json* proc = s.contains("ItemProcessor") ? &s.at("ItemProcessor") : &s.at("Iterator");
        if (auto pc = proc->find("ProcessorConfig"); pc != proc->end())
          st.distributed = pc->value("Mode", "INLINE") == "DISTRIBUTED";
        st.processor = branch_scopes_[pointer].at(0);
        break;
      }
    }
    if (auto it = s.find("Retry"); it != s.end()) {
      for (const Json& r : *it) {
        Retrier rt;
        rt.error_equals = r.at("ErrorEquals").get<std::vector<std::string>>();
        rt.interval_seconds = r.value("IntervalSeconds", 1.0);
        rt.max_attempts = r.value("MaxAttempts", 3u);
        rt.backoff_rate = r.value("BackoffRate", 2.0);
        if (auto md = r.find("MaxDelaySeconds"); md != r.end()) rt.max_delay_seconds = md->get<double>();
        rt.jitter_full = r.value("JitterStrategy", "NONE") == "FULL";
        st.retriers.push_back(std::move(rt));
      }
    }
    if (auto it = s.find("Catch"); it != s.end()) {
      for (const Json& c : *it) {
        Catcher ct;
        ct.error_equals = c.at("ErrorEquals").get<std::vector<std::string>>();
        ct.result_path = path_field(c, "ResultPath");
        ct.next = index_of(c.at("Next").get<std::string>());
        st.catchers.push_back(std::move(ct));
      }
    }
    st.uses_context = ctx;
    st.context_needs_input = ctx && reads_execution_input(s);
  }

  /// Could a `$$` reference in this state's own fields (nested states excluded) reach
  /// $$.Execution.Input? Building the context object copies the whole execution input, so states
  /// that only read $$.Map.Item, $$.State, ... skip that copy.
  static bool reads_execution_input(const Json& j, bool top = true) {
    if (j.is_string()) {
      const std::string& s = j.get_ref<const std::string&>();
      for (auto at = s.find("$$"); at != std::string::npos; at = s.find("$$", at + 2)) {
        std::string_view rest = std::string_view(s).substr(at + 2);
        auto ident = [&rest]() {
          if (rest.empty() || rest[0] != '.') return std::string_view();
          std::size_t n = 1;
          while (n < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[n])) || rest[n] == '_')) ++n;
          auto id = rest.substr(1, n - 1);
          rest = rest.substr(n);
          return id;
        };
        const std::string_view first = ident();
        if (first == "State" || first == "StateMachine" || first == "Task" || first == "Map") continue;
        if (first == "Execution") {
          const std::string_view second = ident();
          if (!second.empty() && second != "Input") continue;
        }
        return true;
      }
      return false;
    }
    if (j.is_object()) {
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (top && (it.key() == "ItemProcessor" || it.key() == "Iterator" || it.key() == "Branches")) continue;
        if (reads_execution_input(it.value(), false)) return true;
      }
    }
    if (j.is_array())
      for (const auto& e : j)
        if (reads_execution_input(e, false)) return true;
    return false;
  }

  static void classify_resource(State& st) {
    auto ends_with = [&](std::string_view suffix) {
      return st.resource.size() >= suffix.size() &&
             st.resource.compare(st.resource.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with(".waitForTaskToken")) st.integration = Integration::wait_for_task_token;
    else if (ends_with(".sync:2")) st.integration = Integration::sync2;
    else if (ends_with(".sync")) st.integration = Integration::sync;
    // A bare Lambda function ARN is the legacy integration; AWS logs LambdaFunction* events.
    st.lambda_events = st.resource.rfind("arn:aws:lambda:", 0) == 0 &&
                       st.resource.find(":function:") != std::string::npos;
  }

  const TaskResolver& resolver_;
  std::vector<Diagnostic>& problems_;
  std::shared_ptr<Program> program_;
  std::vector<Pending> pending_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> branch_scopes_;
};

}  // namespace asl::detail
