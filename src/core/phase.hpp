// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

namespace lastcall::core {

// The two hook phases of CONTRACT §4.
enum class Phase { PreStop, PostStop };

[[nodiscard]] constexpr std::string_view phase_name(Phase phase) {
  return phase == Phase::PreStop ? "pre_stop" : "post_stop";
}

}  // namespace lastcall::core
