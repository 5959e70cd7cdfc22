// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

// Log events of the hooks module beyond CONTRACT §5's table. They belong with the others in
// core/events.hpp; they live here until that file can take them.
namespace lastcall::hooks::event {

// A hook reached its deadline or the phase cap and its process group gets SIGKILL.
inline constexpr std::string_view kHookTimedOut = "hook_timed_out";
// A hook wrote more lines than are relayed; the rest were read and dropped.
inline constexpr std::string_view kHookOutputTruncated = "hook_output_truncated";

}  // namespace lastcall::hooks::event
