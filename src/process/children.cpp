// SPDX-License-Identifier: MIT
#include "process/children.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace lastcall::process {
namespace {

// The whole of a small /proc file, or "" when it cannot be read.
std::string read_small(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

// True when /proc/self names us, so /proc speaks of our own pid namespace.
bool proc_is_ours() {
  char buf[32];
  const ssize_t n = readlink("/proc/self", buf, sizeof buf);
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(buf, buf + std::max<ssize_t>(n, 0), pid);
  return n > 0 && ec == std::errc() && end == buf + n && pid == getpid();
}

void append_pids(std::string_view text, std::vector<pid_t>& out) {
  while (!text.empty()) {
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
    if (ec == std::errc()) out.push_back(pid);
    text.remove_prefix(static_cast<std::size_t>(end - text.data()) + (ec == std::errc() ? 0 : 1));
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  }
}

// Every task's children file; false when the kernel has none.
bool read_children_files(std::vector<pid_t>& out) {
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return false;
  bool found = false;
  while (const dirent* task = readdir(tasks)) {
    if (task->d_name[0] == '.') continue;
    const std::string path = std::string("/proc/self/task/") + task->d_name + "/children";
    found = found || access(path.c_str(), R_OK) == 0;
    append_pids(read_small(path.c_str()), out);
  }
  closedir(tasks);
  return found;
}

// The slow way: every process in /proc whose parent is us.
void scan_proc(std::vector<pid_t>& out) {
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return;
  const pid_t self = getpid();
  while (const dirent* entry = readdir(dir)) {
    pid_t pid = 0;
    const char* name = entry->d_name;
    const auto [end, ec] = std::from_chars(name, name + std::strlen(name), pid);
    if (ec != std::errc() || *end != '\0' || pid == self) continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    const std::string stat = read_small(path);
    // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so count from the last ')'.
    const auto paren = stat.rfind(')');
    pid_t ppid = -1;
    if (paren != std::string::npos && paren + 4 < stat.size()) {
      std::from_chars(stat.data() + paren + 4, stat.data() + stat.size(), ppid);
    }
    if (ppid == self) out.push_back(pid);
  }
  closedir(dir);
}

}  // namespace

std::optional<std::vector<pid_t>> list_children() {
  if (!proc_is_ours()) return std::nullopt;
  std::vector<pid_t> out;
  if (!read_children_files(out)) scan_proc(out);
  return out;
}

std::optional<ChildInfo> read_child(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  const std::string stat = read_small(path);
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 4 >= stat.size()) return std::nullopt;
  // ") S ppid pgrp ...": the state, then the parent, then the process group.
  ChildInfo info{.pid = pid, .state = stat[paren + 2]};
  std::string_view rest(stat);
  rest.remove_prefix(paren + 4);
  pid_t ppid = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), ppid);
  if (ec != std::errc() || end + 1 >= rest.data() + rest.size()) return std::nullopt;
  std::from_chars(end + 1, rest.data() + rest.size(), info.pgid);
  return info;
}

}  // namespace lastcall::process
