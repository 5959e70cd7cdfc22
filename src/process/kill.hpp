// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include "core/signal.hpp"

namespace lastcall::process {

// kill(2) for a pid that lastcall started or adopted; false when it is already gone (ESRCH).
bool signal_process(pid_t pid, core::Signal signal);
// kill(2) for a process group that lastcall created; false when the group is empty (ESRCH).
bool signal_group(pid_t pgid, core::Signal signal);

}  // namespace lastcall::process
