// A command's process group: signalling every process in it, reaping the ones that ended
// without blocking, and telling when the group is empty.
// SPDX-License-Identifier: MIT
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cerrno>
#include <optional>

namespace asl::detail::process {

/// Sends `sig` to every process of the group led by `pgid` (the command and whatever it started
/// that stayed in its group). The group id stays reserved while any member lives, so it cannot
/// name someone else's processes meanwhile.
inline void signal_group(pid_t pgid, int sig) noexcept { ::kill(-pgid, sig); }

/// True once no process of the group exists (not even a zombie). EPERM (a member that changed
/// its user) counts as alive.
inline bool group_gone(pid_t pgid) noexcept { return ::kill(-pgid, 0) != 0 && errno == ESRCH; }

/// Reaps, without blocking, every child of ours in the group that has ended: the leader, and
/// with ReapOrphans (a child subreaper) the leader's own children it left behind. Returns the
/// leader's wait status once the leader has been reaped by this call. Never SIGCHLD: the host
/// may use it, and a handler is process-wide.
inline std::optional<int> reap_group(pid_t leader) noexcept {
  std::optional<int> leader_status;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(-leader, &status, WNOHANG);
    if (r > 0) {
      if (r == leader) leader_status = status;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    return leader_status;  // 0: members still run; -1/ECHILD: none of them is our child
  }
}

}  // namespace asl::detail::process
