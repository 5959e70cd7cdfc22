// SPDX-License-Identifier: MIT
#include "process/reaper.hpp"

#include <sys/wait.h>

#include <cerrno>

namespace lastcall::process {

void Reaper::watch(pid_t pid, OnExit on_exit) { owners_[pid] = std::move(on_exit); }

bool Reaper::has_children() const {
  siginfo_t info{};
  for (;;) {
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0) return true;
    if (errno == EINTR) continue;
    return false;  // ECHILD: no child of any kind is left
  }
}

void Reaper::reap_failed_spawn(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

bool Reaper::reap() {
  for (;;) {
    int wstatus = 0;
    const pid_t pid = waitpid(-1, &wstatus, WNOHANG);
    if (pid > 0) {
      const auto status = core::ExitStatus::from_wait_status(wstatus);
      if (auto it = owners_.find(pid); it != owners_.end()) {
        auto owner = std::move(it->second);
        owners_.erase(it);
        owner(pid, status);
      } else {
        ++orphans_reaped_;
        if (on_orphan_) on_orphan_(pid, status);
      }
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    return pid == 0;  // 0: the rest are still running; ECHILD: no child is left
  }
}

}  // namespace lastcall::process
