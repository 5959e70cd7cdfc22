// SPDX-License-Identifier: MIT
#include "process/terminal.hpp"

#include <unistd.h>

namespace lastcall::process {

Terminal::Terminal() : present_(isatty(STDIN_FILENO) == 1) {}

Terminal::~Terminal() {
  // The calling shell expects its job's group in the foreground when the job ends; a failure
  // (the terminal is gone, or no longer ours) leaves nothing to do.
  if (handed_) (void)tcsetpgrp(STDIN_FILENO, getpgrp());
}

bool Terminal::is_ours() const { return present_ && tcgetpgrp(STDIN_FILENO) == getpgrp(); }

bool Terminal::hand_to(pid_t pgid) {
  if (!present_ || tcsetpgrp(STDIN_FILENO, pgid) != 0) return false;
  handed_ = true;
  return true;
}

}  // namespace lastcall::process
