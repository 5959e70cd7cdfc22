// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <functional>
#include <unordered_map>

#include "core/exit_status.hpp"

namespace lastcall::process {

// What waitid(2) reported of one child: it ended, stopped, or was continued.
struct ChildChange {
  enum class Kind { Exited, Stopped, Continued };
  pid_t pid = -1;
  Kind kind = Kind::Exited;
  core::ExitStatus status{};  // Exited only
  int stop_signal = 0;      // Stopped only: SIGTSTP, SIGTTIN, SIGTTOU or SIGSTOP
};

// The only caller of waitpid(2) and waitid(2) in lastcall. We never call uv_spawn, so libuv
// never reaps for us, and a second reaper would race this one with waitpid(-1) and steal
// statuses. Each change of a child is routed to the owner that watches its pid (the child, a
// hook, a readiness command), or, for an exit, to the orphan handler. Stops and continues are
// reported as such (WSTOPPED, WCONTINUED) and never taken for an exit. Lives for the whole run.
class Reaper {
 public:
  using OnChange = std::function<void(const ChildChange&)>;

  // Routes `pid`'s changes to `on_change` until it has exited. With `kill_group_at_exit`,
  // the process group `pid` leads gets SIGKILL when the leader has ended but before it is
  // reaped: the zombie keeps the group id reserved, so the signal cannot reach a new group
  // that took the number. Call it before returning to the loop after a spawn.
  void watch(pid_t pid, OnChange on_change, bool kill_group_at_exit = false);
  // Its owner is gone: `pid`'s exit is reaped as usual and heard by nobody.
  void forget(pid_t pid);
  void set_orphan_handler(OnChange on_orphan) { on_orphan_ = std::move(on_orphan); }

  // Collects every change without blocking and dispatches each. Returns whether any child is
  // left, as the last waitid (after every callback) found it.
  bool reap();
  // Whether any child is left, running or not yet reaped, asked without reaping; with a
  // `pgid`, any child in that process group.
  [[nodiscard]] static bool has_children(pid_t pgid = 0);
  // Waits for `pid` alone, blocking: for a child that failed to exec before the loop runs.
  static core::ExitStatus wait_for(pid_t pid);

 private:
  struct Owner {
    OnChange on_change;
    bool kill_group_at_exit = false;
  };

  void dispatch(const ChildChange& change);

  std::unordered_map<pid_t, Owner> owners_;
  OnChange on_orphan_;
};

}  // namespace lastcall::process
