// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace lastcall::process {

// One child of lastcall as /proc/<pid>/stat shows it.
struct ChildInfo {
  pid_t pid = -1;
  pid_t pgid = -1;
  char state = '?';  // 'Z' for a zombie waiting to be reaped
  std::uint64_t started = UINT64_MAX;  // in clock ticks since boot (proc(5) starttime); the most when unknown
};

// The time since boot in the clock ticks of ChildInfo::started.
[[nodiscard]] std::uint64_t boot_ticks();

// The last pid the kernel handed out in lastcall's pid namespace (/proc/sys/kernel/ns_last_pid),
// or nullopt when /proc does not say or is not of our namespace. Pids grow until they wrap at
// pid_max, so within one clock tick a process with a higher pid started later.
[[nodiscard]] std::optional<pid_t> last_pid();

// The pids whose parent is lastcall: the child, hooks and every orphan adopted as PID 1 or
// subreaper. Read from /proc/self/task/*/children, which costs one small read whatever runs
// on the host; a kernel without it (CONFIG_PROC_CHILDREN) gets a scan of /proc instead.
// nullopt when /proc is missing or belongs to another pid namespace (`unshare --pid`
// without --mount-proc), where its pids would name strangers.
[[nodiscard]] std::optional<std::vector<pid_t>> list_children();

// What /proc says of `pid`, or nullopt when it is gone.
[[nodiscard]] std::optional<ChildInfo> read_child(pid_t pid);

}  // namespace lastcall::process
