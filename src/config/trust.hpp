// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "core/error.hpp"

namespace lastcall::config {

// As root (`euid` 0), a config file names commands that lastcall runs as root, so whoever
// can change the file, or any directory or symlink on the way to it, could run commands as
// root. Such a file is refused unless each step is owned by root (or `euid`) and not
// writable by group or others (a sticky directory such as /tmp is fine), or sits on a
// read-only mount (a ConfigMap, a `:ro` bind mount), which nobody inside can change,
// whatever its owner and mode. The path as given and where its symlinks lead are both
// checked. For any other user nothing is checked, and a file that does not exist is the
// loader's to report. The error names the step at fault and the ways out.
[[nodiscard]] std::optional<core::Error> check_config_trust(const std::string& path, uid_t euid);

}  // namespace lastcall::config
