// SPDX-License-Identifier: MIT
#include "process/spawner.hpp"

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

TEST_CASE("the child runs in its own process group") {
  auto [out, status] = run_capturing({.argv = helper_argv({"pgrp"})});
  CHECK(WIFEXITED(status));
  CHECK(std::stoi(out) != getpgrp());
}

TEST_CASE("no descriptor of lastcall's leaks into the child") {
  // A descriptor lastcall opens is close-on-exec; the child sees only 0-2.
  const int mine = open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(mine >= 3);
  auto [out, status] = run_capturing({.argv = helper_argv({"list-fds"})});
  close(mine);
  // Descriptors the test runner itself inherited may pass through; lastcall's own may not.
  std::string needle = "\n";
  needle += std::to_string(mine);
  needle += '\n';
  CHECK(out.find(needle) == std::string::npos);
  CHECK(out.starts_with("0\n1\n2\n"));
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
