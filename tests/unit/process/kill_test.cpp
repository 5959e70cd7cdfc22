// SPDX-License-Identifier: MIT
#include "process/kill.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "process_support.hpp"

using namespace lastcall;
using core::Signal;
using test::start_helper;

namespace {

// The signals pending for the whole of `pid` (ShdPnd in /proc/PID/status), as a bit mask.
unsigned long long shared_pending(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("ShdPnd:")) return std::stoull(line.substr(7), nullptr, 16);
  }
  return 0;
}

bool is_pending(pid_t pid, int signal) { return (shared_pending(pid) & (1ULL << (signal - 1))) != 0; }

}  // namespace

TEST_CASE("no pid or group that would reach more than one of ours is ever signalled") {
  // Signal 0 only asks whether the target exists: were a guard missing, nothing would be hurt.
  CHECK_FALSE(process::signal_process(0, Signal(0)));    // kill(0): our own group
  CHECK_FALSE(process::signal_process(-1, Signal(0)));   // kill(-1): everything we may signal
  CHECK_FALSE(process::signal_process(-getpgrp(), Signal(0)));
  CHECK_FALSE(process::signal_group(0, Signal(0)));
  CHECK_FALSE(process::signal_group(1, Signal(0)));      // kill(-1)
  CHECK_FALSE(process::signal_group(-getpgrp(), Signal(0)));
}

TEST_CASE("a process or group that is gone is reported as such") {
  const pid_t child = start_helper({"exit", "0"});
  CHECK(process::signal_process(child, Signal(0)));  // a zombie still has its pid
  CHECK(process::Reaper::wait_for(child) == core::ExitStatus{});
  CHECK_FALSE(process::signal_process(child, Signal(0)));
  CHECK_FALSE(process::signal_group(child, Signal(0)));
}

TEST_CASE("a stopped process acts on the stop signal only once continued, so SIGCONT follows it") {
  CHECK(process::needs_sigcont(Signal(SIGTERM)));
  CHECK(process::needs_sigcont(Signal(SIGRTMIN)));
  CHECK_FALSE(process::needs_sigcont(Signal(SIGKILL)));
  CHECK_FALSE(process::needs_sigcont(Signal(SIGCONT)));

  test::Cleanup cleanup;
  const pid_t child = start_helper({"sleep", "30000"});
  cleanup.process(child);
  REQUIRE(kill(child, SIGSTOP) == 0);
  REQUIRE(test::eventually([&] { return test::process_state(child) == 'T'; }));
  SUBCASE("the process") {
    CHECK(process::signal_process(child, Signal(SIGTERM)));
    // The kernel keeps it pending while the process is stopped: nothing would end it.
    CHECK(test::process_state(child) == 'T');
    CHECK(is_pending(child, SIGTERM));
    CHECK(process::stop_process(child, Signal(SIGTERM)));
    CHECK(process::Reaper::wait_for(child) == core::ExitStatus{.code = 0, .signal = SIGTERM});
  }
  SUBCASE("the group") {
    CHECK(process::signal_group(child, Signal(SIGTERM)));
    CHECK(test::process_state(child) == 'T');
    CHECK(is_pending(child, SIGTERM));
    CHECK(process::stop_group(child, Signal(SIGTERM)));
    CHECK(process::Reaper::wait_for(child) == core::ExitStatus{.code = 0, .signal = SIGTERM});
  }
  SUBCASE("SIGKILL needs no SIGCONT") {
    CHECK(process::stop_process(child, Signal(SIGKILL)));
    CHECK(process::Reaper::wait_for(child) == core::ExitStatus{.code = 0, .signal = SIGKILL});
  }
}
