// SPDX-License-Identifier: MIT
#include "process/reaper.hpp"

#include <doctest/doctest.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "helper_mode.hpp"
#include "process/spawner.hpp"

using namespace lastcall;

namespace {

// Reaps until `done` holds or five seconds pass; waits on the kernel, not on a fixed sleep.
template <class Pred>
bool reap_until(process::Reaper& reaper, Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    reaper.reap();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace

TEST_CASE("every pid is routed to the owner that watched it, the rest to the orphan handler") {
  REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);
  process::Reaper reaper;
  std::optional<core::ExitStatus> watched;
  int orphans = 0;
  reaper.set_orphan_handler([&](pid_t, core::ExitStatus) { ++orphans; });

  auto child = process::spawn({.argv = testing::helper_argv({"exit", "7"})});
  REQUIRE(child.ok());
  reaper.watch(*child, [&](pid_t, core::ExitStatus status) { watched = status; });
  auto maker = process::spawn({.argv = testing::helper_argv({"orphans", "50"})});
  REQUIRE(maker.ok());

  // 1 maker + 50 of its children + 50 orphaned grandchildren.
  CHECK(reap_until(reaper, [&] { return watched.has_value() && orphans == 101; }));
  CHECK(watched == core::ExitStatus{.code = 7, .signal = 0});
  CHECK(reaper.orphans_reaped() == 101);
  CHECK_FALSE(reaper.has_children());
  REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) == 0);
}

TEST_CASE("has_children sees a child that has exited but is not reaped yet, without reaping it") {
  process::Reaper reaper;
  auto child = process::spawn({.argv = testing::helper_argv({"exit", "0"})});
  REQUIRE(child.ok());
  bool reaped = false;
  reaper.watch(*child, [&](pid_t, core::ExitStatus) { reaped = true; });
  CHECK(reaper.has_children());
  CHECK(reap_until(reaper, [&] { return reaped; }));
  CHECK_FALSE(reaper.has_children());
}
