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

// Ends lastcall by `signal`, as the child ended (`--exit-by-signal`): the disposition back to
// SIG_DFL, the signal unblocked, no core dump, then raise(3). As PID 1 the kernel ignores a
// signal that PID 1 has not caught, so there, and should the raise not end us, it returns
// `code` (128 + signal) for main to exit with.
[[nodiscard]] int exit_by_signal(int signal, int code);

// Reports an error found before the loop (usage, config, spawn) as one log event in the
// format the user asked for when it is known, and returns its exit code.
[[nodiscard]] int report_setup_error(const core::Error& error, std::optional<core::LogFormat> format,
                                     std::string_view event = core::event::kConfigError);

// The log format the command line or environment asked for, when it is a valid one: used to
// report an error found before the settings are resolved.
[[nodiscard]] std::optional<core::LogFormat> requested_format(const config::Overrides& overrides);

}  // namespace lastcall::app
