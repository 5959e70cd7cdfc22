// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/credentials.hpp"
#include "core/error.hpp"
#include "core/signal.hpp"
#include "core/unique_fd.hpp"

namespace lastcall::process {

// What to start and how.
struct SpawnRequest {
  std::vector<std::string> argv{};  // argv[0] is looked up in PATH unless it has a '/'
  std::optional<std::vector<std::string>> env{};  // "K=V" entries; nullopt inherits ours
  std::optional<std::string> cwd{};
  int stdin_fd = -1;   // -1: inherit ours
  int stdout_fd = -1;  // -1: inherit ours
  int stderr_fd = -1;  // -1: inherit ours
  bool close_other_fds = false;  // close every descriptor above 2 in the new process
  bool set_listen_pid = false;   // socket activation: LISTEN_PID becomes the new process's pid
  std::optional<core::Credentials> credentials{};  // nullopt: run as lastcall does
  bool await_exec = false;  // the caller reads the exec report at once, so it may wait for the exec
};

// A process that has been forked. `report` is the read end of its exec report pipe
// (close-on-exec, blocking): end of file once it has exec'd, or the reason it could not, to
// be read with read_exec_report(). The caller owns both: the pid goes to the Reaper before
// the loop runs again; the descriptor closes once read, or when dropped unread.
struct Spawned {
  pid_t pid = -1;
  core::UniqueFd report;
};

// Forks a process in a new process group of its own, with the signal mask and the ignored
// signals lastcall inherited (`inherited`) and every other signal at its default, its stdio
// wired, then cwd, setgroups(2), setgid(2) and setuid(2) in that order (group ids cannot be
// changed once the uid is not root), and execs it. Everything it needs is built before the
// fork, so between fork and exec only async-signal-safe calls run (signal-safety(7)); never
// waits for the exec unless `await_exec` says the caller does anyway. lastcall's own
// descriptors are all close-on-exec, so none leaks in.
// An error only when nothing could be forked.
[[nodiscard]] core::Result<Spawned> spawn(const SpawnRequest& request, const core::InheritedSignals& inherited);

// Reads a spawned process's exec report; blocks until it has exec'd unless the process has
// ended already. nullopt when it exec'd; else why not, as CONTRACT §6 maps it: 127 for a
// command not found or a missing cwd, 126 for one that cannot be executed or run as its
// user. Closes the descriptor.
[[nodiscard]] std::optional<core::Error> read_exec_report(core::UniqueFd report, const SpawnRequest& request);

// The environment as "K=V" strings, for adding to before a spawn.
[[nodiscard]] std::vector<std::string> current_environment();

}  // namespace lastcall::process
