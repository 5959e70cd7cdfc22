// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

namespace lastcall::process {

// The pids whose parent is lastcall: the child, hooks and every orphan adopted as PID 1 or
// subreaper. Read from /proc; nullopt when /proc is missing or belongs to another pid
// namespace (`unshare --pid` without --mount-proc), where its pids would name strangers.
[[nodiscard]] std::optional<std::vector<pid_t>> list_children();

}  // namespace lastcall::process
