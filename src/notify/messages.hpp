// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <string>

#include "core/duration.hpp"
#include "core/state.hpp"

// The sd_notify(3) messages lastcall sends, as text: newline-separated VARIABLE=value
// assignments, one datagram each. Pure functions, so the protocol is tested without systemd.
namespace lastcall::notify {

// Slack on top of what the sequence may still take, for the last reaps and the exit itself.
inline constexpr core::Duration kStopMargin{5'000};

// How long systemd must still wait for us: what is left of the grace budget, plus the
// post_stop cap, plus kStopMargin.
[[nodiscard]] core::Duration stop_budget(core::Duration grace_left, core::Duration post_stop_timeout);

// "READY=1\nSTATUS=running: child pid 42": the child is first ready.
[[nodiscard]] std::string ready_message(pid_t child_pid);
// "STATUS=running: child pid 42": ready again after a failed check.
[[nodiscard]] std::string running_message(pid_t child_pid);
// "STATUS=starting: child pid 42, not ready yet": spawned, its readiness check not passed.
[[nodiscard]] std::string starting_message(pid_t child_pid);

// The message for entering `state` during the shutdown: STOPPING=1 when it is the first
// state past running, then STATUS=<state text>, then EXTEND_TIMEOUT_USEC=<budget in µs>
// (left out once the sequence has exited).
[[nodiscard]] std::string state_message(core::State state, bool first_stop, core::Duration budget);

// The STATUS= text for a state: "pre_stop: running the pre-stop hooks".
[[nodiscard]] std::string status_text(core::State state);

}  // namespace lastcall::notify
