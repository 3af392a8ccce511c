// Compiles a validated ASL definition into a Program: states indexed, transitions resolved,
// paths/templates/rules pre-parsed and Task handlers resolved once.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "asl/detail/items/map_io.hpp"
#include "asl/detail/json/depth.hpp"
#include "asl/detail/json/member.hpp"
#include "asl/detail/json/pointer.hpp"
#include "asl/detail/load/compile_jsonata.hpp"
#include "asl/detail/load/compile_jsonpath.hpp"
#include "asl/detail/load/program.hpp"
#include "asl/error.hpp"
#include "asl/task_resolver.hpp"

namespace asl::detail {

class Compiler {
 public:
  Compiler(const TaskResolver& resolver, std::vector<Diagnostic>& problems)
      : resolver_(resolver), problems_(problems) {}

  /// `definition` must have passed validate_definition() without diagnostics. `parts`: what that
  /// validation compiled from this very document (validate_definition's `parts`); the Compiler
  /// takes those instead of compiling the nodes again, and compiles whatever is not there.
  std::shared_ptr<Program> compile(Json definition, std::string name, CompiledParts* parts = nullptr) {
    parts_ = parts;
    program_ = std::make_shared<Program>();
    program_->name = std::move(name);
    if (auto it = definition.find("TimeoutSeconds"); it != definition.end() && it->is_number())
      program_->timeout_seconds = it->get<std::uint64_t>();
    if (const Json* ql = json_member(definition, "QueryLanguage")) machine_jsonata_ = *ql == "JSONata";
    new_scope("");
    // First pass: create every state so that transitions can be resolved by name.
    declare_scope(definition, 0);
    // Second pass: fill in fields now that every name has an index.
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const auto& p = pending_[i];
      fill_state(program_->states[p.index], *p.json);
    }
    for (const auto& st : program_->states) program_->uses_context |= st.context_needs_input;
    program_->definition = std::move(definition);
    return std::move(program_);
  }

 private:
  struct Pending {
    std::uint32_t index;
    const Json* json;
  };

  void declare_scope(const Json& container, std::uint32_t scope_id) {
    const Json& states = container.at("States");
    auto& all = program_->states;
    const auto first = static_cast<std::uint32_t>(all.size());
    // States are large: build them in place, and grow the table once per container (geometrically,
    // so that many small nested containers do not regrow it each time).
    if (all.capacity() < all.size() + states.size())
      all.reserve(std::max(all.size() + states.size(), 2 * all.capacity()));
    for (auto it = states.begin(); it != states.end(); ++it) {
      const auto index = static_cast<std::uint32_t>(all.size());
      State& st = all.emplace_back();
      st.name = it.key();
      st.index = index;
      st.scope = scope_id;
      program_->index_by_name.emplace(st.name, index);
      program_->scopes[scope_id].states.push_back(index);
      pending_.push_back({index, &it.value()});
    }
    program_->scopes[scope_id].start = index_of(container.at("StartAt").get_ref<const std::string&>());
    // Nested containers get their own scopes; declare them after this level's states exist.
    std::uint32_t index = first;
    for (auto it = states.begin(); it != states.end(); ++it, ++index) {
      const Json& s = it.value();
      const Json* type = json_member(s, "Type");
      if (type == nullptr || !type->is_string()) continue;
      const std::string_view t = type->get_ref<const std::string&>();
      if (t == "Parallel") {
        const std::string sp = state_pointer(program_->states[index]) + "/Branches/";
        std::size_t b = 0;
        for (const Json& branch : s.at("Branches")) {
          const auto id = new_scope(sp + std::to_string(b++));
          program_->states[index].branches.push_back(id);
          declare_scope(branch, id);
        }
      } else if (t == "Map") {
        const char* key = json_member(s, "ItemProcessor") ? "ItemProcessor" : "Iterator";
        const auto id = new_scope(state_pointer(program_->states[index]) + "/" + key);
        program_->states[index].processor = id;
        declare_scope(s.at(key), id);
      }
    }
  }

  /// A scope for the States container at `pointer` (kept for diagnostics).
  std::uint32_t new_scope(std::string pointer) {
    program_->scopes.emplace_back();
    scope_pointers_.push_back(std::move(pointer));
    return static_cast<std::uint32_t>(program_->scopes.size() - 1);
  }

  /// The JSON Pointer of a state, for diagnostics.
  std::string state_pointer(const State& st) const {
    return scope_pointers_[st.scope] + "/States/" + pointer_token(st.name);
  }

  std::uint32_t index_of(const std::string& name) const {
    auto it = program_->index_by_name.find(name);
    return it == program_->index_by_name.end() ? no_index : it->second;
  }

  void fill_state(State& st, const Json& s) {
    static constexpr std::pair<std::string_view, StateType> types[] = {
        {"Pass", StateType::pass},         {"Task", StateType::task},
        {"Choice", StateType::choice},     {"Wait", StateType::wait},
        {"Succeed", StateType::succeed},   {"Fail", StateType::fail},
        {"Parallel", StateType::parallel}, {"Map", StateType::map}};
    const std::string_view type = s.at("Type").get_ref<const std::string&>();
    for (const auto& [n, t] : types) {
      if (type == n) {
        st.type = t;
        break;
      }
    }

    if (const Json* v = json_member(s, "Next")) st.next = index_of(v->get_ref<const std::string&>());
    if (const Json* v = json_member(s, "End")) st.end = v->get<bool>();
    bool ctx = false;
    bool jsonata = machine_jsonata_;
    if (const Json* ql = json_member(s, "QueryLanguage")) jsonata = *ql == "JSONata";
    std::unique_ptr<StateQueries> queries;
    if (jsonata)
      queries = JsonataCompiler(parts_).compile(st.type, s, ctx);
    else
      queries = JsonPathCompiler(parts_).compile(st.type, s, ctx);
    st.jsonata = jsonata;
    program_->uses_variables |= st.queries_assign(*queries);
    switch (st.type) {
      case StateType::task:
        st.resource = s.at("Resource").get<std::string>();
        classify_resource(st);
        st.handler = resolver_.resolve(ResolveRequest{st.resource, st.name});
        st.at_most_once = resolver_.delivery(ResolveRequest{st.resource, st.name}) == TaskDelivery::at_most_once;
        if (!st.handler) {
          problems_.push_back(Diagnostic{
              "asl.definition.601", state_pointer(st) + "/Resource",
              "no task handler for resource \"" + st.resource + "\" (state \"" + st.name +
                  "\"): register one with the TaskResolver given to the loader",
              "SCHEMA_VALIDATION_FAILED"});
        }
        break;
      case StateType::choice:
        for (const Json& rule : s.at("Choices"))
          st.choice_next.push_back(index_of(rule.at("Next").get_ref<const std::string&>()));
        if (const Json* v = json_member(s, "Default")) st.default_next = index_of(v->get_ref<const std::string&>());
        break;
      case StateType::map: {
        const Json* proc = json_member(s, "ItemProcessor");
        if (proc == nullptr) proc = &s.at("Iterator");
        if (const Json* pc = json_member(*proc, "ProcessorConfig"))
          st.distributed = pc->value("Mode", "INLINE") == "DISTRIBUTED";
        program_->has_distributed_map |= st.distributed;
        if (st.distributed) st.io = compile_map_io(s, jsonata, ctx);  // Distributed Map I/O (issue #20)
        break;  // processor: set by declare_scope
      }
      default:
        break;  // Parallel branches: set by declare_scope
    }
    st.shape = queries->shape();
    st.queries = std::move(queries);
    if (const Json* retry = json_member(s, "Retry")) {
      for (const Json& r : *retry) {
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
    if (const Json* catchers = json_member(s, "Catch")) {
      for (const Json& c : *catchers) {
        Catcher ct;
        ct.error_equals = c.at("ErrorEquals").get<std::vector<std::string>>();
        ct.next = index_of(c.at("Next").get_ref<const std::string&>());
        st.catchers.push_back(std::move(ct));
      }
    }
    st.uses_context = ctx;
    // JSONata reaches the context through `$states.context` in any form: keep the input copy.
    st.context_needs_input = ctx && (jsonata || reads_execution_input(s));
    set_depth_growth(st, s);
    // A JSONata expression may build any depth (`$parse`, recursion): measure what it made,
    // unless every field is one the template builds itself, with a depth known at load.
    if (jsonata) {
      const auto growth = st.distributed ? std::nullopt : static_cast<const JsonataQueries&>(*st.queries).depth_growth();
      if (growth)
        st.depth_growth = static_cast<std::uint32_t>(std::min<std::size_t>(st.depth_growth + *growth, 0xffffffffu));
      else
        st.deep_check = true;
    }
  }

  /// State::depth_growth and deep_check. Choice, Wait, Succeed and Fail output a part of their
  /// input. The others may nest their input (or a task's result, measured when it arrives) under
  /// their own fields' nesting (Parameters, ResultSelector, ItemSelector, Result), under the
  /// objects a ResultPath creates (at most one per `.` or `[` of the path), under a Map or
  /// Parallel result array and a Catch's error object, and under intrinsics that build arrays
  /// (States.Array and States.ArrayPartition, nested at most 10 deep in one field). Branches and
  /// item processors are states of their own and are left out.
  static void set_depth_growth(State& st, const Json& s) {
    if (st.type == StateType::choice || st.type == StateType::wait || st.type == StateType::succeed ||
        st.type == StateType::fail)
      return;
    std::size_t fields = 0, paths = 0;
    bool arrays = false;
    auto path_levels = [](const Json& p) {
      if (!p.is_string()) return std::size_t{0};
      const std::string& t = p.get_ref<const std::string&>();
      return static_cast<std::size_t>(std::count(t.begin(), t.end(), '.') + std::count(t.begin(), t.end(), '['));
    };
    for (const auto& [key, v] : s.items()) {
      if (key == "ItemProcessor" || key == "Iterator" || key == "Branches" || key == "Retry") continue;
      if (key == "ResultPath") paths = std::max(paths, path_levels(v));
      if (key == "Catch" && v.is_array())
        for (const Json& c : v)
          if (auto rp = c.find("ResultPath"); rp != c.end()) paths = std::max(paths, 1 + path_levels(*rp));
      if (key == "Parameters" || key == "ResultSelector" || key == "ItemSelector" || key == "Result" ||
          key == "Credentials") {
        fields = std::max(fields, json_depth(v));
        scan_intrinsics(v, arrays, st.deep_check);
      }
    }
    const std::size_t growth = fields + paths + (arrays ? 20 : 0) + 2;
    st.depth_growth = static_cast<std::uint32_t>(std::min<std::size_t>(growth, 0xffffffffu));
  }

  /// Finds the intrinsics of a field's strings that deepen documents. The field is part of the
  /// definition, whose nesting the loader has bounded (LoadOptions::max_depth).
  static void scan_intrinsics(const Json& v, bool& arrays, bool& parses) {
    if (v.is_string()) {
      const std::string& t = v.get_ref<const std::string&>();
      arrays |= t.find("States.Array") != std::string::npos;
      parses |= t.find("States.StringToJson") != std::string::npos;
    } else if (v.is_structured()) {
      for (const Json& e : v) scan_intrinsics(e, arrays, parses);
    }
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
  CompiledParts* parts_ = nullptr;
  std::shared_ptr<Program> program_;
  std::vector<Pending> pending_;
  std::vector<std::string> scope_pointers_;
  bool machine_jsonata_ = false;  ///< the definition's QueryLanguage is JSONata  ///< per scope: pointer of its container (for diagnostics)
};

}  // namespace asl::detail
