// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "config/settings.hpp"

namespace lastcall::config {

// The cap of a phase as the plan can know it before a trigger: pre_stop's is its timeout,
// within what the grace leaves after the drain; post_stop's is its own timeout.
[[nodiscard]] core::Duration phase_cap(const Settings& settings, core::Phase phase);

// The `--check` output: every resolved setting, durations in milliseconds (`grace_ms`), hooks
// in execution order with their effective timeouts, as indented JSON with a final newline.
[[nodiscard]] std::string plan_json(const Settings& settings);

}  // namespace lastcall::config
