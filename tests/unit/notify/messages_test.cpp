// SPDX-License-Identifier: MIT
#include "notify/messages.hpp"

#include <doctest/doctest.h>

using namespace lastcall;

TEST_CASE("READY=1 goes with the child's pid in STATUS") {
  CHECK(notify::ready_message(42) == "READY=1\nSTATUS=running: child pid 42");
}

TEST_CASE("before the first passed check the status says starting; ready again after a failed one, running") {
  CHECK(notify::starting_message(42) == "STATUS=starting: child pid 42, not ready yet");
  CHECK(notify::running_message(42) == "STATUS=running: child pid 42");
  CHECK(notify::ready_message(42) == "READY=1\n" + notify::running_message(42));
}

TEST_CASE("the first state past running says STOPPING=1, each one STATUS and EXTEND_TIMEOUT_USEC") {
  const auto budget = notify::stop_budget(core::Duration{3'000}, core::Duration{2'000});
  CHECK(budget == core::Duration{10'000});
  CHECK(notify::state_message(core::State::Draining, true, budget) ==
        "STOPPING=1\nSTATUS=draining: draining before the pre-stop hooks\nEXTEND_TIMEOUT_USEC=10000000");
  CHECK(notify::state_message(core::State::PostStop, false, core::Duration{7'000}) ==
        "STATUS=post_stop: running the post-stop hooks\nEXTEND_TIMEOUT_USEC=7000000");
  CHECK(notify::state_message(core::State::Exited, false, budget) == "STATUS=exited: the sequence is over");
}

TEST_CASE("every state has a STATUS text that starts with its name") {
  for (const auto state : core::kAllStates) {
    const auto text = notify::status_text(state);
    CAPTURE(text);
    CHECK(text.starts_with(std::string(core::state_name(state)) + ": "));
    CHECK(text.size() > core::state_name(state).size() + 2);
  }
}
