// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/signal.hpp"

namespace lastcall::config {

// Parses a CONTRACT §1 SIG: a name with or without `SIG` in any case (`SIGTERM`, `term`,
// `Term`), a real-time name (`SIGRTMIN+2`, `rtmax-1`), or a number (`15`). A number must be
// a standard signal (1..31) or a real-time one; 0, glibc's reserved 32 and 33, and anything
// past SIGRTMAX are rejected, as is every unknown name.
[[nodiscard]] std::optional<core::Signal> parse_signal(std::string_view text);

// Why `from` cannot be the FROM of a rewrite ("SIGKILL cannot be caught, ..."), or nullopt.
[[nodiscard]] std::optional<std::string> rewrite_source_problem(core::Signal from);

}  // namespace lastcall::config
