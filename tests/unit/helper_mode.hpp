// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

namespace lastcall::testing {

// Helper modes of the test binary. Each process a mode leaves running ends by itself within
// 30 seconds (alarm(2)), so a test that dies cannot leave it behind for long.
//   exit N          exits with N
//   list-fds        prints its open descriptors, one per line, and exits 0
//   pgrp            prints its process group id and its pid ("PGID PID") and exits 0
//   sleep MS        sleeps MS milliseconds and exits 0
//   orphans N       forks N children that each fork a grandchild and exit at once, so the
//                   grandchildren become orphans of the nearest subreaper; then exits 0
//   signals         prints "blocked N..." and "ignored N..." (the signal numbers in its mask
//                   and those set to SIG_IGN), and exits 0
//   env NAME        prints "VALUE PID COUNT": NAME's value ("-" when unset), its own pid and
//                   how many NAME= entries its environment holds; exits 0
//   record SIG,...  catches the signals listed (numbers), prints "ready PID", then "SIG PID"
//                   for each one that arrives, and waits to be killed
//   family IN OUT NESTED SIG,...
//                   starts IN recorders in its own process group, OUT recorders that each
//                   make a process group of their own, and NESTED recorders started by the
//                   first in-group recorder (so they are not its children), then exits 0
//   parent SIG,...  starts a recorder in its own process group, then records as one too,
//                   but exits right after the first signal it records
//   fork-sleeper    forks a child that stays in its process group and sleeps, prints the
//                   child's pid, and exits 0
int run_helper(int argc, char** argv);

// The descriptors open in this process now, in ascending order; none when /proc/self/fd
// cannot be read.
[[nodiscard]] std::vector<int> open_fds();

// This test binary, for spawning it in a helper mode.
[[nodiscard]] std::string self_path();
[[nodiscard]] std::vector<std::string> helper_argv(std::vector<std::string> args);

}  // namespace lastcall::testing
