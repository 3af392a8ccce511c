// Starting one command: posix_spawn into a process group of its own, with our pipes as its
// standard streams, an empty signal mask and default signal dispositions.
// SPDX-License-Identifier: MIT
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;  // POSIX: the environment the command inherits

namespace asl::detail::process {

/// What to execute: argv[0] is the program. `search_path`: look argv[0] up in PATH (an argv
/// command given as ["cat"]); the shell form is an absolute "/bin/sh".
struct SpawnSpec {
  std::vector<std::string> argv;
  bool search_path = false;
};

/// The child's pid (its process group id too), or the errno that kept it from starting.
struct Spawned {
  pid_t pid = -1;
  int error = 0;
};

/// Starts `spec` with stdin, stdout and stderr on the given descriptors.
///
/// Why posix_spawn and not fork + exec: glibc implements it with a vfork-style clone, so its
/// cost does not grow with the host's memory (an ML host may map gigabytes), and no code of ours
/// runs in a forked copy of a multi-threaded process. posix_spawn returns after the exec, so the
/// process group exists when we get the pid: kill(-pid) can never miss it.
///
/// - POSIX_SPAWN_SETPGROUP (group 0: a new group led by the child): a timeout or cancellation
///   signals the whole group, so whatever the command started goes too; a terminal's Ctrl-C
///   reaches only the host, which then ends the commands itself.
/// - POSIX_SPAWN_SETSIGMASK (empty): the thread that spawns blocks every signal; a mask is
///   inherited across exec and would make the command deaf to SIGTERM.
/// - POSIX_SPAWN_SETSIGDEF: an ignored disposition is also inherited across exec; a host that
///   ignores SIGPIPE or SIGCHLD would otherwise change how `yes | head` or a shell's `wait` behave.
/// - Every other descriptor of ours is close-on-exec; on glibc >= 2.34 descriptors from 3 up are
///   closed as well, so one that a host opened without O_CLOEXEC does not leak into commands.
inline Spawned spawn_in_group(const SpawnSpec& spec, int stdin_fd, int stdout_fd, int stderr_fd) {
  Spawned out;
  if (spec.argv.empty()) {
    out.error = EINVAL;
    return out;
  }
  struct Actions {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    Actions() {
      posix_spawn_file_actions_init(&fa);
      posix_spawnattr_init(&attr);
    }
    ~Actions() {
      posix_spawn_file_actions_destroy(&fa);
      posix_spawnattr_destroy(&attr);
    }
    Actions(const Actions&) = delete;
    Actions& operator=(const Actions&) = delete;
  } a;
  int rc = posix_spawn_file_actions_adddup2(&a.fa, stdin_fd, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&a.fa, stdout_fd, 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&a.fa, stderr_fd, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&a.fa, 3);
#endif
  if (rc == 0) rc = posix_spawnattr_setpgroup(&a.attr, 0);
  sigset_t none;
  sigemptyset(&none);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&a.attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int sig : {SIGPIPE, SIGCHLD, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGALRM, SIGUSR1, SIGUSR2, SIGTSTP,
                        SIGTTIN, SIGTTOU, SIGXFSZ})
    sigaddset(&defaults, sig);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&a.attr, &defaults);
  if (rc == 0)
    rc = posix_spawnattr_setflags(
        &a.attr, static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  if (rc != 0) {
    out.error = rc;
    return out;
  }
  std::vector<char*> args;
  args.reserve(spec.argv.size() + 1);
  for (const std::string& arg : spec.argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  rc = spec.search_path ? posix_spawnp(&pid, args[0], &a.fa, &a.attr, args.data(), environ)
                        : posix_spawn(&pid, args[0], &a.fa, &a.attr, args.data(), environ);
  if (rc != 0) {
    out.error = rc;
    return out;
  }
  out.pid = pid;
  return out;
}

}  // namespace asl::detail::process
