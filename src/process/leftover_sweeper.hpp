// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <csignal>
#include <functional>
#include <memory>
#include <unordered_set>

#include "core/signal.hpp"
#include "process/reaper.hpp"
#include "uv/timer.hpp"

namespace lastcall::process {

// Stops every process left once the child has exited (CONTRACT §2 step 4): the rest of the
// child's process group and every orphan lastcall has adopted, whatever its group. Adopted
// orphans raise no event when the kernel reparents them, so while a sweep is on it rescans
// /proc on a short timer; nothing is armed otherwise. "None left" is the Reaper's word that
// waitpid found no child at all (ECHILD), so it cannot miss a process it never saw.
// Lives for the whole run; only the shutdown uses it.
class LeftoverSweeper {
 public:
  // `on_signaled` hears of each sweep that reached processes it had not signalled yet.
  using OnSignaled = std::function<void(core::Signal signal, int newly_signaled)>;

  LeftoverSweeper(uv_loop_t* loop, Reaper& reaper, pid_t child_pgid, std::function<void()> on_gone,
                  OnSignaled on_signaled);

  // Sends `signal` (and SIGCONT) to everything left, and to whatever is adopted later.
  void stop(core::Signal signal);
  // SIGKILL to everything left, now and later.
  void kill() { stop(core::Signal(SIGKILL)); }
  // Call after every reap with what Reaper::reap() returned: reports on_gone once nothing is
  // left.
  void after_reap(bool children_left);

 private:
  void sweep();
  void signal_everyone_as_pid1();
  void finish();

  Reaper& reaper_;
  pid_t child_pgid_;
  std::function<void()> on_gone_;
  OnSignaled on_signaled_;
  uv::Timer rescan_;
  core::Signal signal_;  // empty until stop()
  bool active_ = false;
  std::unordered_set<pid_t> signaled_;  // pids already sent signal_
};

}  // namespace lastcall::process
