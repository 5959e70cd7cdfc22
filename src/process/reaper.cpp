// SPDX-License-Identifier: MIT
#include "process/reaper.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>

namespace lastcall::process {
namespace {

// waitid(2) that retries on EINTR: 0 with info.si_pid 0 when nothing is to report, -1 with
// ECHILD when no child is left.
int wait_id(idtype_t type, pid_t pid, siginfo_t& info, int options) {
  for (;;) {
    info = siginfo_t{};
    const int rc = ::waitid(type, static_cast<id_t>(pid), &info, options | WNOHANG);
    if (rc == 0 || errno != EINTR) return rc;
  }
}

ChildChange change_of(const siginfo_t& info) {
  ChildChange change{.pid = info.si_pid};
  switch (info.si_code) {
    case CLD_EXITED: change.status = core::ExitStatus{.code = info.si_status, .signal = 0}; break;
    case CLD_KILLED:
    case CLD_DUMPED: change.status = core::ExitStatus{.code = 0, .signal = info.si_status}; break;
    case CLD_STOPPED:
    case CLD_TRAPPED:
      change.kind = ChildChange::Kind::Stopped;
      change.stop_signal = info.si_status;
      break;
    default: change.kind = ChildChange::Kind::Continued; break;
  }
  return change;
}

}  // namespace

void Reaper::watch(pid_t pid, OnChange on_change, bool kill_group_at_exit) {
  owners_[pid] = Owner{std::move(on_change), kill_group_at_exit};
}

void Reaper::forget(pid_t pid) {
  if (auto it = owners_.find(pid); it != owners_.end()) it->second.on_change = [](const ChildChange&) {};
}

bool Reaper::reap() {
  for (;;) {
    siginfo_t info;
    // Look first (WNOWAIT), so that a group can be killed while its leader still holds the id.
    if (wait_id(P_ALL, 0, info, WEXITED | WSTOPPED | WCONTINUED | WNOWAIT) != 0) return false;  // ECHILD
    if (info.si_pid == 0) return true;  // children left, none with news
    const ChildChange change = change_of(info);
    const auto owner = owners_.find(change.pid);
    const bool exited = change.kind == ChildChange::Kind::Exited;
    if (exited && owner != owners_.end() && owner->second.kill_group_at_exit) {
      (void)::kill(-change.pid, SIGKILL);  // ESRCH: the leader was alone in its group
    }
    // Consume exactly what was looked at: the exit, or the stop or continue alone.
    // Nothing consumed means the child changed again in between: the next look sees how.
    if (wait_id(P_PID, change.pid, info, exited ? WEXITED : WSTOPPED | WCONTINUED) != 0 || info.si_pid == 0) {
      continue;
    }
    dispatch(change);
  }
}

void Reaper::dispatch(const ChildChange& change) {
  const auto it = owners_.find(change.pid);
  if (it == owners_.end()) {
    if (change.kind == ChildChange::Kind::Exited && on_orphan_) on_orphan_(change);
    return;
  }
  auto on_change = change.kind == ChildChange::Kind::Exited ? std::move(it->second.on_change) : it->second.on_change;
  if (change.kind == ChildChange::Kind::Exited) owners_.erase(it);
  on_change(change);
}

bool Reaper::has_children(pid_t pgid) {
  siginfo_t info;
  return wait_id(pgid > 0 ? P_PGID : P_ALL, pgid, info, WEXITED | WNOWAIT) == 0;
}

core::ExitStatus Reaper::wait_for(pid_t pid) {
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  return core::ExitStatus::from_wait_status(wstatus);
}

}  // namespace lastcall::process
