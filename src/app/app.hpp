// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string_view>

#include "config/keys.hpp"
#include "config/settings.hpp"
#include "core/error.hpp"
#include "core/events.hpp"

namespace lastcall::app {

// Builds the real objects for `settings`, spawns the child, runs the loop until the
// sequence ends, and returns lastcall's exit status (or dies of the child's signal).
[[nodiscard]] int run(const config::Settings& settings, const core::InheritedSignals& signals);

// Reports an error found before the loop (usage, config, spawn) as one log event in the
// format the user asked for when it is known, and returns its exit code.
[[nodiscard]] int report_setup_error(const core::Error& error, std::optional<core::LogFormat> format,
                                     std::string_view event = core::event::kConfigError);

// The log format the command line or environment asked for, when it is a valid one: used to
// report an error found before the settings are resolved.
[[nodiscard]] std::optional<core::LogFormat> requested_format(const config::Overrides& overrides);

}  // namespace lastcall::app
