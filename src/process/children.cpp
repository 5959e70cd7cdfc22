// SPDX-License-Identifier: MIT
#include "process/children.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
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

// True when /proc/self names us, so /proc speaks of our own pid namespace. Asked once: the
// answer lasts as long as lastcall's mounts and pid namespace, that is, its whole run.
bool proc_is_ours() {
  static const bool ours = [] {
    char buf[32];
    const ssize_t n = readlink("/proc/self", buf, sizeof buf);
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(buf, buf + std::max<ssize_t>(n, 0), pid);
    return n > 0 && ec == std::errc() && end == buf + n && pid == getpid();
  }();
  return ours;
}

// Field `n` of a /proc/PID/stat line, numbered from 1 as proc(5) does; "" when missing.
// comm (field 2) may hold spaces and parentheses, so the count starts after its last ')'.
std::string_view stat_field(std::string_view stat, int n) {
  const auto paren = stat.rfind(')');
  if (paren == std::string_view::npos) return {};
  stat.remove_prefix(paren + 1);
  for (int field = 3;; ++field) {
    while (!stat.empty() && stat.front() == ' ') stat.remove_prefix(1);
    const auto end = stat.find(' ');
    if (field == n) return stat.substr(0, end);
    if (end == std::string_view::npos) return {};
    stat.remove_prefix(end);
  }
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
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
    pid_t ppid = -1;
    if (parse_number(stat_field(read_small(path), 4), ppid) && ppid == self) out.push_back(pid);
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
  ChildInfo info{.pid = pid};
  const auto state = stat_field(stat, 3);
  if (state.size() != 1 || !parse_number(stat_field(stat, 5), info.pgid)) return std::nullopt;
  info.state = state.front();
  if (!parse_number(stat_field(stat, 22), info.started)) info.started = UINT64_MAX;
  return info;
}

std::optional<pid_t> last_pid() {
  if (!proc_is_ours()) return std::nullopt;
  const std::string text = read_small("/proc/sys/kernel/ns_last_pid");
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return pid;
}

std::uint64_t boot_ticks() {
  // The clock /proc counts a process's start on: CLOCK_BOOTTIME, in USER_HZ ticks, rounded down.
  static const auto hz = static_cast<std::uint64_t>(sysconf(_SC_CLK_TCK));
  timespec now{};
  (void)clock_gettime(CLOCK_BOOTTIME, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * hz + static_cast<std::uint64_t>(now.tv_nsec) / (1'000'000'000 / hz);
}

}  // namespace lastcall::process
