// Engine tests of asl::CommandResolver: Task states bound to real commands (stdin/stdout JSON,
// errors, stderr lines, heartbeats), timeouts and cancellation ending whole process groups with
// nothing left running or unreaped, large inputs, and Map fan-out on pools of 1 and 2 threads.
// SPDX-License-Identifier: MIT
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cerrno>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <asl/command_resolver.hpp>

#include "support/catch.hpp"
#include "support/pending.hpp"

using asl::Json;
using asl::testing::hang_guard;

namespace {

const char* const arn_work = "arn:aws:lambda:us-east-1:123456789012:function:work";

/// One Task state `Work` calling `work`, with `extra` members merged into the state.
Json task_machine(const Json& extra = Json::object()) {
  Json state{{"Type", "Task"}, {"Resource", arn_work}, {"End", true}};
  state.update(extra);
  return Json{{"StartAt", "Work"}, {"States", {{"Work", state}}}};
}

/// The stderr lines commands wrote, with their state names; a test can wait for one.
struct Lines {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> lines;  // "State: line"

  asl::CommandOptions options(bool reap_orphans = true) {
    asl::CommandOptions o;
    o.stderr_sink = [this](std::string_view state, std::string_view line) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(std::string(state) + ": " + std::string(line));
      cv.notify_all();
    };
    o.kill_grace = std::chrono::milliseconds(300);
    o.reap_orphans = reap_orphans;  // the test process owns its children: orphans are reaped here
    return o;
  }
  /// The first line starting with `prefix` (waits for it; empty on a hang).
  std::string wait_for(const std::string& prefix) {
    std::unique_lock<std::mutex> lock(mutex);
    std::string found;
    cv.wait_for(lock, hang_guard, [&] {
      for (const auto& l : lines)
        if (l.rfind(prefix, 0) == 0) {
          found = l;
          return true;
        }
      return false;
    });
    return found;
  }
  std::vector<std::string> all() {
    std::lock_guard<std::mutex> lock(mutex);
    return lines;
  }
};

asl::EngineOptions engine_options(unsigned threads) {
  asl::EngineOptions o;
  o.inline_execution = threads == 0;  // 0: inline, no pool
  o.threads = threads == 0 ? 1 : threads;
  o.payload_limit = 0;  // inputs of a megabyte, past AWS's 256 KiB: larger than any pipe buffer
  return o;
}

asl::ExecutionResult run_one(const asl::TaskResolver& resolver, const Json& definition, Json input,
                             unsigned threads = 2) {
  asl::Engine engine(engine_options(threads));
  return engine.run(asl::StateMachine::from_json(definition, resolver), std::move(input));
}

/// "Work: group 123 child 456" -> {123, 456}.
std::pair<pid_t, pid_t> group_and_child(const std::string& line) {
  const auto g = line.find("group ");
  const auto c = line.find(" child ");
  REQUIRE(g != std::string::npos);
  REQUIRE(c != std::string::npos);
  return {static_cast<pid_t>(std::stol(line.substr(g + 6, c - g - 6))),
          static_cast<pid_t>(std::stol(line.substr(c + 7)))};
}

/// Nothing of the group runs, not even as a zombie, and this process has no child left unreaped.
void check_nothing_left(pid_t pgid, pid_t grandchild) {
  errno = 0;
  CHECK(::kill(-pgid, 0) == -1);
  CHECK(errno == ESRCH);
  errno = 0;
  CHECK(::kill(grandchild, 0) == -1);
  CHECK(errno == ESRCH);
  int status = 0;
  errno = 0;
  CHECK(::waitpid(-1, &status, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}

}  // namespace

// Pools of 1 and 2 threads. Not inline (engine_options(0)): there a completion from another
// thread can end the run as "cannot make progress" (the deferred slot's wake in state_task.hpp
// calls external_end() before requeue(), and the inline host may look in between).
TEST_CASE("command tasks: stdin is the input, stdout the result", "[command]") {
  const unsigned threads = GENERATE(1u, 2u);
  Lines lines;
  asl::CommandResolver commands(lines.options());
  commands.add(arn_work, "cat");
  const auto r = run_one(commands, task_machine(), Json{{"epochs", 3}, {"name", "churn"}}, threads);
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json{{"epochs", 3}, {"name", "churn"}});
}

TEST_CASE("command tasks: argv form, no shell", "[command]") {
  Lines lines;
  asl::CommandResolver commands(lines.options());
  SECTION("Command::argv with an argument holding spaces and quotes") {
    commands.add(arn_work, asl::Command::argv({"printf", "%s", R"({"a b": "it's"})"}));
    const auto r = run_one(commands, task_machine(), Json::object());
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json{{"a b", "it's"}});
  }
  SECTION("a JSON array given to Command::parse") {
    const asl::Command c = asl::Command::parse(R"(["sh", "-c", "cat; echo >&2 read it"])");
    CHECK_FALSE(c.is_shell());
    commands.add(arn_work, c);
    const auto r = run_one(commands, task_machine(), Json{{"x", 1}});
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json{{"x", 1}});
    CHECK(lines.all() == std::vector<std::string>{"Work: read it"});
  }
  SECTION("other text is a shell command line") {
    CHECK(asl::Command::parse("cat | cat").is_shell());
    CHECK_THROWS_AS(asl::Command::parse("[1, 2]"), asl::UsageError);
    CHECK_THROWS_AS(asl::Command::parse("[\"cat\""), asl::UsageError);
  }
}

TEST_CASE("command tasks: lookup by resource pattern and by state name; others fall back", "[command]") {
  Lines lines;
  asl::HandlerRegistry fallback;
  fallback.add("arn:aws:lambda:us-east-1:123456789012:function:other", [](const Json&) { return Json("handler"); });
  asl::CommandResolver commands(lines.options(), &fallback);
  commands.add("arn:aws:lambda:*:*:function:wo*", "echo '\"pattern\"'").add("ByName", "echo '\"by name\"'");
  const Json def = Json::parse(R"J({"StartAt":"A","States":{
    "A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","ResultPath":"$.a","Next":"ByName"},
    "ByName":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","ResultPath":"$.b","Next":"C"},
    "C":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:other","ResultPath":"$.c","End":true}}})J");
  const auto r = run_one(commands, def, Json::object());
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json{{"a", "pattern"}, {"b", "by name"}, {"c", "handler"}});
  asl::CommandResolver alone(lines.options());
  CHECK_THROWS_AS(asl::StateMachine::from_json(task_machine(), alone), asl::DefinitionError);
}

TEST_CASE("command tasks: exit 0 with bad JSON on stdout is States.TaskFailed", "[command]") {
  Lines lines;
  asl::CommandResolver commands(lines.options());
  SECTION("not JSON") {
    commands.add(arn_work, "echo 'accuracy: 0.93'");
    const auto r = run_one(commands, task_machine(), Json::object());
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == "States.TaskFailed");
    CHECK_THAT(r.cause.value_or(""), Catch::Matchers::StartsWith("Command 'echo 'accuracy: 0.93'' exited with status 0 but its "
                                                    "stdout is not JSON ("));
    CHECK_THAT(r.cause.value_or(""), Catch::Matchers::EndsWith("stdout began with: accuracy: 0.93"));
  }
  SECTION("nothing") {
    commands.add(arn_work, "true");
    const auto r = run_one(commands, task_machine(), Json::object());
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.cause == "Command 'true' exited with status 0 but wrote nothing on stdout; the task's result must be "
                     "JSON on stdout.");
  }
  SECTION("invalid UTF-8 is quoted as U+FFFD, so the cause stays printable JSON") {
    commands.add(arn_work, R"(printf 'x\377y')");
    const auto r = run_one(commands, task_machine(), Json::object());
    REQUIRE(r.status == asl::Status::failed);
    CHECK_THAT(r.cause.value_or(""), Catch::Matchers::EndsWith("stdout began with: x\xEF\xBF\xBDy"));
    CHECK_NOTHROW(r.to_json().dump());
  }
}

TEST_CASE("command tasks: a non-zero exit with an error object names the error", "[command]") {
  Lines lines;
  asl::CommandResolver commands(lines.options());
  commands.add(arn_work, R"(echo '{"Error":"Model.Diverged","Cause":"loss is NaN"}'; exit 3)");
  SECTION("as the execution's error") {
    const auto r = run_one(commands, task_machine(), Json::object());
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == "Model.Diverged");
    CHECK(r.cause == "loss is NaN");
  }
  SECTION("which Catch matches") {
    Json d = task_machine();
    d["States"]["Work"]["Catch"] =
        Json::parse(R"([{"ErrorEquals":["Model.Diverged"],"ResultPath":"$.error","Next":"Caught"}])");
    d["States"]["Caught"] = Json{{"Type", "Pass"}, {"End", true}};
    const auto r = run_one(commands, d, Json::object());
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output["error"] == Json{{"Error", "Model.Diverged"}, {"Cause", "loss is NaN"}});
  }
}

TEST_CASE("command tasks: a non-zero exit otherwise gives the status and the tail of stderr", "[command]") {
  Lines lines;
  asl::CommandResolver commands(lines.options());
  SECTION("exit status") {
    commands.add(arn_work, "echo loading >&2; echo 'CUDA out of memory' >&2; exit 4");
    const auto r = run_one(commands, task_machine(), Json::object());
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == "States.TaskFailed");
    CHECK(r.cause == "Command 'echo loading >&2; echo 'CUDA out of memory' >&2; exit 4' exited with status 4. "
                     "Its stderr ended with: loading\nCUDA out of memory");
    CHECK(lines.all() == std::vector<std::string>{"Work: loading", "Work: CUDA out of memory"});
  }
  SECTION("a command that does not exist: the shell's 127") {
    commands.add(arn_work, "no-such-command-for-asl-tests");
    const auto r = run_one(commands, task_machine(), Json::object());
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == "States.TaskFailed");
    CHECK_THAT(r.cause.value_or(""), Catch::Matchers::StartsWith("Command 'no-such-command-for-asl-tests' exited with status "
                                                    "127 (command not found?). Its stderr ended with: "));
  }
  SECTION("a program that does not exist, in argv form") {
    commands.add(arn_work, asl::Command::argv({"no-such-program-for-asl-tests"}));
    const auto r = run_one(commands, task_machine(), Json::object());
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == "States.TaskFailed");
    CHECK(r.cause == "Command '[\"no-such-program-for-asl-tests\"]' could not be started: No such file or "
                     "directory.");
  }
  SECTION("a signal") {
    commands.add(arn_work, "kill -SEGV $$");
    const auto r = run_one(commands, task_machine(), Json::object());
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.cause == "Command 'kill -SEGV $$' was killed by signal 11 (SIGSEGV). It wrote nothing on stderr.");
  }
  SECTION("stdout over the limit ends the command") {
    asl::CommandOptions o = lines.options();
    o.max_stdout_bytes = 100000;
    asl::CommandResolver small(o);
    small.add(arn_work, "yes");
    const auto r = run_one(small, task_machine(), Json::object());
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.cause == "Command 'yes' wrote more than 100000 bytes on stdout (CommandOptions::max_stdout_bytes); it "
                     "was stopped.");
    CHECK(small.wait_idle(hang_guard));
  }
}

TEST_CASE("command tasks: a heartbeat line on stderr keeps HeartbeatSeconds from expiring", "[command]") {
  Lines lines;
  asl::CommandResolver commands(lines.options());
  // 2.5 s of work against a 2 s heartbeat window: it only succeeds if the ten heartbeats count.
  commands.add(arn_work,
               "for i in 1 2 3 4 5 6 7 8 9 10; do echo '{\"heartbeat\": true}' >&2; sleep 0.25; done; "
               "echo step >&2; echo '{\"trained\":true}'");
  asl::EngineOptions o = engine_options(2);
  asl::Engine engine(o);
  const auto r = engine.run(asl::StateMachine::from_json(task_machine(Json{{"HeartbeatSeconds", 2}}), commands),
                            Json::object());
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json{{"trained", true}});
  CHECK(lines.all() == std::vector<std::string>{"Work: step"});  // heartbeats are not passed on
}

TEST_CASE("command tasks: TimeoutSeconds ends the whole process group; nothing is left", "[command]") {
  const bool ignores_term = GENERATE(false, true);
  Lines lines;
  asl::CommandResolver commands(lines.options());
  // A background grandchild in the command's group; with `trap '' TERM` both ignore SIGTERM
  // (an ignored signal is inherited), so only the SIGKILL after the grace period ends them.
  const std::string trap = ignores_term ? "trap '' TERM; " : "";
  commands.add(arn_work, trap + "sleep 300 & echo \"group $$ child $!\" >&2; wait");
  const auto r = run_one(commands, task_machine(Json{{"TimeoutSeconds", 1}}), Json::object());
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == "States.Timeout");
  const auto [pgid, grandchild] = group_and_child(lines.wait_for("Work: group "));
  REQUIRE(commands.wait_idle(hang_guard));
  check_nothing_left(pgid, grandchild);
}

TEST_CASE("command tasks: cancel ends the process group", "[command]") {
  Lines lines;
  asl::CommandResolver commands(lines.options());
  commands.add(arn_work, "sleep 300 & echo \"group $$ child $!\" >&2; wait");
  asl::Engine engine(engine_options(GENERATE(1u, 2u)));
  auto exec = engine.start(asl::StateMachine::from_json(task_machine(), commands), Json::object());
  const auto [pgid, grandchild] = group_and_child(lines.wait_for("Work: group "));
  exec.cancel();
  REQUIRE(exec.wait_for(hang_guard));
  CHECK(exec.get().status == asl::Status::aborted);
  REQUIRE(commands.wait_idle(hang_guard));
  check_nothing_left(pgid, grandchild);
}

TEST_CASE("command tasks: destroying the resolver ends what runs and fails its task", "[command]") {
  Lines lines;
  auto commands = std::make_unique<asl::CommandResolver>(lines.options());
  commands->add(arn_work, "sleep 300 & echo \"group $$ child $!\" >&2; wait");
  asl::Engine engine(engine_options(2));
  auto exec = engine.start(asl::StateMachine::from_json(task_machine(), *commands), Json::object());
  const auto [pgid, grandchild] = group_and_child(lines.wait_for("Work: group "));
  commands.reset();  // returns once the group is ended and reaped
  REQUIRE(exec.wait_for(hang_guard));
  const auto r = exec.get();
  CHECK(r.status == asl::Status::failed);
  CHECK(r.cause == "The CommandResolver was destroyed while the command ran.");
  check_nothing_left(pgid, grandchild);
}

TEST_CASE("command tasks: what a command leaves in its group ends with the task", "[command]") {
  Lines lines;
  asl::CommandResolver commands(lines.options());
  commands.add(arn_work, "sleep 300 >/dev/null 2>&1 & echo \"group $$ child $!\" >&2; echo '{\"ok\":true}'");
  const auto r = run_one(commands, task_machine(), Json::object());
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json{{"ok", true}});
  const auto [pgid, grandchild] = group_and_child(lines.wait_for("Work: group "));
  REQUIRE(commands.wait_idle(hang_guard));
  check_nothing_left(pgid, grandchild);
}

TEST_CASE("command tasks: stdin larger than the pipe buffer", "[command]") {
  Lines lines;
  asl::CommandResolver commands(lines.options());
  Json big = Json::array();
  for (int i = 0; i < 40000; ++i) big.push_back(Json{{"row", i}, {"text", "some words to fill the pipe"}});
  REQUIRE(big.dump().size() > 1000000);
  SECTION("echoed back: stdin and stdout both exceed their pipes at once") {
    commands.add(arn_work, "cat");
    const auto r = run_one(commands, task_machine(), big);
    INFO(r.cause.value_or(""));
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == big);
  }
  SECTION("not read at all: the write fails with EPIPE, and the host lives on") {
    commands.add(arn_work, "exec 0<&-; echo '\"ignored the input\"'");
    const auto r = run_one(commands, task_machine(), big);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == "ignored the input");
  }
}

TEST_CASE("command tasks: a Map over a command on pools of 1 and 2 threads", "[command]") {
  const unsigned threads = GENERATE(1u, 2u);  // not inline: see the first test case
  Lines lines;
  asl::CommandOptions o = lines.options();
  o.max_running = 4;  // fewer than the items: the rest wait in the supervisor's queue
  asl::CommandResolver commands(o);
  commands.add(arn_work, asl::Command::argv({"cat"}));
  const Json def = Json::parse(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"Work",
    "States":{"Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}}},
    "End":true}}})J");
  Json items = Json::array();
  for (int i = 0; i < 40; ++i) items.push_back(Json{{"i", i}});
  const auto r = run_one(commands, def, items, threads);
  INFO(r.to_json().dump());
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == items);
}

TEST_CASE("command tasks: heartbeat lines and outcomes, without processes", "[command]") {
  using asl::detail::process::is_heartbeat_line;
  CHECK(is_heartbeat_line(R"({"heartbeat": true})"));
  CHECK(is_heartbeat_line(R"(  {"heartbeat":true,"epoch":3} )"));
  CHECK_FALSE(is_heartbeat_line(R"({"heartbeat": false})"));
  CHECK_FALSE(is_heartbeat_line(R"({"heartbeat": true)"));
  CHECK_FALSE(is_heartbeat_line("heartbeat"));

  asl::detail::process::StderrLines split(16, 8);
  std::vector<std::string> got;
  int beats = 0;
  auto on_line = [&](std::string_view l) { got.emplace_back(l); };
  auto on_beat = [&] { ++beats; };
  split.feed("a\nb", on_line, on_beat);
  split.feed("c\n{\"heartbeat\":true}\n0123456789", on_line, on_beat);
  split.finish(on_line, on_beat);
  // A line that reaches the limit is passed on without waiting for its newline.
  CHECK(got == std::vector<std::string>{"a", "bc", "0123456789"});
  CHECK(beats == 1);
  CHECK(split.tail() == "a\nbc\n0123456789");
}
