// SPDX-License-Identifier: MIT
#pragma once

#include <array>

// The states of the sequence (CONTRACT §2). The supervisor moves through them; the admin
// endpoint and the systemd notifications name them, so they are shared vocabulary.
namespace lastcall::core {

enum class State { Running, Draining, PreStop, Stopping, PostStop, Exited };

inline constexpr std::array kAllStates{State::Running,  State::Draining, State::PreStop,
                                       State::Stopping, State::PostStop, State::Exited};

[[nodiscard]] constexpr const char* state_name(State state) {
  switch (state) {
    case State::Running: return "running";
    case State::Draining: return "draining";
    case State::PreStop: return "pre_stop";
    case State::Stopping: return "stopping";
    case State::PostStop: return "post_stop";
    case State::Exited: return "exited";
  }
  return "running";
}

}  // namespace lastcall::core
