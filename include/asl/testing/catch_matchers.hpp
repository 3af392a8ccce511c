// Catch2 matchers over an ExecutionRecorder: the states visited, a state's output, a state's error. Include only where Catch2 is available.
// SPDX-License-Identifier: MIT
//
// They replace the recording-observer boilerplate of a pipeline test:
// @code
// auto rec = std::make_shared<asl::testing::ExecutionRecorder>();
// engine.add_observer(rec);
// engine.run(sm, input);
// using namespace asl::testing::matchers;
// REQUIRE_THAT(*rec, VisitedStates({"ValidateData", "CheckData", "Train"}));
// REQUIRE_THAT(*rec, StateOutput("Evaluate", asl::Json{{"accuracy", 0.95}}));
// REQUIRE_THAT(*rec, StateError("Train", "Training.TransientError"));
// @endcode
// Catch2 v2 (<catch2/catch.hpp>) and v3 (<catch2/matchers/catch_matchers.hpp>) both work.
#pragma once

#if __has_include(<catch2/matchers/catch_matchers.hpp>)
#include <catch2/catch_tostring.hpp>
#include <catch2/matchers/catch_matchers.hpp>
#define ASL_CATCH_MATCHER_BASE ::Catch::Matchers::MatcherBase
#else
#include <catch2/catch.hpp>
#define ASL_CATCH_MATCHER_BASE ::Catch::MatcherBase  // global: asl has a Catch (builder.hpp)
#endif

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "asl/json.hpp"
#include "asl/testing/execution_recorder.hpp"

namespace asl::testing::matchers {

/// The states entered, in this order, exactly (`in_any_order`: the same set of states).
class VisitedStatesMatcher final : public ASL_CATCH_MATCHER_BASE<ExecutionRecorder> {
 public:
  VisitedStatesMatcher(std::vector<std::string> states, bool in_any_order)
      : states_(std::move(states)), any_order_(in_any_order) {}
  bool match(const ExecutionRecorder& rec) const override {
    const auto path = rec.path();
    if (!any_order_) return path == states_;
    return std::set<std::string>(path.begin(), path.end()) == std::set<std::string>(states_.begin(), states_.end());
  }
  std::string describe() const override {
    return std::string(any_order_ ? "visited exactly the states (any order) " : "visited, in order, ") +
           Json(states_).dump();
  }

 private:
  std::vector<std::string> states_;
  bool any_order_;
};

/// The last visit of `state` exited with `output`.
class StateOutputMatcher final : public ASL_CATCH_MATCHER_BASE<ExecutionRecorder> {
 public:
  StateOutputMatcher(std::string state, Json output) : state_(std::move(state)), output_(std::move(output)) {}
  bool match(const ExecutionRecorder& rec) const override {
    const auto v = rec.visit(state_);
    return v && v->output && *v->output == output_;
  }
  std::string describe() const override { return "has state '" + state_ + "' output " + output_.dump(); }

 private:
  std::string state_;
  Json output_;
};

/// `state`'s last error (a retried or caught one included) is `error`.
class StateErrorMatcher final : public ASL_CATCH_MATCHER_BASE<ExecutionRecorder> {
 public:
  StateErrorMatcher(std::string state, std::string error) : state_(std::move(state)), error_(std::move(error)) {}
  bool match(const ExecutionRecorder& rec) const override {
    for (const auto& v : rec.visits_of(state_))
      if (v.error && *v.error == error_) return true;
    return false;
  }
  std::string describe() const override { return "has state '" + state_ + "' failing with " + error_; }

 private:
  std::string state_, error_;
};

inline VisitedStatesMatcher VisitedStates(std::vector<std::string> states) { return {std::move(states), false}; }
inline VisitedStatesMatcher VisitedStatesInAnyOrder(std::vector<std::string> states) {
  return {std::move(states), true};
}
inline StateOutputMatcher StateOutput(std::string state, Json output) { return {std::move(state), std::move(output)}; }
inline StateErrorMatcher StateError(std::string state, std::string error) {
  return {std::move(state), std::move(error)};
}

}  // namespace asl::testing::matchers

/// A failed REQUIRE_THAT shows what the execution did: each visit with its output or error.
template <>
struct Catch::StringMaker<asl::testing::ExecutionRecorder> {
  static std::string convert(const asl::testing::ExecutionRecorder& rec) {
    std::string out = "execution visiting";
    for (const auto& v : rec.visits()) {
      out += "\n  " + v.state;
      if (v.error) out += " (error " + *v.error + ")";
      if (v.output) out += " -> " + v.output->dump();
    }
    return out;
  }
};

#undef ASL_CATCH_MATCHER_BASE
