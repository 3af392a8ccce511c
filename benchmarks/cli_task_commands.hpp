// The asl tool's `--task PATTERN=COMMAND` (run, resume, executions redrive): parsing the
// bindings, the resolver that runs them (asl::CommandResolver, falling back to the bench
// resolver), and ending the commands' process groups when the tool is interrupted.
// SPDX-License-Identifier: MIT
#pragma once

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <asl/command_resolver.hpp>

namespace asl_cli {

constexpr const char* task_option_help = "run Task states matching PATTERN (a Resource, '*' allowed, or a state name) "
                                         "with COMMAND (repeatable; see README \"Tasks as commands\")";

/// Declares --task on `cmd`. Repeatable: every binding is kept, in order (the tool's other
/// options keep only their last value).
inline CLI::Option* add_task_option(CLI::App* cmd, std::vector<std::string>& into) {
  return cmd->add_option("--task", into, task_option_help)
      ->type_name("PATTERN=COMMAND")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

/// One `--task` value: PATTERN up to the first '=', COMMAND after it (a COMMAND may hold '=';
/// a Resource never does). COMMAND is a shell command line, or an argv list as a JSON array.
struct TaskBinding {
  std::string pattern;
  asl::Command command;
};

/// The bindings, checked.
/// @throws std::invalid_argument with the text of a usage error (without the "asl run: " prefix).
inline std::vector<TaskBinding> parse_task_bindings(const std::vector<std::string>& values) {
  std::vector<TaskBinding> out;
  for (const std::string& v : values) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
      throw std::invalid_argument("--task needs PATTERN=COMMAND (e.g. --task 'arn:aws:lambda:*:*:function:train=python3 "
                                  "train.py'), got '" + v + "'");
    try {
      out.push_back(TaskBinding{v.substr(0, eq), asl::Command::parse(std::string_view(v).substr(eq + 1))});
    } catch (const asl::UsageError& e) {
      throw std::invalid_argument("--task '" + v.substr(0, eq) + "': " + e.what());
    }
  }
  return out;
}

/// The resolver a command of the tool loads definitions with: the --task bindings first, then
/// `fallback` (the bench resolver: its Lambda functions noop, echo and flaky). Without --task it
/// is `fallback` itself, so a Task state nothing resolves still fails the load with
/// asl.definition.601, as before.
class TaskCommands {
 public:
  TaskCommands(const std::vector<std::string>& values, const asl::TaskResolver& fallback) : fallback_(&fallback) {
    const std::vector<TaskBinding> bindings = parse_task_bindings(values);
    if (bindings.empty()) return;
    asl::CommandOptions options;
    // The tool owns its children: what a command orphans is adopted and reaped here, so a
    // timed-out or interrupted run leaves no process and no zombie behind.
    options.reap_orphans = true;
    commands_ = std::make_unique<asl::CommandResolver>(options, fallback_);
    for (const TaskBinding& b : bindings) commands_->add(b.pattern, b.command);
  }

  const asl::TaskResolver& resolver() const {
    return commands_ ? static_cast<const asl::TaskResolver&>(*commands_) : *fallback_;
  }
  bool empty() const noexcept { return commands_ == nullptr; }
  /// Ends every command still running and reaps it (what the destructor does too).
  void stop() { commands_.reset(); }

 private:
  const asl::TaskResolver* fallback_;
  std::unique_ptr<asl::CommandResolver> commands_;
};

/// While it exists (and the tool runs commands): SIGINT, SIGTERM and SIGHUP end the commands'
/// process groups before the tool dies of the signal.
///
/// Why: a command runs in a process group of its own, so a terminal's Ctrl-C reaches only the
/// tool; dying at once would leave every running command behind. The signals are blocked in
/// every thread (construct this before the engine starts its workers; they inherit the mask)
/// and one thread waits for them with sigtimedwait: no code runs in a signal handler. On a
/// signal it ends the commands (SIGTERM, SIGKILL after the grace period, reaped), then restores
/// the default action and raises the signal again, so the tool's exit status says what killed it.
class EndCommandsOnSignal {
 public:
  explicit EndCommandsOnSignal(TaskCommands& commands) : commands_(&commands) {
    if (commands.empty()) return;
    sigemptyset(&set_);
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set_, sig);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    watcher_ = std::thread([this] { watch(); });
  }
  EndCommandsOnSignal(const EndCommandsOnSignal&) = delete;
  EndCommandsOnSignal& operator=(const EndCommandsOnSignal&) = delete;
  ~EndCommandsOnSignal() {
    if (!watcher_.joinable()) return;
    done_.store(true);
    watcher_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

 private:
  void watch() {
    const timespec poll_interval{0, 50 * 1000 * 1000};  // how soon the destructor is noticed
    while (!done_.load()) {
      const int sig = sigtimedwait(&set_, nullptr, &poll_interval);
      if (sig <= 0) continue;  // timeout or EINTR
      commands_->stop();
      signal(sig, SIG_DFL);
      sigset_t one;
      sigemptyset(&one);
      sigaddset(&one, sig);
      pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
      raise(sig);  // thread-directed, and unblocked here: the default action ends the process
      return;
    }
  }

  TaskCommands* commands_;
  sigset_t set_{};
  sigset_t previous_{};
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

}  // namespace asl_cli
