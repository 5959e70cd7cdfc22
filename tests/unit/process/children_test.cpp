// SPDX-License-Identifier: MIT
#include "process/children.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "process/reaper.hpp"
#include "process_support.hpp"

using namespace lastcall;
using test::start_helper;

namespace {

bool has(const std::optional<std::vector<pid_t>>& pids, pid_t pid) {
  return pids && std::find(pids->begin(), pids->end(), pid) != pids->end();
}

// A child that leads a group of its own, forks a sleeping grandchild into it and exits.
struct ForkSleeper {
  pid_t leader = -1;
  pid_t grandchild = -1;
};

ForkSleeper start_fork_sleeper(test::Cleanup& cleanup) {
  test::Pipe out;
  ForkSleeper started;
  started.leader = start_helper({"fork-sleeper"}, out.write_end);
  out.close_write();
  cleanup.group(started.leader);
  started.grandchild = std::atoi(test::read_line(out.read_end).c_str());
  REQUIRE(started.grandchild > 1);
  cleanup.process(started.grandchild);
  return started;
}

}  // namespace

TEST_CASE("the children listed are lastcall's own, running or not yet reaped, and not their children") {
  test::Cleanup cleanup;
  const pid_t sleeper = start_helper({"sleep", "30000"});
  cleanup.process(sleeper);
  const pid_t exited = start_helper({"exit", "0"});
  const auto [leader, grandchild] = start_fork_sleeper(cleanup);
  // The leader has exited by now (it printed, then returned); both wait to be reaped.
  REQUIRE(test::eventually([&] { return test::process_state(exited) == 'Z' && test::process_state(leader) == 'Z'; }));

  const auto children = process::list_children();
  REQUIRE(children.has_value());
  CHECK(has(children, sleeper));
  CHECK(has(children, exited));
  CHECK(has(children, leader));
  CHECK_FALSE(has(children, grandchild));  // the init or subreaper above us has it now
  CHECK_FALSE(has(children, getpid()));

  const auto running = process::read_child(sleeper);
  REQUIRE(running.has_value());
  CHECK(running->pid == sleeper);
  CHECK(running->pgid == sleeper);  // the spawn made it a group of its own
  CHECK(running->state == 'S');
  const auto zombie = process::read_child(exited);
  REQUIRE(zombie.has_value());
  CHECK(zombie->state == 'Z');
  CHECK(zombie->pgid == exited);

  REQUIRE(kill(sleeper, SIGKILL) == 0);
  for (const pid_t pid : {sleeper, exited, leader}) (void)process::Reaper::wait_for(pid);
  CHECK_FALSE(has(process::list_children(), sleeper));
  CHECK_FALSE(process::read_child(sleeper).has_value());
  REQUIRE(kill(grandchild, SIGKILL) == 0);  // not ours to reap: gone is enough
  CHECK(test::process_is_gone(grandchild));
}

TEST_CASE("as a subreaper, an orphan is listed once its parent is gone") {
  test::Cleanup cleanup;
  test::Subreaper subreaper;
  const auto [leader, grandchild] = start_fork_sleeper(cleanup);
  CHECK(process::Reaper::wait_for(leader) == core::ExitStatus{});
  const auto children = process::list_children();
  CHECK(has(children, grandchild));
  const auto adopted = process::read_child(grandchild);
  REQUIRE(adopted.has_value());
  CHECK(adopted->pgid == leader);  // still in the group its parent led
  REQUIRE(kill(grandchild, SIGKILL) == 0);
  CHECK(process::Reaper::wait_for(grandchild).signal == SIGKILL);
}

TEST_CASE("a pid that is gone has no entry") { CHECK_FALSE(process::read_child(0x3fffffff).has_value()); }

TEST_CASE("a child's start is dated on the clock that boot_ticks() reads") {
  test::Cleanup cleanup;
  const auto before = process::boot_ticks();
  const pid_t sleeper = start_helper({"sleep", "30000"});
  cleanup.process(sleeper);
  const auto after = process::boot_ticks();
  const auto info = process::read_child(sleeper);
  REQUIRE(info.has_value());
  CHECK(info->pgid == sleeper);
  CHECK(info->started >= before);
  CHECK(info->started <= after);
  REQUIRE(kill(sleeper, SIGKILL) == 0);
  (void)process::Reaper::wait_for(sleeper);
}

TEST_CASE("last_pid is at least the pid of a process just started") {
  test::Cleanup cleanup;
  const pid_t child = start_helper({"exit", "0"});
  const auto last = process::last_pid();
  REQUIRE(last.has_value());
  CHECK(*last >= child);  // pid_max is far off: no wrap between the two
  CHECK(process::Reaper::wait_for(child) == core::ExitStatus{});
}
