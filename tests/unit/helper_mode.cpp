// SPDX-License-Identifier: MIT
#include "helper_mode.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace lastcall::testing {
namespace {

int list_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 1;
  const int own = dirfd(dir);
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    if (std::atoi(e->d_name) == own) continue;
    std::printf("%s\n", e->d_name);
  }
  closedir(dir);
  return 0;
}

int make_orphans(int count) {
  for (int i = 0; i < count; ++i) {
    const pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      if (fork() == 0) {
        // The grandchild outlives its parent briefly, then exits as an orphan.
        timespec ts{0, 20'000'000};
        nanosleep(&ts, nullptr);
        _exit(0);
      }
      _exit(0);
    }
  }
  return 0;
}

}  // namespace

int run_helper(int argc, char** argv) {
  const std::string mode = argv[0];
  const int arg = argc > 1 ? std::atoi(argv[1]) : 0;
  if (mode == "exit") return arg;
  if (mode == "list-fds") return list_fds();
  if (mode == "pgrp") {
    std::printf("%d\n", static_cast<int>(getpgrp()));
    return 0;
  }
  if (mode == "sleep") {
    timespec ts{arg / 1000, (arg % 1000) * 1'000'000L};
    nanosleep(&ts, nullptr);
    return 0;
  }
  if (mode == "orphans") return make_orphans(arg);
  std::fprintf(stderr, "unknown helper mode %s\n", mode.c_str());
  return 99;
}

std::string self_path() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::vector<std::string> helper_argv(std::vector<std::string> args) {
  std::vector<std::string> out{self_path(), "--helper"};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

}  // namespace lastcall::testing
