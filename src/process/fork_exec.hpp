// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <variant>

#include "process/spawner.hpp"

namespace lastcall::process {

// Where starting a process failed, and the errno.
struct ExecFailure {
  enum class Step { Fork, Chdir, Credentials, Exec };
  Step step = Step::Exec;
  int error = 0;
};

// The spawn path for a request with credentials: posix_spawn(3) cannot switch user, so this
// forks, and the new process sets its process group, signal dispositions and mask, stdio,
// cwd, then setgroups(2), setgid(2) and setuid(2), in that order (the group ids can no longer
// be changed once the uid is not root), and execs. Everything it needs is built before the
// fork, so between fork and exec only async-signal-safe calls run (signal-safety(7)). A
// failure there travels back through a close-on-exec pipe: when this returns, the process
// has either exec'd or been reaped by pid here, like glibc's posix_spawn does, so 126 and 127
// are known at once. plain fork(2) rather than vfork: glibc's setuid() in a process it
// thinks multi-threaded signals every thread of the parent's thread list, which a vfork
// child shares.
[[nodiscard]] std::variant<pid_t, ExecFailure> fork_exec(const SpawnRequest& request);

}  // namespace lastcall::process
