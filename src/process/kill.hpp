// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <csignal>

#include "core/signal.hpp"

namespace lastcall::process {

// kill(2) for a pid that lastcall started or adopted; false when it is already gone (ESRCH).
bool signal_process(pid_t pid, core::Signal signal);
// kill(2) for a process group that lastcall created; false when the group is empty (ESRCH).
bool signal_group(pid_t pgid, core::Signal signal);

// Whether a stop signal must be followed by SIGCONT: a stopped process cannot act on it until
// it runs again. Not after SIGKILL, which ends a stopped process anyway, nor after SIGCONT.
[[nodiscard]] constexpr bool needs_sigcont(core::Signal signal) {
  return signal.number() != SIGKILL && signal.number() != SIGCONT;
}
// `signal`, then SIGCONT when needs_sigcont(signal); false when the target is already gone.
bool stop_process(pid_t pid, core::Signal signal);
bool stop_group(pid_t pgid, core::Signal signal);

}  // namespace lastcall::process
