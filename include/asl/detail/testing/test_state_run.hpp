// How asl::testing::test_state runs one state: the definition loaded as the engine loads it, then the state's stages through its compiled queries and the Retry/Catch rules.
// SPDX-License-Identifier: MIT
//
// The stages are the engine's own: StateQueries (detail/query/state_queries.hpp) is the seam the
// interpreter drives, and this drives it in the same order as detail/run/state_*.hpp and
// io_pipeline.hpp do, keeping what each stage produced. Retry and Catch decide with
// detail/run/retry_policy.hpp. What differs is what TestState asks: no events, no waiting, a
// mocked result, and a status instead of a transition. A Map runs its item pipeline (ItemReader
// data at ItemsPointer, ItemsPath, ItemSelector, ItemBatcher) but no iteration; TRACE adds an
// HTTP Task's request and response (http_inspection.hpp); a mocked service response is checked
// as fieldValidationMode says (mock_result_schema.hpp). tests/engine/test_test_state_api.cpp
// runs the same states through an execution to catch a drift of the stage order.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/base/arn.hpp"
#include "asl/detail/base/timestamp.hpp"
#include "asl/detail/items/item_batcher.hpp"
#include "asl/detail/items/item_source.hpp"
#include "asl/detail/items/json_reader.hpp"
#include "asl/detail/items/map_io.hpp"
#include "asl/detail/json/member.hpp"
#include "asl/detail/load/program.hpp"
#include "asl/detail/query/state_queries.hpp"
#include "asl/detail/query/variables.hpp"
#include "asl/detail/run/retry_policy.hpp"
#include "asl/detail/testing/http_inspection.hpp"
#include "asl/detail/testing/mock_result_schema.hpp"
#include "asl/parse_json.hpp"
#include "asl/state_machine.hpp"
#include "asl/task.hpp"
#include "asl/task_resolver.hpp"
#include "asl/testing/test_state.hpp"

namespace asl::detail {

/// AWS's name for a lone state's state ($states.context.State.Name in its recorded responses).
inline constexpr const char* test_state_default_name = "StateName";

/// Loads any Task: TestState answers Tasks from the mock (or TestStateOptions::invoke), never
/// from a handler, so every resource gets one that is never called.
class TestStateTasks final : public TaskResolver {
 public:
  TaskHandler resolve(const ResolveRequest&) const override {
    return [](const Json&, TaskContext&) -> Result<Json> {
      return Error(std::string(errors::runtime), "TestState calls no task handler");
    };
  }
};

/// `j`'s member `key` (a key known only at run time), or nullptr.
inline const Json* test_state_member(const Json& j, const std::string& key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

/// A lone state as a machine: the state under `name`, and a Succeed state for each state it
/// names (Next, Default, a Choice rule's or a Catcher's Next) so that the machine validates.
inline Json wrap_lone_state(const Json& state, const std::string& name) {
  std::vector<std::string> targets;
  auto add = [&](const Json& owner, const char* field) {
    if (const Json* n = test_state_member(owner, field); n && n->is_string()) targets.push_back(n->get<std::string>());
  };
  add(state, "Next");
  add(state, "Default");
  for (const char* list : {"Choices", "Catch"})
    if (const Json* l = test_state_member(state, list); l && l->is_array())
      for (const auto& x : *l)
        if (x.is_object()) add(x, "Next");
  Json states = Json::object();
  states[name] = state;
  for (const auto& t : targets)
    if (!states.contains(t)) states[t] = Json{{"Type", "Succeed"}};
  return Json{{"StartAt", name}, {"States", std::move(states)}};
}

/// One TestState request, run once.
class TestStateRun {
 public:
  using Options = asl::testing::TestStateOptions;
  using Response = asl::testing::TestStateResponse;

  TestStateRun(const Program& program, const State& st, const Json& state_json, Json input, const Options& o)
      : program_(program), st_(st), json_(state_json), q_(*st.queries), raw_(std::move(input)), o_(o) {
    if (o_.variables && o_.variables->is_object() && !o_.variables->empty()) {
      Assignments given;
      for (auto it = o_.variables->begin(); it != o_.variables->end(); ++it) given.emplace_back(it.key(), it.value());
      vars_ = Variables::assign(nullptr, std::move(given));
    }
    context_ = o_.context ? *o_.context : default_context();
    env_.ctx = &context_;
    env_.vars = vars_.get();
    env_.now_ms = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
    inspect_ = o_.inspection_level != asl::testing::InspectionLevel::info;
    if (inspect_) {
      r_.inspection_data.emplace();
      r_.inspection_data->input = raw_;
    }
  }

  Response run() {
    switch (st_.type) {
      case StateType::pass: run_pass(); break;
      case StateType::task: run_task(); break;
      case StateType::choice: run_choice(); break;
      case StateType::wait: run_wait(); break;
      case StateType::succeed: run_succeed(); break;
      case StateType::fail: run_fail(); break;
      case StateType::map: run_map(); break;
      case StateType::parallel: run_parallel(); break;
    }
    if (inspect_) {
      // AWS: the workflow variables after the state, when there are any.
      Json v = Json::object();
      if (vars_) vars_->for_each([&](const std::string& name, const Json& value) {
        if (!v.contains(name)) v[name] = value;
      });
      if (!v.empty()) r_.inspection_data->variables = std::move(v);
      if (r_.inspection_data->error_details && !r_.inspection_data->error_details->catch_index &&
          !r_.inspection_data->error_details->retry_index)
        r_.inspection_data->error_details.reset();
    }
    return std::move(r_);
  }

 private:
  // A failure of a stage: the error, and whether Retry and Catch may see it (States.Runtime
  // may not, as in the interpreter's from_eval). TestState shows the evaluators' causes as
  // they are, without the execution's "An error occurred while executing the state" prefix.
  struct Failed {
    Error error;
    bool fatal = false;
  };
  static Failed from_eval(Error e) {
    const bool fatal = e.is(errors::runtime);
    return Failed{std::move(e), fatal};
  }

  asl::testing::InspectionData& insp() { return *r_.inspection_data; }
  bool jsonpath() const { return !st_.jsonata; }

  Json default_context() const {
    const auto now = timestamp::format(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    const bool runs_task = st_.type == StateType::task || st_.type == StateType::map ||
                           st_.type == StateType::parallel;
    Json c = Json::object();
    Json& ex = c["Execution"];
    ex["Id"] = std::string(local_arn_prefix) + "express:" + program_.name + ":test-state";
    ex["Input"] = raw_;
    ex["Name"] = "test-state";
    if (o_.role_arn)
      ex["RoleArn"] = *o_.role_arn;
    else if (runs_task)
      ex["RoleArn"] = "arn:aws:iam::123456789012:role/asl-local-execution";
    else
      ex["RoleArn"] = nullptr;
    ex["StartTime"] = now;
    Json& sm = c["StateMachine"];
    sm["Id"] = state_machine_arn(program_.name);
    sm["Name"] = program_.name;
    Json& s = c["State"];
    s["Name"] = test_state_default_name;
    s["EnteredTime"] = now;
    if (runs_task) s["RetryCount"] = o_.state_configuration.retrier_retry_count.value_or(0);
    // AWS's recorded contexts of request-response Tasks hold no Task object; a callback Task
    // needs the token it hands out.
    static constexpr std::string_view callback = ".waitForTaskToken";
    if (st_.type == StateType::task && st_.resource.size() >= callback.size() &&
        st_.resource.compare(st_.resource.size() - callback.size(), callback.size(), callback) == 0)
      c["Task"]["Token"] = "test-state-task-token";
    return c;
  }

  /// InputPath (the raw input itself when the state has none).
  std::optional<Failed> input_view(Selection& v) {
    if (st_.shape.input_is_raw) {
      v.ptr = &raw_;
    } else if (auto e = q_.input(raw_, env_, v)) {
      return from_eval(std::move(*e));
    }
    if (inspect_ && jsonpath()) insp().after_input_path = v.get();
    return std::nullopt;
  }

  std::optional<Failed> assign(AssignSite site, std::size_t index, const Json& value, const Json* result,
                               const Json* error_output) {
    assigned_.clear();
    if (auto e = q_.assign(site, index, raw_, value, result, error_output, env_, assigned_)) {
      assigned_.clear();
      return from_eval(std::move(*e));
    }
    return std::nullopt;
  }

  void commit_assign() {
    if (assigned_.empty()) return;
    vars_ = Variables::assign(vars_, std::move(assigned_));
    assigned_.clear();
  }

  void succeed(Json out, std::uint32_t next) {
    commit_assign();
    r_.status = asl::testing::TestStateStatus::succeeded;
    r_.output = std::move(out);
    if (next != no_index) r_.next_state = program_.states[next].name;
  }

  /// OutputPath (or JSONata's Output of a state without a result), then success.
  void exit_state(Json out, std::uint32_t next) {
    if (!st_.shape.output_is_doc)
      if (auto e = q_.output(out, env_)) return failure(from_eval(std::move(*e)));
    succeed(std::move(out), next);
  }

  /// ResultSelector, ResultPath, OutputPath (finish_state and exit_with_result in io_pipeline.hpp).
  void finish_with_result(Json result, bool assign_first) {
    if (assign_first && st_.shape.has_assign)
      if (auto f = assign(AssignSite::state, 0, result, &result, nullptr)) return failure(std::move(*f));
    if (st_.shape.has_result_selector)
      if (auto e = q_.select_result(result, env_)) return failure(from_eval(std::move(*e)));
    if (inspect_ && jsonpath()) insp().after_result_selector = result;
    Json out;
    switch (st_.shape.combine) {
      case Combine::discard: out = raw_; break;
      case Combine::replace: out = std::move(result); break;
      case Combine::merge:
        out = raw_;
        if (auto e = q_.merge(out, std::move(result), env_)) return failure(from_eval(std::move(*e)));
        break;
    }
    if (inspect_ && jsonpath()) insp().after_result_path = out;
    exit_state(std::move(out), st_.next);
  }

  /// The error meets the state's Retry, then its Catch (fail_state in retry_catch.hpp), as of the
  /// attempt stateConfiguration.retrierRetryCount says this is.
  void failure(Failed f) {
    assigned_.clear();
    r_.output.reset();
    r_.next_state.reset();
    r_.error = f.error.name;
    r_.cause = f.error.cause;
    r_.status = asl::testing::TestStateStatus::failed;
    asl::testing::ErrorDetails details;
    if (!f.fatal) {
      for (std::size_t i = 0; i < st_.retriers.size(); ++i) {
        const Retrier& rt = st_.retriers[i];
        if (!error_matches(f.error, false, rt.error_equals)) continue;
        details.retry_index = static_cast<std::uint32_t>(i);
        const std::uint32_t done = o_.state_configuration.retrier_retry_count.value_or(0);
        if (done < rt.max_attempts) {
          details.retry_backoff_interval_seconds = retry_interval(rt, done + 1);
          r_.status = asl::testing::TestStateStatus::retriable;
          if (inspect_) insp().error_details = details;
          return;
        }
        break;  // the first matching retrier is exhausted: Catch decides
      }
      for (std::size_t i = 0; i < st_.catchers.size(); ++i) {
        const Catcher& c = st_.catchers[i];
        if (!error_matches(f.error, false, c.error_equals)) continue;
        details.catch_index = static_cast<std::uint32_t>(i);
        if (inspect_) insp().error_details = details;
        Json error_output = Json::object();
        error_output["Error"] = f.error.name ? Json(*f.error.name) : Json(nullptr);
        error_output["Cause"] = f.error.cause ? Json(*f.error.cause) : Json(nullptr);
        if (i < st_.shape.catch_assign.size() && st_.shape.catch_assign[i])
          if (auto fl = assign(AssignSite::catcher, i, error_output, nullptr, &error_output)) {
            r_.error = fl->error.name;
            r_.cause = fl->error.cause;
            return;
          }
        Json out;
        switch (st_.shape.catch_combine[i]) {
          case Combine::discard: out = raw_; break;
          case Combine::replace: out = std::move(error_output); break;
          case Combine::merge:
            out = raw_;
            if (auto e = q_.catch_merge(i, out, std::move(error_output), env_)) {
              assigned_.clear();
              r_.error = e->name;
              r_.cause = e->cause;
              return;
            }
            break;
        }
        commit_assign();
        r_.status = asl::testing::TestStateStatus::caught_error;
        r_.output = std::move(out);
        r_.next_state = program_.states[c.next].name;
        return;
      }
    }
    if (inspect_ && details.retry_index) insp().error_details = details;
  }

  // ---------------------------------------------------------------- per state type
  void run_pass() {
    Json result;
    if (st_.shape.has_result_literal) {
      result = q_.result_literal();
      if (inspect_ && jsonpath()) insp().result = result;
    } else {
      Selection v;
      if (auto f = input_view(v)) return failure(std::move(*f));
      if (st_.shape.has_arguments) {
        auto r = q_.arguments(v.get(), env_);
        if (!r) return failure(from_eval(std::move(r).error()));
        result = std::move(*r);
      } else {
        result = v.get();
      }
      if (inspect_ && jsonpath()) insp().after_parameters = result;
    }
    // Assign: JSONPath's `$` is the Pass's result; JSONata has no $states.result here.
    if (st_.shape.has_assign)
      if (auto f = assign(AssignSite::state, 0, result, nullptr, nullptr)) return failure(std::move(*f));
    finish_with_result(std::move(result), false);
  }

  /// The effective input (InputPath, then Parameters or Arguments) of a Task, Map or Parallel.
  std::optional<Failed> effective_input(Json& out, bool show) {
    Selection v;
    if (auto f = input_view(v)) return f;
    if (st_.shape.has_arguments) {
      auto r = q_.arguments(v.get(), env_);
      if (!r) return from_eval(std::move(r).error());
      out = std::move(*r);
    } else {
      out = v.get();
    }
    if (inspect_ && show) (jsonpath() ? insp().after_parameters : insp().after_arguments) = out;
    return std::nullopt;
  }

  void run_task() {
    if (o_.mock && o_.mock->result) check_mock_result(st_.resource, *o_.mock->result, o_.mock->field_validation_mode);
    Json in;
    if (auto f = effective_input(in, true)) return failure(std::move(*f));
    const bool http_trace = o_.inspection_level == asl::testing::InspectionLevel::trace && is_http_task(st_.resource);
    if (http_trace) insp().request = http_request_inspection(in);
    Json result;
    if (o_.mock) {
      if (o_.mock->error_output) return failure(Failed{*o_.mock->error_output, false});
      result = o_.mock->result ? *o_.mock->result : Json(nullptr);
    } else {
      auto r = o_.invoke(st_.resource, in);
      if (!r) return failure(Failed{std::move(r).error(), false});
      result = std::move(*r);
    }
    if (http_trace) insp().response = http_response_inspection(insp().request->protocol, result);
    if (inspect_) insp().result = result;
    finish_with_result(std::move(result), true);
  }

  void run_choice() {
    Selection v;
    if (auto f = input_view(v)) return failure(std::move(*f));
    std::size_t chosen = StateQueries::no_rule;
    if (auto e = q_.choose(v.get(), env_, chosen)) return failure(from_eval(std::move(*e)));
    const std::uint32_t next = chosen != StateQueries::no_rule ? st_.choice_next[chosen] : st_.default_next;
    if (next == no_index)
      return failure(Failed{Error(std::string(errors::no_choice_matched),
                                  fmt::format("No Choice Rule matched in state '{}' and it has no Default", st_.name)),
                            false});
    const bool rule_assigns = chosen != StateQueries::no_rule && st_.shape.rule_assign.size() > chosen &&
                              st_.shape.rule_assign[chosen];
    if (rule_assigns || st_.shape.has_assign)
      if (auto f = assign(rule_assigns ? AssignSite::rule : AssignSite::state, chosen, v.get(), nullptr, nullptr))
        return failure(std::move(*f));
    env_.rule = chosen;  // a matched rule's Output replaces the state's (JSONata)
    exit_state(v.get(), next);
  }

  void run_wait() {
    Selection v;
    if (auto f = input_view(v)) return failure(std::move(*f));
    WaitSpec spec;  // evaluated for its failures; TestState does not wait
    if (auto e = q_.wait(v.get(), env_, spec)) return failure(from_eval(std::move(*e)));
    if (st_.shape.has_assign)
      if (auto f = assign(AssignSite::state, 0, v.get(), nullptr, nullptr)) return failure(std::move(*f));
    exit_state(v.get(), st_.next);
  }

  void run_succeed() {
    Selection v;
    if (auto f = input_view(v)) return failure(std::move(*f));
    exit_state(v.get(), no_index);
  }

  void run_fail() {
    if (inspect_ && jsonpath()) insp().after_input_path = raw_;
    Error e;
    if (auto err = q_.fail_texts(raw_, env_, e)) return failure(from_eval(std::move(*err)));
    failure(Failed{std::move(e), true});  // a Fail state is neither retried nor caught
  }

  /// A number field of the state (MaxConcurrency, ToleratedFailure*), as evaluated.
  std::optional<Failed> number(NumberField field, const Json& in, std::optional<Json>& out) {
    if (auto e = q_.number(field, in, env_, out)) return from_eval(std::move(*e));
    return std::nullopt;
  }

  /// An ItemReader's ReaderConfig.ItemsPointer (a JSON Pointer) applied to the reader's data
  /// (stateConfiguration.mapItemReaderData, the file as read): the array of items it names.
  std::optional<Failed> items_pointer(Json& items) {
    const Json* rc = json_member(*json_member(json_, "ItemReader"), "ReaderConfig");
    const Json* pointer = rc ? json_member(*rc, "ItemsPointer") : nullptr;
    if (!pointer || !pointer->is_string()) return std::nullopt;
    // The JSON item reader's own rule and causes, so both runs read alike.
    if (auto e = items_at_pointer(items, pointer->get_ref<const std::string&>())) return Failed{std::move(*e), false};
    if (inspect_) insp().after_items_pointer = items;
    return std::nullopt;
  }

  /// ItemSelector over each item, with $$.Map.Item (Index, Value) in the context, as an
  /// execution builds each child's input (run/state_map.hpp).
  std::optional<Failed> select_items(const Json& in, Json& items) {
    if (!st_.shape.has_item_selector || !items.is_array()) return std::nullopt;
    Json selected = Json::array();
    // One context for all items, its Map.Item set in place: a copy per item would copy
    // Execution.Input (the whole input) once per item.
    Json ctx = context_.is_object() ? context_ : Json::object();  // a request's context may be any JSON
    if (!ctx["Map"].is_object()) ctx["Map"] = Json::object();
    QueryEnv env = env_;
    env.ctx = &ctx;
    for (std::size_t i = 0; i < items.size(); ++i) {
      Json& item = ctx["Map"]["Item"];
      item["Index"] = i;
      item["Value"] = items[i];
      auto r = q_.item_input(in, env);
      if (!r) return from_eval(std::move(r).error());
      selected.push_back(std::move(*r));
    }
    items = std::move(selected);
    if (inspect_) insp().after_item_selector = items;
    return std::nullopt;
  }

  /// ItemBatcher: the evaluated block's limits, then the items grouped into child inputs
  /// {"BatchInput", "Items"} by the engine's own batcher (detail/items/item_batcher.hpp).
  std::optional<Failed> batch_items(const Json& in, Json& items) {
    if (!st_.io || !st_.io->batcher.present() || !items.is_array()) return std::nullopt;
    auto block = st_.io->batcher.evaluate(in, env_);
    if (!block) return from_eval(std::move(block).error());
    BatchLimits limits;
    if (auto e = read_batch_limits(*block, st_.io->batcher, limits)) return from_eval(std::move(*e));
    BatchingSource batches(std::make_unique<ArraySource>(std::move(items)), std::move(limits));
    items = Json::array();
    for (;;) {
      Json batch;
      bool end = false;
      if (auto e = batches.next(batch, end)) return Failed{std::move(*e), false};
      if (end) break;
      items.push_back(std::move(batch));
    }
    if (inspect_) insp().after_item_batcher = items;
    return std::nullopt;
  }

  void run_map() {
    const auto& sc = o_.state_configuration;
    const bool reader = json_member(json_, "ItemReader") != nullptr;
    const bool writer = json_member(json_, "ResultWriter") != nullptr;
    if (o_.mock && o_.mock->result) {
      if (writer && !o_.mock->result->is_object())
        throw asl::testing::TestStateError("ValidationException", "Mocked result must be a JSON object.");
      if (!writer && !o_.mock->result->is_array())
        throw asl::testing::TestStateError("ValidationException", "Mocked result must be an array.");
    }
    Selection v;
    if (auto f = input_view(v)) return failure(std::move(*f));
    const Json in = v.get();
    Json items;
    if (reader) {
      items = sc.map_item_reader_data ? *sc.map_item_reader_data : Json::array();
      if (auto f = items_pointer(items)) return failure(std::move(*f));
    } else {
      Selection sel;
      if (auto e = q_.items(in, env_, sel)) {
        // AWS quotes a context path ($$.x) with one `$` in this cause.
        if (e->cause) {
          const std::string from = "Reference path \"$$", to = "Reference path \"$";
          if (auto at = e->cause->find(from); at != std::string::npos) e->cause->replace(at, from.size(), to);
        }
        return failure(from_eval(std::move(*e)));
      }
      items = sel.get();
      if (inspect_ && jsonpath()) insp().after_items_path = items;
    }
    std::optional<Json> max_concurrency, count, percentage;
    if (auto f = number(NumberField::max_concurrency, in, max_concurrency)) return failure(std::move(*f));
    if (auto f = number(NumberField::tolerated_failure_count, in, count)) return failure(std::move(*f));
    if (auto f = number(NumberField::tolerated_failure_percentage, in, percentage)) return failure(std::move(*f));
    if (inspect_) {
      insp().max_concurrency = max_concurrency ? *max_concurrency : Json(0);
      if (count) insp().tolerated_failure_count = *count;
      if (percentage) insp().tolerated_failure_percentage = *percentage;
    }
    if (auto f = select_items(in, items)) return failure(std::move(*f));
    if (auto f = batch_items(in, items)) return failure(std::move(*f));
    // The Map's iterations are its child inputs: the batches when there is an ItemBatcher.
    const std::size_t n = items.is_array() ? items.size() : 0;
    if (sc.map_iteration_failure_count) {
      const std::uint32_t failed = *sc.map_iteration_failure_count;
      if (failed > n)
        throw asl::testing::TestStateError("ValidationException",
                                      "Map iteration failure count must be less than or equal to the number of Map "
                                      "iterations");
      const bool over_count = count && count->is_number() && static_cast<double>(failed) > count->get<double>();
      const bool over_percentage = percentage && percentage->is_number() && n != 0 &&
                                   static_cast<double>(failed) * 100.0 / static_cast<double>(n) >
                                       percentage->get<double>();
      if (over_count || over_percentage)
        return failure(Failed{Error(std::string(errors::exceed_tolerated_failure_threshold),
                                    "The specified tolerated failure threshold was exceeded"),
                              false});
    }
    if (o_.mock->error_output) return failure(Failed{*o_.mock->error_output, false});
    Json result = o_.mock->result ? *o_.mock->result : Json::array();
    finish_with_result(std::move(result), true);
  }

  void run_parallel() {
    if (o_.mock && o_.mock->result && (!o_.mock->result->is_array() || o_.mock->result->size() != st_.branches.size()))
      throw asl::testing::TestStateError("ValidationException",
                                    "Mocked result must contain the same number of items as number of Parallel "
                                    "branches.");
    Json in;
    if (auto f = effective_input(in, false)) return failure(std::move(*f));
    if (inspect_) insp().after_input_path.reset();  // AWS shows neither for a Parallel
    if (o_.mock->error_output) return failure(Failed{*o_.mock->error_output, false});
    finish_with_result(*o_.mock->result, true);
  }

  const Program& program_;
  const State& st_;
  const Json& json_;
  const StateQueries& q_;
  Json raw_;
  const Options& o_;
  Variables::Ptr vars_;
  Assignments assigned_;
  Json context_;
  QueryEnv env_;
  bool inspect_ = false;
  Response r_;
};

/// The state named `name` in a machine's definition, nested ones included (nullptr if none).
inline const Json* find_state_json(const Json& container, const std::string& name) {
  const Json* states = json_member(container, "States");
  if (!states || !states->is_object()) return nullptr;
  if (auto it = states->find(name); it != states->end()) return &*it;
  for (const auto& st : *states) {
    if (!st.is_object()) continue;
    for (const char* inner : {"ItemProcessor", "Iterator"})
      if (const Json* p = test_state_member(st, inner))
        if (const Json* found = find_state_json(*p, name)) return found;
    if (const Json* b = json_member(st, "Branches"); b && b->is_array())
      for (const auto& branch : *b)
        if (const Json* found = find_state_json(branch, name)) return found;
  }
  return nullptr;
}

/// AWS's request checks that need only the request and the state's type.
inline void check_test_state_request(const std::string& type, const asl::testing::TestStateOptions& o) {
  using asl::testing::TestStateError;
  if (o.mock && o.mock->result && o.mock->error_output)
    throw TestStateError("ValidationException",
                         "A test mock should have only one of the following fields: [result, errorOutput].");
  if (o.mock && o.reveal_secrets)
    throw TestStateError("ValidationException", "TestState does not support RevealSecrets when a mock is specified.");
  if (o.mock && (type == "Pass" || type == "Fail" || type == "Succeed"))
    throw TestStateError("ValidationException", "State type '" + type + "' is not supported when a mock is specified");
  if (!o.mock && (type == "Map" || type == "Parallel"))
    throw TestStateError("InvalidDefinition",
                         "TestState API does not support Map or Parallel states. Supported state types include: "
                         "[Task, Wait, Pass, Succeed, Fail, Choice]");
  if (!o.mock && o.state_configuration.map_iteration_failure_count)
    throw TestStateError("ValidationException",
                         "TestState does not support MapIterationFailureCount when a mock is not specified.");
  if (!o.mock && !o.invoke && type == "Task")
    throw TestStateError("ValidationException",
                         "A Task state needs a mock here: asl calls no AWS service (give TestStateOptions::invoke "
                         "to call one)");
  if (o.mock && !o.mock->result && !o.mock->error_output)
    throw TestStateError("ValidationException",
                         "A test mock should have one of the following fields: [result, errorOutput].");
  if (o.variables && !o.variables->is_object())
    throw TestStateError("ValidationException", "Variables must be a JSON object.");
}

}  // namespace asl::detail

namespace asl::testing {

inline TestStateResponse test_state(const Json& definition, const Json& input, const TestStateOptions& options) {
  if (!definition.is_object()) throw TestStateError("InvalidDefinition", "The definition must be a JSON object.");
  const bool machine = definition.contains("States");
  Json doc;
  std::string name;
  if (machine) {
    doc = definition;
    if (options.state_name) {
      name = *options.state_name;
    } else if (const Json* start = detail::json_member(definition, "StartAt"); start && start->is_string()) {
      name = start->get<std::string>();
    }
  } else {
    name = detail::test_state_default_name;
    doc = detail::wrap_lone_state(definition, name);
  }
  const Json* state_json = detail::find_state_json(doc, name);
  if (!state_json)
    throw TestStateError("ValidationException", "State '" + name + "' does not exist in the definition.");
  const Json* type = detail::json_member(*state_json, "Type");
  detail::check_test_state_request(type && type->is_string() ? type->get<std::string>() : std::string(), options);
  LoadOptions lo;
  lo.name = "TestStateMachine";
  std::optional<StateMachine> sm;
  try {
    sm = StateMachine::from_json(doc, detail::TestStateTasks{}, lo);
  } catch (const DefinitionError& e) {
    throw TestStateError("InvalidDefinition", e.what());
  }
  const detail::Program& program = *sm->program();
  const auto it = program.index_by_name.find(name);
  if (it == program.index_by_name.end())
    throw TestStateError("ValidationException", "State '" + name + "' does not exist in the definition.");
  const Json* compiled_json = detail::find_state_json(program.definition, name);
  detail::TestStateRun run(program, program.states[it->second], compiled_json ? *compiled_json : *state_json, input,
                           options);
  return run.run();
}

inline TestStateRequest read_test_state_request(const Json& request) {
  auto json_text = [](const Json& v, const char* what) -> Json {
    if (!v.is_string()) return v;  // already a document: accepted as the C++ API would take it
    try {
      return parse_json(v.get_ref<const std::string&>());
    } catch (const std::exception&) {
      throw TestStateError("ValidationException", std::string(what));
    }
  };
  if (!request.is_object()) throw TestStateError("ValidationException", "The request must be a JSON object.");
  TestStateRequest out;
  if (!request.contains("definition")) throw TestStateError("ValidationException", "definition is required.");
  out.definition = json_text(request["definition"], "Invalid State Machine Definition: the definition is not JSON.");
  out.input = request.contains("input") ? json_text(request["input"], "The input is not valid JSON.") : Json::object();
  TestStateOptions& o = out.options;
  if (auto it = request.find("stateName"); it != request.end() && it->is_string()) o.state_name = it->get<std::string>();
  if (auto it = request.find("inspectionLevel"); it != request.end() && it->is_string()) {
    const std::string l = it->get<std::string>();
    if (l == "INFO") o.inspection_level = InspectionLevel::info;
    else if (l == "DEBUG") o.inspection_level = InspectionLevel::debug;
    else if (l == "TRACE") o.inspection_level = InspectionLevel::trace;
    else
      throw TestStateError("ValidationException",
                           "1 validation error detected: Value '" + l +
                               "' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value "
                               "set: [TRACE, DEBUG, INFO]");
  }
  if (auto it = request.find("roleArn"); it != request.end() && it->is_string()) o.role_arn = it->get<std::string>();
  if (auto it = request.find("revealSecrets"); it != request.end() && it->is_boolean()) o.reveal_secrets = it->get<bool>();
  if (auto it = request.find("variables"); it != request.end()) o.variables = json_text(*it, "Variables must be valid JSON.");
  if (auto it = request.find("context"); it != request.end()) o.context = json_text(*it, "Context must be valid JSON.");
  if (auto it = request.find("mock"); it != request.end() && it->is_object()) {
    TestStateMock m;
    if (auto r = it->find("result"); r != it->end()) m.result = json_text(*r, "Mocked result must be valid JSON");
    if (auto e = it->find("errorOutput"); e != it->end() && e->is_object()) {
      Error err;
      if (auto n = e->find("error"); n != e->end() && n->is_string()) err.name = n->get<std::string>();
      if (auto c = e->find("cause"); c != e->end() && c->is_string()) err.cause = c->get<std::string>();
      m.error_output = std::move(err);
    }
    if (auto f = it->find("fieldValidationMode"); f != it->end() && f->is_string()) {
      const std::string mode = f->get<std::string>();
      m.field_validation_mode = mode == "NONE" ? FieldValidationMode::none
                                : mode == "PRESENT" ? FieldValidationMode::present
                                                    : FieldValidationMode::strict;
    }
    o.mock = std::move(m);
  }
  if (auto it = request.find("stateConfiguration"); it != request.end() && it->is_object()) {
    StateConfiguration& sc = o.state_configuration;
    auto count = [&](const char* field) -> std::optional<std::uint32_t> {
      auto f = it->find(field);
      if (f == it->end()) return std::nullopt;
      if (!f->is_number_integer() || f->get<std::int64_t>() < 0)
        throw TestStateError("ValidationException", std::string(field) + " must be a non-negative integer.");
      return static_cast<std::uint32_t>(f->get<std::int64_t>());
    };
    sc.retrier_retry_count = count("retrierRetryCount");
    sc.map_iteration_failure_count = count("mapIterationFailureCount");
    if (auto f = it->find("errorCausedByState"); f != it->end() && f->is_string()) sc.error_caused_by_state = f->get<std::string>();
    if (auto f = it->find("mapItemReaderData"); f != it->end())
      sc.map_item_reader_data = json_text(*f, "mapItemReaderData must be valid JSON.");
  }
  return out;
}

inline TestStateResponse test_state(const Json& request) {
  TestStateRequest r = read_test_state_request(request);
  return test_state(r.definition, r.input, r.options);
}

inline Json TestStateResponse::to_json() const {
  Json out = Json::object();
  if (output) out["output"] = output->dump();
  if (error) out["error"] = *error;
  if (cause) out["cause"] = *cause;
  if (inspection_data) {
    const InspectionData& d = *inspection_data;
    Json i = Json::object();
    auto text = [&](const char* name, const std::optional<Json>& v) {
      if (v) i[name] = v->dump();
    };
    text("input", d.input);
    text("afterInputPath", d.after_input_path);
    text("afterParameters", d.after_parameters);
    text("afterArguments", d.after_arguments);
    text("afterItemsPointer", d.after_items_pointer);
    text("afterItemsPath", d.after_items_path);
    text("afterItemSelector", d.after_item_selector);
    text("afterItemBatcher", d.after_item_batcher);
    text("result", d.result);
    text("afterResultSelector", d.after_result_selector);
    text("afterResultPath", d.after_result_path);
    text("variables", d.variables);
    if (d.request)
      i["request"] = Json{{"protocol", d.request->protocol}, {"method", d.request->method}, {"url", d.request->url},
                          {"headers", d.request->headers}, {"body", d.request->body}};
    if (d.response)
      i["response"] = Json{{"protocol", d.response->protocol},
                           {"statusCode", d.response->status_code},
                           {"statusMessage", d.response->status_message},
                           {"headers", d.response->headers},
                           {"body", d.response->body}};
    if (d.max_concurrency) i["maxConcurrency"] = *d.max_concurrency;
    if (d.tolerated_failure_count) i["toleratedFailureCount"] = *d.tolerated_failure_count;
    if (d.tolerated_failure_percentage) i["toleratedFailurePercentage"] = *d.tolerated_failure_percentage;
    if (d.error_details) {
      Json e = Json::object();
      if (d.error_details->catch_index) e["catchIndex"] = *d.error_details->catch_index;
      if (d.error_details->retry_index) e["retryIndex"] = *d.error_details->retry_index;
      if (auto s = d.error_details->retry_backoff_interval_seconds) {
        // Whole seconds print as an integer, as AWS's do.
        if (*s == static_cast<double>(static_cast<std::int64_t>(*s)))
          e["retryBackoffIntervalSeconds"] = static_cast<std::int64_t>(*s);
        else
          e["retryBackoffIntervalSeconds"] = *s;
      }
      i["errorDetails"] = std::move(e);
    }
    out["inspectionData"] = std::move(i);
  }
  if (next_state) out["nextState"] = *next_state;
  out["status"] = std::string(to_string(status));
  return out;
}

}  // namespace asl::testing
