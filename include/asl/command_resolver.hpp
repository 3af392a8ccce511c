// asl::CommandResolver: binds Task states to shell commands or programs (POSIX), so that a
// definition written for AWS runs locally against real scripts: input on stdin, result on stdout.
// SPDX-License-Identifier: MIT
//
// Not part of <asl/asl.hpp>: it needs POSIX (posix_spawn, poll, process groups) and a host
// includes it when it wants it. The rules, for each invocation of a bound Task state:
// - the command runs in a process group of its own, through `/bin/sh -c TEXT` (Command::shell)
//   or as an argv list looked up in PATH (Command::argv, or a JSON array given to
//   Command::parse);
// - the task's effective input is written to its stdin as JSON, then stdin is closed;
// - exit 0: stdout is the result, as JSON (anything else is States.TaskFailed, with a cause
//   that quotes the start of stdout);
// - a non-zero exit fails the task: a JSON object {"Error": ..., "Cause": ...} on stdout names
//   the error (Retry and Catch match it), otherwise States.TaskFailed with the exit status and
//   the tail of stderr as the cause;
// - each stderr line goes to CommandOptions::stderr_sink with the state's name (default: the
//   process's stderr as "[State] line"); a line {"heartbeat": true} is a heartbeat instead
//   (HeartbeatSeconds);
// - TimeoutSeconds, HeartbeatSeconds, Execution::cancel() and the end of the execution end the
//   whole group: SIGTERM, then SIGKILL after CommandOptions::kill_grace; whatever the command
//   left running in its group when it exited is ended the same way. Destroying the resolver
//   ends and reaps what still runs.
// No thread waits per command: a task is deferred (TaskContext::defer) and one supervisor
// thread per resolver polls every child's pipes (asl/detail/process/supervisor.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/parse_json.hpp"
#include "asl/result.hpp"
#include "asl/task.hpp"
#include "asl/task_resolver.hpp"
#include "asl/detail/process/supervisor.hpp"

namespace asl {

/// What a Task state runs: a shell command line or an argv list.
class Command {
 public:
  /// `/bin/sh -c script` (pipes, redirections, `$VAR` work).
  static Command shell(std::string script) {
    Command c;
    c.shell_ = true;
    c.args_ = {"/bin/sh", "-c", std::move(script)};
    return c;
  }
  /// The program args[0] (looked up in PATH when it has no '/') with its arguments, no shell.
  /// @throws UsageError when `args` is empty.
  static Command argv(std::vector<std::string> args) {
    if (args.empty() || args.front().empty()) throw UsageError("asl::Command::argv: the program is missing");
    Command c;
    c.args_ = std::move(args);
    return c;
  }
  /// The text of `asl run --task PATTERN=COMMAND`: a JSON array of strings is an argv list
  /// (`["python3","train.py"]`), anything else a shell command line.
  /// @throws UsageError for a JSON array that is not a non-empty array of strings.
  static Command parse(std::string_view text) {
    std::size_t b = 0;
    while (b < text.size() && (text[b] == ' ' || text[b] == '\t')) ++b;
    if (b == text.size() || text[b] != '[') return shell(std::string(text));
    Json j;
    try {
      j = parse_json(text, 4);
    } catch (const std::exception& e) {
      throw UsageError(std::string("a command given as a JSON array is not valid JSON: ") + e.what());
    }
    std::vector<std::string> args;
    if (j.is_array())
      for (const Json& a : j) {
        if (!a.is_string()) {
          args.clear();
          break;
        }
        args.push_back(a.get<std::string>());
      }
    if (args.empty() || args.front().empty())
      throw UsageError("a command given as a JSON array must be a non-empty array of strings: " + std::string(text));
    return argv(std::move(args));
  }

  /// A shell command line, as Command::shell.
  Command(std::string script) : Command(shell(std::move(script))) {}  // NOLINT: implicit by design
  Command(const char* script) : Command(shell(script)) {}              // NOLINT: implicit by design

  bool is_shell() const noexcept { return shell_; }
  /// What is executed: {"/bin/sh", "-c", script} or the argv list.
  const std::vector<std::string>& args() const noexcept { return args_; }
  /// The command as the user wrote it (the script, or the argv list as JSON), for messages.
  std::string text() const { return shell_ ? args_[2] : Json(args_).dump(); }

 private:
  Command() = default;
  bool shell_ = false;
  std::vector<std::string> args_;
};

/// How commands run. Plain data with defaults.
struct CommandOptions {
  /// Receives each stderr line (without its newline) with the Task state's name, on the
  /// supervisor thread. Null: the default, which writes "[State] line\n" to the process's stderr
  /// with one std::fputs per line (lines of concurrent commands do not interleave).
  detail::process::StderrSink stderr_sink;
  /// Between SIGTERM and SIGKILL when a command's group is ended.
  std::chrono::milliseconds kill_grace{2000};
  /// Commands running at once; more tasks wait in a queue (a Map of 10,000 items does not start
  /// 10,000 processes, nor hold 30,000 pipe descriptors). 0 = no limit.
  std::size_t max_running = 64;
  /// More on stdout than this fails the task (States.TaskFailed) and ends the command.
  std::size_t max_stdout_bytes = std::size_t{256} << 20;
  /// How much of the end of stderr an error's cause quotes.
  std::size_t stderr_tail_bytes = 2048;
  /// Linux: make the process a child subreaper while the resolver exists, so that processes a
  /// command orphaned (its children, after it died) are adopted and reaped here rather than left
  /// to init. Process-wide, so off by default: for a process that owns its children (the asl
  /// tool turns it on, as do the tests). Without it, SIGKILL still reaches them, and init reaps.
  bool reap_orphans = false;
};

/// Resolves Task states to commands. Lookup order, as HandlerRegistry's: a binding whose
/// pattern equals the state's Resource, then one that equals the state's name, then patterns
/// with '*' matched against the Resource in the order added; then `fallback` (if given).
/// @code
/// asl::CommandResolver commands;
/// commands.add("arn:aws:lambda:*:*:function:train*", asl::Command::argv({"python3", "train.py"}))
///         .add("Evaluate", "sh pipelines/evaluate.sh");          // by state name, through the shell
/// auto sm = asl::StateMachine::parse(definition, commands);
/// @endcode
/// @note The resolver must outlive the executions of machines loaded with it: its destructor
/// ends the commands still running and fails their tasks. resolve() is for loading, from one
/// thread at a time; the handlers it returns are thread-safe.
class CommandResolver final : public TaskResolver {
 public:
  explicit CommandResolver(CommandOptions options = {}, const TaskResolver* fallback = nullptr)
      : supervisor_(std::make_shared<detail::process::Supervisor>(supervisor_options(options))),
        fallback_(fallback) {}
  CommandResolver(const CommandResolver&) = delete;
  CommandResolver& operator=(const CommandResolver&) = delete;
  /// Ends every command still running (SIGTERM, SIGKILL after the grace period), fails its task,
  /// and reaps it before returning.
  ~CommandResolver() override { supervisor_->shutdown(); }

  /// Binds `pattern` (a Resource, a Resource pattern with '*', or a Task state's name).
  CommandResolver& add(std::string pattern, Command command) {
    bindings_.push_back(Binding{std::move(pattern), std::move(command)});
    return *this;
  }

  TaskHandler resolve(const ResolveRequest& request) const override {
    const Binding* b = find(request);
    if (b == nullptr) return fallback_ != nullptr ? fallback_->resolve(request) : TaskHandler();
    detail::process::SpawnSpec spec;
    spec.argv = b->command.args();
    spec.search_path = !b->command.is_shell();
    std::weak_ptr<detail::process::Supervisor> weak = supervisor_;
    return [weak, spec = std::move(spec), display = b->command.text()](const Json& input,
                                                                       TaskContext& ctx) -> Result<Json> {
      auto supervisor = weak.lock();
      if (!supervisor) return Error(std::string(errors::task_failed), "The CommandResolver was destroyed.");
      detail::process::Job job;
      job.spec = spec;
      job.display = display;
      job.state_name = std::string(ctx.state_name);
      job.input = input.dump();
      job.completion = ctx.defer();  // the worker goes back to the pool; the supervisor completes it
      TaskCompletion completion = job.completion;
      if (!supervisor->submit(std::move(job)))
        completion.fail(Error(std::string(errors::task_failed), "The CommandResolver was destroyed."));
      return Json();  // ignored: the task completes through `completion`
    };
  }

  TaskDelivery delivery(const ResolveRequest& request) const override {
    if (find(request) == nullptr && fallback_ != nullptr) return fallback_->delivery(request);
    return TaskDelivery::at_least_once;
  }

  /// Waits until no command is queued or running and nothing it left in its group still runs;
  /// false if `timeout` passed first. For tests and for a host that wants a quiet moment.
  bool wait_idle(std::chrono::milliseconds timeout) const { return supervisor_->wait_idle(timeout); }

  /// The number of bindings added.
  std::size_t size() const noexcept { return bindings_.size(); }

  /// The default stderr sink: "[State] line\n" on the process's stderr, one std::fputs per line.
  static void write_to_stderr(std::string_view state_name, std::string_view line) {
    std::string text;
    text.reserve(state_name.size() + line.size() + 4);
    text += '[';
    text.append(state_name.data(), state_name.size());
    text += "] ";
    text.append(line.data(), line.size());
    text += '\n';
    std::fputs(text.c_str(), stderr);
  }

 private:
  struct Binding {
    std::string pattern;
    Command command;
  };

  static detail::process::SupervisorOptions supervisor_options(const CommandOptions& o) {
    detail::process::SupervisorOptions s;
    s.stderr_sink = o.stderr_sink ? o.stderr_sink : detail::process::StderrSink(&write_to_stderr);
    s.kill_grace = o.kill_grace;
    s.max_running = o.max_running;
    s.max_stdout_bytes = o.max_stdout_bytes;
    s.stderr_tail_bytes = o.stderr_tail_bytes;
    s.reap_orphans = o.reap_orphans;
    return s;
  }

  const Binding* find(const ResolveRequest& request) const {
    for (const Binding& b : bindings_)
      if (b.pattern == request.resource) return &b;
    for (const Binding& b : bindings_)
      if (b.pattern == request.state_name) return &b;
    for (const Binding& b : bindings_)
      if (b.pattern.find('*') != std::string::npos && detail::glob_match(b.pattern, request.resource)) return &b;
    return nullptr;
  }

  std::shared_ptr<detail::process::Supervisor> supervisor_;
  const TaskResolver* fallback_;
  std::vector<Binding> bindings_;
};

}  // namespace asl
