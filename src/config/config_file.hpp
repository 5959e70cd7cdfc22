// SPDX-License-Identifier: MIT
#pragma once

#include <span>
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

// Every key the config file accepts, as a JSON pointer ("/signals/forward"); "-" stands for
// every element of an array ("/hooks/-/name"). The unknown-key check and its did-you-mean
// read it, and a test holds it equal to the JSON Schema's keys.
[[nodiscard]] std::span<const std::string_view> file_pointers();

// The whole file at `path`, or an error naming it and the system's reason.
[[nodiscard]] core::Result<std::string> read_config_file(const std::string& path);

}  // namespace lastcall::config
