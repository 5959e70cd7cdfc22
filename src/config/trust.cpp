// SPDX-License-Identifier: MIT
#include "config/trust.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "config/host.hpp"

namespace lastcall::config {
namespace {

constexpr const char* kWaysOut =
    ". Make each step owned by root and not writable by group or others, put the file on a "
    "read-only mount (a ConfigMap, a :ro bind mount), or, if everyone who can write it may run "
    "commands as root, pass --insecure-config";

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

// Whether the entry at `path` lives on a read-only mount, where nobody can change it. A
// symlink lives in its directory; statvfs(2) would follow it.
bool on_read_only_mount(const std::string& path, bool is_symlink) {
  const std::string where = is_symlink ? path.substr(0, std::max<std::size_t>(path.rfind('/'), 1)) : path;
  struct statvfs fs {};
  return ::statvfs(where.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0;
}

// The problem with one entry, or "" when it is fine. `st` is from lstat for the path as
// given (so that a symlink is seen as one) and from stat for the resolved path.
std::string problem_of(const std::string& path, const struct stat& st, uid_t euid) {
  const bool ok_owner = st.st_uid == 0 || st.st_uid == euid;
  const bool others_can_write = !S_ISLNK(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
                                !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0);
  if ((ok_owner && !others_can_write) || on_read_only_mount(path, S_ISLNK(st.st_mode))) return "";
  if (!ok_owner) return path + " is owned by uid " + std::to_string(st.st_uid) + ", not root";
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return path + " is writable by " + ((st.st_mode & S_IWOTH) != 0 ? "other users" : "its group") + " (mode " +
         mode + "; chmod go-w " + path + ")";
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
  const std::string cwd = current_directory();
  const std::string absolute = path.starts_with('/') ? path : (cwd == "/" ? "" : cwd) + "/" + path;
  // The path as given, symlinks and all, then where it really leads (realpath(3)).
  std::string problem = first_problem(path_and_parents(absolute), false, euid);
  if (char* real = problem.empty() ? ::realpath(path.c_str(), nullptr) : nullptr; real != nullptr) {
    problem = first_problem(path_and_parents(real), true, euid);
    std::free(real);
  }
  if (problem.empty()) return std::nullopt;
  return core::Error{"config " + path + ": refusing a config file that users other than root can change, "
                     "since lastcall runs as root and its hooks would run as root too: " + problem + kWaysOut};
}

}  // namespace lastcall::config
