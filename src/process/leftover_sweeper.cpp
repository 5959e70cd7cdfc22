// SPDX-License-Identifier: MIT
#include "process/leftover_sweeper.hpp"

#include <signal.h>
#include <unistd.h>

#include "process/children.hpp"
#include "process/kill.hpp"

namespace lastcall::process {
namespace {

// How often a sweep looks for newly adopted orphans: short against any grace budget.
constexpr core::Duration kRescanInterval{25};

}  // namespace

LeftoverSweeper::LeftoverSweeper(uv_loop_t* loop, Reaper& reaper, pid_t child_pgid,
                                 std::function<void()> on_gone, OnSignaled on_signaled)
    : reaper_(reaper),
      child_pgid_(child_pgid),
      on_gone_(std::move(on_gone)),
      on_signaled_(std::move(on_signaled)),
      rescan_(loop, [this] { sweep(); }) {}

void LeftoverSweeper::stop(core::Signal signal) {
  active_ = true;
  // The same signal again (a forced exit's SIGKILL, then the last one after the loop) only
  // needs to reach what was adopted since.
  if (signal != signal_) signaled_.clear();
  signal_ = signal;
  sweep();
}

void LeftoverSweeper::after_reap(bool children_left) {
  if (active_ && !children_left) finish();
}

void LeftoverSweeper::sweep() {
  if (!active_) return;
  // Most runs end with nothing left: skip the signals and the /proc scan.
  if (!reaper_.has_children()) {
    finish();
    return;
  }
  // The group first: it reaches members whose parent is still alive, and ESRCH just means
  // the group is empty.
  (void)stop_group(child_pgid_, signal_);
  const auto children = list_children();
  if (!children) {
    signal_everyone_as_pid1();
  } else {
    int reached = 0;
    for (const pid_t pid : *children) {
      if (!signaled_.insert(pid).second) continue;
      (void)stop_process(pid, signal_);
      ++reached;
    }
    if (reached > 0 && on_signaled_) on_signaled_(signal_, reached);
  }
  // Whatever the signals end is reported by SIGCHLD, through after_reap().
  rescan_.start(kRescanInterval);
}

void LeftoverSweeper::signal_everyone_as_pid1() {
  // Without a /proc of our own pid namespace the children cannot be listed. As PID 1,
  // kill(-1) reaches exactly the rest of the namespace; anywhere else it would reach
  // strangers, so a subreaper without /proc can only signal the child's group.
  if (getpid() != 1) return;
  (void)::kill(-1, signal_.number());
  if (needs_sigcont(signal_)) (void)::kill(-1, SIGCONT);
}

void LeftoverSweeper::finish() {
  active_ = false;
  rescan_.stop();
  on_gone_();
}

}  // namespace lastcall::process
