// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "config/diagnostics.hpp"
#include "config/settings.hpp"

namespace lastcall::config {

// Applies the config file's text (CONTRACT §3) onto `settings`, the layer between the
// defaults and the environment. Every problem is added to `diagnostics` at its JSON pointer
// ("/hooks/pre_stop/0/timout: unknown key (did you mean "timeout"?)") or, for malformed JSON,
// its line and column; reading goes on past each, so one run shows every mistake. Hooks stay
// in file order.
void apply_config_text(std::string_view text, Settings& settings, Diagnostics& diagnostics);

// The whole file at `path`, or an error naming it and the system's reason.
[[nodiscard]] core::Result<std::string> read_config_file(const std::string& path);

}  // namespace lastcall::config
