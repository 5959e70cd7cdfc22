// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "config/settings.hpp"

namespace lastcall::config {

// The `--check` output: every resolved setting, durations in milliseconds (`grace_ms`), hooks
// in execution order with their effective timeouts, as indented JSON with a final newline.
[[nodiscard]] std::string plan_json(const Settings& settings);

}  // namespace lastcall::config
