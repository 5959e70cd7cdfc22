// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string_view>

#include "config/settings.hpp"
#include "core/events.hpp"
#include "core/error.hpp"

namespace lastcall::app {

// Builds the real objects for `settings`, spawns the child, runs the loop until the
// sequence ends, and returns lastcall's exit status.
[[nodiscard]] int run(const config::Settings& settings);

// Reports an error found before the loop (usage, config, spawn) as one log event in the
// format the user asked for when it is known, and returns its exit code.
[[nodiscard]] int report_setup_error(const core::Error& error, std::optional<config::LogFormat> format,
                                     std::string_view event = core::event::kConfigError);

}  // namespace lastcall::app
