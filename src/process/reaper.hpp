// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <unordered_map>

#include "core/exit_status.hpp"

namespace lastcall::process {

// The only caller of waitpid(2) and waitid(2) in lastcall. libuv never reaps for us because we never call
// uv_spawn; a second reaper would race this one with waitpid(-1) and steal statuses. Every
// pid that ends is routed to the owner that watched it (the child, a hook), or else to the
// orphan handler. Lives for the whole run.
class Reaper {
 public:
  using OnExit = std::function<void(pid_t, core::ExitStatus)>;

  // Routes `pid`'s exit to `on_exit`. Call it before returning to the loop after a spawn.
  void watch(pid_t pid, OnExit on_exit);
  void set_orphan_handler(OnExit on_orphan) { on_orphan_ = std::move(on_orphan); }

  // Collects every exited child without blocking and dispatches each status. Returns
  // whether any child is left, as the last waitpid (after every callback) found it.
  bool reap();
  // Whether any child is left, running or not yet reaped; asks the kernel without reaping
  // (waitid with WNOWAIT), so it is safe to call from within an exit callback.
  [[nodiscard]] bool has_children() const;
  [[nodiscard]] std::uint64_t orphans_reaped() const { return orphans_reaped_; }
  // A child that failed to exec before anyone watched it (fork_exec's): waited for by pid,
  // blocking, as glibc's posix_spawn does, so that its status never reaches reap().
  static void reap_failed_spawn(pid_t pid);

 private:
  std::unordered_map<pid_t, OnExit> owners_;
  OnExit on_orphan_;
  std::uint64_t orphans_reaped_ = 0;
};

}  // namespace lastcall::process
