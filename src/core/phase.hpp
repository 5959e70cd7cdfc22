// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <string_view>

namespace lastcall::core {

// The two hook phases of CONTRACT §4.
enum class Phase { PreStop, PostStop };

inline constexpr std::array kAllPhases{Phase::PreStop, Phase::PostStop};

[[nodiscard]] constexpr std::string_view phase_name(Phase phase) {
  return phase == Phase::PreStop ? "pre_stop" : "post_stop";
}

// How one hook ended: the `status` of hook_finished, and "skipped" for a hook that the phase
// cap left unstarted (hook_skipped). The metrics count runs by these.
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
