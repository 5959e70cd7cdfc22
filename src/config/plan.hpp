// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "config/settings.hpp"
#include "core/duration.hpp"

namespace lastcall::config {

// The most a phase may take: pre_stop gets min(pre_stop_timeout, grace - drain), because
// the grace budget counts from the trigger and the drain comes first (0 when the drain uses
// it all); post_stop gets post_stop_timeout.
[[nodiscard]] core::Duration phase_cap(const Settings& settings, Phase phase);

// The longest a hook can run: its timeout capped by its phase's cap, or the cap itself when
// it has no timeout (it may get less: what remains of the phase when it starts).
[[nodiscard]] core::Duration effective_timeout(const Settings& settings, Phase phase,
                                               const HookSpec& hook);

// The `--check` output: the resolved plan as JSON, indented by 2, ending in a newline.
// Durations are `<key>_ms` integers; stop_signal is a name or "trigger"; hooks are listed in
// execution order with both their command as written and the argv that will be executed.
[[nodiscard]] std::string plan_json(const Settings& settings);

}  // namespace lastcall::config
