// testing::Coverage: which states, Choice branches, Catchers and Next transitions of a definition a set of executions exercised, as text and JSON.
// SPDX-License-Identifier: MIT
//
// The definition's graph comes from its compiled program; what was exercised from
// ExecutionRecorder's visits and transitions. A Choice branch is told apart by the state it
// leads to (the first rule with that target, else Default), as the history names no rule; a
// Catcher by the error it took (the first Catcher whose ErrorEquals matches, as the engine picks).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/load/program.hpp"
#include "asl/detail/run/retry_policy.hpp"
#include "asl/json.hpp"
#include "asl/state_machine.hpp"
#include "asl/testing/execution_recorder.hpp"

namespace asl::testing {

/// One way out of a state: `via` is "Next", "Choices[i]", "Default" or "Catch[i]".
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
        for (std::size_t i = 0; i < st.choice_next.size(); ++i) edge(st.choice_next[i], fmt::format("Choices[{}]", i));
        edge(st.default_next, "Default");
      } else {
        edge(st.next, "Next");
      }
      for (std::size_t i = 0; i < st.catchers.size(); ++i) edge(st.catchers[i].next, fmt::format("Catch[{}]", i));
    }
  }

  /// Adds what one execution exercised.
  void add(const ExecutionRecorder& rec) {
    const detail::Program& p = *program_;
    for (const auto& v : rec.visits())
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
            hit = find(st.name, t.to, fmt::format("Catch[{}]", i));
        for (std::size_t i = 0; i < st.catchers.size() && !hit; ++i) hit = find(st.name, t.to, fmt::format("Catch[{}]", i));
      } else if (st.type == detail::StateType::choice) {
        for (std::size_t i = 0; i < st.choice_next.size() && !hit; ++i) hit = find(st.name, t.to, fmt::format("Choices[{}]", i));
        if (!hit) hit = find(st.name, t.to, "Default");
      } else {
        hit = find(st.name, t.to, "Next");
        // A failure the history logs no Failed event for (a path error) caught: by target.
        for (std::size_t i = 0; i < st.catchers.size() && !hit; ++i) hit = find(st.name, t.to, fmt::format("Catch[{}]", i));
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
