// SPDX-License-Identifier: MIT
#include "process/children.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <string>
#include <string_view>

namespace lastcall::process {
namespace {

// True when /proc/self names us, so /proc speaks of our own pid namespace.
bool proc_is_ours() {
  char buf[32];
  const ssize_t n = readlink("/proc/self", buf, sizeof buf);
  if (n <= 0) return false;
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(buf, buf + n, pid);
  return ec == std::errc() && end == buf + n && pid == getpid();
}

// The parent pid from /proc/<pid>/stat, or -1. The command name in parentheses may hold
// spaces and parentheses itself, so the fields are counted from the last ')'.
pid_t parent_of(int proc_fd, const char* pid_name) {
  char path[64];
  std::snprintf(path, sizeof path, "%s/stat", pid_name);
  const int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;  // ENOENT: it ended between readdir and open
  char buf[512];
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  const std::string_view stat(buf, static_cast<std::size_t>(n));
  const auto close_paren = stat.rfind(')');
  if (close_paren == std::string_view::npos || close_paren + 4 >= stat.size()) return -1;
  // ") S 1234 ..." : state, then ppid.
  const std::string_view rest = stat.substr(close_paren + 4);
  pid_t ppid = -1;
  std::from_chars(rest.data(), rest.data() + rest.size(), ppid);
  return ppid;
}

}  // namespace

std::optional<std::vector<pid_t>> list_children() {
  if (!proc_is_ours()) return std::nullopt;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return std::nullopt;
  const pid_t self = getpid();
  std::vector<pid_t> out;
  while (const dirent* entry = readdir(dir)) {
    pid_t pid = 0;
    const char* name = entry->d_name;
    auto [end, ec] = std::from_chars(name, name + std::strlen(name), pid);
    if (ec != std::errc() || *end != '\0' || pid == self) continue;
    if (parent_of(dirfd(dir), name) == self) out.push_back(pid);
  }
  closedir(dir);
  return out;
}

}  // namespace lastcall::process
