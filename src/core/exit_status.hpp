// SPDX-License-Identifier: MIT
#pragma once

namespace lastcall::core {

// Exit codes lastcall itself chooses (CONTRACT §6).
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotExecutable = 126;
inline constexpr int kExitNotFound = 127;
inline constexpr int kExitSignalBase = 128;

// How a process ended, as waitpid(2) reported it.
struct ExitStatus {
  int code = 0;    // the exit code when signal is 0
  int signal = 0;  // the signal that killed it, 0 when it exited

  [[nodiscard]] static ExitStatus from_wait_status(int wstatus);
  // The shell's convention: the code, or 128 + the signal.
  [[nodiscard]] int shell_code() const { return signal != 0 ? kExitSignalBase + signal : code; }

  friend bool operator==(const ExitStatus&, const ExitStatus&) = default;
};

}  // namespace lastcall::core
