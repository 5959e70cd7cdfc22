// SPDX-License-Identifier: MIT
#include "process/spawner.hpp"

#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "helper_mode.hpp"
#include "log/log_writer.hpp"
#include "process/capture.hpp"
#include "uv/loop.hpp"

using namespace lastcall;
using testing::helper_argv;
using testing::run_capturing;

namespace {

// The descriptors open in this process now, in ascending order.
std::vector<int> open_fds() {
  std::vector<int> out;
  DIR* dir = opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  const int own = dirfd(dir);
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const int fd = std::atoi(e->d_name);
    if (fd != own) out.push_back(fd);
  }
  closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

bool contains(const std::vector<int>& fds, int fd) { return std::find(fds.begin(), fds.end(), fd) != fds.end(); }

}  // namespace

TEST_CASE("the child runs in its own process group") {
  auto [out, status] = run_capturing({.argv = helper_argv({"pgrp"})});
  CHECK(WIFEXITED(status));
  CHECK(std::stoi(out) != getpgrp());
}

TEST_CASE("no descriptor of lastcall's leaks into the child") {
  // Descriptors the test runner itself inherited without close-on-exec pass through, as
  // they would into lastcall's child; the child sees those and 0-2, nothing else.
  const auto before = open_fds();
  std::string expected = "0\n1\n2\n";
  for (const int fd : before) {
    if (fd > 2 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0) expected += std::to_string(fd) + '\n';
  }
  // A descriptor lastcall opens is close-on-exec; so are those of its own modules: the
  // loop's (epoll and the like) and the log writer's pipe reopened non-blocking.
  const int mine = open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(mine >= 3);
  uv::Loop loop;
  int log_pipe[2];
  REQUIRE(pipe2(log_pipe, O_CLOEXEC) == 0);
  std::vector<int> lastcalls;
  {
    log::LogWriter writer(log_pipe[1]);
    REQUIRE(writer.is_non_blocking());  // it holds a descriptor of its own
    for (const int fd : open_fds()) {
      if (!contains(before, fd)) lastcalls.push_back(fd);
    }
    REQUIRE(lastcalls.size() >= 5);  // mine, the loop's epoll, the pipe's two ends, the writer's
    auto [out, status] = run_capturing({.argv = helper_argv({"list-fds"})});
    CHECK(WIFEXITED(status));
    CHECK(out == expected);
    for (const int fd : lastcalls) {
      INFO("descriptor " << fd);
      CHECK(out.find("\n" + std::to_string(fd) + "\n") == std::string::npos);
    }
    // Descriptors the test runner itself inherited may pass through; lastcall's own may not.
    std::string needle = "\n";
    needle += std::to_string(mine);
    needle += '\n';
    CHECK(out.find(needle) == std::string::npos);
    CHECK(out.starts_with("0\n1\n2\n"));
  }
  close(log_pipe[0]);
  close(log_pipe[1]);
  close(mine);
  CHECK(loop.close());
}

TEST_CASE("close_other_fds closes even inherited descriptors above 2") {
  const int inherited = open("/dev/null", O_RDONLY);  // no O_CLOEXEC, as from a parent
  REQUIRE(inherited >= 3);
  auto [out, status] = run_capturing({.argv = helper_argv({"list-fds"}), .close_other_fds = true});
  close(inherited);
  CHECK(out == "0\n1\n2\n");
}

TEST_CASE("COMMAND not found is exit code 127, not executable is 126") {
  SUBCASE("not found") {
    auto pid = process::spawn({.argv = {"/nonexistent/lastcall-test-command"}});
    REQUIRE_FALSE(pid.ok());
    CHECK(pid.error().exit_code == 127);
    CHECK(pid.error().message.find("not found") != std::string::npos);
  }
  SUBCASE("not found in PATH") {
    auto pid = process::spawn({.argv = {"lastcall-no-such-command-xyz"}});
    REQUIRE_FALSE(pid.ok());
    CHECK(pid.error().exit_code == 127);
  }
  SUBCASE("not executable") {
    char path[] = "/tmp/lastcall-noexec-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    auto pid = process::spawn({.argv = {path}});
    unlink(path);
    REQUIRE_FALSE(pid.ok());
    CHECK(pid.error().exit_code == 126);
  }
}

TEST_CASE("the exit code and the environment reach the spawned process") {
  auto [out, status] = run_capturing({.argv = {"/bin/sh", "-c", "echo $LC_TEST_VALUE; exit 3"},
                                      .env = std::vector<std::string>{"LC_TEST_VALUE=hello"}});
  CHECK(out == "hello\n");
  CHECK(WEXITSTATUS(status) == 3);
}

TEST_CASE("a cwd that does not exist fails the spawn with a message naming it") {
  auto pid = process::spawn({.argv = {"/bin/true"}, .cwd = std::string("/nonexistent-dir-xyz")});
  REQUIRE_FALSE(pid.ok());
  CHECK(pid.error().message.find("/nonexistent-dir-xyz") != std::string::npos);
}
