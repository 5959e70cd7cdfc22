// SPDX-License-Identifier: MIT
#include "process/leftovers.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_set>

#include "process/kill.hpp"

namespace lastcall::process {
namespace {

// Orphans are adopted when their parent ends, which lastcall hears of only when that parent
// was its own child. Looking again soon after a reap catches those; the rest are found by
// looks that grow from the first to the last interval.
constexpr core::Duration kFirstLook{10};
constexpr core::Duration kLastLook{500};

}  // namespace

Leftovers::Leftovers(uv_loop_t* loop, pid_t child_pgid, Observer observer)
    : child_pgid_(child_pgid), observer_(std::move(observer)), rescan_(loop, [this] { sweep(); }) {}

void Leftovers::stop(core::Signal signal) {
  active_ = true;
  signal_ = signal;
  interval_ = kFirstLook;
  sweep();
}

void Leftovers::after_reap(bool children_left) {
  if (!active_) return;
  if (!children_left) {
    finish();
    return;
  }
  // A reaped parent leaves its children to us: look again soon.
  if (interval_ > kFirstLook) {
    interval_ = kFirstLook;
    rescan_.start(interval_);
  }
}

void Leftovers::sweep() {
  if (!active_) return;
  if (!Reaper::has_children()) {
    finish();
    return;
  }
  const auto children = list_children();
  if (!children) {
    sweep_unlisted();
    return;
  }
  if (const int count = sweep_children(*children); count > 0 && observer_.on_signaled) {
    observer_.on_signaled(signal_, count);
  }
  // Whatever the signals end is reported by SIGCHLD, through after_reap().
  rescan_.start(interval_);
  interval_ = std::min(interval_ * 2, kLastLook);
}

void Leftovers::sweep_unlisted() {
  // Without a /proc of our own pid namespace the children cannot be listed. As PID 1,
  // kill(-1) reaches exactly the rest of the namespace, once per level. The group's signal
  // of step 3 does not count here: it left the orphans out. Members of the child's group
  // that had it get it twice, which only /proc could spare them.
  const int level = level_of(signal_);
  if (getpid() == 1) {
    if (broadcast_level_ >= level) return;
    broadcast_level_ = level;
    (void)::kill(-1, signal_.number());
    if (needs_sigcont(signal_)) (void)::kill(-1, SIGCONT);
    return;
  }
  // Anywhere else kill(-1) would reach strangers, and orphans outside the child's group
  // cannot be found. The group still can, once per level: while one of our children is in
  // it, its id cannot have been taken by a new group.
  if (group_had(level) || !Reaper::has_children(child_pgid_)) return;
  group_reached(signal_);
  (void)stop_group(child_pgid_, signal_);
}

void Leftovers::group_reached(core::Signal signal) {
  // Read before the signal goes out, so no process started after it is dated before it.
  group_reached_at_[static_cast<std::size_t>(level_of(signal))] = Reached{boot_ticks(), last_pid()};
}

bool Leftovers::group_had(int level) const {
  for (auto l = static_cast<std::size_t>(level); l < group_reached_at_.size(); ++l) {
    if (group_reached_at_[l]) return true;
  }
  return false;
}

// /proc dates a start only to a clock tick (10 ms). Within the tick of the signal, the pid
// tells: one the kernel had handed out by then is older (pids wrap only after pid_max of
// them, not within a tick unless pid_max was set far below its default). Without the last
// pid, one of that tick gets the signal again by pid: a second stop signal is the lesser
// harm, none would leave it to the SIGKILL (CONTRACT §2, step 4). A
// member that started earlier and joined the group only after the signal (setpgid) is taken
// as reached.
bool Leftovers::started_before(const ChildInfo& child, const Reached& reached) {
  if (child.started != reached.tick) return child.started < reached.tick;
  return reached.last_pid && child.pid <= *reached.last_pid;
}

bool Leftovers::reached_by_group(const ChildInfo& child, int level) const {
  if (child.pgid != child_pgid_) return false;
  for (auto l = static_cast<std::size_t>(level); l < group_reached_at_.size(); ++l) {
    if (group_reached_at_[l] && started_before(child, *group_reached_at_[l])) return true;
  }
  return false;
}

int Leftovers::sweep_children(const std::vector<pid_t>& children) {
  const int level = level_of(signal_);
  // A pid that is no longer ours may come back as a new orphan: forget it.
  const std::unordered_set<pid_t> ours(children.begin(), children.end());
  std::erase_if(levels_, [&](const auto& entry) { return !ours.contains(entry.first); });
  std::vector<ChildInfo> found;
  for (const pid_t pid : children) {
    auto& known = levels_[pid];
    if (known >= level) continue;
    const auto info = read_child(pid);
    if (!info) continue;  // reaped meanwhile
    // Members of the child's group that were in it when the group had the signal.
    if (reached_by_group(*info, level)) {
      known = level;
      continue;
    }
    found.push_back(*info);
  }
  // Once per level, the group by its id, which also reaches members that are not our
  // children; members started since then get it by their pid. One of our children in
  // the group holds its id, so the id names the child's group still.
  const bool in_group = std::any_of(found.begin(), found.end(), [&](const auto& c) { return c.pgid == child_pgid_; });
  const bool by_group = in_group && !group_had(level);
  if (by_group) {
    group_reached(signal_);
    (void)stop_group(child_pgid_, signal_);
  }
  int count = 0;
  for (const auto& child : found) {
    levels_[child.pid] = level;
    if (child.state == 'Z') continue;  // ended, waiting to be reaped: nothing to signal
    if (child.pgid != child_pgid_ || !by_group) (void)stop_process(child.pid, signal_);
    ++count;
  }
  return count;
}

void Leftovers::finish() {
  active_ = false;
  rescan_.stop();
  if (observer_.on_gone) observer_.on_gone();
}

std::vector<pid_t> Leftovers::remaining() { return list_children().value_or(std::vector<pid_t>{}); }

}  // namespace lastcall::process
