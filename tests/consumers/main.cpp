// A tiny consumer of the installed/added asl package: loads and runs a one-state machine.
#include <asl/asl.hpp>
#include <fmt/format.h>

int main() {
  auto sm = asl::StateMachine::parse(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Result":42,"End":true}}})");
  asl::Engine engine;
  auto r = engine.run(sm);
  fmt::print("consumer: {} {}\n", asl::to_string(r.status), r.output.dump());
  return r.succeeded() && r.output == 42 ? 0 : 1;
}
