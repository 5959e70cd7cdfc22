// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <string_view>

// The vocabulary of the sequence (CONTRACT §2 and §4): its states, the two hook phases and
// how a hook ends. The supervisor moves through them; the log, the admin endpoint and the
// systemd notifications name them.
namespace lastcall::core {

enum class State { Running, Draining, PreStop, Stopping, PostStop, Exited };

inline constexpr std::array kAllStates{State::Running,  State::Draining, State::PreStop,
                                       State::Stopping, State::PostStop, State::Exited};

[[nodiscard]] constexpr std::string_view state_name(State state) {
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

enum class Phase { PreStop, PostStop };

[[nodiscard]] constexpr std::string_view phase_name(Phase phase) {
  return phase == Phase::PreStop ? "pre_stop" : "post_stop";
}

// How one hook ended: the `status` of hook_finished, and "skipped" for a hook that the phase
// cap left unstarted (hook_skipped).
enum class HookStatus { Ok, Failed, Timeout, Error, Skipped };

inline constexpr std::array kAllHookStatuses{HookStatus::Ok, HookStatus::Failed, HookStatus::Timeout,
                                             HookStatus::Error, HookStatus::Skipped};

[[nodiscard]] constexpr std::string_view status_name(HookStatus status) {
  switch (status) {
    case HookStatus::Ok: return "ok";
    case HookStatus::Failed: return "failed";
    case HookStatus::Timeout: return "timeout";
    case HookStatus::Error: return "error";
    case HookStatus::Skipped: return "skipped";
  }
  return "error";
}

}  // namespace lastcall::core
