// Test helpers: load a definition from a JSON literal and run it on virtual time in one call.
// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <asl/asl.hpp>

namespace asl::testing {

/// Records every history event (type, id, details) for assertions on the path taken.
class RecordingObserver final : public Observer {
 public:
  struct Entry {
    EventType type;
    std::uint64_t id;
    Json details;
  };
  void on_event(const HistoryEvent& e) override { events.push_back({e.type, e.id, *e.details}); }
  /// Names of the states entered, in order.
  std::vector<std::string> states_entered() const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      const std::string_view t = to_string(e.type);
      if (t.size() > 7 && t.substr(t.size() - 7) == "Entered") out.push_back(e.details.value("name", ""));
    }
    return out;
  }
  std::vector<Entry> events;
};

/// Loads `definition` with `tasks` and runs it once on virtual time.
inline ExecutionResult run_machine(const Json& definition, const Json& input = Json::object(),
                                   const TaskResolver& tasks = HandlerRegistry{},
                                   EngineOptions options = {},
                                   std::shared_ptr<Observer> observer = nullptr) {
  options.virtual_time = true;
  options.inline_execution = true;  // deterministic event order; tests/engine/test_concurrency.cpp covers the pool
  Engine engine(options);
  if (observer) engine.add_observer(std::move(observer));
  return engine.run(StateMachine::from_json(definition, tasks), input);
}

}  // namespace asl::testing
