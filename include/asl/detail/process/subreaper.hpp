// Adopting orphans (Linux): while a CommandResolver asks for it, the process is a child
// subreaper, so what a command leaves behind becomes our child and is reaped, not init's.
// SPDX-License-Identifier: MIT
#pragma once

#include <mutex>

#if defined(__linux__)
#include <sys/prctl.h>
#endif

namespace asl::detail::process {

/// Why: killing a command's group also kills its children, but if the command dies first they
/// are re-parented to init, and an init that does not reap (a container's PID 1 often does not)
/// leaves them as zombies for good. As a subreaper the host adopts them and the supervisor reaps
/// them with the group. It is process-wide: every orphan of every child of the host comes to
/// the host, and the supervisor reaps only those in its commands' groups. So it is opt-in
/// (CommandOptions::reap_orphans), meant for a process that owns its children (the asl tool, a
/// test), and undone when the last resolver that asked for it goes away (unless the process
/// was a subreaper before).
class SubreaperLease {
 public:
  SubreaperLease() {
#if defined(__linux__)
    std::lock_guard<std::mutex> lock(state().mutex);
    Shared& s = state();
    if (s.count++ == 0) {
      int before = 0;
      prctl(PR_GET_CHILD_SUBREAPER, &before, 0, 0, 0);
      s.was_set = before != 0;
      if (!s.was_set) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
#endif
  }
  ~SubreaperLease() {
#if defined(__linux__)
    std::lock_guard<std::mutex> lock(state().mutex);
    Shared& s = state();
    if (--s.count == 0 && !s.was_set) prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
#endif
  }
  SubreaperLease(const SubreaperLease&) = delete;
  SubreaperLease& operator=(const SubreaperLease&) = delete;

 private:
  struct Shared {
    std::mutex mutex;
    int count = 0;
    bool was_set = false;
  };
  static Shared& state() {
    static Shared s;
    return s;
  }
};

}  // namespace asl::detail::process
