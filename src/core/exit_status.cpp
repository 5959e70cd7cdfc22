// SPDX-License-Identifier: MIT
#include "core/exit_status.hpp"

#include <sys/wait.h>

namespace lastcall::core {

ExitStatus ExitStatus::from_wait_status(int wstatus) {
  if (WIFSIGNALED(wstatus)) return ExitStatus{.code = 0, .signal = WTERMSIG(wstatus)};
  return ExitStatus{.code = WEXITSTATUS(wstatus), .signal = 0};
}

}  // namespace lastcall::core
