// SPDX-License-Identifier: MIT
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstring>

#include "helper_mode.hpp"

// `lastcall_tests --helper NAME ARGS...` runs one of the helper modes instead of the tests,
// so tests that need a child process start this binary rather than relying on a shell.
int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "--helper") == 0) {
    return lastcall::testing::run_helper(argc - 2, argv + 2);
  }
  doctest::Context context(argc, argv);
  return context.run();
}
