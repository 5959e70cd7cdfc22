// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <vector>

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

// How lastcall ends: with an exit code, or by dying of a signal (`--exit-by-signal`).
struct Ending {
  int code = 0;          // with a fatal_signal, 128 + it: the shell's code for that death
  int fatal_signal = 0;  // 0: exit with `code`; else raise it, falling back to `code`

  friend bool operator==(const Ending&, const Ending&) = default;
};

// CONTRACT §6 for a completed sequence: the child's code, 0 for a success code, 128 + N for
// a signal (nullopt: the child could not be reaped, which only SIGKILL leaves). With
// `by_signal`, a child killed by N that is no success makes lastcall die of N too; PID 1
// cannot, which exit_by_signal() handles.
[[nodiscard]] Ending ending_for(std::optional<ExitStatus> child, const std::vector<int>& success_codes,
                                bool by_signal);

}  // namespace lastcall::core
