// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/signal.hpp"
#include "process/children.hpp"
#include "process/reaper.hpp"
#include "uv/loop.hpp"

namespace lastcall::process {

// Stops every process left once the child has exited (CONTRACT §2 step 4): the rest of the
// child's process group and every orphan lastcall has adopted, whatever its group. Each gets
// the stop signal once and SIGKILL once: the group by its id while one of our children is
// still a member (so the id cannot have been taken by a new group), every other child by its
// pid while it is unreaped. Adopted orphans raise no event when the kernel reparents them, so
// while it runs it looks at lastcall's children again, soon after each reap and then less
// and less often; nothing is armed otherwise. "None left" is the Reaper's word that no child
// is left at all, so it cannot miss a process it never saw. Lives for the whole run.
class Leftovers {
 public:
  struct Observer {
    std::function<void()> on_gone;  // none is left
    // Processes still running that were just sent `signal` (a zombie is not counted).
    std::function<void(core::Signal signal, int count)> on_signaled;
  };

  Leftovers(uv_loop_t* loop, pid_t child_pgid, Observer observer);

  // Sends `signal` (and SIGCONT, so that a stopped process can act on it) to each process
  // left that has not had it, now and as more are found.
  void stop(core::Signal signal);
  // SIGKILL to each process left, now and as more are found.
  void kill() { stop(core::Signal(SIGKILL)); }
  // The child's group gets `signal` now (the stop signal of step 3, the SIGKILL at the end
  // of the grace); call it just before sending. Its members started in an earlier clock tick
  // are not sent it again; those started since are.
  void group_reached(core::Signal signal);
  // Call after every reap with what Reaper::reap() returned.
  void after_reap(bool children_left);
  // The pids of lastcall's children still there, for a last word when it gives up on them.
  [[nodiscard]] static std::vector<pid_t> remaining();

 private:
  // When the child's group had a level: the clock tick, and the last pid handed out then.
  struct Reached {
    std::uint64_t tick = 0;
    std::optional<pid_t> last_pid;  // nullopt: unknown, so the tick alone decides
  };

  // How far a process has been taken: 0 nothing, 1 the stop signal, 2 SIGKILL.
  [[nodiscard]] int level_of(core::Signal signal) const { return signal.number() == SIGKILL ? 2 : 1; }
  void sweep();
  void sweep_unlisted();
  // The child's group had `level` or more.
  [[nodiscard]] bool group_had(int level) const;
  // Whether `child` started before the group's signal went out.
  [[nodiscard]] static bool started_before(const ChildInfo& child, const Reached& reached);
  [[nodiscard]] bool reached_by_group(const ChildInfo& child, int level) const;
  [[nodiscard]] int sweep_children(const std::vector<pid_t>& children);
  void finish();

  pid_t child_pgid_;
  Observer observer_;
  uv::Timer rescan_;
  core::Duration interval_{0};  // until the next look; grows while nothing changes
  core::Signal signal_;         // the last one asked for; empty until stop()
  bool active_ = false;
  // When the child's group had each level (by index); nullopt: not yet.
  std::array<std::optional<Reached>, 3> group_reached_at_{};
  int broadcast_level_ = 0;                  // how far kill(-1) has taken everything, as PID 1 without /proc
  std::unordered_map<pid_t, int> levels_;    // how far each child has been taken
};

}  // namespace lastcall::process
