// SPDX-License-Identifier: MIT
#include "config/config_trust.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "config/host_binding.hpp"

namespace lastcall::config {
namespace {

constexpr const char* kOptOut =
    "; or, if everyone who can write it may run commands as root, pass --insecure-config";

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// `path` and each directory above it, the path itself first: "/a/b/c", "/a/b", "/a", "/".
std::vector<std::string> path_and_parents(std::string path) {
  std::vector<std::string> out;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  for (;;) {
    out.push_back(path);
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos || path == "/") break;
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
  return out;
}

std::string absolute(const std::string& path) {
  if (path.starts_with('/')) return path;
  const std::string cwd = current_directory();
  return (cwd == "/" ? "" : cwd) + "/" + path;
}

// The problem with one entry, or "" when it is fine. `st` is from lstat for the path as
// given (so that a symlink is seen as one) and from stat for the resolved path.
std::string problem_of(const std::string& path, const struct stat& st, uid_t euid) {
  if (st.st_uid != 0 && st.st_uid != euid) {
    return path + " is owned by uid " + std::to_string(st.st_uid) + ", not root (chown root " + path + ")";
  }
  if (S_ISLNK(st.st_mode)) return "";  // a symlink's own mode bits mean nothing
  const bool others_can_write = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
  const bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0;
  if (others_can_write && !sticky_dir) {
    return path + " is writable by " + ((st.st_mode & S_IWOTH) != 0 ? "other users" : "its group") +
           " (mode " + octal_mode(st.st_mode) + "; chmod go-w " + path + ")";
  }
  return "";
}

std::string first_problem(const std::vector<std::string>& paths, bool follow, uid_t euid) {
  for (const auto& entry : paths) {
    struct stat st {};
    if ((follow ? ::stat(entry.c_str(), &st) : ::lstat(entry.c_str(), &st)) != 0) continue;
    if (auto problem = problem_of(entry, st, euid); !problem.empty()) return problem;
  }
  return "";
}

}  // namespace

std::optional<core::Error> check_config_trust(const std::string& path, uid_t euid) {
  if (euid != 0) return std::nullopt;
  // The path as given, symlinks and all, then where it really leads (realpath(3)).
  std::string problem = first_problem(path_and_parents(absolute(path)), false, euid);
  if (char* real = problem.empty() ? ::realpath(path.c_str(), nullptr) : nullptr; real != nullptr) {
    problem = first_problem(path_and_parents(real), true, euid);
    std::free(real);
  }
  if (problem.empty()) return std::nullopt;
  return core::Error{"config " + path + ": refusing a config file that users other than root can change, "
                     "since lastcall runs as root and its hooks would run as root too: " + problem + kOptOut};
}

}  // namespace lastcall::config
