// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <csignal>

#include "fakes/fake_ports.hpp"

using namespace lastcall;
using namespace std::chrono_literals;
using fakes::FakeWorld;
using supervisor::PhaseTally;
using supervisor::State;

namespace {

supervisor::Plan plan_with(core::Duration grace, core::Duration drain = 0ms) {
  supervisor::Plan plan;
  plan.grace = grace;
  plan.drain = drain;
  plan.pre_stop_timeout = grace / 2;
  plan.post_stop_timeout = 5s;
  return plan;
}

const core::Signal kTerm(SIGTERM);
const core::Signal kInt(SIGINT);

}  // namespace

TEST_CASE("a trigger runs draining, pre_stop, stopping, post_stop in that order, once") {
  FakeWorld w(plan_with(10s, 2s));
  w.supervisor.on_trigger(kTerm);
  CHECK(w.supervisor.state() == State::Draining);
  CHECK(w.drain_timer.armed_for() == 2s);
  CHECK(w.grace_timer.armed_for() == 10s);

  w.clock.advance(2s);
  w.supervisor.on_drain_timer();
  CHECK(w.supervisor.state() == State::PreStop);
  REQUIRE(w.hooks.caps.size() == 1);
  CHECK(w.hooks.caps[0] == 5s);  // pre_stop_timeout, within the 8s of grace left
  CHECK(w.hooks.contexts[0].trigger == kTerm);

  w.supervisor.on_phase_finished(core::Phase::PreStop, PhaseTally{.ok = 1});
  CHECK(w.supervisor.state() == State::Stopping);
  CHECK(w.journal.has("child.stop SIGTERM"));

  w.supervisor.on_child_exited(core::ExitStatus{.code = 0, .signal = SIGTERM});
  CHECK(w.journal.has("leftovers.stop SIGTERM"));
  CHECK(w.supervisor.state() == State::Stopping);

  w.supervisor.on_leftovers_gone();
  CHECK(w.supervisor.state() == State::PostStop);
  CHECK_FALSE(w.grace_timer.armed());
  REQUIRE(w.hooks.contexts.size() == 2);
  CHECK(w.hooks.contexts[1].child_status->signal == SIGTERM);

  w.supervisor.on_phase_finished(core::Phase::PostStop, PhaseTally{.failed = 1, .skipped = 2});
  CHECK(w.supervisor.state() == State::Exited);
  CHECK(w.exit.code == 128 + SIGTERM);
  CHECK(w.exit.calls == 1);
  REQUIRE(w.reporter.summaries.size() == 1);
  CHECK(w.reporter.summaries[0].hooks.ok == 1);
  CHECK(w.reporter.summaries[0].hooks.failed == 1);
  CHECK(w.reporter.summaries[0].hooks.skipped == 2);

  const auto& j = w.journal;
  // index_of is -1 for a missing line, which would pass an order check.
  REQUIRE(j.has("state draining"));
  REQUIRE(j.has("state pre_stop"));
  REQUIRE(j.has("child.stop SIGTERM"));
  REQUIRE(j.has("leftovers.stop SIGTERM"));
  REQUIRE(j.has("hooks.start post_stop 5000"));
  CHECK(j.index_of("state draining") < j.index_of("state pre_stop"));
  CHECK(j.index_of("state pre_stop") < j.index_of("child.stop SIGTERM"));
  CHECK(j.index_of("child.stop SIGTERM") < j.index_of("leftovers.stop SIGTERM"));
  CHECK(j.index_of("leftovers.stop SIGTERM") < j.index_of("hooks.start post_stop 5000"));
}

TEST_CASE("with no drain, pre_stop starts at the trigger") {
  FakeWorld w(plan_with(10s));
  w.supervisor.on_trigger(kInt);
  CHECK(w.supervisor.state() == State::PreStop);
  CHECK_FALSE(w.drain_timer.armed());
  CHECK(w.journal.has("report.shutdown SIGINT 10000"));
}

TEST_CASE("the pre_stop cap never outlasts the grace budget counted from the trigger") {
  auto plan = plan_with(4s, 3s);
  plan.pre_stop_timeout = 10s;
  FakeWorld w(plan);
  w.supervisor.on_trigger(kTerm);
  w.clock.advance(3s);
  w.supervisor.on_drain_timer();
  REQUIRE(w.hooks.caps.size() == 1);
  CHECK(w.hooks.caps[0] == 1s);
}

TEST_CASE("if the child has not exited when the grace budget ends, its process group gets SIGKILL") {
  FakeWorld w(plan_with(1s));
  w.supervisor.on_trigger(kTerm);
  w.supervisor.on_phase_finished(core::Phase::PreStop, {});
  w.clock.advance(1s);
  w.supervisor.on_grace_timer();
  CHECK(w.journal.has("child.kill"));
  CHECK(w.reporter.killed_after == 1s);
  w.supervisor.on_child_exited(core::ExitStatus{.code = 0, .signal = SIGKILL});
  SUBCASE("leftovers found after the budget get SIGKILL at once") {
    CHECK(w.journal.has("leftovers.stop SIGTERM"));
    CHECK(w.journal.has("leftovers.kill"));
  }
  w.supervisor.on_leftovers_gone();
  w.supervisor.on_phase_finished(core::Phase::PostStop, {});
  CHECK(w.exit.code == 137);
  CHECK(w.reporter.summaries.at(0).child_killed);
}

TEST_CASE("leftovers still running when the grace budget ends get SIGKILL") {
  FakeWorld w(plan_with(2s));
  w.supervisor.on_trigger(kTerm);
  w.supervisor.on_phase_finished(core::Phase::PreStop, {});
  w.supervisor.on_child_exited(core::ExitStatus{.code = 0, .signal = 0});
  CHECK_FALSE(w.journal.has("leftovers.kill"));
  w.clock.advance(2s);
  w.supervisor.on_grace_timer();
  CHECK(w.journal.has("leftovers.kill"));
  CHECK_FALSE(w.journal.has("child.kill"));
  CHECK(w.supervisor.state() == State::Stopping);
}

TEST_CASE("a second trigger during pre_stop forces an exit") {
  FakeWorld w(plan_with(10s));
  w.supervisor.on_trigger(kTerm);
  REQUIRE(w.supervisor.state() == State::PreStop);
  w.supervisor.on_trigger(kInt);
  CHECK(w.journal.has("hooks.kill_all"));
  CHECK(w.journal.has("child.kill"));
  CHECK(w.journal.has("leftovers.kill"));
  CHECK(w.journal.has("report.forced SIGINT"));
  CHECK(w.exit.code == 128 + SIGINT);
  CHECK(w.supervisor.state() == State::Exited);
  SUBCASE("and nothing else runs after it") {
    const auto lines = w.journal.lines.size();
    w.supervisor.on_phase_finished(core::Phase::PreStop, {});
    w.supervisor.on_child_exited(core::ExitStatus{.code = 0, .signal = SIGKILL});
    w.supervisor.on_grace_timer();
    w.supervisor.on_trigger(kTerm);
    CHECK(w.journal.lines.size() == lines);
    CHECK(w.exit.calls == 1);
  }
}

TEST_CASE("a second trigger during draining, stopping or post_stop forces an exit") {
  FakeWorld w(plan_with(10s, 1s));
  w.supervisor.on_trigger(kTerm);
  SUBCASE("draining") {}
  SUBCASE("stopping") {
    w.supervisor.on_drain_timer();
    w.supervisor.on_phase_finished(core::Phase::PreStop, {});
    REQUIRE(w.supervisor.state() == State::Stopping);
  }
  SUBCASE("post_stop") {
    w.supervisor.on_drain_timer();
    w.supervisor.on_phase_finished(core::Phase::PreStop, {});
    w.supervisor.on_child_exited({});
    w.supervisor.on_leftovers_gone();
    REQUIRE(w.supervisor.state() == State::PostStop);
  }
  w.supervisor.on_trigger(kTerm);
  CHECK(w.exit.code == 128 + SIGTERM);
  CHECK(w.exit.calls == 1);
}

TEST_CASE("the child exiting on its own skips draining and pre_stop, with the grace counted from its exit") {
  FakeWorld w(plan_with(3s, 1s));
  w.clock.advance(50s);
  w.supervisor.on_child_exited(core::ExitStatus{.code = 3, .signal = 0});
  CHECK(w.supervisor.state() == State::Stopping);
  CHECK(w.grace_timer.armed_for() == 3s);
  CHECK_FALSE(w.drain_timer.armed());
  CHECK(w.journal.has("leftovers.stop SIGTERM"));
  CHECK_FALSE(w.journal.has("state draining"));
  CHECK_FALSE(w.journal.has("state pre_stop"));
  SUBCASE("a first trigger then is no forced exit") {
    // It joins the sequence already running: no exit yet, nothing forced, still stopping.
    w.supervisor.on_trigger(kTerm);
    CHECK(w.exit.calls == 0);
    CHECK_FALSE(w.journal.has("report.forced SIGTERM"));
    CHECK_FALSE(w.journal.has("hooks.kill_all"));
    CHECK(w.supervisor.state() == State::Stopping);
  }
  SUBCASE("no trigger at all") {
    CHECK(w.exit.calls == 0);
    CHECK(w.supervisor.state() == State::Stopping);
  }
  w.supervisor.on_leftovers_gone();
  REQUIRE(w.hooks.contexts.size() == 1);
  CHECK(w.hooks.contexts[0].trigger.empty());
  w.supervisor.on_phase_finished(core::Phase::PostStop, {});
  CHECK(w.exit.code == 3);
  CHECK(w.exit.calls == 1);
  CHECK_FALSE(w.journal.has("report.forced SIGTERM"));
}

TEST_CASE("a first trigger after the child ended on its own does not force an exit; a second does") {
  FakeWorld w(plan_with(3s));
  w.supervisor.on_child_exited(core::ExitStatus{.code = 0, .signal = 0});
  w.supervisor.on_trigger(kTerm);
  CHECK(w.exit.calls == 0);
  w.supervisor.on_leftovers_gone();
  REQUIRE(w.hooks.contexts.size() == 1);
  CHECK(w.hooks.contexts[0].trigger.empty());  // LASTCALL_SIGNAL stays empty
  w.supervisor.on_trigger(kTerm);
  CHECK(w.exit.code == 128 + SIGTERM);
}

TEST_CASE("the child exiting during pre_stop lets the hooks finish, then skips the stop signal") {
  FakeWorld w(plan_with(10s));
  w.supervisor.on_trigger(kTerm);
  w.supervisor.on_child_exited(core::ExitStatus{.code = 0, .signal = 0});
  CHECK(w.supervisor.state() == State::PreStop);
  CHECK_FALSE(w.journal.has("leftovers.stop SIGTERM"));
  w.supervisor.on_phase_finished(core::Phase::PreStop, {});
  CHECK_FALSE(w.journal.has("child.stop SIGTERM"));
  CHECK(w.journal.has("leftovers.stop SIGTERM"));
}

TEST_CASE("the stop signal is --stop-signal, else the trigger after rewrite") {
  auto plan = plan_with(10s);
  SUBCASE("explicit stop signal") {
    plan.stop_signal = core::Signal(SIGUSR2);
    FakeWorld w(plan);
    w.supervisor.on_trigger(kTerm);
    w.supervisor.on_phase_finished(core::Phase::PreStop, {});
    CHECK(w.journal.has("child.stop SIGUSR2"));
  }
  SUBCASE("the trigger itself") {
    FakeWorld w(plan);
    w.supervisor.on_trigger(core::Signal(SIGQUIT));
    w.supervisor.on_phase_finished(core::Phase::PreStop, {});
    CHECK(w.journal.has("child.stop SIGQUIT"));
  }
  SUBCASE("the trigger rewritten") {
    plan.rewrite[kTerm] = kInt;
    FakeWorld w(plan);
    w.supervisor.on_trigger(kTerm);
    w.supervisor.on_phase_finished(core::Phase::PreStop, {});
    CHECK(w.journal.has("child.stop SIGINT"));
  }
}

TEST_CASE("an exit code in the success codes becomes 0") {
  auto plan = plan_with(10s);
  plan.success_exit_codes = {143, 7};
  SUBCASE("killed by SIGTERM is 143") {
    FakeWorld w(plan);
    w.supervisor.on_child_exited(core::ExitStatus{.code = 0, .signal = SIGTERM});
    w.supervisor.on_leftovers_gone();
    w.supervisor.on_phase_finished(core::Phase::PostStop, {});
    CHECK(w.exit.code == 0);
  }
  SUBCASE("exit code 7") {
    FakeWorld w(plan);
    w.supervisor.on_child_exited(core::ExitStatus{.code = 7, .signal = 0});
    w.supervisor.on_leftovers_gone();
    w.supervisor.on_phase_finished(core::Phase::PostStop, {});
    CHECK(w.exit.code == 0);
  }
  SUBCASE("other codes stay") {
    FakeWorld w(plan);
    w.supervisor.on_child_exited(core::ExitStatus{.code = 8, .signal = 0});
    w.supervisor.on_leftovers_gone();
    w.supervisor.on_phase_finished(core::Phase::PostStop, {});
    CHECK(w.exit.code == 8);
  }
}

TEST_CASE("a drain longer than the grace budget is cut short when the budget ends") {
  FakeWorld w(plan_with(1s, 5s));
  w.supervisor.on_trigger(kTerm);
  w.clock.advance(1s);
  w.supervisor.on_grace_timer();
  CHECK(w.journal.has("child.kill"));
  CHECK(w.supervisor.state() == State::PreStop);
  REQUIRE(w.hooks.caps.size() == 1);
  CHECK(w.hooks.caps[0] == 0ms);
}

TEST_CASE("a stale phase report or timer does not move the sequence") {
  FakeWorld w(plan_with(10s));
  w.supervisor.on_phase_finished(core::Phase::PreStop, {});
  w.supervisor.on_drain_timer();
  w.supervisor.on_leftovers_gone();
  CHECK(w.supervisor.state() == State::Running);
  CHECK(w.journal.lines.empty());
}
