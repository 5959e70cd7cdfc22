// SPDX-License-Identifier: MIT
// The spawn path with credentials (fork_exec.hpp) keeps every promise of posix_spawn's.
#include "process/fork_exec.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "helper_mode.hpp"
#include "process/capture.hpp"

using namespace lastcall;
using testing::helper_argv;
using testing::run_capturing;

namespace {

// lastcall's own user and group: a switch that needs no privilege.
core::Credentials same_user() {
  return core::Credentials{.user = "self", .uid = geteuid(), .gid = getegid(), .groups = {getegid()}};
}

process::SpawnRequest as_self(process::SpawnRequest request) {
  request.credentials = same_user();
  return request;
}

}  // namespace

TEST_CASE("with credentials the process still runs in its own process group") {
  auto [out, status] = run_capturing(as_self({.argv = helper_argv({"pgrp"})}));
  CHECK(WIFEXITED(status));
  CHECK(std::stoi(out) != getpgrp());
}

TEST_CASE("with credentials close_other_fds leaves only 0-2, and the report pipe is gone") {
  const int inherited = open("/dev/null", O_RDONLY);  // no O_CLOEXEC, as from a parent
  REQUIRE(inherited >= 3);
  auto [out, status] = run_capturing(as_self({.argv = helper_argv({"list-fds"}), .close_other_fds = true}));
  close(inherited);
  CHECK(out == "0\n1\n2\n");
}

TEST_CASE("with credentials not found is 127, not executable 126, a missing cwd names it") {
  SUBCASE("not found") {
    auto pid = process::spawn(as_self({.argv = {"/nonexistent/lastcall-test-command"}}));
    REQUIRE_FALSE(pid.ok());
    CHECK(pid.error().exit_code == 127);
  }
  SUBCASE("not found in PATH") {
    auto pid = process::spawn(as_self({.argv = {"lastcall-no-such-command-xyz"}}));
    REQUIRE_FALSE(pid.ok());
    CHECK(pid.error().exit_code == 127);
  }
  SUBCASE("not executable") {
    char path[] = "/tmp/lastcall-noexec-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    auto pid = process::spawn(as_self({.argv = {path}}));
    unlink(path);
    REQUIRE_FALSE(pid.ok());
    CHECK(pid.error().exit_code == 126);
  }
  SUBCASE("missing cwd") {
    auto pid = process::spawn(as_self({.argv = {"/bin/true"}, .cwd = std::string("/nonexistent-dir-xyz")}));
    REQUIRE_FALSE(pid.ok());
    CHECK(pid.error().message.find("/nonexistent-dir-xyz") != std::string::npos);
  }
  // The failed process was reaped by pid inside spawn: nothing is left for a waitpid.
  CHECK(waitpid(-1, nullptr, WNOHANG) <= 0);
}

TEST_CASE("with credentials the PATH search, the environment and the exit code work as before") {
  auto [out, status] = run_capturing(as_self({.argv = {"sh", "-c", "echo $LC_TEST_VALUE; exit 3"},
                                              .env = std::vector<std::string>{"LC_TEST_VALUE=hello"}}));
  CHECK(out == "hello\n");
  CHECK(WEXITSTATUS(status) == 3);
}

TEST_CASE("as root, the process switches to the user, its group and supplementary groups") {
  if (geteuid() != 0) return;  // only root can switch
  core::Credentials nobody{.user = "65534", .uid = 65534, .gid = 65533, .groups = {65533, 65532}};
  process::SpawnRequest request{.argv = {"/bin/sh", "-c", "echo $(id -u) $(id -g) $(id -G)"}};
  request.credentials = nobody;
  auto [out, status] = run_capturing(request);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(out == "65534 65533 65533 65532\n");
}
