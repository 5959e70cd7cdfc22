// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace lastcall::testing {

// Helper modes of the test binary:
//   exit N        exits with N
//   list-fds      prints its open descriptors, one per line, and exits 0
//   pgrp          prints its process group id and exits 0
//   sleep MS      sleeps MS milliseconds and exits 0
//   orphans N     forks N children that each fork a grandchild and exit at once, so the
//                 grandchildren become orphans of the nearest subreaper; then exits 0
int run_helper(int argc, char** argv);

// This test binary, for spawning it in a helper mode.
[[nodiscard]] std::string self_path();
[[nodiscard]] std::vector<std::string> helper_argv(std::vector<std::string> args);

}  // namespace lastcall::testing
