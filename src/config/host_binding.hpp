// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"

namespace lastcall::config {

// The part of resolving that depends on the machine rather than on the text: run once at
// startup, before anything is spawned.
// - Every hook gets an absolute cwd: a relative one is taken against `start_dir` (lastcall's
//   working directory at startup), and a hook without one runs in `start_dir` itself. lastcall
//   moves to / once the child is spawned, so that it keeps no mount busy; its hooks must not
//   notice.
// - Each "user"/"group" (top level for the child, and per hook) is looked up into Credentials.
// Returns one problem line per user or group that cannot be found; empty when all is well.
[[nodiscard]] std::vector<std::string> bind_to_host(Settings& settings, const std::string& start_dir);

// lastcall's working directory, or "/" when it has none (it was removed).
[[nodiscard]] std::string current_directory();

}  // namespace lastcall::config
