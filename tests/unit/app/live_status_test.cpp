// SPDX-License-Identifier: MIT
#include "app/live_status.hpp"

#include <doctest/doctest.h>

using lastcall::app::LiveView;
using lastcall::app::render_live_status;
using lastcall::core::Duration;
using lastcall::core::State;

namespace {

LiveView at(State state) {
  return LiveView{.state = state, .in_state = Duration{2'150}, .hooks = {}, .child_running = true,
                  .child_pid = 42, .grace_left = Duration{25'010}, .drain_left = Duration{0},
                  .cap_left = Duration{0}, .waiting_for = ""};
}

}  // namespace

TEST_CASE("no status line once lastcall has exited") { CHECK(render_live_status(at(State::Exited), false).empty()); }

TEST_CASE("before the child is first ready the status line says starting and what it waits for") {
  auto view = at(State::Running);
  view.waiting_for = "tcp:127.0.0.1:8080";
  CHECK(render_live_status(view, false) == "lastcall >> starting 2.1s | waiting for tcp:127.0.0.1:8080");
  SUBCASE("with no budget: the grace only counts from the trigger") {
    view.grace_left = Duration{0};
    CHECK(render_live_status(view, false) == "lastcall >> starting 2.1s | waiting for tcp:127.0.0.1:8080");
  }
  SUBCASE("a check's text cannot send controls to the terminal") {
    view.waiting_for = "exec:printf '\x1b[2J'\n";
    CHECK(render_live_status(view, false) == "lastcall >> starting 2.1s | waiting for exec:printf '?[2J'?");
  }
  SUBCASE("in colour the word starting is bold") {
    CHECK(render_live_status(view, true) ==
          "lastcall >> \x1b[1mstarting\x1b[0m 2.1s | waiting for tcp:127.0.0.1:8080");
  }
}

TEST_CASE("draining shows the drain and the grace left, counting down as a countdown does") {
  auto view = at(State::Draining);
  view.in_state = Duration{1'260};
  view.drain_left = Duration{3'740};
  CHECK(render_live_status(view, false) == "lastcall >> draining 1.2s | 3.8s of drain left | grace left 25.1s");
  view.drain_left = Duration{1};
  view.grace_left = Duration{1};
  CHECK(render_live_status(view, false) == "lastcall >> draining 1.2s | 0.1s of drain left | grace left 0.1s");
}

TEST_CASE("pre_stop shows every running hook with its time and its deadline") {
  auto view = at(State::PreStop);
  view.hooks = {{.hook = "flush", .elapsed = Duration{1'200}, .deadline = Duration{5'000}},
                {.hook = "deregister", .elapsed = Duration{300}, .deadline = Duration{90'000}}};
  CHECK(render_live_status(view, false) ==
        "lastcall >> pre_stop 2.1s | hooks: flush 1.2s/5.0s, deregister 0.3s/1m30s | grace left 25.1s");
  SUBCASE("between two priority groups no hook runs") {
    view.hooks.clear();
    CHECK(render_live_status(view, false) == "lastcall >> pre_stop 2.1s | grace left 25.1s");
  }
  SUBCASE("a budget over a minute is shown in minutes and seconds") {
    view.hooks.clear();
    view.grace_left = Duration{125'001};
    CHECK(render_live_status(view, false) == "lastcall >> pre_stop 2.1s | grace left 2m06s");
  }
}

TEST_CASE("stopping says what lastcall waits for and when SIGKILL comes") {
  auto view = at(State::Stopping);
  CHECK(render_live_status(view, false) ==
        "lastcall >> stopping 2.1s | waiting for the child (pid 42) | SIGKILL in 25.1s");
  view.child_running = false;
  CHECK(render_live_status(view, false) ==
        "lastcall >> stopping 2.1s | waiting for leftover processes | SIGKILL in 25.1s");
  view.grace_left = Duration{0};
  CHECK(render_live_status(view, false) ==
        "lastcall >> stopping 2.1s | waiting for leftover processes | grace spent, SIGKILL sent");
}

TEST_CASE("post_stop shows its own cap, not the grace") {
  auto view = at(State::PostStop);
  view.grace_left = Duration{0};
  view.cap_left = Duration{4'550};
  view.hooks = {{.hook = "notify", .elapsed = Duration{449}, .deadline = Duration{5'000}}};
  CHECK(render_live_status(view, false) ==
        "lastcall >> post_stop 2.1s | hooks: notify 0.4s/5.0s | 4.6s of post_stop left");
}

TEST_CASE("a hook name cannot send controls to the terminal") {
  auto view = at(State::PreStop);
  view.hooks = {{.hook = "a\x1b[31mb\n", .elapsed = Duration{0}, .deadline = Duration{1'000}}};
  CHECK(render_live_status(view, false) == "lastcall >> pre_stop 2.1s | hooks: a?[31mb? 0.0s/1.0s | grace left 25.1s");
}

TEST_CASE("in colour the state's name is bold") {
  CHECK(render_live_status(at(State::PreStop), true) == "lastcall >> \x1b[1mpre_stop\x1b[0m 2.1s | grace left 25.1s");
}
