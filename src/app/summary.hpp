// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "supervisor/ports.hpp"

namespace lastcall::app {

// How a process ended, in words: "exited with 0", "was killed by SIGTERM".
[[nodiscard]] std::string describe_exit(core::ExitStatus status);
// How the child ended, in words: "exited with 0", "killed by SIGKILL after the grace".
[[nodiscard]] std::string describe_child_end(const supervisor::Summary& summary);
// The short block the text format ends with.
[[nodiscard]] std::string text_summary(const supervisor::Summary& summary);

}  // namespace lastcall::app
