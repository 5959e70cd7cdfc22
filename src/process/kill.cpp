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

bool stop_process(pid_t pid, core::Signal signal) {
  const bool reached = signal_process(pid, signal);
  if (reached && needs_sigcont(signal)) (void)signal_process(pid, core::Signal(SIGCONT));
  return reached;
}

bool stop_group(pid_t pgid, core::Signal signal) {
  const bool reached = signal_group(pgid, signal);
  if (reached && needs_sigcont(signal)) (void)signal_group(pgid, core::Signal(SIGCONT));
  return reached;
}

}  // namespace lastcall::process
