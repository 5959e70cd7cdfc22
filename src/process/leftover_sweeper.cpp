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
  signal_ = signal;
  signaled_.clear();
  sweep();
}

void LeftoverSweeper::kill() {
  active_ = true;
  signal_ = core::Signal(SIGKILL);
  signaled_.clear();
  sweep();
}

void LeftoverSweeper::after_reap() {
  if (active_) check_gone();
}

void LeftoverSweeper::sweep() {
  if (!active_) return;
  // Most runs end with nothing left: skip the signals and the /proc scan.
  if (!reaper_.has_children()) {
    check_gone();
    return;
  }
  const bool killing = signal_.number() == SIGKILL;
  // The group first: it reaches members whose parent is still alive, and ESRCH just means
  // the group is empty.
  (void)signal_group(child_pgid_, signal_);
  if (!killing) (void)signal_group(child_pgid_, core::Signal(SIGCONT));
  const auto children = list_children();
  if (!children) {
    signal_everyone_as_pid1();
  } else {
    int reached = 0;
    for (const pid_t pid : *children) {
      if (!signaled_.insert(pid).second) continue;
      (void)signal_process(pid, signal_);
      // SIGCONT as well: a stopped process cannot act on the stop signal until it runs again.
      if (!killing) (void)signal_process(pid, core::Signal(SIGCONT));
      ++reached;
    }
    if (reached > 0 && on_signaled_) on_signaled_(signal_, reached);
  }
  check_gone();
  if (active_) rescan_.start(kRescanInterval);
}

void LeftoverSweeper::signal_everyone_as_pid1() {
  // Without a /proc of our own pid namespace the children cannot be listed. As PID 1,
  // kill(-1) reaches exactly the rest of the namespace; anywhere else it would reach
  // strangers, so a subreaper without /proc can only signal the child's group.
  if (getpid() != 1) return;
  (void)::kill(-1, signal_.number());
  if (signal_.number() != SIGKILL) (void)::kill(-1, SIGCONT);
}

void LeftoverSweeper::check_gone() {
  if (reaper_.has_children()) return;
  active_ = false;
  rescan_.stop();
  on_gone_();
}

}  // namespace lastcall::process
