// SPDX-License-Identifier: MIT
#include "process/reaper.hpp"

#include <sys/wait.h>

#include <cerrno>

namespace lastcall::process {

void Reaper::watch(pid_t pid, OnExit on_exit) {
  owners_[pid] = std::move(on_exit);
  has_children_ = true;
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
    if (pid == 0) {
      has_children_ = true;  // children remain, none has exited yet
      return true;
    }
    if (errno == EINTR) continue;
    // ECHILD: nothing left to reap, not even a running process.
    has_children_ = false;
    return false;
  }
}

}  // namespace lastcall::process
