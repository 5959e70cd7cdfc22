// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

namespace lastcall::process {

// The terminal on lastcall's stdin, when there is one (CONTRACT §2 Terminal): whose process
// group has its foreground, and handing it to the child's group and back. lastcall blocks
// SIGTTOU with every other signal, so tcsetpgrp(3) works from the background too. Lives for
// the run; gives the foreground back to lastcall's own group when destroyed, if it handed
// it away.
class Terminal {
 public:
  Terminal();
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // stdin is a terminal.
  [[nodiscard]] bool present() const { return present_; }
  // lastcall's own process group has the terminal's foreground.
  [[nodiscard]] bool is_ours() const;
  // Gives the foreground to `pgid`; false when the terminal refused (errno).
  bool hand_to(pid_t pgid);

 private:
  bool present_ = false;
  bool handed_ = false;  // the foreground was given away at least once
};

}  // namespace lastcall::process
