// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "core/duration.hpp"
#include "core/exit_status.hpp"
#include "core/phase.hpp"
#include "core/signal.hpp"

namespace lastcall::hooks {

// What a phase's hooks are told about the shutdown (the LASTCALL_* variables of CONTRACT §4).
struct HookEnv {
  core::Signal trigger;  // empty when the child exited on its own
  pid_t child_pid = -1;
  std::optional<core::ExitStatus> child_status;  // post_stop only
};

// The environment a hook starts with: lastcall's own, then the hook's "env", then the
// LASTCALL_* variables; a later entry replaces an earlier one of the same name.
// `deadline` is how long until the hook is killed (LASTCALL_DEADLINE_MS).
[[nodiscard]] std::vector<std::string> hook_environment(const config::HookSpec& spec, core::Phase phase,
                                                        const HookEnv& env, core::Duration deadline);

}  // namespace lastcall::hooks
