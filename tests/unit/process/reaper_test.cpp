// SPDX-License-Identifier: MIT
#include "process/reaper.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "process_support.hpp"

using namespace lastcall;
using process::ChildChange;
using Kind = ChildChange::Kind;
using test::start_helper;
using namespace std::chrono_literals;

namespace {

// Reaps until `done` holds or five seconds pass.
template <class Pred>
bool reap_until(process::Reaper& reaper, Pred done) {
  return test::eventually([&] {
    (void)reaper.reap();
    return done();
  });
}

// How a child that ended by itself looks at a look without reaping (WNOWAIT): nullopt while
// it runs.
std::optional<siginfo_t> peek_exit(pid_t pid) {
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) {
    return std::nullopt;
  }
  return info;
}

}  // namespace

TEST_CASE("every pid is routed to the owner that watched it, the rest to the orphan handler") {
  test::Cleanup cleanup;
  test::Subreaper subreaper;
  process::Reaper reaper;
  std::optional<core::ExitStatus> watched;
  int orphans = 0;
  reaper.set_orphan_handler([&](const ChildChange& change) {
    CHECK(change.kind == Kind::Exited);
    ++orphans;
  });

  const pid_t child = start_helper({"exit", "7"});
  reaper.watch(child, [&](const ChildChange& change) {
    CHECK(change.pid == child);
    watched = change.status;
  });
  cleanup.process(start_helper({"orphans", "50"}));

  // 1 maker + 50 of its children + 50 orphaned grandchildren.
  CHECK(reap_until(reaper, [&] { return watched.has_value() && orphans == 101; }));
  CHECK(watched == core::ExitStatus{.code = 7, .signal = 0});
  CHECK(orphans == 101);
  CHECK_FALSE(reaper.has_children());
  CHECK_FALSE(reaper.reap());  // no child is left
}

TEST_CASE("has_children sees a child that has exited but is not reaped yet, without reaping it") {
  test::Cleanup cleanup;
  process::Reaper reaper;
  const pid_t child = start_helper({"exit", "0"});
  bool reaped = false;
  reaper.watch(child, [&](const ChildChange&) { reaped = true; });
  CHECK(test::eventually([&] { return peek_exit(child).has_value(); }));
  CHECK(reaper.has_children());
  CHECK(reaper.has_children());  // looking reaps nothing
  CHECK(reap_until(reaper, [&] { return reaped; }));
  CHECK_FALSE(reaper.has_children());
}

TEST_CASE("a stopped child is reported as stopped with its signal and not as an exit, then continued, then exited") {
  test::Cleanup cleanup;
  process::Reaper reaper;
  const pid_t child = start_helper({"sleep", "30000"});
  cleanup.process(child);
  std::vector<ChildChange> changes;
  reaper.watch(child, [&](const ChildChange& change) { changes.push_back(change); });

  REQUIRE(kill(child, SIGSTOP) == 0);
  REQUIRE(reap_until(reaper, [&] { return !changes.empty(); }));
  CHECK(changes.back().kind == Kind::Stopped);
  CHECK(changes.back().stop_signal == SIGSTOP);
  CHECK(changes.back().pid == child);
  CHECK(test::process_state(child) == 'T');
  CHECK(reaper.reap());  // a child is left: the stopped one, still watched

  REQUIRE(kill(child, SIGCONT) == 0);
  REQUIRE(reap_until(reaper, [&] { return changes.size() == 2; }));
  CHECK(changes.back().kind == Kind::Continued);

  REQUIRE(kill(child, SIGTERM) == 0);
  REQUIRE(reap_until(reaper, [&] { return changes.size() == 3; }));
  CHECK(changes.back().kind == Kind::Exited);
  CHECK(changes.back().status == core::ExitStatus{.code = 0, .signal = SIGTERM});
  CHECK_FALSE(reaper.has_children());
  // Once exited, the pid is nobody's: nothing more reaches the owner.
  CHECK(changes.size() == 3);
}

TEST_CASE("kill_group_at_exit kills the rest of the leader's group before the leader is reaped") {
  test::Cleanup cleanup;
  // The grandchild becomes our child once its parent is gone, so its end can be seen.
  test::Subreaper subreaper;
  process::Reaper reaper;
  test::Pipe out;
  const pid_t leader = start_helper({"fork-sleeper"}, out.write_end);
  out.close_write();
  cleanup.group(leader);
  const std::string line = test::read_line(out.read_end);
  const pid_t grandchild = std::atoi(line.c_str());
  REQUIRE(grandchild > 1);
  cleanup.process(grandchild);

  std::vector<core::ExitStatus> orphans;
  reaper.set_orphan_handler([&](const ChildChange& change) { orphans.push_back(change.status); });
  std::optional<siginfo_t> grandchild_at_reap;
  bool leader_reaped = false;

  SUBCASE("with it") {
    reaper.watch(leader, [&](const ChildChange& change) {
      leader_reaped = change.kind == Kind::Exited;
      // SIGKILL went to the group before this call: the grandchild ends without our help.
      (void)test::eventually([&] { return (grandchild_at_reap = peek_exit(grandchild)).has_value(); }, 2s);
    }, true);
    REQUIRE(reap_until(reaper, [&] { return leader_reaped && orphans.size() == 1; }));
    REQUIRE(grandchild_at_reap.has_value());
    CHECK(grandchild_at_reap->si_code == CLD_KILLED);
    CHECK(grandchild_at_reap->si_status == SIGKILL);
    CHECK(orphans[0] == core::ExitStatus{.code = 0, .signal = SIGKILL});
  }
  SUBCASE("without it the group is left alone") {
    reaper.watch(leader, [&](const ChildChange& change) { leader_reaped = change.kind == Kind::Exited; });
    REQUIRE(reap_until(reaper, [&] { return leader_reaped; }));
    CHECK_FALSE(peek_exit(grandchild).has_value());
    CHECK(orphans.empty());
    REQUIRE(kill(grandchild, SIGKILL) == 0);
    CHECK(reap_until(reaper, [&] { return orphans.size() == 1; }));
  }
}

TEST_CASE("a forgotten pid is reaped, and heard by nobody") {
  test::Cleanup cleanup;
  process::Reaper reaper;
  const pid_t child = start_helper({"exit", "3"});
  int calls = 0;
  int orphans = 0;
  reaper.set_orphan_handler([&](const ChildChange&) { ++orphans; });
  reaper.watch(child, [&](const ChildChange&) { ++calls; });
  reaper.forget(child);
  CHECK(reap_until(reaper, [&] { return !reaper.has_children(); }));
  CHECK(calls == 0);
  CHECK(orphans == 0);
  CHECK(test::process_state(child) == '\0');
}

TEST_CASE("wait_for waits for one pid alone, before the loop runs") {
  const pid_t child = start_helper({"exit", "5"});
  CHECK(process::Reaper::wait_for(child) == core::ExitStatus{.code = 5, .signal = 0});
  CHECK_FALSE(process::Reaper::has_children());
}
