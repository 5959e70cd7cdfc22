// SPDX-License-Identifier: MIT
#include "notify/messages.hpp"

#include <chrono>

namespace lastcall::notify {
namespace {

const char* state_doing(core::State state) {
  switch (state) {
    case core::State::Running: return "the child runs";
    case core::State::Draining: return "draining before the pre-stop hooks";
    case core::State::PreStop: return "running the pre-stop hooks";
    case core::State::Stopping: return "stopping the child and what it left";
    case core::State::PostStop: return "running the post-stop hooks";
    case core::State::Exited: return "the sequence is over";
  }
  return "";
}

}  // namespace

core::Duration stop_budget(core::Duration grace_left, core::Duration post_stop_timeout) {
  return grace_left + post_stop_timeout + kStopMargin;
}

std::string ready_message(pid_t child_pid) { return "READY=1\n" + running_message(child_pid); }

std::string running_message(pid_t child_pid) { return "STATUS=running: child pid " + std::to_string(child_pid); }

std::string starting_message(pid_t child_pid) {
  return "STATUS=starting: child pid " + std::to_string(child_pid) + ", not ready yet";
}

std::string state_message(core::State state, bool first_stop, core::Duration budget) {
  std::string out;
  if (first_stop) out += "STOPPING=1\n";
  out += "STATUS=" + status_text(state);
  if (state != core::State::Exited) {
    const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(budget).count();
    out += "\nEXTEND_TIMEOUT_USEC=" + std::to_string(usec);
  }
  return out;
}

std::string status_text(core::State state) {
  return std::string(core::state_name(state)) + ": " + state_doing(state);
}

}  // namespace lastcall::notify
