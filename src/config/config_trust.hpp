// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "core/error.hpp"

namespace lastcall::config {

// Whether a config file may be trusted by a lastcall running as `euid`. Its hooks run with
// lastcall's privileges, so as root (euid 0) the file, every directory above it, and any
// symlink on the way must be owned by root and writable by no group or other user; otherwise
// whoever can change one of them can run commands as root. A directory with the sticky bit
// (such as /tmp) may be writable by all: there only an entry's owner can replace it, and that
// owner is checked too. For any other euid nothing is checked: the file cannot give more
// than that user has. A path that does not exist is left to the loader to report.
//
// Returns the Error (exit 2) naming the first path at fault and how to fix it, or nullopt.
[[nodiscard]] std::optional<core::Error> check_config_trust(const std::string& path, uid_t euid);

}  // namespace lastcall::config
