// SPDX-License-Identifier: MIT
#include "core/exit_status.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <csignal>

namespace lastcall::core {

ExitStatus ExitStatus::from_wait_status(int wstatus) {
  if (WIFSIGNALED(wstatus)) return ExitStatus{.code = 0, .signal = WTERMSIG(wstatus)};
  return ExitStatus{.code = WEXITSTATUS(wstatus), .signal = 0};
}

Ending ending_for(std::optional<ExitStatus> child, const std::vector<int>& success_codes, bool by_signal) {
  const ExitStatus status = child.value_or(ExitStatus{.code = 0, .signal = SIGKILL});
  const int code = status.shell_code();
  if (std::find(success_codes.begin(), success_codes.end(), code) != success_codes.end()) return {};
  return Ending{.code = code, .fatal_signal = by_signal ? status.signal : 0};
}

}  // namespace lastcall::core
