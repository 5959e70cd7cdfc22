// SPDX-License-Identifier: MIT
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "process/spawner.hpp"

namespace lastcall::testing {

// Runs `request` with stdout into a pipe and returns what it printed and its wait status.
inline std::pair<std::string, int> run_capturing(process::SpawnRequest request) {
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  request.stdout_fd = fds[1];
  auto pid = process::spawn(request);
  close(fds[1]);
  REQUIRE(pid.ok());
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(*pid, &status, 0) == *pid);
  return {out, status};
}

}  // namespace lastcall::testing
