// SPDX-License-Identifier: MIT
#include "process/kill.hpp"

#include <signal.h>

namespace lastcall::process {

bool signal_process(pid_t pid, core::Signal signal) {
  if (pid <= 0) return false;  // never kill(0) or kill(-1) by accident
  return kill(pid, signal.number()) == 0;
}

bool signal_group(pid_t pgid, core::Signal signal) {
  if (pgid <= 1) return false;  // kill(-1) would reach every process we may signal
  return kill(-pgid, signal.number()) == 0;
}

}  // namespace lastcall::process
