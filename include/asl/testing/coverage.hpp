// testing::Coverage: which states, Choice branches, Catchers and Next transitions of a definition a set of executions exercised, as text and JSON.
// SPDX-License-Identifier: MIT
//
// The definition's graph comes from its compiled program; what was exercised from
// ExecutionRecorder's visits and transitions. Each Choice rule is its own edge (`Choice#0`,
// `Choice#1`, ... and `Default`), so two rules to the same state are counted apart. The history
// names no rule, so the rule is found again by running the Choice's compiled rules on the visit's
// input and variables (as the interpreter does); a Choice that reads `$$`, or whose rules fail
// on that input, is matched by target instead (its first rule to that state, else Default). A
// Catcher is told by the error it took (the first Catcher whose ErrorEquals matches, as the
// engine picks).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/load/program.hpp"
#include "asl/detail/query/state_queries.hpp"
#include "asl/detail/query/variables.hpp"
#include "asl/detail/run/retry_policy.hpp"
#include "asl/json.hpp"
#include "asl/state_machine.hpp"
#include "asl/testing/execution_recorder.hpp"

namespace asl::testing {

/// One way out of a state: `via` is "Next", "Choice#i" (the Choice's rule i), "Default" or
/// "Catch#i".
struct CoverageEdge {
  std::string from, to, via;
  std::size_t taken = 0;
};

/// Coverage of one definition over the executions added to it.
class Coverage {
 public:
  explicit Coverage(const StateMachine& sm, std::string name = std::string())
      : program_(sm.program()), name_(name.empty() ? sm.name() : std::move(name)) {
    const detail::Program& p = *program_;
    visits_.assign(p.states.size(), 0);
    for (const detail::State& st : p.states) {
      auto edge = [&](std::uint32_t to, std::string via) {
        if (to != detail::no_index) edges_.push_back(CoverageEdge{st.name, p.states[to].name, std::move(via), 0});
      };
      if (st.type == detail::StateType::choice) {
        for (std::size_t i = 0; i < st.choice_next.size(); ++i) edge(st.choice_next[i], choice_via(i));
        edge(st.default_next, "Default");
      } else {
        edge(st.next, "Next");
      }
      for (std::size_t i = 0; i < st.catchers.size(); ++i) edge(st.catchers[i].next, catch_via(i));
    }
  }

  /// Adds what one execution exercised.
  void add(const ExecutionRecorder& rec) {
    const detail::Program& p = *program_;
    const std::vector<StateVisit> visits = rec.visits();
    for (const auto& v : visits)
      if (auto it = p.index_by_name.find(v.state); it != p.index_by_name.end()) ++visits_[it->second];
    for (const auto& t : rec.transitions()) {
      auto it = p.index_by_name.find(t.from);
      if (it == p.index_by_name.end()) continue;
      const detail::State& st = p.states[it->second];
      CoverageEdge* hit = nullptr;
      if (t.caught) {
        Error e;
        e.name = t.error;
        for (std::size_t i = 0; i < st.catchers.size() && !hit; ++i)
          if (detail::error_matches(e, false, st.catchers[i].error_equals))
            hit = find(st.name, t.to, catch_via(i));
        for (std::size_t i = 0; i < st.catchers.size() && !hit; ++i) hit = find(st.name, t.to, catch_via(i));
      } else if (st.type == detail::StateType::choice) {
        if (t.from_visit < visits.size())
          if (auto rule = chosen_rule(st, visits[t.from_visit]))
            hit = find(st.name, t.to, *rule == detail::StateQueries::no_rule ? std::string("Default") : choice_via(*rule));
        for (std::size_t i = 0; i < st.choice_next.size() && !hit; ++i) hit = find(st.name, t.to, choice_via(i));
        if (!hit) hit = find(st.name, t.to, "Default");
      } else {
        hit = find(st.name, t.to, "Next");
        // A failure the history logs no Failed event for (a path error) caught: by target.
        for (std::size_t i = 0; i < st.catchers.size() && !hit; ++i) hit = find(st.name, t.to, catch_via(i));
      }
      if (hit) ++hit->taken;
    }
  }

  const std::string& name() const noexcept { return name_; }
  std::size_t states_total() const noexcept { return visits_.size(); }
  std::size_t states_covered() const noexcept {
    std::size_t n = 0;
    for (auto v : visits_) n += v != 0;
    return n;
  }
  std::size_t transitions_total() const noexcept { return edges_.size(); }
  std::size_t transitions_covered() const noexcept {
    std::size_t n = 0;
    for (const auto& e : edges_) n += e.taken != 0;
    return n;
  }
  const std::vector<CoverageEdge>& transitions() const noexcept { return edges_; }
  /// The states no execution entered.
  std::vector<std::string> states_not_visited() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < visits_.size(); ++i)
      if (visits_[i] == 0) out.push_back(program_->states[i].name);
    return out;
  }

  /// {"definition", "states": {total, covered, percent, notVisited, visits}, "transitions":
  /// {total, covered, percent, notTaken, edges: [{from, to, via, taken}]}}.
  Json to_json() const {
    Json states = Json::object();
    states["total"] = states_total();
    states["covered"] = states_covered();
    states["percent"] = percent(states_covered(), states_total());
    states["notVisited"] = states_not_visited();
    Json visits = Json::object();
    for (std::size_t i = 0; i < visits_.size(); ++i) visits[program_->states[i].name] = visits_[i];
    states["visits"] = std::move(visits);
    Json edges = Json::array(), not_taken = Json::array();
    for (const auto& e : edges_) {
      Json j{{"from", e.from}, {"to", e.to}, {"via", e.via}, {"taken", e.taken}};
      if (e.taken == 0) not_taken.push_back(j);
      edges.push_back(std::move(j));
    }
    Json transitions = Json::object();
    transitions["total"] = transitions_total();
    transitions["covered"] = transitions_covered();
    transitions["percent"] = percent(transitions_covered(), transitions_total());
    transitions["notTaken"] = std::move(not_taken);
    transitions["edges"] = std::move(edges);
    return Json{{"definition", name_}, {"states", std::move(states)}, {"transitions", std::move(transitions)}};
  }

  /// Two lines and the gaps: `coverage NAME: states 9/10 (90.0 %), transitions 11/14 (78.6 %)`.
  std::string to_text() const {
    std::string out = fmt::format("coverage {}: states {}/{} ({:.1f} %), transitions {}/{} ({:.1f} %)\n", name_,
                                  states_covered(), states_total(), percent(states_covered(), states_total()),
                                  transitions_covered(), transitions_total(),
                                  percent(transitions_covered(), transitions_total()));
    const auto missing = states_not_visited();
    if (!missing.empty()) {
      out += "  states not visited:";
      for (const auto& s : missing) out += " " + s;
      out += "\n";
    }
    for (const auto& e : edges_)
      if (e.taken == 0) out += fmt::format("  not taken: {} -[{}]-> {}\n", e.from, e.via, e.to);
    return out;
  }

 private:
  static std::string choice_via(std::size_t i) { return fmt::format("Choice#{}", i); }
  static std::string catch_via(std::size_t i) { return fmt::format("Catch#{}", i); }

  /// The rule a Choice's visit took (StateQueries::no_rule: Default), found by running its
  /// compiled rules on the visit's input and variables; nothing when that cannot be redone
  /// exactly (the Choice reads `$$`, which the history does not keep, or its rules fail).
  static std::optional<std::size_t> chosen_rule(const detail::State& st, const StateVisit& v) {
    if (st.uses_context) return std::nullopt;
    detail::Variables::Ptr vars;
    if (v.variables.is_object() && !v.variables.empty()) {
      detail::Assignments given;
      for (auto it = v.variables.begin(); it != v.variables.end(); ++it) given.emplace_back(it.key(), it.value());
      vars = detail::Variables::assign(nullptr, std::move(given));
    }
    detail::QueryEnv env;
    env.vars = vars.get();
    detail::Selection in;
    if (st.shape.input_is_raw) in.ptr = &v.input;
    else if (st.queries->input(v.input, env, in)) return std::nullopt;
    std::size_t chosen = detail::StateQueries::no_rule;
    if (st.queries->choose(in.get(), env, chosen)) return std::nullopt;
    return chosen;
  }

  static double percent(std::size_t a, std::size_t b) {
    return b == 0 ? 100.0 : static_cast<double>(a) * 100.0 / static_cast<double>(b);
  }
  CoverageEdge* find(const std::string& from, const std::string& to, const std::string& via) {
    for (auto& e : edges_)
      if (e.from == from && e.to == to && e.via == via) return &e;
    return nullptr;
  }

  std::shared_ptr<const detail::Program> program_;
  std::string name_;
  std::vector<std::size_t> visits_;
  std::vector<CoverageEdge> edges_;
};

}  // namespace asl::testing
