// What a finished command means to the state machine: its exit status, stdout and stderr tail
// turned into the task's result or an ASL error, by the rules of README "Tasks as commands".
// SPDX-License-Identifier: MIT
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "asl/detail/process/cause_text.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/parse_json.hpp"
#include "asl/result.hpp"

namespace asl::detail::process {

/// How much of stdout an error's cause quotes.
inline constexpr std::size_t quoted_stdout_bytes = 200;

/// What the supervisor knows once the command's leader has been reaped.
struct Finished {
  std::string_view display;     ///< the command as the user wrote it, for causes
  int wait_status = 0;          ///< from waitpid
  std::string_view out;         ///< everything read from stdout
  std::string_view err_tail;    ///< the last stderr lines (raw bytes)
  /// Set when the supervisor itself ended the command (stdout over its limit): the error wins
  /// over whatever the status says.
  std::optional<std::string> failure;
};

/// The usual name of a signal (strsignal is not thread-safe for every value).
inline const char* signal_name(int sig) noexcept {
  switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    default: return "another signal";
  }
}

inline Error task_failed(std::string cause) { return Error(std::string(errors::task_failed), std::move(cause)); }

/// " Its stderr ended with: ..." or " It wrote nothing on stderr."
inline std::string stderr_clause(std::string_view tail) {
  if (tail.empty()) return " It wrote nothing on stderr.";
  return " Its stderr ended with: " + valid_utf8(tail);
}

/// The rules:
/// - exit 0: stdout is the result, as JSON; anything else (nothing, or not JSON) fails the task
///   with States.TaskFailed and a cause that quotes the start of stdout;
/// - exit non-zero: a JSON object on stdout with a string "Error" names the error (and "Cause",
///   when a string, is its cause; other JSON is quoted as text), as a Lambda function's error
///   does; otherwise States.TaskFailed with the status and the tail of stderr;
/// - a signal: States.TaskFailed naming it, with the tail of stderr.
inline Result<Json> command_outcome(const Finished& f) {
  const std::string who = fmt::format("Command '{}'", head_text(f.display, quoted_stdout_bytes));
  if (f.failure) return task_failed(who + " " + *f.failure);
  if (WIFSIGNALED(f.wait_status)) {
    const int sig = WTERMSIG(f.wait_status);
    return task_failed(fmt::format("{} was killed by signal {} ({}).{}", who, sig, signal_name(sig),
                                   stderr_clause(f.err_tail)));
  }
  const int code = WIFEXITED(f.wait_status) ? WEXITSTATUS(f.wait_status) : -1;
  if (code == 0) {
    std::string_view text = f.out;
    while (!text.empty() && std::strchr(" \t\r\n", text.back()) != nullptr) text.remove_suffix(1);
    if (text.empty())
      return task_failed(who + " exited with status 0 but wrote nothing on stdout; the task's result must be "
                               "JSON on stdout.");
    try {
      return parse_json(text);
    } catch (const std::exception& e) {
      return task_failed(fmt::format("{} exited with status 0 but its stdout is not JSON ({}); stdout began "
                                     "with: {}",
                                     who, valid_utf8(e.what()), head_text(text, quoted_stdout_bytes)));
    }
  }
  // A failing command may describe its error as a Lambda function does: {"Error", "Cause"}.
  try {
    const Json j = parse_json(f.out, 64);
    if (j.is_object()) {
      const auto name = j.find("Error");
      if (name != j.end() && name->is_string()) {
        const auto cause = j.find("Cause");
        std::string cause_text = cause == j.end()        ? std::string()
                                 : cause->is_string()    ? cause->get<std::string>()
                                 : cause->is_null()      ? std::string()
                                                         : cause->dump();
        return Error(name->get<std::string>(), std::move(cause_text));
      }
    }
  } catch (const std::exception&) {
    // not an error object: the status and stderr say what happened
  }
  if (code == 127)
    return task_failed(fmt::format("{} exited with status 127 (command not found?).{}", who,
                                   stderr_clause(f.err_tail)));
  return task_failed(fmt::format("{} exited with status {}.{}", who, code, stderr_clause(f.err_tail)));
}

}  // namespace asl::detail::process
