// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/credentials.hpp"
#include "core/error.hpp"

namespace lastcall::process {

// What to start and how to wire its stdio.
struct SpawnRequest {
  std::vector<std::string> argv{};         // argv[0] is looked up in PATH unless it has a '/'
  std::optional<std::vector<std::string>> env{};  // "K=V" entries; nullopt inherits ours
  std::optional<std::string> cwd{};
  int stdin_fd = -1;   // -1: inherit ours
  int stdout_fd = -1;  // -1: inherit ours
  int stderr_fd = -1;  // -1: inherit ours
  bool close_other_fds = false;  // close every descriptor above 2 in the new process
  std::optional<core::Credentials> credentials{};  // nullopt: run as lastcall does
};

// Starts a process with posix_spawn(3) in a new process group of its own, with every signal
// at its default disposition and none blocked, whatever lastcall itself does with them.
// glibc's posix_spawn uses CLONE_VFORK and reports an exec failure as the return value, so
// "not found" and "not executable" are known before this returns. lastcall's own descriptors
// are all close-on-exec, so none leaks in. With credentials it forks and execs instead
// (fork_exec.hpp), with the same guarantees. The caller must hand the pid to the Reaper
// before returning to the loop.
[[nodiscard]] core::Result<pid_t> spawn(const SpawnRequest& request);

// The environment as "K=V" strings, for adding to before a spawn.
[[nodiscard]] std::vector<std::string> current_environment();

}  // namespace lastcall::process
